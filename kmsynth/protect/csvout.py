"""CSV outputs that are safe to open in a spreadsheet and readable by the owner only.

Every CSV kmsynth writes goes through `write_csv` (OWASP CSV injection; RELIABILITY 7a, 12).
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "restore_formulas",
    "restore_value",
    "FORMULA_STARTS",
    "neutralise_formulas",
    "neutralise_value",
    "write_csv",
    "make_private_dir",
]

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_value(value: Any) -> Any:
    """Return `value` with a leading single quote when it is a string a spreadsheet would run
    (also when it already starts with quotes before such a character, so `restore_value` can
    undo it exactly). Non-strings (numbers, dates, missing values) are returned unchanged."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore_value(value: Any) -> Any:
    """Undo `neutralise_value`: the exact original of a cell kmsynth wrote."""
    if isinstance(value, str) and value[:1] == "'" and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _map_labels(labels: pd.Index, fn: Any) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return labels.set_levels([_map_labels(level, fn) for level in labels.levels])
    if pd.api.types.is_object_dtype(labels.dtype) or pd.api.types.is_string_dtype(labels.dtype):
        return pd.Index([fn(v) for v in labels], name=fn(labels.name))
    return labels


def _needs_work(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _map_cells(frame: pd.DataFrame, fn: Any) -> pd.DataFrame:
    out = frame.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if not _needs_work(col):
            continue
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        out.isetitem(i, col.map(fn, na_action="ignore"))
    out.columns = _map_labels(out.columns, fn)
    out.index = _map_labels(out.index, fn)
    return out


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `frame` whose string cells, column names and index labels cannot run as
    formulas: those starting with =, +, -, @, a tab or a CR get a leading single quote.
    Numbers stay numbers."""
    return _map_cells(frame, neutralise_value)


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo `neutralise_formulas` on a table read back from a CSV kmsynth wrote (ids and texts
    come back exactly as they were)."""
    return _map_cells(frame, restore_value)


def _has_bare_cr(frame: pd.DataFrame) -> bool:
    labels = [*map(str, frame.columns.to_flat_index()), *map(str, frame.index.to_flat_index())]
    if any("\r" in v for v in labels):
        return True
    for i in range(frame.shape[1]):
        col = frame.iloc[:, i]
        if _needs_work(col) and col.map(lambda v: isinstance(v, str) and "\r" in v).any():
            return True
    return False


def make_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create `path` and any missing parents with mode 0700 (owner only); return it.

    Folders that already exist keep their mode.
    """
    p = Path(path)
    missing: list[Path] = []
    q = p
    while not q.exists():
        missing.append(q)
        if q.parent == q:
            break
        q = q.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(d, 0o700)
    return p


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], **to_csv_kwargs: Any) -> Path:
    """Write `frame` to `path` with formulas neutralised, atomically (a failed write leaves the
    previous file), mode 0600; missing parent folders are created 0700. Returns the path."""
    p = Path(path)
    make_private_dir(p.parent)
    to_csv_kwargs.pop("mode", None)
    safe = neutralise_formulas(frame)
    if "quoting" not in to_csv_kwargs and _has_bare_cr(safe):
        # csv quotes only the line terminator's characters: a lone CR would split the row.
        to_csv_kwargs["quoting"] = csv.QUOTE_NONNUMERIC
    fd, tmp = tempfile.mkstemp(prefix="." + p.name + ".", suffix=".tmp", dir=p.parent)
    try:
        os.fchmod(fd, 0o600)
        encoding = to_csv_kwargs.pop("encoding", "utf-8")
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            safe.to_csv(fh, **to_csv_kwargs)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return p
