"""Drive a real LibreOffice Calc from tests: type into cells like a person, read values back.

Usage (the ``libreoffice`` fixture in conftest.py gives a started session)::

    with libreoffice.open(path) as doc:               # Doc
        [r] = doc.type_cells("Svar", [("E7", "150")])  # list[TypeResult]
        assert r.outcome == "rejected" and r.value_after == r.value_before
        doc.save_as_xlsx(tmp_path / "back.xlsx")

How it works
------------
* :class:`LibreOfficeSession` starts **its own** ``soffice`` (private profile in a temporary
  directory, ``--accept=socket,host=127.0.0.1,port=<free port>;urp;``) as the leader of a
  new process group, and ends exactly that group (by the pid it started) at the end, also
  when anything fails or times out. ``leftover_pids()`` checks that nothing survived.
* The UNO work does **not** run inside pytest's interpreter. Debian's ``python3-uno`` is
  built for Debian's ``/usr/bin/python3`` and links Debian's ``libpython3.11.so``; loading
  it into pyenv's 3.11.7 only works by accident (same SONAME/minor version), and a blocked
  UNO call would hang the whole pytest run. Instead this very file is also a *driver
  script*: the session runs ``/usr/bin/python3 -I lo_harness.py --driver PORT`` and sends
  it one JSON request per line on stdin; answers come back on stdout. Every request has a
  timeout on the pytest side; on a timeout the driver and soffice are killed and the next
  :meth:`LibreOfficeSession.open` starts a fresh pair. If pytest dies, the driver sees EOF
  and ends soffice. So the driver code below imports only the standard library and
  ``uno``. Its log (every request, every dialog) is ``<tmpdir>/driver.log``; set
  ``XL_KIK_KEEP_LO_PROFILE=1`` to keep the temp dir; ``kill -USR1 <driver pid>`` dumps its
  Python stacks there.
* Typing uses LibreOffice's UI-test service (``org.libreoffice.uitest.UITest``): the
  document window's ``grid_window`` gets ``SELECT`` (sheet via ``TABLE``, then ``CELL``
  with the sheet-qualified address, e.g. ``$Evaluering.$E$8``: a bare ``E8`` means sheet
  0 to UITest, whose ``MarkRange`` then switches back to the first sheet), the harness
  checks that the controller's active sheet and the grid cursor are on the target (else
  ``LibreOfficeError``, nothing typed), then ``TYPE TEXT=...`` and
  ``TYPE KEYCODE=RETURN`` (a ``"\n"`` in the text is typed as ``CTRL+RETURN``, Calc's
  line break inside a cell; Excel's Alt+Enter fills a selection in Calc instead). Only this
  path goes through Calc's input
  handler, so only this path enforces data validation and sheet protection.
* Picking from a list validation's dropdown (:meth:`Doc.pick_from_list`): the grid's UITest
  action ``LAUNCH SELECTMENU`` (COL, ROW) opens the cell's dropdown as a click on its arrow does;
  the list is found among the toolkit's top windows by its accessible role (LIST, items by
  name), the item is highlighted with the accessible selection and Enter is posted to the popup
  (``XToolkitRobot.keyPress``; no keyRelease: the popup is gone by then and a release posted to
  it crashed soffice). No dialog watcher runs meanwhile (polling top windows while the popup is
  torn down crashed soffice too); picking a list item raises no validation message.
* Only the **most recently opened** document can be typed into: UITest's
  ``getTopFocusWindow()`` is VCL's newest frame (or the running dialog), not the focused
  one, and frame activation does not change that under the svp backend. The harness
  verifies the target (moves the cursor through the API and checks that the grid
  follows) and raises ``LibreOfficeError("... most recently opened ...")`` otherwise.
  Close later documents first. ``hidden=True`` documents can't be typed into at all
  (and, being frames too, opening one makes older documents untypeable).

Dialogs (the hard part)
-----------------------
* With ``soffice --headless`` VCL runs in "dialog cancel" mode: every modal dialog is
  cancelled silently (``DialogClosed`` is broadcast, never ``DialogExecute``), so the
  message can't be read or answered. Like LibreOffice's own ``make uitest`` the session
  starts soffice **without** ``--headless`` but with ``SAL_USE_VCLPLUGIN=svp`` (the
  headless VCL backend: no X server, no DISPLAY) and ``--invisible``. Dialogs are then
  real and modal.
* The keystrokes run in a worker thread (the UNO call blocks while a modal dialog runs its
  own event loop, like ``uitest.test.UITest.execute_blocking_action``). The main thread
  polls the toolkit's top windows for a visible one whose accessible role is
  ALERT/DIALOG (UNO window wrappers are safe to poll; polling UITest objects while
  windows are created/destroyed crashed soffice in ``WindowUIObject::get_state``). The
  message text comes from the dialog's accessibility tree (UITest only exposes the
  title). The dialog is closed with UITest ``CLICK`` on ``cancel``/``ok``/``close``/...
  (or the accessible button action), from a helper thread, because a click can start the
  next modal dialog inside its own call. Closing is confirmed by VCL's ``DialogClosed``
  event (global event broadcaster) or the window becoming invisible.
* Some dialogs come *after* the keystroke call returned (Calc's "Protected cells can not
  be modified" box is asynchronous), so after the worker is done the watcher keeps
  polling for ``SETTLE`` (0.3 s); each dialog restarts that wait.
* Calc answers *every* key on a protected cell with that box. For a locked cell on a
  protected sheet the harness types the first key only and stops when the message
  comes, as a person would (if no message comes it types the rest).
* Classification per entry (locale independent): no dialog -> ``"accepted"``; a dialog
  and the cell is locked on a protected sheet -> ``"protected"``; any other dialog ->
  ``"rejected"``. ``value_before``/``value_after`` are read through the API, so a test
  can assert that a rejected entry left the cell unchanged. Dialog texts are in
  LibreOffice's UI language (en-US here) except the workbook's own validation messages.

Macros
------
``run_macro(uri)`` runs any script URI through the document's script provider, under the
same dialog watcher (a ``MsgBox`` or a Basic error box is recorded in ``last_dialogs`` and
closed). Imported VBA lives in library ``VBAProject`` (see ``list_basic_modules``).
``button_macros(sheet)`` reads form-control buttons from the sheet's draw page and their
bindings from the form's event attacher (``getScriptEvents``); XlsxWriter's VML buttons
come back as ``OButtonModel`` with ``actionPerformed`` ->
``vnd.sun.star.script:VBAProject.<Module>.<Sub>?language=Basic&location=document``.
A Basic endless loop blocks LibreOffice's main thread: only the pytest-side timeout
(``run_macro(timeout=...)`` + 5 s) ends it, by killing soffice.

Profile
-------
``registrymodifications.xcu`` is written into the private profile before start:
recalculate .xlsx/.ods formulas on load (``OOXMLRecalcMode``/``ODFRecalcMode`` = 0),
AutoInput (autocomplete from the column) off so the typed text is what arrives, no
lock files (a killed soffice would leave ``.~lock`` files and the next load would ask
"Document in Use"), no tip-of-the-day, macro security low (documents' macros run
without a prompt). AutoCorrect keeps LibreOffice's defaults (a person gets them too).
``config=`` adds or overrides entries.

A real window
-------------
``with VirtualScreen(1366, 768) as screen: LibreOfficeSession(display=screen.display)`` runs
soffice with VCL's ``gen`` (X11) backend on our own Xvfb server (``-displayfd``: a free display
number; ended by its pid). The document window is sized with :meth:`Doc.set_window` (no window
manager: the frame is the whole screen), the cursor moved with :meth:`Doc.select_cell` (an arrow
key, so Calc shows the input message and a list's arrow), and :meth:`Doc.view` reports the frozen
panes, each pane's visible range and how much of the cursor cell is drawn (accessible bounds
against its size at the view's scale). ``screen.screenshot(path)`` writes a PNG (``xwd``).

Requirements
------------
Linux. Debian packages ``libreoffice-calc``, ``python3-uno`` (``uno`` for
``/usr/bin/python3``), ``libreoffice-script-provider-python`` (Python macros; Basic needs
nothing more). No X server (``xvfb`` and ``x11-apps`` only for a real window). Environment
overrides: ``XL_KIK_SOFFICE`` (soffice binary), ``XL_KIK_UNO_PYTHON`` (interpreter with ``uno``,
default ``/usr/bin/python3``).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_UNO_PYTHON = "/usr/bin/python3"

# (path, property, xs type, value) written into the private profile.
DEFAULT_CONFIG: list[tuple[str, str, str, Any]] = [
    ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "int", 0),
    ("/org.openoffice.Office.Calc/Formula/Load", "ODFRecalcMode", "int", 0),
    ("/org.openoffice.Office.Calc/Input", "AutoInput", "boolean", False),
    ("/org.openoffice.Office.Common/Misc", "ShowTipOfTheDay", "boolean", False),
    ("/org.openoffice.Office.Common/Misc", "FirstRun", "boolean", False),
    # No .~lock files: a killed soffice would leave them and the next load would ask
    # "Document in Use".
    ("/org.openoffice.Office.Common/Misc", "UseLocking", "boolean", False),
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "int", 0),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution",
     "boolean", False),
    ("/org.openoffice.Setup/Office", "ooSetupInstCompleted", "boolean", True),
]


class LibreOfficeUnavailable(RuntimeError):
    """soffice or a Python with ``uno`` is not installed."""


class LibreOfficeError(RuntimeError):
    """LibreOffice or the driver failed, timed out or reported an error."""


@dataclass
class TypeResult:
    """What happened when one entry was typed into a cell."""

    cell: str
    text: str
    outcome: str  # "accepted" | "rejected" | "protected"
    dialog_text: str = ""  # message(s) of the dialog(s) that appeared, "\n"-joined
    value_after: Any = None
    value_before: Any = None
    dialog_title: str = ""
    dialogs: list[dict] = field(default_factory=list)  # [{"title", "text", "button"}]


# --------------------------------------------------------------------------- discovery

def find_soffice() -> str | None:
    """The soffice executable: the product's own discovery (``XL_KIK_SOFFICE``, PATH, usual
    install locations). Imported lazily: the driver half of this module runs under Debian's
    isolated python3, where xl_kik is not importable (and does not need it)."""
    from xl_kik.excel.office import find_soffice as product_find_soffice

    return product_find_soffice()


def find_uno_python() -> str | None:
    """An interpreter that can ``import uno`` (``XL_KIK_UNO_PYTHON`` or /usr/bin/python3)."""
    exe = os.environ.get("XL_KIK_UNO_PYTHON", DEFAULT_UNO_PYTHON)
    if not os.path.exists(exe):
        return None
    try:
        res = subprocess.run([exe, "-c", "import uno, unohelper"], capture_output=True,
                             timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return exe if res.returncode == 0 else None


def unavailable_reason() -> str | None:
    """None if the harness can run here, else a human-readable reason."""
    if find_soffice() is None:
        return ("LibreOffice 'soffice' not found (apt-get install libreoffice-calc, "
                "or set XL_KIK_SOFFICE)")
    if find_uno_python() is None:
        return ("no Python with the 'uno' module (apt-get install python3-uno, "
                "or set XL_KIK_UNO_PYTHON)")
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _xcu(config: list[tuple[str, str, str, Any]]) -> str:
    from xml.sax.saxutils import escape, quoteattr

    items = []
    for path, prop, xstype, value in config:
        if isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = escape(str(value))
        items.append(f'<item oor:path={quoteattr(path)}><prop oor:name={quoteattr(prop)} '
                     f'oor:op="fuse"><value>{text}</value></prop></item>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            + "\n".join(items) + "\n</oor:items>\n")


def _pid_alive(pid: int) -> bool:
    """True if the pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # pragma: no cover - non-Linux fallback
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _group_pids(pgid: int) -> list[int]:
    """Live pids whose process group is ``pgid`` (Linux /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields after the command: state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            pids.append(int(entry))
    return pids


# ------------------------------------------------------------------------ client side

class Doc:
    """One open document in a :class:`LibreOfficeSession`."""

    def __init__(self, session: "LibreOfficeSession", doc_id: int, path: Path):
        self._session = session
        self._id = doc_id
        self.path = path
        self.last_dialogs: list[dict] = []  # dialogs seen by the last run_macro()

    def _call(self, cmd: str, timeout: float | None = None, **args: Any) -> Any:
        return self._session._call(cmd, timeout=timeout, doc=self._id, **args)

    def type_cells(self, sheet: str, entries: list[tuple[str, str]], *,
                   button: str | None = None,
                   timeout_per_entry: float = 20.0) -> list[TypeResult]:
        """Type each ``(cell, text)`` followed by Enter, through the UI. A ``"\n"`` in
        ``text`` is typed as Ctrl+Enter: a line break inside the cell, as in Calc.

        Every modal dialog that appears is recorded and closed. ``button`` chooses the
        button to press (default: ``cancel`` if the dialog has one — a cautious user —
        else ``ok``/``close``/``yes``). A validation "warning"/"information" box answered
        with ``button="ok"`` lets the entry through.
        """
        raw = self._call("type_cells", timeout=10 + timeout_per_entry * max(1, len(entries)),
                         sheet=sheet, entries=[list(e) for e in entries], button=button,
                         timeout_per_entry=timeout_per_entry)
        return [TypeResult(**r) for r in raw]

    def type_cell(self, sheet: str, cell: str, text: str, **kw: Any) -> TypeResult:
        return self.type_cells(sheet, [(cell, text)], **kw)[0]

    def set_window(self, x: int, y: int, width: int, height: int) -> list[int]:
        """Place and size the document window (on a :class:`VirtualScreen`); returns
        ``[x, y, width, height]`` as it is now."""
        return self._call("set_window", x=x, y=y, width=width, height=height)

    def select_cell(self, sheet: str, cell: str) -> None:
        """Move the cell cursor to ``cell`` through the UI (the view scrolls to show it)."""
        self._call("select_cell", sheet=sheet, cell=cell)

    def view(self) -> dict:
        """The view's frozen panes and each pane's visible range (0-based column/row numbers):
        ``{"frozen", "split_column", "split_row", "panes": [{"first_col", "last_col",
        "first_row", "last_row"}], "zoom", "window"}``."""
        return self._call("view")

    def pick_from_list(self, sheet: str, cell: str, item: str, timeout: float = 30.0) -> dict:
        """Choose ``item`` from the cell's validation dropdown as a person does: the list is
        opened (Calc's own "launch the selection list" action, what the cell's arrow button does),
        the item highlighted and Enter pressed in the list. Returns ``{"items": [...] (the
        dropdown's entries as shown), "value_before", "value_after"}``. Raises
        :class:`LibreOfficeError` if no list opens or the item is not in it."""
        return self._call("pick_from_list", timeout=timeout, sheet=sheet, cell=cell, item=item)

    def value(self, sheet: str, cell: str) -> str | float | None:
        """Cell content via the API: None (empty), float, str; a formula gives its result."""
        return self._call("value", sheet=sheet, cell=cell)

    def formula(self, sheet: str, cell: str) -> str:
        """The cell's formula (``=...``), or its plain content as a string."""
        return self._call("formula", sheet=sheet, cell=cell)

    def formula_result(self, sheet: str, cell: str, recalc: bool = True) -> str | float | None:
        """Result of a formula cell, after ``calculateAll()`` unless ``recalc=False``."""
        return self._call("formula_result", sheet=sheet, cell=cell, recalc=recalc)

    def show_invalid(self, sheet: str) -> bool:
        """Tools > Detective > Mark Invalid Data: True if any cell violates its validation."""
        return self._call("show_invalid", sheet=sheet)

    def save_as_xlsx(self, path: str | os.PathLike) -> Path:
        """Store a copy as .xlsx (``.xlsm`` suffix keeps the VBA project)."""
        p = Path(path)
        flt = "Calc MS Excel 2007 VBA XML" if p.suffix.lower() == ".xlsm" else \
            "Calc MS Excel 2007 XML"
        return self.save_as(p, flt)

    def save_as(self, path: str | os.PathLike, filter_name: str) -> Path:
        """Store a copy with a LibreOffice filter (e.g. ``calc_pdf_Export``)."""
        p = Path(path).resolve()
        self._call("save_as", path=str(p), filter_name=filter_name, timeout=120)
        return p

    def run_macro(self, uri: str, args: list | tuple = (), *, button: str | None = None,
                  timeout: float = 60.0) -> Any:
        """Run a script by URI; dialogs it opens (MsgBox) are recorded in ``last_dialogs``
        and closed. Returns the macro's return value (converted to JSON types)."""
        res = self._call("run_macro", uri=uri, args=list(args), button=button,
                         macro_timeout=timeout, timeout=timeout + 5)
        # (A Basic loop holds LibreOffice's main thread, so the driver's own deadline can't
        # fire while it waits for the UI; the pytest-side timeout above kills soffice.)
        self.last_dialogs = res["dialogs"]
        return res["result"]

    def list_basic_modules(self) -> dict[str, str]:
        """``"Library.Module" -> source`` of the document's Basic libraries (imported VBA
        lands in library ``VBAProject``)."""
        return self._call("list_basic_modules")

    def add_basic_module(self, library: str, module: str, source: str) -> None:
        """Insert a Basic module into the document (test helper for :meth:`run_macro`)."""
        self._call("add_basic_module", library=library, module=module, source=source)

    def button_macros(self, sheet: str) -> list[dict]:
        """Form controls on the sheet's draw page and the scripts bound to them:
        ``[{"name", "label", "control", "events": [{"listener", "method", "type",
        "script"}], "script": first script URI or ""}]``."""
        return self._call("button_macros", sheet=sheet)

    def close(self) -> None:
        if self._session._alive():
            self._call("close")
        self._session._docs.pop(self._id, None)

    def __enter__(self) -> "Doc":
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.close()
        except LibreOfficeError:
            pass


class LibreOfficeSession:
    """Our own soffice + UNO driver; a context manager. Reusable across tests."""

    def __init__(self, *, soffice: str | None = None, uno_python: str | None = None,
                 timeout: float = 60.0, startup_timeout: float = 120.0,
                 config: list[tuple[str, str, str, Any]] | None = None,
                 display: str | None = None):
        self.display = display  # an X display (":5", see VirtualScreen): real windows on it
        self.soffice = soffice or find_soffice()
        self.uno_python = uno_python or os.environ.get("XL_KIK_UNO_PYTHON",
                                                      DEFAULT_UNO_PYTHON)
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.config = DEFAULT_CONFIG + list(config or [])
        self.tmpdir: Path | None = None
        self.port: int | None = None
        self._office: subprocess.Popen | None = None
        self._driver: subprocess.Popen | None = None
        self._responses: "queue.Queue[str | None]" = queue.Queue()
        self._lock = threading.Lock()
        self._next_id = 0
        self._docs: dict[int, Doc] = {}
        self.started_pids: list[int] = []  # every soffice/driver pid this session started
        self.startup_seconds: float | None = None

    # ---- lifecycle
    def __enter__(self) -> "LibreOfficeSession":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        if self._alive():
            return
        if not self.soffice or not os.path.exists(self.soffice):
            raise LibreOfficeUnavailable("LibreOffice 'soffice' not found")
        if not os.path.exists(self.uno_python):
            raise LibreOfficeUnavailable(f"no Python with 'uno' at {self.uno_python}")
        t0 = time.monotonic()
        last_error: Exception | None = None
        for _attempt in range(3):  # a port taken between probe and bind -> retry
            try:
                self._start_once()
                self.startup_seconds = time.monotonic() - t0
                return
            except LibreOfficeError as exc:
                last_error = exc
                self._kill()
        raise LibreOfficeError(f"could not start LibreOffice: {last_error}")

    def _start_once(self) -> None:
        self.tmpdir = Path(tempfile.mkdtemp(prefix="xl_kik_lo_"))
        profile = self.tmpdir / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_xcu(self.config),
                                                                     encoding="utf-8")
        self.port = _free_port()
        env = dict(os.environ)
        env["SAL_USE_VCLPLUGIN"] = "svp"  # headless VCL backend; dialogs stay real
        env["SAL_ENABLE_FILE_LOCKING"] = "0"  # no .~lock files, no "Document in Use" box
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        if self.display:  # real X11 windows (VCL's "gen" backend) on our own virtual screen
            env["SAL_USE_VCLPLUGIN"] = "gen"
            env["DISPLAY"] = self.display
        env.setdefault("HOME", str(self.tmpdir))
        log = open(self.tmpdir / "soffice.log", "wb")
        cmd = [self.soffice, f"-env:UserInstallation={profile.as_uri()}",
               "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               f"--accept=socket,host=127.0.0.1,port={self.port};urp;"]
        # Own process group: soffice (a script) execs oosplash, which forks soffice.bin.
        self._office = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True, cwd=self.tmpdir)
        log.close()
        self.started_pids.append(self._office.pid)

        drv_log = open(self.tmpdir / "driver.log", "wb")
        denv = dict(os.environ)
        for var in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
            denv.pop(var, None)
        denv["PYTHONUNBUFFERED"] = "1"
        self._driver = subprocess.Popen(
            [self.uno_python, "-I", os.path.abspath(__file__), "--driver", str(self.port),
             str(self.startup_timeout)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=drv_log, env=denv,
            start_new_session=True, cwd=self.tmpdir)
        drv_log.close()
        self.started_pids.append(self._driver.pid)
        self._responses = queue.Queue()
        threading.Thread(target=self._reader, args=(self._driver, self._responses),
                         daemon=True, name="lo-driver-reader").start()
        info = self._call("hello", timeout=self.startup_timeout + 10)
        if info.get("soffice_bin_pid"):
            self.started_pids.append(int(info["soffice_bin_pid"]))
        self.info = info

    @staticmethod
    def _reader(proc: subprocess.Popen, out: "queue.Queue[str | None]") -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.put(line.decode("utf-8", "replace"))
        out.put(None)

    def _alive(self) -> bool:
        return (self._office is not None and self._office.poll() is None
                and self._driver is not None and self._driver.poll() is None)

    def stop(self) -> None:
        """Close documents, terminate soffice, and make sure every process we started is gone."""
        try:
            if self._alive():
                try:
                    self._call("terminate", timeout=20)
                except LibreOfficeError:
                    pass
        finally:
            self._kill(grace=10)

    def _kill(self, grace: float = 0.0) -> None:
        """End the driver and soffice; ``grace`` seconds to exit on their own first."""
        procs = [p for p in (self._driver, self._office) if p is not None]
        for proc in procs:
            if proc.stdin:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        # Each process was started as leader of its own group: signal that group only.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pending = [p for p in procs if _group_pids(p.pid)]
            if not pending:
                break
            for proc in pending:
                try:
                    os.killpg(proc.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            end = time.monotonic() + 5
            while time.monotonic() < end and any(_group_pids(p.pid) for p in pending):
                time.sleep(0.1)
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
            if proc.stdout:
                proc.stdout.close()
        self._driver = self._office = None
        self._docs.clear()
        if self.tmpdir and not os.environ.get("XL_KIK_KEEP_LO_PROFILE"):
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def leftover_pids(self) -> list[int]:
        """Pids this session started that are still alive (should be [] after stop())."""
        return [pid for pid in self.started_pids if _pid_alive(pid)]

    # ---- protocol
    def _call(self, cmd: str, timeout: float | None = None, **args: Any) -> Any:
        timeout = self.timeout if timeout is None else timeout
        with self._lock:
            if self._driver is None or self._driver.poll() is not None:
                raise LibreOfficeError(f"LibreOffice driver is not running ({cmd})"
                                       + self._log_tail())
            self._next_id += 1
            req = {"id": self._next_id, "cmd": cmd, "args": args}
            try:
                assert self._driver.stdin is not None
                self._driver.stdin.write((json.dumps(req) + "\n").encode("utf-8"))
                self._driver.stdin.flush()
            except OSError as exc:
                self._kill_locked_failure()
                raise LibreOfficeError(f"driver pipe broken during {cmd}: {exc}") from exc
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                try:
                    line = self._responses.get(timeout=max(0.01, remaining))
                except queue.Empty:
                    tail = self._log_tail()
                    self._kill_locked_failure()
                    raise LibreOfficeError(f"LibreOffice timed out after {timeout:.0f}s "
                                           f"in {cmd}; soffice was killed{tail}") from None
                if line is None:
                    tail = self._log_tail()
                    self._kill_locked_failure()
                    raise LibreOfficeError(f"LibreOffice driver exited during {cmd}{tail}")
                try:
                    resp = json.loads(line)
                except ValueError:
                    continue  # stray output; the protocol channel only carries JSON
                if resp.get("id") != req["id"]:
                    continue
                if resp.get("fatal"):
                    self._kill_locked_failure()
                    raise LibreOfficeError(f"LibreOffice timed out in {cmd}: "
                                           f"{resp.get('error')}; soffice was killed")
                if not resp.get("ok"):
                    raise LibreOfficeError(f"{cmd} failed: {resp.get('error')}\n"
                                           f"{resp.get('traceback', '')}")
                return resp.get("result")

    def _kill_locked_failure(self) -> None:
        self._kill()

    def _log_tail(self) -> str:
        parts = []
        for name in ("driver.log", "soffice.log"):
            try:
                text = (self.tmpdir / name).read_text(errors="replace")  # type: ignore[operator]
            except (OSError, TypeError):
                continue
            if text.strip():
                parts.append(f"\n--- {name} (tail) ---\n" + text[-2000:])
        return "".join(parts)

    # ---- documents
    def open(self, path: str | os.PathLike, hidden: bool = False) -> Doc:
        """Load a document. ``hidden=False`` (default; soffice is still invisible) is needed
        for typing; ``hidden=True`` is API-only and loses e.g. freeze panes."""
        if not self._alive():
            self._kill()
            self.start()
        p = Path(path).resolve()
        if not p.exists():
            raise FileNotFoundError(p)
        doc_id = self._call("open", path=str(p), hidden=hidden, timeout=120)
        doc = Doc(self, doc_id, p)
        self._docs[doc_id] = doc
        return doc


# ---------------------------------------------------------------------- virtual screen

class VirtualScreen:
    """Our own X server (Debian's ``xvfb``) of a given size, for LibreOffice in a real window
    (``LibreOfficeSession(display=screen.display)``). Started with ``-displayfd`` (the server
    picks a free display number), in its own process group, ended by that pid only."""

    def __init__(self, width: int, height: int, depth: int = 24):
        self.width, self.height, self.depth = width, height, depth
        self.display: str | None = None
        self._proc: subprocess.Popen | None = None

    @staticmethod
    def available() -> str | None:
        """None if Xvfb and xwd are installed, else the reason."""
        missing = [exe for exe in ("Xvfb", "xwd") if shutil.which(exe) is None]
        return f"{' and '.join(missing)} not found (apt-get install xvfb x11-apps)" if missing else None

    def __enter__(self) -> "VirtualScreen":
        read_fd, write_fd = os.pipe()
        self._proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
             f"{self.width}x{self.height}x{self.depth}", "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write_fd)
        number = b""
        with os.fdopen(read_fd, "rb") as fh:
            while not number.endswith(b"\n"):
                chunk = fh.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip().isdigit():
            self.__exit__()
            raise LibreOfficeError("Xvfb did not start")
        self.display = ":" + number.strip().decode()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=10)
            self._proc = None

    def screenshot(self, path: str | os.PathLike,
                   box: tuple[int, int, int, int] | None = None) -> Path:
        """The screen (or the ``(left, top, right, bottom)`` part of it) as a PNG (``xwd -root``,
        converted here: no image library)."""
        data = subprocess.run(["xwd", "-root", "-silent", "-display", str(self.display)],
                              capture_output=True, check=True, timeout=30).stdout
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(xwd_to_png(data, box))
        return p


def xwd_to_png(data: bytes, box: tuple[int, int, int, int] | None = None) -> bytes:
    """A 24/32-bit TrueColor ZPixmap XWD dump (what ``xwd`` writes for Xvfb) as an RGB PNG,
    optionally only the ``(left, top, right, bottom)`` part."""
    import struct
    import zlib

    header = struct.unpack(">25I", data[:100])
    header_size, width, height = header[0], header[4], header[5]
    byte_order, bits_per_pixel, bytes_per_line = header[7], header[11], header[12]
    red_mask, green_mask, blue_mask = header[14], header[15], header[16]
    ncolors = header[19]
    if bits_per_pixel != 32:
        raise ValueError(f"xwd with {bits_per_pixel} bits per pixel")
    pixels = data[header_size + 12 * ncolors:]
    fmt = "<" if byte_order == 0 else ">"
    shifts = [(m, (m & -m).bit_length() - 1) for m in (red_mask, green_mask, blue_mask)]
    left, top, right, bottom = box or (0, 0, width, height)
    right, bottom = min(right, width), min(bottom, height)
    rows = []
    for y in range(top, bottom):
        line = pixels[y * bytes_per_line + 4 * left:y * bytes_per_line + 4 * right]
        out = bytearray(b"\x00")  # filter type: none
        for (v,) in struct.iter_unpack(fmt + "I", line):
            out += bytes((v & m) >> sh for m, sh in shifts)
        rows.append(bytes(out))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", right - left, bottom - top, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


# ------------------------------------------------------------------------- driver side
# Everything below runs in the UNO interpreter (``/usr/bin/python3``), never in pytest.

def _driver_main(port: int, startup_timeout: float) -> int:  # pragma: no cover - subprocess
    # Reserve the real stdout for the protocol; anything printed goes to stderr (the log).
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    import faulthandler
    import traceback

    # `kill -USR1 <driver pid>` writes every thread's Python stack to driver.log.
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    drv = _Driver(port, startup_timeout)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        _log(f"-> {req['cmd']} {str(req.get('args'))[:200]}")
        try:
            result = drv.dispatch(req["cmd"], req.get("args") or {})
            resp = {"id": req["id"], "ok": True, "result": result}
        except Exception as exc:  # noqa: BLE001 - reported to the client
            resp = {"id": req["id"], "ok": False, "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(),
                    # A blocked UI action leaves soffice unusable: the client kills it.
                    "fatal": isinstance(exc, TimeoutError)}
        proto.write(json.dumps(resp, default=str) + "\n")
        proto.flush()
        if req["cmd"] == "terminate":
            break
    else:
        # stdin closed without "terminate": pytest died. Don't leave soffice behind.
        _log("stdin closed: terminating soffice")
        drv.shutdown_orphan()
    # Skip interpreter finalization: UNO listener threads calling back into a finalizing
    # interpreter abort with "PyThreadState_Get: the function must be called with the GIL".
    sys.stderr.flush()
    os._exit(0)


def _log(msg: str) -> None:  # pragma: no cover - driver.log in the session's temp dir
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class _EventLog:  # pragma: no cover - runs in the subprocess
    """Counts global document events ("DialogExecute", "DialogClosed", "OnLoad", ...)."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def count(self, name: str) -> int:
        with self._lock:
            return self._counts.get(name, 0)

    def make_listener(self) -> Any:
        import unohelper
        from com.sun.star.document import XDocumentEventListener

        log = self

        class Listener(unohelper.Base, XDocumentEventListener):
            def documentEventOccured(self, event: Any) -> None:  # UNO spelling
                with log._lock:
                    log._counts[event.EventName] = log._counts.get(event.EventName, 0) + 1

            def disposing(self, source: Any) -> None:
                pass

        return Listener()


class _Driver:  # pragma: no cover - runs in the subprocess
    POLL = 0.05
    SETTLE = 0.3  # quiet time after an action before it counts as done
    LOCKED_WAIT = 2.0  # how long the first key on a protected cell waits for the message

    def __init__(self, port: int, startup_timeout: float):
        import uno  # noqa: F401  (Debian python3-uno)

        self.uno = uno
        self.port = port
        self.startup_timeout = startup_timeout
        self.ctx = None
        self.docs: dict[int, Any] = {}
        self.next_doc = 0

    # ---- plumbing
    def dispatch(self, cmd: str, args: dict) -> Any:
        fn = getattr(self, "cmd_" + cmd, None)
        if fn is None:
            raise ValueError(f"unknown command {cmd!r}")
        if "doc" in args:
            args = dict(args)
            args["doc"] = self.docs[args["doc"]]
        return fn(**args)

    def pv(self, name: str, value: Any) -> Any:
        from com.sun.star.beans import PropertyValue

        p = PropertyValue()
        p.Name = name
        p.Value = value
        return p

    def pvs(self, **kw: Any) -> tuple:
        return tuple(self.pv(k, v) for k, v in kw.items())

    def svc(self, name: str) -> Any:
        return self.ctx.ServiceManager.createInstanceWithContext(name, self.ctx)

    @staticmethod
    def state(obj: Any) -> dict:
        return {p.Name: p.Value for p in obj.getState()}

    @staticmethod
    def jsonable(value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, (list, tuple)):
            return [_Driver.jsonable(v) for v in value]
        return str(value)

    # ---- commands
    def cmd_hello(self) -> dict:
        uno = self.uno
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:socket,host=127.0.0.1,port={self.port};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + self.startup_timeout
        NoConnect = uno.getClass("com.sun.star.connection.NoConnectException")
        while True:
            try:
                self.ctx = resolver.resolve(url)
                break
            except NoConnect:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.desktop = self.svc("com.sun.star.frame.Desktop")
        self.uitest = self.svc("org.libreoffice.uitest.UITest")
        self.toolkit = self.svc("com.sun.star.awt.Toolkit")
        self.events = _EventLog()
        geb = self.ctx.getValueByName("/singletons/com.sun.star.frame.theGlobalEventBroadcaster")
        geb.addDocumentEventListener(self.events.make_listener())
        prov = self.svc("com.sun.star.configuration.ConfigurationProvider")
        node = prov.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationAccess",
            (self.pv("nodepath", "/org.openoffice.Setup/Product"),))
        version = node.getByName("ooSetupVersionAboutBox")
        bin_pid = None
        # soffice.bin is a child of oosplash; find it by our unique --accept port.
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as fh:
                        argv = fh.read().split(b"\0")
                except OSError:
                    continue
                if argv and argv[0].endswith(b"soffice.bin") and any(
                        f"port={self.port};".encode() in a for a in argv):
                    bin_pid = int(entry)
        self.bin_pid = bin_pid
        return {"version": version, "soffice_bin_pid": bin_pid,
                "python": sys.version.split()[0]}

    def shutdown_orphan(self) -> None:
        t = threading.Thread(target=self.cmd_terminate, daemon=True)
        t.start()
        t.join(10)
        pid = getattr(self, "bin_pid", None)
        if pid:
            # give the terminate a moment to end soffice.bin: wait until the process is gone
            # (at most 5 s), then kill what is left
            end = time.monotonic() + 5
            while time.monotonic() < end and _pid_alive(pid):
                time.sleep(0.05)
            try:
                os.kill(pid, signal.SIGKILL)  # the soffice.bin found by our unique port
            except (ProcessLookupError, PermissionError):
                pass

    def cmd_terminate(self) -> bool:
        if self.ctx is None:
            return True
        for doc in list(self.docs.values()):
            try:
                doc.close(True)
            except Exception:  # noqa: BLE001
                pass
        self.docs.clear()
        try:
            self.desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge dies with the office
            pass
        return True

    def cmd_open(self, path: str, hidden: bool) -> int:
        url = self.uno.systemPathToFileUrl(path)
        props = self.pvs(Hidden=bool(hidden), MacroExecutionMode=4,  # ALWAYS_EXECUTE_NO_WARN
                         UpdateDocMode=0, ReadOnly=False)
        # Loading may raise a dialog too (e.g. a repair prompt): watch for it.
        box: dict = {}

        def load() -> None:
            box["doc"] = self.desktop.loadComponentFromURL(url, "_blank", 0, props)

        dialogs = self.run_watched(load, timeout=90, button=None)
        doc = box.get("doc")
        if doc is None and not dialogs:
            # Seen once in CI under load: loadComponentFromURL returned None with no dialog and
            # no exception. A second attempt after a pause loads the same file normally.
            _log(f"open: load of {path} returned None without a dialog; retrying once")
            # retry when LibreOffice answers again (a trivial call through the same watch)
            self.run_watched(lambda: self.desktop.getFrames().getCount(), timeout=30, button=None)
            dialogs = self.run_watched(load, timeout=90, button=None)
            doc = box.get("doc")
        if doc is None:
            raise RuntimeError(f"could not load {path}; dialogs: {dialogs}")
        self.next_doc += 1
        self.docs[self.next_doc] = doc
        return self.next_doc

    def cmd_close(self, doc: Any) -> bool:
        for k, v in list(self.docs.items()):
            if v is doc:
                del self.docs[k]
        doc.close(True)
        return True

    def sheet(self, doc: Any, name: str) -> Any:
        sheets = doc.getSheets()
        if not sheets.hasByName(name):
            raise KeyError(f"no sheet {name!r}; sheets: {list(sheets.getElementNames())}")
        return sheets.getByName(name)

    def read(self, doc: Any, sheet: str, cell: str) -> Any:
        c = self.sheet(doc, sheet).getCellRangeByName(cell)
        kind = c.getType().value  # EMPTY VALUE TEXT FORMULA
        if kind == "EMPTY":
            return None
        if kind == "VALUE":
            return c.getValue()
        if kind == "TEXT":
            return c.getString()
        if c.getError():
            return c.getString()  # e.g. "#VALUE!" / "Err:502"
        rtype = c.FormulaResultType2  # com.sun.star.sheet.FormulaResult: 1 value, 2 string
        return c.getValue() if rtype == 1 else c.getString()

    def cmd_value(self, doc: Any, sheet: str, cell: str) -> Any:
        return self.read(doc, sheet, cell)

    def cmd_formula(self, doc: Any, sheet: str, cell: str) -> str:
        return self.sheet(doc, sheet).getCellRangeByName(cell).getFormula()

    def cmd_formula_result(self, doc: Any, sheet: str, cell: str, recalc: bool) -> Any:
        if recalc:
            doc.calculateAll()
        return self.read(doc, sheet, cell)

    def cmd_show_invalid(self, doc: Any, sheet: str) -> bool:
        sh = self.sheet(doc, sheet)
        found = bool(sh.showInvalid())
        sh.clearArrows()
        return found

    def cmd_save_as(self, doc: Any, path: str, filter_name: str) -> bool:
        url = self.uno.systemPathToFileUrl(path)
        doc.storeToURL(url, self.pvs(FilterName=filter_name, Overwrite=True))
        return True

    def cmd_list_basic_modules(self, doc: Any) -> dict:
        out = {}
        libs = doc.BasicLibraries
        for lib_name in libs.getElementNames():
            if not libs.isLibraryLoaded(lib_name):
                libs.loadLibrary(lib_name)
            lib = libs.getByName(lib_name)
            for mod in lib.getElementNames():
                out[f"{lib_name}.{mod}"] = lib.getByName(mod)
        return out

    def cmd_add_basic_module(self, doc: Any, library: str, module: str, source: str) -> bool:
        libs = doc.BasicLibraries
        if not libs.hasByName(library):
            libs.createLibrary(library)
        libs.loadLibrary(library)
        lib = libs.getByName(library)
        if lib.hasByName(module):
            lib.replaceByName(module, source)
        else:
            lib.insertByName(module, source)
        return True

    def cmd_run_macro(self, doc: Any, uri: str, args: list, button: str | None,
                      macro_timeout: float) -> dict:
        script = doc.getScriptProvider().getScript(uri)
        box: dict = {}

        def run() -> None:
            res = script.invoke(tuple(args), (), ())
            box["result"] = res[0] if isinstance(res, tuple) else res

        dialogs = self.run_watched(run, timeout=macro_timeout, button=button)
        if "error" in box:
            raise RuntimeError(f"macro {uri} failed: {box['error']}; dialogs: {dialogs}")
        return {"result": self.jsonable(box.get("result")), "dialogs": dialogs}

    def cmd_button_macros(self, doc: Any, sheet: str) -> list:
        sh = self.sheet(doc, sheet)
        page = sh.getDrawPage()
        out = []
        for i in range(page.getCount()):
            shape = page.getByIndex(i)
            if not shape.supportsService("com.sun.star.drawing.ControlShape"):
                continue
            model = shape.getControl()
            if model is None:
                continue
            info = {"name": model.Name, "label": "", "control": model.getImplementationName(),
                    "events": [], "script": ""}
            try:
                info["label"] = model.Label
            except AttributeError:
                pass
            form = model.getParent()
            # The form's event attacher holds the bindings, by the control's index in the form.
            try:
                idx = next(j for j in range(form.getCount()) if form.getByIndex(j) == model)
                for ev in form.getScriptEvents(idx):
                    info["events"].append({"listener": ev.ListenerType, "method": ev.EventMethod,
                                           "type": ev.ScriptType, "script": ev.ScriptCode})
            except (StopIteration, AttributeError):
                pass
            scripts = [e["script"] for e in info["events"] if e["script"]]
            info["script"] = scripts[0] if scripts else ""
            out.append(info)
        return out

    # ---- typing + dialogs
    def cell_protected(self, doc: Any, sheet: str, cell: str) -> bool:
        sh = self.sheet(doc, sheet)
        return bool(sh.isProtected()) and bool(
            sh.getCellRangeByName(cell).CellProtection.IsLocked)

    def grid_window(self, doc: Any, tab: int, cell: str) -> Any:
        """The UITest grid window of ``doc``, with ``doc`` the active view.

        UITest's ``getTopFocusWindow()`` is not focus based: without a running dialog it
        returns VCL's *first frame*, i.e. the most recently created document window. So
        only the newest open document can be typed into. This is verified (not assumed):
        the cursor is moved through the API to a probe cell and the grid must follow.
        """
        stray: list = []
        while self.close_dialogs(None, stray) and len(stray) < 20:
            pass  # a dialog left open by an earlier action would swallow the keys
        if stray:
            _log(f"closed stray dialogs before typing: {stray}")
        ctrl = doc.getCurrentController()
        ctrl.getFrame().activate()  # makes this view the one Calc's input handler uses
        top = self.uitest.getTopFocusWindow()
        if top is None or "grid_window" not in top.getChildren():
            raise RuntimeError("no Calc grid window on top (is a dialog still open?)")
        grid = top.getChild("grid_window")
        sheet = doc.getSheets().getByIndex(tab)
        ctrl.setActiveSheet(sheet)
        target = sheet.getCellRangeByName(cell).getCellAddress()
        state = self.state(grid)
        col, row = target.Column, target.Row
        if (state.get("CurrentColumn"), state.get("CurrentRow")) == (str(col), str(row)):
            col = col + 1 if col < 1000 else col - 1  # probe must move the cursor
        ctrl.select(sheet.getCellByPosition(col, row))
        state = self.state(grid)
        if (state.get("CurrentColumn"), state.get("CurrentRow"),
                state.get("SelectedTable")) != (str(col), str(row), str(tab)):
            raise RuntimeError(
                "typing only reaches the most recently opened document (LibreOffice's "
                "UITest drives VCL's newest frame); close the documents opened after "
                f"{doc.getURL()} or open it last")
        return grid

    def check_cursor(self, doc: Any, grid: Any, sheet: str, tab: int, cell: str,
                     pos: Any) -> None:
        """Before the first key: the view must show ``sheet`` with the cursor on ``cell``
        (both as the grid window sees it and as the controller reports it)."""
        state = self.state(grid)
        active = doc.getCurrentController().getActiveSheet().getName()
        got = (state.get("SelectedTable"), state.get("CurrentColumn"), state.get("CurrentRow"))
        if active != sheet or got != (str(tab), str(pos.Column), str(pos.Row)):
            raise RuntimeError(
                f"could not put the cursor on {sheet}.{cell} before typing: active sheet "
                f"{active!r}, grid at sheet #{got[0]} column {got[1]} row {got[2]} "
                f"(wanted #{tab}, {pos.Column}, {pos.Row}); nothing was typed")

    def cmd_set_window(self, doc: Any, x: int, y: int, width: int, height: int) -> list:
        """Place and size the document's frame window (there is no window manager on a virtual
        screen: the frame is what the person sees); returns the size it got."""
        win = doc.getCurrentController().getFrame().getContainerWindow()
        win.setPosSize(x, y, width, height, 15)  # com.sun.star.awt.PosSize.POSSIZE
        win.setVisible(True)
        end = time.monotonic() + 5
        while time.monotonic() < end:
            r = win.getPosSize()
            if (r.Width, r.Height) == (width, height):
                break
            time.sleep(self.POLL)
        time.sleep(self.SETTLE)  # the grid is laid out again
        r = win.getPosSize()
        return [r.X, r.Y, r.Width, r.Height]

    def cmd_select_cell(self, doc: Any, sheet: str, cell: str) -> bool:
        """Move the cell cursor to ``cell`` through the grid window with the arrow key Right from
        the cell on its left (Down from the cell above in column A), as a person does: the view
        scrolls to show it, and Calc shows what it shows for a cursor moved by a person (the
        validation's input message, a list validation's arrow button; UITest's own SELECT does
        neither)."""
        tab = list(doc.getSheets().getElementNames()).index(sheet)
        grid = self.grid_window(doc, tab, cell)
        target = self.sheet(doc, sheet).getCellRangeByName(cell)
        pos = target.getCellAddress()
        col, row, key = (pos.Column - 1, pos.Row, "RIGHT") if pos.Column else (0, pos.Row - 1, "DOWN")
        start = self.sheet(doc, sheet).getCellByPosition(max(col, 0), max(row, 0))
        grid.executeAction("SELECT", self.pvs(TABLE=str(tab)))
        grid.executeAction("SELECT", self.pvs(CELL=start.AbsoluteName))
        if row >= 0:
            grid.executeAction("TYPE", self.pvs(KEYCODE=key))
        self.check_cursor(doc, grid, sheet, tab, cell, pos)
        time.sleep(self.SETTLE)
        return True

    def cmd_view(self, doc: Any) -> dict:
        """What the view shows: frozen panes (``split_column``/``split_row``: the first column/row
        that scrolls, 0-based) and every pane's visible range (0-based, inclusive)."""
        ctrl = doc.getCurrentController()
        panes = []
        for i in range(ctrl.getCount()):
            r = ctrl.getByIndex(i).getVisibleRange()
            panes.append({"first_col": r.StartColumn, "last_col": r.EndColumn,
                          "first_row": r.StartRow, "last_row": r.EndRow})
        win = ctrl.getFrame().getContainerWindow().getPosSize()
        out = {"frozen": bool(ctrl.hasFrozenPanes()), "split_column": ctrl.getSplitColumn(),
               "split_row": ctrl.getSplitRow(), "panes": panes, "zoom": ctrl.ZoomValue,
               "window": [win.X, win.Y, win.Width, win.Height]}
        out["cursor"] = self.cursor_pixels(ctrl, out["split_column"], out["split_row"])
        return out

    def cursor_pixels(self, ctrl: Any, split_col: int, split_row: int) -> dict | None:
        """How much of the cursor cell is on screen: its shown part (the accessible cell's
        bounds, clipped to its pane) against its full size in pixels. Full size = the cell's
        width/height (1/100 mm, API) at the view's own scale, measured on the frozen panes: the
        left pane is exactly as wide as the frozen columns, the top pane as high as the frozen
        rows."""
        from com.sun.star.accessibility.AccessibleRole import TABLE

        tables: list = []

        def walk(c: Any, depth: int) -> None:
            if depth > 10 or c is None:
                return
            if c.getAccessibleRole() == TABLE:
                tables.append(c)
                return
            for j in range(min(c.getAccessibleChildCount(), 50)):
                ch = c.getAccessibleChild(j)
                walk(ch.getAccessibleContext() if ch is not None else None, depth + 1)

        walk(ctrl.getFrame().getContainerWindow().getAccessibleContext(), 0)
        sel = ctrl.getSelection()
        if not hasattr(sel, "getCellAddress") or not split_col or not split_row:
            return None
        cur = sel.getCellAddress()
        shown, active = None, None
        for t in tables:
            cb = t.getAccessibleCellAt(cur.Row, cur.Column).getAccessibleContext().getBounds()
            if cb.Width > 0 and cb.Height > 0:
                shown, active = [cb.Width, cb.Height], t.getBounds()
        if active is None:
            return {"shown_px": [0, 0], "full_px": None, "pane_px": None}
        sizes = [t.getBounds() for t in tables]
        left = next(b.Width for b in sizes if b.Height == active.Height and b.Width != active.Width)
        top = next(b.Height for b in sizes if b.Width == active.Width and b.Height != active.Height)
        sheet = ctrl.getActiveSheet()
        cols, rows = sheet.getColumns(), sheet.getRows()
        frozen_w = sum(cols.getByIndex(i).Width for i in range(split_col) if cols.getByIndex(i).IsVisible)
        frozen_h = sum(rows.getByIndex(i).Height for i in range(split_row) if rows.getByIndex(i).IsVisible)
        full = [cols.getByIndex(cur.Column).Width * left / frozen_w,
                rows.getByIndex(cur.Row).Height * top / frozen_h]
        return {"shown_px": shown, "full_px": [round(full[0]), round(full[1])],
                "pane_px": [active.Width, active.Height], "frozen_px": [left, top]}


    def cmd_pick_from_list(self, doc: Any, sheet: str, cell: str, item: str) -> dict:
        """Open the cell's validation dropdown (UITest ``LAUNCH SELECTMENU``, what a click on the
        cell's arrow does), highlight ``item`` in the list (accessibility selection) and press
        Enter in the list, as a person choosing the item."""
        from com.sun.star.accessibility.AccessibleRole import LIST
        from com.sun.star.awt import KeyEvent
        from com.sun.star.awt.Key import RETURN

        sheet_names = list(doc.getSheets().getElementNames())
        tab = sheet_names.index(sheet)
        grid = self.grid_window(doc, tab, cell)
        before = self.read(doc, sheet, cell)
        target = self.sheet(doc, sheet).getCellRangeByName(cell)
        pos = target.getCellAddress()
        grid.executeAction("SELECT", self.pvs(TABLE=str(tab)))
        grid.executeAction("SELECT", self.pvs(CELL=target.AbsoluteName))
        self.check_cursor(doc, grid, sheet, tab, cell, pos)
        known = {id(self.toolkit.getTopWindow(i)) for i in range(self.toolkit.getTopWindowCount())}
        grid.executeAction("LAUNCH", self.pvs(SELECTMENU="", COL=str(pos.Column), ROW=str(pos.Row)))

        def find_list() -> tuple:
            for i in range(self.toolkit.getTopWindowCount()):
                w = self.toolkit.getTopWindow(i)
                if not w.isVisible():
                    continue
                ctx = w.getAccessibleContext()
                for _depth in range(6):
                    if ctx is None or ctx.getAccessibleRole() == LIST:
                        break
                    if ctx.getAccessibleChildCount() != 1:
                        ctx = None
                        break
                    ctx = ctx.getAccessibleChild(0).getAccessibleContext()
                if ctx is not None and ctx.getAccessibleRole() == LIST:
                    return w, ctx
            return None, None

        end = time.monotonic() + 5
        window, lst = find_list()
        while lst is None and time.monotonic() < end:
            time.sleep(self.POLL)
            window, lst = find_list()
        if lst is None:
            raise RuntimeError(f"no dropdown list opened on {sheet}.{cell}")
        items = [lst.getAccessibleChild(i).getAccessibleContext().getAccessibleName()
                 for i in range(lst.getAccessibleChildCount())]
        if item not in items:
            raise RuntimeError(f"{item!r} is not in the dropdown of {sheet}.{cell}: {items[:20]}")
        lst.selectAccessibleChild(items.index(item))
        time.sleep(self.SETTLE)
        ev = KeyEvent()
        ev.Source = window
        ev.KeyCode = RETURN
        ev.KeyChar = "\r"
        self.toolkit.keyPress(ev)  # (no keyRelease: the list is gone by then)
        end = time.monotonic() + 5
        while time.monotonic() < end and self.read(doc, sheet, cell) == before:
            time.sleep(self.POLL)
        time.sleep(self.SETTLE)
        return {"cell": cell, "item": item, "items": items, "value_before": before,
                "value_after": self.read(doc, sheet, cell)}

    def cmd_type_cells(self, doc: Any, sheet: str, entries: list, button: str | None,
                       timeout_per_entry: float) -> list:
        sheet_names = list(doc.getSheets().getElementNames())
        if sheet not in sheet_names:
            raise KeyError(f"no sheet {sheet!r}; sheets: {sheet_names}")
        tab = sheet_names.index(sheet)
        results = []
        for cell, text in entries:
            grid = self.grid_window(doc, tab, cell)
            before = self.read(doc, sheet, cell)

            locked = self.cell_protected(doc, sheet, cell)
            # Sheet-qualified, as LibreOffice spells it ("$Evaluering.$E$8", quoted if
            # needed): SELECT CELL parses the address with the OOo convention and
            # MarkRange() switches to the address' sheet, which is sheet 0 for a bare
            # "E8" -- that would undo SELECT TABLE and type into the first sheet.
            target = self.sheet(doc, sheet).getCellRangeByName(cell)
            address = target.AbsoluteName
            pos = target.getCellAddress()

            def keys(seen: threading.Event, grid: Any = grid, cell: str = cell,
                     text: str = text, locked: bool = locked, address: str = address,
                     pos: Any = pos) -> None:
                grid.executeAction("SELECT", self.pvs(TABLE=str(tab)))
                grid.executeAction("SELECT", self.pvs(CELL=address))
                self.check_cursor(doc, grid, sheet, tab, cell, pos)
                rest = text
                if locked and text:
                    # Calc answers every key on a protected cell with a message box; a
                    # person reads the first one and stops typing. Type one key, and
                    # only go on if no message came.
                    grid.executeAction("TYPE", self.pvs(TEXT=text[0]))
                    if seen.wait(self.LOCKED_WAIT):
                        return
                    rest = text[1:]
                # "\n" in the text is a line break inside the cell: Calc's Ctrl+Enter
                # (Enter alone would end the entry).
                for i, part in enumerate(rest.split("\n")):
                    if i:
                        grid.executeAction("TYPE", self.pvs(KEYCODE="CTRL+RETURN"))
                    if part:
                        grid.executeAction("TYPE", self.pvs(TEXT=part))
                grid.executeAction("TYPE", self.pvs(KEYCODE="RETURN"))

            dialogs = self.run_watched(keys, timeout=timeout_per_entry, button=button)
            after = self.read(doc, sheet, cell)
            if not dialogs:
                outcome = "accepted"
            elif self.cell_protected(doc, sheet, cell):
                outcome = "protected"
            else:
                outcome = "rejected"
            results.append({
                "cell": cell, "text": text, "outcome": outcome,
                "dialog_text": "\n".join(d["text"] for d in dialogs),
                "dialog_title": dialogs[0]["title"] if dialogs else "",
                "value_before": before, "value_after": after, "dialogs": dialogs})
        return results

    def run_watched(self, action: Any, timeout: float, button: str | None) -> list:
        """Run ``action`` in a thread; record and close every modal dialog until it is done
        and no dialog appeared for SETTLE seconds. ``action`` may take one argument: a
        ``threading.Event`` that is set as soon as a dialog was seen."""
        box: dict = {}
        seen = threading.Event()
        takes_event = action.__code__.co_argcount - len(action.__defaults__ or ()) >= 1

        def target() -> None:
            try:
                action(seen) if takes_event else action()
            except Exception as exc:  # noqa: BLE001
                box["error"] = f"{type(exc).__name__}: {exc}"

        worker = threading.Thread(target=target, daemon=True, name="uno-action")
        dialogs: list = []
        worker.start()
        deadline = time.monotonic() + timeout
        quiet_since = None
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"action still blocked after {timeout}s; dialogs: {dialogs}")
            if self.close_dialogs(button, dialogs):
                seen.set()
                quiet_since = None
                continue
            if not worker.is_alive():
                if quiet_since is None:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= self.SETTLE:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"action still blocked after {timeout}s; dialogs: {dialogs}")
            time.sleep(self.POLL)
        if "error" in box:
            raise RuntimeError(f"{box['error']}; dialogs: {dialogs}")
        return dialogs

    def modal_windows(self) -> list:
        """Visible toolkit top windows that are dialogs/alerts (with their accessible)."""
        from com.sun.star.accessibility.AccessibleRole import ALERT, DIALOG, FILE_CHOOSER

        found = []
        for i in range(self.toolkit.getTopWindowCount()):
            w = self.toolkit.getTopWindow(i)
            try:
                if not w.isVisible():
                    continue
            except AttributeError:
                pass
            try:
                ctx = w.getAccessibleContext()
            except Exception:  # noqa: BLE001
                continue
            if ctx is not None and ctx.getAccessibleRole() in (ALERT, DIALOG, FILE_CHOOSER):
                found.append((w, ctx))
        return found

    @staticmethod
    def accessible_texts(ctx: Any) -> tuple[list, list]:
        """(text lines, button accessibles) below an accessible context."""
        from com.sun.star.accessibility.AccessibleRole import PUSH_BUTTON

        texts, buttons = [], []

        def walk(c: Any, depth: int) -> None:
            if depth > 12:
                return
            for i in range(c.getAccessibleChildCount()):
                child = c.getAccessibleChild(i)
                cc = child.getAccessibleContext() if child is not None else None
                if cc is None:
                    continue
                name = cc.getAccessibleName() or ""
                if cc.getAccessibleRole() == PUSH_BUTTON:
                    buttons.append((name, cc))
                    continue
                text = ""
                try:
                    text = cc.getText()
                except AttributeError:
                    pass
                text = text or name
                if text and text not in texts:
                    texts.append(text)
                walk(cc, depth + 1)

        walk(ctx, 0)
        return texts, buttons

    def click(self, fn: Any) -> None:
        """Press a dialog button from a helper thread: the click may run the next modal
        dialog inside its own call (and block until that one is closed), so the watcher
        must not wait for it beyond a short moment."""

        def target() -> None:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001
                _log(f"click failed: {exc}")

        t = threading.Thread(target=target, daemon=True, name="uno-click")
        t.start()
        t.join(1.0)

    def close_dialogs(self, button: str | None, log: list) -> bool:
        """Close the topmost modal dialog, if any; append what it said to ``log``."""
        # Only the toolkit (UNO window wrappers, safe against disposed windows) is polled.
        # UITest objects are touched only once a dialog is known to be up: a UITest
        # UIObject whose window is destroyed meanwhile (e.g. while a document loads)
        # crashes soffice in get_state().
        windows = self.modal_windows()
        if not windows:
            return False
        top, top_state = None, {}
        try:
            top = self.uitest.getTopFocusWindow()
            top_state = self.state(top) if top is not None else {}
        except Exception:  # noqa: BLE001
            top, top_state = None, {}
        ui_modal = top_state.get("Modal") == "true"
        title, texts, buttons = top_state.get("Text", ""), [], []
        if windows:
            w, ctx = windows[0]
            title = ctx.getAccessibleName() or title
            texts, buttons = self.accessible_texts(ctx)
        closed_before = self.events.count("DialogClosed")
        prefer = [button] if button else []
        prefer += ["cancel", "ok", "close", "yes", "no"]
        pressed = ""
        if ui_modal and top is not None:
            children = set(top.getChildren())
            for name in prefer:
                if name in children:
                    child = top.getChild(name)
                    self.click(lambda: child.executeAction("CLICK", ()))
                    pressed = name
                    break
        if not pressed and buttons:
            labels = {n.replace("~", "").lower(): cc for n, cc in buttons}
            choice = next((labels[n] for n in prefer if n in labels), buttons[0][1])
            self.click(lambda: choice.doAccessibleAction(0))
            pressed = next(n for n, cc in buttons if cc == choice)
        if not pressed and windows:
            try:
                windows[0][0].dispose()  # last resort: the dialog ends as cancelled
                pressed = "<dispose>"
            except Exception:  # noqa: BLE001
                pass
        if not pressed:
            return False
        _log(f"dialog {title!r} closed with {pressed!r}: {texts!r}")
        log.append({"title": title, "text": "\n".join(t for t in texts if t != title),
                    "button": pressed})
        # Wait (bounded) until it is really gone, so it is not counted twice: either VCL
        # broadcast "DialogClosed" or the window is no longer visible. (Calc reuses one
        # message-box window for consecutive "protected cells" messages, so visibility
        # alone is not enough.)
        end = time.monotonic() + 2
        closed = windows[0][0]
        while time.monotonic() < end:
            if self.events.count("DialogClosed") > closed_before:
                break
            try:
                if not closed.isVisible():
                    break
            except Exception:  # noqa: BLE001 - disposed: gone
                break
            time.sleep(self.POLL)
        return True


if __name__ == "__main__" and len(sys.argv) >= 3 and sys.argv[1] == "--driver":
    sys.exit(_driver_main(int(sys.argv[2]),
                          float(sys.argv[3]) if len(sys.argv) > 3 else 120.0))
