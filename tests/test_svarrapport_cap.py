"""The master's Svarrapport caps long texts for the grid; ``xl-kik report`` keeps them whole (issue 14, goal 5).

The caps are documented in docs/DESIGN.md (a statement at most 1,000 characters, a cell at most
8,000); the numbers here are that documentation's, not read from the code.
"""

from __future__ import annotations

import random

import openpyxl

from xl_kik.core import catalogue
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.excel.masterfile import find_sheet
from xl_kik.excel.sheets import svarrapport

NOTE_DA = "(hele teksten står i svarrapporten, som xl-kik report gemmer i mappen rapporter)"


def _long_text(size: int) -> str:
    words = ["forbedring", "af", "dokumentationen", "mellem", "teamene", "og", "opfølgning", "på", "målene"]
    rng = random.Random(5)
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < size + 20:
        out.append(rng.choice(words))
    text = " ".join(out)[:size]
    return text.rstrip() + "x" * (size - len(text.rstrip()))


def test_a_20000_character_improvement_area_is_capped_on_the_master_and_whole_in_the_report(tmp_path):
    from xl_kik.demo import simulate
    from xl_kik.steps import merge, report
    from xl_kik.steps.generate import generate_round
    from xl_kik.steps.init import init_round

    root = tmp_path / "runde"
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé"])]
    init_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
               scale=catalogue.scale("0-100"))
    long = _long_text(20000)
    assert len(long) == 20000
    for k, (_participant, path) in enumerate(generate_round(root)):
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        answers = simulate.random_answers(layout, random.Random(k))
        if k == 0:
            answers["1.1"]["improvements"] = long
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name, answers)
    merge.merge_round(root)

    ws = find_sheet(openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True), "answers")
    header_row = next(r for r in ws.iter_rows() if any(c.value == "Forbedringsområder" for c in r))
    col = next(c.column for c in header_row if c.value == "Forbedringsområder")
    row = next(r for r in ws.iter_rows(min_row=header_row[0].row + 1) if r[0].value == "1.1")
    cell = row[col - 1].value
    assert len(cell) <= 8000
    statements = cell.split("\n")
    capped = [s for s in statements if NOTE_DA in s]
    assert len(capped) == 1 and len(capped[0]) <= 1000  # the label, the start of the text, "…", the note
    assert capped[0].endswith("… " + NOTE_DA)
    assert long[:200] in capped[0] and long not in cell
    assert len(statements) == 3  # the other two participants' statements are still there, whole

    path = report.export_answer_report(root)
    assert path.name == "Svarrapport Solsikken.xlsx" and path.parent.name == "rapporter"
    texts = [c.value for ws in openpyxl.load_workbook(path).worksheets for r in ws.iter_rows() for c in r]
    assert long in texts  # the whole text, as its own cell


def test_grid_text_stops_at_the_cell_cap_with_the_note():
    lines = (f"Deltager {i}: " + "ord " * 50 for i in range(10_000))  # 2 million characters if all were read
    text = svarrapport.grid_text(lines, note="(se rapporten)")
    assert len(text) <= 8000 and text.endswith("… (se rapporten)")
    assert text.startswith("Deltager 0: ord ord")
    assert text.count("Deltager") < 50


def test_grid_text_keeps_short_statements_whole():
    lines = ["Deltager 1: kort", "Deltager 2: også kort"]
    assert svarrapport.grid_text(lines, note="(se rapporten)") == "Deltager 1: kort\nDeltager 2: også kort"


def test_the_report_tells_ved_ikke_from_a_question_left_blank(tmp_path):
    """A participant who picked 'ved ikke' is shown so; a question they left blank is 'ikke
    besvaret', in the answers report's rows and in the grid's per-participant points text."""
    from xl_kik.demo import simulate
    from xl_kik.steps import merge, report
    from xl_kik.steps.generate import generate_round
    from xl_kik.steps.init import init_round

    root = tmp_path / "runde"
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Ida", "Bo", "Ali", "Eva"])]
    init_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
               scale=catalogue.scale("0-100"))
    for k, (participant, path) in enumerate(generate_round(root)):
        qids = list(simulate.read_layout(openpyxl.load_workbook(path)).rows)
        if participant.name == "Ida":  # 1.1 answered, 1.2 "ved ikke", the rest left blank
            answers = {qids[0]: {"points": 50}, qids[1]: {"points": "ved ikke"}}
        else:
            answers = {q: {"points": 60 + k} for q in qids}
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name, answers)
    merge.merge_round(root)
    wb = openpyxl.load_workbook(report.export_answer_report(root))
    rows = [[c.value for c in r] for r in wb.worksheets[0].iter_rows()]

    def points_under(qid: str) -> list:
        start = next(i for i, r in enumerate(rows) if str(r[0] or "").startswith(f"{qid} "))
        block = []
        for r in rows[start + 3:]:  # the question, its statistics line, the column heads
            if not r[0]:
                break
            block.append(r[1])
        return block

    assert sorted(map(str, points_under("1.2"))) == sorted(["ved ikke", "61", "62", "63"])
    assert sorted(map(str, points_under("1.3"))) == sorted(["ikke besvaret", "61", "62", "63"])
    assert sorted(map(str, points_under("1.1"))) == sorted(["50", "61", "62", "63"])
    # the count beside the statistics is of answers with points: a "ved ikke" is answered, not scored
    lines = [str(r[0]) for r in rows if str(r[0] or "").startswith("Point fra ")]
    assert lines[0].startswith("Point fra 4 af 4 ·") and lines[1].startswith("Point fra 3 af 4 ·"), lines[:3]

    answered = {"1.2": simulate_answer(dont_know=True), "1.3": simulate_answer()}
    assert [*svarrapport._points([("Deltager 1", answered)], "1.2", "ved ikke", "ikke besvaret")] == \
        ["Deltager 1: ved ikke"]
    assert [*svarrapport._points([("Deltager 1", answered)], "1.3", "ved ikke", "ikke besvaret")] == \
        ["Deltager 1: ikke besvaret"]
    assert [*svarrapport._points([("Deltager 1", answered)], "2.1", "ved ikke", "ikke besvaret")] == \
        ["Deltager 1: ikke besvaret"]


def simulate_answer(dont_know: bool = False):
    from xl_kik.core.returns import Answer

    return Answer("q", None, "", "", "", dont_know=dont_know)
