"""Build the Windows offline bundle: one zip a coordinator copies to a municipal PC.

    python scripts/windows_bundle.py                      # dist/xl_kik-<v>-windows-x64.zip
    python scripts/windows_bundle.py --python 3.12        # only one Python version
    python scripts/windows_bundle.py --wheel dist/xl_kik-0.1.0-py3-none-any.whl --out DIR

The zip holds one folder ``xl_kik-<v>-windows-x64/`` with

* ``wheels/``: the xl_kik wheel and the wheels of every dependency for Windows x64 and each
  supported Python (3.11, 3.12, 3.13), fetched with ``pip download --platform win_amd64
  --python-version X --only-binary=:all:`` (pip can download for another platform);
* ``installer.cmd`` (from ``scripts/installer.cmd``, CRLF): finds Python through the py
  launcher or the standard per-user folders, makes a venv under ``%LOCALAPPDATA%\\xl_kik``
  (or ``--user``), installs from ``wheels/`` without the internet, checks the result and
  says in Danish what it did and what to do next. No administrator rights;
* ``vejledning-tovholder.md`` (the coordinator's guide) and ``LICENSE``.

Before zipping, :func:`check_resolves` proves that ``pip install --no-index --find-links
wheels`` resolves xl_kik completely for every bundled Python on ``win_amd64``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13")
PLATFORM = "win_amd64"
INSTALLER = ROOT / "scripts" / "installer.cmd"
GUIDE = ROOT / "docs" / "vejledning-tovholder.md"


class BundleError(RuntimeError):
    pass


def _pip(args: list[str], python: str = sys.executable) -> str:
    # --isolated: no user/site pip configuration (extra indexes, find-links, constraints)
    # decides what lands in the bundle; only the public index and the given paths.
    proc = subprocess.run([python, "-m", "pip", "--isolated", "--disable-pip-version-check", *args],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BundleError(f"pip {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def _download(requirement: str, wheels_dir: Path, version: str) -> None:
    _pip(["download", "--only-binary=:all:", "--platform", PLATFORM, "--python-version", version,
          "--implementation", "cp", "--dest", str(wheels_dir), requirement])


def download(wheel: Path, wheels_dir: Path, pythons: tuple[str, ...] = PYTHONS) -> None:
    """The xl_kik wheel plus every dependency's wheel for each Python on Windows x64.

    ``pip download --platform`` evaluates environment markers for *this* machine, so a
    dependency only Windows needs (``pywin32; platform_system == 'Windows'`` of xlwings)
    is not fetched: :func:`missing_for_windows` finds those and they are fetched by name
    until nothing is missing."""
    wheels_dir.mkdir(parents=True, exist_ok=True)
    for version in pythons:
        _download(str(wheel), wheels_dir, version)
        for _round in range(10):
            missing = missing_for_windows(wheels_dir, version)
            if not missing:
                break
            for req in missing:
                _download(str(req), wheels_dir, version)
        else:
            raise BundleError(f"Python {version}: still missing {missing_for_windows(wheels_dir, version)}")


def _windows_environment(version: str) -> dict[str, str]:
    return {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64",
            "platform_release": "10", "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "python_version": version, "python_full_version": f"{version}.0", "implementation_version": f"{version}.0",
            "extra": ""}


def missing_for_windows(wheels_dir: Path, version: str, root: str = "xl_kik") -> list:
    """Requirements (``packaging.requirements.Requirement``, markers evaluated for Windows x64
    and ``version``) that no wheel in ``wheels_dir`` satisfies, walking from ``root``."""
    from packaging.requirements import Requirement  # lazy: only this script needs packaging
    from packaging.tags import compatible_tags, cpython_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename

    py = tuple(int(x) for x in version.split("."))
    supported = set(cpython_tags(py, platforms=[PLATFORM])) | set(compatible_tags(py, platforms=[PLATFORM]))
    wheels = []
    for w in wheels_dir.glob("*.whl"):
        name, ver, _build, tags = parse_wheel_filename(w.name)
        if tags & supported:
            wheels.append((name, ver, w))
    env = _windows_environment(version)
    missing, seen = [], set()
    todo = [Requirement(root)]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        key = (canonicalize_name(req.name), str(req.specifier))
        if key in seen:
            continue
        seen.add(key)
        found = sorted((v, w) for n, v, w in wheels if n == canonicalize_name(req.name) and req.specifier.contains(v, prereleases=True))
        if not found:
            missing.append(Requirement(f"{req.name}{req.specifier}"))
            continue
        with zipfile.ZipFile(found[-1][1]) as zf:
            meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            text = zf.read(meta).decode("utf-8")
        for line in text.splitlines():
            if line.startswith("Requires-Dist:"):
                todo.append(Requirement(line.split(":", 1)[1].strip()))
    return missing


def check_resolves(wheels_dir: Path, pythons: tuple[str, ...] = PYTHONS, requirement: str = "xl_kik") -> str:
    """``pip install --dry-run --no-index --find-links wheels`` for each Python on win_amd64,
    and the Windows-only dependencies pip does not see from here (:func:`missing_for_windows`);
    raises BundleError when anything is missing. Returns pip's report."""
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        for version in pythons:
            missing = missing_for_windows(wheels_dir, version, requirement)
            if missing:
                raise BundleError(f"Python {version} on Windows: no wheel for {', '.join(map(str, missing))}")
            reports.append(_pip([
                "install", "--dry-run", "--ignore-installed", "--no-index", "--find-links", str(wheels_dir),
                "--only-binary=:all:", "--platform", PLATFORM, "--python-version", version,
                "--implementation", "cp", "--target", str(Path(tmp) / version), requirement]))
    return "\n".join(reports)


