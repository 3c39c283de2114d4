"""``xl_kik.excel.cells``: the one cell/text writer (issues 9, 10 and 11).

Expected values are written out by hand here (Excel's limits from MS-OI29500 / Excel's
specifications, the XML 1.0 character production), never taken from the module under test.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_kik.core import catalogue
from xl_kik.core.formula import Formula
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.excel import cells, master
from xl_kik.excel.masterfile import (OpenpyxlSheetWriter, SheetContent, ValidationRule, XlwingsSheetWriter,
                                     apply_content, find_sheet)

# XML 1.0 (section 2.2): Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
FORBIDDEN = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF, *range(0xD800, 0xE000)}
KEPT = ["\t", "\n", "\x20", "\x7f", "\x80", "\u00e6", "\ud7ff", "\ue000", "\ufffd", "\U00010000", "\U0001f600",
        "\U0010ffff"]


def expected_text(text: str) -> str:
    """What a cell must hold after writing ``text``: the forbidden characters gone, line ends
    as ``\\n`` (the documented normalisation)."""
    kept = "".join(ch for ch in text if ord(ch) not in FORBIDDEN)
    return kept.replace("\r\n", "\n").replace("\r", "\n")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# ---------------------------------------------------------------- unit tests
def test_every_forbidden_character_is_removed_and_nothing_else():
    for cp in sorted(FORBIDDEN):
        assert cells.xml_text(f"a{chr(cp)}b") == "ab", hex(cp)
    for ch in KEPT:
        assert cells.xml_text(f"a{ch}b") == f"a{ch}b", repr(ch)


def test_each_code_point_alone_is_kept_unless_forbidden():
    # xml_text passes a printable text without looking for the forbidden characters: no
    # code point may be both printable and forbidden, and each one is judged alone too
    for cp in range(0x110000):
        ch = chr(cp)
        assert cells.xml_text(ch) == ("" if cp in FORBIDDEN else ch), hex(cp)


def test_a_file_name_with_surrogates_is_shown_with_replacement_characters():
    assert cells.display_name("r\udce6d.xlsx") == "r\ufffdd.xlsx"  # an undecodable byte (os.listdir)
    assert cells.display_name("a\ud83d.xlsx") == "a" + "\ufffd" * 3 + ".xlsx"  # a lone one: its 3 bytes
    assert cells.display_name("æble \U0001f600.xlsx") == "æble \U0001f600.xlsx"
    assert cells.display_name(b"r\xe6d.xlsx") == "r\ufffdd.xlsx"


def test_lengths_are_counted_like_excel_in_utf16_units():
    assert cells.excel_len("abc") == 3
    assert cells.excel_len("\U0001f600") == 2
    assert cells.excel_len("æø\U0001f600") == 4


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis():
    header = "Ledelsens beslutning (Vedtaget/Afventer/Afvist)"  # 47 characters
    assert cells.shorten(header, 32) == "Ledelsens beslutning…"
    assert cells.shorten("Gennemførlighed (Let/Middel/Svær)", 32) == "Gennemførlighed…"
    assert cells.shorten("kort", 32) == "kort"
    assert cells.shorten("x" * 40, 10) == "x" * 9 + "…"  # no space: cut between characters


def test_shorten_keeps_the_note_that_says_where_the_full_text_is():
    text = " ".join(["ord"] * 100)  # 399 characters
    out = cells.shorten(text, 255, "hele teksten: xl-kik report")
    assert out.endswith("… hele teksten: xl-kik report")
    assert len(out) <= 255 and out.startswith("ord ord")
    assert not out.startswith("ord ord o…")  # not cut inside a word
    assert out[: -len("… hele teksten: xl-kik report")].split(" ") == ["ord"] * 56


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \t\n\u00a0\u2003\u3000\x1c\u0085Æ\U0001f600"), max_size=60))
def test_the_last_space_is_the_last_match_of_the_space_pattern(text):
    spaces = [m.start() for m in cells._SPACE_RE.finditer(text)]
    assert cells._last_space(text) == (spaces[-1] if spaces else -1)


def test_shorten_never_splits_an_astral_character():
    out = cells.shorten("\U0001f600" * 20, 11)
    assert out == "\U0001f600" * 5 + "…"
    assert utf16_len(out) == 11


def test_validation_texts_respect_excels_limits():
    title, prompt, err_title, err = cells.validation_texts("T" * 40, "p " * 200, "E" * 33, "e " * 200)
    assert len(title) == 32 and len(err_title) == 32
    assert len(prompt) <= 255 and len(err) <= 224
    assert cells.validation_texts(None, None, None, None) == (None, None, None, None)


def test_list_literal():
    assert cells.list_literal(["Ja", "Nej"]) == '"Ja,Nej"'
    assert cells.list_literal(['Sig "hej"']) == '"Sig ""hej"""'
    with pytest.raises(ValueError):
        cells.list_literal(["a,b"])
    with pytest.raises(ValueError):
        cells.list_literal(["x" * 100, "y" * 100, "z" * 60])  # 262 characters with the commas


def test_sheet_names():
    assert cells.sheet_name("Plan: 2026/27 [udkast]?") == "Plan 202627 udkast"
    assert cells.sheet_name("'citeret'") == "citeret"
    assert cells.sheet_name("History") == "Ark"
    assert cells.sheet_name("***") == "Ark"
    long = cells.sheet_name("Konsensus for Børnehuset Solsikken og Mælkebøtten")
    assert long == "Konsensus for Børnehuset…" and len(long) <= 31


