"""The workbook as a zip package: guarded reading and member-preserving rebuilding.

A workbook is an OPC package. We never let a general-purpose library re-save it, because that
drops whatever the library does not model (charts, slicers, VBA signatures...). Instead every
member we do not change is copied with the same name, order, bytes and zip metadata.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sheet_followup.errors import WorkbookError
from sheet_followup.xlsx.markup import (
    any_prefix_start_tag_pattern,
    attribute_map,
    mask_opaque_sections,
    unescape_xml,
)

# A real tracker is a few MB; anything claiming more than this per member is either not a
# workbook or a decompression bomb, and would exhaust memory before Excel could open it anyway.
MAX_MEMBER_SIZE = 1 << 30
MAX_TOTAL_SIZE = 4 << 30
# Spreadsheet XML deflates 5-50 times; a large part that claims to deflate hundreds of times is
# a decompression bomb, refused before anything (calamine included) inflates it.
BOMB_RATIO = 300
BOMB_MIN_SIZE = 20 << 20

_RELATIONSHIP_RE = any_prefix_start_tag_pattern(b"Relationship")
_ZIP64_EXTRA_ID = 0x0001


@dataclass(frozen=True)
class Relationship:
    """One ``<Relationship>`` of a ``.rels`` part, with its target resolved to a member name."""

    id: str
    type: str
    target: str  # zip member name ("xl/worksheets/sheet1.xml"), or the raw URI when external
    external: bool

    @property
    def type_name(self) -> str:
        """The last segment of the type URI, which is the same in transitional and strict."""
        return self.type.rsplit("/", 1)[-1]


class Package:
    """An opened workbook package; reads members with size guards."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.archive = archive
        self.infos: list[zipfile.ZipInfo] = archive.infolist()
        self._by_lower_name = {info.filename.lower(): info.filename for info in self.infos}

    def find(self, name: str) -> str | None:
        """The member name for a part name; OPC part names compare case-insensitively."""
        if name in self.archive.NameToInfo:
            return name
        return self._by_lower_name.get(name.lower())

    def read(self, name: str) -> bytes:
        """Read a member, refusing sizes that no real workbook has."""
        member = self.find(name)
        if member is None:
            msg = f"{self.path.name} is damaged: the part {name} is missing."
            raise WorkbookError(msg)
        info = self.archive.getinfo(member)
        _check_member_size(self.path, info)
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
            msg = f"{self.path.name} is damaged: cannot read {member} ({exc})."
            raise WorkbookError(msg) from exc

    def relationships(self, source_part: str) -> list[Relationship]:
        """Relationships of ``source_part`` ("" for the package itself)."""
        rels_name = relationships_part_name(source_part)
        if self.find(rels_name) is None:
            return []
        xml = mask_opaque_sections(self.read(rels_name))
        base = posixpath.dirname(source_part)
        result = []
        for m in _RELATIONSHIP_RE.finditer(xml):
            attrs = attribute_map(m.group("a"))
            target = unescape_xml(attrs.get(b"Target", b""))
            external = unescape_xml(attrs.get(b"TargetMode", b"")) == "External"
            result.append(
                Relationship(
                    id=unescape_xml(attrs.get(b"Id", b"")),
                    type=unescape_xml(attrs.get(b"Type", b"")),
                    target=target if external else resolve_target(base, target),
                    external=external,
                )
            )
        return result

    def part_name(self, name: str) -> str:
        """The actual member name for ``name``, decoding %-escapes if needed."""
        found = self.find(name) or self.find(unquote(name))
        return found if found is not None else name


