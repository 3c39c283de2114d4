"""The master's *Konsensus* sheet: the consensus seminar's worksheet (see docs/DESIGN.md,
"Konsensus sheet contract").

Merge owns the statistics columns; people own the input columns. Every merge re-renders
the sheet but first reads back everything people typed, **keyed by the question id in the
hidden column A, never by row**, and writes it into the question's new row:

* input columns (agreed points, strengths, improvement areas, to-plan, effect,
  feasibility, decision) and the optional separately agreed theme score;
* anything typed in columns to the right of the table (kept per question / row key);
* anything typed in rows xl_kik did not write (kept in a "Noter" section at the end);
* inputs of questions that are no longer in the round's catalogue: kept in a
  "removed" section (key ``removed:<qid>``); if the question comes back, so do its inputs.

Column A keys: a question id on question rows; ``qid`` on the (hidden) key row whose
cells name each column's key; ``#...`` on rows xl_kik generates (title, header, theme
headings, sections); ``theme:<id>`` on theme-score rows; ``removed:<qid>`` on rows of
removed questions. :func:`read_inputs` returns only real question rows (ids).

Formulas: quick win per question (``=IF(AND(effect="Høj",feasibility="Let"),"Ja","")``),
theme score (``AVERAGE`` of the theme's agreed-points cells) and "n af N" (``COUNT``).
openpyxl cannot store cached results, so merge sets ``fullCalcOnLoad`` (Excel and LibreOffice
compute them on opening); readers must not rely on cached formula results
(:func:`read_inputs` computes quick win itself, the rollup the theme scores).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from openpyxl.chart import BarChart, Reference, Series
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, FormulaRule
from openpyxl.styles import Font, PatternFill

from xl_kik.core.cellref import column_letter, column_number
from xl_kik.core.i18n import Msg, pick
from xl_kik.excel.cells import NEW_LINE_HELP, openpyxl_validation
from xl_kik.core.printing import axis_major_unit
from xl_kik.excel.layout import fit_rows, widen_for_words
from xl_kik.excel.master import PLACEHOLDERS, load_round
from xl_kik.excel.masterfile import MasterFile, find_sheet
from xl_kik.core.catalogue import ID_RE
from xl_kik.excel.sheets.status import Formula, Look, print_setup, put, put_row, reset_sheet, set_widths
from xl_kik.core.contract import (  # the file contract; names kept importable from here
    KONSENSUS_CHOICE_IDS, KONSENSUS_CHOICES, KONSENSUS_FIRST_ROW, KONSENSUS_HEADER_ROW, KONSENSUS_HEADERS,
    KONSENSUS_INPUT_KEYS, KONSENSUS_KEY_ROW, KONSENSUS_KEYS, KONSENSUS_LABELS, KONSENSUS_REMOVED_KEY,
    KONSENSUS_THEME_INPUT_KEYS, KONSENSUS_THEME_KEY,
)
from xl_kik.core.konsensus import (  # noqa: F401 (read_inputs, choice_id ... also importable from here)
    choice_id,
    clean_input,
    column_map,
    read_inputs,
    read_theme_inputs,
    row_key,
    rows_of,
)
from xl_kik.core.anonymity import WITHHELD, guard, min_group, withheld_note
from xl_kik.core.movement import far_points
from xl_kik.core.stats import DEFAULT_RULE, RoundStats, point_value, spread_header, theme_stats
from xl_kik.core.values import YES_NO_TEXT, is_blank, is_quick_win  # noqa: F401 (is_quick_win also importable from here)

# ---------------------------------------------------------------- the contract
KEYS = KONSENSUS_KEYS
INPUT_KEYS = KONSENSUS_INPUT_KEYS
COL = {k: i + 1 for i, k in enumerate(KEYS)}
LAST_COL = len(KEYS)
L = {k: column_letter(c) for k, c in COL.items()}
KEY_ROW = KONSENSUS_KEY_ROW
HELP_ROW = 2  # the help text under the title (wraps within the first printed page)
HEADER_ROW = KONSENSUS_HEADER_ROW
FIRST_ROW = KONSENSUS_FIRST_ROW
THEME_KEY = KONSENSUS_THEME_KEY
REMOVED_KEY = KONSENSUS_REMOVED_KEY
THEME_INPUT_KEYS = KONSENSUS_THEME_INPUT_KEYS
#: Column widths (1-based column -> width): narrow enough that the sheet printed on one A4
#: landscape page wide stays readable; headers and texts wrap (rows get estimated heights).
WIDTHS = {1: 8, 2: 5, 3: 16, 4: 32, 5: 9, 6: 10, 7: 9, 8: 9, 9: 10, 10: 11, 11: 13, 12: 9,
          13: 8, 14: 10, 15: 26, 16: 28, 17: 11, 18: 12, 19: 16, 20: 9, 21: 15}
TALL_ROWS = {"#help": 45, "#header": 45, "#themes-header": 45}  # row key -> least height

HEADERS = KONSENSUS_HEADERS
CHOICES = KONSENSUS_CHOICES
CHOICE_IDS = KONSENSUS_CHOICE_IDS
QUICK_WIN = {lang: yes for lang, (yes, _no) in YES_NO_TEXT.items()}  # what the quick-win formula shows

T = {
    "title": Msg("Konsensus – {unit}", "Consensus – {unit}"),
    "help": Msg("Udfyld de gule felter på konsensusseminaret. Forslag = medianen af deltagernes point; start med "
                "spørgsmålene markeret med uenighed. Det, I skriver her, bevares, når der flettes igen. "
                "Skriv ét forbedringsområde pr. linje. {new_line}",
                "Fill in the yellow cells at the consensus seminar. Suggested = the median of the participants' "
                "points; start with the questions flagged for disagreement. What you type here is kept when you "
                "merge again. Write one improvement area per line. {new_line}"),
    "side": {"indsats": Msg("indsats", "enabler"), "resultat": Msg("resultat", "result")},
    "themes_title": Msg("Temascorer", "Theme scores"),
    "th_theme": Msg("Tema (side)", "Theme (side)"), "th_formula": Msg("Formel", "Formula"),
    "th_n": Msg("Aftalt (n af N)", "Agreed (n of N)"), "th_score": Msg("Temascore", "Theme score"),
    "th_suggested": Msg("Forslag (gns. af medianer)", "Suggested (mean of medians)"),
    "th_enabler": Msg("Diagram: indsatser", "Chart: enablers"), "th_result": Msg("Diagram: resultater", "Chart: results"),
    "th_agreed": Msg("Aftalt temascore (valgfri)", "Agreed theme score (optional)"),
    "of": Msg(" af ", " of "),
    "chart_title": Msg("Temaprofil: indsatser og resultater", "Theme profile: enablers and results"),
    "chart_enablers": Msg("Indsatser", "Enablers"), "chart_results": Msg("Resultater", "Results"),
    "removed_title": Msg("Spørgsmål, der ikke længere er i runden (det skrevne er bevaret)",
                         "Questions no longer in the round (what was typed is kept)"),
    "notes_title": Msg("Noter (skrevet uden for tabellen; bevaret af xl_kik)",
                       "Notes (typed outside the table; kept by xl_kik)"),
    "yes": Msg("Ja", "Yes"),
    "points_error": Msg("Skriv et helt tal fra {lo} til {hi}, eller lad feltet stå tomt.",
                        "Type a whole number from {lo} to {hi}, or leave the cell empty."),
    "points_title": KONSENSUS_LABELS["agreed_points"],
    "choice_error": Msg("Vælg en værdi fra listen.", "Choose a value from the list."),
}
#: Titles of the choice validations: Excel allows 32 characters (the column headers are longer).
CHOICE_TITLES: dict[str, Msg] = {
    "to_plan": Msg("Med i handleplan", "In action plan"), "effect": Msg("Effekt", "Effect"),
    "feasibility": Msg("Gennemførlighed", "Feasibility"), "decision": Msg("Ledelsens beslutning", "Management decision"),
}


# ---------------------------------------------------------------- reading: xl_kik.core.konsensus


# ---------------------------------------------------------------- capture before re-rendering
@dataclass
class Captured:
    """Everything people typed on an existing Konsensus sheet (cell values *as typed*)."""

    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # row key -> input key -> value
    extras: dict[str, dict[int, Any]] = field(default_factory=dict)  # row key -> column -> value (right of table)
    notes: list[dict[int, Any]] = field(default_factory=list)  # rows without a key
    extra_widths: dict[int, float] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)  # qid -> previous round's points (sticky)

    def has_input(self, key: str) -> bool:
        return any(not is_blank(v) for v in self.inputs.get(key, {}).values())


def _cell_value(cell: Any) -> Any:
    """A cell's value; a formula somebody typed stays a formula."""
    if cell.data_type == "f" and isinstance(cell.value, str):
        return Formula(cell.value)
    return cell.value


