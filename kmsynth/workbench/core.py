"""The analyst's workbench: a month's themes with the report's ids, their posts and summaries,
search by meaning, and curation decisions checked when they are made.

Themes come from `kmsynth.themes.month_themes`, the function the report calls, on the same
posts and vectors (the report's window of months), reading the report's saved state of the
previous month when there is one: the id seen here is the id in the report and themes.csv.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth import html as h
from kmsynth.config import Config, load_config
from kmsynth.embed.embedders import Embedder
from kmsynth.errors import InputError
from kmsynth.ingest.schemas import parse_pillar, pillars
from kmsynth.report import TREND_MONTHS
from kmsynth.synthesis.trends import month_of, months_up_to
from kmsynth.themes import (
    MIN_MONTH_POSTS,
    Curation,
    ThemeResult,
    apply_curation,
    month_themes,
    theme_changes,
)

MAX_LABEL = 120  # characters of a theme name


@dataclass
class MonthData:
    """The posts the report reads for a month (its window of months) and their vectors."""

    posts: pd.DataFrame
    vectors: np.ndarray
    embedder: Embedder
    current: ThemeResult | None = None
    previous: ThemeResult | None = None

    def rows(self, month: str) -> np.ndarray:
        return np.flatnonzero(self.posts["month"].to_numpy() == month)


def default_curation(config: Config) -> Path:
    """The config's curation file, else `curation.yml` beside the config (or here)."""
    if config.data.curation is not None:
        return Path(config.data.curation)
    base = Path(config.source_file).parent if config.source_file else Path.cwd()
    return base / "curation.yml"


