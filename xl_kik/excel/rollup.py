"""The overview workbook across units: reading one unit's master and writing the overview.

:func:`read_unit` reads a master with python-calamine only (fast; no openpyxl);
:func:`write_overview` writes the overview with XlsxWriter, one function per sheet:

* **Overblik / Overview** — a clear caution first (scores from different groups are not
  directly comparable, CAF says so), then per catalogue (and scale) one block: a row per
  unit with response rate, open and overdue actions, and the theme scores, each coloured by
  its change against *the unit's own previous round* (green ▲ up, red ▼ down, yellow = about
  the same; :func:`xl_kik.core.rollup.trend`), never by its value, so the colours do not rank
  units; no previous round, no colour. A legend below each block says so. Theme scores on
  the basis ``median`` are marked ``*`` (the value stays a number) and not compared.
* **Handleplaner / Action plans** — every unit's action plan in one filterable Excel
  table with a Unit column and an Overdue column.
* **Point / Scores** — one row per unit and question (agreed, suggested median), a table
  for pivots.
* **Problemer / Problems** — masters that could not be read (the rest continue).

The scores themselves are computed in :mod:`xl_kik.core.rollup`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Sequence

from python_calamine import CalamineWorkbook

from xl_kik.core.printing import word_width
from xl_kik.core.actionplan import COLUMNS as PLAN_COLUMNS
from xl_kik.core.actionplan import PreviousScores, action_flags, plan_from_rows, previous_from_rows, to_date
from xl_kik.core.catalogue import BUILTIN_CATALOGUES, builtin, clean_text
from xl_kik.core.contract import KONSENSUS_LABELS
from xl_kik.core.i18n import Msg, pick
from xl_kik.core.rollup import (AGREED, DOWN, MEDIAN, NONE, SAME, THEME_AGREED, UP, RollupResult, ThemeScore,
                                UnitResult, change_points, group_themes, number, previous_theme_scores, theme_scores)
from xl_kik.core.round import MASTER_NAME, RoundSetup
from xl_kik.excel import atomic, master
from xl_kik.core.konsensus import column_map, read_inputs, read_previous, read_theme_inputs, row_key
from xl_kik.core.values import is_yes
from xl_kik.excel import cells
from xl_kik.excel.layout import line_count, row_height

BASIS_TEXT = {
    THEME_AGREED: Msg("aftalt for temaet", "agreed for the theme"),
    AGREED: Msg("gns. af aftalte point", "mean of agreed points"),
    MEDIAN: Msg("* intet aftalt: gns. af medianer", "* nothing agreed: mean of medians"),
    NONE: Msg("", ""),
}

T = {
    "title": Msg("KIK-overblik på tværs af enheder", "KIK overview across units"),
    "caution": Msg(
        "Scorer fra forskellige grupper kan ikke sammenlignes direkte. Hver enhed har vurderet sig selv med sine "
        "egne deltagere og sin egen forståelse af skalaen; det understreger CAF også. Brug overblikket til at se, "
        "hvor den enkelte enhed står stærkt og svagt, hvordan den udvikler sig fra runde til runde, og hvordan "
        "handleplanerne bliver fulgt op – ikke til at rangordne enheder. Teksten i konsensusrapporterne siger mere "
        "end tallene.",
        "Scores from different groups cannot be compared directly. Each unit assessed itself, with its own "
        "participants and its own understanding of the scale; CAF stresses this too. Use the overview to see where "
        "each unit is strong and weak, how it develops from round to round and how the action plans are followed "
        "up – not to rank units. The text of the consensus reports says more than the numbers."),
    "made": Msg("Lavet {date} ud fra {n} masterfiler. {bad}", "Made {date} from {n} master files. {bad}"),
    "bad": Msg("{n} kunne ikke læses (se arket {sheet}).", "{n} could not be read (see the sheet {sheet})."),
    "legend": Msg(
        "Temascore = temaets særskilt aftalte point, ellers gennemsnittet af de aftalte point for temaets spørgsmål. "
        "* = intet er aftalt endnu; tallet er gennemsnittet af spørgsmålenes median af deltagernes point.",
        "Theme score = the theme's separately agreed score, else the mean of the agreed points of its questions. "
        "* = nothing agreed yet; the number is the mean of the questions' medians of the participants' points."),
    "colours": Msg(
        "Farverne viser enhedens udvikling siden dens egen forrige runde – ikke en placering blandt enhederne: "
        "grøn ▲ = temascoren er steget mindst {pts} point (10 % af skalaen {lo}-{hi}), rød ▼ = faldet mindst "
        "{pts} point, gul med lighedstegn = omtrent uændret. Ingen farve = ingen forrige runde at sammenligne med, eller "
        "intet aftalt endnu (*).",
        "The colours show the unit's development since its own previous round – not a ranking of the units: "
        "green ▲ = the theme score rose by at least {pts} points (10 % of the {lo}-{hi} scale), red ▼ = fell by at "
        "least {pts} points, yellow with an equals sign = about the same. No colour = no previous round to compare with, or nothing "
        "agreed yet (*)."),
    "no_previous": Msg("Ingen af enhederne her har en forrige runde at sammenligne med endnu, så ingen tal er farvet.",
                       "None of these units has a previous round to compare with yet, so no number is coloured."),
    "group": Msg("Katalog: {name} ({id} {version}), skala {scale} – {n} enheder",
                 "Catalogue: {name} ({id} {version}), scale {scale} – {n} units"),
    "unit": Msg("Enhed", "Unit"), "round": Msg("Runde", "Round"), "created": Msg("Oprettet", "Created"),
    "deadline": Msg("Svarfrist", "Deadline"), "participants": Msg("Deltagere", "Participants"),
    "returned": Msg("Afleveret", "Returned"), "rate": Msg("Svarprocent", "Response rate"),
    "open": Msg("Åbne handlinger", "Open actions"), "overdue": Msg("Overskredne handlinger", "Overdue actions"),
    "legend_below": Msg("(hele teksten står under tabellen)", "(the full text is below the table)"),
    "basis": Msg("Grundlag", "Basis"), "file": Msg("Fil", "File"),
    "overdue_col": Msg("Overskredet", "Overdue"), "yes": Msg("Ja", "Yes"),
    "catalogue": Msg("Katalog", "Catalogue"), "theme": Msg("Tema", "Theme"), "qid": Msg("Nr", "No"),
    "question": Msg("Spørgsmål", "Question"), "agreed": KONSENSUS_LABELS["agreed_points"],
    "suggested": Msg("Forslag (median)", "Suggested (median)"),
    "code": Msg("Kode", "Code"), "message": Msg("Besked", "Message"),
    "no_units": Msg("Ingen enheder kunne læses.", "No unit could be read."),
}
SHEETS = {
    "overview": Msg("Overblik", "Overview"), "plans": Msg("Handleplaner", "Action plans"),
    "scores": Msg("Point", "Scores"), "problems": Msg("Problemer", "Problems"),
}


# ---------------------------------------------------------------- reading one master
def _returned_from_status(rows: Sequence[Sequence[Any]], pids: set[str]) -> int | None:
    """Number of participants marked as returned in the Status sheet's participants table."""
    for i, row in enumerate(rows):
        if len(row) >= 3 and clean_text(row[0]).lower() == "id" and clean_text(row[2]).lower() in ("afleveret", "returned"):
            count = 0
            for r in rows[i + 1:]:
                if not r or not clean_text(r[0]):
                    break
                if clean_text(r[0]) in pids and is_yes(r[2]):
                    count += 1
            return count
    return None