def capture(ws: Any) -> Captured:
    """Read back what people typed (before the sheet is re-rendered)."""
    cap = Captured()
    rows: dict[int, dict[int, Any]] = {}
    for (r, c), cell in ws._cells.items():
        v = _cell_value(cell)
        if not is_blank(v):
            rows.setdefault(r, {})[c] = v
    if not rows:
        return cap
    key_r = next((r for r in sorted(rows) if row_key(rows[r].get(1)) == "qid"), None)
    if key_r is None:  # not a sheet xl_kik rendered (e.g. the placeholder): keep any text as notes
        for r in sorted(rows):
            if not (r == 1 and len(rows[r]) == 1 and 1 in rows[r] and _is_placeholder(rows[r][1])):
                cap.notes.append(rows[r])
        return cap
    cols = {row_key(v): c for c, v in rows[key_r].items() if row_key(v)}
    last = max(cols.values())
    shift = LAST_COL - last  # a sheet from an older layout: what was right of its table stays right of ours
    for r in sorted(rows):
        if r <= key_r:
            continue
        cells = rows[r]
        key = row_key(cells.get(1))
        if not key:
            cap.notes.append(cells)
            continue
        if key == "#note":
            cap.notes.append({c: v for c, v in cells.items() if c != 1})
            continue
        if key.startswith("#"):
            extras = {c + shift: v for c, v in cells.items() if c > last}
            if extras:
                cap.extras[key] = extras
            continue
        if "previous" in cols and ID_RE.match(key) and not is_blank(cells.get(cols["previous"])):
            cap.previous[key] = cells.get(cols["previous"])
        col_inputs = INPUT_KEYS if not key.startswith(THEME_KEY) else ()
        inputs = {k: cells.get(cols[k]) for k in col_inputs if k in cols}
        if key.startswith(THEME_KEY) and "agreed_points" in cols:
            inputs = {"theme_agreed": cells.get(cols["agreed_points"])}
        if any(not is_blank(v) for v in inputs.values()):
            target = key[len(REMOVED_KEY):] if key.startswith(REMOVED_KEY) else key
            if target not in cap.inputs or not cap.has_input(target):
                cap.inputs[target] = inputs
        extras = {c + shift: v for c, v in cells.items() if c > last}
        if extras:
            target = key[len(REMOVED_KEY):] if key.startswith(REMOVED_KEY) else key
            cap.extras.setdefault(target, {}).update(extras)
    for letter, dim in ws.column_dimensions.items():
        try:
            idx = column_number(letter)
        except ValueError:
            continue
        if idx > last and dim.width:
            cap.extra_widths[idx + shift] = dim.width
    return cap


