"""Links and odd files around the workbook: the tool writes only its own files, never through
a symbolic link someone planted, and reads nothing it did not write."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from sheet_followup.cli import cli

TODAY = "2026-11-23"


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def tracker(folder: Path, name: str = "tracker.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Email", "Interview date", "Gift"])
    sheet.append(["Acme", "Jane Doe", "jane@example.com", dt.date(2026, 11, 23), "An article"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    workbook.save(path)
    return path


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_excels_owner_file_beside_the_real_file_of_a_linked_workbook_is_seen(
    tmp_path: Path,
) -> None:
    real = tracker(tmp_path / "cloud")
    (tmp_path / "cloud" / "~$tracker.xlsx").write_bytes(b"owner")
    link = tmp_path / "desk" / "tracker.xlsx"
    link.parent.mkdir()
    link.symlink_to(real)
    before = real.read_bytes()
    result = invoke("run", link, "--today", TODAY)
    assert result.exit_code == 1
    assert "is open in Excel (found ~$tracker.xlsx beside" in result.stderr
    assert real.read_bytes() == before


def test_two_parts_whose_names_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    plain = tracker(tmp_path / "a")
    path = tmp_path / "case.xlsx"
    with zipfile.ZipFile(plain) as old, zipfile.ZipFile(path, "w") as new:
        for name in old.namelist():
            new.writestr(name, old.read(name))
        new.writestr("xl/worksheets/Sheet1.xml", old.read("xl/worksheets/sheet1.xml"))
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 1
    assert "two parts whose names differ only in case" in result.stderr


def test_a_drafts_link_beside_the_workbook_is_never_written_through(tmp_path: Path) -> None:
    path = tracker(tmp_path / "search")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (path.parent / "drafts").symlink_to(elsewhere)
    before = path.read_bytes()
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 1
    assert "is a symbolic link" in result.stderr and "--out DIR" in result.stderr
    assert files(elsewhere) == []
    assert path.read_bytes() == before
    # Named with --out, a folder of one's own may well be a link.
    assert invoke("run", path, "--today", TODAY, "--out", path.parent / "drafts").exit_code == 0
    assert files(elsewhere) and (elsewhere / TODAY).is_dir()


def test_a_draft_replaced_by_a_link_is_not_read_into_the_notes_nor_the_log(
    tmp_path: Path,
) -> None:
    path = tracker(tmp_path)
    assert invoke("run", path, "--today", TODAY, "--format", "md,txt").exit_code == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("To: x\nSubject: y\n\nTHE SECRET KEY\n", encoding="utf-8")
    md = tmp_path / "drafts" / TODAY / "acme-jane-doe-thank-you.md"
    md.unlink()
    md.symlink_to(secret)
    assert invoke("run", path, "--today", TODAY, "--format", "md,txt").exit_code == 0
    assert md.is_symlink() and "THE SECRET KEY" in secret.read_text(encoding="utf-8")
    assert "THE SECRET KEY" not in md.with_suffix(".txt").read_text(encoding="utf-8")
    result = invoke("sent", path, "--row", 2, "--on", TODAY, "--json")
    assert result.exit_code == 0, result.output
    log = openpyxl.load_workbook(path)["Log"]
    assert "THE SECRET" not in json.dumps(
        [[str(c) for c in r] for r in log.iter_rows(values_only=True)]
    )


def test_restore_never_copies_a_planted_link(tmp_path: Path) -> None:
    path = tracker(tmp_path)
    assert invoke("run", path, "--today", TODAY).exit_code == 0
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(b"someone else's file")
    backups = tmp_path / ".sheet-followup-backups" / "tracker.xlsx"
    (backups / "2099-01-01_00-00-00_run.xlsx").symlink_to(secret)
    listed = invoke("restore", path, "--list")
    assert "2099" not in listed.output
    before = path.read_bytes()
    assert invoke("restore", path).exit_code == 0
    assert path.read_bytes() != secret.read_bytes()
    assert before != path.read_bytes()  # the real backup came back


def test_a_backup_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    path = tracker(tmp_path / "search")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (path.parent / ".sheet-followup-backups").symlink_to(elsewhere)
    before = path.read_bytes()
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 1
    assert "is a symbolic link" in result.stderr and "nothing was changed" in result.stderr
    assert path.read_bytes() == before and files(elsewhere) == []
    assert not (path.parent / "drafts").exists()


def test_init_never_writes_through_a_template_link(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    target = tmp_path / "outside.txt"
    (templates / "thank_you.j2").symlink_to(target)  # dangling: a copy would create it
    result = invoke("init", tmp_path / "tracker.xlsx")
    assert result.exit_code == 0, result.output
    assert not target.exists()
    assert "Kept your own templates" in result.output and "thank_you.j2" in result.output


def test_init_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "templates").write_text("a file where the folder goes", encoding="utf-8")
    result = invoke("init", tmp_path / "tracker.xlsx")
    assert result.exit_code == 1
    assert "nothing was created" in result.output + result.stderr
    assert files(tmp_path) == ["templates"]


def test_the_html_report_is_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tracker(tmp_path)
    page = tmp_path / "report.html"
    page.write_text("last week's report", encoding="utf-8")

    def fail(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", fail)
    result = invoke("report", path, "--today", TODAY, "--html", page)
    assert result.exit_code == 1
    assert "it is unchanged" in result.stderr
    assert page.read_text(encoding="utf-8") == "last week's report"
    assert files(tmp_path) == ["report.html", "tracker.xlsx"]


def test_what_a_killed_run_left_beside_other_days_is_removed(tmp_path: Path) -> None:
    path = tracker(tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    drafts = tmp_path / "drafts"
    (drafts / f".~2026-10-05-{dead}").mkdir(parents=True)
    (drafts / f".~2026-10-05-{dead}" / "half.md").write_text("Dear", encoding="utf-8")
    (drafts / ".~2026-10-05.lock").write_text(dead, encoding="ascii")
    (drafts / f".~2026-10-06-{os.getppid()}").mkdir()  # a live process's: left alone
    assert invoke("run", path, "--today", TODAY).exit_code == 0
    assert sorted(p.name for p in drafts.iterdir()) == [f".~2026-10-06-{os.getppid()}", TODAY]
