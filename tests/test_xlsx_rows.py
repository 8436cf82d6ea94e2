"""Finding a sheet's rows and planning cells into them, without keeping every row's answers.

The row index is two arrays and each row's worked-out place, cells and last column are kept
for a bounded number of rows (see ``sheet_xml._ROWS_REMEMBERED``); a row's new cells are
spliced as the planner leaves it (``SheetSplice.finish_rows``). These tests hold the answers
to what they were when everything was kept.
"""

from __future__ import annotations

import itertools
import operator
import random
from pathlib import Path

import hypothesis
import hypothesis.strategies as st
import pytest

from sheet_followup.xlsx import sheet_xml as sheet_xml_module
from sheet_followup.xlsx.edit import CellEdit, edit_package
from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.sheet_xml import WorksheetXml
from sheet_followup.xlsx.splice import SheetSplice, Splice, SpliceList, merged_splices
from tests.xlsx_helpers import build_package, calamine_rows, worksheet_xml


def _row_xml(number: int, style: int) -> str:
    if style == 0:
        return f'<row r="{number}"/>'
    if style == 1:
        return f'<row r="{number}" spans="1:3"><c r="A{number}" t="inlineStr"><is><t>a{number}</t></is></c></row>'
    if style == 2:
        return (
            f'<row spans="1:2" r="{number}" ht="15"><c r="B{number}"><v>{number}</v></c>'
            f'<c r="C{number}" t="inlineStr"><is><t>c</t></is></c></row>'
        )
    # Cells placed by their position alone: found by walking the row's cells.
    return f'<row r="{number}"><c><v>1</v></c><c s="0"><v>2</v></c></row>'


# By the number of cells in the row as _row_xml writes it: the last one's column, None when
# the cells have no reference and are placed by their position alone.
_LAST_COLUMN: dict[int, int | None] = {0: 0, 1: 1, 2: None}
_LAST_COLUMN_WITH_REFERENCES = 3


def _cell_b(row: str) -> tuple[str | None, str]:
    """The XML of the row's cell in column B (None when it has none), and what follows the
    place a new B cell would go."""
    if row.endswith("/>"):
        return None, ""
    if 'r="B' in row:
        start = row.index('<c r="B')
        return row[start : row.index("</c>", start) + 4], ""
    if "<c>" in row:
        start = row.index('<c s="0">')
        return row[start : row.index("</c>", start) + 4], ""
    return None, "</row>"


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(
    # Row numbers as gaps from one row to the next: mostly none, as in most sheets, some long.
    st.lists(st.sampled_from([1, 1, 1, 2, 5, 300]), max_size=300).map(
        lambda gaps: list(itertools.accumulate(gaps))
    ),
    st.randoms(use_true_random=False),
)
def test_every_row_and_cell_is_found_where_it_is_and_no_other(
    numbers: list[int], rng: random.Random
) -> None:
    pieces = {n: _row_xml(n, rng.randrange(4)) for n in numbers}
    data = worksheet_xml("".join(pieces.values())).encode()
    sheet = WorksheetXml(data, "Tracker")
    highest = numbers[-1] if numbers else 0
    asked = list(range(1, highest + 3))
    rng.shuffle(asked)  # in any order, and more rows than are remembered at once
    for number in asked:
        spot = sheet.row(number)
        if number not in pieces:
            assert spot is None
            following = [n for n in numbers if n > number]
            expected = data.index(pieces[following[0]].encode()) if following else sheet.rows_end
            assert sheet.row_insert_position(number) == expected
            continue
        assert spot is not None
        assert spot.number == number
        assert data[spot.start : spot.end].decode() == pieces[number]
        cell, follows = _cell_b(pieces[number])
        location = sheet.locate(number, 2)
        if cell is None:
            assert location.cell is None
            assert data[location.insert_at :].decode().startswith(follows)
            assert spot.start < location.insert_at <= spot.end
        else:
            assert location.cell is not None
            assert spot.start < location.cell.start < location.cell.end < spot.end
            assert data[location.cell.start : location.cell.end].decode() == cell
        cells = pieces[number].count("<c")
        last_column = (
            _LAST_COLUMN_WITH_REFERENCES if 'r="C' in pieces[number] else _LAST_COLUMN[cells]
        )
        assert sheet.last_column(spot) == last_column
        assert sheet.last_column(spot) == last_column  # as it was kept


