"""The run's index.html and reminders.ics, from decisions alone: which events a calendar gets
and on which day, what the index says of each draft. (How the text is escaped and folded, and
that a calendar program reads it back, is in test_formats.py.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sheet_followup.drafts import plan_drafts
from sheet_followup.models import Contact, FollowUp, Kind
from sheet_followup.run_files import INDEX, REMINDERS, _uid, index_page, reminders, run_files
from sheet_followup.settings import Settings
from tests.test_formats import calendar_events

TODAY = dt.date(2026, 11, 23)


def decided(kind: Kind, day: dt.date | None, name: str = "Jane Doe", **fields: object) -> FollowUp:
    contact = Contact(row=5, company="Acme", contact=name, email=str(fields.pop("email", "")))
    return FollowUp(contact, kind, day, **fields)  # type: ignore[arg-type]


def events_by_summary(followups: list[FollowUp]) -> dict[str, dt.date]:
    return {
        str(e["summary"]): e["dtstart"]  # type: ignore[misc]
        for e in calendar_events(reminders(followups, TODAY))
    }


def test_an_overdue_note_is_on_today_and_a_past_date_not_due_is_left_out() -> None:
    events = events_by_summary(
        [
            decided(Kind.FOLLOW_UP, TODAY - dt.timedelta(days=9), "Jane Doe", days_late=9),
            decided(Kind.WAITING, TODAY - dt.timedelta(days=2), "Sam Lee"),
            decided(Kind.WAITING, TODAY + dt.timedelta(days=7), "Kim Park"),
        ]
    )
    assert events == {
        "Follow up with Jane Doe (Acme)": TODAY,  # the most urgent: today, not a day gone by
        "Follow up with Kim Park (Acme)": TODAY + dt.timedelta(days=7),
    }


def test_rows_to_fix_and_rows_without_a_date_have_no_event() -> None:
    events = events_by_summary(
        [
            decided(Kind.FIX_DATA, TODAY, "Jane Doe", details=("E5: not a date",)),
            decided(Kind.CLOSED, None, "Sam Lee"),
        ]
    )
    assert events == {}


def test_each_event_says_what_to_do_and_an_interview_has_its_own_uid() -> None:
    week = TODAY + dt.timedelta(days=7)
    followups = [
        decided(Kind.UPCOMING, week, "Ann Lee"),
        decided(Kind.THANK_YOU, TODAY, "Bo Chen"),
        decided(Kind.CLOSING, TODAY, "Cy Diaz"),
        decided(Kind.KEEP_IN_TOUCH, week, "Di Eze"),
        decided(Kind.WAITING, week, "Ed Fox"),
    ]
    assert set(events_by_summary(followups)) == {
        "Interview with Ann Lee (Acme)",
        "Thank-you note to Bo Chen (Acme)",
        "Closing note to Cy Diaz (Acme)",
        "Keep in touch with Di Eze (Acme)",
        "Follow up with Ed Fox (Acme)",  # a waiting contact's next note is a follow-up
    }
    interview, follow_up = decided(Kind.UPCOMING, week), decided(Kind.FOLLOW_UP, week)
    assert _uid(interview) != _uid(follow_up)
    assert _uid(follow_up) == _uid(decided(Kind.WAITING, TODAY))  # the same from run to run


def test_the_index_lists_each_draft_and_says_when_there_is_no_address(tmp_path: Path) -> None:
    followups = [
        decided(Kind.FOLLOW_UP, TODAY, "Jane Doe", email="jane@example.com"),
        decided(Kind.THANK_YOU, TODAY, "Sam Lee", email="not an address"),
    ]
    planned = plan_drafts(followups, tmp_path, Settings(), TODAY, formats=("md", "txt"))
    page = index_page(planned, TODAY, "tracker.xlsx").decode()
    assert "2 notes from tracker.xlsx" in page
    assert page.count('<a href="acme-') == 4  # two formats of each draft
    assert 'title="jane@example.com">write to Jane Doe</a>' in page
    assert page.count("(no email)") == 1


def test_the_run_files_are_made_piece_by_piece_as_they_are_written(tmp_path: Path) -> None:
    followups = [decided(Kind.FOLLOW_UP, TODAY, "Jane Doe", email="jane@example.com")]
    planned = plan_drafts(followups, tmp_path, Settings(), TODAY)
    files = dict(run_files(tmp_path, planned, followups, TODAY, "tracker.xlsx"))
    assert set(files) == {tmp_path / INDEX, tmp_path / REMINDERS}
    index, calendar = files[tmp_path / INDEX], files[tmp_path / REMINDERS]
    assert callable(index) and callable(calendar)  # a 40 MB index is never held whole
    assert b"".join(index()) == index_page(planned, TODAY, "tracker.xlsx")
    assert b"".join(calendar()) == reminders(followups, TODAY)
