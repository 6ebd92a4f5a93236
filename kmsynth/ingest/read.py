"""Read real exports into the canonical tables, and account for every row in a ledger.

Files are read as text first: no automatic missing values ("NA" is Namibia), no number
coercion of ids ("007" stays "007"), strict decoding. Supported: CSV/TSV/TXT (encoding
detected, delimiter sniffed, quoted multi-line fields), XLSX, JSON, JSONL and Parquet.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io as _io
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import yaml

from kmsynth.errors import InputError, Problem
from kmsynth.ingest.schemas import KINDS, SPECS, TableSpec, check_rows, normalise_header

log = logging.getLogger(__name__)

SUPPORTED = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson", ".parquet")
LEDGER_COLUMNS = ["file", "row", "line", "record_id", "status", "reason", "merged_into"]
STATUSES = ("kept", "merged", "excluded", "out_of_period")


# --------------------------------------------------------------------------------------------
# Raw reading


@dataclass
class RawTable:
    """A file read as text: every cell a string, with where each record came from."""

    frame: pd.DataFrame
    file: str
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    lines: np.ndarray | None = None  # 1-based physical line where each record starts
    replaced_chars: int = 0
    problems: list[Problem] = field(default_factory=list)


def sha256_if_file(path: Path | None) -> str | None:
    """sha256 of a file, None when there is no such file."""
    return sha256_file(path) if path is not None and Path(path).is_file() else None


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str, int]:
    """Decode bytes; return (text, encoding, number of characters replaced).

    Order: a forced encoding; a byte-order mark (UTF-8, UTF-16); UTF-16 without a mark; strict
    UTF-8; UTF-8 with a handful of bad bytes replaced (counted); cp1252; latin-1.
    """
    if encoding:
        text = data.decode(encoding, errors="replace")
        return text, encoding, text.count("\ufffd")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", 0
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
        return text, "utf-16", text.count("\ufffd")
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(b"\x00") > len(sample) // 4:
        enc = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        text = data.decode(enc, errors="replace")
        return text, enc, text.count("\ufffd")
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if bad <= max(2, len(text) // 10000) and multibyte > bad:
        return text, "utf-8", bad
    try:
        return data.decode("cp1252"), "cp1252", 0
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", 0


def sniff_delimiter(header_line: str) -> str:
    """Pick the delimiter from the header line: the candidate that splits it most (quotes aside)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, data: bytes, encoding: str | None, delimiter: str | None) -> RawTable:
    text, enc, replaced = decode_bytes(data, encoding)
    name = str(path)
    problems: list[Problem] = []
    if replaced:
        problems.append(Problem(file=name, rule="decoding", severity="warning",
                                message=f"{replaced} characters could not be decoded and were replaced",
                                hint="save the file as UTF-8, or set `encoding:` in the mapping"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = text.split("\n", 1)[0]
    delim = delimiter or sniff_delimiter(first)
    # a very long field (a 50 MB post) must reach the max_text_chars rule, not crash the reader
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, 2**31 - 1)))
    reader = csv.reader(_io.StringIO(text), delimiter=delim, quotechar='"', doublequote=True,
                        strict=False)
    records: list[list[str]] = []
    starts: list[int] = []
    prev_end = 0
    try:
        for rec in reader:
            start = prev_end + 1
            prev_end = reader.line_num
            if not rec or (len(rec) == 1 and rec[0] == ""):
                continue  # blank line
            records.append(rec)
            starts.append(start)
    except csv.Error as exc:  # e.g. a NUL byte: the message names no data
        raise InputError(f"the CSV cannot be parsed near line {reader.line_num} ({exc})", file=name,
                         row=len(records) or None,
                         hint="save the export again as CSV (UTF-8), or as XLSX") from None
    if not records:
        raise InputError("the file is empty: no header row", file=name,
                         hint="export the table with its header row")
    header = [h.strip() for h in records[0]]
    ncol = len(header)
    body, lines = [], []
    for rec, start in zip(records[1:], starts[1:]):
        if len(rec) > ncol and any(x.strip() for x in rec[ncol:]):
            problems.append(Problem(
                file=name, line=start, row=len(body) + 1, rule="too_many_fields",
                message=f"the row has {len(rec)} fields but the header has {ncol}",
                hint=f"check quoting on that line (delimiter {delim!r})"))
        rec = (rec + [""] * ncol)[:ncol]
        body.append(rec)
        lines.append(start)
    _check_swallowed_rows(text, body, lines, ncol, delim, name, header)
    frame = pd.DataFrame(body, columns=_unique(header), dtype=object)
    return RawTable(frame, name, "", "csv", enc, delim, np.asarray(lines, dtype=np.int64),
                    replaced, problems)


