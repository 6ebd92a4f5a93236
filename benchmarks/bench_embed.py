"""Embedding speed: kmsynth's embedders and cache against plain sentence-transformers, same run.

    python benchmarks/bench_embed.py [--sizes 2000 20000] [--batch-size 64]

For each size n (texts from ../shared/datasets/20ng.jsonl; skipped cleanly when absent):
- plain      `SentenceTransformer(<all-MiniLM-L6-v2 folder>, device="cpu").encode(texts)`, what a
             user would otherwise run (model load + encode)
- minilm cold  kmsynth minilm with an empty cache (model load + encode + writing the cache)
- minilm warm  the same texts again from a new embedder on that cache (reads the shards; the
             model is not even loaded)
- static     kmsynth static with an empty vector cache (the model distilled once beforehand;
             the one-off distillation time is printed separately)
- tfidf      kmsynth tfidf, fit + encode (no model, no cache)
Prints seconds, texts/s and the speed-up over plain, and checks that cold and warm vectors are
byte-identical and match plain sentence-transformers.

Texts are real posts cut to 1,000 characters (minilm reads only its first 256 tokens anyway);
when n exceeds the corpus, the next 1,000 characters of the longest posts are added, so every
text is distinct and the cache cannot cheat by deduplication.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

for k, v in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(k, v)

import numpy as np  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "20ng.jsonl"
CUT = 1000


def load_texts(n: int) -> list[str]:
    docs = [json.loads(line)["text"] for line in DATA.open(encoding="utf-8")]
    docs = [d for d in docs if d.strip()]
    rng = np.random.default_rng(0)
    docs = [docs[i] for i in rng.permutation(len(docs))]
    texts, seen = [], set()
    for d in docs:
        t = d[:CUT]
        if t not in seen:
            seen.add(t)
            texts.append(t)
    part = 1
    longest = sorted(docs, key=len, reverse=True)
    while len(texts) < n:
        for d in longest:
            t = d[part * CUT : (part + 1) * CUT]
            if len(t) >= 200 and t not in seen:
                seen.add(t)
                texts.append(t)
                if len(texts) >= n:
                    break
        part += 1
        if part > 50:
            break
    return texts[:n]


def timed(fn, *args):
    """(seconds, result) of fn(*args)."""
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument(
        "--models-cache",
        type=Path,
        default=None,
        help="a cache folder that already holds the distilled static model "
        "(default: a temporary folder, distilled in this run)",
    )
    ap.add_argument(
        "--minilm-max",
        type=int,
        default=None,
        help="measure plain and minilm cold on at most this many texts and scale the "
        "time to n (for slow machines); the rest of the warm cache is then filled "
        "with stand-in 384-d vectors under the minilm id, so warm still reads n",
    )
    args = ap.parse_args()
    if not DATA.is_file():
        print(f"skipped: {DATA} is not on this machine")
        return 0

    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    from kmsynth.embed import embedders as embed
    from kmsynth.embed.embedders import (
        CachedEmbedder,
        StaticEmbedder,
        TfidfEmbedder,
        default_model_path,
        get_embedder,
    )

    print(
        f"CPU threads for torch: {torch.get_num_threads()}; os.cpu_count(): {os.cpu_count()}; "
        f"load average: {os.getloadavg()[0]:.1f}"
    )
    work = Path(tempfile.mkdtemp(prefix="bench-embed-"))
    try:
        models = args.models_cache or work / "models-cache"
        fresh = not (StaticEmbedder(models).path / "config.json").is_file()
        t_distil, _ = timed(lambda: StaticEmbedder(models)._load())
        how = "distillation (once per machine)" if fresh else f"loaded from {models}"
        print(f"static model {how}: {t_distil:.1f} s")
        SentenceTransformer(default_model_path(), device="cpu").encode(
            ["warm up torch"]
        )  # not timed

        rows = []
        for n in args.sizes:
            texts = load_texts(n)
            n = len(texts)

            m = min(n, args.minilm_max or n)
            sub, scale = texts[:m], n / m

            def plain(sub=sub):
                model = SentenceTransformer(default_model_path(), device="cpu")
                return model.encode(
                    sub,
                    batch_size=args.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                )

            t_plain, v_plain = timed(plain)
            cache = work / f"cache-{n}"
            embed._MODELS.clear()  # cold: the model is loaded again
            cold = get_embedder("minilm", cache_dir=cache, batch_size=args.batch_size)
            t_cold, v_cold = timed(cold.encode, sub)
            t_plain, t_cold = t_plain * scale, t_cold * scale
            if m < n:
                rng = np.random.default_rng(1)

                class StandIn:  # fills the cache for the texts minilm was not timed on
                    model_id, dim = "minilm", 384

                    def fit(self, texts):
                        return self

                    def encode(self, texts, show_progress=False, rng=rng):
                        v = rng.standard_normal((len(texts), 384)).astype(np.float32)
                        return v / np.linalg.norm(v, axis=1, keepdims=True)

                CachedEmbedder(StandIn(), cache).encode(texts[m:])
            embed._MODELS.clear()  # warm: a new run; the model must not be needed
            warm = get_embedder("minilm", cache_dir=cache)
            t_warm, v_warm = timed(warm.encode, texts)
            assert warm.last_counts["new"] == 0 and not embed._MODELS, "warm run embedded texts"
            embed._STATIC.clear()
            static = CachedEmbedder(StaticEmbedder(models), work / f"static-{n}")
            t_static, v_static = timed(static.encode, texts)
            t_tfidf, v_tfidf = timed(TfidfEmbedder().encode, texts)
            same = v_cold.tobytes() == v_warm[:m].tobytes()
            est = f"measured on {m:,}, scaled; " if m < n else ""
            diff = float(np.abs(v_cold - v_plain).max())
            rows.append((n, "plain ST", t_plain, t_plain, v_plain.shape[1], est.rstrip("; ")))
            rows.append(
                (
                    n,
                    "minilm cold",
                    t_cold,
                    t_plain,
                    v_cold.shape[1],
                    f"{est}max |diff| vs plain {diff:.1e}",
                )
            )
            rows.append(
                (
                    n,
                    "minilm warm",
                    t_warm,
                    t_plain,
                    v_warm.shape[1],
                    ("bytes = cold" if same else "BYTES DIFFER FROM COLD")
                    + (f"; {n - m:,} stand-in vectors" if m < n else ""),
                )
            )
            rows.append((n, "static", t_static, t_plain, v_static.shape[1], ""))
            rows.append((n, "tfidf", t_tfidf, t_plain, v_tfidf.shape[1], "fit + encode"))
            print(
                f"  done n={n}: plain {t_plain:.1f} s, cold {t_cold:.1f} s, warm {t_warm:.2f} s, "
                f"static {t_static:.2f} s, tfidf {t_tfidf:.2f} s",
                flush=True,
            )

        print()
        print(
            f"{'texts':>7} {'embedder':12} {'seconds':>9} {'texts/s':>10} {'x plain':>9} "
            f"{'dim':>5}  note"
        )
        for n, name, t, tp, dim, note in rows:
            print(f"{n:7,d} {name:12} {t:9.2f} {n / t:10,.0f} {tp / t:9.1f} {dim:5d}  {note}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
