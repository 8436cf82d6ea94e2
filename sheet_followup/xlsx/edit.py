"""Writing a few cells into the user's workbook without disturbing anything else in it.

The workbook is the user's, and it holds things no Python library round-trips (charts,
slicers, macros, pivot caches). So the package is rebuilt member by member, and inside the
tracker sheet only the target cells' bytes change. Formulas and merged areas are left alone
and reported back, and a rerun that changes nothing writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import operator
import os
import posixpath
import secrets
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.xlsx.errors import PackageChangedError, PackageLockedError, XlsxError
from sheet_followup.xlsx.hyperlinks import SheetHyperlinks
from sheet_followup.xlsx.markup import (
    decode_ooxml_escapes,
    drop_illegal_xml_chars,
    escape_text,
    format_attribute,
    parse_attributes,
    protect_literal_ooxml_escapes,
)
from sheet_followup.xlsx.package import (
    Package,
    add_content_type_override,
    add_relationship,
    open_package,
    rebuild_package,
    relationships_part_name,
    with_rels_content_type,
)
from sheet_followup.xlsx.serials import date_to_serial
from sheet_followup.xlsx.shared_strings import SharedStrings
from sheet_followup.xlsx.sheet_edit import (
    MAX_COLUMN,
    MAX_ROW,
    CellLocation,
    CellSpot,
    SheetSplice,
    WorksheetXml,
    check_well_formed,
    column_letters,
)
from sheet_followup.xlsx.styles import (
    DEFAULT_DATE_FORMAT_ID,
    STYLES_CONTENT_TYPE,
    StylesEditor,
)
from sheet_followup.xlsx.tables import widen_tables
from sheet_followup.xlsx.verify import ExpectedDate, ExpectedValue, WrittenPackage, verify_package
from sheet_followup.xlsx.workbook import (
    PackageLayout,
    has_formula,
    read_layout,
    with_full_calc_on_load,
)

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


@dataclass(frozen=True)
class EditResult:
    """New package bytes (None when nothing would change) and what was left alone."""

    data: bytes | None
    skipped: tuple[SkippedEdit, ...]
    changed_cells: int
    # The number format of the first date written like another cell (``date_format_like``):
    # what dates look like in this workbook, for dates written into its other sheets.
    date_format: int | None = None


def clean_cell_text(text: str) -> str:
    """What a string becomes in the cell: XML-illegal characters dropped, Excel's length cap."""
    return drop_illegal_xml_chars(text)[:MAX_CELL_TEXT]


def edit_package(source: Path, sheet_name: str, edits: Sequence[CellEdit]) -> EditResult:
    """Apply ``edits`` to one worksheet of the workbook at ``source``; returns new bytes."""
    with _cyclic_gc_paused(), open_package(source) as package:
        layout = read_layout(package)
        sheet_info = layout.info.sheet(sheet_name)
        if sheet_info is None:
            names = ", ".join(repr(s.name) for s in layout.info.sheets)
            msg = f"{source.name} has no sheet named {sheet_name!r} (it has {names})."
            raise XlsxError(msg)
        if sheet_info.kind != "worksheet":
            msg = f"{sheet_info.name!r} in {source.name} is a {sheet_info.kind}, not a worksheet."
            raise XlsxError(msg)
        sheet = WorksheetXml(package.read(sheet_info.part), sheet_info.name)
        if sheet.is_protected():
            msg = (
                f"The sheet {sheet_info.name!r} in {source.name} is protected. "
                "Unprotect it in Excel (Review > Unprotect Sheet), save, and run again."
            )
            raise XlsxError(msg)
        styles_part = layout.part_of_type("styles")
        styles_member = package.find(styles_part) if styles_part else None
        styles = StylesEditor.parse(package.read(styles_member) if styles_member else None)
        rels_part = relationships_part_name(sheet_info.part)
        rels_member = package.find(rels_part)
        planner = _EditPlanner(
            sheet,
            styles,
            layout.info.date1904,
            _shared_strings_loader(package, layout),
            lambda: SheetHyperlinks(sheet, package.read(rels_member) if rels_member else None),
        )
        planner.plan_all(_last_edit_per_cell(edits))
        links = planner.links
        if links is not None:
            for start, end, xml in links.sheet_splices():
                planner.splice.replace_bytes(start, end, xml)
        for start, end, xml in sheet.column_width_splices(planner.widths, planner.column_formats):
            planner.splice.replace_bytes(start, end, xml)
        if planner.splice.empty:
            return EditResult(None, tuple(planner.skipped), 0)

        # Well-formedness is proven by verify_package, splice by splice, without a parse of
        # the whole sheet (seconds for a large tracker).
        new_sheet = planner.splice.apply()
        replacements = {sheet_info.part: new_sheet}
        additions: list[tuple[str, bytes]] = []
        new_rels: bytes | None = None
        if links is not None and links.rels.changed:
            new_rels = links.rels.to_bytes()  # parsed by verify_package
            if rels_member is not None:
                replacements[rels_member] = new_rels
            else:
                additions.append((rels_part, new_rels))
                content_types = with_rels_content_type(package.read("[Content_Types].xml"))
                if content_types is not None:
                    replacements["[Content_Types].xml"] = content_types
        new_styles = styles.xml if styles_member is not None else None
        if styles.changed:
            new_styles = styles.to_bytes()
            check_well_formed(new_styles, "styles part")
            if styles_member is not None:
                replacements[styles_member] = new_styles
            else:
                _add_styles_part(package, layout, new_styles, replacements, additions)
        replacements.update(
            widen_tables(package, sheet_info.part, sheet, planner.headers, planner.owned)
        )
        if _has_formulas(package, layout, sheet_info.part, new_sheet):
            workbook_xml = with_full_calc_on_load(package.read(layout.workbook_part))
            if workbook_xml is not None:
                check_well_formed(workbook_xml, "workbook part")
                replacements[package.part_name(layout.workbook_part)] = workbook_xml
        data = rebuild_package(package, replacements, additions)
        verify_package(
            package,
            WrittenPackage(
                data,
                replacements,
                additions,
                sheet_info.name,
                planner.expected,
                planner.expected_links,
                sheet_info.part,
                new_rels,
                sheet.data,
                planner.splice.splices,
                new_styles,
                layout.info.date1904,
            ),
        )
        return EditResult(
            data, tuple(planner.skipped), planner.changed_cells, planner.date_format_used
        )


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a workbook is edited.

    A large edit allocates hundreds of thousands of small objects (cells, splices, keys) that
    live until the end; each full collection walks all of them and every other object of the
    run, a few times over as they pile up (seconds at 100,000 rows). None of them form
    cycles, so reference counting frees them all the same; the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _has_formulas(
    package: Package, layout: PackageLayout, sheet_part: str, new_sheet: bytes
) -> bool:
    """Whether any formula might read the cells we changed, so Excel must recalculate."""
    calc_chain = layout.part_of_type("calcChain")
    if calc_chain is not None and package.find(calc_chain) is not None:
        return True
    # The other sheets first: they are usually small, and a formula there spares a search
    # through the tracker, which may be tens of megabytes.
    others = (
        info.part
        for info in layout.info.sheets
        if info.part != sheet_part and package.find(info.part) is not None
    )
    return any(has_formula(package.read(part)) for part in others) or has_formula(new_sheet)


