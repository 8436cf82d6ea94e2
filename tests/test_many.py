"""Many workbooks at once: a folder of trackers runs in parallel, and a broken one is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
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


def test_a_workbook_that_stops_its_process_is_named_and_the_others_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What an abort inside a library does (python-calamine's Rust panics abort): the worker
    # process dies, and with it, in a plain process pool, every workbook still running.
    import multiprocessing
    import os

    from sheet_followup import batch

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the crash is planted in the workers by forking this test process")
    real = batch.run_tracker

    def abort_on_bad(path: Path, options: batch.RunOptions) -> batch.RunResult:
        if path.name == "bad.xlsx":
            os.abort()
        return real(path, options)

    monkeypatch.setattr(batch, "run_tracker", abort_on_bad)
    folder = tmp_path / "clients"
    folder.mkdir()
    for name in ("a", "bad", "c", "d", "e"):
        small_tracker(folder / f"{name}.xlsx", name.title())
    before = (folder / "bad.xlsx").read_bytes()
    result = CliRunner().invoke(cli, ["run", str(folder), "--today", "2026-11-23"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    [failed] = [line for line in lines if line.startswith("FAILED")]
    assert "bad.xlsx" in failed and "stopped the process abruptly" in failed
    assert "the workbook was not changed" in failed
    assert sorted(line.split()[1].rstrip(":") for line in lines if line.startswith("ok ")) == [
        str(folder / f"{name}.xlsx") for name in ("a", "c", "d", "e")
    ]
    assert lines[-1] == "5 workbooks: 4 ran, 1 failed."
    assert (folder / "bad.xlsx").read_bytes() == before
