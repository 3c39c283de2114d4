"""A master another program saved is repaired at our next write; doctor says what is wrong.

LibreOffice's first save rebinds the Start buttons as ``KikButtons.KikMerge`` with duplicate
shape ids and writes a ``PROJECT`` stream without the class module ``Dictionary`` that its
``dir`` stream still has; the second save drops the buttons' VML part. The next merge/plan
(any :class:`MasterFile` save) repairs the project, the buttons and the defined names;
``xl-kik doctor`` reports each in Danish and ``xl-kik doctor --fix`` repairs them on request.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_kik.cli import main
from xl_kik.core import catalogue
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.excel import master, repair
from xl_kik.excel.vba import VbaModule, build_vba_project, dir_stream_modules, project_stream_modules, read_modules
from xl_kik.steps import doctor

EXPECTED_BINDINGS = [f"[0]!{macro}" for macro, _caption, _description in master.BUTTONS]


def _zip(path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(Path(path).read_bytes()))


def _bindings(path: Path) -> list[tuple[str, str, str]]:
    with _zip(path) as zf:
        return master.button_bindings(zf)


def _names(path: Path) -> list[tuple[str, str, str]]:
    """(name, localSheetId, value) of every defined name in workbook.xml."""
    xml = _zip(path).read("xl/workbook.xml").decode()
    out = []
    for attrs, value in re.findall(r"<definedName\b([^>]*)>(.*?)</definedName>", xml, re.S):
        name = re.search(r'\bname="([^"]*)"', attrs).group(1)
        local = (re.search(r'\blocalSheetId="([^"]*)"', attrs) or re.match("", "")).group(0)
        out.append((name, local, value))
    return out


def _cells(path: Path) -> dict[str, list]:
    """Every sheet's cells as typed (formulas as their text: a LibreOffice file caches results
    that an openpyxl save does not keep, which is no change of data)."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def assert_ours(path: Path) -> None:
    """The master's buttons and VBA project are as xl_kik builds them."""
    with _zip(path) as zf:
        assert repair.button_problems(zf) == []
        assert repair.vba_problems(zf) == []
        vba = zf.read("xl/vbaProject.bin")
    bound = _bindings(path)
    assert [b for _sheet, _caption, b in bound] == EXPECTED_BINDINGS
    assert [c for _sheet, c, _b in bound] == [caption("da") for _m, caption, _d in master.BUTTONS]
    assert project_stream_modules(vba)["Dictionary"] == "class"
    assert dir_stream_modules(vba)["Dictionary"] == "class"
    assert "VB_PredeclaredId = False" in read_modules(vba, strip_attributes=False)["Dictionary"]
    assert master.verify_master(path) == []


# ------------------------------------------------------------------ with LibreOffice
@pytest.mark.libreoffice
def test_libreoffice_breaks_buttons_and_project(states):
    """What the repair is for (if LibreOffice stops doing this, the repair is not needed)."""
    with _zip(states["lo_saved_once"]) as zf:
        buttons = {(p.code, p.macro) for p in repair.button_problems(zf)}
        vba = {(p.code, p.module) for p in repair.vba_problems(zf)}
    assert ("rebound", "KikMerge") in buttons and ("duplicate_ids", "") in buttons
    assert ("only_in_dir", "Dictionary") in vba
    with _zip(states["lo_saved_twice"]) as zf:
        assert {(p.code, p.macro) for p in repair.button_problems(zf)} >= {("missing", m) for m, _c, _d in master.BUTTONS}


@pytest.mark.libreoffice
@pytest.mark.parametrize("state", ["lo1_merge", "lo1_plan", "lo1_plan_rebuilt", "lo2_merge"])
def test_next_write_repairs_project_and_buttons(states, state):
    assert_ours(states[state])


