"""The command line: one round end to end, exit codes, Danish/English messages, --json."""

import json
import subprocess
import sys

import pytest

from xl_kik.cli import main


@pytest.fixture()
def participants_csv(tmp_path):
    path = tmp_path / "deltagere.csv"
    path.write_text("Navn;E-mail;Rolle\nÅse Ørn;aase@x.dk;leder\nBo Bæk;bo@x.dk;medarbejder\n"
                    "Cecilie Ravn;c@x.dk;medarbejder\n", encoding="utf-8")
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr().out
    return code, out


def test_round_end_to_end_with_json(tmp_path, participants_csv, capsys):
    root = tmp_path / "runde"
    code, out = run(capsys, "init", root, "--unit", "Vejcenter Nord", "--participants", participants_csv,
                    "--themes", "indsats", "--scale", "0-5", "--deadline", "2026-12-15", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["participants"] == 3 and data["master"].endswith("kik_master.xlsm")

    code, out = run(capsys, "generate", root, "--json")
    assert code == 0
    files = json.loads(out)["files"]
    assert [f["name"] for f in files] == ["Åse Ørn", "Bo Bæk", "Cecilie Ravn"]

    from pathlib import Path
    import random

    from xl_kik.demo import simulate

    for f in files[:2]:
        src = Path(f["file"])
        import openpyxl

        layout = simulate.read_layout(openpyxl.load_workbook(src))
        assert set(q.split(".")[0] for q in layout.rows) == {"1", "2", "3", "4"}  # only the indsats half
        simulate.fill_workbook(src, root / "retur" / src.name, simulate.random_answers(layout, random.Random(1)))

    code, out = run(capsys, "merge", root, "--json")
    assert code == 0
    merged = json.loads(out)
    assert merged["returned"] == 2 and merged["participants"] == 3
    assert [m["name"] for m in merged["missing"]] == ["Cecilie Ravn"]
    assert len(merged["questions"]) == 12

    code, out = run(capsys, "merge", root)
    assert code == 0 and "2 af 3" in out and "Cecilie Ravn" in out

    code, out = run(capsys, "plan", root)
    assert code == 0
    code, out = run(capsys, "plan", root, "--list", "--json")
    assert code == 0 and json.loads(out)["actions"] == []


def test_bad_participants_exit_2_and_name_the_file(tmp_path, capsys):
    bad = tmp_path / "liste.csv"
    bad.write_text("Navn;E-mail\nIda;ida@x.dk\n;bo@x.dk\nBo;IDA@x.dk\n", encoding="utf-8")
    code, out = run(capsys, "init", tmp_path / "r", "--unit", "X", "--participants", bad)
    assert code == 2
    assert "[P001]" in out and "[P002]" in out and "liste.csv" in out
    assert not (tmp_path / "r" / "kik_master.xlsm").exists()


def test_english_messages(tmp_path, capsys):
    code, out = run(capsys, "init", tmp_path / "r", "--unit", "X", "--participants", tmp_path / "nope.csv",
                    "--lang", "en")
    assert code == 3 and "does not exist" in out  # issue 13: a missing file "findes ikke", exit 3


def test_not_a_round_exit_3(tmp_path, capsys):
    code, out = run(capsys, "merge", tmp_path / "findes-ikke")
    assert code == 3 and "findes ikke" in out
    (tmp_path / "tom").mkdir()
    code, out = run(capsys, "generate", tmp_path / "tom")
    assert code == 3 and "ikke en KIK-runde" in out


def test_init_never_overwrites(tmp_path, participants_csv, capsys):
    root = tmp_path / "r"
    assert run(capsys, "init", root, "--unit", "X", "--participants", participants_csv)[0] == 0
    before = (root / "kik_master.xlsm").read_bytes()
    code, out = run(capsys, "init", root, "--unit", "Y", "--participants", participants_csv)
    assert code == 2 and "overskrevet" in out
    assert (root / "kik_master.xlsm").read_bytes() == before


def test_bad_catalogue_file_reports_cells(tmp_path, participants_csv, capsys):
    import xlsxwriter

    path = tmp_path / "eget.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Spørgsmål")
    for r, row in enumerate([["Id", "Tema", "Side", "Spørgsmål"], ["1.1", "1", "indsats", "A?"],
                             ["1.1", "1", "indsats", "B?"]]):
        ws.write_row(r, 0, row)
    wb.close()
    code, out = run(capsys, "init", tmp_path / "r", "--unit", "X", "--participants", participants_csv,
                    "--catalogue", path)
    assert code == 2 and "[C001]" in out and "celle A3" in out


def test_catalogue_export_and_show(tmp_path, capsys):
    target = tmp_path / "k.xlsx"
    code, out = run(capsys, "catalogue", "caf2020", "--export", target, "--json")
    assert code == 0 and target.exists()
    assert json.loads(out)["questions"] == 28
    code, out = run(capsys, "catalogue", target)
    assert code == 0 and "28 spørgsmål" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and "xl_kik" in capsys.readouterr().out


