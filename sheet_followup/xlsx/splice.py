"""Splicing new cell XML into a worksheet part: the planned changes of its bytes, in order.

A :class:`SheetSplice` collects the changes (cells, rows, a row's spans, the dimension) as
offsets into the original bytes, so that the new sheet is the old one with a few slices
replaced, and the read-back check (:mod:`.verify`) can compare every other byte.

The new sheet itself is never held whole: :class:`SplicedPart` hands it out block by block,
for the zip writer to deflate as it goes. A 100,000-row tracker's sheet is about 50 MB of XML,
which would otherwise sit in memory beside the original, and beside the list of pieces it was
joined from, for the whole write.
"""

from __future__ import annotations

import functools
import operator
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, overload

from sheet_followup.xlsx.markup import (
    ATTRIBUTE_RE,
    parse_attributes,
    unescape_xml,
)
from sheet_followup.xlsx.references import MAX_COLUMN, cell_reference, parse_range
from sheet_followup.xlsx.sheet_xml import CellLocation, CellSpot, RowSpot, WorksheetXml

SpliceKind = Literal["cells", "row opened", "rows", "value", "other"]


class Splice(NamedTuple):
    """One planned change of the sheet's bytes, and what it is, for the read-back check.

    Offsets are into the original sheet. ``cells``: cells of ``row`` inserted before a tag,
    or replacing one whole cell; ``row opened``: an empty ``<row/>`` of ``row`` given cells
    (replaces its ``/>``); ``rows``: new rows (or an empty ``<sheetData/>`` given rows);
    ``value``: an attribute value (a row's spans, the dimension); ``other``: anything outside
    sheetData (hyperlinks, a namespace declaration on the root).
    """

    start: int
    end: int
    xml: bytes
    kind: SpliceKind
    row: int = 0


# A NamedTuple's own constructor runs Python code; this one is C, for the per-row splices.
_splice = functools.partial(tuple.__new__, Splice)


class SpliceList(Sequence[Splice]):
    """Splices in order, kept as columns: offsets and rows as machine integers, the XML and
    the kind by reference.

    A 100,000-row plan has two splices a row (the cells, the row's spans). As tuples of Python
    ints they took about 125 bytes each beside their XML, and here 40; they are made into
    :class:`Splice` tuples again as they are read, in C.
    """

    __slots__ = ("_ends", "_kinds", "_rows", "_starts", "_xmls", "in_order")

    def __init__(self, splices: Iterable[Splice] = ()) -> None:
        self._starts = array("q")
        self._ends = array("q")
        self._xmls: list[bytes] = []
        self._kinds: list[SpliceKind] = []
        self._rows = array("q")
        self.in_order = True  # each splice's (start, end) at or after the one before
        for splice in splices:
            self.append(splice)

    def append(self, splice: Splice) -> None:
        start, end, xml, kind, row = splice
        starts = self._starts
        if starts and start <= starts[-1] and (start < starts[-1] or end < self._ends[-1]):
            self.in_order = False
        starts.append(start)
        self._ends.append(end)
        self._xmls.append(xml)
        self._kinds.append(kind)
        self._rows.append(row)

    def extend(self, other: SpliceList) -> None:
        if other and self:
            first, last = (other._starts[0], other._ends[0]), (self._starts[-1], self._ends[-1])
            if first < last:
                self.in_order = False
        self.in_order = self.in_order and other.in_order
        self._starts.extend(other._starts)
        self._ends.extend(other._ends)
        self._xmls.extend(other._xmls)
        self._kinds.extend(other._kinds)
        self._rows.extend(other._rows)

    def __len__(self) -> int:
        return len(self._starts)

    def __iter__(self) -> Iterator[Splice]:
        columns = (self._starts, self._ends, self._xmls, self._kinds, self._rows)
        return map(_splice, zip(*columns, strict=True))

    @overload
    def __getitem__(self, index: int) -> Splice: ...

    @overload
    def __getitem__(self, index: slice) -> list[Splice]: ...

    def __getitem__(self, index: int | slice) -> Splice | list[Splice]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        columns = (self._starts, self._ends, self._xmls, self._kinds, self._rows)
        return _splice(tuple(column[index] for column in columns))


