"""The command line: options in, one core call, a summary out, errors to exit codes.

Heavy imports (the reader, pandas, Jinja2) happen inside the commands, so ``--help`` and a
usage error answer at once.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from sheet_followup import __version__
from sheet_followup.controls import without_controls
from sheet_followup.presentation import (
    Line,
    adopt_as_json,
    adopt_lines,
    backup_lines,
    check_as_json,
    check_lines,
    init_lines,
    mailbox_as_json,
    mailbox_lines,
    many_lines,
    run_as_json,
    run_summary,
    sent_as_json,
    sent_lines,
    shown_path,
)

if TYPE_CHECKING:
    from sheet_followup.batch import RunOptions

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MAILBOX = 0, 1, 2, 3

FC = TypeVar("FC", bound=Callable[..., object])


class _Styled(str):
    """Text the tool styled itself: its escape sequences are its own, its words made safe."""


def terminal_safe(text: str) -> str:
    """Text as it may reach the terminal: each control character a cell held shown as U+FFFD."""
    if isinstance(text, _Styled):
        return text
    return without_controls(text, "\ufffd")


def style(text: str, **styles: object) -> _Styled:
    return _Styled(click.style(terminal_safe(text), **styles))  # type: ignore[arg-type]


def echo(message: str = "", *, err: bool = False) -> None:
    """``click.echo``, with what came from the workbook unable to drive the terminal."""
    click.echo(terminal_safe(message), err=err)


def echo_lines(lines: Sequence[str | Line]) -> None:
    """Lines, some styled by the tool: each made safe on its own, then joined."""
    shown = [
        style(line.text, fg=line.colour, bold=line.bold or None)
        if isinstance(line, Line) and (line.colour or line.bold)
        else (line.text if isinstance(line, Line) else line)
        for line in lines
    ]
    click.echo("\n".join(terminal_safe(line) for line in shown))


@contextmanager
def reported_errors(debug: bool) -> Iterator[None]:
    """Turn the tool's errors into a one-line message and its exit code, never a traceback."""
    from sheet_followup.errors import SheetFollowupError
    from sheet_followup.xlsx.errors import XlsxError

    try:
        yield
    except XlsxError as error:  # one the application did not translate: still the file's fault
        if debug:
            raise
        fail(str(error), EXIT_FAILED)
    except SheetFollowupError as error:
        if debug:
            raise
        if error.exit_code == EXIT_USAGE:
            raise click.UsageError(terminal_safe(str(error))) from error
        fail(str(error), error.exit_code)
    except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        if debug:
            raise
        fail(
            f"unexpected {type(error).__name__}: {error}. Nothing was changed. "
            "Run again with --debug to see where, and report it.",
            EXIT_FAILED,
        )


def fail(message: str, exit_code: int) -> None:
    """Say what failed on stderr (and, with --json, as one JSON object on stdout), then exit."""
    echo(f"Error: {message}", err=True)
    if _wants_json():
        echo(json.dumps({"error": message, "exit_code": exit_code}))
    sys.exit(exit_code)


def _wants_json(args: list[str] | None = None) -> bool:
    ctx = click.get_current_context(silent=True)
    if ctx is not None and args is None:
        return bool(ctx.params.get("as_json"))
    args = list(sys.argv[1:] if args is None else args)
    return "--json" in (args[: args.index("--")] if "--" in args else args)


