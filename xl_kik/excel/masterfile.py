"""Editing an existing master workbook: on disk (openpyxl) or live in Excel (xlwings).

Two ways to change a master, one vocabulary:

* :meth:`MasterFile.edit` — the CLI path. Loads ``kik_master.xlsm`` with openpyxl
  (``keep_vba=True``; defusedxml protects the XML parser), yields the workbook and, when
  the ``with`` block ends normally, saves it atomically with a backup in ``backup/``. An
  exception leaves the file untouched. openpyxl keeps vbaProject.bin byte-identical, the
  VML buttons with their macros, data validations, tables, defined names, codeNames and
  very-hidden state (``tests/test_master_roundtrip.py`` checks it). Charts are read back by
  openpyxl and written again (simplified formatting), see ``MasterFile`` below.
* The **buttons** run while Excel has the master open, so replacing the file is impossible
  (Windows locks it) or destructive (on a Mac, Excel would later save its own copy over
  ours). There the derived sheets are written *into the live workbook* through xlwings and
  Excel is asked to save itself. :class:`SheetWriter` is the common interface;
  :class:`OpenpyxlSheetWriter` and :class:`XlwingsSheetWriter` implement it. Renderers
  build a :class:`SheetContent` (plain data) and call :func:`apply_content`, so the same
  code serves both doors and is tested without Excel.

Every text written through these helpers is stored as text, never as a formula: free text
from returned files may start with ``=``, ``+``, ``-`` or ``@`` (formula injection).
"""

from __future__ import annotations

import copy
import datetime
import io
import logging
import posixpath
import re
import zipfile
import xml.etree.ElementTree as _ET

import defusedxml  # noqa: F401  (openpyxl uses it when installed: no XML bombs)
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import ColorScale, FormatObject, Rule
from openpyxl.styles import Alignment, Color, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation, DataValidationList
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl import LXML as _LXML
from openpyxl.comments.comment_sheet import CommentRecord as _CommentRecord
from openpyxl.compat import safe_string as _safe_string
from openpyxl.utils.datetime import to_excel as _to_excel, to_ISO8601 as _to_iso8601
from openpyxl.cell.cell import MergedCell as _MergedCell
from openpyxl.styles.borders import Border as _Border
from openpyxl.styles.cell_style import StyleArray as _StyleArray
from openpyxl.worksheet.merge import MergedCellRange as _MergedCellRange
from openpyxl.worksheet.dimensions import SheetDimension as _SheetDimension
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Protocol, Sequence

from xl_kik.excel import master
from xl_kik.excel.master import CODE_NAMES, SHEET_KEYS, SHEET_NAMES, WORKBOOK_CODE_NAME, workbook_sheets
from xl_kik.excel.repair import finish_master
from xl_kik.core.cellref import cell_ref, column_letter, column_number, split_cell
from xl_kik.core.contract import MASTER_CODE_NAMES, MASTER_SHEET_NAMES
from xl_kik.core.formula import Formula
from xl_kik.core.printing import PageLayout, first_page_columns, page_layout
from xl_kik.excel import atomic, cells
from xl_kik.excel.layout import DEFAULT_COLUMN_WIDTH, DEFAULT_ROW_HEIGHT, column_widths, fit_rows
from xl_kik.core.i18n import Msg
from xl_kik.core.errors import MasterFormatError, MasterLockedError
from xl_kik.excel.vba import installed_xlwings_version
from xl_kik.core.round import RoundPaths

log = logging.getLogger("xl_kik.workbook")  # a button run sends xl_kik.* to <round>/xl_kik.log
cells.openpyxl_reads_and_writes_xstrings()  # a cell's value is the text Excel shows, read and written


def _format_merged_range(self: Any) -> None:
    """openpyxl 3.1's ``MergedCellRange.format`` (run for every merged range a sheet loads or
    gets): the cells of the range become ``MergedCell``s, the edge cells get the top-left cell's
    border sides, every cell its protection; the same style ids in the same order
    (``tests/test_master_save.py``). openpyxl hashes a new border or a copied protection per
    cell (a deep hash of a style object, about 6 ms of a merge); here each combination is
    looked up once per workbook, remembered by style ids on the workbook's style lists (which
    only grow: an id always means the same style)."""
    ws = self.ws
    wb = ws.parent
    cells_ = ws._cells
    borders, protections = wb._borders, wb._protections

    def cell_at(coord: tuple[int, int]) -> Any:
        cell = cells_.get(coord)
        if cell is None:
            cell = _MergedCell(ws, row=coord[0], column=coord[1])
            cells_[(cell.row, cell.column)] = cell
        if not cell._style:
            cell._style = _StyleArray()
        return cell

    start = self.start_cell
    if not start._style:
        start._style = _StyleArray()
    combined = borders.__dict__.setdefault("_xl_kik_merged", {})  # (border id, side, top-left's id) -> id
    for name in ("top", "left", "right", "bottom"):
        start_id = start._style.borderId  # the top-left cell's border as this side begins
        side = getattr(borders[start_id], name)
        if side and side.style is None:
            continue  # no border style on this side
        border = None
        for coord in getattr(self, name):
            cell = cell_at(coord)
            key = (cell._style.borderId, name, start_id)
            if key not in combined:
                border = border or _Border(**{name: side})
                combined[key] = borders.add(borders[key[0]] + border)
            cell._style.borderId = combined[key]
    copies = protections.__dict__.setdefault("_xl_kik_merged", {})  # top-left's protection id -> id
    key = start._style.protectionId
    if key not in copies:
        copies[key] = protections.add(copy.copy(start.protection))
    for coord in self.cells:
        cell_at(coord)._style.protectionId = copies[key]


if not getattr(_MergedCellRange.format, "_xl_kik", False):
    _openpyxl_format_merged_range = _MergedCellRange.format  # openpyxl's own (the test compares)
    _format_merged_range._xl_kik = True  # type: ignore[attr-defined]
    _MergedCellRange.format = _format_merged_range

FORMULA_PREFIXES = cells.TEXT_GUARD_PREFIXES
needs_text_guard = cells.needs_text_guard

LOCK_FILE = Msg(
    "Masterfilen {file} er åben i {app} (låsefilen {lock} findes). Luk den og prøv igen; intet er ændret. "
    "Hvis den ikke er åben nogen steder, så slet låsefilen.",
    "The master file {file} is open in {app} (the lock file {lock} exists). Close it and try again; nothing "
    "was changed. If it is not open anywhere, delete the lock file.")


def lock_files(path: Path) -> list[tuple[Path, str]]:
    """Lock files that say another program has ``path`` open: Excel's owner file
    (``~$name``; Excel replaces the first two characters of long names) and LibreOffice's
    ``.~lock.name#``."""
    name = path.name
    candidates = [(path.with_name("~$" + name), "Excel"), (path.with_name("~$" + name[2:]), "Excel"),
                  (path.with_name(f".~lock.{name}#"), "LibreOffice")]
    return [(p, app) for p, app in candidates if p.exists()]


def check_not_open(path: str | Path, lang: str = "da") -> None:
    """Raise :class:`MasterLockedError` when Excel or LibreOffice has the file open.

    On Windows the final ``os.replace`` would fail anyway; on macOS and Linux it would
    succeed and the program holding the file would later save its stale copy over ours."""
    path = Path(path)
    found = lock_files(path)
    if found:
        lock, app = found[0]
        raise MasterLockedError(LOCK_FILE(lang, file=path.name, app=app, lock=lock.name), lang=lang)


# ---------------------------------------------------------------- openpyxl helpers
def _cell(ws: Any, cell: str | tuple[int, int]) -> Any:
    return ws.cell(*cell) if isinstance(cell, tuple) else ws[cell]


def write_text(ws: Any, cell: str | tuple[int, int], value: Any) -> Any:
    """Store ``value`` as text in ``cell`` of an openpyxl worksheet (:func:`cells.write_cell`:
    data type ``s`` even when it starts with ``=``, Excel's text prefix, forbidden characters
    removed, Excel's cell limit). Returns the cell."""
    c = _cell(ws, cell)
    text = "" if value is None else str(value)
    if not text:  # an empty text cell (what a table header may need), not an empty cell
        c.value = ""
        c.data_type = "s"
        return c
    return cells.write_cell(c, text)


def write_value(ws: Any, cell: str | tuple[int, int], value: Any) -> Any:
    """Numbers, dates, booleans and None as they are; a :class:`Formula` as a formula;
    every other ``str`` as text (all through :func:`cells.write_cell`)."""
    return cells.write_cell(_cell(ws, cell), value)


def clear_sheet(ws: Any, keep_columns_from: int | None = None) -> Any:
    """THE way to empty a generated sheet in place (openpyxl): values, styles, merged cells,
    data validations, conditional formats, tables, charts, images, hyperlinks, freeze panes,
    AutoFilter, print titles and print area, row heights and column widths go; the sheet's
    position, name, codeName, visibility, tab colour and protection stay.

    ``keep_columns_from``: the widths of columns from this 1-based index on (a person's own
    extra columns right of the generated ones) are kept; ``0`` keeps every width."""

    for rng in list(ws.merged_cells.ranges):
        ws.merged_cells.remove(rng)
    ws._cells.clear()
    ws.data_validations = DataValidationList()
    ws.conditional_formatting = ConditionalFormattingList()
    for name in list(ws.tables.keys()):
        del ws.tables[name]
    ws._charts = []
    ws._images = []
    ws._hyperlinks = []
    ws.freeze_panes = None
    ws.auto_filter.ref = None
    ws.print_title_rows = None
    ws.print_title_cols = None
    ws.print_area = None
    ws.row_dimensions.clear()
    for key in list(ws.column_dimensions):
        if keep_columns_from is None or column_number(key) < keep_columns_from:
            del ws.column_dimensions[key]
    return ws


def replace_sheet_content(ws: Any, keep_column_widths: bool = False) -> Any:
    """:func:`clear_sheet`, keeping every column width or none."""
    return clear_sheet(ws, keep_columns_from=1 if keep_column_widths else None)


def ensure_table(ws: Any, name: str, ref: str, columns: Sequence[str], style: str = "TableStyleMedium2") -> Any:
    """Make sure ``ws`` has an Excel table ``name`` over ``ref`` with header ``columns``.

    Writes the header cells (as text: Excel requires them to equal the column names),
    creates the table or updates its range and columns. Table names are workbook-wide:
    a table of that name on another sheet is an error (ValueError)."""

    wb = ws.parent
    for other in wb.worksheets:
        if other is not ws and name in other.tables:
            raise ValueError(f"table {name!r} already exists on sheet {other.title!r}")
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    if max_col - min_col + 1 != len(columns):
        raise ValueError(f"table {name!r}: {len(columns)} columns do not fit {ref}")
    if max_row <= min_row:
        raise ValueError(f"table {name!r}: {ref} needs a header row and at least one data row")
    for i, header in enumerate(columns):
        write_text(ws, (min_row, min_col + i), header)
    if name in ws.tables:
        table = ws.tables[name]
        table.ref = ref
        if table.autoFilter is not None:
            table.autoFilter.ref = ref
    else:
        table = Table(displayName=name, name=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)
        ws.add_table(table)
    table.tableColumns = [TableColumn(id=i + 1, name=str(h)) for i, h in enumerate(columns)]
    if table.autoFilter is not None:
        table.autoFilter.ref = ref
    return table


# ---------------------------------------------------------------- MasterFile
#: the start tag of a sheet's ``<sheetData>`` (its end: :func:`_sheet_data_span`)
_SHEET_DATA_OPEN_RE = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*>")


def _sheet_data_span(content: bytes) -> tuple[int, int, bytes] | None:
    r"""Where the first whole ``<sheetData>`` element of a worksheet part starts and ends, and its
    namespace prefix (``b""`` or ``b"x:"``): what ``<(\w+:)?sheetData\b[^>]*?(?:/>|>.*?</\1sheetData>)``
    (re.S) matches, its end found by ``bytes.find`` instead of that pattern's lazy ``.*?``, which
    tried the end tag at each of a Svarrapport's 670,000 characters (~9 ms)."""
    pos = 0
    while True:
        m = _SHEET_DATA_OPEN_RE.search(content, pos)
        if m is None:
            return None
        prefix = m.group(1)
        if content[m.end() - 2:m.end() - 1] == b"/":  # <sheetData/>: no end tag
            return m.start(), m.end(), prefix
        end_tag = b"</" + prefix + b"sheetData>"
        close = content.find(end_tag, m.end())
        if close >= 0:
            return m.start(), close + len(end_tag), prefix
        pos = m.start() + 1  # never closed: the pattern looks for a later start tag


