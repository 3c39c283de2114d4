"""The Windows offline bundle (scripts/windows_bundle.py) and its installer.cmd.

Builds the bundle for one Python version (3.12) to keep the test short; the script's
default builds 3.11, 3.12 and 3.13 the same way. Needs the package index (pip download
for win_amd64); pip's cache makes a second run fast.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLER = ROOT / "scripts" / "installer.cmd"


def _script(name):
    spec = importlib.util.spec_from_file_location(f"xl_kik_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dry_run(wheels: Path, target: Path, args: list[str], version: str = "3.12") -> dict:
    report = target.with_suffix(".json")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--isolated", "install", "--dry-run", "--ignore-installed", *args,
         "--only-binary=:all:", "--platform", "win_amd64", "--python-version", version, "--implementation", "cp",
         "--target", str(target), "--report", str(report)],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(report.read_text("utf-8"))


@pytest.mark.slow
def test_bundle_resolves_completely_for_windows_and_installer_commands_work(tmp_path):
    release, bundle = _script("release"), _script("windows_bundle")
    wheel, _sdist = release.build(tmp_path / "dist")
    zip_path = bundle.build_bundle(wheel, tmp_path / "out", ("3.12",))
    assert zip_path.name == f"xl_kik-{wheel.name.split('-')[1]}-windows-x64.zip"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(tmp_path / "unpacked")
        names = zf.namelist()
    top = tmp_path / "unpacked" / zip_path.stem
    assert {n.split("/")[0] for n in names} == {zip_path.stem}
    wheels = sorted(p.name for p in (top / "wheels").glob("*.whl"))
    # only wheels for Windows x64 / any platform, never this Linux machine's
    assert all(w.endswith(("-win_amd64.whl", "-none-any.whl")) for w in wheels), wheels
    for expected in (wheel.name, "xlwings-0.37.8-cp312-cp312-win_amd64.whl"):
        assert expected in wheels, wheels
    for binary in ("numpy-", "pandas-", "python_calamine-", "pywin32-"):  # pywin32: xlwings' Windows-only dependency
        assert any(w.startswith(binary) and w.endswith("-cp312-cp312-win_amd64.whl") for w in wheels), (binary, wheels)
    assert (top / "LICENSE").read_text().startswith("MIT License")
    raw = (top / "installer.cmd").read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only: cmd.exe needs it
    installer = raw.decode("utf-8")

    # the installer's own pip command, with its %WHEELS% folder, resolves xl_kik completely
    line = next(l for l in installer.splitlines() if '"%VENV%\\Scripts\\python.exe" -m pip install' in l)
    args = line.split("-m pip install", 1)[1].split()
    assert args[:3] == ["--no-index", "--find-links", '"%WHEELS%"'] and args[-1] == "xl_kik"
    args = [str(top / "wheels") if a == '"%WHEELS%"' else a for a in args]
    report = _dry_run(top / "wheels", tmp_path / "target", args)
    installed = {item["metadata"]["name"].lower().replace("_", "-") for item in report["install"]}
    assert {"xl-kik", "xlwings", "openpyxl", "xlsxwriter", "python-calamine", "pandas", "numpy",
            "defusedxml", "et-xmlfile"} <= installed, installed
    # ... and the same for the --user variant
    user_line = next(l for l in installer.splitlines() if "-m pip install --user" in l)
    user_args = user_line.split("-m pip install", 1)[1].split()
    assert user_args[:4] == ["--user", "--no-index", "--find-links", '"%WHEELS%"']
    # the Windows-only dependency is checked too: without pywin32 the bundle is refused
    for w in (top / "wheels").glob("pywin32-*.whl"):
        w.unlink()
    with pytest.raises(bundle.BundleError, match="pywin32"):
        bundle.check_resolves(top / "wheels", ("3.12",))


def test_installer_commands_per_user_without_admin_and_in_danish():
    text = INSTALLER.read_text("utf-8")
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().lower().startswith("rem")]
    code = "\n".join(lines)
    # finds Python via the py launcher (newest supported first), then the per-user folders
    assert "for %%V in (3.13 3.12 3.11) do" in code and 'py -%%V -c "import sys"' in code
    assert r"%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe" in code
    # per user: a venv under %LOCALAPPDATA%\xl_kik (or --user), never an admin-only place
    assert r'set "VENV=%TARGET%\venv"' in code and r'set "TARGET=%LOCALAPPDATA%\xl_kik"' in code
    assert '%PY% -m venv "%VENV%"' in code
    for forbidden in ("runas", "setx", "Program Files", "--system", "HKLM", "Machine')"):
        assert forbidden not in code, forbidden
    assert "'User'" in code  # PATH only for this user
    # installs offline from the bundle and checks the result
    assert code.count('--no-index --find-links "%WHEELS%"') == 2
    assert 'import xl_kik, xlwings' in code and "-m xl_kik --version" in code
    assert code.count("goto :failed") >= 4 and ":failed" in lines
    # says in Danish what it did and what to do next; exit codes for scripts
    for danish in ("Python 3.11, 3.12 eller 3.13 blev ikke fundet", "Intet er installeret.",
                   "https://www.python.org/downloads/windows/", "Install Now", "xl_kik er installeret i",
                   "Næste skridt:", "xl-kik init", "Aktivér indhold", "den finder selv denne Python",
                   "Installationen mislykkedes"):
        assert danish in code, danish
    assert re.search(r"^exit /b 0$", code, re.M) and code.count("exit /b 1") == 2
    assert "chcp 65001" in code  # the Danish letters show in cmd.exe
