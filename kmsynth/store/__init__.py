"""The DuckDB store: versioned tables, embeddings, theme runs, decisions, views."""

from kmsynth.store.store import (  # noqa: F401
    SCHEMA_VERSION,
    TABLE,
    ID_COL,
    DATE_COL,
    HASH_EXCLUDE,
    RAW_COLUMNS,
    IngestCounts,
    normalise,
    Store,
    StoreEmbeddingCache,
)

__all__ = [
    "SCHEMA_VERSION",
    "TABLE",
    "ID_COL",
    "DATE_COL",
    "HASH_EXCLUDE",
    "RAW_COLUMNS",
    "IngestCounts",
    "normalise",
    "Store",
    "StoreEmbeddingCache",
]
