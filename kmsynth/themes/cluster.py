"""Dimension reduction and clustering, with the number of themes chosen by a stated criterion.

Granularity (issue 14): unless the analyst sets the number of themes, it is chosen by
*stability under resampling*. For each candidate number of themes k (a geometric grid from 2 to
n / (2 x min_theme_size), at most 60), k-means is fitted on pairs of random 80 % subsamples and
the two partitions are compared on the documents they share (adjusted Rand index; 1 = the same
themes whatever the sample, 0 = chance). The chosen k is the largest whose stability is at least
`tolerance` (0.85) times the best of the grid: the finest split the data supports about as well
as any coarser one (2 or 3 themes are nearly always stable, so the best alone would collapse a
corpus). The curve is kept (`StableClusterer.granularity_`) for the manifest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from kmsynth.protect import make_private_dir
from kmsynth.themes.result import OUTLIER

log = logging.getLogger(__name__)

SMALL_CORPUS = 300  # below this, PCA replaces UMAP (UMAP's compile time buys nothing here)
MAX_THEMES = 60  # largest number of themes the automatic choice considers
SELECTION_SAMPLE = 3000  # documents the stability criterion is computed on (seeded sample)


def default_min_theme_size(n_docs: int) -> int:
    """Minimum theme size for a corpus of n_docs: 5 for 50 texts, ~19 for 1,500, ~158 for 100k."""
    return int(max(5, round(0.5 * np.sqrt(max(n_docs, 1)))))


def make_reducer(method: str, n: int, dim: int, seed: int) -> tuple[Any, str]:
    """A dimension reducer: "pca" (48 components), "umap" (5), or "auto" (PCA below
    SMALL_CORPUS documents). Returns (reducer, name)."""
    if method == "auto":
        method = "pca" if n < SMALL_CORPUS else "umap"
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=max(1, min(48, n - 2, dim)), random_state=seed), "pca"
    from umap import UMAP

    return UMAP(
        n_neighbors=15,
        n_components=5,
        min_dist=0.0,
        metric="cosine",
        random_state=seed,
        low_memory=n > 50_000,
        n_jobs=1,
    ), "umap"


def reduce_embeddings(
    reducer: Any, name: str, embeddings: np.ndarray, cache: str | Path | None = None
) -> np.ndarray:
    """Reduce dimensions; UMAP output is cached under `cache`/umap by (input hash, params)."""
    if name != "umap" or cache is None:
        return np.asarray(reducer.fit_transform(embeddings), dtype=np.float32)
    params = json.dumps(reducer.get_params(), sort_keys=True, default=str).encode()
    key = hashlib.sha256(embeddings.tobytes() + params).hexdigest()[:32]
    path = Path(cache) / "umap" / f"{key}.npy"
    if path.is_file():
        try:
            return np.load(path)
        except (OSError, ValueError):
            log.warning("reduced-embedding cache %s unreadable; recomputing", path.name)
    out = np.asarray(reducer.fit_transform(embeddings), dtype=np.float32)
    make_private_dir(path.parent)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, out)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return out


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _kmeans(x: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(x)


def candidate_sizes(n: int, min_size: int, max_themes: int = MAX_THEMES) -> list[int]:
    """The grid of numbers of themes tried: geometric from 2 to min(max_themes,
    n / (2 x min_size)), so an average theme holds at least twice the minimum."""
    hi = int(max(2, min(max_themes, n // (2 * max(min_size, 2)))))
    return sorted({int(round(v)) for v in np.geomspace(2, hi, num=min(hi - 1, 14))} | {hi})


def stability_curve(
    x: np.ndarray, sizes: list[int], *, seed: int, pairs: int = 3, frac: float = 0.8
) -> dict[int, float]:
    """k -> mean adjusted Rand index between k-means partitions of paired 80 % subsamples,
    compared on the documents both subsamples hold."""
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed)
    n = len(x)
    draws = [(rng.random(n) < frac, rng.random(n) < frac) for _ in range(pairs)]
    curve = {}
    for k in sizes:
        scores = []
        for p, (a, b) in enumerate(draws):
            both = a & b
            if k >= min(a.sum(), b.sum()) or both.sum() < 2 * k:
                continue
            la, lb = np.full(n, -1), np.full(n, -1)
            la[a] = _kmeans(x[a], k, seed + p)
            lb[b] = _kmeans(x[b], k, seed + 100 + p)
            scores.append(adjusted_rand_score(la[both], lb[both]))
        if scores:
            curve[k] = float(np.mean(scores))
    return curve


def choose_size(curve: dict[int, float], tolerance: float = 0.85) -> int:
    """The largest k whose stability is at least `tolerance` x the best stability of the grid."""
    if not curve:
        return 2
    best = max(curve.values())
    return max(k for k, v in curve.items() if v >= tolerance * best)


class StableClusterer:
    """k-means with k set by the analyst (`n_clusters`) or chosen by stability (module doc).

    Clusters smaller than `min_size` become outliers (-1). Deterministic for a given seed.
    Learned: labels_, n_clusters_, granularity_ (criterion, candidates and their stability).
    """

    def __init__(
        self,
        *,
        min_size: int = 5,
        n_clusters: int | None = None,
        seed: int = 42,
        tolerance: float = 0.85,
    ) -> None:
        self.min_size = min_size
        self.n_clusters = n_clusters
        self.seed = seed
        self.tolerance = tolerance

    def fit(self, X: np.ndarray, y: Any = None) -> StableClusterer:
        from threadpoolctl import threadpool_limits

        # one thread: OpenMP start-up costs more than it saves at these sizes (and on busy
        # machines); the many small k-means fits of the criterion dominate
        with threadpool_limits(limits=1):
            return self._fit(np.asarray(X, dtype=np.float64))

    def _fit(self, X: np.ndarray) -> StableClusterer:
        x = _unit(X)
        n = len(x)
        if self.n_clusters is not None:
            k = int(min(max(1, self.n_clusters), n))
            self.granularity_ = {"criterion": "set by the analyst", "n_themes": k}
        else:
            rng = np.random.default_rng(self.seed)
            sample = (
                np.sort(rng.choice(n, SELECTION_SAMPLE, replace=False))
                if n > SELECTION_SAMPLE
                else np.arange(n)
            )
            sizes = candidate_sizes(n, self.min_size)
            curve = stability_curve(x[sample], sizes, seed=self.seed)
            k = choose_size(curve, self.tolerance)
            self.granularity_ = {
                "criterion": "stability under resampling: the largest number of themes whose "
                "k-means partitions of paired 80% subsamples agree (mean ARI) at least "
                f"{self.tolerance} x as well as the most stable number on the grid",
                "sample": int(len(sample)),
                "stability": {str(a): round(b, 3) for a, b in curve.items()},
                "n_themes": int(k),
            }
        labels = _kmeans(x, k, self.seed) if k > 1 else np.zeros(n, dtype=int)
        sizes = np.bincount(labels, minlength=k)
        keep = [c for c in range(k) if sizes[c] >= self.min_size]
        order = {c: i for i, c in enumerate(keep)}
        self.labels_ = np.array([order.get(int(c), OUTLIER) for c in labels])
        self.n_clusters_ = len(keep)
        return self

    def fit_predict(self, X: np.ndarray, y: Any = None) -> np.ndarray:
        return self.fit(X).labels_