def _check_swallowed_rows(text: str, body: list[list[str]], lines: list[int], ncol: int,
                          delim: str, name: str, header: list[str]) -> None:
    """Catch a stray quote that turned many physical rows into one field."""
    if ncol < 2:
        return
    for rec, start in zip(body, lines):
        for j, cell in enumerate(rec):
            if "\n" not in cell:
                continue
            inner = cell.split("\n")[1:]
            looks_like_rows = sum(1 for ln in inner if ln.count(delim) >= ncol - 1)
            if looks_like_rows >= 1:
                raise InputError(
                    f"a quote opened on line {start} is never closed where expected: the field "
                    f"swallows {looks_like_rows} line(s) that look like separate rows",
                    file=name, row=lines.index(start) + 1, column=header[j],
                    hint=f'check the quotes in column {header[j]!r} near line {start}: a lone " '
                         'must be doubled ("") inside a quoted field')


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        n = n or "unnamed"
        if n in seen:
            seen[n] += 1
            out.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


def _cell_to_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError(f"the workbook cannot be opened ({type(exc).__name__})", file=str(path),
                         hint="save it again from Excel as .xlsx") from None
    try:
        if sheet and sheet not in wb.sheetnames:
            raise InputError(f"no sheet named {sheet!r}", file=str(path),
                             hint="sheets are: " + ", ".join(wb.sheetnames))
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows_iter = ws.iter_rows(values_only=True)
        header = None
        header_line = 0
        body, lines = [], []
        for i, row in enumerate(rows_iter, start=1):
            cells = [_cell_to_text(v) for v in row]
            if header is None:
                if any(c.strip() for c in cells):
                    header = [c.strip() for c in cells]
                    header_line = i
                continue
            if not any(c.strip() for c in cells):
                continue
            body.append(cells)
            lines.append(i)
    finally:
        wb.close()
    if header is None:
        raise InputError("the sheet is empty: no header row", file=str(path))
    while header and not header[-1]:
        header.pop()
    ncol = len(header)
    body = [(r + [""] * ncol)[:ncol] for r in body]
    del header_line
    frame = pd.DataFrame(body, columns=_unique(header), dtype=object)
    return RawTable(frame, str(path), "", "xlsx", lines=np.asarray(lines, dtype=np.int64))


def _records_frame(records: list[Any], name: str, lines: list[int] | None) -> pd.DataFrame:
    cols: dict[str, None] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputError("each record must be an object of field: value pairs", file=name,
                             row=i + 1, hint="export records as a list of objects")
        for k in rec:
            cols.setdefault(str(k), None)
    data = [[_cell_to_text(rec.get(c)) for c in cols] for rec in records]
    return pd.DataFrame(data, columns=list(cols), dtype=object)


