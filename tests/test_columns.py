import pytest

from sheet_followup.columns import column_letter, field_for_header, match_header_row


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Company", "company"),
        ("  EMPLOYER ", "company"),
        ("Organisation", "company"),
        ("Interviewer", "contact"),
        ("Contact name", "contact"),
        ("Date interviewed", "interview_date"),
        ("Interview Date", "interview_date"),
        ("interview_date", "interview_date"),
        ("E-mail", "email"),
        ("Application status", "stage"),
        ("Status", "stage"),
        ("Last contacted", "last_contact"),
        ("Pause until", "pause_until"),
        ("Why I fit", "why_fit"),
        ("Follow-up status", "status"),
        ("Next follow-up", "next_follow_up"),
        ("Notes", None),
        ("Salary", None),
        (None, None),
        (42, None),
    ],
)
def test_headers_match_case_and_punctuation_insensitively(
    header: object, field: str | None
) -> None:
    assert field_for_header(header) == field


def test_a_user_status_column_is_the_stage_not_the_tools_status() -> None:
    found, duplicates = match_header_row(["Company", "Contact", "Status", "Follow-up status"])
    assert found == {"company": 1, "contact": 2, "stage": 3, "status": 4}
    assert duplicates == []


def test_a_precise_header_wins_over_a_one_word_one() -> None:
    found, duplicates = match_header_row(["Company", "Interview", "Contact", "Interview date"])
    assert found["interview_date"] == 4
    assert duplicates == []


def test_two_precise_headers_for_one_field_are_a_duplicate() -> None:
    _, duplicates = match_header_row(["Company", "Employer", "Contact"])
    assert [(d.field, d.first, d.second) for d in duplicates] == [("company", 1, 2)]


@pytest.mark.parametrize(("column", "letter"), [(1, "A"), (26, "Z"), (27, "AA"), (703, "AAA")])
def test_column_letter(column: int, letter: str) -> None:
    assert column_letter(column) == letter
