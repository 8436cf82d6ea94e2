"""Which of the tracker's cells a run writes: unit tests of the write-back planning, from a
Tracker and decisions alone (no workbook). The end-to-end tests show the cells land; these pin
that only what changes is planned, and where each new column goes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sheet_followup.columns import ColumnMap
from sheet_followup.draft_store import Retired
from sheet_followup.drafts import NamedDraft
from sheet_followup.errors import WorkbookError
from sheet_followup.models import Contact, FollowUp, Kind
from sheet_followup.reading import Tracker
from sheet_followup.writeback import (
    by_row,
    changed_texts,
    clear_draft_cells,
    draft_edits,
    file_link,
    row_status,
    status_edits,
    tool_columns,
)

D = dt.date
HEADERS = {1: "Company", 2: "Contact", 3: "Interview date"}


def tracker(
    headers: dict[int, str] | None = None,
    columns: dict[str, int] | None = None,
    current: dict[int, tuple[object, object, object]] | None = None,
) -> Tracker:
    headers = HEADERS if headers is None else headers
    columns = {"company": 1, "contact": 2, "interview_date": 3} if columns is None else columns
    return Tracker("Tracker", ColumnMap(1, columns, headers), (), current or {}, False)


def decided(
    row: int, kind: Kind, day: D | None, name: str = "Jane Doe", **contact: int
) -> FollowUp:
    return FollowUp(Contact(row=row, company="Acme", contact=name, **contact), kind, day)


def test_the_tools_columns_come_after_the_last_header_unless_the_sheet_has_them() -> None:
    assert tool_columns(tracker()) == {
        "company": 1,
        "contact": 2,
        "interview_date": 3,
        "status": 4,
        "next_follow_up": 5,
    }
    own = tracker({**HEADERS, 4: "Notes", 5: "Status"}, {"company": 1, "status": 5})
    assert tool_columns(own) == {"company": 1, "status": 5, "next_follow_up": 6}


def test_a_header_row_reaching_the_last_column_has_no_room_and_says_which_cell() -> None:
    full = tracker({**HEADERS, 16_384: "x"})
    with pytest.raises(WorkbookError, match=r"Tracker!XFD1: the header row reaches the last"):
        tool_columns(full)


def test_new_headers_take_the_last_headers_look_and_join_its_table() -> None:
    edits = status_edits(tracker(), [decided(2, Kind.WAITING, D(2026, 12, 7))])
    headers = [e for e in edits if e.row == 1]
    assert [(e.column, e.value) for e in headers] == [
        (4, "Follow-up status"),
        (5, "Next follow-up"),
    ]
    assert all(e.style_like == (1, 3) and e.joins_table and e.width for e in headers)
    cells = [(e.row, e.column, e.value) for e in edits if e.row == 2]
    assert cells == [(2, 4, "Waiting"), (2, 5, D(2026, 12, 7))]
    date = next(e for e in edits if e.row == 2 and e.column == 5)
    assert date.date_format_like == (2, 3)  # dates look like the row's interview date


def test_a_rerun_plans_only_the_cells_that_change() -> None:
    columns = {"company": 1, "interview_date": 3, "status": 4, "next_follow_up": 5}
    headers = {**HEADERS, 4: "Follow-up status", 5: "Next follow-up"}
    current: dict[int, tuple[object, object, object]] = {
        2: ("Waiting", dt.datetime(2026, 12, 7), None),  # as calamine reads a date cell
        3: ("Waiting", D(2026, 12, 7), None),
        4: ("Waiting", "2026-12-07", None),  # a date typed as text: rewritten as a date
    }
    followups = [
        decided(2, Kind.WAITING, D(2026, 12, 7)),
        decided(3, Kind.FOLLOW_UP, D(2026, 12, 7), "Sam Lee"),
        decided(4, Kind.WAITING, D(2026, 12, 7), "Kim Park"),
    ]
    edits = status_edits(tracker(headers, columns, current), followups)
    assert [(e.row, e.column, e.value) for e in edits] == [
        (3, 4, "Follow-up due"),
        (4, 5, D(2026, 12, 7)),
    ]


def test_a_cleared_next_date_is_written_as_an_empty_cell() -> None:
    columns = {"company": 1, "status": 4, "next_follow_up": 5}
    headers = {**HEADERS, 4: "Follow-up status", 5: "Next follow-up"}
    current: dict[int, tuple[object, object, object]] = {2: ("Waiting", D(2026, 12, 7), None)}
    edits = status_edits(tracker(headers, columns, current), [decided(2, Kind.CLOSED, None)])
    assert [(e.column, e.value) for e in edits] == [(4, "Closed"), (5, None)]


def test_a_panel_in_one_cell_is_one_row_with_each_status_and_the_earliest_date() -> None:
    jane = decided(5, Kind.WAITING, D(2026, 12, 9), "Jane Doe", slot=0, slots=3)
    sam = decided(5, Kind.THANK_YOU, D(2026, 11, 23), "Sam Lee", slot=1, slots=3)
    kim = decided(5, Kind.WAITING, D(2026, 12, 7), "Kim Park", slot=2, slots=3)
    alone = decided(6, Kind.WAITING, D(2026, 12, 1), "Ann Lee")
    groups = by_row([jane, sam, kim, alone])
    assert [len(g) for g in groups] == [3, 1]
    status, day = row_status(groups[0])
    assert status == "Thank-you due: Sam Lee; Waiting: Jane Doe, Kim Park"  # due notes first
    assert day == D(2026, 11, 23)
    assert row_status(groups[1]) == ("Waiting", D(2026, 12, 1))


def test_a_row_whose_own_cell_is_wrong_says_so_once_for_the_whole_panel() -> None:
    bad = [
        FollowUp(Contact(row=7, contact=n, slot=i, slots=2), Kind.FIX_DATA, None, ("E7: bad",))
        for i, n in enumerate(("Jane Doe", "Sam Lee"))
    ]
    assert row_status(bad) == ("Fix data: E7: bad", None)


def named(row: int, folder: Path, name: str, person: str = "Jane Doe") -> NamedDraft:
    return NamedDraft(
        decided(row, Kind.FOLLOW_UP, D(2026, 11, 23), person), (folder / name,), ("md",)
    )


def test_draft_cells_link_each_rows_first_draft_relative_to_the_workbook(tmp_path: Path) -> None:
    workbook = tmp_path / "my search" / "tracker.xlsx"
    folder = tmp_path / "my search" / "drafts" / "2026-11-23"
    planned = [
        named(2, folder, "acme-jane-doe-follow-up.md"),
        named(3, folder, "acme-sam-lee-follow-up.md", "Sam Lee"),
        named(3, folder, "acme-kim-park-follow-up.md", "Kim Park"),
    ]
    edits = draft_edits(tracker(), planned, workbook)
    header, jane, panel = edits
    assert (header.row, header.column, header.value) == (1, 6, "Draft")  # after status and next
    assert (jane.row, jane.value) == (2, "acme-jane-doe-follow-up.md")
    assert jane.hyperlink == "drafts/2026-11-23/acme-jane-doe-follow-up.md"
    assert (panel.row, panel.value) == (3, "acme-sam-lee-follow-up.md +1")
    assert draft_edits(tracker(), [], workbook) == []  # no drafts: no Draft column either


def test_links_are_percent_encoded_and_go_through_a_symlinked_workbook(tmp_path: Path) -> None:
    real = tmp_path / "Dropbox"
    (real / "drafts é").mkdir(parents=True)
    (real / "tracker.xlsx").write_bytes(b"")
    elsewhere = tmp_path / "Desktop"
    elsewhere.mkdir()
    (elsewhere / "tracker.xlsx").symlink_to(real / "tracker.xlsx")
    # Excel resolves the link from the real file's folder.
    assert file_link(real / "drafts é", elsewhere / "tracker.xlsx") == "drafts%20%C3%A9"


def test_cells_of_drafts_no_longer_due_are_cleared_and_no_others() -> None:
    columns = {"company": 1, "draft": 6}
    current: dict[int, tuple[object, object, object]] = {
        2: ("Waiting", None, "acme-jane-doe-follow-up.md"),
        3: ("Waiting", None, "acme-sam-lee-follow-up.md +1"),
        4: ("Waiting", None, "globex-ann-lee-thank-you.md"),
    }
    gone = [
        Retired(Path("acme-jane-doe-follow-up.md"), False, ("acme-jane-doe-follow-up.md",)),
        Retired(Path("acme-sam-lee-follow-up.md"), False, ("acme-sam-lee-follow-up.md",)),
        Retired(Path("globex-ann-lee-thank-you.md"), True),  # the user edited it: it stays
    ]
    edits = clear_draft_cells(tracker({**HEADERS, 6: "Draft"}, columns, current), gone)
    assert [(e.row, e.column, e.value) for e in edits] == [(2, 6, None), (3, 6, None)]


def test_a_dry_run_counts_only_the_texts_that_change() -> None:
    planned = status_edits(tracker(), [decided(2, Kind.WAITING, None)])
    rows: list[list[object]] = [["Company", "Contact", "Interview date", "Follow-up status"]]
    rows.append(["Acme", "Jane Doe", None, "Waiting"])
    assert changed_texts(planned, rows) == 1  # the new Next follow-up header alone