def _read_json(path: Path, data: bytes, encoding: str | None, lines_mode: bool) -> RawTable:
    text, enc, replaced = decode_bytes(data, encoding)
    name = str(path)
    if lines_mode:
        records, lines = [], []
        for i, ln in enumerate(text.splitlines(), start=1):
            if not ln.strip():
                continue
            try:
                records.append(json.loads(ln))
            except json.JSONDecodeError as exc:
                raise InputError(f"line is not valid JSON ({exc.msg}, character {exc.colno})",
                                 file=name, row=len(records) + 1,
                                 hint=f"fix line {i}: each line must be one JSON object") from None
            lines.append(i)
        frame = _records_frame(records, name, lines)
        return RawTable(frame, name, "", "jsonl", enc, lines=np.asarray(lines, dtype=np.int64),
                        replaced_chars=replaced)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                         file=name, hint="check the file is complete JSON") from None
    if isinstance(obj, dict):
        lists = [v for v in obj.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError("JSON must be a list of records, or an object holding one such list",
                             file=name)
        obj = lists[0]
    if not isinstance(obj, list):
        raise InputError("JSON must be a list of records", file=name)
    return RawTable(_records_frame(obj, name, None), name, "", "json", enc, replaced_chars=replaced)


def _read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError(f"the Parquet file cannot be read ({type(exc).__name__})",
                         file=str(path)) from None
    cols = table.column_names
    data = {c: [_cell_to_text(v) for v in table.column(c).to_pylist()] for c in cols}
    return RawTable(pd.DataFrame(data, columns=cols, dtype=object), str(path), "", "parquet")


def read_raw(path: str | os.PathLike[str], *, encoding: str | None = None,
             delimiter: str | None = None, sheet: str | None = None,
             max_file_mb: float = 512.0) -> RawTable:
    """Read any supported file into a text-only frame. Raises InputError for unreadable files."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError("file not found", file=name, hint="check the path")
    if p.is_dir():
        raise InputError("this is a folder, not a file", file=name)
    size_mb = p.stat().st_size / 2**20
    if size_mb > max_file_mb:
        raise InputError(f"the file is {size_mb:,.0f} MB, above the {max_file_mb:,.0f} MB cap",
                         file=name, hint="split the export by month, or raise limits.max_file_mb")
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(f"unsupported file type {suffix or '(none)'}", file=name,
                         hint="use CSV, XLSX, JSON, JSONL or Parquet")
    if suffix in (".xlsx", ".xlsm"):
        raw = _read_xlsx(p, sheet)
    elif suffix == ".parquet":
        raw = _read_parquet(p)
    else:
        data = p.read_bytes()
        if suffix in (".json", ".jsonl", ".ndjson"):
            raw = _read_json(p, data, encoding, lines_mode=suffix != ".json")
        else:
            raw = _read_csv(p, data, encoding, delimiter if delimiter else ("\t" if suffix == ".tsv" else None))
    raw.sha256 = sha256_file(p)
    return raw


# --------------------------------------------------------------------------------------------
# Column mapping


@dataclass
class Mapping:
    """How an export's columns become a canonical table (one section of a mapping YAML)."""

    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    date_order: str = "auto"
    timezone: str = "UTC"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    likert: list[str] = field(default_factory=list)  # survey: Likert item columns
    open_ended: list[str] = field(default_factory=list)  # survey: open question columns
    source: str | None = None  # a constant `source` value for every row

    @classmethod
    def from_dict(cls, raw: dict[str, Any], file: str = "<mapping>") -> "Mapping":
        known = {"columns", "dates", "encoding", "delimiter", "sheet", "likert", "open_ended",
                 "source"}
        extra = set(raw) - known
        if extra:
            raise InputError(f"unknown mapping setting(s): {', '.join(sorted(extra))}", file=file,
                             hint="allowed: " + ", ".join(sorted(known)))
        dates = raw.get("dates") or {}
        order = str(dates.get("order", "auto")).upper()
        if order not in ("AUTO", "DMY", "MDY", "YMD"):
            raise InputError(f"dates.order must be DMY, MDY, YMD or auto, got {order!r}", file=file)
        cols = raw.get("columns") or {}
        if not isinstance(cols, dict):
            raise InputError("`columns` must map canonical names to your column names", file=file)
        return cls(columns={str(k): str(v) for k, v in cols.items()},
                   date_order="auto" if order == "AUTO" else order,
                   timezone=str(dates.get("timezone", "UTC")),
                   encoding=raw.get("encoding"), delimiter=raw.get("delimiter"),
                   sheet=raw.get("sheet"), likert=list(raw.get("likert") or []),
                   open_ended=list(raw.get("open_ended") or []), source=raw.get("source"))


def load_mapping(path: str | os.PathLike[str] | None, kind: str) -> Mapping:
    """Read the section for `kind` from a mapping YAML (or the whole file if it has no sections)."""
    if path is None:
        return Mapping()
    p = Path(path)
    if not p.is_file():
        raise InputError("mapping file not found", file=str(p))
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError("the mapping is not valid YAML", file=str(p),
                         row=(mark.line + 1) if mark else None) from None
    if not isinstance(raw, dict):
        raise InputError("the mapping must be a YAML mapping", file=str(p))
    if any(k in raw for k in (*KINDS, "documents")):
        section = raw.get(kind)
        if section is None:
            return Mapping()
        return Mapping.from_dict(section, str(p))
    return Mapping.from_dict(raw, str(p))


def apply_mapping(raw: RawTable, mapping: Mapping, spec: TableSpec) -> pd.DataFrame:
    """Rename the export's columns to canonical names; keep the other columns as they are.

    A canonical column not named in the mapping is matched to a header that normalises to it
    ("Post ID" -> post_id). A missing required column raises InputError listing what is there.
    """
    frame = raw.frame
    rename: dict[str, str] = {}
    by_norm = {normalise_header(c): c for c in frame.columns}
    for canon in (*spec.required, *spec.optional):
        if canon in mapping.columns:
            src = mapping.columns[canon]
            if src not in frame.columns:
                raise InputError(
                    f"the mapping names column {src!r} for {canon}, but the file has no such column",
                    file=raw.file, column=src,
                    hint="columns in the file: " + ", ".join(map(repr, frame.columns[:40])))
            rename[src] = canon
        elif canon in by_norm and by_norm[canon] not in rename:
            rename[by_norm[canon]] = canon
    unknown_keys = set(mapping.columns) - set(spec.required) - set(spec.optional)
    if unknown_keys:
        raise InputError(f"the mapping names unknown {spec.kind} column(s): "
                         + ", ".join(sorted(unknown_keys)), file=raw.file,
                         hint=f"{spec.kind} columns are: "
                              + ", ".join((*spec.required, *spec.optional)))
    # a canonical name already present under another source column must not be shadowed
    out = frame.rename(columns=rename)
    if out.columns.duplicated().any():
        dup = out.columns[out.columns.duplicated()][0]
        raise InputError(f"two columns end up named {dup!r}", file=raw.file, column=dup,
                         hint="map only one of them in the mapping file")
    missing = [c for c in spec.required if c not in out.columns]
    if missing:
        raise InputError(
            f"missing required column(s) for {spec.kind}: {', '.join(missing)}", file=raw.file,
            column=missing[0],
            hint=(f"add a `columns:` entry such as `{missing[0]}: <your column>` under "
                  f"`{spec.kind}:` in the mapping file (--mapping). Columns in the file: "
                  + ", ".join(map(repr, frame.columns[:40]))))
    if mapping.source and "source" not in out.columns:
        out["source"] = mapping.source
    for col in (*mapping.likert, *mapping.open_ended):
        if col not in out.columns:
            raise InputError(f"the mapping lists survey question {col!r}, not found in the file",
                             file=raw.file, column=col)
    out.attrs["date_order"] = mapping.date_order
    out.attrs["timezone"] = mapping.timezone
    return out


# --------------------------------------------------------------------------------------------
# Ledger


class Ledger:
    """One line per input row: kept, merged (a duplicate) or excluded, with the reason.

    kept + merged + excluded + out_of_period always equals the rows read: `check()` asserts it.
    The ledger holds positions and ids only, never text, so it can sit next to any output.
    """

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        self.frame = frame if frame is not None else pd.DataFrame(columns=LEDGER_COLUMNS)

    @classmethod
    def concat(cls, ledgers: Iterable["Ledger"]) -> "Ledger":
        frames = [lg.frame for lg in ledgers if len(lg.frame)]
        return cls(pd.concat(frames, ignore_index=True) if frames else None)

    @property
    def rows_read(self) -> int:
        return len(self.frame)

    def counts(self) -> dict[str, int]:
        c = self.frame["status"].value_counts()
        return {s: int(c.get(s, 0)) for s in STATUSES}

    def reasons(self) -> dict[str, int]:
        ex = self.frame[self.frame["status"] != "kept"]
        return {str(k): int(v) for k, v in ex.groupby(["status", "reason"]).size().items()} if len(ex) else {}

    def check(self) -> None:
        counts = self.counts()
        total = sum(counts.values())
        if total != self.rows_read or self.frame["status"].isna().any():
            raise AssertionError(f"ledger does not add up: {counts} vs {self.rows_read} rows read")

    def mark_out_of_period(self, kept_keys: pd.DataFrame, reason: str) -> None:
        """Mark kept rows (given by their `file`, `row`) as outside the analysed period."""
        key = self.frame["file"].astype(str) + "\x00" + self.frame["row"].astype(str)
        target = set(kept_keys["_file"].astype(str) + "\x00" + kept_keys["_row"].astype(str))
        hit = key.isin(target) & (self.frame["status"] == "kept")
        self.frame.loc[hit, "status"] = "out_of_period"
        self.frame.loc[hit, "reason"] = reason

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the ledger as CSV, readable by its owner only (it lists record ids)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.frame.to_csv(p, index=False)
        os.chmod(p, 0o600)
        return p

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c[s]:,} {s.replace('_', ' ')}" for s in STATUSES if c[s]]
        return f"{self.rows_read:,} rows read: " + ", ".join(parts)


