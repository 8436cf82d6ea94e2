import datetime as dt

import hypothesis
import hypothesis.strategies
import pytest

from sheet_followup import dates
from sheet_followup.dates import (
    DateOrder,
    NotADateError,
    dates_within,
    numeric_order,
    parse_date,
)
from sheet_followup.xlsx.serials import date_to_serial, serial_to_date

NOV_3 = dt.date(2026, 11, 3)


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        (NOV_3, DateOrder.MDY, NOV_3),
        (dt.datetime(2026, 11, 3, 14, 30), DateOrder.MDY, NOV_3),
        (46329.0, DateOrder.MDY, NOV_3),
        (46329, DateOrder.MDY, NOV_3),
        (46329.75, DateOrder.MDY, NOV_3),
        (20261103, DateOrder.MDY, NOV_3),
        ("2026-11-03", DateOrder.MDY, NOV_3),
        ("2026/11/3", DateOrder.MDY, NOV_3),
        ("2026-11-03T09:30", DateOrder.MDY, NOV_3),
        ("2026-11-03 09:30:00", DateOrder.MDY, NOV_3),
        ("3 Nov 2026", DateOrder.MDY, NOV_3),
        ("3 November 2026", DateOrder.MDY, NOV_3),
        ("3rd Nov 2026", DateOrder.MDY, NOV_3),
        ("3-Nov-26", DateOrder.MDY, NOV_3),
        ("Nov 3, 2026", DateOrder.MDY, NOV_3),
        ("November 3 2026", DateOrder.MDY, NOV_3),
        ("Tue 3 Nov 2026", DateOrder.MDY, NOV_3),
        ("Tuesday, November 3, 2026", DateOrder.MDY, NOV_3),
        ("  3 NOV 2026 ", DateOrder.MDY, NOV_3),
        ("11/3/2026", DateOrder.MDY, NOV_3),
        ("11/3/26", DateOrder.MDY, NOV_3),
        ("3/11/2026", DateOrder.DMY, NOV_3),
        ("3.11.2026", DateOrder.DMY, NOV_3),
        # Dotted dates are day first wherever they are written.
        ("03.11.2026", DateOrder.MDY, NOV_3),
        ("3.11.26", DateOrder.MDY, NOV_3),
        # Timestamps, as job sites export them: the date written is the date.
        ("11/3/26, 2:20 PM", DateOrder.MDY, NOV_3),
        ("2026-11-03T14:02:11Z", DateOrder.MDY, NOV_3),
        ("2026-11-03T23:30:00-08:00", DateOrder.MDY, NOV_3),
        ("2026-11-03 09:30:00.123456", DateOrder.MDY, NOV_3),
        ("Nov 3, 2026 at 2:20 p.m. EST", DateOrder.MDY, NOV_3),
        ("Tuesday, 3 November 2026 14:02", DateOrder.MDY, NOV_3),
        # Only one reading is a date: the order setting cannot make it another day.
        ("25/11/2026", DateOrder.MDY, dt.date(2026, 11, 25)),
        ("11/25/2026", DateOrder.DMY, dt.date(2026, 11, 25)),
        (None, DateOrder.MDY, None),
        ("", DateOrder.MDY, None),
        ("   ", DateOrder.MDY, None),
    ],
)
def test_parse_date_reads_what_users_type(
    value: object, order: DateOrder, expected: dt.date | None
) -> None:
    assert parse_date(value, order=order) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("next tues", "'next tues'"),
        ("Q4", "'Q4'"),
        ("tbd", "'tbd'"),
        ("Nov 3", "'Nov 3'"),
        ("2026-13-03", "'2026-13-03'"),
        ("31/11/2026", "'31/11/2026'"),
        ("=TODAY()+3", "'=TODAY()+3'"),
        (5, "5"),
        (-3.0, "-3"),
        (True, "TRUE"),
        (dt.time(9, 30), "'09:30:00'"),
    ],
)
def test_parse_date_refuses_what_is_not_a_date(value: object, shown: str) -> None:
    with pytest.raises(NotADateError) as raised:
        parse_date(value)
    assert str(raised.value) == shown


@pytest.mark.parametrize("value", ["24th September", "Sept 24", "Oct 31th", "9/24", "8-Jul"])
def test_a_date_without_a_year_says_so(value: str) -> None:
    with pytest.raises(NotADateError) as raised:
        parse_date(value)
    assert "no year" in raised.value.hint


def test_what_a_typed_date_says_about_its_order() -> None:
    assert numeric_order("25/11/2026") is DateOrder.DMY
    assert numeric_order("11/25/2026") is DateOrder.MDY
    assert numeric_order("3/11/2026") is True  # either way round
    assert numeric_order("3/3/2026") is None  # the same day either way
    assert numeric_order("03.11.2026") is None  # dotted: always day first
    assert numeric_order("2026-11-03") is None
    assert numeric_order(NOV_3) is None


def test_dates_written_inside_a_sentence() -> None:
    assert dates_within("Thank-you email 11/03/2026") == [NOV_3]
    assert dates_within("sent 3 Nov 2026, again Nov 10, 2026") == [NOV_3, dt.date(2026, 11, 10)]
    assert dates_within("called 3/12, will try again") == []


def test_the_1904_date_system_shifts_serials() -> None:
    assert parse_date(44867, date1904=True) == NOV_3
    assert serial_to_date(date_to_serial(NOV_3, date1904=True), date1904=True) == NOV_3


def test_serials_round_trip_in_the_1900_system() -> None:
    assert date_to_serial(NOV_3) == 46329
    assert serial_to_date(46329) == NOV_3


@hypothesis.settings(max_examples=500, deadline=None)
@hypothesis.given(
    hypothesis.strategies.lists(
        hypothesis.strategies.sampled_from(
            [*"0123456789 /-.,:apmtuesdaynovjanmarchofth٣", "Nov", "2026", "12th", " of "]
        ),
        max_size=12,
    ).map("".join)
)
def test_a_text_told_it_cannot_be_a_date_is_none_to_the_full_parse(text: str) -> None:
    # The shortcut (no figures, no date) must never turn away a text the patterns would read.
    if dates.may_be_date_text(text):
        return
    cleaned = " ".join(text.strip().casefold().split())
    for order in dates.DateOrder:
        assert dates._match_text(cleaned, order) is None
        assert not dates._without_year(cleaned)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("9/9/99", dt.date(2099, 9, 9)),
        ("3 Nov 2026", NOV_3),
        ("٣/٣/٢٠٢٦", dt.date(2026, 3, 3)),  # Arabic-Indic figures
    ],
)
def test_a_text_with_figures_is_still_read_as_the_date_it_is(text: str, day: dt.date) -> None:
    assert dates.may_be_date_text(text)
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["Acme", "next tues", "Nov", "third of May"])
def test_a_text_without_figures_is_no_date_with_the_same_message(text: str) -> None:
    assert not dates.may_be_date_text(text)
    with pytest.raises(NotADateError, match=f"^'{text}'$"):
        parse_date(f"  {text} ")
