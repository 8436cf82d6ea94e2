"""Which of the account's folders are its Drafts and Sent, whatever the provider calls them.

RFC 6154 lets a server say so with a special-use flag (``\\Drafts``, ``\\Sent``); most do.
Where one does not, the usual names are tried, in any hierarchy: ``Drafts``, ``INBOX.Drafts``,
Gmail's ``[Gmail]/Drafts``, ``Sent Items`` (Outlook, Exchange), ``Sent Messages`` (Apple),
``[Gmail]/Sent Mail``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sheet_followup.errors import MailboxError

if TYPE_CHECKING:
    from imapclient import IMAPClient

INBOX = "INBOX"
_NAMES = {
    "drafts": ("drafts", "draft"),
    "sent": ("sent", "sent items", "sent messages", "sent mail", "sent-mail"),
}
_FLAGS = {"drafts": b"\\Drafts", "sent": b"\\Sent"}


@dataclass(frozen=True)
class Folder:
    name: str
    special_use: bool  # found by its flag, not guessed from its name

    @property
    def shown(self) -> str:
        how = "special-use flag" if self.special_use else "its name"
        return f"{self.name} (found by {how})"


@dataclass(frozen=True)
class Folders:
    drafts: Folder | None
    sent: Folder | None
    inbox: Folder


def find_folders(client: IMAPClient) -> Folders:
    """The account's Drafts, Sent and Inbox folders (None for one it has not got)."""
    from imapclient.exceptions import IMAPClientError

    try:
        listed = client.list_folders()
    except (OSError, IMAPClientError) as error:
        message = f"could not list the mail folders ({error}); the mailbox was not read"
        raise MailboxError(message) from error
    folders: list[tuple[set[bytes], str]] = []
    delimiters: dict[str, str] = {}
    for flags, delimiter, name in listed:
        if isinstance(name, bytes):
            name = name.decode("utf-8", errors="replace")
        folders.append(({bytes(f) for f in flags}, str(name)))
        if delimiter:
            delimiters[str(name)] = (
                delimiter.decode() if isinstance(delimiter, bytes) else delimiter
            )
    inbox = next((name for _, name in folders if name.upper() == INBOX), INBOX)
    return Folders(
        _special(folders, delimiters, "drafts"),
        _special(folders, delimiters, "sent"),
        Folder(inbox, special_use=False),
    )


def _special(
    folders: list[tuple[set[bytes], str]], delimiters: dict[str, str], role: str
) -> Folder | None:
    for flags, name in folders:
        if _FLAGS[role] in flags and b"\\Noselect" not in flags:
            return Folder(name, special_use=True)
    named = []
    for flags, name in folders:
        if b"\\Noselect" in flags or b"\\NonExistent" in flags:
            continue
        delimiter = delimiters.get(name, "")
        leaf = name.rsplit(delimiter, 1)[-1] if delimiter else name
        if leaf.strip().casefold() in _NAMES[role]:
            named.append(name)
    if not named:
        return None
    # The top-level one when there are several ("Sent" before "Archive/Sent"), by the order
    # of the usual names ("Sent" before "Sent Messages"), then by name.
    best = min(
        named,
        key=lambda n: (n.count(delimiters.get(n, "\0") or "\0"), _rank(n, delimiters, role), n),
    )
    return Folder(best, special_use=False)


def _rank(name: str, delimiters: dict[str, str], role: str) -> int:
    delimiter = delimiters.get(name, "")
    leaf = (name.rsplit(delimiter, 1)[-1] if delimiter else name).strip().casefold()
    return _NAMES[role].index(leaf)
