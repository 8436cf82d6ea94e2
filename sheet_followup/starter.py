"""`init`: a new, empty tracker workbook that the tool reads without a single complaint.

A user who starts from this file gets the columns the tool knows by their canonical names,
dropdowns that only offer stages the tool understands, a Settings sheet holding exactly the
settings it knows (so no "unknown setting" warning), and the Gifts and Log sheets with their
headers. The workbook is new, so openpyxl writes it; the lossless writer is for the user's own.

The look (header colours, title, dropdowns) is shared with ``scripts/make_sample_tracker.py``,
so the sample and a fresh tracker look alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from sheet_followup.drafts import default_templates_dir
from sheet_followup.errors import UsageError, WorkbookError
from sheet_followup.fields import GIFT_FIELDS, LOG_HEADER, TOOL_COLUMNS, display_name
from sheet_followup.models import Kind
from sheet_followup.settings import (
    ACTIVE_STAGES,
    DEFAULT_CLOSED_STAGES,
    SETTINGS_SHEET,
    Settings,
    setting_fields,
)
from sheet_followup.side_sheets import GIFTS_SHEET, LOG_SHEET

Worksheet = Any  # openpyxl ships no type information

TRACKER_SHEET = "Job search"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 1
# Date formats, dropdowns and colours reach this far: a few hundred interviewers is a long search.
LAST_PREPARED_ROW = FIRST_DATA_ROW + 299
# Excel refuses a list dropdown whose inline list is longer than this.
MAX_LIST_CHARS = 255

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill(fill_type="solid", start_color="1F4E78", end_color="1F4E78")
TOOL_HEADER_FILL = PatternFill(fill_type="solid", start_color="595959", end_color="595959")
HEADER_BORDER = Border(bottom=Side(style="medium", color="0B2A45"))
ROW_BORDER = Border(bottom=Side(style="thin", color="D9D9D9"))
TITLE_FONT = Font(bold=True, size=16, color="1F4E78")
NOTE_FONT = Font(italic=True, color="595959")
TOP = Alignment(vertical="top")
TOP_WRAP = Alignment(vertical="top", wrap_text=True)

NOTES = "Notes"  # a column of the user's own: kept and ignored by the tool
# (field or "Notes", column width): the canonical headers, in the order a user fills them in.
TRACKER_COLUMNS: tuple[tuple[str, float], ...] = (
    ("company", 26),
    ("position", 28),
    ("contact", 22),
    ("email", 32),
    ("interview_date", 14),
    ("stage", 16),
    ("last_contact", 13),
    ("interests", 40),
    ("gift", 44),
    ("why_fit", 36),
    ("idea", 36),
    ("pause_until", 13),
    ("keep_in_touch", 13),
    (NOTES, 36),
    ("status", 36),
    ("next_follow_up", 15),
    ("draft", 40),
)
DATE_FIELDS = ("interview_date", "last_contact", "pause_until", "next_follow_up")
STAGES = (*ACTIVE_STAGES, *DEFAULT_CLOSED_STAGES)

# Follow-up status colours: (status words, font colour, fill colour or None, bold, italic).
STATUS_COLOURS: tuple[tuple[str, str, str | None, bool, bool], ...] = (
    *((kind.label, "006100", "C6EFCE", True, False) for kind in Kind if kind.is_due),
    (Kind.FIX_DATA.label, "9C0006", "FFC7CE", True, False),
    (Kind.REPLIED.label, "7030A0", "E4DFEC", True, False),  # they wrote: answer them
    (Kind.UPCOMING.label, "1F4E78", "DDEBF7", False, False),
    (Kind.WAITING.label, "595959", "EDEDED", False, False),
    (Kind.CLOSED.label, "A6A6A6", None, False, True),
)

SETTINGS_NOTE = (
    "Fill in Your name and Your email: the notes are signed with them. "
    "A command-line option overrides a value here; a value here overrides the built-in default."
)


def header_name(field_name: str) -> str:
    return field_name if field_name == NOTES else display_name(field_name)


def write_title(ws: Worksheet, title: str, note: str) -> None:
    """A big title in A1 and an italic line under it, above the header row."""
    ws["A1"] = title
    ws["A1"].font = TITLE_FONT
    ws["A2"] = note
    ws["A2"].font = NOTE_FONT


def write_header(
    ws: Worksheet,
    row: int,
    columns: Sequence[tuple[str, float]],
    *,
    tool_headers: Sequence[str] = (),
) -> None:
    """The header row: white bold on blue (grey for the tool's own columns), with widths."""
    for col, (header, width) in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=col, value=header)
        cell.font = HEADER_FONT
        cell.fill = TOOL_HEADER_FILL if header in tool_headers else HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[row].height = 20


