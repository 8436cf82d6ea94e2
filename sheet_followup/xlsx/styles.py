"""Cell styles: telling date formats apart, and adding date and link variants of styles.

A date written into a cell only looks like a date if the cell's style has a date number
format. Existing styles (``<xf>`` entries in ``<cellXfs>``) are shared by many cells and are
referenced by index, so they are never changed or renumbered: a date variant is appended.
Likewise a new cell holding a link looks like one (underlined, in the link blue) through an
appended font and an appended variant of the cell's style; existing fonts are never touched.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import (
    QNAME_PREFIX,
    any_prefix_start_tag_pattern,
    attribute_map,
    format_attribute,
    mask_opaque_sections,
    parse_attributes,
    unescape_xml,
)

DEFAULT_DATE_FORMAT_ID = 14  # Excel's built-in short date; shown in the user's locale.

# Built-in ids that show a calendar date. 18-21 and 45-47 are time-only formats: a date in
# them would read "0:00", so a cell styled like that still gets a date variant.
_BUILTIN_DATE_IDS = frozenset([14, 15, 16, 17, 22, *range(27, 37), *range(50, 59)])
_BUILTIN_TIME_IDS = frozenset([18, 19, 20, 21, 45, 46, 47])

_NUMFMT_RE = any_prefix_start_tag_pattern(b"numFmt")
_NUMFMTS_RE = any_prefix_start_tag_pattern(b"numFmts")
_CELLXFS_RE = any_prefix_start_tag_pattern(b"cellXfs")
_XF_RE = any_prefix_start_tag_pattern(b"xf")
# Quoted text, [colour]/[$-locale]/[h] brackets, backslash escapes and _x / *x fillers never
# carry date tokens.
_NON_TOKEN_RE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')

# Excel's hyperlink blue (the Office theme's hlink colour), as an RGB value so that it shows the
# same in a workbook without a theme part.
LINK_COLOUR = b"FF0563C1"

STYLES_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
MINIMAL_STYLES_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)


def is_date_format_code(code: str) -> bool:
    """True when a custom number format shows a calendar date (has a day or year token).

    A lone ``m`` is ambiguous (month or minute), so it only counts next to ``d`` or ``y``,
    which that rule already covers.
    """
    first_section = code.split(";", 1)[0]
    tokens = _NON_TOKEN_RE.sub("", first_section).lower()
    return "d" in tokens or "y" in tokens


@dataclass
class _Xf:
    attributes: list[tuple[bytes, bytes]]
    inner: bytes  # child elements (alignment, protection), b"" for an empty element
    qualified_name: bytes

    @property
    def number_format_id(self) -> int:
        raw = dict(self.attributes).get(b"numFmtId", b"0")
        try:
            return int(raw)
        except ValueError:
            return 0

    @property
    def font_id(self) -> int:
        try:
            return int(dict(self.attributes).get(b"fontId", b"0"))
        except ValueError:
            return 0

    def with_font(self, font_id: int) -> _Xf:
        attrs = [
            (name, value)
            for name, value in self.attributes
            if name not in (b"fontId", b"applyFont")
        ]
        attrs.insert(min(1, len(attrs)), (b"fontId", str(font_id).encode()))
        attrs.append((b"applyFont", b"1"))
        return _Xf(attrs, self.inner, self.qualified_name)

    def with_number_format(self, number_format_id: int) -> _Xf:
        attrs = [
            (name, value)
            for name, value in self.attributes
            if name not in (b"numFmtId", b"applyNumberFormat")
        ]
        attrs.insert(0, (b"numFmtId", str(number_format_id).encode()))
        attrs.append((b"applyNumberFormat", b"1"))
        return _Xf(attrs, self.inner, self.qualified_name)

    def same_as(self, other: _Xf) -> bool:
        return dict(self.attributes) == dict(other.attributes) and self.inner == other.inner

    def to_bytes(self) -> bytes:
        attrs = b"".join(format_attribute(name, value) for name, value in self.attributes)
        if self.inner:
            return (
                b"<" + self.qualified_name + attrs + b">" + self.inner
                + b"</" + self.qualified_name + b">"
            )  # fmt: skip
        return b"<" + self.qualified_name + attrs + b"/>"


@dataclass
class StylesEditor:
    """The styles part of one workbook, with the date variants this edit needs appended."""

    xml: bytes
    created: bool  # the package had no styles part; this one is made up
    _number_formats: dict[int, str] = field(default_factory=dict)
    _xfs: list[_Xf] = field(default_factory=list)
    _added: list[_Xf] = field(default_factory=list)
    _variants: dict[tuple[int, int], int] = field(default_factory=dict)
    _date_formats: dict[int, bool] = field(default_factory=dict)
    _cellxfs_tag: re.Match[bytes] | None = None
    _cellxfs_close: int = -1  # offset of </cellXfs>, -1 when the element is self-closing
    # <fonts>, read on the first link: its existing fonts' raw XML, its tag and its end tag.
    _fonts: list[bytes] | None = None
    _fonts_tag: re.Match[bytes] | None = None
    _fonts_close: int = -1
    _added_fonts: list[bytes] = field(default_factory=list)
    _link_variants: dict[int, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, xml: bytes | None) -> StylesEditor:
        editor = cls(xml=xml if xml is not None else MINIMAL_STYLES_XML, created=xml is None)
        editor._read()
        return editor

    def _read(self) -> None:
        masked = first_alternatives(mask_opaque_sections(self.xml))
        # Only <numFmts> defines the formats cells use; the numFmt of a differential format
        # (<dxfs>, for conditional formats and tables) may reuse a built-in id such as 14.
        numfmts = _NUMFMTS_RE.search(masked)
        formats_start = formats_end = 0
        if numfmts is not None and not numfmts.group("sc"):
            found = _end_tag(numfmts.group("q")).search(masked, numfmts.end())
            formats_start = numfmts.end()
            formats_end = found.start() if found is not None else formats_start
        for m in _NUMFMT_RE.finditer(masked, formats_start, formats_end):
            attrs = attribute_map(m.group("a"))
            try:
                format_id = int(attrs.get(b"numFmtId", b""))
            except ValueError:
                continue
            self._number_formats[format_id] = unescape_xml(attrs.get(b"formatCode", b""))
        tag = _CELLXFS_RE.search(masked)
        if tag is None:
            msg = "the workbook's styles part has no cell formats (cellXfs); it looks damaged."
            raise XlsxError(msg)
        self._cellxfs_tag = tag
        if tag.group("sc"):
            return
        close = _end_tag(tag.group("q")).search(masked, tag.end())
        if close is None:
            msg = "the workbook's styles part is damaged (cellXfs is not closed)."
            raise XlsxError(msg)
        self._cellxfs_close = close.start()
        xfs = _children(masked, _XF_RE, tag.end(), close.start())
        if xfs is None:
            msg = "the workbook's styles part is damaged (an xf is not closed)."
            raise XlsxError(msg)
        for xf, inner_end, _ in xfs:
            inner = self.xml[xf.end() : inner_end]
            self._xfs.append(_Xf(parse_attributes(xf.group("a")), inner, xf.group("q")))

    def number_format_id(self, style: int) -> int:
        xfs = self._xfs
        if 0 <= style < len(xfs):
            return xfs[style].number_format_id
        added = style - len(xfs)
        return self._added[added].number_format_id if 0 <= added < len(self._added) else 0

    def is_date_number_format(self, number_format_id: int) -> bool:
        known = self._date_formats.get(number_format_id)
        if known is None:
            if number_format_id in self._number_formats:
                known = is_date_format_code(self._number_formats[number_format_id])
            else:
                known = number_format_id in _BUILTIN_DATE_IDS
            self._date_formats[number_format_id] = known
        return known

    def is_date_style(self, style: int) -> bool:
        return self.is_date_number_format(self.number_format_id(style))

    def date_style(self, style: int, number_format_id: int = DEFAULT_DATE_FORMAT_ID) -> int:
        """``style`` if it already shows dates, else the index of its date variant."""
        key = (style, number_format_id)
        known = self._variants.get(key)
        if known is not None:
            return known
        if self.is_date_style(style):
            self._variants[key] = style
            return style
        index = self._add_xf(self._xf_at(style).with_number_format(number_format_id))
        self._variants[key] = index
        return index

    def link_style(self, style: int) -> int:
        """The index of ``style``'s variant that looks like a link: underlined, link blue.

        ``style`` itself when its font already is, and when the styles part has no fonts to
        add to (the link works all the same; it only looks like the text around it).
        """
        known = self._link_variants.get(style)
        if known is None:
            known = self._link_variants[style] = self._link_variant(style)
        return known

    def _link_variant(self, style: int) -> int:
        fonts = self._read_fonts()
        if fonts is None:
            return style
        base = self._xf_at(style)
        font_id = base.font_id
        all_fonts = fonts + self._added_fonts
        if not 0 <= font_id < len(all_fonts):
            return style
        font = _link_font(all_fonts[font_id])
        if font is None:
            return style  # underlined in the link colour already
        if font in all_fonts:
            new_font_id = all_fonts.index(font)
        else:
            self._added_fonts.append(font)
            new_font_id = len(all_fonts)
        return self._add_xf(base.with_font(new_font_id))

    def _xf_at(self, style: int) -> _Xf:
        """The cell format at ``style`` (existing or added); Excel's default for an index that
        points at nothing."""
        xfs = self._xfs
        if 0 <= style < len(xfs):
            return xfs[style]
        if len(xfs) <= style < len(xfs) + len(self._added):
            return self._added[style - len(xfs)]
        qname = xfs[0].qualified_name if xfs else b"xf"
        return _Xf(
            [(b"fontId", b"0"), (b"fillId", b"0"), (b"borderId", b"0"), (b"xfId", b"0")],
            b"",
            qname,
        )

    def _add_xf(self, variant: _Xf) -> int:
        """The index of a cell format like ``variant``: an existing one, else appended."""
        xfs = self._xfs + self._added
        index = next((i for i, xf in enumerate(xfs) if xf.same_as(variant)), None)
        if index is None:
            self._added.append(variant)
            index = len(xfs)
        return index

    def _read_fonts(self) -> list[bytes] | None:
        """The existing fonts' XML, read once; None when there is no ``<fonts>`` to add to."""
        if self._fonts is not None:
            return self._fonts
        fonts_re, font_re = _font_patterns()
        masked = first_alternatives(mask_opaque_sections(self.xml))
        tag = fonts_re.search(masked)
        if tag is None or tag.group("sc"):
            return None
        close = _end_tag(tag.group("q")).search(masked, tag.end())
        if close is None:
            return None
        fonts = _children(masked, font_re, tag.end(), close.start())
        if fonts is None:
            return None
        found = [self.xml[font.start() : end] for font, _, end in fonts]
        self._fonts, self._fonts_tag, self._fonts_close = found, tag, close.start()
        return found

    @property
    def changed(self) -> bool:
        return bool(self._added or self._added_fonts)

    def to_bytes(self) -> bytes:
        """The styles part with the added fonts and cell formats appended to their lists."""
        if not self.changed:
            return self.xml
        splices: list[tuple[int, int, bytes]] = []
        if self._added_fonts:
            assert self._fonts is not None and self._fonts_tag is not None
            count = len(self._fonts) + len(self._added_fonts)
            splices += _appended(self._fonts_tag, self._fonts_close, count, self._added_fonts)
        if self._added:
            assert self._cellxfs_tag is not None
            count = len(self._xfs) + len(self._added)
            new_xfs = [xf.to_bytes() for xf in self._added]
            splices += _appended(self._cellxfs_tag, self._cellxfs_close, count, new_xfs)
        out, position = [], 0
        for start, end, xml in sorted(splices):
            out += [self.xml[position:start], xml]
            position = end
        out.append(self.xml[position:])
        return b"".join(out)


