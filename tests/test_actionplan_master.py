"""The action plan through real master workbooks: openpyxl edits -> rebuild -> calamine read."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from xl_kik.core import actionplan as ap
from xl_kik.excel.sheets import handleplan as sheets_plan
from xl_kik.core.actionplan import action_id
from xl_kik.demo.plan import demo_fill_plan
from xl_kik.steps import plan as plan_step
from xl_kik.core.catalogue import builtin, scale
from xl_kik.core.round import Participant, RoundPaths

from xl_kik.excel import master
from xl_kik.excel.sheets import konsensus as sk

TODAY = dt.date(2026, 3, 2)
PEOPLE = [Participant("", "Ida Holm", "ida@x.dk", "leder"), Participant("", "Bo Berg", "bo@x.dk", "medarbejder"),
          Participant("", "Eva Lund", "eva@x.dk", "medarbejder")]


# ---------------------------------------------------------------- helpers
def make_round(root: Path, lang: str = "da") -> RoundPaths:
    return master.create_round(root, unit="Børnehuset Solsikken", participants=list(PEOPLE),
                               catalogue=builtin("kik"), scale=scale("0-100"), lang=lang)


def set_konsensus(paths: RoundPaths, inputs: dict[str, dict]) -> None:
    """Write a Konsensus sheet in the merge helper's layout (key row with 'qid' in column A)."""
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    ws = next(w for w in wb.worksheets if w.sheet_properties.codeName == "shConsensus")
    ws._cells.clear()
    for c, k in enumerate(sk.KEYS, start=1):
        ws.cell(sk.KEY_ROW, c, k)
    cat = builtin("kik")
    r = sk.FIRST_ROW
    for t in cat.themes:
        ws.cell(r, 1, f"#theme:{t.id}")
        r += 1
        for q in cat.questions_of(t.id):
            ws.cell(r, 1, q.id)
            for k, v in inputs.get(q.id, {}).items():
                ws.cell(r, sk.COL[k], v)
            r += 1
    wb.save(paths.master)


def konsensus(**kw) -> dict[str, dict]:
    out = {}
    for key, (lines, plan, decision, *rest) in kw.items():
        effect, feas, points = (list(rest) + [None, None, None])[:3]
        out[key.lstrip("q").replace("_", ".")] = {
            "agreed_improvements": "\n".join(lines), "to_plan": plan, "decision": decision,
            "effect": effect, "feasibility": feas, "agreed_points": points}
    return out


BASE = konsensus(q1_1=(["Fælles mål for året", "Værdier i hverdagen"], "Ja", "Vedtaget", "Høj", "Let", 40),
                 q1_2=(["Opfølgning på politiske mål"], "Ja", "Afventer", "Middel", "Svær", 55),
                 q2_1=(["Overblik over budgettet"], "Ja", "Afvist", "Lav", "Let", 70),
                 q3_1=(["Plan for kompetenceudvikling"], "Nej", "", "Høj", "Middel", 30))


def calamine_plan(paths: RoundPaths) -> tuple[list[str], list[dict]]:
    table = sheets_plan.read_plan_values(paths.master)
    assert table.found
    return [h for _k, h in table.headers], table.rows


def plan_ws(wb):
    ws, _ref = sheets_plan._find_plan(wb)
    return ws


def col_of(ws, header_row: int, header: str) -> int:
    for c in range(1, ws.max_column + 1):
        if ws.cell(header_row, c).value == header:
            return c
    raise KeyError(header)


def row_of(ws, rid: str, id_col: int = 1) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, id_col).value == rid:
            return r
    raise KeyError(rid)


@pytest.fixture
def round_(tmp_path):
    paths = make_round(tmp_path / "r1")
    set_konsensus(paths, BASE)
    return paths


