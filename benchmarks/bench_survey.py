"""Open-ended survey answers: how many themes one question gets, against human codes.

Data: the NHS Friends and Family Test answers with human codes (10,334 short answers, 9 codes,
5 questions of 928-3,307 answers; ../shared/datasets/fft_phase1_single_label.jsonl). A survey
question in kmsynth's use has ~100-300 answers, so each run draws question-sized samples
(default: 124 and 300 answers, 5 seeded samples each, from each of the 5 questions in turn) and
fits, on the same embeddings, in the same run:
- kmsynth: `survey.fit_open_themes` (what `survey_section` uses: as many themes as could each
  be shown, answers / 2k from 2 to 12, seeded, no pillar guidance);
- the themes engine's own choice of the number of themes (`themes.fit_themes`, no guidance);
- vanilla BERTopic(): every default on the same embeddings (UMAP unseeded);
- reference: k-means told the number of codes present in the sample (no user knows it).
Figures: themes found, codes present (a careful coder's count), NMI and ARI against the codes
(outliers one cluster), themes a report can show at k = 10 (with secondary suppression), and
seconds per fit.

    python benchmarks/bench_survey.py [--sizes 124 300] [--reps 5] [--embedder minilm]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
FFT = DATA / "fft_phase1_single_label.jsonl"
K = 10  # small-cell threshold of the report


def scores(labels: list[str], assigned: np.ndarray) -> dict[str, float]:
    """Themes, NMI and ARI against the codes (outliers one cluster), themes shown at K."""
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from kmsynth.survey.stats import suppress_parts

    counts = pd.Series(assigned).value_counts()
    shown = suppress_parts(counts, K).drop(index=-1, errors="ignore").notna().sum()
    return {
        "themes": len(set(assigned.tolist()) - {-1}),
        "codes": len(set(labels)),
        "nmi": normalized_mutual_info_score(labels, assigned),
        "ari": adjusted_rand_score(labels, assigned),
        "shown": int(shown),
        "outliers": float((assigned == -1).mean()),
    }


def methods(e, k: int) -> dict[str, Callable]:
    """name -> fit(texts, ids, X, labels) -> assignments, all on the same embeddings."""
    from bertopic import BERTopic
    from sklearn.cluster import KMeans

    from kmsynth.survey import fit_open_themes
    from kmsynth.themes import fit_themes

    def ours(texts, ids, X, labels):
        res = fit_open_themes(texts, ids, embedder=e, embeddings=X, k=k, seed=42)
        return res.assignments["theme_id"].to_numpy()

    def engine(texts, ids, X, labels):
        res = fit_themes(texts, ids, embedder=e, embeddings=X, seed=42, guided=False)
        return res.assignments["theme_id"].to_numpy()

    def vanilla(texts, ids, X, labels):
        return np.asarray(BERTopic().fit_transform(texts, embeddings=X)[0])

    def kmeans(texts, ids, X, labels):
        n = len(set(labels))
        return KMeans(n_clusters=n, n_init=4, random_state=42).fit_predict(X)

    return {
        "kmsynth open themes": ours,
        "themes engine's own choice": engine,
        "vanilla BERTopic()": vanilla,
        "k-means, k = codes (reference)": kmeans,
    }


def main(sizes: list[int], reps: int, embedder: str) -> None:
    from kmsynth.embed.embedders import get_embedder

    logging.getLogger("BERTopic").setLevel(logging.ERROR)
    rows = [json.loads(line) for line in FFT.open(encoding="utf-8")]
    rows = [r for r in rows if isinstance(r.get("text"), str) and r["text"].strip()]
    questions = sorted({r["question"] for r in rows})
    print(
        f"FFT: {len(rows):,} answers, {len({r['label'] for r in rows})} codes, "
        f"{len(questions)} questions; samples of {sizes} answers, {reps} per size"
    )
    e = get_embedder(embedder, cache_dir=ROOT / ".kmsynth-cache")
    draws = []  # (size, question, indices): every sample drawn first, embedded once
    for size in sizes:
        for rep in range(reps):
            q = questions[rep % len(questions)]
            pool = [i for i, r in enumerate(rows) if r["question"] == q]
            draws.append((size, q, np.random.default_rng(rep).choice(pool, size, replace=False)))
    used = sorted({int(i) for _, _, pick in draws for i in pick})
    t0 = time.perf_counter()
    vec = dict(
        zip(used, e.encode([rows[i]["text"] for i in used], show_progress=False), strict=True)
    )
    print(
        f"{embedder}: {len(used):,} answers embedded in {time.perf_counter() - t0:.0f} s "
        f"({e.model_id}; cached on disk for re-runs)"
    )
    fits = methods(e, K)
    head = (
        f"{'answers':>7} {'method':32} {'themes':>6} {'codes':>6} {'shown':>6} {'NMI':>6} "
        f"{'ARI':>6} {'outl.':>6} {'s/fit':>6}"
    )
    print(head + "\n" + "-" * len(head))
    for size in sizes:
        got: dict[str, list[dict[str, float]]] = {m: [] for m in fits}
        for _, _, pick in (d for d in draws if d[0] == size):
            texts = [rows[i]["text"] for i in pick]
            labels = [rows[i]["label"] for i in pick]
            ids = [rows[i]["id"] for i in pick]
            X = np.vstack([vec[int(i)] for i in pick])
            for name, fit in fits.items():
                t0 = time.perf_counter()
                s = scores(labels, fit(texts, ids, X, labels))
                s["seconds"] = time.perf_counter() - t0
                got[name].append(s)
        for name, runs in got.items():
            m = {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
            print(
                f"{size:7d} {name:32} {m['themes']:6.1f} {m['codes']:6.1f} {m['shown']:6.1f} "
                f"{m['nmi']:6.3f} {m['ari']:6.3f} {m['outliers']:6.1%} {m['seconds']:6.1f}",
                flush=True,
            )
    print(
        "\nMeans over the samples. codes: human codes present in the sample; shown: themes a "
        f"report shows at k = {K} (small ones and a second one hidden). Vanilla BERTopic's "
        "UMAP is unseeded: its figures move a little between runs."
    )


if __name__ == "__main__":
    if not FFT.is_file():
        print(f"skipped: {FFT} not found")
        raise SystemExit(0)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[124, 300])
    ap.add_argument("--reps", type=int, default=5, help="samples per size")
    ap.add_argument("--embedder", default="minilm")
    a = ap.parse_args()
    main(a.sizes, a.reps, a.embedder)
