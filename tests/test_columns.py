"""How one header cell names a field: aliases from real trackers, contained names, and what a
header may add around a name without becoming something else."""

import hypothesis
import hypothesis.strategies
import pytest

from sheet_followup import columns
from sheet_followup.columns import (
    ColumnMap,
    field_for_header,
    field_named,
    header_texts,
    match_fields,
    match_header,
)
from sheet_followup.fields import FIELDS
from sheet_followup.xlsx.references import column_letters


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Company", "company"),
        ("  EMPLOYER ", "company"),
        ("Organisation", "company"),
        ("Name of Employer", "company"),  # a state work-search log
        ("companyName", "company"),  # a job site's camelCase export
        ("Interviewer", "contact"),
        ("Interviewer(s)", "contact"),
        ("Interviewers", "contact"),
        ("Contact name", "contact"),
        ("Point of Contact", "contact"),
        ("Recruiter Name", "contact"),
        ("Hiring manager", "contact"),
        ("HR contact", "contact"),
        ("Name of Person Contacted", "contact"),
        ("Date interviewed", "interview_date"),
        ("Interview Date", "interview_date"),
        ("interview_date", "interview_date"),
        ("Date of interview", "interview_date"),
        ("E-mail", "email"),
        ("Contact's Email", "email"),
        ("Application status", "stage"),
        ("Status", "stage"),
        ("Outcome", "stage"),
        ("statusName", "stage"),  # Teal's export
        ("List", "stage"),  # Huntr's board column
        ("Last contacted", "last_contact"),
        ("Last emailed", "last_contact"),
        ("Date of last contact", "last_contact"),
        ("Follow-up", "last_contact"),  # the days a note went out, if its cells agree
        ("Thank-you sent", "thank_you"),
        ("Notes about them", "interests"),
        ("Pause until", "pause_until"),
        ("Why I fit", "why_fit"),
        ("Follow-up status", "status"),
        ("Next follow-up", "next_follow_up"),
        ("Firma", "company"),
        ("Ansprechpartner", "contact"),
        ("Notes", None),
        ("Salary", None),
        ("Date Applied", None),
        ("Job Url", None),
        (None, None),
        (42, None),
    ],
)
def test_headers_match_as_real_trackers_write_them(header: object, field: str | None) -> None:
    assert field_for_header(header) == field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Company Name + Link", "company"),
        ("Company name - link to website", "company"),
        ("Contact Name and Title", "contact"),
        ("Contact name/title", "contact"),
        ("Interview Date (latest)", "interview_date"),
        ("Date (yyyy-mm-dd) of interview", "interview_date"),
    ],
)
def test_a_header_that_contains_a_known_name_counts(header: str, field: str) -> None:
    match = match_header(header)
    assert match is not None and match.field == field


@pytest.mark.parametrize(
    "header",
    [
        "Company website",  # a link, not the employer
        "Company size",
        "Contact LinkedIn",
        "Contact Phone",
        "Reference Contact",  # someone else than the interviewer
        "Response Date",  # not the stage
        "Total interviews",  # a count
    ],
)
def test_words_around_a_name_that_change_its_meaning_stop_the_match(header: str) -> None:
    assert match_header(header) is None


def test_an_address_column_is_email_whoever_it_belongs_to() -> None:
    for header in ("Recruiter email", "Hiring manager email", "Email of interviewer"):
        match = match_header(header)
        assert match is not None and match.field == "email", header


def test_a_precise_name_ranks_above_a_one_word_one_and_a_tier_below() -> None:
    interview = match_header("Interview")
    interview_date = match_header("Interview date")
    assert interview is not None and interview_date is not None
    assert interview_date.rank < interview.rank
    interviewer, recruiter = match_header("Interviewer"), match_header("Recruiter")
    assert interviewer is not None and recruiter is not None
    assert interviewer.rank < recruiter.rank  # the person interviewed beats the recruiter


def test_numbered_columns_are_marked() -> None:
    for header in ("Interviewer 2", "2nd interview", "Follow up #2"):
        match = match_header(header)
        assert match is not None and match.numbered, header


def test_a_column_line_names_a_field_by_its_header_or_an_alias() -> None:
    assert field_named("Last contact") == "last_contact"
    assert field_named("last_contact") == "last_contact"
    assert field_named("Interviewer") == "contact"
    assert field_named("Salary") is None


