"""The tool's drafts in the account's Drafts folder: added, replaced, and never the user's.

A run adds each due note as a message flagged ``\\Draft`` and marked with the tool's header
(:mod:`.marker`). It removes only messages it made, that the user has not changed, by UID,
with ``UID EXPUNGE`` (UIDPLUS, RFC 4315): a plain EXPUNGE would also remove every message the
user had marked deleted. On a server without UIDPLUS nothing is removed; the old draft stays
beside the new one, and the result says so.

The work is split in two so that it can be one transaction with the workbook: :meth:`add`
before the workbook is saved (and :meth:`undo` if saving fails), :meth:`tidy` after.
"""

from __future__ import annotations

import datetime as dt
import email.message
import email.parser
import email.policy
import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sheet_followup.drafts import PlannedDraft, note_message
from sheet_followup.errors import MailboxError
from sheet_followup.mail.headers import addresses, decoded, subject_key
from sheet_followup.mail.marker import HEADER, Marker, digest, parse_marker
from sheet_followup.models import contact_key

if TYPE_CHECKING:
    from imapclient import IMAPClient

DRAFT_FLAG = b"\\Draft"
DELETED_FLAG = b"\\Deleted"
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]", re.IGNORECASE)
_HEADERS = [f"BODY.PEEK[HEADER.FIELDS ({HEADER.upper()} TO SUBJECT)]"]
_FETCH = [*_HEADERS, "BODY.PEEK[TEXT]"]
MAX_DRAFTS = 5000


@dataclass(frozen=True)
class BoxDraft:
    """A message in Drafts with the tool's header."""

    uid: int
    marker: Marker
    unchanged: bool  # its recipient, subject and text are as the tool made them

    @property
    def key(self) -> tuple[str, str]:
        return contact_key(self.marker.company, self.marker.contact)


@dataclass
class DraftsOutcome:
    """What a run did in Drafts, by contact name, for the summary."""

    folder: str
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # the same note was there, untouched
    kept_edited: list[str] = field(default_factory=list)  # the user changed it: theirs now
    replaced: list[str] = field(default_factory=list)  # the tool's older drafts, now new ones
    removed: list[str] = field(default_factory=list)  # the tool's own for people not due now
    left: list[str] = field(default_factory=list)  # to remove, but the server has no UIDPLUS


def mailbox_message(draft: PlannedDraft, tracker: str, day: dt.date) -> tuple[Marker, bytes]:
    """The note as the ``.eml`` draft has it, without X-Unsent, with a Date, a Message-ID and
    the tool's header (its digest taken over the message as it will be stored)."""
    built = note_message(draft.note, draft.settings, unsent=False)
    head, _, text = built.partition(b"\r\n\r\n")
    fields = _header_fields(head + b"\r\n\r\n")
    to, subject = str(fields.get("To", "")), str(fields.get("Subject", ""))
    contact = draft.followup.contact
    marker = Marker(
        tracker,
        day,
        draft.followup.kind.value,
        contact.company,
        contact.contact,
        digest(to, subject, text),
    )
    lines = [
        f"{HEADER}: {_folded(marker.header_value())}",
        f"Date: {email.utils.formatdate(localtime=True)}",
        f"Message-ID: {email.utils.make_msgid(domain='sheet-followup.invalid')}",
    ]
    return marker, "\r\n".join(lines).encode("ascii") + b"\r\n" + built


def _folded(value: str) -> str:
    """A long header value folded at its "; " separators, each line well under 998 bytes."""
    lines, current = [], ""
    for part in value.split("; "):
        if current and len(current) + len(part) > 70:
            lines.append(current + ";")
            current = part
        else:
            current = f"{current}; {part}" if current else part
    lines.append(current)
    # A part longer than a line (a very long name) is cut into pieces: percent-encoding has no
    # spaces, and the reader joins the pieces back after unfolding.
    out = []
    for line in lines:
        out += [line[i : i + 900] for i in range(0, len(line), 900)] or [""]
    return "\r\n ".join(out)


