"""Cell hyperlinks in the lossless writer: added, kept, retargeted and removed by splicing."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sheet_followup.xlsx.edit import CellEdit, edit_package
from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.hyperlinks import SheetHyperlinks
from sheet_followup.xlsx.relationships import RelationshipsEditor, with_rels_content_type
from tests.xlsx_helpers import (
    MAIN_NS,
    REL_NS,
    assert_package_kept,
    build_package,
    calamine_cell,
    member_bytes,
    worksheet_xml,
    write_result,
)

SHEET = "xl/worksheets/sheet1.xml"
SHEET_RELS = "xl/worksheets/_rels/sheet1.xml.rels"
HYPERLINK = f"{REL_NS}/hyperlink"
ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Company</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Draft</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>Acme</t></is></c></row>'
    '<row r="3"><c r="A3" t="inlineStr"><is><t>Brightwater</t></is></c></row>'
)
MARGINS = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'


def with_sheet_rels(path: Path, rels: str, *, rels_default: bool = True) -> Path:
    """Add the sheet's .rels part to a built package (and drop the rels Default if asked)."""
    members = member_bytes(path)
    members[SHEET_RELS] = rels.encode()
    if not rels_default:
        members["[Content_Types].xml"] = re.sub(
            rb'<Default Extension="rels"[^>]*/>', b"", members["[Content_Types].xml"]
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def relationships(*items: tuple[str, str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="{rid}" Type="{HYPERLINK}" Target="{target}" TargetMode="External"/>'
            for rid, target in items
        )
        + "</Relationships>"
    )


def links(path: Path) -> dict[str, str | None]:
    workbook = openpyxl.load_workbook(path)
    try:
        sheet = workbook["Tracker"]
        return {
            cell.coordinate: cell.hyperlink.target
            for row in sheet.iter_rows()
            for cell in row
            if cell.hyperlink is not None
        }
    finally:
        workbook.close()


def edit(path: Path, *edits: CellEdit, name: str = "out.xlsx") -> Path:
    result = edit_package(path, "Tracker", list(edits))
    return write_result(path.with_name(name), result.data)


def test_new_link_adds_section_rels_part_and_nothing_else(tmp_path: Path) -> None:
    # No sheet rels part, no r namespace on the root, a pageMargins the section must precede.
    xml = worksheet_xml(ROWS, after=MARGINS).replace(f' xmlns:r="{REL_NS}"', "")
    path = build_package(tmp_path / "t.xlsx", xml)
    out = edit(path, CellEdit(2, 2, "acme.md", hyperlink="drafts/2026-11-23/acme.md"))

    assert links(out) == {"B2": "drafts/2026-11-23/acme.md"}
    assert calamine_cell(out, "Tracker", 2, 2) == "acme.md"
    sheet = member_bytes(out)[SHEET].decode()
    assert f'xmlns:r="{REL_NS}"' in sheet
    assert '</sheetData><hyperlinks><hyperlink ref="B2" r:id="rId1"/></hyperlinks><pageMargins' in (
        sheet
    )
    rels = member_bytes(out)[SHEET_RELS].decode()
    assert 'Target="drafts/2026-11-23/acme.md" TargetMode="External"' in rels
    assert_package_kept(path, out, {SHEET, "xl/styles.xml"})  # the styles: the link's look
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist()[-1] == SHEET_RELS


def link_look(path: Path, ref: str) -> tuple[str | None, str | None, bool, str]:
    """What a reader sees of a cell's font: underline, colour, bold, and its number format."""
    workbook = openpyxl.load_workbook(path)
    try:
        cell = workbook["Tracker"][ref]
        colour = cell.font.color.rgb if cell.font.color is not None else None
        return cell.font.u, colour, bool(cell.font.b), cell.number_format
    finally:
        workbook.close()


def test_a_new_link_cell_looks_like_a_link_in_its_row_s_own_style(tmp_path: Path) -> None:
    # Row 3 is bold (style 1) and its cells are new: the links there stay bold, and underlined in
    # the link blue; the same look is made once, one font and one cell format for both rows.
    rows = ROWS.replace('<row r="3">', '<row r="3" s="1" customFormat="1">')
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(rows))
    out = edit(
        path,
        CellEdit(2, 2, "acme.md", hyperlink="drafts/acme.md"),
        CellEdit(2, 3, "not a link"),
        CellEdit(3, 2, "brightwater.md", hyperlink="drafts/brightwater.md"),
        CellEdit(3, 3, "bold, not a link"),
    )
    assert link_look(out, "B2") == ("single", "FF0563C1", False, "General")
    assert link_look(out, "B3") == ("single", "FF0563C1", True, "General")
    assert link_look(out, "C2")[:2] == (None, None) and link_look(out, "C3")[2]
    styles = member_bytes(out)["xl/styles.xml"].decode()
    assert '<fonts count="4">' in styles and '<cellXfs count="6">' in styles
    # The user's fonts and cell formats are as they were, in place; two of each are appended.
    before = member_bytes(path)["xl/styles.xml"].decode()
    assert styles.split("<fonts")[0] == before.split("<fonts")[0]
    assert before.split('<fonts count="2">')[1].split("</fonts>")[0] in styles
    assert before.split('<cellXfs count="4">')[1].split("</cellXfs>")[0] in styles


