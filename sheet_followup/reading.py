"""Read a tracker workbook into Contact records that remember their cells.

python-calamine does the reading: it is a Rust reader that is many times faster than openpyxl and
returns formulas' cached values, which is what the user sees in Excel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheet_followup.columns import (
    FIELDS,
    GIFT_FIELDS,
    LOG_FIELDS,
    ColumnMap,
    column_letter,
    display_name,
    match_fields,
)
from sheet_followup.dates import DateOrder, NotADateError, numeric_order, parse_date
from sheet_followup.errors import (
    NotATrackerError,
    SheetTooBigError,
    UsageError,
    WorkbookError,
    from_xlsx,
)
from sheet_followup.layout import (
    HEADER_SEARCH_ROWS,
    SAMPLE_ROWS,
    SheetLayout,
    best_layout,
    dates_in,
    is_blank,
    judge_layout,
    missing_fields_text,
)
from sheet_followup.models import Contact, Gift, LogEntry
from sheet_followup.people import Person, addresses_in, people_in
from sheet_followup.settings import (
    SETTINGS_SHEET,
    SettingRow,
    parse_yes_no,
    settings_rows_from_cells,
)
from sheet_followup.stages import Vocabulary
from sheet_followup.xlsx.extent import sheet_extent
from sheet_followup.xlsx.markup import unescape_xml
from sheet_followup.xlsx.workbook import WorkbookInfo, read_workbook_info

# Sheets with a meaning of their own; never mistaken for the tracker.
SPECIAL_SHEETS = frozenset({"settings", "gifts", "log"})

# Fields read from one column as text; the person, email and stage columns may be several.
_TEXT_FIELDS = ("company", "position", "interests", "gift", "why_fit", "idea")
_DATE_FIELDS = ("interview_date", "last_contact", "pause_until")
_INPUT_FIELDS = (*_TEXT_FIELDS, *_DATE_FIELDS, "thank_you")
# Where a note sent may be logged in words with its day: "Thank-you email 03/10/2026".
_IN_WORDS = frozenset({"last_contact"})
# Whether one of several stage columns says the application is over ("Status: Applied",
# "Result: Rejected"): the default words only, the user's own are for the rules.
_DEFAULT_VOCABULARY = Vocabulary()

# The most cells a sheet's grid may span (its values' last row times last column): a million
# rows of twenty columns. calamine makes room for the whole grid, about 32 bytes a cell.
MAX_GRID_CELLS = 20_000_000

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
    _sized: dict[str, int] = field(default_factory=dict)  # sheet -> its grid's cells, at most
    notices: list[str] = field(default_factory=list)  # sheets left out, said as warnings

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
            far = [extent.last_row_cell, extent.last_column_cell]
            where = " and ".join(dict.fromkeys(f"{sheet}!{cell}" for cell in far))
            message = (
                f"{self.path.name}: {where} holds a value far outside the rest of the sheet, "
                f"which makes it {extent.rows:,} rows by {extent.columns:,} columns "
                f"({extent.cells:,} cells), too many to read; clear that cell (in Excel, "
                "Ctrl+End goes to the last cell) and run again"
            )
            raise SheetTooBigError(message)
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


def _without_macro_sheets(path: Path, info: WorkbookInfo) -> io.BytesIO:
    """The workbook in memory with the sheets calamine cannot read left out of its sheet list,
    for reading only."""
    import re as regex

    macro = {sheet.name for sheet in info.sheets if sheet.kind in _UNREADABLE_KINDS}
    copy = io.BytesIO()
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/workbook.xml" or item.filename.endswith("/workbook.xml"):

                def drop(match: regex.Match[bytes]) -> bytes:
                    name = regex.search(rb'name="([^"]*)"', match.group())
                    shown = unescape_xml(name.group(1)) if name else ""
                    return b"" if shown in macro else match.group()

                data = regex.sub(rb"<(?:\w+:)?sheet\b[^>]*/>", drop, data)
            new.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    copy.seek(0)
    return copy


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
    # row -> the values now in the tool's own cells (status, next follow-up, draft): to write
    # only what changes, and to find the draft a row's note went out in
    current: dict[int, tuple[object, object, object]]
    date1904: bool
    # What the reading noticed about the whole sheet: columns that look like a field but are not
    # used, a date order that had to be guessed.
    warnings: tuple[str, ...] = ()
    date_order: DateOrder = DateOrder.MDY  # the order most of its typed dates were read in


def find_tracker_sheet(
    workbook: Workbook,
    requested: str | None,
    column_map: Mapping[str, str] | None = None,
    *,
    today: dt.date,
) -> SheetLayout:
    """The sheet to use and its columns: the named one, else the one that matches best.

    Every worksheet but Settings, Gifts and Log is judged, so a workbook whose first tab is a
    dashboard or last year's search still works without ``--sheet``: the sheet whose headers
    name the most fields wins, the first of equals.
    """
    layouts = judge_sheets(workbook, requested, column_map, today=today)
    chosen = best_layout(layouts)
    assert chosen is not None
    if not chosen.is_tracker:
        raise NotATrackerError(not_a_tracker_message(workbook.path, chosen, layouts))
    if chosen.duplicate:
        raise NotATrackerError(chosen.duplicate)
    return chosen


def judge_sheets(
    workbook: Workbook,
    requested: str | None,
    column_map: Mapping[str, str] | None = None,
    *,
    today: dt.date,
) -> list[SheetLayout]:
    """The layout of the named sheet, or of every sheet that could be the tracker."""
    if requested is not None:
        name = workbook.find_sheet(requested)
        if name is None:
            listed = ", ".join(f"'{n}'" for n in workbook.sheet_names)
            message = f"{workbook.path} has no sheet '{requested}'; its sheets are {listed}"
            raise UsageError(message)
        names = [name]
    else:
        names = [
            s.name
            for s in workbook.info.sheets
            if s.kind == "worksheet" and s.name.casefold() not in SPECIAL_SHEETS
        ]
    if not names:
        message = f"{workbook.path}: no worksheet to use as a tracker"
        raise NotATrackerError(message)
    layouts = []
    too_big: list[SheetTooBigError] = []
    for name in names:
        try:
            head = workbook.head(name, HEADER_SEARCH_ROWS + SAMPLE_ROWS)
        except SheetTooBigError as error:
            too_big.append(error)
            continue
        layouts.append(
            judge_layout(name, head, column_map, today=today, date1904=workbook.info.date1904)
        )
    if not layouts:
        raise too_big[0]
    # Another sheet may still be the tracker; the one too big to read is said, not judged.
    workbook.notices.extend(f"{error}; the sheet was not looked at" for error in too_big)
    return layouts


def not_a_tracker_message(path: Path, closest: SheetLayout, layouts: Sequence[SheetLayout]) -> str:
    """Short, and leading somewhere: what is missing, where the tool looked, what to do next."""
    looked = ", ".join(f"'{layout.sheet}'" for layout in layouts)
    if closest.header_row is None:
        found = f"no row of sheet '{closest.sheet}' holds headers the tool knows"
    else:
        shown = [f"'{text}'" for text in closest.headers.values()]
        if len(shown) > 8:
            shown = [*shown[:8], f"and {len(shown) - 8} more"]
        found = (
            f"sheet '{closest.sheet}' comes closest: its header row {closest.header_row} "
            f"({', '.join(shown)}) has no {missing_fields_text(closest.missing)} column"
        )
        # A column the content check turned down is what the user will look at first.
        wanted = tuple(f" looks like {display_name(name)}," for name in closest.missing)
        why = [n for n in closest.notices if any(w in n for w in wanted) and " holds " in n]
        if why:
            found += f" ({why[0]})"
    return (
        f"{path} is not a tracker yet: {found}. Sheets looked at: {looked}. To add the missing "
        f"columns, run: sheet-followup adopt {_quoted(path)} (or rename a column, or add "
        "`Column: Contact = <your header>` to a Settings sheet)"
    )


def _quoted(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if " " in text else text


def read_tracker(
    workbook: Workbook,
    layout: SheetLayout | ColumnMap,
    *,
    date_order: DateOrder | None,
    today: dt.date,
    sheet: str | None = None,
) -> Tracker:
    """Every non-empty row under the header as Contacts; unreadable cells become problems.

    ``date_order`` None reads each column's typed dates in the order its unambiguous ones
    show (25/11/2026 is day first), else the order the sheet's other date columns show, else
    month first, with a warning that it had to be guessed.

    The sheet is released afterwards: its parsed cells are the largest thing a run holds, and
    nothing later needs them.
    """
    if isinstance(layout, SheetLayout):
        sheet, columns, notices = layout.sheet, layout.column_map(), list(layout.notices)
    else:
        assert sheet is not None
        columns, notices = layout, []
    reader = _RowReader(sheet, columns, workbook.info.date1904, date_order, today)
    contacts: list[Contact] = []
    current: dict[int, tuple[object, object, object]] = {}
    status_col = columns.columns.get("status")
    next_col = columns.columns.get("next_follow_up")
    draft_col = columns.columns.get("draft")
    for row_number, cells in enumerate(workbook.iter_rows(sheet), start=1):
        if row_number <= columns.header_row:
            continue
        people = reader.contacts(row_number, cells, len(contacts))
        if not people:
            continue
        contacts.extend(people)
        current[row_number] = (
            _value(cells, status_col),
            _value(cells, next_col),
            _value(cells, draft_col),
        )
    workbook.release(sheet)
    order, order_warnings = reader.settle_date_order(contacts)
    if "interview_date" not in columns.columns:
        notices.append(
            f"sheet '{sheet}' has no Interview date column, so every row is No interview yet; "
            f"run `sheet-followup adopt {_quoted(workbook.path)}` to add it (and the other "
            "columns the tool reads), then fill in the day of each interview"
        )
    return Tracker(
        sheet,
        columns,
        tuple(contacts),
        current,
        workbook.info.date1904,
        tuple(notices + order_warnings),
        order,
    )


def _cell(cells: Sequence[object], column: int | None) -> object:
    if column is None or column > len(cells):
        return None
    return cells[column - 1]


def _value(cells: Sequence[object], column: int | None) -> object:
    """A cell of a streamed row, where calamine gives "" for an empty cell."""
    value = _cell(cells, column)
    return None if value == "" else value


@dataclass
class _OrderEvidence:
    """What one date column's typed dates say about day-first or month-first."""

    day_first: int = 0
    month_first: int = 0
    ambiguous: int = 0


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
        date_order: DateOrder | None,
        today: dt.date,
    ) -> None:
        found = columns.columns
        self.sheet = sheet
        self.date1904 = date1904
        self.fixed_order = date_order
        self.order = date_order or DateOrder.MDY  # until the columns have said otherwise
        self.today = today
        self.text_fields = tuple((name, found[name] - 1) for name in _TEXT_FIELDS if name in found)
        self.person_columns = columns.sources("contact")
        self.fallback_columns = columns.fallback
        self.flags = columns.flags
        self.email_columns = columns.sources("email")
        self.stage_columns = columns.sources("stage")
        self.date_sources = tuple(
            (name, columns.sources(name)) for name in _DATE_FIELDS if columns.sources(name)
        )
        self.thank_you = found.get("thank_you")
        keep = found.get("keep_in_touch")
        self.keep_index = None if keep is None else keep - 1
        inputs = [found[name] for name in _INPUT_FIELDS if name in found]
        inputs += [c for _, sources in self.date_sources for c in sources]
        inputs += [*self.person_columns, *self.email_columns, *self.stage_columns]
        inputs += [*self.fallback_columns, *(column for column, _ in self.flags)]
        self.input_indexes = tuple(sorted({column - 1 for column in inputs}))
        # Companies, positions, stages and gifts repeat down a tracker: one string for each.
        self.shared: dict[str, str] = {}
        # One map shared by every Contact of the sheet: field -> column letters.
        self.letters = {name: column_letter(col) for name, col in found.items() if name in FIELDS}
        self.evidence: dict[int, _OrderEvidence] = {}
        self.orders: dict[int, DateOrder] = {}  # once settled: each date column's order
        # Rows whose typed dates could be read either way: (first contact index, count, cells).
        self.unsettled: list[tuple[int, int, int, Sequence[object]]] = []

    def contacts(self, row_number: int, cells: Sequence[object], first: int) -> list[Contact]:
        """The row's contacts (one per person its person cell names), or none for a blank row."""
        width = len(cells)
        if not any(
            _filled(cells[index]) and not is_blank(cells[index])
            for index in self.input_indexes
            if index < width
        ):
            return []
        shared = self.shared
        fields: dict[str, object] = {}
        for name, index in self.text_fields:
            if index < width and (text := _text(cells[index])):
                # Companies and positions repeat down a tracker: each text is judged once.
                kept = shared.get(text)
                if kept is None:
                    kept = shared[text] = "" if is_blank(text) else text
                if kept:
                    fields[name] = kept
        stage = self._stage(cells)
        if stage:
            fields["stage"] = shared.setdefault(stage, stage)
        if self.keep_index is not None and self.keep_index < width:
            fields["keep_in_touch"] = parse_yes_no(cells[self.keep_index]) is True
        problems: list[str] = []
        remarks: list[str] = []
        ambiguous = self._dates(row_number, cells, fields, problems, remarks)
        people = self._people(row_number, cells, str(fields.get("company", "")), remarks)
        made = [
            Contact(
                row=row_number,
                problems=tuple(problems),
                remarks=tuple(remarks),
                sheet=self.sheet,
                letters=self.letters,
                **fields,  # type: ignore[arg-type]
                **person,  # type: ignore[arg-type]
            )
            for person in people
        ]
        if ambiguous:
            self.unsettled.append((first, len(made), row_number, list(cells)))
        return made

    def _stage(self, cells: Sequence[object]) -> str:
        """The row's stage: the first stage column's, unless another says it is over (a
        "Result" column, a "Rejected" tick, an "Active" column saying no)."""
        if len(self.stage_columns) == 1 and not self.flags:
            text = _text(_cell(cells, self.stage_columns[0]))
            return "" if not text or is_blank(text) else text
        texts = [
            text
            for column in self.stage_columns
            if (text := _text(_cell(cells, column))) and not is_blank(text)
        ]
        for column, meaning in self.flags:
            ticked = parse_yes_no(_cell(cells, column))
            if ticked is None:
                continue
            if meaning.startswith("!"):
                if not ticked:
                    texts.append(meaning[1:])
            elif ticked:
                texts.append(meaning)
        if len(texts) > 1:
            closed = [text for text in texts if _DEFAULT_VOCABULARY.is_closed(text)]
            return closed[0] if closed else texts[0]
        return texts[0] if texts else ""

    def _dates(
        self,
        row_number: int,
        cells: Sequence[object],
        fields: dict[str, object],
        problems: list[str],
        remarks: list[str],
    ) -> bool:
        """Each date field's latest date over its columns; True when a typed one was ambiguous."""
        ambiguous = False
        for name, sources in self.date_sources:
            latest: dt.date | None = None
            for position, column in enumerate(sources):
                value = _cell(cells, column)
                if value is None or value == "" or is_blank(value):
                    continue
                if self.fixed_order is None:
                    ambiguous |= self._note_order(column, value)
                try:
                    days = dates_in(
                        value, self._order_of(column), self.date1904, in_words=name in _IN_WORDS
                    )
                except NotADateError as error:
                    ref = f"{self.sheet}!{column_letter(column)}{row_number}"
                    if position > 0 and not error.hint:
                        # One of several columns ("2nd interview" holding "yes"): a remark.
                        remarks.append(f"{ref}: {error} is not a date, so it is not counted")
                        continue
                    hint = error.hint or "write it as a date"
                    problems.append(
                        f"{ref}: {error} is not a date; {hint} like {self.today:%Y-%m-%d}"
                    )
                    continue
                if days and (latest is None or max(days) > latest):
                    latest = max(days)
            if latest is not None:
                fields[name] = latest
        if self.thank_you is not None:
            ambiguous |= self._thank_you(cells, fields)
        return ambiguous

    def _thank_you(self, cells: Sequence[object], fields: dict[str, object]) -> bool:
        """A Thank-you sent column: a tick, or a date (a note sent that day, too)."""
        column = self.thank_you
        assert column is not None
        value = _cell(cells, column)
        if value is None or is_blank(value):
            return False
        answer = parse_yes_no(value)
        if answer is not None:
            fields["thanked"] = answer
            return False
        ambiguous = self.fixed_order is None and self._note_order(column, value)
        try:
            days = dates_in(value, self._order_of(column), self.date1904, in_words=True)
        except NotADateError:
            days = []
        if days:
            fields["thanked"] = True
            last = fields.get("last_contact")
            if not isinstance(last, dt.date) or max(days) > last:
                fields["last_contact"] = max(days)
            return ambiguous
        text = _text(value).casefold()
        fields["thanked"] = not text.startswith(("no", "not", "pending", "to do", "todo"))
        return False

    def _people(
        self, row_number: int, cells: Sequence[object], company: str, remarks: list[str]
    ) -> list[dict[str, object]]:
        """Each person of the row's person columns, with their address."""
        people: list[Person] = []
        groups: list[tuple[int, ...]] = [(c,) for c in self.fallback_columns]
        if len(self.person_columns) == 1:  # most trackers: one person column
            text = _text(_cell(cells, self.person_columns[0]))
            if text and not is_blank(text):
                people = list(people_in(text, company))
        else:
            groups.insert(0, self.person_columns)
        for columns in groups:
            if people:
                break
            people = [
                person
                for column in columns
                if (text := _text(_cell(cells, column))) and not is_blank(text)
                for person in people_in(text, company)
            ]
            if people:
                break
        email_texts = [
            text
            for column in self.email_columns
            if (text := _text(_cell(cells, column))) and not is_blank(text)
        ]
        addresses = [a for text in email_texts for a in addresses_in(text)]
        if not people:
            return [{"email": email_texts[0] if email_texts else ""}]
        if len(people) == 1:  # most rows: one person, the first address (or what is there)
            person = people[0]
            email = addresses[0] if addresses else person.email
            return [
                {
                    "contact": person.shown,
                    "title": person.title,
                    "greet": person.greet,
                    "email": email or (email_texts[0] if email_texts else ""),
                }
            ]
        emails = _pair_addresses(people, addresses)
        missing = [p.shown for p, e in zip(people, emails, strict=True) if not e]
        if addresses and missing:
            where = f"{self.sheet}!{self.letters.get('email', '')}{row_number}"
            remarks.append(
                f"{where}: {len(addresses)} address{'es' if len(addresses) != 1 else ''} for "
                f"{len(people)} people; no address for {', '.join(missing)} (list the addresses "
                "in the same order as the names)"
            )
        return [
            {
                "contact": person.shown,
                "title": person.title,
                "greet": person.greet,
                "email": email,
                "slot": slot,
                "slots": len(people),
            }
            for slot, (person, email) in enumerate(zip(people, emails, strict=True))
        ]

    def _order_of(self, column: int | None) -> DateOrder:
        return self.orders.get(column or 0, self.order)

    def _note_order(self, column: int, value: object) -> bool:
        said = numeric_order(value)
        if said is None:
            return False
        evidence = self.evidence.setdefault(column, _OrderEvidence())
        if said is True:
            evidence.ambiguous += 1
            return True
        if said is DateOrder.DMY:
            evidence.day_first += 1
        else:
            evidence.month_first += 1
        return False

    def settle_date_order(self, contacts: list[Contact]) -> tuple[DateOrder, list[str]]:
        """Decide the order of the typed dates and read the ambiguous ones again if needed."""
        if self.fixed_order is not None:
            return self.fixed_order, []
        day_first = sum(e.day_first for e in self.evidence.values())
        month_first = sum(e.month_first for e in self.evidence.values())
        sheet_order = DateOrder.DMY if day_first > month_first else DateOrder.MDY
        warnings: list[str] = []
        orders: dict[int, DateOrder] = {}
        for column, evidence in sorted(self.evidence.items()):
            where = f"{self.sheet}!{column_letter(column)}"
            if evidence.day_first and evidence.month_first:
                order = (
                    DateOrder.DMY if evidence.day_first > evidence.month_first else DateOrder.MDY
                )
                warnings.append(
                    f"{where}: some dates are written day first and some month first; read as "
                    f"{_order_words(order)}; write the others as 2026-11-03 to be sure"
                )
            elif evidence.day_first or evidence.month_first:
                order = DateOrder.DMY if evidence.day_first else DateOrder.MDY
            elif day_first or month_first:
                order = sheet_order  # the sheet's other columns tell
            else:
                order = DateOrder.MDY
                if evidence.ambiguous:
                    warnings.append(
                        f"{where}: dates like 03/04/2026 could be 3 April or 4 March; they are "
                        "read month first; if you write the day first, add `Date order: DMY` "
                        "to Settings"
                    )
            orders[column] = order
        if any(order is not DateOrder.MDY for order in orders.values()):
            self._read_again(contacts, orders)
        settled = (
            DateOrder.DMY
            if orders and all(o is DateOrder.DMY for o in orders.values())
            else (sheet_order if (day_first or month_first) else DateOrder.MDY)
        )
        return settled, warnings

    def _read_again(self, contacts: list[Contact], orders: Mapping[int, DateOrder]) -> None:
        """The rows read month first whose columns turned out to be day first."""
        self.orders = dict(orders)
        names = [name for name, _ in self.date_sources]
        for first, count, row_number, cells in self.unsettled:
            fields: dict[str, object] = {}
            self._dates(row_number, cells, fields, [], [])
            changes = {name: fields.get(name) for name in names}
            for index in range(first, first + count):
                contacts[index] = dataclasses.replace(contacts[index], **changes)  # type: ignore[arg-type]


