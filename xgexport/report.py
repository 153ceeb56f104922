"""What a command tells the user while it works: stage lines, details, warnings and progress,
on stderr (stdout stays free for results such as ``inspect --json``)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reporter:
    """Stage lines and progress on stderr; silent when quiet, more when verbose."""

    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose

    def stage(self, message: str) -> None:
        if self.verbosity >= 1:
            print(message, file=sys.stderr, flush=True)

    def detail(self, message: str) -> None:
        if self.verbosity >= 2:
            print("  " + message, file=sys.stderr, flush=True)

    def warn(self, message: str) -> None:
        if self.verbosity >= 1:
            print(f"warning: {message}", file=sys.stderr, flush=True)

    def progress(self, label: str) -> Callable[[int, int], None]:
        """A callback(done, total) that prints at most one line every 5 s, and the last one."""
        started = time.monotonic()
        shown = [-1.0]

        def update(done: int, total: int) -> None:
            if self.verbosity < 1 or total < 4:
                return
            now = time.monotonic() - started
            if done == total or now - shown[0] >= 5.0:
                shown[0] = now
                print(f"  {label}: {done}/{total} ({now:.0f} s)", file=sys.stderr, flush=True)

        return update
