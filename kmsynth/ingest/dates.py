"""Dates as exports write them, read into UTC timestamps, with the order checked.

ISO 8601 (with or without a zone), DD/MM/YYYY or MM/DD/YYYY (the order from the mapping, or
inferred when some day exceeds 12), YYYY/MM/DD, Excel serial numbers and spelled-out dates.
A declared order the data contradicts stops the run (exit 2) instead of misdating rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from kmsynth.errors import InputError

DateOrder = Literal["auto", "DMY", "MDY", "YMD"]
ORDERS = ("DMY", "MDY", "YMD")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_NUMERIC_DATE = re.compile(
    r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_ZONE = re.compile(r"(?:Z|[+\-]\d{2}:?\d{2}|UTC|GMT)$", re.IGNORECASE)
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*"
    r"(?:Z|[+\-]\d{2}:?\d{2}|UTC)?$",
    re.IGNORECASE,
)
_SERIAL = re.compile(r"^\d{4,6}(?:\.\d+)?$")


@dataclass
class ParsedDates:
    """Parsed values (UTC, NaT where missing or bad) and what was found on the way."""

    values: pd.Series  # datetime64[ns, UTC], NaT where missing or bad
    missing: np.ndarray  # bool: empty cell
    bad: np.ndarray  # bool: present but not a date
    order_used: str
    future: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # after today
    formats: dict[str, int] = field(default_factory=dict)  # iso/serial/numeric/spelled: rows
    first_row: dict[str, int] = field(default_factory=dict)  # format -> first row using it

    @property
    def mixed(self) -> bool:
        """True when the column holds more than one date format."""
        return sum(1 for n in self.formats.values() if n) > 1


def _decide_order(
    parts: list[tuple[int, int, int]], order: DateOrder, file: str, column: str, rows: Iterable[int]
) -> str:
    if order != "auto":
        return order
    rows = list(rows)
    # year-first dates (2024/03/05) are read as such row by row; the others decide the order
    dm = [(pr, r) for pr, r in zip(parts, rows, strict=True) if pr[0] <= 31]
    if not dm:
        return "YMD"
    parts, rows = [pr for pr, _ in dm], [r for _, r in dm]
    # evidence for an order comes only from dates readable one way but not the other; a date
    # impossible both ways (31/31/2026) is a bad row, and 05/05/2026 reads the same either way
    first_gt = [
        r for (a, b, _), r in zip(parts, rows, strict=True) if 12 < a <= 31 and 1 <= b <= 12
    ]
    second_gt = [
        r for (a, b, _), r in zip(parts, rows, strict=True) if 12 < b <= 31 and 1 <= a <= 12
    ]
    ambiguous = [
        r
        for (a, b, _), r in zip(parts, rows, strict=True)
        if 1 <= a <= 12 and 1 <= b <= 12 and a != b
    ]
    if first_gt and second_gt:
        raise InputError(
            "dates mix day-first and month-first forms (e.g. rows "
            f"{first_gt[0]} and {second_gt[0]})",
            file=file,
            column=column,
            hint="export the dates in one format, or in ISO 8601 (YYYY-MM-DD)",
        )
    if first_gt:
        return "DMY"
    if second_gt:
        return "MDY"
    if not ambiguous:
        return "DMY"  # every date reads the same either way (or cannot be read at all)
    raise InputError(
        "dates such as 03/04/2024 are ambiguous: day-first or month-first cannot be told apart",
        file=file,
        column=column,
        row=ambiguous[0],
        hint="set `dates: {order: DMY}` (or MDY) for this table in the mapping file",
    )


def _ymd(num: np.ndarray, order: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of numeric dates read in `order`; a first part > 31 is a year."""
    a_, b_, c_ = num[:, 0], num[:, 1], num[:, 2]
    ymd = (a_ > 31) | (order == "YMD")
    if order == "DMY":
        d, mo, y = np.where(ymd, c_, a_), b_, np.where(ymd, a_, c_)
    elif order == "MDY":
        mo, d, y = np.where(ymd, b_, a_), np.where(ymd, c_, b_), np.where(ymd, a_, c_)
    else:
        y, mo, d = a_, b_, c_
    return np.where(y < 100, np.where(y < 70, y + 2000, y + 1900), y), mo, d


