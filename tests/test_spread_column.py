"""The "Spredning" columns show what the disagreement flag is decided on (issue 13, req. 7).

Seven answers 10, 40, 45, 50, 55, 60, 95 on question 1.1 (0-100, threshold 25 %):
highest minus lowest is 85, the interquartile range (QUARTILE.INC) is 57.5 - 42.5 = 15.
With the IQR rule the column shows 15 and no flag; with the range rule it shows 85 and a flag.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xl_kik.core import catalogue
from xl_kik.core.returns import Answer, Response
from xl_kik.core.round import Participant, RoundSetup
from xl_kik.core.stats import compute
from xl_kik.excel.sheets import svarrapport
from xl_kik.excel.sheets.konsensus import COL, HEADER_ROW, render_konsensus

CAT = catalogue.builtin("kik")
POINTS = [10, 40, 45, 50, 55, 60, 95]
PEOPLE = [Participant(f"D{i}", f"Navn {i}", f"n{i}@x.dk") for i in range(len(POINTS))]


def _round(rule: str, lang: str = "da"):
    setup = RoundSetup(round_id="KIK-T", unit="Enheden", catalogue=CAT, scale=catalogue.scale("0-100"), lang=lang,
                       threshold=0.25, anonymise=True, secret="s", disagreement_rule=rule)
    responses = {}
    for p, pts in zip(PEOPLE, POINTS):
        answers = {q: Answer(q, pts if q == "1.1" else 50, "", "", "") for q in CAT.question_ids}
        responses[p.pid] = Response(pid=p.pid, name=p.name, file=Path(f"{p.pid}.xlsx"), modified=0.0, sha256="0" * 64,
                                    answers=answers, answered=len(answers), saved_by="")
    rs = compute(setup, {pid: {q: a.points for q, a in r.answers.items()} for pid, r in responses.items()})
    return setup, responses, rs


@pytest.mark.parametrize("rule, lang, header, shown, share, flag", [
    ("iqr", "da", "Spredning (kvartilafstand)", 15, 0.15, ""),
    ("range", "da", "Spredning (højeste − laveste)", 85, 0.85, "Ja"),
    ("iqr", "en", "Spread (interquartile range)", 15, 0.15, ""),
])
def test_svarrapport_spread_is_the_rules_measure(rule, lang, header, shown, share, flag):
    setup, responses, rs = _round(rule, lang)
    head, rows = svarrapport.answer_rows(setup, PEOPLE, responses, rs, lang)
    row = next(r for r in rows if r[0] == "1.1")
    col = head.index(header)
    assert row[col] == shown and row[col + 1] == pytest.approx(share)
    assert row[col + 2] == ({"Ja": "Ja" if lang == "da" else "Yes"}.get(flag, ""))
    assert (row[7], row[8]) == (10, 95)  # min and max stay beside it


@pytest.mark.parametrize("rule, header, shown, flag", [
    ("iqr", "Spredning (kvartilafstand)", 15, None),
    ("range", "Spredning (højeste − laveste)", 85, "Ja"),
])
def test_konsensus_spread_is_the_rules_measure(rule, header, shown, flag):
    setup, _, rs = _round(rule)
    ws = openpyxl.Workbook().active
    info = render_konsensus(ws, setup, rs, None, "da")
    assert ws.cell(HEADER_ROW, COL["spread"]).value == header
    r = info.rows["1.1"]
    assert ws.cell(r, COL["spread"]).value == shown
    assert ws.cell(r, COL["flag"]).value == flag
    assert (ws.cell(r, COL["min"]).value, ws.cell(r, COL["max"]).value) == (10, 95)


def test_the_answers_report_names_the_measure(tmp_path):
    setup, responses, rs = _round("iqr")
    path = svarrapport.write_answer_report(tmp_path / "svar.xlsx", setup, PEOPLE, responses, rs, True, "da")
    wb = openpyxl.load_workbook(path)
    texts = [c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert "Spredning (kvartilafstand)" in texts
    assert any(t.startswith("Point fra 7 af 7") and "spredning (kvartilafstand) 15" in t for t in texts)
