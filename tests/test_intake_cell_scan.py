"""The later scans of a returned sheet (error, formula and percent cells: ``RawWorkbook.error_cells``,
``formula_cells``, ``percent_cells``) name the cell calamine reads, on hostile XML too.

They read a cell tag's reference the one way the grid walk reads it (``intake._attr_values`` over
``intake._grid_tags``): each attribute read whole (``r="B3"`` inside a single-quoted value is no
reference), ``r`` wherever it stands and in either quotes, ``x:r`` no reference, implicit positions
counted, a tag inside another's attribute value no cell; a reference given twice is refused before.
Each case puts a marker value into the special cell; where calamine shows the marker is where the
scan must report the cell (errors, which calamine shows as "", are written by hand).
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xl_kik.core.cellref import column_letter
from xl_kik.excel import intake

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x="urn:x"'


@pytest.fixture(scope="module")
def base() -> tuple[bytes, int]:
    """A workbook with one sheet "Ark" and a percent style; the index of that style."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark"
    ws["A1"] = 1
    ws["B1"] = 0.5
    ws["B1"].number_format = "0%"
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml")
    percent = intake.percent_styles(styles)
    assert len(percent) == 1
    return data, next(iter(percent))


def _book(base: bytes, body: str) -> bytes:
    sheet = f"<worksheet {NS}><sheetData>{body}</sheetData></worksheet>".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info))
    return out.getvalue()


def _calamine_cells(data: bytes) -> dict[str, object]:
    grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Ark").to_python(skip_empty_area=False)
    return {f"{column_letter(c + 1)}{r + 1}": v for r, row in enumerate(grid) for c, v in enumerate(row) if v != ""}


def _open(tmp_path, data: bytes):
    path = tmp_path / "svar.xlsx"
    path.write_bytes(data)
    return intake.open_workbook(path)


# (body with {S} for the percent style, the cell calamine shows the marker in): a formula whose cached
# result is the marker 4242, hidden from a scan that takes the first r="..." of the tag text
FORMULAS = [
    ("""<row r="1"><c foo='r="B3"' r="A1"><f>1+1</f><v>4242</v></c></row>""", "A1"),
    ("""<row r="1"><c foo='x r="B3" y' t="n" r="C1"><f>1+1</f><v>4242</v></c></row>""", "C1"),
    ("""<row r="1"><c x:r="B3" r="A1"><f>1+1</f><v>4242</v></c></row>""", "A1"),
    ("""<row r="1"><c r='D1'><f>1+1</f><v>4242</v></c></row>""", "D1"),
    ("""<row r="1"><c s="0" r = "E1"><f>1+1</f><v>4242</v></c></row>""", "E1"),
    ("""<row r="3"><c r="A3"/><c><f>1+1</f><v>4242</v></c></row>""", "B3"),
    ("""<row r="3"><c r="A3"><v>1</v></c></row><row><c r="B4"><v>1</v></c><c><f>1</f><v>4242</v></c></row>""", "C4"),
    ("""<row r="1"><c r="D1" x='<c r="A1"/>'/><c><f>1</f><v>4242</v></c></row>""", "E1"),
    ("""<row r="1"><c r="A1" x="a>b"><f>1</f><v>4242</v></c></row>""", "A1"),
    ("""<row r="1"><c r="B1">x<f>1</f><v>4242</v></c></row>""", "B1"),  # text before the formula
    ("""<row r="1"><c r="C1"><v>3</v><f>1</f><v>4242</v></c></row>""", "C1"),  # a value before it
    ("""<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[</c><c r="D1">]]></t></is></c>"""
     """<c><f>1</f><v>4242</v></c></row>""", "B1"),  # tags in a text's CDATA are text
    # a comment, PI or CDATA section outside a cell is no element to calamine, nor a grid tag in it
    ("""<row r="5"><!-- <c/> --><c><f>1</f><v>4242</v></c></row>""", "A5"),
    ("""<row r="5"><?x <c/> ?><c><f>1</f><v>4242</v></c></row>""", "A5"),
    ("""<row r="5"><![CDATA[<c/>]]><c><f>1</f><v>4242</v></c></row>""", "A5"),
    ("""<!-- <row r="9"><c r="A9"/></row> --><row><c r="A1"/><!--<c/>--><c><f>1</f><v>4242</v></c></row>""", "B1"),
]
# A comment or processing instruction in a cell (Excel and LibreOffice never write one) hides what
# follows from a scan that takes the next tag, or hides a value from calamine; a CDATA section in a
# cell outside a text likewise (calamine shows the marker 4242 each time, or nothing where the
# markup stands inside the value). Refused, naming the cell.
MARKUP = [
    ("""<row r="5"><c r="C5"><!-- x --><f>HYPERLINK("http://x","y")</f><v>4242</v></c></row>""", "C5"),
    ("""<row r="5"><c r="C5"><?pi x?><f>1</f><v>4242</v></c></row>""", "C5"),
    ("""<row r="5"><c r="C5"> <!-- x --> <f>1</f><v>4242</v></c></row>""", "C5"),
    ("""<row r="5"><c r="C5"><![CDATA[ ]]><f>1</f><v>4242</v></c></row>""", "C5"),
    ("""<row r="5"><c r="C5"><!-- x --><v>4242</v></c></row>""", "C5"),
    ("""<row r="5"><c r="C5"><v>4242<!-- x --></v></c></row>""", "C5"),
    ("""<row r="5"><c r="C5" t="inlineStr"><!-- x --><is><t>4242</t></is></c></row>""", "C5"),
    ("""<row r="5"><c r="C5" t="inlineStr"><is><t>42<!-- x -->42</t></is></c></row>""", "C5"),
    ("""<row r="5"><c r="C5"><v><!-- x -->4242</v></c></row>""", "C5"),  # calamine: empty
    ("""<row r="5"><c r="C5"><v><![CDATA[4242]]></v></c></row>""", "C5"),  # calamine: empty
    ("""<row r="5"><c r="B5"/><c><v>1</v><!-- </c> --><f>1</f><v>4242</v></c></row>""", "C5"),
    ("""<row r="5"><c r="C5" t="inlineStr"><is><t><![CDATA[</c>]]></t></is><?x?><f>1</f><v>4242</v></c></row>""",
     "C5"),
]


