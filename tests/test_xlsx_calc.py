"""Formulas that read the tool's columns are recalculated when the workbook is next opened."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheet_followup.cli import cli
from sheet_followup.xlsx.edit import CellEdit, edit_package
from sheet_followup.xlsx.workbook import with_full_calc_on_load
from tests.xlsx_helpers import (
    MAIN_NS,
    assert_only_full_calc_set,
    assert_package_kept,
    build_package,
    calamine_rows,
    member_bytes,
    worksheet_xml,
    write_result,
)

HEADER = ["Company", "Contact", "Position", "Email", "Interview date", "Stage", "Last contact"]
ROWS = [
    ["Acme", "Ann", "Dev", "ann@acme.test", dt.date(2026, 11, 2), "Interviewed", None],
    ["Beta", "Bob", "QA", "bob@beta.test", dt.date(2026, 10, 20), "Interviewed", None],
]
COUNT_DUE = '=COUNTIF(Tracker!H:H,"Follow-up due*")'


def tracker(path: Path, *, formula: str | None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    summary = workbook.create_sheet("Summary")
    summary["A1"] = "Due"
    if formula is not None:
        summary["B1"] = formula
    workbook.save(path)
    # openpyxl always asks for a full calculation; Excel's own files usually do not.
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb'\s+fullCalcOnLoad="1"', b"", data)
            archive.writestr(info, data)
    return path


def run_cli(path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output


def test_countif_on_another_sheet_gets_a_full_calc_on_load(tmp_path: Path) -> None:
    path = tracker(tmp_path / "tracker.xlsx", formula=COUNT_DUE)
    before = tmp_path / "before.xlsx"
    before.write_bytes(path.read_bytes())
    assert b"fullCalcOnLoad" not in member_bytes(path)["xl/workbook.xml"]
    run_cli(path)

    old, new = member_bytes(before)["xl/workbook.xml"], member_bytes(path)["xl/workbook.xml"]
    assert b'fullCalcOnLoad="1"' in new
    assert_only_full_calc_set(old, new)
    assert_package_kept(
        before, path, {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml"}
    )
    workbook = openpyxl.load_workbook(path)
    try:
        assert workbook["Summary"]["B1"].value == COUNT_DUE
        assert workbook.calculation.fullCalcOnLoad is True
    finally:
        workbook.close()
    assert calamine_rows(path, "Summary")[0][0] == "Due"
    assert calamine_rows(path, "Tracker")[0][7] == "Follow-up status"


def test_formula_free_workbook_keeps_its_workbook_part(tmp_path: Path) -> None:
    path = tracker(tmp_path / "tracker.xlsx", formula=None)
    old = member_bytes(path)["xl/workbook.xml"]
    run_cli(path)
    assert calamine_rows(path, "Tracker")[0][7] == "Follow-up status"
    assert member_bytes(path)["xl/workbook.xml"] == old


def test_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    path = tracker(tmp_path / "tracker.xlsx", formula=COUNT_DUE)
    run_cli(path)
    data, mtime = path.read_bytes(), path.stat().st_mtime_ns
    run_cli(path)
    assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime


def test_formula_in_the_tracker_sheet_counts(tmp_path: Path) -> None:
    sheet = worksheet_xml('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>')
    path = build_package(tmp_path / "book.xlsx", sheet)
    result = edit_package(path, "Tracker", [CellEdit(2, 1, "x")])
    out = write_result(tmp_path / "out.xlsx", result.data)
    assert b'<calcPr fullCalcOnLoad="1"/></workbook>' in member_bytes(out)["xl/workbook.xml"]


def test_a_calc_chain_alone_counts(tmp_path: Path) -> None:
    path = build_package(tmp_path / "book.xlsx", worksheet_xml(""))
    rel = (
        '<Relationship Id="rId9" Target="calcChain.xml" Type='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"/>'
    )
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            archive.writestr(info, data)
        archive.writestr("xl/calcChain.xml", f'<calcChain xmlns="{MAIN_NS}"/>')
    result = edit_package(path, "Tracker", [CellEdit(1, 1, "x")])
    out = write_result(tmp_path / "out.xlsx", result.data)
    assert b"fullCalcOnLoad" in member_bytes(out)["xl/workbook.xml"]


def test_hand_made_formula_free_package_keeps_its_workbook_part(tmp_path: Path) -> None:
    path = build_package(tmp_path / "book.xlsx", worksheet_xml(""))
    result = edit_package(path, "Tracker", [CellEdit(1, 1, "x")])
    out = write_result(tmp_path / "out.xlsx", result.data)
    assert member_bytes(out)["xl/workbook.xml"] == member_bytes(path)["xl/workbook.xml"]


# --- where and how the attribute goes -------------------------------------------------------

W = f'<workbook xmlns="{MAIN_NS}" xmlns:r="r">'
SHEETS = '<sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets>'


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (  # an existing calcPr: the attribute goes after its last attribute
            f'{W}{SHEETS}<calcPr calcId="191029"/></workbook>',
            f'{W}{SHEETS}<calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>',
        ),
        (
            f'{W}{SHEETS}<calcPr  calcId="1"  ></calcPr></workbook>',
            f'{W}{SHEETS}<calcPr  calcId="1" fullCalcOnLoad="1"  ></calcPr></workbook>',
        ),
        (
            f"{W}{SHEETS}<calcPr fullCalcOnLoad='0' calcId='1'/></workbook>",
            f"{W}{SHEETS}<calcPr fullCalcOnLoad='1' calcId='1'/></workbook>",
        ),
        (  # no calcPr: after definedNames, before the first element the schema puts later
            f"{W}{SHEETS}<definedNames/><pivotCaches/><extLst/></workbook>",
            f'{W}{SHEETS}<definedNames/><calcPr fullCalcOnLoad="1"/><pivotCaches/><extLst/>'
            "</workbook>",
        ),
        (  # an extLst inside bookViews is not the workbook's own
            f"{W}<bookViews><workbookView><extLst/></workbookView></bookViews>{SHEETS}"
            "<oleSize ref='A1'/></workbook>",
            f"{W}<bookViews><workbookView><extLst/></workbookView></bookViews>{SHEETS}"
            "<calcPr fullCalcOnLoad=\"1\"/><oleSize ref='A1'/></workbook>",
        ),
        (
            f'<x:workbook xmlns:x="{MAIN_NS}"><x:sheets/><!-- <calcPr/> --></x:workbook >',
            f'<x:workbook xmlns:x="{MAIN_NS}"><x:sheets/><!-- <calcPr/> -->'
            '<x:calcPr fullCalcOnLoad="1"/></x:workbook >',
        ),
        (
            f'\ufeff<?xml version="1.0"?>\n{W}{SHEETS}</workbook>',
            f'\ufeff<?xml version="1.0"?>\n{W}{SHEETS}<calcPr fullCalcOnLoad="1"/></workbook>',
        ),
    ],
)
def test_full_calc_on_load_is_spliced_in(before: str, after: str) -> None:
    assert with_full_calc_on_load(before.encode()) == after.encode()


@pytest.mark.parametrize("value", ["1", "true", " 1 "])
def test_already_set_is_left_alone(value: str) -> None:
    xml = f'{W}{SHEETS}<calcPr fullCalcOnLoad="{value}"/></workbook>'.encode()
    assert with_full_calc_on_load(xml) is None
