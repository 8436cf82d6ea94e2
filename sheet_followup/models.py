"""The records passed between reading, the rules, writing back and the drafts."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Kind(str, enum.Enum):
    """What a row needs this week; the values are the ``kind`` of ``--json``."""

    THANK_YOU = "thank_you"
    FOLLOW_UP = "follow_up"
    WAITING = "waiting"
    UPCOMING = "upcoming"
    NO_INTERVIEW = "no_interview"
    CLOSED = "closed"
    FIX_DATA = "fix_data"

    @property
    def is_due(self) -> bool:
        """A due row gets a draft note."""
        return self in (Kind.THANK_YOU, Kind.FOLLOW_UP)

    @property
    def label(self) -> str:
        """The bold word the status cell starts with."""
        return _LABELS[self]


_LABELS = {
    Kind.THANK_YOU: "Thank-you due",
    Kind.FOLLOW_UP: "Follow-up due",
    Kind.WAITING: "Waiting",
    Kind.UPCOMING: "Interview upcoming",
    Kind.NO_INTERVIEW: "No interview yet",
    Kind.CLOSED: "Closed",
    Kind.FIX_DATA: "Fix data",
}


@dataclass(frozen=True)
class Contact:
    """One tracker row, as read: blank text is "", a missing or unreadable date is None.

    ``problems`` holds what could not be read, each message naming its cell, so the rules can
    turn the row into "Fix data" while every other row still runs. ``cells`` maps a field to its
    cell reference (``Job search!G12``) for messages.
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
    interview_date: dt.date | None = None
    last_contact: dt.date | None = None
    pause_until: dt.date | None = None
    problems: tuple[str, ...] = ()
    cells: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def cell(self, field_name: str) -> str:
        """The cell reference of a field, or the row when the column is absent."""
        return self.cells.get(field_name, f"row {self.row}")


@dataclass(frozen=True)
class FollowUp:
    """The decision for one contact: what it needs, the status text, and when to write next."""

    contact: Contact
    kind: Kind
    status: str
    next_follow_up: dt.date | None
    days_late: int = 0
    needs_gift: bool = False
