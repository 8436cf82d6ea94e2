"""Who a Contact cell names: one person or several, their titles, their addresses."""

from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheet_followup import people
from sheet_followup.people import Person, addresses_in, first_name, people_in


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Jane Doe", ["Jane Doe"]),
        ("Jane Doe, Sam Lee", ["Jane Doe", "Sam Lee"]),
        ("Jane Doe; Sam Lee", ["Jane Doe", "Sam Lee"]),
        ("Jane Doe\nSam Lee", ["Jane Doe", "Sam Lee"]),
        ("Jane Doe and Sam Lee", ["Jane Doe", "Sam Lee"]),
        ("Jane Doe / Sam Lee", ["Jane Doe", "Sam Lee"]),
        ("Doe, Jane", ["Jane Doe"]),  # surname first: one person
        ("Raman, Priya", ["Priya Raman"]),
        ("Linda Hayes, HR Director", ["Linda Hayes"]),
        ("Linda Hayes, Director of Human Resources", ["Linda Hayes"]),
        ("Noa Peretz, Talent Acquisition Partner", ["Noa Peretz"]),
        ("Jane Doe (phone screen), Sam Lee (onsite)", ["Jane Doe", "Sam Lee"]),
        ("Tomas R - old coworker", ["Tomas R"]),
        ("Benny || Lead Recruiter", ["Benny"]),
        ("Anand/Mohan", ["Anand", "Mohan"]),
        ("Jane Doe, HR\nSam Lee, Engineer", ["Jane Doe", "Sam Lee"]),
        ("Arun Patel | LinkedIn\nUS-Canada IT Recruiter | KTEK Resourcing", ["Arun Patel"]),
        # Free text around a name, as people jot it down.
        ("recruiter Sam Cho - sam@orbitline.example", ["Sam Cho"]),
        ("HR Director Linda Hayes", ["Linda Hayes"]),
        ("asked Priyanka (works there)", ["Priyanka"]),
        ("I have talked to the recruiter (Dev Anand)", ["Dev Anand"]),
        ("pinged someone who works there (Tom, from CMU) on facebook", ["Tom"]),
        ("have recruiter contact", []),
        ("jane doe, sam lee", ["jane doe", "sam lee"]),
        ("Ana de la Cruz", ["Ana de la Cruz"]),
    ],
)
def test_the_people_a_cell_names(cell: str, names: list[str]) -> None:
    assert [p.name for p in people_in(cell)] == names


def test_a_title_is_kept_and_the_first_name_greeted() -> None:
    assert people_in("Linda Hayes, HR Director") == (
        Person("Linda Hayes", title="HR Director", greet="Linda"),
    )


def test_a_signature_block_uses_its_first_line_as_the_name() -> None:
    cell = "Dev Kumar\nSenior Recruiter\nStaffCo Inc\nP: (470) 555-0109\ndev.k@staffco.example"
    assert people_in(cell) == (
        Person("Dev Kumar", title="Senior Recruiter", email="dev.k@staffco.example", greet="Dev"),
    )
    # Lines pasted from a mail program may be split by U+2028.
    [ravi] = people_in("Ravi Singh\u2028Technical Recruiter\u2028Tanager Systems Inc")
    assert (ravi.name, ravi.title) == ("Ravi Singh", "Technical Recruiter")


def test_a_company_line_under_the_name_is_not_a_person() -> None:
    assert [p.name for p in people_in("Linda Hayes\nAcme", "Acme")] == ["Linda Hayes"]


def test_an_address_alone_is_written_to_and_greeted_with_hello() -> None:
    assert people_in("recruiter@google.com") == (
        Person("recruiter@google.com", email="recruiter@google.com"),
    )
    [jane] = people_in("Jane Doe <jane@acme.example>")
    assert (jane.name, jane.email, jane.greet) == ("Jane Doe", "jane@acme.example", "Jane")


def test_a_role_without_a_name_is_greeted_with_hello() -> None:
    [role] = people_in("Hiring manager")
    assert (role.shown, role.greet) == ("Hiring manager", "")
    [hr] = people_in("HR Dept.")
    assert hr.greet == ""


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Jane Doe", "Jane"),
        ("Dr. Priya Raman", "Priya"),
        ("Raman, Priya", "Priya"),
        ("Mr. Smith", "Mr. Smith"),
        ("R. Gutierrez", "R. Gutierrez"),
        ("Priya S.", "Priya"),
    ],
)
def test_first_name(name: str, first: str) -> None:
    assert first_name(name) == first


def test_addresses_in_a_cell() -> None:
    assert addresses_in("a.ng@example.com;ang.work@example.com") == [
        "a.ng@example.com",
        "ang.work@example.com",
    ]


@given(
    st.lists(
        st.text(alphabet="AaBbJjOoÉé'’.-", min_size=1, max_size=8)
        | st.sampled_from(["de", "van", "HR", "Manager", "Acme", "Inc", "Co", "Dr.", "Mr"]),
        min_size=1,
        max_size=5,
    )
)
def test_a_plain_name_is_read_as_the_full_reading_reads_it(words: list[str]) -> None:
    """The shortcut for a cell that holds only a name gives what the full reading gives."""
    cell = " ".join(words)
    fast = people_in.__wrapped__(cell, "Acme")
    with patch.object(people, "_plain_name", lambda cell, company: False):
        slow = people_in.__wrapped__(cell, "Acme")
    assert fast == slow


def test_a_cell_as_long_as_excel_allows_is_read_but_not_kept() -> None:
    # What is kept per cell stays small whatever a folder of workbooks holds.
    cell = "Jane Doe, Recruiter | " + "notes " * 6_000
    before = people_in.cache_info().currsize
    assert [p.name for p in people_in(cell)][:1] == ["Jane Doe"]
    assert people_in.cache_info().currsize == before
    assert people_in("Jane Doe") == people_in("Jane Doe")
    assert people_in.cache_info().currsize >= 1
