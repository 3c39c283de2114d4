"""A returned file as an untrusted *file*, before any spreadsheet parser sees it.

:func:`open_workbook` sniffs the file type from its first bytes (never the extension),
rejects everything that is not an OOXML workbook with a clear message (old ``.xls``,
``.ods``, CSV/text, PDF, Word, images, password-encrypted files, damaged zips), guards
against zip bombs (central-directory sizes, compression ratio, member count, nested
archives, and every member is decompressed with a byte cap because declared sizes can
lie) and against XML entity bombs (any ``<!DOCTYPE``/``<!ENTITY`` in any XML part is
rejected before parsing). Only then python-calamine opens the workbook.

The result is a :class:`RawWorkbook` (sheets, visibility, cell grids on demand, custom
document properties, application name, zip member list, cells holding Excel error values)
or a list of problems. Nothing here raises: an unexpected exception becomes ``F099``.
Macros are never run; a workbook with a VBA project gets a warning and its values are read.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from defusedxml.ElementTree import fromstring
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from xl_kik.core.cellref import column_letter, column_number
from xl_kik.core.filenames import SPREADSHEET_SUFFIXES
from xl_kik.core.problems import ERROR, WARNING, Problem, define
from xl_kik.core.returns import is_excel_error
from xl_kik.excel import zipparts

# ---------------------------------------------------------------- limits
MAX_FILE_BYTES = 20 * 1024 * 1024          # a scoring workbook is ~15 KB
MAX_TOTAL_UNCOMPRESSED = 32 * 1024 * 1024  # sum of all members, declared and actual (real: ~55 KB)
MAX_RATIO = 100                            # per member, for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024 * 1024              # small members cannot be a bomb
MAX_MEMBERS = 1000
# The grid, checked in the XML before calamine sees a sheet (it allocates rows x columns of the
# used range, and one cell at XFD1048576 aborts the process). A real scoring workbook uses
# A1:H52 with ~230 cells per sheet and a largest part of ~18 KB (docs/DESIGN.md, "Limits").
MAX_ROW = 10_000                           # last row of any cell or row element
MAX_COL = 128                              # last column (DX)
MAX_CELLS = 100_000                        # cell elements per sheet
MAX_PART_BYTES = 8 * 1024 * 1024           # one part, inflated
MAX_SHARED_STRINGS = 200_000               # declared (uniqueCount) and actual <si> entries
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm")

# ---------------------------------------------------------------- problem types
F_EMPTY = define(
    "F001", ERROR, ("Tom fil", "Empty file"),
    ("Filen {file} er tom (0 byte). Bed deltageren sende sin udfyldte Excel-fil igen.",
     "The file {file} is empty (0 bytes). Ask the participant to send the filled-in Excel file again."))
F_TOO_LARGE = define(
    "F002", ERROR, ("Filen er for stor", "File too large"),
    ("Filen {file} fylder {size_mb} MB; en besvarelse fylder normalt under 1 MB (grænse {limit_mb} MB). "
     "Den er ikke læst.",
     "The file {file} is {size_mb} MB; a response is normally below 1 MB (limit {limit_mb} MB). "
     "It was not read."))
F_XLS = define(
    "F003", ERROR, ("Gammelt Excel-format (.xls)", "Old Excel format (.xls)"),
    ("Filen {file} er gemt i det gamle Excel-format (.xls, Excel 97-2003). Bed deltageren åbne den "
     "udsendte fil igen og gemme som 'Excel-projektmappe (*.xlsx)'.",
     "The file {file} is saved in the old Excel format (.xls, Excel 97-2003). Ask the participant to "
     "open the file that was sent out and save it as 'Excel Workbook (*.xlsx)'."))
F_ODS = define(
    "F004", ERROR, ("OpenDocument-fil (.ods)", "OpenDocument file (.ods)"),
    ("Filen {file} er en OpenDocument-fil (fx fra LibreOffice, .ods). Bed deltageren gemme den som "
     "'Excel 2007-365 (.xlsx)' (Filer > Gem som > Filtype).",
     "The file {file} is an OpenDocument file (e.g. from LibreOffice, .ods). Ask the participant to "
     "save it as 'Excel 2007-365 (.xlsx)' (File > Save As > File type)."))
F_TEXT = define(
    "F005", ERROR, ("Tekstfil (CSV eller lignende)", "Text file (CSV or similar)"),
    ("Filen {file} er en tekstfil (fx CSV eller HTML), ikke en Excel-projektmappe. Kommentarer og "
     "opbygning gik tabt, da filen blev gemt i det format; bed deltageren sende den udfyldte .xlsx-fil.",
     "The file {file} is a text file (e.g. CSV or HTML), not an Excel workbook. Comments and layout "
     "were lost when it was saved that way; ask the participant to send the filled-in .xlsx file."))
F_PDF = define(
    "F006", ERROR, ("PDF-fil", "PDF file"),
    ("Filen {file} er en PDF, ikke en Excel-fil. Besvarelser kan kun læses fra den udsendte "
     "Excel-fil; bed deltageren sende den udfyldte .xlsx-fil.",
     "The file {file} is a PDF, not an Excel file. Responses can only be read from the Excel file "
     "that was sent out; ask the participant to send the filled-in .xlsx file."))
F_WORD = define(
    "F007", ERROR, ("Word-dokument", "Word document"),
    ("Filen {file} er et Word-dokument, ikke en Excel-fil. Bed deltageren skrive i den udsendte "
     "Excel-fil og sende den.",
     "The file {file} is a Word document, not an Excel file. Ask the participant to fill in the "
     "Excel file that was sent out and send it."))
F_IMAGE = define(
    "F008", ERROR, ("Billedfil", "Image file"),
    ("Filen {file} er et billede ({kind}), ikke en Excel-fil. Et skærmbillede kan ikke læses; bed "
     "deltageren sende den udfyldte .xlsx-fil.",
     "The file {file} is an image ({kind}), not an Excel file. A screenshot cannot be read; ask the "
     "participant to send the filled-in .xlsx file."))
F_ENCRYPTED = define(
    "F009", ERROR, ("Filen er beskyttet med adgangskode", "File is password-protected"),
    ("Filen {file} er krypteret med en adgangskode og kan ikke læses. Bed deltageren fjerne "
     "adgangskoden (Filer > Oplysninger > Beskyt projektmappe > Krypter med adgangskode: slet "
     "adgangskoden), gemme og sende filen igen.",
     "The file {file} is encrypted with a password and cannot be read. Ask the participant to remove "
     "the password (File > Info > Protect Workbook > Encrypt with Password: clear it), save and send "
     "the file again."))
F_CORRUPT = define(
    "F010", ERROR, ("Filen er beskadiget", "File is damaged"),
    ("Filen {file} er beskadiget eller ufuldstændig ({reason}). Måske blev den ikke gemt helt, "
     "eller vedhæftningen blev afbrudt. Bed deltageren sende den igen.",
     "The file {file} is damaged or incomplete ({reason}). Perhaps it was not saved completely or the "
     "attachment was cut off. Ask the participant to send it again."))
F_BOMB_SIZE = define(
    "F011", ERROR, ("Mistænkelig fil: pakker sig ud til for meget", "Suspicious file: unpacks to too much"),
    ("Filen {file} fylder {size_mb} MB, når den pakkes ud (grænse {limit_mb} MB). Det ligner en "
     "'zip-bombe', ikke en besvarelse; den er ikke læst.",
     "The file {file} unpacks to {size_mb} MB (limit {limit_mb} MB). It looks like a 'zip bomb', not "
     "a response; it was not read."))
F_BOMB_RATIO = define(
    "F012", ERROR, ("Mistænkelig fil: unormal komprimering", "Suspicious file: abnormal compression"),
    ("Delen {member} i filen {file} er pakket {ratio} gange sammen (grænse {limit}). Det ligner en "
     "'zip-bombe', ikke en besvarelse; filen er ikke læst.",
     "The part {member} of the file {file} is compressed {ratio} times (limit {limit}). It looks like a "
     "'zip bomb', not a response; the file was not read."))
F_BOMB_MEMBERS = define(
    "F013", ERROR, ("Mistænkelig fil: for mange dele", "Suspicious file: too many parts"),
    ("Filen {file} består af {count} dele (grænse {limit}); en besvarelse har omkring 15. Den er "
     "ikke læst.",
     "The file {file} consists of {count} parts (limit {limit}); a response has about 15. It was not "
     "read."))
F_NESTED = define(
    "F014", ERROR, ("Filen indeholder en anden pakket fil", "File contains another archive"),
    ("Filen {file} indeholder en indlejret pakket fil ({member}). En besvarelse indeholder ikke "
     "indlejrede filer; den er ikke læst. Bed deltageren kopiere sine svar ind i den udsendte fil.",
     "The file {file} contains an embedded archive ({member}). A response contains no embedded files; "
     "it was not read. Ask the participant to copy the answers into the file that was sent out."))
F_DTD = define(
    "F015", ERROR, ("Mistænkelig XML i filen", "Suspicious XML in the file"),
    ("Delen {member} i filen {file} indeholder en XML-erklæring (<!DOCTYPE eller <!ENTITY), som "
     "Excel aldrig skriver. Det kan være et angreb ('XML-bombe'); filen er ikke læst.",
     "The part {member} of the file {file} contains an XML declaration (<!DOCTYPE or <!ENTITY) that "
     "Excel never writes. It may be an attack ('XML bomb'); the file was not read."))
F_MACROS = define(
    "F016", WARNING, ("Filen indeholder makroer", "File contains macros"),
    ("Filen {file} indeholder makroer (VBA). Kun værdierne i cellerne er læst; makroerne er ikke "
     "kørt. Åbn ikke filen med makroer slået til, hvis du ikke ved, hvor de kommer fra.",
     "The file {file} contains macros (VBA). Only the cell values were read; the macros were not run. "
     "Do not open the file with macros enabled unless you know where they come from."))
F_NO_WORKBOOK = define(
    "F017", ERROR, ("Ingen projektmappe i filen", "No workbook in the file"),
    ("Filen {file} er en pakket fil, men der er ingen Excel-projektmappe i den (xl/workbook.xml "
     "mangler). Bed deltageren sende den udfyldte .xlsx-fil.",
     "The file {file} is a zip archive but contains no Excel workbook (xl/workbook.xml is missing). "
     "Ask the participant to send the filled-in .xlsx file."))
F_UNKNOWN_TYPE = define(
    "F018", ERROR, ("Ikke en Excel-fil", "Not an Excel file"),
    ("Filen {file} er ikke en Excel-projektmappe ({kind}). Bed deltageren sende den udfyldte "
     ".xlsx-fil, der blev sendt ud.",
     "The file {file} is not an Excel workbook ({kind}). Ask the participant to send the filled-in "
     ".xlsx file that was sent out."))
F_CANNOT_OPEN = define(
    "F019", ERROR, ("Filen kan ikke åbnes", "File cannot be opened"),
    ("Filen {file} kan ikke åbnes: {reason}. Er den åben i et andet program, eller mangler du adgang?",
     "The file {file} cannot be opened: {reason}. Is it open in another program, or do you lack access?"))
F_EXTENSION = define(
    "F020", WARNING, ("Forkert filendelse", "Wrong file extension"),
    ("Filen {file} hedder '{suffix}', men er en Excel-projektmappe (.xlsx). Den er læst; omdøb den "
     "gerne til .xlsx.",
     "The file {file} is named '{suffix}' but is an Excel workbook (.xlsx). It was read; consider "
     "renaming it to .xlsx."))
F_XLSB = define(
    "F021", ERROR, ("Excel binær projektmappe (.xlsb)", "Excel binary workbook (.xlsb)"),
    ("Filen {file} er gemt som 'Excel binær projektmappe' (.xlsb). Bed deltageren gemme den som "
     "'Excel-projektmappe (*.xlsx)' og sende den igen.",
     "The file {file} is saved as 'Excel Binary Workbook' (.xlsb). Ask the participant to save it as "
     "'Excel Workbook (*.xlsx)' and send it again."))
F_GRID = define(
    "F022", ERROR, ("Celle langt uden for spørgeskemaet", "Cell far outside the form"),
    ("Arket {sheet} i filen {file} bruger {cell}, langt uden for en besvarelses område (grænse: "
     "række {max_row}, kolonne {max_col_letter}). Sådan en fil kan ikke læses sikkert; den er ikke læst. Bed "
     "deltageren slette indholdet uden for spørgeskemaet (eller sende den udsendte fil med svarene) og sende den igen.",
     "The sheet {sheet} in the file {file} uses {cell}, far outside a response's area (limit: row "
     "{max_row}, column {max_col_letter}). Such a file cannot be read safely; it was not read. Ask the "
     "participant to delete the content outside the form (or send the file that was sent out with the answers) "
     "and send it again."))
F_TOO_MANY_CELLS = define(
    "F023", ERROR, ("For mange celler i et ark", "Too many cells in a sheet"),
    ("Arket {sheet} i filen {file} har mere end {limit} celler; en besvarelse har nogle hundrede. Den er "
     "ikke læst. Bed deltageren sende den udsendte fil med svarene.",
     "The sheet {sheet} in the file {file} has more than {limit} cells; a response has a few hundred. It "
     "was not read. Ask the participant to send the file that was sent out with the answers."))
F_PART_TOO_LARGE = define(
    "F024", ERROR, ("En del af filen er for stor", "A part of the file is too large"),
    ("Delen {member} (ark {sheet}) i filen {file} fylder {size_mb} MB udpakket (grænse {limit_mb} MB); i en "
     "besvarelse fylder den nogle KB. Filen er ikke læst.",
     "The part {member} (sheet {sheet}) of the file {file} is {size_mb} MB unpacked (limit {limit_mb} MB); "
     "in a response it is a few KB. The file was not read."))
F_TOO_MANY_STRINGS = define(
    "F025", ERROR, ("For mange tekster i filen", "Too many texts in the file"),
    ("Filen {file} erklærer {count} forskellige tekster (xl/sharedStrings.xml, grænse {limit}); en "
     "besvarelse har nogle hundrede. Den er ikke læst.",
     "The file {file} declares {count} distinct texts (xl/sharedStrings.xml, limit {limit}); a response "
     "has a few hundred. It was not read."))
F_NOT_REGULAR = define(
    "F026", ERROR, ("Ikke en almindelig fil", "Not a regular file"),
    ("{file} i returmappen er ikke en almindelig fil ({kind}); den er ikke læst. Flyt den væk fra returmappen, "
     "og læg deltagerens Excel-fil der i stedet.",
     "{file} in the returns folder is not a regular file ({kind}); it was not read. Move it out of the returns "
     "folder and put the participant's Excel file there instead."))
F_DANGLING_LINK = define(
    "F027", ERROR, ("Genvej uden mål", "Link to nothing"),
    ("{file} i returmappen er en genvej (symbolsk link) til en fil, der ikke findes; den er ikke læst. Læg selve "
     "filen i returmappen.",
     "{file} in the returns folder is a link (symbolic link) to a file that does not exist; it was not read. Put "
     "the file itself in the returns folder."))
F_LINK_OUTSIDE = define(
    "F028", ERROR, ("Genvej ud af runden", "Link out of the round"),
    ("{file} i returmappen er en genvej (symbolsk link) til en fil uden for rundens mappe; den er ikke læst. "
     "Kopiér selve filen ind i returmappen, hvis den skal med.",
     "{file} in the returns folder is a link (symbolic link) to a file outside the round's folder; it was not "
     "read. Copy the file itself into the returns folder if it should count."))
F_MARKUP = define(
    "F029", ERROR, ("XML, som Excel ikke skriver, i et ark", "XML that Excel does not write in a sheet"),
    ("Arket {sheet} i filen {file} har i celle {cell} en XML-kommentar, en behandlingsinstruktion eller en "
     "CDATA-sektion uden for en tekst ({markup}). Excel og LibreOffice skriver aldrig sådan noget i et ark, og "
     "det kan skjule en formel eller et svar; filen er ikke læst. Bed deltageren åbne filen i Excel eller "
     "LibreOffice, gemme den igen og sende den.",
     "The sheet {sheet} in the file {file} has, in cell {cell}, an XML comment, a processing instruction or a "
     "CDATA section outside a text ({markup}). Excel and LibreOffice never write such things in a sheet, and "
     "it can hide a formula or an answer; the file was not read. Ask the participant to open the file in "
     "Excel or LibreOffice, save it again and send it."))
F_ZIP_FOLDER = define(
    "F030", ERROR, ("Komprimeret mappe, ikke en Excel-fil", "Compressed folder, not an Excel file"),
    ("Filen {file} er en komprimeret mappe (zip), ikke en Excel-fil; i den ligger {member}. Pak den ud (i "
     "Stifinder: højreklik på filen og vælg 'Udpak alle'), læg Excel-filen i returmappen ('retur'), og flet "
     "igen.",
     "The file {file} is a compressed folder (zip), not an Excel file; it holds {member}. Extract it (in File "
     "Explorer: right-click the file and choose 'Extract All'), put the Excel file in the returns folder "
     "('retur') and merge again."))
F_UNEXPECTED = define(
    "F099", ERROR, ("Filen kunne ikke læses", "The file could not be read"),
    ("Filen {file} kunne ikke læses ({error}). Bed deltageren gemme den igen som .xlsx i Excel og "
     "sende den; giv besked til den, der vedligeholder xl_kik, hvis det sker igen.",
     "The file {file} could not be read ({error}). Ask the participant to save it again as .xlsx in "
     "Excel and send it; tell whoever maintains xl_kik if it happens again."))

# ---------------------------------------------------------------- magic bytes
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_IMAGE_MAGICS = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"RIFF", "WEBP"),  # also other RIFF media; close enough for a message
)
_ARCHIVE_MAGICS = (
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_NESTED_MAGICS = ZIP_MAGICS + tuple(m for m, _ in _ARCHIVE_MAGICS if len(m) > 2)
_NESTED_SUFFIXES = (".zip", ".xlsx", ".xlsm", ".docx", ".pptx", ".ods", ".odt", ".jar", ".gz", ".7z", ".rar",
                    ".tar", ".bz2", ".xz")
_BINARY_SUFFIXES = (".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".bmp", ".tif", ".tiff")
_DTD_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_LOCAL_HEADER = zipparts.LOCAL_HEADER
_ERR_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _ole_streams(data: bytes, names: tuple[str, ...]) -> set[str]:
    """Which of ``names`` are directory entries of the compound file ``data``.

    A directory entry is 128 bytes aligned to 128 in the file: the UTF-16LE name (NUL
    padded to 64 bytes) followed by the name length in bytes including the NUL. Scanning
    for that pattern never fails on a damaged container (unlike following sector chains).
    """
    found = set()
    for name in names:
        enc = name.encode("utf-16-le") + b"\x00\x00"
        length = len(enc).to_bytes(2, "little")
        start = 0
        while True:
            pos = data.find(enc, start)
            if pos < 0:
                break
            if pos % 128 == 0 and data[pos + 64: pos + 66] == length:
                found.add(name)
                break
            start = pos + 1
    return found


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


def _stored_zip(parts: dict[str, bytes], crcs: dict[str, int] | None = None,
                raw: dict[str, tuple[bytes, Any]] | None = None) -> bytes:
    """A zip of ``parts`` without compression (fast to build and to read).

    ``crcs`` may give already verified CRC-32 values per member. ``raw``: members copied as they
    were stored, ``{name: (stored bytes, info)}`` (the deferred worksheet parts, inflated by
    calamine itself if a sheet of theirs is read after all, once checked)."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    entries = [(member, blob, 0, crcs[member] if crcs and member in crcs else zlib.crc32(blob), len(blob))
               for member, blob in parts.items()]
    entries += [(member, comp, info.compress_type, info.CRC, info.file_size)
                for member, (comp, info) in (raw or {}).items()]
    for member, blob, method, crc, size in entries:
        raw_name = member.encode("utf-8")
        flags = 0 if raw_name.isascii() else 0x800
        stored = len(blob)
        header = _LOCAL.pack(b"PK\x03\x04", 20, flags, method, 0, 0, crc, stored, size, len(raw_name), 0)
        out += (header, raw_name, blob)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, method, 0, 0, crc, stored, size, len(raw_name),
                                     0, 0, 0, 0, 0, offset) + raw_name)
        offset += len(header) + len(raw_name) + stored
    directory = b"".join(central)
    out.append(directory)
    out.append(_END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0))
    return b"".join(out)


