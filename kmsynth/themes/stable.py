"""Stable theme ids across monthly runs: match this run's themes to the previous run's.

Centroids can only be compared in one embedding space. When the previous run used another
model (another embedder id, or a tfidf space with another vocabulary or dimension), the
previous themes' centroids are recomputed in this run's space from their documents when the
caller can embed them; otherwise this run starts a new id space (fresh ids, never reusing an
old one), and `IdMatch.note` says so in words a report can print.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kmsynth.themes.result import OUTLIER, ThemeResult

log = logging.getLogger(__name__)

SAME_SPACE, RECOMPUTED, NEW_SPACE = "same model", "recomputed", "new id space"


@dataclass(frozen=True)
class IdMatch:
    """Stable ids of this run's themes and how they were found.

    mapping: this run's theme id -> stable id. space: "same model", "recomputed" (the previous
    themes re-embedded with this run's model) or "new id space". note: "" or a sentence to show.
    """

    mapping: dict[int, int]
    space: str
    note: str = ""


def _hungarian(
    cur: dict[int, np.ndarray], prev: dict[int, np.ndarray], threshold: float
) -> dict[int, int]:
    from scipy.optimize import linear_sum_assignment

    cur_ids, prev_ids = sorted(cur), sorted(prev)
    mapping: dict[int, int] = {}
    if cur_ids and prev_ids:
        sim = np.vstack([cur[c] for c in cur_ids]) @ np.vstack([prev[p] for p in prev_ids]).T
        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols, strict=True):
            if sim[r, c] >= threshold:
                mapping[cur_ids[r]] = prev_ids[c]
    return _fresh_ids(cur_ids, prev_ids, mapping)


def _fresh_ids(cur_ids: list[int], prev_ids: list[int], mapping: dict[int, int]) -> dict[int, int]:
    nxt = (max(prev_ids) + 1) if prev_ids else 0
    for c in cur_ids:
        if c not in mapping:
            mapping[c] = nxt
            nxt += 1
    return mapping


def same_space(previous: ThemeResult | Mapping[int, np.ndarray], current: ThemeResult) -> bool:
    """Whether the previous centroids live in the current run's embedding space (same model id
    when both are known, and the same dimension)."""
    prev = previous.centroids if isinstance(previous, ThemeResult) else previous
    dims = {int(v.shape[-1]) for v in prev.values()} | {current.dim} if prev else set()
    if len(dims - {0}) > 1:
        return False
    if isinstance(previous, ThemeResult) and previous.embedder_id and current.embedder_id:
        return previous.embedder_id == current.embedder_id
    return True


def recompute_centroids(
    previous: ThemeResult, vectors: Mapping[str, np.ndarray]
) -> dict[int, np.ndarray]:
    """The previous themes' centroids in another space: mean of their documents' `vectors`
    (doc id -> vector of this run's model); themes none of whose documents has a vector drop."""
    members: dict[int, list[np.ndarray]] = {}
    for doc, theme in zip(
        previous.assignments["doc_id"], previous.assignments["theme_id"], strict=True
    ):
        v = vectors.get(str(doc))
        if int(theme) != OUTLIER and v is not None:
            members.setdefault(int(theme), []).append(np.asarray(v, np.float32))
    out = {}
    for t, vs in members.items():
        m = np.mean(vs, axis=0)
        out[t] = (m / (np.linalg.norm(m) or 1.0)).astype(np.float32)
    return out


def match_stable_ids(
    previous: ThemeResult | Mapping[int, np.ndarray],
    current: ThemeResult,
    *,
    threshold: float = 0.7,
    previous_vectors: Mapping[str, np.ndarray] | None = None,
) -> IdMatch:
    """Stable ids for `current`, checking first that both runs share one embedding space.

    Matching is one-to-one (Hungarian assignment on centroid cosine); a pair below `threshold`
    does not match and an unmatched theme gets a fresh id above all previous ones.
    `previous_vectors` (doc id -> vector in this run's space) lets a change of model recompute
    the previous centroids instead of starting a new id space.
    """
    prev = previous.centroids if isinstance(previous, ThemeResult) else dict(previous)
    if same_space(previous, current):
        return IdMatch(_hungarian(current.centroids, prev, threshold), SAME_SPACE)
    old = getattr(previous, "embedder_id", "") or f"{len(next(iter(prev.values())))}-d vectors"
    new = current.embedder_id or f"{current.dim}-d vectors"
    if isinstance(previous, ThemeResult) and previous_vectors:
        again = recompute_centroids(previous, previous_vectors)
        if again:
            mapping = _hungarian(current.centroids, again, threshold)
            mapping = _fresh_ids(
                sorted(current.centroids),
                sorted(prev),
                {c: s for c, s in mapping.items() if s in again},
            )
            return IdMatch(
                mapping,
                RECOMPUTED,
                (
                    f"The embedding model changed since the previous run ({old} -> {new}): the "
                    f"previous themes were re-embedded with the new model to keep their ids."
                ),
            )
    log.warning("embedding model changed (%s -> %s): theme ids start a new id space", old, new)
    mapping = _fresh_ids(sorted(current.centroids), sorted(prev), {})
    return IdMatch(
        mapping,
        NEW_SPACE,
        (
            f"The embedding model changed since the previous run ({old} -> {new}): themes could "
            "not be matched to earlier months, so they start a new id space (new ids; earlier "
            "curation decisions do not carry over)."
        ),
    )


def match_themes(
    previous: ThemeResult | Mapping[int, np.ndarray], current: ThemeResult, threshold: float = 0.7
) -> dict[int, int]:
    """This run's theme id -> stable id (see `match_stable_ids`, which also says how)."""
    return match_stable_ids(previous, current, threshold=threshold).mapping


def apply_stable_ids(result: ThemeResult, mapping: dict[int, int]) -> ThemeResult:
    """A copy of `result` with theme ids replaced by stable ids (outliers stay -1)."""
    themes = result.themes.copy()
    themes["theme_id"] = themes["theme_id"].map(mapping)
    assignments = result.assignments.copy()
    assignments["theme_id"] = assignments["theme_id"].map(lambda t: mapping.get(int(t), OUTLIER))
    cents = {mapping[k]: v for k, v in result.centroids.items()}
    return ThemeResult(
        themes=themes,
        assignments=assignments,
        embeddings=result.embeddings,
        centroids=cents,
        outlier_share=result.outlier_share,
        outlier_share_final=result.outlier_share_final,
        params=result.params,
        timings=result.timings,
        embedder_id=result.embedder_id,
    )


def theme_changes(
    previous: ThemeResult | None,
    current: ThemeResult,
    *,
    prev_total: int | None = None,
    cur_total: int | None = None,
    change: float = 0.25,
) -> pd.DataFrame:
    """Status of every theme against the previous run (ids must already be stable).

    A theme is new (no previous match), gone (no current match), growing or shrinking when its
    share of documents changed by more than `change` (relative), otherwise steady.
    """
    cur = current.themes.set_index("theme_id")
    cur_total = cur_total or int(current.assignments.shape[0]) or 1
    rows = []
    prev = previous.themes.set_index("theme_id") if previous is not None else None
    if previous is not None:
        prev_total = prev_total or int(previous.assignments.shape[0]) or 1
    for tid, r in cur.iterrows():
        status, psize = "new", np.nan
        if prev is not None and tid in prev.index:
            psize = int(prev.loc[tid, "size"])
            a, b = psize / prev_total, int(r["size"]) / cur_total
            status = (
                "growing"
                if b > a * (1 + change)
                else "shrinking"
                if b < a * (1 - change)
                else "steady"
            )
        rows.append(
            {
                "theme_id": tid,
                "label": r["label"],
                "size": int(r["size"]),
                "previous_size": psize,
                "status": status,
            }
        )
    for tid, r in prev.iterrows() if prev is not None else ():
        if tid not in cur.index:
            rows.append(
                {
                    "theme_id": tid,
                    "label": r["label"],
                    "size": 0,
                    "previous_size": int(r["size"]),
                    "status": "gone",
                }
            )
    return pd.DataFrame(rows)