# ---------------------------------------------------------------- build
def test_first_build_writes_table_with_everything(round_):
    res = plan_step.build_plan(round_.root, today=TODAY)
    ids = [action_id("1.1", "Fælles mål for året"), action_id("1.1", "Værdier i hverdagen"),
           action_id("1.2", "Opfølgning på politiske mål")]
    assert res.rows == 3 and res.added == ids and res.report.ok
    assert res.as_dict()["rows"] == 3 and "3 rækker" in res.summary()

    headers, rows = calamine_plan(round_)
    assert headers == [c.da for c in ap.COLUMNS]
    assert [r["id"] for r in rows] == ids
    assert rows[0]["quick_win"] == "Ja" and rows[0]["source"] == "aktiv" and rows[0]["priority"] == "1 - høj"
    assert rows[2]["source"] == "afventer beslutning" and rows[2]["status"] == "ikke startet"
    assert rows[0]["theme"] == "1. Ledelse" and rows[0]["question"].startswith("1.1 ")

    wb = openpyxl.load_workbook(round_.master, keep_vba=True)
    ws = wb["Handleplan"]
    tab = ws.tables["Handleplan"]
    assert tab.ref == "A1:P4" and tab.autoFilter is not None
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert ws.column_dimensions["A"].width == 17  # the placeholder's 100 wide column is reset
    assert ws.cell(2, 16).alignment.wrap_text
    dvs = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert '"ikke startet,i gang,afsluttet,sat i bero"' == ws.data_validations.dataValidation[0].formula1
    assert "M2:M" in str(ws.data_validations.dataValidation[0].sqref)
    assert "H2:H" in str(dvs["date"].sqref) and "I2:I" in str(dvs["date"].sqref) and "N2:N" in str(dvs["date"].sqref)
    formulas = [rule.formula[0] for rules in ws.conditional_formatting._cf_rules.values() for rule in rules]
    assert any("$I2<TODAY()" in f and "$M2" in f for f in formulas)
    assert any("$I2<=TODAY()+14" in f for f in formulas)
    assert wb["Prioritering"]["B5"].value.startswith("1 spørgsmål, 2 forbedringsområder\n1.1✓")
    assert wb["Opfølgning"]["A1"].value == "Opfølgning på handleplanen"
    assert wb["_plan"].sheet_state == "veryHidden"
    names = wb.sheetnames
    assert names.index("Konsensus") < names.index("Prioritering") < names.index("Handleplan") < names.index("Opfølgning")
    with zipfile.ZipFile(round_.master) as z:
        assert "xl/vbaProject.bin" in z.namelist()


def test_master_still_verifies(round_):
    before = openpyxl.load_workbook(round_.master, keep_vba=True).sheetnames
    plan_step.build_plan(round_.root, today=TODAY)
    problems = master.verify_master(round_.master)
    # the plan's sheets come from 'init' (codeName + VBA module): reused, none added, no S127
    assert problems == [], [p.describe() for p in problems]
    assert openpyxl.load_workbook(round_.master, keep_vba=True).sheetnames == before