def _last_edit_per_cell(edits: Sequence[CellEdit]) -> list[CellEdit]:
    """The last edit of each cell, in row and column order (the order the planner needs)."""
    by_cell = {(edit.row, edit.column): edit for edit in edits}
    return sorted(by_cell.values(), key=_ROW_AND_COLUMN)


def _shared_strings_loader(
    package: Package, layout: PackageLayout
) -> Callable[[], SharedStrings | None]:
    loaded: list[SharedStrings | None] = []

    def load() -> SharedStrings | None:
        if not loaded:
            part = layout.part_of_type("sharedStrings")
            member = package.find(part) if part else None
            loaded.append(SharedStrings(package.read(member)) if member else None)
        return loaded[0]

    return load


def _add_styles_part(
    package: Package,
    layout: PackageLayout,
    styles_xml: bytes,
    replacements: dict[str, bytes],
    additions: list[tuple[str, bytes]],
) -> None:
    """Give a package that had no styles part one, wired up as Excel expects."""
    folder = posixpath.dirname(layout.workbook_part)
    name, number = "styles.xml", 1
    while package.find(posixpath.join(folder, name)) is not None:
        name, number = f"styles{number}.xml", number + 1
    part = posixpath.join(folder, name)
    rels_part = relationships_part_name(layout.workbook_part)
    rels_member = package.find(rels_part)
    strict = any(
        rel.type.startswith("http://purl.oclc.org/") for rel in layout.workbook_relationships
    )
    rel_type = (
        "http://purl.oclc.org/ooxml/officeDocument/relationships/styles"
        if strict
        else "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
    )
    rels_xml, _ = add_relationship(
        package.read(rels_member) if rels_member else None, rel_type, name
    )
    content_types = add_content_type_override(
        replacements.get("[Content_Types].xml") or package.read("[Content_Types].xml"),
        part,
        STYLES_CONTENT_TYPE,
    )
    replacements["[Content_Types].xml"] = content_types
    if rels_member is not None:
        replacements[rels_member] = rels_xml
    else:
        additions.append((rels_part, rels_xml))
    additions.append((part, styles_xml))


class _EditPlanner:
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
        self.expected_links: dict[tuple[int, int], str | None] = {}
        self._link_changed: set[tuple[int, int]] = set()
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
        self._serials: dict[dt.date, tuple[int | None]] = {}
        self._inline_bodies: dict[str, bytes] = {}
        self._letters: dict[int, bytes] = {}
        # (value, column, style) -> (text, XML before the row number, XML after it)
        self._new_text_cells: dict[tuple[str, int, int], tuple[str, bytes, bytes]] = {}

    @property
    def changed_cells(self) -> int:
        """Cells whose value or link changes."""
        return len(self.expected.keys() | self._link_changed)

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
        known = self._serials.get(value)  # follow-up dates repeat down the rows
        if known is None:
            known = self._serials[value] = (date_to_serial(value, date1904=self.date1904),)
        serial = known[0]
        if serial is None:
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
        self.expected[key] = ExpectedDate(value, serial)
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
            serial = date_to_serial(value, date1904=self.date1904)
            if serial is None:
                system = "1904" if self.date1904 else "1900"
                self._skip(
                    edit,
                    f"cannot hold {value.isoformat()}: "
                    f"the workbook's {system} date system starts later",
                )
                return
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
            self.expected[(edit.row, edit.column)] = ExpectedDate(value, serial)

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
            self._link_changed.add((edit.row, edit.column))
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


# --- writing the file --------------------------------------------------------------------


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
    _sync_folder(target.parent)


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


def _sync_folder(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows has no directory handles for this.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
