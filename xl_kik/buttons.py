"""Entry points of the master workbook's buttons (xlwings ``RunPython``).

Each button's VBA macro (``macros/KikButtons.bas``) runs e.g.
``import xl_kik.buttons; xl_kik.buttons.merge()`` in the Python configured on the
``xlwings.conf`` sheet. These functions are the second door to the same core the CLI uses.

Safe approach while Excel has the master open
---------------------------------------------
Excel holds the file: replacing it fails on Windows (locked) and on a Mac Excel would later
save its own copy over ours. So a button never writes the master file. Instead:

1. read what the core needs from the **live** workbook through xlwings (so unsaved edits
   by the coordinator count), and parse it with the same code as the CLI
   (:func:`xl_kik.excel.master.parse_master`);
2. run the core: it writes files in the round folder (questionnaires) or renders sheets
   into a scratch in-memory openpyxl workbook built from the live values;
3. write the results into the live workbook (:class:`~xl_kik.excel.masterfile.XlwingsSheetWriter`,
   every text with Excel's text prefix, so nothing becomes a formula), inside a
   transaction that puts the previous contents back if anything fails;
4. ask Excel to save the workbook (``book.save()``): Excel writes its own file, VBA intact.

Errors: a short Danish (or English) message box; the full traceback goes to
``<round>/xl_kik.log``. A failed run does not save, and the touched sheets are restored.

Everything below :func:`run_button` takes a :class:`~xl_kik.excel.masterfile.SheetWriter`, so it is
tested with :class:`~xl_kik.excel.masterfile.OpenpyxlSheetWriter` on a real master.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from xl_kik.core.errors import KikError
from xl_kik.core.i18n import Msg
from xl_kik.core.round import MASTER_NAME, RoundPaths
from xl_kik.excel import atomic
from xl_kik.excel.master import CODE_NAMES, NAME_LAST_RUN, PLAN_SHEET_KEYS, SHEET_NAMES, MasterData, parse_master
from xl_kik.excel.masterfile import SheetWriter, XlwingsSheetWriter, scratch_workbook, sheet_values, transfer_sheets
from xl_kik.steps.doctor import check as check_setup
from xl_kik.steps.generate import generate_round
from xl_kik.steps.merge import merge_into
from xl_kik.steps.plan import plan_into

log = logging.getLogger("xl_kik.buttons")

UNEXPECTED = Msg(
    "Der skete en uventet fejl, og intet er ændret. Detaljerne står i filen {log}. "
    "Klik 'Tjek opsætningen', eller send logfilen til den, der hjælper jer med xl_kik.",
    "An unexpected error occurred and nothing was changed. The details are in the file {log}. "
    "Click 'Check the setup', or send the log file to whoever helps you with xl_kik.")
NOT_LOCAL = Msg(
    "Projektmappen ligger ikke i en almindelig mappe på computeren ({where}). Gem runden i en lokal mappe "
    "(eller en synkroniseret OneDrive-mappe), og prøv igen.",
    "The workbook is not in an ordinary folder on this computer ({where}). Save the round in a local folder "
    "(or a synchronised OneDrive folder) and try again.")
NOT_SAVED = Msg("Gem projektmappen som {master} i rundens mappe først.",
                "Save the workbook as {master} in the round's folder first.")
TITLE = Msg("KIK-selvevaluering", "KIK self-evaluation")
OPENED = Msg("Mappen {dir} er åbnet.", "The folder {dir} was opened.")
DOCTOR_OK = Msg("Alt ser fint ud.", "Everything looks fine.")


@dataclass
class ButtonContext:
    """What a button's body gets: the round folder and a writer on the live workbook."""

    root: Path
    writer: SheetWriter
    lang: str = "da"
    sheet_names: dict[str, str] = field(default_factory=dict)

    @property
    def paths(self) -> RoundPaths:
        return RoundPaths(self.root)

    def master_data(self) -> MasterData:
        rows = {key: self.writer.read_rows(self.sheet_names[key])
                for key in ("meta", "setup", "participants", "questions") if key in self.sheet_names}
        return parse_master(rows, self.sheet_names, self.root / MASTER_NAME)


def live_sheet_names(writer: SheetWriter, codenames: dict[str, str] | None = None) -> dict[str, str]:
    """Sheet key -> name in the live workbook: by codeName when the platform tells it, then
    by the ``sheet_<key>`` entries of ``_kik``, then by the contract's names."""
    available = set(writer.sheet_names())
    names: dict[str, str] = {}
    for key, code in CODE_NAMES.items():
        if codenames and code in codenames:
            names[key] = codenames[code]
    meta_name = names.get("meta", "_kik")
    if meta_name in available:
        for row in writer.read_rows(meta_name):
            if row and isinstance(row[0], str) and row[0].startswith("sheet_") and len(row) > 1:
                key = row[0][len("sheet_"):]
                if key in CODE_NAMES and key not in names and row[1] in available:
                    names[key] = row[1]
    for lang in ("da", "en"):
        for key, name in SHEET_NAMES[lang].items():
            if key not in names and name in available:
                names[key] = name
    return names


