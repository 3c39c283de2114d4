"""generate --resend ID: the participant's answers come back in a new scoring workbook, the
problem cells marked; the resent file is a normal questionnaire of the round."""

from __future__ import annotations

import os
import random
import shutil
import time

import openpyxl
import pytest

from xl_kik.cli import main
from xl_kik.core import catalogue
from xl_kik.core.errors import SetupError
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.demo import simulate
from xl_kik.excel import master
from xl_kik.steps import generate, merge
from xl_kik.steps.status import read_returns


def test_resend_keeps_answers_marks_problems_and_counts_as_a_normal_return(tmp_path):
    root = tmp_path / "runde"
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé"])]
    master.create_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"))
    files = generate.generate_round(root)
    paths = RoundPaths(root)
    anna_file = files[0][1]
    layout = simulate.read_layout(openpyxl.load_workbook(anna_file))
    typed = simulate.random_answers(layout, random.Random(1), blank_share=0)
    typed["1.2"]["points"] = "ca. 60"  # a problem: not a whole number
    typed["1.3"]["points"] = "ved ikke"
    simulate.fill_workbook(anna_file, paths.returns / anna_file.name, typed)
    setup, participants = master.load_round(root)
    before = read_returns(root, setup, participants, "da").responses["D01"]

    with pytest.raises(SetupError) as err:
        generate.resend(root, "D02")  # Bo has returned nothing
    assert "Bo Bøg (D02) har ikke afleveret" in str(err.value)
    with pytest.raises(SetupError):
        generate.resend(root, "D99")

    assert main(["generate", str(root), "--resend", "d01"]) == 0
    resent = paths.outgoing / anna_file.name
    wb = openpyxl.load_workbook(resent)
    ws = wb[layout.sheet]
    row = layout.rows
    for qid, a in before.answers.items():
        if qid in ("1.2", "1.3"):
            continue
        assert ws[f"{layout.points_col}{row[qid]}"].value == a.points, qid
        assert (ws[f"{layout.strengths_col}{row[qid]}"].value or "") == a.strengths
        assert (ws[f"{layout.improvements_col}{row[qid]}"].value or "") == a.improvements
    bad = ws[f"{layout.points_col}{row['1.2']}"]
    assert bad.value is None and bad.comment is not None and "ca. 60" in bad.comment.text
    assert bad.fill.start_color.rgb.endswith("F8CBAD")
    assert ws[f"{layout.points_col}{row['1.3']}"].value == "ved ikke"
    # it comes back (fixed) and, being newer, wins; it is read as Anna's return of this round
    fixed = paths.returns / "anna rettet.xlsx"
    simulate.fill_workbook(resent, fixed, {"1.2": {"points": 60}})
    later = time.time() + 5
    os.utime(fixed, (later, later))
    result = merge.merge_round(root)
    anna = result.collection.responses["D01"]
    assert anna.file.name == "anna rettet.xlsx"
    assert anna.answers["1.2"].points == 60 and anna.answers["1.3"].dont_know
    assert {q: a.points for q, a in anna.answers.items() if q not in ("1.2",)} == \
        {q: a.points for q, a in before.answers.items() if q not in ("1.2",)}


def test_the_generate_button_resends_who_is_marked_in_deltagere(tmp_path):
    """The button path: 'Send igen med svar' = Ja on Deltagere, then the ordinary generate (what the
    button '1. Lav spørgeskemaer' runs) makes that person's questionnaire with the answers kept."""
    from xl_kik.excel.masterfile import MasterFile

    root = tmp_path / "runde"
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé"])]
    master.create_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"))
    paths = RoundPaths(root)
    files = generate.generate_round(root)
    anna_file = files[0][1]
    layout = simulate.read_layout(openpyxl.load_workbook(anna_file))
    typed = simulate.random_answers(layout, random.Random(2), blank_share=0)
    simulate.fill_workbook(anna_file, paths.returns / anna_file.name, typed)
    with MasterFile.edit(paths) as wb:
        ws = wb["Deltagere"]
        assert ws["G1"].value == "Send igen med svar"
        ws["G2"] = "Ja"  # Anna
        ws["G3"] = "Ja"  # Bo: nothing returned yet
    result = generate.generate_round(root)
    assert "Spørgeskemaet til Anna Ærø er lavet igen" in result.summary("da")
    assert "Bo Bøg (D02) har ikke afleveret et brugbart spørgeskema endnu" in result.summary("da")
    ws = openpyxl.load_workbook(paths.outgoing / anna_file.name)[layout.sheet]
    for qid, values in typed.items():
        assert ws[f"{layout.points_col}{layout.rows[qid]}"].value == values["points"], qid
    carl = openpyxl.load_workbook(files[2][1])[layout.sheet]
    assert all(carl[f"{layout.points_col}{r}"].value is None for r in layout.rows.values())