def test_defined_names():
    for good in ("KIK_SETUP", "_xlnm.Print_Titles", "kik.last_run", "\\name"):
        assert cells.defined_name(good) == good
    for bad in ("A1", "xfd1048576", "R1C1", "R", "C", "1abc", "a b", "", "x" * 256):
        with pytest.raises(ValueError):
            cells.defined_name(bad)


def test_header_footer_is_never_cut_inside_a_code():
    unit = "Solsikken & Co " * 30  # 450 characters, an "&" every 15
    code = "&L" + unit.replace("&", "&&") + "&RSide &P af &N"
    out = cells.header_footer(code)
    assert len(out) <= 255 and out.endswith("…")
    body = out[len("&L"):]
    assert "&" not in body.replace("&&", ""), "a lone '&' (a split '&&') is an Excel header code"
    assert cells.header_footer("&LKort&RSide &P") == "&LKort&RSide &P"


def test_header_footer_text_cuts_before_doubling_ampersands():
    text = "x" * 79 + "&b"
    out = cells.header_footer_text(text, 80)
    assert "&" not in out.replace("&&", "")
    assert cells.header_footer_text("A & B") == "A && B"
    assert cells.header_footer_text("linje\nto") == "linje to"


def test_row_height():
    assert cells.row_height(500) == 409.0
    assert cells.row_height(15) == 15.0
    assert cells.row_height(-3) == 0.0
    from xl_kik.excel.layout import row_height as estimated_height

    assert estimated_height(400) == 409.0  # 400 lines would be 5,603 points: Excel allows 409


def test_display_name_decodes_undecodable_file_names():
    assert cells.display_name("r\udce6tur.xlsx") == "r\ufffdtur.xlsx"  # os.listdir of b"r\xe6tur.xlsx"
    assert cells.display_name(b"r\xe6tur.xlsx") == "r\ufffdtur.xlsx"
    assert cells.display_name(Path("Ærø.xlsx")) == "Ærø.xlsx"
    assert cells.display_name("a\ufffeb\x01.xlsx") == "a\ufffdb.xlsx"


def test_one_formula_class_everywhere():
    from xl_kik.core import actionplan
    from xl_kik.excel import masterfile
    from xl_kik.excel.sheets import status

    assert actionplan.Formula is cells.Formula is masterfile.Formula is status.Formula is Formula


def test_openpyxl_cell_writer_keeps_text_text():
    wb = openpyxl.Workbook()
    ws = wb.active
    cells.write_cell(ws["A1"], "=HYPERLINK(\"http://x\",\"klik\")")
    cells.write_cell(ws["A2"], Formula("=SUM(B1:B3)"))
    cells.write_cell(ws["A3"], "#N/A")
    cells.write_cell(ws["A4"], float("nan"))
    cells.write_cell(ws["A5"], "x" * 40000)
    assert ws["A1"].data_type == "s" and ws["A1"].quotePrefix
    assert ws["A2"].data_type == "f"
    assert ws["A3"].data_type == "s" and ws["A3"].value == "#N/A"
    assert ws["A4"].value is None
    assert len(ws["A5"].value) == 32767 and ws["A5"].value.endswith("…")


def test_xlwings_values():
    assert cells.xlwings_value("=1+1") == "'=1+1"
    assert cells.xlwings_value("a\ufffeb") == "'ab"
    assert cells.xlwings_value(Formula("=A1")) == "=A1"
    assert cells.xlwings_value("") is None
    assert cells.xlwings_value(3) == 3


def test_fit_rule_applies_the_limits_for_every_writer():
    rule = ValidationRule(ranges=("A1",), type="list", list_source=("Ja", "Nej"),
                          input_title="Med i handleplan (Ja/Nej) og mere tekst", error_title="x" * 50,
                          input_message="m " * 200, error_message="e " * 200)
    fitted = cells.fit_rule(rule)
    assert len(fitted.input_title) <= 32 and len(fitted.error_title) <= 32
    assert len(fitted.input_message) <= 255 and len(fitted.error_message) <= 224
    assert fitted.list_source == ("Ja", "Nej")


# ---------------------------------------------------------------- find_sheet
def test_find_sheet_by_codename_then_by_name_else_none():
    wb = openpyxl.Workbook()
    renamed = wb.active
    renamed.title = "Omdøbt"
    renamed.sheet_properties.codeName = "shConsensus"
    plain = wb.create_sheet("Handleplan")
    assert find_sheet(wb, "consensus") is renamed  # the codeName wins over a renamed tab
    assert find_sheet(wb, "plan") is plain  # no codeName: the contract's name
    english = wb.create_sheet("Status")
    assert find_sheet(wb, "status") is english
    assert find_sheet(wb, "follow_up") is None  # documented: None when missing
    wb.create_sheet("handleplan ")  # not the exact name: not found by it
    assert find_sheet(wb, "plan") is plain
    custom = wb.create_sheet("Mine svar")
    assert find_sheet(wb, "answers", {"answers": "Mine svar"}) is custom


# ---------------------------------------------------------------- every writer path (property)
ANY_TEXT = st.text(alphabet=st.characters(codec=None, blacklist_categories=()), max_size=60)


