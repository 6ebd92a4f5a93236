"""Load one or more files of one kind into a canonical table, with its ledger.

Bad rows are excluded with a reason; exact duplicates are merged into the first occurrence;
a duplicate id with different content is excluded. Every input row is in the ledger.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.errors import InputError, Problem
from kmsynth.ingest.ledger import Ledger
from kmsynth.ingest.mapping import Mapping, apply_mapping, load_mapping
from kmsynth.ingest.raw import RawTable, ReadLimits, shown_header, shown_headers, shown_id
from kmsynth.ingest.read import read_raw
from kmsynth.ingest.schemas import SPECS, TableSpec, check_rows, normalise_header


@dataclass
class Loaded:
    """A canonical table with its ledger, the problems found, and where it came from."""

    kind: str
    table: pd.DataFrame  # canonical columns + extra columns + _file, _row
    ledger: Ledger
    problems: list[Problem]
    sources: list[dict[str, Any]]  # file, sha256, format, encoding, delimiter, rows
    mapping: Mapping = field(default_factory=Mapping)

    @property
    def errors(self) -> list[Problem]:
        """Problems that exclude a row."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that only inform."""
        return [p for p in self.problems if p.severity != "error"]


def _content_key(df: pd.DataFrame, spec: TableSpec) -> pd.Series:
    cols = [c for c in (spec.text_col, "author", "title") if c and c in df.columns]
    if not cols:
        cols = [c for c in df.columns if not c.startswith("_") and c != spec.id_col]
    # whitespace runs -> one space, ends trimmed (" ".join(split()) == strip + \s+ -> " ")
    parts = [[" ".join(str(x).split()) for x in df[c].tolist()] for c in cols]
    return pd.Series(
        ["\x1f".join(t) for t in zip(*parts, strict=True)], index=df.index, dtype=object
    )


def _documents_columns(
    raw_frame: pd.DataFrame, file: str, id_col: str | None, text_col: str | None
) -> None:
    """`kmsynth themes` input: the row number is the id unless --id-col names one."""
    if not id_col:
        raw_frame.insert(0, "doc_id", [str(i) for i in range(1, len(raw_frame) + 1)])
    if not text_col and "text" not in {normalise_header(c) for c in raw_frame.columns}:
        raise InputError(
            "no text column: name it with --text-col",
            file=file,
            hint="columns in the file: " + shown_headers(raw_frame.columns),
        )


def _ledger_frame(
    raw: RawTable, df: pd.DataFrame, spec: TableSpec, reason: pd.Series
) -> pd.DataFrame:
    n = len(df)
    replaced = np.zeros(n, dtype=np.int64)
    if raw.replaced_chars:  # bytes that could not be decoded, per row
        for col in raw.frame.columns:
            replaced += raw.frame[col].str.count("\ufffd").to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "file": raw.file,
            "row": df["_row"].to_numpy(),
            "line": raw.lines if raw.lines is not None else pd.array([pd.NA] * n, dtype="Int64"),
            "record_id": df[spec.id_col].astype(str).to_numpy(),
            "status": np.where(reason.to_numpy() == "", "kept", "excluded"),
            "reason": reason.to_numpy(),
            "merged_into": "",
            "replaced_bytes": replaced,
        }
    )


def _load_one(
    pth: str | os.PathLike[str],
    spec: TableSpec,
    mapping: Mapping,
    limits: ReadLimits,
    max_text_chars: int,
    id_col: str | None,
    text_col: str | None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem], dict]:
    """Read, map and check one file: (table, ledger frame, problems, source record)."""
    raw = read_raw(
        pth,
        encoding=mapping.encoding,
        delimiter=mapping.delimiter,
        sheet=mapping.sheet,
        limits=limits,
    )
    limits.refuse_rows(len(raw.frame), raw.file)
    if spec.kind == "documents":
        _documents_columns(raw.frame, raw.file, id_col, text_col)
    df = apply_mapping(raw, mapping, spec)
    rows = np.arange(1, len(df) + 1)
    df.insert(len(df.columns), "_file", raw.file)
    df.insert(len(df.columns), "_row", rows)
    reason, probs = check_rows(
        df, spec, file=raw.file, rows=rows, lines=raw.lines, max_text_chars=max_text_chars
    )
    for p in raw.problems:  # rows the CSV reader flagged (too many fields) are excluded too
        if p.rule == "too_many_fields" and p.row:
            reason.iat[p.row - 1] = reason.iat[p.row - 1] or "too_many_fields"
    source = {
        "file": raw.file,
        "sha256": raw.sha256,
        "format": raw.format,
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
        "rows": len(df),
        "replaced_chars": raw.replaced_chars,
        "replaced_lines": raw.replaced_lines[:100],
    }
    return df, _ledger_frame(raw, df, spec, reason), raw.problems + probs, source