class _Commands(click.Group):
    """The command group, whose usage errors also come as JSON when --json was given."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: object,
    ) -> object:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        arguments = list(sys.argv[1:] if args is None else args)
        try:
            returned = super().main(arguments, prog_name, complete_var, False, **extra)
        except click.ClickException as error:
            error.show()
            if _wants_json(arguments):
                report = {"error": error.format_message(), "exit_code": error.exit_code}
                echo(json.dumps(report))
            sys.exit(error.exit_code)
        except (click.Abort, EOFError, KeyboardInterrupt):
            echo("Aborted!", err=True)
            sys.exit(EXIT_FAILED)
        # Without standalone mode Click returns the code of an early exit (--help, --version).
        sys.exit(returned if isinstance(returned, int) else EXIT_OK)


class TrackerPath(click.ParamType[Path]):
    """An existing workbook file; a missing one is a usage error that lists the workbooks there."""

    name = "workbook"

    def __init__(self, *, folders: bool = False) -> None:
        self.folders = folders

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Path:
        path = Path(str(value))
        if path.is_dir() and not self.folders:
            self.fail(f"'{path}' is a folder; name a workbook in it", param, ctx)
        if path.exists():
            # A pipe or a device is there but is no workbook: the run says so (exit 1), as it
            # does for any file that is not one, without opening it.
            return path
        folder = path.parent if str(path.parent) else Path()
        found = sorted(
            p.name
            for p in (folder.iterdir() if folder.is_dir() else [])
            if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith(("~$", "."))
        )
        listed = ", ".join(found[:10]) if found else "none"
        where = "this folder" if folder == Path() else f"'{folder}'"
        self.fail(f"'{path}' does not exist; workbooks in {where}: {listed}", param, ctx)


# Options several commands share, defined once so their names and help stay the same.
sheet_option = click.option(
    "--sheet", help="The tracker sheet's name; defaults to the first tracker sheet."
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object for scripts."
)
debug_option = click.option("--debug", is_flag=True, help="Show a traceback on errors.")
date_order_option = click.option(
    "--date-order",
    type=click.Choice(["MDY", "DMY"], case_sensitive=False),
    help="How to read a date like 3/11/2026 (overrides the Settings sheet; default MDY).",
)


def today_option(purpose: str) -> Callable[[FC], FC]:
    """``--today``: the day to plan for, check against or report on; the local date if absent."""
    return click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help=f"The day to {purpose} (YYYY-MM-DD); defaults to today's local date.",
    )


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheet-followup")
def cli() -> None:
    """Weekly interview follow-ups from an Excel job tracker.

    Run `sheet-followup run TRACKER.xlsx` once a week: it works out who is due for a thank-you
    or a follow-up note, writes a status and the next follow-up date into the sheet, and leaves
    a folder of draft notes to open, edit and send.
    """


def workbooks_in(paths: tuple[Path, ...]) -> list[Path]:
    """The workbooks named, with each folder replaced by the .xlsx/.xlsm files in it."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() in (".xlsx", ".xlsm")
                and not p.name.startswith(("~$", "."))
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


@cli.command("run")
@click.argument(
    "trackers", type=TrackerPath(folders=True), metavar="TRACKER...", nargs=-1, required=True
)
@today_option("plan for")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the drafts; defaults to a 'drafts' folder beside the workbook.",
)
@click.option("--dry-run", is_flag=True, help="Write nothing; print what would be done.")
@json_option
@sheet_option
@click.option(
    "--every",
    type=click.IntRange(1, 365),
    help="Days between follow-ups (overrides the Settings sheet; default 14).",
)
@click.option("--sender", help="Your name, to sign the notes (overrides the Settings sheet).")
@date_order_option
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of your own note templates; missing ones fall back to the defaults.",
)
@click.option(
    "--format",
    "formats",
    callback=lambda ctx, param, value: _formats(value),
    help="Draft formats, comma-separated: md, txt, eml, html (default: Settings, else md).",
)
@click.option(
    "--mailbox/--no-mailbox",
    default=None,
    help="Put the drafts in your mailbox's Drafts too (--no-mailbox: do not connect at all). "
    "Default: as the Settings sheet says.",
)
@debug_option
def run_command(
    trackers: tuple[Path, ...],
    today: dt.datetime | None,
    out_dir: Path | None,
    dry_run: bool,
    as_json: bool,
    sheet: str | None,
    every: int | None,
    sender: str | None,
    date_order: str | None,
    templates_dir: Path | None,
    formats: tuple[str, ...] | None,
    mailbox: bool | None,
    debug: bool,
) -> None:
    """Work out who is due, write statuses back, and draft the notes.

    Give several workbooks, or a folder of them, to run them all in parallel on the machine's
    cores: each gets its drafts in drafts/<workbook name>/<today>/, a failing one does not stop
    the others, and the exit code is 1 when any failed.
    """
    with reported_errors(debug):
        from sheet_followup import api
        from sheet_followup.batch import RunOptions
        from sheet_followup.dates import DateOrder

        day = today.date() if today else dt.date.today()  # noqa: DTZ011 (the user's local day)
        overrides: dict[str, object] = {
            "every_days": every,
            "sender_name": sender,
            "date_order": DateOrder(date_order.upper()) if date_order else None,
        }
        paths = workbooks_in(trackers)
        if not paths:
            message = "no .xlsx or .xlsm workbooks in " + ", ".join(f"'{p}'" for p in trackers)
            raise click.UsageError(message)
        if len(paths) > 1 or any(p.is_dir() for p in trackers):
            if mailbox:
                message = "--mailbox works on one workbook at a time; run each on its own"
                raise click.UsageError(message)
            from sheet_followup.mail.options import MailboxOptions

            options = RunOptions(
                today=day,
                out=out_dir,
                dry_run=dry_run,
                sheet=sheet,
                templates=templates_dir,
                formats=formats,
                overrides=overrides,
                mailbox=MailboxOptions(use=False if mailbox is False else None),
            )
            _run_many(paths, options, as_json)
            return
        from sheet_followup.progress import StageProgress

        asker = PasswordPrompt(paths[0], mailbox)
        with StageProgress(sys.stderr, enabled=not as_json, workbook=paths[0]) as progress:
            result = api.run(
                paths[0],
                today=day,
                out=out_dir,
                dry_run=dry_run,
                sheet=sheet,
                templates=templates_dir,
                formats=formats,
                settings=overrides,
                progress=progress,
                mailbox=mailbox,
                ask_password=asker.password,
            )
    problem = result.mailbox.problem if result.mailbox is not None else ""
    if as_json:
        shown = run_as_json(result)
        if problem:
            shown |= {"error": mailbox_failure(problem), "exit_code": EXIT_MAILBOX}
        echo(json.dumps(shown, indent=2))
    else:
        echo_lines(run_summary(result))
    if result.mailbox is not None and not problem:
        asker.offer_to_save()
    if problem:
        if not as_json:
            echo(f"Error: {mailbox_failure(problem)}", err=True)
        sys.exit(EXIT_MAILBOX)


