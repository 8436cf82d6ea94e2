"""Real people's trackers, rebuilt: each runs with every row's status what a careful person
would decide, or is refused with a message that names what is missing and `adopt`, after which
it runs.

tests/data/real_trackers.json holds the layouts (sheet, title rows, header row exactly as
written) and stage words of trackers collected from public repositories, office templates,
job sites' exports and career-service guides, each with where it came from. The rows are our
own, written in each source's habits (its date formats, its stage words, its way of naming
people), with the status each row should get on the file's ``today``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sheet_followup.fields import display_name
from sheet_followup.stages import Vocabulary
from tests.conftest import REPO

DATA = json.loads((REPO / "tests" / "data" / "real_trackers.json").read_text(encoding="utf-8"))
TODAY = DATA["today"]
TRACKERS = {t["id"]: t for t in DATA["trackers"]}


def cell_value(value: Any) -> Any:
    if isinstance(value, dict):
        return dt.datetime.fromisoformat(value["date"])
    return value


def build(tracker: dict[str, Any], folder: Path) -> Path:
    """The tracker as its owner's workbook: title rows, the header, the rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = tracker["sheet"]
    for row in tracker.get("title_rows", []):
        sheet.append(row)
    sheet.append(tracker["header"])
    for values, _ in tracker["rows"]:
        sheet.append([cell_value(v) for v in values])
        for cell, value in zip(sheet[sheet.max_row], values, strict=False):
            if isinstance(value, dict):
                cell.number_format = value["format"]
    path = folder / f"{tracker['id']}.xlsx"
    workbook.save(path)
    return path


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_app(), [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def cli_app():  # type: ignore[no-untyped-def]
    from sheet_followup.cli import cli

    return cli


def expected_statuses(tracker: dict[str, Any]) -> dict[tuple[int, str], str]:
    first = len(tracker.get("title_rows", [])) + 2
    return {
        (first + index, who): status
        for index, (_, people) in enumerate(tracker["rows"])
        for who, status in people.items()
    }


def statuses(path: Path) -> tuple[dict[tuple[int, str], str], list[str]]:
    code, out, err = invoke("run", path, "--today", TODAY, "--json")
    assert code == 0, err
    report = json.loads(out)
    got = {(c["row"], c["contact"]): c["status"] for c in report["contacts"]}
    return got, report["warnings"]


def test_there_are_fifteen_or_more_distinct_real_sources() -> None:
    sources = {t["url"] for t in DATA["trackers"]} | {v["url"] for v in DATA["vocabularies"]}
    assert len(DATA["trackers"]) >= 15 and len(sources) >= 30


@pytest.mark.parametrize("name", sorted(TRACKERS))
def test_a_real_tracker_runs_or_is_refused_towards_adopt(name: str, tmp_path: Path) -> None:
    tracker = TRACKERS[name]
    path = build(tracker, tmp_path)
    if tracker.get("refused"):
        before = path.read_bytes()
        code, out, err = invoke("run", path, "--today", TODAY)
        assert code == 1, out
        for field_name in tracker["refused"]:
            assert f"has no {display_name(field_name)}" in err
        assert f"header row {len(tracker.get('title_rows', [])) + 1}" in err
        assert "sheet-followup adopt" in err
        if tracker.get("refused_because"):
            assert tracker["refused_because"] in err
        assert len(err) < 800
        assert path.read_bytes() == before
        code, out, err = invoke("adopt", path)
        assert code == 0, err
    got, warnings = statuses(path)
    assert got == expected_statuses(tracker)
    for notice in tracker.get("notices", []):
        assert any(notice in warning for warning in warnings), (notice, warnings)
    code, _, _ = invoke("check", path, "--today", TODAY)
    assert code in (0, 1)


def vocabularies() -> list[tuple[str, dict[str, list[str]]]]:
    found = [(t["id"], t["stages"]) for t in DATA["trackers"] if t.get("stages")]
    found += [(v["source"], v) for v in DATA["vocabularies"]]
    return found


@pytest.mark.parametrize(("source", "words"), vocabularies(), ids=[s for s, _ in vocabularies()])
def test_the_stage_words_of_real_trackers_and_job_sites(
    source: str, words: dict[str, list[str]]
) -> None:
    vocabulary = Vocabulary()
    for stage in words.get("closed", []):
        match = vocabulary.match(stage)
        assert match.closed and match.known, stage
    for stage in words.get("active", []):
        match = vocabulary.match(stage)
        assert not match.closed and match.known, stage
    for stage in words.get("unknown", []):
        match = vocabulary.match(stage)
        assert not match.closed and not match.known, stage