def _through_openpyxl(texts: list[str]) -> list[str | None]:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, t in enumerate(texts, start=1):
        cells.write_cell(ws.cell(i, 1), t)
    buf = io.BytesIO()
    wb.save(buf)
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    return [back.cell(i, 1).value for i in range(1, len(texts) + 1)]


def _through_xlsxwriter(texts: list[str]) -> list[str | None]:
    buf = io.BytesIO()
    wb = cells.xlsx_workbook(buf)
    ws = wb.add_worksheet("Ark")
    for i, t in enumerate(texts):
        ws.write_string(i, 0, t)
        ws.write(i, 1, t)
    wb.close()
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    got = [back.cell(i, 1).value for i in range(1, len(texts) + 1)]
    assert got == [back.cell(i, 2).value for i in range(1, len(texts) + 1)]  # write == write_string
    return got


def _through_xlsxwriter_rows(texts: list[str]) -> list[str | None]:
    """XlsxSheet.write_rows: one text a row in column A, and all of them in one row (the row's
    texts are checked together)."""
    buf = io.BytesIO()
    wb = cells.xlsx_workbook(buf)
    ws = wb.add_worksheet("Ark")
    ws.write_rows(0, 0, [[t] for t in texts])
    ws.write_rows(len(texts), 1, [texts])
    wb.close()
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    got = [back.cell(i, 1).value for i in range(1, len(texts) + 1)]
    assert got == [back.cell(len(texts) + 1, c).value for c in range(2, len(texts) + 2)]
    return got


def _through_sheet_writer(texts: list[str]) -> list[str | None]:
    """The renderers' path: SheetContent -> apply_content -> OpenpyxlSheetWriter."""
    wb = openpyxl.Workbook()
    wb.active.title = "Ark"
    content = SheetContent()
    content.put_rows("A1", [[t] for t in texts])
    apply_content(OpenpyxlSheetWriter(wb), "Ark", content)
    buf = io.BytesIO()
    wb.save(buf)
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["Ark"]
    return [back.cell(i, 1).value for i in range(1, len(texts) + 1)]


class _RecordingRange:
    def __init__(self, log: list, address: str):
        self._log, self._address = log, address

    @property
    def value(self):
        return None

    @value.setter
    def value(self, block):
        self._log.append(block)


class _RecordingSheet:
    def __init__(self, log: list):
        self._log = log

    def range(self, address):
        return _RecordingRange(self._log, address)


class _RecordingBook:
    def __init__(self):
        self.log: list = []
        self.sheets = {"Ark": _RecordingSheet(self.log)}


def _through_xlwings(texts: list[str]) -> list[str | None]:
    """The live writer hands Excel a block of values: every text with Excel's text prefix."""
    book = _RecordingBook()
    XlwingsSheetWriter(book).write_rows("Ark", "A1", [[t] for t in texts])
    [block] = book.log
    out = []
    for (v,) in block:
        assert v is None or v.startswith("'"), v
        out.append(None if v is None else v[1:])  # the apostrophe is Excel's prefix, not the value
    return out


WRITERS = {"openpyxl": _through_openpyxl, "xlsxwriter": _through_xlsxwriter, "xlsxwriter_rows": _through_xlsxwriter_rows,
           "sheet_writer": _through_sheet_writer, "xlwings": _through_xlwings}


@pytest.mark.parametrize("writer", sorted(WRITERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=8))
def test_any_text_through_every_writer_reopens_minus_exactly_the_forbidden_characters(writer, texts):
    got = WRITERS[writer](texts)
    want = [expected_text(t) or None for t in texts]
    assert got == want


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_the_forbidden_characters_and_the_cell_limit_through_every_writer(writer):
    nasty = "".join(chr(cp) for cp in sorted(FORBIDDEN)) + "ok"
    long = ("ord " * 9000).strip()  # 35,999 characters: more than a cell holds
    got = WRITERS[writer]([nasty, long, "=cmd|' /C calc'!A0", "\U0001f600 æøå"])
    assert got[0] == "ok"
    assert got[1].endswith("…") and utf16_len(got[1]) <= 32767 and got[1].startswith("ord ord")
    assert not got[1].endswith("o…") and got[1][:-1].rstrip().endswith("ord")
    assert got[2] == "=cmd|' /C calc'!A0" and got[3] == "\U0001f600 æøå"


