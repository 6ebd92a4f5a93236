"""StoreEmbeddingCache: the store in front of an embedder, so only unseen texts are embedded."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kmsynth.embed.embedders import Embedder
    from kmsynth.store.store import Store

log = logging.getLogger(__name__)


class StoreEmbeddingCache:
    """Puts the store in front of an embedder: only texts with no stored vector for the
    embedder's model id are embedded; every vector is kept in the store.

    `last_counts` tells the last `encode` call's {"new": embedded now, "cached": read}.
    """

    def __init__(self, inner: Embedder, store: Store) -> None:
        self.inner = inner
        self.store = store
        self.last_counts = {"new": 0, "cached": 0}

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def __getattr__(self, name: str) -> Any:
        if name in ("inner", "store"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def fit(self, texts: Sequence[str]) -> StoreEmbeddingCache:
        self.inner.fit(texts)
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            self.last_counts = {"new": 0, "cached": 0}
            return self.inner.encode([], show_progress=False)
        todo = self.store.missing_embeddings(self.model_id, texts)
        fresh: dict[str, np.ndarray] = {}
        if todo:
            vecs = np.asarray(
                self.inner.encode(todo, show_progress=show_progress), dtype=np.float32
            )
            self.store.put_embeddings(self.model_id, todo, vecs)
            fresh = dict(zip(todo, vecs, strict=False))
        n_unique = len(set(texts))
        self.last_counts = {"new": len(todo), "cached": n_unique - len(todo)}
        log.info(
            "embeddings (%s): %d new texts, %d read from the store",
            self.model_id,
            len(todo),
            n_unique - len(todo),
        )
        if len(fresh) == n_unique:
            return np.vstack([fresh[t] for t in texts])
        stored = [t for t in dict.fromkeys(texts) if t not in fresh]
        got = dict(zip(stored, self.store.get_embeddings(self.model_id, stored), strict=False))
        got.update(fresh)
        return np.vstack([got[t] for t in texts]).astype(np.float32)
