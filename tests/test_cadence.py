"""Every rule of PRODUCT.md "The rules", as a table, plus properties that must always hold."""

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheet_followup.cadence import plan_followup, plan_followups, to_weekday
from sheet_followup.gifts import assign_gifts
from sheet_followup.models import Contact, Kind, LogEntry
from sheet_followup.settings import Settings

TODAY = dt.date(2026, 11, 23)  # a Monday
D = dt.date


def contact(**fields: object) -> Contact:
    base: dict[str, object] = {
        "row": 5,
        "company": "Acme",
        "contact": "Jane Doe",
        "gift": "an article",
        "sheet": "Tracker",
        "letters": {"company": "A", "contact": "B", "interview_date": "E", "last_contact": "G"},
    }
    return Contact(**(base | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "kind", "status", "next_day"),
    [
        # Closed stages: no draft, whatever the dates say.
        (
            {"stage": "Rejected", "interview_date": D(2026, 10, 1)},
            Kind.CLOSED,
            "Closed (Rejected)",
            None,
        ),
        ({"stage": "offer ACCEPTED"}, Kind.CLOSED, "Closed (offer ACCEPTED)", None),
        ({"stage": "Position filled"}, Kind.CLOSED, "Closed (Position filled)", None),
        ({"stage": "Closed"}, Kind.CLOSED, "Closed", None),
        # No interview date.
        ({}, Kind.NO_INTERVIEW, "No interview yet", None),
        ({"stage": "Applied"}, Kind.NO_INTERVIEW, "No interview yet", None),
        # Interview after today.
        ({"interview_date": D(2026, 12, 2)}, Kind.UPCOMING, "Interview upcoming", D(2026, 12, 2)),
        # No last contact on or after the interview: thank-you, due on the interview day.
        ({"interview_date": TODAY}, Kind.THANK_YOU, "Thank-you due", TODAY),
        (
            {"interview_date": D(2026, 11, 20)},
            Kind.THANK_YOU,
            "Thank-you due (3 days late)",
            D(2026, 11, 20),
        ),
        (
            {"interview_date": D(2026, 11, 17), "last_contact": D(2026, 11, 5)},
            Kind.THANK_YOU,
            "Thank-you due (6 days late)",
            D(2026, 11, 17),
        ),
        # Last contact + 14 days: due today, late, or waiting.
        (
            {"interview_date": D(2026, 10, 26), "last_contact": D(2026, 11, 9)},
            Kind.FOLLOW_UP,
            "Follow-up due",
            TODAY,
        ),
        (
            {"interview_date": D(2026, 10, 19), "last_contact": D(2026, 11, 2)},
            Kind.FOLLOW_UP,
            "Follow-up due (7 days late)",
            D(2026, 11, 16),
        ),
        (
            # Due on Sunday the 22nd, moved to Monday: due today, not a day late.
            {"interview_date": D(2026, 10, 19), "last_contact": D(2026, 11, 8)},
            Kind.FOLLOW_UP,
            "Follow-up due",
            TODAY,
        ),
        (
            {"interview_date": D(2026, 10, 19), "last_contact": D(2026, 11, 5)},
            Kind.FOLLOW_UP,
            "Follow-up due (4 days late)",
            D(2026, 11, 19),
        ),
        (
            {"interview_date": D(2026, 11, 13), "last_contact": D(2026, 11, 13)},
            Kind.WAITING,
            "Waiting",
            D(2026, 11, 27),
        ),
        # A follow-up that falls on a weekend moves to the Monday.
        (
            {"interview_date": D(2026, 10, 30), "last_contact": D(2026, 11, 14)},
            Kind.WAITING,
            "Waiting",
            D(2026, 11, 30),
        ),
        (
            {"interview_date": D(2026, 10, 22), "last_contact": D(2026, 11, 7)},
            Kind.FOLLOW_UP,
            "Follow-up due",
            TODAY,
        ),
        # Pause until holds every note, a thank-you too, and the next date is never before it.
        (
            {
                "interview_date": D(2026, 10, 14),
                "last_contact": D(2026, 10, 28),
                "pause_until": D(2026, 12, 7),
            },
            Kind.WAITING,
            "Waiting (paused until 2026-12-07)",
            D(2026, 12, 7),
        ),
        (
            {"interview_date": D(2026, 11, 20), "pause_until": D(2026, 11, 28)},
            Kind.WAITING,
            "Waiting (paused until 2026-11-28)",
            D(2026, 11, 30),
        ),
        (
            {
                "interview_date": D(2026, 11, 20),
                "last_contact": D(2026, 11, 20),
                "pause_until": D(2026, 11, 25),
            },
            Kind.WAITING,
            "Waiting (paused until 2026-11-25)",
            D(2026, 12, 4),
        ),
        # A pause that has ended holds nothing more, and its days never count as late: the
        # note is due from the pause's end (Sunday 22 November: the Monday after).
        (
            {"interview_date": D(2026, 11, 20), "pause_until": D(2026, 11, 22)},
            Kind.THANK_YOU,
            "Thank-you due",
            D(2026, 11, 23),
        ),
        (
            {"interview_date": D(2026, 11, 20), "pause_until": TODAY},
            Kind.THANK_YOU,
            "Thank-you due",
            TODAY,
        ),
        (
            {
                "interview_date": D(2026, 10, 14),
                "last_contact": D(2026, 10, 28),
                "pause_until": D(2026, 11, 18),
            },
            Kind.FOLLOW_UP,
            "Follow-up due (5 days late)",
            D(2026, 11, 18),
        ),
        # A due note without a gift says so.
        (
            {"interview_date": TODAY, "gift": ""},
            Kind.THANK_YOU,
            "Thank-you due (add a gift)",
            TODAY,
        ),
        (
            {"interview_date": D(2026, 10, 19), "last_contact": D(2026, 11, 2), "gift": ""},
            Kind.FOLLOW_UP,
            "Follow-up due (7 days late, add a gift)",
            D(2026, 11, 16),
        ),
    ],
)
def test_rules(
    fields: dict[str, object], kind: Kind, status: str, next_day: dt.date | None
) -> None:
    [followup] = assign_gifts([plan_followup(contact(**fields), TODAY, Settings())], [], {})
    assert (followup.kind, followup.status, followup.next_follow_up) == (kind, status, next_day)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"contact": "", "interview_date": TODAY},
            "Fix data: Tracker!B5: an interview at Acme on 2026-11-23 but no interviewer named; add "
            "the name of the person to thank",
        ),
        (
            {"company": "", "interview_date": TODAY},
            "Fix data: Tracker!A5: no company for Jane Doe; add the employer",
        ),
        (
            {"company": "", "contact": "", "interview_date": TODAY},
            "Fix data: Tracker!A5: no company and no contact; add both, or clear the row",
        ),
        (
            {"interview_date": D(2026, 11, 2), "last_contact": D(2026, 11, 25)},
            "Fix data: Tracker!G5: last contact 2026-11-25 is in the future; write the day "
            "you sent your last note",
        ),
        (
            {"problems": ("Tracker!E5: 'next tues' is not a date",)},
            "Fix data: Tracker!E5: 'next tues' is not a date",
        ),
    ],
)
def test_rows_that_cannot_be_decided_ask_for_a_fix(fields: dict[str, object], message: str) -> None:
    followup = plan_followup(contact(**fields), TODAY, Settings())
    assert followup.kind is Kind.FIX_DATA
    assert followup.status == message
    assert followup.next_follow_up is None


