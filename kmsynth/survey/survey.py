"""Survey synthesis: Likert items and open-ended answers from symposium and webinar feedback.

Loading goes through `prepare("survey", ...)`: the mapping's `likert:` and `open_ended:` lists
name the question columns (kept under their own names), open answers arrive redacted.

- Likert answers map to an ordered 1-5 scale through a registry of `LikertScale`s (agreement,
  satisfaction, usefulness, quality) with labels in English, Spanish, French and Portuguese,
  plus 1-5 numbers and "5 - Strongly agree" forms. "Don't know", N/A and the like are kept
  apart (`DONT_KNOW`), blanks are "no answer" (NaN): neither is ever neutral or in a mean.
- Per item: distribution, n, mean with a 95% CI (t, or a seeded bootstrap), top-2-box share
  with a Wilson CI; overall and by respondent group, region and wave. Every breakdown passes
  through `privacy.suppress_small_cells` (groups under k hidden, plus secondary suppression
  so that a hidden group cannot be worked out from the others and the total).
- Two waves are compared item by item: Mann-Whitney U, difference in means with a Welch CI,
  rank-biserial effect size, Holm's correction across items.
- Open questions are themed with `themes.fit_themes`; each theme has its share of
  respondents (suppressed), typical answers and quotes, both verbatim redacted answers of
  respondents who agreed to be quoted.

`survey_section(...)` gathers all of it for a notebook or the monthly report.
"""
from __future__ import annotations

import html as _html
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Sequence
from typing import Mapping as TMapping

import numpy as np
import pandas as pd

from kmsynth.config import MIN_CELL_FLOOR, Config
from kmsynth.errors import InputError, Problem
from kmsynth.protect.privacy import suppress_small_cells

log = logging.getLogger(__name__)

DONT_KNOW = -1.0  # code of "Don't know" / N/A answers; blanks are NaN
POINTS = (1, 2, 3, 4, 5)
NOT_STATED = "(not stated)"
LANGUAGES = ("en", "es", "fr", "pt")
MIN_OPEN_ANSWERS = 20  # the themes engine needs at least this many answers

__all__ = [
    "DONT_KNOW", "LikertScale", "SCALES", "DONT_KNOW_LABELS", "register_scale", "get_scale",
    "normalise_label", "parse_likert", "mean_ci", "wilson_ci", "item_table", "compare_waves",
    "default_waves", "likert_figure", "theme_figure", "waves_figure", "OpenTheme", "OpenQuestion",
    "fit_open_themes", "theme_open_question", "SurveyData", "load_survey", "survey_data", "SurveySection", "survey_section",
    "survey_section_html",
]


# --------------------------------------------------------------------------------------------
# scales


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
    labels: TMapping[str, tuple[tuple[str, ...], ...]]

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
    "en": ("Don't know", "Do not know", "Not sure", "Unsure", "No opinion", "N/A", "NA",
           "Not applicable", "Does not apply", "Prefer not to say", "Prefer not to answer", "DK",
           "DK/NA", "Can't say", "Cannot say"),
    "es": ("No sé", "No lo sé", "No sabe", "No sabe / No responde", "NS/NR", "No aplica",
           "No corresponde", "Sin opinión", "Prefiero no responder", "Prefiero no decir"),
    "fr": ("Je ne sais pas", "Ne sais pas", "Ne sait pas", "NSP", "Sans opinion", "Sans objet",
           "Non applicable", "Ne s'applique pas", "Préfère ne pas répondre",
           "Je préfère ne pas répondre"),
    "pt": ("Não sei", "Não sabe", "Não se aplica", "Não aplicável", "Sem opinião",
           "Prefiro não responder", "Prefiro não dizer"),
}
_DK_KEYS = frozenset(normalise_label(x) for labels in DONT_KNOW_LABELS.values() for x in labels)


def register_scale(scale: LikertScale) -> LikertScale:
    """Add (or replace) a scale in the registry; detection tries scales in registration order."""
    clash = set(scale.lookup) & _DK_KEYS
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


register_scale(LikertScale(
    "agreement", ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"), {
        "en": (_s("Strongly disagree", "Completely disagree", "Totally disagree"),
               _s("Disagree", "Somewhat disagree", "Tend to disagree", "Mostly disagree"),
               _s("Neither agree nor disagree", "Neither agree or disagree", "Neutral", "Undecided"),
               _s("Agree", "Somewhat agree", "Tend to agree", "Mostly agree"),
               _s("Strongly agree", "Completely agree", "Totally agree")),
        "es": (_s("Totalmente en desacuerdo", "Muy en desacuerdo", "Completamente en desacuerdo",
                  "Fuertemente en desacuerdo"),
               _s("En desacuerdo", "Algo en desacuerdo", "Desacuerdo"),
               _s("Ni de acuerdo ni en desacuerdo", "Ni acuerdo ni desacuerdo", "Neutral", "Indiferente"),
               _s("De acuerdo", "Algo de acuerdo", "Bastante de acuerdo", "Acuerdo"),
               _s("Totalmente de acuerdo", "Muy de acuerdo", "Completamente de acuerdo")),
        "fr": (_s("Pas du tout d'accord", "Tout à fait en désaccord", "Fortement en désaccord",
                  "Totalement en désaccord"),
               _s("Pas d'accord", "Plutôt pas d'accord", "En désaccord", "Plutôt en désaccord"),
               _s("Ni d'accord ni pas d'accord", "Ni d'accord ni en désaccord",
                  "Ni en accord ni en désaccord", "Neutre"),
               _s("D'accord", "Plutôt d'accord", "En accord"),
               _s("Tout à fait d'accord", "Fortement d'accord", "Totalement d'accord",
                  "Entièrement d'accord")),
        "pt": (_s("Discordo totalmente", "Discordo fortemente", "Discordo completamente"),
               _s("Discordo", "Discordo parcialmente", "Discordo em parte"),
               _s("Não concordo nem discordo", "Nem concordo nem discordo", "Neutro", "Indiferente"),
               _s("Concordo", "Concordo parcialmente", "Concordo em parte"),
               _s("Concordo totalmente", "Concordo fortemente", "Concordo plenamente",
                  "Concordo completamente")),
    }))
register_scale(LikertScale(
    "satisfaction", ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied",
                     "Satisfied", "Very satisfied"), {
        "en": (_s("Very dissatisfied", "Extremely dissatisfied"),
               _s("Dissatisfied", "Somewhat dissatisfied", "Unsatisfied"),
               _s("Neither satisfied nor dissatisfied", "Neutral"),
               _s("Satisfied", "Somewhat satisfied"),
               _s("Very satisfied", "Extremely satisfied")),
        "es": (_s("Muy insatisfecho", "Muy insatisfecha"),
               _s("Insatisfecho", "Insatisfecha", "Poco satisfecho", "Poco satisfecha"),
               _s("Ni satisfecho ni insatisfecho", "Ni satisfecha ni insatisfecha", "Neutral"),
               _s("Satisfecho", "Satisfecha"),
               _s("Muy satisfecho", "Muy satisfecha")),
        "fr": (_s("Très insatisfait", "Très insatisfaite", "Pas du tout satisfait", "Pas du tout satisfaite"),
               _s("Insatisfait", "Insatisfaite", "Peu satisfait", "Peu satisfaite", "Plutôt insatisfait",
                  "Plutôt insatisfaite"),
               _s("Ni satisfait ni insatisfait", "Ni satisfaite ni insatisfaite", "Neutre"),
               _s("Satisfait", "Satisfaite", "Plutôt satisfait", "Plutôt satisfaite"),
               _s("Très satisfait", "Très satisfaite")),
        "pt": (_s("Muito insatisfeito", "Muito insatisfeita"),
               _s("Insatisfeito", "Insatisfeita", "Pouco satisfeito", "Pouco satisfeita"),
               _s("Nem satisfeito nem insatisfeito", "Nem satisfeita nem insatisfeita", "Neutro"),
               _s("Satisfeito", "Satisfeita"),
               _s("Muito satisfeito", "Muito satisfeita")),
    }))
