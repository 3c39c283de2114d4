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


@pytest.fixture()
def stub_master(tmp_path):
    paths = master.create_round(
        tmp_path / "runde", unit="Børnehuset Solsikken",
        participants=[Participant("", "Ida Hansen", "ida@example.dk", "leder")],
        catalogue=catalogue.builtin("kik"), scale=_scale(),
        options=master.BuildOptions(vba_modules=_stub_modules()))
    return paths.master


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
