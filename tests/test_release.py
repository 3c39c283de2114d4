"""The release files: wheel and sdist built by scripts/release.py, checked, installable.

One slow test on purpose (it builds both and installs the wheel in a fresh venv; pip takes
the dependencies from its cache or the configured index).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _release_module():
    spec = importlib.util.spec_from_file_location("xl_kik_release", ROOT / "scripts" / "release.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_release_builds_checked_wheel_and_sdist_that_install_and_run(tmp_path):
    release = _release_module()
    wheel, sdist = release.build(tmp_path / "dist")
    assert wheel.name.startswith("xl_kik-") and wheel.name.endswith("-py3-none-any.whl")

    # the script's own checks (twine check --strict, license, classifiers, sdist contents)
    assert release.check(wheel, sdist) == []

    # and independently of the script: the LICENSE text and the SPDX metadata in both files
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        lic = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert lic, names
        assert zf.read(lic[0]).decode().startswith("MIT License")
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = zf.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
        assert "xl_kik/__main__.py" in names
        assert "xl_kik/macros/KikButtons.bas" in names
        # the data packages (scales and the built-in catalogues the demo and `init` read)
        for data in ("xl_kik/data/scales.json", "xl_kik/data/catalogues/kik.json",
                     "xl_kik/data/catalogues/caf2020.json",
                     "xl_kik/workbook_templates/kik_master_template_da.xlsm"):
            assert data in names, data
    assert "License-Expression: MIT" in meta
    assert "Classifier: Operating System :: Microsoft :: Windows" in meta
    assert "Classifier: Programming Language :: Python :: 3.13" in meta
    assert "xl-kik = xl_kik.cli:main" in entry_points
    with tarfile.open(sdist) as tf:
        top = tf.getnames()[0].split("/")[0]
        members = {m[len(top) + 1:] for m in tf.getnames()}
        assert tf.extractfile(f"{top}/LICENSE").read().decode().startswith("MIT License")
        pkg_info = tf.extractfile(f"{top}/PKG-INFO").read().decode()
    assert "License-Expression: MIT" in pkg_info
    for needed in ("tests/conftest.py", "tests/scoring_fixtures.py", "tests/golden/scoring_da",
                   "scripts/build_templates.py", "workbook_templates/kik_master_template_da.xlsm"):
        assert any(m == needed or m.startswith(needed + "/") for m in members), needed
    assert not any(m.startswith((".venv/", "benchmarks/out/")) or "__pycache__" in m for m in members)

    # installed in a fresh venv, both doors start (without the venv on PATH)
    py = release.fresh_venv(tmp_path / "venv", wheel)
    script = py.parent / ("xl-kik.exe" if sys.platform.startswith("win") else "xl-kik")
    for cmd in ([str(py), "-m", "xl_kik", "--help"], [str(script), "--help"], [str(py), "-m", "xl_kik", "init", "--help"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, (cmd, proc.stdout, proc.stderr)
        assert "brug: xl-kik" in proc.stdout, proc.stdout
    proc = subprocess.run([str(py), "-c", "import xl_kik, sys; print(xl_kik.__file__)"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert str(tmp_path / "venv") in proc.stdout  # the installed copy, not this work tree