def list_validation(values: Sequence[str], *, error_title: str, error: str) -> DataValidation:
    """A dropdown of ``values`` that warns (and lets the user insist) on anything else."""
    formula = '"' + ",".join(values) + '"'
    if len(formula) - 2 > MAX_LIST_CHARS:
        message = f"a dropdown list longer than {MAX_LIST_CHARS} characters: {formula}"
        raise ValueError(message)
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=error_title,
        error=error,
    )


def print_landscape(ws: Worksheet, header_row: int) -> None:
    """Print on landscape pages one sheet wide, repeating the header row."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


def write_settings_sheet(ws: Worksheet, settings: Sequence[tuple[str, object]], note: str) -> None:
    """The Settings sheet: one setting per row, and a note beside the table (never read)."""
    ws.append(("Setting", "Value"))
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
    for name, value in settings:
        ws.append((name, value))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = TOP_WRAP
            cell.border = ROW_BORDER
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 62
    ws.column_dimensions["C"].width = 3
    ws.column_dimensions["D"].width = 48
    # The note sits beside the table, not below it, so it is never read as a setting.
    ws["D2"] = note
    ws["D2"].font = NOTE_FONT
    ws["D2"].alignment = TOP_WRAP
    ws.freeze_panes = "A2"


def default_settings() -> list[tuple[str, object]]:
    """Every setting the tool knows, with its default as a user would type it."""
    defaults = Settings()
    rows: list[tuple[str, object]] = []
    for shown, field_name in setting_fields().items():
        value = getattr(defaults, field_name)
        if field_name == "date_order" and value is None:
            rows.append((shown, "auto"))  # worked out from the dates typed
            continue
        rows.append((shown, setting_text(value)))
    return rows


def setting_text(value: object) -> object:
    """A default as the Settings sheet spells it: yes/no, a list with commas, a bare number."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return ", ".join(str(part) for part in value)
    if isinstance(value, int):
        return value
    return str(value) if value else None  # blank: for the user to fill in


def write_tracker_sheet(ws: Worksheet) -> None:
    """The empty tracker: title, header, dropdowns, date formats and status colours."""
    write_title(
        ws,
        "Job search",
        "One row per interviewer. The grey columns are written by sheet-followup run.",
    )
    columns = [(header_name(name), width) for name, width in TRACKER_COLUMNS]
    write_header(ws, HEADER_ROW, columns, tool_headers=[display_name(f) for f in TOOL_COLUMNS])
    letter = {name: get_column_letter(i) for i, (name, _w) in enumerate(TRACKER_COLUMNS, 1)}

    def column_range(field_name: str) -> str:
        return f"{letter[field_name]}{FIRST_DATA_ROW}:{letter[field_name]}{LAST_PREPARED_ROW}"

    for row in range(FIRST_DATA_ROW, LAST_PREPARED_ROW + 1):
        for field_name in DATE_FIELDS:
            ws[f"{letter[field_name]}{row}"].number_format = DATE_FORMAT
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"

    stages = list_validation(
        STAGES,
        error_title="Unknown stage",
        error="Pick a stage from the list, or leave it blank while the application is active.",
    )
    stages.add(column_range("stage"))
    ws.add_data_validation(stages)
    keep = list_validation(
        ("yes", "no"),
        error_title="Keep in touch",
        error="yes: keep writing every few months after the application is closed.",
    )
    keep.add(column_range("keep_in_touch"))
    ws.add_data_validation(keep)

    status = column_range("status")
    first = f"{letter['status']}{FIRST_DATA_ROW}"
    for words, font, fill, bold, italic in STATUS_COLOURS:
        style = DifferentialStyle(
            font=Font(color=font, bold=bold, italic=italic),
            fill=PatternFill(fill_type="solid", start_color=fill, end_color=fill) if fill else None,
        )
        rule = Rule(type="beginsWith", operator="beginsWith", text=words, dxf=style)
        rule.formula = [f'LEFT({first},{len(words)})="{words}"']
        ws.conditional_formatting.add(status, rule)
    print_landscape(ws, HEADER_ROW)


def write_small_sheet(ws: Worksheet, headers: Sequence[str], width: float = 18) -> None:
    """A sheet holding just its styled header row (Gifts, Log)."""
    write_header(ws, 1, [(header, width) for header in headers])
    ws.freeze_panes = "A2"


