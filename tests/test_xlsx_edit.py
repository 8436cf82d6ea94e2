"""edit_package and replace_atomically: cells land right, everything else stays byte-identical."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from sheet_followup.xlsx import package as package_module
from sheet_followup.xlsx.edit import CellEdit, EditResult, edit_package
from sheet_followup.xlsx.errors import PackageChangedError, XlsxError
from sheet_followup.xlsx.references import cell_reference
from sheet_followup.xlsx.replace import replace_atomically
from sheet_followup.xlsx.serials import date_to_serial
from sheet_followup.xlsx.styles import is_date_format_code
from sheet_followup.xlsx.workbook import read_workbook_info
from tests.xlsx_helpers import (
    MAIN_NS,
    STYLES_XML,
    assert_only_full_calc_set,
    assert_package_kept,
    build_package,
    calamine_cell,
    calamine_rows,
    member_bytes,
    openpyxl_cell,
    strip_target_cells,
    worksheet_xml,
    write_result,
)

SHEET = "xl/worksheets/sheet1.xml"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "xlsx"


def edited(source: Path, edits: list[CellEdit], sheet: str = "Tracker") -> tuple[Path, EditResult]:
    result = edit_package(source, sheet, edits)
    return write_result(source.with_name("out-" + source.name), result.data), result


def assert_only_cells_changed(before: Path, after: Path, part: str, edits: list[CellEdit]) -> None:
    refs = {cell_reference(e.row, e.column) for e in edits}
    old, new = member_bytes(before)[part], member_bytes(after)[part]
    assert strip_target_cells(new, refs) == strip_target_cells(old, refs)


def sheet_xml_of(path: Path) -> str:
    return member_bytes(path)[SHEET].decode()


# --- an ordinary workbook ------------------------------------------------------------


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Interview date"])
    sheet.append(["Acme", "Ann", dt.date(2024, 5, 1)])
    sheet.append(["Beta", "Bob", dt.date(2024, 5, 3)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet["C2"].number_format = "dd mmm yyyy"
    sheet["C3"].number_format = "dd mmm yyyy"
    sheet["A5"] = "=1+1"
    workbook.create_sheet("Other")["A1"] = "untouched"
    path = tmp_path / "tracker.xlsx"
    workbook.save(path)
    return path


def status_edits() -> list[CellEdit]:
    edits = [
        CellEdit(1, 4, "Follow-up status", style_like=(1, 3)),
        CellEdit(1, 5, "Next follow-up", style_like=(1, 3)),
    ]
    for row, day in ((2, 8), (3, 10)):
        edits.append(CellEdit(row, 4, "Send a thank-you note"))
        edits.append(CellEdit(row, 5, dt.date(2024, 5, day), date_format_like=(row, 3)))
    return edits


def test_statuses_and_dates_read_back_in_both_readers(tracker: Path) -> None:
    edits = status_edits()
    out, result = edited(tracker, edits)

    assert result.changed_cells == 6 and result.skipped == ()
    assert openpyxl_cell(out, "Tracker", 1, 4) == ("Follow-up status", False)
    assert openpyxl_cell(out, "Tracker", 2, 4) == ("Send a thank-you note", False)
    assert openpyxl_cell(out, "Tracker", 2, 5) == (dt.datetime(2024, 5, 8), True)
    assert openpyxl_cell(out, "Tracker", 3, 5) == (dt.datetime(2024, 5, 10), True)
    rows = calamine_rows(out, "Tracker")
    assert rows[0][3:5] == ["Follow-up status", "Next follow-up"]
    assert rows[1][3:5] == ["Send a thank-you note", dt.date(2024, 5, 8)]
    assert rows[2][3:5] == ["Send a thank-you note", dt.date(2024, 5, 10)]


def test_header_copies_style_like_and_date_copies_date_format(tracker: Path) -> None:
    out, _ = edited(tracker, status_edits())
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["Tracker"]
    assert sheet["D1"].font.b and sheet["E1"].font.b
    assert sheet["E2"].number_format == "dd mmm yyyy"
    assert not sheet["D2"].font.b


def test_only_target_cells_and_styles_change(tracker: Path) -> None:
    edits = status_edits()
    out, _ = edited(tracker, edits)
    sheet_part = read_workbook_info(tracker).sheet("Tracker")
    assert sheet_part is not None
    assert_package_kept(tracker, out, {sheet_part.part, "xl/styles.xml"})
    assert_only_cells_changed(tracker, out, sheet_part.part, edits)
    assert "<f>" in sheet_xml_of(out)  # the formula in A5 is still a formula


def test_rerun_with_same_values_writes_nothing(tracker: Path) -> None:
    out, _ = edited(tracker, status_edits())
    again = edit_package(out, "Tracker", status_edits())
    assert again == EditResult(data=None, skipped=(), changed_cells=0)


def test_rerun_after_excel_turned_strings_into_shared_strings(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"><v>45420</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    )
    path = build_package(tmp_path / "sst.xlsx", sheet, shared_strings=["Waiting", "R&amp;D"])
    same = [CellEdit(1, 1, "Waiting"), CellEdit(1, 2, dt.date(2024, 5, 8)), CellEdit(2, 1, "R&D")]
    assert edit_package(path, "Tracker", same).data is None

    out, result = edited(path, [CellEdit(1, 1, "Call again")])
    assert result.changed_cells == 1
    assert calamine_cell(out, "Tracker", 1, 1) == "Call again"
    assert member_bytes(out)["xl/sharedStrings.xml"] == member_bytes(path)["xl/sharedStrings.xml"]


# --- widths of the columns the tool adds ---------------------------------------------------

HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>Company</t></is></c></row>'


def widths(path: Path) -> dict[str, float | None]:
    """Each column's width as Excel reads it: from the <col> that covers it, if any."""
    found: dict[str, float | None] = dict.fromkeys("ABCDEFGHIJ")
    for col in re.finditer(r"<col ([^>]*)/>", sheet_xml_of(path)):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', col.group(1)))
        for column in range(int(attrs["min"]), min(int(attrs["max"]), 10) + 1):
            found["ABCDEFGHIJ"[column - 1]] = float(attrs["width"])
    return found