register_scale(LikertScale(
    "usefulness", ("Not at all useful", "Slightly useful", "Moderately useful", "Very useful",
                   "Extremely useful"), {
        "en": (_s("Not at all useful", "Not useful at all", "Not useful"),
               _s("Slightly useful", "Not very useful", "A little useful"),
               _s("Moderately useful", "Somewhat useful"),
               _s("Very useful"),
               _s("Extremely useful")),
        "es": (_s("Nada útil", "No es útil"),
               _s("Poco útil", "Ligeramente útil"),
               _s("Moderadamente útil", "Medianamente útil"),
               _s("Muy útil"),
               _s("Extremadamente útil", "Sumamente útil")),
        "fr": (_s("Pas du tout utile", "Pas utile"),
               _s("Peu utile", "Légèrement utile", "Pas très utile"),
               _s("Moyennement utile", "Assez utile"),
               _s("Très utile"),
               _s("Extrêmement utile")),
        "pt": (_s("Nada útil", "Não é útil"),
               _s("Pouco útil", "Ligeiramente útil"),
               _s("Moderadamente útil", "Razoavelmente útil"),
               _s("Muito útil"),
               _s("Extremamente útil")),
    }))
register_scale(LikertScale(
    "quality", ("Very poor", "Poor", "Fair", "Good", "Excellent"), {
        "en": (_s("Very poor", "Very bad"), _s("Poor", "Bad"), _s("Fair", "Average"), _s("Good"),
               _s("Excellent")),
        "es": (_s("Muy malo", "Muy mala"), _s("Malo", "Mala"), _s("Regular"), _s("Bueno", "Buena"),
               _s("Excelente")),
        "fr": (_s("Très mauvais", "Très mauvaise"), _s("Mauvais", "Mauvaise"), _s("Moyen", "Moyenne"),
               _s("Bon", "Bonne"), _s("Excellent", "Excellente")),
        "pt": (_s("Muito ruim", "Muito mau", "Muito má"), _s("Ruim", "Mau", "Má"), _s("Regular"),
               _s("Bom", "Boa"), _s("Excelente")),
    }))

NUMERIC_POINTS = ("1", "2", "3", "4", "5")
_NUMBER = re.compile(r"^\s*([0-9]{1,2})(?:[.,]0+)?\s*$")
_NUMBER_LABEL = re.compile(r"^\s*([0-9]{1,2})\s*[-–—.:)=]\s*(.+?)\s*$")
_LABEL_NUMBER = re.compile(r"^\s*(.+?)\s*[(\[]\s*([0-9]{1,2})\s*[)\]]\s*$")


def _split_answer(raw: str) -> tuple[int | None, str | None]:
    """(number, label) from "4", "4 - Agree", "Agree (4)" or "Agree"."""
    m = _NUMBER.match(raw)
    if m:
        return int(m.group(1)), None
    m = _NUMBER_LABEL.match(raw)
    if m and not m.group(2)[:1].isdigit():
        return int(m.group(1)), m.group(2)
    m = _LABEL_NUMBER.match(raw)
    if m:
        return int(m.group(2)), m.group(1)
    return None, raw


def _accepted_hint(scale: LikertScale | None) -> str:
    dk = " / ".join(labels[0] for labels in DONT_KNOW_LABELS.values())
    scales = (f"labels of the {scale.name} scale — {scale.accepted()}" if scale is not None else
              "labels of a known scale (" + ", ".join(SCALES) + ")")
    return (f"use 1-5 (also '5 - Strongly agree' or 'Agree (4)'), or {scales}; for don't know "
            f"(kept apart): {dk} / N/A; leave blank for no answer")


def _parse(values: pd.Series, *, scale: str | LikertScale | None, file: str, column: str,
           rows: Sequence[int] | None, lines: Sequence[int | None] | None,
           ids: Sequence[str] | None) -> tuple[pd.Series, str, list[Problem]]:
    n = len(values)
    rows = list(rows) if rows is not None else list(range(1, n + 1))
    lines = list(lines) if lines is not None else [None] * n
    ids = list(ids) if ids is not None else [None] * n
    raw = ["" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
           for v in values.tolist()]
    split = [_split_answer(r) for r in raw]
    keys = [normalise_label(lab) if lab is not None else None for _, lab in split]
    # which scale: the given one, or the registered scale that knows most of the labels
    if scale is not None:
        chosen: LikertScale | None = get_scale(scale)
    else:
        labelled = [k for (num, _), k in zip(split, keys) if k and k not in _DK_KEYS and num is None]
        chosen = None
        if labelled:
            hits = {name: sum(k in sc.lookup for k in labelled) for name, sc in SCALES.items()}
            best = max(hits, key=lambda name: hits[name])  # ties: registration order
            chosen = SCALES[best] if hits[best] else None
    out = np.full(n, np.nan)
    problems: list[Problem] = []

    def bad(i: int, rule: str, message: str) -> None:  # never the answer itself: it may be sensitive
        problems.append(Problem(file=file, row=int(rows[i]), line=lines[i], record_id=ids[i],
                                column=column, rule=rule, message=message))

    for i, ((num, label), key) in enumerate(zip(split, keys)):
        if num is None and not key:
            continue  # blank (or punctuation only, such as "-"): no answer
        if key in _DK_KEYS:
            out[i] = DONT_KNOW
            continue
        if num is not None:
            if not 1 <= num <= 5:
                bad(i, "likert_out_of_range", "the answer is a number outside 1-5")
                continue
            if key and chosen is not None and key in chosen.lookup and chosen.lookup[key] != num:
                bad(i, "likert_number_label_mismatch", "the number and the label of the answer disagree")
                continue
            out[i] = float(num)
            continue
        value = chosen.lookup.get(key) if chosen is not None else None
        if value is None:
            bad(i, "unknown_likert_label", "the answer is not a label of the item's scale")
            continue
        out[i] = float(value)
    name = chosen.name if chosen is not None else "numeric"
    return pd.Series(out, index=values.index, dtype=float, name=column), name, problems


def _likert_error(problems: list[Problem], file: str, scale: str) -> InputError:
    first = problems[0]
    cols = sorted({p.column for p in problems if p.column})
    rows = ", ".join(str(p.row) for p in problems[:10]) + (" ..." if len(problems) > 10 else "")
    return InputError(f"{len(problems)} Likert answer(s) are not on a known scale "
                      f"(column{'s' if len(cols) > 1 else ''} {', '.join(map(repr, cols))}; rows {rows})",
                      file=file, row=first.row, column=first.column,
                      hint=_accepted_hint(SCALES.get(scale)), problems=problems)