PERCENTS = [
    ("""<row r="1"><c s="{S}" foo='r="A1"' r="C1"><v>0.4242</v></c></row>""", "C1"),
    ("""<row r="1"><c r="B1" s='{S}'><v>0.4242</v></c></row>""", "B1"),
    ("""<row r="1"><c r="A1" x="a>b" s="{S}"><v>0.4242</v></c></row>""", "A1"),  # common form, '>' in a value
    ("""<row r="2"><c r="C2"/><c s="{S}"><v>0.4242</v></c></row>""", "D2"),
    ("""<row r="1"><c r="A1"><v>1</v></c><c r="B1" s="0{S}"><v>0.4242</v></c></row>""", "B1"),  # common form
    ("""<row r="1"><c foo='s="{S}"' r="A1"><v>1</v></c><c r="B1" s="{S}"><v>0.4242</v></c></row>""", "B1"),
]
ERRORS = [  # (body, the error cells a reader must find), written by hand
    ("""<row r="1"><c r="A1" t='e'><v>#DIV/0!</v></c></row>""", {"A1": "#DIV/0!"}),
    ("""<row r="1"><c foo='t="e"' r="A1"><v>3</v></c><c t="e" foo='r="A1"' r="C1"><v>#N/A</v></c></row>""",
     {"C1": "#N/A"}),
    ("""<row r="1"><c r="B1" x="a>b" t="e"><v>#N/A</v></c></row>""", {"B1": "#N/A"}),
    ("""<row r="5"><c r="C5"/><c t="e"><v>#REF!</v></c></row>""", {"D5": "#REF!"}),
]


@pytest.mark.parametrize("body,cell", FORMULAS)
def test_formula_cells_name_the_cell_calamine_reads(tmp_path, base, body, cell):
    data = _book(base[0], body)
    assert _calamine_cells(data).get(cell) == 4242
    raw = _open(tmp_path, data)
    assert not isinstance(raw, list), raw
    assert raw.formula_cells("Ark") == {cell: True}


