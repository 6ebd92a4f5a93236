"""The first three stages in one call: read and validate, then clean and protect.

`prepare()` is what every later stage starts from: a canonical table whose free text is
redacted, whose authors are keyed pseudonyms, with a language per text and a `quotable` flag,
plus the ledger that accounts for every input row. Given a Dask client, reading and validation
still run once (duplicates and the ledger need the whole table) and the per-row work
(redaction, pseudonyms, languages) runs on the workers, partition by partition, with the same
result as in one process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kmsynth.config import Config, load_config
from kmsynth.errors import Problem
from kmsynth.ingest.ledger import Ledger
from kmsynth.ingest.load import load_table
from kmsynth.ingest.mapping import Mapping, load_mapping
from kmsynth.ingest.schemas import SPECS
from kmsynth.protect import (
    corpus_common_words,
    fill_languages,
    people_of,
    protect_table,
    pseudonym_key,
)

if TYPE_CHECKING:
    from distributed import Client


@dataclass
class Prepared:
    """A protected canonical table, its ledger, the problems found and where it came from."""

    kind: str
    table: pd.DataFrame
    ledger: Ledger
    problems: list[Problem]
    sources: list[dict[str, Any]]
    mapping: Mapping
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """Problems that exclude a row."""
        return [p for p in self.problems if p.severity == "error"]


def client_for(address: str | None, n_workers: int = 2) -> Client:
    """A dask.distributed Client: a LocalCluster for "local" (one thread per worker), else the
    scheduler at `address` ("tcp://host:8786")."""
    from dask.distributed import Client, LocalCluster

    for name in ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if address in (None, "", "local"):
        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        return Client(cluster)
    return Client(address)


def protect_rows(
    part: pd.DataFrame,
    *,
    free_text: list[str],
    key: bytes,
    names: list[str],
    places: list[str],
    quotable_sources: Sequence[str] | None,
    text_col: str | None,
    common: frozenset[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The per-row work of `prepare` on one block of rows: redact, pseudonymise, languages.

    `names` holds every author of the whole table (and the block-list), and `common` the name
    parts the whole table uses as ordinary words, so every block is redacted alike. Languages
    come first: whether a name part is a common word depends on the post's language.
    """
    if text_col:
        part = fill_languages(part, text_col)
    prot = protect_table(
        part,
        free_text,
        key=key,
        block_names=names,
        places=places,
        quotable_sources=quotable_sources,
        common=common,
    )
    return prot.table, prot.redactions


def _on_workers(
    work: partial, table: pd.DataFrame, client: Client, npartitions: int | None
) -> tuple[pd.DataFrame, dict[str, int]]:
    n = npartitions or max(1, len(client.scheduler_info()["workers"]) * 2)
    bounds = np.linspace(0, len(table), n + 1).astype(int)
    parts = [table.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a] or [
        table
    ]
    # bound into one function, not passed as map() keyword arguments: dask turns large keyword
    # arguments into shared graph keys, which break when several maps run
    results = client.gather(client.map(work, parts, pure=False))
    redactions: dict[str, int] = {}
    for _, counts in results:
        for k, v in counts.items():
            redactions[k] = redactions.get(k, 0) + v
    return pd.concat([r[0] for r in results]), redactions


def prepare(
    kind: str,
    path: str | os.PathLike[str] | list,
    config: Config | None = None,
    *,
    mapping: Mapping | str | os.PathLike[str] | None = None,
    id_col: str | None = None,
    text_col: str | None = None,
    detect_language: bool = True,
    client: Client | None = None,
    npartitions: int | None = None,
) -> Prepared:
    """Load `path` as a canonical `kind` table, then redact, pseudonymise and tag languages.

    With a Dask `client` the per-row work runs on its workers in `npartitions` blocks (default
    two per worker); the result is the same as without one.
    """
    config = config or load_config(None)
    if mapping is None and config.data.mapping is not None:
        mapping = config.data.mapping
    if isinstance(mapping, (str, os.PathLike)):
        mapping = load_mapping(mapping, kind)
    lim = config.limits
    loaded = load_table(
        kind,
        path,
        mapping=mapping,
        id_col=id_col,
        text_col=text_col,
        max_text_chars=lim.max_text_chars,
        max_file_mb=lim.max_file_mb,
        max_rows=lim.max_rows,
        max_decompressed_mb=lim.max_decompressed_mb,
    )
    spec = SPECS[kind]
    names = people_of(loaded.table, config.privacy.block_list)
    free_text = [*spec.free_text, *loaded.mapping.open_ended]
    work = partial(
        protect_rows,
        free_text=free_text,
        key=pseudonym_key(
            config.privacy.key_env, config.privacy.key_file, config.embedding.cache_dir
        ),
        names=names,
        common=corpus_common_words(loaded.table, free_text, names),
        places=list(config.privacy.places),
        quotable_sources=config.privacy.quotable_sources,
        text_col=spec.text_col if detect_language else None,
    )
    if client is None:
        table, redactions = work(loaded.table)
    else:
        table, redactions = _on_workers(work, loaded.table, client, npartitions)
    return Prepared(
        kind, table, loaded.ledger, loaded.problems, loaded.sources, loaded.mapping, redactions
    )
