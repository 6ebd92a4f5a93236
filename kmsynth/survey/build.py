"""Building the survey section: load, restrict to a month, tables overall, by group and by
wave, open questions themed, and the method notes (`survey_section`)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from kmsynth.config import Config
from kmsynth.errors import InputError
from kmsynth.protect import check_k
from kmsynth.survey.data import SurveyData, load_survey
from kmsynth.survey.figures import likert_figure, theme_figure, waves_figure
from kmsynth.survey.open_ended import (
    MAX_OPEN_THEMES,
    OpenQuestion,
    quote_allowed_words,
    theme_open_question,
)
from kmsynth.survey.section import BREAKDOWN_TITLES, SurveySection
from kmsynth.survey.stats import compare_waves, default_waves, item_table, share_shown
from kmsynth.synthesis import CONSENT_RULE_TEXT, consent_rule, with_consent

if TYPE_CHECKING:
    from kmsynth.embed.embedders import Embedder


def _k(k: int | None, cfg: Config) -> int:
    """The small-cell threshold: given, else privacy.min_cell; never below the floor."""
    try:
        return check_k(k if k is not None else cfg.privacy.min_cell)
    except ValueError as exc:
        raise InputError(str(exc), hint="raise k (privacy.min_cell)") from None


def _month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(month)):
        raise InputError(f"month must be YYYY-MM, got {month!r}", hint="for example 2026-09")
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    return start, start + pd.offsets.MonthBegin(1)


def _up_to_month(data: SurveyData, month: str, k: int) -> tuple[SurveyData, list[str], str]:
    """Responses submitted up to the end of `month`, notes and the period's wording; counts
    that (or whose complement) fall below k are not given."""
    start, end = _month_bounds(month)
    later = (data.table["submitted_at"] >= end).to_numpy()
    notes = []
    if later.any():
        n_later = int(later.sum())
        said = str(n_later) if n_later >= k else f"fewer than {k}"
        notes.append(f"{said} responses submitted after {month} are left out.")
    data = data.subset(~later)
    in_month = int((data.table["submitted_at"] >= start).sum())
    period = f"submitted up to the end of {month}"
    if share_shown(in_month, len(data.table), k):
        period += f", {in_month} of them in {month}"
    return data, notes, period


def _breakdowns(
    data: SurveyData, cols: Sequence[str], *, k: int, ci: str, seed: int
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """item_table by each column with two or more values, and its chart where a group shows."""
    tables: dict[str, pd.DataFrame] = {}
    figures: dict[str, Any] = {}
    t = data.table
    for col in dict.fromkeys(c for c in cols if c in t.columns):
        vals = t[col].astype("string").str.strip().fillna("")
        if not data.items or vals.eq("").all() or vals.nunique() < 2:
            continue
        tables[col] = item_table(data.scores, by=t[col], k=k, ci=ci, seed=seed, scales=data.scales)
        if tables[col]["shown"].any():
            title = f"By {BREAKDOWN_TITLES.get(col, col)}"
            figures[f"likert_by_{col}"] = likert_figure(tables[col], title)
    return tables, figures


def _waves(
    data: SurveyData, wave_col: str, waves: Sequence[str] | None, k: int
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """The two waves given (or the last two in time) compared, and their chart."""
    order = default_waves(data.table, wave_col)
    if not data.items or (waves is None and len(order) < 2):
        return None, {}
    a, b = list(waves) if waves is not None else order[-2:]
    cmp = compare_waves(data.scored(), wave_col, a, b, items=data.items, k=k)
    figs = {"waves": waves_figure(cmp, f"{a} against {b}")} if cmp["tested"].any() else {}
    return cmp, figs


def _embedder(embedder: Embedder | str | None, cfg: Config) -> Embedder:
    from kmsynth.embed.embedders import embedder_from_config, get_embedder

    if embedder is None:
        return embedder_from_config(cfg)
    if isinstance(embedder, str):
        return get_embedder(
            embedder, cache_dir=cfg.embedding.cache_dir, batch_size=cfg.embedding.batch_size
        )
    return embedder


def _open_questions(
    data: SurveyData, emb: Embedder, cfg: Config, k: int, n_themes: int | None
) -> tuple[list[OpenQuestion], dict[str, Any]]:
    """Each open question themed (quotes shared out: one per respondent in the section)."""
    t = data.table
    used: set[str] = set()
    quotable = with_consent(t, cfg)["quotable"]  # the one consent rule (default: deny)
    langs = t["language"].astype(str).tolist() if "language" in t.columns else None
    allowed = quote_allowed_words(t)
    questions, figures = [], {}
    for i, q in enumerate(data.open_ended):
        oq = theme_open_question(
            t[q],
            question=q,
            embedder=emb,
            k=k,
            quotable=quotable,
            ids=t["response_id"].astype(str).tolist(),
            languages=langs,
            seed=cfg.themes.seed,
            min_theme_size=cfg.themes.min_theme_size,
            n_themes=n_themes,
            used=used,
            allowed_words=allowed,
        )
        questions.append(oq)
        if any(th.shown for th in oq.themes):
            figures[f"themes_{i}"] = theme_figure(oq)
    return questions, figures


def _method(
    data: SurveyData, config: Config, *, k: int, ci: str, themed_with: str | None, seed: int
) -> list[str]:
    scale_names = ", ".join(sorted(set(data.scales.values()))) or "no"
    interval = "bootstrap (seeded)" if ci == "bootstrap" else "t"
    method = [
        f"Likert answers mapped to 1-5 ({scale_names} scale); labels in English, Spanish, "
        "French and Portuguese and numbers are accepted. 'Don't know', N/A and similar answers, "
        "and blanks, are counted apart: never neutral, never in a mean or a share.",
        f"Means with a 95% {interval} confidence interval; top-2 box (the two most positive "
        "points) with a Wilson 95% interval.",
        f"Small cells: any group (respondent group, region, wave, theme) with fewer than {k} "
        "answers is hidden, and where one group is hidden a second one is too, so that it cannot "
        "be worked out from the total. The same holds within a group: answer points, "
        f"'don't know' and no-answer counts under {k}, and any share from which such a count "
        "follows (or from whose complement it does), are not shown.",
        "Waves: two-sided Mann-Whitney U per item, Holm's correction across items, rank-biserial "
        "effect size.",
    ]
    if themed_with is not None:
        method.append(
            "Open questions: themes found with kmsynth's themes engine on redacted answers "
            f"({themed_with}, seed {seed}); unless set, a question gets as many themes as could "
            f"each be shown (answers / {2 * k}, from 2 to {MAX_OPEN_THEMES}). Typical answers are "
            "the points most respondents of a theme make; they and the quotes are verbatim "
            "redacted sentences that pass the quote rules, at most one per respondent; nothing is "
            "paraphrased. Quoting rule: "
            f"{CONSENT_RULE_TEXT[consent_rule(data.table, config)]}."
        )
    return method


def survey_section(
    source: SurveyData | str | os.PathLike,
    config: Config | None = None,
    *,
    mapping: str | os.PathLike | None = None,
    month: str | None = None,
    wave_col: str = "wave",
    waves: Sequence[str] | None = None,
    k: int | None = None,
    embedder: Embedder | str | None = None,
    scales: Mapping[str, str] | None = None,
    ci: str = "t",
    breakdowns: Sequence[str] = ("respondent_group", "region"),
    title: str = "Survey feedback",
    themes: bool = True,
    n_themes: int | None = None,
) -> SurveySection:
    """Everything the survey synthesis shows, for a notebook or the monthly report.

    source: a survey file (loaded with `load_survey`) or a SurveyData. month ('YYYY-MM'):
    responses submitted after that month are left out. waves: the two waves to compare
    (default: the last two in time). k: small-cell threshold (default privacy.min_cell, at
    least 5). embedder: an Embedder or a name (minilm, static, tfidf); default from config.
    n_themes: themes per open question (default: `open_theme_count`).
    """
    from kmsynth.config import load_config

    cfg = config or load_config(None)
    k = _k(k, cfg)
    if not isinstance(source, SurveyData):
        source = load_survey(source, cfg, mapping=mapping, scales=scales)
    data, notes, period = source, [], "all responses"
    if month is not None:
        data, notes, period = _up_to_month(data, month, k)
    seed = cfg.themes.seed
    overall = item_table(data.scores, k=k, ci=ci, seed=seed, scales=data.scales)
    figures: dict[str, Any] = {}
    if data.items:
        figures["likert"] = likert_figure(overall, "All respondents")
    tables, figs = _breakdowns(data, [*breakdowns, wave_col], k=k, ci=ci, seed=seed)
    figures.update(figs)
    cmp, figs = _waves(data, wave_col, waves, k)
    figures.update(figs)
    questions: list[OpenQuestion] = []
    themed_with = None
    if themes and data.open_ended:
        emb = _embedder(embedder, cfg)
        questions, figs = _open_questions(data, emb, cfg, k, n_themes)
        figures.update(figs)
        themed_with = str(getattr(emb, "model_id", "embedder"))
    method = _method(data, cfg, k=k, ci=ci, themed_with=themed_with, seed=seed)
    n = len(data.table)
    return SurveySection(
        title, k, n, period, overall, tables, cmp, questions, figures, notes, method
    )


def survey_section_html(
    path: SurveyData | str | os.PathLike, config: Config, month: str | None = None, **kwargs: Any
) -> str:
    """The monthly report's survey section as escaped HTML (see `survey_section`)."""
    return survey_section(path, config, month=month, **kwargs).to_html()
