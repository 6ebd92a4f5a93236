"""The monthly report's content: everything the notebook shows, computed here.

`build_monthly_report` reads the configured inputs, keeps the report month (and the months
before it for trends), fits the month's themes with stable ids against the previous month,
and returns a `MonthlyReport` whose `section_*` methods give escaped HTML fragments. The
notebook only calls these and displays them.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth import html as h
from kmsynth.config import Config
from kmsynth.errors import InputError
from kmsynth.ingest.read import sha256_if_file
from kmsynth.manifest import build_manifest
from kmsynth.synthesis.trends import (
    biggest_increase,
    glance,
    month_of,
    monthly_counts,
    months_up_to,
    previous_month,
    trend_figure,
)

log = logging.getLogger(__name__)
MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
TREND_MONTHS = 6
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


@dataclass
class MonthlyReport:
    month: str
    title: str
    k: int
    glance: pd.DataFrame
    themes: (
        pd.DataFrame
    )  # stable theme id, label, size (suppressed), pillar, status, summary, quotes
    changes: pd.DataFrame
    trends: dict[str, pd.DataFrame]
    method: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # survey / links sections when present
    n_posts: int = 0

    # -- HTML fragments (all data text escaped) -----------------------------------------

    def section_header(self) -> str:
        intro = (
            f"{self.n_posts:,} posts in {self.month}."
            if self.n_posts
            else f"No posts in {self.month}: the report shows trends up to the previous month."
        )
        return (
            h.page_head()
            + h.plotly_js()
            + f'<div class="km"><h1>{h.esc(self.title)}: {h.esc(self.month)}</h1>'
            f'<p class="muted">{h.esc(intro)} Counts below {self.k} are hidden (–).</p></div>'
        )

    def section_glance(self) -> str:
        cards = [
            (r.measure, None if pd.isna(r.value) else int(r.value), r.change)
            for r in self.glance.itertuples()
        ]
        return h.section(
            "The month at a glance",
            h.cards_html(cards),
            intro="Participants are counted by pseudonym; nobody is named.",
        )

    def section_themes(self) -> str:
        if self.themes.empty:
            return h.section(
                "Themes of the month",
                h.paragraph("Too few posts this month to find themes.", "muted"),
            )
        parts = []
        for r in self.themes.itertuples():
            size = h.HIDDEN if pd.isna(r.size_shown) else f"{int(r.size_shown)} posts"
            badge = f'<span class="badge {h.esc(r.status)}">{h.esc(r.status)}</span>'
            pill = f'<span class="badge">{h.esc(r.pillar_name)}</span>' if r.pillar_name else ""
            body = [
                f'<div class="theme"><b>T{int(r.theme_id)} · {h.esc(r.label)}</b>{badge}{pill}'
                f' <span class="muted">{h.esc(size)}; keywords: {h.esc(r.keywords)}</span>'
            ]
            if r.flag:
                body.append(f'<div class="flag">{h.esc(r.flag)}</div>')
            if r.summary:
                body.append(h.paragraph(r.summary))
            for q in r.quotes:
                body.append(h.quote_html(q))
            body.append("</div>")
            parts.append("".join(body))
        ch = self.changes
        gone = ch[ch["status"] == "gone"] if not ch.empty else ch
        if len(gone):
            parts.append(
                h.paragraph(
                    "Gone since last month: "
                    + "; ".join(
                        f"T{int(t)} {lab}"
                        for t, lab in zip(gone["theme_id"], gone["label"], strict=True)
                    ),
                    "muted",
                )
            )
        return h.section(
            "Themes of the month",
            "".join(parts),
            intro="Themes found in this month's posts, with their status against last month "
            "(same id = same theme). Quotes come only from posts whose authors agreed, "
            "after redaction.",
        )

    def section_trends(self) -> str:
        parts = []
        titles = {
            "total": "Posts per month",
            "region": "Posts per month by region",
            "pillar": "Posts per month by pillar",
            "source": "Posts per month by community",
        }
        for key, counts in self.trends.items():
            if counts is None or counts.empty:
                continue
            fig = trend_figure(counts, title=titles.get(key, key))
            parts.append(h.figure_html(fig, name=f"trend-{key}"))
            inc = biggest_increase(counts)
            if inc and inc[1] > 0 and key != "total":
                parts.append(
                    h.paragraph(
                        f"Largest rise in the last month: {inc[0]} (+{inc[1]:.0f}%).", "muted"
                    )
                )
        return h.section(
            "Trends by month, region and type",
            "".join(parts),
            intro=f"The last {TREND_MONTHS} months. Gaps are counts below {self.k}, hidden.",
        )

    def section_extra(self, key: str) -> str:
        item = self.extra.get(key)
        if item is None:
            return ""
        return item if isinstance(item, str) else str(item)

    def section_method(self) -> str:
        m = self.method
        rows = [
            ("Report month", m["month"]),
            ("Embedder", m["embedder"]),
            ("Seed", m["seed"]),
            ("Small-cell threshold k", m["k"]),
            ("Theme model", theme_model_text(m.get("parameters") or {})),
            ("Curation file", m.get("curation_sha256") or "none (no decisions yet)"),
        ]
        inputs = pd.DataFrame(m["inputs"], columns=["file", "sha256", "rows"])
        ledger = pd.DataFrame([m["ledger"]]) if m.get("ledger") else pd.DataFrame()
        vers = pd.DataFrame(sorted(m["versions"].items()), columns=["package", "version"])
        body = (
            h.table_html(pd.DataFrame(rows, columns=["setting", "value"]).astype(str))
            + h.table_html(inputs, caption="Inputs (SHA-256)")
            + (
                h.table_html(ledger, caption="Ledger: every input row accounted for")
                if not ledger.empty
                else ""
            )
            + h.table_html(vers, caption="Package versions")
            + h.bullet_list(self.notes)
        )
        return h.section(
            "Method and reproducibility",
            body,
            intro="Same inputs and parameters give the same report. Personal data is "
            "redacted before anything is embedded or shown; breakdowns hide "
            "counts below k.",
        )


THEME_SETTINGS = (
    ("n_docs", "{} posts"),
    ("reducer", "reduced with {}"),
    ("min_theme_size_used", "smallest theme {} posts"),
    ("outlier_threshold", "outliers reassigned above similarity {}"),
    ("n_representative_docs", "{} representative posts per theme"),
)


def theme_model_text(params: dict[str, Any]) -> str:
    """The theme model's settings as a sentence for people (not JSON)."""
    parts = [
        text.format(params[key]) for key, text in THEME_SETTINGS if params.get(key) is not None
    ]
    return "; ".join(parts) if parts else "no themes this month"


