"""The master workbook: build (XlsxWriter), read (calamine), verify, refresh the VBA,
the SheetWriter adapters and the button bodies."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xl_kik.core import catalogue
from xl_kik.excel import master, masterfile
from xl_kik.excel.vba import BUTTON_MACROS, VbaModule, installed_xlwings_version, read_modules, vba_xlwings_version
from xl_kik.excel.masterfile import (
    Formula,
    MasterFile,
    OpenpyxlSheetWriter,
    SheetContent,
    Style,
    XlwingsSheetWriter,
    apply_content,
    check_not_open,
    content_from_worksheet,
    excel_literal,
    replace_sheet_content,
    write_text,
)
from xl_kik.core.errors import MasterFormatError, MasterLockedError, ParticipantsError, RoundNotFoundError, SetupError
from xl_kik.core.round import MASTER_NAME, Participant, RoundPaths

EVIL = "=HYPERLINK(\"http://evil\",\"klik\")"


def people() -> list[Participant]:
    return [
        Participant("", "Ida Hansen", "ida@example.dk", "leder", "Ledelse"),
        Participant("", "Bo Berg", "bo@example.dk", "medarbejder", "Team A"),
        Participant("", EVIL, "", "medarbejder", "+45 1234"),
    ]


def make_round(tmp_path: Path, name: str = "runde", **kw) -> RoundPaths:
    args = dict(unit="Børnehuset Solsikken", participants=people(), catalogue=catalogue.builtin("kik"),
                scale=catalogue.scale("0-100"), deadline=dt.date(2026, 12, 1))
    args.update(kw)
    return master.create_round(tmp_path / name, **args)


@pytest.fixture()
def paths(tmp_path) -> RoundPaths:
    return make_round(tmp_path)


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def set_setup(paths: RoundPaths, key: str, value) -> None:
    with MasterFile.edit(paths) as wb:
        ws = MasterFile.sheet_by_codename(wb, "shSetup")
        for row in ws.iter_rows(min_col=1, max_col=3):
            if row[0].value == key:
                row[2].value = value
                return
        raise AssertionError(key)


# ---------------------------------------------------------------- create
def test_create_round_contract(paths):
    assert paths.master.exists()
    for d in (paths.outgoing, paths.returns, paths.backups):
        assert d.is_dir()
    with zipfile.ZipFile(paths.master) as zf:
        infos, wb_code = master.workbook_sheets(zf)
        ct = zf.read("[Content_Types].xml").decode()
        workbook_xml = zf.read("xl/workbook.xml").decode()
    assert wb_code == "ThisWorkbook"
    assert [i.name for i in infos] == [master.SHEET_NAMES["da"][k] for k in master.SHEET_KEYS]
    # the documented contract (docs/DESIGN.md): every shipped master's VBA names these codeNames
    assert {i.name: i.codename for i in infos} == {
        "Start": "shStart", "Opsætning": "shSetup", "Deltagere": "shParticipants", "Spørgsmål": "shQuestions",
        "Status": "shStatus", "Svarrapport": "shAnswers", "Konsensus": "shConsensus", "Dagsorden": "shAgenda",
        "Prioritering": "shPriority", "Handleplan": "shPlan", "Opfølgning": "shFollowUp", "Forrige": "shPrevious",
        "_plan": "shPlanState", "xlwings.conf": "shXlwingsConf", "_kik": "shMeta"}
    states = {i.name: i.state for i in infos}
    assert states["_kik"] == "veryHidden"
    assert states["xlwings.conf"] == "hidden"
    assert states["Start"] == "visible"
    assert master.CT_MACRO_MAIN in ct
    assert master.NAME_LAST_RUN in workbook_xml and master.NAME_SETUP in workbook_xml
    assert master.verify_master(paths.master) == []


def test_buttons_bound_to_macros(paths):
    with zipfile.ZipFile(paths.master) as zf:
        bindings = master.button_bindings(zf)
    assert [(s, c, m) for s, c, m in bindings] == [
        ("Start", caption("da"), f"[0]!{macro}") for macro, caption, _ in master.BUTTONS]
    assert {m for _, _, m in bindings} == {f"[0]!{m}" for m in BUTTON_MACROS}


def test_vba_project_modules(paths):
    blob = zip_parts(paths.master)["xl/vbaProject.bin"]
    modules = read_modules(blob)
    assert set(master.document_module_names()) <= set(modules)
    assert {"KikButtons", "xlwings", "Dictionary"} <= set(modules)
    assert master.vba_document_modules(blob) == set(master.document_module_names())
    assert vba_xlwings_version(blob) == installed_xlwings_version()


def test_sheets_content(paths):
    wb = CalamineWorkbook.from_path(str(paths.master))
    setup_rows = wb.get_sheet_by_name("Opsætning").to_python(skip_empty_area=False)
    keys = [r[0] for r in setup_rows if r and r[0] in master.SETUP_KEYS]
    assert keys == list(master.SETUP_KEYS)
    labels = {r[0]: r[1] for r in setup_rows if r and r[0] in master.SETUP_KEYS}
    assert labels["unit"] == "Enhed" and labels["deadline"] == "Svarfrist"
    participants = wb.get_sheet_by_name("Deltagere").to_python()
    assert participants[0][:5] == ["Id", "Navn", "E-mail", "Rolle", "Gruppe"]
    assert participants[3][:5] == ["D03", EVIL, "", "medarbejder", "+45 1234"]
    questions = wb.get_sheet_by_name("Spørgsmål").to_python()
    assert questions == [list(r) for r in catalogue.to_rows(catalogue.builtin("kik"))]
    conf = wb.get_sheet_by_name("xlwings.conf").to_python()
    assert [r[0] for r in conf] == [k for k, _ in master.interpreter_config()]
    for key in ("status", "answers", "consensus", "priority", "plan", "follow_up"):
        first = wb.get_sheet_by_name(master.SHEET_NAMES["da"][key]).to_python()[0][0]
        assert first.startswith("Her kommer")
    meta = dict((r[0], r[1]) for r in wb.get_sheet_by_name("_kik").to_python())
    assert meta["format"] == master.FORMAT and len(meta["secret"]) == 32
    assert meta["catalogue_fingerprint"] == catalogue.builtin("kik").fingerprint


def test_text_never_becomes_a_formula(paths):
    parts = zip_parts(paths.master)
    for name, data in parts.items():
        if name.startswith("xl/worksheets/sheet"):
            assert b"<f>" not in data and b"<f " not in data, name
    wb = openpyxl.load_workbook(paths.master)
    cell = wb["Deltagere"]["B4"]
    assert cell.value == EVIL and cell.data_type == "s"


def test_tables_and_validations(paths):
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    assert wb["Deltagere"].tables[master.TABLE_PARTICIPANTS].ref == "A1:G4"
    assert wb["Spørgsmål"].tables[master.TABLE_CATALOGUE].ref == "A1:I21"
    dvs = {str(dv.sqref): dv for dv in wb["Opsætning"].data_validations.dataValidation}
    row = {k: master.SETUP_FIRST_ROW + i for i, k in enumerate(master.SETUP_KEYS)}
    assert dvs[f"C{row['lang']}"].formula1 == '"da,en"'
    assert dvs[f"C{row['anonymise']}"].formula1 == '"Ja,Nej"'
    assert "0-100" in dvs[f"C{row['scale']}"].formula1 and "0-5" in dvs[f"C{row['scale']}"].formula1
    assert dvs[f"C{row['threshold']}"].type == "decimal"
    assert wb["Opsætning"][f"C{row['threshold']}"].number_format == "0%"
    assert wb["Opsætning"][f"C{row['min_group']}"].value == 3 and dvs[f"C{row['min_group']}"].type == "whole"
    assert wb["Opsætning"].column_dimensions["A"].hidden


def test_refuses_to_overwrite(paths, tmp_path):
    before = paths.master.read_bytes()
    with pytest.raises(SetupError, match="bliver ikke overskrevet"):
        make_round(tmp_path)
    assert paths.master.read_bytes() == before


def test_action_plan_sheets_in_the_contract(paths):
    """The plan's sheets exist from init, with codeNames and VBA document modules, in working order."""
    with zipfile.ZipFile(paths.master) as zf:
        infos, _ = master.workbook_sheets(zf)
    visible = [i.name for i in infos if i.state == "visible"]
    assert visible[visible.index("Konsensus"):] == ["Konsensus", "Dagsorden", "Prioritering", "Handleplan", "Opfølgning"]
    states = {i.name: (i.codename, i.state) for i in infos}
    assert states["Forrige"] == ("shPrevious", "hidden") and states["_plan"] == ("shPlanState", "veryHidden")
    from xl_kik.excel.sheets import handleplan as sheets_plan

    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    for kind in ("priority", "plan", "follow_up", "previous", "state", "consensus"):
        ws = sheets_plan.find_sheet(wb, kind)
        assert ws is not None and ws.sheet_properties.codeName == sheets_plan.CODE_NAMES[kind], kind
        assert ws.sheet_properties.codeName == master.CODE_NAMES[sheets_plan._MASTER_KEY[kind]]