def parse_likert(values: pd.Series, *, scale: str | LikertScale | None = None, file: str = "<survey>",
                 column: str = "item", rows: Sequence[int] | None = None,
                 lines: Sequence[int | None] | None = None, ids: Sequence[str] | None = None) -> pd.Series:
    """Map one item's answers to 1-5 (float), don't-know/N/A to DONT_KNOW (-1), blank to NaN.

    The scale is detected (the registered scale knowing most labels) unless given; its name
    is in `result.attrs["scale"]`. Unknown labels raise one InputError naming the file, every
    row and the column, listing the accepted labels (never the answer itself).
    """
    out, name, problems = _parse(values, scale=scale, file=file, column=column, rows=rows,
                                 lines=lines, ids=ids)
    if problems:
        raise _likert_error(problems, file, name)
    out.attrs["scale"] = name
    return out


# --------------------------------------------------------------------------------------------
# statistics


def mean_ci(x: np.ndarray, *, method: str = "t", level: float = 0.95, seed: int = 42,
            n_boot: int = 2000) -> tuple[float, float]:
    """Confidence interval of a mean: Student t, or a seeded percentile bootstrap."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return (math.nan, math.nan)
    if method == "bootstrap":
        rng = np.random.default_rng(seed)
        means = x[rng.integers(0, len(x), (n_boot, len(x)))].mean(axis=1)
        a = (1 - level) / 2
        return (float(np.quantile(means, a)), float(np.quantile(means, 1 - a)))
    if method != "t":
        raise ValueError("method must be 't' or 'bootstrap'")
    from scipy import stats

    m, se = x.mean(), x.std(ddof=1) / math.sqrt(len(x))
    if se == 0:
        return (float(m), float(m))
    h = se * stats.t.ppf(1 - (1 - level) / 2, len(x) - 1)
    return (float(m - h), float(m + h))


def wilson_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (good at small n and near 0 or 1)."""
    if n == 0:
        return (math.nan, math.nan)
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(successes, n, alpha=1 - level, method="wilson")
    return (float(lo), float(hi))


def _groups(by: pd.Series | None, index: pd.Index) -> pd.Series:
    if by is None:
        return pd.Series("All", index=index)
    g = by.reindex(index).astype("string").str.strip().fillna("").replace("", NOT_STATED)
    return g.astype(str)


def group_counts(scores: pd.DataFrame, by: pd.Series, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answers per group and item, the same after suppression): groups x items counts of
    answers on the scale; each item's column through `suppress_small_cells` (groups under k
    hidden, and secondary suppression across the groups, which add up to the item's total)."""
    g = _groups(by, scores.index)
    answered = scores.ge(1).groupby(g).sum().astype(int)
    suppressed = pd.DataFrame({item: suppress_small_cells(answered[item], k) for item in answered.columns},
                              index=answered.index)
    return answered, suppressed


