"""The edges of the pure rules that end-to-end runs pass over: each pinned on its own, so that
a change to one boundary fails here, by name."""

from __future__ import annotations

import datetime as dt

import pytest

from sheet_followup.cadence import plan_followup, to_weekday
from sheet_followup.dates import DateOrder, NotADateError, numeric_order, parse_date
from sheet_followup.gifts import assign_gifts, interest_for, looks_tangible, topic_words
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


# --- each boundary the mutation run found unpinned ------------------------------------------


def test_a_note_logged_today_counts_today() -> None:
    logged = [LogEntry(TODAY, "Acme", "Jane Doe", "thank_you")]
    planned = plan_followup(person(interview_date=D(2026, 11, 16)), TODAY, Settings(), logged)
    assert (planned.kind, planned.next_follow_up) == (Kind.WAITING, D(2026, 12, 7))


def test_one_day_late_is_said_in_the_singular() -> None:
    tuesday = TODAY + dt.timedelta(days=1)
    contact = person(interview_date=D(2026, 10, 26), last_contact=D(2026, 11, 9))
    planned = plan_followup(contact, tuesday, Settings())
    assert planned.status == "Follow-up due (1 day late)"
    assert plan_followup(contact, TODAY, Settings()).status == "Follow-up due"  # on the day


def test_a_last_contact_today_is_not_in_the_future() -> None:
    contact = person(interview_date=D(2026, 11, 16), last_contact=TODAY)
    assert plan_followup(contact, TODAY, Settings()).kind is Kind.WAITING
    later = person(interview_date=D(2026, 11, 16), last_contact=TODAY + dt.timedelta(days=1))
    assert plan_followup(later, TODAY, Settings()).kind is Kind.FIX_DATA


def test_the_closing_note_is_due_the_day_a_pause_ends() -> None:
    rejected = {"interview_date": D(2026, 11, 2), "stage": "Rejected"}
    logged = [LogEntry(D(2026, 11, 2), "Acme", "Jane Doe", "thank_you")]
    ends_today = plan_followup(person(**rejected, pause_until=TODAY), TODAY, Settings(), logged)
    assert ends_today.kind is Kind.CLOSING
    tomorrow = person(**rejected, pause_until=TODAY + dt.timedelta(days=1))
    assert plan_followup(tomorrow, TODAY, Settings(), logged).kind is Kind.CLOSED


def test_keep_in_touch_is_due_on_its_day_not_a_day_later() -> None:
    closed = {"interview_date": D(2026, 1, 5), "stage": "Rejected", "keep_in_touch": True}
    on_the_day = person(**closed, last_contact=TODAY - dt.timedelta(days=90))
    planned = plan_followup(on_the_day, TODAY, Settings())
    assert (planned.kind, planned.status) == (Kind.KEEP_IN_TOUCH, "Keep in touch due")


@pytest.mark.parametrize(
    ("text", "order", "day"),
    [
        ("13/12/2026", DateOrder.MDY, D(2026, 12, 13)),  # the 12th month, the 13th day
        ("12/13/2026", DateOrder.DMY, D(2026, 12, 13)),
    ],
)
def test_a_thirteen_beside_a_twelve_is_read_the_one_way_it_can_be(
    text: str, order: DateOrder, day: dt.date
) -> None:
    assert parse_date(text, order=order) == day


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("13/12/2026", DateOrder.DMY),
        ("12/13/2026", DateOrder.MDY),
        ("12/11/2026", True),  # either way round: a date of no help
        ("11/12/2026", True),
        ("13-12-2026", DateOrder.DMY),  # dashes, as slashes
        ("12/12/2026", None),  # the same both ways: says nothing
        ("13/14/2026", None),
        ("13.12.2026", None),  # dotted: always day first, so it says nothing of the order
        ("2026-12-13", None),
        (dt.date(2026, 12, 13), None),
    ],
)
def test_what_a_typed_date_says_about_the_columns_order(
    text: object, order: DateOrder | bool | None
) -> None:
    assert numeric_order(text) == order


