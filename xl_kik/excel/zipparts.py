"""A zip member's stored bytes -> its part: the one inflate-and-check of xl_kik's own zip
readers (the intake of returned files, ``excel/intake``; the master reader, ``excel/master``),
which read members without ``zipfile``'s per-member overhead."""

from __future__ import annotations

import struct
import zipfile
import zlib

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
