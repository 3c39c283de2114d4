"""Build (and read back) a source-only VBA project, ``xl/vbaProject.bin`` of an .xlsm.

The layout mirrors the vbaProject.bin of xlwings' ``quickstart_standalone.xlsm``
(MS-OVBA 2.2/2.3): ``_VBA_PROJECT`` with version 0xFFFF (no performance cache: Office
compiles the modules from source on first open), a compressed ``dir`` stream, one
compressed module stream per module (MODULEOFFSET 0), the ``PROJECT`` and ``PROJECTwm``
streams, all in a compound file. Everything is deterministic: the same modules give
the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .cfb import read_cfb, write_cfb
from .ovba import compress, decompress

# Macro name -> the Python command its button runs through xlwings' RunPython.
# macros/KikButtons.bas must call exactly these (tests/test_vba.py checks it).
BUTTON_MACROS: dict[str, str] = {
    "KikGenerate": "import xl_kik.buttons; xl_kik.buttons.generate()",
    "KikMerge": "import xl_kik.buttons; xl_kik.buttons.merge()",
    "KikPlan": "import xl_kik.buttons; xl_kik.buttons.plan()",
    "KikOpenReturns": "import xl_kik.buttons; xl_kik.buttons.open_returns()",
    "KikDoctor": "import xl_kik.buttons; xl_kik.buttons.doctor()",
}

KINDS = ("standard", "class", "document")
CODEPAGE = 1252
ENCODING = "cp1252"
LCID = 0x0409
SYSKIND = 3  # 64-bit Windows, as in quickstart_standalone.xlsm
VERSION_MAJOR, VERSION_MINOR = 0x68FBFAC5, 4  # PROJECTVERSION of quickstart_standalone.xlsm
VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000100")  # version 0xFFFF: source only

WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

# (name, libid) of the REFERENCEREGISTERED records: OLE Automation and the Office
# object library (the latter copied from quickstart_standalone.xlsm).
REFERENCES = (
    ("stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"),
    (
        "Office",
        r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files\Microsoft Shared"
        r"\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library",
    ),
)
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_ID_NAMESPACE = bytes.fromhex("6f1d7a525b0e4c1e9a556b1c3e0b2a10")  # for the project id (a UUID 5)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")


@dataclass(frozen=True)
class VbaModule:
    name: str  # e.g. "KikButtons", "xlwings", "Dictionary", "ThisWorkbook", "Sheet1"
    kind: str  # "standard" | "class" | "document"
    source: str  # VBA source WITHOUT the leading "Attribute ..." lines (the writer adds them)


# --------------------------------------------------------------------------- sources


def _crlf(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return text if not text or text.endswith("\r\n") else text + "\r\n"


def split_header(text: str) -> tuple[str | None, str]:
    """Split an exported .bas/.cls text into (VB_Name or None, source without header).

    Drops a class file's ``VERSION 1.0 CLASS`` / ``BEGIN`` ... ``END`` block and the
    leading ``Attribute`` lines; attribute lines inside the code (member attributes
    such as ``Attribute Item.VB_UserMemId = 0``) are kept."""
    lines = text.splitlines(keepends=True)
    i = 0
    if len(lines) > 1 and lines[0].upper().startswith("VERSION ") and lines[1].strip().upper() == "BEGIN":
        i = 2
        while i < len(lines) and lines[i].strip().upper() != "END":
            i += 1
        i += 1
    name = None
    while i < len(lines) and lines[i].lstrip().upper().startswith("ATTRIBUTE "):
        m = re.match(r'\s*Attribute\s+VB_Name\s*=\s*"([^"]*)"', lines[i], re.IGNORECASE)
        if m:
            name = m.group(1)
        i += 1
    return name, "".join(lines[i:])


def read_module_file(path: Path) -> VbaModule:
    """Read an exported VBA module (.bas standard, .cls class) as a VbaModule."""
    kind = {".bas": "standard", ".cls": "class"}.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"not a .bas or .cls file: {path}")
    name, source = split_header(path.read_bytes().decode(ENCODING))
    return VbaModule(name or path.stem, kind, _crlf(source))


def _attributes(module: VbaModule, is_workbook: bool) -> list[str]:
    lines = [f'Attribute VB_Name = "{module.name}"']
    if module.kind == "standard":
        return lines
    base = CLASS_BASE if module.kind == "class" else WORKBOOK_BASE if is_workbook else SHEET_BASE
    document = module.kind == "document"
    values = [
        ("VB_Base", f'"{base}"'),
        ("VB_GlobalNameSpace", "False"),
        ("VB_Creatable", "False"),
        ("VB_PredeclaredId", str(document)),
        ("VB_Exposed", str(document)),
        ("VB_TemplateDerived", "False"),
        ("VB_Customizable", str(document)),
    ]
    return lines + [f"Attribute {key} = {value}" for key, value in values]


def module_text(module: VbaModule, is_workbook: bool = False) -> str:
    """The full module text as stored in the project: attribute lines + source, CRLF."""
    return "\r\n".join(_attributes(module, is_workbook)) + "\r\n" + _crlf(module.source)


# --------------------------------------------------------------------------- writer


def _record(rid: int, data: bytes = b"") -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _text_records(rid: int, uni_id: int, text: str) -> bytes:
    return _record(rid, text.encode(ENCODING)) + _record(uni_id, text.encode("utf-16-le"))


def _dir_stream(project_name: str, modules: Sequence[VbaModule]) -> bytes:
    out = [
        _record(0x0001, struct.pack("<I", SYSKIND)),
        _record(0x0002, struct.pack("<I", LCID)),
        _record(0x0014, struct.pack("<I", LCID)),
        _record(0x0003, struct.pack("<H", CODEPAGE)),
        _record(0x0004, project_name.encode(ENCODING)),
        _text_records(0x0005, 0x0040, ""),  # docstring
        _text_records(0x0006, 0x003D, ""),  # help file
        _record(0x0007, struct.pack("<I", 0)),  # help context
        _record(0x0008, struct.pack("<I", 0)),  # lib flags
        struct.pack("<HIIH", 0x0009, 4, VERSION_MAJOR, VERSION_MINOR),
        _text_records(0x000C, 0x003C, ""),  # conditional compilation constants
    ]
    for name, libid in REFERENCES:
        raw = libid.encode(ENCODING)
        out.append(_text_records(0x0016, 0x003E, name))
        out.append(_record(0x000D, struct.pack("<I", len(raw)) + raw + b"\x00" * 6))
    out.append(_record(0x000F, struct.pack("<H", len(modules))))
    out.append(_record(0x0013, struct.pack("<H", 0xFFFF)))
    for m in modules:
        out += [
            _record(0x0019, m.name.encode(ENCODING)),
            _record(0x0047, m.name.encode("utf-16-le")),
            _text_records(0x001A, 0x0032, m.name),  # stream name
            _text_records(0x001C, 0x0048, ""),  # docstring
            _record(0x0031, struct.pack("<I", 0)),  # source starts at offset 0
            _record(0x001E, struct.pack("<I", 0)),  # help context
            _record(0x002C, struct.pack("<H", 0xFFFF)),  # cookie
            _record(0x0021 if m.kind == "standard" else 0x0022),
            _record(0x002B),
        ]
    out.append(_record(0x0010))
    return b"".join(out)


def encrypt(data: bytes, project_id: str, seed: int = 0x8D, filler: bytes = b"\xa9\xdb") -> str:
    """MS-OVBA 2.4.3.2 data encryption, used for CMG/DPB/GC in the PROJECT stream.

    ``filler`` provides the (seed & 6) / 2 ignored bytes; the defaults are those of
    quickstart_standalone.xlsm, so its ID gives its CMG/DPB/GC byte for byte."""
    proj_key = sum(project_id.encode(ENCODING)) & 0xFF
    out = bytearray([seed, seed ^ 2, seed ^ proj_key])
    unencrypted, enc1, enc2 = proj_key, out[2], out[1]
    ignored = bytes(filler[i % len(filler)] if filler else 0 for i in range((seed & 6) >> 1))
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encrypted = byte ^ ((enc2 + unencrypted) & 0xFF)
        out.append(encrypted)
        enc2, enc1, unencrypted = enc1, encrypted, byte
    return out.hex().upper()


def _project_stream(project_name: str, modules: Sequence[VbaModule], project_id: str) -> bytes:
    lines = [f'ID="{project_id}"']
    for m in modules:
        lines.append(
            f"Document={m.name}/&H00000000" if m.kind == "document"
            else f"Module={m.name}" if m.kind == "standard" else f"Class={m.name}"
        )
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(bytes(4), project_id)}"',  # protection state: none
        f'DPB="{encrypt(bytes(1), project_id)}"',  # password: none
        f'GC="{encrypt(bytes([0xFF]), project_id)}"',  # visibility: visible
        "",
        "[Host Extender Info]",
        HOST_EXTENDER,
        "",
        "[Workspace]",
        *(f"{m.name}=0, 0, 0, 0, C" for m in modules),
        "",
        "",
    ]
    return "\r\n".join(lines).encode(ENCODING)


def _validate(modules: Sequence[VbaModule], project_name: str) -> None:
    if not _IDENTIFIER.fullmatch(project_name):
        raise ValueError(f"invalid VBA project name: {project_name!r}")
    seen: set[str] = set()
    for m in modules:
        if m.kind not in KINDS:
            raise ValueError(f"module {m.name!r}: kind must be one of {KINDS}, not {m.kind!r}")
        if not _IDENTIFIER.fullmatch(m.name):
            raise ValueError(f"invalid VBA module name: {m.name!r}")
        if m.name.upper() in seen or m.name.upper() in {"_VBA_PROJECT", "DIR"}:
            raise ValueError(f"duplicate or reserved VBA module name: {m.name!r}")
        seen.add(m.name.upper())
        try:
            m.source.encode(ENCODING)
        except UnicodeEncodeError as err:
            raise ValueError(f"module {m.name!r} is not encodable as {ENCODING}: {err}") from None


def name_uuid(name: str) -> str:
    """``str(uuid.uuid5(namespace, name))`` of our namespace (RFC 4122 version 5, SHA-1), without
    the uuid module (it imports platform)."""
    digest = bytearray(hashlib.sha1(_ID_NAMESPACE + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def build_vba_project(modules: Sequence[VbaModule], project_name: str = "VBAProject") -> bytes:
    """Return the bytes of a vbaProject.bin holding ``modules`` as source code.

    The first "document" module is the workbook's (ThisWorkbook), the other document
    modules belong to worksheets: their names must be the sheets' codeNames."""
    modules = list(modules)
    _validate(modules, project_name)
    workbook = next((m.name for m in modules if m.kind == "document"), None)
    key = "|".join([project_name] + [f"{m.kind}:{m.name}" for m in modules])
    project_id = "{" + name_uuid(key).upper() + "}"
    streams = {
        "PROJECT": _project_stream(project_name, modules, project_id),
        "PROJECTwm": b"".join(
            m.name.encode(ENCODING) + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00" for m in modules
        )
        + b"\x00\x00",
        "VBA/_VBA_PROJECT": VBA_PROJECT_STREAM,
        "VBA/dir": compress(_dir_stream(project_name, modules)),
    }
    for m in modules:
        streams[f"VBA/{m.name}"] = compress(module_text(m, m.name == workbook).encode(ENCODING))
    return write_cfb(streams)


