"""Widening an Excel table (ListObject) so the tool's new columns join it.

Many trackers are Excel tables. When the tool adds its header cells right after the table's
last column, in the table's header row, the user expects the new columns to be part of the
table (banding, filter buttons, structured references such as ``Table1[#All]``). The table
part (``xl/tables/tableN.xml``) is edited by splicing like the sheet: the ``ref`` of the table,
of its ``autoFilter`` and of a ``sortState`` that spans the table get the new end column, and
one ``<tableColumn>`` per new column is appended; every other byte stays.

Excel "repairs" (silently drops) a table whose column names do not match its header cells
or repeat a name, and a table may not overlap another table or a merged range. So the table
is only widened when all of that holds and no cell the tool does not own would fall inside;
otherwise it is left as it was and the new cells simply sit beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass

from sheet_followup.xlsx.markup import (
    ATTRIBUTE_RE,
    any_prefix_start_tag_pattern,
    attribute_map,
    decode_ooxml_escapes,
    escape_attribute,
    mask_opaque_sections,
    protect_literal_ooxml_escapes,
    unescape_xml,
)
from sheet_followup.xlsx.package import Package
from sheet_followup.xlsx.references import MAX_COLUMN, column_letters, parse_range
from sheet_followup.xlsx.sheet_xml import WorksheetXml, check_well_formed

_TABLE_RE = any_prefix_start_tag_pattern(b"table")
_AUTO_FILTER_RE = any_prefix_start_tag_pattern(b"autoFilter")
_SORT_STATE_RE = any_prefix_start_tag_pattern(b"sortState")
_TABLE_COLUMNS_RE = any_prefix_start_tag_pattern(b"tableColumns")
_TABLE_COLUMN_RE = any_prefix_start_tag_pattern(b"tableColumn")
_CONTROL_RE = re.compile("[\x00-\x1f]")

Bounds = tuple[int, int, int, int]  # first row, first column, last row, last column


@dataclass(frozen=True)
class _Table:
    member: str
    data: bytes
    masked: bytes
    bounds: Bounds | None
    header_rows: int
    table_type: str


def widen_tables(
    package: Package,
    sheet_part: str,
    sheet: WorksheetXml,
    headers: Mapping[tuple[int, int], str],
    owned: Set[tuple[int, int]],
) -> dict[str, bytes]:
    """New bytes for each table part of ``sheet_part`` that the new header cells extend.

    ``headers`` maps the new header cells the tool writes (or that already say so) to their
    text; ``owned`` holds every cell the tool writes, which may fall inside a widened table.
    """
    if not headers:
        return {}
    tables = _tables_of(package, sheet_part)
    changed: dict[str, bytes] = {}
    for table in tables:
        new = _widen(table, tables, sheet, headers, owned)
        if new is not None:
            changed[table.member] = new
    return changed


def _tables_of(package: Package, sheet_part: str) -> list[_Table]:
    tables = []
    for rel in package.relationships(sheet_part):
        if rel.type_name != "table" or rel.external:
            continue
        member = package.find(rel.target) or package.find(package.part_name(rel.target))
        if member is None:
            continue
        data = package.read(member)
        masked = mask_opaque_sections(data)
        root = _TABLE_RE.search(masked)
        attrs = attribute_map(root.group("a")) if root is not None else {}
        try:
            header_rows = int(unescape_xml(attrs.get(b"headerRowCount", b"1")))
        except ValueError:
            header_rows = 0
        tables.append(
            _Table(
                member=member,
                data=data,
                masked=masked,
                bounds=parse_range(unescape_xml(attrs[b"ref"])) if b"ref" in attrs else None,
                header_rows=header_rows,
                table_type=unescape_xml(attrs.get(b"tableType", b"worksheet")),
            )
        )
    return tables


def _widen(
    table: _Table,
    tables: list[_Table],
    sheet: WorksheetXml,
    headers: Mapping[tuple[int, int], str],
    owned: Set[tuple[int, int]],
) -> bytes | None:
    if table.bounds is None or table.header_rows != 1 or table.table_type != "worksheet":
        return None  # no header row to join, or a query/XML table with its own column maps
    r1, c1, r2, c2 = table.bounds
    names: list[str] = []
    while c2 + len(names) + 1 <= MAX_COLUMN and (r1, c2 + len(names) + 1) in headers:
        names.append(headers[(r1, c2 + len(names) + 1)])
    if not names or any(not name for name in names):
        return None
    new_c2 = c2 + len(names)
    added: Bounds = (r1, c2 + 1, r2, new_c2)
    for other in tables:
        if other is not table and other.bounds is not None and _overlap(other.bounds, added):
            return None
    if any(_overlap(bounds, added) for _, bounds in sheet.merged_ranges):
        return None
    if any(cell not in owned for cell in sheet.filled_cells(*added)):
        return None
    return _spliced(table, names, c1, c2, new_c2)


def _overlap(a: Bounds, b: Bounds) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _spliced(table: _Table, names: list[str], c1: int, c2: int, new_c2: int) -> bytes | None:
    masked = table.masked
    columns = _TABLE_COLUMNS_RE.search(masked)
    if columns is None or columns.group("sc"):
        return None
    prefix = columns.group("q")[: -len(b"tableColumns")]
    close = re.compile(rb"</" + re.escape(prefix) + rb"tableColumns\s*>").search(
        masked, columns.end()
    )
    if close is None:
        return None
    existing = [
        attribute_map(m.group("a"))
        for m in _TABLE_COLUMN_RE.finditer(masked, columns.end(), close.start())
    ]
    taken = {
        decode_ooxml_escapes(unescape_xml(attrs.get(b"name", b""))).casefold() for attrs in existing
    }
    folded = [name.casefold() for name in names]
    if len(set(folded)) != len(folded) or taken & set(folded):
        return None  # Excel would rename a duplicate, and then it no longer matches its cell
    ids = []
    for attrs in existing:
        try:
            ids.append(int(unescape_xml(attrs.get(b"id", b"0"))))
        except ValueError:
            return None
    next_id = max(ids, default=0) + 1
    new_columns = b"".join(
        b'<%stableColumn id="%d" name="%s"/>' % (prefix, next_id + i, _column_name(name))
        for i, name in enumerate(names)
    )

    splices: list[tuple[int, int, bytes]] = [(close.start(), close.start(), new_columns)]
    count = _value_span(masked, columns, b"count")
    if count is not None:
        splices.append((*count, str(len(existing) + len(names)).encode()))
    root = _TABLE_RE.search(masked)
    if root is None:
        return None
    ref = _widened_ref_splice(table.data, masked, root, c1, c2, new_c2)
    if ref is None:
        return None
    splices.append(ref)
    for pattern in (_AUTO_FILTER_RE, _SORT_STATE_RE):
        for m in pattern.finditer(masked, root.end()):
            widened = _widened_ref_splice(table.data, masked, m, c1, c2, new_c2)
            if widened is not None:
                splices.append(widened)
    splices.sort()
    parts, position = [], 0
    for start, end, xml in splices:
        parts += [table.data[position:start], xml]
        position = end
    parts.append(table.data[position:])
    new = b"".join(parts)
    check_well_formed(new, f"table part {table.member}")
    return new


def _column_name(name: str) -> bytes:
    """A header text as a ``name`` attribute: control characters as Excel's ``_xHHHH_``."""
    text = _CONTROL_RE.sub(
        lambda m: f"_x{ord(m.group(0)):04x}_", protect_literal_ooxml_escapes(name)
    )
    return escape_attribute(text).encode("utf-8")


def _value_span(masked: bytes, tag: re.Match[bytes], name: bytes) -> tuple[int, int] | None:
    for m in ATTRIBUTE_RE.finditer(masked, tag.start("a"), tag.end("a")):
        if m.group(1) == name:
            group = 2 if m.group(2) is not None else 3
            return m.start(group), m.end(group)
    return None


def _widened_ref_splice(
    data: bytes, masked: bytes, tag: re.Match[bytes], c1: int, c2: int, new_c2: int
) -> tuple[int, int, bytes] | None:
    """Move the end column of the tag's ``ref`` from ``c2`` to ``new_c2`` if it spans the table."""
    span = _value_span(masked, tag, b"ref")
    if span is None:
        return None
    bounds = parse_range(unescape_xml(data[span[0] : span[1]]))
    if bounds is None or bounds[1] != c1 or bounds[3] != c2:
        return None
    r1, first, r2, _ = bounds
    ref = f"{column_letters(first)}{r1}:{column_letters(new_c2)}{r2}"
    return span[0], span[1], ref.encode()
