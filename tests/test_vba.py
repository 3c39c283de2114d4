"""vbaProject.bin writer: MS-OVBA compression, MS-CFB container, VBA project streams.

Oracles: the MS-OVBA specification's worked examples, oletools (decompression and
VBA_Parser), olefile (strict compound file parsing), xlwings' own
quickstart_standalone.xlsm (a vbaProject.bin written by Office) and LibreOffice.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
from needs import require
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from xl_kik.excel.vba import (
    BUTTON_MACROS,
    VbaModule,
    build_vba_project,
    compress,
    decompress,
    installed_xlwings_version,
    project_modules,
    read_modules,
    vba_xlwings_version,
)
from xl_kik.excel.vba.cfb import name_key, read_cfb, write_cfb
from xl_kik.excel.vba.project import encrypt

import xlwings  # noqa: E402  (only to locate its files)

XLWINGS_DIR = Path(xlwings.__file__).parent
QUICKSTART = XLWINGS_DIR / "quickstart_standalone.xlsm"
MACROS_DIR = Path(__file__).resolve().parents[1] / "macros"


def strip_header(text: str) -> str:
    """Independent of the writer: drop a class file's VERSION/BEGIN..END block and the
    leading Attribute lines; normalise line ends to CRLF."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[0].startswith("VERSION 1.0 CLASS"):
        lines = lines[lines.index("END") + 1 :]
    while lines and lines[0].startswith("Attribute "):
        lines.pop(0)
    return "\r\n".join(lines)


def canon(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


# --------------------------------------------------------------------------- MS-OVBA 3.2

# 3.2.1 "No Compression Example"
SPEC_321 = (
    b"abcdefghijklmnopqrstuv.",
    "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E",
)
# 3.2.2 "Normal Compression Example", as published on learn.microsoft.com.
SPEC_322 = (
    b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 6D 6E 6F"
    " 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C",
)
# Older revisions of the specification printed a variant of 3.2.2 with three copy tokens
# pointing at farther (equally long) matches; it decompresses to the same string.
SPEC_322_OLD = (
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F"
    " 70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C"
)
# 3.2.3 "Maximum Compression Example": 73 times "a".
SPEC_323 = (b"a" * 73, "01 03 B0 02 61 45 00")


@pytest.mark.parametrize("plain, packed", [SPEC_321, SPEC_322, SPEC_323], ids=["3.2.1", "3.2.2", "3.2.3"])
def test_spec_examples_byte_for_byte(plain: bytes, packed: str) -> None:
    assert compress(plain) == bytes.fromhex(packed)
    assert decompress(bytes.fromhex(packed)) == plain
    assert decompress_stream(bytearray.fromhex(packed)) == plain


def test_spec_322_older_variant_decompresses() -> None:
    assert decompress(bytes.fromhex(SPEC_322_OLD)) == SPEC_322[0]


def test_spec_323_by_hand() -> None:
    """3.2.3 worked out from 2.4.1: container signature 0x01; chunk header = compressed
    flag 1, signature 0b011, chunk size (2 header + 1 flag + 1 literal + 2 token = 6)
    minus 3 = 3 -> 0xB003 (little endian 03 B0); flag byte
    0b10 (token 0 literal, token 1 copy); literal 'a'; copy token at difference 1 ->
    bit count 4, offset 1 -> (1 - 1) << 12, length 72 -> 72 - 3 = 69 = 0x45."""
    header = (1 << 15) | (0b011 << 12) | (6 - 3)
    token = ((1 - 1) << (16 - 4)) | (72 - 3)
    expected = b"\x01" + struct.pack("<H", header) + b"\x02" + b"a" + struct.pack("<H", token)
    assert expected == bytes.fromhex(SPEC_323[1])
    assert compress(b"a" * 73) == expected


def _text_like(size: int, seed: int) -> bytes:
    rnd = random.Random(seed)
    words = [b"Dim", b"As", b"String", b"End", b"Sub", b"If", b"Then", b"\r\n", b"    ", b"x", b"= 1"]
    out = bytearray()
    while len(out) < size:
        out += rnd.choice(words) + (b" " if rnd.random() < 0.7 else bytes([rnd.randrange(32, 127)]))
    return bytes(out[:size])


SIZES = [0, 1, 2, 3, 4, 17, 4095, 4096, 4097, 8191, 8192, 8193, 12288 + 5, 100_000]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", ["text", "repetitive", "runs"])
def test_round_trip_with_oletools(size: int, kind: str) -> None:
    if kind == "text":
        data = _text_like(size, size)
    elif kind == "repetitive":
        data = (b"a" * size)[:size]
    else:
        data = b"".join(bytes([i % 251]) * (i % 40 + 1) for i in range(size))[:size]
    packed = compress(data)
    assert decompress_stream(bytearray(packed)) == data
    assert decompress(packed) == data
    if size > 100:
        assert len(packed) < len(data)


@pytest.mark.parametrize("size", [1, 100, 3640, 4096, 8192, 4096 + 3000, 100_000 - 100_000 % 4096])
def test_round_trip_random_bytes(size: int) -> None:
    # Random data is stored in raw chunks; sizes chosen so that a partial last chunk
    # still compresses (raw chunks are always 4096 bytes, see the next test).
    data = random.Random(size).randbytes(size)
    packed = compress(data)
    assert decompress_stream(bytearray(packed)) == data
    assert decompress(packed) == data


def test_incompressible_partial_last_chunk_is_padded_like_the_spec() -> None:
    data = random.Random(1).randbytes(4095)
    packed = compress(data)
    assert packed[1:3] == b"\xff\x3f"  # raw chunk header
    assert decompress_stream(bytearray(packed)) == data + b"\x00"
    assert decompress(packed) == data + b"\x00"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000) | st.lists(st.sampled_from([b"a", b"ab", b"abc", b"\r\n", b"zz"]), max_size=3000).map(b"".join))
