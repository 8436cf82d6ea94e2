"""Excel tables (ListObjects): the tool's new columns join a table whose header row they extend."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo

from sheet_followup.cli import cli
from sheet_followup.xlsx.edit import CellEdit, edit_package
from sheet_followup.xlsx.references import column_letters, parse_range
from sheet_followup.xlsx.workbook import read_workbook_info
from tests.xlsx_helpers import (
    MAIN_NS,
    assert_package_kept,
    build_package,
    calamine_rows,
    member_bytes,
    worksheet_xml,
    write_result,
)

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "xlsx"
HEADER = ["Company", "Contact", "Position", "Email", "Interview date", "Stage", "Last contact"]
ROWS = [
    ["Acme", "Ann", "Dev", "ann@acme.test", dt.date(2026, 11, 2), "Interviewed", None],
    ["Beta", "Bob", "QA", "bob@beta.test", dt.date(2026, 10, 20), "Interviewed", None],
    ["Gamma", "Gil", "PM", "gil@gamma.test", dt.date(2026, 11, 18), "Interviewed", None],
]
TABLE_PART = "xl/tables/table1.xml"
NEW_HEADERS = ["Follow-up status", "Next follow-up"]


def tracker_with_table(
    path: Path,
    *,
    totals: bool = False,
    extra: Callable[[openpyxl.worksheet.worksheet.Worksheet], None] | None = None,
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        cells[0].number_format = "yyyy-mm-dd"
    last = len(ROWS) + 1
    table = Table(displayName="Applications", ref=f"A1:G{last + int(totals)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    if totals:
        table.totalsRowCount = 1
        table.autoFilter = AutoFilter(ref=f"A1:G{last}")
    sheet.add_table(table)
    if extra is not None:
        extra(sheet)
    workbook.save(path)
    if totals:
        # openpyxl leaves the totals label out of tableColumn; Excel writes it there.
        rewrite_member(
            path,
            TABLE_PART,
            lambda xml: xml.replace(
                b'name="Company"/>', b'name="Company" totalsRowLabel="Total"/>', 1
            ),
        )
    return path


def rewrite_member(path: Path, name: str, change: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, change(data) if info.filename == name else data)


def run_cli(path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output


def table_facts(path: Path, sheet: str = "Tracker") -> dict[str, tuple[str, list[str], str | None]]:
    """name -> (ref, column names, autoFilter ref), as openpyxl reads them."""
    workbook = openpyxl.load_workbook(path)
    try:
        return {
            table.name: (
                table.ref,
                [column.name for column in table.tableColumns],
                table.autoFilter.ref if table.autoFilter is not None else None,
            )
            for table in workbook[sheet].tables.values()
        }
    finally:
        workbook.close()


def header_texts(path: Path, sheet: str, ref: str) -> list[str]:
    bounds = parse_range(ref)
    assert bounds is not None
    r1, c1, _, c2 = bounds
    workbook = openpyxl.load_workbook(path)
    try:
        return [workbook[sheet].cell(row=r1, column=c).value for c in range(c1, c2 + 1)]
    finally:
        workbook.close()


def assert_table_matches_headers(path: Path, name: str, ref: str, sheet: str = "Tracker") -> None:
    facts = table_facts(path, sheet)[name]
    assert facts[0] == ref
    assert facts[1] == header_texts(path, sheet, ref)


# --- through the real CLI ----------------------------------------------------------------


def test_cli_widens_a_table_with_an_autofilter(tmp_path: Path) -> None:
    path = tracker_with_table(tmp_path / "tracker.xlsx")
    before = tmp_path / "before.xlsx"
    before.write_bytes(path.read_bytes())
    run_cli(path)

    assert_table_matches_headers(path, "Applications", "A1:J4")
    # Rows are due, so the run also adds the Draft column.
    assert table_facts(path)["Applications"][1][-3:] == [*NEW_HEADERS, "Draft"]
    assert table_facts(path)["Applications"][2] == "A1:J4"
    changed = {"xl/worksheets/sheet1.xml", "xl/styles.xml", TABLE_PART}
    assert_package_kept(before, path, changed | {"xl/worksheets/_rels/sheet1.xml.rels"})
    old, new = member_bytes(before)[TABLE_PART], member_bytes(path)[TABLE_PART]
    assert new == (
        old.replace(b'ref="A1:G4"', b'ref="A1:J4"')
        .replace(b'count="7"', b'count="10"')
        .replace(
            b"</tableColumns>",
            b'<tableColumn id="8" name="Follow-up status"/>'
            b'<tableColumn id="9" name="Next follow-up"/>'
            b'<tableColumn id="10" name="Draft"/></tableColumns>',
        )
    )


def test_cli_widens_a_table_without_an_autofilter(tmp_path: Path) -> None:
    path = tracker_with_table(tmp_path / "tracker.xlsx")
    rewrite_member(path, TABLE_PART, lambda xml: re.sub(rb"<autoFilter[^>]*/>", b"", xml))
    run_cli(path)
    assert_table_matches_headers(path, "Applications", "A1:J4")
    assert table_facts(path)["Applications"][2] is None
    assert b"autoFilter" not in member_bytes(path)[TABLE_PART]


def test_cli_widens_a_table_with_a_totals_row(tmp_path: Path) -> None:
    path = tracker_with_table(tmp_path / "tracker.xlsx", totals=True)
    old = member_bytes(path)[TABLE_PART]
    run_cli(path)
    assert_table_matches_headers(path, "Applications", "A1:J5")
    xml = member_bytes(path)[TABLE_PART]
    # the filter stops above the totals row (openpyxl writes "/>" or " />" with or without lxml)
    assert re.search(rb'<autoFilter ref="A1:J4"\s*/>', xml)
    assert b'totalsRowCount="1"' in xml
    # The existing columns, with whatever totals settings openpyxl gave them, are kept as they were.
    for column in re.findall(rb"<tableColumn\b[^>]*>", old):
        assert column in xml


def test_second_run_changes_the_table_no_more(tmp_path: Path) -> None:
    path = tracker_with_table(tmp_path / "tracker.xlsx")
    run_cli(path)
    once = member_bytes(path)[TABLE_PART]
    run_cli(path)
    assert member_bytes(path)[TABLE_PART] == once
    assert_table_matches_headers(path, "Applications", "A1:J4")


def test_a_note_in_the_way_keeps_the_table_as_it_was(tmp_path: Path) -> None:
    def note_below(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        # Row 4 of the table (a contact row the tool writes) is fine; a note in the totals
        # area would not be: put the table one row taller, with the note in that last row.
        sheet.tables["Applications"].ref = "A1:G5"
        sheet.tables["Applications"].autoFilter = AutoFilter(ref="A1:G5")
        sheet["I5"] = "my own note"

    path = tracker_with_table(tmp_path / "tracker.xlsx", extra=note_below)
    before = member_bytes(path)[TABLE_PART]
    run_cli(path)
    assert member_bytes(path)[TABLE_PART] == before
    assert header_texts(path, "Tracker", "H1:I1") == NEW_HEADERS  # written beside the table


# --- edit_package on hand-made shapes ------------------------------------------------------


def header_edits(row: int, first_column: int, data_rows: range) -> list[CellEdit]:
    edits = [
        CellEdit(row, first_column + i, text, joins_table=True)
        for i, text in enumerate(NEW_HEADERS)
    ]
    for data_row in data_rows:
        edits.append(CellEdit(data_row, first_column, "Waiting"))
        edits.append(CellEdit(data_row, first_column + 1, dt.date(2026, 12, 1)))
    return edits


def package_with_tables(
    tmp_path: Path,
    sheet_data: str,
    tables: list[str],
    *,
    after: str = "",
) -> Path:
    """A one-sheet package whose sheet relates to the given table parts."""
    parts = "".join(f'<tablePart r:id="rT{i}"/>' for i in range(len(tables)))
    table_parts = f"<tableParts count='{len(tables)}'>{parts}</tableParts>"
    path = build_package(
        tmp_path / "book.xlsx", worksheet_xml(sheet_data, after=after + table_parts)
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rT{i}" Target="../tables/table{i + 1}.xml" Type='
            '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"/>'
            for i in range(len(tables))
        )
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/worksheets/_rels/sheet1.xml.rels", rels)
        for i, table in enumerate(tables):
            archive.writestr(f"xl/tables/table{i + 1}.xml", table)
    return path


def inline_row(number: int, texts: list[str], first_column: int = 1) -> str:
    cells = "".join(
        f'<c r="{column_letters(first_column + i)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
        for i, text in enumerate(texts)
    )
    return f'<row r="{number}">{cells}</row>'


def simple_table(ref: str, names: list[str], *, prefix: str = "", extra: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    columns = "".join(
        f'<{p}tableColumn id="{i + 1}" name="{name}"/>' for i, name in enumerate(names)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}table {ns} id="1" '
        f'name="T1" displayName="T1" ref="{ref}"{extra}><{p}autoFilter ref="{ref}"/>'
        f'<{p}tableColumns count="{len(names)}">{columns}</{p}tableColumns></{p}table>'
    )


THREE_ROWS = inline_row(1, ["A", "B"]) + inline_row(2, ["a", "b"]) + inline_row(3, ["c", "d"])


def test_prefixed_table_part_gets_prefixed_columns(tmp_path: Path) -> None:
    path = package_with_tables(
        tmp_path, THREE_ROWS, [simple_table("A1:B3", ["A", "B"], prefix="x")]
    )
    result = edit_package(path, "Tracker", header_edits(1, 3, range(2, 4)))
    out = write_result(tmp_path / "out.xlsx", result.data)
    xml = member_bytes(out)[TABLE_PART]
    assert b'<x:tableColumn id="3" name="Follow-up status"/>' in xml
    assert b'<x:tableColumn id="4" name="Next follow-up"/></x:tableColumns>' in xml
    assert b'ref="A1:D3"><x:autoFilter ref="A1:D3"/><x:tableColumns count="4">' in xml
    assert_table_matches_headers(out, "T1", "A1:D3")


def test_sort_state_spanning_the_table_is_widened(tmp_path: Path) -> None:
    table = simple_table("A1:B3", ["A", "B"]).replace(
        '<autoFilter ref="A1:B3"/>',
        '<autoFilter ref="A1:B3"><sortState ref="A2:B3"><sortCondition ref="B2:B3"/>'
        "</sortState></autoFilter>",
    )
    path = package_with_tables(tmp_path, THREE_ROWS, [table])
    result = edit_package(path, "Tracker", header_edits(1, 3, range(2, 4)))
    xml = member_bytes(write_result(tmp_path / "out.xlsx", result.data))[TABLE_PART]
    assert b'<sortState ref="A2:D3"><sortCondition ref="B2:B3"/>' in xml


@pytest.mark.parametrize(
    ("case", "sheet_data", "tables", "after"),
    [
        (
            "a value in the new columns",
            THREE_ROWS + inline_row(4, ["x"], 3),
            [simple_table("A1:B4", ["A", "B"])],
            "",
        ),
        ("a merged range", THREE_ROWS, [simple_table("A1:B3", ["A", "B"])], ""),
        (
            "another table",
            THREE_ROWS,
            [
                simple_table("A1:B3", ["A", "B"]),
                simple_table("D3:E4", ["P", "Q"]).replace('id="1"', 'id="2"'),
            ],
            "",
        ),
        (
            "a column name taken",
            THREE_ROWS,
            [simple_table("A1:B3", ["A", "FOLLOW-UP STATUS"])],
            "",
        ),
        ("a header row above ours", THREE_ROWS, [simple_table("A2:B3", ["a", "b"])], ""),
        (
            "no header row",
            THREE_ROWS,
            [simple_table("A1:B3", ["A", "B"], extra=' headerRowCount="0"')],
            "",
        ),
        (
            "a query table",
            THREE_ROWS,
            [simple_table("A1:B3", ["A", "B"], extra=' tableType="queryTable"')],
            "",
        ),
        ("a gap before our columns", THREE_ROWS, [simple_table("A1:A3", ["A"])], ""),
    ],
)
def test_table_left_alone(
    tmp_path: Path, case: str, sheet_data: str, tables: list[str], after: str
) -> None:
    if case == "a merged range":
        after = '<mergeCells count="1"><mergeCell ref="D2:E2"/></mergeCells>'
    path = package_with_tables(tmp_path, sheet_data, tables, after=after)
    edits = header_edits(1, 3, range(2, 4))
    if case == "a merged range":
        edits = [e for e in edits if (e.row, e.column) != (2, 4)]
    result = edit_package(path, "Tracker", edits)
    out = write_result(tmp_path / "out.xlsx", result.data)
    assert result.skipped == ()
    for name, data in member_bytes(path).items():
        if name.startswith("xl/tables/"):
            assert member_bytes(out)[name] == data, f"{case}: {name} changed"


def test_table_on_another_sheet_is_untouched(tmp_path: Path) -> None:
    def other_sheet_table(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        other = sheet.parent.create_sheet("Lists")
        other.append(["Company", "Contact", "Position", "Email", "Interview date", "Stage"])
        other.append(["x", "y", "z", "w", "v", "u"])
        other.add_table(Table(displayName="Lists", ref="A1:F2"))

    path = tracker_with_table(tmp_path / "tracker.xlsx", extra=other_sheet_table)
    lists_part = next(
        n
        for n in member_bytes(path)
        if n.startswith("xl/tables/") and b'"Lists"' in member_bytes(path)[n]
    )
    before = member_bytes(path)[lists_part]
    run_cli(path)
    assert member_bytes(path)[lists_part] == before
    assert_table_matches_headers(path, "Applications", "A1:J4")


def test_header_text_needing_escapes_matches_its_cell(tmp_path: Path) -> None:
    path = package_with_tables(tmp_path, THREE_ROWS, [simple_table("A1:B3", ["A", "B"])])
    texts = ["Status & <next>", 'Line\nbreak "quoted" it\'s _x0041_']
    edits = [CellEdit(1, 3 + i, t, joins_table=True) for i, t in enumerate(texts)]
    out = write_result(tmp_path / "out.xlsx", edit_package(path, "Tracker", edits).data)
    xml = member_bytes(out)[TABLE_PART]
    assert b'name="Status &amp; &lt;next&gt;"' in xml
    assert b'name="Line_x000a_break &quot;quoted&quot; it\'s _x005F_x0041_"' in xml
    assert table_facts(out)["T1"][0] == "A1:D3"
    # openpyxl does not undo the _x005F_ escape; calamine, like Excel, does.
    assert calamine_rows(out, "Tracker")[0][2:4] == texts


# --- corpus workbooks with tables ----------------------------------------------------------

CORPUS_TABLES = [
    "xw__table01.xlsx",
    "xw__table10.xlsx",
    "php__TableFormat.xlsx",
    "php__data_with_tables.xlsx",
    "poi__StructuredRefs-lots-with-lookups.xlsx",
    "closedxml__TemplateWithTableSourcePivotTables.xlsx",
]


def corpus_tables(path: Path) -> dict[str, list[tuple[str, ET.Element]]]:
    """Sheet name -> (table member, parsed table part), read with zipfile and ElementTree.

    openpyxl takes minutes on the larger corpus files, so the corpus checks read the parts
    directly; calamine gives the cell values.
    """
    members = member_bytes(path)
    found: dict[str, list[tuple[str, ET.Element]]] = {}
    for info in read_workbook_info(path).sheets:
        folder, base = posixpath.split(info.part)
        rels = members.get(posixpath.join(folder, "_rels", base + ".rels"))
        if rels is None:
            continue
        for rel in ET.fromstring(rels):
            if rel.get("Type", "").endswith("/table"):
                member = posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
                found.setdefault(info.name, []).append((member, ET.fromstring(members[member])))
    return found


def _corpus_cases() -> list[tuple[str, str, str]]:
    return [
        (name, sheet, member)
        for name in CORPUS_TABLES
        if (CORPUS / name).exists()
        for sheet, tables in corpus_tables(CORPUS / name).items()
        for member, _ in tables
    ]


def _table(path: Path, sheet: str, member: str) -> ET.Element:
    return dict(corpus_tables(path)[sheet])[member]


def _column_names(table: ET.Element) -> list[str]:
    return [c.get("name", "") for c in table.iter(f"{{{MAIN_NS}}}tableColumn")]


def _should_widen(path: Path, sheet: str, member: str, ours: set[tuple[int, int]]) -> bool:
    """Independently of the tool: is the two-column strip right of the table free?"""
    table = _table(path, sheet, member)
    if table.get("tableType", "worksheet") != "worksheet" or table.get("headerRowCount") == "0":
        return False
    r1, _, r2, c2 = parse_range(table.get("ref", "")) or (0, 0, 0, 0)
    strip = (r1, c2 + 1, r2, c2 + 2)

    def overlaps(b: tuple[int, int, int, int] | None) -> bool:
        return (
            b is not None
            and b[0] <= strip[2]
            and strip[0] <= b[2]
            and b[1] <= strip[3]
            and strip[1] <= b[3]
        )

    for other_member, other in corpus_tables(path)[sheet]:
        if other_member != member and overlaps(parse_range(other.get("ref", ""))):
            return False
    part = next(s.part for s in read_workbook_info(path).sheets if s.name == sheet)
    merged = re.findall(rb'<(?:\w+:)?mergeCell\s+ref="([^"]+)"', member_bytes(path)[part])
    if any(overlaps(parse_range(m.decode())) for m in merged):
        return False
    rows = calamine_rows(path, sheet)
    return all(
        (r, c) in ours or r > len(rows) or c > len(rows[r - 1]) or rows[r - 1][c - 1] == ""
        for r in range(r1, r2 + 1)
        for c in range(c2 + 1, c2 + 3)
    )


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "sheet", "member"),
    _corpus_cases() or [pytest.param("", "", "", marks=pytest.mark.skip("no corpus"))],
)
def test_corpus_table_gains_the_new_columns(
    tmp_path: Path, name: str, sheet: str, member: str
) -> None:
    """Tracker headers put right of each corpus table's header row, with a few statuses."""
    source = CORPUS / name
    copy = tmp_path / name
    copy.write_bytes(source.read_bytes())
    ref = _table(source, sheet, member).get("ref", "")
    r1, c1, r2, c2 = parse_range(ref) or (0, 0, 0, 0)
    edits = header_edits(r1, c2 + 1, range(r1 + 1, min(r2, r1 + 20) + 1))
    widen = _should_widen(source, sheet, member, {(e.row, e.column) for e in edits})

    result = edit_package(copy, sheet, edits)
    assert result.skipped == ()
    out = write_result(tmp_path / ("out-" + name), result.data)
    old_members, new_members = member_bytes(source), member_bytes(out)
    changed_tables = {
        m
        for m, data in old_members.items()
        if m.startswith("xl/tables/") and new_members[m] != data
    }
    assert changed_tables == ({member} if widen else set())
    table = _table(out, sheet, member)
    if not widen:
        assert table.get("ref") == ref
        return
    new_ref = f"{column_letters(c1)}{r1}:{column_letters(c2 + 2)}{r2}"
    assert table.get("ref") == new_ref
    names = _column_names(table)
    assert names[-2:] == NEW_HEADERS
    assert calamine_rows(out, sheet)[r1 - 1][c1 - 1 : c2 + 2] == names
    assert len(names) == int(table.find(f"{{{MAIN_NS}}}tableColumns").get("count", "0"))
    ids = [int(c.get("id", "0")) for c in table.iter(f"{{{MAIN_NS}}}tableColumn")]
    assert len(set(ids)) == len(ids)
    auto_filter = table.find(f"{{{MAIN_NS}}}autoFilter")
    if auto_filter is not None:
        assert (parse_range(auto_filter.get("ref", "")) or (0,) * 4)[3] == c2 + 2
    assert copy.read_bytes() == source.read_bytes()