def test_a_new_column_gets_its_width_so_its_dates_show(tmp_path: Path) -> None:
    path = build_package(tmp_path / "w.xlsx", worksheet_xml(HEADER_ROW))
    out, _ = edited(
        path,
        [
            CellEdit(1, 2, "Next follow-up", joins_table=True, width=16),
            CellEdit(1, 3, "Follow-up status", joins_table=True, width=30),
            CellEdit(2, 2, dt.date(2026, 12, 7)),
        ],
    )
    assert widths(out) == {**dict.fromkeys("ABCDEFGHIJ"), "B": 16, "C": 30}
    # The <cols> the sheet lacked goes where the schema wants it: right before sheetData.
    assert '<cols><col min="2" max="2" width="16" customWidth="1"/>' in sheet_xml_of(out)
    assert "</cols><sheetData>" in sheet_xml_of(out)
    assert calamine_cell(out, "Tracker", 2, 2) == dt.date(2026, 12, 7)


def test_new_column_widths_join_the_sheet_s_columns_in_order(tmp_path: Path) -> None:
    cols = (
        '<cols><col min="1" max="1" width="25" customWidth="1"/>'
        '<col min="6" max="7" width="9" style="1" customWidth="1"/></cols>'
    )
    path = build_package(tmp_path / "w.xlsx", worksheet_xml(HEADER_ROW, before=cols))
    edits = [
        CellEdit(1, 2, "Status", joins_table=True, width=30),
        CellEdit(1, 8, "Draft", joins_table=True, width=36),
    ]
    out, _ = edited(path, edits)
    assert widths(out) == {**dict.fromkeys("ABCDEFGHIJ"), "A": 25, "B": 30, "F": 9, "G": 9, "H": 36}
    xml = sheet_xml_of(out)
    assert (
        '<cols><col min="1" max="1" width="25" customWidth="1"/>'
        '<col min="2" max="2" width="30" customWidth="1"/>'
        '<col min="6" max="7" width="9" style="1" customWidth="1"/>'
        '<col min="8" max="8" width="36" customWidth="1"/></cols>'
    ) in xml


def test_a_column_the_user_sized_or_an_existing_header_keeps_its_width(tmp_path: Path) -> None:
    # LibreOffice writes one <col> over every column it has not sized on its own.
    cols = '<cols><col min="2" max="1024" width="11.5" customWidth="1"/></cols>'
    rows = HEADER_ROW.replace("</row>", '<c r="B1" t="inlineStr"><is><t>Next</t></is></c></row>')
    path = build_package(tmp_path / "w.xlsx", worksheet_xml(rows))
    out, _ = edited(path, [CellEdit(1, 2, "Next follow-up", joins_table=True, width=16)])
    assert "<cols>" not in sheet_xml_of(out)  # the header cell was there: not a new column
    path = build_package(tmp_path / "v.xlsx", worksheet_xml(HEADER_ROW, before=cols))
    out, _ = edited(path, [CellEdit(1, 3, "Next follow-up", joins_table=True, width=16)])
    assert cols in sheet_xml_of(out)
    assert widths(out)["C"] == 11.5


