"""Lessons learned, recommendations and promising practices among a discussion's sentences.

The kind of each sentence comes from the shipped classifier (`kmsynth.synthesis.kinds`), not
from a keyword list: "Women should be grateful to me ..." is not a lesson because it says
"should". Practices are also placed in a country (en/es/fr/pt).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from kmsynth.embed.embedders import Embedder
from kmsynth.synthesis.kinds import KNOWLEDGE, classify, lesson_language
from kmsynth.text import Sentence, canonical_country, countries_in, split_sentences

LESSON_KINDS = frozenset({"lesson", "recommendation"})

_PLACE_LEAD = re.compile(
    r"^(?:in|en|au|aux|em|no|na|nos|nas|à|dans|across)\s+"
    r"(?:the\s+|el\s+|la\s+|le\s+|les\s+|l'|o\s+|a\s+|os\s+|as\s+)?"
    r"(?P<place>[^\W\d_][\w'’. -]{1,60}?)\s*,",
    re.I,
)
_SUBJECT = re.compile(
    r"\b(?:we|our (?:team|programme|program|project|initiative|partners)|the (?:programme|program|"
    r"project|initiative|government|ministry)|el programa|el proyecto|la iniciativa|nuestro "
    r"(?:equipo|programa)|nous|notre (?:équipe|programme)|le programme|le projet|l'initiative|"
    r"o programa|o projeto|a iniciativa|nossa equipe|nosso programa)\b",
    re.I,
)


def kinds_of(
    sentences: Sequence[Sentence], *, encoder: Embedder | None = None
) -> list[tuple[str, float]]:
    """(kind, score) of each Sentence, its post's neighbouring sentences as context."""
    return classify([s.text for s in sentences], [s.post_id for s in sentences], encoder=encoder)


def find_lessons(
    sentences: Sequence[Sentence],
    *,
    kinds: Sequence[tuple[str, float]] | None = None,
    encoder: Embedder | None = None,
    min_words: int = 5,
) -> list[Sentence]:
    """Sentences that state a lesson or a recommendation (the classifier's kinds). A sentence
    under a lesson heading ending in a colon ("Lessons learned:") counts too; questions never.
    `kinds`: precomputed `kinds_of(sentences)`."""
    kinds = list(kinds) if kinds is not None else kinds_of(sentences, encoder=encoder)
    out = []
    intro_post: str | None = None  # a post whose "Lessons learned:" heading we are under
    for s, (kind, _) in zip(sentences, kinds, strict=True):
        t = s.text.rstrip()
        if intro_post != s.post_id:
            intro_post = None
        if t.endswith(":"):
            intro_post = s.post_id if lesson_language(t) else None
            continue
        if s.words < min_words or kind == "question":
            continue
        if kind in LESSON_KINDS or (intro_post and kind in KNOWLEDGE | {"other", "experience"}):
            out.append(s)
    return out


def country_in(sentence: str) -> str | None:
    """The country a practice sentence is set in: the place of a lead-in ("In Jamaica, ...",
    "En México, ...", "Au Sénégal, ...", "Em Moçambique, ..."), else the first country named."""
    m = _PLACE_LEAD.match(sentence.strip())
    if m:
        c = canonical_country(m.group("place"))
        if c:
            return c
    found = countries_in(sentence)
    return found[0] if found else None


def find_practices(
    sentences: Sequence[Sentence],
    *,
    kinds: Sequence[tuple[str, float]] | None = None,
    encoder: Embedder | None = None,
) -> list[tuple[Sentence, str]]:
    """(sentence, country) for sentences the classifier calls a practice that are set in a
    country named in them; failing that, a first-person or programme sentence ("we launched",
    "el programa creó") takes the country of its post."""
    kinds = list(kinds) if kinds is not None else kinds_of(sentences, encoder=encoder)
    out = []
    for s, (kind, _) in zip(sentences, kinds, strict=True):
        if kind != "practice":
            continue
        t = s.text.rstrip()
        c = country_in(t)
        if c is None and s.country and _SUBJECT.search(t):
            c = canonical_country(s.country)
        if c:
            out.append((s, c))
    return out


def sentence_kinds(
    table: pd.DataFrame,
    *,
    id_col: str = "post_id",
    text_col: str = "text",
    encoder: Embedder | None = None,
) -> pd.DataFrame:
    """One row per sentence of a prepared (redacted) table: id, sentence_no (1-based in its
    text), sentence, kind, score (P(lesson, practice or recommendation), 3 decimals),
    language (the row's language column, else detected per sentence)."""
    from kmsynth.protect import detect_languages

    rows = []
    for r in table.to_dict("records"):
        text = r.get(text_col)
        text = "" if text is None or (isinstance(text, float) and text != text) else str(text)
        for n, s in enumerate(split_sentences(text, str(r.get(id_col, ""))), 1):
            rows.append((s.post_id, n, s.text, str(r.get("language") or "")))
    out = pd.DataFrame(rows, columns=["id", "sentence_no", "sentence", "language"])
    kinds = classify(out["sentence"].tolist(), out["id"].tolist(), encoder=encoder)
    out["kind"] = [k for k, _ in kinds]
    out["score"] = [round(s, 3) for _, s in kinds]
    missing = out["language"].isin(["", "und", "nan", "None"])
    if missing.any():
        out.loc[missing, "language"] = detect_languages(out.loc[missing, "sentence"].tolist())
    return out[["id", "sentence_no", "sentence", "kind", "score", "language"]]