def test_every_number_is_a_setting() -> None:
    row = contact(interview_date=D(2026, 10, 1), last_contact=D(2026, 11, 16))
    assert plan_followup(row, TODAY, Settings(every_days=7)).kind is Kind.FOLLOW_UP
    weekly = plan_followup(row, TODAY, Settings(every_days=14))
    assert weekly.next_follow_up == D(2026, 11, 30)
    saturday = contact(interview_date=D(2026, 10, 1), last_contact=D(2026, 11, 14))
    assert plan_followup(saturday, TODAY, Settings(skip_weekends=False)).next_follow_up == D(
        2026, 11, 28
    )
    # A user's own closed stage is known besides the built-in words, which still hold.
    custom = Settings(closed_stages=("Parked",))
    assert plan_followup(contact(stage="parked"), TODAY, custom).kind is Kind.CLOSED
    assert plan_followup(contact(stage="Parked"), TODAY, Settings()).kind is Kind.NO_INTERVIEW
    assert plan_followup(contact(stage="Rejected"), TODAY, custom).kind is Kind.CLOSED
    # ...and a user's own active stage wins over a built-in closed word in it.
    mine = Settings(active_stages=("Closed round",))
    assert plan_followup(contact(stage="Closed round"), TODAY, mine).kind is Kind.NO_INTERVIEW


