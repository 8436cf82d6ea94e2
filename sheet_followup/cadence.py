"""The follow-up rules: a pure function of the contacts, their Log, the settings and ``today``.

No I/O and no clock here, so every rule of PRODUCT.md is a table-driven test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sheet_followup.columns import normalize_header
from sheet_followup.models import Contact, FollowUp, Kind, LogEntry, Reply
from sheet_followup.settings import Settings
from sheet_followup.workdays import days_after, next_working_day

History = Mapping[tuple[str, str], Sequence[LogEntry]]


@dataclass(frozen=True)
class PanelClose:
    """A row whose closed stage closes its whole panel: "Closed (Hired, row 7)"."""

    stage: str
    row: int


def plan_followups(
    contacts: Iterable[Contact],
    today: dt.date,
    settings: Settings,
    history: History | None = None,
    replies: Mapping[tuple[int, int], Reply] | None = None,
) -> list[FollowUp]:
    """One decision per contact, in the order given; ``replies`` holds, by contact
    (:attr:`~sheet_followup.models.Contact.ident`), the messages they sent that wait for an
    answer (read from the Inbox by a run with a mailbox)."""
    contacts = list(contacts)
    panels = closed_panels(contacts, settings) if settings.close_panel else {}
    history = history or {}
    replies = replies or {}
    return [
        plan_followup(
            c,
            today,
            settings,
            history.get(c.key, ()) if history else (),
            panel=_panel_of(c, panels) if panels else None,
            reply=replies.get(c.ident) if replies else None,
        )
        for c in contacts
    ]


Panels = Mapping[tuple[str, str], PanelClose]


def closed_panels(
    contacts: Iterable[Contact], settings: Settings
) -> dict[tuple[str, str], PanelClose]:
    """(company, position) -> the first row of it with a closed stage.

    Everyone who interviewed someone for one role hears the same decision: when one row says
    Hired or Rejected, the rest of the panel is closed too.
    """
    panels: dict[tuple[str, str], PanelClose] = {}
    for contact in contacts:
        if contact.company and contact.stage and settings.is_closed(contact.stage):
            key = (normalize_header(contact.company), normalize_header(contact.position))
            found = panels.get(key)
            if found is None or contact.row < found.row:  # the topmost, whatever the order
                panels[key] = PanelClose(contact.stage.strip(), contact.row)
    return panels


def _panel_of(contact: Contact, panels: Panels) -> PanelClose | None:
    """The closed row of this contact's panel: the same company and position, or the same
    company when either row gives no position."""
    if not contact.company:
        return None
    company, position = normalize_header(contact.company), normalize_header(contact.position)
    found = panels.get((company, position)) or panels.get((company, ""))
    if found is None and not position:
        found = min(
            (close for (c, _), close in panels.items() if c == company),
            key=lambda close: close.row,
            default=None,
        )
    return found if found is not None and found.row != contact.row else None


def plan_followup(
    contact: Contact,
    today: dt.date,
    settings: Settings,
    logged: Sequence[LogEntry] = (),
    *,
    panel: PanelClose | None = None,
    reply: Reply | None = None,
) -> FollowUp:
    """What one contact needs today, given the notes the Log says went out to them, the
    closed row of their panel if one is, and their message that waits for an answer."""
    decided = _decide(contact, today, settings, logged, panel)
    if reply is not None and reply.day <= today and decided.kind in _ANSWERED_BY_THE_USER:
        # They wrote back: a canned note now would ignore what they said. The answer is the
        # user's to write; the next follow-up counts from it once it is sent.
        return FollowUp(contact, Kind.REPLIED, reply.day, reply=reply)
    return decided


# What a reply replaces: the canned notes and the waiting between them. A closing note stays
# (it answers a rejection graciously), and so do the decisions a reply cannot change.
_ANSWERED_BY_THE_USER = frozenset(
    (Kind.THANK_YOU, Kind.FOLLOW_UP, Kind.WAITING, Kind.KEEP_IN_TOUCH)
)


def _decide(
    contact: Contact,
    today: dt.date,
    settings: Settings,
    logged: Sequence[LogEntry],
    panel: PanelClose | None,
) -> FollowUp:
    logged = [entry for entry in logged if entry.day <= today]
    if settings.is_closed(contact.stage):
        return _closed(contact, today, settings, logged)
    if panel is not None:
        return _closed(contact, today, settings, logged, panel=panel)
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
        kind = Kind.FOLLOW_UP
        next_day = _shifted(days_after(last, settings.every_days), settings)
    if contact.pause_until is not None and next_day < contact.pause_until:
        # A pause never moves the note earlier, and its days never count as late: the note
        # is due when the pause ends, if not later.
        next_day = _shifted(contact.pause_until, settings)
    if pause is not None:
        # A paused contact gets no note at all until the pause ends, a thank-you included.
        paused = (f"paused until {pause:%Y-%m-%d}",)
        return FollowUp(contact, Kind.WAITING, next_day, details=paused)
    if next_day > today:
        return FollowUp(contact, Kind.WAITING, next_day)
    sent = sum(1 for entry in logged if entry.kind == Kind.FOLLOW_UP.value)
    number = sent + 1 if kind is Kind.FOLLOW_UP and sent else 0
    return _due(contact, kind, next_day, today, number=number)


def _closed(
    contact: Contact,
    today: dt.date,
    settings: Settings,
    logged: Sequence[LogEntry],
    *,
    panel: PanelClose | None = None,
) -> FollowUp:
    stage = panel.stage if panel is not None else contact.stage
    shown = stage.strip()
    details: tuple[str, ...] = () if shown.casefold() == "closed" else (shown,)
    if panel is not None:
        details = (f"{shown}, row {panel.row}",)
    kinds = {entry.kind for entry in logged}
    if (
        logged
        and settings.is_closing_stage(stage)
        and Kind.CLOSING.value not in kinds
        and not (contact.pause_until and contact.pause_until > today)
    ):
        # Thanks, and please keep me in mind: once, to someone the user has written to.
        return _due(contact, Kind.CLOSING, today, today)
    if contact.keep_in_touch:
        last = _latest(contact.last_contact, logged)
        if last is not None:
            next_day = _shifted(days_after(last, settings.keep_in_touch_days), settings)
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
    if not settings.holidays:
        return to_weekday(day) if settings.skip_weekends else day
    return next_working_day(day, skip_weekends=settings.skip_weekends, holidays=settings.holidays)


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
    return days_after(day, 7 - weekday) if weekday >= 5 else day
