"""Column mappings: how an export's columns become a canonical table.

A mapping YAML has one section per kind (posts, survey, findings, lessons) with `columns`
(canonical name -> your column), `dates` (order, timezone), `encoding`, `delimiter`, `sheet`,
and for surveys the Likert and open-ended question columns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kmsynth.errors import InputError
from kmsynth.ingest.raw import RawTable, shown_header, shown_headers
from kmsynth.ingest.schemas import KINDS, TableSpec, normalise_header


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
    def from_dict(cls, raw: dict[str, Any], file: str = "<mapping>") -> Mapping:
        """One section of a mapping YAML; unknown settings raise InputError."""
        known = {
            "columns",
            "dates",
            "encoding",
            "delimiter",
            "sheet",
            "likert",
            "open_ended",
            "source",
        }
        extra = set(raw) - known
        if extra:
            raise InputError(
                "unknown mapping setting(s): " + ", ".join(sorted(map(shown_header, extra))),
                file=file,
                hint="allowed: " + ", ".join(sorted(known)),
            )
        dates = raw.get("dates") or {}
        order = str(dates.get("order", "auto")).upper()
        if order not in ("AUTO", "DMY", "MDY", "YMD"):
            raise InputError(
                f"dates.order must be DMY, MDY, YMD or auto, got {shown_header(order)!r}", file=file
            )
        cols = raw.get("columns") or {}
        if not isinstance(cols, dict):
            raise InputError("`columns` must map canonical names to your column names", file=file)
        return cls(
            columns={str(k): str(v) for k, v in cols.items()},
            date_order="auto" if order == "AUTO" else order,
            timezone=str(dates.get("timezone", "UTC")),
            encoding=raw.get("encoding"),
            delimiter=raw.get("delimiter"),
            sheet=raw.get("sheet"),
            likert=list(raw.get("likert") or []),
            open_ended=list(raw.get("open_ended") or []),
            source=raw.get("source"),
        )


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
        raise InputError(
            "the mapping is not valid YAML", file=str(p), row=(mark.line + 1) if mark else None
        ) from None
    if not isinstance(raw, dict):
        raise InputError("the mapping must be a YAML mapping", file=str(p))
    if any(k in raw for k in (*KINDS, "documents")):
        section = raw.get(kind)
        if section is None:
            return Mapping()
        return Mapping.from_dict(section, str(p))
    return Mapping.from_dict(raw, str(p))


def _renames(raw: RawTable, mapping: Mapping, spec: TableSpec) -> dict[str, str]:
    """Source column -> canonical name, from the mapping or from headers that normalise to it."""
    frame = raw.frame
    rename: dict[str, str] = {}
    by_norm = {normalise_header(c): c for c in frame.columns}
    for canon in (*spec.required, *spec.optional):
        if canon in mapping.columns:
            src = mapping.columns[canon]
            if src not in frame.columns:
                raise InputError(
                    f"the mapping names column {shown_header(src)!r} for {canon}, but the file has "
                    "no such column",
                    file=raw.file,
                    column=shown_header(src),
                    hint="columns in the file: " + shown_headers(frame.columns),
                )
            rename[src] = canon
        elif canon in by_norm and by_norm[canon] not in rename:
            rename[by_norm[canon]] = canon
    unknown_keys = set(mapping.columns) - set(spec.required) - set(spec.optional)
    if unknown_keys:
        raise InputError(
            f"the mapping names unknown {spec.kind} column(s): "
            + ", ".join(sorted(map(shown_header, unknown_keys))),
            file=raw.file,
            hint=f"{spec.kind} columns are: " + ", ".join((*spec.required, *spec.optional)),
        )
    return rename


def apply_mapping(raw: RawTable, mapping: Mapping, spec: TableSpec) -> pd.DataFrame:
    """Rename the export's columns to canonical names; keep the other columns as they are.

    A canonical column not named in the mapping is matched to a header that normalises to it
    ("Post ID" -> post_id). A missing required column raises InputError listing what is there.
    """
    frame = raw.frame
    rename = _renames(raw, mapping, spec)
    # a canonical name already present under another source column must not be shadowed
    out = frame.rename(columns=rename)
    if out.columns.duplicated().any():
        dup = out.columns[out.columns.duplicated()][0]
        raise InputError(
            f"two columns end up named {shown_header(dup)!r}",
            file=raw.file,
            column=shown_header(dup),
            hint="map only one of them in the mapping file",
        )
    missing = [c for c in spec.required if c not in out.columns]
    if missing:
        raise InputError(
            f"missing required column(s) for {spec.kind}: {', '.join(missing)}",
            file=raw.file,
            column=missing[0],
            hint=(
                f"add a `columns:` entry such as `{missing[0]}: <your column>` under "
                f"`{spec.kind}:` in the mapping file (--mapping). Columns in the file: "
                + shown_headers(frame.columns)
            ),
        )
    if mapping.source and "source" not in out.columns:
        out["source"] = mapping.source
    for col in (*mapping.likert, *mapping.open_ended):
        if col not in out.columns:
            raise InputError(
                f"the mapping lists survey question {shown_header(col)!r}, not found in the file",
                file=raw.file,
                column=shown_header(col),
                hint="columns in the file: " + shown_headers(frame.columns),
            )
    out.attrs["date_order"] = mapping.date_order
    out.attrs["timezone"] = mapping.timezone
    return out