# --------------------------------------------------------------------------- modules


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        raise ModuleNotFoundError(f"package {package!r} is not installed")
    return Path(spec.origin).parent.joinpath(*parts)


def default_macros_dir() -> Path:
    """macros/ of the installed package (xl_kik.macros), else of the source tree."""
    try:
        spec = importlib.util.find_spec("xl_kik.macros")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.origin:
        return Path(spec.origin).parent
    return Path(__file__).resolve().parents[3] / "macros"


def project_modules(document_modules: Sequence[str] = ("ThisWorkbook",), macros_dir: Path | None = None) -> list[VbaModule]:
    """The master's modules: an empty document module for the workbook (first name) and
    each sheet codeName, our macros/*.bas and *.cls, then xlwings.bas and Dictionary.cls
    of the installed xlwings package (the VBA must match the installed version)."""
    folder = Path(macros_dir) if macros_dir is not None else default_macros_dir()
    modules = [VbaModule(name, "document", "") for name in document_modules]
    modules += [read_module_file(p) for p in sorted(folder.glob("*.bas")) + sorted(folder.glob("*.cls"))]
    modules.append(read_module_file(_package_file("xlwings", "xlwings.bas")))
    modules.append(read_module_file(_package_file("xlwings", "addin", "Dictionary.cls")))
    return modules


