"""The four canonical tables, their rules, and the parsers that enforce them.

Every check lives here and reports a :class:`~kmsynth.errors.Problem` naming file, row, line,
id and column, never the offending text. Row-level problems exclude the row (recorded in the
ledger); table-level problems (a missing required column, ambiguous dates) raise
:class:`~kmsynth.errors.InputError`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable, Literal

import numpy as np
import pandas as pd
import yaml

from kmsynth.errors import InputError, Problem

Kind = Literal["posts", "survey", "findings", "lessons", "documents"]
KINDS: tuple[str, ...] = ("posts", "survey", "findings", "lessons")


@dataclass(frozen=True)
class TableSpec:
    """Columns of a canonical table and which of them play the id, text and date roles."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    id_col: str
    text_col: str | None = None
    date_col: str | None = None
    free_text: tuple[str, ...] = field(default=())  # columns holding people's words


SPECS: dict[str, TableSpec] = {
    "posts": TableSpec(
        "posts", ("post_id", "text", "created_at"),
        ("thread_id", "title", "author", "region", "country", "language", "source",
         "consent_to_quote"),
        id_col="post_id", text_col="text", date_col="created_at", free_text=("text", "title"),
    ),
    "survey": TableSpec(
        "survey", ("response_id", "submitted_at"),
        ("respondent_group", "region", "country", "language", "wave", "consent_to_quote"),
        id_col="response_id", date_col="submitted_at",
    ),
    "findings": TableSpec(
        "findings", ("finding_id", "text"),
        ("evaluation", "country", "region", "pillar", "year"),
        id_col="finding_id", text_col="text", free_text=("text",),
    ),
    "lessons": TableSpec(
        "lessons", ("lesson_id", "text"),
        ("title", "type", "country", "region", "pillar", "source"),
        id_col="lesson_id", text_col="text", free_text=("text", "title"),
    ),
    "documents": TableSpec("documents", ("doc_id", "text"), (), id_col="doc_id",
                           text_col="text", free_text=("text",)),
}

LESSON_TYPES = ("lesson_learned", "good_practice", "promising_practice", "innovation")
_LESSON_TYPE_ALIASES = {
    "lesson": "lesson_learned", "lessons learned": "lesson_learned", "lesson learned": "lesson_learned",
    "lección aprendida": "lesson_learned", "leçon apprise": "lesson_learned",
    "lição aprendida": "lesson_learned",
    "good practice": "good_practice", "best practice": "good_practice",
    "buena práctica": "good_practice", "bonne pratique": "good_practice", "boa prática": "good_practice",
    "promising practice": "promising_practice", "práctica prometedora": "promising_practice",
    "pratique prometteuse": "promising_practice", "prática promissora": "promising_practice",
    "innovation": "innovation", "innovative practice": "innovation", "innovación": "innovation",
    "inovação": "innovation",
}


