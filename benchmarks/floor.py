"""The stack's floor: the least a run can do with the product's fixed stack, and no more.

``python benchmarks/floor.py TRACKER.xlsx OUT_FOLDER [NOTES]``

Issue 7's goals are ratios to openpyxl's bare load and save. This program shows how low those
ratios can go at all: it starts Python, imports Click and Jinja2 (the stack the product is built
on) and python-calamine, reads the first sheet, renders one short Jinja2 note for every second
data row (the tool finds about 47% of a benchmark tracker's rows due) and writes each to its own
file, and writes the workbook back: every zip member copied into a new zip (compression level 1)
and renamed over the original. No column matching, no rules, no settings, no styles, no check
of what was written, no index page, calendar or manifest, no backup. The tool does all of that
too, so it cannot be faster than this; a goal below this program's ratio cannot be met by any
program built on the stack.

With ``NOTES`` it renders and writes that many notes instead, spread evenly over the rows:
``run.py`` passes the number of drafts the tool writes for the same tracker, so that both
render as many notes.
"""

from __future__ import annotations

import os
import sys
import zipfile

import click
import jinja2
from python_calamine import CalamineWorkbook

NOTE = """Subject: Following up on our conversation

Dear {{ name }},

Thank you again for talking with me about {{ role }} at {{ company }}.
{% if article %}I thought you might like this: {{ article }}
{% endif %}
Best regards,
"""


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("out", type=click.Path(file_okay=False))
@click.argument("notes", type=int, required=False)
def main(path: str, out: str, notes: int | None) -> None:
    workbook = CalamineWorkbook.from_path(path)
    rows = workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python()
    template = jinja2.Environment(autoescape=False).from_string(NOTE)
    # Plain strings and os calls, as the tool uses for its drafts: the floor is kept as fast as
    # it can be, so that it never flatters the tool.
    os.makedirs(out, exist_ok=True)  # noqa: PTH103
    due = (
        rows[1::2] if notes is None else rows[1 :: max(1, (len(rows) - 1) // max(notes, 1))][:notes]
    )
    for number, row in enumerate(due):
        cells = [str(value) for value in row[:4]] + ["", "", "", ""]
        note = template.render(company=cells[0], name=cells[1], role=cells[2], article=cells[3])
        name = os.path.join(out, f"note-{number}.md")  # noqa: PTH118
        with open(name, "w", encoding="utf-8") as stream:  # noqa: PTH123
            stream.write(note)
    temp = path + ".tmp"
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info), compresslevel=1)
    os.replace(temp, path)  # noqa: PTH105


if __name__ == "__main__":
    sys.exit(main())
