"""Sentence embedders behind one protocol, with a disk cache keyed by (model id, text hash)."""

from kmsynth.embed.choose import AUTO_SHARE, AutoEmbedder, EmbedderChoice, choose_embedder
from kmsynth.embed.embedders import (  # noqa: F401
    DEFAULT_CACHE,
    PROGRESS_MIN,
    SHARD_SIZE,
    CachedEmbedder,
    Embedder,
    SentenceTransformerEmbedder,
    StaticEmbedder,
    TfidfEmbedder,
    default_model_path,
    embedder_from_config,
    get_embedder,
    resolve_model,
)
from kmsynth.embed.fake import FakeEmbedder  # noqa: F401
from kmsynth.embed.multilingual import MultilingualEmbedder

__all__ = [
    "FakeEmbedder",
    "AUTO_SHARE",
    "AutoEmbedder",
    "EmbedderChoice",
    "choose_embedder",
    "MultilingualEmbedder",
    "PROGRESS_MIN",
    "SHARD_SIZE",
    "DEFAULT_CACHE",
    "Embedder",
    "default_model_path",
    "resolve_model",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "TfidfEmbedder",
    "CachedEmbedder",
    "get_embedder",
    "embedder_from_config",
]
