"""The hostile-input suite: one case for each kind of input that once broke a run.

Each case is run as a user runs it, as its own process, with its address space capped at
2 GiB (far less than what a far cell or a bloated part would once have taken). Every case must
end with exit 0 or 1 and a message that says what happened, never a traceback; nothing the run
makes may stay behind (hidden folders, temporary files, locks); and a case that fails must
leave every file in its folder exactly as it was. What each case must produce besides is
checked by its own ``then``.

The other test files hold the detailed tests of each kind; this one holds them all to the
same four promises.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import os
import re
import resource
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from tests.test_hostile_cells import with_escapes
from tests.test_memory_bounds import FAR_VALUE, with_cell
from tests.test_unusual_sheets import MACRO_SHEET, rewrite, with_macro_sheet
from tests.test_xlsx_alternate_content import hancom_like

TODAY = "2026-11-23"
ADDRESS_SPACE = 2 << 30
HEADER = ["Company", "Contact", "Position", "Email", "Interview date", "Stage", "Last contact"]
JANE = ["Acme", "Jane Doe", "Analyst", "jane@example.com", dt.date(2026, 11, 16), "Onsite", None]


def tracker(path: Path, rows: list[list[object]] | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(HEADER)
    for row in rows if rows is not None else [JANE]:
        sheet.append(row)
    workbook.save(path)
    return path


@dataclass(frozen=True)
class Done:
    folder: Path
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], list[str]]  # makes the input in the folder; the command's arguments
    code: int
    says: str  # a pattern the output must hold
    then: Callable[[Done], None] | None = None
    # The files a failed run must leave as they were (None: every file in its folder).
    kept: tuple[str, ...] | None = None


# --- the inputs ---------------------------------------------------------------------------


def encoded_word_header(folder: Path) -> list[str]:
    tracker(folder / "t.xlsx", [[*JANE[:2], "=?utf-8?q?=0D=0ABcc:_boss@evil.example?=", *JANE[3:]]])
    return ["run", "t.xlsx", "--format", "eml"]


def no_bcc(done: Done) -> None:
    [eml] = (done.folder / "drafts" / TODAY).glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Bcc"] is None and "boss@evil.example" not in str(message["To"])


def script_in_a_cell(folder: Path) -> list[str]:
    tracker(folder / "t.xlsx", [["<script>alert(1)</script>", *JANE[1:]]])
    return ["run", "t.xlsx"]


def no_raw_html(done: Done) -> None:
    from markdown_it import MarkdownIt

    [md] = (done.folder / "drafts" / TODAY).glob("*.md")
    shown = MarkdownIt("commonmark").render(md.read_text(encoding="utf-8"))  # as a preview does
    assert "<script>" not in shown and "&lt;script&gt;alert(1)" in shown


def escape_sequences(folder: Path) -> list[str]:
    tracker(folder / "plain.xlsx", [["AcmeMARK", *JANE[1:]]])
    with_escapes(folder / "plain.xlsx", folder / "t.xlsx", "MARK", "_x001B_]0;pwned_x0007_")
    (folder / "plain.xlsx").unlink()
    return ["run", "t.xlsx"]


def no_escapes(done: Done) -> None:
    assert "\x1b" not in done.out + done.err and "\x07" not in done.out + done.err


def last_day_there_is(folder: Path) -> list[str]:
    tracker(
        folder / "t.xlsx", [JANE, ["Acme", "Sam Lee", "", "s@example.com", dt.date(9999, 12, 31)]]
    )
    return ["run", "t.xlsx"]


def long_names(folder: Path) -> list[str]:
    tracker(folder / "t.xlsx", [["株式会社" * 10, "王芳" * 20, *JANE[2:]]])
    return ["run", "t.xlsx"]


def backup_cannot_be_saved(folder: Path) -> list[str]:
    tracker(folder / "t.xlsx")
    (folder / ".sheet-followup-backups").write_text("a file where the backups go")
    return ["run", "t.xlsx"]


def far_cell(folder: Path, ref: str = "XFD1048576") -> list[str]:
    tracker(folder / "plain.xlsx")
    value = FAR_VALUE.replace(b"XFD1048576", ref.encode())
    with_cell(folder / "plain.xlsx", folder / "t.xlsx", "xl/worksheets/sheet1.xml", value)
    (folder / "plain.xlsx").unlink()
    return ["run", "t.xlsx"]


def shared_strings_bomb(folder: Path) -> list[str]:
    tracker(folder / "plain.xlsx")
    item = b"<si><t>x</t></si>"
    with (
        zipfile.ZipFile(folder / "plain.xlsx") as old,
        zipfile.ZipFile(folder / "t.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new,
    ):
        for name in old.namelist():
            new.writestr(name, old.read(name))
        with new.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            chunk = item * (1 << 16)
            for _ in range((260 << 20) // len(chunk) + 1):  # past the 256 MiB budget
                part.write(chunk)
    (folder / "plain.xlsx").unlink()
    return ["run", "t.xlsx"]


def many_big_sheets(folder: Path) -> list[str]:
    tracker(folder / "plain.xlsx")
    # Rows of numbers, which pack about as well as a real sheet's (a sheet of one letter
    # repeated packs a thousand to one, and is refused as the bomb it looks like).
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>%d</v></c></row>'
        % (n, n, n * 7919 % 1_000_003, n, n * 104_729 % 999_983)
        for n in range(1, 300_000)
    )
    big = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    count = 4
    content_types = "".join(
        f'<Override PartName="/xl/worksheets/big{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(count)
    )
    rels = "".join(
        f'<Relationship Id="rIdB{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/big{n}.xml"/>'
        for n in range(count)
    )
    sheets = "".join(
        f'<sheet name="Big{n}" sheetId="{n + 10}" r:id="rIdB{n}"/>' for n in range(count)
    )
    rewrite(
        folder / "plain.xlsx",
        folder / "t.xlsx",
        {
            "[Content_Types].xml": [(rb"</Types>", content_types.encode() + b"</Types>")],
            "xl/_rels/workbook.xml.rels": [
                (rb"</Relationships>", rels.encode() + b"</Relationships>")
            ],
            "xl/workbook.xml": [(rb"</sheets>", sheets.encode() + b"</sheets>")],
        },
        {f"xl/worksheets/big{n}.xml": big for n in range(count)},
    )
    (folder / "plain.xlsx").unlink()
    return ["run", "t.xlsx"]


def rezipped(
    folder: Path,
    extra: dict[str, bytes],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    zip64: bool = False,
) -> list[str]:
    """t.xlsx: a plain tracker's members (each as zip64 when asked), then ``extra``."""
    tracker(folder / "plain.xlsx")
    with (
        zipfile.ZipFile(folder / "plain.xlsx") as old,
        zipfile.ZipFile(folder / "t.xlsx", "w", compression) as new,
    ):
        for info in old.infolist():
            with new.open(info.filename, "w", force_zip64=zip64) as part:
                part.write(old.read(info))
        for name, data in extra.items():
            new.writestr(name, data)
    (folder / "plain.xlsx").unlink()
    return ["run", "t.xlsx"]


