"""A peer: the job as a data analyst would script it: pandas to decide, openpyxl to write back.

``python benchmarks/peers/pandas_writeback.py TRACKER.xlsx OUT_FOLDER``

``pandas.read_excel`` reads the tracker, the core rule (a thank-you when nothing was sent since
the interview, a follow-up 14 days after the last note) is worked out column-wise, openpyxl
loads the workbook again to write the status and the next date into two columns without losing
its formatting, saves it in place, and a Markdown draft is written per due row.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import openpyxl
import pandas as pd

TODAY = pd.Timestamp(2026, 11, 23)


def main(path: str, out: str) -> int:
    frame = pd.read_excel(path, sheet_name=0, engine="openpyxl")  # the usual, and the default
    interview = pd.to_datetime(frame["Interview date"], errors="coerce")
    last = pd.to_datetime(frame["Last contact"], errors="coerce")
    closed = frame["Stage"].isin(["Rejected", "Hired", "Withdrawn", "Offer accepted"])
    following = last + pd.Timedelta(days=14)
    thank = interview.notna() & (interview <= TODAY) & (last.isna() | (last < interview))
    status = np.select(
        [closed, interview.isna(), interview > TODAY, thank, following <= TODAY],
        ["Closed", "No interview yet", "Interview upcoming", "Thank-you due", "Follow-up due"],
        default="Waiting",
    )
    nxt = np.where(thank | (interview > TODAY), interview, following)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    width = sheet.max_column
    sheet.cell(1, width + 1, "Follow-up status")
    sheet.cell(1, width + 2, "Next follow-up")
    os.makedirs(out, exist_ok=True)  # noqa: PTH103
    for index, (text, day) in enumerate(zip(status, nxt, strict=True)):
        row = index + 2
        sheet.cell(row, width + 1, str(text))
        sheet.cell(row, width + 2, None if pd.isna(day) else pd.Timestamp(day).to_pydatetime())
        if str(text).endswith("due"):
            record = frame.iloc[index]
            note = (
                f"To: {record['Email']}\n\nDear {record['Contact']},\n\nThank you again for "
                f"talking with me about the {record['Position']} role at {record['Company']}.\n"
            )
            with open(os.path.join(out, f"{row}.md"), "w", encoding="utf-8") as stream:  # noqa: PTH118, PTH123
                stream.write(note)
    workbook.save(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
