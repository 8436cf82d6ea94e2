"""Which of the tracker's cells the tool writes: its own columns, and only where they change.

The tool's columns are Follow-up status, Next follow-up and Draft, added in that order after
the last header when the sheet lacks them. Draft holds each due row's draft file name, linked
to the file by a path relative to the workbook's folder, so the link still opens after the
whole folder is moved or synced elsewhere.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from sheet_followup.dates import NotADateError, parse_date
from sheet_followup.draft_store import Retired
from sheet_followup.drafts import NamedDraft
from sheet_followup.errors import WorkbookError
from sheet_followup.fields import display_name
from sheet_followup.logbook import DATE_COLUMN_WIDTH
from sheet_followup.models import SUMMARY_ORDER, FollowUp, Kind
from sheet_followup.reading import Tracker
from sheet_followup.xlsx.edit import CellEdit
from sheet_followup.xlsx.references import MAX_COLUMN, column_letters

# Widths of the columns the tool adds, in characters: room for the header, a status such as
# "Follow-up due (12 days late)", a date in any common format, and a draft's name (the last
# column, so a longer name runs on into the empty cells beside it).
COLUMN_WIDTHS = {"status": 30.0, "next_follow_up": 16.0, "draft": 36.0}


def tool_columns(tracker: Tracker) -> dict[str, int]:
    """The status and next follow-up columns: the sheet's own, or new ones after its last header.

    Draft is among them only when the sheet has it: it is added only by a run with drafts to
    link (see :func:`draft_edits`), so ``sent`` must not leave a gap for it.
    """
    columns = dict(tracker.columns.columns)
    next_free = tracker.columns.last_column + 1
    for name in ("status", "next_follow_up"):
        if name not in columns:
            columns[name] = next_free
            next_free += 1
    if next_free - 1 > MAX_COLUMN:
        last = column_letters(tracker.columns.last_column)
        message = (
            f"{tracker.sheet}!{last}{tracker.columns.header_row}: the header row reaches the "
            "last column a sheet has, so there is no room after it for the tool's columns "
            "(Follow-up status, Next follow-up); clear the header cells past your own "
            "columns, or add those headers yourself where you want them"
        )
        raise WorkbookError(message)
    return columns


def status_edits(tracker: Tracker, followups: Sequence[FollowUp]) -> list[CellEdit]:
    """The cell edits that bring the tool's columns up to date; none when nothing changed."""
    header_row = tracker.columns.header_row
    existing = tracker.columns.columns
    columns = tool_columns(tracker)
    edits: list[CellEdit] = []
    last_header = (header_row, tracker.columns.last_column)
    for name in ("status", "next_follow_up"):
        if name not in existing:
            edits.append(
                CellEdit(
                    header_row,
                    columns[name],
                    display_name(name),
                    style_like=last_header,
                    joins_table=True,  # widen an Excel table whose header row this is
                    width=COLUMN_WIDTHS[name],
                )
            )
    date_like_column = existing.get("interview_date") or existing.get("last_contact")
    # Each status text is made anew per row, and most repeat ("Closed (Rejected)"): the edits
    # hold one of each, where 100,000 rows held 92,000 copies of 18,000 texts (6 MB).
    one_of_each: dict[str, str] = {}
    for group in by_row(followups):
        row = group[0].contact.row
        status, next_day = row_status(group)
        old_status, old_next, _ = tracker.current.get(row, (None, None, None))
        if _text(old_status) != status:
            status = one_of_each.setdefault(status, status)
            edits.append(CellEdit(row, columns["status"], status))
        if not _same_day(old_next, next_day, tracker.date1904):
            edits.append(
                CellEdit(
                    row,
                    columns["next_follow_up"],
                    next_day,
                    date_format_like=(row, date_like_column) if date_like_column else None,
                )
            )
    return edits


def by_row(followups: Sequence[FollowUp]) -> list[Sequence[FollowUp]]:
    """The decisions grouped by sheet row: one group per row, several for a panel in one cell."""
    groups: list[Sequence[FollowUp]] = []
    index = 0
    while index < len(followups):
        slots = followups[index].contact.slots
        if slots == 1:
            groups.append(followups[index : index + 1])
            index += 1
            continue
        row = followups[index].contact.row
        end = index
        while end < len(followups) and followups[end].contact.row == row:
            end += 1
        groups.append(followups[index:end])
        index = end
    return groups


def row_status(group: Sequence[FollowUp]) -> tuple[str, dt.date | None]:
    """A row's status and next follow-up: its contact's, or for several people in one cell,
    each status with the names it is for ("Thank-you due: Jane Doe, Sam Lee"), due notes
    first, and the earliest next follow-up."""
    if len(group) == 1:
        return group[0].status, group[0].next_follow_up
    names: dict[str, list[str]] = {}
    kinds: dict[str, int] = {}
    for followup in group:
        names.setdefault(followup.status, []).append(followup.contact.contact)
        kinds[followup.status] = SUMMARY_ORDER.index(followup.kind)
    ordered = sorted(names, key=lambda status: kinds[status])
    if len(ordered) == 1 and group[0].kind is Kind.FIX_DATA:
        status = ordered[0]  # the row's own cell is wrong, whoever it is for
    else:
        status = "; ".join(f"{text}: {', '.join(names[text])}" for text in ordered)
    days = [f.next_follow_up for f in group if f.next_follow_up is not None]
    return status, min(days, default=None)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _same_day(old: object, new: dt.date | None, date1904: bool) -> bool:
    if new is None:
        return old is None
    if not isinstance(old, dt.date):
        return False  # a serial or text in the cell: rewrite it as a real date cell
    try:
        return parse_date(old, date1904=date1904) == new
    except NotADateError:
        return False