def test_a_link_into_a_cell_that_exists_keeps_the_cell_s_style(tmp_path: Path) -> None:
    rows = ROWS.replace(
        '<c r="A2" t="inlineStr"><is><t>Acme</t></is></c>',
        '<c r="A2" t="inlineStr"><is><t>Acme</t></is></c><c r="B2" s="1"/>',
    )
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(rows))
    out = edit(path, CellEdit(2, 2, "acme.md", hyperlink="drafts/acme.md"))
    assert link_look(out, "B2") == (None, None, True, "General")  # the user's bold, kept
    assert member_bytes(out)["xl/styles.xml"] == member_bytes(path)["xl/styles.xml"]


def test_a_rerun_writes_a_new_link_in_the_look_it_gave_before(tmp_path: Path) -> None:
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS))
    first = edit(path, CellEdit(2, 2, "acme.md", hyperlink="drafts/acme.md"))
    second = edit(
        first,
        CellEdit(2, 2, "acme-2.md", hyperlink="drafts/acme-2.md"),
        CellEdit(3, 2, "brightwater.md", hyperlink="drafts/brightwater.md"),
        name="second.xlsx",
    )
    assert link_look(second, "B2") == link_look(second, "B3") == link_look(first, "B2")
    # No second copy of the look: the font and the cell format made the first time are reused.
    assert member_bytes(second)["xl/styles.xml"] == member_bytes(first)["xl/styles.xml"]


def test_same_link_again_is_a_no_op(tmp_path: Path) -> None:
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS))
    wanted = CellEdit(2, 2, "acme.md", hyperlink="drafts/2026-11-23/acme.md")
    out = edit(path, wanted)
    again = edit_package(out, "Tracker", [wanted])
    assert again.data is None
    assert again.changed_cells == 0


def test_changed_link_retargets_its_relationship(tmp_path: Path) -> None:
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS))
    first = edit(
        path, CellEdit(2, 2, "acme.md", hyperlink="drafts/2026-11-23/acme.md"), name="1.xlsx"
    )
    second = edit(
        first, CellEdit(2, 2, "acme.md", hyperlink="drafts/2026-11-30/acme.md"), name="2.xlsx"
    )
    assert links(second) == {"B2": "drafts/2026-11-30/acme.md"}
    # Only the relationship's Target changed: the sheet is byte-identical, no orphan left.
    assert member_bytes(second)[SHEET] == member_bytes(first)[SHEET]
    rels = member_bytes(second)[SHEET_RELS].decode()
    assert rels.count("<Relationship ") == 1
    result = edit_package(first, "Tracker", [CellEdit(2, 2, "acme.md", hyperlink="x.md")])
    assert result.changed_cells == 1


def test_clearing_the_cell_removes_its_link_and_relationship(tmp_path: Path) -> None:
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS, after=MARGINS))
    linked = edit(
        path,
        CellEdit(2, 2, "acme.md", hyperlink="a.md"),
        CellEdit(3, 2, "bw.md", hyperlink="b.md"),
        name="1.xlsx",
    )
    one_left = edit(linked, CellEdit(2, 2, None), name="2.xlsx")
    assert links(one_left) == {"B3": "b.md"}
    assert "a.md" not in member_bytes(one_left)[SHEET_RELS].decode()
    none_left = edit(one_left, CellEdit(3, 2, None), name="3.xlsx")
    assert links(none_left) == {}
    assert b"hyperlinks" not in member_bytes(none_left)[SHEET]  # an empty section is invalid


