"""Themes at any size: fit on a seeded sample, assign the rest by centroid; Dask when asked.

- `fit_themes_large`: up to `SAMPLE_SIZE` texts, one full fit. Above it, themes are fitted on a
  seeded sample (proportional to each stratum, e.g. language or month) and every other text is
  assigned to the nearest theme centroid (cosine on the original embeddings, the same rule and
  threshold as the fit's outlier reassignment). Reduction (UMAP) and clustering then cost the
  same at 100k or 10M texts; only embedding and the assignment (a blocked matrix product) grow
  with the corpus. The same call runs in-process and with a Dask client.
- `embed_distributed`: texts embedded on the workers partition by partition; each worker reads
  and writes the same disk cache (shards have unique names, so workers never clash).
- reading, redaction and languages run on the workers too: `kmsynth.ingest.prepare(client=...)`.

Why 20,000 (benchmarks/bench_scale.py quality, all 18,812 non-empty 20 Newsgroups posts,
static embedder): against a full fit (NMI 0.434 vs the groups), a 10,000 sample + assignment
gives 0.372 and a 5,000 sample 0.321, mostly because fewer themes are chosen on a smaller
sample; so a corpus of 20NG's size gets a full fit, while a 20,000 sample keeps the fit to
~1 min of UMAP at any corpus size (figures in docs/scaling.md).
`kmsynth.ingest.client_for("local")` starts a LocalCluster; any other value is a scheduler
address ("tcp://host:8786").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.embed import Embedder

log = logging.getLogger(__name__)

SAMPLE_SIZE = 20_000  # texts a theme fit sees; above it: sample and assign (module doc)
ASSIGN_BLOCK = 65_536  # rows per block of the centroid assignment (bounds its memory)


def _embed_part(texts: list[str], embedder: Embedder) -> np.ndarray:
    return embedder.encode(texts)


def embed_distributed(
    texts: Sequence[str], embedder: Embedder, client: Any, *, partition_size: int = 5000
) -> np.ndarray:
    """Embed on the workers, partition by partition: (n, dim) float32. The embedder (with its
    disk cache) is shipped to each worker, so cached texts are read, not recomputed."""
    texts = [str(t) for t in texts]
    if not texts:
        return embedder.encode([])
    chunks = [texts[i : i + partition_size] for i in range(0, len(texts), partition_size)]
    futures = client.map(partial(_embed_part, embedder=embedder), chunks, pure=False)
    return np.vstack(client.gather(futures)).astype(np.float32)


def seeded_sample(n: int, size: int, strata: Sequence[str] | None, seed: int) -> np.ndarray:
    """Sorted indices of a seeded sample of `size` of n items, proportional to each stratum
    (every stratum keeps at least one item)."""
    rng = np.random.default_rng(seed)
    if strata is None:
        return np.sort(rng.choice(n, size=size, replace=False))
    codes = np.unique(np.asarray([str(s) for s in strata]), return_inverse=True)[1]
    counts = np.bincount(codes)
    pick = []
    for c in range(len(counts)):
        idx = np.flatnonzero(codes == c)
        take = min(len(idx), max(1, int(round(len(idx) * size / n))))
        pick.append(rng.choice(idx, size=take, replace=False))
    return np.sort(np.concatenate(pick))


def assign_to_centroids(
    embeddings: np.ndarray, centroids: dict[int, np.ndarray], threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """(theme_ids, similarity) of each row: the nearest centroid (cosine), -1 below
    `threshold`; computed in blocks of ASSIGN_BLOCK rows."""
    from kmsynth.themes.result import OUTLIER

    n = len(embeddings)
    tid, sim = np.full(n, OUTLIER, dtype=np.int64), np.zeros(n, dtype=np.float32)
    if not centroids or n == 0:
        return tid, sim
    ids = np.array(sorted(centroids))
    c = np.vstack([centroids[i] for i in ids]).astype(np.float32).T
    for a in range(0, n, ASSIGN_BLOCK):
        s = np.asarray(embeddings[a : a + ASSIGN_BLOCK], dtype=np.float32) @ c
        best = s.argmax(axis=1)
        score = s[np.arange(len(best)), best]
        tid[a : a + ASSIGN_BLOCK] = np.where(score >= threshold, ids[best], OUTLIER)
        sim[a : a + ASSIGN_BLOCK] = score
    return tid, sim


def fit_themes_large(
    texts: Sequence[str],
    ids: Sequence[str] | None = None,
    *,
    embeddings: np.ndarray | None = None,
    embedder: Embedder | None = None,
    client: Any = None,
    sample_size: int | None = None,
    strata: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    seed: int = 42,
    show_progress: bool = False,
    **kw: Any,
) -> Any:
    """Themes for any corpus size (a ThemeResult): a full fit up to `sample_size` texts, else a
    fit on a seeded sample (per stratum; `strata` defaults to `languages`) and every other text
    assigned to the nearest centroid. Embeds with `embedder` (on `client`'s workers when given)
    unless `embeddings` are passed. `sample_size` None: SAMPLE_SIZE."""
    from kmsynth.themes.model import fit_themes

    n = len(texts)
    sample_size = SAMPLE_SIZE if sample_size is None else int(sample_size)
    ids = [str(i) for i in (ids if ids is not None else range(1, n + 1))]
    if embeddings is None:
        if embedder is None:
            raise ValueError("fit_themes_large needs embeddings or an embedder")
        embeddings = (
            embed_distributed(texts, embedder, client)
            if client is not None
            else embedder.encode(list(texts), show_progress=show_progress)
        )
    embeddings = np.asarray(embeddings, dtype=np.float32)
    common = dict(embedder=embedder, seed=seed, show_progress=show_progress, **kw)
    if n <= sample_size:
        return fit_themes(list(texts), ids, embeddings=embeddings, languages=languages, **common)
    sample = seeded_sample(n, sample_size, strata if strata is not None else languages, seed)
    res = fit_themes(
        [texts[i] for i in sample],
        [ids[i] for i in sample],
        embeddings=embeddings[sample],
        languages=None if languages is None else [languages[i] for i in sample],
        **common,
    )
    return _assigned(res, ids, embeddings, sample, sample_size)


def _assigned(
    res: Any, ids: list[str], embeddings: np.ndarray, sample: np.ndarray, sample_size: int
) -> Any:
    """The sample's ThemeResult extended to every text: the sample keeps its fit, the rest go
    to the nearest centroid at the fit's outlier threshold; sizes counted over all texts."""
    from kmsynth.themes.result import OUTLIER, ThemeResult

    thr = float(res.params.get("outlier_threshold", 0.3))
    tid, sim = assign_to_centroids(embeddings, res.centroids, thr)
    prob = np.clip(sim, 0.0, 1.0).astype(np.float64)
    tid[sample] = res.assignments["theme_id"].to_numpy()
    prob[sample] = res.assignments["probability"].to_numpy()
    assignments = pd.DataFrame({"doc_id": ids, "theme_id": tid, "probability": np.round(prob, 4)})
    themes = res.themes.copy()
    sizes = pd.Series(tid[tid != OUTLIER]).value_counts()
    themes["size"] = themes["theme_id"].map(sizes).fillna(0).astype(int)
    return ThemeResult(
        themes=themes.sort_values("size", ascending=False, kind="stable").reset_index(drop=True),
        assignments=assignments,
        embeddings=embeddings,
        centroids=res.centroids,
        outlier_share=res.outlier_share,
        outlier_share_final=float((tid == OUTLIER).mean()),
        params=res.params
        | {"strategy": "sample+assign", "sample_size": sample_size, "n_docs": len(ids)},
        timings=res.timings,
        embedder_id=res.embedder_id,
    )
