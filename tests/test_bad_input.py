"""Bad and hostile files: exit 1 with a message naming the file and the fix, nothing changed.

Each case checks the message, the exit code, the untouched file and that no draft was written.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sheet_followup.cli import cli
from tests.conftest import CORPUS, pristine_sample


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rezip(target: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """Rewrite the sample into ``target`` with each member passed through ``change``."""
    with (
        zipfile.ZipFile(pristine_sample()) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)


def make_empty(path: Path) -> None:
    path.write_bytes(b"")


def make_csv(path: Path) -> None:
    path.write_text("Company,Contact,Interview date\nAcme,Jane,2026-11-20\n", encoding="utf-8")


def make_xls(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)


def make_encrypted(path: Path) -> None:
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024 + "EncryptedPackage".encode("utf-16-le")
    )


def make_truncated(path: Path) -> None:
    data = pristine_sample().read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])


def make_missing_sheet(path: Path) -> None:
    rezip(path, lambda name, data: None if name == "xl/worksheets/sheet1.xml" else data)


def make_missing_workbook_part(path: Path) -> None:
    rezip(path, lambda name, data: None if name == "xl/workbook.xml" else data)


def make_malformed_xml(path: Path) -> None:
    rezip(path, lambda name, data: data[: len(data) // 2] if name.endswith("sheet1.xml") else data)


def make_ods(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")


def make_xlsb(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.bin", b"\0\0")


def make_zip_bomb(path: Path) -> None:
    def bloat(name: str, data: bytes) -> bytes:
        return data + b" " * (60 << 20) if name == "xl/worksheets/sheet1.xml" else data

    rezip(path, bloat)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
)


def make_entity_bomb(path: Path) -> None:
    def expand(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            body = data.split(b"?>", 1)[-1]
            assert b">Company<" in body
            return BILLION_LAUGHS + body.replace(b">Company<", b">&lol9;<", 1)
        return data

    rezip(path, expand)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (make_empty, "the file is empty"),
        (make_csv, "not an Excel workbook (.xlsx); if it is a CSV or text file"),
        (make_xls, "an old-style .xls workbook; in Excel use File > Save As > Excel Workbook"),
        (make_encrypted, "the workbook is password-protected"),
        (make_truncated, "the file is damaged or incomplete"),
        (make_missing_sheet, "is damaged and cannot be read"),
        (make_missing_workbook_part, "is damaged: the part xl/workbook.xml is missing"),
        (make_malformed_xml, "is damaged and cannot be read"),
        (make_ods, "an OpenDocument (.ods) spreadsheet"),
        (make_xlsb, "an Excel binary workbook (.xlsb)"),
        (make_zip_bomb, "decompression bomb"),
        (make_entity_bomb, "is damaged and cannot be read"),
    ],
)
def test_a_file_the_tool_cannot_use_exits_1_and_changes_nothing(
    tmp_path: Path, make: Callable[[Path], None], message: str
) -> None:
    path = tmp_path / "tracker.xlsx"
    make(path)
    before = digest(path)
    # A subprocess with a deadline: a hostile file must be refused, not hang the machine.
    completed = subprocess.run(
        [sys.executable, "-m", "sheet_followup", "run", str(path), "--today", "2026-11-23"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.startswith("Error: "), completed.stderr
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert digest(path) == before
    assert not (tmp_path / "drafts").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tracker.xlsx"]


MUTATIONS = ("flip", "truncate", "drop", "garble")


def mutate(source: Path, target: Path, how: str, rng: random.Random) -> None:
    """A damaged copy: flipped bytes, a cut, a dropped part, or garbled XML in one part."""
    data = source.read_bytes()
    if how == "flip":
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            spot = rng.randrange(len(damaged))
            damaged[spot] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(damaged))
        return
    if how == "truncate":
        target.write_bytes(data[: rng.randrange(len(data))])
        return
    with zipfile.ZipFile(source) as old:
        names = old.namelist()
        victim = rng.choice([n for n in names if n.endswith((".xml", ".rels"))] or names)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
            for name in names:
                content = old.read(name)
                if name == victim and how == "drop":
                    continue
                if name == victim:
                    cut = rng.randrange(max(len(content), 1))
                    content = (
                        content[:cut]
                        + rng.choice([b"<", b">", b"&", b'"', b"</x>"])
                        + content[cut:]
                    )
                new.writestr(name, content)


def fuzz_sources() -> list[Path]:
    sources = [pristine_sample()]
    if CORPUS.is_dir():
        sources += [
            CORPUS / n
            for n in ("xw__table01.xlsx", "poi__commentTest.xlsx")
            if (CORPUS / n).exists()
        ]
    return sources


@pytest.mark.parametrize("seed", range(40))
def test_damaged_workbooks_never_crash_and_are_never_changed_on_failure(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    sources = fuzz_sources()
    source = sources[seed % len(sources)]
    path = tmp_path / "tracker.xlsx"
    mutate(source, path, MUTATIONS[seed % len(MUTATIONS)], rng)
    before = digest(path)
    result = CliRunner().invoke(
        cli,
        ["run", str(path), "--today", "2026-11-23", "--sheet", "Job search"]
        if source == pristine_sample()
        else ["run", str(path), "--today", "2026-11-23"],
    )
    assert result.exit_code in (0, 1, 2), result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code != 0:
        assert result.stderr.startswith(("Error: ", "Usage: ")), result.stderr
        assert digest(path) == before
        leftovers = [p.name for p in tmp_path.iterdir() if p.name != "tracker.xlsx"]
        assert leftovers in ([], ["drafts"])  # a template or draft error comes before the write


def test_a_workbook_held_open_by_another_program_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file another program holds: the message says what to do."""
    path = tmp_path / "tracker.xlsx"
    shutil.copyfile(pristine_sample(), path)
    before = digest(path)
    real_replace = Path.replace

    def replace(self: Path, target: Path) -> Path:
        if Path(target) == path:
            error = PermissionError(13, "being used by another process")
            error.winerror = 32  # type: ignore[attr-defined]
            raise error
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 1
    assert "close it in Excel and run again" in result.stderr
    assert digest(path) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]


