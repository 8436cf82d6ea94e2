"""Copies of the workbook as it was before each write, kept beside it, and restoring one.

The writer is careful, but a user who depends on their tracker every week deserves an undo that
needs no tool but a file manager: plain copies in a hidden folder beside the workbook, named by
when and by which command (``2026-11-23_09-15-02_run.xlsx``). The last ten are kept, and the
last of each day for the thirty days before, so a mistake noticed a week later can still be
undone even after a busy afternoon of runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.errors import WorkbookError, from_xlsx
from sheet_followup.made_folders import missing_folders, remove_empty
from sheet_followup.xlsx.replace import replace_atomically

BACKUP_ROOT = ".sheet-followup-backups"
KEEP = 10  # the newest copies, whatever their day
DAILY_DAYS = 30  # and the last copy of each of these days


@dataclass(frozen=True)
class Backup:
    """A backup copy: where it is, when it was made, and by which command."""

    path: Path
    made: dt.datetime | None
    command: str


def describe(path: Path) -> Backup:
    """When and by what a backup was made, read from its name."""
    stamp, _, rest = path.stem[:19], path.stem[19:20], path.stem[20:]
    try:
        made: dt.datetime | None = dt.datetime.strptime(stamp, "%Y-%m-%d_%H-%M-%S")  # noqa: DTZ007
    except ValueError:
        made = None
    # The command, without the counter of a second copy in the same second ("run_2"); names
    # from before commands were named hold only the time, or the time and a counter.
    command = "_".join(part for part in rest.split("_") if part and not part.isdigit())
    return Backup(path, made, command)


def backup_folder(workbook: Path) -> Path:
    """``.sheet-followup-backups/<workbook name>/`` beside the workbook."""
    return workbook.parent / BACKUP_ROOT / workbook.name


def list_backups(workbook: Path) -> list[Path]:
    """The workbook's backups, newest first."""
    folder = backup_folder(workbook)
    if not folder.is_dir():
        return []
    # A symbolic link is no backup of the tool's: restoring one would copy whatever it names.
    found = [
        p
        for p in folder.iterdir()
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    ]
    return sorted(found, key=_order, reverse=True)


def _order(path: Path) -> tuple[str, int]:
    """When a backup was made: its time, then its number within that second."""
    stamp, rest = path.stem[:19], path.stem[20:]
    number = rest.split("_", 1)[0]
    return stamp, int(number) if number.isdigit() else 1


def make_backup(
    workbook: Path, now: dt.datetime, *, command: str = "run", keep: int = KEEP
) -> Path:
    """Copy the workbook into its backup folder, then drop the copies the policy lets go."""
    folder = backup_folder(workbook)
    _refuse_links(workbook, folder)
    stamp = now.strftime("%Y-%m-%d_%H-%M-%S")
    # A second copy within the same second (a run, then a restore) is numbered, so that the
    # names sort in the order the copies were made.
    same_second = [p for p in list_backups(workbook) if p.stem.startswith(stamp)]
    counter = f"_{len(same_second) + 1}" if same_second else ""
    target = folder / f"{stamp}{counter}{'_' + command if command else ''}{workbook.suffix}"
    while target.exists():
        counter = f"_{int(counter[1:] or 1) + 1}"
        target = folder / f"{stamp}{counter}{'_' + command if command else ''}{workbook.suffix}"
    made = missing_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _copy_atomically(workbook, target)
    except OSError as error:
        remove_empty(made)  # a run that stops here leaves the workbook's folder as it was
        message = (
            f"{workbook}: could not save a backup copy in {folder} ({error.strerror}); "
            "nothing was changed. Free some space or check the folder's permissions, then run again"
        )
        raise WorkbookError(message) from error
    for old in to_drop(list_backups(workbook), now, keep=keep):
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def replace_with_backup(
    workbook: Path, data: bytes, before: os.stat_result, *, command: str
) -> None:
    """Back the workbook up, then put ``data`` in its place, unless the file changed on disk
    since it was read (``before``). Every command that writes the workbook does both, in this
    order: a backup that fails stops the write, and the copy is of the file as it was read."""
    make_backup(workbook, dt.datetime.now(), command=command)  # noqa: DTZ005 (local time)
    with from_xlsx():
        replace_atomically(
            workbook, data, expected_mtime_ns=before.st_mtime_ns, expected_size=before.st_size
        )


def _refuse_links(workbook: Path, folder: Path) -> None:
    """The backup folders are the tool's own: a symbolic link in their place would put copies
    of the workbook (and their removal) somewhere else."""
    for made in (folder.parent, folder):
        if made.is_symlink():
            message = (
                f"{workbook}: {made} is a symbolic link; the tool keeps its backups in a "
                "folder of its own: remove the link and run again; nothing was changed"
            )
            raise WorkbookError(message)


def to_drop(backups: list[Path], now: dt.datetime, *, keep: int = KEEP) -> list[Path]:
    """The backups (newest first) the policy lets go: all but the newest ``keep``, and the
    newest of each of the last ``DAILY_DAYS`` days."""
    kept = set(backups[:keep])
    first_day = (now - dt.timedelta(days=DAILY_DAYS)).date()
    days_seen: set[dt.date] = set()
    for path in backups:
        made = describe(path).made
        if made is None or made.date() < first_day or made.date() in days_seen:
            continue
        days_seen.add(made.date())
        kept.add(path)
    return [path for path in backups if path not in kept]


def restore_backup(workbook: Path, backup: Path, now: dt.datetime) -> Path | None:
    """Put a backup in the workbook's place; the current file is backed up first, so a restore
    can itself be undone. Returns that new backup (None when there was no current file)."""
    if backup.is_symlink() or backup not in list_backups(workbook):
        message = f"{workbook}: {backup} is not one of its backups; nothing changed"
        raise WorkbookError(message)
    saved = (
        make_backup(workbook, now, command="restore", keep=KEEP + 1) if workbook.exists() else None
    )
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
