"""Proves tests/lo_harness.py (and xl_kik.excel.office) against a real LibreOffice.

The workbook under test is built here with XlsxWriter: sheet "Svar" with
B1 unlocked, whole number 0..100 (error style "stop"), B2 unlocked free text,
B3 locked, B4 = B1*2 (cached result 0), sheet protection without password.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

import lo_harness
from lo_harness import LibreOfficeError, LibreOfficeSession
from xl_kik.excel import office as _office

SHEET = "Svar"
ERROR_TITLE = "Ugyldigt svar"
ERROR_MESSAGE = "Skriv et helt tal fra 0 til 100."


def build_workbook(path: Path, score: object = None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET)
    unlocked = wb.add_format({"locked": False})
    ws.write("A1", "Score")
    ws.write("A2", "Kommentar")
    ws.write("A3", "Fast")
    ws.write("A4", "Dobbelt")
    if score is None:
        ws.write_blank("B1", None, unlocked)
    else:
        ws.write("B1", score, unlocked)  # writing bypasses validation (for show_invalid)
    ws.data_validation("B1", {
        "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100,
        "error_type": "stop", "error_title": ERROR_TITLE, "error_message": ERROR_MESSAGE,
    })
    ws.write_blank("B2", None, unlocked)
    ws.write("B3", "fixed")
    ws.write_formula("B4", "=B1*2")  # XlsxWriter caches 0: needs recalculation on load
    ws.protect()
    wb.close()
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return build_workbook(tmp_path / "svar.xlsx")



@pytest.mark.libreoffice
def test_valid_number_is_accepted_and_saved(libreoffice, workbook, tmp_path):
    with libreoffice.open(workbook) as doc:
        [res] = doc.type_cells(SHEET, [("B1", "42")])
        assert res.outcome == "accepted", res
        assert res.dialog_text == ""
        assert res.value_before is None and res.value_after == 42.0
        assert doc.value(SHEET, "B1") == 42.0
        assert doc.formula_result(SHEET, "B4") == 84.0
        assert doc.show_invalid(SHEET) is False
        out = doc.save_as_xlsx(tmp_path / "saved.xlsx")

    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    assert ws["B1"].value == 42
    assert ws["B3"].value == "fixed"
    assert ws["B4"].value == "=B1*2"
    assert ws.protection.sheet is True
    assert ws["B1"].protection.locked is False and ws["B3"].protection.locked is True
    [dv] = ws.data_validations.dataValidation
    assert dv.type == "whole" and str(dv.sqref) == "B1" and dv.errorStyle in (None, "stop")
    # LibreOffice wrote the recalculated result as the cached value.
    assert openpyxl.load_workbook(out, data_only=True)[SHEET]["B4"].value == 84


@pytest.mark.libreoffice
def test_invalid_entries_are_rejected_and_value_unchanged(libreoffice, workbook):
    with libreoffice.open(workbook) as doc:
        first = doc.type_cells(SHEET, [("B1", "42")])[0]
        assert first.outcome == "accepted"
        results = doc.type_cells(SHEET, [("B1", "150"), ("B1", "ca. 60"), ("B1", "55,5")])
        for res in results:
            assert res.outcome == "rejected", res
            assert ERROR_MESSAGE in res.dialog_text, res
            assert res.dialog_title == ERROR_TITLE
            assert res.value_before == 42.0 and res.value_after == 42.0, res
        assert doc.value(SHEET, "B1") == 42.0
        assert doc.show_invalid(SHEET) is False
        # The grid is usable again after the dialogs: a valid entry still goes in.
        again = doc.type_cells(SHEET, [("B1", "0")])[0]
        assert again.outcome == "accepted" and again.value_after == 0.0


@pytest.mark.libreoffice
def test_locked_cell_is_protected(libreoffice, workbook):
    with libreoffice.open(workbook) as doc:
        [res] = doc.type_cells(SHEET, [("B3", "x")])
        assert res.outcome == "protected", res
        assert res.dialog_text  # "Protected cells can not be modified." (UI language)
        assert res.value_before == res.value_after == "fixed"
        # Calc answers every key on a protected cell with a message; the harness (like a
        # person) stops typing after the first one.
        [res2] = doc.type_cells(SHEET, [("B3", "Et langt svar i en låst celle")])
        assert res2.outcome == "protected" and len(res2.dialogs) == 1
        assert doc.value(SHEET, "B3") == "fixed"


@pytest.mark.libreoffice
def test_typing_reaches_a_sheet_that_is_not_active(libreoffice, tmp_path):
    """Regression: the keys went to the sheet that is active in the file (UITest's
    ``SELECT CELL=B2`` means sheet 0 and switched back to it), not the one asked for."""
    path = tmp_path / "two_sheets.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    first = wb.add_worksheet("Vejledning")
    first.write("A1", "Læs mig")
    second = wb.add_worksheet("Mit svar")  # a name that LibreOffice has to quote
    unlocked = wb.add_format({"locked": False})
    second.write("A1", "svar")
    second.write_blank("B2", None, unlocked)
    second.data_validation("B2", {
        "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100,
        "error_type": "stop", "error_title": ERROR_TITLE, "error_message": ERROR_MESSAGE,
    })
    second.protect()
    first.activate()  # the file opens on the first sheet
    wb.close()

    with libreoffice.open(path) as doc:
        results = doc.type_cells("Mit svar", [("B2", "7"), ("B2", "150"), ("A1", "x"),
                                              ("C3", "tekst")])
        assert [r.outcome for r in results] == ["accepted", "rejected", "protected",
                                                "protected"], results
        assert ERROR_MESSAGE in results[1].dialog_text
        assert doc.value("Mit svar", "B2") == 7.0
        assert doc.value("Mit svar", "A1") == "svar"
        # the first sheet is untouched
        for cell in ("B2", "A1", "C3"):
            assert doc.value("Vejledning", cell) == ("Læs mig" if cell == "A1" else None)
        # and back to the first sheet: also lands where asked
        [back] = doc.type_cells("Vejledning", [("B2", "5")])
        assert back.outcome == "accepted"
        assert doc.value("Vejledning", "B2") == 5.0 and doc.value("Mit svar", "B2") == 7.0


@pytest.mark.libreoffice
def test_text_cell_takes_text_and_formulas(libreoffice, workbook):
    """Record what a person can type into an unlocked, unvalidated text cell.

    Observed with LibreOffice 7.4: ``=HYPERLINK("x")`` is accepted and stored as a
    *formula* (result "x") - protection and validation do not stop formulas in free-text
    cells, so readers must treat returned free text as untrusted (and writers must write
    text as text).
    """
    with libreoffice.open(workbook) as doc:
        plain, formula = doc.type_cells(SHEET, [("B2", "Godt arbejde"),
                                                ("B2", '=HYPERLINK("x")')])
        assert plain.outcome == "accepted" and plain.value_after == "Godt arbejde"
        assert formula.outcome == "accepted", formula
        assert doc.formula(SHEET, "B2") == '=HYPERLINK("x")'
        assert formula.value_after == "x"
        # AutoInput is off in the harness profile: "f" is not completed to "fixed" (B3).
        [short] = doc.type_cells(SHEET, [("B2", "f")])
        assert short.value_after == "f"


@pytest.mark.libreoffice
def test_show_invalid_detects_bypassed_validation(libreoffice, tmp_path):
    path = build_workbook(tmp_path / "invalid.xlsx", score=150)
    with libreoffice.open(path) as doc:
        assert doc.value(SHEET, "B1") == 150.0
        # XlsxWriter cached 0 for =B1*2; the profile recalculates .xlsx on load.
        assert doc.value(SHEET, "B4") == 300.0
        assert doc.show_invalid(SHEET) is True


@pytest.mark.libreoffice
def test_two_documents_in_one_session(libreoffice, tmp_path):
    """UITest types into VCL's newest frame only: the harness detects a wrong target."""
    a = build_workbook(tmp_path / "a.xlsx")
    b = build_workbook(tmp_path / "b.xlsx")
    with libreoffice.open(a) as doc_a:
        with libreoffice.open(b) as doc_b:
            assert doc_b.type_cells(SHEET, [("B1", "7")])[0].outcome == "accepted"
            with pytest.raises(LibreOfficeError, match="most recently opened"):
                doc_a.type_cells(SHEET, [("B1", "9")])
            assert doc_b.type_cells(SHEET, [("B1", "101")])[0].outcome == "rejected"
            assert doc_a.value(SHEET, "B1") is None
            assert doc_b.value(SHEET, "B1") == 7.0
        # With b closed, a is the newest window again.
        assert doc_a.type_cells(SHEET, [("B1", "9")])[0].outcome == "accepted"
        assert doc_a.value(SHEET, "B1") == 9.0