def test_smtp_rows_on_the_setup_sheet(paths):
    wb = CalamineWorkbook.from_path(str(paths.master))
    rows = wb.get_sheet_by_name("Opsætning").to_python(skip_empty_area=False)
    by_key = {r[0]: r for r in rows if r and r[0] in master.SMTP_KEYS}
    assert list(by_key) == list(master.SMTP_KEYS)
    assert all(r[2] in ("", None) for r in by_key.values())  # empty: drafts only until filled in
    assert by_key["smtp_host"][1] == "Mailserver (SMTP)"
    first = next(i for i, r in enumerate(rows, start=1) if r and r[0] == "smtp_host")
    assert first == master.smtp_first_row() > master.SETUP_FIRST_ROW + len(master.SETUP_KEYS)
    note = by_key["smtp_password_env"][3]
    assert "aldrig" in note and "XL_KIK_SMTP_PASSWORD" in note
    from xl_kik.steps import invite as mail

    assert master.DEFAULT_PASSWORD_ENV == mail.DEFAULT_PASSWORD_ENV
    assert mail.smtp_settings(paths.root) is None  # empty rows: not set up
    dvs = {str(dv.sqref): dv for dv in openpyxl.load_workbook(paths.master)["Opsætning"].data_validations.dataValidation}
    tls_row = first + master.SMTP_KEYS.index("smtp_tls")
    assert dvs[f"C{tls_row}"].formula1 == '"starttls,ssl,ingen"'
    # load_round ignores them, filled in or not; mail reads them
    for key, value in (("smtp_host", "smtp.kommune.dk"), ("smtp_port", 465), ("smtp_tls", "ssl"),
                       ("smtp_user", "kik"), ("smtp_sender", "kik@kommune.dk"), ("smtp_password_env", "KIK_PW")):
        set_setup(paths, key, value)
    setup, _ = master.load_round(paths.root)
    assert setup.unit == "Børnehuset Solsikken"
    s = mail.smtp_settings(paths.root)
    assert (s.host, s.port, s.tls, s.user, s.sender, s.password_env) == (
        "smtp.kommune.dk", 465, "ssl", "kik", "kik@kommune.dk", "KIK_PW")


def test_demo_round_has_no_sheet_without_codename(tmp_path):
    """After the whole demo (merge, seminar, plan), verify_master and doctor have no S127."""
    from xl_kik.steps import doctor
    from xl_kik.demo.round import run_demo

    run_demo(tmp_path / "demo", participants=4, say=lambda _text: None)
    problems = master.verify_master(tmp_path / "demo")
    assert [p.code for p in problems] == []
    findings = doctor.check(tmp_path / "demo", platform="linux")
    assert [f.check for f in findings if f.severity != "ok"] == []
    assert not any("S127" in f.check for f in findings)


def test_english_master(tmp_path):
    paths = make_round(tmp_path, lang="en")
    data = master.read_master(paths.root)
    assert data.sheet_names["setup"] == "Setup" and data.setup.lang == "en"
    assert master.verify_master(paths.master) == []
    assert data.sheet_names["priority"] == "Priorities" and data.sheet_names["follow_up"] == "Follow-up"
    rows = CalamineWorkbook.from_path(str(paths.master)).get_sheet_by_name("Setup").to_python(skip_empty_area=False)
    assert [r[1] for r in rows if r and r[0] == "smtp_tls"] == ["Encryption"]
    wb = CalamineWorkbook.from_path(str(paths.master))
    assert wb.get_sheet_by_name("Participants").to_python()[0][:2] == ["Id", "Name"]