def test_rebuild_keeps_everything_typed_through_files(round_):
    plan_step.build_plan(round_.root, today=TODAY)
    ids = [action_id("1.1", "Fælles mål for året"), action_id("1.1", "Værdier i hverdagen"),
           action_id("1.2", "Opfølgning på politiske mål")]
    # a leader works in the plan (Excel-like edits with openpyxl)
    wb = openpyxl.load_workbook(round_.master, keep_vba=True)
    ws = wb["Handleplan"]
    r0, r1 = row_of(ws, ids[0]), row_of(ws, ids[1])
    ws.cell(r0, col_of(ws, 1, "Handling")).value = "Temadag i personalegruppen"
    ws.cell(r0, col_of(ws, 1, "Ansvarlig")).value = "Ida Holm"
    ws.cell(r0, col_of(ws, 1, "Frist")).value = dt.datetime(2026, 2, 1)
    ws.cell(r0, col_of(ws, 1, "Status")).value = "i gang"
    ws.cell(r1, col_of(ws, 1, "Kommentar")).value = "=HYPERLINK(\"x\")"
    ws.cell(r1, col_of(ws, 1, "Kommentar")).data_type = "s"  # typed as text
    ws.cell(r1, col_of(ws, 1, "Ressourcer")).value = "=2*8"  # a formula a person typed
    ws.cell(r1, col_of(ws, 1, "Forbedringsområde")).value = "Værdierne skal ses i hverdagen"
    # an extra column inside the table and a row typed right below it (LibreOffice does not grow tables)
    ws.cell(1, 17).value = "Budget (kr.)"
    ws.cell(r0, 17).value = 12000
    ws.cell(r0, 17).number_format = '#,##0 "kr."' 
    ws.tables["Handleplan"].ref = "A1:Q4"
    ws.tables["Handleplan"].tableColumns = []
    ws.cell(5, col_of(ws, 1, "Handling")).value = "Egen idé: læsegruppe"
    ws.cell(5, col_of(ws, 1, "Ansvarlig")).value = "Bo Berg"
    wb.save(round_.master)
    # the seminar's result changes: a new area, one area reworded away
    changed = dict(BASE)
    changed["1.2"] = dict(BASE["1.2"], agreed_improvements="Mål omsat til planer", decision="Vedtaget")
    set_konsensus(round_, changed)

    res = plan_step.build_plan(round_.root, today=TODAY)
    assert res.new_manual == ["M-1"] and res.marked_removed == [ids[2]]
    headers, rows = calamine_plan(round_)
    assert headers[-1] == "Budget (kr.)"
    by_id = {r["id"]: r for r in rows}
    a = by_id[ids[0]]
    assert (a["action"], a["owner"], a["status"], a["x:Budget (kr.)"]) == (
        "Temadag i personalegruppen", "Ida Holm", "i gang", 12000)
    assert a["deadline"] in (dt.date(2026, 2, 1), dt.datetime(2026, 2, 1))
    b = by_id[ids[1]]
    assert b["comment"] == "=HYPERLINK(\"x\")" and b["area"] == "Værdierne skal ses i hverdagen"
    assert by_id[ids[2]]["source"] == "kilde fjernet"  # exactly the documented value; the date is in _plan
    assert by_id["M-1"]["action"] == "Egen idé: læsegruppe" and by_id["M-1"]["source"] == "manuel"
    new_id = action_id("1.2", "Mål omsat til planer")
    assert [r["id"] for r in rows] == [*ids, "M-1", new_id]
    wb = openpyxl.load_workbook(round_.master, keep_vba=True)
    ws = wb["Handleplan"]
    assert ws.cell(row_of(ws, ids[1]), col_of(ws, 1, "Ressourcer")).data_type == "f"  # still a formula
    c = ws.cell(row_of(ws, ids[1]), col_of(ws, 1, "Kommentar"))
    assert c.data_type == "s" and c.quotePrefix
    assert ws.tables["Handleplan"].ref == "A1:Q6"
    assert ws.cell(row_of(ws, ids[0]), 17).number_format == '#,##0 "kr."' 
    assert ws.cell(row_of(ws, ids[0]), col_of(ws, 1, "Frist")).number_format == "dd-mm-yyyy"
    # follow-up: overdue action of Ida
    items = plan_step.follow_up(round_.root, owner="ida", today=TODAY)
    assert [i.id for i in items] == [ids[0]] and items[0].overdue
    assert "OVERSKREDET 29 dage" in ap.format_follow_up(items, "da", TODAY)
    fu = wb["Opfølgning"]
    values = [[c.value for c in row] for row in fu.iter_rows()]
    assert ["Ida Holm", 1, 1, 0, 0, 1] in [v[:6] for v in values]


def test_reordered_columns_and_deleted_rows(round_):
    plan_step.build_plan(round_.root, today=TODAY)
    wb = openpyxl.load_workbook(round_.master, keep_vba=True)
    ws = wb["Handleplan"]
    # the leader moves 'Ansvarlig' to column B (Excel: cut + insert) and deletes the first row
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=4)]
    owner = 6
    for r, row in enumerate(rows, start=1):
        moved = [row[0], row[owner]] + row[1:owner] + row[owner + 1:]
        for c, v in enumerate(moved, start=1):
            ws.cell(r, c).value = v
    ws.cell(3, 2).value = "Eva Lund"
    deleted = ws.cell(2, 1).value
    ws.delete_rows(2)
    ws.tables["Handleplan"].ref = "A1:P3"
    ws.tables["Handleplan"].tableColumns = []
    wb.save(master_path := round_.master)
    res = plan_step.build_plan(round_.root, today=TODAY)
    assert res.kept_out == [deleted] and [p.code for p in res.report.problems] == ["A004"]
    headers, rows = calamine_plan(round_)
    assert headers[:3] == ["Id", "Ansvarlig", "Tema"]
    assert deleted not in [r["id"] for r in rows] and rows[0]["owner"] == "Eva Lund"
    plan_step.build_plan(round_.root, today=TODAY)  # still deleted after another build
    assert deleted not in [r["id"] for r in calamine_plan(round_)[1]]
    plan_step.build_plan(round_.root, today=TODAY, restore_deleted=True)
    assert [r["id"] for r in calamine_plan(round_)[1]][-1] == deleted
    assert master_path.exists()


