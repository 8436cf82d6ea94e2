"""What the command line shows: each command's summary and JSON, and a many-workbook run's lines.

Built from the structured results (a follow-up's kind, remarks and dates, a draft's action),
never by reading status strings back, and with no terminal in sight: a heading is a
:class:`Line` with a colour, which the command line styles as its terminal allows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sheet_followup.models import SUMMARY_ORDER, FollowUp, Kind, Reply

if TYPE_CHECKING:
    import datetime as dt

    from sheet_followup.adopt import AdoptResult
    from sheet_followup.backups import Backup
    from sheet_followup.batch import RunResult
    from sheet_followup.checking import CheckReport
    from sheet_followup.logbook import LogLine
    from sheet_followup.mail.session import MailboxCheck, MailboxReport
    from sheet_followup.sending import SentResult
    from sheet_followup.starter import InitResult

DUE_KINDS = tuple(kind.value for kind in Kind if kind.is_due)


@dataclass(frozen=True)
class Line:
    """One line of output, and how the terminal may show it."""

    text: str
    colour: str | None = None
    bold: bool = False


_COLOURS = {kind: "green" for kind in Kind if kind.is_due} | {
    Kind.FIX_DATA: "red",
    Kind.REPLIED: "cyan",
}


def shown_path(path: Path) -> str:
    """Relative to the current folder when inside it, else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def run_summary(result: RunResult) -> list[Line]:
    """A summary grouped by status, the due contacts first (a large tracker has a hundred
    thousand lines: built in one go, written in one go)."""
    out = [
        Line(
            f"{shown_path(result.path)} · sheet '{result.sheet}' · {result.today:%A %Y-%m-%d}"
            + (" · dry run, nothing written" if result.dry_run else "")
        )
    ]
    if not result.followups:
        out.append(Line("\nNo contacts in the tracker yet: add one row per interviewer."))
    lines = {f.contact.ident: summary_line(f, result) for f in result.followups}
    width = min(max((len(left) for left, _ in lines.values()), default=0), 60)
    by_kind: dict[Kind, list[FollowUp]] = {}
    for followup in result.followups:
        by_kind.setdefault(followup.kind, []).append(followup)
    for kind in SUMMARY_ORDER:
        group = by_kind.get(kind, [])
        if not group:
            continue
        out.append(Line(f"\n{kind.label} ({len(group)})", _COLOURS.get(kind), bold=True))
        for followup in group:
            left, right = lines[followup.contact.ident]
            out.append(Line(f"  {left:<{width}}  {right}".rstrip()))
    out += bookkeeping(result)
    if result.mailbox is not None:
        out += mailbox_summary(result.mailbox, dry_run=result.dry_run)
    if result.warnings or result.skipped:
        out.append(Line("\nWarnings", "yellow", bold=True))
        out += [Line(f"  {warning}") for warning in result.warnings]
        out += [Line(f"  {result.sheet} row {s.row}: {s.reason}") for s in result.skipped]
    out.append(Line("\n" + closing_line(result)))
    return out


def bookkeeping(result: RunResult) -> list[Line]:
    """What the run recorded or tidied besides the statuses: notes logged from a typed Last
    contact, drafts no longer due, the templates it used."""
    from sheet_followup.drafts import own_templates
    from sheet_followup.logbook import RECORDED_BY_MAIL

    out: list[Line] = []
    sources: dict[str, list[LogLine]] = {}
    for typed in result.typed:
        sources.setdefault(typed.recorded, []).append(typed)
    verb = "Would record" if result.dry_run else "Recorded"
    for source, lines in sources.items():
        where = "your Sent folder" if source == RECORDED_BY_MAIL else source
        out.append(Line(f"\n{verb} from {where} ({len(lines)})", bold=True))
        for typed in lines:
            entry = typed.entry
            gift = f"; gift: {entry.gift}" if entry.gift else ""
            kind = _KIND_WORDS.get(entry.kind, entry.kind.replace("_", "-"))
            out.append(
                Line(f"  {entry.company} · {entry.contact}  {kind} sent {entry.day:%Y-%m-%d}{gift}")
            )
    if result.retired:
        out.append(Line("\nNo longer due", bold=True))
        for retired in result.retired:
            what = "kept because you edited it" if retired.kept else "its draft removed"
            out.append(Line(f"  {retired.path.name}  ({what})"))
    mine = own_templates(result.templates) if result.templates is not None else []
    if result.templates is not None and mine:
        out.append(
            Line(
                f"\nTemplates: {', '.join(mine)} from {shown_path(result.templates)}{os.sep}; "
                "every other note uses the default"
            )
        )
    return out


