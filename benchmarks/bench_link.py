"""Evaluation linking benchmark.

1. Retrieval quality, P@1 / R@3 / MRR for lexical alone (BM25), semantic alone (minilm cosine,
   i.e. plain sentence-transformers search) and kmsynth's hybrid, on
   - the labelled set shipped in tests/data (35 findings x 44 lessons),
   - the bundled sample data (data/sample, links_truth.csv), and
   - SciFact (claims play findings, the 5,183 abstracts the inventory, qrels the gold links).
2. Links at the calibrated threshold: precision / recall / F1 (on the shipped set with 5-fold
   cross-validated calibration, on the sample and on SciFact with the shipped calibration).
3. Evidence: how often the lesson sentence shown is a SciFact gold rationale sentence, against
   the abstract's first sentence and a random one; supports-vs-contradicts cue accuracy.
4. Speed: 2,000 findings x 5,000 lessons with cached embeddings, against plain
   sentence-transformers brute-force cosine and plain rank_bm25.

    python benchmarks/bench_link.py              # everything (first run embeds SciFact: minutes)
    python benchmarks/bench_link.py --calibrate  # refit resources/link_calibration.json first
    python benchmarks/bench_link.py --quick      # skip SciFact and the scale run
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DS = ROOT.parent / "shared" / "datasets"
TESTS = ROOT / "tests" / "data"
SAMPLE = ROOT / "data" / "sample"
CACHE = ROOT / ".kmsynth-cache"
NO_BOOST = dict(same_country_boost=0, same_region_boost=0, same_pillar_boost=0)
MODES = {"lexical (BM25)": {"semantic_weight": 0}, "semantic (minilm)": {"lexical_weight": 0},
         "hybrid": {}}


def gold_sets(gold: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a, b in zip(gold["finding_id"].astype(str), gold["lesson_id"].astype(str)):
        out.setdefault(a, set()).add(b)
    return out


def ranking_metrics(cands: pd.DataFrame, gold: dict[str, set[str]]) -> tuple[float, float, float]:
    """P@1, R@3, MRR over the findings that have gold links (candidates ranked by `rank`)."""
    by = {fid: g.sort_values("rank")["lesson_id"].tolist() for fid, g in cands.groupby("finding_id")}
    p1, r3, rr = [], [], []
    for fid, lids in gold.items():
        ranked = by.get(fid, [])
        p1.append(float(bool(ranked) and ranked[0] in lids))
        r3.append(len(set(ranked[:3]) & lids) / len(lids))
        first = next((i + 1 for i, x in enumerate(ranked) if x in lids), None)
        rr.append(1 / first if first else 0.0)
    return float(np.mean(p1)), float(np.mean(r3)), float(np.mean(rr))


def link_metrics(links: pd.DataFrame, gold: dict[str, set[str]], findings: set[str] | None = None) -> tuple:
    """Precision, recall, F1 of the links (pairs) against the gold pairs."""
    truth = {(a, b) for a, ls in gold.items() for b in ls if findings is None or a in findings}
    pairs = set(zip(links["finding_id"].astype(str), links["lesson_id"].astype(str)))
    if findings is not None:
        pairs = {p for p in pairs if p[0] in findings}
    tp = len(pairs & truth)
    p = tp / max(1, len(pairs))
    r = tp / max(1, len(truth))
    return p, r, 2 * p * r / max(1e-9, p + r), len(pairs)


def table(title: str, rows: list[tuple], header: tuple) -> None:
    print(f"\n{title}")
    widths = [max(len(str(h)), *(len(f"{r[i]:.3f}" if isinstance(r[i], float) else str(r[i])) for r in rows))
              for i, h in enumerate(header)]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join((f"{v:.3f}" if isinstance(v, float) else str(v)).ljust(w) for v, w in zip(r, widths)))


def compare_modes(name: str, f: pd.DataFrame, l_: pd.DataFrame, gold: dict[str, set[str]], emb,
                  boosts: bool = True) -> dict[str, tuple]:
    from kmsynth.link.linker import Linker

    out = {}
    for mode, kw in MODES.items():
        t0 = time.perf_counter()
        c = Linker(emb, top_k=10, **kw, **NO_BOOST).fit(l_).rank(f)
        out[mode] = ranking_metrics(c, gold) + (time.perf_counter() - t0,)
    if boosts:
        c = Linker(emb, top_k=10).fit(l_).rank(f)
        out["hybrid + country/pillar boosts"] = ranking_metrics(c, gold) + (0.0,)
    table(f"{name}: {len(f):,} findings x {len(l_):,} lessons, {len(gold)} findings with gold links",
          [(m, *v[:3]) for m, v in out.items()], ("retrieval", "P@1", "R@3", "MRR"))
    return out


# --------------------------------------------------------------------------------------------
# 1-2: the shipped labelled set and the bundled sample


def load_labelled():
    from kmsynth.ingest.prepare import prepare

    f = prepare("findings", TESTS / "links_findings.csv").table
    l_ = prepare("lessons", TESTS / "links_lessons.csv").table
    return f, l_, pd.read_csv(TESTS / "links_labelled.csv", dtype=str)


def shipped_set(emb) -> None:
    from sklearn.model_selection import GroupKFold

    from kmsynth.link.linker import Linker, calibrate

    f, l_, g = load_labelled()
    gold = gold_sets(g)
    compare_modes("Shipped labelled set (tests/data)", f, l_, gold, emb)
    # links at the threshold, calibration fitted on the other folds (findings held out)
    rows = []
    for name, e in (("minilm", emb), ("lexical only", None)):
        links = []
        for tr, te in GroupKFold(n_splits=5).split(f, groups=f["finding_id"]):
            ftr, fte = f.iloc[tr], f.iloc[te]
            cal = calibrate(ftr, l_, g[g.finding_id.isin(ftr.finding_id)], e)
            links.append(Linker(e, calibration=cal).fit(l_).link(fte).links)
        rows.append((name, *link_metrics(pd.concat(links), gold)[:3]))
    table("Shipped set, links at the threshold (5-fold: calibrated on 4/5 of the findings, scored on the rest)",
          rows, ("embedder", "precision", "recall", "F1"))
    res = Linker(emb).fit(l_).link(f)
    rel = res.links.merge(g, on=["finding_id", "lesson_id"], suffixes=("", "_gold"))
    rel = rel.rename(columns={"relation": "shown", "relation_gold": "gold"})
    acc = float((rel["shown"].eq("contradicts?") == rel["gold"].eq("contradicts")).mean())
    print(f"supports/contradicts cue on the shipped set's true links: accuracy {acc:.3f} over {len(rel)} links "
          f"({int(rel['gold'].eq('contradicts').sum())} contradicting; always 'supports' would score "
          f"{rel['gold'].eq('supports').mean():.3f})")


def sample_data(emb) -> None:
    import subprocess
    import tempfile

    from kmsynth.config import load_config
    from kmsynth.link.linker import Linker
    from kmsynth.ingest.prepare import prepare

    if not (SAMPLE / "links_truth.csv").is_file():
        print("\ndata/sample/links_truth.csv not found: sample skipped")
        return
    cfg = load_config(SAMPLE / "kmsynth.yml")
    f = prepare("findings", SAMPLE / "findings.xlsx", cfg).table
    l_ = prepare("lessons", SAMPLE / "lessons.xlsx", cfg).table
    truth = pd.read_csv(SAMPLE / "links_truth.csv", dtype=str)
    gold = gold_sets(truth)
    compare_modes("Bundled sample (data/sample, links_truth.csv)", f, l_, gold, emb)
    rows = []
    res = Linker(emb).fit(l_).link(f)
    rows.append(("library, minilm, top 5", *link_metrics(res.links, gold)))
    gapf = set(res.gaps_findings["finding_id"])
    no_gold = set(f["finding_id"]) - set(gold)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "kmsynth", "link", str(SAMPLE / "findings.xlsx"), str(SAMPLE / "lessons.xlsx"),
               "--out", tmp, "--config", str(SAMPLE / "kmsynth.yml")]
        t0 = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        took = time.perf_counter() - t0
        if run.returncode != 0:
            print(f"kmsynth link on the sample failed with exit {run.returncode}: {run.stderr[-500:]}")
        else:
            cli = pd.read_csv(Path(tmp) / "links.csv", dtype=str, keep_default_na=False)
            rows.append((f"kmsynth link CLI (config: {cfg.embedding.embedder})", *link_metrics(cli, gold)))
            print(f"\nkmsynth link on the sample: exit 0 in {took:.1f} s; {run.stdout.strip()}")
    table("Sample, links at the shipped threshold (calibrated on tests/data only: out of sample)",
          rows, ("run", "precision", "recall", "F1", "links"))
    print(f"sample findings without a gold link: {len(no_gold)}; reported as gaps: {len(gapf & no_gold)} "
          f"(and {len(gapf - no_gold)} findings with a gold link reported as gaps)")


# --------------------------------------------------------------------------------------------
# 3: SciFact


def load_scifact():
    claims = [json.loads(x) for x in (DS / "scifact_claims.jsonl").open()]
    corpus = [json.loads(x) for x in (DS / "scifact_corpus.jsonl").open()]
    qrels = [json.loads(x) for x in (DS / "scifact_qrels.jsonl").open()]
    text = {str(c["claim_id"]): c["claim"] for c in claims}
    gold: dict[str, set[str]] = {}
    label: dict[tuple[str, str], str] = {}
    rationale: dict[tuple[str, str], set[int]] = {}
    for q in qrels:
        key = (str(q["claim_id"]), str(q["doc_id"]))
        gold.setdefault(key[0], set()).add(key[1])
        label[key] = q["label"]
        rationale[key] = {i for grp in q["rationale_sentences"] for i in grp}
    findings = pd.DataFrame({"finding_id": list(gold), "text": [text[c] for c in gold], "language": "en"})
    lessons = pd.DataFrame({"lesson_id": [str(d["doc_id"]) for d in corpus],
                            "title": [d["title"] for d in corpus],
                            "text": [" ".join(s.strip() for s in d["sentences"]) for d in corpus],
                            "language": "en"})
    sents = {str(d["doc_id"]): [s.strip() for s in d["sentences"]] for d in corpus}
    return claims, findings, lessons, gold, label, rationale, sents


def _sentence_index(chosen: str, gold_sentences: list[str]) -> int:
    """Which of the dataset's sentences the shown sentence is (our splitter may cut differently)."""
    for i, s in enumerate(gold_sentences):
        if chosen == s or chosen in s or (s and s in chosen):
            return i
    words = set(chosen.lower().split())
    return int(np.argmax([len(words & set(s.lower().split())) for s in gold_sentences]))


