"""Renderers of the action-plan sheets on an openpyxl workbook (the master).

* ``Handleplan`` / ``Action plan``: the Excel table ``Handleplan`` (read by its headers, not
  by positions; extra columns and rows typed below the table are read too), rewritten with
  dropdowns, date validation, overdue / due-soon highlighting, frozen header, the table's
  AutoFilter, widths, wrap text and print setup.
* ``Prioritering`` / ``Priorities``: the effect x feasibility overview (generated, protected).
* ``Opfølgning`` / ``Follow-up``: per owner counts and the overdue / due-soon lists.
* ``_plan`` (very hidden): ids written at the last build, deleted ids, hashes of the
  generated system values (see :class:`xl_kik.core.actionplan.PlanState`).
* ``Forrige`` / ``Previous`` (hidden): the previous round's agreed scores (carry-over).

Every text from people is written as text (never as a formula), except cells that were
formulas when they were read, which are written back as formulas.
"""

from __future__ import annotations

import zipfile

from openpyxl.utils import range_boundaries
from python_calamine import CalamineWorkbook

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.formatting.rule import Rule
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.table import Table, TableStyleInfo

from xl_kik.core.cellref import column_letter
from xl_kik.excel import master as _master
from xl_kik.core.i18n import Msg
from xl_kik.core.vocabulary import IMPROVEMENT_AREAS, QUESTIONS, button
from xl_kik.core.printing import word_width
from xl_kik.excel.layout import fit_rows, widen_for_words
from xl_kik.excel import cells, masterfile
from xl_kik.excel.masterfile import clear_sheet, print_sheet
from xl_kik.core.actionplan import (
    COLUMN_BY_KEY, COLUMNS, DATE_KEYS, DUE_SOON_DAYS, EFFECT_LEVELS, FEASIBILITY_LEVELS, LEVEL_TEXT, NEW_COLUMN,
    PRIORITY_VALUES, STATUS_VALUES, TABLE_NAME, FollowUpItem, Formula, PlanState, PreviousScores,
    PriorityMatrix, find_header, follow_up_summary, is_blank, is_extra, map_headers, plan_from_rows,
    previous_from_rows,
)
from xl_kik.core.catalogue import clean_text
from xl_kik.core.contract import KONSENSUS_LABELS

# The sheets are part of the master's contract (``xl_kik.excel.master``): 'init' creates them with
# their codeNames and VBA document modules, so they are found and reused, never added.
_MASTER_KEY = {"plan": "plan", "priority": "priority", "follow_up": "follow_up", "previous": "previous",
               "consensus": "consensus", "state": "plan_state"}
SHEET_NAMES = {kind: {lang: _master.SHEET_NAMES[lang][key] for lang in ("da", "en")}
               for kind, key in _MASTER_KEY.items()}
CODE_NAMES = {kind: _master.CODE_NAMES[key] for kind, key in _MASTER_KEY.items()}
SPARE_ROWS = 300  # validation and highlighting reach this far below the last row
DATE_NUMBER_FORMAT = "dd-mm-yyyy"
MAX_CELL = cells.MAX_CELL_TEXT
FORMATS = "_fmt"

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
#: The plan table: 16 columns on one A4 landscape page wide, so a smaller font and narrower
#: columns than elsewhere (texts wrap; rows get estimated heights).
PLAN_FONT_SIZE = 9
PLAN_FONT = Font(name="Calibri", size=PLAN_FONT_SIZE)
PLAN_HEADER_FONT = Font(name="Calibri", size=PLAN_FONT_SIZE, bold=True, color="FFFFFF")
PLAN_WIDTHS = {"id": 17, "theme": 10, "question": 18, "area": 17, "action": 20, "goal": 14, "owner": 10,
               "start": 9, "deadline": 9, "resources": 10, "priority": 9, "quick_win": 7, "status": 9,
               "last_follow_up": 9, "comment": 15, "source": 10}
