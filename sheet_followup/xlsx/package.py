"""The workbook as a zip package: guarded reading and member-preserving rebuilding.

A workbook is an OPC package. We never let a general-purpose library re-save it, because that
drops whatever the library does not model (charts, slicers, VBA signatures...). Instead every
member we do not change is copied with the same name, order, bytes and zip metadata.
"""

from __future__ import annotations

import io
import os
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.markup import (
    any_prefix_start_tag_pattern,
    attribute_map,
    mask_opaque_sections,
    unescape_xml,
)
from sheet_followup.xlsx.splice import SplicedPart

# A real tracker is a few MB; anything claiming more than this per member is either not a
# workbook or a decompression bomb, and would exhaust memory before Excel could open it anyway.
MAX_MEMBER_SIZE = 1 << 30
MAX_TOTAL_SIZE = 4 << 30
# Spreadsheet XML deflates 5-50 times; a large part that claims to deflate hundreds of times is
# a decompression bomb, refused before anything (calamine included) inflates it.
BOMB_RATIO = 300
BOMB_MIN_SIZE = 20 << 20
# The shared strings are read whole, before any sheet: a tracker's are a few MB, a million rows
# of text a few hundred. More than this is refused, bomb or not.
MAX_SHARED_STRINGS_SIZE = 256 << 20
# A workbook is a few dozen parts, a few thousand with many images; the zip format itself
# needs another layout past 65,535 (the writer would fail there).
MAX_PARTS = 20_000

_RELATIONSHIP_RE = any_prefix_start_tag_pattern(b"Relationship")
_RELATIONSHIPS_RE = any_prefix_start_tag_pattern(b"Relationships")
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
            raise XlsxError(msg)
        info = self.archive.getinfo(member)
        _check_member_size(self.path, info)
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
            msg = f"{self.path.name} is damaged: cannot read {member} ({exc})."
            raise XlsxError(msg) from exc

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
    """Open ``path`` as a zip package, turning every failure into a readable XlsxError."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        msg = f"{path} does not exist."
        raise XlsxError(msg) from exc
    except IsADirectoryError as exc:
        msg = f"{path} is a folder, not an Excel workbook."
        raise XlsxError(msg) from exc
    except PermissionError as exc:
        msg = f"{path} cannot be read: permission denied."
        raise XlsxError(msg) from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        msg = (
            f"{path.name} is not an .xlsx/.xlsm workbook (it is not a zip package). "
            "Old .xls files must be saved as .xlsx in Excel first."
        )
        raise XlsxError(msg) from exc
    with archive:
        _check_archive(path, archive)
        yield Package(path, archive)


def _check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    names = [info.filename for info in archive.infolist()]
    if len(names) > MAX_PARTS:
        msg = (
            f"{path.name} holds {len(names):,} parts, where a workbook has a few dozen; "
            "refusing to open it."
        )
        raise XlsxError(msg)
    if len(set(names)) != len(names):
        msg = f"{path.name} is damaged: its zip holds two members with the same name."
        raise XlsxError(msg)
    folded: dict[str, str] = {}
    for name in names:
        other = folded.setdefault(name.casefold(), name)
        if other != name:
            # Part names are case-insensitive (OPC): which of the two is the part depends on
            # who reads it, so an edit could read one and write the other.
            msg = (
                f"{path.name} is damaged: its zip holds two parts whose names differ only in "
                f"case ({other}, {name}); open it in Excel and save it again."
            )
            raise XlsxError(msg)
    total = 0
    for info in archive.infolist():
        _check_member_size(path, info)
        if info.flag_bits & 0x1:
            msg = f"{path.name} is encrypted (password-protected); remove the password in Excel."
            raise XlsxError(msg)
        total += info.file_size
    if total > MAX_TOTAL_SIZE:
        msg = f"{path.name} unpacks to more than {MAX_TOTAL_SIZE >> 30} GiB; refusing to open it."
        raise XlsxError(msg)
    if "[Content_Types].xml" not in archive.NameToInfo:
        msg = (
            f"{path.name} is a zip file but not an Excel workbook ([Content_Types].xml missing). "
            "If it is password-protected, remove the password in Excel."
        )
        raise XlsxError(msg)


def _check_member_size(path: Path, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_MEMBER_SIZE:
        msg = (
            f"{path.name} holds a part ({info.filename}) that unpacks to "
            f"{info.file_size / (1 << 30):.1f} GiB; refusing to open it."
        )
        raise XlsxError(msg)
    if info.file_size > MAX_SHARED_STRINGS_SIZE and info.filename.casefold().endswith(
        "sharedstrings.xml"
    ):
        msg = (
            f"{path.name} holds {info.file_size / (1 << 20):,.0f} MB of text in its shared "
            f"strings ({info.filename}), more than a tracker ever has; refusing to open it."
        )
        raise XlsxError(msg)
    if info.file_size > BOMB_MIN_SIZE and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
        msg = (
            f"{path.name} holds a part ({info.filename}) that claims to unpack from "
            f"{info.compress_size:,} to {info.file_size:,} bytes, as a decompression bomb does; "
            "refusing to open it."
        )
        raise XlsxError(msg)


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


# A member's new content: bytes, or an edited sheet made block by block as it is deflated.
Content = bytes | SplicedPart


def rebuild_package(
    package: Package,
    replacements: Mapping[str, Content],
    additions: Sequence[tuple[str, Content]] = (),
) -> bytes:
    """A new zip: every member in its old order with its old metadata, some with new content.

    Unchanged members are copied as they are stored, compressed bytes and all: nothing is
    inflated or deflated again, and the copy is exact. Replaced members are deflated (a large
    one on several cores, as it is spliced). New members (a new sheet, a styles part that did
    not exist) go at the end.
    """
    sizes = sum(info.compress_size + len(info.filename) + len(info.extra) for info in package.infos)
    sizes += sum(len(data) for data in replacements.values())
    sizes += sum(len(data) for _, data in additions)
    if sizes + 1024 * (len(package.infos) + len(additions)) >= _ZIP32_LIMIT:
        return _rebuild_with_zipfile(package, replacements, additions)
    writer = _ZipWriter()
    for info in package.infos:
        data = replacements.get(info.filename)
        if data is None:
            writer.copy(info, _stored_bytes(package, info))
        else:
            writer.deflate(_copied_info(info, zipfile.ZIP_DEFLATED), data)
    for name, data in additions:
        writer.deflate(_added_info(package, name), data)
    return writer.finish(package.archive.comment)


def _rebuild_with_zipfile(
    package: Package,
    replacements: Mapping[str, Content],
    additions: Sequence[tuple[str, Content]],
) -> bytes:
    """The general way, through zipfile (zip64 included), for packages near 4 GiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as out:
        for info in package.infos:
            if info.filename in replacements:
                data = _whole(replacements[info.filename])
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
        for name, content in additions:
            out.writestr(_added_info(package, name), _whole(content))
        out.comment = package.archive.comment
    return buffer.getvalue()


