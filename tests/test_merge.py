"""``merge_round`` end to end: real master, real scoring workbooks, files filled like a person would."""

from __future__ import annotations

import statistics
from pathlib import Path

import openpyxl
import pytest
from needs import require

from xl_kik.core import catalogue
from xl_kik.excel import master
from xl_kik.steps import merge, report
from xl_kik.steps import plan as plan_step
from xl_kik.excel.sheets import konsensus_previous
from xl_kik.demo import simulate
from xl_kik.excel.masterfile import MasterFile
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.excel.sheets.konsensus import COL, demo_seminar, fill_suggested, read_inputs
from xl_kik.excel.sheets.konsensus import L as COL_L
from xl_kik.steps.generate import generate_round

PAYLOADS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1:A9)"]
NAMES = ["Anna Ærø", "Bo Bøg", "Carl Cé", "Dorthe Dahl", "Eva Ek"]


def make_round(root: Path, anonymise: bool = True, lang: str = "da", people=NAMES):
    ps = [Participant("", n, f"p{i}@x.dk") for i, n in enumerate(people)]
    master.create_round(root, unit="Solsikken", participants=ps, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"), lang=lang, anonymise=anonymise)
    files = generate_round(root)
    return files


def answers_for(i: int, qids, texts=None) -> dict:
    out = {}
    for j, q in enumerate(qids):
        pts = (10 + 17 * i + 7 * j) % 101
        if (i + j) % 9 == 4:
            pts = None  # ved ikke
        out[q] = {"points": pts, "strengths": f"S{i}-{q}", "improvements": f"F{i}-{q}", "ideas": ""}
    for q, t in (texts or {}).items():
        out[q].update(t)
    return out


def give_back(root: Path, files, i: int, texts=None) -> dict:
    participant, path = files[i]
    layout = simulate.read_layout(openpyxl.load_workbook(path))
    ans = answers_for(i, list(layout.rows), texts)
    simulate.fill_workbook(path, RoundPaths(root).returns / path.name, ans)
    return ans


def sheet_values(root: Path) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    out = {}
    for code in ("shStatus", "shAnswers", "shConsensus"):
        ws = MasterFile.sheet_by_codename(wb, code)
        out[code] = [[(c.value, c.data_type) for c in row] for row in ws.iter_rows()]
    return out


def konsensus(root: Path):
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    return wb, MasterFile.sheet_by_codename(wb, "shConsensus")


@pytest.fixture
def round3(tmp_path):
    """5 participants, 3 returned, one junk file."""
    root = tmp_path / "runde"
    files = make_round(root)
    given = {files[i][0].pid: give_back(root, files, i, {"1.1": {"strengths": PAYLOADS[0],
                                                                  "improvements": PAYLOADS[1],
                                                                  "ideas": PAYLOADS[4]}} if i == 0 else None)
             for i in range(3)}
    (RoundPaths(root).returns / "indkøbsliste.txt").write_text("mælk, brød", "utf-8")
    return root, files, given


def test_merge_counts_statistics_and_sheets(round3):
    root, files, given = round3
    result = merge.merge_round(root)
    assert (result.total, result.returned) == (5, 3)
    assert [p.name for p in result.missing] == ["Dorthe Dahl", "Eva Ek"]
    assert [name for name, _ in result.unusable] == ["indkøbsliste.txt"]
    assert result.unusable[0][1][0].is_error
    text = result.summary("da")
    assert "3 af 5 deltagere har afleveret. 2 mangler. 1 fil kunne ikke bruges." in text and "indkøbsliste.txt" in text
    assert result.as_dict()["returned"] == 3
    # statistics against an independent computation
    for qid in ("1.1", "2.3", "8.2"):
        vals = [a[qid]["points"] for a in given.values() if a[qid]["points"] is not None]
        s = result.stats.questions[qid]
        assert s.n == len(vals) and s.N == 3
        assert s.median == statistics.median(vals) and s.mean == pytest.approx(statistics.mean(vals))
        assert s.spread == max(vals) - min(vals)
    # Status
    wb, ws = konsensus(root)
    status = MasterFile.sheet_by_codename(wb, "shStatus")
    flat = [c.value for row in status.iter_rows() for c in row if c.value is not None]
    assert "3 af 5 deltagere har afleveret. 2 mangler. 1 fil kunne ikke bruges." in flat
    assert "indkøbsliste.txt" in flat and "Eva Ek" in flat
    # Konsensus: suggested = rounded median, n of N
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    s = result.stats.questions["2.3"]
    assert ws.cell(rows["2.3"], COL["suggested"]).value == s.suggested
    assert ws.cell(rows["2.3"], COL["n"]).value == f"{s.n} af 3"
    assert wb.calculation.fullCalcOnLoad
    # the master is still a master (codeNames, VBA) and was backed up
    assert RoundPaths(root).master.suffix == ".xlsm" and wb.vba_archive is not None
    assert list(RoundPaths(root).backups.glob("*.xlsm"))
    master.read_master(root)


def test_merge_twice_changes_nothing(round3):
    root, files, given = round3
    merge.merge_round(root)
    first = sheet_values(root)
    merge.merge_round(root)
    assert sheet_values(root) == first


def test_injection_payloads_stay_text(round3):
    root, files, given = round3
    merge.merge_round(root)
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    seen = set()
    for code in ("shStatus", "shAnswers", "shConsensus"):
        ws = MasterFile.sheet_by_codename(wb, code)
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert code == "shConsensus", (code, c.coordinate, c.value)
                    assert not any(p in c.value for p in PAYLOADS), c.value
                    # only our own formulas: quick win and difference per question, theme score block
                    assert c.column in (COL["quick_win"], COL["difference"]) or str(ws.cell(c.row, 1).value).startswith("theme:"), \
                        (c.coordinate, c.value)
                elif isinstance(c.value, str):
                    seen.update(p for p in PAYLOADS if p in c.value)
    assert {PAYLOADS[0], PAYLOADS[1], PAYLOADS[4]} <= seen


def test_answers_report_is_anonymised_by_default(round3):
    root, files, given = round3
    merge.merge_round(root)
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    ws = MasterFile.sheet_by_codename(wb, "shAnswers")
    flat = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "Deltager 1" in flat and "Deltager 3" in flat and "Deltager 4" not in flat
    for name in NAMES:
        assert name not in flat
    out = report.export_answer_report(root, root / "svarrapport.xlsx")
    texts = " ".join(str(c.value) for ws in openpyxl.load_workbook(out).worksheets
                     for row in ws.iter_rows() for c in row if c.value is not None)
    assert "Deltager 2" in texts and not any(n in texts for n in NAMES)
    named = report.export_answer_report(root, root / "navne.xlsx", anonymise=False)
    texts = " ".join(str(c.value) for ws in openpyxl.load_workbook(named).worksheets
                     for row in ws.iter_rows() for c in row if c.value is not None)
    assert "Anna Ærø" in texts and "Eva Ek" not in texts


def test_answers_report_with_names(tmp_path):
    root = tmp_path / "r"
    files = make_round(root, anonymise=False, people=NAMES[:3])
    give_back(root, files, 0)
    give_back(root, files, 2)
    merge.merge_round(root)
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    ws = MasterFile.sheet_by_codename(wb, "shAnswers")
    header = [c.value for c in ws[5]]
    assert "Anna Ærø" in header and "Carl Cé" in header and "Bo Bøg" not in header


def test_typed_konsensus_inputs_survive_remerge_with_more_files(round3):
    root, files, given = round3
    merge.merge_round(root)
    with MasterFile.edit(RoundPaths(root)) as wb:  # the coordinator types at the seminar
        ws = MasterFile.sheet_by_codename(wb, "shConsensus")
        rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
        ws.cell(rows["1.1"], COL["agreed_points"]).value = 42
        c = ws.cell(rows["1.1"], COL["agreed_improvements"])
        c.value, c.data_type = "Mål følges op\n" + PAYLOADS[0], "s"
        ws.cell(rows["1.1"], COL["to_plan"]).value = "Ja"
        ws.cell(rows["1.1"], COL["effect"]).value = "Høj"
        ws.cell(rows["1.1"], COL["feasibility"]).value = "Let"
        ws.cell(rows["4.2"], COL["decision"]).value = "Afventer"
        ws.cell(rows["8.1"], COL["agreed_points"]).value = 77
        ws.cell(ws.max_row + 2, 3).value = "Husk kage til seminaret"
    before = merge.merge_round(root).stats.questions["1.1"].n
    give_back(root, files, 3)  # one more file arrives
    result = merge.merge_round(root)
    assert result.returned == 4 and result.stats.questions["1.1"].N == 4
    assert result.stats.questions["1.1"].n >= before
    wb, ws = konsensus(root)
    got = read_inputs(ws)
    assert got["1.1"]["agreed_points"] == 42 and got["1.1"]["quick_win"] is True
    assert got["1.1"]["agreed_improvements"] == "Mål følges op\n" + PAYLOADS[0]
    assert got["4.2"]["decision"] == "Afventer" and got["8.1"]["agreed_points"] == 77
    assert "Husk kage til seminaret" in [c.value for row in ws.iter_rows() for c in row]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    assert ws.cell(rows["1.1"], COL["n"]).value == f"{result.stats.questions['1.1'].n} af 4"
    # the theme score is the live average of the theme's agreed points (the static copy made at
    # merge time, stale as soon as someone typed, is gone); column G is the mean of the medians
    agreed_8 = f"{COL_L['agreed_points']}{rows['8.1']}:{COL_L['agreed_points']}{rows['8.2']}"
    assert ws.cell(rows["theme:8"], 6).value == f'=IF(COUNT({agreed_8})=0,"",AVERAGE({agreed_8}))'
    assert ws.cell(rows["theme:8"], 7).value != 77 and isinstance(ws.cell(rows["theme:8"], 7).value, float)

    # a round that no longer covers theme 8: its inputs move to the removed section
    with MasterFile.edit(RoundPaths(root)) as wb:
        setup_ws = MasterFile.sheet_by_codename(wb, "shSetup")
        for r in range(1, setup_ws.max_row + 1):
            if setup_ws.cell(r, 1).value == "themes":
                setup_ws.cell(r, 3).value = "1,2,3,4,5,6,7"
    result = merge.merge_round(root)
    assert result.removed_questions == ["8.1"]
    wb, ws = konsensus(root)
    assert "8.1" not in read_inputs(ws)
    assert read_inputs(ws, include_removed=True)["8.1"]["agreed_points"] == 77
    assert read_inputs(ws)["1.1"]["agreed_points"] == 42
    with MasterFile.edit(RoundPaths(root)) as wb:
        setup_ws = MasterFile.sheet_by_codename(wb, "shSetup")
        for r in range(1, setup_ws.max_row + 1):
            if setup_ws.cell(r, 1).value == "themes":
                setup_ws.cell(r, 3).value = ""
    merge.merge_round(root)
    wb, ws = konsensus(root)
    assert read_inputs(ws)["8.1"]["agreed_points"] == 77  # back in its row


def test_fill_suggested_and_demo_seminar_never_overwrite(round3):
    root, files, given = round3
    result = merge.merge_round(root)
    with MasterFile.edit(RoundPaths(root)) as wb:
        ws = MasterFile.sheet_by_codename(wb, "shConsensus")
        rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
        ws.cell(rows["1.2"], COL["agreed_points"]).value = 3
    n = fill_suggested(root)
    answered = [q for q, s in result.stats.questions.items() if s.suggested is not None]
    assert n == len(answered) - 1
    wb, ws = konsensus(root)
    got = read_inputs(ws)
    assert got["1.2"]["agreed_points"] == 3
    assert got["2.1"]["agreed_points"] == result.stats.questions["2.1"].suggested
    import random

    agreed = demo_seminar(root, random.Random(3))
    assert agreed == len(answered)
    got = read_inputs(konsensus(root)[1])
    assert got["1.2"]["agreed_points"] == 3
    assert any(v["agreed_improvements"] for v in got.values())


def test_previous_round_column(round3, tmp_path):
    root, files, given = round3
    merge.merge_round(root)
    fill_suggested(root)
    other = tmp_path / "naeste"
    files2 = make_round(other)
    give_back(other, files2, 1)
    merge.merge_round(other, previous=root)
    wb, ws = konsensus(other)
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    prev = read_inputs(konsensus(root)[1])
    assert ws.cell(rows["2.1"], COL["previous"]).value == prev["2.1"]["agreed_points"]
    merge.merge_round(other)  # without --previous the column is kept
    wb, ws = konsensus(other)
    assert ws.cell(rows["2.1"], COL["previous"]).value == prev["2.1"]["agreed_points"]


@pytest.fixture
def next_round(tmp_path):
    """A demo round (merged, seminar, plan) as OLD, then 'init NEW --previous OLD', generate,
    returns and merge. OLD's first theme also has a separately agreed theme score."""
    import random

    from xl_kik.demo.round import run_demo
    from xl_kik.excel.sheets.konsensus import THEME_KEY
    from xl_kik.steps.init import init_round

    old = tmp_path / "old"
    run_demo(old, participants=4, say=lambda _text: None)
    with MasterFile.edit(RoundPaths(old)) as wb:
        ws = MasterFile.sheet_by_codename(wb, "shConsensus")
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == f"{THEME_KEY}1")
        ws.cell(row, COL["agreed_points"]).value = 77
    old_setup, old_people = master.load_round(old)
    new = tmp_path / "new"
    init_round(new, unit=old_setup.unit, participants=old_people, catalogue=catalogue.builtin("kik"),
               scale=catalogue.scale("0-100"), previous_root=old)
    files = generate_round(new)
    rng = random.Random(3)
    for _participant, path in files[:3]:
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        simulate.fill_workbook(path, RoundPaths(new).returns / path.name, simulate.random_answers(layout, rng))
    return old, new, plan_step.previous_scores(old), old_setup.round_id


