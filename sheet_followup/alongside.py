"""Render and write a big run's drafts in a second process while this one edits the workbook.

Rendering the notes and writing thousands of drafts (mostly the kernel making files) are a
quarter to two fifths of a big run, and editing the workbook needs only the drafts' names; on
two cores they can overlap. A thread cannot do it:
the edit holds the GIL, and a writing thread waits for it after every system call (measured
slower than writing afterwards). So on Linux a forked child writes the drafts while the parent
edits, and the run keeps its promise that a failed edit writes nothing: the child writes every
file under a temporary name and gives none its own name until the parent, its edit done and
checked, says so. A closed pipe (the edit failed, or the user pressed Ctrl-C) makes the child
remove its temporary files instead. A broken template stops the child before it writes
anything, and the parent, told so, raises the same error before it replaces the workbook.

Elsewhere, and for small runs where a fork costs more than it saves, the notes are rendered
before the edit and the drafts written after it, in this process, exactly as before.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sheet_followup import errors
from sheet_followup.drafts import (
    Content,
    DraftResult,
    NamedDraft,
    PlannedDraft,
    draft_results,
    write_drafts,
    write_when_allowed,
)
from sheet_followup.errors import SheetFollowupError

# The notes, rendered, and the run's other files (index page, calendar).
Prepared = tuple[Sequence[PlannedDraft], Sequence[tuple[Path, Content]]]

# Below this many files a fork and a pipe cost more than the overlap saves (a file takes about
# 50 µs to write, a fork of a big run's process a few milliseconds).
MIN_FILES = 500

_GO = b"g"


def can_fork() -> bool:
    """Only Linux, and only a process without threads: a fork copies the calling thread alone,
    so a lock another thread held would stay locked in the child. macOS's system libraries are
    not safe to use in a forked child at all."""
    threading = sys.modules.get("threading")
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and (threading is None or threading.active_count() == 1)
    )


@contextlib.contextmanager
def drafts_alongside(
    named: Sequence[NamedDraft], folder: Path, prepare: Callable[[], Prepared]
) -> Iterator[Callable[[], list[DraftResult]]]:
    """Start rendering and writing the drafts; the body edits the workbook, then calls the
    function yielded to name the drafts and get their results. Leaving the body by an error
    discards them. ``prepare`` renders the notes and plans the run's other files."""
    files = sum(len(draft.paths) for draft in named)
    writer = None
    if files >= MIN_FILES and can_fork():
        with contextlib.suppress(OSError):  # no process to spare: written here instead
            writer = _ForkedWriter(named, folder, prepare)
    if writer is None:
        planned, extra = prepare()  # a broken template stops the run before the edit
        yield lambda: write_drafts(planned, folder, extra)
        return
    try:
        yield writer.finish
    finally:
        writer.abandon()


class _ForkedWriter:
    def __init__(
        self, named: Sequence[NamedDraft], folder: Path, prepare: Callable[[], Prepared]
    ) -> None:
        self.named = named
        self.folder = folder
        go_read, self.go = os.pipe()
        self.answer, answer_write = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()  # nothing buffered may be printed twice
        try:
            self.pid = os.fork()
        except OSError:
            for end in (go_read, self.go, self.answer, answer_write):
                os.close(end)
            raise
        if self.pid == 0:  # the child: never returns
            os.close(self.go)
            os.close(self.answer)
            _child(folder, prepare, go_read, answer_write)
        os.close(go_read)
        os.close(answer_write)
        self.done = False

    def finish(self) -> list[DraftResult]:
        """Let the child name the drafts; wait for it and return what it did."""
        with contextlib.suppress(OSError):  # a child that failed early has gone already
            os.write(self.go, _GO)
        answer = self._wait()
        if answer is None:
            message = (
                f"writing the drafts in {self.folder} stopped unexpectedly ({self.status}); "
                "the workbook was not changed, run again"
            )
            raise SheetFollowupError(message)
        if "error" in answer:
            kind = getattr(errors, str(answer.get("kind")), None)
            if not (isinstance(kind, type) and issubclass(kind, SheetFollowupError)):
                kind = SheetFollowupError
            raise kind(str(answer["error"]))
        actions = answer.get("actions")
        if not isinstance(actions, list) or len(actions) != len(self.named):
            message = f"writing the drafts in {self.folder} went wrong ({self.status}); run again"
            raise SheetFollowupError(message)
        return draft_results(self.named, actions)

    def abandon(self) -> None:
        """After an error: the child removes its temporary files and ends."""
        if not self.done:
            self._wait()

    def _wait(self) -> dict[str, object] | None:
        os.close(self.go)  # without a go before it, this tells the child to discard
        chunks = []
        try:
            while chunk := os.read(self.answer, 1 << 16):
                chunks.append(chunk)
        finally:
            os.close(self.answer)
            _, status = os.waitpid(self.pid, 0)
            self.done = True
        self.status = _describe(status)
        try:
            answer = json.loads(b"".join(chunks))
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None


def _child(folder: Path, prepare: Callable[[], Prepared], go: int, answer: int) -> None:
    """Render, write, wait for the go, name; report on ``answer`` and end without Python's
    clean-up (the parent's buffers, atexit handlers and temporary folders are the parent's)."""
    status = 1
    try:
        gc.disable()  # a collection would touch, and so copy, every page shared with the parent
        planned, extra = prepare()
        pipe = _Pipe(go)
        actions = write_when_allowed(planned, folder, extra, pipe.allowed, cancelled=pipe.closed)
        reply: dict[str, object] = {"actions": actions} if actions is not None else {}
        status = 0
    except SheetFollowupError as error:
        reply = {"error": str(error), "kind": type(error).__name__}
    except BaseException as error:  # a bug or Ctrl-C: reported, never raised in the child
        reply = {"error": f"writing the drafts failed: {type(error).__name__}: {error}"}
    try:
        data = json.dumps(reply).encode()
        while data:
            data = data[os.write(answer, data) :]
    finally:
        os._exit(status)


class _Pipe:
    """The parent's word, on the pipe: a go once its edit is done, or the pipe closed."""

    def __init__(self, go: int) -> None:
        self.go = go
        self.given = False

    def allowed(self) -> bool:
        return self.given or os.read(self.go, 1) == _GO

    def closed(self) -> bool:
        """Whether the parent gave up (without waiting: the parent is still editing)."""
        if self.given or not select.select([self.go], [], [], 0)[0]:
            return False
        self.given = os.read(self.go, 1) == _GO
        return not self.given


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"the writer was stopped by signal {os.WTERMSIG(status)}"
    return f"the writer exited with status {os.WEXITSTATUS(status)}"
