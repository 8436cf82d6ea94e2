"""Reading real-looking trackers: aliases, title rows, mixed dates, a user's own Status column."""

import datetime as dt
import re
from pathlib import Path

import pytest

from sheet_followup.dates import DateOrder
from sheet_followup.errors import NotATrackerError, UsageError, WorkbookError
from sheet_followup.reading import find_tracker_sheet, read_tracker
from sheet_followup.workbook_file import open_workbook
from tests.conftest import MakeWorkbook

TODAY = dt.date(2026, 11, 23)
ALIASED = [
    "Employer",
    "Interviewer",
    "Role",
    "E-mail",
    "Date interviewed",
    "Status",
    "Last contacted",
    "Notes",
]


def read(path: Path, sheet: str | None = None, order: DateOrder = DateOrder.MDY):  # type: ignore[no-untyped-def]
    workbook = open_workbook(path)
    layout = find_tracker_sheet(workbook, sheet, today=TODAY)
    return read_tracker(workbook, layout, date_order=order, today=TODAY)


def test_aliases_title_rows_mixed_dates_and_a_blank_row(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [
            [
                "Acme",
                "Jane Doe",
                "Analyst",
                "jane@example.com",
                dt.date(2026, 11, 3),
                "Interviewing",
                dt.datetime(2026, 11, 9, 10, 0),
                "x",
            ],
            ["Acme", "Bob Stone", "Analyst", None, 46329, "", "9 Nov 2026", None],
            [None] * 8,
            ["Globex", "Ann Lee", "Lead", None, "11/3/2026", "Rejected", "2026-11-10", None],
            ["Initech", "Sam Roe", None, None, "next tues", None, None, None],
        ],
        header=ALIASED,
        title_rows=[["My job search"], ["updated weekly"], []],
    )
    tracker = read(path)
    assert tracker.sheet == "Tracker"
    assert tracker.columns.header_row == 4
    assert [c.row for c in tracker.contacts] == [5, 6, 8, 9]
    jane, bob, ann, sam = tracker.contacts
    assert (jane.company, jane.contact, jane.position, jane.email) == (
        "Acme",
        "Jane Doe",
        "Analyst",
        "jane@example.com",
    )
    assert jane.interview_date == dt.date(2026, 11, 3)
    assert jane.last_contact == dt.date(2026, 11, 9)
    assert jane.stage == "Interviewing"  # the user's own "Status" column is the stage
    assert bob.interview_date == dt.date(2026, 11, 3)  # an Excel serial
    assert bob.last_contact == dt.date(2026, 11, 9)  # text
    assert ann.interview_date == dt.date(2026, 11, 3)  # month first by default
    assert ann.stage == "Rejected"
    assert sam.interview_date is None
    assert sam.problems == (
        "Tracker!E9: 'next tues' is not a date; write it as a date like 2026-11-23",
    )


def test_date_order_reads_day_first(make_workbook: MakeWorkbook) -> None:
    path = make_workbook([["Acme", "Jane", None, None, "3/11/2026", None, None]])
    assert read(path, order=DateOrder.DMY).contacts[0].interview_date == dt.date(2026, 11, 3)
    assert read(path, order=DateOrder.MDY).contacts[0].interview_date == dt.date(2026, 3, 11)


def test_formula_dates_are_read_from_their_cached_value(tmp_path: Path) -> None:
    import zipfile

    # A sheet as Excel saves it: the formula and the value it last computed.
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Company</t></is></c><c r="B1" t="inlineStr"><is><t>Contact</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>Interview date</t></is></c><c r="D1" t="inlineStr"><is><t>Last contact</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Acme</t></is></c><c r="B2" t="inlineStr"><is><t>Jane</t></is></c>'
        '<c r="C2" s="1"><v>46329</v></c><c r="D2" s="1"><f>C2+6</f><v>46335</v></c></row>'
        "</sheetData></worksheet>"
    )
    path = tmp_path / "formula.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    [jane] = read(path).contacts
    assert jane.last_contact == dt.date(2026, 11, 9)


def test_the_first_sheet_that_is_a_tracker_is_used(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [["Overview of my search"]],
        header=["Dashboard"],
        sheet="Dashboard",
        sheets={
            "Job search": [["Company", "Contact", "Interview date"], ["Acme", "Jane", "2026-11-03"]]
        },
    )
    tracker = read(path)
    assert tracker.sheet == "Job search"
    assert tracker.contacts[0].cell("interview_date") == "Job search!C2"