#: what keeps a sheet's cells from being carried through unparsed: a shared string left as such
#: (openpyxl writes a new table; :func:`_inline_cell` makes the plain ones inline), a name with a namespace prefix the new root may not declare (``xml:`` aside),
#: cell metadata (``cm``/``vm``, a part openpyxl drops), a comment or CDATA section; the
#: alternatives of ``t="s"|<\w+:|\s(?!xml:)[\w.-]+:[\w.-]+\s*=|\s[cv]m\s*=|<!`` looked for one by
#: one (:func:`_not_carried`): as one pattern it was tried at every space (12 ms for Deltagere of
#: 1,000 participants, 3 ms in parts)
_PREFIXED_TAG_RE = re.compile(rb"<\w+:")
_CELL_METADATA_RE = re.compile(rb"\s[cv]m\s*=")
_COLON_NAME_RE = re.compile(rb":[\w.-]+\s*=")  # in every match of _PREFIXED_ATTR_RE: a cheap first look
_PREFIXED_ATTR_RE = re.compile(rb"\s(?!xml:)[\w.-]+:[\w.-]+\s*=")


def _not_carried(sheet_data: bytes) -> bool:
    """True when ``sheet_data`` holds what keeps a sheet's cells from being carried (above)."""
    return (b't="s"' in sheet_data or b"<!" in sheet_data or _PREFIXED_TAG_RE.search(sheet_data) is not None
            or _CELL_METADATA_RE.search(sheet_data) is not None
            or (_COLON_NAME_RE.search(sheet_data) is not None and _PREFIXED_ATTR_RE.search(sheet_data) is not None))


_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
#: a cell's or row's start tag and its style attribute (carried cells get the new style ids)
_STYLED_SPLIT_RE = re.compile(r'(<(?:c|row)\s[^>]*?\ss=")(\d+)(?=")')


@dataclass
class _Carried:
    """A sheet whose cells :meth:`MasterFile.edit` did not parse: its ``<sheetData>`` as the
    file had it, its dimension, and the cell formats the file's style ids stand for."""

    sheet_data: str
    dimension: str
    styles: list[Any] = field(default_factory=list)


def _prepared(data: bytes, skip_cells_of: Sequence[str] = (), uses: Sequence[str] | None = None,
              tables_anywhere: bool = False) -> tuple[bytes, dict[str, _Carried]]:
    """The workbook's bytes for openpyxl: without the cells of the sheets with the codeNames
    ``skip_cells_of`` (rewritten from scratch), and, with ``uses``, without the cells of every
    sheet whose codeName is not in ``uses`` (returned by sheet name, to be written back as they
    were: :class:`_Carried`). A sheet keeps its cells for openpyxl when carrying it could change
    it: a shared string not made inline, hyperlinks or comments bound to its cells, foreign markup in its cells,
    no codeName anywhere (the codeNames are restored from ``_kik``'s cells); with
    ``tables_anywhere`` (the caller looks for its table on every sheet) a sheet with a table."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos, _ = workbook_sheets(zf)
        blank = {i.part for i in infos if i.codename in skip_cells_of}
        carry = {}
        if uses is not None and not _LXML and all(i.codename for i in infos):
            names = set(zf.namelist())
            for i in infos:
                rels = posixpath.join(posixpath.dirname(i.part), "_rels", posixpath.basename(i.part) + ".rels")
                related = zf.read(rels) if rels in names else b""
                if i.codename not in uses and i.part not in blank and i.part in names and \
                        b"/comments" not in related and not (tables_anywhere and b"/table" in related):
                    carry[i.part] = i.name
        if not blank and not carry:
            return data, {}
        names = set(zf.namelist())
        sheets = {i.part for i in infos}
        carried: dict[str, _Carried] = {}
        shared: list[bytes] | None = None
        members: list[tuple[zipfile.ZipInfo, bytes]] = []
        strings_used = False  # a cell openpyxl reads still refers to the string table
        for item in zf.infolist():
            content = zf.read(item.filename)
            if item.filename in blank:
                span = _sheet_data_span(content)
                if span is not None:
                    start, end, prefix = span
                    content = content[:start] + b"<" + prefix + b"sheetData/>" + content[end:]
            elif item.filename in sheets and b't="s"' in content:
                # every shared-string cell made the inline cell openpyxl's save writes: a carried
                # sheet needs no string table, and openpyxl need not read one for the others
                if shared is None:
                    shared = _shared_items(zf, names)
                if shared:
                    content = _SHARED_CELL_RE.sub(lambda c: _inline_cell(c, shared), content)
            if item.filename in carry:
                span = _sheet_data_span(content)
                dim = _DIMENSION_RE.search(content)
                if span and not span[2] and dim and b"<hyperlinks" not in content and \
                        not _not_carried(content[span[0]:span[1]]):
                    start, end, _ = span
                    carried[carry[item.filename]] = _Carried(content[start:end].decode("utf-8"),
                                                             dim.group(1).decode("utf-8"))
                    content = content[:start] + b"<sheetData/>" + content[end:]
            if item.filename in sheets and b't="s"' in content:
                strings_used = True
            members.append((item, content))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zw:
            for item, content in members:
                if item.filename == _SHARED_STRINGS and shared and not strings_used:
                    content = _NO_STRINGS  # openpyxl's save writes the cells inline, with no table
                item.compress_type = zipfile.ZIP_STORED
                zw.writestr(item, content)
    return out.getvalue(), carried


#: a cell holding a shared string (the form XlsxWriter writes) and the string table's items
_SHARED_CELL_RE = re.compile(rb'<c\b([^>]*?)\st="s"([^>]*)><v>(\d+)</v></c>')
_SHARED_ITEM_RE = re.compile(rb"<si>(.*?)</si>|<si\s*/>", re.S)


_SHARED_STRINGS = "xl/sharedStrings.xml"
#: the string table openpyxl reads when no cell it parses refers to the file's one (the cells are
#: inline strings now); it has no save of its own to feed (openpyxl writes every text inline)
_NO_STRINGS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>')


def _shared_items(zf: zipfile.ZipFile, names: set[str]) -> list[bytes]:
    """The ``<si>`` contents of the workbook's string table (what an inline ``<is>`` may hold),
    or [] when there is none or it has markup this simple reading could misread (then the
    sheets with shared strings keep their cells for openpyxl, and the table)."""
    part = _SHARED_STRINGS
    if part not in names:
        return []
    text = zf.read(part)
    items = [m.group(1) or b"" for m in _SHARED_ITEM_RE.finditer(text)]
    return items if len(items) == text.count(b"<si") else []


def _inline_cell(cell: Any, shared: list[bytes]) -> bytes:
    """A shared-string cell as an inline-string cell with the same text (and runs), so that a
    carried sheet needs no string table; left alone when the index is out of range."""
    index = int(cell.group(3))
    if index >= len(shared):
        return cell.group(0)
    return b"<c" + cell.group(1) + b' t="inlineStr"' + cell.group(2) + b"><is>" + shared[index] + b"</is></c>"


def _carry(wb: Any, carried: Mapping[str, _Carried]) -> None:
    """Mark the carried sheets of the loaded ``wb`` (their cell formats: the loaded list, which
    :func:`used_cell_styles_only` replaces before the save)."""
    styles = list(wb._cell_styles)
    for name, sheet in carried.items():
        sheet.styles = styles
        wb[name]._xl_kik_carried = sheet


def _refuse_changes_to_carried(wb: Any) -> None:
    """RuntimeError (before anything is written) if the step changed a cell or a row of a carried
    sheet: it said it would not (``MasterFile.edit(uses=...)``), and the change would be lost.
    (The cells openpyxl makes for a merged range are no change.)"""
    for ws in wb.worksheets:
        if getattr(ws, "_xl_kik_carried", None) is None:
            continue
        merged = [r.bounds for r in ws.merged_cells.ranges]  # (min_col, min_row, max_col, max_row)
        for (row, col), cell in ws._cells.items():
            inside = any(c0 <= col <= c1 and r0 <= row <= r1 for c0, r0, c1, r1 in merged)
            if cell._value is not None or cell.hyperlink or cell._comment is not None or \
                    (cell.has_style and not inside):
                raise RuntimeError(f"{ws.title}!{cell.coordinate} was changed, but the sheet's cells are carried "
                                   "through unparsed (MasterFile.edit(uses=...) does not name it)")
        if len(ws.row_dimensions):
            raise RuntimeError(f"the rows of {ws.title} were changed, but its cells are carried through unparsed")


def _carried_sheet_data(ws: Any, sheet: _Carried) -> str:
    """A carried sheet's ``<sheetData>`` as the file had it, each style id replaced by the id of
    the same cell format in the workbook being saved (registered in the order of the cells, as
    openpyxl's writer does)."""
    cell_styles, originals = ws.parent._cell_styles, sheet.styles
    pieces = _STYLED_SPLIT_RE.split(sheet.sheet_data)  # text, tag up to s=", style id, text, ...
    ids = pieces[2::3]
    # each distinct id registered at its first cell: the list openpyxl's writer leaves, one call a format
    new = {old: str(cell_styles.add(originals[int(old)])) for old in dict.fromkeys(ids)}
    pieces[2::3] = [new[old] for old in ids]
    return "".join(pieces)


@dataclass
class MasterFile:
    """A master workbook opened for editing with openpyxl. Use :meth:`edit`.

    Charts: openpyxl reads the charts of a sheet and writes them again on save (as
    openpyxl chart objects: series, titles, axes and anchor survive; rich formatting
    Excel added may be simplified). ``tests/test_master_roundtrip.py`` checks that a chart
    added to Konsensus survives two edits. Renderers that rebuild a sheet with
    :func:`replace_sheet_content` drop its charts on purpose and add them again.
    """

    paths: RoundPaths
    lang: str = "da"
    workbook: Any = None

    @classmethod
    @contextmanager
    def edit(cls, paths: RoundPaths | str | Path, lang: str = "da",
             skip_cells_of: Sequence[str] = (), uses: Sequence[str] | None = None,
             tables_anywhere: bool = False) -> Iterator[Any]:
        """``with MasterFile.edit(paths) as wb:`` — save atomically (with a backup) on a
        normal exit; leave the file untouched on an exception.

        ``skip_cells_of``: codeNames of sheets the caller rewrites from scratch; their cells
        are not parsed (for a big round tens of thousands), everything else is unchanged.
        ``uses``: codeNames of the only sheets whose cells the caller reads or changes; the
        cells of the others are not parsed but written back as the file had them (their
        styles, merged cells, validations, tables ... are loaded and saved as usual). A change
        to a cell of such a sheet is refused at the save (RuntimeError), never lost.
        ``tables_anywhere``: the caller reads its table wherever it is (the plan): every sheet
        with a table keeps its cells."""

        paths = master.round_paths(paths)
        path = paths.master
        with cls.lock(paths, lang):  # load-edit-save by one writer at a time
            check_not_open(path, lang)
            data, carried = _prepared(path.read_bytes(), skip_cells_of, uses, tables_anywhere)
            # from memory: openpyxl keeps the package open for the VBA parts (no handle on the file)
            wb = load_workbook(io.BytesIO(data), keep_vba=True, keep_links=True)
            try:
                _carry(wb, carried)
                restored = restore_codenames(wb)
                if restored:
                    log.info("restored the codeNames of %s (lost when the master was saved by another "
                             "program, e.g. LibreOffice): %s", path.name, ", ".join(restored))
                yield wb
                _refuse_changes_to_carried(wb)
                cells.fit_workbook(wb)  # validations, headers/footers, row heights within Excel's limits
                used_cell_styles_only(wb)  # or the master's cell formats grow with every save
                check_not_open(path, lang)
                data = finish_master(package_bytes(wb), path.name)
            finally:
                if getattr(wb, "vba_archive", None) is not None:
                    wb.vba_archive.close()  # not left to the collector (a workbook is a cycle)
            atomic.write_with(path, lambda tmp: tmp.write_bytes(data), backup_dir=paths.backups, lang=lang)

    @staticmethod
    @contextmanager
    def lock(paths: RoundPaths | str | Path, lang: str = "da") -> Iterator[RoundPaths]:
        """``with MasterFile.lock(root):`` hold the round's write lock (re-entrant) for a step
        that reads the master and then writes it: take it *before* reading, so the setup read
        is the one written on. RoundNotFoundError (no lock file left behind) when the folder
        holds no master."""
        with master.locked_round(paths, lang) as locked:
            yield locked

    @staticmethod
    def sheet_by_codename(wb: Any, codename: str) -> Any:
        """The worksheet whose codeName is ``codename`` (survives renaming by the user);
        KeyError when there is none. Master sheets by key: :func:`find_sheet`."""
        for ws in wb.worksheets:
            if ws.sheet_properties.codeName == codename:
                return ws
        raise KeyError(codename)


class _UnusualCell(Exception):
    """A cell :func:`_sheet_data_xml` leaves to openpyxl's own writer (rich text, array and
    data-table formulas, a date with a time zone, a text that is no ``str``)."""


def _sheet_data_xml(ws: Any) -> str:
    """The ``<sheetData>`` element of ``ws`` as openpyxl 3.1's writer (``WorksheetWriter.write_rows``
    with et_xmlfile) serialises it, byte for byte, built as one string instead of an element per
    cell: the same rows (:meth:`WorksheetWriter.rows`), row attributes, style ids (registered in
    the same order), inline strings (through :func:`cells.xstring`, as
    :func:`cells.openpyxl_reads_and_writes_xstrings` makes openpyxl write them), numbers
    (``safe_string``), dates, formulas, comments and hyperlinks. Raises :class:`_UnusualCell`
    for a cell it does not write; nothing of the sheet has changed then but the style list,
    which openpyxl's writer fills in the same order."""
    wb = ws.parent
    escape = _ET._escape_cdata
    escape_attrib = _ET._escape_attrib
    dims = ws.row_dimensions
    comments: list[Any] = []
    links: list[Any] = []
    out = ["<sheetData>"]
    add = out.append
    # a style id per distinct style array, registered at its first cell as ``cell.style_id``
    # does (the same list, the same order): a Status of 8,000 cells has six looks
    register = wb._cell_styles.add
    style_ids: dict[bytes, int | None] = {}
    for row_idx, row in _rows(ws):
        attrs = {"r": f"{row_idx}"}
        attrs.update(dims.get(row_idx, {}))
        add("<row" + "".join(f' {k}="{escape_attrib(v)}"' for k, v in attrs.items()) + ">")
        for cell in row:
            if cell._comment is not None:
                comments.append(cell)
            style = cell._style
            if style is None:
                style_id = None
            else:
                key = style.tobytes()
                if key in style_ids:
                    style_id = style_ids[key]
                else:  # an all-zero array is no style (``cell.has_style``)
                    style_id = style_ids[key] = register(style) if any(style) else None
            value = cell._value
            if value is None and style_id is None and not cell._comment:
                continue
            data_type = cell.data_type
            head = f'<c r="{column_letter(cell.column)}{cell.row}"'  # cell.coordinate, its letters kept
            if style_id is not None:
                head += f' s="{style_id}"'
            if data_type == "s":
                head += ' t="inlineStr"'
                if isinstance(value, str):
                    value = cells.xstring(value)
                elif value is not None and value != "":
                    raise _UnusualCell(cell.coordinate)
            elif data_type == "d":
                if getattr(value, "tzinfo", None) is not None:
                    raise _UnusualCell(cell.coordinate)  # openpyxl's writer raises its TypeError
                if wb.iso_dates and not isinstance(value, datetime.timedelta):
                    head += ' t="d"'
                    value = _to_iso8601(value)
                else:
                    head += ' t="n"'
                    value = _to_excel(value, wb.epoch)
            elif data_type != "f":
                head += f' t="{escape_attrib(data_type)}"'
            if cell.hyperlink:
                links.append(cell.hyperlink)
            if value is None or value == "":
                add(head + " />")
                continue
            if data_type == "f":
                if not isinstance(value, str):
                    raise _UnusualCell(cell.coordinate)  # ArrayFormula, DataTableFormula
                formula = value[1:]
                add(head + (f"><f>{escape(formula)}</f><v /></c>" if formula else "><f /><v /></c>"))
            elif data_type == "s":
                stripped = value.strip()
                space = ' xml:space="preserve"' if stripped and value != stripped else ""
                add(f"{head}><is><t{space}>{escape(value)}</t></is></c>")
            else:
                text = _safe_string(value)
                add(f"{head}><v>{escape(text)}</v></c>" if text else head + "><v /></c>")
        add("</row>")
    add("</sheetData>")
    ws._comments.extend(_CommentRecord.from_cell(cell) for cell in comments)
    ws._hyperlinks.extend(links)
    return "".join(out)


def _rows(ws: Any) -> list[tuple[int, list[Any]]]:
    """openpyxl's ``WorksheetWriter.rows``: the rows with their cells, and the empty rows that
    have row dimensions."""
    rows: dict[int, list[Any]] = {}
    for (row, _col), cell in sorted(ws._cells.items()):
        rows.setdefault(row, []).append(cell)
    for row in ws.row_dimensions.keys() - rows.keys():
        rows[row] = []
    return sorted(rows.items())


class _WorksheetWriter(WorksheetWriter):
    """openpyxl's worksheet writer with the cells written by :func:`_sheet_data_xml` (about
    five times faster than an element per cell); openpyxl's own rows writer for a sheet with an
    unusual cell, or when openpyxl writes through lxml."""

    def write_dimensions(self) -> None:
        carried = getattr(self.ws, "_xl_kik_carried", None)
        if carried is None:
            super().write_dimensions()
        else:  # openpyxl would compute it from the cells it has not read
            self.xf.send(_SheetDimension(carried.dimension).to_tree())

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        write = getattr(xf, "_file", None)
        carried = getattr(self.ws, "_xl_kik_carried", None)
        text = None
        if carried is not None:
            if _LXML or not callable(write):
                raise RuntimeError("carried cells are written through et_xmlfile only")
            text = _carried_sheet_data(self.ws, carried)
        elif not _LXML and callable(write):
            try:
                text = _sheet_data_xml(self.ws)
            except _UnusualCell:
                text = None
        if text is None:
            with xf.element("sheetData"):
                for row_idx, row in self.rows():
                    self.write_row(xf, row, row_idx)
        else:
            write(text)
        self.xf.send(None)


class _InMemoryExcelWriter(ExcelWriter):
    """openpyxl's package writer with each worksheet serialised in memory.

    openpyxl's own ``write_worksheet`` writes every sheet to a temporary file, copies it into
    the zip and deletes it: 15 files created and removed per save of a master (and on Windows
    each one looked at by the virus scanner). The same steps as openpyxl 3.1's, into a
    ``BytesIO`` (``WorksheetWriter`` supports it); ``tests/test_master_save.py`` compares the
    packages part by part with openpyxl's ``Workbook.save``."""

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.out.getvalue())
        self.manifest.append(ws)


