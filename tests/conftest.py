"""Shared fixtures: a factory that writes small tracker workbooks into tmp_path."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "xlsx"

HEADER = ["Company", "Contact", "Position", "Email", "Interview date", "Stage", "Last contact"]

MakeWorkbook = Callable[..., Path]


@functools.cache
def pristine_sample() -> Path:
    """The sample tracker as its script makes it, built once per test session.

    The checkout's ``sample_tracker.xlsx`` is the user's to try the tool on: the README's first
    command runs on it and writes statuses into it. The tests never read it, so they pass
    whatever that run (or any other) did to it; test_sample checks the committed one.
    """
    folder = Path(tempfile.mkdtemp(prefix="sheet-followup-sample-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "sample_tracker.xlsx"
    script = REPO / "scripts" / "make_sample_tracker.py"
    subprocess.run([sys.executable, str(script), str(path)], check=True, capture_output=True)
    return path


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A fresh copy of the sample tracker to run the tool on."""
    copy = tmp_path / "sample_tracker.xlsx"
    shutil.copyfile(pristine_sample(), copy)
    return copy


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
