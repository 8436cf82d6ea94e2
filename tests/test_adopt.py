"""`adopt`: a tracker of one's own gets the columns the tool needs, and nothing else changes."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.numbers import is_date_format
from openpyxl.worksheet.table import Table, TableStyleInfo

from sheet_followup.cli import cli
from tests.xlsx_helpers import assert_package_kept, member_bytes

# One row per application, as LinkedIn's or Teal's exports and many templates keep it.
HEADER = ["Company", "Job Title", "Date Applied", "Status", "Notes"]
ROWS = [
    ["Acme", "Analyst", "2026-11-01", "Applied", "via referral"],
    ["Globex", "Data lead", "2026-10-20", "Interviewing", None],
]
ADDED = [
    "Contact",
    "Interview date",
    "Last contact",
    "Interests",
    "Gift",
    "Pause until",
    "Follow-up status",
    "Next follow-up",
    "Draft",
]


def applications(path: Path, *, table: bool = False, title: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Applications"
    if title:
        sheet.append(["My search, autumn 2026"])
        sheet.append([])
    sheet.append(HEADER)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="305496")
    for row in ROWS:
        sheet.append(row)
    if table:
        ref = f"A{header_row}:E{sheet.max_row}"
        sheet.add_table(Table(displayName="Applications", ref=ref))
        sheet.tables["Applications"].tableStyleInfo = TableStyleInfo(name="TableStyleMedium2")
    workbook.create_sheet("Notes").append(["Interview prep checklist"])
    workbook.save(path)
    return path


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_a_tracker_without_a_person_column_is_refused_with_a_pointer_to_adopt(
    tmp_path: Path,
) -> None:
    path = applications(tmp_path / "applications.xlsx")
    code, _, err = invoke("run", path, "--today", "2026-11-23")
    assert code == 1
    assert "has no Contact" in err and "sheet-followup adopt" in err


def test_adopt_adds_the_missing_columns_after_the_last_header_and_runs(tmp_path: Path) -> None:
    path = applications(tmp_path / "applications.xlsx", title=True)
    before = member_bytes(path)
    code, out, _ = invoke("adopt", path)
    assert code == 0, out
    assert "Added 9 columns to sheet 'Applications' (header row 3) after 'Notes':" in out
    sheet = openpyxl.load_workbook(path)["Applications"]
    assert [c.value for c in sheet[3]] == HEADER + ADDED
    # The new headers look like the user's own.
    assert sheet["F3"].font.bold and sheet["F3"].fill.fgColor.rgb == sheet["A3"].fill.fgColor.rgb
    # Their date columns show a typed date as a date.
    for letter in ("G", "H", "K", "M"):
        assert is_date_format(sheet.column_dimensions[letter].number_format), letter
    assert not is_date_format(sheet.column_dimensions["F"].number_format)
    # Nothing else changed: only the sheet, its styles (the new date styles) and nothing more.
    after = member_bytes(path)
    assert {name for name in before if before[name] != after[name]} <= {
        "xl/worksheets/sheet1.xml",
        "xl/styles.xml",
    }
    assert [c.value for c in sheet[4]][:5] == ROWS[0]
    # Now it is a tracker: every row waits for its interview.
    code, out, _ = invoke("run", path, "--today", "2026-11-23")
    assert code == 0, out
    assert "No interview yet (2)" in out


def test_adopt_keeps_a_backup_of_the_workbook_as_it_was(tmp_path: Path) -> None:
    path = applications(tmp_path / "applications.xlsx")
    original = path.read_bytes()
    assert invoke("adopt", path)[0] == 0
    [backup] = (tmp_path / ".sheet-followup-backups" / "applications.xlsx").iterdir()
    assert backup.read_bytes() == original


def test_the_new_columns_join_the_users_excel_table(tmp_path: Path) -> None:
    path = applications(tmp_path / "applications.xlsx", table=True)
    assert invoke("adopt", path)[0] == 0
    table = openpyxl.load_workbook(path)["Applications"].tables["Applications"]
    assert table.ref == "A1:N3"
    assert [c.name for c in table.tableColumns] == HEADER + ADDED


def test_a_dry_run_lists_the_columns_and_writes_nothing(tmp_path: Path) -> None:
    path = applications(tmp_path / "applications.xlsx")
    before = path.read_bytes()
    code, out, _ = invoke("adopt", path, "--dry-run", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["dry_run"] is True
    assert [c["header"] for c in report["added"]] == ADDED
    assert report["added"][0] == {"column": "F", "header": "Contact"}
    assert path.read_bytes() == before
    assert not (tmp_path / ".sheet-followup-backups").exists()


def test_only_what_is_missing_is_added(tmp_path: Path) -> None:
    path = applications(tmp_path / "applications.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["Applications"]["F1"] = "Recruiter"
    workbook.save(path)
    code, out, _ = invoke("adopt", path, "--dry-run")
    assert code == 0
    assert "Contact" not in out.split(":", 1)[1]  # the Recruiter column is the person column
    assert "Interview date" in out


def test_a_tracker_with_every_column_has_nothing_to_add(tmp_path: Path) -> None:
    path = applications(tmp_path / "applications.xlsx")
    assert invoke("adopt", path)[0] == 0
    before = path.read_bytes()
    code, out, _ = invoke("adopt", path)
    assert code == 0 and "nothing to add" in out
    assert path.read_bytes() == before


def test_adopt_refuses_while_excel_has_the_workbook_open(tmp_path: Path) -> None:
    path = applications(tmp_path / "applications.xlsx")
    (tmp_path / "~$applications.xlsx").write_bytes(b"")
    before = path.read_bytes()
    code, _, err = invoke("adopt", path)
    assert code == 1 and "open in Excel" in err
    assert path.read_bytes() == before


def test_adopt_keeps_every_other_part_of_a_rich_workbook(tmp_path: Path) -> None:
    from tests.lossless_helpers import build_rich_tracker

    path = build_rich_tracker(tmp_path / "rich.xlsx")
    before = tmp_path / "before.xlsx"
    before.write_bytes(path.read_bytes())
    # The rich tracker has every input column but Interests...: adopt adds what it lacks.
    assert invoke("adopt", path)[0] == 0
    assert_package_kept(
        before, path, {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/tables/table1.xml"}
    )