@pytest.mark.parametrize(("column", "letter"), [(1, "A"), (26, "Z"), (27, "AA"), (703, "AAA")])
def test_column_letter(column: int, letter: str) -> None:
    assert column_letters(column) == letter


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Companies", "company"),
        ("Agencies", "company"),
        ("Positions", "position"),
        ("Email addresses", "email"),
        ("Points of contact", "contact"),
        ("Stages", "stage"),
        ("Address", None),  # a street address: no plural to take off
    ],
)
def test_a_header_in_the_plural_names_its_field(header: str, field: str | None) -> None:
    match = match_header(header)
    assert (match.field if match else None) == field


def test_how_well_each_kind_of_header_matches() -> None:
    exact, contained = match_header("Interviewer"), match_header("Interviewer 2")
    alternative = match_header("My contact / how I got it")
    assert exact is not None and contained is not None and alternative is not None
    assert (exact.exact, contained.exact, alternative.exact) == (True, False, False)
    assert exact.rank < contained.rank < alternative.rank  # whole, contained, one of two parts
    assert alternative.rank >= 25
    email = match_header("Recruiter's email")
    assert email is not None and (email.field, email.rank) == ("email", 20)
    assert match_header("Recruiter").tier == match_header("Recruiter").rank % 10  # type: ignore[union-attr]


def test_a_header_with_no_parts_to_choose_from_names_nothing() -> None:
    assert match_header("Salary") is None
    assert match_header("Salary / benefits") is None  # two parts, neither a field
    assert match_header("") is None


def test_a_small_sheets_header_row_maps_fields_to_columns_from_one() -> None:
    fields = {"gift": ("Gift", ("Gift", "Idea")), "link": ("Link", ("Link", "URL"))}
    assert match_fields([None, 7, "Gift", "url", "Idea"], fields) == {"gift": 3, "link": 4}


def test_header_texts_skip_empty_cells_and_fold_spaces() -> None:
    assert header_texts(["Company", None, "", "  ", "Next \n follow-up", 3]) == {
        1: "Company",
        5: "Next follow-up",
        6: "3",
    }


def test_a_column_map_knows_its_last_header_and_every_source_of_a_field() -> None:
    columns = ColumnMap(2, {"interview_date": 4}, {1: "Company", 4: "Onsite", 9: "Notes"},
                        also={"interview_date": (6, 7)})  # fmt: skip
    assert columns.last_column == 9
    assert columns.sources("interview_date") == (4, 6, 7)  # the main one first
    assert columns.sources("stage") == ()
    assert ColumnMap(1, {}, {}).last_column == 0


# Words of short and of the longest aliases ("Date of last communication", "Interview
# scheduled for"), and some that are none, so that the longest spans get tried.
_HEADER_WORDS = [
    *[
        "interview",
        "date",
        "company",
        "name",
        "contact",
        "email",
        "of",
        "the",
        "s",
        "recruiter",
        "status",
        "next",
    ],
    *[
        "follow",
        "up",
        "notes",
        "2nd",
        "link",
        "xyzzy",
        "last",
        "communication",
        "scheduled",
        "for",
        "about",
    ],
    *["interviewer", "most", "recent", "application", "applied", "position", "technical", "screen"],
]


_WORDS = hypothesis.strategies.lists(hypothesis.strategies.sampled_from(_HEADER_WORDS), max_size=6)
# The longest aliases of all, with words around them, so that the longest spans are the ones
# that match.
_LONG_ALIASES = hypothesis.strategies.sampled_from(
    sorted({a for f in FIELDS.values() for t in f.tiers for a in t}, key=len)[-25:]
)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    hypothesis.strategies.lists(hypothesis.strategies.sampled_from(_HEADER_WORDS), max_size=16)
    | hypothesis.strategies.tuples(_WORDS, _LONG_ALIASES, _WORDS).map(
        lambda parts: [*parts[0], parts[1], *parts[2]]
    )
)
def test_a_header_is_judged_the_same_with_the_bound_on_its_spans(words: list[str]) -> None:
    # Spans longer than every alias are skipped; the answer must not change.
    text = " ".join(words)
    bounded = columns._match_whole(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columns, "_LONGEST_CONTAINED", 10**9)
        unbounded = columns._match_whole(text)
    assert bounded == unbounded
