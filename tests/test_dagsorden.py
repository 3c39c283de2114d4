"""The Dagsorden sheet: the seminar's agenda rebuilt at each merge, what the coordinator typed
kept by question id, one printed page, and created in masters made before it existed."""

from __future__ import annotations

import dataclasses
import re
import subprocess

import openpyxl
import pytest
from needs import required as _lo_required

from test_sheets import CAT, PEOPLE, make_collection, make_response, make_setup, roundtrip
from xl_kik.core import catalogue
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.core.stats import compute
from xl_kik.excel import master
from xl_kik.excel.masterfile import MasterFile
from xl_kik.excel.sheets import dagsorden
from xl_kik.steps import merge
from xl_kik.excel.sheets.dagsorden import COL, FIRST_ROW, render_agenda


def small_round(points_by_person):
    setup = make_setup()
    responses = [make_response(p, pts, texts={q: ("", "", "") for q in CAT.question_ids})
                 for p, pts in zip(PEOPLE, points_by_person)]
    coll = make_collection(responses)
    rs = compute(setup, {r.pid: {q: a.points for q, a in r.answers.items()} for r in responses})
    return setup, coll, rs


def agreeing_round():
    """Everybody agrees (50) except on 2.1 (10/50/90: disagreement); on 3.1 two of three say "ved ikke"."""
    pts = [{q: 50 for q in CAT.question_ids} for _ in range(3)]
    pts[0]["2.1"], pts[2]["2.1"] = 10, 90
    pts[0]["3.1"] = pts[1]["3.1"] = None
    return small_round(pts)


def shown(ws):
    rows = []
    for r in range(FIRST_ROW, ws.max_row + 1):
        key = ws.cell(r, 1).value
        if key and not str(key).startswith("#"):
            rows.append(key)
    return rows


def test_order_disagreement_first_themes_together_minutes_add_up():
    setup, coll, rs = agreeing_round()
    ws = openpyxl.Workbook().active
    order = render_agenda(ws, setup, rs, coll.responses, "da")
    theme2 = [q.id for q in CAT.questions_of("2")]
    theme3 = [q.id for q in CAT.questions_of("3")]
    rest = [q for q in CAT.question_ids if q not in theme2 + theme3]
    assert order[:len(theme2)] == theme2  # 2.1 (disagreement) leads, its theme follows it
    assert order[len(theme2)] == "3.1" and sorted(order[len(theme2):len(theme2) + len(theme3)]) == theme3
    assert order[len(theme2) + len(theme3):] == rest  # the rest in catalogue order
    assert shown(ws) == order
    rows = {ws.cell(r, 1).value: r for r in range(FIRST_ROW, ws.max_row + 1)}
    assert ws.cell(rows["2.1"], COL["why"]).value == "uenighed"
    assert ws.cell(rows["3.1"], COL["why"]).value == "mange 'ved ikke'"
    minutes = [ws.cell(rows[q], COL["suggested"]).value for q in order]
    assert sum(minutes) == 444  # 7.4 hours, the default seminar
    assert minutes[0] > minutes[order.index("3.1")] > minutes[-1] >= 1
    total = rows["#total"]
    assert ws.cell(total, COL["suggested"]).value == f"=SUM(F{FIRST_ROW}:F{total - 1})"
    # one page wide; one page tall only when that keeps the text >= 8 pt (a whole round's agenda does not)
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    # a shorter seminar shares fewer minutes
    ws2 = openpyxl.Workbook().active
    render_agenda(ws2, dataclasses.replace(setup, seminar_hours=3), rs, coll.responses, "da")
    assert sum(ws2.cell(r, COL["suggested"]).value for r in range(FIRST_ROW, ws2.max_row)) == 180


