"""A day's drafts folder as one transaction with the workbook: nothing shows until commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sheet_followup.draft_store import DraftsFolder
from sheet_followup.errors import SheetFollowupError

NOTES = {f"acme-person-{n}-thank-you.md": f"Dear Person {n},\n".encode() for n in (5, 6, 7)}


def write_all(target: DraftsFolder, folder: Path) -> list[str]:
    return [target.write(folder / name, data) for name, data in NOTES.items()]


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_a_new_days_folder_appears_whole_under_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "drafts" / "2026-11-23"
    with DraftsFolder(folder, deferred=True) as target:
        assert write_all(target, folder) == ["written"] * 3
        # Everything is written, and nothing is under the day's name yet.
        hidden, lock = sorted(p.name for p in (tmp_path / "drafts").iterdir())
        assert hidden.startswith(".~2026-11-23-")
        assert lock == ".~2026-11-23.lock"  # this run's, while it writes
        target.commit()
    assert [p.name for p in (tmp_path / "drafts").iterdir()] == ["2026-11-23"]
    assert sorted(p.name for p in folder.iterdir()) == [".sheet-followup.json", *sorted(NOTES)]
    # The next run knows them for the tool's own: a rerun rewrites, an edit is kept.
    (folder / "acme-person-5-thank-you.md").write_text("My own words.\n", encoding="utf-8")
    with DraftsFolder(folder, deferred=True) as target:
        again = [target.write(folder / name, b"Hi again\n") for name in NOTES]
        target.commit()
    assert again == ["kept", "rewritten", "rewritten"]
    assert (folder / "acme-person-5-thank-you.md").read_text("utf-8") == "My own words.\n"


def test_a_failed_run_leaves_no_folder_not_even_the_ones_it_made(tmp_path: Path) -> None:
    folder = tmp_path / "drafts" / "2026-11-23"
    with DraftsFolder(folder, deferred=True) as target:
        write_all(target, folder)
        target.discard()  # the workbook's edit failed
    assert listing(tmp_path) == []


def test_a_folder_that_appears_during_the_run_is_written_into_as_on_a_rerun(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2026-11-23"
    with DraftsFolder(folder, deferred=True) as target:
        write_all(target, folder)
        folder.mkdir()  # another run, or the user, made it meanwhile
        (folder / "acme-person-5-thank-you.md").write_text("Written by hand.\n", "utf-8")
        target.commit()
    assert (folder / "acme-person-5-thank-you.md").read_text("utf-8") == "Written by hand.\n"
    assert (folder / "acme-person-6-thank-you.md").read_bytes() == NOTES[
        "acme-person-6-thank-you.md"
    ]
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
    with DraftsFolder(folder, deferred=True) as target:
        write_all(target, folder)
        target.commit()
    assert not abandoned.exists()
    assert running.exists()


def dead_process_id() -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_a_second_run_at_the_same_time_is_refused_before_it_touches_anything(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2026-11-23"
    (tmp_path / ".~2026-11-23.lock").write_text(str(os.getppid()), encoding="ascii")  # alive
    with pytest.raises(SheetFollowupError, match=r"another sheet-followup run \(process \d+\)"):
        DraftsFolder(folder, deferred=True)
    assert listing(tmp_path) == [".~2026-11-23.lock"]
    # A killed run's lock is taken over.
    (tmp_path / ".~2026-11-23.lock").write_text(dead_process_id(), encoding="ascii")
    with DraftsFolder(folder, deferred=True) as target:
        write_all(target, folder)
        target.commit()
    assert not (tmp_path / ".~2026-11-23.lock").exists()
    assert len(list(folder.glob("*.md"))) == 3


def test_a_killed_runs_temporary_files_go_whatever_their_age(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-23"
    folder.mkdir()
    dead = folder / f".~{dead_process_id()}-7.tmp"
    live = folder / f".~{os.getppid()}-3.tmp"
    for temp in (dead, live):
        temp.write_text("Dear", encoding="utf-8")
        os.utime(temp, (0, 0))  # from 1970
    with DraftsFolder(folder, deferred=True) as target:
        write_all(target, folder)
        target.commit()
    assert not dead.exists()
    assert live.exists()  # a running process's: not ours to touch


def test_after_prepare_only_renames_are_left_and_a_discard_keeps_the_old_manifest(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2026-11-23"
    with DraftsFolder(folder, deferred=True) as target:
        write_all(target, folder)
        target.commit()
    manifest = (folder / ".sheet-followup.json").read_bytes()
    with DraftsFolder(folder, deferred=True) as target:
        for name in NOTES:
            target.write(folder / name, b"A new note\n")
        target.prepare()
        target.discard()  # the workbook could not be replaced
    assert (folder / ".sheet-followup.json").read_bytes() == manifest
    assert [p.name for p in folder.iterdir() if p.name.startswith(".~")] == []
    assert (folder / "acme-person-5-thank-you.md").read_bytes() == NOTES[
        "acme-person-5-thank-you.md"
    ]
    # Prepared and committed, the manifest knows the new notes: the next run may rewrite them.
    with DraftsFolder(folder, deferred=True) as target:
        for name in NOTES:
            target.write(folder / name, b"A new note\n")
        target.prepare()
        target.commit()
    with DraftsFolder(folder, deferred=True) as target:
        assert [target.write(folder / n, b"Third\n") for n in NOTES] == ["rewritten"] * 3
        target.commit()