# --------------------------------------------------------------------------------------------
# Loading a canonical table


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
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


def _content_key(df: pd.DataFrame, spec: TableSpec) -> pd.Series:
    cols = [c for c in (spec.text_col, "author", "title") if c and c in df.columns]
    if not cols:
        cols = [c for c in df.columns if not c.startswith("_") and c != spec.id_col]
    # whitespace runs -> one space, ends trimmed (" ".join(split()) is the same as strip + \s+ -> " ")
    parts = [[" ".join(str(x).split()) for x in df[c].tolist()] for c in cols]
    return pd.Series(["\x1f".join(t) for t in zip(*parts)], index=df.index, dtype=object)


def load_table(kind: str, path: str | os.PathLike[str] | list, *, mapping: Mapping | str | None = None,
               id_col: str | None = None, text_col: str | None = None,
               max_text_chars: int = 100_000, max_file_mb: float = 512.0,
               max_rows: int = 5_000_000) -> Loaded:
    """Read, map and validate one or more files of one kind into a canonical table.

    Bad rows are excluded with a reason; exact duplicates are merged into the first occurrence;
    a duplicate id with different content is excluded. Every input row is in the ledger.
    """
    if kind not in SPECS:
        raise InputError(f"unknown table kind {kind!r}",
                         hint="use one of: posts, survey, findings, lessons")
    spec = SPECS[kind]
    paths = list(path) if isinstance(path, (list, tuple)) else [path]
    if isinstance(mapping, (str, os.PathLike)):
        mapping = load_mapping(mapping, kind)
    mapping = mapping or Mapping()
    if kind == "documents":
        mapping = Mapping(columns={**({"text": text_col} if text_col else {}),
                                   **({"doc_id": id_col} if id_col else {})})

    frames, ledgers, problems, sources = [], [], [], []
    for pth in paths:
        raw = read_raw(pth, encoding=mapping.encoding, delimiter=mapping.delimiter,
                       sheet=mapping.sheet, max_file_mb=max_file_mb)
        if len(raw.frame) > max_rows:
            raise InputError(f"the file has {len(raw.frame):,} rows, above the {max_rows:,} cap",
                             file=raw.file, hint="raise limits.max_rows or split the file")
        if kind == "documents" and not id_col:
            raw.frame.insert(0, "doc_id", [str(i) for i in range(1, len(raw.frame) + 1)])
        if kind == "documents" and not text_col and "text" not in {normalise_header(c) for c in raw.frame.columns}:
            raise InputError("no text column: name it with --text-col", file=raw.file,
                             hint="columns in the file: " + ", ".join(map(repr, raw.frame.columns[:40])))
        df = apply_mapping(raw, mapping, spec)
        n = len(df)
        rows = np.arange(1, n + 1)
        df.insert(len(df.columns), "_file", raw.file)
        df.insert(len(df.columns), "_row", rows)
        reason, probs = check_rows(df, spec, file=raw.file, rows=rows, lines=raw.lines,
                                   max_text_chars=max_text_chars)
        probs = raw.problems + probs
        # rows the CSV reader flagged (too many fields) are excluded too
        for p in raw.problems:
            if p.rule == "too_many_fields" and p.row:
                reason.iat[p.row - 1] = reason.iat[p.row - 1] or "too_many_fields"
        ledger = pd.DataFrame({
            "file": raw.file, "row": rows,
            "line": raw.lines if raw.lines is not None else pd.array([pd.NA] * n, dtype="Int64"),
            "record_id": df[spec.id_col].astype(str).to_numpy(),
            "status": np.where(reason.to_numpy() == "", "kept", "excluded"),
            "reason": reason.to_numpy(), "merged_into": "",
        })
        frames.append(df)
        ledgers.append(ledger)
        problems.extend(probs)
        sources.append({"file": raw.file, "sha256": raw.sha256, "format": raw.format,
                        "encoding": raw.encoding, "delimiter": raw.delimiter, "rows": n,
                        "replaced_chars": raw.replaced_chars})

    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    led = pd.concat(ledgers, ignore_index=True) if len(ledgers) > 1 else ledgers[0]
    df.attrs = frames[0].attrs
    _resolve_duplicates(df, led, spec, problems)
    kept = (led["status"] == "kept").to_numpy()
    table = df[kept].reset_index(drop=True)
    ledger = Ledger(led)
    ledger.check()
    return Loaded(kind, table, ledger, problems, sources, mapping)