def test_bad_status_and_date_are_reported_with_cell(round_):
    plan_step.build_plan(round_.root, today=TODAY)
    wb = openpyxl.load_workbook(round_.master, keep_vba=True)
    ws = wb["Handleplan"]
    ws["M2"] = "næsten færdig"
    ws["I3"] = "uge 12"
    wb.save(round_.master)
    res = plan_step.build_plan(round_.root, today=TODAY)
    found = {p.code: p for p in res.report.problems}
    assert found["A001"].cell == "M2" and found["A001"].sheet == "Handleplan"
    assert found["A002"].cell == "I3" and "uge 12" in found["A002"].message()
    rows = calamine_plan(round_)[1]
    assert rows[0]["status"] == "næsten færdig" and rows[1]["deadline"] == "uge 12"


def test_nothing_planned(tmp_path):
    paths = make_round(tmp_path / "r")
    res = plan_step.build_plan(paths.root, today=TODAY)
    assert res.rows == 0 and res.report.codes() == ["A003"]
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    assert wb["Handleplan"].tables["Handleplan"].ref == "A1:P2"


def test_english_master(tmp_path):
    paths = make_round(tmp_path / "en", lang="en")
    set_konsensus(paths, konsensus(q1_1=(["Shared goals"], "Yes", "Adopted", "High", "Easy")))
    res = plan_step.build_plan(paths.root, today=TODAY)
    assert res.rows == 1 and "action plan" in res.summary()
    headers, rows = calamine_plan(paths)
    assert headers[:4] == ["Id", "Theme", "Question", "Improvement area"]
    assert rows[0]["status"] == "not started" and rows[0]["quick_win"] == "Yes" and rows[0]["source"] == "active"
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    assert "Priorities" in wb.sheetnames and "Follow-up" in wb.sheetnames


def test_plan_into_scratch_workbook_without_table(round_):
    """The button door renders into a values-only copy (no table): found by its headers."""
    plan_step.build_plan(round_.root, today=TODAY)
    src = openpyxl.load_workbook(round_.master)
    scratch = openpyxl.Workbook()
    scratch.remove(scratch.active)
    for name in ("Konsensus", "Handleplan", "_kik"):
        ws = scratch.create_sheet(name)
        for row in src[name].iter_rows(values_only=True):
            ws.append(list(row))
    scratch["Handleplan"]["G2"] = "Bo Berg"
    res = plan_step.plan_into(scratch, round_.root, None, lang="da", today=TODAY)
    assert res.rows == 3
    ws = scratch["Handleplan"]
    assert ws["G2"].value == "Bo Berg" and "Handleplan" in ws.tables


def test_demo_fill_plan_only_fills_empty_cells(round_):
    plan_step.build_plan(round_.root, today=TODAY)
    wb = openpyxl.load_workbook(round_.master, keep_vba=True)
    wb["Handleplan"]["E2"] = "Min handling"
    wb.save(round_.master)
    assert demo_fill_plan(round_.root, today=TODAY) == 3
    plan_step.build_plan(round_.root, today=TODAY)
    rows = calamine_plan(round_)[1]
    assert rows[0]["action"] == "Min handling"
    assert all(r["owner"] and r["deadline"] for r in rows)
    items = plan_step.follow_up(round_.root, today=TODAY, include_done=True)
    assert any(i.overdue for i in items) and {i.status_key for i in items} >= {"in_progress"}


