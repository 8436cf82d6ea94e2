"""`sent`: record that drafted notes went out, in the tracker, the Gifts sheet and the Log.

Everything goes through the same lossless writer as `run`: the tracker's Last contact (and its
status, now out of date), the gift's Sent on, and new lines at the end of the Log, which is
only ever appended to. Nothing is written unless every requested row can be recorded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.backups import make_backup
from sheet_followup.batch import (
    Plan,
    check_not_open_in_excel,
    check_writable,
    plan_workbook,
)
from sheet_followup.cadence import plan_followups
from sheet_followup.columns import GIFT_FIELDS, LOG_FIELDS, LOG_HEADER, normalize_header
from sheet_followup.drafts import draft_stem
from sheet_followup.errors import SheetFollowupError, UsageError
from sheet_followup.gifts import assign_gifts
from sheet_followup.models import FollowUp, Kind, LogEntry
from sheet_followup.people import first_name
from sheet_followup.reading import GIFTS_SHEET, LOG_SHEET, locate_small_sheet
from sheet_followup.writeback import status_edits, tool_columns
from sheet_followup.xlsx.edit import CellEdit, edit_package, replace_atomically
from sheet_followup.xlsx.new_sheet import add_worksheet

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Widths (in characters) of the columns `sent` adds, so that their dates do not show as #####.
DATE_COLUMN_WIDTH = 14.0
LOG_WIDTHS = {
    "date": DATE_COLUMN_WIDTH,
    "company": 24.0,
    "contact": 20.0,
    "kind": 14.0,
    "gift": 40.0,
    "draft": 36.0,
    "idea": 30.0,
}


@dataclass(frozen=True)
class SentNote:
    """One note recorded as sent: the decision it answered and the Log line written."""

    followup: FollowUp
    entry: LogEntry


@dataclass(frozen=True)
class SentResult:
    notes: list[SentNote]
    cells_changed: int


def record_sent(
    path: Path,
    rows: Sequence[int],
    on: dt.date,
    *,
    contacts: Sequence[str] = (),
    sheet: str | None = None,
    out: Path | None = None,
    force: bool = False,
    overrides: dict[str, object | None] | None = None,
) -> SentResult:
    """Record the notes of ``rows`` as sent ``on`` that day, or refuse and write nothing.

    A row that names several people records them all; ``contacts`` (names as the tracker has
    them, or first names) records only those, in the given rows or, without rows, wherever
    they are.
    """
    check_not_open_in_excel(path)
    before = path.stat()
    check_writable(path, before)
    plan = plan_workbook(path, today=on, sheet=sheet, overrides=overrides or {})
    chosen = _chosen(plan, rows, contacts)
    refused = [_refusal(f) for f in chosen if not f.kind.is_due and not force]
    if refused:
        message = "; ".join(refused) + ". Nothing was recorded; use --force to record them anyway"
        raise SheetFollowupError(message)

    drafts_root = out if out is not None else path.parent / "drafts"
    # A many-workbook run keeps each workbook's drafts in a folder of its own name.
    roots = (drafts_root, drafts_root / path.stem)
    notes = [SentNote(f, _log_entry(f, plan, on, roots, path.parent)) for f in chosen]
    changed = _write(path, plan, notes, on, before)
    return SentResult(notes, changed)


def _chosen(plan: Plan, rows: Sequence[int], names: Sequence[str]) -> list[FollowUp]:
    """The contacts to record: every person of each row, or the named ones."""
    by_row: dict[int, list[FollowUp]] = {}
    for followup in plan.followups:
        by_row.setdefault(followup.contact.row, []).append(followup)
    missing = [r for r in rows if r not in by_row]
    if missing:
        shown = ", ".join(str(r) for r in missing)
        message = (
            f"no contact in row {shown} of '{plan.tracker.sheet}' "
            f"(contacts are in rows {min(by_row, default=0)}-{max(by_row, default=0)})"
        )
        raise UsageError(message)
    pool = [f for r in dict.fromkeys(rows) for f in by_row[r]] if rows else plan.followups
    if not names:
        return pool
    chosen: list[FollowUp] = []
    for name in names:
        found = _named(pool, name)
        where = f"row {', '.join(str(r) for r in rows)}" if rows else f"'{plan.tracker.sheet}'"
        if not found:
            known = ", ".join(sorted({f.contact.contact for f in pool if f.contact.contact}))
            message = f"no contact named '{name}' in {where} (contacts: {known or 'none'})"
            raise UsageError(message)
        if len({f.contact.row for f in found}) > 1:
            listed = ", ".join(str(f.contact.row) for f in found)
            message = f"'{name}' is in rows {listed}; say which with --row"
            raise UsageError(message)
        chosen += [f for f in found if f not in chosen]
    return chosen


def _named(pool: Sequence[FollowUp], name: str) -> list[FollowUp]:
    """The contacts a name means: their full name, else their first name alone."""
    key = normalize_header(name)
    exact = [f for f in pool if normalize_header(f.contact.contact) == key]
    if exact:
        return exact
    return [
        f for f in pool if normalize_header(f.contact.greet or first_name(f.contact.contact)) == key
    ]


def _refusal(followup: FollowUp) -> str:
    who = f"row {followup.contact.row} ({followup.contact.company} · {followup.contact.contact})"
    return f"{who} was not due a note: {followup.status}"


def _kind_sent(followup: FollowUp, plan: Plan) -> Kind:
    """The kind of note that went out; a forced one counts as a thank-you until one is logged."""
    if followup.kind.is_due:
        return followup.kind
    thanked = any(
        e.kind == Kind.THANK_YOU.value and e.key == followup.contact.key for e in plan.log
    )
    return Kind.FOLLOW_UP if thanked else Kind.THANK_YOU


def _log_entry(
    followup: FollowUp, plan: Plan, on: dt.date, roots: Sequence[Path], base: Path
) -> LogEntry:
    contact = followup.contact
    kind = _kind_sent(followup, plan)
    draft = _latest_draft(roots, contact.company, contact.contact, kind, on)
    shown = ""
    if draft is not None:
        with contextlib.suppress(ValueError):
            shown = draft.relative_to(base).as_posix()
        shown = shown or str(draft)
    return LogEntry(
        day=on,
        company=contact.company,
        contact=contact.contact,
        kind=kind.value,
        gift=followup.gift,
        draft=shown,
        idea=followup.idea,
    )


def _latest_draft(
    roots: Sequence[Path], company: str, contact: str, kind: Kind, on: dt.date
) -> Path | None:
    """The newest draft written for this contact and kind, on or before the day it was sent;
    its Markdown file when there are several formats."""
    stem = draft_stem(company, contact, kind)
    days = sorted(
        (
            day
            for root in roots
            if root.is_dir()
            for day in root.iterdir()
            if day.is_dir() and _DAY.fullmatch(day.name) and day.name <= on.isoformat()
        ),
        key=lambda day: day.name,
        reverse=True,
    )
    for day in days:
        found = sorted(day.glob(f"{stem}*.*"), key=lambda p: (p.suffix != ".md", p.name))
        if found:
            return found[0]
    return None


def _write(
    path: Path, plan: Plan, notes: Sequence[SentNote], on: dt.date, before: os.stat_result
) -> int:
    """Apply the tracker, Gifts and Log edits one sheet at a time, then swap the file in once."""
    steps: list[tuple[str, list[CellEdit]]] = [
        (plan.tracker.sheet, _tracker_edits(plan, notes, on))
    ]
    gift_edits = _gift_edits(plan, notes, on)
    if gift_edits:
        steps.append(gift_edits)
    log_sheet, log_edits, create_log = _log_edits(plan, notes)
    changed = 0
    with tempfile.TemporaryDirectory(prefix=".~sheet-followup-", dir=path.parent) as scratch:
        current = path
        if create_log:
            current = Path(scratch) / "with-log.xlsx"
            current.write_bytes(add_worksheet(path, log_sheet))
        for number, (sheet, edits) in enumerate([*steps, (log_sheet, log_edits)]):
            result = edit_package(current, sheet, edits)
            changed += result.changed_cells
            if result.data is not None:
                current = Path(scratch) / f"step{number}.xlsx"
                current.write_bytes(result.data)
        data = current.read_bytes()
        make_backup(path, dt.datetime.now())  # noqa: DTZ005 (named in the user's local time)
        replace_atomically(
            path, data, expected_mtime_ns=before.st_mtime_ns, expected_size=before.st_size
        )
    return changed


def _tracker_edits(plan: Plan, notes: Sequence[SentNote], on: dt.date) -> list[CellEdit]:
    tracker = plan.tracker
    columns = tool_columns(tracker)
    header_row = tracker.columns.header_row
    edits: list[CellEdit] = []
    last_column = columns.get("last_contact")
    header: list[CellEdit] = []
    if last_column is None:
        last_column = max(tracker.columns.last_column, *columns.values()) + 1
        header.append(
            CellEdit(
                header_row,
                last_column,
                "Last contact",
                style_like=(header_row, tracker.columns.last_column),
                width=DATE_COLUMN_WIDTH,
            )
        )
    date_like = tracker.columns.columns.get("interview_date", last_column)
    history: dict[tuple[str, str], list[LogEntry]] = {}
    for entry in [*plan.log, *(n.entry for n in notes)]:
        history.setdefault(entry.key, []).append(entry)
    recorded = {note.followup.contact.ident for note in notes}
    rows = {note.followup.contact.row for note in notes}
    updated = []
    for followup in plan.followups:
        contact = followup.contact
        if contact.row not in rows:
            continue
        everyone = all(
            f.contact.ident in recorded for f in plan.followups if f.contact.row == contact.row
        )
        if everyone:
            # The row's Last contact is everyone's: it is set only when all of them were
            # written to; a note to one person of a panel is in the Log alone.
            contact = dataclasses.replace(contact, last_contact=on)
        updated.append(contact)
    for row in sorted(rows):
        people = [c for c in updated if c.row == row]
        if all(c.last_contact == on for c in people):
            edits.append(CellEdit(row, last_column, on, date_format_like=(row, date_like)))
    # The statuses of the rows just recorded are out of date: plan them again as of that day.
    replanned = assign_gifts(plan_followups(updated, on, plan.settings, history), [], history)
    return (header if edits else []) + edits + status_edits(tracker, replanned)


def _gift_edits(
    plan: Plan, notes: Sequence[SentNote], on: dt.date
) -> tuple[str, list[CellEdit]] | None:
    rows = sorted({n.followup.gift_row for n in notes if n.followup.gift_row is not None})
    if not rows:
        return None
    found = locate_small_sheet(plan.workbook, GIFTS_SHEET, GIFT_FIELDS, "gift")
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
    edits += [CellEdit(row, column, on) for row in rows]
    return sheet, edits


def _log_edits(plan: Plan, notes: Sequence[SentNote]) -> tuple[str, list[CellEdit], bool]:
    """New lines after the Log's last row (the sheet and its header when there is no Log)."""
    found = locate_small_sheet(plan.workbook, LOG_SHEET, LOG_FIELDS, "kind")
    edits: list[CellEdit] = []
    if found is None:
        existing = plan.workbook.find_sheet(LOG_SHEET)
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
            if name not in columns:
                edits.append(
                    CellEdit(
                        header, free, title, style_like=(header, free - 1), width=LOG_WIDTHS[name]
                    )
                )
                columns[name] = free
                free += 1
        next_row, create = max(last_used, header) + 1, False
    for offset, note in enumerate(notes):
        row = next_row + offset
        entry = note.entry
        values: dict[str, str | dt.date] = {
            "date": entry.day,
            "company": entry.company,
            "contact": entry.contact,
            "kind": entry.kind,
            "gift": entry.gift,
            "draft": entry.draft,
            "idea": entry.idea,
        }
        edits += [
            CellEdit(row, columns[name], value)
            for name, value in values.items()
            if value != "" and name in columns
        ]
    return sheet, edits, create
