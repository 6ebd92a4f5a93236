"""Small-cell suppression of published breakdowns: groups below k hidden, plus secondary
suppression so a hidden cell cannot be recovered from row or column totals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmsynth.config import MIN_CELL_FLOOR

__all__ = ["check_k", "suppress_small_cells", "mask_like"]


def check_k(k: int) -> int:
    """Return `k` as an int, or raise ValueError when it is below the floor of 5 (the one check
    every function given a k uses; the config's model refuses such a k before any run)."""
    if isinstance(k, bool) or int(k) != k or int(k) < MIN_CELL_FLOOR:
        raise ValueError(f"k must be at least {MIN_CELL_FLOOR}, got {k}")
    return int(k)


def suppress_small_cells(
    table: pd.DataFrame | pd.Series, k: int = MIN_CELL_FLOOR, *, secondary: bool = True
) -> pd.DataFrame | pd.Series:
    """Blank counts from 1 to k-1 (zeros stay), then add secondary suppression.

    Secondary suppression hides, in any row or column with exactly one hidden cell, the next
    smallest visible cell, so a hidden value cannot be recovered from row or column totals.
    Returns the same shape with hidden cells as <NA> (nullable integers). `k` is at least 5.
    """
    k = check_k(k)
    is_series = isinstance(table, pd.Series)
    frame = table.to_frame() if is_series else table
    values = frame.to_numpy(dtype=float)
    hidden = (values > 0) & (values < k)
    if secondary:
        hidden = _secondary(values, hidden, axes=(0,) if is_series else (0, 1))
    out = frame.astype("Int64").mask(hidden)
    return out.iloc[:, 0] if is_series else out


def _secondary(values: np.ndarray, hidden: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for axis in axes:
            lines = hidden.shape[1 - axis] if values.ndim == 2 else 1
            for j in range(lines):
                sl = (slice(None), j) if axis == 0 else (j, slice(None))
                h = hidden[sl]
                if h.sum() != 1 or h.size < 2:
                    continue
                v = values[sl]
                cand = np.where(~h)[0]
                # prefer the smallest non-zero visible cell; a zero only if nothing else is left
                nonzero = cand[v[cand] > 0]
                pool = nonzero if len(nonzero) else cand
                pick = pool[np.argmin(v[pool])]
                if axis == 0:
                    hidden[pick, j] = True
                else:
                    hidden[j, pick] = True
                changed = True
    return hidden


def mask_like(
    derived: pd.DataFrame | pd.Series, suppressed_counts: pd.DataFrame | pd.Series
) -> pd.DataFrame | pd.Series:
    """Hide the cells of a derived table (shares, means) where the counts were hidden."""
    return derived.mask(suppressed_counts.isna())
