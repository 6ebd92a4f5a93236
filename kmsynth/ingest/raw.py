"""A file read as text, and how its cells, headers and ids become safe to show.

Every reader (delimited text, workbooks, JSON, Parquet) returns a :class:`RawTable` whose cells
are strings. Messages name headers and ids through :func:`shown_header` / :func:`shown_id`, so
no cell content ever reaches an error (RELIABILITY.md 15).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.errors import InputError, Problem

#: longest part of a header shown in a message
HEADER_SHOWN = 40
_ID_LIKE = re.compile(r"[^\s,;|\"'<>@]{1,40}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffd]")


@dataclass
class RawTable:
    """A file read as text: every cell a string, with where each record came from."""

    frame: pd.DataFrame
    file: str
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    lines: np.ndarray | None = None  # 1-based physical line (sheet row) where each record starts
    replaced_chars: int = 0
    problems: list[Problem] = field(default_factory=list)
    replaced_lines: list[int] = field(default_factory=list)  # lines holding replaced bytes


@dataclass(frozen=True)
class ReadLimits:
    """Size caps checked before a file is read whole (limits.* in kmsynth.yml)."""

    max_file_mb: float = 512.0
    max_rows: int = 1_000_000
    max_decompressed_mb: float = 1024.0

    def refuse_rows(self, rows: int, file: str, *, at_least: bool = False) -> None:
        """Raise InputError when `rows` is above the row cap."""
        if rows > self.max_rows:
            more = "more than " if at_least else ""
            raise InputError(
                f"the file has {more}{self.max_rows:,} rows, above the cap of {self.max_rows:,}",
                file=file,
                hint="split the export (e.g. by month), or raise limits.max_rows",
            )


def shown_header(name: Any) -> str:
    """A header as it may appear in a message: control bytes blanked, at most 40 characters."""
    text = _CONTROL.sub("?", " ".join(str(name).split()))
    return text if len(text) <= HEADER_SHOWN else text[: HEADER_SHOWN - 1] + "…"


def shown_headers(names: Any, limit: int = 30) -> str:
    """The first `limit` headers for a hint: 'a', 'b', ... (and how many more)."""
    names = list(names)
    text = ", ".join(repr(shown_header(n)) for n in names[:limit])
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


def shown_id(value: Any) -> str | None:
    """The id when it looks like one (no spaces or separators, at most 40 characters), else None.

    A mis-parsed "id" (a whole row read with the wrong delimiter) is data and never shown.
    """
    text = str(value).strip()
    return text if _ID_LIKE.fullmatch(text) and not _CONTROL.search(text) else None


def unique_names(names: list[str]) -> list[str]:
    """Header names made unique ('a', 'a' -> 'a', 'a.1'); an empty header becomes 'unnamed'."""
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


def cell_text(v: Any) -> str:
    """One cell as text: '' for empty, whole numbers without '.0', ISO dates, JSON for lists."""
    if v is None:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, (dt.datetime, pd.Timestamp, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def table_frame(header: list[str], body: list[list[str]]) -> pd.DataFrame:
    """Records padded or cut to the header's width, as a frame of strings."""
    ncol = len(header)
    rows = [r if len(r) == ncol else (r + [""] * ncol)[:ncol] for r in body]
    return pd.DataFrame(rows, columns=unique_names(header), dtype=object)


def replacement_warnings(
    frame: pd.DataFrame, file: str, lines: np.ndarray | None, encoding: str, limit: int = 200
) -> list[Problem]:
    """One warning per cell holding replaced bytes (the first `limit`): file, line, row and
    column, no content."""
    out: list[Problem] = []
    for col in frame.columns:
        hits = frame[col].str.count("\ufffd")
        for pos in np.flatnonzero(hits.to_numpy() > 0)[: max(0, limit - len(out))]:
            n = int(hits.iat[pos])
            out.append(
                Problem(
                    file=file,
                    rule="decoding",
                    severity="warning",
                    column=shown_header(col),
                    row=int(pos) + 1,
                    line=int(lines[pos]) if lines is not None else None,
                    message=f"{n} byte sequence(s) are not valid {encoding} and were replaced",
                    hint="check the text of that cell, or save the file again as UTF-8",
                )
            )
    return out
