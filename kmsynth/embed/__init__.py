"""Sentence embedders behind one protocol, with a disk cache keyed by (model id, text hash)."""

from kmsynth.embed.embedders import (  # noqa: F401
    PROGRESS_MIN,
    SHARD_SIZE,
    DEFAULT_CACHE,
    Embedder,
    default_model_path,
    resolve_model,
    SentenceTransformerEmbedder,
    StaticEmbedder,
    TfidfEmbedder,
    CachedEmbedder,
    get_embedder,
    embedder_from_config,
)

__all__ = [
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
