"""Likert scales: a registry of ordered 5-point scales with labels in English, Spanish, French
and Portuguese, and the don't-know labels kept apart from every scale."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kmsynth.errors import InputError

DONT_KNOW = -1.0  # code of "Don't know" / N/A answers; blanks are NaN
POINTS = (1, 2, 3, 4, 5)
NOT_STATED = "(not stated)"
LANGUAGES = ("en", "es", "fr", "pt")


def normalise_label(value: Any) -> str:
    """Fold a label for lookup: accents, case, apostrophes, punctuation and spacing ignored;
    gender endings such as "satisfecho(a)" or "satisfait(e)" dropped."""
    s = unicodedata.normalize("NFKD", str(value))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = re.sub(r"\((?:a|e|s|as|es|os)\)", "", s)
    s = re.sub(r"['’‘`´]", "", s)
    s = re.sub(r"[\W_]+", " ", s)
    return " ".join(s.split())


@dataclass(frozen=True)
class LikertScale:
    """An ordered 5-point answer scale: `points` are the English display labels from 1 (most
    negative) to 5, `labels[language]` five tuples of accepted labels (synonyms) per point."""

    name: str
    points: tuple[str, str, str, str, str]
    labels: Mapping[str, tuple[tuple[str, ...], ...]]

    def __post_init__(self) -> None:
        for lang, per_point in self.labels.items():
            if len(per_point) != 5:
                raise ValueError(f"scale {self.name!r}, language {lang!r}: five points expected")

    @cached_property
    def lookup(self) -> dict[str, int]:
        """Normalised label -> value 1-5 (the English points included)."""
        out: dict[str, int] = {}
        for v, label in enumerate(self.points, start=1):
            out.setdefault(normalise_label(label), v)
        for per_point in self.labels.values():
            for v, synonyms in enumerate(per_point, start=1):
                for label in synonyms:
                    out.setdefault(normalise_label(label), v)
        return out

    def value(self, label: Any) -> int | None:
        """The 1-5 value of a label, None when the scale does not know it."""
        return self.lookup.get(normalise_label(label))

    def accepted(self) -> str:
        """The main label of each point, per language, for error messages."""
        parts = []
        for lang, per_point in self.labels.items():
            parts.append(f"{lang}: " + " / ".join(p[0] for p in per_point))
        return "; ".join(parts)


def _s(*labels: str) -> tuple[str, ...]:
    return tuple(labels)


SCALES: dict[str, LikertScale] = {}
# Don't know, not applicable, no opinion, prefer not to say: kept apart, never neutral
DONT_KNOW_LABELS: dict[str, tuple[str, ...]] = {
    "en": (
        "Don't know",
        "Do not know",
        "Not sure",
        "Unsure",
        "No opinion",
        "N/A",
        "NA",
        "Not applicable",
        "Does not apply",
        "Prefer not to say",
        "Prefer not to answer",
        "DK",
        "DK/NA",
        "Can't say",
        "Cannot say",
    ),
    "es": (
        "No sé",
        "No lo sé",
        "No sabe",
        "No sabe / No responde",
        "NS/NR",
        "No aplica",
        "No corresponde",
        "Sin opinión",
        "Prefiero no responder",
        "Prefiero no decir",
    ),
    "fr": (
        "Je ne sais pas",
        "Ne sais pas",
        "Ne sait pas",
        "NSP",
        "Sans opinion",
        "Sans objet",
        "Non applicable",
        "Ne s'applique pas",
        "Préfère ne pas répondre",
        "Je préfère ne pas répondre",
    ),
    "pt": (
        "Não sei",
        "Não sabe",
        "Não se aplica",
        "Não aplicável",
        "Sem opinião",
        "Prefiro não responder",
        "Prefiro não dizer",
    ),
}
DONT_KNOW_KEYS = frozenset(
    normalise_label(x) for labels in DONT_KNOW_LABELS.values() for x in labels
)


def register_scale(scale: LikertScale) -> LikertScale:
    """Add (or replace) a scale in the registry; detection tries scales in registration order."""
    clash = set(scale.lookup) & DONT_KNOW_KEYS
    if clash:
        raise ValueError(f"scale {scale.name!r} reuses don't-know labels: {sorted(clash)}")
    SCALES[scale.name] = scale
    return scale


def get_scale(scale: str | LikertScale) -> LikertScale:
    if isinstance(scale, LikertScale):
        return scale
    if scale not in SCALES:
        raise InputError(f"unknown Likert scale {scale!r}", hint="scales: " + ", ".join(SCALES))
    return SCALES[scale]


register_scale(
    LikertScale(
        "agreement",
        ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
        {
            "en": (
                _s("Strongly disagree", "Completely disagree", "Totally disagree"),
                _s("Disagree", "Somewhat disagree", "Tend to disagree", "Mostly disagree"),
                _s(
                    "Neither agree nor disagree",
                    "Neither agree or disagree",
                    "Neutral",
                    "Undecided",
                ),
                _s("Agree", "Somewhat agree", "Tend to agree", "Mostly agree"),
                _s("Strongly agree", "Completely agree", "Totally agree"),
            ),
            "es": (
                _s(
                    "Totalmente en desacuerdo",
                    "Muy en desacuerdo",
                    "Completamente en desacuerdo",
                    "Fuertemente en desacuerdo",
                ),
                _s("En desacuerdo", "Algo en desacuerdo", "Desacuerdo"),
                _s(
                    "Ni de acuerdo ni en desacuerdo",
                    "Ni acuerdo ni desacuerdo",
                    "Neutral",
                    "Indiferente",
                ),
                _s("De acuerdo", "Algo de acuerdo", "Bastante de acuerdo", "Acuerdo"),
                _s("Totalmente de acuerdo", "Muy de acuerdo", "Completamente de acuerdo"),
            ),
            "fr": (
                _s(
                    "Pas du tout d'accord",
                    "Tout à fait en désaccord",
                    "Fortement en désaccord",
                    "Totalement en désaccord",
                ),
                _s("Pas d'accord", "Plutôt pas d'accord", "En désaccord", "Plutôt en désaccord"),
                _s(
                    "Ni d'accord ni pas d'accord",
                    "Ni d'accord ni en désaccord",
                    "Ni en accord ni en désaccord",
                    "Neutre",
                ),
                _s("D'accord", "Plutôt d'accord", "En accord"),
                _s(
                    "Tout à fait d'accord",
                    "Fortement d'accord",
                    "Totalement d'accord",
                    "Entièrement d'accord",
                ),
            ),
            "pt": (
                _s("Discordo totalmente", "Discordo fortemente", "Discordo completamente"),
                _s("Discordo", "Discordo parcialmente", "Discordo em parte"),
                _s(
                    "Não concordo nem discordo",
                    "Nem concordo nem discordo",
                    "Neutro",
                    "Indiferente",
                ),
                _s("Concordo", "Concordo parcialmente", "Concordo em parte"),
                _s(
                    "Concordo totalmente",
                    "Concordo fortemente",
                    "Concordo plenamente",
                    "Concordo completamente",
                ),
            ),
        },
    )
)
register_scale(
    LikertScale(
        "satisfaction",
        (
            "Very dissatisfied",
            "Dissatisfied",
            "Neither satisfied nor dissatisfied",
            "Satisfied",
            "Very satisfied",
        ),
        {
            "en": (
                _s("Very dissatisfied", "Extremely dissatisfied"),
                _s("Dissatisfied", "Somewhat dissatisfied", "Unsatisfied"),
                _s("Neither satisfied nor dissatisfied", "Neutral"),
                _s("Satisfied", "Somewhat satisfied"),
                _s("Very satisfied", "Extremely satisfied"),
            ),
            "es": (
                _s("Muy insatisfecho", "Muy insatisfecha"),
                _s("Insatisfecho", "Insatisfecha", "Poco satisfecho", "Poco satisfecha"),
                _s("Ni satisfecho ni insatisfecho", "Ni satisfecha ni insatisfecha", "Neutral"),
                _s("Satisfecho", "Satisfecha"),
                _s("Muy satisfecho", "Muy satisfecha"),
            ),
            "fr": (
                _s(
                    "Très insatisfait",
                    "Très insatisfaite",
                    "Pas du tout satisfait",
                    "Pas du tout satisfaite",
                ),
                _s(
                    "Insatisfait",
                    "Insatisfaite",
                    "Peu satisfait",
                    "Peu satisfaite",
                    "Plutôt insatisfait",
                    "Plutôt insatisfaite",
                ),
                _s("Ni satisfait ni insatisfait", "Ni satisfaite ni insatisfaite", "Neutre"),
                _s("Satisfait", "Satisfaite", "Plutôt satisfait", "Plutôt satisfaite"),
                _s("Très satisfait", "Très satisfaite"),
            ),
            "pt": (
                _s("Muito insatisfeito", "Muito insatisfeita"),
                _s("Insatisfeito", "Insatisfeita", "Pouco satisfeito", "Pouco satisfeita"),
                _s("Nem satisfeito nem insatisfeito", "Nem satisfeita nem insatisfeita", "Neutro"),
                _s("Satisfeito", "Satisfeita"),
                _s("Muito satisfeito", "Muito satisfeita"),
            ),
        },
    )
)
register_scale(
    LikertScale(
        "usefulness",
        (
            "Not at all useful",
            "Slightly useful",
            "Moderately useful",
            "Very useful",
            "Extremely useful",
        ),
        {
            "en": (
                _s("Not at all useful", "Not useful at all", "Not useful"),
                _s("Slightly useful", "Not very useful", "A little useful"),
                _s("Moderately useful", "Somewhat useful"),
                _s("Very useful"),
                _s("Extremely useful"),
            ),
            "es": (
                _s("Nada útil", "No es útil"),
                _s("Poco útil", "Ligeramente útil"),
                _s("Moderadamente útil", "Medianamente útil"),
                _s("Muy útil"),
                _s("Extremadamente útil", "Sumamente útil"),
            ),
            "fr": (
                _s("Pas du tout utile", "Pas utile"),
                _s("Peu utile", "Légèrement utile", "Pas très utile"),
                _s("Moyennement utile", "Assez utile"),
                _s("Très utile"),
                _s("Extrêmement utile"),
            ),
            "pt": (
                _s("Nada útil", "Não é útil"),
                _s("Pouco útil", "Ligeiramente útil"),
                _s("Moderadamente útil", "Razoavelmente útil"),
                _s("Muito útil"),
                _s("Extremamente útil"),
            ),
        },
    )
)
register_scale(
    LikertScale(
        "quality",
        ("Very poor", "Poor", "Fair", "Good", "Excellent"),
        {
            "en": (
                _s("Very poor", "Very bad"),
                _s("Poor", "Bad"),
                _s("Fair", "Average"),
                _s("Good"),
                _s("Excellent"),
            ),
            "es": (
                _s("Muy malo", "Muy mala"),
                _s("Malo", "Mala"),
                _s("Regular"),
                _s("Bueno", "Buena"),
                _s("Excelente"),
            ),
            "fr": (
                _s("Très mauvais", "Très mauvaise"),
                _s("Mauvais", "Mauvaise"),
                _s("Moyen", "Moyenne"),
                _s("Bon", "Bonne"),
                _s("Excellent", "Excellente"),
            ),
            "pt": (
                _s("Muito ruim", "Muito mau", "Muito má"),
                _s("Ruim", "Mau", "Má"),
                _s("Regular"),
                _s("Bom", "Boa"),
                _s("Excelente"),
            ),
        },
    )
)