def _has_dtd(blob: bytes) -> bool:
    """True if an XML part declares a DTD or entities (in UTF-8 or UTF-16)."""
    # every match starts with "<!": look at each "!" (a rare byte, found by memchr; a search for
    # "<!" or the pattern itself would stop at every "<" of the part)
    bang = blob.find(b"!")
    while bang >= 0:
        if bang and blob[bang - 1] == 0x3C and _DTD_RE.match(blob, bang - 1):  # 0x3C: "<"
            return True
        bang = blob.find(b"!", bang + 1)
    if b"\x00" in blob[:200] or blob.startswith((b"\xff\xfe", b"\xfe\xff")):
        for enc in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
            try:
                text = blob.decode(enc, "ignore")
            except Exception:  # noqa: BLE001
                continue
            if _DTD_RE.search(text.encode("utf-8", "ignore")):
                return True
    return False


def _inflate(data: bytes, info: zipfile.ZipInfo) -> bytes | str:
    """A member's bytes, decompressed with a byte cap and checked against its CRC.

    Returns the bytes or a short reason why the member is damaged (``"encrypted"`` for
    zip-level encryption). Faster than ``ZipFile.open`` and never reads past the
    declared size: a member that inflates to more than it declares is damaged.
    """
    comp = _compressed(data, info)
    return comp if isinstance(comp, str) else _inflate_compressed(comp, info)