def installer_text() -> str:
    """installer.cmd with CRLF line ends (cmd.exe mis-parses labels in LF files)."""
    text = INSTALLER.read_text(encoding="utf-8").replace("\r\n", "\n")
    return text.replace("\n", "\r\n")


def build_bundle(wheel: Path, out: Path, pythons: tuple[str, ...] = PYTHONS) -> Path:
    version = wheel.name.split("-")[1]
    name = f"xl_kik-{version}-windows-x64"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        wheels = Path(tmp) / "wheels"
        download(wheel, wheels, pythons)
        check_resolves(wheels, pythons)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for w in sorted(wheels.glob("*.whl")):
                zf.write(w, f"{name}/wheels/{w.name}")
            zf.writestr(f"{name}/installer.cmd", installer_text().encode("utf-8"))
            if GUIDE.exists():
                zf.write(GUIDE, f"{name}/vejledning-tovholder.md")
            zf.write(ROOT / "LICENSE", f"{name}/LICENSE")
            zf.writestr(f"{name}/LAES-MIG.txt", README_TXT.format(version=version, pythons=", ".join(pythons))
                        .replace("\n", "\r\n").encode("utf-8"))
    return target


README_TXT = """xl_kik {version} til Windows (64-bit), uden internet

1. Har computeren ikke Python {pythons}: hent Python fra https://www.python.org/downloads/windows/
   og vælg "Install Now" (kun til dig; ingen administratorrettigheder).
2. Pak hele denne zip-fil ud (højreklik > Udpak alle), og dobbeltklik på installer.cmd.
   xl_kik lægges i %LOCALAPPDATA%\\xl_kik; intet hentes fra internettet.
3. Læs vejledning-tovholder.md: opret en runde, stol på filen, klik på knapperne.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", default=None, help="the xl_kik wheel (default: build it with scripts/release.py)")
    ap.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    ap.add_argument("--python", action="append", choices=PYTHONS, default=None,
                    help="only these Python versions (repeatable; default: all supported)")
    args = ap.parse_args(argv)
    pythons = tuple(args.python) if args.python else PYTHONS
    try:
        if args.wheel:
            wheel = Path(args.wheel).resolve()
        else:
            sys.path.insert(0, str(ROOT / "scripts"))
            import release

            wheel, _sdist = release.build(Path(args.out).resolve())
        target = build_bundle(wheel, Path(args.out).resolve(), pythons)
    except BundleError as exc:
        print(exc)
        return 1
    print(f"wrote {target} ({os.path.getsize(target) // 1024} KiB) for Python {', '.join(pythons)} on {PLATFORM}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
