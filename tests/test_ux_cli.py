"""Issue 13, requirement 5: what the command line tells a coordinator.

Run through ``xl_kik.cli.main`` on real round folders (nothing mocked): a missing
participants file, merge on an empty returns folder, plan before any merge and with no
"Ja", long lists cut at 10 with "og N til" (all with -v or --json), and no line twice.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from xl_kik.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A round of 14 people named 'Person 00' ... 'Person 13'."""
    folder = tmp_path_factory.mktemp("cli")
    people = folder / "deltagere.csv"
    people.write_text("Navn;E-mail\n" + "".join(f"Person {i:02d};p{i}@x.dk\n" for i in range(14)), "utf-8")
    root = folder / "Runde 300 æøå"
    assert main(["init", str(root), "--unit", "Solsikken", "--participants", str(people), "-q"]) == 0
    return root


def test_missing_participants_file_findes_ikke_exit_3(tmp_path, capsys):
    code, out, err = run(capsys, "init", tmp_path / "r", "--unit", "X", "--participants", tmp_path / "nope.csv")
    assert code == 3
    assert "findes ikke" in out + err and "nope.csv" in out + err
    assert "OSError" not in out + err and "Errno" not in out + err
    assert not (tmp_path / "r" / "kik_master.xlsm").exists()


def test_generate_lists_ten_and_says_how_many_more(big, capsys):
    code, out, _ = run(capsys, "generate", big)
    assert code == 0
    assert "Person 09" in out and "Person 10" not in out
    assert "og 4 til" in out
    assert "14 spørgeskemaer er lavet" in out
    code, out, _ = run(capsys, "generate", big, "-v")
    assert "Person 13" in out and "og 4 til" not in out
    code, out, _ = run(capsys, "generate", big, "--json")
    assert len(json.loads(out)["files"]) == 14


def test_merge_on_empty_returns_folder_says_so(big, capsys):
    for f in (big / "retur").iterdir():
        f.unlink()
    code, out, _ = run(capsys, "merge", big)
    assert code == 0
    assert "Returmappen ('retur') er tom" in out
    assert "Mangler: Person 00, Person 01" in out and "Person 09 og 4 til." in out
    assert "Person 10" not in out
    code, out, _ = run(capsys, "status", big, "-v")
    assert "Returmappen ('retur') er tom" in out and "Person 13" in out


def test_plan_before_any_merge_says_what_to_do(tmp_path, capsys):
    people = tmp_path / "d.csv"
    people.write_text("Navn;E-mail\nIda;ida@x.dk\nBo;bo@x.dk\n", "utf-8")
    root = tmp_path / "r"
    assert run(capsys, "init", root, "--unit", "X", "--participants", people)[0] == 0
    code, out, _ = run(capsys, "plan", root)
    assert code == 0
    assert "0 rækker" not in out and "bygget" not in out
    assert "Flet først (knappen '3. Flet besvarelser' eller xl-kik merge)" in out
    assert "'Ja'" in out and "'4. Lav handleplan'" in out


def test_plan_with_no_ja_says_what_to_do(big, capsys):
    assert run(capsys, "merge", big)[0] == 0
    code, out, _ = run(capsys, "plan", big)
    assert code == 0
    assert "0 rækker" not in out
    assert "intet spørgsmål på Konsensus har 'Ja' i 'Med i handleplan'" in out
    assert "[A003]" not in out  # the same advice is not printed twice


@pytest.mark.parametrize("command", [["status"], ["merge"], ["generate"], ["invite"], ["invite", "--reminder"],
                                     ["plan"]])
def test_each_message_once(big, capsys, command):
    code, out, _ = run(capsys, command[0], big, *command[1:])
    assert code == 0
    lines = [line for line in out.splitlines() if line.strip()]
    twice = [line for line, n in Counter(lines).items() if n > 1]
    assert not twice, out


def test_next_step_path_is_quoted_for_pasting(tmp_path, capsys):
    people = tmp_path / "d.csv"
    people.write_text("Navn;E-mail\nIda;ida@x.dk\nBo;bo@x.dk\n", "utf-8")
    root = tmp_path / "Runde 300 æøå"
    code, out, _ = run(capsys, "init", root, "--unit", "X", "--participants", people)
    line = next(line for line in out.splitlines() if line.startswith("Næste skridt"))
    assert line == f"Næste skridt: xl-kik generate '{root}'"