def _impossible(num: np.ndarray, order: str) -> np.ndarray:
    y, mo, d = _ymd(num, order)
    parsed = pd.to_datetime(pd.DataFrame({"year": y, "month": mo, "day": d}), errors="coerce")
    return parsed.isna().to_numpy()


def check_declared_order(
    num: np.ndarray, order: str, file: str, column: str, rows: list[int]
) -> None:
    """Stop when many dates are impossible in the declared order and all read in another.

    "Many" is at least 2 dates and 5 % of the numeric dates: one typo is a bad row, a wrong
    order would silently misdate the ambiguous rest (03/04 read as 4 March).
    """
    if order not in ORDERS or not len(num):
        return
    wrong = _impossible(num, order)
    if wrong.sum() < max(2, 0.05 * len(num)):
        return
    fits = [alt for alt in ORDERS if alt != order and not _impossible(num, alt).any()]
    if fits:
        first = rows[int(np.flatnonzero(wrong)[0])]
        raise InputError(
            f"dates look {fits[0]}; set dates.order: {fits[0]} ({int(wrong.sum())} of {len(num)} "
            f"dates are impossible as {order}, e.g. row {first}; all read as {fits[0]})",
            file=file,
            column=column,
            row=first,
            hint=f"set `dates: {{order: {fits[0]}}}` for this table in the mapping file",
        )


def _localiser(timezone: str):
    def localise(naive: pd.Series) -> pd.Series:
        naive = pd.to_datetime(naive, errors="coerce")
        if naive.dt.tz is not None:
            return naive.dt.tz_convert("UTC")
        amb = np.ones(len(naive), dtype=bool)
        return naive.dt.tz_localize(
            timezone, ambiguous=amb, nonexistent="shift_forward"
        ).dt.tz_convert("UTC")

    return localise


def _parse_iso(s: pd.Series, todo: np.ndarray, out: pd.Series, localise) -> np.ndarray:
    iso = (s.str.match(_ISO) & todo).to_numpy()
    if iso.any():
        sub = s[iso]
        zoned = sub.str.contains(_ZONE)
        if zoned.any():
            z = sub[zoned].str.replace(r"\s*UTC$", "Z", regex=True, case=False)
            out[z.index] = pd.to_datetime(z, format="ISO8601", utc=True, errors="coerce")
        if (~zoned).any():
            nz = sub[~zoned]
            out[nz.index] = localise(pd.to_datetime(nz, format="ISO8601", errors="coerce"))
    return iso


def _parse_serial(s: pd.Series, todo: np.ndarray, out: pd.Series, localise) -> np.ndarray:
    """Excel serial numbers (days since 1899-12-30), 1954..2118."""
    hit = np.zeros(len(s), dtype=bool)
    serial = s.str.match(_SERIAL).to_numpy() & todo
    if serial.any():
        num = pd.to_numeric(s[serial], errors="coerce")
        ok = num.between(20000, 80000)
        idx = num[ok].index
        out[idx] = localise(_EXCEL_EPOCH + pd.to_timedelta(num[ok], unit="D").dt.round("s"))
        hit[s.index.get_indexer(idx)] = True
    return hit


