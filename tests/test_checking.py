"""`check`: every problem with its cell, errors first, nothing written."""

import datetime as dt
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheet_followup.cadence import plan_followups
from sheet_followup.checking import check_followups
from sheet_followup.cli import cli
from sheet_followup.gifts import looks_tangible
from sheet_followup.models import Contact
from sheet_followup.settings import Settings
from tests.conftest import MakeWorkbook

TODAY = dt.date(2026, 11, 23)
HEADER = ["Company", "Contact", "Email", "Interview date", "Stage", "Last contact", "Gift"]


LETTERS = dict(
    zip(
        ["company", "contact", "email", "interview_date", "stage", "last_contact", "gift"],
        "ABCDEFG",
        strict=True,
    )
)


def messages(*contacts: Contact) -> list[str]:
    followups = plan_followups(contacts, TODAY, Settings())
    return [f"{p.level}: {p.message}" for p in check_followups(followups, TODAY, Settings())]


def row(number: int, **fields: object) -> Contact:
    base: dict[str, object] = {
        "row": number,
        "company": "Acme",
        "contact": f"Person {number}",
        "email": "p@example.com",
        "gift": "an article",
        "interview_date": dt.date(2026, 11, 20),
        "last_contact": dt.date(2026, 11, 20),
        "sheet": "Tracker",
        "letters": LETTERS,
    }
    return Contact(**(base | fields))  # type: ignore[arg-type]


def test_a_clean_tracker_has_no_problems() -> None:
    assert messages(row(2), row(3)) == []


def test_errors_come_before_warnings_and_name_their_cells() -> None:
    found = messages(
        row(2, email="", last_contact=None),
        row(3, last_contact=dt.date(2026, 12, 1)),
    )
    assert found == [
        "error: Tracker!F3: last contact 2026-12-01 is in the future; write the day you sent your last note",
        "warning: Tracker!C2: no email for Person 2, who is due a thank-you; the draft will have no address",
    ]


def test_a_due_contact_without_a_gift_is_warned_with_their_interests() -> None:
    [with_interests] = messages(row(2, gift="", last_contact=None, interests="chess"))
    assert (
        with_interests
        == "warning: Tracker!G2: no gift for Person 2, who is due a thank-you (their interests: chess)"
    )
    [without] = messages(row(2, gift="", last_contact=None))
    assert "and no interests noted to choose one" in without
    assert messages(row(2, gift="")) == []  # not due: nothing to warn about yet


@pytest.mark.parametrize(
    "gift",
    [
        "a $50 Amazon gift card",
        "Starbucks voucher",
        "cash",
        "a bottle of wine, 30 EUR",
        "€20 for lunch",
        "Gift Certificate",
    ],
)
def test_tangible_gifts_are_flagged(gift: str) -> None:
    assert looks_tangible(gift)
    [warning] = messages(row(2, gift=gift))
    assert warning.startswith(
        f"warning: Tracker!G2: '{gift}' looks like a tangible gift; it reads as a bribe"
    )


@pytest.mark.parametrize(
    "gift",
    [
        "Article: cutting onboarding from 90 days to 30",
        "Intro to Dr. Lena Fischer",
        "a list of 5 restaurants in Lisbon",
        "https://example.com/cash-flow-forecasting",
    ],
)
def test_informational_gifts_are_not_flagged(gift: str) -> None:
    assert not looks_tangible(gift)
    assert messages(row(2, gift=gift)) == []


def test_a_duplicated_contact_is_warned() -> None:
    found = messages(row(2, contact="Jane Doe"), row(3, contact="jane  DOE"))
    assert found == [
        "warning: Tracker!B3: Acme · jane  DOE is also in Tracker!B2; keep one row per interviewer"
    ]


def test_an_unknown_stage_names_the_nearest_known_one() -> None:
    [typo] = messages(row(2, stage="Rejectd"))
    assert (
        typo
        == "warning: Tracker!E2: unknown stage 'Rejectd' (treated as active); did you mean 'Rejected'?"
    )
    [odd] = messages(row(2, stage="Zebra"))
    assert odd == (
        "warning: Tracker!E2: unknown stage 'Zebra' (treated as active); if it means the "
        "application is over, add it to Closed stages in Settings"
    )


def test_an_interview_date_more_than_a_year_away_is_warned() -> None:
    [far] = messages(row(2, interview_date=dt.date(2062, 11, 20), last_contact=None))
    assert (
        far
        == "warning: Tracker!D2: interview date 2062-11-20 is more than a year away; is the year right?"
    )
    assert (
        messages(row(2, interview_date=dt.date(2026, 1, 5), last_contact=dt.date(2026, 11, 20)))
        == []
    )


def test_check_names_each_bad_cell_exits_1_and_writes_nothing(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [
            ["Acme", "Jane", "j@example.com", "next tues", None, None, "an article"],
            ["Acme", "Bob", "b@example.com", "2026-11-02", None, "2026-12-24", "an article"],
            ["Globex", "Ann", "a@example.com", "=TODAY()+3", None, None, "an article"],
            ["Initech", "Sam", None, "2026-11-20", "Intervewing", None, "$100 gift card"],
        ],
        header=HEADER,
    )
    # A formula typed as text (Excel shows it as typed when the cell is formatted as Text).
    workbook = openpyxl.load_workbook(path)
    workbook["Tracker"]["D4"].data_type = "s"
    workbook.save(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = CliRunner().invoke(cli, ["check", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 1
    lines = [line.strip() for line in result.stdout.splitlines()]
    errors = lines[lines.index("Errors (3)") + 1 : lines.index("Errors (3)") + 4]
    assert errors == [
        "Tracker!D2: 'next tues' is not a date; write it as a date like 2026-11-23",
        "Tracker!F3: last contact 2026-12-24 is in the future; write the day you sent your last note",
        "Tracker!D4: '=TODAY()+3' is not a date; write it as a date like 2026-11-23",
    ]
    assert "Warnings (3)" in lines
    assert any(line.startswith("Tracker!C5: no email for Sam") for line in lines)
    assert any(
        line.startswith("Tracker!G5: '$100 gift card' looks like a tangible gift") for line in lines
    )
    assert any(
        "unknown stage 'Intervewing' (treated as active); did you mean 'Interviewing'?" in line
        for line in lines
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not (path.parent / "drafts").exists()
    assert not (path.parent / ".sheet-followup-backups").exists()


def test_check_exits_0_without_errors_and_reports_settings_problems(
    make_workbook: MakeWorkbook,
) -> None:
    path = make_workbook(
        [["Acme", "Jane", "j@example.com", "2026-11-20", None, "2026-11-20", "an article"]],
        header=HEADER,
        sheets={"Settings": [["Setting", "Value"], ["Colour", "blue"]]},
    )
    result = CliRunner().invoke(cli, ["check", str(path), "--today", "2026-11-23", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert report["warnings"][0].startswith("Settings!B2: unknown setting 'Colour'")
    assert report["contacts"] == 1


def test_check_on_a_file_that_is_not_a_tracker_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("hello", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "not an Excel workbook" in result.stderr
