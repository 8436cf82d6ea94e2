"""The two files beside each run's drafts: ``index.html`` and ``reminders.ics``.

``index.html`` lists the drafts with links to each file and a ``mailto:`` link that opens the
note in the mail program; it needs no network. ``reminders.ics`` puts every due note (an overdue
one on today), coming follow-up and interview in the user's calendar, with UIDs that stay the
same from run to run, so importing it again moves the events instead of duplicating them.

Both are written piece by piece as they are made (see :data:`sheet_followup.drafts.Content`):
at 100,000 rows the index alone is over 40 MB. The calendar is written by hand, following
RFC 5545, rather than with a calendar library: building an object per event and folding its
lines in Python took longer than rendering every note.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
from collections.abc import Iterator, Sequence
from pathlib import Path

from sheet_followup.draft_store import Content
from sheet_followup.drafts import PlannedDraft
from sheet_followup.formats import mailto, page_frame, percent_encode, valid_address
from sheet_followup.models import FollowUp, Kind

INDEX = "index.html"
REMINDERS = "reminders.ics"


def index_page(planned: Sequence[PlannedDraft], today: dt.date, workbook: str) -> bytes:
    """The run's drafts in one table: status, who, links to each file, and a mailto: link."""
    return b"".join(_index_pieces(planned, today, workbook))


def _index_pieces(
    planned: Sequence[PlannedDraft], today: dt.date, workbook: str
) -> Iterator[bytes]:
    title = f"Drafts for {today:%A %d %B %Y}"
    head, tail = page_frame(title, wide=True)
    intro = (
        f'<h1>{html.escape(title)}</h1><p class="meta">{len(planned)} notes from '
        f"{html.escape(workbook)}. Open a draft, make it yours, send it, then record it with "
        "<code>sheet-followup sent</code>.</p>"
    )
    yield (
        head
        + intro
        + "<table><thead><tr><th>Row</th><th>Status</th><th>Company</th><th>Contact</th>"
        "<th>Draft</th><th>Send</th></tr></thead><tbody>"
    ).encode()
    for draft in planned:
        yield _index_row(draft).encode()
    yield ("</tbody></table>" + tail).encode()


def _index_row(draft: PlannedDraft) -> str:
    contact = draft.followup.contact
    # A draft's name has no "/" (see drafts.slug), so this is what quote(name) gives.
    files = " ".join(
        f'<a href="{percent_encode(path.name)}">{fmt}</a>'
        for path, fmt in zip(draft.paths, draft.formats, strict=True)
    )
    if valid_address(contact.email):
        # The link is percent-encoded but for "mailto:", "?", "=", "@" and "&": of the
        # characters HTML escapes, only "&" can be in it (html.escape makes five passes).
        link = mailto(contact.email, draft.note.subject, draft.note.body).replace("&", "&amp;")
        send = (
            f'<a href="{link}" title="{html.escape(contact.email)}">'
            f"write to {html.escape(contact.contact)}</a>"
        )
    else:
        send = "(no email)"
    return (
        "<tr>"
        f"<td>{contact.row}</td>"
        f"<td>{html.escape(draft.followup.status)}</td>"
        f"<td>{html.escape(contact.company)}</td>"
        f"<td>{html.escape(contact.contact)}</td>"
        f"<td>{files}</td>"
        f"<td>{send}</td>"
        "</tr>"
    )


def reminders(followups: Sequence[FollowUp], today: dt.date) -> bytes:
    """An iCalendar file: one all-day event per due note (an overdue one on today), coming
    follow-up and interview."""
    return b"".join(_calendar_pieces(followups, today))


ONE_DAY = dt.timedelta(days=1)
# What the calendar says is to do; a waiting contact's next note is a follow-up.
_EVENT_WORDS = {
    Kind.UPCOMING: "Interview with",
    Kind.THANK_YOU: "Thank-you note to",
    Kind.CLOSING: "Closing note to",
    Kind.KEEP_IN_TOUCH: "Keep in touch with",
    Kind.REPLIED: "Answer",
}


