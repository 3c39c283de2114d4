"""End to end in a real LibreOffice: a coordinator without Excel works in the master.

The coordinator opens ``kik_master.xlsm`` in LibreOffice Calc (tests/lo_harness.py types
through Calc's input handler, so the sheet's data validation applies), fills the
Konsensus sheet and later the Handleplan table, saves, and runs ``xl-kik merge`` /
``xl-kik plan`` (through :func:`xl_kik.cli.main`). A third test is a participant with a
Danish-locale LibreOffice.

Facts about LibreOffice 7.4 these tests pin down (checked on 7.4.7.2):

* Filters: ``"Calc MS Excel 2007 VBA XML"`` writes a macro-enabled .xlsm (content type
  ``macroEnabled.main+xml``, ``xl/vbaProject.bin`` kept); ``"Calc MS Excel 2007 XML"``
  writes a plain .xlsx without any VBA project (``verify_master``: S121 content type and
  S126 no VBA project).
* The .xlsm save keeps the five form buttons on Start bound to ``KikButtons.*`` (no S120)
  and every VBA module's code (LibreOffice *re-exports* the project: same modules, same
  xlwings version; xlwings' ``Dictionary`` class module loses its ``Attribute VB_*``
  lines), but it writes **no codeName** at all, neither the workbook's nor the sheets'.
  ``verify_master`` then reports S127 (sheet without codeName) for each of the 14 sheets
  and S124 (document module without sheet) for the 15 document modules; ``xl-kik doctor``
  says it in one warning with the cure (``xl-kik refresh-vba``). ``xl-kik merge`` / ``plan``
  restore the codeNames too (``_workbook.restore_codenames``, added for this), after which
  ``verify_master`` is empty and doctor is all OK.
* A *second* LibreOffice save (of the project LibreOffice exported itself) turns the
  ``Dictionary`` class module into a document module; the next merge/plan rebuilds the
  project (``excel/repair.py``, tests/ooxml/test_repair.py) and the master verifies clean.
* A line break inside a cell is Ctrl+Enter in Calc (Excel's Alt+Enter fills a selection
  in Calc); the harness types ``"\\n"`` that way.
* List validation is case-insensitive (``ja`` is accepted for ``Ja``), and with the
  English UI AutoCorrect capitalises a lone ``i`` (``i gang`` arrives as ``I gang``);
  xl_kik folds case when it reads them.
* Dates with the en-US locale: ``15-01-2027`` (the cell's own ``dd-mm-yyyy`` format),
  ``2027-01-15`` (ISO) and ``1/15/2027`` are taken as 15 January 2027; ``15/01/2027``
  and ``15.01.2027`` are no date there and our date validation rejects them.
* ``ooSetupSystemLocale = da-DK`` in the profile works: Calc then parses ``55,5`` as 55.5
  (the points validation rejects it as not a whole number) and ``15-01-2027`` as a date in
  a General cell; ``15.01.2027`` is no date pattern of da-DK and stays text. The UI (and
  LibreOffice's own dialogs) stays en-US; the validation messages are the workbook's own,
  in Danish.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from needs import require
from python_calamine import CalamineWorkbook

from xl_kik.core import catalogue
from xl_kik.excel import master
from xl_kik.steps import merge
from xl_kik.demo import simulate
from xl_kik.core.actionplan import status_key
from xl_kik.cli import main
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.excel.sheets.konsensus import CHOICES, COL, FIRST_ROW, INPUT_KEYS, L, T
from xl_kik.steps.generate import generate_round
from xl_kik.steps.init import init_round

pytestmark = pytest.mark.libreoffice

VBA_XLSM = "Calc MS Excel 2007 VBA XML"
PLAIN_XLSX = "Calc MS Excel 2007 XML"
KONSENSUS = "Konsensus"
HANDLEPLAN = "Handleplan"
POINTS_ERROR = T["points_error"]("da", lo=0, hi=100)
CHOICE_ERROR = T["choice_error"]("da")
DATE_ERROR = "Skriv en dato mellem 01-01-2000 og 31-12-2100"
CODENAME_CODES = {"S124", "S127"}
YES, NO = CHOICES["to_plan"]["da"]
HIGH, MEDIUM, LOW = CHOICES["effect"]["da"]
EASY, F_MEDIUM, HARD = CHOICES["feasibility"]["da"]
ADOPTED, PENDING, REJECTED = CHOICES["decision"]["da"]

# What the coordinator types on Konsensus: qid -> {key: (text, expected outcome)}.
TYPED = {
    "1.1": {"agreed_points": ("60", "accepted"),
            "agreed_strengths": ("Fælles årsplan; alle kender målene", "accepted"),
            "agreed_improvements": ("Bedre overlevering mellem vagter\nFaste møder om økonomi", "accepted"),
            "to_plan": (YES, "accepted"), "effect": (HIGH, "accepted"),
            "feasibility": (EASY, "accepted"), "decision": (ADOPTED, "accepted")},
    "1.2": {"agreed_points": ("150", "rejected"),
            "agreed_improvements": ("Tydeligere mål for året", "accepted"),
            "to_plan": ("ja", "accepted"),  # list validation ignores case
            "effect": (MEDIUM, "accepted"), "feasibility": (HARD, "accepted"),
            "decision": (PENDING, "accepted")},
    "1.3": {"agreed_points": ("ca. 60", "rejected"), "effect": ("Meget", "rejected"),
            "to_plan": ("Måske", "rejected")},
    "2.1": {"agreed_points": ("75", "accepted"),
            "agreed_improvements": ("Kompetenceplan for alle", "accepted"),
            "to_plan": (YES, "accepted"), "effect": (LOW, "accepted"),
            "feasibility": (F_MEDIUM, "accepted")},
    "2.2": {"agreed_points": ("0", "accepted"),
            "agreed_improvements": ("Ikke med denne gang", "accepted"),  # "Nej": not planned
            "to_plan": (NO, "accepted")},
    "2.3": {"agreed_improvements": ("Ny mødestruktur", "accepted"),  # management said no
            "to_plan": (YES, "accepted"), "decision": (REJECTED, "accepted")},
}
# (no lone "i" in the texts: LibreOffice's English AutoCorrect would make it "I", as for a person)
PLANNED = [("1.1", "Bedre overlevering mellem vagter"), ("1.1", "Faste møder om økonomi"),
           ("1.2", "Tydeligere mål for året"), ("2.1", "Kompetenceplan for alle")]


# ----------------------------------------------------------------------- helpers
def _make_round(root: Path) -> Path:
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé"])]
    init_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
               scale=catalogue.scale("0-100"))
    rng = random.Random(7)
    for _participant, path in generate_round(root):
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name, simulate.random_answers(layout, rng))
    merge.merge_round(root)
    return RoundPaths(root).master


def _rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _konsensus_rows(path: Path) -> dict[str, int]:
    """qid -> 1-based row, found by the hidden id column A (never by position)."""
    rows = _rows(path, KONSENSUS)
    return {r[0]: i + 1 for i, r in enumerate(rows) if i + 1 >= FIRST_ROW and r and isinstance(r[0], str)
            and r[0][:1].isdigit()}


def _konsensus_inputs(path: Path) -> dict[str, dict[str, object]]:
    rows = _rows(path, KONSENSUS)
    out = {}
    for qid, r in _konsensus_rows(path).items():
        row = rows[r - 1]
        out[qid] = {key: row[COL[key] - 1] for key in INPUT_KEYS}
    return out


def _plan(path: Path) -> tuple[list[str], list[dict[str, object]]]:
    """(headers, rows as header -> value) of the Handleplan table."""
    rows = _rows(path, HANDLEPLAN)
    start = next((i for i, r in enumerate(rows) if r and r[0] == "Id"), None)
    if start is None:  # plan not built yet
        return [], []
    headers = [h for h in rows[start] if h not in ("", None)]
    body = [dict(zip(headers, r)) for r in rows[start + 1:] if r and r[0] not in ("", None)]
    return headers, body


def _codes(path: Path) -> list[str]:
    return [p.code for p in master.verify_master(path)]


def _cli(*args: str) -> int:
    return main([*args])


# ----------------------------------------------------------------------- test 1
@pytest.fixture(scope="module")
def seminar(libreoffice, tmp_path_factory):
    """A merged round whose Konsensus sheet was typed in LibreOffice and saved as .xlsm."""
    root = tmp_path_factory.mktemp("lo_master") / "runde"
    path = _make_round(root)
    rows = _konsensus_rows(path)
    entries, expected = [], {}
    for qid, values in TYPED.items():
        for key, (text, outcome) in values.items():
            cell = f"{L[key]}{rows[qid]}"
            entries.append((cell, text))
            expected[cell] = outcome
    with libreoffice.open(path) as doc:
        results = doc.type_cells(KONSENSUS, entries)
        # what LibreOffice computes in the "Forskel" column beside the agreed points
        differences = {qid: doc.formula_result(KONSENSUS, f"{L['difference']}{rows[qid]}") for qid in TYPED}
        # the same document without VBA, to document what that filter does
        plain = doc.save_as(root.parent / "plain.xlsx", PLAIN_XLSX)
        doc.save_as(path, VBA_XLSM)  # File > Save (keep format) over the master
    return {"root": root, "path": path, "rows": rows, "results": {r.cell: r for r in results},
            "expected": expected, "plain": plain, "differences": differences}


def test_difference_beside_agreed_points_computed_by_libreoffice(seminar):
    rows = _rows(seminar["path"], KONSENSUS)
    for qid, got in seminar["differences"].items():
        suggested = rows[seminar["rows"][qid] - 1][COL["suggested"] - 1]
        typed = TYPED[qid].get("agreed_points")
        if typed and typed[1] == "accepted":
            assert got == int(typed[0]) - suggested, (qid, got)
        else:  # nothing (valid) agreed: the cell stays empty
            assert got in ("", None), (qid, got)


def test_konsensus_typed_in_libreoffice_then_merge_and_plan(seminar):
    root, path, rows = seminar["root"], seminar["path"], seminar["rows"]
    results = seminar["results"]

    # ---- what the coordinator saw while typing
    assert {c: r.outcome for c, r in results.items()} == seminar["expected"], \
        {c: (r.outcome, r.dialog_text) for c, r in results.items()}
    for qid, key in (("1.2", "agreed_points"), ("1.3", "agreed_points")):
        r = results[f"{L[key]}{rows[qid]}"]
        assert POINTS_ERROR in r.dialog_text and r.value_after is None, r
    for qid, key in (("1.3", "effect"), ("1.3", "to_plan")):
        r = results[f"{L[key]}{rows[qid]}"]
        assert CHOICE_ERROR in r.dialog_text and r.value_after is None, r
    two_lines = results[f"{L['agreed_improvements']}{rows['1.1']}"]
    assert two_lines.value_after == TYPED["1.1"]["agreed_improvements"][0]  # Ctrl+Enter = line break

    # ---- the LibreOffice-saved master: VBA and buttons kept, codeNames lost
    with zipfile.ZipFile(path) as zf:
        ct = zf.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in ct
        assert "xl/vbaProject.bin" in zf.namelist()
        assert "LibreOffice" in zf.read("docProps/app.xml").decode()
        buttons = master.button_bindings(zf)
        infos, wb_code = master.workbook_sheets(zf)
    assert sorted(b for _s, _c, b in buttons) == sorted(
        f"KikButtons.{m}" for m in ("KikGenerate", "KikOpenReturns", "KikMerge", "KikPlan", "KikDoctor"))
    assert not wb_code and not any(i.codename for i in infos)
    codes = _codes(path)
    assert set(codes) == CODENAME_CODES, codes  # no S120 (button macro missing), no S125 (xlwings)
    assert codes.count("S127") == len(master.SHEET_KEYS)
    assert codes.count("S124") == len(master.SHEET_KEYS) + 1  # + ThisWorkbook
    plain_codes = set(p.code for p in master.verify_zip(seminar["plain"].read_bytes(), "plain.xlsx"))
    # the plain .xlsx filter: not macro-enabled, VBA project gone
    assert {master.S_CONTENT_TYPE.code, master.S_NO_VBA.code} <= plain_codes, plain_codes
    from xl_kik.steps import doctor

    before = doctor.check(root, probe=False)
    lost = [f for f in before if f.check == "codenames"]
    assert len(lost) == 1 and lost[0].severity == doctor.WARNING
    assert "LibreOffice" in lost[0].message("da") and "xl-kik refresh-vba" in lost[0].message("da")
    assert not [f for f in before if f.check.startswith("verify")], [f.describe() for f in before]
    # the cure doctor names, on a copy: codeNames back, VBA project rebuilt, nothing else touched
    cured = root.parent / "kur"
    shutil.copytree(root, cured)
    assert _cli("refresh-vba", str(cured)) == 0
    assert _codes(RoundPaths(cured).master) == []
    assert _konsensus_inputs(RoundPaths(cured).master) == _konsensus_inputs(path)

    # ---- the command line on the LibreOffice-saved master
    assert _cli("merge", str(root)) == 0
    assert _cli("plan", str(root)) == 0
    assert _codes(path) == []  # merge restored the codeNames
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert wb.code_name == master.WORKBOOK_CODE_NAME
    assert {ws.title: ws.sheet_properties.codeName for ws in wb.worksheets} == {
        master.SHEET_NAMES["da"][k]: master.CODE_NAMES[k] for k in master.SHEET_KEYS}
    assert all(f.severity == doctor.OK for f in doctor.check(root, probe=False))
    assert _cli("doctor", str(root)) == 0

    # every typed value is still on Konsensus; the rejected entries left the cells empty
    inputs = _konsensus_inputs(path)
    for qid, values in TYPED.items():
        for key, (text, outcome) in values.items():
            got = inputs[qid][key]
            if outcome == "rejected":
                assert got in ("", None), (qid, key, got)
            elif key == "agreed_points":
                assert got == int(text), (qid, key, got)
            else:
                assert got == text, (qid, key, got)

    # one plan row per improvement area of the questions with "Ja"
    cat = catalogue.builtin("kik")
    headers, plan = _plan(path)
    assert headers[:4] == ["Id", "Tema", "Spørgsmål", "Forbedringsområde"]
    assert [(r["Spørgsmål"].split(" ", 1)[0], r["Forbedringsområde"]) for r in plan] == PLANNED
    for r in plan:
        qid = r["Spørgsmål"].split(" ", 1)[0]
        q = cat.question(qid)
        assert r["Spørgsmål"] == f"{qid} {q.text['da']}"
        assert r["Tema"] == cat.theme(q.theme).label("da")
        assert r["Id"].startswith(f"HP-{qid}-")
        assert status_key(r["Status"]) == "not_started"
        # Kilde: "aktiv" once management adopted it, else waiting for the decision
        assert r["Kilde"] == ("aktiv" if qid == "1.1" else "afventer beslutning"), r

    # a second merge + plan changes nothing of it
    snapshot = (inputs, plan)
    assert _cli("merge", str(root)) == 0
    assert _cli("plan", str(root)) == 0
    assert (_konsensus_inputs(path), _plan(path)[1]) == snapshot
    assert _codes(path) == []


# ----------------------------------------------------------------------- test 2
def test_handleplan_typed_in_libreoffice_survives_rebuild(libreoffice, seminar, tmp_path):
    root = tmp_path / "runde"
    shutil.copytree(seminar["root"], root)
    path = RoundPaths(root).master
    if _plan(path)[1] == []:  # test 1 did not run (e.g. -k): build the plan here
        assert _cli("merge", str(root)) == 0 and _cli("plan", str(root)) == 0
    headers, plan = _plan(path)
    ws = openpyxl.load_workbook(path, keep_vba=True)[HANDLEPLAN]
    header_row = next(c.row for c in ws["A"] if c.value == "Id")
    letter = {c.value: c.column_letter for c in ws[header_row] if c.value}
    row_of = {ws[f"A{r}"].value: r for r in range(header_row + 1, ws.max_row + 1) if ws[f"A{r}"].value}
    first, second, third = (row_of[r["Id"]] for r in plan[:3])

    def at(key: str, row: int) -> str:
        return f"{letter[key]}{row}"

    entries = [
        (at("Handling", first), "Ny tjekliste til vagtskifte"),
        (at("Ansvarlig", first), "Ida Holm"),
        (at("Frist", first), "15-01-2027"),   # the cell's own dd-mm-yyyy format
        (at("Status", first), "færdig"),          # not in the list
        (at("Status", first), "i gang"),          # English AutoCorrect: "I gang"
        (at("Handling", second), "Månedligt økonomimøde"),
        (at("Ansvarlig", second), "Bo Bøg"),
        (at("Frist", second), "2027-03-01"),   # ISO
        (at("Frist", third), "i morgen"),      # no date
        (at("Frist", third), "15/01/2027"),    # no date in the en-US locale
        (at("Status", third), "sat i bero"),
    ]
    with libreoffice.open(path) as doc:
        results = doc.type_cells(HANDLEPLAN, entries)
        doc.save_as(path, VBA_XLSM)
    outcome = [(r.text, r.outcome) for r in results]
    assert outcome == [
        ("Ny tjekliste til vagtskifte", "accepted"), ("Ida Holm", "accepted"), ("15-01-2027", "accepted"),
        ("færdig", "rejected"), ("i gang", "accepted"), ("Månedligt økonomimøde", "accepted"),
        ("Bo Bøg", "accepted"), ("2027-03-01", "accepted"), ("i morgen", "rejected"),
        ("15/01/2027", "rejected"), ("sat i bero", "accepted"),
    ], [(r.text, r.outcome, r.dialog_text) for r in results]
    by_text = {r.text: r for r in results}
    assert "Vælg en værdi fra listen" in by_text["færdig"].dialog_text
    assert by_text["færdig"].value_after == by_text["færdig"].value_before  # still "ikke startet"
    assert DATE_ERROR in by_text["i morgen"].dialog_text
    assert by_text["15/01/2027"].value_after is None
    # a date is a serial number in the cell (15 January 2027 = 46402)
    assert by_text["15-01-2027"].value_after == (dt.date(2027, 1, 15) - dt.date(1899, 12, 30)).days

    for _ in range(2):
        assert _cli("plan", str(root)) == 0
        _h, rows = _plan(path)
        got = {r["Id"]: r for r in rows}
        one, two, three = (got[r["Id"]] for r in plan[:3])
        assert one["Handling"] == "Ny tjekliste til vagtskifte" and one["Ansvarlig"] == "Ida Holm"
        assert one["Frist"] in (dt.date(2027, 1, 15), dt.datetime(2027, 1, 15))
        assert status_key(one["Status"]) == "in_progress", one["Status"]
        assert two["Handling"] == "Månedligt økonomimøde" and two["Ansvarlig"] == "Bo Bøg"
        assert two["Frist"] in (dt.date(2027, 3, 1), dt.datetime(2027, 3, 1))
        assert status_key(two["Status"]) == "not_started"
        assert three["Frist"] in ("", None)
        assert status_key(three["Status"]) == "on_hold"
        assert [r["Forbedringsområde"] for r in rows] == [a for _q, a in PLANNED]
    # the deadline is a real date cell with a date format (openpyxl)
    ws = openpyxl.load_workbook(path, keep_vba=True)[HANDLEPLAN]
    cell = ws[at("Frist", first)]
    assert isinstance(cell.value, dt.datetime) and cell.value.date() == dt.date(2027, 1, 15)
    assert cell.is_date
    # LibreOffice's second save of its own re-exported VBA project turns xlwings' Dictionary
    # class module into a document module; the next plan rebuilt the project (excel/repair.py)
    assert _codes(path) == []
    from xl_kik.steps import doctor

    found = {f.check: f for f in doctor.check(root, probe=False)}
    assert found["vba_project"].severity == "ok" and found["buttons"].severity == "ok"
    assert _cli("refresh-vba", str(root)) == 0
    assert _codes(path) == []
    assert _plan(path)[1] == rows  # the plan is untouched by the VBA rebuild


# ----------------------------------------------------------------------- test 3
def test_danish_locale_participant(tmp_path):
    """A participant whose LibreOffice runs with the Danish locale: ``55,5`` is a decimal
    number there and is still rejected (whole numbers only)."""
    import lo_harness
    from scoring_fixtures import kik_setup, make_scoring_workbook
    from xl_kik.excel.reader import read_return
    from xl_kik.excel.scoring import make_layout

    reason = lo_harness.unavailable_reason()
    if reason:
        require("LibreOffice", reason)
    setup = kik_setup()
    row = make_layout(setup).rows
    person = Participant("D07", "Søren Ågård", "soeren@example.dk")
    path = make_scoring_workbook(tmp_path / "udsendt", setup, person)
    probe = tmp_path / "probe.xlsx"
    openpyxl.Workbook().save(probe)
    strength = "Vi får 1,5 times møde om ugen; det virker"
    config = [("/org.openoffice.Setup/L10N", "ooSetupSystemLocale", "string", "da-DK")]
    with lo_harness.LibreOfficeSession(config=config) as session:
        # the locale is active: a decimal comma and a Danish date are numbers here
        with session.open(probe) as doc:
            r1, r2, r3 = doc.type_cells("Sheet", [("A1", "55,5"), ("A2", "15-01-2027"), ("A3", "15.01.2027")])
            assert (r1.outcome, r1.value_after) == ("accepted", 55.5), r1
            assert r2.value_after == (dt.date(2027, 1, 15) - dt.date(1899, 12, 30)).days, r2
            assert r3.value_after == "15.01.2027", r3  # not a date pattern of da-DK: stays text
        with session.open(path) as doc:
            entries = [(f"E{row['1.1']}", "60"), (f"E{row['1.2']}", "55,5"), (f"E{row['1.3']}", "100"),
                       (f"E{row['2.1']}", "ca. 60"), (f"F{row['1.1']}", strength),
                       (f"G{row['1.1']}", "Færre afbrydelser\nMere tid til sparring")]
            results = doc.type_cells("Evaluering", entries)
            assert [r.outcome for r in results] == ["accepted", "rejected", "accepted", "rejected", "accepted",
                                                    "accepted"], [(r.text, r.outcome, r.dialog_text) for r in results]
            decimal = results[1]
            assert "helt tal fra 0 til 100" in decimal.dialog_text, decimal.dialogs  # our Danish message
            assert decimal.value_after is None
            assert doc.value("Evaluering", "B4") == "2 af 20 besvaret"
            saved = doc.save_as_xlsx(tmp_path / "retur" / "svar.xlsx")

    result = read_return(saved, setup, [person])
    assert result.accepted and not result.report.errors, result.report.describe()
    got = result.response.answers
    assert got["1.1"].points == 60 and got["1.3"].points == 100
    assert got["1.2"].points is None and got["2.1"].points is None
    assert got["1.1"].strengths == strength
    assert got["1.1"].improvements == "Færre afbrydelser\nMere tid til sparring"
    assert result.response.answered == 2
    assert "LibreOffice" in result.response.saved_by