def build_monthly_report(
    month: str,
    config: Config,
    *,
    embedder=None,
    state_dir: str | Path | None = None,
    curation: str | Path | None = None,
    show_progress: bool = False,
    dask: str | None = None,
) -> MonthlyReport:
    """Compute the monthly report for `month` ('YYYY-MM') from the inputs in `config`."""
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare

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
        prep = prepare("posts", config.data.posts, config, client=client)
    else:
        prep = prepare("posts", config.data.posts, config)
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
    posts = posts[posts["month"].isin(window)].reset_index(drop=True)
    emb = embedder or embedder_from_config(config)
    notes: list[str] = []
    store = None
    if config.data.store is not None:  # history accumulates in the store; only new texts embedded
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
        emb = StoreEmbeddingCache(emb, store)
    if client is not None:
        from kmsynth.themes.large import embed_distributed

        inner = emb
        emb = _PrecomputedEmbedder(
            inner,
            dict(
                zip(
                    posts["text"],
                    embed_distributed(posts["text"].tolist(), inner, client),
                    strict=True,
                )
            ),
        )
        client.close()
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


class _PrecomputedEmbedder:
    """Serves vectors computed elsewhere (the Dask workers); anything else goes to `inner`."""

    def __init__(self, inner, vectors: dict):
        self.inner, self.vectors = inner, vectors
        self.model_id = inner.model_id

    def fit(self, texts):
        return self

    def encode(self, texts, show_progress: bool = False):
        texts = [str(t) for t in texts]
        if all(t in self.vectors for t in texts):
            return np.vstack([self.vectors[t] for t in texts]) if texts else self.inner.encode([])
        return self.inner.encode(texts, show_progress=show_progress)


