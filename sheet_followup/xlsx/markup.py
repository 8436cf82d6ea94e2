"""Byte-level XML helpers shared by the sheet and styles editors.

The editors splice bytes instead of re-serialising documents, so they need to find tags by
position. Two facts make plain regular expressions safe for that: in well-formed XML a ``<``
only ever starts markup (text and attribute values must escape it), and attribute values are
always quoted. Comments, CDATA sections and processing instructions break the first fact, so
:func:`mask_opaque_sections` blanks them out (same length, so offsets still line up) before any
scanning happens.
"""

from __future__ import annotations

import re

# One attribute, quote-aware: a value may hold ">" or "/" without ending the tag.
_ATTRIBUTE = rb"""[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
ATTRIBUTES = rb"(?:\s+" + _ATTRIBUTE + rb")*\s*"
ATTRIBUTE_RE = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
QNAME_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"

_OPAQUE_RE = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)
# The characters XML 1.0 forbids, listed (not as the complement of the allowed ranges, which
# takes the regex compiler 3 ms at every start, more than a 100-row run spends in it).
_ILLEGAL_XML_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_OOXML_ESCAPE_RE = re.compile("_x([0-9A-Fa-f]{4})_")
_LITERAL_OOXML_ESCAPE_RE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
_ENTITY_RE = re.compile("&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_TEXT_SPECIALS = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIALS = re.compile('[&<>\r"\n\t]')
_NAMED_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def mask_opaque_sections(data: bytes) -> bytes:
    """Blank out comments, CDATA and processing instructions, keeping every offset.

    Their content may contain ``<`` that is not markup; after masking, tag patterns cannot
    be fooled by it. Files without such sections (all Excel output) are returned unchanged,
    without a copy.
    """
    if b"<!--" not in data and b"<![CDATA[" not in data and data.count(b"<?") <= 1:
        return data
    return _OPAQUE_RE.sub(lambda m: b" " * len(m.group(0)), data)


def start_tag_pattern(qualified_name: bytes) -> re.Pattern[bytes]:
    """Pattern for one start (or empty-element) tag of ``qualified_name``.

    Groups: ``a`` holds the raw attributes, ``sc`` is ``/`` for an empty element.
    """
    return re.compile(
        rb"<" + re.escape(qualified_name) + rb"(?=[\s/>])(?P<a>" + ATTRIBUTES + rb")(?P<sc>/?)>"
    )


def any_prefix_start_tag_pattern(local_name: bytes) -> re.Pattern[bytes]:
    """Like :func:`start_tag_pattern` but accepting any namespace prefix (group ``q``)."""
    return re.compile(
        rb"<(?P<q>"
        + QNAME_PREFIX
        + re.escape(local_name)
        + rb")(?=[\s/>])(?P<a>"
        + ATTRIBUTES
        + rb")(?P<sc>/?)>"
    )


def parse_attributes(raw: bytes) -> list[tuple[bytes, bytes]]:
    """Attribute names and raw (still escaped) values, in document order."""
    return [
        (m.group(1), m.group(2) if m.group(2) is not None else m.group(3) or b"")
        for m in ATTRIBUTE_RE.finditer(raw)
    ]


def format_attribute(name: bytes, raw_value: bytes) -> bytes:
    """`` name="value"`` from a raw value that may have come from a single-quoted attribute."""
    return b" " + name + b'="' + raw_value.replace(b'"', b"&quot;") + b'"'


def attribute_map(raw: bytes) -> dict[bytes, bytes]:
    """Attributes keyed by qualified name; values still escaped."""
    return dict(parse_attributes(raw))


def unescape_xml(raw: bytes) -> str:
    """Decode an escaped attribute value or text run (the five entities and char refs)."""
    text = raw.decode("utf-8")
    if "&" not in text:
        return text
    return _ENTITY_RE.sub(_replace_entity, text)


def _replace_entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED_ENTITIES[name]


def escape_text(text: str) -> str:
    """Escape for element content; CR becomes a character reference so parsers keep it."""
    if _TEXT_SPECIALS.search(text) is None:
        return text  # most texts: one scan instead of four replacements
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def escape_attribute(text: str) -> str:
    """Escape for a double-quoted attribute value."""
    if _ATTRIBUTE_SPECIALS.search(text) is None:
        return text
    return escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def drop_illegal_xml_chars(text: str) -> str:
    """Remove characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates)."""
    if _ILLEGAL_XML_CHARS_RE.search(text) is None:
        return text  # nearly always: a search is cheaper than a substitution
    return _ILLEGAL_XML_CHARS_RE.sub("", text)


def decode_ooxml_escapes(text: str) -> str:
    """Undo the ``_xHHHH_`` escapes spreadsheet strings use for control characters."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)


def protect_literal_ooxml_escapes(text: str) -> str:
    """Make a literal ``_x0041_`` in user text survive Excel's ``_xHHHH_`` decoding."""
    if "_x" not in text:
        return text
    return _LITERAL_OOXML_ESCAPE_RE.sub("_x005F_", text)
