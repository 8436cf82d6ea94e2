"""Arbitrary cell contents never crash the tool: every outcome is exit 0 or 1, with a message."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheet_followup.cli import cli
from sheet_followup.models import Kind

HEADER = [
    "Company",
    "Contact",
    "Position",
    "Email",
    "Interview date",
    "Stage",
    "Last contact",
    "Interests",
    "Gift",
    "Pause until",
]

# What a user (or a broken export) can put in a cell; openpyxl refuses control characters.
text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t"), max_size=40
)
cell = st.one_of(
    st.none(),
    text,
    st.sampled_from(["next tues", "=1+1", "{{ 7*7 }}", "../../x", "CON", "2026-11-20", "3/11/26"]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
)
rows = st.lists(st.lists(cell, min_size=len(HEADER), max_size=len(HEADER)), max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_any_cells_give_a_status_or_a_clear_error(table: list[list[object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tracker.xlsx"
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Tracker"
        sheet.append(HEADER)
        for row in table:
            sheet.append(row)
        for row in sheet.iter_rows(min_row=2):
            for value in row:
                if isinstance(value.value, str):
                    value.data_type = "s"  # text that starts with "=" stays text
        workbook.save(path)

        result = CliRunner().invoke(
            cli, ["run", str(path), "--today", "2026-11-23", "--json", "--out", f"{folder}/d"]
        )
        assert result.exit_code in (0, 1), result.output
        assert not isinstance(result.exception, (TypeError, ValueError, KeyError, IndexError))
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert result.stderr.startswith("Error: ")
            return
        labels = tuple(kind.label for kind in Kind)
        for contact in json.loads(result.stdout)["contacts"]:
            assert contact["status"].startswith(labels)
        drafts = Path(folder) / "d" / "2026-11-23"
        written = sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix == ".md")
        assert all(p.parent == drafts for p in written)  # no cell put a file anywhere else