def _order_words(order: DateOrder) -> str:
    return "day first" if order is DateOrder.DMY else "month first"


def _pair_addresses(people: Sequence[Person], addresses: Sequence[str]) -> list[str]:
    """Each person's address from the Email cells: the one that carries their name, else the
    one in the same place as their name; an address in the person's own cell only fills in
    for a person the Email cells give none."""
    by_name = [""] * len(people)
    rest = list(addresses)
    for index, person in enumerate(people):
        words = [w for w in re.split(r"[\W_]+", person.shown.casefold()) if len(w) > 1]
        for address in rest:
            local = address.split("@")[0].casefold()
            if any(word in local for word in words):
                by_name[index] = address
                rest.remove(address)
                break
    if all(by_name) or len(addresses) != len(people):
        emails = by_name
        if len(people) == 1 and not emails[0] and addresses:
            emails = [addresses[0]]
    else:
        emails = list(addresses)  # listed in the same order as the names
    return [email or person.email for email, person in zip(emails, people, strict=True)]


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


# Control characters in a cell (an escaped _x001B_ in the file) are no text: an ESC sequence
# would drive the terminal the summary is shown in. Each becomes a space; line breaks stay.
_CONTROLS = dict.fromkeys((*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)), " ")


def _text(value: object) -> str:
    if type(value) is str:  # most cells: checked first
        if not value.isprintable():
            value = value.translate(_CONTROLS)
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
        text["contact"] = canonical_name(text["contact"], text["company"])
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
        text["contact"] = canonical_name(text["contact"], text["company"])
        entries.append(LogEntry(day=day, **text))
    return entries


def canonical_name(text: str, company: str = "") -> str:
    """A Log's or a Gifts sheet's person as the tracker's rows name them ("Linda Hayes" for
    "Linda Hayes, HR Director"), so that both are about the same contact."""
    people = people_in(text, company)
    return people[0].shown if people else text


def normalize_kind(kind: str) -> str:
    """ "Thank-you" or "thank_you" -> "thank_you", as the Log may be typed by hand."""
    return "_".join(kind.casefold().replace("-", " ").split())
