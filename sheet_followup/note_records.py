"""What the tool remembers of each note it wrote, in ``.sheet-followup-notes.json``.

A draft is edited before it is sent, so its file no longer says what the tool made of it.
Each day's folder keeps, per note, whose it is, its kind, its gift and a short hash of each
paragraph: `sent`, and a run that finds a Last contact typed by hand, read the draft back
against it and log the note that really went out, gift and all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

NOTES = ".sheet-followup-notes.json"


@dataclass(frozen=True, slots=True)
class NoteRecord:
    """A note as the tool wrote it: who it is for, what it is, what gift it carried.

    ``paragraphs`` are short hashes of the body's paragraphs and ``gift_at`` the place of the
    gift's (or its placeholder's) among them, so that a draft the user rewrote can be read
    back: a gift paragraph that is no longer there was replaced, or taken out.
    """

    row: int
    slot: int
    company: str
    contact: str
    kind: str
    gift: str = ""
    gift_row: int | None = None
    idea: str = ""
    paragraphs: tuple[str, ...] = ()
    gift_at: int = -1
    formats: tuple[str, ...] = ()
    subject: str = ""  # as rendered: a message in the Sent folder is matched to its note by it

    def as_json(self) -> dict[str, object]:
        # Field by field: dataclasses.asdict deep-copies, a third of a big run's commit.
        values = {name: getattr(self, name) for name in _RECORD_FIELDS}
        return {k: v for k, v in values.items() if v not in ("", None, ())}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> NoteRecord | None:
        """The record a notes file holds; None for one that is damaged."""
        try:
            gift_row = data.get("gift_row")
            return cls(
                row=_number(data["row"]),
                slot=_number(data.get("slot", 0)),
                company=str(data.get("company", "")),
                contact=str(data.get("contact", "")),
                kind=str(data["kind"]),
                gift=str(data.get("gift", "")),
                gift_row=None if gift_row is None else _number(gift_row),
                idea=str(data.get("idea", "")),
                paragraphs=_strings(data.get("paragraphs", ())),
                gift_at=_number(data.get("gift_at", -1)),
                formats=_strings(data.get("formats", ())),
                subject=str(data.get("subject", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None


_RECORD_FIELDS = tuple(field.name for field in dataclasses.fields(NoteRecord))


def _number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(value)
    return int(value)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(value)
    return tuple(str(item) for item in value)


def paragraphs_of(body: str) -> list[str]:
    """A note's paragraphs, as the gift and the edits are told apart by them."""
    text = body.replace("\r\n", "\n")
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def paragraph_hash(paragraph: str) -> str:
    return hashlib.sha256(" ".join(paragraph.split()).encode()).hexdigest()[:12]


def read_records(folder: Path) -> dict[str, NoteRecord]:
    """File stem -> what the tool remembers of the note; {} for a folder without any."""
    try:
        loaded = json.loads((folder / NOTES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    notes = loaded.get("notes") if isinstance(loaded, dict) else None
    if not isinstance(notes, dict):
        return {}
    records = {}
    for stem, data in notes.items():
        if isinstance(data, dict) and (record := NoteRecord.from_json(data)) is not None:
            records[str(stem)] = record
    return records