# ---------------------------------------------------------------- the flag is done once it is done
def _anna_returned(tmp_path, flag_anna: bool = True):
    """A round where Anna (D01) has returned; 'Send igen med svar' = Ja for Anna and Bo (who has not)."""
    from xl_kik.excel.masterfile import MasterFile

    root = tmp_path / "runde"
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé"])]
    master.create_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"))
    paths = RoundPaths(root)
    anna_file = generate.generate_round(root)[0][1]
    layout = simulate.read_layout(openpyxl.load_workbook(anna_file))
    simulate.fill_workbook(anna_file, paths.returns / anna_file.name,
                           simulate.random_answers(layout, random.Random(3), blank_share=0))
    with MasterFile.edit(paths) as wb:
        ws = wb["Deltagere"]
        assert (ws["G1"].value, ws["H2"].value) == ("Send igen med svar", None)
        if flag_anna:
            ws["G2"] = "Ja"
        ws["G3"] = "Ja"
    return paths


def _deltagere(paths):
    ws = openpyxl.load_workbook(paths.master, keep_vba=True)["Deltagere"]
    return {c: ws[c].value for c in ("G2", "H2", "G3", "H3", "G4", "H4")}


TODAY = __import__("datetime").date.today().strftime("%d-%m-%Y")


def test_generate_clears_the_flag_of_who_was_resent_and_notes_the_date(tmp_path):
    paths = _anna_returned(tmp_path)
    generate.generate_round(paths.root)
    cells = _deltagere(paths)
    assert cells["G2"] == "Nej" and cells["H2"] == f"Sendt igen med svar {TODAY}"
    assert cells["G3"] == "Ja" and cells["H3"] is None  # Bo has returned nothing: still to do
    assert cells["G4"] in (None, "") and cells["H4"] is None
    assert master.read_master(paths.root).participants[0].resend == "Nej"
    # the next ordinary generate makes Anna an ordinary questionnaire
    assert "Anna Ærø er lavet igen" not in generate.generate_round(paths.root).summary("da")


def test_generate_resend_id_clears_the_flag_and_notes_the_date(tmp_path):
    paths = _anna_returned(tmp_path)
    assert main(["generate", str(paths.root), "--resend", "D01"]) == 0
    cells = _deltagere(paths)
    assert cells["G2"] == "Nej" and cells["H2"] == f"Sendt igen med svar {TODAY}"
    assert cells["G3"] == "Ja"


def test_generate_resend_id_without_the_flag_notes_the_date(tmp_path):
    paths = _anna_returned(tmp_path, flag_anna=False)
    generate.resend(paths.root, "D01")
    cells = _deltagere(paths)
    assert cells["G2"] in (None, "") and cells["H2"] == f"Sendt igen med svar {TODAY}"


def test_the_generate_button_clears_the_flag_in_the_live_workbook(tmp_path):
    from tests.test_live_calls import CountingBook, LiveBook
    from xl_kik import buttons

    paths = _anna_returned(tmp_path)
    before = paths.master.read_bytes()
    book = CountingBook()
    writer = LiveBook(openpyxl.load_workbook(paths.master, keep_vba=True), book)
    ctx = buttons.ButtonContext(root=paths.root, writer=writer, lang="da", sheet_names=buttons.live_sheet_names(writer))
    assert "Anna Ærø er lavet igen" in buttons.do_generate(ctx)
    written = {(e[1], e[2]): e[3] for e in book.log if e[0] == "value" and e[1] == "Deltagere"}
    # every text goes to Excel with its text prefix (excel_literal): Excel shows "Nej"
    assert written == {("Deltagere", "G2"): [["'Nej"]], ("Deltagere", "H2"): [[f"'Sendt igen med svar {TODAY}"]]}
    assert paths.master.read_bytes() == before  # a button never writes the master file
