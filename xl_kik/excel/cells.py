"""THE one place that turns a value into what we write into a file.

Every text that goes into any workbook we write - a cell, a data validation's title and
messages, a list literal, a sheet name, a defined name, a header/footer, a row height -
passes through this module, whichever library writes it:

* openpyxl (the master, edited on disk): :func:`write_cell`, :func:`openpyxl_validation`,
  :func:`fit_openpyxl_validation`, :func:`fit_workbook` (run by ``MasterFile.edit`` before
  every save);
* XlsxWriter (master at ``init``, scoring workbooks, reports, rollup): :func:`xlsx_workbook`
  (the one set of options), :func:`xlsx_write`, :func:`xlsx_validation`, :func:`sheet_name`,
  :func:`header_footer`;
* xlwings (the buttons, live Excel): :func:`xlwings_value`, :func:`fit_rule`.

Three things are guaranteed for every text:

1. **Never a formula from someone's text.** A ``str`` is always stored as text; only a
   :class:`~xl_kik.core.formula.Formula` is a formula. Text that Excel would take for a
   formula when the cell is edited (``=``, ``+``, ``-``, ``@``, tab, newline) gets Excel's
   text prefix (openpyxl ``quotePrefix``, xlwings a leading apostrophe).
2. **No character XML 1.0 forbids**: U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE,
   U+FFFF and lone surrogates are removed (:func:`xml_text`); everything else is kept (tab,
   newline, DEL, emoji, ...). openpyxl writes such characters and then cannot read its own
   file; Excel refuses the file. In cell text a carriage return (``\r\n`` or a lone ``\r``)
   becomes ``\n``, Excel's line break (XML readers do that to a raw ``\r`` anyway).
3. **Excel's limits** (MS-OI29500 and Excel's specifications; Excel "repairs" a file that
   breaks one by dropping the feature, e.g. *every* validation of the sheet): cell text
   32,767, validation title 32 / error message 224 / prompt 255, list literal 255, sheet
   name 31 without ``[]:*?/\\``, defined names 255, header/footer 255, row height 409 pt.
   Lengths are counted as Excel counts them, in UTF-16 code units (an emoji counts 2).
   Where a text must be shortened, it is cut at a word boundary and ends with "…"
   (:func:`shorten`); a caller that knows where the full text is passes ``note`` (e.g.
   "hele teksten: xl-kik report"), which is kept at the end. A header/footer is never cut
   inside one of its ``&`` codes (``&&``, ``&P``, ``&"Arial,Bold"``).

File names read from disk may hold bytes that are not UTF-8 (``os.listdir`` returns them
as lone surrogates): :func:`display_name` decodes them for display (U+FFFD), so they never
reach a workbook as a lone surrogate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
import threading
import zipfile
from typing import Any, Iterable, Mapping, Sequence

from xl_kik.core.cellref import column_letter, column_number, split_cell
from xl_kik.core.formula import Formula
from xl_kik.core.printing import MARGINS, Margins, PageLayout, page_layout, word_width
from xl_kik.core.i18n import Msg

__all__ = [
    "Formula", "ELLIPSIS", "NEW_LINE_HELP", "MAX_CELL_TEXT", "MAX_VALIDATION_TITLE", "MAX_VALIDATION_ERROR",
    "MAX_VALIDATION_PROMPT", "MAX_LIST_LITERAL", "MAX_SHEET_NAME", "SHEET_NAME_FORBIDDEN",
    "MAX_DEFINED_NAME", "MAX_HEADER_FOOTER", "MAX_ROW_HEIGHT", "TEXT_GUARD_PREFIXES",
    "XLSXWRITER_OPTIONS", "Styled", "styled", "excel_len", "xml_text", "xstring", "from_xstring",
    "openpyxl_reads_and_writes_xstrings", "shorten", "cell_text", "needs_text_guard",
    "validation_texts", "list_literal", "sheet_name", "defined_name", "header_footer",
    "header_footer_text", "row_height", "display_name", "write_cell", "openpyxl_validation",
    "fit_openpyxl_validation", "fit_workbook", "xlsx_workbook", "XlsxBook", "XlsxSheet", "xlsx_write", "xlsx_validation",
    "xlwings_value", "fit_rule",
]

# ---------------------------------------------------------------- Excel's limits
MAX_CELL_TEXT = 32767
MAX_VALIDATION_TITLE = 32      # promptTitle, errorTitle
MAX_VALIDATION_ERROR = 224     # error
MAX_VALIDATION_PROMPT = 255    # prompt
MAX_LIST_LITERAL = 255         # "a,b,c" of a list validation (without the quotes)
MAX_SHEET_NAME = 31
SHEET_NAME_FORBIDDEN = frozenset("[]:*?/\\")
MAX_DEFINED_NAME = 255
MAX_HEADER_FOOTER = 255
MAX_ROW_HEIGHT = 409.0
ELLIPSIS = "…"
#: The keys for a new line inside a cell differ per program (in LibreOffice Alt+Enter confirms the
#: cell, so the next line silently replaces the first): every help text names all of them.
NEW_LINE_HELP = Msg("Ny linje i en celle: Alt+Enter i Excel (Mac: Ctrl+Option+Enter), Ctrl+Enter i LibreOffice.",
                    "New line in a cell: Alt+Enter in Excel (Mac: Ctrl+Option+Enter), Ctrl+Enter in LibreOffice.")
#: Text starting with one of these becomes a formula (or loses its first character) when a
#: person edits the cell in Excel: such cells get Excel's text prefix.
TEXT_GUARD_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

#: The one set of XlsxWriter options: strings stay strings (never a formula, a number or a URL).
XLSXWRITER_OPTIONS: Mapping[str, Any] = {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False}

_XML_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPACE_RE = re.compile(r"\s")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
#: Tokens of a header/footer string: ``&&``, ``&"font,style"``, ``&12`` (size), ``&KRRGGBB``
#: (colour), ``&X`` (any other code) and single characters.
_HF_TOKEN_RE = re.compile(r'&(?:&|"[^"]*"?|\d+|K[0-9A-Fa-f]{6}|.?)|[^&]', re.S)
_DEFINED_NAME_RE = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]*$")
_A1_LIKE_RE = re.compile(r"^[A-Za-z]{1,3}\d+$")
_R1C1_LIKE_RE = re.compile(r"^[RrCc]\d*$|^[Rr]\d*[Cc]\d*$")


# ---------------------------------------------------------------- text
def excel_len(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units (a character beyond U+FFFF counts 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # C speed; a lone surrogate counts 1


def xml_text(value: Any) -> str:
    """``value`` as text without the characters XML 1.0 forbids; everything else is kept."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    # every character XML forbids is a control, a surrogate or a non-character, none of them
    # printable: a printable text (most of them, and found at C speed) holds none
    if text.isprintable() or _XML_FORBIDDEN_RE.search(text) is None:
        return text
    return _XML_FORBIDDEN_RE.sub("", text)