def package_bytes(wb: Any) -> bytes:
    """The openpyxl workbook ``wb`` as a package in memory, its parts stored uncompressed
    (``MasterFile.edit`` repairs it and then compresses it once, :func:`repair.finish_master`)."""
    if wb.read_only or wb.write_only:
        raise TypeError("package_bytes saves a workbook opened for editing")
    out = io.BytesIO()
    archive = zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
    _InMemoryExcelWriter(wb, archive).save()  # closes the archive
    return out.getvalue()


def used_cell_styles_only(wb: Any) -> None:
    """Before saving an openpyxl workbook: its list of cell formats starts again from the
    default one, so the save lists exactly the formats its cells, rows and columns use, in
    the order they are written (openpyxl writes the sheets before the style sheet).

    openpyxl keeps every format a file had and puts a cell's own style array into that list;
    a cell restyled later changes the list entry behind its index, so every save of the master
    added formats again (+16 per merge of the demo round): the styles grew without end (Excel
    refuses more than 64,000) and every load got slower. Cells hold their style values, not
    indexes into the list, so no cell changes."""
    from openpyxl.styles.cell_style import StyleArray  # lazy: openpyxl only where the master is edited
    from openpyxl.utils.indexed_list import IndexedList  # lazy: openpyxl only where the master is edited

    wb._cell_styles = IndexedList([StyleArray()])


def find_sheet(wb: Any, key: str, names: Mapping[str, str] | None = None) -> Any:
    """THE way to find a master sheet in an openpyxl workbook, by its contract key
    (``xl_kik.excel.master.SHEET_KEYS``: ``"consensus"``, ``"plan"`` ...).

    First by codeName (``CODE_NAMES[key]``: survives a renamed tab), then by exact name: the
    name recorded for it (``names[key]``, e.g. from the master's ``_kik`` sheet), then the
    contract's Danish and English names. Returns **None** when the workbook has no such sheet
    (a master made before the sheet was in the contract, a scratch workbook): the caller
    decides whether that is an error or a sheet to create."""
    code = MASTER_CODE_NAMES[key]
    for ws in wb.worksheets:
        if ws.sheet_properties.codeName == code:
            return ws
    candidates = [names[key]] if names and names.get(key) else []
    candidates += [MASTER_SHEET_NAMES["da"][key], MASTER_SHEET_NAMES["en"][key]]
    for name in candidates:
        if name in wb.sheetnames:
            return wb[name]
    return None


def restore_codenames(wb: Any) -> list[str]:
    """Give the master's sheets back the codeNames of the contract where they have none.

    LibreOffice keeps the VBA project and the buttons of a master saved as .xlsm, but writes
    no codeNames (neither the workbook's nor the sheets'), so every VBA document module
    would be orphaned (``xl-kik doctor``: S124/S127). A sheet without a codeName gets the
    contract's codeName when its name is the one recorded for that key in ``_kik``
    (``sheet_<key>``) or the contract's name in either language, and no other sheet already
    has that codeName; the workbook gets ``ThisWorkbook``. Returns the codeNames set."""

    restored: list[str] = []
    if not getattr(wb, "code_name", None):
        wb.code_name = WORKBOOK_CODE_NAME
        restored.append(WORKBOOK_CODE_NAME)
    used = {ws.sheet_properties.codeName for ws in wb.worksheets if ws.sheet_properties.codeName}
    if all(ws.sheet_properties.codeName for ws in wb.worksheets):
        return restored
    names: dict[str, list[str]] = {key: [] for key in SHEET_KEYS}
    meta = next((ws for ws in wb.worksheets if ws.sheet_properties.codeName == CODE_NAMES["meta"]), None)
    if meta is None and SHEET_NAMES["da"]["meta"] in wb.sheetnames:
        meta = wb[SHEET_NAMES["da"]["meta"]]
    if meta is not None:
        for row in meta.iter_rows(min_col=1, max_col=2, values_only=True):
            if isinstance(row[0], str) and row[0].startswith("sheet_") and isinstance(row[1], str):
                key = row[0][len("sheet_"):]
                if key in names:
                    names[key].append(row[1])
    for key in SHEET_KEYS:
        names[key] += [SHEET_NAMES["da"][key], SHEET_NAMES["en"][key]]
    for key in SHEET_KEYS:
        code = CODE_NAMES[key]
        if code in used:
            continue
        ws = next((wb[n] for n in names[key] if n in wb.sheetnames and not wb[n].sheet_properties.codeName), None)
        if ws is not None:
            ws.sheet_properties.codeName = code
            used.add(code)
            restored.append(code)
    return restored


# ---------------------------------------------------------------- writer protocol
@dataclass(frozen=True)
class Style:
    """A small, portable cell style (what both openpyxl and xlwings can set)."""

    bold: bool = False
    italic: bool = False
    wrap: bool = False
    fill: str | None = None  # "#RRGGBB"
    font_color: str | None = None  # "#RRGGBB"
    number_format: str | None = None
    font_size: float | None = None


