"""Key points against human summaries: FewSum (Amazon and Yelp, 8 reviews and 3 human summaries
per entity), ROUGE-1/2/L F1 averaged over the 3 references, then over entities.

    python benchmarks/bench_keypoints.py [--budget 50] [--tune] [--limit N]

Methods, all on the same sentences (kmsynth.text.split_sentences), the same MiniLM embeddings
(all-MiniLM-L6-v2, cached on disk) and the same word budget (sentences added in each method's
order while they fit):
   kmsynth key points   KeyPointSummariser(gate="none", max_words=budget)
   old kmsynth MMR      the former ExtractiveSummariser rule (centrality + MMR, one per post)
   nearest-to-centroid  sentences by cosine to the mean of the entity's sentence vectors
   LexRank              continuous LexRank (PageRank, damping 0.85) on the cosine graph
Also: the share of picks in the first person singular (anecdotes) and of questions.
`--tune` grids the summariser's settings on the *train* split only (both datasets); the
reported figures are on val and test, which tuning never sees.

Data: ../shared/datasets/fewsum_gold.jsonl (skipped cleanly when absent).

Last run (all 160 entities, 5,341 sentences, budget 50 words; references average 50.7 words;
defaults = the settings `--tune` chose on the train split: floor 0.4, first_person 0.7,
length_power 0.1, lexical 0.3 with bigrams). ROUGE-1 / ROUGE-2 / ROUGE-L F1 x100, first-person
share of picks, words used:
                    key points         old MMR            centroid           LexRank
  both test (60)    30.27 5.90 17.79   27.51 4.39 16.34   28.37 5.39 17.37   28.59 5.57 17.42
    first person    10.5 %             48.6 %             37.5 %             36.4 %
  amazon test (20)  29.50 5.16 17.39   29.09 4.57 17.13   28.63 4.87 17.60   28.96 5.04 17.58
  yelp test (40)    30.66 6.26 17.99   26.71 4.29 15.95   28.24 5.65 17.26   28.41 5.83 17.33
  both val (42)     30.37 6.22 18.07   27.83 4.80 16.97   28.35 4.86 16.72   28.41 4.94 16.90
  both train (58)   31.46 6.07 18.61   28.76 4.96 16.85   28.32 5.00 16.68   28.17 4.96 16.76
  Questions among picks: 0 % for key points and old MMR, 0-0.3 % for centroid and LexRank.
  Words used: key points 47-48, old MMR 46-47, centroid and LexRank 49.5 of 50.
Test, both datasets: ROUGE-1 +1.68 over the best baseline (LexRank), ROUGE-2 +0.33. On Amazon
test alone ROUGE-1 is +0.54 over LexRank (below the +1.0 target), ROUGE-2 +0.12.
Without the content-word term (lexical 0, meaning only) train ROUGE-1 was 29.1: most of the gain
comes from covering words many reviewers use, the rest from support by meaning and fewer
anecdotes. Embedding (MiniLM, 2 shared cores) takes ~5 min cold, then comes from the cache.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
FEWSUM = DATASETS / "fewsum_gold.jsonl"


def load(limit: int | None = None) -> list[dict]:
    rows = [json.loads(line) for line in FEWSUM.read_text("utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def sentences(rows: list[dict]):
    from kmsynth.text import split_sentences

    out = []
    for r in rows:
        sents = []
        for k, text in enumerate(r["texts"]):
            sents += split_sentences(
                text,
                f"{r['entity_id']}:{k}",
                author_id=f"{r['entity_id']}:{k}",
                quotable=True,
                language="en",
            )
        out.append(sents)
    return out


def fill(order, sents, budget: int) -> list[str]:
    """Sentences in `order` while they fit the budget (longer ones skipped)."""
    out, left = [], budget
    for i in order:
        w = sents[i].words
        if w <= left:
            out.append(sents[i].text)
            left -= w
    return out


def centroid_order(X: np.ndarray) -> list[int]:
    c = X.mean(axis=0)
    return list(np.argsort(-(X @ c), kind="stable"))


def lexrank_order(X: np.ndarray, damping: float = 0.85) -> list[int]:
    S = np.clip(X @ X.T, 0, None)
    np.fill_diagonal(S, 0)
    rows = S.sum(axis=1, keepdims=True)
    M = np.where(rows > 0, S / np.where(rows > 0, rows, 1), 1 / len(X))
    p = np.full(len(X), 1 / len(X))
    for _ in range(100):
        q = (1 - damping) / len(X) + damping * (M.T @ p)
        if np.abs(q - p).sum() < 1e-9:
            break
        p = q
    return list(np.argsort(-p, kind="stable"))


def old_mmr_order(sents, X: np.ndarray) -> list[int]:
    """The former ExtractiveSummariser: usable sentences (6-50 words, no question/courtesy),
    centrality to the post-weighted centre, MMR (diversity 0.3), one per post, dup at 0.85."""
    from kmsynth.synthesis.quotes import is_courtesy

    ok = [
        i
        for i, s in enumerate(sents)
        if 6 <= s.words <= 50
        and not s.text.rstrip().endswith(("?", ":"))
        and not is_courtesy(s.text)
    ]
    if not ok:
        return []
    posts = [s.post_id for s in sents]
    counts = {p: posts.count(p) for p in posts}
    c = (X / np.array([counts[p] for p in posts])[:, None]).sum(axis=0)
    c /= np.linalg.norm(c) or 1
    Xo = X[ok]
    rel = Xo @ c
    chosen, red = [], np.zeros(len(ok))
    blocked = np.zeros(len(ok), bool)
    while True:
        score = 0.7 * rel - 0.3 * red if chosen else rel.copy()
        score[blocked] = -np.inf
        j = int(np.argmax(score))
        if not np.isfinite(score[j]):
            break
        chosen.append(j)
        sim = Xo @ Xo[j]
        red = np.maximum(red, sim)
        blocked |= sim >= 0.85
        blocked |= np.array([sents[ok[x]].post_id == sents[ok[j]].post_id for x in range(len(ok))])
    return [ok[j] for j in chosen]


def score(picks: list[list[str]], rows: list[dict]) -> dict[str, float]:
    from rouge_score import rouge_scorer

    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    per = {"rouge1": [], "rouge2": [], "rougeL": []}
    for pick, r in zip(picks, rows, strict=True):
        hyp = " ".join(pick)
        res = [sc.score(ref, hyp) for ref in r["reference_summaries"]]
        for key in per:
            per[key].append(np.mean([x[key].fmeasure for x in res]))
    return {k: 100 * float(np.mean(v)) for k, v in per.items()}


def kinds(picks: list[list[str]]) -> tuple[float, float]:
    from kmsynth.synthesis.keypoints import is_first_person
    from kmsynth.synthesis.quotes import is_question

    flat = [s for p in picks for s in p]
    if not flat:
        return 0.0, 0.0
    return (
        100 * np.mean([is_first_person(s) for s in flat]),
        100 * np.mean([is_question(s) for s in flat]),
    )


def run_methods(rows, sents, vecs, budget: int, params: dict | None = None) -> dict:
    from kmsynth.synthesis.keypoints import KeyPointSummariser

    kp = KeyPointSummariser(gate="none", max_words=budget, **(params or {}))
    out = {
        "kmsynth key points": [],
        "old kmsynth MMR": [],
        "nearest-to-centroid": [],
        "LexRank": [],
    }
    for s, X in zip(sents, vecs, strict=True):
        out["kmsynth key points"].append([p.text for p in kp.key_points(s, X)])
        out["old kmsynth MMR"].append(fill(old_mmr_order(s, X), s, budget))
        out["nearest-to-centroid"].append(fill(centroid_order(X), s, budget))
        out["LexRank"].append(fill(lexrank_order(X), s, budget))
    return out


def table(rows, sents, vecs, budget, params=None, label="") -> None:
    groups = {
        "amazon test": lambda r: r["dataset"] == "amazon" and r["split"] == "test",
        "yelp test": lambda r: r["dataset"] == "yelp" and r["split"] == "test",
        "both test": lambda r: r["split"] == "test",
        "both val": lambda r: r["split"] == "val",
        "both train (tuned on)": lambda r: r["split"] == "train",
    }
    picks = run_methods(rows, sents, vecs, budget, params)
    print(
        f"\n{label} budget {budget} words; ROUGE-1 / ROUGE-2 / ROUGE-L F1 (x100); "
        "first-person %, question % of picks"
    )
    for g, keep in groups.items():
        idx = [i for i, r in enumerate(rows) if keep(r)]
        if not idx:
            continue
        print(f"  {g} ({len(idx)} entities)")
        for m, p in picks.items():
            sub = [p[i] for i in idx]
            s = score(sub, [rows[i] for i in idx])
            fp, q = kinds(sub)
            words = np.mean([sum(len(x.split()) for x in y) for y in sub])
            print(
                f"    {m:22s} {s['rouge1']:6.2f} {s['rouge2']:6.2f} {s['rougeL']:6.2f}   "
                f"first-person {fp:5.1f}%  questions {q:4.1f}%  words {words:5.1f}"
            )


def tune(rows, sents, vecs, budget) -> dict:
    train = [i for i, r in enumerate(rows) if r["split"] == "train"]
    grid = {
        "floor": [0.3, 0.4],
        "first_person": [0.4, 0.7],
        "length_power": [0.1, 0.3],
        "lexical": [0.3, 0.5, 0.7],
        "bigrams": [False, True],
    }
    from kmsynth.synthesis.keypoints import KeyPointSummariser

    best, best_p = -1.0, {}
    for combo in itertools.product(*grid.values()):
        p = dict(zip(grid, combo, strict=True))
        kp = KeyPointSummariser(gate="none", max_words=budget, **p)
        picks = [[x.text for x in kp.key_points(sents[i], vecs[i])] for i in train]
        s = score(picks, [rows[i] for i in train])
        obj = s["rouge1"] + s["rouge2"]
        if obj > best:
            best, best_p = obj, p
            print(f"  train R1 {s['rouge1']:.2f} R2 {s['rouge2']:.2f}  {p}", flush=True)
    return best_p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=int, default=50)
    ap.add_argument("--tune", action="store_true", help="grid search on the train split")
    ap.add_argument("--limit", type=int, help="first N entities only (quick check)")
    args = ap.parse_args(argv)
    if not FEWSUM.is_file():
        print(f"skipped: {FEWSUM} not found")
        return 0
    from kmsynth.embed import get_embedder

    rows = load(args.limit)
    sents = sentences(rows)
    emb = get_embedder("minilm", cache_dir=Path(".kmsynth-cache"))
    t0 = time.perf_counter()
    flat = [s.text for ss in sents for s in ss]
    V = emb.encode(flat)
    print(
        f"{len(rows)} entities, {len(flat)} sentences embedded in "
        f"{time.perf_counter() - t0:.1f}s; reference length "
        f"{np.mean([len(x.split()) for r in rows for x in r['reference_summaries']]):.1f} words"
    )
    vecs, a = [], 0
    for ss in sents:
        vecs.append(np.asarray(V[a : a + len(ss)]))
        a += len(ss)
    params = tune(rows, sents, vecs, args.budget) if args.tune else None
    table(rows, sents, vecs, args.budget, params, "tuned" if params else "defaults")
    return 0


if __name__ == "__main__":
    sys.exit(main())
