"""Delimited text (CSV, TSV, TXT): decoding, the delimiter, quoted fields and stray quotes.

A quoted field that closes properly is data, however many paragraphs and commas it holds. A
stray quote is caught two ways: it runs to the end of the file, or the field it opens swallows
lines whose first field looks like the file's ids (RELIABILITY.md 13 and 16).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kmsynth.errors import InputError, Problem
from kmsynth.ingest.raw import (
    RawTable,
    ReadLimits,
    replacement_warnings,
    shown_header,
    table_frame,
)

log = logging.getLogger(__name__)
_UTF8_REPLACEMENT = b"\xef\xbf\xbd"  # a U+FFFD that was in the file before decoding
_DELIMITERS = (",", ";", "\t", "|")


def _decoded(data: bytes, encoding: str) -> tuple[str, str, int]:
    text = data.decode(encoding, errors="replace")
    genuine = data.count(_UTF8_REPLACEMENT) if encoding.startswith("utf-8") else 0
    return text, encoding, max(0, text.count("\ufffd") - genuine)


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str, int]:
    """Decode bytes; return (text, encoding, number of byte sequences replaced).

    Order: a forced encoding; a byte-order mark (UTF-8, UTF-16); UTF-16 without a mark; UTF-8
    when its good non-ASCII characters outnumber the bad bytes (only those are replaced, and
    counted); else cp1252, then latin-1 (a legacy export has no valid UTF-8 sequences).
    """
    if encoding:
        return _decoded(data, encoding)
    if data.startswith(b"\xef\xbb\xbf"):
        return _decoded(data[3:], "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decoded(data, "utf-16")
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(b"\x00") > len(sample) // 4:
        return _decoded(data, "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be")
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    text, enc, bad = _decoded(data, "utf-8")
    good = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    if good >= bad:
        return text, enc, bad
    try:
        return data.decode("cp1252"), "cp1252", 0
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", 0


def replaced_lines(text: str, limit: int = 1000) -> list[int]:
    """1-based lines holding a replacement character (the first `limit` of them)."""
    out: list[int] = []
    pos, line, last = text.find("\ufffd"), 1, 0
    while pos >= 0 and len(out) < limit:
        line += text.count("\n", last, pos)
        last = pos
        if not out or out[-1] != line:
            out.append(line)
        pos = text.find("\ufffd", pos + 1)
    return out


def sniff_delimiter(header_line: str) -> str:
    """Pick the delimiter from the header line: the candidate that splits it most (quotes aside)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _records(
    text: str, delim: str, name: str, limits: ReadLimits
) -> tuple[list[list[str]], list[int]]:
    """Parse records and the 1-based line each starts on; stop early past the row cap."""
    # a very long field (a 50 MB post) must reach the max_text_chars rule, not crash the reader
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, 2**31 - 1)))
    reader = csv.reader(
        io.StringIO(text), delimiter=delim, quotechar='"', doublequote=True, strict=False
    )
    records: list[list[str]] = []
    starts: list[int] = []
    prev_end = 0
    try:
        for rec in reader:
            start, prev_end = prev_end + 1, reader.line_num
            if not rec or (len(rec) == 1 and rec[0] == ""):
                continue  # blank line
            records.append(rec)
            starts.append(start)
            if len(records) > limits.max_rows + 1:
                limits.refuse_rows(len(records) - 1, name, at_least=True)
    except csv.Error as exc:  # e.g. a NUL byte: the message names no data
        raise InputError(
            f"the CSV cannot be parsed near line {reader.line_num} ({exc})",
            file=name,
            row=len(records) or None,
            hint="save the export again as CSV (UTF-8), or as XLSX",
        ) from None
    if not records:
        raise InputError(
            "the file is empty: no header row",
            file=name,
            hint="export the table with its header row",
        )
    return records, starts


