"""The DuckDB store: versioned tables, embeddings, theme runs, decisions, views."""

from kmsynth.store.cache import StoreEmbeddingCache
from kmsynth.store.migrations import MIGRATIONS
from kmsynth.store.schema import (
    COLUMNS,
    DATE_COL,
    HASH_EXCLUDE,
    ID_COL,
    RAW_COLUMNS,
    SCHEMA_VERSION,
    TABLE,
    IngestCounts,
    normalise,
)
from kmsynth.store.store import Store

__all__ = [
    "SCHEMA_VERSION",
    "TABLE",
    "ID_COL",
    "DATE_COL",
    "COLUMNS",
    "HASH_EXCLUDE",
    "RAW_COLUMNS",
    "MIGRATIONS",
    "IngestCounts",
    "normalise",
    "Store",
    "StoreEmbeddingCache",
]
