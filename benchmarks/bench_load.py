"""Loading 100,000 posts from CSV: kmsynth's load_table (validation + ledger) and prepare
(+ redaction, pseudonyms, language detection) against plain pandas.read_csv in the same run.

    python benchmarks/bench_load.py [--n 100000]
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ("survivors shelter helpline referral police training school curriculum data observatory "
         "femicide budget law reform parliament community norms men boys funding organisations "
         "women girls violence prevention services programme district national coordination").split()


def make(path: Path, n: int) -> None:
    rng = random.Random(0)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Post ID", "Body", "Posted", "Member", "Region"])
        for i in range(n):
            text = " ".join(rng.choices(WORDS, k=rng.randint(25, 60))).capitalize() + "."
            if i % 50 == 0:
                text += " Contact me at member%d@example.org or +254 712 %06d." % (i, i)
            w.writerow([f"P{i}", text, f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2026 10:00",
                        f"Member {i % 3000}", rng.choice(["Africa", "Asia", "Pacific"])])


def timed(fn):
    """Wall time, and the process's peak resident memory so far (MB; tracemalloc would slow
    the code it measures several times over)."""
    import resource

    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    return out, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n: int) -> None:
    import pandas as pd

    from kmsynth.config import load_config
    from kmsynth.io import load_table
    from kmsynth.prepare import prepare

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "posts.csv"
        make(p, n)
        m = Path(tmp) / "mapping.yml"
        m.write_text("posts:\n  columns: {post_id: Post ID, text: Body, created_at: Posted, author: Member, "
                     "region: Region}\n  dates: {order: DMY}\n")
        cfg = load_config(None)
        cfg.embedding.cache_dir = Path(tmp) / "cache"
        print(f"{n:,} posts, {p.stat().st_size / 2**20:.1f} MB")
        rows = []
        _, t, mem = timed(lambda: pd.read_csv(p, dtype=str, keep_default_na=False))
        rows.append(("pandas.read_csv (plain)", t, mem))
        _, t, mem = timed(lambda: load_table("posts", p, mapping=m))
        rows.append(("kmsynth load_table", t, mem))
        prep, t, mem = timed(lambda: prepare("posts", p, cfg, mapping=m))
        rows.append(("kmsynth prepare (full)", t, mem))
        base = rows[0][1]
        print(f"{'step':28} {'seconds':>8} {'rows/s':>10} {'peak MB':>8} {'x plain':>8}")
        for name, t, mem in rows:
            print(f"{name:28} {t:8.2f} {n / t:10,.0f} {mem:8.0f} {t / base:8.1f}")
        print("ledger:", prep.ledger.summary(), "| redacted:", prep.redactions)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    main(ap.parse_args().n)
