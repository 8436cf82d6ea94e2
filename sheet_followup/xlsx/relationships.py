"""The package's bookkeeping parts, edited in place: relationships and content types.

A new part (a sheet, a styles part, a sheet's first hyperlink) must be declared in
``[Content_Types].xml`` and reached by a relationship. Each change is an inserted or edited
element in the existing XML, so every other byte of these parts stays as the user's
application wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import (
    ATTRIBUTE_RE,
    any_prefix_start_tag_pattern,
    attribute_map,
    escape_attribute,
    mask_opaque_sections,
    unescape_xml,
)

_RELATIONSHIP_RE = any_prefix_start_tag_pattern(b"Relationship")
_RELATIONSHIPS_RE = any_prefix_start_tag_pattern(b"Relationships")
_OVERRIDE_CLOSE_RE = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?Types\s*>")
_RELATIONSHIPS_CLOSE_RE = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?Relationships\s*>")
_RELATIONSHIP_CLOSE_RE = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?Relationship\s*>")


def add_content_type_override(content_types: bytes, part_name: str, content_type: str) -> bytes:
    """Append an ``<Override>`` for a new part; everything else stays byte-identical."""
    masked = mask_opaque_sections(content_types)
    closing = list(_OVERRIDE_CLOSE_RE.finditer(masked))
    if not closing:
        msg = "[Content_Types].xml has no closing </Types> tag."
        raise XlsxError(msg)
    prefix = _element_prefix(masked, b"Types")
    override = f'<{prefix}Override PartName="/{part_name}" ContentType="{content_type}"/>'.encode()
    at = closing[-1].start()
    return content_types[:at] + override + content_types[at:]


def add_relationship(
    rels_xml: bytes | None, rel_type: str, target: str, *, external: bool = False
) -> tuple[bytes, str]:
    """Add a relationship with a fresh Id; returns the new part bytes and the Id used."""
    editor = RelationshipsEditor(rels_xml)
    rel_id = editor.add(rel_type, target, external=external)
    return editor.to_bytes(), rel_id


_EMPTY_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b"</Relationships>"
)


@dataclass(frozen=True)
class _RelationshipSpot:
    id: str
    type: str
    target: str
    external: bool
    start: int
    end: int  # past "/>", or past "</Relationship>"
    target_span: tuple[int, int] | None  # the Target value's bytes, inside the quotes

    @property
    def type_name(self) -> str:
        return self.type.rsplit("/", 1)[-1]


class RelationshipsEditor:
    """A ``.rels`` part read once, changed by splicing: adds, retargets and removals.

    Every relationship not named in a change keeps its bytes; the part is scanned once, so a
    run that links thousands of rows stays linear.
    """

    def __init__(self, rels_xml: bytes | None) -> None:
        self.created = rels_xml is None
        self.data = _EMPTY_RELS if rels_xml is None else rels_xml
        self.masked = mask_opaque_sections(self.data)
        closing = list(_RELATIONSHIPS_CLOSE_RE.finditer(self.masked))
        self._root_empty: re.Match[bytes] | None = None
        if not closing:
            empty = _RELATIONSHIPS_RE.search(self.masked)
            if empty is None or not empty.group("sc"):
                msg = "a relationships part has no closing </Relationships> tag."
                raise XlsxError(msg)
            self._root_empty = empty
            self._insert_at = empty.end() - 2
        else:
            self._insert_at = closing[-1].start()
        self.prefix = _element_prefix(self.masked, b"Relationships")
        self.spots: dict[str, _RelationshipSpot] = {}
        self._used: set[str] = set()
        for m in _RELATIONSHIP_RE.finditer(self.masked):
            attrs = attribute_map(m.group("a"))
            rel_id = unescape_xml(attrs.get(b"Id", b""))
            self._used.add(rel_id)
            end = m.end()
            if not m.group("sc"):
                close = _RELATIONSHIP_CLOSE_RE.search(self.masked, end)
                end = close.end() if close is not None else end
            span = None
            for a in ATTRIBUTE_RE.finditer(self.masked, m.start("a"), m.end("a")):
                if a.group(1) == b"Target":
                    group = 2 if a.group(2) is not None else 3
                    span = (a.start(group), a.end(group))
            self.spots.setdefault(
                rel_id,
                _RelationshipSpot(
                    id=rel_id,
                    type=unescape_xml(attrs.get(b"Type", b"")),
                    target=unescape_xml(attrs.get(b"Target", b"")),
                    external=unescape_xml(attrs.get(b"TargetMode", b"")) == "External",
                    start=m.start(),
                    end=end,
                    target_span=span,
                ),
            )
        self._added: list[bytes] = []
        self._escaped_types: dict[str, str] = {}  # a run adds thousands of one type
        self._retargeted: dict[str, str] = {}
        self._removed: set[str] = set()

    @property
    def changed(self) -> bool:
        return bool(self.created or self._added or self._retargeted or self._removed)

    def get(self, rel_id: str) -> _RelationshipSpot | None:
        return None if rel_id in self._removed else self.spots.get(rel_id)

    def add(self, rel_type: str, target: str, *, external: bool = False) -> str:
        number = len(self._used) + 1
        while f"rId{number}" in self._used:
            number += 1
        rel_id = f"rId{number}"
        self._used.add(rel_id)
        mode = ' TargetMode="External"' if external else ""
        escaped_type = self._escaped_types.get(rel_type)
        if escaped_type is None:
            escaped_type = self._escaped_types[rel_type] = escape_attribute(rel_type)
        self._added.append(
            f'<{self.prefix}Relationship Id="{rel_id}" Type="{escaped_type}" '
            f'Target="{escape_attribute(target)}"{mode}/>'.encode()
        )
        return rel_id

    def retarget(self, rel_id: str, target: str) -> None:
        spot = self.spots[rel_id]
        if spot.target_span is None:
            msg = f"a relationship ({rel_id}) has no Target to change."
            raise XlsxError(msg)
        if spot.target != target:
            self._retargeted[rel_id] = target

    def remove(self, rel_id: str) -> None:
        if rel_id in self.spots:
            self._removed.add(rel_id)
            self._retargeted.pop(rel_id, None)

    def to_bytes(self) -> bytes:
        splices: list[tuple[int, int, bytes]] = []
        for rel_id, target in self._retargeted.items():
            span = self.spots[rel_id].target_span
            assert span is not None
            splices.append((span[0], span[1], escape_attribute(target).encode()))
        for rel_id in self._removed:
            spot = self.spots[rel_id]
            splices.append((spot.start, spot.end, b""))
        if self._added:
            added = b"".join(self._added)
            if self._root_empty is not None:
                close = b"></" + self.prefix.encode() + b"Relationships>"
                splices.append((self._insert_at, self._root_empty.end(), b">" + added + close))
            else:
                splices.append((self._insert_at, self._insert_at, added))
        splices.sort(key=lambda s: (s[0], s[1]))
        parts, position = [], 0
        for start, end, xml in splices:
            parts += [self.data[position:start], xml]
            position = end
        parts.append(self.data[position:])
        return b"".join(parts)


_DEFAULT_RE = any_prefix_start_tag_pattern(b"Default")
RELATIONSHIPS_CONTENT_TYPE = "application/vnd.openxmlformats-package.relationships+xml"


def with_rels_content_type(content_types: bytes) -> bytes | None:
    """``[Content_Types].xml`` with a Default for ``.rels`` parts, or None when it has one."""
    masked = mask_opaque_sections(content_types)
    for m in _DEFAULT_RE.finditer(masked):
        extension = unescape_xml(attribute_map(m.group("a")).get(b"Extension", b""))
        if extension.lower() == "rels":
            return None
    closing = list(_OVERRIDE_CLOSE_RE.finditer(masked))
    if not closing:
        msg = "[Content_Types].xml has no closing </Types> tag."
        raise XlsxError(msg)
    prefix = _element_prefix(masked, b"Types")
    default = f'<{prefix}Default Extension="rels" ContentType="{RELATIONSHIPS_CONTENT_TYPE}"/>'
    # Defaults conventionally come first; a reader must accept either order.
    first = re.search(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:Default|Override)(?=[\s/>])", masked)
    at = first.start() if first is not None else closing[-1].start()
    return content_types[:at] + default.encode() + content_types[at:]


def _element_prefix(masked: bytes, local_name: bytes) -> str:
    m = re.search(rb"<([A-Za-z_][\w.\-]*:)?" + local_name + rb"[\s/>]", masked)
    return m.group(1).decode() if m and m.group(1) else ""
