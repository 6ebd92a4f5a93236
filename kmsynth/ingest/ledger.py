"""The ledger: what became of every input row (kept, merged, excluded, out of period).

kept + merged + excluded + out_of_period always equals the rows read, and the ledger holds
positions and ids only, never text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kmsynth.protect import write_csv

#: replaced_bytes: byte sequences of the row that could not be decoded (replaced, counted)
LEDGER_COLUMNS = [
    "file",
    "row",
    "line",
    "record_id",
    "status",
    "reason",
    "merged_into",
    "replaced_bytes",
]
STATUSES = ("kept", "merged", "excluded", "out_of_period")


class Ledger:
    """One line per input row: kept, merged (a duplicate) or excluded, with the reason.

    kept + merged + excluded + out_of_period always equals the rows read: `check()` asserts it.
    The ledger holds positions and ids only, never text, so it can sit next to any output.
    """

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        self.frame = frame if frame is not None else pd.DataFrame(columns=LEDGER_COLUMNS)

    @classmethod
    def concat(cls, ledgers: Iterable[Ledger]) -> Ledger:
        """One ledger for several files, in order."""
        frames = [lg.frame for lg in ledgers if len(lg.frame)]
        return cls(pd.concat(frames, ignore_index=True) if frames else None)

    @property
    def rows_read(self) -> int:
        """Rows read from every file (each has exactly one ledger line)."""
        return len(self.frame)

    def counts(self) -> dict[str, int]:
        """Rows per status, every status present (0 when none)."""
        c = self.frame["status"].value_counts()
        return {s: int(c.get(s, 0)) for s in STATUSES}

    def reasons(self) -> dict[str, int]:
        """Rows not kept, per (status, reason)."""
        ex = self.frame[self.frame["status"] != "kept"]
        if not len(ex):
            return {}
        return {str(k): int(v) for k, v in ex.groupby(["status", "reason"]).size().items()}

    def check(self) -> None:
        """Assert kept + merged + excluded + out_of_period == rows read."""
        counts = self.counts()
        total = sum(counts.values())
        if total != self.rows_read or self.frame["status"].isna().any():
            raise AssertionError(f"ledger does not add up: {counts} vs {self.rows_read} rows read")

    def mark_out_of_period(self, kept_keys: pd.DataFrame, reason: str) -> None:
        """Mark kept rows (given by their `file`, `row`) as outside the analysed period."""
        key = self.frame["file"].astype(str) + "\x00" + self.frame["row"].astype(str)
        target = set(kept_keys["_file"].astype(str) + "\x00" + kept_keys["_row"].astype(str))
        hit = key.isin(target) & (self.frame["status"] == "kept")
        self.frame.loc[hit, "status"] = "out_of_period"
        self.frame.loc[hit, "reason"] = reason

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the ledger as CSV, readable by its owner only (it lists record ids)."""
        return write_csv(self.frame, path, index=False)

    def summary(self) -> str:
        """'1,204 rows read: 1,190 kept, 10 merged, 4 excluded'."""
        c = self.counts()
        parts = [f"{c[s]:,} {s.replace('_', ' ')}" for s in STATUSES if c[s]]
        return f"{self.rows_read:,} rows read: " + ", ".join(parts)
