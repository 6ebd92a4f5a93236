"""Granularity and names: how many themes, how close to human labels, and names that point home.

    python benchmarks/bench_granularity.py [--per-group 100] [--fft 2000]

Data (../shared/datasets, skipped when absent): 20 Newsgroups, a stratified subsample of
`--per-group` posts from each of the 20 groups (seed 0, empty posts dropped); FFT patient
feedback (9 human codes), a seeded random subsample of `--fft` answers. Both embedded with
minilm (cached on disk).

For each: kmsynth's `fit_themes` with its defaults (number of themes chosen by topic
coherence over a range of sizes) against vanilla BERTopic's clustering on the same embeddings
and the same UMAP reduction (BERTopic's default UMAP settings, seeded; then its default HDBSCAN,
min_cluster_size=10): number of themes, outlier share, NMI against the labels (outliers as
one more label). For kmsynth's themes: name -> own theme retrieval (embed the name; its
nearest theme centroid is its own theme) and the share of names that are phrases found in
>= 3 of the theme's posts.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def load_20ng(per_group: int) -> tuple[list[str], list[str]]:
    g = pd.read_json(DATA / "20ng.jsonl", lines=True)
    g = g[g.text.str.strip().str.len() > 0]
    g = g.groupby("label").sample(per_group, random_state=0)
    return g.text.tolist(), g.label.tolist()


def load_fft(n: int) -> tuple[list[str], list[str]]:
    f = pd.read_json(DATA / "fft_phase1_single_label.jsonl", lines=True)
    f = f[f.text.str.strip().str.len() > 0].sample(n, random_state=0)
    return f.text.tolist(), f.label.tolist()


def vanilla(texts: list[str], reduced: np.ndarray) -> np.ndarray:
    """BERTopic's default clustering (HDBSCAN min_cluster_size=10) on the given reduction."""
    from bertopic import BERTopic
    from bertopic.dimensionality import BaseDimensionalityReduction
    from hdbscan import HDBSCAN

    hdb = HDBSCAN(
        min_cluster_size=10,
        metric="euclidean",
        cluster_selection_method="eom",
        prediction_data=True,
    )
    model = BERTopic(umap_model=BaseDimensionalityReduction(), hdbscan_model=hdb)
    topics, _ = model.fit_transform(texts, embeddings=reduced)
    return np.asarray(topics)


def name_figures(res, texts: list[str], emb) -> tuple[float, float]:
    """(name -> own theme retrieval, share of names found in >= 3 of their theme's posts)."""
    ids = sorted(res.centroids)
    cents = np.vstack([res.centroids[i] for i in ids])
    names = res.themes["label"].tolist()
    nearest = np.asarray(ids)[(emb.encode(names) @ cents.T).argmax(axis=1)]
    retrieval = float((nearest == res.themes["theme_id"].to_numpy()).mean())
    found = []
    for row in res.themes.itertuples():
        members = np.flatnonzero(res.assignments["theme_id"].to_numpy() == row.theme_id)
        pat = re.compile(r"(?<!\w)" + re.escape(row.label.lower()) + r"(?!\w)")
        hits = sum(bool(pat.search(" ".join(texts[i].lower().split()))) for i in members)
        found.append(hits >= 3)
    return retrieval, float(np.mean(found))


def run(name: str, texts: list[str], labels: list[str], emb) -> list[dict]:
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from kmsynth.themes import fit_themes
    from kmsynth.themes.cluster import make_reducer, reduce_embeddings

    x = emb.encode(texts)
    t0 = time.perf_counter()
    res = fit_themes(
        texts,
        embedder=emb,
        embeddings=x,
        languages=["en"] * len(texts),
        seed=42,
        cache_dir=".kmsynth-cache",
    )
    t_k = time.perf_counter() - t0
    retrieval, phrases = name_figures(res, texts, emb)
    reducer, rname = make_reducer("umap", len(x), x.shape[1], 42)
    reduced = reduce_embeddings(reducer, rname, x, ".kmsynth-cache")  # the run's own, cached
    t0 = time.perf_counter()
    v = vanilla(texts, reduced)
    t_v = time.perf_counter() - t0
    a = res.assignments["theme_id"].to_numpy()
    choice = res.params["granularity_choice"]
    print(f"  {name}: {choice['criterion']}: {choice.get('coherence')}", flush=True)
    return [
        {
            "data": name,
            "n": len(texts),
            "labels": len(set(labels)),
            "model": "kmsynth",
            "themes": len(res.themes),
            "outliers": round(float((a == -1).mean()), 3),
            "nmi": round(nmi(labels, a), 3),
            "name_retrieval": round(retrieval, 3),
            "names_in_3_posts": round(phrases, 3),
            "phrase_names": int((res.themes["label_kind"] == "phrase").sum()),
            "fit_s": round(t_k, 1),
        },
        {
            "data": name,
            "n": len(texts),
            "labels": len(set(labels)),
            "model": "vanilla BERTopic",
            "themes": len(set(v) - {-1}),
            "outliers": round(float((v == -1).mean()), 3),
            "nmi": round(nmi(labels, v), 3),
            "fit_s": round(t_v, 1),
        },
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-group", type=int, default=100, help="20NG posts per group")
    ap.add_argument("--fft", type=int, default=2000, help="FFT answers (random subsample)")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found")
        return
    from kmsynth.embed import get_embedder

    emb = get_embedder("minilm", cache_dir=".kmsynth-cache")
    rows = []
    rows += run("20ng", *load_20ng(args.per_group), emb)
    rows += run("fft", *load_fft(args.fft), emb)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
