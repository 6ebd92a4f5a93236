"""The first three stages in one call: read and validate, then clean and protect.

`prepare()` is what every later stage starts from: a canonical table whose free text is
redacted, whose authors are keyed pseudonyms, with a language per text and a `quotable` flag,
plus the ledger that accounts for every input row.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kmsynth.config import Config, load_config
from kmsynth.errors import Problem
from kmsynth.ingest.read import Ledger, Loaded, Mapping, load_mapping, load_table
from kmsynth.ingest.schemas import SPECS
from kmsynth.protect.languages import fill_languages
from kmsynth.protect.privacy import protect_table, pseudonym_key


@dataclass
class Prepared:
    kind: str
    table: pd.DataFrame
    ledger: Ledger
    problems: list[Problem]
    sources: list[dict[str, Any]]
    mapping: Mapping
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def prepare(kind: str, path: str | os.PathLike | list, config: Config | None = None, *,
            mapping: Mapping | str | os.PathLike | None = None, id_col: str | None = None,
            text_col: str | None = None, detect_language: bool = True) -> Prepared:
    """Load `path` as a canonical `kind` table, then redact, pseudonymise and tag languages."""
    config = config or load_config(None)
    if mapping is None and config.data.mapping is not None:
        mapping = config.data.mapping
    if isinstance(mapping, (str, os.PathLike)):
        mapping = load_mapping(Path(mapping), kind)
    loaded: Loaded = load_table(kind, path, mapping=mapping, id_col=id_col, text_col=text_col,
                                max_text_chars=config.limits.max_text_chars,
                                max_file_mb=config.limits.max_file_mb,
                                max_rows=config.limits.max_rows)
    spec = SPECS[kind]
    free_text = list(spec.free_text) + list(loaded.mapping.open_ended)
    key = pseudonym_key(config.privacy.key_env, config.privacy.key_file, config.embedding.cache_dir)
    protected = protect_table(loaded.table, free_text, key=key,
                              block_names=config.privacy.block_list, places=config.privacy.places,
                              quotable_sources=config.privacy.quotable_sources)
    table = protected.table
    if detect_language and spec.text_col:
        table = fill_languages(table, spec.text_col)
    return Prepared(kind, table, loaded.ledger, loaded.problems, loaded.sources, loaded.mapping,
                    protected.redactions)
