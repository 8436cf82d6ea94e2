"""Stage words as real trackers write them: closed or active, by stems, in any order."""

import pytest

from sheet_followup.stages import Outcome, Vocabulary

WORDS = Vocabulary()


@pytest.mark.parametrize(
    "stage",
    [
        # The closed words PRODUCT.md lists, as people type them.
        "Accepted",
        "Offer accepted",
        "Hired",
        "Hired!",
        "Rejected",
        "rejected ",
        "Denied",
        "Declined",
        "Not selected",
        "Not Moving Forward",
        "Ghosted",
        "No Response 🔇",  # Teal's status, emoji and all
        "Position cancelled",
        "Position Canceled",  # one l, as Dear Hiring spells it
        "Position filled",
        "Withdrawn",
        "I withdrew",
        "I said no",
        "Offer declined",
        "Archived",
        "Closed",
        # Stems and word order.
        "Rejection email",
        "Rejected after onsite",
        "Application rejected",
        "Declined offer",
        "❌ Rejected",
        "Closed - Rejected or Opportunity No Longer Available",
        "Offer Extended - Did Not Accept",
        "abgesagt",
    ],
)
def test_closed_words_close_the_row(stage: str) -> None:
    match = WORDS.match(stage)
    assert match.closed and match.known, stage


@pytest.mark.parametrize(
    "stage",
    [
        "Applied",
        "Interview",
        "Interviewing",
        "Phone screen",
        "Phone Screened",
        "Onsite",
        "On-site",
        "Final round",
        "Assessment",
        "Offer",
        "Offer received",
        "Negotiating",
        "On hold",
        "Pending",
        "Waiting",
        "Hiring Manager Interview",  # "hiring" is not "hired"
        "Application accepted",  # an active phrase holding a closed word
        "Submitted - Pending Response",
        "No response yet",  # still waiting
        "✉️ Applied",
        "Tech Interview 1",
        "Warm - Actively in the interview process",
    ],
)
def test_active_words_keep_the_row_alive(stage: str) -> None:
    match = WORDS.match(stage)
    assert not match.closed and match.known, stage


def test_a_negated_closed_word_is_not_closed() -> None:
    assert not WORDS.match("Not rejected yet").closed


def test_how_an_application_ended_decides_the_closing_note() -> None:
    assert WORDS.match("Not selected").outcome is Outcome.TURNED_DOWN
    assert WORDS.match("Position filled").outcome is Outcome.TURNED_DOWN
    assert WORDS.match("Offer accepted").outcome is Outcome.HIRED
    assert WORDS.match("Ghosted").outcome is Outcome.ENDED
    assert WORDS.match("I said no").outcome is Outcome.ENDED


def test_unknown_stages_are_active_and_unknown() -> None:
    match = WORDS.match("Past 3 weeks")
    assert not match.closed and not match.known


def test_a_suggestion_never_crosses_from_active_to_closed() -> None:
    # "Offer" words lean active: no suggestion of "Offer accepted" for an offer still open.
    for stage in ("Offer pending review", "Offer being prepared", "Offer call scheduled"):
        suggestion = WORDS.suggestion(stage)
        assert suggestion is None or not WORDS.match(suggestion).closed, (stage, suggestion)
    # "Reject" words lean closed.
    suggestion = WORDS.suggestion("Rejected (soft)")
    assert suggestion is None or WORDS.match(suggestion).closed


def test_a_misspelling_is_offered_the_word_it_is_spelt_like() -> None:
    assert WORDS.suggestion("Rejectd") == "Rejected"
    assert WORDS.suggestion("Intervewing") == "Interviewing"


def test_the_users_own_words_come_first() -> None:
    mine = Vocabulary(closed=("Parked",), active=("Closed round",))
    assert mine.match("parked").closed
    assert not mine.match("Closed round").closed
    assert mine.match("Rejected").closed  # the built-in words still hold
