"""Reading the store: SQL, monthly counts, and breakdowns suppressed for sharing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from kmsynth.errors import InputError
from kmsynth.store.core import owner_only


class ViewsMixin:
    """Queries and shared breakdowns (a part of `Store`)."""

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run SQL and return a DataFrame (on a read-only store, the SQL can only read)."""
        with self._read() as con, owner_only():
            return con.execute(sql, list(params or [])).df()

    _BY = ("region", "country", "pillar", "pillar_name")

    def monthly_counts(
        self, by: Sequence[str] = ("region",), months: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Posts per month and `by` (any of region, country, pillar, pillar_name), unsuppressed:
        for analysis inside the team; publish with `shared_breakdown`."""
        by = [by] if isinstance(by, str) else list(by)
        bad = [b for b in by if b not in self._BY]
        if bad:
            raise InputError(
                f"cannot break counts down by {', '.join(bad)}", hint=f"use {', '.join(self._BY)}"
            )
        keys = ", ".join(["month"] + by)
        sql = f"SELECT {keys}, CAST(sum(posts) AS BIGINT) AS posts FROM v_monthly_counts"
        params: list[Any] = []
        if months is not None:
            sql += " WHERE month IN (SELECT unnest(?))"
            params.append([months] if isinstance(months, str) else list(months))
        return self.query(sql + f" GROUP BY {keys} ORDER BY {keys}", params)

    def shared_breakdown(
        self,
        by: Sequence[str] = ("region",),
        months: Sequence[str] | None = None,
        k: int | None = None,
    ) -> pd.DataFrame:
        """Monthly counts (rows: months, columns: `by` groups) with full small-cell suppression
        (primary and secondary, kmsynth.protect.suppress_small_cells) at k = the store's
        min_cell unless given: the table to publish. Empty groups are labelled '(not given)'."""
        from kmsynth.protect import suppress_small_cells

        k = int(k or self.min_cell)
        by = [by] if isinstance(by, str) else list(by)
        df = self.monthly_counts(by=by, months=months)
        if df.empty:
            return pd.DataFrame(index=pd.Index([], name="month"))
        for b in by:
            df[b] = df[b].astype(object).where(df[b].notna(), "(not given)").astype(str)
        table = df.pivot_table(
            index="month", columns=by, values="posts", aggfunc="sum", fill_value=0
        )
        return suppress_small_cells(table, k)

    # -- export and backup ---------------------------------------------------------------------
