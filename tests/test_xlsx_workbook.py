"""read_workbook_info: sheet names, parts, visibility, kinds and the date system."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.workbook import SheetInfo, WorkbookInfo, read_workbook_info
from tests.xlsx_helpers import MAIN_NS, REL_NS, build_package, worksheet_xml


def test_openpyxl_workbook_sheets_in_tab_order_with_states(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Tracker"
    workbook.create_sheet("Notes").sheet_state = "hidden"
    workbook.create_sheet("Secret").sheet_state = "veryHidden"
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    info = read_workbook_info(path)

    assert [(s.name, s.state, s.kind) for s in info.sheets] == [
        ("Tracker", "visible", "worksheet"),
        ("Notes", "hidden", "worksheet"),
        ("Secret", "veryHidden", "worksheet"),
    ]
    with zipfile.ZipFile(path) as archive:
        for sheet in info.sheets:
            assert sheet.part in archive.NameToInfo
    assert info.date1904 is False


def test_sheet_lookup_exact_first_then_case_insensitive() -> None:
    # Excel forbids names differing only in case, but other writers do not; exact wins then.
    lower = SheetInfo("tracker", "xl/worksheets/sheet1.xml", "visible", "worksheet")
    upper = SheetInfo("Tracker", "xl/worksheets/sheet2.xml", "visible", "worksheet")
    info = WorkbookInfo(sheets=(lower, upper), date1904=False)

    assert info.sheet("Tracker") is upper
    assert info.sheet("tracker") is lower
    assert info.sheet("TRACKER") is lower
    assert info.sheet("Missing") is None


def test_absolute_relationship_targets_and_1904(tmp_path: Path) -> None:
    path = build_package(
        tmp_path / "abs.xlsx", worksheet_xml(""), absolute_targets=True, date1904=True
    )
    info = read_workbook_info(path)
    assert info.sheets == (
        SheetInfo("Tracker", "xl/worksheets/sheet1.xml", "visible", "worksheet"),
    )
    assert info.date1904 is True


def test_prefixed_workbook_with_chartsheet_and_macrosheet(tmp_path: Path) -> None:
    path = tmp_path / "prefixed.xlsx"
    build_package(path, worksheet_xml(""))
    workbook = (
        f'<x:workbook xmlns:x="{MAIN_NS}" xmlns:rel="{REL_NS}"><x:workbookPr date1904="true"/>'
        '<x:sheets><x:sheet name="Data &amp; notes" sheetId="1" rel:id="rId1"/>'
        '<x:sheet name="Chart" sheetId="2" rel:id="rId7" state="hidden"/>'
        '<x:sheet name="Macro" sheetId="3" rel:id="rId8"/></x:sheets></x:workbook>'
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId7" Type="{REL_NS}/chartsheet" Target="chartsheets/sheet1.xml"/>'
        '<Relationship Id="rId8" Type="http://schemas.microsoft.com/office/2006/relationships/'
        'xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>'
    )
    _replace_members(path, {"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels})

    info = read_workbook_info(path)

    assert [(s.name, s.part, s.state, s.kind) for s in info.sheets] == [
        ("Data & notes", "xl/worksheets/sheet1.xml", "visible", "worksheet"),
        ("Chart", "xl/chartsheets/sheet1.xml", "hidden", "chartsheet"),
        ("Macro", "xl/macrosheets/sheet1.xml", "visible", "macrosheet"),
    ]
    assert info.date1904 is True


def test_not_a_zip_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_text("Company,Contact\n")
    with pytest.raises(XlsxError, match=r"tracker\.xlsx"):
        read_workbook_info(path)


def test_missing_file_is_a_workbook_error(tmp_path: Path) -> None:
    with pytest.raises(XlsxError, match="does not exist"):
        read_workbook_info(tmp_path / "nope.xlsx")


def test_zip_without_workbook_parts(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(XlsxError, match=r"other\.xlsx.*not an Excel workbook"):
        read_workbook_info(path)


def test_member_declaring_a_huge_size_is_refused(tmp_path: Path) -> None:
    path = build_package(tmp_path / "bomb.xlsx", worksheet_xml(""))
    _fake_uncompressed_size(path, "xl/worksheets/sheet1.xml", 3 << 30)
    with pytest.raises(XlsxError, match=r"bomb\.xlsx.*sheet1\.xml.*GiB"):
        read_workbook_info(path)


def _replace_members(path: Path, replacements: dict[str, str]) -> None:
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            text = replacements.get(info.filename)
            archive.writestr(info, text.encode() if text is not None else data)


def _fake_uncompressed_size(path: Path, member: str, size: int) -> None:
    """Patch the central directory so a member claims ``size`` bytes uncompressed."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_length = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_length]) == name:
            struct.pack_into("<I", data, pos + 24, size)
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def test_the_xlsx_layer_imports_nothing_of_the_application() -> None:
    import ast

    from tests.conftest import REPO

    for module in sorted((REPO / "sheet_followup" / "xlsx").glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                name = node.module
                assert not name.startswith("sheet_followup") or name.startswith(
                    "sheet_followup.xlsx"
                ), (module.name, name)
