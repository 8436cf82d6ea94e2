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

from sheet_followup.xlsx.serials import serial_to_date


class DateOrder(str, enum.Enum):
    """How to read an ambiguous numeric date such as 3/11/2026."""

    MDY = "MDY"
    DMY = "DMY"


class NotADateError(ValueError):
    """The value is not a date; ``str()`` quotes it the way the user typed it.

    ``hint`` says what to do when there is more to say than "write it as a date" (a date
    written without its year).
    """

    def __init__(self, shown: str, hint: str = "") -> None:
        super().__init__(shown)
        self.hint = hint


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
# A time of day after the date, as exports write it: "10/6/26, 2:20 PM", "2024-03-05T14:02:11Z",
# "Mar 5, 2024 at 2:20 p.m. EST", "2026-11-03 09:30:00+01:00". The date is the date written.
_ZONE = r"(?:\s*(?:z|utc|gmt|[a-z]{2,5}t|[+-]\d{2}(?::?\d{2})?))?"
_TIME = (
    r"(?:(?:,?\s+(?:at\s+)?|t)\d{1,2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*"
    rf"(?:[ap]\.?m\.?)?{_ZONE})?"
)

_ISO = re.compile(rf"(?P<year>\d{{4}})[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}}){_TIME}")
_NUMERIC = re.compile(rf"(?P<a>\d{{1,2}})(?P<sep>[-/.])(?P<b>\d{{1,2}})(?P=sep){_YEAR}{_TIME}")
_DAY_MONTH_YEAR = re.compile(rf"{_WEEKDAY}{_DAY}(?:\s+of)?[\s-]+{_MONTH}[\s,-]+{_YEAR}{_TIME}")
_MONTH_DAY_YEAR = re.compile(rf"{_WEEKDAY}{_MONTH}[\s-]+{_DAY},?[\s-]+{_YEAR}{_TIME}")
# Dates people write without a year: a cell to fix, not a date to guess.
_NO_YEAR = (
    re.compile(rf"{_WEEKDAY}{_DAY}(?:\s+of)?[\s-]+{_MONTH}{_TIME}"),
    re.compile(rf"{_WEEKDAY}{_MONTH}[\s-]+{_DAY}{_TIME}"),
    re.compile(r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})\.?"),
)


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


# Unix time, as apps export it: seconds (or milliseconds) since 1970, from 2001 to 2100.
_EPOCH_SECONDS = (978_307_200, 4_102_444_800)


def _number_to_date(value: float, *, date1904: bool) -> dt.date:
    shown = f"{value:g}"
    for scale in (1, 1000):
        low, high = (bound * scale for bound in _EPOCH_SECONDS)
        if low <= value < high:
            return dt.datetime.fromtimestamp(value / scale, tz=dt.timezone.utc).date()
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


def may_be_date_text(text: str) -> bool:
    """False for a text that cannot be a date, told before any pattern: every date written
    out has its day and year in figures, and "Acme", "Jane Doe" or "next tues" has none.
    (Judging a sheet asks this of every text cell of its first rows.)"""
    return _DIGIT.search(text) is not None


def _text_to_date(text: str, order: DateOrder) -> dt.date:
    if not may_be_date_text(text):
        shown = f"'{text.strip()}'"
        raise NotADateError(shown)
    cleaned = " ".join(text.strip().casefold().split())
    try:
        day = _match_text(cleaned, order)
    except ValueError:  # a month 13 or a 31 November
        day = None
    if day is None:
        shown = f"'{text.strip()}'"
        if _without_year(cleaned):
            raise NotADateError(shown, "it has no year; write it with the year,")
        raise NotADateError(shown)
    return day


_DIGIT = re.compile(r"\d")


def _without_year(text: str) -> bool:
    for pattern in _NO_YEAR:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        if "month" in match.groupdict() and match["month"] not in _MONTHS:
            continue
        if "a" in match.groupdict() and not (int(match["a"]) <= 31 and int(match["b"]) <= 31):
            continue
        return True
    return False


_EMBEDDED = re.compile(
    r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}([-/.])\d{1,2}\1(?:\d{4}|\d{2})"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3,9}\.?,?\s+\d{4}|[a-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\b",
    re.IGNORECASE,
)


def dates_within(text: str, *, order: DateOrder = DateOrder.MDY) -> list[dt.date]:
    """The dates written inside a sentence ("Thank-you email 03/10/2026", "sent 3 Nov 2026"),
    for the columns where a note sent is logged in words."""
    found = []
    for match in _EMBEDDED.finditer(text):
        try:
            day = _match_text(" ".join(match.group(0).casefold().split()), order)
        except ValueError:
            continue
        if day is not None:
            found.append(day)
    return found


def numeric_order(text: object) -> DateOrder | bool | None:
    """What a typed date says about the order of day and month.

    ``DateOrder.DMY`` for 25/11/2026 (only day first is a date), ``DateOrder.MDY`` for
    11/25/2026, ``True`` for an ambiguous one (3/11/2026), ``None`` for anything else: dotted
    dates are always day first, and 2026-11-03 or a real date cell says nothing.
    """
    if not isinstance(text, str) or ("/" not in text and "-" not in text):
        return None
    match = _NUMERIC.fullmatch(" ".join(text.strip().casefold().split()))
    if match is None or match["sep"] == ".":
        return None
    a, b = int(match["a"]), int(match["b"])
    if a > 12 >= b:
        return DateOrder.DMY
    if b > 12 >= a:
        return DateOrder.MDY
    return True if a != b and a <= 12 and b <= 12 else None


def _match_text(text: str, order: DateOrder) -> dt.date | None:
    if match := _ISO.fullmatch(text):
        return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    if match := _NUMERIC.fullmatch(text):
        a, b, year = int(match["a"]), int(match["b"]), _full_year(match["year"])
        # Dotted dates are written day first wherever they are written (03.11.2026).
        day_first = order is DateOrder.DMY or match["sep"] == "."
        month, day = (b, a) if day_first else (a, b)
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
