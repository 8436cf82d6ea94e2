"""The Log and the Gifts sheet: what went out, recorded once, whichever way the user tells it.

A note counts as sent when `sent` says so, or when the user types its day into Last contact by
hand (the next run notices). Either way the same Log line is appended and the gift marked as
given, so numbering and "never the same gift twice" hold however the user works. What went out
is read from the draft itself: its kind, and the gift that is in it now.

Every change goes through the same lossless writer as the rest of the tool, sheet by sheet,
and the file is swapped in once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.draft_edits import gift_sent, read_note
from sheet_followup.draft_store import day_folders, read_manifest
from sheet_followup.errors import SheetFollowupError, from_xlsx
from sheet_followup.fields import GIFT_FIELDS, LOG_FIELDS, LOG_HEADER
from sheet_followup.models import Contact, LogEntry, contact_key
from sheet_followup.note_records import NoteRecord, read_records
from sheet_followup.side_sheets import GIFTS_SHEET, LOG_SHEET, locate_small_sheet
from sheet_followup.workbook_file import Workbook
from sheet_followup.xlsx.edit import CellEdit, SkippedEdit, WorkbookEditor

# Widths (in characters) of the columns the tool adds, so that their text and dates show.
DATE_COLUMN_WIDTH = 14.0
LOG_WIDTHS = {
    "date": DATE_COLUMN_WIDTH,
    "company": 28.0,
    "contact": 24.0,
    "kind": 14.0,
    "gift": 60.0,
    "draft": 56.0,
    "idea": 40.0,
    "recorded": 14.0,
}
# How a Log line came to be: the `sent` command, or a Last contact the user typed.
RECORDED_BY_SENT = "sent"
RECORDED_BY_TYPING = "Last contact"
RECORDED_BY_MAIL = "Sent folder"  # a run with a mailbox found the message there
# A typed Last contact is matched to the tool's drafts of the weeks before it.
LOOK_BACK_DAYS = 120


@dataclass(frozen=True)
class Draft:
    """A note the tool wrote in some day's folder, found again through its records."""

    day: dt.date
    record: NoteRecord
    path: Path  # its first format's file

    def read(self) -> tuple[str, str, bool]:
        """What went out: (kind, gift as the draft has it now, whether it is the tool's)."""
        for fmt in self.record.formats or (self.path.suffix.lstrip("."),):
            candidate = self.path.with_suffix(f".{fmt}")
            if candidate.is_file() and not candidate.is_symlink():
                with contextlib.suppress(OSError, ValueError):
                    gift, given = gift_sent(self.record, read_note(candidate, fmt).body)
                    return self.record.kind, gift, given
        return self.record.kind, self.record.gift, bool(self.record.gift)


class DraftIndex:
    """The tool's drafts under a drafts root, by contact, newest first, read when asked."""

    def __init__(self, roots: Iterable[Path], until: dt.date) -> None:
        self.roots = tuple(roots)
        self.until = until
        self._by_contact: dict[tuple[str, str], list[Draft]] | None = None

    def _load(self) -> dict[tuple[str, str], list[Draft]]:
        if self._by_contact is not None:
            return self._by_contact
        found: dict[tuple[str, str], list[Draft]] = {}
        since = (self.until - dt.timedelta(days=LOOK_BACK_DAYS)).isoformat()
        for root in self.roots:
            for folder in day_folders(root, until=self.until.isoformat()):
                if folder.name < since:
                    break
                manifest = read_manifest(folder)
                for stem, record in read_records(folder).items():
                    names = [n for n in manifest if n.startswith(stem + ".")]
                    if not names:
                        continue
                    # The Markdown file when there is one: the format a person reads.
                    preferred = ("md", *record.formats)
                    first = folder / next(
                        (f"{stem}.{fmt}" for fmt in preferred if f"{stem}.{fmt}" in names),
                        names[0],
                    )
                    day = dt.date.fromisoformat(folder.name)
                    key = contact_key(record.company, record.contact)
                    found.setdefault(key, []).append(Draft(day, record, first))
        for drafts in found.values():
            drafts.sort(key=lambda d: d.day, reverse=True)
        self._by_contact = found
        return found

    def of(self, key: tuple[str, str]) -> Sequence[Draft]:
        """A contact's drafts (by :func:`~sheet_followup.models.contact_key`), newest first."""
        return self._load().get(key, ())

    def latest(self, contact: Contact, before: dt.date | None = None) -> Draft | None:
        """The contact's newest draft (on or before ``before``)."""
        for draft in self._load().get(contact.key, ()):
            if before is None or draft.day <= before:
                return draft
        return None

    def named(self, contact: Contact, file_name: str, before: dt.date) -> Draft | None:
        """The contact's draft that the row's Draft cell names (``acme-jane-doe-follow-up.md``,
        or the first of a row's several, ``... +1``)."""
        name = file_name.split(" +")[0].strip()
        stem = name.rpartition(".")[0] or name
        first = None
        for draft in self._load().get(contact.key, ()):
            if draft.day > before:
                continue
            if draft.path.stem == stem or draft.record.row == contact.row:
                if draft.path.stem == stem:
                    return draft
                first = first or draft
        return first


