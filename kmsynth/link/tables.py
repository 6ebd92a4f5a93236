"""Input tables of the link stage: column access, checks, pillar names, reviewer decisions.

`check_table` is the one check of a findings or lessons table (InputError with row and column);
`read_reviewed` reads a links.csv a reviewer edited (every problem in one pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.errors import InputError, Problem

DECISIONS = ("accept", "reject")
_BLANKS = ("", "nan", "<NA>", "None")


def is_blank(v: Any) -> bool:
    """True for None, NA, NaN and empty or whitespace-only text."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return True
    return str(v).strip() in _BLANKS


def column_values(df: pd.DataFrame, name: str, default: str = "") -> pd.Series:
    """Column `name` as stripped text (blank cells and a missing column give `default`)."""
    if name in df.columns:
        return df[name].map(lambda v: default if is_blank(v) else str(v).strip())
    return pd.Series(default, index=df.index, dtype=object)


def check_table(df: pd.DataFrame | None, kind: str, id_col: str) -> pd.DataFrame:
    """A findings or lessons table with ids and text, re-indexed 0..n-1 (ids stripped).

    Raises InputError naming every missing id, duplicate id and empty text (rows 1-based).
    """
    what = "lessons inventory" if kind == "lessons" else "findings table"
    if df is None or len(df) == 0:
        raise InputError(
            f"the {what} is empty",
            hint=f"check the file and its column mapping (run: kmsynth validate {kind} FILE)",
        )
    for col in (id_col, "text"):
        if col not in df.columns:
            raise InputError(
                f"the {what} has no {col} column",
                column=col,
                hint=f"name the column in the mapping's {kind} section",
            )
    ids = df[id_col].astype(str).str.strip()
    blank_text = df["text"].map(is_blank)
    problems = [
        Problem(kind, "missing_id", "the id is empty", row=i + 1, column=id_col)
        for i in np.flatnonzero(ids.isin(list(_BLANKS)).to_numpy())
    ]
    problems += [
        Problem(kind, "duplicate_id", "the id appears more than once", row=i + 1, column=id_col)
        for i in np.flatnonzero(ids.duplicated().to_numpy())
    ]
    problems += [
        Problem(kind, "empty_text", "the text is empty", row=i + 1, column="text")
        for i in np.flatnonzero(blank_text.to_numpy())
    ]
    if problems:
        p = problems[0]
        raise InputError(
            f"the {what} has {len(problems)} bad row(s)",
            row=p.row,
            column=p.column,
            hint="load it with kmsynth.ingest.prepare.prepare, which excludes such "
            "rows with a reason",
            problems=problems,
        )
    out = df.reset_index(drop=True).copy()
    out[id_col] = ids.to_numpy()
    return out


def pillar_label(v: Any, blank: str = "(no pillar)") -> str:
    """A pillar id, number-like text or name -> the pillar's name; anything else -> `blank`."""
    from kmsynth.ingest.schemas import parse_pillar, pillar_name

    if is_blank(v):
        return blank
    try:
        p = int(v) if not isinstance(v, str) else parse_pillar(v)
    except (TypeError, ValueError):
        return blank
    return pillar_name(p) if p else blank


def decisions_of(
    reviewed: pd.DataFrame | Mapping[tuple[str, str], str] | None,
) -> dict[tuple[str, str], str]:
    """{(finding_id, lesson_id): accept|reject} from a reviewed table or mapping (no blanks)."""
    if reviewed is None:
        return {}
    if isinstance(reviewed, pd.DataFrame):
        if not len(reviewed):
            return {}
        items = zip(
            reviewed["finding_id"], reviewed["lesson_id"], reviewed["decision"], strict=False
        )
    else:
        items = ((a, b, d) for (a, b), d in reviewed.items())
    out = {}
    for a, b, d in items:
        d = "" if is_blank(d) else str(d).strip().lower()
        if d:
            if d not in DECISIONS:
                raise InputError(
                    "a reviewer decision is not accept, reject or blank",
                    column="decision",
                    hint="use read_reviewed() to check a reviewed file",
                )
            out[(str(a).strip(), str(b).strip())] = d
    return out


def _row_problems(fid: str, lid: str, dec: str, where: dict[str, Any]) -> list[Problem]:
    if dec not in ("",) + DECISIONS:
        return [
            Problem(
                rule="decision_value",
                column="decision",
                message="the decision is not accept, reject or blank",
                hint="write accept or reject, or leave the cell empty",
                **where,
            )
        ]
    return [
        Problem(
            rule="missing_id",
            column=col,
            message=f"a decision without a {col}",
            hint="keep the ids of the row you decided on",
            **where,
        )
        for col, v in (("finding_id", fid), ("lesson_id", lid))
        if dec and not v
    ]


def read_reviewed(path: str | Path) -> pd.DataFrame:
    """A links.csv (or .xlsx) a reviewer edited: every decision must be accept, reject or blank.

    Returns finding_id, lesson_id, decision (lower case) for the rows with a decision. All bad
    rows are reported at once (row = 1-based data row, as in the ledger); cell text never is.
    """
    from kmsynth.ingest.read import read_raw
    from kmsynth.ingest.schemas import normalise_header

    raw = read_raw(path)
    name, df = raw.file, raw.frame
    df.columns = [normalise_header(c) for c in df.columns]
    for col in ("finding_id", "lesson_id", "decision"):
        if col not in df.columns:
            raise InputError(
                f"the reviewed file has no {col} column",
                file=name,
                column=col,
                hint="pass the links.csv that `kmsynth link` wrote, with decisions filled in",
            )
    lines = raw.lines if raw.lines is not None else [None] * len(df)
    dec = df["decision"].astype(str).str.strip().str.lower().replace(list(_BLANKS), "")
    fid = df["finding_id"].astype(str).str.strip()
    lid = df["lesson_id"].astype(str).str.strip()
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for i in range(len(df)):
        where = dict(file=name, row=i + 1, line=int(lines[i]) if lines[i] is not None else None)
        found = _row_problems(fid.iat[i], lid.iat[i], dec.iat[i], where)
        problems += found
        if found or not dec.iat[i]:
            continue
        key = (fid.iat[i], lid.iat[i])
        if key in seen and seen[key] != dec.iat[i]:
            problems.append(
                Problem(
                    rule="conflicting_decision",
                    column="decision",
                    message="the same pair is both accepted and rejected",
                    hint="keep one decision per finding and lesson pair",
                    **where,
                )
            )
        seen[key] = dec.iat[i]
    if problems:
        p = problems[0]
        raise InputError(
            f"{len(problems)} problem(s) in the reviewed links file",
            file=name,
            row=p.row,
            column=p.column,
            hint=p.hint,
            problems=problems,
        )
    keep = dec != ""
    return (
        pd.DataFrame({"finding_id": fid[keep], "lesson_id": lid[keep], "decision": dec[keep]})
        .drop_duplicates()
        .reset_index(drop=True)
    )
