"""One run's plumbing, function by function: where drafts go, when a workbook is refused
before anything is read, which templates a run uses, and how a many-workbook run reports each
workbook. (The run itself is pinned end to end by test_cli.py and test_weekly_routine.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from sheet_followup import batch
from sheet_followup.batch import (
    RunOptions,
    _stopped_outcome,
    check_not_open_in_excel,
    check_writable,
    drafts_folder,
    templates_for,
    workbook_outcome,
)
from sheet_followup.errors import (
    SheetFollowupError,
    TemplateError,
    WorkbookError,
    WorkbookLockedError,
)
from sheet_followup.settings import Settings
from tests.conftest import MakeWorkbook

TODAY = dt.date(2026, 11, 23)
ROWS = [["Acme", "Jane Doe", "Analyst", "jane@example.com", "2026-11-16", "Interviewing", None]]


def test_drafts_go_beside_the_workbook_or_under_out(tmp_path: Path) -> None:
    workbook = tmp_path / "search" / "tracker.xlsx"
    assert drafts_folder(workbook, None, TODAY) == tmp_path / "search" / "drafts" / "2026-11-23"
    out = tmp_path / "elsewhere"
    assert drafts_folder(workbook, out, TODAY) == out / "2026-11-23"


def test_a_drafts_link_someone_planted_is_refused_but_an_out_link_of_ones_own_is_not(
    tmp_path: Path,
) -> None:
    workbook = tmp_path / "tracker.xlsx"
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "drafts").symlink_to(target)
    with pytest.raises(SheetFollowupError, match=r"drafts is a symbolic link .*--out DIR"):
        drafts_folder(workbook, None, TODAY)
    mine = tmp_path / "mine"
    mine.symlink_to(target)
    assert drafts_folder(workbook, mine, TODAY) == mine / "2026-11-23"
    (target / "2026-11-23").symlink_to(tmp_path)  # the day folder itself: never a link
    with pytest.raises(SheetFollowupError, match="2026-11-23 is a symbolic link"):
        drafts_folder(workbook, mine, TODAY)


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("tracker.xlsx", "~$tracker.xlsx"),
        ("job-search-tracker.xlsx", "~$b-search-tracker.xlsx"),  # Excel drops two characters
    ],
)
def test_excels_owner_file_beside_the_workbook_means_it_is_open(
    tmp_path: Path, name: str, owner: str
) -> None:
    workbook = tmp_path / name
    workbook.write_bytes(b"")
    check_not_open_in_excel(workbook)  # no owner file: fine
    (tmp_path / owner).write_bytes(b"")
    with pytest.raises(WorkbookLockedError, match=r"is open in Excel .*close it in Excel"):
        check_not_open_in_excel(workbook)


def test_the_owner_file_is_looked_for_beside_the_real_file_of_a_link(tmp_path: Path) -> None:
    (tmp_path / "Dropbox").mkdir()
    real = tmp_path / "Dropbox" / "tracker.xlsx"
    real.write_bytes(b"")
    link = tmp_path / "tracker.xlsx"
    link.symlink_to(real)
    (tmp_path / "Dropbox" / "~$tracker.xlsx").write_bytes(b"")
    with pytest.raises(WorkbookLockedError, match="Dropbox"):
        check_not_open_in_excel(link)


def test_a_read_only_workbook_is_refused_with_what_to_do(tmp_path: Path) -> None:
    workbook = tmp_path / "tracker.xlsx"
    workbook.write_bytes(b"")
    workbook.chmod(0o444)
    with pytest.raises(WorkbookError, match=r"read-only; .*--dry-run"):
        check_writable(workbook, workbook.stat())
    workbook.chmod(0o644)
    check_writable(workbook, workbook.stat())


def test_which_templates_a_run_uses(tmp_path: Path) -> None:
    workbook = tmp_path / "tracker.xlsx"
    options = RunOptions(today=TODAY)
    assert templates_for(workbook, options, Settings()) is None  # the defaults
    beside = tmp_path / "templates"
    beside.mkdir()
    assert templates_for(workbook, options, Settings()) is None  # an empty folder is not a choice
    (beside / "follow_up.md.j2").write_text("Hi")
    assert templates_for(workbook, options, Settings()) == beside
    (tmp_path / "mine").mkdir()
    chosen = dataclasses.replace(Settings(), templates="mine")
    assert templates_for(workbook, options, chosen) == tmp_path / "mine"  # beside the workbook
    flag = RunOptions(today=TODAY, templates=tmp_path / "flag")
    assert templates_for(workbook, flag, chosen) == tmp_path / "flag"  # the option wins
    missing = dataclasses.replace(Settings(), templates="nowhere")
    with pytest.raises(TemplateError, match=r"Settings: Templates 'nowhere' is not a folder"):
        templates_for(workbook, options, missing)


def test_a_workbook_of_a_folder_run_reports_its_counts(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(ROWS)
    outcome = workbook_outcome(path, RunOptions(today=TODAY))
    assert outcome["ok"] is True and outcome["error"] is None
    assert (outcome["contacts"], outcome["drafts"]) == (1, 1)
    assert outcome["kinds"] == {"thank_you": 1}


def test_a_failing_workbook_is_reported_never_raised(
    make_workbook: MakeWorkbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    outcome = workbook_outcome(broken, RunOptions(today=TODAY))
    assert outcome["ok"] is False and "broken.xlsx" in str(outcome["error"])

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(batch, "run_tracker", bug)
    outcome = workbook_outcome(make_workbook(ROWS), RunOptions(today=TODAY))
    assert outcome["error"] == "unexpected RuntimeError: a bug"


def test_a_workbook_that_stopped_its_process_says_whether_its_file_changed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(b"old")
    before = batch._stamp(path)
    assert "the workbook was not changed" in str(_stopped_outcome(path, before)["error"])
    path.write_bytes(b"new, longer")
    changed = str(_stopped_outcome(path, before)["error"])
    assert "changed meanwhile" in changed and "sheet-followup restore" in changed