def test_a_sheet_that_is_no_tracker_names_what_is_missing_the_header_row_and_adopt(
    make_workbook: MakeWorkbook,
) -> None:
    # One row per application, as job sites export it: no person to write to.
    path = make_workbook(
        [["Acme", "Analyst", "2026-11-01", "Applied"]],
        header=["Company", "Job Title", "Date Applied", "Status"],
        title_rows=[["My applications 2026"], []],
        sheets={"Notes": [["Things to remember"], ["call mum"]]},
    )
    with pytest.raises(NotATrackerError) as raised:
        read(path)
    message = str(raised.value)
    assert "is not a tracker yet" in message
    # The header row the tool judged, not the title above it.
    assert "its header row 3 ('Company', 'Job Title', 'Date Applied', 'Status')" in message
    assert "has no Contact (the person to write to" in message
    assert "Sheets looked at: 'Tracker', 'Notes'" in message
    assert "sheet-followup adopt" in message
    assert len(message) < 600  # a short message, not a list of every alias


def test_company_and_contact_without_interview_date_runs_as_no_interview_yet(
    make_workbook: MakeWorkbook,
) -> None:
    path = make_workbook([["Acme", "Jane"]], header=["Company", "Contact", "Notes"])
    tracker = read(path)
    assert [c.contact for c in tracker.contacts] == ["Jane"]
    assert tracker.contacts[0].interview_date is None
    assert any("no Interview date column" in w and "adopt" in w for w in tracker.warnings)


def test_two_columns_for_one_field_is_an_error_naming_both_cells(
    make_workbook: MakeWorkbook,
) -> None:
    path = make_workbook([], header=["Company", "Employer", "Contact", "Interview date"])
    with pytest.raises(NotATrackerError) as raised:
        read(path)
    assert str(raised.value) == (
        "Tracker!A1 'Company' and Tracker!B1 'Employer' both look like the Company column; "
        "rename one of them, or add `Column: Company = Company` to Settings"
    )


