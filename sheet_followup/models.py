"""The records passed between reading, the rules, writing back and the drafts."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sheet_followup.columns import normalize_header


class Kind(str, enum.Enum):
    """What a row needs this week; the values are the ``kind`` of ``--json`` and of the Log."""

    THANK_YOU = "thank_you"
    FOLLOW_UP = "follow_up"
    CLOSING = "closing"
    KEEP_IN_TOUCH = "keep_in_touch"
    REPLIED = "replied"  # they wrote back (seen in the Inbox): the user answers, no canned note
    WAITING = "waiting"
    UPCOMING = "upcoming"
    NO_INTERVIEW = "no_interview"
    CLOSED = "closed"
    FIX_DATA = "fix_data"

    @property
    def is_due(self) -> bool:
        """A due row gets a draft note."""
        return self in (Kind.THANK_YOU, Kind.FOLLOW_UP, Kind.CLOSING, Kind.KEEP_IN_TOUCH)

    @property
    def label(self) -> str:
        """The bold word the status cell starts with."""
        return _LABELS[self]


_LABELS = {
    Kind.THANK_YOU: "Thank-you due",
    Kind.FOLLOW_UP: "Follow-up due",
    Kind.CLOSING: "Closing note due",
    Kind.KEEP_IN_TOUCH: "Keep in touch due",
    Kind.REPLIED: "Replied",
    Kind.WAITING: "Waiting",
    Kind.UPCOMING: "Interview upcoming",
    Kind.NO_INTERVIEW: "No interview yet",
    Kind.CLOSED: "Closed",
    Kind.FIX_DATA: "Fix data",
}


# How summaries list the kinds: the notes due first, then what needs fixing, then the rest.
SUMMARY_ORDER = (
    Kind.THANK_YOU,
    Kind.FOLLOW_UP,
    Kind.CLOSING,
    Kind.KEEP_IN_TOUCH,
    Kind.REPLIED,
    Kind.FIX_DATA,
    Kind.WAITING,
    Kind.UPCOMING,
    Kind.NO_INTERVIEW,
    Kind.CLOSED,
)


def contact_key(company: str, contact: str) -> tuple[str, str]:
    """Who a row, a gift or a Log line is about, ignoring case, spacing and punctuation."""
    return normalize_header(company), normalize_header(contact)


# Contacts and follow-ups have slots: a coach's tracker has a hundred thousand rows, and an
# instance dictionary per row would cost more memory than the workbook itself.
@dataclass(frozen=True, slots=True)
class Contact:
    """One person of one tracker row, as read: blank text is "", a missing or unreadable date is
    None.

    A row whose person cell names several interviewers ("Jane Doe; Sam Lee") is several
    Contacts with the same ``row``: ``slot`` is each one's place in the cell, ``slots`` how many
    the row has. ``contact`` is the person's name as notes and the Log show it ("Linda Hayes"
    for "Linda Hayes, HR Director"), ``title`` what else the cell said about them, and
    ``greet`` the first name a note greets ("" when the cell names no person, only an address
    or a role: the note says "Hello"; None when the record was not read from a sheet).

    ``problems`` holds what could not be read, each message naming its cell, so the rules can
    turn the row into "Fix data" while every other row still runs; ``remarks`` are what `check`
    should mention without stopping the row. ``sheet`` and ``letters`` (field -> column
    letters, one map shared by every row of the sheet) name a field's cell in messages
    (``Job search!G12``) without a dictionary of references per row.
    """

    row: int
    company: str = ""
    contact: str = ""
    position: str = ""
    email: str = ""
    stage: str = ""
    interests: str = ""
    gift: str = ""
    why_fit: str = ""
    idea: str = ""
    keep_in_touch: bool = False
    interview_date: dt.date | None = None
    last_contact: dt.date | None = None
    pause_until: dt.date | None = None
    thanked: bool = False  # a Thank-you sent column says so
    title: str = ""
    greet: str | None = None  # None: worked out from ``contact`` when a note needs it
    slot: int = 0
    slots: int = 1
    problems: tuple[str, ...] = ()
    remarks: tuple[str, ...] = ()
    sheet: str = field(default="", compare=False)
    letters: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def cell(self, field_name: str) -> str:
        """The cell reference of a field, or the row when the column is absent."""
        letters = self.letters.get(field_name)
        return f"{self.sheet}!{letters}{self.row}" if letters else f"row {self.row}"

    @property
    def key(self) -> tuple[str, str]:
        return contact_key(self.company, self.contact)

    @property
    def ident(self) -> tuple[int, int]:
        """Which contact this is: its row, and its place among the row's people."""
        return (self.row, self.slot)


