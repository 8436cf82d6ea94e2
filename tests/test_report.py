"""`report`: counts by stage, status and week from a tracker and its Log, as text and as HTML."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sheet_followup.cli import cli
from sheet_followup.fields import LOG_HEADER
from sheet_followup.report import CHART_PLOT
from tests.conftest import MakeWorkbook

TODAY = "2026-11-23"  # a Monday, in ISO week 2026-W48
D = dt.date

ROWS = [
    # Follow-up due (#2, 7 days late): last note Mon 2 Nov.
    [
        "Acme",
        "Jane Doe",
        "Analyst",
        "jane@acme.example.com",
        D(2026, 10, 26),
        "Interviewing",
        D(2026, 11, 2),
    ],
    # Waiting: last note Mon 16 Nov.
    [
        "Acme",
        "Bob Roe",
        "Analyst",
        "bob@acme.example.com",
        D(2026, 10, 26),
        "interviewing",
        D(2026, 11, 16),
    ],
    # Thank-you due (3 days late); blank stage.
    ["Globex <&> Co", "Sam Lee", "Engineer", None, D(2026, 11, 20), None, None],
    # Thank-you due today: due, not overdue.
    ["Initech", "Ann Bell", "PM", None, D(2026, 11, 23), "", None],
    # Closed: rejected, the closing note is logged.
    ["Umbrella", "Kim Park", "Chemist", None, D(2026, 8, 31), "Rejected", D(2026, 10, 5)],
    # No interview yet.
    ["Hooli", "Tom Ng", "Dev", None, None, "Applied", None],
]

LOG = [
    list(LOG_HEADER),
    [D(2026, 9, 1), "Umbrella", "Kim Park", "thank_you", "", "", ""],  # before the 12 weeks
    [D(2026, 10, 5), "Umbrella", "Kim Park", "closing", "", "", ""],  # W41
    [D(2026, 10, 26), "Acme", "Jane Doe", "thank_you", "An article", "", ""],  # W44
    [D(2026, 10, 26), "Acme", "Bob Roe", "Thank-you", "A contact", "", ""],  # W44
    [D(2026, 11, 2), "Acme", "Jane Doe", "follow_up", "A tip", "", ""],  # W45
    [D(2026, 11, 16), "Acme", "Bob Roe", "follow_up", "A list", "", ""],  # W47
]
PER_WEEK = {"2026-W41": 1, "2026-W44": 2, "2026-W45": 1, "2026-W47": 1}
WEEKS = [f"2026-W{n}" for n in range(37, 49)]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def tracker(make_workbook: MakeWorkbook) -> Path:
    return make_workbook(ROWS, sheet="Job search", sheets={"Log": LOG})


def section(output: str, title: str) -> list[str]:
    """The lines of one titled section of the terminal report, without the blank line after."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    body = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        body.append(line)
    return body


def table(output: str, title: str) -> dict[str, list[str]]:
    """A section's rows keyed by their first cell (cells split on runs of two spaces)."""
    rows = [re.split(r"\s{2,}", line.strip()) for line in section(output, title)[1:]]
    return {row[0]: row[1:] for row in rows}


def test_the_terminal_report_counts_stages_statuses_weeks_and_overdue(tracker: Path) -> None:
    result = invoke("report", tracker, "--today", TODAY)
    assert result.exit_code == 0, result.output
    out = result.output

    by_stage = table(out, "Contacts by stage")
    assert {stage: int(cells[0]) for stage, cells in by_stage.items()} == {
        "(active)": 2,
        "Applied": 1,
        "Interviewing": 2,  # "interviewing" is the same stage
        "Rejected": 1,
    }
    assert list(by_stage) == ["(active)", "Applied", "Interviewing", "Rejected"]
    assert by_stage["Interviewing"][1] == "1"  # one company

    by_status = table(out, "Contacts by status")
    assert {status: int(cells[0]) for status, cells in by_status.items()} == {
        "Thank-you due": 2,
        "Follow-up due": 1,
        "Waiting": 1,
        "No interview yet": 1,
        "Closed": 1,
    }

    weeks = section(out, "Notes sent per week")
    assert weeks[0].split()[:3] == ["Week", "Starting", "Notes"]
    counts = {line.split()[0]: int(line.split()[3]) for line in weeks[1:]}
    assert list(counts) == WEEKS
    assert counts == {week: PER_WEEK.get(week, 0) for week in WEEKS}
    w44 = weeks[1:][WEEKS.index("2026-W44")].split()
    assert w44[1:3] == ["26", "Oct"]

    overdue = section(out, "Overdue contacts")
    assert len(overdue) == 3
    assert "Jane Doe" in overdue[1] and "7" in overdue[1].split()
    assert "Sam Lee" in overdue[2] and "3" in overdue[2].split()
    assert "Ann Bell" not in out.split("Overdue contacts")[1]

    totals = {
        cells[0]: int(cells[1])
        for cells in (re.split(r"\s{2,}", line.strip()) for line in section(out, "Totals"))
    }
    assert totals == {"Contacts": 6, "Active companies": 4, "Notes sent": 6, "Due now": 3}
    assert "5 in the last 12 weeks" in out
    assert "2 overdue" in out