def _whole(content: Content) -> bytes:
    return content.to_bytes() if isinstance(content, SplicedPart) else content


def _added_info(package: Package, name: str) -> zipfile.ZipInfo:
    added = zipfile.ZipInfo(name, date_time=_latest_date_time(package.infos))
    added.compress_type = zipfile.ZIP_DEFLATED
    added.external_attr = 0o600 << 16
    return added


def _stored_bytes(package: Package, info: zipfile.ZipInfo) -> bytes:
    """A member's data as stored in the zip (still compressed), read from the open archive.

    The archive's own file handle is used, so the bytes come from the same file the package
    was opened from even if the path has been replaced since.
    """
    handle = package.archive.fp
    damaged = f"{package.path.name} is damaged: cannot read {info.filename}"
    if handle is None:
        raise XlsxError(damaged + ".")
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise XlsxError(damaged + " (its local header is missing).")
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    handle.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    data = handle.read(info.compress_size)
    if len(data) != info.compress_size:
        raise XlsxError(damaged + " (it is cut short).")
    return data


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP32_LIMIT = 0xFFFF0000  # above this the sizes and offsets need zip64
_DATA_DESCRIPTOR = 0x08
_UTF8_NAME = 0x800
_PARALLEL_DEFLATE_SIZE = 4 << 20
_DEFLATE_WINDOW = 32 << 10


