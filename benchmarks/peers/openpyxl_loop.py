"""A peer: the job as a user would script it with openpyxl alone.

``python benchmarks/peers/openpyxl_loop.py TRACKER.xlsx OUT_FOLDER``

Load the workbook, loop over the tracker's rows, decide each with the core rule (a thank-you
when nothing was sent since the interview, a follow-up 14 days after the last note), write a
status and the next date into two columns, save the workbook in place, and write a Markdown
draft per due row. No column matching beyond the header names, no Settings, no checks, no
backup: less than the tool does, in the most common way of doing it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import openpyxl

TODAY = dt.datetime(2026, 11, 23)  # noqa: DTZ001 (openpyxl reads naive datetimes)
EVERY = dt.timedelta(days=14)


def day(value: object) -> dt.datetime | None:
    return value if isinstance(value, dt.datetime) else None


def main(path: str, out: str) -> int:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    col = {name: header.index(name) for name in header if name}
    status_col, next_col = len(header) + 1, len(header) + 2
    sheet.cell(1, status_col, "Follow-up status")
    sheet.cell(1, next_col, "Next follow-up")
    os.makedirs(out, exist_ok=True)  # noqa: PTH103
    for number, row in enumerate(sheet.iter_rows(min_row=2), start=2):
        values = [cell.value for cell in row]
        interview, last = day(values[col["Interview date"]]), day(values[col["Last contact"]])
        stage = str(values[col["Stage"]] or "")
        if stage in ("Rejected", "Hired", "Withdrawn", "Offer accepted", "Position filled"):
            status, nxt = "Closed", None
        elif interview is None:
            status, nxt = "No interview yet", None
        elif interview > TODAY:
            status, nxt = "Interview upcoming", interview
        elif last is None or last < interview:
            status, nxt = "Thank-you due", interview
        else:
            nxt = last + EVERY
            status = "Follow-up due" if nxt <= TODAY else "Waiting"
        sheet.cell(number, status_col, status)
        sheet.cell(number, next_col, nxt)
        if status.endswith("due"):
            name, company = values[col["Contact"]], values[col["Company"]]
            text = (
                f"To: {values[col['Email']]}\n\nDear {name},\n\nThank you again for talking "
                f"with me about the {values[col['Position']]} role at {company}.\n"
            )
            with open(os.path.join(out, f"{number}.md"), "w", encoding="utf-8") as stream:  # noqa: PTH118, PTH123
                stream.write(text)
    workbook.save(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
