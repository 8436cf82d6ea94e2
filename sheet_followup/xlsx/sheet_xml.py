"""Finding rows and cells in a worksheet part, and what they hold, without parsing it.

The worksheet XML of a 100,000-row tracker is tens of megabytes; building a tree of it costs
seconds and re-serialising it would change bytes we have no business changing. So the sheet
is scanned with compiled patterns (the regex engine does the per-byte work in C), only the
rows we touch are looked at closely, and the result is the original bytes with a few slices
replaced.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, NoReturn, TypeVar
from xml.parsers import expat

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import (
    ATTRIBUTES,
    QNAME_PREFIX,
    attribute_map,
    mask_opaque_sections,
    start_tag_pattern,
    unescape_xml,
)
from sheet_followup.xlsx.references import (
    cell_reference,
    column_letters,
    column_number,
    parse_range,
    parse_reference,
)

_V = TypeVar("_V")

_ONE_ATTRIBUTE = rb"""[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_ENCODING_RE = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")
_SHEET_PROTECTION_RE = re.compile(
    rb"<" + QNAME_PREFIX + rb"sheetProtection(?=[\s/>])(" + ATTRIBUTES + rb")"
)
_MERGE_CELL_RE = re.compile(rb"<" + QNAME_PREFIX + rb"mergeCell(?=[\s/>])(" + ATTRIBUTES + rb")")
_COL_RE = re.compile(rb"<" + QNAME_PREFIX + rb"col(?=[\s/>])(" + ATTRIBUTES + rb")")
_COLS_RE = re.compile(
    rb"<(?P<q>" + QNAME_PREFIX + rb"cols)(?=[\s/>])(?P<a>" + ATTRIBUTES + rb")(?P<sc>/?)>"
)
_DIMENSION_RE = re.compile(
    rb"<(?P<q>" + QNAME_PREFIX + rb"dimension)(?=[\s/>])(?P<a>" + ATTRIBUTES + rb")(?P<sc>/?)>"
)
_SHEET_DATA_RE = re.compile(
    rb"<(?P<q>" + QNAME_PREFIX + rb"sheetData)(?=[\s/>])(?P<a>" + ATTRIBUTES + rb")(?P<sc>/?)>"
)


_COLUMN_BY_LETTERS: dict[bytes, int] = {}
_PREFIXED_ROW_OR_CELL = re.compile(rb":(?:row|c)[\s/>]")


def _index_by_row(
    ranges: list[tuple[str, tuple[int, int, int, int]]],
) -> dict[int, list[tuple[str, tuple[int, int, int, int]]]]:
    """Ranges listed under each row they cover; key 0 holds very tall ones (whole columns)."""
    index: dict[int, list[tuple[str, tuple[int, int, int, int]]]] = {}
    for item in ranges:
        r1, _, r2, _ = item[1]
        if r2 - r1 > 10_000:
            index.setdefault(0, []).append(item)
            continue
        for row in range(r1, r2 + 1):
            index.setdefault(row, []).append(item)
    return index


def _tag_with_ref_pattern(qualified_name: bytes) -> re.Pattern[bytes]:
    # Captures r (and s, t) in the same pass as the tag, wherever they sit among the
    # attributes, so the per-row and per-cell work stays inside the regex engine.
    return re.compile(
        rb"<"
        + re.escape(qualified_name)
        + rb"(?=[\s/>])(?P<a>(?:\s+(?:r\s*=\s*(?:\"(?P<r1>[^\"]*)\"|'(?P<r2>[^']*)')"
        + rb"|s\s*=\s*\"(?P<s>[^\"]*)\"|t\s*=\s*\"(?P<t>[^\"]*)\"|"
        + _ONE_ATTRIBUTE
        + rb"))*\s*)(?P<sc>/?)>"
    )


def _close_tag_pattern(qualified_name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"</" + re.escape(qualified_name) + rb"\s*>")


@dataclass(slots=True)
class RowSpot:
    """An existing ``<row>`` element, by byte offsets into the sheet XML."""

    number: int
    start: int
    tag_end: int
    content_end: int  # offset of </row>, or tag_end for an empty element
    end: int
    raw_attributes: bytes
    self_closing: bool
    attributes_start: int  # offset of raw_attributes, to splice one attribute value
    slash: int  # offset of "/" in an empty-element tag ("/>"), else tag_end - 1
    _attributes: dict[bytes, bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def attributes(self) -> dict[bytes, bytes]:
        if self._attributes is None:
            self._attributes = attribute_map(self.raw_attributes)
        return self._attributes

    @property
    def style_if_custom(self) -> int | None:
        """The row's own style, when Excel would apply it to new cells in the row."""
        if b"customFormat" not in self.raw_attributes:
            return None
        if self.attributes.get(b"customFormat", b"0") not in (b"1", b"true"):
            return None
        try:
            return int(self.attributes.get(b"s", b"0"))
        except ValueError:
            return None


@dataclass(slots=True)
class CellSpot:
    """An existing ``<c>`` element, by byte offsets into the sheet XML."""

    row: int
    column: int
    start: int
    tag_end: int
    content_end: int
    end: int
    raw_attributes: bytes
    self_closing: bool
    style: int
    cell_type: str


@dataclass(frozen=True)
class CellContent:
    """What a cell holds: its formula text (if any), ``<v>`` text and inline-string text."""

    formula: str | None
    value: str | None
    inline_text: str | None


class CellLocation(NamedTuple):
    """Where a cell is, or would go (a tuple: the planner makes one per edited row)."""

    row: RowSpot | None
    cell: CellSpot | None
    insert_at: int  # where a new cell (existing row) or a new row (row is None) goes


# What is worked out per row (its place, its cells, its last column) is kept for this many
# rows at a time. A planner goes down the sheet and asks about each row a few times in a row;
# keeping every row's answers held hundreds of megabytes at 100,000 rows, more when the tool's
# columns sit among the user's and each row's cells are walked.
_ROWS_REMEMBERED = 1024
# A row's last column in _RowIndex.last_columns: not worked out yet, or a last cell without
# a reference (placed by counting the cells before it).
_NOT_FOUND_YET, _NO_REFERENCE = -1, -2


def _remember(cache: dict[int, _V], number: int, value: _V) -> None:
    if len(cache) >= _ROWS_REMEMBERED:
        cache.clear()
    cache[number] = value


@dataclass
class _RowIndex:
    """Every row's number and the offset of its tag, in two arrays of machine integers (1.6 MB
    at 100,000 rows, where lists of Python ints and a dict by number took 19 MB)."""

    numbers: array[int] = field(default_factory=lambda: array("q"))
    starts: array[int] = field(default_factory=lambda: array("q"))
    # Each row's last column once found (see WorksheetXml.last_column), kept for every row:
    # a table's check for cells right of it asks about all of them after the planner has.
    last_columns: array[int] = field(default_factory=lambda: array("i"))

    def find(self, number: int) -> int | None:
        """The row's index in the arrays, None when the sheet has no such row."""
        numbers = self.numbers
        if not numbers:
            return None
        # Rows are nearly always numbered without gaps: try that place before searching.
        i = number - numbers[0]
        if not 0 <= i < len(numbers) or numbers[i] != number:
            i = bisect.bisect_left(numbers, number)
            if i == len(numbers) or numbers[i] != number:
                return None
        return i


class WorksheetXml:
    """One worksheet part, scanned lazily; offsets refer to the original bytes."""

    def __init__(self, data: bytes, sheet_name: str) -> None:
        self.data = data
        self.sheet_name = sheet_name
        _check_encoding(data, sheet_name)
        self.masked = mask_opaque_sections(data)
        if b"<!DOCTYPE" in self.masked:
            self.refuse("its XML declares a DTD, which Excel never writes")
        sheet_data = _SHEET_DATA_RE.search(self.masked)
        if sheet_data is None:
            self.refuse("it has no cell data (sheetData) section")
        self.sheet_data = sheet_data
        qname = sheet_data.group("q")
        self.prefix = qname[: -len(b"sheetData")]
        if sheet_data.group("sc"):
            self.rows_start = self.rows_end = sheet_data.end()
        else:
            # A substring search finds the end tag many times faster than the pattern would.
            at = self.masked.find(b"</" + qname, sheet_data.end())
            close = _close_tag_pattern(qname).match(self.masked, at) if at >= 0 else None
            if close is None:
                close = _close_tag_pattern(qname).search(self.masked, sheet_data.end())
            if close is None:
                self.refuse("its sheetData section is not closed")
            self.rows_start, self.rows_end = sheet_data.end(), close.start()
        self._check_prefixes()
        self._read_sheet_facts()
        self._row_tag = _tag_with_ref_pattern(self.prefix + b"row")
        # Finds each row tag and, in the layout every writer uses (r first, double quotes),
        # its number; the full tag pattern runs only on the rows an edit touches.
        self._row_start = re.compile(
            rb"<" + re.escape(self.prefix) + rb'row(?=[\s/>])(?:\s+r="([0-9]+)")?'
        )
        self._row_close = _close_tag_pattern(self.prefix + b"row")
        self._row_close_bytes = b"</" + self.prefix + b"row"
        self._row_open = start_tag_pattern(self.prefix + b"row")
        self._quick_cell_ref = re.compile(
            re.escape(b"<" + self.prefix) + rb'c r="([A-Z]{1,3})[0-9]'
        )
        self._cell_tag = _tag_with_ref_pattern(self.prefix + b"c")
        self._cell_close = _close_tag_pattern(self.prefix + b"c")
        self._cell_open_bytes = b"<" + self.prefix + b"c"
        self._row_index: _RowIndex | None = None
        self._row_spots: dict[int, RowSpot] = {}
        self._row_cells: dict[int, list[tuple[int, re.Match[bytes]]]] = {}
        self._last_cells: dict[int, re.Match[bytes] | None] = {}
        self._ref_needles: dict[int, bytes] = {}
        self._quick_cell_style = re.compile(
            rb'"(?: s="([0-9]{1,9})")?(?: t="[A-Za-z]{1,9}")?\s*/?>'
        )
        self._merged_by_row: dict[int, list[tuple[str, tuple[int, int, int, int]]]] | None = None

    def refuse(self, problem: str) -> NoReturn:
        """Stop the edit: writing into a sheet we cannot read exactly could corrupt it."""
        msg = f"The sheet {self.sheet_name!r} cannot be edited safely: {problem}."
        raise XlsxError(msg)

    def _check_prefixes(self) -> None:
        # Every row and cell must use the sheetData prefix; otherwise the fast patterns would
        # miss elements and we could write a duplicate row or cell.
        if not self.prefix and not _PREFIXED_ROW_OR_CELL.search(
            self.masked, self.rows_start, self.rows_end
        ):
            return  # this scan for ":" runs many times faster than the full pattern below
        other = re.compile(
            rb"<(?!"
            + re.escape(self.prefix)
            + rb"(?:row|c)[\s/>])"
            + QNAME_PREFIX
            + rb"(?:row|c)[\s/>]"
        )
        if other.search(self.masked, self.rows_start, self.rows_end):
            self.refuse("its rows use more than one XML namespace prefix")

    # --- sheet-level facts -------------------------------------------------------------

    def _read_sheet_facts(self) -> None:
        """Protection, merged ranges, column styles and dimension: all outside sheetData."""
        tail_start, head_end = self.rows_end, self.sheet_data.start()
        protection = _SHEET_PROTECTION_RE.search(self.masked, tail_start)
        self.protected = protection is not None and attribute_map(protection.group(1)).get(
            b"sheet", b"0"
        ).strip() in (b"1", b"true")
        self.merged_ranges: list[tuple[str, tuple[int, int, int, int]]] = []
        for m in _MERGE_CELL_RE.finditer(self.masked, tail_start):
            ref = unescape_xml(attribute_map(m.group(1)).get(b"ref", b""))
            bounds = parse_range(ref)
            if bounds is not None:
                self.merged_ranges.append((ref, bounds))
        self.column_styles: list[tuple[int, int, int]] = []
        self.column_spans: list[tuple[int, int, int]] = []  # (min, max, offset of its <col>)
        for m in _COL_RE.finditer(self.masked, 0, head_end):
            attrs = attribute_map(m.group(1))
            try:
                low, high = int(attrs[b"min"]), int(attrs[b"max"])
            except (KeyError, ValueError):
                continue
            self.column_spans.append((low, high, m.start()))
            try:
                self.column_styles.append((low, high, int(attrs[b"style"])))
            except (KeyError, ValueError):
                continue
        self.dimension = _DIMENSION_RE.search(self.masked, 0, head_end)

    def is_protected(self) -> bool:
        return self.protected

    def merged_range_hiding(self, row: int, column: int) -> str | None:
        """The merged range that covers this cell without starting at it, if any."""
        if not self.merged_ranges:
            return None
        if self._merged_by_row is None:
            self._merged_by_row = _index_by_row(self.merged_ranges)
        candidates = self._merged_by_row.get(row, []) + self._merged_by_row.get(0, [])
        for ref, (r1, c1, r2, c2) in candidates:
            if r1 <= row <= r2 and c1 <= column <= c2 and (row, column) != (r1, c1):
                return ref
        return None

    def column_width_splices(
        self, widths: dict[int, float], styles: dict[int, int] | None = None
    ) -> list[tuple[int, int, bytes]]:
        """Splices giving new columns a width (and a style), as (start, end, xml) outside
        sheetData.

        Only a column no ``<col>`` covers gets one: a column the user sized, or hid, or a
        ``<col>`` over a whole range of columns as LibreOffice writes, stays as it is. New
        ``<col>`` elements go in column order, into ``<cols>`` or a new one before sheetData.
        """
        styles = styles or {}
        new = sorted(
            (column, width)
            for column, width in widths.items()
            if not any(low <= column <= high for low, high, _ in self.column_spans)
        )
        if not new:
            return []
        prefix = self.prefix
        elements = [
            (column, b'<%scol min="%d" max="%d" width="%s"%s customWidth="1"/>'
             % (prefix, column, column, f"{width:g}".encode(),
                b' style="%d"' % styles[column] if styles.get(column) else b""))
            for column, width in new
        ]  # fmt: skip
        head_end = self.sheet_data.start()
        cols = _COLS_RE.search(self.masked, 0, head_end)
        inner = b"".join(x for _, x in elements)
        if cols is None:
            return [(head_end, head_end, b"<%scols>%s</%scols>" % (prefix, inner, prefix))]
        if cols.group("sc"):
            q = cols.group("q")
            return [(cols.end() - 2, cols.end(), b">" + inner + b"</" + q + b">")]
        close = _close_tag_pattern(cols.group("q")).search(self.masked, cols.end(), head_end)
        if close is None:
            self.refuse("its column definitions (cols) are not closed")
        splices: dict[int, list[bytes]] = {}
        spans = sorted(self.column_spans)
        for column, xml in elements:
            # Before the first <col> that starts right of the new column, else at the end.
            at = next((start for low, _, start in spans if low > column), close.start())
            splices.setdefault(at, []).append(xml)
        return [(at, at, b"".join(xmls)) for at, xmls in sorted(splices.items())]

    def column_style(self, column: int) -> int | None:
        for low, high, style in self.column_styles:
            if low <= column <= high:
                return style
        return None

    # --- rows ----------------------------------------------------------------------------

    def _index_rows(self) -> _RowIndex:
        if self._row_index is not None:
            return self._row_index
        index = _RowIndex()
        numbers, starts = index.numbers, index.starts
        previous = 0
        for m in self._row_start.finditer(self.masked, self.rows_start, self.rows_end):
            fast = m.group(1)
            if fast is not None:
                number = int(fast)
            else:
                tag = self._row_tag.match(self.masked, m.start())
                if tag is None:
                    self.refuse(f"the tag of the row after row {previous} cannot be read")
                raw = tag.group("r1") or tag.group("r2")
                try:
                    number = int(raw) if raw is not None else previous + 1
                except ValueError:
                    self.refuse(f"a row has the number {raw!r}")
            if number <= previous:
                self.refuse("its rows are not in ascending order")
            numbers.append(number)
            starts.append(m.start())
            previous = number
        index.last_columns = array("i", [_NOT_FOUND_YET]) * len(numbers)
        self._row_index = index
        return index

    def row(self, number: int) -> RowSpot | None:
        known = self._row_spots.get(number)
        if known is not None:
            return known
        index = self._row_index or self._index_rows()
        i = index.find(number)
        if i is None:
            return None
        masked = self.masked
        m = self._row_open.match(masked, index.starts[i])
        if m is None:
            self.refuse(f"the tag of row {number} cannot be read")
        tag_end = m.end()
        self_closing = m.start("sc") < m.end("sc")
        if self_closing:
            content_end = end = tag_end
        else:
            # Rows do not nest, so the row's "</row>" is the last one before the next row:
            # searched backwards from there it is found in a few bytes.
            limit = index.starts[i + 1] if i + 1 < len(index.starts) else self.rows_end
            content_end = masked.rfind(self._row_close_bytes, tag_end, limit)
            end = content_end + len(self._row_close_bytes)
            if content_end < 0 or masked[end : end + 1] != b">":
                close = self._row_close.search(masked, tag_end, self.rows_end)
                if close is None:
                    self.refuse(f"row {number} is not closed")
                content_end, end = close.start(), close.end() - 1
            end += 1
        spot = RowSpot(
            number,
            m.start(),
            tag_end,
            content_end,
            end,
            m.group("a"),
            self_closing,
            m.start("a"),
            m.start("sc") if self_closing else tag_end - 1,
        )
        _remember(self._row_spots, number, spot)
        return spot

    def filled_cells(
        self, first_row: int, first_column: int, last_row: int, last_column: int
    ) -> Iterator[tuple[int, int]]:
        """(row, column) of every cell in the block that holds a value or a formula.

        Styled empty cells do not count. Rows whose last cell lies left of the block are
        passed over without walking their cells, so a tall, narrow block is cheap.
        """
        index = self._index_rows()
        i = bisect.bisect_left(index.numbers, first_row)
        known = index.last_columns
        while i < len(index.numbers) and index.numbers[i] <= last_row:
            number = index.numbers[i]
            last = known[i]
            i += 1
            if last >= 0 and last < first_column:
                continue  # its last cell, already found, lies left of the block
            spot = self.row(number)
            if spot is None or spot.self_closing:
                continue
            explicit = self.last_column(spot)
            if explicit is not None and explicit < first_column:
                continue
            for column, m in self._cells(spot):
                if first_column <= column <= last_column:
                    content = self.content(self._cell_spot(spot, column, m))
                    if (content.formula, content.value, content.inline_text) != (None,) * 3:
                        yield spot.number, column

    def row_insert_position(self, number: int) -> int:
        """Where a new row ``number`` goes: before the first row after it."""
        index = self._index_rows()
        i = bisect.bisect_right(index.numbers, number)
        return index.starts[i] if i < len(index.starts) else self.rows_end

    def last_column(self, row: RowSpot) -> int | None:
        """The column of the row's last cell (0 when it has none); None when that cell has no
        ``r``, so that its column is only known by counting the cells before it."""
        index = self._index_rows()
        at = index.find(row.number)
        known = index.last_columns[at] if at is not None else _NOT_FOUND_YET
        if known != _NOT_FOUND_YET:
            return None if known == _NO_REFERENCE else known
        if row.self_closing:
            return 0
        # The common layout (the last "<c" starts a cell whose r comes first) without the full
        # tag pattern; anything else takes the general path.
        lt = self.masked.rfind(self._cell_open_bytes, row.tag_end, row.content_end)
        quick = self._quick_cell_ref.match(self.masked, lt) if lt >= 0 else None
        column: int | None
        if quick is not None:
            letters = quick.group(1)
            column = _COLUMN_BY_LETTERS.get(letters)
            if column is None:
                column = _COLUMN_BY_LETTERS[letters] = column_number(letters.decode("ascii"))
        else:
            last = self._last_cell_match(row)
            column = 0 if last is None else self._explicit_column(last)
        if at is not None:
            index.last_columns[at] = _NO_REFERENCE if column is None else column
        return column

    # --- cells ---------------------------------------------------------------------------

    def locate(self, row: int, column: int) -> CellLocation:
        spot = self.row(row)
        if spot is None:
            return CellLocation(None, None, self.row_insert_position(row))
        if spot.self_closing:
            return CellLocation(spot, None, spot.content_end)
        found = self._locate_fast(spot, column)
        if found is None:
            found = self._locate_by_scan(spot, column)
        if isinstance(found, CellSpot):
            return CellLocation(spot, found, found.start)
        return CellLocation(spot, None, found)

    def style_at(self, row: int, column: int) -> int | None:
        """The style of the cell at (row, column); None when there is no such cell.

        Finds a cell written ``<c r="E5"`` by a substring search in its row, which is what a
        date's ``date_format_like`` lookup needs once per row; anything else is located.
        """
        spot = self.row(row)
        if spot is None or spot.self_closing:
            return None
        needle = b"%s%d" % (self._cell_ref_needle(column), row)
        at = self.masked.find(needle, spot.tag_end, spot.content_end)
        if at >= 0:
            # r, then s, then t, as writers write them: the style is read off directly.
            quick = self._quick_cell_style.match(self.masked, at + len(needle))
            if quick is not None:
                return int(quick.group(1) or 0)
        cell = self.locate(row, column).cell
        return cell.style if cell is not None else None

    def _cell_ref_needle(self, column: int) -> bytes:
        needle = self._ref_needles.get(column)
        if needle is None:
            needle = b'<%sc r="%s' % (self.prefix, column_letters(column).encode())
            self._ref_needles[column] = needle
        return needle

    def _locate_fast(self, row: RowSpot, column: int) -> CellSpot | int | None:
        """Find the cell without walking the row, for the layouts nearly every file has."""
        # The last cell of the row: the status columns are usually at the right edge.
        last = self._last_cell_match(row)
        if last is None:
            return row.content_end
        last_column = self._explicit_column(last)
        if last_column is not None:
            if last_column < column:
                return row.content_end
            if last_column == column:
                return self._cell_spot(row, column, last)
        # An explicit r="K5" is unique within a valid sheet.
        needle = b' r="' + cell_reference(row.number, column).encode() + b'"'
        pos = self.masked.find(needle, row.tag_end, row.content_end)
        while pos >= 0:
            lt = self.masked.rfind(b"<", row.tag_end, pos)
            m = self._cell_tag.match(self.masked, lt) if lt >= 0 else None
            if m is not None and m.end() > pos and self._explicit_column(m) == column:
                return self._cell_spot(row, column, m)
            pos = self.masked.find(needle, pos + 1, row.content_end)
        return None

    def _last_cell_match(self, row: RowSpot) -> re.Match[bytes] | None:
        if row.number in self._last_cells:
            return self._last_cells[row.number]
        found = self._find_last_cell_match(row)
        _remember(self._last_cells, row.number, found)
        return found

    def _find_last_cell_match(self, row: RowSpot) -> re.Match[bytes] | None:
        end = row.content_end
        while True:
            lt = self.masked.rfind(self._cell_open_bytes, row.tag_end, end)
            if lt < 0:
                return None
            m = self._cell_tag.match(self.masked, lt)
            if m is not None:
                return m
            end = lt

    def _explicit_column(self, m: re.Match[bytes]) -> int | None:
        raw = m.group("r1") or m.group("r2")
        if raw is None:
            return None
        letters = raw.rstrip(b"0123456789")
        column = _COLUMN_BY_LETTERS.get(letters)
        if column is None:
            parsed = parse_reference(raw.decode("ascii", "replace"))
            if parsed is None:
                return None
            column = _COLUMN_BY_LETTERS[letters] = parsed[1]
        return column

    def _cells(self, row: RowSpot) -> list[tuple[int, re.Match[bytes]]]:
        cached = self._row_cells.get(row.number)
        if cached is not None:
            return cached
        cells: list[tuple[int, re.Match[bytes]]] = []
        previous = 0
        for m in self._cell_tag.finditer(self.masked, row.tag_end, row.content_end):
            explicit = self._explicit_column(m)
            column = explicit if explicit is not None else previous + 1
            if column <= previous:
                self.refuse(f"the cells of row {row.number} are not in column order")
            cells.append((column, m))
            previous = column
        _remember(self._row_cells, row.number, cells)
        return cells

    def _locate_by_scan(self, row: RowSpot, column: int) -> CellSpot | int:
        cells = self._cells(row)
        i = bisect.bisect_left([c for c, _ in cells], column)
        if i < len(cells) and cells[i][0] == column:
            return self._cell_spot(row, column, cells[i][1])
        return cells[i][1].start() if i < len(cells) else row.content_end

    def _cell_spot(self, row: RowSpot, column: int, m: re.Match[bytes]) -> CellSpot:
        if m.group("sc"):
            content_end = end = m.end()
        else:
            close = self._cell_close.search(self.masked, m.end(), row.content_end)
            if close is None:
                self.refuse(f"a cell in row {row.number} is not closed")
            content_end, end = close.start(), close.end()
        raw = m.group("a")
        if b"'" in raw:  # single-quoted attributes: the fast groups may have missed them
            attrs = attribute_map(raw)
            style_raw, type_raw = attrs.get(b"s"), attrs.get(b"t")
        else:
            style_raw, type_raw = m.group("s"), m.group("t")
        try:
            style = int(style_raw) if style_raw else 0
        except ValueError:
            style = 0
        return CellSpot(
            row=row.number,
            column=column,
            start=m.start(),
            tag_end=m.end(),
            content_end=content_end,
            end=end,
            raw_attributes=raw,
            self_closing=bool(m.group("sc")),
            style=style,
            cell_type=type_raw.decode("ascii", "replace") if type_raw else "n",
        )

    def content(self, cell: CellSpot) -> CellContent:
        """Formula, value and inline text of an existing cell."""
        inner = self.data[cell.tag_end : cell.content_end]
        if not inner.strip():
            return CellContent(None, None, None)
        fast = _simple_value(inner)
        if fast is not None:
            return fast
        return _parse_cell_content(inner, self.sheet_name)


_SIMPLE_V_RE = re.compile(rb"\s*<(" + QNAME_PREFIX + rb"v)>([^<]*)</\1>\s*")
_SIMPLE_IS_RE = re.compile(
    rb"\s*<("
    + QNAME_PREFIX
    + rb")is>\s*<\1t(?:\s+xml:space=\"preserve\")?>([^<]*)</\1t>\s*</\1is>\s*"
)


def _simple_value(inner: bytes) -> CellContent | None:
    m = _SIMPLE_V_RE.fullmatch(inner)
    if m is not None:
        return CellContent(None, unescape_xml(m.group(2)), None)
    m = _SIMPLE_IS_RE.fullmatch(inner)
    if m is not None:
        return CellContent(None, None, unescape_xml(m.group(2)))
    return None


def _parse_cell_content(inner: bytes, sheet_name: str) -> CellContent:
    """The general case (rich text, comments, CDATA, odd spacing), via expat."""
    formula: list[str] | None = None
    value: list[str] | None = None
    inline: list[str] | None = None
    stack: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal formula, value, inline
        local = name.rsplit(":", 1)[-1]
        stack.append(local)
        if len(stack) == 2 and local == "f":
            formula = []
        elif len(stack) == 2 and local == "v":
            value = []
        elif len(stack) == 2 and local == "is":
            inline = []

    def end(name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if len(stack) < 2:
            return
        if stack[1] == "f" and formula is not None:
            formula.append(data)
        elif stack[1] == "v" and value is not None:
            value.append(data)
        elif stack[1] == "is" and inline is not None and stack[-1] == "t" and "rPh" not in stack:
            inline.append(data)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(b"<cell>" + inner + b"</cell>", True)
    except expat.ExpatError as exc:
        msg = f"The sheet {sheet_name!r} cannot be edited safely: a cell is not valid XML ({exc})."
        raise XlsxError(msg) from exc
    return CellContent(
        "".join(formula) if formula is not None else None,
        "".join(value) if value is not None else None,
        "".join(inline) if inline is not None else None,
    )


def _check_encoding(data: bytes, sheet_name: str) -> None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        msg = f"The sheet {sheet_name!r} is stored as UTF-16, which this tool cannot edit safely."
        raise XlsxError(msg)
    m = _ENCODING_RE.match(data)
    if m is not None and m.group(1).lower().replace(b"-", b"").replace(b"_", b"") != b"utf8":
        msg = (
            f"The sheet {sheet_name!r} is stored as {m.group(1).decode('ascii', 'replace')}, "
            "which this tool cannot edit safely."
        )
        raise XlsxError(msg)


def check_well_formed(xml: bytes, what: str) -> None:
    """Parse the result once (no tree, C speed) so a bug can never write a corrupt part."""
    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        msg = f"Internal error: the edited {what} would not be valid XML ({exc}); nothing written."
        raise XlsxError(msg) from exc