def test_interpreter_config(tmp_path):
    win = master.interpreter_config(r"C:\Py\pythonw.exe", "win32")
    assert win[0] == ("Interpreter_Win", r"C:\Py\pythonw.exe")  # no python.exe next to it here
    exe = tmp_path / "python.exe"
    exe.write_text("")
    assert master.interpreter_config(str(tmp_path / "pythonw.exe"), "win32")[0] == ("Interpreter_Win", str(exe))
    assert master.interpreter_config("/usr/bin/python3", "darwin")[0] == ("Interpreter_Mac", "/usr/bin/python3")
    linux = master.interpreter_config("/usr/bin/python3", "linux")
    assert linux == [("ADD_WORKBOOK_TO_PYTHONPATH", "false")]


# ---------------------------------------------------------------- read
def test_load_round(paths):
    setup, plist = master.load_round(paths.root)
    assert setup.unit == "Børnehuset Solsikken"
    assert setup.scale.id == "0-100"
    assert setup.deadline == dt.date(2026, 12, 1)
    assert setup.created == dt.date.today()
    assert setup.threshold == pytest.approx(0.25)  # the documented default (core.round.DEFAULT_THRESHOLD)
    assert setup.anonymise is True and setup.lang == "da"
    assert len(setup.secret) == 32 and setup.round_id.startswith("KIK-")
    assert setup.catalogue.fingerprint == catalogue.builtin("kik").fingerprint
    assert [p.pid for p in plist] == ["D01", "D02", "D03"]
    assert plist[2].name == EVIL
    # the same through the file path
    assert master.load_round(paths.master)[0].round_id == setup.round_id


def test_load_subset_of_themes(tmp_path):
    paths = make_round(tmp_path, themes=["5", "6", "7", "8"])
    setup, _ = master.load_round(paths.root)
    assert [t.id for t in setup.catalogue.themes] == ["5", "6", "7", "8"]
    data = master.read_master(paths.root)
    assert len(data.full_catalogue.themes) == 8


def test_round_not_found(tmp_path):
    with pytest.raises(RoundNotFoundError, match="ingen kik_master.xlsm"):
        master.load_round(tmp_path)


def test_round_not_found_one_message_for_readers_and_writers(tmp_path):
    """Every door that finds no master in a folder says the same thing (one message: how to
    create the round), whether it reads (load_round, invite) or takes the write lock."""
    from xl_kik.excel.masterfile import MasterFile
    from xl_kik.steps import invite

    said = []
    for attempt in (lambda: master.load_round(tmp_path), lambda: invite.load_round(tmp_path),
                    lambda: MasterFile.lock(tmp_path).__enter__()):
        with pytest.raises(RoundNotFoundError) as err:
            attempt()
        said.append(str(err.value))
    assert len(set(said)) == 1, said
    assert "xl-kik init" in said[0] and str(tmp_path) in said[0]
    assert not any(tmp_path.iterdir())  # no lock file left behind


def test_not_a_master(tmp_path):
    (tmp_path / MASTER_NAME).write_bytes(b"not a zip")
    with pytest.raises(MasterFormatError):
        master.load_round(tmp_path)


def test_added_participant_gets_id(paths):
    with MasterFile.edit(paths) as wb:
        ws = wb["Deltagere"]
        write_text(ws, "B5", "Ny Person")
        write_text(ws, "C5", "ny@example.dk")
    data = master.read_master(paths.root)
    assert [p.pid for p in data.participants] == ["D01", "D02", "D03", "D04"]
    assert data.new_ids == [("Deltagere", "A5", "D04")]


@pytest.mark.parametrize("key,value,code", [
    ("scale", "0-7", "S103"),
    ("lang", "fr", "S104"),
    ("anonymise", "måske", "S105"),
    ("min_group", "to", "S110"),
    ("min_group", "0", "S110"),
    ("themes", "1,99", "S106"),
    ("round_id", "KIK-andet", "S108"),
    ("threshold", "meget", "S003"),
    ("deadline", "næste fredag", "S001"),
    ("unit", "", "S002"),
])
def test_setup_errors_name_sheet_and_cell(paths, key, value, code):
    set_setup(paths, key, value)
    with pytest.raises(SetupError) as info:
        master.load_round(paths.root)
    problem = next(p for p in info.value.problems if p.code == code)
    row = master.SETUP_FIRST_ROW + master.SETUP_KEYS.index(key)
    assert (problem.sheet, problem.cell, problem.file) == ("Opsætning", f"C{row}", MASTER_NAME)
    assert "Opsætning" in problem.describe("da")


def test_several_setup_errors_at_once(paths):
    set_setup(paths, "scale", "x")
    set_setup(paths, "lang", "y")
    with pytest.raises(SetupError) as info:
        master.load_round(paths.root)
    assert {"S103", "S104"} <= {p.code for p in info.value.problems}


def test_setup_values_coordinator_may_type(paths):
    set_setup(paths, "threshold", "40%")
    set_setup(paths, "anonymise", "Nej")
    set_setup(paths, "deadline", "01.02.2027")
    set_setup(paths, "themes", "1; 2")
    setup, _ = master.load_round(paths.root)
    assert setup.threshold == pytest.approx(0.4)
    assert setup.anonymise is False
    assert setup.deadline == dt.date(2027, 2, 1)
    assert [t.id for t in setup.catalogue.themes] == ["1", "2"]


def test_missing_setup_key(paths):
    with MasterFile.edit(paths) as wb:
        ws = wb["Opsætning"]
        for row in ws.iter_rows(min_col=1, max_col=1):
            if row[0].value == "scale":
                row[0].value = None
    with pytest.raises(SetupError) as info:
        master.load_round(paths.root)
    assert [p.code for p in info.value.problems] == ["S102"]


