"""The master's buttons in a real spreadsheet program (LibreOffice, VBA compatibility mode).

The real ``xlwings`` VBA module cannot be compiled by LibreOffice (``Declare PtrSafe`` of
the xlwings DLL), so the master is built with a stub ``xlwings`` module whose
``RunPython`` records the command it is given in a cell of ``_kik``. Clicking a button is
simulated by running the script LibreOffice bound to it (the button's own binding, read
from the form control), so the test covers: the VBA project is importable, the buttons
are bound to our macros, each macro calls ``RunPython`` with exactly the command of
``BUTTON_MACROS``.
"""

from __future__ import annotations

import sys

import pytest

from xl_kik.core import catalogue
from xl_kik.excel import master
from xl_kik.excel.vba import BUTTON_MACROS, VbaModule
from xl_kik.core.round import Participant

pytestmark = pytest.mark.libreoffice

STUB = (
    "Option Explicit\r\n"
    "Public Const XLWINGS_VERSION As String = \"stub\"\r\n"
    "\r\n"
    "Public Function RunPython(PythonCommand As String)\r\n"
    "    ThisWorkbook.Worksheets(\"_kik\").Range(\"Z1\").Value = PythonCommand\r\n"
    "    RunPython = 0\r\n"
    "End Function\r\n"
)


# xlwings' Dictionary.cls (a class module it needs on macOS) does not compile in
# LibreOffice Basic either ("BASIC syntax error"), and one module that does not compile
# stops the whole library: replace it with an empty class module of the same name.
STUB_CLASS = "Option Explicit\r\nPublic Count As Long\r\n"


def _stub_modules() -> list[VbaModule]:
    stubs = {"xlwings": VbaModule("xlwings", "standard", STUB),
             "Dictionary": VbaModule("Dictionary", "class", STUB_CLASS)}
    modules = master.default_vba_modules()
    assert {"xlwings", "Dictionary"} <= {m.name for m in modules}
    return [stubs.get(m.name, m) for m in modules]


def _scale():
    return catalogue.scale("0-100")


def _stub_round(root, conf_rows, lang="da"):
    return master.create_round(
        root, unit="Børnehuset Solsikken",
        participants=[Participant("", "Ida Hansen", "ida@example.dk", "leder")],
        catalogue=catalogue.builtin("kik"), scale=_scale(), lang=lang,
        options=master.BuildOptions(vba_modules=_stub_modules(), conf_rows=conf_rows)).master


# The macros check that the configured interpreter exists before RunPython; here (Linux,
# LibreOffice reports no Mac) INTERPRETER_WIN must name a file that exists on this machine.
PRESENT = [("Interpreter_Win", sys.executable), ("ADD_WORKBOOK_TO_PYTHONPATH", "false")]
MISSING_EXE = r"C:\Users\gammel pc\AppData\Local\Programs\Python\Python311\python.exe"


@pytest.fixture()
def stub_master(tmp_path):
    return _stub_round(tmp_path / "runde", PRESENT)


def test_buttons_run_their_python_command(libreoffice, stub_master):
    with libreoffice.open(stub_master) as doc:
        modules = doc.list_basic_modules()
        # our module and the (stub) xlwings module were imported into VBAProject
        assert "VBAProject.KikButtons" in modules, sorted(modules)
        assert "VBAProject.xlwings" in modules
        source = modules["VBAProject.KikButtons"]
        for macro, command in BUTTON_MACROS.items():
            assert f"Sub {macro}" in source
            assert command in source
        # every document module of the contract is there (codeNames)
        for code in master.CODE_NAMES.values():
            assert any(name.endswith("." + code) for name in modules), (code, sorted(modules))

        buttons = doc.button_macros("Start")
        labels = {b["label"]: b["script"] for b in buttons}
        assert len(buttons) == len(master.BUTTONS), buttons
        ran = set()
        for macro, caption, _desc in master.BUTTONS:
            script = labels[caption("da")]
            assert script.startswith("vnd.sun.star.script:VBAProject."), script
            assert f".{macro}?" in script, script
            doc.run_macro(script)
            assert doc.value("_kik", "Z1") == BUTTON_MACROS[macro], macro
            ran.add(macro)
        assert ran == set(BUTTON_MACROS)
        assert doc.last_dialogs == []  # the interpreter exists: no message, straight to RunPython


