"""The analyst's workbench: explore a month's themes, search posts by meaning, compare months,
and record curation decisions — the logic behind `notebooks/workbench.ipynb`.

Everything shown is redacted text and suppressed counts; decisions go to the curation file
that `kmsynth themes` and `kmsynth report` apply on every later run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth import html as h
from kmsynth.config import Config, load_config
from kmsynth.errors import InputError
from kmsynth.synthesis.trends import month_of, monthly_counts, months_up_to, trend_figure
from kmsynth.themes.curation import Curation, apply_curation
from kmsynth.themes.model import (
    OUTLIER,
    ThemeResult,
    apply_stable_ids,
    fit_themes,
    match_themes,
    theme_changes,
)


class Workbench:
    """Load posts once; fit (or reload) a month's themes; browse, search, compare, curate.

    config: a Config or the path of kmsynth.yml. curation: the curation file decisions go to
    (default: the config's data.curation, else `curation.yml` beside the config).
    """

    def __init__(self, config: Config | str | Path | None = None, *, posts: str | Path | None = None,
                 embedder: str | None = None, curation: str | Path | None = None,
                 state_dir: str | Path | None = None):
        from kmsynth.embed.embedders import embedder_from_config
        from kmsynth.ingest.prepare import prepare

        cfg = config if isinstance(config, Config) else load_config(config)
        self.config = cfg.with_overrides({"data.posts": posts, "embedding.embedder": embedder})
        if self.config.data.posts is None:
            raise InputError("no posts file", hint="set data.posts in kmsynth.yml or pass posts=")
        prep = prepare("posts", self.config.data.posts, self.config)
        self.posts = prep.table.assign(month=lambda t: month_of(t["created_at"])).reset_index(drop=True)
        self.ledger = prep.ledger
        self.embedder = embedder_from_config(self.config)
        self.embeddings = self.embedder.encode(self.posts["text"].tolist())
        base = Path(self.config.source_file).parent if self.config.source_file else Path.cwd()
        self.curation = Curation.load(curation or self.config.data.curation or base / "curation.yml")
        self.state_dir = Path(state_dir) if state_dir else None
        self._results: dict[str, ThemeResult] = {}

    @property
    def k(self) -> int:
        return self.config.privacy.min_cell

    def months(self) -> list[str]:
        return sorted(self.posts["month"].dropna().unique())

    def _rows(self, month: str) -> np.ndarray:
        return np.flatnonzero(self.posts["month"].to_numpy() == month)

    def themes(self, month: str, *, curated: bool = True) -> ThemeResult:
        """The month's themes with ids stable against the previous month (fitted once, cached)."""
        if month not in self._results:
            rows = self._rows(month)
            if len(rows) < 20:
                raise InputError(f"{len(rows)} posts in {month}: too few for themes",
                                 hint="pick another month: " + ", ".join(self.months()))
            res = fit_themes(self.posts["text"].iloc[rows].tolist(), self.posts["post_id"].iloc[rows].tolist(),
                             embedder=self.embedder, embeddings=self.embeddings[rows],
                             seed=self.config.themes.seed, min_theme_size=self.config.themes.min_theme_size,
                             n_representative_docs=self.config.themes.n_representative_docs)
            prev = str(pd.Period(month, "M") - 1)
            if prev in self.months() and len(self._rows(prev)) >= 20:
                res = apply_stable_ids(res, match_themes(self.themes(prev, curated=False), res))
            self._results[month] = res
        res = self._results[month]
        return apply_curation(res, self.curation, seed=self.config.themes.seed)[0] if curated else res

    def theme_table(self, month: str) -> pd.DataFrame:
        """id, label, size (hidden below k), pillar, keywords: a table to read, no post text."""
        t = self.themes(month).themes
        return pd.DataFrame({"theme": t["theme_id"], "label": t["label"],
                             "size": t["size"].where(t["size"] >= self.k).astype("Float64"),
                             "pillar": t["pillar_name"], "keywords": t["keywords"]})

    def posts_of(self, month: str, theme: int, n: int = 5) -> pd.DataFrame:
        """The theme's most representative posts (redacted), nearest the theme's centre first."""
        res = self.themes(month)
        ids = res.themes.set_index("theme_id").loc[int(theme), "representative_ids"][:n]
        by = self.posts.set_index("post_id")
        return pd.DataFrame({"post_id": ids, "text": [by.loc[i, "text"] for i in ids]})

    def search(self, query: str, n: int = 5, month: str | None = None) -> pd.DataFrame:
        """Posts most similar in meaning to `query` (cosine on the embeddings)."""
        q = self.embedder.encode([query])[0]
        mask = np.ones(len(self.posts), bool) if month is None else self.posts["month"].to_numpy() == month
        idx = np.flatnonzero(mask)
        sims = self.embeddings[idx] @ q
        top = idx[np.argsort(-sims, kind="stable")[:n]]
        return pd.DataFrame({"post_id": self.posts["post_id"].iloc[top].to_numpy(),
                             "month": self.posts["month"].iloc[top].to_numpy(),
                             "similarity": np.round(self.embeddings[top] @ q, 3),
                             "text": self.posts["text"].iloc[top].to_numpy()})

    def compare(self, month_a: str, month_b: str) -> pd.DataFrame:
        """Themes of month_b against month_a: new, growing, shrinking, steady, gone."""
        a, b = self.themes(month_a), self.themes(month_b)
        return theme_changes(a, b, prev_total=len(self._rows(month_a)), cur_total=len(self._rows(month_b)))

    def theme_map(self, month: str):
        """A 2-D map of the month's posts (PCA of embeddings), coloured by theme."""
        import plotly.express as px
        from sklearn.decomposition import PCA

        rows = self._rows(month)
        res = self.themes(month)
        xy = PCA(n_components=2, random_state=0).fit_transform(self.embeddings[rows])
        labels = dict(zip(res.themes["theme_id"], res.themes["label"]))
        theme = [labels.get(int(t), "outlier") if t != OUTLIER else "outlier" for t in res.assignments["theme_id"]]
        fig = px.scatter(x=xy[:, 0], y=xy[:, 1], color=theme, template="plotly_white",
                         title=f"Theme map {month}", labels={"x": "", "y": "", "color": "theme"})
        fig.update_traces(marker=dict(size=6, opacity=0.7))
        return fig

    def trends(self, by: str = "region", months: int = 6):
        last = self.months()[-1]
        window = [m for m in months_up_to(last, months) if m >= self.months()[0]]
        counts = monthly_counts(self.posts, by=by, months=window, k=self.k)
        return trend_figure(counts, title=f"Posts per month by {by}")

    # curation: each call records one decision in the curation file
    def rename(self, theme: int, label: str, *, by: str = "", why: str = "") -> dict[str, Any]:
        return self.curation.rename(theme, label, by=by, why=why)

    def merge(self, themes: list[int], into: int, *, by: str = "", why: str = "") -> dict[str, Any]:
        return self.curation.merge(themes, into, by=by, why=why)

    def split(self, theme: int, k: int = 2, *, by: str = "", why: str = "") -> dict[str, Any]:
        return self.curation.split(theme, k, by=by, why=why)

    def set_pillar(self, theme: int, pillar: int, *, by: str = "", why: str = "") -> dict[str, Any]:
        return self.curation.set_pillar(theme, pillar, by=by, why=why)

    def html_table(self, df: pd.DataFrame, caption: str | None = None) -> str:
        """Escaped HTML of a workbench table (post text included, escaped)."""
        return h.page_head() + '<div class="km">' + h.table_html(df, caption=caption) + "</div>"
