"""`report`: where the search stands, from the tracker's statuses and the Log, read-only.

The numbers come from the same decisions `run` makes (``plan_workbook``), so the report and the
weekly summary never disagree; pandas does the counting. The HTML page is one self-contained file
(inline CSS, an inline SVG chart, no script, no external resource) that can be mailed or kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sheet_followup.batch import plan_workbook
from sheet_followup.columns import normalize_header
from sheet_followup.errors import SheetFollowupError, UsageError
from sheet_followup.models import SUMMARY_ORDER, Kind, LogEntry
from sheet_followup.settings import ACTIVE_STAGES, DEFAULT_CLOSED_STAGES

if TYPE_CHECKING:
    import pandas as pd

ACTIVE = "(active)"
DEFAULT_WEEKS = 12
# A Log line's kind as a column heading: the note that went out, not the status that asked for it.
SENT_LABELS = {
    Kind.THANK_YOU.value: "Thank-you",
    Kind.FOLLOW_UP.value: "Follow-up",
    Kind.CLOSING.value: "Closing",
    Kind.KEEP_IN_TOUCH.value: "Keep in touch",
    "own_note": "Own note",  # found in the Sent folder, written without the tool
}


@dataclass(frozen=True)
class Report:
    """The tables of one report; every frame has display-ready column names."""

    workbook: Path
    sheet: str
    today: dt.date
    weeks: int
    totals: list[tuple[str, int, str]]  # (label, number, detail)
    by_stage: pd.DataFrame
    by_status: pd.DataFrame
    per_week: pd.DataFrame  # Week, Starting, Notes, then one column per kind of note sent
    overdue: pd.DataFrame
    warnings: list[str]


def build_report(
    path: Path, *, today: dt.date, sheet: str | None = None, weeks: int = DEFAULT_WEEKS
) -> Report:
    """Read the workbook (never writing it) and count."""
    import pandas as pd

    plan = plan_workbook(path, today=today, sheet=sheet, overrides={})
    settings = plan.settings
    known = {
        normalize_header(stage): stage
        for stage in (*ACTIVE_STAGES, *DEFAULT_CLOSED_STAGES, *settings.closed_stages)
    }
    stage_order = [ACTIVE, *dict.fromkeys((*ACTIVE_STAGES, *settings.closed_stages))]

    contacts = pd.DataFrame(
        [
            {
                "row": f.contact.row,
                "company": f.contact.company,
                "company_key": normalize_header(f.contact.company),
                "contact": f.contact.contact,
                "stage": known.get(normalize_header(f.contact.stage), f.contact.stage.strip())
                or ACTIVE,
                "closed": settings.is_closed(f.contact.stage),
                "kind": f.kind.value,
                "status": f.kind.label,
                "full_status": f.status,
                "days_late": f.days_late,
                "due": f.kind.is_due,
                "next": f.next_follow_up,
            }
            for f in plan.followups
        ],
        columns=[
            "row",
            "company",
            "company_key",
            "contact",
            "stage",
            "closed",
            "kind",
            "status",
            "full_status",
            "days_late",
            "due",
            "next",
        ],
    )

    # Contacts by stage: the active ones first, in the order an application moves.
    by_stage = (
        contacts.groupby("stage")
        .agg(Contacts=("row", "size"), Companies=("company_key", "nunique"))
        .reset_index()
        .rename(columns={"stage": "Stage"})
    )
    rank = {stage: i for i, stage in enumerate(stage_order)}
    by_stage = by_stage.assign(
        _rank=[rank.get(s, len(rank)) for s in by_stage["Stage"]],
        _name=by_stage["Stage"].str.casefold(),
    )
    by_stage = by_stage.sort_values(["_rank", "_name"]).drop(columns=["_rank", "_name"])

    # Contacts by status, in the order of the weekly summary.
    counts = contacts["kind"].value_counts()
    by_status = pd.DataFrame(
        [(kind.label, int(counts[kind.value])) for kind in SUMMARY_ORDER if kind.value in counts],
        columns=["Status", "Contacts"],
    )

    per_week = _per_week(plan.log, today, weeks)

    overdue = contacts[contacts["due"] & (contacts["days_late"] > 0)]
    overdue = overdue.sort_values(["days_late", "row"], ascending=[False, True])
    overdue = pd.DataFrame(
        {
            "Row": overdue["row"],
            "Company": overdue["company"],
            "Contact": overdue["contact"],
            "Status": overdue["full_status"],
            "Days late": overdue["days_late"],
            "Due since": [d.isoformat() if d else "" for d in overdue["next"]],
        }
    )

    sent = [entry for entry in plan.log if entry.day <= today]
    in_window = int(per_week["Notes"].sum())
    active = contacts[~contacts["closed"] & (contacts["company_key"] != "")]
    due = int(contacts["due"].sum())
    totals = [
        ("Contacts", len(contacts), ""),
        ("Active companies", int(active["company_key"].nunique()), ""),
        ("Notes sent", len(sent), f"{in_window} in the last {weeks} weeks"),
        ("Due now", due, f"{len(overdue)} overdue"),
    ]
    return Report(
        workbook=path,
        sheet=plan.tracker.sheet,
        today=today,
        weeks=weeks,
        totals=totals,
        by_stage=by_stage.reset_index(drop=True),
        by_status=by_status,
        per_week=per_week,
        overdue=overdue.reset_index(drop=True),
        warnings=list(plan.warnings),
    )


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def _per_week(log: Sequence[LogEntry], today: dt.date, weeks: int) -> pd.DataFrame:
    """Notes sent per ISO week, the last ``weeks`` weeks up to today's, zero-filled."""
    import pandas as pd

    mondays = [week_start(today) - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    lines = pd.DataFrame(
        [
            {"week": week_start(e.day), "kind": SENT_LABELS.get(e.kind, _kind_label(e.kind))}
            for e in log
            if mondays[0] <= e.day <= today
        ],
        columns=["week", "kind"],
    )
    table = pd.crosstab(lines["week"], lines["kind"]) if len(lines) else pd.DataFrame()
    known = [label for label in SENT_LABELS.values() if label in table.columns]
    other = sorted(str(c) for c in table.columns if c not in SENT_LABELS.values())
    table = table.reindex(index=mondays, columns=[*known, *other], fill_value=0)
    frame = pd.DataFrame(
        {
            "Week": [f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}" for m in mondays],
            "Starting": [f"{m:%d %b}".lstrip("0") for m in mondays],
            "Notes": table.sum(axis=1).astype(int).to_list(),
        }
    )
    for column in table.columns:
        frame[str(column)] = table[column].astype(int).to_list()
    return frame


def _kind_label(kind: str) -> str:
    return kind.replace("_", " ").capitalize() if kind else "(no kind)"


# --- the terminal ---------------------------------------------------------------------------


def text_table(frame: pd.DataFrame, indent: str = "  ") -> list[str]:
    """Aligned columns: numbers to the right, text to the left; "(none)" for an empty table."""
    if frame.empty:
        return [f"{indent}(none)"]
    headers = [str(c) for c in frame.columns]
    rows = [[_cell(v) for v in record] for record in frame.itertuples(index=False)]
    numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if right else c.ljust(w)
            for c, w, right in zip(cells, widths, numeric, strict=True)
        ]
        return (indent + "  ".join(parts)).rstrip()

    return [line(headers), *(line(r) for r in rows)]


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def report_text(report: Report, shown_path: str) -> str:
    """The report for the terminal: headings and aligned tables."""
    out = [f"{shown_path} · sheet '{report.sheet}' · {report.today:%A %Y-%m-%d}", "", "Totals"]
    width = max(len(label) for label, _n, _d in report.totals)
    for label, number, detail in report.totals:
        extra = f"  ({detail})" if detail else ""
        out.append(f"  {label:<{width}}  {number:>5}{extra}")
    for title, frame in _sections(report):
        out += ["", title, *text_table(frame)]
    if report.warnings:
        out += ["", "Warnings", *(f"  {w}" for w in report.warnings)]
    return "\n".join(out)


