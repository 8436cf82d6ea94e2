"""LibreOffice reads what the tool wrote, and a tracker saved by LibreOffice keeps everything.

Excel is not available here; LibreOffice is the second spreadsheet application that opens the
results. Each result's Tracker sheet is exported to CSV by LibreOffice headless, and the
statuses and next follow-up dates must show as the tool wrote them: in workbooks written by
Excel, Mac Excel, Google Sheets, LibreOffice and WPS, a macro workbook, 1904-date workbooks, one
with tables, one with prefixed namespaces, and the rich tracker.

These tests need ``soffice``: without it they fail (CI installs libreoffice-calc-nogui).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sheet_followup.xlsx import package as package_module
from sheet_followup.xlsx.references import column_letters
from tests.lossless_helpers import (
    CORPUS,
    CORPUS_MISSING,
    DRAFT_COLUMN,
    DRAFT_HEADER,
    HEADER,
    LAST_ROW,
    NEXT_COLUMN,
    NEXT_HEADER,
    RICH_TABLE,
    SOFFICE_MISSING,
    STATUS_COLUMN,
    STATUS_HEADER,
    TODAY,
    TRACKER,
    build_rich_tracker,
    check_json_against_rules,
    check_package_kept,
    check_tool_cells,
    check_tracker_kept,
    features,
    inject_tracker,
    members,
    read_layout,
    run_tool,
    soffice,
    soffice_convert,
    table_refs,
)

pytestmark = pytest.mark.libreoffice

# One of each kind of writer and of the workbook features that matter to the tool's cells.
SAMPLE = {
    "xw__table10.xlsx": "Excel: a table with a calculated column",
    "calamine__pivots.xlsx": "Mac Excel: pivot tables",
    "calamine__temperature.xlsx": "Google Sheets",
    "php__Translations.xlsx": "LibreOffice 24.2",
    "sheetjs__wps_fn.xlsx": "WPS Spreadsheets",
    "openpyxl__vba-test.xlsm": "an .xlsm with VBA and ActiveX",
    "xw__date_1904_02.xlsx": "a 1904-date workbook",
    "poi__47813.xlsx": "Mac Excel, 1904 dates, a chartsheet",
    "php__data_with_tables.xlsx": "Excel Online: tables",
}
# Not closedxml__SampleSparklines.xlsx (the corpus's prefixed-namespace workbook): LibreOffice
# 7.4 aborts while importing its sparklines, the untouched corpus file as much as the result.
RICH = "rich-tracker.xlsx"
# The same, written with every part of more than 4 KiB deflated in blocks on the cores, as a
# large tracker's sheet is: LibreOffice must read the joined streams as one.
RICH_IN_BLOCKS = "rich-tracker-in-blocks.xlsx"

# Comma, double quote, UTF-8, from line 1, language en-US (so format 14 shows M/D/YYYY),
# values as shown, every sheet to its own <name>-<sheet>.csv (LibreOffice 7.2 and later).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,false,-1"


@pytest.fixture(scope="module")
def soffice_available() -> None:
    if soffice() is None:
        pytest.fail(SOFFICE_MISSING, pytrace=False)


@pytest.fixture(scope="module")
def converted(
    soffice_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[list[dict[str, Any]], Path, str]]]:
    """Each sample run through the tool, then all exported to CSV in one LibreOffice call.

    Maps the sample's name to (the JSON contacts, the Tracker CSV, LibreOffice's output).
    """
    folder = tmp_path_factory.mktemp("lo-results")
    results: dict[str, list[dict[str, Any]]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        if CORPUS.is_dir():
            for name in SAMPLE:
                inject_tracker(CORPUS / name, folder / name)
                results[name] = check_json_against_rules(run_tool(folder / name))
        build_rich_tracker(folder / RICH)
        results[RICH] = check_json_against_rules(run_tool(folder / RICH))
        build_rich_tracker(folder / RICH_IN_BLOCKS)
        patch.setattr(package_module, "_PARALLEL_DEFLATE_SIZE", 4096)
        results[RICH_IN_BLOCKS] = check_json_against_rules(run_tool(folder / RICH_IN_BLOCKS))
        with zipfile.ZipFile(folder / RICH_IN_BLOCKS) as written:
            sheets = [i for i in written.infolist() if i.filename.startswith("xl/worksheets/")]
            assert max(i.file_size for i in sheets) > 4096  # so it went through the blocks
    out = folder / "csv"
    done = soffice_convert([folder / name for name in results], out, CSV_FILTER)
    logs = dict.fromkeys(results, f"soffice exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    for name in results:
        if not (out / f"{Path(name).stem}-{TRACKER}.csv").exists():
            # One file that crashes LibreOffice stops the batch: convert the rest one by one,
            # so each failure carries its own log.
            alone = soffice_convert([folder / name], out, CSV_FILTER)
            logs[name] = f"soffice exit {alone.returncode}\n{alone.stdout}\n{alone.stderr}"
    yield {
        name: (contacts, out / f"{Path(name).stem}-{TRACKER}.csv", logs[name])
        for name, contacts in results.items()
    }


def _shown_date(text: str) -> dt.date | None:
    for pattern in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a day, no time)
        except ValueError:
            continue
    return None


def check_csv(contacts: list[dict[str, Any]], path: Path, log: str) -> None:
    assert path.exists(), f"LibreOffice wrote no {path.name}:\n{log}"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row + [""] * (NEXT_COLUMN - len(row)) for row in csv.reader(handle)]
    assert rows[0][: len(HEADER)] == list(HEADER)
    assert rows[0][STATUS_COLUMN - 1 : NEXT_COLUMN] == [STATUS_HEADER, NEXT_HEADER]
    assert len([row for row in rows if any(row)]) == LAST_ROW
    for contact in contacts:
        row = rows[contact["row"] - 1]
        assert row[0] == contact["company"], row
        assert row[STATUS_COLUMN - 1] == contact["status"], row
        shown = row[NEXT_COLUMN - 1]
        if contact["next_follow_up"] is None:
            assert shown == "", row
        else:
            day = _shown_date(shown)
            assert day is not None, f"LibreOffice shows {shown!r}, not a date, in {row}"
            assert day.isoformat() == contact["next_follow_up"], row


@pytest.mark.corpus
@pytest.mark.parametrize("name", list(SAMPLE), ids=list(SAMPLE))
def test_libreoffice_reads_the_tool_cells_in_corpus_results(
    name: str, converted: dict[str, tuple[list[dict[str, Any]], Path, str]]
) -> None:
    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    check_csv(*converted[name])


def test_libreoffice_reads_the_tool_cells_in_the_rich_tracker(
    converted: dict[str, tuple[list[dict[str, Any]], Path, str]],
) -> None:
    check_csv(*converted[RICH])


def test_libreoffice_reads_a_tracker_whose_sheet_was_deflated_in_blocks(
    converted: dict[str, tuple[list[dict[str, Any]], Path, str]],
) -> None:
    check_csv(*converted[RICH_IN_BLOCKS])


# --- a rich tracker saved by LibreOffice ---------------------------------------------------


@pytest.fixture(scope="module")
def saved_by_libreoffice(
    soffice_available: None, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """(the rich tracker as LibreOffice saved it, the same after the tool's run)."""
    folder = tmp_path_factory.mktemp("lo-saved")
    (folder / "built").mkdir()
    built = build_rich_tracker(folder / "built" / "rich.xlsx")
    out = folder / "saved"
    done = soffice_convert([built], out, "xlsx:Calc MS Excel 2007 XML")
    path = out / "rich.xlsx"
    assert path.exists(), f"LibreOffice did not save the tracker: {done.stdout}\n{done.stderr}"
    before = folder / "before.xlsx"
    shutil.copyfile(path, before)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        contacts = check_json_against_rules(run_tool(path))
    check_tool_cells(path, contacts)
    return before, path


def test_rich_tracker_saved_by_libreoffice_keeps_everything(
    saved_by_libreoffice: tuple[Path, Path],
) -> None:
    before, after = saved_by_libreoffice
    layout = read_layout(before)
    changed = check_package_kept(before, after, layout)
    check_tracker_kept(before, after, layout)
    kept = features(before)
    # What LibreOffice itself kept of the openpyxl-built tracker: the test is only as strong
    # as the input, so every feature must be there before the run.
    for feature in ("data_validations", "conditional_formats", "comments", "hyperlinks"):
        assert kept[feature], f"LibreOffice dropped the {feature}"
    # Not the frozen panes: LibreOffice headless saves no view settings, so they are gone
    # from its file before the tool sees it (features(after) == kept still covers them).
    assert "Cadence" in kept["defined_names"]
    assert RICH_TABLE in kept["tables"]
    assert kept["charts"] == 1
    assert kept["images"] == 1
    found = features(after)
    draft_letter = column_letters(DRAFT_COLUMN)
    links = {ref: t for ref, t in found["hyperlinks"].items() if ref.startswith(draft_letter)}
    assert links, "the due rows' Draft cells link to their drafts"
    for ref, target in links.items():
        assert target.startswith(f"drafts/{TODAY}/"), (ref, target)
    assert found == kept | {"hyperlinks": kept["hyperlinks"] | links}
    drawings = [
        name
        for name, _ in members(before)
        if name.startswith(("xl/charts/", "xl/media/", "xl/drawings/"))
    ]
    assert drawings
    assert not set(drawings) & set(changed)


def test_rich_tracker_saved_by_libreoffice_table_gains_the_new_columns(
    saved_by_libreoffice: tuple[Path, Path],
) -> None:
    before, after = saved_by_libreoffice
    old = table_refs(before)
    assert old == {RICH_TABLE: (f"A1:G{LAST_ROW}", list(HEADER))}
    assert table_refs(after) == {
        RICH_TABLE: (f"A1:J{LAST_ROW}", [*HEADER, STATUS_HEADER, NEXT_HEADER, DRAFT_HEADER])
    }


def test_libreoffice_opens_an_adopted_tracker_with_its_new_columns(
    soffice_available: None, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from sheet_followup.cli import cli
    from tests.test_adopt import ADDED, HEADER, ROWS, applications

    path = applications(tmp_path / "applications.xlsx", table=True)
    result = CliRunner().invoke(cli, ["adopt", str(path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "csv"
    done = soffice_convert([path], out, CSV_FILTER)
    shown = out / "applications-Applications.csv"
    assert shown.exists(), f"LibreOffice could not open the adopted tracker: {done.stderr}"
    with shown.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADER + ADDED
    assert [row[:5] for row in rows[1:3]] == [[v or "" for v in r] for r in ROWS]
