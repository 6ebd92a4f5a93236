"""Store: a month of 10k / 100k redacted posts with 384-d embeddings, then the next month's
export (the same posts, 0.5% of them edited, plus 10% new), against the plain alternatives a
user would otherwise run:

- plain Parquet: rewrite posts.parquet and embeddings.parquet in full each month, embedding
  every text again (no history: an edited post overwrites the old text);
- Parquet + hash cache: the same files, but read last month's embeddings first and embed only
  texts whose sha256 is not there (still a full rewrite, still no history).

Vectors come from a fast stand-in (random unit vectors, 384-d like all-MiniLM-L6-v2), so the
timings are of the storage work; what embedding would have cost is the number of texts
embedded times all-MiniLM-L6-v2's rate, measured on this machine on 256 of the texts
(`--no-minilm` to skip). Each (method, size) runs in a fresh process, so peak memory is its own.

    python benchmarks/bench_store.py [--sizes 10000 100000] [--no-minilm]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIM = 384
WORDS = (  # noqa: SIM905
    "survivors shelter safe house emergency accommodation beds counselling helpline referral "
    "school programme teachers pupils curriculum respectful relationships students norms "
    "administrative data survey prevalence statistics indicators disaggregated observatory "
    "domestic violence law reform parliament bill legislation amendment courts police "
    "women girls community leaders partners district training funding network movement "
    "our team shared how worked with this year learned that matters campaign radio"
).split()
REGIONS = [
    "Africa",
    "Arab States",
    "Asia and the Pacific",
    "Europe and Central Asia",
    "Latin America",
    "Caribbean",
]


def make_posts(n: int, start: int = 0, month: str = "2026-09", seed: int = 0) -> pd.DataFrame:
    """n posts as prepare() leaves them (redacted text of 25-90 words, pseudonymous authors)."""
    rng = np.random.default_rng(seed + start)
    lens = rng.integers(25, 90, n)
    words = np.array(WORDS)
    texts = [
        " ".join(words[rng.integers(0, len(words), k)]).capitalize() + f". [post {start + i}]"
        for i, k in enumerate(lens)
    ]
    days = rng.integers(1, 29, n)
    return pd.DataFrame(
        {
            "post_id": [f"p{start + i}" for i in range(n)],
            "thread_id": [f"t{(start + i) // 5}" for i in range(n)],
            "text": texts,
            "created_at": pd.to_datetime([f"{month}-{d:02d}T10:00:00Z" for d in days], utc=True),
            "author_id": [f"P-{a:05x}" for a in rng.integers(0, 4000, n)],
            "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n)],
            "country": "Kenya",
            "language": "en",
            "source": "hub",
            "consent_to_quote": pd.array(rng.random(n) < 0.7, dtype="boolean"),
            "quotable": rng.random(n) < 0.7,
            "_file": f"export-{month}.csv",
            "_row": np.arange(1, n + 1),
        }
    )


def months(n: int) -> list[tuple[str, pd.DataFrame]]:
    m1 = make_posts(n)
    m2 = m1.copy()
    edited = np.arange(0, n, 200)  # 0.5% of the posts edited by their authors
    m2.loc[edited, "text"] = m2.loc[edited, "text"] + " (edited)"
    m2 = pd.concat([m2, make_posts(n // 10, start=n, month="2026-10")], ignore_index=True)
    m2["_file"] = "export-2026-10.csv"
    return [("2026-09", m1), ("2026-10 (+10%)", m2)]


def fake_encode(texts: list[str]) -> np.ndarray:
    v = np.random.default_rng(len(texts)).standard_normal((len(texts), DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def run_store(n: int, tmp: Path) -> list[dict]:
    from kmsynth.store import Store

    out = []
    for label, table in months(n):
        t0 = time.perf_counter()
        with Store.open(tmp / "k.duckdb") as s:
            c = s.add_table("posts", table, run_id=f"report-{label[:7]}")
            t1 = time.perf_counter()
            todo = s.missing_embeddings("minilm", table["text"].tolist())
            if todo:
                s.put_embeddings("minilm", todo, fake_encode(todo))
        dt = time.perf_counter() - t0
        out.append(
            {
                "month": label,
                "seconds": dt,
                "ingest_s": t1 - t0,
                "new": c.new,
                "unchanged": c.unchanged,
                "new_version": c.new_version,
                "rows_written": c.new + c.new_version,
                "embedded": len(todo),
                "history": "yes",
                "mb": folder_mb(tmp),
            }
        )
    with Store.open(tmp / "k.duckdb", readonly=True) as s:
        t0 = time.perf_counter()
        s.shared_breakdown(by=["region"])
        q = time.perf_counter() - t0
        versions = int(s.query("SELECT count(*) AS n FROM posts")["n"][0])
    out[-1]["query_s"] = q
    out[-1]["stored_rows"] = versions
    return out


def run_parquet(n: int, tmp: Path, cache: bool) -> list[dict]:
    import duckdb

    from kmsynth.embed.embedders import text_key
    from kmsynth.protect import suppress_small_cells

    out = []
    for label, table in months(n):
        t0 = time.perf_counter()
        keys = [text_key(t) for t in table["text"]]
        vec = None
        if cache and (tmp / "embeddings.parquet").exists():
            old = pd.read_parquet(tmp / "embeddings.parquet")
            have = dict(
                zip(
                    old["text_sha256"],
                    np.vstack(old["vector"].to_numpy()) if len(old) else [],
                    strict=False,
                )
            )
            todo = [i for i, k in enumerate(keys) if k not in have]
            fresh = dict(
                zip(
                    [keys[i] for i in todo],
                    fake_encode([table["text"].iat[i] for i in todo]),
                    strict=False,
                )
            )
            have.update(fresh)
            vec = np.vstack([have[k] for k in keys])
            embedded = len(todo)
        else:
            vec = fake_encode(table["text"].tolist())
            embedded = len(table)
        table.drop(columns=["_file", "_row"]).to_parquet(tmp / "posts.parquet", index=False)
        pd.DataFrame({"text_sha256": keys, "vector": list(vec)}).to_parquet(
            tmp / "embeddings.parquet", index=False
        )
        dt = time.perf_counter() - t0
        out.append(
            {
                "month": label,
                "seconds": dt,
                "ingest_s": float("nan"),
                "new": len(table),
                "unchanged": 0,
                "new_version": 0,
                "rows_written": len(table),
                "embedded": embedded,
                "history": "no",
                "mb": folder_mb(tmp),
            }
        )
    t0 = time.perf_counter()
    con = duckdb.connect()
    df = con.execute(
        f"SELECT strftime(created_at, '%Y-%m') AS month, region, count(*) AS posts FROM "
        f"'{(tmp / 'posts.parquet').as_posix()}' GROUP BY ALL"
    ).df()
    suppress_small_cells(
        df.pivot_table(index="month", columns="region", values="posts", fill_value=0), 10
    )
    out[-1]["query_s"] = time.perf_counter() - t0
    out[-1]["stored_rows"] = len(table)
    return out


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited at fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def job(method: str, n: int, conn) -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = (
            run_store(n, tmp)
            if method == "store"
            else run_parquet(n, tmp, cache=method == "parquet+cache")
        )
    conn.send((rows, peak_mb()))
    conn.close()


def minilm_rate(n: int = 256) -> float | None:
    """Texts per second of all-MiniLM-L6-v2 on this machine (None when it cannot load)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from kmsynth.embed.embedders import get_embedder

        emb = get_embedder("minilm")
        texts = make_posts(n, seed=7)["text"].tolist()
        emb.encode(texts[:16])
        t0 = time.perf_counter()
        emb.encode(texts)
        return n / (time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
        print(f"(minilm not measured: {type(exc).__name__})")
        return None


def main(sizes: list[int], measure_minilm: bool) -> None:
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start "
        "(other work on the machine slows every figure alike)"
    )
    rate = minilm_rate() if measure_minilm else None
    if rate:
        print(f"all-MiniLM-L6-v2 on this machine: {rate:,.0f} texts/s (256 texts of 25-90 words)\n")
    ctx = mp.get_context("spawn")
    head = (
        f"{'posts':>8} {'method':15} {'month':15} {'seconds':>8} {'written':>8} {'new':>7} "
        f"{'same':>7} {'new ver':>7} {'embedded':>8} {'+minilm s':>9} {'history':>7} "
        f"{'disk MB':>8} {'peak MB':>8}"
    )
    print(head)
    print("-" * len(head))
    summary = []
    for n in sizes:
        for method in ("store", "parquet", "parquet+cache"):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=job, args=(method, n, child))
            p.start()
            rows, peak = parent.recv()
            p.join()
            for r in rows:
                emb_s = r["embedded"] / rate if rate else float("nan")
                print(
                    f"{n:8,d} {method:15} {r['month']:15} {r['seconds']:8.2f} "
                    f"{r['rows_written']:8,d} {r['new']:7,d} {r['unchanged']:7,d} "
                    f"{r['new_version']:7,d} {r['embedded']:8,d} "
                    f"{emb_s:9.0f} {r['history']:>7} {r['mb']:8.1f} {peak:8.0f}",
                    flush=True,
                )
            last = rows[-1]
            summary.append(
                (n, method, last["seconds"], last["embedded"], last["query_s"], last["stored_rows"])
            )
        print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(
        "Second month, side by side (storage seconds; texts embedded; suppressed region-by-month "
        "breakdown query; rows kept):"
    )
    for n in sizes:
        base = {m: (s, e, q, k) for nn, m, s, e, q, k in summary if nn == n}
        st = base["store"]
        for m, (s, e, q, k) in base.items():
            extra = f" ({s / st[0]:.1f}x the store's time)" if m != "store" else ""
            print(
                f"  {n:>8,d} {m:14} {s:6.2f} s{extra}; embedded {e:,d}; "
                f"query {q * 1000:.0f} ms; rows kept {k:,d}"
            )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument(
        "--no-minilm", action="store_true", help="do not measure the minilm embedding rate"
    )
    a = ap.parse_args()
    main(a.sizes, not a.no_minilm)