def test_what_the_coordinator_typed_is_kept_and_moves_the_question():
    setup, coll, rs = agreeing_round()
    wb = openpyxl.Workbook()
    render_agenda(wb.active, setup, rs, coll.responses, "da")
    ws = wb.active
    rows = {ws.cell(r, 1).value: r for r in range(FIRST_ROW, ws.max_row + 1)}
    ws.cell(rows["5.1"], COL["order"]).value = 1
    ws.cell(rows["2.1"], COL["minutes"]).value = 90
    note = ws.cell(rows["1.1"], COL["note"])
    note.value, note.data_type = "=tag det kort", "s"
    wb = roundtrip(wb)
    # new answers arrive: now 4.1 is the disagreement; the typed things follow their questions
    pts = [{q: 50 for q in CAT.question_ids} for _ in range(3)]
    pts[0]["4.1"], pts[2]["4.1"] = 0, 100
    _, coll2, rs2 = small_round(pts)
    order = render_agenda(wb.active, setup, rs2, coll2.responses, "da")
    ws = wb.active
    assert order[0] == "5.1" and order[1] == "4.1"
    rows = {ws.cell(r, 1).value: r for r in range(FIRST_ROW, ws.max_row + 1)}
    assert ws.cell(rows["5.1"], COL["place"]).value == 1
    assert ws.cell(rows["2.1"], COL["minutes"]).value == 90
    assert ws.cell(rows["1.1"], COL["note"]).value == "=tag det kort"
    assert ws.cell(rows["1.1"], COL["note"]).data_type == "s"
    assert dagsorden.capture(ws).inputs["5.1"]["order"] == 1



@pytest.mark.libreoffice
def test_demo_agenda_prints_one_page_wide_and_old_masters_get_the_sheet(tmp_path):
    from xl_kik.demo import round as demo
    from xl_kik.excel import office

    root = tmp_path / "runde"
    demo.run_demo(root, participants=8, say=lambda _: None)
    path = RoundPaths(root).master
    wb = openpyxl.load_workbook(path)
    assert wb["Dagsorden"].sheet_properties.codeName == "shAgenda"
    assert wb.sheetnames.index("Dagsorden") == wb.sheetnames.index("Konsensus") + 1
    # printed alone, the agenda is one page wide, a few pages tall: a whole round's questions do not fit
    # one page at a readable size (core.printing: >= 8 pt); tests/test_print_layout.py measures the size
    for name in list(wb.sheetnames):
        if name != "Dagsorden":
            wb.remove(wb[name])
    alone = tmp_path / "dagsorden.xlsx"
    wb.save(alone)
    if office.find_soffice() is None:
        if _lo_required():
            pytest.fail("LibreOffice is required for this test", pytrace=False)
        pytest.skip("LibreOffice missing")
    pdf = office.convert([alone], "pdf", tmp_path)[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))
    assert 1 <= pages <= 3, info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Dagsorden til konsensusseminaret" in text and "I alt (minutter)" in text
    # a master made before Dagsorden: the next merge adds it with its codeName and VBA module
    with MasterFile.edit(RoundPaths(root)) as book:
        book.remove(book["Dagsorden"])
    assert "Dagsorden" not in openpyxl.load_workbook(path).sheetnames
    result = merge.merge_round(root)
    assert result.agenda_created
    book = openpyxl.load_workbook(path, keep_vba=True)
    assert book["Dagsorden"].sheet_properties.codeName == "shAgenda"
    assert [p.code for p in master.verify_master(path)] == []
    assert not merge.merge_round(root).agenda_created


def test_an_old_english_master_gets_the_agenda_under_its_english_name(tmp_path):
    """A master made before Dagsorden was in the contract gets the sheet at the next merge, named
    in the round's language: Agenda in an English round (Konsensus is Consensus there)."""
    root = tmp_path / "round"
    people = [Participant("D01", "Ida", "ida@x.dk"), Participant("D02", "Bo", "bo@x.dk")]
    master.create_round(root, unit="Unit", participants=people, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"), lang="en")
    with MasterFile.edit(RoundPaths(root)) as book:
        book.remove(book["Agenda"])
    assert merge.merge_round(root).agenda_created
    names = openpyxl.load_workbook(RoundPaths(root).master).sheetnames
    assert "Dagsorden" not in names and names.index("Agenda") == names.index("Consensus") + 1
