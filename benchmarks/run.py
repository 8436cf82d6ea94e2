"""Time ``sheet-followup run`` against a bare openpyxl load+save of the same tracker.

``python benchmarks/run.py [--sizes 100,10000,100000] [--repeat 5] [--json OUT.json]``

Issue 7 sets the goals as ratios, so that they hold on any machine: the tool against the obvious
way to do the same job, ``openpyxl.load_workbook(path).save(path)``, on the same workbook, in
the same session. For each size the runner generates one tracker (``generate.py``), then
alternates the two, each as a whole new process on a fresh copy of the workbook, so start-up,
imports and the backup copy are all counted, as a user feels them. Which one goes first flips
every round, so that a warm or cold disk cache favours neither. It reports medians of wall
time and each child's own peak resident memory (from ``os.wait4``, not the cumulative
``RUSAGE_CHILDREN``), and ``sheet-followup --help`` against ``python -c "import click"``.

Run it with the virtualenv the tool is installed in: the tool is its ``sheet-followup``
console script, and openpyxl is imported by the same interpreter.

A third contender, ``floor.py``, is the least any program on the product's fixed stack can do
with the same workbook (start Python, import Click and Jinja2, read the sheet, render and write as
many notes as the tool writes drafts, rewrite the zip): its ratio to openpyxl is as low as a goal
can be met on this machine.

Issue 17 adds the byte floor, ``floor_bytes.py`` (inflate the sheet and the shared strings,
deflate the sheet, write and rename the zip, create a file per draft the tool wrote), and two
peers in ``peers/``: the job scripted with openpyxl alone, and with pandas and openpyxl. Its
goals are the tool against the byte floor (and, at 100 rows, against ``floor.py``), peak
memory at 100,000 rows, and staying ahead of each peer; ``--folder N`` also times a run on a
folder of N small trackers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

GENERATE = Path(__file__).resolve().parent / "generate.py"

TODAY = "2026-11-23"
OPENPYXL_SAVE = "import openpyxl,sys; openpyxl.load_workbook(sys.argv[1]).save(sys.argv[1])"
FLOOR = Path(__file__).resolve().parent / "floor.py"
FLOOR_BYTES = Path(__file__).resolve().parent / "floor_bytes.py"
PEERS = {
    "openpyxl_loop": Path(__file__).resolve().parent / "peers" / "openpyxl_loop.py",
    "pandas_writeback": Path(__file__).resolve().parent / "peers" / "pandas_writeback.py",
}
CONTENDERS = ("tool", "openpyxl", "floor", "floor_bytes", *PEERS)

# Issue 17's goals: tool / byte floor at most this, by rows (at 100 rows, tool / floor.py); peak
# memory at 100,000 rows in MiB; a folder of 200 small trackers in seconds.
FLOOR_GOALS = {10_000: 2.5, 100_000: 2.0}
STACK_FLOOR_GOALS = {100: 1.3}
PEAK_MIB_GOALS = {100_000: 150.0}
FOLDER_GOAL_S = 2.0

# Issue 7's goals: tool / openpyxl at most this, by rows; and peak memory at 100,000 rows.
TIME_GOALS = {100: 0.5, 10_000: 0.35, 100_000: 0.25}
MEMORY_GOALS = {100_000: 0.6}
HELP_GOAL = 2.5
SLOW_CREATE_US = 200

# KEEP_RUN_FOLDERS: why no run's folder is deleted until the benchmark ends. On ext4 without a
# journal (this machine's root file system, a VM disk: /proc/fs/jbd2 is empty) the inode
# allocator passes over every inode freed in the last half minute or so, reading each one's inode
# to find out. After a mass delete, creating a file near the deleted ones costs 0.3-0.7 ms of
# kernel time instead of 0.02-0.05 ms: for about 40 s after deleting a 100,000-row run's 47,000
# drafts, about two minutes after deleting a whole benchmark's 270,000 files. Deleting each
# run's drafts made the next run's 5 to 30 times slower and the tool's 10,000-row times swing
# between 1.2 and 4 s. A user's weekly run does not follow a mass delete, so neither does a
# measured one; the folders go with the temporary directory at the very end (so wait two minutes
# before the next benchmark, or give it another --work folder), and file_create_cost() reports
# the disk's speed beside every size.


@dataclass
class Sample:
    seconds: float
    peak_mb: float


@dataclass
class Result:
    rows: int
    tool: list[Sample] = field(default_factory=list)
    openpyxl: list[Sample] = field(default_factory=list)
    floor: list[Sample] = field(default_factory=list)
    floor_bytes: list[Sample] = field(default_factory=list)
    openpyxl_loop: list[Sample] = field(default_factory=list)
    pandas_writeback: list[Sample] = field(default_factory=list)
    drafts: int = 0
    create_us: float = 0.0  # the file-creation probe just before this size's runs

    @staticmethod
    def median(samples: list[Sample], what: str) -> float:
        if not samples:
            return float("nan")  # a contender left out with --without
        return statistics.median(getattr(s, what) for s in samples)

    def summary(self) -> dict[str, object]:
        tool_s, base_s = self.median(self.tool, "seconds"), self.median(self.openpyxl, "seconds")
        tool_mb, base_mb = self.median(self.tool, "peak_mb"), self.median(self.openpyxl, "peak_mb")
        ratio, memory = tool_s / base_s, tool_mb / base_mb
        floor_s, floor_mb = self.median(self.floor, "seconds"), self.median(self.floor, "peak_mb")
        time_goal, memory_goal = TIME_GOALS.get(self.rows), MEMORY_GOALS.get(self.rows)
        passed = None
        if time_goal is not None or memory_goal is not None:
            passed = (time_goal is None or ratio <= time_goal) and (
                memory_goal is None or memory <= memory_goal
            )
        return {
            "rows": self.rows,
            "tool_median_s": tool_s,
            "openpyxl_median_s": base_s,
            "ratio": ratio,
            "tool_peak_mb": tool_mb,
            "openpyxl_peak_mb": base_mb,
            "memory_ratio": memory,
            "floor_median_s": floor_s,
            "floor_ratio": floor_s / base_s,
            "floor_peak_mb": floor_mb,
            "floor_memory_ratio": floor_mb / base_mb,
            "time_goal": time_goal,
            "memory_goal": memory_goal,
            "pass": passed,
            "drafts": self.drafts,
            "file_create_us": self.create_us,
            "tool_samples": [asdict(s) for s in self.tool],
            "openpyxl_samples": [asdict(s) for s in self.openpyxl],
            "floor_samples": [asdict(s) for s in self.floor],
            **self.issue_17(tool_s, tool_mb),
        }

    def issue_17(self, tool_s: float, tool_mb: float) -> dict[str, object]:
        """The tool against the byte floor and the peers, with issue 17's goals."""
        bytes_s = self.median(self.floor_bytes, "seconds")
        stack_s = self.median(self.floor, "seconds")
        peers = {
            name: self.median(getattr(self, name), "seconds")
            for name in PEERS
            if getattr(self, name)
        }
        floor_goal = FLOOR_GOALS.get(self.rows)
        stack_goal = STACK_FLOOR_GOALS.get(self.rows)
        mib_goal = PEAK_MIB_GOALS.get(self.rows)
        checks = [tool_s / bytes_s <= floor_goal] if floor_goal else []
        checks += [tool_s / stack_s <= stack_goal] if stack_goal else []
        checks += [tool_mb * 1e6 / 2**20 <= mib_goal] if mib_goal else []
        checks += [tool_s < peer for peer in peers.values()]
        return {
            "floor_bytes_median_s": bytes_s,
            "floor_bytes_peak_mb": self.median(self.floor_bytes, "peak_mb"),
            "tool_over_floor_bytes": tool_s / bytes_s,
            "tool_over_floor": tool_s / stack_s,
            "floor_goal": floor_goal,
            "stack_floor_goal": stack_goal,
            "peak_mib_goal": mib_goal,
            "peers_median_s": peers,
            "tool_over_peers": {name: tool_s / s for name, s in peers.items()},
            "issue_17_pass": all(checks) if checks else None,
            "floor_bytes_samples": [asdict(s) for s in self.floor_bytes],
            **{f"{name}_samples": [asdict(s) for s in getattr(self, name)] for name in PEERS},
        }


