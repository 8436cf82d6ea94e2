"""Turn whatever a user put in a date cell into a date, or say why it is not one.

Trackers hold real date cells, bare Excel serials (a date column that lost its format) and
typed text ("3 Nov 2026", "11/3/2026"). Parsing is deliberately strict: a lenient parser would
read "next tues" or "Q4" as some date and schedule a note on the wrong day, which is worse than
asking the user to fix the cell.
"""

from __future__ import annotations

import datetime as dt
import enum
import re


class DateOrder(str, enum.Enum):
    """How to read an ambiguous numeric date such as 3/11/2026."""

    MDY = "MDY"
    DMY = "DMY"


class NotADateError(ValueError):
    """The value is not a date; ``str()`` quotes it the way the user typed it."""


_EPOCH_1900 = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, given Excel's fictitious 1900-02-29
_EPOCH_1904 = dt.date(1904, 1, 1)
_FIRST_DAY_AFTER_LEAP_BUG = dt.date(1900, 3, 1)

# Serials below this are small numbers typed into a date column ("5"), not dates from 1927.
_MIN_PLAUSIBLE_SERIAL = 10_000
_MAX_SERIAL = 2_958_465  # 9999-12-31

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
_MONTH = r"(?P<month>[a-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:am|pm)?)?"

_ISO = re.compile(rf"(?P<year>\d{{4}})[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}}){_TIME}")
_NUMERIC = re.compile(rf"(?P<a>\d{{1,2}})([-/.])(?P<b>\d{{1,2}})\2{_YEAR}{_TIME}")
_DAY_MONTH_YEAR = re.compile(rf"{_WEEKDAY}{_DAY}[\s-]+{_MONTH}[\s,-]+{_YEAR}{_TIME}")
_MONTH_DAY_YEAR = re.compile(rf"{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}{_TIME}")


def serial_to_date(serial: float, *, date1904: bool = False) -> dt.date:
    """An Excel serial as a date, under the workbook's date system."""
    if date1904:
        return _EPOCH_1904 + dt.timedelta(days=int(serial))
    if serial < 61:  # before Excel's fictitious 1900-02-29 the 1899-12-30 epoch is off by one
        return _EPOCH_1900 + dt.timedelta(days=int(serial) + 1)
    return _EPOCH_1900 + dt.timedelta(days=int(serial))


def date_to_serial(day: dt.date, *, date1904: bool = False) -> int | None:
    """The day number Excel stores for a date; None if Excel cannot show that date.

    The 1900 system counts 1900-02-29, a day that never existed (Lotus compatibility), so
    dates from March 1900 on are one higher than a plain day count from 1899-12-31.
    """
    if isinstance(day, dt.datetime):
        day = day.date()  # a follow-up is a day; a time would only show as a stray fraction
    if date1904:
        days = (day - _EPOCH_1904).days
        return days if days >= 0 else None
    if day >= _FIRST_DAY_AFTER_LEAP_BUG:
        return (day - _EPOCH_1900).days
    days = (day - _EPOCH_1900 - dt.timedelta(days=1)).days
    return days if days >= 1 else None


def parse_date(
    value: object, *, order: DateOrder = DateOrder.MDY, date1904: bool = False
) -> dt.date | None:
    """A cell's value as a date; None for an empty cell; NotADateError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise NotADateError(repr(value).upper())
    if isinstance(value, (int, float)):
        return _number_to_date(value, date1904=date1904)
    if isinstance(value, str):
        return _text_to_date(value, order)
    shown = f"'{value}'"
    raise NotADateError(shown)


def _number_to_date(value: float, *, date1904: bool) -> dt.date:
    shown = f"{value:g}"
    if float(value).is_integer() and 19000101 <= value <= 21001231:
        # 20261103 typed into a date column: a date written as YYYYMMDD.
        text = str(int(value))
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise NotADateError(shown) from None
    if not _MIN_PLAUSIBLE_SERIAL <= value <= _MAX_SERIAL:
        raise NotADateError(shown)
    return serial_to_date(value, date1904=date1904)


def _text_to_date(text: str, order: DateOrder) -> dt.date:
    cleaned = " ".join(text.strip().casefold().split())
    try:
        day = _match_text(cleaned, order)
    except ValueError:  # a month 13 or a 31 November
        day = None
    if day is None:
        shown = f"'{text.strip()}'"
        raise NotADateError(shown)
    return day


def _match_text(text: str, order: DateOrder) -> dt.date | None:
    if match := _ISO.fullmatch(text):
        return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    if match := _NUMERIC.fullmatch(text):
        a, b, year = int(match["a"]), int(match["b"]), _full_year(match["year"])
        month, day = (a, b) if order is DateOrder.MDY else (b, a)
        if month > 12 >= day:  # only one reading is a date: 25/11/2026 under MDY
            month, day = day, month
        return dt.date(year, month, day)
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        if (match := pattern.fullmatch(text)) and match["month"] in _MONTHS:
            return dt.date(_full_year(match["year"]), _MONTHS[match["month"]], int(match["day"]))
    return None


def _full_year(year: str) -> int:
    # Two-digit years are this century's: a job search is about now, not 1926.
    return int(year) + 2000 if len(year) == 2 else int(year)
