"""Reading a freshly built package back before it may replace the user's workbook.

The writer splices bytes and rebuilds the zip itself, so a bug there would otherwise reach the
user's file unnoticed. Before :func:`~sheet_followup.xlsx.edit.edit_package` hands the bytes
out, they are opened again from scratch, the way a reader that trusts nothing would open them:

* the zip lists the original members in the original order, plus only the parts the writer
  meant to add;
* every member the writer did not mean to change decompresses to the original bytes, and every
  member it did change decompresses to exactly the bytes it built (which were checked to be
  well-formed XML before the zip was built, so the edited sheet is well-formed as read back);
* python-calamine, an independent reader written in Rust, finds the intended value in every
  cell the writer wrote;
* every hyperlink the writer set or removed reads back through expat, namespaces resolved, from
  the new sheet and its new ``.rels`` part (the sheet's relationships are an intended change
  whenever a link is): the cell's one ``<hyperlink>`` names a relationship that is an external
  hyperlink to the intended URL, and a removed link is gone.

This lives in the xlsx package and runs inside ``edit_package`` (not in the batch) because only
the writer knows which members and cells it meant to change, and so that every caller gets
checked bytes. The checks cost one more inflate of each member and one calamine parse of the
edited sheet, which is Rust-speed; only the sheet's short tail after its cells (where the links
are) and the relationships are parsed again in Python, and only when links changed.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from sheet_followup.errors import WorkbookError
from sheet_followup.xlsx.markup import (
    any_prefix_start_tag_pattern,
    mask_opaque_sections,
)
from sheet_followup.xlsx.package import Package, relationships_part_name
from sheet_followup.xlsx.sheet_edit import cell_reference

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


@dataclass(frozen=True)
class ExpectedDate:
    """A date cell: calamine reads it as the date, or as the serial if it misjudges the format."""

    day: dt.date
    serial: int


ExpectedValue = str | ExpectedDate | None  # None: the cell was cleared


@dataclass(frozen=True)
class WrittenPackage:
    """What the writer meant to produce, to compare the new bytes against."""

    data: bytes
    replacements: Mapping[str, bytes]
    additions: Sequence[tuple[str, bytes]]
    sheet_name: str
    cells: Mapping[tuple[int, int], ExpectedValue]
    links: Mapping[tuple[int, int], str | None] = field(default_factory=dict)  # None: removed
    sheet_part: str = ""
    rels: bytes | None = None  # the sheet's new relationships part, when it changed


def verify_package(original: Package, written: WrittenPackage) -> None:
    """Raise WorkbookError unless ``written.data`` reads back as intended; see the module doc."""
    _check_members(original, written)
    _check_cells(original, written)
    _check_links(original, written)


def _fail(original: Package, what: str) -> WorkbookError:
    return WorkbookError(
        f"{original.path.name}: the written copy did not read back as intended ({what}); "
        "your workbook was not changed. Please report this."
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
        for name in names:
            try:
                data = archive.read(name)  # zipfile checks each member's CRC as it reads
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise _fail(original, f"{name} cannot be read: {exc}") from exc
            intended = written.replacements.get(name, added.get(name))
            if intended is None:
                intended = original.read(name)
                if data != intended:
                    raise _fail(original, f"{name} is not the original's bytes")
            elif data != intended:
                raise _fail(original, f"{name} is not the bytes the writer built")


def _check_cells(original: Package, written: WrittenPackage) -> None:
    if not written.cells:
        return
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(written.data))
        rows: list[list[Any]] = workbook.get_sheet_by_name(written.sheet_name).to_python(
            skip_empty_area=False
        )
    except Exception as exc:  # calamine raises its own exception types
        raise _fail(original, f"the sheet {written.sheet_name!r} cannot be read: {exc}") from exc
    for (row, column), wanted in written.cells.items():
        line = rows[row - 1] if row - 1 < len(rows) else []
        found = line[column - 1] if column - 1 < len(line) else ""
        if not _matches(found, wanted):
            shown = wanted.day.isoformat() if isinstance(wanted, ExpectedDate) else wanted or ""
            where = f"{written.sheet_name}!{cell_reference(row, column)}"
            raise _fail(original, f"{where} holds {found!r}, expected {shown!r}")


def _matches(found: object, wanted: ExpectedValue) -> bool:
    if wanted is None:
        return found in ("", None)
    if isinstance(wanted, str):
        return isinstance(found, str) and found == wanted
    if isinstance(found, dt.datetime):
        return found.date() == wanted.day and found.time() == dt.time()
    if isinstance(found, dt.date):
        return found == wanted.day
    # calamine's idea of a date format is not Excel's; the stored serial is what must be right.
    return isinstance(found, int | float) and not isinstance(found, bool) and found == wanted.serial


def _check_links(original: Package, written: WrittenPackage) -> None:
    if not written.links:
        return
    sheet = written.replacements.get(written.sheet_part)
    if sheet is None:
        raise _fail(original, "the sheet with the new links was not written")
    rels = written.rels
    if rels is None:
        member = original.find(relationships_part_name(written.sheet_part))
        rels = original.read(member) if member is not None else b""
    relationships = _read_relationships(original, rels)
    # Every link of each ref, so a ref with two links (which Excel calls corrupt) is caught.
    links_by_ref: dict[str, list[str | None]] = {}
    for link_ref, rel_id in _read_sheet_links(original, sheet):
        links_by_ref.setdefault(link_ref, []).append(rel_id)
    for (row, column), url in written.links.items():
        ref = cell_reference(row, column)
        where = f"{written.sheet_name}!{ref}"
        found = links_by_ref.get(ref, [])
        if url is None:
            if found:
                raise _fail(original, f"{where} still has a hyperlink")
            continue
        if len(found) != 1 or found[0] is None:
            raise _fail(original, f"{where} has {len(found)} hyperlinks, expected one")
        rel = relationships.get(found[0])
        if rel != ("hyperlink", url, "External"):
            raise _fail(original, f"{where} links to {rel!r}, expected {url!r}")


def _read_relationships(original: Package, rels: bytes) -> dict[str, tuple[str, str, str]]:
    """Id -> (type's last segment, Target, TargetMode), by a namespace-aware parse."""
    found: dict[str, tuple[str, str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_PACKAGE_RELATIONSHIPS} Relationship":
            found[attrs.get("Id", "")] = (
                attrs.get("Type", "").rsplit("/", 1)[-1],
                attrs.get("Target", ""),
                attrs.get("TargetMode", ""),
            )

    _parse(original, rels, start, "the sheet's relationships")
    return found


def _read_sheet_links(original: Package, sheet: bytes) -> list[tuple[str, str | None]]:
    """(ref, relationship id) of every ``<hyperlink>``: the root tag and what follows the cells
    are parsed, so a huge sheet costs no more than a small one."""
    masked = mask_opaque_sections(sheet)
    root = _ROOT_RE.search(masked)
    last = masked.rfind(b"sheetData")  # the end tag, or the empty element
    tail = masked.find(b">", last) + 1
    if root is None or last < 0 or tail <= 0:
        raise _fail(original, "the sheet has no worksheet or sheetData element")
    document = sheet[: root.end()] + sheet[tail:]
    found: list[tuple[str, str | None]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if local == "hyperlink" and namespace in _MAIN_NAMESPACES:
            rel_id = next(
                (attrs[f"{ns} id"] for ns in _RELATIONSHIP_NAMESPACES if f"{ns} id" in attrs),
                None,
            )
            found.append((attrs.get("ref", "").replace("$", "").upper(), rel_id))

    _parse(original, document, start, "the sheet's hyperlinks")
    return found


def _parse(
    original: Package, xml: bytes, start: Callable[[str, dict[str, str]], None], what: str
) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise _fail(original, f"{what} are not valid XML: {exc}") from exc
