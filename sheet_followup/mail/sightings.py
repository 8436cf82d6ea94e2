"""What the messages in Sent and the Inbox mean for the tracker: no I/O here.

A message in Sent to a contact's address, dated after the last note the tracker knows of, is a
note that went out: it is logged as `sent` would log it, with the kind and gift of the tool's
draft it matches (by the tool's header, else by its subject), or as ``own_note`` when the user
wrote it themselves. A message in the Inbox from a contact, newer than anything the user sent
them, is a reply waiting for an answer.

Both count only from the interview day on (mail arranging the interview is not a note) up to
``today``, so a run ``--today`` in the past ignores what came later.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.formats import valid_address
from sheet_followup.logbook import RECORDED_BY_MAIL, Draft, DraftIndex, LogLine, log_line
from sheet_followup.mail.headers import Seen, subject_key
from sheet_followup.mail.rejection import reads_like_rejection
from sheet_followup.models import Contact, LogEntry, Reply, contact_key

OWN_NOTE = "own_note"  # the Log's kind for a note the user wrote without the tool
# How far back a run looks in the mail at most, whatever the tracker's dates say.
LOOK_BACK_DAYS = 400
_AUTOMATIC = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response)|out of (?:the )?office|"
    r"abwesenheitsnotiz|réponse automatique|respuesta automática|auto:)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MailNote:
    """A message in Sent recorded as a note: to whom, which message, and the Log line."""

    contact: Contact
    message: Seen
    line: LogLine


def mail_contacts(contacts: Iterable[Contact]) -> dict[str, list[Contact]]:
    """Address (lower case) -> the contacts who have it, for the contacts a note can be about:
    a company, a person, an interview day."""
    by_address: dict[str, list[Contact]] = {}
    for contact in contacts:
        address = contact.email.strip().lower()
        if (
            contact.company
            and contact.contact
            and contact.interview_date is not None
            and not contact.problems
            and valid_address(address)
        ):
            by_address.setdefault(address, []).append(contact)
    return by_address


def last_note_day(contact: Contact, logged: Sequence[LogEntry]) -> dt.date | None:
    days = [entry.day for entry in logged]
    if contact.last_contact is not None:
        days.append(contact.last_contact)
    return max(days, default=None)


def mail_since(
    by_address: Mapping[str, Sequence[Contact]],
    history: Mapping[tuple[str, str], Sequence[LogEntry]],
    today: dt.date,
) -> dt.date | None:
    """The first day whose mail can matter: the earliest of each contact's last note (or
    interview), never more than LOOK_BACK_DAYS ago; None when no contact has an address."""
    days = []
    for contacts in by_address.values():
        for contact in contacts:
            last = last_note_day(contact, history.get(contact.key, ()))
            assert contact.interview_date is not None  # mail_contacts keeps only those
            days.append(max(last, contact.interview_date) if last else contact.interview_date)
    if not days:
        return None
    return min(max(min(days), today - dt.timedelta(days=LOOK_BACK_DAYS)), today)


def notes_sent(
    by_address: Mapping[str, Sequence[Contact]],
    history: Mapping[tuple[str, str], Sequence[LogEntry]],
    sent: Sequence[Seen],
    drafts: DraftIndex,
    base: Path,
    today: dt.date,
) -> list[MailNote]:
    """The messages in Sent that are notes the tracker does not know of yet, oldest first.

    One Log line per contact and day: a second message the same day adds nothing the first
    did not, and a rerun finds the day recorded and adds nothing either.
    """
    last: dict[tuple[str, str], dt.date | None] = {}
    found: list[MailNote] = []
    for message in sorted(sent, key=lambda m: m.when):
        day = message.day
        if day > today:
            continue
        for contact in _addressed(by_address, message.recipients):
            assert contact.interview_date is not None
            key = contact.key
            if key not in last:
                last[key] = last_note_day(contact, history.get(key, ()))
            previous = last[key]
            if day < contact.interview_date or (previous is not None and day <= previous):
                continue
            draft = matching_draft(drafts, contact, message)
            if draft is not None and _logged_already(draft, history.get(key, ())):
                continue  # recorded by `sent` (or a typed Last contact) before it went out
            line = log_line(
                contact,
                day,
                draft,
                base,
                kind=OWN_NOTE,
                gift="",
                gift_row=None,
                idea="",
                recorded=RECORDED_BY_MAIL,
            )
            found.append(MailNote(contact, message, line))
            last[key] = day
    return found


def _logged_already(draft: Draft, logged: Sequence[LogEntry]) -> bool:
    """The note of this draft is in the Log already: a line of its kind from its day on."""
    return any(e.kind == draft.record.kind and e.day >= draft.day for e in logged)


def _addressed(
    by_address: Mapping[str, Sequence[Contact]], addresses: Iterable[str]
) -> list[Contact]:
    """The contacts a message went to, each person (company and name) once."""
    chosen: dict[tuple[str, str], Contact] = {}
    for address in addresses:
        for contact in by_address.get(address, ()):
            chosen.setdefault(contact.key, contact)
    return list(chosen.values())


def matching_draft(drafts: DraftIndex, contact: Contact, message: Seen) -> Draft | None:
    """The tool's draft a sent message was made from: the one its header names, else the
    newest draft of that contact, from before it was sent, with the same subject."""
    candidates = [d for d in drafts.of(contact.key) if d.day <= message.day]
    marker = message.marker
    if marker is not None and contact_key(marker.company, marker.contact) == contact.key:
        for draft in candidates:
            if draft.day == marker.day and draft.record.kind == marker.kind:
                return draft
    subject = subject_key(message.subject)
    if subject:
        for draft in candidates:
            if draft.record.subject and subject_key(draft.record.subject) == subject:
                return draft
    return None


def waiting_replies(
    by_address: Mapping[str, Sequence[Contact]],
    history: Mapping[tuple[str, str], Sequence[LogEntry]],
    sent: Sequence[Seen],
    inbox: Sequence[Seen],
    today: dt.date,
) -> dict[tuple[int, int], Seen]:
    """Each contact's newest message in the Inbox that nothing sent to them since answers.

    "Since" is by the clock where Sent says when the user wrote, else by the day of the last
    note the tracker knows (a reply that same day counts: it came after the note).
    """
    answered: dict[str, dt.datetime] = {}
    for message in sent:
        if message.day > today:
            continue
        for address in message.recipients:
            if address in by_address and message.when > answered.get(address, _NEVER):
                answered[address] = message.when
    waiting: dict[tuple[int, int], Seen] = {}
    for message in inbox:
        day = message.day
        if day > today or _automatic(message):
            continue
        for contact in by_address.get(message.sender, ()):
            assert contact.interview_date is not None
            if day < contact.interview_date:
                continue
            last = last_note_day(contact, history.get(contact.key, ()))
            if last is not None and day < last:
                continue
            if message.when <= answered.get(message.sender, _NEVER):
                continue
            current = waiting.get(contact.ident)
            if current is None or message.when > current.when:
                waiting[contact.ident] = message
    return waiting


_NEVER = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def _automatic(message: Seen) -> bool:
    """An out-of-office answer is no reply: it says nothing the user must answer."""
    return message.automatic or bool(_AUTOMATIC.match(message.subject))


def as_reply(message: Seen) -> Reply:
    return Reply(
        message.day,
        message.subject,
        rejection=reads_like_rejection(message.subject, message.text),
    )
