"""Nothing lost: the whole tool, run on every real workbook of the corpus, changes only its cells.

Each corpus workbook gets a tracker added as a new sheet; the real command line then runs on it.
Every zip member other than the tracker sheet, the styles part (a date style may be appended)
and the workbook part (fullCalcOnLoad may be set) must come back byte for byte, in the same
order; the tracker must differ only in the tool's two columns; every other sheet must read the
same; and the statuses and dates must read back, with two independent readers, as the JSON
says and as PRODUCT.md's rules give.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheet_followup.cli import cli
from tests.lossless_helpers import (
    CORPUS,
    CORPUS_MISSING,
    FIRST_ROW,
    HEADER,
    LAST_ROW,
    NEXT_COLUMN,
    NEXT_HEADER,
    STATUS_COLUMN,
    STATUS_HEADER,
    TODAY,
    TRACKER,
    TRACKER_ROWS,
    Injected,
    as_date,
    calamine_rows,
    calamine_sheets,
    changed_members,
    column_letter,
    inject_tracker,
    openpyxl_rows,
    padded,
    serial,
    styles_change_problem,
    workbook_change_problem,
)
from tests.xlsx_helpers import strip_target_cells


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


# --- running the tool ---------------------------------------------------------------------


def run_tool(path: Path) -> dict[str, object]:
    """The real command line on ``path``; returns its JSON."""
    result = CliRunner().invoke(
        cli,
        ["run", str(path), "--today", TODAY.isoformat(), "--sheet", TRACKER, "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    data: dict[str, object] = json.loads(result.stdout)
    return data


def check_json_against_rules(report: dict[str, object]) -> list[dict[str, object]]:
    contacts = report["contacts"]
    assert isinstance(contacts, list)
    assert [c["row"] for c in contacts] == list(range(FIRST_ROW, LAST_ROW + 1))
    for contact, (values, expected) in zip(contacts, TRACKER_ROWS, strict=True):
        assert contact["company"] == values[0]
        assert contact["kind"] == expected.kind, contact
        assert expected.matches(str(contact["status"])), contact
        wanted = expected.next_follow_up.isoformat() if expected.next_follow_up else None
        assert contact["next_follow_up"] == wanted, contact
    fix_data = [c for c in contacts if c["kind"] == "fix_data"]
    assert all("next tues" in str(c["status"]) for c in fix_data)
    return contacts


def check_tool_cells(path: Path, contacts: list[dict[str, object]], date1904: bool) -> None:
    """The tool's columns read back as the JSON says, with openpyxl and with calamine."""
    openpyxl_view = padded(openpyxl_rows(path, TRACKER), NEXT_COLUMN + 3)
    calamine_view = padded(calamine_rows(path, TRACKER), NEXT_COLUMN + 3)
    for reader, rows in (("openpyxl", openpyxl_view), ("calamine", calamine_view)):
        assert len(rows) == LAST_ROW, f"{reader}: {len(rows)} rows"
        header = rows[0]
        assert header[STATUS_COLUMN - 1] == STATUS_HEADER, (reader, header)
        assert header[NEXT_COLUMN - 1] == NEXT_HEADER, (reader, header)
        for contact in contacts:
            row = rows[int(str(contact["row"])) - 1]
            assert row[STATUS_COLUMN - 1] == contact["status"], (reader, row)
            shown = row[NEXT_COLUMN - 1]
            if contact["next_follow_up"] is None:
                assert shown is None, (reader, row)
            else:
                assert as_date(shown) is not None, f"{reader}: {shown!r} is not a date cell"
                assert as_date(shown).isoformat() == contact["next_follow_up"], (reader, row)
            assert all(cell is None for cell in row[NEXT_COLUMN:]), (reader, row)


def check_tracker_kept(before: Path, after: Path, injected: Injected) -> None:
    """Outside the tool's two columns the tracker reads the same, and its XML is the same."""
    width = len(HEADER)
    for reader in (openpyxl_rows, calamine_rows):
        old = padded(reader(before, TRACKER), width)
        new = padded(reader(after, TRACKER), width)
        assert new == old, reader.__name__
    # The input values are what was injected: serials in the workbook's date system.
    old = padded(calamine_rows(before, TRACKER), width)
    for values, row in zip((HEADER, *(v for v, _ in TRACKER_ROWS)), old, strict=True):
        wanted = [
            serial(v, injected.date1904) if isinstance(v, dt.date) else (v or None) for v in values
        ]
        assert [int(c) if isinstance(c, float) else c for c in row] == wanted
    with zipfile.ZipFile(before) as a, zipfile.ZipFile(after) as b:
        old_xml, new_xml = a.read(injected.sheet_part), b.read(injected.sheet_part)
    refs = {
        f"{column_letter(column)}{row}"
        for column in (STATUS_COLUMN, NEXT_COLUMN)
        for row in range(1, LAST_ROW + 1)
    }
    assert strip_target_cells(new_xml, refs) == strip_target_cells(old_xml, refs)


def check_package_kept(before: Path, after: Path, injected: Injected) -> None:
    changed, problems = changed_members(before, after)
    assert not problems, problems
    allowed = {injected.sheet_part, injected.workbook_part}
    if injected.styles_part:
        allowed.add(injected.styles_part)
    assert set(changed) <= allowed, f"changed beyond the tool's parts: {set(changed) - allowed}"
    assert injected.sheet_part in changed
    with zipfile.ZipFile(before) as a, zipfile.ZipFile(after) as b:
        problem = workbook_change_problem(
            a.read(injected.workbook_part), b.read(injected.workbook_part)
        )
        assert problem is None, problem
        if injected.styles_part:
            problem = styles_change_problem(
                a.read(injected.styles_part), b.read(injected.styles_part)
            )
            assert problem is None, problem


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
    injected = inject_tracker(source, path)
    before = tmp_path / f"before{source.suffix}"
    shutil.copyfile(path, before)
    others_before = calamine_sheets(before, skip=TRACKER)
    assert set(others_before) <= set(injected.other_sheets)

    report = run_tool(path)

    contacts = check_json_against_rules(report)
    check_package_kept(before, path, injected)
    check_tracker_kept(before, path, injected)
    check_tool_cells(path, contacts, injected.date1904)
    assert calamine_sheets(path, skip=TRACKER) == others_before
    _RESULTS[source.name] = True


def test_corpus_is_where_the_issue_says() -> None:
    """A loud skip, not silence, when the corpus is missing; its manifest lists every file."""
    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    manifest = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    listed = {line.split("\t", 1)[0] for line in manifest[1:] if line.strip()}
    assert {p.name for p in corpus_files()} == listed
