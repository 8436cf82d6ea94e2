"""Planning the tool's cells inside one worksheet: which bytes each edit becomes.

The plan is a list of splices into the sheet's XML (see :class:`.sheet_xml.SheetSplice`) and
what each written cell must read back as. Nothing here touches the package or the file: the
:class:`~.edit.WorkbookEditor` gathers the plans of every sheet a command changes and builds
and checks the workbook once.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sheet_followup.xlsx.hyperlinks import SheetHyperlinks
from sheet_followup.xlsx.markup import (
    decode_ooxml_escapes,
    drop_illegal_xml_chars,
    escape_text,
    format_attribute,
    parse_attributes,
    protect_literal_ooxml_escapes,
)
from sheet_followup.xlsx.references import MAX_COLUMN, MAX_ROW, column_letters
from sheet_followup.xlsx.serials import date_to_serial
from sheet_followup.xlsx.shared_strings import SharedStrings
from sheet_followup.xlsx.sheet_xml import CellLocation, CellSpot, WorksheetXml
from sheet_followup.xlsx.splice import SheetSplice
from sheet_followup.xlsx.styles import (
    DEFAULT_DATE_FORMAT_ID,
    StylesEditor,
)
from sheet_followup.xlsx.verify import ExpectedDate, ExpectedValue

# Excel refuses longer cell text; a longer status would make the whole file "need repair".
MAX_CELL_TEXT = 32_767

_ROW_AND_COLUMN = operator.attrgetter("row", "column")
_STRING_TYPES = ("s", "str", "inlineStr")
_VALUE_ATTRIBUTES = (b"t", b"vm", b"cm")  # describe the old value; dropped with it


@dataclass(frozen=True, slots=True)
class CellEdit:
    """One cell to set (1-based row and column).

    ``value`` is text, a date (written as a date serial with a date style) or None (clear the
    value, keep the style). A new cell takes the style of the cell at ``style_like`` (else its
    row's or column's style); a date takes the date format of the cell at
    ``date_format_like`` when that is a date format. ``joins_table`` marks the header cell of
    a column the tool adds: when it sits in an Excel table's header row right after the
    table's last column, the table is widened to include it (see :mod:`.tables`).

    ``hyperlink`` makes the cell an external link to that URL (a relative path such as
    ``drafts/2026-11-23/acme-jane-doe-follow-up.md``, percent-encoded, or an absolute URL);
    the value is the link's text. An edit that clears the cell (value None) also removes the
    cell's own link, since an empty cell that still opens a file is a trap; any other edit with
    ``hyperlink`` None leaves an existing link alone. Only a link on exactly this cell is its
    own: a user's link over a range that covers the cell is never touched (see
    :mod:`.hyperlinks`).

    ``width`` (in characters, as Excel measures columns) goes with the header of a column the
    tool adds: when the header cell is new and no ``<col>`` of the sheet covers the column, the
    column gets that width, so that its dates do not show as ``#####`` in a default-width
    column. A column the user sized stays as it is. ``date_format`` gives a date value's number
    format outright (the workbook's own, found in another sheet). ``dates_below`` marks a new
    header as the head of a column of dates: its new ``<col>`` also gets a date style (the date
    format of the cell at ``date_format_like``, else the default), so that a date typed into
    the column later shows as a date.
    """

    row: int
    column: int
    value: str | dt.date | None
    style_like: tuple[int, int] | None = None
    date_format_like: tuple[int, int] | None = None
    joins_table: bool = False
    hyperlink: str | None = None
    width: float | None = None
    dates_below: bool = False
    date_format: int | None = None  # a date's number format id, over ``date_format_like``


@dataclass(frozen=True)
class SkippedEdit:
    """An edit the tool refused, with the reason a user can act on."""

    row: int
    column: int
    reason: str


def clean_cell_text(text: str) -> str:
    """What a string becomes in the cell: XML-illegal characters dropped, Excel's length cap."""
    return drop_illegal_xml_chars(text)[:MAX_CELL_TEXT]


def last_edit_per_cell(edits: Sequence[CellEdit]) -> list[CellEdit]:
    """The last edit of each cell, in row and column order (the order the planner needs)."""
    by_cell = {(edit.row, edit.column): edit for edit in edits}
    return sorted(by_cell.values(), key=_ROW_AND_COLUMN)


class SheetPlanner:
    """Decides, cell by cell, what to write, and records it in a :class:`SheetSplice`."""

    def __init__(
        self,
        sheet: WorksheetXml,
        styles: StylesEditor,
        date1904: bool,
        shared_strings: Callable[[], SharedStrings | None],
        hyperlinks: Callable[[], SheetHyperlinks],
    ) -> None:
        self.sheet = sheet
        self._load_links = hyperlinks
        self.links: SheetHyperlinks | None = None  # read on the first edit that needs it
        self.expected_links: dict[tuple[int, int], str | None] = {}  # the links that change
        self.styles = styles
        self.date1904 = date1904
        self.shared_strings = shared_strings
        self.splice = SheetSplice(sheet)
        self.skipped: list[SkippedEdit] = []
        self.expected: dict[tuple[int, int], ExpectedValue] = {}  # what each written cell holds
        self.owned: set[tuple[int, int]] = set()  # cells we write or that already say so
        self.headers: dict[tuple[int, int], str] = {}  # new header cells (joins_table) -> text
        self.widths: dict[int, float] = {}  # column -> width, for the tool's new columns
        self.column_formats: dict[int, int] = {}  # column -> style, for new columns of dates
        self.date_format_used: int | None = None  # the first date format taken from a cell
        # Statuses, column styles and date formats repeat down the rows: each is worked out once.
        self._styles_at: dict[tuple[int, int], int | None] = {}
        self._date_formats: dict[int, int] = {}  # style of a date_format_like cell -> format
        self._column_styles: dict[int, int] = {}
        self._clean_texts: dict[str, str] = {}
        # day -> what a date cell of that day reads back as (None before the epoch), made once
        # per day: follow-up dates repeat down the rows, and so would a tuple per cell.
        self._serials: dict[dt.date, ExpectedDate | None] = {}
        self._inline_bodies: dict[str, bytes] = {}
        self._letters: dict[int, bytes] = {}
        # (value, column, style) -> (text, XML before the row number, XML after it)
        self._new_text_cells: dict[tuple[str, int, int], tuple[str, bytes, bytes]] = {}

    @property
    def changed_cells(self) -> int:
        """Cells whose value or link changes."""
        expected = self.expected
        return len(expected) + sum(1 for key in self.expected_links if key not in expected)

    def _style_at(self, row: int, column: int) -> int | None:
        """The style of an existing cell (None when there is no cell there)."""
        key = (row, column)
        if key not in self._styles_at:
            self._styles_at[key] = self.sheet.style_at(row, column)
        return self._styles_at[key]

    def _skip(self, edit: CellEdit, reason: str) -> None:
        self.skipped.append(SkippedEdit(edit.row, edit.column, reason))
        self.owned.discard((edit.row, edit.column))
        self.headers.pop((edit.row, edit.column), None)

    def plan_all(self, edits: Sequence[CellEdit]) -> None:
        """Plan ``edits``, sorted by row and column, in one pass down the sheet.

        Each row is found once; cells right of the row's last cell (the tool's own columns,
        nearly always) are placed without reading the row's other cells, and a status text's
        XML is built once per run. This loop runs once per cell of a 100,000-row tracker, so
        the common case (a new text cell) is written out here rather than in :meth:`_plan`,
        with the same result.
        """
        sheet = self.sheet
        splice = self.splice
        fast = not sheet.merged_ranges
        owned = self.owned
        expected = self.expected
        text_cells = self._new_text_cells
        column_styles = self._column_styles
        row_number = 0
        after_last = CellLocation(None, None, 0)
        last: int | None = None
        row_bytes = b""
        row_style: int | None = None
        appended: list[tuple[int, bytes]] = []  # new cells after the row's last one
        for edit in edits:
            row, column = edit.row, edit.column
            if row != row_number:
                if appended:
                    splice.add_cells(after_last, row_number, appended)
                    appended = []
                if 1 <= row_number <= MAX_ROW:
                    splice.finish_rows(row_number)
                row_number = row
                if not 1 <= row <= MAX_ROW:
                    last = None
                else:
                    row_bytes = b"%d" % row
                    spot = sheet.row(row)
                    if spot is None:
                        after_last = CellLocation(None, None, sheet.row_insert_position(row))
                        last, row_style = 0, None
                    else:
                        after_last = CellLocation(spot, None, spot.content_end)
                        last, row_style = sheet.last_column(spot), spot.style_if_custom
            if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
                self._skip(edit, "is outside the largest sheet Excel allows")
            elif last is None or column <= last:
                self._plan(edit, sheet.locate(row, column))
            elif not fast or edit.style_like is not None or edit.joins_table or edit.width:
                self._plan(edit, after_last)
            elif type(edit.value) is str:
                key = (row, column)
                owned.add(key)
                style = row_style
                if style is None:
                    style = column_styles.get(column)
                    if style is None:
                        style = self._column_style(column)
                if edit.hyperlink is not None and self._plan_link(edit):
                    style = self.styles.link_style(style)
                cached = text_cells.get((edit.value, column, style))
                if cached is None:
                    keep = edit.hyperlink is None
                    cached = self._new_text_cell(edit.value, column, style, keep=keep)
                appended.append((column, cached[1] + row_bytes + cached[2]))
                expected[key] = cached[0]
            else:
                xml = self._plan_new(edit, after_last, row_bytes, row_style)
                if xml is not None:
                    appended.append((column, xml))
        if appended:
            splice.add_cells(after_last, row_number, appended)

    def _column_style(self, column: int) -> int:
        """The style Excel gives a new cell in a row without a style of its own."""
        found = self.sheet.column_style(column)
        style = self._column_styles[column] = found if found is not None else 0
        return style

    def _new_text_cell(
        self, value: str, column: int, style: int, *, keep: bool
    ) -> tuple[str, bytes, bytes]:
        """(text, XML before the row number, XML after it) of a new text cell, as _write
        would write it; kept for the next row when ``keep`` (statuses repeat, while the name
        of a draft a cell links to is written once)."""
        prefix = self.sheet.prefix
        text = clean_cell_text(value)
        cached = (
            text,
            b'<%sc r="%s' % (prefix, self._column_letters(column)),
            b'"%s t="inlineStr">%s</%sc>'
            % (b' s="%d"' % style if style else b"", _inline_string(prefix, text), prefix),
        )
        if keep:
            self._new_text_cells[(value, column, style)] = cached
        return cached

    def _plan_new(
        self, edit: CellEdit, location: CellLocation, row_bytes: bytes, row_style: int | None
    ) -> bytes | None:
        """The XML of a new date cell right of its row's last one (as :meth:`_plan` would
        write it), else plan the edit through :meth:`_plan` and return None."""
        value = edit.value
        if value is None or isinstance(value, str):
            self._plan(edit, location)
            return None
        known = self._expected_date(value)
        if known is None:
            self._plan(edit, location)  # a date before the workbook's epoch: skipped there
            return None
        key = (edit.row, edit.column)
        self.owned.add(key)
        if edit.hyperlink is not None:
            self._plan_link(edit)
        column = edit.column
        style = row_style
        if style is None:
            style = self._column_styles.get(column)
            if style is None:
                style = self._column_style(column)
        style = self.styles.date_style(style, self._date_format(edit))
        prefix = self.sheet.prefix
        self.expected[key] = known
        serial = known.serial
        return b'<%sc r="%s%s"%s><%sv>%d</%sv></%sc>' % (
            prefix,
            self._column_letters(column),
            row_bytes,
            b' s="%d"' % style if style else b"",
            prefix,
            serial,
            prefix,
            prefix,
        )

    def _plan(self, edit: CellEdit, location: CellLocation) -> None:
        """Plan one edit of the cell at ``location`` (see :meth:`WorksheetXml.locate`)."""
        merged = self.sheet.merged_range_hiding(edit.row, edit.column)
        if merged is not None:
            self._skip(edit, f"is inside the merged range {merged}")
            return
        cell = location.cell
        content = self.sheet.content(cell) if cell is not None else None
        if content is not None and content.formula is not None:
            shown = f"={content.formula}" if content.formula else "a shared formula"
            self._skip(edit, f"holds a formula ({shown}); the tool never overwrites formulas")
            return

        value = edit.value
        self.owned.add((edit.row, edit.column))
        if edit.joins_table and isinstance(value, str):
            self.headers[(edit.row, edit.column)] = clean_cell_text(value)
        if edit.width is not None and (
            content is None or (content.value is None and content.inline_text is None)
        ):
            # A new header: no cell there, or an empty one (a header row formatted across).
            self.widths[edit.column] = edit.width
            if edit.dates_below:
                date_format = self._date_format(edit)
                self.column_formats[edit.column] = self.styles.date_style(0, date_format)
        linked = False
        if edit.hyperlink is not None or value is None:
            linked = self._plan_link(edit) and edit.hyperlink is not None
        if value is None:
            if (
                cell is None
                or content is None
                or (content.value is None and content.inline_text is None)
            ):
                return
            self._write(edit, location, None, cell.style if cell else 0, None)
            self.expected[(edit.row, edit.column)] = None
        elif isinstance(value, str):
            text = self._clean_texts.get(value)
            if text is None:
                text = self._clean_texts[value] = clean_cell_text(value)
            if cell is not None and self._current_text(cell) == text:
                return
            if cell is not None:
                style = cell.style  # the user's, or the link look the tool gave it before
            else:
                style = self._new_cell_style(edit, location)
                if linked:
                    style = self.styles.link_style(style)
            self._write(edit, location, text, style, None)
            self.expected[(edit.row, edit.column)] = text
        else:
            known = self._expected_date(value)
            if known is None:
                system = "1904" if self.date1904 else "1900"
                self._skip(
                    edit,
                    f"cannot hold {value.isoformat()}: "
                    f"the workbook's {system} date system starts later",
                )
                return
            serial = known.serial
            base = cell.style if cell is not None else self._new_cell_style(edit, location)
            if (
                cell is not None
                and content is not None
                and cell.cell_type == "n"
                and _same_number(content.value, serial)
                and self.styles.is_date_style(cell.style)
            ):
                return
            style = self.styles.date_style(base, self._date_format(edit))
            self._write(edit, location, None, style, serial)
            self.expected[(edit.row, edit.column)] = known

    def _expected_date(self, day: dt.date) -> ExpectedDate | None:
        """What a date cell of ``day`` reads back as; None before the workbook's epoch."""
        if day in self._serials:
            return self._serials[day]
        serial = date_to_serial(day, date1904=self.date1904)
        known = self._serials[day] = ExpectedDate(day, serial) if serial is not None else None
        return known

    def _plan_link(self, edit: CellEdit) -> bool:
        """Plan the cell's link (or its removal); False when the user's own link range over the
        cell keeps it from having one."""
        if self.links is None:
            self.links = self._load_links()
        url = edit.hyperlink
        if url is not None:
            url = drop_illegal_xml_chars(url)
            covering = self.links.covering_range(edit.row, edit.column)
            if covering is not None and self.links.target(edit.row, edit.column) is None:
                self.skipped.append(
                    SkippedEdit(
                        edit.row,
                        edit.column,
                        f"is inside your hyperlink over {covering}, so its own link "
                        f"to {url} was not added",
                    )
                )
                return False
        if self.links.set(edit.row, edit.column, url):
            self.expected_links[(edit.row, edit.column)] = url
        return True

    def _current_text(self, cell: CellSpot) -> str | None:
        kind = cell.cell_type
        if kind not in _STRING_TYPES:
            return None
        content = self.sheet.content(cell)
        if kind == "inlineStr":
            return (
                decode_ooxml_escapes(content.inline_text)
                if content.inline_text is not None
                else None
            )
        if content.value is None:
            return None
        if kind == "str":
            return decode_ooxml_escapes(content.value)
        strings = self.shared_strings()
        try:
            index = int(content.value)
        except ValueError:
            return None
        return strings.text(index) if strings is not None else None

    def _new_cell_style(self, edit: CellEdit, location: CellLocation) -> int:
        """A new cell looks like ``style_like``, else like its row or column, as Excel would."""
        if edit.style_like is not None:
            like = self._style_at(*edit.style_like)
            if like is not None:
                return like
        row = location.row
        row_style = row.style_if_custom if row is not None else None
        if row_style is not None:
            return row_style
        column_style = self._column_styles.get(edit.column)
        if column_style is None:
            found = self.sheet.column_style(edit.column)
            column_style = self._column_styles[edit.column] = found if found is not None else 0
        return column_style

    def _date_format(self, edit: CellEdit) -> int:
        if edit.date_format is not None and self.styles.is_date_number_format(edit.date_format):
            return edit.date_format
        if edit.date_format_like is None:
            return DEFAULT_DATE_FORMAT_ID
        like = self._style_at(*edit.date_format_like)
        if like is None:
            return DEFAULT_DATE_FORMAT_ID
        format_id = self._date_formats.get(like)
        if format_id is None:
            format_id = self.styles.number_format_id(like)
            if not self.styles.is_date_number_format(format_id):
                format_id = DEFAULT_DATE_FORMAT_ID
            self._date_formats[like] = format_id
        if self.date_format_used is None:
            self.date_format_used = format_id
        return format_id

    def _write(
        self,
        edit: CellEdit,
        location: CellLocation,
        text: str | None,
        style: int,
        serial: int | None,
    ) -> None:
        prefix = self.sheet.prefix
        if text is not None:
            body = self._inline_bodies.get(text)
            if body is None:
                body = self._inline_bodies[text] = _inline_string(prefix, text)
            type_attribute = b' t="inlineStr"'
        elif serial is not None:
            body, type_attribute = b"<%sv>%d</%sv>" % (prefix, serial, prefix), b""
        else:
            body, type_attribute = b"", b""
        cell = location.cell
        if cell is None:
            # The common case (a new status cell), built in one formatting step.
            style_attribute = b' s="%d"' % style if style else b""
            ref = b"%s%d" % (self._column_letters(edit.column), edit.row)
            start = b'<%sc r="%s"%s%s' % (prefix, ref, style_attribute, type_attribute)
            xml = start + b">" + body + b"</" + prefix + b"c>" if body else start + b"/>"
            self.splice.add_cell(location, edit.row, edit.column, xml)
            return
        attrs = [
            (n, v) for n, v in parse_attributes(cell.raw_attributes) if n not in _VALUE_ATTRIBUTES
        ]
        attrs = [(n, str(style).encode() if n == b"s" else v) for n, v in attrs]
        if not any(n == b"r" for n, _ in attrs):
            # A cell placed by its position alone gets its reference, so that the read-back
            # check (and any reader) finds it without counting the cells before it.
            attrs.insert(0, (b"r", self._column_letters(edit.column) + b"%d" % edit.row))
        if style and not any(n == b"s" for n, _ in attrs):
            attrs.append((b"s", str(style).encode()))
        if type_attribute:
            attrs.append((b"t", b"inlineStr"))
        body += _extension_list(self.sheet, cell)
        qname = prefix + b"c"
        tag = b"<" + qname + b"".join(format_attribute(n, v) for n, v in attrs)
        xml = tag + (b">" + body + b"</" + qname + b">" if body else b"/>")
        self.splice.replace_cell(cell, xml)

    def _column_letters(self, column: int) -> bytes:
        letters = self._letters.get(column)
        if letters is None:
            letters = self._letters[column] = column_letters(column).encode()
        return letters


def _inline_string(prefix: bytes, text: str) -> bytes:
    escaped = escape_text(protect_literal_ooxml_escapes(text)).encode("utf-8")
    space = b' xml:space="preserve"' if text != text.strip() else b""
    return (
        b"<" + prefix + b"is><" + prefix + b"t" + space + b">" + escaped
        + b"</" + prefix + b"t></" + prefix + b"is>"
    )  # fmt: skip


def _extension_list(sheet: WorksheetXml, cell: CellSpot) -> bytes:
    """A cell's ``<extLst>`` belongs to the cell, not its value, so it is kept."""
    inner = sheet.data[cell.tag_end : cell.content_end]
    at = inner.find(b"extLst")
    if at < 0:
        return b""
    lt = inner.rfind(b"<", 0, at)
    return inner[lt:] if lt >= 0 else b""


def _same_number(raw: str | None, serial: int) -> bool:
    if raw is None:
        return False
    try:
        return float(raw) == serial
    except ValueError:
        return False