def scifact(emb) -> None:
    from kmsynth.link.linker import Linker, calibration_key

    _, f, l_, gold, label, rationale, sents = load_scifact()
    t0 = time.perf_counter()
    emb.encode((l_["title"] + ". " + l_["text"]).tolist(), show_progress=True)  # what Linker.fit indexes
    emb.encode(f["text"].tolist())
    print(f"\nSciFact: embeddings ready in {time.perf_counter() - t0:.0f} s (cached for later runs)")
    compare_modes("SciFact (claims -> abstracts)", f, l_, gold, emb, boosts=False)

    lk = Linker(emb, top_k=5).fit(l_)
    res = lk.link(f)
    p, r, f1, n = link_metrics(res.links, gold)
    print(f"SciFact links at the shipped {calibration_key(emb)} threshold {lk.threshold_:.3f}: {n:,} links, "
          f"precision {p:.3f}, recall {r:.3f}, F1 {f1:.3f}  (calibrated on the EVAWG set, not on SciFact)")

    # the same calibration fitted in-domain: on SciFact's train claims, applied to its dev claims
    from kmsynth.link.linker import calibrate

    split = {str(q["claim_id"]): q["split"] for q in map(json.loads, (DS / "scifact_qrels.jsonl").open())}
    tr = f[f["finding_id"].map(split) == "train"]
    dev = f[f["finding_id"].map(split) == "dev"]
    g_tr = pd.DataFrame([(a, b) for a in tr["finding_id"] for b in gold[a]], columns=["finding_id", "lesson_id"])
    cal = calibrate(tr, l_, g_tr, emb)
    dev_links = Linker(emb, top_k=5, calibration=cal).fit(l_).link(dev).links
    p, r, f1, n = link_metrics(dev_links, {a: gold[a] for a in dev["finding_id"]})
    shipped = link_metrics(res.links, gold, findings=set(dev["finding_id"]))
    table(f"SciFact dev claims ({len(dev)}), links at the threshold",
          [("shipped calibration (EVAWG labelled set)", *shipped),
           (f"calibrate() on SciFact train ({len(tr)} claims), threshold {cal['threshold']:.3f}", p, r, f1, n)],
          ("calibration", "precision", "recall", "F1", "links"))

    # evidence sentences on every gold pair (what a reviewer sees for a true link)
    pairs = sorted(rationale)
    ftext = dict(zip(f["finding_id"], f["text"]))
    ltext = dict(zip(l_["lesson_id"], l_["text"]))
    rows = []
    rng = np.random.default_rng(0)
    for name, w, e in (("hybrid: sentence cosine + 0.3 x stem overlap (default)", 0.3, emb),
                       ("sentence cosine only", 0.0, emb), ("stem overlap only (no embedder)", 1.0, None)):
        k = Linker(e, sentence_lexical_weight=w).fit(l_)
        best = k._best_sentences([(ftext[a], ltext[b], "en", "en") for a, b in pairs])
        hits = [_sentence_index(ls, sents[b]) in rationale[(a, b)] for (a, b), (_, ls) in zip(pairs, best)]
        rows.append((name, float(np.mean(hits))))
    rows.append(("the abstract's first sentence", float(np.mean([0 in rationale[p] for p in pairs]))))
    rows.append(("a random sentence (expected)", float(np.mean([len(rationale[p]) / len(sents[p[1]]) for p in pairs]))))
    table(f"SciFact evidence: the lesson sentence shown is a gold rationale sentence ({len(pairs)} gold pairs)",
          rows, ("sentence choice", "share"))

    # supports vs contradicts cue on the gold pairs (evidence sentence of the abstract)
    best = lk._best_sentences([(ftext[a], ltext[b], "en", "en") for a, b in pairs])
    shown = np.array([Linker.relation(fs, ls) == "contradicts?" for fs, ls in best])
    truth = np.array([label[p] == "CONTRADICT" for p in pairs])
    acc = float((shown == truth).mean())
    prec = float(truth[shown].mean()) if shown.any() else float("nan")
    rec = float(shown[truth].mean())
    print(f"\nsupports/contradicts cue on SciFact gold pairs: accuracy {acc:.3f} (always 'supports': "
          f"{1 - truth.mean():.3f}); 'contradicts?' precision {prec:.3f}, recall {rec:.3f} "
          f"({int(truth.sum())} contradicting of {len(pairs)})")


