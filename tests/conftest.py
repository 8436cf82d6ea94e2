"""Shared fixtures: a factory that writes small tracker workbooks into tmp_path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "xlsx"

HEADER = ["Company", "Contact", "Position", "Email", "Interview date", "Stage", "Last contact"]

MakeWorkbook = Callable[..., Path]


@pytest.fixture
def make_workbook(tmp_path: Path) -> MakeWorkbook:
    """Write a tracker: ``rows`` under ``header``, optional title rows and extra sheets."""

    def make(
        rows: Sequence[Sequence[object]],
        *,
        header: Sequence[str] = HEADER,
        title_rows: Sequence[Sequence[object]] = (),
        sheet: str = "Tracker",
        sheets: Mapping[str, Sequence[Sequence[object]]] | None = None,
        name: str = "tracker.xlsx",
    ) -> Path:
        workbook = openpyxl.Workbook()
        worksheet = workbook.active
        worksheet.title = sheet
        for row in [*title_rows, header, *rows]:
            worksheet.append(list(row))
        for column in worksheet.iter_cols():
            for cell in column:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        for other, other_rows in (sheets or {}).items():
            extra = workbook.create_sheet(other)
            for row in other_rows:
                extra.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path

    return make


def read_cells(path: Path, sheet: str | None = None) -> list[list[object]]:
    """The sheet's values as openpyxl reads them (dates as datetimes)."""
    workbook = openpyxl.load_workbook(path)
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    return [list(row) for row in worksheet.iter_rows(values_only=True)]
