"""The odd cases get a message that says what is wrong and what to do, never a traceback."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner, Result

from sheet_followup.cli import cli

TODAY = "2026-11-23"


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def tracker(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Email", "Interview date"])
    sheet.append(["Acme", "Jane Doe", "jane@example.com", dt.date(2026, 11, 23)])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def test_a_header_row_that_reaches_the_last_column_says_there_is_no_room(tmp_path: Path) -> None:
    plain = tracker(tmp_path / "plain.xlsx")
    path = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(plain) as old, zipfile.ZipFile(path, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "xl/worksheets/sheet1.xml":
                cell = b'<c r="XFD1" t="inlineStr"><is><t>Notes</t></is></c></row>'
                data = data.replace(b"</row>", cell, 1)
            new.writestr(name, data)
    before = path.read_bytes()
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 1
    assert "Tracker!XFD1: the header row reaches the last column a sheet has" in result.stderr
    assert "already up to date" not in result.output
    assert path.read_bytes() == before
    assert not (tmp_path / "drafts").exists()


def test_a_pipe_where_the_workbook_should_be_is_no_workbook(tmp_path: Path) -> None:
    pipe = tmp_path / "tracker.xlsx"
    os.mkfifo(pipe)
    for command in ("run", "check", "sent", "report", "adopt"):
        extra = ["--row", "2"] if command == "sent" else []
        result = invoke(
            command,
            pipe,
            *extra,
            *(["--today", TODAY] if command != "sent" and command != "adopt" else []),
        )
        assert result.exit_code == 1, (command, result.output)  # never a wait on the pipe
        assert "not a regular file (a pipe or a device), not a workbook" in result.output
        assert "does not exist" not in result.output


def test_a_template_that_is_not_utf8_or_includes_itself_is_named(tmp_path: Path) -> None:
    path = tracker(tmp_path / "search" / "tracker.xlsx")
    templates = path.parent / "templates"
    templates.mkdir()
    mine = templates / "thank_you.j2"
    mine.write_bytes("Subject: Caf\u00e9\n\nHello\n".encode("latin-1"))
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 1
    assert "thank_you.j2 (or a template it includes) is not UTF-8 text" in result.stderr
    assert "unexpected" not in result.stderr
    mine.write_text('Subject: x\n\n{% include "thank_you.j2" %}\n', encoding="utf-8")
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 1
    assert "thank_you.j2 includes or extends itself" in result.stderr
    assert not (path.parent / "drafts").exists()


def test_ctrl_c_while_the_command_starts_says_aborted_not_a_traceback() -> None:
    # Deterministic: the interrupt is raised as the command line imports Click.
    interrupt_on_click = (
        "import sys\n"
        "class Interrupt:\n"
        "    @staticmethod\n"
        "    def find_spec(name, path=None, target=None):\n"
        "        if name == 'click':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt)\n"
        "from sheet_followup.entry import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", interrupt_on_click, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == "Aborted!\n"


def test_a_template_no_note_is_named_after_is_said_to_be_unused(tmp_path: Path) -> None:
    path = tracker(tmp_path / "search" / "tracker.xlsx")
    templates = path.parent / "templates"
    templates.mkdir()
    (templates / "thank_you.md.j2").write_text("Subject: Thanks\n\nHi {{ first_name }}\n")
    (templates / "signature.j2").write_text("Best, me\n")  # a part another template includes
    (templates / "follow_up.j2").write_text(
        'Subject: x\n\nHi {{ first_name }}\n{% include "signature.j2" %}\n'
    )
    result = invoke("run", path, "--today", TODAY)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "thank_you.md.j2: no note is named after it and no template includes it" in said
    assert "the note templates are closing.j2, follow_up.j2, keep_in_touch.j2, thank_you.j2" in said
    assert "signature.j2: no note" not in said
    assert "Templates: follow_up.j2 from" in said  # the summary names only the note it uses