def test_an_empty_styled_cell_in_the_header_row_still_makes_a_new_column(tmp_path: Path) -> None:
    # A header row formatted across leaves empty styled cells where the tool's columns go.
    rows = HEADER_ROW.replace("</row>", '<c r="B1" s="1"/></row>')
    path = build_package(tmp_path / "w.xlsx", worksheet_xml(rows))
    out, _ = edited(path, [CellEdit(1, 2, "Next follow-up", joins_table=True, width=16)])
    assert widths(out)["B"] == 16


# --- styles --------------------------------------------------------------------------


def test_existing_date_style_is_kept(tmp_path: Path) -> None:
    sheet = worksheet_xml('<row r="1"><c r="A1" s="2"><v>45000</v></c></row>')
    path = build_package(tmp_path / "keep.xlsx", sheet)
    out, _ = edited(path, [CellEdit(1, 1, dt.date(2024, 5, 8))])

    assert '<c r="A1" s="2"><v>45420</v></c>' in sheet_xml_of(out)
    assert_package_kept(path, out, {SHEET})  # styles.xml untouched
    assert openpyxl_cell(out, "Tracker", 1, 1) == (dt.datetime(2024, 5, 8), True)


def test_non_date_style_gets_an_appended_clone(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="1"><c r="A1" s="3"><v>12</v></c><c r="B1" s="3"><v>13</v></c></row>'
    )
    path = build_package(tmp_path / "clone.xlsx", sheet)
    out, _ = edited(
        path, [CellEdit(1, 1, dt.date(2024, 5, 8)), CellEdit(1, 2, dt.date(2024, 5, 9))]
    )

    styles = member_bytes(out)["xl/styles.xml"].decode()
    old_styles = member_bytes(path)["xl/styles.xml"].decode()
    xfs = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", styles.split("<cellXfs")[1])
    assert len(xfs) == 5  # one clone, reused for both cells
    assert 'count="5"' in styles
    assert xfs[4] == (
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1">'
        '<alignment horizontal="center"/></xf>'
    )
    # Existing xfs are byte-identical and in place.
    assert styles.replace(xfs[4], "").replace('count="5"', 'count="4"') == old_styles
    assert '<c r="A1" s="4"><v>45420</v></c><c r="B1" s="4"><v>45421</v></c>' in sheet_xml_of(out)
    assert openpyxl_cell(out, "Tracker", 1, 1) == (dt.datetime(2024, 5, 8), True)
    assert calamine_cell(out, "Tracker", 1, 2) == dt.date(2024, 5, 9)


def test_new_cells_take_row_or_column_style(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="1" s="1" customFormat="1"><c r="A1"><v>1</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c></row>',
        before='<cols><col min="3" max="3" width="12" style="1" customWidth="1"/></cols>',
    )
    path = build_package(tmp_path / "rowcol.xlsx", sheet)
    out, _ = edited(path, [CellEdit(1, 2, "row styled"), CellEdit(2, 3, "column styled")])
    xml = sheet_xml_of(out)
    assert '<c r="B1" s="1" t="inlineStr">' in xml
    assert '<c r="C2" s="1" t="inlineStr">' in xml


