"""``xl-kik doctor``: findings for a healthy round and for each thing that can be wrong."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from xl_kik.core import catalogue
from xl_kik.steps import doctor
from xl_kik.excel import master, masterfile
from xl_kik.excel.vba import VbaModule, installed_xlwings_version
from xl_kik.core.round import Participant

ROOT = Path(__file__).resolve().parents[1]


def make(tmp_path, conf=None, modules=None, name="runde"):
    opts = master.BuildOptions(vba_modules=modules, conf_rows=conf)
    return master.create_round(tmp_path / name, unit="Enhed", participants=[Participant("", "Ida")],
                               catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"), options=opts)


def by_check(findings):
    return {f.check: f for f in findings}


def test_healthy_round_on_linux(tmp_path):
    paths = make(tmp_path)
    found = by_check(doctor.check(paths.root, platform="linux"))
    assert {f.severity for f in found.values()} == {"ok"}
    assert set(found) == {"verify", "buttons", "vba_project", "xlwings_version", "interpreter", "motw", "returns"}
    assert "ikke relevant" in found["motw"].message("da") or "kun relevant" in found["motw"].message("da")
    assert found["xlwings_version"].message("en").endswith(f"xlwings {installed_xlwings_version()}.")


def test_interpreter_is_probed(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    paths = make(tmp_path, conf=[("Interpreter_Mac", sys.executable)])
    found = by_check(doctor.check(paths.root, platform="darwin"))
    assert found["interpreter"].severity == "ok", found["interpreter"].message()
    assert "xl_kik" in found["interpreter"].message()
    assert "interpreter_xlwings" not in found


def test_interpreter_cannot_import_xl_kik(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.chdir(tmp_path)
    # A fresh virtual environment is a real Python without xl_kik in it.
    import subprocess
    import venv

    env_dir = tmp_path / "tom-python"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    assert subprocess.run([str(python), "-c", "import xl_kik"], capture_output=True, cwd=tmp_path).returncode != 0
    paths = make(tmp_path, conf=[("Interpreter_Win", str(python))])
    f = by_check(doctor.check(paths.root, platform="win32"))["interpreter"]
    assert f.severity == "error" and "kan ikke importere xl_kik" in f.message("da")


def test_missing_interpreter(tmp_path):
    paths = make(tmp_path, conf=[("Interpreter_Win", r"C:\findes\ikke\python.exe")])
    f = by_check(doctor.check(paths.root, platform="win32"))["interpreter"]
    assert f.severity == "error" and "findes ikke" in f.message("da")


def test_no_interpreter_configured(tmp_path):
    paths = make(tmp_path, conf=[("ADD_WORKBOOK_TO_PYTHONPATH", "false")])
    f = by_check(doctor.check(paths.root, platform="win32"))["interpreter"]
    assert f.severity == "warning" and "Windows" in f.message("da")


def test_mark_of_the_web(tmp_path):
    paths = make(tmp_path)
    assert by_check(doctor.check(paths.root, platform="win32", probe=False))["motw"].severity == "ok"
    # On Windows "file:Zone.Identifier" opens the alternate data stream; on Linux the same
    # name is an ordinary file, which lets the check run here unchanged.
    Path(str(paths.master) + ":Zone.Identifier").write_text("[ZoneTransfer]\r\nZoneId=3\r\n")
    f = by_check(doctor.check(paths.root, platform="win32", probe=False))["motw"]
    assert f.severity == "error" and "Fjern blokering" in f.message("da") and "Unblock" in f.message("en")
    Path(str(paths.master) + ":Zone.Identifier").write_text("[ZoneTransfer]\r\nZoneId=1\r\n")
    assert by_check(doctor.check(paths.root, platform="win32", probe=False))["motw"].severity == "ok"


def test_xlwings_version_mismatch(tmp_path):
    current = installed_xlwings_version()
    modules = [VbaModule(m.name, m.kind, m.source.replace(current, "0.28.0")) if m.name == "xlwings" else m
               for m in master.default_vba_modules()]
    paths = make(tmp_path, modules=modules)
    found = by_check(doctor.check(paths.root, platform="linux"))
    f = found["xlwings_version"]
    assert f.severity == "error" and "refresh-vba" in f.message("da") and "0.28.0" in f.message("da")
    assert "verify:S125" not in found  # reported once, with advice
    masterfile.refresh_vba(paths.root)
    assert by_check(doctor.check(paths.root, platform="linux"))["xlwings_version"].severity == "ok"


def test_broken_master_and_missing_returns(tmp_path):
    paths = make(tmp_path, modules=[m for m in master.default_vba_modules() if m.name != "KikButtons"])
    paths.returns.rmdir()
    findings = doctor.check(paths.root, platform="linux")
    codes = [f.check for f in findings if f.severity == "error"]
    assert codes.count("verify:S120") == len(master.BUTTONS)
    assert by_check(findings)["returns"].severity == "warning"
    assert all(f.describe("da").startswith(("[OK]", "[FEJL]", "[ADVARSEL]")) for f in findings)


def test_returns_folder_counts_its_files_in_the_right_number(tmp_path):
    paths = make(tmp_path)
    (paths.returns / "Ida.xlsx").write_bytes(b"x")
    (paths.returns / "~$Ida.xlsx").write_bytes(b"x")  # Excel's lock file is not a return
    (f,) = doctor.check_returns(paths)
    assert f.message("da") == "Returmappen ('retur') findes; der ligger 1 fil i den."
    assert f.message("en") == "The returns folder ('retur') exists; it holds 1 file."
    (paths.returns / "Bo.xlsx").write_bytes(b"x")
    (f,) = doctor.check_returns(paths)
    assert f.message("da").endswith("2 filer i den.") and f.message("en").endswith("2 files.")


def test_no_round(tmp_path):
    (f,) = doctor.check(tmp_path)
    assert f.severity == "error" and "xl-kik init" in f.message("da")
    assert f.as_dict("en")["severity"] == "error"
