"""A row that names several interviewers: one draft each, a status naming each, sent for one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sheet_followup.cli import cli
from tests.conftest import MakeWorkbook, read_cells

HEADER = ["Company", "Interviewers", "Emails", "Interview date", "Stage", "Last contact"]


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def panel(make_workbook: MakeWorkbook) -> Path:
    return make_workbook(
        [
            [
                "Acme",
                "Jane Doe; Sam Lee",
                "jane@acme.example; sam@acme.example",
                dt.date(2026, 11, 23),
                "Interviewing",
                None,
            ],
            ["Globex", "Linda Hayes, HR Director", None, dt.date(2026, 11, 23), None, None],
        ],
        header=HEADER,
    )


def test_each_person_gets_a_draft_and_the_status_names_each(make_workbook: MakeWorkbook) -> None:
    path = panel(make_workbook)
    code, out, _ = invoke("run", path, "--today", "2026-11-23", "--json")
    assert code == 0, out
    report = json.loads(out)
    people = [(c["row"], c["contact"], c["kind"]) for c in report["contacts"]]
    assert people == [
        (2, "Jane Doe", "thank_you"),
        (2, "Sam Lee", "thank_you"),
        (3, "Linda Hayes", "thank_you"),
    ]
    jane, sam, linda = (Path(c["draft"]) for c in report["contacts"])
    assert jane.name == "acme-jane-doe-thank-you.md"
    assert "**To:** Jane Doe <jane@acme.example>" in jane.read_text(encoding="utf-8")
    assert "**To:** Sam Lee <sam@acme.example>" in sam.read_text(encoding="utf-8")
    assert "Dear Sam," in sam.read_text(encoding="utf-8")
    assert "Dear Linda," in linda.read_text(encoding="utf-8")  # not "Dear HR,"
    rows = read_cells(path)
    assert rows[0][6:9] == ["Follow-up status", "Next follow-up", "Draft"]
    assert rows[1][6] == "Thank-you due (add a gift): Jane Doe, Sam Lee"
    assert rows[1][8] == "acme-jane-doe-thank-you.md +1"  # the first draft, and how many more
    assert rows[2][6] == "Thank-you due (add a gift)"


def test_a_greeting_without_a_name_says_hello(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [["Initech", "recruiter@initech.example", None, dt.date(2026, 11, 23), None, None]],
        header=HEADER,
    )
    code, out, _ = invoke("run", path, "--today", "2026-11-23", "--json")
    assert code == 0, out
    [contact] = json.loads(out)["contacts"]
    text = Path(contact["draft"]).read_text(encoding="utf-8")
    assert "**To:** recruiter@initech.example\n" in text
    assert "\nHello,\n" in text and "Dear recruiter" not in text


def test_sent_for_a_row_records_everyone_in_it(make_workbook: MakeWorkbook) -> None:
    path = panel(make_workbook)
    assert invoke("run", path, "--today", "2026-11-23")[0] == 0
    code, out, _ = invoke("sent", path, "--row", "2", "--on", "2026-11-23")
    assert code == 0, out
    assert "Recorded 2 notes" in out
    log = list(openpyxl.load_workbook(path)["Log"].iter_rows(values_only=True))[1:]
    assert [(r[2], r[3]) for r in log] == [("Jane Doe", "thank_you"), ("Sam Lee", "thank_you")]
    rows = read_cells(path)
    assert isinstance(rows[1][5], dt.datetime)  # Last contact, everyone's: set
    assert rows[1][6] == "Waiting: Jane Doe, Sam Lee"


def test_sent_for_one_person_of_a_panel_logs_them_alone(make_workbook: MakeWorkbook) -> None:
    path = panel(make_workbook)
    assert invoke("run", path, "--today", "2026-11-23")[0] == 0
    code, out, _ = invoke("sent", path, "--contact", "Sam", "--on", "2026-11-23")
    assert code == 0, out
    assert "Sam Lee" in out and "Jane Doe" not in out
    rows = read_cells(path)
    assert rows[1][5] is None  # the row's Last contact would say Jane was written to as well
    assert rows[1][6] == "Thank-you due (add a gift): Jane Doe; Waiting: Sam Lee"
    code, _, err = invoke("sent", path, "--contact", "Nobody", "--on", "2026-11-23")
    assert code == 2 and "no contact named 'Nobody'" in err
