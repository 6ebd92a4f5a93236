"""Scale-out on Dask (dask.distributed) for hubs that outgrow one process.

- `prepare_distributed`: reading and validation run once (duplicates and the ledger need the
  whole table), then redaction, pseudonyms and language detection run on the workers
  partition by partition. The block-list holds every author of the whole table, so a name is
  redacted whichever partition it lands in.
- `embed_distributed`: texts are embedded on the workers partition by partition; each worker
  reads and writes the same disk cache (shards have unique names, so workers never clash).
- `fit_themes_large`: for a corpus too large for one fit, themes are fitted on a seeded sample
  (stratified by month or language when given) and every other text is assigned to the
  nearest theme centroid. `benchmarks/bench_scale.py` measures what this costs against a full
  fit.

`client_for("local")` starts a LocalCluster (one worker per core, one thread each);
any other value is a scheduler address ("tcp://host:8786").
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def client_for(address: str | None, n_workers: int = 2):
    """A dask.distributed Client: a LocalCluster for "local", else the scheduler at `address`."""
    from dask.distributed import Client, LocalCluster

    for name in ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if address in (None, "", "local"):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster)
    return Client(address)


def _protect_part(part: pd.DataFrame, free_text: list[str], secret: bytes, names: list[str],
                  places: list[str], quotable_sources, text_col: str | None) -> tuple[pd.DataFrame, dict]:
    from kmsynth.protect.languages import fill_languages
    from kmsynth.protect.privacy import protect_table

    prot = protect_table(part, free_text, key=secret, block_names=names, places=places,
                         quotable_sources=quotable_sources)
    table = prot.table
    if text_col:
        table = fill_languages(table, text_col)
    return table, prot.redactions


def prepare_distributed(kind: str, path, config, client, *, mapping=None, id_col=None, text_col=None,
                        npartitions: int | None = None):
    """Like `prepare.prepare`, with the per-row work spread over the Dask workers."""
    from kmsynth.ingest.prepare import Prepared
    from kmsynth.ingest.read import load_mapping, load_table
    from kmsynth.ingest.schemas import SPECS
    from kmsynth.protect.privacy import pseudonym_key

    mapping = mapping if mapping is not None else config.data.mapping
    if isinstance(mapping, (str, Path)):
        mapping = load_mapping(Path(mapping), kind)
    loaded = load_table(kind, path, mapping=mapping, id_col=id_col, text_col=text_col,
                        max_text_chars=config.limits.max_text_chars, max_file_mb=config.limits.max_file_mb,
                        max_rows=config.limits.max_rows)
    spec = SPECS[kind]
    free_text = list(spec.free_text) + list(loaded.mapping.open_ended)
    key = pseudonym_key(config.privacy.key_env, config.privacy.key_file, config.embedding.cache_dir)
    names = list(config.privacy.block_list)
    if "author" in loaded.table.columns:
        names += [a for a in loaded.table["author"].astype(str).unique() if a.strip()]
    n = npartitions or max(1, len(client.scheduler_info()["workers"]) * 2)
    bounds = np.linspace(0, len(loaded.table), n + 1).astype(int)
    parts = [loaded.table.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a] or [loaded.table]
    from functools import partial

    # bound into one function, not passed as map() keyword arguments: dask turns large keyword
    # arguments into shared graph keys, which break when several maps run
    work = partial(_protect_part, free_text=free_text, secret=key, names=names,
                   places=list(config.privacy.places), quotable_sources=config.privacy.quotable_sources,
                   text_col=spec.text_col)
    futures = client.map(work, parts, pure=False)
    results = client.gather(futures)
    table = pd.concat([r[0] for r in results])
    redactions: dict[str, int] = {}
    for _, r in results:
        for k, v in r.items():
            redactions[k] = redactions.get(k, 0) + v
    return Prepared(kind, table, loaded.ledger, loaded.problems, loaded.sources, loaded.mapping, redactions)


def _embed_part(texts: list[str], embedder) -> np.ndarray:
    return embedder.encode(texts)


def embed_distributed(texts: Sequence[str], embedder, client, *, partition_size: int = 5000) -> np.ndarray:
    """Embed on the workers, partition by partition; the embedder (with its disk cache) is
    shipped to each worker, so cached texts are read, not recomputed."""
    texts = [str(t) for t in texts]
    if not texts:
        return embedder.encode([])
    chunks = [texts[i:i + partition_size] for i in range(0, len(texts), partition_size)]
    from functools import partial

    futures = client.map(partial(_embed_part, embedder=embedder), chunks, pure=False)
    return np.vstack(client.gather(futures)).astype(np.float32)


def fit_themes_large(texts: Sequence[str], ids: Sequence[str] | None = None, *, embeddings: np.ndarray,
                     embedder=None, sample_size: int = 50_000, strata: Sequence[str] | None = None,
                     seed: int = 42, **kw):
    """Themes for any corpus size: a full fit up to `sample_size` texts; above it, fit on a
    seeded sample (proportional to each stratum) and assign the rest to the nearest centroid."""
    from kmsynth.themes.model import OUTLIER, ThemeResult, fit_themes

    n = len(texts)
    ids = [str(i) for i in (ids if ids is not None else range(1, n + 1))]
    if n <= sample_size:
        return fit_themes(list(texts), ids, embedder=embedder, embeddings=embeddings, seed=seed, **kw)
    rng = np.random.default_rng(seed)
    if strata is not None:
        s = pd.Series(list(strata))
        pick = []
        for _, idx in s.groupby(s).groups.items():
            take = max(1, int(round(len(idx) * sample_size / n)))
            pick.extend(rng.choice(np.asarray(idx), size=min(take, len(idx)), replace=False))
        sample = np.sort(np.asarray(pick))
    else:
        sample = np.sort(rng.choice(n, size=sample_size, replace=False))
    res = fit_themes([texts[i] for i in sample], [ids[i] for i in sample], embedder=embedder,
                     embeddings=embeddings[sample], seed=seed, **kw)
    theme, sim = res.transform(embeddings)
    in_sample = dict(zip(res.assignments["doc_id"], zip(res.assignments["theme_id"], res.assignments["probability"])))
    tid = np.array([in_sample[i][0] if i in in_sample else t for i, t in zip(ids, theme)])
    prob = np.array([in_sample[i][1] if i in in_sample else max(0.0, float(p)) for i, p in zip(ids, sim)])
    assignments = pd.DataFrame({"doc_id": ids, "theme_id": tid, "probability": np.round(prob, 4)})
    themes = res.themes.copy()
    themes["size"] = themes["theme_id"].map(pd.Series(tid).value_counts()).fillna(0).astype(int)
    return ThemeResult(themes=themes.sort_values("size", ascending=False).reset_index(drop=True),
                       assignments=assignments, embeddings=embeddings, centroids=res.centroids,
                       outlier_share=res.outlier_share, outlier_share_final=float((tid == OUTLIER).mean()),
                       params=res.params | {"strategy": "sample+assign", "sample_size": sample_size, "n_docs": n},
                       timings=res.timings, embedder_id=res.embedder_id)