# ---------------------------------------------------------------- XlsxSheet.write_rows
def _canonical_sheets(data: bytes) -> dict[str, str]:
    """Every part of an xlsx, each worksheet's cell styles (``s="n"``) replaced by what the
    style is (the xf with its font, fill, border and number format), so that two files whose
    formats were numbered in another order compare equal; docProps/core.xml (a time) left out."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n != "docProps/core.xml"}
    styles = parts.pop("xl/styles.xml")

    def section(tag: str) -> list[str]:
        body = re.search(rf"<{tag} count=\"\d+\"[^>]*>(.*?)</{tag}>", styles, re.S)
        return re.findall(r"<(?:xf|font|fill|border)\b.*?(?:/>|</(?:xf|font|fill|border)>)", body.group(1), re.S) if body else []

    fonts, fills, borders, xfs = section("fonts"), section("fills"), section("borders"), section("cellXfs")
    codes = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles))

    def what(xf: str) -> str:
        a = dict(re.findall(r'(\w+)="([^"]*)"', xf.split(">", 1)[0]))
        inner = xf.split(">", 1)[1] if not xf.endswith("/>") else ""
        return "|".join([fonts[int(a.get("fontId", 0))], fills[int(a.get("fillId", 0))],
                         borders[int(a.get("borderId", 0))], codes.get(a.get("numFmtId", "0"), a.get("numFmtId", "0")),
                         inner])

    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = re.sub(r' (s|style)="(\d+)"', lambda m: f' {m.group(1)}="{what(xfs[int(m.group(2))])}"',
                             parts[name])
    return parts


def _block_and_cells(block: bool) -> bytes:
    import datetime as dt

    buf = io.BytesIO()
    wb = cells.xlsx_workbook(buf)
    bold, date, italic = (wb.add_format(p) for p in ({"bold": True, "border": 1}, {"num_format": "dd-mm-yyyy"},
                                                     {"italic": True}))
    ws = wb.add_worksheet("Ark")
    ws.set_column(4, 4, 20, italic)  # a column's format: for a cell written without one
    ws.write_string(0, 0, "over the block", bold)
    ws.write_comment(30, 2, "a comment in a row of the block")
    ws.set_row(5, 30)
    ws.set_row(3, None, italic)  # a row's format: before the column's
    rows = [["a\x01b", "", None, 3, 2.5, True, dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 12), "x\r\ny",
             float("nan"), "_x0041_", 10 ** 20, -0.125, "=1+1", "  kept  ", 7.0]] * 3
    rows += [["plain", cells.styled("own format", bold), cells.styled(None, bold), None, None, "æøå \U0001f600"]] * 40
    rows += [[], ["after an empty row"]]
    rows += [["short", None, None, ""]] * 20 + [[None, None, ""]]  # rows ending in no cell; one with none at all
    formats = [None, bold, date, None, None, None, date, date, None, bold]
    if block:
        assert ws.write_rows(1, 1, rows, formats) == len(rows)
    else:
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                fmt = formats[j] if j < len(formats) else None
                if isinstance(value, cells.Styled):
                    value, fmt = value
                cells.xlsx_write(ws, 1 + i, 1 + j, value, fmt)
    ws.write_string(80, 0, "under the block")
    wb.close()
    return buf.getvalue()


def test_write_rows_writes_the_file_that_writing_cell_by_cell_writes():
    """The block writer against XlsxWriter's own cell-by-cell path (through xlsx_write's rules):
    the same parts, cell for cell and style for style (formats may be numbered in another order)."""
    by_cell, by_block = _canonical_sheets(_block_and_cells(False)), _canonical_sheets(_block_and_cells(True))
    assert by_cell.keys() == by_block.keys()
    for name in by_cell:
        assert by_block[name] == by_cell[name], name
    data = _block_and_cells(True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="E5"' not in sheet and '<c r="E6"' not in sheet  # a blank without its own format: no cell
    assert re.search(r'<c r="C2" s="\d+"/>', sheet)  # an empty text with a format: a blank cell
    back = openpyxl.load_workbook(io.BytesIO(data))["Ark"]
    assert [back.cell(2, c).value for c in (2, 4, 5, 10, 11, 15)] == ["ab", None, 3, "x\ny", None, "=1+1"]
    assert back["H2"].number_format == "dd-mm-yyyy" and back["H2"].value.date().isoformat() == "2026-01-02"
    assert back["C6"].font.b and back["B46"].value == "after an empty row"
    assert back["B4"].font.i and back["E2"].font.i and not back["B3"].font.i  # the row's, the column's format


def test_write_rows_refuses_formulas_and_rows_written_both_ways():
    wb = cells.xlsx_workbook(io.BytesIO())
    ws = wb.add_worksheet("Ark")
    with pytest.raises(TypeError):
        ws.write_rows(0, 0, [[Formula("=1+1")]])
    ws.write_rows(1, 0, [["a", "b"]])
    ws.write_string(1, 5, "the same row")
    with pytest.raises(ValueError, match="row 2"):
        wb.close()


def _tables_file(block: bool, tables: list[tuple[Any, ...]], merges: list[tuple[int, ...]] = ()) -> bytes:
    """A sheet with cells, merges and tables, by XlsxWriter's own Worksheet or the block one."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {**cells.XLSXWRITER_OPTIONS, "in_memory": True})
    ws = wb.add_worksheet("Ark", worksheet_class=cells._block_worksheet_class() if block else None)
    for r in range(40):
        ws.write_row(r, 0, [f"r{r}c{c}" for c in range(6)])
    for m in merges:
        ws.merge_range(*m, "merged")
    for args in tables:
        ws.add_table(*args)
    wb.close()
    return buf.getvalue()


TABLES = [
    [(0, 0, 19, 3, {"name": "Plain", "style": "Table Style Light 9", "columns": [{"header": f"H{c}"} for c in range(4)]})],
    [("A22:C30", {"name": "Lettered"}), (31, 0, 33, 1, {"autofilter": False}), (34, 0, 35, 2),
     (36, 0, 39, 2, {"columns": [{"header": "F", "formula": "=1+1"}]})],
    [(0, 4, 39, 5, {"header_row": False}), (0, 0, 10, 2, {"total_row": True})],
]