def test_to_weekday_moves_weekends_to_monday() -> None:
    assert to_weekday(D(2026, 11, 21)) == D(2026, 11, 23)
    assert to_weekday(D(2026, 11, 22)) == D(2026, 11, 23)
    assert to_weekday(D(2026, 11, 20)) == D(2026, 11, 20)


days = st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31))
stages = st.sampled_from(
    [
        "",
        "Applied",
        "Interviewing",
        "Final round",
        "Hired",
        "Rejected",
        "Withdrawn",
        "closed",
        "Offer accepted",
    ]
)
contacts = st.builds(
    Contact,
    row=st.integers(2, 10_000),
    company=st.sampled_from(["", "Acme", "Globex"]),
    contact=st.sampled_from(["", "Jane Doe", "Bob"]),
    stage=stages,
    gift=st.sampled_from(["", "an article"]),
    interview_date=st.none() | days,
    last_contact=st.none() | days,
    pause_until=st.none() | days,
)
settings_strategy = st.builds(Settings, every_days=st.integers(1, 60), skip_weekends=st.booleans())


@given(contacts, days, settings_strategy)
def test_a_closed_row_is_never_due(row: Contact, today: dt.date, settings: Settings) -> None:
    followup = plan_followup(row, today, settings)
    if settings.is_closed(row.stage):
        assert followup.kind is Kind.CLOSED
        assert not followup.kind.is_due


@given(contacts, days, st.integers(1, 60))
def test_no_computed_follow_up_falls_on_a_weekend(row: Contact, today: dt.date, every: int) -> None:
    followup = plan_followup(row, today, Settings(every_days=every, skip_weekends=True))
    if followup.kind in (Kind.FOLLOW_UP, Kind.WAITING) and followup.next_follow_up:
        assert followup.next_follow_up.weekday() < 5


@given(contacts, days, settings_strategy)
def test_a_contact_written_to_today_is_never_due_today(
    row: Contact, today: dt.date, settings: Settings
) -> None:
    written_today = dataclasses.replace(row, last_contact=today)
    followup = plan_followup(written_today, today, settings)
    assert not followup.kind.is_due


@given(contacts, days, settings_strategy)
def test_a_paused_contact_is_never_due_and_never_planned_before_the_pause(
    row: Contact, today: dt.date, settings: Settings
) -> None:
    followup = plan_followup(row, today, settings)
    if row.pause_until and row.pause_until > today:
        assert not followup.kind.is_due
        if followup.next_follow_up is not None:
            assert followup.next_follow_up >= row.pause_until


@given(st.lists(contacts, max_size=12), days, settings_strategy, st.randoms())
def test_the_result_never_depends_on_the_order_of_the_rows(
    rows: list[Contact], today: dt.date, settings: Settings, shuffler: random.Random
) -> None:
    rows = [dataclasses.replace(r, row=i) for i, r in enumerate(rows, start=2)]
    shuffled = rows[:]
    shuffler.shuffle(shuffled)
    by_row = {f.contact.row: f for f in plan_followups(rows, today, settings)}
    assert by_row == {f.contact.row: f for f in plan_followups(shuffled, today, settings)}


def test_one_row_per_application_without_an_interviewer_yet_is_no_interview_yet() -> None:
    assert plan_followup(contact(contact=""), TODAY, Settings()).kind is Kind.NO_INTERVIEW
    upcoming = plan_followup(contact(contact="", interview_date=D(2026, 12, 1)), TODAY, Settings())
    assert upcoming.kind is Kind.UPCOMING
    # A past interview with no one named to thank is a row to fix.
    past = plan_followup(contact(contact="", interview_date=D(2026, 11, 20)), TODAY, Settings())
    assert past.kind is Kind.FIX_DATA