_VERSION_RE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.M)


def installed_xlwings_version() -> str:
    """The installed xlwings' version, from its ``__version__`` line (the package is neither
    imported nor looked up with importlib.metadata, which costs every click its import)."""
    m = _VERSION_RE.search(_package_file("xlwings", "__init__.py").read_text("utf-8"))
    if m is None:
        raise ModuleNotFoundError("xlwings/__init__.py has no __version__ line")
    return m.group(1)


# --------------------------------------------------------------------------- reader


def _dir_records(data: bytes):
    pos = 0
    while pos + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == 0x0009:  # PROJECTVERSION: Reserved (=4) is followed by 6 bytes
            size = 6
        yield rid, data[pos + 6 : pos + 6 + size]
        pos += 6 + size
        if rid == 0x0010:
            return


@dataclass(frozen=True)
class _Project:
    """A vbaProject.bin read once: per module (in ``dir`` order) the name,
    the MODULETYPE record id and the full source text (with its ``Attribute`` lines)."""

    names: tuple[str, ...]
    types: dict[str, int]
    texts: dict[str, str]


@lru_cache(maxsize=4)
def _read_project(vba_bin: bytes) -> _Project:
    """Parse (and decompress) a project once: the repair check, the doctor and the VBA
    rebuild each ask several questions of the same bytes (decompression is pure Python)."""
    streams = {path.upper(): data for path, data in read_cfb(vba_bin).items()}
    if "VBA/DIR" not in streams:
        raise ValueError("not a VBA project: no VBA/dir stream")
    dir_data = decompress(streams["VBA/DIR"])
    encoding = ENCODING
    found: list[dict] = []
    types: dict[str, int] = {}
    for rid, data in _dir_records(dir_data):
        if rid == 0x0003:
            encoding = f"cp{struct.unpack('<H', data)[0]}"
        elif rid == 0x0019:
            found.append({"name": data.decode(encoding), "stream": data.decode(encoding), "offset": 0})
        elif rid == 0x0047 and found:
            found[-1]["name"] = data.decode("utf-16-le")
        elif rid == 0x0032 and found:
            found[-1]["stream"] = data.decode("utf-16-le")
        elif rid == 0x0031 and found:
            found[-1]["offset"] = struct.unpack("<I", data)[0]
        elif rid in (0x0021, 0x0022) and found:
            types[found[-1]["name"]] = rid
    texts = {}
    for m in found:
        raw = streams[f"VBA/{m['stream']}".upper()]
        texts[m["name"]] = decompress(raw[m["offset"] :]).decode(encoding)
    return _Project(tuple(m["name"] for m in found), types, texts)