# A Log kind as the summary says it ("follow-up sent"): the tool's kinds hyphenated.
_KIND_WORDS = {"own_note": "your own note"}


def summary_line(followup: FollowUp, result: RunResult) -> tuple[str, str]:
    """Who (row, company, contact) and what: the draft, the next date or the fix to make.

    Called once a row (a hundred thousand times for a coach's tracker), so the remarks are
    worked out once.
    """
    contact = followup.contact
    company, name = contact.company, contact.contact
    who = f"{company} · {name}" if company and name else company or name or "(no name)"
    left = f"row {contact.row:<4} {who}"
    remarks = followup.remarks
    kind = followup.kind
    if kind is Kind.FIX_DATA:
        return left, "; ".join(remarks)
    if followup.reply is not None:
        reply = followup.reply
        said = f"wrote {reply.day:%a %Y-%m-%d}"
        said += f" ({quoted(reply.subject)})" if reply.subject else ""
        said += ": answer them"
        if reply.rejection:
            said += "; reads like a rejection: set the stage to Rejected if so"
        return left, said
    detail = f"({', '.join(remarks)})" if remarks else ""
    if kind.is_due:
        draft = result.drafts.get(contact.ident)
        extra = [detail] if detail else []
        if draft is not None:
            extra.insert(0, draft.path.name)  # the closing line names the folder
            if draft.conflict:
                edited = " and ".join(f".{fmt}" for fmt in draft.conflict)
                extra.append(f"(you edited {edited} differently: each kept as it is)")
            elif draft.carried:
                edited = " and ".join(f".{fmt}" for fmt in draft.carried)
                extra.append(f"(your edit of the {edited} is in every format)")
            elif draft.action == "kept":
                extra.append("(kept: you edited it)")
        return left, "  ".join(extra)
    right = detail
    if followup.next_follow_up is not None:
        label = "interview" if kind is Kind.UPCOMING else "next"
        right = f"{label} {followup.next_follow_up:%a %Y-%m-%d}  {right}".rstrip()
    return left, right


def closing_line(result: RunResult) -> str:
    drafts = list(result.drafts.values())
    kept = sum(1 for d in drafts if d.action == "kept")
    folder = shown_path(result.drafts_folder) + os.sep
    verb = "Would write" if result.dry_run else "Wrote"
    if not drafts:
        parts = ["Nobody is due for a note today"]
    else:
        written = len(drafts) - kept
        plural = "s" if written != 1 else ""
        parts = [f"{verb} {written} draft{plural} to {folder}"]
        if kept:
            parts.append(f"kept {kept} you edited")
    cells = f"{result.cells_changed} cell{'s' if result.cells_changed != 1 else ''}"
    parts += _mailbox_part(result)
    if result.dry_run:
        parts.append(f"would update {cells} in {result.path.name}")
    elif result.cells_changed:
        parts.append(f"updated {cells} in {result.path.name}")
    else:
        parts.append(f"{result.path.name} already up to date")
    return "; ".join(parts) + "."


