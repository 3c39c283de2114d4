"""The overview across units: heat map, response rates, actions, grouping, broken masters."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import shutil
import statistics
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_kik.core import catalogue as cat
from xl_kik.excel import master
from xl_kik.steps import rollup
from xl_kik.core.round import MASTER_NAME, Participant


def _vary(src: Path, dest: Path, unit: str, round_id: str, points: int | None) -> None:
    """A copy of ``src`` with another unit name and round id; agreed points set to ``points`` or removed."""
    data = src.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos, _ = master.workbook_sheets(zf)
        consensus = next(i.part for i in infos if i.codename == master.CODE_NAMES["consensus"])
        setup, _ = master.load_round(src)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for item in zf.infolist():
                raw = zf.read(item)
                if item.filename.endswith(".xml"):
                    raw = raw.replace(setup.round_id.encode(), round_id.encode()).replace(
                        setup.unit.encode(), unit.encode())
                if item.filename == consensus:
                    new = "" if points is None else f"<v>{points}</v>"
                    raw = re.sub(rb'(<c r="M\d+"(?: [^>]*)?>)<v>[0-9.]+</v>', lambda m: m.group(1) + new.encode(), raw)
                out.writestr(item, raw)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buf.getvalue())


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    """A demo round (merged, agreed, action plan), two variations, a CAF round (merged, nothing agreed)."""
    from xl_kik.demo import round as demo
    from xl_kik.steps import merge
    from xl_kik.demo import simulate
    from xl_kik.steps.generate import generate_round

    base = tmp_path_factory.mktemp("rollup")
    demo_root = base / "solsikken"
    demo.run_demo(demo_root, participants=8, say=lambda _: None)
    _vary(demo_root / MASTER_NAME, base / "mariehønen" / MASTER_NAME, "Børnehuset Mariehønen", "KIK-20260101-aaaaaa", 80)
    _vary(demo_root / MASTER_NAME, base / "skolen" / MASTER_NAME, "Skolen Øst", "KIK-20260101-bbbbbb", None)
    caf = base / "jobcenter"
    people = [Participant("", f"Deltager {i}", f"d{i}@x.dk") for i in range(1, 4)]
    master.create_round(caf, unit="Jobcenter Syd", participants=people, catalogue=cat.builtin("caf2020"),
                        scale=cat.scale("0-5"), themes=["1", "2"])
    rng = random.Random(1)
    for _, path in generate_round(caf):
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        simulate.fill_workbook(path, caf / "retur" / path.name, simulate.random_answers(layout, rng))
    merge.merge_round(caf)
    broken = base / "ødelagt"
    broken.mkdir()
    (broken / MASTER_NAME).write_bytes((demo_root / MASTER_NAME).read_bytes()[:3000])
    _next_round(demo_root, base / "solsikken_2027")
    return base


#: The change typed per theme (in catalogue order, cycling) in Solsikken's next round, against
#: its previous round's theme score: up, down, about the same.
DELTAS = (15, -15, 3)


def _next_round(old: Path, new: Path) -> None:
    """``init NEW --previous OLD``, three returns, merge, and agreed points typed per theme at
    the previous theme score + DELTAS (so the change is known without the rollup's code)."""
    from xl_kik.demo import simulate
    from xl_kik.excel.masterfile import MasterFile
    from xl_kik.excel.sheets.konsensus import COL
    from xl_kik.steps import merge
    from xl_kik.steps.generate import generate_round
    from xl_kik.steps.init import init_round
    from xl_kik.core.round import RoundPaths

    setup, people = master.load_round(old)
    init_round(new, unit="Solsikken næste runde", participants=people, catalogue=cat.builtin("kik"),
               scale=cat.scale("0-100"), previous_root=old)
    rng = random.Random(5)
    for _, path in generate_round(new)[:3]:
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        simulate.fill_workbook(path, RoundPaths(new).returns / path.name, simulate.random_answers(layout, rng))
    merge.merge_round(new)
    before = _old_theme_scores(old)
    with MasterFile.edit(RoundPaths(new)) as wb:
        ws = MasterFile.sheet_by_codename(wb, "shConsensus")
        for r in range(1, ws.max_row + 1):
            qid = ws.cell(r, 1).value
            if isinstance(qid, str) and qid in setup.question_ids:
                theme = setup.catalogue.question(qid).theme
                i = [t.id for t in setup.catalogue.themes].index(theme)
                ws.cell(r, COL["agreed_points"]).value = max(0, min(100, round(before[theme] + DELTAS[i % 3])))


def _old_theme_scores(old: Path) -> dict[str, float]:
    """The previous round's theme scores read with openpyxl: the separately agreed theme score,
    else the mean of the theme's agreed points."""
    from xl_kik.excel.sheets.konsensus import COL, read_inputs

    setup, _ = master.load_round(old)
    ws = openpyxl.load_workbook(old / MASTER_NAME)["Konsensus"]
    inputs = read_inputs(ws)
    typed = {str(ws.cell(r, 1).value)[len("theme:"):]: ws.cell(r, COL["agreed_points"]).value
             for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("theme:")}
    out = {}
    for t in setup.catalogue.themes:
        agreed = [inputs[q.id]["agreed_points"] for q in setup.catalogue.questions_of(t.id)
                  if isinstance(inputs[q.id]["agreed_points"], int)]
        if isinstance(typed.get(t.id), (int, float)):
            out[t.id] = typed[t.id]
        elif agreed:
            out[t.id] = statistics.fmean(agreed)
    return out


def test_rollup_overview(units, tmp_path):
    out = tmp_path / "overblik.xlsx"
    progress = []
    today = dt.date(2026, 11, 30)
    result = rollup.build_rollup([units], out, progress=lambda d, t: progress.append((d, t)), today=today)
    assert progress[-1] == (6, 6) and len(progress) == 6
    assert sorted(u.unit for u in result.units) == ["Børnehuset Mariehønen", "Børnehuset Solsikken",
                                                    "Jobcenter Syd", "Skolen Øst", "Solsikken næste runde"]
    # the broken master is listed, the rest continue
    assert [p.code for p in result.failed] == ["M201"] and "ødelagt" in result.failed[0].file
    assert set(result.groups) == {("kik", "0-100"), ("caf2020", "0-5")}

    by = {u.unit: u for u in result.units}
    sol = by["Børnehuset Solsikken"]
    # independent check of the theme scores: the agreed points as openpyxl reads them
    from xl_kik.excel.sheets.konsensus import read_inputs

    wb = openpyxl.load_workbook(units / "solsikken" / MASTER_NAME)
    inputs = read_inputs(wb["Konsensus"])
    setup, people = master.load_round(units / "solsikken")
    for t in sol.themes:
        agreed = [inputs[q.id]["agreed_points"] for q in setup.catalogue.questions_of(t.theme)
                  if isinstance(inputs[q.id]["agreed_points"], int)]
        if agreed:
            assert t.basis == "agreed" and t.score == pytest.approx(statistics.fmean(agreed))
    assert sol.participants == len(people) == 8 and sol.returned == 7
    assert sol.response_rate == pytest.approx(7 / 8)
    from xl_kik.steps import plan as actionplan

    items = actionplan.follow_up(units / "solsikken", today=today, include_done=True)
    assert sol.open_actions == sum(1 for i in items if i.open)
    assert sol.overdue_actions == sum(1 for i in items if i.overdue)
    assert all(t.score == 80 and t.basis == "agreed" for t in by["Børnehuset Mariehønen"].themes)
    # nothing agreed: falls back to the mean of the medians, marked
    school = by["Skolen Øst"]
    assert all(t.basis == "median" for t in school.themes)
    job = by["Jobcenter Syd"]
    assert [t.theme for t in job.themes] == ["1", "2"] and all(t.basis == "median" for t in job.themes)
    assert all(0 <= t.score <= 5 for t in job.themes)

    # -- the workbook
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Overblik", "Handleplaner", "Point", "Problemer"]
    ws = wb["Overblik"]
    assert ws["A2"].value.startswith("Scorer fra forskellige grupper kan ikke sammenlignes direkte")
    # no colour by value (a ranking): none of these units has a previous round, so no theme score is filled
    assert not [rule for cf in ws.conditional_formatting for rule in cf.rules]
    cells = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    headers = [c.value for c in ws[cells["Enhed"]]]
    assert headers[:10] == ["Enhed", "Runde", "Oprettet", "Svarfrist", "Deltagere", "Afleveret", "Svarprocent",
                            "Åbne handlinger", "Overskredne handlinger", "Grundlag"]
    assert "1. Ledelse" in headers
    row_school = [c for c in ws[cells["Skolen Øst"]]]
    theme_cell = row_school[headers.index("1. Ledelse")]
    assert isinstance(theme_cell.value, (int, float)) and "*" in theme_cell.number_format  # a number (62.0 reads back as 62)
    row_sol = [c for c in ws[cells["Børnehuset Solsikken"]]]
    assert row_sol[headers.index("Svarprocent")].value == pytest.approx(0.875)
    assert row_sol[headers.index("1. Ledelse")].number_format == "0.0"
    themes_at = range(headers.index("Grundlag") + 1, len(headers))
    for name in ("Børnehuset Solsikken", "Børnehuset Mariehønen", "Skolen Øst"):
        row = ws[cells[name]]
        assert all(row[c].fill.fill_type is None and not set("▲▼=") & set(row[c].number_format)
                   for c in themes_at if headers[c]), name
    legends = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)
               if str(ws.cell(r, 1).value).startswith("Temascore = ")]
    assert len(legends) == 2 and all("egen forrige runde" in t and "ikke en placering" in t for t in legends)
    assert any("grøn ▲ = temascoren er steget mindst 10 point (10 % af skalaen 0-100)" in t for t in legends)
    assert any("mindst 0,5 point (10 % af skalaen 0-5)" in t and "Ingen af enhederne her har en forrige runde" in t
               for t in legends)

    plans = wb["Handleplaner"]
    table = plans.tables["Handleplaner"]
    n_actions = sum(len(u.actions) for u in result.units)
    assert n_actions >= 3 * 5
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(table.tableColumns))}{n_actions + 1}"
    head = [c.value for c in plans[1]]
    assert head[:3] == ["Enhed", "Runde", "Id"] and head[-1] == "Overskredet" and "Ansvarlig" in head
    units_in_plan = {plans.cell(r, 1).value for r in range(2, n_actions + 2)}
    assert units_in_plan == {"Børnehuset Solsikken", "Børnehuset Mariehønen", "Skolen Øst", "Solsikken næste runde"}
    overdue = sum(1 for r in range(2, n_actions + 2) if plans.cell(r, len(head)).value == "Ja")
    assert overdue == sum(u.overdue_actions for u in result.units)
    assert "Point" in wb["Point"].tables

    text = result.summary("da")
    assert "5 enheder" in text and "[M201]" in text
    d = result.as_dict()
    assert len(d["units"]) == 5 and d["groups"] == {"kik 0-100": 4, "caf2020 0-5": 1}