def read_modules(vba_bin: bytes, strip_attributes: bool = True) -> dict[str, str]:
    """Module name -> source text of a vbaProject.bin (stdlib only).

    With ``strip_attributes`` the leading ``Attribute`` lines are removed, which gives
    what a VbaModule's ``source`` holds."""
    texts = _read_project(bytes(vba_bin)).texts
    return {name: split_header(text)[1] if strip_attributes else text for name, text in texts.items()}


def vba_xlwings_version(vba_bin: bytes) -> str | None:
    """The xlwings version the project's xlwings module is made for, or None."""
    modules = read_modules(vba_bin)
    for name in sorted(modules, key=lambda n: n.lower() != "xlwings"):
        source = modules[name]
        m = re.search(r'^\s*Public\s+Const\s+XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"', source, re.I | re.M)
        m = m or re.search(r'"xlwings(?:32|64)-([0-9][^"]*?)\.dll"', source)
        if m:
            return m.group(1)
    return None


# --------------------------------------------------------------------------- module lists
_PROJECT_LINE = re.compile(r"^(Module|Class|Document|BaseClass)=([^/\r\n]+)", re.I)
_DOCUMENT_BASE = re.compile(r'Attribute\s+VB_Base\s*=\s*"0\{(00020819|00020820)-', re.I)
_CLASS_BASE = re.compile(r'Attribute\s+VB_Base\s*=\s*"0\{FCFB3D2A-A0FA-1068-A738-08002B3371B5\}', re.I)


