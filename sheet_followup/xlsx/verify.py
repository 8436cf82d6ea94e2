"""Reading a freshly built package back before it may replace the user's workbook.

The writer splices bytes and rebuilds the zip itself, so a bug there would otherwise reach the
user's file unnoticed. Before :func:`~sheet_followup.xlsx.edit.edit_package` hands the bytes
out, they are opened again from scratch, the way a reader that trusts nothing would open them:

* the zip lists the original members in the original order, plus only the parts the writer
  meant to add;
* every member the writer did not mean to change decompresses to the original bytes, and every
  member it did change decompresses to exactly the bytes it built (which were checked to be
  well-formed XML before the zip was built, so the edited sheet is well-formed as read back);
* python-calamine, an independent reader written in Rust, finds the intended value in every
  cell the writer wrote.

This lives in the xlsx package and runs inside ``edit_package`` (not in the batch) because only
the writer knows which members and cells it meant to change, and so that every caller gets
checked bytes. The checks cost one more inflate of each member and one calamine parse of the
edited sheet, which is Rust-speed; no part is parsed in Python again.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sheet_followup.errors import WorkbookError
from sheet_followup.xlsx.package import Package
from sheet_followup.xlsx.sheet_edit import cell_reference


@dataclass(frozen=True)
class ExpectedDate:
    """A date cell: calamine reads it as the date, or as the serial if it misjudges the format."""

    day: dt.date
    serial: int


ExpectedValue = str | ExpectedDate | None  # None: the cell was cleared


@dataclass(frozen=True)
class WrittenPackage:
    """What the writer meant to produce, to compare the new bytes against."""

    data: bytes
    replacements: Mapping[str, bytes]
    additions: Sequence[tuple[str, bytes]]
    sheet_name: str
    cells: Mapping[tuple[int, int], ExpectedValue]


def verify_package(original: Package, written: WrittenPackage) -> None:
    """Raise WorkbookError unless ``written.data`` reads back as intended; see the module doc."""
    _check_members(original, written)
    _check_cells(original, written)


def _fail(original: Package, what: str) -> WorkbookError:
    return WorkbookError(
        f"{original.path.name}: the written copy did not read back as intended ({what}); "
        "your workbook was not changed. Please report this."
    )


def _check_members(original: Package, written: WrittenPackage) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(written.data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(original, f"it is not a readable zip: {exc}") from exc
    with archive:
        names = [info.filename for info in archive.infolist()]
        expected = [info.filename for info in original.infos]
        expected += [name for name, _ in written.additions]
        if names != expected:
            missing = [n for n in expected if n not in names]
            extra = [n for n in names if n not in expected]
            detail = f"missing {missing}" if missing else f"unexpected {extra}" if extra else ""
            raise _fail(original, f"the zip members differ: {detail or 'their order changed'}")
        added = dict(written.additions)
        for name in names:
            try:
                data = archive.read(name)  # zipfile checks each member's CRC as it reads
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise _fail(original, f"{name} cannot be read: {exc}") from exc
            intended = written.replacements.get(name, added.get(name))
            if intended is None:
                intended = original.read(name)
                if data != intended:
                    raise _fail(original, f"{name} is not the original's bytes")
            elif data != intended:
                raise _fail(original, f"{name} is not the bytes the writer built")


def _check_cells(original: Package, written: WrittenPackage) -> None:
    if not written.cells:
        return
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(written.data))
        rows: list[list[Any]] = workbook.get_sheet_by_name(written.sheet_name).to_python(
            skip_empty_area=False
        )
    except Exception as exc:  # calamine raises its own exception types
        raise _fail(original, f"the sheet {written.sheet_name!r} cannot be read: {exc}") from exc
    for (row, column), wanted in written.cells.items():
        line = rows[row - 1] if row - 1 < len(rows) else []
        found = line[column - 1] if column - 1 < len(line) else ""
        if not _matches(found, wanted):
            shown = wanted.day.isoformat() if isinstance(wanted, ExpectedDate) else wanted or ""
            where = f"{written.sheet_name}!{cell_reference(row, column)}"
            raise _fail(original, f"{where} holds {found!r}, expected {shown!r}")


def _matches(found: object, wanted: ExpectedValue) -> bool:
    if wanted is None:
        return found in ("", None)
    if isinstance(wanted, str):
        return isinstance(found, str) and found == wanted
    if isinstance(found, dt.datetime):
        return found.date() == wanted.day and found.time() == dt.time()
    if isinstance(found, dt.date):
        return found == wanted.day
    # calamine's idea of a date format is not Excel's; the stored serial is what must be right.
    return isinstance(found, int | float) and not isinstance(found, bool) and found == wanted.serial
