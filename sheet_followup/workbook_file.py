"""Opening a workbook file and reading its sheets' cells, whatever the file turns out to be.

python-calamine does the reading: it is a Rust reader that is many times faster than openpyxl and
returns formulas' cached values, which is what the user sees in Excel. Before it sees a file,
the file's kind is checked (an .xls, .ods, .xlsb or encrypted file gets a message that says
what to do) and each sheet's extent is measured, so that a far cell never makes calamine
allocate a grid of billions of cells.
"""

from __future__ import annotations

import datetime as dt
import io
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheet_followup.controls import without_controls
from sheet_followup.errors import (
    SheetTooBigError,
    WorkbookError,
    from_xlsx,
)
from sheet_followup.settings import (
    SETTINGS_SHEET,
    SettingRow,
    settings_rows_from_cells,
)
from sheet_followup.xlsx.extent import Extent, sheet_extent
from sheet_followup.xlsx.heads import heads_copy
from sheet_followup.xlsx.markup import unescape_xml
from sheet_followup.xlsx.workbook import WorkbookInfo, read_workbook_info

# The most cells a sheet's grid may span (its values' last row times last column): a million
# rows of twenty columns. calamine makes room for the whole grid, about 32 bytes a cell.
MAX_GRID_CELLS = 20_000_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx is an OLE file holding a stream of this name (MS-OFFCRYPTO).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


# A sheet part bigger than this (inflated) is judged from its head alone, when there are two
# or more (with one, it is the tracker's, read whole anyway: a second read would cost more).
_BIG_SHEET_PART = 4 << 20
_BIG_SHEETS = 2


@dataclass
class _Heads:
    """The reading copy of a workbook's sheet heads, and calamine's view of it once opened."""

    copy: io.BytesIO | None
    extents: dict[str, Extent]  # each cut sheet part's extent, measured on its head
    rows: int
    calamine: object = None


def _too_big_message(path: Path, sheet: str, extent: Extent) -> str:
    far = [extent.last_row_cell, extent.last_column_cell]
    where = " and ".join(dict.fromkeys(f"{sheet}!{cell}" for cell in far))
    return (
        f"{path.name}: {where} holds a value far outside the rest of the sheet, "
        f"which makes it {extent.rows:,} rows by {extent.columns:,} columns "
        f"({extent.cells:,} cells), too many to read; clear that cell (in Excel, "
        "Ctrl+End goes to the last cell) and run again"
    )


