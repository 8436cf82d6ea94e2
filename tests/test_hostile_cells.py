"""What a cell holds is text: never HTML in a Markdown preview, never an escape sequence that
drives the terminal, never a header in an email (see test_formats for those)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from markdown_it import MarkdownIt

from sheet_followup.cli import cli

TODAY = "2026-11-23"
SCRIPT = "<script>alert(1)</script>"
LINK = "[the article](javascript:alert(document.cookie))"
IMAGE = "<img src=x onerror=alert(1)>"


def tracker(tmp_path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Position", "Email", "Interview date", "Interests", "Gift"])
    for row in rows:
        sheet.append(row)
    path = tmp_path / "tracker.xlsx"
    workbook.save(path)
    return path


def run(path: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["run", str(path), "--today", TODAY, "--json", *args])
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_a_markdown_preview_shows_a_cells_html_and_links_as_text(tmp_path: Path) -> None:
    path = tracker(
        tmp_path,
        [[f"Acme {IMAGE}", "Jane Doe", f"Analyst {SCRIPT}", "jane@example.com",
          dt.date(2026, 11, 23), f"data {SCRIPT}", f"Read {LINK} <javascript:alert(2)>"]],
    )  # fmt: skip
    [jane] = run(path, "--format", "md,txt")["contacts"]  # type: ignore[misc]
    text = Path(jane["draft"]).read_text(encoding="utf-8")
    rendered = MarkdownIt("commonmark").render(text)
    for danger in ("<script", "<img", 'javascript:alert(document.cookie)"', 'href="javascript'):
        assert danger not in rendered, danger
    # ...but every word of it is there to read, as the cell has it.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "[the article](javascript:alert(document.cookie))" in rendered
    assert 'href="mailto:jane@example.com"' in rendered  # the address is still a link
    # The plain text draft has the cells as they are.
    txt = Path(jane["drafts"][1]).read_text(encoding="utf-8")
    assert SCRIPT in txt and LINK in txt and "\\<" not in txt


def test_an_edit_of_the_markdown_carries_the_text_not_its_escapes(tmp_path: Path) -> None:
    path = tracker(
        tmp_path,
        [["Acme", "Jane Doe", None, "jane@example.com", dt.date(2026, 11, 23), None,
          f"See {LINK} and C:\\notes\\<x>"]],
    )  # fmt: skip
    [jane] = run(path, "--format", "md,txt")["contacts"]  # type: ignore[misc]
    md, txt = (Path(p) for p in jane["drafts"])
    md.write_text(md.read_text(encoding="utf-8") + "\nP.S. <b>bold</b> [x]\n", encoding="utf-8")
    run(path, "--format", "md,txt")
    carried = txt.read_text(encoding="utf-8")
    assert f"See {LINK} and C:\\notes\\<x>" in carried
    assert "P.S. <b>bold</b> [x]" in carried


def with_escapes(source: Path, target: Path, marker: str, escaped: str) -> None:
    """Rewrite an xlsx with ``marker`` replaced by Excel's escapes of control characters
    (``_x001B_``): how a cell holds an ESC, which openpyxl refuses to write."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            new.writestr(name, old.read(name).replace(marker.encode(), escaped.encode()))


def test_escape_sequences_in_cells_never_reach_the_terminal_or_the_drafts(tmp_path: Path) -> None:
    plain = tracker(
        tmp_path,
        [["AcmeMARK", "Jane Doe", "AnalystMARK", "jane@example.com", dt.date(2026, 11, 23),
          "dataMARK", None]],
    )  # fmt: skip
    path = tmp_path / "hostile.xlsx"
    # OSC 0 sets the window title; CSI 2J clears the screen; CR overwrites the line; OSC 52
    # writes the clipboard.
    with_escapes(
        plain, path, "MARK", "_x001B_]0;pwned_x0007__x001B_[2J_x000D__x001B_]52;c;eA==_x0007_"
    )
    runner = CliRunner()
    for command in (["run", str(path), "--today", TODAY], ["check", str(path), "--today", TODAY]):
        result = runner.invoke(cli, command, color=True)  # as on a terminal: colours kept
        assert result.exit_code == 0, result.output
        assert "\x1b]" not in result.output and "\x1b[2J" not in result.output
        assert "\r" not in result.output and "\x07" not in result.output
        assert "pwned" in result.output  # the words are kept, as text
    assert "\x1b[1m" in runner.invoke(cli, ["run", str(path), "--today", TODAY, "--dry-run"],
                                      color=True).output  # fmt: skip
    for draft in (tmp_path / "drafts" / TODAY).glob("*.md"):
        text = draft.read_text(encoding="utf-8")
        assert "\x1b" not in text and "\x07" not in text and "\r" not in text
        assert "Analyst" in text


def test_the_terminal_gets_the_tools_colours_and_nothing_else() -> None:
    from sheet_followup.cli import style, terminal_safe

    assert terminal_safe("Acme\x1b]0;pwned\x07\r\n\tok") == "Acme\ufffd]0;pwned\ufffd\ufffd\n\tok"
    heading = style("Due \x1b[2J", bold=True)
    assert heading == "\x1b[1mDue \ufffd[2J\x1b[0m"
    assert terminal_safe(heading) == heading  # the tool's own style survives the last pass
