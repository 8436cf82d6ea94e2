"""Two source trees of the tool, run in turn on the same trackers: is a change slower?

Usage: ``python benchmarks/compare.py BEFORE AFTER --sizes 10000,100000 --rounds 4 --work DIR``

BEFORE and AFTER are source trees (a ``git archive`` of each commit, say). Each round runs
``sheet-followup run COPY --today 2026-11-23 --out DIR`` from each tree as a whole process, on
a fresh copy of the same generated tracker in a folder of its own, and alternates which tree
goes first, so that a slow spell of the machine or the disk falls on both. It prints each run,
then the medians and peak memory. Put ``--work`` on tmpfs (``/dev/shm``) to keep the disk out
of it, and compile both trees' bytecode first (``python -m compileall -q TREE``), as an
installed package has it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_once(tree: Path, tracker: Path, folder: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one run from ``tree`` on a copy of ``tracker``."""
    folder.mkdir(parents=True)
    copy = folder / "tracker.xlsx"
    shutil.copyfile(tracker, copy)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "sheet_followup", "run", str(copy), "--today", "2026-11-23"]
    start = time.perf_counter()
    # Started in the run's own folder: with ``-m`` Python looks in the working folder first,
    # so started from the repository it would import the working tree, not ``tree``.
    process = subprocess.Popen(
        [*command, "--out", str(folder / "drafts")],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        assert process.stderr is not None
        sys.exit(f"{tree}: the run failed: {process.stderr.read().decode(errors='replace')}")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--sizes", default="10000,100000", help="tracker sizes in rows")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--work", type=Path, required=True, help="a fresh folder for the runs")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    args.work = args.work.resolve()  # the runs start in folders of their own
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        tracker = args.work / f"tracker-{size}.xlsx"
        if not tracker.exists():
            generate = [sys.executable, str(HERE / "generate.py"), str(size), str(tracker)]
            subprocess.run(generate, check=True)
        for number in range(args.rounds):
            names = list(trees) if number % 2 == 0 else list(reversed(trees))
            for name in names:
                folder = args.work / f"{size}-{name}-{number}"
                wall, peak = run_once(trees[name], tracker, folder)
                results.setdefault((size, name), []).append((wall, peak))
                print(f"{size:>7,} rows  {name:<6}  round {number}  {wall:6.2f} s  {peak:5.0f} MB")
    print()
    for (size, name), runs in sorted(results.items()):
        median = statistics.median(wall for wall, _ in runs)
        peak = max(memory for _, memory in runs)
        print(f"{size:>7,} rows  {name:<6}  median {median:6.2f} s  peak {peak:5.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