def _is_placeholder(value: Any) -> bool:
    return any(value in (m.da, m.en) for m in PLACEHOLDERS.values())


# ---------------------------------------------------------------- rendering
@dataclass
class KonsensusInfo:
    rows: dict[str, int] = field(default_factory=dict)  # qid -> row
    removed: list[str] = field(default_factory=list)  # question ids kept in the removed section
    notes: int = 0
    theme_rows: dict[str, int] = field(default_factory=dict)
    chart: bool = False


def _side_label(side: str, lang: str) -> str:
    m = T["side"].get(side)
    return m(lang) if m else side


def _choices(key: str, lang: str) -> tuple[str, ...]:
    return CHOICES[key]["en" if lang == "en" else "da"]


def quick_win_formula(row: int, lang: str = "da") -> Formula:
    high, easy = _choices("effect", lang)[0], _choices("feasibility", lang)[0]
    return Formula(f'=IF(AND({L["effect"]}{row}="{high}",{L["feasibility"]}{row}="{easy}"),'
                   f'"{QUICK_WIN["en" if lang == "en" else "da"]}","")')


def difference_formula(row: int) -> Formula:
    """Agreed points minus the suggestion (the median), blank until whole points are agreed."""
    a, s = f"{L['agreed_points']}{row}", f"{L['suggested']}{row}"
    return Formula(f'=IF(AND(ISNUMBER({a}),ISNUMBER({s})),{a}-{s},"")')


