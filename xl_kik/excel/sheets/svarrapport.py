"""The *Svarrapport* (answers report): every participant's points and texts per question.

Two outputs from the same data:

* :func:`render_answers` writes the master's ``Svarrapport`` sheet (openpyxl). One row per
  question in catalogue order (grouped by theme, theme in its own column), so the whole
  table is one AutoFilter range the coordinator can sort by ``Spredning`` (disagreement
  first). Columns: statistics, then one points column per participant, then one column
  per text kind (strengths / improvement areas / ideas) listing every participant's
  statement, labelled ("Deltager 3: ..."). This keeps the master compact — one cell per
  participant and question for the points, three text cells per question, each capped for
  the grid (:data:`GRID_CELL_CHARS`, :data:`GRID_STATEMENT_CHARS`) — which matters for big
  rounds: openpyxl pays per cell and per character when the master is written, loaded and
  saved at every merge (``benchmarks/bench_grid.py``, ``benchmarks/bench_merge.py``). The
  ``Spredning`` column shows the disagreement rule's own measure, named in its header.
* :func:`write_answer_report` writes a standalone, print-ready ``.xlsx`` (XlsxWriter) the
  coordinator hands to the participants before the consensus seminar: a long list per
  question (one row per participant: points, strengths, improvement areas, ideas) and an
  overview sheet sorted by disagreement. It holds every statement whole (``xl-kik report``,
  ``rapporter/Svarrapport <unit>.xlsx``); the grid's cut texts point to it.

Participants are shown as "Deltager 1..n" when ``anonymise`` (the default). The numbers
follow a keyed hash of the participant id (round secret), not the participants list, so
the order of the list does not give people away; numbers can change when more files
arrive.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from openpyxl.formatting.rule import ColorScaleRule, FormulaRule
from openpyxl.styles import PatternFill, Font

from xl_kik.core.cellref import column_letter
from xl_kik.core.anonymity import LABELS_LINKED, WITHHELD, guard, min_group, withheld_note
from xl_kik.core.i18n import Msg, pick
from xl_kik.core.vocabulary import TERMS
from xl_kik.excel.layout import fit_rows, widen_for_words
from xl_kik.excel import cells
from xl_kik.excel.sheets.status import Look, print_setup, put, put_row, reset_sheet, set_widths
from xl_kik.core.round import name_labels
from xl_kik.core.stats import DEFAULT_RULE, RoundStats, disagreement_rule, spread_header

T = {
    "full_text": Msg("(hele teksten står i svarrapporten, som xl-kik report gemmer i mappen rapporter)",
                     "(the full text is in the answer report that xl-kik report saves in the folder rapporter)"),
    "title": Msg("Svarrapport – {unit}", "Answer report – {unit}"),
    "intro": Msg("Én række pr. spørgsmål med alle deltageres point og tekster. Sortér efter spredning med "
                 "filterknappen i overskriften for at se uenighederne først. Tomme point = ved ikke eller ikke "
                 "besvaret. Arket skrives af xl_kik ved hver fletning.",
                 "One row per question with every participant's points and texts. Sort by spread with the "
                 "filter button in the header to see the disagreements first. Blank points = do not know or not "
                 "answered. xl_kik writes this sheet at every merge."),
    "participant": Msg("Deltager {n}", "Participant {n}"),
    "texts_of": Msg("{label} – tekst", "{label} – text"),
    "nr": Msg("Nr", "No"), "theme": Msg("Tema", "Theme"), "question": Msg("Spørgsmål", "Question"),
    "n": Msg("Med point (af {N})", "With points (of {N})"), "mean": Msg("Gns.", "Mean"),
    "median": Msg("Median", "Median"),
    "min": Msg("Min", "Min"), "max": Msg("Maks", "Max"), "std": Msg("Std.afv.", "Std. dev."),
    "share": Msg("Spredning (% af skala)", "Spread (% of scale)"),
    "flag": Msg("Uenighed (≥ {pct} %)", "Disagreement (≥ {pct} %)"),
    "yes": Msg("Ja", "Yes"),
    "strengths": Msg("Styrker", "Strengths"), "improvements": Msg("Forbedringsområder", "Improvement areas"),
    "ideas": Msg("Idéer", "Ideas"), "points": Msg("Point", "Points"),
    "no_returns": Msg("Ingen besvarelser endnu.", "No answers yet."),
    "stats_line": Msg("Point fra {n} af {N} · gns. {mean} · median {median} · min {min} · maks {max} · "
                      "{spread_label} {spread}{flag}",
                      "Points from {n} of {N} · mean {mean} · median {median} · min {min} · max {max} · "
                      "{spread_label} {spread}{flag}"),
    "flag_text": Msg(" · UENIGHED", " · DISAGREEMENT"),
    "overview": Msg("Oversigt", "Overview"), "answers_sheet": Msg("Svar", "Answers"),
    "overview_intro": Msg("Spørgsmålene med størst spredning står først.", "The questions with the largest spread come first."),
    "dont_know": TERMS["dont_know"],
    "not_answered": TERMS["not_answered"],
    "who": Msg("Deltager", "Participant"),
    "points_each": Msg("Point pr. deltager", "Points per participant"),
}

TEXT_KEYS = ("strengths", "improvements", "ideas")

#: Fixed columns of the master's Svarrapport table (1-based), then participants.
COLS = ("qid", "nr", "theme", "question", "n", "mean", "median", "min", "max", "std", "spread", "share", "flag")
HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1


def anonymity_note(setup: Any, stats: RoundStats, anonymise: bool, lang: str = "da") -> str:
    """What an anonymised report says about itself: how "Deltager k" works and which
    distributions are withheld and why (:mod:`xl_kik.core.anonymity`); empty with names."""
    if not anonymise:
        return ""
    _, hidden = guard(stats, anonymise, min_group(setup))
    return " ".join(t for t in (LABELS_LINKED(lang), withheld_note(hidden, min_group(setup), lang)) if t)


def participant_labels(setup: Any, participants: Sequence[Any], responses: Mapping[str, Any],
                       anonymise: bool | None = None, lang: str = "da") -> dict[str, str]:
    """pid -> column label for every participant who returned, in display order."""
    anonymise = setup.anonymise if anonymise is None else anonymise
    order = [p.pid for p in participants if p.pid in responses]
    listed = set(order)
    order += [pid for pid in responses if pid not in listed]
    if not anonymise:
        names = name_labels(participants)  # two "Lise Møller" get their e-mail or id
        return {pid: names.get(pid) or str(getattr(responses[pid], "name", "") or pid) for pid in order}
    key = (getattr(setup, "secret", "") or getattr(setup, "round_id", "")).encode()
    ranked = sorted(order, key=lambda pid: hmac.new(key, pid.encode(), hashlib.sha256).hexdigest())
    return {pid: T["participant"](lang, n=i) for i, pid in enumerate(ranked, start=1)}


def _answer(resp: Any, qid: str) -> Any:
    return (getattr(resp, "answers", {}) or {}).get(qid)


def _text(answer: Any, key: str) -> str:
    value = getattr(answer, key, "") if answer is not None else ""
    return "" if value is None else str(value).strip()


def _rule(setup: Any) -> str:
    """The round's disagreement rule (:data:`xl_kik.core.stats.RULES`)."""
    return getattr(setup, "disagreement_rule", None) or DEFAULT_RULE


