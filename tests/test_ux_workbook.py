"""Issue 13, requirement 2: the coordinator's name and e-mail (Opsætning keys) reach the
participant: the questionnaire's Vejledning and the invitation. Real master, real files."""

from __future__ import annotations

import re

import email
from email import policy

import openpyxl

from xl_kik.core import catalogue
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.excel import master
from xl_kik.steps import invite
from xl_kik.steps.generate import generate_round


def _round(root, **kw):
    ps = [Participant("", "Ida Ørsted", "ida@x.dk"), Participant("", "Bo Bøg", "bo@x.dk")]
    master.create_round(root, unit="Solsikken", participants=ps, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"), lang="da", **kw)
    return root


def _vejledning(path) -> str:
    wb = openpyxl.load_workbook(path)
    # the guide's lines are wrapped (indented continuation lines): one text, single spaces
    return re.sub(r"\s+", " ", " ".join(str(c.value) for row in wb["Vejledning"].iter_rows() for c in row if c.value))


def test_coordinator_typed_in_opsaetning_reaches_questionnaire_and_mail(tmp_path):
    root = _round(tmp_path / "r")
    # the coordinator types name and e-mail on Opsætning (as in Excel), then makes the questionnaires
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    ws = wb["Opsætning"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    ws.cell(rows["coordinator"], 3, "Lise Holm")
    ws.cell(rows["coordinator_email"], 3, "lise.holm@kommune.dk")
    wb.save(RoundPaths(root).master)
    setup, _ = master.load_round(root)
    assert (setup.coordinator, setup.coordinator_email) == ("Lise Holm", "lise.holm@kommune.dk")

    files = generate_round(root)
    text = _vejledning(files[0][1])
    assert "tovholderen, Lise Holm (lise.holm@kommune.dk)." in text
    assert "Kontakt tovholderen, Lise Holm (lise.holm@kommune.dk)." in text
    assert "Tovholderen, der samler filerne, kan se, hvem der har svaret hvad." in text
    assert "'Gem som'" in text and "Regn med ca. " in text and "minutter" in text

    sent = invite.write_invitations(root)
    msg = email.message_from_bytes(sent[0].read_bytes(), policy=policy.default)
    body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Venlig hilsen\nLise Holm (lise.holm@kommune.dk)" in body
    assert "Tovholderen for selvevalueringen" not in body
    assert "'ved ikke'" in body and "stå tomt" not in body


def test_without_coordinator_the_text_stays_honest(tmp_path):
    root = _round(tmp_path / "r")
    files = generate_round(root)
    text = _vejledning(files[0][1])
    assert "den person, der sendte dig spørgeskemaet" in text
    assert "()" not in text and "None" not in text


def test_text_fields_keep_what_the_participant_saw(tmp_path):
    """Issue 13, req 4: a number, a percentage or a date in a text field comes back as displayed.

    The questionnaire's text cells are text-formatted ("@"), so Excel and LibreOffice keep what
    is typed; a copy where the cells hold numbers anyway (another program, pasted values) is
    read through the cell's number format: 0.125 with a percent format is "12,5 %"."""
    import datetime as dt

    from xl_kik.excel.reader import read_return

    root = _round(tmp_path / "r")
    files = generate_round(root)
    (ida, path) = files[0]
    wb = openpyxl.load_workbook(path)
    ws = wb["Evaluering"]
    assert ws["F8"].number_format == "@" and ws["G8"].number_format == "@"
    ws.protection.sheet = False
    ws["F8"] = 0.125
    ws["F8"].number_format = "0.0%"
    ws["G8"] = 12.5
    ws["H8"] = dt.datetime(2026, 3, 15)
    ws["H8"].number_format = "dd-mm-yyyy"
    ws["F9"] = 3
    ws["E8"] = 60
    target = RoundPaths(root).returns / path.name
    wb.save(target)
    setup, people = master.load_round(root)
    res = read_return(target, setup, people)
    assert res.accepted, res.report.describe()
    a = res.response.answers
    assert a["1.1"].strengths == "12,5 %"
    assert a["1.1"].improvements == "12,5"
    assert a["1.1"].ideas == "15-03-2026"
    assert a["1.2"].strengths == "3"


def test_questions_sheet_shows_only_the_rounds_language(tmp_path):
    """Issue 13, req 6: a Danish round's Spørgsmål sheet does not show (or print) the English
    columns, and an English round's not the Danish ones; the table keeps all of them."""
    for lang, visible, hidden in (("da", ("Spørgsmål", "Eksempler", "Temanavn"),
                                   ("Spørgsmål (en)", "Eksempler (en)", "Temanavn (en)")),
                                  ("en", ("Question (en)", "Examples (en)", "Theme name (en)", "Theme"),
                                   ("Question (da)", "Examples (da)", "Theme name (da)"))):
        root = tmp_path / lang
        master.create_round(root, unit="Enheden", participants=[Participant("D01", "Ida", "ida@x.dk")],
                            catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"), lang=lang)
        wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
        ws = wb["Spørgsmål" if lang == "da" else "Questions"]
        by_header = {c.value: c.column for c in ws[1]}
        assert set(visible) | set(hidden) <= set(by_header)

        def is_hidden(col: int) -> bool:  # a <col> element may span several columns
            return any(d.hidden for d in ws.column_dimensions.values() if d.min <= col <= d.max)

        for h in visible:
            assert not is_hidden(by_header[h]), (lang, h)
        for h in hidden:
            assert is_hidden(by_header[h]), (lang, h)
        assert not is_hidden(by_header["Id"])
        if lang == "en":  # no Danish word in an English master's headers
            assert not {"Tema", "Temanavn", "Spørgsmål", "Eksempler"} & set(by_header), by_header
            sides = {ws.cell(r, by_header["Side"]).value for r in range(2, ws.max_row + 1)}
            assert sides == {"Enablers", "Results"}, sides
            back = master.read_master(root).setup.catalogue  # the table is read back as it was written
            assert [t.side for t in back.themes] == [t.side for t in catalogue.builtin("kik").themes]
            assert back.questions == catalogue.builtin("kik").questions
            assert [t.name for t in back.themes] == [t.name for t in catalogue.builtin("kik").themes]