@dataclass
class SheetSplice:
    """The changes planned for one worksheet, turned into bytes by :meth:`apply`."""

    sheet: WorksheetXml
    _replaced: list[Splice] = field(default_factory=list)
    # existing rows: row number -> insert offset -> new cells as (column, xml)
    _into_rows: dict[int, dict[int, list[tuple[int, bytes]]]] = field(default_factory=dict)
    # missing rows: row number -> new cells as (column, xml)
    _new_rows: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)
    # rows whose only new cells go after their last cell: number -> (row, cells)
    _appended: dict[int, tuple[RowSpot, list[tuple[int, bytes]]]] = field(default_factory=dict)
    # the splices of rows given all their cells (see finish_rows), in row order
    _finished: SpliceList = field(default_factory=SpliceList)
    _finished_through: int = 0  # rows up to this one take no more cells
    # the rows and columns the new cells cover, to grow the sheet's dimension
    _added: _Bounds = field(default_factory=lambda: _Bounds())
    splices: SpliceList = field(default_factory=SpliceList)  # all of them, in order, once applied

    def replace_cell(self, cell: CellSpot, xml: bytes) -> None:
        self._replaced.append(Splice(cell.start, cell.end, xml, "cells", cell.row))

    def replace_bytes(self, start: int, end: int, xml: bytes) -> None:
        """Replace a range outside sheetData (a hyperlink, a namespace declaration)."""
        self._replaced.append(Splice(start, end, xml, "other"))

    def add_cell(self, location: CellLocation, row: int, column: int, xml: bytes) -> None:
        self.add_cells(location, row, [(column, xml)])

    def add_cells(self, location: CellLocation, row: int, cells: list[tuple[int, bytes]]) -> None:
        """Several new cells of one row at one place, as (column, xml)."""
        if row <= self._finished_through:
            self.sheet.refuse(
                f"row {row} was given cells after it was finished (internal error; "
                "nothing was written)"
            )
        spot = location.row
        if spot is None:
            self._new_rows.setdefault(row, []).extend(cells)
            return
        if (
            location.insert_at == spot.content_end
            and not spot.self_closing
            and row not in self._into_rows
            and row not in self._appended
        ):
            # Cells after the row's last one, the only new cells of the row so far: the case
            # of every contact's row, kept in one flat entry per row.
            self._appended[row] = (spot, cells)
            return
        appended = self._appended.pop(row, None)
        by_offset = self._into_rows.setdefault(row, {})
        if appended is not None:
            by_offset[appended[0].content_end] = appended[1]
        by_offset.setdefault(location.insert_at, []).extend(cells)

    def finish_rows(self, through: int) -> None:
        """Rows up to ``through`` take no more cells: splice the one with cells only after its
        last one now, the case of every contact's row.

        A planner going down the sheet calls this as it leaves each row, so that a row's
        pieces (its cells as (column, xml), the row's place) go as soon as its splice is made,
        instead of every row's waiting for :meth:`apply`: at 100,000 rows they were the
        largest part of the run's peak memory.
        """
        appended = self._appended
        if appended:
            finished = self._finished.append
            for number in [n for n in appended if n <= through]:
                row, cells = appended.pop(number)
                self._splice_appended(number, row, cells, finished)
        if through > self._finished_through:
            self._finished_through = through

    def _splice_appended(
        self,
        number: int,
        row: RowSpot,
        cells: list[tuple[int, bytes]],
        append: Callable[[Splice], object],
    ) -> None:
        """The splices of a row whose new cells all go after its last one."""
        if len(cells) > 1:
            cells.sort()
        low, high = cells[0][0], cells[-1][0]
        self._added.include(number, low, high)
        if b"spans" in row.raw_attributes:
            spans = _spans_splice(self.sheet, row, low, high)
            if spans is not None:
                append(spans)
        xml = cells[0][1] if len(cells) == 1 else b"".join([x for _, x in cells])
        append(_splice((row.content_end, row.content_end, xml, "cells", number)))

    @property
    def empty(self) -> bool:
        return not (
            self._replaced or self._into_rows or self._new_rows or self._appended or self._finished
        )

    def apply(self) -> SplicedPart:
        sheet = self.sheet
        finished = self._finished
        self._finished = SpliceList()
        splices: list[Splice] = list(self._replaced)
        prefix = sheet.prefix
        row_close = b"</" + prefix + b"row>"
        added = self._added

        # Once per edited row of a large tracker: kept to a few steps per row.
        append = splices.append
        for number, by_offset in self._into_rows.items():
            row = sheet.row(number)
            assert row is not None
            low, high = MAX_COLUMN + 1, 0
            for cells in by_offset.values():
                cells.sort()
                low = min(low, cells[0][0])
                high = max(high, cells[-1][0])
            added.include(number, low, high)
            if b"spans" in row.raw_attributes:
                spans = _spans_splice(sheet, row, low, high)
                if spans is not None:
                    append(spans)
            if row.self_closing:
                # Open the empty row up: everything before its "/>" stays byte-identical.
                cells = sorted(c for cs in by_offset.values() for c in cs)
                xml = b">" + b"".join([x for _, x in cells]) + row_close
                append(Splice(row.slash, row.end, xml, "row opened", number))
                continue
            for offset, cells in by_offset.items():
                xml = cells[0][1] if len(cells) == 1 else b"".join([x for _, x in cells])
                append(_splice((offset, offset, xml, "cells", number)))
        appended = self._appended
        while appended:
            # Taken out as they are spliced: a row's pieces go as its splice comes, instead of
            # both living until the end (tens of MB at 100,000 rows).
            number, (row, cells) = appended.popitem()
            self._splice_appended(number, row, cells, append)

        rows_by_offset: dict[int, list[tuple[int, bytes]]] = {}
        for number, cells in self._new_rows.items():
            cells.sort()
            added.include(number, cells[0][0], cells[-1][0])
            xml = (
                b"<" + prefix + b'row r="' + str(number).encode() + b'">'
                + b"".join(x for _, x in cells) + row_close
            )  # fmt: skip
            offset = sheet.row_insert_position(number)
            rows_by_offset.setdefault(offset, []).append((number, xml))
        for offset, rows in rows_by_offset.items():
            rows.sort()
            joined = b"".join(xml for _, xml in rows)
            if sheet.sheet_data.group("sc"):
                sd = sheet.sheet_data
                close = b"</" + sd.group("q") + b">"
                splices.append(Splice(sd.start("sc"), sd.end(), b">" + joined + close, "rows"))
            else:
                splices.append(Splice(offset, offset, joined, "rows"))

        dimension = _grown_dimension(sheet, added)
        if dimension is not None:
            splices.append(dimension)

        # Planned row by row, the splices are nearly in order already, which sorting exploits.
        splices.sort(key=operator.itemgetter(0, 1))
        ordered = merged_splices(finished, splices)
        position = 0
        for start, end, _, _, _ in ordered:
            if start < position:
                sheet.refuse("two edits overlap (internal error; nothing was written)")
            position = end
        self.splices = ordered
        # The cells are in the splices now; their pieces (a few bytes each, hundreds of
        # thousands in a large run) need not live on.
        self._appended.clear()
        self._into_rows.clear()
        self._new_rows.clear()
        return SplicedPart(sheet.data, ordered)


