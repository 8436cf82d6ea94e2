"""Cell references: ``B7`` <-> (7, 2), ranges, and the largest sheet Excel allows."""

from __future__ import annotations

import functools
import re

MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")


@functools.cache
def column_letters(column: int) -> str:
    """1 -> "A", 28 -> "AB"."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """ "A" -> 1, "AB" -> 28."""
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def cell_reference(row: int, column: int) -> str:
    return f"{column_letters(column)}{row}"


def parse_reference(ref: str) -> tuple[int, int] | None:
    """ "K5" -> (5, 11); None for anything that is not a single cell reference."""
    m = _REF_RE.fullmatch(ref.strip())
    if m is None:
        return None
    return int(m.group(2)), column_number(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """ "C4:D5" -> (4, 3, 5, 4) as (first row, first column, last row, last column)."""
    parts = ref.strip().split(":")
    if len(parts) > 2:
        return None
    corners = [parse_reference(part) for part in parts]
    if any(corner is None for corner in corners):
        return None
    rows = [corner[0] for corner in corners if corner is not None]
    cols = [corner[1] for corner in corners if corner is not None]
    return min(rows), min(cols), max(rows), max(cols)