def test_participant_errors(paths):
    with MasterFile.edit(paths) as wb:
        write_text(wb["Deltagere"], "A3", "D01")
    with pytest.raises(ParticipantsError) as info:
        master.load_round(paths.root)
    assert info.value.problems[0].code == "P007"
    assert info.value.problems[0].sheet == "Deltagere"


def test_catalogue_edit_is_read_and_warned(paths):
    with MasterFile.edit(paths) as wb:
        write_text(wb["Spørgsmål"], "E2", "Ny tekst til spørgsmål 1.1")
    data = master.read_master(paths.root)
    assert data.full_catalogue.question("1.1").text["da"] == "Ny tekst til spørgsmål 1.1"
    assert data.catalogue_changed
    assert "S109" in [p.code for p in data.warnings]


def test_renamed_sheet_found_by_codename(paths):
    with MasterFile.edit(paths) as wb:
        wb["Opsætning"].title = "Indstillinger"
    data = master.read_master(paths.root)
    assert data.sheet_names["setup"] == "Indstillinger"
    assert data.setup.unit == "Børnehuset Solsikken"


def test_every_reader_finds_the_sheets_alike(paths):
    """One rule for the sheet key -> name map (master.sheet_names_by_key): the calamine reader,
    the rollup, the invitations' settings and the live workbook agree on a renamed sheet (its
    codeName kept) and on a sheet that lost its codeName (found by the contract's name)."""
    from xl_kik.excel import rollup
    from xl_kik.steps import invite, live

    with MasterFile.edit(paths) as wb:
        wb["Opsætning"].title = "Indstillinger"
        wb["Konsensus"].sheet_properties.codeName = None
    names = master.read_master(paths.root).sheet_names
    assert names["setup"] == "Indstillinger" and names["consensus"] == "Konsensus"
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    codenames = {ws.sheet_properties.codeName: ws.title for ws in wb.worksheets if ws.sheet_properties.codeName}
    assert "shConsensus" not in codenames  # the edit above really removed it (restore_codenames aside)
    live_names = live.live_sheet_names(masterfile.OpenpyxlSheetWriter(wb), codenames)
    assert live_names == names
    assert rollup.read_unit(paths.master).unit == master.read_master(paths.root).setup.unit
    assert invite.read_setup_keys(paths.master)["round_id"] == master.read_master(paths.root).setup.round_id


def test_sheet_names_by_key_codename_then_recorded_then_contract_names():
    S = master.SheetInfo
    infos = [S("Omdøbt", "", "shConsensus", ""), S("Handleplan", "", "", ""), S("Status", "", "", ""),
             S("Mine svar", "", "", ""), S("Setup", "", "", "")]
    names = master.sheet_names_by_key(infos, {"answers": "Mine svar", "plan": "Findes ikke"})
    assert names == {"consensus": "Omdøbt", "plan": "Handleplan", "status": "Status", "answers": "Mine svar",
                     "setup": "Setup"}


def test_sheet_names_for_agrees_with_the_full_rule(paths):
    """master.sheet_names_for (few sheet heads read) gives what sheet_names_by_key gives on every
    sheet's codeName: on a fresh master, with a sheet renamed (codeName kept), with a sheet that
    lost its codeName, and with a contract name taken by another sheet (the codeName wins)."""
    keys = tuple(master.CODE_NAMES)

    def both() -> tuple[dict[str, str], dict[str, str]]:
        with zipfile.ZipFile(paths.master) as zf:
            return master.sheet_names_for(zf, keys), master.sheet_names_by_key(master.workbook_sheets(zf)[0])

    fast, full = both()
    assert fast == full and fast["consensus"] == "Konsensus"
    with MasterFile.edit(paths) as wb:
        wb["Konsensus"].title = "Seminar"
        wb["Status"].title = "Konsensus"  # the contract name of another key, on the Status sheet
        wb["Handleplan"].sheet_properties.codeName = None
    fast, full = both()
    assert fast == full
    assert (fast["consensus"], fast["status"], fast["plan"]) == ("Seminar", "Konsensus", "Handleplan")


def test_the_sheet_list_is_parsed_once_per_distinct_workbook_part(paths, tmp_path):
    """A reader of many masters (the rollup) parses each distinct workbook.xml and its
    relationships once; a master whose workbook.xml differs (a sheet renamed) gets its own."""
    renamed = tmp_path / "renamed.xlsm"
    with zipfile.ZipFile(paths.master) as zf, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zf.infolist():
            raw = zf.read(info.filename)
            if info.filename == "xl/workbook.xml":
                raw = raw.replace(b'name="Konsensus"', b'name="Seminar"')
            out.writestr(info, raw)

    def names(path):
        with zipfile.ZipFile(path) as zf:
            return master.sheet_names_for(zf, ("consensus", "status")), master.workbook_sheets(zf)[0]

    master._ENTRIES.clear()
    first = names(paths.master)
    assert first[0] == {"consensus": "Konsensus", "status": "Status"}
    assert names(renamed)[0] == {"consensus": "Seminar", "status": "Status"}
    assert names(paths.master) == first and len(master._ENTRIES) == 2
    assert [i.name for i in names(renamed)[1]] == [i.name.replace("Konsensus", "Seminar") for i in first[1]]


def test_zip_members_read_directly_are_what_zipfile_reads(paths, tmp_path):
    """master._member (one seek, one inflate) against ZipFile.read, whole and as a head, on a
    master (deflated) and on the same parts stored uncompressed."""
    stored = tmp_path / "stored.xlsm"
    with zipfile.ZipFile(paths.master) as zf, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as out:
        for info in zf.infolist():
            out.writestr(info.filename, zf.read(info.filename))
    for path in (paths.master, stored):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                whole = zf.read(name)
                assert master._member(zf, name) == whole, name
                assert master._member(zf, name, 100) == whole[:100], name