def _appended(
    tag: re.Match[bytes], close: int, count: int, children: list[bytes]
) -> list[tuple[int, int, bytes]]:
    """Splices that append ``children`` to a list element and set its ``count``."""
    attrs = [(n, v) for n, v in parse_attributes(tag.group("a")) if n != b"count"]
    attrs.append((b"count", str(count).encode()))
    qname = tag.group("q")
    open_tag = b"<" + qname + b"".join(format_attribute(n, v) for n, v in attrs) + b">"
    added = b"".join(children)
    if close < 0:  # a self-closing list: opened up around the new children
        return [(tag.start(), tag.end(), open_tag + added + b"</" + qname + b">")]
    return [(tag.start(), tag.end(), open_tag), (close, close, added)]


_ALTERNATE_CONTENT_RE = re.compile(
    rb"<(?P<p>[\w.-]+:)?AlternateContent\b[^>]*>(?P<body>.*?)</(?P=p)?AlternateContent\s*>", re.S
)
_BRANCH_RE = re.compile(
    rb"<(?P<p>[\w.-]+:)?(?P<kind>Choice|Fallback)\b[^>]*?(?:/>|>.*?</(?P=p)?(?P=kind)\s*>)", re.S
)


def first_alternatives(masked: bytes) -> bytes:
    """Markup compatibility blocks (``mc:AlternateContent``) with all but their first branch
    blanked, keeping every offset: a reader takes one branch, so an ``<xf>`` given both as a
    Choice and as a Fallback (Hancom Office writes styles so) is one style, not two."""
    if b"AlternateContent" not in masked:
        return masked

    def keep_first(block: re.Match[bytes]) -> bytes:
        start = block.start("body") - block.start()
        text = bytearray(block.group())
        for number, branch in enumerate(_BRANCH_RE.finditer(block.group("body"))):
            if number:
                text[start + branch.start() : start + branch.end()] = b" " * len(branch.group())
        return bytes(text)

    return _ALTERNATE_CONTENT_RE.sub(keep_first, masked)


