"""`init`: a new tracker that opens in Excel's terms and that the tool reads without complaint."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from sheet_followup.cli import cli
from sheet_followup.drafts import default_templates_dir
from sheet_followup.fields import FIELDS, GIFT_FIELDS, LOG_HEADER
from sheet_followup.settings import (
    ACTIVE_STAGES,
    DEFAULT_CLOSED_STAGES,
    Settings,
    build_settings,
    known_setting_names,
    settings_from_rows,
)
from sheet_followup.starter import FIRST_DATA_ROW, HEADER_ROW, LAST_PREPARED_ROW
from sheet_followup.workbook_file import open_workbook, read_setting_rows

TODAY = "2026-11-23"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    path = tmp_path / "search" / "tracker.xlsx"
    result = invoke("init", path)
    assert result.exit_code == 0, result.output
    return path


def header(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, str]:
    """Header text -> column letter."""
    return {c.value: c.column_letter for c in ws[HEADER_ROW] if c.value}


def add_contacts(path: Path, rows: list[dict[str, object]]) -> None:
    """Type contacts into the tracker under its headers, as a user would in Excel."""
    workbook = openpyxl.load_workbook(path)
    ws = workbook["Job search"]
    letters = header(ws)
    for number, row in enumerate(rows, start=FIRST_DATA_ROW):
        for name, value in row.items():
            ws[f"{letters[name]}{number}"] = value
    workbook.save(path)


def test_init_writes_the_tracker_sheets_and_headers(tracker: Path) -> None:
    workbook = openpyxl.load_workbook(tracker)
    assert workbook.sheetnames == ["Job search", "Settings", "Gifts", "Log"]
    ws = workbook["Job search"]
    assert ws["A1"].value == "Job search"
    headers = [c.value for c in ws[HEADER_ROW] if c.value]
    assert headers == [
        "Company",
        "Position",
        "Contact",
        "Email",
        "Interview date",
        "Stage",
        "Last contact",
        "Interests",
        "Gift",
        "Why I fit",
        "Idea",
        "Pause until",
        "Keep in touch",
        "Notes",
        "Follow-up status",
        "Next follow-up",
        "Draft",
    ]
    # Every field but Thank-you sent, which only trackers of people's own have (`sent` keeps
    # the Log and Last contact instead).
    assert set(headers) - {"Notes"} == {f.shown for f in FIELDS.values()} - {"Thank-you sent"}
    assert ws[f"A{HEADER_ROW}"].font.bold
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert ws.column_dimensions["A"].width > 10
    letters = header(ws)
    for name in ("Interview date", "Last contact", "Pause until", "Next follow-up"):
        for row in (FIRST_DATA_ROW, LAST_PREPARED_ROW):
            assert ws[f"{letters[name]}{row}"].number_format == "yyyy-mm-dd", (name, row)
    assert ws[f"{letters['Company']}{FIRST_DATA_ROW}"].value is None
    assert [c.value for c in workbook["Gifts"][1]] == [s for s, _ in GIFT_FIELDS.values()]
    assert tuple(c.value for c in workbook["Log"][1]) == LOG_HEADER
    assert workbook["Log"].max_row == 1


def test_init_adds_dropdowns_for_stage_and_keep_in_touch(tracker: Path) -> None:
    ws = openpyxl.load_workbook(tracker)["Job search"]
    letters = header(ws)
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    stage = f"{letters['Stage']}{FIRST_DATA_ROW}:{letters['Stage']}{LAST_PREPARED_ROW}"
    offered = lists[stage].strip('"').split(",")
    assert offered == [*ACTIVE_STAGES, *DEFAULT_CLOSED_STAGES]
    keep = (
        f"{letters['Keep in touch']}{FIRST_DATA_ROW}:{letters['Keep in touch']}{LAST_PREPARED_ROW}"
    )
    assert lists[keep] == '"yes,no"'


def test_init_colours_the_status_column_by_status(tracker: Path) -> None:
    ws = openpyxl.load_workbook(tracker)["Job search"]
    status = header(ws)["Follow-up status"]
    rules = {
        rule.text: rule
        for formatting in ws.conditional_formatting
        for rule in formatting.rules
        if str(formatting.sqref) == f"{status}{FIRST_DATA_ROW}:{status}{LAST_PREPARED_ROW}"
    }
    due = ("Thank-you due", "Follow-up due", "Closing note due", "Keep in touch due")
    assert set(rules) >= {*due, "Fix data", "Waiting", "Closed"}
    for words, rule in rules.items():
        assert rule.type == "beginsWith"
        assert rule.formula == [f'LEFT({status}{FIRST_DATA_ROW},{len(words)})="{words}"']
    fills = {words: rules[words].dxf.fill.fgColor.rgb for words in (*due, "Fix data")}
    assert len({fills[w] for w in due}) == 1  # every due note looks alike
    assert fills["Fix data"] != fills["Thank-you due"]


def test_the_settings_sheet_holds_every_known_setting_at_its_default(tracker: Path) -> None:
    rows = list(openpyxl.load_workbook(tracker)["Settings"].iter_rows(values_only=True))
    names = [row[0] for row in rows[1:]]
    assert names == known_setting_names()
    values = {row[0]: row[1] for row in rows[1:]}
    assert values["Your name"] is None
    assert values["Your email"] is None
    assert values["Follow up every (days)"] == 14
    assert values["Skip weekends"] == "yes"
    assert values["Date order"] == "auto"
    # Read back as the tool reads it: no warning, and exactly the defaults.
    sheet_values, problems = settings_from_rows(read_setting_rows(open_workbook(tracker)))
    assert problems == []
    assert build_settings(sheet_values, {}) == Settings()


def test_init_copies_the_default_templates_beside_the_workbook(tracker: Path) -> None:
    defaults = sorted(p.name for p in default_templates_dir().glob("*.j2"))
    folder = tracker.parent / "templates"
    assert sorted(p.name for p in folder.iterdir()) == defaults
    for name in defaults:
        assert (folder / name).read_bytes() == (default_templates_dir() / name).read_bytes()


def test_init_keeps_templates_that_are_already_there(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "thank_you.j2").write_text("Subject: mine\n\nMy own words.\n", encoding="utf-8")
    result = invoke("init", tmp_path / "tracker.xlsx")
    assert result.exit_code == 0, result.output
    assert (folder / "thank_you.j2").read_text(encoding="utf-8").startswith("Subject: mine")
    assert (folder / "follow_up.j2").is_file()
    assert "Kept your own templates" in result.output
    assert "thank_you.j2" in result.output


def test_init_prints_what_it_made_and_the_next_steps(tmp_path: Path) -> None:
    result = invoke("init", tmp_path / "tracker.xlsx")
    assert result.exit_code == 0, result.output
    assert "Created" in result.output
    assert "Settings" in result.output
    # The templates beside the workbook are used without a flag: the command says so.
    assert "--templates" not in result.output
    assert "every run uses them" in result.output
    assert f"sheet-followup run {tmp_path / 'tracker.xlsx'}" in result.output


def test_templates_init_copied_are_used_without_a_flag_and_named_once_edited(
    tracker: Path,
) -> None:
    add_contacts(
        tracker,
        [
            {
                "Company": "Acme",
                "Contact": "Jane Doe",
                "Email": "jane@example.com",
                "Interview date": dt.date(2026, 11, 23),
            }
        ],
    )
    untouched = invoke("run", tracker, "--today", TODAY, "--dry-run")
    assert untouched.exit_code == 0, untouched.output
    assert "Templates:" not in untouched.output  # the copy is still the defaults

    mine = tracker.parent / "templates" / "thank_you.j2"
    mine.write_text("Subject: Thanks from me\n\nDear {{ first_name }}, my own words.\n", "utf-8")
    result = invoke("run", tracker, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "Templates: thank_you.j2 from" in result.output
    draft = tracker.parent / "drafts" / TODAY / "acme-jane-doe-thank-you.md"
    assert "Dear Jane, my own words." in draft.read_text(encoding="utf-8")


def test_init_refuses_to_overwrite_a_file(tmp_path: Path) -> None:
    existing = tmp_path / "tracker.xlsx"
    existing.write_bytes(b"precious")
    result = invoke("init", existing)
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert existing.read_bytes() == b"precious"
    assert not (tmp_path / "templates").exists()


def test_init_wants_an_xlsx_name(tmp_path: Path) -> None:
    result = invoke("init", tmp_path / "tracker.csv")
    assert result.exit_code == 2
    assert ".xlsx" in result.output
    assert not list(tmp_path.iterdir())


def test_an_empty_tracker_from_init_runs_and_checks_clean(tracker: Path) -> None:
    result = invoke("run", tracker, "--today", TODAY, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["contacts"] == []
    assert report["warnings"] == []
    checked = invoke("check", tracker, "--today", TODAY)
    assert checked.exit_code == 0, checked.output


def test_a_tracker_from_init_runs_without_a_single_fix_data_row(tracker: Path) -> None:
    add_contacts(
        tracker,
        [
            {
                "Company": "Acme",
                "Position": "Analyst",
                "Contact": "Jane Doe",
                "Email": "jane@acme.example.com",
                "Interview date": dt.date(2026, 11, 20),
                "Interests": "sailing",
                "Gift": "An article on sailing https://example.com/sail",
            },
            {
                "Company": "Globex",
                "Contact": "Sam Lee",
                "Email": "sam@globex.example.com",
                "Interview date": dt.date(2026, 10, 26),
                "Stage": "Interviewing",
                "Last contact": dt.date(2026, 11, 2),
                "Gift": "A tip",
                "Keep in touch": "no",
            },
            {
                "Company": "Initech",
                "Contact": "Ann Bell",
                "Interview date": dt.date(2026, 12, 1),
            },
        ],
    )
    templates = tracker.parent / "templates"
    result = invoke("run", tracker, "--today", TODAY, "--templates", templates, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    kinds = {c["contact"]: c["kind"] for c in report["contacts"]}
    assert kinds == {"Jane Doe": "thank_you", "Sam Lee": "follow_up", "Ann Bell": "upcoming"}
    assert not [c for c in report["contacts"] if c["kind"] == "fix_data"]
    assert report["warnings"] == []
    assert not any("unknown setting" in w for w in report["warnings"])

    ws = openpyxl.load_workbook(tracker)["Job search"]
    letters = header(ws)
    statuses = [ws[f"{letters['Follow-up status']}{r}"].value for r in range(5, 8)]
    assert statuses == [
        "Thank-you due (3 days late)",
        "Follow-up due (7 days late)",
        "Interview upcoming",
    ]
    assert ws[f"{letters['Next follow-up']}5"].value == dt.datetime(2026, 11, 20)

    checked = invoke("check", tracker, "--today", TODAY, "--json")
    assert checked.exit_code == 0, checked.output
    assert not any("unknown setting" in w for w in json.loads(checked.output)["warnings"])


def test_sent_appends_to_the_log_of_a_tracker_from_init(tracker: Path) -> None:
    add_contacts(
        tracker,
        [{"Company": "Acme", "Contact": "Jane Doe", "Interview date": dt.date(2026, 11, 20)}],
    )
    assert invoke("run", tracker, "--today", TODAY).exit_code == 0
    result = invoke("sent", tracker, "--row", "5", "--on", TODAY)
    assert result.exit_code == 0, result.output
    log = list(openpyxl.load_workbook(tracker)["Log"].iter_rows(values_only=True))
    assert log[0] == LOG_HEADER
    assert log[1][:4] == (dt.datetime(2026, 11, 23), "Acme", "Jane Doe", "thank_you")


def test_settings_templates_names_another_folder_and_a_missing_one_is_a_clear_error(
    tracker: Path,
) -> None:
    add_contacts(
        tracker,
        [{"Company": "Acme", "Contact": "Jane Doe", "Interview date": dt.date(2026, 11, 23)}],
    )
    workbook = openpyxl.load_workbook(tracker)
    settings = workbook["Settings"]
    settings.append(["Templates", "letters"])
    workbook.save(tracker)

    missing = invoke("run", tracker, "--today", TODAY, "--dry-run")
    assert missing.exit_code != 0
    assert "Templates 'letters'" in missing.output

    letters = tracker.parent / "letters"
    letters.mkdir()
    (letters / "thank_you.j2").write_text("Subject: Hi\n\nLetters folder note.\n", "utf-8")
    result = invoke("run", tracker, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "Templates: thank_you.j2 from" in result.output
    assert "letters" in result.output
    draft = tracker.parent / "drafts" / TODAY / "acme-jane-doe-thank-you.md"
    assert "Letters folder note." in draft.read_text(encoding="utf-8")
