"""Which of the tracker's cells the tool writes: its own columns, and only where they change.

The tool's columns are Follow-up status, Next follow-up and Draft, added in that order after
the last header when the sheet lacks them. Draft holds each due row's draft file name, linked
to the file by a path relative to the workbook's folder, so the link still opens after the
whole folder is moved or synced elsewhere.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from sheet_followup.columns import display_name
from sheet_followup.dates import NotADateError, parse_date
from sheet_followup.drafts import NamedDraft
from sheet_followup.models import FollowUp
from sheet_followup.reading import Tracker
from sheet_followup.xlsx.edit import CellEdit

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
    for draft in planned:
        parent = draft.path.parent
        if parent not in folders:
            folders[parent] = file_link(parent, workbook)
        edits.append(
            CellEdit(
                draft.followup.contact.row,
                column,
                draft.path.name,
                hyperlink=_join_link(folders[parent], draft.path.name),
            )
        )
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
