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

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Protocol, Sequence

from . import atomic
from ._i18n import Msg
from .errors import MasterLockedError, RoundNotFoundError
from .round import MASTER_NAME, RoundPaths

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

LOCK_FILE = Msg(
    "Master-projektmappen {file} er åben i {app} (låsefilen {lock} findes). Luk den og prøv igen; intet er ændret. "
    "Hvis den ikke er åben nogen steder, så slet låsefilen.",
    "The master workbook {file} is open in {app} (the lock file {lock} exists). Close it and try again; nothing "
    "was changed. If it is not open anywhere, delete the lock file.")
ROUND_MISSING = Msg("Mappen {dir} er ikke en KIK-runde: der er ingen {master}.",
                    "The folder {dir} is not a KIK round: there is no {master}.")


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
def needs_text_guard(value: str) -> bool:
    """True when a spreadsheet program would read ``value`` as a formula if typed."""
    return value.startswith(FORMULA_PREFIXES)


def write_text(ws: Any, cell: str | tuple[int, int], value: Any) -> Any:
    """Store ``value`` as text in ``cell`` of an openpyxl worksheet (data type ``s``), even
    when it starts with ``=``, ``+``, ``-`` or ``@``; such cells also get Excel's quote
    prefix, so editing the cell in Excel keeps it text. Returns the cell."""
    c = ws.cell(*cell) if isinstance(cell, tuple) else ws[cell]
    text = "" if value is None else str(value)
    c.value = text
    c.data_type = "s"
    if needs_text_guard(text):
        c.quotePrefix = True
    return c


def write_value(ws: Any, cell: str | tuple[int, int], value: Any) -> Any:
    """Numbers, dates, booleans and None as they are; a :class:`Formula` as a formula;
    every other ``str`` through :func:`write_text`."""
    if isinstance(value, Formula):
        c = ws.cell(*cell) if isinstance(cell, tuple) else ws[cell]
        c.value = str(value) if str(value).startswith("=") else "=" + str(value)
        return c
    if isinstance(value, str):
        return write_text(ws, cell, value)
    c = ws.cell(*cell) if isinstance(cell, tuple) else ws[cell]
    c.value = value
    return c


def replace_sheet_content(ws: Any, keep_column_widths: bool = False) -> Any:
    """Empty a generated sheet in place: values, styles, merged cells, data validations,
    conditional formats, tables, charts, images, freeze panes and auto-filter go; the
    sheet's position, name, codeName, visibility and tab colour stay."""
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.worksheet.datavalidation import DataValidationList

    for rng in list(ws.merged_cells.ranges):
        ws.merged_cells.remove(rng)
    ws._cells.clear()
    ws.data_validations = DataValidationList()
    ws.conditional_formatting = ConditionalFormattingList()
    for name in list(ws.tables.keys()):
        del ws.tables[name]
    ws._charts = []
    ws._images = []
    ws.freeze_panes = None
    ws.auto_filter.ref = None
    ws.row_dimensions.clear()
    if not keep_column_widths:
        ws.column_dimensions.clear()
    ws._hyperlinks = []
    return ws


