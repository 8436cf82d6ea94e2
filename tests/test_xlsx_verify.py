"""A write that does not read back as intended, or fails at any stage, leaves the old file.

Faults are injected into the real run (the CLI's ``run``), at every stage from building the
zip to the final rename; each time the workbook must keep its bytes and its mtime, and no
temporary file may be left beside it.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from sheet_followup.cli import cli
from sheet_followup.xlsx import cells as cells_module
from sheet_followup.xlsx import edit as edit_module
from sheet_followup.xlsx import replace as replace_module
from sheet_followup.xlsx.edit import CellEdit, edit_package
from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.sheet_xml import CellLocation
from sheet_followup.xlsx.splice import SheetSplice, SplicedPart
from sheet_followup.xlsx.styles import StylesEditor
from tests.xlsx_helpers import MAIN_NS, REL_NS, build_package, worksheet_xml

HEADER = ["Company", "Contact", "Position", "Email", "Interview date", "Stage", "Last contact"]
ROWS = [
    ["Acme", "Ann", "Dev", "ann@acme.test", dt.date(2026, 11, 2), "Interviewed", None],
    ["Beta", "Bob", "QA", "bob@beta.test", dt.date(2026, 10, 20), "Interviewed", None],
]
NOT_CHANGED = r"your workbook was not changed, nor anything else\. This is a bug"


@pytest.fixture
def workbook(tmp_path: Path) -> Iterator[Path]:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tracker"
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        cells[0].number_format = "yyyy-mm-dd"
    book.create_sheet("Notes")["A1"] = "=COUNTA(Tracker!A:A)"
    book.calculation.fullCalcOnLoad = False  # openpyxl's default; Excel's files say nothing
    path = tmp_path / "tracker.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as written:
        assert b'fullCalcOnLoad="1"' not in written.read("xl/workbook.xml")
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    yield path


def run(path: Path) -> Result:
    return CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])


def assert_untouched(path: Path, data: bytes, mtime_ns: int) -> None:
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == mtime_ns
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".~sheet-followup-")]
    assert leftovers == []


def run_expecting_failure(path: Path, message: str | None = None) -> Result:
    data, mtime = path.read_bytes(), path.stat().st_mtime_ns
    result = run(path)
    assert result.exit_code != 0, result.output
    if message is not None:
        assert isinstance(result.exception, SystemExit) or result.exception is None, (
            result.exception
        )
        text = " ".join(result.output.split())
        assert message in text, result.output
    assert_untouched(path, data, mtime)
    return result


def test_the_fixture_run_succeeds(workbook: Path) -> None:
    result = run(workbook)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(workbook) as written:
        assert b'fullCalcOnLoad="1"' in written.read("xl/workbook.xml")


# --- verification catches what the writer got wrong -----------------------------------------


def test_a_wrong_value_in_the_splice_is_caught(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = cells_module._inline_string

    def wrong(prefix: bytes, text: str) -> bytes:
        return real(prefix, "x" if text.startswith("Thank") or "due" in text else text)

    monkeypatch.setattr(cells_module, "_inline_string", wrong)
    result = run_expecting_failure(workbook)
    text = " ".join(result.output.split())
    assert "tracker.xlsx: the written copy did not read back as intended (Tracker!H" in text
    assert "holds 'x', expected" in text
    assert "your workbook was not changed, nor anything else. This is a bug" in text


def test_a_wrong_date_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Tracker"
    book.save(path)
    real = cells_module.date_to_serial
    monkeypatch.setattr(
        cells_module, "date_to_serial", lambda day, **kw: (real(day, **kw) or 0) + 1
    )
    with pytest.raises(XlsxError, match=r"Tracker!B2 holds .*expected '2026-12-01'"):
        edit_package(path, "Tracker", [CellEdit(2, 2, dt.date(2026, 12, 1))])


def _rezip(data: bytes, change: Callable[[list[tuple[zipfile.ZipInfo, bytes]]], Any]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    change(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, member in members:
            archive.writestr(info, member)
    return buffer.getvalue()


def _set_member(name: str, new: Callable[[bytes], bytes]) -> Callable[[list[Any]], None]:
    def change(members: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
        for i, (info, data) in enumerate(members):
            if info.filename == name:
                members[i] = (info, new(data))

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set_member("docProps/app.xml", lambda data: data + b" "),
            "docProps/app.xml is not the original's bytes",
        ),
        (
            _set_member("xl/worksheets/sheet1.xml", lambda data: data + b" "),
            "xl/worksheets/sheet1.xml is not the bytes the writer built",
        ),
        (
            _set_member("xl/workbook.xml", lambda data: data.replace(b'"1"', b'"0"', 1)),
            "xl/workbook.xml is not the bytes the writer built",
        ),
        (lambda members: members.pop(), "the zip members differ: missing"),
        (
            lambda members: members.append((zipfile.ZipInfo("xl/extra.xml"), b"<x/>")),
            "the zip members differ: unexpected ['xl/extra.xml']",
        ),
        (lambda members: members.reverse(), "the zip members differ: their order changed"),
    ],
    ids=["copied member", "edited sheet", "workbook part", "dropped", "extra", "reordered"],
)
def test_a_damaged_package_is_caught(
    workbook: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[list[Any]], None],
    message: str,
) -> None:
    real = edit_module.rebuild_package
    monkeypatch.setattr(edit_module, "rebuild_package", lambda *args: _rezip(real(*args), change))
    run_expecting_failure(workbook, message)


def test_a_zip_that_is_not_a_zip_is_caught(workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edit_module, "rebuild_package", lambda *args: b"PK\x03\x04 nonsense")
    run_expecting_failure(workbook, "it is not a readable zip")


# --- a failure at any stage of the write -----------------------------------------------------


def _raise(exc: BaseException) -> Callable[..., Any]:
    def fail(*args: object, **kwargs: object) -> Any:
        raise exc

    return fail


def _enospc() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


class _OsFaults:
    """The ``os`` module as the writer sees it, with some functions replaced.

    Drafts are written with the real ``os`` before the workbook, so faults are injected only
    into the writer's view of it.
    """

    def __init__(self, **replaced: Callable[..., Any]) -> None:
        self.replaced = replaced

    def __getattr__(self, name: str) -> Any:
        return self.replaced.get(name) or getattr(os, name)


class _FailingHandle:
    """A file handle that writes half the data, then finds the disk full."""

    def __init__(self, handle: Any, error: OSError) -> None:
        self.handle, self.error = handle, error

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise self.error

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> _FailingHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.mark.parametrize(
    ("stage", "error", "message"),
    [
        ("build", RuntimeError("boom"), None),
        ("build", MemoryError(), None),
        ("verify", XlsxError("tracker.xlsx: the written copy did not read back"), "read back"),
        ("write", _enospc(), "No space left on the disk holding"),
        ("write", OSError(errno.EIO, "Input/output error"), "Could not write"),
        ("fsync", _enospc(), "No space left on the disk holding"),
        ("fsync", OSError(errno.EIO, "Input/output error"), "Could not write"),
        ("chmod", PermissionError(errno.EPERM, "Operation not permitted"), "read-only"),
        ("replace", _enospc(), "No space left on the disk holding"),
        ("replace", OSError(errno.EXDEV, "Invalid cross-device link"), "Could not write"),
        ("replace", KeyboardInterrupt(), None),
    ],
)
def test_a_failure_at_any_stage_leaves_the_workbook(
    workbook: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    error: BaseException,
    message: str | None,
) -> None:
    if stage == "build":
        monkeypatch.setattr(edit_module, "rebuild_package", _raise(error))
    elif stage == "verify":
        monkeypatch.setattr(edit_module, "verify_package", _raise(error))
    elif stage == "write":
        real_fdopen = os.fdopen
        monkeypatch.setattr(
            replace_module,
            "os",
            _OsFaults(fdopen=lambda fd, *a, **k: _FailingHandle(real_fdopen(fd, *a, **k), error)),
        )
    elif stage == "fsync":

        def fsync_of_files(fd: int) -> None:  # the drafts' folders still sync
            if stat.S_ISREG(os.fstat(fd).st_mode):
                raise error
            os.fsync(fd)

        monkeypatch.setattr(replace_module, "os", _OsFaults(fsync=fsync_of_files))
    else:
        # Path.chmod and Path.replace call the os module's functions; drafts and the backup
        # use them too, so only calls on the temporary file beside the workbook fail.
        name = "chmod" if stage == "chmod" else "replace"
        real = getattr(os, name)

        def on_temp_only(source: Any, *args: Any, **kwargs: Any) -> Any:
            temp = Path(source)
            if temp.parent == workbook.parent and temp.name.startswith(".~sheet-followup-"):
                raise error
            return real(source, *args, **kwargs)

        monkeypatch.setattr(os, name, on_temp_only)
    data, mtime = workbook.read_bytes(), workbook.stat().st_mtime_ns
    try:
        result = run(workbook)
    except KeyboardInterrupt:
        result = None
    monkeypatch.undo()
    if result is not None:
        assert result.exit_code != 0
        if message is not None:
            assert message in " ".join(result.output.split()), result.output
        elif result.exception is not None and not isinstance(result.exception, SystemExit):
            assert result.exception is error or isinstance(result.exception, type(error))
    assert_untouched(workbook, data, mtime)


# --- the edited sheet is proven splice by splice, not parsed whole ------------------------

SMALL_ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Company</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>Acme</t></is></c>'
    '<c r="B2" s="2"><v>45413</v></c></row>'
    '<row r="3"><c r="A3" t="inlineStr"><is><t>Beta</t></is></c></row>'
)
Cells = list[tuple[int, bytes]]
SMALL_EDITS = [
    CellEdit(2, 3, "Send a thank-you note"),
    CellEdit(3, 3, "Closed"),
    CellEdit(2, 4, dt.date(2026, 12, 1), date_format_like=(2, 2)),
]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return build_package(tmp_path / "small.xlsx", worksheet_xml(SMALL_ROWS))


def test_the_small_edit_reads_back(small: Path) -> None:
    assert edit_package(small, "Tracker", SMALL_EDITS).data is not None


def test_a_user_byte_changed_outside_the_tool_cells_is_caught(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A splicing bug: the sheet the writer makes is not the original with its splices.
    real = SplicedPart.blocks

    def damaged(self: SplicedPart, size: int = 1 << 20) -> Iterator[bytes]:
        return (block.replace(b"Acme", b"Acne") for block in real(self, size))

    monkeypatch.setattr(SplicedPart, "blocks", damaged)
    with pytest.raises(XlsxError, match="differs from the original outside the tool's changes"):
        edit_package(small, "Tracker", SMALL_EDITS)


def test_a_cell_placed_in_another_row_is_caught(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = SheetSplice.add_cells

    def misplaced(self: SheetSplice, location: CellLocation, row: int, cells: Cells) -> None:
        if row == 2:  # a bug that puts row 2's new cells at the end of row 3
            row_3 = self.sheet.row(3)
            assert row_3 is not None
            location = CellLocation(row_3, None, row_3.content_end)
        real(self, location, row, cells)

    monkeypatch.setattr(SheetSplice, "add_cells", misplaced)
    with pytest.raises(XlsxError, match="new cells of row 2 are placed outside that row"):
        edit_package(small, "Tracker", SMALL_EDITS)


def test_a_cell_written_twice_is_caught(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = SheetSplice.add_cells

    def twice(self: SheetSplice, location: CellLocation, row: int, cells: Cells) -> None:
        real(self, location, row, cells + cells)

    monkeypatch.setattr(SheetSplice, "add_cells", twice)
    with pytest.raises(XlsxError, match=r"Tracker!C2 was written twice"):
        edit_package(small, "Tracker", SMALL_EDITS)


def test_new_markup_that_is_not_well_formed_is_caught(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cells_module, "_inline_string", lambda prefix, text: b"<is><t>x</is>")
    with pytest.raises(XlsxError, match="new cells are not valid XML"):
        edit_package(small, "Tracker", SMALL_EDITS)


def test_a_date_in_a_style_that_does_not_show_dates_is_caught(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StylesEditor, "date_style", lambda self, style, number_format_id=14: 0)
    with pytest.raises(
        XlsxError,
        match=r"Tracker!D2 holds the number 46357 in a style that does not show dates",
    ):
        edit_package(small, "Tracker", SMALL_EDITS)


def test_a_cell_the_writer_did_not_mean_to_write_is_caught(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = SheetSplice.add_cells

    def extra(self: SheetSplice, location: CellLocation, row: int, cells: Cells) -> None:
        more = [(9, xml.replace(b'r="C', b'r="I')) for column, xml in cells if column == 3]
        real(self, location, row, cells + more)

    monkeypatch.setattr(SheetSplice, "add_cells", extra)
    with pytest.raises(XlsxError, match=r"Tracker!I2 was written but not meant to be"):
        edit_package(small, "Tracker", SMALL_EDITS)


def test_a_cell_the_strict_pattern_does_not_know_is_read_by_expat(tmp_path: Path) -> None:
    # An existing cell with an attribute of its own and an <extLst> is rewritten keeping both;
    # the read-back check reads it with expat, namespaces declared on sheetData as well.
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Company</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Acme</t></is></c>'
        '<c r="B2" ph="1" t="inlineStr"><is><t>old</t></is>'
        '<extLst><ext uri="{x}"><y:z xmlns:y="urn:y"/></ext></extLst></c></row>'
    )
    xml = worksheet_xml(rows).replace(
        "<sheetData>", f'<sheetData xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
    )
    path = build_package(tmp_path / "odd.xlsx", xml)
    data = edit_package(path, "Tracker", [CellEdit(2, 2, "new & <improved>")]).data
    assert data is not None
    out = tmp_path / "out.xlsx"
    out.write_bytes(data)
    with zipfile.ZipFile(out) as written:
        sheet = written.read("xl/worksheets/sheet1.xml")
    assert (
        b'<c r="B2" ph="1" t="inlineStr"><is><t>new &amp; &lt;improved&gt;</t></is>'
        b'<extLst><ext uri="{x}"><y:z xmlns:y="urn:y"/></ext></extLst></c>'
    ) in sheet
