"""The header that makes a draft in the mailbox recognisably the tool's, and unchanged.

``X-Sheet-Followup: v=1; tracker=...; day=2026-11-23; kind=follow_up; company=Acme%20Corp;
contact=Jane%20Doe; digest=...``. Values are percent-encoded, so no cell can add a header or
break this one. The digest covers what the user would change, the recipient, the subject and
the text, so a rerun can tell the tool's untouched draft (replaced) from one the user edited in
the mail program (kept). A message without the header is the user's and is never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse
from dataclasses import dataclass

HEADER = "X-Sheet-Followup"
_VERSION = "1"


@dataclass(frozen=True)
class Marker:
    """Whose note a message is, what kind, which day, for which tracker, and its digest."""

    tracker: str
    day: dt.date
    kind: str
    company: str
    contact: str
    digest: str = ""

    def header_value(self) -> str:
        fields = {
            "v": _VERSION,
            "tracker": self.tracker,
            "day": self.day.isoformat(),
            "kind": self.kind,
            "company": self.company,
            "contact": self.contact,
            "digest": self.digest,
        }
        return "; ".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in fields.items())


def parse_marker(value: str) -> Marker | None:
    """The marker a header holds; None for anything else (another tool's, or damaged)."""
    fields: dict[str, str] = {}
    # Percent-encoded values hold no whitespace, so any there is folding: a long value is
    # folded inside a name, and unfolding leaves a space there.
    for part in "".join(value.split()).split(";"):
        key, equals, text = part.strip().partition("=")
        if equals:
            fields[key.strip().lower()] = urllib.parse.unquote(text.strip())
    if fields.get("v") != _VERSION:
        return None
    try:
        day = dt.date.fromisoformat(fields["day"])
        return Marker(
            fields["tracker"],
            day,
            fields["kind"],
            fields["company"],
            fields["contact"],
            fields.get("digest", ""),
        )
    except (KeyError, ValueError):
        return None


def digest(to: str, subject: str, text: bytes) -> str:
    """What the user could edit, hashed: the To and Subject headers as raw text (unfolded)
    and the body's bytes exactly as stored."""
    hasher = hashlib.sha256()
    for part in (" ".join(to.split()), " ".join(subject.split())):
        hasher.update(part.encode("utf-8", errors="surrogateescape") + b"\0")
    hasher.update(text.replace(b"\r\n", b"\n").rstrip(b"\n"))
    return hasher.hexdigest()[:24]
