"""Codebook coding against human coders (issue: codebook coding).

    python benchmarks/bench_coding.py [--parts fft,pillars] [--n 2000] [--embedder auto]

fft      NHS Friends and Family Test answers (../shared/datasets/fft_phase1_single_label.jsonl,
         9 human codes). The codebook is the 9 code names, each described by its sub-category
         names (the framework's own definitions). Examples per code (0, 3, 20) are drawn from a
         separate split (the first half of a seeded permutation); scores are on a seeded sample
         of the other half. Compared in the same run, on the same embeddings:
           - nearest code name (argmax cosine to the name);
           - BERTopic zero-shot topic modelling (zeroshot_topic_list = the same code texts);
           - kmsynth's CodebookCoder.
         Reported: micro/macro F1 of the code sets (agreement.csv's figures) and Cohen's kappa of
         the top code against the human code.
pillars  the bundled sample's posts, coded against the built-in six-pillar codebook; the truth is
         the pillar each post was generated from (data/make_sample.py, regenerated in memory).

Last run (embedder auto: minilm for FFT, multilingual for the sample), micro-F1 / macro-F1 /
kappa of the top code:
  FFT, 2,000 answers: nearest code name 0.409 / 0.246 / 0.251; BERTopic zero-shot 0.354 / 0.282 /
    0.192 at similarity 0.3 (46% uncoded), 0.140 / 0.071 / 0.054 at 0.5; CodebookCoder with 0
    examples 0.448 / 0.367 / 0.354, 3 examples 0.477 / 0.397 / 0.385, 20 examples 0.546 / 0.457 /
    0.445.
  sample, 1,448 posts, six pillars: nearest pillar name 0.307 / 0.303 / 0.174; CodebookCoder
    0.517 / 0.493 / 0.411.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "datasets"
sys.path.insert(0, str(ROOT))


def _kappa_top(human: list[str], top: list[str]) -> float:
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(human, top))


def _report(name: str, machine: dict, human: dict, codes: list[str], top: list[str]) -> None:
    from kmsynth.coding import agreement

    a = agreement(machine, human, codes).set_index("scope")
    kappa = _kappa_top([next(iter(h)) for h in human.values()], top)
    none = sum(1 for d in human if not machine.get(d))
    print(f"  {name:44s} micro-F1 {a.loc['micro', 'f1']:.3f}  macro-F1 {a.loc['macro', 'f1']:.3f}"
          f"  kappa(top) {kappa:.3f}  uncoded {none / len(human):.2f}", flush=True)


def _fft_codebook(pool: list[dict], examples: int, seed: int = 0):
    from kmsynth.coding import codebook_from_entries

    subs: dict[str, set[str]] = defaultdict(set)
    by_code: dict[str, list[str]] = defaultdict(list)
    for r in pool:
        subs[r["label"]].add(str(r.get("subcategory") or "").strip())
        by_code[r["label"]].append(r["text"])
    rng = random.Random(seed)
    entries = []
    for code in sorted(subs):
        desc = ", ".join(sorted(s for s in subs[code] if s and s != code))
        ex = rng.sample(by_code[code], min(examples, len(by_code[code]))) if examples else []
        entries.append({"id": code, "name": code, "description": desc, "examples": ex})
    return codebook_from_entries(entries, "fft")


def part_fft(n: int, embedder_name: str, cache: Path) -> None:
    from kmsynth.coding import CodebookCoder
    from kmsynth.embed import get_embedder

    path = DATA / "fft_phase1_single_label.jsonl"
    if not path.is_file():
        print(f"skip: {path} not found")
        return
    rows = [json.loads(x) for x in path.open(encoding="utf-8")]
    rows = [r for r in rows if str(r.get("text") or "").strip()]
    order = np.random.default_rng(0).permutation(len(rows))
    half = len(rows) // 2
    pool = [rows[i] for i in order[:half]]
    test = [rows[i] for i in order[half:]][:n]
    texts = [r["text"] for r in test]
    human = {str(i): frozenset({r["label"]}) for i, r in enumerate(test)}
    emb = get_embedder(embedder_name, cache_dir=cache)
    x = emb.encode(texts)
    name = getattr(emb, "choice", None)
    print(f"NHS FFT: {len(texts)} answers scored, examples from {len(pool)} others, "
          f"embedder {emb.model_id}" + (f" (auto: {name.reason})" if name else ""))
    book0 = _fft_codebook(pool, 0)
    codes = book0.ids
    names = emb.encode([c.name for c in book0.codes])
    top = [codes[j] for j in (x @ names.T).argmax(axis=1)]
    _report("nearest code name", {str(i): frozenset({t}) for i, t in enumerate(top)}, human,
            codes, top)
    for sim in (0.3, 0.5):
        _bertopic_zeroshot(texts, x, book0, emb, human, sim)
    for k in (0, 3, 20):
        book = _fft_codebook(pool, k)
        coder = CodebookCoder(codebook=book, embedder=emb).fit(texts, embeddings=x)
        s = coder.decision_function(texts, embeddings=x)
        pred = coder.predict(texts, embeddings=x)
        top = [codes[j] for j in s.argmax(axis=1)]
        _report(f"kmsynth CodebookCoder, {k} examples per code",
                {str(i): p for i, p in enumerate(pred)}, human, codes, top)


def _bertopic_zeroshot(texts, x, book, emb, human, min_similarity: float) -> None:
    from bertopic import BERTopic

    labels = [c.label_text for c in book.codes]
    model = BERTopic(embedding_model=_wrap(emb), zeroshot_topic_list=labels,
                     zeroshot_min_similarity=min_similarity, min_topic_size=10)
    topics, _ = model.fit_transform(texts, x)
    info = model.get_topic_info().set_index("Topic")["Name"].to_dict()
    by_label = {c.label_text: c.id for c in book.codes}
    pred, top = {}, []
    for i, t in enumerate(topics):
        code = by_label.get(info.get(t, ""), "")
        pred[str(i)] = frozenset({code}) if code else frozenset()
        top.append(code or "(none)")
    _report(f"BERTopic zero-shot (min similarity {min_similarity})", pred, human, book.ids, top)


def _wrap(emb):
    """A kmsynth embedder as a BERTopic embedding backend (it embeds the zero-shot labels)."""
    from bertopic.backend import BaseEmbedder

    class Wrapped(BaseEmbedder):
        def embed(self, documents, verbose=False):
            return emb.encode(list(documents))

    return Wrapped()


def part_pillars(embedder_name: str, cache: Path) -> None:
    import pandas as pd

    from kmsynth.coding import CodebookCoder, pillars_codebook
    from kmsynth.config import load_config
    from kmsynth.embed import get_embedder
    from kmsynth.ingest import prepare
    from kmsynth.ingest.schemas import pillars

    sys.path.insert(0, str(ROOT / "data"))
    import make_sample as ms

    rng = random.Random(ms.SEED)
    members = ms.make_members(rng)
    posts = ms.make_posts(rng, members)
    with tempfile.TemporaryDirectory() as d:
        ms.plant_pii(rng, posts, members)
        ms.write_posts(rng, posts, Path(d) / "posts.csv")
    truth_topic = {p["id"]: p.get("topic") for p in posts}
    by_name = {p.name: f"p{p.id}" for p in pillars()}
    cfg = load_config(ROOT / "kmsynth" / "resources" / "sample" / "kmsynth.yml")
    prep = prepare("posts", cfg.data.posts, cfg)
    t = prep.table[prep.table["post_id"].map(lambda i: bool(truth_topic.get(str(i))))]
    human = {str(i): frozenset({by_name[ms.TOPICS[truth_topic[str(i)]]["pillar"]]})
             for i in t["post_id"]}
    texts = t["text"].astype(str).tolist()
    emb = get_embedder(embedder_name, cache_dir=cache)
    x = emb.encode(texts)
    book = pillars_codebook()
    print(f"sample posts with a planted pillar: {len(texts)}, embedder {emb.model_id}")
    names = emb.encode([c.name for c in book.codes])
    top = [book.ids[j] for j in (x @ names.T).argmax(axis=1)]
    ids = [str(i) for i in t["post_id"]]
    _report("nearest pillar name", {d: frozenset({c}) for d, c in zip(ids, top, strict=True)},
            human, book.ids, top)
    coder = CodebookCoder(codebook=book, embedder=emb).fit(texts, embeddings=x)
    pred = coder.predict(texts, embeddings=x)
    top = [book.ids[j] for j in coder.decision_function(texts, embeddings=x).argmax(axis=1)]
    _report("kmsynth CodebookCoder, pillars, 0 examples",
            dict(zip(ids, pred, strict=True)), human, book.ids, top)
    _ = pd  # pandas is imported by prepare anyway


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", default="fft,pillars")
    ap.add_argument("--n", type=int, default=2000, help="FFT answers scored")
    ap.add_argument("--embedder", default="auto")
    ap.add_argument("--cache", default=str(ROOT / ".kmsynth-cache"))
    args = ap.parse_args()
    parts = args.parts.split(",")
    if "fft" in parts:
        part_fft(args.n, args.embedder, Path(args.cache))
    if "pillars" in parts:
        part_pillars(args.embedder, Path(args.cache))


if __name__ == "__main__":
    main()
