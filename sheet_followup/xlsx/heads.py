"""A reading copy of a workbook in which each big sheet holds only its first rows.

Finding the tracker means looking at the first rows of every sheet, and a reader that parses a
sheet parses all of it: a workbook with a few data exports of 20 MB beside the tracker cost
seconds per export before a row was judged. In this copy each big sheet part is cut after its
first rows, inflated only that far, and closed again; every other part a reader needs (the
workbook, its relationships, styles, shared strings) is copied as it is, stored rather than
deflated, since the copy lives in memory only as long as the judging does. Media and other
large parts no reader of cell values opens are left out.

The cut sheet keeps the original's bytes up to the cut, so its cells read exactly as they do
in the whole sheet. Its ``<dimension>`` is dropped: it describes the whole sheet.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Set
from pathlib import Path

from sheet_followup.xlsx.extent import Extent, extent_of
from sheet_followup.xlsx.markup import mask_opaque_sections

_CHUNK = 1 << 18
# Parts no reader of cell values opens, left out of the copy when they are big.
_LARGE = 1 << 20
_KEPT_WHOLE = re.compile(r"(?:^|/)(?:sharedStrings|styles|workbook)\d*\.xml$|\.rels$|^\[Content")
_SHEET_DATA = re.compile(rb"<(?P<p>[A-Za-z_][\w.-]*:)?sheetData[\s>/]")
_ROOT = re.compile(rb"<(?P<p>[A-Za-z_][\w.-]*:)?worksheet[\s>]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*/>")


def sheet_head(archive: zipfile.ZipFile, part: str, rows: int) -> bytes:
    """The sheet part cut after its first ``rows`` row elements and closed again; the whole
    part when it has no more rows than that (or a shape this cut does not know)."""
    buffer = b""
    found = searched = 0
    pattern: re.Pattern[bytes] | None = None
    closing = b""
    tag_length = 0
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            buffer += chunk
            if pattern is None:
                # What comes before the rows is small: masked (comments, CDATA) and read once.
                masked = mask_opaque_sections(buffer)
                root, sheet_data = _ROOT.search(masked), _SHEET_DATA.search(masked)
                if root is None or sheet_data is None:
                    continue
                if masked[sheet_data.end() - 1 : sheet_data.end()] == b"/":
                    break  # <sheetData/>: no rows at all
                prefix = sheet_data.group("p") or b""
                pattern = re.compile(rb"<" + re.escape(prefix) + rb"row[\s>/]")
                tag_length = len(prefix) + 5
                closing = (
                    b"</" + prefix + b"sheetData></" + (root.group("p") or b"") + b"worksheet>"
                )
                searched = sheet_data.end()
            end = searched
            for match in pattern.finditer(buffer, searched):
                found += 1
                end = match.end()
                if found > rows:
                    return _DIMENSION.sub(b"", buffer[: match.start()], count=1) + closing
            # A tag cut off at the end of this piece is found in the next; one found is not
            # counted again.
            searched = max(end, len(buffer) - tag_length + 1)
    return buffer


def heads_copy(
    path: Path, sheet_parts: Set[str], rows: int, replaced: Mapping[str, bytes]
) -> tuple[io.BytesIO, dict[str, Extent]]:
    """The workbook at ``path`` in memory, each of ``sheet_parts`` cut to its first ``rows``
    rows, and the parts in ``replaced`` given those bytes (a sheet list left short); and the
    extent of each cut sheet, so that a far cell in a head is refused before it is read."""
    copy = io.BytesIO()
    extents: dict[str, Extent] = {}
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as new:
        for item in old.infolist():
            name = item.filename
            if name in sheet_parts:
                data = sheet_head(old, name, rows)
                extents[name] = extent_of(data)
            elif name in replaced:
                data = replaced[name]
            elif item.file_size > _LARGE and not _KEPT_WHOLE.search(name):
                continue  # a picture, a pivot cache: nothing a reader of cells needs
            else:
                data = old.read(item)
            new.writestr(item, data, compress_type=zipfile.ZIP_STORED)
    copy.seek(0)
    return copy, extents