@dataclass
class Workbook:
    """An open workbook: its sheets as calamine reads them, and the package facts we need.

    A sheet is parsed once and kept until :meth:`release`; the tracker sheet's cells are
    streamed row by row (:meth:`iter_rows`) instead of turned into one big list, so a
    hundred-thousand-row tracker never exists twice in memory as Python objects.
    """

    path: Path
    info: WorkbookInfo
    _calamine: object
    _sheets: dict[str, object] = field(default_factory=dict)
    _rows: dict[str, list[list[object]]] = field(default_factory=dict)
    _sized: dict[str, int] = field(default_factory=dict)  # sheet -> its grid's cells, at most
    notices: list[str] = field(default_factory=list)  # sheets left out, said as warnings
    _heads: _Heads | None = None

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.info.sheets if s.kind == "worksheet"]

    def find_sheet(self, name: str) -> str | None:
        """The sheet's real name: exact first, then ignoring case."""
        names = self.sheet_names
        if name in names:
            return name
        folded = [n for n in names if n.casefold() == name.casefold()]
        return folded[0] if folded else None

    def rows(self, sheet: str) -> list[list[object]]:
        """The sheet's cells from A1, one list per row; None for an empty cell."""
        if sheet not in self._rows:
            raw = self._read(sheet, lambda s: s.to_python(skip_empty_area=False))
            self._rows[sheet] = [[None if v == "" else v for v in row] for row in raw]
        return self._rows[sheet]

    def head(self, sheet: str, count: int) -> list[list[object]]:
        """The sheet's first ``count`` rows, as :meth:`rows` gives them."""
        if sheet in self._rows:
            return self._rows[sheet][:count]
        info = self.info.sheet(sheet)
        if sheet not in self._sheets and info is not None:
            heads = self._heads_copy(count)
            if heads is not None and info.part in heads.extents:
                raw = self._head_from(heads, sheet, info.part, count)
                return [[None if v == "" else v for v in row] for row in raw]
        raw = self._read(sheet, lambda s: s.to_python(skip_empty_area=False, nrows=count))
        return [[None if v == "" else v for v in row] for row in raw]

    def release_heads(self) -> None:
        """Forget the heads copy once the sheets are judged (it holds the shared strings)."""
        if self._heads is not None and self._heads.copy is not None:
            self._heads = _Heads(None, {}, 0)

    def _heads_copy(self, count: int) -> _Heads | None:
        """The reading copy with each big sheet cut to its head (see :mod:`.xlsx.heads`), for
        a workbook with two big sheets or more: at most one is the tracker, which is read
        whole later, and the others need never be. Made once, for the first ``count`` asked."""
        if self._heads is None:
            with zipfile.ZipFile(self.path) as archive:
                sizes = {item.filename: item.file_size for item in archive.infolist()}
            big = {
                sheet.part
                for sheet in self.info.sheets
                if sheet.kind == "worksheet" and sizes.get(sheet.part, 0) > _BIG_SHEET_PART
            }
            if len(big) < _BIG_SHEETS:
                self._heads = _Heads(None, {}, 0)
            else:
                copy, extents = heads_copy(self.path, big, count, _readable_sheet_list(self))
                self._heads = _Heads(copy, extents, count)
        if self._heads.copy is None or count > self._heads.rows:
            return None
        return self._heads

    def _head_from(self, heads: _Heads, sheet: str, part: str, count: int) -> Any:
        extent = heads.extents[part]
        if extent.cells > MAX_GRID_CELLS:
            raise SheetTooBigError(_too_big_message(self.path, sheet, extent))
        try:
            if heads.calamine is None:
                from python_calamine import CalamineWorkbook

                assert heads.copy is not None
                heads.calamine = CalamineWorkbook.from_filelike(heads.copy)
            parsed = heads.calamine.get_sheet_by_name(sheet)  # type: ignore[attr-defined]
            return parsed.to_python(skip_empty_area=False, nrows=count)
        except Exception as error:  # calamine raises its own types for broken parts
            message = (
                f"{self.path}: sheet '{sheet}' is damaged and cannot be read ({error}); open "
                "the workbook in Excel, let it repair the file, save it, and run again"
            )
            raise WorkbookError(message) from error

    def iter_rows(self, sheet: str) -> Iterator[Sequence[object]]:
        """The sheet's rows from A1, one at a time; an empty cell is "" or None."""
        if sheet in self._rows:
            yield from self._rows[sheet]
            return
        parsed = self._parsed(sheet)
        first_row, first_column = parsed.start  # type: ignore[attr-defined]
        last_column = parsed.end[1]  # type: ignore[attr-defined]
        if first_row > 0:
            # calamine's iter_rows starts at A1 in some versions and at the data in others:
            # where they would differ, take the padded list instead.
            yield from self.rows(sheet)
            return
        pad: list[object] = []
        rows = iter(self._read(sheet, lambda s: s.iter_rows()))
        for number, row in enumerate(rows):
            if number == 0 and first_column > 0 and len(row) == last_column - first_column + 1:
                pad = [None] * first_column  # rows come without the empty columns on the left
            yield pad + row if pad else row

    def release(self, sheet: str) -> None:
        """Forget a parsed sheet: the tracker's cells are not needed once it has been read."""
        self._sheets.pop(sheet, None)
        self._rows.pop(sheet, None)

    def _parsed(self, sheet: str) -> object:
        if sheet not in self._sheets:
            self._sheets[sheet] = self._read(sheet, lambda s: s)
        return self._sheets[sheet]

    def _read(self, sheet: str, read: Callable[[Any], Any]) -> Any:
        if sheet in self._sheets:
            return read(self._sheets[sheet])
        cells = self._check_size(sheet)
        try:
            parsed = self._calamine.get_sheet_by_name(sheet)  # type: ignore[attr-defined]
            # Parsed sheets are kept while their grids together stay within one big sheet's:
            # judging a workbook of 150 big sheets must not hold them all.
            while self._sheets and cells + sum(self._sized[n] for n in self._sheets) > (
                MAX_GRID_CELLS
            ):
                del self._sheets[next(iter(self._sheets))]
            self._sheets[sheet] = parsed
            return read(parsed)
        except Exception as error:  # calamine raises its own types for broken parts
            message = (
                f"{self.path}: sheet '{sheet}' is damaged and cannot be read ({error}); open "
                "the workbook in Excel, let it repair the file, save it, and run again"
            )
            raise WorkbookError(message) from error

    def _check_size(self, sheet: str) -> int:
        """Refuse a sheet whose grid would not fit in memory, before calamine makes it; the
        cells its grid has at most."""
        if sheet in self._sized:
            return self._sized[sheet]
        info = self.info.sheet(sheet)
        if info is None:
            return 0
        try:
            extent = sheet_extent(self.path, info.part, at_most=MAX_GRID_CELLS)
        except (OSError, KeyError, ValueError, EOFError, zlib.error, zipfile.BadZipFile):
            return 0  # calamine says what is wrong with the part
        if extent.cells > MAX_GRID_CELLS:
            raise SheetTooBigError(_too_big_message(self.path, sheet, extent))
        self._sized[sheet] = extent.cells
        return extent.cells