def test_package_without_styles_part_gets_one_for_dates(tmp_path: Path) -> None:
    sheet = worksheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>Acme</t></is></c></row>')
    path = build_package(tmp_path / "nostyles.xlsx", sheet, styles_xml=None)

    text_only = edit_package(path, "Tracker", [CellEdit(1, 2, "status")])
    assert text_only.data is not None
    assert "xl/styles.xml" not in member_bytes(write_result(tmp_path / "t.xlsx", text_only.data))

    out, _ = edited(path, [CellEdit(1, 2, dt.date(2024, 5, 8))])
    members = member_bytes(out)
    assert "xl/styles.xml" in members
    assert b'PartName="/xl/styles.xml"' in members["[Content_Types].xml"]
    assert b'/relationships/styles" Target="styles.xml"' in members["xl/_rels/workbook.xml.rels"]
    assert_package_kept(
        path, out, {SHEET, "[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    )
    assert openpyxl_cell(out, "Tracker", 1, 2) == (dt.datetime(2024, 5, 8), True)
    assert calamine_cell(out, "Tracker", 1, 2) == dt.date(2024, 5, 8)


# --- odd sheet layouts -----------------------------------------------------------------


def test_prefixed_namespace_uses_the_sheets_prefix(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<x:row r="1" spans="1:1"><x:c r="A1" t="inlineStr"><x:is><x:t>Acme</x:t></x:is></x:c></x:row>',
        before='<x:dimension ref="A1"/>',
        prefix="x",
    )
    path = build_package(tmp_path / "prefixed.xlsx", sheet)
    edits = [CellEdit(1, 3, "status"), CellEdit(3, 2, dt.date(2024, 5, 8))]
    out, _ = edited(path, edits)
    xml = sheet_xml_of(out)

    assert '<x:c r="C1" t="inlineStr"><x:is><x:t>status</x:t></x:is></x:c></x:row>' in xml
    assert '<x:row r="3"><x:c r="B3" s="4"><x:v>45420</x:v></x:c></x:row></x:sheetData>' in xml
    assert '<x:row r="1" spans="1:3">' in xml
    assert '<x:dimension ref="A1:C3"/>' in xml
    assert_only_cells_changed(path, out, SHEET, edits)
    assert openpyxl_cell(out, "Tracker", 1, 3) == ("status", False)
    assert calamine_cell(out, "Tracker", 3, 2) == dt.date(2024, 5, 8)


def test_rows_and_cells_without_r_attributes(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        "<row><c><v>1</v></c><c><v>2</v></c></row>"  # row 1: A1, B1
        '<row r="3"><c r="A3"><v>3</v></c><c><v>4</v></c><c r="E3"><v>5</v></c></row>'
        "<row><c><v>6</v></c></row>"  # row 4
    )
    path = build_package(tmp_path / "implicit.xlsx", sheet)
    edits = [
        CellEdit(1, 2, "was 2"),  # an implicit cell, replaced in place
        CellEdit(1, 3, "new C1"),
        CellEdit(3, 2, "was 4"),
        CellEdit(3, 4, "new D3"),  # between an implicit B3 and an explicit E3
        CellEdit(4, 2, "new B4"),
        CellEdit(2, 1, "new row 2"),
    ]
    out, result = edited(path, edits)
    assert result.changed_cells == 6
    rows = calamine_rows(out, "Tracker")
    assert rows[0][:3] == [1, "was 2", "new C1"]
    assert rows[1][0] == "new row 2"
    assert rows[2][:5] == [3, "was 4", "", "new D3", 5]
    assert rows[3][:2] == [6, "new B4"]
    assert openpyxl_cell(out, "Tracker", 3, 4) == ("new D3", False)
    assert openpyxl_cell(out, "Tracker", 4, 1) == (6, False)


def test_self_closing_rows_and_empty_sheet_data(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="1" spans="1:1"><c r="A1"><v>1</v></c></row>'
        '<row r="2" spans="1:1" ht="30" customHeight="1"/>'
    )
    path = build_package(tmp_path / "selfclosing.xlsx", sheet)
    out, _ = edited(path, [CellEdit(2, 3, "in a self-closing row")])
    xml = sheet_xml_of(out)
    assert (
        '<row r="2" spans="1:3" ht="30" customHeight="1"><c r="C2" t="inlineStr"><is>'
        "<t>in a self-closing row</t></is></c></row>"
    ) in xml
    assert calamine_cell(out, "Tracker", 2, 3) == "in a self-closing row"

    empty = build_package(
        tmp_path / "empty.xlsx",
        worksheet_xml("").replace("<sheetData></sheetData>", '<dimension ref="A1"/><sheetData/>'),
    )
    out, _ = edited(empty, [CellEdit(2, 2, "first")])
    assert '<dimension ref="B2"/><sheetData><row r="2"><c r="B2" t="inlineStr">' in sheet_xml_of(
        out
    )
    assert openpyxl_cell(out, "Tracker", 2, 2) == ("first", False)


def test_comments_cdata_and_gt_in_attributes_do_not_confuse_the_scan(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="1"><!-- <row r="2"><c r="B1"/></row> -->'
        '<c r="A1" t="inlineStr" x14ac:foo="a>b" xmlns:x14ac="urn:x"><is><t><![CDATA[<c r="B1">]]></t></is></c>'
        "</row>"
    )
    path = build_package(tmp_path / "tricky.xlsx", sheet)
    edits = [CellEdit(1, 2, "B1 for real"), CellEdit(2, 1, "row 2 for real")]
    out, _ = edited(path, edits)
    assert calamine_rows(out, "Tracker")[:2] == [
        ['<c r="B1">', "B1 for real"],
        ["row 2 for real", ""],
    ]
    assert_only_cells_changed(path, out, SHEET, edits)
    # A CDATA string equal to the new text is recognised as unchanged.
    assert edit_package(path, "Tracker", [CellEdit(1, 1, '<c r="B1">')]).data is None


def test_text_is_escaped_and_illegal_characters_dropped(tmp_path: Path) -> None:
    path = build_package(tmp_path / "text.xlsx", worksheet_xml(""))
    text = "  <b>R&D</b> \x01\x0bdone\ufffe "
    out, _ = edited(path, [CellEdit(1, 1, text), CellEdit(1, 2, "=SUM(A1:A9)")])
    expected = "  <b>R&D</b> done "
    assert '<t xml:space="preserve">  &lt;b&gt;R&amp;D&lt;/b&gt; done </t>' in sheet_xml_of(out)
    assert openpyxl_cell(out, "Tracker", 1, 1) == (expected, False)
    assert calamine_cell(out, "Tracker", 1, 1) == expected
    # A string that looks like a formula stays a string.
    assert "<f>" not in sheet_xml_of(out)
    assert calamine_cell(out, "Tracker", 1, 2) == "=SUM(A1:A9)"


def test_none_clears_the_value_and_keeps_the_style(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>old</t></is></c><c r="B1" s="1"/></row>'
    )
    path = build_package(tmp_path / "clear.xlsx", sheet)
    assert edit_package(path, "Tracker", [CellEdit(1, 2, None), CellEdit(5, 5, None)]).data is None
    out, result = edited(path, [CellEdit(1, 1, None)])
    assert result.changed_cells == 1
    assert '<row r="1"><c r="A1" s="1"/><c r="B1" s="1"/></row>' in sheet_xml_of(out)
    assert openpyxl_cell(out, "Tracker", 1, 1) == (None, False)


# --- cells the tool must not touch -------------------------------------------------------


def test_formula_cells_are_skipped_with_the_formula_quoted(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="1"><c r="A1" s="2"><f>TODAY()+3</f><v>45420</v></c>'
        '<c r="B1"><f t="shared" ref="B1:B2" si="0">A1&amp;"x"</f><v>1</v></c></row>'
        '<row r="2"><c r="B2"><f t="shared" si="0"/><v>1</v></c></row>'
    )
    path = build_package(tmp_path / "formula.xlsx", sheet)
    result = edit_package(
        path,
        "Tracker",
        [CellEdit(1, 1, dt.date(2024, 1, 1)), CellEdit(1, 2, "x"), CellEdit(2, 2, None)],
    )
    assert result.data is None and result.changed_cells == 0
    reasons = {(s.row, s.column): s.reason for s in result.skipped}
    assert reasons[(1, 1)] == "holds a formula (=TODAY()+3); the tool never overwrites formulas"
    assert reasons[(1, 2)] == 'holds a formula (=A1&"x"); the tool never overwrites formulas'
    assert "shared formula" in reasons[(2, 2)]


def test_cells_hidden_by_a_merge_are_skipped(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="4"><c r="C4" t="inlineStr"><is><t>merged</t></is></c><c r="D4"/></row>',
        after='<mergeCells count="1"><mergeCell ref="C4:D4"/></mergeCells>',
    )
    path = build_package(tmp_path / "merged.xlsx", sheet)
    out, result = edited(path, [CellEdit(4, 3, "top-left is fine"), CellEdit(4, 4, "hidden")])
    assert [(s.row, s.column, s.reason) for s in result.skipped] == [
        (4, 4, "is inside the merged range C4:D4")
    ]
    assert result.changed_cells == 1
    assert calamine_cell(out, "Tracker", 4, 3) == "top-left is fine"


def test_protected_sheet_is_refused(tmp_path: Path) -> None:
    sheet = worksheet_xml(
        '<row r="1"><c r="A1"><v>1</v></c></row>',
        after='<sheetProtection algorithmName="SHA-512" sheet="1" objects="1"/>',
    )
    path = build_package(tmp_path / "protected.xlsx", sheet)
    with pytest.raises(XlsxError, match=r"'Tracker'.*protected.*Review > Unprotect Sheet"):
        edit_package(path, "Tracker", [CellEdit(1, 2, "x")])


def test_unknown_sheet_is_refused(tracker: Path) -> None:
    with pytest.raises(XlsxError, match="no sheet named 'Nope'"):
        edit_package(tracker, "Nope", [CellEdit(1, 1, "x")])


# --- dates ---------------------------------------------------------------------------


def test_1904_date_system(tmp_path: Path) -> None:
    path = build_package(tmp_path / "mac.xlsx", worksheet_xml(""), date1904=True)
    out, _ = edited(path, [CellEdit(1, 1, dt.date(2024, 5, 8))])
    assert "<v>43958</v>" in sheet_xml_of(out)
    assert openpyxl_cell(out, "Tracker", 1, 1) == (dt.datetime(2024, 5, 8), True)
    assert calamine_cell(out, "Tracker", 1, 1) == dt.date(2024, 5, 8)


def test_a_date_the_workbook_cannot_hold_is_skipped_and_the_rest_written(
    tmp_path: Path,
) -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>5</v></c></row><row r="2"/>'
    path = build_package(tmp_path / "mac.xlsx", worksheet_xml(rows), date1904=True)
    early = dt.date(1903, 6, 1)
    edits = [
        CellEdit(1, 2, early),  # over a cell
        CellEdit(1, 3, early),  # after the row's last cell
        CellEdit(2, 3, early),
        CellEdit(2, 4, dt.date(2024, 5, 8)),
    ]
    result = edit_package(path, "Tracker", edits)
    reason = "cannot hold 1903-06-01: the workbook's 1904 date system starts later"
    assert [(s.row, s.column, s.reason) for s in result.skipped] == [
        (1, 2, reason),
        (1, 3, reason),
        (2, 3, reason),
    ]
    assert result.changed_cells == 1
    assert result.data is not None
    out = tmp_path / "out.xlsx"
    out.write_bytes(result.data)
    assert calamine_rows(out, "Tracker")[:2] == [
        [1.0, 5.0, "", ""],
        ["", "", "", dt.date(2024, 5, 8)],
    ]


@pytest.mark.parametrize(
    ("day", "date1904", "serial"),
    [
        (dt.date(1900, 1, 1), False, 1),
        (dt.date(1900, 2, 28), False, 59),
        (dt.date(1900, 3, 1), False, 61),
        (dt.date(2024, 5, 8), False, 45420),
        (dt.date(1904, 1, 1), True, 0),
        (dt.date(2024, 5, 8), True, 43958),
        (dt.date(1899, 12, 31), False, None),
        (dt.date(1903, 12, 31), True, None),
    ],
)
def test_excel_serial(day: dt.date, date1904: bool, serial: int | None) -> None:
    assert date_to_serial(day, date1904=date1904) == serial


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ("dd/mm/yyyy", True),
        ("[$-409]mmmm d, yyyy;@", True),
        ("d-mmm", True),
        ("yyyy", True),
        ("h:mm:ss", False),
        ("[h]:mm", False),
        ("mm:ss", False),
        ('0.00 "days"', False),
        ("#,##0;[Red]-#,##0", False),
        ("General", False),
        ("0.00E+00", False),
        (r"\d0", False),
    ],
)
def test_date_format_detection(code: str, is_date: bool) -> None:
    assert is_date_format_code(code) is is_date


