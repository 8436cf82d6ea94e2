"""External hyperlinks on the cells we write, spliced into the sheet and its relationships.

A cell's hyperlink lives in two places: a ``<hyperlink ref="M5" r:id="rId3"/>`` in the sheet's
``<hyperlinks>`` section (which comes at a fixed place among the worksheet's children), and a
relationship ``rId3`` in the sheet's ``.rels`` part holding the URL. Both are edited by
splicing, as the cells are: the user's own links, and every other byte, are left as they were.

What a change does:

* a new link adds one ``<hyperlink>`` (and the ``<hyperlinks>`` section, the ``r`` namespace
  declaration, the ``.rels`` part when missing) and one relationship;
* a changed link rewrites the ``Target`` of its relationship when only this link uses it, else
  points the element at a new relationship;
* an unchanged link changes nothing, so a rerun is byte-identical;
* removing a cell's link removes its ``<hyperlink>`` element and, when nothing else in the
  sheet refers to it, its relationship (no orphans). A ``<hyperlinks>`` left empty goes too,
  since the schema wants at least one link in it.

Only links whose ``ref`` is exactly the one cell are the cell's; a link over a range that
covers the cell belongs to the user and is never touched.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sheet_followup.xlsx.markup import (
    ATTRIBUTES,
    QNAME_PREFIX,
    any_prefix_start_tag_pattern,
    attribute_map,
    parse_attributes,
    start_tag_pattern,
    unescape_xml,
)
from sheet_followup.xlsx.references import cell_reference, parse_range
from sheet_followup.xlsx.relationships import RelationshipsEditor
from sheet_followup.xlsx.sheet_xml import WorksheetXml

RELATIONSHIPS_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"

# CT_Worksheet's children that come before <hyperlinks>; it goes right after the last present.
_BEFORE_HYPERLINKS = frozenset(
    {
        b"sheetPr",
        b"dimension",
        b"sheetViews",
        b"sheetFormatPr",
        b"cols",
        b"sheetData",
        b"sheetCalcPr",
        b"sheetProtection",
        b"protectedRanges",
        b"scenarios",
        b"autoFilter",
        b"sortState",
        b"dataConsolidate",
        b"customSheetViews",
        b"mergeCells",
        b"phoneticPr",
        b"conditionalFormatting",
        b"dataValidations",
    }
)

_TAG_RE = re.compile(
    rb"<(?P<close>/?)(?P<q>"
    + QNAME_PREFIX
    + rb"[A-Za-z_][\w.\-]*)(?P<a>"
    + ATTRIBUTES
    + rb")(?P<sc>/?)>"
)
_ROOT_RE = any_prefix_start_tag_pattern(b"worksheet")
_ATTRIBUTE_VALUE_RE = re.compile(rb"""=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class _Child:
    """A top-level element of the worksheet after ``sheetData``, by offsets."""

    qname: bytes
    start: int
    tag_end: int  # end of the start tag
    content_end: int  # start of the end tag (== tag_end for an empty element)
    end: int


@dataclass(frozen=True)
class _Link:
    """One existing ``<hyperlink>``."""

    start: int
    end: int
    ref: str
    bounds: tuple[int, int, int, int] | None
    rel_id: str | None
    has_location: bool


def _local(qname: bytes) -> bytes:
    return qname.rsplit(b":", 1)[-1]


def _common_prefix(values: list[bytes]) -> bytes:
    if not values:
        return b""
    low, high = min(values), max(values)
    size = next((i for i, (a, b) in enumerate(zip(low, high, strict=False)) if a != b), len(low))
    return low[:size]


def _namespace_declarations(raw_attributes: bytes) -> dict[bytes, str]:
    """Prefix -> namespace for the ``xmlns`` attributes of one tag (b"" for the default)."""
    found: dict[bytes, str] = {}
    for name, value in parse_attributes(raw_attributes):
        if name == b"xmlns":
            found[b""] = unescape_xml(value)
        elif name.startswith(b"xmlns:"):
            found[name[6:]] = unescape_xml(value)
    return found


