"""Memory stays bounded whatever the file: a far cell, a bloated part or a flood of parts is
refused with a message before anything big is made, never an abort or a machine out of memory."""

from __future__ import annotations

import datetime as dt
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheet_followup.cli import cli

TODAY = "2026-11-23"
# A child process may take this much address space: far more than the tool needs for these
# small files, far less than the grid a far cell would make (549 GB at XFD1048576).
ADDRESS_SPACE = 2 << 30


def tracker(path: Path, other_sheet: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Email", "Interview date"])
    sheet.append(["Acme", "Jane Doe", "jane@example.com", dt.date(2026, 11, 23)])
    if other_sheet:
        workbook.create_sheet("Notes")["A1"] = "FAR"
    workbook.save(path)
    return path


def with_cell(source: Path, target: Path, part: str, cell_xml: bytes) -> Path:
    """Add a row holding ``cell_xml`` at the end of a sheet part, as a user typing far away."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            if name == part:
                data = data.replace(b"</sheetData>", cell_xml + b"</sheetData>")
            new.writestr(name, data)
    return target


def run_limited(*args: str) -> subprocess.CompletedProcess[str]:
    """The tool in a child process that cannot take more than ADDRESS_SPACE."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    return subprocess.run(
        [sys.executable, "-m", "sheet_followup", *args],
        capture_output=True,
        text=True,
        preexec_fn=limit,  # a limit, set in the child before exec
        timeout=120,
        check=False,
    )


FAR_VALUE = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def test_a_value_typed_in_the_last_cell_there_is_is_refused_with_where_it_is(
    tmp_path: Path,
) -> None:
    path = with_cell(
        tracker(tmp_path / "plain.xlsx"), tmp_path / "far.xlsx", "xl/worksheets/sheet1.xml",
        FAR_VALUE,
    )  # fmt: skip
    before = path.read_bytes()
    for command in ("run", "check", "report"):
        done = run_limited(command, str(path), "--today", TODAY)
        assert done.returncode == 1, (command, done.returncode, done.stderr[-500:])
        assert "Tracker!XFD1048576 holds a value far outside the rest of the sheet" in done.stderr
        assert "Ctrl+End" in done.stderr
    assert path.read_bytes() == before


def test_a_styled_empty_cell_far_away_is_no_value_and_the_run_goes_on(tmp_path: Path) -> None:
    path = with_cell(
        tracker(tmp_path / "plain.xlsx"), tmp_path / "styled.xlsx", "xl/worksheets/sheet1.xml",
        b'<row r="1048576"><c r="XFD1048576" s="0"/></row>',
    )  # fmt: skip
    done = run_limited("run", str(path), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert "Thank-you due (1)" in done.stdout


def test_another_sheet_too_big_to_read_is_left_out_and_said(tmp_path: Path) -> None:
    plain = tracker(tmp_path / "plain.xlsx", other_sheet=True)
    path = with_cell(plain, tmp_path / "far.xlsx", "xl/worksheets/sheet2.xml", FAR_VALUE)
    done = run_limited("run", str(path), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert "Thank-you due (1)" in done.stdout
    assert "Notes!XFD1048576 holds a value far outside" in done.stdout
    assert "the sheet was not looked at" in done.stdout


def test_shared_strings_past_any_trackers_are_refused_before_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sheet_followup.xlsx import package

    monkeypatch.setattr(package, "MAX_SHARED_STRINGS_SIZE", 1 << 20)
    plain = tracker(tmp_path / "plain.xlsx")
    path = tmp_path / "strings.xlsx"
    with zipfile.ZipFile(plain) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            new.writestr(name, old.read(name))
        new.writestr("xl/sharedStrings.xml", b"<sst>" + b"<si><t>x</t></si>" * 100_000 + b"</sst>")
    result = CliRunner().invoke(cli, ["run", str(path), "--today", TODAY])
    assert result.exit_code == 1
    assert "MB of text in its shared strings" in result.stderr
    assert "more than a tracker ever has" in result.stderr


def test_a_workbook_of_65536_parts_is_refused_not_a_crash(tmp_path: Path) -> None:
    plain = tracker(tmp_path / "plain.xlsx")
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(plain) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as new:
        for name in old.namelist():
            new.writestr(name, old.read(name))
        for number in range(65_536):
            new.writestr(f"xl/media/p{number}.bin", b"")
    result = CliRunner().invoke(cli, ["run", str(path), "--today", TODAY])
    assert result.exit_code == 1, result.output
    assert "holds 65,5" in result.stderr and "where a workbook has a few dozen" in result.stderr
