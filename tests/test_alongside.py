"""A big run's drafts, written by a second process while the workbook is edited.

The user must not be able to tell the difference from drafts written after the edit: the same
files, none of them named when the edit fails, a draft the user edited still kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheet_followup import alongside, batch
from sheet_followup.drafts import PlannedDraft, plan_drafts, write_when_allowed
from sheet_followup.errors import WorkbookError
from tests.conftest import REPO, read_cells
from tests.test_cli import broken_templates, digest, invoke
from tests.test_drafts import SETTINGS, TODAY, due

ON_LINUX = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="drafts are written alongside only on Linux"
)


def folder_contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every run writes its drafts alongside (the sample has far fewer than MIN_FILES), and
    each fork is counted, so a test knows the second process really did the writing."""
    monkeypatch.setattr(alongside, "MIN_FILES", 1)
    made: list[int] = []
    real_fork = os.fork

    def counted_fork() -> int:
        pid = real_fork()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted_fork)
    yield made


def copy_of_sample(folder: Path) -> Path:
    folder.mkdir()
    return Path(shutil.copyfile(REPO / "sample_tracker.xlsx", folder / "sample_tracker.xlsx"))


@ON_LINUX
def test_drafts_written_alongside_are_the_files_written_after_the_edit(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    alongside_copy = copy_of_sample(tmp_path / "alongside")
    result = invoke("run", alongside_copy, "--today", "2026-11-23", "--format", "md,eml")
    assert result.exit_code == 0, result.output
    assert len(forks) == 1

    monkeypatch.setattr(alongside, "MIN_FILES", sys.maxsize)
    after_copy = copy_of_sample(tmp_path / "after")
    expected = invoke("run", after_copy, "--today", "2026-11-23", "--format", "md,eml")
    assert len(forks) == 1

    day = Path("drafts", "2026-11-23")
    written = folder_contents(alongside_copy.parent / day)
    assert written == folder_contents(after_copy.parent / day)
    assert any(name.endswith(".eml") for name in written)
    assert not [name for name in written if name.startswith(".~")]  # no temporary file left
    assert read_cells(alongside_copy) == read_cells(after_copy)
    here, there = str(alongside_copy.parent), str(after_copy.parent)
    assert result.output.replace(here, there) == expected.output


@ON_LINUX
@pytest.mark.parametrize("where", ["alongside", "after"])
def test_a_failed_edit_leaves_no_draft_and_the_workbook_as_it_was(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "after":
        monkeypatch.setattr(alongside, "MIN_FILES", sys.maxsize)
    sample = copy_of_sample(tmp_path / "run")
    before = digest(sample)

    def failing_edit(*args: object) -> None:
        raise WorkbookError("the edit failed")

    monkeypatch.setattr(batch, "edit_package", failing_edit)
    result = invoke("run", sample, "--today", "2026-11-23")
    assert result.exit_code == 1
    assert "the edit failed" in result.output
    assert len(forks) == (1 if where == "alongside" else 0)
    assert digest(sample) == before
    assert sorted(p.name for p in sample.parent.iterdir()) == ["sample_tracker.xlsx"]


@ON_LINUX
def test_a_draft_the_user_edited_is_kept_by_the_second_process(
    tmp_path: Path, forks: list[int]
) -> None:
    sample = copy_of_sample(tmp_path / "run")
    invoke("run", sample, "--today", "2026-11-23")
    draft = next((sample.parent / "drafts" / "2026-11-23").glob("*thank-you.md"))
    draft.write_text("My own words.\n", encoding="utf-8")
    result = invoke("run", sample, "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert len(forks) == 2
    assert draft.read_text(encoding="utf-8") == "My own words.\n"
    assert "(kept: you edited it)" in result.output


@ON_LINUX
def test_a_drafts_folder_the_second_process_cannot_make_is_reported(
    tmp_path: Path, forks: list[int]
) -> None:
    sample = copy_of_sample(tmp_path / "run")
    before = digest(sample)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the drafts folder should go\n", encoding="utf-8")
    result = invoke("run", sample, "--today", "2026-11-23", "--out", blocker / "drafts")
    assert result.exit_code == 1
    assert len(forks) == 1
    assert "cannot create the drafts folder" in result.output
    assert "Traceback" not in result.output
    assert digest(sample) == before


def test_no_second_process_while_another_thread_runs() -> None:
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not alongside.can_fork()
    finally:
        stop.set()
        worker.join()
    assert alongside.can_fork() == sys.platform.startswith("linux")


@ON_LINUX
@pytest.mark.parametrize("where", ["alongside", "after"])
def test_a_broken_template_in_the_second_process_writes_nothing(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "after":
        monkeypatch.setattr(alongside, "MIN_FILES", sys.maxsize)
    sample = copy_of_sample(tmp_path / "run")
    templates = broken_templates(tmp_path / "mine")
    before = digest(sample)
    result = invoke("run", sample, "--today", "2026-11-23", "--templates", templates)
    assert result.exit_code == 1
    assert len(forks) == (1 if where == "alongside" else 0)
    assert "follow_up.j2, line 3: 'nope' is undefined" in result.output
    assert "Traceback" not in result.output
    assert digest(sample) == before
    assert sorted(p.name for p in sample.parent.iterdir()) == ["sample_tracker.xlsx"]


@ON_LINUX
def test_when_no_process_can_be_made_the_drafts_are_written_here(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    sample = copy_of_sample(tmp_path / "run")
    result = invoke("run", sample, "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert "Wrote 7 drafts to" in result.output
    assert len(list((sample.parent / "drafts" / "2026-11-23").glob("*.md"))) == 7


def planned_drafts(folder: Path, count: int = 3) -> list[PlannedDraft]:
    followups = [due(row=r, contact=f"Person {r}") for r in range(5, 5 + count)]
    return plan_drafts(followups, folder, SETTINGS, TODAY)


def test_a_new_days_folder_appears_whole_under_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "drafts" / "2026-11-23"
    seen: list[list[str]] = []

    def allowed() -> bool:
        # Everything is written by now, and nothing is under the day's name yet.
        seen.append(sorted(p.name for p in (tmp_path / "drafts").iterdir()))
        return True

    actions = write_when_allowed(planned_drafts(folder), folder, [], allowed)
    assert actions == ["written"] * 3
    [hidden] = seen[0]
    assert hidden.startswith(".~2026-11-23-")
    assert sorted(p.name for p in (tmp_path / "drafts").iterdir()) == ["2026-11-23"]
    assert sorted(p.name for p in folder.iterdir()) == [
        ".sheet-followup.json",
        "acme-corp-person-5-thank-you.md",
        "acme-corp-person-6-thank-you.md",
        "acme-corp-person-7-thank-you.md",
    ]


def test_a_folder_that_appears_during_the_run_is_written_into_as_on_a_rerun(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2026-11-23"
    mine = folder / "acme-corp-person-5-thank-you.md"

    def someone_makes_the_folder() -> bool:
        folder.mkdir()
        mine.write_text("Written by hand.\n", encoding="utf-8")
        return True

    actions = write_when_allowed(planned_drafts(folder), folder, [], someone_makes_the_folder)
    assert actions == ["kept", "written", "written"]
    assert mine.read_text(encoding="utf-8") == "Written by hand.\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]


def test_a_hidden_folder_left_by_a_killed_run_is_removed(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-23"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    abandoned = tmp_path / f".~2026-11-23-{dead.stdout.strip()}"
    running = tmp_path / f".~2026-11-23-{os.getppid()}"  # a live process: not ours to touch
    for hidden in (abandoned, running):
        hidden.mkdir()
        (hidden / "half-written.md").write_text("Dear", encoding="utf-8")
    write_when_allowed(planned_drafts(folder), folder, [], lambda: True)
    assert not abandoned.exists()
    assert running.exists()


@pytest.mark.parametrize("day_folder_exists", [False, True])
def test_a_run_that_fails_meanwhile_stops_the_writing_and_removes_it(
    tmp_path: Path, day_folder_exists: bool
) -> None:
    folder = tmp_path / "drafts" / "2026-11-23"
    if day_folder_exists:
        folder.mkdir(parents=True)
        (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    asked: list[str] = []

    def cancelled() -> bool:
        asked.append("cancelled?")
        return len(asked) > 1  # the parent's edit fails after the first few hundred drafts

    def allowed() -> bool:
        raise AssertionError("a failed run is never asked to name its drafts")

    planned = planned_drafts(folder, count=600)
    assert write_when_allowed(planned, folder, [], allowed, cancelled) is None
    assert asked == ["cancelled?", "cancelled?"]  # stopped at the second check, not at the end
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    if day_folder_exists:
        assert left == ["drafts", "drafts/2026-11-23", "drafts/2026-11-23/notes.txt"]
    else:
        assert left == []