def test_round_trip_property(data: bytes) -> None:
    packed = compress(data)
    tail = len(data) % 4096
    expected = data
    if tail and len(packed) >= 4098 and packed[-4098:-4096] == b"\xff\x3f":
        expected = data + b"\x00" * (4096 - tail)  # incompressible final raw chunk
    assert decompress_stream(bytearray(packed)) == expected
    assert decompress(packed) == expected


def test_decompress_real_office_streams() -> None:
    vba = zipfile.ZipFile(QUICKSTART).read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(vba)
    for name in ("VBA/dir", "VBA/xlwings"):
        raw = ole.openstream(name).read()
        assert decompress(raw) == decompress_stream(bytearray(raw))


def test_decompress_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        decompress(b"\x02\x03\xb0")
    with pytest.raises(ValueError):
        decompress(b"\x01\x03\x00\x00")  # bad chunk signature
    with pytest.raises(ValueError):
        decompress(b"\x01\x03\xb0\x01\x00\x70")  # copy token before its chunk


# --------------------------------------------------------------------------- MS-CFB


def _check_red_black(ole: olefile.OleFileIO, sid: int) -> int:
    """Return the black height of the subtree at ``sid``; assert the RB properties."""
    if sid == olefile.NOSTREAM:
        return 1
    entry = ole.direntries[sid]
    for child_sid in (entry.sid_left, entry.sid_right):
        if child_sid != olefile.NOSTREAM and entry.color == 0:
            assert ole.direntries[child_sid].color == 1, "red node with a red child"
    left, right = _check_red_black(ole, entry.sid_left), _check_red_black(ole, entry.sid_right)
    assert left == right, "unequal black heights"
    return left + entry.color


def _in_order(ole: olefile.OleFileIO, sid: int) -> list[str]:
    if sid == olefile.NOSTREAM:
        return []
    e = ole.direntries[sid]
    return _in_order(ole, e.sid_left) + [e.name] + _in_order(ole, e.sid_right)


def _check_storage_trees(ole: olefile.OleFileIO) -> None:
    for entry in ole.direntries:
        if entry is None or entry.entry_type not in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            continue
        names = _in_order(ole, entry.sid_child)
        assert names == sorted(names, key=name_key)
        if entry.sid_child != olefile.NOSTREAM:
            assert ole.direntries[entry.sid_child].color == 1, "tree root must be black"
        _check_red_black(ole, entry.sid_child)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 40])
def test_cfb_directory_is_a_sorted_red_black_tree(count: int) -> None:
    names = [f"{'x' * (i % 5)}M{i}" for i in range(count)]
    streams = {f"S/{n}": n.encode() for n in names} | {"PROJECT": b"p"}
    data = write_cfb(streams)
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    _check_storage_trees(ole)
    assert read_cfb(data) == streams