def test_workbook_tags_are_scanned_in_linear_time():
    """The start-tag scan of workbook.xml: quoted '>' inside attributes, comments skipped, and an
    unclosed tag does not make the pattern backtrack exponentially (a plain ``+`` inside ``*``
    took seconds for 24 characters)."""
    xml = ('<workbook><!-- <sheet name="no"/> --><sheet name="a>b" x=\'>\' r:id="rId1"/>'
           '<x:sheet name="q" r:id="rId2"/><workbookPr codeName="ThisWorkbook"/></workbook>').encode()
    found = master._elements(xml, ("sheet", "workbookPr"))
    assert found == [("sheet", {"name": "a>b", "x": ">", "r:id": "rId1"}), ("sheet", {"name": "q", "r:id": "rId2"}),
                     ("workbookPr", {"codeName": "ThisWorkbook"})]
    t0 = time.perf_counter()
    assert master._elements(b"<sheet " + b"a" * 26, ("sheet",)) == []  # about 6 s when it backtracks
    assert time.perf_counter() - t0 < 1.0


# ---------------------------------------------------------------- verify
def _rewrite(path: Path, part: str, fn) -> None:
    parts = zip_parts(path)
    parts[part] = fn(parts[part])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in parts.items():
            zf.writestr(n, d)
    path.write_bytes(buf.getvalue())


def codes(path: Path) -> list[str]:
    return [p.code for p in master.verify_master(path)]


def test_verify_detects_tampered_macro(paths):
    _rewrite(paths.master, "xl/drawings/vmlDrawing1.vml", lambda d: d.replace(b"[0]!KikMerge", b"[0]!KikMerg"))
    problems = master.verify_master(paths.master)
    assert [p.code for p in problems] == ["S120"]
    assert problems[0].params["macro"] == "[0]!KikMerg" and "Flet besvarelser" in problems[0].params["caption"]


