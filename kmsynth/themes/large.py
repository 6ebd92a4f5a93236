"""Scale-out on Dask (dask.distributed) for hubs that outgrow one process.

- reading, redaction and languages on the workers: `kmsynth.ingest.prepare(..., client=...)`.
- `embed_distributed`: texts are embedded on the workers partition by partition; each worker
  reads and writes the same disk cache (shards have unique names, so workers never clash).
- `fit_themes_large`: for a corpus too large for one fit, themes are fitted on a seeded sample
  (stratified by month or language when given) and every other text is assigned to the
  nearest theme centroid. `benchmarks/bench_scale.py` measures what this costs against a full
  fit.

`kmsynth.ingest.client_for("local")` starts a LocalCluster (one worker per core, one thread
each); any other value is a scheduler address ("tcp://host:8786").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kmsynth.embed import Embedder

log = logging.getLogger(__name__)


def _embed_part(texts: list[str], embedder: Embedder) -> np.ndarray:
    return embedder.encode(texts)


def embed_distributed(
    texts: Sequence[str], embedder: Embedder, client, *, partition_size: int = 5000
) -> np.ndarray:
    """Embed on the workers, partition by partition; the embedder (with its disk cache) is
    shipped to each worker, so cached texts are read, not recomputed."""
    texts = [str(t) for t in texts]
    if not texts:
        return embedder.encode([])
    chunks = [texts[i : i + partition_size] for i in range(0, len(texts), partition_size)]
    from functools import partial

    futures = client.map(partial(_embed_part, embedder=embedder), chunks, pure=False)
    return np.vstack(client.gather(futures)).astype(np.float32)


def seeded_sample(n: int, size: int, strata: Sequence[str] | None, seed: int) -> np.ndarray:
    """Sorted indices of a seeded sample of `size` of n items, proportional to each stratum."""
    rng = np.random.default_rng(seed)
    if strata is None:
        return np.sort(rng.choice(n, size=size, replace=False))
    s = pd.Series(list(strata))
    pick = []
    for _, idx in s.groupby(s).groups.items():
        take = max(1, int(round(len(idx) * size / n)))
        pick.extend(rng.choice(np.asarray(idx), size=min(take, len(idx)), replace=False))
    return np.sort(np.asarray(pick))


def fit_themes_large(
    texts: Sequence[str],
    ids: Sequence[str] | None = None,
    *,
    embeddings: np.ndarray,
    embedder: Embedder | None = None,
    sample_size: int = 50_000,
    strata: Sequence[str] | None = None,
    seed: int = 42,
    **kw,
):
    """Themes for any corpus size: a full fit up to `sample_size` texts; above it, fit on a
    seeded sample (proportional to each stratum) and assign the rest to the nearest centroid."""
    from kmsynth.themes.model import fit_themes
    from kmsynth.themes.result import OUTLIER, ThemeResult

    n = len(texts)
    ids = [str(i) for i in (ids if ids is not None else range(1, n + 1))]
    if n <= sample_size:
        return fit_themes(
            list(texts), ids, embedder=embedder, embeddings=embeddings, seed=seed, **kw
        )
    sample = seeded_sample(n, sample_size, strata, seed)
    res = fit_themes(
        [texts[i] for i in sample],
        [ids[i] for i in sample],
        embedder=embedder,
        embeddings=embeddings[sample],
        seed=seed,
        **kw,
    )
    theme, sim = res.transform(embeddings)
    in_sample = dict(
        zip(
            res.assignments["doc_id"],
            zip(res.assignments["theme_id"], res.assignments["probability"], strict=True),
            strict=True,
        )
    )
    tid = np.array(
        [in_sample[i][0] if i in in_sample else t for i, t in zip(ids, theme, strict=True)]
    )
    prob = np.array(
        [
            in_sample[i][1] if i in in_sample else max(0.0, float(p))
            for i, p in zip(ids, sim, strict=True)
        ]
    )
    assignments = pd.DataFrame({"doc_id": ids, "theme_id": tid, "probability": np.round(prob, 4)})
    themes = res.themes.copy()
    themes["size"] = themes["theme_id"].map(pd.Series(tid).value_counts()).fillna(0).astype(int)
    return ThemeResult(
        themes=themes.sort_values("size", ascending=False).reset_index(drop=True),
        assignments=assignments,
        embeddings=embeddings,
        centroids=res.centroids,
        outlier_share=res.outlier_share,
        outlier_share_final=float((tid == OUTLIER).mean()),
        params=res.params | {"strategy": "sample+assign", "sample_size": sample_size, "n_docs": n},
        timings=res.timings,
        embedder_id=res.embedder_id,
    )
