"""Open-ended survey answers: kmsynth's open-question themes against vanilla BERTopic on the same
embeddings, on the NHS Friends and Family Test answers with human codes (10,334 short answers,
9 codes, ../shared/datasets/fft_phase1_single_label.jsonl: id, text, label, ...).

For each embedder (minilm, static) the answers are embedded once; then, in the same run:
- kmsynth: `survey.fit_open_themes` (what `survey_section` uses for an open question:
  fit_themes, seeded, no pillar guidance, themes of at least k answers, outliers reassigned
  to the nearest theme when close enough);
- vanilla: `BERTopic().fit_transform(texts, embeddings=X)`, every default (UMAP unseeded);
- reference: k-means with k = 9, told the number of codes (no user knows it).
NMI and ARI against the human codes count outliers as one cluster ("all"); NMI is also given
on the answers a model did assign ("NMI themed"). Outliers: share of answers in no theme.

    python benchmarks/bench_survey.py [--n 10334] [--embedders minilm,static]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "fft_phase1_single_label.jsonl"


def scores(labels: list[str], assigned: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    lab = np.asarray(labels)
    themed = assigned != -1
    return {
        "themes": len(set(assigned.tolist()) - {-1}),
        "nmi": normalized_mutual_info_score(lab, assigned),
        "ari": adjusted_rand_score(lab, assigned),
        "nmi_themed": normalized_mutual_info_score(lab[themed], assigned[themed])
        if themed.sum() > 1
        else float("nan"),
        "outliers": float((~themed).mean()),
    }


def row(name: str, s: dict[str, float], seconds: float) -> str:
    return (
        f"{name:34} {s['themes']:6d} {s['nmi']:6.3f} {s['ari']:6.3f} {s['nmi_themed']:8.3f} "
        f"{s['outliers']:8.1%} {seconds:8.1f}"
    )


def main(n: int | None, embedders: list[str], k: int) -> None:
    from bertopic import BERTopic
    from sklearn.cluster import KMeans

    from kmsynth.embed.embedders import get_embedder
    from kmsynth.survey import fit_open_themes

    logging.getLogger("BERTopic").setLevel(logging.ERROR)
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    rows = [r for r in rows if str(r.get("text", "")).strip()][: n or None]
    texts, labels = [str(r["text"]) for r in rows], [str(r["label"]) for r in rows]
    ids = [str(r["id"]) for r in rows]
    n_codes = len(set(labels))
    words = np.array([len(t.split()) for t in texts])
    print(
        f"FFT phase 1: {len(texts):,} answers, {n_codes} codes, "
        f"median {int(np.median(words))} words "
        f"(90th percentile {int(np.percentile(words, 90))})"
    )
    cache = Path(tempfile.gettempdir()) / "kmsynth-bench-cache"
    header = (
        f"{'model':34} {'themes':>6} {'NMI':>6} {'ARI':>6} {'NMI thm':>8} {'outliers':>8} "
        f"{'seconds':>8}"
    )
    for name in embedders:
        e = get_embedder(name, cache_dir=cache)
        t0 = time.perf_counter()
        X = e.encode(texts, show_progress=False)
        print(
            f"\n{name}: embedded in {time.perf_counter() - t0:.0f} s ({e.model_id}, "
            f"dim {X.shape[1]}; cached for re-runs)\n{header}",
            flush=True,
        )
        t0 = time.perf_counter()
        res = fit_open_themes(texts, ids, embedder=e, embeddings=X, k=k, seed=42)
        ours = res.assignments["theme_id"].to_numpy()
        s = scores(labels, ours)
        print(row(f"kmsynth open themes ({name})", s, time.perf_counter() - t0), flush=True)
        print(
            f"{'':34} outliers before reassignment: {res.outlier_share:.1%}; min theme size "
            f"{res.params.get('min_theme_size_used')}",
            flush=True,
        )
        t0 = time.perf_counter()
        topics, _ = BERTopic().fit_transform(texts, embeddings=X)
        v = np.asarray(topics)
        s = scores(labels, v)
        print(row(f"vanilla BERTopic() ({name})", s, time.perf_counter() - t0), flush=True)
        t0 = time.perf_counter()
        km = KMeans(n_clusters=n_codes, n_init=4, random_state=42).fit_predict(X)
        print(
            row(
                f"k-means, k={n_codes} ({name}; reference)",
                scores(labels, km),
                time.perf_counter() - t0,
            ),
            flush=True,
        )
    print(
        "\nNMI/ARI: agreement with the human codes (outliers as one cluster); NMI thm: on "
        "themed answers only. Vanilla BERTopic's UMAP is unseeded: its figures move a little "
        "between runs."
    )


if __name__ == "__main__":
    if not DATA.is_file():
        print(f"skipped: {DATA} not found")
        raise SystemExit(0)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=None, help="first N answers only (default: all)")
    ap.add_argument("--embedders", default="minilm,static")
    ap.add_argument(
        "--k", type=int, default=10, help="small-cell threshold, also the minimum theme size"
    )
    a = ap.parse_args()
    main(a.n, [x.strip() for x in a.embedders.split(",") if x.strip()], a.k)
