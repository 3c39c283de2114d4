"""Small-group anonymity: below the minimum group size no anonymised output shows a question's
individual distribution, and the sheets say why and how "Deltager k" works."""

from __future__ import annotations

import dataclasses
import random

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from test_sheets import CAT, PEOPLE, make_collection, make_response, make_setup, roundtrip
from xl_kik.core import anonymity
from xl_kik.core.stats import compute
from xl_kik.excel.sheets import svarrapport as sheets_answers
from xl_kik.excel.sheets.konsensus import COL, render_konsensus

# 1.2: only two answers (Anna says "ved ikke"); every other question three
POINTS = [{q: 10 for q in CAT.question_ids}, {q: 50 for q in CAT.question_ids}, {q: 60 for q in CAT.question_ids}]
POINTS[0]["1.2"] = None


def small_round(anonymise=True, min_group=3, lang="da"):
    setup = dataclasses.replace(make_setup(anonymise=anonymise, lang=lang), min_group=min_group)
    responses = [make_response(p, pts) for p, pts in zip(PEOPLE, POINTS)]
    coll = make_collection(responses)
    rs = compute(setup, {r.pid: {q: a.points for q, a in r.answers.items()} for r in responses})
    return setup, coll, rs


def test_guard_withholds_only_small_groups_and_only_when_anonymised():
    setup, coll, rs = small_round()
    shown, hidden = anonymity.guard(rs, True, 3)
    assert hidden == {"1.2"}
    s = shown.questions["1.2"]
    assert (s.min, s.max, s.spread, s.std, s.distribution) == (None, None, None, None, {})
    assert s.median == 55 and s.n == 2  # the seminar's suggestion and the count stay
    assert shown.questions["1.1"] == rs.questions["1.1"]
    assert anonymity.guard(rs, False, 3)[1] == set()  # names shown: the coordinator chose that
    assert anonymity.guard(rs, True, 4)[1] == set(CAT.question_ids)
    assert anonymity.guard(rs, True, 1)[1] == set()
    note = anonymity.withheld_note(hidden, 3, "da")
    assert "1 spørgsmål med færre end 3 svar" in note and note.endswith(": 1.2.")
    assert "1 question with fewer than 3 answers" in anonymity.withheld_note(hidden, 3, "en")


def test_parse_min_group():
    assert anonymity.parse_min_group(3) == anonymity.parse_min_group("3") == anonymity.parse_min_group(3.0) == 3
    for bad in ("to", "0", 0, -1, 2.5, True, ""):
        with pytest.raises(ValueError):
            anonymity.parse_min_group(bad)


def _svarrapport_rows(setup, coll, rs):
    wb = openpyxl.Workbook()
    sheets_answers.render_answers(wb.active, setup, PEOPLE, coll.responses, rs, setup.lang)
    ws = roundtrip(wb).active
    header = [c.value for c in ws[sheets_answers.HEADER_ROW]]
    rows = {r[0]: r for r in ws.iter_rows(min_row=sheets_answers.FIRST_ROW, values_only=True) if r[0]}
    return ws, header, rows


def test_svarrapport_sheet_hides_points_of_a_small_question_and_says_why():
    setup, coll, rs = small_round()
    ws, header, rows = _svarrapport_rows(setup, coll, rs)
    people = [i for i, h in enumerate(header) if isinstance(h, str) and h.startswith("Deltager ")]
    assert len(people) == 3
    assert [rows["1.1"][i] for i in people] != [None] * 3  # a group of three: points shown
    assert sorted(rows["1.1"][i] for i in people) == [10, 50, 60]
    assert [rows["1.2"][i] for i in people] == [None, None, None]
    for key in ("min", "max", "std", "spread", "share"):
        assert rows["1.2"][sheets_answers.COLS.index(key)] is None, key
    assert rows["1.2"][sheets_answers.COLS.index("median")] == 55
    note = ws.cell(4, 2).value
    assert "'Deltager k' er den samme person i alle spørgsmål" in note and "færre end 3 svar" in note
    assert note.endswith(": 1.2.")
    # with names (anonymisation off) everything is shown and no anonymity note is written
    setup, coll, rs = small_round(anonymise=False)
    ws, header, rows = _svarrapport_rows(setup, coll, rs)
    names = [i for i, h in enumerate(header) if h in {p.name for p in PEOPLE}]
    assert sorted(v for i in names if (v := rows["1.2"][i]) is not None) == [50, 60]
    assert ws.cell(4, 2).value is None


def test_konsensus_distribution_withheld_for_a_small_question():
    setup, coll, rs = small_round()
    wb = openpyxl.Workbook()
    ws = wb.active
    info = render_konsensus(ws, setup, rs, None, "da")
    r12, r11 = info.rows["1.2"], info.rows["1.1"]
    assert ws.cell(r12, COL["distribution"]).value == "skjult (færre end 3 svar)"
    assert [ws.cell(r12, COL[k]).value for k in ("min", "max", "spread")] == [None, None, None]
    assert ws.cell(r12, COL["suggested"]).value == 55
    assert ws.cell(r11, COL["distribution"]).value == "10: 1, 50: 1, 60: 1"
    assert "fordelingen" in ws.cell(2, 2).value and ws.cell(2, 2).value.endswith(": 1.2.")


