"""Dimension reduction and clustering, with the number of themes chosen by a stated criterion.

Granularity (issue 14): unless the analyst sets the number of themes, it is chosen by *topic
coherence over a range of sizes*. For each candidate number of themes k (a geometric grid from 2
to n / (2 x min_theme_size), at most 60), the reduced embeddings are split by k-means; each
theme's 10 most distinctive words (c-TF-IDF) are scored by NPMI, how much more often they occur
in the same documents of the corpus than by chance (Bouma 2009; the coherence topic-model
papers report), and the chosen k has the highest mean NPMI. Too few themes mix words that never
meet; too many split a theme into slices whose distinctive words are rare. The curve is kept
(`ThemeClusterer.granularity_`) for the manifest.
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

SMALL_CORPUS = 600  # below this, PCA replaces UMAP (UMAP's compile time buys nothing here)
MAX_THEMES = 60  # largest number of themes the automatic choice considers
SELECTION_SAMPLE = 5000  # documents the criterion is computed on (seeded sample)
TOP_WORDS = 10  # words per theme scored for coherence


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


def npmi_coherence(doc_terms: Any, labels: np.ndarray, k: int, top: int = TOP_WORDS) -> float:
    """Mean NPMI of each cluster's `top` c-TF-IDF words, from document co-occurrence in
    `doc_terms` (a documents x words count matrix); -1 for a pair never seen together."""
    import scipy.sparse as sp

    onehot = sp.csr_matrix(
        (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels))
    )
    tf = np.asarray((onehot @ doc_terms).todense(), dtype=np.float64)
    freq = tf.sum(axis=0)
    ctfidf = (
        tf
        / np.maximum(tf.sum(axis=1, keepdims=True), 1)
        * np.log(1 + tf.sum() / k / np.maximum(freq, 1))
    )
    tops = np.argsort(-ctfidf, axis=1, kind="stable")[:, :top]
    vocab, where = np.unique(tops, return_inverse=True)
    binary = (doc_terms[:, vocab] > 0).astype(np.float64)
    p_joint = np.asarray((binary.T @ binary).todense()) / doc_terms.shape[0]
    p = np.diag(p_joint)
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log(p_joint / np.outer(p, p)) / -np.log(p_joint)
    npmi = np.where(p_joint <= 0, -1.0, np.where(p_joint >= 1, 1.0, npmi))
    where = where.reshape(tops.shape)
    upper = np.triu_indices(tops.shape[1], 1)
    return float(np.mean([npmi[np.ix_(w, w)][upper].mean() for w in where]))


def coherence_curve(
    x: np.ndarray, doc_terms: Any, sizes: list[int], *, seed: int
) -> dict[int, float]:
    """k -> mean NPMI of the k-means themes' top words (see `npmi_coherence`)."""
    return {k: npmi_coherence(doc_terms, _kmeans(x, k, seed), k) for k in sizes if k < len(x)}


class ThemeClusterer:
    """k-means with k set by the analyst (`n_clusters`) or chosen by coherence (module doc) on
    `doc_terms`, the documents x words counts of the same documents.

    Clusters smaller than `min_size` become outliers (-1). Deterministic for a given seed.
    Learned: labels_, n_clusters_, granularity_ (criterion, candidates and their coherence).
    """

    def __init__(
        self,
        *,
        min_size: int = 5,
        n_clusters: int | None = None,
        seed: int = 42,
        doc_terms: Any = None,
    ) -> None:
        self.min_size = min_size
        self.n_clusters = n_clusters
        self.seed = seed
        self.doc_terms = doc_terms

    def fit(self, X: np.ndarray, y: Any = None) -> ThemeClusterer:
        from threadpoolctl import threadpool_limits

        # one thread: OpenMP start-up costs more than it saves at these sizes (and on busy
        # machines); the criterion's many small k-means fits dominate
        with threadpool_limits(limits=1):
            return self._fit(_unit(np.asarray(X, dtype=np.float64)))

    def _choose(self, x: np.ndarray) -> int:
        n = len(x)
        if self.doc_terms is None:
            raise ValueError("choosing the number of themes needs doc_terms (or set n_clusters)")
        rng = np.random.default_rng(self.seed)
        sample = (
            np.sort(rng.choice(n, SELECTION_SAMPLE, replace=False))
            if n > SELECTION_SAMPLE
            else np.arange(n)
        )
        curve = coherence_curve(
            x[sample], self.doc_terms[sample], candidate_sizes(n, self.min_size), seed=self.seed
        )
        k = max(curve, key=lambda c: (round(curve[c], 4), -c)) if curve else 1
        self.granularity_ = {
            "criterion": "topic coherence over a range of sizes: the number of k-means themes "
            f"whose top-{TOP_WORDS} c-TF-IDF words have the highest mean NPMI (document "
            "co-occurrence in the corpus)",
            "sample": int(len(sample)),
            "coherence": {str(a): round(b, 4) for a, b in curve.items()},
            "n_themes": int(k),
        }
        return k

    def _fit(self, x: np.ndarray) -> ThemeClusterer:
        n = len(x)
        if self.n_clusters is not None:
            k = int(min(max(1, self.n_clusters), n))
            self.granularity_ = {"criterion": "set by the analyst", "n_themes": k}
        else:
            k = self._choose(x)
        labels = _kmeans(x, k, self.seed) if k > 1 else np.zeros(n, dtype=int)
        sizes = np.bincount(labels, minlength=k)
        keep = [c for c in range(k) if sizes[c] >= self.min_size]
        order = {c: i for i, c in enumerate(keep)}
        self.labels_ = np.array([order.get(int(c), OUTLIER) for c in labels])
        self.n_clusters_ = len(keep)
        return self

    def fit_predict(self, X: np.ndarray, y: Any = None) -> np.ndarray:
        return self.fit(X).labels_
