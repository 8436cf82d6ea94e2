"""The edges of the pure rules that end-to-end runs pass over: each pinned on its own, so that
a change to one boundary fails here, by name."""

from __future__ import annotations

import datetime as dt

import pytest

from sheet_followup.cadence import plan_followup, to_weekday
from sheet_followup.dates import DateOrder, NotADateError, parse_date
from sheet_followup.gifts import assign_gifts, looks_tangible
from sheet_followup.models import Contact, FollowUp, Gift, Kind, LogEntry
from sheet_followup.settings import Settings
from sheet_followup.workdays import days_after, next_working_day

D = dt.date
TODAY = D(2026, 11, 23)  # a Monday


def person(**fields: object) -> Contact:
    return Contact(row=5, company="Acme", contact="Jane Doe", **fields)  # type: ignore[arg-type]


def test_an_interview_during_a_pause_stays_upcoming_and_the_note_waits_for_the_pause() -> None:
    planned = plan_followup(
        person(interview_date=D(2026, 12, 2), pause_until=D(2026, 12, 10)), TODAY, Settings()
    )
    assert (planned.kind, planned.next_follow_up) == (Kind.UPCOMING, D(2026, 12, 10))


def test_keep_in_touch_waits_past_a_pause_and_is_due_without_one() -> None:
    closed = {"interview_date": D(2026, 1, 5), "last_contact": D(2026, 8, 3), "stage": "Rejected"}
    paused = plan_followup(
        person(**closed, keep_in_touch=True, pause_until=D(2026, 12, 1)), TODAY, Settings()
    )
    assert (paused.kind, paused.next_follow_up) == (Kind.CLOSED, D(2026, 12, 1))
    due = plan_followup(person(**closed, keep_in_touch=True), TODAY, Settings())
    assert (due.kind, due.next_follow_up) == (Kind.KEEP_IN_TOUCH, D(2026, 11, 2))
    assert due.status == "Keep in touch due (21 days late)"
    assert plan_followup(person(**closed), TODAY, Settings()).kind is Kind.CLOSED


@pytest.mark.parametrize(
    ("text", "order", "day"),
    [
        ("12/11/2026", DateOrder.MDY, D(2026, 12, 11)),
        ("12/11/2026", DateOrder.DMY, D(2026, 11, 12)),
        ("13/11/2026", DateOrder.MDY, D(2026, 11, 13)),  # no 13th month: the day comes first
        ("11/13/2026", DateOrder.DMY, D(2026, 11, 13)),
        ("1/12/2026", DateOrder.MDY, D(2026, 1, 12)),
    ],
)
def test_day_and_month_at_the_twelve_thirteen_boundary(
    text: str, order: DateOrder, day: dt.date
) -> None:
    assert parse_date(text, order=order) == day


def test_a_date_with_two_numbers_over_twelve_is_no_date() -> None:
    with pytest.raises(NotADateError):
        parse_date("13/13/2026", order=DateOrder.MDY)


@pytest.mark.parametrize(
    ("day", "monday"),
    [(D(2026, 11, 21), D(2026, 11, 23)), (D(2026, 11, 22), D(2026, 11, 23)), (TODAY, TODAY)],
)
def test_a_weekend_day_moves_to_monday_and_a_weekday_stays(day: dt.date, monday: dt.date) -> None:
    assert to_weekday(day) == monday


def test_working_days_skip_holidays_and_stop_at_the_last_day_there_is() -> None:
    assert next_working_day(D(2026, 12, 25), holidays="GB") == D(2026, 12, 29)  # Fri, Sat..Mon
    assert next_working_day(D(2026, 12, 25), skip_weekends=False, holidays="GB") == D(2026, 12, 27)
    assert days_after(D(9999, 12, 30), 14) == dt.date.max
    assert next_working_day(dt.date.max) == dt.date.max


def test_every_days_is_counted_from_the_last_contact() -> None:
    planned = plan_followup(
        person(interview_date=D(2026, 11, 2), last_contact=D(2026, 11, 16)),
        TODAY,
        Settings(every_days=7),
    )
    assert (planned.kind, planned.next_follow_up) == (Kind.FOLLOW_UP, D(2026, 11, 23))


def due(row: int, name: str, interests: str = "") -> FollowUp:
    contact = Contact(row=row, company="Acme", contact=name, interests=interests)
    return FollowUp(contact, Kind.FOLLOW_UP, TODAY)


def test_a_company_gift_goes_to_the_colleague_it_fits_and_never_to_two_in_a_run() -> None:
    gifts = [
        Gift(row=2, gift="A sailing podcast", company="Acme"),
        Gift(row=3, gift="Demand forecasting with weather data", company="Acme"),
    ]
    chosen = assign_gifts(
        [due(5, "Ann", "team onboarding"), due(6, "Bob", "demand forecasting")], gifts, {}
    )
    assert [f.gift for f in chosen] == ["A sailing podcast", "Demand forecasting with weather data"]


def test_a_gift_the_log_shows_is_never_given_again() -> None:
    gifts = [Gift(row=2, gift="A sailing podcast", company="Acme")]
    entry = LogEntry(D(2026, 11, 9), "Acme", "Ann", "follow_up", "A sailing podcast")
    logged = {entry.key: [entry]}
    [ann] = assign_gifts([due(5, "Ann")], gifts, logged)
    assert ann.gift == "" and ann.needs_gift


@pytest.mark.parametrize(
    ("gift", "tangible"),
    [
        ("a $25 Starbucks card", True),
        ("an Amazon voucher", True),
        ("€20 for lunch", True),
        ("cash-flow forecasting guide", False),
        ("A 5-minute read on money-laundering checks", False),
        ("Top 10 tips", False),
    ],
)
def test_what_reads_as_a_bribe(gift: str, tangible: bool) -> None:
    assert looks_tangible(gift) is tangible