def build_workbook() -> Workbook:
    """The whole empty tracker, in memory."""
    wb = Workbook()
    tracker = wb.active
    tracker.title = TRACKER_SHEET
    write_tracker_sheet(tracker)
    write_settings_sheet(wb.create_sheet(SETTINGS_SHEET), default_settings(), SETTINGS_NOTE)
    gifts = wb.create_sheet(GIFTS_SHEET)
    write_small_sheet(gifts, [shown for shown, _aliases in GIFT_FIELDS.values()])
    gifts.column_dimensions["C"].width = 44  # Gift
    gifts.column_dimensions["D"].width = 36  # Link
    gifts.column_dimensions["E"].width = 36  # Why
    log = wb.create_sheet(LOG_SHEET)
    write_small_sheet(log, LOG_HEADER)
    wb.properties.creator = "sheet-followup"
    wb.properties.title = "Job search"
    return wb


@dataclass(frozen=True)
class InitResult:
    workbook: Path
    templates: Path
    copied: list[str] = dataclasses.field(default_factory=list)
    kept: list[str] = dataclasses.field(default_factory=list)


def create_tracker(path: Path) -> InitResult:
    """Write a new tracker at ``path`` (never over an existing file) and copy the templates.

    All or nothing: the workbook is written whole under a temporary name and put in place
    (never over a file that appeared meanwhile) only once the templates are copied; a failure
    takes away what this call made.
    """
    if path.suffix.lower() != ".xlsx":
        message = f"'{path}' does not end in .xlsx; name the new tracker like tracker.xlsx"
        raise UsageError(message)
    if path.exists() or path.is_symlink():
        message = f"{path} already exists; init never overwrites a workbook: choose another name"
        raise WorkbookError(message)
    buffer = io.BytesIO()
    build_workbook().save(buffer)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # The process's own name, made with the usual permissions (mkstemp's are 0600).
        temp = str(folder / f".~sheet-followup-{os.getpid()}.xlsx")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)  # noqa: PTH108 (left by a killed init of a process with this id)
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        message = f"cannot write {path}: {error.strerror or error}; choose another folder"
        raise WorkbookError(message) from error
    copied: list[str] = []
    try:
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(buffer.getvalue())
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            message = f"cannot write {path}: {error.strerror or error}; nothing was created"
            raise WorkbookError(message) from error
        copied, kept = copy_templates(folder / "templates")
        _place_new(Path(temp), path)
    except BaseException:
        for name in copied:
            with contextlib.suppress(OSError):
                (folder / "templates" / name).unlink()
        with contextlib.suppress(OSError):
            (folder / "templates").rmdir()  # only when init made it and nothing else is in it
        raise
    finally:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
    return InitResult(path, folder / "templates", copied, kept)


def _place_new(temp: Path, path: Path) -> None:
    """Give the written file its name, never over a file that is there."""
    try:
        os.link(temp, path)  # fails when ``path`` exists: nothing is replaced
    except FileExistsError:
        message = f"{path} already exists; init never overwrites a workbook"
        raise WorkbookError(message) from None
    except OSError:
        # No hard links here (FAT, some network drives): claim the name, then fill it.
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            message = f"{path} already exists; init never overwrites a workbook"
            raise WorkbookError(message) from None
        except OSError as error:
            message = f"cannot write {path}: {error.strerror or error}; nothing was created"
            raise WorkbookError(message) from error
        temp.replace(path)


def copy_templates(folder: Path) -> tuple[list[str], list[str]]:
    """Copy the default templates into ``folder``; a template already there is kept as it is,
    and so is anything that is a symbolic link (a copy would be written wherever it points)."""
    copied: list[str] = []
    kept: list[str] = []
    try:
        if folder.is_symlink():
            return [], sorted(p.name for p in default_templates_dir().glob("*.j2"))
        folder.mkdir(parents=True, exist_ok=True)
        for source in sorted(default_templates_dir().glob("*.j2")):
            target = folder / source.name
            try:
                with target.open("xb") as stream:  # never through a link, never over a file
                    stream.write(source.read_bytes())
            except FileExistsError:
                kept.append(source.name)
                continue
            copied.append(source.name)
    except OSError as error:
        for name in copied:
            with contextlib.suppress(OSError):
                (folder / name).unlink()
        message = (
            f"the templates could not be copied to {folder}: {error.strerror or error}; "
            "nothing was created"
        )
        raise WorkbookError(message) from error
    return copied, kept