@pytest.mark.parametrize("conf", [
    [("Interpreter_Win", MISSING_EXE), ("ADD_WORKBOOK_TO_PYTHONPATH", "false")],  # another PC's Python
    [("ADD_WORKBOOK_TO_PYTHONPATH", "false")],  # no interpreter configured at all
], ids=["moved", "none"])
def test_missing_interpreter_explains_in_danish_and_runs_nothing(libreoffice, tmp_path, conf):
    path = _stub_round(tmp_path / "runde", conf)
    with libreoffice.open(path) as doc:
        labels = {b["label"]: b["script"] for b in doc.button_macros("Start")}
        for macro, caption, _desc in master.BUTTONS:
            doc.run_macro(labels[caption("da")])
            assert doc.value("_kik", "Z1") in ("", None), macro  # RunPython was not called
            assert len(doc.last_dialogs) == 1, (macro, doc.last_dialogs)
            box = doc.last_dialogs[0]
            assert box["title"] == "KIK-selvevaluering: Python blev ikke fundet"
            text = box["text"]
            assert "Knapperne kan ikke starte Python med xl_kik på denne computer. Intet er kørt eller ændret." in text
            assert "https://www.python.org/downloads/windows/" in text
            assert "installer.cmd" in text and "%LOCALAPPDATA%\\xl_kik" in text
            assert "py -m pip install --user xl_kik-" in text
            if len(conf) == 2:
                assert "Masterfilen peger på en Python, der ikke findes her: " + MISSING_EXE in text
            else:
                assert "Masterfilen peger på" not in text
        # nothing was written into xlwings.conf (no Python was found to write)
        assert doc.value("xlwings.conf", "A1") == conf[0][0]
        assert doc.value("xlwings.conf", "B1") == conf[0][1]
        assert doc.value("xlwings.conf", "A" + str(len(conf) + 1)) in ("", None)


def test_missing_interpreter_message_in_english_for_an_english_round(libreoffice, tmp_path):
    path = _stub_round(tmp_path / "round", [("Interpreter_Win", MISSING_EXE)], lang="en")
    with libreoffice.open(path) as doc:
        labels = {b["label"]: b["script"] for b in doc.button_macros("Start")}
        macro, caption, _desc = master.BUTTONS[0]
        doc.run_macro(labels[caption("en")])
        assert doc.value("_kik", "Z1") in ("", None)
        assert [d["title"] for d in doc.last_dialogs] == ["KIK self-evaluation: Python not found"]
        assert "The master points to a Python that is not here: " + MISSING_EXE in doc.last_dialogs[0]["text"]


def test_found_interpreter_is_written_into_xlwings_conf_and_then_used(libreoffice, tmp_path):
    # KikSetConf is what KikPythonReady calls with the Python it found (finding one needs
    # Windows: WScript.Shell and the py launcher); here it is called directly, then a button.
    path = _stub_round(tmp_path / "runde", [("Interpreter_Win", MISSING_EXE), ("ADD_WORKBOOK_TO_PYTHONPATH", "false")])
    set_conf = "vnd.sun.star.script:VBAProject.KikButtons.KikSetConf?language=Basic&location=document"
    with libreoffice.open(path) as doc:
        labels = {b["label"]: b["script"] for b in doc.button_macros("Start")}
        macro, caption, _desc = master.BUTTONS[0]
        doc.run_macro(labels[caption("da")])
        assert doc.value("_kik", "Z1") in ("", None) and len(doc.last_dialogs) == 1
        doc.run_macro(set_conf, ["INTERPRETER_WIN", sys.executable])
        # the existing row is updated in place (its key as written), nothing appended
        assert [doc.value("xlwings.conf", c) for c in ("A1", "B1", "A2", "B2", "A3")] == [
            "Interpreter_Win", sys.executable, "ADD_WORKBOOK_TO_PYTHONPATH", "false", None]
        doc.run_macro(labels[caption("da")])
        assert doc.last_dialogs == []
        assert doc.value("_kik", "Z1") == BUTTON_MACROS[macro]
    # no interpreter row at all: appended where xlwings reads (the first empty row of column A)
    path = _stub_round(tmp_path / "runde2", [("ADD_WORKBOOK_TO_PYTHONPATH", "false")])
    with libreoffice.open(path) as doc:
        doc.run_macro(set_conf, ["INTERPRETER_WIN", sys.executable])
        assert [doc.value("xlwings.conf", c) for c in ("A2", "B2", "A3")] == ["INTERPRETER_WIN", sys.executable, None]