def test_colours_show_change_against_the_units_own_previous_round(units, tmp_path):
    """Solsikken's next round (``init --previous``): each theme score coloured by its change
    against Solsikken's own previous theme score, with the threshold of 10 points on 0-100."""
    out = tmp_path / "overblik.xlsx"
    result = rollup.build_rollup([units / "solsikken_2027", units / "solsikken", units / "skolen"], out)
    before = _old_theme_scores(units / "solsikken")
    unit = next(u for u in result.units if u.unit == "Solsikken næste runde")
    setup, _ = master.load_round(units / "solsikken")
    order = [t.id for t in setup.catalogue.themes]
    expected_trend = {}
    for t in unit.themes:
        assert t.basis == "agreed" and t.previous == pytest.approx(before[t.theme], abs=0.051), t.theme
        typed = max(0, min(100, round(before[t.theme] + DELTAS[order.index(t.theme) % 3])))
        assert t.score == typed
        change = round(typed - round(before[t.theme], 1), 1)
        expected_trend[t.theme] = "up" if change >= 10 else "down" if change <= -10 else "same"
        assert t.trend == expected_trend[t.theme], (t.theme, typed, before[t.theme])
    assert set(expected_trend.values()) == {"up", "down", "same"}
    # the previous round itself and a unit without one are not compared
    assert all(t.trend == "" for u in result.units if u.unit != "Solsikken næste runde" for t in u.themes)

    ws = openpyxl.load_workbook(out)["Overblik"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    headers = [c.value for c in ws[rows["Enhed"]]]
    look = {"up": ("FFC6EFCE", "▲"), "down": ("FFFFC7CE", "▼"), "same": ("FFFFEB9C", "=")}
    for t in unit.themes:
        cell = ws.cell(rows["Solsikken næste runde"], headers.index(t.label) + 1)
        fill, mark = look[expected_trend[t.theme]]
        assert cell.fill.fgColor.rgb == fill and mark in cell.number_format, t.theme
        assert cell.value == pytest.approx(t.score)
        old = ws.cell(rows["Børnehuset Solsikken"], headers.index(t.label) + 1)
        assert old.fill.fill_type is None and old.number_format == "0.0"
    legend = next(ws.cell(r, 1).value for r in range(1, ws.max_row + 1)
                  if str(ws.cell(r, 1).value).startswith("Temascore = "))
    assert "Ingen af enhederne" not in legend and "rød ▼ = faldet mindst 10 point" in legend
    assert ws["A2"].value.startswith("Scorer fra forskellige grupper kan ikke sammenlignes direkte")
    d = result.as_dict()["units"]
    assert {x["trend"] for u in d for x in u["themes"].values()} == {"up", "down", "same", ""}


def test_previous_scores_of_a_round_not_merged_since_init_previous(units, tmp_path):
    """``init --previous`` without a merge since: the Konsensus sheet shows no previous scores
    yet, so the rollup reads them from the hidden Forrige sheet (the only master it reads there)."""
    from xl_kik.steps.init import init_round

    setup, people = master.load_round(units / "solsikken")
    new = tmp_path / "solsikken_ny"
    init_round(new, unit="Solsikken ny runde", participants=people, catalogue=cat.builtin("kik"),
               scale=cat.scale("0-100"), previous_root=units / "solsikken")
    result = rollup.build_rollup([new], tmp_path / "o.xlsx")
    [unit] = result.units
    before = _old_theme_scores(units / "solsikken")
    assert before and {t.theme for t in unit.themes if t.previous is not None} == set(before)
    for t in unit.themes:
        if t.theme in before:
            assert t.previous == pytest.approx(before[t.theme], abs=0.051), t.theme
        assert t.score is None and t.trend == ""  # nothing merged or agreed yet: not compared


def test_english_and_single_master(units, tmp_path):
    out = tmp_path / "overview.xlsx"
    result = rollup.build_rollup([units / "solsikken" / MASTER_NAME, units / "solsikken"], out, lang="en")
    assert len(result.units) == 1 and not result.problems  # the same file twice is read once
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Overview", "Action plans", "Scores"]
    assert wb["Overview"]["A2"].value.startswith("Scores from different groups cannot be compared directly")


def test_same_round_twice_and_missing(units, tmp_path):
    copy = tmp_path / "kopi"
    copy.mkdir()
    shutil.copy(units / "solsikken" / MASTER_NAME, copy / MASTER_NAME)
    result = rollup.build_rollup([units / "solsikken", copy, tmp_path / "findes-ikke.xlsm"], tmp_path / "o.xlsx")
    assert sorted(p.code for p in result.problems) == ["M201", "M203"]
    assert len(result.units) == 1


def test_no_masters_at_all(tmp_path):
    with pytest.raises(rollup.RollupError):
        rollup.build_rollup([], tmp_path / "o.xlsx")
    result = rollup.build_rollup([tmp_path], tmp_path / "o.xlsx")  # a folder without rounds
    assert not result.units and [p.code for p in result.problems] == ["M201"]
    assert (tmp_path / "o.xlsx").exists()


def test_trend_on_plain_numbers():
    """The rule on plain data: 10 % of the scale's range, on the values as shown (one decimal)."""
    from xl_kik.core.rollup import change_points, trend

    assert change_points(0, 100) == 10 and change_points(0, 5) == 0.5 and change_points(1, 5) == 0.4
    cases = [  # score, previous, basis, scale, expected
        (60, 50, "agreed", (0, 100), "up"), (40, 50, "agreed", (0, 100), "down"),
        (59.9, 50, "agreed", (0, 100), "same"), (59.96, 50, "agreed", (0, 100), "up"),  # shown as 60.0
        (40.1, 50, "theme_agreed", (0, 100), "same"), (50, 50, "agreed", (0, 100), "same"),
        (3.5, 3.0, "agreed", (0, 5), "up"), (3.4, 3.0, "agreed", (0, 5), "same"), (2.5, 3.0, "agreed", (0, 5), "down"),
        (80, None, "agreed", (0, 100), ""), (None, 50, "", (0, 100), ""),
        (80, 50, "median", (0, 100), ""),  # nothing agreed yet: not comparable with an agreed score
    ]
    for score, previous, basis, (lo, hi), expected in cases:
        assert trend(score, previous, basis, lo, hi) == expected, (score, previous, basis)


def test_previous_theme_scores_and_theme_scores_on_plain_data():
    """The previous theme score: the one shown for the theme, else the mean of the previous
    question points; theme_scores carries it and the trend."""
    from xl_kik.core.round import RoundSetup
    from xl_kik.core.rollup import previous_theme_scores, theme_scores

    kik = cat.builtin("kik")
    t1, t2, t3 = [t.id for t in kik.themes[:3]]
    q1 = [q.id for q in kik.questions_of(t1)]
    q2 = [q.id for q in kik.questions_of(t2)]
    setup = RoundSetup(round_id="R", unit="U", catalogue=kik.subset([t1, t2, t3]), scale=cat.scale("0-100"))
    prev = previous_theme_scores(setup, {t1: 55.0}, {q1[0]: 10, q2[0]: 40, q2[-1]: 60})
    assert prev == {t1: 55.0, t2: 50.0}  # t1 as shown (not the question mean 10); t3 has nothing
    agreed = {q: 70 for q in q1} | {q: 41 for q in q2}
    themes, _ = theme_scores(setup, agreed, {}, {}, prev)
    by = {t.theme: t for t in themes}
    assert (by[t1].previous, by[t1].trend, by[t1].change) == (55.0, "up", 15.0)
    assert (by[t2].previous, by[t2].trend, by[t2].change) == (50.0, "same", -9.0)
    assert (by[t3].previous, by[t3].trend, by[t3].change) == (None, "", None)


def _cells(path: Path) -> dict[str, list]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def _pool_masters(units: Path, tmp_path: Path) -> list[Path]:
    """Enough masters for the reading pool: the fixture's rounds (a broken one too), copies of a
    round under their own unit names, a round given twice and a missing file."""
    demo_master = units / "solsikken" / MASTER_NAME
    copies = []
    for i in range(9):
        dest = tmp_path / f"enhed_{i}" / MASTER_NAME
        _vary(demo_master, dest, f"Enhed {i}", f"KIK-20260301-{i:06x}", 40 + 5 * i)
        copies.append(dest)
    twin = tmp_path / "tvilling" / MASTER_NAME  # the same round under another path
    twin.parent.mkdir()
    shutil.copy(copies[5], twin)
    return [units, *copies, copies[3], tmp_path / "enhed_3", twin, tmp_path / "findes-ikke.xlsm"]


def test_the_reading_pool_gives_what_one_process_reads(units, tmp_path, monkeypatch):
    """Masters read by this process and a helper process (``XL_KIK_WORKERS=2``, excel/pool)
    give the same overview, problems and order as one process."""
    masters = _pool_masters(units, tmp_path)
    day = dt.date(2026, 12, 2)
    monkeypatch.setenv("XL_KIK_WORKERS", "1")
    assert rollup._workers(100) is None
    one = rollup.build_rollup(masters, tmp_path / "one.xlsx", today=day)
    monkeypatch.setenv("XL_KIK_WORKERS", "2")
    assert rollup._workers(len(masters)) == 2
    seen = []
    pool = rollup.build_rollup(masters, tmp_path / "pool.xlsx", today=day, progress=lambda n, total: seen.append((n, total)))
    assert len(one.units) >= 12 and sorted(p.code for p in one.problems) == ["M201", "M201", "M203"]
    assert {k: v for k, v in pool.as_dict().items() if "seconds" not in k and k != "out"} == \
           {k: v for k, v in one.as_dict().items() if "seconds" not in k and k != "out"}
    assert [p.describe("da") for p in pool.problems] == [p.describe("da") for p in one.problems]
    assert _cells(tmp_path / "pool.xlsx") == _cells(tmp_path / "one.xlsx")
    total = len(rollup.expand_masters(masters)) - 2  # the same file given twice is read once
    assert seen[-1] == (total, total) and [n for n, _ in seen] == sorted({n for n, _ in seen})


def test_the_pool_shares_the_masters_and_keeps_their_order(units, tmp_path, monkeypatch):
    """A helper (a thread here, so the test sees who read what) reads from the last master
    backwards while this process reads from the first; the result is in the masters' order."""
    import concurrent.futures
    import threading

    from xl_kik.excel import pool

    masters = _pool_masters(units, tmp_path)
    one = rollup.build_rollup(masters, tmp_path / "one.xlsx", workers=1)
    here, by_helper, gate = threading.get_ident(), [], threading.Event()
    real = rollup._read_safely

    def read(path, today):
        if threading.get_ident() != here:
            gate.wait(10)  # the helper's first chunk waits until this process has read a master
            by_helper.append(path)
        else:
            gate.set()
        return real(path, today)

    monkeypatch.setattr(rollup, "_read_safely", read)
    real_shared = pool.read_shared
    items = []
    monkeypatch.setattr(pool, "read_shared", lambda *a, **k: items.extend(a[0]) or real_shared(
        *a, **k, pool=concurrent.futures.ThreadPoolExecutor))
    shared = rollup.build_rollup(masters, tmp_path / "pool.xlsx", workers=2)
    assert [u.file for u in shared.units] == [u.file for u in one.units]
    assert [p.describe("en") for p in shared.problems] == [p.describe("en") for p in one.problems]
    assert items[-1] == rollup.expand_masters(masters)[-1]
    assert by_helper and len(by_helper) < len(items)
    assert sorted(map(str, by_helper)) == sorted(map(str, items[len(items) - len(by_helper):]))  # the last ones


def test_a_few_masters_load_no_process_pool(units, tmp_path):
    """Below PARALLEL_MIN_MASTERS the rollup never loads multiprocessing, and never openpyxl,
    pandas or the status step (``xl-kik rollup`` stays light)."""
    import json
    import subprocess
    import sys

    code = ("import json, sys; from xl_kik.steps import rollup; rollup.build_rollup(sys.argv[1:-1], sys.argv[-1]); "
            "print(json.dumps(sorted(m for m in sys.modules if m in ('multiprocessing', 'concurrent.futures.process', "
            "'openpyxl', 'pandas', 'xl_kik.steps.status'))))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "XL_KIK_WORKERS"}
    out = subprocess.run([sys.executable, "-c", code, str(units), str(tmp_path / "o.xlsx")], capture_output=True,
                         text=True, check=True, env=env).stdout
    assert json.loads(out) == []
    assert rollup.PARALLEL_MIN_MASTERS > len(rollup.expand_masters([units]))


def test_the_rollup_reads_with_a_helper_when_half_a_core_is_free(monkeypatch):
    """Its own bar (a rollup never waits for a helper that gets no core): from 40 masters on
    2 cores at a load up to 1.5, where merge's reading pool needs a load up to 0.5."""
    import os

    from xl_kik.excel import pool
    from xl_kik.steps import status

    monkeypatch.delenv("XL_KIK_WORKERS", raising=False)
    monkeypatch.setattr(pool, "RUN_QUEUE", os.devnull)  # no run queue: the average alone decides
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.2, 1.0, 0.5))
    assert rollup._workers(150) == 2 and rollup._workers(39) is None
    assert status._workers(1000) is None
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 1.0, 0.5))
    assert rollup._workers(150) is None
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 1.0, 0.5))
    assert rollup._workers(150) == 2 and status._workers(1000) == 2
    monkeypatch.setenv("XL_KIK_WORKERS", "2")
    assert rollup._workers(3) == 2  # asked for


