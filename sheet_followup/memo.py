"""Answers kept per text, for texts of a usual length only.

Headers, stages, companies and gifts repeat down a tracker and across the workbooks of a
folder, so the functions that read them keep their answers. A cell can hold 32,767
characters, though, and a cache of thousands of answers keyed by such cells would hold memory
that no file should be able to claim (and a folder run's worker keeps its caches from one
workbook to the next). So a text longer than ``longest`` is answered each time it is asked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol, TypeVar

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

# Longer than any header, stage, company or gift title people write; a cell past it is prose.
LONGEST_KEPT = 400


class TextFunction(Protocol[R_co]):
    """A function of one text whose answers for short texts are kept."""

    def __call__(self, text: str, /) -> R_co: ...

    def cache_info(self) -> functools._CacheInfo: ...


def short_text_cache(
    maxsize: int, longest: int = LONGEST_KEPT
) -> Callable[[Callable[[str], R]], TextFunction[R]]:
    """``functools.lru_cache(maxsize)`` for a function of one text, keeping only the answers
    for texts of at most ``longest`` characters."""

    def decorate(function: Callable[[str], R]) -> TextFunction[R]:
        kept = functools.lru_cache(maxsize=maxsize)(function)

        @functools.wraps(function)
        def answer(text: str, /) -> R:
            return kept(text) if len(text) <= longest else function(text)

        answer.cache_info = kept.cache_info  # type: ignore[attr-defined]
        return answer  # type: ignore[return-value]

    return decorate
