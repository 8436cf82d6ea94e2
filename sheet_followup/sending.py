"""`sent`: record that drafted notes went out, in the tracker, the Gifts sheet and the Log.

Everything goes through the same lossless writer as `run`: the tracker's Last contact (and its
status, now out of date), the gift's Sent on, and new lines at the end of the Log, which is
only ever appended to. Nothing is written unless every requested row can be recorded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.backups import replace_with_backup
from sheet_followup.batch import (
    Plan,
    check_not_open_in_excel,
    check_writable,
    draft_roots,
    plan_workbook,
)
from sheet_followup.cadence import plan_followups
from sheet_followup.columns import normalize_header
from sheet_followup.errors import SheetFollowupError, UsageError
from sheet_followup.gifts import assign_gifts
from sheet_followup.logbook import (
    RECORDED_BY_SENT,
    DraftIndex,
    LogLine,
    edit_sheets,
    gift_edits,
    log_edits,
    log_line,
)
from sheet_followup.models import FollowUp, Kind, LogEntry, history_by_contact
from sheet_followup.people import first_name
from sheet_followup.writeback import last_contact_edits, status_edits
from sheet_followup.xlsx.edit import CellEdit


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
    plan = plan_workbook(path, today=on, sheet=sheet, overrides=overrides or {}, drafts_out=out)
    chosen = _chosen(plan, rows, contacts)
    refused = [_refusal(f) for f in chosen if not f.kind.is_due and not force]
    if refused:
        message = "; ".join(refused) + ". Nothing was recorded; use --force to record them anyway"
        raise SheetFollowupError(message)

    index = DraftIndex(draft_roots(path, out), until=on)
    lines = [_log_line(f, plan, on, index, path.parent) for f in chosen]
    changed = _write(path, plan, chosen, lines, on, before)
    return SentResult(
        [SentNote(f, line.entry) for f, line in zip(chosen, lines, strict=True)], changed
    )


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
    """The kind of note that went out when no draft of it is found; a forced one counts as a
    thank-you until one is logged."""
    if followup.kind.is_due:
        return followup.kind
    thanked = any(
        e.kind == Kind.THANK_YOU.value and e.key == followup.contact.key for e in plan.log
    )
    return Kind.FOLLOW_UP if thanked else Kind.THANK_YOU


def _log_line(
    followup: FollowUp, plan: Plan, on: dt.date, index: DraftIndex, base: Path
) -> LogLine:
    """What went out, read from the draft the row's Draft cell links to (else the contact's
    newest draft), never from what the tool would choose today."""
    contact = followup.contact
    draft_cell = plan.tracker.current.get(contact.row, (None, None, None))[2]
    draft = index.named(contact, str(draft_cell), on) if draft_cell else index.latest(contact, on)
    return log_line(
        contact,
        on,
        draft,
        base,
        kind=_kind_sent(followup, plan).value,
        gift=followup.gift,
        gift_row=followup.gift_row,
        idea=followup.idea,
        recorded=RECORDED_BY_SENT,
    )


def _write(
    path: Path,
    plan: Plan,
    chosen: Sequence[FollowUp],
    lines: Sequence[LogLine],
    on: dt.date,
    before: os.stat_result,
) -> int:
    """Apply the tracker, Gifts and Log edits one sheet at a time, then swap the file in once."""
    steps: list[tuple[str, Sequence[CellEdit]]] = [
        (plan.tracker.sheet, _tracker_edits(plan, chosen, lines, on))
    ]
    gifts = gift_edits(plan.workbook, lines, on)
    if gifts:
        steps.append(gifts)
    log_sheet, log, create_log = log_edits(plan.workbook, lines)
    steps.append((log_sheet, log))
    written = edit_sheets(path, steps, new_sheet=log_sheet if create_log else None)
    if written.data is not None:
        replace_with_backup(path, written.data, before, command="sent")
    return written.changed


def _tracker_edits(
    plan: Plan, chosen: Sequence[FollowUp], lines: Sequence[LogLine], on: dt.date
) -> list[CellEdit]:
    tracker = plan.tracker
    days = {followup.contact.ident: on for followup in chosen}
    edits = last_contact_edits(tracker, plan.followups, days, later_only=False)
    history = history_by_contact([*plan.log, *(line.entry for line in lines)])
    recorded = {followup.contact.ident for followup in chosen}
    rows = {followup.contact.row for followup in chosen}
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
    # The statuses of the rows just recorded are out of date: plan them again as of that day.
    replanned = assign_gifts(plan_followups(updated, on, plan.settings, history), [], history)
    return edits + status_edits(tracker, replanned)
