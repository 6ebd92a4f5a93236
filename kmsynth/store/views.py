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

    def post_rows(self, by: str | None, months: Sequence[str]) -> pd.DataFrame:
        """One row per stored post (latest version) dated in `months`: its `month` and its `by`
        group (region, country, pillar, pillar_name or source), from the views: the input of
        trend tables over every stored month, not only those of this month's file."""
        months = [months] if isinstance(months, str) else list(months)
        if by == "source":
            counts = self.query(
                "SELECT month, source, count(*) AS posts FROM (SELECT strftime(timezone('UTC', "
                "created_at), '%Y-%m') AS month, source FROM v_posts WHERE created_at IS NOT NULL) "
                "WHERE month IN (SELECT unnest(?)) GROUP BY ALL ORDER BY ALL",
                [months],
            )
        else:
            counts = self.monthly_counts(by=[by] if by else [], months=months)
        keep = ["month", by] if by else ["month"]
        rows = counts.loc[counts.index.repeat(counts["posts"].astype(int)), keep]
        return rows.reset_index(drop=True)

    def trends(self, months: Sequence[str], k: int | None = None) -> dict[str, pd.DataFrame]:
        """The monthly report's trend tables read from the store: posts per month in total and
        by region, pillar and source, each suppressed at k (the store's min_cell unless given)
        by `synthesis.monthly_counts`, the one rule the report uses without a store."""
        from kmsynth.protect import check_k
        from kmsynth.synthesis import monthly_counts

        k = check_k(k if k is not None else self.min_cell)
        months = list(months)
        total = self.post_rows(None, months)
        out = {"total": monthly_counts(total, by=None, months=months, k=k, date_col="month")}
        for key, col in (("region", "region"), ("pillar", "pillar_name"), ("source", "source")):
            rows = self.post_rows(col, months)
            if rows[col].replace("", pd.NA).notna().any():
                out[key] = monthly_counts(rows, by=col, months=months, k=k, date_col="month")
        return out
