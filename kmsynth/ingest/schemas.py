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
from typing import Literal

import numpy as np
import pandas as pd
import yaml

from kmsynth.errors import Problem
from kmsynth.ingest.dates import parse_dates
from kmsynth.ingest.raw import shown_id

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
        "posts",
        ("post_id", "text", "created_at"),
        (
            "thread_id",
            "title",
            "author",
            "region",
            "country",
            "language",
            "source",
            "consent_to_quote",
        ),
        id_col="post_id",
        text_col="text",
        date_col="created_at",
        free_text=("text", "title"),
    ),
    "survey": TableSpec(
        "survey",
        ("response_id", "submitted_at"),
        ("respondent_group", "region", "country", "language", "wave", "consent_to_quote"),
        id_col="response_id",
        date_col="submitted_at",
    ),
    "findings": TableSpec(
        "findings",
        ("finding_id", "text"),
        ("evaluation", "country", "region", "pillar", "year"),
        id_col="finding_id",
        text_col="text",
        free_text=("text",),
    ),
    "lessons": TableSpec(
        "lessons",
        ("lesson_id", "text"),
        ("title", "type", "country", "region", "pillar", "source"),
        id_col="lesson_id",
        text_col="text",
        free_text=("text", "title"),
    ),
    "documents": TableSpec(
        "documents", ("doc_id", "text"), (), id_col="doc_id", text_col="text", free_text=("text",)
    ),
}

LESSON_TYPES = ("lesson_learned", "good_practice", "promising_practice", "innovation")
_LESSON_TYPE_ALIASES = {
    "lesson": "lesson_learned",
    "lessons learned": "lesson_learned",
    "lesson learned": "lesson_learned",
    "lección aprendida": "lesson_learned",
    "leçon apprise": "lesson_learned",
    "lição aprendida": "lesson_learned",
    "good practice": "good_practice",
    "best practice": "good_practice",
    "buena práctica": "good_practice",
    "bonne pratique": "good_practice",
    "boa prática": "good_practice",
    "promising practice": "promising_practice",
    "práctica prometedora": "promising_practice",
    "pratique prometteuse": "promising_practice",
    "prática promissora": "promising_practice",
    "innovation": "innovation",
    "innovative practice": "innovation",
    "innovación": "innovation",
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
        Pillar(
            int(p["id"]),
            p["key"],
            p["name"],
            tuple(str(a).lower() for a in p["aliases"]),
            tuple(dict.fromkeys(str(w).lower() for w in p["seed_words"])),
        )
        for p in raw
    )


def pillar_name(pillar_id: int | None) -> str:
    """The pillar's name, 'Unassigned' for None or an unknown id."""
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
    """'Good practice', 'buena práctica' -> 'good_practice'; '' -> None; unknown -> ValueError."""
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
    """yes/no in en/es/fr/pt ('sí', 'oui', 'não', 'x', 1/0) -> bool; '' -> None; else ValueError."""
    text = str(value).strip().lower()
    if text in ("", "n/a"):
        return None
    if text in ("1", "true", "yes", "y", "si", "sí", "oui", "sim", "x", "consent", "agreed"):
        return True
    if text in ("0", "false", "no", "n", "non", "não", "nao"):
        return False
    raise ValueError(value)


# --------------------------------------------------------------------------------------------
# Row rules

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def has_words(text: str) -> bool:
    """True when a text holds at least one letter (emoji-only or numbers-only texts do not)."""
    return bool(_LETTER.search(text))


class _Flags:
    """Exclusion reasons and problems collected by the row rules of one table."""

    def __init__(
        self,
        df: pd.DataFrame,
        spec: TableSpec,
        file: str,
        rows: np.ndarray,
        lines: np.ndarray | None,
    ) -> None:
        self.reason = pd.Series("", index=df.index, dtype=object)
        self.problems: list[Problem] = []
        self.file, self.rows, self.lines = file, rows, lines
        self.ids = [shown_id(v) for v in df[spec.id_col].astype(str).tolist()]

    def at(self, i: int) -> dict:
        line = int(self.lines[i]) if self.lines is not None else None
        return dict(file=self.file, row=int(self.rows[i]), line=line, record_id=self.ids[i])

    def flag(
        self,
        mask: np.ndarray,
        rule: str,
        column: str,
        message: str,
        hint: str,
        severity: str = "error",
    ) -> None:
        for i in np.flatnonzero(mask):
            if severity == "error" and self.reason.iat[i]:
                continue
            self.problems.append(
                Problem(
                    rule=rule,
                    column=column,
                    message=message,
                    hint=hint,
                    severity=severity,
                    **self.at(i),
                )
            )
            if severity == "error" or rule == "no_words":
                self.reason.iat[i] = rule