EXTRA_WIDTH = 14  # a column a person added
SYSTEM_HEADER_FILL = PatternFill("solid", fgColor="44546A")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
OVERDUE_DXF = DifferentialStyle(fill=PatternFill(bgColor="F8CBAD", fill_type="solid"), font=Font(color="9C0006"))
DUE_SOON_DXF = DifferentialStyle(fill=PatternFill(bgColor="FFEB9C", fill_type="solid"))
_MY_CF = re.compile(r"^AND\(ISNUMBER\(\$[A-Z]+\d+\),\$[A-Z]+\d+(<|>=)TODAY\(\)")

V_STATUS = (Msg("Status", "Status"), Msg("Vælg: {values}.", "Choose: {values}."))
V_PRIORITY = (Msg("Prioritet", "Priority"), Msg("Vælg: {values}.", "Choose: {values}."))
V_DATE = (Msg("Dato", "Date"), Msg("Skriv en dato, fx 01-03-2026.", "Type a date, e.g. 01-03-2026."))
V_ERROR_DATE = Msg("Skriv en dato mellem 01-01-2000 og 31-12-2100, fx 01-03-2026.",
                   "Type a date between 01-01-2000 and 31-12-2100, e.g. 01-03-2026.")
V_ERROR_LIST = Msg("Vælg en værdi fra listen.", "Choose a value from the list.")
V_TEXT = (Msg("Tekst", "Text"), cells.NEW_LINE_HELP)
TEXT_HELP_KEYS = ("area", "action", "goal", "resources", "comment")  # free text: the keys for a new line
_MY_DV_TITLES = {m.text(lang) for m in (V_STATUS[0], V_PRIORITY[0], V_DATE[0], V_TEXT[0]) for lang in ("da", "en")}


# ---------------------------------------------------------------- sheet lookup
def find_sheet(wb, kind: str):
    """A worksheet by codeName, else by its name (:func:`xl_kik.excel.masterfile.find_sheet`);
    None if absent."""
    return masterfile.find_sheet(wb, _MASTER_KEY[kind])


def consensus_sheet(wb):
    return find_sheet(wb, "consensus")


def _get_or_create(wb, kind: str, lang: str, after: str | None = None, state: str = "visible"):
    ws = find_sheet(wb, kind)
    if ws is None:
        index = None
        if after is not None:
            ref = find_sheet(wb, after)
            if ref is not None:
                index = wb.worksheets.index(ref) + 1
        # Only for workbooks made before the sheet was in the master's contract (and scratch
        # workbooks). No codeName: a codeName without a VBA document module is an error for
        # 'doctor' (S123); Excel gives the sheet one when it opens the file.
        ws = wb.create_sheet(SHEET_NAMES[kind]["en" if lang == "en" else "da"], index)
    ws.sheet_state = state
    return ws


def _clear_sheet(ws) -> None:
    """A generated sheet emptied (:func:`xl_kik.excel.masterfile.clear_sheet`); column widths stay."""
    clear_sheet(ws, keep_columns_from=1)


# ---------------------------------------------------------------- values
def cell_value(cell) -> Any:
    v = cell.value
    if cell.data_type == "f" and isinstance(v, str):
        return Formula(v)
    return v


def put(cell, value: Any) -> None:
    """Write a value (:func:`xl_kik.excel.cells.write_cell`): text always as text, formulas a
    person typed as formulas, a blank text as an empty cell."""
    if is_blank(value) and not isinstance(value, Formula):
        value = None
    cells.write_cell(cell, value)


# ---------------------------------------------------------------- reading the plan
@dataclass
class PlanTable:
    """The plan as read from the workbook: headers in sheet order and the non-empty rows."""

    found: bool
    sheet: str
    header_row: int = 1
    first_col: int = 1
    headers: list[tuple[str, str]] = field(default_factory=list)  # (row key, header text)
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)

    def sheet_row(self, index: int) -> int:
        return self.row_numbers[index] if 0 <= index < len(self.row_numbers) else self.header_row + 1 + index

    @property
    def id_letter(self) -> str:
        for i, (key, _h) in enumerate(self.headers):
            if key == "id":
                return column_letter(self.first_col + i)
        return column_letter(self.first_col)

    def with_extra_headers(self, headers: Sequence[tuple[str, str]]) -> "PlanTable":
        mine = {k for k, _ in self.headers}
        extra = [(k, h) for k, h in headers if is_extra(k) and k not in mine]
        return replace(self, headers=list(self.headers) + extra)