def test_commands_answer_in_the_rounds_language(tmp_path, participants_csv, capsys):
    root = tmp_path / "engelsk"
    assert run(capsys, "init", root, "--unit", "Road depot", "--participants", participants_csv, "--lang", "en")[0] == 0
    assert run(capsys, "generate", root)[0] == 0
    code, out = run(capsys, "merge", root)
    assert code == 0 and "0 of 3 participants have returned" in out
    code, out = run(capsys, "merge", root, "--lang", "da")
    assert code == 0 and "0 af 3 deltagere har afleveret" in out


def test_generate_writes_ids_of_added_participants_back(tmp_path, participants_csv, capsys):
    """A participant the coordinator adds in Excel keeps the id given at the first generate."""
    import openpyxl

    from xl_kik.excel import master

    root = tmp_path / "r"
    assert run(capsys, "init", root, "--unit", "X", "--participants", participants_csv)[0] == 0
    wb = openpyxl.load_workbook(root / "kik_master.xlsm", keep_vba=True)
    ws = wb["Deltagere"]
    ws.cell(ws.max_row + 1, 2, "Ny Kollega")  # typed in the first empty row, no id
    wb.save(root / "kik_master.xlsm")
    assert run(capsys, "generate", root)[0] == 0
    _, people = master.load_round(root)
    new = next(p for p in people if p.name == "Ny Kollega")
    assert new.pid == "D04" and master.read_master(root).new_ids == []  # stored, not recomputed
    ws_values = [r[0] for r in openpyxl.load_workbook(root / "kik_master.xlsm")["Deltagere"].iter_rows(values_only=True)]
    assert "D04" in ws_values


def test_status_lists_returned_missing_and_bad_files_without_writing(tmp_path, participants_csv, capsys):
    import random

    import openpyxl

    from xl_kik.demo import simulate

    root = tmp_path / "r"
    assert run(capsys, "init", root, "--unit", "X", "--participants", participants_csv)[0] == 0
    assert run(capsys, "generate", root)[0] == 0
    first = sorted((root / "udsendt").glob("*.xlsx"))[0]
    layout = simulate.read_layout(openpyxl.load_workbook(first))
    simulate.fill_workbook(first, root / "retur" / first.name, simulate.random_answers(layout, random.Random(2)))
    (root / "retur" / "skema.pdf").write_bytes(b"%PDF-1.4 not a workbook")
    before = (root / "kik_master.xlsm").read_bytes()
    code, out = run(capsys, "status", root)
    assert code == 0
    assert first.name.endswith("Bo Bæk.xlsx")
    assert "1 af 3 deltagere har afleveret. 2 mangler." in out and "Mangler: Åse Ørn, Cecilie Ravn" in out
    assert "skema.pdf" in out and "[F006]" in out
    code, out = run(capsys, "status", root, "--json")
    data = json.loads(out)
    assert [m["name"] for m in data["missing"]] == ["Åse Ørn", "Cecilie Ravn"]
    assert [r["name"] for r in data["returned"]] == ["Bo Bæk"]
    assert data["unusable"][0]["file"] == "skema.pdf"
    assert (root / "kik_master.xlsm").read_bytes() == before


def test_demo_runs_a_whole_round(tmp_path, capsys):
    root = tmp_path / "demo"
    code, out = run(capsys, "demo", root, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["participants"] == 8 and data["returned"] == 7 and data["not_returned"] == 1
    assert data["agreed_questions"] > 0 and data["actions"] > 0
    assert len(list((root / "udsendt").glob("*.xlsx"))) == 8
    code, out = run(capsys, "plan", root, "--list", "--json")
    actions = json.loads(out)["actions"]
    assert actions and all(a["owner"] and a["deadline"] for a in actions)  # the leaders filled it in
    code, out = run(capsys, "demo", root)
    assert code == 2 and "allerede" in out  # never overwrites a round


def test_demo_in_english_names_the_early_version_in_english(tmp_path, capsys):
    """The participant who sent an early version named it in the round's language: an English
    demo's output and returns folder have no Danish file name."""
    root = tmp_path / "demo_en"
    code, out = run(capsys, "demo", root, "--lang", "en")
    assert code == 0
    names = [p.name for p in (root / "retur").iterdir()]
    assert any(n.endswith(" (first version).xlsx") for n in names), names
    assert "første" not in out and not any("første" in n for n in names)
    assert "(first version).xlsx (used instead: " in out
    # the simulated people and what they typed are English too
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(root / "kik_master.xlsm"))
    cells = {str(c) for name in ("Participants", "Answers") for r in wb.get_sheet_by_name(name).to_python() for c in r}
    assert {"leader", "staff", "Management"} <= cells, sorted(cells)[:40]
    assert not {"leder", "medarbejder", "Ledelse"} & cells
    assert any("We follow up on our goals every quarter." in c for c in cells)
    assert not any("Vi følger op på vores mål" in c for c in cells)
    # the last question only two can judge: the others picked the list's "do not know" (not left it blank)
    import openpyxl

    from xl_kik.demo import simulate

    picked = 0
    for path in (root / "retur").glob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        layout = simulate.read_layout(wb)
        last = list(layout.rows)[-1]
        picked += wb[layout.sheet][f"{layout.points_col}{layout.rows[last]}"].value == "do not know"
    assert picked == 5, picked


