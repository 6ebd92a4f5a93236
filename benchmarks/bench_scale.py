"""Scale, measured (issue 19), each figure beside the plain alternative in the same run.

    python benchmarks/bench_scale.py quality [--embedders static multilingual] [--samples 5000]
    python benchmarks/bench_scale.py fast [--n 3000] [--speed-n 1000]
    python benchmarks/bench_scale.py e2e [--sizes 100000] [--dask] [--profile]

quality: all 18,846 20 Newsgroups posts: a full fit against a fit on a seeded sample with every
    other post assigned to the nearest centroid (`kmsynth.themes.large`): NMI/ARI against the
    newsgroups, NPMI and diversity of the themes' top-10 words (on the raw posts), agreement
    (NMI/ARI) between the two assignments, seconds.
fast: embedding speed (texts/s, cold: no cache) and theme NPMI/NMI on a 20NG subsample for
    static, multilingual (USE v3, numpy) and minilm, same texts, same run.
e2e: `kmsynth themes` (kmsynth.runs.run_themes, static embedder) on posts recombined from 20NG
    sentences, in its own process: wall time and peak memory (the run's process, and its
    largest child: a Dask worker), in-process and with `--dask local`; --profile adds a third,
    profiled in-process run: per-step seconds (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "20ng.jsonl"
BENCH_CACHE = Path(tempfile.gettempdir()) / "kmsynth-bench-cache"  # shared with bench_themes


def _scores(res, texts: list[str], labels: list[str]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from benchmarks.bench_themes import npmi_diversity

    a = res.assignments["theme_id"].to_numpy()
    npmi, div = npmi_diversity([k.split("; ") for k in res.themes["keywords"]], texts)
    return {
        "themes": len(res.themes),
        "npmi": npmi,
        "div": div,
        "nmi": normalized_mutual_info_score(labels, a),
        "ari": adjusted_rand_score(labels, a),
        "outl": float((a == -1).mean()),
    }


def quality(embedders: list[str], samples: list[int]) -> None:
    """Full fit vs sample-and-assign on all 20NG posts."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from benchmarks.bench_themes import load
    from kmsynth.embed.embedders import get_embedder
    from kmsynth.themes.large import fit_themes_large

    texts, labels = load(None)
    n = len(texts)
    print(f"20 Newsgroups: {n:,} posts, {len(set(labels))} groups; guided=False, seed 42")
    head = f"{'embedder':13} {'strategy':22} {'themes':>6} {'NPMI':>6} {'divers':>6} {'NMI':>6}"
    print(head + f" {'ARI':>6} {'outl':>5} {'NMI/full':>8} {'ARI/full':>8} {'fit s':>6}")
    for name in embedders:
        emb = get_embedder(name, cache_dir=BENCH_CACHE)
        X = emb.encode(texts)
        full = None
        for size in [n, *samples]:
            t0 = time.perf_counter()
            r = fit_themes_large(texts, embeddings=X, embedder=emb, sample_size=size, guided=False)
            sec = time.perf_counter() - t0
            s = _scores(r, texts, labels)
            a = r.assignments["theme_id"].to_numpy()
            full = a if full is None else full
            agree = (normalized_mutual_info_score(full, a), adjusted_rand_score(full, a))
            what = "full fit" if size == n else f"sample {size:,} + assign"
            print(
                f"{name:13} {what:22} {s['themes']:6d} {s['npmi']:6.3f} {s['div']:6.3f} "
                f"{s['nmi']:6.3f} {s['ari']:6.3f} {s['outl']:5.2f} {agree[0]:8.3f} "
                f"{agree[1]:8.3f} {sec:6.1f}",
                flush=True,
            )


def fast(n: int, speed_n: int) -> None:
    """Embedding speed (cold) and theme quality of static, multilingual and minilm."""
    from benchmarks.bench_themes import load
    from kmsynth.embed.embedders import get_embedder
    from kmsynth.themes import fit_themes

    texts, labels = load(n)
    print(f"20NG subsample: {len(texts):,} posts for themes, {speed_n:,} for embedding speed")
    print(f"{'embedder':13} {'texts/s':>8} {'x minilm':>8} {'themes':>6} {'NPMI':>6} {'NMI':>6}")
    rows = {}
    for name in ("minilm", "static", "multilingual"):
        bare = get_embedder(name, cache_dir=None) if name != "static" else None
        if name == "static":  # the distilled model lives in a cache folder; vectors are not cached
            bare = get_embedder("static", cache_dir=BENCH_CACHE).inner
        bare.encode(["warm up: the model loads before the clock starts"])
        t0 = time.perf_counter()
        bare.encode(texts[:speed_n])
        rate = speed_n / (time.perf_counter() - t0)
        emb = get_embedder(name, cache_dir=BENCH_CACHE)
        res = fit_themes(texts, embedder=emb, embeddings=emb.encode(texts), guided=False)
        rows[name] = (rate, _scores(res, texts, labels))
        r, s = rows[name]
        print(
            f"{name:13} {r:8.0f} {r / rows['minilm'][0]:8.1f} {s['themes']:6d} "
            f"{s['npmi']:6.3f} {s['nmi']:6.3f}",
            flush=True,
        )
    base = rows["minilm"][1]
    for name in ("static", "multilingual"):
        rate, s = rows[name]
        ok = (
            rate >= 10 * rows["minilm"][0]
            and s["npmi"] >= 0.9 * base["npmi"]
            and s["nmi"] >= 0.9 * base["nmi"]
        )
        print(
            f"{name}: NPMI {s['npmi'] / base['npmi']:.0%} and NMI {s['nmi'] / base['nmi']:.0%} "
            f"of minilm's at {rate / rows['minilm'][0]:.1f}x its speed: target met: {ok}"
        )