@pytest.mark.parametrize("tables", TABLES)
def test_block_sheet_tables_are_the_ones_xlsxwriter_writes(tables: list[tuple[Any, ...]]) -> None:
    """add_table on the block writer's sheet (set up from two rows, then widened) against
    XlsxWriter's own: the same parts, byte for byte (the creation time aside)."""
    def parts(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}

    assert parts(_tables_file(True, tables)) == parts(_tables_file(False, tables))


@pytest.mark.parametrize("tables, merges", [
    ([(0, 0, 19, 3), (15, 2, 25, 4)], []),  # a table on rows 16-26 of a wide table
    ([(0, 0, 19, 3)], [(12, 1, 13, 2)]),  # a merge inside it
    ([(5, 0, 19, 3)], [(0, 0, 6, 1)]),  # a table over an earlier merge
    ([(10, 0, 12, 1), ("A1:D11",)], []),  # a small table, then a wide one over it
])
def test_block_sheet_refuses_overlapping_tables_and_merges(tables: list[tuple[Any, ...]],
                                                          merges: list[tuple[int, ...]]) -> None:
    """An overlap Excel calls a corrupt file is refused as XlsxWriter refuses it, also in the
    rows of a wide table beyond its first two (which XlsxWriter's own check does not see)."""
    from xlsxwriter.exceptions import OverlappingRange

    def build(block: bool) -> None:
        import xlsxwriter

        wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
        ws = wb.add_worksheet("Ark", worksheet_class=cells._block_worksheet_class() if block else None)
        if merges and tables[0][0] == 5:  # the merge first
            ws.merge_range(*merges[0], "m")
            ws.add_table(*tables[0])
        else:
            for args in tables:
                ws.add_table(*args)
            for m in merges:
                ws.merge_range(*m, "m")

    for block in (False, True):
        with pytest.raises(OverlappingRange):
            build(block)


def test_zip_level_deflates_the_parts_at_that_level_and_writes_the_same_parts(tmp_path: Path) -> None:
    """xlsx_workbook(zip_level=1): the same parts as at XlsxWriter's level, each deflated at
    level 1 (its size is zlib's at 1), and XlsxWriter's ZipFile is its own again after closing."""
    import zlib

    from xlsxwriter import workbook as xlsxwriter_workbook

    def write(path: Path, **level: Any) -> None:
        wb = cells.xlsx_workbook(path, in_memory=True, **level)
        ws = wb.add_worksheet("Ark")
        ws.write_rows(0, 0, [[f"tekst {i % 97}", i, i * 0.5] for i in range(3000)])
        wb.close()

    write(tmp_path / "default.xlsx")
    write(tmp_path / "fast.xlsx", zip_level=1)
    assert xlsxwriter_workbook.ZipFile is zipfile.ZipFile
    with zipfile.ZipFile(tmp_path / "default.xlsx") as a, zipfile.ZipFile(tmp_path / "fast.xlsx") as b:
        parts = {n for n in a.namelist() if n != "docProps/core.xml"}
        assert parts == {n for n in b.namelist() if n != "docProps/core.xml"}
        for name in parts:
            data = b.read(name)
            assert data == a.read(name), name
            raw = zlib.compressobj(1, zlib.DEFLATED, -15)
            assert b.getinfo(name).compress_size == len(raw.compress(data) + raw.flush()), name
        sheet = "xl/worksheets/sheet1.xml"
        assert b.getinfo(sheet).compress_size > a.getinfo(sheet).compress_size  # not zlib's default level


# ---------------------------------------------------------------- a hostile merge
def _make_round(root: Path, people: list[str]):
    from xl_kik.steps.generate import generate_round

    ps = [Participant("", n, f"p{i}@x.dk") for i, n in enumerate(people)]
    master.create_round(root, unit="Solsikken & <Co>", participants=ps, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"), lang="da", anonymise=False)
    return generate_round(root)


def _inject(path: Path, replacements: dict[str, bytes]) -> None:
    """Replace placeholder texts inside the zip's XML parts by raw bytes (what a hostile or
    broken program writes; openpyxl itself refuses most of these characters)."""
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename.endswith(".xml"):
                for placeholder, raw in replacements.items():
                    content = content.replace(placeholder.encode(), raw)
            zout.writestr(item, content)
    path.write_bytes(out.getvalue())


def test_a_merge_of_returns_with_forbidden_characters_and_odd_file_names_leaves_a_master_that_opens(tmp_path):
    from xl_kik.demo import simulate
    from xl_kik.steps import merge
    from xl_kik.steps import plan as plan_step

    root = tmp_path / "r"
    files = _make_round(root, ["Anna Ærø", "Bo Bøg", "Carl Cé"])
    returns = RoundPaths(root).returns
    # as they reach a reader: U+FFFE/U+FFFF as raw UTF-8; control characters and a lone
    # surrogate in Excel's own escape (_xHHHH_), which the reader decodes into the character
    placeholders = {"QQFFFEQQ": "\ufffe".encode("utf-8"), "QQFFFFQQ": "\uffff".encode("utf-8"),
                    "QQCTRLQQ": b"_x0001__x0008__x000B_", "QQSURRQQ": b"_xD800_"}
    written = []
    for i, (participant, path) in enumerate(files):
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        qids = list(layout.rows)
        answers = {q: {"points": 50, "strengths": "", "improvements": "", "ideas": ""} for q in qids}
        answers[qids[0]]["strengths"] = "styrke QQFFFEQQ og QQFFFFQQ"
        answers[qids[0]]["improvements"] = "linje 1QQCTRLQQ\nlinje 2"
        answers[qids[1]]["ideas"] = "=HYPERLINK(\"http://x\") QQSURRQQ"
        # an undecodable byte in the returned file's name (os.listdir gives a lone surrogate)
        name = os.fsdecode(os.fsencode(path.stem) + b"_\xff\xfe" + str(i).encode() + b".xlsx")
        dest = returns / name
        simulate.fill_workbook(path, dest, answers)
        _inject(dest, placeholders)
        written.append(dest)
    # one more file whose XML holds a raw control character: refused with a message, never a crash
    broken = returns / "broken.xlsx"
    simulate.fill_workbook(files[0][1], broken, {q: {"points": 1, "strengths": "QQRAWQQ", "improvements": "",
                                                      "ideas": ""} for q in simulate.read_layout(
                                                          openpyxl.load_workbook(files[0][1])).rows})
    _inject(broken, {"QQRAWQQ": b"\x01"})
    result = merge.merge_round(root)
    assert result is not None
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)  # must not raise
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts
    bad = [t for t in texts if any(ord(ch) in FORBIDDEN for ch in t)]
    assert bad == []
    answers_sheet = find_sheet(wb, "answers")
    flat = " ".join(str(c.value) for row in answers_sheet.iter_rows() for c in row if c.value is not None)
    assert "styrke  og " in flat or "styrke og" in flat  # the text arrived, minus U+FFFE/U+FFFF
    status = find_sheet(wb, "status")
    names = " ".join(str(c.value) for row in status.iter_rows() for c in row if isinstance(c.value, str))
    assert "\ufffd" in names  # the undecodable file-name bytes are shown as U+FFFD, not dropped silently
    # the next steps work on this master
    plan_step.build_plan(root)
    openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    merge.merge_round(root)
    openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)