def _top_level_children(sheet: WorksheetXml) -> tuple[list[_Child], int]:
    """The worksheet's children from sheetData on, and the offset of ``</worksheet>``."""
    masked = sheet.masked
    data_tag = sheet.sheet_data
    if data_tag.group("sc"):
        data_end = data_tag.end()
        data_content_end = data_tag.end()
    else:
        close = re.compile(rb"</" + re.escape(data_tag.group("q")) + rb"\s*>")
        m = close.match(masked, sheet.rows_end)
        if m is None:
            sheet.refuse("its sheetData section is not closed")
        data_content_end, data_end = m.start(), m.end()
    children = [
        _Child(data_tag.group("q"), data_tag.start(), data_tag.end(), data_content_end, data_end)
    ]
    depth = 0
    opened: tuple[bytes, int, int] | None = None
    for m in _TAG_RE.finditer(masked, data_end):
        if m.group("close"):
            if depth == 0:
                return children, m.start()  # </worksheet>
            depth -= 1
            if depth == 0 and opened is not None:
                qname, start, tag_end = opened
                children.append(_Child(qname, start, tag_end, m.start(), m.end()))
                opened = None
        elif m.group("sc"):
            if depth == 0:
                children.append(_Child(m.group("q"), m.start(), m.end(), m.end(), m.end()))
        else:
            if depth == 0:
                opened = (m.group("q"), m.start(), m.end())
            depth += 1
    sheet.refuse("its worksheet element is not closed")


