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
* the Start sheet's buttons exist, one per macro, bound as ``[0]!Macro`` to Subs that exist,
  with distinct shape ids (LibreOffice rebinds them on its first save and drops them on its
  second);
* the VBA project's ``PROJECT`` and ``dir`` streams list the same modules, and our modules
  have our kinds and code (LibreOffice drops the class module ``Dictionary`` from PROJECT);
* the returns folder exists.

Each section is its own function (``check_*``); :func:`check` runs them in order.
:func:`fix` (``xl-kik doctor --fix DIR``) repairs what it can without touching data: this
PC's interpreter path in ``xlwings.conf``, the codeNames, the VBA project and the buttons
(through :class:`MasterFile`, whose save runs :mod:`xl_kik.excel.repair`), and says what it
changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from xl_kik.core.i18n import Msg
from xl_kik.core.vocabulary import Count, button
from xl_kik.core.round import MASTER_NAME, RoundPaths
from xl_kik.excel import repair
from xl_kik.excel.master import (BUTTONS, REL_VBA, _rels, find_sheet_info, interpreter_config,
                               verify_master, workbook_sheets)
from xl_kik.excel.masterfile import MasterFile, find_sheet
from xl_kik.excel.vba import dir_stream_modules, installed_xlwings_version, vba_xlwings_version

OK, WARNING, ERROR = "ok", "warning", "error"
_MARK = {"da": {OK: "OK", WARNING: "ADVARSEL", ERROR: "FEJL"}, "en": {OK: "OK", WARNING: "WARNING", ERROR: "ERROR"}}
IMPORT_TIMEOUT = 90.0