def _find_plan(wb):
    for ws in wb.worksheets:
        for name in list(ws.tables.keys()):
            if name.casefold() == TABLE_NAME.casefold():
                return ws, ws.tables[name].ref
    return find_sheet(wb, "plan"), None


def read_plan(wb, lang: str = "da") -> PlanTable:
    """Read the plan from the workbook by its headers (table ``Handleplan``, else a header row
    with ``Id`` and other plan headers). Rows typed directly below the table and columns typed
    directly right of it (LibreOffice does not grow tables) are included."""

    ws, ref = _find_plan(wb)
    if ws is None:
        return PlanTable(False, SHEET_NAMES["plan"]["en" if lang == "en" else "da"])
    if ref:
        min_col, min_row, _max_col, _max_row = range_boundaries(ref)
    else:
        grid = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 40))]
        found = find_header(grid)
        if found is None:
            return PlanTable(False, ws.title)
        min_row, min_col = found[0] + 1, found[1] + 1
    max_row, max_col = ws.max_row, max(ws.max_column, min_col)
    texts = []
    for c in range(min_col, max_col + 1):
        head = clean_text(ws.cell(min_row, c).value)
        if not head:
            has_data = any(not is_blank(ws.cell(r, c).value) for r in range(min_row + 1, max_row + 1))
            if not has_data:
                continue
            head = NEW_COLUMN(lang, letter=column_letter(c))
        texts.append((c, head))
    mapped = map_headers(texts)
    table = PlanTable(True, ws.title, min_row, min_col, [(k, h) for _c, k, h in mapped])
    for r in range(min_row + 1, max_row + 1):
        row, fmt = {}, {}
        for c, k, _h in mapped:
            cell = ws.cell(r, c)
            row[k] = cell_value(cell)
            if row[k] is not None and cell.number_format not in (None, "General"):
                fmt[k] = cell.number_format
        if all(is_blank(v) for v in row.values()):
            continue
        if fmt:
            row[FORMATS] = fmt  # a person's number formats (kr., %, dates) move with the row
        table.rows.append(row)
        table.row_numbers.append(r)
    return table


def read_plan_values(path: str | Path, lang: str = "da") -> PlanTable:
    """Read the plan's saved values with calamine (read-only; fine while Excel has it open)."""

    wb = CalamineWorkbook.from_path(str(path))
    names = list(wb.sheet_names)
    preferred = [n for n in names if n.casefold() in {s.casefold() for s in SHEET_NAMES["plan"].values()}]
    for name in preferred + [n for n in names if n not in preferred]:
        found = plan_from_rows(wb.get_sheet_by_name(name).to_python(skip_empty_area=False), lang)
        if found is None:
            continue
        return PlanTable(True, name, found.header_index + 1, found.first_col + 1,
                         [(k, h) for _c, k, h in found.columns], found.rows, found.row_numbers)
    return PlanTable(False, "")


# ---------------------------------------------------------------- writing the plan
@dataclass
class Layout:
    sheet: str
    header_row: int
    first_col: int
    keys: list[str]
    headers: list[str]
    restored: list[str] = field(default_factory=list)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def letter(self, key: str) -> str:
        return column_letter(self.first_col + self.keys.index(key))


def _layout(table: PlanTable, rows: Sequence[dict[str, Any]], lang: str) -> tuple[list[str], list[str], list[str]]:
    keys = [k for k, _h in table.headers]
    heads = {k: h for k, h in table.headers}
    restored = []
    if not keys:
        keys = [c.key for c in COLUMNS]
    else:
        for i, col in enumerate(COLUMNS):
            if col.key in keys:
                continue
            prev = [c.key for c in COLUMNS[:i] if c.key in keys]
            keys.insert(keys.index(prev[-1]) + 1 if prev else 0, col.key)
            restored.append(col.header(lang))
    for r in rows:
        for k in r:
            if is_extra(k) and k not in keys:
                keys.append(k)
    headers, seen = [], set()
    for k in keys:
        h = heads.get(k) or (COLUMN_BY_KEY[k].header(lang) if k in COLUMN_BY_KEY else k[len("x:"):])
        h = clean_text(h) or "?"
        base, n = h, 2
        while h.casefold() in seen:
            h = f"{base} ({n})"
            n += 1
        seen.add(h.casefold())
        headers.append(h)
    return keys, headers, restored


