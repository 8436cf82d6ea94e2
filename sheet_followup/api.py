"""The Python API: what the command line does, as functions that return typed results.

Each function takes the workbook's path and keyword arguments with the command line's
defaults (``today`` is the computer's date). ``settings`` overrides the Settings sheet, by the
field names of :class:`~sheet_followup.settings.Settings` (``every_days``, ``sender_name``,
...); an unknown name raises :class:`~sheet_followup.errors.UsageError` rather than run with
the default. Errors are the :mod:`sheet_followup.errors` classes, each with the message the
command line would print and its ``exit_code``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sheet_followup.batch import Plan, RunOptions, RunResult, plan_workbook, run_tracker
from sheet_followup.checking import CheckReport, Problem, check_followups
from sheet_followup.errors import UsageError, from_xlsx
from sheet_followup.mail.options import Ask, MailboxOptions
from sheet_followup.settings import Settings, build_settings, settings_from_rows
from sheet_followup.workbook_file import open_workbook, read_setting_rows

if TYPE_CHECKING:
    from sheet_followup.mail.session import MailboxCheck
    from sheet_followup.sending import SentResult

PathLike = str | os.PathLike[str]


def plan(
    path: PathLike,
    *,
    today: dt.date | None = None,
    sheet: str | None = None,
    settings: Mapping[str, object] | None = None,
) -> Plan:
    """Read the workbook and decide every row; nothing is written.

    ``plan(...).followups`` holds one :class:`~sheet_followup.models.FollowUp` per contact:
    its ``kind``, ``status``, ``next_follow_up`` and the gift chosen for a due note.
    """
    return plan_workbook(Path(path), today=_day(today), sheet=sheet, overrides=_overrides(settings))


def run(
    path: PathLike,
    *,
    today: dt.date | None = None,
    out: PathLike | None = None,
    dry_run: bool = False,
    sheet: str | None = None,
    templates: PathLike | None = None,
    formats: Sequence[str] | None = None,
    settings: Mapping[str, object] | None = None,
    progress: Callable[[str], None] | None = None,
    mailbox: bool | None = None,
    ask_password: Ask | None = None,
) -> RunResult:
    """The weekly run: statuses written back, drafts in ``<out>/<today>/`` (``drafts/`` beside
    the workbook by default), as ``sheet-followup run`` does; with ``dry_run``, nothing is
    written and the result says what would be. ``progress`` is told the name of each stage
    as the run reaches it ("writing 1,200 drafts"), for a progress display on long runs.

    ``mailbox`` None uses the mailbox when the Settings sheet names a Mail server (reading
    Sent and the Inbox; drafts into Drafts when Put drafts in mailbox is yes); True also puts
    the drafts in Drafts, and needs a Mail server; False never connects. ``ask_password`` is
    asked for the password when neither ``SHEET_FOLLOWUP_MAIL_PASSWORD`` nor the keyring has
    it. A mailbox that fails does not raise: the workbook and the drafts are written as
    without one, and ``result.mailbox.problem`` says what was not done."""
    options = RunOptions(
        today=_day(today),
        out=Path(out) if out is not None else None,
        dry_run=dry_run,
        sheet=sheet,
        templates=Path(templates) if templates is not None else None,
        formats=tuple(formats) if formats is not None else None,
        overrides=_overrides(settings),
        mailbox=MailboxOptions(use=mailbox, ask=ask_password),
    )
    with from_xlsx():
        if progress is None:
            return run_tracker(Path(path), options)
        return run_tracker(Path(path), options, progress)


def record_sent(
    path: PathLike,
    rows: Sequence[int] = (),
    *,
    on: dt.date | None = None,
    contacts: Sequence[str] = (),
    sheet: str | None = None,
    out: PathLike | None = None,
    force: bool = False,
) -> SentResult:
    """Record the notes of ``rows`` (or of the named ``contacts``) as sent ``on`` that day, as
    ``sheet-followup sent`` does; a row that was not due is refused unless ``force``."""
    # Imported here: a weekly run never records by hand, and need not load it at start-up.
    from sheet_followup.sending import record_sent as _record_sent

    with from_xlsx():
        return _record_sent(
            Path(path),
            list(rows),
            _day(on),
            contacts=list(contacts),
            sheet=sheet,
            out=Path(out) if out is not None else None,
            force=force,
        )


def check(
    path: PathLike,
    *,
    today: dt.date | None = None,
    sheet: str | None = None,
    settings: Mapping[str, object] | None = None,
) -> CheckReport:
    """What ``sheet-followup check`` reports: errors first, then warnings, each naming its
    cell; nothing is written. Iterate over the report for its problems."""
    day = _day(today)
    with from_xlsx():
        decided = plan_workbook(Path(path), today=day, sheet=sheet, overrides=_overrides(settings))
    problems = check_followups(decided.followups, day, decided.settings)
    problems += [Problem("warning", warning) for warning in decided.warnings]
    problems += [Problem("warning", message) for message in mail_setting_problems(decided.settings)]
    return CheckReport(
        Path(path), decided.tracker.sheet, day, len(decided.followups), tuple(problems)
    )


def mail_setting_problems(settings: Settings) -> list[str]:
    """What keeps the Settings' mailbox from being used, found without connecting."""
    from sheet_followup.errors import MailboxError
    from sheet_followup.mail.account import account_from_settings

    if not settings.mail_server:
        return []
    try:
        account_from_settings(settings)
    except MailboxError as error:
        return [str(error)]
    return []


def mailbox_settings(path: PathLike) -> Settings:
    """The workbook's settings, read from its Settings sheet alone (the tracker is not read):
    what the mailbox needs to sign in."""
    with from_xlsx():
        workbook = open_workbook(Path(path))
        values, _ = settings_from_rows(read_setting_rows(workbook))
    return build_settings(values, {})


def check_mail(path: PathLike, *, ask_password: Ask | None = None) -> MailboxCheck:
    """Sign in to the mailbox the workbook's Settings name and find its Drafts, Sent and Inbox
    folders, as ``sheet-followup mailbox`` does; nothing is changed. Raises
    :class:`~sheet_followup.errors.MailboxError` (exit code 3) when it cannot."""
    from sheet_followup.mail.account import account_from_settings
    from sheet_followup.mail.session import check_mailbox

    settings = mailbox_settings(path)
    account_from_settings(settings)  # a missing setting is said before any password is asked
    return check_mailbox(settings, ask_password)


def forget_mail_password(path: PathLike) -> tuple[str, bool]:
    """Remove the Mail user's password from the keyring: (the user, whether one was saved)."""
    from sheet_followup.mail.password import forget_password

    settings = mailbox_settings(path)
    if not settings.mail_user:
        message = f"{Path(path).name}: no Mail user in the Settings sheet, so no saved password"
        raise UsageError(message)
    return settings.mail_user, forget_password(settings.mail_user)


def _day(day: dt.date | None) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    return day if day is not None else dt.date.today()  # noqa: DTZ011 (the user's local day)


def _overrides(settings: Mapping[str, object] | None) -> dict[str, object | None]:
    overrides = dict(settings or {})
    build_settings({}, overrides)  # an unknown name raises here, before anything is read
    return overrides
