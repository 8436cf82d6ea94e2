"""A large edited sheet is made, deflated and read back block by block, never held whole.

At 100,000 rows the new sheet is about 50 MB of XML; the writer hands it to the zip a block at
a time and the read-back compares the inflated member with the original and the splices as it
comes. These tests hold the pieces of that to what a user would see: the same workbook, read
the same way, and a damaged piece still caught.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import hypothesis
import hypothesis.strategies
import pytest

from sheet_followup.xlsx import package as package_module
from sheet_followup.xlsx import verify as verify_module
from sheet_followup.xlsx.edit import CellEdit, edit_package
from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.splice import Splice, SplicedPart
from sheet_followup.xlsx.workbook import read_workbook_info
from tests.test_xlsx_edit import _corpus_files, _first_row, _used_width
from tests.xlsx_helpers import build_package, calamine_rows, worksheet_xml


def _spliced_naively(original: bytes, splices: list[Splice]) -> bytes:
    out, position = [], 0
    for splice in splices:
        out += [original[position : splice.start], splice.xml]
        position = splice.end
    return b"".join([*out, original[position:]])


@pytest.mark.parametrize("size", [1, 7, 64, 4096, 1 << 20])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_blocks_join_to_the_original_with_its_splices(size: int, seed: int) -> None:
    chance = random.Random(seed)
    original = bytes(chance.randrange(32, 127) for _ in range(20_000))
    cuts = sorted(chance.sample(range(len(original)), 400))
    splices = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=True):
        end = start if chance.random() < 0.5 else end  # insertions and replacements
        xml = bytes(chance.randrange(32, 127) for _ in range(chance.randrange(0, 300)))
        splices.append(Splice(start, end, xml, "cells"))
    part = SplicedPart(original, splices)
    blocks = list(part.blocks(size))
    assert b"".join(blocks) == _spliced_naively(original, splices)
    assert len(part) == len(b"".join(blocks))
    assert all(blocks)
    assert max(len(block) for block in blocks) <= 2 * size + 300


def test_a_part_with_no_splices_comes_out_as_it_was() -> None:
    original = b"<x>" + b"a" * 5000 + b"</x>"
    assert b"".join(SplicedPart(original, []).blocks(1000)) == original
    assert list(SplicedPart(b"", []).blocks()) == []


def test_blocks_of_any_sizes_deflate_to_one_stream_of_their_join() -> None:
    chance = random.Random(7)
    words = [b"<row>", b"<c r='A1'>", b"Acme", b"</c>", b"Thank-you due", b"2026-11-23"]
    data = b"".join(chance.choice(words) for _ in range(400_000))
    sizes = [5, 40_000, 10, 1 << 20, 20_000, 3, 3 << 20]  # short blocks between long ones
    blocks, at = [], 0
    while at < len(data):
        size = sizes[len(blocks) % len(sizes)]
        blocks.append(data[at : at + size])
        at += size
    stored, crc = package_module._deflate_blocks(iter(blocks))
    assert zlib.decompress(stored, -15) == data
    assert crc == zlib.crc32(data)
    assert len(stored) < len(data) // 4


ROWS = 60_000


@pytest.fixture
def large(tmp_path: Path) -> Path:
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Company {n}</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>Contact {n * 7919 % 100_003}</t></is></c></row>'
        for n in range(1, ROWS + 1)
    )
    path = build_package(tmp_path / "large.xlsx", worksheet_xml(rows))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 5 << 20
    return path


def _edits() -> list[CellEdit]:
    edits = [CellEdit(n, 3, f"Follow-up due {n}") for n in range(2, ROWS + 1, 3)]
    edits += [CellEdit(n, 4, dt.date(2026, 12, 1)) for n in range(5, ROWS + 1, 7)]
    return edits


def test_a_large_sheet_is_edited_without_its_new_bytes_joined(
    large: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def joined(self: SplicedPart) -> bytes:
        raise AssertionError("the new sheet was joined whole")

    monkeypatch.setattr(SplicedPart, "to_bytes", joined)
    data = edit_package(large, "Tracker", _edits()).data
    assert data is not None
    out = large.with_name("out.xlsx")
    out.write_bytes(data)
    rows = calamine_rows(out, "Tracker")
    assert len(rows) == ROWS
    assert rows[1][:3] == ["Company 2", "Contact 15838", "Follow-up due 2"]
    assert rows[ROWS - 1][:3] == [f"Company {ROWS}", f"Contact {ROWS * 7919 % 100_003}", ""]
    assert rows[4][3] == dt.date(2026, 12, 1)
    assert sum(1 for row in rows if row[2]) == len(range(2, ROWS + 1, 3))


@pytest.mark.parametrize(
    "edits",
    [
        _edits,
        # One edit near the top: the rest of the sheet is one unchanged stretch of megabytes,
        # compared with the written member across many reads.
        lambda: [CellEdit(2, 3, "Thank-you due")],
    ],
    ids=["among the changes", "far from any change"],
)
def test_a_wrong_byte_in_a_large_sheet_is_caught(
    large: Path, monkeypatch: pytest.MonkeyPatch, edits: Callable[[], list[CellEdit]]
) -> None:
    real = SplicedPart.blocks

    def damaged(self: SplicedPart, size: int = 1 << 20) -> Iterator[bytes]:
        for block in real(self, size):
            yield block.replace(b"Company 59999<", b"Company 59990<")

    monkeypatch.setattr(SplicedPart, "blocks", damaged)
    with pytest.raises(XlsxError, match="differs from the original outside the tool's changes"):
        edit_package(large, "Tracker", edits())


def test_a_large_sheet_cut_short_in_the_zip_is_caught(
    large: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = package_module._deflate_blocks

    def cut(blocks: Iterator[bytes]) -> tuple[bytes, int]:
        stored, crc = real(blocks)
        return stored[: len(stored) // 2] + package_module._deflate(b"")[-2:], crc

    monkeypatch.setattr(package_module, "_deflate_blocks", cut)
    with pytest.raises(XlsxError, match=r"xl/worksheets/sheet1\.xml (cannot be read|is not)"):
        edit_package(large, "Tracker", _edits())


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.mark.corpus
@pytest.mark.parametrize(
    "workbook", _corpus_files() or [None], ids=lambda p: p.name if p else "none"
)
def test_real_workbooks_come_out_the_same_through_tiny_blocks(
    workbook: Path | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each corpus workbook edited as the lossless test edits it, once as usual and once with
    every part deflated and read back in blocks of a few hundred bytes (so that splices,
    blocks and reads cut across each other everywhere): the same workbook either way."""
    if workbook is None:
        pytest.skip("../shared/corpus/xlsx not found: the block-by-block check did not run")
    info = read_workbook_info(workbook)
    sheet = next(s for s in info.sheets if s.kind == "worksheet")
    width = _used_width(workbook, sheet.name, sheet.part)
    first_row = _first_row(workbook, sheet.part)
    edits = [CellEdit(first_row, width + 1, "Follow-up status")]
    for offset in range(1, 6):
        edits.append(CellEdit(first_row + offset, width + 1, f"Waiting {offset} <&>"))
        edits.append(CellEdit(first_row + offset, width + 2, dt.date(2024, 5, offset)))
    copy = tmp_path / workbook.name
    copy.write_bytes(workbook.read_bytes())
    try:
        whole = edit_package(copy, sheet.name, edits).data
    except XlsxError as exc:
        assert "protected" in str(exc), str(exc)
        return
    monkeypatch.setattr(package_module, "_PARALLEL_DEFLATE_SIZE", 300)
    monkeypatch.setattr(verify_module, "READ_SIZE", 97)
    blocks = edit_package(copy, sheet.name, edits).data
    assert whole is not None and blocks is not None
    assert _members(blocks) == _members(whole)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    data=hypothesis.strategies.binary(max_size=3000),
    cuts=hypothesis.strategies.lists(hypothesis.strategies.integers(0, 3000), max_size=12),
    read_size=hypothesis.strategies.integers(1, 700),
    damage=hypothesis.strategies.sampled_from(["none", "flip", "short", "long"]),
)
def test_the_read_back_finds_a_member_equal_to_its_pieces_exactly_when_it_is(
    data: bytes, cuts: list[int], read_size: int, damage: str
) -> None:
    # The comparison every edited sheet goes through: pieces against the inflated member,
    # read a few bytes at a time, whatever the pieces' and the reads' sizes.
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    # Empty pieces among them: an insertion point with nothing before it gives one.
    pieces = [piece for a, b in itertools.pairwise(bounds) for piece in (data[a:b], b"")]
    stored = data
    if damage == "flip" and data:
        stored = data[:-1] + bytes([data[-1] ^ 1])
    elif damage == "short" and data:
        stored = data[:-1]
    elif damage == "long":
        stored = data + b"x"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("part.xml", stored)
    with (
        pytest.MonkeyPatch.context() as patch,
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive,
    ):
        patch.setattr(verify_module, "READ_SIZE", read_size)
        found = verify_module._reads_as(archive, "part.xml", pieces)
    assert found == (stored == data)
