"""Themes: quality on 20 Newsgroups and speed, kmsynth against vanilla BERTopic in the same run.

    python benchmarks/bench_themes.py quality [--n 18846]
    python benchmarks/bench_themes.py speed [--sizes 2000 20000]

quality: NPMI coherence and diversity of each theme's top-10 words (computed on the raw posts
with the same tokeniser for every model, outlier topic excluded), and NMI / ARI of the
assignments against the newsgroup labels, for kmsynth with each embedder and for vanilla
`BERTopic()` on the same minilm embeddings. Note: the BERTopic paper's 0.166 / 0.851 use
OCTIS's preprocessed corpus (lemmatised, stop words removed) averaged over 10-50 topics; raw-post
figures are not directly comparable (see ../shared/datasets/README.md).

speed: wall time and peak memory (each case in its own process) for n texts: vanilla BERTopic
with the same sentence-transformers model (embeds then fits), kmsynth cold (empty cache),
kmsynth warm (embeddings and reduced embeddings cached), kmsynth static (cold).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "20ng.jsonl"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load(n: int | None = None, seed: int = 0) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    texts = [r["text"] for r in rows if r["text"].strip()]
    labels = [r["label"] for r in rows if r["text"].strip()]
    if n and n > len(texts):  # recombine sentences to reach larger sizes
        extra = []
        while len(texts) + len(extra) < n:
            a, b = rng.integers(0, len(texts), 2)
            extra.append(texts[a][: len(texts[a]) // 2] + " " + texts[b][len(texts[b]) // 2 :])
        texts, labels = texts + extra, labels + ["mixed"] * len(extra)
    return (texts[:n], labels[:n]) if n else (texts, labels)


def npmi_diversity(topics: list[list[str]], texts: list[str]) -> tuple[float, float]:
    """Mean NPMI over word pairs of each topic's top-10 words (document co-occurrence), and
    diversity = unique words / all words in the top-10 lists."""
    from sklearn.feature_extraction.text import CountVectorizer

    vocab = sorted({w for t in topics for w in t})
    if not vocab:
        return float("nan"), float("nan")
    cv = CountVectorizer(
        vocabulary=vocab,
        binary=True,
        lowercase=True,
        token_pattern=r"(?u)\b[^\W\d_][^\W\d_'’-]+\b",
        ngram_range=(1, 2),
    )
    X = cv.fit_transform(texts).tocsc().astype(np.float64)
    n = X.shape[0]
    idx = {w: i for i, w in enumerate(vocab)}
    df = np.asarray(X.sum(axis=0)).ravel()
    scores = []
    for t in topics:
        words = [w for w in t if w in idx][:10]
        s = []
        for i in range(len(words)):
            for j in range(i + 1, len(words)):
                a, b = idx[words[i]], idx[words[j]]
                co = X[:, a].multiply(X[:, b]).sum()
                if co == 0 or df[a] == 0 or df[b] == 0:
                    s.append(-1.0)
                    continue
                p_ab, p_a, p_b = co / n, df[a] / n, df[b] / n
                pmi = np.log(p_ab / (p_a * p_b))
                s.append(pmi / -np.log(p_ab) if p_ab < 1 else 1.0)
        if s:
            scores.append(np.mean(s))
    all_words = [w for t in topics for w in t[:10]]
    return float(np.mean(scores)), len(set(all_words)) / max(1, len(all_words))


def quality(n: int | None) -> None:
    from bertopic import BERTopic
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from kmsynth.embed.embedders import get_embedder
    from kmsynth.themes import fit_themes

    texts, labels = load(n)
    cache = Path(tempfile.gettempdir()) / "kmsynth-bench-cache"
    print(f"20 Newsgroups: {len(texts):,} posts, {len(set(labels))} groups")
    rows = []
    embs = {}
    for name in ("minilm", "static", "tfidf"):
        e = get_embedder(name, cache_dir=None if name == "tfidf" else cache)
        t0 = time.perf_counter()
        if name == "tfidf":
            e.fit(texts)
        X = e.encode(texts, show_progress=False)
        embs[name] = (e, X)
        t_emb = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = fit_themes(texts, embedder=e, embeddings=X, seed=42, guided=False, cache_dir=cache)
        t_fit = time.perf_counter() - t0
        topics = [k.split("; ") for k in res.themes["keywords"]]
        npmi, div = npmi_diversity(topics, texts)
        a = res.assignments["theme_id"].to_numpy()
        rows.append(
            (
                f"kmsynth {name}",
                len(topics),
                npmi,
                div,
                normalized_mutual_info_score(labels, a),
                adjusted_rand_score(labels, a),
                res.outlier_share,
                res.outlier_share_final,
                t_emb,
                t_fit,
            )
        )
    # vanilla BERTopic on the same minilm embeddings (its own defaults: UMAP, HDBSCAN(10), c-TF-IDF)
    e, X = embs["minilm"]
    t0 = time.perf_counter()
    from sentence_transformers import SentenceTransformer

    from kmsynth.embed.embedders import default_model_path

    vanilla = BERTopic(embedding_model=SentenceTransformer(default_model_path(), device="cpu"))
    topics_v, _ = vanilla.fit_transform(texts, embeddings=X)
    t_fit = time.perf_counter() - t0
    tv = np.asarray(topics_v)
    words = [[w for w, _ in vanilla.get_topic(t)][:10] for t in sorted(set(tv) - {-1})]
    npmi, div = npmi_diversity(words, texts)
    rows.append(
        (
            "vanilla BERTopic (minilm)",
            len(words),
            npmi,
            div,
            normalized_mutual_info_score(labels, tv),
            adjusted_rand_score(labels, tv),
            float((tv == -1).mean()),
            float((tv == -1).mean()),
            0.0,
            t_fit,
        )
    )
    print(
        f"{'model':28} {'themes':>6} {'NPMI':>7} {'divers':>7} {'NMI':>6} {'ARI':>6} "
        f"{'outl0':>6} {'outl':>6} {'emb s':>7} {'fit s':>7}"
    )
    for r in rows:
        print(
            f"{r[0]:28} {r[1]:6d} {r[2]:7.3f} {r[3]:7.3f} {r[4]:6.3f} {r[5]:6.3f} "
            f"{r[6]:6.2f} {r[7]:6.2f} {r[8]:7.1f} {r[9]:7.1f}"
        )


CASE = r"""
import json, os, resource, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, {root!r})
from benchmarks.bench_themes import load
case, n, cache = sys.argv[1], int(sys.argv[2]), sys.argv[3]
texts, _ = load(n)
t0 = time.perf_counter()
if case == "vanilla":
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer
    from kmsynth.embed.embedders import default_model_path
    model = SentenceTransformer(default_model_path(), device="cpu")
    BERTopic(embedding_model=model).fit_transform(texts)
