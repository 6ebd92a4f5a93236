"""Evaluation linking on SciFact (claims play findings, abstracts the inventory) and on the
shipped labelled set: P@1, R@3, MRR for lexical, semantic and hybrid retrieval; how often the
evidence sentence shown is a gold rationale sentence; supports/contradicts cue accuracy; and
the time to link 2,000 findings against 5,000 lessons (embeddings cached) against plain
brute-force cosine with sentence-transformers.

    python benchmarks/bench_link.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DS = ROOT.parent / "shared" / "datasets"


def metrics(cands: pd.DataFrame, gold: dict[str, set[str]]) -> tuple[float, float, float]:
    p1, r3, rr = [], [], []
    by = {fid: g.sort_values("rank") for fid, g in cands.groupby("finding_id")}
    for fid, lids in gold.items():
        sub = by.get(fid)
        ranked = list(sub["lesson_id"]) if sub is not None else []
        p1.append(1.0 if ranked[:1] and ranked[0] in lids else 0.0)
        r3.append(len(set(ranked[:3]) & lids) / len(lids))
        first = next((i + 1 for i, l in enumerate(ranked) if l in lids), None)
        rr.append(1 / first if first else 0.0)
    return float(np.mean(p1)), float(np.mean(r3)), float(np.mean(rr))


def run(name: str, findings: pd.DataFrame, lessons: pd.DataFrame, gold: dict[str, set[str]], emb) -> dict:
    from kmsynth.link import Linker

    out = {}
    for mode in ("lexical", "semantic", "hybrid"):
        t0 = time.perf_counter()
        lk = Linker(emb, top_k=10, mode=mode, country_boost=0, pillar_boost=0).fit(lessons)
        c = lk.rank(findings)
        out[mode] = metrics(c, gold) + (time.perf_counter() - t0,)
    print(f"\n{name}: {len(findings):,} findings x {len(lessons):,} lessons")
    print(f"{'mode':10} {'P@1':>6} {'R@3':>6} {'MRR':>6} {'seconds':>8}")
    for mode, (p1, r3, m, t) in out.items():
        print(f"{mode:10} {p1:6.3f} {r3:6.3f} {m:6.3f} {t:8.1f}")
    return out


def scifact(emb) -> None:
    from kmsynth.link import Linker, _CONTRA

    claims = [json.loads(l) for l in (DS / "scifact_claims.jsonl").open()]
    corpus = [json.loads(l) for l in (DS / "scifact_corpus.jsonl").open()]
    qrels = [json.loads(l) for l in (DS / "scifact_qrels.jsonl").open()]
    gold: dict[str, set[str]] = {}
    label: dict[str, str] = {}
    rationale: dict[tuple[str, str], set[int]] = {}
    for q in qrels:
        gold.setdefault(str(q["claim_id"]), set()).add(str(q["doc_id"]))
        label[str(q["claim_id"])] = q["label"]
        rationale[(str(q["claim_id"]), str(q["doc_id"]))] = {i for grp in q["rationale_sentences"] for i in grp}
    claim_text = {str(c["claim_id"]): c["claim"] for c in claims}
    findings = pd.DataFrame({"finding_id": list(gold), "text": [claim_text[c] for c in gold]})
    lessons = pd.DataFrame({"lesson_id": [str(d["doc_id"]) for d in corpus],
                            "text": [" ".join(d["sentences"]) for d in corpus]})
    sents = {str(d["doc_id"]): d["sentences"] for d in corpus}
    run("SciFact", findings, lessons, gold, emb)
    # evidence sentence: for correct top-1 links, is the best-matching abstract sentence a rationale?
    lk = Linker(emb, top_k=1).fit(lessons)
    c = lk.rank(findings)
    hits, total = 0, 0
    for fid, lid in zip(c.finding_id, c.lesson_id):
        if lid not in gold[fid]:
            continue
        ss = sents[lid]
        sim = emb.encode([claim_text[fid]]) @ emb.encode(ss).T
        best = int(np.argmax(sim))
        total += 1
        hits += best in rationale[(fid, lid)]
    print(f"evidence sentence is a gold rationale sentence: {hits}/{total} = {hits / max(1, total):.3f}")
    cue = [(_CONTRA.search(claim_text[f]) is not None) == (label[f] == "CONTRADICT") for f in gold]
    base = np.mean([label[f] != "CONTRADICT" for f in gold])
    print(f"supports/contradicts cue accuracy: {np.mean(cue):.3f} (always 'supports': {base:.3f})")
    # speed: 2,000 findings x 5,000 lessons, embeddings cached, against brute-force cosine
    f2 = pd.concat([findings] * (2000 // len(findings) + 1)).head(2000)
    f2 = f2.assign(finding_id=[f"{a}-{i}" for i, a in enumerate(f2.finding_id)])
    l5 = lessons.head(5000)
    emb.encode(f2.text.tolist())  # warm the cache
    t0 = time.perf_counter()
    Linker(emb, top_k=5).fit(l5).link(f2)
    t_ours = time.perf_counter() - t0
    from sentence_transformers import SentenceTransformer

    from kmsynth.embed import default_model_path

    st = SentenceTransformer(default_model_path(), device="cpu")
    t0 = time.perf_counter()
    a = st.encode(f2.text.tolist(), normalize_embeddings=True, batch_size=64)
    b = st.encode(l5.text.tolist(), normalize_embeddings=True, batch_size=64)
    np.argsort(-(a @ b.T), axis=1)[:, :5]
    t_plain = time.perf_counter() - t0
    print(f"2,000 x 5,000: kmsynth link (cached, with evidence) {t_ours:.1f} s; "
          f"plain sentence-transformers cosine (uncached) {t_plain:.1f} s; ratio {t_plain / t_ours:.1f}x")


def main() -> None:
    from kmsynth.embed import get_embedder

    emb = get_embedder("minilm", cache_dir=ROOT / ".kmsynth-cache")
    f = pd.read_csv(ROOT / "tests/data/link_findings.csv", dtype=str, keep_default_na=False)
    l_ = pd.read_csv(ROOT / "tests/data/link_lessons.csv", dtype=str, keep_default_na=False)
    t = pd.read_csv(ROOT / "tests/data/link_truth.csv", dtype=str)
    run("shipped labelled set", f, l_, {a: {b} for a, b in zip(t.finding_id, t.lesson_id)}, emb)
    if (DS / "scifact_claims.jsonl").is_file():
        scifact(emb)
    else:
        print("SciFact not found: skipped")


if __name__ == "__main__":
    main()