def generated(rows: int, out: Path, seed: int) -> Path:
    """A generated tracker, made in a process of its own.

    On Linux a child's peak memory (``ru_maxrss``) starts at what its parent had when it
    started the child: exec carries the old high-water mark over. Generating 100,000 rows here
    would grow this process to about 200 MB and make every later child, the 20 MB byte floor
    among them, report at least that. So this process stays small (about 20 MB, the least any
    peak it reports can be) and the generator runs apart.
    """
    subprocess.run(
        [sys.executable, str(GENERATE), str(rows), str(out), "--seed", str(seed)],
        check=True,
        capture_output=True,
    )
    return out


def measure(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run one child to the end; its wall time and its own peak RSS. A failure stops the run."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            args, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            message = err.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(args)} exited {child.returncode}:\n{message}")
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    kib = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return Sample(seconds, kib / 1024)


def child_env() -> dict[str, str]:
    """Both children's environment: this one, with bytecode caching on.

    A package installed by pip has its bytecode compiled at install time, so a user's run never
    compiles source. A shell with PYTHONDONTWRITEBYTECODE set (some CI images and containers
    set it) would make every run of an editable install compile every module again, which
    would measure the compiler, not the tool; the warm-up run writes the cache.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def tool_env(pythonpath: str | None) -> dict[str, str]:
    """The tool's environment: with ``--pythonpath``, a source tree imported before the venv's.

    The venv's editable install finds the package through a finder appended to ``sys.meta_path``,
    after the path finder, so a folder on PYTHONPATH wins: that is how a snapshot (say, ``git
    archive HEAD``) is measured while the working tree is being edited.
    """
    env = child_env()
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    return env


def tool_source(env: dict[str, str] | None, cwd: Path) -> str:
    """Where the measured ``sheet_followup`` package is imported from.

    Asked from ``cwd`` (not the current folder, which ``-c`` would put first on the path) so the
    answer is the one the tool's runs get.
    """
    code = "import sheet_followup; print(sheet_followup.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, check=True
    )
    return str(Path(done.stdout.strip()).parent)


def tool_command() -> list[str]:
    """The console script beside this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("sheet-followup")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "sheet_followup"]


