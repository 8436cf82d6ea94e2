"""Which days a note can be due on: not a weekend (unless the user writes then), not a public
holiday of the user's country (Settings ``Holidays``: ``US``, ``GB``, ``DE-BY``...).

The holidays come from the ``holidays`` library, which keeps the rules of some 150 countries and
their regions up to date; it is imported only when the setting asks for it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Container


def holiday_code_problem(code: str) -> str | None:
    """Why a Holidays setting names no calendar the tool has, or None when it does."""
    try:
        _calendar(code, (2026,))
    except (NotImplementedError, KeyError, ValueError) as error:
        return str(error).strip("'") or f"'{code}' is not a country code"
    return None


def days_after(day: dt.date, days: int) -> dt.date:
    """``day`` plus ``days``, or the last day there is: a Last contact or a Pause until of
    9999-12-31 ("never") is a real cell, and its follow-up falls on the same day, not an error."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def next_working_day(day: dt.date, *, skip_weekends: bool = True, holidays: str = "") -> dt.date:
    """The day itself, or the next day that is not a weekend or a public holiday."""
    years = (day.year, min(day.year + 1, dt.MAXYEAR))
    closed: Container[dt.date] = _calendar(holidays, years) if holidays else ()
    for _ in range(60):  # a long run of holidays still ends; a broken calendar cannot hang a run
        if day < dt.date.max and ((skip_weekends and day.weekday() >= 5) or day in closed):
            day += dt.timedelta(days=1)
            continue
        return day
    return day


@functools.lru_cache(maxsize=32)
def _calendar(code: str, years: tuple[int, ...]) -> Container[dt.date]:
    import holidays

    country, _, region = code.strip().upper().partition("-")
    return holidays.country_holidays(country, subdiv=region or None, years=years)
