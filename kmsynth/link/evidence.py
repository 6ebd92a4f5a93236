"""Evidence for a linked pair: the phrases both texts share and the sentences that match.

Sentence vectors come from the linker's embedder (cached by text); without one, sentences are
matched by idf-weighted stem overlap alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from kmsynth.link.retrieve import analyse, sentences, tokens

if TYPE_CHECKING:
    from kmsynth.embed.embedders import Embedder

_PUNCT = re.compile(r"[.,;:!?()\[\]\"“”«»]")
Idf = Callable[[str], float]


class SentenceIndex:
    """Sentences of texts and, with an embedder, one unit vector per sentence (cached)."""

    def __init__(self, embedder: Embedder | None):
        self.embedder = embedder
        self.split: dict[str, list[str]] = {}
        self.vecs: dict[str, np.ndarray] = {}

    def add(self, texts: Sequence[str]) -> SentenceIndex:
        """Split and embed the texts not seen yet (one encode call for all their sentences)."""
        new = [t for t in dict.fromkeys(texts) if t not in self.split]
        for t in new:
            self.split[t] = sentences(t)
        if self.embedder is not None:
            flat = list(dict.fromkeys(s for t in new for s in self.split[t] if s not in self.vecs))
            if flat:
                self.vecs.update(zip(flat, self.embedder.encode(flat), strict=False))
        return self

    def matrix(self, text: str) -> np.ndarray | None:
        """(n_sentences, dim) vectors of an added text; None without an embedder."""
        if self.embedder is None:
            return None
        return np.vstack([self.vecs[s] for s in self.split[text]])


def overlap_matrix(a: list[str], b: list[str], idf: Idf, lang_a: str, lang_b: str) -> np.ndarray:
    """(len(a), len(b)) idf-weighted share of each a-sentence's stems found in each b-sentence."""
    sa = [set(tokens(s, lang_a)) for s in a]
    sb = [set(tokens(s, lang_b)) for s in b]
    out = np.zeros((len(a), len(b)))
    for i, x in enumerate(sa):
        total = sum(idf(t) for t in x)
        if total > 0:
            out[i] = [sum(idf(t) for t in x & y) / total for y in sb]
    return out


def sentence_similarity(
    finding: str,
    lesson: str,
    index: SentenceIndex,
    idf: Idf,
    f_lang: str = "und",
    l_lang: str = "und",
    lexical_weight: float = 0.3,
) -> np.ndarray:
    """(finding sentences, lesson sentences) match: sentence cosine plus `lexical_weight` x
    idf-weighted stem overlap (the overlap alone without an embedder). Texts must be added."""
    fs, ls = index.split[finding], index.split[lesson]
    sim = lexical_weight * overlap_matrix(fs, ls, idf, f_lang, l_lang)
    a, b = index.matrix(finding), index.matrix(lesson)
    if a is not None and b is not None:
        sim = sim + a @ b.T
    return sim


def key_phrases(
    finding: str,
    lesson: str,
    idf: Idf,
    f_lang: str = "und",
    l_lang: str = "und",
    max_items: int = 6,
) -> str:
    """What both texts say, joined by '; ': the longest runs of words whose stem pairs the
    lesson also has ("Prevention of Domestic Violence Act 2006"), then single shared words,
    rarest (highest idf) first; shown as the finding words them."""
    fa, la = analyse(finding, f_lang), analyse(lesson, l_lang)
    l_stems = {a[1] for a in la}
    l_pairs = {(a[1], b[1]) for a, b in zip(la, la[1:], strict=False)}
    items: list[tuple[float, str]] = []
    in_phrase: set[int] = set()
    i = 0
    while i < len(fa) - 1:
        j = i
        while (
            j < len(fa) - 1
            and (fa[j][1], fa[j + 1][1]) in l_pairs
            and not _PUNCT.search(finding[fa[j][3] : fa[j + 1][2]])
        ):
            j += 1
        if j > i:
            words = fa[i : j + 1]
            items.append(
                (100.0 + sum(idf(w[1]) for w in words), finding[words[0][2] : words[-1][3]])
            )
            in_phrase.update(range(i, j + 1))
            i = j + 1
        else:
            i += 1
    used = {fa[k][1] for k in in_phrase}
    for w, s, _, _ in fa:
        if s in l_stems and s not in used:
            used.add(s)
            items.append((idf(s), w))
    items.sort(key=lambda x: -x[0])
    return "; ".join(p for _, p in items[:max_items])