def warm_up(work: Path, seed: int, env: dict[str, str]) -> None:
    """One untimed run of each, so that bytecode caches and the disk cache are as a user's."""
    source = generated(100, work / "warm-up.xlsx", seed)
    run_dir = work / "warm-up"
    run_dir.mkdir()
    copy = run_dir / "tracker.xlsx"
    for args, child in (
        ([*tool_command(), "run", str(copy), "--today", TODAY, "--out", str(run_dir / "d")], env),
        ([sys.executable, "-c", OPENPYXL_SAVE, str(copy)], child_env()),
    ):
        shutil.copyfile(source, copy)
        measure(args, run_dir, child)


def file_create_cost(work: Path, files: int = 1000) -> float:
    """Microseconds to create (and write 1 KB to) one new file in ``work``, from ``files``.

    The tool writes a file per due contact, so how fast this disk creates files bounds its
    time at every size, while openpyxl writes one file. Reported beside each size, so a slow
    spell of the disk (see KEEP_RUN_FOLDERS) is seen rather than mistaken for the tool.
    The probe's files are kept, like every run's, until the benchmark ends.
    """
    folder = Path(tempfile.mkdtemp(prefix="probe-", dir=work))
    data = b"x" * 1024
    start = time.perf_counter()
    for number in range(files):
        (folder / f"{number}.md").write_bytes(data)
    return (time.perf_counter() - start) / files * 1e6


