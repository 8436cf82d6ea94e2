"""`adopt`: give a tracker of the user's own the columns the tool reads and writes.

Many trackers keep one row per application and have no column for the interviewer or the
interview's day yet. `adopt` adds the input columns such a sheet lacks and the tool's own, after
the user's last header: in the header's own look, inside their Excel table, with date formats
on the date columns. It writes through the same lossless writer as `run`, a backup first, and
changes nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.backups import replace_with_backup
from sheet_followup.batch import check_not_open_in_excel, check_writable
from sheet_followup.columns import header_texts
from sheet_followup.errors import NotATrackerError, from_xlsx
from sheet_followup.fields import ADOPTED, FIELDS, TOOL_COLUMNS, display_name
from sheet_followup.layout import HEADER_SEARCH_ROWS, SheetLayout, best_layout
from sheet_followup.reading import judge_sheets
from sheet_followup.settings import build_settings, settings_from_rows
from sheet_followup.workbook_file import Workbook, open_workbook, read_setting_rows
from sheet_followup.writeback import COLUMN_WIDTHS
from sheet_followup.xlsx.edit import CellEdit, edit_package
from sheet_followup.xlsx.references import column_letters

# Widths, in characters, of the input columns `adopt` adds.
INPUT_WIDTHS = {
    "company": 24.0,
    "contact": 24.0,
    "interview_date": 15.0,
    "last_contact": 14.0,
    "interests": 32.0,
    "gift": 36.0,
    "pause_until": 13.0,
}


@dataclass(frozen=True)
class AddedColumn:
    field: str
    column: int

    @property
    def header(self) -> str:
        return display_name(self.field)

    @property
    def letter(self) -> str:
        return column_letters(self.column)


@dataclass(frozen=True)
class AdoptResult:
    """What `adopt` added (or would add, in a dry run) to which sheet."""

    path: Path
    sheet: str
    header_row: int
    after: str  # the user's last header, which the new columns follow ("" on an empty sheet)
    added: tuple[AddedColumn, ...]
    dry_run: bool


def adopt_tracker(
    path: Path, *, today: dt.date, sheet: str | None = None, dry_run: bool = False
) -> AdoptResult:
    """Add the columns the tracker lacks, or say what would be added (``dry_run``)."""
    before = path.stat()
    if not dry_run:
        check_not_open_in_excel(path)
        check_writable(path, before)
    workbook = open_workbook(path)
    values, _ = settings_from_rows(read_setting_rows(workbook))
    column_map = dict(build_settings(values, {}).column_map)
    layout = _closest_sheet(workbook, sheet, column_map, today)
    if layout.duplicate:
        raise NotATrackerError(layout.duplicate)
    header_row, headers = _header_row(workbook, layout)
    last = max(headers, default=0)
    wanted = [name for name in (*ADOPTED, *TOOL_COLUMNS) if name not in layout.columns]
    added = tuple(AddedColumn(name, last + i) for i, name in enumerate(wanted, start=1))
    result = AdoptResult(path, layout.sheet, header_row, headers.get(last, ""), added, dry_run)
    if dry_run or not added:
        return result
    date_like = layout.columns.get("interview_date") or layout.columns.get("last_contact")
    edits = [
        CellEdit(
            header_row,
            column.column,
            column.header,
            style_like=(header_row, last) if last else None,
            joins_table=True,
            width=INPUT_WIDTHS.get(column.field) or COLUMN_WIDTHS.get(column.field),
            dates_below=FIELDS[column.field].kind == "date" or column.field == "next_follow_up",
            date_format_like=(header_row + 1, date_like) if date_like else None,
        )
        for column in added
    ]
    with from_xlsx():
        edited = edit_package(path, layout.sheet, edits)
    if edited.data is not None:
        replace_with_backup(path, edited.data, before, command="adopt")
    return result


def _closest_sheet(
    workbook: Workbook, requested: str | None, column_map: dict[str, str], today: dt.date
) -> SheetLayout:
    """The sheet whose headers come closest to a tracker's (the first, when none has any)."""
    layouts = judge_sheets(workbook, requested, column_map, today=today)
    best = best_layout([layout for layout in layouts if layout.header_row is not None])
    return best or layouts[0]


def _header_row(workbook: Workbook, layout: SheetLayout) -> tuple[int, dict[int, str]]:
    """The row the new headers go in: the header row the tool judged, else the row under the
    sheet's title (row 1 of an empty sheet)."""
    if layout.header_row is not None:
        return layout.header_row, dict(layout.headers)
    head = workbook.head(layout.sheet, HEADER_SEARCH_ROWS)
    filled = [number for number, cells in enumerate(head, start=1) if header_texts(cells)]
    return (filled[-1] + 1 if filled else 1), {}