def _end_tag(qualified_name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"</" + re.escape(qualified_name) + rb"\s*>")


def _children(
    masked: bytes, start_tag: re.Pattern[bytes], start: int, end: int
) -> list[tuple[re.Match[bytes], int, int]] | None:
    """The elements of one kind between ``start`` and ``end`` (a list's children), each as
    (its start tag, where its content ends, where it ends); None when one is not closed."""
    found = []
    pos = start
    while (tag := start_tag.search(masked, pos, end)) is not None:
        if tag.group("sc"):
            inner_end = pos = tag.end()
        else:
            closing = _end_tag(tag.group("q")).search(masked, tag.end(), end)
            if closing is None:
                return None
            inner_end, pos = closing.start(), closing.end()
        found.append((tag, inner_end, pos))
    return found


@functools.cache
def _font_patterns() -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    # Compiled on the first link, not at import: each costs a millisecond or two to compile.
    return any_prefix_start_tag_pattern(b"fonts"), any_prefix_start_tag_pattern(b"font")


_LOOK_RE = re.compile(
    rb"<(?P<q>" + QNAME_PREFIX + rb"(?:u|color))(?=[\s/>])[^>]*?(?:/>|>\s*</(?P=q)\s*>)"
)
_FONT_HEAD_RE = re.compile(rb"<(" + QNAME_PREFIX + rb")font\b[^>]*?(/?)>")


def _link_font(font: bytes) -> bytes | None:
    """``font`` underlined and in the link colour; None when it already is.

    A font's children may come in any order (the schema is a choice), so its own underline and
    colour are dropped and the link's put first; everything else (size, name, bold) stays.
    """
    head = _FONT_HEAD_RE.match(font)
    if head is None:
        return None
    prefix = head.group(1)
    inner = b"" if head.group(2) else font[head.end() : font.rindex(b"<")]
    looks = {m.group("q").rpartition(b":")[2]: m.group(0) for m in _LOOK_RE.finditer(inner)}
    colour = looks.get(b"color", b"")
    underline = looks.get(b"u", b"")
    if underline and b"none" not in underline and LINK_COLOUR in colour:
        return None
    rest = _LOOK_RE.sub(b"", inner)
    return (
        b"<" + prefix + b"font>" + b"<" + prefix + b"u/><" + prefix + b'color rgb="'
        + LINK_COLOUR + b'"/>' + rest + b"</" + prefix + b"font>"
    )  # fmt: skip