def test_cfb_stream_sizes_mini_and_regular() -> None:
    sizes = [0, 1, 63, 64, 65, 511, 512, 513, 4095, 4096, 4097, 70_000]
    streams = {f"D/s{size}": random.Random(size).randbytes(size) for size in sizes}
    data = write_cfb(streams)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in streams.items():
        assert ole.get_size(path) == len(content)
        assert ole.openstream(path).read() == content
    assert read_cfb(data) == streams


def test_cfb_sibling_order_is_length_then_uppercase() -> None:
    assert sorted(["dir", "_VBA_PROJECT", "Sheet1", "xlwings", "ab", "AC"], key=name_key) == [
        "ab", "AC", "dir", "Sheet1", "xlwings", "_VBA_PROJECT",
    ]


def test_cfb_reader_reads_office_file() -> None:
    vba = zipfile.ZipFile(QUICKSTART).read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(vba)
    streams = read_cfb(vba)
    assert set(streams) == {"/".join(p) for p in ole.listdir()}
    for path, content in streams.items():
        assert content == ole.openstream(path).read()


# --------------------------------------------------------------------------- the project


@pytest.fixture(scope="module")
def modules() -> list[VbaModule]:
    return project_modules(("ThisWorkbook", "Sheet1"))


@pytest.fixture(scope="module")
def blob(modules: list[VbaModule]) -> bytes:
    return build_vba_project(modules)