def _theme_block(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value[len("theme:"):]: r for r in range(1, ws.max_row + 1)
            if isinstance(ws.cell(r, 1).value, str) and ws.cell(r, 1).value.startswith("theme:")}


def test_next_round_shows_previous_scores_and_open_actions(next_round):
    old, new, prev, old_id = next_round
    assert prev and prev.themes["1"] == 77  # the separately agreed theme score wins over the mean
    # init stored them (hidden sheet Forrige); a merge without --previous shows them
    result = merge.merge_round(new)
    assert result.returned == 3
    wb, ws = konsensus(new)
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    shown = {q: ws.cell(rows[q], COL["previous"]).value for q in prev}
    assert shown == dict(prev)
    themes = _theme_block(ws)
    assert set(themes) == {t.id for t in catalogue.builtin("kik").themes}
    header = min(themes.values()) - 1
    assert ws.cell(header, konsensus_previous.THEME_PREVIOUS_COL).value == "Forrige runde"
    assert ws.cell(header, konsensus_previous.THEME_CHANGE_COL).value == "Ændring siden sidst"
    for tid, r in themes.items():
        assert ws.cell(r, konsensus_previous.THEME_PREVIOUS_COL).value == prev.themes.get(tid), tid
        assert str(ws.cell(r, konsensus_previous.THEME_CHANGE_COL).value).startswith("=IF(")
    # the columns people own are untouched by that; merging again keeps the same values
    merge.merge_round(new)
    again = konsensus(new)[1]
    assert {q: again.cell(rows[q], COL["previous"]).value for q in prev} == dict(prev)
    assert {t: again.cell(r, konsensus_previous.THEME_PREVIOUS_COL).value for t, r in themes.items()} == \
        {t: prev.themes.get(t) for t in themes}
    # the old round's open actions are in the new plan, marked as carried over
    from xl_kik.core import actionplan
    from xl_kik.excel.sheets import handleplan as sheets_plan

    old_rows = sheets_plan.read_plan_values(RoundPaths(old).master).rows
    open_ids = {r["id"] for r in old_rows if actionplan.status_key(r.get("status")) != "done"}
    new_rows = sheets_plan.read_plan_values(RoundPaths(new).master).rows
    assert open_ids and {r["id"] for r in new_rows} == open_ids
    assert all(r["source"] == "overført fra forrige runde" and old_id in r["comment"] for r in new_rows)
    # the new master is still clean for 'doctor' (no sheet without codeName)
    assert master.verify_master(new) == []


