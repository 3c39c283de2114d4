"""Entry points of the master workbook's buttons (xlwings ``RunPython``): the second door.

Each button's VBA macro (``macros/KikButtons.bas``) runs e.g.
``import xl_kik.buttons; xl_kik.buttons.merge()`` in the Python configured on the
``xlwings.conf`` sheet (keep this module path and these names: every shipped master calls
them). A button finds the calling workbook, calls one step on the live workbook
(:mod:`xl_kik.steps.live`: a button never writes the master file, Excel saves it) and shows
the result in a message box.

Errors: a short Danish (or English) message box; the full traceback goes to
``<round>/xl_kik.log``. A failed run does not save, and the touched sheets are restored.

The bodies (``do_*``) take a :class:`~xl_kik.steps.live.ButtonContext`, so they are tested
with an openpyxl writer on a real master.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

from xl_kik.core.errors import KikError
from xl_kik.core.i18n import Msg
from xl_kik.core.round import MASTER_NAME
from xl_kik.steps import few_collections
from xl_kik.steps.doctor import check as check_setup
from xl_kik.steps.live import (
    ButtonContext,
    SheetWriter,
    generate_live,
    live_lang,  # noqa: F401 - xl_kik.buttons.live_lang/live_sheet_names: used by tests and scripts
    live_sheet_names,  # noqa: F401
    merge_live,
    open_live,
    plan_live,
    run_live,
    xlwings_writer,
)

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


# ---------------------------------------------------------------- bodies (testable)
def do_generate(ctx: ButtonContext) -> str:
    return generate_live(ctx)


def do_merge(ctx: ButtonContext) -> str:
    return merge_live(ctx)


def do_plan(ctx: ButtonContext) -> str:
    return plan_live(ctx)


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
    or :func:`user_log_dir`'s when the round folder is not known), and nothing changed.
    The collector runs as for a command (:func:`xl_kik.steps.few_collections`)."""
    with few_collections():
        return _run_button(action, body, book, save)


def _run_button(action: str, body: Callable[[ButtonContext], str], book: Any, save: bool) -> str | None:
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
        writer = book.writer if isinstance(book, _WriterBook) else xlwings_writer(book)
        ctx = open_live(root, writer)
        lang = ctx.lang
        log.info("button %s started for %s", action, fullname)
        summary = run_live(ctx, action, body, save, book.save)
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