def test_verify_detects_content_type(paths):
    _rewrite(paths.master, "[Content_Types].xml",
             lambda d: d.replace(master.CT_MACRO_MAIN.encode(),
                                 b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"))
    assert codes(paths.master) == ["S121"]


def test_verify_detects_broken_relationship(paths):
    _rewrite(paths.master, "xl/worksheets/_rels/sheet1.xml.rels",
             lambda d: d.replace(b"vmlDrawing1.vml", b"vmlDrawing9.vml"))
    assert "S122" in codes(paths.master)


def test_verify_detects_missing_document_module(tmp_path):
    modules = [m for m in master.default_vba_modules() if m.name != "shPlan"]
    paths = make_round(tmp_path, options=master.BuildOptions(vba_modules=modules))
    problems = master.verify_master(paths.master)
    assert [(p.code, p.params["codename"]) for p in problems] == [("S123", "shPlan")]


def test_verify_detects_extra_document_module(tmp_path):
    modules = master.default_vba_modules() + [VbaModule("Sheet99", "document", "")]
    paths = make_round(tmp_path, options=master.BuildOptions(vba_modules=modules))
    assert codes(paths.master) == ["S124"]


def _old_xlwings_modules(version: str = "0.30.0") -> list[VbaModule]:
    current = installed_xlwings_version()
    return [VbaModule(m.name, m.kind, m.source.replace(current, version)) if m.name == "xlwings" else m
            for m in master.default_vba_modules()]


def test_verify_detects_xlwings_version(tmp_path):
    paths = make_round(tmp_path, options=master.BuildOptions(vba_modules=_old_xlwings_modules()))
    problems = master.verify_master(paths.master)
    assert [p.code for p in problems] == ["S125"]
    assert problems[0].params["vba"] == "0.30.0"


def test_verify_not_a_zip(tmp_path):
    (tmp_path / MASTER_NAME).write_bytes(b"PK nonsense")
    assert codes(tmp_path) == ["S107"]


# ---------------------------------------------------------------- refresh-vba
def test_refresh_vba_replaces_only_the_vba_part(tmp_path):
    modules = _old_xlwings_modules() + [VbaModule("MineEgne", "standard", "Sub Hej()\r\nEnd Sub\r\n")]
    modules = [VbaModule(m.name, m.kind, "' eget\r\n") if m.name == "shStart" else m for m in modules]
    paths = make_round(tmp_path, options=master.BuildOptions(vba_modules=modules))
    before = zip_parts(paths.master)
    assert codes(paths.master) == ["S125"]
    assert masterfile.refresh_vba(paths.root) == installed_xlwings_version()
    after = zip_parts(paths.master)
    assert list(after) == list(before)
    changed = [n for n in before if before[n] != after[n]]
    assert changed == ["xl/vbaProject.bin"]
    assert master.verify_master(paths.master) == []
    mods = read_modules(after["xl/vbaProject.bin"])
    assert "MineEgne" in mods and "Sub Hej()" in mods["MineEgne"]  # the coordinator's module is kept
    assert "' eget" in mods["shStart"]  # and document-module code
    assert len(list(paths.backups.glob("kik_master_*.xlsm"))) == 1
    # idempotent
    masterfile.refresh_vba(paths.root)
    assert zip_parts(paths.master)["xl/vbaProject.bin"] == after["xl/vbaProject.bin"]


def test_refresh_vba_refuses_when_open(paths):
    (paths.root / ("~$" + MASTER_NAME)).write_bytes(b"x")
    before = paths.master.read_bytes()
    with pytest.raises(MasterLockedError, match="åben i Excel"):
        masterfile.refresh_vba(paths.root)
    assert paths.master.read_bytes() == before


# ---------------------------------------------------------------- MasterFile / writers
def test_masterfile_exception_leaves_file(paths):
    before = paths.master.read_bytes()
    with pytest.raises(RuntimeError):
        with MasterFile.edit(paths) as wb:
            wb["Status"]["A1"] = "ændret"
            raise RuntimeError("boom")
    assert paths.master.read_bytes() == before
    assert list(paths.backups.iterdir()) == []
    assert [p.name for p in paths.root.iterdir() if p.name.startswith(".~")] == []


def test_masterfile_refuses_libreoffice_lock(paths):
    (paths.root / f".~lock.{MASTER_NAME}#").write_text("x")
    with pytest.raises(MasterLockedError, match="LibreOffice"):
        with MasterFile.edit(paths):
            pass
    with pytest.raises(MasterLockedError):
        check_not_open(paths.master, "en")


def test_masterfile_backup(paths):
    with MasterFile.edit(paths) as wb:
        write_text(wb["Status"], "A1", "x")
    assert len(list(paths.backups.iterdir())) == 1


@pytest.mark.parametrize("text", [EVIL, "+45", "-5", "@SUM(A1)", "=cmd|' /C calc'!A0", "1.2", ""])
def test_write_text(text, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    c = write_text(ws, "A1", text)
    assert c.data_type == "s" and c.value == text
    wb.save(tmp_path / "t.xlsx")
    again = openpyxl.load_workbook(tmp_path / "t.xlsx")["Sheet"]["A1"]
    assert again.value == (text or None)
    assert b"<f>" not in zip_parts(tmp_path / "t.xlsx")["xl/worksheets/sheet1.xml"]


def test_replace_sheet_content_keeps_codename_and_position(paths):
    with MasterFile.edit(paths) as wb:
        ws = wb["Konsensus"]
        ws["A1"] = "x"
        ws.merge_cells("A1:C1")
        w = OpenpyxlSheetWriter(wb)
        w.add_list_validation("Konsensus", "B2:B9", ["Ja", "Nej"])
        replace_sheet_content(ws)
        assert ws.max_row == 1 and ws["A1"].value is None and not ws.merged_cells.ranges
        assert ws.data_validations.dataValidation == []
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    assert wb.sheetnames.index("Konsensus") == master.SHEET_KEYS.index("consensus")
    assert wb["Konsensus"].sheet_properties.codeName == "shConsensus"


def sample_content() -> SheetContent:
    content = SheetContent()
    content.put("A1", "Overskrift", Style(bold=True, font_size=14))
    content.put_rows("A3", [["qid", "Nr", "Tekst", "Point"], ["1.1", "1.1", EVIL, 55], ["1.2", "1.2", "-minus", None]])
    content.put("F3", Formula("=SUM(D4:D5)"))
    content.styles.append(("A3:D3", Style(bold=True, fill="#DDEBF7")))
    content.widths = {"C": 60.0}
    content.hidden_columns = ["A"]
    content.freeze = "B4"
    content.validations.append(("E4:E5", ("Ja", "Nej")))
    content.tables.append(("Testtabel", "A3:D5", ("qid", "Nr", "Tekst", "Point")))
    return content


def test_apply_content_openpyxl_roundtrip(paths):
    with MasterFile.edit(paths) as wb:
        apply_content(OpenpyxlSheetWriter(wb), "Konsensus", sample_content())
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    ws = wb["Konsensus"]
    assert ws["C4"].value == EVIL and ws["C4"].data_type == "s"
    assert ws["C5"].value == "-minus" and ws["C5"].data_type == "s"
    assert ws["F3"].value == "=SUM(D4:D5)" and ws["F3"].data_type == "f"
    assert ws["A1"].font.b and ws["A3"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws.column_dimensions["A"].hidden and ws.freeze_panes == "B4"
    assert ws.tables["Testtabel"].ref == "A3:D5"
    # and back: the rendered sheet as content again (the buttons' bridge)
    again = content_from_worksheet(ws)
    assert again.cells[(4, 3)] == EVIL and isinstance(again.cells[(3, 6)], Formula)
    assert [(r.ranges, r.type, r.list_source) for r in again.data_validations] == [(("E4:E5",), "list", ("Ja", "Nej"))]
    assert [(t.name, t.ref, t.columns) for t in again.tables] == [("Testtabel", "A3:D5", ("qid", "Nr", "Tekst", "Point"))]
    assert any(ref == "A3:D3" and st.bold for ref, st in again.styles)
    assert master.verify_master(paths.master) == []


def test_excel_literal():
    assert excel_literal(EVIL) == "'" + EVIL
    assert excel_literal("1.2") == "'1.2"
    assert excel_literal("'quoted") == "''quoted"
    assert excel_literal("") is None
    assert excel_literal(5) == 5 and excel_literal(None) is None
    assert excel_literal(Formula("=A1")) == "=A1"


# A recording double of the few xlwings objects the adapter touches. Used only because no
# Excel can run here: it checks which xlwings / COM calls the adapter issues, not what
# Excel makes of them. The openpyxl writer is the real fidelity test (tests/test_transfer.py);
# the one-time check in real Excel is in README.md.
class Rec:
    """Records every attribute set and call made on it or below it, as
    ("set", path, value) and ("call", path, args, kwargs), into a shared log."""

    def __init__(self, log, path):
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name):
        return Rec(self._log, f"{self._path}.{name}")

    def __setattr__(self, name, value):
        self._log.append(("set", f"{self._path}.{name}", value))

    def __call__(self, *args, **kwargs):
        self._log.append(("call", self._path, args, kwargs))
        return Rec(self._log, self._path + "()")

    def __getitem__(self, key):
        return Rec(self._log, f"{self._path}[{key}]")

    def __iter__(self):  # empty collections (no old charts, no tables)
        return iter(())

    def __bool__(self):  # e.g. AutoFilterMode reads False
        return False

    def __repr__(self):
        return f"<{self._path}>"


class FakeCellApi:
    """The COM cell used to translate formulas: an Excel with a Danish user interface."""

    def __init__(self):
        self.Formula = ""

    @property
    def FormulaLocal(self):
        local = self.Formula.replace("ISERROR", "ER.FEJL").replace("ISNUMBER", "ER.TAL").replace("TODAY", "IDAG")
        local = local.replace("AND(", "OG(").replace("DATE(", "DATO(")
        return local.replace(",", ";")

    def ClearContents(self):
        self.Formula = ""


class FakeRange:
    def __init__(self, sheet, ref):
        self.sheet, self.ref = sheet, ref
        self.font = type("Font", (), {})()

    @property
    def value(self):
        return self.sheet.values.get(self.ref)

    @value.setter
    def value(self, v):
        self.sheet.book.log.append(("value", self.sheet.name, self.ref, v))
        self.sheet.values[self.ref] = v

    def __setattr__(self, key, v):
        if key in ("color", "wrap_text", "number_format", "column_width", "row_height"):
            self.sheet.book.log.append((key, self.sheet.name, self.ref, v))
        object.__setattr__(self, key, v)

    @property
    def last_cell(self):
        cell = FakeRange(self.sheet, "XFD1048576")
        object.__setattr__(cell, "api", self.sheet.book.cell_api)
        return cell

    def __getattr__(self, name):  # data_validation, conditional_formats, api, merge, select, left, ...
        return Rec(self.sheet.book.log, f"{self.sheet.name}!{self.ref}.{name}")

    def __repr__(self):
        return f"<Range {self.sheet.name}!{self.ref}>"


class FakeSheet:
    def __init__(self, book, name):
        self.book, self.name, self.values = book, name, {}
        self.cells = FakeRange(self, "cells")

    def range(self, ref, *_):
        return FakeRange(self, ref)

    def clear(self):
        self.book.log.append(("clear", self.name))

    @property
    def freeze_panes(self):  # desktop xlwings: only xlwings Server/Lite implement it
        raise NotImplementedError

    def __getattr__(self, name):  # charts, tables, page_setup, api, activate, ...
        return Rec(self.book.log, f"{self.name}.{name}")


class FakeSheets(dict):
    def __init__(self, book):
        super().__init__()
        self.book = book

    def __missing__(self, name):
        self[name] = FakeSheet(self.book, name)
        return self[name]

    @property
    def active(self):
        return self["Start"]


class FakeBook:
    def __init__(self):
        self.log = []
        self.cell_api = FakeCellApi()
        self.sheets = FakeSheets(self)
        self.sheets["Konsensus"]
        self.app = Rec(self.log, "app")


def test_xlwings_writer_with_fake_book():
    book = FakeBook()
    w = XlwingsSheetWriter(book)
    w.clear("Konsensus")
    w.write_rows("Konsensus", "B2", [["1.2", EVIL, 3], ["x"]])
    w.set_style("Konsensus", "B2:D2", Style(bold=True, fill="#FF0000", wrap=True, number_format="0"))
    w.set_column_widths("Konsensus", {"C": 40})
    w.hide_columns("Konsensus", ["A"])
    w.add_list_validation("Konsensus", "E2:E9", ["Ja", "Nej"])
    assert book.log[0] == ("call", "Konsensus.api.Unprotect", (), {})  # a protected sheet cannot be cleared
    assert book.log[1] == ("clear", "Konsensus")
    # what Cells.Clear leaves behind goes too: merged cells, validations, conditional formats
    assert ("call", "Konsensus!cells.unmerge", (), {}) in book.log
    assert ("call", "Konsensus!cells.data_validation.delete", (), {}) in book.log
    assert ("call", "Konsensus!cells.conditional_formats.clear", (), {}) in book.log
    assert ("value", "Konsensus", "B2", [["'1.2", "'" + EVIL, 3], ["'x", None, None]]) in book.log
    assert ("color", "Konsensus", "B2:D2", (255, 0, 0)) in book.log
    assert ("column_width", "Konsensus", "C:C", 40) in book.log
    assert ("column_width", "Konsensus", "A:A", 0) in book.log
    assert ("call", "Konsensus!E2:E9.data_validation.set_list", (["Ja", "Nej"],), {}) in book.log


# ---------------------------------------------------------------- button bodies (no Excel)
def _ctx(wb, root):
    from xl_kik import buttons

    writer = OpenpyxlSheetWriter(wb)
    names = buttons.live_sheet_names(writer)
    return buttons.ButtonContext(root=root, writer=writer, lang=buttons.live_lang(writer, names), sheet_names=names)


def test_live_sheet_names_and_master_data(paths):
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    ctx = _ctx(wb, paths.root)
    assert ctx.sheet_names == master.SHEET_NAMES["da"]
    data = ctx.master_data()
    assert data.setup == master.read_master(paths.root).setup


def test_live_master_sees_unsaved_rows(paths):
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    write_text(wb["Deltagere"], "B5", "Ulla Ny")
    data = _ctx(wb, paths.root).master_data()
    assert data.participants[-1].name == "Ulla Ny" and data.new_ids == [("Deltagere", "A5", "D04")]


def test_do_generate_writes_files_and_ids(paths):
    from xl_kik import buttons

    with MasterFile.edit(paths) as wb:
        write_text(wb["Deltagere"], "B5", "Ulla Ny")
        summary = buttons.do_generate(_ctx(wb, paths.root))
    assert "4 spørgeskemaer er lavet" in summary and "1 ny deltager har fået et id" in summary
    assert len(list(paths.outgoing.glob("*.xlsx"))) == 4
    assert [p.pid for p in master.load_round(paths.root)[1]] == ["D01", "D02", "D03", "D04"]
    assert master.read_master(paths.root).new_ids == []


class FakeApp:
    def __init__(self):
        self.alerts = []

    def alert(self, prompt, title=None, mode=None, **_):
        self.alerts.append((prompt, title, mode))


def test_run_button_success_and_errors(paths):
    from xl_kik import buttons

    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    writer = OpenpyxlSheetWriter(wb)
    saved = []
    app = FakeApp()
    book = buttons._WriterBook(writer, str(paths.master), app, on_save=lambda: saved.append(1))
    # success: summary shown, last run written, saved
    assert buttons.run_button("test", lambda ctx: "Alt gik godt", book=book) == "Alt gik godt"
    assert saved == [1] and app.alerts[-1][2] == "info"
    last = [c.value for row in wb["Start"].iter_rows() for c in row if isinstance(c.value, str) and "test:" in c.value]
    assert last and last[0].endswith("test: Alt gik godt")
    # a KikError: its Danish message, not saved
    def bad_setup(ctx):
        raise SetupError("Opsætningen har fejl")
    assert buttons.run_button("test", bad_setup, book=book) is None
    assert saved == [1] and app.alerts[-1] == ("Opsætningen har fejl", "KIK-selvevaluering", "critical")
    # a crash: generic message pointing to the log, traceback in the log
    def crash(ctx):
        raise ZeroDivisionError("hemmelig detalje")
    assert buttons.run_button("test", crash, book=book) is None
    assert "uventet fejl" in app.alerts[-1][0] and "hemmelig" not in app.alerts[-1][0]
    logtext = paths.log.read_text("utf-8")
    assert "ZeroDivisionError: hemmelig detalje" in logtext and "Traceback" in logtext
    assert saved == [1]


def test_run_button_refuses_cloud_path(paths):
    from xl_kik import buttons

    app = FakeApp()
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    book = buttons._WriterBook(OpenpyxlSheetWriter(wb), "https://x.sharepoint.com/kik_master.xlsm", app)
    assert buttons.run_button("test", lambda ctx: "x", book=book) is None
    assert "lokal mappe" in app.alerts[-1][0]


def test_button_entry_points_match_vba():
    from xl_kik import buttons

    for macro, command in BUTTON_MACROS.items():
        m = re.fullmatch(r"import xl_kik\.buttons; xl_kik\.buttons\.(\w+)\(\)", command)
        assert m and callable(getattr(buttons, m.group(1))), macro


def _round_with_returns(tmp_path):
    import random

    from xl_kik.demo import simulate
    from xl_kik.excel.scoring import write_scoring_workbooks

    paths = make_round(tmp_path)
    setup, plist = master.load_round(paths.root)
    files = write_scoring_workbooks(setup, plist, paths.outgoing)
    rng = random.Random(7)
    for _p, path in files[:2]:
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        answers = simulate.random_answers(layout, rng)
        first = next(iter(answers))
        answers[first]["strengths"] = EVIL  # injection attempt from a participant
        simulate.fill_workbook(path, paths.returns / path.name, answers)
    return paths


def _values(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_merge_button_bridge_matches_cli(tmp_path):
    """The button path (scratch workbook + transfer into the 'live' book) gives the same
    cell values as the CLI path (render straight into the master file)."""
    from xl_kik import buttons
    from xl_kik.steps import merge

    paths = _round_with_returns(tmp_path)
    cli_copy = tmp_path / "cli"
    import shutil

    shutil.copytree(paths.root, cli_copy)
    merge.merge_round(cli_copy)
    cli = openpyxl.load_workbook(cli_copy / MASTER_NAME, keep_vba=True)

    live = openpyxl.load_workbook(paths.master, keep_vba=True)  # stands in for the workbook open in Excel
    summary = buttons.do_merge(_ctx(live, paths.root))
    assert summary
    for name in ("Status", "Svarrapport", "Konsensus"):
        got, want = _values(live[name]), _values(cli[name])
        # the Status sheet may carry a time stamp; compare everything else
        diff = [(r, c) for r, row in enumerate(want) for c, v in enumerate(row)
                if (got[r][c] if r < len(got) and c < len(got[r]) else None) != v
                and not (isinstance(v, str) and re.search(r"\d{2}:\d{2}", v))]
        assert diff == [], (name, diff[:5])
    texts = [c for name in ("Status", "Svarrapport", "Konsensus") for row in live[name].iter_rows() for c in row
             if isinstance(c.value, str) and "=HYPERLINK" in c.value]
    assert len(texts) >= 3 and all(c.data_type == "s" for c in texts)
    assert any(c.value == EVIL for c in texts)
    # the plan button on the same live book: its table and its helper sheets (already in the
    # contract since init, so none is added) end like the CLI's, also after a row was deleted
    from xl_kik.steps import plan as actionplan

    seminar = {0: ("Fælles mål for året\nVærdier i hverdagen", "Ja", "Vedtaget", "Høj", "Let"),
               2: ("Overblik over budgettet", "Ja", "Afventer", "Middel", "Svær")}
    _type_seminar(live, seminar)
    with MasterFile.edit(RoundPaths(cli_copy)) as wb:
        _type_seminar(wb, seminar)
    actionplan.build_plan(cli_copy)
    assert "Handleplan" in buttons.do_plan(_ctx(live, paths.root))
    assert set(live.sheetnames) == set(master.SHEET_NAMES["da"].values())
    plan_sheets = [master.SHEET_NAMES["da"][k] for k in master.PLAN_SHEET_KEYS]
    _assert_same_sheets(live, openpyxl.load_workbook(cli_copy / MASTER_NAME, keep_vba=True), plan_sheets)
    assert [c.value for c in live["Handleplan"][1]][:3] == ["Id", "Tema", "Spørgsmål"]
    assert live["Handleplan"].max_row == 4 and live["_plan"].sheet_state == "veryHidden"
    # a person deletes the second row in both; the next build keeps it deleted in both
    deleted = live["Handleplan"]["A3"].value
    live["Handleplan"].delete_rows(3)
    with MasterFile.edit(RoundPaths(cli_copy)) as wb:
        assert wb["Handleplan"]["A3"].value == deleted
        wb["Handleplan"].delete_rows(3)
    actionplan.build_plan(cli_copy)
    buttons.do_plan(_ctx(live, paths.root))
    cli = openpyxl.load_workbook(cli_copy / MASTER_NAME, keep_vba=True)
    _assert_same_sheets(live, cli, plan_sheets)
    ids = [r[0] for r in live["Handleplan"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(ids) == 2 and deleted not in ids
    assert [deleted, "deleted"] in [list(r[:2]) for r in live["_plan"].iter_rows(values_only=True)]
    # the live book was not saved by the body; the file on disk is unchanged until Excel saves
    assert openpyxl.load_workbook(paths.master)["Konsensus"]["A1"].value.startswith("Her kommer")


def _type_seminar(wb, seminar: dict) -> None:
    """Type consensus-seminar inputs into the n-th question rows of Konsensus."""
    ws = wb["Konsensus"]
    key_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "qid")
    cols = {ws.cell(key_row, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(key_row, c).value}
    rows = [r for r in range(key_row + 1, ws.max_row + 1)
            if isinstance(ws.cell(r, 1).value, str) and re.match(r"^\d+\.\d+$", ws.cell(r, 1).value)]
    for n, values in seminar.items():
        for key, value in zip(("agreed_improvements", "to_plan", "decision", "effect", "feasibility"), values):
            ws.cell(rows[n], cols[key]).value = value


def _assert_same_sheets(got_wb, want_wb, names) -> None:
    for name in names:
        got, want = _values(got_wb[name]), _values(want_wb[name])
        width = max([len(r) for r in got + want] or [0])
        pad = lambda rows: [tuple(r) + (None,) * (width - len(r)) for r in rows]  # noqa: E731
        strip = lambda rows: [r for r in pad(rows) if any(v is not None for v in r)]  # noqa: E731
        assert strip(got) == strip(want), name