def ensure_table(ws: Any, name: str, ref: str, columns: Sequence[str], style: str = "TableStyleMedium2") -> Any:
    """Make sure ``ws`` has an Excel table ``name`` over ``ref`` with header ``columns``.

    Writes the header cells (as text: Excel requires them to equal the column names),
    creates the table or updates its range and columns. Table names are workbook-wide:
    a table of that name on another sheet is an error (ValueError)."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

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
    def edit(cls, paths: RoundPaths | str | Path, lang: str = "da") -> Iterator[Any]:
        """``with MasterFile.edit(paths) as wb:`` — save atomically (with a backup) on a
        normal exit; leave the file untouched on an exception."""
        import defusedxml  # noqa: F401  (openpyxl uses it when installed: no XML bombs)
        from openpyxl import load_workbook

        if not isinstance(paths, RoundPaths):
            p = Path(paths)
            paths = RoundPaths(p.parent if p.suffix.lower() == ".xlsm" else p)
        path = paths.master
        if not path.exists():
            raise RoundNotFoundError(ROUND_MISSING(lang, dir=paths.root, master=MASTER_NAME), lang=lang)
        check_not_open(path, lang)
        wb = load_workbook(path, keep_vba=True, keep_links=True)
        yield wb
        check_not_open(path, lang)
        atomic.write_with(path, wb.save, backup_dir=paths.backups, lang=lang)

    @staticmethod
    def sheet_by_codename(wb: Any, codename: str) -> Any:
        """The worksheet whose codeName is ``codename`` (survives renaming by the user)."""
        for ws in wb.worksheets:
            if ws.sheet_properties.codeName == codename:
                return ws
        raise KeyError(codename)


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

    def set_column_widths(self, sheet: str, widths: Mapping[str, float]) -> None: ...

    def hide_columns(self, sheet: str, columns: Iterable[str]) -> None: ...

    def freeze_panes(self, sheet: str, cell: str) -> None: ...

    def add_list_validation(self, sheet: str, ref: str, options: Sequence[str]) -> None: ...

    def set_table(self, sheet: str, name: str, ref: str, columns: Sequence[str]) -> None: ...

    def set_name_value(self, name: str, value: Any) -> None: ...

    def ensure_sheet(self, sheet: str, state: str = "visible") -> None: ...

    def merge_cells(self, sheet: str, ref: str) -> None: ...

    def set_row_heights(self, sheet: str, heights: Mapping[int, float]) -> None: ...

    def hide_rows(self, sheet: str, rows: Iterable[int]) -> None: ...

    def add_validation(self, sheet: str, validation: "Validation") -> None: ...


@dataclass(frozen=True)
class Validation:
    """A data validation both writers can set: ``list`` (options), ``whole``/``decimal``
    (minimum..maximum, ``between``), or ``date`` (ISO dates)."""

    ref: str
    type: str = "list"
    options: tuple[str, ...] = ()
    minimum: Any = None
    maximum: Any = None


_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def split_cell(cell: str) -> tuple[int, int]:
    """``"B3"`` -> (row 3, column 2), 1-based."""
    m = _CELL_RE.match(cell.strip())
    if not m:
        raise ValueError(f"not a cell reference: {cell!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def col_letter(col: int) -> str:
    out = ""
    while col:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


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
    tables: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    row_heights: dict[int, float] = field(default_factory=dict)
    hidden_rows: list[int] = field(default_factory=list)
    other_validations: list[Validation] = field(default_factory=list)

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
    """Write ``content`` into ``sheet`` (emptied first unless ``clear`` is False)."""
    if clear:
        writer.clear(sheet)
    top_left, block = content.rows()
    if block:
        writer.write_rows(sheet, top_left, block)
    for ref, style in content.styles:
        writer.set_style(sheet, ref, style)
    if content.widths:
        writer.set_column_widths(sheet, content.widths)
    if content.hidden_columns:
        writer.hide_columns(sheet, content.hidden_columns)
    for ref in content.merged:
        writer.merge_cells(sheet, ref)
    if content.row_heights:
        writer.set_row_heights(sheet, content.row_heights)
    if content.hidden_rows:
        writer.hide_rows(sheet, content.hidden_rows)
    for ref, options in content.validations:
        writer.add_list_validation(sheet, ref, options)
    for validation in content.other_validations:
        writer.add_validation(sheet, validation)
    for name, ref, columns in content.tables:
        writer.set_table(sheet, name, ref, columns)
    if content.freeze:
        writer.freeze_panes(sheet, content.freeze)


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
        from openpyxl.styles import Alignment, Font, PatternFill

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

    def set_column_widths(self, sheet: str, widths: Mapping[str, float]) -> None:
        ws = self.wb[sheet]
        for col, w in widths.items():
            ws.column_dimensions[col].width = w

    def hide_columns(self, sheet: str, columns: Iterable[str]) -> None:
        ws = self.wb[sheet]
        for col in columns:
            ws.column_dimensions[col].hidden = True

    def freeze_panes(self, sheet: str, cell: str) -> None:
        self.wb[sheet].freeze_panes = cell

    def add_list_validation(self, sheet: str, ref: str, options: Sequence[str]) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        formula = '"' + ",".join(o.replace('"', '""') for o in options) + '"'
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.add(ref)
        self.wb[sheet].add_data_validation(dv)

    def set_table(self, sheet: str, name: str, ref: str, columns: Sequence[str]) -> None:
        ensure_table(self.wb[sheet], name, ref, columns)

    def ensure_sheet(self, sheet: str, state: str = "visible") -> None:
        if sheet not in self.wb.sheetnames:
            self.wb.create_sheet(sheet).sheet_state = state

    def merge_cells(self, sheet: str, ref: str) -> None:
        self.wb[sheet].merge_cells(ref)

    def set_row_heights(self, sheet: str, heights: Mapping[int, float]) -> None:
        ws = self.wb[sheet]
        for r, h in heights.items():
            ws.row_dimensions[r].height = h

    def hide_rows(self, sheet: str, rows: Iterable[int]) -> None:
        ws = self.wb[sheet]
        for r in rows:
            ws.row_dimensions[r].hidden = True

    def add_validation(self, sheet: str, validation: Validation) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        v = validation
        if v.type == "list":
            self.add_list_validation(sheet, v.ref, v.options)
            return
        if v.type == "date":
            def f(d: Any) -> str:
                d = str(d)[:10]
                return f"DATE({int(d[:4])},{int(d[5:7])},{int(d[8:10])})"
        else:
            def f(x: Any) -> str:
                return str(x)
        dv = DataValidation(type=v.type, operator="between", formula1=f(v.minimum), formula2=f(v.maximum),
                            allow_blank=True)
        dv.add(v.ref)
        self.wb[sheet].add_data_validation(dv)

    def set_name_value(self, name: str, value: Any) -> None:
        dn = self.wb.defined_names.get(name)
        if dn is None:
            raise KeyError(name)
        for title, coord in dn.destinations:
            write_value(self.wb[title], coord.replace("$", ""), value)


# ---------------------------------------------------------------- xlwings (live Excel)
def excel_literal(value: Any) -> Any:
    """A value as it must be handed to Excel through xlwings/COM so that it is stored as
    is: every non-empty ``str`` gets a leading apostrophe (Excel's text prefix, not part
    of the value). Without it Excel would turn ``=...`` into a formula, ``1.2`` into a
    number or a date (Danish locale) and ``-`` / ``+`` / ``@`` text into formulas."""
    if isinstance(value, Formula):
        return str(value) if str(value).startswith("=") else "=" + str(value)
    if isinstance(value, str):
        return "'" + value if value else None
    return value


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class XlwingsSheetWriter:
    """:class:`SheetWriter` over a live ``xlwings.Book`` (the buttons).

    Thin on purpose: it only translates calls into xlwings' public API; everything it is
    given was computed by tested pure-Python code. It cannot run without Excel, so its
    tests use a fake xlwings-like object (``tests/test_master.py``). Optional cosmetics
    (validation, freeze panes) are best-effort: a platform without them still gets the
    values. :meth:`transaction` restores the sheets' previous contents when a run fails.
    """

    def __init__(self, book: Any):
        self.book = book
        self._snapshots: dict[str, tuple[str, Any]] | None = None

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
        self._remember(sheet)
        self._sheet(sheet).clear()

    def write_rows(self, sheet: str, top_left: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self._remember(sheet)
        width = max(len(r) for r in rows)
        block = [[excel_literal(v) for v in r] + [None] * (width - len(r)) for r in rows]
        self._sheet(sheet).range(top_left).value = block

    def set_style(self, sheet: str, ref: str, style: Style) -> None:
        rng = self._sheet(sheet).range(ref)
        rng.font.bold = style.bold
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

    def set_column_widths(self, sheet: str, widths: Mapping[str, float]) -> None:
        sht = self._sheet(sheet)
        for col, w in widths.items():
            sht.range(f"{col}:{col}").column_width = w

    def hide_columns(self, sheet: str, columns: Iterable[str]) -> None:
        sht = self._sheet(sheet)
        for col in columns:
            sht.range(f"{col}:{col}").column_width = 0

    def freeze_panes(self, sheet: str, cell: str) -> None:
        try:
            self._sheet(sheet).freeze_panes.freeze_at(cell)
        except Exception:  # cosmetic; not available on every platform
            pass

    def add_list_validation(self, sheet: str, ref: str, options: Sequence[str]) -> None:
        try:
            self._sheet(sheet).range(ref).data_validation.set_list(list(options))
        except Exception:  # cosmetic; Python re-validates every value it reads anyway
            pass

    def set_table(self, sheet: str, name: str, ref: str, columns: Sequence[str]) -> None:
        sht = self._sheet(sheet)
        r0, c0 = split_cell(ref.split(":")[0])
        sht.range(cell_ref(r0, c0)).value = [[excel_literal(c) for c in columns]]
        rng = sht.range(ref)
        for t in sht.tables:
            if t.name == name:
                t.resize(rng)
                return
        sht.tables.add(source=rng, name=name)

    def set_name_value(self, name: str, value: Any) -> None:
        self.book.names[name].refers_to_range.value = excel_literal(value)

    def ensure_sheet(self, sheet: str, state: str = "visible") -> None:
        if sheet in self.sheet_names():
            return
        sht = self.book.sheets.add(sheet, after=self.book.sheets[len(self.book.sheets) - 1])
        if state != "visible":
            sht.visible = False

    def merge_cells(self, sheet: str, ref: str) -> None:
        try:
            self._sheet(sheet).range(ref).merge()
        except Exception:  # cosmetic
            pass

    def set_row_heights(self, sheet: str, heights: Mapping[int, float]) -> None:
        sht = self._sheet(sheet)
        for r, h in heights.items():
            sht.range(f"{r}:{r}").row_height = h

    def hide_rows(self, sheet: str, rows: Iterable[int]) -> None:
        sht = self._sheet(sheet)
        for r in rows:
            sht.range(f"{r}:{r}").row_height = 0

    def add_validation(self, sheet: str, validation: Validation) -> None:
        v = validation
        try:
            dv = self._sheet(sheet).range(v.ref).data_validation
            if v.type == "list":
                dv.set_list(list(v.options))
            elif v.type == "whole":
                dv.set_whole_number("between", v.minimum, v.maximum)
            elif v.type == "decimal":
                dv.set_decimal("between", v.minimum, v.maximum)
            elif v.type == "date":
                dv.set_date("between", v.minimum, v.maximum)
        except Exception:  # cosmetic; Python re-validates every value it reads anyway
            pass

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
class Formula(str):
    """A formula the program wrote itself (``=...``): the only strings written as formulas."""


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
    """A rendered openpyxl worksheet as :class:`SheetContent` (values, own formulas, basic
    styles grouped into horizontal runs, column widths, hidden columns, freeze panes, list
    validations with literal options, tables). Not carried over: merged cells, conditional
    formats, charts, images, comments (renderers meant for the buttons must not rely on them)."""
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
    for dv in ws.data_validations.dataValidation:
        f = dv.formula1 or ""
        if dv.type == "list" and f.startswith('"') and f.endswith('"'):
            options = tuple(o.replace('""', '"') for o in f[1:-1].split(","))
            for rng in str(dv.sqref).split():
                content.validations.append((rng, options))
        elif dv.type in ("whole", "decimal", "date") and (dv.operator in (None, "between")):
            lo, hi = _bound(dv.type, dv.formula1), _bound(dv.type, dv.formula2)
            if lo is not None and hi is not None:
                for rng in str(dv.sqref).split():
                    content.other_validations.append(Validation(rng, dv.type, (), lo, hi))
    content.merged = [str(r) for r in ws.merged_cells.ranges]
    for r, dim in ws.row_dimensions.items():
        if dim.hidden:
            content.hidden_rows.append(r)
        elif dim.ht:
            content.row_heights[r] = float(dim.ht)
    from openpyxl.utils.cell import range_boundaries

    for table in ws.tables.values():
        columns = tuple(col.name for col in table.tableColumns)
        if not columns:  # openpyxl fills tableColumns only when saving: take the header cells
            c0, r0, c1, _r1 = range_boundaries(table.ref)
            columns = tuple("" if ws.cell(r0, c).value is None else str(ws.cell(r0, c).value)
                            for c in range(c0, c1 + 1))
        content.tables.append((table.displayName, table.ref, columns))
    return content


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
    from openpyxl import Workbook

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