def _plan_rows(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Action-plan rows by column key from the Handleplan sheet (header row found by its headers)."""
    table = plan_from_rows(rows)
    return table.rows if table is not None else []


def konsensus_scores(rows: Sequence[Sequence[Any]], setup: RoundSetup,
                     stored: Callable[[], Any] | None = None) -> tuple[list[ThemeScore], list[dict[str, Any]]]:
    """Theme scores and question points of the Konsensus sheet's rows, each theme score with
    the unit's own previous round's as the sheet shows it (*Forrige runde*). ``stored``: the
    scores ``init --previous`` stored in the master (:class:`~xl_kik.core.actionplan.PreviousScores`),
    asked for only when the sheet shows none (a round not merged since)."""
    mapped = column_map(rows) if rows else (-1, {})  # the sheet's one column map, for every part read
    inputs = read_inputs(rows, keys=("agreed_points",), mapped=mapped) if rows else {}
    theme_inputs = read_theme_inputs(rows, mapped=mapped) if rows else {}
    prev_questions, prev_themes = read_previous(rows, mapped=mapped) if rows else ({}, {})
    if not prev_questions and not prev_themes and stored is not None:
        found = stored()
        prev_questions, prev_themes = dict(found), dict(found.themes)
    suggested: dict[str, Any] = {}  # the merge's median per question, from the key row's 'suggested' column
    key_row, cols = mapped
    col = cols.get("suggested") if key_row >= 0 else None
    if col is not None:
        for r in rows[key_row + 1:]:
            if col < len(r) and r[col] is not None and r[col] != "" and number(r[col]) is not None:
                suggested.setdefault(row_key(r[0]), r[col])
    agreed = {q: v.get("agreed_points") for q, v in inputs.items()}
    previous = previous_theme_scores(setup, prev_themes, prev_questions)
    return theme_scores(setup, agreed, theme_inputs, suggested, previous)


#: The master sheets read_unit reads (by key): parse_master's four, then the scores, the returns
#: and the actions; the hidden Forrige (``previous``) only for a round whose Konsensus shows no
#: previous scores although it has a previous round.
READ_SHEETS = ("meta", "setup", "participants", "questions", "consensus", "status", "plan", "previous")


def read_unit(path: str | Path, today: dt.date | None = None) -> UnitResult:
    """Read one master (calamine + the zip's workbook part for sheet codeNames): the sheets
    :data:`READ_SHEETS` and no others (docs/DESIGN.md, "Rollup"; the benchmark's floor reads them)."""
    path = Path(path)
    zf = master.open_zip(path)  # in memory: no file kept open
    names = master.sheet_names_for(zf, READ_SHEETS[:-1])  # Forrige's name: looked up when it is read
    wb = CalamineWorkbook.from_path(str(path))
    available = set(wb.sheet_names)

    def rows_of(key: str) -> list[list[Any]]:
        name = names.get(key)
        if name is None or name not in available:
            return []
        return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)

    rows = {k: rows_of(k) for k in ("setup", "participants", "questions", "meta")}
    md = master.parse_master(rows, names, path)
    setup = md.setup

    def stored() -> Any:  # the hidden Forrige sheet, read only for a round with a previous one
        if not setup.previous_round:
            return PreviousScores()
        names.update(master.sheet_names_for(zf, READ_SHEETS[-1:]))
        return previous_from_rows(rows_of("previous")[2:])

    themes, questions = konsensus_scores(rows_of("consensus"), setup, stored)
    pids = {p.pid for p in md.participants}
    returned = _returned_from_status(rows_of("status"), pids)
    actions = _plan_rows(rows_of("plan"))
    day = today or dt.date.today()
    for row in actions:  # the follow-up's rule (a blank row is neither)
        row["_open"], row["_overdue"] = action_flags(row, day) or (False, False)
    full = md.full_catalogue
    name = full.name
    if full.id in BUILTIN_CATALOGUES and set(name.values()) <= {path.stem, MASTER_NAME.split(".")[0], ""}:
        name = builtin(full.id).name  # the master's Spørgsmål sheet does not carry the catalogue's name
    return UnitResult(
        file=path, unit=setup.unit, round_id=setup.round_id, catalogue_id=full.id, catalogue_version=full.version,
        catalogue_name=pick(name, setup.lang), scale=setup.scale.id, scale_min=setup.scale.min,
        scale_max=setup.scale.max, created=setup.created, deadline=setup.deadline,
        participants=len(md.participants), returned=returned, themes=themes, questions=questions, actions=actions,
        open_actions=sum(1 for a in actions if a["_open"]), overdue_actions=sum(1 for a in actions if a["_overdue"]),
        all_themes=[(t.id, t.label(setup.lang), t.side) for t in full.themes])


# ---------------------------------------------------------------- writing the overview
def write_overview(result: RollupResult, out: Path, lang: str = "da", today: dt.date | None = None) -> Path:
    """Write the overview workbook (XlsxWriter) atomically."""
    return atomic.write_with(out, lambda tmp: _write(result, tmp, lang, today or dt.date.today()), lang=lang)


def _formats(wb: Any) -> dict[str, Any]:
    return {
        "title": wb.add_format({"bold": True, "font_size": 16}),
        "caution": wb.add_format({"text_wrap": True, "valign": "top", "bg_color": "#FFF2CC", "border": 1,
                                  "font_size": 11, "bold": True}),
        "note": wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
        "group": wb.add_format({"bold": True, "font_size": 12, "bottom": 1}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "bottom"}),
        "text": wb.add_format({"border": 1, "valign": "top"}),
        "wrap": wb.add_format({"border": 1, "text_wrap": True, "valign": "top"}),
        "wrap_plain": wb.add_format({"text_wrap": True, "valign": "top"}),
        "int": wb.add_format({"border": 1, "num_format": "0", "align": "center"}),
        "pct": wb.add_format({"border": 1, "num_format": "0%", "align": "center"}),
        "date": wb.add_format({"border": 1, "num_format": "dd-mm-yyyy", "align": "center"}),
        "score": wb.add_format({"border": 1, "num_format": "0.0", "align": "center"}),
        # change against the unit's own previous round (core.rollup.trend); arrows for black-and-white print
        "score_" + UP: wb.add_format({"border": 1, "num_format": '0.0" ▲"', "align": "center",
                                      "bg_color": "#C6EFCE", "font_color": "#006100"}),
        "score_" + DOWN: wb.add_format({"border": 1, "num_format": '0.0" ▼"', "align": "center",
                                        "bg_color": "#FFC7CE", "font_color": "#9C0006"}),
        "score_" + SAME: wb.add_format({"border": 1, "num_format": '0.0" ="', "align": "center",
                                        "bg_color": "#FFEB9C", "font_color": "#9C5700"}),
        "score_median": wb.add_format({"border": 1, "num_format": '0.0" *"', "align": "center", "italic": True,
                                       "font_color": "#404040"}),
        "empty": wb.add_format({"border": 1, "bg_color": "#F2F2F2"}),
        "bad": wb.add_format({"border": 1, "font_color": "#9C0006", "bg_color": "#FFC7CE", "num_format": "0",
                              "align": "center"}),
    }


OVERVIEW_ZIP_LEVEL = 1


def _write(result: RollupResult, path: Path, lang: str, today: dt.date) -> None:
    # the parts are zipped from memory (no temporary files) at deflate level 1: 2.6 MB of XML for 150
    # units in 10 ms instead of 34 ms at zlib's default, the file 370 KB instead of 270 KB
    wb = cells.xlsx_workbook(path, in_memory=True, zip_level=OVERVIEW_ZIP_LEVEL)
    wb.set_properties({"title": T["title"](lang), "comments": T["caution"](lang)})
    f = _formats(wb)
    write_overview_sheet(wb.add_worksheet(SHEETS["overview"](lang)), result, f, lang, today)
    write_plans_sheet(wb.add_worksheet(SHEETS["plans"](lang)), result, f, lang)
    write_scores_sheet(wb.add_worksheet(SHEETS["scores"](lang)), result, f, lang)
    if result.problems:
        write_problems_sheet(wb.add_worksheet(SHEETS["problems"](lang)), result, f, lang)
    wb.close()


OVERVIEW_FIXED = ("unit", "round", "created", "deadline", "participants", "returned", "rate", "open", "overdue",
                  "basis")
OVERVIEW_WIDTHS = (30, 19, 11, 11, 10, 10, 10, 10, 11, 26)
TEXT_LAST_COL = 4  # the overview's texts span A:E (about 80 units: on the first page at any scale)


def write_overview_sheet(ws: Any, result: RollupResult, f: dict[str, Any], lang: str, today: dt.date) -> None:
    """*Overblik*: the caution, then one heat-map block per catalogue and scale."""
    ws.hide_gridlines(2)
    fixed = OVERVIEW_FIXED
    groups = result.groups
    max_themes = max((len(group_themes(us)) for us in groups.values()), default=0)
    last_col = max(len(fixed) + max_themes - 1, 10)
    # headers wrap between words only: each column at least as wide as its header's longest word
    widths = [max(w, word_width(T[key](lang))) for w, key in zip(OVERVIEW_WIDTHS, fixed)]
    theme_heads: dict[int, list[str]] = {}
    for us in groups.values():
        for j, (_, label, _) in enumerate(group_themes(us)):
            theme_heads.setdefault(j, []).append(label)
    widths += [max([13.0] + [word_width(h) for h in theme_heads.get(j, [])]) for j in range(max(max_themes, 1))]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    # the texts across the first columns only: they print whole on the first page when the
    # table runs several pages across (core.printing)
    text_last = min(last_col, TEXT_LAST_COL)
    text_width = sum(widths[:text_last + 1]) - 2
    ws.write_string(0, 0, T["title"](lang), f["title"])
    ws.merge_range(1, 0, 1, text_last, T["caution"](lang), f["caution"])
    ws.set_row(1, row_height(line_count(T["caution"](lang), text_width * 0.9)))  # bold: a little wider
    bad = T["bad"](lang, n=len(result.failed), sheet=SHEETS["problems"](lang)) if result.failed else ""
    made = T["made"](lang, date=today.strftime("%d-%m-%Y"), n=len(result.units) + len(result.failed), bad=bad)
    ws.merge_range(2, 0, 2, text_last, made, f["note"])
    ws.set_row(2, row_height(line_count(made, text_width)))
    r = 4
    if not result.units:
        ws.write_string(r, 0, T["no_units"](lang), f["note"])
    for (cat_id, scale_id), units in groups.items():
        r = _write_group(ws, r, cat_id, scale_id, units, f, lang, text_last, text_width) + 2
    ws.freeze_panes(4, 1)
    # one catalogue (the usual case): its header row on every page; several: each has its own
    _print_setup(ws, (5, 5) if len(groups) == 1 else None, last_col)


def _write_group(ws: Any, r: int, cat_id: str, scale_id: str, units: Sequence[UnitResult], f: dict[str, Any],
                 lang: str, last_col: int, text_width: float = 80) -> int:
    """One catalogue's block from row ``r`` (its texts merged up to ``last_col``, ``text_width``
    units wide); returns its last row."""
    fixed = OVERVIEW_FIXED
    themes = group_themes(units)
    first = units[0]
    ws.merge_range(r, 0, r, last_col, T["group"](lang, name=first.catalogue_name, id=cat_id,
                                                 version=first.catalogue_version, scale=scale_id, n=len(units)),
                   f["group"])
    r += 1
    headers = [T[k](lang) for k in fixed] + [label for _, label, _ in themes]
    for c, h in enumerate(headers):
        ws.write_string(r, c, h, f["head"])
    ws.set_row(r, 45)
    head_row = r
    # the units' rows in one block (XlsxSheet.write_rows): a cell whose format depends on its value styled
    formats = [f["text"], f["text"], None, None, f["int"], None, None, f["int"], None, f["wrap"]]
    rows = []
    for u in units:
        scores = {t.theme: t for t in u.themes}
        bases = set()
        theme_cells: list[Any] = []
        for tid, _, _ in themes:
            t = scores.get(tid)
            if t is None or t.score is None:
                theme_cells.append(cells.styled(None, f["empty"]))
                continue
            look = "score_median" if t.basis == MEDIAN else f"score_{t.trend}" if t.trend else "score"
            theme_cells.append(cells.styled(round(t.score, 1), f[look]))
            bases.add(t.basis)
        basis = "; ".join(BASIS_TEXT[b](lang) for b in (THEME_AGREED, AGREED, MEDIAN) if b in bases)
        rows.append([u.unit, u.round_id, _date_cell(u.created, f), _date_cell(u.deadline, f), u.participants,
                     cells.styled(u.returned, f["int"]), cells.styled(u.response_rate, f["pct"]), u.open_actions,
                     cells.styled(u.overdue_actions, f["bad"] if u.overdue_actions else f["int"]), basis]
                    + theme_cells)
    ws.write_rows(r + 1, 0, rows, formats)
    r += len(rows)
    if themes:
        legend = legend_text(first.scale_min, first.scale_max, lang,
                             compared=any(t.trend for u in units for t in u.themes))
        ws.data_validation(head_row + 1, len(fixed), r, len(fixed) + len(themes) - 1,
                           {"validate": "any", "input_title": T["basis"](lang),
                            "input_message": cells.shorten(legend, cells.MAX_VALIDATION_PROMPT,
                                                           T["legend_below"](lang))})
        r += 1
        ws.merge_range(r, 0, r, last_col, legend, f["note"])
        ws.set_row(r, row_height(line_count(legend, text_width)))
    return r


def legend_text(scale_min: float, scale_max: float, lang: str = "da", compared: bool = True) -> str:
    """What a block's theme scores and colours mean (below the block and in the cells' prompt)."""
    pts = change_points(scale_min, scale_max)
    lo, hi, pts_text = (_number_text(v, lang) for v in (scale_min, scale_max, pts))
    parts = [T["legend"](lang), T["colours"](lang, pts=pts_text, lo=lo, hi=hi)]
    if not compared:
        parts.append(T["no_previous"](lang))
    return " ".join(parts)


def _number_text(value: float, lang: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "da" else text


def write_plans_sheet(ws: Any, result: RollupResult, f: dict[str, Any], lang: str) -> None:
    """*Handleplaner*: every unit's action plan in one table."""
    plan_cols = [("_unit", T["unit"](lang), 28), ("_round", T["round"](lang), 19)]
    plan_cols += [(c.key, c.header(lang), c.width) for c in PLAN_COLUMNS]
    plan_cols += [("_overdue", T["overdue_col"](lang), 11)]
    date_keys = {c.key for c in PLAN_COLUMNS if c.is_date}
    rows = [(u, a) for u in result.units for a in u.actions]
    themes = {clean_text(a.get("theme")) for _u, a in rows}
    for c, (key, h, w) in enumerate(plan_cols):
        # the theme's name wraps between its words only ('Medarbejderresultater' in a 10-wide column broke)
        words = [word_width(t, bold=False) for t in themes] if key == "theme" else []
        ws.set_column(c, c, max([w, word_width(h)] + words))
    # a format per column; a date column's cell that holds no date is text (f["text"])
    formats = [f["date"] if key in date_keys else f["text"] if key in ("_round", "_overdue") else f["wrap"]
               for key, _, _ in plan_cols]
    yes, text_fmt = T["yes"](lang), f["text"]
    keys = [key for key, _, _ in plan_cols[2:-1]]

    kinds = [(key, key in date_keys) for key in keys]

    def cells_of(u: UnitResult, a: dict[str, Any]) -> list[Any]:
        out: list[Any] = [u.unit, u.round_id]
        get = a.get
        for key, is_date in kinds:
            value = get(key)
            if is_date:
                d = to_date(value)
                out.append(d if d is not None else cells.styled(clean_text(value), text_fmt))
            elif value is None:
                out.append("")
            elif value.__class__ is str and value.isprintable():
                out.append(value.strip())  # clean_text's result (no control character), without its call
            else:
                out.append(clean_text(value))
        out.append(yes if a.get("_overdue") else "")
        return out

    ws.write_rows(1, 0, (cells_of(u, a) for u, a in rows), formats)
    ws.add_table(0, 0, max(len(rows), 1), len(plan_cols) - 1, {
        "name": "Handleplaner", "style": "Table Style Light 9",
        "columns": [{"header": h} for _, h, _ in plan_cols]})
    ws.freeze_panes(1, 1)
    _print_setup(ws, (0, 0), len(plan_cols) - 1)


def write_scores_sheet(ws: Any, result: RollupResult, f: dict[str, Any], lang: str) -> None:
    """*Point*: one row per unit and question, a table for pivots."""
    score_cols = [(T["unit"](lang), 28), (T["round"](lang), 19), (T["catalogue"](lang), 10),
                  (T["theme"](lang), 24), (T["qid"](lang), 6), (T["question"](lang), 60),
                  (T["agreed"](lang), 10), (T["suggested"](lang), 10)]
    heights: dict[str, float] = {}  # question text -> its row's height (the same questions in many units)

    def height(text: str) -> float:
        found = heights.get(text)
        if found is None:
            found = heights[text] = row_height(line_count(text, 59))
        return found

    rows = [(u, q) for u in result.units for q in u.questions]
    for i, (_u, q) in enumerate(rows, start=1):
        ws.set_row(i, height(q["text"]))  # whole on paper, not cut at the column's edge
    ws.write_rows(1, 0, ([u.unit, u.round_id, u.catalogue_id, q["theme"], q["qid"], q["text"], q["agreed"],
                          q["suggested"]] for u, q in rows),
                  [None, None, None, None, None, f["wrap_plain"]])
    i = len(rows)
    for c, (h, w) in enumerate(score_cols):
        ws.set_column(c, c, max(w, word_width(h)))
    ws.add_table(0, 0, max(i, 1), len(score_cols) - 1, {
        "name": "Point", "style": "Table Style Light 9", "columns": [{"header": h} for h, _ in score_cols]})
    ws.freeze_panes(1, 1)
    _print_setup(ws, (0, 0), len(score_cols) - 1)


def write_problems_sheet(ws: Any, result: RollupResult, f: dict[str, Any], lang: str) -> None:
    """*Problemer*: the masters that could not be read, and other remarks."""
    ws.set_column(0, 0, 60)
    ws.set_column(1, 1, max(8, word_width(T["code"](lang))))
    ws.set_column(2, 2, 70)
    for c, h in enumerate((T["file"](lang), T["code"](lang), T["message"](lang))):
        ws.write_string(0, c, h, f["head"])
    for i, p in enumerate(result.problems, start=1):
        ws.write_string(i, 0, p.file, f["wrap"])
        ws.write_string(i, 1, p.code, f["text"])
        ws.write_string(i, 2, p.message(lang), f["wrap"])
    _print_setup(ws, (0, 0), 2)


def _print_setup(ws: Any, title_rows: tuple[int, int] | None, last_col: int) -> None:
    """The one print rule (``core.printing``): A4, readable, the unit's column repeated across
    pages, the title rows on every page; the footer names the sheet and the page."""
    ws.print_layout(11, title_rows=title_rows, title_cols=(0, 0), last_col=last_col)
    ws.set_footer("&L&A&R&P / &N")


def _date_cell(value: dt.date | None, f: dict[str, Any]) -> Any:
    """A date cell for ``write_rows``: the date in its format, or a blank text cell."""
    if value is None:
        return cells.styled(None, f["text"])
    return cells.styled(dt.datetime.combine(value, dt.time()), f["date"])


__all__ = ["SHEETS", "konsensus_scores", "legend_text", "read_unit", "write_overview", "write_overview_sheet", "write_plans_sheet",
           "write_problems_sheet", "write_scores_sheet"]