# --------------------------------------------------------------------------------------------
# 4: speed


def scale(emb) -> None:
    from rank_bm25 import BM25Okapi

    from kmsynth.embed.embedders import default_model_path
    from kmsynth.link.linker import Linker, tokens

    claims, _, lessons, *_ = load_scifact()
    texts = [c["claim"] for c in claims]
    f = pd.DataFrame({"finding_id": [f"c{i}" for i in range(2000)],
                      "text": [texts[i % len(texts)] for i in range(2000)], "language": "en"})
    l5 = lessons.head(5000).reset_index(drop=True)
    print(f"\nSpeed: 2,000 findings ({len(texts):,} distinct SciFact claims, cycled) x 5,000 abstracts; "
          "2 shared CPU cores")
    rows = []
    t0 = time.perf_counter()
    Linker(emb, top_k=5).fit(l5).link(f)  # first run: embeds what the cache lacks (sentences too)
    rows.append(("kmsynth link, first run (fills the cache)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    res = Linker(emb, top_k=5).fit(l5).link(f)
    t_ours = time.perf_counter() - t0
    rows.append((f"kmsynth link, embeddings cached: hybrid + calibrated score + evidence + gaps "
                 f"({len(res.links):,} links)", t_ours))
    from sentence_transformers import SentenceTransformer

    t0 = time.perf_counter()
    st = SentenceTransformer(default_model_path(), device="cpu")
    a = st.encode(f["text"].tolist(), normalize_embeddings=True, batch_size=64)
    b = st.encode((l5["title"] + ". " + l5["text"]).tolist(), normalize_embeddings=True, batch_size=64)
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    np.argsort(-(a @ b.T), axis=1)[:, :5]
    t_cos = time.perf_counter() - t0
    rows.append(("plain sentence-transformers: encode both sides + brute-force cosine top 5", t_enc + t_cos))
    rows.append(("plain cosine top 5 on precomputed embeddings (no BM25, score, evidence)", t_cos))
    docs = [tokens(t) for t in (l5["title"] + ". " + l5["text"])]
    t0 = time.perf_counter()
    bm = BM25Okapi(docs)
    q = [tokens(t) for t in f["text"].head(200)]
    for x in q:
        np.argsort(-bm.get_scores(x))[:5]
    t_bm = (time.perf_counter() - t0) * 2000 / 200
    rows.append(("plain rank_bm25 top 5 (timed on 200 findings, x10)", t_bm))
    table("Speed (seconds)", rows, ("run", "seconds"))
    print(f"target: under 60 s with cached embeddings -> {'met' if t_ours < 60 else 'NOT met'} ({t_ours:.1f} s)")


# --------------------------------------------------------------------------------------------


def write_calibration(emb_minilm) -> None:
    from kmsynth.embed.embedders import get_embedder
    from kmsynth.link.linker import calibrate

    f, l_, g = load_labelled()
    out = {"_note": "Logistic calibration of (cosine, bm25 share of the finding's best possible score, "
                    "reciprocal-rank fusion) -> P(link), fitted by kmsynth.link.linker.calibrate on "
                    "tests/data/links_labelled.csv (35 findings x 44 lessons, top 10 candidates each); "
                    "threshold maximises F1 on 5-fold out-of-fold predictions (folds by finding). "
                    "Regenerate: python benchmarks/bench_link.py --calibrate"}
    for key in ("minilm", "static", "tfidf", "lexical"):
        if key == "lexical":
            e = None
        elif key == "minilm":
            e = emb_minilm
        else:
            e = get_embedder(key, cache_dir=CACHE)
            if key == "tfidf":
                e.fit(list(f["text"]) + list(l_["text"]))
        out[key] = calibrate(f, l_, g, e)
        print(f"calibration {key}: {out[key]}")
    path = ROOT / "kmsynth" / "resources" / "link_calibration.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calibrate", action="store_true", help="refit resources/link_calibration.json first")
    ap.add_argument("--quick", action="store_true", help="skip SciFact and the scale run")
    args = ap.parse_args()
    from kmsynth.embed.embedders import get_embedder

    emb = get_embedder("minilm", cache_dir=CACHE)
    if args.calibrate:
        write_calibration(emb)
    shipped_set(emb)
    sample_data(emb)
    if args.quick:
        return
    if not (DS / "scifact_claims.jsonl").is_file():
        print("\nSciFact not found in ../shared/datasets: SciFact and scale runs skipped")
        return
    scifact(emb)
    scale(emb)


if __name__ == "__main__":
    main()
