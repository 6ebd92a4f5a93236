"""Records: incremental adds (new, unchanged, new version), history by month, counts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd

from kmsynth.errors import InputError
from kmsynth.store.schema import DATE_COL, ID_COL, TABLE, IngestCounts, canonical_kind, normalise

log = logging.getLogger(__name__)


class RecordsMixin:
    """Versioned records of each kind (a part of `Store`)."""

    def add_table(self, kind: str, table: Any, *, run_id: str = "") -> IngestCounts:
        """Add a prepared (redacted) table incrementally.

        `table` is prepare()'s DataFrame (or the Prepared itself). Rows whose id is unknown are
        new; a known id with the same content is unchanged (not written); a known id with other
        content becomes a new version beside the old one. Returns the counts.
        """
        kind = canonical_kind(kind)
        table = getattr(table, "table", table)
        idc, name = ID_COL[kind], TABLE[kind]
        norm = normalise(kind, table)
        if norm.empty:
            return IngestCounts()
        norm["first_seen_run"] = run_id or None
        with self._write() as con:
            con.register("_in", norm)
            try:
                latest = (
                    f"(SELECT {idc}, max(version) AS version, "
                    f"arg_max(content_sha256, version) AS sha FROM {name} GROUP BY {idc})"
                )
                c = con.execute(f"""
                    SELECT count(*) FILTER (WHERE l.{idc} IS NULL),
                           count(*) FILTER (WHERE l.sha = i.content_sha256),
                           count(*) FILTER (WHERE l.{idc} IS NOT NULL AND l.sha <> i.content_sha256)
                    FROM _in i LEFT JOIN {latest} l ON l.{idc} = i.{idc}""").fetchall()[0]
                con.execute(f"""
                    INSERT INTO {name} BY NAME
                    SELECT i.*, coalesce(l.version, 0) + 1 AS version
                    FROM _in i LEFT JOIN {latest} l ON l.{idc} = i.{idc}
                    WHERE l.sha IS DISTINCT FROM i.content_sha256""")
            finally:
                con.unregister("_in")
        counts = IngestCounts(new=int(c[0]), unchanged=int(c[1]), new_version=int(c[2]))
        log.info("store %s: %s", kind, counts)
        return counts

    def history(
        self, kind: str, months: Sequence[str] | str | None = None, *, all_versions: bool = False
    ) -> pd.DataFrame:
        """The latest version of every record of `kind` (every version with `all_versions`),
        optionally only those dated in `months` ('YYYY-MM', posts and survey only)."""
        kind = canonical_kind(kind)
        src = TABLE[kind] if all_versions else f"v_{TABLE[kind]}"
        sql, params = f"SELECT * FROM {src}", []
        if months is not None:
            if kind not in DATE_COL:
                raise InputError(
                    f"{kind} have no date to select months by", hint="call without months"
                )
            months = [months] if isinstance(months, str) else list(months)
            sql += (
                f" WHERE strftime(timezone('UTC', {DATE_COL[kind]}), '%Y-%m') IN (SELECT unnest(?))"
            )
            params = [months]
        sql += f" ORDER BY {ID_COL[kind]}, version"
        return self.query(sql, params)

    def records(self, kind: str) -> pd.DataFrame:
        """The latest version of every record of a kind (same as `history(kind)`)."""
        return self.history(kind)

    def counts(self) -> dict[str, int]:
        """Rows per table (every version counted)."""
        names = list(TABLE.values()) + [
            "embeddings",
            "theme_runs",
            "themes",
            "theme_assignments",
            "curation_decisions",
            "link_decisions",
            "run_manifests",
        ]
        with self._read() as con:
            return {
                n: int(con.execute(f"SELECT count(*) FROM {n}").fetchall()[0][0]) for n in names
            }

    # -- embeddings ----------------------------------------------------------------------------