def _num(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(float(x), digits)


def _fmt(x: float | None, lang: str) -> str:
    if x is None:
        return "–"
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "da" else text


def _pct(share: float, lang: str) -> str:
    text = f"{share * 100:g}"
    return text if lang == "en" else text.replace(".", ",")


def question_label(setup: Any, qid: str, lang: str) -> tuple[str, str]:
    """(theme label, question text) in ``lang``."""
    cat = setup.catalogue
    q = cat.question(qid)
    return cat.theme(q.theme).label(lang), pick(q.text, lang)


#: The master's Svarrapport is a grid to sort and skim, not the archive: a text cell holds at
#: most GRID_CELL_CHARS characters (all statements of one kind for one question) and one
#: participant's statement at most GRID_STATEMENT_CHARS; longer texts are cut at a word
#: boundary with "…" and the note :data:`FULL_TEXT_NOTE` (``cells.shorten``). The complete
#: texts are in the svarrapport that ``xl-kik report`` writes (``rapporter/Svarrapport
#: <unit>.xlsx``, :func:`write_answer_report`). The caps keep a big round's master small and
#: its row-height estimates bounded (a 409-point row shows about 1,600 characters anyway).
GRID_CELL_CHARS = 8000
GRID_STATEMENT_CHARS = 1000
#: Up to this many participants the points stand side by side (one column each); above it
#: (big rounds, benchmarks) one "Point pr. deltager" cell per question lists them, so the
#: master stays small (openpyxl load/save cost is per cell).
SIDE_BY_SIDE_MAX = 60


def grid_text(lines: Sequence[str], sep: str = "\n", note: str = "", limit: int = GRID_CELL_CHARS,
              statement_limit: int = GRID_STATEMENT_CHARS) -> str:
    """Labelled lines joined into one grid cell of at most ``limit`` characters: each line cut to
    ``statement_limit``, the cell cut where it is full, both with ``note`` (where the full text
    is) by :func:`xl_kik.excel.cells.shorten`. Only the lines that can show are looked at, so a
    round of 3,000 costs what a round of 100 does."""
    kept: list[str] = []
    size = 0
    for line in lines:
        line = cells.shorten(line, statement_limit, note)
        kept.append(line)
        size += len(line) + len(sep)
        if size > limit:
            break
    return cells.shorten(sep.join(kept), limit, note)


def _statements(answered: Sequence[tuple[str, Mapping[str, Any]]], qid: str, key: str) -> Iterable[str]:
    """ "Deltager 3: ..." for every participant who wrote a text of kind ``key`` on ``qid``."""
    for label, answers in answered:
        t = _text(answers.get(qid), key)
        if t:
            yield f"{label}: {t}"


def _points(answered: Sequence[tuple[str, Mapping[str, Any]]], qid: str, dont_know: str,
            not_answered: str) -> Iterable[str]:
    """ "Deltager 3: 55" ("ved ikke", "ikke besvaret") for every participant who returned."""
    for label, answers in answered:
        yield f"{label}: {_points_text(answers.get(qid), dont_know, not_answered)}"


def _points_text(answer: Any, dont_know: str, not_answered: str) -> Any:
    """The points of one answer; without points, "ved ikke" only when the participant chose it
    (a question left blank in a returned questionnaire is "ikke besvaret", not "ved ikke")."""
    pts = getattr(answer, "points", None)
    if pts is not None:
        return pts
    return dont_know if getattr(answer, "dont_know", False) else not_answered


def answer_rows(setup: Any, participants: Sequence[Any], responses: Mapping[str, Any], stats: RoundStats,
                lang: str = "da", anonymise: bool | None = None,
                labels: Mapping[str, str] | None = None) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the master's Svarrapport table (plain data, catalogue order).

    Per question: statistics, every participant's points (one column each), then the texts
    of each kind (strengths, improvement areas, ideas) of all participants in one cell per
    kind, each statement prefixed with the participant's label ("Deltager 3: ..."), capped
    for the grid (:func:`grid_text`; the full texts are in the svarrapport report)."""
    if labels is None:
        labels = participant_labels(setup, participants, responses, anonymise, lang)
    stats, hidden = guard(stats, setup.anonymise if anonymise is None else anonymise, min_group(setup))
    side_by_side = len(labels) <= SIDE_BY_SIDE_MAX
    header = ["qid", T["nr"](lang), T["theme"](lang), T["question"](lang), T["n"](lang, N=stats.N),
              T["mean"](lang), T["median"](lang), T["min"](lang), T["max"](lang), T["std"](lang),
              spread_header(_rule(setup), lang), T["share"](lang), T["flag"](lang, pct=_pct(setup.threshold, lang))]
    if side_by_side:
        header += list(labels.values())
    rows = []
    texts: list[dict[str, str]] = []
    kinds = TEXT_KEYS if side_by_side else ("points",) + TEXT_KEYS
    answered = [(label, getattr(responses[pid], "answers", None) or {}) for pid, label in labels.items()]
    full, dont_know, not_answered = T["full_text"](lang), T["dont_know"](lang), T["not_answered"](lang)
    for qid, s in stats.questions.items():
        theme, text = question_label(setup, qid, lang)
        row: list[Any] = [qid, qid, theme, text, s.n, _num(s.mean), _num(s.median), s.min, s.max, _num(s.std, 2),
                          _num(s.measure, 2), s.measure_share, T["yes"](lang) if s.disagreement else ""]
        if side_by_side:
            row += [getattr(a.get(qid), "points", None) if qid not in hidden else None for _, a in answered]
        rows.append(row)
        # lazily: grid_text reads only the statements that fit in the grid's cell
        cell_texts = {k: grid_text(_statements(answered, qid, k), note=full) for k in TEXT_KEYS}
        if not side_by_side:
            points = ([WITHHELD(lang, k=min_group(setup))] if qid in hidden
                      else _points(answered, qid, dont_know, not_answered))
            cell_texts["points"] = grid_text(points, sep="; ", note=full)
        texts.append(cell_texts)
    for k in kinds:
        header.append(T["points_each"](lang) if k == "points" else T[k](lang))
        for row, t in zip(rows, texts):
            row.append(t[k])
    return header, rows


def render_answers(ws: Any, setup: Any, participants: Sequence[Any], responses: Mapping[str, Any],
                   stats: RoundStats, lang: str = "da") -> int:
    """Write the master's Svarrapport sheet; returns the number of cells written."""
    labels = participant_labels(setup, participants, responses, None, lang)
    header, rows = answer_rows(setup, participants, responses, stats, lang, labels=labels)
    n_labels = len(labels)
    n_part = n_labels if n_labels <= SIDE_BY_SIDE_MAX else 0
    reset_sheet(ws)
    title = Look(ws, bold=True, size=14)
    note = Look(ws, italic=True, color="595959")
    head = Look(ws, bold=True, fill="DDEBF7", wrap=True, border=True, valign="bottom")
    body = Look(ws, wrap=True, border=True)
    num1 = Look(ws, border=True, number_format="0.0")
    num2 = Look(ws, border=True, number_format="0.00")
    intl = Look(ws, border=True, number_format="0")
    pctf = Look(ws, border=True, number_format="0%")
    plain = Look(ws, border=True)
    text = Look(ws, wrap=True, border=True)
    pts = Look(ws, halign="center")
    looks = [plain, plain, body, body, intl, num1, num1, intl, intl, num2, plain, pctf, plain]  # spread: 12 or 12.5
    put(ws, 1, 2, T["title"](lang, unit=setup.unit), title)
    put(ws, 2, 2, disagreement_rule(setup.scale, setup.threshold, lang, _rule(setup)), note)
    put(ws, 3, 2, T["intro"](lang), note)
    anonymous = anonymity_note(setup, stats, setup.anonymise, lang)
    if anonymous:
        put(ws, 4, 2, anonymous, note)
    put_row(ws, HEADER_ROW, header, head)
    fixed = len(COLS)
    r = HEADER_ROW
    cells = 0
    for row in rows:
        r += 1
        for c, v in enumerate(row[:fixed]):
            put(ws, r, c + 1, v, looks[c])
        for c in range(fixed, fixed + n_part):  # points: top-aligned like the rest of the (tall) row
            if row[c] is not None:
                put(ws, r, c + 1, row[c], pts)
        for c in range(fixed + n_part, len(row)):
            put(ws, r, c + 1, row[c], text)
        cells += len(row)
    last_row = max(r, HEADER_ROW + 1)
    last_col = column_letter(len(header))
    if not rows or n_labels == 0:
        put(ws, HEADER_ROW + 1 if not rows else r + 2, 2, T["no_returns"](lang), note)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{last_row}"
    ws.column_dimensions["A"].hidden = True
    # Nr, Tema and Spørgsmål narrow enough to repeat on every page across (core.printing)
    set_widths(ws, {1: 6, 2: 6, 3: 14, 4: 40, 5: 11, 6: 8, 7: 8, 8: 7, 9: 7, 10: 8, 11: 10, 12: 11, 13: 12})
    for i in range(n_part):
        ws.column_dimensions[column_letter(fixed + 1 + i)].width = 11
    # a text column and the repeated Nr/Tema/Spørgsmål fill one landscape page at the scale the
    # print rule takes (core.printing): rows half as tall as at width 60, half the pages
    for c in range(fixed + n_part + 1, len(header) + 1):
        ws.column_dimensions[column_letter(c)].width = 88
    fit_rows(ws, 1, ws.max_row)
    if rows:
        span = setup.scale.span or 1
        spread_ref = f"K{FIRST_ROW}:K{last_row}"
        ws.conditional_formatting.add(spread_ref, ColorScaleRule(
            start_type="num", start_value=0, start_color="C6EFCE",
            mid_type="num", mid_value=setup.threshold * span / 2, mid_color="FFEB9C",
            end_type="num", end_value=setup.threshold * span, end_color="F8CBAD"))
        ws.conditional_formatting.add(f"B{FIRST_ROW}:M{last_row}", FormulaRule(
            formula=[f'$M{FIRST_ROW}<>""'], fill=PatternFill("solid", start_color="FCE4D6", end_color="FCE4D6"),
            font=Font(bold=True)))
    ws.freeze_panes = f"E{FIRST_ROW}"
    widen_for_words(ws, [HEADER_ROW])  # a header never wraps inside a word ("kvartilafs|tand")
    ws.print_area = f"B1:{last_col}{ws.max_row}"  # the notes above the table run over empty columns
    print_setup(ws, HEADER_ROW, title_cols=(2, 4), first_col=2, last_col=len(header),
                notes=[r for r in range(2, HEADER_ROW) if ws.cell(r, 2).value])
    return cells


# ---------------------------------------------------------------- standalone report (XlsxWriter)
def write_answer_report(path: str | Path, setup: Any, participants: Sequence[Any], responses: Mapping[str, Any],
                        stats: RoundStats, anonymise: bool = True, lang: str = "da") -> Path:
    """A print-ready answers report for the participants (every text written as text)."""
    path = Path(path)
    labels = participant_labels(setup, participants, responses, anonymise, lang)
    note = anonymity_note(setup, stats, anonymise, lang)
    stats, hidden = guard(stats, anonymise, min_group(setup))  # small groups: no individual distribution
    withheld = WITHHELD(lang, k=min_group(setup))
    wb = cells.xlsx_workbook(path)
    wb.set_properties({"title": T["title"](lang, unit=setup.unit), "comments": "xl_kik"})
    f = _report_formats(wb)
    _write_answers_sheet(wb, setup, responses, stats, labels, lang, f, hidden, note, withheld)
    _write_overview_sheet(wb, setup, responses, stats, labels, lang, f, hidden)
    wb.close()
    return path


def _report_formats(wb: Any) -> dict[str, Any]:
    """The answers report's cell formats by name."""
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "note": wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
        "theme": wb.add_format({"bold": True, "font_size": 12, "bg_color": "#D9E1F2", "border": 1}),
        "q": wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EDF2F9", "border": 1}),
        "stats": wb.add_format({"italic": True, "text_wrap": True, "valign": "top", "border": 1}),
        "stats_flag": wb.add_format({"italic": True, "bold": True, "text_wrap": True, "valign": "top", "border": 1,
                                  "bg_color": "#FCE4D6"}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "text": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "int": wb.add_format({"valign": "top", "border": 1, "align": "center"}),
        "num": wb.add_format({"valign": "top", "border": 1, "num_format": "0.0"}),
        "pct": wb.add_format({"valign": "top", "border": 1, "num_format": "0%"}),
    }


def _text_cell(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    """A text cell of the report (through :mod:`xl_kik.excel.cells`: always text, within Excel's limits)."""
    ws.write_string(r, c, cells.cell_text("" if value is None else value), fmt)


def _write_answers_sheet(wb: Any, setup: Any, responses: Mapping[str, Any], stats: RoundStats,
                         labels: Mapping[str, str], lang: str, f: Mapping[str, Any],
                         hidden: frozenset[str] = frozenset(), note: str = "", withheld: str = "") -> None:
    """Sheet 1: per theme and question, the statistics and every participant's answer (``hidden``:
    questions whose individual points are withheld, :mod:`xl_kik.core.anonymity`)."""
    ws = wb.add_worksheet(cells.sheet_name(T["answers_sheet"](lang)))
    dont_know, not_answered = T["dont_know"](lang), T["not_answered"](lang)
    ws.set_footer("&L&A&R&P / &N")
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 8)
    ws.set_column(2, 4, 41)  # one A4 landscape page wide at 11 pt (core.printing)
    _text_cell(ws, 0, 0, T["title"](lang, unit=setup.unit), f["title"])
    ws.merge_range(1, 0, 1, 4, "", f["note"])
    _text_cell(ws, 1, 0, disagreement_rule(setup.scale, setup.threshold, lang, _rule(setup)), f["note"])
    ws.set_row(1, 32)
    if note:
        ws.merge_range(2, 0, 2, 4, "", f["note"])
        _text_cell(ws, 2, 0, note, f["note"])
        ws.set_row(2, 45)
    r = 4 if note else 3
    cat = setup.catalogue
    spread_label = spread_header(_rule(setup), lang)
    spread_label = spread_label[:1].lower() + spread_label[1:]  # inside the line: "spredning (kvartilafstand)"
    for t in cat.themes:
        ws.merge_range(r, 0, r, 4, "", f["theme"])
        _text_cell(ws, r, 0, t.label(lang), f["theme"])
        r += 1
        for q in cat.questions_of(t.id):
            s = stats.questions[q.id]
            ws.merge_range(r, 0, r, 4, "", f["q"])
            _text_cell(ws, r, 0, f"{q.id}  {pick(q.text, lang)}", f["q"])
            ws.set_row(r, 30)
            r += 1
            secret = q.id in hidden
            line = T["stats_line"](lang, n=s.n, N=s.N, mean=_fmt(s.mean, lang), median=_fmt(s.median, lang),
                                   min=withheld if secret else _fmt(s.min, lang),
                                   max=withheld if secret else _fmt(s.max, lang),
                                   spread=withheld if secret else _fmt(s.measure, lang), spread_label=spread_label,
                                   flag=T["flag_text"](lang) if s.disagreement else "")
            ws.merge_range(r, 0, r, 4, "", f["stats_flag"] if s.disagreement else f["stats"])
            _text_cell(ws, r, 0, line, f["stats_flag"] if s.disagreement else f["stats"])
            r += 1
            for c, h in enumerate((T["who"](lang), T["points"](lang), T["strengths"](lang),
                                   T["improvements"](lang), T["ideas"](lang))):
                _text_cell(ws, r, c, h, f["head"])
            r += 1
            for pid, label in labels.items():
                a = _answer(responses[pid], q.id)
                pts = getattr(a, "points", None) if a is not None else None
                _text_cell(ws, r, 0, label, f["text"])
                if secret:
                    _text_cell(ws, r, 1, withheld, f["int"])
                elif pts is None:
                    _text_cell(ws, r, 1, _points_text(a, dont_know, not_answered), f["int"])
                else:
                    ws.write_number(r, 1, pts, f["int"])
                for c, key in enumerate(TEXT_KEYS, start=2):
                    _text_cell(ws, r, c, _text(a, key), f["text"])
                r += 1
            if not labels:
                _text_cell(ws, r, 0, T["no_returns"](lang), f["note"])
                r += 1
            r += 1
    ws.widen_for_words(dict(enumerate((T["who"](lang), T["points"](lang), T["strengths"](lang),
                                       T["improvements"](lang), T["ideas"](lang)))))
    ws.print_layout(11, title_rows=(0, 0), last_col=4)


def _write_overview_sheet(wb: Any, setup: Any, responses: Mapping[str, Any], stats: RoundStats,
                          labels: Mapping[str, str], lang: str, f: Mapping[str, Any],
                          hidden: frozenset[str] = frozenset()) -> None:
    """Sheet 2: the overview, largest spread first, with the points side by side (none for ``hidden``)."""
    ov = wb.add_worksheet(cells.sheet_name(T["overview"](lang)))
    ov.set_footer("&L&A&R&P / &N")
    _text_cell(ov, 0, 0, T["title"](lang, unit=setup.unit), f["title"])
    # across the table's columns: in the 6-wide Nr column alone it wrapped inside its words
    ov.merge_range(1, 0, 1, 10, cells.cell_text(T["overview_intro"](lang)), f["note"])
    ov.set_row(1, 30)
    heads = [T["nr"](lang), T["theme"](lang), T["question"](lang), T["n"](lang, N=stats.N), T["mean"](lang),
             T["median"](lang), T["min"](lang), T["max"](lang), spread_header(_rule(setup), lang), T["share"](lang),
             T["flag"](lang, pct=_pct(setup.threshold, lang))] + list(labels.values())
    for c, h in enumerate(heads):
        _text_cell(ov, 2, c, h, f["head"])
    r = 3
    for s in stats.by_disagreement():
        theme, qtext = question_label(setup, s.qid, lang)
        _text_cell(ov, r, 0, s.qid, f["text"])
        _text_cell(ov, r, 1, theme, f["text"])
        _text_cell(ov, r, 2, qtext, f["text"])
        ov.write_number(r, 3, s.n, f["int"])
        for c, v, fmt in ((4, s.mean, f["num"]), (5, s.median, f["num"]), (6, s.min, f["int"]), (7, s.max, f["int"]),
                          (8, _num(s.measure, 2), f["int"] if float(s.measure or 0).is_integer() else f["num"]),
                          (9, s.measure_share, f["pct"])):
            if v is None:
                ov.write_blank(r, c, None, fmt)
            else:
                ov.write_number(r, c, v, fmt)
        _text_cell(ov, r, 10, T["yes"](lang) if s.disagreement else "", f["stats_flag"] if s.disagreement else f["text"])
        for c, pid in enumerate(labels, start=11):
            a = _answer(responses[pid], s.qid)
            pts = getattr(a, "points", None) if a is not None and s.qid not in hidden else None
            if pts is None:
                ov.write_blank(r, c, None, f["int"])
            else:
                ov.write_number(r, c, pts, f["int"])
        r += 1
    ov.autofilter(2, 0, max(r - 1, 3), len(heads) - 1)
    ov.freeze_panes(3, 3)
    ov.set_column(0, 0, 6)
    ov.set_column(1, 1, 20)
    ov.set_column(2, 2, 44)
    ov.set_column(3, 10, 10)
    ov.set_column(11, 11 + max(len(labels) - 1, 0), 12)
    ov.widen_for_words(dict(enumerate(heads)))
    ov.print_layout(11, title_rows=(2, 2), title_cols=(0, 2), last_col=max(10, 10 + len(labels)))