def _split_column_dims(ws) -> None:
    """Column widths stored as ranges (``<col min=1 max=16>``) become one entry per column, so
    setting one column's width never makes overlapping ranges."""
    for key, dim in list(ws.column_dimensions.items()):
        lo, hi = dim.min or 0, dim.max or 0
        if lo and hi and hi > lo:
            for idx in range(lo, hi + 1):
                letter = column_letter(idx)
                new = ColumnDimension(ws, index=letter, width=dim.width, hidden=dim.hidden,
                                      outlineLevel=dim.outlineLevel, collapsed=dim.collapsed,
                                      bestFit=dim.bestFit, customWidth=dim.customWidth)
                new._style = dim._style
                ws.column_dimensions[letter] = new


def write_plan(wb, rows: Sequence[dict[str, Any]], table: PlanTable, lang: str = "da") -> Layout:
    """Rewrite the plan table in place (its sheet, header row and column order kept)."""
    ws = find_sheet(wb, "plan") if not table.found else wb[table.sheet]
    if ws is None:
        ws = _get_or_create(wb, "plan", lang, after="consensus")
    header_row, first_col = (table.header_row, table.first_col) if table.found else (1, 1)
    keys, headers, restored = _layout(table, rows, lang)
    layout = Layout(ws.title, header_row, first_col, keys, headers, restored if table.found else [])
    ncols = len(keys)
    last_col = first_col + ncols - 1
    last_row = header_row + max(len(rows), 1)

    # remove the old table and clear its area (and anything that was read into the rows)
    for name in list(ws.tables.keys()):
        if name.casefold() == TABLE_NAME.casefold():
            del ws.tables[name]
    clear_to_row, clear_to_col = max(ws.max_row, last_row), max(ws.max_column, last_col)
    for rng in list(ws.merged_cells.ranges):
        if rng.max_row >= header_row and rng.max_col >= first_col:
            ws.unmerge_cells(str(rng))
    for (r, c) in [rc for rc in ws._cells if rc[0] >= header_row and rc[1] >= first_col]:
        if r <= clear_to_row and c <= clear_to_col:
            del ws._cells[(r, c)]
    for r in range(header_row, clear_to_row + 1):
        if r in ws.row_dimensions and ws.row_dimensions[r].hidden:
            ws.row_dimensions[r].hidden = False  # a filter that was on is cleared

    # header and rows
    for i, (key, head) in enumerate(zip(keys, headers)):
        cell = ws.cell(header_row, first_col + i)
        put(cell, head)
        cell.font = PLAN_HEADER_FONT
        cell.fill = SYSTEM_HEADER_FILL if key in COLUMN_BY_KEY and COLUMN_BY_KEY[key].kind != "person" else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for n, row in enumerate(rows):
        r = header_row + 1 + n
        for i, key in enumerate(keys):
            cell = ws.cell(r, first_col + i)
            put(cell, row.get(key))
            cell.alignment = TOP_WRAP
            cell.font = PLAN_FONT
            fmt = (row.get(FORMATS) or {}).get(key)
            if fmt:
                cell.number_format = fmt
            elif key in DATE_KEYS and (is_blank(row.get(key)) or isinstance(row.get(key), (dt.date, dt.datetime))):
                cell.number_format = DATE_NUMBER_FORMAT  # a number pasted here stays a number
    if not rows:  # a table needs one data row
        for i in range(ncols):
            ws.cell(header_row + 1, first_col + i).alignment = TOP_WRAP
            ws.cell(header_row + 1, first_col + i).font = PLAN_FONT

    ref = f"{column_letter(first_col)}{header_row}:{column_letter(last_col)}{last_row}"
    tab = Table(displayName=TABLE_NAME, ref=ref)
    tab.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True, showColumnStripes=False)
    ws.add_table(tab)

    _validations(ws, layout, last_row, lang)
    _highlighting(ws, layout, last_row)
    ws.freeze_panes = ws.cell(header_row + 1, first_col)
    _split_column_dims(ws)
    for i, key in enumerate(keys):
        letter = column_letter(first_col + i)
        if not table.found or letter not in ws.column_dimensions or not ws.column_dimensions[letter].customWidth:
            ws.column_dimensions[letter].width = PLAN_WIDTHS.get(key, EXTRA_WIDTH)
    widen_for_words(ws, [header_row])
    if "theme" in keys:  # a theme's name wraps between its words ('Medarbejderresultater' broke in 10)
        letter = column_letter(first_col + keys.index("theme"))
        need = max([word_width(str(r.get("theme") or ""), PLAN_FONT_SIZE, False) for r in rows] + [0.0])
        if need > (ws.column_dimensions[letter].width or 0):
            ws.column_dimensions[letter].width = need
    # heights for the header and every row (rows left below a shorter table go back to default)
    fit_rows(ws, header_row, max(clear_to_row, last_row))
    _print_setup(ws, header_row, PLAN_FONT_SIZE, first_col, (first_col, first_col))
    return layout


