"""Open-ended survey answers: kmsynth themes against vanilla BERTopic on the same embeddings,
on the NHS Friends and Family Test answers with human codes (10,334 short answers, 9 codes).

    python benchmarks/bench_survey.py [--n 10334]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "fft_phase1_single_label.jsonl"


def main(n: int | None) -> None:
    from bertopic import BERTopic
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from kmsynth.embed import get_embedder
    from kmsynth.themes import fit_themes

    rows = [json.loads(l) for l in DATA.open(encoding="utf-8")]
    rows = [r for r in rows if isinstance(r.get("text"), str) and r["text"].strip()][: n or None]
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    print(f"FFT: {len(texts):,} answers, {len(set(labels))} codes")
    print(f"{'model':30} {'themes':>6} {'NMI':>6} {'ARI':>6} {'outliers':>8} {'seconds':>8}")
    cache = Path(tempfile.gettempdir()) / "kmsynth-bench-cache"
    for name in ("minilm", "static"):
        e = get_embedder(name, cache_dir=cache)
        X = e.encode(texts)
        t0 = time.perf_counter()
        r = fit_themes(texts, embedder=e, embeddings=X, seed=42, guided=False, cache_dir=cache)
        a = r.assignments["theme_id"].to_numpy()
        print(f"{'kmsynth ' + name:30} {len(r.themes):6d} {normalized_mutual_info_score(labels, a):6.3f} "
              f"{adjusted_rand_score(labels, a):6.3f} {r.outlier_share_final:8.2f} {time.perf_counter() - t0:8.1f}", flush=True)
        t0 = time.perf_counter()
        topics, _ = BERTopic().fit_transform(texts, embeddings=X)
        v = np.asarray(topics)
        print(f"{'vanilla BERTopic (' + name + ')':30} {len(set(v) - {-1}):6d} {normalized_mutual_info_score(labels, v):6.3f} "
              f"{adjusted_rand_score(labels, v):6.3f} {float((v == -1).mean()):8.2f} {time.perf_counter() - t0:8.1f}", flush=True)


if __name__ == "__main__":
    if not DATA.is_file():
        print("skipped: FFT data not found")
        raise SystemExit(0)
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=None)
    main(ap.parse_args().n)
