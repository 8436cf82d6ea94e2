"""The weekly batch for one workbook: read, decide, render, write back.

The order protects the user, and makes a run one transaction: everything is read, decided and
rendered in memory first, so a broken template or an unreadable workbook stops the run before
anything is written; the drafts are then written under names the user does not see, the
workbook is edited, checked and swapped in, and only then do the drafts get their names. A
failure anywhere leaves the workbook and the drafts folder as they were.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sheet_followup.backups import replace_with_backup
from sheet_followup.cadence import plan_followups
from sheet_followup.checking import stage_warnings
from sheet_followup.draft_edits import carry_edits
from sheet_followup.draft_store import Content, DraftsFolder, Retired
from sheet_followup.drafts import (
    DraftResult,
    PlannedDraft,
    address_warnings,
    name_drafts,
    render_drafts,
    stage_drafts,
    stray_templates,
)
from sheet_followup.errors import (
    MailboxError,
    SheetFollowupError,
    TemplateError,
    UsageError,
    WorkbookError,
    WorkbookLockedError,
)
from sheet_followup.gifts import assign_gifts
from sheet_followup.logbook import (
    DraftIndex,
    LogLine,
    Written,
    edit_sheets,
    gift_edits,
    log_edits,
    typed_as_sent,
)
from sheet_followup.mail.options import MailboxOptions
from sheet_followup.models import FollowUp, Gift, LogEntry, history_by_contact
from sheet_followup.reading import Tracker, find_tracker_sheet, read_tracker
from sheet_followup.run_files import INDEX, REMINDERS, run_files
from sheet_followup.settings import Settings, build_settings, settings_from_rows
from sheet_followup.side_sheets import read_gifts, read_log
from sheet_followup.workbook_file import Workbook, open_workbook, read_setting_rows
from sheet_followup.writeback import (
    changed_texts,
    clear_draft_cells,
    draft_edits,
    last_contact_edits,
    status_edits,
)
from sheet_followup.xlsx.edit import CellEdit, SkippedEdit

if TYPE_CHECKING:
    # The mailbox's modules load email, ssl and IMAP: imported by a run that uses them only.
    from sheet_followup.mail.drafts_box import DraftsBox
    from sheet_followup.mail.session import MailboxReport, MailboxSession, MailRead


@dataclass(frozen=True)
class RunOptions:
    """What the command line asked for."""

    today: dt.date
    out: Path | None = None
    dry_run: bool = False
    sheet: str | None = None
    templates: Path | None = None  # None: Settings' Templates, else templates/ beside the workbook
    formats: tuple[str, ...] | None = None  # None: the Settings sheet's, else Markdown
    overrides: dict[str, object | None] = field(default_factory=dict)
    mailbox: MailboxOptions = field(default_factory=MailboxOptions)


@dataclass(frozen=True)
class RunResult:
    """What a run decided and did, for the summary and ``--json``."""

    path: Path
    sheet: str
    today: dt.date
    settings: Settings
    followups: list[FollowUp]
    drafts: dict[tuple[int, int], DraftResult]  # contact (row, slot) -> its draft (planned
    # only, in a dry run)
    drafts_folder: Path
    cells_changed: int
    skipped: list[SkippedEdit]
    warnings: list[str]
    dry_run: bool
    typed: list[LogLine] = field(default_factory=list)  # notes logged from a typed Last contact
    retired: list[Retired] = field(default_factory=list)  # drafts no longer due
    templates: Path | None = None  # the user's templates folder, when one was used
    mailbox: MailboxReport | None = None  # what the run did with the mailbox, when it used one


def drafts_folder(path: Path, out: Path | None, today: dt.date) -> Path:
    """``<out>/<today>/``, with ``out`` defaulting to ``drafts`` beside the workbook.

    The tool makes those folders itself, so a symbolic link in their place was put there by
    someone else, and could send the drafts (and the removal of old ones) anywhere: refused.
    A folder of one's own elsewhere is what ``--out`` is for, and it may be a link.
    """
    root = out if out is not None else path.parent / "drafts"
    folder = root / today.isoformat()
    for made in ([root] if out is None else []) + [folder]:
        if made.is_symlink():
            message = (
                f"{made} is a symbolic link (to {made.readlink()}); the tool does not write "
                "drafts through one: remove it, or name the folder you want with --out DIR"
            )
            raise SheetFollowupError(message)
    return folder


def check_not_open_in_excel(path: Path) -> None:
    """Refuse while Excel's owner file (``~$name``) sits beside the workbook.

    Excel names it ``~$`` plus the file name, dropping the name's first two characters when the
    name is long, so both spellings are checked, beside the path given and beside the real
    file when that is a symbolic link.
    """
    # Excel opened the file the link points at: its owner file is beside that one too.
    places = dict.fromkeys([path, Path(os.path.realpath(path))])
    for place in places:
        for candidate in {f"~${place.name}", f"~${place.name[2:]}"}:
            if (place.parent / candidate).exists():
                message = (
                    f"{path} is open in Excel (found {candidate} beside "
                    f"{'it' if place == path else place}); close it in Excel and run again"
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
    typed: list[LogLine] = field(default_factory=list)  # notes sent, told by a typed Last contact


def plan_workbook(
    path: Path,
    *,
    today: dt.date,
    sheet: str | None,
    overrides: dict[str, object | None],
    drafts_out: Path | None = None,
) -> Plan:
    """Read the settings and the tracker, and decide every row.

    A Last contact typed on or after the day of the tool's latest draft for that contact, with
    no Log line for it, counts as that note sent: it is logged (by ``run``) and counted here, so
    numbering and "never the same gift twice" hold however the user records a note.
    """
    workbook = open_workbook(path)
    sheet_values, warnings = settings_from_rows(read_setting_rows(workbook))
    settings = build_settings(sheet_values, overrides)
    layout = find_tracker_sheet(workbook, sheet, dict(settings.column_map), today=today)
    tracker = read_tracker(workbook, layout, date_order=settings.date_order, today=today)
    warnings.extend(workbook.notices)
    warnings.extend(tracker.warnings)
    order = settings.date_order or tracker.date_order
    gifts = read_gifts(workbook, date_order=order, problems=warnings)
    log = read_log(workbook, date_order=order, problems=warnings)
    index = DraftIndex(draft_roots(path, drafts_out), until=today)
    typed = typed_as_sent(tracker.contacts, log, index, path.parent)
    history = history_by_contact([*log, *(line.entry for line in typed)])
    decided = plan_followups(tracker.contacts, today, settings, history)
    followups = assign_gifts(decided, gifts, history)
    return Plan(tracker, settings, followups, warnings, gifts, log, workbook, typed)


def draft_roots(path: Path, out: Path | None) -> tuple[Path, ...]:
    """Where a workbook's drafts are: ``drafts`` beside it (or ``--out``), and the folder of its
    own name there, where a many-workbook run puts them."""
    root = out if out is not None else path.parent / "drafts"
    return (root, root / path.stem)


def templates_for(path: Path, options: RunOptions, settings: Settings) -> Path | None:
    """The user's templates: ``--templates``, else Settings' Templates (beside the workbook
    when relative), else a ``templates`` folder beside the workbook, as `init` makes one."""
    if options.templates is not None:
        return options.templates
    if settings.templates:
        folder = Path(settings.templates).expanduser()
        folder = folder if folder.is_absolute() else path.parent / folder
        if not folder.is_dir():
            message = (
                f"{path.name}: Settings: Templates '{settings.templates}' is not a folder "
                f"({folder.absolute()} does not exist); create it or change the setting"
            )
            raise TemplateError(message)
        return folder
    beside = path.parent / "templates"
    return beside if beside.is_dir() and any(beside.glob("*.j2")) else None


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
    run), for a progress bar on long runs. With a mailbox, the run first reads Sent and the
    Inbox, and puts the drafts in Drafts as part of the same transaction as the workbook; a
    mailbox that fails leaves the rest of the run as it would be without one, and the
    result's ``mailbox.problem`` says what was not done.
    """
    before = path.stat()
    if not options.dry_run:
        check_not_open_in_excel(path)
        check_writable(path, before)
    progress("reading the workbook")
    plan = plan_workbook(
        path,
        today=options.today,
        sheet=options.sheet,
        overrides=options.overrides,
        drafts_out=options.out,
    )
    session, report = _open_mailbox(plan.settings, options.mailbox)
    try:
        if session is not None and report is not None:
            progress("reading the mailbox")
            plan = _read_mailbox(session, report, plan, path, options)
        return _run_planned(path, options, plan, before, progress, session, report)
    finally:
        if session is not None:
            session.close()