def open_workbook(path: Path) -> Workbook:
    """Open a workbook for reading, or explain why it cannot be read."""
    _check_file_kind(path)
    from python_calamine import CalamineWorkbook

    with from_xlsx():
        info = read_workbook_info(path)
    try:
        if any(sheet.kind in _UNREADABLE_KINDS for sheet in info.sheets):
            # calamine cannot read an Excel 4.0 macro sheet (nor a tab without a part), and
            # refuses the whole workbook: it reads a copy without them (the file itself,
            # macros and all, stays whole).
            calamine = CalamineWorkbook.from_filelike(_without_macro_sheets(path, info))
        else:
            calamine = CalamineWorkbook.from_path(str(path))
    except Exception as error:
        message = (
            f"{path}: not a readable Excel workbook ({error}); open it in Excel and save it "
            "again (as .xlsm if it holds macros, so that they stay)"
        )
        raise WorkbookError(message) from error
    return Workbook(path, info, calamine)


_UNREADABLE_KINDS = frozenset({"macrosheet", "missing"})


def _readable_sheet_list(workbook: Workbook) -> dict[str, bytes]:
    """The workbook part without the sheets calamine cannot read (an Excel 4.0 macro sheet, a
    tab without a part), as {part: bytes}; {} when it has none."""
    info = workbook.info
    unreadable = {sheet.name for sheet in info.sheets if sheet.kind in _UNREADABLE_KINDS}
    if not unreadable:
        return {}
    with zipfile.ZipFile(workbook.path) as archive:
        names = [
            n for n in archive.namelist() if n.endswith("/workbook.xml") or n == "workbook.xml"
        ]
        return {name: _without_sheets(archive.read(name), unreadable) for name in names}


def _without_sheets(workbook_xml: bytes, names: set[str]) -> bytes:
    import re as regex

    def drop(match: regex.Match[bytes]) -> bytes:
        name = regex.search(rb'name="([^"]*)"', match.group())
        shown = unescape_xml(name.group(1)) if name else ""
        return b"" if shown in names else match.group()

    return regex.sub(rb"<(?:\w+:)?sheet\b[^>]*/>", drop, workbook_xml)


