"""Nothing lost: the whole tool, run on every real workbook of the corpus, changes only its cells.

Each corpus workbook gets a tracker added as a new sheet; the real command line then runs on it.
A rich tracker built with openpyxl (a table, a dropdown, conditional formatting, comments,
hyperlinks, frozen panes, defined names, and a chart and an image beside it) goes through too.
Every zip member other than the tracker sheet, the styles part (a date style may be appended)
and the workbook part (fullCalcOnLoad may be set) must come back byte for byte, in the same
order; the tracker must differ only in the tool's two columns; every other sheet must read the
same; and the statuses and dates must read back, with two independent readers, as the JSON
says and as PRODUCT.md's rules give.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sheet_followup.xlsx.references import column_letters
from tests.lossless_helpers import (
    CORPUS,
    CORPUS_MISSING,
    DRAFT_COLUMN,
    DRAFT_HEADER,
    HEADER,
    LAST_ROW,
    NEXT_HEADER,
    RICH_TABLE,
    STAGES,
    STATUS_HEADER,
    TODAY,
    TRACKER,
    TRACKER_ROWS,
    build_rich_tracker,
    calamine_rows,
    calamine_sheets,
    check_json_against_rules,
    check_package_kept,
    check_tool_cells,
    check_tracker_kept,
    features,
    inject_tracker,
    members,
    padded,
    read_layout,
    run_tool,
    serial,
    table_refs,
)


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))


# --- the count: printed once the module's tests are done, whichever of them ran ------------

_RESULTS: dict[str, bool] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_kept_whole(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not _RESULTS:
        if not CORPUS.is_dir():
            _print(request, f"lossless: {CORPUS_MISSING}")
        return
    kept = sum(_RESULTS.values())
    line = f"lossless: kept whole {kept} of {len(_RESULTS)}"
    failed = sorted(name for name, ok in _RESULTS.items() if not ok)
    if failed:
        line += " (lost something: " + ", ".join(failed) + ")"
    _print(request, line)


def _print(request: pytest.FixtureRequest, line: str) -> None:
    """Past pytest's output capture, as ``capsys.disabled()`` does, so it shows without -s."""
    plugins = request.config.pluginmanager
    capture = plugins.get_plugin("capturemanager")
    reporter = plugins.get_plugin("terminalreporter")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if reporter is not None:
            reporter.write("\n")
            reporter.write_line(line, bold=True)
        else:
            print(line, file=sys.__stdout__)


@pytest.mark.corpus
@pytest.mark.parametrize(
    "source",
    corpus_files()
    or [pytest.param(None, marks=pytest.mark.skip(reason=CORPUS_MISSING), id="no-corpus")],
    ids=lambda p: p.name if isinstance(p, Path) else str(p),
)
def test_corpus_workbook_keeps_everything_but_the_tool_cells(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # drafts land beside the workbook, in tmp_path
    _RESULTS[source.name] = False
    path = tmp_path / source.name
    inject_tracker(source, path)
    before = tmp_path / f"before{source.suffix}"
    shutil.copyfile(path, before)
    layout = read_layout(before)
    check_injected_values(before, layout.date1904)
    others_before = calamine_sheets(before, skip=TRACKER)
    assert set(others_before) <= set(layout.sheet_names)

    report = run_tool(path)

    contacts = check_json_against_rules(report)
    check_package_kept(before, path, layout)
    check_tracker_kept(before, path, layout)
    check_tool_cells(path, contacts)
    assert calamine_sheets(path, skip=TRACKER) == others_before
    _RESULTS[source.name] = True


def check_injected_values(path: Path, date1904: bool) -> None:
    """The tracker the tool reads is the one injected: its dates as serials of the file's system."""
    rows = padded(calamine_rows(path, TRACKER), len(HEADER))
    for values, row in zip((HEADER, *(v for v, _ in TRACKER_ROWS)), rows, strict=True):
        wanted = [serial(v, date1904) if isinstance(v, dt.date) else (v or None) for v in values]
        assert [int(c) if isinstance(c, float) else c for c in row] == wanted


# --- a rich tracker built with openpyxl ----------------------------------------------------


@pytest.fixture
def rich_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, list[dict[str, Any]]]:
    """(the rich tracker before the run, after it, the run's contacts)."""
    monkeypatch.chdir(tmp_path)
    path = build_rich_tracker(tmp_path / "rich.xlsx")
    before = tmp_path / "rich-before.xlsx"
    shutil.copyfile(path, before)
    contacts = check_json_against_rules(run_tool(path))
    check_tool_cells(path, contacts)
    return before, path, contacts


def test_rich_tracker_keeps_everything(rich_run: tuple[Path, Path, list[dict[str, Any]]]) -> None:
    before, after, contacts = rich_run
    layout = read_layout(before)
    changed = check_package_kept(before, after, layout)
    check_tracker_kept(before, after, layout)
    kept = features(before)
    assert kept == {
        "data_validations": [("F2:F200", "list", STAGES)],
        "conditional_formats": [("F2:F200", "cellIs", "equal", ('"Rejected"',))],
        "comments": {"B2": "Loves sailing; asked about our dashboards", "E3": "Panel of three"},
        "hyperlinks": {
            "C3": "https://fernhill.example/jobs/42",
            "D2": "mailto:priya.raman@brightwater.example.com",
        },
        "freeze_panes": "A2",
        "defined_names": {"Cadence": "14"},
        "sheet_names": {"TrackerRows": "Tracker!$A$1:$G$8"},
        "tables": {RICH_TABLE: "TableStyleMedium9"},
        "charts": 1,
        "images": 1,
    }
    links = {
        f"{column_letters(DRAFT_COLUMN)}{contact['row']}": f"drafts/{TODAY}/{Path(contact['draft']).name}"
        for contact in contacts
        if contact["draft"]
    }
    assert links  # the rich tracker has due rows: their Draft cells link to their drafts
    assert features(after) == kept | {"hyperlinks": kept["hyperlinks"] | links}
    drawings = [n for n, _ in members(before) if n.startswith(("xl/charts/", "xl/media/"))]
    assert any(n.startswith("xl/charts/") for n in drawings)
    assert any(n.startswith("xl/media/") for n in drawings)
    assert not set(drawings) & set(changed)


def test_rich_tracker_table_gains_the_new_columns(
    rich_run: tuple[Path, Path, list[dict[str, Any]]],
) -> None:
    before, after, _ = rich_run
    assert table_refs(before) == {RICH_TABLE: (f"A1:G{LAST_ROW}", list(HEADER))}
    assert table_refs(after) == {
        RICH_TABLE: (f"A1:J{LAST_ROW}", [*HEADER, STATUS_HEADER, NEXT_HEADER, DRAFT_HEADER])
    }


def test_corpus_is_where_the_issue_says() -> None:
    """A loud skip, not silence, when the corpus is missing; its manifest lists every file."""
    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    manifest = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    listed = {line.split("\t", 1)[0] for line in manifest[1:] if line.strip()}
    assert {p.name for p in corpus_files()} == listed