def _validations(ws, layout: Layout, last_row: int, lang: str) -> None:
    ws.data_validations.dataValidation = [
        dv for dv in ws.data_validations.dataValidation if (dv.promptTitle or "") not in _MY_DV_TITLES]
    r1, r2 = layout.first_data_row, last_row + SPARE_ROWS

    def rng(key: str) -> str:
        return f"{layout.letter(key)}{r1}:{layout.letter(key)}{r2}"

    lang_key = "en" if lang == "en" else "da"
    for key, (title, prompt), values in (("status", V_STATUS, STATUS_VALUES[lang_key]),
                                         ("priority", V_PRIORITY, PRIORITY_VALUES[lang_key])):
        dv = cells.openpyxl_validation(options=values, allow_blank=True,
                            showErrorMessage=True, errorStyle="stop", error=V_ERROR_LIST(lang),
                            errorTitle=title(lang), promptTitle=title(lang),
                            prompt=prompt(lang, values=" / ".join(values)), showInputMessage=True)
        dv.add(rng(key))
        ws.add_data_validation(dv)
    dv = cells.openpyxl_validation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
                        allow_blank=True, showErrorMessage=True, errorStyle="stop", error=V_ERROR_DATE(lang),
                        errorTitle=V_DATE[0](lang), promptTitle=V_DATE[0](lang), prompt=V_DATE[1](lang),
                        showInputMessage=True)
    for key in DATE_KEYS:
        dv.add(rng(key))
    ws.add_data_validation(dv)
    # no rule, only the input message: how to start a new line in a cell in each program
    dv = cells.openpyxl_validation(allow_blank=True, promptTitle=V_TEXT[0](lang), prompt=V_TEXT[1](lang),
                                   showInputMessage=True)
    for key in TEXT_HELP_KEYS:
        if key in layout.keys:
            dv.add(rng(key))
    if dv.sqref:
        ws.add_data_validation(dv)


def _highlighting(ws, layout: Layout, last_row: int) -> None:
    cf = ws.conditional_formatting
    for target in list(cf._cf_rules):
        kept = [rule for rule in cf._cf_rules[target] if not any(_MY_CF.match(f or "") for f in rule.formula)]
        if kept:
            cf._cf_rules[target] = kept
        else:
            del cf._cf_rules[target]
    r1, r2 = layout.first_data_row, last_row + SPARE_ROWS
    d, s = layout.letter("deadline"), layout.letter("status")
    not_done = ",".join(f'${s}{r1}<>"{STATUS_VALUES[lk][2]}"' for lk in ("da", "en"))  # case-insensitive
    rng = f"{column_letter(layout.first_col)}{r1}:{column_letter(layout.first_col + len(layout.keys) - 1)}{r2}"
    overdue = f"AND(ISNUMBER(${d}{r1}),${d}{r1}<TODAY(),{not_done})"
    soon = f"AND(ISNUMBER(${d}{r1}),${d}{r1}>=TODAY(),${d}{r1}<=TODAY()+{DUE_SOON_DAYS},{not_done})"
    cf.add(rng, Rule(type="expression", formula=[overdue], dxf=OVERDUE_DXF, stopIfTrue=True))
    cf.add(rng, Rule(type="expression", formula=[soon], dxf=DUE_SOON_DXF, stopIfTrue=True))