def _build(
    month, config, prep, posts, window, emb, notes, store, state_dir, curation, show_progress, t0
):
    from kmsynth.themes import classify_pillars, month_themes, theme_changes

    k = config.privacy.min_cell

    # themes for this month and the previous one, ids stable across months
    prev = previous_month(month)
    cur_posts = posts[posts["month"] == month].reset_index(drop=True)
    prev_posts = posts[posts["month"] == prev].reset_index(drop=True)
    all_vecs = emb.encode(posts["text"].tolist(), show_progress=show_progress)
    enc_counts = dict(getattr(emb, "last_counts", {}) or {})
    seed = config.themes.seed

    # one function for the report and the workbench: the same inputs give the same stable ids
    fitted = month_themes(posts, all_vecs, month, config, embedder=emb, state_dir=state_dir)
    previous, current = fitted.previous, fitted.current
    notes.extend(fitted.notes)
    theme_rows = pd.DataFrame()
    changes = pd.DataFrame(columns=["theme_id", "label", "size", "previous_size", "status"])
    from kmsynth.themes.curation import Curation, apply_curation

    cur_file = Curation.load(curation) if curation else None
    excluded_quotes: set[str] = set()
    if current is not None:
        if store is not None:
            store.save_theme_run(f"themes-{month}", month, current)
            notes.append(
                f"Embeddings: {enc_counts.get('new', 0)} new texts embedded, "
                f"{enc_counts.get('cached', 0)} read from the store."
            )
        current, outcome = apply_curation(current, cur_file, seed=seed)
        notes.extend(outcome.messages())
        excluded_quotes = outcome.excluded_quotes
        if outcome.applied:
            notes.append(f"{len(outcome.applied)} curation decision(s) applied.")
        if previous is not None:
            previous, _ = apply_curation(previous, cur_file, seed=seed)
        changes = theme_changes(
            previous, current, prev_total=len(prev_posts) or None, cur_total=len(cur_posts)
        )
        status = dict(zip(changes["theme_id"], changes["status"], strict=True))
        from kmsynth.synthesis import (
            CONSENT_RULE_TEXT,
            consent_rule,
            quotes_from_posts,
            theme_summaries,
            with_consent,
        )

        notes.append(f"Verbatim text: {CONSENT_RULE_TEXT[consent_rule(cur_posts, config)]}.")
        cur_posts = with_consent(cur_posts, config)  # summaries and quotes: the one quote gate
        summaries = theme_summaries(cur_posts, current, emb, k=k)
        used: set[str] = set()
        rows = []
        members = current.assignments.merge(
            cur_posts[["post_id", "author_id", "country"]]
            if "country" in cur_posts
            else cur_posts[["post_id", "author_id"]],
            left_on="doc_id",
            right_on="post_id",
            how="left",
        )
        for r in current.themes.itertuples():
            mem = members[members["theme_id"] == r.theme_id]
            top_author = mem["author_id"].value_counts(normalize=True).max() if len(mem) else 0
            flag = ""
            if r.size < max(k, 5):
                flag = "Rests on few posts: read as a signal, not a finding."
            elif top_author > 0.5:
                flag = "Mostly one participant's posts: read as one voice, not a general finding."
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
                    "summary": summaries.get(int(r.theme_id), ""),
                    "quotes": []
                    if r.size < k
                    else quotes_from_posts(
                        cur_posts,
                        list(r.representative_ids),
                        used_authors=used,
                        n=1,
                        excluded_posts=excluded_quotes,
                        avoid=[summaries.get(int(r.theme_id), "")],
                    ),
                    "flag": flag,
                }
            )
        theme_rows = pd.DataFrame(rows)
        outl = current.outlier_share_final
        notes.append(
            f"{len(theme_rows)} themes; {100 * current.outlier_share:.0f}% of posts were outliers "
            f"before reassignment to the nearest theme, {100 * outl:.0f}% after."
        )
    else:
        notes.append(f"{len(cur_posts)} posts in {month}: too few for themes (20 needed).")

    # trends by region, pillar and community
    pillars = classify_pillars(posts["text"].tolist(), all_vecs, emb)
    posts["pillar_name"] = pillars["pillar_name"].to_numpy()
    trends = {"total": monthly_counts(posts, by=None, months=window, k=k)}
    for key, col in (("region", "region"), ("pillar", "pillar_name"), ("source", "source")):
        if col in posts.columns and posts[col].replace("", np.nan).notna().any():
            trends[key] = monthly_counts(posts, by=col, months=window, k=k)
    if store is not None:  # every stored month from the store's views, not only this file's;
        # pillars stay per post (the store knows a pillar only for posts of stored theme runs)
        trends.update({key: t for key, t in store.trends(window, k).items() if key != "pillar"})

    sources = list(prep.sources) + [
        {
            "kind": kind,
            "file": getattr(config.data, kind),
            "sha256": sha256_if_file(Path(getattr(config.data, kind))),
        }
        for kind in ("survey", "findings", "lessons")
        if getattr(config.data, kind) is not None
    ]
    method = build_manifest(
        "report-content",
        sources=sources,
        timings={"build": time.perf_counter() - t0},
        parameters=dict(current.params) if current else {},
        month=month,
        embedder=emb.model_id,
        seed=seed,
        k=k,
        ledger=prep.ledger.counts(),
        curation_sha256=sha256_if_file(Path(curation)) if curation else None,
    )
    gl = glance(posts, month, k=k)
    report = MonthlyReport(
        month=month,
        title=config.report.title,
        k=k,
        glance=gl,
        themes=theme_rows,
        changes=changes,
        trends=trends,
        method=method,
        notes=notes,
        n_posts=len(cur_posts),
    )
    report.ledger = prep.ledger  # type: ignore[attr-defined]
    return report