def _open_mailbox(
    settings: Settings, mailbox: MailboxOptions
) -> tuple[MailboxSession | None, MailboxReport | None]:
    """The run's mailbox, signed in; (None, None) for a run without one, (None, report) when
    it could not be opened (the report says why)."""
    if mailbox.use is False or (mailbox.use is None and not settings.mail_server):
        return None, None
    if not settings.mail_server:
        message = (
            "--mailbox needs a mailbox: add Mail server, Mail user and Mail security to the "
            "Settings sheet (see the README's Mailbox section)"
        )
        raise UsageError(message)
    from sheet_followup.mail.session import MailboxReport, MailboxSession

    report = MailboxReport(account=f"{settings.mail_user} at {settings.mail_server}")
    try:
        session = MailboxSession.open(settings, mailbox.ask)
    except MailboxError as error:
        report.problem = str(error)
        return None, report
    report.folders = session.folders
    report.password_origin = session.origin
    return session, report


def _read_mailbox(
    session: MailboxSession, report: MailboxReport, plan: Plan, path: Path, options: RunOptions
) -> Plan:
    """The plan again, with the notes found in Sent logged and the replies in the Inbox."""
    history = history_by_contact([*plan.log, *(line.entry for line in plan.typed)])
    index = DraftIndex(draft_roots(path, options.out), until=options.today)
    try:
        read = session.read(plan.tracker.contacts, history, index, path.parent, options.today)
    except MailboxError as error:
        report.problem = str(error)
        return plan
    report.recorded, report.replies = read.recorded, read.replies
    return replan(plan, read, options.today)


