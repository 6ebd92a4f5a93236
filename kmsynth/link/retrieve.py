"""Words, sentences and lexical retrieval for linking: snowball stems per row language, Okapi
BM25 as one sparse product, ranks and top-k per row, idf-weighted word and phrase overlap.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np

from kmsynth.text import sentence_texts
from kmsynth.text import stop_words as text_stop_words

# words of two letters or more, and four-digit numbers (years, law numbers)
_WORD = re.compile(r"[^\W\d_]{2,}|\b\d{4}\b", re.UNICODE)
# ISO 639-1 -> snowball algorithm (the hub's main languages first; others snowball knows)
_SNOWBALL = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "pt": "portuguese",
    "ar": "arabic",
    "da": "danish",
    "nl": "dutch",
    "fi": "finnish",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}
_STEMS: dict[str, dict[str, str]] = {}

Analysed = list[tuple[str, str, int, int]]


@cache
def _stemmer(lang: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(_SNOWBALL.get(lang, "english"))


def norm_lang(lang: Any) -> str:
    """A language code, lower case; 'und' when blank or missing."""
    text = str(lang or "").strip().lower()
    return text if text and text not in ("nan", "<na>", "none") else "und"


def analyse(text: str, lang: str = "en") -> Analysed:
    """(surface word, stem, start, end) for each content word of `text`, in order.

    Stop words of the row's language are dropped (country names kept: they count here);
    start/end are character offsets in `text`.
    """
    lang = norm_lang(lang)
    sw = text_stop_words(lang)
    cache = _STEMS.setdefault(lang, {})
    stem = _stemmer(lang).stemWord
    out = []
    for m in _WORD.finditer(str(text)):
        w = m.group()
        low = w.lower()
        if low in sw:
            continue
        s = cache.get(low)
        if s is None:
            s = cache[low] = stem(low)
        out.append((w, s, m.start(), m.end()))
    return out


def tokens(text: str, lang: str = "en") -> list[str]:
    """Lower-case stems without stop words (four-digit numbers kept: years, law numbers)."""
    return [a[1] for a in analyse(text, lang)]


def sentences(text: str) -> list[str]:
    """The sentences of a text (`kmsynth.text.sentence_texts`); the text itself if none."""
    return sentence_texts(text) or [str(text)]


class SparseBM25:
    """Okapi BM25 (k1=1.5, b=0.75, Lucene's non-negative idf) as one sparse matrix product.

    Same formula as rank_bm25's BM25Okapi with idf = ln(1 + (N - df + 0.5) / (df + 0.5));
    rank_bm25 scores one query at a time in Python loops, this scores all at once.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b

    def fit(self, docs: list[list[str]]) -> SparseBM25:
        """Index token lists (one per document)."""
        from sklearn.feature_extraction.text import CountVectorizer

        self.cv_ = CountVectorizer(analyzer=lambda x: x, lowercase=False)
        tf = self.cv_.fit_transform(docs).tocsr().astype(np.float64)
        n = tf.shape[0]
        dl = np.asarray(tf.sum(axis=1)).ravel()
        avg = dl.mean() if n and dl.mean() > 0 else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        self.n_docs_ = n
        self.idf_ = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self.idf_unseen_ = float(np.log(1 + (n + 0.5) / 0.5))
        rows = np.repeat(np.arange(n), np.diff(tf.indptr))
        denom = tf.data + self.k1 * (1 - self.b + self.b * dl[rows] / avg)
        tf.data = self.idf_[tf.indices] * tf.data * (self.k1 + 1) / denom
        self.w_ = tf.T.tocsr()  # terms x docs
        self.vocab_ = self.cv_.vocabulary_
        return self

    def idf(self, stem: str) -> float:
        """The idf of a stem (the highest idf for one no document has)."""
        j = self.vocab_.get(stem)
        return float(self.idf_[j]) if j is not None else self.idf_unseen_

    def scores(self, queries: list[list[str]]) -> np.ndarray:
        """(n_queries, n_docs) BM25 scores, float32."""
        q = self.cv_.transform(queries)
        return np.asarray((q @ self.w_).todense(), dtype=np.float32)

    def max_scores(self, queries: list[list[str]]) -> np.ndarray:
        """Upper bound of each query's score: every word matched with a very high tf (words
        no document has at the highest idf, so unmatched rare words weigh)."""
        return np.array(
            [sum(self.idf(t) for t in q) * (self.k1 + 1) for q in queries], dtype=np.float32
        )


def ranks(x: np.ndarray) -> np.ndarray:
    """1-based rank of every column within its row (highest value = 1, ties by position)."""
    order = np.argsort(-x, axis=1, kind="stable")
    out = np.empty_like(order)
    np.put_along_axis(out, order, np.broadcast_to(np.arange(1, x.shape[1] + 1), x.shape), axis=1)
    return out.astype(np.float64)


def top_indices(x: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k highest values, best first (ties by position)."""
    if k <= 0:
        return np.zeros((x.shape[0], 0), dtype=int)
    if k < x.shape[1]:
        part = np.sort(np.argpartition(-x, k - 1, axis=1)[:, :k], axis=1)
        rows = np.arange(x.shape[0])[:, None]
        o = np.argsort(-x[rows, part], axis=1, kind="stable")  # ties: stable by position
        return part[rows, o]
    return np.argsort(-x, axis=1, kind="stable")[:, :k]


def coverage(query: list[str], doc: set[str], bm25: SparseBM25) -> float:
    """Idf-weighted share of the query's distinct stems the document has (0..1)."""
    q = set(query)
    total = sum(bm25.idf(t) for t in q)
    return sum(bm25.idf(t) for t in q & doc) / total if total > 0 else 0.0


def phrase_overlap(query: list[str], doc_pairs: set[tuple[str, str]]) -> float:
    """Share of the query's adjacent stem pairs (two-word phrases) the document also has."""
    pairs = set(zip(query, query[1:], strict=False))
    return len(pairs & doc_pairs) / len(pairs) if pairs else 0.0
