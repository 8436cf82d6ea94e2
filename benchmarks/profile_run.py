"""Profile one ``sheet-followup run`` and say what each stage of it costs.

``python benchmarks/profile_run.py ROWS [--pythonpath DIR] [--top 20] [--keep DIR]``
``python benchmarks/profile_run.py --stats run.prof`` (summarise a kept profile again)

Generates a tracker of ROWS rows (``generate.py``), runs
``python -m cProfile -o run.prof -m sheet_followup run COPY --today 2026-11-23 --out DRAFTS``
on a fresh copy in a child process, then reads the profile: the time of each stage (the
functions in STAGES, cumulative, with the nested stages taken out of their parents) and the top
functions by cumulative and by own time. cProfile slows pure-Python code down more than C code,
so the stage shares are what to read, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import io
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
from run import TODAY, tool_env

# Stage -> the functions whose cumulative time it is, as (module path ending, function name).
STAGES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "read workbook (calamine, settings, tracker, gifts, log)",
        (
            ("sheet_followup/workbook_file.py", "open_workbook"),
            ("sheet_followup/workbook_file.py", "read_setting_rows"),
            ("sheet_followup/reading.py", "find_tracker_sheet"),
            ("sheet_followup/reading.py", "read_tracker"),
            ("sheet_followup/side_sheets.py", "read_gifts"),
            ("sheet_followup/side_sheets.py", "read_log"),
        ),
    ),
    (
        "plan follow-ups and gifts",
        (
            ("sheet_followup/cadence.py", "plan_followups"),
            ("sheet_followup/gifts.py", "assign_gifts"),
            ("sheet_followup/writeback.py", "status_edits"),
        ),
    ),
    (
        "render drafts (Jinja2, index, calendar) and write them",
        (
            ("sheet_followup/drafts.py", "plan_drafts"),
            ("sheet_followup/run_files.py", "run_files"),
            ("sheet_followup/drafts.py", "write_drafts"),
        ),
    ),
    (
        "edit the sheet XML (parse, plan, splice, styles, tables)",
        (("sheet_followup/logbook.py", "edit_sheets"),),
    ),
    ("verify the new package", (("xlsx/verify.py", "verify_package"),)),
    ("rebuild the zip", (("xlsx/package.py", "rebuild_package"),)),
    ("backup copy", (("sheet_followup/backups.py", "make_backup"),)),
    ("replace the file atomically", (("xlsx/replace.py", "replace_atomically"),)),
    ("print the summary", (("sheet_followup/cli.py", "echo_lines"),)),
)
# Stages that run inside another stage's function; their time is taken out of the parent.
NESTED = {
    "verify the new package": "edit the sheet XML (parse, plan, splice, styles, tables)",
    "rebuild the zip": "edit the sheet XML (parse, plan, splice, styles, tables)",
}


def cumulative(stats: pstats.Stats, path_end: str, name: str) -> float | None:
    found = None
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if function == name and filename.replace("\\", "/").endswith(path_end):
            found = (found or 0.0) + row[3]
    return found


def stage_times(stats: pstats.Stats) -> list[tuple[str, float | None]]:
    times: dict[str, float | None] = {}
    for stage, functions in STAGES:
        found = [cumulative(stats, path, name) for path, name in functions]
        known = [t for t in found if t is not None]
        times[stage] = sum(known) if known else None
    for child, parent in NESTED.items():
        if times[child] is not None and times[parent] is not None:
            times[parent] = times[parent] - times[child]  # type: ignore[operator]
    return list(times.items())


def top(stats: pstats.Stats, key: str, count: int) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(count)
    text = out.getvalue()
    return text[text.find("   ncalls") :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, nargs="?", help="tracker size (not with --stats)")
    parser.add_argument(
        "--stats", metavar="PROF", type=Path, help="summarise this profile instead of running"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=20, help="functions to list (default 20)")
    parser.add_argument("--pythonpath", metavar="DIR", help="import sheet_followup from DIR")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="keep run.prof in DIR")
    args = parser.parse_args(argv)
    if args.stats:
        report(pstats.Stats(str(args.stats)), args.top, str(args.stats))
        return 0
    if args.rows is None:
        parser.error("give ROWS, or --stats PROF")

    with tempfile.TemporaryDirectory(prefix="sheet-followup-profile-") as tmp:
        work = Path(tmp)
        source = generate.write(args.rows, work / "source.xlsx", args.seed)
        copy = work / "tracker.xlsx"
        shutil.copyfile(source, copy)
        profile = work / "run.prof"
        command = [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(profile),
            "-m",
            "sheet_followup",
            "run",
            str(copy),
            "--today",
            TODAY,
            "--out",
            str(work / "drafts"),
        ]
        start = time.perf_counter()
        subprocess.run(
            command, cwd=work, env=tool_env(args.pythonpath), check=True, stdout=subprocess.DEVNULL
        )
        wall = time.perf_counter() - start
        stats = pstats.Stats(str(profile))
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(profile, args.keep / f"run-{args.rows}.prof")

    report(stats, args.top, f"{args.rows:,} rows: {wall:.2f} s wall under cProfile")
    return 0


def report(stats: pstats.Stats, count: int, title: str) -> None:
    # The outermost call's cumulative time: total_tt, the sum of own times, comes out a little
    # short of it, which would leave the stages adding up to more than the whole.
    rows = stats.stats.values()  # type: ignore[attr-defined]
    total = max(row[3] for row in rows)
    print(f"{title}, {total:.2f} s profiled")
    print()
    print("| stage | seconds | share |")
    print("|---|---:|---:|")
    accounted = 0.0
    for stage, seconds in stage_times(stats):
        if seconds is None:
            print(f"| {stage} | not found | |")
            continue
        accounted += seconds
        print(f"| {stage} | {seconds:.2f} | {seconds / total:.0%} |")
    rest = total - accounted
    print(f"| start-up, imports, the rest | {rest:.2f} | {rest / total:.0%} |")
    print()
    print(f"Top {count} by cumulative time:")
    print(top(stats, "cumulative", count))
    print(f"Top {count} by own time:")
    print(top(stats, "tottime", count))


if __name__ == "__main__":
    sys.exit(main())
