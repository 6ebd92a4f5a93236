"""Sentences of posts, and the small tools the brief builds on (lessons, practices, MMR).

Nothing is invented: every item is a sentence of a (redacted) post, verbatim, carrying its
post id and its character offsets in that post (``text[start:end] == sentence``). The one
summariser is `kmsynth.synthesis.keypoints.KeyPointSummariser`; the one quote gate is
`kmsynth.synthesis.quotes`. `Summariser` is the interface for plugging in a local or hosted
language model: such a model chooses among the sentences it is given, it never writes new ones.

Languages: sentence splitting, lesson cues and practice patterns cover English, Spanish, French
and Portuguese.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from kmsynth.synthesis.quotes import COURTESY, PLACEHOLDER, is_courtesy  # noqa: F401
from kmsynth.text import (
    Sentence,
    split_sentences,
)
from kmsynth.vectors import unit_rows

log = logging.getLogger(__name__)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def sentences_of(
    table: pd.DataFrame, id_col: str = "post_id", text_col: str = "text"
) -> list[Sentence]:
    """All sentences of a prepared (redacted) posts table, each with its post id, the author's
    pseudonym, quotability, country, region, language and organisation (when present)."""
    out: list[Sentence] = []
    org_col = next((c for c in ("organisation", "organization", "org") if c in table.columns), None)
    cols = {
        "author_id": "author_id",
        "country": "country",
        "region": "region",
        "language": "language",
    }
    for r in table.to_dict("records"):
        meta = {k: _text(r.get(c)) for k, c in cols.items()}
        meta["organisation"] = _text(r.get(org_col)) if org_col else ""
        q = r.get("quotable", False)
        meta["quotable"] = (
            bool(q)
            if q is not None and q is not pd.NA and not (isinstance(q, float) and np.isnan(q))
            else False
        )
        out.extend(split_sentences(r.get(text_col), _text(r.get(id_col)), **meta))
    return out


# --------------------------------------------------------------------------------------------
# summarising


@runtime_checkable
class Summariser(Protocol):
    """Choose up to k sentences that stand for a set of sentences (one theme).

    Must return sentences taken from `sentences` (same objects or equal ones): briefs quote,
    they never paraphrase. `embeddings` is (len(sentences), dim), rows L2-normalised. An
    implementation backed by a language model ranks or selects; it does not write text.
    """

    def summarise(
        self, sentences: Sequence[Sentence], embeddings: np.ndarray, k: int
    ) -> list[Sentence]: ...


def mmr(
    embeddings: np.ndarray,
    relevance: np.ndarray,
    k: int,
    *,
    diversity: float = 0.3,
    groups: Sequence[str] | None = None,
    max_per_group: int | None = None,
    duplicate_at: float = 0.95,
) -> list[int]:
    """Maximal marginal relevance: indices of up to k rows, each maximising
    ``(1 - diversity) * relevance - diversity * (max cosine to those already chosen)``.

    Rows closer than `duplicate_at` to a chosen row are never chosen; with `groups`, at most
    `max_per_group` rows per group (e.g. one sentence per post). Ties go to the lower index, so
    the result is deterministic.
    """
    n = len(relevance)
    if n == 0 or k <= 0:
        return []
    X = np.asarray(embeddings, dtype=np.float64)
    rel = np.asarray(relevance, dtype=np.float64)
    chosen: list[int] = []
    red = np.zeros(n)
    blocked = np.zeros(n, dtype=bool)
    per_group: dict[str, int] = {}
    while len(chosen) < k:
        score = (1 - diversity) * rel - diversity * red if chosen else rel.copy()
        score[blocked] = -np.inf
        j = int(np.argmax(score))
        if not np.isfinite(score[j]):
            break
        chosen.append(j)
        blocked[j] = True
        sim = X @ X[j]
        red = sim if len(chosen) == 1 else np.maximum(red, sim)
        blocked |= sim >= duplicate_at
        if groups is not None and max_per_group is not None:
            g = groups[j]
            per_group[g] = per_group.get(g, 0) + 1
            if per_group[g] >= max_per_group:
                blocked |= np.array([x == g for x in groups])
    return chosen


def centroid(embeddings: np.ndarray, groups: Sequence[str] | None = None) -> np.ndarray:
    """Unit-length mean of the rows; with `groups` (post ids) each group weighs the same, so a
    long post does not pull the centre of a theme towards itself."""
    X = np.asarray(embeddings, dtype=np.float64)
    if len(X) == 0:
        return np.zeros(X.shape[1] if X.ndim == 2 else 0)
    if groups is not None:
        counts = pd.Series(list(groups)).map(pd.Series(list(groups)).value_counts()).to_numpy(float)
        c = (X / counts[:, None]).sum(axis=0)
    else:
        c = X.mean(axis=0)
    return unit_rows(c, dtype=np.float64)


def usable(s: Sentence, min_words: int = 6, max_words: int = 50) -> bool:
    """A sentence fit to stand in a brief: a statement of reasonable length, nothing redacted,
    not a courtesy."""
    t = s.text.rstrip()
    return (
        min_words <= s.words <= max_words
        and not t.endswith(("?", ":"))
        and not PLACEHOLDER.search(t)
        and not is_courtesy(t)
    )


def rank_by_centrality(sentences: Sequence[Sentence], embeddings: np.ndarray) -> list[int]:
    """Indices of `sentences`, most central first (cosine to the post-weighted centroid)."""
    if not len(sentences):
        return []
    emb = np.asarray(embeddings)
    rel = emb @ centroid(emb, [s.post_id for s in sentences])
    return [int(i) for i in np.argsort(-rel, kind="stable")]


def group_by(items: Iterable, key: str | Callable) -> dict[str, list]:
    """Items grouped by an attribute name or a function, groups in order of first appearance;
    items without a value go under ''."""
    out: dict[str, list] = {}
    get = key if callable(key) else (lambda x: getattr(x, key, "") or "")
    for it in items:
        out.setdefault(str(get(it) or ""), []).append(it)
    return out
