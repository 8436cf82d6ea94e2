"""Building small workbooks by hand and checking edited ones, for the xlsx tests.

Hand-written packages let the tests reach layouts openpyxl never writes (prefixed
namespaces, rows without r, self-closing rows, no styles part); the checks read results back
with two independent readers and compare the package byte by byte.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1">'
    '<alignment horizontal="center"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
"""Styles 0 plain, 1 bold, 2 a dd/mm/yyyy date, 3 a "#,##0.00" number with alignment."""


def worksheet_xml(sheet_data: str, *, before: str = "", after: str = "", prefix: str = "") -> str:
    """A worksheet part around ``sheet_data`` (the inner XML of sheetData)."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<{p}worksheet {ns} xmlns:r="{REL_NS}">{before}'
        f"<{p}sheetData>{sheet_data}</{p}sheetData>{after}</{p}worksheet>"
    )


def build_package(
    path: Path,
    sheet_xml: str,
    *,
    sheet_name: str = "Tracker",
    styles_xml: str | None = STYLES_XML,
    shared_strings: list[str] | None = None,
    date1904: bool = False,
    absolute_targets: bool = False,
) -> Path:
    """Write a minimal but complete .xlsx package holding one worksheet."""
    target = "/xl/worksheets/sheet1.xml" if absolute_targets else "worksheets/sheet1.xml"
    overrides = [
        ("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"),
    ]  # fmt: skip
    rels = [f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="{target}"/>']
    members: list[tuple[str, str]] = []
    if styles_xml is not None:
        overrides.append(
            ("/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml")
        )  # fmt: skip
        rels.append(f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/>')
        members.append(("xl/styles.xml", styles_xml))
    if shared_strings is not None:
        overrides.append(
            ("/xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
        )  # fmt: skip
        rels.append(
            f'<Relationship Id="rId3" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        )
        items = "".join(f"<si><t>{text}</t></si>" for text in shared_strings)
        members.append(
            ("xl/sharedStrings.xml", f'<sst xmlns="{MAIN_NS}" count="{len(shared_strings)}">{items}</sst>')
        )  # fmt: skip
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides)
        + "</Types>"
    )  # fmt: skip
    workbook_pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    workbook = (
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{workbook_pr}'
        f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    package_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(rels)
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, text in members:
            archive.writestr(name, text)
    return path


def write_result(path: Path, data: bytes | None) -> Path:
    assert data is not None, "the edit unexpectedly changed nothing"
    path.write_bytes(data)
    return path


def openpyxl_cell(path: Path, sheet: str, row: int, column: int) -> tuple[Any, bool]:
    """(value, is_date) as openpyxl reads them."""
    workbook = openpyxl.load_workbook(path)
    try:
        cell = workbook[sheet].cell(row=row, column=column)
        return cell.value, bool(cell.is_date)
    finally:
        workbook.close()


def calamine_rows(path: Path, sheet: str) -> list[list[Any]]:
    rows: list[list[Any]] = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(sheet)
        .to_python(skip_empty_area=False)
    )
    return rows


def calamine_cell(path: Path, sheet: str, row: int, column: int) -> Any:
    rows = calamine_rows(path, sheet)
    if row - 1 >= len(rows) or column - 1 >= len(rows[row - 1]):
        return None
    return rows[row - 1][column - 1]


def member_bytes(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def assert_package_kept(before: Path, after: Path, changed: set[str]) -> None:
    """Same members, same order, same metadata; only ``changed`` members may differ."""
    with zipfile.ZipFile(before) as old, zipfile.ZipFile(after) as new:
        old_infos, new_infos = old.infolist(), new.infolist()
        assert [i.filename for i in new_infos[: len(old_infos)]] == [i.filename for i in old_infos]
        for old_info, new_info in zip(old_infos, new_infos, strict=False):
            name = old_info.filename
            assert new_info.date_time == old_info.date_time, name
            assert new_info.external_attr == old_info.external_attr, name
            assert new_info.comment == old_info.comment, name
            if name in changed:
                assert new_info.compress_type == zipfile.ZIP_DEFLATED, name
            else:
                assert new_info.compress_type == old_info.compress_type, name
                assert new.read(new_info) == old.read(old_info), f"{name} changed"
        assert new.comment == old.comment


_CELL_RE_TEMPLATE = (
    r"""<(?:[\w.-]+:)?c(?=[\s/>])(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*?"""
    r"""\s+r\s*=\s*["']{ref}["'](?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
    r"""(?:/>|>.*?</(?:[\w.-]+:)?c\s*>)"""
)


def strip_target_cells(xml: bytes, refs: set[str]) -> bytes:
    """The sheet XML without the target cells and the bookkeeping an edit may update.

    Removes the target ``<c>`` elements, ``spans`` attributes and the dimension ref, and
    turns rows left empty into one canonical form, so that what remains must be identical
    between the original and the edited sheet.
    """
    text = xml.decode("utf-8")
    for ref in refs:
        text = re.sub(_CELL_RE_TEMPLATE.format(ref=re.escape(ref)), "", text, flags=re.DOTALL)
    text = re.sub(r"""\s+spans\s*=\s*(?:"[^"]*"|'[^']*')""", "", text)
    text = re.sub(r"""(<(?:[\w.-]+:)?dimension\s+ref\s*=\s*)(?:"[^"]*"|'[^']*')""", r"\1''", text)
    text = re.sub(
        r"""<((?:[\w.-]+:)?row)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*></\1\s*>""",
        r"<\1\2/>",
        text,
    )
    # Rows that exist only because the edit created them.
    text = re.sub(r"""<(?:[\w.-]+:)?row r="\d+"/>""", "", text)
    text = re.sub(r"<((?:[\w.-]+:)?sheetData)\s*(?:/>|>\s*</\1\s*>)", r"<\1/>", text)
    return text.encode("utf-8")


_FULL_CALC_ATTRIBUTE_RE = re.compile(rb"""\s+fullCalcOnLoad\s*=\s*(?:"[^"]*"|'[^']*')""")
_ADDED_CALC_PR_RE = re.compile(rb"<(?:[\w.-]+:)?calcPr/>")


def assert_only_full_calc_set(old: bytes, new: bytes) -> None:
    """The workbook part gained fullCalcOnLoad="1" on <calcPr>, and nothing else changed."""
    assert re.search(rb"""<(?:[\w.-]+:)?calcPr\s[^>]*fullCalcOnLoad="1\"""", new), new
    old_rest = _FULL_CALC_ATTRIBUTE_RE.sub(b"", old)
    new_rest = _FULL_CALC_ATTRIBUTE_RE.sub(b"", new)
    if new_rest != old_rest and not _ADDED_CALC_PR_RE.search(old):
        new_rest = _ADDED_CALC_PR_RE.sub(b"", new_rest, count=1)  # a <calcPr> the tool added
    assert new_rest == old_rest