BASIC = '''
Function Twice(x)
    Twice = x * 2
End Function

Sub Hello
    MsgBox "Hej fra Basic"
End Sub
'''


@pytest.mark.libreoffice
def test_run_macro_and_list_modules(libreoffice, workbook):
    with libreoffice.open(workbook) as doc:
        doc.add_basic_module("Standard", "KikTest", BASIC)
        assert "Standard.KikTest" in doc.list_basic_modules()
        uri = "vnd.sun.star.script:Standard.KikTest.{}?language=Basic&location=document"
        assert doc.run_macro(uri.format("Twice"), [21]) == 42
        assert doc.last_dialogs == []
        doc.run_macro(uri.format("Hello"))
        assert [d["text"] for d in doc.last_dialogs] == ["Hej fra Basic"]


def _vba_project_bin() -> bytes | None:
    try:
        import xlwings
    except ImportError:
        return None
    src = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    if not src.exists():
        return None
    with zipfile.ZipFile(src) as zf:
        return zf.read("xl/vbaProject.bin")


@pytest.mark.libreoffice
def test_button_macros_and_vba_modules(libreoffice, tmp_path):
    """XlsxWriter button bound to a VBA macro: LibreOffice imports the VBA modules into
    library VBAProject and binds the button to a vnd.sun.star.script URI."""
    import io

    blob = _vba_project_bin()
    if blob is None:
        pytest.fail("no vbaProject.bin in the installed xlwings (quickstart_standalone.xlsm); xlwings is a dependency")
    path = tmp_path / "buttons.xlsm"
    wb = xlsxwriter.Workbook(str(path))
    wb.set_vba_name("ThisWorkbook")
    ws = wb.add_worksheet("Sheet1")
    ws.set_vba_name("Sheet1")
    wb.add_worksheet("Sheet2").set_vba_name("Sheet2")
    wb.add_vba_project(io.BytesIO(blob), is_stream=True)
    ws.insert_button("B2", {"macro": "SampleCall", "caption": "Kør"})
    wb.close()
    with libreoffice.open(path) as doc:
        modules = doc.list_basic_modules()
        assert "VBAProject.Module1" in modules
        assert "SampleCall" in modules["VBAProject.Module1"]
        buttons = doc.button_macros("Sheet1")
        assert len(buttons) == 1, buttons
        assert buttons[0]["label"] == "Kør"
        assert "SampleCall" in buttons[0]["script"], buttons
        assert buttons[0]["script"].startswith("vnd.sun.star.script:VBAProject.")
        # Not pressed here: it would run Module1.SampleCall -> RunPython in the real `xlwings`
        # module, which LibreOffice cannot compile (Declare PtrSafe). Basic then shows
        # syntax-error boxes and, now and then, leaves the macro call hanging after the first
        # box (seen once in a clean CI run: the driver blocked until its 65 s timeout). The
        # buttons are pressed with a stub xlwings module instead (tests/test_buttons_lo.py).


