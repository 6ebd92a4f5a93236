"""The monthly report built: `build_monthly_report` reads the configured inputs, keeps the
report month (and the months before it for trends), fits the month's themes with stable ids
against the previous month, and returns a `MonthlyReport` (kmsynth.report.content).
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.config import Config
from kmsynth.embed import Embedder
from kmsynth.errors import InputError
from kmsynth.ingest.read import sha256_if_file
from kmsynth.manifest import build_manifest
from kmsynth.report.content import TREND_MONTHS, MonthlyReport
from kmsynth.synthesis.trends import (
    glance,
    month_of,
    monthly_counts,
    months_up_to,
    previous_month,
)

log = logging.getLogger(__name__)
MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
FIRST_YEAR = 1990  # no discussion hub or evaluation before this


def check_month(month: str) -> str:
    """'YYYY-MM' from 1990 to the current month, or 'previous' for the last full month."""
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).to_period("M")
    if str(month) == "previous":
        return str(now - 1)
    shown = repr(str(month)[:20])
    if not MONTH_RE.fullmatch(str(month)):
        raise InputError(
            f"month {shown} is not in the form YYYY-MM",
            hint="for example --month 2026-10, or --month previous",
        )
    if not FIRST_YEAR <= int(str(month)[:4]) or pd.Period(str(month), "M") > now:
        raise InputError(
            f"month {shown} is not between {FIRST_YEAR}-01 and this month ({now})",
            hint="give a month that has posts, for example --month previous",
        )
    return str(month)


def build_monthly_report(
    month: str,
    config: Config,
    *,
    embedder: Embedder | None = None,
    state_dir: str | Path | None = None,
    curation: str | Path | None = None,
    show_progress: bool = False,
    dask: str | None = None,
) -> MonthlyReport:
    """Compute the monthly report for `month` ('YYYY-MM') from the inputs in `config`.

    `dask` ('local' or a scheduler address) sends redaction, languages and embedding to workers.
    """
    from kmsynth.embed.embedders import embedder_from_config

    t0 = time.perf_counter()
    month = check_month(month)
    if config.data.posts is None:
        raise InputError(
            "no posts file configured", hint="set data.posts in kmsynth.yml or pass --posts"
        )
    client = None
    if dask:  # reading stays here; redaction, languages and embedding go to the Dask workers
        from kmsynth.ingest import client_for

        client = client_for(dask)
    prep, posts, window = _month_posts(month, config, client)
    emb = embedder or embedder_from_config(config)
    notes: list[str] = []
    store = None
    if config.data.store is not None:  # history accumulates in the store; only new texts embedded
        store, emb = _with_store(config, prep, month, emb, notes)
    if client is not None:
        emb = _with_dask_vectors(emb, posts["text"].tolist(), client)
    try:
        return _build(
            month,
            config,
            prep,
            posts,
            window,
            emb,
            notes,
            store,
            state_dir,
            curation,
            show_progress,
            t0,
        )
    finally:
        if store is not None:
            store.close()


def _month_posts(month: str, config: Config, client: Any) -> tuple[Any, pd.DataFrame, list[str]]:
    """The prepared posts, those of the trend window up to `month`, and the window's months;
    posts outside the window are marked out of period in the ledger."""
    from kmsynth.ingest.prepare import prepare

    prep = prepare("posts", config.data.posts, config, client=client)
    posts = prep.table.copy()
    posts["month"] = month_of(posts["created_at"])
    later = posts[posts["month"] > month]
    if len(later):
        prep.ledger.mark_out_of_period(later[["_file", "_row"]], f"after {month}")
    first = posts["month"].dropna().min() if posts["month"].notna().any() else month
    window = [m for m in months_up_to(month, TREND_MONTHS) if m >= min(first, month)]
    older = posts[posts["month"] < window[0]]
    if len(older):
        prep.ledger.mark_out_of_period(older[["_file", "_row"]], f"before {window[0]}")
    prep.ledger.check()
    return prep, posts[posts["month"].isin(window)].reset_index(drop=True), window


def _with_store(
    config: Config, prep: Any, month: str, emb: Embedder, notes: list[str]
) -> tuple[Any, Embedder]:
    """Open the configured store, add the posts up to `month`, and embed through it."""
    from kmsynth.store import Store, StoreEmbeddingCache

    store = Store.open(config.data.store)
    upto = month_of(prep.table["created_at"]) <= month
    c = store.add_table(
        "posts", prep.table[upto.fillna(False).to_numpy()], run_id=f"report-{month}"
    )
    notes.append(
        f"Store: {c.new} new posts, {c.new_version} changed (new version), "
        f"{c.unchanged} already stored."
    )
    return store, StoreEmbeddingCache(emb, store)


def _with_dask_vectors(emb: Embedder, texts: list[str], client: Any) -> Embedder:
    """`emb` serving the vectors of `texts` computed on the Dask workers (the client closes)."""
    from kmsynth.themes.large import embed_distributed

    vectors = embed_distributed(texts, emb, client)
    client.close()
    return _PrecomputedEmbedder(emb, dict(zip(texts, vectors, strict=True)))


class _PrecomputedEmbedder:
    """Serves vectors computed elsewhere (the Dask workers); anything else goes to `inner`."""

    def __init__(self, inner: Embedder, vectors: dict[str, np.ndarray]) -> None:
        self.inner, self.vectors = inner, vectors
        self.model_id = inner.model_id

    def fit(self, texts: list[str]) -> _PrecomputedEmbedder:
        return self

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        texts = [str(t) for t in texts]
        if all(t in self.vectors for t in texts):
            return np.vstack([self.vectors[t] for t in texts]) if texts else self.inner.encode([])
        return self.inner.encode(texts, show_progress=show_progress)


def _build(
    month: str,
    config: Config,
    prep: Any,
    posts: pd.DataFrame,
    window: list[str],
    emb: Embedder,
    notes: list[str],
    store: Any,
    state_dir: str | Path | None,
    curation: str | Path | None,
    show_progress: bool,
    t0: float,
) -> MonthlyReport:
    from kmsynth.themes import month_themes

    k = config.privacy.min_cell
    cur_posts = posts[posts["month"] == month].reset_index(drop=True)
    all_vecs = emb.encode(posts["text"].tolist(), show_progress=show_progress)
    enc_counts = dict(getattr(emb, "last_counts", {}) or {})

    # one function for the report and the workbench: the same inputs give the same stable ids
    fitted = month_themes(posts, all_vecs, month, config, embedder=emb, state_dir=state_dir)
    notes.extend(fitted.notes)
    theme_rows = pd.DataFrame()
    changes = pd.DataFrame(columns=["theme_id", "label", "size", "previous_size", "status"])
    current = fitted.current
    if current is not None:
        if store is not None:
            store.save_theme_run(f"themes-{month}", month, current)
            notes.append(
                f"Embeddings: {enc_counts.get('new', 0)} new texts embedded, "
                f"{enc_counts.get('cached', 0)} read from the store."
            )
        prev_posts = posts[posts["month"] == previous_month(month)]
        current, theme_rows, changes = _curated_themes(
            fitted, cur_posts, len(prev_posts), config, emb, curation, notes
        )
    else:
        notes.append(f"{len(cur_posts)} posts in {month}: too few for themes (20 needed).")
    trends = _trends(posts, all_vecs, emb, window, k, store)
    method = _method(month, config, prep, current, emb, curation, t0)
    report = MonthlyReport(
        month=month,
        title=config.report.title,
        k=k,
        glance=glance(posts, month, k=k),
        themes=theme_rows,
        changes=changes,
        trends=trends,
        method=method,
        notes=notes,
        n_posts=len(cur_posts),
    )
    report.ledger = prep.ledger  # type: ignore[attr-defined]
    return report


def _curated_themes(
    fitted: Any,
    cur_posts: pd.DataFrame,
    n_prev: int,
    config: Config,
    emb: Embedder,
    curation: str | Path | None,
    notes: list[str],
) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """The month's themes after the analyst's curation: (result, theme rows, changes)."""
    from kmsynth.synthesis import CONSENT_RULE_TEXT, consent_rule, theme_summaries, with_consent
    from kmsynth.themes import theme_changes
    from kmsynth.themes.curation import Curation, apply_curation

    seed, k = config.themes.seed, config.privacy.min_cell
    cur_file = Curation.load(curation) if curation else None
    current, outcome = apply_curation(fitted.current, cur_file, seed=seed)
    notes.extend(outcome.messages())
    if outcome.applied:
        notes.append(f"{len(outcome.applied)} curation decision(s) applied.")
    previous = fitted.previous
    if previous is not None:
        previous, _ = apply_curation(previous, cur_file, seed=seed)
    changes = theme_changes(previous, current, prev_total=n_prev or None, cur_total=len(cur_posts))
    notes.append(f"Verbatim text: {CONSENT_RULE_TEXT[consent_rule(cur_posts, config)]}.")
    cur_posts = with_consent(cur_posts, config)  # summaries and quotes: the one quote gate
    summaries = theme_summaries(cur_posts, current, emb, k=k)
    status = dict(zip(changes["theme_id"], changes["status"], strict=True))
    rows = _theme_rows(current, cur_posts, summaries, status, outcome.excluded_quotes, config)
    notes.append(
        f"{len(rows)} themes; {100 * current.outlier_share:.0f}% of posts were outliers "
        f"before reassignment to the nearest theme, "
        f"{100 * current.outlier_share_final:.0f}% after."
    )
    return current, rows, changes


def _theme_rows(
    current: Any,
    cur_posts: pd.DataFrame,
    summaries: dict[int, str],
    status: dict[Any, str],
    excluded_quotes: set[str],
    config: Config,
) -> pd.DataFrame:
    """One row a theme: size (hidden below k), status, summary, at most one quote, flag."""
    from kmsynth.synthesis import quotes_from_posts

    k = config.privacy.min_cell
    used: set[str] = set()
    cols = ["post_id", "author_id"] + (["country"] if "country" in cur_posts else [])
    members = current.assignments.merge(
        cur_posts[cols], left_on="doc_id", right_on="post_id", how="left"
    )
    rows = []
    for r in current.themes.itertuples():
        summary = summaries.get(int(r.theme_id), "")
        quotes = (
            []
            if r.size < k
            else quotes_from_posts(
                cur_posts,
                list(r.representative_ids),
                used_authors=used,
                n=1,
                excluded_posts=excluded_quotes,
                avoid=[summary],
            )
        )
        rows.append(
            {
                "theme_id": r.theme_id,
                "label": r.label,
                "size": r.size,
                "size_shown": r.size if r.size >= k else np.nan,
                "keywords": r.keywords,
                "pillar": r.pillar,
                "pillar_name": r.pillar_name,
                "status": status.get(r.theme_id, "new"),
                "summary": summary,
                "quotes": quotes,
                "flag": _voices_flag(members[members["theme_id"] == r.theme_id], r.size, config),
            }
        )
    return pd.DataFrame(rows)


def _voices_flag(mem: pd.DataFrame, size: int, config: Config) -> str:
    """Why a theme is a signal, not a finding: few posts (below k or the brief's min_posts), or
    one participant behind more than the brief's max_share of them."""
    top_author = mem["author_id"].value_counts(normalize=True).max() if len(mem) else 0
    if size < max(config.privacy.min_cell, config.brief.min_posts):
        return "Rests on few posts: read as a signal, not a finding."
    if top_author > config.brief.max_share:
        return "Mostly one participant's posts: read as one voice, not a general finding."
    return ""


def _trends(
    posts: pd.DataFrame,
    vecs: np.ndarray,
    emb: Embedder,
    window: list[str],
    k: int,
    store: Any,
) -> dict[str, pd.DataFrame]:
    """Posts per month in total and by region, pillar and community, cells below k hidden."""
    from kmsynth.themes import classify_pillars

    pillars = classify_pillars(posts["text"].tolist(), vecs, emb)
    posts["pillar_name"] = pillars["pillar_name"].to_numpy()
    trends = {"total": monthly_counts(posts, by=None, months=window, k=k)}
    for key, col in (("region", "region"), ("pillar", "pillar_name"), ("source", "source")):
        if col in posts.columns and posts[col].replace("", np.nan).notna().any():
            trends[key] = monthly_counts(posts, by=col, months=window, k=k)
    if store is not None:  # every stored month from the store's views, not only this file's;
        # pillars stay per post (the store knows a pillar only for posts of stored theme runs)
        trends.update({key: t for key, t in store.trends(window, k).items() if key != "pillar"})
    return trends


def _method(
    month: str,
    config: Config,
    prep: Any,
    current: Any,
    emb: Embedder,
    curation: str | Path | None,
    t0: float,
) -> dict[str, Any]:
    """The report's manifest: inputs with their hashes, settings, ledger, versions."""
    sources = list(prep.sources) + [
        {
            "kind": kind,
            "file": getattr(config.data, kind),
            "sha256": sha256_if_file(Path(getattr(config.data, kind))),
        }
        for kind in ("survey", "findings", "lessons")
        if getattr(config.data, kind) is not None
    ]
    return build_manifest(
        "report-content",
        sources=sources,
        timings={"build": time.perf_counter() - t0},
        parameters=dict(current.params) if current else {},
        month=month,
        embedder=emb.model_id,
        seed=config.themes.seed,
        k=config.privacy.min_cell,
        ledger=prep.ledger.counts(),
        curation_sha256=sha256_if_file(Path(curation)) if curation else None,
    )
