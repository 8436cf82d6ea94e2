"""A run is a transaction: when it fails, no draft, no manifest change and no workbook change,
and the message says so; the odd inputs that used to fail it part way now run."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from sheet_followup.cli import cli

TODAY = "2026-11-23"


def tracker(folder: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Email", "Interview date", "Last contact"])
    for row in rows:
        sheet.append(row)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tracker.xlsx"
    workbook.save(path)
    return path


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


JANE = ["Acme", "Jane Doe", "jane@example.com", dt.date(2026, 11, 23), None]


def test_a_backup_that_cannot_be_saved_leaves_no_draft_even_in_another_folder(
    tmp_path: Path,
) -> None:
    path = tracker(tmp_path / "search", [JANE])
    (path.parent / ".sheet-followup-backups").write_text("in the way", encoding="utf-8")
    before = digest(path)
    result = invoke("run", path, "--today", TODAY, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert (
        "could not save a backup copy" in result.stderr and "nothing was changed" in result.stderr
    )
    assert digest(path) == before
    assert not (tmp_path / "out").exists()


def test_a_workbook_saved_in_excel_during_the_run_gets_no_drafts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tracker(tmp_path, [JANE])
    from sheet_followup import backups

    real = backups.make_backup

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        path.write_bytes(path.read_bytes() + b"")  # Excel saves: a new modification time
        os.utime(path, ns=(1, 1))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backups, "make_backup", saved_meanwhile)
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 1
    assert "changed on disk" in result.stderr
    assert not (tmp_path / "drafts").exists()


def test_the_last_day_there_is_makes_a_calendar_event_without_an_end(tmp_path: Path) -> None:
    from icalendar import Calendar

    never = ["Acme", "Sam Lee", "sam@example.com", dt.date(9999, 12, 31), None]
    path = tracker(tmp_path, [JANE, never])
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "interview Fri 9999-12-31" in result.output
    ics = (tmp_path / "drafts" / TODAY / "reminders.ics").read_bytes()
    events = {str(e["summary"]): e for e in Calendar.from_ical(ics).walk("VEVENT")}
    sam = events["Interview with Sam Lee (Acme)"]
    assert sam.decoded("dtstart") == dt.date(9999, 12, 31) and "dtend" not in sam
    assert events["Thank-you note to Jane Doe (Acme)"].decoded("dtend") == dt.date(2026, 11, 24)


def test_a_last_contact_of_9999_12_31_on_a_closed_contact_to_keep_in_touch_runs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tracker.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Company", "Contact", "Interview date", "Last contact", "Stage", "Keep in touch"])
    sheet.append(
        ["Acme", "Jane Doe", dt.date(2026, 1, 5), dt.date(9999, 12, 20), "Rejected", "yes"]
    )
    workbook.save(path)
    for command in ("run", "check", "report"):
        result = invoke(command, path, "--today", TODAY)
        assert "unexpected" not in result.output + result.stderr, (command, result.stderr)
        assert result.exit_code == 0, (command, result.output)


def test_names_too_long_for_a_file_name_are_cut_to_fit(tmp_path: Path) -> None:
    long_name = ["株" * 40, "山" * 40, "x@example.com", dt.date(2026, 11, 23), None]
    path = tracker(tmp_path, [long_name])
    result = invoke("run", path, "--today", TODAY, "--format", "md,txt,html,eml", "--json")
    assert result.exit_code == 0, result.output
    [contact] = json.loads(result.stdout)["contacts"]
    for draft in contact["drafts"]:
        assert len(Path(draft).name.encode()) <= 255
        assert Path(draft).is_file()
    assert Path(contact["draft"]).name.startswith("株株")