# ---------------------------------------------------------------- every validation we write
_DV_RE = re.compile(rb"<(?:\w+:)?dataValidation\b([^>]*)>(.*?)</(?:\w+:)?dataValidation>", re.S)
_ATTR_RE = re.compile(rb'(\w+)="([^"]*)"')
_F1_RE = re.compile(rb"<(?:\w+:)?formula1>(.*?)</(?:\w+:)?formula1>", re.S)


def _xml_unescape(raw: bytes) -> str:
    import html

    return html.unescape(raw.decode("utf-8"))


def validation_violations(path: Path) -> list[str]:
    """Every data validation of every sheet of the file, against Excel's limits."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            for attrs, body in _DV_RE.findall(zf.read(name)):
                a = {k.decode(): _xml_unescape(v) for k, v in _ATTR_RE.findall(attrs)}
                for key, limit in (("promptTitle", 32), ("errorTitle", 32), ("prompt", 255), ("error", 224)):
                    if key in a and utf16_len(a[key]) > limit:
                        out.append(f"{path.name} {name} {a.get('sqref')}: {key} {utf16_len(a[key])} > {limit}")
                f1 = _F1_RE.search(body)
                if a.get("type") == "list" and f1:
                    formula = _xml_unescape(f1.group(1))
                    if formula.startswith('"') and utf16_len(formula[1:-1]) > 255:
                        out.append(f"{path.name} {name}: list literal {utf16_len(formula) - 2} > 255")
    return out


def _validation_count(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(len(_DV_RE.findall(zf.read(n))) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_the_validation_check_finds_a_title_over_32(tmp_path):
    """The checker itself: a validation written past the writers (plain openpyxl) is found."""
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    dv = DataValidation(type="list", formula1='"Vedtaget,Afventer,Afvist"',
                        errorTitle="Ledelsens beslutning (Vedtaget/Afventer/Afvist)", prompt="p" * 256)
    dv.add("A1")
    wb.active.add_data_validation(dv)
    wb.save(tmp_path / "raw.xlsx")
    found = validation_violations(tmp_path / "raw.xlsx")
    assert len(found) == 2 and "errorTitle 47 > 32" in found[0] and "prompt 256 > 255" in found[1]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_data_validation_in_every_file_we_write_respects_excels_limits(tmp_path, lang):
    from xl_kik.demo import simulate
    from xl_kik.excel.sheets.konsensus import demo_seminar
    from xl_kik.steps import merge, report
    from xl_kik.steps import plan as plan_step
    from xl_kik.steps.generate import generate_round

    root = tmp_path / "r"
    ps = [Participant("", n, f"p{i}@x.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé " + "x" * 120])]
    master.create_round(root, unit="Enhed & <Co> " + "u" * 100, participants=ps, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"), lang=lang, anonymise=True)
    files = generate_round(root)
    checked: list[Path] = [RoundPaths(root).master]
    states = {"init": tmp_path / "init.xlsm"}
    shutil.copy(RoundPaths(root).master, states["init"])
    for i, (participant, path) in enumerate(files):
        checked.append(path)
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        answers = {q: {"points": 10 * (i + 1), "strengths": "s", "improvements": "a\nb", "ideas": ""}
                   for q in layout.rows}
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name, answers)
    merge.merge_round(root)
    states["merge"] = tmp_path / "merge.xlsm"
    shutil.copy(RoundPaths(root).master, states["merge"])
    demo_seminar(root)
    plan_step.build_plan(root)
    states["plan"] = tmp_path / "plan.xlsm"
    shutil.copy(RoundPaths(root).master, states["plan"])
    reports = [Path(p) for p in report.export_reports(root).xlsx]
    assert len(reports) == 2 and all(p.exists() for p in reports)
    checked += reports
    checked += list(states.values())
    # the rollup over this master and the catalogue export
    from xl_kik.excel.catalogue_io import export_xlsx
    from xl_kik.steps.rollup import build_rollup

    build_rollup([RoundPaths(root).master], tmp_path / "overblik.xlsx", lang=lang)
    export_xlsx(catalogue.builtin("kik"), tmp_path / "katalog.xlsx")
    checked += [tmp_path / "overblik.xlsx", tmp_path / "katalog.xlsx"]
    with zipfile.ZipFile(tmp_path / "overblik.xlsx") as zf:  # its prompt is cut and says where the rest is
        sheet_xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    prompts = [_xml_unescape(p) for p in re.findall(rb'prompt="([^"]*)"', sheet_xml)]
    below = {"da": "(hele teksten står under tabellen)", "en": "(the full text is below the table)"}[lang]
    assert prompts and all(p.endswith(below) and utf16_len(p) <= 255 for p in prompts), prompts
    assert _validation_count(states["merge"]) > _validation_count(states["init"])  # Konsensus has its own
    problems = [v for p in checked for v in validation_violations(p)]
    assert problems == []


# ---------------------------------------------------------------- the keys for a new line (issue 10 req 6)
NEW_LINE_KEYS = {"da": ("Alt+Enter i Excel", "Mac: Ctrl+Option+Enter", "Ctrl+Enter i LibreOffice"),
                 "en": ("Alt+Enter in Excel", "Mac: Ctrl+Option+Enter", "Ctrl+Enter in LibreOffice")}


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_help_for_a_new_line_names_every_programs_keys(tmp_path, lang):
    """Konsensus (help row), Handleplan (input message of the text columns) and the
    participant's Vejledning name Excel's, the Mac's and LibreOffice's keys."""
    from xl_kik.demo import simulate
    from xl_kik.excel.sheets.konsensus import demo_seminar
    from xl_kik.steps import merge
    from xl_kik.steps import plan as plan_step
    from xl_kik.steps.generate import generate_round

    keys = NEW_LINE_KEYS[lang]
    root = tmp_path / "r"
    ps = [Participant("", n, f"p{i}@x.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg"])]
    master.create_round(root, unit="Solsikken", participants=ps, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"), lang=lang)
    files = generate_round(root)
    for i, (participant, path) in enumerate(files):
        book = openpyxl.load_workbook(path)
        # the instructions are wrapped over several cells: read them as one text
        vejledning = re.sub(r"\s+", " ", " ".join(str(c.value) for row in book.worksheets[0].iter_rows()
                                                   for c in row if c.value))
        assert all(k in vejledning for k in keys), vejledning[:400]
        layout = simulate.read_layout(book)
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name,
                               {q: {"points": 40 + 10 * i, "strengths": "", "improvements": "x", "ideas": ""}
                                for q in layout.rows})
    merge.merge_round(root)
    demo_seminar(root)
    plan_step.build_plan(root)
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    konsensus = find_sheet(wb, "consensus")
    assert all(k in str(konsensus["B2"].value) for k in keys), konsensus["B2"].value
    plan = find_sheet(wb, "plan")
    prompts = [dv.prompt or "" for dv in plan.data_validations.dataValidation]
    assert any(all(k in p for k in keys) for p in prompts), prompts


def test_a_svarrapport_text_longer_than_the_grid_holds_says_where_the_full_text_is():
    from xl_kik.excel.sheets import svarrapport

    long = "Deltager 1: " + "meget lang tekst " * 2500  # 42,512 characters in one statement
    text = svarrapport.grid_text([long, "Deltager 2: kort"], note=svarrapport.T["full_text"]("da"))
    first, second = text.split("\n")
    assert second == "Deltager 2: kort"
    assert len(first) <= 1000  # one statement in the grid (docs/DESIGN.md)
    assert first.endswith("… (hele teksten står i svarrapporten, som xl-kik report gemmer i mappen rapporter)")
    assert first.startswith("Deltager 1: meget lang tekst")


# ---------------------------------------------------------------- OOXML's _xHHHH_ escape (ST_Xstring)
# ECMA-376 Part 1, 22.9.2.19 ST_Xstring: "_xHHHH_" in a file is the character U+HHHH; a literal
# "_xHHHH_" is written with its underscore escaped as "_x005F_". Expected values by hand.
LITERAL_ESCAPES = ["_x0041_", "Ida_x0041_Hansen", "_x000D_", "_x005F_", "_x005F_x0041_", "_X0041_", "a_x12_b", "x005F_"]


@pytest.mark.parametrize("text,in_file", [
    ("_x0041_", "_x005F_x0041_"),
    ("a_x00e6_b", "a_x005F_x00e6_b"),
    ("_x005F_x0041_", "_x005F_x005F_x005F_x0041_"),  # both underscores start an escape
    ("a_x12_b", "a_x005F_x12_b"), ("_X0041_", "_x005F_X0041_"),  # LibreOffice decodes these too
    ("x005F_", "x005F_"), ("_x00G1_", "_x00G1_"), ("", ""),
])
def test_xstring_escapes_every_literal_escape(text, in_file):
    assert cells.xstring(text) == in_file
    assert cells.from_xstring(in_file) == text


def test_from_xstring_decodes_excels_escapes():
    assert cells.from_xstring("_x0041_") == "A" and cells.from_xstring("a_x000D_b") == "a\rb"


def _cell_xml(path: Path, sheet_part_text: str) -> bool:
    """True when ``sheet_part_text`` is in one of the file's worksheet or shared-string parts."""
    with zipfile.ZipFile(path) as zf:
        return any(sheet_part_text in zf.read(n).decode("utf-8") for n in zf.namelist()
                   if n.startswith("xl/worksheets/sheet") or n == "xl/sharedStrings.xml")


