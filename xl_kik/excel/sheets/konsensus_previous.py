"""The previous round on the Konsensus sheet, and the check of what people typed there.

* :func:`read_previous` — the agreed points (and theme scores) of a previous round's master;
* :func:`render_previous_themes` — the previous theme scores and the change since then,
  beside the new theme scores (the two columns of the theme-score block that
  :mod:`xl_kik.excel.sheets.konsensus` leaves free);
* :func:`check_agreed_points` — agreed points that are not whole numbers on the scale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font
from python_calamine import CalamineWorkbook

from xl_kik.core.cellref import column_letter
from xl_kik.core.actionplan import PreviousScores, points_value, theme_means
from xl_kik.core.contract import KONSENSUS_THEME_CHANGE_COL, KONSENSUS_THEME_PREVIOUS_COL
from xl_kik.core.i18n import Msg
from xl_kik.core.problems import WARNING, Problem, define
from xl_kik.excel.master import _master_path, parse_master, read_sheets
from xl_kik.core.konsensus import read_inputs, read_theme_inputs
from xl_kik.excel.sheets.konsensus import COL, FIRST_ROW, L
from xl_kik.excel.sheets.status import Formula, Look, put

S_BAD_AGREED = define(
    "S130", WARNING, ("Ugyldigt aftalt point", "Invalid agreed points"),
    ("Det aftalte point {value!r} for spørgsmål {qid} er ikke et helt tal fra {low} til {high}; "
     "det tæller ikke med i temaets score. Ret cellen.",
     "The agreed points {value!r} for question {qid} are not a whole number from {low} to {high}; "
     "they do not count in the theme score. Correct the cell."))


def read_previous(previous: str | Path) -> Any:
    """Agreed points of a previous round (its folder or master): ``{qid: points}``, as an
    :class:`xl_kik.core.actionplan.PreviousScores` whose ``.themes`` holds the theme scores (the
    separately agreed theme score where one was typed, else the mean of the agreed points)."""
    path = _master_path(previous)
    sheet_rows, names = read_sheets(path)
    name = names.get("consensus")
    if not name:
        return PreviousScores()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(skip_empty_area=False)
    points = {q: v["agreed_points"] for q, v in read_inputs(rows).items() if isinstance(v["agreed_points"], int)}
    try:
        old = parse_master(sheet_rows, names, path).setup
        catalogue, round_id = old.catalogue, old.round_id
    except Exception:  # noqa: BLE001 - an old master with setup errors still has its scores
        catalogue, round_id = None, ""
    themes = theme_means(points, catalogue)
    themes.update({t: v for t, raw in read_theme_inputs(rows).items() if (v := points_value(raw)) is not None})
    return PreviousScores(points, themes, round_id)


PREVIOUS_THEME = Msg("Forrige runde", "Previous round")
CHANGE_THEME = Msg("Ændring siden sidst", "Change since last time")
#: Columns of the theme-score block on Konsensus that show the previous round (the block's
#: other columns belong to :mod:`xl_kik.excel.sheets.konsensus`; these two are free there).
#: Part of the file contract (:mod:`xl_kik.core.contract`): the rollup reads the previous column.
THEME_PREVIOUS_COL, THEME_CHANGE_COL = KONSENSUS_THEME_PREVIOUS_COL, KONSENSUS_THEME_CHANGE_COL


def render_previous_themes(ws: Any, info: Any, themes: Mapping[str, Any], lang: str = "da") -> int:
    """Write the previous round's theme scores and the change beside the new theme scores
    (theme-score block of Konsensus). Returns the number of themes with a previous score."""
    rows = getattr(info, "theme_rows", {}) or {}
    if not rows or not any(themes.get(t) is not None for t in rows):
        return 0
    head = Look(ws, bold=True, fill="DDEBF7", wrap=True, border=True, valign="bottom")
    num1 = Look(ws, border=True, number_format="0.0", halign="center")
    change = Look(ws, fill="F2F2F2", border=True, number_format="+0.0;-0.0;0.0", halign="center")
    header_row = min(rows.values()) - 1
    put(ws, header_row, THEME_PREVIOUS_COL, PREVIOUS_THEME(lang), head)
    put(ws, header_row, THEME_CHANGE_COL, CHANGE_THEME(lang), head)
    p, a = column_letter(THEME_PREVIOUS_COL), L["agreed_points"]
    shown = 0
    for tid, r in rows.items():
        value = themes.get(tid)
        put(ws, r, THEME_PREVIOUS_COL, round(float(value), 1) if value is not None else None, num1)
        shown += value is not None
        # the theme score now: the separately agreed one, else the mean of the agreed points (column F)
        put(ws, r, THEME_CHANGE_COL, Formula(f'=IF(OR({p}{r}="",AND({a}{r}="",F{r}="")),"",'
                                             f'IF({a}{r}<>"",{a}{r},F{r})-{p}{r})'), change)
    first, last = min(rows.values()), max(rows.values())
    target = f"{column_letter(THEME_CHANGE_COL)}{first}:{column_letter(THEME_CHANGE_COL)}{last}"
    ws.conditional_formatting.add(target, CellIsRule(operator="greaterThan", formula=["0"],
                                                     font=Font(color="006100", bold=True)))
    ws.conditional_formatting.add(target, CellIsRule(operator="lessThan", formula=["0"],
                                                     font=Font(color="9C0006", bold=True)))
    return shown


def check_agreed_points(ws: Any, setup: Any, file: str = "") -> list[Problem]:
    """Agreed points on Konsensus that are not whole numbers on the scale (pasted past the
    sheet's validation, typed in LibreOffice with validation off, ...), naming the cell."""
    col = COL["agreed_points"]
    wanted = set(setup.question_ids)
    low, high = setup.scale.min, setup.scale.max
    out = []
    for r in range(FIRST_ROW, ws.max_row + 1):
        qid = ws.cell(r, COL["qid"]).value
        if qid not in wanted:
            continue
        value = ws.cell(r, col).value
        if value is None or value == "":
            continue
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and float(value).is_integer() and low <= value <= high)
        if not ok:
            out.append(S_BAD_AGREED(file=file, sheet=ws.title, cell=f"{column_letter(col)}{r}",
                                    qid=qid, value=value, low=low, high=high))
    return out


__all__ = ["CHANGE_THEME", "PREVIOUS_THEME", "S_BAD_AGREED", "THEME_CHANGE_COL", "THEME_PREVIOUS_COL",
           "check_agreed_points", "read_previous", "render_previous_themes"]
