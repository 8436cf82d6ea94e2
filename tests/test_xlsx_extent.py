"""How far a sheet's values reach, measured from its XML before any reader makes a grid of it:
the quick bound is never smaller than the exact extent, and a far value is found wherever the
row sits in the part."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sheet_followup.xlsx.extent import sheet_extent
from sheet_followup.xlsx.references import cell_reference
from tests.xlsx_helpers import build_package, worksheet_xml

PART = "xl/worksheets/sheet1.xml"


def sheet_of(
    path: Path, cells: list[tuple[int, int]], *, empty: tuple[int, int] | None = None
) -> Path:
    by_row: dict[int, list[str]] = {}
    for row, column in cells:
        ref = cell_reference(row, column)
        by_row.setdefault(row, []).append(f'<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>')
    if empty is not None:
        by_row.setdefault(empty[0], []).append(f'<c r="{cell_reference(*empty)}" s="0"/>')
    rows = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in by_row.items())  # as given
    return build_package(path, worksheet_xml(rows))


def test_a_far_value_sets_the_extent_and_a_styled_empty_cell_does_not(tmp_path: Path) -> None:
    path = sheet_of(
        tmp_path / "t.xlsx", [(1, 1), (300_000, 3), (7, 100)], empty=(1_048_576, 16_384)
    )
    exact = sheet_extent(path, PART)
    assert (exact.rows, exact.columns) == (300_000, 100)
    assert (exact.last_row_cell, exact.last_column_cell) == ("C300000", "CV7")
    bound = sheet_extent(path, PART, at_most=10**12)
    assert not bound.exact and bound.rows >= 300_000 and bound.columns >= 100


def test_a_small_sheet_is_bounded_without_an_exact_count(tmp_path: Path) -> None:
    path = sheet_of(tmp_path / "t.xlsx", [(1, 1), (50, 12)])
    bound = sheet_extent(path, PART, at_most=26 * 99_999)
    assert not bound.exact  # A1:Z99999 is small enough whatever it holds
    assert sheet_extent(path, PART, at_most=10).exact  # over the budget: counted exactly


refs = st.tuples(st.integers(1, 1_048_576), st.integers(1, 16_384))


@settings(max_examples=60, deadline=None)
@given(st.lists(refs, min_size=1, max_size=30))
@example([(1000, 704), (1000, 703)])  # the widest reference cut where the pieces overlap
def test_the_quick_bound_is_never_smaller_than_the_exact_extent(
    tmp_path_factory: object, cells: list[tuple[int, int]]
) -> None:
    folder = tmp_path_factory.mktemp("extent")  # type: ignore[attr-defined]
    path = sheet_of(folder / "t.xlsx", cells)
    exact = sheet_extent(path, PART)
    assert (exact.rows, exact.columns) == (max(r for r, _ in cells), max(c for _, c in cells))
    bound = sheet_extent(path, PART, at_most=10**12)
    assert bound.rows >= exact.rows and bound.columns >= exact.columns
