"""Putting a new workbook in place of the old one: all of it or none of it.

A crash, a full disk or a permission problem must never leave a half-written workbook, and a
workbook the user saved in Excel since it was read must not be overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from sheet_followup.xlsx.errors import PackageChangedError, PackageLockedError, XlsxError


def replace_atomically(
    path: Path,
    data: bytes,
    *,
    expected_mtime_ns: int | None = None,
    expected_size: int | None = None,
) -> None:
    """Replace ``path`` with ``data`` so that it is either the old file or the new one.

    A crash, a full disk or a permission problem must never leave a half-written workbook,
    and a workbook the user saved in Excel since we read it must not be overwritten.
    """
    target = Path(os.path.realpath(path))  # write through a symlink, keep the link
    try:
        before = target.stat()
    except FileNotFoundError as exc:
        msg = f"{path} no longer exists; nothing was written."
        raise PackageChangedError(msg) from exc
    except OSError as exc:
        raise _write_error(path, exc) from exc
    _check_unchanged(path, before, expected_mtime_ns, expected_size)

    temp = target.parent / f".~sheet-followup-{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(stat.S_IMODE(before.st_mode))
        # Check again right before the swap: Excel may have saved while we were writing.
        _check_unchanged(path, target.stat(), expected_mtime_ns, expected_size)
        temp.replace(target)
    except PackageChangedError:
        _remove_quietly(temp)
        raise
    except OSError as exc:
        _remove_quietly(temp)
        raise _write_error(path, exc) from exc
    except BaseException:
        _remove_quietly(temp)
        raise
    with contextlib.suppress(OSError):  # the new file is in place; only its name may lag
        sync_folder(target.parent)


def _check_unchanged(
    path: Path, now: os.stat_result, expected_mtime_ns: int | None, expected_size: int | None
) -> None:
    if (expected_mtime_ns is not None and now.st_mtime_ns != expected_mtime_ns) or (
        expected_size is not None and now.st_size != expected_size
    ):
        msg = (
            f"{path} changed on disk while the tool was working (was it saved in Excel?). "
            "Nothing was written; run again to use the saved version."
        )
        raise PackageChangedError(msg)


def _write_error(path: Path, exc: OSError) -> XlsxError:
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", None):
        return XlsxError(
            f"No space left on the disk holding {path}; free some space and run again. "
            "The workbook was not changed."
        )
    winerror = getattr(exc, "winerror", None)
    if winerror in (32, 33):  # sharing / lock violation: Excel has the file open
        return PackageLockedError(
            f"{path} is open in another program (Excel?); close it in Excel and run again. "
            "The workbook was not changed."
        )
    if code == errno.EROFS:
        return XlsxError(
            f"{path} is on a read-only disk; copy it somewhere writable and run again."
        )
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return XlsxError(
            f"{path} is read-only or its folder cannot be written to; if it is open in Excel, "
            "close it; otherwise check its permissions and run again. The workbook was not changed."
        )
    return XlsxError(
        f"Could not write {path}: {exc.strerror or exc}. The workbook was not changed."
    )


def _remove_quietly(temp: Path) -> None:
    with contextlib.suppress(OSError):
        temp.unlink()


def sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` last on disk: a power cut right after a run must not
    bring back the old names. POSIX only (Windows cannot open a folder), and a file system
    that cannot sync a folder (EINVAL, ENOTSUP...) is let be; other errors are raised."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        if error.errno not in _CANNOT_SYNC_FOLDERS:
            raise


# What file systems that cannot sync a folder answer (and a folder one may not open).
_CANNOT_SYNC_FOLDERS = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES})
