"""Vectors made unit length: the one way kmsynth normalises embeddings and centroids."""

from __future__ import annotations

from typing import Any

import numpy as np


def unit_rows(x: Any, dtype: Any = np.float32) -> np.ndarray:
    """`x` (n, d) with every row scaled to length 1, or a single (d,) vector scaled so; a zero
    row stays zero. Computed in `dtype` (float32 by default, as embeddings are)."""
    x = np.asarray(x, dtype=dtype)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0).astype(dtype)


__all__ = ["unit_rows"]
