"""Minimal MS-CFB (compound file, version 3) writer and reader, standard library only.

Writer: 512-byte sectors, a FAT held in the header's DIFAT array (files up to ~6.8 MB),
streams shorter than 4096 bytes in the mini stream (64-byte mini sectors, mini FAT),
all CLSIDs, state bits and timestamps zero so the output is deterministic. Each
storage's children form a balanced binary search tree ordered the MS-CFB way (shorter
name first, then the upper-cased names compared), coloured as a valid red-black tree.

Reader: enough to read the streams of a vbaProject.bin (v3 and v4 sector sizes).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1
_HEADER_DIFAT = 109


def name_key(name: str) -> tuple[int, str]:
    """MS-CFB sibling order: by UTF-16 length, then by upper-cased name."""
    return (len(name.encode("utf-16-le")), name.upper())


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b"") -> None:
        if not 0 < len(name) <= 31 or any(c in name for c in "/\\:!"):
            raise ValueError(f"invalid compound file entry name: {name!r}")
        self.name, self.kind, self.data = name, kind, data
        self.children: dict[str, _Entry] = {}
        self.left = self.right = self.child = NOSTREAM
        self.color = BLACK
        self.start, self.size = ENDOFCHAIN if kind == STREAM else 0, len(data)


def _build_tree(entries: list[_Entry], ids: dict[int, int], depth: int, max_depth: int) -> int:
    """Link ``entries`` (sorted) as a balanced tree; return the root's id.

    With midpoint splits every level above the deepest one is full, so colouring the
    deepest level red (unless it is the root) gives equal black heights everywhere."""
    if not entries:
        return NOSTREAM
    mid = len(entries) // 2
    node = entries[mid]
    node.color = RED if depth == max_depth and depth > 0 else BLACK
    node.left = _build_tree(entries[:mid], ids, depth + 1, max_depth)
    node.right = _build_tree(entries[mid + 1 :], ids, depth + 1, max_depth)
    return ids[id(node)]


def _tree_depth(n: int) -> int:
    return 0 if n <= 1 else 1 + _tree_depth(max(n // 2, n - n // 2 - 1))


def write_cfb(streams: Mapping[str, bytes]) -> bytes:
    """Build a compound file from ``{"path/to/stream": data}`` (storages are implied).

    Entries are numbered depth first in the mapping's insertion order."""
    root = _Entry("Root Entry", ROOT)
    order: list[_Entry] = [root]
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            key = part.upper()
            if key not in node.children:
                child = _Entry(part, STREAM if last else STORAGE, bytes(data) if last else b"")
                node.children[key] = child
                order.append(child)
            elif last or node.children[key].kind != STORAGE:
                raise ValueError(f"duplicate or conflicting compound file path: {path!r}")
            node = node.children[key]
    ids = {id(e): i for i, e in enumerate(order)}
    for entry in order:
        kids = sorted(entry.children.values(), key=lambda e: name_key(e.name))
        entry.child = _build_tree(kids, ids, 0, _tree_depth(len(kids)))

    # Sector contents: big streams, the mini stream, the mini FAT, the directory, the FAT.
    sectors = bytearray()
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        first = len(fat)
        count = -(-len(data) // SECTOR)
        fat.extend(range(first + 1, first + count))
        fat.append(ENDOFCHAIN)
        sectors.extend(data.ljust(count * SECTOR, b"\x00"))
        return first

    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in order:
        if entry.kind != STREAM or not entry.data:
            continue
        if len(entry.data) >= MINI_CUTOFF:
            entry.start = allocate(entry.data)
        else:
            entry.start = len(mini_fat)
            count = -(-len(entry.data) // MINI_SECTOR)
            mini_fat.extend(range(entry.start + 1, entry.start + count))
            mini_fat.append(ENDOFCHAIN)
            mini_stream.extend(entry.data.ljust(count * MINI_SECTOR, b"\x00"))
    root.start, root.size = allocate(bytes(mini_stream)), len(mini_stream)
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes += b"\xff" * (-len(mini_fat_bytes) % SECTOR)
    first_mini_fat = allocate(mini_fat_bytes)
    first_dir = allocate(_directory(order))

    n_fat = 0
    while n_fat * (SECTOR // 4) < len(fat) + n_fat:
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise ValueError("compound file too large for a header-only DIFAT")
    fat_start = len(fat)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREESECT] * (n_fat * (SECTOR // 4) - len(fat)))
    sectors.extend(struct.pack(f"<{len(fat)}I", *fat))

    difat = list(range(fat_start, fat_start + n_fat)) + [FREESECT] * (_HEADER_DIFAT - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        SIGNATURE, b"\x00" * 16, 0x003E, 0x0003, 0xFFFE, 9, 6, b"\x00" * 6,
        0, n_fat, first_dir, 0, MINI_CUTOFF,
        first_mini_fat, len(mini_fat_bytes) // SECTOR, ENDOFCHAIN, 0,
    ) + struct.pack(f"<{_HEADER_DIFAT}I", *difat)
    return header + bytes(sectors)


_EMPTY_ENTRY = b"\x00" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\x00" * 48


def _dir_entry(e: _Entry) -> bytes:
    name = e.name.encode("utf-16-le") + b"\x00\x00"
    return (
        name.ljust(64, b"\x00")
        + struct.pack("<HBBIII", len(name), e.kind, e.color, e.left, e.right, e.child)
        + b"\x00" * 16  # CLSID
        + b"\x00" * 4  # state bits
        + b"\x00" * 16  # creation and modification times
        + struct.pack("<IQ", e.start, e.size)
    )


def _directory(order: list[_Entry]) -> bytes:
    data = b"".join(_dir_entry(e) for e in order)
    return data + _EMPTY_ENTRY * (-len(order) % (SECTOR // 128))


# --------------------------------------------------------------------------- reader


def read_cfb(data: bytes) -> dict[str, bytes]:
    """Return every stream of a compound file as ``{"storage/stream": data}``."""
    data = bytes(data)
    if len(data) < 512 or data[:8] != SIGNATURE:
        raise ValueError("not a compound file")
    (sector_shift, mini_shift) = struct.unpack_from("<HH", data, 30)
    n_fat, first_dir, _, cutoff, first_minifat, n_minifat, first_difat, n_difat = struct.unpack_from(
        "<IIIIIIII", data, 44
    )
    ssize, msize = 1 << sector_shift, 1 << mini_shift
    base = max(512, ssize)  # the header occupies one whole sector

    def sector(i: int) -> bytes:
        off = base + i * ssize
        if off >= len(data):
            raise ValueError(f"sector {i:#x} out of range")
        return data[off : off + ssize]

    fat_sectors = list(struct.unpack_from("<109I", data, 76))
    difat, seen = first_difat, 0
    while difat < FATSECT and seen <= n_difat:
        entries = struct.unpack(f"<{ssize // 4}I", sector(difat))
        fat_sectors.extend(entries[:-1])
        difat, seen = entries[-1], seen + 1
    fat: list[int] = []
    for s in fat_sectors[:n_fat]:
        fat.extend(struct.unpack(f"<{ssize // 4}I", sector(s)))

    def chain(start: int, table: list[int]) -> list[int]:
        out: list[int] = []
        while start < FATSECT:
            if start >= len(table) or len(out) > len(table):
                raise ValueError("broken sector chain")
            out.append(start)
            start = table[start]
        return out

    def read_big(start: int) -> bytes:
        return b"".join(sector(s) for s in chain(start, fat))

    directory = read_big(first_dir)
    entries = []
    for off in range(0, len(directory) - 127, 128):
        raw = directory[off : off + 128]
        name_len, kind, _color, left, right, child = struct.unpack_from("<HBBIII", raw, 64)
        start, size = struct.unpack_from("<IQ", raw, 116)
        name = raw[: max(name_len - 2, 0)].decode("utf-16-le", "replace")
        entries.append((name, kind, left, right, child, start, size & 0xFFFFFFFF if ssize == 512 else size))
    if not entries or entries[0][1] != ROOT:
        raise ValueError("compound file without a root entry")
    mini_fat = list(struct.unpack(f"<{len(b := read_big(first_minifat)) // 4}I", b)) if n_minifat else []
    mini_stream = read_big(entries[0][5])

    def read_stream(start: int, size: int) -> bytes:
        if size < cutoff:
            return b"".join(mini_stream[s * msize : (s + 1) * msize] for s in chain(start, mini_fat))[:size]
        return read_big(start)[:size]

    result: dict[str, bytes] = {}
    visited: set[int] = set()

    def walk(sid: int, prefix: str) -> None:
        if sid == NOSTREAM:
            return
        if sid in visited or sid >= len(entries):
            raise ValueError("corrupt directory tree")
        visited.add(sid)
        name, kind, left, right, child, start, size = entries[sid]
        walk(left, prefix)
        walk(right, prefix)
        if kind == STREAM:
            result[prefix + name] = read_stream(start, size)
        elif kind == STORAGE:
            walk(child, prefix + name + "/")

    walk(entries[0][4], "")
    return result
