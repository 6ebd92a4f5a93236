"""Reviewers' decisions (links, curation) and run manifests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

# pairs whose decision differs from the pair's latest recorded one
_NEW_LINK_DECISIONS = """FROM _d LEFT JOIN v_link_decisions v USING (finding_id, lesson_id)
    WHERE v.decision IS DISTINCT FROM _d.decision"""
# curation decisions not recorded before (by the sha256 of their JSON)
_NEW_CURATION = """FROM _c WHERE decision_sha256 NOT IN
    (SELECT decision_sha256 FROM curation_decisions WHERE decision_sha256 IS NOT NULL)"""


class DecisionsMixin:
    """Decisions and manifests (a part of `Store`)."""

    def add_link_decisions(self, reviewed: pd.DataFrame | None, reviewer: str = "") -> int:
        """Record reviewers' accept/reject decisions (rows with another or no decision are
        skipped). A decision equal to the pair's latest one is not recorded again. Returns how
        many were recorded."""
        if reviewed is None or len(reviewed) == 0:
            return 0
        dec = reviewed["decision"].astype(str).str.strip().str.lower()
        d = pd.DataFrame(
            {
                "finding_id": reviewed["finding_id"].astype(str).to_numpy(),
                "lesson_id": reviewed["lesson_id"].astype(str).to_numpy(),
                "decision": dec.to_numpy(),
            }
        )
        d = d[d["decision"].isin(["accept", "reject"])]
        d = d.drop_duplicates(["finding_id", "lesson_id"], keep="last")
        if d.empty:
            return 0
        d["reviewer"] = reviewer or None
        return self._insert_new(
            d,
            "_d",
            _NEW_LINK_DECISIONS,
            "INSERT INTO link_decisions (finding_id, lesson_id, decision, reviewer) "
            "SELECT _d.finding_id, _d.lesson_id, _d.decision, _d.reviewer",
        )

    def link_decisions(self) -> pd.DataFrame:
        """The latest decision per (finding, lesson) pair."""
        return self.query(
            "SELECT finding_id, lesson_id, decision, reviewer, decided_at FROM v_link_decisions "
            "ORDER BY finding_id, lesson_id"
        )

    def add_curation_decisions(self, decisions: Any) -> int:
        """Record curation decisions (a Curation, or a list of dicts) not recorded before;
        returns how many were new."""
        items: Iterable[Mapping[str, Any]] = getattr(decisions, "decisions", decisions) or []
        rows = []
        for d in items:
            text = json.dumps(d, sort_keys=True, default=str, ensure_ascii=False)
            sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
            action = str(d.get("action", "")) or None
            rows.append({"decision": text, "decision_sha256": sha, "action": action})
        if not rows:
            return 0
        return self._insert_new(
            pd.DataFrame(rows).drop_duplicates("decision_sha256"),
            "_c",
            _NEW_CURATION,
            "INSERT INTO curation_decisions (decision, decision_sha256, action) "
            "SELECT CAST(decision AS JSON), decision_sha256, action",
        )

    def _insert_new(self, frame: pd.DataFrame, name: str, new_rows: str, insert: str) -> int:
        """Insert the rows of `frame` (registered as `name`) that `new_rows` ('FROM ... WHERE
        ...') selects, in one write; returns how many there were."""
        with self._write() as con:  # type: ignore[attr-defined]
            con.register(name, frame)
            try:
                n = con.execute(f"SELECT count(*) {new_rows}").fetchall()[0][0]
                con.execute(f"{insert} {new_rows}")
            finally:
                con.unregister(name)
        return int(n)

    def curation_decisions(self) -> list[dict[str, Any]]:
        """Every curation decision recorded, oldest first."""
        with self._read() as con:
            got = con.execute(
                "SELECT decision FROM curation_decisions ORDER BY decided_at, rowid"
            ).fetchall()
        return [json.loads(g[0]) for g in got]

    def add_manifest(self, run_id: str, manifest: dict[str, Any]) -> None:
        """Keep a run's manifest (a run id seen before is replaced)."""
        with self._write() as con:
            con.execute(
                "INSERT OR REPLACE INTO run_manifests (run_id, manifest) VALUES (?, ?)",
                [run_id, json.dumps(manifest, default=str, sort_keys=True)],
            )

    def manifest(self, run_id: str) -> dict[str, Any] | None:
        """A run's manifest, or None."""
        with self._read() as con:
            rows = con.execute(
                "SELECT manifest FROM run_manifests WHERE run_id = ?", [run_id]
            ).fetchall()
        return json.loads(rows[0][0]) if rows else None