def test_a_command_runs_with_a_high_gc_threshold_and_restores_the_callers(tmp_path, monkeypatch, capsys):
    """A click's objects live until it ends: the collector is not run every 700 allocations
    while a command runs; a caller in the same process gets its thresholds back."""
    import gc

    from xl_kik import cli

    seen = []
    monkeypatch.setattr(cli, "cmd_catalogue", lambda args, out: seen.append(gc.get_threshold()[0]) or 0)
    monkeypatch.setitem(cli.COMMANDS, "catalogue", cli.cmd_catalogue)
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        assert main(["catalogue"]) == 0
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
    from xl_kik.steps import COMMAND_GC_THRESHOLD

    assert seen == [COMMAND_GC_THRESHOLD] and COMMAND_GC_THRESHOLD >= 10_000


class _Seen(Exception):
    pass


@pytest.mark.parametrize("step", ["merge", "plan", "generate", "rollup", "button"])
def test_a_step_called_directly_runs_with_the_commands_collector(step, tmp_path, monkeypatch):
    """merge_round, build_plan, generate_round and build_rollup (what a program calling xl_kik
    runs, and the buttons' run_button) collect garbage as a command does
    (``steps.COMMAND_GC_THRESHOLD``: ~50 ms of a merge of 1,000), and restore the caller's
    collector afterwards, also when the step fails."""
    import gc

    from xl_kik import buttons, steps
    from xl_kik.excel import master
    from xl_kik.steps import generate, merge, plan, rollup

    seen = []

    def inside(*_args, **_kwargs):
        seen.append(gc.get_threshold()[0])
        raise _Seen()

    monkeypatch.setattr(master, "locked_round", inside)  # the round's lock, also MasterFile.lock's
    monkeypatch.setattr(rollup, "expand_masters", inside)
    monkeypatch.setattr(buttons, "_caller", inside)
    run = {"merge": lambda: merge.merge_round(tmp_path), "plan": lambda: plan.build_plan(tmp_path),
           "generate": lambda: generate.generate_round(tmp_path), "rollup": lambda: rollup.build_rollup([tmp_path], tmp_path / "o.xlsx"),
           "button": lambda: buttons.run_button("merge", buttons.do_merge)}[step]
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        if step == "button":
            monkeypatch.setattr(buttons, "_alert", lambda *a, **k: None)
            monkeypatch.setattr(buttons, "user_log_dir", lambda: tmp_path)
            assert run() is None  # the failure is told, not raised
        else:
            with pytest.raises(_Seen):
                run()
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
    assert seen == [steps.COMMAND_GC_THRESHOLD]


@pytest.mark.parametrize("own_command_line", [True, False])
def test_the_programs_own_command_hands_its_objects_to_gc_freeze(own_command_line):
    """``xl-kik`` (main without argv) ends its process: what is left is frozen, so the exit does
    not walk it for garbage cycles; main(argv) in a longer-running process freezes nothing."""
    call = "main()" if own_command_line else "main(['catalogue', '-q'])"
    code = f"import gc, sys; from xl_kik.cli import main; code = {call}; print(code, gc.get_freeze_count())"
    proc = subprocess.run([sys.executable, "-c", code, "catalogue", "-q"], capture_output=True, text=True, check=True)
    status, frozen = map(int, proc.stdout.split()[-2:])
    assert status == 0
    assert (frozen > 10_000) if own_command_line else frozen == 0


def test_a_setup_error_of_an_english_round_is_told_in_english(tmp_path, participants_csv, capsys):
    """The door's language comes from the setup's language cell alone (master.round_lang): a
    round whose setup has another error still answers in its own language."""
    from xl_kik.excel.master import read_master
    from xl_kik.excel.masterfile import MasterFile, write_text

    root = tmp_path / "r"
    assert run(capsys, "init", root, "--unit", "X", "--participants", participants_csv, "--lang", "en")[0] == 0
    data = read_master(root)
    sheet = data.sheet_names["setup"]
    with MasterFile.edit(root) as wb:
        ws = wb[sheet]
        row = next(c.row for c in ws["A"] if c.value == "threshold")
        write_text(ws, f"C{row}", "abc")
    code, out = run(capsys, "generate", root)
    assert code == 2
    assert "The disagreement threshold must be a share between 0 and 1" in out
    assert "Grænsen for uenighed" not in out
