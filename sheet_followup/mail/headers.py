"""What a run reads of the user's mail: a few headers, and a few kilobytes of a reply's text.

Messages are fetched with ``BODY.PEEK`` in folders selected read-only, so nothing is marked
read. Only messages dated inside the run's window are searched (``SENTSINCE``), headers come
in batches, and only those to or from a contact's address are kept, so a mailbox of any size
costs a bounded amount of memory. Subjects and addresses are someone else's text: they come out
as one line with no control character in it, cut to a length a cell and a terminal can show.
"""

from __future__ import annotations

import datetime as dt
import email.header
import email.utils
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sheet_followup.controls import without_controls
from sheet_followup.errors import MailboxError
from sheet_followup.mail.marker import HEADER, Marker, parse_marker

if TYPE_CHECKING:
    from imapclient import IMAPClient

BATCH = 200  # messages per FETCH: a few hundred kilobytes of headers at most
MAX_MESSAGES = 20_000  # the newest this many of a folder's window; older ones are not read
TEXT_BYTES = 4096  # of a reply's text, to see whether it reads like a rejection
SUBJECT_CHARACTERS = 120
_FIELDS = (
    "FROM",
    "TO",
    "CC",
    "DATE",
    "SUBJECT",
    "AUTO-SUBMITTED",
    HEADER.upper(),
)
_HEADERS_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(_FIELDS)})]"


@dataclass(frozen=True, slots=True)
class Seen:
    """One message, as much of it as the run needs."""

    folder: str
    uid: int
    when: dt.datetime  # timezone-aware
    sender: str  # the From address, lower case ("" when it has none)
    recipients: tuple[str, ...]  # To and Cc addresses, lower case
    subject: str  # one line, safe to show
    marker: Marker | None = None
    text: str = ""  # the first few kilobytes of a reply's text (not read for Sent)
    automatic: bool = False  # Auto-Submitted: an out-of-office answer or a bounce

    @property
    def day(self) -> dt.date:
        """The day it was sent, on this computer's calendar."""
        return self.when.astimezone().date()


def subject_key(subject: str) -> str:
    """A subject as two messages' are compared: cut as :func:`safe_text` cuts a read one,
    ignoring case and spacing, so a long subject read back still matches the one written."""
    return safe_text(subject).casefold()


def safe_text(text: str, limit: int = SUBJECT_CHARACTERS) -> str:
    """Someone else's header text as one short line: no line break, no control character."""
    line = " ".join(without_controls(text, " ").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# Up to this many addresses, the server is asked for their messages alone (a search that ORs
# them); past it, the window's messages are all fetched and sorted out here.
SEARCH_ADDRESSES = 60


def read_folder(
    client: IMAPClient,
    folder: str,
    since: dt.date,
    keep: Callable[[Seen], bool],
    *,
    fields: Sequence[str] = (),
    addresses: Sequence[str] = (),
) -> list[Seen]:
    """The messages of ``folder`` dated from ``since`` on that ``keep`` wants, oldest first.

    With ``fields`` (``("TO", "CC")``, ``("FROM",)``) and a few ``addresses``, the server
    searches for them, so a mailbox of years of mail sends only the messages that can matter;
    ``keep`` still decides (a server's search matches parts of addresses too).
    """
    from imapclient.exceptions import IMAPClientError

    criteria: list[object] = ["SENTSINCE", since - dt.timedelta(days=1)]
    # ASCII only: a search with other characters needs CHARSET UTF-8, which not every server
    # takes; a tracker with such an address is searched by the window alone.
    if (
        fields
        and addresses
        and len(addresses) <= SEARCH_ADDRESSES
        and all(address.isascii() for address in addresses)
    ):
        criteria += any_of([(field, address) for address in addresses for field in fields])
    try:
        client.select_folder(folder, readonly=True)
        uids = sorted(client.search(criteria))
        kept = [seen for seen in _headers(client, folder, uids[-MAX_MESSAGES:]) if keep(seen)]
    except (OSError, IMAPClientError) as error:
        message = f"could not read the folder {folder} ({error or type(error).__name__})"
        raise MailboxError(message) from error
    return sorted(kept, key=lambda seen: seen.when)


def any_of(keys: Sequence[tuple[str, str]]) -> list[object]:
    """IMAP's prefix OR over search keys: ``OR TO a OR CC a TO b``."""
    criteria: list[object] = []
    for field, value in keys[:-1]:
        criteria += ["OR", field, value]
    field, value = keys[-1]
    return [*criteria, field, value]


def _headers(client: IMAPClient, folder: str, uids: Sequence[int]) -> Iterator[Seen]:
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        fetched = client.fetch(batch, [_HEADERS_ITEM, "INTERNALDATE"])
        for uid in batch:
            data = fetched.get(uid)
            if data is None:
                continue  # removed meanwhile
            seen = parse_headers(folder, uid, _item(data, b"BODY["), data.get(b"INTERNALDATE"))
            if seen is not None:
                yield seen


def _item(data: dict[bytes, Any], prefix: bytes) -> bytes:
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(prefix) and isinstance(value, bytes):
            return value
    return b""


def parse_headers(folder: str, uid: int, raw: bytes, received: object = None) -> Seen | None:
    """A message's headers read leniently: a header that cannot be decoded is left out, a
    message with no usable date falls back to when the server received it."""
    import email.parser
    import email.policy

    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    except Exception:
        return None
    when = _date(headers.get("Date")) or _aware(received)
    if when is None:
        return None
    marker_value = decoded(headers.get(HEADER))
    return Seen(
        folder=folder,
        uid=uid,
        when=when,
        sender=next(iter(addresses(headers.get_all("From", []))), ""),
        recipients=tuple(addresses([*headers.get_all("To", []), *headers.get_all("Cc", [])])),
        subject=safe_text(decoded(headers.get("Subject"))),
        marker=parse_marker(marker_value) if marker_value else None,
        automatic=decoded(headers.get("Auto-Submitted")).strip().lower() not in ("", "no"),
    )


def addresses(values: Iterable[object]) -> list[str]:
    """The addresses in address headers, lower case, each once.

    Read from the header as written: an address is never an encoded word, but a display
    name can be one that decodes to "Evil, x@y", which would read as a second address."""
    texts = [str(value) for value in values if value is not None]
    found = []
    for _, address in email.utils.getaddresses(texts):
        address = address.strip().strip("<>").lower()
        if "@" in address and address not in found and address.isprintable():
            found.append(address)
    return found


def decoded(value: object) -> str:
    """A header's text with its encoded words (=?utf-8?q?...?=) decoded."""
    if value is None:
        return ""
    text = str(value)
    if "=?" not in text:
        return text
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except Exception:
        return text


def _date(value: object) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return _aware(when)


def _aware(when: object) -> dt.datetime | None:
    if not isinstance(when, dt.datetime):
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.timezone.utc)
    return when