@contextmanager
def open_package(path: Path) -> Iterator[Package]:
    """Open ``path`` as a zip package, turning every failure into a readable WorkbookError."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        msg = f"{path} does not exist."
        raise WorkbookError(msg) from exc
    except IsADirectoryError as exc:
        msg = f"{path} is a folder, not an Excel workbook."
        raise WorkbookError(msg) from exc
    except PermissionError as exc:
        msg = f"{path} cannot be read: permission denied."
        raise WorkbookError(msg) from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        msg = (
            f"{path.name} is not an .xlsx/.xlsm workbook (it is not a zip package). "
            "Old .xls files must be saved as .xlsx in Excel first."
        )
        raise WorkbookError(msg) from exc
    with archive:
        _check_archive(path, archive)
        yield Package(path, archive)


def _check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    names = [info.filename for info in archive.infolist()]
    if len(set(names)) != len(names):
        msg = f"{path.name} is damaged: its zip holds two members with the same name."
        raise WorkbookError(msg)
    total = 0
    for info in archive.infolist():
        _check_member_size(path, info)
        if info.flag_bits & 0x1:
            msg = f"{path.name} is encrypted (password-protected); remove the password in Excel."
            raise WorkbookError(msg)
        total += info.file_size
    if total > MAX_TOTAL_SIZE:
        msg = f"{path.name} unpacks to more than {MAX_TOTAL_SIZE >> 30} GiB; refusing to open it."
        raise WorkbookError(msg)
    if "[Content_Types].xml" not in archive.NameToInfo:
        msg = (
            f"{path.name} is a zip file but not an Excel workbook ([Content_Types].xml missing). "
            "If it is password-protected, remove the password in Excel."
        )
        raise WorkbookError(msg)


def _check_member_size(path: Path, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_MEMBER_SIZE:
        msg = (
            f"{path.name} holds a part ({info.filename}) that unpacks to "
            f"{info.file_size / (1 << 30):.1f} GiB; refusing to open it."
        )
        raise WorkbookError(msg)
    if info.file_size > BOMB_MIN_SIZE and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
        msg = (
            f"{path.name} holds a part ({info.filename}) that claims to unpack from "
            f"{info.compress_size:,} to {info.file_size:,} bytes, as a decompression bomb does; "
            "refusing to open it."
        )
        raise WorkbookError(msg)


def relationships_part_name(source_part: str) -> str:
    """``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``; ``""`` -> ``_rels/.rels``."""
    folder, name = posixpath.split(source_part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve_target(base_folder: str, target: str) -> str:
    """Resolve a relationship target (absolute ``/xl/...`` or relative) to a member name."""
    target = target.replace("\\", "/")
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(base_folder, target)
    normalised = posixpath.normpath(joined)
    return "" if normalised == "." else normalised.lstrip("/")


def rebuild_package(
    package: Package,
    replacements: Mapping[str, bytes],
    additions: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """A new zip: every member in its old order with its old metadata, some with new content.

    Unchanged members keep their decompressed bytes; replaced members are deflated. New
    members (only a styles part that did not exist) go at the end.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as out:
        for info in package.infos:
            if info.filename in replacements:
                data = replacements[info.filename]
                compress_type = zipfile.ZIP_DEFLATED
            else:
                data = package.read(info.filename)
                compress_type = info.compress_type
            copy = _copied_info(info, compress_type)
            out.writestr(copy, data)
            # zipfile gives members with no attributes "rw-------" while writing them; the
            # central directory is written from this same object at close, so restoring the
            # value here keeps the original (often 0, as Excel writes it).
            copy.external_attr = info.external_attr
        for name, data in additions:
            added = zipfile.ZipInfo(name, date_time=_latest_date_time(package.infos))
            added.compress_type = zipfile.ZIP_DEFLATED
            added.external_attr = 0o600 << 16
            out.writestr(added, data)
        out.comment = package.archive.comment
    return buffer.getvalue()


def _copied_info(info: zipfile.ZipInfo, compress_type: int) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = compress_type
    copy.comment = info.comment
    copy.external_attr = info.external_attr
    copy.internal_attr = info.internal_attr
    copy.create_system = info.create_system
    # The zip64 extra block describes the old sizes and offset; zipfile writes a fresh one
    # when needed, so only the other extra blocks (timestamps, alignment) are kept.
    copy.extra = _without_zip64_extra(info.extra)
    return copy


def _without_zip64_extra(extra: bytes) -> bytes:
    kept = bytearray()
    pos = 0
    while pos + 4 <= len(extra):
        block_id, size = struct.unpack_from("<HH", extra, pos)
        block = extra[pos : pos + 4 + size]
        if block_id != _ZIP64_EXTRA_ID and len(block) == 4 + size:
            kept += block
        pos += 4 + size
    return bytes(kept)


def _latest_date_time(infos: Sequence[zipfile.ZipInfo]) -> tuple[int, int, int, int, int, int]:
    stamps = [info.date_time for info in infos]
    return max(stamps) if stamps else (1980, 1, 1, 0, 0, 0)


_OVERRIDE_CLOSE_RE = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?Types\s*>")
_RELATIONSHIPS_CLOSE_RE = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?Relationships\s*>")


def add_content_type_override(content_types: bytes, part_name: str, content_type: str) -> bytes:
    """Append an ``<Override>`` for a new part; everything else stays byte-identical."""
    masked = mask_opaque_sections(content_types)
    closing = list(_OVERRIDE_CLOSE_RE.finditer(masked))
    if not closing:
        msg = "[Content_Types].xml has no closing </Types> tag."
        raise WorkbookError(msg)
    prefix = _element_prefix(masked, b"Types")
    override = f'<{prefix}Override PartName="/{part_name}" ContentType="{content_type}"/>'.encode()
    at = closing[-1].start()
    return content_types[:at] + override + content_types[at:]


def add_relationship(rels_xml: bytes | None, rel_type: str, target: str) -> tuple[bytes, str]:
    """Add a relationship with a fresh Id; returns the new part bytes and the Id used."""
    if rels_xml is None:
        rels_xml = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b"</Relationships>"
        )
    masked = mask_opaque_sections(rels_xml)
    used = {
        unescape_xml(attribute_map(m.group("a")).get(b"Id", b""))
        for m in _RELATIONSHIP_RE.finditer(masked)
    }
    number = len(used) + 1
    while f"rId{number}" in used:
        number += 1
    rel_id = f"rId{number}"
    closing = list(_RELATIONSHIPS_CLOSE_RE.finditer(masked))
    if not closing:
        msg = "a relationships part has no closing </Relationships> tag."
        raise WorkbookError(msg)
    prefix = _element_prefix(masked, b"Relationships")
    element = f'<{prefix}Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'
    at = closing[-1].start()
    return rels_xml[:at] + element.encode() + rels_xml[at:], rel_id


def _element_prefix(masked: bytes, local_name: bytes) -> str:
    m = re.search(rb"<([A-Za-z_][\w.\-]*:)?" + local_name + rb"[\s/>]", masked)
    return m.group(1).decode() if m and m.group(1) else ""