def _mixed_tracker(path: Path, rows: int) -> Path:
    """A sheet whose tool columns sit among the user's: each row's cells are walked."""
    body = ['<row r="1"><c r="A1" t="inlineStr"><is><t>Company</t></is></c></row>']
    for n in range(2, rows + 1):
        body.append(
            f'<row r="{n}" spans="1:6"><c r="A{n}" t="inlineStr"><is><t>Co {n}</t></is></c>'
            f'<c r="C{n}"><v>{n}</v></c>'
            f'<c r="F{n}" t="inlineStr"><is><t>note {n}</t></is></c></row>'
        )
    return build_package(path, worksheet_xml("".join(body)))


def _mixed_edits(rows: int) -> list[CellEdit]:
    edits = [CellEdit(1, 2, "Status"), CellEdit(1, 7, "Next")]
    for n in range(2, rows + 1):
        edits.append(CellEdit(n, 2, f"Waiting {n % 5}"))  # between the user's cells
        if n % 3 == 0:
            edits.append(CellEdit(n, 3, "Closed"))  # over one of them
        edits.append(CellEdit(n, 7, f"x{n}"))  # after the last one
    edits.append(CellEdit(rows + 3, 2, "a row of its own"))
    return edits


@pytest.mark.parametrize("remembered", [1, 7])
def test_forgetting_rows_changes_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remembered: int
) -> None:
    rows = 2500  # more than the default number of rows remembered
    source = _mixed_tracker(tmp_path / "t.xlsx", rows)
    monkeypatch.setattr(sheet_xml_module, "_ROWS_REMEMBERED", 10**9)
    everything = edit_package(source, "Tracker", _mixed_edits(rows)).data
    monkeypatch.setattr(sheet_xml_module, "_ROWS_REMEMBERED", remembered)
    forgetting = edit_package(source, "Tracker", _mixed_edits(rows)).data
    assert everything is not None
    assert forgetting == everything
    out = tmp_path / "out.xlsx"
    out.write_bytes(forgetting)
    read = calamine_rows(out, "Tracker")
    assert read[0][:7] == ["Company", "Status", "", "", "", "", "Next"]
    assert read[5][:7] == ["Co 6", "Waiting 1", "Closed", "", "", "note 6", "x6"]
    assert read[rows + 2][1] == "a row of its own"


def test_a_finished_row_takes_no_more_cells() -> None:
    data = worksheet_xml(
        '<row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="A3"><v>1</v></c></row>'
    ).encode()
    sheet = WorksheetXml(data, "Tracker")
    splice = SheetSplice(sheet)
    splice.add_cell(sheet.locate(2, 2), 2, 2, b'<c r="B2"><v>2</v></c>')
    splice.finish_rows(2)
    with pytest.raises(XlsxError, match="internal error; nothing was written"):
        splice.add_cell(sheet.locate(2, 3), 2, 3, b'<c r="C2"><v>3</v></c>')
    splice.add_cell(sheet.locate(3, 2), 3, 2, b'<c r="B3"><v>2</v></c>')
    joined = splice.apply().to_bytes()
    assert b'<c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row>' in joined
    assert b'<c r="A3"><v>1</v></c><c r="B3"><v>2</v></c></row>' in joined


_SPLICES = st.lists(
    st.builds(
        Splice,
        st.integers(0, 40),
        st.integers(0, 3),
        st.binary(max_size=3),
        st.sampled_from(["cells", "row opened", "rows", "value", "other"]),
        st.integers(0, 9),
    ).map(lambda s: s._replace(end=s.start + s.end)),
    max_size=30,
)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(_SPLICES, _SPLICES)
# A splice at the very place of the first finished one comes after it, as in a stable sort.
@hypothesis.example(
    [Splice(5, 5, b"a", "cells", 1), Splice(9, 9, b"b", "cells", 2)],
    [Splice(5, 5, b"z", "other", 0)],
)
def test_finished_rows_and_the_other_splices_come_out_as_one_stable_sort(
    finished: list[Splice], others: list[Splice]
) -> None:
    by_place = operator.itemgetter(0, 1)
    kept = SpliceList(finished)
    assert list(kept) == finished
    assert len(kept) == len(finished)
    assert [kept[i] for i in range(len(finished))] == finished
    assert kept[1:3] == finished[1:3]
    assert kept.in_order == (finished == sorted(finished, key=by_place))
    expected = sorted([*finished, *sorted(others, key=by_place)], key=by_place)
    assert list(merged_splices(kept, sorted(others, key=by_place))) == expected
    joined = SpliceList(finished)
    joined.extend(SpliceList(others))
    assert list(joined) == [*finished, *others]
    assert joined.in_order == ([*finished, *others] == sorted([*finished, *others], key=by_place))