def test_an_unknown_sheet_is_a_usage_error_listing_the_sheets(make_workbook: MakeWorkbook) -> None:
    path = make_workbook([], sheets={"Settings": []})
    with pytest.raises(
        UsageError, match="has no sheet 'Nope'; its sheets are 'Tracker', 'Settings'"
    ):
        read(path, sheet="Nope")
    assert read(path, sheet="tracker").sheet == "Tracker"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"Company,Contact\nAcme,Jane\n", "not an Excel workbook (.xlsx)"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
            "an old-style .xls workbook; in Excel use File > Save As",
        ),
    ],
)
def test_files_that_are_not_workbooks_say_what_to_do(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(content)
    with pytest.raises(WorkbookError, match=re.escape(message)):
        open_workbook(path)


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Tracker" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def _rezip(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of a package with members replaced (bytes) or dropped (None)."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change.get(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


def test_a_truncated_workbook_says_it_is_incomplete(tmp_path: Path) -> None:
    from tests.conftest import pristine_sample

    data = pristine_sample().read_bytes()
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError, match=r"damaged or incomplete .*finish syncing"):
        open_workbook(path)


def test_an_ods_file_says_how_to_save_it_as_xlsx(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "tracker.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(WorkbookError, match=re.escape("File > Save As > Excel 2007-365 (.xlsx)")):
        open_workbook(path)


def test_an_xlsb_file_says_how_to_save_it_as_xlsx(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "tracker.xlsb"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\0")
    with pytest.raises(WorkbookError, match=re.escape("binary workbook (.xlsb)")):
        open_workbook(path)


def test_a_password_protected_workbook_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000
    path.write_bytes(ole + "EncryptedPackage".encode("utf-16-le") + b"\0" * 100)
    with pytest.raises(WorkbookError, match="the workbook is password-protected"):
        open_workbook(path)


@pytest.mark.parametrize(
    ("member", "content"),
    [
        ("xl/worksheets/sheet1.xml", None),
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row"),
    ],
)
def test_a_damaged_sheet_says_to_let_excel_repair_it(
    make_workbook: MakeWorkbook, tmp_path: Path, member: str, content: bytes | None
) -> None:
    source = make_workbook([["Acme", "Jane", None, None, "2026-11-20", None, None]])
    path = _rezip(source, tmp_path / "damaged.xlsx", {member: content})
    with pytest.raises(WorkbookError, match="let it repair the file"):
        read(path)


def test_paths_with_spaces_and_accents_work(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [["Acme", "Jane", None, None, "2026-11-20", None, None]],
        name="Mon suivi d'entretiens é.xlsx",
    )
    assert read(path).contacts[0].company == "Acme"


@pytest.mark.parametrize(
    ("first_column", "title_rows"),
    [(1, []), (3, []), (3, [[None, None, "My search"], []]), (1, [[], [], []])],
    ids=["from A1", "from column C", "title then column C", "blank rows then A"],
)
def test_a_tracker_that_does_not_start_at_a1_is_read_cell_for_cell(
    make_workbook: MakeWorkbook, first_column: int, title_rows: list[list[object]]
) -> None:
    # The reader streams the tracker's rows; they must land in the same columns and rows
    # wherever the sheet's data begins.
    pad = [None] * (first_column - 1)
    path = make_workbook(
        [
            [*pad, "Acme", "Jane Doe", dt.date(2026, 11, 3), "Interviewing"],
            [*pad, None, None, None, None],
            [*pad, "Globex", "Ann Lee", "next tues", None],
        ],
        header=[*pad, "Company", "Contact", "Interview date", "Stage"],
        title_rows=title_rows,
    )
    tracker = read(path)
    header_row = len(title_rows) + 1
    assert tracker.columns.header_row == header_row
    jane, ann = tracker.contacts
    assert (jane.row, jane.company, jane.contact) == (header_row + 1, "Acme", "Jane Doe")
    assert (jane.interview_date, jane.stage) == (dt.date(2026, 11, 3), "Interviewing")
    letter = "ABCDEFG"[first_column + 1]
    assert ann.row == header_row + 3
    assert ann.problems == (
        f"Tracker!{letter}{header_row + 3}: 'next tues' is not a date; write it as a date like "
        "2026-11-23",
    )


def test_a_columns_slashed_dates_are_read_in_the_order_its_clear_ones_show(
    make_workbook: MakeWorkbook,
) -> None:
    path = make_workbook(
        [
            ["Acme", "Jane", None, None, "03/11/2026", None, None],
            ["Acme", "Sam", None, None, "25/11/2026", None, None],  # only day first is a date
        ]
    )
    tracker = read(path, order=None)  # type: ignore[arg-type]
    assert [c.interview_date for c in tracker.contacts] == [
        dt.date(2026, 11, 3),
        dt.date(2026, 11, 25),
    ]
    assert tracker.warnings == ()
    # The Settings entry (or --date-order) still decides.
    forced = read(path, order=DateOrder.MDY)
    assert forced.contacts[0].interview_date == dt.date(2026, 3, 11)


def test_another_date_column_of_the_sheet_tells_the_order_too(make_workbook: MakeWorkbook) -> None:
    path = make_workbook([["Acme", "Jane", None, None, "03/11/2026", None, "20/11/2026"]])
    [jane] = read(path, order=None).contacts  # type: ignore[arg-type]
    assert jane.interview_date == dt.date(2026, 11, 3)
    assert jane.last_contact == dt.date(2026, 11, 20)


def test_an_order_that_had_to_be_guessed_is_warned(make_workbook: MakeWorkbook) -> None:
    path = make_workbook([["Acme", "Jane", None, None, "03/11/2026", None, None]])
    tracker = read(path, order=None)  # type: ignore[arg-type]
    assert tracker.contacts[0].interview_date == dt.date(2026, 3, 11)
    assert tracker.warnings == (
        "Tracker!E: dates like 03/04/2026 could be 3 April or 4 March; they are read month "
        "first; if you write the day first, add `Date order: DMY` to Settings",
    )


def test_several_interviewers_in_one_cell_are_several_contacts(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [
            [
                "Acme",
                "Jane Doe; Sam Lee",
                None,
                "sam.lee@acme.example, jane.doe@acme.example",
                "2026-11-20",
                None,
                None,
            ],
            ["Globex", "Doe, Jane", None, "jd@globex.example", "2026-11-20", None, None],
        ]
    )
    jane, sam, doe = read(path).contacts
    assert (jane.row, jane.contact, jane.slot, jane.slots) == (2, "Jane Doe", 0, 2)
    assert (sam.row, sam.contact, sam.slot, sam.slots) == (2, "Sam Lee", 1, 2)
    # Two addresses for two people, given in the other order: each gets the one with their name.
    assert (jane.email, sam.email) == ("jane.doe@acme.example", "sam.lee@acme.example")
    assert (doe.contact, doe.slots, doe.greet) == ("Jane Doe", 1, "Jane")


def test_a_contact_cell_with_more_than_a_name(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [
            ["Acme", "Linda Hayes, HR Director", None, None, "2026-11-20", None, None],
            ["Globex", "recruiter@globex.example", None, None, "2026-11-20", None, None],
        ]
    )
    linda, recruiter = read(path).contacts
    assert (linda.contact, linda.title, linda.greet) == ("Linda Hayes", "HR Director", "Linda")
    assert (recruiter.email, recruiter.greet) == ("recruiter@globex.example", "")


def test_placeholders_count_as_empty(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [
            ["Acme", "Jane", None, "n/a", "TBD", "N/A", "-"],
            ["N/A", "N/A", None, None, None, "N/A", None],  # a template's prefilled row
        ]
    )
    [jane] = read(path).contacts
    assert (jane.email, jane.interview_date, jane.stage, jane.last_contact) == ("", None, "", None)
    assert jane.problems == ()


def test_a_thank_you_sent_column_of_ticks_or_days(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [
            ["Acme", "Jane", "2026-11-02", "Yes"],
            ["Acme", "Sam", "2026-11-02", "2026-11-03"],
            ["Acme", "Kim", "2026-11-02", "No"],
        ],
        header=["Company", "Contact", "Interview date", "Thank you sent"],
    )
    jane, sam, kim = read(path).contacts
    assert (jane.thanked, jane.last_contact) == (True, None)
    assert (sam.thanked, sam.last_contact) == (True, dt.date(2026, 11, 3))
    assert kim.thanked is False


def test_the_latest_of_several_interview_and_note_columns_counts(
    make_workbook: MakeWorkbook,
) -> None:
    path = make_workbook(
        [["Acme", "Jane", "2026-10-20", "2026-11-03", "2026-10-21", "Thank-you email 11/04/2026"]],
        header=["Company", "Contact", "Phone screen", "Onsite", "Last contact", "Follow-up"],
    )
    [jane] = read(path).contacts
    assert jane.interview_date == dt.date(2026, 11, 3)
    assert jane.last_contact == dt.date(2026, 11, 4)  # logged in words in the Follow-up column


def test_the_sheet_whose_headers_match_best_is_the_tracker(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [["Acme", "Jane"]],
        header=["Company", "Contact"],  # the first sheet: a bare list of people
        sheets={
            "Interviews": [
                ["Company", "Interviewer", "Position", "Interview date", "Stage"],
                ["Acme", "Jane Doe", "Analyst", "2026-11-20", "Interviewing"],
            ]
        },
    )
    assert read(path).sheet == "Interviews"


def test_a_row_without_an_interviewer_is_written_to_its_other_person(
    make_workbook: MakeWorkbook,
) -> None:
    path = make_workbook(
        [
            ["Harrow & Vale", "Sophie Turner", "30/11/2026", "Mr D. Patel"],
            ["Millbrook Trust", "Nadia Ali", "12/11/2026", None],
        ],
        header=["Company", "Contact Name", "Interview Date", "Interview With"],
    )
    patel, nadia = read(path, order=None).contacts  # type: ignore[arg-type]
    assert (patel.contact, patel.greet) == ("Mr D. Patel", "Mr Patel")
    assert (nadia.contact, nadia.interview_date) == ("Nadia Ali", dt.date(2026, 11, 12))


def test_yes_no_columns_say_how_a_row_stands(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [
            ["Quillmark", "Nadia Rahman", "y", "False", "2026-11-02", "YES"],
            ["Halden", "Piotr Nowak", "n", "False", "2026-11-02", "NO"],
            ["Larkmoor", "Ann Bell", "y", "True", "2026-11-02", None],
        ],
        header=["Company", "poc_name", "active", "rejected", "Interview date", "Follow-up?"],
    )
    nadia, piotr, ann = read(path).contacts
    assert (nadia.stage, nadia.thanked) == ("", True)
    assert (piotr.stage, piotr.thanked) == ("Inactive", False)
    assert ann.stage == "rejected"


def test_dates_as_apps_export_them(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [["Acme", "Jane", 1794916800, 20261110]],  # Unix seconds, and a yyyymmdd number
        header=["Company", "Contact", "Interview date", "Last contact"],
    )
    [jane] = read(path).contacts
    assert (jane.interview_date, jane.last_contact) == (
        dt.date(2026, 11, 17),
        dt.date(2026, 11, 10),
    )


def test_a_date_without_a_year_is_a_cell_to_fix_that_says_so(make_workbook: MakeWorkbook) -> None:
    path = make_workbook([["Acme", "Jane", None, None, "24th September", None, None]])
    [jane] = read(path).contacts
    assert jane.problems == (
        "Tracker!E2: '24th September' is not a date; it has no year; write it with the year, "
        "like 2026-11-23",
    )


@pytest.mark.parametrize(("tick", "cross"), [("✓", "✗"), ("x", "✘"), ("oui", "non"), ("on", "off")])
def test_ticks_and_crosses_read_the_same_everywhere(
    make_workbook: MakeWorkbook, tick: str, cross: str
) -> None:
    """One yes/no vocabulary: the words that make a column a column of ticks are the words
    each cell is then read by (a cross read as "not a tick" used to count as nothing)."""
    path = make_workbook(
        [
            ["Acme", "Jane", "2026-11-02", tick],
            ["Acme", "Kim", "2026-11-02", cross],
            ["Acme", "Sam", "2026-11-02", tick],
            ["Acme", "Lee", "2026-11-02", cross],
        ],
        header=["Company", "Contact", "Interview date", "Thanked"],
    )
    jane, kim, sam, lee = read(path).contacts
    assert (jane.thanked, kim.thanked, sam.thanked, lee.thanked) == (True, False, True, False)
