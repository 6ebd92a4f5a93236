"""Summary quality without reference summaries: coverage. For each theme of the sample month,
coverage = mean over the theme's posts of the highest cosine between the post and any summary
sentence (how well 3 sentences stand for the theme). The MMR summariser against two plain
alternatives in the same run: the first 3 sentences of the theme's posts, and 3 random ones.

    python benchmarks/bench_summarise.py
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from kmsynth.config import load_config
    from kmsynth.embed import get_embedder
    from kmsynth.prepare import prepare
    from kmsynth.summarise import ExtractiveSummariser, sentences_of
    from kmsynth.themes import fit_themes

    cfg = load_config(ROOT / "data" / "sample" / "kmsynth.yml")
    posts = prepare("posts", cfg.data.posts, cfg).table
    posts = posts[posts["created_at"].dt.strftime("%Y-%m") == "2026-10"].reset_index(drop=True)
    emb = get_embedder("minilm", cache_dir=ROOT / ".kmsynth-cache")
    res = fit_themes(posts["text"].tolist(), posts["post_id"].astype(str).tolist(), embedder=emb, seed=42)
    doc_vecs = dict(zip(posts["post_id"].astype(str), res.embeddings))
    sents = sentences_of(posts)
    svecs = emb.encode([s.text for s in sents])
    by_post: dict[str, list[int]] = {}
    for i, s in enumerate(sents):
        by_post.setdefault(s.post_id, []).append(i)
    rng = random.Random(0)
    scores = {"MMR (kmsynth)": [], "first 3 sentences": [], "random 3": []}
    for r in res.themes.itertuples():
        members = res.assignments.loc[res.assignments.theme_id == r.theme_id, "doc_id"].tolist()
        idx = [i for m in members for i in by_post.get(m, [])]
        D = np.vstack([doc_vecs[m] for m in members])
        picks = {"MMR (kmsynth)": [sents.index(s) for s in ExtractiveSummariser().summarise([sents[i] for i in idx], svecs[idx], k=3)],
                 "first 3 sentences": idx[:3], "random 3": rng.sample(idx, min(3, len(idx)))}
        for name, p in picks.items():
            if p:
                scores[name].append(float((D @ svecs[p].T).max(axis=1).mean()))
    print(f"{len(res.themes)} themes, {len(posts)} posts (sample, 2026-10), minilm")
    print(f"{'summariser':20} {'coverage':>9}")
    for name, v in scores.items():
        print(f"{name:20} {np.mean(v):9.3f}")


if __name__ == "__main__":
    main()