def build(path: Path, n: int, seed: int = 0) -> None:
    """n posts of 2-4 sentences recombined from 20 Newsgroups, dated over 12 months."""
    rng = np.random.default_rng(seed)
    sents = []
    for line in DATA.open(encoding="utf-8"):
        for s in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]):
            s = " ".join(s.split())
            if 30 <= len(s) <= 300:
                sents.append(s)
    regions = ["Africa", "Asia", "Pacific", "Latin America", "Caribbean"]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["post_id", "text", "created_at", "author", "region"])
        for i in range(n):
            text = " ".join(sents[j] for j in rng.integers(0, len(sents), rng.integers(2, 5)))
            day = f"2026-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}"
            w.writerow([f"p{i}", text, day, f"Member {rng.integers(0, 5000)}", regions[i % 5]])


CASE = r"""
import cProfile, json, pstats, resource, sys, time
sys.path.insert(0, {root!r})
path, out, cache, mode, profile = sys.argv[1:6]
t0 = time.perf_counter()
from kmsynth.config import load_config
from kmsynth.runs import run_themes
cfg = load_config(None).with_overrides(
    {{"embedding.cache_dir": cache, "embedding.embedder": "static"}})
prof = cProfile.Profile() if profile == "1" else None
if prof: prof.enable()
run = run_themes(path, out, cfg, id_col="post_id", text_col="text",
                 dask="local" if mode == "dask" else None)
if prof: prof.disable()
wall = time.perf_counter() - t0
steps = {{}}
if prof:
    st = pstats.Stats(prof).stats
    want = {{"read": "read_table", "prepare (read+protect)": "prepare", "redact": "redact_texts",
            "languages": "detect_languages", "embed": "encode", "reduce": "reduce_embeddings",
            "cluster": "fit_predict", "assign": "assign_to_centroids", "theme rows (label)":
            "_theme_rows", "summaries": "theme_summaries", "write": "write_theme_outputs"}}
    for label, fn in want.items():
        cum = [v[3] for k, v in st.items() if k[2] == fn]
        if cum: steps[label] = round(max(cum), 1)
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
a = run.result.assignments
print(json.dumps({{"wall": wall, "peak_mb": me, "child_peak_mb": kids, "steps": steps,
                  "themes": int(len(run.result.themes)), "timings": run.result.timings,
                  "strategy": run.result.params.get("strategy", "full"),
                  "assign": a["theme_id"].tolist()}}))
"""


def _static_model(cache: Path) -> None:
    """Put the distilled static model into `cache`: copied from BENCH_CACHE, else distilled."""
    import shutil

    mine = BENCH_CACHE / "models"
    if mine.is_dir():
        shutil.copytree(mine, cache / "models")
        return
    from kmsynth.embed import get_embedder

    get_embedder("static", cache_dir=cache).encode(["x"])


def e2e(sizes: list[int], dask: bool, profile: bool) -> None:
    """`kmsynth themes` end to end per size: in-process (and on a local Dask cluster)."""
    script = CASE.format(root=str(ROOT))
    print(f"{'posts':>9} {'path':10} {'wall s':>7} {'peak MB':>8} {'worker MB':>9} {'themes':>6}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "posts.csv"
            t0 = time.perf_counter()
            build(path, n)
            print(f"{'':9} built {n:,} posts in {time.perf_counter() - t0:.0f} s", flush=True)
            out = {}
            modes = ["inprocess", "dask"] if dask else ["inprocess"]
            for mode in modes + (["profiled"] if profile else []):  # cProfile's cost: own run
                cache = Path(tmp) / f"cache-{mode}"  # cold: no run reuses another's vectors
                _static_model(cache)  # distilled once (a one-off, not timed)
                args = [path, Path(tmp) / f"out-{mode}", cache, mode, int(mode == "profiled")]
                p = subprocess.run(
                    [sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True
                )
                if p.returncode:
                    print(p.stderr[-1500:])
                    continue
                r = out[mode] = json.loads(p.stdout.strip().splitlines()[-1])
                print(
                    f"{n:9,d} {mode:10} {r['wall']:7.1f} {r['peak_mb']:8.0f} "
                    f"{r['child_peak_mb']:9.0f} {r['themes']:6d}  {r['strategy']}",
                    flush=True,
                )
                if r["steps"]:
                    print(f"{'':9} steps (s, cumulative): {r['steps']}")
                print(f"{'':9} fit timings: { {k: round(v, 1) for k, v in r['timings'].items()} }")
            if "inprocess" in out and "dask" in out:
                same = out["inprocess"]["assign"] == out["dask"]["assign"]
                extra = out["dask"]["wall"] / out["inprocess"]["wall"] - 1
                print(f"{'':9} dask costs {extra:+.0%} wall; assignments identical: {same}")


if __name__ == "__main__":
    if not DATA.is_file():
        print("skipped: 20ng.jsonl not found")
        raise SystemExit(0)
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["quality", "fast", "e2e"])
    ap.add_argument("--embedders", nargs="+", default=["static"])
    ap.add_argument("--samples", type=int, nargs="+", default=[5_000, 10_000])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--speed-n", type=int, default=1000)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--dask", action="store_true")
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    if a.what == "quality":
        quality(a.embedders, a.samples)
    elif a.what == "fast":
        fast(a.n, a.speed_n)
    else:
        e2e(a.sizes, a.dask, a.profile)
