"""Parsing Likert answers: numbers, labels and "4 - Agree" forms to 1-5, don't know apart,
blanks as no answer, and one error naming every row on no known label."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kmsynth.errors import InputError, Problem
from kmsynth.survey.scales import (
    DONT_KNOW,
    DONT_KNOW_KEYS,
    DONT_KNOW_LABELS,
    SCALES,
    LikertScale,
    get_scale,
    normalise_label,
)

NUMERIC_POINTS = ("1", "2", "3", "4", "5")
_NUMBER = re.compile(r"^\s*([0-9]{1,2})(?:[.,]0+)?\s*$")
_NUMBER_LABEL = re.compile(r"^\s*([0-9]{1,2})\s*[-–—.:)=]\s*(.+?)\s*$")
_LABEL_NUMBER = re.compile(r"^\s*(.+?)\s*[(\[]\s*([0-9]{1,2})\s*[)\]]\s*$")


def _split_answer(raw: str) -> tuple[int | None, str | None]:
    """(number, label) from "4", "4 - Agree", "Agree (4)" or "Agree"."""
    m = _NUMBER.match(raw)
    if m:
        return int(m.group(1)), None
    m = _NUMBER_LABEL.match(raw)
    if m and not m.group(2)[:1].isdigit():
        return int(m.group(1)), m.group(2)
    m = _LABEL_NUMBER.match(raw)
    if m:
        return int(m.group(2)), m.group(1)
    return None, raw


def _accepted_hint(scale: LikertScale | None) -> str:
    dk = " / ".join(labels[0] for labels in DONT_KNOW_LABELS.values())
    scales = (
        f"labels of the {scale.name} scale — {scale.accepted()}"
        if scale is not None
        else "labels of a known scale (" + ", ".join(SCALES) + ")"
    )
    return (
        f"use 1-5 (also '5 - Strongly agree' or 'Agree (4)'), or {scales}; for don't know "
        f"(kept apart): {dk} / N/A; leave blank for no answer"
    )


def _choose_scale(
    split: list[tuple[int | None, str | None]],
    keys: list[str | None],
    scale: str | LikertScale | None,
) -> LikertScale | None:
    """The given scale, or the registered scale that knows most of the labels (ties: the
    first registered); None when no label is known (numbers only)."""
    if scale is not None:
        return get_scale(scale)
    labelled = [
        k
        for (num, _), k in zip(split, keys, strict=True)
        if k and k not in DONT_KNOW_KEYS and num is None
    ]
    if not labelled:
        return None
    hits = {name: sum(k in sc.lookup for k in labelled) for name, sc in SCALES.items()}
    best = max(hits, key=lambda name: hits[name])
    return SCALES[best] if hits[best] else None


_RULES = {
    "likert_out_of_range": "the answer is a number outside 1-5",
    "likert_number_label_mismatch": "the number and the label of the answer disagree",
    "unknown_likert_label": "the answer is not a label of the item's scale",
}


def _score(num: int | None, key: str | None, chosen: LikertScale | None) -> float | str:
    """One answer's score (NaN blank, DONT_KNOW, 1-5), or the rule it breaks."""
    if num is None and not key:
        return math.nan  # blank (or punctuation only, such as "-"): no answer
    if key in DONT_KNOW_KEYS:
        return DONT_KNOW
    if num is not None:
        if not 1 <= num <= 5:
            return "likert_out_of_range"
        if key and chosen is not None and key in chosen.lookup and chosen.lookup[key] != num:
            return "likert_number_label_mismatch"
        return float(num)
    value = chosen.lookup.get(key) if chosen is not None and key else None
    return "unknown_likert_label" if value is None else float(value)


def score_answers(
    values: pd.Series,
    *,
    scale: str | LikertScale | None,
    file: str,
    column: str,
    rows: Sequence[int] | None,
    lines: Sequence[int | None] | None,
    ids: Sequence[str] | None,
) -> tuple[pd.Series, str, list[Problem]]:
    """One item's answers scored (see `parse_likert`), the scale's name, and a Problem for
    each answer on no known label (naming the row, never the answer: it may be sensitive)."""
    n = len(values)
    rows = list(rows) if rows is not None else list(range(1, n + 1))
    lines = list(lines) if lines is not None else [None] * n
    ids = list(ids) if ids is not None else [None] * n
    raw = [
        "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
        for v in values.tolist()
    ]
    split = [_split_answer(r) for r in raw]
    keys = [normalise_label(lab) if lab is not None else None for _, lab in split]
    chosen = _choose_scale(split, keys, scale)
    out = np.full(n, np.nan)
    problems: list[Problem] = []
    for i, ((num, _label), key) in enumerate(zip(split, keys, strict=True)):
        got = _score(num, key, chosen)
        if isinstance(got, str):
            problems.append(
                Problem(
                    file=file,
                    row=int(rows[i]),
                    line=lines[i],
                    record_id=ids[i],
                    column=column,
                    rule=got,
                    message=_RULES[got],
                )
            )
        else:
            out[i] = got
    name = chosen.name if chosen is not None else "numeric"
    return pd.Series(out, index=values.index, dtype=float, name=column), name, problems


def likert_error(problems: list[Problem], file: str, scale: str) -> InputError:
    first = problems[0]
    cols = sorted({p.column for p in problems if p.column})
    rows = ", ".join(str(p.row) for p in problems[:10]) + (" ..." if len(problems) > 10 else "")
    return InputError(
        f"{len(problems)} Likert answer(s) are not on a known scale "
        f"(column{'s' if len(cols) > 1 else ''} {', '.join(map(repr, cols))}; rows {rows})",
        file=file,
        row=first.row,
        column=first.column,
        hint=_accepted_hint(SCALES.get(scale)),
        problems=problems,
    )


def parse_likert(
    values: pd.Series,
    *,
    scale: str | LikertScale | None = None,
    file: str = "<survey>",
    column: str = "item",
    rows: Sequence[int] | None = None,
    lines: Sequence[int | None] | None = None,
    ids: Sequence[str] | None = None,
) -> pd.Series:
    """Map one item's answers to 1-5 (float), don't-know/N/A to DONT_KNOW (-1), blank to NaN.

    The scale is detected (the registered scale knowing most labels) unless given; its name
    is in `result.attrs["scale"]`. Unknown labels raise one InputError naming the file, every
    row and the column, listing the accepted labels (never the answer itself).
    """
    out, name, problems = score_answers(
        values, scale=scale, file=file, column=column, rows=rows, lines=lines, ids=ids
    )
    if problems:
        raise likert_error(problems, file, name)
    out.attrs["scale"] = name
    return out