def _print_setup(ws, header_row: int | None, font_size: float = 11, first_col: int = 1,
                 title_cols: tuple[int, int] | None = None) -> None:
    """The one print rule (:func:`xl_kik.excel.masterfile.print_sheet`): A4, one page wide only
    while the text stays readable, the header row (and the id column across pages) repeated."""
    print_sheet(ws, font_size, title_rows=(header_row, header_row) if header_row is not None else None,
                first_col=first_col, title_cols=title_cols)


# ---------------------------------------------------------------- state
STATE_HEADER = ["id", "kind", "generated"]


def read_state(wb) -> PlanState:
    ws = find_sheet(wb, "state")
    if ws is None:
        return PlanState()
    return PlanState.from_rows(ws.iter_rows(min_row=2, values_only=True))


def write_state(wb, state: PlanState) -> None:
    ws = _get_or_create(wb, "state", "da", state="veryHidden")
    _clear_sheet(ws)
    ws.append(STATE_HEADER)
    for row in state.to_rows():
        ws.append(row)
        for c in ws[ws.max_row]:
            c.data_type = "s"


# ---------------------------------------------------------------- prioritising overview
PRIO_TITLE = Msg("Prioritering: effekt og gennemførlighed", "Prioritising: effect and feasibility")
PRIO_INTRO = Msg(
    "Hvert felt viser de spørgsmål i Konsensus, hvis forbedringsområder har fået den effekt og "
    "gennemførlighed. ✓ = med i handleplanen. Hurtige gevinster (høj effekt, let) står øverst til venstre. "
    f"Arket laves af {button('KikPlan', 'da')} (opdateret {{date}}); skriv i Konsensus-arket, ikke her.",
    "Each box shows the Consensus questions whose improvement areas got that effect and feasibility. "
    "✓ = in the action plan. Quick wins (high effect, easy) are top left. "
    f"{button('KikPlan', 'en')} makes this sheet (updated {{date}}); type in the Consensus sheet, not here.")
PRIO_AXES = Msg("Effekt ↓ / Gennemførlighed →", "Effect ↓ / Feasibility →")
PRIO_CELL = Msg("{q}, {a}", "{q}, {a}")  # counted: "1 spørgsmål, 1 forbedringsområde"
PRIO_UNRATED = Msg("Ikke vurderet (effekt eller gennemførlighed mangler): {ids}",
                   "Not rated (effect or feasibility missing): {ids}")
PRIO_QUICK = Msg("Hurtige gevinster: høj effekt, let at gennemføre, inden for ca. 3 måneder.",
                 "Quick wins: high effect, easy, within about 3 months.")
