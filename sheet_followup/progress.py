"""A progress bar for one long run, on a terminal only.

A run on a tracker of tens of rows is over before a bar could be read, and a bar that flashes
on every weekly run is noise; a career service's 100,000-row tracker takes seconds per stage
and deserves one. So the bar appears only once the run proves long (a stage starts after
``after`` seconds) or is sure to be (the workbook is over ``large_bytes``), and never when
stderr is not a terminal (a script, a pipe, cron) or the output is JSON.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

# The stages ``run_tracker`` reports, in order (a dry run stops after the second).
RUN_STAGES = 5
LARGE_WORKBOOK_BYTES = 1 << 20  # about 15,000 rows, a run of a second or more
SHOW_AFTER_SECONDS = 0.5


class StageProgress:
    """Called with each stage's name as the run reaches it; a context manager around the run."""

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool,
        workbook: Path | None = None,
        stages: int = RUN_STAGES,
        after: float = SHOW_AFTER_SECONDS,
        large_bytes: int = LARGE_WORKBOOK_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.enabled = enabled and _is_terminal(stream)
        self.stages = stages
        self.after = after
        self.clock = clock
        self.started = clock()
        self.reached = 0  # stages started so far
        self.bar: ProgressBar[str] | None = None
        self.large = False
        if self.enabled and workbook is not None:
            # An unreadable file is not large: the run itself will say what is wrong with it.
            with contextlib.suppress(OSError):
                self.large = workbook.stat().st_size >= large_bytes

    def __call__(self, stage: str) -> None:
        self.reached += 1
        if not self.enabled:
            return
        if self.bar is None:
            if not self.large and self.clock() - self.started < self.after:
                return
            self.bar = click.progressbar(
                length=self.stages,
                label="Running",
                file=self.stream,
                item_show_func=_shown,
            )
            # First drawn at this stage, with the stages already done filled in.
            self.bar.pos = self.reached - 1
            self.bar.current_item = stage
            self.bar.__enter__()
        else:
            # A run with a mailbox has stages of its own: the bar stops short of full.
            self.bar.update(1 if self.bar.pos < self.stages - 1 else 0, stage)

    def __enter__(self) -> StageProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.bar is None:
            return
        if error is None:
            self.bar.update(self.stages - self.bar.pos, "done")
        self.bar.__exit__(kind, error, trace)  # ends the line, so what follows starts afresh


def _shown(stage: str | None) -> str | None:
    return stage


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
