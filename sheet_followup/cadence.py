"""The follow-up rules: a pure function of the contacts, their Log, the settings and ``today``.

No I/O and no clock here, so every rule of PRODUCT.md is a table-driven test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from sheet_followup.models import Contact, FollowUp, Kind, LogEntry
from sheet_followup.settings import Settings

History = Mapping[tuple[str, str], Sequence[LogEntry]]


def plan_followups(
    contacts: Iterable[Contact],
    today: dt.date,
    settings: Settings,
    history: History | None = None,
) -> list[FollowUp]:
    """One decision per contact, in the order given."""
    if not history:  # no Log sheet (or an empty one): no row's key needs working out
        return [plan_followup(c, today, settings) for c in contacts]
    return [plan_followup(c, today, settings, history.get(c.key, ())) for c in contacts]


def plan_followup(
    contact: Contact,
    today: dt.date,
    settings: Settings,
    logged: Sequence[LogEntry] = (),
) -> FollowUp:
    """What one contact needs today, given the notes the Log says went out to them."""
    logged = [entry for entry in logged if entry.day <= today]
    if settings.is_closed(contact.stage):
        return _closed(contact, today, settings, logged)
    problems = data_problems(contact, today)
    if problems:
        return FollowUp(contact, Kind.FIX_DATA, None, details=tuple(problems))
    interview = contact.interview_date
    if interview is None:
        return FollowUp(contact, Kind.NO_INTERVIEW, None)
    pause = contact.pause_until if contact.pause_until and contact.pause_until > today else None
    if interview > today:
        return FollowUp(contact, Kind.UPCOMING, max(interview, pause) if pause else interview)

    last = _latest(contact.last_contact, logged)
    thanked = any(entry.kind == Kind.THANK_YOU.value for entry in logged)
    if contact.thanked and (last is None or last < interview):
        # A Thank-you sent tick without a day: the thank-you went out on the interview day,
        # as the method has it, and the follow-ups count from there.
        last, thanked = interview, True
    if last is None or last < interview:
        # The thank-you is said once: after a logged one, a later interview gets a follow-up.
        kind, next_day = (Kind.FOLLOW_UP if thanked else Kind.THANK_YOU), interview
    else:
        next_day = _shifted(last + dt.timedelta(days=settings.every_days), settings)
        kind = Kind.FOLLOW_UP if next_day <= today else Kind.WAITING

    if pause is not None:
        # A paused contact gets no note at all until the pause ends, a thank-you included.
        held = _shifted(max(next_day, pause), settings)
        return FollowUp(contact, Kind.WAITING, held, details=(f"paused until {pause:%Y-%m-%d}",))
    if kind is Kind.WAITING:
        return FollowUp(contact, kind, next_day)
    sent = sum(1 for entry in logged if entry.kind == Kind.FOLLOW_UP.value)
    number = sent + 1 if kind is Kind.FOLLOW_UP and sent else 0
    return _due(contact, kind, next_day, today, number=number)


def _closed(
    contact: Contact, today: dt.date, settings: Settings, logged: Sequence[LogEntry]
) -> FollowUp:
    shown = contact.stage.strip()
    details = () if shown.casefold() == "closed" else (shown,)
    kinds = {entry.kind for entry in logged}
    if (
        logged
        and settings.is_closing_stage(contact.stage)
        and Kind.CLOSING.value not in kinds
        and not (contact.pause_until and contact.pause_until > today)
    ):
        # Thanks, and please keep me in mind: once, to someone the user has written to.
        return _due(contact, Kind.CLOSING, today, today)
    if contact.keep_in_touch:
        last = _latest(contact.last_contact, logged)
        if last is not None:
            next_day = _shifted(last + dt.timedelta(days=settings.keep_in_touch_days), settings)
            if contact.pause_until and contact.pause_until > next_day:
                next_day = _shifted(contact.pause_until, settings)
            if next_day <= today:
                return _due(contact, Kind.KEEP_IN_TOUCH, next_day, today)
            return FollowUp(contact, Kind.CLOSED, next_day, details=(*details, "keep in touch"))
    return FollowUp(contact, Kind.CLOSED, None, details=details)


def _due(
    contact: Contact, kind: Kind, next_day: dt.date, today: dt.date, *, number: int = 0
) -> FollowUp:
    days_late = (today - next_day).days
    details = (f"{days_late} day{'s' if days_late != 1 else ''} late",) if days_late > 0 else ()
    return FollowUp(contact, kind, next_day, details=details, days_late=days_late, number=number)


def _latest(last_contact: dt.date | None, logged: Sequence[LogEntry]) -> dt.date | None:
    """The last day a note went out: the Last contact cell or the Log, whichever is later."""
    days = [entry.day for entry in logged]
    if last_contact is not None:
        days.append(last_contact)
    return max(days, default=None)


def _shifted(day: dt.date, settings: Settings) -> dt.date:
    return to_weekday(day) if settings.skip_weekends else day


def data_problems(contact: Contact, today: dt.date) -> list[str]:
    """What keeps the rules from deciding for this row, each naming its cell."""
    problems = list(contact.problems)
    interviewed = contact.interview_date is not None and contact.interview_date <= today
    if not contact.company and not contact.contact:
        problems.append(
            f"{contact.cell('company')}: no company and no contact; add both, or clear the row"
        )
    elif not contact.contact:
        # One row per application: no interviewer yet is normal until there is an interview.
        if interviewed:
            problems.append(
                f"{contact.cell('contact')}: an interview at {contact.company} on "
                f"{contact.interview_date:%Y-%m-%d} but no interviewer named; add the name of "
                "the person to thank"
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