_PRIO_FILLS = {("high", "easy"): "C6EFCE", ("high", "medium"): "E2F0D9", ("medium", "easy"): "E2F0D9",
               ("low", "hard"): "EDEDED", ("low", "medium"): "F2F2F2", ("medium", "hard"): "F2F2F2"}
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def write_priority(wb, matrix: PriorityMatrix, lang: str = "da", today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    ws = _get_or_create(wb, "priority", lang, after="consensus")
    _clear_sheet(ws)
    lk = "en" if lang == "en" else "da"
    put(ws["A1"], PRIO_TITLE(lang))
    ws["A1"].font = Font(name="Calibri", bold=True, size=14)
    put(ws["A2"], PRIO_INTRO(lang, date=today.strftime("%d-%m-%Y")))
    ws.merge_cells("A2:D2")
    ws["A2"].alignment = TOP_WRAP
    put(ws["A4"], PRIO_AXES(lang))
    ws["A4"].font = Font(name="Calibri", size=11, bold=True)
    for j, f in enumerate(FEASIBILITY_LEVELS):
        c = ws.cell(4, 2 + j)
        put(c, LEVEL_TEXT["feasibility"][lk][j])
        c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, BOX
        c.alignment = Alignment(horizontal="center")
    for i, e in enumerate(EFFECT_LEVELS):
        r = 5 + i
        head = ws.cell(r, 1)
        put(head, LEVEL_TEXT["effect"][lk][i])
        head.font, head.fill, head.border = HEADER_FONT, HEADER_FILL, BOX
        head.alignment = Alignment(vertical="center", horizontal="center")
        for j, f in enumerate(FEASIBILITY_LEVELS):
            cell = matrix.cell(e, f)
            ids = ", ".join(q + ("✓" if q in cell.planned else "") for q in cell.questions)
            text = PRIO_CELL(lang, q=QUESTIONS(lang, n=len(cell.questions)), a=IMPROVEMENT_AREAS(lang, n=cell.areas)) + (f"\n{ids}" if ids else "")
            c = ws.cell(r, 2 + j)
            put(c, text)
            c.alignment, c.border = TOP_WRAP, BOX
            if (e, f) in _PRIO_FILLS:
                c.fill = PatternFill("solid", fgColor=_PRIO_FILLS[(e, f)])
    put(ws["A9"], PRIO_QUICK(lang))
    if matrix.unrated:
        put(ws["A10"], PRIO_UNRATED(lang, ids=", ".join(matrix.unrated)))
        ws.merge_cells("A10:D10")
        ws["A10"].alignment = TOP_WRAP
    ws.column_dimensions["A"].width = 26
    for letter in "BCD":
        ws.column_dimensions[letter].width = 34
    fit_rows(ws, 1, ws.max_row)
    fit_rows(ws, 2, 2, minimum=60)
    fit_rows(ws, 5, 7, minimum=75)
    _print_setup(ws, None)
    ws.protection.sheet = True  # a generated sheet: guard against typing that would be lost


# ---------------------------------------------------------------- follow-up overview
FU_TITLE = Msg("Opfølgning på handleplanen", "Action plan follow-up")
FU_NOTE = Msg(f"Opdateret {{date}} af {button('KikPlan', 'da')}. Skriv i Handleplan-arket; dette ark laves forfra hver gang.",
              f"Updated {{date}} by {button('KikPlan', 'en')}. Type in the action plan sheet; this sheet is rebuilt each time.")
FU_OWNER_HEAD = (COLUMN_BY_KEY["owner"].label, Msg("Åbne", "Open"), Msg("Overskredne", "Overdue"),
                 Msg("Frist inden for 14 dage", "Due within 14 days"), Msg("Afsluttede", "Completed"),
                 Msg("I alt", "Total"))
FU_OVERDUE_TITLE = Msg("Overskredne handlinger", "Overdue actions")
FU_SOON_TITLE = Msg("Frist inden for 14 dage", "Due within 14 days")
FU_LIST_HEAD = (*(COLUMN_BY_KEY[k].label for k in ("id", "area", "action", "owner", "deadline")), Msg("Dage", "Days"),
                COLUMN_BY_KEY["status"].label)
FU_NONE = Msg("Ingen.", "None.")
FU_TOTAL = Msg("I alt", "Total")


def write_follow_up(wb, items: Sequence[FollowUpItem], lang: str = "da", today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    ws = _get_or_create(wb, "follow_up", lang, after="plan")
    _clear_sheet(ws)
    put(ws["A1"], FU_TITLE(lang))
    ws["A1"].font = Font(name="Calibri", bold=True, size=14)
    put(ws["A2"], FU_NOTE(lang, date=today.strftime("%d-%m-%Y")))
    ws["A2"].font = Font(name="Calibri", size=11, italic=True, color="595959")
    r = 4
    for j, m in enumerate(FU_OWNER_HEAD):
        c = ws.cell(r, 1 + j)
        put(c, m(lang))
        c.font, c.fill, c.border, c.alignment = HEADER_FONT, HEADER_FILL, BOX, TOP_WRAP
    summary = follow_up_summary(items, lang)
    for s in summary:
        r += 1
        for j, v in enumerate((s.owner, s.open, s.overdue, s.due_soon, s.done, s.total)):
            c = ws.cell(r, 1 + j)
            put(c, v)
            c.border = BOX
        if s.overdue:
            ws.cell(r, 3).fill = PatternFill("solid", fgColor="F8CBAD")
    r += 1
    totals = (FU_TOTAL(lang), sum(s.open for s in summary), sum(s.overdue for s in summary),
              sum(s.due_soon for s in summary), sum(s.done for s in summary), sum(s.total for s in summary))
    for j, v in enumerate(totals):
        c = ws.cell(r, 1 + j)
        put(c, v)
        c.font, c.border = Font(name="Calibri", size=11, bold=True), BOX
    for title, chosen in ((FU_OVERDUE_TITLE, [i for i in items if i.overdue]),
                          (FU_SOON_TITLE, [i for i in items if i.due_soon])):
        r += 2
        put(ws.cell(r, 1), title(lang))
        ws.cell(r, 1).font = Font(name="Calibri", bold=True, size=12)
        r += 1
        for j, m in enumerate(FU_LIST_HEAD):
            c = ws.cell(r, 1 + j)
            put(c, m(lang))
            c.font, c.fill, c.border, c.alignment = HEADER_FONT, HEADER_FILL, BOX, TOP_WRAP
        if not chosen:
            r += 1
            put(ws.cell(r, 1), FU_NONE(lang))
        for i in sorted(chosen, key=lambda i: (i.deadline or dt.date.max, i.id)):
            r += 1
            values = (i.id, i.area, i.action, i.owner, i.deadline, abs(i.days_left or 0), i.status)
            for j, v in enumerate(values):
                c = ws.cell(r, 1 + j)
                put(c, v)
                c.alignment, c.border = TOP_WRAP, BOX
                if isinstance(v, dt.date):
                    c.number_format = DATE_NUMBER_FORMAT
    for letter, width in zip("ABCDEFG", (22, 34, 34, 18, 14, 8, 14)):  # one A4 landscape page wide at 11 pt
        ws.column_dimensions[letter].width = width
    fit_rows(ws, 1, r)
    ws.freeze_panes = "A5"
    _print_setup(ws, None)
    ws.protection.sheet = True


# ---------------------------------------------------------------- previous round
PREV_HEAD = (Msg("Type", "Kind"), Msg("Id", "Id"), KONSENSUS_LABELS["agreed_points"], Msg("Runde", "Round"))
PREV_NOTE = Msg("Aftalte point fra forrige runde (skrevet ved oprettelsen af denne runde).",
                "Agreed points from the previous round (written when this round was created).")


def write_previous(wb, prev: PreviousScores, lang: str = "da") -> None:
    ws = _get_or_create(wb, "previous", lang, state="hidden")
    _clear_sheet(ws)
    put(ws["A1"], PREV_NOTE(lang))
    for j, m in enumerate(PREV_HEAD):
        put(ws.cell(2, 1 + j), m(lang))
        ws.cell(2, 1 + j).font = Font(name="Calibri", size=11, bold=True)
    r = 2
    for kind, data in (("question", prev), ("theme", prev.themes)):
        for key, pts in data.items():
            r += 1
            put(ws.cell(r, 1), kind)
            put(ws.cell(r, 2), str(key))
            put(ws.cell(r, 3), pts)
            put(ws.cell(r, 4), prev.round_id)
    ws.print_area = f"A2:D{max(r, 2)}"  # the table (the note in A1 runs over empty columns)
    print_sheet(ws, 11, prefer="portrait", title_rows=(2, 2), last_col=4)


_previous_from_rows = previous_from_rows  # the rows of the Forrige sheet from row 3 (core.actionplan)


def read_previous(wb) -> PreviousScores:
    ws = find_sheet(wb, "previous")
    if ws is None:
        return PreviousScores()
    return _previous_from_rows(ws.iter_rows(min_row=3, values_only=True))


def read_previous_values(path: str | Path) -> PreviousScores:

    wb = CalamineWorkbook.from_path(str(path))
    candidates = []
    try:  # by codeName first (a renamed sheet still works), then by name

        with zipfile.ZipFile(path) as zf:
            infos, _ = _master.workbook_sheets(zf)
        info = _master.find_sheet_info(infos, _MASTER_KEY["previous"])
        candidates += [info.name] if info is not None else []
    except Exception:  # noqa: BLE001 - not a readable package: fall back to the names
        pass
    candidates += list(SHEET_NAMES["previous"].values())
    for name in candidates:
        if name in wb.sheet_names:
            return _previous_from_rows(wb.get_sheet_by_name(name).to_python(skip_empty_area=False)[2:])
    return PreviousScores()