def mailbox_failure(problem: str) -> str:
    return (
        f"the mailbox was not updated: {problem}. The workbook and the local drafts were "
        "written as a run without a mailbox writes them"
    )


class PasswordPrompt:
    """Asks for the mail password on a terminal, before the run starts (a prompt under a
    progress bar would be lost), and offers to keep it in the keyring once it worked."""

    def __init__(self, workbook: Path, mailbox: bool | None) -> None:
        self.workbook = workbook
        self.mailbox = mailbox
        self.user = ""
        self.typed = ""
        if mailbox is not False and sys.stdin.isatty() and sys.stderr.isatty():
            self._ask_early()

    def _ask_early(self) -> None:
        import os

        from sheet_followup import api
        from sheet_followup.errors import SheetFollowupError
        from sheet_followup.mail.password import ENVIRONMENT_VARIABLE, keyring_password

        try:
            settings = api.mailbox_settings(self.workbook)
        except SheetFollowupError:
            return  # the run itself will say what is wrong with the workbook
        if not settings.mail_server or not settings.mail_user:
            return
        if os.environ.get(ENVIRONMENT_VARIABLE) or keyring_password(settings.mail_user)[0]:
            return
        self.user = settings.mail_user
        self.typed = self._prompt(self.user) or ""

    @staticmethod
    def _prompt(user: str) -> str | None:
        typed = click.prompt(
            f"Mail password for {user}",
            hide_input=True,
            default="",
            show_default=False,
            err=True,
        )
        return str(typed) or None

    def password(self, user: str) -> str | None:
        if self.typed and user == self.user:
            return self.typed
        if sys.stdin.isatty() and sys.stderr.isatty():
            self.user, self.typed = user, self._prompt(user) or ""
            return self.typed or None
        return None

    def offer_to_save(self) -> None:
        """After a sign-in that worked with a typed password: keep it in the keyring?"""
        if not self.typed:
            return
        from sheet_followup.mail.password import save_password

        if click.confirm(
            "Save the password in your keyring for next time?", default=True, err=True
        ):
            trouble = save_password(self.user, self.typed)
            echo(
                trouble or f"Saved in the keyring (service sheet-followup, {self.user}).", err=True
            )


def _run_many(paths: list[Path], options: RunOptions, as_json: bool) -> None:
    """Many workbooks at once: a progress bar on a terminal, one line per workbook after."""
    from sheet_followup.batch import run_many

    if sys.stderr.isatty() and not as_json:
        with click.progressbar(length=len(paths), label="Running", file=sys.stderr) as bar:
            outcomes = run_many(paths, options, progress=bar)
    else:
        outcomes = run_many(paths, options)
    failed = [o for o in outcomes if not o["ok"]]
    if as_json:
        report = {"today": options.today.isoformat(), "workbooks": outcomes}
        echo(json.dumps(report, indent=2))
    else:
        echo_lines(many_lines(outcomes))
    if failed:
        sys.exit(EXIT_FAILED)


