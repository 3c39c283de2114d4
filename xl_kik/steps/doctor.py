"""``xl-kik doctor DIR``: why does a button not work? Checks a round's master and Python.

:func:`check` returns :class:`DoctorFinding` s (severity ``ok``, ``warning`` or ``error``),
each with a Danish and an English text that tells a coordinator what to do:

* the master exists and passes :func:`xl_kik.excel.master.verify_master` (buttons bound to
  existing macros, macro-enabled content type, codeNames, xlwings version of the VBA); a
  master saved by LibreOffice has no codeNames at all: one warning says how to restore them
  (``xl-kik refresh-vba``; merge and plan restore them too);
* the Python interpreter named on the ``xlwings.conf`` sheet exists and can import
  ``xl_kik`` and the same xlwings version as the VBA;
* on Windows: the master is not blocked by the Mark of the Web (``Zone.Identifier``);
* the returns folder exists.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_kik.core.i18n import Msg
from xl_kik.core.round import MASTER_NAME, RoundPaths

OK, WARNING, ERROR = "ok", "warning", "error"
_MARK = {"da": {OK: "OK", WARNING: "ADVARSEL", ERROR: "FEJL"}, "en": {OK: "OK", WARNING: "WARNING", ERROR: "ERROR"}}
IMPORT_TIMEOUT = 90.0

T = {
    "no_master": Msg("Mappen {dir} har ingen {master}. Opret runden med 'xl-kik init'.",
                     "The folder {dir} has no {master}. Create the round with 'xl-kik init'."),
    "verify_ok": Msg("Master-projektmappen er i orden: knapperne peger på makroer, der findes.",
                     "The master workbook is fine: the buttons point to macros that exist."),
    "xlwings_ok": Msg("VBA-koden og Python bruger begge xlwings {version}.",
                      "The VBA code and Python both use xlwings {version}."),
    "xlwings_mismatch": Msg(
        "VBA-koden i master-projektmappen er til xlwings {vba}, men {where} har xlwings {installed}. "
        "Kør 'xl-kik refresh-vba {dir}' (med Excel lukket).",
        "The VBA code in the master workbook is for xlwings {vba}, but {where} has xlwings {installed}. "
        "Run 'xl-kik refresh-vba {dir}' (with Excel closed)."),
    "no_interpreter": Msg(
        "Arket xlwings.conf angiver ingen Python for {platform}; Excel bruger så 'python' fra PATH. "
        "Opret runden med 'xl-kik init' på denne computer, så den rigtige Python skrives ind.",
        "The xlwings.conf sheet names no Python for {platform}; Excel then uses 'python' from PATH. "
        "Create the round with 'xl-kik init' on this computer so the right Python is written in."),
    "interpreter_missing": Msg(
        "Python-programmet {path} (arket xlwings.conf, {key}) findes ikke på denne computer. Knapperne kan ikke "
        "starte Python. Ret stien i kolonne B, eller opret runden igen med 'xl-kik init'.",
        "The Python program {path} (sheet xlwings.conf, {key}) does not exist on this computer. The buttons "
        "cannot start Python. Fix the path in column B or create the round again with 'xl-kik init'."),
    "interpreter_ok": Msg("Python {path} kan importere xl_kik {version} og xlwings {xlwings}.",
                          "Python {path} can import xl_kik {version} and xlwings {xlwings}."),
    "import_failed": Msg(
        "Python {path} kan ikke importere xl_kik: {reason}. Installer xl_kik i netop denne Python "
        "(fx '{path} -m pip install xl_kik').",
        "Python {path} cannot import xl_kik: {reason}. Install xl_kik into exactly this Python "
        "(e.g. '{path} -m pip install xl_kik')."),
    "not_linux": Msg("Excel-knapperne bruges ikke på {platform}; tjek af Python i xlwings.conf er sprunget over.",
                     "The Excel buttons are not used on {platform}; the check of Python in xlwings.conf was skipped."),
    "motw_blocked": Msg(
        "Windows har mærket master-projektmappen som hentet fra internettet (Zone {zone}), så Excel blokerer "
        "makroerne. Højreklik på {file} > Egenskaber > sæt flueben i 'Fjern blokering' > OK, og åbn filen igen.",
        "Windows marked the master workbook as downloaded from the internet (zone {zone}), so Excel blocks its "
        "macros. Right-click {file} > Properties > tick 'Unblock' > OK, and open the file again."),
    "motw_ok": Msg("Master-projektmappen er ikke blokeret af Windows (ingen internetmærkning).",
                   "The master workbook is not blocked by Windows (no Mark of the Web)."),
    "motw_na": Msg("Internetmærkning (Mark of the Web) er kun relevant på Windows; ikke tjekket på {platform}.",
                   "The Mark of the Web only matters on Windows; not checked on {platform}."),
    "codenames_lost": Msg(
        "Ingen ark i {file} har et kodenavn (codeName). Det sker, når filen er gemt i LibreOffice: knapperne og "
        "makroerne er der stadig, men VBA-projektets arkmoduler hører ikke længere til noget ark. Kør 'xl-kik "
        "refresh-vba {dir}' med filen lukket; så får arkene deres kodenavne igen, og VBA-projektet bygges på ny.",
        "No sheet in {file} has a codeName. That happens when the file was saved in LibreOffice: the buttons and "
        "macros are still there, but the VBA project's sheet modules no longer belong to any sheet. Run 'xl-kik "
        "refresh-vba {dir}' with the file closed; that gives the sheets their codeNames back and rebuilds the VBA "
        "project."),
    "vba_fix": Msg(" Kør 'xl-kik refresh-vba {dir}' med filen lukket.",
                   " Run 'xl-kik refresh-vba {dir}' with the file closed."),
    "returns_missing": Msg("Mappen til returnerede filer ({dir}) findes ikke. Klik 'Åbn returmappen', så oprettes den.",
                           "The returned files folder ({dir}) does not exist. Click 'Open the returns folder' to create it."),
    "returns_ok": Msg("Mappen til returnerede filer findes ({n} filer).", "The returned files folder exists ({n} files)."),
}


@dataclass(frozen=True)
class DoctorFinding:
    check: str  # stable key, e.g. "xlwings_version"
    severity: str  # ok / warning / error
    text: Msg
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "da") -> str:
        return self.text(lang, **self.params) if self.params else self.text(lang)

    def describe(self, lang: str = "da") -> str:
        marks = _MARK.get(lang, _MARK["da"])
        return f"[{marks[self.severity]}] {self.message(lang)}"

    def as_dict(self, lang: str = "da") -> dict[str, str]:
        return {"check": self.check, "severity": self.severity, "message": self.message(lang)}


def _platform_name(platform: str) -> str:
    return "Windows" if platform.startswith("win") else "macOS" if platform == "darwin" else platform


def conf_values(master: Path) -> dict[str, str]:
    """Upper-cased key -> value of the master's ``xlwings.conf`` sheet (as xlwings' VBA reads it)."""
    from python_calamine import CalamineWorkbook

    from xl_kik.excel.master import CODE_NAMES, workbook_sheets

    with zipfile.ZipFile(master) as zf:
        infos, _ = workbook_sheets(zf)
    name = next((i.name for i in infos if i.codename == CODE_NAMES["conf"]), "xlwings.conf")
    wb = CalamineWorkbook.from_path(str(master))
    if name not in wb.sheet_names:
        return {}
    out: dict[str, str] = {}
    for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
        if not row or row[0] in (None, ""):
            break  # xlwings stops at the first empty cell in column A
        out.setdefault(str(row[0]).strip().upper(), "" if len(row) < 2 or row[1] is None else str(row[1]))
    return out


def probe_interpreter(interpreter: str, timeout: float = IMPORT_TIMEOUT) -> tuple[bool, str, str, str]:
    """Run ``interpreter -c 'import xl_kik, xlwings'``: (ok, xl_kik version, xlwings version, error)."""
    code = "import xl_kik, xlwings; print(xl_kik.__version__); print(xlwings.__version__)"
    try:
        proc = subprocess.run([interpreter, "-c", code], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, "", "", f"{type(exc).__name__}: {exc}"
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or "").strip().splitlines() if ln.strip()]
        return False, "", "", lines[-1] if lines else f"exit code {proc.returncode}"
    out = proc.stdout.strip().splitlines()
    return True, out[0] if out else "?", out[1] if len(out) > 1 else "?", ""


def zone_identifier(path: Path) -> str | None:
    """The ZoneId of the Windows ``Zone.Identifier`` alternate data stream, "" when the stream
    has no ZoneId, None when there is no stream."""
    stream = str(path) + ":Zone.Identifier"
    if not os.path.exists(stream):
        return None
    try:
        with open(stream, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.strip().lower().startswith("zoneid="):
                    return line.split("=", 1)[1].strip()
    except OSError:
        return ""
    return ""


def _all_codenames_lost(master: Path) -> bool:
    """True when neither the workbook nor any sheet has a codeName (a LibreOffice save)."""
    from xl_kik.excel.master import workbook_sheets

    try:
        with zipfile.ZipFile(master) as zf:
            infos, wb_code = workbook_sheets(zf)
    except Exception:
        return False
    return bool(infos) and not wb_code and not any(i.codename for i in infos)


def check(root: str | Path, lang: str = "da", *, platform: str | None = None,
          probe: bool = True) -> list[DoctorFinding]:
    """Diagnose the round in ``root``. ``platform`` (default ``sys.platform``) selects which
    interpreter entry and which Windows-only checks apply; ``probe=False`` skips starting
    the configured Python."""
    from xl_kik.excel.vba import installed_xlwings_version, vba_xlwings_version
    from xl_kik.excel.master import REL_VBA, _rels, verify_master

    plat = platform or sys.platform
    paths = RoundPaths(Path(root))
    findings: list[DoctorFinding] = []
    if not paths.master.exists():
        return [DoctorFinding("master", ERROR, T["no_master"], {"dir": paths.root, "master": MASTER_NAME})]

    # 1. the package
    problems = verify_master(paths.master)
    # LibreOffice saves a master without any codeName: one finding with the cure, instead of
    # an S124/S127 line per sheet and module (merge and plan restore the codeNames).
    skip = {"S125"}  # reported below with advice
    if _all_codenames_lost(paths.master):
        skip |= {"S124", "S127"}
        findings.append(DoctorFinding("codenames", WARNING, T["codenames_lost"],
                                      {"file": paths.master.name, "dir": paths.root}))
    fix = {lang_: T["vba_fix"](lang_, dir=paths.root) for lang_ in ("da", "en")}
    for p in problems:
        if p.code in skip:
            continue
        # codeName/document-module mismatches (e.g. a module LibreOffice turned into a document
        # module): refresh-vba rebuilds the project from the sheets' codeNames
        extra = fix if p.code in ("S123", "S124") else {"da": "", "en": ""}
        findings.append(DoctorFinding(f"verify:{p.code}", ERROR if p.is_error else WARNING,
                                      Msg(p.describe("da") + extra["da"], p.describe("en") + extra["en"])))
    if not [p for p in problems if p.code not in skip] and "S124" not in skip:
        findings.append(DoctorFinding("verify", OK, T["verify_ok"]))

    # 2. xlwings version: VBA vs this Python
    installed = installed_xlwings_version()
    vba_version = None
    try:
        with zipfile.ZipFile(paths.master) as zf:
            part = next((t for typ, t, _m in _rels(zf, "xl/workbook.xml").values() if typ == REL_VBA), None)
            if part:
                vba_version = vba_xlwings_version(zf.read(part))
    except Exception:
        vba_version = None
    if vba_version == installed:
        findings.append(DoctorFinding("xlwings_version", OK, T["xlwings_ok"], {"version": installed}))
    else:
        findings.append(DoctorFinding("xlwings_version", ERROR, T["xlwings_mismatch"], {
            "vba": vba_version or "?", "installed": installed, "dir": paths.root,
            "where": Msg("denne Python", "this Python")(lang)}))

    # 3. the interpreter Excel will start
    if plat.startswith("win") or plat == "darwin":
        key = "INTERPRETER_WIN" if plat.startswith("win") else "INTERPRETER_MAC"
        try:
            conf = conf_values(paths.master)
        except Exception:
            conf = {}
        interpreter = conf.get(key) or conf.get("INTERPRETER") or ""
        if not interpreter:
            findings.append(DoctorFinding("interpreter", WARNING, T["no_interpreter"],
                                          {"platform": _platform_name(plat)}))
        elif not Path(interpreter).exists():
            findings.append(DoctorFinding("interpreter", ERROR, T["interpreter_missing"],
                                          {"path": interpreter, "key": key.title()}))
        elif probe:
            ok, version, xlw, reason = probe_interpreter(interpreter)
            if not ok:
                findings.append(DoctorFinding("interpreter", ERROR, T["import_failed"],
                                              {"path": interpreter, "reason": reason}))
            else:
                findings.append(DoctorFinding("interpreter", OK, T["interpreter_ok"],
                                              {"path": interpreter, "version": version, "xlwings": xlw}))
                if vba_version and xlw != vba_version:
                    findings.append(DoctorFinding("interpreter_xlwings", ERROR, T["xlwings_mismatch"], {
                        "vba": vba_version, "installed": xlw, "dir": paths.root, "where": interpreter}))
    else:
        findings.append(DoctorFinding("interpreter", OK, T["not_linux"], {"platform": _platform_name(plat)}))

    # 4. Mark of the Web
    if plat.startswith("win"):
        zone = zone_identifier(paths.master)
        if zone is not None and zone not in ("0", "1", "2"):
            findings.append(DoctorFinding("motw", ERROR, T["motw_blocked"],
                                          {"zone": zone or "?", "file": paths.master.name}))
        else:
            findings.append(DoctorFinding("motw", OK, T["motw_ok"]))
    else:
        findings.append(DoctorFinding("motw", OK, T["motw_na"], {"platform": _platform_name(plat)}))

    # 5. the returns folder
    if paths.returns.is_dir():
        n = sum(1 for p in paths.returns.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
        findings.append(DoctorFinding("returns", OK, T["returns_ok"], {"n": n}))
    else:
        findings.append(DoctorFinding("returns", WARNING, T["returns_missing"], {"dir": paths.returns}))
    return findings