else:
    from kmsynth.embed.embedders import get_embedder
    from kmsynth.themes import fit_themes
    e = get_embedder("static" if case == "static" else "minilm", cache_dir=cache)
    fit_themes(texts, embedder=e, seed=42, cache_dir=cache)
print(json.dumps({{"s": time.perf_counter() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def speed(sizes: list[int]) -> None:
    root = str(Path(__file__).resolve().parent.parent)
    script = CASE.format(root=root)
    print(f"{'n':>7} {'case':10} {'seconds':>9} {'peak MB':>8} {'vs vanilla':>10}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as cache:
            # the static model is distilled once into this cache first (not timed: a one-off)
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import sys; sys.path.insert(0,{root!r});"
                    "from kmsynth.embed.embedders import get_embedder;"
                    f"get_embedder('static', cache_dir={cache!r}).encode(['x'])",
                ],
                check=True,
                capture_output=True,
            )
            out = {}
            for case in ("vanilla", "cold", "warm", "static"):
                p = subprocess.run(
                    [sys.executable, "-c", script, case, str(n), cache],
                    capture_output=True,
                    text=True,
                )
                if p.returncode:
                    print(p.stderr[-2000:])
                    continue
                out[case] = json.loads(p.stdout.strip().splitlines()[-1])
            v = out.get("vanilla", {}).get("s")
            for case, r in out.items():
                ratio = f"{v / r['s']:.1f}x" if v else ""
                print(f"{n:7d} {case:10} {r['s']:9.1f} {r['peak_mb']:8.0f} {ratio:>10}", flush=True)


if __name__ == "__main__":
    if not DATA.is_file():
        print(f"skipped: {DATA} not found")
        raise SystemExit(0)
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["quality", "speed"])
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    a = ap.parse_args()
    quality(a.n) if a.what == "quality" else speed(a.sizes)