def _compressed(data: bytes, info: zipfile.ZipInfo) -> bytes | str:
    """A member's bytes as stored in the zip (after its local header), or why they cannot be had."""
    if info.flag_bits & 0x1:
        return "encrypted"
    off = info.header_offset
    if off < 0 or off + 30 > len(data):
        return "lokal header mangler / local header missing"
    head = _LOCAL_HEADER.unpack_from(data, off)
    if head[0] != zipparts.LOCAL_SIGNATURE:
        return "lokal header mangler / local header missing"
    start = zipparts.data_offset(off, head)
    comp = data[start:start + info.compress_size]
    if len(comp) < info.compress_size:
        return "afkortet / truncated"
    return comp


_inflate_compressed = zipparts.inflate  # (a module global: a test counts the inflations)


#: Members this process has inflated and checked before (steps 3 and 4 of ``_open_zip``), by
#: their name and *stored bytes*: the returns of one round share most parts byte for byte (theme,
#: styles, workbook, relationships, the list sheet, often the instructions), and the same stored
#: bytes inflate to the same part, so a repeated one is neither inflated nor checked again. The
#: value: the inflated part and whether its grid is in the common form. The limits in force are
#: part of the key. Only parts that passed every check are kept, at most _CHECKED_BYTES in all.
_CHECKED: dict[tuple[Any, ...], tuple[bytes, bool]] = {}
_CHECKED_PART_BYTES = 256 * 1024
_CHECKED_BYTES = 16 * 1024 * 1024
_checked_bytes = 0


def _remember_checked(key: tuple[Any, ...], blob: bytes, plain: bool) -> None:
    global _checked_bytes
    size = len(blob) + len(key[1])
    if _checked_bytes + size > _CHECKED_BYTES:
        _CHECKED.clear()
        _checked_bytes = 0
    _CHECKED[key] = (blob, plain)
    _checked_bytes += size


# ---------------------------------------------------------------- result
VISIBLE, HIDDEN, VERY_HIDDEN = "visible", "hidden", "veryhidden"


@dataclass(frozen=True)
class SheetInfo:
    name: str
    visibility: str  # "visible" / "hidden" / "veryhidden"
    index: int