@cli.command("mailbox")
@click.argument("tracker", type=TrackerPath())
@click.option("--forget", is_flag=True, help="Remove the password saved in your keyring.")
@json_option
@debug_option
def mailbox_command(tracker: Path, forget: bool, as_json: bool, debug: bool) -> None:
    """Sign in to the mailbox the Settings sheet names, and say which folders it found.

    The password comes from SHEET_FOLLOWUP_MAIL_PASSWORD, else your keyring, else a prompt
    (which offers to save it in the keyring). Nothing in the mailbox is changed. Exit 3 when
    the server cannot be reached or refuses the sign-in.
    """
    with reported_errors(debug):
        from sheet_followup import api

        if forget:
            user, removed = api.forget_mail_password(tracker)
            said = (
                f"Removed the saved password for {user} from the keyring."
                if removed
                else f"No password for {user} was saved in the keyring."
            )
            echo(json.dumps({"user": user, "removed": removed}) if as_json else said)
            return
        asker = PasswordPrompt(tracker, True) if not as_json else None
        found = api.check_mail(tracker, ask_password=asker.password if asker else None)
    if as_json:
        echo(json.dumps(mailbox_as_json(found), indent=2))
    else:
        echo_lines(mailbox_lines(found))
    if asker is not None:
        asker.offer_to_save()