def render_konsensus(ws: Any, setup: Any, stats: RoundStats, previous: Mapping[str, Any] | None = None,
                     lang: str = "da", captured: Captured | None = None) -> KonsensusInfo:
    """Re-render the Konsensus sheet, keeping everything people typed (see module doc).

    Top to bottom, one function per section: the head, the questions (grouped by theme), the
    theme scores, the chart, the removed questions, the notes; then validations, conditional
    formats and the layout."""
    cap = captured if captured is not None else capture(ws)
    stats, hidden = guard(stats, setup.anonymise, min_group(setup))  # small groups: no distribution
    previous = dict(cap.previous if previous is None else previous)
    reset_sheet(ws, keep_columns_from=LAST_COL + 1)
    k = _Render(ws, setup, lang, cap, KonsensusInfo(), _looks(ws), hidden)
    _write_head(k)
    questions = _write_questions(k, stats, previous)
    themes = _write_theme_scores(k, stats, questions)
    r = _write_chart(k, themes) if setup.catalogue.themes else themes.last
    below = r
    r = _write_removed(k, r, questions.input_ranges)
    last_row = _write_notes(k, r)
    _write_validations(k, questions.input_ranges, (themes.first, themes.last))
    if questions.last_row >= FIRST_ROW:
        _write_conditional_formats(k, questions.last_row, last_row, themes)
    # printed: the questions, and the removed questions and notes below the chart (they share the
    # table's columns, so the repeated header fits them); the theme block and its chart have
    # columns of their own and print in the konsensusrapport (excel/reports.py) instead of under
    # the question header
    areas = [(1, max(questions.last_row, HEADER_ROW))] + ([(below + 1, last_row)] if last_row > below else [])
    _layout(k, last_row, areas)
    return k.info


@dataclass
class _Render:
    """What every section of :func:`render_konsensus` writes with."""

    ws: Any
    setup: Any
    lang: str
    cap: Captured
    info: KonsensusInfo
    look: dict[str, Look]
    hidden: frozenset[str] = frozenset()  # questions whose distribution is withheld (core.anonymity)

    def inputs(self, r: int, values: Mapping[str, Any]) -> None:
        """The cells people fill in (kept across merges) and the quick-win formula."""
        for key in INPUT_KEYS:
            centred = key in ("agreed_points", "to_plan", "effect", "feasibility", "decision")
            put(self.ws, r, COL[key], values.get(key), self.look["inp"] if centred else self.look["inp_text"])
        put(self.ws, r, COL["quick_win"], quick_win_formula(r, self.lang), self.look["calc"])

    def extras(self, r: int, key: str) -> None:
        """What people typed in their own columns right of the table, back on its row."""
        for c, v in self.cap.extras.get(key, {}).items():
            put(self.ws, r, c, v)


@dataclass
class _Questions:
    input_ranges: list[tuple[int, int]]
    theme_ranges: dict[str, tuple[int, int]]
    last_row: int


@dataclass
class _ThemeBlock:
    first: int
    last: int


def _looks(ws: Any) -> dict[str, Look]:
    return {
        "title": Look(ws, bold=True, size=14), "note": Look(ws, italic=True, color="595959", wrap=True),
        "head": Look(ws, bold=True, fill="DDEBF7", wrap=True, border=True, valign="bottom"),
        "theme": Look(ws, bold=True, size=12, fill="D9E1F2", border=True), "body": Look(ws, wrap=True, border=True),
        "num": Look(ws, border=True, number_format="0", halign="center"),
        "measure": Look(ws, border=True, halign="center"),  # the rule's spread: 12 or 12.5
        "num1": Look(ws, border=True, number_format="0.0", halign="center"),
        "score": Look(ws, border=True, number_format="0.0", halign="center", bold=True),
        "inp": Look(ws, fill="FFF2CC", border=True, unlocked=True, halign="center"),
        "inp_text": Look(ws, fill="FFF2CC", border=True, unlocked=True, wrap=True),
        "calc": Look(ws, fill="F2F2F2", border=True, halign="center"), "key": Look(ws, color="808080", size=8),
        "section": Look(ws, bold=True, size=12),
    }


def _write_head(k: _Render) -> None:
    """Title, help (with the keys for a new line in a cell), the hidden key row, the header."""
    ws, lang, look = k.ws, k.lang, k.look
    put(ws, 1, 1, "#title")
    put(ws, 1, 2, T["title"](lang, unit=k.setup.unit), look["title"])
    put(ws, HELP_ROW, 1, "#help")
    put(ws, HELP_ROW, 2, " ".join(t for t in (T["help"](lang, new_line=NEW_LINE_HELP(lang)),
                                       withheld_note(k.hidden, min_group(k.setup), lang)) if t), look["note"])
    put_row(ws, KEY_ROW, list(KEYS), look["key"])
    ws.row_dimensions[KEY_ROW].hidden = True
    put(ws, HEADER_ROW, 1, "#header", look["head"])
    rule = getattr(k.setup, "disagreement_rule", None) or DEFAULT_RULE
    put_row(ws, HEADER_ROW, [spread_header(rule, lang) if key == "spread" else HEADERS[key](lang) for key in KEYS[1:]],
            look["head"], first_col=2)


