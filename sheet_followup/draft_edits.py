"""The draft the user edited is the truth: reading a draft file back, and carrying an edit to the
note's other formats.

A note can be written as Markdown, plain text, an email and a web page, and a user edits
whichever they open. The next run reads each format the user changed back into a note (its
subject, who it is for, its text); when they all say the same, every other format, the web
page's mail button and ``index.html``'s ``mailto:`` link are made from it, so clicking "send"
sends what the user wrote. Two formats edited differently are both kept, and named.

Reading back also tells `sent` what went out: the gift that is in the draft now, which is not
always the one the tool put there.
"""

from __future__ import annotations

import dataclasses
import html.parser
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.draft_store import file_digest, read_manifest
from sheet_followup.drafts import PLACEHOLDER_PREFIX, Note, PlannedDraft
from sheet_followup.formats import md_plain
from sheet_followup.models import FollowUp
from sheet_followup.note_records import NoteRecord, paragraph_hash, paragraphs_of, read_records


@dataclass(frozen=True)
class ReadNote:
    """What a draft file says: its text, and the subject and recipient when it names them."""

    body: str
    subject: str | None = None
    to: str | None = None


def read_note(path: Path, fmt: str) -> ReadNote:
    """A draft file read back, whatever the user did to it; an unreadable one is its text."""
    data = path.read_bytes()
    if fmt == "eml":
        return _read_email(data)
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    if fmt == "html":
        return _read_page(text)
    if fmt == "md":
        read = _read_headed(text, "- **to:**", "- **subject:**", separator="\n---\n")
        return ReadNote(
            md_plain(read.body),
            None if read.subject is None else md_plain(read.subject),
            None if read.to is None else md_plain(read.to),
        )
    return _read_headed(text, "to:", "subject:", separator="\n\n")


def _read_headed(text: str, to_label: str, subject_label: str, *, separator: str) -> ReadNote:
    head, found, body = text.partition(separator)
    if not found:
        return ReadNote(_tidy(text))
    to = subject = None
    for line in head.split("\n"):
        folded = line.strip().casefold()
        if folded.startswith(to_label):
            to = line.strip()[len(to_label) :].strip()
        elif folded.startswith(subject_label):
            subject = line.strip()[len(subject_label) :].strip()
    if to is None and subject is None:
        return ReadNote(_tidy(text))
    return ReadNote(_tidy(body), subject, to)


def _read_email(data: bytes) -> ReadNote:
    import email
    import email.policy
    from email.message import EmailMessage

    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if part is not None:
        content = part.get_content()
        body = _read_page(content).body if part.get_content_subtype() == "html" else content
    # The word joiner that as_email puts into "=?" (see formats.header_text) is taken out again.
    subject = str(message.get("Subject") or "").replace("=\u2060?", "=?")
    to = str(message.get("To") or "").replace("=\u2060?", "=?")
    return ReadNote(_tidy(str(body)), subject or None, to or None)


def _read_page(text: str) -> ReadNote:
    reader = _PageReader()
    reader.feed(text)
    reader.close()
    meta = "\n".join(reader.meta)
    to = subject = None
    for line in meta.split("\n"):
        if line.strip().casefold().startswith("to:"):
            to = line.split(":", 1)[1].strip()
        elif line.strip().casefold().startswith("subject:"):
            subject = line.split(":", 1)[1].strip()
    paragraphs = reader.after_rule if reader.ruled else reader.paragraphs
    return ReadNote(_tidy("\n\n".join(p.strip("\n") for p in paragraphs if p.strip())), subject, to)