#: OOXML's escape in cell text (ECMA-376 Part 1, 22.9.2.19 ST_Xstring): ``_xHHHH_`` in a file is
#: U+HHHH; an underscore that would start one is written ``_x005F_``.
_XSTRING_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: Escaped generously: also ``_X0041_`` and ``_x12_``, which LibreOffice decodes too (Excel and
#: every decoder read ``_x005F_`` as ``_``, so escaping more than needed changes nothing).
_XSTRING_START_RE = re.compile(r"(_)(?=[xX][0-9A-Fa-f]{1,4}_)")
#: Characters a file can only hold as ``_xHHHH_``: those XML forbids (except lone surrogates,
#: which no file holds) and the carriage return (an XML reader makes a raw one ``\n``).
_XSTRING_ENCODED_RE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")


def xstring(text: str) -> str:
    """Cell text as a file must hold it (ST_Xstring): every underscore that starts an
    ``_xHHHH_`` becomes ``_x005F_`` (so Excel shows ``_x0041_``, not ``A``), and the characters
    only the escape can carry become ``_xHHHH_``. :func:`from_xstring` reverses it."""
    if "_x" in text or "_X" in text:
        text = _XSTRING_START_RE.sub("_x005F_", text)
    if _XSTRING_ENCODED_RE.search(text) is not None:
        text = _XSTRING_ENCODED_RE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text


def from_xstring(text: str) -> str:
    """Cell text as a file holds it -> the text Excel shows (every ``_xHHHH_`` decoded)."""
    return _XSTRING_RE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


_VALIDATION_TEXTS = ("promptTitle", "prompt", "errorTitle", "error")  # ST_Xstring attributes


def openpyxl_reads_and_writes_xstrings() -> None:
    """Make openpyxl read and write cell text as Excel does (idempotent; called where openpyxl
    loads or saves: ``masterfile``, ``resend``, ``demo/simulate``).

    openpyxl writes every ``str`` as it is, so a participant's ``_x0041_`` became ``A`` in
    Excel; it reads shared strings with ``_x005F_`` removed (anywhere, also from ``x005F_``)
    and inline strings, its own, not decoded at all. Afterwards a cell's value in memory is
    always the text Excel shows: shared and inline strings are decoded (:func:`from_xstring`),
    and every text cell is written through :func:`xstring`, the cells our code writes
    (:func:`write_cell`) and the ones a save only carries along. The same for a data
    validation's prompt and error texts (ST_Xstring attributes, decoded by Excel and LibreOffice):
    decoded when read, escaped when written."""
    from openpyxl.cell import _writer  # lazy: openpyxl only where a module uses it
    from openpyxl.cell.text import Text  # lazy: as above
    from openpyxl.reader import excel as _excel_reader  # lazy: as above
    from openpyxl.worksheet import _reader  # lazy: as above
    from openpyxl.worksheet.datavalidation import DataValidation  # lazy: as above
    from openpyxl.xml.constants import SHEET_MAIN_NS  # lazy: as above
    from openpyxl.xml.functions import iterparse  # lazy: as above

    if getattr(_writer._set_attributes, "_xl_kik", False):
        return
    set_attributes, parse_cell = _writer._set_attributes, _reader.WorkSheetParser.parse_cell
    string_tag = "{%s}si" % SHEET_MAIN_NS

    def write_attributes(cell: Any, styled: Any = None) -> Any:
        value, attrs = set_attributes(cell, styled)
        if cell.data_type == "s" and isinstance(value, str):
            value = xstring(value)
        return value, attrs

    def read_string_table(xml_source: Any) -> list[str]:  # openpyxl.reader.strings', decoded
        strings = []
        for _, node in iterparse(xml_source):
            if node.tag == string_tag:
                strings.append(from_xstring(Text.from_tree(node).content))
                node.clear()
        return strings

    def read_cell(self: Any, element: Any) -> Any:
        cell = parse_cell(self, element)
        if element.get("t") == "inlineStr" and isinstance(cell.get("value"), str):
            cell["value"] = from_xstring(cell["value"])
        return cell

    dv_to_tree, dv_from_tree = DataValidation.to_tree, DataValidation.from_tree.__func__

    def validation_to_tree(self: Any, *args: Any, **kwargs: Any) -> Any:
        node = dv_to_tree(self, *args, **kwargs)
        for key in _VALIDATION_TEXTS:
            value = node.get(key)
            if value:
                node.set(key, xstring(value))
        return node

    def validation_from_tree(cls: Any, node: Any) -> Any:
        dv = dv_from_tree(cls, node)
        for key in _VALIDATION_TEXTS:
            value = getattr(dv, key, None)
            if isinstance(value, str) and value:
                setattr(dv, key, from_xstring(value))
        return dv

    write_attributes._xl_kik = True  # type: ignore[attr-defined]
    _writer._set_attributes = write_attributes
    DataValidation.to_tree = validation_to_tree
    DataValidation.from_tree = classmethod(validation_from_tree)
    _excel_reader.read_string_table = read_string_table
    _reader.WorkSheetParser.parse_cell = read_cell


def _prefix_within(text: str, units: int) -> str:
    """The longest prefix of ``text`` of at most ``units`` UTF-16 code units."""
    if units <= 0:
        return ""
    if len(text) <= units and excel_len(text) <= units:
        return text
    head = text[:units]
    if excel_len(head) == len(head):  # no character beyond U+FFFF: a plain slice
        return head
    n = 0
    for i, ch in enumerate(text):
        n += 2 if ord(ch) > 0xFFFF else 1
        if n > units:
            return text[:i]
    return text


def shorten(text: str, limit: int, note: str = "") -> str:
    """``text`` if it fits ``limit`` (UTF-16 units), else cut at a word boundary + "…".

    ``note`` (where the full text is) follows the "…" and is kept whole when it fits; the
    result never exceeds ``limit``. Without a space in the second half of the kept part the
    cut falls between two characters."""
    if len(text) * 2 <= limit or excel_len(text) <= limit:  # a character counts at most 2 units
        return text
    tail = ELLIPSIS + (" " + note if note else "")
    if excel_len(tail) >= limit:
        tail = ELLIPSIS
    head = _prefix_within(text, limit - excel_len(tail))
    if head and len(head) < len(text) and not _SPACE_RE.match(text[len(head)]):
        cut = _last_space(head)
        if cut >= len(head) // 2:
            head = head[:cut]
    return head.rstrip() + tail


def _last_space(text: str) -> int:
    """Where the last white-space character (what ``\\s`` matches) of ``text`` is, -1 without
    one: found from the end by ``str.rsplit`` (the same white space), not by finding every one (a
    Svarrapport cell holds up to 32,767 characters)."""
    if text[-1:].isspace():
        return len(text) - 1
    words = text.rsplit(None, 1)
    return len(text) - len(words[-1]) - 1 if words else -1


def cell_text(value: Any, limit: int = MAX_CELL_TEXT, note: str = "") -> str:
    """Text for a cell: forbidden characters removed, line ends as ``\n`` (Excel's line break
    in a cell; an XML reader turns a raw carriage return into ``\n`` anyway, XlsxWriter would
    write it as a visible ``_x000D_``), at most ``limit`` (default 32,767)."""
    text = xml_text(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return shorten(text, limit, note)


def needs_text_guard(text: str) -> bool:
    """True when a spreadsheet program would take ``text`` for a formula if the cell is edited."""
    return text.startswith(TEXT_GUARD_PREFIXES)


def validation_texts(input_title: Any = None, input_message: Any = None, error_title: Any = None,
                     error_message: Any = None) -> tuple[str | None, str | None, str | None, str | None]:
    """A data validation's four texts within Excel's limits (None stays None), as shown: a file
    writer escapes them with :func:`xstring` (:func:`xlsx_validation`; openpyxl once
    :func:`openpyxl_reads_and_writes_xstrings` ran); xlwings hands them to Excel as they are."""
    def fit(value: Any, limit: int) -> str | None:
        return None if value is None else cell_text(value, limit)

    return (fit(input_title, MAX_VALIDATION_TITLE), fit(input_message, MAX_VALIDATION_PROMPT),
            fit(error_title, MAX_VALIDATION_TITLE), fit(error_message, MAX_VALIDATION_ERROR))


def list_literal(options: Iterable[Any]) -> str:
    """The ``formula1`` of a list validation with literal options: ``"a,b,c"``.

    Raises ValueError when the options hold a comma (the separator) or exceed 255 characters
    (Excel's limit): such lists belong on a sheet, referenced by range."""
    items = [xml_text(o) for o in options]
    if any("," in o for o in items):
        raise ValueError(f"list validation options must not contain a comma: {items!r}")
    inner = ",".join(o.replace('"', '""') for o in items)
    if excel_len(inner) > MAX_LIST_LITERAL:
        raise ValueError(f"list validation literal is {excel_len(inner)} characters (Excel's limit is "
                         f"{MAX_LIST_LITERAL}); put the options on a sheet and reference the range")
    return '"' + inner + '"'


def sheet_name(name: Any, fallback: str = "Ark") -> str:
    """A valid sheet name: no ``[]:*?/\\``, no apostrophe at either end, at most 31, not empty,
    not ``History`` (reserved by Excel)."""
    text = "".join(ch for ch in xml_text(name) if ch not in SHEET_NAME_FORBIDDEN and ch not in "\r\n\t")
    text = shorten(text.strip().strip("'").strip(), MAX_SHEET_NAME).strip("'")
    if not text or text.casefold() == "history":
        text = fallback
    return text


def defined_name(name: str) -> str:
    """``name`` if Excel accepts it as a defined name, else ValueError.

    Rules (Excel): starts with a letter, ``_`` or ``\\``; then letters, digits, ``_``, ``.``,
    ``\\``; at most 255 characters; not a cell reference (``A1``, ``R1C1``). The ``_xlnm.``
    names Excel defines itself are accepted."""
    bare = name[len("_xlnm."):] if name.startswith("_xlnm.") else name
    if (not bare or len(name) > MAX_DEFINED_NAME or not _DEFINED_NAME_RE.match(bare)
            or _A1_LIKE_RE.match(bare) or _R1C1_LIKE_RE.match(bare)):
        raise ValueError(f"not a valid Excel defined name: {name!r}")
    return name


def header_footer_text(text: Any, limit: int | None = None) -> str:
    """Plain text for inside a header/footer: forbidden characters and line breaks removed,
    shortened to ``limit`` characters *before* ``&`` is doubled (so ``&&`` is never split)."""
    plain = re.sub(r"\s+", " ", xml_text(text)).strip()
    if limit is not None:
        plain = shorten(plain, limit)
    return plain.replace("&", "&&")


def header_footer(code: str, limit: int = MAX_HEADER_FOOTER) -> str:
    """A formatted header/footer string (with ``&L``, ``&P`` ... codes) within ``limit``.

    Cut between tokens only (never inside ``&&`` or another code), at a space when there is
    one in the second half, with "…"."""
    code = xml_text(code)
    if excel_len(code) <= limit:
        return code
    tokens = _HF_TOKEN_RE.findall(code)
    budget = limit - 1
    kept: list[str] = []
    used = 0
    for tok in tokens:
        n = excel_len(tok)
        if used + n > budget:
            break
        kept.append(tok)
        used += n
    spaces = [i for i, tok in enumerate(kept) if tok == " "]
    if spaces and spaces[-1] >= len(kept) // 2:
        kept = kept[:spaces[-1]]
    while kept and kept[-1] == " ":
        kept.pop()
    return "".join(kept) + ELLIPSIS


def row_height(points: float) -> float:
    """A row height Excel accepts: 0 to 409 points."""
    return min(max(float(points), 0.0), MAX_ROW_HEIGHT)


def display_name(name: Any) -> str:
    """A file name (``str``, ``bytes`` or a path) as text that is safe to show and to write.

    Bytes are decoded as UTF-8; undecodable bytes (and the lone surrogates ``os.listdir``
    makes of them) become U+FFFD; characters XML forbids are removed."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        text = name.decode("utf-8", "replace")
    else:
        text = str(name)
        if _has_surrogate(text):
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") \
                if _only_escapes(text) else text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return xml_text(text.replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd"))


def _has_surrogate(text: str) -> bool:
    return not text.isascii() and _SURROGATE_RE.search(text) is not None


def _only_escapes(text: str) -> bool:
    """True when every surrogate is one ``surrogateescape`` makes (U+DC80-U+DCFF)."""
    return all("\udc80" <= ch <= "\udcff" for ch in text if "\ud800" <= ch <= "\udfff")


# ---------------------------------------------------------------- openpyxl
def _number(value: float) -> float | None:
    return None if isinstance(value, float) and (math.isnan(value) or math.isinf(value)) else value


def write_cell(cell: Any, value: Any, note: str = "", limit: int = MAX_CELL_TEXT) -> Any:
    """Write ``value`` into an openpyxl cell: THE openpyxl cell writer.

    A :class:`Formula` as a formula; ``None`` / ``""`` empties the cell; any other ``str``
    as text (data type ``s``: ``=HYPERLINK(...)`` or ``#N/A`` stay inert text), with the
    forbidden characters removed, at most ``limit`` characters (Excel's 32,767 unless a
    sheet caps its cells lower; ``note`` says where the full text is) and Excel's text
    prefix where editing would make it a formula; numbers and booleans as they are (NaN and
    infinity as empty); dates and times as dates; anything else as its text."""
    exact = type(value) is str  # the common case, and never a Formula (a str subclass)
    if not exact and isinstance(value, Formula):
        text = str(value)
        cell.value = text if text.startswith("=") else "=" + text
    elif value is None or (isinstance(value, str) and not value):
        cell.value = None
    elif exact or isinstance(value, str):
        text = cell_text(value, limit, note)
        if text:
            # cleaned and within the limit already: bind it as text directly (openpyxl's own
            # setter would scan the text again and could take "=..." for a formula)
            cell._value = text
            cell.data_type = "s"
            if needs_text_guard(text):
                cell.quotePrefix = True
        else:
            cell.value = None
    elif isinstance(value, bool):
        cell.value = value
    elif isinstance(value, (int, float)):
        cell.value = _number(value)
    elif isinstance(value, (dt.datetime, dt.date, dt.time)):
        cell.value = value
    else:
        text = cell_text(value, limit, note)
        cell.value = text or None
        if text:
            cell.data_type = "s"
            if needs_text_guard(text):
                cell.quotePrefix = True
    return cell


def fit_openpyxl_validation(dv: Any) -> Any:
    """Bring an openpyxl ``DataValidation``'s texts within Excel's limits (in place)."""
    dv.promptTitle, dv.prompt, dv.errorTitle, dv.error = validation_texts(
        dv.promptTitle, dv.prompt, dv.errorTitle, dv.error)
    return dv


def openpyxl_validation(**kwargs: Any) -> Any:
    """An openpyxl ``DataValidation`` (same keywords) whose texts respect Excel's limits;
    ``options=[...]`` builds a list literal through :func:`list_literal`."""
    from openpyxl.worksheet.datavalidation import DataValidation  # lazy: openpyxl only for the master

    options = kwargs.pop("options", None)
    if options is not None:
        kwargs.setdefault("type", "list")
        kwargs["formula1"] = list_literal(options)
    return fit_openpyxl_validation(DataValidation(**kwargs))


def fit_workbook(wb: Any) -> None:
    """Before an openpyxl save: every data validation, header/footer and row height of every
    sheet within Excel's limits (cheap: no cell is visited). Cells are fitted when written
    (:func:`write_cell`)."""
    for ws in wb.worksheets:
        for dv in getattr(getattr(ws, "data_validations", None), "dataValidation", ()) or ():
            fit_openpyxl_validation(dv)
        for hf_name in ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"):
            hf = getattr(ws, hf_name, None)
            parts = [p for p in (getattr(hf, "left", None), getattr(hf, "center", None), getattr(hf, "right", None))
                     if p is not None and p.text]
            # openpyxl joins the parts as "&L...&C...&R...": 2 code characters per part
            if sum(excel_len(p.text) + 2 for p in parts) > MAX_HEADER_FOOTER:
                for p in parts:
                    p.text = header_footer(p.text, (MAX_HEADER_FOOTER - 2 * len(parts)) // len(parts))
        dims = getattr(ws, "row_dimensions", None)
        for dim in (dims.values() if dims is not None else ()):
            if dim.height is not None and dim.height > MAX_ROW_HEIGHT:
                dim.height = MAX_ROW_HEIGHT


# ---------------------------------------------------------------- XlsxWriter
def xlsx_workbook(target: Any, *, zip_level: int | None = None, **options: Any) -> "XlsxBook":
    """An XlsxWriter workbook with the one set of options (:data:`XLSXWRITER_OPTIONS`), as an
    :class:`XlsxBook`: every sheet it adds is an :class:`XlsxSheet`, so every text, sheet name,
    defined name, validation, header/footer and row height goes through this module. A
    file-like ``target`` is written in memory; extra options (``constant_memory`` ...) add.
    ``zip_level``: the parts' deflate level (zlib's 1-9; None: XlsxWriter's, zlib's default 6)."""
    import xlsxwriter  # lazy: only the XlsxWriter writers need it
    from xlsxwriter import xmlwriter  # lazy: as above

    # XlsxWriter escapes a literal _xHHHH_ (group 1 gets "_x005F" in front) without overlaps
    # ("_x005F_x0041_" came back as "_x005FA"): its pattern becomes the underscore of xstring's
    xmlwriter.re_control_chars_1 = _XSTRING_START_RE
    opts = dict(XLSXWRITER_OPTIONS)
    if isinstance(target, (str, os.PathLike)):
        target = os.fspath(target)
    else:
        opts["in_memory"] = True
    opts.update(options)
    return XlsxBook(xlsxwriter.Workbook(target, opts), zip_level)


_ZIP_SWAP = threading.Lock()  # one workbook at a time closes with its own deflate level
_LEVEL_ZIPS: dict[int, type] = {}


def _level_zip(level: int) -> type:
    """``zipfile.ZipFile`` deflating every member it is given at ``level`` (XlsxWriter passes none)."""
    found = _LEVEL_ZIPS.get(level)
    if found is None:
        class LevelZipFile(zipfile.ZipFile):
            def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None,
                         compresslevel: int | None = None) -> None:
                super().writestr(zinfo_or_arcname, data, compress_type, level if compresslevel is None else compresslevel)

            def write(self, filename: Any, arcname: Any = None, compress_type: Any = None,
                      compresslevel: int | None = None) -> None:
                super().write(filename, arcname, compress_type, level if compresslevel is None else compresslevel)

        found = _LEVEL_ZIPS[level] = LevelZipFile
    return found


def _cell_args(args: tuple[Any, ...], n: int) -> int:
    """How many leading positional arguments address the cell(s): 1 for ``"A1"`` / ``"A1:B2"``
    notation, else ``n`` (row, col[, last_row, last_col])."""
    return 1 if args and isinstance(args[0], str) else n


class XlsxBook:
    """An ``xlsxwriter.Workbook`` whose sheets, names and document properties go through
    this module; everything else is the workbook's own (attribute access is forwarded)."""

    def __init__(self, wb: Any, zip_level: int | None = None):
        self._wb = wb
        self._zip_level = zip_level

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wb, name)

    def __enter__(self) -> "XlsxBook":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Write the file (XlsxWriter's ``close``), its parts deflated at the book's ``zip_level``:
        XlsxWriter has no option for it, so its module's ``ZipFile`` is this level's while it closes."""
        if self._zip_level is None:
            self._wb.close()
            return
        from xlsxwriter import workbook as module  # lazy: only the XlsxWriter writers need it

        with _ZIP_SWAP:
            saved = module.ZipFile
            module.ZipFile = _level_zip(self._zip_level)
            try:
                self._wb.close()
            finally:
                module.ZipFile = saved

    @property
    def workbook(self) -> Any:
        """The wrapped ``xlsxwriter.Workbook``."""
        return self._wb

    def add_worksheet(self, name: str | None = None) -> "XlsxSheet":
        return XlsxSheet(self._wb.add_worksheet(None if name is None else sheet_name(name),
                                                worksheet_class=_block_worksheet_class()))

    def define_name(self, name: str, formula: str) -> Any:
        return self._wb.define_name(defined_name(name), formula)

    def set_properties(self, properties: Mapping[str, Any]) -> Any:
        return self._wb.set_properties({k: cell_text(v, MAX_VALIDATION_PROMPT) if isinstance(v, str) else v
                                        for k, v in properties.items()})

    def set_custom_property(self, name: str, value: Any, property_type: Any = None) -> Any:
        if isinstance(value, str):
            value = xml_text(value)
        return self._wb.set_custom_property(name, value, property_type)


DEFAULT_COLUMN_WIDTH = 8.43  # Excel's default column width (characters)


class XlsxSheet:
    """An XlsxWriter worksheet whose every text goes through this module: cell text cleaned
    and limited (always a string: the workbook never turns text into formulas, numbers or
    URLs), validations within Excel's limits, headers/footers fitted, row heights capped.
    Everything else is the worksheet's own (attribute access is forwarded)."""

    def __init__(self, ws: Any):
        self._ws = ws
        self._widths: dict[int, float] = {}  # 0-based column -> width set (0 = hidden)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)

    def set_column(self, *args: Any) -> Any:
        """XlsxWriter's ``set_column`` (``"A:D"`` or first, last), the widths remembered for the print rule."""
        if isinstance(args[0], str):
            a, _, b = args[0].partition(":")
            first, last, rest = column_number(a) - 1, column_number(b or a) - 1, args[1:]
        else:
            first, last, rest = args[0], args[1], args[2:]
        width = rest[0] if rest and rest[0] is not None else DEFAULT_COLUMN_WIDTH
        hidden = len(rest) > 2 and bool((rest[2] or {}).get("hidden"))
        for c in range(first, last + 1):
            self._widths[c] = 0.0 if hidden else float(width)
        return self._ws.set_column(*args)

    def widen_for_words(self, headers: Mapping[int, str], font_size: float = 11, bold: bool = True) -> None:
        """Widen columns (0-based -> header text) given to :meth:`set_column` so that no header
        wraps inside a word (:func:`xl_kik.core.printing.word_width`)."""
        for c, text in headers.items():
            need = word_width(text, font_size, bold)
            if need > self._widths.get(c, DEFAULT_COLUMN_WIDTH):
                self.set_column(c, c, need)

    def print_layout(self, font_size: float = 11, *, prefer: str = "landscape",
                     title_rows: tuple[int, int] | None = None, title_cols: tuple[int, int] | None = None,
                     first_col: int = 0, last_col: int | None = None, one_page: bool = False,
                     heights: Sequence[float] | None = None, margins: Margins = MARGINS) -> PageLayout:
        """The one print rule (:func:`xl_kik.core.printing.page_layout`) for this sheet,
        applied: the widths given to :meth:`set_column` from ``first_col`` to ``last_col``
        (0-based; default the last column written or sized), ``font_size`` the smallest
        printed text; ``title_rows``/``title_cols`` 0-based inclusive like XlsxWriter's."""
        last = last_col if last_col is not None else max([first_col, self._ws.dim_colmax or 0, *self._widths])
        widths = [self._widths.get(c, DEFAULT_COLUMN_WIDTH) for c in range(first_col, last + 1)]
        layout = page_layout(widths, font_size, prefer=prefer,
                             title_rows=(title_rows[0] + 1, title_rows[1] + 1) if title_rows else None,
                             title_cols=(title_cols[0] + 1, title_cols[1] + 1) if title_cols else None,
                             first_col=first_col + 1, one_page=one_page, heights=heights, margins=margins)
        self.apply_layout(layout)
        return layout

    def apply_layout(self, layout: PageLayout) -> None:
        """Set the page setup ``layout`` on the XlsxWriter worksheet."""
        ws = self._ws
        ws.set_paper(layout.paper.excel_size)
        if layout.orientation == "landscape":
            ws.set_landscape()
        else:
            ws.set_portrait()
        if layout.scale is None:
            ws.fit_to_pages(layout.fit_width or 0, layout.fit_height or 0)
        else:
            ws.set_print_scale(layout.scale)
        if layout.title_rows:
            ws.repeat_rows(layout.title_rows[0] - 1, layout.title_rows[1] - 1)
        if layout.title_cols:
            ws.repeat_columns(layout.title_cols[0] - 1, layout.title_cols[1] - 1)
        m = layout.margins
        ws.set_margins(left=m.left, right=m.right, top=m.top, bottom=m.bottom)

    @property
    def worksheet(self) -> Any:
        """The wrapped XlsxWriter worksheet."""
        return self._ws

    def write_string(self, *args: Any) -> Any:
        n = _cell_args(args, 2)
        text = cell_text(args[n])
        if not text:  # an empty text is an empty cell (with its format), as in every writer
            return self._ws.write_blank(*args[:n], None, *args[n + 1:])
        return self._ws.write_string(*args[:n], text, *args[n + 1:])

    def write_rows(self, row: int, col: int, rows: Iterable[Sequence[Any]], formats: Sequence[Any] = ()) -> int:
        """Write a block of rows at once from ``row``, ``col`` (0-based), by the rules of
        :func:`xlsx_write`, at a fraction of the cost of one ``write_*`` call per cell: each
        row is turned into its XML when it is written (:func:`_block_worksheet_class`).

        ``formats[j]`` is the format of the ``j``-th cell of every row (missing or ``None``: the
        row's format, else the column's, as XlsxWriter does); a cell given as :class:`Styled`
        (:func:`styled`) has its own. A
        text is cleaned and limited by :func:`cell_text` (an empty text is a blank cell), a
        ``bool`` is a boolean, an ``int`` / ``float`` a number (NaN and infinity blank), a date
        or datetime Excel's serial number; ``None`` is a blank cell (written only with a
        format). A :class:`Formula` raises ``TypeError``: write it with :meth:`write`. The
        rows must not hold cells written otherwise. Returns the number of rows written."""
        return self._ws.write_block(row, col, rows, formats)

    def write(self, *args: Any) -> Any:
        n = _cell_args(args, 2)
        if n == 1:
            row, col = split_cell(args[0])
            args = (row - 1, col - 1, *args[1:])
        return xlsx_write(self._ws, *args)

    def write_row(self, row: int, col: int, data: Iterable[Any], cell_format: Any = None) -> None:
        for i, value in enumerate(data):
            xlsx_write(self._ws, row, col + i, value, cell_format)

    def merge_range(self, *args: Any) -> Any:
        n = _cell_args(args, 4)
        data = args[n] if len(args) > n else ""
        if isinstance(data, str) and not isinstance(data, Formula):
            data = cell_text(data)
        return self._ws.merge_range(*args[:n], data, *args[n + 1:])

    def write_comment(self, *args: Any) -> Any:
        n = _cell_args(args, 2)
        return self._ws.write_comment(*args[:n], cell_text(args[n]), *args[n + 1:])

    def data_validation(self, *args: Any) -> Any:
        return self._ws.data_validation(*args[:-1], xlsx_validation(args[-1]))

    def set_row(self, row: int, height: float | None = None, *args: Any) -> Any:
        return self._ws.set_row(row, None if height is None else row_height(height), *args)

    def set_header(self, header: str = "", *args: Any) -> Any:
        return self._ws.set_header(header_footer(header), *args)

    def set_footer(self, footer: str = "", *args: Any) -> Any:
        return self._ws.set_footer(header_footer(footer), *args)


class Styled(tuple):
    """A cell for :meth:`XlsxSheet.write_rows` with its own format: ``Styled((value, fmt))``
    or :func:`styled`."""

    __slots__ = ()


def styled(value: Any, fmt: Any) -> Styled:
    """``value`` with its own format ``fmt`` in a row given to :meth:`XlsxSheet.write_rows`."""
    return Styled((value, fmt))


_BLOCK_CLASS: list[type] = []


def _block_worksheet_class() -> type:
    """XlsxWriter's ``Worksheet`` with ``write_block``: rows of cells rendered to their XML
    when they are written (cell references, format indexes, shared-string indexes) and put
    into ``<sheetData>`` in row order among the cells written cell by cell.

    XlsxWriter keeps a tuple per cell and turns each into XML when the file is closed,
    through several calls per cell (about 3 µs); the rollup's overview has 70,000 cells.
    The block writer uses the worksheet's own string table, format indexes, date conversion,
    dimensions and row attributes (``set_row``), so the file is the one XlsxWriter writes cell
    by cell, up to the order in which the formats are numbered (``tests/test_cells.py``). A
    row's or column's format for the cells without their own is the one set before the rows
    are written."""
    if _BLOCK_CLASS:
        return _BLOCK_CLASS[0]
    from xlsxwriter.exceptions import OverlappingRange  # lazy: only the XlsxWriter writers need it
    from xlsxwriter.utility import xl_cell_to_rowcol, xl_range  # lazy: as above
    from xlsxwriter.worksheet import Worksheet  # lazy: as above

    def cells_of_range(args: tuple[Any, ...]) -> tuple[tuple[int, int, int, int], tuple[Any, ...]]:
        """(first row, first col, last row, last col) in order, and the rest of the arguments,
        of a range given as four numbers or as ``"A1:B2"`` (XlsxWriter's two ways)."""
        if args and isinstance(args[0], str):
            first, _, last = args[0].partition(":")
            (r0, c0), (r1, c1) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last or first)
            rest = args[1:]
        else:
            (r0, c0, r1, c1), rest = args[:4], args[4:]
        return (min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)), rest

    class BlockWorksheet(Worksheet):
        def __init__(self) -> None:
            super().__init__()
            self.block_rows: dict[int, tuple[str, int, int]] = {}  # row -> (its cells' XML, first, last col)
            # the tables add_table set up from their first two rows: (first row, first col, last row, last col, range)
            self.wide_tables: list[tuple[int, int, int, int, str]] = []

        def _overlapping_table(self, r0: int, c0: int, r1: int, c1: int) -> str | None:
            for t0, d0, t1, d1, found in self.wide_tables:
                if t0 <= r1 and r0 <= t1 and d0 <= c1 and c0 <= d1:
                    return found
            return None

        def merge_range(self, *args: Any, **kwargs: Any) -> Any:
            (r0, c0, r1, c1), _ = cells_of_range(args)
            found = self._overlapping_table(r0, c0, r1, c1)
            if found is not None:  # XlsxWriter's own check sees only the first two rows of such a table
                raise OverlappingRange(f"Merge range '{xl_range(r0, c0, r1, c1)}' overlaps previous table "
                                       f"range '{found}'.")
            return super().merge_range(*args, **kwargs)

        def add_table(self, *args: Any, **kwargs: Any) -> Any:
            """XlsxWriter's ``add_table``, without its look at every cell of the table for an
            overlap (85,000 cells in the rollup's two tables, about 30 ms): a table of plain
            columns (no data, formulas or totals) is set up by XlsxWriter from its first two
            rows and then given its whole range, and the overlap is checked by ranges."""
            (r0, c0, r1, c1), rest = cells_of_range(args)
            options = kwargs.get("options", rest[0] if rest else None) or {}
            cell_range = xl_range(r0, c0, r1, c1)
            found = self._overlapping_table(r0, c0, r1, c1)
            if found is not None:
                raise OverlappingRange(f"Table range '{cell_range}' overlaps previous table range '{found}'.")
            columns = options.get("columns") or ()
            plain = r1 - r0 > 1 and "data" not in options and not options.get("total_row") and \
                options.get("header_row", True) and not any(
                    c and (c.get("formula") or c.get("total_function") or c.get("total_string")) for c in columns)
            if not plain or self._check_dimensions(r0, c0, True, True) or self._check_dimensions(r1, c1, True, True):
                return super().add_table(*args, **kwargs)
            for cells_seen, kind in ((self.table_cells, "table"), (self.merged_cells, "merge")):
                for (r, c), found in cells_seen.items():
                    if r0 <= r <= r1 and c0 <= c <= c1:
                        raise OverlappingRange(f"Table range '{cell_range}' overlaps previous {kind} range '{found}'.")
            result = super().add_table(r0, c0, r0 + 1, c1, options)
            if result != 0:
                return result
            table = self.tables[-1]
            table["range"] = table["a_range"] = cell_range  # no total row: the data reach the last row
            if "autofilter" in table:
                table["autofilter"] = cell_range
                for c in range(c0, c1 + 1):
                    self.filter_cells[(r0, c)] = ("table", cell_range)
            for r in (r0, r0 + 1):
                for c in range(c0, c1 + 1):
                    self.table_cells[(r, c)] = cell_range
            self.wide_tables.append((r0, c0, r1, c1, cell_range))
            return 0

        def write_block(self, row: int, col: int, rows: Iterable[Sequence[Any]], formats: Sequence[Any] = ()) -> int:
            if self.constant_memory:
                raise ValueError("write_rows does not work in XlsxWriter's constant_memory mode")
            sst = self.str_table._get_shared_string_index
            style: dict[int, str] = {}  # id(format) -> ' s="n"'
            keep: list[Any] = []  # the formats whose id() is a key of ``style`` (so no id is reused)
            dates: dict[Any, str] = {}
            formats = list(formats)
            blocks, row_info = self.block_rows, self.row_info
            letters: list[str] = []  # per cell of a row: its column's letters
            given: list[str] = []  # per cell: the style of formats[j], else of the column's format ('' none)

            def style_of(fmt: Any) -> str:
                found = style.get(id(fmt))
                if found is None:
                    found = style[id(fmt)] = f' s="{fmt._get_xf_index()}"'
                    keep.append(fmt)
                return found

            def fallback(c: int, row_format: Any) -> str:
                """A cell without a format of its own: the row's format, else the column's (XlsxWriter's rule)."""
                if row_format:
                    return style_of(row_format)
                info = self.col_info.get(c)
                return style_of(info.column_format) if info is not None and info.column_format is not None else ""

            def other(value: Any, fmt: Any, at: str, attr: str) -> str:
                """A cell that is not a plain str, int or float (xlsx_write's rules)."""
                if isinstance(value, Formula):
                    raise TypeError("write_rows does not write formulas: write them with write()")
                if value is None:
                    return "" if fmt is None else f'<c r="{at}"{attr}/>'
                if isinstance(value, bool):
                    return f'<c r="{at}"{attr} t="b"><v>{int(value)}</v></c>'
                if isinstance(value, (int, float)):
                    number = _number(value)
                    if number is None:
                        return other(None, fmt, at, attr)
                    return f'<c r="{at}"{attr}><v>{number:.16G}</v></c>'
                if isinstance(value, (dt.datetime, dt.date)):
                    serial = dates.get(value)
                    if serial is None:
                        serial = dates[value] = f"{self._convert_date_time(value):.16G}"
                    if fmt is None and self.default_date_format is not None:
                        attr = style_of(self.default_date_format)
                    return f'<c r="{at}"{attr}><v>{serial}</v></c>'
                text = cell_text(value)
                if not text:
                    return other(None, fmt, at, attr)
                return f'<c r="{at}"{attr} t="s"><v>{sst(text)}</v></c>'

            rmax, cmax = self.xls_rowmax, self.xls_colmax
            lo = hi = None  # the first and last row with a cell, and the columns' extent
            first_c = last_c = col
            r = row
            for values in rows:
                width = len(values)
                if not width:
                    r += 1
                    continue
                if r < 0 or col < 0 or r >= rmax or col + width > cmax:
                    raise IndexError(f"row {r}, columns {col}-{col + width - 1}: outside the worksheet")
                while len(letters) < width:
                    j = len(letters)
                    letters.append(column_letter(col + j + 1))
                    fmt = formats[j] if j < len(formats) else None
                    given.append(style_of(fmt) if fmt is not None else fallback(col + j, None))
                info = row_info.get(r)
                row_format = info.row_format if info is not None else None
                attrs = given if not row_format else [
                    a if j < len(formats) and formats[j] is not None else fallback(col + j, row_format)
                    for j, a in enumerate(given)]
                # one look at all the row's texts: most need no cleaning (cell_text otherwise)
                texts = [v for v in values if v.__class__ is str]
                joined = "\n".join(texts)
                clean = _XML_FORBIDDEN_RE.search(joined) is None and "\r" not in joined and \
                    max(map(len, texts), default=0) * 2 <= MAX_CELL_TEXT
                ref = str(r + 1)
                parts = []
                js = []  # the columns (0-based in the row) that got a cell
                for j, value in enumerate(values):
                    cls = value.__class__
                    if cls is str:
                        text = value if clean else cell_text(value)
                        if text:
                            cell = f'<c r="{letters[j]}{ref}"{attrs[j]} t="s"><v>{sst(text)}</v></c>'
                        elif j < len(formats) and formats[j] is not None:  # a blank only with its own format
                            cell = f'<c r="{letters[j]}{ref}"{attrs[j]}/>'
                        else:
                            continue
                    elif cls is int or (cls is float and math.isfinite(value)):
                        cell = f'<c r="{letters[j]}{ref}"{attrs[j]}><v>{value:.16G}</v></c>'
                    elif cls is Styled:
                        value, fmt = value
                        attr = style_of(fmt) if fmt is not None else fallback(col + j, row_format)
                        cell = other(value, fmt, f"{letters[j]}{ref}", attr)
                    else:
                        fmt = formats[j] if j < len(formats) else None
                        cell = other(value, fmt, f"{letters[j]}{ref}", attrs[j])
                    if cell:
                        parts.append(cell)
                        js.append(j)
                if parts:
                    blocks[r] = ("".join(parts), col + js[0], col + js[-1])
                    if lo is None:
                        lo, first_c, last_c = r, col + js[0], col + js[-1]
                    hi = r
                    first_c, last_c = min(first_c, col + js[0]), max(last_c, col + js[-1])
                r += 1
            if lo is not None:  # the sheet's dimensions, as writing the cells one by one sets them
                self._check_dimensions(lo, first_c)
                self._check_dimensions(hi, last_c)
            return r - row

        def _write_rows(self) -> None:
            blocks = self.block_rows
            if not blocks:
                super()._write_rows()
                return
            table, comments = self.table, self.comments
            for r in blocks:
                if table.get(r):
                    raise ValueError(f"row {r + 1} has cells written both by write_rows and cell by cell")
            # the rows' spans (a hint): per 16 rows the first and last column with a cell or a comment
            spans: dict[int, list[int]] = {}

            def span_of(r: int, first: int, last: int) -> None:
                found = spans.get(r // 16)
                if found is None:
                    spans[r // 16] = [first, last]
                else:
                    found[0], found[1] = min(found[0], first), max(found[1], last)

            for source in (table, comments):
                for r, cols in source.items():
                    if cols:
                        span_of(r, min(cols), max(cols))
            for r, (_, first, last) in blocks.items():
                span_of(r, first, last)
            rows = {r for r, cols in table.items() if cols} | set(self.row_info) | set(comments) | set(blocks)
            write = self.fh.write
            default, original = self.default_row_height, self.original_row_height
            plain_rows = self.excel_version != 2010  # else XlsxWriter adds an attribute to every row
            heights: dict[Any, str] = {}  # a row height -> its attributes, as _write_row writes them
            for r in sorted(rows):
                found = spans.get(r // 16)
                span = f"{found[0] + 1}:{found[1] + 1}" if found else None
                info = self.row_info.get(r)
                if r in blocks:
                    if plain_rows and (info is None or not (info.row_format or info.hidden or info.level
                                                            or info.collapsed)):
                        # the <row> tag XlsxWriter's _write_row writes for a row without a format,
                        # outline or hiding: r, spans, and ht / customHeight when not the default
                        height = default if info is None or info.height is None else info.height
                        attrs = heights.get(height)
                        if attrs is None:
                            custom = height != original or height != default
                            attrs = heights[height] = f' ht="{height * 0.75:.16g}" customHeight="1"' if custom else ""
                        spans_attr = f' spans="{span}"' if span else ""
                        write(f'<row r="{r + 1}"{spans_attr}{attrs}>{blocks[r][0]}</row>')
                        continue
                    self._write_row(r, span, info)
                    write(blocks[r][0])
                    self._xml_end_tag("row")
                elif table.get(r):
                    self._write_row(r, span, info)
                    cols = table[r]
                    for c in sorted(cols):
                        self._write_cell(r, c, cols[c])
                    self._xml_end_tag("row")
                else:
                    self._write_empty_row(r, span, info)

    _BLOCK_CLASS.append(BlockWorksheet)
    return BlockWorksheet


def xlsx_write(ws: Any, row: int, col: int, value: Any, fmt: Any = None, note: str = "") -> None:
    """Write one cell with XlsxWriter (0-based ``row``/``col``), by the same rules as
    :func:`write_cell`: text always as text (``write_string``), a :class:`Formula` as a
    formula with an empty cached value (LibreOffice then computes it)."""
    if isinstance(value, Formula):
        text = str(value)
        ws.write_formula(row, col, text if text.startswith("=") else "=" + text, fmt, "")
    elif value is None or (isinstance(value, str) and not value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        number = _number(value)
        if number is None:
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_number(row, col, number, fmt)
    elif isinstance(value, (dt.datetime, dt.date)):
        ws.write_datetime(row, col, value, fmt)
    else:
        text = cell_text(value, note=note)
        if text:
            ws.write_string(row, col, text, fmt)
        else:
            ws.write_blank(row, col, None, fmt)


def xlsx_validation(options: Mapping[str, Any]) -> dict[str, Any]:
    """XlsxWriter ``data_validation`` options with the texts within Excel's limits and a
    list ``source`` of literal options checked (:func:`list_literal`)."""
    out = dict(options)
    out["input_title"], out["input_message"], out["error_title"], out["error_message"] = validation_texts(
        out.get("input_title"), out.get("input_message"), out.get("error_title"), out.get("error_message"))
    for key in ("input_title", "input_message", "error_title", "error_message"):
        if out[key] is None:
            del out[key]
        else:  # ST_Xstring attributes: Excel and LibreOffice decode _xHHHH_ in them (XlsxWriter writes as is)
            out[key] = xstring(out[key])
    if out.get("validate") == "list" and isinstance(out.get("source"), (list, tuple)):
        list_literal(out["source"])  # raises when Excel would refuse it
        out["source"] = [xml_text(o) for o in out["source"]]
    return out


# ---------------------------------------------------------------- xlwings (live Excel)
def xlwings_value(value: Any) -> Any:
    """A value as it must be handed to Excel through xlwings/COM to be stored as is.

    Every non-empty ``str`` gets a leading apostrophe (Excel's text prefix, not part of the
    value): without it Excel would turn ``=...`` into a formula, ``1.2`` into a number or a
    date (Danish locale) and ``-`` / ``+`` / ``@`` text into formulas. Texts are cleaned and
    limited like every other cell (:func:`cell_text`)."""
    if isinstance(value, Formula):
        text = str(value)
        return text if text.startswith("=") else "=" + text
    if isinstance(value, str):
        text = cell_text(value, MAX_CELL_TEXT - 1)
        return "'" + text if text else None
    if isinstance(value, float):
        return _number(value)
    return value


def fit_rule(rule: Any) -> Any:
    """A ``ValidationRule`` (``xl_kik.excel.masterfile``) with its texts within Excel's limits
    and its literal list options checked; any writer applies the result."""
    input_title, input_message, error_title, error_message = validation_texts(
        rule.input_title, rule.input_message, rule.error_title, rule.error_message)
    source = rule.list_source
    if source is not None:
        list_literal(source)
        source = tuple(xml_text(o) for o in source)
    return dataclasses.replace(rule, input_title=input_title, input_message=input_message,
                               error_title=error_title, error_message=error_message, list_source=source)