@dataclass(frozen=True)
class LogEntry:
    """One line of the Log sheet: a note that went out."""

    day: dt.date
    company: str
    contact: str
    kind: str
    gift: str = ""
    draft: str = ""
    idea: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return contact_key(self.company, self.contact)


def history_by_contact(entries: Iterable[LogEntry]) -> dict[tuple[str, str], list[LogEntry]]:
    """Log lines grouped by the contact they are about, in the order given: the history the
    rules and the gifts read (see :func:`.cadence.plan_followups`)."""
    history: dict[tuple[str, str], list[LogEntry]] = {}
    for entry in entries:
        history.setdefault(entry.key, []).append(entry)
    return history


@dataclass(frozen=True, slots=True)
class Reply:
    """A message from a contact, seen in the Inbox after the user's last note to them and not
    answered yet: the user owes them an answer, so no canned note goes out meanwhile."""

    day: dt.date
    subject: str = ""
    rejection: bool = False  # its words read like a rejection (the Stage is the user's to set)


@dataclass(frozen=True)
class Gift:
    """One row of the Gifts sheet: a gift for one contact, or for everyone at a company."""

    row: int
    gift: str
    contact: str = ""
    company: str = ""
    link: str = ""
    why: str = ""
    sent_on: dt.date | None = None

    @property
    def text(self) -> str:
        """The gift as a note gives it: the words, then the link."""
        return f"{self.gift} {self.link}".strip() if self.link not in self.gift else self.gift


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The decision for one contact: what it needs, why, and when to write next.

    ``details`` are the words in brackets after the status word ("5 days late"); the gift
    fields are filled by :func:`sheet_followup.gifts.assign_gifts` for due notes.
    """

    contact: Contact
    kind: Kind
    next_follow_up: dt.date | None
    details: tuple[str, ...] = ()
    days_late: int = 0
    number: int = 0  # the follow-up's number, counted from the Log (0: not numbered)
    gift: str = ""
    gift_why: str = ""
    gift_row: int | None = None  # the Gifts sheet row the gift came from
    needs_gift: bool = False
    tangible_gift: str = ""  # a gift left out of the note because it looks tangible
    idea: str = ""
    reply: Reply | None = None  # Kind.REPLIED: the message that is waiting for an answer

    @property
    def remarks(self) -> tuple[str, ...]:
        """What the status says in brackets after its word: the number, the details, what the
        note still needs ("#3", "5 days late", "add a gift"); for Fix data, what to fix."""
        if self.kind is Kind.FIX_DATA:
            return self.details
        parts = [f"#{self.number}"] if self.number else []
        parts += self.details
        if self.needs_gift:
            parts.append("add a gift")
        if self.tangible_gift:
            parts.append("the gift looks tangible: give information instead")
        return tuple(parts)

    @property
    def status(self) -> str:
        """The status cell: the bold word, then the remarks in brackets."""
        remarks = self.remarks
        if self.kind is Kind.FIX_DATA:
            return f"{self.kind.label}: " + "; ".join(remarks)
        if self.reply is not None:
            return replied_status(self.reply)
        return f"{self.kind.label} ({', '.join(remarks)})" if remarks else self.kind.label


def replied_status(reply: Reply) -> str:
    """ "Replied (2026-11-20): answer them ("Re: Thank you")", and the rejection hint."""
    status = f"{Kind.REPLIED.label} ({reply.day:%Y-%m-%d}): answer them"
    if reply.subject:
        status += f' ("{reply.subject}")'
    if reply.rejection:
        status += "; reads like a rejection: set the stage to Rejected if so"
    return status
