"""A fake embedder for tests (users' too): fast, deterministic, no model.

Each word is hashed to a fixed random direction; a text is the normalised sum of its words'
directions, so texts sharing words are close. `synonyms` maps words to a shared concept
(e.g. "violencia" -> "violence"), which makes a tiny stand-in for a multilingual model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

import numpy as np

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class FakeEmbedder:
    """Bag of hashed words, L2-normalised float32 vectors of `dim` (a wordless text: zeros)."""

    def __init__(
        self, dim: int = 64, synonyms: Mapping[str, str] | None = None, model_id: str = "fake"
    ) -> None:
        self.dim = dim
        self.synonyms = dict(synonyms or {})
        self.model_id = f"{model_id}-{dim}"
        self.calls = 0

    def fit(self, texts: Sequence[str]) -> FakeEmbedder:
        return self

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            for w in _WORD.findall(str(text).lower()):
                out[i] += self._word(self.synonyms.get(w, w))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
