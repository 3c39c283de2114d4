"""doctor's Mac checks: the run script of `xlwings runpython install` for the installed
xlwings, and the folder of the xl-kik command on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from xl_kik.core import catalogue
from xl_kik.core.round import Participant
from xl_kik.excel import master
from xl_kik.excel.vba import installed_xlwings_version
from xl_kik.steps import doctor

SCRIPTS = Path("Library") / "Application Scripts" / "com.microsoft.Excel"


def test_runpython_script_missing_then_installed_by_xlwings_itself(tmp_path):
    version = installed_xlwings_version()
    (f,) = doctor.check_mac_runpython(home=tmp_path)
    assert f.severity == "error"
    text = f.message("da")
    assert "xlwings runpython install" in text and "efter hver opgradering af xlwings" in text
    assert f"xlwings-{version}.applescript" in text
    # an older xlwings' script does not count: after an upgrade the command must run again
    (tmp_path / SCRIPTS).mkdir(parents=True)
    (tmp_path / SCRIPTS / "xlwings-0.30.0.applescript").write_text("old")
    assert doctor.check_mac_runpython(home=tmp_path)[0].severity == "error"
    # what `xlwings runpython install` runs (the CLI offers it only on a Mac): xlwings' own code
    proc = subprocess.run([sys.executable, "-c", "import xlwings.cli as c; c.runpython_install(None)"],
                          env={**os.environ, "HOME": str(tmp_path)}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (f,) = doctor.check_mac_runpython(home=tmp_path)
    assert f.severity == "ok" and (tmp_path / SCRIPTS / f"xlwings-{version}.applescript").is_file()


def test_scripts_folder_not_on_path_is_found_with_the_line_to_add(tmp_path):
    bin_dir = tmp_path / "Library" / "Python" / "3.12" / "bin"
    bin_dir.mkdir(parents=True)
    cmd = bin_dir / "xl-kik"
    cmd.write_text("#!/bin/sh\n")
    cmd.chmod(0o755)
    (f,) = doctor.check_mac_scripts_on_path([bin_dir], path_env="/usr/bin:/bin")
    assert f.severity == "warning"
    text = f.message("da")
    assert "ikke på PATH" in text and f"export PATH=\"{bin_dir}:$PATH\"" in text and "~/.zprofile" in text
    (f,) = doctor.check_mac_scripts_on_path([bin_dir], path_env=f"/usr/bin:{bin_dir}")
    assert f.severity == "ok" and str(cmd) in f.message("en")
    # nowhere to be found: says so, and what to type instead (not a false OK)
    (f,) = doctor.check_mac_scripts_on_path([tmp_path / "none"], path_env="/usr/bin")
    assert f.severity == "warning" and "python3 -m xl_kik" in f.message("da")


def test_mac_checks_only_on_a_mac(tmp_path):
    paths = master.create_round(tmp_path / "runde", unit="Enhed", participants=[Participant("", "Ida")],
                                catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"))
    on_mac = {f.check for f in doctor.check(paths.root, platform="darwin", probe=False)}
    on_linux = {f.check for f in doctor.check(paths.root, platform="linux", probe=False)}
    assert {"mac_runpython", "mac_path"} <= on_mac
    assert not {"mac_runpython", "mac_path"} & on_linux
