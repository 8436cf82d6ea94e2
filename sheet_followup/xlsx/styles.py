"""Cell styles: telling date formats apart, and adding date variants of existing styles.

A date written into a cell only looks like a date if the cell's style has a date number
format. Existing styles (``<xf>`` entries in ``<cellXfs>``) are shared by many cells and are
referenced by index, so they are never changed or renumbered: a date variant is appended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sheet_followup.errors import WorkbookError
from sheet_followup.xlsx.markup import (
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

    @classmethod
    def parse(cls, xml: bytes | None) -> StylesEditor:
        editor = cls(xml=xml if xml is not None else MINIMAL_STYLES_XML, created=xml is None)
        editor._read()
        return editor

    def _read(self) -> None:
        masked = mask_opaque_sections(self.xml)
        # Only <numFmts> defines the formats cells use; the numFmt of a differential format
        # (<dxfs>, for conditional formats and tables) may reuse a built-in id such as 14.
        numfmts = _NUMFMTS_RE.search(masked)
        formats_start = formats_end = 0
        if numfmts is not None and not numfmts.group("sc"):
            end_tag = re.compile(rb"</" + re.escape(numfmts.group("q")) + rb"\s*>")
            found = end_tag.search(masked, numfmts.end())
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
            raise WorkbookError(msg)
        self._cellxfs_tag = tag
        if tag.group("sc"):
            return
        close = re.compile(rb"</" + re.escape(tag.group("q")) + rb"\s*>").search(masked, tag.end())
        if close is None:
            msg = "the workbook's styles part is damaged (cellXfs is not closed)."
            raise WorkbookError(msg)
        self._cellxfs_close = close.start()
        pos = tag.end()
        while True:
            xf = _XF_RE.search(masked, pos, close.start())
            if xf is None:
                break
            if xf.group("sc"):
                inner, pos = b"", xf.end()
            else:
                end_tag = re.compile(rb"</" + re.escape(xf.group("q")) + rb"\s*>")
                end = end_tag.search(masked, xf.end(), close.start())
                if end is None:
                    msg = "the workbook's styles part is damaged (an xf is not closed)."
                    raise WorkbookError(msg)
                inner, pos = self.xml[xf.end() : end.start()], end.end()
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
        xfs = self._xfs + self._added
        if 0 <= style < len(xfs):
            base = xfs[style]
        else:
            qname = self._xfs[0].qualified_name if self._xfs else b"xf"
            base = _Xf(
                [(b"fontId", b"0"), (b"fillId", b"0"), (b"borderId", b"0"), (b"xfId", b"0")],
                b"",
                qname,
            )
        variant = base.with_number_format(number_format_id)
        index = next((i for i, xf in enumerate(xfs) if xf.same_as(variant)), None)
        if index is None:
            self._added.append(variant)
            index = len(xfs)
        self._variants[key] = index
        return index

    @property
    def changed(self) -> bool:
        return bool(self._added)

    def to_bytes(self) -> bytes:
        """The styles part with the added variants appended to ``<cellXfs>``."""
        if not self._added:
            return self.xml
        tag = self._cellxfs_tag
        assert tag is not None
        new_xfs = b"".join(xf.to_bytes() for xf in self._added)
        count = str(len(self._xfs) + len(self._added)).encode()
        attrs = [(n, v) for n, v in parse_attributes(tag.group("a")) if n != b"count"]
        attrs.append((b"count", count))
        qname = tag.group("q")
        open_tag = b"<" + qname + b"".join(format_attribute(n, v) for n, v in attrs) + b">"
        if self._cellxfs_close < 0:
            return (
                self.xml[: tag.start()] + open_tag + new_xfs + b"</" + qname + b">"
                + self.xml[tag.end() :]
            )  # fmt: skip
        return (
            self.xml[: tag.start()] + open_tag + self.xml[tag.end() : self._cellxfs_close]
            + new_xfs + self.xml[self._cellxfs_close :]
        )  # fmt: skip
