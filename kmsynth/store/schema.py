"""What the store holds per kind (tables, id and date columns, typed canonical columns) and
`normalise`, which turns a prepared table into store rows with a content hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kmsynth.errors import InputError

SCHEMA_VERSION = 3

#: kind -> table; the kinds are those of kmsynth.ingest.schemas.SPECS
TABLE = {
    "posts": "posts",
    "survey": "survey_responses",
    "findings": "findings",
    "lessons": "lessons",
}
ID_COL = {
    "posts": "post_id",
    "survey": "response_id",
    "findings": "finding_id",
    "lessons": "lesson_id",
}
DATE_COL = {"posts": "created_at", "survey": "submitted_at"}

_S, _T, _B, _I = "VARCHAR", "TIMESTAMPTZ", "BOOLEAN", "INTEGER"
#: canonical columns stored per kind (beyond id, version, hashes and provenance), with SQL types.
#: Changing this needs a migration step that changes the tables to match.
COLUMNS: dict[str, dict[str, str]] = {
    "posts": {
        "text": _S,
        "title": _S,
        "thread_id": _S,
        "created_at": _T,
        "author_id": _S,
        "region": _S,
        "country": _S,
        "language": _S,
        "source": _S,
        "consent_to_quote": _B,
        "quotable": _B,
        "pillar": _I,
    },
    "survey": {
        "submitted_at": _T,
        "wave": _S,
        "respondent_group": _S,
        "region": _S,
        "country": _S,
        "language": _S,
        "consent_to_quote": _B,
        "quotable": _B,
    },
    "findings": {
        "text": _S,
        "evaluation": _S,
        "country": _S,
        "region": _S,
        "pillar": _I,
        "year": _I,
        "language": _S,
        "quotable": _B,
    },
    "lessons": {
        "text": _S,
        "title": _S,
        "type": _S,
        "country": _S,
        "region": _S,
        "pillar": _I,
        "source": _S,
        "language": _S,
        "quotable": _B,
    },
}
#: derived by prepare() (language detection, quoting rules): stored, but not part of the content
HASH_EXCLUDE = frozenset({"language", "quotable"})
#: raw columns that must never reach the store (prepare() turns them into pseudonyms)
RAW_COLUMNS = frozenset({"author", "email", "name", "author_name", "author_email"})


@dataclass
class IngestCounts:
    """What `Store.add_table` did with each input row."""

    new: int = 0
    unchanged: int = 0
    new_version: int = 0

    @property
    def total(self) -> int:
        return self.new + self.unchanged + self.new_version

    def __str__(self) -> str:
        return f"{self.new} new, {self.new_version} new version(s), {self.unchanged} unchanged"


# ------------------------------------------------------------------------------------------------
# Normalising a prepared table into store rows


def canonical_kind(kind: str) -> str:
    k = {"survey_responses": "survey"}.get(kind, kind)
    if k not in TABLE:
        raise InputError(f"unknown kind {kind!r}", hint="use posts, survey, findings or lessons")
    return k


def as_str(s: pd.Series) -> pd.Series:
    """Nullable strings; empty or blank cells become <NA> (never the text 'nan')."""
    st = s.astype("string")
    return st.mask(st.str.strip() == "")


_TRUE = ["true", "yes", "y", "1", "t", "si", "sí", "oui", "sim"]
_FALSE = ["false", "no", "n", "0", "f", "non", "não", "nao"]


def _as_bool(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    low = as_str(s).str.strip().str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(_TRUE).fillna(False).to_numpy(bool)] = True
    out[low.isin(_FALSE).fillna(False).to_numpy(bool)] = False
    return out


def _typed(s: pd.Series, sql_type: str) -> pd.Series:
    if sql_type == _T:
        return pd.to_datetime(s, utc=True, errors="coerce", format="mixed")
    if sql_type == _B:
        return _as_bool(s)
    if sql_type == _I:
        return pd.to_numeric(s, errors="coerce").round().astype("Int64")
    return as_str(s)


def _canon(s: pd.Series, sql_type: str) -> pd.Series:
    """How a typed column enters the content hash: strings, <NA> for empty cells."""
    if sql_type == _T:
        return s.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").astype("string")
    if sql_type == _B:
        return s.map({True: "true", False: "false"}).astype("string")
    return s.astype("string")


def _check_columns(kind: str, table: pd.DataFrame, idc: str) -> None:
    """An id column, and no raw identity column (the store keeps pseudonyms only)."""
    if idc not in table.columns:
        raise InputError(
            f"the {kind} table has no {idc!r} column",
            column=idc,
            hint="pass the table that kmsynth.ingest.prepare returned",
        )
    raw = sorted(RAW_COLUMNS & set(map(str, table.columns)))
    if raw:
        raise InputError(
            f"the {kind} table still has identifying column(s) {', '.join(raw)}; the store "
            "keeps redacted, pseudonymised records only",
            column=raw[0],
            hint="pass prepare()'s table (it replaces authors with author_id pseudonyms)",
        )


def _content_hash(pieces: list[tuple[str, pd.Series]], index: pd.Index) -> list[str]:
    """sha256 per row of every non-empty cell, as len(name):name len(value):value."""
    payload = pd.Series("", index=index, dtype="string")
    for name, v in pieces:
        cell = f"{len(name)}:{name}" + v.str.len().astype("string") + ":" + v
        payload = payload + cell.fillna("")
    return [hashlib.sha256(x.encode("utf-8")).hexdigest() for x in payload.tolist()]


def _extra_json(extras: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """The non-canonical columns of each row as one JSON object (<NA> when all are empty)."""
    if not extras:
        return pd.Series(pd.NA, index=index, dtype="string")
    vals = {c: s.astype(object).where(s.notna(), None).tolist() for c, s in extras.items()}
    rows = ({c: v[i] for c, v in vals.items() if v[i] is not None} for i in range(len(index)))
    return pd.Series(
        [json.dumps(r, sort_keys=True, ensure_ascii=False) if r else None for r in rows],
        index=index,
        dtype="string",
    )


def normalise(kind: str, table: pd.DataFrame) -> pd.DataFrame:
    """A prepared table as store rows: id, content_sha256, the canonical columns typed, extra JSON.

    Columns starting with '_' (provenance) are dropped; any other non-canonical column goes to
    `extra`. The content hash is the sha256 of every non-empty cell outside HASH_EXCLUDE, each
    written as len(name):name len(value):value in name order. Raises InputError for a missing
    id column, empty ids, a raw identity column, or one id with two contents in one table.
    """
    kind = canonical_kind(kind)
    idc, cols = ID_COL[kind], COLUMNS[kind]
    _check_columns(kind, table, idc)
    table = table.reset_index(drop=True)
    out = pd.DataFrame(index=table.index)
    out[idc] = as_str(table[idc])
    if out[idc].isna().any():
        row = int(np.flatnonzero(out[idc].isna().to_numpy())[0]) + 1
        raise InputError(
            f"a {kind} row has an empty {idc}",
            row=row,
            column=idc,
            hint="every record needs an id; prepare() excludes such rows",
        )
    empty = pd.Series(pd.NA, index=table.index, dtype=object)
    for c, t in cols.items():
        out[c] = _typed(table[c] if c in table.columns else empty, t)
    extras = {
        str(c): as_str(table[c])
        for c in sorted(table.columns, key=str)
        if str(c) not in cols and str(c) != idc and not str(c).startswith("_")
    }
    pieces = [(c, _canon(out[c], t)) for c, t in sorted(cols.items()) if c not in HASH_EXCLUDE]
    pieces += [(f"extra.{c}", v) for c, v in extras.items()]
    out["content_sha256"] = _content_hash(pieces, table.index)
    out["extra"] = _extra_json(extras, table.index)
    out = out.drop_duplicates([idc, "content_sha256"]).reset_index(drop=True)
    dup = out[idc].duplicated(keep=False)
    if dup.any():
        ids = sorted(out.loc[dup, idc].unique())
        raise InputError(
            f"{len(ids)} {idc}(s) appear twice with different contents in one table "
            f"(first: {', '.join(ids[:5])})",
            column=idc,
            hint="keep one row per id (prepare() merges duplicates)",
        )
    return out