def _resolve_duplicates(df: pd.DataFrame, led: pd.DataFrame, spec: TableSpec,
                        problems: list[Problem]) -> None:
    """Merge exact duplicates into their first occurrence; exclude conflicting ids."""
    alive = (led["status"] == "kept").to_numpy()
    ids = df[spec.id_col].astype(str).str.strip()
    # content keys of the rows still alive only (an excluded 50 MB text is not normalised)
    content_l = [""] * len(df)
    for pos, key in zip(np.flatnonzero(alive), _content_key(df[alive], spec).tolist()):
        content_l[pos] = key
    first_by_id: dict[str, int] = {}
    first_by_content: dict[str, int] = {}
    ids_l = ids.tolist()  # plain lists: .iat in a loop is slow
    # changes are collected and written once: a .loc write per row costs ~1 ms on arrow strings
    status, reason, merged_into = (led["status"].tolist(), led["reason"].tolist(),
                                   led["merged_into"].tolist())
    for i in np.flatnonzero(alive):
        rid = ids_l[i]
        key = content_l[i]
        if rid in first_by_id:
            j = first_by_id[rid]
            if content_l[j] == key:
                status[i], reason[i], merged_into[i] = "merged", "duplicate_row", rid
            else:
                status[i], reason[i] = "excluded", "duplicate_id_different_text"
                problems.append(Problem(
                    file=str(df["_file"].iat[i]), row=int(df["_row"].iat[i]),
                    line=int(led["line"].iat[i]) if pd.notna(led["line"].iat[i]) else None,
                    record_id=rid, column=spec.id_col, rule="duplicate_id_different_text",
                    message=f"the id is used before ({df['_file'].iat[j]} row {df['_row'].iat[j]}) "
                            "with different content",
                    hint="give the row its own id, or remove the older version"))
            continue
        first_by_id[rid] = i
        if spec.kind in ("posts", "findings", "lessons") and key in first_by_content:
            j = first_by_content[key]
            status[i], reason[i], merged_into[i] = "merged", "duplicate_content", ids_l[j]
            continue
        first_by_content[key] = i
    led["status"], led["reason"], led["merged_into"] = status, reason, merged_into