@pytest.fixture(scope="module")
def xlsm(blob: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import xlsxwriter

    path = tmp_path_factory.mktemp("vba") / "tiny.xlsm"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    wb.add_vba_project(io.BytesIO(blob), is_stream=True)
    wb.set_vba_name("ThisWorkbook")
    ws.set_vba_name("Sheet1")
    ws.insert_button("B2", {"macro": "KikMerge", "caption": "Merge"})
    wb.close()
    return path


def test_project_modules(modules: list[VbaModule]) -> None:
    assert [(m.name, m.kind) for m in modules] == [
        ("ThisWorkbook", "document"),
        ("Sheet1", "document"),
        ("KikButtons", "standard"),
        ("xlwings", "standard"),
        ("Dictionary", "class"),
    ]
    by_name = {m.name: m for m in modules}
    assert by_name["ThisWorkbook"].source == by_name["Sheet1"].source == ""
    for m in modules:
        assert not m.source.startswith(("Attribute", "VERSION")), m.name
        assert "\n" not in m.source.replace("\r\n", "")
        m.source.encode("cp1252")  # the project's code page
    originals = {
        "xlwings": XLWINGS_DIR / "xlwings.bas",
        "Dictionary": XLWINGS_DIR / "addin" / "Dictionary.cls",
        "KikButtons": MACROS_DIR / "KikButtons.bas",
    }
    for name, path in originals.items():
        raw = path.read_bytes()
        raw.decode("cp1252")
        assert canon(by_name[name].source) == canon(strip_header(raw.decode("cp1252")))
    # member attributes inside the class body stay
    assert "Attribute Item.VB_UserMemId = 0" in by_name["Dictionary"].source


def test_project_modules_custom_dir(tmp_path: Path) -> None:
    (tmp_path / "Zeta.bas").write_bytes(b'Attribute VB_Name = "Zeta"\nSub Z()\nEnd Sub\n')
    (tmp_path / "Alpha.bas").write_bytes(b"Sub A()\r\nEnd Sub\r\n")  # no header: file name
    (tmp_path / "Thing.cls").write_bytes(
        b'VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  \'True\r\nEND\r\nAttribute VB_Name = "Thing"\r\n'
        b"Attribute VB_Exposed = True\r\nPublic X As Long\r\n"
    )
    mods = project_modules(("Wb", "shA", "shB"), macros_dir=tmp_path)
    assert [(m.name, m.kind) for m in mods] == [
        ("Wb", "document"), ("shA", "document"), ("shB", "document"),
        ("Alpha", "standard"), ("Zeta", "standard"), ("Thing", "class"),
        ("xlwings", "standard"), ("Dictionary", "class"),
    ]
    assert mods[4].source == "Sub Z()\r\nEnd Sub\r\n"
    assert mods[5].source == "Public X As Long\r\n"
    built = read_modules(build_vba_project(mods), strip_attributes=False)
    assert built["Wb"].count("00020819") == 1 and built["shB"].count("00020820") == 1


def test_button_macros_match_the_bas_file() -> None:
    # The file may be checked out with LF or CRLF; the project always gets CRLF.
    text = (MACROS_DIR / "KikButtons.bas").read_bytes().decode("cp1252").replace("\r\n", "\n").replace("\n", "\r\n")
    assert text.startswith('Attribute VB_Name = "KikButtons"\r\n')
    # each button checks the interpreter first (KikPythonReady), then runs its command
    found = dict(re.findall(r'^Public Sub (\w+)\(\)\r\n    If KikPythonReady\(\) Then RunPython "([^"]+)"\r\nEnd Sub\r\n',
                            text, re.M))
    assert found == BUTTON_MACROS
    assert BUTTON_MACROS == {
        "KikGenerate": "import xl_kik.buttons; xl_kik.buttons.generate()",
        "KikMerge": "import xl_kik.buttons; xl_kik.buttons.merge()",
        "KikPlan": "import xl_kik.buttons; xl_kik.buttons.plan()",
        "KikOpenReturns": "import xl_kik.buttons; xl_kik.buttons.open_returns()",
        "KikDoctor": "import xl_kik.buttons; xl_kik.buttons.doctor()",
    }
    assert len(re.findall(r"^(?:Public )?Sub ", text, re.M)) == len(BUTTON_MACROS)


def test_olefile_strict_parse(blob: bytes, modules: list[VbaModule]) -> None:
    assert olefile.isOleFile(blob)
    ole = olefile.OleFileIO(blob, raise_defects=olefile.DEFECT_INCORRECT)
    expected = {("PROJECT",), ("PROJECTwm",), ("VBA", "_VBA_PROJECT"), ("VBA", "dir")}
    expected |= {("VBA", m.name) for m in modules}
    assert {tuple(p) for p in ole.listdir()} == expected
    assert ole.get_type("VBA") == olefile.STGTY_STORAGE
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")
    _check_storage_trees(ole)
    for entry in ole.direntries:
        if entry is not None:
            assert entry.clsid == "" and entry.createTime == entry.modifyTime == 0


def _dir_records(data: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        size = 6 if rid == 0x0009 else size
        out.append((rid, data[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    return out


def test_dir_stream(blob: bytes, modules: list[VbaModule]) -> None:
    ole = olefile.OleFileIO(blob)
    records = _dir_records(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    first = dict(records[:6])
    assert first[0x0001] == struct.pack("<I", 3)  # SYSKIND: as quickstart_standalone.xlsm
    assert first[0x0002] == first[0x0014] == struct.pack("<I", 0x409)
    assert first[0x0003] == struct.pack("<H", 1252)
    assert first[0x0004] == b"VBAProject"
    assert [d for r, d in records if r == 0x0016] == [b"stdole", b"Office"]
    libids = [d[4:] for r, d in records if r == 0x000D]
    assert b"{00020430-0000-0000-C000-000000000046}" in libids[0]
    assert b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in libids[1]
    assert dict(records)[0x000F] == struct.pack("<H", len(modules))
    assert [d.decode() for r, d in records if r == 0x0019] == [m.name for m in modules]
    assert [d for r, d in records if r == 0x0031] == [bytes(4)] * len(modules)
    types = [r for r, _ in records if r in (0x21, 0x22)]
    assert types == [0x21 if m.kind == "standard" else 0x22 for m in modules]
    assert records[-1] == (0x0010, b"")


def _decrypt(hex_text: str, project_id: str) -> bytes:
    data = bytes.fromhex(hex_text)
    seed, version, proj_key = data[0], data[1] ^ data[0], data[2] ^ data[0]
    assert version == 2 and proj_key == sum(project_id.encode()) & 0xFF
    unencrypted, enc1, enc2, plain = proj_key, data[2], data[1], bytearray()
    for byte in data[3:]:
        clear = byte ^ ((enc2 + unencrypted) & 0xFF)
        plain.append(clear)
        enc2, enc1, unencrypted = enc1, byte, clear
    plain = plain[(seed & 6) >> 1 :]
    (length,) = struct.unpack_from("<I", plain)
    assert len(plain) == 4 + length
    return bytes(plain[4:])


def test_project_stream(blob: bytes, modules: list[VbaModule]) -> None:
    ole = olefile.OleFileIO(blob)
    text = ole.openstream("PROJECT").read().decode("cp1252")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    project_id = re.fullmatch(r'ID="(\{[0-9A-F-]{36}\})"', lines[0]).group(1)
    assert lines[1:6] == [
        "Document=ThisWorkbook/&H00000000",
        "Document=Sheet1/&H00000000",
        "Module=KikButtons",
        "Module=xlwings",
        "Class=Dictionary",
    ]
    assert 'Name="VBAProject"' in lines and "[Host Extender Info]" in lines
    assert lines[lines.index("[Workspace]") + 1 :] == [f"{m.name}=0, 0, 0, 0, C" for m in modules] + ["", ""]
    values = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"', text, re.M))
    assert _decrypt(values["CMG"], project_id) == bytes(4)  # not protected
    assert _decrypt(values["DPB"], project_id) == b"\x00"  # no password
    assert _decrypt(values["GC"], project_id) == b"\xff"  # visible
    wm = ole.openstream("PROJECTwm").read()
    assert wm == b"".join(m.name.encode() + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules) + b"\0\0"


def test_encryption_reproduces_office() -> None:
    vba = zipfile.ZipFile(QUICKSTART).read("xl/vbaProject.bin")
    text = olefile.OleFileIO(vba).openstream("PROJECT").read().decode("cp1252")
    project_id = re.search(r'^ID="([^"]+)"', text, re.M).group(1)
    assert f'CMG="{encrypt(bytes(4), project_id)}"' in text
    assert f'DPB="{encrypt(bytes(1), project_id)}"' in text
    assert f'GC="{encrypt(bytes([0xFF]), project_id)}"' in text


def test_module_streams_use_compressed_chunks_only(blob: bytes, modules: list[VbaModule]) -> None:
    # Office is reported to drop modules stored in raw (uncompressed) chunks.
    streams = read_cfb(blob)
    for m in modules:
        data = streams[f"VBA/{m.name}"]
        pos = 1
        while pos < len(data):
            (header,) = struct.unpack_from("<H", data, pos)
            assert header & 0x8000, m.name
            pos += (header & 0xFFF) + 3


def test_olevba_reads_every_module(xlsm: Path, modules: list[VbaModule]) -> None:
    parser = VBA_Parser(str(xlsm))
    try:
        assert parser.detect_vba_macros()
        found = {Path(vba_name).stem: code for _, _, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert set(found) == {m.name for m in modules}
    for m in modules:
        code = found[m.name]
        if isinstance(code, bytes):
            code = code.decode("cp1252")
        assert code.startswith(f'Attribute VB_Name = "{m.name}"\r\n')
        assert canon(strip_header(code)) == canon(m.source), m.name
    assert 'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"' in found["ThisWorkbook"]
    assert 'Attribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"' in found["Sheet1"]
    assert "Attribute VB_PredeclaredId = True" in found["Sheet1"]
    for attribute in ("VB_GlobalNameSpace", "VB_Creatable", "VB_PredeclaredId", "VB_Exposed"):
        assert f"Attribute {attribute} = False" in found["Dictionary"]
    assert "Attribute VB_Base" not in found["KikButtons"]
    # the real files, byte for byte modulo the header
    bas = (XLWINGS_DIR / "xlwings.bas").read_text("cp1252")
    assert canon(strip_header(found["xlwings"])) == canon(strip_header(bas))
    cls = (XLWINGS_DIR / "addin" / "Dictionary.cls").read_text("cp1252")
    assert canon(strip_header(found["Dictionary"])) == canon(strip_header(cls))


def test_xlsm_parts(xlsm: Path, blob: bytes) -> None:
    with zipfile.ZipFile(xlsm) as z:
        assert z.read("xl/vbaProject.bin") == blob
        assert 'codeName="ThisWorkbook"' in z.read("xl/workbook.xml").decode()
        assert "[0]!KikMerge" in z.read("xl/drawings/vmlDrawing1.vml").decode()


def test_read_modules(blob: bytes, modules: list[VbaModule]) -> None:
    assert read_modules(blob) == {m.name: m.source for m in modules}
    full = read_modules(blob, strip_attributes=False)
    assert full["KikButtons"] == 'Attribute VB_Name = "KikButtons"\r\n' + modules[2].source


def test_read_modules_of_office_file() -> None:
    """Office's own file: performance caches (MODULEOFFSET != 0) and a 0xFFFF-free _VBA_PROJECT."""
    vba = zipfile.ZipFile(QUICKSTART).read("xl/vbaProject.bin")
    ours = read_modules(vba, strip_attributes=False)
    parser = VBA_Parser("quickstart.xlsm", data=QUICKSTART.read_bytes())
    try:
        theirs = {Path(n).stem: c for _, _, n, c in parser.extract_macros()}
    finally:
        parser.close()
    assert set(ours) == set(theirs) == {"ThisWorkbook", "Sheet1", "Sheet2", "Module1", "xlwings", "Dictionary"}
    for name in ours:
        assert canon(ours[name]) == canon(theirs[name]), name
    assert vba_xlwings_version(vba) == "0.37.8"


def test_deterministic(modules: list[VbaModule], blob: bytes) -> None:
    assert build_vba_project(project_modules(("ThisWorkbook", "Sheet1"))) == blob
    assert build_vba_project(list(modules)) == blob
    assert build_vba_project(modules, project_name="Other") != blob


def test_vba_xlwings_version(blob: bytes) -> None:
    assert vba_xlwings_version(blob) == installed_xlwings_version() == xlwings.__version__
    old = VbaModule("xlwings", "standard", 'Declare PtrSafe Function F Lib "xlwings64-0.30.1.dll" () As Long\r\n')
    assert vba_xlwings_version(build_vba_project([old])) == "0.30.1"
    assert vba_xlwings_version(build_vba_project([VbaModule("M", "standard", "")])) is None


@pytest.mark.parametrize(
    "bad",
    [
        [VbaModule("Ünicode", "standard", "")],
        [VbaModule("M", "standard", "' \u0100\r\n")],  # not cp1252
        [VbaModule("M", "form", "")],
        [VbaModule("M", "standard", ""), VbaModule("m", "class", "")],
        [VbaModule("dir", "standard", "")],
        [VbaModule("x" * 32, "standard", "")],
    ],
)
def test_invalid_modules_are_refused(bad: list[VbaModule]) -> None:
    with pytest.raises(ValueError):
        build_vba_project(bad)


def test_read_modules_refuses_other_files() -> None:
    with pytest.raises(ValueError):
        read_modules(b"PK\x03\x04" + bytes(600))
    with pytest.raises(ValueError):
        read_modules(write_cfb({"WordDocument": b"x"}))


def test_danish_text_is_cp1252() -> None:
    module = VbaModule("M", "standard", "' Opsætning, Spørgsmål, Åbn\r\nSub A()\r\nEnd Sub\r\n")
    assert read_modules(build_vba_project([module]))["M"] == module.source


@pytest.mark.libreoffice
def test_libreoffice_imports_the_project(xlsm: Path, tmp_path: Path) -> None:
    if not shutil.which("soffice"):
        require("LibreOffice", "soffice not installed")
    out = tmp_path / "out"
    cmd = [
        shutil.which("soffice"), f"-env:UserInstallation=file://{tmp_path}/profile",
        "--headless", "--convert-to", "ods", "--outdir", str(out), str(xlsm),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("soffice timed out")
    with zipfile.ZipFile(out / "tiny.ods") as z:
        names = set(z.namelist())
        for module in ("ThisWorkbook", "Sheet1", "KikButtons", "xlwings", "Dictionary"):
            assert f"Basic/VBAProject/{module}.xml" in names
        kik = z.read("Basic/VBAProject/KikButtons.xml").decode()
        assert "xl_kik.buttons.merge()" in kik
        assert 'script:moduleType="document"' in z.read("Basic/VBAProject/ThisWorkbook.xml").decode()


def test_the_project_id_is_the_uuid5_of_its_key() -> None:
    """project.name_uuid replaces uuid.uuid5 (the uuid module imports platform at every click)."""
    import uuid

    from xl_kik.excel.vba import project

    namespace = uuid.UUID(bytes=project._ID_NAMESPACE)
    assert str(namespace) == "6f1d7a52-5b0e-4c1e-9a55-6b1c3e0b2a10"
    for key in ("", "VBAProject", "ThisWorkbook|Sheet1|KikButtons", "æøå" * 40):
        assert project.name_uuid(key) == str(uuid.uuid5(namespace, key))


def test_installed_xlwings_version_is_the_distributions() -> None:
    import importlib.metadata

    from xl_kik.excel.vba import installed_xlwings_version

    assert installed_xlwings_version() == importlib.metadata.version("xlwings")


def test_a_click_imports_neither_importlib_metadata_nor_uuid() -> None:
    import subprocess
    import sys

    code = ("import json, sys; from xl_kik import cli; cli.merge.__name__; cli.plan.__name__; "
            "print(json.dumps(sorted(m for m in ('importlib.metadata', 'uuid', 'email') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
