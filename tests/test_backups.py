"""Every write keeps the previous workbook beside it, and `restore` puts one back."""

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sheet_followup.backups import KEEP, backup_folder, list_backups, make_backup
from sheet_followup.cli import cli
from tests.conftest import pristine_sample


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    copy = tmp_path / "tracker.xlsx"
    shutil.copyfile(pristine_sample(), copy)
    return copy


def test_a_run_that_writes_keeps_the_previous_version(tracker: Path) -> None:
    original = digest(tracker)
    assert invoke("run", tracker, "--today", "2026-11-23").exit_code == 0
    [backup] = list_backups(tracker)
    assert backup.parent == tracker.parent / ".sheet-followup-backups" / "tracker.xlsx"
    assert digest(backup) == original
    assert digest(tracker) != original


def test_a_run_with_nothing_to_write_makes_no_backup(tracker: Path) -> None:
    invoke("run", tracker, "--today", "2026-11-23")
    invoke("run", tracker, "--today", "2026-11-23")
    invoke("run", tracker, "--today", "2026-11-23", "--dry-run")
    assert len(list_backups(tracker)) == 1


def test_the_newest_copies_are_kept_and_the_last_of_each_day_for_a_month(tracker: Path) -> None:
    start = dt.datetime(2026, 11, 23, 9, 0)
    for minute in range(KEEP + 3):
        make_backup(tracker, start + dt.timedelta(minutes=minute))
    kept = list_backups(tracker)
    assert len(kept) == KEEP
    assert kept[0].name == "2026-11-23_09-12-00_run.xlsx"
    assert kept[-1].name == "2026-11-23_09-03-00_run.xlsx"
    # A week of weekly runs, then a busy afternoon: each earlier day keeps its last copy.
    folder = tracker.parent / "weeks.xlsx"
    shutil.copyfile(tracker, folder)
    days = [dt.datetime(2026, 10, 1, 9) + dt.timedelta(days=7 * week) for week in range(8)]
    for day in days:
        make_backup(folder, day)
        make_backup(folder, day + dt.timedelta(hours=1), command="sent")
    afternoon = dt.datetime(2026, 11, 27, 14)
    for minute in range(15):
        make_backup(folder, afternoon + dt.timedelta(minutes=minute))
    names = [p.name for p in list_backups(folder)]
    assert names[:KEEP] == [f"2026-11-27_14-{m:02d}-00_run.xlsx" for m in range(14, 14 - KEEP, -1)]
    # Within 30 days of the newest copy: the last copy of each day (the "sent" one).
    assert names[KEEP:] == [
        "2026-11-19_10-00-00_sent.xlsx",
        "2026-11-12_10-00-00_sent.xlsx",
        "2026-11-05_10-00-00_sent.xlsx",
        "2026-10-29_10-00-00_sent.xlsx",
    ]


def test_two_backups_in_the_same_second_do_not_overwrite_each_other(tracker: Path) -> None:
    now = dt.datetime(2026, 11, 23, 9, 0)
    first, second = make_backup(tracker, now), make_backup(tracker, now)
    assert first != second
    assert first.exists() and second.exists()


def test_restore_puts_the_previous_version_back_and_can_itself_be_undone(tracker: Path) -> None:
    original = digest(tracker)
    invoke("run", tracker, "--today", "2026-11-23")
    written = digest(tracker)

    result = invoke("restore", tracker)
    assert result.exit_code == 0, result.output
    assert digest(tracker) == original
    assert "Restored" in result.stdout
    newest = list_backups(tracker)[0]
    assert digest(newest) == written

    listing = invoke("restore", tracker, "--list")
    assert listing.exit_code == 0
    lines = listing.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].lstrip().startswith("1  ") and "before restore" in lines[0]
    assert lines[1].lstrip().startswith("2  ") and "before run" in lines[1]


def test_restore_without_backups_says_where_it_looked(tracker: Path) -> None:
    result = invoke("restore", tracker)
    assert result.exit_code == 1
    assert "no backups of tracker.xlsx" in result.stderr
    assert not backup_folder(tracker).exists()


def test_restore_refuses_a_backup_that_does_not_exist(tracker: Path) -> None:
    invoke("run", tracker, "--today", "2026-11-23")
    result = invoke("restore", tracker, "--backup", "4")
    assert result.exit_code == 2
    assert "tracker.xlsx has 1 backup; see --list" in result.stderr


def test_restore_refuses_while_excel_has_the_workbook_open(tracker: Path) -> None:
    invoke("run", tracker, "--today", "2026-11-23")
    written = digest(tracker)
    (tracker.parent / "~$tracker.xlsx").write_bytes(b"owner")
    result = invoke("restore", tracker)
    assert result.exit_code == 1
    assert "close it in Excel" in result.stderr
    assert digest(tracker) == written


def test_a_backup_that_cannot_be_written_stops_the_run_and_leaves_nothing(
    tracker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from sheet_followup import backups

    def full(source: object, target: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    before = digest(tracker)
    listing = sorted(tracker.parent.rglob("*"))
    monkeypatch.setattr(backups.shutil, "copy2", full)
    result = invoke("run", tracker, "--today", "2026-11-23")
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "could not save a backup copy" in message
    assert "(No space left on device); nothing was changed" in message
    assert digest(tracker) == before
    # Not even the backup folder it made, nor a drafts folder.
    assert sorted(tracker.parent.rglob("*")) == listing
