"""The files of the reports to hand out: the konsensusrapport writer and reader.

* **Konsensusrapport** — what the consensus seminar agreed (points, strengths, improvement
  areas, decisions) and the theme scores, read from the master's Konsensus sheet with
  python-calamine (:func:`read_consensus`) and laid out for printing (A4 landscape, one page
  wide, header row repeated) with XlsxWriter (:func:`write_consensus_report`).
* The svarrapport's writer is :func:`xl_kik.excel.sheets.svarrapport.write_answer_report`.

The step that makes them (and the PDFs) is :mod:`xl_kik.steps.report`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from python_calamine import CalamineWorkbook

from xl_kik.core.printing import Margins, axis_major_unit, word_width
from xl_kik.core.catalogue import clean_text
from xl_kik.excel import cells
from xl_kik.excel.layout import line_count, row_height
from xl_kik.core.errors import KikFileError
from xl_kik.core.filenames import safe_stem
from xl_kik.core.i18n import Msg, format_date, pick
from xl_kik.core.vocabulary import button
from xl_kik.core.contract import KONSENSUS_LABELS
from xl_kik.core.problems import ERROR, define
from xl_kik.core.round import RoundSetup
from xl_kik.excel import master
from xl_kik.excel.rollup import konsensus_scores
from xl_kik.core.konsensus import read_inputs
from xl_kik.core.movement import Movement, difference, far_moves, rule_text
from xl_kik.core.stats import point_value
from xl_kik.core.vocabulary import QUESTIONS

# M3xx reports to hand out
M_NO_OFFICE = define(
    "M301", ERROR, ("LibreOffice mangler", "LibreOffice missing"),
    ("PDF-filerne kan ikke laves, fordi LibreOffice ikke er installeret. Installer LibreOffice "
     "(gratis, www.libreoffice.org), eller åbn {file} i Excel og vælg Filer > Gem som > PDF.",
     "The PDF files cannot be made because LibreOffice is not installed. Install LibreOffice "
     "(free, www.libreoffice.org), or open {file} in Excel and choose File > Save As > PDF."))
M_CONVERT_FAILED = define(
    "M302", ERROR, ("PDF kunne ikke laves", "PDF could not be made"),
    ("{file} kunne ikke laves om til PDF: {reason}", "{file} could not be converted to PDF: {reason}"))
M_NOT_MERGED = define(
    "M303", ERROR, ("Runden er ikke flettet", "The round is not merged"),
    (f"Der er ingen flettede besvarelser i {{file}} endnu. Flet besvarelserne først (knappen "
     f"{button('KikMerge', 'da')} eller xl-kik merge).",
     f"There are no merged answers in {{file}} yet. Merge the answers first (the {button('KikMerge', 'en')} "
     "button or xl-kik merge)."))

REPORTS_DIR = "rapporter"
KINDS = ("svarrapport", "konsensus")
NAMES = {"svarrapport": Msg("Svarrapport", "Answer report"), "konsensus": Msg("Konsensusrapport", "Consensus report")}

T = {
    "title": Msg("Konsensusrapport – {unit}", "Consensus report – {unit}"),
    "sub": Msg("Selvevaluering med KIK. Runde {round_id}, oprettet {created}. Pointskala {scale}. Udskrevet {today}.",
               "Self-evaluation with KIK. Round {round_id}, created {created}. Points scale {scale}. Printed {today}."),
    "intro": Msg("Her står, hvad gruppen blev enige om på konsensusseminaret: point, styrker og "
                 "forbedringsområder for hvert spørgsmål, og ledelsens beslutning. Forslag (median) og spredning er "
                 "fra deltagernes individuelle svar; Forskel = aftalt minus forslag.",
                 "This is what the group agreed at the consensus seminar: points, strengths and improvement areas "
                 "for each question, and the management decision. Suggested (median) and spread come from the "
                 "participants' individual answers; Difference = agreed minus suggested."),
    "nr": KONSENSUS_LABELS["nr"], "question": KONSENSUS_LABELS["question"], "n": KONSENSUS_LABELS["n"],
    "suggested": KONSENSUS_LABELS["suggested"], "spread": KONSENSUS_LABELS["spread"],
    "range": Msg("Spænd (laveste–højeste)", "Range (lowest–highest)"), "difference": KONSENSUS_LABELS["difference"],
    "moved": Msg("Hvor gruppen flyttede sig langt fra medianen", "Where the group moved far from the median"),
    "moved_intro": Msg("Her satte drøftelsen scoren, ikke gennemsnittet: {count}. {rule}",
                       "Here the discussion, not the average, set the score: {count}. {rule}"),
    "moved_none": Msg("Ingen: de aftalte point ligger tæt på medianen ved alle spørgsmål. {rule}",
                      "None: the agreed points are close to the median for every question. {rule}"),
    "why": Msg("Hvorfor", "Why"),
    "why_far": Msg("langt fra medianen", "far from the median"),
    "why_outside": Msg("uden for deltagernes spænd", "outside the participants' range"),
    "agreed": KONSENSUS_LABELS["agreed_points"], "strengths": KONSENSUS_LABELS["agreed_strengths"],
    "improvements": KONSENSUS_LABELS["agreed_improvements"],
    "to_plan": KONSENSUS_LABELS["to_plan"], "decision": KONSENSUS_LABELS["decision"],
    "themes": Msg("Temascorer", "Theme scores"), "theme": KONSENSUS_LABELS["theme"],
    "themes_title": Msg("Temascorer – {unit}", "Theme scores – {unit}"),
    "profile": Msg("Temaprofil: indsatser (blå) og resultater (orange)", "Theme profile: enablers (blue) and results (orange)"),
    "n_agreed": Msg("Aftalt (n af N)", "Agreed (n of N)"), "score": Msg("Temascore", "Theme score"),
    "basis": Msg("Grundlag", "Basis"),
    "basis_theme_agreed": Msg("aftalt for temaet", "agreed for the theme"),
    "basis_agreed": Msg("gennemsnit af de aftalte point", "mean of the agreed points"),
    "basis_median": Msg("intet aftalt: gennemsnit af medianerne", "nothing agreed: mean of the medians"),
    "basis_": Msg("", ""),
    "of": Msg("{n} af {N}", "{n} of {N}"),
    "footer": Msg("Side &P af &N", "Page &P of &N"),
}


class ReportError(KikFileError):
    """A report cannot be made (round not merged, LibreOffice missing, conversion failed)."""


# ---------------------------------------------------------------- konsensusrapport
@dataclass
class _Question:
    qid: str
    theme: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)


def read_consensus(root: str | Path) -> tuple[RoundSetup, list[list[Any]]]:
    """The round's setup and the Konsensus sheet's rows (calamine)."""
    data = master.read_master(root)
    name = data.sheet_names.get("consensus")  # found as every master sheet is (master.sheet_names_by_key)
    wb = CalamineWorkbook.from_path(str(data.path))
    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False) if name else []
    return data.setup, rows


def consensus_content(setup: Any, rows: Sequence[Sequence[Any]], lang: str) -> tuple[list[_Question], list[Any]]:
    """Questions with their merged statistics and agreed inputs, and the theme scores."""
    cols: dict[str, int] = {}
    by_qid: dict[str, list[Any]] = {}
    for i, row in enumerate(rows):
        if row and clean_text(row[0]) == "qid":
            cols = {clean_text(v): j for j, v in enumerate(row) if clean_text(v)}
            for r in rows[i + 1:]:
                if r and clean_text(r[0]):
                    by_qid.setdefault(clean_text(r[0]), list(r))
            break
    inputs = read_inputs(rows) if rows else {}
    questions = []
    for q in setup.catalogue.questions:
        row = by_qid.get(q.id)
        if row is None:
            continue
        values = {k: row[j] if j < len(row) else None for k, j in cols.items()}
        values.update(inputs.get(q.id, {}))
        questions.append(_Question(q.id, q.theme, pick(q.text, lang), values))
    themes, _ = konsensus_scores(list(rows), setup)
    return questions, themes


def consensus_moves(setup: Any, questions: Sequence[_Question]) -> list[Movement]:
    """The questions where the agreed points moved far from the median (:mod:`xl_kik.core.movement`),
    as the konsensusrapport lists them."""
    return far_moves(((q.qid, q.values.get("agreed_points"), q.values.get("suggested"), q.values.get("min"),
                       q.values.get("max")) for q in questions), setup.scale.min, setup.scale.max)


def report_path(root: str | Path, kind: str, unit: str, lang: str) -> Path:
    """``ROUND/rapporter/<Svarrapport|Konsensusrapport> <unit>.xlsx``."""
    return Path(root) / REPORTS_DIR / f"{safe_stem(NAMES[kind](lang) + ' ' + unit)}.xlsx"


def is_merged(questions: Sequence[_Question]) -> bool:
    """Whether the Konsensus sheet holds merged answers (an answered count on a question)."""
    return any(clean_text(q.values.get("n")) for q in questions)


def write_consensus_report(path: Path, setup: RoundSetup, questions: Sequence[_Question], themes: Sequence[Any],
                           lang: str) -> None:
    """Write the konsensusrapport to ``path`` (XlsxWriter; the caller makes it atomic)."""
    wb = cells.xlsx_workbook(path)
    wb.set_properties({"title": T["title"](lang, unit=setup.unit)})
    f = {
        "title": wb.add_format({"bold": True, "font_size": 16}),
        "sub": wb.add_format({"italic": True, "font_color": "#404040"}),
        "intro": wb.add_format({"text_wrap": True, "valign": "top"}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "bottom"}),
        "theme": wb.add_format({"bold": True, "font_size": 12, "bg_color": "#D9E1F2", "border": 1}),
        "text": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "num": wb.add_format({"valign": "top", "border": 1, "align": "center", "num_format": "0"}),
        "agreed": wb.add_format({"valign": "top", "border": 1, "align": "center", "num_format": "0", "bold": True,
                                 "bg_color": "#FFF2CC"}),
        "score": wb.add_format({"border": 1, "align": "center", "num_format": "0.0", "bold": True}),
        "section": wb.add_format({"bold": True, "font_size": 12}),
        "diff": wb.add_format({"valign": "top", "border": 1, "align": "center", "num_format": "+0;-0;0"}),
    }
    ws = wb.add_worksheet(NAMES["konsensus"](lang))
    cols = [("nr", 6), ("question", 42), ("n", 10), ("suggested", 10), ("range", 10), ("agreed", 10),
            ("difference", 10), ("strengths", 33), ("improvements", 33), ("to_plan", 10), ("decision", 12)]
    last = len(cols) - 1
    for c, (_, w) in enumerate(cols):
        ws.set_column(c, c, w)
    ws.write_string(0, 0, T["title"](lang, unit=setup.unit), f["title"])
    ws.write_string(1, 0, T["sub"](lang, round_id=setup.round_id, created=format_date(setup.created, lang),
                                   scale=setup.scale.id, today=format_date(dt.date.today(), lang)), f["sub"])
    ws.merge_range(2, 0, 2, last, T["intro"](lang), f["intro"])
    ws.set_row(2, 32)
    header = 4
    for c, (key, _) in enumerate(cols):
        ws.write_string(header, c, T[key](lang), f["head"])
    ws.widen_for_words({c: T[key](lang) for c, (key, _) in enumerate(cols)})
    # LibreOffice does not fit row heights: the header's wrapped lines get an estimated height
    # (without one the first line of 'Spænd (laveste–højeste)' was cut off)
    ws.set_row(header, max(row_height(line_count(T[key](lang), max(w, word_width(T[key](lang))) - 1.5))
                           for key, w in cols))
    r = header
    by_theme: dict[str, list[_Question]] = {}
    for q in questions:
        by_theme.setdefault(q.theme, []).append(q)
    for t in setup.catalogue.themes:
        if t.id not in by_theme:
            continue
        r += 1
        ws.merge_range(r, 0, r, last, t.label(lang), f["theme"])
        for q in by_theme[t.id]:
            r += 1
            v = q.values
            ws.write_string(r, 0, q.qid, f["text"])
            ws.write_string(r, 1, q.text, f["text"])
            ws.write_string(r, 2, clean_text(v.get("n")), f["num"])
            _num_or_text(ws, r, 3, v.get("suggested"), f["num"])
            ws.write_string(r, 4, _range_text(v), f["num"])
            _num_or_text(ws, r, 5, v.get("agreed_points"), f["agreed"])
            _num_or_text(ws, r, 6, difference(v.get("agreed_points"), v.get("suggested")), f["diff"])
            for c, key in ((7, "agreed_strengths"), (8, "agreed_improvements"), (9, "to_plan"), (10, "decision")):
                ws.write_string(r, c, clean_text(v.get(key)), f["text"])
            lines = max(_lines(q.text, 42), _lines(clean_text(v.get("agreed_strengths")), 33),
                        _lines(clean_text(v.get("agreed_improvements")), 33))
            ws.set_row(r, min(15 * lines + 3, 400))
    # -- where the group moved far from the median (core.movement)
    moves = consensus_moves(setup, questions)
    rule = rule_text(setup.scale.min, setup.scale.max, lang)
    r += 2
    ws.write_string(r, 0, T["moved"](lang), f["section"])
    r += 1
    intro = (T["moved_intro"](lang, count=QUESTIONS(lang, n=len(moves)), rule=rule) if moves
             else T["moved_none"](lang, rule=rule))
    ws.merge_range(r, 0, r, last, intro, f["intro"])
    ws.set_row(r, 32)
    if moves:
        r += 1
        for c, key in ((0, "nr"), (1, "question"), (3, "suggested"), (4, "range"), (5, "agreed"),
                       (6, "difference"), (7, "why")):
            ws.write_string(r, c, T[key](lang), f["head"])
        ws.write_blank(r, 2, None, f["head"])
        text_of = {q.qid: q for q in questions}
        for m in moves:
            r += 1
            q = text_of[m.qid]
            ws.write_string(r, 0, m.qid, f["text"])
            ws.merge_range(r, 1, r, 2, q.text, f["text"])
            ws.write_number(r, 3, m.suggested, f["num"])
            ws.write_string(r, 4, _range_text(q.values), f["num"])
            ws.write_number(r, 5, m.agreed, f["agreed"])
            ws.write_number(r, 6, m.difference, f["diff"])
            ws.write_string(r, 7, T["why_outside" if m.outside else "why_far"](lang), f["text"])
            ws.set_row(r, min(15 * _lines(q.text, 52) + 3, 400))
    # the one print rule (core.printing): readable, Nr and Spørgsmål repeated when it runs several pages across
    ws.print_layout(11, title_rows=(header, header), title_cols=(0, 1), last_col=last,
                    margins=Margins(left=0.4, right=0.4, top=0.5, bottom=0.6))
    ws.set_footer(f"&L{_hf(setup.unit)}&R{T['footer'](lang)}")
    ws.freeze_panes(header + 1, 0)
    _write_theme_sheet(wb, setup, themes, f, lang)
    wb.close()


SIDE_COLOURS = {"indsats": "#4472C4", "resultat": "#ED7D31"}
SIDE = {"indsats": Msg("indsats", "enabler"), "resultat": Msg("resultat", "result")}


def _write_theme_sheet(wb: Any, setup: RoundSetup, themes: Sequence[Any], f: dict[str, Any], lang: str) -> None:
    """The theme scores and their profile on a sheet of their own: on paper they get their own
    header (under the question table's repeated header they were unreadable)."""
    ws = wb.add_worksheet(cells.sheet_name(T["themes"](lang)))
    cols = [("theme", 34), ("n_agreed", 12), ("score", 12), ("basis", 40)]
    for c, (key, w) in enumerate(cols):
        ws.set_column(c, c, max(w, word_width(T[key](lang))))
        ws.write_string(2, c, T[key](lang), f["head"])
    ws.write_string(0, 0, T["themes_title"](lang, unit=setup.unit), f["title"])
    r = 2
    for t in themes:
        r += 1
        ws.write_string(r, 0, f"{t.label} ({SIDE[t.side](lang)})" if t.side in SIDE else t.label, f["text"])
        ws.write_string(r, 1, T["of"](lang, n=t.n_agreed, N=t.n_questions), f["num"])
        if t.score is None:
            ws.write_blank(r, 2, None, f["score"])
        else:
            ws.write_number(r, 2, round(t.score, 1), f["score"])
        ws.write_string(r, 3, T[f"basis_{t.basis}"](lang), f["text"])
    if themes:
        lo, hi = setup.scale.min, setup.scale.max
        chart = wb.add_chart({"type": "column"})
        chart.add_series({
            "name": T["score"](lang), "categories": [ws.name, 3, 0, r, 0], "values": [ws.name, 3, 2, r, 2],
            "points": [{"fill": {"color": SIDE_COLOURS.get(t.side, "#7F7F7F")}} for t in themes],
            "data_labels": {"value": True, "num_format": "0.0"}, "gap": 60})
        chart.set_title({"name": T["profile"](lang), "name_font": {"size": 14}})
        chart.set_y_axis({"min": lo, "max": hi, "major_unit": axis_major_unit(lo, hi), "num_format": "0",
                          "name": T["score"](lang), "num_font": {"size": 10}, "major_gridlines": {"visible": True}})
        chart.set_x_axis({"num_font": {"size": 10, "rotation": -45}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 940, "height": 420})
        ws.insert_chart(r + 2, 0, chart)
    ws.print_layout(11, title_rows=(2, 2), last_col=len(cols) - 1,
                    margins=Margins(left=0.4, right=0.4, top=0.5, bottom=0.6))
    ws.set_footer(f"&L{_hf(setup.unit)}&R{T['footer'](lang)}")


def _range_text(values: dict[str, Any]) -> str:
    """``"10–60"``: the lowest and highest individual answer, empty when nobody answered."""
    lo, hi = point_value(values.get("min")), point_value(values.get("max"))
    return "" if lo is None or hi is None else f"{lo}–{hi}"


def _hf(text: str) -> str:
    return cells.header_footer_text(text, 100)


def _lines(text: str, width: int) -> int:
    return sum(max(1, -(-len(line) // max(width - 4, 1))) for line in (text or "").splitlines() or [""])


def _num_or_text(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if isinstance(value, bool) or value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, clean_text(value), fmt)


__all__ = ["KINDS", "M_CONVERT_FAILED", "M_NO_OFFICE", "M_NOT_MERGED", "NAMES", "REPORTS_DIR", "ReportError",
           "consensus_content", "consensus_moves", "is_merged", "read_consensus", "report_path", "write_consensus_report"]
