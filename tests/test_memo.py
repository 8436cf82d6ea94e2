"""What the tool keeps per text stays small, whatever the cells of a folder of workbooks hold.

A cell can hold 32,767 characters. The functions that keep their answers per header, stage,
company or gift keep them only for texts of a usual length: a longer one is answered each
time, with the same answer, and nothing of it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sheet_followup import columns, drafts, gifts, layout, people, stages
from sheet_followup.memo import LONGEST_KEPT, short_text_cache

CELL_AS_LONG_AS_EXCEL_ALLOWS = ("Rejected after the on-site, Acme Corp " * 900)[:32_767]


@pytest.mark.parametrize(
    "function",
    [
        columns.normalize_header,
        columns.match_header,
        stages.stem,
        stages.stage_stems,
        gifts.looks_tangible,
        gifts.topic_words,
        drafts.slug,
        layout.misspelt_field,
        people.people_in,
    ],
    ids=lambda f: f.__name__,
)
def test_a_long_cell_is_answered_but_not_kept(function: Any) -> None:
    before = function.cache_info().currsize
    first = function(CELL_AS_LONG_AS_EXCEL_ALLOWS)
    assert function.cache_info().currsize == before
    assert function(CELL_AS_LONG_AS_EXCEL_ALLOWS) == first  # the same answer, worked out again
    short = "Rejected"
    function(short)
    assert function.cache_info().currsize >= 1
    assert function(short) == function.__wrapped__(short)


def test_the_limit_is_on_the_text_length() -> None:
    calls: list[str] = []

    @short_text_cache(maxsize=8, longest=5)
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert [shout("abcde"), shout("abcde"), shout("abcdef"), shout("abcdef")] == [
        "ABCDE",
        "ABCDE",
        "ABCDEF",
        "ABCDEF",
    ]
    assert calls == ["abcde", "abcdef", "abcdef"]  # the short one once, the long one each time
    assert shout.cache_info().currsize == 1


def test_the_usual_limit_is_longer_than_any_header_or_stage() -> None:
    words: Callable[[str], Any] = stages.stage_stems
    typical = "Rejected after the final on-site interview with the hiring manager"
    assert len(typical) < LONGEST_KEPT
    before = words.cache_info().currsize  # type: ignore[attr-defined]
    words(typical + " (unique to this test)")
    assert words.cache_info().currsize == before + 1  # type: ignore[attr-defined]