T = {
    "no_master": Msg("Mappen {dir} har ingen {master}. Opret runden med 'xl-kik init'.",
                     "The folder {dir} has no {master}. Create the round with 'xl-kik init'."),
    "verify_ok": Msg("Masterfilen er i orden: knapperne peger på makroer, der findes.",
                     "The master file is fine: the buttons point to macros that exist."),
    "xlwings_ok": Msg("VBA-koden og Python bruger begge xlwings {version}.",
                      "The VBA code and Python both use xlwings {version}."),
    "xlwings_mismatch": Msg(
        "VBA-koden i masterfilen er til xlwings {vba}, men {where} har xlwings {installed}. "
        "Kør 'xl-kik refresh-vba {dir}' (med Excel lukket).",
        "The VBA code in the master file is for xlwings {vba}, but {where} has xlwings {installed}. "
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
        "Windows har mærket masterfilen som hentet fra internettet (Zone {zone}), så Excel blokerer "
        "makroerne. Højreklik på {file} > Egenskaber > sæt flueben i 'Fjern blokering' > OK, og åbn filen igen.",
        "Windows marked the master file as downloaded from the internet (zone {zone}), so Excel blocks its "
        "macros. Right-click {file} > Properties > tick 'Unblock' > OK, and open the file again."),
    "motw_ok": Msg("Masterfilen er ikke blokeret af Windows (ingen internetmærkning).",
                   "The master file is not blocked by Windows (no Mark of the Web)."),
    "motw_na": Msg("Internetmærkning ('Mark of the Web') er kun relevant på Windows; ikke tjekket på {platform}.",
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
    "buttons_ok": Msg("Knapperne på arket {sheet} findes alle {n} og peger på makroer, der findes.",
                      "All {n} buttons on the sheet {sheet} exist and point to macros that exist."),
    "buttons_bad": Msg(
        "Knapperne på arket {sheet} er ikke, som xl_kik lavede dem: {details}. Det sker, når filen gemmes i "
        "LibreOffice; i Excel er der så intet (rigtigt) at klikke på. Kør 'xl-kik doctor --fix {dir}' med filen "
        "lukket (flet og handleplan retter det også).",
        "The buttons on the sheet {sheet} are not as xl_kik made them: {details}. That happens when the file is "
        "saved in LibreOffice; Excel then has nothing (right) to click. Run 'xl-kik doctor --fix {dir}' with the "
        "file closed (merge and plan repair it too)."),
    "vba_project_ok": Msg("VBA-projektets PROJECT- og dir-strøm nævner de samme {n} moduler, og xl_kik's moduler "
                          "er uændrede.",
                          "The VBA project's PROJECT and dir streams list the same {n} modules, and xl_kik's "
                          "modules are unchanged."),
    "vba_project_bad": Msg(
        "VBA-projektet i {file} er ikke i orden: {details}. Excel kan så melde fejl i makroerne. Kør 'xl-kik "
        "doctor --fix {dir}' med filen lukket; så bygges VBA-projektet igen fra xl_kik's moduler.",
        "The VBA project in {file} is not right: {details}. Excel may then report errors in the macros. Run "
        "'xl-kik doctor --fix {dir}' with the file closed; that rebuilds the VBA project from xl_kik's modules."),
    "fixed": Msg("Rettet: {what}.", "Fixed: {what}."),
    "fix_nothing": Msg("Der var intet at rette i {file}.", "There was nothing to fix in {file}."),
    "fix_interpreter": Msg("arket xlwings.conf peger nu på denne computers Python ({path})",
                           "the xlwings.conf sheet now points to this computer's Python ({path})"),
    "fix_codenames": Msg("arkene har deres kodenavne (codeName) igen", "the sheets have their codeNames again"),
    "fix_vba": Msg("VBA-projektet er bygget igen fra xl_kik's moduler", "the VBA project was rebuilt from xl_kik's modules"),
    "fix_buttons": Msg("knapperne på arket {sheet} er lavet igen", "the buttons on the sheet {sheet} were made again"),
    "fix_still": Msg("Stadig ikke i orden efter rettelsen: {what}.", "Still not right after the fix: {what}."),
    "returns_missing": Msg(f"Returmappen ({{dir}}) findes ikke. Klik {button('KikOpenReturns', 'da')}, så oprettes den.",
                           f"The returns folder ({{dir}}) does not exist. Click {button('KikOpenReturns', 'en')} to create it."),
    # a Count: "1 fil" / "3 filer" (DoctorFinding calls it as it calls a Msg)
    "returns_ok": Count(Msg("Returmappen ('retur') findes; der ligger {n} fil i den.",
                            "The returns folder ('retur') exists; it holds {n} file."),
                        Msg("Returmappen ('retur') findes; der ligger {n} filer i den.",
                            "The returns folder ('retur') exists; it holds {n} files.")),
}


BUTTON_DETAIL = {
    "missing": Msg("ingen knap til {macro}", "no button for {macro}"),
    "rebound": Msg("knappen til {macro} peger på {detail}", "the button for {macro} points to {detail}"),
    "duplicate_ids": Msg("flere figurer har samme id ({detail})", "several shapes share an id ({detail})"),
}
VBA_DETAIL = {
    "only_in_project": Msg("modulet {module} står kun i PROJECT-strømmen, ikke i dir",
                           "the module {module} is listed only in the PROJECT stream, not in dir"),
    "only_in_dir": Msg("modulet {module} står i dir-strømmen, men ikke i PROJECT",
                       "the module {module} is in the dir stream but not in PROJECT"),
    "kinds_disagree": Msg("PROJECT og dir er uenige om, hvad slags modul {module} er",
                          "PROJECT and dir disagree on what kind of module {module} is"),
    "missing": Msg("modulet {module} mangler", "the module {module} is missing"),
    "wrong_kind": Msg("modulet {module} har forkert type ({detail})", "the module {module} has the wrong kind ({detail})"),
    "other_code": Msg("modulet {module} har ikke xl_kik's kode", "the module {module} does not have xl_kik's code"),
    "unreadable": Msg("det kan ikke læses ({detail})", "it cannot be read ({detail})"),
}


def _details(problems: Any, texts: dict[str, Msg]) -> Msg:
    def render(lang: str) -> str:
        return "; ".join(texts[p.code](lang, **{k: v for k, v in vars(p).items() if k != "code"}) for p in problems)

    return Msg(render("da"), render("en"))


@dataclass(frozen=True)
class DoctorFinding:
    check: str  # stable key, e.g. "xlwings_version"
    severity: str  # ok / warning / error
    text: Msg | Count
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
    from python_calamine import CalamineWorkbook  # lazy: doctor reports a broken install instead of failing


    with zipfile.ZipFile(master) as zf:
        infos, _ = workbook_sheets(zf)
    info = find_sheet_info(infos, "conf")
    if info is None:
        return {}
    name = info.name
    wb = CalamineWorkbook.from_path(str(master))
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

    try:
        with zipfile.ZipFile(master) as zf:
            infos, wb_code = workbook_sheets(zf)
    except Exception:
        return False
    return bool(infos) and not wb_code and not any(i.codename for i in infos)


def _both(template: Msg, **params: Any) -> Msg:
    """``template`` rendered in both languages; a param that is a Msg is rendered per language."""
    def render(lang: str) -> str:
        return template(lang, **{k: v(lang) if isinstance(v, Msg) else v for k, v in params.items()})

    return Msg(render("da"), render("en"))


def check_package(paths: RoundPaths) -> list[DoctorFinding]:
    """verify_master: content types, relationships, bound macros, codeNames, xlwings version."""

    findings: list[DoctorFinding] = []
    problems = verify_master(paths.master)
    # LibreOffice saves a master without any codeName: one finding with the cure, instead of
    # an S124/S127 line per sheet and module (merge and plan restore the codeNames).
    skip = {"S125"}  # reported by check_xlwings with advice
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
    return findings


def check_buttons(paths: RoundPaths) -> list[DoctorFinding]:
    """The Start sheet's buttons: one per macro, bound as ``[0]!Macro``, distinct shape ids
    (that the bound Subs exist is part of :func:`check_package`)."""

    try:
        with zipfile.ZipFile(paths.master) as zf:
            problems = repair.button_problems(zf)
            start = repair._start_sheet(zf)
    except Exception:
        return []  # not a readable package: check_package said so
    if start is None:
        return []
    if not problems:
        return [DoctorFinding("buttons", OK, T["buttons_ok"], {"sheet": start.name, "n": len(BUTTONS)})]
    return [DoctorFinding("buttons", ERROR, _both(T["buttons_bad"], sheet=start.name, dir=paths.root,
                                                  details=_details(problems, BUTTON_DETAIL)))]


def check_vba_project(paths: RoundPaths) -> list[DoctorFinding]:
    """PROJECT and dir list the same modules; our modules have our kinds and code."""

    try:
        with zipfile.ZipFile(paths.master) as zf:
            part = repair._vba_part(zf)
            if part is None:
                return []  # check_package reports S126
            problems = repair.vba_problems(zf)
            blob = zf.read(part)
    except Exception:
        return []
    if not problems:
        return [DoctorFinding("vba_project", OK, T["vba_project_ok"], {"n": len(dir_stream_modules(blob))})]
    return [DoctorFinding("vba_project", ERROR, _both(T["vba_project_bad"], file=paths.master.name, dir=paths.root,
                                                      details=_details(problems, VBA_DETAIL)))]


def _vba_version(paths: RoundPaths) -> str | None:

    try:
        with zipfile.ZipFile(paths.master) as zf:
            part = next((t for typ, t, _m in _rels(zf, "xl/workbook.xml").values() if typ == REL_VBA), None)
            return vba_xlwings_version(zf.read(part)) if part else None
    except Exception:
        return None


def check_xlwings(paths: RoundPaths, lang: str) -> list[DoctorFinding]:
    """The xlwings version of the VBA against this Python's."""

    installed = installed_xlwings_version()
    vba_version = _vba_version(paths)
    if vba_version == installed:
        return [DoctorFinding("xlwings_version", OK, T["xlwings_ok"], {"version": installed})]
    return [DoctorFinding("xlwings_version", ERROR, T["xlwings_mismatch"], {
        "vba": vba_version or "?", "installed": installed, "dir": paths.root,
        "where": Msg("denne Python", "this Python")(lang)})]


def _interpreter_key(plat: str) -> str | None:
    return "INTERPRETER_WIN" if plat.startswith("win") else "INTERPRETER_MAC" if plat == "darwin" else None


def check_interpreter(paths: RoundPaths, plat: str, probe: bool) -> list[DoctorFinding]:
    """The Python Excel will start (xlwings.conf) exists and imports xl_kik and our xlwings."""
    key = _interpreter_key(plat)
    if key is None:
        return [DoctorFinding("interpreter", OK, T["not_linux"], {"platform": _platform_name(plat)})]
    try:
        conf = conf_values(paths.master)
    except Exception:
        conf = {}
    interpreter = conf.get(key) or conf.get("INTERPRETER") or ""
    if not interpreter:
        return [DoctorFinding("interpreter", WARNING, T["no_interpreter"], {"platform": _platform_name(plat)})]
    if not Path(interpreter).exists():
        return [DoctorFinding("interpreter", ERROR, T["interpreter_missing"], {"path": interpreter, "key": key.title()})]
    if not probe:
        return []
    ok, version, xlw, reason = probe_interpreter(interpreter)
    if not ok:
        return [DoctorFinding("interpreter", ERROR, T["import_failed"], {"path": interpreter, "reason": reason})]
    findings = [DoctorFinding("interpreter", OK, T["interpreter_ok"],
                              {"path": interpreter, "version": version, "xlwings": xlw})]
    vba_version = _vba_version(paths)
    if vba_version and xlw != vba_version:
        findings.append(DoctorFinding("interpreter_xlwings", ERROR, T["xlwings_mismatch"], {
            "vba": vba_version, "installed": xlw, "dir": paths.root, "where": interpreter}))
    return findings


def check_mark_of_the_web(paths: RoundPaths, plat: str) -> list[DoctorFinding]:
    if not plat.startswith("win"):
        return [DoctorFinding("motw", OK, T["motw_na"], {"platform": _platform_name(plat)})]
    zone = zone_identifier(paths.master)
    if zone is not None and zone not in ("0", "1", "2"):
        return [DoctorFinding("motw", ERROR, T["motw_blocked"], {"zone": zone or "?", "file": paths.master.name})]
    return [DoctorFinding("motw", OK, T["motw_ok"])]


def check_returns(paths: RoundPaths) -> list[DoctorFinding]:
    if paths.returns.is_dir():
        n = sum(1 for p in paths.returns.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
        return [DoctorFinding("returns", OK, T["returns_ok"], {"n": n})]
    return [DoctorFinding("returns", WARNING, T["returns_missing"], {"dir": paths.returns})]


# ---------------------------------------------------------------- Mac: run script, PATH
MAC_TEXTS = {
    "runpython_ok": Msg("Excel for Mac kan starte Python: {file} findes.",
                        "Excel for Mac can start Python: {file} exists."),
    "runpython_missing": Msg(
        "Excel for Mac kan ikke starte Python: {file} mangler (xlwings {version}). Skriv i Terminal: "
        "xlwings runpython install — og gør det igen efter hver opgradering af xlwings.",
        "Excel for Mac cannot start Python: {file} is missing (xlwings {version}). In Terminal, type: "
        "xlwings runpython install — and again after every xlwings upgrade."),
    "scripts_ok": Msg("Kommandoen xl-kik findes på PATH ({file}).", "The command xl-kik is on PATH ({file})."),
    "scripts_off_path": Msg(
        "Kommandoen xl-kik ligger i {dir}, men den mappe er ikke på PATH, så Terminal finder den ikke. Skriv i "
        "Terminal: echo 'export PATH=\"{dir_text}:$PATH\"' >> ~/.zprofile — og åbn et nyt Terminal-vindue.",
        "The command xl-kik is in {dir}, but that folder is not on PATH, so Terminal does not find it. In "
        "Terminal, type: echo 'export PATH=\"{dir_text}:$PATH\"' >> ~/.zprofile — and open a new Terminal window."),
    "scripts_unknown": Msg("Kommandoen xl-kik blev ikke fundet på PATH eller i {dir}; det er ikke tjekket, "
                           "hvor den er installeret (brug 'python3 -m xl_kik' i stedet).",
                           "The command xl-kik was not found on PATH or in {dir}; where it is installed was not "
                           "checked (use 'python3 -m xl_kik' instead)."),
}


def check_mac_runpython(home: Path | None = None, version: str | None = None) -> list[DoctorFinding]:
    """Excel for Mac runs Python only through the AppleScript ``xlwings runpython install``
    copies for the installed xlwings version (a new one after every upgrade)."""
    version = version or installed_xlwings_version()
    script = (home or Path.home()) / "Library" / "Application Scripts" / "com.microsoft.Excel" / \
        f"xlwings-{version}.applescript"
    if script.is_file():
        return [DoctorFinding("mac_runpython", OK, MAC_TEXTS["runpython_ok"], {"file": script})]
    return [DoctorFinding("mac_runpython", ERROR, MAC_TEXTS["runpython_missing"], {"file": script, "version": version})]


def user_scripts_dir(executable: str | None = None) -> Path:
    """Where ``pip install --user`` puts commands for this Python (``~/Library/Python/3.X/bin``
    for python.org's Python on a Mac)."""
    scheme = "osx_framework_user" if "osx_framework_user" in sysconfig.get_scheme_names() and \
        sys.platform == "darwin" and sysconfig.get_config_var("PYTHONFRAMEWORK") else f"{os.name}_user"
    return Path(sysconfig.get_path("scripts", scheme))


def check_mac_scripts_on_path(scripts_dirs: Sequence[Path] | None = None, path_env: str | None = None) -> list[DoctorFinding]:
    """The ``xl-kik`` command can be typed: its folder (the user-level scripts folder after
    ``pip install --user``) is on PATH."""
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    on_path = shutil.which("xl-kik", path=path_env)
    if on_path:
        return [DoctorFinding("mac_path", OK, MAC_TEXTS["scripts_ok"], {"file": Path(on_path)})]
    dirs = list(scripts_dirs) if scripts_dirs is not None else [user_scripts_dir(), Path(sys.executable).parent]
    for folder in dirs:
        if (folder / "xl-kik").is_file():
            return [DoctorFinding("mac_path", WARNING, MAC_TEXTS["scripts_off_path"],
                                  {"dir": folder, "dir_text": str(folder).replace(str(Path.home()), "$HOME", 1)})]
    return [DoctorFinding("mac_path", WARNING, MAC_TEXTS["scripts_unknown"], {"dir": dirs[0]})]


def check(root: str | Path, lang: str = "da", *, platform: str | None = None,
          probe: bool = True) -> list[DoctorFinding]:
    """Diagnose the round in ``root``. ``platform`` (default ``sys.platform``) selects which
    interpreter entry and which Windows-only checks apply; ``probe=False`` skips starting
    the configured Python."""
    plat = platform or sys.platform
    paths = RoundPaths(Path(root))
    if not paths.master.exists():
        return [DoctorFinding("master", ERROR, T["no_master"], {"dir": paths.root, "master": MASTER_NAME})]
    return [*check_package(paths), *check_buttons(paths), *check_vba_project(paths), *check_xlwings(paths, lang),
            *check_interpreter(paths, plat, probe), *check_mark_of_the_web(paths, plat), *check_returns(paths),
            *(check_mac_runpython() + check_mac_scripts_on_path() if plat == "darwin" else [])]


@dataclass
class FixResult:
    """What :func:`fix` changed (``changed``) and what is still wrong afterwards (``remaining``)."""

    file: str
    changed: list[Msg] = field(default_factory=list)
    remaining: list[DoctorFinding] = field(default_factory=list)

    def lines(self, lang: str = "da") -> list[str]:
        out = [T["fixed"](lang, what=m(lang)) for m in self.changed] or [T["fix_nothing"](lang, file=self.file)]
        out += [T["fix_still"](lang, what=f.message(lang)) for f in self.remaining]
        return out


def _set_interpreter(wb: Any, key: str, executable: str) -> bool:
    """Write this PC's Python into the master's xlwings.conf sheet (keeps every other row)."""

    ws = find_sheet(wb, "conf")
    if ws is None:
        return False
    row = 1
    while ws.cell(row, 1).value not in (None, ""):
        if str(ws.cell(row, 1).value).strip().upper() == key:
            if ws.cell(row, 2).value == executable:
                return False
            ws.cell(row, 2).value = executable
            return True
        row += 1
    ws.cell(row, 1).value = key.title()
    ws.cell(row, 2).value = executable
    return True


def fix(root: str | Path, lang: str = "da", *, platform: str | None = None,
        executable: str | None = None) -> FixResult:
    """``xl-kik doctor --fix``: repair the master without touching any data.

    * this PC's interpreter in ``xlwings.conf`` when the one there is missing or does not
      exist (Windows and macOS; ``executable`` defaults to this Python);
    * the codeNames, the VBA project and the Start buttons: a :class:`MasterFile` edit
      restores the codeNames, and its save repairs the project and the buttons
      (:mod:`xl_kik.excel.repair`).
    Returns what changed, compared before and after, and what is still wrong."""

    plat = platform or sys.platform
    paths = RoundPaths(Path(root))
    if not paths.master.exists():
        return FixResult(MASTER_NAME, remaining=check(root, lang, platform=plat, probe=False))
    result = FixResult(paths.master.name)
    before_codenames = _all_codenames_lost(paths.master)
    before_vba = [f for f in check_vba_project(paths) if f.severity != OK]
    before_buttons = [f for f in check_buttons(paths) if f.severity != OK]
    key = _interpreter_key(plat)
    new_interpreter = ""
    if key is not None:
        try:
            conf = conf_values(paths.master)
        except Exception:
            conf = {}
        current = conf.get(key) or conf.get("INTERPRETER") or ""
        if not current or not Path(current).exists():
            rows = dict((k.upper(), v) for k, v in interpreter_config(executable, plat))
            new_interpreter = rows.get(key, "")
    with MasterFile.edit(paths, lang) as wb:
        if new_interpreter and _set_interpreter(wb, key or "", new_interpreter):
            result.changed.append(_both(T["fix_interpreter"], path=new_interpreter))
    if before_codenames and not _all_codenames_lost(paths.master):
        result.changed.append(T["fix_codenames"])
    after_vba = [f for f in check_vba_project(paths) if f.severity != OK]
    after_buttons = [f for f in check_buttons(paths) if f.severity != OK]
    if before_vba and not after_vba:
        result.changed.append(T["fix_vba"])
    if before_buttons and not after_buttons:
        with zipfile.ZipFile(paths.master) as zf:
            start = repair._start_sheet(zf)
        result.changed.append(_both(T["fix_buttons"], sheet=start.name if start else "Start"))
    result.remaining = [f for f in check(root, lang, platform=plat, probe=False) if f.severity == ERROR]
    return result
