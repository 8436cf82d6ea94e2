"""The Python API: the README's example runs as written, and each function answers as the
command line does, with typed results."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sheet_followup
from tests.conftest import REPO, pristine_sample

TODAY = dt.date(2026, 11, 23)


def readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the README's Python API section has an example"
    return found.group(1)


def test_the_readmes_example_runs_as_written(tmp_path: Path) -> None:
    shutil.copyfile(pristine_sample(), tmp_path / "sample_tracker.xlsx")
    done = subprocess.run(
        [sys.executable, "-c", readme_example()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("7 notes due:")
    assert "5 Follow-up due brightwater-health-analytics-priya-raman-follow-up.md" in lines
    assert "[('Priya Raman', 'follow_up')]" in lines
    assert lines[-1].startswith("2 unknown setting 'every_dayz'")
    assert (tmp_path / "drafts" / "2026-11-23").is_dir()


def test_plan_writes_nothing_and_names_every_contact(sample: Path) -> None:
    before = sample.read_bytes()
    decided = sheet_followup.plan(sample, today=TODAY)
    assert sample.read_bytes() == before
    assert not (sample.parent / "drafts").exists()
    rows = {f.contact.row: f.status for f in decided.followups}
    assert rows[5] == "Follow-up due" and rows[21] == "Closed (Rejected)"
    assert decided.settings.every_days == 14


def test_settings_override_the_sheet_and_an_unknown_one_raises(sample: Path) -> None:
    weekly = sheet_followup.plan(sample, today=TODAY, settings={"every_days": 7})
    assert weekly.settings.every_days == 7
    with pytest.raises(sheet_followup.UsageError, match="unknown setting 'every_dayz'"):
        sheet_followup.run(sample, today=TODAY, settings={"every_dayz": 7})
    assert not (sample.parent / "drafts").exists()  # refused before anything was read


def test_run_returns_what_it_did_and_a_dry_run_does_nothing(sample: Path) -> None:
    before = sample.read_bytes()
    dry = sheet_followup.run(sample, today=TODAY, dry_run=True)
    assert dry.dry_run and sample.read_bytes() == before and dry.cells_changed == 44
    done = sheet_followup.run(sample, today=TODAY, formats=["md", "html"])
    assert done.cells_changed == 44 and len(done.drafts) == 7
    assert all(
        d.path.is_file() and d.path.with_suffix(".html").is_file() for d in done.drafts.values()
    )


def test_errors_are_the_packages_classes_with_the_commands_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "notes.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(sheet_followup.WorkbookError) as caught:
        sheet_followup.plan(tmp_path / "notes.xlsx")
    assert caught.value.exit_code == 1
    assert "not an Excel workbook" in str(caught.value)


def test_importing_the_package_stays_light() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, sheet_followup; print(sorted(m for m in sys.modules if m.startswith('sheet_followup')))"],
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "['sheet_followup']"


def test_check_reports_the_sheet_and_every_problem_with_its_cell(sample: Path) -> None:
    before = sample.read_bytes()
    report = sheet_followup.check(sample, today=TODAY)
    assert sample.read_bytes() == before
    assert (report.sheet, report.contacts) == ("Job search", 19)
    assert list(report) == list(report.problems) and len(report) == len(report.problems)
    levels = [problem.level for problem in report]
    assert levels == sorted(levels)  # "error" sorts before "warning": errors come first
    assert all(re.match(r"\w[\w ]*!\$?[A-Z]+\$?\d+", m) for m in report.warnings[:3]), (
        report.warnings
    )
