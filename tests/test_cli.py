"""The command line end to end: the sample tracker, a messy tracker, JSON, dry runs, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from sheet_followup.cli import cli
from tests.conftest import REPO, MakeWorkbook, pristine_sample, read_cells

EXPECTED_DRAFTS = REPO / "tests" / "data" / "sample_drafts"

# Sheet row -> (status, next follow-up) for the sample on Monday 2026-11-23.
SAMPLE_STATUSES = {
    5: ("Follow-up due", dt.date(2026, 11, 23)),
    6: ("Waiting", dt.date(2026, 11, 30)),
    7: ("Follow-up due (3 days late)", dt.date(2026, 11, 20)),
    8: ("Thank-you due (3 days late)", dt.date(2026, 11, 20)),
    9: ("Thank-you due (add a gift)", dt.date(2026, 11, 23)),
    10: ("Follow-up due (7 days late)", dt.date(2026, 11, 16)),
    11: ("Follow-up due (add a gift)", dt.date(2026, 11, 23)),
    12: ("Waiting", dt.date(2026, 11, 24)),
    13: ("Waiting", dt.date(2026, 11, 30)),
    14: ("Waiting", dt.date(2026, 12, 3)),
    15: ("Waiting", dt.date(2026, 11, 27)),
    16: ("Waiting (paused until 2026-12-07)", dt.date(2026, 12, 7)),
    17: ("Thank-you due (6 days late)", dt.date(2026, 11, 17)),
    18: ("Interview upcoming", dt.date(2026, 11, 26)),
    19: ("Interview upcoming", dt.date(2026, 12, 2)),
    20: ("No interview yet", None),
    21: ("Closed (Rejected)", None),
    22: ("Closed (Withdrawn)", None),
    23: (
        "Fix data: Job search!G23: 'next tues' is not a date; write it as a date like 2026-11-23",
        None,
    ),
}


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def as_day(value: object) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else None


def test_run_on_the_sample_writes_statuses_and_drafts(sample: Path) -> None:
    result = invoke("run", sample, "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    rows = read_cells(sample)
    header = rows[3]
    assert header[12:14] == ["Follow-up status", "Next follow-up"]
    got = {n: (rows[n - 1][12], as_day(rows[n - 1][13])) for n in SAMPLE_STATUSES}
    assert got == SAMPLE_STATUSES

    drafts = sample.parent / "drafts" / "2026-11-23"
    written = sorted(p.name for p in drafts.glob("*.md"))
    expected = sorted(p.name for p in EXPECTED_DRAFTS.glob("*.md"))
    assert written == expected
    for name in expected:
        assert (drafts / name).read_text(encoding="utf-8") == (EXPECTED_DRAFTS / name).read_text(
            encoding="utf-8"
        ), name

    assert "Thank-you due (3)" in result.stdout
    assert "Follow-up due (4)" in result.stdout
    assert "Wrote 7 drafts to" in result.stdout


def test_the_summary_says_for_each_row_what_it_needs(sample: Path) -> None:
    result = invoke("run", sample, "--today", "2026-11-23")
    lines = {" ".join(line.split()) for line in result.stdout.splitlines()}
    expected = {
        "row 8 Lumen Freight · Daniel Kowalski "
        "lumen-freight-daniel-kowalski-thank-you.md (3 days late)",
        "row 5 Brightwater Health Analytics · Priya Raman "
        "brightwater-health-analytics-priya-raman-follow-up.md",
        "row 23 Pinecrest Logistics · Ngozi Eze Job search!G23: 'next tues' is not a date; "
        "write it as a date like 2026-11-23",
        "row 16 Silverpine Software · Hannah Goldberg next Mon 2026-12-07 "
        "(paused until 2026-12-07)",
        "row 18 Greenway Mobility · Kofi Mensah interview Thu 2026-11-26",
        "row 20 Northbeam Retail · Liam O'Connor",
        "row 21 Redwood Civic Labs · Elena Petrova (Rejected)",
    }
    assert expected <= lines, expected - lines


def test_the_header_of_a_new_column_looks_like_the_others(sample: Path) -> None:
    invoke("run", sample, "--today", "2026-11-23")
    sheet = openpyxl.load_workbook(sample)["Job search"]
    last, new = sheet["L4"], sheet["M4"]
    assert (new.font.b, new.fill.fgColor.rgb) == (last.font.b, last.fill.fgColor.rgb)
    assert sheet["N5"].is_date


def test_the_new_columns_are_wide_enough_for_their_dates_and_look_like_links(
    sample: Path,
) -> None:
    invoke("run", sample, "--today", "2026-11-23")
    sheet = openpyxl.load_workbook(sample)["Job search"]
    # M status, N next follow-up (yyyy-mm-dd dates, which a default-width column shows as
    # #####), O the draft; the user's own columns keep the widths they had.
    widths = {letter: sheet.column_dimensions[letter].width for letter in "LMNO"}
    assert widths == {"L": 38, "M": 30, "N": 16, "O": 36}
    draft = sheet["O5"]
    assert draft.hyperlink is not None and draft.hyperlink.target.endswith(".md")
    assert (draft.font.u, draft.font.color.rgb) == ("single", "FF0563C1")


def test_a_second_run_with_nothing_new_leaves_the_file_byte_for_byte(sample: Path) -> None:
    invoke("run", sample, "--today", "2026-11-23")
    before = digest(sample)
    stat = sample.stat()
    result = invoke("run", sample, "--today", "2026-11-23")
    assert result.exit_code == 0
    assert digest(sample) == before
    assert sample.stat().st_mtime_ns == stat.st_mtime_ns
    assert "already up to date" in result.stdout


def test_only_the_tools_cells_change(sample: Path) -> None:
    before = read_cells(sample)
    invoke("run", sample, "--today", "2026-11-23")
    after = read_cells(sample)
    for number, (old, new) in enumerate(zip(before, after, strict=True), start=1):
        assert new[:12] == old[:12], f"row {number} changed outside the tool's columns"
    settings_before = read_cells(pristine_sample(), "Settings")
    assert read_cells(sample, "Settings") == settings_before
    with zipfile.ZipFile(pristine_sample()) as old, zipfile.ZipFile(sample) as new:
        # The Draft column's links add the sheet's relationships part, at the end.
        assert new.namelist() == [*old.namelist(), "xl/worksheets/_rels/sheet1.xml.rels"]
        changed = [n for n in old.namelist() if old.read(n) != new.read(n)]
    assert set(changed) <= {"xl/worksheets/sheet1.xml", "xl/styles.xml"}


def test_json_output(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sample.parent)
    result = invoke("run", "sample_tracker.xlsx", "--today", "2026-11-23", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["today"] == "2026-11-23"
    by_row = {c["row"]: c for c in report["contacts"]}
    assert set(by_row) == set(SAMPLE_STATUSES)
    assert by_row[7] == {
        "row": 7,
        "company": "Brightwater Health Analytics",
        "contact": "Grace Okafor",
        "kind": "follow_up",
        "status": "Follow-up due (3 days late)",
        "next_follow_up": "2026-11-20",
        "draft": str(
            Path("drafts/2026-11-23/brightwater-health-analytics-grace-okafor-follow-up.md")
        ),
        "drafts": [
            str(Path("drafts/2026-11-23/brightwater-health-analytics-grace-okafor-follow-up.md"))
        ],
        "gift": "Tip: the free 'Privacy by design for analysts' checklist "
        "https://example.com/guides/privacy-by-design",
    }
    kinds = {row: c["kind"] for row, c in by_row.items()}
    assert kinds[9] == "thank_you"
    assert kinds[16] == "waiting"
    assert kinds[18] == "upcoming"
    assert kinds[20] == "no_interview"
    assert kinds[21] == "closed"
    assert kinds[23] == "fix_data"
    assert by_row[23]["next_follow_up"] is None and by_row[23]["draft"] is None
    assert Path(by_row[9]["draft"]).is_file()


def test_dry_run_writes_nothing(sample: Path) -> None:
    before = digest(sample)
    result = invoke("run", sample, "--today", "2026-11-23", "--dry-run")
    assert result.exit_code == 0, result.output
    assert digest(sample) == before
    assert not (sample.parent / "drafts").exists()
    assert "Would write 7 drafts" in result.stdout
    # 36 status and date cells, the Draft header and 7 Draft links.
    assert "would update 44 cells in sample_tracker.xlsx" in result.stdout


def test_out_and_command_line_settings(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    result = invoke(
        "run", sample, "--today", "2026-11-23", "--out", out, "--every", "7", "--sender", "Sam Q"
    )
    assert result.exit_code == 0, result.output
    rows = read_cells(sample)
    # Every 7 days: the contact written to on 2026-11-16 is due today.
    assert rows[5][12] == "Follow-up due"
    drafts = list((out / "2026-11-23").glob("*.md"))
    assert drafts
    assert not (sample.parent / "drafts").exists()


def test_a_draft_the_user_edited_survives_a_second_run(sample: Path) -> None:
    invoke("run", sample, "--today", "2026-11-23")
    draft = next((sample.parent / "drafts" / "2026-11-23").glob("*thank-you.md"))
    draft.write_text("My own words.\n", encoding="utf-8")
    result = invoke("run", sample, "--today", "2026-11-23")
    assert draft.read_text(encoding="utf-8") == "My own words.\n"
    assert "(kept: you edited it)" in result.stdout


MESSY_HEADER = [
    "Employer",
    "Interviewer",
    "Role",
    "E-mail",
    "Date interviewed",
    "Status",
    "Last contacted",
    "Interests",
    "Notes",
]


def test_a_messy_tracker_gets_the_statuses_the_rules_say(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [
            [
                "Acme",
                "Jane Doe",
                "Analyst",
                "jane@example.com",
                dt.date(2026, 11, 20),
                "",
                None,
                "sailing",
                "n1",
            ],
            ["Acme", "Bob Stone", "Analyst", None, 46320, "Interviewing", "9 Nov 2026", None, None],
            [None] * 9,
            ["Globex", "Ann Lee", "Lead", None, "11/3/2026", "Rejected", "2026-11-10", None, None],
            ["Initech", "Sam Roe", None, None, "next tues", None, None, None, None],
            ["Hooli", None, None, None, "2026-11-02", None, None, None, None],
            ["Umbrella", "Kim Park", None, None, "2026-12-01", None, None, None, None],
            ["Wayne", "Lee Fox", None, None, None, "Applied", None, None, None],
        ],
        header=MESSY_HEADER,
        title_rows=[["My job search"], []],
    )
    result = invoke("run", path, "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    rows = read_cells(path)
    assert rows[2][9:11] == ["Follow-up status", "Next follow-up"]
    got = [(r[0], r[9], as_day(r[10])) for r in rows[3:]]
    assert got == [
        ("Acme", "Thank-you due (3 days late, add a gift)", dt.date(2026, 11, 20)),
        ("Acme", "Follow-up due (add a gift)", dt.date(2026, 11, 23)),
        (None, None, None),
        ("Globex", "Closed (Rejected)", None),
        (
            "Initech",
            "Fix data: Tracker!E8: 'next tues' is not a date; write it as a date like 2026-11-23",
            None,
        ),
        (
            "Hooli",
            "Fix data: Tracker!B9: an interview at Hooli on 2026-11-02 but no interviewer "
            "named; add the name of the person to thank",
            None,
        ),
        ("Umbrella", "Interview upcoming", dt.date(2026, 12, 1)),
        ("Wayne", "No interview yet", None),
    ]
    # The user's "Status" column keeps the stage it held.
    assert [r[5] for r in rows[3:]] == [
        None,
        "Interviewing",
        None,
        "Rejected",
        None,
        None,
        None,
        "Applied",
    ]


def test_stale_values_in_the_tools_columns_are_corrected(make_workbook: MakeWorkbook) -> None:
    header = ["Company", "Contact", "Interview date", "Follow-up status", "Next follow-up", "Notes"]
    path = make_workbook(
        [["Acme", "Jane", dt.date(2026, 11, 20), "Waiting", dt.date(2026, 1, 1), "keep me"]],
        header=header,
    )
    invoke("run", path, "--today", "2026-11-23")
    row = read_cells(path)[1]
    assert row[3] == "Thank-you due (3 days late, add a gift)"
    assert as_day(row[4]) == dt.date(2026, 11, 20)
    assert row[5] == "keep me"


def test_an_open_workbook_is_refused(sample: Path) -> None:
    (sample.parent / "~$sample_tracker.xlsx").write_bytes(b"owner")
    before = digest(sample)
    result = invoke("run", sample, "--today", "2026-11-23")
    assert result.exit_code == 1
    assert "close it in Excel and run again" in result.stderr
    assert digest(sample) == before
    assert not (sample.parent / "drafts").exists()


def test_a_missing_file_is_a_usage_error_listing_the_workbooks_there(tmp_path: Path) -> None:
    (tmp_path / "tracker.xlsx").write_bytes(b"")
    (tmp_path / "~$tracker.xlsx").write_bytes(b"")
    (tmp_path / "notes.txt").write_bytes(b"")
    result = invoke("run", tmp_path / "trackr.xlsx")
    assert result.exit_code == 2
    assert "trackr.xlsx' does not exist; workbooks in" in result.stderr
    assert result.stderr.rstrip().endswith(": tracker.xlsx")
    assert invoke("check", tmp_path / "nope.xlsx").exit_code == 2
    assert "is a folder" in invoke("check", tmp_path).stderr


def test_an_unknown_sheet_is_a_usage_error(sample: Path) -> None:
    result = invoke("run", sample, "--sheet", "Nope")
    assert result.exit_code == 2
    assert "its sheets are 'Job search', 'Settings'" in result.stderr


def test_an_unknown_option_is_a_usage_error(sample: Path) -> None:
    assert invoke("run", sample, "--frobnicate").exit_code == 2


def test_a_workbook_that_is_not_a_tracker_exits_1_naming_its_headers(
    make_workbook: MakeWorkbook,
) -> None:
    path = make_workbook([["x"]], header=["Budget", "Amount"])
    before = digest(path)
    result = invoke("run", path)
    assert result.exit_code == 1
    assert "is not a tracker" in result.stderr and "'Budget', 'Amount'" in result.stderr
    assert "Traceback" not in result.output
    assert digest(path) == before


def broken_templates(folder: Path) -> Path:
    """A templates folder whose follow-up uses an undefined name on its line 3."""
    folder.mkdir()
    (folder / "follow_up.j2").write_text("Subject: x\n\n{{ nope }}\n", encoding="utf-8")
    return folder


def test_a_broken_template_stops_before_anything_is_written(sample: Path, tmp_path: Path) -> None:
    templates = broken_templates(tmp_path / "mine")
    before = digest(sample)
    result = invoke("run", sample, "--today", "2026-11-23", "--templates", templates)
    assert result.exit_code == 1
    assert "follow_up.j2, line 3: 'nope' is undefined" in result.stderr
    assert digest(sample) == before
    assert not (sample.parent / "drafts").exists()


def test_python_dash_m_works_the_same(sample: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sheet_followup",
            "run",
            str(sample),
            "--today",
            "2026-11-23",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["today"] == "2026-11-23"


def test_a_console_that_cannot_print_a_name_degrades(make_workbook: MakeWorkbook) -> None:
    # A Windows console's code page has no "Ł": the name prints as "?ukasz", the run completes.
    path = make_workbook([["Acme", "Łukasz Nowak", None, None, "2026-11-20", None, None]])
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    completed = subprocess.run(
        [sys.executable, "-m", "sheet_followup", "run", str(path), "--today", "2026-11-23"],
        capture_output=True,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert b"Acme \xb7 ?ukasz Nowak" in completed.stdout
    assert b"Traceback" not in completed.stderr


def test_help_does_not_import_the_heavy_libraries() -> None:
    code = (
        "import sys; from sheet_followup.cli import cli; "
        "heavy = {'pandas', 'openpyxl', 'jinja2', 'python_calamine'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_every_command_and_option_has_help() -> None:
    for command in cli.commands.values():
        assert command.help, f"{command.name} is missing its help"
        for param in command.params:
            if isinstance(param, __import__("click").Option):
                assert param.help, f"{command.name} {param.opts} is missing its help"


def test_a_read_only_workbook_is_refused_and_left_alone(sample: Path) -> None:
    sample.chmod(0o444)
    before = digest(sample)
    result = invoke("run", sample, "--today", "2026-11-23")
    assert result.exit_code == 1
    assert "is read-only; clear its read-only setting" in result.stderr
    assert digest(sample) == before
    assert not (sample.parent / "drafts").exists()
    assert invoke("run", sample, "--today", "2026-11-23", "--dry-run").exit_code == 0


def test_a_drafts_folder_that_cannot_be_written_leaves_the_workbook_alone(
    sample: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the drafts folder should be", encoding="utf-8")
    before = digest(sample)
    result = invoke("run", sample, "--today", "2026-11-23", "--out", blocker / "drafts")
    assert result.exit_code == 1
    assert "cannot create the drafts folder" in result.stderr
    assert digest(sample) == before


def test_with_json_every_failure_is_one_json_object_on_stdout_too(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    not_a_tracker = make_workbook([["x"]], header=["Budget", "Amount"])
    result = invoke("run", not_a_tracker, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "error": result.stderr.removeprefix("Error: ").strip(),
        "exit_code": 1,
    }
    for args in (
        ["run", tmp_path / "missing.xlsx", "--json"],
        ["check", not_a_tracker, "--json", "--frobnicate"],
        ["run", not_a_tracker, "--sheet", "Nope", "--json"],
    ):
        result = invoke(*args)
        assert result.exit_code == 2, args
        report = json.loads(result.stdout)
        assert report["exit_code"] == 2 and report["error"] in result.stderr, args
    # Without --json, a failure prints nothing on stdout.
    assert invoke("run", not_a_tracker).stdout == ""


def test_a_weekly_run_loads_only_what_a_run_uses(tmp_path: Path) -> None:
    """A 100-row run is mostly start-up: the other commands' code and the heavy libraries a
    run does not need stay unloaded."""
    from tests.conftest import pristine_sample

    book = tmp_path / "tracker.xlsx"
    shutil.copy(pristine_sample(), book)
    code = (
        "import sys, datetime as dt; from sheet_followup.cli import cli\n"
        f"try: cli(['run', {str(book)!r}, '--today', '2026-11-23', '--out', {str(tmp_path)!r}])\n"
        "except SystemExit: pass\n"
        "unused = {'pandas', 'openpyxl', 'sheet_followup.sending', 'sheet_followup.adopt',\n"
        "          'sheet_followup.starter', 'sheet_followup.report'}\n"
        "print(sorted(unused & set(sys.modules)), file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "Wrote" in completed.stdout, completed.stdout
    assert completed.stderr.strip().splitlines()[-1] == "[]", completed.stderr
