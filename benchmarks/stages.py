"""What each stage of one ``sheet-followup run`` costs, in seconds and memory, unprofiled.

``python benchmarks/stages.py ROWS [--work DIR] [--seed N]``

``profile_run.py`` finds hot functions, but cProfile slows pure Python two to three times more
than C (zlib, calamine, system calls), so its stage shares are skewed. This script times the
stages as they really run: it generates a tracker, then, in this process, wraps the functions
``run`` calls for each stage (as looked up where they are called) with a clock and a reading of
resident memory, and runs the command through its Click entry point, as the console script does.
Imports are timed on their own; the interpreter's own start (about 10 ms) is not included.
Deleting its folder at the end puts this machine's disk in a slow spell for the next run (see
KEEP_RUN_FOLDERS in ``run.py``); the file-creation probe it prints says whether it was in one.

It then writes the same draft files again (the notes, the index page and the calendar, the
same names and bytes) with a bare loop of ``open``, ``write`` and ``close`` into fresh folders
on the same disk, and prints the tool's drafts stage against it: issue 17's goal is at most 1.3
times the bare loop.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
from run import SLOW_CREATE_US, TODAY, file_create_cost

DRAFTS_STAGE = "write the drafts, index, calendar (hidden names)"
DRAFTS_GOAL = 1.3  # issue 17: the drafts stage / a bare loop writing the same files

# (module, function, stage): each function is wrapped where the caller looks it up.
STAGES = (
    ("sheet_followup.batch", "plan_workbook", "read and decide (calamine, rules, gifts, log)"),
    ("sheet_followup.batch", "name_drafts", "name the drafts"),
    ("sheet_followup.batch", "render_drafts", "render the notes (Jinja2)"),
    ("sheet_followup.batch", "carry_edits", "read back the drafts the user edited"),
    ("sheet_followup.batch", "status_edits", "status and next-date cells to write"),
    ("sheet_followup.batch", "draft_edits", "draft link cells to write"),
    ("sheet_followup.batch", "last_contact_edits", "last-contact cells to write"),
    ("sheet_followup.batch", "run_files", "index page and calendar (planned)"),
    ("sheet_followup.batch", "stage_drafts", DRAFTS_STAGE),
    ("sheet_followup.xlsx.edit", "rebuild_package", "  of which: rebuild the zip"),
    ("sheet_followup.xlsx.edit", "verify_package", "  of which: verify the new package"),
    ("sheet_followup.batch", "edit_sheets", "edit the sheet XML (all of it)"),
    ("sheet_followup.backups", "make_backup", "backup copy"),
    ("sheet_followup.backups", "replace_atomically", "replace the workbook atomically"),
    ("sheet_followup.draft_store.DraftsFolder", "commit", "give the drafts their names"),
    ("sheet_followup.cli", "run_summary", "make the summary's lines"),
    ("sheet_followup.cli", "echo_lines", "print the summary"),
)


def resident_mb() -> float:
    """Resident memory now (Linux), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return peak_mb()


def peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def timed(
    function: Callable[..., Any], stage: str, rows: list[tuple[str, float, float, float]]
) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            rows.append((stage, time.perf_counter() - start, resident_mb(), peak_mb()))

    return wrapper


def holder(where: str) -> Any:
    """The module, or the class in a module, that ``where`` names."""
    try:
        return importlib.import_module(where)
    except ModuleNotFoundError:
        module, _, name = where.rpartition(".")
        return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, help="tracker size in rows")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", metavar="DIR", help="make the temporary folder inside DIR")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="sheet-followup-stages-", dir=args.work) as tmp:
        work = Path(tmp)
        tracker = generate.write(args.rows, work / "tracker.xlsx", args.seed)
        create_us = file_create_cost(work)
        # Everything a run imports, imported (and wrapped) before the clock for the command
        # starts; the command imports most of it lazily, so it is timed here instead.
        start = time.perf_counter()
        rows: list[tuple[str, float, float, float]] = []
        for where, name, stage in STAGES:
            owner = holder(where)
            setattr(owner, name, timed(getattr(owner, name), stage, rows))
        imports = time.perf_counter() - start
        from sheet_followup import cli

        command = ["run", str(tracker), "--today", TODAY, "--out", str(work / "drafts")]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            cli.cli.main(command, prog_name="sheet-followup", standalone_mode=False)
        total = time.perf_counter() - start
        bare, files, size = bare_loop(work / "drafts", work)

    print(f"{args.rows:,} rows: imports {imports:.3f} s, then the command {total:.3f} s")
    slow = " (a slow spell: see KEEP_RUN_FOLDERS in run.py)" if create_us > SLOW_CREATE_US else ""
    print(f"creating a file takes {create_us:.0f} µs on this disk now{slow}")
    print()
    print("| stage | seconds | share of the command | resident MB after | peak MB so far |")
    print("|---|---:|---:|---:|---:|")
    accounted = 0.0
    for stage, seconds, resident, peak in rows:
        if not stage.startswith(" "):
            accounted += seconds
        print(f"| {stage} | {seconds:.3f} | {seconds / total:.0%} | {resident:.0f} | {peak:.0f} |")
    rest = total - accounted
    print(f"| the rest (options, checks, Click) | {rest:.3f} | {rest / total:.0%} | | |")
    print(f"\npeak resident memory {peak_mb():.0f} MB")
    stage = sum(seconds for name, seconds, _, _ in rows if name == DRAFTS_STAGE)
    if files:
        ratio = stage / bare
        verdict = "met" if ratio <= DRAFTS_GOAL else "not met"
        print(
            f"\ndrafts: the tool's stage {stage:.3f} s; a bare loop writing the same {files:,} "
            f"files ({size / 2**20:.1f} MiB) {bare:.3f} s (median of 3): {ratio:.2f} times "
            f"(goal <= {DRAFTS_GOAL}: {verdict})"
        )
    return 0


def bare_loop(drafts: Path, work: Path) -> tuple[float, int, int]:
    """Seconds a bare loop takes to write the run's draft files again, each round into a new
    folder beside the run's (the median of 3), with the number of files and their bytes.
    The tool's bookkeeping (its hidden manifest files) is not part of the stage."""
    files = [
        (path.name, path.read_bytes())
        for path in sorted(drafts.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
    times = []
    for round_number in range(3):
        folder = work / f"bare-{round_number}"
        folder.mkdir()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        start = time.perf_counter()
        for name, data in files:
            handle = os.open(folder / name, flags, 0o600)
            os.write(handle, data)
            os.close(handle)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(files), sum(len(data) for _, data in files)


if __name__ == "__main__":
    sys.exit(main())