def live_lang(writer: SheetWriter, names: dict[str, str]) -> str:
    try:
        for row in writer.read_rows(names["meta"]):
            if row and row[0] == "lang" and len(row) > 1 and row[1] in ("da", "en"):
                return row[1]
    except Exception:
        pass
    return "da"


# ---------------------------------------------------------------- bodies (testable)
def do_generate(ctx: ButtonContext) -> str:
    """The generate step on the live workbook's participants; new ids go into the live workbook."""
    def write_ids(new_ids: Sequence[tuple[str, str, str]]) -> None:
        for sheet, cell, pid in new_ids:  # ids given to rows the coordinator added
            ctx.writer.write_rows(sheet, cell, [[pid]])

    return generate_round(ctx.root, lang=ctx.lang, data=ctx.master_data(),
                          write_ids=write_ids).summary(ctx.lang)


def _render_with_core(ctx: ButtonContext, fn: Callable[..., Any], keys: tuple[str, ...]) -> str:
    """Run a step's renderer ``fn(wb, root, data, lang=...) -> result`` on a scratch copy of
    the live sheets it needs, then transfer the sheets it rendered."""
    data = ctx.master_data()
    skip = {ctx.sheet_names.get("conf"), ctx.sheet_names.get("start")}
    wanted = [n for n in ctx.writer.sheet_names() if n not in skip]
    wb = scratch_workbook(ctx.writer, wanted)
    for key, name in ctx.sheet_names.items():  # the steps find their sheets by codeName (renamed ones too)
        if key in CODE_NAMES and name in wb.sheetnames:
            wb[name].sheet_properties.codeName = CODE_NAMES[key]
    before = {ws.title: sheet_values(ws) for ws in wb.worksheets}
    result = fn(wb, ctx.root, data, lang=ctx.lang)
    # the step's own sheets, plus every sheet it added or changed (e.g. the plan's helpers)
    targets = [ctx.sheet_names[k] for k in keys if k in ctx.sheet_names]
    targets += [ws.title for ws in wb.worksheets
                if ws.title not in targets and (ws.title not in before or sheet_values(ws) != before[ws.title])]
    transfer_sheets(wb, ctx.writer, targets)
    summary = getattr(result, "summary", None)
    return summary(ctx.lang) if callable(summary) else str(result or "")


def do_merge(ctx: ButtonContext) -> str:
    return _render_with_core(ctx, merge_into, ("status", "answers", "consensus"))


def do_plan(ctx: ButtonContext) -> str:
    # every sheet the plan renders: the overviews and the hidden state (ids written and
    # deleted), so a deleted row stays deleted and the live book ends like the CLI's master
    return _render_with_core(ctx, plan_into, PLAN_SHEET_KEYS)


