"""Row progress of long commands on stderr: count, total, percentage, elapsed and time left.

Drawn by rich only on a terminal and never under ``CI=true`` or ``--quiet``, so piped output,
logs and machine-readable stdout stay clean. The total may arrive after the start (the input's
size is known only once the reader has looked at it); until then the bar shows count and speed.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def _wanted(quiet: bool) -> bool:
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    return sys.stderr.isatty() and not ci and not quiet


class RowProgress:
    """``update(rows)`` adds rows; ``set_total(n)`` when the size becomes known; ``close()``."""

    def __init__(self, *, quiet: bool = False, label: str = "Rows") -> None:
        self._bar: Any = None
        self._task: Any = None
        if not _wanted(quiet):
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TaskProgressColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )  # fmt: skip
        self._task = self._bar.add_task(label, total=None)
        self._bar.start()

    def set_total(self, total: int | None) -> None:
        if self._bar is not None and total is not None:
            self._bar.update(self._task, total=total)

    def update(self, rows: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
