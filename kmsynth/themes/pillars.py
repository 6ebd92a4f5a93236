"""The six pillars: tag themes and texts with the most likely pillar and a confidence.

Half of a score is the share of seed-word hits per pillar (seed words in en/es/fr/pt from the
framework file, so it does not depend on the language), half a softmax of the cosine between
an embedding and each pillar's description, when an embedder is given.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kmsynth.embed import Embedder

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def pillar_table() -> list:
    """The framework's pillars (id, name, seed words), from the shipped framework file."""
    from kmsynth.ingest.schemas import pillars

    return pillars()


def pillar_label(pillar: int | None) -> str:
    """The name of pillar `pillar` ("" for None)."""
    from kmsynth.ingest.schemas import pillar_name

    return "" if pillar is None else pillar_name(int(pillar))


def seed_words() -> list[str]:
    """Every pillar's seed words, sorted (guided c-TF-IDF nudges themes towards them)."""
    return sorted({w for p in pillar_table() for w in p.seed_words})


def _seed_hits(texts: Sequence[str], table: list) -> np.ndarray:
    """(n_texts, n_pillars) counts of seed words per pillar."""
    seed_sets = [set(p.seed_words) for p in table]
    hits = np.zeros((len(texts), len(table)))
    for i, t in enumerate(texts):
        toks = _WORD.findall(str(t).lower())
        for j, s in enumerate(seed_sets):
            hits[i, j] = sum(1 for tok in toks if tok in s)
    return hits


def _description_vectors(embedder: Embedder | None, table: list) -> np.ndarray | None:
    if embedder is None:
        return None
    try:
        return embedder.encode([f"{p.name}: " + ", ".join(p.seed_words[:20]) for p in table])
    except Exception:  # pragma: no cover - an embedder that cannot embed labels
        log.debug("pillar descriptions could not be embedded", exc_info=True)
        return None


def _combine(hits: np.ndarray, cos: np.ndarray | None) -> np.ndarray:
    sums = hits.sum(axis=1, keepdims=True)
    lex = np.where(sums > 0, hits / np.maximum(sums, 1), 1 / hits.shape[1])
    if cos is None:
        return lex
    z = np.exp((cos - cos.max(axis=1, keepdims=True)) / 0.05)
    return 0.5 * lex + 0.5 * z / z.sum(axis=1, keepdims=True)


def theme_pillars(
    embedder: Embedder | None,
    texts: Sequence[str],
    labels: np.ndarray,
    centroids: dict[int, np.ndarray],
) -> dict[int, tuple[int | None, float]]:
    """theme id -> (most likely pillar id, confidence in [0, 1]); `labels` gives each text's
    theme and `centroids` each theme's unit mean embedding."""
    table = pillar_table()
    desc = _description_vectors(embedder, table)
    out: dict[int, tuple[int | None, float]] = {}
    for theme, cent in centroids.items():
        members = [texts[i] for i in np.flatnonzero(labels == theme)]
        hits = _seed_hits(members, table).sum(axis=0, keepdims=True)
        cos = None if desc is None else (desc @ cent)[None, :]
        score = _combine(hits, cos)[0]
        best = int(np.argmax(score))
        found = hits.sum() > 0 or desc is not None
        out[theme] = (table[best].id, float(score[best])) if found else (None, 0.0)
    return out


def classify_pillars(
    texts: Sequence[str], embeddings: np.ndarray | None = None, embedder: Embedder | None = None
) -> pd.DataFrame:
    """Most likely pillar of each text: (pillar id, pillar name, confidence), one row per text."""
    table = pillar_table()
    n = len(texts)
    hits = _seed_hits(texts, table)
    desc = _description_vectors(embedder, table) if embeddings is not None and n else None
    score = _combine(hits, None if desc is None else embeddings @ desc.T)
    best = score.argmax(axis=1) if n else np.zeros(0, int)
    return pd.DataFrame(
        {
            "pillar": [table[b].id for b in best],
            "pillar_name": [table[b].name for b in best],
            "pillar_confidence": np.round(score[np.arange(n), best], 3) if n else [],
        }
    )
