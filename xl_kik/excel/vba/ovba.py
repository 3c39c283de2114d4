"""MS-OVBA compression (section 2.4.1): the LZ77 variant used for VBA module source and
the ``dir`` stream of a vbaProject.bin.

The compressor follows the matching rule of the specification (2.4.1.3.19.4): the
longest match inside the current chunk wins and, among equally long matches, the
nearest one. The only deviation is that match lengths are measured up to the largest
length a copy token can encode at the current position, so a long run does not make
the search quadratic; this never changes the output for the specification's examples
and keeps the container valid for every input.

Limitation inherited from the format: a *final, partial* chunk that does not compress
below 4096 bytes (3641-4095 bytes of high-entropy data) has to be stored as a raw chunk,
and raw chunks always decompress to 4096 bytes, so the specification pads it with
zeros. VBA source text never gets there.
"""

from __future__ import annotations

import struct

CHUNK_SIZE = 4096


def _copy_token_help(difference: int) -> tuple[int, int]:
    """Return (bit_count, maximum_length) for a copy token at ``difference`` bytes
    into the decompressed chunk (MS-OVBA 2.4.1.3.19.3)."""
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    out = bytearray()
    chains: dict[bytes, list[int]] = {}  # 3-byte prefix -> positions, oldest first
    cur = start

    def remember(pos: int) -> None:
        if pos + 3 <= end:
            chains.setdefault(data[pos : pos + 3], []).append(pos)

    while cur < end:
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if cur >= end:
                break
            best_len, best_pos = 0, 0
            candidates = chains.get(data[cur : cur + 3]) if cur + 3 <= end else None
            if candidates:
                bit_count, max_len = _copy_token_help(cur - start)
                limit = min(max_len, end - cur)
                for cand in reversed(candidates):  # nearest first: ties keep the nearest
                    length = 3
                    while length < limit and data[cand + length] == data[cur + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_pos = length, cand
                        if length == limit:
                            break
            if best_len >= 3:
                token = ((cur - best_pos - 1) << (16 - bit_count)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                for pos in range(cur, cur + best_len):
                    remember(pos)
                cur += best_len
            else:
                out.append(data[cur])
                remember(cur)
                cur += 1
        out[flag_index] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer."""
    data = bytes(data)
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK_SIZE):
        end = min(start + CHUNK_SIZE, len(data))
        body = _compress_chunk(data, start, end)
        if len(body) <= CHUNK_SIZE:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
        else:  # raw chunk (2.4.1.3.10): always 4096 bytes, padded with zeros
            out += struct.pack("<H", 0x3000 | (CHUNK_SIZE + 2 - 3))
            out += data[start:end].ljust(CHUNK_SIZE, b"\x00")
    return bytes(out)


#: bit_count of a copy token (MS-OVBA 2.4.1.3.19.3) by its distance into the decompressed chunk
_BIT_COUNT = bytes(max((d - 1).bit_length(), 4) for d in range(CHUNK_SIZE + 1))


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (2.4.1.3.1).

    Runs of eight literal bytes are copied at once and copy tokens are read without
    ``struct``: a master's project is decompressed at every save (the repair check)."""
    if not container or container[0] != 0x01:
        raise ValueError("not an MS-OVBA compressed container (signature byte != 0x01)")
    container = bytes(container)
    bit_counts = _BIT_COUNT
    size = len(container)
    out = bytearray()
    pos = 1
    while pos < size:
        if pos + 2 > size:
            raise ValueError("truncated chunk header")
        header = container[pos] | (container[pos + 1] << 8)
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"invalid chunk signature at offset {pos}")
        chunk_end = min(pos + (header & 0x0FFF) + 3, size)
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[pos : pos + CHUNK_SIZE]
            pos = chunk_end
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            if not flags:  # eight literal bytes (fewer at the end of the chunk)
                end = min(pos + 8, chunk_end)
                out += container[pos:end]
                pos = end
                continue
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(container[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise ValueError("truncated copy token")
                token = container[pos] | (container[pos + 1] << 8)
                pos += 2
                here = len(out)
                difference = here - chunk_start
                bit_count = bit_counts[difference] if difference <= CHUNK_SIZE else (difference - 1).bit_length()
                length = (token & (0xFFFF >> bit_count)) + 3
                offset = (token >> (16 - bit_count)) + 1
                source = here - offset
                if source < chunk_start:
                    raise ValueError("copy token points before the start of its chunk")
                if offset >= length:
                    out += out[source : source + length]
                else:  # the copy overlaps what it writes: the last ``offset`` bytes repeat
                    pattern = out[source:here]
                    out += (pattern * (length // offset + 1))[:length]
    return bytes(out)