def _without_macro_sheets(path: Path, info: WorkbookInfo) -> io.BytesIO:
    """The workbook in memory with the sheets calamine cannot read left out of its sheet list,
    for reading only."""
    macro = {sheet.name for sheet in info.sheets if sheet.kind in _UNREADABLE_KINDS}
    copy = io.BytesIO()
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/workbook.xml" or item.filename.endswith("/workbook.xml"):
                data = _without_sheets(data, macro)
            new.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    copy.seek(0)
    return copy


def _check_file_kind(path: Path) -> None:
    """Name what the file really is when it is not an .xlsx, and how to make it one."""
    try:
        kind = path.stat().st_mode
    except FileNotFoundError as error:
        message = f"{path}: no such file; check the name, or list the folder to find it"
        raise WorkbookError(message) from error
    except OSError as error:
        message = f"{path}: cannot be read ({error.strerror})"
        raise WorkbookError(message) from error
    if not stat.S_ISREG(kind):
        # Opening a pipe waits for a writer that may never come; a folder has no bytes at all.
        what = "a folder" if stat.S_ISDIR(kind) else "not a regular file (a pipe or a device)"
        message = f"{path}: {what}, not a workbook; name the .xlsx file itself"
        raise WorkbookError(message)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            ole = head == _OLE_MAGIC and _ENCRYPTED_PACKAGE in handle.read(1 << 20)
    except OSError as error:
        message = f"{path}: cannot be read ({error.strerror})"
        raise WorkbookError(message) from error
    if head.startswith(_ZIP_MAGIC):
        _check_zip_kind(path)
        return
    if not head:
        message = f"{path}: the file is empty; it may not have finished syncing or saving"
    elif ole:
        message = (
            f"{path}: the workbook is password-protected; in Excel, remove the password (File > "
            "Info > Protect Workbook > Encrypt with Password, clear it), save, and run again"
        )
    elif head == _OLE_MAGIC:
        message = (
            f"{path}: an old-style .xls workbook; in Excel use File > Save As > Excel Workbook "
            "(.xlsx), then run again on the .xlsx"
        )
    else:
        message = (
            f"{path}: not an Excel workbook (.xlsx); if it is a CSV or text file, open it in "
            "Excel and save it as Excel Workbook (.xlsx)"
        )
    raise WorkbookError(message)


def _check_zip_kind(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        message = (
            f"{path}: the file is damaged or incomplete ({error}); if it is in a cloud folder, "
            "wait for it to finish syncing; otherwise restore an earlier copy "
            "(sheet-followup restore lists the tool's backups)"
        )
        raise WorkbookError(message) from error
    if b"opendocument.spreadsheet" in mimetype:
        message = (
            f"{path}: an OpenDocument (.ods) spreadsheet; in LibreOffice use File > Save As > "
            "Excel 2007-365 (.xlsx), then run again on the .xlsx"
        )
        raise WorkbookError(message)
    if "xl/workbook.bin" in names:
        message = (
            f"{path}: an Excel binary workbook (.xlsb); in Excel use File > Save As > Excel "
            "Workbook (.xlsx), then run again on the .xlsx"
        )
        raise WorkbookError(message)


def read_setting_rows(workbook: Workbook) -> list[SettingRow]:
    """The Settings sheet's rows, or none when the workbook has no such sheet."""
    name = workbook.find_sheet(SETTINGS_SHEET)
    if name is None:
        return []
    return settings_rows_from_cells(name, workbook.rows(name))


def cell_at(cells: Sequence[object], column: int | None) -> object:
    if column is None or column > len(cells):
        return None
    return cells[column - 1]


def cell_text(value: object) -> str:
    if type(value) is str:  # most cells: checked first
        if not value.isprintable():
            value = without_controls(value, " ")  # see controls.py
        return value.strip() if "\n" in value else " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()
