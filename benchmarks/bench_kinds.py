"""Sentence kinds: the shipped lesson/practice/recommendation classifier against the plain
alternatives, in the same run; `--train` regenerates the shipped model byte for byte.

    python benchmarks/bench_kinds.py [--train]

Data: AskParents advice sentences (Govindarajan et al. 2020; train/dev/test as published, from
../shared/datasets, skipped when absent) and the bundled sample's planted sentence banks
(data/make_sample.py: lessons with their cues and practices in en/es/fr/pt are positives;
results, challenges and questions negatives; the greetings/thanks/small-talk bank is NOT used
for training, it is the held-out small-talk check).
Measures: F1 of lesson+practice+recommendation against the advice label on the AskParents test
split (threshold chosen on dev), for
   kmsynth kinds          the shipped model (hashed words + mood cues, logistic regression)
   tf-idf LR              TfidfVectorizer(1-2 grams) + LogisticRegression on the same train split
   old cue rule           the lesson cues or a practice verb (kmsynth <= 0.x find_lessons)
and the share of the sample's small-talk sentences classified as a lesson, practice or
recommendation (target 0).

Last run (2 shared cores; embeddings from the disk cache; retrain 25 s):
   AskParents test, 1,091 sentences (269 advice), threshold 0.23 from dev:
      kmsynth kinds    P 0.435  R 0.654  F1 0.522  (0.527 without the hostile-cue veto)
      tf-idf LR        P 0.377  R 0.654  F1 0.478
      old cue rule     P 0.167  R 0.019  F1 0.033
   (dev F1 0.62 for kmsynth kinds; the 0.70 target is not reached: the test split is harder
   than dev for every method tried - USE, MiniLM or both, +/- words, moods, context, C.)
   sample small talk: 0 of 55 sentences classified as knowledge; retrained file identical.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets"
MODEL_OUT = ROOT / "kmsynth" / "resources" / "kinds_model.json"
ENCODER = "multilingual"  # USE multilingual v3: en/es/fr/pt in one space
DIM = 512
C = 1.0  # inverse regularisation; chosen on the dev split (see --tune)
SAMPLE_WEIGHT = 3.0  # each planted sentence counts this much against one AskParents sentence


# Forum small talk and context written for training (not the sample's bank, which stays held
# out): plans, offers, thanks, agreement, requests, places described; none states what was
# learned or done.
HUB_SMALL_TALK = {
    "en": [
        "We are planning a similar campaign in Ghana next year.",
        "Our organisation is preparing a proposal on this topic.",
        "I will send the link to the report later this week.",
        "We would be glad to exchange materials with other teams.",
        "Looking forward to hearing from colleagues in other regions.",
        "Happy to connect anyone interested with our coordinator.",
        "This is a very important discussion for all of us.",
        "Many thanks to the moderators for organising this exchange.",
        "I agree with the previous speaker.",
        "Greetings to everyone from our office in Lusaka.",
        "Our network is also working on this issue.",
        "Can someone share the presentation from last week?",
        "We are still waiting for the results of our survey.",
        "The webinar recording will be posted on the platform.",
        "Interesting points, I look forward to reading more.",
        "We hope to learn from your experiences.",
        "Sharing a few thoughts from our side.",
        "Please find our contribution below.",
        "We joined the community of practice last month.",
        "It was a pleasure to take part in the session.",
        "In Kenya, most survivors live far from any service.",
        "In Fiji, the rainy season makes travel to the islands difficult.",
        "In Nepal, the elections are planned for next spring.",
        "In our district, many families depend on farming.",
    ],
    "es": [
        "Estamos planeando una campaña similar para el próximo año.",
        "Con gusto enviaremos el informe cuando esté listo.",
        "Saludos cordiales a todas las colegas de la región.",
        "Esperamos aprender de sus experiencias.",
        "Comparto algunas ideas desde nuestra organización.",
        "Nuestra red también trabaja en este tema.",
        "Gracias a las moderadoras por este espacio.",
        "Estoy de acuerdo con lo que se ha dicho.",
        "En Honduras, la temporada de lluvias dificulta los viajes.",
    ],
    "fr": [
        "Nous préparons une campagne semblable pour l'année prochaine.",
        "Nous partagerons le rapport dès qu'il sera publié.",
        "Merci aux modératrices pour cet échange.",
        "Nous espérons apprendre de vos expériences.",
        "Voici quelques réflexions de notre équipe.",
        "Notre réseau travaille aussi sur cette question.",
        "Je suis tout à fait d'accord avec ce qui a été dit.",
        "Bonne journée à toutes et à tous.",
        "Au Niger, la saison des pluies rend les déplacements difficiles.",
    ],
    "pt": [
        "Estamos a preparar uma campanha semelhante para o próximo ano.",
        "Vamos partilhar o relatório quando estiver pronto.",
        "Obrigado às moderadoras por este espaço.",
        "Esperamos aprender com as vossas experiências.",
        "Partilho algumas ideias da nossa organização.",
        "A nossa rede também trabalha neste tema.",
        "Concordo com o que foi dito.",
        "Um abraço a todas as colegas.",
        "Em Moçambique, a época das chuvas dificulta as viagens.",
    ],
}


def detokenise(s: str) -> str:
    """AskParents sentences are PTB-tokenised ("I 'd", "you 're", "word ."): undo it so the
    model learns on text as people type it."""
    s = re.sub(r" (n't|'s|'re|'ve|'d|'ll|'m)\b", r"\1", s)
    s = re.sub(r" ([.,!?;:%)\]])", r"\1", s)
    s = re.sub(r"([(\[$]) ", r"\1", s)
    return s.replace("`` ", '"').replace(" ''", '"').strip()


def askparents() -> dict[str, tuple[list[str], np.ndarray, list[str]]] | None:
    """{split: (sentences, advice labels, reply ids)} in reply order, or None when the datasets
    folder is absent."""
    path = DATA / "advice_askparents.jsonl"
    if not path.is_file():
        return None
    import pandas as pd

    d = pd.read_json(path, lines=True, dtype={"id": str})
    parts = d["id"].str.rsplit("-", n=1)
    d["reply"], d["no"] = parts.str[0], parts.str[1].astype(int)
    d = d.sort_values(["reply", "no"], kind="stable")
    return {
        s: ([detokenise(t) for t in g["sentence"]], g["advice"].to_numpy(int), list(g["reply"]))
        for s, g in d.groupby("split")
    }


def _make_sample():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "data" / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def sample_banks() -> tuple[list[str], np.ndarray, list[str]]:
    """Planted sentences of the sample (filled templates, fixed seed): (texts, labels) for
    training and the small-talk sentences held out for the check."""
    ms = _make_sample()
    rng = random.Random(20260501)
    countries = {
        "en": sorted(c for cs in ms.REGIONS.values() for c in cs),
        "es": sorted(ms.LOCAL["es"]),
        "fr": sorted(ms.LOCAL["fr"]),
        "pt": sorted(ms.LOCAL["pt"]),
    }
    texts, labels = [], []
    for topic in sorted(ms.TOPICS):
        for lang in ("en", "es", "fr", "pt"):
            b = ms.TOPICS[topic].get(lang)
            if not b:
                continue
            for key, label in (("les", 1), ("did", 1), ("res", 0), ("chal", 0), ("ask", 0)):
                for tpl in b.get(key, []):
                    for _ in range(2):
                        country = rng.choice(countries[lang])
                        if key == "les":
                            tpl2 = rng.choice(ms.GENERIC[lang]["cue"]).replace("{c}", tpl)
                        else:
                            tpl2 = tpl
                        texts.append(ms.fill(tpl2, rng, lang, country))
                        labels.append(label)
    for lang in sorted(HUB_SMALL_TALK):
        texts += HUB_SMALL_TALK[lang]
        labels += [0] * len(HUB_SMALL_TALK[lang])
    from kmsynth.text import sentence_texts

    talk = []
    for lang, g in ms.GENERIC.items():
        for key in ("open", "reply", "short", "close", "qctx"):
            for tpl in g.get(key, []):
                if tpl:
                    talk += sentence_texts(ms.fill(tpl, rng, lang, rng.choice(countries[lang])))
    return texts, np.array(labels), talk


def f1(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    tp = int((y & p).sum())
    prec = tp / max(int(p.sum()), 1)
    rec = tp / max(int(y.sum()), 1)
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def best_threshold(y: np.ndarray, score: np.ndarray) -> float:
    grid = np.round(np.arange(0.10, 0.81, 0.01), 2)
    return float(max(grid, key=lambda t: (f1(y, (score >= t).astype(int))[2], -abs(t - 0.5))))


def train(ap, banks, enc, c: float = C):
    """Fit the shipped model: AskParents train + the sample's planted sentences."""
    from sklearn.linear_model import LogisticRegression

    from kmsynth.synthesis.kinds import KindModel, feature_matrix

    tr_x, tr_y, tr_g = ap["train"]
    bx, by, _ = banks
    texts = list(tr_x) + list(bx)
    groups = list(tr_g) + [f"sample-{i}" for i in range(len(bx))]
    X = feature_matrix(texts, enc(texts), groups)
    y = np.concatenate([tr_y, by])
    w = np.concatenate([np.ones(len(tr_y)), np.full(len(by), SAMPLE_WEIGHT)])
    lr = LogisticRegression(C=c, max_iter=5000, solver="liblinear", random_state=0)
    lr.fit(X, y, sample_weight=w)
    name = ENCODER
    m = KindModel(lr.coef_[0].astype(float), float(lr.intercept_[0]), 0.5, name, DIM, {})
    dev_x, dev_y, dev_g = ap["dev"]
    thr = best_threshold(dev_y, m.score(dev_x, enc(dev_x), dev_g))
    info = {
        "trained_on": "AskParents advice train split (Govindarajan et al. 2020, MIT) and the "
        "kmsynth sample's planted lessons and practices (en/es/fr/pt)",
        "C": c,
        "sample_weight": SAMPLE_WEIGHT,
        "threshold_from": "best F1 on the AskParents dev split",
    }
    return KindModel(m.coef, m.intercept, thr, name, DIM, info)


