"""Reading a freshly built package back before it may replace the user's workbook.

The writer splices bytes and rebuilds the zip itself, so a bug there would otherwise reach the
user's file unnoticed. Before :class:`~sheet_followup.xlsx.edit.WorkbookEditor` hands the bytes
out, they are opened again from scratch and compared with what the writer meant to do:

* the zip lists the original members in the original order, plus only the parts the writer
  meant to add; every member the writer did not mean to change decompresses to the original
  bytes, and every member it did change decompresses to exactly the bytes it built;
* each edited sheet is the original sheet with the planned splices and nothing else: every
  other byte is compared with the original's, so no user cell, row or section can have moved,
  changed or gone. The written member is inflated in pieces and compared as it comes with the
  original and the splices, walked here on their own: the new sheet is never held whole;
* each splice keeps the sheet well-formed: new cells sit between two elements of the row the
  cell names, a replaced cell was one whole element, a changed attribute value stays inside its
  quotes, and every piece of new markup is itself well-formed (a strict pattern of the simple
  cell forms, else expat with the sheet's namespaces). What lies outside the rows (the root,
  sheetData's tags, hyperlinks, everything after the rows) is parsed whole by expat;
* every cell the writer wrote reads back, as a reader of the file would read it, with the
  intended value: the text (with Excel's ``_xHHHH_`` escapes undone), or a whole-number date
  serial of the intended day in the workbook's date system, in a style whose number format
  shows dates; a cleared cell holds nothing;
* every hyperlink the writer set or removed reads back through expat, namespaces resolved, from
  the new sheet and its new ``.rels`` part (the sheet's relationships are an intended change
  whenever a link is): the cell's one ``<hyperlink>`` names a relationship that is an external
  hyperlink to the intended URL, and a removed link is gone.

So the edited sheet is well-formed whenever the original was, without parsing its rows again:
a 100,000-row sheet costs a few comparisons and one short pattern match per written cell, not
a parse of tens of megabytes. (A sheet that was already damaged stays as damaged as it was; the
tool's cells do not make it worse.)

This lives in the xlsx package and runs inside ``WorkbookEditor.build`` (not in the batch)
because only the writer knows which members, bytes and cells it meant to change, and so that
every caller gets checked bytes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, NoReturn
from xml.etree import ElementTree
from xml.parsers import expat

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import (
    ATTRIBUTES,
    any_prefix_start_tag_pattern,
    attribute_map,
    decode_ooxml_escapes,
    format_attribute,
    mask_opaque_sections,
    parse_attributes,
    unescape_xml,
)
from sheet_followup.xlsx.package import Content, Package, relationships_part_name
from sheet_followup.xlsx.references import cell_reference, column_number, parse_reference
from sheet_followup.xlsx.serials import serial_to_date
from sheet_followup.xlsx.splice import Splice, SplicedPart
from sheet_followup.xlsx.styles import StylesEditor

_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROOT_RE = any_prefix_start_tag_pattern(b"worksheet")
_SHEET_DATA_RE = any_prefix_start_tag_pattern(b"sheetData")
# Text as the writer escapes it: no markup, no bare "&", no control characters and no raw CR
# (which a parser would read as LF). Anything else goes to expat.
_SIMPLE_TEXT = (  # written unrolled, so the engine takes runs of plain text at once
    rb"[^<>&\x00-\x08\x0b-\x1f]*(?:&(?:amp|lt|gt|quot|apos|#13);[^<>&\x00-\x08\x0b-\x1f]*)*"
)
_NOT_IN_VALUE_RE = re.compile(rb"[<>&\"'=]")
_SAFE_VALUE_RE = re.compile(rb"[0-9A-Za-z:$ ]*")
_UNWANTED = object()  # a written cell the writer did not mean to write
READ_SIZE = 1 << 20  # how much of a written member is inflated at a time
_REF_RE = re.compile(rb'<(?:[A-Za-z_][\w.\-]*:)?c\s[^>]*?\br="([A-Za-z]{1,3}[0-9]+)"')


class ExpectedDate(NamedTuple):
    """A date cell: the day, and the serial the writer meant to store for it (a tuple: the
    planner makes one per date cell)."""

    day: dt.date
    serial: int


ExpectedValue = str | ExpectedDate | None  # None: the cell was cleared


@dataclass(frozen=True)
class WrittenSheet:
    """One sheet the writer changed: what it meant each written cell and link to hold."""

    sheet_name: str
    cells: Mapping[tuple[int, int], ExpectedValue]
    links: Mapping[tuple[int, int], str | None] = field(default_factory=dict)  # None: removed
    sheet_part: str = ""
    rels: bytes | None = None  # the sheet's new relationships part, when it changed
    original_sheet: bytes = b""  # the sheet before the writer's changes (empty when new)
    splices: Sequence[Splice] = ()  # what the writer changed in it, in order


@dataclass(frozen=True)
class WrittenPackage:
    """What the writer meant to produce, to compare the new bytes against."""

    data: bytes
    replacements: Mapping[str, Content]
    additions: Sequence[tuple[str, Content]]
    sheets: Sequence[WrittenSheet] = ()
    styles: bytes | None = None  # the styles part as written (None: the package has none)
    date1904: bool = False


def verify_package(original: Package, written: WrittenPackage) -> None:
    """Raise XlsxError unless ``written.data`` reads back as intended; see the module doc."""
    _check_members(original, written)
    added = dict(written.additions)
    for sheet in written.sheets:
        if not (sheet.cells or sheet.links or sheet.splices):
            continue
        new = written.replacements.get(sheet.sheet_part, added.get(sheet.sheet_part))
        if not isinstance(new, SplicedPart):
            raise _fail(original, f"the sheet {sheet.sheet_name!r} was not written")
        # _check_members found the written sheet to be the original with these splices.
        check = _SheetCheck(original, written, sheet)
        links = check.read_outside_rows()
        check.check_splices()
        check.check_cells()
        _check_links(original, sheet, links)
        if sheet.rels is not None and not sheet.links:
            _read_relationships(original, sheet.rels)  # still well-formed, links or not


def _fail(original: Package, what: str) -> XlsxError:
    return XlsxError(
        f"{original.path.name}: the written copy did not read back as intended ({what}); "
        "your workbook was not changed, nor anything else. This is a bug in sheet-followup: "
        "please report it (with the workbook, if you can share it)"
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
        sheets = {sheet.sheet_part: sheet for sheet in written.sheets}
        for name in names:
            intended = written.replacements.get(name, added.get(name))
            what = "the bytes the writer built"
            try:
                if isinstance(intended, SplicedPart):
                    _check_spliced_member(original, archive, name, intended, sheets.get(name))
                    continue
                if intended is None:
                    intended, what = original.read(name), "the original's bytes"
                same = _reads_as(archive, name, [intended])
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise _fail(original, f"{name} cannot be read: {exc}") from exc
            if not same:
                raise _fail(original, f"{name} is not {what}")


def _check_spliced_member(
    original: Package,
    archive: zipfile.ZipFile,
    name: str,
    intended: SplicedPart,
    sheet: WrittenSheet | None,
) -> None:
    """The member is the original sheet with the planned splices, compared as it inflates."""
    if sheet is None:
        raise _fail(original, f"{name} was changed, but not as a sheet the writer edited")
    old, splices = memoryview(sheet.original_sheet), sheet.splices
    position = 0
    for start, end, _, _, _ in splices:
        if not position <= start <= end <= len(old):
            raise _fail(original, "the planned changes of the sheet overlap")
        position = end

    def planned() -> Iterator[bytes | memoryview]:
        at = 0
        for start, end, xml, _, _ in splices:
            yield old[at:start]
            yield xml
            at = end
        yield old[at:]

    if _reads_as(archive, name, planned()):
        return
    # Which of the two went wrong: the zip (or its writer), or the splicing itself.
    if not _reads_as(archive, name, intended.blocks()):
        raise _fail(original, f"{name} is not the bytes the writer built")
    raise _fail(
        original,
        f"the sheet {sheet.sheet_name!r} differs from the original outside the tool's changes",
    )


def _reads_as(archive: zipfile.ZipFile, name: str, pieces: Iterable[bytes | memoryview]) -> bool:
    """Whether the member decompresses to the pieces, joined, read ``READ_SIZE`` at a time (a
    sheet may be tens of megabytes; no copy of it is kept). zipfile checks the CRC when it
    reaches the end."""
    with archive.open(name) as member:
        buffer, at = member.read(READ_SIZE), 0
        for piece in pieces:
            size = len(piece)
            if at + size <= len(buffer):  # nearly every piece: a few hundred bytes
                if not buffer.startswith(piece, at):
                    return False
                at += size
                continue
            view, done = memoryview(piece), 0
            while done < size:
                if at == len(buffer):
                    buffer, at = member.read(READ_SIZE), 0
                    if not buffer:
                        return False
                take = min(size - done, len(buffer) - at)
                if not buffer.startswith(view[done : done + take], at):
                    return False
                at, done = at + take, done + take
        return at == len(buffer) and not member.read(1)


# A written cell as a reader finds it: its type, style, <v> text and inline text. (A plain
# tuple: one is made per written cell, hundreds of thousands in a large run.)
_Found = tuple[str, int, str | None, str | None]


@dataclass(frozen=True)
class _Rows:
    """Where a sheet's rows are: sheetData's start tag, and the offsets of its content."""

    tag: re.Match[bytes]
    start: int  # end of the start tag
    end: int  # start of the end tag (== start for an empty element)
    close_end: int  # end of the end tag


def _rows_of(masked: bytes) -> _Rows | None:
    tag = _SHEET_DATA_RE.search(masked)
    if tag is None:
        return None
    if tag.group("sc"):
        return _Rows(tag, tag.end(), tag.end(), tag.end())
    close = b"</" + tag.group("q")
    at = masked.rfind(close)
    m = re.compile(re.escape(close) + rb"\s*>").match(masked, at) if at >= tag.end() else None
    if m is None:
        return None
    return _Rows(tag, tag.end(), at, m.end())


@functools.lru_cache(maxsize=8)
def _simple_cell_pattern(prefix: bytes) -> re.Pattern[bytes]:
    """The cell forms the writer produces: r, s and t in that order, a number or an inline
    string. A match is a well-formed element, and its groups are what a parser would read."""
    c, v, is_, t = (re.escape(prefix + name) for name in (b"c", b"v", b"is", b"t"))
    return re.compile(
        rb"<" + c + rb' r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
        rb"(?:/>|>(?:<" + v + rb">([^<>&\x00-\x1f]*)</" + v + rb">"
        rb"|<" + is_ + rb"><" + t + rb'(?: xml:space="preserve")?>(' + _SIMPLE_TEXT + rb")</"
        + t + rb"></" + is_ + rb">)?</" + c + rb">)"
    )  # fmt: skip


class _SheetCheck:
    """The edited sheet against the original sheet and the splices the writer planned."""

    def __init__(self, original: Package, package: WrittenPackage, written: WrittenSheet) -> None:
        self.original = original
        self.package = package
        self.written = written
        self.old = written.original_sheet
        self.old_masked = mask_opaque_sections(self.old)
        rows = _rows_of(self.old_masked)
        if rows is None:
            self.fail("the original sheet has no sheetData element")
        self.rows = rows
        qname = rows.tag.group("q")
        self.prefix = qname[: -len(b"sheetData")]
        self.cell_pattern = _simple_cell_pattern(self.prefix)
        self.row_open = b"<" + self.prefix + b"row"
        self.row_close = b"</" + self.prefix + b"row"
        self.row_tag = re.compile(
            re.escape(self.row_open) + rb"(?=[\s/>])(?P<a>" + ATTRIBUTES + rb")(?P<sc>/?)>"
        )
        self.quick_row_number = re.compile(re.escape(self.row_open) + rb'\s+r="([0-9]+)"')
        # A row tag as writers write it (r first, double quotes): number, "/" if empty, end.
        self.quick_row_tag = re.compile(
            re.escape(self.row_open) + rb'\s+r="([0-9]+)"(?:\s+[^\s=/>]+="[^"]*")*\s*(/?)>'
        )
        # Written cells come in sheet order, so rows and columns must only grow: a cell
        # written twice (or out of place) shows up without keeping a set of them all.
        self.last_key = (0, 0)
        self.found_count = 0
        self._good_dates: set[tuple[_Found, dt.date]] = set()
        self._good_raw_dates: set[tuple[bytes | None, bytes, dt.date]] = set()
        self._columns: dict[bytes, int] = {}
        self._implicit_rows: tuple[list[int], list[int]] | None = None
        self._last_row: tuple[int, int, int] = (-1, -1, 0)  # (tag start, content end, number)

    def fail(self, what: str, cause: BaseException | None = None) -> NoReturn:
        if cause is None:
            raise _fail(self.original, what)
        raise _fail(self.original, what) from cause

    def where(self, row: int, column: int) -> str:
        return f"{self.written.sheet_name}!{cell_reference(row, column)}"

    # --- the bytes ---------------------------------------------------------------------

    def read_outside_rows(self) -> list[tuple[str, str | None]]:
        """Parse all of the new sheet but its rows; returns (ref, relationship id) of every
        ``<hyperlink>``. Proves the root, sheetData's tags and all that follows well-formed."""
        document = self._outside_rows()
        masked = mask_opaque_sections(document)
        rows = _rows_of(masked)
        if rows is None or _ROOT_RE.search(masked, 0, rows.tag.start()) is None:
            self.fail("the sheet has no worksheet or sheetData element")
        root = _tree(self.original, document, "the sheet outside its rows")
        found: list[tuple[str, str | None]] = []
        ids = [f"{{{ns}}}id" for ns in _RELATIONSHIP_NAMESPACES]
        for namespace in _MAIN_NAMESPACES:
            for link in root.iter(f"{{{namespace}}}hyperlink"):
                rel_id = next((link.get(i) for i in ids if link.get(i) is not None), None)
                found.append((link.get("ref", "").replace("$", "").upper(), rel_id))
        return found

    def _outside_rows(self) -> bytes:
        """The new sheet without the content of sheetData, from the original and the splices
        (which the member check found the written sheet to be), without a copy of its rows."""
        old, rows = self.old, self.rows
        tag = rows.tag
        head: list[bytes] = []
        tail: list[bytes] = []
        head_at, tail_at = 0, rows.end
        for start, end, xml, kind, _ in self.written.splices:
            if tag.group("sc") and kind == "rows" and (start, end) == (tag.start("sc"), tag.end()):
                # An empty <sheetData/> given rows: its start tag, then its new end tag.
                head += (old[head_at:start], b">")
                tail.append(b"</" + tag.group("q") + b">")
                head_at = end
            elif end < rows.start or (end == rows.start and start < end):
                head += (old[head_at:start], xml)
                head_at = end
            elif start > rows.end or (start == rows.end and start < end):
                tail += (old[tail_at:start], xml)
                tail_at = end
            # Anything else is inside the rows (or across their bounds: check_splices says so).
        head.append(old[head_at : rows.start])
        tail.append(old[tail_at:])
        return b"".join(head) + b"".join(tail)

    # --- the splices -------------------------------------------------------------------

    def check_splices(self) -> None:
        rows = self.rows
        sheet_data_start = rows.tag.start()
        rows_start, rows_end = rows.start, rows.end
        masked = self.old_masked
        for splice in self.written.splices:
            kind = splice.kind
            start = splice.start
            if (
                kind == "cells"
                and start == splice.end
                and rows_start <= start <= rows_end
                and masked[start] == 60  # "<": new cells go before a tag, between elements
            ):
                if self._row_holding(start) != splice.row:
                    self.fail(f"new cells of row {splice.row} are placed outside that row")
                self._read_cells(splice.xml, splice.row)
                continue
            inside = rows.start <= splice.start and splice.end <= rows.end
            if kind == "value" and inside:
                end = splice.end
                quick = (  # a row's spans="...", as writers write it
                    masked[end] == 34  # '"'
                    and masked.startswith(b' spans="', start - 8)
                    and _NOT_IN_VALUE_RE.search(masked, start, end) is None
                )
                if not (quick or self._in_quotes(splice)) or not _SAFE_VALUE_RE.fullmatch(
                    splice.xml
                ):
                    self.fail(f"an attribute value would be {splice.xml!r}")
                continue
            outside = splice.end <= sheet_data_start or splice.start >= rows.close_end
            if kind == "cells" and inside:
                self._check_cells_splice(splice)
            elif kind == "row opened" and inside:
                self._check_opened_row(splice)
            elif kind == "rows":
                self._check_rows_splice(splice, inside)
            elif kind == "value" and (outside or (inside and self._in_quotes(splice))):
                if not _SAFE_VALUE_RE.fullmatch(splice.xml):
                    self.fail(f"an attribute value would be {splice.xml!r}")
            elif not (kind == "other" and outside):
                self.fail(f"a change of kind {kind!r} is in the wrong part of the sheet")

    def _check_cells_splice(self, splice: Splice) -> None:
        if self.old_masked[splice.start : splice.start + 1] != b"<":
            self.fail(f"new cells of row {splice.row} are not placed between two elements")
        if self._row_holding(splice.start) != splice.row:
            self.fail(f"new cells of row {splice.row} are placed outside that row")
        if splice.end > splice.start:
            old = self.old[splice.start : splice.end]
            if self.cell_pattern.fullmatch(old) is None:
                replaced = self._parse_cells(old, rows=False, need_ref=False)
                if len(replaced) != 1:
                    self.fail(f"a replaced part of row {splice.row} was not one cell")
        self._read_cells(splice.xml, splice.row)

    def _check_opened_row(self, splice: Splice) -> None:
        close = self.row_close + b">"
        xml = splice.xml
        if (
            self.old[splice.start : splice.end] != b"/>"
            or not xml.startswith(b">")
            or not xml.endswith(close)
        ):
            self.fail(f"row {splice.row} was not opened up as an empty row")
        lt = self.old_masked.rfind(b"<", self.rows.start, splice.start)
        tag = self.row_tag.match(self.old_masked, lt) if lt >= 0 else None
        if tag is None or tag.end() != splice.end or self._number_of_row_at(lt) != splice.row:
            self.fail(f"row {splice.row} was not opened up as an empty row")
        self._read_cells(xml[1 : -len(close)], splice.row)

    def _check_rows_splice(self, splice: Splice, inside: bool) -> None:
        xml = splice.xml
        tag = self.rows.tag
        if inside and splice.start == splice.end:
            at = splice.start
            at_row = self.old_masked.startswith(self.row_open, at) and self.row_tag.match(
                self.old_masked, at
            )
            if not (at == self.rows.end or at_row) or self._row_holding(at) is not None:
                self.fail("new rows are not placed between two rows")
        elif (
            tag.group("sc")
            and (splice.start, splice.end) == (tag.start("sc"), tag.end())
            and xml.startswith(b">")
            and xml.endswith(b"</" + tag.group("q") + b">")
        ):
            xml = xml[1 : -len(b"</" + tag.group("q") + b">")]
        else:
            self.fail("new rows are in the wrong part of the sheet")
        for row, column, found in self._parse_cells(xml, rows=True, need_ref=True):
            self._record(row, column, found)

    def _in_quotes(self, splice: Splice) -> bool:
        """Whether the range is all of one attribute's value, so any safe value keeps the tag."""
        masked = self.old_masked
        quote = masked[splice.start - 1 : splice.start]
        if quote not in (b'"', b"'") or masked[splice.end : splice.end + 1] != quote:
            return False
        if _NOT_IN_VALUE_RE.search(masked, splice.start, splice.end):
            return False
        before = splice.start - 2
        while before >= 0 and masked[before] in b" \t\r\n":
            before -= 1
        return before >= 0 and masked[before] == ord("=")

    # --- rows of the original ----------------------------------------------------------

    def _row_holding(self, at: int) -> int | None:
        """The number of the original row whose content holds offset ``at`` (None: no row)."""
        start, content_end, number = self._last_row
        if start < at <= content_end:
            return number
        masked = self.old_masked
        lt = masked.rfind(self.row_open, self.rows.start, at)
        quick = self.quick_row_tag.match(masked, lt) if lt >= 0 else None
        if quick is not None and not quick.group(2) and quick.end() <= at:
            # Not closed before ``at``: then ``at`` is inside this row.
            if masked.find(self.row_close, quick.end(), at) < 0:
                number = int(quick.group(1))
                self._last_row = (lt, at, number)
                return number
            return None
        while lt >= 0 and masked[lt + len(self.row_open) : lt + len(self.row_open) + 1] not in (
            b" ", b"\t", b"\n", b"\r", b">", b"/",
        ):  # fmt: skip
            lt = masked.rfind(self.row_open, self.rows.start, lt)
        if lt < 0:
            return None
        tag = self.row_tag.match(masked, lt)
        if tag is None or tag.group("sc") or tag.end() > at:
            return None
        close = masked.find(self.row_close, tag.end(), self.rows.end)
        if close < 0 or close < at:
            return None
        number = self._number_of_row_at(lt)
        self._last_row = (lt, close, number)
        return number

    def _number_of_row_at(self, lt: int) -> int:
        quick = self.quick_row_number.match(self.old_masked, lt)
        if quick is not None:
            return int(quick.group(1))
        tag = self.row_tag.match(self.old_masked, lt)
        raw = attribute_map(tag.group("a")).get(b"r") if tag is not None else None
        if raw is not None:
            try:
                return int(raw)
            except ValueError as exc:
                self.fail(f"a row has the number {raw!r}", exc)
        # No r: the row's number is one more than the previous row's, so count them.
        if self._implicit_rows is None:
            starts: list[int] = []
            numbers: list[int] = []
            previous = 0
            for m in self.row_tag.finditer(self.old_masked, self.rows.start, self.rows.end):
                r = attribute_map(m.group("a")).get(b"r")
                previous = int(r) if r is not None and r.isdigit() else previous + 1
                starts.append(m.start())
                numbers.append(previous)
            self._implicit_rows = (starts, numbers)
        starts, numbers = self._implicit_rows
        i = bisect.bisect_left(starts, lt)
        if i == len(starts) or starts[i] != lt:
            self.fail("a row of the original cannot be found again")
        return numbers[i]

    # --- the cells ---------------------------------------------------------------------

    def _read_cells(self, xml: bytes, row: int) -> None:
        """Record the cells of a piece that must be cells of ``row`` and nothing else."""
        match = self.cell_pattern.match
        cells = self.written.cells
        good_dates = self._good_raw_dates
        columns = self._columns
        position, end = 0, len(xml)
        row_bytes = b"%d" % row
        while position < end:
            m = match(xml, position)
            if m is None:
                for cell_row, column, cell in self._parse_cells(
                    xml[position:], rows=False, need_ref=True
                ):
                    if cell_row != row:
                        self.fail(f"a cell of row {row} names row {cell_row}")
                    self._record(cell_row, column, cell)
                return
            letters, number, style, kind, value, text = m.groups()
            if number != row_bytes:
                self.fail(f"a cell of row {row} names row {int(number)}")
            column = columns.get(letters) or self._column(letters)
            key = (row, column)
            wanted = cells.get(key, _UNWANTED)
            try:
                if kind == b"inlineStr" and text is not None and type(wanted) is str:
                    # The common case, checked here: an inline string as the writer meant it.
                    shown = unescape_xml(text)
                    if shown == wanted and "_x" not in shown and key > self.last_key:
                        self.last_key = key
                        self.found_count += 1
                        position = m.end()
                        continue
                elif (
                    kind is None
                    and type(wanted) is ExpectedDate
                    and (style, value, wanted.day) in good_dates
                    and key > self.last_key
                ):
                    # A date cell exactly like one already judged right.
                    self.last_key = key
                    self.found_count += 1
                    position = m.end()
                    continue
                found = (
                    kind.decode() if kind is not None else "n",
                    int(style) if style is not None else 0,
                    value.decode("utf-8") if value is not None else None,
                    unescape_xml(text) if text is not None else None,
                )
            except UnicodeDecodeError as exc:
                self.fail(f"a cell of row {row} is not valid UTF-8", exc)
            self._record(row, column, found)
            if kind is None and type(wanted) is ExpectedDate:
                good_dates.add((style, value, wanted.day))  # _record found nothing wrong
            position = m.end()

    def _column(self, letters: bytes) -> int:
        column = self._columns.get(letters)
        if column is None:
            column = self._columns[letters] = column_number(letters.decode("ascii"))
        return column

    def _record(self, row: int, column: int, found: _Found) -> None:
        """Check one written cell as found in the new sheet against what the writer meant."""
        key = (row, column)
        if key == self.last_key:
            self.fail(f"{self.where(row, column)} was written twice")
        if key < self.last_key:
            self.fail(
                f"{self.where(row, column)} is out of order (after {self.where(*self.last_key)})"
            )
        wanted = self.written.cells.get(key, _UNWANTED)
        if wanted is _UNWANTED:
            self.fail(f"{self.where(row, column)} was written but not meant to be")
        if isinstance(wanted, str):
            text = _text_of(found)
            if text != wanted:
                shown = text if text is not None else found[2]
                self.fail(f"{self.where(row, column)} holds {shown!r}, expected {wanted!r}")
        elif wanted is None:
            if found[2] is not None or found[3] is not None:
                self.fail(f"{self.where(row, column)} was not cleared")
        elif isinstance(wanted, ExpectedDate):
            # Follow-up dates repeat down the rows: each (cell, day) is judged once.
            judged = (found, wanted.day)
            if judged not in self._good_dates:
                problem = _date_problem(found, wanted, self._styles, self.package.date1904)
                if problem is not None:
                    self.fail(
                        f"{self.where(row, column)} holds {problem}, "
                        f"expected {wanted.day.isoformat()!r}"
                    )
                self._good_dates.add(judged)
        self.last_key = key
        self.found_count += 1

    @functools.cached_property
    def _styles(self) -> StylesEditor:
        return StylesEditor.parse(self.package.styles)

    def _parse_cells(
        self, xml: bytes, *, rows: bool, need_ref: bool
    ) -> list[tuple[int, int, _Found]]:
        """The cells (or rows of cells) in ``xml``, read by expat with the sheet's namespaces
        in scope: the general case (rich text, other attributes, ``<extLst>``, odd spacing)."""
        cells: list[tuple[int, int, _Found]] = []
        stack: list[str] = []
        row_number = 0
        cell: dict[str, str] = {}
        value: list[str] | None = None
        text: list[str] | None = None
        cell_depth = 3 if rows else 2  # under the wrapper element (depth 1)

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row_number, cell, value, text
            namespace, _, local = name.rpartition(" ")
            depth = len(stack) + 1
            stack.append(local if namespace in _MAIN_NAMESPACES else name)
            if 1 < depth <= cell_depth and namespace not in _MAIN_NAMESPACES:
                self.fail(f"new markup in the rows is not a row or a cell: {name!r}")
            if rows and depth == 2:
                if local != "row" or not attrs.get("r", "").isdigit():
                    self.fail("a new row has no number")
                row_number = int(attrs["r"])
            elif depth == cell_depth:
                if local != "c":
                    self.fail(f"new markup in a row is not a cell: {local!r}")
                cell, value, text = attrs, None, None
            elif depth == cell_depth + 1 and local == "v":
                value = []
            elif depth == cell_depth + 1 and local == "is":
                text = []

        def end(name: str) -> None:
            nonlocal row_number
            depth = len(stack)
            stack.pop()
            if depth != cell_depth:
                return
            ref = cell.get("r", "").replace("$", "")
            m = re.fullmatch(r"([A-Za-z]{1,3})([0-9]+)", ref)
            if m is None and need_ref:
                self.fail("a written cell has no reference")
            row = int(m.group(2)) if m is not None else row_number
            column = column_number(m.group(1)) if m is not None else 0
            if rows and row != row_number:
                self.fail(f"a cell of new row {row_number} names row {row}")
            try:
                style = int(cell.get("s", "0"))
            except ValueError:
                style = -1
            found = (
                cell.get("t", "n"),
                style,
                "".join(value) if value is not None else None,
                "".join(text) if text is not None else None,
            )
            cells.append((row, column, found))

        def characters(data: str) -> None:
            depth = len(stack)
            if depth == cell_depth + 1 and stack[-1] == "v" and value is not None:
                value.append(data)
            elif (
                depth > cell_depth + 1
                and text is not None
                and stack[cell_depth] == "is"
                and stack[-1] == "t"
                and "rPh" not in stack
            ):
                text.append(data)
            elif depth < cell_depth and data.strip():
                self.fail("there is text between the new cells")

        declarations = self._namespace_declarations
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        try:
            parser.Parse(b"<w" + declarations + b">" + xml + b"</w>", True)
        except expat.ExpatError as exc:
            self.fail(f"new cells are not valid XML: {exc}", exc)
        return cells

    @functools.cached_property
    def _namespace_declarations(self) -> bytes:
        """The namespaces in scope inside sheetData (the root's, then sheetData's own, which
        win), declared again on the wrapper element the general parse puts around new cells."""
        declared: dict[bytes, bytes] = {}
        for tag in (_ROOT_RE.search(self.old_masked), self.rows.tag):
            for name, value in parse_attributes(tag.group("a")) if tag is not None else ():
                if name == b"xmlns" or name.startswith(b"xmlns:"):
                    declared[name] = value
        return b"".join(format_attribute(name, value) for name, value in declared.items())

    def check_cells(self) -> None:
        """Every cell the writer meant to write was found (and checked) in the splices."""
        if self.found_count != len(self.written.cells):
            # Every cell found was wanted and found once, so some wanted cell is missing.
            refs = (ref.decode() for s in self.written.splices for ref in _REF_RE.findall(s.xml))
            found = {parse_reference(ref) for ref in refs}
            missing = next((key for key in self.written.cells if key not in found), None)
            shown = self.where(*missing) if missing is not None else "a cell"
            self.fail(f"{shown} was not written")