def draft_edits(tracker: Tracker, planned: Sequence[NamedDraft], workbook: Path) -> list[CellEdit]:
    """Each due row's Draft cell: its draft's file name, linked to the file.

    Every due row gets its edit, even when the cell already says so: the writer compares the
    link too, and writes nothing when text and link are both unchanged. Rows that are not due
    are left alone, so the newest draft stays linked until a newer one is written. The Draft
    header is added only when there is a draft to link.
    """
    if not planned:
        return []
    columns = tool_columns(tracker)
    column = columns.get("draft") or max(tracker.columns.last_column, *columns.values()) + 1
    if column > MAX_COLUMN:
        return []  # no room left for a Draft column: the summary and index.html link the drafts
    edits: list[CellEdit] = []
    if "draft" not in tracker.columns.columns:
        header_row = tracker.columns.header_row
        edits.append(
            CellEdit(
                header_row,
                column,
                display_name("draft"),
                style_like=(header_row, tracker.columns.last_column),
                joins_table=True,
                width=COLUMN_WIDTHS["draft"],
            )
        )
    # The drafts share one folder: its link is worked out once, then each file name is added.
    folders: dict[Path, str] = {}
    rows: dict[int, list[NamedDraft]] = {}
    for draft in planned:
        rows.setdefault(draft.followup.contact.row, []).append(draft)
    for row, drafts in rows.items():
        first = drafts[0]
        parent = first.path.parent
        if parent not in folders:
            folders[parent] = file_link(parent, workbook)
        # Several people in one row: the cell links the first draft and counts the others,
        # which sit beside it in the same folder.
        text = first.path.name if len(drafts) == 1 else f"{first.path.name} +{len(drafts) - 1}"
        edits.append(
            CellEdit(row, column, text, hyperlink=_join_link(folders[parent], first.path.name))
        )
    return edits


def clear_draft_cells(tracker: Tracker, retired: Sequence[Retired]) -> list[CellEdit]:
    """The Draft cells that link to a draft this run removes (no longer due): cleared, link
    and all, rather than left pointing at nothing."""
    column = tracker.columns.columns.get("draft")
    gone = {name for r in retired for name in r.removed}
    if column is None or not gone:
        return []
    edits = []
    for row, (_, _, cell) in tracker.current.items():
        if cell is not None and str(cell).split(" +")[0].strip() in gone:
            edits.append(CellEdit(row, column, None))
    return edits


def _join_link(folder_link: str, name: str) -> str:
    if folder_link in ("", "."):
        return quote(name)
    return f"{folder_link.rstrip('/')}/{quote(name)}"


def file_link(target: Path, workbook: Path) -> str:
    """A hyperlink to ``target`` relative to the workbook's folder, as Excel resolves it.

    Forward slashes and percent-encoding (spaces, non-ASCII, ``:`` that would read as a
    scheme). Both paths are resolved through symbolic links, since Excel resolves the link
    from the real file's folder. A target that has no relative path from there (another
    drive on Windows) gets an absolute ``file:`` URL.
    """
    real_target = os.path.realpath(target)
    folder = Path(os.path.realpath(workbook)).parent
    try:
        relative = os.path.relpath(real_target, folder)
    except ValueError:
        return Path(real_target).as_uri()
    return quote(relative.replace(os.sep, "/"), safe="/")


def changed_texts(edits: Sequence[CellEdit], rows: Sequence[Sequence[object]]) -> int:
    """How many of the edits change their cell's text, for a dry run's count (links unseen)."""
    count = 0
    for edit in edits:
        line = rows[edit.row - 1] if edit.row - 1 < len(rows) else ()
        current = line[edit.column - 1] if edit.column - 1 < len(line) else None
        if _text(current) != edit.value:
            count += 1
    return count


def last_contact_edits(
    tracker: Tracker,
    followups: Sequence[FollowUp],
    days: Mapping[tuple[int, int], dt.date],
    *,
    after_column: int = 0,
    later_only: bool = True,
) -> list[CellEdit]:
    """Last contact for each row whose people all have a newly recorded note (``days``, by
    contact), set to the row's latest such day; a Last contact header when the sheet has none,
    after ``after_column`` (the last column this run's other edits add). ``later_only`` keeps
    a later day already in the cell (a run reading Sent); `sent --on` writes the day it is
    told.

    The row's Last contact is everyone's: a note to one person of a panel is in the Log alone.
    """
    by_row: dict[int, list[FollowUp]] = {}
    for followup in followups:
        by_row.setdefault(followup.contact.row, []).append(followup)
    chosen: dict[int, dt.date] = {}
    for row, people in by_row.items():
        recorded = [days.get(f.contact.ident) for f in people]
        if recorded and all(day is not None for day in recorded):
            latest = max(day for day in recorded if day is not None)
            current = people[0].contact.last_contact
            if not later_only or current is None or latest > current:
                chosen[row] = latest
    if not chosen:
        return []
    header_row = tracker.columns.header_row
    edits: list[CellEdit] = []
    column = tracker.columns.columns.get("last_contact")
    if column is None:
        columns = tool_columns(tracker)
        column = max(tracker.columns.last_column, *columns.values(), after_column) + 1
        edits.append(
            CellEdit(
                header_row,
                column,
                display_name("last_contact"),
                style_like=(header_row, tracker.columns.last_column),
                width=DATE_COLUMN_WIDTH,
            )
        )
    date_like = tracker.columns.columns.get("interview_date", column)
    for row, day in sorted(chosen.items()):
        edits.append(CellEdit(row, column, day, date_format_like=(row, date_like)))
    return edits
