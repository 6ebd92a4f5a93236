"""Code texts against a codebook: a scikit-learn style estimator on sentence embeddings.

Each text gets a score per code from three parts, on the same vectors (the sentence embedding,
with tf-idf word vectors of the corpus beside it as lexical evidence):
- the code's own words (its name and description),
- the centre of its example answers (prototype),
- its nearest examples (mean of the two best cosines: codes whose answers differ in kind).
With no examples only the first part counts; each example the analyst adds moves the weight
towards the examples (few-shot). A text gets its best code when that score clears the code's
threshold, plus any other code within `margin` of the best that clears its own (multi-label);
a text that clears none gets no code ("none" is an answer). Thresholds are calibrated per code
from its examples (leave-one-out scores), else from the corpus's score distribution.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from kmsynth.coding.codebook import Codebook
from kmsynth.embed import Embedder
from kmsynth.vectors import unit_rows

log = logging.getLogger(__name__)

CODE_COLUMNS = ["doc_id", "code_id", "score"]


class CodebookCoder(BaseEstimator):
    """Assign codebook codes to texts (zero- or few-shot).

    Parameters
    ----------
    codebook : the codes (names, descriptions, examples).
    embedder : any kmsynth Embedder; the vectors of texts, names and examples come from it.
    example_weight : weight of the examples against the code's own words at 1 example per
        code; it grows with the number of examples as n / (n + 1 / example_weight - 1)
        (0.2: 3 examples weigh 0.43, 20 weigh 0.83; chosen on a development split of FFT).
    lexical_weight : weight of the tf-idf block beside the embedding (0: embeddings only).
    margin : a second (third ...) code is given when its score is within this of the best.
    max_codes : at most this many codes per text.
    none_quantile : without examples, a code's threshold is this quantile of the best scores
        of the corpus (texts scoring lower get no code).
    """

    def __init__(
        self,
        *,
        codebook: Codebook,
        embedder: Embedder | None = None,
        example_weight: float = 0.2,
        lexical_weight: float = 0.8,
        margin: float = 0.02,
        max_codes: int = 3,
        none_quantile: float = 0.02,
    ) -> None:
        self.codebook = codebook
        self.embedder = embedder
        self.example_weight = example_weight
        self.lexical_weight = lexical_weight
        self.margin = margin
        self.max_codes = max_codes
        self.none_quantile = none_quantile

    # -- fitting --------------------------------------------------------------------------

    def fit(self, texts: Sequence[str] = (), embeddings: np.ndarray | None = None) -> CodebookCoder:
        """Embed the codes' words and examples; calibrate thresholds (on `texts` when given,
        the corpus to code: only its score distribution is used, never its labels)."""
        if self.embedder is None:
            raise ValueError("CodebookCoder needs an embedder")
        codes = self.codebook.codes
        self.code_ids_ = [c.id for c in codes]
        labels = [c.label_text for c in codes]
        ex_text = [e for c in codes for e in c.examples]
        self.vectorizer_ = self._lexicon(list(texts) + labels + ex_text)
        self.label_vectors_ = self._vectors(labels, None)
        self.example_code_ = np.array([i for i, c in enumerate(codes) for _ in c.examples], int)
        self.example_vectors_ = (
            self._vectors(ex_text, None)
            if ex_text
            else np.zeros((0, self.label_vectors_.shape[1]), np.float32)
        )
        self.n_examples_ = np.bincount(self.example_code_, minlength=len(codes))
        self.thresholds_ = self._calibrate(texts, embeddings)
        return self

    def _weights(self) -> np.ndarray:
        """Share of the score that comes from examples, per code (0 without examples)."""
        n = self.n_examples_.astype(float)
        w1 = min(max(self.example_weight, 1e-6), 1 - 1e-6)
        return n / (n + 1.0 / w1 - 1.0)

    def _example_scores(self, x: np.ndarray) -> np.ndarray:
        """(n, codes): 0.5 * cosine to the examples' centre + 0.5 * mean of the 2 best."""
        out = np.zeros((len(x), len(self.code_ids_)), np.float32)
        if not len(self.example_vectors_):
            return out
        sims = x @ self.example_vectors_.T
        for c in range(len(self.code_ids_)):
            cols = np.where(self.example_code_ == c)[0]
            if not len(cols):
                continue
            proto = unit_rows(self.example_vectors_[cols].mean(axis=0))
            best = np.sort(sims[:, cols], axis=1)[:, -2:].mean(axis=1)
            out[:, c] = 0.5 * (x @ proto) + 0.5 * best
        return out

    def _scores(self, x: np.ndarray) -> np.ndarray:
        w = self._weights()
        return (1 - w) * (x @ self.label_vectors_.T) + w * self._example_scores(x)

    def _calibrate(self, texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray:
        """Per-code threshold: the lowest leave-one-out score of its own examples (less a
        margin) when it has 3 or more; else a low quantile of the corpus's best scores."""
        n_codes = len(self.code_ids_)
        floor = -1.0
        x = self._vectors(texts, embeddings) if len(texts) or embeddings is not None else None
        if x is not None and len(x):
            floor = float(np.quantile(self._scores(x).max(axis=1), self.none_quantile))
        thr = np.full(n_codes, floor, np.float32)
        for c in np.where(self.n_examples_ >= 3)[0]:
            own = np.where(self.example_code_ == c)[0]
            loo = []
            for j in own:
                keep = np.ones(len(self.example_code_), bool)
                keep[j] = False
                loo.append(self._loo_score(self.example_vectors_[j], keep, c))
            thr[c] = min(float(np.min(loo)) - self.margin, floor if floor > -1 else 1.0)
        return thr

    def _loo_score(self, v: np.ndarray, keep: np.ndarray, c: int) -> float:
        saved = (self.example_vectors_, self.example_code_, self.n_examples_)
        try:
            self.example_vectors_ = saved[0][keep]
            self.example_code_ = saved[1][keep]
            self.n_examples_ = np.bincount(self.example_code_, minlength=len(self.code_ids_))
            return float(self._scores(v[None, :])[0, c])
        finally:
            self.example_vectors_, self.example_code_, self.n_examples_ = saved

    # -- using ----------------------------------------------------------------------------

    def _lexicon(self, texts: list[str]) -> Any:
        """tf-idf over the corpus, the codes' words and the examples (None when switched off)."""
        if self.lexical_weight <= 0 or not any(str(t).strip() for t in texts):
            return None
        from sklearn.feature_extraction.text import TfidfVectorizer

        from kmsynth.text import stop_words

        vec = TfidfVectorizer(
            sublinear_tf=True,
            stop_words=sorted(stop_words()),
            token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
        )
        try:
            return vec.fit([str(t) for t in texts])
        except ValueError:  # no word left after stop words
            return None

    def _vectors(self, texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray:
        """Unit embedding beside the weighted unit tf-idf vector (zeros when the texts are not
        given, so vectors passed alone keep the fitted width)."""
        x = unit_rows(embeddings if embeddings is not None else self.embedder.encode(list(texts)))  # type: ignore[union-attr]
        vec = getattr(self, "vectorizer_", None)
        if vec is None:
            return x
        if len(texts) != len(x):
            lex = np.zeros((len(x), len(vec.vocabulary_)), np.float32)
        else:
            lex = unit_rows(vec.transform([str(t) for t in texts]).toarray())
        return np.hstack([x, self.lexical_weight * lex]).astype(np.float32)

    def decision_function(
        self, texts: Sequence[str] = (), embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """(n texts, n codes) scores, codes in codebook order."""
        check_is_fitted(self, "thresholds_")
        return self._scores(self._vectors(texts, embeddings))

    def predict(
        self, texts: Sequence[str] = (), embeddings: np.ndarray | None = None
    ) -> list[frozenset[str]]:
        """The set of codes of each text (empty: no code fits)."""
        s = self.decision_function(texts, embeddings)
        return [frozenset(self.code_ids_[c] for c, _ in self._chosen(row)) for row in s]

    def _chosen(self, row: np.ndarray) -> list[tuple[int, float]]:
        order = np.argsort(-row, kind="stable")
        top = float(row[order[0]]) if len(order) else -1.0
        out = []
        for c in order[: self.max_codes]:
            if row[c] < self.thresholds_[c] or (out and row[c] < top - self.margin):
                if not out:
                    return []
                break
            out.append((int(c), float(row[c])))
        return out

    def code_table(
        self, texts: Sequence[str], ids: Sequence[str], embeddings: np.ndarray | None = None
    ) -> pd.DataFrame:
        """codes.csv: one row per code given (doc_id, code_id, score), documents in order."""
        s = self.decision_function(texts, embeddings)
        rows = [
            (str(d), self.code_ids_[c], round(v, 4))
            for d, row in zip(ids, s, strict=True)
            for c, v in self._chosen(row)
        ]
        return pd.DataFrame(rows, columns=CODE_COLUMNS)