def flood_of_parts(folder: Path) -> list[str]:
    parts = {f"xl/media/p{number}.bin": b"" for number in range(65_536)}
    return rezipped(folder, parts, compression=zipfile.ZIP_STORED)


def zip64_members(folder: Path) -> list[str]:
    return rezipped(folder, {}, zip64=True)


def case_twins(folder: Path) -> list[str]:
    with zipfile.ZipFile(tracker(folder / "twin.xlsx")) as plain:
        sheet = plain.read("xl/worksheets/sheet1.xml")
    (folder / "twin.xlsx").unlink()
    return rezipped(folder, {"xl/worksheets/Sheet1.xml": sheet})


def fifo(folder: Path) -> list[str]:
    os.mkfifo(folder / "t.xlsx")
    return ["run", "t.xlsx"]


def template_not_utf8(folder: Path) -> list[str]:
    tracker(folder / "t.xlsx")
    (folder / "templates").mkdir()
    (folder / "templates" / "thank_you.j2").write_bytes(
        b"Subject: Caf\xe9\n\nDear {{ first_name }}"
    )
    return ["run", "t.xlsx"]


def template_includes_itself(folder: Path) -> list[str]:
    tracker(folder / "t.xlsx")
    (folder / "templates").mkdir()
    (folder / "templates" / "thank_you.j2").write_text('{% include "thank_you.j2" %}')
    return ["run", "t.xlsx"]


