"""Read a tracker workbook into Contact records that remember their cells.

python-calamine does the reading: it is a Rust reader that is many times faster than openpyxl and
returns formulas' cached values, which is what the user sees in Excel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheet_followup.columns import (
    FIELDS,
    GIFT_FIELDS,
    LOG_FIELDS,
    REQUIRED,
    ColumnMap,
    accepted_aliases,
    column_letter,
    display_name,
    header_texts,
    match_fields,
    match_header_row,
)
from sheet_followup.dates import DateOrder, NotADateError, parse_date
from sheet_followup.errors import NotATrackerError, UsageError, WorkbookError
from sheet_followup.models import Contact, Gift, LogEntry
from sheet_followup.settings import SETTINGS_SHEET, SettingRow, settings_rows_from_cells
from sheet_followup.xlsx.workbook import WorkbookInfo, read_workbook_info

# Sheets with a meaning of their own; never mistaken for the tracker.
SPECIAL_SHEETS = frozenset({"settings", "gifts", "log"})
# A title block above the header is a few rows; a header further down is not a tracker's.
HEADER_SEARCH_ROWS = 50

_TEXT_FIELDS = (
    "company",
    "contact",
    "position",
    "email",
    "stage",
    "interests",
    "gift",
    "why_fit",
    "idea",
)
_DATE_FIELDS = ("interview_date", "last_contact", "pause_until")
_INPUT_FIELDS = (*_TEXT_FIELDS, *_DATE_FIELDS)
_YES = frozenset({"yes", "y", "true", "1", "x", "✓", "✔"})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx is an OLE file holding a stream of this name (MS-OFFCRYPTO).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


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
        raw = self._read(sheet, lambda s: s.to_python(skip_empty_area=False, nrows=count))
        return [[None if v == "" else v for v in row] for row in raw]

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
        try:
            if sheet in self._sheets:
                return read(self._sheets[sheet])
            parsed = self._calamine.get_sheet_by_name(sheet)  # type: ignore[attr-defined]
            self._sheets[sheet] = parsed
            return read(parsed)
        except Exception as error:  # calamine raises its own types for broken parts
            message = (
                f"{self.path}: sheet '{sheet}' is damaged and cannot be read ({error}); open "
                "the workbook in Excel, let it repair the file, save it, and run again"
            )
            raise WorkbookError(message) from error


def open_workbook(path: Path) -> Workbook:
    """Open a workbook for reading, or explain why it cannot be read."""
    _check_file_kind(path)
    from python_calamine import CalamineWorkbook

    info = read_workbook_info(path)
    try:
        calamine = CalamineWorkbook.from_path(str(path))
    except Exception as error:
        message = (
            f"{path}: not a readable Excel workbook ({error}); open it in Excel and save it "
            "again as .xlsx"
        )
        raise WorkbookError(message) from error
    return Workbook(path, info, calamine)


def _check_file_kind(path: Path) -> None:
    """Name what the file really is when it is not an .xlsx, and how to make it one."""
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


@dataclass(frozen=True)
class Tracker:
    """The tracker sheet as read: where its columns are, its contacts, and the tool's cells."""

    sheet: str
    columns: ColumnMap
    contacts: tuple[Contact, ...]
    # row -> the values now in the tool's own cells (status, next follow-up), to write only changes
    current: dict[int, tuple[object, object]]
    date1904: bool


def find_tracker_sheet(workbook: Workbook, requested: str | None) -> tuple[str, ColumnMap]:
    """The sheet to use and its columns: the named one, else the first that is a tracker.

    PRODUCT.md says "the first sheet"; a workbook whose first tab is a dashboard or a notes page
    still works without ``--sheet``, because the first sheet that holds the tracker's headers is
    taken instead.
    """
    if requested is not None:
        name = workbook.find_sheet(requested)
        if name is None:
            listed = ", ".join(f"'{n}'" for n in workbook.sheet_names)
            message = f"{workbook.path} has no sheet '{requested}'; its sheets are {listed}"
            raise UsageError(message)
        head = workbook.head(name, HEADER_SEARCH_ROWS)
        columns = locate_columns(name, head)
        if columns is None:
            raise NotATrackerError(_not_a_tracker(workbook.path, name, head))
        return name, columns
    candidates = [
        s.name
        for s in workbook.info.sheets
        if s.kind == "worksheet" and s.name.casefold() not in SPECIAL_SHEETS
    ]
    for name in candidates:
        columns = locate_columns(name, workbook.head(name, HEADER_SEARCH_ROWS))
        if columns is not None:
            return name, columns
    if not candidates:
        message = f"{workbook.path}: no worksheet to use as a tracker"
        raise NotATrackerError(message)
    first = candidates[0]
    head = workbook.head(first, HEADER_SEARCH_ROWS)
    raise NotATrackerError(_not_a_tracker(workbook.path, first, head))


