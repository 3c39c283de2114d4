"""The zip directory read without zipfile (``excel/zipparts.plain_members``): for every hostile
case, every case of the reused corpus and damaged variants of a real return, either it declines
(None: the intake asks zipfile) or it gives exactly what ``zipfile.ZipFile(...).infolist()`` gives,
field for field, for a zip zipfile opens."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import pytest

from bad_returns import make_corpus
from generator import build
from scoring_fixtures import kik_setup, participants as make_participants
from xl_kik.core.catalogue import builtin, scale
from xl_kik.core.round import Participant
from xl_kik.excel import intake, master as master_mod, scoring, zipparts

FIELDS = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size", "header_offset")


def _agrees(blob: bytes) -> bool | None:
    """None: plain_members declined; True: it read the directory and agrees with zipfile.
    Fails the test when it reads a directory zipfile refuses or reads differently."""
    got = zipparts.plain_members(blob)
    if got is None:
        return None
    try:
        want = zipfile.ZipFile(io.BytesIO(blob)).infolist()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"plain_members read a directory zipfile refuses ({type(exc).__name__}: {exc})")
    assert [tuple(getattr(m, f) for f in FIELDS) for m in got] == [tuple(getattr(i, f) for f in FIELDS) for i in want]
    assert [m.is_dir() for m in got] == [i.is_dir() for i in want]
    return True


def _a_return() -> bytes:
    setup, people = kik_setup(), make_participants(2)
    return scoring.ScoringTemplate(setup).render(people[0])


def test_every_hostile_case_and_the_corpus(tmp_path):
    root = tmp_path / "runde"
    people = [Participant("", f"Deltager {i:03d}", f"d{i}@x.dk") for i in range(130)]
    paths = master_mod.create_round(root, unit="Enhed", participants=people, catalogue=builtin("kik"),
                                    scale=scale("0-100"))
    data = master_mod.read_master(root)
    build(paths.returns, data.setup, data.participants)
    make_corpus(tmp_path / "corpus", kik_setup(), make_participants(3))
    files = [p for folder in (paths.returns, tmp_path / "corpus") for p in folder.iterdir() if p.is_file()]
    read = [_agrees(p.read_bytes()) for p in files]
    assert read.count(True) > 100  # the plain form is the common one: most cases are read so
    assert read.count(None) > 5    # and the odd zips among them go to zipfile


def _variants(blob: bytes):
    """Damaged or unusual forms of one zip's directory and end record."""
    end = len(blob) - 22
    sig, disk, cd_disk, here, count, cd_size, cd_offset, comment = struct.unpack_from("<4s4H2LH", blob, end)
    yield "as is", blob
    yield "comment", blob[:-2] + struct.pack("<H", 3) + b"abc"
    yield "prepended", b"x" * 100 + blob
    yield "appended", blob + b"\0" * 10
    yield "truncated end", blob[:-1]
    yield "count + 1", blob[:end] + struct.pack("<4s4H2LH", sig, disk, cd_disk, here + 1, count + 1, cd_size,
                                                 cd_offset, comment)
    yield "count - 1", blob[:end] + struct.pack("<4s4H2LH", sig, disk, cd_disk, here - 1, count - 1, cd_size,
                                                 cd_offset, comment)
    yield "disk 1", blob[:end] + struct.pack("<4s4H2LH", sig, 1, cd_disk, here, count, cd_size, cd_offset, comment)
    yield "size - 1", blob[:end] + struct.pack("<4s4H2LH", sig, disk, cd_disk, here, count, cd_size - 1,
                                                cd_offset + 1, comment)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1)
    yield "zip64 locator", blob[:end] + locator + blob[end:]
    rng = random.Random(14)
    for i in range(300):  # one byte of the central directory changed
        pos = rng.randrange(cd_offset, end + 22)
        yield f"byte {pos}", blob[:pos] + bytes([rng.randrange(256)]) + blob[pos + 1:]
    # an entry with an extra field, a comment, a newer version, a NUL or a non-UTF-8 name (flag 0x800)
    first = cd_offset
    head = bytearray(blob[first:first + 46])
    name_len = struct.unpack_from("<H", head, 28)[0]
    name = blob[first + 46:first + 46 + name_len]
    for label, patch in (("extra", lambda h: struct.pack_into("<H", h, 30, 4)),
                         ("comment", lambda h: struct.pack_into("<H", h, 32, 2)),
                         ("version 64", lambda h: struct.pack_into("<B", h, 6, 64)),
                         ("version 63", lambda h: struct.pack_into("<B", h, 6, 63))):
        h = bytearray(head)
        patch(h)
        extra = b"\x01\x00\x00\x00" if label == "extra" else b"ok" if label == "comment" else b""
        grown = len(extra)
        rest = blob[first + 46 + name_len:end]
        yield label, (blob[:first] + bytes(h) + name + extra + rest +
                      struct.pack("<4s4H2LH", sig, disk, cd_disk, here, count, cd_size + grown, cd_offset, comment))
    for label, new in (("nul", name[:3] + b"\0" + name[4:]), ("bad utf-8", b"\xff" + name[1:])):
        h = bytearray(head)
        struct.pack_into("<H", h, 8, struct.unpack_from("<H", h, 8)[0] | 0x800)
        yield label, blob[:first] + bytes(h) + new + blob[first + 46 + name_len:]


def test_damaged_directories_decline_or_agree_with_zipfile():
    seen = {True: 0, None: 0}
    for label, blob in _variants(_a_return()):
        got = _agrees(blob)
        seen[got] += 1
        if label in ("as is", "version 63"):
            assert got is True, label
        if label in ("comment", "prepended", "appended", "truncated end", "count + 1", "count - 1", "disk 1",
                     "size - 1", "zip64 locator", "extra", "version 64", "nul", "bad utf-8"):
            assert got is None, label
    assert seen[True] > 10 and seen[None] > 10


def test_the_intake_reads_either_way_alike(monkeypatch):
    """A return opened with the directory read by plain_members and by zipfile: the same workbook."""
    blob = _a_return()
    fast = intake.open_workbook("a.xlsx", data=blob)
    monkeypatch.setattr(zipparts, "plain_members", lambda data: None)
    intake._CHECKED.clear()
    slow = intake.open_workbook("a.xlsx", data=blob)
    assert not isinstance(fast, list) and not isinstance(slow, list)
    assert (fast.members, fast.sheets, fast._parts, fast.problems) == (slow.members, slow.sheets, slow._parts,
                                                                       slow.problems)
    assert fast.rows("Evaluering") == slow.rows("Evaluering")