def merged_splices(finished: SpliceList, others: list[Splice]) -> SpliceList:
    """The finished rows' splices and the others (sorted), in one order, as a stable sort of
    both would put them.

    The others are nearly always outside the rows (the dimension and the columns before them,
    the links after), so the finished splices are copied as they are between them; a splice
    that falls among the finished rows' sorts everything again.
    """
    key = operator.itemgetter(0, 1)
    if not finished:
        return SpliceList(others)
    first, last = finished[0], finished[len(finished) - 1]
    before = [s for s in others if key(s) < key(first)]
    after = [s for s in others if key(s) >= key(last)]
    if not finished.in_order or len(before) + len(after) != len(others):
        return SpliceList(sorted([*finished, *others], key=key))
    ordered = SpliceList(before)
    ordered.extend(finished)
    ordered.extend(SpliceList(after))
    return ordered


BLOCK_SIZE = 1 << 20


class SplicedPart:
    """A part's new bytes as its original bytes with ordered, disjoint splices applied.

    :meth:`blocks` makes them a block at a time, so that only one block of the new part is
    in memory at once; :meth:`to_bytes` joins them, for the few callers that need the whole.
    """

    __slots__ = ("original", "size", "splices")

    def __init__(self, original: bytes, splices: Sequence[Splice]) -> None:
        self.original = original
        self.splices = splices
        self.size = len(original) + sum(len(s.xml) - (s.end - s.start) for s in splices)

    def __len__(self) -> int:
        return self.size

    def blocks(self, size: int = BLOCK_SIZE) -> Iterator[bytes]:
        """The new bytes, in order, in blocks of about ``size`` (never empty)."""
        data = memoryview(self.original)
        parts: list[bytes | memoryview] = []
        pending = position = 0
        for start, end, xml, _, _ in self.splices:
            while start - position >= size:  # a long stretch without changes: cut it up
                cut = position + size - pending
                parts.append(data[position:cut])
                yield b"".join(parts)
                parts, pending, position = [], 0, cut
            parts += (data[position:start], xml)
            pending += start - position + len(xml)
            position = end
            if pending >= size:
                yield b"".join(parts)
                parts, pending = [], 0
        while len(data) - position + pending > size:
            cut = position + size - pending
            parts.append(data[position:cut])
            yield b"".join(parts)
            parts, pending, position = [], 0, cut
        parts.append(data[position:])
        last = b"".join(parts)
        if last:
            yield last

    def to_bytes(self) -> bytes:
        return b"".join(self.blocks())


