"""Build the release files of xl_kik: a wheel and an sdist, checked.

    python scripts/release.py                    # dist/xl_kik-<v>-py3-none-any.whl and .tar.gz
    python scripts/release.py --out DIR          # somewhere else
    python scripts/release.py --test-sdist       # also run the test suite from the unpacked sdist

What is checked (any failure exits 1 with the reason):

* ``python -m build`` builds the sdist, then the wheel *from the sdist* (so a file missing
  from the sdist breaks the wheel build instead of shipping);
* ``twine check --strict`` accepts both (metadata, README rendering);
* both carry the MIT ``LICENSE`` file and the SPDX ``License-Expression: MIT``;
* the sdist carries what its tests need (``tests/conftest.py``, fixtures, golden files,
  ``scripts/build_templates.py``, ``macros/``, ``workbook_templates/``);
* with ``--test-sdist``: a fresh venv gets the wheel with the test extras, and pytest runs
  in the unpacked sdist (``-m "not libreoffice"`` unless ``--with-libreoffice``).

Needs the packages ``build`` and ``twine`` (in the ``test`` extras).
"""

from __future__ import annotations

import argparse
import email.parser
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Files the unpacked sdist must contain for its own test suite (relative to its top folder).
SDIST_REQUIRED = (
    "LICENSE", "README.md", "pyproject.toml", "MANIFEST.in",
    "tests/conftest.py", "tests/lo_harness.py", "tests/scoring_fixtures.py", "tests/bad_returns.py",
    "tests/golden", "scripts/build_templates.py", "macros/KikButtons.bas",
    "workbook_templates/kik_master_template_da.xlsm", "xl_kik/data/scales.json",
)


class ReleaseError(RuntimeError):
    pass


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ReleaseError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def build(out: Path, python: str = sys.executable) -> tuple[Path, Path]:
    """Build sdist + wheel into ``out``; return (wheel, sdist)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("xl_kik-*.whl")) + list(out.glob("xl_kik-*.tar.gz")):
        old.unlink()
    _run([python, "-m", "build", "--outdir", str(out), str(ROOT)])
    wheels, sdists = sorted(out.glob("xl_kik-*.whl")), sorted(out.glob("xl_kik-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        raise ReleaseError(f"expected one wheel and one sdist in {out}, found {wheels + sdists}")
    return wheels[0], sdists[0]


def _metadata(text: str) -> email.message.Message:
    return email.parser.Parser().parsestr(text)


def wheel_metadata(wheel: Path) -> tuple[email.message.Message, list[str]]:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        return _metadata(zf.read(meta).decode("utf-8")), names


def sdist_metadata(sdist: Path) -> tuple[email.message.Message, list[str]]:
    with tarfile.open(sdist) as tf:
        members = tf.getnames()
        top = members[0].split("/")[0]
        info = tf.extractfile(f"{top}/PKG-INFO")
        assert info is not None
        return _metadata(info.read().decode("utf-8")), [m[len(top) + 1:] for m in members if "/" in m]


def check(wheel: Path, sdist: Path, python: str = sys.executable) -> list[str]:
    """Everything that must hold for a release; returns the problems (empty = fine)."""
    problems: list[str] = []
    proc = subprocess.run([python, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        problems.append(f"twine check: {proc.stdout}{proc.stderr}")
    for label, (meta, names) in (("wheel", wheel_metadata(wheel)), ("sdist", sdist_metadata(sdist))):
        if meta.get("License-Expression") != "MIT":
            problems.append(f"{label}: License-Expression is {meta.get('License-Expression')!r}, not 'MIT'")
        if "LICENSE" not in (meta.get_all("License-File") or []):
            problems.append(f"{label}: no License-File: LICENSE in the metadata")
        if not any(n.endswith("LICENSE") and "MIT License" in _read_member(label, wheel, sdist, n) for n in names):
            problems.append(f"{label}: no MIT LICENSE file inside")
        if not meta.get_all("Classifier"):
            problems.append(f"{label}: no classifiers")
        if not meta.get("Requires-Python"):
            problems.append(f"{label}: no Requires-Python")
    _meta, sdist_names = sdist_metadata(sdist)
    for required in SDIST_REQUIRED:
        if not any(n == required or n.startswith(required + "/") for n in sdist_names):
            problems.append(f"sdist: {required} is missing (its tests need it)")
    return problems


def _read_member(label: str, wheel: Path, sdist: Path, name: str) -> str:
    if label == "wheel":
        with zipfile.ZipFile(wheel) as zf:
            return zf.read(name).decode("utf-8", "replace")
    with tarfile.open(sdist) as tf:
        top = tf.getnames()[0].split("/")[0]
        fh = tf.extractfile(f"{top}/{name}")
        return fh.read().decode("utf-8", "replace") if fh else ""


def fresh_venv(where: Path, wheel: Path, extras: str = "") -> Path:
    """A new venv with the wheel installed (dependencies from the configured index or the
    local pip cache); returns its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    py = where / ("Scripts/python.exe" if sys.platform.startswith("win") else "bin/python")
    _run([str(py), "-m", "pip", "install", "-q", f"{wheel}{extras}"])
    return py


def test_sdist(wheel: Path, sdist: Path, work: Path, pytest_args: list[str]) -> str:
    """Unpack the sdist, install the wheel with its test extras in a fresh venv, run pytest there."""
    with tarfile.open(sdist) as tf:
        tf.extractall(work, filter="data")
    top = work / sdist.name[: -len(".tar.gz")]
    py = fresh_venv(work / "venv", wheel, "[test]")
    return _run([str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args], cwd=top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    ap.add_argument("--test-sdist", action="store_true", help="run the test suite from the unpacked sdist")
    ap.add_argument("--with-libreoffice", action="store_true", help="include the LibreOffice tests in --test-sdist")
    args = ap.parse_args(argv)
    try:
        wheel, sdist = build(Path(args.out).resolve())
        problems = check(wheel, sdist)
        if problems:
            print("\n".join(problems))
            return 1
        print(f"built and checked: {wheel}\n                   {sdist}")
        if args.test_sdist:
            with tempfile.TemporaryDirectory() as tmp:
                extra = [] if args.with_libreoffice else ["-m", "not libreoffice"]
                print(test_sdist(wheel, sdist, Path(tmp), extra)[-2000:])
    except ReleaseError as exc:
        print(exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