def _sections(report: Report) -> list[tuple[str, pd.DataFrame]]:
    return [
        ("Contacts by stage", report.by_stage),
        ("Contacts by status", report.by_status),
        (f"Notes sent per week (last {report.weeks} weeks)", report.per_week),
        ("Overdue contacts (most days late first)", report.overdue),
    ]


# --- the HTML page ----------------------------------------------------------------------------

CHART_BAR = 34
CHART_GAP = 14
CHART_LEFT = 36
CHART_TOP = 24
CHART_PLOT = 160  # the tallest bar's height
CHART_BOTTOM = 44  # room for the week labels

PAGE_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1d2733; margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { color: #1F4E78; font-size: 1.6em; margin-bottom: 0.2em; }
h2 { color: #1F4E78; font-size: 1.15em; margin-top: 1.8em; border-bottom: 2px solid #dde5ee; }
p.meta { color: #5a6573; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #e3e8ee; text-align: left; }
th { background: #1F4E78; color: #fff; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #f6f8fa; }
p.none { color: #5a6573; font-style: italic; }
ul.totals { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1em; }
ul.totals li { background: #f0f4f8; border-radius: 6px; padding: 0.6em 1em; min-width: 9em; }
ul.totals .n { display: block; font-size: 1.8em; font-weight: 700; color: #1F4E78; }
ul.totals .d { display: block; color: #5a6573; font-size: 0.85em; }
svg.chart { max-width: 100%; height: auto; }
svg.chart .bar { fill: #2E75B6; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #44505e; }
svg.chart .axis { stroke: #9aa5b1; stroke-width: 1; }
svg.chart .grid { stroke: #e3e8ee; stroke-width: 1; }
ul.warnings { color: #8a5300; }
"""


def _esc(value: object) -> str:
    return html.escape(_cell(value), quote=True)


def html_table(frame: pd.DataFrame) -> str:
    """A table with escaped cells; numeric columns right-aligned."""
    if frame.empty:
        return '<p class="none">None.</p>'
    numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]
    head = "".join(
        f'<th{" class=num" if n else ""} scope="col">{_esc(c)}</th>'
        for c, n in zip(frame.columns, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if n else ''}>{_esc(v)}</td>"
            for v, n in zip(record, numeric, strict=True)
        )
        + "</tr>\n"
        for record in frame.itertuples(index=False)
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def bar_height(notes: int, most: int) -> float:
    """A bar's height in the chart: the busiest week is the full plot height."""
    return round(CHART_PLOT * notes / most, 1) if most else 0.0


def svg_chart(per_week: pd.DataFrame) -> str:
    """Notes per week as an inline SVG bar chart: one ``rect.bar`` per week, labelled."""
    counts = [int(n) for n in per_week["Notes"]]
    most = max(counts, default=0)
    width = CHART_LEFT + len(counts) * (CHART_BAR + CHART_GAP) + CHART_GAP
    height = CHART_TOP + CHART_PLOT + CHART_BOTTOM
    base = CHART_TOP + CHART_PLOT
    total = sum(counts)
    label = f"Notes sent per week: {total} in {len(counts)} weeks"
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(label)}">',
        f"<title>{_esc(label)}</title>",
    ]
    if most:
        parts.append(
            f'<line class="grid" x1="{CHART_LEFT}" y1="{CHART_TOP}" x2="{width}" '
            f'y2="{CHART_TOP}"/>'
            f'<text x="{CHART_LEFT - 6}" y="{CHART_TOP + 4}" text-anchor="end">{most}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{CHART_LEFT}" y1="{base}" x2="{width}" y2="{base}"/>'
        f'<text x="{CHART_LEFT - 6}" y="{base + 4}" text-anchor="end">0</text>'
    )
    for index, (week, starting, notes) in enumerate(
        zip(per_week["Week"], per_week["Starting"], counts, strict=True)
    ):
        x = CHART_LEFT + CHART_GAP + index * (CHART_BAR + CHART_GAP)
        h = bar_height(notes, most)
        middle = x + CHART_BAR / 2
        plural = "s" if notes != 1 else ""
        parts.append(
            f'<rect class="bar" x="{x}" y="{base - h:g}" width="{CHART_BAR}" height="{h:g}" '
            f'data-week="{_esc(week)}" data-notes="{notes}">'
            f"<title>{_esc(week)} (from {_esc(starting)}): {notes} note{plural}</title></rect>"
        )
        if notes:
            parts.append(
                f'<text x="{middle:g}" y="{base - h - 4:g}" text-anchor="middle">{notes}</text>'
            )
        short = str(week).rpartition("-")[2]
        parts.append(
            f'<text class="week" x="{middle:g}" y="{base + 16}" text-anchor="middle">'
            f"{_esc(short)}</text>"
            f'<text x="{middle:g}" y="{base + 30}" text-anchor="middle">{_esc(starting)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def report_html(report: Report, shown_path: str) -> str:
    """One self-contained page: inline CSS, the tables and the chart, every text escaped."""
    title = f"Job search report · {report.today:%d %B %Y}".replace(" 0", " ")
    totals = "".join(
        f'<li><span class="n">{number}</span>{_esc(label)}'
        + (f'<span class="d">{_esc(detail)}</span>' if detail else "")
        + "</li>"
        for label, number, detail in report.totals
    )
    body = [
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">{_esc(shown_path)} · sheet {_esc(report.sheet)} · '
        f"{report.today:%A %Y-%m-%d}</p>",
        f'<ul class="totals">{totals}</ul>',
    ]
    for heading, frame in _sections(report):
        body.append(f"<h2>{_esc(heading)}</h2>")
        if frame is report.per_week:
            body.append(svg_chart(frame))
        body.append(html_table(frame))
    if report.warnings:
        items = "".join(f"<li>{_esc(w)}</li>" for w in report.warnings)
        body.append(f'<h2>Warnings</h2>\n<ul class="warnings">{items}</ul>')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def write_html(report: Report, target: Path, shown_path: str) -> None:
    """Write the page; never over the workbook itself."""
    if target.exists() and target.resolve() == report.workbook.resolve():
        message = f"--html {target} is the workbook itself; name an .html file"
        raise UsageError(message)
    page = report_html(report, shown_path).encode()
    temp = target.parent / f".~{target.name}.{os.getpid()}.tmp"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: written beside it, then swapped in (a link in its place is
        # replaced, never written through).
        with temp.open("wb") as stream:
            stream.write(page)
        temp.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        message = f"cannot write the report {target}: {error.strerror or error}; it is unchanged"
        raise SheetFollowupError(message) from error