# --- replace_atomically ----------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".~sheet-followup-")]


def test_replace_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")
    path.chmod(0o640)
    before = path.stat()
    replace_atomically(path, b"new", expected_mtime_ns=before.st_mtime_ns, expected_size=3)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_full_disk_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(XlsxError, match="No space left on the disk holding") as caught:
        replace_atomically(path, b"new")
    monkeypatch.undo()
    assert isinstance(caught.value.__cause__, OSError)
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_changed_on_disk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")
    seen = path.stat()
    os.utime(path, ns=(seen.st_atime_ns, seen.st_mtime_ns + 5_000_000_000))
    with pytest.raises(PackageChangedError):
        replace_atomically(path, b"new", expected_mtime_ns=seen.st_mtime_ns)
    with pytest.raises(PackageChangedError):
        replace_atomically(path, b"new", expected_size=99)
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_read_only_folder_message(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "book.xlsx"
    path.write_bytes(b"old")
    folder.chmod(0o500)
    try:
        with pytest.raises(XlsxError, match="read-only"):
            replace_atomically(path, b"new")
    finally:
        folder.chmod(0o700)
    assert path.read_bytes() == b"old"


def test_permission_error_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(XlsxError, match=r"book\.xlsx is read-only"):
        replace_atomically(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


# --- the corpus of real workbooks --------------------------------------------------------


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))