def _write_questions(k: _Render, stats: RoundStats, previous: Mapping[str, Any]) -> _Questions:
    """One row per question, grouped under a row per theme."""
    ws, lang, look, cat = k.ws, k.lang, k.look, k.setup.catalogue
    input_ranges: list[tuple[int, int]] = []
    theme_ranges: dict[str, tuple[int, int]] = {}
    r = FIRST_ROW - 1
    for t in cat.themes:
        r += 1
        put(ws, r, 1, f"#theme:{t.id}")
        # one text (label and side) that runs over the empty cells to its right: the Nr
        # column is too narrow to hold a theme's name
        put(ws, r, 2, f"{t.label(lang)} ({_side_label(t.side, lang)})", look["theme"])
        for c in range(3, LAST_COL + 1):
            put(ws, r, c, None, look["theme"])
        k.extras(r, f"#theme:{t.id}")
        first = r + 1
        for q in cat.questions_of(t.id):
            r += 1
            s = stats.questions[q.id]
            k.info.rows[q.id] = r
            put(ws, r, 1, q.id)
            put_row(ws, r, [q.id, t.label(lang), pick(q.text, lang)], look["body"], first_col=2)
            put(ws, r, COL["n"], s.n_of_N(lang), look["num"])
            for key, v in (("suggested", s.suggested), ("min", s.min), ("max", s.max)):
                put(ws, r, COL[key], v, look["num"])
            # what the flag is decided on (the rule's measure), so column and flag agree
            put(ws, r, COL["spread"], None if s.measure is None else round(float(s.measure), 2), look["measure"])
            put(ws, r, COL["flag"], T["yes"](lang) if s.disagreement else "", look["num"])
            put(ws, r, COL["distribution"], WITHHELD(lang, k=min_group(k.setup)) if q.id in k.hidden
                else s.distribution_text(), look["body"])
            put(ws, r, COL["previous"], point_value(previous.get(q.id)) if previous.get(q.id) is not None else None,
                look["num"])
            k.inputs(r, k.cap.inputs.get(q.id, {}))
            put(ws, r, COL["difference"], difference_formula(r), look["calc"])
            k.extras(r, q.id)
        theme_ranges[t.id] = (first, r)
        input_ranges.append((first, r))
    return _Questions(input_ranges, theme_ranges, r)


def _write_theme_scores(k: _Render, stats: RoundStats, questions: _Questions) -> _ThemeBlock:
    """The theme-score block below the questions (formulas live, numbers computed at merge)."""
    ws, lang, look, cat, cap = k.ws, k.lang, k.look, k.setup.catalogue, k.cap
    agreed_now = {qid: clean_input("agreed_points", v.get("agreed_points")) for qid, v in cap.inputs.items()}
    computed = theme_stats(cat, stats.questions, agreed_now, lang)
    by_median = theme_stats(cat, stats.questions, None, lang)
    r = questions.last_row + 2
    put(ws, r, 1, "#themes")
    put(ws, r, 2, T["themes_title"](lang), look["section"])
    r += 1
    put(ws, r, 1, "#themes-header", look["head"])
    # the theme (with its side) across B:C: the Nr column alone is too narrow for a theme's name
    block_cols = {"th_theme": 2, "th_formula": 4, "th_n": 5, "th_score": 6,
                  "th_suggested": 7, "th_enabler": 9, "th_result": 10, "th_agreed": COL["agreed_points"]}
    for key, c in block_cols.items():
        put(ws, r, c, T[key](lang), look["head"])
    put(ws, r, 3, None, look["head"])
    ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
    block_first = r + 1
    for t in cat.themes:
        r += 1
        first, last = questions.theme_ranges[t.id]
        rng = f"{L['agreed_points']}{first}:{L['agreed_points']}{last}"
        k.info.theme_rows[t.id] = r
        put(ws, r, 1, f"{THEME_KEY}{t.id}")
        put(ws, r, 2, f"{t.label(lang)} ({_side_label(t.side, lang)})", look["body"])
        put(ws, r, 3, None, look["body"])
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        put(ws, r, 4, computed[t.id].formula, look["body"])
        put(ws, r, 5, Formula(f'=COUNT({rng})&"{T["of"](lang)}{last - first + 1}"'), look["calc"])
        put(ws, r, 6, Formula(f'=IF(COUNT({rng})=0,"",AVERAGE({rng}))'), look["score"])
        put(ws, r, 7, round(by_median[t.id].score, 1) if by_median[t.id].score is not None else None, look["num1"])
        agreed_cell = f"{L['agreed_points']}{r}"
        chart_value = Formula(f'=IF({agreed_cell}<>"",{agreed_cell},IF(COUNT({rng})=0,NA(),F{r}))')
        put(ws, r, 9 if t.side == "indsats" else 10, chart_value, look["calc"])
        put(ws, r, 9 if t.side != "indsats" else 10, None, look["calc"])
        put(ws, r, COL["agreed_points"], cap.inputs.get(f"{THEME_KEY}{t.id}", {}).get("theme_agreed"), look["inp"])
        k.extras(r, f"{THEME_KEY}{t.id}")
    return _ThemeBlock(block_first, r)