def project_stream_modules(vba_bin: bytes) -> dict[str, str]:
    """Module name -> kind ("standard" / "class" / "document" / "form") as the ``PROJECT``
    stream lists them (MS-OVBA 2.3.1.7: ``Module=``, ``Class=``, ``Document=``, ``BaseClass=``)."""
    streams = {path.upper(): data for path, data in read_cfb(vba_bin).items()}
    text = streams.get("PROJECT", b"").decode(ENCODING, "replace")
    kinds = {"module": "standard", "class": "class", "document": "document", "baseclass": "form"}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("["):
            break  # [Host Extender Info], [Workspace]: no module list after this
        m = _PROJECT_LINE.match(line.strip())
        if m:
            out[m.group(2).strip()] = kinds[m.group(1).lower()]
    return out


def dir_stream_modules(vba_bin: bytes) -> dict[str, str]:
    """Module name -> kind as the ``dir`` stream and the module texts say it: MODULETYPE
    0x0021 is a standard module; 0x0022 is a document module when its ``VB_Base`` is the
    workbook's or a worksheet's, a class module when it is a class's, else "unknown"."""
    project = _read_project(bytes(vba_bin))
    names, types, texts = project.names, project.types, project.texts
    out: dict[str, str] = {}
    for name in names:
        if types.get(name) == 0x0021:
            out[name] = "standard"
        else:
            text = texts.get(name, "")
            out[name] = "document" if _DOCUMENT_BASE.search(text) else "class" if _CLASS_BASE.search(text) \
                else "unknown"
    return out


def _norm_source(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


@dataclass(frozen=True)
class ProjectDifference:
    """One way a VBA project differs from ours; ``code`` is one of ``only_in_project``,
    ``only_in_dir``, ``kinds_disagree``, ``missing``, ``wrong_kind``, ``other_code``,
    ``unreadable``."""

    code: str
    module: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code} {self.module}{': ' + self.detail if self.detail else ''}"


def project_differences(vba_bin: bytes, expected: Sequence[VbaModule]) -> list[ProjectDifference]:
    """Why ``vba_bin`` is not (a superset of) the project ``expected`` describes; [] when it is.

    Checked: ``PROJECT`` and ``dir`` list the same modules with the same kinds; each expected
    module is there with its kind; the code of each expected standard and class module is
    ours (document modules may hold the coordinator's code). Modules the coordinator added
    are allowed."""
    try:
        listed = project_stream_modules(vba_bin)
        stored = dir_stream_modules(vba_bin)
        texts = read_modules(vba_bin)
    except Exception as exc:  # not readable at all
        return [ProjectDifference("unreadable", "", f"{type(exc).__name__}: {exc}")]
    out: list[ProjectDifference] = []
    names = {k.lower(): k for k in [*listed, *stored]}
    low_listed = {k.lower(): v for k, v in listed.items()}
    low_stored = {k.lower(): v for k, v in stored.items()}
    for key in sorted(set(low_listed) ^ set(low_stored)):
        out.append(ProjectDifference("only_in_project" if key in low_listed else "only_in_dir", names[key]))
    for key in sorted(set(low_listed) & set(low_stored)):
        if low_listed[key] != low_stored[key] and low_stored[key] != "unknown":
            out.append(ProjectDifference("kinds_disagree", names[key], f"{low_listed[key]}/{low_stored[key]}"))
    low_texts = {k.lower(): v for k, v in texts.items()}
    for m in expected:
        key = m.name.lower()
        if key not in low_listed or key not in low_stored:
            if key not in names:
                out.append(ProjectDifference("missing", m.name))
            continue
        if low_listed[key] != m.kind or low_stored[key] != m.kind:
            out.append(ProjectDifference("wrong_kind", m.name, f"{m.kind}, not {low_listed[key]}/{low_stored[key]}"))
        if m.kind != "document" and _norm_source(low_texts.get(key, "")) != _norm_source(m.source):
            out.append(ProjectDifference("other_code", m.name))
    return out