@pytest.mark.libreoffice
def test_no_leftover_processes_and_recovery_after_timeout(workbook, libreoffice):
    # `libreoffice` only for its skip/fail logic; this test runs its own session.
    session = LibreOfficeSession(timeout=30)
    try:
        with session:
            first_pids = list(session.started_pids)
            assert len(first_pids) == 3  # soffice (oosplash), driver, soffice.bin
            with session.open(workbook) as doc:
                doc.add_basic_module("Standard", "Hang", "Sub Forever\nDo\nLoop\nEnd Sub\n")
                t0 = time.monotonic()
                with pytest.raises(LibreOfficeError, match="timed out"):
                    doc.run_macro("vnd.sun.star.script:Standard.Hang.Forever"
                                  "?language=Basic&location=document", timeout=2)
                assert time.monotonic() - t0 < 30
            # Everything of the hung instance is gone ...
            assert [p for p in first_pids if lo_harness._pid_alive(p)] == []
            # ... and the session starts a fresh soffice on the next open().
            with session.open(workbook) as doc:
                assert doc.type_cells(SHEET, [("B1", "5")])[0].outcome == "accepted"
            assert len(session.started_pids) == 6
    finally:
        session.stop()
    assert session.leftover_pids() == []


@pytest.mark.libreoffice
def test_soffice_ends_when_the_test_process_goes_away(libreoffice):
    # If pytest dies, the driver sees EOF on stdin and ends its soffice.
    session = LibreOfficeSession()
    try:
        session.start()
        session._driver.stdin.close()  # what the OS does when pytest is killed
        deadline = time.monotonic() + 30
        while session.leftover_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert session.leftover_pids() == []
    finally:
        session.stop()