def test_a_thank_you_tick_counts_as_a_thank_you_on_the_interview_day() -> None:
    ticked = contact(interview_date=D(2026, 11, 2), thanked=True)
    followup = plan_followup(ticked, TODAY, Settings())
    assert (followup.kind, followup.next_follow_up) == (Kind.FOLLOW_UP, D(2026, 11, 16))
    recent = plan_followup(contact(interview_date=D(2026, 11, 20), thanked=True), TODAY, Settings())
    assert (recent.kind, recent.next_follow_up) == (Kind.WAITING, D(2026, 12, 4))
    # The tick never makes a later note a second thank-you.
    later = contact(interview_date=D(2026, 11, 2), last_contact=D(2026, 11, 3), thanked=True)
    assert plan_followup(later, TODAY, Settings()).next_follow_up == D(2026, 11, 17)


def test_stage_words_of_real_trackers_close_or_keep_the_row() -> None:
    for stage in ("Ghosted", "Offer declined", "Not moving forward", "I said no", "Archived"):
        assert plan_followup(contact(stage=stage), TODAY, Settings()).kind is Kind.CLOSED, stage
    for stage in ("Offer received", "Final round", "Not rejected yet"):
        assert plan_followup(contact(stage=stage), TODAY, Settings()).kind is not Kind.CLOSED


def test_a_closed_stage_closes_the_whole_panel() -> None:
    hired = contact(row=7, contact="Jane Doe", position="Analyst", stage="Hired")
    colleague = contact(row=8, contact="Sam Lee", position="Analyst", interview_date=D(2026, 11, 2))
    other_role = contact(
        row=9, contact="Kim Park", position="Designer", interview_date=D(2026, 11, 2)
    )
    no_role = contact(row=10, contact="Ann Bell", position="", interview_date=D(2026, 11, 2))
    planned = {
        f.contact.row: f
        for f in plan_followups([hired, colleague, other_role, no_role], TODAY, Settings())
    }
    assert planned[8].kind is Kind.CLOSED and planned[8].status == "Closed (Hired, row 7)"
    assert planned[9].kind is Kind.THANK_YOU  # another role at the same company stays open
    assert planned[10].status == "Closed (Hired, row 7)"  # no role given: the company's panel
    # The setting turns it off.
    apart = plan_followups([hired, colleague], TODAY, Settings(close_panel=False))
    assert apart[1].kind is Kind.THANK_YOU


def test_a_panel_turned_down_gets_a_closing_note_each_for_those_written_to() -> None:
    rejected = contact(row=7, contact="Jane Doe", position="Analyst", stage="Rejected")
    written = contact(row=8, contact="Sam Lee", position="Analyst", interview_date=D(2026, 11, 2))
    silent = contact(row=9, contact="Kim Park", position="Analyst", interview_date=D(2026, 11, 2))
    logged = LogEntry(D(2026, 11, 2), "Acme", "Sam Lee", "thank_you")
    planned = plan_followups([rejected, written, silent], TODAY, Settings(), {logged.key: [logged]})
    assert [f.kind for f in planned] == [Kind.CLOSED, Kind.CLOSING, Kind.CLOSED]


def test_public_holidays_move_a_follow_up_to_the_next_working_day() -> None:
    # Thursday 26 November 2026 is Thanksgiving in the US.
    row = contact(interview_date=D(2026, 11, 2), last_contact=D(2026, 11, 12))
    assert plan_followup(row, TODAY, Settings()).next_follow_up == D(2026, 11, 26)
    assert plan_followup(row, TODAY, Settings(holidays="US")).next_follow_up == D(2026, 11, 27)
    # Christmas on a Friday, Boxing Day on the Saturday, and its substitute on Monday 28th.
    row = contact(interview_date=D(2026, 12, 1), last_contact=D(2026, 12, 11))
    planned = plan_followup(row, D(2026, 12, 14), Settings(holidays="GB"))
    assert planned.next_follow_up == D(2026, 12, 29)