def open_folder(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # type: ignore[attr-defined]  # noqa: S606
    elif sys.platform == "darwin":
        subprocess.run(["open", str(path)], check=False)
    else:
        subprocess.run(["xdg-open", str(path)], check=False)


def do_open_returns(ctx: ButtonContext) -> str:
    open_folder(ctx.paths.returns)
    return OPENED(ctx.lang, dir=ctx.paths.returns)


def do_doctor(ctx: ButtonContext) -> str:
    findings = check_setup(ctx.root, lang=ctx.lang)
    bad = [f for f in findings if f.severity != "ok"]
    return "\n".join(f.describe(ctx.lang) for f in bad) if bad else DOCTOR_OK(ctx.lang)


# ---------------------------------------------------------------- the xlwings door
def _logger(folder: Path) -> logging.Handler | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(folder / LOG_NAME, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("xl_kik").addHandler(handler)
    logging.getLogger("xl_kik").setLevel(logging.INFO)
    return handler


LOG_NAME = "xl_kik.log"


def user_log_dir() -> Path:
    """Where a button logs when it has no round folder (the workbook's path could not be
    mapped to a local folder): ``%LOCALAPPDATA%\\xl_kik`` on Windows, else ``~/.xl_kik``."""
    local = os.environ.get("LOCALAPPDATA")
    return Path(local) / "xl_kik" if local else Path.home() / ".xl_kik"


def _book_fullname(book: Any, lang: str) -> str:
    """The workbook's path; xlwings raises when it cannot map a OneDrive/SharePoint URL to a
    local file: that becomes the Danish "not a local folder" message."""
    try:
        return str(book.fullname)
    except Exception as exc:
        try:
            where = str(book.name)
        except Exception:
            where = "?"
        raise KikError(NOT_LOCAL(lang, where=where), lang=lang) from exc


def _alert(book: Any, text: str, lang: str, error: bool) -> None:
    text = text if len(text) <= 900 else text[:900] + " ..."
    try:
        app = book.app if book is not None else _active_app()
        app.alert(text, title=TITLE(lang), mode="critical" if error else "info")
    except Exception:  # no message box possible: the log still has it
        log.warning("could not show message box: %s", text)


def _active_app() -> Any:
    import xlwings as xw  # lazy: only the button door needs xlwings

    return xw.apps.active


def _caller() -> Any:
    import xlwings as xw  # lazy: only the button door needs xlwings

    return xw.Book.caller()


def run_button(action: str, body: Callable[[ButtonContext], str], book: Any = None,
               save: bool = True) -> str | None:
    """Run ``body`` for the workbook that called the button. Returns the summary, or None
    after an error (already shown to the user and logged).

    Everything is inside the error handling: finding the calling workbook, its path and
    the round folder it maps to, reading the live sheets, the work and the save. Any
    failure gives a short message box and the traceback in ``xl_kik.log`` (the round's,
    or :func:`user_log_dir`'s when the round folder is not known), and nothing changed."""
    lang = "da"
    handler = None
    log_dir: Path | None = None
    try:
        if book is None:
            book = _caller()
        fullname = _book_fullname(book, lang)
        if "://" in fullname:
            raise KikError(NOT_LOCAL(lang, where=fullname), lang=lang)
        if not os.path.isabs(fullname):
            raise KikError(NOT_SAVED(lang, master=MASTER_NAME), lang=lang)
        root = Path(fullname).parent
        handler = _logger(root)
        if handler is not None:
            log_dir = root
        writer = book.writer if isinstance(book, _WriterBook) else XlwingsSheetWriter(book)
        codenames = writer.codenames() if hasattr(writer, "codenames") else None
        names = live_sheet_names(writer, codenames)
        lang = live_lang(writer, names)
        ctx = ButtonContext(root=root, writer=writer, lang=lang, sheet_names=names)
        log.info("button %s started for %s", action, fullname)
        transaction = getattr(writer, "transaction", None)
        # a button that changes the master holds the round lock, like every CLI writer
        with (atomic.round_lock(root, lang) if save else contextlib.nullcontext()):
            if transaction is not None:
                with transaction():
                    summary = body(ctx)
                    if save:
                        _last_run(writer, action, summary)
            else:
                summary = body(ctx)
                if save:
                    _last_run(writer, action, summary)
            if save:
                book.save()
        log.info("button %s done: %s", action, summary)
        _alert(book, summary, lang, error=False)
        return summary
    except KikError as exc:
        if handler is None:
            handler, log_dir = _logger(user_log_dir()), user_log_dir()
        log.warning("button %s failed: %s\n%s", action, exc.details(), traceback.format_exc())
        _alert(book, exc.details() if exc.problems else str(exc), lang, error=True)
        return None
    except Exception:
        if handler is None:
            handler, log_dir = _logger(user_log_dir()), user_log_dir()
        log.error("button %s crashed:\n%s", action, traceback.format_exc())
        where = (log_dir / LOG_NAME) if (handler is not None and log_dir is not None) else LOG_NAME
        _alert(book, UNEXPECTED(lang, log=where), lang, error=True)
        return None
    finally:
        if handler is not None:
            logging.getLogger("xl_kik").removeHandler(handler)
            handler.close()


def _last_run(writer: SheetWriter, action: str, summary: str) -> None:
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    first = summary.splitlines()[0] if summary else ""
    try:
        writer.set_name_value(NAME_LAST_RUN, f"{stamp} {action}: {first}")
    except KeyError:  # the name was deleted by the user: not worth failing for
        pass


class _WriterBook:
    """Adapter for tests and scripts: a 'book' made of any SheetWriter and a path."""

    def __init__(self, writer: SheetWriter, fullname: str, app: Any = None, on_save: Callable[[], None] | None = None):
        self.writer, self.fullname, self.app = writer, fullname, app
        self._on_save = on_save

    def save(self) -> None:
        if self._on_save:
            self._on_save()


# ---------------------------------------------------------------- RunPython entry points
def generate() -> None:
    run_button("generate", do_generate)


def merge() -> None:
    run_button("merge", do_merge)


def plan() -> None:
    run_button("plan", do_plan)


def open_returns() -> None:
    run_button("open_returns", do_open_returns, save=False)


def doctor() -> None:
    run_button("doctor", do_doctor, save=False)