@dataclass(frozen=True)
class LogLine:
    """A Log line to append, and the Gifts row the note gave (None: no gift of the sheet's)."""

    entry: LogEntry
    gift_row: int | None = None
    recorded: str = RECORDED_BY_SENT


def log_line(
    contact: Contact,
    day: dt.date,
    draft: Draft | None,
    base: Path,
    *,
    kind: str,
    gift: str,
    gift_row: int | None,
    idea: str,
    recorded: str,
) -> LogLine:
    """The Log line of a note that went out: from its draft when the tool can find it (the kind
    and the gift that are in it now), else from what the row was due."""
    shown = ""
    if draft is not None:
        sent_kind, sent_gift, given = draft.read()
        kind, gift = sent_kind, sent_gift
        gift_row = draft.record.gift_row if given else None
        idea = draft.record.idea
        with contextlib.suppress(ValueError):
            shown = draft.path.relative_to(base).as_posix()
        shown = shown or str(draft.path)
    entry = LogEntry(
        day=day,
        company=contact.company,
        contact=contact.contact,
        kind=kind,
        gift=gift,
        draft=shown,
        idea=idea,
    )
    return LogLine(entry, gift_row, recorded)


def gift_edits(
    workbook: Workbook, lines: Sequence[LogLine], on: dt.date
) -> tuple[str, list[CellEdit]] | None:
    """The Gifts sheet's Sent on for each gift that went out."""
    rows = sorted({line.gift_row for line in lines if line.gift_row is not None})
    if not rows:
        return None
    found = locate_small_sheet(workbook, GIFTS_SHEET, GIFT_FIELDS, "gift")
    if found is None:
        return None
    sheet, header, columns, cells = found
    edits: list[CellEdit] = []
    column = columns.get("sent_on")
    if column is None:
        column = max(i for i, v in enumerate(cells[header - 1], start=1) if v not in (None, "")) + 1
        edits.append(
            CellEdit(
                header, column, "Sent on", style_like=(header, column - 1), width=DATE_COLUMN_WIDTH
            )
        )
    by_row = {line.gift_row: line.entry.day for line in lines if line.gift_row is not None}
    # A company's gift can go to one colleague after another: Sent on keeps the first day.
    unsent = [row for row in rows if _blank(cells, row, column)]
    edits += [CellEdit(row, column, by_row.get(row, on)) for row in unsent]
    return (sheet, edits) if edits else None


def _blank(cells: Sequence[Sequence[object]], row: int, column: int) -> bool:
    values = cells[row - 1] if row <= len(cells) else ()
    value = values[column - 1] if column <= len(values) else None
    return value is None or (isinstance(value, str) and not value.strip())


