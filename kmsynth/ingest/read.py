"""Read a file of any supported format as text, within size limits.

Files are read as text first: no automatic missing values ("NA" is Namibia), no number
coercion of ids ("007" stays "007"), counted replacement of undecodable bytes. Supported:
CSV/TSV/TXT (see :mod:`kmsynth.ingest.delimited`), XLSX (:mod:`kmsynth.ingest.workbook`),
JSON, JSONL and Parquet. Size caps are checked before a file is read whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.errors import InputError
from kmsynth.ingest.delimited import decode_bytes, read_delimited
from kmsynth.ingest.raw import RawTable, ReadLimits, cell_text
from kmsynth.ingest.workbook import read_xlsx

SUPPORTED = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson", ".parquet")


def sha256_if_file(path: Path | None) -> str | None:
    """sha256 of a file, None when there is no such file."""
    return sha256_file(path) if path is not None and Path(path).is_file() else None


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _records_frame(records: list[Any], name: str) -> pd.DataFrame:
    cols: dict[str, None] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputError(
                "each record must be an object of field: value pairs",
                file=name,
                row=i + 1,
                hint="export records as a list of objects",
            )
        for k in rec:
            cols.setdefault(str(k), None)
    data = [[cell_text(rec.get(c)) for c in cols] for rec in records]
    return pd.DataFrame(data, columns=list(cols), dtype=object)


def _read_jsonl(path: Path, data: bytes, encoding: str | None, limits: ReadLimits) -> RawTable:
    text, enc, replaced = decode_bytes(data, encoding)
    name = str(path)
    records, lines = [], []
    for i, ln in enumerate(text.splitlines(), start=1):
        if not ln.strip():
            continue
        try:
            records.append(json.loads(ln))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"line {i} is not valid JSON ({exc.msg}, character {exc.colno})",
                file=name,
                row=len(records) + 1,
                hint=f"fix line {i}: each line must be one JSON object",
            ) from None
        lines.append(i)
        if len(records) > limits.max_rows:
            limits.refuse_rows(len(records), name, at_least=True)
    return RawTable(
        _records_frame(records, name),
        name,
        "",
        "jsonl",
        enc,
        lines=np.asarray(lines, dtype=np.int64),
        replaced_chars=replaced,
    )


def _read_json(path: Path, data: bytes, encoding: str | None, limits: ReadLimits) -> RawTable:
    text, enc, replaced = decode_bytes(data, encoding)
    name = str(path)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            file=name,
            hint="check the file is complete JSON",
        ) from None
    if isinstance(obj, dict):
        lists = [v for v in obj.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError(
                "JSON must be a list of records, or an object holding one such list", file=name
            )
        obj = lists[0]
    if not isinstance(obj, list):
        raise InputError("JSON must be a list of records", file=name)
    limits.refuse_rows(len(obj), name)
    return RawTable(_records_frame(obj, name), name, "", "json", enc, replaced_chars=replaced)


def _read_parquet(path: Path, limits: ReadLimits) -> RawTable:
    import pyarrow.parquet as pq

    name = str(path)
    try:
        meta = pq.ParquetFile(path).metadata
        limits.refuse_rows(meta.num_rows, name)
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if size > limits.max_decompressed_mb * 2**20:
            raise InputError(
                f"the table expands to {size / 2**20:,.0f} MB, above the cap of "
                f"{limits.max_decompressed_mb:,.0f} MB",
                file=name,
                hint="split the file, or raise limits.max_decompressed_mb",
            )
        table = pq.read_table(path)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"the Parquet file cannot be read ({type(exc).__name__})", file=name
        ) from None
    cols = table.column_names
    data = {c: [cell_text(v) for v in table.column(c).to_pylist()] for c in cols}
    return RawTable(pd.DataFrame(data, columns=cols, dtype=object), name, "", "parquet")


def read_raw(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    max_file_mb: float = 512.0,
    limits: ReadLimits | None = None,
) -> RawTable:
    """Read any supported file into a text-only frame. Raises InputError for unreadable files.

    `limits` (rows, decompressed size, file size) are checked before the file is read whole;
    `max_file_mb` is kept for callers that set only the file size.
    """
    limits = limits or ReadLimits(max_file_mb=max_file_mb)
    p, name = Path(path), str(path)
    if not p.exists():
        raise InputError("file not found", file=name, hint="check the path")
    if p.is_dir():
        raise InputError("this is a folder, not a file", file=name)
    size_mb = p.stat().st_size / 2**20
    if size_mb > limits.max_file_mb:
        raise InputError(
            f"the file is {size_mb:,.0f} MB, above the {limits.max_file_mb:,.0f} MB cap",
            file=name,
            hint="split the export by month, or raise limits.max_file_mb",
        )
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(
            f"unsupported file type {suffix[:12] or '(none)'}",
            file=name,
            hint="use CSV, XLSX, JSON, JSONL or Parquet",
        )
    if suffix in (".xlsx", ".xlsm"):
        raw = read_xlsx(p, sheet, limits)
    elif suffix == ".parquet":
        raw = _read_parquet(p, limits)
    elif suffix == ".json":
        raw = _read_json(p, p.read_bytes(), encoding, limits)
    elif suffix in (".jsonl", ".ndjson"):
        raw = _read_jsonl(p, p.read_bytes(), encoding, limits)
    else:
        delim = delimiter or ("\t" if suffix == ".tsv" else None)
        raw = read_delimited(p, p.read_bytes(), encoding, delim, limits)
    raw.sha256 = sha256_file(p)
    return raw
