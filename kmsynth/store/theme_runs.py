"""Theme runs: themes with stable ids and centroids, assignments, history by month."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kmsynth.store.schema import as_str

if TYPE_CHECKING:
    from kmsynth.themes import ThemeResult


def _theme_rows(run_id: str, result: ThemeResult, stable: dict[int, int]) -> pd.DataFrame:
    """A ThemeResult's themes as rows of the `themes` table."""
    t = result.themes
    ids = [int(i) for i in t["theme_id"]]
    cents = getattr(result, "centroids", {}) or {}

    def col(name: str, default: Any = None) -> list:
        return t[name].tolist() if name in t else [default] * len(t)

    lists = (list, tuple, np.ndarray)
    return pd.DataFrame(
        {
            "run_id": run_id,
            "theme_id": ids,
            "stable_theme_id": [stable[i] for i in ids],
            "label": as_str(pd.Series(col("label"))),
            "size": [int(s) for s in col("size", 0)],
            "pillar": pd.to_numeric(pd.Series(col("pillar")), errors="coerce").astype("Int64"),
            "pillar_name": as_str(pd.Series(col("pillar_name"))),
            "pillar_confidence": pd.to_numeric(
                pd.Series(col("pillar_confidence")), errors="coerce"
            ),
            "keywords": as_str(pd.Series(col("keywords"))),
            "representative_ids": [
                [str(x) for x in (r if isinstance(r, lists) else [])]
                for r in col("representative_ids", [])
            ],
            "centroid": [
                np.asarray(cents[i], dtype=np.float32).tolist() if i in cents else None for i in ids
            ],
        }
    )


def _assignment_rows(run_id: str, result: ThemeResult, stable: dict[int, int]) -> pd.DataFrame:
    """A ThemeResult's assignments as rows of the `theme_assignments` table."""
    a = result.assignments
    return pd.DataFrame(
        {
            "run_id": run_id,
            "doc_id": a["doc_id"].astype(str).to_numpy(),
            "theme_id": a["theme_id"].astype(int).to_numpy(),
            "stable_theme_id": [stable.get(int(x), int(x)) for x in a["theme_id"]],
            "probability": pd.to_numeric(a["probability"], errors="coerce").to_numpy(),
        }
    )


class ThemeRunsMixin:
    """Theme runs month by month (a part of `Store`)."""

    def save_theme_run(
        self,
        run_id: str,
        month: str,
        result: ThemeResult,
        *,
        kind: str = "posts",
        stable_ids: dict[int, int] | None = None,
    ) -> None:
        """Store a ThemeResult as run `run_id` for `month` (a run with the same id is replaced).

        `stable_ids` maps the result's theme ids to stable ids (`themes.match_themes`); without
        it the result's ids are taken as stable (as after `themes.apply_stable_ids`).
        """
        ids = [int(i) for i in result.themes["theme_id"]]
        stable = {i: int((stable_ids or {}).get(i, i)) for i in ids}
        tdf = _theme_rows(run_id, result, stable)
        adf = _assignment_rows(run_id, result, stable)
        params = json.dumps(getattr(result, "params", {}) or {}, default=str, sort_keys=True)
        embedder_id = getattr(result, "embedder_id", "") or None
        outliers = float(getattr(result, "outlier_share", float("nan")))
        with self._write() as con:
            for tbl in ("themes", "theme_assignments", "theme_runs"):
                con.execute(f"DELETE FROM {tbl} WHERE run_id = ?", [run_id])
            con.execute(
                "INSERT INTO theme_runs (run_id, month, params, kind, embedder_id, n_docs, "
                "outlier_share) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [run_id, month, params, kind, embedder_id, len(adf), outliers],
            )
            con.register("_t", tdf)
            con.register("_a", adf)
            try:
                con.execute("INSERT INTO themes BY NAME SELECT * FROM _t")
                con.execute("INSERT INTO theme_assignments BY NAME SELECT * FROM _a")
            finally:
                con.unregister("_t")
                con.unregister("_a")

    def theme_runs(self, kind: str | None = None) -> pd.DataFrame:
        sql = (
            "SELECT run_id, month, kind, embedder_id, n_docs, outlier_share, params, created_at "
            "FROM theme_runs"
        )
        return self.query(
            sql + (" WHERE kind = ?" if kind else "") + " ORDER BY month, created_at",
            [kind] if kind else [],
        )

    def theme_history(self, kind: str = "posts") -> pd.DataFrame:
        """Month by month: stable theme id, label, size, pillar (latest run of each month)."""
        return self.query("SELECT * FROM v_theme_history WHERE kind = ?", [kind])

    def previous_theme_run(self, month: str, kind: str = "posts") -> ThemeResult | None:
        """The latest theme run of a month before `month`, as a ThemeResult keyed by stable ids
        (themes, assignments, centroids; no document embeddings), or None."""
        from kmsynth.themes import ThemeResult

        with self._read() as con:
            row = con.execute(
                "SELECT run_id, params, embedder_id, outlier_share FROM v_latest_theme_runs "
                "WHERE kind = ? AND month < ? ORDER BY month DESC LIMIT 1",
                [kind, month],
            ).fetchall()
            if not row:
                return None
            row = row[0]
            run_id = row[0]
            t = con.execute(
                "SELECT stable_theme_id AS theme_id, label, size, keywords, pillar, pillar_name, "
                "pillar_confidence, representative_ids, centroid FROM themes WHERE run_id = ? "
                "ORDER BY size DESC, stable_theme_id",
                [run_id],
            ).df()
            a = con.execute(
                "SELECT doc_id, stable_theme_id AS theme_id, probability FROM theme_assignments "
                "WHERE run_id = ? ORDER BY rowid",
                [run_id],
            ).df()
        cents = {
            int(i): np.asarray(c, dtype=np.float32)
            for i, c in zip(t["theme_id"], t["centroid"], strict=False)
            if c is not None and len(c)
        }
        t = t.drop(columns=["centroid"])
        t["pillar"] = t["pillar"].astype("Int64")
        t["representative_ids"] = [
            list(r) if r is not None else [] for r in t["representative_ids"]
        ]
        share = (
            row[3]
            if row[3] is not None and not np.isnan(row[3])
            else float((a["theme_id"] == -1).mean() if len(a) else 0)
        )
        return ThemeResult(
            themes=t,
            assignments=a,
            embeddings=np.zeros((0, 0), np.float32),
            centroids=cents,
            outlier_share=share,
            outlier_share_final=float((a["theme_id"] == -1).mean()) if len(a) else 0.0,
            params=json.loads(row[1]) if row[1] else {},
            embedder_id=row[2] or "",
        )

    def previous_centroids(self, month: str, kind: str = "posts") -> dict[int, np.ndarray]:
        """Stable theme id -> centroid from the latest theme run before `month`."""
        prev = self.previous_theme_run(month, kind)
        return dict(prev.centroids) if prev is not None else {}
