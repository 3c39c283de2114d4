"""A zip member's stored bytes -> its part: the one inflate-and-check of xl_kik's own zip
readers (the intake of returned files, ``excel/intake``; the master reader, ``excel/master``),
which read members without ``zipfile``'s per-member overhead."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from typing import Any

#: a local file header (APPNOTE 4.3.7): signature, versions, flags, method, time, date, CRC,
#: sizes, then the lengths of the name and the extra field (fields 10 and 11)
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
LOCAL_SIGNATURE = b"PK\x03\x04"


def data_offset(header_offset: int, head: tuple) -> int:
    """Where a member's stored bytes start, from its local header ``head`` (unpacked
    :data:`LOCAL_HEADER`) at ``header_offset``."""
    return header_offset + LOCAL_HEADER.size + head[10] + head[11]


def inflate(comp: bytes, info: zipfile.ZipInfo) -> bytes | str:
    """The part stored as ``comp`` (stored or deflated), never more than it declares, checked
    against its declared size and CRC; or a short reason why it is damaged."""
    if info.compress_type == zipfile.ZIP_STORED:
        blob = comp
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            inflater = zlib.decompressobj(-15)
            blob = inflater.decompress(comp, info.file_size + 1)
        except zlib.error as exc:
            return f"zlib: {exc}"[:80]
    else:
        return f"komprimering {info.compress_type} / compression {info.compress_type}"
    if len(blob) != info.file_size:
        return "størrelsen passer ikke / size mismatch"
    if zlib.crc32(blob) != info.CRC:
        return "CRC"
    return blob


#: the end of central directory record (APPNOTE 4.3.16) and a central directory header (4.3.12)
END_RECORD = struct.Struct(zipfile.structEndArchive)  # "<4s4H2LH"
CENTRAL_HEADER = struct.Struct(zipfile.structCentralDir)  # "<4s4B4HL2L5H2L", as zipfile reads it
END_SIGNATURE = b"PK\x05\x06"
CENTRAL_SIGNATURE = b"PK\x01\x02"
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_MAX_EXTRACT_VERSION = zipfile.MAX_EXTRACT_VERSION  # zipfile refuses newer (NotImplementedError)


class Member:
    """What a central directory entry says of one member: the fields of ``zipfile.ZipInfo``
    that xl_kik's readers use, under the same names."""

    __slots__ = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size", "header_offset")

    def __init__(self, filename: str, flag_bits: int, compress_type: int, crc: int, compress_size: int,
                 file_size: int, header_offset: int) -> None:
        self.filename = filename
        self.flag_bits = flag_bits
        self.compress_type = compress_type
        self.CRC = crc
        self.compress_size = compress_size
        self.file_size = file_size
        self.header_offset = header_offset

    def is_dir(self) -> bool:
        return self.filename.endswith("/")


def plain_members(data: bytes) -> list[Member] | None:
    """The members of the zip ``data`` when its directory is in the plain form every office
    writer uses, else None (then ask ``zipfile``, which also says why a damaged zip is damaged).

    The plain form: one end record, at the very end and without a comment, no Zip64 records, a
    single disk, the central directory right before the end record and tiled exactly by its
    entries (as many as the end record counts), each with a version ``zipfile`` reads, no extra
    field, no comment and a name without a NUL (a backslash on Windows). For such a zip the
    result is what ``zipfile.ZipFile(...).infolist()`` gives, field for field (a test compares
    them), without its per-member objects: a few microseconds instead of some 50-80 per return."""
    n = len(data)
    if n < END_RECORD.size:
        return None
    end = n - END_RECORD.size
    sig, disk, cd_disk, here, count, cd_size, cd_offset, comment = END_RECORD.unpack_from(data, end)
    if sig != END_SIGNATURE or comment or disk or cd_disk or here != count or cd_offset + cd_size != end:
        return None
    if end >= 20 and data[end - 20:end - 16] == ZIP64_LOCATOR_SIGNATURE:
        return None
    out = []
    pos = cd_offset
    unpack = CENTRAL_HEADER.unpack_from
    size = CENTRAL_HEADER.size
    for _ in range(count):
        if pos + size > end:
            return None
        (sig, _made, _system, version, _reserved, flags, method, _time, _date, crc, csize, usize, name_len,
         extra_len, comment_len, _disk, _internal, _external, offset) = unpack(data, pos)
        if sig != CENTRAL_SIGNATURE or extra_len or comment_len or version > _MAX_EXTRACT_VERSION:
            return None
        start = pos + size
        pos = start + name_len
        if pos > end:
            return None
        raw = data[start:pos]
        try:
            name = raw.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if "\x00" in name or (os.sep != "/" and os.sep in name):
            return None
        out.append(Member(name, flags, method, crc, csize, usize, offset))
    return out if pos == end else None


def member_name(info: Any) -> str:
    """A zip member's name as the program that made the zip meant it, for messages and file names.
    Without the UTF-8 flag ``zipfile`` reads a name as code page 437, but macOS, Linux and many
    tools write UTF-8 without the flag, and Windows' own zip folders the OEM code page (850 in
    Denmark): ``"B├╕rnehuset"`` is shown ``"Børnehuset"``."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeError:
        return name
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp850", "replace")
