"""One kind of error for bad input, carrying where the problem is and how to fix it.

The CLI turns :class:`InputError` into exit status 2 with the message on stderr and no
traceback. Messages never quote the offending text itself: it may be sensitive.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One validation finding: where it is, which rule it breaks and how to fix it."""

    file: str
    rule: str
    message: str
    hint: str = ""
    row: int | None = None  # 1-based data row (header excluded)
    line: int | None = None  # 1-based physical line in a text file, when known
    record_id: str | None = None
    column: str | None = None
    severity: str = "error"  # "error" excludes the row / fails validation; "warning" informs

    def location(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.record_id:
            parts.append(f"id {self.record_id!r}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        return f"{text}; to fix: {self.hint}" if self.hint else text


class KmsynthError(Exception):
    """Base class for errors kmsynth raises on purpose."""


@dataclass
class InputError(KmsynthError):
    """Bad input: a file, row or column a person must fix. Exit status 2 in the CLI."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    hint: str = ""
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f"\n  How to fix: {self.hint}"
        if self.problems:
            shown = self.problems[:50]
            text += "\n" + "\n".join(f"  - {p}" for p in shown)
            if len(self.problems) > len(shown):
                text += f"\n  ... and {len(self.problems) - len(shown)} more"
        return text


class AlreadyRunning(KmsynthError):
    """Another run holds the lock for the same output. Exit status 75 (EX_TEMPFAIL)."""