def replan(plan: Plan, read: MailRead, today: dt.date) -> Plan:
    """Every row decided again with what the mailbox told: the notes found in Sent count as
    sent, and a reply waiting for an answer holds the canned notes."""
    if not read.recorded and not read.replies:
        return plan
    mailed = [note.line for note in read.recorded]
    typed = [*plan.typed, *mailed]
    history = history_by_contact([*plan.log, *(line.entry for line in typed)])
    decided = plan_followups(plan.tracker.contacts, today, plan.settings, history, read.replies)
    followups = assign_gifts(decided, plan.gifts, history)
    return dataclasses.replace(plan, followups=followups, typed=typed)


def _run_planned(
    path: Path,
    options: RunOptions,
    plan: Plan,
    before: os.stat_result,
    progress: Callable[[str], None],
    session: MailboxSession | None,
    report: MailboxReport | None,
) -> RunResult:
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
    templates = templates_for(path, options, settings)
    if templates is not None:
        warnings.extend(stray_templates(templates))
    named = name_drafts(followups, folder, formats)
    warnings.extend(address_warnings(named))
    progress(f"rendering {len(named):,} notes")
    planned = carry_edits(render_drafts(named, settings, options.today, templates), folder)
    # A draft the user edited can answer its status (a gift placeholder filled in).
    as_edited = {d.followup.contact.ident: d.followup for d in planned}
    followups = [as_edited.get(f.contact.ident, f) for f in followups]
    plan = dataclasses.replace(plan, followups=followups)
    edits = status_edits(tracker, followups)
    links = draft_edits(tracker, named, path)
    mailed = _mail_days(report)
    last = last_contact_edits(
        tracker,
        followups,
        mailed,
        after_column=max((e.column for e in (*edits, *links)), default=0),
    )
    extra = run_files(folder, planned, followups, options.today, path.name)
    if options.dry_run:
        drafts = [
            DraftResult(d.followup, d.path, "written", d.paths, d.carried, d.conflict)
            for d in planned
        ]
        _preview_drafts_box(session, report, path, options, settings, planned)
        changed = len(edits) + len(last) + changed_texts(links, plan.workbook.rows(sheet))
        return _result(path, options, plan, drafts, folder, changed, [], [], templates, report)
    box = _drafts_box(session, report, path, options, settings)
    if box is not None:
        progress(f"putting {len(planned):,} drafts in {box.folder}")
        try:
            box.add(planned, options.today)
        except MailboxError as error:
            assert report is not None
            report.problem = str(error)
            box = None
    try:
        result = _write_run(
            path, options, plan, planned, folder, extra, [*edits, *links, *last], before, progress
        )
    except SheetFollowupError as error:
        # The run changed nothing: neither does the mailbox, or the message says what it left.
        left = box.undo() if box is not None else ""
        if left:
            message = f"{error}; {left}"
            raise type(error)(message) from error
        raise
    except BaseException:
        if box is not None:
            box.undo()
        raise
    if box is not None:
        assert report is not None
        report.drafts = box.outcome
        try:
            box.tidy()
        except MailboxError as error:
            report.problem = str(error)
    drafts, written, retired = result
    return _result(
        path,
        options,
        plan,
        drafts,
        folder,
        written.changed,
        list(written.skipped),
        retired,
        templates,
        report,
    )


