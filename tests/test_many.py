"""Many workbooks at once: a folder of trackers runs in parallel, and a broken one is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sheet_followup.cli import cli


def small_tracker(path: Path, company: str) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Interview date", "Last contact", "Gift"])
    sheet.append([company, "Jane Doe", "2026-11-20", None, "an article"])
    sheet.append([company, "Bob Stone", "2026-11-02", "2026-11-09", "a tip"])
    workbook.save(path)


def test_a_folder_of_200_workbooks_runs_and_the_summary_names_the_broken_one(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "clients"
    folder.mkdir()
    small_tracker(folder / "client-000.xlsx", "Acme")
    for number in range(1, 200):
        shutil.copyfile(folder / "client-000.xlsx", folder / f"client-{number:03}.xlsx")
    (folder / "client-137.xlsx").write_bytes(b"not a workbook at all")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")

    result = CliRunner().invoke(cli, ["run", str(folder), "--today", "2026-11-23"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    failed = [line for line in lines if line.startswith("FAILED")]
    assert len(failed) == 1
    assert "client-137.xlsx" in failed[0] and "not an Excel workbook" in failed[0]
    assert sum(1 for line in lines if line.startswith("ok ")) == 199
    assert lines[-1] == "200 workbooks: 199 ran, 1 failed."
    # Each workbook has its own drafts folder, so their drafts never mix.
    assert len(list((folder / "drafts").iterdir())) == 199
    assert sorted(
        p.name for p in (folder / "drafts" / "client-042" / "2026-11-23").glob("*.md")
    ) == [
        "acme-bob-stone-follow-up.md",
        "acme-jane-doe-thank-you.md",
    ]
    written = openpyxl.load_workbook(folder / "client-042.xlsx").active
    assert written["F2"].value == "Thank-you due (3 days late)"


def test_many_workbooks_in_json(tmp_path: Path) -> None:
    small_tracker(tmp_path / "a.xlsx", "Acme")
    small_tracker(tmp_path / "b.xlsx", "Globex")
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(tmp_path / "a.xlsx"),
            str(tmp_path / "b.xlsx"),
            "--today",
            "2026-11-23",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [Path(w["workbook"]).name for w in report["workbooks"]] == ["a.xlsx", "b.xlsx"]
    assert all(w["ok"] and w["contacts"] == 2 and w["drafts"] == 2 for w in report["workbooks"])


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(tmp_path)])
    assert result.exit_code == 2
    assert "no .xlsx or .xlsm workbooks" in result.stderr


def test_sent_finds_the_draft_of_a_many_workbook_run(tmp_path: Path) -> None:
    small_tracker(tmp_path / "a.xlsx", "Acme")
    small_tracker(tmp_path / "b.xlsx", "Globex")
    CliRunner().invoke(cli, ["run", str(tmp_path), "--today", "2026-11-23", "--format", "eml,md"])
    result = CliRunner().invoke(
        cli, ["sent", str(tmp_path / "b.xlsx"), "--row", "2", "--on", "2026-11-23", "--json"]
    )
    assert result.exit_code == 0, result.output
    [note] = json.loads(result.stdout)["notes"]
    assert note["draft"] == "drafts/b/2026-11-23/globex-jane-doe-thank-you.md"