class Refused(Exception):
    """A worksheet part found unsafe when it is first read (:meth:`RawWorkbook.rows` and the cell
    scans of a sheet whose part was deferred, ``open_workbook(read_sheets=...)``): ``problem``
    says why, as the same check at open would have (the file is refused)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


@dataclass
class RawWorkbook:
    """An opened, checked workbook. Cell grids are read lazily, one sheet at a time.

    The worksheet parts of sheets outside ``read_sheets`` (:func:`open_workbook`) are *deferred*:
    neither inflated nor checked at open, and checked (inflated, DTD, nesting, grid) the first
    time a sheet of theirs is read (:meth:`_sheet_part`); an unsafe one raises :class:`Refused`.
    A sheet nobody reads (the instructions sheet of a return) then costs nothing, and what is in
    it cannot refuse the answers."""

    path: Path
    size: int
    sha256: str
    members: list[str]
    sheets: list[SheetInfo]
    application: str = ""      # docProps/app.xml <Application>, e.g. "Microsoft Excel"
    app_version: str = ""
    modified: str = ""         # docProps/core.xml dcterms:modified (ISO text, as written)
    created: str = ""
    last_modified_by: str = ""
    has_macros: bool = False
    problems: list[Problem] = field(default_factory=list)  # warnings/infos only (errors -> list)
    _book: Any = field(default=None, repr=False)
    _parts: dict[str, bytes] = field(default_factory=dict, repr=False)
    _grids: dict[str, list[list[Any]]] = field(default_factory=dict, repr=False)
    _sheet_parts: dict[str, str] | None = field(default=None, repr=False)
    _custom: dict[str, str] | None = field(default=None, repr=False)
    _percent: set[int] | None = field(default=None, repr=False)
    _plain: frozenset[str] = field(default=frozenset(), repr=False)  # worksheet parts in the common form
    _cells: dict[str, list[tuple[str, re.Match]]] = field(default_factory=dict, repr=False)  # cell_tags per sheet
    _deferred: dict[str, tuple[bytes, Any]] = field(default_factory=dict, repr=False)  # member -> (stored bytes, info)
    _file: str = field(default="", repr=False)  # the file's name in messages

    @property
    def custom_properties(self) -> dict[str, str]:
        """Custom document properties (``docProps/custom.xml``, parsed with defusedxml on first use)."""
        if self._custom is None:
            self._custom = _custom_properties(self._parts.get("docProps/custom.xml"))
        return self._custom

    def custom_property_has(self, value: str) -> bool:
        """Cheap check that some custom property holds exactly ``value`` (no XML parse).

        Exact for values without XML-special characters; otherwise falls back to parsing.
        """
        blob = self._parts.get("docProps/custom.xml")
        if not blob:
            return False
        if value and not any(ch in value for ch in "&<>\"'") and value.isprintable():
            return (">" + value + "<").encode("utf-8") in blob
        return value in self.custom_properties.values()

    @property
    def has_error_cells(self) -> bool:
        """Whether any worksheet part holds a cell with an Excel error value (deferred parts are
        checked for it: :class:`Refused`)."""
        return any(self.error_cells(name) for name in self._map_sheet_parts())

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None

    def find_sheet(self, name: str) -> SheetInfo | None:
        """Exact name first, then case-insensitively (Excel names are case-insensitive)."""
        found = self.sheet(name)
        if found is None:
            low = name.casefold()
            found = next((s for s in self.sheets if s.name.casefold() == low), None)
        return found

    def rows(self, name: str, nrows: int | None = None) -> list[list[Any]]:
        """The cell grid of a sheet, row 0 = row 1 of the sheet, column 0 = column A.

        Cells with an Excel error value (``#DIV/0!``) come back from calamine as ``""``;
        see :meth:`error_cells`.
        """
        key = name if nrows is None else f"{name}\x00{nrows}"
        grid = self._grids.get(key)
        if grid is None:
            if self._deferred:
                self._sheet_part(name)  # checked before calamine parses it
            sheet = self._book.get_sheet_by_name(name)
            grid = sheet.to_python(skip_empty_area=False, nrows=nrows) if nrows else \
                sheet.to_python(skip_empty_area=False)
            self._grids[key] = grid
        return grid

    def part(self, member: str) -> bytes | None:
        """The (already size-checked) bytes of a zip member."""
        return self._parts.get(member)

    def _map_sheet_parts(self) -> dict[str, str]:
        if self._sheet_parts is None:
            self._sheet_parts = sheet_parts(self._parts)
        return self._sheet_parts

    def error_cells(self, name: str) -> dict[str, str]:
        """Cells of a sheet that hold an Excel error value: ``{"E12": "#DIV/0!"}``."""
        member, data = self._sheet_part(name)
        # in the common form every attribute is double-quoted after one space: t="e" is spelled so
        # (rfind: CPython's backward search is about 3x faster than `in` on a part without it)
        if not data or (member in self._plain and data.rfind(b' t="e"') < 0):
            return {}
        out: dict[str, str] = {}
        for ref, tag in self._cell_tags(name):
            if b"e" not in _attr_values(tag.group(1), b"t"):
                continue
            value = None if tag.group(0).endswith(b"/>") else _ERR_VALUE.search(data, tag.end(), tag.end() + 400)
            out[ref] = value.group(1).decode("utf-8", "replace") if value else "#?"
        return out

    def _sheet_data(self, name: str) -> bytes:
        return self._sheet_part(name)[1]

    def _sheet_part(self, name: str) -> tuple[str | None, bytes]:
        """The zip member of a sheet and its bytes (b"" when it has none): THE way to a sheet's
        part, which checks a deferred part first (raises :class:`Refused` when it is unsafe)."""
        member = self._map_sheet_parts().get(name)
        if member is not None and member in self._deferred:
            self._check_deferred(member, name)
        return member, self._parts.get(member or "", b"")

    def _check_deferred(self, member: str, sheet: str) -> None:
        """Inflate and check a deferred worksheet part as step 3 and 4 of ``_open_zip`` do."""
        comp, info = self._deferred.pop(member)
        file = self._file or self.path.name
        blob = _inflate_compressed(comp, info)
        if isinstance(blob, str):
            raise Refused(F_CORRUPT(file=file, reason=f"{member}: {blob}"))
        if blob.startswith(_NESTED_MAGICS):
            raise Refused(F_NESTED(file=file, member=zipparts.member_name(info)))
        if _has_dtd(blob):
            raise Refused(F_DTD(file=file, member=member))
        plain = False
        if b"sheetData" in blob:
            plain = _grid_surely_fine(blob)
            problem = None if plain else _grid_walk(file, sheet, blob)
            if problem is not None:
                raise Refused(problem)
        self._parts[member] = blob
        if plain:
            self._plain = self._plain | {member}

    def _cell_tags(self, name: str) -> list[tuple[str, re.Match]]:
        """:func:`cell_tags` of a sheet (worked out once per sheet)."""
        found = self._cells.get(name)
        if found is None:
            found = self._cells[name] = cell_tags(self._sheet_data(name))
        return found

    def formula_cells(self, name: str) -> dict[str, bool]:
        """Cells of a sheet holding a formula: ``{"E12": True}`` if it has a cached result.

        A formula cell is a cell with an ``<f>`` element anywhere in it, as calamine reads it (a
        ``<v>`` before the formula does not hide it; a comment or processing instruction cannot
        stand in a checked part, see :func:`_grid_tags`); the cached result is a ``<v>`` with
        content after the cell's last ``<f>`` (calamine shows the cell empty without one)."""
        member, data = self._sheet_part(name)
        if not data or (b"<f" not in data and b":f" not in data):
            return {}
        if member in self._plain:  # no formula element with a prefix either (_grid_surely_fine)
            return _plain_formula_cells(data)
        out: dict[str, bool] = {}
        for ref, tag in self._cell_tags(name):
            if not tag.group(0).endswith(b"/>"):
                cached = _formula_in(data, tag.end(), _content_end(data, tag.end()))
                if cached is not None:
                    out[ref] = cached
        return out

    def percent_cells(self, name: str) -> set[str]:
        """Cells of a sheet whose number format is a percentage (0.6 shows as 60 %)."""
        styles = self._percent_styles()
        if not styles:
            return set()
        member, data = self._sheet_part(name)
        # in the common form a style is spelled s="N" after one space (N without a leading zero, or
        # the cells are looked at): no such percent style, no percent cell
        if member in self._plain and data.rfind(b' s="0') < 0 and \
                not any(data.rfind(b' s="%d"' % i) >= 0 for i in styles):
            return set()
        out: set[str] = set()
        for ref, tag in self._cell_tags(name):
            if any(v.isdigit() and len(v) <= 6 and int(v) in styles for v in _attr_values(tag.group(1), b"s")):
                out.add(ref)
        return out

    def _percent_styles(self) -> set[int]:
        if self._percent is None:
            self._percent = percent_styles(self._parts.get("xl/styles.xml", b""))
        return self._percent

    def close(self) -> None:
        if self._book is not None:
            try:
                self._book.close()
            except Exception:  # noqa: BLE001
                pass


_F_START = re.compile(rb"<f[\s/>]")
_F_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?f[\s/>]")  # a formula element, any prefix
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?c>")
_CACHED_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?v>[^<]")
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.S)


def _content_end(data: bytes, start: int) -> int:
    """Where the content of the cell whose tag ends at ``start`` ends (its ``</c>``; a ``</c>``
    inside a CDATA section of a text is text)."""
    pos = start
    while True:
        end = _CELL_END.search(data, pos)
        stop = end.start() if end else len(data)
        cdata = data.find(b"<![CDATA[", pos, stop)
        if cdata < 0:
            return stop
        close = data.find(b"]]>", cdata)
        if close < 0:
            return len(data)
        pos = close + 3


def _formula_in(data: bytes, start: int, stop: int) -> bool | None:
    """Whether the cell content ``data[start:stop]`` holds a formula: None without one, else
    whether a cached result follows its last ``<f>`` (CDATA sections are text, no element)."""
    segment = data[start:stop]
    if b"<![CDATA[" in segment:
        segment = _CDATA.sub(b"", segment)
    last = None
    for last in _F_TAG.finditer(segment):
        pass
    if last is None:
        return None
    return _CACHED_VALUE.search(segment, last.end()) is not None


def _plain_formula_cells(data: bytes) -> dict[str, bool]:
    """:meth:`RawWorkbook.formula_cells` of a part in the common form (``_grid_surely_fine``: every
    cell tag unprefixed, starting ``<c r="``, none inside another's attributes, no comment, PI or
    CDATA) without an ``:f``: each ``<f`` is found with a literal search and its cell as the
    last cell tag before it that is still open there (a few microseconds per formula instead of
    a look at every cell)."""
    out: dict[str, bool] = {}
    for f in _F_START.finditer(data):
        pos = f.start()
        start = data.rfind(b'<c r="', 0, pos)
        tag = _GRID_TAG_FULL.match(data, start) if start >= 0 else None
        if tag is None or tag.end() > pos or tag.group(0).endswith(b"/>"):
            continue  # not in a cell (or inside a tag's attribute value)
        end = data.find(b"</c>", tag.end())
        if 0 <= end < pos:
            continue
        ref = _attr_values(tag.group(1), b"r")[0].decode().upper()
        out[ref] = _CACHED_VALUE.search(data, f.end(), end if end >= 0 else len(data)) is not None
    return out


_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
_NUMFMT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?numFmtId="([0-9]+)"[^>]*?formatCode="([^"]*)"')
_NUMFMT_ID = re.compile(rb'numFmtId="([0-9]+)"')
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