@pytest.mark.parametrize(
    ("number", "day"),
    [
        (10_000, D(1927, 5, 18)),  # the smallest serial read as a date
        (2_958_465, D(9999, 12, 31)),  # the largest
        (978_307_200, D(2001, 1, 1)),  # seconds since 1970, from 2001
        (4_102_444_799, D(2099, 12, 31)),  # to the end of 2099
        (978_307_200_000, D(2001, 1, 1)),  # and milliseconds
        (19_000_101, D(1900, 1, 1)),  # YYYYMMDD, from 1900
        (21_001_231, D(2100, 12, 31)),  # to 2100
        (20_261_130, D(2026, 11, 30)),
    ],
)
def test_the_numbers_read_as_dates_at_each_end(number: int, day: dt.date) -> None:
    assert parse_date(number) == day


@pytest.mark.parametrize(
    "number", [9_999, 2_958_466, 4_102_444_800, 21_001_232, 21_010_101, 19_000_100]
)
def test_the_numbers_just_past_each_end_are_no_dates(number: int) -> None:
    with pytest.raises(NotADateError):
        parse_date(number)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("31/12", True),
        ("12/31", True),
        ("32/12", False),
        ("12/32", False),
        ("Nov 3", True),
        ("next tues", False),
    ],
)
def test_a_date_without_its_year_is_told_so(text: str, hint: bool) -> None:
    with pytest.raises(NotADateError) as raised:
        parse_date(text, order=DateOrder.DMY)
    assert ("no year" in str(raised.value.hint or "")) is hint


def test_saturday_and_sunday_move_to_monday_in_the_working_day_rule() -> None:
    assert next_working_day(D(2026, 11, 21)) == TODAY
    assert next_working_day(D(2026, 11, 22)) == TODAY
    assert next_working_day(D(2026, 11, 20)) == D(2026, 11, 20)  # a Friday stays
    assert next_working_day(D(2026, 11, 21), skip_weekends=False) == D(2026, 11, 21)


def test_the_holidays_of_next_year_count_at_the_turn_of_the_year() -> None:
    # 2022-12-31 is a Saturday, New Year's Day a Sunday, and England's holiday for it the Monday.
    assert next_working_day(D(2022, 12, 31), holidays="GB") == D(2023, 1, 3)


def test_a_regions_holidays_are_its_own() -> None:
    assert next_working_day(D(2026, 1, 6), holidays="DE-BY") == D(2026, 1, 7)  # Epiphany
    assert next_working_day(D(2026, 1, 6), holidays="DE") == D(2026, 1, 6)


def test_days_after_the_last_day_there_is_stay_on_it() -> None:
    assert days_after(dt.date.max, 1) == dt.date.max
    assert days_after(dt.date.min, -1) == dt.date.min
    assert days_after(TODAY, 0) == TODAY


def test_the_interest_a_gift_speaks_to_is_picked_from_two() -> None:
    interests = "data privacy; cycling in the Dolomites"
    assert interest_for("A cycling route guide", interests) == "cycling in the Dolomites"
    assert interest_for("A cycling route guide", "cycling in the Dolomites") == (
        "cycling in the Dolomites"
    )


def test_topic_words_leave_out_small_words_and_links() -> None:
    assert topic_words("your guide to sailing https://example.com") == topic_words("guide sailing")


def test_a_colleague_who_had_a_company_gift_is_out_of_the_running_for_it() -> None:
    gifts = [Gift(row=2, gift="A sailing podcast", company="Acme")]
    entry = LogEntry(D(2026, 11, 9), "Acme", "Ann", "follow_up", "A sailing podcast")
    ann, bob = assign_gifts(
        [due(5, "Ann", "sailing"), due(6, "Bob", "chess")], gifts, {entry.key: [entry]}
    )
    assert (ann.gift, bob.gift) == ("", "A sailing podcast")
