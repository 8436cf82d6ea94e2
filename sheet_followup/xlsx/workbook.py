"""What a workbook holds (sheets, where they live, date system), read without loading cells.

Other modules decide which sheet is the tracker from this; reading it must be cheap and must
work on any package Excel accepts, including strict-namespace and prefixed-namespace files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import (
    ATTRIBUTE_RE,
    any_prefix_start_tag_pattern,
    attribute_map,
    mask_opaque_sections,
    unescape_xml,
)
from sheet_followup.xlsx.package import Package, Relationship, open_package

_SHEET_KINDS = {
    "worksheet": "worksheet",
    "chartsheet": "chartsheet",
    "dialogsheet": "dialogsheet",
    "xlMacrosheet": "macrosheet",
    "xlIntlMacrosheet": "macrosheet",
    "macrosheet": "macrosheet",
}
_SHEET_STATES = {"visible", "hidden", "veryHidden"}
_SHEET_TAG_RE = any_prefix_start_tag_pattern(b"sheet")
_WORKBOOK_PR_RE = any_prefix_start_tag_pattern(b"workbookPr")


@dataclass(frozen=True)
class SheetInfo:
    """One sheet tab and the package member that holds it."""

    name: str
    part: str
    state: str
    kind: str


@dataclass(frozen=True)
class WorkbookInfo:
    """The sheets in tab order and the workbook's date system."""

    sheets: tuple[SheetInfo, ...]
    date1904: bool

    def sheet(self, name: str) -> SheetInfo | None:
        """Exact name first; then case-insensitive, as Excel itself treats sheet names."""
        for info in self.sheets:
            if info.name == name:
                return info
        folded = name.casefold()
        for info in self.sheets:
            if info.name.casefold() == folded:
                return info
        return None


@dataclass(frozen=True)
class PackageLayout:
    """Where the parts an edit needs live (internal to the xlsx package)."""

    workbook_part: str
    info: WorkbookInfo
    workbook_relationships: tuple[Relationship, ...]

    def part_of_type(self, type_name: str) -> str | None:
        for rel in self.workbook_relationships:
            if rel.type_name == type_name and not rel.external:
                return rel.target
        return None


def read_workbook_info(path: Path) -> WorkbookInfo:
    """Read sheet names, parts, visibility and the date system of the workbook at ``path``."""
    with open_package(path) as package:
        return read_layout(package).info


def read_layout(package: Package) -> PackageLayout:
    """Locate the workbook part through the package relationships and read it."""
    workbook_part = _workbook_part(package)
    xml = mask_opaque_sections(package.read(workbook_part))
    if b"<!DOCTYPE" in xml:
        msg = f"{package.path.name} is not a normal Excel workbook (its workbook part has a DTD)."
        raise XlsxError(msg)
    relationships = tuple(package.relationships(workbook_part))
    by_id = {rel.id: rel for rel in relationships}
    sheets = []
    for m in _SHEET_TAG_RE.finditer(xml):
        attrs = attribute_map(m.group("a"))
        name = unescape_xml(attrs.get(b"name", b""))
        rel_id = _relationship_id(attrs)
        rel = by_id.get(rel_id) if rel_id else None
        state = unescape_xml(attrs.get(b"state", b"visible"))
        if rel is None or rel.external:
            # A tab with no part (some writers leave a very hidden one with r:id=""): nothing
            # to read or keep in it; the other sheets are what matters.
            sheets.append(SheetInfo(name=name, part="", state=state, kind="missing"))
            continue
        sheets.append(
            SheetInfo(
                name=name,
                part=package.part_name(rel.target),
                state=state if state in _SHEET_STATES else "visible",
                kind=_SHEET_KINDS.get(rel.type_name, rel.type_name),
            )
        )
    if not any(sheet.kind != "missing" for sheet in sheets):
        msg = f"{package.path.name} has no sheets."
        raise XlsxError(msg)
    date1904 = False
    pr = _WORKBOOK_PR_RE.search(xml)
    if pr is not None:
        value = attribute_map(pr.group("a")).get(b"date1904", b"0").strip()
        date1904 = value in (b"1", b"true")
    return PackageLayout(
        workbook_part=workbook_part,
        info=WorkbookInfo(sheets=tuple(sheets), date1904=date1904),
        workbook_relationships=relationships,
    )