def _not_a_tracker(path: Path, sheet: str, rows: Sequence[Sequence[object]]) -> str:
    seen: dict[int, str] = {}
    for cells in rows[:HEADER_SEARCH_ROWS]:
        if seen := header_texts(cells):
            break
    found = ", ".join(f"'{t}'" for t in seen.values()) or "no headers at all"
    wanted = "; ".join(f"{display_name(f)} ({accepted_aliases(f)})" for f in REQUIRED)
    return (
        f"{path}: sheet '{sheet}' is not a tracker: no row holds the Company, Contact and "
        f"Interview date headers (found {found}). Name the columns: {wanted}"
    )


def locate_columns(sheet: str, rows: Sequence[Sequence[object]]) -> ColumnMap | None:
    """Find the header row (the first holding Company and Contact) and map its columns.

    None when no row has both headers; an error when the header row is there but unusable.
    """
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        found, duplicates = match_header_row(cells)
        if "company" not in found or "contact" not in found:
            continue
        texts = header_texts(cells)
        if duplicates:
            dup = duplicates[0]
            message = (
                f"{sheet}!{column_letter(dup.first)}{index} '{texts[dup.first]}' and "
                f"{sheet}!{column_letter(dup.second)}{index} '{texts[dup.second]}' both look like "
                f"the {display_name(dup.field)} column; rename one of them"
            )
            raise NotATrackerError(message)
        if "interview_date" not in found:
            message = (
                f"sheet '{sheet}' has no Interview date column in its header row {index}; "
                f"name one of its columns {accepted_aliases('interview_date')}"
            )
            raise NotATrackerError(message)
        return ColumnMap(header_row=index, columns=found, headers=texts)
    return None


def read_tracker(
    workbook: Workbook,
    sheet: str,
    columns: ColumnMap,
    *,
    date_order: DateOrder,
    today: dt.date,
) -> Tracker:
    """Every non-empty row under the header as a Contact; unreadable cells become problems.

    The sheet is released afterwards: its parsed cells are the largest thing a run holds, and
    nothing later needs them.
    """
    reader = _RowReader(sheet, columns, workbook.info.date1904, date_order, today)
    contacts: list[Contact] = []
    current: dict[int, tuple[object, object]] = {}
    status_col = columns.columns.get("status")
    next_col = columns.columns.get("next_follow_up")
    for row_number, cells in enumerate(workbook.iter_rows(sheet), start=1):
        if row_number <= columns.header_row:
            continue
        contact = reader.contact(row_number, cells)
        if contact is None:
            continue
        contacts.append(contact)
        current[row_number] = (_value(cells, status_col), _value(cells, next_col))
    workbook.release(sheet)
    return Tracker(sheet, columns, tuple(contacts), current, workbook.info.date1904)


def _cell(cells: Sequence[object], column: int | None) -> object:
    if column is None or column > len(cells):
        return None
    return cells[column - 1]


def _value(cells: Sequence[object], column: int | None) -> object:
    """A cell of a streamed row, where calamine gives "" for an empty cell."""
    value = _cell(cells, column)
    return None if value == "" else value