def drafts_link(folder: Path) -> list[str]:
    tracker(folder / "t.xlsx")
    (folder / "elsewhere").mkdir()
    (folder / "drafts").symlink_to(folder / "elsewhere")
    return ["run", "t.xlsx"]


def a_file_where_the_drafts_go(folder: Path) -> list[str]:
    tracker(folder / "t.xlsx")
    (folder / "drafts").write_text("my notes, not a folder")
    return ["run", "t.xlsx"]


def header_to_the_last_column(folder: Path) -> list[str]:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(HEADER)
    sheet.cell(1, 16_384, "Notes")
    sheet.append(JANE)
    workbook.save(folder / "t.xlsx")
    return ["run", "t.xlsx"]


def macro_sheet(folder: Path) -> list[str]:
    with_macro_sheet(tracker(folder / "plain.xlsx"), folder / "t.xlsm")
    (folder / "plain.xlsx").unlink()
    return ["run", "t.xlsm"]


def macro_sheet_kept(done: Done) -> None:
    with zipfile.ZipFile(done.folder / "t.xlsm") as written:
        assert written.read("xl/macrosheets/sheet1.xml") == MACRO_SHEET


def empty_relationship_id(folder: Path) -> list[str]:
    tracker(folder / "plain.xlsx")
    rewrite(
        folder / "plain.xlsx",
        folder / "t.xlsx",
        {"xl/workbook.xml": [(
            rb"</sheets>", b'<sheet name="Ghost" sheetId="7" state="veryHidden" r:id=""/></sheets>'
        )]},
        {},
    )  # fmt: skip
    (folder / "plain.xlsx").unlink()
    return ["run", "t.xlsx"]


def hancom_styles(folder: Path) -> list[str]:
    tracker(folder / "plain.xlsx")
    hancom_like(folder / "plain.xlsx", folder / "t.xlsx")
    (folder / "plain.xlsx").unlink()
    return ["run", "t.xlsx"]


def next_date_is_a_date(done: Done) -> None:
    from python_calamine import CalamineWorkbook  # openpyxl ignores the doubled styles

    with CalamineWorkbook.from_path(str(done.folder / "t.xlsx")) as workbook:
        header, jane = workbook.get_sheet_by_name("Tracker").to_python()[:2]
    assert jane[header.index("Next follow-up")] == dt.date(2026, 11, 16)  # a date, not 46349


def a_folder_with_a_broken_workbook(folder: Path) -> list[str]:
    tracker(folder / "good.xlsx")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    return ["run", "."]


def both_lines(done: Done) -> None:
    assert re.search(r"^ok\s+good\.xlsx", done.out, re.M), done.out
    assert re.search(r"^FAILED\s+broken\.xlsx", done.out, re.M), done.out