@pytest.mark.libreoffice
def test_no_duplicate_names_after_save_merge_save_plan(states):
    """LibreOffice save, merge, LibreOffice save, plan: one name per sheet and built-in,
    print titles columns first (as Excel writes them), no ``_xlnm.`` name Excel does not know."""
    for state in ("lo1_merge", "lo1_plan", "lo1_plan_rebuilt", "lo2_merge", "merge", "plan_rebuilt"):
        names = _names(states[state])
        keys = [(n.lower(), local) for n, local, _v in names]
        assert len(keys) == len(set(keys)), (state, names)
        assert all(n in repair.BUILTIN_NAMES for n, _l, _v in names if n.startswith("_xlnm.")), (state, names)
        titles = [v for n, _l, v in names if n == "_xlnm.Print_Titles"]
        assert titles, state
        for value in titles:
            parts = value.split(",")
            if len(parts) == 2:
                assert re.search(r"!\$[A-Z]+:\$[A-Z]+$", parts[0]) and re.search(r"!\$\d+:\$\d+$", parts[1]), value


@pytest.mark.libreoffice
def test_doctor_reports_libreoffice_damage_in_danish(states, tmp_path):
    for state, expected in (("lo_saved_once", ["KikButtons.KikMerge", "samme id", "Dictionary", "PROJECT"]),
                            ("lo_saved_twice", ["ingen knap til KikMerge", "Dictionary"])):
        root = tmp_path / state
        shutil.copytree(states["_root_merged"], root)
        shutil.copy2(states[state], RoundPaths(root).master)
        found = {f.check: f for f in doctor.check(root, platform="linux")}
        assert found["buttons"].severity == "error"
        assert found["vba_project"].severity == "error"
        text = found["buttons"].message("da") + " " + found["vba_project"].message("da")
        for piece in expected:
            assert piece in text, (piece, text)
        assert "doctor --fix" in found["buttons"].message("da")


@pytest.mark.libreoffice
def test_doctor_fix_repairs_without_touching_data(states, tmp_path, capsys):
    root = tmp_path / "runde"
    shutil.copytree(states["_root_merged"], root)
    shutil.copy2(states["lo_saved_twice"], RoundPaths(root).master)
    before = _cells(RoundPaths(root).master)
    result = doctor.fix(root, platform="win32", executable=sys.executable)
    lines = result.lines("da")
    assert result.remaining == [], lines
    text = "\n".join(lines)
    for piece in ("xlwings.conf", "kodenavne", "VBA-projektet", "knapperne på arket Start"):
        assert piece in text, text
    assert_ours(RoundPaths(root).master)
    after = _cells(RoundPaths(root).master)
    conf = master.SHEET_NAMES["da"]["conf"]
    assert {k: v for k, v in after.items() if k != conf} == {k: v for k, v in before.items() if k != conf}
    assert doctor.conf_values(RoundPaths(root).master)["INTERPRETER_WIN"] == sys.executable
    found = {f.check: f for f in doctor.check(root, platform="linux")}
    assert found["buttons"].severity == "ok" and found["vba_project"].severity == "ok"
    # the door: a second --fix has nothing left to do
    capsys.readouterr()
    assert main(["doctor", "--fix", str(root)]) == 0
    assert "intet at rette" in capsys.readouterr().out