class _RowReader:
    """Turns one sheet's rows into Contacts, with the column lookups done once per sheet.

    A large tracker has a hundred thousand rows; everything that is the same for every row
    (which list index holds which field, the cell letters for messages) is worked out here.
    """

    def __init__(
        self,
        sheet: str,
        columns: ColumnMap,
        date1904: bool,
        date_order: DateOrder,
        today: dt.date,
    ) -> None:
        found = columns.columns
        self.sheet = sheet
        self.date1904 = date1904
        self.date_order = date_order
        self.today = today
        self.text_fields = tuple((name, found[name] - 1) for name in _TEXT_FIELDS if name in found)
        self.date_fields = tuple((name, found.get(name)) for name in _DATE_FIELDS)
        keep = found.get("keep_in_touch")
        self.keep_index = None if keep is None else keep - 1
        self.input_indexes = tuple(found[name] - 1 for name in _INPUT_FIELDS if name in found)
        # Companies, positions, stages and gifts repeat down a tracker: one string for each.
        self.shared: dict[str, str] = {}
        # One map shared by every Contact of the sheet: field -> column letters.
        self.letters = {name: column_letter(col) for name, col in found.items() if name in FIELDS}

    def contact(self, row_number: int, cells: Sequence[object]) -> Contact | None:
        width = len(cells)
        if not any(_filled(cells[index]) for index in self.input_indexes if index < width):
            return None
        shared = self.shared
        fields: dict[str, object] = {
            name: shared.setdefault(text, text)
            for name, index in self.text_fields
            if index < width and (text := _text(cells[index]))
        }
        if self.keep_index is not None and self.keep_index < width:
            keep = cells[self.keep_index]
            fields["keep_in_touch"] = keep is True or _text(keep).casefold() in _YES
        problems: list[str] = []
        for name, column in self.date_fields:
            value = _cell(cells, column)
            if value is None:
                continue
            try:
                fields[name] = parse_date(value, order=self.date_order, date1904=self.date1904)
            except NotADateError as error:
                ref = f"{self.sheet}!{self.letters[name]}{row_number}"
                problems.append(
                    f"{ref}: {error} is not a date; write it as a date like {self.today:%Y-%m-%d}"
                )
        return Contact(
            row=row_number,
            problems=tuple(problems),
            sheet=self.sheet,
            letters=self.letters,
            **fields,  # type: ignore[arg-type]
        )


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    if type(value) is str:  # most cells: checked first
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


GIFTS_SHEET = "Gifts"
LOG_SHEET = "Log"


def locate_small_sheet(
    workbook: Workbook, name: str, fields: dict[str, tuple[str, tuple[str, ...]]], needed: str
) -> tuple[str, int, dict[str, int], list[list[object]]] | None:
    """A Gifts or Log sheet: its real name, header row, columns and cells; None when absent."""
    sheet = workbook.find_sheet(name)
    if sheet is None:
        return None
    rows = workbook.rows(sheet)
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        found = match_fields(cells, fields)
        if needed in found:
            return sheet, index, found, rows
    return None


def read_gifts(workbook: Workbook, *, date_order: DateOrder, problems: list[str]) -> list[Gift]:
    """The Gifts sheet's rows, in sheet order; an unreadable Sent on is reported, not fatal."""
    found = locate_small_sheet(workbook, GIFTS_SHEET, GIFT_FIELDS, "gift")
    if found is None:
        return []
    sheet, header, columns, rows = found
    gifts: list[Gift] = []
    for number in range(header + 1, len(rows) + 1):
        cells = rows[number - 1]
        text = {
            k: _text(_cell(cells, columns.get(k)))
            for k in ("gift", "contact", "company", "link", "why")
        }
        if not text["gift"] and not text["link"]:
            continue
        sent_on = None
        try:
            sent_on = parse_date(
                _cell(cells, columns.get("sent_on")),
                order=date_order,
                date1904=workbook.info.date1904,
            )
        except NotADateError as error:
            ref = f"{sheet}!{column_letter(columns['sent_on'])}{number}"
            problems.append(f"{ref}: {error} is not a date; the gift counts as sent")
            sent_on = dt.date.min
        if not text["contact"] and not text["company"]:
            ref = f"{sheet}!{column_letter(columns.get('contact', 1))}{number}"
            problems.append(f"{ref}: the gift '{text['gift']}' names no contact or company")
            continue
        gifts.append(Gift(row=number, sent_on=sent_on, **text))
    return gifts


def read_log(workbook: Workbook, *, date_order: DateOrder, problems: list[str]) -> list[LogEntry]:
    """The Log sheet's lines; a line without a readable date is reported and left out."""
    found = locate_small_sheet(workbook, LOG_SHEET, LOG_FIELDS, "kind")
    if found is None:
        return []
    sheet, header, columns, rows = found
    entries: list[LogEntry] = []
    for number in range(header + 1, len(rows) + 1):
        cells = rows[number - 1]
        text = {
            k: _text(_cell(cells, columns.get(k)))
            for k in ("company", "contact", "kind", "gift", "draft", "idea")
        }
        if not any(text.values()):
            continue
        try:
            day = parse_date(
                _cell(cells, columns.get("date")), order=date_order, date1904=workbook.info.date1904
            )
        except NotADateError:
            day = None
        if day is None:
            ref = f"{sheet}!{column_letter(columns.get('date', 1))}{number}"
            problems.append(f"{ref}: a Log line without a date is left out")
            continue
        text["kind"] = normalize_kind(text["kind"])
        entries.append(LogEntry(day=day, **text))
    return entries


def normalize_kind(kind: str) -> str:
    """ "Thank-you" or "thank_you" -> "thank_you", as the Log may be typed by hand."""
    return "_".join(kind.casefold().replace("-", " ").split())
