"""Run LibreOffice (``soffice``) as a converter, e.g. to export workbooks to PDF.

``convert()`` runs ``soffice --headless --convert-to`` the robust way:

* a **private temporary profile** per call (``-env:UserInstallation=file:///...``): a
  running LibreOffice of the user (or a second conversion in parallel) would otherwise
  swallow the command and soffice exits 0 without writing anything;
* the profile recalculates formulas on load (``OOXMLRecalcMode = 0``): XlsxWriter stores
  0 as every formula's cached result, so a PDF of an unrecalculated workbook shows zeros;
* at most 100 files per soffice call (one call silently stops after about 247 files);
* its own process group, killed on timeout, so no soffice is left behind;
* every expected output file is checked; a missing one raises :class:`OfficeError`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

BATCH_SIZE = 100
DEFAULT_TIMEOUT = 300.0  # seconds per soffice call (one batch)

_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""

_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)


class OfficeNotFound(Exception):
    """LibreOffice (soffice) is not installed or not found."""


class OfficeError(Exception):
    """soffice failed, timed out or did not write an expected file."""


def find_soffice() -> str | None:
    """Path of the soffice executable, or None.

    ``XL_KIK_SOFFICE`` wins; then ``soffice``/``libreoffice`` on PATH; then the usual
    install locations on Linux, macOS and Windows.
    """
    env = os.environ.get("XL_KIK_SOFFICE")
    if env:
        return env if os.path.isfile(env) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for cand in _CANDIDATES:
        if os.path.isfile(cand):
            return cand
    return None


def _target_ext(fmt: str) -> str:
    # "pdf", "pdf:calc_pdf_Export", 'pdf:calc_pdf_Export:{"SinglePageSheets":...}'
    ext = fmt.split(":", 1)[0].strip().lstrip(".")
    if not ext:
        raise ValueError(f"invalid target format {fmt!r}")
    return ext


def _batches(items: Sequence[Path], size: int) -> Iterable[Sequence[Path]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the process group this module started for ``proc`` (never anything else)."""
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    else:  # pragma: no cover - Windows
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def convert(paths: Iterable[str | os.PathLike], fmt: str, outdir: str | os.PathLike,
            timeout: float = DEFAULT_TIMEOUT, *, soffice: str | None = None,
            batch_size: int = BATCH_SIZE) -> list[Path]:
    """Convert documents with ``soffice --headless --convert-to fmt``.

    Returns the output paths, in the order of ``paths`` (``outdir/<stem>.<ext>``).
    ``timeout`` applies to each soffice call (at most ``batch_size`` files).
    Raises :class:`OfficeNotFound` without soffice, :class:`OfficeError` when soffice
    fails, times out or an output file is missing or empty, ``FileNotFoundError`` for a
    missing input and ``ValueError`` when two inputs would write the same output file.
    """
    exe = soffice or find_soffice()
    if not exe:
        raise OfficeNotFound("LibreOffice (soffice) was not found; install LibreOffice or "
                             "set XL_KIK_SOFFICE to the soffice executable")
    sources = [Path(p).resolve() for p in paths]
    for src in sources:
        if not src.is_file():
            raise FileNotFoundError(src)
    ext = _target_ext(fmt)
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / f"{src.stem}.{ext}" for src in sources]
    seen: dict[Path, Path] = {}
    for src, tgt in zip(sources, targets):
        if tgt in seen:
            raise ValueError(f"{seen[tgt]} and {src} would both be written to {tgt}")
        if tgt == src:
            raise ValueError(f"{src} would be overwritten by its own conversion")
        seen[tgt] = src
    if not sources:
        return []
    batch_size = max(1, min(int(batch_size), BATCH_SIZE))

    with tempfile.TemporaryDirectory(prefix="xl_kik_soffice_") as tmp:
        profile = Path(tmp) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_XCU,
                                                                     encoding="utf-8")
        env = dict(os.environ)
        env["SAL_USE_VCLPLUGIN"] = "svp"
        env["SAL_ENABLE_FILE_LOCKING"] = "0"
        for batch in _batches(sources, batch_size):
            # Remove stale outputs first: an old file must not pass for a new one.
            for src in batch:
                (out / f"{src.stem}.{ext}").unlink(missing_ok=True)
            cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   "--convert-to", fmt, "--outdir", str(out), *map(str, batch)]
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=env, cwd=tmp,
                                        start_new_session=(os.name == "posix"))
            except OSError as exc:
                raise OfficeNotFound(f"cannot run {exe}: {exc}") from exc
            try:
                output, _ = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise OfficeError(f"soffice timed out after {timeout:.0f} s converting "
                                  f"{len(batch)} file(s) to {fmt}") from None
            finally:
                # oosplash may leave soffice.bin running in the group: end it.
                if proc.poll() is None:
                    _kill_group(proc)
                elif os.name == "posix":
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
            text = output.decode("utf-8", "replace").strip()
            missing = [src for src in batch
                       if not (out / f"{src.stem}.{ext}").is_file()
                       or (out / f"{src.stem}.{ext}").stat().st_size == 0]
            if proc.returncode != 0 or missing:
                names = ", ".join(p.name for p in missing[:5])
                more = f" (+{len(missing) - 5} more)" if len(missing) > 5 else ""
                raise OfficeError(f"soffice exit code {proc.returncode}; "
                                  f"not converted: {names or '-'}{more}\n{text[-2000:]}")
    return targets