class _PageReader(html.parser.HTMLParser):
    """The paragraphs of a draft page: the meta line, and the note after the rule."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[str] = []
        self.paragraphs: list[str] = []
        self.after_rule: list[str] = []
        self.ruled = False
        self.current: list[str] | None = None
        self.in_meta = False
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title"):
            self.skip += 1
        elif tag == "hr":
            self._end()
            self.ruled = True
        elif tag in ("p", "div", "li", "h1", "h2", "h3"):
            self._end()
            self.in_meta = ("class", "meta") in attrs
            self.current = []
        elif tag == "br" and self.current is not None:
            self.current.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("p", "div", "li", "h1", "h2", "h3"):
            self._end()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.current is None:
            if data.strip():
                self.current = [data]
            return
        self.current.append(data)

    def _end(self) -> None:
        if self.current is None:
            return
        text = "".join(self.current)
        self.current = None
        if self.in_meta:
            self.meta.append(text)
            self.in_meta = False
        elif self.ruled:
            self.after_rule.append(text)
        else:
            self.paragraphs.append(text)


def _tidy(body: str) -> str:
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text else ""


def _user_note(tool: Note, read: ReadNote) -> Note:
    """The note as the user has it: their text, and their subject and recipient if given."""
    name, address = tool.name, tool.email
    if read.to is not None:
        import email.utils  # only for an edited draft: the email package is slow to import

        parsed_name, parsed_address = email.utils.parseaddr(read.to)
        if "@" in parsed_address:
            name, address = parsed_name or name, parsed_address
    return Note(read.subject or tool.subject, read.body or tool.body, name, address)


def carry_edits(planned: Sequence[PlannedDraft], folder: Path) -> list[PlannedDraft]:
    """Each draft as the user has it: their edited note for every format, or the tool's.

    A format whose file differs from what the tool wrote there is the user's. When the user's
    formats all say the same, the note is theirs and the other formats are made from it; when
    they differ, each is kept as it is and the draft names them (``conflict``).
    """
    if not planned or not folder.is_dir():
        return list(planned)
    manifest = read_manifest(folder)
    records = read_records(folder)
    carried: list[PlannedDraft] = []
    for draft in planned:
        edited = []
        for path, fmt in zip(draft.paths, draft.formats, strict=True):
            if path.is_symlink():
                continue  # not the user's edit but a link to anything: never read into a note
            digest = file_digest(path)
            if digest is not None and digest != manifest.get(path.name):
                edited.append((fmt, read_note(path, fmt)))
        if not edited:
            carried.append(draft)
            continue
        # The note the user's draft grew from is the one the tool wrote before, not today's.
        record = records.get(draft.path.stem, draft.record)
        notes = {fmt: _user_note(draft.note, read) for fmt, read in edited}
        distinct = {(n.subject, n.body, n.email) for n in notes.values()}
        formats = tuple(notes)
        note = next(iter(notes.values()))
        followup = draft.followup
        if followup.needs_gift and all(PLACEHOLDER_PREFIX not in n.body for n in notes.values()):
            # The user filled in the gift placeholder: the status stops asking for one.
            draft = dataclasses.replace(draft, followup=_gift_given(followup))
        if len(distinct) > 1:
            carried.append(dataclasses.replace(draft, note=note, record=record, conflict=formats))
        elif len(draft.formats) > 1:
            carried.append(dataclasses.replace(draft, note=note, record=record, carried=formats))
        else:  # one format only: the user's edit is simply kept
            carried.append(dataclasses.replace(draft, note=note, record=record))
    return carried


def _gift_given(followup: FollowUp) -> FollowUp:
    return dataclasses.replace(followup, needs_gift=False)


def gift_sent(record: NoteRecord, body: str) -> tuple[str, bool]:
    """The gift a note carries as it is now, and whether it is still the tool's.

    The gift's paragraph, unchanged, means the tool's gift went out. Otherwise the user wrote
    something else where it stood (their own gift, or a placeholder filled in), logged as it
    now reads, or took it out: no gift.
    """
    now = paragraphs_of(body)
    hashes = [paragraph_hash(p) for p in now]
    if record.gift_at < 0 or record.gift_at >= len(record.paragraphs):
        return record.gift, bool(record.gift)
    if record.paragraphs[record.gift_at] in hashes:
        gift = record.gift
        return gift, bool(gift)
    known = set(record.paragraphs)
    new = [p for p, h in zip(now, hashes, strict=True) if h not in known]
    new = [p for p in new if PLACEHOLDER_PREFIX not in p]
    if not new:
        return "", False
    # The new paragraph nearest to where the gift stood.
    position = {h: i for i, h in enumerate(hashes)}
    nearest = min(new, key=lambda p: abs(position[paragraph_hash(p)] - record.gift_at))
    return nearest[:300], False