#: results per part content: the returns of one round share their styles and workbook parts,
#: so a big merge works each of them out once (a few hundred microseconds per file)
_BY_CONTENT: dict[tuple[str, bytes, bytes], Any] = {}
_BY_CONTENT_MAX = 64
_BY_CONTENT_BYTES = 256 * 1024  # larger parts are not kept (at most 64 x 256 KB held)


def _by_content(kind: str, a: bytes, b: bytes, compute: Any) -> Any:
    if len(a) + len(b) > _BY_CONTENT_BYTES:
        return compute()
    key = (kind, a, b)
    hit = _BY_CONTENT.get(key)
    if hit is None:
        hit = compute()
        if len(_BY_CONTENT) >= _BY_CONTENT_MAX:
            _BY_CONTENT.clear()
        _BY_CONTENT[key] = hit
    return hit


def percent_styles(styles: bytes) -> set[int]:
    """Indices of ``cellXfs`` whose number format shows a percentage (built-in 9, 10 or a custom
    format with an unquoted ``%``)."""
    if not styles or b"cellXfs" not in styles:
        return set()
    return set(_by_content("percent", styles, b"", lambda: frozenset(_percent_styles(styles))))


_NO_ELEMENT = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>", re.S)  # comment, PI, CDATA


def _percent_styles(styles: bytes) -> set[int]:
    if b"<!" in styles or b"<?" in styles[1:]:  # no elements: an <xf> in a comment would move the indices
        styles = _NO_ELEMENT.sub(b"", styles)
    percent_ids = {9, 10}
    for m in _NUMFMT.finditer(styles):
        code = _QUOTED.sub("", html.unescape(m.group(2).decode("utf-8", "replace")))
        if "%" in code:
            percent_ids.add(int(m.group(1)))
    block = _CELL_XFS.search(styles)
    if block is None:
        return set()
    out = set()
    for i, xf in enumerate(_XF.finditer(block.group(1))):
        fid = _NUMFMT_ID.search(xf.group(1))
        if fid and int(fid.group(1)) in percent_ids:
            out.add(i)
    return out


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """``{sheet name: zip member}`` from ``xl/workbook.xml`` and its relationships (DTD-free parts)."""
    book = parts.get("xl/workbook.xml", b"<x/>")
    rels = parts.get("xl/_rels/workbook.xml.rels", b"<x/>")
    return dict(_by_content("sheets", book, rels, lambda: _sheet_parts(book, rels)))


def _sheet_parts(book: bytes, rels_xml: bytes) -> dict[str, str]:
    mapping: dict[str, str] = {}
    try:
        wb = fromstring(book)
        rels = fromstring(rels_xml)
        targets = {}
        for rel in rels.iter():
            if rel.tag.endswith("Relationship"):
                target = rel.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[rel.get("Id")] = _normpath(target)
        for el in wb.iter():
            if el.tag.endswith("}sheet") or el.tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
                if rid in targets:
                    mapping[el.get("name", "")] = targets[rid]
    except Exception:  # noqa: BLE001 - a missing map only loses detail in messages
        pass
    return mapping