def _refuse_binary(text: str, name: str) -> None:
    """A file of bytes that is not text (an image, a zip renamed .csv) is refused up front."""
    head = text[:8192]
    control = sum(1 for ch in head if ch < " " and ch not in "\t\n\r")
    if head and (control > len(head) // 20 or head.count("\ufffd") > len(head) // 10):
        raise InputError(
            "this does not look like a text table (binary content)",
            file=name,
            hint="export the table as CSV (UTF-8) or XLSX",
        )


def _field_count_problems(
    body: list[list[str]], lines: list[int], ncol: int, delim: str, name: str
) -> list[Problem]:
    """Rows with more fields than the header (excluded), and a header whose delimiter the rows
    do not share (a warning: every field would land in the first column)."""
    problems: list[Problem] = []
    short = 0
    for row, (rec, start) in enumerate(zip(body, lines, strict=True), start=1):
        short += len(rec) < ncol
        if len(rec) > ncol and any(x.strip() for x in rec[ncol:]):
            problems.append(
                Problem(
                    file=name,
                    line=start,
                    row=row,
                    rule="too_many_fields",
                    message=f"the row has {len(rec)} fields but the header has {ncol}",
                    hint=f"check quoting on that line (delimiter {delim!r})",
                )
            )
    if ncol > 1 and short > len(body) / 2:
        problems.append(
            Problem(
                file=name,
                line=lines[0],
                rule="delimiter",
                severity="warning",
                message=f"{short:,} of {len(body):,} rows have fewer fields than the header "
                f"({ncol}, split by {delim!r})",
                hint="the rows may use another delimiter than the header: export again, or "
                "set `delimiter:` in the mapping",
            )
        )
    return problems


def _decoding_problems(
    frame: pd.DataFrame, name: str, lines: np.ndarray, enc: str, replaced: int, bad: list[int]
) -> list[Problem]:
    """A file-level warning (count and lines) and one per cell holding replaced bytes."""
    log.warning(
        "%s: %d byte sequence(s) not valid %s were replaced (first on line %d)",
        name,
        replaced,
        enc,
        bad[0],
    )
    shown = ", ".join(map(str, bad[:20])) + (" ..." if len(bad) > 20 else "")
    first = Problem(
        file=name,
        rule="decoding",
        severity="warning",
        line=bad[0],
        message=f"{replaced} byte sequence(s) are not valid {enc} and were replaced "
        f"(on {len(bad)} line(s): {shown})",
        hint=f"the rest of the file is read as {enc}; save it again as UTF-8 to fix",
    )
    return [first, *replacement_warnings(frame, name, lines, enc)]


def read_delimited(
    path: Path,
    data: bytes,
    encoding: str | None,
    delimiter: str | None,
    limits: ReadLimits | None = None,
) -> RawTable:
    """Read CSV/TSV bytes into a RawTable of strings, with the line where each record starts."""
    limits = limits or ReadLimits()
    text, enc, replaced = decode_bytes(data, encoding)
    name = str(path)
    _refuse_binary(text, name)
    bad_lines = replaced_lines(text) if replaced else []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    delim = delimiter or sniff_delimiter(text.split("\n", 1)[0])
    records, starts = _records(text, delim, name, limits)
    header = [h.strip() for h in records[0]]
    ncol = len(header)
    body, lines = records[1:], starts[1:]
    problems = _field_count_problems(body, lines, ncol, delim, name)
    check_quotes(text, body, lines, header, delim, name)
    frame = table_frame(header, body)
    line_arr = np.asarray(lines, dtype=np.int64)
    if replaced:
        problems[:0] = _decoding_problems(frame, name, line_arr, enc, replaced, bad_lines)
    return RawTable(frame, name, "", "csv", enc, delim, line_arr, replaced, problems, bad_lines)


# --------------------------------------------------------------------------------------------
# Stray quotes


def _ends_inside_quotes(span: str, delim: str) -> bool:
    """True when a quoted field opened in `span` (which starts at a record) never closes."""
    stop = re.compile("[" + re.escape(delim) + '\n"]')
    pos, field_start = 0, 0
    while (m := stop.search(span, pos)) is not None:
        at = m.start()
        if m.group() != '"':
            pos = field_start = at + 1
            continue
        pos = at + 1
        if at != field_start:
            continue  # a quote inside an unquoted field is a literal character
        while True:  # inside quotes: "" is a quote, a lone " closes
            q = span.find('"', pos)
            if q < 0:
                return True
            pos = q + 2 if span.startswith('""', q) else q + 1
            if pos == q + 1:
                break
        field_start = -1  # after the closing quote the field runs on, unquoted
    return False


def _last_record_text(text: str, start: int) -> str:
    """The raw text from physical line `start` (1-based) to the end, found from the end."""
    if start <= 1:
        return text
    cut = len(text)
    for _ in range(text.count("\n") - start + 2):
        cut = text.rfind("\n", 0, cut)
    return text[cut + 1 :]


def _id_shape(value: str) -> str:
    """Runs of character classes: 'P-000123' -> 'A-d', '386DX33' -> 'dAd', '42' -> 'd'."""
    out = []
    for c in value:
        k = "d" if c.isdigit() else ("A" if c.isupper() else "a") if c.isalpha() else c
        if not out or out[-1] != k:
            out.append(k)
    return "".join(out)


_DIGITS = re.compile(r"\d+")


def _number(value: str) -> int:
    """The last run of digits of an id ('P-0042' -> 42)."""
    return int(_DIGITS.findall(value)[-1])


@dataclass(frozen=True)
class _IdLook:
    """What the id column's values look like: character-class shapes, lengths, the range of
    their numbers, and a pattern finding inner lines with such a value where the id goes."""

    shapes: frozenset[str]
    lengths: tuple[int, int]
    numbers: tuple[int, int]
    line_start: re.Pattern[str]

    def matches(self, value: str, ids: set[str]) -> bool:
        """A value shaped like the ids, in their range, and not one of them (a swallowed id)."""
        (lo, hi), (nlo, nhi) = self.lengths, self.numbers
        return (
            lo <= len(value) <= hi
            and value not in ids
            and _id_shape(value) in self.shapes
            and nlo <= _number(value) <= nhi
        )


def _looks_like_ids(values: list[str], delim: str, position: int = 0) -> _IdLook | None:
    """The common shapes (with digits) of one column's values, or None when they vary.

    The pattern finds inner lines whose field at `position` has such a shape."""
    vals = [v.strip() for v in values if 0 < len(v.strip()) <= 40]
    of = [_id_shape(v) for v in vals]
    counts: dict[str, int] = {}
    for s in of:
        counts[s] = counts.get(s, 0) + 1
    common = frozenset(s for s, c in counts.items() if "d" in s and c >= max(2, 0.1 * len(vals)))
    if not common:
        return None
    alike = [v for v, s in zip(vals, of, strict=True) if s in common]
    lengths = (min(map(len, alike)), max(map(len, alike)))
    numbers = (min(map(_number, alike)), max(map(_number, alike)))
    chars = {c for s in common for c in s}
    parts = ["[0-9]"] + (["[^\\W\\d_]"] if chars & {"A", "a"} else [])
    parts += [re.escape(c) for c in sorted(chars - {"d", "A", "a"})]
    value = "((?:" + "|".join(parts) + ")+)"
    d = re.escape(delim)
    skip = f'(?:"[^"\\n]*"|[^{d}\\n]*){d}' * position  # the fields before it
    line_start = re.compile("\\n" + skip + '[ "]*' + value + '(?=[ "]*(?:' + d + "|\\n|$))")
    return _IdLook(common, lengths, numbers, line_start)


def _swallowed(
    cell: str, delim: str, ncol: int, ids: set[str], look: _IdLook, extra_fields: bool
) -> int:
    """How many inner lines of a field look like rows of the file: an id where ids go, then
    the row's fields (inside the field, or after it when the stray quote closed on that line)."""
    hits = 0
    for m in look.line_start.finditer(cell):
        end = cell.find("\n", m.end())
        line = cell[m.start() + 1 : end if end >= 0 else len(cell)]
        fields = line.count(delim) >= ncol - 1 or (end < 0 and extra_fields)
        if fields and look.matches(m.group(1), ids):
            hits += 1
    return hits


def _id_column(body: list[list[str]], ncol: int, delim: str) -> tuple[_IdLook | None, set[str]]:
    """The first column of unique, alike values (the ids, wherever they are), and its values."""
    for j in range(ncol):
        vals = [rec[j].strip() if j < len(rec) else "" for rec in body]
        ids = set(vals)
        if len(ids) >= 0.95 * len(vals):
            look = _looks_like_ids(vals, delim, j)
            if look is not None:
                return look, ids
    return None, set()


def check_quotes(
    text: str, body: list[list[str]], lines: list[int], header: list[str], delim: str, name: str
) -> None:
    """Raise InputError for a stray quote; a properly closed multi-paragraph field passes."""
    if not body:
        return
    if _ends_inside_quotes(_last_record_text(text, lines[-1]), delim):
        _raise_stray(
            body[-1],
            lines[-1],
            len(body),
            header,
            name,
            "is never closed: the rest of the file is read as one field",
        )
    ncol = len(header)
    multi = [i for i, rec in enumerate(body) if any("\n" in c for c in rec[:ncol])]
    look, ids = _id_column(body, ncol, delim) if ncol >= 2 and multi else (None, set())
    if look is None:
        return
    for i in multi:
        for j, cell in enumerate(body[i][:ncol]):
            extra = len(body[i]) > ncol
            hit = _swallowed(cell, delim, ncol, ids, look, extra) if "\n" in cell else 0
            if hit:
                _raise_stray(
                    body[i],
                    lines[i],
                    i + 1,
                    header,
                    name,
                    f"is not closed where expected: the field runs over {hit} "
                    "line(s) that look like separate rows",
                    column=j,
                )


def _raise_stray(
    rec: list[str],
    start: int,
    row: int,
    header: list[str],
    name: str,
    what: str,
    column: int | None = None,
) -> None:
    j = column if column is not None else min(len(rec), len(header)) - 1
    opened = start + sum(c.count("\n") for c in rec[:j])
    col = shown_header(header[j]) if j < len(header) else None
    raise InputError(
        f"a quote opened on line {opened} {what}",
        file=name,
        row=row,
        column=col,
        hint=f"check the quotes near line {opened}"
        + (f" in column {col!r}" if col else "")
        + ': a " inside a quoted field must be doubled (""), and every quoted field closed',
    )
