"""Judging a workbook of big sheets from their heads: the first rows read from a cut copy are
the rows a whole read gives, on every real workbook of the corpus, and a big sheet that is not
the tracker is never parsed whole."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from click.testing import CliRunner

from sheet_followup import workbook_file
from sheet_followup.cli import cli
from sheet_followup.errors import SheetFollowupError
from sheet_followup.workbook_file import open_workbook
from sheet_followup.xlsx import heads
from sheet_followup.xlsx.heads import sheet_head
from tests.lossless_helpers import CORPUS, CORPUS_MISSING
from tests.xlsx_helpers import build_package, worksheet_xml

PART = "xl/worksheets/sheet1.xml"
ROWS = "".join(
    f'<x:row r="{n}"><x:c r="A{n}" t="inlineStr"><x:is><x:t>row {n}</x:t></x:is></x:c></x:row>'
    for n in range(1, 41)
)


def test_a_sheet_is_cut_after_its_first_rows_and_closed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(heads, "_CHUNK", 7)  # tags cut between pieces, everywhere
    before = '<x:dimension ref="A1:A40"/><x:cols><x:col min="1" max="1" width="9"/></x:cols>'
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS, before=before, prefix="x"))
    with zipfile.ZipFile(path) as archive:
        whole = archive.read(PART)
        head = sheet_head(archive, PART, 10)
        assert sheet_head(archive, PART, 40) == whole  # no more rows than asked: all of it
    root = ElementTree.fromstring(head)  # well-formed
    rows = root.findall(".//{*}row")
    assert [row.get("r") for row in rows] == [str(n) for n in range(1, 11)]
    cut = whole.index(b'<x:row r="11"')
    assert head.startswith(whole[:cut].replace(b'<x:dimension ref="A1:A40"/>', b""))
    assert b"dimension" not in head  # it described the whole sheet


def test_an_empty_sheet_is_left_as_it_is(tmp_path: Path) -> None:
    path = build_package(
        tmp_path / "t.xlsx", worksheet_xml("").replace("<sheetData></sheetData>", "<sheetData/>")
    )
    with zipfile.ZipFile(path) as archive:
        assert sheet_head(archive, PART, 10) == archive.read(PART)


def big_workbook(path: Path, far_cell_in_head: bool = False) -> Path:
    """A tracker beside two big exports of 20,000 rows, one with a far cell (at its end, or in
    its head)."""
    workbook = openpyxl.Workbook(write_only=True)
    tracker = workbook.create_sheet("Tracker")
    tracker.append(["Company", "Contact", "Email", "Interview date"])
    tracker.append(["Acme", "Jane Doe", "jane@example.com", "2026-11-23"])
    for name in ("Export", "Archive"):
        sheet = workbook.create_sheet(name)
        sheet.append(["Id", "Amount", "Note"])
        for number in range(20_000):
            sheet.append([number, number * 7919 % 100_003, f"line {number}"])
    workbook.save(path)
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in members:
            if info.filename == "xl/worksheets/sheet3.xml":
                if far_cell_in_head:
                    data = data.replace(b'<row r="2"', far + b'<row r="2"', 1)
                else:
                    data = data.replace(b"</sheetData>", far + b"</sheetData>")
            new.writestr(info, data)
    return path


def test_big_sheets_that_are_not_the_tracker_are_judged_from_their_heads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_workbook(tmp_path / "t.xlsx")
    monkeypatch.setattr(workbook_file, "_BIG_SHEET_PART", 256 << 10)
    parsed: list[str] = []
    real = workbook_file.Workbook._read

    def whole_read(self: workbook_file.Workbook, sheet: str, read: object) -> object:
        parsed.append(sheet)
        return real(self, sheet, read)  # type: ignore[arg-type]

    monkeypatch.setattr(workbook_file.Workbook, "_read", whole_read)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Thank-you due (1)" in result.output
    # The far cell at the end of Archive is never met: the sheet is not the tracker.
    assert "XFD1048576" not in result.output
    assert "Export" not in parsed and "Archive" not in parsed


def test_a_far_cell_in_a_big_sheets_head_is_still_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_workbook(tmp_path / "t.xlsx", far_cell_in_head=True)
    monkeypatch.setattr(workbook_file, "_BIG_SHEET_PART", 256 << 10)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Archive!XFD1048576 holds a value far outside the rest" in result.output
    assert "the sheet was not looked at" in result.output


def corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.xls[xm]")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_MISSING)
def test_every_corpus_workbook_reads_the_same_first_rows_from_its_heads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = 0
    for path in corpus():
        try:
            whole = open_workbook(path)
            names = whole.sheet_names
            expected = {}
            for name in names:
                try:
                    expected[name] = whole.head(name, 250)
                except SheetFollowupError as error:
                    expected[name] = type(error)  # type: ignore[assignment]
        except SheetFollowupError:
            continue  # not readable at all: nothing to compare
        with monkeypatch.context() as patched:
            patched.setattr(workbook_file, "_BIG_SHEET_PART", -1)  # every sheet from its head
            patched.setattr(workbook_file, "_BIG_SHEETS", 1)
            cut = open_workbook(path)
            for name in names:
                try:
                    got: object = cut.head(name, 250)
                except SheetFollowupError as error:
                    got = type(error)
                assert got == expected[name], (path.name, name)
                compared += 1
    assert compared > 200, compared  # the corpus's sheets, nearly all of them