# ---------------------------------------------------------------- grid bounds
# Start of a row/cell/dimension element (any namespace prefix), then the whole tag with quoted
# attribute values (a '>' inside quotes is legal XML and must not end the tag).
# A comment, processing instruction or CDATA section (group 2) is found as well: no element to
# calamine, so a grid tag inside one is none, and one in a cell can hide what the scans look for.
_GRID_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(c|row|dimension)(?=[\s/>])|<(!\[CDATA\[|!--|!|\?)")
# the XML declaration (``<?xml version="1.0" ...?>``) a part starts with: the one PI allowed
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<\?xml[ \t\r\n][^<>?]*\?>")
_MARKUP_CLOSE = {b"![CDATA[": b"]]>", b"!--": b"-->", b"?": b"?>"}  # (a bare "<!" is refused)
# a text element's start tag (``<t>``, ``<t xml:space="preserve">``): CDATA in it is text
_TEXT_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?t(?:\s[^<>]*)?>")


def _prolog_end(data: bytes) -> int:
    """Where a part's XML declaration ends (0 without one)."""
    m = _DECLARATION.match(data)
    return m.end() if m else 0
_GRID_TAG_FULL = re.compile(
    rb"""<(?:[A-Za-z_][\w.\-]*:)?(?:c|row|dimension)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>""")
# one attribute of a tag _GRID_TAG_FULL accepted: over its attributes, finditer yields each pair in
# turn (a value is consumed whole, so ' r="XFD1"' inside another attribute's value is no attribute)
_GRID_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
# The form every writer uses (``<c r="B5" s="3">``, ``<row r="5" spans="1:8">``, ``<dimension
# ref="A1:H34"/>``): an unprefixed tag whose first attribute is a plain reference within the limits,
# then attributes with one space before each and double quotes (a subset of what _GRID_TAG_FULL
# accepts), then ``>``, ``/>`` or `` />``. _grid_surely_fine looks for the first grid tag *not* in
# that form with one search: the limits are spelled in the pattern (_at_most), so no reference is
# turned into a number and no match into an object (a third of the tag-by-tag passes it replaces).
_SIMPLE_ATTRS = rb"""(?: (?!r=|ref=)[A-Za-z_][\w.:\-]*+="[^"]*+")*+ ?/?>"""  # no second reference
#: a grid tag or a formula element with a namespace prefix (then the part is not in the common
#: form: the walk looks at it, and the formula scan does not start from a literal ``<f``)
_PREFIXED_GRID = re.compile(rb":(?:c|row|dimension|f)[\s/>]")
_DIGITS, _LETTERS = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _at_most(top: str, alphabet: str, lead: str) -> str:
    """A pattern for the strings over ``alphabet`` (first character from ``lead``) that are at most
    ``top`` in the order where a shorter string is smaller and strings of one length compare
    character by character: the numbers 1..10000 (``_at_most("10000", _DIGITS, "123456789")``), the
    column letters A..DX."""
    k = len(top)
    alts = [f"[{lead}][{alphabet}]{{0,{k - 2}}}"] if k > 1 else []
    for i, ch in enumerate(top):
        pool = lead if i == 0 else alphabet
        below = pool[:pool.index(ch)]
        if below:
            rest = k - i - 1
            alts.append(re.escape(top[:i]) + f"[{below}]" + (f"[{alphabet}]{{{rest}}}" if rest else ""))
    alts.append(re.escape(top))
    return "(?:" + "|".join(alts) + ")"


_ODD_GRID_TAGS: dict[tuple[int, int], re.Pattern[bytes]] = {}


def _odd_grid_tag(max_row: int, max_col: int) -> re.Pattern[bytes]:
    """The first unprefixed ``<c``, ``<row`` or ``<dimension`` tag not in the common form within
    ``max_row`` x ``max_col`` (compiled once per pair of limits)."""
    pattern = _ODD_GRID_TAGS.get((max_row, max_col))
    if pattern is None:
        row = _at_most(str(max_row), _DIGITS, _DIGITS[1:]).encode()
        cell = _at_most(column_letter(max_col), _LETTERS, _LETTERS).encode() + row
        pattern = _ODD_GRID_TAGS[(max_row, max_col)] = re.compile(
            rb'<(?:c(?=[\s/>])(?! r="' + cell + rb'"' + _SIMPLE_ATTRS +
            rb')|row(?=[\s/>])(?! r="' + row + rb'"' + _SIMPLE_ATTRS +
            rb')|dimension(?=[\s/>])(?! ref="' + cell + rb'(?::' + cell + rb')?"' + _SIMPLE_ATTRS +
            rb')|[!?])')  # a comment, PI or CDATA section: the walk looks at it
    return pattern


_SST_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sst\b[^>]*>")
_SST_UNIQUE = re.compile(rb"""\suniqueCount\s*=\s*["']\s*([0-9]+)""")
_SI_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?si(?=[\s/>])")


def _ref_pos(raw: bytes) -> tuple[int, int] | None:
    """``b"XFD1048576"`` -> (row, column), 1-based; None if it is not a plain cell reference."""
    m = _REF.match(raw)
    if not m:
        return None
    return int(m.group(2)), column_number(m.group(1))


def _grid_surely_fine(data: bytes) -> bool:
    """True when :func:`grid_problem` has nothing to report, found in two searches over the whole
    part instead of one step per tag (the largest part of reading a return): no grid tag (nor a
    formula element: :meth:`RawWorkbook.formula_cells`) has a namespace prefix and every ``<c>``,
    ``<row>`` and ``<dimension>`` is in the common form within the limits (their positions then do
    not depend on each other), and there cannot be more than MAX_CELLS cells (a cell tag takes at
    least 4 bytes, or count the ``<c``), and there is no comment, processing instruction or CDATA section after the XML declaration.
    False means: walk the tags one by one (which also finds the first problem)."""
    if _PREFIXED_GRID.search(data) is not None:
        return False
    if len(data) > 4 * MAX_CELLS and data.count(b"<c") > MAX_CELLS:
        return False
    return _odd_grid_tag(MAX_ROW, MAX_COL).search(data, _prolog_end(data)) is None


def grid_problem(file: str, sheet: str, data: bytes) -> Problem | None:
    """The first reason why the cell grid of one worksheet part is not safe to parse, or None.

    Follows the positions a parser assigns: a ``<row>`` without ``r`` is the next row, a
    ``<c>`` without ``r`` the next column. Every reference must be a plain ``A1`` reference
    within MAX_ROW x MAX_COL; at most MAX_CELLS cells; a tag that cannot be read here is refused.
    """
    if _grid_surely_fine(data):
        return None
    return _grid_walk(file, sheet, data)


_TWICE = b"\x00twice"  # _grid_tags' value for a reference attribute given twice


def _attr_values(attrs: bytes, key: bytes) -> list[bytes]:
    """The values of the attribute named exactly ``key`` among a grid tag's attributes (``attrs``:
    group 1 of ``_GRID_TAG_FULL``), in order. Each name=value pair is read whole, so ``r="B3"``
    inside another attribute's value is no attribute, a single-quoted value counts, and ``x:r`` is
    not ``r``: as calamine reads them. The one way a grid tag's attributes are read here."""
    return [a.group(2) if a.group(2) is not None else a.group(3)
            for a in _GRID_ATTR.finditer(attrs) if a.group(1) == key]


def _grid_tags(data: bytes):
    """Each ``<c>``, ``<row>`` and ``<dimension>`` tag of a worksheet part (any prefix), in order, as
    ``(kind, tag, value, row, col, inner)``:

    * ``tag``: the whole tag (``_GRID_TAG_FULL``); None for a tag that cannot be read (then the
      walk ends); ``value``: its reference attribute (``r``; ``ref`` of ``<dimension>``) wherever it
      stands, None without, ``_TWICE`` when given twice (calamine would take the last one);
    * a cell: ``row``/``col`` where calamine places it (1-based; without a reference, the column
      after the cell before in the current row), 0/0 when the reference is not a plain ``A1``
      reference; a row: ``row`` its number (-1 when not a number), col 0;
    * ``inner``: the tag stands inside an attribute value of the tag before (not XML, and no tag
      to calamine): it moves no position, but its reference is still given to be checked.

    A comment, processing instruction (after the XML declaration) or CDATA section is no element
    to calamine: outside a cell it is passed over whole (a grid tag in it is none and moves no
    position); in a cell, where it could hide a formula or a value from the scans or from
    calamine (``<c r="C5"><!-- x --><f>..``, ``<v><!-- x -->3</v>``), it comes as
    ``(b"<!", match, None, 0, 0, False)`` and is refused (:func:`_grid_walk`), except a CDATA
    section right in a text element (``<t><![CDATA[..]]></t>``: text, as calamine reads it).
    Markup inside an attribute value is none.
    """
    row = col = 0
    end = 0  # where the last tag outside an attribute value ended
    at = _prolog_end(data)
    in_text = False  # the last CDATA section stood in a text element
    open_cell = False  # the last grid tag (outside an attribute value) opened a cell
    while True:
        m = _GRID_TAG.search(data, at)
        if m is None:
            return
        at = m.end()
        kind = m.group(1)
        if kind is None:  # markup that is no element
            if m.start() < end:
                continue  # inside an attribute value: no markup to calamine
            opener = m.group(2)
            close = data.find(_MARKUP_CLOSE.get(opener, b"<"), m.end())
            in_cell = open_cell and _content_end(data, end) > m.start()
            if in_cell and opener == b"![CDATA[":
                lt = data.rfind(b"<", end, m.start())
                if lt >= 0:
                    t = _TEXT_START.match(data, lt)
                    in_text = t is not None and t.end() <= m.start()
                in_cell = not in_text
            if close < 0 or in_cell or opener == b"!":
                yield b"<!", m, None, 0, 0, False
                return
            at = end = close + len(_MARKUP_CLOSE[opener])
            continue
        full = _GRID_TAG_FULL.match(data, m.start())
        if full is None:
            yield kind, None, None, 0, 0, False
            return
        refs = _attr_values(full.group(1), b"ref" if kind == b"dimension" else b"r")
        if len(refs) > 1:
            yield kind, full, _TWICE, 0, 0, False
            return
        value = refs[0] if refs else None
        inner = m.start() < end
        if not inner:
            end = full.end()
            in_text = False
            open_cell = kind == b"c" and not full.group(0).endswith(b"/>")
        if kind == b"c":
            if value is None:
                if inner:
                    yield kind, full, None, 0, 0, True
                    continue
                col += 1
                yield kind, full, None, max(row, 1), col, False
                continue
            pos = _ref_pos(value.strip())
            if pos is None:
                yield kind, full, value, 0, 0, inner
                continue
            if not inner:
                col = pos[1]
            yield kind, full, value, pos[0], pos[1], inner
        elif kind == b"row":
            if value is None:
                if inner:
                    yield kind, full, None, 0, 0, True
                    continue
                row, col = row + 1, 0
                yield kind, full, None, row, 0, False
                continue
            text = value.strip()
            number = int(text) if text.isdigit() and len(text) <= 9 else -1
            if not inner:
                row, col = number, 0
            yield kind, full, value, number, 0, inner
        else:
            yield kind, full, value, 0, 0, inner


def _grid_walk(file: str, sheet: str, data: bytes) -> Problem | None:
    """:func:`grid_problem` one tag at a time (:func:`_grid_tags`)."""
    limits = {"max_row": MAX_ROW, "max_col_letter": column_letter(MAX_COL)}
    cells = 0
    last = ""  # the last cell of the current row, else "A" and the row's number
    for kind, full, value, r, c, inner in _grid_tags(data):
        if kind == b"<!":
            return F_MARKUP(file=file, sheet=sheet, cell=last or "A1",
                            markup=full.group(0).decode("ascii"))
        if not inner and r > 0:
            if kind == b"c" and c > 0:
                last = f"{column_letter(c)}{r}"
            elif kind == b"row":
                last = f"A{r}"
        if full is None or value is _TWICE:  # a reference twice is not XML: refused
            return F_CORRUPT(file=file, reason=f"{sheet}: ulæselig XML / unreadable XML")
        if kind == b"c":
            cells += 1
            if cells > MAX_CELLS:
                return F_TOO_MANY_CELLS(file=file, sheet=sheet, limit=MAX_CELLS)
            if value is None and inner:
                continue
            if r == 0 and c == 0:
                return F_GRID(file=file, sheet=sheet, cell=_shown(value), **limits)
            if r > MAX_ROW or c > MAX_COL or r < 1 or c < 1:
                return F_GRID(file=file, sheet=sheet, cell=f"{column_letter(c)}{r}", **limits)
        elif kind == b"row":
            if value is None and inner:
                continue
            if r == -1:
                return F_GRID(file=file, sheet=sheet, cell=_shown(value) + ":" + _shown(value), **limits)
            if not 1 <= r <= MAX_ROW:
                return F_GRID(file=file, sheet=sheet, cell=f"{r}:{r}", **limits)
        else:  # the declared dimension "A1:H34"
            for ref in (value or b"").split(b":"):
                pos = _ref_pos(ref.strip())
                if pos is None or not (1 <= pos[0] <= MAX_ROW and 1 <= pos[1] <= MAX_COL):
                    return F_GRID(file=file, sheet=sheet, cell=_shown(value or b"?"), **limits)
    return None


def cell_tags(data: bytes) -> list[tuple[str, re.Match]]:
    """Every cell tag of a worksheet part that passed :func:`grid_problem`, with the reference of
    the cell calamine reads from it (``"E12"``: its ``r`` wherever it stands, or the implicit
    position), in order. The later scans (error, formula, percent cells) read cells only so."""
    out = []
    for kind, full, value, r, c, inner in _grid_tags(data):
        if full is None or value is _TWICE or kind == b"<!":
            break  # refused by the grid check: not reached for a checked part
        if kind == b"c" and not inner and r > 0 and c > 0:
            out.append((f"{column_letter(c)}{r}", full))
    return out


def _shown(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")[:24]


def strings_problem(file: str, data: bytes) -> Problem | None:
    """Too many shared strings, declared or actual (calamine reserves memory for the declared count)."""
    head = _SST_TAG.search(data, 0, 4096)
    if head is not None:
        m = _SST_UNIQUE.search(head.group(0))
        if m and (len(m.group(1)) > 9 or int(m.group(1)) > MAX_SHARED_STRINGS):
            return F_TOO_MANY_STRINGS(file=file, count=m.group(1).decode()[:20], limit=MAX_SHARED_STRINGS)
    count = 0
    for _ in _SI_TAG.finditer(data):
        count += 1
        if count > MAX_SHARED_STRINGS:
            return F_TOO_MANY_STRINGS(file=file, count=f"> {MAX_SHARED_STRINGS}", limit=MAX_SHARED_STRINGS)
    return None


def bounds_problem(file: str, parts: dict[str, bytes]) -> Problem | None:
    """Check every sheet's grid and the shared strings before any parser sees them."""
    return _bounds(file, parts)[0]


def _bounds(file: str, parts: dict[str, bytes], checked: dict[str, bool] | None = None
            ) -> tuple[Problem | None, frozenset[str]]:
    """:func:`bounds_problem` and the worksheet parts in the common form (``_grid_surely_fine``),
    whose cells later scans may find from a literal start (:meth:`RawWorkbook.formula_cells`).
    ``checked``: parts that passed before with the same bytes (``_CHECKED``), and whether plain."""
    plain = []
    for member, blob in parts.items():
        if checked and member in checked:
            if checked[member]:
                plain.append(member)
            continue
        if b"sheetData" in blob:
            if _grid_surely_fine(blob):
                plain.append(member)
                continue
            if _grid_walk(file, member, blob) is not None:  # name the sheet (parsing workbook.xml only now: rare)
                names = {part: sheet for sheet, part in sheet_parts(parts).items()}
                return _grid_walk(file, names.get(member, member), blob), frozenset()
        elif member.lower().endswith("sharedstrings.xml"):
            problem = strings_problem(file, blob)
            if problem is not None:
                return problem, frozenset()
    return None, frozenset(plain)


def _normpath(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


# ---------------------------------------------------------------- entry point
def open_workbook(path: str | Path, lang: str = "da", data: bytes | None = None,
                  sha256: str | None = None, name: str | None = None,
                  read_sheets: Iterable[str] | None = None) -> RawWorkbook | list[Problem]:
    """Check and open a returned file. Never raises.

    Returns a :class:`RawWorkbook` (whose ``problems`` hold warnings) or the list of
    problems (at least one error) when the file cannot be read as a workbook. ``data`` may
    pass the file's bytes when the caller has already read them (and ``sha256`` their hash).
    ``read_sheets``: the sheets (names, any case) the caller will read; the parts of the other
    sheets are deferred (:class:`RawWorkbook`: checked only if read after all, when an unsafe
    one raises :class:`Refused`). None: every part is checked now.
    """
    if not isinstance(path, Path):
        path = Path(path)
    name = name or path.name
    try:
        return _open(path, name, data, sha256, read_sheets)
    except MemoryError:
        return [F_UNEXPECTED(file=name, error="MemoryError")]
    except Exception as exc:  # noqa: BLE001 - the contract: never crash on a returned file
        return [F_UNEXPECTED(file=name, error=type(exc).__name__)]


def read_bytes(path: Path, name: str | None = None) -> bytes | Problem:
    """The file's bytes, or a problem (missing, unreadable, not a regular file, empty, too large).

    Opened without blocking and checked to be a regular file after opening: a FIFO or device
    put in place after the listing cannot hang the run."""
    got = read_file(path, name)
    return got if isinstance(got, Problem) else got[0]


def read_file(path: Path, name: str | None = None) -> tuple[bytes, float] | Problem:
    """:func:`read_bytes` and the file's modification time (from the same open file's status,
    so the reader needs no second ``stat``)."""
    name = name or path.name
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return F_CANNOT_OPEN(file=name, reason=exc.strerror or type(exc).__name__)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return F_NOT_REGULAR(file=name, kind="FIFO" if stat.S_ISFIFO(st.st_mode) else
                                 "mappe/folder" if stat.S_ISDIR(st.st_mode) else "?")
        if st.st_size > MAX_FILE_BYTES:
            return F_TOO_LARGE(file=name, size_mb=_mb(st.st_size), limit_mb=_mb(MAX_FILE_BYTES))
        # sized by fstat (asking for MAX_FILE_BYTES allocates 20 MB for every file); a file that
        # grew since is read on in chunks, up to the same cap (plain os.read: no file object)
        data = os.read(fd, st.st_size + 1)
        if data:
            more = [data]
            size = len(data)
            while size <= MAX_FILE_BYTES:
                chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - size))
                if not chunk:
                    break
                more.append(chunk)
                size += len(chunk)
            if len(more) > 1:
                data = b"".join(more)
    except OSError as exc:
        return F_CANNOT_OPEN(file=name, reason=exc.strerror or type(exc).__name__)
    finally:
        os.close(fd)
    return data, st.st_mtime


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") if size < 10 * 1024 ** 3 else f"{size // 1024 ** 2}"


def _open(path: Path, name: str, data: bytes | None, sha256: str | None = None,
          read_sheets: Iterable[str] | None = None) -> RawWorkbook | list[Problem]:
    if data is None:
        got = read_bytes(path, name)
        if isinstance(got, Problem):
            return [got]
        data = got
    if not data:
        return [F_EMPTY(file=name)]
    if len(data) > MAX_FILE_BYTES:
        return [F_TOO_LARGE(file=name, size_mb=_mb(len(data)), limit_mb=_mb(MAX_FILE_BYTES))]
    head = data[:16]
    if head.startswith(ZIP_MAGICS):
        return _open_zip(path, name, data, sha256, read_sheets)
    if head.startswith(OLE_MAGIC):
        return [_classify_ole(name, data)]
    return [_classify_other(name, data)]


def _classify_ole(name: str, data: bytes) -> Problem:
    found = _ole_streams(data, ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book", "WordDocument",
                                "PowerPoint Document"))
    if found & {"EncryptionInfo", "EncryptedPackage"}:
        return F_ENCRYPTED(file=name)
    if found & {"Workbook", "Book"}:
        return F_XLS(file=name)
    if "WordDocument" in found:
        return F_WORD(file=name)
    kind = "PowerPoint" if "PowerPoint Document" in found else "Office/OLE"
    return F_UNKNOWN_TYPE(file=name, kind=kind)


def _classify_other(name: str, data: bytes) -> Problem:
    head = data[:64]
    if head.startswith(b"%PDF"):
        return F_PDF(file=name)
    for magic, kind in _IMAGE_MAGICS:
        if head.startswith(magic):
            return F_IMAGE(file=name, kind=kind)
    for magic, kind in _ARCHIVE_MAGICS:
        if head.startswith(magic):
            return F_UNKNOWN_TYPE(file=name, kind=kind)
    if head.startswith(b"{\\rtf"):
        return F_WORD(file=name)
    if _looks_like_text(data[:4096]):
        return F_TEXT(file=name)
    return F_UNKNOWN_TYPE(file=name, kind="?")


def _looks_like_text(sample: bytes) -> bool:
    if sample.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in sample:
        return False
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a cut multi-byte character at the end
            text = sample.decode("cp1252", "replace")
        else:
            text = sample[: exc.start].decode("utf-8")
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return bad <= len(text) // 100


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError)


def _open_zip(path: Path, name: str, data: bytes, sha256: str | None = None,
              read_sheets: Iterable[str] | None = None) -> RawWorkbook | list[Problem]:
    # the directory in the plain form is read without zipfile's objects (zipparts.plain_members);
    # any other one, damaged or not, by zipfile (which says what is wrong)
    infos: list[Any] | None = zipparts.plain_members(data)
    zf = None
    if infos is None:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
        except _ZIP_ERRORS as exc:
            return [F_CORRUPT(file=name, reason=_reason(exc))]
    # 1. central directory: counts and declared sizes (nothing decompressed yet)
    if len(infos) > MAX_MEMBERS:
        return [F_BOMB_MEMBERS(file=name, count=len(infos), limit=MAX_MEMBERS)]
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL_UNCOMPRESSED:
        return [F_BOMB_SIZE(file=name, size_mb=_mb(declared), limit_mb=_mb(MAX_TOTAL_UNCOMPRESSED))]
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return [F_BOMB_RATIO(file=name, member=info.filename, ratio=ratio, limit=MAX_RATIO)]
    for info in infos:
        if info.file_size > MAX_PART_BYTES:
            return [F_PART_TOO_LARGE(file=name, member=info.filename, sheet=_part_sheet(data, infos, info.filename),
                                     size_mb=_mb(info.file_size), limit_mb=_mb(MAX_PART_BYTES))]
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        return [F_CORRUPT(file=name, reason="dobbelte dele / duplicate parts")]
    name_set = set(names)
    # 2. what kind of zip is it (names only, plus the tiny stored 'mimetype' of OpenDocument)
    if "mimetype" in name_set:
        if zf is None:
            try:
                zf = zipfile.ZipFile(io.BytesIO(data))
            except _ZIP_ERRORS as exc:
                return [F_CORRUPT(file=name, reason=_reason(exc))]
        info = zf.getinfo("mimetype")
        if info.file_size < 200:
            try:
                mt = zf.read(info)
            except Exception:  # noqa: BLE001
                mt = b""
            if b"opendocument.spreadsheet" in mt:
                return [F_ODS(file=name)]
            if b"opendocument.text" in mt:
                return [F_WORD(file=name)]
            if b"opendocument" in mt:
                return [F_UNKNOWN_TYPE(file=name, kind="OpenDocument")]
    if "xl/workbook.xml" not in name_set:
        if "xl/workbook.bin" in name_set:
            return [F_XLSB(file=name)]
        if "word/document.xml" in name_set or any(n.startswith("word/") for n in names):
            return [F_WORD(file=name)]
        if any(n.startswith("ppt/") for n in names):
            return [F_UNKNOWN_TYPE(file=name, kind="PowerPoint")]
        books = [] if "[Content_Types].xml" in name_set else \
            [i for i in infos if i.filename.lower().endswith(SPREADSHEET_SUFFIXES)]
        if books:  # a participant's answers zipped: a folder, not an office document (e-mail that holds back .xlsx)
            return [F_ZIP_FOLDER(file=name, member=", ".join(zipparts.member_name(i) for i in books[:3])
                                 + (f" (+{len(books) - 3})" if len(books) > 3 else ""))]
        nested = next((i for i in infos if i.filename.lower().endswith(_NESTED_SUFFIXES)), None)
        if nested:
            return [F_NESTED(file=name, member=zipparts.member_name(nested))]
        return [F_NO_WORKBOOK(file=name)]
    # 3. decompress every member with a byte cap; look for nested archives and DTDs
    parts: dict[str, bytes] = {}
    crcs: dict[str, int] = {}
    total = 0
    limits = (MAX_ROW, MAX_COL, MAX_CELLS, MAX_SHARED_STRINGS)
    checked: dict[str, bool] = {}  # members checked before with these bytes: plain or not
    new: dict[str, tuple[Any, ...]] = {}  # members to remember once every check has passed
    deferred: dict[str, tuple[bytes, Any]] = {}  # worksheet parts of sheets not read now
    later = set() if read_sheets is None else {i.filename for i in infos if _WORKSHEET_PART.fullmatch(i.filename)}
    unread: set[str] | None = None  # the worksheet parts of no sheet in read_sheets (known once the map is read)
    for info in sorted(infos, key=lambda i: i.filename in later) if later else infos:  # worksheets last
        if info.is_dir():
            continue
        comp = _compressed(data, info)
        if info.filename in later and not isinstance(comp, str):
            if unread is None:
                unread = _unread_parts(parts, read_sheets or ())
            if info.filename in unread:
                deferred[info.filename] = (comp, info)  # checked if it is read after all (RawWorkbook._sheet_part)
                continue
        key = None
        if not isinstance(comp, str) and info.file_size <= _CHECKED_PART_BYTES:
            key = (info.filename, comp, info.compress_type, info.file_size, info.CRC, limits)
            hit = _CHECKED.get(key)
            if hit is not None:
                blob, checked[info.filename] = hit
                total += len(blob)
                if total > MAX_TOTAL_UNCOMPRESSED:
                    return [F_BOMB_SIZE(file=name, size_mb=_mb(total), limit_mb=_mb(MAX_TOTAL_UNCOMPRESSED))]
                parts[info.filename] = blob
                crcs[info.filename] = info.CRC
                continue
        blob = comp if isinstance(comp, str) else _inflate_compressed(comp, info)
        if isinstance(blob, str):
            if blob == "encrypted":
                return [F_ENCRYPTED(file=name)]
            return [F_CORRUPT(file=name, reason=f"{info.filename}: {blob}")]
        total += len(blob)
        if total > MAX_TOTAL_UNCOMPRESSED:
            return [F_BOMB_SIZE(file=name, size_mb=_mb(total), limit_mb=_mb(MAX_TOTAL_UNCOMPRESSED))]
        low = info.filename.lower()
        if blob.startswith(_NESTED_MAGICS) or low.endswith(_NESTED_SUFFIXES):
            return [F_NESTED(file=name, member=zipparts.member_name(info))]
        if not low.endswith(_BINARY_SUFFIXES) and _has_dtd(blob):
            return [F_DTD(file=name, member=info.filename)]
        parts[info.filename] = blob
        crcs[info.filename] = info.CRC  # verified by _inflate_compressed
        if key is not None:
            new[info.filename] = key
    # 4. the grid of every sheet and the shared strings, before any parser sees them
    bounds, plain = _bounds(name, parts, checked)
    if bounds is not None:
        return [bounds]
    for member, key in new.items():
        _remember_checked(key, parts[member], member in plain)
    # 5. open with calamine (the parts are now known to be small, intact, DTD-free and bounded)
    try:
        # calamine reads a stored (uncompressed) copy built from the verified parts: it
        # parses exactly the bytes checked above and does not inflate them a second time.
        book = CalamineWorkbook.from_filelike(io.BytesIO(_stored_zip(parts, crcs, deferred)))
        metas = book.sheets_metadata
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types
        return [F_CORRUPT(file=name, reason=_reason(exc))]
    sheets = []
    for i, m in enumerate(metas):
        vis = m.visible
        vis = (VERY_HIDDEN if vis == SheetVisibleEnum.VeryHidden else HIDDEN if vis == SheetVisibleEnum.Hidden
               else VISIBLE)
        sheets.append(SheetInfo(m.name, vis, i))
    raw = RawWorkbook(path=path, size=len(data), sha256=sha256 or hashlib.sha256(data).hexdigest(), members=names,
                      sheets=sheets,
                      _book=book, _parts=parts, _plain=plain, _deferred=deferred, _file=name)
    _app_and_core(raw, parts)
    if "xl/vbaProject.bin" in name_set or any(n.lower().endswith("vbaproject.bin") for n in names):
        raw.has_macros = True
        raw.problems.append(F_MACROS(file=name))
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_EXTENSIONS:
        raw.problems.append(F_EXTENSION(file=name, suffix=path.suffix or "(ingen)"))
    return raw


#: where Excel, LibreOffice and openpyxl put the worksheet parts: the only ones that may be
#: deferred (calamine reads the shared strings, styles and workbook at open from their own names)
_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


def _unread_parts(parts: dict[str, bytes], read_sheets: Iterable[str]) -> set[str]:
    """The worksheet parts (:data:`_WORKSHEET_PART`) of sheets not in ``read_sheets`` (any case),
    by the workbook's map of sheets (``parts`` holds it, checked); a part that a read sheet uses
    as well is not among them, and without a readable map none is."""
    wanted = {name.casefold() for name in read_sheets}
    mapping = sheet_parts(parts)
    used = {member for sheet, member in mapping.items() if sheet.casefold() in wanted}
    return {member for member in mapping.values() if member not in used and _WORKSHEET_PART.fullmatch(member)}


def _part_sheet(data: bytes, infos: list[Any], member: str) -> str:
    """The sheet name of a zip member, for a message ("-" when it is not a sheet or unknown)."""
    small = {}
    for info in infos:
        if info.filename in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") and info.file_size <= MAX_PART_BYTES:
            blob = _inflate(data, info)
            if isinstance(blob, bytes) and not _has_dtd(blob):
                small[info.filename] = blob
    return next((sheet for sheet, part in sheet_parts(small).items() if part == member), "-")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _custom_properties(blob: bytes | None) -> dict[str, str]:
    if not blob:
        return {}
    try:
        root = fromstring(blob)
    except Exception:  # noqa: BLE001 - damaged properties are treated as absent
        return {}
    out: dict[str, str] = {}
    for prop in root:
        if not prop.tag.endswith("property"):
            continue
        key = prop.get("name")
        if not key:
            continue
        value = next(iter(prop), None)
        out[key] = "" if value is None else (value.text or "").strip()
    return out


_TAG_TEXT = {
    "application": re.compile(rb"<(?:\w+:)?Application>([^<]{0,200})<"),
    "app_version": re.compile(rb"<(?:\w+:)?AppVersion>([^<]{0,50})<"),
    "modified": re.compile(rb"<(?:\w+:)?modified\b[^>]{0,200}>([^<]{0,50})<"),
    "created": re.compile(rb"<(?:\w+:)?created\b[^>]{0,200}>([^<]{0,50})<"),
    "last_modified_by": re.compile(rb"<(?:\w+:)?lastModifiedBy>([^<]{0,200})<"),
}


def _app_and_core(raw: RawWorkbook, parts: dict[str, bytes]) -> None:
    """Informational fields of docProps/app.xml and core.xml (DTD-free, checked above).

    A regular expression per field is enough for these flat parts and costs a fraction
    of an XML parse; a damaged part just leaves the field empty.
    """
    for key, pattern in _TAG_TEXT.items():
        part = parts.get("docProps/app.xml" if key in ("application", "app_version") else "docProps/core.xml")
        if not part:
            continue
        m = pattern.search(part)
        if m:
            setattr(raw, key, html.unescape(m.group(1).decode("utf-8", "replace")).strip())


__all__ = [
    "RawWorkbook", "Refused", "SheetInfo", "open_workbook", "read_bytes", "read_file", "is_excel_error",
    "MAX_FILE_BYTES", "MAX_TOTAL_UNCOMPRESSED", "MAX_RATIO", "MAX_MEMBERS", "MAX_ROW", "MAX_COL", "MAX_CELLS",
    "MAX_PART_BYTES", "MAX_SHARED_STRINGS", "bounds_problem", "grid_problem", "sheet_parts",
    "VISIBLE", "HIDDEN", "VERY_HIDDEN",
]
