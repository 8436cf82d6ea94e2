"""One WorkbookEditor for a whole command: several sheets and a new one, built and checked once.

`sent` changes the tracker, the Gifts sheet and the Log (a new sheet the first time). These
tests pin that all of it lands in one rebuilt package that is read back sheet by sheet, and
that the command writes the user's file exactly once.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sheet_followup import backups as backups_module
from sheet_followup.cli import cli
from sheet_followup.xlsx import cells as cells_module
from sheet_followup.xlsx import edit as edit_module
from sheet_followup.xlsx.edit import CellEdit, WorkbookEditor
from sheet_followup.xlsx.errors import XlsxError
from tests.xlsx_helpers import assert_package_kept, calamine_rows, write_result


@pytest.fixture
def two_sheets(tmp_path: Path) -> Path:
    workbook = openpyxl.Workbook()
    tracker = workbook.active
    tracker.title = "Tracker"
    tracker.append(["Company", "Contact", "Interview date"])
    tracker.append(["Acme", "Jane Doe", dt.date(2026, 11, 16)])
    tracker["C2"].number_format = "dd/mm/yyyy"
    gifts = workbook.create_sheet("Gifts")
    gifts.append(["Contact", "Gift", "Sent on"])
    gifts.append(["Jane Doe", "A sailing blog", None])
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    return path


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_edits_to_two_sheets_and_a_new_one_land_in_one_build(
    two_sheets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilds = _count_calls(monkeypatch, edit_module, "rebuild_package")
    checks = _count_calls(monkeypatch, edit_module, "verify_package")
    with WorkbookEditor.open(two_sheets) as editor:
        editor.add_sheet("Log")
        tracker = editor.edit("Tracker", [CellEdit(2, 4, "Follow-up due")])
        editor.edit("Gifts", [CellEdit(2, 3, dt.date(2026, 11, 23))])
        editor.edit("Log", [CellEdit(1, 1, "Date"), CellEdit(2, 1, dt.date(2026, 11, 23))])
        data = editor.build()
    assert (len(rebuilds), len(checks)) == (1, 1)
    assert tracker.changed_cells == 1
    out = write_result(tmp_path / "out.xlsx", data)

    assert calamine_rows(out, "Tracker")[1][3] == "Follow-up due"
    assert calamine_rows(out, "Gifts")[1][2] == dt.date(2026, 11, 23)
    assert calamine_rows(out, "Log") == [["Date"], [dt.date(2026, 11, 23)]]
    assert openpyxl.load_workbook(out).sheetnames == ["Tracker", "Gifts", "Log"]
    # Nothing else of the user's changed: only the parts the three edits need.
    with zipfile.ZipFile(two_sheets) as archive:
        names = set(archive.namelist())
    changed = {
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
    }
    assert changed <= names
    assert_package_kept(two_sheets, out, changed)


def test_a_wrong_cell_in_the_second_sheet_is_caught(
    two_sheets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-back check covers every sheet of the build, not only the first."""
    real = cells_module._inline_string

    def wrong_for_gifts(prefix: bytes, text: str) -> bytes:
        return real(prefix, "something else" if text == "for the Gifts sheet" else text)

    monkeypatch.setattr(cells_module, "_inline_string", wrong_for_gifts)
    with WorkbookEditor.open(two_sheets) as editor:
        editor.edit("Tracker", [CellEdit(2, 4, "Follow-up due")])
        editor.edit("Gifts", [CellEdit(2, 4, "for the Gifts sheet")])
        with pytest.raises(XlsxError, match=r"Gifts!D2.*bug in sheet-followup"):
            editor.build()


def test_nothing_to_change_builds_nothing(two_sheets: Path) -> None:
    with WorkbookEditor.open(two_sheets) as editor:
        editor.edit("Tracker", [CellEdit(2, 1, "Acme")])  # already says so
        assert editor.build() is None


def test_a_sheet_that_is_there_already_is_not_added(two_sheets: Path) -> None:
    with WorkbookEditor.open(two_sheets) as editor, pytest.raises(XlsxError, match="Gifts"):
        editor.add_sheet("Gifts")


def test_sent_writes_the_workbook_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sent` edits the tracker, the Gifts sheet and a new Log: one build, one file write."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Applications"
    sheet.append(["Company", "Contact", "Email", "Interview date", "Stage", "Interests"])
    sheet.append(["Acme", "Jane Doe", "j@example.com", dt.date(2026, 11, 16), "Onsite", "sailing"])
    gifts = workbook.create_sheet("Gifts")
    gifts.append(["Contact", "Gift", "Link", "Why", "Sent on"])
    gifts.append(["Jane Doe", "A sailing blog", "https://example.com/s", "she sails", None])
    path = tmp_path / "tracker.xlsx"
    workbook.save(path)
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", str(path), "--today", "2026-11-30"])
    assert ran.exit_code == 0, ran.output

    rebuilds = _count_calls(monkeypatch, edit_module, "rebuild_package")
    writes = _count_calls(monkeypatch, backups_module, "replace_atomically")
    sent = runner.invoke(cli, ["sent", str(path), "--row", "2", "--on", "2026-11-30"])
    assert sent.exit_code == 0, sent.output
    assert (len(rebuilds), len(writes)) == (1, 1)

    book = openpyxl.load_workbook(path)
    assert "Log" in book.sheetnames
    log = [[c.value for c in row] for row in book["Log"].iter_rows()]
    assert any("Jane Doe" in row for row in log)
    assert book["Gifts"]["E2"].value == dt.datetime(2026, 11, 30)
