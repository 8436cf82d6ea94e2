"""The two files beside each run's drafts: ``index.html`` and ``reminders.ics``.

``index.html`` lists the drafts with links to each file and a ``mailto:`` link that opens the
note in the mail program; it needs no network. ``reminders.ics`` puts every coming follow-up and
interview in the user's calendar, with UIDs that stay the same from run to run, so importing it
again moves the events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from sheet_followup.drafts import PlannedDraft
from sheet_followup.formats import mailto, page, valid_address
from sheet_followup.models import FollowUp, Kind

INDEX = "index.html"
REMINDERS = "reminders.ics"


def index_page(planned: Sequence[PlannedDraft], today: dt.date, workbook: str) -> bytes:
    """The run's drafts in one table: status, who, links to each file, and a mailto: link."""
    rows = []
    for draft in planned:
        contact = draft.followup.contact
        files = " ".join(
            f'<a href="{quote(path.name)}">{html.escape(path.suffix.lstrip("."))}</a>'
            for path, _ in draft.files
        )
        send = (
            f'<a href="{html.escape(mailto(contact.email, draft.note.subject, draft.note.body))}"'
            f' title="{html.escape(contact.email)}">write to {html.escape(contact.contact)}</a>'
            if valid_address(contact.email)
            else "(no email)"
        )
        rows.append(
            "<tr>"
            f"<td>{contact.row}</td>"
            f"<td>{html.escape(draft.followup.status)}</td>"
            f"<td>{html.escape(contact.company)}</td>"
            f"<td>{html.escape(contact.contact)}</td>"
            f"<td>{files}</td>"
            f"<td>{send}</td>"
            "</tr>"
        )
    table = (
        "<table><thead><tr><th>Row</th><th>Status</th><th>Company</th><th>Contact</th>"
        "<th>Draft</th><th>Send</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    title = f"Drafts for {today:%A %d %B %Y}"
    intro = (
        f'<h1>{html.escape(title)}</h1><p class="meta">{len(planned)} notes from '
        f"{html.escape(workbook)}. Open a draft, make it yours, send it, then record it with "
        "<code>sheet-followup sent</code>.</p>"
    )
    return page(title, intro + table, wide=True).encode()


def reminders(followups: Sequence[FollowUp], today: dt.date) -> bytes:
    """An iCalendar file: one all-day event per coming follow-up and interview."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//sheet-followup//reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Job search follow-ups")
    stamp = dt.datetime.combine(today, dt.time(), tzinfo=dt.timezone.utc)
    for followup in followups:
        day = followup.next_follow_up
        if day is None or day < today or followup.kind is Kind.FIX_DATA:
            continue
        contact = followup.contact
        what = "Interview with" if followup.kind is Kind.UPCOMING else "Follow up with"
        event = Event()
        event.add("uid", _uid(followup))
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", f"{what} {contact.contact} ({contact.company})")
        event.add("description", f"{followup.status}. Row {contact.row} of the tracker.")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


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
) -> list[tuple[Path, bytes]]:
    """The index and the calendar for a run, ready to be written beside the drafts."""
    return [
        (folder / INDEX, index_page(planned, today, workbook)),
        (folder / REMINDERS, reminders(followups, today)),
    ]