def test_users_links_are_kept_byte_for_byte(tmp_path: Path) -> None:
    # Excel's way: one relationship per link, plus a location link and a range link.
    user_links = (
        '<hyperlinks><hyperlink ref="A2" r:id="rId1" display="Acme" xr:uid="{X}"/>'
        '<hyperlink ref="A3" location="Sheet2!A1"/>'
        '<hyperlink ref="D1:E9" r:id="rId2"/></hyperlinks>'
    )
    xml = worksheet_xml(ROWS, after=user_links + MARGINS).replace(
        "<worksheet ", '<worksheet xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    )  # fmt: skip
    path = build_package(tmp_path / "t.xlsx", xml)
    with_sheet_rels(
        path, relationships(("rId1", "https://acme.example/"), ("rId2", "https://d.example/"))
    )
    out = edit(path, CellEdit(2, 2, "acme.md", hyperlink="drafts/acme.md"))

    sheet = member_bytes(out)[SHEET].decode()
    assert user_links.replace("</hyperlinks>", "") in sheet  # kept exactly, ours appended
    assert '<hyperlink ref="B2" r:id="rId3"/></hyperlinks>' in sheet
    rels = member_bytes(out)[SHEET_RELS].decode()
    assert (
        relationships(("rId1", "https://acme.example/"), ("rId2", "https://d.example/")).split(
            "</Relationships>"
        )[0]
        in rels
    )
    found = links(out)
    assert found["A2"] == "https://acme.example/"
    assert found["B2"] == "drafts/acme.md"
    assert_package_kept(path, out, {SHEET, SHEET_RELS, "xl/styles.xml"})  # styles: our link look


def test_a_users_range_link_over_the_cell_is_left_alone(tmp_path: Path) -> None:
    xml = worksheet_xml(ROWS, after='<hyperlinks><hyperlink ref="B2:B9" r:id="rId1"/></hyperlinks>')
    path = build_package(tmp_path / "t.xlsx", xml)
    with_sheet_rels(path, relationships(("rId1", "https://acme.example/")))
    result = edit_package(path, "Tracker", [CellEdit(2, 2, "acme.md", hyperlink="acme.md")])
    out = write_result(tmp_path / "out.xlsx", result.data)
    assert member_bytes(out)[SHEET_RELS] == member_bytes(path)[SHEET_RELS]
    assert calamine_cell(out, "Tracker", 2, 2) == "acme.md"  # the text is still written
    assert [s.reason for s in result.skipped] == [
        "is inside your hyperlink over B2:B9, so its own link to acme.md was not added"
    ]


def test_prefixed_namespace_and_a_replaced_location_link(tmp_path: Path) -> None:
    xml = worksheet_xml(
        ROWS.replace("<", "<x:").replace("<x:/", "</x:"),
        prefix="x",
        after='<x:hyperlinks><x:hyperlink ref="B2" location="Sheet2!A1"/></x:hyperlinks>',
    )
    path = build_package(tmp_path / "t.xlsx", xml)
    out = edit(path, CellEdit(2, 2, "acme.md", hyperlink="drafts/acme.md"))
    sheet = member_bytes(out)[SHEET].decode()
    assert '<x:hyperlinks><x:hyperlink ref="B2" r:id="rId1"/></x:hyperlinks>' in sheet
    assert links(out) == {"B2": "drafts/acme.md"}


def test_no_rels_default_gets_one(tmp_path: Path) -> None:
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS))
    with_sheet_rels(path, relationships(), rels_default=False)
    members = member_bytes(path)
    del members[SHEET_RELS]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out = edit(path, CellEdit(2, 2, "acme.md", hyperlink="acme.md"))
    assert b'<Default Extension="rels"' in member_bytes(out)["[Content_Types].xml"]
    assert links(out) == {"B2": "acme.md"}
    assert with_rels_content_type(member_bytes(out)["[Content_Types].xml"]) is None


def test_section_goes_before_later_children_and_after_earlier_ones(tmp_path: Path) -> None:
    before = '<conditionalFormatting sqref="A1"><cfRule type="expression" priority="1"><formula>1</formula></cfRule></conditionalFormatting>'
    before += '<dataValidations count="1"><dataValidation sqref="A2"/></dataValidations>'
    after = MARGINS + '<drawing r:id="rId9"/><extLst><ext uri="{X}"><hyperlinks/></ext></extLst>'
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS, after=before + after))
    with_sheet_rels(path, relationships())
    out = edit(path, CellEdit(2, 2, "acme.md", hyperlink="acme.md"))
    sheet = member_bytes(out)[SHEET].decode()
    assert "</dataValidations><hyperlinks>" in sheet
    assert "</hyperlinks><pageMargins" in sheet