_COUNT_DRAFTS = """
import json, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True)
print(sum(len(c["drafts"]) for c in json.loads(done.stdout)["contacts"]))
"""


def drafts_due(source: Path, work: Path, env: dict[str, str]) -> int:
    """How many drafts the tool writes for this tracker: the byte floor creates as many.

    Counted in a process of its own: the dry run's JSON is tens of megabytes at 100,000 rows,
    and holding it here would raise every later child's reported peak (see ``generated``).
    """
    command = [*tool_command(), "run", str(source), "--today", TODAY, "--dry-run", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_DRAFTS, *command],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout) + 3  # and the index page, the calendar and the manifest


def bench_size(
    rows: int,
    repeat: int,
    work: Path,
    seed: int,
    log: bool,
    env: dict[str, str],
    contenders: tuple[str, ...] = CONTENDERS,
) -> Result:
    source = generated(rows, work / f"tracker-{rows}.xlsx", seed)
    due = drafts_due(source, work, env)
    result = Result(rows, create_us=file_create_cost(work))
    if log:
        print(f"  {rows:>7} rows  creating a file takes {result.create_us:.0f} µs", file=sys.stderr)
    if result.create_us > SLOW_CREATE_US:
        print(
            f"warning: creating a file takes {result.create_us:.0f} µs here (usually under "
            f"{SLOW_CREATE_US} µs): the disk is in a slow spell, the tool's times will suffer; "
            "wait a few minutes after deleting many files, or use --work on another disk",
            file=sys.stderr,
        )
    for round_ in range(repeat):
        # Each contender goes first, second and last in turn, so a warm or cold cache favours
        # none of them.
        shift = round_ % len(contenders)
        order = contenders[shift:] + contenders[:shift]
        for which in order:
            # A fresh folder per run: a fresh copy, no backups or drafts from an earlier run.
            run_dir = work / f"{rows}-{round_}-{which}"
            shutil.rmtree(run_dir, ignore_errors=True)
            run_dir.mkdir()
            copy = run_dir / "tracker.xlsx"
            shutil.copyfile(source, copy)
            if which == "tool":
                drafts = run_dir / "drafts"
                args = [*tool_command(), "run", str(copy), "--today", TODAY, "--out", str(drafts)]
                sample = measure(args, run_dir, env)
                result.tool.append(sample)
                result.drafts = sum(1 for _ in drafts.rglob("*.md"))
            elif which == "openpyxl":
                args = [sys.executable, "-c", OPENPYXL_SAVE, str(copy)]
                sample = measure(args, run_dir, child_env())
                result.openpyxl.append(sample)
            elif which == "floor_bytes":
                args = [
                    sys.executable,
                    str(FLOOR_BYTES),
                    str(copy),
                    str(run_dir / "notes"),
                    str(due),
                ]
                sample = measure(args, run_dir, child_env())
                result.floor_bytes.append(sample)
            elif which in PEERS:
                args = [sys.executable, str(PEERS[which]), str(copy), str(run_dir / "notes")]
                sample = measure(args, run_dir, child_env())
                getattr(result, which).append(sample)
            else:
                notes = str(due - 3)  # as many notes as the tool's drafts
                args = [sys.executable, str(FLOOR), str(copy), str(run_dir / "notes"), notes]
                sample = measure(args, run_dir, child_env())
                result.floor.append(sample)
            if log:
                print(
                    f"  {rows:>7} rows  round {round_ + 1}/{repeat}  {which:<8} "
                    f"{sample.seconds:7.2f} s  {sample.peak_mb:7.1f} MB",
                    file=sys.stderr,
                )
            # The folder stays until the whole benchmark ends: see KEEP_RUN_FOLDERS.
    return result