class SheetHyperlinks:
    """The links of one worksheet, and the changes planned to them."""

    def __init__(self, sheet: WorksheetXml, rels_xml: bytes | None) -> None:
        self.sheet = sheet
        self.rels = RelationshipsEditor(rels_xml)
        masked = sheet.masked
        root = _ROOT_RE.search(masked)
        if root is None:
            sheet.refuse("it has no worksheet element")
        self._root = root
        self._root_namespaces = _namespace_declarations(root.group("a"))
        prefix = sheet.prefix[:-1] if sheet.prefix else b""
        strict = self._root_namespaces.get(prefix) == _STRICT_MAIN
        package_ns = "http://purl.oclc.org/ooxml" if strict else "http://schemas.openxmlformats.org"
        self.relationship_type = (
            f"{package_ns}/officeDocument/relationships/hyperlink"
            if strict
            else f"{package_ns}/officeDocument/2006/relationships/hyperlink"
        )
        self._relationships_namespace = RELATIONSHIPS_NAMESPACES[1 if strict else 0]
        children, self._root_close = _top_level_children(sheet)
        self._section: _Child | None = None
        self._insert_after = children[0].end
        for child in children:
            same_namespace = child.qname[: -len(_local(child.qname))] == sheet.prefix
            local = _local(child.qname)
            if same_namespace and local == b"hyperlinks" and self._section is None:
                self._section = child
            elif same_namespace and local in _BEFORE_HYPERLINKS:
                self._insert_after = child.end
        self._links: list[_Link] = []
        rel_prefixes = {
            p for p, ns in self._root_namespaces.items() if ns in RELATIONSHIPS_NAMESPACES
        }
        if self._section is not None:
            section = self._section
            section_tag = _TAG_RE.match(masked, section.start)
            section_ns = _namespace_declarations(section_tag.group("a") if section_tag else b"")
            rel_prefixes |= {p for p, ns in section_ns.items() if ns in RELATIONSHIPS_NAMESPACES}
            link_tag = start_tag_pattern(sheet.prefix + b"hyperlink")
            link_close = re.compile(rb"</" + re.escape(sheet.prefix) + rb"hyperlink\s*>")
            for m in link_tag.finditer(masked, section.tag_end, section.content_end):
                end = m.end()
                if not m.group("sc"):
                    close = link_close.search(masked, end, section.content_end)
                    end = close.end() if close is not None else end
                self._links.append(self._read_link(m.start(), end, m.group("a"), rel_prefixes))
        # Root declarations, and the section's own: new links only ever go inside the section.
        self._rel_prefix: bytes | None = next((p for p in sorted(rel_prefixes) if p), None)
        self._removed: set[int] = set()  # indices into _links
        self._replaced: dict[int, bytes] = {}
        self._added: list[tuple[tuple[int, int], bytes]] = []
        self._declare: bytes | None = None  # a prefix to declare on the root, when needed
        self._reference_counts: Counter[bytes] | None = None
        # A run looks up thousands of cells: each cell's own links, and the range links (few)
        # that could cover it, are indexed once instead of walking every link per cell.
        self._by_cell: dict[tuple[int, int], list[int]] = {}
        self._ranges: list[int] = []
        for index, link in enumerate(self._links):
            b = link.bounds
            if b is None:
                continue
            if b[0:2] == b[2:4]:
                self._by_cell.setdefault((b[0], b[1]), []).append(index)
            else:
                self._ranges.append(index)

    def _read_link(self, start: int, end: int, raw: bytes, rel_prefixes: set[bytes]) -> _Link:
        attrs = attribute_map(raw)
        local = _namespace_declarations(raw)
        prefixes = rel_prefixes | {p for p, ns in local.items() if ns in RELATIONSHIPS_NAMESPACES}
        rel_id = next(
            (unescape_xml(attrs[p + b":id"]) for p in prefixes if p and p + b":id" in attrs),
            None,
        )
        ref = unescape_xml(attrs.get(b"ref", b""))
        return _Link(start, end, ref, parse_range(ref), rel_id, b"location" in attrs)

    # --- reading ---------------------------------------------------------------------------

    def _own(self, row: int, column: int) -> list[int]:
        return [i for i in self._by_cell.get((row, column), ()) if i not in self._removed]

    def covering_range(self, row: int, column: int) -> str | None:
        """The ref of a user's multi-cell hyperlink over this cell, if any."""
        for index in self._ranges:
            link = self._links[index]
            b = link.bounds
            if b is not None and b[0] <= row <= b[2] and b[1] <= column <= b[3]:
                return link.ref
        return None

    def target(self, row: int, column: int) -> str | None:
        """The external URL of the cell's own hyperlink (None if it has none or another kind)."""
        own = self._own(row, column)
        if len(own) != 1:
            return None
        link = self._links[own[0]]
        if link.rel_id is None or link.has_location:
            return None
        spot = self.rels.get(link.rel_id)
        if spot is None or not spot.external or spot.type_name != "hyperlink":
            return None
        return spot.target

    def _exclusive_hyperlink_relationship(self, link: _Link) -> bool:
        """Whether only this element refers to its relationship, a hyperlink one."""
        if link.rel_id is None:
            return False
        spot = self.rels.get(link.rel_id)
        if spot is None or spot.type_name != "hyperlink":
            return False
        if self._reference_counts is None:
            self._reference_counts = self._count_references()
        return self._reference_counts[link.rel_id.encode()] == 1

    def _count_references(self) -> Counter[bytes]:
        """How often each attribute value occurs in the sheet, to tell who uses a relationship.

        Counted in one pass, since a run may relink thousands of cells. References live outside
        the cells (hyperlinks, drawings, table parts); the cells are counted too only when an
        attribute value in them could be one of the part's relationship ids.
        """
        sheet, masked = self.sheet, self.sheet.masked
        regions = [(0, sheet.rows_start), (sheet.rows_end, len(masked))]
        ids = [rel_id.encode() for rel_id in self.rels.spots]
        common = _common_prefix(ids)
        if not common or any(
            masked.find(quote + common, sheet.rows_start, sheet.rows_end) >= 0
            for quote in (b'"', b"'")
        ):
            regions = [(0, len(masked))]
        counts: Counter[bytes] = Counter()
        for start, end in regions:
            for m in _ATTRIBUTE_VALUE_RE.finditer(masked, start, end):
                counts[m.group(1) if m.group(1) is not None else m.group(2)] += 1
        return counts

    # --- planning --------------------------------------------------------------------------

    def set(self, row: int, column: int, url: str | None) -> bool:
        """Plan the cell's own link to be ``url`` (None: no link). True when that is a change."""
        own = self._own(row, column)
        if url is not None and len(own) == 1 and self.target(row, column) == url:
            return False
        if url is None and not own:
            return False
        reusable: str | None = None
        for index in own:
            link = self._links[index]
            if self._exclusive_hyperlink_relationship(link):
                spot = self.rels.get(link.rel_id or "")
                if reusable is None and url is not None and spot is not None and spot.external:
                    reusable = link.rel_id
                else:
                    self.rels.remove(link.rel_id or "")
            self._removed.add(index)
        if url is None:
            return True
        if reusable is not None:
            self.rels.retarget(reusable, url)
            rel_id = reusable
        else:
            rel_id = self.rels.add(self.relationship_type, url, external=True)
        element = self._element(row, column, rel_id)
        if own:
            self._removed.discard(own[0])
            self._replaced[own[0]] = element
        else:
            self._added.append(((row, column), element))
        return True

    def _element(self, row: int, column: int, rel_id: str) -> bytes:
        prefix = self._rel_prefix
        if prefix is None:
            if self._declare is None:
                taken = set(self._root_namespaces)
                candidate, number = b"r", 1
                while candidate in taken:
                    candidate, number = b"r%d" % number, number + 1
                self._declare = candidate
            prefix = self._declare
        return b'<%shyperlink ref="%s" %s:id="%s"/>' % (
            self.sheet.prefix,
            cell_reference(row, column).encode(),
            prefix,
            rel_id.encode(),
        )

    @property
    def changed(self) -> bool:
        return bool(self._removed or self._replaced or self._added)

    def sheet_splices(self) -> list[tuple[int, int, bytes]]:
        """Byte ranges of the sheet to replace (start, end, new bytes); none overlap cells."""
        if not self.changed:
            return []
        splices: list[tuple[int, int, bytes]] = []
        prefix = self.sheet.prefix
        added = b"".join(xml for _, xml in sorted(self._added))
        kept = [i for i in range(len(self._links)) if i not in self._removed]
        section = self._section
        if section is not None and not kept and not added:
            splices.append((section.start, section.end, b""))  # an empty <hyperlinks> is invalid
        else:
            for index in self._removed:
                link = self._links[index]
                splices.append((link.start, link.end, b""))
            for index, xml in self._replaced.items():
                link = self._links[index]
                splices.append((link.start, link.end, xml))
            if added and section is not None:
                if section.tag_end == section.end:  # <hyperlinks/>
                    opened = self.sheet.data[section.start : section.end - 2].rstrip() + b">"
                    close = b"</" + prefix + b"hyperlinks>"
                    splices.append((section.start, section.end, opened + added + close))
                else:
                    splices.append((section.content_end, section.content_end, added))
            elif added:
                xml = b"<" + prefix + b"hyperlinks>" + added + b"</" + prefix + b"hyperlinks>"
                splices.append((self._insert_after, self._insert_after, xml))
        if self._declare is not None:
            at = self._root.end("a")
            namespace = self._relationships_namespace.encode()
            splices.append((at, at, b' xmlns:%s="%s"' % (self._declare, namespace)))
        return splices


def hyperlink_targets(
    sheet: WorksheetXml, rels_xml: bytes | None, cells: list[tuple[int, int]]
) -> dict[tuple[int, int], str | None]:
    """The external link of each cell, as a reader of the written package would find it."""
    links = SheetHyperlinks(sheet, rels_xml)
    return {cell: links.target(*cell) for cell in cells}
