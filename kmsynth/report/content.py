"""The monthly report's content: a `MonthlyReport` whose `section_*` methods give escaped HTML
fragments (the notebook only calls these and displays them), and its method text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kmsynth import html as h
from kmsynth.synthesis.trends import biggest_increase, trend_figure

TREND_MONTHS = 6


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