def _rezip(src: Path, dest: Path, comment: bytes = b"", method_of=lambda name: zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info), compress_type=method_of(info.filename))
        zout.comment = comment
    return dest


def test_open_zip_finds_the_sheets_zipfile_finds(units, tmp_path):
    """master.open_zip (the plain directory read from the bytes, parts inflated from memory)
    against zipfile.ZipFile, for a master in the plain form, one with a zip comment (not plain:
    zipfile reads it), one whose sheets are stored and one whose sheets are bzip2 (left to zipfile):
    the same sheets by key, the same codeNames; a missing part raises zipfile's KeyError."""
    src = units / "solsikken" / MASTER_NAME
    sheets = lambda name: name.startswith("xl/worksheets/sheet")  # noqa: E731
    forms = {
        "plain": _rezip(src, tmp_path / "plain.xlsm"),
        "comment": _rezip(src, tmp_path / "comment.xlsm", comment=b"a comment"),
        "stored": _rezip(src, tmp_path / "stored.xlsm",
                         method_of=lambda n: zipfile.ZIP_STORED if sheets(n) else zipfile.ZIP_DEFLATED),
        "bzip2": _rezip(src, tmp_path / "bzip2.xlsm",
                        method_of=lambda n: zipfile.ZIP_BZIP2 if sheets(n) else zipfile.ZIP_DEFLATED),
    }
    keys = ("meta", "setup", "participants", "questions", "consensus", "status", "plan", "previous")
    for form, path in forms.items():
        got = master.open_zip(path)
        assert isinstance(got, master.BytesZip) == (form != "comment"), form
        with zipfile.ZipFile(path) as zf:
            assert master.sheet_names_for(got, keys) == master.sheet_names_for(zf, keys), form
            assert master.workbook_sheets(got) == master.workbook_sheets(zf), form
            assert len(master.sheet_names_for(zf, keys)) == len(keys)
    with pytest.raises(KeyError, match="There is no item named 'xl/nothing.xml' in the archive"):
        master.open_zip(forms["plain"]).getinfo("xl/nothing.xml")