def test_a_full_disk_while_writing_drafts_leaves_the_workbook_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    path = tmp_path / "tracker.xlsx"
    shutil.copyfile(pristine_sample(), path)
    before = digest(path)
    real_open, real_write = os.open, os.write
    notes: set[int] = set()
    written: list[str] = []

    def opened(name: str, flags: int, mode: int = 0o777, **where: Any) -> int:
        handle = real_open(name, flags, mode, **where)
        if str(name).endswith(".md"):
            notes.add(handle)
            written.append(Path(name).name)
        return handle

    def full(fd: int, data: bytes) -> int:  # the disk fills up inside the third note
        if fd in notes and len(written) >= 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "open", opened)
    monkeypatch.setattr(os, "write", full)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    monkeypatch.setattr(os, "write", real_write)
    monkeypatch.setattr(os, "open", real_open)
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert f"drafts/2026-11-23/{written[2]}" in result.stderr.replace("\\", "/")
    assert "the workbook and the drafts folder were not changed" in result.stderr
    assert digest(path) == before
    # The run is one transaction: the notes already written, the lock, the hidden folder and
    # the folders it made are all gone.
    assert not (tmp_path / "drafts").exists()


def test_a_disk_full_from_the_start_leaves_the_workbook_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    path = tmp_path / "tracker.xlsx"
    shutil.copyfile(pristine_sample(), path)
    before = digest(path)
    real_write = os.write

    def full(fd: int, data: bytes) -> int:  # the first write of the run is its lock's
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    monkeypatch.setattr(os, "write", real_write)
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert digest(path) == before
    # The run is one transaction: no draft, no temporary file, not even the folder it made.
    assert not (tmp_path / "drafts").exists()


def test_a_draft_that_cannot_be_made_is_named_where_the_user_would_find_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    path = tmp_path / "tracker.xlsx"
    shutil.copyfile(pristine_sample(), path)
    before = digest(path)
    real_open = os.open

    def no_room_for_notes(name: str, flags: int, mode: int = 0o777, **where: Any) -> int:
        if str(name).endswith(".md"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(name, flags, mode, **where)  # dir_fd: removing a folder uses it

    monkeypatch.setattr(os, "open", no_room_for_notes)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    monkeypatch.setattr(os, "open", real_open)
    assert result.exit_code == 1
    # Not the hidden folder the run wrote into, which it took away again.
    message = " ".join(result.stderr.split())
    assert f"cannot write the draft {tmp_path / 'drafts' / '2026-11-23'}{os.sep}" in message
    assert ".md (No space left on device); the workbook and the drafts folder were" in message
    assert "use --out DIR" in message
    assert digest(path) == before
    assert not (tmp_path / "drafts").exists()


def test_paths_with_spaces_and_accents_work_end_to_end(tmp_path: Path) -> None:
    folder = tmp_path / "Recherche d'emploi 2026" / "Über Bewerbungen"
    folder.mkdir(parents=True)
    path = folder / "suivi des entretiens é.xlsx"
    shutil.copyfile(pristine_sample(), path)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert len(list((folder / "drafts" / "2026-11-23").glob("*.md"))) == 7


def test_two_columns_for_one_field_exit_1_and_change_nothing(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Company", "Employer", "Contact", "Interview date"])
    workbook.active.append(["Acme", "Acme Corp", "Jane", "2026-11-20"])
    path = tmp_path / "tracker.xlsx"
    workbook.save(path)
    before = digest(path)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 1
    assert "'Company' and Sheet!B1 'Employer' both look like the Company column" in result.stderr
    assert digest(path) == before


def test_what_the_tool_writes_is_never_a_formula(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Company", "Contact", "Interview date"])
    sheet.append(['=HYPERLINK("http://x")', "=1+1", "=TODAY()"])
    for cell in sheet[2]:
        cell.data_type = "s"  # typed as text by the user
    path = tmp_path / "tracker.xlsx"
    workbook.save(path)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml
    status = openpyxl.load_workbook(path).active["D2"]
    assert status.data_type == "s"
    assert status.value.startswith("Fix data: Sheet!C2: '=TODAY()' is not a date")


def test_a_paragraph_pasted_into_a_header_cell_is_read_like_any_other(tmp_path: Path) -> None:
    # Judging a header once joined every span of its words: a few thousand words took minutes.
    import openpyxl

    paragraph = " ".join(
        random.Random(7).choice(["notes", "about", "the", "recruiter", "call", "date", "and"])
        for _ in range(3_000)
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Interview date", "Stage", paragraph])
    sheet.append(["Acme", "Jane Doe", "2026-11-20", "Interviewed", "called back"])
    path = tmp_path / "tracker.xlsx"
    book.save(path)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23", "--json"])
    assert result.exit_code == 0, result.output
    report = __import__("json").loads(result.stdout)
    assert [c["contact"] for c in report["contacts"]] == ["Jane Doe"]
    assert report["contacts"][0]["kind"] == "thank_you"