@pytest.mark.parametrize("body,cell", PERCENTS)
def test_percent_cells_name_the_cell_calamine_reads(tmp_path, base, body, cell):
    data = _book(base[0], body.replace("{S}", str(base[1])))
    assert _calamine_cells(data).get(cell) == 0.4242
    raw = _open(tmp_path, data)
    assert not isinstance(raw, list), raw
    assert raw.percent_cells("Ark") == {cell}
    other = _book(base[0], body.replace("{S}", "0" if base[1] else "1"))  # not the percent style
    assert _open(tmp_path, other).percent_cells("Ark") == set()


@pytest.mark.parametrize("body,cells", ERRORS)
def test_error_cells_name_the_cell_calamine_reads(tmp_path, base, body, cells):
    raw = _open(tmp_path, _book(base[0], body))
    assert not isinstance(raw, list), raw
    assert raw.error_cells("Ark") == cells
    assert raw.has_error_cells
    for cell in cells:  # calamine shows an error cell as ""
        assert cell not in _calamine_cells(_book(base[0], body))


@pytest.mark.parametrize("body", ["""<row r="1"><c r="A1" r="B1"><f>1</f><v>4242</v></c></row>""",
                                  """<row r="1"><c r="A1" s="0" r='B1' t="e"><v>#N/A</v></c></row>""",
                                  """<row r="1" r="2"><c><f>1</f><v>4242</v></c></row>"""])
def test_a_reference_given_twice_is_refused_before_any_scan(tmp_path, base, body):
    got = _open(tmp_path, _book(base[0], body))
    assert isinstance(got, list) and [p.code for p in got] == ["F010"], got


def test_cell_tags_follow_the_grid_walk_positions():
    part = (f"<worksheet {NS}><sheetData>"
            """<row r="2"><c/><c r='C2'/><c foo='r="A9"'/></row><row><c x:r="Z1"/><c r="B3" x='<c r="H8"/>'/><c/></row>"""
            "</sheetData></worksheet>").encode()
    assert intake.grid_problem("f.xlsx", "Ark", part) is None
    assert [ref for ref, _ in intake.cell_tags(part)] == ["A2", "C2", "D2", "A3", "B3", "C3"]


@pytest.mark.parametrize("body,cell", MARKUP)
def test_a_comment_pi_or_cdata_outside_a_text_is_refused_naming_the_cell(tmp_path, base, body, cell):
    data = _book(base[0], body)
    shown = _calamine_cells(data)
    assert shown in ({}, {cell: 4242}, {cell: "4242"}, {cell: 1}), shown
    got = _open(tmp_path, data)
    assert isinstance(got, list) and [p.code for p in got] == ["F029"], got
    assert (got[0].file, got[0].sheet, got[0].cell) == ("svar.xlsx", "Ark", cell)
    text = got[0].message("da")
    assert "svar.xlsx" in text and "Ark" in text and f"celle {cell}" in text and "ikke læst" in text
    assert f"in cell {cell}" in got[0].message("en")


def test_a_cdata_section_in_a_text_is_read_as_calamine_reads_it(tmp_path, base):
    body = """<row r="1"><c r="A1" t="inlineStr"><is><t>a<![CDATA[<b>]]><![CDATA[c]]></t></is></c><c r="B1"><v>2</v></c></row>"""
    data = _book(base[0], body)
    assert _calamine_cells(data) == {"A1": "a<b>c", "B1": 2}
    raw = _open(tmp_path, data)
    assert not isinstance(raw, list), raw
    assert [ref for ref, _ in raw._cell_tags("Ark")] == ["A1", "B1"] and raw.formula_cells("Ark") == {}


def test_a_style_inside_a_comment_in_the_styles_moves_no_style_index(tmp_path, base):
    data, index = base
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = z.read("xl/styles.xml")
    cell_xfs = styles.index(b"<cellXfs")
    first_xf = styles.index(b"<xf", cell_xfs)
    fake = b'<!-- <xf numFmtId="9"/> --><?x <xf numFmtId="10"/>?>'
    hostile = styles[:first_xf] + fake + styles[first_xf:]
    assert intake.percent_styles(hostile) == intake.percent_styles(styles) == {index}