def bench_folder(
    count: int, repeat: int, work: Path, seed: int, env: dict[str, str]
) -> dict[str, object]:
    """``sheet-followup run FOLDER`` on ``count`` small trackers (40 rows each), whole process."""
    source = generated(40, work / "small.xlsx", seed)
    times = []
    for round_ in range(repeat):
        folder = work / f"folder-{round_}"
        folder.mkdir()
        for number in range(count):
            shutil.copyfile(source, folder / f"tracker-{number:03}.xlsx")
        args = [*tool_command(), "run", str(folder), "--today", TODAY]
        times.append(measure(args, folder, env).seconds)
    median = statistics.median(times)
    return {
        "workbooks": count,
        "median_s": median,
        "goal_s": FOLDER_GOAL_S,
        "pass": median <= FOLDER_GOAL_S,
        "samples_s": times,
    }


def bench_help(repeat: int, work: Path, env: dict[str, str]) -> dict[str, object]:
    tool, click = [], []
    for round_ in range(repeat):
        runs = [
            ("tool", [*tool_command(), "--help"]),
            ("click", [sys.executable, "-c", "import click"]),
        ]
        for which, args in runs if round_ % 2 == 0 else reversed(runs):
            which_env = env if which == "tool" else child_env()
            (tool if which == "tool" else click).append(measure(args, work, which_env).seconds)
    tool_s, click_s = statistics.median(tool), statistics.median(click)
    return {
        "tool_help_median_s": tool_s,
        "import_click_median_s": click_s,
        "ratio": tool_s / click_s,
        "goal": HELP_GOAL,
        "pass": tool_s / click_s <= HELP_GOAL,
        "tool_samples_s": tool,
        "click_samples_s": click,
    }


def machine() -> dict[str, object]:
    info: dict[str, object] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def verdict(passed: object) -> str:
    return "-" if passed is None else "PASS" if passed else "FAIL"