def _mailbox_part(result: RunResult) -> list[str]:
    """The closing line's word on Drafts: "put 3 in Drafts" (or why not, said below)."""
    report = result.mailbox
    if report is None or report.drafts is None:
        return []
    drafts = report.drafts
    verb = "would put" if result.dry_run else "put"
    parts = [f"{verb} {len(drafts.added)} in {drafts.folder}"] if drafts.added else []
    if drafts.added and drafts.replaced:
        parts[0] += f" (replacing {len(drafts.replaced)} older)"
    if drafts.already:
        parts.append(f"{len(drafts.already)} already in {drafts.folder}")
    return parts


def mailbox_summary(report: MailboxReport, *, dry_run: bool = False) -> list[Line]:
    """The mailbox's part of a run's summary: the drafts kept or removed there, and a problem."""
    out: list[Line] = []
    removed = "would remove" if dry_run else "removed"
    drafts = report.drafts
    if drafts is not None:
        if drafts.kept_edited:
            names = ", ".join(drafts.kept_edited)
            out.append(Line(f"\nIn {drafts.folder}: kept your edited drafts for {names}"))
        if drafts.removed:
            names = ", ".join(drafts.removed)
            out.append(
                Line(
                    f"\nIn {drafts.folder}: {removed} the tool's drafts for {names}, no longer "
                    "due (they replied, or the note went out)"
                )
            )
        if drafts.left:
            names = ", ".join(drafts.left)
            out.append(
                Line(
                    f"\nIn {drafts.folder}: the older drafts for {names} are still there (the "
                    "server cannot remove one message safely: it lacks UIDPLUS); delete them "
                    "in your mail program",
                    "yellow",
                )
            )
    if report.problem:
        out.append(Line(f"\nMailbox not updated: {report.problem}", "red", bold=True))
    return out


def mailbox_as_json(found: MailboxCheck) -> dict[str, object]:
    folders = found.folders
    return {
        "server": f"{found.account.host}:{found.account.port}",
        "user": found.account.user,
        "security": found.account.security,
        "password_from": found.password_origin,
        "uidplus": found.uidplus,
        "drafts": folders.drafts.name if folders.drafts else None,
        "sent": folders.sent.name if folders.sent else None,
        "inbox": folders.inbox.name,
    }


def mailbox_lines(found: MailboxCheck) -> list[Line]:
    """`mailbox TRACKER`: the account signed in to, and each folder the tool will use."""
    account, folders = found.account, found.folders
    out = [
        Line(
            f"Signed in to {account.host}:{account.port} as {account.user} "
            f"(security: {account.security}; password from the {found.password_origin}).",
            "green",
        )
    ]
    missing = "none found: create it in your mail program"
    out.append(Line(f"  Drafts: {folders.drafts.shown if folders.drafts else missing}"))
    out.append(Line(f"  Sent:   {folders.sent.shown if folders.sent else missing}"))
    out.append(Line(f"  Inbox:  {folders.inbox.name}"))
    if not found.uidplus:
        out.append(
            Line(
                "The server lacks UIDPLUS: the tool adds drafts but cannot remove its old ones "
                "safely, so it leaves them for you to delete.",
                "yellow",
            )
        )
    return out


def run_as_json(result: RunResult) -> dict[str, object]:
    """``run --json``: the run's facts as plain data, paths as the summary shows them."""
    from sheet_followup.drafts import own_templates

    contacts = []
    for followup in result.followups:
        draft = result.drafts.get(followup.contact.ident)
        contacts.append(
            {
                "row": followup.contact.row,
                "company": followup.contact.company,
                "contact": followup.contact.contact,
                "kind": followup.kind.value,
                "status": followup.status,
                "next_follow_up": (
                    followup.next_follow_up.isoformat() if followup.next_follow_up else None
                ),
                "draft": shown_path(draft.path) if draft else None,
                "drafts": [shown_path(p) for p in draft.files] if draft else [],
                "gift": followup.gift or None,
                **({"reply": _reply_json(followup.reply)} if followup.reply is not None else {}),
            }
        )
    return {
        "today": result.today.isoformat(),
        "workbook": shown_path(result.path),
        "sheet": result.sheet,
        "dry_run": result.dry_run,
        "cells_changed": result.cells_changed,
        "recorded": [
            {
                "company": typed.entry.company,
                "contact": typed.entry.contact,
                "kind": typed.entry.kind,
                "on": typed.entry.day.isoformat(),
                "gift": typed.entry.gift or None,
                "draft": typed.entry.draft or None,
                "from": typed.recorded,
            }
            for typed in result.typed
        ],
        "no_longer_due": [{"draft": shown_path(r.path), "kept": r.kept} for r in result.retired],
        "templates": (
            {"folder": shown_path(result.templates), "own": own_templates(result.templates)}
            if result.templates
            else None
        ),
        "contacts": contacts,
        "mailbox": _mailbox_json(result.mailbox) if result.mailbox is not None else None,
        "warnings": result.warnings
        + [f"{result.sheet} row {s.row}: {s.reason}" for s in result.skipped],
    }