_CORPUS_OUTCOMES: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_corpus_outcomes(pytestconfig: pytest.Config) -> Iterator[None]:
    """Print "kept whole: N of M" past output capture, so a refusal is never silent."""
    yield
    if not _CORPUS_OUTCOMES:
        return
    kept = sum(1 for outcome in _CORPUS_OUTCOMES.values() if outcome.startswith("kept whole"))
    lines = [f"corpus: kept whole: {kept} of {len(_CORPUS_OUTCOMES)}"]
    lines += [
        f"  {name}: {outcome}"
        for name, outcome in sorted(_CORPUS_OUTCOMES.items())
        if outcome != "kept whole"
    ]
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    # Module teardown runs under fd capture; step outside it, as pytest's debugger does.
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        for line in lines:
            if reporter is not None:
                reporter.write("\n" if line is lines[0] else "")
                reporter.write_line(line)
            else:
                print(line)


@pytest.mark.corpus
@pytest.mark.parametrize(
    "workbook", _corpus_files() or [None], ids=lambda p: p.name if p else "none"
)
def test_corpus_workbook_kept_whole(workbook: Path | None, tmp_path: Path) -> None:
    if workbook is None:
        pytest.skip(
            "../shared/corpus/xlsx not found: the lossless tests against real workbooks did not run"
        )
    info = read_workbook_info(workbook)
    sheet = next(s for s in info.sheets if s.kind == "worksheet")
    width = _used_width(workbook, sheet.name, sheet.part)
    first_row = _first_row(workbook, sheet.part)
    status_col, date_col = width + 1, width + 2
    edits = [
        CellEdit(first_row, status_col, "Follow-up status", style_like=(first_row, max(width, 1))),
        CellEdit(first_row, date_col, "Next follow-up", style_like=(first_row, max(width, 1))),
    ]
    for offset in range(1, 6):
        edits.append(CellEdit(first_row + offset, status_col, f"Waiting {offset} <&>"))
        edits.append(CellEdit(first_row + offset, date_col, dt.date(2024, 5, offset)))
    copy = tmp_path / workbook.name
    copy.write_bytes(workbook.read_bytes())
    try:
        result = edit_package(copy, sheet.name, edits)
    except XlsxError as exc:
        assert "protected" in str(exc) and "Unprotect" in str(exc), str(exc)
        assert copy.read_bytes() == workbook.read_bytes()
        assert sorted(p.name for p in tmp_path.iterdir()) == [workbook.name]
        _CORPUS_OUTCOMES[workbook.name] = f"refused: {exc}"
        return
    assert result.skipped == () and result.changed_cells == len(edits)
    out = write_result(tmp_path / ("out" + workbook.suffix), result.data)

    workbook_part = _workbook_member(workbook)
    assert_package_kept(workbook, out, {sheet.part, workbook_part, *_styles_members(workbook)})
    assert_only_cells_changed(workbook, out, sheet.part, edits)
    old_workbook, new_workbook = (
        member_bytes(workbook)[workbook_part],
        member_bytes(out)[workbook_part],
    )
    if new_workbook != old_workbook:
        assert _has_formulas(workbook), "fullCalcOnLoad set in a workbook without formulas"
        assert_only_full_calc_set(old_workbook, new_workbook)
    new_rows = calamine_rows(out, sheet.name)
    assert new_rows[first_row - 1][status_col - 1] == "Follow-up status"
    for offset in range(1, 6):
        row = new_rows[first_row + offset - 1]
        assert row[status_col - 1 : date_col] == [f"Waiting {offset} <&>", dt.date(2024, 5, offset)]
    # read_only streams the one sheet we look at; a full load of some corpus workbooks takes
    # minutes in openpyxl's merged-cell handling.
    try:
        loaded = openpyxl.load_workbook(out, read_only=True)
        target = loaded[sheet.name]
        date_cell = target.cell(row=first_row + 3, column=date_col)
        header_cell = target.cell(row=first_row, column=date_col)
    except Exception as exc:
        with pytest.raises(type(exc)):  # openpyxl's own limit: it fails on the original too
            openpyxl.load_workbook(workbook, read_only=True)[sheet.name]["A1"]
        _CORPUS_OUTCOMES[workbook.name] = f"kept whole (openpyxl cannot read it: {exc!r})"
        return
    try:
        assert date_cell.is_date and date_cell.value == dt.datetime(2024, 5, 3)
        assert header_cell.value == "Next follow-up"
    finally:
        loaded.close()
    _CORPUS_OUTCOMES[workbook.name] = "kept whole"


