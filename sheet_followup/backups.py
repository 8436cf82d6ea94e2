"""Copies of the workbook as it was before each write, kept beside it, and restoring one.

The writer is careful, but a user who depends on their tracker every week deserves an undo that
needs no tool but a file manager: plain copies in a hidden folder beside the workbook.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from sheet_followup.errors import WorkbookError

BACKUP_ROOT = ".sheet-followup-backups"
KEEP = 5


def backup_folder(workbook: Path) -> Path:
    """``.sheet-followup-backups/<workbook name>/`` beside the workbook."""
    return workbook.parent / BACKUP_ROOT / workbook.name


def list_backups(workbook: Path) -> list[Path]:
    """The workbook's backups, newest first."""
    folder = backup_folder(workbook)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(found, key=lambda p: p.name, reverse=True)


def make_backup(workbook: Path, now: dt.datetime, keep: int = KEEP) -> Path:
    """Copy the workbook into its backup folder, then drop all but the newest ``keep`` copies."""
    folder = backup_folder(workbook)
    stamp = now.strftime("%Y-%m-%d_%H-%M-%S")
    target = folder / f"{stamp}{workbook.suffix}"
    counter = 2
    while target.exists():
        target = folder / f"{stamp}_{counter}{workbook.suffix}"
        counter += 1
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _copy_atomically(workbook, target)
    except OSError as error:
        message = (
            f"{workbook}: could not save a backup copy in {folder} ({error.strerror}); "
            "nothing was changed. Free some space or check the folder's permissions, then run again"
        )
        raise WorkbookError(message) from error
    for old in list_backups(workbook)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def restore_backup(workbook: Path, backup: Path, now: dt.datetime) -> Path | None:
    """Put a backup in the workbook's place; the current file is backed up first, so a restore
    can itself be undone. Returns that new backup (None when there was no current file)."""
    saved = make_backup(workbook, now, keep=KEEP + 1) if workbook.exists() else None
    try:
        _copy_atomically(backup, workbook)
    except OSError as error:
        message = f"{workbook}: could not restore {backup.name} ({error.strerror}); nothing changed"
        raise WorkbookError(message) from error
    return saved


def _copy_atomically(source: Path, target: Path) -> None:
    handle, temp = tempfile.mkstemp(prefix=".~sheet-followup-", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        shutil.copy2(source, temp)
        with open(temp, "rb+") as stream:  # noqa: PTH123 (an fd to fsync)
            os.fsync(stream.fileno())
        Path(temp).replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        raise
