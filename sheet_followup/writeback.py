"""Which of the tracker's cells the tool writes: its two columns, and only where they change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sheet_followup.columns import display_name
from sheet_followup.dates import NotADateError, parse_date
from sheet_followup.models import FollowUp
from sheet_followup.reading import Tracker
from sheet_followup.xlsx.edit import CellEdit


def tool_columns(tracker: Tracker) -> dict[str, int]:
    """The status and next follow-up columns: the sheet's own, or new ones after its last header."""
    columns = dict(tracker.columns.columns)
    next_free = tracker.columns.last_column + 1
    for name in ("status", "next_follow_up"):
        if name not in columns:
            columns[name] = next_free
            next_free += 1
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
                )
            )
    date_like_column = existing["interview_date"]
    for followup in followups:
        row = followup.contact.row
        old_status, old_next = tracker.current.get(row, (None, None))
        if _text(old_status) != followup.status:
            edits.append(CellEdit(row, columns["status"], followup.status))
        if not _same_day(old_next, followup.next_follow_up, tracker.date1904):
            edits.append(
                CellEdit(
                    row,
                    columns["next_follow_up"],
                    followup.next_follow_up,
                    date_format_like=(row, date_like_column),
                )
            )
    return edits


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