def _mail_days(report: MailboxReport | None) -> dict[tuple[int, int], dt.date]:
    """Each contact's newest note found in Sent: their Last contact."""
    days: dict[tuple[int, int], dt.date] = {}
    for note in report.recorded if report is not None else ():
        ident, day = note.contact.ident, note.line.entry.day
        days[ident] = max(day, days.get(ident, day))
    return days


def _preview_drafts_box(
    session: MailboxSession | None,
    report: MailboxReport | None,
    path: Path,
    options: RunOptions,
    settings: Settings,
    planned: Sequence[PlannedDraft],
) -> None:
    """A dry run says what would change in Drafts, reading it and changing nothing."""
    box = _drafts_box(session, report, path, options, settings)
    if box is None or report is None:
        return
    try:
        box.preview(planned, options.today)
    except MailboxError as error:
        report.problem = str(error)
        return
    report.drafts = box.outcome


def _drafts_box(
    session: MailboxSession | None,
    report: MailboxReport | None,
    path: Path,
    options: RunOptions,
    settings: Settings,
) -> DraftsBox | None:
    """The Drafts folder to put the notes in, when the run does (``--mailbox`` or Settings'
    Put drafts in mailbox) and the mailbox could be opened."""
    wanted = options.mailbox.drafts
    if wanted is None:
        wanted = options.mailbox.use is True or settings.mailbox_drafts
    if session is None or report is None or not wanted or report.problem:
        return None
    try:
        return session.drafts_box(path.stem)
    except MailboxError as error:
        report.problem = str(error)
        return None


def _write_run(
    path: Path,
    options: RunOptions,
    plan: Plan,
    planned: Sequence[PlannedDraft],
    folder: Path,
    extra: Sequence[tuple[Path, Content]],
    tracker_edits: Sequence[CellEdit],
    before: os.stat_result,
    progress: Callable[[str], None],
) -> tuple[list[DraftResult], Written, list[Retired]]:
    """The drafts folder and the workbook, written as one transaction."""
    tracker = plan.tracker
    sheet = tracker.sheet
    with _day_folder(folder, planned) as target:
        progress(f"writing {len(planned):,} drafts")
        drafts = stage_drafts(target, planned, extra) if target and planned else []
        retired = target.retire(keep=(INDEX, REMINDERS)) if target else []
        empty = target is not None and not planned and target.nothing_of_the_users(())
        if target is not None and not planned and not empty:
            stage_drafts(target, [], extra)  # the day still holds the user's: list it anew
        progress(f"editing the sheet '{sheet}'")
        steps: list[tuple[str, Sequence[CellEdit]]] = [
            (sheet, [*tracker_edits, *clear_draft_cells(tracker, retired)])
        ]
        new_sheet = None
        if plan.typed:
            if gifts := gift_edits(plan.workbook, plan.typed, options.today):
                steps.append(gifts)
            log_sheet, log, create = log_edits(plan.workbook, plan.typed)
            steps.append((log_sheet, log))
            new_sheet = log_sheet if create else None
        written = edit_sheets(path, steps, new_sheet=new_sheet)
        if target is not None and not empty:
            target.prepare()  # all written and flushed: what is left is renames
        progress("saving the workbook")
        if written.data is not None:
            replace_with_backup(path, written.data, before, command="run")
        if target is not None:
            # The workbook is in place: the drafts get their names (or a day with nothing of
            # the user's in it goes).
            try:
                if empty:
                    target.remove_folder()
                else:
                    target.commit()
            except (SheetFollowupError, OSError) as error:
                if written.data is None:
                    raise
                reason = error.strerror if isinstance(error, OSError) else str(error)
                message = (
                    f"{path.name} was updated, but its drafts could not all be put in place "
                    f"in {folder} ({reason}); run again to write them"
                )
                raise SheetFollowupError(message) from error
    return drafts, written, retired