def test_explicit_previous_round_gives_theme_scores(next_round, tmp_path):
    old, new, prev, _old_id = next_round
    got = konsensus_previous.read_previous(old)
    assert dict(got) == dict(prev) and got.themes == prev.themes
    # --previous wins over what init stored; a mapping without themes gets the means per theme
    merge.merge_round(new, previous={"1.1": 10, "1.2": 30})
    wb, ws = konsensus(new)
    themes = _theme_block(ws)
    assert ws.cell(themes["1"], konsensus_previous.THEME_PREVIOUS_COL).value == 20
    assert ws.cell(themes["2"], konsensus_previous.THEME_PREVIOUS_COL).value is None
    # the button door (scratch copy of the live book, values only) finds the stored scores too
    from xl_kik import buttons
    from xl_kik.excel.masterfile import OpenpyxlSheetWriter

    fresh = tmp_path / "fresh"
    import shutil

    shutil.copytree(new, fresh)
    with MasterFile.edit(RoundPaths(fresh)) as wb:  # as after init: nothing merged yet
        ws = MasterFile.sheet_by_codename(wb, "shConsensus")
        ws._cells.clear()
        ws["A1"] = master.PLACEHOLDERS["consensus"]("da")
    live = openpyxl.load_workbook(RoundPaths(fresh).master, keep_vba=True)
    writer = OpenpyxlSheetWriter(live)
    names = buttons.live_sheet_names(writer)
    buttons.do_merge(buttons.ButtonContext(root=fresh, writer=writer, lang="da", sheet_names=names))
    ws = live["Konsensus"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    assert {q: ws.cell(rows[q], COL["previous"]).value for q in prev} == dict(prev)
    assert ws.cell(_theme_block(ws)["1"], konsensus_previous.THEME_PREVIOUS_COL).value == 77


@pytest.mark.libreoffice
def test_libreoffice_computes_change_since_last_time(next_round, tmp_path):
    from python_calamine import CalamineWorkbook

    from xl_kik.excel import office as _office

    if not _office.find_soffice():
        require("LibreOffice", "soffice not installed")
    old, new, prev, _old_id = next_round
    merge.merge_round(new)
    with MasterFile.edit(RoundPaths(new)) as wb:
        ws = MasterFile.sheet_by_codename(wb, "shConsensus")
        themes = _theme_block(ws)
        rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
        for q in catalogue.builtin("kik").questions_of("1"):
            ws.cell(rows[q.id], COL["agreed_points"]).value = 80
        ws.cell(themes["2"], COL["agreed_points"]).value = 50  # a separately agreed theme score
    out = _office.convert([RoundPaths(new).master], "xlsx", tmp_path / "lo")[0]
    values = {r[0]: r for r in CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Konsensus").to_python()
              if r and r[0]}
    change = konsensus_previous.THEME_CHANGE_COL - 1
    assert values["theme:1"][change] == pytest.approx(80 - 77)
    assert values["theme:2"][change] == pytest.approx(50 - prev.themes["2"])
    assert values["theme:3"][change] in ("", None)  # nothing agreed yet in this round


def test_english_master(tmp_path):
    root = tmp_path / "en"
    files = make_round(root, lang="en", people=NAMES[:2])
    give_back(root, files, 0)
    result = merge.merge_round(root)
    assert "1 of 2 participants have returned" in result.summary("en")
    wb, ws = konsensus(root)
    assert ws.cell(4, COL["agreed_points"]).value == "Agreed points"


def test_bad_returns_corpus_is_reported_not_fatal(tmp_path):
    import bad_returns
    root = tmp_path / "r"
    make_round(root)
    setup, participants = master.load_round(root)
    cases = bad_returns.make_corpus(RoundPaths(root).returns, setup, participants)
    result = merge.merge_round(root)
    unusable = {name for name, _ in result.unusable}
    superseded = set(result.superseded)
    for case in cases:
        if not case.accepted:  # listed as unusable, or as a byte-identical copy of another file
            assert case.path.name in unusable or case.path.name in superseded, case.name
        else:
            assert case.path.name not in unusable, case.name
    for name, problems in result.unusable:
        severities = [p.severity for p in problems]
        assert severities == sorted(severities, key=["error", "warning", "info"].index), name
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    status = MasterFile.sheet_by_codename(wb, "shStatus")
    flat = {c.value for row in status.iter_rows() for c in row}
    for name in unusable | superseded:
        assert name in flat


def test_merge_refuses_when_master_is_open(round3):
    from xl_kik.core.errors import MasterLockedError

    root, files, given = round3
    lock = RoundPaths(root).master.with_name("~$" + RoundPaths(root).master.name)
    lock.write_bytes(b"x")
    before = RoundPaths(root).master.read_bytes()
    with pytest.raises(MasterLockedError):
        merge.merge_round(root)
    assert RoundPaths(root).master.read_bytes() == before


@pytest.mark.libreoffice
def test_libreoffice_recalculates_konsensus_formulas(round3, tmp_path):
    """openpyxl stores no cached results: a real spreadsheet program must compute them."""
    from python_calamine import CalamineWorkbook

    from xl_kik.excel import office as _office

    if not _office.find_soffice():
        require("LibreOffice", "soffice not installed")
    root, files, given = round3
    merge.merge_round(root)
    with MasterFile.edit(RoundPaths(root)) as wb:
        ws = MasterFile.sheet_by_codename(wb, "shConsensus")
        rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
        for qid, pts in (("1.1", 40), ("1.2", 61)):
            ws.cell(rows[qid], COL["agreed_points"]).value = pts
        ws.cell(rows["1.1"], COL["effect"]).value = "Høj"
        ws.cell(rows["1.1"], COL["feasibility"]).value = "Let"
    out = _office.convert([RoundPaths(root).master], "xlsx", tmp_path / "lo")[0]
    values = {r[0]: r for r in CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Konsensus").to_python()
              if r and r[0]}
    assert values["1.1"][COL["quick_win"] - 1] == "Ja" and values["1.2"][COL["quick_win"] - 1] == ""
    assert values["theme:1"][5] == pytest.approx(50.5)  # AVERAGE(40, 61), 1.3 blank
    assert values["theme:1"][4] == "2 af 3"
    assert values["theme:1"][8] == pytest.approx(50.5)  # chart helper (indsats)


def test_invalid_agreed_points_are_reported_with_their_cell(tmp_path):
    """Pasted past the validation: 'ca. 60' and 250 on a 0-100 scale are named, not silently averaged."""
    import openpyxl

    from xl_kik.demo.round import run_demo
    from xl_kik.excel.sheets.konsensus import COL, FIRST_ROW

    root = tmp_path / "demo"
    run_demo(root, say=lambda text: None)
    wb = openpyxl.load_workbook(root / "kik_master.xlsm", keep_vba=True)
    ws = wb["Konsensus"]
    rows = {ws.cell(r, 1).value: r for r in range(FIRST_ROW, ws.max_row + 1)}
    col = openpyxl.utils.get_column_letter(COL["agreed_points"])
    ws[f"{col}{rows['1.1']}"] = "ca. 60"
    ws[f"{col}{rows['1.2']}"] = 250
    ws[f"{col}{rows['1.3']}"] = 70
    wb.save(root / "kik_master.xlsm")
    result = merge.merge_round(root)
    found = {(p.code, p.cell) for p in result.consensus_problems}
    assert found == {("S130", f"{col}{rows['1.1']}"), ("S130", f"{col}{rows['1.2']}")}
    assert "1.1" in result.summary("da") and "Konsensus" in result.summary("da")
    again = openpyxl.load_workbook(root / "kik_master.xlsm")["Konsensus"]
    assert again[f"{col}{rows['1.1']}"].value == "ca. 60"  # what the person typed is kept, only reported
