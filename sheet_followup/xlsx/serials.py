"""Excel's day numbers: the serials a date cell stores, in the 1900 and the 1904 date systems."""

from __future__ import annotations

import datetime as dt

_EPOCH_1900 = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, given Excel's fictitious 1900-02-29
_EPOCH_1904 = dt.date(1904, 1, 1)
_FIRST_DAY_AFTER_LEAP_BUG = dt.date(1900, 3, 1)


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