def _used_width(workbook: Path, sheet_name: str, part: str) -> int:
    """Rightmost column anything uses: calamine's cells, the dimension, merged ranges."""
    rows = calamine_rows(workbook, sheet_name)
    width = max((len(r) for r in rows), default=0)
    xml = member_bytes(workbook)[part].decode("utf-8", "replace")
    refs = re.findall(r"<(?:\w+:)?(?:dimension|mergeCell)\s[^>]*?ref=\"([^\"]+)\"", xml)
    for ref in refs:
        for letters in re.findall(r"([A-Z]{1,3})\d+", ref):
            number = 0
            for char in letters:
                number = number * 26 + ord(char) - 64
            width = max(width, number)
    return width


def _first_row(workbook: Path, part: str) -> int:
    xml = member_bytes(workbook)[part]
    m = re.search(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"", xml)
    return int(m.group(1)) if m else 1


def _workbook_member(workbook: Path) -> str:
    with zipfile.ZipFile(workbook) as archive:
        return next(n for n in archive.namelist() if re.fullmatch(r"xl/workbook\d*\.xml", n))


def _has_formulas(workbook: Path) -> bool:
    members = member_bytes(workbook)
    return any("calcchain" in name.lower() for name in members) or any(
        re.search(rb"<(?:\w+:)?f[\s/>]", data)
        for name, data in members.items()
        if name.startswith("xl/worksheets/") or name.startswith("xl/macrosheets/")
    )


