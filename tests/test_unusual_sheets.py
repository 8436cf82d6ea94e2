"""Sheets python-calamine cannot read do not stop a run: an Excel 4.0 macro sheet, a tab with no
part. They stay in the file as they are; the tracker beside them is read and written."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sheet_followup.cli import cli

TODAY = "2026-11-23"
MACRO_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    b'<sheetData><row r="1"><c r="A1"><f>RETURN()</f></c></row></sheetData></xm:macrosheet>'
)


def tracker(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Email", "Interview date"])
    sheet.append(["Acme", "Jane Doe", "jane@example.com", dt.date(2026, 11, 23)])
    workbook.save(path)
    return path


def rewrite(source: Path, target: Path, change: dict[str, object], extra: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            for pattern, replacement in change.get(name, []):  # type: ignore[attr-defined]
                data = re.sub(pattern, replacement, data)
            new.writestr(name, data)
        for name, data in extra.items():
            new.writestr(name, data)


def with_macro_sheet(source: Path, target: Path) -> Path:
    """``source`` with an Excel 4.0 macro sheet added to its tabs, as Excel writes one."""
    rewrite(
        source,
        target,
        {
            "[Content_Types].xml": [(
                rb"</Types>",
                b'<Override PartName="/xl/macrosheets/sheet1.xml" '
                b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>',
            )],
            "xl/_rels/workbook.xml.rels": [(
                rb"</Relationships>",
                b'<Relationship Id="rIdM1" Type="http://schemas.microsoft.com/office/2006/'
                b'relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>',
            )],
            "xl/workbook.xml": [(
                rb"</sheets>", b'<sheet name="Macro1" sheetId="9" r:id="rIdM1"/></sheets>'
            )],
        },
        {"xl/macrosheets/sheet1.xml": MACRO_SHEET},
    )  # fmt: skip
    return target


def test_a_workbook_with_an_excel_4_macro_sheet_runs_and_keeps_it(tmp_path: Path) -> None:
    path = with_macro_sheet(tracker(tmp_path / "plain.xlsx"), tmp_path / "macros.xlsm")
    result = CliRunner().invoke(cli, ["run", str(path), "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert "Thank-you due (1)" in result.output
    with zipfile.ZipFile(path) as written:
        assert written.read("xl/macrosheets/sheet1.xml") == MACRO_SHEET
        assert b'<sheet name="Macro1" sheetId="9" r:id="rIdM1"/>' in written.read("xl/workbook.xml")
    # And the tool's cells are there, as LibreOffice or Excel will read them.
    assert openpyxl.load_workbook(path)["Tracker"]["E2"].value == "Thank-you due (add a gift)"


def test_a_very_hidden_tab_without_a_part_is_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "ghost.xlsx"
    rewrite(
        tracker(tmp_path / "plain.xlsx"),
        path,
        {"xl/workbook.xml": [(
            rb"</sheets>", b'<sheet name="Ghost" sheetId="7" state="veryHidden" r:id=""/></sheets>'
        )]},
        {},
    )  # fmt: skip
    result = CliRunner().invoke(cli, ["run", str(path), "--today", TODAY])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as written:
        assert b'name="Ghost"' in written.read("xl/workbook.xml")
    named = CliRunner().invoke(cli, ["run", str(path), "--today", TODAY, "--sheet", "Ghost"])
    assert named.exit_code == 2
    assert "has no sheet 'Ghost'; its sheets are 'Tracker'" in named.output
