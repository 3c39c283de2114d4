"""Renderers of the Status / Svarrapport / Konsensus sheets on plain openpyxl workbooks."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import openpyxl
import pytest

from xl_kik.core import catalogue
from xl_kik.core.problems import Report
from xl_kik.core.returns import Answer, Collection, Response, ReturnResult
from xl_kik.core.round import Participant, RoundSetup
from xl_kik.excel.sheets import svarrapport as sheets_answers
from xl_kik.excel.sheets import konsensus as sheets_konsensus
from xl_kik.excel.sheets import status as sheets_status
from xl_kik.excel.sheets.konsensus import COL, read_inputs, render_konsensus
from xl_kik.core.stats import compute

CAT = catalogue.builtin("kik")
SCALE = catalogue.scale("0-100")
PAYLOADS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1:A9)",
            "#N/A", "=1+1"]
PEOPLE = [Participant(f"D0{i}", name, f"{name.lower()}@x.dk") for i, name in
          enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé", "Dorthe Dahl"], start=1)]


def make_setup(cat=CAT, anonymise=True, lang="da"):
    return RoundSetup(round_id="KIK-TEST", unit="Testenheden", catalogue=cat, scale=SCALE, lang=lang,
                      threshold=0.35, anonymise=anonymise, secret="s3cret")


def make_response(p, points, texts=None, file=None):
    texts = texts or {}
    answers = {q: Answer(q, points.get(q), *texts.get(q, (f"styrke {p.pid} {q}", f"forbedring {p.pid} {q}", "")))
               for q in CAT.question_ids}
    return Response(pid=p.pid, name=p.name, file=Path(file or f"{p.name}.xlsx"), modified=1_700_000_000.0,
                    sha256="0" * 64, answers=answers, answered=sum(v is not None for v in points.values()),
                    saved_by="Microsoft Excel")


def make_collection(responses, participants=PEOPLE, bad=()):
    results = [ReturnResult(Path(str(r.file)), r, Report(str(r.file))) for r in responses]
    results += list(bad)
    by_pid = {r.pid: r for r in responses}
    return Collection(results=results, responses=by_pid, missing=[p for p in participants if p.pid not in by_pid],
                      superseded=[])


def standard(lang="da", anonymise=True):
    setup = make_setup(anonymise=anonymise, lang=lang)
    pts = [{q: 10 for q in CAT.question_ids}, {q: 50 for q in CAT.question_ids}, {q: 60 for q in CAT.question_ids}]
    pts[0]["1.2"] = None
    texts = {"1.1": (PAYLOADS[0], PAYLOADS[1], PAYLOADS[4])}
    responses = [make_response(PEOPLE[0], pts[0], texts), make_response(PEOPLE[1], pts[1]),
                 make_response(PEOPLE[2], pts[2])]
    coll = make_collection(responses)
    rs = compute(setup, {r.pid: {q: a.points for q, a in r.answers.items()} for r in responses})
    return setup, coll, rs


def roundtrip(wb):
    bio = io.BytesIO()
    wb.save(bio)
    return openpyxl.load_workbook(io.BytesIO(bio.getvalue()))


def values(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


# ---------------------------------------------------------------- Status
def test_status_lists_returned_missing_and_bad_files_errors_first():
    from xl_kik.excel.intake import F_TEXT
    from xl_kik.core.returns import R_DUPLICATE_FILE

    setup, coll, rs = standard()
    warn = R_DUPLICATE_FILE(file="x.xlsx", other="y.xlsx")
    bad = ReturnResult(Path("junk.txt"), None, Report("junk.txt", [warn, F_TEXT(file="junk.txt")]))
    coll = make_collection(list(coll.responses.values()), bad=[bad])
    wb = openpyxl.Workbook()
    data = sheets_status.render_status(wb.active, setup, PEOPLE, coll, "da")
    ws = roundtrip(wb).active
    flat = [v for row in values(ws) for v in row if v is not None]
    assert "3 af 4 deltagere har afleveret. 1 mangler. 1 fil kunne ikke bruges." in flat
    assert "Dorthe Dahl" in flat and "dorthe dahl@x.dk" in flat
    assert data["bad"][0][1] == F_TEXT.code and data["bad"][0][2] == "Fejl"  # errors before warnings
    assert data["bad"][1][1] == warn.code
    assert any(isinstance(v, str) and v.startswith("[") is False and "junk.txt" in v for v in flat)
    assert ws.page_setup.orientation == "landscape"


def test_status_participant_table_is_a_whole_grid():
    """Every cell of the participants table has its border, also a remark cell on a row
    without remarks and the empty cells of a participant who has not returned (a table with
    holes in its grid reads as broken on paper)."""
    setup, coll, rs = standard()
    wb = openpyxl.Workbook()
    data = sheets_status.render_status(wb.active, setup, PEOPLE, coll, "da")
    ws = roundtrip(wb).active
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Id")
    rows = range(header + 1, header + 1 + len(data["participants"]))
    blanks = 0
    for r in rows:
        for c in range(1, 9):
            cell = ws.cell(r, c)
            blanks += cell.value is None
            assert cell.border.left.style == cell.border.right.style == "thin", (cell.coordinate, cell.value)
    assert blanks  # the standard round has rows without remarks and a participant who is missing


def test_status_english():
    setup, coll, rs = standard(lang="en")
    wb = openpyxl.Workbook()
    sheets_status.render_status(wb.active, setup, PEOPLE, coll, "en")
    assert wb.active["A3"].value.startswith("3 of 4 participants have returned")


# ---------------------------------------------------------------- Svarrapport
def test_answers_anonymised_by_default_and_payloads_are_text():
    setup, coll, rs = standard()
    wb = openpyxl.Workbook()
    sheets_answers.render_answers(wb.active, setup, PEOPLE, coll.responses, rs, "da")
    ws = roundtrip(wb).active
    header = [c.value for c in ws[sheets_answers.HEADER_ROW]]
    assert {"Deltager 1", "Deltager 2", "Deltager 3"} <= set(header)
    flat = " ".join(str(v) for row in values(ws) for v in row if v is not None)
    for p in PEOPLE:
        assert p.name not in flat
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", c.coordinate
    assert any(PAYLOADS[0] in str(v) for v in flat.split("\n")) or PAYLOADS[0] in flat
    assert ws.auto_filter.ref.startswith("A5:")
    assert ws.column_dimensions["A"].hidden
    # too wide for one readable page: a fixed scale that keeps 11 pt text >= 8 pt (core.printing)
    assert ws.page_setup.orientation == "landscape" and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert 73 <= ws.page_setup.scale <= 100
    assert ws.print_title_rows == "5:5" or ws.print_title_rows.startswith("$5:$5")
    assert len(ws.conditional_formatting) >= 2


def test_answers_statistics_columns():
    setup, coll, rs = standard()
    header, rows = sheets_answers.answer_rows(setup, PEOPLE, coll.responses, rs, "da")
    row = {r[0]: r for r in rows}["1.1"]
    assert row[4:13] == [3, 40.0, 50.0, 10, 60, pytest.approx(26.46, abs=0.01), 50, 0.5, "Ja"]
    assert row[13:16] and sorted(row[13:16]) == [10, 50, 60]
    row12 = {r[0]: r for r in rows}["1.2"]
    assert row12[4] == 2 and None in row12[13:16]  # blank = ved ikke


def test_answers_with_names():
    setup, coll, rs = standard(anonymise=False)
    header, rows = sheets_answers.answer_rows(setup, PEOPLE, coll.responses, rs, "da")
    assert header[13:16] == ["Anna Ærø", "Bo Bøg", "Carl Cé"]


def test_answers_big_round_is_compact():
    setup = make_setup()
    people = [Participant(f"P{i:03d}", f"N{i}") for i in range(sheets_answers.SIDE_BY_SIDE_MAX + 5)]
    responses = {p.pid: make_response(p, {q: 40 for q in CAT.question_ids}) for p in people}
    rs = compute(setup, {pid: {q: a.points for q, a in r.answers.items()} for pid, r in responses.items()})
    header, rows = sheets_answers.answer_rows(setup, people, responses, rs, "da")
    assert "Point pr. deltager" in header and len(header) == 13 + 4
    assert rows[0][13].count("Deltager") == len(people)


def test_grid_text_respects_the_grid_cap():
    lines = [f"Deltager {i}: " + "x" * 900 for i in range(100)]
    text = sheets_answers.grid_text(lines, note="(se rapporten)")
    assert len(text) <= 8000 and text.endswith("… (se rapporten)")  # the cap docs/DESIGN.md documents
    assert 1 < text.count("Deltager") < 100


def test_export_answer_report(tmp_path):
    setup, coll, rs = standard()
    path = sheets_answers.write_answer_report(tmp_path / "svar.xlsx", setup, PEOPLE, coll.responses, rs, True, "da")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Svar", "Oversigt"]
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    texts.append(c.value)
    for payload in PAYLOADS[:2] + [PAYLOADS[4]]:
        assert payload in texts
    assert not any(p.name in t for p in PEOPLE for t in texts)
    ov = wb["Oversigt"]
    assert ov["A4"].value == "1.1"  # largest spread first (ties: catalogue order)
    named = sheets_answers.write_answer_report(tmp_path / "navne.xlsx", setup, PEOPLE, coll.responses, rs, False, "en")
    names = {c.value for row in openpyxl.load_workbook(named)["Answers"].iter_rows() for c in row}
    assert "Anna Ærø" in names


# ---------------------------------------------------------------- Konsensus
def type_inputs(ws, qid, **values):
    rows = {r[0].value: r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value}
    for k, v in values.items():
        cell = ws.cell(rows[qid], COL[k])
        cell.value = v
        if isinstance(v, str):
            cell.data_type = "s"  # typed/pasted text stays text (like Excel with a text cell)


def test_konsensus_layout_contract_and_formulas():
    setup, coll, rs = standard()
    wb = openpyxl.Workbook()
    ws = wb.active
    info = render_konsensus(ws, setup, rs, {"1.1": 55}, "da")
    assert [ws.cell(3, c).value for c in range(1, 23)] == list(sheets_konsensus.KEYS) + [None]
    assert ws.row_dimensions[3].hidden and ws.column_dimensions["A"].hidden
    r = info.rows["1.1"]
    assert ws.cell(r, COL["suggested"]).value == 50 and ws.cell(r, COL["n"]).value == "3 af 3"
    assert ws.cell(r, COL["previous"]).value == 55
    assert ws.cell(r, COL["distribution"]).value == "10: 1, 50: 1, 60: 1"
    assert ws.cell(r, COL["flag"]).value == "Ja"
    qw = ws.cell(r, COL["quick_win"]).value
    assert qw == f'=IF(AND(R{r}="Høj",S{r}="Let"),"Ja","")'
    tr = info.theme_rows["1"]
    first, last = info.rows["1.1"], info.rows["1.3"]
    assert ws.cell(tr, 6).value == f'=IF(COUNT(M{first}:M{last})=0,"",AVERAGE(M{first}:M{last}))'
    assert ws.cell(tr, 5).value == f'=COUNT(M{first}:M{last})&" af 3"'
    assert len(ws._charts) == 1
    kinds = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert kinds["whole"].formula1 == "0" and kinds["whole"].formula2 == "100"
    lists = sorted(dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert lists == sorted(['"Ja,Nej"', '"Høj,Middel,Lav"', '"Let,Middel,Svær"', '"Vedtaget,Afventer,Afvist"'])
    assert ws.page_setup.orientation == "landscape"
    wb2 = roundtrip(wb)  # the chart and validations survive a save
    assert len(wb2.active.data_validations.dataValidation) == 5


def test_konsensus_inputs_survive_rerender_move_and_removal():
    setup, coll, rs = standard()
    wb = openpyxl.Workbook()
    ws = wb.active
    render_konsensus(ws, setup, rs, None, "da")
    type_inputs(ws, "1.1", agreed_points=45, agreed_strengths=PAYLOADS[0], agreed_improvements="A\nB",
                to_plan="Ja", effect="Høj", feasibility="Let", decision="Vedtaget")
    type_inputs(ws, "1.2", agreed_points=70, agreed_strengths="fjernes snart")
    ws.cell(ws.max_row + 3, 4).value = "En note fra tovholderen"
    r11 = [r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "1.1"][0]
    ws.cell(r11, 22).value = "egen kolonne"
    wb = roundtrip(wb)
    ws = wb.active
    # new catalogue: 1.2 removed, 1.3 moved before 1.1
    data = CAT.content()
    data["questions"] = [q for q in data["questions"] if q["id"] != "1.2"]
    i11 = next(i for i, q in enumerate(data["questions"]) if q["id"] == "1.1")
    i13 = next(i for i, q in enumerate(data["questions"]) if q["id"] == "1.3")
    data["questions"][i11], data["questions"][i13] = data["questions"][i13], data["questions"][i11]
    cat2 = catalogue.from_data(data)
    setup2 = dataclasses.replace(setup, catalogue=cat2)
    rs2 = compute(setup2, {})
    info = render_konsensus(ws, setup2, rs2, None, "da")
    assert info.rows["1.3"] < info.rows["1.1"] and info.removed == ["1.2"] and info.notes == 1
    inputs = read_inputs(ws)
    assert inputs["1.1"]["agreed_points"] == 45 and inputs["1.1"]["agreed_strengths"] == PAYLOADS[0]
    assert inputs["1.1"]["agreed_improvements"] == "A\nB" and inputs["1.1"]["quick_win"] is True
    assert "1.2" not in inputs and read_inputs(ws, include_removed=True)["1.2"]["agreed_points"] == 70
    c = ws.cell(info.rows["1.1"], COL["agreed_strengths"])
    assert c.data_type == "s" and c.value == PAYLOADS[0]
    assert ws.cell(info.rows["1.1"], 22).value == "egen kolonne"
    flat = [v for row in values(ws) for v in row]
    assert "En note fra tovholderen" in flat
    # the question comes back: its inputs return to its row
    wb = roundtrip(wb)
    ws = wb.active
    info3 = render_konsensus(ws, setup, rs, None, "da")
    assert info3.removed == [] and read_inputs(ws)["1.2"]["agreed_points"] == 70
    assert flat.count("En note fra tovholderen") == 1
    assert [v for row in values(ws) for v in row].count("En note fra tovholderen") == 1


def test_konsensus_rerender_is_idempotent():
    setup, coll, rs = standard()
    wb = openpyxl.Workbook()
    ws = wb.active
    render_konsensus(ws, setup, rs, {"2.1": 40}, "da")
    type_inputs(ws, "2.2", agreed_points=60, effect="Lav")
    wb = roundtrip(wb)
    ws = wb.active
    render_konsensus(ws, setup, rs, None, "da")
    first = values(roundtrip(wb).active)
    wb = roundtrip(wb)
    ws = wb.active
    render_konsensus(ws, setup, rs, None, "da")
    assert values(roundtrip(wb).active) == first
    assert read_inputs(ws)["2.2"]["agreed_points"] == 60
    assert [row[COL["previous"] - 1] for row in first if row[0] == "2.1"] == [40]  # previous is sticky


def test_read_inputs_from_rows_matches_worksheet_and_is_lenient():
    setup, coll, rs = standard(lang="en")
    wb = openpyxl.Workbook()
    ws = wb.active
    render_konsensus(ws, setup, rs, None, "en")
    type_inputs(ws, "3.1", agreed_points="55", effect="High", feasibility="Easy", to_plan="Yes")
    type_inputs(ws, "3.2", agreed_points="ca. 60", effect="Høj", feasibility="Svær")
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert read_inputs(rows) == read_inputs(ws)
    got = read_inputs(ws)
    assert got["3.1"]["agreed_points"] == 55 and got["3.1"]["quick_win"] is True
    assert got["3.2"]["agreed_points"] == "ca. 60" and got["3.2"]["quick_win"] is False
    assert sheets_konsensus.choice_id("effect", "Høj") == "high" == sheets_konsensus.choice_id("effect", " high ")
    assert list(got) == list(CAT.question_ids)
    assert ws.cell(sheets_konsensus.HEADER_ROW, COL["agreed_points"]).value == "Agreed points"


def test_konsensus_placeholder_is_not_kept_as_note():
    from xl_kik.excel.master import PLACEHOLDERS

    setup, coll, rs = standard()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = PLACEHOLDERS["consensus"].da
    info = render_konsensus(ws, setup, rs, None, "da")
    assert info.notes == 0


def test_konsensus_difference_column_beside_agreed_points():
    setup, coll, rs = standard()
    wb = openpyxl.Workbook()
    ws = wb.active
    info = render_konsensus(ws, setup, rs, None, "da")
    # the column right of "Aftalte point" holds agreed minus suggested (M - F), blank until agreed
    assert ws.cell(3, 13).value == "agreed_points" and ws.cell(3, 14).value == "difference"
    assert ws.cell(4, 14).value == "Forskel (aftalt − forslag)"
    r = info.rows["2.1"]
    assert ws.cell(r, 14).value == f'=IF(AND(ISNUMBER(M{r}),ISNUMBER(F{r})),M{r}-F{r},"")'
    assert ws.cell(info.theme_rows["1"], 14).value is None  # not on theme-score rows
    # far moves (20 points on 0-100) are highlighted
    rules = [(str(rng.sqref), rule.formula) for rng in ws.conditional_formatting for rule in rng.rules]
    first, last = sheets_konsensus.FIRST_ROW, max(info.rows.values())
    assert (f"N{first}:N{last}", [f"AND(ISNUMBER(N{first}),ABS(N{first})>=20)"]) in rules
    # typed inputs are untouched by the new column
    type_inputs(ws, "2.1", agreed_points=80, agreed_strengths="godt")
    wb = roundtrip(wb)
    render_konsensus(wb.active, setup, rs, None, "da")
    got = read_inputs(wb.active)["2.1"]
    assert got["agreed_points"] == 80 and got["agreed_strengths"] == "godt"


def test_konsensus_from_the_older_layout_keeps_columns_typed_right_of_the_table():
    """A master merged before the difference column: its 20-column table had the coordinator's own
    column in U (21); after the re-render it is right of the new 21-column table, not over "Beslutning"."""
    setup, coll, rs = standard()
    wb = openpyxl.Workbook()
    ws = wb.active
    old_keys = [k for k in sheets_konsensus.KEYS if k != "difference"]
    assert len(old_keys) == 20
    for c, k in enumerate(old_keys, start=1):
        ws.cell(3, c).value = k
    ws.cell(5, 1).value = "1.1"
    ws.cell(5, old_keys.index("agreed_points") + 1).value = 40
    ws.cell(5, old_keys.index("decision") + 1).value = "Vedtaget"
    ws.cell(5, 21).value = "egen note"
    ws.column_dimensions["U"].width = 33
    info = render_konsensus(ws, setup, rs, None, "da")
    r = info.rows["1.1"]
    assert ws.cell(r, COL["decision"]).value == "Vedtaget" and COL["decision"] == 21
    assert ws.cell(r, 22).value == "egen note"
    assert ws.column_dimensions["V"].width == 33
    assert read_inputs(ws)["1.1"]["agreed_points"] == 40


@pytest.mark.parametrize("styled", [True, False])
def test_put_makes_the_cell_openpyxl_makes(styled):
    """``status.new_cell`` (put's cell, slots set directly) has every slot openpyxl's
    ``Cell(ws, row=, column=, style_array=)`` has, and a style array of its own."""
    from openpyxl.cell.cell import Cell

    wb = openpyxl.Workbook()
    ws = wb.active
    look = sheets_status.Look(ws, bold=True, fill="DDEBF7", wrap=True, border=True) if styled else None
    array = None if look is None else look.array
    ours, theirs = sheets_status.new_cell(ws, 7, 3, array), Cell(ws, row=7, column=3, style_array=array)
    slots = [slot for klass in Cell.__mro__ for slot in getattr(klass, "__slots__", ())]
    assert {slot: getattr(ours, slot) for slot in slots} == {slot: getattr(theirs, slot) for slot in slots}
    if styled:
        assert ours._style is not array and ours._style == array
        ours.quotePrefix = True  # openpyxl changes a cell's own array in place
        assert not look.array.quotePrefix
    cell = sheets_status.put(ws, 7, 3, "=1+1", look)  # through the one writer: inert text
    assert (cell.value, cell.data_type, ws.max_row, ws._current_row) == ("=1+1", "s", 7, 7)
    assert ws.cell(7, 3) is cell