def _text_of(found: _Found) -> str | None:
    """The text a reader shows for a string cell (inline or formula-string), else None."""
    kind, _, value, text = found
    if kind == "inlineStr" and text is not None:
        return decode_ooxml_escapes(text)
    if kind == "str" and value is not None:
        return decode_ooxml_escapes(value)
    return None


def _date_problem(
    found: _Found, wanted: ExpectedDate, styles: StylesEditor, date1904: bool
) -> str | None:
    """What is wrong with a cell that should show ``wanted`` (None: nothing)."""
    kind, style, value, _ = found
    if kind != "n" or value is None:
        return f"{_text_of(found) or value!r}, not a number"
    try:
        serial = float(value)
    except ValueError:
        return f"{value!r}, not a number"
    if serial != int(serial) or not 0 < serial < 2_958_466:
        return f"the number {value}, not a day"
    day = serial_to_date(serial, date1904=date1904)
    if day != wanted.day:
        return f"{day.isoformat()} (serial {int(serial)})"
    if not styles.is_date_style(style):
        return f"the number {int(serial)} in a style that does not show dates"
    return None


def _check_links(
    original: Package, written: WrittenSheet, links: list[tuple[str, str | None]]
) -> None:
    if not written.links:
        return
    rels = written.rels
    if rels is None:
        member = original.find(relationships_part_name(written.sheet_part))
        rels = original.read(member) if member is not None else b""
    relationships = _read_relationships(original, rels)
    # Every link of each ref, so a ref with two links (which Excel calls corrupt) is caught.
    links_by_ref: dict[str, list[str | None]] = {}
    for link_ref, rel_id in links:
        links_by_ref.setdefault(link_ref, []).append(rel_id)
    for (row, column), url in written.links.items():
        ref = cell_reference(row, column)
        found = links_by_ref.get(ref, [])
        if url is None:
            if found:
                raise _fail(original, f"{written.sheet_name}!{ref} still has a hyperlink")
            continue
        if len(found) != 1 or found[0] is None:
            raise _fail(
                original, f"{written.sheet_name}!{ref} has {len(found)} hyperlinks, expected one"
            )
        rel = relationships.get(found[0])
        if rel != ("hyperlink", url, "External"):
            raise _fail(original, f"{written.sheet_name}!{ref} links to {rel!r}, expected {url!r}")


def _read_relationships(original: Package, rels: bytes) -> dict[str, tuple[str, str, str]]:
    """Id -> (type's last segment, Target, TargetMode), by a namespace-aware parse."""
    root = _tree(original, rels, "the sheet's relationships")
    return {
        rel.get("Id", ""): (
            rel.get("Type", "").rsplit("/", 1)[-1],
            rel.get("Target", ""),
            rel.get("TargetMode", ""),
        )
        for rel in root.iter(f"{{{_PACKAGE_RELATIONSHIPS}}}Relationship")
    }


def _tree(original: Package, xml: bytes, what: str) -> ElementTree.Element:
    """Parse with expat, namespaces resolved, into a tree built in C: a sheet with 50,000
    links costs no Python call per element."""
    parser = ElementTree.XMLParser()
    try:
        parser.feed(xml)
        root: ElementTree.Element = parser.close()
    except ElementTree.ParseError as exc:
        raise _fail(original, f"{what} are not valid XML: {exc}") from exc
    return root
