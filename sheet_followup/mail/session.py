"""One run's use of the mailbox: sign in, read Sent and the Inbox, put the drafts in.

The mailbox is an extra: whatever goes wrong with it, the run still decides every row and
writes the workbook and the local drafts as a run without a mailbox would, and its result says
what was not done and why (the command line exits 3). What the run reads changes nothing in
the mailbox: folders are opened read-only and messages fetched without marking them read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sheet_followup.errors import MailboxError
from sheet_followup.logbook import DraftIndex
from sheet_followup.mail.account import Account, account_from_settings, connect, login
from sheet_followup.mail.account import close_quietly as _close
from sheet_followup.mail.drafts_box import DraftsBox, DraftsOutcome
from sheet_followup.mail.folders import Folders, find_folders
from sheet_followup.mail.headers import Seen, read_folder, read_texts
from sheet_followup.mail.options import Ask
from sheet_followup.mail.password import find_password
from sheet_followup.mail.sightings import (
    MailNote,
    as_reply,
    mail_contacts,
    mail_since,
    notes_sent,
    waiting_replies,
)
from sheet_followup.models import Contact, LogEntry, Reply

if TYPE_CHECKING:
    from imapclient import IMAPClient

    from sheet_followup.settings import Settings


@dataclass
class MailboxReport:
    """What a run did with the mailbox, for the summary and ``--json``."""

    account: str
    folders: Folders | None = None
    recorded: list[MailNote] = field(default_factory=list)
    replies: dict[tuple[int, int], Reply] = field(default_factory=dict)
    drafts: DraftsOutcome | None = None
    problem: str = ""  # why the mailbox was not (fully) read or updated; "" when it was
    password_origin: str = ""  # "environment", "keyring" or "prompt", once signed in


@dataclass(frozen=True)
class MailRead:
    """What Sent and the Inbox told: notes to record, and replies waiting for an answer."""

    recorded: list[MailNote]
    replies: dict[tuple[int, int], Reply]


class MailboxSession:
    """A signed-in connection for one run, closed by :meth:`close` whatever happened."""

    def __init__(self, account: Account, client: IMAPClient, origin: str) -> None:
        self.account = account
        self.client = client
        self.origin = origin
        self.folders = find_folders(client)

    @classmethod
    def open(cls, settings: Settings, ask: Ask | None) -> MailboxSession:
        account = account_from_settings(settings)
        password = find_password(account.user, ask)
        client = connect(account)
        try:
            login(client, account, password.value)
            return cls(account, client, password.origin)
        except MailboxError as error:
            _close(client)
            if password.origin == "prompt":
                raise
            # Say where the wrong password came from: a stale keyring entry is the usual cause.
            message = (
                f"{error} (the password came from the {password.origin}{_forget(password.origin)})"
            )
            raise MailboxError(message) from error
        except BaseException:
            _close(client)
            raise

    def read(
        self,
        contacts: Sequence[Contact],
        history: Mapping[tuple[str, str], Sequence[LogEntry]],
        drafts: DraftIndex,
        base: Path,
        today: dt.date,
    ) -> MailRead:
        """Sent and the Inbox, read for the contacts' addresses since their last notes."""
        by_address = mail_contacts(contacts)
        since = mail_since(by_address, history, today)
        if since is None:
            return MailRead([], {})

        def to_contact(seen: Seen) -> bool:
            return any(address in by_address for address in seen.recipients)

        def from_contact(seen: Seen) -> bool:
            return seen.sender in by_address

        sent_folder = self.folders.sent
        addresses = sorted(by_address)
        sent = (
            read_folder(
                self.client,
                sent_folder.name,
                since,
                to_contact,
                fields=("TO", "CC"),
                addresses=addresses,
            )
            if sent_folder
            else []
        )
        inbox = read_folder(
            self.client,
            self.folders.inbox.name,
            since,
            from_contact,
            fields=("FROM",),
            addresses=addresses,
        )
        recorded = notes_sent(by_address, history, sent, drafts, base, today)
        seen_history = _with(history, recorded)
        waiting = waiting_replies(by_address, seen_history, sent, inbox, today)
        texts = {
            m.uid: m
            for m in read_texts(self.client, self.folders.inbox.name, list(waiting.values()))
        }
        replies = {ident: as_reply(texts.get(m.uid, m)) for ident, m in waiting.items()}
        return MailRead(recorded, replies)

    def drafts_box(self, tracker: str) -> DraftsBox:
        if self.folders.drafts is None:
            message = (
                "the account has no Drafts folder (none is flagged \\Drafts, and none is "
                "named Drafts); create one in your mail program and run again"
            )
            raise MailboxError(message)
        return DraftsBox(self.client, self.folders.drafts.name, tracker)

    def close(self) -> None:
        _close(self.client)


def _forget(origin: str) -> str:
    if origin == "keyring":
        return "; `sheet-followup mailbox TRACKER --forget` removes it"
    return ""


def _with(
    history: Mapping[tuple[str, str], Sequence[LogEntry]], recorded: Sequence[MailNote]
) -> dict[tuple[str, str], list[LogEntry]]:
    merged = {key: list(entries) for key, entries in history.items()}
    for note in recorded:
        merged.setdefault(note.line.entry.key, []).append(note.line.entry)
    return merged


@dataclass(frozen=True)
class MailboxCheck:
    """What `sheet-followup mailbox` found: the account, its folders, how it signs in."""

    account: Account
    folders: Folders
    password_origin: str
    uidplus: bool


def check_mailbox(settings: Settings, ask: Ask | None) -> MailboxCheck:
    """Sign in and find the folders, changing nothing: what ``mailbox TRACKER`` reports."""
    session = MailboxSession.open(settings, ask)
    try:
        capabilities = {bytes(c).upper() for c in session.client.capabilities()}
        return MailboxCheck(
            session.account, session.folders, session.origin, b"UIDPLUS" in capabilities
        )
    finally:
        session.close()