@pytest.fixture()
def escaped_round(tmp_path):
    """A master whose participants' names look like escapes, written by XlsxWriter (init) and
    then by openpyxl (a MasterFile edit that writes texts of the same kind into Status)."""
    from xl_kik.excel.masterfile import MasterFile, write_text

    people = [Participant("", name) for name in LITERAL_ESCAPES]
    paths = master.create_round(tmp_path / "runde", unit="Enhed _x0042_", participants=people,
                                catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"))
    with MasterFile.edit(paths) as wb:
        ws = find_sheet(wb, "status")
        for r, text in enumerate(LITERAL_ESCAPES, start=1):
            write_text(ws, f"B{r}", text)
    return paths


def _calamine_texts(path: Path, sheet: str) -> set[str]:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return {v for row in rows for v in row if isinstance(v, str)}


def test_escape_like_text_survives_openpyxl_saves(escaped_round):
    """Text written by openpyxl, and text XlsxWriter wrote that an openpyxl save only carries
    along, stays the participant's text for Excel (escaped in the file) and for our readers."""
    from xl_kik.excel.masterfile import MasterFile

    path = escaped_round.master
    with MasterFile.edit(escaped_round):  # a second save that touches nothing
        pass
    assert _cell_xml(path, "_x005F_x0041_") and not _cell_xml(path, ">_x0041_<")
    for sheet in ("Status", "Deltagere"):
        assert set(LITERAL_ESCAPES) <= _calamine_texts(path, sheet), sheet
    data = master.read_master(escaped_round.root)
    assert [p.name for p in data.participants] == LITERAL_ESCAPES and data.setup.unit == "Enhed _x0042_"
    wb = openpyxl.load_workbook(path, keep_vba=True)
    for key in ("status", "participants"):
        values = {c.value for row in find_sheet(wb, key).iter_rows() for c in row if isinstance(c.value, str)}
        assert set(LITERAL_ESCAPES) <= values, key


def test_escape_like_text_as_libreoffice_reads_it(escaped_round, tmp_path):
    from tests.needs import require
    from xl_kik.excel import office

    if not office.find_soffice():
        require("LibreOffice", "soffice not installed")
    out = office.convert([escaped_round.master], "xlsx", tmp_path / "lo")[0]
    # LibreOffice reads the overlapping "_x005F_x005F_x005F_x0041_" (ECMA-376's spelling of
    # "_x005F_x0041_") as "_x0041_"; every other text comes back as written
    texts = set(LITERAL_ESCAPES) - {"_x005F_x0041_"}
    for sheet in ("Status", "Deltagere"):
        assert texts <= _calamine_texts(out, sheet), sheet


def test_openpyxl_validation_texts_are_read_and_written_as_xstrings():
    """A data validation's prompt/error texts are ST_Xstring attributes (Excel and LibreOffice
    decode _xHHHH_ in them): openpyxl, once patched, writes them escaped and reads them decoded,
    so a save of a loaded file writes them as they were (expected spellings by hand)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    cells.openpyxl_reads_and_writes_xstrings()

    def attributes(blob: bytes) -> dict[str, str]:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            xml = zf.read("xl/worksheets/sheet1.xml").decode()
        return dict(re.findall(r' (promptTitle|prompt|errorTitle|error)="([^"]*)"', xml))

    def save(wb) -> bytes:
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    wb = openpyxl.Workbook()
    dv = cells.openpyxl_validation(type="list", formula1='"a,b"', promptTitle="T_x0041_", prompt="Enhed _x0042_",
                                   errorTitle="E", error="a_x005F_b")
    wb.active.add_data_validation(dv)
    dv.add("A1")
    first = save(wb)
    assert attributes(first) == {"promptTitle": "T_x005F_x0041_", "prompt": "Enhed _x005F_x0042_",
                                 "errorTitle": "E", "error": "a_x005F_x005F_b"}
    loaded = openpyxl.load_workbook(io.BytesIO(first))
    got = loaded.active.data_validations.dataValidation[0]
    assert (got.promptTitle, got.prompt, got.error) == ("T_x0041_", "Enhed _x0042_", "a_x005F_b")
    assert attributes(save(loaded)) == attributes(first)
    # as Excel writes an escaped character: read as the character it stands for
    wb = openpyxl.Workbook()
    dv = DataValidation(type="list", formula1='"a,b"', prompt="x")
    wb.active.add_data_validation(dv)
    dv.add("A1")
    blob = save(wb)
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b'prompt="x"', b'prompt="A_x0042_"')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for n, b in parts.items():
            zf.writestr(n, b)
    assert openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.data_validations.dataValidation[0].prompt == "AB"