def _calendar_pieces(followups: Sequence[FollowUp], today: dt.date) -> Iterator[bytes]:
    yield (
        b"BEGIN:VCALENDAR\r\n"
        b"VERSION:2.0\r\n"
        b"PRODID:-//sheet-followup//reminders//EN\r\n"
        b"X-WR-CALNAME:Job search follow-ups\r\n"
    )
    stamp = f"DTSTAMP:{_ical_date(today)}T000000Z\r\n"  # midnight UTC of the run's day
    for followup in followups:
        day = followup.next_follow_up
        if day is None or followup.kind is Kind.FIX_DATA:
            continue
        if day < today:
            if not followup.kind.is_due and followup.kind is not Kind.REPLIED:
                continue
            # An overdue note, or a reply waiting for an answer, is the most urgent: today,
            # not a day gone by.
            day = today
        contact = followup.contact
        what = _EVENT_WORDS.get(followup.kind, "Follow up with")
        summary = _content_line("SUMMARY", f"{what} {contact.contact} ({contact.company})")
        description = _content_line(
            "DESCRIPTION", f"{followup.status}. Row {contact.row} of the tracker."
        )
        # An all-day event without DTEND lasts its day (RFC 5545): the only way for the last
        # day there is, 9999-12-31, which has no day after it.
        end = f"DTEND;VALUE=DATE:{_ical_date(day + ONE_DAY)}\r\n" if day < dt.date.max else ""
        yield (
            "BEGIN:VEVENT\r\n"
            f"{summary}"
            f"DTSTART;VALUE=DATE:{_ical_date(day)}\r\n"
            f"{end}"
            f"{stamp}"
            f"UID:{_uid(followup)}\r\n"
            f"{description}"
            "TRANSP:TRANSPARENT\r\n"
            "END:VEVENT\r\n"
        ).encode()
    yield b"END:VCALENDAR\r\n"


@functools.lru_cache(maxsize=1024)  # a run's events fall on a few hundred days at most
def _ical_date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


# RFC 5545 allows no control character in TEXT but the tab; line breaks are escaped as \n.
_CONTROLS = dict.fromkeys((*range(0x09), *range(0x0A, 0x20), 0x7F), " ")


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    if not text.isprintable():
        text = text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
        text = text.translate(_CONTROLS)
    return text


def _content_line(name: str, text: str) -> str:
    """``NAME:value`` with its CRLF, folded when longer than 75 octets."""
    line = f"{name}:{escape_text(text)}"
    data = line.encode()
    return (line if len(data) <= 75 else fold(data).decode()) + "\r\n"


def fold(line: bytes, limit: int = 75) -> bytes:
    """A content line folded (RFC 5545, 3.1): no line longer than ``limit`` octets.

    Each continuation starts with a space, so it holds ``limit - 1`` octets of the line. A cut
    never falls inside a character's UTF-8 bytes, nor inside an escape such as ``\\,``: the RFC
    allows that, but some calendar programs unfold them wrongly.
    """
    pieces = []
    start, room = 0, limit
    while len(line) - start > room:
        cut = start + room
        while line[cut] & 0xC0 == 0x80:  # a continuation byte: back to the character's start
            cut -= 1
        run = cut
        while run > start and line[run - 1] == 0x5C:  # backslashes before the cut
            run -= 1
        if (cut - run) % 2:  # an odd run ends in an escape's backslash: keep it with its letter
            cut -= 1
        pieces.append(line[start:cut])
        start, room = cut, limit - 1
    pieces.append(line[start:])
    return b"\r\n ".join(pieces)


def _uid(followup: FollowUp) -> str:
    # The same contact and purpose give the same UID in every run, so a re-import updates it.
    purpose = "interview" if followup.kind is Kind.UPCOMING else "follow-up"
    company, contact = followup.contact.key
    digest = hashlib.sha256(f"{company}|{contact}|{purpose}".encode()).hexdigest()[:24]
    return f"{digest}@sheet-followup"


def run_files(
    folder: Path,
    planned: Sequence[PlannedDraft],
    followups: Sequence[FollowUp],
    today: dt.date,
    workbook: str,
) -> list[tuple[Path, Content]]:
    """The index and the calendar for a run, to be written beside the drafts as they are made."""
    return [
        (folder / INDEX, functools.partial(_index_pieces, planned, today, workbook)),
        (folder / REMINDERS, functools.partial(_calendar_pieces, followups, today)),
    ]