#: The theme profile on paper: as wide as the theme block (B:J), tall enough for the theme names
#: under the columns; one row of the sheet is about 0.53 cm (15 pt).
CHART_WIDTH_CM, CHART_HEIGHT_CM = 24.0, 12.0
CHART_ROWS = 24


def _write_chart(k: _Render, themes: _ThemeBlock) -> int:
    """The theme profile (enablers vs results) below the theme scores; returns the row after it.
    The series are named literally (the legend says *Indsatser*/*Resultater*, not the helper
    columns' headers); the value axis runs over the scale in round steps, whole numbers."""
    ws, lang, setup = k.ws, k.lang, k.setup
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.overlap = 100
    chart.title = T["chart_title"](lang)
    chart.y_axis.scaling.min = setup.scale.min
    chart.y_axis.scaling.max = setup.scale.max
    chart.y_axis.majorUnit = axis_major_unit(setup.scale.min, setup.scale.max)
    chart.y_axis.number_format = "0"
    chart.y_axis.numFmt.sourceLinked = False
    chart.y_axis.title = T["th_score"](lang)
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend.position = "b"
    cats = Reference(ws, min_col=2, min_row=themes.first, max_row=themes.last)
    for col, name in ((9, T["chart_enablers"](lang)), (10, T["chart_results"](lang))):
        series = Series(Reference(ws, min_col=col, min_row=themes.first, max_row=themes.last))
        series.tx = SeriesLabel(v=name)
        chart.series.append(series)
    chart.set_categories(cats)
    chart.height = CHART_HEIGHT_CM
    chart.width = CHART_WIDTH_CM
    ws.add_chart(chart, f"B{themes.last + 2}")
    k.info.chart = True
    return themes.last + 2 + CHART_ROWS


def _write_removed(k: _Render, r: int, input_ranges: list[tuple[int, int]]) -> int:
    """Questions no longer in the round whose inputs people filled in: kept, never deleted."""
    ws, cap = k.ws, k.cap
    current = set(k.setup.catalogue.question_ids)
    removed = [key for key in cap.inputs if not key.startswith(THEME_KEY) and ID_RE.match(key)
               and key not in current and cap.has_input(key)]
    removed += [key for key in cap.extras if not key.startswith(("#", THEME_KEY)) and ID_RE.match(key)
                and key not in current and key not in removed]
    if not removed:
        return r
    r += 2
    put(ws, r, 1, "#removed")
    put(ws, r, 2, T["removed_title"](k.lang), k.look["section"])
    removed_first = r + 1
    for qid in removed:
        r += 1
        k.info.removed.append(qid)
        put(ws, r, 1, f"{REMOVED_KEY}{qid}")
        put(ws, r, 2, qid, k.look["body"])
        k.inputs(r, cap.inputs.get(qid, {}))
        k.extras(r, qid)
    input_ranges.append((removed_first, r))
    return r


def _write_notes(k: _Render, r: int) -> int:
    """Notes people typed outside the table, kept below it; returns the last row of the sheet."""
    ws = k.ws
    if not k.cap.notes:
        return r
    r += 2
    put(ws, r, 1, "#notes")
    put(ws, r, 2, T["notes_title"](k.lang), k.look["section"])
    for typed in k.cap.notes:
        r += 1
        k.info.notes += 1
        put(ws, r, 1, "#note")
        for c, v in sorted(typed.items()):
            if c > 1:
                put(ws, r, c, v)
            elif c == 1:  # a note typed into the hidden key column: move it next door
                put(ws, r, 2, v)
    return r


