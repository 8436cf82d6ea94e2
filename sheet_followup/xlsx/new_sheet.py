"""Adding an empty worksheet as the workbook's last tab (the Log sheet, on its first use).

Only three existing parts change, each by an inserted element: the workbook part gains a
``<sheet>``, its relationships a ``<Relationship>``, and ``[Content_Types].xml`` an
``<Override>``; everything else is copied as it is. Cells are then planned into it like
any other sheet's.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import escape_text, mask_opaque_sections
from sheet_followup.xlsx.package import Package, relationships_part_name
from sheet_followup.xlsx.relationships import add_content_type_override, add_relationship
from sheet_followup.xlsx.workbook import PackageLayout

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHEETS_RE = re.compile(rb"<(?P<p>[\w.-]+:)?sheets\b[^>]*?(?P<empty>/?)>")
_SHEET_ID_RE = re.compile(rb"<(?:[\w.-]+:)?sheet\b[^>]*?\ssheetId\s*=\s*[\"'](\d+)[\"']")


EMPTY_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="{main}" xmlns:r="{rels}"><sheetData/></worksheet>'
)


def new_sheet_parts(
    package: Package,
    layout: PackageLayout,
    name: str,
    current: Callable[[str], bytes | None],
) -> tuple[str, dict[str, bytes]]:
    """The new sheet's part name, and the new bytes of every part that adding it changes.

    ``current`` gives a part as the edit so far has it (None: no such part), so that a sheet
    added alongside other changes (a styles part, recalculation) builds on them.
    """
    file = package.path.name
    if layout.info.sheet(name) is not None:
        msg = f"{file} already has a sheet named '{name}'."
        raise XlsxError(msg)
    workbook_part = layout.workbook_part
    workbook = current(workbook_part) or b""
    strict = _STRICT_MAIN.encode() in workbook[:4000]
    main, rels_ns = (_STRICT_MAIN, _STRICT_RELS) if strict else (_MAIN, _RELS)
    folder = posixpath.dirname(workbook_part)
    number = 1
    while current(posixpath.join(folder, "worksheets", f"sheet{number}.xml")) is not None:
        number += 1
    part = posixpath.join(folder, "worksheets", f"sheet{number}.xml")

    rels_part = relationships_part_name(workbook_part)
    target = posixpath.relpath(part, folder or ".")
    new_rels, rel_id = add_relationship(current(rels_part), f"{rels_ns}/worksheet", target)
    content_types = add_content_type_override(
        current("[Content_Types].xml") or b"", part, _WORKSHEET_TYPE
    )
    return part, {
        workbook_part: _with_sheet_element(workbook, name, rel_id, rels_ns, file),
        "[Content_Types].xml": content_types,
        part: EMPTY_SHEET.format(main=main, rels=rels_ns).encode(),
        rels_part: new_rels,
    }


def _with_sheet_element(workbook: bytes, name: str, rel_id: str, rels_ns: str, file: str) -> bytes:
    masked = mask_opaque_sections(workbook)
    opening = _SHEETS_RE.search(masked)
    if opening is None:
        msg = f"{file} is damaged: its workbook part has no <sheets>."
        raise XlsxError(msg)
    prefix = (opening.group("p") or b"").decode()
    sheet_id = max((int(i) for i in _SHEET_ID_RE.findall(masked)), default=0) + 1
    # Only a prefix the root declares is in scope at <sheets>; openpyxl declares it per <sheet>.
    root = re.search(rb"<[A-Za-z_][^>]*>", masked)
    root_tag = root.group(0) if root else b""
    declared = re.search(rb"xmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(rels_ns.encode()), root_tag)
    id_attribute = (
        f'{declared.group(1).decode()}:id="{rel_id}"'
        if declared
        else f'xmlns:sfr="{rels_ns}" sfr:id="{rel_id}"'
    )
    shown = escape_text(name).replace('"', "&quot;")
    element = f'<{prefix}sheet name="{shown}" sheetId="{sheet_id}" {id_attribute}/>'.encode()
    if opening.group("empty"):
        tag = workbook[opening.start() : opening.end() - 2] + b">"
        return (
            workbook[: opening.start()]
            + tag
            + element
            + f"</{prefix}sheets>".encode()
            + workbook[opening.end() :]
        )
    closing = re.compile(rb"</" + re.escape(prefix.encode()) + rb"sheets\s*>").search(
        masked, opening.end()
    )
    if closing is None:
        msg = f"{file} is damaged: its workbook part has no </sheets>."
        raise XlsxError(msg)
    return workbook[: closing.start()] + element + workbook[closing.start() :]