# ---------------------------------------------------------------- carry-over
def test_carry_over_to_next_round(tmp_path):
    old = make_round(tmp_path / "old")
    set_konsensus(old, BASE)
    plan_step.build_plan(old.root, today=TODAY)
    wb = openpyxl.load_workbook(old.master, keep_vba=True)
    ws = wb["Handleplan"]
    ws["M2"], ws["O2"], ws["G2"] = "i gang", "Startet i januar", "Ida Holm"
    ws["M3"] = "afsluttet"
    ws["E5"], ws["G5"] = "Egen idé", "Bo Berg"  # a hand-added row below the table
    ws["Q1"], ws["Q2"] = "Budget", 500
    wb.save(old.master)
    plan_step.build_plan(old.root, today=TODAY)
    old_rows = calamine_plan(old)[1]
    old_id = master.load_round(old.root)[0].round_id

    new = make_round(tmp_path / "new")
    res = plan_step.carry_over(old.root, new.root, today=TODAY)
    assert res.old_round_id == old_id and res.skipped_done == 1
    assert res.carried == [old_rows[0]["id"], old_rows[2]["id"], "M-1"]
    headers, rows = calamine_plan(new)
    assert "Budget" in headers
    first = rows[0]
    assert first["id"] == old_rows[0]["id"] and first["status"] == "i gang" and first["x:Budget"] == 500
    assert first["source"] == "overført fra forrige runde"  # the round id is in Kommentar
    assert first["comment"].startswith(f"Startet i januar\n[02-03-2026] Overført fra runde {old_id}")
    # previous scores for the merge helper's 'Forrige runde' column
    prev = plan_step.previous_scores_from_master(new.root)
    assert dict(prev) == {"1.1": 40, "1.2": 55, "2.1": 70, "3.1": 30} and prev.round_id == old_id
    assert prev.themes["1"] == 47.5
    wb = openpyxl.load_workbook(new.master, keep_vba=True)
    assert dict(plan_step.previous_scores_from_master(wb)) == dict(prev) and wb["Forrige"].sheet_state == "hidden"
    # idempotent
    again = plan_step.carry_over(old.root, new.root, today=TODAY)
    assert again.carried == [] and len(calamine_plan(new)[1]) == 3
    # the new round's first build keeps the carried rows as they are
    set_konsensus(new, konsensus(q1_1=(["Fælles mål for året"], "Ja", "Vedtaget", "Høj", "Let")))
    res = plan_step.build_plan(new.root, today=TODAY)
    rows = calamine_plan(new)[1]
    assert [r["id"] for r in rows][:3] == res_ids(res, rows)
    assert rows[0]["source"] == "overført fra forrige runde" and rows[0]["status"] == "i gang"
    assert all(r["source"] != "kilde fjernet" for r in rows)


def res_ids(res, rows):
    return [r["id"] for r in rows][:3]


def test_previous_scores_from_old_round(round_):
    prev = plan_step.previous_scores(round_.root)
    assert prev == {"1.1": 40, "1.2": 55, "2.1": 70, "3.1": 30}
    assert prev.themes == {"1": 47.5, "2": 70, "3": 30}


def test_previous_scores_from_master_without_carry_over(round_):
    assert plan_step.previous_scores_from_master(round_.root) == {}


# ---------------------------------------------------------------- property through real files
HEADERS_EDITABLE = ["Handling", "Mål/indikator", "Ansvarlig", "Start", "Frist", "Ressourcer", "Prioritet",
                    "Status", "Seneste opfølgning", "Kommentar", "Forbedringsområde", "Kilde"]