def item_table(scores: pd.DataFrame, *, by: pd.Series | None = None, k: int = 10, ci: str = "t",
               seed: int = 42, scales: TMapping[str, str] | None = None) -> pd.DataFrame:
    """Per item (and group of `by`): n answered on the scale, share of each point, mean with a
    95% CI, top-2-box share (4 or 5) with a Wilson CI; overall also the don't-know and
    no-answer counts and the count of each point.

    Groups pass through `suppress_small_cells` (k): a hidden group has `shown` False and every
    figure blank, and must not be published (tables and charts here drop such rows).
    """
    if k < MIN_CELL_FLOOR:
        raise ValueError(f"k must be at least {MIN_CELL_FLOOR}")
    overall = by is None
    g = _groups(by, scores.index)
    if overall:
        answered = scores.ge(1).sum().astype(int)
        visible = suppress_small_cells(answered, k, secondary=False)  # one cell per item: no totals
        shown_map = {("All", item): pd.notna(visible[item]) and answered[item] > 0 for item in scores.columns}
    else:
        answered_t, supp = group_counts(scores, g, k)
        shown_map = {(grp, item): pd.notna(supp.at[grp, item]) and answered_t.at[grp, item] > 0
                     for grp in answered_t.index for item in answered_t.columns}
    order = sorted(set(g), key=lambda x: (x == NOT_STATED, x))
    rows = []
    for item in scores.columns:
        for grp in order:
            col = scores.loc[g == grp, item]
            ans = col[col >= 1].to_numpy()
            shown = bool(shown_map.get((grp, item), False))
            row: dict[str, Any] = {"item": item, "scale": (scales or {}).get(item, ""), "group": grp,
                                   "shown": shown, "n": len(ans) if shown else np.nan}
            if overall:
                row["dont_know"] = int((col == DONT_KNOW).sum()) if shown else np.nan
                row["no_answer"] = int(col.isna().sum()) if shown else np.nan
                for v in POINTS:
                    row[f"count_{v}"] = int((ans == v).sum()) if shown else np.nan
            for v in POINTS:
                row[f"share_{v}"] = float((ans == v).mean()) if shown else np.nan
            if shown:
                lo, hi = mean_ci(ans, method=ci, seed=seed)
                top = int((ans >= 4).sum())
                wl, wh = wilson_ci(top, len(ans))
                row.update(mean=float(ans.mean()), mean_ci_low=lo, mean_ci_high=hi,
                           top2=top / len(ans), top2_ci_low=wl, top2_ci_high=wh)
            else:
                row.update(mean=np.nan, mean_ci_low=np.nan, mean_ci_high=np.nan, top2=np.nan,
                           top2_ci_low=np.nan, top2_ci_high=np.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def _as_scores(df: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    out = {}
    rows = df["_row"].tolist() if "_row" in df.columns else None
    for item in items:
        col = df[item]
        out[item] = col.astype(float) if pd.api.types.is_numeric_dtype(col) else parse_likert(
            col, column=item, rows=rows)
    return pd.DataFrame(out, index=df.index)


def compare_waves(df: pd.DataFrame, wave_col: str, a: str, b: str, *, items: Sequence[str] | None = None,
                  k: int = 10, alpha: float = 0.05) -> pd.DataFrame:
    """Wave `a` against wave `b`, item by item.

    `df` holds `wave_col` and the items, as scores (1-5, DONT_KNOW, NaN) or as labels (parsed
    here); `items` defaults to every other column. Per item: answers and mean per wave, the
    difference of means (b - a) with a Welch 95% CI, the Mann-Whitney U statistic and p-value
    (two-sided), the Holm-adjusted p across the tested items, the rank-biserial correlation
    (b against a: +1 every answer in b above every answer in a) and its size (Romano et
    al. thresholds 0.147 / 0.33 / 0.474). A wave hidden by small-cell suppression (counted
    over all waves in `df`) is not tested.
    """
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    if wave_col not in df.columns:
        raise InputError(f"no wave column {wave_col!r} in the survey", column=wave_col,
                         hint="map the column that names the event or round to `wave` in the mapping")
    items = list(items) if items is not None else [c for c in df.columns
                                                     if c != wave_col and not str(c).startswith("_")]
    waves = _groups(df[wave_col], df.index)
    present = set(waves)
    for w in (a, b):
        if w not in present:
            raise InputError(f"wave {w!r} is not in column {wave_col!r}", column=wave_col,
                             hint="waves found: " + ", ".join(sorted(map(repr, present))))
    scores = _as_scores(df, items)
    _, supp = group_counts(scores, waves, k)
    rows = []
    for item in items:
        xa = scores.loc[waves == a, item]
        xb = scores.loc[waves == b, item]
        xa, xb = xa[xa >= 1].to_numpy(), xb[xb >= 1].to_numpy()
        ok = bool(pd.notna(supp.at[a, item]) and pd.notna(supp.at[b, item]) and len(xa) and len(xb))
        row: dict[str, Any] = {"item": item, "tested": ok}
        if ok:
            u = stats.mannwhitneyu(xa, xb, alternative="two-sided")
            r = 1.0 - 2.0 * float(u.statistic) / (len(xa) * len(xb))
            diff = float(xb.mean() - xa.mean())
            va, vb = xa.var(ddof=1) / len(xa), xb.var(ddof=1) / len(xb)
            se = math.sqrt(va + vb)
            if se > 0:
                dof = (va + vb) ** 2 / ((va ** 2) / (len(xa) - 1) + (vb ** 2) / (len(xb) - 1))
                h = se * stats.t.ppf(0.975, dof)
            else:
                h = 0.0
            row.update(n_a=len(xa), n_b=len(xb), mean_a=float(xa.mean()), mean_b=float(xb.mean()),
                       top2_a=float((xa >= 4).mean()), top2_b=float((xb >= 4).mean()),
                       difference=diff, difference_ci_low=diff - h, difference_ci_high=diff + h,
                       u=float(u.statistic), p=float(u.pvalue), rank_biserial=r,
                       effect=_effect_size_word(r))
        else:
            row.update(n_a=np.nan, n_b=np.nan, mean_a=np.nan, mean_b=np.nan, top2_a=np.nan,
                       top2_b=np.nan, difference=np.nan, difference_ci_low=np.nan,
                       difference_ci_high=np.nan, u=np.nan, p=np.nan, rank_biserial=np.nan, effect="")
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_holm"] = np.nan
    tested = out["tested"].to_numpy(bool)
    if tested.any():
        out.loc[tested, "p_holm"] = multipletests(out.loc[tested, "p"].to_numpy(float), method="holm")[1]
    out["significant"] = out["p_holm"].lt(alpha) & tested
    out.attrs.update(wave_a=a, wave_b=b, alpha=alpha)
    return out


def _effect_size_word(r: float) -> str:
    m = abs(r)
    return "negligible" if m < 0.147 else "small" if m < 0.33 else "medium" if m < 0.474 else "large"


def default_waves(table: pd.DataFrame, wave_col: str = "wave") -> list[str]:
    """Waves in time order (median submission date; the order of first appearance without
    dates). Blank waves are not a wave."""
    if wave_col not in table.columns:
        return []
    w = table[wave_col].astype("string").str.strip()
    ok = w.notna() & w.ne("")
    if not ok.any():
        return []
    if "submitted_at" in table.columns and pd.api.types.is_datetime64_any_dtype(table["submitted_at"]):
        med = table.loc[ok, "submitted_at"].groupby(w[ok]).median()
        first = {x: i for i, x in enumerate(pd.unique(w[ok]))}
        return sorted(med.index.astype(str), key=lambda x: (pd.isna(med[x]), med[x] if pd.notna(med[x]) else 0,
                                                             first[x]))
    return [str(x) for x in pd.unique(w[ok])]


# --------------------------------------------------------------------------------------------
# charts (plotly; every data text escaped, hidden groups never in the data)

_COLORS = {1: "#b2182b", 2: "#ef8a62", 3: "#c8c8c8", 4: "#67a9cf", 5: "#2166ac"}


def _plain(text: Any, width: int = 48) -> str:
    """Data text for a plotly label: escaped (plotly reads <b>, <a> and <br> in labels),
    wrapped with <br> at about `width` characters."""
    words = str(text).split()
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return "<br>".join(_html.escape(x, quote=False) for x in lines)


def _point_labels(scales: Iterable[str]) -> tuple[str, ...]:
    names = {s for s in scales if s}
    if len(names) == 1:
        name = next(iter(names))
        if name in SCALES:
            return SCALES[name].points
    return ("1 (lowest)", "2", "3", "4", "5 (highest)")


def _diverging_traces(fig, t: pd.DataFrame, y: list[str], labels: Sequence[str], *, row=None,
                      showlegend: bool = True) -> None:
    kw = {"row": row, "col": 1} if row is not None else {}
    hover = "%{customdata:.0f}%<extra>%{fullData.name}</extra>"
    # stacked outwards from zero: neutral halves next to the centre, strong answers outside
    for v, sign, half in ((3, -1, True), (2, -1, False), (1, -1, False), (3, 1, True), (4, 1, False),
                          (5, 1, False)):
        share = 100 * t[f"share_{v}"].to_numpy(float)
        x = sign * share * (0.5 if half else 1.0)
        fig.add_bar(y=y, x=x, name=labels[v - 1], orientation="h", marker_color=_COLORS[v],
                    legendgroup=str(v), showlegend=showlegend and not (v == 3 and sign < 0),
                    customdata=share, hovertemplate=hover, legendrank=v, **kw)


def likert_figure(table: pd.DataFrame, title: str = "Likert items"):
    """Diverging stacked bars: disagreement left of zero, agreement right, neutral split across
    the centre; don't know and no answer excluded (shown in the labels overall). Only rows with
    `shown` True are used. With several groups: one panel per item, a bar per group."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    t = table[table["shown"]].copy()
    labels = _point_labels(t["scale"] if "scale" in t else [])
    axis = dict(title="% of answers on the scale (don't know and no answer excluded)", range=[-100, 100],
                tickvals=[-100, -75, -50, -25, 0, 25, 50, 75, 100],
                ticktext=["100", "75", "50", "25", "0", "25", "50", "75", "100"], zeroline=True,
                zerolinecolor="#444")
    if t.empty or set(t["group"]) == {"All"}:
        y = []
        for r in t.itertuples():
            extra = ""
            if "dont_know" in t.columns and pd.notna(r.dont_know):
                extra = f"<br><sup>n = {int(r.n)}; don't know {int(r.dont_know)}, no answer {int(r.no_answer)}</sup>"
            y.append(_plain(r.item) + extra)
        fig = go.Figure()
        _diverging_traces(fig, t, y, labels)
        plot_h = 60 * max(len(y), 1)
        fig.update_layout(barmode="relative", title=_title(title), template="plotly_white",
                          height=plot_h + 190, xaxis=axis, yaxis=dict(autorange="reversed"),
                          legend=_legend(1.0 + 10 / plot_h), margin=dict(l=20, r=20, t=100, b=90), bargap=0.35)
        return fig
    items = list(dict.fromkeys(t["item"]))
    bars = [int((t["item"] == item).sum()) for item in items]
    rows_h = [30 * b + 10 for b in bars]
    gap = 55
    plot_h = sum(rows_h) + gap * (len(items) - 1)
    fig = make_subplots(rows=len(items), cols=1, shared_xaxes=True, vertical_spacing=gap / plot_h,
                        row_heights=rows_h, subplot_titles=[_plain(i, 90) for i in items])
    for i, item in enumerate(items, start=1):
        ti = t[t["item"] == item]
        y = [f"{_plain(g, 30)} (n = {int(n)})" for g, n in zip(ti["group"], ti["n"])]
        _diverging_traces(fig, ti, y, labels, row=i, showlegend=i == 1)
        fig.update_yaxes(autorange="reversed", row=i, col=1)
    for i in range(1, len(items) + 1):
        fig.update_xaxes(range=[-100, 100], tickvals=axis["tickvals"], ticktext=axis["ticktext"], zeroline=True,
                         zerolinecolor="#444", showticklabels=i == len(items), row=i, col=1)
    fig.update_xaxes(title=axis["title"], row=len(items), col=1)
    fig.update_layout(barmode="relative", title=_title(title), template="plotly_white", height=plot_h + 200,
                      legend=_legend(1.0 + 40 / plot_h), margin=dict(l=20, r=20, t=110, b=90), bargap=0.3)
    return fig


def _title(text: str) -> dict:
    return dict(text=_plain(text, 90), x=0.01, xanchor="left", y=1.0, yref="container", yanchor="top",
                pad=dict(t=14))


def _legend(y: float) -> dict:
    """A horizontal legend just above the plot area (y in plot fractions)."""
    return dict(orientation="h", yanchor="bottom", y=y, x=0, xanchor="left", traceorder="normal")


def waves_figure(cmp: pd.DataFrame, title: str = "Waves compared"):
    """Mean per item in each wave (tested items only), significant differences marked."""
    import plotly.graph_objects as go

    t = cmp[cmp["tested"]]
    a, b = cmp.attrs.get("wave_a", "a"), cmp.attrs.get("wave_b", "b")
    y = [_plain(r.item) + (" *" if r.significant else "") for r in t.itertuples()]
    fig = go.Figure()
    for x0, x1, yy in zip(t["mean_a"], t["mean_b"], y):
        fig.add_scatter(x=[x0, x1], y=[yy, yy], mode="lines", line=dict(color="#bbb", width=3),
                        showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=t["mean_a"], y=y, mode="markers", name=_plain(a, 60), marker=dict(size=12, color="#ef8a62"),
                    hovertemplate="%{x:.2f}<extra>%{fullData.name}</extra>")
    fig.add_scatter(x=t["mean_b"], y=y, mode="markers", name=_plain(b, 60), marker=dict(size=12, color="#2166ac"),
                    hovertemplate="%{x:.2f}<extra>%{fullData.name}</extra>")
    plot_h = 60 * max(len(y), 1)
    fig.update_layout(title=_title(title), template="plotly_white", height=plot_h + 190,
                      xaxis=dict(title="mean on the 1-5 scale (* significant after Holm's correction)",
                                 range=[1, 5]),
                      yaxis=dict(autorange="reversed"), margin=dict(l=20, r=20, t=100, b=90),
                      legend=_legend(1.0 + 10 / plot_h))
    return fig


def theme_figure(question: "OpenQuestion"):
    """Share of respondents per theme of one open question (shown themes only)."""
    import plotly.graph_objects as go

    shown = [t for t in question.themes if t.shown]
    fig = go.Figure(go.Bar(
        y=[_plain(t.label, 40) for t in shown], x=[100 * t.share for t in shown], orientation="h",
        marker_color="#6a3d9a", text=[f"{t.n} ({100 * t.share:.0f}%)" for t in shown], textposition="auto",
        hovertemplate="%{x:.0f}% of those who answered<extra></extra>"))
    fig.update_layout(title=_title(question.question), template="plotly_white",
                      height=160 + 45 * len(shown), xaxis=dict(title="% of respondents who answered", rangemode="tozero"),
                      yaxis=dict(autorange="reversed"), margin=dict(l=20, r=20, t=70, b=60))
    return fig


# --------------------------------------------------------------------------------------------
# open-ended questions


@dataclass
class OpenTheme:
    """One theme of an open question. `n` and `share` are None when the theme is hidden
    (fewer than k respondents, or secondary suppression); a hidden theme has no text."""

    theme_id: int
    label: str
    keywords: str
    n: int | None
    share: float | None  # of respondents who answered the question
    summary: list[str] = field(default_factory=list)  # typical answers, verbatim, quotable only
    quotes: list[str] = field(default_factory=list)  # further answers, verbatim, quotable only

    @property
    def shown(self) -> bool:
        return self.n is not None


@dataclass
class OpenQuestion:
    question: str
    n_answered: int
    themes: list[OpenTheme] = field(default_factory=list)
    unthemed: int | None = None  # answers no theme took (None when hidden)
    outlier_share: float | None = None
    note: str = ""

    def table(self) -> pd.DataFrame:
        """Shown themes: theme, respondents, share (%)."""
        rows = [{"theme": t.label, "respondents": t.n, "share (%)": round(100 * t.share, 1)}
                for t in self.themes if t.shown]
        return pd.DataFrame(rows, columns=["theme", "respondents", "share (%)"])

    @property
    def hidden_themes(self) -> int:
        return sum(not t.shown for t in self.themes)


def _allowed_words(table: pd.DataFrame | None) -> list[str]:
    words = ["English", "French", "Spanish", "Portuguese", "Arabic", "Zoom", "Teams", "Q&A"]
    if table is not None:
        for col in ("region", "country", "respondent_group"):
            if col in table.columns:
                for v in table[col].dropna().astype(str).unique():
                    words.extend(re.findall(r"[\w'’-]+", v))
    return words


def fit_open_themes(texts: Sequence[str], ids: Sequence[str] | None = None, *, embedder=None,
                    embeddings: np.ndarray | None = None, languages: Sequence[str] | None = None,
                    k: int = 10, seed: int = 42, min_theme_size: int | None = None):
    """`themes.fit_themes` with the settings for short survey answers: no pillar guidance
    (feedback is about the event, not the six pillars), and themes at least k answers large
    (smaller ones could not be shown anyway) or the corpus default if larger."""
    from kmsynth.themes.model import default_min_theme_size, fit_themes

    size = min_theme_size or max(k, default_min_theme_size(len(texts)))
    return fit_themes(list(texts), list(ids) if ids is not None else None, embedder=embedder,
                      embeddings=embeddings, languages=languages, seed=seed, min_theme_size=size, guided=False)


def theme_open_question(answers: pd.Series, *, question: str = "", embedder=None,
                        embeddings: np.ndarray | None = None, k: int = 10,
                        quotable: pd.Series | None = None, ids: Sequence[str] | None = None,
                        languages: Sequence[str] | None = None, seed: int = 42,
                        min_theme_size: int | None = None, n_summary: int = 2, n_quotes: int = 2,
                        used: set[str] | None = None, allowed_words: Iterable[str] = ()) -> OpenQuestion:
    """Themes in one open question's (redacted) answers, each with its share of respondents
    who answered (through `suppress_small_cells`, the unthemed answers included so that a
    hidden theme cannot be recovered from the total), up to `n_summary` typical answers and
    `n_quotes` quotes. Both are verbatim answers of respondents marked quotable, passing the
    quote rules of `summarise.quote_problem`, at most one per respondent across calls sharing
    `used`. Fewer than 20 answers are not themed (the note says so)."""
    from kmsynth.synthesis.summarise import (
        ExtractiveSummariser,
        pick_quotes,
        quote_problem,
        split_sentences,
    )

    text = answers.astype("string").fillna("").str.strip()
    ok = text.ne("").to_numpy()
    texts = text[ok].tolist()
    ids_all = [str(x) for x in (ids if ids is not None else range(1, len(answers) + 1))]
    rids = [i for i, keep in zip(ids_all, ok) if keep]
    q_all = (quotable.reindex(answers.index).fillna(False).astype(bool).to_numpy()
             if quotable is not None else np.zeros(len(answers), bool))
    quot = dict(zip(rids, q_all[ok]))
    langs = [str(x) for x, keep in zip(languages, ok) if keep] if languages is not None else None
    n = len(texts)
    if n < max(MIN_OPEN_ANSWERS, k):
        return OpenQuestion(question, n, note=f"{n} answers: too few to find themes "
                                               f"(at least {max(MIN_OPEN_ANSWERS, k)} needed).")
    if embeddings is None:
        if embedder is None:
            raise ValueError("theme_open_question needs an embedder or embeddings")
        if hasattr(embedder, "fit"):
            embedder.fit(texts)  # tfidf learns its space from these answers; others no-op
        X = embedder.encode(texts)
    else:
        X = np.asarray(embeddings)[ok] if len(embeddings) == len(answers) else np.asarray(embeddings)
    res = fit_open_themes(texts, rids, embedder=embedder, embeddings=X, languages=langs, k=k, seed=seed,
                          min_theme_size=min_theme_size)
    assign = res.assignments.set_index("doc_id")["theme_id"]
    counts = assign.value_counts()
    theme_ids = [int(t) for t in res.themes["theme_id"]]
    cells = pd.Series([int(counts.get(t, 0)) for t in theme_ids] + [int(counts.get(-1, 0))],
                      index=[str(t) for t in theme_ids] + ["unthemed"])
    visible = suppress_small_cells(cells, k)
    used = used if used is not None else set()
    summariser = ExtractiveSummariser(diversity=0.3, min_words=3, max_words=40)
    allowed_words = list(allowed_words)
    by_id = dict(zip(rids, texts))
    pos = {rid: i for i, rid in enumerate(rids)}
    themes: list[OpenTheme] = []
    for r in res.themes.itertuples(index=False):
        tid = int(r.theme_id)
        shown = pd.notna(visible[str(tid)])
        members = [d for d, t in assign.items() if int(t) == tid]
        th = OpenTheme(tid, str(r.label), str(r.keywords), int(cells[str(tid)]) if shown else None,
                       cells[str(tid)] / n if shown else None)
        if shown:
            sents = []
            for d in members:
                if not quot.get(d, False):
                    continue
                for s in split_sentences(by_id[d], d, author_id=d, quotable=True):
                    if not quote_problem(s, min_words=3, max_words=40, allowed_words=allowed_words):
                        sents.append(s)
            sents = [s for s in sents if s.author_id not in used]
            if sents:
                emb = (embedder.encode([s.text for s in sents]) if embedder is not None
                       else X[[pos[s.post_id] for s in sents]])
                summ = summariser.summarise(sents, emb, k=n_summary)
                for s in summ:
                    used.add(s.author_id)
                th.summary = [s.text for s in summ]
                cent = res.centroids.get(tid)
                rank = list(np.argsort(-(emb @ cent))) if cent is not None and emb.shape[1] == len(cent) else None
                avoid = set(th.summary)
                for _ in range(n_quotes):  # one at a time: the same words from two people are one quote
                    got = pick_quotes(sents, used_authors=used, n=1, min_words=4, max_words=40, rank=rank,
                                      allowed_words=allowed_words, avoid=avoid)
                    if not got:
                        break
                    th.quotes.append(got[0].text)
                    avoid.add(got[0].text)
        themes.append(th)
    themes.sort(key=lambda t: (t.n is None, -(t.n or 0), t.theme_id))
    un = visible["unthemed"]
    log.info("open question themed: %d answers, %d themes (%d hidden)", n, len(themes),
             sum(not t.shown for t in themes))
    return OpenQuestion(question, n, themes, int(un) if pd.notna(un) else None,
                        float(res.outlier_share_final))


# --------------------------------------------------------------------------------------------
# loading


@dataclass
class SurveyData:
    """A prepared survey: the redacted table, each Likert item scored (1-5, DONT_KNOW, NaN)
    with its scale, the open questions, and the `Prepared` it came from (ledger, sources)."""

    table: pd.DataFrame
    scores: pd.DataFrame
    items: list[str]
    open_ended: list[str]
    scales: dict[str, str]
    file: str
    prepared: Any = None

    def scored(self) -> pd.DataFrame:
        """The table with each Likert column replaced by its scores."""
        out = self.table.copy()
        for c in self.items:
            out[c] = self.scores[c]
        return out

    def subset(self, mask: pd.Series | np.ndarray) -> "SurveyData":
        m = np.asarray(mask, dtype=bool)
        return SurveyData(self.table[m], self.scores[m], self.items, self.open_ended, self.scales,
                          self.file, self.prepared)


def load_survey(path, config: Config | None = None, *, mapping=None,
                scales: TMapping[str, str] | None = None) -> SurveyData:
    """`prepare("survey", path, config, mapping=...)`, then score every Likert item the mapping
    declares (`likert:`), its scale detected unless `scales[item]` names it. All unknown labels
    of all items are reported in one InputError (file, row, line, response id, column)."""
    from kmsynth.ingest.prepare import prepare

    return survey_data(prepare("survey", path, config, mapping=mapping), path, scales=scales)


def survey_data(prep, path, *, scales: TMapping[str, str] | None = None) -> SurveyData:
    """Score the Likert items of an already prepared survey (see `load_survey`)."""
    t = prep.table
    name = Path(str(path)).name if not isinstance(path, (list, tuple)) else "survey"
    items = [c for c in prep.mapping.likert if c in t.columns]
    open_ended = [c for c in prep.mapping.open_ended if c in t.columns]
    if not items and not open_ended:
        raise InputError("the survey mapping declares no Likert items and no open questions", file=str(path),
                         hint="list the question columns under `survey:` → `likert:` and `open_ended:` "
                              "in the mapping file")
    led = prep.ledger.frame
    line_of = {(str(f), int(r)): (int(ln) if pd.notna(ln) else None)
               for f, r, ln in zip(led["file"], led["row"], led["line"])}
    rows = t["_row"].tolist()
    lines = [line_of.get((str(f), int(r))) for f, r in zip(t["_file"], t["_row"])]
    ids = t["response_id"].astype(str).tolist()
    scores, found, problems = {}, {}, []
    for item in items:
        s, sc, probs = _parse(t[item], scale=(scales or {}).get(item), file=name, column=item, rows=rows,
                              lines=lines, ids=ids)
        scores[item], found[item] = s, sc
        problems.extend(probs)
    if problems:
        raise _likert_error(problems, name, found.get(problems[0].column, ""))
    log.info("survey loaded: %d responses, %d Likert items, %d open questions", len(t), len(items),
             len(open_ended))
    return SurveyData(t, pd.DataFrame(scores, index=t.index), items, open_ended, found, name, prep)


# --------------------------------------------------------------------------------------------
# the section (notebook and monthly report)


def _fmt_ci(est: float, lo: float, hi: float, pct: bool = False) -> str:
    if pd.isna(est):
        return ""
    if pct:
        return f"{100 * est:.0f}% ({100 * lo:.0f}–{100 * hi:.0f})"
    est, lo, hi = (round(x, 2) + 0.0 for x in (est, lo, hi))  # no "-0.00"
    return f"{est:.2f} ({lo:.2f}–{hi:.2f})"


def _fmt_p(p: float) -> str:
    if pd.isna(p):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


BREAKDOWN_TITLES = {"respondent_group": "respondent group", "region": "region", "wave": "wave",
                    "country": "country", "language": "language"}


@dataclass
class SurveySection:
    """What the survey synthesis shows: every table already suppressed (k), figures built from
    shown rows only. `to_html()` renders it all as escaped HTML fragments."""

    title: str
    k: int
    n_responses: int
    period: str
    items: pd.DataFrame  # item_table overall
    breakdowns: dict[str, pd.DataFrame]  # column -> item_table by that column
    waves: pd.DataFrame | None  # compare_waves, or None
    open_ended: list[OpenQuestion]
    figures: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    method: list[str] = field(default_factory=list)

    # -- tables for people ----------------------------------------------------------------

    def items_display(self) -> pd.DataFrame:
        t = self.items[self.items["shown"]]
        return pd.DataFrame({
            "item": t["item"], "answered": t["n"].astype("Int64"), "don't know": t["dont_know"].astype("Int64"),
            "no answer": t["no_answer"].astype("Int64"),
            "mean (95% CI)": [_fmt_ci(m, lo, hi) for m, lo, hi in zip(t["mean"], t["mean_ci_low"], t["mean_ci_high"])],
            "top-2 box (95% CI)": [_fmt_ci(m, lo, hi, True) for m, lo, hi in
                                   zip(t["top2"], t["top2_ci_low"], t["top2_ci_high"])],
        })

    def breakdown_display(self, col: str) -> pd.DataFrame:
        t = self.breakdowns[col]
        t = t[t["shown"]]
        return pd.DataFrame({
            "item": t["item"], BREAKDOWN_TITLES.get(col, col): t["group"], "answered": t["n"].astype("Int64"),
            "mean (95% CI)": [_fmt_ci(m, lo, hi) for m, lo, hi in zip(t["mean"], t["mean_ci_low"], t["mean_ci_high"])],
            "top-2 box (95% CI)": [_fmt_ci(m, lo, hi, True) for m, lo, hi in
                                   zip(t["top2"], t["top2_ci_low"], t["top2_ci_high"])],
        })

    def waves_display(self) -> pd.DataFrame:
        c = self.waves
        a, b = c.attrs.get("wave_a", "a"), c.attrs.get("wave_b", "b")
        c = c[c["tested"]]
        return pd.DataFrame({
            "item": c["item"], f"mean {a}": c["mean_a"].round(2), f"mean {b}": c["mean_b"].round(2),
            "difference (95% CI)": [_fmt_ci(d, lo, hi) for d, lo, hi in
                                    zip(c["difference"], c["difference_ci_low"], c["difference_ci_high"])],
            "effect (rank-biserial)": [f"{r:+.2f} {w}" for r, w in zip(c["rank_biserial"], c["effect"])],
            "p (Mann-Whitney)": [_fmt_p(p) for p in c["p"]], "p (Holm)": [_fmt_p(p) for p in c["p_holm"]],
            "significant": c["significant"].map({True: "yes", False: ""}),
        })

    # -- HTML -----------------------------------------------------------------------------

    def html_overview(self) -> str:
        from kmsynth import html as h

        parts = [h.paragraph(f"{self.n_responses} responses ({self.period}). Likert items on a 1-5 scale; "
                             f"'don't know' and blank answers are counted apart and are never in a mean. "
                             f"Groups with fewer than {self.k} answers are not shown.", "muted")]
        for note in self.notes:
            parts.append(h.paragraph(note, "muted"))
        if "likert" in self.figures:
            parts.append(h.figure_html(self.figures["likert"], name="survey-likert"))
            parts.append(h.table_html(self.items_display(), caption="All respondents: mean and top-2 box "
                                      "(the two most positive points) with 95% confidence intervals"))
        hidden = int((~self.items["shown"]).sum())
        if hidden:
            parts.append(h.paragraph(f"{hidden} item(s) had fewer than {self.k} answers and are not shown.", "muted"))
        return h.section(self.title, "".join(parts))

    def html_breakdowns(self) -> str:
        from kmsynth import html as h

        parts = []
        for col, t in self.breakdowns.items():
            name = BREAKDOWN_TITLES.get(col, col)
            parts.append(f"<h3>By {h.esc(name)}</h3>")
            if t["shown"].any():
                parts.append(h.figure_html(self.figures[f"likert_by_{col}"], name=f"survey-likert-{col}"))
                parts.append(h.table_html(self.breakdown_display(col), caption=f"By {name}"))
            hidden = t.loc[~t["shown"], ["item", "group"]]
            if len(hidden):
                n_groups = hidden["group"].nunique()
                parts.append(h.paragraph(
                    f"{n_groups} {name}{'s' if n_groups != 1 else ''} hidden for some or all items: fewer than "
                    f"{self.k} answers, or "
                    f"hidden as well so that a small group cannot be worked out from the others and the total.",
                    "muted"))
        return h.section("Results by group", "".join(parts)) if parts else ""

    def html_waves(self) -> str:
        from kmsynth import html as h

        if self.waves is None:
            return ""
        c = self.waves
        a, b = c.attrs.get("wave_a", "a"), c.attrs.get("wave_b", "b")
        parts = [h.paragraph(f"{a} against {b}: two-sided Mann-Whitney U test per item, p-values adjusted "
                             "across items with Holm's method; difference = later minus earlier mean, with a "
                             "Welch 95% CI; rank-biserial effect size (+1: every later answer higher).", "muted")]
        if c["tested"].any():
            parts.append(h.figure_html(self.figures["waves"], name="survey-waves"))
            parts.append(h.table_html(self.waves_display(), caption=f"{a} against {b}"))
            sig = c[c["significant"]]
            if len(sig):
                parts.append(h.bullet_list([f"{r.item}: {r.mean_a:.2f} → {r.mean_b:.2f} "
                                            f"(difference {r.difference:+.2f}, {r.effect} effect, "
                                            f"Holm p {_fmt_p(r.p_holm)})" for r in sig.itertuples()]))
            else:
                parts.append(h.paragraph("No item differs significantly between the two waves.", ""))
        untested = int((~c["tested"]).sum())
        if untested:
            parts.append(h.paragraph(f"{untested} item(s) not tested: a wave had fewer than {self.k} answers.",
                                     "muted"))
        return h.section("Waves compared", "".join(parts))

    def html_open_ended(self) -> str:
        from kmsynth import html as h

        parts = []
        for i, q in enumerate(self.open_ended):
            parts.append(f"<h3>{h.esc(q.question)}</h3>")
            if q.note:
                parts.append(h.paragraph(q.note, "muted"))
                continue
            parts.append(h.paragraph(f"{q.n_answered} respondents answered.", "muted"))
            if any(t.shown for t in q.themes):
                parts.append(h.figure_html(self.figures[f"themes_{i}"], name=f"survey-themes-{i}"))
            for t in q.themes:
                if not t.shown:
                    continue
                body = [f"<b>{h.esc(t.label)}</b> <span class='badge'>{h.esc(t.n)} · "
                        f"{h.esc(f'{100 * t.share:.0f}%')}</span>"]
                if t.summary:
                    body.append(h.paragraph("Typical answers: " + " / ".join(t.summary)))
                body += [h.quote_html(x) for x in t.quotes]
                parts.append('<div class="theme">' + "".join(body) + "</div>")
            extra = []
            if q.hidden_themes:
                extra.append(f"{q.hidden_themes} smaller theme(s) not shown (fewer than {self.k} respondents, or "
                             "hidden so that they cannot be worked out from the total)")
            if q.unthemed:
                extra.append(f"{q.unthemed} answers fit no theme")
            if extra:
                parts.append(h.paragraph("; ".join(extra) + ".", "muted"))
        return h.section("Open questions", "".join(parts)) if parts else ""

    def html_method(self) -> str:
        from kmsynth import html as h

        return h.section("How these figures were made", h.bullet_list(self.method))

    def to_html(self) -> str:
        return "".join([self.html_overview(), self.html_waves(), self.html_breakdowns(), self.html_open_ended(),
                        self.html_method()])


def _month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(month)):
        raise InputError(f"month must be YYYY-MM, got {month!r}", hint="for example 2026-09")
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    return start, start + pd.offsets.MonthBegin(1)


def survey_section(source, config: Config | None = None, *, mapping=None, month: str | None = None,
                   wave_col: str = "wave", waves: Sequence[str] | None = None, k: int | None = None,
                   embedder=None, scales: TMapping[str, str] | None = None, ci: str = "t",
                   breakdowns: Sequence[str] = ("respondent_group", "region"),
                   title: str = "Survey feedback", themes: bool = True) -> SurveySection:
    """Everything the survey synthesis shows, for a notebook or the monthly report.

    source: a survey file (loaded with `load_survey`) or a SurveyData. month ('YYYY-MM'):
    responses submitted after that month are left out. waves: the two waves to compare
    (default: the last two in time). k: small-cell threshold (default privacy.min_cell, at
    least 5). embedder: an Embedder or a name (minilm, static, tfidf); default from config.
    """
    from kmsynth.config import load_config
    from kmsynth.embed.embedders import embedder_from_config, get_embedder

    cfg = config or load_config(None)
    k = int(k if k is not None else cfg.privacy.min_cell)
    if k < MIN_CELL_FLOOR:
        raise InputError(f"k must be at least {MIN_CELL_FLOOR}, got {k}", hint="raise k (privacy.min_cell)")
    data = source if isinstance(source, SurveyData) else load_survey(source, cfg, mapping=mapping, scales=scales)
    notes: list[str] = []
    period = "all responses"
    if month is not None:
        start, end = _month_bounds(month)
        when = data.table["submitted_at"]
        later = when >= end
        if later.any():
            notes.append(f"{int(later.sum())} responses submitted after {month} are left out.")
        data = data.subset(~later.to_numpy())
        in_month = int((data.table["submitted_at"] >= start).sum())
        period = f"submitted up to the end of {month}, {in_month} of them in {month}"
    t, scores = data.table, data.scores
    overall = item_table(scores, k=k, ci=ci, seed=cfg.themes.seed, scales=data.scales)
    figures: dict[str, Any] = {}
    if data.items:
        figures["likert"] = likert_figure(overall, "All respondents")
    tables: dict[str, pd.DataFrame] = {}
    cols = [c for c in (*breakdowns, wave_col) if c in t.columns and c not in tables]
    for col in dict.fromkeys(cols):
        vals = t[col].astype("string").str.strip().fillna("")
        if not data.items or vals.eq("").all() or vals.nunique() < 2:
            continue
        tables[col] = item_table(scores, by=t[col], k=k, ci=ci, seed=cfg.themes.seed, scales=data.scales)
        if tables[col]["shown"].any():
            figures[f"likert_by_{col}"] = likert_figure(tables[col], f"By {BREAKDOWN_TITLES.get(col, col)}")
    cmp = None
    order = default_waves(t, wave_col) if wave_col in t.columns else []
    if data.items and (waves is not None or len(order) >= 2):
        a, b = (list(waves) if waves is not None else order[-2:])
        cmp = compare_waves(data.scored(), wave_col, a, b, items=data.items, k=k)
        if cmp["tested"].any():
            figures["waves"] = waves_figure(cmp, f"{a} against {b}")
    questions: list[OpenQuestion] = []
    if themes and data.open_ended:
        if embedder is None:
            emb = embedder_from_config(cfg)
        elif isinstance(embedder, str):
            emb = get_embedder(embedder, cache_dir=cfg.embedding.cache_dir, batch_size=cfg.embedding.batch_size)
        else:
            emb = embedder
        used: set[str] = set()
        quotable = t["quotable"] if "quotable" in t.columns else None
        langs = t["language"].astype(str).tolist() if "language" in t.columns else None
        allowed = _allowed_words(t)
        for i, q in enumerate(data.open_ended):
            oq = theme_open_question(t[q], question=q, embedder=emb, k=k, quotable=quotable,
                                     ids=t["response_id"].astype(str).tolist(), languages=langs,
                                     seed=cfg.themes.seed, min_theme_size=cfg.themes.min_theme_size,
                                     used=used, allowed_words=allowed)
            questions.append(oq)
            if any(th.shown for th in oq.themes):
                figures[f"themes_{i}"] = theme_figure(oq)
    scale_names = sorted(set(data.scales.values()))
    method = [
        f"Likert answers mapped to 1-5 ({', '.join(scale_names) or 'no'} scale); labels in English, Spanish, "
        "French and Portuguese and numbers are accepted. 'Don't know', N/A and similar answers, and blanks, "
        "are counted apart: never neutral, never in a mean or a share.",
        f"Means with a 95% {'bootstrap (seeded)' if ci == 'bootstrap' else 't'} confidence interval; top-2 box "
        "(the two most positive points) with a Wilson 95% interval.",
        f"Small cells: any group (respondent group, region, wave, theme) with fewer than {k} answers is hidden, "
        "and where one group is hidden a second one is too, so that it cannot be worked out from the total.",
        "Waves: two-sided Mann-Whitney U per item, Holm's correction across items, rank-biserial effect size.",
    ]
    if questions:
        method.append("Open questions: themes found with kmsynth's themes engine on redacted answers "
                      f"({getattr(emb, 'model_id', 'embedder')}, seed {cfg.themes.seed}). Typical answers and "
                      "quotes are verbatim redacted answers of respondents who agreed to be quoted, at most one "
                      "per respondent; nothing is paraphrased.")
    return SurveySection(title=title, k=k, n_responses=len(t), period=period, items=overall,
                         breakdowns=tables, waves=cmp, open_ended=questions, figures=figures, notes=notes,
                         method=method)


def survey_section_html(path, config: Config, month: str | None = None, **kwargs: Any) -> str:
    """The monthly report's survey section as escaped HTML (see `survey_section`)."""
    return survey_section(path, config, month=month, **kwargs).to_html()
