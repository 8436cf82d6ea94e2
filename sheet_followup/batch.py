"""The weekly batch for one workbook: read, decide, render, write back.

The order protects the user: everything is read, decided and rendered in memory first, so a
broken template or an unreadable workbook stops the run before anything is written; the drafts
are written before the workbook is replaced, so a failure leaves the workbook as it was. A big
run renders and writes its drafts in a second process while the workbook is edited (see
alongside.py), under names the user does not see until the edit has succeeded.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sheet_followup.alongside import Prepared, drafts_alongside
from sheet_followup.backups import make_backup
from sheet_followup.cadence import plan_followups
from sheet_followup.checking import stage_warnings
from sheet_followup.drafts import DraftResult, address_warnings, name_drafts, render_drafts
from sheet_followup.errors import WorkbookError, WorkbookLockedError
from sheet_followup.gifts import assign_gifts
from sheet_followup.models import FollowUp, Gift, LogEntry
from sheet_followup.reading import (
    Tracker,
    Workbook,
    find_tracker_sheet,
    open_workbook,
    read_gifts,
    read_log,
    read_setting_rows,
    read_tracker,
)
from sheet_followup.run_files import run_files
from sheet_followup.settings import Settings, build_settings, settings_from_rows
from sheet_followup.writeback import changed_texts, draft_edits, status_edits
from sheet_followup.xlsx.edit import SkippedEdit, edit_package, replace_atomically


@dataclass(frozen=True)
class RunOptions:
    """What the command line asked for."""

    today: dt.date
    out: Path | None = None
    dry_run: bool = False
    sheet: str | None = None
    templates: Path | None = None
    formats: tuple[str, ...] | None = None  # None: the Settings sheet's, else Markdown
    overrides: dict[str, object | None] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    """What a run decided and did, for the summary and ``--json``."""

    path: Path
    sheet: str
    today: dt.date
    settings: Settings
    followups: list[FollowUp]
    drafts: dict[tuple[int, int], DraftResult]  # contact (row, slot) -> its draft (planned only,
    # in a dry run)
    drafts_folder: Path
    cells_changed: int
    skipped: list[SkippedEdit]
    warnings: list[str]
    dry_run: bool


def drafts_folder(path: Path, out: Path | None, today: dt.date) -> Path:
    """``<out>/<today>/``, with ``out`` defaulting to ``drafts`` beside the workbook."""
    return (out if out is not None else path.parent / "drafts") / today.isoformat()


def check_not_open_in_excel(path: Path) -> None:
    """Refuse while Excel's owner file (``~$name``) sits beside the workbook.

    Excel names it ``~$`` plus the file name, dropping the name's first two characters when the
    name is long, so both spellings are checked.
    """
    for candidate in {f"~${path.name}", f"~${path.name[2:]}"}:
        if (path.parent / candidate).exists():
            message = (
                f"{path} is open in Excel (found {candidate} beside it); close it in Excel and "
                "run again"
            )
            raise WorkbookLockedError(message)


@dataclass(frozen=True)
class Plan:
    """A workbook read and decided, nothing written: what ``run`` acts on and ``check`` reports."""

    tracker: Tracker
    settings: Settings
    followups: list[FollowUp]
    warnings: list[str]  # about the Settings, Gifts and Log sheets
    gifts: list[Gift]
    log: list[LogEntry]
    workbook: Workbook


def plan_workbook(
    path: Path, *, today: dt.date, sheet: str | None, overrides: dict[str, object | None]
) -> Plan:
    """Read the settings and the tracker, and decide every row."""
    workbook = open_workbook(path)
    sheet_values, warnings = settings_from_rows(read_setting_rows(workbook))
    settings = build_settings(sheet_values, overrides)
    layout = find_tracker_sheet(workbook, sheet, dict(settings.column_map), today=today)
    tracker = read_tracker(workbook, layout, date_order=settings.date_order, today=today)
    warnings.extend(tracker.warnings)
    order = settings.date_order or tracker.date_order
    gifts = read_gifts(workbook, date_order=order, problems=warnings)
    log = read_log(workbook, date_order=order, problems=warnings)
    history: dict[tuple[str, str], list[LogEntry]] = {}
    for entry in log:
        history.setdefault(entry.key, []).append(entry)
    decided = plan_followups(tracker.contacts, today, settings, history)
    followups = assign_gifts(decided, gifts, history)
    return Plan(tracker, settings, followups, warnings, gifts, log, workbook)


def check_writable(path: Path, before: os.stat_result) -> None:
    """Honour a read-only workbook: the user (or a sync tool) marked it so on purpose.

    The write swaps in a new file, which a POSIX folder would allow even for a read-only file,
    so the file's own mode is checked rather than relying on the replace to fail.
    """
    if not before.st_mode & stat.S_IWUSR:
        message = (
            f"{path} is read-only; clear its read-only setting (file properties, or "
            "chmod u+w) and run again, or use --dry-run to see the plan without writing"
        )
        raise WorkbookError(message)


def _no_progress(stage: str) -> None:
    """Progress reported to nobody: a run from a script, the tests, or a worker process."""


def run_tracker(
    path: Path, options: RunOptions, progress: Callable[[str], None] = _no_progress
) -> RunResult:
    """Run the weekly batch on one workbook.

    ``progress`` is told each stage's name as the run reaches it (five of them; two in a dry
    run), for a progress bar on long runs.
    """
    before = path.stat()
    if not options.dry_run:
        check_not_open_in_excel(path)
        check_writable(path, before)
    progress("reading the workbook")
    plan = plan_workbook(
        path, today=options.today, sheet=options.sheet, overrides=options.overrides
    )
    tracker, settings, followups, warnings = (
        plan.tracker,
        plan.settings,
        plan.followups,
        plan.warnings,
    )
    sheet = tracker.sheet
    warnings.extend(stage_warnings(followups, settings))
    folder = drafts_folder(path, options.out, options.today)
    formats = options.formats or settings.formats
    named = name_drafts(followups, folder, formats)
    warnings.extend(address_warnings(named))
    edits = status_edits(tracker, followups)
    links = draft_edits(tracker, named, path)

    def prepare() -> Prepared:
        planned = render_drafts(named, settings, options.today, options.templates)
        return planned, run_files(folder, planned, followups, options.today, path.name)

    progress(f"rendering {len(named):,} notes")
    if options.dry_run:
        planned, _ = prepare()
        drafts = [
            DraftResult(d.followup, d.path, "written", tuple(p for p, _ in d.files))
            for d in planned
        ]
        changed = len(edits) + changed_texts(links, plan.workbook.rows(sheet))
        skipped = []
    else:
        # A big run's notes are rendered and written by a second process during the edit;
        # none gets its own name unless the edit succeeds (see alongside.py).
        with drafts_alongside(named, folder, prepare) as name_drafts_written:
            progress(f"editing the sheet '{sheet}'")
            edited = edit_package(path, sheet, edits + links)
            progress(f"writing {len(named):,} drafts")
            drafts = name_drafts_written()
        progress("saving the workbook")
        if edited.data is not None:
            make_backup(path, dt.datetime.now())  # noqa: DTZ005 (named in the user's local time)
            replace_atomically(
                path,
                edited.data,
                expected_mtime_ns=before.st_mtime_ns,
                expected_size=before.st_size,
            )
        changed, skipped = edited.changed_cells, list(edited.skipped)
    return RunResult(
        path=path,
        sheet=sheet,
        today=options.today,
        settings=settings,
        followups=followups,
        drafts={d.followup.contact.ident: d for d in drafts},
        drafts_folder=folder,
        cells_changed=changed,
        skipped=skipped,
        warnings=warnings,
        dry_run=options.dry_run,
    )


def workbook_outcome(path: Path, options: RunOptions) -> dict[str, object]:
    """One workbook of a many-workbook run, summarised; a failure is reported, never raised.

    Runs in a worker process, so it returns plain data and catches everything: one broken
    workbook must not stop the others.
    """
    from sheet_followup.errors import SheetFollowupError

    try:
        result = run_tracker(path, options)
    except SheetFollowupError as error:
        return {"workbook": str(path), "ok": False, "error": str(error)}
    except Exception as error:  # a bug: reported with its workbook, the others still run
        return {
            "workbook": str(path),
            "ok": False,
            "error": f"unexpected {type(error).__name__}: {error}",
        }
    counts: dict[str, int] = {}
    for followup in result.followups:
        counts[followup.kind.value] = counts.get(followup.kind.value, 0) + 1
    return {
        "workbook": str(path),
        "ok": True,
        "error": None,
        "sheet": result.sheet,
        "contacts": len(result.followups),
        "kinds": counts,
        "drafts": len(result.drafts),
        "drafts_folder": str(result.drafts_folder),
        "cells_changed": result.cells_changed,
    }


def run_many(
    paths: list[Path], options: RunOptions, *, workers: int | None = None, progress: object = None
) -> list[dict[str, object]]:
    """Run many workbooks on the machine's cores; outcomes in the order of ``paths``.

    Each workbook's drafts go to ``<drafts>/<workbook name>/<today>/`` so that workbooks in one
    folder never share a drafts folder.
    """
    import concurrent.futures
    import dataclasses

    jobs = []
    for path in paths:
        root = options.out if options.out is not None else path.parent / "drafts"
        jobs.append((path, dataclasses.replace(options, out=root / path.stem)))
    count = workers or min(len(jobs), os.cpu_count() or 1)
    outcomes: dict[Path, dict[str, object]] = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(count, 1)) as pool:
        futures = {pool.submit(workbook_outcome, path, job): path for path, job in jobs}
        for future in concurrent.futures.as_completed(futures):
            outcomes[futures[future]] = future.result()
            if progress is not None:
                progress.update(1)  # type: ignore[attr-defined]
    return [outcomes[path] for path in paths]