def _write_validations(k: _Render, input_ranges: list[tuple[int, int]], theme_range: tuple[int, int]) -> None:
    """Whole points on the scale; the choice lists (titles within Excel's 32 characters)."""
    ws, lang = k.ws, k.lang
    lo, hi = k.setup.scale.min, k.setup.scale.max
    dv_points = openpyxl_validation(
        type="whole", operator="between", formula1=str(lo), formula2=str(hi), allow_blank=True,
        showErrorMessage=True, showInputMessage=True,
        errorTitle=T["points_title"](lang), error=T["points_error"](lang, lo=lo, hi=hi),
        promptTitle=T["points_title"](lang), prompt=T["points_error"](lang, lo=lo, hi=hi))
    for a, b in input_ranges + [theme_range]:
        if b >= a:
            dv_points.add(f"{L['agreed_points']}{a}:{L['agreed_points']}{b}")
    ws.add_data_validation(dv_points)
    for key in ("to_plan", "effect", "feasibility", "decision"):
        dv = openpyxl_validation(options=_choices(key, lang), allow_blank=True, showErrorMessage=True,
                                 errorTitle=CHOICE_TITLES[key](lang), error=T["choice_error"](lang))
        for a, b in input_ranges:
            if b >= a:
                dv.add(f"{L[key]}{a}:{L[key]}{b}")
        ws.add_data_validation(dv)


