"""Store: ingest 10k / 100k redacted posts with 384-d embeddings, then a second month with 10%
new rows, against the plain alternative of rewriting Parquet files with everything each month.

    python benchmarks/bench_store.py [--sizes 10000 100000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def table(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"post_id": [f"p{i}" for i in range(start, start + n)],
                         "text": [f"Post {i}: shelters, helplines and referral pathways for survivors." for i in range(start, start + n)],
                         "created_at": pd.Timestamp("2026-09-15", tz="UTC"), "region": "Africa", "author_id": "P-1"})


def main(sizes: list[int]) -> None:
    from kmsynth.store import Store

    print(f"{'posts':>8} {'step':28} {'seconds':>8} {'new':>7} {'unchanged':>9} {'embedded':>8}")
    for n in sizes:
        rng = np.random.default_rng(0)
        with tempfile.TemporaryDirectory() as tmp:
            m1 = table(n)
            m2 = pd.concat([m1, table(n // 10, start=n)])
            with Store.open(Path(tmp) / "k.duckdb") as s:
                for label, t in (("month 1", m1), ("month 2 (+10%)", m2)):
                    t0 = time.perf_counter()
                    c = s.add_table("posts", t)
                    todo = s.missing_embeddings("minilm", t["text"].tolist())
                    if todo:
                        s.put_embeddings("minilm", todo, rng.standard_normal((len(todo), 384)).astype(np.float32))
                    dt = time.perf_counter() - t0
                    print(f"{n:8,d} {'store ' + label:28} {dt:8.1f} {c.new:7,d} {c.unchanged:9,d} {len(todo):8,d}", flush=True)
            for label, t in (("month 1", m1), ("month 2 (+10%)", m2)):
                t0 = time.perf_counter()
                t.to_parquet(Path(tmp) / "posts.parquet")
                vec = rng.standard_normal((len(t), 384)).astype(np.float32)  # everything re-embedded
                np.save(Path(tmp) / "emb.npy", vec)
                dt = time.perf_counter() - t0
                print(f"{n:8,d} {'plain parquet ' + label:28} {dt:8.1f} {len(t):7,d} {0:9,d} {len(t):8,d}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    main(ap.parse_args().sizes)
