"""The gift routine end to end: run, send, `sent`, and two weeks later the next gift."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from openpyxl.styles import Font, PatternFill

from sheet_followup.cli import cli

D = dt.date
HEADER = [
    "Company",
    "Contact",
    "Email",
    "Interview date",
    "Stage",
    "Last contact",
    "Interests",
    "Idea",
]


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Job search"
    sheet.append(HEADER)
    sheet.append(
        [
            "Brightwater",
            "Priya Raman",
            "p@example.com",
            D(2026, 10, 26),
            "Final round",
            D(2026, 11, 9),
            "marathons",
            "A dashboard for onboarding",
        ]
    )
    sheet.append(
        [
            "Brightwater",
            "Tomás Ortega",
            "t@example.com",
            D(2026, 10, 26),
            "Final round",
            D(2026, 11, 9),
            "cycling",
            None,
        ]
    )
    sheet.append(
        [
            "Acme",
            "Jane Doe",
            "j@example.com",
            D(2026, 11, 16),
            "Interviewing",
            None,
            "sailing",
            None,
        ]
    )
    sheet.append(
        [
            "Globex",
            "Ann Lee",
            "a@example.com",
            D(2026, 10, 1),
            "Rejected",
            D(2026, 10, 15),
            "chess",
            None,
        ]
    )
    gifts = workbook.create_sheet("Gifts")
    gifts.append(["Contact", "Company", "Gift", "Link", "Why", "Sent on"])
    gifts.append(
        [
            "Priya Raman",
            None,
            "Onboarding in 30 days",
            "https://example.com/a",
            "she worries about onboarding",
            None,
        ]
    )
    gifts.append(
        [
            "Priya Raman",
            None,
            "Marathon training plan",
            "https://example.com/b",
            "her Lisbon marathon",
            None,
        ]
    )
    gifts.append(
        [None, "Brightwater", "Health data privacy checklist", "https://example.com/c", None, None]
    )
    for cell in gifts[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
    log = workbook.create_sheet("Log")
    log.append(["Date", "Company", "Contact", "Kind", "Gift", "Draft", "Idea"])
    log.append(
        [D(2026, 10, 26), "Brightwater", "Priya Raman", "thank_you", "An old article", None, None]
    )
    log.append(
        [D(2026, 11, 9), "Brightwater", "Priya Raman", "follow_up", "Another article", None, None]
    )
    log.append([D(2026, 11, 16), "Acme", "Jane Doe", "thank_you", "Sailing blog", None, None])
    log.append([D(2026, 10, 15), "Globex", "Ann Lee", "follow_up", "Chess puzzles", None, None])
    for row in log.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "yyyy-mm-dd"
    path = tmp_path / "tracker.xlsx"
    workbook.save(path)
    return path


def contacts(result: Result) -> dict[str, dict[str, object]]:
    assert result.exit_code == 0, result.output
    return {c["contact"]: c for c in json.loads(result.stdout)["contacts"]}


def test_the_gift_routine_over_two_weeks(tracker: Path) -> None:
    week1 = contacts(invoke("run", tracker, "--today", "2026-11-23", "--json"))
    priya, tomas = week1["Priya Raman"], week1["Tomás Ortega"]
    assert (priya["kind"], priya["status"]) == ("follow_up", "Follow-up due (#2)")
    assert priya["gift"] == "Onboarding in 30 days https://example.com/a"
    assert tomas["gift"] == "Health data privacy checklist https://example.com/c"
    # The Log's thank-you counts as contact: no second thank-you for Jane.
    assert (week1["Jane Doe"]["kind"], week1["Jane Doe"]["next_follow_up"]) == (
        "waiting",
        "2026-11-30",
    )
    assert week1["Ann Lee"]["kind"] == "closing"
    summary = invoke("run", tracker, "--today", "2026-11-23", "--dry-run").stdout
    assert "Closing note due (1)" in summary
    assert "globex-ann-lee-closing.md" in summary

    draft = Path(str(priya["draft"])).read_text(encoding="utf-8")
    assert (
        "You mentioned that you worry about onboarding, and I came across this: "
        "Onboarding in 30 days https://example.com/a"
    ) in draft
    assert "One more thought since we spoke: A dashboard for onboarding." in draft
    closing = Path(str(week1["Ann Lee"]["draft"])).read_text(encoding="utf-8")
    assert "keep me in mind for future roles at Globex" in closing
    assert "[ADD A GIFT" not in closing

    before_log = [
        list(r) for r in openpyxl.load_workbook(tracker)["Log"].iter_rows(values_only=True)
    ]
    sent = invoke("sent", tracker, "--row", 2, "--row", 5, "--on", "2026-11-23", "--json")
    assert sent.exit_code == 0, sent.output
    recorded = json.loads(sent.stdout)["notes"]
    assert [(n["contact"], n["kind"]) for n in recorded] == [
        ("Priya Raman", "follow_up"),
        ("Ann Lee", "closing"),
    ]
    assert recorded[0]["draft"] == "drafts/2026-11-23/brightwater-priya-raman-follow-up.md"

    workbook = openpyxl.load_workbook(tracker)
    log = [list(r) for r in workbook["Log"].iter_rows(values_only=True)]
    assert log[: len(before_log)] == before_log  # appended to, never rewritten
    assert log[len(before_log) :] == [
        [
            dt.datetime(2026, 11, 23),
            "Brightwater",
            "Priya Raman",
            "follow_up",
            "Onboarding in 30 days https://example.com/a",
            "drafts/2026-11-23/brightwater-priya-raman-follow-up.md",
            "A dashboard for onboarding",
        ],
        [
            dt.datetime(2026, 11, 23),
            "Globex",
            "Ann Lee",
            "closing",
            None,
            "drafts/2026-11-23/globex-ann-lee-closing.md",
            None,
        ],
    ]
    gifts = workbook["Gifts"]
    assert gifts["F2"].value == dt.datetime(2026, 11, 23)
    assert gifts["F3"].value is None and gifts["F4"].value is None
    assert gifts["A1"].font.b and gifts["A1"].fill.fgColor.rgb == "001F4E78"  # its own formatting
    tracker_sheet = workbook["Job search"]
    assert tracker_sheet["F2"].value == dt.datetime(2026, 11, 23)
    assert tracker_sheet["I2"].value == "Waiting"

    again = contacts(invoke("run", tracker, "--today", "2026-11-23", "--json"))
    assert again["Ann Lee"]["status"] == "Closed (Rejected)"
    assert again["Priya Raman"]["kind"] == "waiting"

    two_weeks = contacts(invoke("run", tracker, "--today", "2026-12-07", "--json"))
    assert two_weeks["Priya Raman"]["status"] == "Follow-up due (#3)"
    assert two_weeks["Priya Raman"]["gift"] == "Marathon training plan https://example.com/b"
    later_draft = Path(str(two_weeks["Priya Raman"]["draft"])).read_text(encoding="utf-8")
    assert "One more thought" not in later_draft  # the idea went into one note only


def test_sent_refuses_rows_that_were_not_due_unless_forced(tracker: Path) -> None:
    invoke("run", tracker, "--today", "2026-11-23")
    before = tracker.read_bytes()
    refused = invoke("sent", tracker, "--row", 2, "--row", 4, "--on", "2026-11-23")
    assert refused.exit_code == 1
    assert "row 4 (Acme · Jane Doe) was not due a note: Waiting" in refused.stderr
    assert "Nothing was recorded" in refused.stderr
    assert tracker.read_bytes() == before
    forced = invoke("sent", tracker, "--row", 4, "--on", "2026-11-23", "--force")
    assert forced.exit_code == 0, forced.output
    assert "row 4" in forced.stdout and "follow-up" in forced.stdout


def test_sent_on_a_row_without_a_contact_is_a_usage_error(tracker: Path) -> None:
    result = invoke("sent", tracker, "--row", 40, "--on", "2026-11-23")
    assert result.exit_code == 2
    assert "no contact in row 40" in result.stderr


def test_sent_creates_the_log_when_there_is_none(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Interview date", "Gift"])
    sheet.append(["Acme", "Jane Doe", D(2026, 11, 20), "A sailing blog"])
    path = tmp_path / "tracker.xlsx"
    workbook.save(path)
    result = invoke("sent", path, "--row", 2, "--on", "2026-11-23")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Tracker", "Log"]
    rows = list(book["Log"].iter_rows(values_only=True))
    assert rows[0] == ("Date", "Company", "Contact", "Kind", "Gift", "Draft", "Idea", "Recorded")
    assert rows[1][:5] == (
        dt.datetime(2026, 11, 23),
        "Acme",
        "Jane Doe",
        "thank_you",
        "A sailing blog",
    )
    # The tracker had no Last contact column: it gains one, after the tool's own columns.
    header = [c.value for c in book["Tracker"][1]]
    assert header == [
        "Company",
        "Contact",
        "Interview date",
        "Gift",
        "Follow-up status",
        "Next follow-up",
        "Last contact",
    ]
    assert book["Tracker"]["G2"].value == dt.datetime(2026, 11, 23)
    assert book["Tracker"]["E2"].value == "Waiting"
    # Columns the tool adds are wide enough for their dates (a default width shows #####).
    tracker_widths = book["Tracker"].column_dimensions
    assert [tracker_widths[c].width for c in "EFG"] == [30, 16, 14]
    log_widths = book["Log"].column_dimensions
    assert [log_widths[c].width for c in "ABCDEFGH"] == [14, 28, 24, 14, 60, 56, 40, 14]