class SheetWriter(Protocol):
    """What renderers of generated sheets may do to a master (on disk or live in Excel)."""

    def sheet_names(self) -> list[str]: ...

    def read_rows(self, sheet: str) -> list[list[Any]]: ...

    def clear(self, sheet: str) -> None: ...

    def write_rows(self, sheet: str, top_left: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def set_style(self, sheet: str, ref: str, style: Style) -> None: ...

    def set_styles(self, sheet: str, styles: Sequence[tuple[str, Style]]) -> None:
        """``set_style`` for each (ref, style); the refs do not overlap."""

    def set_column_widths(self, sheet: str, widths: Mapping[str, float]) -> None: ...

    def hide_columns(self, sheet: str, columns: Iterable[str]) -> None: ...

    def freeze_panes(self, sheet: str, cell: str) -> None: ...

    def add_list_validation(self, sheet: str, ref: str, options: Sequence[str]) -> None: ...

    def set_table(self, sheet: str, name: str, ref: str, columns: Sequence[str],
                  style: str | None = "TableStyleMedium2", header_row: bool = True) -> None: ...

    def set_name_value(self, name: str, value: Any) -> None: ...

    def ensure_sheet(self, sheet: str, state: str = "visible") -> None: ...

    def merge_cells(self, sheet: str, ref: str) -> None: ...

    def merge_all(self, sheet: str, refs: Sequence[str]) -> None:
        """``merge_cells`` for each of ``refs`` (they do not overlap)."""

    def set_row_heights(self, sheet: str, heights: Mapping[int, float]) -> None: ...

    def hide_rows(self, sheet: str, rows: Iterable[int]) -> None: ...

    def add_validation_rule(self, sheet: str, rule: "ValidationRule") -> None: ...

    def add_conditional_formats(self, sheet: str, rules: Sequence["ConditionalFormat"]) -> None:
        """Add ``rules`` (in priority order: the first wins)."""

    def set_autofilter(self, sheet: str, ref: str) -> None: ...

    def set_print_setup(self, sheet: str, setup: "PrintSetup") -> None: ...

    def add_chart(self, sheet: str, chart: "ChartSpec") -> None: ...

    def protect(self, sheet: str, allow: Mapping[str, bool]) -> None: ...


@dataclass(frozen=True)
class ValidationRule:
    """Any data validation as openpyxl reads it from a rendered sheet (full fidelity).

    ``type``: ``list``, ``whole``, ``decimal``, ``date``, ``time``, ``textLength``,
    ``custom`` or ``any`` (no rule: only an input message); ``operator`` uses openpyxl's names (``between``, ``notBetween``, ``equal``,
    ``notEqual``, ``lessThan``, ``lessThanOrEqual``, ``greaterThan``, ``greaterThanOrEqual``).
    ``formula1``/``formula2`` are Excel formulas without ``=``. A list with literal options
    has them in ``list_source`` (``formula1`` then holds the quoted form); a list fed by a
    range or a name has ``list_source`` None. ``error_style``: ``stop``, ``warning``,
    ``information``. ``ranges`` are the cell ranges it applies to."""

    ranges: tuple[str, ...]
    type: str
    operator: str | None = None
    formula1: str | None = None
    formula2: str | None = None
    allow_blank: bool = True
    list_source: tuple[str, ...] | None = None
    in_cell_dropdown: bool = True
    input_title: str | None = None
    input_message: str | None = None
    error_title: str | None = None
    error_message: str | None = None
    show_input: bool = False
    show_error: bool = False
    error_style: str = "stop"


@dataclass(frozen=True)
class ConditionalFormat:
    """One conditional-format rule: ``cellIs`` (``operator`` + ``formulas``), ``expression``
    (``formulas[0]``, relative to the top-left cell of the first range) or ``colorScale``
    (``color_scale``: (threshold type ``min``/``max``/``num``/``percent``/``percentile``,
    value or None, ``"#RRGGBB"``) from the lowest to the highest). Colours are ``"#RRGGBB"``.
    Rules are listed in priority order (the first wins)."""

    ranges: tuple[str, ...]
    type: str
    operator: str | None = None
    formulas: tuple[str, ...] = ()
    fill: str | None = None
    font_color: str | None = None
    bold: bool | None = None
    italic: bool | None = None
    stop_if_true: bool = False
    color_scale: tuple[tuple[str, float | None, str], ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """An Excel table (ListObject). When the target cannot hold a table of that name (table
    names are workbook-wide), :func:`apply_content` falls back to an AutoFilter on ``ref``."""

    name: str
    ref: str
    columns: tuple[str, ...]
    style: str | None = "TableStyleMedium2"
    header_row: bool = True
    show_row_stripes: bool = True
    show_column_stripes: bool = False


@dataclass(frozen=True)
class PrintSetup:
    """Page setup worth carrying: ``orientation`` (``landscape``/``portrait``), Excel's paper
    size number (9 = A4), fit to ``fit_to_width`` pages wide / ``fit_to_height`` tall (0 =
    automatic) when ``fit_to_page``, else a fixed ``scale`` (percent), print titles
    (``"$4:$4"``, ``"$B:$D"``), print area (``"$B$1:$T$64"``, without the sheet name), whether
    gridlines are printed and the margins (inches: left, right, top, bottom). The writers get
    it from :func:`print_setup_of` (the one print rule, ``core.printing``)."""

    orientation: str | None = None
    paper_size: int | None = None
    fit_to_page: bool = False
    fit_to_width: int | None = None
    fit_to_height: int | None = None
    scale: int | None = None
    title_rows: str | None = None
    title_cols: str | None = None
    print_area: str | None = None
    grid_lines: bool | None = None
    margins: tuple[float, float, float, float] | None = None


def print_setup_of(layout: PageLayout) -> PrintSetup:
    """The page setup :func:`xl_kik.core.printing.page_layout` chose, as a :class:`PrintSetup`."""
    rows, cols = layout.title_rows, layout.title_cols
    m = layout.margins
    return PrintSetup(
        orientation=layout.orientation, paper_size=layout.paper.excel_size, fit_to_page=layout.fit_to_page,
        fit_to_width=layout.fit_width, fit_to_height=layout.fit_height, scale=layout.scale,
        title_rows=f"${rows[0]}:${rows[1]}" if rows else None,
        title_cols=f"${column_letter(cols[0])}:${column_letter(cols[1])}" if cols else None,
        margins=(m.left, m.right, m.top, m.bottom))


def apply_print_setup(ws: Any, setup: PrintSetup, replace: bool = False) -> None:
    """Set ``setup`` on an openpyxl worksheet. ``replace``: the whole page setup is this one
    (print titles not in it are removed, fit-to-page off for a fixed scale); otherwise only
    what ``setup`` names is set (a transfer)."""
    ps = ws.page_setup
    if setup.orientation:
        ps.orientation = setup.orientation
    if setup.paper_size:
        ps.paperSize = setup.paper_size
    if setup.fit_to_page:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ps.fitToWidth = setup.fit_to_width
        ps.fitToHeight = setup.fit_to_height
        if replace:
            ps.scale = None
    elif setup.scale or replace:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ps.fitToWidth = ps.fitToHeight = None
        ps.scale = setup.scale
    if setup.title_rows:
        ws.print_title_rows = setup.title_rows
    elif replace:
        ws._print_rows = None  # openpyxl's setter ignores None
    if setup.title_cols:
        ws.print_title_cols = setup.title_cols
    elif replace:
        ws._print_cols = None
    if setup.print_area:
        ws.print_area = setup.print_area
    if setup.grid_lines is not None:
        ws.print_options.gridLines = setup.grid_lines
    if setup.margins:
        pm = ws.page_margins
        pm.left, pm.right, pm.top, pm.bottom = setup.margins


def print_sheet(ws: Any, font_size: float = 11, *, prefer: str = "landscape", title_rows: tuple[int, int] | None = None,
                title_cols: tuple[int, int] | None = None, first_col: int = 1, last_col: int | None = None,
                one_page: bool = False, notes: Iterable[int] = (),
                footer: tuple[str | None, str | None, str | None] | None = ("&A", None, "&P / &N")) -> PageLayout:
    """The one print rule (:func:`xl_kik.core.printing.page_layout`) applied to an openpyxl
    worksheet: its column widths from ``first_col`` to ``last_col`` (default: the last used
    column), ``font_size`` the smallest text it prints; the footer (left, centre, right) names
    the sheet and the page by default.

    ``notes``: rows whose text (in ``first_col``, above the table) must stay on the first page:
    each is merged across the columns the first page holds, wrapped, and its row height
    estimated anew (a writer with a taller minimum for the row fits it again afterwards)."""
    widths = column_widths(ws)
    default = ws.sheet_format.defaultColWidth or DEFAULT_COLUMN_WIDTH
    last = last_col or max(ws.max_column, first_col)
    heights = None
    if one_page:
        heights = [0.0 if d.hidden else float(d.height or DEFAULT_ROW_HEIGHT)
                   for d in (ws.row_dimensions[r] for r in range(1, ws.max_row + 1))]
    layout = page_layout([widths.get(c, default) for c in range(first_col, last + 1)], font_size, prefer=prefer,
                         title_rows=title_rows, title_cols=title_cols, first_col=first_col, one_page=one_page,
                         heights=heights)
    apply_print_setup(ws, print_setup_of(layout), replace=True)
    if notes:
        widths_printed = [widths.get(c, default) for c in range(first_col, last + 1)]
        _wrap_notes(ws, notes, first_col, first_col + first_page_columns(widths_printed, layout) - 1)
    if footer is not None:
        for part, text in zip((ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right), footer):
            part.text = text or None
    return layout


def _wrap_notes(ws: Any, rows: Iterable[int], first_col: int, last_col: int) -> None:
    """Each note row's text cell merged over ``first_col..last_col`` (any earlier merge of it
    undone), wrapped, its height fitted to the merged width."""
    for r in rows:
        for rng in [m for m in ws.merged_cells.ranges if m.min_row == r and m.min_col == first_col]:
            ws.unmerge_cells(str(rng))
        if last_col > first_col:
            ws.merge_cells(start_row=r, start_column=first_col, end_row=r, end_column=last_col)
        cell = ws.cell(r, first_col)
        if not cell.alignment.wrap_text:  # (a style left as it is when it wraps already)
            al = copy.copy(cell.alignment)
            al.wrap_text, al.vertical = True, al.vertical or "top"
            cell.alignment = al
        fit_rows(ws, r, r)


@dataclass(frozen=True)
class ChartSeriesSpec:
    """One series: its values (``'Sheet'!$I$36:$I$43``) and its title, as the text it had
    when rendered and, when it came from a cell, that cell's reference."""

    values: str
    title: str | None = None
    title_ref: str | None = None


@dataclass(frozen=True)
class ChartSpec:
    """A bar or column chart (openpyxl ``BarChart``): ``kind`` ``col`` (columns) or ``bar``,
    ``grouping`` ``clustered``/``stacked``/``percentStacked``, anchored with its top-left
    corner at the cell ``anchor``, ``width_cm`` x ``height_cm``."""

    kind: str
    grouping: str
    series: tuple[ChartSeriesSpec, ...]
    categories: str | None = None
    title: str | None = None
    anchor: str = "A1"
    width_cm: float = 15.0
    height_cm: float = 7.5
    y_title: str | None = None
    x_title: str | None = None
    y_min: float | None = None
    y_max: float | None = None
    y_major: float | None = None  # the value axis' step
    y_number_format: str | None = None  # the value axis' labels ("0": whole numbers)
    legend: str | None = "r"  # openpyxl position (r, l, t, b, tr); None = no legend
    overlap: int | None = None
    gap_width: int | None = None


#: Excel's COM ``Range(address)`` refuses addresses longer than 255 characters
MAX_ADDRESS = 255


def join_areas(areas: Iterable[str], limit: int = MAX_ADDRESS) -> list[str]:
    """Areas joined into multi-area addresses (``A1:B2,D4``) of at most ``limit`` characters."""
    out: list[str] = []
    for area in areas:
        if out and len(out[-1]) + 1 + len(area) <= limit:
            out[-1] += "," + area
        else:
            out.append(area)
    return out


def line_areas(indexes: Iterable[int], name: Any) -> list[str]:
    """Whole rows or columns as few addresses as possible: runs of consecutive indexes
    (``5:9``; ``name`` is ``str`` for rows, :func:`column_letter` for columns), joined."""
    runs: list[list[int]] = []
    for i in sorted(set(indexes)):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return join_areas(f"{name(a)}:{name(b)}" for a, b in runs)


def merge_runs(refs: Iterable[str]) -> tuple[list[str], list[str]]:
    """(areas to merge as they are, ranges to merge row by row): one-row areas over the same
    columns in consecutive rows become one range merged across; the result merges exactly
    the same areas."""
    single: list[str] = []
    by_cols: dict[tuple[int, int], list[int]] = {}
    for ref in refs:
        first, _, last = ref.partition(":")
        r0, c0 = split_cell(first)
        r1, c1 = split_cell(last) if last else (r0, c0)
        if r0 == r1:
            by_cols.setdefault((c0, c1), []).append(r0)
        else:
            single.append(ref)
    across: list[str] = []
    for (c0, c1), rows in by_cols.items():
        runs: list[list[int]] = []
        for r in sorted(rows):
            if runs and r == runs[-1][1] + 1:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        for a, b in runs:
            ref = f"{cell_ref(a, c0)}:{cell_ref(b, c1)}"
            (across if b > a else single).append(ref)
    return single, across


def style_areas(styles: Sequence[tuple[str, "Style"]]) -> list[tuple[str, "Style"]]:
    """Non-overlapping (ref, style) pairs as one or a few multi-area addresses per style:
    equal runs in consecutive rows become one rectangle, the rectangles of a style are joined.
    The result styles exactly the same cells the same way."""
    rects: dict[tuple[int, int, "Style"], list[list[int]]] = {}  # (col0, col1, style) -> [[row0, row1]]
    for ref, style in styles:
        first, _, last = ref.partition(":")
        r0, c0 = split_cell(first)
        r1, c1 = split_cell(last) if last else (r0, c0)
        spans = rects.setdefault((c0, c1, style), [])
        for r in range(r0, r1 + 1):
            if spans and spans[-1][1] == r - 1:
                spans[-1][1] = r
            elif not (spans and spans[-1][0] <= r <= spans[-1][1]):
                spans.append([r, r])
    by_style: dict["Style", list[str]] = {}
    for (c0, c1, style), spans in rects.items():
        for r0, r1 in spans:
            a, b = cell_ref(r0, c0), cell_ref(r1, c1)
            by_style.setdefault(style, []).append(a if a == b else f"{a}:{b}")
    return [(address, style) for style, areas in by_style.items() for address in join_areas(areas)]


@dataclass
class SheetContent:
    """A generated sheet as plain data; :func:`apply_content` writes it through any writer.

    Coordinates are 1-based. ``cells`` holds values (str = text, always)."""

    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    styles: list[tuple[str, Style]] = field(default_factory=list)
    widths: dict[str, float] = field(default_factory=dict)
    hidden_columns: list[str] = field(default_factory=list)
    freeze: str | None = None
    validations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (ref, list options)
    tables: list[TableSpec | tuple[str, str, tuple[str, ...]]] = field(default_factory=list)  # (name, ref, columns)
    merged: list[str] = field(default_factory=list)
    row_heights: dict[int, float] = field(default_factory=dict)
    hidden_rows: list[int] = field(default_factory=list)
    # full-fidelity descriptions (what content_from_worksheet reads from a rendered sheet)
    data_validations: list[ValidationRule] = field(default_factory=list)
    conditional_formats: list[ConditionalFormat] = field(default_factory=list)  # priority order
    autofilter: str | None = None
    print_setup: PrintSetup | None = None
    charts: list[ChartSpec] = field(default_factory=list)
    #: sheet protection (no password): None = unprotected, else what stays allowed
    #: (``format_rows``, ``format_columns``, ``auto_filter``, ``sort``, ``select_locked``, ...)
    protection: dict[str, bool] | None = None

    def put(self, cell: str, value: Any, style: Style | None = None) -> None:
        self.cells[split_cell(cell)] = value
        if style is not None:
            self.styles.append((cell, style))

    def put_rows(self, top_left: str, rows: Sequence[Sequence[Any]]) -> None:
        r0, c0 = split_cell(top_left)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.cells[(r0 + i, c0 + j)] = v

    def rows(self) -> tuple[str, list[list[Any]]]:
        """The cells as one rectangular block: (top-left cell, rows)."""
        if not self.cells:
            return "A1", []
        r0 = min(r for r, _ in self.cells)
        c0 = min(c for _, c in self.cells)
        r1 = max(r for r, _ in self.cells)
        c1 = max(c for _, c in self.cells)
        block = [[None] * (c1 - c0 + 1) for _ in range(r1 - r0 + 1)]
        for (r, c), v in self.cells.items():
            block[r - r0][c - c0] = v
        return cell_ref(r0, c0), block


def apply_content(writer: SheetWriter, sheet: str, content: SheetContent, clear: bool = True) -> None:
    """Write ``content`` into ``sheet`` (emptied first unless ``clear`` is False).

    Order matters for Excel: values first, then formats, merged cells, validations and
    conditional formats, the table (or its AutoFilter fallback), print setup, charts and
    the frozen panes last."""
    if clear:
        writer.clear(sheet)
    top_left, block = content.rows()
    if block:
        writer.write_rows(sheet, top_left, block)
    if content.styles:
        writer.set_styles(sheet, content.styles)
    if content.widths:
        writer.set_column_widths(sheet, content.widths)
    if content.hidden_columns:
        writer.hide_columns(sheet, content.hidden_columns)
    if content.merged:
        writer.merge_all(sheet, content.merged)
    if content.row_heights:
        writer.set_row_heights(sheet, content.row_heights)
    if content.hidden_rows:
        writer.hide_rows(sheet, content.hidden_rows)
    for ref, options in content.validations:
        writer.add_list_validation(sheet, ref, options)
    for rule in content.data_validations:
        writer.add_validation_rule(sheet, rule)
    if content.conditional_formats:
        writer.add_conditional_formats(sheet, content.conditional_formats)
    for table in content.tables:
        spec = table if isinstance(table, TableSpec) else TableSpec(*table)
        try:
            writer.set_table(sheet, spec.name, spec.ref, spec.columns, style=spec.style, header_row=spec.header_row)
        except Exception as exc:  # e.g. a table of that name elsewhere in the workbook
            log.warning("sheet %s: table %s over %s could not be created (%s: %s); AutoFilter instead",
                        sheet, spec.name, spec.ref, type(exc).__name__, exc)
            writer.set_autofilter(sheet, spec.ref)
    if content.autofilter:
        writer.set_autofilter(sheet, content.autofilter)
    if content.print_setup is not None:
        writer.set_print_setup(sheet, content.print_setup)
    for chart in content.charts:
        writer.add_chart(sheet, chart)
    if content.freeze:
        writer.freeze_panes(sheet, content.freeze)
    if content.protection is not None:
        writer.protect(sheet, content.protection)


#: openpyxl SheetProtection flags (True = that action is locked) and Excel's Protect() names
_PROTECTION_FLAGS = {
    "format_cells": ("formatCells", "AllowFormattingCells"),
    "format_columns": ("formatColumns", "AllowFormattingColumns"),
    "format_rows": ("formatRows", "AllowFormattingRows"),
    "insert_rows": ("insertRows", "AllowInsertingRows"),
    "delete_rows": ("deleteRows", "AllowDeletingRows"),
    "sort": ("sort", "AllowSorting"),
    "auto_filter": ("autoFilter", "AllowFiltering"),
}


def protection_of(ws: Any) -> dict[str, bool] | None:
    """What a protected openpyxl sheet still allows, or None when it is not protected."""
    prot = ws.protection
    if not prot.sheet:
        return None
    return {key: not bool(getattr(prot, attr)) for key, (attr, _) in _PROTECTION_FLAGS.items()}


class OpenpyxlSheetWriter:
    """:class:`SheetWriter` over an openpyxl workbook (e.g. from :meth:`MasterFile.edit`)."""

    def __init__(self, wb: Any):
        self.wb = wb

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def read_rows(self, sheet: str) -> list[list[Any]]:
        return [list(r) for r in self.wb[sheet].iter_rows(values_only=True)]

    def clear(self, sheet: str) -> None:
        replace_sheet_content(self.wb[sheet])
        self.wb[sheet].protection.sheet = False

    def write_rows(self, sheet: str, top_left: str, rows: Sequence[Sequence[Any]]) -> None:
        ws = self.wb[sheet]
        r0, c0 = split_cell(top_left)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None or v == "":
                    if ws._cells.get((r0 + i, c0 + j)) is not None:
                        ws.cell(r0 + i, c0 + j).value = None
                    continue
                write_value(ws, (r0 + i, c0 + j), v)

    def set_style(self, sheet: str, ref: str, style: Style) -> None:

        ws = self.wb[sheet]
        cells = ws[ref]
        if not isinstance(cells, tuple):
            cells = ((cells,),)
        elif cells and not isinstance(cells[0], tuple):
            cells = (cells,)
        for row in cells:
            for c in row:
                c.font = Font(bold=style.bold, italic=style.italic, size=style.font_size,
                              color=style.font_color.lstrip("#").upper().rjust(8, "F") if style.font_color else None)
                if style.fill:
                    c.fill = PatternFill("solid", fgColor=style.fill.lstrip("#").upper())
                if style.wrap:
                    c.alignment = Alignment(wrap_text=True, vertical="top")
                if style.number_format:
                    c.number_format = style.number_format

    def set_styles(self, sheet: str, styles: Sequence[tuple[str, Style]]) -> None:
        for ref, style in styles:
            self.set_style(sheet, ref, style)

    def set_column_widths(self, sheet: str, widths: Mapping[str, float]) -> None:
        ws = self.wb[sheet]
        for col, w in widths.items():
            ws.column_dimensions[col].width = w

    def hide_columns(self, sheet: str, columns: Iterable[str]) -> None:
        ws = self.wb[sheet]
        for col in columns:
            ws.column_dimensions[col].hidden = True

    def protect(self, sheet: str, allow: Mapping[str, bool]) -> None:
        prot = self.wb[sheet].protection
        for key, (attr, _) in _PROTECTION_FLAGS.items():
            setattr(prot, attr, not allow.get(key, False))
        prot.sheet = True

    def freeze_panes(self, sheet: str, cell: str) -> None:
        self.wb[sheet].freeze_panes = cell

    def add_list_validation(self, sheet: str, ref: str, options: Sequence[str]) -> None:

        dv = DataValidation(type="list", formula1=cells.list_literal(options), allow_blank=True)
        dv.add(ref)
        self.wb[sheet].add_data_validation(dv)

    def set_table(self, sheet: str, name: str, ref: str, columns: Sequence[str],
                  style: str | None = "TableStyleMedium2", header_row: bool = True) -> None:
        table = ensure_table(self.wb[sheet], name, ref, columns, style=style or "TableStyleMedium2")
        if style and table.tableStyleInfo is not None:
            table.tableStyleInfo.name = style
        if not header_row:
            table.headerRowCount = 0

    def set_autofilter(self, sheet: str, ref: str) -> None:
        self.wb[sheet].auto_filter.ref = ref

    def add_validation_rule(self, sheet: str, rule: ValidationRule) -> None:

        rule = cells.fit_rule(rule)
        formula1 = rule.formula1
        if rule.type == "list" and rule.list_source is not None:
            formula1 = cells.list_literal(rule.list_source)
        dv = DataValidation(
            type=None if rule.type == "any" else rule.type, operator=rule.operator, formula1=formula1, formula2=rule.formula2,
            allow_blank=rule.allow_blank, showDropDown=not rule.in_cell_dropdown if rule.type == "list" else None,
            promptTitle=rule.input_title, prompt=rule.input_message, errorTitle=rule.error_title,
            error=rule.error_message, showInputMessage=rule.show_input, showErrorMessage=rule.show_error,
            errorStyle=rule.error_style if rule.error_style != "stop" else None)
        for ref in rule.ranges:
            dv.add(ref)
        self.wb[sheet].add_data_validation(dv)

    def add_conditional_formats(self, sheet: str, rules: Sequence[ConditionalFormat]) -> None:

        ws = self.wb[sheet]
        for cf in rules:  # added in priority order: openpyxl numbers them 1, 2, ...
            if cf.type == "colorScale":
                scale = ColorScale(cfvo=[FormatObject(type=t, val=v) for t, v, _c in cf.color_scale],
                                   color=[Color(rgb=_argb(c)) for _t, _v, c in cf.color_scale])
                rule = Rule(type="colorScale", colorScale=scale)
            else:
                font = None
                if cf.font_color or cf.bold is not None or cf.italic is not None:
                    font = Font(color=_argb(cf.font_color) if cf.font_color else None, b=cf.bold, i=cf.italic)
                fill = PatternFill(fill_type="solid", bgColor=_argb(cf.fill), fgColor=_argb(cf.fill)) if cf.fill else None
                rule = Rule(type=cf.type, operator=cf.operator if cf.type == "cellIs" else None,
                            formula=list(cf.formulas), dxf=DifferentialStyle(font=font, fill=fill),
                            stopIfTrue=cf.stop_if_true or None)
            ws.conditional_formatting.add(" ".join(cf.ranges), rule)

    def set_print_setup(self, sheet: str, setup: PrintSetup) -> None:
        apply_print_setup(self.wb[sheet], setup)

    def add_chart(self, sheet: str, chart: ChartSpec) -> None:

        bar = BarChart()
        bar.type, bar.grouping = chart.kind, chart.grouping
        if chart.overlap is not None:
            bar.overlap = chart.overlap
        if chart.gap_width is not None:
            bar.gapWidth = chart.gap_width
        for spec in chart.series:
            series = Series(Reference(range_string=spec.values))
            if spec.title_ref:
                series.tx = SeriesLabel(strRef=StrRef(f=spec.title_ref))
            elif spec.title is not None:
                series.tx = SeriesLabel(v=spec.title)
            bar.series.append(series)
        if chart.categories:
            bar.set_categories(Reference(range_string=chart.categories))
        if chart.title:
            bar.title = chart.title
        if chart.y_title:
            bar.y_axis.title = chart.y_title
        if chart.x_title:
            bar.x_axis.title = chart.x_title
        bar.y_axis.scaling.min, bar.y_axis.scaling.max = chart.y_min, chart.y_max
        if chart.y_major is not None:
            bar.y_axis.majorUnit = chart.y_major
        if chart.y_number_format:
            bar.y_axis.number_format = chart.y_number_format
        bar.x_axis.delete = bar.y_axis.delete = False
        if chart.legend is None:
            bar.legend = None
        else:
            bar.legend.position = chart.legend
        bar.width, bar.height = chart.width_cm, chart.height_cm
        self.wb[sheet].add_chart(bar, chart.anchor)

    def ensure_sheet(self, sheet: str, state: str = "visible") -> None:
        if sheet not in self.wb.sheetnames:
            self.wb.create_sheet(sheet).sheet_state = state

    def merge_cells(self, sheet: str, ref: str) -> None:
        self.wb[sheet].merge_cells(ref)

    def merge_all(self, sheet: str, refs: Sequence[str]) -> None:
        for ref in refs:
            self.merge_cells(sheet, ref)

    def set_row_heights(self, sheet: str, heights: Mapping[int, float]) -> None:
        ws = self.wb[sheet]
        for r, h in heights.items():
            ws.row_dimensions[r].height = cells.row_height(h)

    def hide_rows(self, sheet: str, rows: Iterable[int]) -> None:
        ws = self.wb[sheet]
        for r in rows:
            ws.row_dimensions[r].hidden = True

    def set_name_value(self, name: str, value: Any) -> None:
        dn = self.wb.defined_names.get(name)
        if dn is None:
            raise KeyError(name)
        for title, coord in dn.destinations:
            write_value(self.wb[title], coord.replace("$", ""), value)


# ---------------------------------------------------------------- xlwings (live Excel)
excel_literal = cells.xlwings_value  # the live writer's cell values: see cells.xlwings_value


def _argb(hex_color: str) -> str:
    """``"#RRGGBB"`` -> openpyxl's ``"FFRRGGBB"``."""
    return "FF" + hex_color.lstrip("#").upper()[-6:]


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class XlwingsSheetWriter:
    """:class:`SheetWriter` over a live ``xlwings.Book`` (the buttons).

    Thin on purpose: it only translates calls into xlwings' API; everything it is given was
    computed by tested pure-Python code. It cannot run without Excel, so its tests use a
    recording double of xlwings (``tests/test_master.py``): they check which calls are
    issued, not what Excel makes of them (the one-time check in real Excel is in README.md).

    Values, formulas and styles must succeed. Every other feature is best-effort and
    isolated: validations, conditional formats, charts, tables, merged cells and print
    area use xlwings' cross-platform API (Windows and Mac); validation messages, print
    setup, AutoFilter and frozen panes need the Windows COM object model (``.api``). A
    feature that fails (e.g. on a Mac, where ``.api`` is appscript) is logged to the
    round's log and listed in :attr:`skipped`; the run goes on.
    :meth:`transaction` restores the sheets' previous contents when a run fails.
    """

    def __init__(self, book: Any):
        self.book = book
        self._snapshots: dict[str, tuple[str, Any]] | None = None
        self.skipped: list[str] = []
        self._cleared: set[str] = set()  # sheets emptied by clear(): their fonts are Excel's default

    def _try(self, sheet: str, what: str, fn: Any) -> bool:
        """Run one cosmetic step; log and remember a failure instead of raising."""
        try:
            fn()
            return True
        except Exception as exc:  # noqa: BLE001 - any platform gap must not break the run
            note = f"{sheet}: {what} ({type(exc).__name__}: {exc})"
            self.skipped.append(note)
            log.warning("Excel feature skipped on sheet %s", note)
            return False

    def _local(self, sheet: str, formula: str) -> str:
        """``formula`` (English, ``=...``) in Excel's UI language. Conditional formats and
        validations take local formulas through COM (a Danish Excel wants ``ER.FEJL(I36)``
        and ``;``), unlike ``Range.Formula``: translate through a scratch cell's
        ``Formula``/``FormulaLocal``. Where that is impossible the formula is used as is."""
        if re.fullmatch(r"=-?\d+(\.\d+)?", formula):
            return formula  # a whole number needs no translation
        try:
            cell = self._sheet(sheet).cells.last_cell.api
            try:
                cell.Formula = formula
                return str(cell.FormulaLocal)
            finally:
                cell.ClearContents()
        except Exception:  # noqa: BLE001 - not Windows: keep the English formula
            return formula

    # -- helpers
    def _sheet(self, sheet: str) -> Any:
        return self.book.sheets[sheet]

    def _remember(self, sheet: str) -> None:
        if self._snapshots is None or sheet in self._snapshots:
            return
        used = self._sheet(sheet).used_range
        self._snapshots[sheet] = (used.address, used.formula)

    @contextmanager
    def transaction(self) -> Iterator["XlwingsSheetWriter"]:
        """On an exception, put back every touched sheet's previous values and formulas."""
        self._snapshots = {}
        try:
            yield self
        except BaseException:
            for sheet, (address, formulas) in self._snapshots.items():
                try:
                    sht = self._sheet(sheet)
                    sht.clear_contents()
                    sht.range(address).formula = formulas
                except Exception:  # restoring is best effort; the file on disk is unchanged anyway
                    pass
            raise
        finally:
            self._snapshots = None

    # -- protocol
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read_rows(self, sheet: str) -> list[list[Any]]:
        sht = self._sheet(sheet)
        last = sht.used_range.last_cell
        values = sht.range((1, 1), (last.row, last.column)).options(ndim=2).value
        return [list(r) for r in values or []]

    def clear(self, sheet: str) -> None:
        """Clear values and formats, and what Excel keeps after ``Cells.Clear``: the
        sheet's charts, AutoFilter, merged cells, validations and conditional formats."""
        self._remember(sheet)
        sht = self._sheet(sheet)
        # a sheet the CLI protected (Prioritering, Opfølgning) must be unprotected before writing
        self._try(sheet, "unprotect the sheet", lambda: sht.api.Unprotect())
        sht.clear()
        self._cleared.add(sheet)

        def charts() -> None:
            for chart in list(sht.charts):
                chart.delete()

        def autofilter() -> None:
            if sht.api.AutoFilterMode:
                sht.api.AutoFilterMode = False

        self._try(sheet, "delete old charts", charts)
        self._try(sheet, "remove old AutoFilter", autofilter)
        self._try(sheet, "unmerge old merged cells", lambda: sht.cells.unmerge())
        self._try(sheet, "delete old validations", lambda: sht.cells.data_validation.delete())
        self._try(sheet, "delete old conditional formats", lambda: sht.cells.conditional_formats.clear())

    def write_rows(self, sheet: str, top_left: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self._remember(sheet)
        width = max(len(r) for r in rows)
        block = [[excel_literal(v) for v in r] + [None] * (width - len(r)) for r in rows]
        self._sheet(sheet).range(top_left).value = block

    def set_style(self, sheet: str, ref: str, style: Style) -> None:
        rng = self._sheet(sheet).range(ref)
        fresh = sheet in self._cleared  # Cells.Clear left the default font: set only what differs
        if style.bold or not fresh:
            rng.font.bold = style.bold
        if style.italic or not fresh:
            rng.font.italic = style.italic
        if style.font_size:
            rng.font.size = style.font_size
        if style.font_color:
            rng.font.color = _rgb(style.font_color)
        if style.fill:
            rng.color = _rgb(style.fill)
        if style.wrap:
            rng.wrap_text = True
        if style.number_format:
            rng.number_format = style.number_format

    def set_styles(self, sheet: str, styles: Sequence[tuple[str, Style]]) -> None:
        """One ``set_style`` per style over all its cells (rectangles joined into multi-area
        addresses): every COM call is a round trip into Excel, so a sheet costs a call per
        distinct style, not per row."""
        for address, style in style_areas(styles):
            self.set_style(sheet, address, style)

    def set_column_widths(self, sheet: str, widths: Mapping[str, float]) -> None:
        sht = self._sheet(sheet)
        by_width: dict[float, list[int]] = {}
        for col, w in widths.items():
            by_width.setdefault(w, []).append(split_cell(f"{col}1")[1])
        for w, cols in by_width.items():
            for address in line_areas(cols, column_letter):
                sht.range(address).column_width = w

    def hide_columns(self, sheet: str, columns: Iterable[str]) -> None:
        sht = self._sheet(sheet)
        for address in line_areas([split_cell(f"{col}1")[1] for col in columns], column_letter):
            sht.range(address).column_width = 0

    def protect(self, sheet: str, allow: Mapping[str, bool]) -> None:
        """Protect without a password, allowing what the CLI-built sheet allows (Windows COM)."""
        sht = self._sheet(sheet)
        kwargs = {excel: bool(allow.get(key, False)) for key, (_, excel) in _PROTECTION_FLAGS.items()}
        self._try(sheet, "protect the sheet", lambda: sht.api.Protect(DrawingObjects=True, Contents=True, **kwargs))

    def freeze_panes(self, sheet: str, cell: str) -> None:
        """Desktop xlwings has no freeze API (``sheet.freeze_panes`` is xlwings Server/Lite
        only), so Windows uses the window of the workbook (COM) with the sheet activated
        for a moment; the previously active sheet is activated again."""
        sht = self._sheet(sheet)
        row, col = split_cell(cell)

        def windows() -> None:
            active = self.book.sheets.active
            sht.activate()
            try:
                win = self.book.app.api.ActiveWindow
                win.FreezePanes = False
                win.ScrollRow, win.ScrollColumn = 1, 1
                win.SplitRow, win.SplitColumn = row - 1, col - 1
                win.FreezePanes = True
            finally:
                active.activate()

        try:
            sht.freeze_panes.freeze_at(cell)
            return
        except Exception:  # NotImplementedError on desktop Excel: use COM
            pass
        self._try(sheet, f"freeze panes at {cell}", windows)

    def add_list_validation(self, sheet: str, ref: str, options: Sequence[str]) -> None:
        try:
            self._sheet(sheet).range(ref).data_validation.set_list(list(options))
        except Exception:  # cosmetic; Python re-validates every value it reads anyway
            pass

    def set_table(self, sheet: str, name: str, ref: str, columns: Sequence[str],
                  style: str | None = "TableStyleMedium2", header_row: bool = True) -> None:
        sht = self._sheet(sheet)
        r0, c0 = split_cell(ref.split(":")[0])
        sht.range(cell_ref(r0, c0)).value = [[excel_literal(c) for c in columns]]
        rng = sht.range(ref)
        for t in sht.tables:
            if t.name == name:
                t.resize(rng)
                if style:
                    self._try(sheet, f"style of table {name}", lambda: setattr(t, "table_style", style))
                return
        sht.tables.add(source=rng, name=name, table_style_name=style or "TableStyleMedium2",
                       has_headers=header_row)

    def set_autofilter(self, sheet: str, ref: str) -> None:
        sht = self._sheet(sheet)

        def windows() -> None:
            if sht.api.AutoFilterMode:
                sht.api.AutoFilterMode = False
            sht.range(ref).api.AutoFilter(1)  # field 1 without criteria: arrows on, nothing hidden

        self._try(sheet, f"AutoFilter on {ref}", windows)

    _DV_METHODS = {"whole": "set_whole_number", "decimal": "set_decimal", "date": "set_date",
                   "time": "set_time", "textLength": "set_text_length"}
    _OPERATORS = {"between": "between", "notBetween": "not_between", "equal": "equal_to",
                  "notEqual": "not_equal_to", "greaterThan": "greater_than", "lessThan": "less_than",
                  "greaterThanOrEqual": "greater_than_or_equal", "lessThanOrEqual": "less_than_or_equal"}

    def add_validation_rule(self, sheet: str, rule: ValidationRule) -> None:
        """The rule through xlwings' cross-platform ``Range.data_validation`` (it joins list
        options with Excel's own list separator, so a Danish Excel gets ``Ja;Nej``), then
        blank handling, input and error messages through COM (Windows)."""
        from xlwings.constants import DVAlertStyle  # lazy: xlwings only inside Excel (the live writer)

        rule = cells.fit_rule(rule)
        sht = self._sheet(sheet)
        alert = {"warning": DVAlertStyle.xlValidAlertWarning,
                 "information": DVAlertStyle.xlValidAlertInformation}.get(rule.error_style)
        formulas: list[Any] = []  # translated once per rule (each translation is three COM calls)

        def local_formulas() -> list[Any]:
            if not formulas:
                op = self._OPERATORS[rule.operator or "between"]
                formulas.append(self._local(sheet, "=" + (rule.formula1 or "").lstrip("=")))
                formulas.append(self._local(sheet, "=" + (rule.formula2 or "").lstrip("="))
                                if rule.type != "custom" and op in ("between", "not_between") else None)
            return formulas

        # as few areas as the 255-character COM address allows: every call is a round trip
        for ref in join_areas(rule.ranges):
            rng = sht.range(ref)

            def set_rule(rng: Any = rng) -> None:
                dv = rng.data_validation
                if rule.type == "any":  # input message only: Excel's xlValidateInputOnly (COM)
                    rng.api.Validation.Delete()
                    rng.api.Validation.Add(Type=0)
                elif rule.type == "list":
                    source: Any = list(rule.list_source) if rule.list_source is not None else self._list_source(
                        sheet, rule.formula1 or "")
                    dv.set_list(source, in_cell_dropdown=rule.in_cell_dropdown)
                elif rule.type == "custom":
                    dv.set_custom(local_formulas()[0])
                else:
                    first, second = local_formulas()
                    getattr(dv, self._DV_METHODS[rule.type])(self._OPERATORS[rule.operator or "between"], first,
                                                             second)

            def set_messages(rng: Any = rng) -> None:
                v = rng.api.Validation
                v.IgnoreBlank = rule.allow_blank
                v.InputTitle = rule.input_title or ""
                v.InputMessage = rule.input_message or ""
                v.ErrorTitle = rule.error_title or ""
                v.ErrorMessage = rule.error_message or ""
                v.ShowInput = rule.show_input
                v.ShowError = rule.show_error
                if alert is not None:  # AlertStyle is read-only: only Modify sets it
                    v.Modify(Type=v.Type, AlertStyle=alert, Operator=v.Operator, Formula1=v.Formula1,
                             Formula2=v.Formula2)

            if self._try(sheet, f"{rule.type} validation on {ref}", set_rule):
                self._try(sheet, f"validation messages on {ref}", set_messages)

    def _list_source(self, sheet: str, formula: str) -> Any:
        """A list validation fed by a range (``$A$1:$A$5``, ``'Ark'!$A$1:$A$5``) or a name."""
        formula = formula.lstrip("=")
        if formula in [n.name for n in self.book.names]:
            return self.book.names[formula]
        other, address = _split_ref(formula)
        return self._sheet(other or sheet).range(address)

    def add_conditional_formats(self, sheet: str, rules: Sequence[ConditionalFormat]) -> None:
        """xlwings' cross-platform ``Range.conditional_formats``. Each ``add_*`` puts its
        rule first in Excel's order, so the rules are added from the lowest priority up."""
        sht = self._sheet(sheet)
        kinds = {"num": "number", "percent": "percent", "percentile": "percentile"}
        active: list[Any] = []

        def select(cell: str) -> None:
            # COM reads relative references in a rule's formula from the active cell
            # (j-walk.com/ss/excel/odd/odd07.htm): make it the rule's top-left cell
            if not active:
                active.append(self.book.sheets.active)
                sht.activate()
            sht.range(cell).select()

        for cf in reversed(list(rules)):
            address = ",".join(cf.ranges)

            def add(cf: ConditionalFormat = cf, address: str = address) -> None:
                if cf.type == "expression":
                    self._try(sheet, f"select {cf.ranges[0]} for a relative formula",
                              lambda: select(cf.ranges[0].split(":")[0]))
                formats = sht.range(address).conditional_formats
                style = {"fill_color": cf.fill, "font_color": cf.font_color, "font_bold": cf.bold,
                         "font_italic": cf.italic}
                if cf.type == "cellIs":
                    op = self._OPERATORS[cf.operator or "equal"]
                    second = cf.formulas[1] if op in ("between", "not_between") and len(cf.formulas) > 1 else None
                    formats.add_cell_value(op, self._local(sheet, "=" + cf.formulas[0].lstrip("=")),
                                           None if second is None else self._local(sheet, "=" + second.lstrip("=")),
                                           stop_if_true=cf.stop_if_true, **style)
                elif cf.type == "expression":
                    formats.add_custom(self._local(sheet, "=" + cf.formulas[0].lstrip("=")),
                                       stop_if_true=cf.stop_if_true, **style)
                elif cf.type == "colorScale":
                    colors = [c for _t, _v, c in cf.color_scale]
                    types = [t for t, _v, _c in cf.color_scale]
                    if types in (["min", "max"], ["min", "percentile", "max"]) and (
                            len(types) == 2 or cf.color_scale[1][1] == 50):
                        formats.add_color_scale(colors)  # Excel's defaults: lowest, (50th percentile,) highest
                    elif len(set(types)) == 1 and types[0] in kinds:
                        formats.add_color_scale(colors, thresholds=[v for _t, v, _c in cf.color_scale],
                                                threshold_type=kinds[types[0]])
                    else:
                        raise ValueError(f"colour scale thresholds {types} not supported")
                else:
                    raise ValueError(f"conditional format type {cf.type!r} not supported")

            self._try(sheet, f"{cf.type} conditional format on {address}", add)
        if active:
            self._try(sheet, "activate the previous sheet again", lambda: active[0].activate())

    def set_print_setup(self, sheet: str, setup: PrintSetup) -> None:
        from xlwings.constants import PageOrientation  # lazy: xlwings only inside Excel (the live writer)

        page = self._sheet(sheet).page_setup
        if setup.print_area:
            self._try(sheet, "print area", lambda: setattr(page, "print_area", setup.print_area))

        def windows() -> None:
            api = page.api
            if setup.orientation:
                api.Orientation = (PageOrientation.xlLandscape if setup.orientation == "landscape"
                                   else PageOrientation.xlPortrait)
            if setup.paper_size:
                api.PaperSize = setup.paper_size  # openpyxl and Excel share the numbers (9 = xlPaperA4)
            if setup.fit_to_page:
                api.Zoom = False
                api.FitToPagesWide = setup.fit_to_width or False  # 0 / False: as many as needed
                api.FitToPagesTall = setup.fit_to_height or False
            elif setup.scale:
                api.Zoom = setup.scale
            if setup.margins:
                for prop, inches in zip(("LeftMargin", "RightMargin", "TopMargin", "BottomMargin"), setup.margins):
                    setattr(api, prop, inches * 72)  # Excel's PageSetup margins are in points
            if setup.title_rows:
                api.PrintTitleRows = setup.title_rows
            if setup.title_cols:
                api.PrintTitleColumns = setup.title_cols
            if setup.grid_lines is not None:
                api.PrintGridlines = setup.grid_lines

        self._try(sheet, "page setup", windows)

    _CHART_TYPES = {("col", "clustered"): "column_clustered", ("col", "stacked"): "column_stacked",
                    ("col", "percentStacked"): "column_stacked_100", ("bar", "clustered"): "bar_clustered",
                    ("bar", "stacked"): "bar_stacked", ("bar", "percentStacked"): "bar_stacked_100"}
    _LEGEND = {"r": "right", "l": "left", "t": "top", "b": "bottom", "tr": "corner"}

    def add_chart(self, sheet: str, chart: ChartSpec) -> None:
        """xlwings' cross-platform chart API: position from the anchor cell, size in points,
        source = the series' value ranges (by columns), categories, series names (the text
        of their title cells), titles, value-axis scale, legend."""
        sht = self._sheet(sheet)
        points = 72 / 2.54

        def rng(ref: str) -> Any:
            other, address = _split_ref(ref)
            return self._sheet(other or sheet).range(address)

        def create() -> Any:
            parts = [_split_ref(s.values) for s in chart.series]
            sheets = {other or sheet for other, _address in parts}
            if len(sheets) != 1:
                raise ValueError(f"series on several sheets: {sorted(sheets)}")
            source = self._sheet(sheets.pop()).range(",".join(address for _other, address in parts))
            anchor = sht.range(chart.anchor)
            new = sht.charts.add(anchor.left, anchor.top, chart.width_cm * points, chart.height_cm * points)
            new.set_source_data(source, plot_by="columns")
            new.chart_type = self._CHART_TYPES.get((chart.kind, chart.grouping), "column_clustered")
            return new

        made: list[Any] = []
        if not self._try(sheet, f"chart at {chart.anchor}", lambda: made.append(create())):
            return
        new = made[0]
        if chart.categories:
            self._try(sheet, "chart categories", lambda: new.set_x_axis_values(rng(chart.categories)))

        def names() -> None:
            for i, spec in enumerate(chart.series):
                if spec.title is not None:
                    new.series[i].name = spec.title

        self._try(sheet, "chart series names", names)
        if chart.title:
            self._try(sheet, "chart title", lambda: setattr(new, "title", chart.title))

        def axis() -> None:
            value_axis = new.value_axis
            if chart.y_title:
                value_axis.title = chart.y_title
            if chart.y_min is not None:
                value_axis.minimum_scale = chart.y_min
            if chart.y_max is not None:
                value_axis.maximum_scale = chart.y_max
            if chart.y_major is not None:
                value_axis.major_unit = chart.y_major
            if chart.y_number_format:
                value_axis.number_format = chart.y_number_format

        self._try(sheet, "chart value axis", axis)
        if chart.x_title:
            self._try(sheet, "chart category axis", lambda: setattr(new.category_axis, "title", chart.x_title))

        def legend() -> None:
            if chart.legend is None:
                new.legend.visible = False
            else:
                new.legend.position = self._LEGEND.get(chart.legend, "right")

        self._try(sheet, "chart legend", legend)

    def set_name_value(self, name: str, value: Any) -> None:
        self.book.names[name].refers_to_range.value = excel_literal(value)

    def ensure_sheet(self, sheet: str, state: str = "visible") -> None:
        if sheet in self.sheet_names():
            return
        sht = self.book.sheets.add(sheet, after=self.book.sheets[len(self.book.sheets) - 1])
        if state != "visible":
            sht.visible = False

    def merge_cells(self, sheet: str, ref: str) -> None:
        self._try(sheet, f"merge {ref}", lambda: self._sheet(sheet).range(ref).merge())

    def merge_all(self, sheet: str, refs: Sequence[str]) -> None:
        """One-row areas over the same columns in consecutive rows are one call,
        ``Range.Merge(Across=True)`` (each row of the range merged on its own)."""
        rows, across = merge_runs(refs)
        for ref in rows:
            self.merge_cells(sheet, ref)
        for ref in across:
            self._try(sheet, f"merge each row of {ref}", lambda ref=ref: self._sheet(sheet).range(ref).merge(True))

    def set_row_heights(self, sheet: str, heights: Mapping[int, float]) -> None:
        sht = self._sheet(sheet)
        by_height: dict[float, list[int]] = {}
        for r, h in heights.items():
            by_height.setdefault(cells.row_height(h), []).append(r)
        for h, rows in by_height.items():
            for address in line_areas(rows, str):
                sht.range(address).row_height = h

    def hide_rows(self, sheet: str, rows: Iterable[int]) -> None:
        sht = self._sheet(sheet)
        for address in line_areas(list(rows), str):
            sht.range(address).row_height = 0

    def codenames(self) -> dict[str, str]:
        """codeName -> sheet name of the live book (Windows COM / macOS AppleScript)."""
        out = {}
        for s in self.book.sheets:
            code = None
            for get in (lambda s=s: s.api.CodeName, lambda s=s: s.api.code_name.get()):
                try:
                    code = get()
                    break
                except Exception:
                    continue
            if code:
                out[str(code)] = s.name
        return out


# ---------------------------------------------------------------- openpyxl <-> writer bridge
def _style_of(cell: Any) -> Style | None:
    font, fill, align = cell.font, cell.fill, cell.alignment

    def rgb(color: Any) -> str | None:
        value = getattr(color, "rgb", None)
        if isinstance(value, str) and len(value) in (6, 8) and getattr(color, "type", "rgb") == "rgb":
            return "#" + value[-6:].upper()
        return None

    style = Style(
        bold=bool(font and font.b), italic=bool(font and font.i), wrap=bool(align and align.wrap_text),
        fill=rgb(fill.fgColor) if fill is not None and fill.fill_type == "solid" else None,
        font_color=rgb(font.color) if font is not None and font.color is not None else None,
        number_format=cell.number_format if cell.number_format not in (None, "General") else None,
        font_size=float(font.sz) if font is not None and font.sz and float(font.sz) != 11 else None,
    )
    return None if style == Style() else style


def content_from_worksheet(ws: Any) -> SheetContent:
    """A rendered openpyxl worksheet as :class:`SheetContent`: values, own formulas, basic
    styles grouped into horizontal runs, column widths and row heights, hidden columns and
    rows, merged cells, freeze panes, every data validation (:class:`ValidationRule`),
    conditional formats of type cellIs / expression / colorScale, tables (name, range,
    style), the AutoFilter, print setup and bar/column charts (:class:`ChartSpec`).

    Not carried over (logged when met): other chart types, other conditional-format types,
    images, comments, sheet protection. Renderers meant for the buttons must not rely on them."""
    content = SheetContent()
    for (r, c), cell in sorted(ws._cells.items()):
        v = cell.value
        if v is None or v == "":
            continue
        if cell.data_type == "f" and isinstance(v, str):
            v = Formula(v)
        content.cells[(r, c)] = v
    runs: dict[int, list[tuple[int, Style]]] = {}
    for (r, c), cell in sorted(ws._cells.items()):
        if cell.has_style:
            st = _style_of(cell)
            if st is not None:
                runs.setdefault(r, []).append((c, st))
    for r, items in runs.items():
        start, prev_c, prev_st = items[0][0], items[0][0], items[0][1]
        for c, st in items[1:] + [(-1, None)]:  # sentinel flushes the last run
            if st == prev_st and c == prev_c + 1:
                prev_c = c
                continue
            ref = cell_ref(r, start) if start == prev_c else f"{cell_ref(r, start)}:{cell_ref(r, prev_c)}"
            content.styles.append((ref, prev_st))
            if st is not None:
                start, prev_c, prev_st = c, c, st
    for key, dim in ws.column_dimensions.items():
        if dim.hidden:
            content.hidden_columns.append(key)
        elif dim.width and dim.customWidth:
            content.widths[key] = float(dim.width)
    if ws.freeze_panes:
        content.freeze = ws.freeze_panes
    content.data_validations = [r for r in (_validation_rule(dv) for dv in ws.data_validations.dataValidation) if r]
    content.conditional_formats = _conditional_formats(ws)
    content.merged = [str(r) for r in ws.merged_cells.ranges]
    for r, dim in ws.row_dimensions.items():
        if dim.hidden:
            content.hidden_rows.append(r)
        elif dim.ht:
            content.row_heights[r] = float(dim.ht)

    for table in ws.tables.values():
        columns = tuple(col.name for col in table.tableColumns)
        if not columns:  # openpyxl fills tableColumns only when saving: take the header cells
            c0, r0, c1, _r1 = range_boundaries(table.ref)
            columns = tuple("" if ws.cell(r0, c).value is None else str(ws.cell(r0, c).value)
                            for c in range(c0, c1 + 1))
        style = table.tableStyleInfo
        content.tables.append(TableSpec(
            table.displayName, table.ref, columns, style=style.name if style is not None else None,
            header_row=table.headerRowCount != 0,
            show_row_stripes=bool(style is not None and style.showRowStripes),
            show_column_stripes=bool(style is not None and style.showColumnStripes)))
    if ws.auto_filter.ref:
        content.autofilter = str(ws.auto_filter.ref)
    content.print_setup = _print_setup(ws)
    for chart in ws._charts:
        spec = _chart_spec(ws, chart)
        if spec is not None:
            content.charts.append(spec)
        else:
            log.warning("sheet %s: a %s is not carried over (only bar/column charts are)", ws.title,
                        type(chart).__name__)
    content.protection = protection_of(ws)
    return content


def _hex(color: Any) -> str | None:
    """An openpyxl colour as ``"#RRGGBB"`` (None for theme/indexed colours and no colour)."""
    value = getattr(color, "rgb", None)
    if isinstance(value, str) and len(value) in (6, 8) and getattr(color, "type", "rgb") == "rgb":
        return "#" + value[-6:].upper()
    return None


def _sorted_ranges(sqref: Any) -> tuple[str, ...]:
    """The ranges of a MultiCellRange (a set) in a stable order: by column, then row."""

    def key(ref: str) -> tuple[int, int]:
        c0, r0, _c1, _r1 = range_boundaries(ref)
        return (c0 or 0, r0 or 0)
    return tuple(sorted((str(r) for r in sqref.ranges), key=key))


def _validation_rule(dv: Any) -> ValidationRule | None:
    if dv.type in (None, "none") and not (dv.prompt or dv.promptTitle):
        log.warning("a data validation without a type and without a message on %s is not carried over", dv.sqref)
        return None
    if dv.type in (None, "none"):  # an input message only (e.g. the new-line keys on Handleplan)
        return ValidationRule(ranges=_sorted_ranges(dv.sqref), type="any", allow_blank=True,
                              input_title=dv.promptTitle, input_message=dv.prompt,
                              show_input=bool(dv.showInputMessage))
    ranges = _sorted_ranges(dv.sqref)
    f1 = None if dv.formula1 is None else str(dv.formula1)
    f2 = None if dv.formula2 is None else str(dv.formula2)
    options = None
    if dv.type == "list" and f1 and len(f1) >= 2 and f1.startswith('"') and f1.endswith('"'):
        options = tuple(o.replace('""', '"') for o in f1[1:-1].split(","))
    return ValidationRule(
        ranges=ranges, type=dv.type, operator=dv.operator if dv.type not in ("list", "custom") else None,
        formula1=f1, formula2=f2, allow_blank=bool(dv.allow_blank), list_source=options,
        in_cell_dropdown=not dv.showDropDown, input_title=dv.promptTitle, input_message=dv.prompt,
        error_title=dv.errorTitle, error_message=dv.error, show_input=bool(dv.showInputMessage),
        show_error=bool(dv.showErrorMessage), error_style=dv.errorStyle or "stop")


def _conditional_formats(ws: Any) -> list[ConditionalFormat]:
    found: list[tuple[int, int, ConditionalFormat]] = []
    for cf in ws.conditional_formatting:
        ranges = _sorted_ranges(cf.sqref)
        for rule in cf.rules:
            if rule.type == "colorScale" and rule.colorScale is not None:
                scale = rule.colorScale
                points = tuple((o.type, None if o.val is None else float(o.val), _hex(c) or "#FFFFFF")
                               for o, c in zip(scale.cfvo, scale.color))
                spec = ConditionalFormat(ranges, "colorScale", color_scale=points)
            elif rule.type in ("cellIs", "expression"):
                dxf = rule.dxf
                fill = font_color = None
                bold = italic = None
                if dxf is not None and dxf.fill is not None:
                    # a differential fill keeps its colour in bgColor (Excel); openpyxl's
                    # PatternFill(start_color=...) puts it in fgColor: take whichever is set
                    bg, fg = _hex(dxf.fill.bgColor), _hex(dxf.fill.fgColor)
                    fill = bg if bg not in (None, "#000000") else fg
                if dxf is not None and dxf.font is not None:
                    font_color = _hex(dxf.font.color) if dxf.font.color is not None else None
                    bold, italic = dxf.font.b or None, dxf.font.i or None  # False = not set by the renderer
                spec = ConditionalFormat(ranges, rule.type, operator=rule.operator if rule.type == "cellIs" else None,
                                         formulas=tuple(str(f) for f in rule.formula), fill=fill,
                                         font_color=font_color, bold=bold, italic=italic,
                                         stop_if_true=bool(rule.stopIfTrue))
            else:
                log.warning("sheet %s: a %s conditional format on %s is not carried over", ws.title, rule.type,
                            " ".join(ranges))
                continue
            found.append((rule.priority or 0, len(found), spec))
    return [spec for _p, _i, spec in sorted(found, key=lambda t: (t[0], t[1]))]


def _print_setup(ws: Any) -> PrintSetup | None:
    ps = ws.page_setup
    props = ws.sheet_properties.pageSetUpPr
    area = ws.print_area
    if area:  # "'Konsensus'!$B$1:$T$64,..." -> "$B$1:$T$64,..."
        area = ",".join(part.rsplit("!", 1)[-1] for part in str(area).split(","))
    setup = PrintSetup(
        orientation=ps.orientation, paper_size=int(ps.paperSize) if ps.paperSize else None,
        fit_to_page=bool(props is not None and props.fitToPage),
        fit_to_width=None if ps.fitToWidth is None else int(ps.fitToWidth),
        fit_to_height=None if ps.fitToHeight is None else int(ps.fitToHeight),
        scale=int(ps.scale) if ps.scale and not (props is not None and props.fitToPage) else None,
        title_rows=ws.print_title_rows or None, title_cols=ws.print_title_cols or None,
        print_area=area or None, grid_lines=ws.print_options.gridLines)
    # margins are not carried: every sheet has the print rule's margins from init on (core.printing.MARGINS),
    # and each one would cost four Excel calls per sheet and click
    return None if setup == PrintSetup() else setup


def _split_ref(ref: str) -> tuple[str | None, str]:
    """``"'My sheet'!$A$1:$B$2"`` -> (``"My sheet"``, ``"$A$1:$B$2"``)."""
    if "!" not in ref:
        return None, ref
    sheet, address = ref.rsplit("!", 1)
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, address


def _ref_text(ws: Any, ref: str | None) -> str | None:
    """The value of the first cell of ``ref`` as text (None when it cannot be read)."""
    if not ref:
        return None
    sheet, address = _split_ref(ref)
    try:
        target = ws.parent[sheet] if sheet and ws.parent is not None else ws
        value = target[address.replace("$", "").split(":")[0]].value
    except (KeyError, ValueError, AttributeError):
        return None
    return None if value is None else str(value)


def _rich_text(title: Any) -> str | None:
    """The plain text of an openpyxl chart or axis title."""
    if title is None:
        return None
    if isinstance(title, str):
        return title
    tx = getattr(title, "tx", None)
    rich = getattr(tx, "rich", None)
    if rich is None:
        return None
    lines = ["".join(run.t or "" for run in (para.r or [])) for para in rich.p]
    return "\n".join(lines) or None


def _ref_of(source: Any) -> str | None:
    for attr in ("numRef", "strRef"):
        ref = getattr(source, attr, None)
        if ref is not None and ref.f:
            return str(ref.f)
    return None


def _chart_spec(ws: Any, chart: Any) -> ChartSpec | None:

    if not isinstance(chart, BarChart):
        return None
    series = []
    categories = None
    for s in chart.series:
        values = _ref_of(s.val) if s.val is not None else None
        if not values:
            continue
        title = title_ref = None
        if s.tx is not None:
            if s.tx.strRef is not None and s.tx.strRef.f:
                title_ref = str(s.tx.strRef.f)
                title = _ref_text(ws, title_ref)
            elif s.tx.v is not None:
                title = str(s.tx.v)
        series.append(ChartSeriesSpec(values, title, title_ref))
        if categories is None and s.cat is not None:
            categories = _ref_of(s.cat)
    anchor, width, height = chart.anchor, float(chart.width), float(chart.height)
    if not isinstance(anchor, str):  # read from a file: a drawing anchor (EMU; 360000 per cm)
        marker = anchor._from
        ext = getattr(anchor, "ext", None)
        if ext is not None and ext.width and ext.height:
            width, height = ext.width / 360000, ext.height / 360000
        anchor = cell_ref(marker.row + 1, marker.col + 1)
    y, x = chart.y_axis, chart.x_axis
    return ChartSpec(
        kind=chart.type or "col", grouping=chart.grouping or "clustered", series=tuple(series),
        categories=categories, title=_rich_text(chart.title), anchor=anchor, width_cm=width, height_cm=height,
        y_title=_rich_text(y.title), x_title=_rich_text(x.title),
        y_min=None if y.scaling.min is None else float(y.scaling.min),
        y_max=None if y.scaling.max is None else float(y.scaling.max),
        y_major=None if y.majorUnit is None else float(y.majorUnit),
        y_number_format=y.numFmt.formatCode if y.numFmt is not None and not y.numFmt.sourceLinked else None,
        legend=chart.legend.position if chart.legend is not None else None,
        overlap=None if chart.overlap is None else int(chart.overlap),
        gap_width=None if chart.gapWidth is None else int(chart.gapWidth))


def _bound(kind: str, formula: Any) -> Any:
    if formula is None:
        return None
    text = str(formula).strip()
    if kind == "date":
        m = re.fullmatch(r"DATE\((\d{4}),(\d{1,2}),(\d{1,2})\)", text.upper())
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
    try:
        return int(text) if kind == "whole" else float(text)
    except ValueError:
        return None


def scratch_workbook(writer: SheetWriter, sheets: Iterable[str]) -> Any:
    """A new in-memory openpyxl workbook with the values of ``sheets`` read through
    ``writer`` (text stays text). The buttons render into it, then
    :func:`transfer_sheets` writes the results into the live workbook."""

    wb = Workbook()
    wb.remove(wb.active)
    for name in sheets:
        ws = wb.create_sheet(name)
        for r, row in enumerate(writer.read_rows(name), start=1):
            for c, v in enumerate(row, start=1):
                if v is not None and v != "":
                    write_value(ws, (r, c), v)
    return wb


def sheet_values(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def transfer_sheets(wb: Any, writer: SheetWriter, sheets: Iterable[str]) -> None:
    """Write the given sheets of an openpyxl workbook through ``writer`` (cleared first);
    a sheet the live workbook lacks is added with the scratch sheet's visibility."""
    existing = set(writer.sheet_names())
    for name in sheets:
        ws = wb[name]
        if name not in existing:
            writer.ensure_sheet(name, ws.sheet_state)
        apply_content(writer, name, content_from_worksheet(ws))


def refresh_vba(root: str | Path, lang: str = "da") -> str:
    """Rebuild ``xl/vbaProject.bin`` of the round's master for the installed xlwings (after an
    upgrade, or after LibreOffice saved the master); atomic, with a backup. Returns the xlwings
    version now in the VBA.

    A master saved by LibreOffice has no codeNames: they are restored first (an openpyxl
    round trip through :meth:`MasterFile.edit`), so the new project gets a document module
    for every sheet again."""
    path = master._master_path(root)
    paths = RoundPaths(path.parent)
    check_not_open(path, lang)
    try:
        with zipfile.ZipFile(path) as zf:
            _infos, wb_code = master.workbook_sheets(zf)
    except Exception:  # reported below as "not a master"
        wb_code = master.WORKBOOK_CODE_NAME
    if not wb_code:
        with MasterFile.edit(paths, lang):
            pass  # edit() restores the codeNames (restore_codenames) and saves
    data = path.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            rels = master._rels(zf, "xl/workbook.xml")
    except zipfile.BadZipFile as exc:
        problem = master.S_NOT_MASTER(file=path.name, reason=str(exc))
        raise MasterFormatError(master.NOT_MASTER(lang, file=path.name), [problem], lang=lang) from exc
    part = next((t for typ, t, _m in rels.values() if typ == master.REL_VBA), None)
    if part is None:
        problem = master.S_NO_VBA(file=path.name, reason="xl/vbaProject.bin")
        raise MasterFormatError(problem.message(lang), [problem], lang=lang)
    new = master.replace_zip_part(data, part, master.rebuilt_vba(data))
    atomic.write_bytes(path, new, backup_dir=paths.backups, lang=lang)
    return installed_xlwings_version()

