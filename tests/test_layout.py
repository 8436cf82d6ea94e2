"""Which column holds each field, judged from a sheet's headers and what its cells hold."""

import datetime as dt
import difflib

import hypothesis
import hypothesis.strategies
import pytest

from sheet_followup import layout as layout_module
from sheet_followup.layout import is_blank, judge_layout

TODAY = dt.date(2026, 11, 23)


def layout(rows: list[list[object]], column_map: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return judge_layout("Tracker", rows, column_map, today=TODAY)


def test_the_header_row_is_found_under_a_title() -> None:
    judged = layout(
        [
            ["My job search 2026"],
            ["Updated every Monday", None],
            [],
            ["Company", "Interviewer", "Date of interview"],
            ["Acme", "Jane Doe", "2026-11-20"],
        ]
    )
    assert judged.header_row == 4
    assert judged.columns == {"company": 1, "contact": 2, "interview_date": 3}


def test_an_interview_column_of_yes_no_is_no_interview_date() -> None:
    judged = layout(
        [
            ["Company", "Contact", "Interview", "Status"],
            ["Acme", "Jane Doe", "Yes", "Applied"],
            ["Globex", "Sam Lee", "No", "Applied"],
        ]
    )
    assert "interview_date" not in judged.columns
    assert judged.notices == (
        "Tracker!C1 'Interview' looks like Interview date, but it holds no dates ('Yes', "
        "'No'), so it is not used as Interview date",
    )


def test_a_recruiter_column_of_ticks_is_no_person() -> None:
    judged = layout([["Company", "Recruiter"], ["Acme", "yes"], ["Globex", "n/a"]])
    assert "contact" not in judged.columns
    assert not judged.is_tracker
    assert "holds yes/no answers, not names" in judged.notices[0]


def test_a_follow_up_date_of_days_to_come_is_no_record_of_notes_sent() -> None:
    rows: list[list[object]] = [
        ["Company", "Contact", "Interview date", "Follow-up date"],
        ["Acme", "Jane", "2026-11-02", "2026-12-07"],
    ]
    judged = layout(rows)
    assert "last_contact" not in judged.columns
    assert "they read as follow-ups planned, not notes sent" in judged.notices[0]
    rows[1][3] = "2026-11-16"  # a day gone by: the day a note went out
    assert layout(rows).columns["last_contact"] == 4


def test_an_unused_column_that_looks_like_a_field_is_named_with_the_line_to_use_it() -> None:
    judged = layout(
        [
            [
                "Company",
                "Interviewer",
                "Recruiter",
                "Interview date",
                "Last contact",
                "Last emailed",
            ],
            ["Acme", "Jane Doe", "Sam Lee", "2026-11-20", None, "2026-11-21"],
        ]
    )
    assert judged.columns["contact"] == 2  # the person interviewed, not the recruiter
    assert judged.fallback == (3,)  # ...who is written to while no interviewer is known
    assert judged.column_map().sources("last_contact") == (5, 6)
    assert judged.notices == (
        "Tracker!C1 'Recruiter' looks like Contact: it is read for the rows where Tracker!B1 "
        "'Interviewer' is empty; to use it always, add `Column: Contact = Recruiter` to Settings",
    )
    judged = layout([["Company", "Contact", "Position", "Job title"], ["Acme", "Jane", "A", "B"]])
    assert judged.notices == (
        "Tracker!D1 'Job title' looks like Position, but Tracker!C1 'Position' is used for it; "
        "to use 'Job title' instead, add `Column: Position = Job title` to Settings",
    )


def test_a_misspelt_header_is_named_too() -> None:
    judged = layout([["Company", "Contact", "Intervew date"], ["Acme", "Jane", "2026-11-20"]])
    assert "interview_date" not in judged.columns
    assert judged.notices == (
        "Tracker!C1 'Intervew date' looks like Interview date: rename it, or add "
        "`Column: Interview date = Intervew date` to Settings",
    )


def test_the_column_map_wins_over_the_aliases() -> None:
    rows: list[list[object]] = [
        ["Company", "Interviewer", "Recruiter", "Date of chat", "Last emailed"],
        ["Acme", "Jane Doe", "Sam Lee", "2026-11-20", "2026-11-21"],
    ]
    judged = layout(rows, {"contact": "Recruiter", "interview_date": "date of chat"})
    assert judged.columns["contact"] == 3
    assert judged.columns["interview_date"] == 4
    assert judged.columns["last_contact"] == 5
    assert judged.notices == ()  # the user chose: the other person column is not pointed out
    # A column letter works too, and "none" takes a field's column away.
    lettered = layout(rows, {"contact": "C", "last_contact": "none"})
    assert lettered.columns["contact"] == 3 and "last_contact" not in lettered.columns


def test_a_column_map_naming_no_header_says_so() -> None:
    judged = layout([["Company", "Contact"], ["Acme", "Jane"]], {"interview_date": "Chat day"})
    assert judged.notices == (
        "Settings: `Column: Interview date = Chat day`: no column of 'Tracker' row 1 is headed "
        "'Chat day' (its headers: 'Company', 'Contact')",
    )


def test_numbered_and_several_date_columns_are_all_read() -> None:
    judged = layout(
        [
            ["Company", "Interviewer 1", "Interviewer 2", "1st interview", "2nd interview"],
            ["Acme", "Jane", "Sam", "2026-11-02", "2026-11-16"],
        ]
    )
    columns = judged.column_map()
    assert columns.sources("contact") == (2, 3)
    assert columns.sources("interview_date") == (4, 5)


def test_the_person_columns_own_address_column_is_the_email() -> None:
    judged = layout(
        [
            ["Company", "Recruiter Name", "Reference Contact Email", "Recruiter Email"],
            ["Acme", "Hailey Stone", "yuri@acme.example", "hailey@acme.example"],
        ]
    )
    assert judged.columns["email"] == 4
    # Two address columns named as precisely: the person column's own wins, no ambiguity.
    judged = layout(
        [
            ["Company", "Hiring Manager", "Recruiter Email", "Hiring Manager Email"],
            ["Acme", "Kim Lee", "sam@acme.example", "kim@acme.example"],
        ]
    )
    assert (judged.columns["email"], judged.duplicate) == (4, None)
    assert "'Recruiter Email' looks like Email" in judged.notices[0]


def test_two_equally_good_columns_for_one_field_are_an_error() -> None:
    judged = layout([["Company", "Employer", "Contact"], ["Acme", "Acme Inc", "Jane"]])
    assert judged.duplicate == (
        "Tracker!A1 'Company' and Tracker!B1 'Employer' both look like the Company column; "
        "rename one of them, or add `Column: Company = Company` to Settings"
    )


def test_yes_no_columns_named_after_how_an_application_stands_are_stages() -> None:
    judged = layout(
        [
            ["Company", "Contact", "Active", "Rejected", "Follow-up?"],
            ["Acme", "Jane", "y", "False", "YES"],
            ["Globex", "Sam", "n", "True", "NO"],
        ]
    )
    assert judged.flags == ((3, "!Inactive"), (4, "Rejected"))
    # "Follow-up?" of YES/NO: a tick that a note went out, read as Thank-you sent is.
    assert judged.columns["thank_you"] == 5


def test_a_bare_name_column_beside_a_person_column_is_the_company() -> None:
    judged = layout([["name", "stage", "points_of_contact"], ["Fennick", "Applied", "j@f.example"]])
    assert (judged.columns["company"], judged.columns["contact"]) == (1, 3)
    assert "'name' is read as the Company" in judged.notices[0]


def test_a_header_with_alternatives_names_a_field_by_one_of_them() -> None:
    judged = layout(
        [
            ["Company", "My contact / how I got it", "Recruiter information"],
            ["Acme", "asked Priyanka (works there)", "Dana Whitfield - dana@acme.example"],
        ]
    )
    assert judged.columns["contact"] == 3  # "Recruiter information" names it more plainly
    assert judged.fallback == (2,)


def test_placeholders_are_blank() -> None:
    for text in ("N/A", "tbd", "-", "null", "  ", "—"):
        assert is_blank(text), text
    assert not is_blank("Pending")  # a stage word, not a placeholder


_LETTERS = "abcdeilmnorstuvw"


@hypothesis.strategies.composite
def _word_pairs(draw: hypothesis.strategies.DrawFn) -> tuple[str, str]:
    """Two words: unrelated, or the second the first with a few letters added, dropped or
    changed (the pairs a typo makes, where the ratio is near 0.8)."""
    word = draw(hypothesis.strategies.text(alphabet=_LETTERS, min_size=1, max_size=14))
    if draw(hypothesis.strategies.booleans()):
        return word, draw(hypothesis.strategies.text(alphabet=_LETTERS, min_size=1, max_size=14))
    other = list(word)
    for _ in range(draw(hypothesis.strategies.integers(1, 3))):
        at = draw(hypothesis.strategies.integers(0, len(other)))
        letter = draw(hypothesis.strategies.sampled_from(_LETTERS))
        edit = draw(hypothesis.strategies.sampled_from(["add", "drop", "change"]))
        if edit == "add" or not other:
            other.insert(at, letter)
        elif edit == "drop":
            del other[min(at, len(other) - 1)]
        else:
            other[min(at, len(other) - 1)] = letter
    return word, "".join(other) or word


@hypothesis.settings(max_examples=600, deadline=None)
@hypothesis.given(_word_pairs())
def test_the_quick_word_check_agrees_with_the_full_ratio(pair: tuple[str, str]) -> None:
    # Misspelt headers are told by difflib's ratio; its cheap bounds only save the work.
    a, b = pair
    full = difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
    assert layout_module._nearly(a, b) == full


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Intervew date", "interview_date"),
        ("Compnay", "company"),
        ("Postion", "position"),
        ("Resume", None),
        ("Notes", None),
    ],
)
def test_misspelt_headers_are_named_by_the_field_they_almost_are(
    header: str, field: str | None
) -> None:
    assert layout_module.misspelt_field(header) == field


def test_a_header_as_long_as_a_cell_allows_is_judged_but_not_kept() -> None:
    # What is kept per header stays small whatever a folder of workbooks puts in its headers.
    long_header = "Intervew date " + "x" * 32_000
    before = layout_module.misspelt_field.cache_info().currsize
    assert layout_module.misspelt_field(long_header) is None
    assert layout_module.misspelt_field.cache_info().currsize == before
    assert layout_module.misspelt_field("Intervew date") == "interview_date"
