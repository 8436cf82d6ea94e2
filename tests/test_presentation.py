"""What the command line shows, built from structured results: unit tests of the summary, the
JSON and the many-workbook lines, without a workbook or a terminal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sheet_followup.batch import RunResult
from sheet_followup.draft_store import Retired
from sheet_followup.drafts import DraftResult
from sheet_followup.models import Contact, FollowUp, Kind
from sheet_followup.presentation import (
    Line,
    adopt_as_json,
    adopt_lines,
    backup_lines,
    check_as_json,
    check_lines,
    init_lines,
    many_lines,
    run_as_json,
    run_summary,
    sent_as_json,
    sent_lines,
    summary_line,
)
from sheet_followup.settings import Settings
from sheet_followup.xlsx.edit import SkippedEdit

TODAY = dt.date(2026, 11, 23)
FOLDER = Path("/tmp/search/drafts/2026-11-23")


def followup(row: int, kind: Kind, **fields: object) -> FollowUp:
    contact = Contact(row=row, company="Acme", contact=f"Person {row}")
    return FollowUp(contact, kind, fields.pop("next_day", TODAY), **fields)  # type: ignore[arg-type]


def result(followups: list[FollowUp], **fields: object) -> RunResult:
    values: dict[str, object] = {
        "path": Path("/tmp/search/tracker.xlsx"),
        "sheet": "Tracker",
        "today": TODAY,
        "settings": Settings(),
        "followups": followups,
        "drafts": {},
        "drafts_folder": FOLDER,
        "cells_changed": 0,
        "skipped": [],
        "warnings": [],
        "dry_run": False,
    }
    values.update(fields)
    return RunResult(**values)  # type: ignore[arg-type]


def draft(f: FollowUp, action: str = "written", **fields: object) -> DraftResult:
    path = FOLDER / f"acme-person-{f.contact.row}-{f.kind.value.replace('_', '-')}.md"
    return DraftResult(f, path, action, (path,), **fields)  # type: ignore[arg-type]


def texts(lines: list[Line]) -> list[str]:
    return [line.text for line in lines]


def test_due_rows_name_their_draft_and_remarks_from_the_fields_not_the_status() -> None:
    due = followup(5, Kind.FOLLOW_UP, number=3, details=("5 days late",), needs_gift=True)
    run = result([due], drafts={due.contact.ident: draft(due)})
    left, right = summary_line(due, run)
    assert left == "row 5    Acme · Person 5"
    assert right == "acme-person-5-follow-up.md  (#3, 5 days late, add a gift)"


def test_edited_drafts_say_which_formats_carried_or_conflict() -> None:
    a, b, c = (followup(n, Kind.THANK_YOU) for n in (5, 6, 7))
    run = result(
        [a, b, c],
        drafts={
            a.contact.ident: draft(a, "rewritten", carried=("md",)),
            b.contact.ident: draft(b, "kept", conflict=("md", "txt")),
            c.contact.ident: draft(c, "kept"),
        },
    )
    assert summary_line(a, run)[1].endswith("(your edit of the .md is in every format)")
    assert summary_line(b, run)[1].endswith(
        "(you edited .md and .txt differently: each kept as it is)"
    )
    assert summary_line(c, run)[1].endswith("(kept: you edited it)")


def test_waiting_upcoming_and_fix_data_lines() -> None:
    waiting = followup(
        8, Kind.WAITING, next_day=dt.date(2026, 11, 30), details=("paused until 2026-11-30",)
    )
    upcoming = followup(9, Kind.UPCOMING, next_day=dt.date(2026, 11, 26))
    broken = followup(10, Kind.FIX_DATA, next_day=None, details=("Tracker!E10: 'x' is not a date",))
    run = result([waiting, upcoming, broken])
    assert summary_line(waiting, run)[1] == "next Mon 2026-11-30  (paused until 2026-11-30)"
    assert summary_line(upcoming, run)[1] == "interview Thu 2026-11-26"
    assert summary_line(broken, run)[1] == "Tracker!E10: 'x' is not a date"


def test_the_summary_groups_due_first_with_coloured_headings_and_a_closing_line() -> None:
    due = followup(5, Kind.THANK_YOU)
    waiting = followup(6, Kind.WAITING, next_day=dt.date(2026, 12, 7))
    run = result(
        [waiting, due],
        drafts={due.contact.ident: draft(due)},
        cells_changed=1,
        warnings=["Settings!B3: unknown setting"],
        skipped=[SkippedEdit(7, 5, "is inside a merged range")],
        retired=[Retired(FOLDER / "acme-x-follow-up.md", kept=True, removed=())],
    )
    lines = run_summary(run)
    headings = [(line.text.strip(), line.colour) for line in lines if line.bold]
    assert headings == [
        ("Thank-you due (1)", "green"),
        ("Waiting (1)", None),
        ("No longer due", None),
        ("Warnings", "yellow"),
    ]
    shown = texts(lines)
    assert "  acme-x-follow-up.md  (kept because you edited it)" in shown
    assert "  Tracker row 7: is inside a merged range" in shown
    assert shown[-1] == f"\nWrote 1 draft to {FOLDER}/; updated 1 cell in tracker.xlsx."


def test_a_dry_run_and_an_empty_tracker_say_so() -> None:
    lines = texts(run_summary(result([], dry_run=True)))
    assert lines[0].endswith("· Monday 2026-11-23 · dry run, nothing written")
    assert "\nNo contacts in the tracker yet: add one row per interviewer." in lines
    assert lines[-1] == "\nNobody is due for a note today; would update 0 cells in tracker.xlsx."


def test_the_json_holds_every_contact_with_nulls_where_there_is_nothing() -> None:
    due = followup(5, Kind.FOLLOW_UP, gift="An article")
    closed = followup(6, Kind.CLOSED, next_day=None)
    data = run_as_json(result([due, closed], drafts={due.contact.ident: draft(due)}))
    first, second = data["contacts"]  # type: ignore[misc]
    assert first["gift"] == "An article" and first["draft"].endswith("acme-person-5-follow-up.md")
    assert second == {
        "row": 6,
        "company": "Acme",
        "contact": "Person 6",
        "kind": "closed",
        "status": "Closed",
        "next_follow_up": None,
        "draft": None,
        "drafts": [],
        "gift": None,
    }
    assert data["recorded"] == [] and data["no_longer_due"] == [] and data["templates"] is None


def test_many_workbook_lines_count_due_and_fix_and_colour_failures() -> None:
    outcomes = [
        {"workbook": "/tmp/a.xlsx", "ok": True, "contacts": 14, "drafts": 3,
         "kinds": {"thank_you": 1, "follow_up": 2, "waiting": 9, "fix_data": 1}},
        {"workbook": "/tmp/b.xlsx", "ok": False, "error": "damaged"},
    ]  # fmt: skip
    lines = many_lines(outcomes)
    assert texts(lines) == [
        "ok      /tmp/a.xlsx: 14 contacts, 3 due, 3 drafts, 1 to fix",
        "FAILED  /tmp/b.xlsx: damaged",
        "\n2 workbooks: 1 ran, 1 failed.",
    ]
    assert lines[1].colour == "red" and not lines[1].bold


# --- the other commands ------------------------------------------------------------------


def test_check_names_its_errors_first_and_says_what_run_will_do() -> None:
    from sheet_followup.checking import CheckReport, Problem

    report = CheckReport(
        Path("/tmp/search/tracker.xlsx"),
        "Tracker",
        TODAY,
        1,
        (
            Problem("error", "Tracker!E12: 'next tues' is not a date"),
            Problem("warning", "Tracker!C5: no email for Person 5"),
        ),
    )
    shown = texts(check_lines(report))
    assert shown[0].endswith("sheet 'Tracker' · 1 contact · Monday 2026-11-23")
    assert shown[1:5] == [
        "\nErrors (1)",
        "  Tracker!E12: 'next tues' is not a date",
        "\nWarnings (1)",
        "  Tracker!C5: no email for Person 5",
    ]
    assert shown[-1] == "\n1 error to fix: `run` marks those rows Fix data."
    assert [p.level for p in report] == ["error", "warning"]  # the report iterates its problems
    data = check_as_json(report)
    assert (data["errors"], data["contacts"]) == (["Tracker!E12: 'next tues' is not a date"], 1)

    clean = CheckReport(Path("/tmp/t.xlsx"), "Tracker", TODAY, 2, ())
    assert texts(check_lines(clean))[-1] == "\nNo errors: every row can be planned."


def test_sent_lists_each_note_with_its_kind_and_gift() -> None:
    from sheet_followup.models import LogEntry
    from sheet_followup.sending import SentNote, SentResult

    f = followup(5, Kind.FOLLOW_UP)
    entry = LogEntry(TODAY, "Acme", "Person 5", "follow_up", "A sailing blog")
    sent = SentResult([SentNote(f, entry)], 3)
    assert texts(sent_lines(sent, TODAY)) == [
        "Recorded 1 note sent on Monday 2026-11-23:",
        "  row 5    Acme · Person 5  (follow-up; gift: A sailing blog)",
    ]
    assert sent_as_json(sent, TODAY)["notes"] == [
        {
            "row": 5,
            "company": "Acme",
            "contact": "Person 5",
            "kind": "follow_up",
            "gift": "A sailing blog",
            "draft": None,
        }
    ]


def test_adopt_says_what_it_added_and_a_dry_run_that_nothing_was_written() -> None:
    from sheet_followup.adopt import AddedColumn, AdoptResult

    added = (AddedColumn("contact", 6), AddedColumn("next_follow_up", 7))
    done = AdoptResult(Path("/tmp/my search/jobs.xlsx"), "Jobs", 2, "Notes", added, False)
    shown = texts(adopt_lines(done))
    assert shown[0] == "Added 2 columns to sheet 'Jobs' (header row 2) after 'Notes':"
    assert shown[1].split() == ["F", "Contact"]
    assert shown[-1].endswith('sheet-followup run "/tmp/my search/jobs.xlsx"')  # typed back as is

    dry = AdoptResult(Path("/tmp/jobs.xlsx"), "Jobs", 1, "", added[:1], True)
    assert texts(adopt_lines(dry))[0] == "Would add 1 column to sheet 'Jobs' (header row 1):"
    assert texts(adopt_lines(dry))[-1] == "\nNothing was written (dry run)."
    assert adopt_as_json(dry)["added"] == [{"column": "F", "header": "Contact"}]

    nothing = AdoptResult(Path("/tmp/jobs.xlsx"), "Jobs", 1, "Draft", (), False)
    assert "nothing to add" in texts(adopt_lines(nothing))[0]


def test_init_names_what_it_made_and_kept() -> None:
    from sheet_followup.starter import InitResult

    made = InitResult(
        Path("/tmp/search/tracker.xlsx"),
        Path("/tmp/search/templates"),
        copied=["thank_you.md.j2"],
        kept=["follow_up.md.j2"],
    )
    shown = texts(init_lines(made, "Tracker"))
    assert shown[0] == "Created /tmp/search/tracker.xlsx: sheets Tracker, Settings, Gifts and Log."
    assert shown[1].endswith("templates/: thank_you.md.j2.")
    assert shown[2].startswith("Kept your own templates in ")
    assert shown[-1].rstrip().endswith("sheet-followup run /tmp/search/tracker.xlsx")


def test_backups_are_numbered_newest_first_and_a_vanished_one_says_so(tmp_path: Path) -> None:
    from sheet_followup.backups import Backup

    kept = tmp_path / "2026-11-23_09-15-02_run.xlsx"
    kept.write_bytes(b"x" * 1234)
    shown = texts(
        backup_lines(
            [
                Backup(kept, dt.datetime(2026, 11, 23, 9, 15, 2), "run"),
                Backup(tmp_path / "gone.xlsx", None, ""),
            ]
        )
    )
    assert shown[0].split()[:6] == ["1", "Mon", "2026-11-23", "09:15", "before", "run"]
    assert shown[0].endswith("(1,234 bytes)")
    assert shown[1].startswith("  2  (time unknown)") and shown[1].endswith("(gone)")
