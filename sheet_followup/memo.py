"""Answers kept per text, for texts of a usual length only.

Headers, stages, companies, people and gifts repeat down a tracker and across the workbooks
of a folder, so the functions that read them keep their answers. A cell can hold 32,767
characters, though, and a cache of thousands of answers keyed by such cells would hold memory
that no file should be able to claim (and a folder run's worker keeps its caches from one
workbook to the next). So a call whose texts are longer together than ``longest`` is answered
each time it is made.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

# Longer than any header, stage, company or gift title people write; a cell past it is prose.
LONGEST_KEPT = 400


def short_text_cache(maxsize: int, longest: int = LONGEST_KEPT) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)`` for a function of texts (given by position), keeping
    only the answers for calls whose texts are at most ``longest`` characters in all. The
    function keeps ``cache_info`` and ``__wrapped__``."""

    def decorate(function: F) -> F:
        kept = functools.lru_cache(maxsize=maxsize)(function)

        @functools.wraps(function)
        def answer(*texts: str) -> Any:
            if sum(map(len, texts)) <= longest:
                return kept(*texts)
            return function(*texts)

        answer.cache_info = kept.cache_info  # type: ignore[attr-defined]
        return cast(F, answer)

    return decorate
