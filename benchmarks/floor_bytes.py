"""The byte floor: what any program must do with the workbook's bytes, in any language.

``python benchmarks/floor_bytes.py TRACKER.xlsx OUT_FOLDER DRAFTS``

Issue 17 measures the tool against the work no program can skip: read the zip's directory,
inflate the tracker sheet (the largest worksheet) and the shared strings, deflate the edited
sheet (here the same bytes, at the compression level the tool writes), write the new file with
every other member copied as it is (its compressed bytes, never inflated), make it durable and
rename it over the original, and create one file per draft (``DRAFTS`` of them, 1 KB each: what
the tool's run wrote). It streams, a megabyte at a time, so its peak memory is the bound a
streaming run could reach. Nothing else: no parsing of the XML, no decisions, no notes
rendered, no check of what was written, no backup. Python's start-up and ``zipfile`` are
counted, as the tool's are.
"""

from __future__ import annotations

import os
import struct
import sys
import zipfile
import zlib

PIECE = 1 << 20
_LOCAL = struct.Struct("<4s5H3I2H")  # the local file header, without name and extra field
_CENTRAL = struct.Struct("<4s6H3I5H2I")
_END = struct.Struct("<4s4H2IH")


def main(path: str, out: str, drafts: int) -> int:
    temp = path + ".tmp"
    with zipfile.ZipFile(path) as source, open(path, "rb") as raw, open(temp, "wb") as target:  # noqa: PTH123
        infos = source.infolist()
        sheets = [i for i in infos if i.filename.startswith("xl/worksheets/sheet")]
        sheet = max(sheets, key=lambda i: i.file_size)
        with source.open("xl/sharedStrings.xml") as strings:
            while strings.read(PIECE):  # inflated: the cells' text is in it
                pass
        central = []
        for info in infos:
            name = info.filename.encode()
            offset = target.tell()
            if info is sheet:
                # Inflate and deflate piece by piece; the header's sizes are filled in after.
                target.write(_LOCAL.pack(b"PK\x03\x04", 20, 0, 8, 0, 0, 0, 0, 0, len(name), 0))
                target.write(name)
                compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
                crc = size = written = 0
                with source.open(info) as stream:
                    while piece := stream.read(PIECE):
                        crc, size = zlib.crc32(piece, crc), size + len(piece)
                        deflated = compressor.compress(piece)
                        target.write(deflated)
                        written += len(deflated)
                tail = compressor.flush()
                target.write(tail)
                written += len(tail)
                end = target.tell()
                target.seek(offset)
                target.write(
                    _LOCAL.pack(b"PK\x03\x04", 20, 0, 8, 0, 0, crc, written, size, len(name), 0)
                )
                target.seek(end)
            else:
                # Every other member as it is: its compressed bytes, never inflated.
                raw.seek(info.header_offset)
                name_length, extra_length = _LOCAL.unpack(raw.read(_LOCAL.size))[9:11]
                raw.seek(name_length + extra_length, os.SEEK_CUR)
                crc, written, size = info.CRC, info.compress_size, info.file_size
                target.write(
                    _LOCAL.pack(
                        b"PK\x03\x04",
                        20,
                        0,
                        info.compress_type,
                        0,
                        0,
                        crc,
                        written,
                        size,
                        len(name),
                        0,
                    )
                )
                target.write(name)
                remaining = written
                while remaining:
                    piece = raw.read(min(PIECE, remaining))
                    target.write(piece)
                    remaining -= len(piece)
            compression = 8 if info is sheet else info.compress_type
            central.append(
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    compression,
                    0,
                    0,
                    crc,
                    written,
                    size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
            )
        start = target.tell()
        directory = b"".join(central)
        target.write(directory)
        target.write(
            _END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), start, 0)
        )
        target.flush()
        os.fsync(target.fileno())  # the tool makes its new file durable before the rename
    os.replace(temp, path)  # noqa: PTH105
    os.makedirs(out, exist_ok=True)  # noqa: PTH103
    note = b"x" * 1024
    for number in range(drafts):
        with open(os.path.join(out, f"{number}.md"), "wb") as stream:  # noqa: PTH118, PTH123
            stream.write(note)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