class DraftsBox:
    """The Drafts folder of one account, for one tracker's notes."""

    def __init__(self, client: IMAPClient, folder: str, tracker: str) -> None:
        self.client = client
        self.folder = folder
        self.tracker = tracker
        self.uidplus = b"UIDPLUS" in {bytes(c).upper() for c in client.capabilities()}
        self.outcome = DraftsOutcome(folder)
        self._added: list[int] = []
        self._appended = 0  # messages this run put in, whether their UIDs are known or not
        self._to_remove: list[BoxDraft] = []
        self._stale: set[int] = set()  # UIDs among them of people no longer due
        self._preview = False  # a dry run: read only, the outcome as if the run had done it

    def read_folder(self) -> tuple[list[BoxDraft], set[tuple[str, str]]]:
        """The folder as the run finds it: this tracker's drafts, each read to tell whether
        the user changed it, and (address, subject) of every other draft (the user's own,
        and the tool's that a mail program saved again without its header: a note already
        there that way is not added a second time). A message marked deleted is left alone.

        Only ``NOT DELETED`` is asked of the server's search, which every server does alike
        (a HEADER search is not); the headers are told apart here. A Drafts folder holds tens
        of messages, so its newest ``MAX_DRAFTS`` are plenty."""
        self.client.select_folder(self.folder, readonly=self._preview)
        uids = sorted(self.client.search(["NOT", "DELETED"]))[-MAX_DRAFTS:]
        ours: list[tuple[int, Marker]] = []
        others: set[tuple[str, str]] = set()
        for start in range(0, len(uids), 200):
            batch = uids[start : start + 200]
            for uid, data in self.client.fetch(batch, _HEADERS).items():
                head, _ = _parts(data)
                fields = _header_fields(head)
                marker = parse_marker(str(fields.get(HEADER, "")))
                if marker is None:
                    subject = subject_key(decoded(fields.get("Subject")))
                    for address in addresses(fields.get_all("To", [])):
                        others.add((address, subject))
                elif marker.tracker == self.tracker:
                    ours.append((uid, marker))
        found = []
        for start in range(0, len(ours), 100):
            batch = ours[start : start + 100]
            fetched = self.client.fetch([uid for uid, _ in batch], _FETCH)
            for uid, marker in batch:
                data = fetched.get(uid)
                if data is None:
                    continue  # removed meanwhile
                head, text = _parts(data)
                fields = _header_fields(head)
                to, subject = str(fields.get("To", "")), str(fields.get("Subject", ""))
                unchanged = bool(marker.digest) and digest(to, subject, text) == marker.digest
                found.append(BoxDraft(uid, marker, unchanged))
        return found, others

    def add(self, planned: Sequence[PlannedDraft], day: dt.date) -> None:
        """Add each due note, unless the same note is there already or the user edited the
        tool's draft of it; remember the tool's older drafts to remove in :meth:`tidy`."""
        from imapclient.exceptions import IMAPClientError

        try:
            existing, others = self.read_folder()
            by_key: dict[tuple[str, str], list[BoxDraft]] = {}
            for box_draft in existing:
                by_key.setdefault(box_draft.key, []).append(box_draft)
            due = set()
            for draft in planned:
                contact = draft.followup.contact
                due.add(contact.key)
                marker, message = mailbox_message(draft, self.tracker, day)
                theirs = by_key.get(contact.key, [])
                address = contact.email.strip().lower()
                if any(not d.unchanged for d in theirs) or (
                    (address, subject_key(draft.note.subject)) in others
                ):
                    self.outcome.kept_edited.append(contact.contact)
                    continue
                same = [d for d in theirs if d.marker == marker]
                if same:
                    self.outcome.already.append(contact.contact)
                    self._to_remove += [d for d in theirs if d not in same[:1]]
                    continue
                self._append(message)
                self.outcome.added.append(contact.contact)
                self._to_remove += theirs
            # The tool's untouched drafts for people no longer due (they replied, or the
            # note went out from elsewhere) would only be sent by mistake.
            stale = [d for d in existing if d.key not in due and d.unchanged]
            self._stale.update(d.uid for d in stale)
            self._to_remove += stale
        except (OSError, IMAPClientError) as error:
            self.undo()
            reason = f"could not add the drafts to {self.folder} ({error})"
            raise MailboxError(reason) from error

    def preview(self, planned: Sequence[PlannedDraft], day: dt.date) -> None:
        """What :meth:`add` and :meth:`tidy` would do, in the outcome, with nothing changed:
        the folder is opened read-only and nothing is appended or removed (a dry run)."""
        self._preview = True
        self.add(planned, day)
        self._sort_out(self._unique_to_remove())
        self._to_remove = []

    def _unique_to_remove(self) -> list[BoxDraft]:
        return list({d.uid: d for d in self._to_remove}.values())

    def _sort_out(self, gone: Sequence[BoxDraft]) -> None:
        for box_draft in gone:
            into = self.outcome.removed if box_draft.uid in self._stale else self.outcome.replaced
            into.append(box_draft.marker.contact)

    def _append(self, message: bytes) -> None:
        if self._preview:
            return
        response = self.client.append(self.folder, message, flags=[DRAFT_FLAG])
        self._appended += 1
        found = _APPENDUID.search(response if isinstance(response, bytes) else b"")
        if found:
            self._added.append(int(found.group(1)))

    def undo(self) -> str:
        """Take out what :meth:`add` put in (the run failed): by UID, and only with UIDPLUS.
        "" when the folder is as it was; else what is left there, for the run's message."""
        left = self._appended
        if self._added and self.uidplus and len(self._added) == self._appended:
            try:
                self._remove(self._added)
                left = 0
            except Exception:
                pass
        self._added, self._appended = [], 0
        if not left:
            return ""
        return (
            f"the {left} new draft{'s' if left != 1 else ''} this run put in {self.folder} "
            "could not be taken out again (the server cannot remove one message safely); "
            "delete them in your mail program"
        )

    def tidy(self) -> None:
        """Remove the tool's replaced and stale drafts, by UID; without UIDPLUS, keep them."""
        from imapclient.exceptions import IMAPClientError

        self._to_remove = self._unique_to_remove()
        names = [d.marker.contact for d in self._to_remove]
        if not self._to_remove:
            return
        if not self.uidplus:
            self.outcome.left += names
            return
        try:
            self._remove([d.uid for d in self._to_remove])
        except (OSError, IMAPClientError) as error:
            self.outcome.left += names
            message = (
                f"the new drafts are in {self.folder}, but the old ones could not be removed "
                f"({error}); run again to tidy them"
            )
            raise MailboxError(message) from error
        self._sort_out(self._to_remove)

    def _remove(self, uids: Sequence[int]) -> None:
        self.client.select_folder(self.folder)
        self.client.add_flags(uids, [DELETED_FLAG], silent=True)
        self.client.uid_expunge(uids)  # these UIDs only; never a plain EXPUNGE


def _header_fields(head: bytes) -> email.message.Message:
    return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)


def _parts(data: dict[bytes, Any]) -> tuple[bytes, bytes]:
    head = text = b""
    for key, value in data.items():
        if not isinstance(key, bytes) or not isinstance(value, bytes):
            continue
        if key.startswith(b"BODY[HEADER"):
            head = value
        elif key.startswith(b"BODY[TEXT"):
            text = value
    return head, text