CASES = {
    "encoded word in a cell": Case(encoded_word_header, 0, r"Wrote 1 draft", no_bcc),
    "script in a cell": Case(script_in_a_cell, 0, r"Wrote 1 draft", no_raw_html),
    "escape sequences in a cell": Case(escape_sequences, 0, r"pwned", no_escapes),
    "the last day there is": Case(last_day_there_is, 0, r"interview Fri 9999-12-31"),
    "names too long for a file name": Case(long_names, 0, r"Wrote 1 draft"),
    "a backup that cannot be saved": Case(
        backup_cannot_be_saved, 1, r"could not save a backup copy .* nothing was changed"
    ),
    "a value in the last cell there is": Case(
        far_cell, 1, r"Tracker!XFD1048576 holds a value far outside"
    ),
    "a value in column CV of the last row": Case(
        lambda folder: far_cell(folder, "CV1048576"), 1, r"Tracker!CV1048576 holds a value"
    ),
    "a shared-strings bomb": Case(shared_strings_bomb, 1, r"MB of text in its shared strings"),
    "four more sheets of 20 MB": Case(many_big_sheets, 0, r"Thank-you due \(1\)"),
    "65,536 parts": Case(flood_of_parts, 1, r"holds 65,5\d\d parts"),
    "zip64 members": Case(zip64_members, 0, r"Thank-you due \(1\)"),
    "parts whose names differ in case": Case(case_twins, 1, r"differ only in case"),
    "a pipe for a workbook": Case(fifo, 1, r"not a regular file"),
    "a template that is not UTF-8": Case(
        template_not_utf8, 1, r"thank_you\.j2 .*is not UTF-8 text"
    ),
    "a template that includes itself": Case(
        template_includes_itself, 1, r"thank_you\.j2 includes or extends itself"
    ),
    "a planted drafts link": Case(drafts_link, 1, r"drafts is a symbolic link"),
    "a file where the drafts go": Case(
        a_file_where_the_drafts_go, 1, r"drafts is a file, not a folder; nothing was changed"
    ),
    "a header in the last column": Case(header_to_the_last_column, 1, r"no room after it"),
    "an Excel 4.0 macro sheet": Case(macro_sheet, 0, r"Thank-you due \(1\)", macro_sheet_kept),
    "a tab with an empty r:id": Case(empty_relationship_id, 0, r"Thank-you due \(1\)"),
    "Hancom's doubled styles": Case(hancom_styles, 0, r"Thank-you due \(1\)", next_date_is_a_date),
    "a folder with a broken workbook": Case(
        a_folder_with_a_broken_workbook,
        1,
        r"2 workbooks: 1 ran, 1 failed",
        both_lines,
        kept=("broken.xlsx",),  # the good one ran
    ),
}


# --- the four promises --------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry below ``folder``: a file's digest, a link's target, a folder or a pipe."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = f"link to {path.readlink()}"
        elif path.is_dir():
            found[name] = "folder"
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[name] = "other"
    return found


def left_behind(folder: Path) -> list[str]:
    return [
        name
        for name in snapshot(folder)
        if any(
            part.startswith(".~") or part.endswith((".tmp", ".lock")) for part in Path(name).parts
        )
    ]


def run_capped(folder: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    return subprocess.run(
        [sys.executable, "-m", "sheet_followup", *args, "--today", TODAY],
        cwd=folder,
        capture_output=True,
        text=True,
        preexec_fn=cap,  # the cap, set in the child before it starts the tool
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_input_gets_a_clear_outcome_and_leaves_nothing_behind(
    tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    folder = tmp_path / "case"
    folder.mkdir()
    args = case.build(folder)
    before = snapshot(folder)
    done = run_capped(folder, args)
    output = done.stdout + done.stderr
    assert done.returncode == case.code, (done.returncode, output[-2000:])
    assert "Traceback" not in output and "Error:" not in done.stdout, output[-2000:]
    assert re.search(case.says, " ".join(output.split())), output[-2000:]
    assert left_behind(folder) == []
    if case.code == 1:
        after = snapshot(folder)
        if case.kept is None:
            assert after == before, "a failed run changed or left files"
        else:
            assert all(after[name] == before[name] for name in case.kept)
    if case.then is not None:
        case.then(Done(folder, done.returncode, done.stdout, done.stderr))