def _parse_numeric(
    s: pd.Series,
    todo: np.ndarray,
    out: pd.Series,
    localise,
    order: DateOrder,
    file: str,
    column: str,
    rows: list[int],
) -> tuple[np.ndarray, str]:
    """Numeric day/month/year forms, vectorised; returns (rows parsed here, order used)."""
    hit = np.zeros(len(s), dtype=bool)
    matches = s[todo].str.extract(_NUMERIC_DATE)
    has = matches[0].notna()
    if not has.any():
        return hit, order
    m = matches[has]
    num = m[[0, 1, 2]].astype(int).to_numpy()
    idx_pos = s.index.get_indexer(m.index)
    m_rows = [rows[i] for i in idx_pos]
    order_used = _decide_order([tuple(r) for r in num.tolist()], order, file, column, m_rows)
    check_declared_order(num, order_used if order != "auto" else "", file, column, m_rows)
    y, mo, d = _ymd(num, order_used)
    hh = pd.to_numeric(m[3], errors="coerce").fillna(0).astype(int).to_numpy()
    mm = pd.to_numeric(m[4], errors="coerce").fillna(0).astype(int).to_numpy()
    ss = pd.to_numeric(m[5], errors="coerce").fillna(0).astype(int).to_numpy()
    ampm = m[6].fillna("").str.lower().to_numpy()
    hh = np.where((ampm == "pm") & (hh < 12), hh + 12, np.where((ampm == "am") & (hh == 12), 0, hh))
    parsed = pd.to_datetime(
        pd.DataFrame({"year": y, "month": mo, "day": d, "hour": hh, "minute": mm, "second": ss}),
        errors="coerce",
    )
    out[m.index] = localise(pd.Series(parsed.to_numpy(), index=m.index, dtype="datetime64[ns]"))
    hit[idx_pos] = True
    return hit, order_used


def _parse_spelled(
    s: pd.Series, todo: np.ndarray, out: pd.Series, localise, order_used: str
) -> np.ndarray:
    """Spelled-out dates ("5 March 2024"), the last resort, one by one."""
    from dateutil import parser as du

    rest = np.flatnonzero(todo)
    vals = []
    for i in rest:
        try:
            ts = pd.Timestamp(du.parse(s.iloc[i], dayfirst=order_used != "MDY", fuzzy=False))
        except (ValueError, OverflowError, TypeError):
            ts = pd.NaT
        vals.append(ts)
    sub = pd.Series(vals, index=s.index[rest], dtype=object)
    aware = sub.map(lambda t: t is not pd.NaT and t.tzinfo is not None).astype(bool)
    if aware.any():
        out[sub[aware].index] = pd.to_datetime(sub[aware], utc=True)
    if (~aware).any():
        out[sub[~aware].index] = localise(pd.to_datetime(sub[~aware]))
    hit = np.zeros(len(s), dtype=bool)
    hit[rest] = True
    return hit & out.notna().to_numpy()


def parse_dates(
    values: pd.Series,
    *,
    order: DateOrder = "auto",
    timezone: str = "UTC",
    file: str = "<input>",
    column: str = "date",
    rows: Iterable[int] | None = None,
) -> ParsedDates:
    """Parse the date forms exports use into UTC timestamps.

    Naive times are read in `timezone`. A declared order that many dates contradict raises
    InputError ("dates look MDY"); dates after today and mixed formats are reported.
    """
    s = values.astype("string").fillna("").str.strip()
    rows = list(rows) if rows is not None else list(range(1, len(s) + 1))
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    missing = (s == "").to_numpy()
    localise = _localiser(timezone)
    found: dict[str, np.ndarray] = {}
    found["iso"] = _parse_iso(s, ~missing, out, localise)
    done = missing | found["iso"]
    found["serial"] = _parse_serial(s, ~done, out, localise)
    done |= found["serial"]
    found["numeric"], order_used = _parse_numeric(
        s, ~done, out, localise, order, file, column, rows
    )
    done |= found["numeric"]
    found["spelled"] = _parse_spelled(s, ~done, out, localise, order_used)
    bad = out.isna().to_numpy() & ~missing
    years = out.dt.year  # nonsense years (a mistyped 0202 or 3024) are bad dates
    silly = ((years < 1950) | (years > 2100)).fillna(False).to_numpy(dtype=bool)
    bad |= silly
    out[silly] = pd.NaT
    future = (out > pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)).fillna(False)
    formats = {k: int((v & ~bad).sum()) for k, v in found.items()}
    first = {k: rows[int(np.flatnonzero(v & ~bad)[0])] for k, v in found.items() if formats[k]}
    return ParsedDates(out, missing, bad, order_used, future.to_numpy(dtype=bool), formats, first)