def read_texts(client: IMAPClient, folder: str, seen: Sequence[Seen]) -> list[Seen]:
    """The messages with the first few kilobytes of their text: the plain part when there is
    one, else the HTML part without its tags. Nothing is marked read."""
    import dataclasses

    from imapclient.exceptions import IMAPClientError

    if not seen:
        return []
    try:
        client.select_folder(folder, readonly=True)
        structures = client.fetch([s.uid for s in seen], ["BODYSTRUCTURE"])
        out = []
        for message in seen:
            structure = structures.get(message.uid, {}).get(b"BODYSTRUCTURE")
            text = _first_text(client, message.uid, structure) if structure is not None else ""
            out.append(dataclasses.replace(message, text=text))
    except (OSError, IMAPClientError) as error:
        reason = f"could not read the folder {folder} ({error or type(error).__name__})"
        raise MailboxError(reason) from error
    return out


def _first_text(client: IMAPClient, uid: int, structure: Any) -> str:
    found = _text_part(structure, "")
    if found is None:
        return ""
    section, subtype, charset, encoding = found
    item = f"BODY.PEEK[{section}]<0.{TEXT_BYTES}>"
    data = client.fetch([uid], [item]).get(uid, {})
    raw = _item(data, b"BODY[")
    return readable_text(raw, subtype, charset, encoding)


def _text_part(structure: Any, path: str) -> tuple[str, str, str, str] | None:
    """(section, subtype, charset, transfer encoding) of the first text/plain part, else the
    first text/html one."""
    plain: list[tuple[str, str, str, str]] = []
    html: list[tuple[str, str, str, str]] = []
    _walk(structure, path, plain, html)
    found = plain or html
    return found[0] if found else None


def _walk(structure: Any, path: str, plain: list[Any], html: list[Any]) -> None:
    if getattr(structure, "is_multipart", False):
        for number, part in enumerate(structure[0], start=1):
            _walk(part, f"{path}.{number}" if path else str(number), plain, html)
        return
    try:
        kind, subtype = bytes(structure[0]).lower(), bytes(structure[1]).lower()
    except (TypeError, IndexError):
        return
    if kind != b"text" or subtype not in (b"plain", b"html"):
        return
    parameters = structure[2] if isinstance(structure[2], tuple) else ()
    values = dict(zip(parameters[::2], parameters[1::2], strict=False))
    charset = next(
        (bytes(v).decode() for k, v in values.items() if bytes(k).lower() == b"charset"), "utf-8"
    )
    encoding = bytes(structure[5] or b"7bit").decode().lower()
    found = (path or "1", subtype.decode(), charset, encoding)
    (plain if subtype == b"plain" else html).append(found)


def readable_text(raw: bytes, subtype: str, charset: str, encoding: str) -> str:
    """The start of a text part, decoded as far as it was fetched."""
    import base64
    import binascii
    import html
    import quopri
    import re

    if encoding == "base64":
        compact = b"".join(raw.split())
        try:
            raw = base64.b64decode(compact[: len(compact) // 4 * 4])
        except (binascii.Error, ValueError):
            raw = b""
    elif encoding == "quoted-printable":
        raw = quopri.decodestring(raw)
    try:
        text = raw.decode(charset, errors="replace")
    except LookupError:
        text = raw.decode("utf-8", errors="replace")
    if subtype == "html":
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return without_controls(text, " ")