class Page(HTMLParser):
    """What the tests look at in the page: bars, week labels, tables, cells."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[dict[str, str]] = []
        self.week_labels: list[str] = []
        self.tags: list[str] = []
        self.cells: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        found = {k: v or "" for k, v in attrs}
        if tag == "rect" and found.get("class") == "bar":
            self.bars.append(found)
        if tag == "text" and found.get("class") == "week":
            self._in = "week"
        if tag in ("td", "th"):
            self._in = "cell"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("text", "td", "th"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "week":
            self.week_labels.append(data)
        elif self._in == "cell":
            self.cells.append(data)


def test_the_html_report_has_a_bar_per_week_and_the_tables(tracker: Path, tmp_path: Path) -> None:
    page_path = tmp_path / "out" / "report.html"
    result = invoke("report", tracker, "--today", TODAY, "--html", page_path)
    assert result.exit_code == 0, result.output
    text = page_path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    page = Page()
    page.feed(text)
    page.close()

    assert "<svg" in text
    assert [bar["data-week"] for bar in page.bars] == WEEKS
    most = max(PER_WEEK.values())
    for bar in page.bars:
        notes = PER_WEEK.get(bar["data-week"], 0)
        assert int(bar["data-notes"]) == notes
        assert float(bar["height"]) == pytest.approx(CHART_PLOT * notes / most)
        # Bars stand on one baseline.
        assert float(bar["y"]) + float(bar["height"]) == pytest.approx(
            float(page.bars[0]["y"]) + float(page.bars[0]["height"])
        )
    assert page.week_labels == [week.split("-")[1] for week in WEEKS]

    assert page.tags.count("table") == 4
    headings = set(re.findall(r"<h2>([^<(]+?)\s*(?:\(|<)", text))
    assert {"Contacts by stage", "Contacts by status", "Overdue contacts"} <= headings
    assert "(active)" in page.cells
    assert "Thank-you due" in page.cells
    assert "Jane Doe" in page.cells
    assert "2026-W44" in page.cells
    # Cell text is escaped, and the page parses back to it.
    assert "Globex <&> Co" in page.cells
    assert "Globex &lt;&amp;&gt; Co" in text
    assert "<&>" not in text
    # Self-contained: no script, no external file.
    assert "script" not in page.tags
    assert not [k for k, v in page.attributes if k in ("src", "href") and v]
    assert "url(" not in text and "@import" not in text


def test_report_never_writes_the_workbook(tracker: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(tracker.read_bytes()).hexdigest()
    mtime = tracker.stat().st_mtime_ns
    listing = sorted(p.name for p in tracker.parent.iterdir())
    result = invoke("report", tracker, "--today", TODAY, "--html", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(tracker.read_bytes()).hexdigest() == before
    assert tracker.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tracker.parent.iterdir()) == sorted([*listing, "r.html"])


def test_report_refuses_to_write_its_page_over_the_workbook(tracker: Path) -> None:
    before = tracker.read_bytes()
    result = invoke("report", tracker, "--html", tracker)
    assert result.exit_code == 2
    assert "workbook itself" in result.output
    assert tracker.read_bytes() == before


def test_a_tracker_without_a_log_reports_zero_weeks(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(ROWS[:1])
    result = invoke("report", path, "--today", TODAY, "--weeks", "4")
    assert result.exit_code == 0, result.output
    weeks = section(result.output, "Notes sent per week (last 4 weeks)")
    assert [line.split()[0] for line in weeks[1:]] == WEEKS[-4:]
    assert all(line.split()[3] == "0" for line in weeks[1:])


def test_an_unreadable_workbook_exits_1_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_text("Company,Contact\nAcme,Jane\n", encoding="utf-8")
    result = invoke("report", path)
    assert result.exit_code == 1
    assert "not an Excel workbook" in result.output
    assert "Traceback" not in result.output


def test_a_missing_workbook_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("report", tmp_path / "nope.xlsx")
    assert result.exit_code == 2
