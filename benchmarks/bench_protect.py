"""Name and handle redaction on real forum text, against the plain alternative a user would
otherwise run: a block-list split into words (every part of every author's name or handle,
3+ letters, capitalised), which is what kmsynth did before issue 13 item 4.

- 20 Newsgroups (real posts; authors from the From: line, a mix of real names and user names
  such as "mathew" or "dyer"), a seeded subsample of --n posts, the authors as block-list.
- contacts and ids written as issue 13 item 7 saw them, against regexes pasted from a how-to;
  the years, percentages, amounts and dates of real texts must survive.
- r/AskParents sentences (real Reddit text) with --handles Reddit-style handles built from the
  corpus's own frequent words ("Never_Stop_Smiling", "One_Quit_6653"): every replacement there
  is a false one, since these sentences name none of them.

Contacts and numbers are redacted first for both. Figures: words replaced, how many of them
are ordinary words (an English stop word or one of the corpus's 3,000 most frequent lower-case
words), how many capitalised mentions of authors' surnames (not ordinary words) were redacted
(recall on names), and texts per second.

Measured (3,000 posts, 2,141 authors; 10,594 sentences, 300 handles; 2 shared cores):
20ng  plain: 25,447 replaced, 12,300 ordinary, surnames 5,700/6,007, 35 texts/s
      kmsynth: 16,940 replaced, 3,538 ordinary, surnames 5,670/6,007, 362 texts/s
      (the 30 surnames kept are ordinary words alone: Rose, Sharp, Stone, Lane, Marks)
AskParents  plain: 4,200 replaced (4,192 ordinary), 3,570 texts/s; kmsynth: 0, 6,092 texts/s.
Contacts and ids (20 planted; 6,000 real texts: 3,000 20ng + 3,000 NHS FFT):
      plain regexes: 8/20 caught, 2,953/3,300 years/percentages/amounts/dates kept, 4,538 texts/s
      kmsynth: 20/20 caught, 3,274/3,300 kept (the rest sit in phone numbers), 1,128 texts/s

    python benchmarks/bench_protect.py [--n 3000] [--handles 300]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"

from kmsynth.protect import Redactor, common_words, fold_name  # noqa: E402
from kmsynth.protect.names import name_parts, split_people  # noqa: E402
from kmsynth.text import stop_words  # noqa: E402

WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


class WordSplitRedactor:
    """The plain alternative: every word (3+ letters, capitalised) of every block-listed name
    or handle, replaced wherever it appears capitalised."""

    def __init__(self, names: list[str]) -> None:
        parts = {w for n in names for w in WORD.findall(n) if len(w) >= 3 and not w[:1].islower()}
        folded = sorted({fold_name(p) for p in parts}, key=len, reverse=True)
        self.pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, folded)) + r")\b", re.I)

    def redact(self, text: str) -> str:
        return self.pattern.sub(
            lambda m: "[NAME]" if not m.group(0)[:1].islower() else m.group(0), text
        )


def _author(frm: str) -> str:
    m = re.search(r"\(([^()]+)\)", frm) or re.match(r"\s*\"?([^<\"]+?)\"?\s*<", frm)
    if m:
        return m.group(1).strip()
    return frm.split("@")[0].strip()  # a bare address: the user name


def _replaced(before: str, after: str) -> list[str]:
    """The words of `before` that are gone from `after` (what redaction replaced)."""
    lost = Counter(WORD.findall(before)) - Counter(WORD.findall(after))
    return list(lost.elements())


def _measure(name: str, redactor, texts: list[str], ordinary: frozenset[str]) -> dict:
    t0 = time.perf_counter()
    outs = [redactor.redact(t) for t in texts]
    dt = time.perf_counter() - t0
    words = [w for t, o in zip(texts, outs, strict=True) if t != o for w in _replaced(t, o)]
    hits = Counter(fold_name(w) for w in words)
    bad = sum(n for w, n in hits.items() if w in ordinary)
    return {
        "method": name,
        "replacements": len(words),
        "ordinary_words_hit": bad,
        "top_ordinary": [w for w, _ in hits.most_common() if w in ordinary][:8],
        "texts_per_s": round(len(texts) / dt),
        "outs": outs,
    }


def _ordinary(texts: list[str]) -> frozenset[str]:
    vocab = Counter(fold_name(w) for t in texts for w in WORD.findall(t) if w[:1].islower())
    frequent = {w for w, _ in vocab.most_common(3000)}
    return frozenset(fold_name(w) for w in stop_words("en")) | frequent


def _recall(texts: list[str], outs: list[str], people: list[str], ordinary) -> str:
    surnames = {p.split()[-1] for p in people if len(p.split()) > 1}
    surnames = {s for s in surnames if len(s) >= 3 and fold_name(s) not in ordinary}
    pat = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(surnames))) + r")\b")
    total = sum(len(pat.findall(t)) for t in texts)
    left = sum(len(pat.findall(o)) for o in outs)
    return f"{total - left}/{total}"


def bench_20ng(n: int, seed: int) -> None:
    rows = [json.loads(line) for line in open(DATA / "20ng.jsonl", encoding="utf-8")]
    rows = random.Random(seed).sample(rows, min(n, len(rows)))
    # contacts and numbers redacted first (same for both): what differs is names and handles
    texts = [Redactor().redact(r["text"]) for r in rows]
    authors = sorted({_author(r.get("from", "")) for r in rows} - {""})
    people, handles = split_people(authors)
    ordinary = _ordinary(texts)
    common = common_words(texts, name_parts(people))
    print(
        f"\n20 Newsgroups: {len(texts)} posts, {len(authors)} authors "
        f"({len(people)} names, {len(handles)} handles); {len(common)} name parts common here"
    )
    for red, label in (
        (WordSplitRedactor(authors), "word-split block-list (plain)"),
        (Redactor(names=authors, common=common), "kmsynth Redactor"),
    ):
        r = _measure(label, red, texts, ordinary)
        r["surname_mentions_redacted"] = _recall(texts, r.pop("outs"), people, ordinary)
        print(json.dumps(r, ensure_ascii=False))


def bench_askparents(n_handles: int, seed: int) -> None:
    rows = [json.loads(line) for line in open(DATA / "advice_askparents.jsonl", encoding="utf-8")]
    texts = [Redactor().redact(r["sentence"]) for r in rows]
    ordinary = _ordinary(texts)
    vocab = [
        w
        for w, _ in Counter(
            w.lower() for t in texts for w in WORD.findall(t) if len(w) >= 3
        ).most_common(400)
    ]
    rng = random.Random(seed)
    handles = []
    for i in range(n_handles):
        a, b, c = (rng.choice(vocab).capitalize() for _ in range(3))
        handles.append([f"{a}_{b}_{rng.randint(10, 9999)}", f"{a}_{b}_{c}", f"{a}-{b}"][i % 3])
    print(
        f"\nr/AskParents: {len(texts)} sentences, {len(handles)} handles of frequent words "
        f"(e.g. {', '.join(handles[:3])}); every replacement is a false one"
    )
    for red, label in (
        (WordSplitRedactor(handles), "word-split block-list (plain)"),
        (Redactor(names=handles), "kmsynth Redactor"),
    ):
        r = _measure(label, red, texts, ordinary)
        r.pop("outs")
        print(json.dumps(r, ensure_ascii=False))


# contacts and ids written the ways issue 13 item 7 saw them, and the common ones
PLANTED = [
    "find me at instagram.com/amina.k", "my blog aminakariuki.blogspot.com",
    "her ID 12345678 was taken", "NI number QQ 12 34 56 C", "CURP GODE561231HDFRRN09",
    "card 1234 5678 9012 please", "write amina @ gmail . com", "skype: amina.k",
    "add me live:amina_k", "cédula 12.345.678-9", "mi DNI es 1.234.567", "call 555 0198",
    "Write to amina.okafor@example.org", "amina at gmail dot com", "Call +254 712 345678",
    "Office line (876) 555-0142", "Follow @amina_okafor", "Passport A12345678",
    "SSN 123-45-6789", "see linkedin.com/in/amina-okafor",
]  # fmt: skip
PLAIN = [  # what a user would paste from a how-to: e-mail, phone and long-number regexes
    (re.compile(r"\S+@\S+"), "[EMAIL]"),
    (re.compile(r"https?://\S+|www\.\S+"), "[URL]"),
    (re.compile(r"\+?\d[\d\s().-]{7,}\d"), "[PHONE]"),
    (re.compile(r"\b\d{6,}\b"), "[ID]"),
]
ORDINARY_NUMBER = re.compile(
    r"\b(?:19|20)\d{2}\b|\d+(?:[.,]\d+)?\s?%|[$€£]\s?\d[\d,.]*|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b\d{1,3}(?:,\d{3})+\b"
)


def _ordinary_numbers(text: str) -> list[str]:
    """Years, percentages, amounts, dates and grouped counts, not inside an address or a
    phone-like run (a chunk with an @ or 7+ digits)."""
    out = []
    for m in ORDINARY_NUMBER.finditer(text):
        a = text.rfind(" ", 0, m.start()) + 1
        b = text.find(" ", m.end())
        chunk = text[a : b if b >= 0 else len(text)]
        if "@" not in chunk and sum(c.isdigit() for c in chunk) < 7:
            out.append(m.group(0))
    return out


def _plain(text: str) -> str:
    for pattern, token in PLAIN:
        text = pattern.sub(token, text)
    return text


def bench_patterns(n: int, seed: int) -> None:
    rows = [json.loads(line) for line in open(DATA / "20ng.jsonl", encoding="utf-8")]
    texts = [r["text"] for r in random.Random(seed).sample(rows, min(n, len(rows)))]
    fft = DATA / "fft_phase1_single_label.jsonl"
    texts += [t for t in (json.loads(x).get("text") for x in open(fft, encoding="utf-8")) if t][:n]
    print(
        f"\ncontacts and ids: {len(PLANTED)} planted; years, percentages, amounts and dates "
        f"in {len(texts)} real texts (20ng, NHS FFT) that must survive"
    )
    red = Redactor()
    for label, fn in (("plain regexes", _plain), ("kmsynth Redactor", red.redact)):
        caught = sum(fn(t) != t for t in PLANTED)
        t0 = time.perf_counter()
        outs = [fn(t) for t in texts]
        dt = time.perf_counter() - t0
        kept = total = 0
        for t, o in zip(texts, outs, strict=True):
            found = Counter(_ordinary_numbers(t))
            total += sum(found.values())
            kept += sum(min(c, len(re.findall(re.escape(w), o))) for w, c in found.items())
        print(
            json.dumps(
                {
                    "method": label,
                    "planted_caught": f"{caught}/{len(PLANTED)}",
                    "ordinary_numbers_kept": f"{kept}/{total}",
                    "texts_per_s": round(len(texts) / dt),
                }
            )
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="20 Newsgroups posts (subsample)")
    ap.add_argument("--handles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"skipped: no datasets at {DATA}")
        return
    bench_20ng(args.n, args.seed)
    bench_askparents(args.handles, args.seed)
    bench_patterns(args.n, args.seed)


if __name__ == "__main__":
    main()