def normalise_header(name: str) -> str:
    """'Post ID ' -> 'post_id': how a header is matched to a canonical column by default."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


# --------------------------------------------------------------------------------------------
# Pillars


@dataclass(frozen=True)
class Pillar:
    id: int
    key: str
    name: str
    aliases: tuple[str, ...]
    seed_words: tuple[str, ...]


@lru_cache(maxsize=1)
def pillars() -> tuple[Pillar, ...]:
    """The six pillars from the framework file shipped in the package."""
    text = resources.files("kmsynth").joinpath("resources/pillars.yml").read_text("utf-8")
    raw = yaml.safe_load(text)["pillars"]
    return tuple(
        Pillar(int(p["id"]), p["key"], p["name"], tuple(str(a).lower() for a in p["aliases"]),
               tuple(dict.fromkeys(str(w).lower() for w in p["seed_words"])))
        for p in raw
    )


def pillar_name(pillar_id: int | None) -> str:
    for p in pillars():
        if p.id == pillar_id:
            return p.name
    return "Unassigned"


def parse_pillar(value: str) -> int | None:
    """'3', 'Pillar 3', 'Prevention', 'P3' -> 3; '' -> None; unknown -> raises ValueError."""
    text = str(value).strip().lower()
    if not text:
        return None
    m = re.fullmatch(r"(?:pillar|p|pilar|pilier)?\s*([1-6])(?:\s*[:.\-–].*)?", text)
    if m:
        return int(m.group(1))
    for p in pillars():
        if text in (p.key, p.name.lower()) or text in p.aliases:
            return p.id
    for p in pillars():  # 'Pillar 3: Prevention of violence' -> by name inside
        if p.name.lower() in text:
            return p.id
    raise ValueError(value)


def parse_lesson_type(value: str) -> str | None:
    text = re.sub(r"[\s_\-]+", " ", str(value).strip().lower())
    if not text:
        return None
    if text.replace(" ", "_") in LESSON_TYPES:
        return text.replace(" ", "_")
    if text in _LESSON_TYPE_ALIASES:
        return _LESSON_TYPE_ALIASES[text]
    if text.rstrip("s") in _LESSON_TYPE_ALIASES:
        return _LESSON_TYPE_ALIASES[text.rstrip("s")]
    raise ValueError(value)


def parse_bool(value: str) -> bool | None:
    text = str(value).strip().lower()
    if text in ("", "n/a"):
        return None
    if text in ("1", "true", "yes", "y", "si", "sí", "oui", "sim", "x", "consent", "agreed"):
        return True
    if text in ("0", "false", "no", "n", "non", "não", "nao"):
        return False
    raise ValueError(value)


# --------------------------------------------------------------------------------------------
# Dates

DateOrder = Literal["auto", "DMY", "MDY", "YMD"]
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_NUMERIC_DATE = re.compile(
    r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_ZONE = re.compile(r"(?:Z|[+\-]\d{2}:?\d{2}|UTC|GMT)$", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+\-]\d{2}:?\d{2}|UTC)?$",
                  re.IGNORECASE)
_SERIAL = re.compile(r"^\d{4,6}(?:\.\d+)?$")


@dataclass
class ParsedDates:
    values: pd.Series  # datetime64[ns, UTC], NaT where missing or bad
    missing: np.ndarray  # bool: empty cell
    bad: np.ndarray  # bool: present but not a date
    order_used: str


def _decide_order(parts: list[tuple[int, int, int]], order: DateOrder, file: str, column: str,
                  rows: Iterable[int]) -> str:
    if order != "auto":
        return order
    rows = list(rows)
    # year-first dates (2024/03/05) are read as such row by row; the others decide the order
    dm = [(pr, r) for pr, r in zip(parts, rows) if pr[0] <= 31]
    if not dm:
        return "YMD"
    parts, rows = [pr for pr, _ in dm], [r for _, r in dm]
    # evidence for an order comes only from dates readable one way but not the other; a date
    # impossible both ways (31/31/2026) is a bad row, and 05/05/2026 reads the same either way
    first_gt = [r for (a, b, _), r in zip(parts, rows) if 12 < a <= 31 and 1 <= b <= 12]
    second_gt = [r for (a, b, _), r in zip(parts, rows) if 12 < b <= 31 and 1 <= a <= 12]
    ambiguous = [r for (a, b, _), r in zip(parts, rows) if 1 <= a <= 12 and 1 <= b <= 12 and a != b]
    if first_gt and second_gt:
        raise InputError(
            "dates mix day-first and month-first forms (e.g. rows "
            f"{first_gt[0]} and {second_gt[0]})", file=file, column=column,
            hint="export the dates in one format, or in ISO 8601 (YYYY-MM-DD)")
    if first_gt:
        return "DMY"
    if second_gt:
        return "MDY"
    if not ambiguous:
        return "DMY"  # every date reads the same either way (or cannot be read at all)
    raise InputError(
        "dates such as 03/04/2024 are ambiguous: day-first or month-first cannot be told apart",
        file=file, column=column, row=ambiguous[0],
        hint="set `dates: {order: DMY}` (or MDY) for this table in the mapping file")


def parse_dates(values: pd.Series, *, order: DateOrder = "auto", timezone: str = "UTC",
                file: str = "<input>", column: str = "date",
                rows: Iterable[int] | None = None) -> ParsedDates:
    """Parse the date forms exports use into UTC timestamps.

    Accepts ISO 8601 with or without a zone, DD/MM/YYYY or MM/DD/YYYY (the order is taken from
    the mapping, or inferred when some day exceeds 12), YYYY/MM/DD, Excel serial numbers and
    spelled-out dates ("5 March 2024"). Naive times are read in `timezone`.
    """
    s = values.astype("string").fillna("").str.strip()
    n = len(s)
    rows = list(rows) if rows is not None else list(range(1, n + 1))
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    missing = (s == "").to_numpy()
    done = missing.copy()

    def localise(naive: pd.Series) -> pd.Series:
        naive = pd.to_datetime(naive, errors="coerce")
        if naive.dt.tz is not None:
            return naive.dt.tz_convert("UTC")
        amb = np.ones(len(naive), dtype=bool)
        return naive.dt.tz_localize(timezone, ambiguous=amb, nonexistent="shift_forward").dt.tz_convert("UTC")

    # ISO 8601
    iso = s.str.match(_ISO) & ~done
    if iso.any():
        sub = s[iso]
        zoned = sub.str.contains(_ZONE)
        if zoned.any():
            z = sub[zoned].str.replace(r"\s*UTC$", "Z", regex=True, case=False)
            out[z.index] = pd.to_datetime(z, format="ISO8601", utc=True, errors="coerce")
        if (~zoned).any():
            nz = sub[~zoned]
            out[nz.index] = localise(pd.to_datetime(nz, format="ISO8601", errors="coerce"))
        done |= iso.to_numpy()

    # Excel serial numbers (days since 1899-12-30), 1954..2118
    serial = s.str.match(_SERIAL) & ~done
    if serial.any():
        num = pd.to_numeric(s[serial], errors="coerce")
        ok = num.between(20000, 80000)
        idx = num[ok].index
        out[idx] = localise(_EXCEL_EPOCH + pd.to_timedelta(num[ok], unit="D").dt.round("s"))
        done[s.index.get_indexer(idx)] = True

    # Numeric day/month/year forms
    todo = ~done
    matches = s[todo].str.extract(_NUMERIC_DATE)
    has = matches[0].notna()
    order_used = order
    if has.any():
        m = matches[has]
        parts = [(int(a), int(b), int(c)) for a, b, c in zip(m[0], m[1], m[2])]
        idx_pos = s.index.get_indexer(m.index)
        order_used = _decide_order(parts, order, file, column, [rows[i] for i in idx_pos])
        # vectorised: one pass over the columns instead of a Python loop over rows
        num = m[[0, 1, 2]].astype(int).to_numpy()
        a_, b_, c_ = num[:, 0], num[:, 1], num[:, 2]
        ymd = (a_ > 31) | (order_used == "YMD")
        if order_used == "DMY":
            d, mo, y = np.where(ymd, c_, a_), b_, np.where(ymd, a_, c_)
        elif order_used == "MDY":
            mo, d, y = np.where(ymd, b_, a_), np.where(ymd, c_, b_), np.where(ymd, a_, c_)
        else:
            y, mo, d = a_, b_, c_
        y = np.where(y < 100, np.where(y < 70, y + 2000, y + 1900), y)
        hh = pd.to_numeric(m[3], errors="coerce").fillna(0).astype(int).to_numpy()
        mm = pd.to_numeric(m[4], errors="coerce").fillna(0).astype(int).to_numpy()
        ss = pd.to_numeric(m[5], errors="coerce").fillna(0).astype(int).to_numpy()
        ampm = m[6].fillna("").str.lower().to_numpy()
        hh = np.where((ampm == "pm") & (hh < 12), hh + 12, np.where((ampm == "am") & (hh == 12), 0, hh))
        parsed = pd.to_datetime(pd.DataFrame({"year": y, "month": mo, "day": d, "hour": hh,
                                              "minute": mm, "second": ss}), errors="coerce")
        parsed = pd.Series(parsed.to_numpy(), index=m.index, dtype="datetime64[ns]")
        out[m.index] = localise(parsed)
        done[idx_pos] = True

    # Spelled-out dates, last resort
    rest = np.flatnonzero(~done)
    if len(rest):
        from dateutil import parser as du

        dayfirst = order_used != "MDY"
        vals = []
        for i in rest:
            try:
                ts = pd.Timestamp(du.parse(s.iloc[i], dayfirst=dayfirst, fuzzy=False))
            except (ValueError, OverflowError, TypeError):
                ts = pd.NaT
            vals.append(ts)
        sub = pd.Series(vals, index=s.index[rest])
        aware = sub.map(lambda t: t is not pd.NaT and t.tzinfo is not None)
        if aware.any():
            out[sub[aware].index] = pd.to_datetime(sub[aware], utc=True)
        if (~aware).any():
            out[sub[~aware].index] = localise(pd.to_datetime(sub[~aware]))
    bad = out.isna().to_numpy() & ~missing
    # Guard against nonsense years (a mistyped 0202 or 3024)
    years = out.dt.year
    silly = ((years < 1950) | (years > 2100)).fillna(False).to_numpy()
    bad |= silly
    out[silly] = pd.NaT
    return ParsedDates(out, missing, bad, order_used)


# --------------------------------------------------------------------------------------------
# Row rules

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def has_words(text: str) -> bool:
    """True when a text holds at least one letter (emoji-only or numbers-only texts do not)."""
    return bool(_LETTER.search(text))


def check_rows(df: pd.DataFrame, spec: TableSpec, *, file: str, rows: np.ndarray,
               lines: np.ndarray | None, max_text_chars: int) -> tuple[pd.Series, list[Problem]]:
    """Apply the row rules of `spec`; return the exclusion reason per row ('' = keep) and problems.

    Rules: empty id, empty text, text without words, text too long, bad or missing date,
    unknown pillar or lesson type (warning, value cleared), bad consent flag (warning).
    """
    reason = pd.Series("", index=df.index, dtype=object)
    problems: list[Problem] = []

    def at(i: int) -> dict:
        return dict(file=file, row=int(rows[i]), line=int(lines[i]) if lines is not None else None,
                    record_id=str(df[spec.id_col].iat[i]) or None)

    def flag(mask: np.ndarray, rule: str, column: str, message: str, hint: str,
             severity: str = "error") -> None:
        for i in np.flatnonzero(mask):
            if severity == "error" and reason.iat[i]:
                continue
            problems.append(Problem(rule=rule, column=column, message=message, hint=hint,
                                    severity=severity, **at(i)))
            if severity == "error" or rule == "no_words":
                reason.iat[i] = rule

    ids = df[spec.id_col].astype(str).str.strip()
    flag((ids == "").to_numpy(), "empty_id", spec.id_col, "the id is empty",
         f"give every row a unique {spec.id_col}")
    if spec.text_col:
        text = df[spec.text_col].astype(str)
        stripped = text.str.strip()
        flag((stripped == "").to_numpy(), "empty_text", spec.text_col, "the text is empty",
             "remove the row or fill in its text")
        lengths = text.str.len().to_numpy()
        flag(lengths > max_text_chars, "text_too_long", spec.text_col,
             f"the text is longer than {max_text_chars:,} characters",
             "split the document, or raise limits.max_text_chars in kmsynth.yml")
        nowords = ~stripped.map(has_words).to_numpy() & (stripped != "").to_numpy()
        flag(nowords, "no_words", spec.text_col,
             "the text has no words (only emoji, numbers or punctuation)",
             "nothing to analyse: the row is kept out of the analysis", severity="warning")
    if spec.date_col:
        parsed = parse_dates(df[spec.date_col], order=df.attrs.get("date_order", "auto"),
                             timezone=df.attrs.get("timezone", "UTC"), file=file,
                             column=spec.date_col, rows=rows)
        df[spec.date_col] = parsed.values
        flag(parsed.missing, "missing_date", spec.date_col, "the date is empty",
             "fill in the date (ISO 8601, e.g. 2024-03-05)")
        flag(parsed.bad, "bad_date", spec.date_col, "the date cannot be read",
             "use ISO 8601 (2024-03-05 or 2024-03-05T14:30:00Z) or set dates.order in the mapping")
    if "pillar" in df.columns:
        vals = []
        for i, v in enumerate(df["pillar"].astype(str)):
            try:
                vals.append(parse_pillar(v))
            except ValueError:
                vals.append(None)
                problems.append(Problem(
                    rule="unknown_pillar", column="pillar", severity="warning",
                    message="the pillar is not one of the six pillars; left unassigned",
                    hint="use 1-6 or a pillar name (Laws and policies, Institutions, Prevention, "
                         "Services, Data, Women's movement and civil society)", **at(i)))
        df["pillar"] = pd.array(vals, dtype="Int64")
    if spec.kind == "lessons" and "type" in df.columns:
        vals = []
        for i, v in enumerate(df["type"].astype(str)):
            try:
                vals.append(parse_lesson_type(v))
            except ValueError:
                vals.append(None)
                problems.append(Problem(
                    rule="unknown_type", column="type", severity="warning",
                    message="the type is not a known lesson type; left blank",
                    hint="use one of: " + ", ".join(LESSON_TYPES), **at(i)))
        df["type"] = pd.array(vals, dtype=object)
    if "consent_to_quote" in df.columns:
        vals = []
        for i, v in enumerate(df["consent_to_quote"].astype(str)):
            try:
                vals.append(parse_bool(v))
            except ValueError:
                vals.append(None)
                problems.append(Problem(
                    rule="bad_consent", column="consent_to_quote", severity="warning",
                    message="consent_to_quote is not yes/no; treated as no consent",
                    hint="use yes or no", **at(i)))
        df["consent_to_quote"] = pd.array(vals, dtype="boolean")
    if "year" in df.columns:
        df["year"] = pd.to_numeric(df["year"].replace("", None), errors="coerce").astype("Int64")
    return reason, problems
