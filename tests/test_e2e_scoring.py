"""End to end in a real LibreOffice: a participant types into a generated scoring workbook.

Uses the ``libreoffice`` session fixture (tests/lo_harness.py, tests/conftest.py): typing
goes through Calc's input handler, so data validation and sheet protection are enforced as
for a person. After saving as .xlsx the file is read back with calamine and openpyxl.

A second test starts its own session with LibreOffice's *default* load setting for .xlsx
("never recalculate") and a Danish locale, to prove that the progress formula (written
with an empty cached value) is computed on load anyway.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from needs import require
from python_calamine import CalamineWorkbook

from scoring_fixtures import kik_setup, make_scoring_workbook
from xl_kik.core.round import Participant
from xl_kik.excel.scoring import (
    META_SHEET, custom_properties_for, make_layout, metadata_for, parse_custom_properties,
)

pytestmark = pytest.mark.libreoffice

SHEET = "Evaluering"
PARTICIPANT = Participant("D03", "Åse Ærø-Ørnbøl", "aase@example.dk")
STRENGTH = "Vi har en fælles årsplan, og alle kender målene. Særligt godt: møderne om økonomi"
LONG_TEXT = " ".join(
    f"Punkt {i}: Medarbejderne oplever, at ændringer bliver forklaret, og at de bliver hørt før "
    f"beslutninger træffes på plejecentret." for i in range(1, 25))  # about 2,800 characters
# (no lone "i": LibreOffice's English AutoCorrect would capitalise it, as for a person)


def _meta(rows) -> dict:
    return {r[0]: r[1] for r in rows if r and r[0] not in ("", None)}


def test_participant_types_answers(libreoffice, tmp_path):
    setup = kik_setup()
    layout = make_layout(setup)
    row = layout.rows
    path = make_scoring_workbook(tmp_path / "udsendt", setup, PARTICIPANT)
    assert len(LONG_TEXT) > 2000

    with libreoffice.open(path) as doc:
        # LibreOffice computes the progress line (no stale cached 0)
        assert doc.value(SHEET, "B4") == "0 af 20 besvaret"
        entries = [
            (f"E{row['1.1']}", "60"),
            (f"F{row['1.1']}", STRENGTH),
            (f"G{row['1.1']}", LONG_TEXT),
            (f"H{row['1.1']}", "Idé: fælles tavlemøde hver mandag"),
            (f"E{row['1.2']}", "0"),
            (f"E{row['8.2']}", "100"),
            (f"E{row['1.3']}", "150"),       # out of range
            (f"E{row['2.1']}", "ca. 60"),    # text in a points cell
            (f"E{row['2.2']}", "55,5"),      # decimal (or text, depending on locale)
            (f"E{row['2.3']}", "-1"),        # below the minimum
            (f"E{row['3.1']}", "ved ikke"),  # the explicit "don't know" (issue 13)
            (f"E{row['3.2']}", "Ved ikke"),  # as typed with a capital letter
            (f"C{row['1.1']}", "Ændret spørgsmål"),  # locked question text
            (f"D{row['1.2']}", "x"),         # locked examples
            ("B1", "Ny titel"),              # locked title
        ]
        results = {r.cell: r for r in doc.type_cells(SHEET, entries)}
        outcome = {cell: results[cell].outcome for cell, _ in entries}
        assert outcome == {
            f"E{row['1.1']}": "accepted", f"F{row['1.1']}": "accepted", f"G{row['1.1']}": "accepted",
            f"H{row['1.1']}": "accepted", f"E{row['1.2']}": "accepted", f"E{row['8.2']}": "accepted",
            f"E{row['1.3']}": "rejected", f"E{row['2.1']}": "rejected", f"E{row['2.2']}": "rejected",
            f"E{row['2.3']}": "rejected", f"E{row['3.1']}": "accepted", f"E{row['3.2']}": "accepted",
            f"C{row['1.1']}": "protected", f"D{row['1.2']}": "protected", "B1": "protected",
        }, {c: (r.outcome, r.dialog_text) for c, r in results.items()}
        # our Danish error message is what the participant saw
        rejected = results[f"E{row['2.1']}"]
        assert "helt tal fra 0 til 100" in rejected.dialog_text, rejected.dialogs
        for cell in (f"E{row['1.3']}", f"E{row['2.1']}", f"E{row['2.2']}", f"E{row['2.3']}"):
            assert results[cell].value_after is None, (cell, results[cell].value_after)
        assert doc.value(SHEET, f"C{row['1.1']}") == setup.catalogue.question("1.1").text["da"]
        got_long = doc.value(SHEET, f"G{row['1.1']}")
        assert got_long == LONG_TEXT, [(i, a, b) for i, (a, b) in enumerate(zip(got_long, LONG_TEXT)) if a != b][:3]
        assert not doc.show_invalid(SHEET)
        # the progress line counts the three accepted points (0 counts as an answer) and both "ved ikke"
        assert doc.value(SHEET, "B4") == "5 af 20 besvaret"
        saved = doc.save_as_xlsx(tmp_path / "retur" / "returned.xlsx")

    # ---- the returned file: identity and answers survive a LibreOffice save
    expected_meta = metadata_for(setup, PARTICIPANT, layout)
    cal = CalamineWorkbook.from_path(str(saved))
    assert META_SHEET in cal.sheet_names
    assert _meta(cal.get_sheet_by_name(META_SHEET).to_python()) == expected_meta
    sheet = cal.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)

    def cell(ref: str):
        col, r = re.match(r"([A-Z]+)(\d+)", ref).groups()
        return sheet[int(r) - 1][ord(col) - ord("A")]

    assert cell(f"E{row['1.1']}") == 60
    assert cell(f"F{row['1.1']}") == STRENGTH
    assert cell(f"G{row['1.1']}") == LONG_TEXT
    assert cell(f"H{row['1.1']}") == "Idé: fælles tavlemøde hver mandag"
    assert cell(f"E{row['1.2']}") == 0 and cell(f"E{row['8.2']}") == 100
    for q in ("1.3", "2.1", "2.2", "2.3"):
        assert cell(f"E{row[q]}") in ("", None)
    for qid, r in row.items():  # the hidden id column still identifies every row
        assert cell(f"A{r}") == qid
    assert cell("B4") == "5 af 20 besvaret"  # LibreOffice saved the computed value

    with zipfile.ZipFile(saved) as zf:
        props = parse_custom_properties(zf.read("docProps/custom.xml"))
    for key, value in custom_properties_for(setup, PARTICIPANT, layout).items():
        assert props.get(key) == value, key

    wb = openpyxl.load_workbook(saved)
    assert wb[META_SHEET].sheet_state in ("hidden", "veryHidden")  # LibreOffice: veryHidden -> hidden
    ev = wb[SHEET]
    assert ev.protection.sheet and ev.column_dimensions["A"].hidden
    assert ev[f"E{row['1.1']}"].protection.locked is False
    assert ev[f"C{row['1.1']}"].protection.locked is not False
    kinds = {dv.type for dv in ev.data_validations.dataValidation}
    assert {"list", "textLength"} <= kinds  # points: the dropdown list ("ved ikke", 0-100)

    # ---- the merge reader accepts the LibreOffice-saved return with exactly the typed answers
    from xl_kik.excel.reader import read_return

    result = read_return(saved, setup, [PARTICIPANT])
    assert result.accepted, result.report.describe()
    assert not result.report.errors, result.report.describe()
    got = result.response.answers
    assert got["1.1"].points == 60 and got["1.2"].points == 0 and got["8.2"].points == 100
    assert got["1.1"].strengths == STRENGTH and got["1.1"].improvements == LONG_TEXT
    assert all(got[q].points is None for q in ("1.3", "2.1", "2.2", "2.3"))
    # "ved ikke" is answered but carries no points; blank is not answered
    assert got["3.1"].dont_know and got["3.2"].dont_know and got["3.1"].points is None
    assert not any(got[q].dont_know for q in ("1.3", "2.1", "4.1"))
    assert result.response.answered == 5
    assert "LibreOffice" in result.response.saved_by


def test_participant_picks_ved_ikke_from_the_dropdown(libreoffice, tmp_path):
    """'ved ikke' is chosen from the points cell's dropdown as a person does (the list opened with
    Calc's own action for the cell's arrow, the item highlighted, Enter), a number is picked the
    same way, the list item typed is accepted too; the merge reader counts 'ved ikke' as answered."""
    setup = kik_setup()
    row = make_layout(setup).rows
    path = make_scoring_workbook(tmp_path / "udsendt", setup, PARTICIPANT)
    with libreoffice.open(path) as doc:
        picked = doc.pick_from_list(SHEET, f"E{row['3.1']}", "ved ikke")
        # the dropdown shows "ved ikke" first, then every whole number of the scale
        assert picked["items"] == ["ved ikke"] + [str(n) for n in range(0, 101)]
        assert picked["value_before"] is None and picked["value_after"] == "ved ikke"
        number = doc.pick_from_list(SHEET, f"E{row['1.1']}", "55")
        assert number["value_after"] == 55  # a number, not the text "55"
        [typed] = doc.type_cells(SHEET, [(f"E{row['3.2']}", "ved ikke")])
        assert typed.outcome == "accepted", typed
        # picking from a resend/typed cell: the dropdown opens on the current value and replaces it
        again = doc.pick_from_list(SHEET, f"E{row['3.2']}", "70")
        assert again["value_before"] == "ved ikke" and again["value_after"] == 70
        assert not doc.show_invalid(SHEET)
        assert doc.value(SHEET, "B4") == "3 af 20 besvaret"
        saved = doc.save_as_xlsx(tmp_path / "retur" / "picked.xlsx")

    from xl_kik.excel.reader import read_return

    result = read_return(saved, setup, [PARTICIPANT])
    assert result.accepted and not result.report.errors, result.report.describe()
    got = result.response.answers
    assert got["3.1"].dont_know and got["3.1"].points is None and got["3.1"].answered
    assert got["1.1"].points == 55 and not got["1.1"].dont_know
    assert got["3.2"].points == 70 and not got["3.2"].dont_know
    assert not got["4.1"].answered  # blank stays "not answered yet"
    assert result.response.answered == 3


def test_english_round_dont_know_typed_and_picked(libreoffice, tmp_path):
    """English rounds: the item is "do not know", without an apostrophe. Picked or typed in
    LibreOffice, the reader takes it as "don't know". A typed "don't know" (the earlier item) has
    its apostrophe turned into ’ by LibreOffice's AutoCorrect and is not on the list: refused,
    the error message sends the participant to the list (Excel does not autocorrect cell input;
    a pasted "don’t know" passes no validation and is read as "don't know": test_returns)."""
    setup = kik_setup(lang="en")
    row = make_layout(setup).rows
    path = make_scoring_workbook(tmp_path / "sent", setup, PARTICIPANT)
    with libreoffice.open(path) as doc:
        picked = doc.pick_from_list("Evaluation", f"E{row['1.1']}", "do not know")
        assert picked["items"][:2] == ["do not know", "0"] and picked["value_after"] == "do not know"
        [typed] = doc.type_cells("Evaluation", [(f"E{row['1.2']}", "do not know")])
        [old] = doc.type_cells("Evaluation", [(f"E{row['2.1']}", "don't know")])
        [bad] = doc.type_cells("Evaluation", [(f"E{row['1.3']}", "about 60")])
        assert typed.outcome == "accepted", typed
        assert bad.outcome == "rejected" and "whole number from 0 to 100" in bad.dialog_text, bad
        saved = doc.save_as_xlsx(tmp_path / "back" / "en.xlsx")

    from xl_kik.excel.reader import read_return

    result = read_return(saved, setup, [PARTICIPANT])
    got = result.response.answers
    assert got["1.1"].dont_know and got["1.1"].answered
    assert got["1.2"].dont_know and got["1.2"].answered
    if old.outcome == "accepted":
        assert got["2.1"].dont_know
    else:
        assert "pick 'do not know' from the list" in old.dialog_text, old
        assert not got["2.1"].answered


def _with_cached_zero(data: bytes) -> bytes:
    """The same workbook, but the progress formula carries XlsxWriter's default cached 0."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                part, n = re.subn(rb'(<c r="B4"[^>]*>)(<f>[^<]*</f>)<v></v>', rb"\1\2<v>0</v>", part)
                assert n == 1
            dst.writestr(info, part)
    return out.getvalue()


