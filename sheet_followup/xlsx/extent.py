"""How far a sheet's values reach, found by streaming its XML, before any reader loads it.

A reader that loads a sheet into a grid (python-calamine does) makes room for every cell from
A1 to the last value: one value typed in XFD1048576, which anyone can do, is a grid of 17
billion cells, and the process aborts asking for 549 GB. Counting here first, in one pass over
the part in pieces of a megabyte, keeps memory bounded whatever the file holds.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.xlsx.references import column_letters, column_number

# A cell that holds something: <c r="CV200000" ...> that is not self-closing. A styled empty
# cell (<c r="XFD1" s="3"/>) is not a value, and readers leave it out of the grid.
_VALUED_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})([0-9]{1,7})"(?:[^>]*[^/>])?>')
# The first pass looks only at references past Z or past row 99,999, and takes their maximum
# in C (a findall, then max): a tracker has none or a few, a sheet of 300,000 rows a million,
# and a Python step per cell would cost seconds. A1:Z99999 is small enough whatever it holds.
_FAR_ROWS = re.compile(rb'c r="[A-Z]{1,3}([0-9]{6,7})"')
_WIDE_COLUMNS = (re.compile(rb'c r="([A-Z]{3})[0-9]'), re.compile(rb'c r="([A-Z]{2})[0-9]'))
_NEAR_ROWS, _NEAR_COLUMNS = 99_999, 26
_CHUNK = 1 << 20
_OVERLAP = 128  # longer than any cell's start tag up to its r attribute


@dataclass(frozen=True)
class Extent:
    """The last row and column holding a value (1-based), and a cell at each; or, from the
    first pass, bounds no smaller than those (``exact`` False)."""

    rows: int
    columns: int
    last_row_cell: str  # "CV200000": the value furthest down
    last_column_cell: str  # "XFD3": the value furthest right
    exact: bool = True

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def sheet_extent(path: Path, part: str, *, at_most: int | None = None) -> Extent:
    """The extent of the values in the sheet part ``part`` of the workbook at ``path``.

    With ``at_most``, a quick pass may answer with bounds instead, when they are within it.
    """
    if at_most is not None:
        bound = _far_bound(path, part)
        if bound.cells <= at_most:
            return bound
    return _exact(path, part)


def _pieces(path: Path, part: str) -> Iterator[tuple[bytes, int]]:
    """The part's bytes in pieces that overlap, each with where its new matches must start
    before (the rest of it comes again at the start of the next)."""
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        buffer = b""
        while True:
            chunk = stream.read(_CHUNK)
            buffer += chunk
            cut = len(buffer) if not chunk else max(0, len(buffer) - _OVERLAP)
            yield buffer, cut
            if not chunk:
                return
            buffer = buffer[cut:]


def _far_bound(path: Path, part: str) -> Extent:
    rows, columns = _NEAR_ROWS, _NEAR_COLUMNS
    for piece, _ in _pieces(path, part):
        # The whole piece, overlap and all: a reference cut at the end of one piece is whole
        # in the next, and one seen twice changes no maximum.
        rows = max(rows, *map(int, _FAR_ROWS.findall(piece)), 0)
        for pattern in _WIDE_COLUMNS:  # three letters, else two: the widest reach furthest
            found = pattern.findall(piece)
            if found:
                columns = max(columns, column_number(max(found).decode()))
                break
    letters = column_letters(columns)
    return Extent(rows, columns, f"A{rows}", f"{letters}1", exact=False)


def extent_of(data: bytes) -> Extent:
    """The exact extent of the values in a sheet part already in memory (a sheet's head)."""
    return _exact_over([(data, len(data))])


def _exact(path: Path, part: str) -> Extent:
    return _exact_over(_pieces(path, part))


def _exact_over(pieces: Iterable[tuple[bytes, int]]) -> Extent:
    rows = columns = 0
    row_cell = column_cell = "A1"
    for buffer, cut in pieces:
        for match in _VALUED_CELL.finditer(buffer):
            if match.start() >= cut:
                break
            row = int(match.group(2))
            if row > rows:
                rows, row_cell = row, (match.group(1) + match.group(2)).decode()
            letters = match.group(1)
            if len(letters) >= 2 or columns < 26:  # most cells: A-Z, rarely the widest
                column = column_number(letters.decode())
                if column > columns:
                    columns, column_cell = column, (letters + match.group(2)).decode()
    return Extent(rows, columns, row_cell, column_cell)
