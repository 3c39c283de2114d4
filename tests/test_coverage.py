"""Documentation responsibility: the Temaer column, coverage per theme on Status, warnings at init/generate."""

from __future__ import annotations

import random

import openpyxl
import pytest

from xl_kik.core import catalogue, coverage
from xl_kik.core.round import Participant
from xl_kik.excel import master
from xl_kik.steps.generate import generate_round

CAT = catalogue.builtin("kik")
THEMES = [t.id for t in CAT.themes]


def people(*specs):
    return [Participant(f"D{i:02d}", name, f"p{i}@x.dk", role, "", themes)
            for i, (name, role, themes) in enumerate(specs, start=1)]


def test_parse_themes():
    assert coverage.parse_themes("1, 4") == ["1", "4"]
    assert coverage.parse_themes("tema 2 og 3;3") == ["2", "3"]
    assert coverage.parse_themes("Theme 5 and 6.") == ["5", "6"]
    assert coverage.parse_themes("") == coverage.parse_themes(None) == []


def test_warnings_few_readers_one_role_unknown_theme():
    ps = people(("Ida Leder", "leder", "1, 2"), ("Bo", "medarbejder", "2, 3"), ("Ane", "leder", "1, 3"),
                ("Kim", "medarbejder", "4, 99"))
    problems = coverage.warnings(ps, CAT.themes, "da", source="kik_master.xlsm", sheet="Deltagere")
    by_code = {}
    for p in problems:
        by_code.setdefault(p.code, []).append(p.message("da"))
    assert any("Kim" in m and "'99'" in m for m in by_code["P022"])
    few = by_code["P020"]
    # theme 4 has one reader, themes 5.. none; 1, 2, 3 have two each
    assert len(few) == len(THEMES) - 3
    assert any("4. Metoder og processer har 1 deltager" in m for m in few)
    assert any("har 0 deltagere" in m for m in few)
    assert [m for m in by_code["P021"]] == [
        "Temaet 1. Ledelse læses kun af deltagere med rollen 'leder'; lad også en med en anden rolle læse "
        "dokumentationen."]
    assert problems[0].file == "kik_master.xlsm" and problems[0].sheet == "Deltagere"
    # nobody has themes: the feature is not used, no warnings
    assert coverage.warnings(people(("Ida", "leder", ""), ("Bo", "medarbejder", "")), CAT.themes) == []
    # a round with one role only does not warn about roles
    same = people(*[(f"P{i}", "medarbejder", ",".join(THEMES)) for i in range(2)])
    assert coverage.warnings(same, CAT.themes) == []


def test_master_keeps_the_column_status_shows_coverage_generate_warns(tmp_path):
    from xl_kik.core.round import RoundPaths
    from xl_kik.demo import simulate
    from xl_kik.excel import master
    from xl_kik.steps import merge
    from xl_kik.steps.generate import generate_round

    ps = people(("Ida Leder", "leder", "1, 2"), ("Bo Bøg", "medarbejder", "1, 2"), ("Carl Cé", "medarbejder", "3"))
    root = tmp_path / "r"
    master.create_round(root, unit="Enhed", participants=ps, catalogue=CAT, scale=catalogue.scale("0-100"))
    _, read = master.load_round(root)
    assert [p.themes for p in read] == ["1, 2", "1, 2", "3"]
    files = generate_round(root)
    codes = [p.code for p in files.warnings]
    assert codes.count("P020") == len(THEMES) - 2  # 3 has one reader, 4.. none
    assert "P021" not in codes  # 1 and 2 are read by a leader and an employee
    assert "Temaet 3. Medarbejdere har 1 deltager" in files.summary("da")
    for k, (_p, path) in enumerate(files):
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name, simulate.random_answers(layout, random.Random(k)))
    merge.merge_round(root)
    ws = openpyxl.load_workbook(RoundPaths(root).master)["Status"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "Dokumentationsansvar pr. tema")
    # the block uses the Status sheet's wide columns: B theme, C readers, D names, E roles, H remark
    table = {r[1]: [r[1], r[2], r[3], r[4], r[7]] for r in rows[start + 3:start + 3 + len(THEMES)]}
    first = CAT.themes[0].label("da")
    assert table[first][1:4] == [2, "Ida Leder, Bo Bøg", "leder, medarbejder"] and table[first][4] in ("", None)
    third = CAT.themes[2].label("da")
    assert table[third][1] == 1 and table[third][4] == "For få læsere"


def test_the_participants_workbook_names_their_themes(tmp_path):
    from python_calamine import CalamineWorkbook

    from xl_kik.core.round import RoundSetup
    from xl_kik.excel import scoring

    setup = RoundSetup(round_id="KIK-T", unit="Enhed", catalogue=CAT, scale=catalogue.scale("0-100"), secret="s")
    ps = [Participant("D01", "Ida", "", "leder", "", "1, 4"), Participant("D02", "Bo", "", "", "", "")]
    written = dict((p.pid, path) for p, path in scoring.write_scoring_workbooks(setup, ps, tmp_path))
    wanted = f"Dokumentation, du læser (markeret med grønt): {CAT.themes[0].label('da')}; {CAT.themes[3].label('da')}"

    def texts(path):
        book = CalamineWorkbook.from_path(str(path))
        return [str(v) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python()
                for v in row if isinstance(v, str)]

    ida = [t for t in texts(written["D01"]) if "Ida" in t]
    assert sum(wanted in t for t in ida) == 2  # on the guide and above the questions
    assert not any("Dokumentation, du læser" in t for t in texts(written["D02"]))


def test_one_role_warns_only_for_a_narrow_role():
    """Themes read only by the managers (2 of 8) are flagged; themes read only by employees, who
    are most of the round, are not (KL: not only managers, not only the finance staff)."""
    ps = people(("A", "leder", "1"), ("B", "leder", "1"), *[(f"M{i}", "medarbejder", "2") for i in range(6)])
    codes = [(p.code, p.params.get("theme")) for p in coverage.warnings(ps, CAT.themes, "da")]
    assert ("P021", CAT.themes[0].label("da")) in codes
    assert not any(code == "P021" and theme == CAT.themes[1].label("da") for code, theme in codes)


@pytest.mark.parametrize("lang, sheet", [("da", "Deltagere"), ("en", "Participants")])
def test_generate_names_the_participants_sheet_the_master_has(tmp_path, lang, sheet):
    """The warnings about the Temaer column point at the master's own participants sheet: in an
    English round it is called Participants, not Deltagere."""
    ps = people(("Ida Leder", "leder", "1"), ("Bo Bøg", "medarbejder", "1"))
    master.create_round(tmp_path / "r", unit="Enhed", participants=ps, catalogue=CAT, scale=catalogue.scale("0-100"),
                        lang=lang)
    warnings = generate_round(tmp_path / "r").warnings
    assert warnings and {p.code for p in warnings} == {"P020"}
    assert {(p.file, p.sheet) for p in warnings} == {("kik_master.xlsm", sheet)}
    shown = warnings[0].describe(lang)
    assert (f"sheet {sheet}" if lang == "en" else f"ark {sheet}") in shown, shown
