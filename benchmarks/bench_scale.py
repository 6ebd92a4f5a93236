"""Scale: end-to-end wall time and peak memory for 10k / 100k / 1M posts with the static
embedder (posts built by recombining sentences of 20 Newsgroups), the Dask LocalCluster path
(2 workers) against the in-process path, and what sample-and-assign costs in quality against a
full fit where both run.

    python benchmarks/bench_scale.py [--sizes 10000 100000] [--dask]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "20ng.jsonl"


def build(path: Path, n: int, seed: int = 0) -> None:
    """n posts of 2-4 sentences recombined from 20 Newsgroups, dated over 12 months."""
    import csv

    rng = np.random.default_rng(seed)
    sents = []
    for line in DATA.open(encoding="utf-8"):
        for s in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]):
            s = " ".join(s.split())
            if 30 <= len(s) <= 300:
                sents.append(s)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["post_id", "text", "created_at", "author", "region"])
        regions = ["Africa", "Asia", "Pacific", "Latin America", "Caribbean"]
        for i in range(n):
            k = rng.integers(2, 5)
            text = " ".join(sents[j] for j in rng.integers(0, len(sents), k))
            w.writerow(
                [
                    f"p{i}",
                    text,
                    f"2026-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}",
                    f"Member {rng.integers(0, 5000)}",
                    regions[i % 5],
                ]
            )


CASE = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
path, cache, mode = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
from kmsynth.config import load_config
from kmsynth.embed.embedders import get_embedder
cfg = load_config(None); cfg = cfg.with_overrides({"embedding.cache_dir": cache})
tim = {{}}
if mode == "dask":
    from kmsynth.ingest import client_for, prepare
    from kmsynth.themes.large import embed_distributed, fit_themes_large
    client = client_for("local", n_workers=2)
    prep = prepare("posts", path, cfg, client=client); tim["prepare"] = time.perf_counter() - t0
    emb = get_embedder("static", cache_dir=cache)
    X = embed_distributed(prep.table["text"].tolist(), emb, client, partition_size=20000)
    client.close()
else:
    from kmsynth.ingest.prepare import prepare
    from kmsynth.themes.large import fit_themes_large
    prep = prepare("posts", path, cfg); tim["prepare"] = time.perf_counter() - t0
    emb = get_embedder("static", cache_dir=cache)
    X = emb.encode(prep.table["text"].tolist())
tim["embed"] = time.perf_counter() - t0 - tim["prepare"]
t1 = time.perf_counter()
texts, ids = prep.table["text"].tolist(), prep.table["post_id"].tolist()
res = fit_themes_large(texts, ids, embeddings=X, embedder=emb, sample_size=50000, seed=42)
tim["themes"] = time.perf_counter() - t1
tim["total"] = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"t": tim, "themes": int(len(res.themes)), "peak_mb": peak,
                  "assign": res.assignments["theme_id"].tolist()[:10000]}}))
"""


def quality_sample_vs_full(n: int = 20000) -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from benchmarks.bench_themes import load
    from kmsynth.embed.embedders import get_embedder
    from kmsynth.themes.large import fit_themes_large

    texts, labels = load(n)
    with tempfile.TemporaryDirectory() as cache:
        emb = get_embedder("static", cache_dir=cache)
        X = emb.encode(texts)
        rows = []
        for size in (n, n // 4):
            t0 = time.perf_counter()
            r = fit_themes_large(
                texts, embeddings=X, embedder=emb, sample_size=size, seed=42, guided=False
            )
            a = r.assignments["theme_id"].to_numpy()
            rows.append(
                (
                    ("full fit" if size == n else f"sample {size:,} + assign"),
                    time.perf_counter() - t0,
                    normalized_mutual_info_score(labels, a),
                    adjusted_rand_score(labels, a),
                )
            )
    print(f"\nsample+assign against a full fit, {n:,} 20NG posts, static embedder")
    print(f"{'strategy':24} {'seconds':>8} {'NMI':>6} {'ARI':>6}")
    for r in rows:
        print(f"{r[0]:24} {r[1]:8.1f} {r[2]:6.3f} {r[3]:6.3f}")


def main(sizes: list[int], dask: bool) -> None:
    script = CASE.format(root=str(ROOT))
    print(
        f"{'posts':>9} {'path':10} {'prepare':>8} {'embed':>7} {'themes':>7} {'total s':>8} "
        f"{'peak MB':>8}"
    )
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "posts.csv"
            build(path, n)
            cache = str(Path(tmp) / "cache")
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import sys; sys.path.insert(0,{str(ROOT)!r});"
                    "from kmsynth.embed.embedders import get_embedder;"
                    f"get_embedder('static', cache_dir={cache!r}).encode(['x'])",
                ],
                check=True,
                capture_output=True,
            )
            out = {}
            for mode in ["inprocess", "dask"] if dask else ["inprocess"]:
                p = subprocess.run(
                    [sys.executable, "-c", script, str(path), cache, mode],
                    capture_output=True,
                    text=True,
                )
                if p.returncode:
                    print(p.stderr[-1500:])
                    continue
                r = json.loads(p.stdout.strip().splitlines()[-1])
                out[mode] = r
                t = r["t"]
                print(
                    f"{n:9,d} {mode:10} {t['prepare']:8.1f} {t['embed']:7.1f} {t['themes']:7.1f} "
                    f"{t['total']:8.1f} "
                    f"{r['peak_mb']:8.0f}",
                    flush=True,
                )
            if len(out) == 2:
                same = out["inprocess"]["assign"] == out["dask"]["assign"]
                print(f"{'':9} dask and in-process assignments identical (first 10,000): {same}")


if __name__ == "__main__":
    if not DATA.is_file():
        print("skipped: 20ng.jsonl not found")
        raise SystemExit(0)
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--dask", action="store_true")
    ap.add_argument("--quality", action="store_true")
    a = ap.parse_args()
    main(a.sizes, a.dask)
    if a.quality:
        quality_sample_vs_full()
