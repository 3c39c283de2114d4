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
    return base


def test_rollup_overview(units, tmp_path):
    out = tmp_path / "overblik.xlsx"
    progress = []
    today = dt.date(2026, 11, 30)
    result = rollup.build_rollup([units], out, progress=lambda d, t: progress.append((d, t)), today=today)
    assert progress[-1] == (5, 5) and len(progress) == 5
    assert sorted(u.unit for u in result.units) == ["Børnehuset Mariehønen", "Børnehuset Solsikken",
                                                    "Jobcenter Syd", "Skolen Øst"]
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
    rules = [(str(cf.sqref), rule.type, [float(c.val) for c in rule.colorScale.cfvo])
             for cf in ws.conditional_formatting for rule in cf.rules if rule.type == "colorScale"]
    assert len(rules) == 2
    assert sorted(r[2] for r in rules) == [[0, 2.5, 5], [0, 50, 100]]
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

    plans = wb["Handleplaner"]
    table = plans.tables["Handleplaner"]
    n_actions = sum(len(u.actions) for u in result.units)
    assert n_actions >= 3 * 5
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(table.tableColumns))}{n_actions + 1}"
    head = [c.value for c in plans[1]]
    assert head[:3] == ["Enhed", "Runde", "Id"] and head[-1] == "Overskredet" and "Ansvarlig" in head
    units_in_plan = {plans.cell(r, 1).value for r in range(2, n_actions + 2)}
    assert units_in_plan == {"Børnehuset Solsikken", "Børnehuset Mariehønen", "Skolen Øst"}
    overdue = sum(1 for r in range(2, n_actions + 2) if plans.cell(r, len(head)).value == "Ja")
    assert overdue == sum(u.overdue_actions for u in result.units)
    assert "Point" in wb["Point"].tables

    text = result.summary("da")
    assert "4 enheder" in text and "[M201]" in text
    d = result.as_dict()
    assert len(d["units"]) == 4 and d["groups"] == {"kik 0-100": 3, "caf2020 0-5": 1}


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