@cli.command("check")
@click.argument("tracker", type=TrackerPath(), metavar="TRACKER")
@today_option("check against")
@sheet_option
@date_order_option
@json_option
@debug_option
def check_command(
    tracker: Path,
    today: dt.datetime | None,
    sheet: str | None,
    date_order: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """List every problem in the tracker with its cell, writing nothing.

    Errors (cells `run` cannot read) come first, then warnings (a due contact without an email
    or a gift, a gift that reads as a bribe, a duplicated contact, an unknown stage, a date more
    than a year away). Exits 1 when there is an error, 0 otherwise.
    """
    with reported_errors(debug):
        from sheet_followup import api
        from sheet_followup.dates import DateOrder

        report = api.check(
            tracker,
            today=today.date() if today else None,
            sheet=sheet,
            settings={"date_order": DateOrder(date_order.upper()) if date_order else None},
        )
    if as_json:
        echo(json.dumps(check_as_json(report), indent=2))
    else:
        echo_lines(check_lines(report))
    if report.errors:
        sys.exit(EXIT_FAILED)


@cli.command("sent")
@click.argument("tracker", type=TrackerPath(), metavar="TRACKER")
@click.option(
    "--row",
    "rows",
    type=click.IntRange(1),
    multiple=True,
    help="The sheet row of a contact whose note went out; repeat for several.",
)
@click.option(
    "--contact",
    "contacts",
    multiple=True,
    help="Only this person of a row that names several (their name or first name); repeat "
    "for several. Without --row, the person is looked for in every row.",
)
@click.option(
    "--on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the notes went out (YYYY-MM-DD); defaults to today.",
)
@click.option("--force", is_flag=True, help="Record rows that were not due a note too.")
@sheet_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The drafts folder, when run used --out; the Log links each note to its draft.",
)
@json_option
@debug_option
def sent_command(
    tracker: Path,
    rows: tuple[int, ...],
    contacts: tuple[str, ...],
    on: dt.datetime | None,
    force: bool,
    sheet: str | None,
    out_dir: Path | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Record that the drafted notes of some rows went out.

    Sets each row's Last contact, the gift's Sent on in the Gifts sheet, and appends one line per
    note to the Log sheet (created when absent). A row that names several people records them
    all, or only those given with --contact. Rows that were not due a note are refused unless
    --force.
    """
    if not rows and not contacts:
        message = "say which notes went out: --row N, or --contact NAME"
        raise click.UsageError(message)
    with reported_errors(debug):
        from sheet_followup import api

        day = on.date() if on else dt.date.today()  # noqa: DTZ011 (the user's local day)
        result = api.record_sent(
            tracker, rows, on=day, contacts=contacts, sheet=sheet, out=out_dir, force=force
        )
    if as_json:
        echo(json.dumps(sent_as_json(result, day), indent=2))
    else:
        echo_lines(sent_lines(result, day))


@cli.command("restore")
@click.argument("tracker", type=click.Path(dir_okay=False, path_type=Path), metavar="TRACKER")
@click.option("--list", "list_only", is_flag=True, help="List the backups, newest first.")
@click.option(
    "--backup",
    "choice",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Which backup to restore: 1 is the newest, as numbered by --list.",
)
@debug_option
def restore_command(tracker: Path, list_only: bool, choice: int, debug: bool) -> None:
    """Put back the workbook as it was before an earlier run.

    Every command that changes the workbook first saves a copy in .sheet-followup-backups/
    beside it (the last ten are kept, and the last of each of the thirty days before).
    Restoring saves the current file there too, so a restore can be undone the same way.
    """
    with reported_errors(debug):
        from sheet_followup.backups import backup_folder, describe, list_backups, restore_backup
        from sheet_followup.batch import check_not_open_in_excel

        backups = list_backups(tracker)
        if not backups:
            message = f"no backups of {tracker.name} in {shown_path(backup_folder(tracker))}"
            raise click.ClickException(message)
        if list_only:
            echo_lines(backup_lines([describe(backup) for backup in backups]))
            return
        if choice > len(backups):
            count = f"{len(backups)} backup{'s' if len(backups) != 1 else ''}"
            message = f"{tracker.name} has {count}; see --list"
            raise click.BadParameter(message, param_hint="--backup")
        check_not_open_in_excel(tracker)
        chosen = backups[choice - 1]
        saved = restore_backup(tracker, chosen, dt.datetime.now())  # noqa: DTZ005
        echo(f"Restored {shown_path(tracker)} from {shown_path(chosen)}.")
        if saved is not None:
            echo(f"The file it replaced is saved as {shown_path(saved)}.")


def _formats(value: str | None) -> tuple[str, ...] | None:
    from sheet_followup.settings import parse_formats

    if value is None:
        return None
    try:
        return parse_formats(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--format") from error


@cli.command("init")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH")
@debug_option
def init_command(path: Path, debug: bool) -> None:
    """Write a new, empty tracker workbook and a copy of the note templates beside it.

    PATH is the new .xlsx file (its folder is created when needed); an existing file is never
    overwritten. The templates go to a 'templates' folder beside it, keeping any already there.
    """
    with reported_errors(debug):
        from sheet_followup.starter import TRACKER_SHEET, create_tracker

        result = create_tracker(path)
    echo_lines(init_lines(result, TRACKER_SHEET))


@cli.command("adopt")
@click.argument("tracker", type=TrackerPath(), metavar="TRACKER")
@sheet_option
@click.option("--dry-run", is_flag=True, help="Write nothing; list the columns it would add.")
@json_option
@debug_option
def adopt_command(
    tracker: Path, sheet: str | None, dry_run: bool, as_json: bool, debug: bool
) -> None:
    """Add the columns the tool needs to a tracker of your own.

    Adds, after your last header, the input columns the sheet lacks (Company, Contact,
    Interview date, Last contact, Interests, Gift, Pause until) and the tool's own (Follow-up
    status, Next follow-up, Draft), in your headers' look and inside your Excel table. Nothing
    else changes, and a backup is kept first.
    """
    with reported_errors(debug):
        from sheet_followup.adopt import adopt_tracker

        day = dt.date.today()  # noqa: DTZ011 (the user's local day)
        result = adopt_tracker(tracker, today=day, sheet=sheet, dry_run=dry_run)
    if as_json:
        echo(json.dumps(adopt_as_json(result), indent=2))
    else:
        echo_lines(adopt_lines(result))


@cli.command("report")
@click.argument("tracker", type=TrackerPath(), metavar="TRACKER")
@today_option("report on")
@sheet_option
@click.option(
    "--weeks",
    type=click.IntRange(1, 104),
    default=12,
    show_default=True,
    help="How many weeks of notes sent to show.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as one self-contained HTML page with a chart.",
)
@debug_option
def report_command(
    tracker: Path,
    today: dt.datetime | None,
    sheet: str | None,
    weeks: int,
    html_file: Path | None,
    debug: bool,
) -> None:
    """Summarise the search: contacts by stage and status, notes sent per week, overdue notes.

    Reads the workbook and its Log sheet without writing anything to it.
    """
    with reported_errors(debug):
        from sheet_followup.report import build_report, report_text, write_html

        day = today.date() if today else dt.date.today()  # noqa: DTZ011 (the user's local day)
        report = build_report(tracker, today=day, sheet=sheet, weeks=weeks)
        echo(report_text(report, shown_path(tracker)))
        if html_file is not None:
            write_html(report, html_file, shown_path(tracker))
            echo(f"\nWrote {shown_path(html_file)}.")


def main() -> None:
    """Console entry point: a console that cannot print a name degrades instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    cli(prog_name="sheet-followup")