def test_progress_is_computed_with_default_load_settings(tmp_path):
    """LibreOffice's default for .xlsx is 'never recalculate': an empty cached value still
    gets computed, a cached 0 (the control) would be shown as is."""
    import lo_harness

    reason = lo_harness.unavailable_reason()
    if reason:
        require("LibreOffice", reason)
    setup = kik_setup()
    layout = make_layout(setup)
    path = make_scoring_workbook(tmp_path, setup, PARTICIPANT)
    control = tmp_path / "control.xlsx"
    control.write_bytes(_with_cached_zero(path.read_bytes()))
    config = [
        ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "int", 1),  # never
        ("/org.openoffice.Setup/L10N", "ooSetupSystemLocale", "string", "da-DK"),
    ]
    with lo_harness.LibreOfficeSession(config=config) as session:
        with session.open(control) as doc:
            assert doc.value(SHEET, "B4") in (0, 0.0, "0")  # proves the setting is active
        with session.open(path) as doc:
            assert doc.value(SHEET, "B4") == "0 af 20 besvaret"
            results = doc.type_cells(SHEET, [(f"E{layout.rows['5.1']}", "75"),
                                             (f"E{layout.rows['5.2']}", "55,5")])
            assert [r.outcome for r in results] == ["accepted", "rejected"], results
            assert doc.value(SHEET, "B4") == "1 af 20 besvaret"