@pytest.mark.parametrize(
    ("target", "escaped"),
    [
        ("a&b.md", "a&amp;b.md"),
        ('x"y.md', "x&quot;y.md"),
        ("d%C3%A9j%C3%A0.md", "d%C3%A9j%C3%A0.md"),
    ],
)
def test_targets_are_escaped_for_xml(tmp_path: Path, target: str, escaped: str) -> None:
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS))
    out = edit(path, CellEdit(2, 2, "n", hyperlink=target))
    assert f'Target="{escaped}"'.encode() in member_bytes(out)[SHEET_RELS]
    assert links(out) == {"B2": target}
    assert edit_package(out, "Tracker", [CellEdit(2, 2, "n", hyperlink=target)]).data is None


def test_shared_relationship_is_not_retargeted(tmp_path: Path) -> None:
    shared = '<hyperlinks><hyperlink ref="A2" r:id="rId1"/><hyperlink ref="B2" r:id="rId1"/></hyperlinks>'
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS, after=shared))
    with_sheet_rels(path, relationships(("rId1", "https://acme.example/")))
    out = edit(path, CellEdit(2, 2, "acme.md", hyperlink="acme.md"))
    assert links(out) == {"A2": "https://acme.example/", "B2": "acme.md"}


def test_relationships_editor_keeps_other_bytes() -> None:
    original = relationships(("rId1", "a"), ("rId2", "b")).encode()
    editor = RelationshipsEditor(original)
    assert not editor.changed
    editor.retarget("rId2", "c")
    new_id = editor.add(HYPERLINK, "d", external=True)
    assert new_id == "rId3"
    out = editor.to_bytes()
    assert out == original.replace(b'Target="b"', b'Target="c"').replace(
        b"</Relationships>",
        f'<Relationship Id="rId3" Type="{HYPERLINK}" Target="d" TargetMode="External"/>'
        "</Relationships>".encode(),
    )
    assert MAIN_NS not in out.decode()


def test_a_link_that_would_not_read_back_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS))
    before = path.read_bytes()
    # A bug that loses the relationship: the sheet would point at an rId that does not exist.
    monkeypatch.setattr(RelationshipsEditor, "to_bytes", lambda self: self.data)
    with pytest.raises(XlsxError, match="did not read back as intended"):
        edit_package(path, "Tracker", [CellEdit(2, 2, "acme.md", hyperlink="acme.md")])
    assert path.read_bytes() == before


def test_a_cell_that_would_get_two_links_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = build_package(tmp_path / "t.xlsx", worksheet_xml(ROWS))
    before = path.read_bytes()
    real = SheetHyperlinks.sheet_splices

    def doubled(self: SheetHyperlinks) -> list[tuple[int, int, bytes]]:
        # A bug that writes the cell's new <hyperlink> twice, which Excel calls corrupt.
        return [
            (
                start,
                end,
                xml.replace(
                    b"</hyperlinks>",
                    xml[xml.index(b"<hyperlink ") : xml.index(b"</hyperlinks>")] + b"</hyperlinks>",
                ),
            )
            for start, end, xml in real(self)
        ]

    monkeypatch.setattr(SheetHyperlinks, "sheet_splices", doubled)
    with pytest.raises(XlsxError, match=r"Tracker!B2 has 2 hyperlinks, expected one"):
        edit_package(
            path,
            "Tracker",
            [
                CellEdit(2, 2, "acme.md", hyperlink="acme.md"),
                CellEdit(3, 2, "b.md", hyperlink="b.md"),
            ],
        )
    assert path.read_bytes() == before


def test_many_links_in_any_order_give_the_same_file(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Co {r}</t></is></c></row>'
        for r in range(2, 60)
    )
    path = build_package(
        tmp_path / "t.xlsx", worksheet_xml(ROWS[: ROWS.index('<row r="2">')] + rows)
    )
    edits = [CellEdit(r, 2, f"d{r}.md", hyperlink=f"d{r}.md") for r in range(2, 60)]
    first = edit(path, *edits, name="first.xlsx")
    assert edit_package(path, "Tracker", edits[::-1]).data == first.read_bytes()
    assert links(first) == {f"B{r}": f"d{r}.md" for r in range(2, 60)}
    # A week later every link moves: each relationship is retargeted, none is added.
    moved = [CellEdit(r, 2, f"e{r}.md", hyperlink=f"e{r}.md") for r in range(2, 60)]
    second = edit(first, *moved, name="second.xlsx")
    assert links(second) == {f"B{r}": f"e{r}.md" for r in range(2, 60)}
    rels = member_bytes(second)[SHEET_RELS]
    assert rels.count(b"<Relationship ") == 58