class _Bounds:
    """The rows and columns the new cells cover, to grow the sheet's dimension."""

    def __init__(self) -> None:
        self.bounds: tuple[int, int, int, int] | None = None

    def include(self, row: int, low: int, high: int) -> None:
        b = self.bounds
        if b is None:
            self.bounds = (row, low, row, high)
        else:
            self.bounds = (min(b[0], row), min(b[1], low), max(b[2], row), max(b[3], high))


def _attribute_value_span(
    masked: bytes, attributes_start: int, attributes_end: int, name: bytes
) -> tuple[int, int] | None:
    """Offsets of one attribute's value (inside the quotes), to replace only those bytes."""
    for m in ATTRIBUTE_RE.finditer(masked, attributes_start, attributes_end):
        if m.group(1) == name:
            group = 2 if m.group(2) is not None else 3
            return m.start(group), m.end(group)
    return None


def _spans_splice(sheet: WorksheetXml, row: RowSpot, low: int, high: int) -> Splice | None:
    """Widen the row's ``spans`` hint to the new columns, if it has one that is too narrow."""
    raw = row.raw_attributes
    at = raw.find(b' spans="')
    if at < 0 and b"spans" not in raw:
        return None
    if at >= 0 and b"'" not in raw and raw.count(b'"', 0, at) % 2 == 0:
        # The layout every writer uses, found without walking the attributes: the quotes
        # before it are paired, so this is an attribute and not part of another's value.
        start = row.attributes_start + at + len(b' spans="')
        span: tuple[int, int] | None = (start, sheet.data.index(b'"', start))
    else:
        span = _attribute_value_span(
            sheet.masked, row.attributes_start, row.attributes_start + len(raw), b"spans"
        )
    if span is None:
        return None
    value = sheet.data[span[0] : span[1]]
    widened = _widened_spans(value, low, high)
    if widened == value:
        return None
    return _splice((span[0], span[1], widened, "value", row.number))


@functools.lru_cache(maxsize=256)
def _widened_spans(value: bytes, low: int, high: int) -> bytes:
    ranges = []
    for part in value.split():
        bounds = part.split(b":")
        try:
            ranges.append([int(bounds[0]), int(bounds[-1])])
        except ValueError:
            return value
    if not ranges:
        return value
    ranges[0][0] = min(ranges[0][0], low)
    ranges[-1][1] = max(ranges[-1][1], high)
    return b" ".join(f"{a}:{b}".encode() for a, b in ranges)


def _grown_dimension(sheet: WorksheetXml, added: _Bounds) -> Splice | None:
    tag = sheet.dimension
    if tag is None or added.bounds is None:
        return None
    attrs = parse_attributes(tag.group("a"))
    ref = unescape_xml(dict(attrs).get(b"ref", b""))
    bounds = parse_range(ref)
    new_bounds = added.bounds
    if bounds is not None and not _is_empty_sheet_dimension(sheet, ref):
        new_bounds = (
            min(bounds[0], new_bounds[0]),
            min(bounds[1], new_bounds[1]),
            max(bounds[2], new_bounds[2]),
            max(bounds[3], new_bounds[3]),
        )
    if bounds == new_bounds:
        return None
    r1, c1, r2, c2 = new_bounds
    new_ref = cell_reference(r1, c1)
    if (r1, c1) != (r2, c2):
        new_ref += ":" + cell_reference(r2, c2)
    span = _attribute_value_span(sheet.masked, tag.start("a"), tag.end("a"), b"ref")
    if span is None:
        return None
    return Splice(span[0], span[1], new_ref.encode(), "value")


def _is_empty_sheet_dimension(sheet: WorksheetXml, ref: str) -> bool:
    # Writers put ref="A1" on a sheet with no cells; widening it would claim A1 is used.
    return ref.strip().upper() == "A1" and sheet.row(1) is None and not sheet._index_rows().numbers
