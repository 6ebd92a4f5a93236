"""A month's themes with stable ids: the one function the report and the workbench both call, so
the id a person sees in the workbench, the report, themes.csv and the curation file is the same.

The month's posts are fitted; the previous month's themes come from the saved state of the
report's last run when there is one, else from a fit of the previous month's posts; the month's
themes then take the previous ids they match (see `match_stable_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kmsynth.config import Config
from kmsynth.embed.embedders import Embedder
from kmsynth.themes.model import fit_themes
from kmsynth.themes.result import ThemeResult
from kmsynth.themes.stable import apply_stable_ids, match_stable_ids
from kmsynth.themes.tables import fairness_notes, language_coverage

MIN_MONTH_POSTS = 20  # fewer posts in a month: no themes


@dataclass
class MonthThemes:
    """The month's themes (uncurated, stable ids) and the previous month's, when there are any.

    notes: sentences for people (e.g. a new id space after a change of model).
    """

    month: str
    current: ThemeResult | None
    previous: ThemeResult | None
    n_current: int
    n_previous: int
    notes: list[str] = field(default_factory=list)


def state_path(state_dir: str | Path, month: str) -> Path:
    """Where a month's uncurated themes are saved (`state_dir/YYYY-MM/themes`)."""
    return Path(state_dir) / month / "themes"


def month_themes(
    posts: pd.DataFrame,
    vectors: np.ndarray,
    month: str,
    config: Config,
    *,
    embedder: Embedder,
    state_dir: str | Path | None = None,
    save: bool = True,
) -> MonthThemes:
    """Fit `month` ('YYYY-MM') of `posts` (prepared, with a `month` column; `vectors` row-aligned)
    and give its themes the previous month's stable ids. With `state_dir`, the previous month's
    saved themes are read and (when `save`) this month's are written for next month's run."""
    prev = str(pd.Period(month, "M") - 1)
    month_col = posts["month"].to_numpy()
    vec_of = dict(zip(posts["post_id"], vectors, strict=True))

    def fit(rows: np.ndarray) -> ThemeResult | None:
        if len(rows) < MIN_MONTH_POSTS:
            return None
        frame = posts.iloc[rows]
        return fit_themes(
            frame["text"].tolist(),
            frame["post_id"].tolist(),
            embedder=embedder,
            embeddings=np.asarray(vectors)[rows],
            seed=config.themes.seed,
            min_theme_size=config.themes.min_theme_size,
            n_themes=config.themes.n_themes,
            languages=frame["language"].tolist() if "language" in frame else None,
            n_representative_docs=config.themes.n_representative_docs,
            cache_dir=config.embedding.cache_dir,
        )

    cur_rows = np.flatnonzero(month_col == month)
    prev_rows = np.flatnonzero(month_col == prev)
    saved = state_path(state_dir, prev) if state_dir else None
    if saved is not None and (saved / "theme_model.json").is_file():
        previous = ThemeResult.load(saved)
    else:
        previous = fit(prev_rows)
    current = fit(cur_rows)
    notes: list[str] = []
    if current is not None and previous is not None:
        # a change of embedding model re-embeds last month's posts or starts a new id space
        match = match_stable_ids(previous, current, previous_vectors=vec_of)
        current = apply_stable_ids(current, match.mapping)
        if match.note:
            notes.append(match.note)
    if current is not None and "language" in posts:  # fairness: a language left out more often
        cover = language_coverage(
            current, posts["language"].iloc[cur_rows].tolist(), k=config.privacy.min_cell
        )
        notes.extend(fairness_notes(cover))
    if current is not None and state_dir and save:  # uncurated: next month meets the same ids
        current.save(state_path(state_dir, month))
    return MonthThemes(month, current, previous, len(cur_rows), len(prev_rows), notes)


__all__ = ["MIN_MONTH_POSTS", "MonthThemes", "month_themes", "state_path"]