class _ZipWriter:
    """Writes a zip member by member, the way zipfile lays one out (no zip64, no data
    descriptors), but can take a member's stored bytes as they are."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.central: list[bytes] = []
        self.offset = 0

    def copy(self, info: zipfile.ZipInfo, stored: bytes) -> None:
        """A member exactly as it was stored: same method, same compressed bytes."""
        flags = info.flag_bits & ~_DATA_DESCRIPTOR
        self._write(info, flags, info.compress_type, info.CRC, stored, info.file_size)

    def deflate(self, info: zipfile.ZipInfo, content: Content) -> None:
        try:
            info.filename.encode("ascii")
            flags = 0
        except UnicodeEncodeError:
            flags = _UTF8_NAME
        info.create_version = info.extract_version = zipfile.DEFAULT_VERSION
        if isinstance(content, SplicedPart) and len(content) >= _PARALLEL_DEFLATE_SIZE:
            stored, crc = _deflate_blocks(content.blocks(_block_size(len(content))))
            size = len(content)
        else:
            data = _whole(content)
            stored, crc, size = _deflate(data), zlib.crc32(data), len(data)
        self._write(info, flags, zipfile.ZIP_DEFLATED, crc, stored, size)

    def _write(
        self,
        info: zipfile.ZipInfo,
        flags: int,
        method: int,
        crc: int,
        stored: bytes,
        size: int,
    ) -> None:
        name = info.filename.encode("utf-8" if flags & _UTF8_NAME else "cp437")
        extra = _without_zip64_extra(info.extra)
        year, month, day, hour, minute, second = info.date_time
        dos_date = (year - 1980) << 9 | month << 5 | day
        dos_time = hour << 11 | minute << 5 | second // 2
        version = max(info.extract_version, zipfile.DEFAULT_VERSION)
        header = _LOCAL_HEADER.pack(
            b"PK\x03\x04", version, 0, flags, method, dos_time, dos_date,
            crc, len(stored), size, len(name), len(extra),
        )  # fmt: skip
        central = _CENTRAL_HEADER.pack(
            b"PK\x01\x02", max(info.create_version, zipfile.DEFAULT_VERSION),
            info.create_system, version, 0, flags, method, dos_time, dos_date, crc,
            len(stored), size, len(name), len(extra), len(info.comment), 0,
            info.internal_attr, info.external_attr, self.offset,
        )  # fmt: skip
        self.central += [central, name, extra, info.comment]
        self.parts += [header, name, extra, stored]
        self.offset += len(header) + len(name) + len(extra) + len(stored)

    def finish(self, comment: bytes) -> bytes:
        directory = b"".join(self.central)
        count = len(self.central) // 4
        end = _END_RECORD.pack(
            b"PK\x05\x06", 0, 0, count, count, len(directory), self.offset, len(comment)
        )
        return b"".join([*self.parts, directory, end, comment])


def _deflate(data: bytes) -> bytes:
    """Raw deflate at zipfile's level, split over the cores for a large part."""
    if len(data) < _PARALLEL_DEFLATE_SIZE or _workers() < 2:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush()
    view = memoryview(data)
    step = _block_size(len(data))
    return _deflate_blocks(view[start : start + step] for start in range(0, len(data), step))[0]


def _workers() -> int:
    return min(os.cpu_count() or 1, 4)


def _block_size(size: int) -> int:
    """Blocks that keep every core busy on a sheet of a few MB (two blocks of 4 MB and 0.2 MB
    would leave one idle), and no bigger than 4 MB on a large one."""
    share = -(-size // _workers())
    return max(_DEFLATE_WINDOW * 8, min(share, _PARALLEL_DEFLATE_SIZE))


def _deflate_blocks(blocks: Iterable[bytes | memoryview]) -> tuple[bytes, int]:
    """One raw deflate stream of the blocks, and their CRC-32, without joining the blocks.

    Each block starts a fresh deflate stream primed with the 32 KiB before it, so it
    compresses as well as one stream; each ends on a byte boundary (a sync flush), and an
    empty final block closes them all, so their concatenation is one valid stream (as pigz
    does). zlib releases the GIL while it works, so the blocks are deflated on the other cores
    while this thread makes the next ones; at most a few are held at once.
    """
    # Imported here: concurrent.futures brings logging and threading with it, 6 ms of every
    # start, and only a large sheet gets this far.
    from concurrent.futures import Future, ThreadPoolExecutor

    def piece(block: bytes | memoryview, primer: bytes | memoryview) -> bytes:
        compressor = (
            zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15, zdict=primer)
            if primer
            else zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        )
        return compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)

    workers = _workers()
    out: list[bytes] = []
    crc = 0
    if workers < 2:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        for block in blocks:
            crc = zlib.crc32(block, crc)
            out.append(compressor.compress(block))
        out.append(compressor.flush())
        return b"".join(out), crc
    pending: list[Future[bytes]] = []
    primer: bytes | memoryview = b""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for block in blocks:
            crc = zlib.crc32(block, crc)
            pending.append(pool.submit(piece, block, primer))
            # The window before the next block; a short block keeps some of the one before.
            primer = (
                block[-_DEFLATE_WINDOW:]
                if len(block) >= _DEFLATE_WINDOW
                else (bytes(primer) + bytes(block))[-_DEFLATE_WINDOW:]
            )
            if len(pending) > workers:
                out.append(pending.pop(0).result())
        out += [future.result() for future in pending]
    out.append(zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15).flush())
    return b"".join(out), crc


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