def _write_conditional_formats(k: _Render, last_question_row: int, last_row: int, themes: _ThemeBlock) -> None:
    """Spread as a colour scale, the disagreement flag, far moves from the median, quick wins,
    greyed chart helpers."""
    ws, lang, setup = k.ws, k.lang, k.setup
    span = setup.scale.span or 1
    ws.conditional_formatting.add(
        f"{L['spread']}{FIRST_ROW}:{L['spread']}{last_question_row}",
        ColorScaleRule(start_type="num", start_value=0, start_color="C6EFCE",
                       mid_type="num", mid_value=setup.threshold * span / 2, mid_color="FFEB9C",
                       end_type="num", end_value=setup.threshold * span, end_color="F8CBAD"))
    ws.conditional_formatting.add(
        f"{L['flag']}{FIRST_ROW}:{L['flag']}{last_question_row}",
        CellIsRule(operator="equal", formula=[f'"{T["yes"](lang)}"'],
                   fill=PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD"), font=Font(bold=True)))
    d, far = f"{L['difference']}{FIRST_ROW}", far_points(setup.scale.min, setup.scale.max)
    ws.conditional_formatting.add(  # moved far from the median (core.movement): the discussion set the score
        f"{L['difference']}{FIRST_ROW}:{L['difference']}{last_question_row}",
        FormulaRule(formula=[f"AND(ISNUMBER({d}),ABS({d})>={far})"],
                    fill=PatternFill("solid", start_color="BDD7EE", end_color="BDD7EE"), font=Font(bold=True)))
    ws.conditional_formatting.add(
        f"{L['quick_win']}{FIRST_ROW}:{L['quick_win']}{last_row}",
        CellIsRule(operator="equal", formula=[f'"{QUICK_WIN["en" if lang == "en" else "da"]}"'],
                   fill=PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE"), font=Font(bold=True)))
    ws.conditional_formatting.add(
        f"I{themes.first}:J{themes.last}",
        FormulaRule(formula=[f"ISERROR(I{themes.first})"], font=Font(color="BFBFBF")))


def _layout(k: _Render, last_row: int, areas: Sequence[tuple[int, int]] = ()) -> None:
    """Hidden key column, widths (people's own columns keep theirs; headers never wrap inside
    a word), heights, panes, print (the row ranges ``areas``, default the whole sheet)."""
    ws = k.ws
    ws.column_dimensions["A"].hidden = True
    set_widths(ws, WIDTHS)
    for c, w in k.cap.extra_widths.items():
        ws.column_dimensions[column_letter(c)].width = w
    widen_for_words(ws, [r for r in range(1, ws.max_row + 1)
                         if row_key(ws.cell(r, 1).value) in ("#header", "#themes-header")])
    ws.freeze_panes = f"E{FIRST_ROW}"
    last = column_letter(LAST_COL)
    ws.print_area = ",".join(f"$B${a}:${last}${b}" for a, b in (areas or [(1, last_row)]))
    print_setup(ws, HEADER_ROW, title_cols=(COL["nr"], COL["question"]), first_col=2, last_col=LAST_COL,
                notes=(HELP_ROW,))
    fit_konsensus_rows(ws)  # after the help is merged over the first page's columns


def fit_konsensus_rows(ws: Any) -> None:
    """Estimated row heights for the whole sheet (LibreOffice does not fit them when it
    loads the file): the help and header rows keep at least their fixed height."""
    last = ws.max_row
    if last < 1:
        return
    fit_rows(ws, 1, last)
    for r in range(1, last + 1):
        if row_key(ws.cell(r, 1).value) in TALL_ROWS:
            fit_rows(ws, r, r, minimum=TALL_ROWS[row_key(ws.cell(r, 1).value)])


# ---------------------------------------------------------------- helpers for the demo and the seminar
def fill_suggested(root: str | Path, lang: str | None = None) -> int:
    """Copy the suggested score (median) into *Aftalte point* where it is still empty.

    Returns the number of questions filled. Never overwrites what somebody typed."""

    filled = 0
    with MasterFile.edit(Path(root), lang or "da") as wb:
        ws = find_sheet(wb, "consensus")
        for qid, (r, cols) in _question_rows(ws).items():
            agreed = ws.cell(r, cols["agreed_points"])
            suggested = ws.cell(r, cols["suggested"]).value
            if is_blank(agreed.value) and isinstance(suggested, (int, float)):
                agreed.value = int(suggested)
                filled += 1
        wb.calculation.fullCalcOnLoad = True
    return filled


def _question_rows(ws: Any) -> dict[str, tuple[int, dict[str, int]]]:
    rows = rows_of(ws)
    key_row, cols0 = column_map(rows)
    cols = {k: j + 1 for k, j in cols0.items()}
    out = {}
    for i, row in enumerate(rows[key_row + 1:], start=key_row + 2):
        key = row_key(row[0]) if row else ""
        if key and ID_RE.match(key) and key != "qid":
            out[key] = (i, cols)
    return out


_DEMO_STRENGTHS = {
    "da": ["Vi har en fælles retning, som alle kender.", "Vi følger op på vores mål hvert kvartal.",
           "Samarbejdet med forældrene fungerer godt.", "Nye kolleger får en god introduktion."],
    "en": ["We share a direction everybody knows.", "We follow up on our goals every quarter.",
           "The cooperation with parents works well.", "New colleagues get a good introduction."],
}
_DEMO_IMPROVEMENTS = {
    "da": ["Følg systematisk op på mål og resultater", "Fast ramme for kompetenceudvikling",
           "Undersøg årsagerne til sygefraværet", "Ens dokumentation på tværs af teams",
           "Lær af andre enheder", "Evaluer nye tiltag efter tre måneder"],
    "en": ["Follow up systematically on goals and results", "A fixed frame for competence development",
           "Find the causes of sickness absence", "The same documentation across teams",
           "Learn from other units", "Evaluate new initiatives after three months"],
}


def _demo_agreed(ws: Any, r: int, cols: Mapping[str, int], suggested: int, rng: random.Random) -> int:
    """The demo seminar's agreed points: the suggestion, except that on half of the questions flagged
    for disagreement and on a few others the discussion sides with the answer furthest from the median."""
    flagged = not is_blank(ws.cell(r, cols["flag"]).value)
    lo, hi = ws.cell(r, cols["min"]).value, ws.cell(r, cols["max"]).value
    if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and rng.random() < (0.5 if flagged else 0.12):
        return int(lo) if suggested - lo >= hi - suggested else int(hi)
    return suggested


def demo_seminar(root: str | Path, rng: random.Random | None = None, share: float = 0.6) -> int:
    """Simulate a consensus seminar on the master's Konsensus sheet (for ``xl-kik demo``).

    Agreed points = the suggested median; strengths and improvement areas for about
    ``share`` of the questions, with to-plan / effect / feasibility / decision. Only empty
    input cells are filled. Returns the number of questions with agreed points."""

    rng = rng or random.Random(0)
    setup, _ = load_round(root)
    lang = "en" if setup.lang == "en" else "da"
    agreed = 0
    with MasterFile.edit(Path(root), lang) as wb:
        ws = find_sheet(wb, "consensus")
        for qid, (r, cols) in _question_rows(ws).items():
            def fill(key: str, value: Any) -> None:
                cell = ws.cell(r, cols[key])
                if is_blank(cell.value):
                    put(ws, r, cols[key], value)

            suggested = ws.cell(r, cols["suggested"]).value
            if isinstance(suggested, (int, float)):
                fill("agreed_points", _demo_agreed(ws, r, cols, int(suggested), rng))
            if not is_blank(ws.cell(r, cols["agreed_points"]).value):
                agreed += 1
            if rng.random() < share:
                fill("agreed_strengths", rng.choice(_DEMO_STRENGTHS[lang]))
                fill("agreed_improvements", "\n".join(rng.sample(_DEMO_IMPROVEMENTS[lang], rng.choice((1, 2)))))
                fill("to_plan", _choices("to_plan", lang)[0 if rng.random() < 0.7 else 1])
                fill("effect", rng.choice(_choices("effect", lang)))
                fill("feasibility", rng.choice(_choices("feasibility", lang)))
                fill("decision", _choices("decision", lang)[0 if rng.random() < 0.8 else 1])
        fit_konsensus_rows(ws)  # what the "seminar" typed needs taller rows
        wb.calculation.fullCalcOnLoad = True
    return agreed