def load_table(
    kind: str,
    path: str | os.PathLike[str] | list,
    *,
    mapping: Mapping | str | os.PathLike[str] | None = None,
    id_col: str | None = None,
    text_col: str | None = None,
    max_text_chars: int = 100_000,
    max_file_mb: float = 512.0,
    max_rows: int = 1_000_000,
    max_decompressed_mb: float = 1024.0,
) -> Loaded:
    """Read, map and validate one or more files of one kind into a canonical table.

    Bad rows are excluded with a reason; exact duplicates are merged into the first occurrence;
    a duplicate id with different content is excluded. Every input row is in the ledger.
    """
    if kind not in SPECS:
        raise InputError(
            f"unknown table kind {shown_header(kind)!r}",
            hint="use one of: posts, survey, findings, lessons",
        )
    spec = SPECS[kind]
    paths = list(path) if isinstance(path, (list, tuple)) else [path]
    if isinstance(mapping, (str, os.PathLike)):
        mapping = load_mapping(mapping, kind)
    mapping = mapping or Mapping()
    if kind == "documents":
        mapping = Mapping(
            columns={
                **({"text": text_col} if text_col else {}),
                **({"doc_id": id_col} if id_col else {}),
            }
        )
    limits = ReadLimits(
        max_file_mb=max_file_mb, max_rows=max_rows, max_decompressed_mb=max_decompressed_mb
    )
    parts = [_load_one(p, spec, mapping, limits, max_text_chars, id_col, text_col) for p in paths]
    df = pd.concat([p[0] for p in parts], ignore_index=True) if len(parts) > 1 else parts[0][0]
    led = pd.concat([p[1] for p in parts], ignore_index=True) if len(parts) > 1 else parts[0][1]
    df.attrs = parts[0][0].attrs
    problems = [pr for p in parts for pr in p[2]]
    _resolve_duplicates(df, led, spec, problems)
    excluded = led["status"] == "excluded"  # an id that is really a mis-read row is not kept
    led.loc[excluded, "record_id"] = [shown_id(v) or "" for v in led.loc[excluded, "record_id"]]
    table = df[(led["status"] == "kept").to_numpy()].reset_index(drop=True)
    ledger = Ledger(led)
    ledger.check()
    return Loaded(kind, table, ledger, problems, [p[3] for p in parts], mapping)


def _resolve_duplicates(
    df: pd.DataFrame, led: pd.DataFrame, spec: TableSpec, problems: list[Problem]
) -> None:
    """Merge exact duplicates into their first occurrence; exclude conflicting ids."""
    alive = (led["status"] == "kept").to_numpy()
    ids = df[spec.id_col].astype(str).str.strip()
    # content keys of the rows still alive only (an excluded 50 MB text is not normalised)
    content_l = [""] * len(df)
    for pos, key in zip(np.flatnonzero(alive), _content_key(df[alive], spec).tolist(), strict=True):
        content_l[pos] = key
    first_by_id: dict[str, int] = {}
    first_by_content: dict[str, int] = {}
    ids_l = ids.tolist()  # plain lists: .iat in a loop is slow
    # changes are collected and written once: a .loc write per row costs ~1 ms on arrow strings
    status, reason, merged_into = (
        led["status"].tolist(),
        led["reason"].tolist(),
        led["merged_into"].tolist(),
    )
    for i in np.flatnonzero(alive):
        rid = ids_l[i]
        key = content_l[i]
        if rid in first_by_id:
            j = first_by_id[rid]
            if content_l[j] == key:
                status[i], reason[i], merged_into[i] = "merged", "duplicate_row", rid
            else:
                status[i], reason[i] = "excluded", "duplicate_id_different_text"
                problems.append(
                    Problem(
                        file=str(df["_file"].iat[i]),
                        row=int(df["_row"].iat[i]),
                        line=int(led["line"].iat[i]) if pd.notna(led["line"].iat[i]) else None,
                        record_id=shown_id(rid),
                        column=spec.id_col,
                        rule="duplicate_id_different_text",
                        message=f"the id is used before ({df['_file'].iat[j]} row "
                        f"{df['_row'].iat[j]}) with different content",
                        hint="give the row its own id, or remove the older version",
                    )
                )
            continue
        first_by_id[rid] = i
        if spec.kind in ("posts", "findings", "lessons") and key in first_by_content:
            j = first_by_content[key]
            status[i], reason[i], merged_into[i] = "merged", "duplicate_content", ids_l[j]
            continue
        first_by_content[key] = i
    led["status"], led["reason"], led["merged_into"] = status, reason, merged_into