def _styles_members(workbook: Path) -> set[str]:
    with zipfile.ZipFile(workbook) as archive:
        return {n for n in archive.namelist() if n.lower().endswith("styles.xml")}


def test_main_namespace_constant_matches_excel() -> None:
    # The hand-built packages must use the namespace Excel writes, or they prove nothing.
    assert MAIN_NS == "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_edits_in_any_order_give_the_same_file(tracker: Path) -> None:
    edits = status_edits()
    first = edit_package(tracker, "Tracker", edits).data
    assert first is not None
    assert edit_package(tracker, "Tracker", edits[::-1]).data == first
    shuffled = edits[1::2] + edits[0::2]
    assert edit_package(tracker, "Tracker", shuffled).data == first


def test_a_conditional_formats_number_format_does_not_hide_a_built_in_date(
    tmp_path: Path,
) -> None:
    # A differential format (for conditional formatting) may reuse id 14 for a percentage;
    # the cell formats still mean Excel's built-in short date by it.
    styles = (
        STYLES_XML.replace('<cellXfs count="4">', '<cellXfs count="5">')
        .replace(
            "</cellXfs>",
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            "</cellXfs>",
        )
        .replace(
            "</styleSheet>",
            '<dxfs count="1"><dxf><numFmt numFmtId="14" formatCode="0.00%"/></dxf></dxfs></styleSheet>',
        )
    )
    sheet = worksheet_xml('<row r="1"><c r="A1" s="4"><v>45413</v></c></row>')
    path = build_package(tmp_path / "dxf.xlsx", sheet, styles_xml=styles)
    out, _ = edited(path, [CellEdit(1, 2, dt.date(2026, 12, 1), date_format_like=(1, 1))])
    assert '<c r="B1" s="4"><v>46357</v></c>' in sheet_xml_of(out)
    assert member_bytes(out)["xl/styles.xml"] == styles.encode()
    assert openpyxl_cell(out, "Tracker", 1, 2) == (dt.datetime(2026, 12, 1), True)


def _stored_members(path: Path) -> dict[str, bytes]:
    """Each member's bytes as stored in the zip, still compressed."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        stored = {}
        for info in archive.infolist():
            offset = info.header_offset
            name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
            start = offset + 30 + name_length + extra_length
            stored[info.filename] = data[start : start + info.compress_size]
        return stored


def test_unchanged_members_are_copied_as_stored(tracker: Path) -> None:
    out, _ = edited(tracker, status_edits())
    before, after = _stored_members(tracker), _stored_members(out)
    changed = {SHEET, "xl/styles.xml", "xl/workbook.xml"}
    assert list(after) == list(before)
    for name in before.keys() - changed:
        assert after[name] == before[name], name
    assert_package_kept(tracker, out, changed)


def test_a_large_part_is_deflated_in_pieces_that_read_back_as_one() -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Company %d</t></is></c></row>'
        % (n, n, n * 7919 % 100_003)
        for n in range(1, 120_000)
    )
    assert len(rows) > 5 << 20
    packed = package_module._deflate(rows)
    assert zlib.decompress(packed, -15) == rows
    assert len(packed) < len(rows) // 4