def _workbook_part(package: Package) -> str:
    for rel in package.relationships(""):
        if rel.type_name == "officeDocument" and not rel.external:
            return package.part_name(rel.target)
    if package.find("xl/workbook.xml") is not None:
        return "xl/workbook.xml"
    msg = f"{package.path.name} is not an Excel workbook (it has no workbook part)."
    raise XlsxError(msg)


def _relationship_id(attrs: dict[bytes, bytes]) -> str | None:
    # The r: prefix is conventional, not fixed; any prefixed "id" on <sheet> is the link.
    for key, value in attrs.items():
        if key.endswith(b":id"):
            return unescape_xml(value)
    return None


# --- asking Excel to recalculate -----------------------------------------------------------

# CT_Workbook's children that come after <calcPr>: a new one goes before the first of these.
_AFTER_CALC_PR = frozenset(
    [
        "oleSize",
        "customWorkbookViews",
        "pivotCaches",
        "smartTagPr",
        "smartTagTypes",
        "webPublishing",
        "fileRecoveryPr",
        "webPublishObjects",
        "extLst",
    ]
)
_CALC_PR_RE = any_prefix_start_tag_pattern(b"calcPr")
_FORMULA_RE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?f[\s/>]")
_TRUE = (b"1", b"true")


def has_formula(sheet_xml: bytes) -> bool:
    """A cheap byte search for a ``<f>`` element, whatever its prefix."""
    if b"<f" not in sheet_xml and b":f" not in sheet_xml:
        return False  # two substring searches run at memchr speed; the pattern cannot
    return _FORMULA_RE.search(sheet_xml) is not None


def with_full_calc_on_load(workbook_xml: bytes) -> bytes | None:
    """The workbook part with ``<calcPr fullCalcOnLoad="1">``; None when it already says so.

    Cached formula results in the file were computed before the tool changed cells, and
    Excel and LibreOffice show cached results until something makes them recalculate. The
    attribute is spliced into the existing ``<calcPr>``, or a new element is placed where
    the schema wants it; every other byte stays.
    """
    children, root_qname, root_end = _top_level_children(workbook_xml)
    calc_pr = next((start for name, start in children if name == "calcPr"), None)
    if calc_pr is not None:
        m = _CALC_PR_RE.match(workbook_xml, calc_pr)
        if m is None:
            return None
        for attr in ATTRIBUTE_RE.finditer(workbook_xml, m.start("a"), m.end("a")):
            if attr.group(1) == b"fullCalcOnLoad":
                group = 2 if attr.group(2) is not None else 3
                if attr.group(group).strip() in _TRUE:
                    return None
                start, end = attr.start(group), attr.end(group)
                return workbook_xml[:start] + b"1" + workbook_xml[end:]
        at = m.start("a") + len(m.group("a").rstrip())
        return workbook_xml[:at] + b' fullCalcOnLoad="1"' + workbook_xml[at:]
    prefix = root_qname[: -len(b"workbook")] if root_qname.endswith(b"workbook") else b""
    element = b"<" + prefix + b'calcPr fullCalcOnLoad="1"/>'
    at = next((start for name, start in children if name in _AFTER_CALC_PR), root_end)
    return workbook_xml[:at] + element + workbook_xml[at:]


def _top_level_children(xml: bytes) -> tuple[list[tuple[str, int]], bytes, int]:
    """(local name, byte offset) of the root's children, the root's qname, its end tag offset."""
    parser = expat.ParserCreate()
    children: list[tuple[str, int]] = []
    depth = 0
    root: list[str] = []
    root_end: list[int] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        if depth == 0:
            root.append(name)
        elif depth == 1:
            children.append((name.rsplit(":", 1)[-1], parser.CurrentByteIndex))
        depth += 1

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        if depth == 0:
            root_end.append(parser.CurrentByteIndex)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        msg = f"The workbook part is not valid XML ({exc}); it cannot be edited safely."
        raise XlsxError(msg) from exc
    if not root or not root_end or xml[root_end[0] : root_end[0] + 2] != b"</":
        msg = "The workbook part has no root element to edit."
        raise XlsxError(msg)
    return children, root[0].encode("utf-8"), root_end[0]
