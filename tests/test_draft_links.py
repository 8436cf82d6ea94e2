"""The Draft column: each due row links to its latest draft, by a path relative to the workbook.

Everything runs through the real command line on a copy of the sample tracker, and the links
are read back the way a user's programs read them: openpyxl (as Excel would resolve them),
calamine for the text, and LibreOffice after a round trip.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from sheet_followup.cli import cli
from sheet_followup.writeback import file_link
from tests.conftest import pristine_sample
from tests.lossless_helpers import soffice_convert

SHEET = "Job search"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The sample tracker alone in a folder of its own."""
    folder = tmp_path / "job search"
    folder.mkdir()
    path = folder / "tracker.xlsx"
    shutil.copyfile(pristine_sample(), path)
    return path


def run(path: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["run", str(path), "--json", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def draft_cells(path: Path) -> dict[int, tuple[object, str | None]]:
    """Row -> (Draft cell's text, its link's target), for every row under the Draft header."""
    workbook = openpyxl.load_workbook(path)
    try:
        sheet = workbook[SHEET]
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value == "Draft":
                    header_row, column = cell.row, cell.column
                    break
            else:
                continue
            break
        else:
            raise AssertionError("no Draft header")
        return {
            row: (
                (cell := sheet.cell(row=row, column=column)).value,
                cell.hyperlink.target if cell.hyperlink is not None else None,
            )
            for row in range(header_row + 1, sheet.max_row + 1)
        }
    finally:
        workbook.close()


def due(report: dict[str, Any]) -> dict[int, str]:
    """Row -> its draft's file name, for the due rows of a run."""
    return {c["row"]: Path(c["draft"]).name for c in report["contacts"] if c["draft"]}


def test_each_due_row_links_to_its_draft_relative_to_the_workbook(book: Path) -> None:
    report = run(book, "--today", "2026-11-23")
    drafts = due(report)
    assert len(drafts) == 7
    cells = draft_cells(book)
    for row, (text, target) in cells.items():
        if row in drafts:
            assert text == drafts[row]
            assert target == f"drafts/2026-11-23/{drafts[row]}"
            assert (book.parent / target).is_file()
        else:
            assert (text, target) == (None, None), row
    # The Draft header comes right after the tool's other two columns.
    workbook = openpyxl.load_workbook(book)
    header = [c.value for c in workbook[SHEET][4]]
    assert header[-3:] == ["Follow-up status", "Next follow-up", "Draft"]


def test_links_still_open_after_the_whole_folder_moves(book: Path, tmp_path: Path) -> None:
    run(book, "--today", "2026-11-23")
    moved = tmp_path / "elsewhere" / "synced copy"
    moved.parent.mkdir()
    shutil.move(book.parent, moved)
    targets = [target for _, target in draft_cells(moved / book.name).values() if target]
    assert len(targets) == 7
    for target in targets:
        assert (moved / unquote(target)).is_file(), target


def test_a_second_run_is_a_byte_identical_no_op(book: Path) -> None:
    run(book, "--today", "2026-11-23")
    once = book.read_bytes()
    stamp = book.stat().st_mtime_ns
    report = run(book, "--today", "2026-11-23")
    assert report["cells_changed"] == 0
    assert book.read_bytes() == once
    assert book.stat().st_mtime_ns == stamp


def test_a_week_later_due_rows_link_to_the_new_drafts_and_others_keep_theirs(book: Path) -> None:
    first = due(run(book, "--today", "2026-11-23"))
    sent = CliRunner().invoke(cli, ["sent", str(book), "--row", "5", "--on", "2026-11-23"])
    assert sent.exit_code == 0, sent.output
    later = due(run(book, "--today", "2026-11-30"))
    assert 5 not in later  # written to on the 23rd: waiting until 7 December
    assert set(later) - set(first), "some rows become due in the week"
    cells = draft_cells(book)
    for row, name in later.items():
        assert cells[row] == (name, f"drafts/2026-11-30/{name}")
        assert (book.parent / "drafts" / "2026-11-30" / name).is_file()
    # Row 5 is not due: its newest draft stays linked.
    assert cells[5] == (first[5], f"drafts/2026-11-23/{first[5]}")
    assert (book.parent / "drafts" / "2026-11-23" / first[5]).is_file()
    for row, (text, target) in cells.items():
        if row not in later and row not in first:
            assert (text, target) == (None, None)


def test_a_dry_run_writes_no_links(book: Path) -> None:
    before = book.read_bytes()
    report = run(book, "--today", "2026-11-23", "--dry-run")
    assert len(due(report)) == 7
    assert book.read_bytes() == before
    assert not (book.parent / "drafts").exists()


def test_out_outside_the_workbook_folder_links_relatively(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "Notes für später"
    report = run(book, "--today", "2026-11-23", "--out", str(out))
    targets = {row: target for row, (_, target) in draft_cells(book).items() if target}
    assert set(targets) == set(due(report))
    for target in targets.values():
        assert target.startswith("../Notes%20f%C3%BCr%20sp%C3%A4ter/2026-11-23/")
        assert (book.parent / unquote(target)).resolve().is_file()


def test_calamine_reads_the_draft_names(book: Path) -> None:
    drafts = due(run(book, "--today", "2026-11-23"))
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(SHEET).to_python()
    column = rows[3].index("Draft")
    for row, name in drafts.items():
        assert rows[row - 1][column] == name


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_links(book: Path, tmp_path: Path) -> None:
    drafts = due(run(book, "--today", "2026-11-23"))
    out_dir = tmp_path / "saved by libreoffice"
    done = soffice_convert([book], out_dir, "xlsx")
    saved = out_dir / book.name
    assert saved.is_file(), done.stderr
    cells = draft_cells(saved)
    for row, name in drafts.items():
        text, target = cells[row]
        assert text == name
        assert target is not None
        # LibreOffice rewrites the link relative to where it saved the copy; it must still
        # lead to the same draft.
        assert (out_dir / unquote(target)).resolve() == (
            book.parent / "drafts" / "2026-11-23" / name
        ).resolve()


# --- the link itself -----------------------------------------------------------------------


def test_file_link_is_relative_with_forward_slashes_and_percent_encoded(tmp_path: Path) -> None:
    workbook = tmp_path / "a b" / "tracker.xlsx"
    assert file_link(tmp_path / "a b" / "drafts" / "x.md", workbook) == "drafts/x.md"
    assert file_link(tmp_path / "c:d" / "é.md", workbook) == "../c%3Ad/%C3%A9.md"


def test_file_link_is_a_file_url_without_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def other_drive(path: str, start: str) -> str:
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(os.path, "relpath", other_drive)
    target = tmp_path / "my drafts" / "x.md"
    assert file_link(target, tmp_path / "tracker.xlsx") == target.as_uri()
    assert target.as_uri().startswith("file:///")