def table(sizes: list[dict[str, object]], help_: dict[str, object], info: dict[str, object]) -> str:
    lines = [
        "machine: " + ", ".join(f"{k} {v}" for k, v in info.items()),
        "",
        "| rows | tool median s | openpyxl median s | ratio | goal | tool peak MB "
        "| openpyxl peak MB | memory ratio | goal | result | floor s | floor ratio "
        "| floor memory ratio | drafts | file create µs |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for s in sizes:
        time_goal = f"≤ {s['time_goal']}" if s["time_goal"] is not None else "-"
        memory_goal = f"≤ {s['memory_goal']}" if s["memory_goal"] is not None else "-"
        lines.append(
            f"| {s['rows']:,} | {s['tool_median_s']:.2f} | {s['openpyxl_median_s']:.2f} "
            f"| {s['ratio']:.2f} | {time_goal} | {s['tool_peak_mb']:.0f} "
            f"| {s['openpyxl_peak_mb']:.0f} | {s['memory_ratio']:.2f} | {memory_goal} "
            f"| {verdict(s['pass'])} | {s['floor_median_s']:.2f} | {s['floor_ratio']:.2f} "
            f"| {s['floor_memory_ratio']:.2f} | {s['drafts']:,} | {s['file_create_us']:.0f} |"
        )
    lines += [
        "",
        "Issue 17: the tool against the byte floor (floor_bytes.py), the stack floor (floor.py) "
        "and the peers",
        "",
        "| rows | tool s | byte floor s | tool / byte floor | goal | tool / floor.py | goal "
        "| tool peak MiB | goal | openpyxl loop s | tool / it | pandas + openpyxl s "
        "| tool / it | result |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in sizes:
        peers = s["peers_median_s"]
        over = s["tool_over_peers"]
        assert isinstance(peers, dict) and isinstance(over, dict)
        goal = f"≤ {s['floor_goal']}" if s["floor_goal"] else "-"
        stack_goal = f"≤ {s['stack_floor_goal']}" if s["stack_floor_goal"] else "-"
        mib_goal = f"≤ {s['peak_mib_goal']:.0f}" if s["peak_mib_goal"] else "-"
        peer_cells = " | ".join(
            f"{peers[name]:.2f} | {over[name]:.2f}" if name in peers else "- | -" for name in PEERS
        )
        lines.append(
            f"| {s['rows']:,} | {s['tool_median_s']:.2f} | {s['floor_bytes_median_s']:.2f} "
            f"| {s['tool_over_floor_bytes']:.2f} | {goal} | {s['tool_over_floor']:.2f} "
            f"| {stack_goal} | {float(str(s['tool_peak_mb'])) * 1e6 / 2**20:.0f} | {mib_goal} "
            f"| {peer_cells} | {verdict(s['issue_17_pass'])} |"
        )
    folder = info.get("folder_run")
    if isinstance(folder, dict):
        lines += [
            "",
            f"A folder of {folder['workbooks']} trackers: {folder['median_s']:.2f} s "
            f"(goal ≤ {folder['goal_s']} s) {verdict(folder['pass'])}",
        ]
    lines += [
        "",
        f"`sheet-followup --help` {help_['tool_help_median_s'] * 1000:.0f} ms, "
        f'`python -c "import click"` {help_["import_click_median_s"] * 1000:.0f} ms: '
        f"ratio {help_['ratio']:.2f} (goal ≤ {help_['goal']}) {verdict(help_['pass'])}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="100,10000,100000",
        help="comma-separated tracker sizes in rows (default 100,10000,100000)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, per size (default 5)")
    parser.add_argument("--help-repeat", type=int, default=10, help="runs of --help (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--json", metavar="PATH", help="also write the numbers as JSON to PATH ('-' for stdout)"
    )
    parser.add_argument(
        "--pythonpath",
        metavar="DIR",
        help="import sheet_followup from this source tree (e.g. a `git archive` of a commit)",
    )
    parser.add_argument("--quiet", action="store_true", help="no line per run on stderr")
    parser.add_argument(
        "--folder",
        type=int,
        default=200,
        metavar="N",
        help="also time a run on a folder of N small trackers (default 200; 0: not)",
    )
    parser.add_argument(
        "--without",
        default="",
        help="contenders to leave out, comma-separated (say openpyxl_loop,pandas_writeback)",
    )
    parser.add_argument(
        "--work",
        metavar="DIR",
        help="make the benchmark's temporary folder inside DIR (default: the system's)",
    )
    args = parser.parse_args(argv)
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]

    env = tool_env(args.pythonpath)
    info = machine()
    with tempfile.TemporaryDirectory(prefix="sheet-followup-bench-", dir=args.work) as tmp:
        work = Path(tmp)
        info["sheet_followup"] = tool_source(env, work)
        warm_up(work, args.seed, env)
        left_out = {name.strip() for name in args.without.split(",") if name.strip()}
        contenders = tuple(c for c in CONTENDERS if c not in left_out or c == "tool")
        results = [
            bench_size(
                rows, args.repeat, work, args.seed, not args.quiet, env, contenders
            ).summary()
            for rows in sizes
        ]
        if args.folder:
            info["folder_run"] = bench_folder(args.folder, args.repeat, work, args.seed, env)
        help_ = bench_help(args.help_repeat, work, env)

    report = table(results, help_, info)
    numbers = {
        "machine": info,
        "repeat": args.repeat,
        "seed": args.seed,
        "sizes": results,
        "help": help_,
    }
    if args.json == "-":
        print(report, file=sys.stderr)
        print(json.dumps(numbers, indent=2))
    else:
        print(report)
        if args.json:
            Path(args.json).write_text(json.dumps(numbers, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