class Workbench:
    """Load posts once; a month's themes (the report's ids); browse, search and curate.

    config: a Config or the path of kmsynth.yml. state_dir: the report's saved themes
    (default: `<report.out>/.state` when it exists). Decisions go to `curation`.
    """

    def __init__(
        self,
        config: Config | str | os.PathLike[str] | None = None,
        *,
        posts: str | os.PathLike[str] | None = None,
        embedder: str | None = None,
        curation: str | os.PathLike[str] | None = None,
        state_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        from kmsynth.ingest.prepare import prepare

        cfg = config if isinstance(config, Config) else load_config(config)
        self.config = cfg.with_overrides({"data.posts": posts, "embedding.embedder": embedder})
        if self.config.data.posts is None:
            raise InputError("no posts file", hint="set data.posts in kmsynth.yml or pass posts=")
        prep = prepare("posts", self.config.data.posts, self.config)
        self.posts = prep.table.assign(month=lambda t: month_of(t["created_at"]))
        self.posts = self.posts.reset_index(drop=True)
        self.ledger = prep.ledger
        self.curation = Curation.load(curation or default_curation(self.config))
        saved = Path(self.config.report.out) / ".state"
        self.state_dir = Path(state_dir) if state_dir else (saved if saved.is_dir() else None)
        self._months: dict[str, MonthData] = {}
        self._search: tuple[Embedder, np.ndarray] | None = None
        fit = self.months(with_themes=True)
        self.month: str | None = fit[-1] if fit else None  # the month decisions are checked in

    @property
    def k(self) -> int:
        return self.config.privacy.min_cell

    def months(self, *, with_themes: bool = False) -> list[str]:
        """Months with posts ('YYYY-MM', oldest first); with_themes: enough posts for themes."""
        counts = self.posts["month"].dropna().value_counts()
        if with_themes:
            counts = counts[counts >= MIN_MONTH_POSTS]
        return sorted(counts.index)

    def month_data(self, month: str) -> MonthData:
        """The report's window for `month`, embedded as the report embeds it, themes fitted."""
        from kmsynth.embed.embedders import embedder_from_config

        if month not in self._months:
            if month not in self.months(with_themes=True):
                raise InputError(
                    f"{month} has too few posts for themes ({MIN_MONTH_POSTS} needed)",
                    hint="pick one of: " + ", ".join(self.months(with_themes=True)),
                )
            first = min(self.months())
            window = [m for m in months_up_to(month, TREND_MONTHS) if m >= min(first, month)]
            posts = self.posts[self.posts["month"].isin(window)].reset_index(drop=True)
            emb = embedder_from_config(self.config)
            data = MonthData(posts, emb.encode(posts["text"].tolist()), emb)
            fitted = month_themes(
                posts,
                data.vectors,
                month,
                self.config,
                embedder=emb,
                state_dir=self.state_dir,
                save=False,
            )
            data.current, data.previous = fitted.current, fitted.previous
            self._months[month] = data
        return self._months[month]

    def themes(self, month: str, *, curated: bool = True) -> ThemeResult:
        """The month's themes, stable ids as in the report, with the curation applied."""
        res = self.month_data(month).current
        assert res is not None  # month_data checked the month has enough posts
        if not curated:
            return res
        return apply_curation(res, self.curation, seed=self.config.themes.seed)[0]

    def theme_table(self, month: str) -> pd.DataFrame:
        """theme, label, size (hidden below k), pillar, status, keywords: no post text."""
        data, cur = self.month_data(month), self.themes(month)
        prev = data.previous
        if prev is not None:
            prev = apply_curation(prev, self.curation, seed=self.config.themes.seed)[0]
        n_prev = len(data.rows(str(pd.Period(month, "M") - 1)))
        changes = theme_changes(
            prev, cur, prev_total=n_prev or None, cur_total=len(data.rows(month))
        )
        status = dict(zip(changes["theme_id"], changes["status"], strict=True))
        t = cur.themes
        return pd.DataFrame(
            {
                "theme": t["theme_id"].astype(int),
                "label": t["label"],
                "size": t["size"].where(t["size"] >= self.k).astype("Float64"),
                "pillar": t["pillar_name"],
                "status": [status.get(i, "new") for i in t["theme_id"]],
                "keywords": t["keywords"],
            }
        )

    def posts_of(self, month: str, theme: int, n: int = 5) -> pd.DataFrame:
        """The theme's posts (redacted), most representative first: post_id, quotable, text."""
        theme = self.check_theme(month, theme)
        res = self.themes(month)
        row = res.themes.set_index("theme_id").loc[theme]
        members = res.assignments.loc[res.assignments["theme_id"] == theme, "doc_id"].tolist()
        ids = list(dict.fromkeys([*row["representative_ids"], *members]))[:n]
        by = self.posts.drop_duplicates("post_id").set_index("post_id")
        quotable = (
            by["consent_to_quote"] if "consent_to_quote" in by else pd.Series("", index=by.index)
        )
        return pd.DataFrame(
            {
                "post_id": ids,
                "consent": [str(quotable.get(i, "")) for i in ids],
                "text": [by.loc[i, "text"] for i in ids],
            }
        )

    def summary(self, month: str, theme: int) -> str:
        """The theme's summary as the report computes it (from quotable posts only)."""
        from kmsynth.synthesis import theme_summaries, with_consent

        theme = self.check_theme(month, theme)
        data = self.month_data(month)
        cur_posts = with_consent(
            data.posts.iloc[data.rows(month)].reset_index(drop=True), self.config
        )
        sums = theme_summaries(cur_posts, self.themes(month), data.embedder, k=self.k)
        return str(sums.get(theme, ""))

    def search(self, query: str, n: int = 5, month: str | None = None) -> pd.DataFrame:
        """Posts most similar in meaning to `query` (cosine on the embeddings)."""
        from kmsynth.embed.embedders import embedder_from_config

        if self._search is None:
            emb = embedder_from_config(self.config)
            self._search = (emb, emb.encode(self.posts["text"].tolist()))
        emb, vecs = self._search
        q = emb.encode([query])[0]
        months = self.posts["month"].to_numpy()
        idx = np.flatnonzero(np.ones(len(months), bool) if month is None else months == month)
        sims = vecs[idx] @ q
        top = idx[np.argsort(-sims, kind="stable")[:n]]
        return pd.DataFrame(
            {
                "post_id": self.posts["post_id"].iloc[top].to_numpy(),
                "month": months[top],
                "similarity": np.round(vecs[top] @ q, 3),
                "text": self.posts["text"].iloc[top].to_numpy(),
            }
        )

    def compare(self, month_a: str, month_b: str) -> pd.DataFrame:
        """Themes of month_b against month_a: new, growing, shrinking, steady, gone."""
        a, b = self.themes(month_a), self.themes(month_b)
        n = self.posts["month"].value_counts()
        return theme_changes(
            a, b, prev_total=int(n.get(month_a, 0)) or None, cur_total=int(n.get(month_b, 0))
        )

    def html_table(self, df: pd.DataFrame, caption: str | None = None) -> str:
        """Escaped HTML of a workbench table (post text included, escaped)."""
        return h.page_head() + '<div class="km">' + h.table_html(df, caption=caption) + "</div>"

    # -- decisions: each checked against the month's themes, then written to the curation file

    def check_theme(self, month: str | None, theme: Any) -> int:
        """`theme` as an id of one of the month's themes, else an InputError naming them."""
        month = month or self.month
        ids = [int(t) for t in self.themes(month).themes["theme_id"]]
        try:
            t = int(str(theme).strip().lstrip("Tt"))
        except ValueError:
            t = None
        if t is None or t not in ids:
            raise InputError(
                f"there is no theme {str(theme)[:20]!r} in {month}",
                hint="pick one of the month's themes: " + ", ".join(map(str, ids)),
            )
        return t

    def rename(
        self, theme: Any, label: str, *, month: str | None = None, by: str = "", why: str = ""
    ) -> dict[str, Any]:
        """Name a theme (one line, 1-120 characters)."""
        t = self.check_theme(month, theme)
        text = " ".join(str(label).split())
        if not text or len(text) > MAX_LABEL:
            raise InputError(
                f"a theme name needs 1 to {MAX_LABEL} characters (got {len(text)})",
                hint="type a short name, e.g. 'Shelters and safe accommodation'",
            )
        return self.curation.rename(t, text, by=by, why=why)

    def set_pillar(
        self,
        theme: Any,
        pillar: int | str,
        *,
        month: str | None = None,
        by: str = "",
        why: str = "",
    ) -> dict[str, Any]:
        """Put a theme under a pillar, given by id (1-6) or name ('Services')."""
        t = self.check_theme(month, theme)
        try:
            p = parse_pillar(str(pillar))
        except ValueError:
            p = None
        if p is None:
            raise InputError(
                f"{str(pillar)[:40]!r} is not a pillar",
                hint="one of: " + "; ".join(f"{x.id} {x.name}" for x in pillars()),
            )
        return self.curation.set_pillar(t, p, by=by, why=why)

    def merge(
        self, themes: list[Any], into: Any, *, month: str | None = None, by: str = "", why: str = ""
    ) -> dict[str, Any]:
        """Merge `themes` into theme `into` (at least two different themes of the month)."""
        target = self.check_theme(month, into)
        others = sorted({self.check_theme(month, t) for t in themes} - {target})
        if not others:
            raise InputError(
                "a merge needs at least two different themes",
                hint=f"choose other themes to merge into theme {target}",
            )
        return self.curation.merge(others, target, by=by, why=why)

    def split(
        self, theme: Any, k: int = 2, *, month: str | None = None, by: str = "", why: str = ""
    ) -> dict[str, Any]:
        """Split a theme into `k` parts (2-10, each of at least 2 posts)."""
        t = self.check_theme(month, theme)
        size = int(self.themes(month or self.month).themes.set_index("theme_id").loc[t, "size"])
        if not 2 <= int(k) <= 10 or size < 2 * int(k):
            raise InputError(
                f"theme {t} ({size} posts) cannot be split into {k} parts",
                hint=f"split into 2 to {max(2, min(10, size // 2))} parts, each of "
                "at least 2 posts",
            )
        return self.curation.split(t, int(k), by=by, why=why)

    def exclude_quote(
        self, post: str, *, month: str | None = None, by: str = "", why: str = ""
    ) -> dict[str, Any]:
        """Keep a post out of quotes and summaries in everything shared."""
        month = month or self.month
        known = set(self.posts.loc[self.posts["month"] == month, "post_id"].astype(str))
        if str(post) not in known:
            raise InputError(
                f"there is no post {str(post)[:40]!r} in {month}",
                hint="pick a post from the theme's list of posts",
            )
        return self.curation.exclude_quote(str(post), by=by, why=why)

    def undo(self) -> dict[str, Any]:
        """Remove the last decision from the curation file; returns it."""
        if not self.curation.decisions:
            raise InputError("there is no decision to undo", hint="make a decision first")
        last = self.curation.decisions.pop()
        self.curation.save()
        return last


__all__ = ["MAX_LABEL", "MonthData", "Workbench", "default_curation"]