@contextlib.contextmanager
def _day_folder(folder: Path, planned: Sequence[PlannedDraft]) -> Iterator[DraftsFolder | None]:
    """Today's drafts folder, written as one transaction with the workbook; none is made for a
    run with nothing due."""
    if not planned and not folder.is_dir():
        yield None
        return
    with DraftsFolder(folder, deferred=True) as target:
        yield target


def _result(
    path: Path,
    options: RunOptions,
    plan: Plan,
    drafts: Sequence[DraftResult],
    folder: Path,
    changed: int,
    skipped: list[SkippedEdit],
    retired: list[Retired],
    templates: Path | None,
    mailbox: MailboxReport | None = None,
) -> RunResult:
    return RunResult(
        path=path,
        sheet=plan.tracker.sheet,
        today=options.today,
        settings=plan.settings,
        followups=plan.followups,
        drafts={d.followup.contact.ident: d for d in drafts},
        drafts_folder=folder,
        cells_changed=changed,
        skipped=skipped,
        warnings=plan.warnings,
        dry_run=options.dry_run,
        typed=plan.typed,
        retired=retired,
        templates=templates,
        mailbox=mailbox,
    )


def workbook_outcome(path: Path, options: RunOptions) -> dict[str, object]:
    """One workbook of a many-workbook run, summarised; a failure is reported, never raised.

    Runs in a worker process, so it returns plain data and catches everything: one broken
    workbook must not stop the others.
    """
    from sheet_followup.errors import SheetFollowupError
    from sheet_followup.xlsx.errors import XlsxError

    try:
        result = run_tracker(path, options)
    except (SheetFollowupError, XlsxError) as error:
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


def _run_pool(
    jobs: Sequence[tuple[Path, RunOptions]],
    workers: int,
    outcomes: dict[Path, dict[str, object]],
    progress: object,
) -> list[tuple[Path, RunOptions, tuple[int, int] | None]]:
    """Run ``jobs`` on ``workers`` processes into ``outcomes``; the jobs a dead worker took
    down with it, each with its file's (mtime, size) from before."""
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    before = {path: _stamp(path) for path, _ in jobs}
    stopped = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(workbook_outcome, path, job): (path, job) for path, job in jobs}
        for future in concurrent.futures.as_completed(futures):
            path, job = futures[future]
            try:
                outcomes[path] = future.result()
            except BrokenProcessPool:
                stopped.append((path, job, before[path]))
                continue
            if progress is not None:
                progress.update(1)  # type: ignore[attr-defined]
    order = {path: number for number, (path, _) in enumerate(jobs)}
    return sorted(stopped, key=lambda item: order[item[0]])


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _stopped_outcome(path: Path, before: tuple[int, int] | None) -> dict[str, object]:
    """A workbook whose run stopped its process: said truthfully, the file checked."""
    kept = _stamp(path) == before
    fate = (
        "the workbook was not changed"
        if kept
        else "the workbook changed meanwhile: open it to check, or `sheet-followup restore`"
    )
    return {
        "workbook": str(path),
        "ok": False,
        "error": (
            f"{path}: reading it stopped the process abruptly (a crash in a library, or the "
            f"machine ran out of memory); {fate}. Run it alone with --debug to see more, and "
            "report it"
        ),
    }


def run_many(
    paths: list[Path], options: RunOptions, *, workers: int | None = None, progress: object = None
) -> list[dict[str, object]]:
    """Run many workbooks on the machine's cores; outcomes in the order of ``paths``.

    Each workbook's drafts go to ``<drafts>/<workbook name>/<today>/`` so that workbooks in one
    folder never share a drafts folder.
    """
    import dataclasses

    jobs = []
    for path in paths:
        root = options.out if options.out is not None else path.parent / "drafts"
        jobs.append((path, dataclasses.replace(options, out=root / path.stem)))
    count = workers or min(len(jobs), os.cpu_count() or 1)
    outcomes: dict[Path, dict[str, object]] = {}
    stopped = _run_pool(jobs, max(count, 1), outcomes, progress)
    # A workbook whose worker died (an abort in a library, the machine's memory killer) broke
    # the pool for the others: each of those runs again on its own, so that only the one
    # that stops its process is reported, with what became of its file.
    for path, job, before in stopped:
        if _run_pool([(path, job)], 1, outcomes, None):
            outcomes[path] = _stopped_outcome(path, before)
        if progress is not None:
            progress.update(1)  # type: ignore[attr-defined]
    return [outcomes[path] for path in paths]
