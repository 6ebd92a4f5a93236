"""Progress for people watching a long run: stage names and counts, bars when asked.

Quiet by default (scheduled runs); the CLI enables it on a terminal or with -v, notebooks pass
`Progress(True)`.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any

log = logging.getLogger("kmsynth.runs")


class Progress:
    """Stage names and counts for people watching a long run; bars for embedding and fitting.

    Disabled (the default, and under cron) it only logs at DEBUG; enabled it writes one line per
    stage to `stream` (stderr) and asks embedders and theme fitting for their progress bars.
    """

    def __init__(self, enabled: bool = False, stream: IO[str] | None = None) -> None:
        self.enabled = enabled
        self.stream = stream
        self._t0 = time.perf_counter()

    def stage(self, name: str, **counts: Any) -> None:
        """Report the start of a stage, e.g. ``stage("embedding", texts=575)``."""
        detail = ", ".join(
            f"{v:,} {k}" if isinstance(v, int) else f"{k} {v}" for k, v in counts.items()
        )
        line = f"{name}" + (f" ({detail})" if detail else "")
        log.debug("%s", line)
        if self.enabled:
            elapsed = time.perf_counter() - self._t0
            print(f"kmsynth [{elapsed:5.0f} s] {line}", file=self.stream or sys.stderr, flush=True)

    @property
    def bars(self) -> bool:
        """Whether long loops should show a progress bar."""
        return self.enabled


def quiet_unless(progress: Progress | None) -> Progress:
    return progress if progress is not None else Progress(False)