def test_answer_report_file_withholds_and_states_the_label_choice(tmp_path):
    setup, coll, rs = small_round()
    path = sheets_answers.write_answer_report(tmp_path / "svar.xlsx", setup, PEOPLE, coll.responses, rs,
                                              anonymise=True, lang="da")
    book = CalamineWorkbook.from_path(str(path))
    answers = book.get_sheet_by_name("Svar").to_python(skip_empty_area=False)
    flat = [str(v) for row in answers for v in row if v not in ("", None)]
    assert any("'Deltager k' er den samme person" in v for v in flat)
    start = next(i for i, row in enumerate(answers) if str(row[0]).startswith("1.2 "))
    stats_line = answers[start + 1][0]
    assert "min skjult (færre end 3 svar)" in stats_line and "median 55" in stats_line
    people_rows = answers[start + 3:start + 6]
    assert [row[1] for row in people_rows] == ["skjult (færre end 3 svar)"] * 3
    start11 = next(i for i, row in enumerate(answers) if str(row[0]).startswith("1.1 "))
    assert sorted(row[1] for row in answers[start11 + 3:start11 + 6]) == [10, 50, 60]
    overview = book.get_sheet_by_name("Oversigt").to_python(skip_empty_area=False)
    row12 = next(row for row in overview if row[0] == "1.2")
    assert all(v in ("", None) for v in row12[11:14]) and all(v in ("", None) for v in row12[6:10])
    row11 = next(row for row in overview if row[0] == "1.1")
    assert sorted(row11[11:14]) == [10, 50, 60]


def test_master_setting_read_written_and_old_masters_default(tmp_path):
    from xl_kik.core import catalogue
    from xl_kik.core.round import Participant, RoundPaths
    from xl_kik.excel import master
    from xl_kik.excel.masterfile import MasterFile

    root = tmp_path / "r"
    master.create_round(root, unit="Enhed", participants=[Participant("", "Ida", "i@x.dk")],
                        catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"))
    assert master.load_round(root)[0].min_group == 3
    with MasterFile.edit(RoundPaths(root)) as wb:
        ws = wb["Opsætning"]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "min_group")
        assert ws.cell(row, 2).value == "Mindste gruppe for fordeling"
        ws.cell(row, 3).value = 5
    assert master.load_round(root)[0].min_group == 5
    with MasterFile.edit(RoundPaths(root)) as wb:  # a master made before the setting existed
        ws = wb["Opsætning"]
        ws.cell(row, 1).value = None
        ws.cell(row, 3).value = None
    assert master.load_round(root)[0].min_group == 3


def test_merged_master_never_shows_a_small_groups_points(tmp_path):
    """A real round: 3 returns, question 1.2 answered by two; after merge the master's Svarrapport
    and Konsensus hold no individual points of 1.2, and the merge keeps them for 1.1."""
    from xl_kik.core import catalogue
    from xl_kik.core.round import Participant, RoundPaths
    from xl_kik.demo import simulate
    from xl_kik.steps import merge
    from xl_kik.steps.generate import generate_round
    from xl_kik.steps.init import init_round

    root = tmp_path / "runde"
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé"])]
    init_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
               scale=catalogue.scale("0-100"))
    given = [20, 50, 90]
    for k, (_participant, path) in enumerate(generate_round(root)):
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        answers = simulate.random_answers(layout, random.Random(k))
        answers["1.1"]["points"] = given[k]
        answers["1.2"]["points"] = None if k == 0 else given[k] + 3
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name, answers)
    merge.merge_round(root)
    book = CalamineWorkbook.from_path(str(RoundPaths(root).master))
    svar = book.get_sheet_by_name("Svarrapport").to_python(skip_empty_area=False)
    header = svar[sheets_answers.HEADER_ROW - 1]
    people_cols = [i for i, h in enumerate(header) if str(h).startswith("Deltager ")]
    row = {r[0]: r for r in svar if r and r[0] in ("1.1", "1.2")}
    assert sorted(row["1.1"][i] for i in people_cols) == given
    assert all(row["1.2"][i] in ("", None) for i in people_cols)
    assert 53.0 not in row["1.2"] and 93.0 not in row["1.2"]
    kons = book.get_sheet_by_name("Konsensus").to_python(skip_empty_area=False)
    k12 = next(r for r in kons if r and r[0] == "1.2")
    assert 53.0 not in k12 and 93.0 not in k12 and "53" not in " ".join(map(str, k12))
    assert k12[COL["suggested"] - 1] == 73  # the median of the two stays: the seminar's starting point
