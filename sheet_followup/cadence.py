"""The follow-up rules: a pure function of the contacts, the settings and ``today``.

No I/O and no clock here, so every rule of PRODUCT.md is a table-driven test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sheet_followup.models import Contact, FollowUp, Kind
from sheet_followup.settings import Settings


def plan_followups(
    contacts: Iterable[Contact], today: dt.date, settings: Settings
) -> list[FollowUp]:
    """One decision per contact, in the order given."""
    return [plan_followup(contact, today, settings) for contact in contacts]


def plan_followup(contact: Contact, today: dt.date, settings: Settings) -> FollowUp:
    """What one contact needs today."""
    if settings.is_closed(contact.stage):
        shown = contact.stage.strip()
        status = "Closed" if shown.casefold() == "closed" else f"Closed ({shown})"
        return FollowUp(contact, Kind.CLOSED, status, None)
    problems = data_problems(contact, today)
    if problems:
        return FollowUp(contact, Kind.FIX_DATA, "Fix data: " + "; ".join(problems), None)
    interview = contact.interview_date
    if interview is None:
        return FollowUp(contact, Kind.NO_INTERVIEW, Kind.NO_INTERVIEW.label, None)
    pause = contact.pause_until if contact.pause_until and contact.pause_until > today else None
    if interview > today:
        next_day = max(interview, pause) if pause else interview
        return FollowUp(contact, Kind.UPCOMING, Kind.UPCOMING.label, next_day)

    last = contact.last_contact
    if last is None or last < interview:
        kind, next_day = Kind.THANK_YOU, interview
    else:
        next_day = last + dt.timedelta(days=settings.every_days)
        if settings.skip_weekends:
            next_day = to_weekday(next_day)
        kind = Kind.FOLLOW_UP if next_day <= today else Kind.WAITING

    if pause is not None:
        # A paused contact gets no note at all until the pause ends, a thank-you included.
        held = max(next_day, pause)
        next_day = to_weekday(held) if settings.skip_weekends else held
        return FollowUp(contact, Kind.WAITING, f"Waiting (paused until {pause:%Y-%m-%d})", next_day)
    if kind is Kind.WAITING:
        return FollowUp(contact, kind, kind.label, next_day)

    days_late = (today - next_day).days
    needs_gift = not contact.gift
    details = []
    if days_late > 0:
        details.append(f"{days_late} day{'s' if days_late != 1 else ''} late")
    if needs_gift:
        details.append("add a gift")
    status = f"{kind.label} ({', '.join(details)})" if details else kind.label
    return FollowUp(contact, kind, status, next_day, days_late=days_late, needs_gift=needs_gift)


def data_problems(contact: Contact, today: dt.date) -> list[str]:
    """What keeps the rules from deciding for this row, each naming its cell."""
    problems = list(contact.problems)
    if not contact.company and not contact.contact:
        problems.append(
            f"{contact.cell('company')}: no company and no contact; add both, or clear the row"
        )
    elif not contact.contact:
        problems.append(
            f"{contact.cell('contact')}: no contact name for {contact.company}; "
            "add the interviewer's name"
        )
    elif not contact.company:
        problems.append(
            f"{contact.cell('company')}: no company for {contact.contact}; add the employer"
        )
    if contact.last_contact is not None and contact.last_contact > today:
        problems.append(
            f"{contact.cell('last_contact')}: last contact {contact.last_contact:%Y-%m-%d} is in "
            "the future; write the day you sent your last note"
        )
    return problems


def to_weekday(day: dt.date) -> dt.date:
    """The day itself, or the Monday after when it falls on a weekend."""
    weekday = day.weekday()
    return day + dt.timedelta(days=7 - weekday) if weekday >= 5 else day
