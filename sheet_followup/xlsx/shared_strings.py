"""Reading the shared-string table, only to tell whether a cell already says what we would write.

After the user saves in Excel, every status we wrote as an inline string comes back as a
shared string; comparing against the table keeps a rerun from touching unchanged cells. The
table itself is never rewritten.
"""

from __future__ import annotations

import re
from xml.parsers import expat

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import (
    ATTRIBUTES,
    QNAME_PREFIX,
    decode_ooxml_escapes,
    mask_opaque_sections,
    unescape_xml,
)

_SI_RE = re.compile(
    rb"<(" + QNAME_PREFIX + rb"si)(?=[\s/>])" + ATTRIBUTES + rb"(?:/>|>(.*?)</\1\s*>)", re.DOTALL
)
_SIMPLE_T_RE = re.compile(
    rb"\s*<(" + QNAME_PREFIX + rb"t)(?:\s+xml:space=\"preserve\")?>([^<]*)</\1>\s*"
)


class SharedStrings:
    """Shared strings by index; items are decoded on first use."""

    def __init__(self, xml: bytes) -> None:
        masked = mask_opaque_sections(xml)
        self._items: list[bytes] | None
        self._decoded: dict[int, str] = {}
        if masked is xml:
            self._items = [m[1] for m in _SI_RE.findall(xml)]
        else:
            # Comments or CDATA: the byte patterns could misread them, so let expat do it all.
            self._items = None
            self._decoded = dict(enumerate(_parse_all(xml)))

    def text(self, index: int) -> str | None:
        if index in self._decoded:
            return self._decoded[index]
        if self._items is None or not 0 <= index < len(self._items):
            return None
        raw = self._items[index]
        m = _SIMPLE_T_RE.fullmatch(raw)
        if m is not None:
            text = decode_ooxml_escapes(unescape_xml(m.group(2)))
        else:
            parsed = _parse_all(b"<sst><si>" + raw + b"</si></sst>")
            text = parsed[0] if parsed else ""
        self._decoded[index] = text
        return text


def _parse_all(xml: bytes) -> list[str]:
    """Every item's visible text: all ``<t>`` runs except phonetic (``<rPh>``) ones."""
    items: list[str] = []
    stack: list[str] = []
    current: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        stack.append(local)
        if local == "si" and len(stack) == 2:
            current.clear()

    def end(name: str) -> None:
        local = stack.pop()
        if local == "si" and len(stack) == 1:
            items.append(decode_ooxml_escapes("".join(current)))

    def text(data: str) -> None:
        if stack and stack[-1] == "t" and "rPh" not in stack and "si" in stack:
            current.append(data)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        msg = f"The workbook's shared strings are not valid XML ({exc})."
        raise XlsxError(msg) from exc
    return items
