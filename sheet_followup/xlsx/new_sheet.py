"""Adding an empty worksheet as the workbook's last tab (the Log sheet, on its first use).

Only three existing parts change, each by an inserted element: the workbook part gains a
``<sheet>``, its relationships a ``<Relationship>``, and ``[Content_Types].xml`` an
``<Override>``; everything else is copied as it is. Cells are then written by ``edit_package``.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import escape_text, mask_opaque_sections
from sheet_followup.xlsx.package import (
    add_content_type_override,
    add_relationship,
    open_package,
    rebuild_package,
    relationships_part_name,
)
from sheet_followup.xlsx.workbook import read_layout

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHEETS_RE = re.compile(rb"<(?P<p>[\w.-]+:)?sheets\b[^>]*?(?P<empty>/?)>")
_SHEET_ID_RE = re.compile(rb"<(?:[\w.-]+:)?sheet\b[^>]*?\ssheetId\s*=\s*[\"'](\d+)[\"']")


def add_worksheet(source: Path, name: str) -> bytes:
    """The package at ``source`` with an empty worksheet called ``name`` added at the end."""
    with open_package(source) as package:
        layout = read_layout(package)
        if layout.info.sheet(name) is not None:
            msg = f"{source.name} already has a sheet named '{name}'."
            raise XlsxError(msg)
        workbook_part = layout.workbook_part
        workbook = package.read(workbook_part)
        strict = _STRICT_MAIN.encode() in workbook[:4000]
        main, rels_ns = (_STRICT_MAIN, _STRICT_RELS) if strict else (_MAIN, _RELS)
        folder = posixpath.dirname(workbook_part)
        number = 1
        while package.find(posixpath.join(folder, "worksheets", f"sheet{number}.xml")):
            number += 1
        part = posixpath.join(folder, "worksheets", f"sheet{number}.xml")

        rels_part = relationships_part_name(workbook_part)
        existing_rels = package.read(rels_part) if package.find(rels_part) else None
        target = posixpath.relpath(part, folder or ".")
        new_rels, rel_id = add_relationship(existing_rels, f"{rels_ns}/worksheet", target)
        new_workbook = _with_sheet_element(workbook, name, rel_id, rels_ns, source.name)
        content_types = add_content_type_override(
            package.read("[Content_Types].xml"), part, _WORKSHEET_TYPE
        )
        sheet_xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{main}" xmlns:r="{rels_ns}"><sheetData/></worksheet>'
        ).encode()
        replacements = {workbook_part: new_workbook, "[Content_Types].xml": content_types}
        additions = [(part, sheet_xml)]
        if existing_rels is None:
            additions.append((rels_part, new_rels))
        else:
            replacements[rels_part] = new_rels
        return rebuild_package(package, replacements, additions)


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