def tfidf_baseline(ap):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X = vec.fit_transform(ap["train"][0])  # the same train split, no embeddings
    lr = LogisticRegression(C=4.0, max_iter=5000, solver="liblinear").fit(X, ap["train"][1])
    thr = best_threshold(ap["dev"][1], lr.predict_proba(vec.transform(ap["dev"][0]))[:, 1])
    return lr.predict_proba(vec.transform(ap["test"][0]))[:, 1] >= thr


def old_rule(texts: list[str]) -> np.ndarray:
    from kmsynth.synthesis.kinds import PRACTICE_VERBS, is_question, lesson_language

    return np.array(
        [
            (lesson_language(t) is not None or bool(PRACTICE_VERBS.search(t)))
            and not is_question(t)
            for t in texts
        ]
    )


def main(argv: list[str] | None = None) -> int:
    ap_ = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap_.add_argument("--train", action="store_true", help="rewrite the shipped model")
    ap_.add_argument("--tune", action="store_true", help="print dev F1 over a grid of C")
    args = ap_.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from kmsynth.embed.embedders import get_embedder
    from kmsynth.synthesis.kinds import KNOWLEDGE, KindModel, classify

    ap = askparents()
    if ap is None:
        print(f"skipped: {DATA / 'advice_askparents.jsonl'} not found")
        return 0
    banks = sample_banks()
    encoder = get_embedder(ENCODER, cache_dir=ROOT / ".kmsynth-cache")
    t0 = time.perf_counter()
    enc = encoder.encode
    for split in ("train", "dev", "test"):
        enc(ap[split][0])
    enc(banks[0] + banks[2])
    print(
        f"AskParents: train {len(ap['train'][0])}, dev {len(ap['dev'][0])}, test "
        f"{len(ap['test'][0])}; sample planted {len(banks[0])}, small talk {len(banks[2])}; "
        f"embedded (or read from the cache) in {time.perf_counter() - t0:.0f} s"
    )
    if args.tune:
        for c in (0.25, 0.5, 1.0, 2.0, 4.0):
            m = train(ap, banks, enc, c)
            dx, dy, dg = ap["dev"]
            dv = f1(dy, (m.score(dx, enc(dx), dg) >= m.threshold).astype(int))
            print(f"C={c}: dev F1 {dv[2]:.3f} at threshold {m.threshold}")
    t0 = time.perf_counter()
    model = train(ap, banks, enc)
    fit_s = time.perf_counter() - t0
    if args.train:
        MODEL_OUT.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {MODEL_OUT.relative_to(ROOT)} ({MODEL_OUT.stat().st_size:,} bytes)")
    shipped = KindModel.from_json(MODEL_OUT.read_text("utf-8")) if MODEL_OUT.is_file() else model
    same = MODEL_OUT.is_file() and MODEL_OUT.read_text("utf-8") == model.to_json()
    print(f"retrained in {fit_s:.1f} s; identical to the shipped file: {same}")

    te_x, te_y, te_g = ap["test"]
    t0 = time.perf_counter()
    kinds = classify(te_x, te_g, embeddings=enc(te_x), model=shipped)
    cls_s = time.perf_counter() - t0
    ours = np.array([k in KNOWLEDGE for k, _ in kinds]).astype(int)
    rows = [
        ("kmsynth kinds", f1(te_y, ours)),
        ("tf-idf LR (same train, dev thr)", f1(te_y, tfidf_baseline(ap).astype(int))),
        ("old cue rule", f1(te_y, old_rule(te_x).astype(int))),
    ]
    print(
        f"\nAskParents test ({len(te_y)} sentences, {int(te_y.sum())} advice), threshold "
        f"{shipped.threshold}; {len(te_x) / cls_s:,.0f} sentences/s after embedding"
    )
    print(f"{'method':34s} precision  recall     F1")
    for name, (p, r, f) in rows:
        print(f"{name:34s} {p:9.3f} {r:7.3f} {f:6.3f}")
    talk = banks[2]
    kt = classify(talk, embeddings=enc(talk), model=shipped)
    found = [t for t, (k, _) in zip(talk, kt, strict=True) if k in KNOWLEDGE]
    print(f"\nsample small talk: {len(found)} of {len(talk)} classified as knowledge")
    for t in found:
        print("   ", t)
    bx, by, _ = banks
    bk = np.array([k in KNOWLEDGE for k, _ in classify(bx, embeddings=enc(bx), model=shipped)])
    p, r, f = f1(by, bk)
    print(f"sample planted (training data, for reference): P/R/F1 {p:.3f} {r:.3f} {f:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