def _check_text(df: pd.DataFrame, col: str, f: _Flags, max_text_chars: int) -> None:
    text = df[col].astype(str)
    stripped = text.str.strip()
    f.flag(
        (stripped == "").to_numpy(),
        "empty_text",
        col,
        "the text is empty",
        "remove the row or fill in its text",
    )
    f.flag(
        text.str.len().to_numpy() > max_text_chars,
        "text_too_long",
        col,
        f"the text is longer than {max_text_chars:,} characters",
        "split the document, or raise limits.max_text_chars in kmsynth.yml",
    )
    nowords = ~stripped.map(has_words).to_numpy(dtype=bool) & (stripped != "").to_numpy()
    f.flag(
        nowords,
        "no_words",
        col,
        "the text has no words (only emoji, numbers or punctuation)",
        "nothing to analyse: the row is kept out of the analysis",
        severity="warning",
    )


def _check_dates(df: pd.DataFrame, col: str, f: _Flags) -> None:
    parsed = parse_dates(
        df[col],
        order=df.attrs.get("date_order", "auto"),
        timezone=df.attrs.get("timezone", "UTC"),
        file=f.file,
        column=col,
        rows=f.rows,
    )
    df[col] = parsed.values
    f.flag(
        parsed.missing,
        "missing_date",
        col,
        "the date is empty",
        "fill in the date (ISO 8601, e.g. 2024-03-05)",
    )
    f.flag(
        parsed.bad,
        "bad_date",
        col,
        "the date cannot be read",
        "use ISO 8601 (2024-03-05 or 2024-03-05T14:30:00Z) or set dates.order in the mapping",
    )
    f.flag(
        parsed.future,
        "future_date",
        col,
        "the date is after today",
        "check the date and its order (dates.order in the mapping)",
        severity="warning",
    )
    if parsed.mixed:
        forms = ", ".join(
            f"{k} {n} (first row {parsed.first_row[k]})" for k, n in parsed.formats.items() if n
        )
        f.problems.append(
            Problem(
                file=f.file,
                column=col,
                rule="mixed_date_formats",
                severity="warning",
                message=f"the column mixes date formats: {forms}",
                hint="export the dates in one format, preferably ISO 8601 (2024-03-05)",
            )
        )


def _check_values(
    df: pd.DataFrame, col: str, parse, dtype: str, f: _Flags, rule: str, message: str, hint: str
) -> None:
    """Parse a coded column; a value that does not parse is cleared, with a warning."""
    vals = []
    for i, v in enumerate(df[col].astype(str)):
        try:
            vals.append(parse(v))
        except ValueError:
            vals.append(None)
            f.problems.append(
                Problem(
                    rule=rule, column=col, severity="warning", message=message, hint=hint, **f.at(i)
                )
            )
    df[col] = pd.array(vals, dtype=dtype)


def _check_coded(df: pd.DataFrame, spec: TableSpec, f: _Flags) -> None:
    """Pillar, lesson type and consent: parsed, unknown values cleared with a warning."""
    if "pillar" in df.columns:
        _check_values(
            df,
            "pillar",
            parse_pillar,
            "Int64",
            f,
            "unknown_pillar",
            "the pillar is not one of the six pillars; left unassigned",
            "use 1-6 or a pillar name (Laws and policies, Institutions, Prevention, "
            "Services, Data, Women's movement and civil society)",
        )
    if spec.kind == "lessons" and "type" in df.columns:
        _check_values(
            df,
            "type",
            parse_lesson_type,
            "object",
            f,
            "unknown_type",
            "the type is not a known lesson type; left blank",
            "use one of: " + ", ".join(LESSON_TYPES),
        )
    if "consent_to_quote" in df.columns:
        _check_values(
            df,
            "consent_to_quote",
            parse_bool,
            "boolean",
            f,
            "bad_consent",
            "consent_to_quote is not yes/no; treated as no consent",
            "use yes or no",
        )


def check_rows(
    df: pd.DataFrame,
    spec: TableSpec,
    *,
    file: str,
    rows: np.ndarray,
    lines: np.ndarray | None,
    max_text_chars: int,
) -> tuple[pd.Series, list[Problem]]:
    """Apply the row rules of `spec`; return the exclusion reason per row ('' = keep) and problems.

    Rules: empty id, empty text, text without words, text too long, bad or missing date (dates
    after today and mixed formats warned), unknown pillar or lesson type (warning, value
    cleared), bad consent flag (warning). Problems show an id only when it looks like one.
    """
    f = _Flags(df, spec, file, rows, lines)
    ids = df[spec.id_col].astype(str).str.strip()
    f.flag(
        (ids == "").to_numpy(),
        "empty_id",
        spec.id_col,
        "the id is empty",
        f"give every row a unique {spec.id_col}",
    )
    if spec.text_col:
        _check_text(df, spec.text_col, f, max_text_chars)
    if spec.date_col:
        _check_dates(df, spec.date_col, f)
    _check_coded(df, spec, f)
    if "year" in df.columns:
        df["year"] = pd.to_numeric(df["year"].replace("", None), errors="coerce").astype("Int64")
    return f.reason, f.problems