@pytest.mark.parametrize("head, expected", [
    ('<worksheet xmlns="x"><sheetPr codeName="shSetup"><outlinePr/></sheetPr>', "shSetup"),
    # the root tag's namespaces fill the first kilobyte: the codeName lies beyond it
    ('<worksheet ' + " ".join(f'xmlns:n{i}="urn:{"x" * 40}"' for i in range(40)) + '><sheetPr codeName="shLate"/>',
     "shLate"),
    # a sheetPr tag that is not whole in the first kilobyte: its last codeName counts, as in the longer head
    ('<worksheet><sheetPr codeName="shFirst" ' + "a" * 1100 + ' codeName="shLast"/>', "shLast"),
    ('<worksheet><sheetPr filterMode="0"/>' + "<x/>" * 400, ""),
])
def test_a_sheets_codename_from_its_head(tmp_path, head, expected):
    """master._code_name reads a short head first and the longer one when the sheetPr tag is not
    whole in it: the codeName the longer head alone gives (hand-written heads)."""
    path = tmp_path / "heads.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", head + "<sheetData/></worksheet>")
    for zf in (zipfile.ZipFile(path), master.open_zip(path)):
        assert master._code_name(zf, "xl/worksheets/sheet1.xml", {"xl/worksheets/sheet1.xml"}) == expected
