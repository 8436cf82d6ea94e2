"""The Gifts and Log sheets: the user's list of informational gifts, and every note sent.

Both are small sheets the user may keep by hand, so each is found by its name and its header
row, and a line that cannot be read is reported and left out rather than stopping the run.
"""

from __future__ import annotations

import datetime as dt

from sheet_followup.columns import match_fields
from sheet_followup.dates import DateOrder, NotADateError, parse_date
from sheet_followup.fields import GIFT_FIELDS, LOG_FIELDS
from sheet_followup.layout import (
    HEADER_SEARCH_ROWS,
)
from sheet_followup.models import Gift, LogEntry
from sheet_followup.people import people_in
from sheet_followup.workbook_file import Workbook, cell_at, cell_text
from sheet_followup.xlsx.references import column_letters

GIFTS_SHEET = "Gifts"
LOG_SHEET = "Log"


def locate_small_sheet(
    workbook: Workbook, name: str, fields: dict[str, tuple[str, tuple[str, ...]]], needed: str
) -> tuple[str, int, dict[str, int], list[list[object]]] | None:
    """A Gifts or Log sheet: its real name, header row, columns and cells; None when absent."""
    sheet = workbook.find_sheet(name)
    if sheet is None:
        return None
    rows = workbook.rows(sheet)
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        found = match_fields(cells, fields)
        if needed in found:
            return sheet, index, found, rows
    return None


def read_gifts(workbook: Workbook, *, date_order: DateOrder, problems: list[str]) -> list[Gift]:
    """The Gifts sheet's rows, in sheet order; an unreadable Sent on is reported, not fatal."""
    found = locate_small_sheet(workbook, GIFTS_SHEET, GIFT_FIELDS, "gift")
    if found is None:
        return []
    sheet, header, columns, rows = found
    gifts: list[Gift] = []
    for number in range(header + 1, len(rows) + 1):
        cells = rows[number - 1]
        text = {
            k: cell_text(cell_at(cells, columns.get(k)))
            for k in ("gift", "contact", "company", "link", "why")
        }
        if not text["gift"] and not text["link"]:
            continue
        sent_on = None
        try:
            sent_on = parse_date(
                cell_at(cells, columns.get("sent_on")),
                order=date_order,
                date1904=workbook.info.date1904,
            )
        except NotADateError as error:
            ref = f"{sheet}!{column_letters(columns['sent_on'])}{number}"
            problems.append(f"{ref}: {error} is not a date; the gift counts as sent")
            sent_on = dt.date.min
        text["contact"] = canonical_name(text["contact"], text["company"])
        if not text["contact"] and not text["company"]:
            ref = f"{sheet}!{column_letters(columns.get('contact', 1))}{number}"
            problems.append(f"{ref}: the gift '{text['gift']}' names no contact or company")
            continue
        gifts.append(Gift(row=number, sent_on=sent_on, **text))
    return gifts


def read_log(workbook: Workbook, *, date_order: DateOrder, problems: list[str]) -> list[LogEntry]:
    """The Log sheet's lines; a line without a readable date is reported and left out."""
    found = locate_small_sheet(workbook, LOG_SHEET, LOG_FIELDS, "kind")
    if found is None:
        return []
    sheet, header, columns, rows = found
    entries: list[LogEntry] = []
    for number in range(header + 1, len(rows) + 1):
        cells = rows[number - 1]
        text = {
            k: cell_text(cell_at(cells, columns.get(k)))
            for k in ("company", "contact", "kind", "gift", "draft", "idea")
        }
        if not any(text.values()):
            continue
        try:
            day = parse_date(
                cell_at(cells, columns.get("date")),
                order=date_order,
                date1904=workbook.info.date1904,
            )
        except NotADateError:
            day = None
        if day is None:
            ref = f"{sheet}!{column_letters(columns.get('date', 1))}{number}"
            problems.append(f"{ref}: a Log line without a date is left out")
            continue
        text["kind"] = normalize_kind(text["kind"])
        text["contact"] = canonical_name(text["contact"], text["company"])
        entries.append(LogEntry(day=day, **text))
    return entries


def canonical_name(text: str, company: str = "") -> str:
    """A Log's or a Gifts sheet's person as the tracker's rows name them ("Linda Hayes" for
    "Linda Hayes, HR Director"), so that both are about the same contact."""
    people = people_in(text, company)
    return people[0].shown if people else text


def normalize_kind(kind: str) -> str:
    """ "Thank-you" or "thank_you" -> "thank_you", as the Log may be typed by hand."""
    return "_".join(kind.casefold().replace("-", " ").split())