def log_edits(workbook: Workbook, lines: Sequence[LogLine]) -> tuple[str, list[CellEdit], bool]:
    """New lines after the Log's last row (the sheet and its header when there is no Log)."""
    found = locate_small_sheet(workbook, LOG_SHEET, LOG_FIELDS, "kind")
    edits: list[CellEdit] = []
    if found is None:
        existing = workbook.find_sheet(LOG_SHEET)
        if existing is not None:
            message = (
                f"the sheet '{existing}' has no Log header (Date, Company, Contact, Kind, Gift, "
                "Draft, Idea); rename it or add the header, then run again"
            )
            raise SheetFollowupError(message)
        columns = {name: i for i, name in enumerate(LOG_FIELDS, start=1)}
        edits += [
            CellEdit(1, i, title, width=LOG_WIDTHS[name])
            for i, (name, title) in enumerate(zip(LOG_FIELDS, LOG_HEADER, strict=True), start=1)
        ]
        sheet, next_row, create = LOG_SHEET, 2, True
    else:
        sheet, header, columns, cells = found
        columns = dict(columns)
        last_used = max(
            (i for i, row in enumerate(cells, start=1) if any(v not in (None, "") for v in row)),
            default=header,
        )
        free = max(i for i, v in enumerate(cells[header - 1], start=1) if v not in (None, "")) + 1
        for name, (title, _) in LOG_FIELDS.items():
            if name not in columns and (name != "recorded" or _any_typed(lines)):
                edits.append(
                    CellEdit(
                        header, free, title, style_like=(header, free - 1), width=LOG_WIDTHS[name]
                    )
                )
                columns[name] = free
                free += 1
        next_row, create = max(last_used, header) + 1, False
    previous = next_row - 1 if not create and next_row > 2 else None
    for offset, line in enumerate(lines):
        row = next_row + offset
        entry = line.entry
        values: dict[str, str | dt.date] = {
            "date": entry.day,
            "company": entry.company,
            "contact": entry.contact,
            "kind": entry.kind,
            "gift": entry.gift,
            "draft": entry.draft,
            "idea": entry.idea,
            "recorded": line.recorded,
        }
        for name, value in values.items():
            if value == "" or name not in columns:
                continue
            like = (previous, columns[name]) if previous and name == "date" else None
            edits.append(CellEdit(row, columns[name], value, date_format_like=like))
    return sheet, edits, create


def _any_typed(lines: Sequence[LogLine]) -> bool:
    return any(line.recorded != RECORDED_BY_SENT for line in lines)


def with_date_format(edits: Sequence[CellEdit], date_format: int | None) -> list[CellEdit]:
    """The edits' dates in the workbook's own date format (taken from the tracker), where
    they have no other cell to look like."""
    if date_format is None:
        return list(edits)
    return [
        CellEdit(
            e.row,
            e.column,
            e.value,
            e.style_like,
            e.date_format_like,
            e.joins_table,
            e.hyperlink,
            e.width,
            e.dates_below,
            date_format,
        )
        if isinstance(e.value, dt.date) and e.date_format_like is None
        else e
        for e in edits
    ]


@dataclass(frozen=True)
class Written:
    """The new workbook's bytes (None: nothing changed), and what the edits did."""

    data: bytes | None
    changed: int
    skipped: tuple[SkippedEdit, ...]


def edit_sheets(
    path: Path,
    steps: Sequence[tuple[str, Sequence[CellEdit]]],
    *,
    new_sheet: str | None = None,
) -> Written:
    """Apply each sheet's edits (the first sheet's skipped edits are the ones the user hears
    about), adding ``new_sheet`` first; the bytes of the result, built and checked once and
    not yet swapped in. Dates in the other sheets look like the first sheet's."""
    merged: dict[str, list[CellEdit]] = {}
    for sheet, edits in steps:
        merged.setdefault(sheet, []).extend(edits)
    changed = 0
    skipped: tuple[SkippedEdit, ...] = ()
    date_format: int | None = None
    with from_xlsx(), WorkbookEditor.open(path) as editor:
        if new_sheet is not None:
            editor.add_sheet(new_sheet)
        for number, (sheet, edits) in enumerate(merged.items()):
            if not edits:
                continue
            result = editor.edit(sheet, with_date_format(edits, date_format) if number else edits)
            changed += result.changed_cells
            if number == 0:
                skipped = result.skipped
                date_format = result.date_format
        data = editor.build()
    return Written(data, changed, skipped)


def typed_as_sent(
    contacts: Iterable[Contact], log: Iterable[LogEntry], index: DraftIndex, base: Path
) -> list[LogLine]:
    """The notes a user recorded by typing their day into Last contact: a Last contact on or
    after the day of the tool's latest draft for that contact, with no Log line since."""
    latest = logged_keys(log)
    lines = []
    for contact in contacts:
        typed = contact.last_contact
        if typed is None or typed > index.until:
            continue
        draft = index.latest(contact, before=typed)
        if draft is None or latest.get(contact.key, dt.date.min) >= draft.day:
            continue
        record = draft.record
        lines.append(
            log_line(
                contact,
                typed,
                draft,
                base,
                kind=record.kind,
                gift=record.gift,
                gift_row=record.gift_row,
                idea=record.idea,
                recorded=RECORDED_BY_TYPING,
            )
        )
    return lines


def logged_keys(log: Iterable[LogEntry]) -> dict[tuple[str, str], dt.date]:
    """Each contact's latest Log day."""
    latest: dict[tuple[str, str], dt.date] = {}
    for entry in log:
        if entry.day > latest.get(entry.key, dt.date.min):
            latest[entry.key] = entry.day
    return latest