def many_lines(outcomes: Sequence[Mapping[str, object]]) -> list[Line]:
    """A many-workbook run: a line per workbook, in the order given, then the count."""
    out = []
    for outcome in outcomes:
        name = shown_path(Path(str(outcome["workbook"])))
        if outcome["ok"]:
            kinds = outcome["kinds"]
            assert isinstance(kinds, Mapping)
            due = sum(int(kinds.get(kind, 0)) for kind in DUE_KINDS)
            fix = int(kinds.get(Kind.FIX_DATA.value, 0))
            detail = f"{outcome['contacts']} contacts, {due} due, {outcome['drafts']} drafts"
            detail += f", {fix} to fix" if fix else ""
            out.append(Line(f"ok      {name}: {detail}"))
        else:
            out.append(Line(f"FAILED  {name}: {outcome['error']}", "red"))
    failed = sum(1 for outcome in outcomes if not outcome["ok"])
    out.append(Line(f"\n{len(outcomes)} workbooks: {len(outcomes) - failed} ran, {failed} failed."))
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def quoted(text: str) -> str:
    """A path as it can be typed back into a shell command."""
    return f'"{text}"' if " " in text else text


def check_lines(report: CheckReport) -> list[Line]:
    """``check``: the workbook, then errors and warnings, then what to do about them."""
    out = [
        Line(
            f"{shown_path(report.path)} · sheet '{report.sheet}' · "
            f"{_plural(report.contacts, 'contact')} · {report.today:%A %Y-%m-%d}"
        )
    ]
    errors, warnings = report.errors, report.warnings
    for title, messages, colour in (("Errors", errors, "red"), ("Warnings", warnings, "yellow")):
        if messages:
            out.append(Line(f"\n{title} ({len(messages)})", colour, bold=True))
            out += [Line(f"  {message}") for message in messages]
    if errors:
        out.append(
            Line(f"\n{_plural(len(errors), 'error')} to fix: `run` marks those rows Fix data.")
        )
    else:
        out.append(Line("\nNo errors: every row can be planned."))
    return out


def check_as_json(report: CheckReport) -> dict[str, object]:
    return {
        "workbook": shown_path(report.path),
        "sheet": report.sheet,
        "today": report.today.isoformat(),
        "contacts": report.contacts,
        "errors": report.errors,
        "warnings": report.warnings,
    }


def sent_lines(result: SentResult, day: dt.date) -> list[Line]:
    """``sent``: each note recorded, with its kind and gift."""
    out = [Line(f"Recorded {_plural(len(result.notes), 'note')} sent on {day:%A %Y-%m-%d}:")]
    for note in result.notes:
        gift = f"; gift: {note.entry.gift}" if note.entry.gift else ""
        kind = note.entry.kind.replace("_", "-")
        out.append(
            Line(
                f"  row {note.followup.contact.row:<4} {note.entry.company} · {note.entry.contact}"
                f"  ({kind}{gift})"
            )
        )
    return out