CELL_VALUES = st.one_of(
    st.sampled_from(["i gang", "afsluttet", "Ida Holm", "=1+2", "+45 1234", "- punkt", "æøå\nlinje 2"]),
    st.text(alphabet="abc æøå-=+1", min_size=1, max_size=12).filter(lambda s: s.strip() == s and s),
    st.integers(0, 10 ** 6),
    st.dates(dt.date(2024, 1, 1), dt.date(2028, 1, 1)),
)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_property_real_files_never_lose_typed_values(tmp_path_factory, data):
    paths = make_round(tmp_path_factory.mktemp("prop") / "r")
    source = {"1.1": ["Plan"], "1.2": ["Mål", "Dialog"], "2.1": ["Budget"]}

    def write_source():
        set_konsensus(paths, {q: {"agreed_improvements": "\n".join(lines), "to_plan": "Ja", "decision": "Vedtaget"}
                              for q, lines in source.items()})

    write_source()
    plan_step.build_plan(paths.root, today=TODAY)
    typed: dict[str, dict[str, object]] = {}  # id -> header -> value
    manual: list[dict[str, object]] = []
    deleted: set[str] = set()
    added = 0
    for _round in range(data.draw(st.integers(1, 3), label="rounds")):
        wb = openpyxl.load_workbook(paths.master, keep_vba=True)
        ws = plan_ws(wb)
        ref = ws.tables["Handleplan"].ref
        last = int(ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        for _e in range(data.draw(st.integers(1, 6), label="edits")):
            r = data.draw(st.integers(2, last), label="row")
            rid = ws.cell(r, 1).value
            if not rid:
                continue
            header = data.draw(st.sampled_from(HEADERS_EDITABLE + ["Budget"]), label="column")
            if header == "Budget":
                if ws.cell(1, 17).value != "Budget":
                    ws.cell(1, 17).value = "Budget"
                c = 17
            else:
                c = col_of(ws, 1, header)
            value = data.draw(CELL_VALUES, label="value")
            cell = ws.cell(r, c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
            if not isinstance(value, dt.date):
                cell.number_format = "General"  # typing a number into a fresh cell
            typed.setdefault(rid, {})[header] = value
        if data.draw(st.booleans(), label="add row"):
            text = data.draw(st.sampled_from(["Egen idé", "Kursus", "Ny rutine"]))
            added += 1
            ws.cell(last + 1, col_of(ws, 1, "Handling")).value = f"{text} {added}"
            manual.append({"Handling": f"{text} {added}"})
        if data.draw(st.booleans(), label="delete row") and last >= 3:
            r = data.draw(st.integers(2, last), label="deleted row")
            rid = ws.cell(r, 1).value
            if rid:
                deleted.add(rid)
                typed.pop(rid, None)
                ws.delete_rows(r)
        wb.save(paths.master)
        q = data.draw(st.sampled_from(sorted(source)), label="source q")
        if data.draw(st.booleans(), label="add line"):
            source[q].append(data.draw(st.sampled_from(["Plan", "Mål", "Dialog", "Budget", "Kursus"])))
        elif source[q]:
            source[q].pop(0)
        write_source()
        plan_step.build_plan(paths.root, today=TODAY)

        headers, rows = calamine_plan(paths)
        key_of = {h: k for k, h in sheets_plan.read_plan_values(paths.master).headers}
        by_id = {r["id"]: r for r in rows}
        assert len(by_id) == len(rows)
        for rid, cols in typed.items():
            assert rid in by_id, rid
            for header, value in cols.items():
                got = by_id[rid][key_of[header]]
                if isinstance(value, dt.date):
                    got = got.date() if isinstance(got, dt.datetime) else got
                elif isinstance(value, str) and value.startswith("="):
                    pass  # a text that looks like a formula stays text (checked below)
                assert got == value, (rid, header, value, got)
        for m in manual:  # hand-added rows got an M- id and survive; from now on tracked by id
            hits = [r for r in rows if r["action"] == m["Handling"] and r["id"].startswith("M-")]
            assert len(hits) == 1, (m, hits)
            assert hits[0]["source"] == "manuel"
            typed[hits[0]["id"]] = dict(m)
        manual = []
        for rid in deleted:
            assert rid not in by_id


# ---------------------------------------------------------------- a real spreadsheet program
@pytest.mark.libreoffice
def test_libreoffice_typing_then_rebuild(round_, libreoffice, tmp_path):
    """Typed in LibreOffice Calc (validation enforced; Calc does not grow the table for a row
    typed below it), saved as .xlsm, rebuilt: everything typed is kept."""
    plan_step.build_plan(round_.root, today=TODAY)
    with libreoffice.open(round_.master) as doc:
        bad, ok, due, below = doc.type_cells("Handleplan", [
            ("M2", "måske"), ("M3", "i gang"), ("I3", "2026-12-31"), ("E5", "Egen idé fra Calc")])
        assert bad.outcome == "rejected" and ok.outcome == "accepted" and due.outcome == "accepted"
        assert below.outcome == "accepted"
        saved = doc.save_as(tmp_path / "saved.xlsm", "Calc MS Excel 2007 VBA XML")
    round_.master.write_bytes(Path(saved).read_bytes())
    res = plan_step.build_plan(round_.root, today=TODAY)
    assert res.new_manual == ["M-1"]
    rows = calamine_plan(round_)[1]
    assert rows[0]["status"] == "ikke startet" and rows[1]["status"].casefold() == "i gang"  # Calc capitalises
    assert ap.status_key(rows[1]["status"]) == "in_progress" and res.report.ok
    assert rows[1]["deadline"] in (dt.date(2026, 12, 31), dt.datetime(2026, 12, 31))
    assert rows[3]["id"] == "M-1" and rows[3]["action"] == "Egen idé fra Calc"