# --------------------------------------------------------------- xl_kik.excel.office

@pytest.mark.libreoffice
def test_convert_to_pdf(libreoffice, tmp_path):
    # `libreoffice` only for its skip/fail logic (convert runs its own soffice).
    srcs = [build_workbook(tmp_path / f"wb{i}.xlsx", score=i) for i in range(3)]
    t0 = time.monotonic()
    pdfs = _office.convert(srcs, "pdf", tmp_path / "pdf", batch_size=2)  # two batches
    elapsed = time.monotonic() - t0
    assert [p.name for p in pdfs] == ["wb0.pdf", "wb1.pdf", "wb2.pdf"]
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 1000
    assert elapsed < 120


def test_convert_errors(tmp_path):
    src = build_workbook(tmp_path / "x.xlsx")
    with pytest.raises(_office.OfficeNotFound):
        _office.convert([src], "pdf", tmp_path, soffice=str(tmp_path / "no-soffice"))
    with pytest.raises(FileNotFoundError):
        _office.convert([tmp_path / "missing.xlsx"], "pdf", tmp_path,
                        soffice=str(tmp_path / "no-soffice"))
    other = tmp_path / "sub"
    other.mkdir()
    dup = build_workbook(other / "x.xlsx")
    with pytest.raises(ValueError, match="both"):
        _office.convert([src, dup], "pdf", tmp_path / "out", soffice="/bin/true")
    assert _office.convert([], "pdf", tmp_path / "out", soffice="/bin/true") == []


def test_convert_reports_missing_output(tmp_path):
    # /bin/true "succeeds" without writing anything: must not pass silently.
    src = build_workbook(tmp_path / "x.xlsx")
    with pytest.raises(_office.OfficeError, match="not converted: x.xlsx"):
        _office.convert([src], "pdf", tmp_path / "out", soffice="/bin/true")


def test_find_soffice_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("XL_KIK_SOFFICE", str(tmp_path / "nope"))
    assert _office.find_soffice() is None
    monkeypatch.setenv("XL_KIK_SOFFICE", "/bin/true")
    assert _office.find_soffice() == "/bin/true"


if os.name != "posix":  # pragma: no cover
    pytest.skip("the LibreOffice harness is Linux-only", allow_module_level=True)