def sent_as_json(result: SentResult, day: dt.date) -> dict[str, object]:
    notes = [
        {
            "row": n.followup.contact.row,
            "company": n.entry.company,
            "contact": n.entry.contact,
            "kind": n.entry.kind,
            "gift": n.entry.gift or None,
            "draft": n.entry.draft or None,
        }
        for n in result.notes
    ]
    return {"on": day.isoformat(), "notes": notes}


def adopt_lines(result: AdoptResult) -> list[Line]:
    """``adopt``: the columns added (or that would be), and the next step."""
    shown = shown_path(result.path)
    if not result.added:
        return [
            Line(
                f"{shown}: sheet '{result.sheet}' already has every column the tool reads and "
                "writes; nothing to add."
            )
        ]
    verb = "Would add" if result.dry_run else "Added"
    after = f" after '{result.after}'" if result.after else ""
    out = [
        Line(
            f"{verb} {_plural(len(result.added), 'column')} to sheet '{result.sheet}' "
            f"(header row {result.header_row}){after}:"
        )
    ]
    out += [Line(f"  {column.letter:>3}  {column.header}") for column in result.added]
    if result.dry_run:
        out.append(Line("\nNothing was written (dry run)."))
    else:
        out.append(
            Line(
                "\nNext: for each interview, fill in Contact (the interviewer) and Interview "
                f"date; then run:\n  sheet-followup run {quoted(shown)}"
            )
        )
    return out


def adopt_as_json(result: AdoptResult) -> dict[str, object]:
    return {
        "workbook": shown_path(result.path),
        "sheet": result.sheet,
        "header_row": result.header_row,
        "dry_run": result.dry_run,
        "added": [{"column": c.letter, "header": c.header} for c in result.added],
    }


def init_lines(result: InitResult, tracker_sheet: str) -> list[Line]:
    """``init``: what was made, and the routine from there."""
    shown, folder = shown_path(result.workbook), shown_path(result.templates)
    out = [Line(f"Created {shown}: sheets {tracker_sheet}, Settings, Gifts and Log.")]
    if result.copied:
        out.append(
            Line(f"Copied the note templates to {folder}{os.sep}: {', '.join(result.copied)}.")
        )
    if result.kept:
        out.append(Line(f"Kept your own templates in {folder}{os.sep}: {', '.join(result.kept)}."))
    out.append(
        Line(
            "\nNext steps:\n"
            f"  1. Open {shown} and fill in Your name and Your email in the Settings sheet.\n"
            f"  2. Add one row per interviewer to the '{tracker_sheet}' sheet.\n"
            f"  3. Edit the templates in {folder}{os.sep} if you like: every run uses them.\n"
            "  4. Once a week, close the workbook in Excel and run:\n"
            f"       sheet-followup run {quoted(shown)}"
        )
    )
    return out


def backup_lines(backups: Sequence[Backup]) -> list[Line]:
    """``restore --list``: the backups newest first, numbered as ``--backup`` takes them."""
    out = []
    for number, about in enumerate(backups, start=1):
        when = f"{about.made:%a %Y-%m-%d %H:%M}" if about.made else "(time unknown)"
        before = f"before {about.command}" if about.command else ""
        try:
            size = f"{about.path.stat().st_size:,} bytes"
        except OSError:
            size = "gone"
        out.append(Line(f"{number:>3}  {when}  {before:<14}  {shown_path(about.path)}  ({size})"))
    return out


def _reply_json(reply: Reply) -> dict[str, object]:
    return {"on": reply.day.isoformat(), "subject": reply.subject, "rejection": reply.rejection}


def _mailbox_json(report: MailboxReport) -> dict[str, object]:
    drafts = report.drafts
    return {
        "account": report.account,
        "problem": report.problem or None,
        "recorded": len(report.recorded),
        "replies": len(report.replies),
        "drafts": (
            {
                "folder": drafts.folder,
                "added": drafts.added,
                "already": drafts.already,
                "kept_edited": drafts.kept_edited,
                "replaced": drafts.replaced,
                "removed": drafts.removed,
                "left": drafts.left,
            }
            if drafts is not None
            else None
        ),
    }