# ------------------------------------------------------------------ without LibreOffice
@pytest.fixture()
def fresh(tmp_path):
    paths = master.create_round(tmp_path / "runde", unit="Enhed", participants=[Participant("", "Ida")],
                                catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"))
    return paths


def _replace(path: Path, parts: dict[str, bytes | None]) -> None:
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in parts:
                if parts[info.filename] is not None:
                    dst.writestr(info, parts[info.filename])
            else:
                dst.writestr(info, src.read(info.filename))
    path.write_bytes(out.getvalue())


def test_buttons_without_vml_are_recreated(fresh):
    """The state after LibreOffice's second save: no VML part, no legacyDrawing."""
    path = fresh.master
    zf = _zip(path)
    start = repair._start_sheet(zf)
    rels = master._rels_name(start.part)
    [(rid, vml)] = repair._vml_parts(zf, start.part)
    sheet = re.sub(rb"<legacyDrawing\b[^>]*/>", b"", zf.read(start.part))
    rels_xml = re.sub(rb"<Relationship\b[^>]*vmlDrawing[^>]*/>", b"", zf.read(rels))
    _replace(path, {vml: None, start.part: sheet, rels: rels_xml})
    assert {p.code for p in repair.button_problems(_zip(path))} == {"missing"}
    assert repair.repair_file(path)
    assert_ours(path)


def test_buttons_of_an_english_master_without_codenames_stay_english(tmp_path):
    """LibreOffice drops the codeNames; the buttons re-created then are still the round's
    language: the ``_kik`` sheet is found by codeName, else by name (find_sheet_info)."""
    paths = master.create_round(tmp_path / "round", unit="Unit", participants=[Participant("", "Ida")],
                                catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"), lang="en")
    path = paths.master
    zf = _zip(path)
    infos, _ = master.workbook_sheets(zf)
    start = repair._start_sheet(zf)
    rels = master._rels_name(start.part)
    [(_rid, vml)] = repair._vml_parts(zf, start.part)
    parts: dict[str, bytes | None] = {
        i.part: re.sub(rb'\s+codeName="[^"]*"', b"", zf.read(i.part)) for i in infos}
    parts[start.part] = re.sub(rb"<legacyDrawing\b[^>]*/>", b"", parts[start.part])
    parts[rels] = re.sub(rb"<Relationship\b[^>]*vmlDrawing[^>]*/>", b"", zf.read(rels))
    parts[vml] = None
    _replace(path, parts)
    assert all(not i.codename for i in master.workbook_sheets(_zip(path))[0])
    assert repair.repair_file(path)
    zf = _zip(path)
    start = repair._start_sheet(zf)
    [(_rid, vml)] = repair._vml_parts(zf, start.part)
    text = zf.read(vml).decode("utf-8")
    for _macro, caption, _description in master.BUTTONS:
        assert caption("en") in text and caption("da") not in text


def test_project_with_wrong_dictionary_is_rebuilt(fresh):
    """Dictionary as a document module (LibreOffice's second save) is rebuilt as our class."""
    path = fresh.master
    modules = [VbaModule(m.name, "document" if m.name == "Dictionary" else m.kind, m.source)
               for m in master.default_vba_modules()]
    _replace(path, {"xl/vbaProject.bin": build_vba_project(modules)})
    assert [(p.code, p.module) for p in repair.vba_problems(_zip(path))] == [("wrong_kind", "Dictionary")]
    assert repair.repair_file(path)
    assert_ours(path)
    assert repair.repair_file(path) == []  # nothing left to do: the file stays as it is


def test_defined_names_deduplicated_and_columns_first(fresh):
    path = fresh.master
    xml = _zip(path).read("xl/workbook.xml").decode()
    extra = ('<definedName name="_xlnm.Print_Titles" localSheetId="5">\'Svarrapport\'!$5:$5,\'Svarrapport\'!$B:$D'
             '</definedName><definedName name="_xlnm.Print_Titles" localSheetId="5">Svarrapport!$B:$D,'
             'Svarrapport!$5:$5</definedName><definedName name="_xlnm.Print_Titles_0" localSheetId="5">'
             'Svarrapport!$5:$5,Svarrapport!$B:$D</definedName>')
    if "<definedNames>" in xml:
        xml = xml.replace("<definedNames>", "<definedNames>" + extra, 1)
    else:
        xml = xml.replace("</sheets>", "</sheets><definedNames>" + extra + "</definedNames>", 1)
    _replace(path, {"xl/workbook.xml": xml.encode()})
    changes = repair.repair_file(path)
    assert changes
    names = [(n, local, v) for n, local, v in _names(path) if local == 'localSheetId="5"']
    assert names == [("_xlnm.Print_Titles", 'localSheetId="5"', "'Svarrapport'!$B:$D,'Svarrapport'!$5:$5")]


def test_doctor_healthy_master_has_buttons_and_project_ok(fresh):
    found = {f.check: f for f in doctor.check(fresh.root, platform="linux")}
    assert found["buttons"].severity == "ok" and "5" in found["buttons"].message("da")
    assert found["vba_project"].severity == "ok" and "PROJECT" in found["vba_project"].message("da")


@pytest.mark.libreoffice
def test_refresh_vba_brings_the_buttons_back(states, tmp_path):
    root = tmp_path / "runde"
    shutil.copytree(states["_root_merged"], root)
    shutil.copy2(states["lo_saved_twice"], RoundPaths(root).master)
    assert main(["refresh-vba", str(root)]) == 0
    assert_ours(RoundPaths(root).master)


# ------------------------------------------------------------------ the check, once per project
def _count_checks(monkeypatch) -> list[int]:
    calls = [0]
    real = repair.vba_problems

    def counting(zf):
        calls[0] += 1
        return real(zf)

    monkeypatch.setattr(repair, "vba_problems", counting)
    return calls


def test_a_checked_project_is_not_decompressed_again(fresh, monkeypatch):
    """A MasterFile save marks the project it checked (xl_kik_vba_checked); the next saves of
    the same project skip the check; the mark is the key of what is in the file."""
    from xl_kik.excel.masterfile import MasterFile

    calls = _count_checks(monkeypatch)
    with MasterFile.edit(fresh):
        pass
    assert calls == [1]
    with _zip(fresh.master) as zf:
        assert repair.checked_vba_key(zf) == repair.vba_key(zf) is not None
    for _ in range(2):
        with MasterFile.edit(fresh):
            pass
    assert calls == [1]
    assert_ours(fresh.master)


def test_a_marked_master_whose_project_changed_is_still_repaired(fresh, monkeypatch):
    """The mark names the bytes it checked: another program's project (LibreOffice keeps the
    custom properties) is checked and rebuilt, and marked only at the save after the rebuild."""
    from xl_kik.excel.masterfile import MasterFile

    with MasterFile.edit(fresh):
        pass
    marked = repair.checked_vba_key(_zip(fresh.master))
    modules = [VbaModule(m.name, "document" if m.name == "Dictionary" else m.kind, m.source)
               for m in master.default_vba_modules()]
    _replace(fresh.master, {"xl/vbaProject.bin": build_vba_project(modules)})
    assert repair.checked_vba_key(_zip(fresh.master)) == marked  # the old mark is still there
    calls = _count_checks(monkeypatch)
    with MasterFile.edit(fresh):
        pass
    assert calls == [1]
    assert_ours(fresh.master)
    assert repair.checked_vba_key(_zip(fresh.master)) == marked  # not the rebuilt one: unchecked yet
    with MasterFile.edit(fresh):
        pass
    assert calls == [2]
    with _zip(fresh.master) as zf:
        assert repair.checked_vba_key(zf) == repair.vba_key(zf)


def test_the_key_covers_the_codenames_and_our_modules(fresh, monkeypatch):
    with _zip(fresh.master) as zf:
        key = repair.vba_key(zf)
        infos, _ = master.workbook_sheets(zf)
        part = infos[0].part
        renamed = re.sub(rb'codeName="[^"]*"', b'codeName="shOther"', zf.read(part), count=1)
    _replace(fresh.master, {part: renamed})
    renamed_key = repair.vba_key(_zip(fresh.master))
    assert renamed_key not in (key, None)
    real = repair.project_modules
    monkeypatch.setattr(repair, "project_modules", lambda **kw: real(**kw)[:-1])  # e.g. another xlwings
    assert repair.vba_key(_zip(fresh.master)) not in (renamed_key, None)
