"""The grid check's quick path gives the answers of the tag-by-tag walk (issue 14).

``intake.grid_problem`` first tries ``_grid_surely_fine`` (a few passes over the whole part);
only when that cannot vouch for the part does it walk the tags. Here every sheet is checked
both ways (the quick path switched off by monkeypatch for the second) on generated parts in
the common form and in every odd form the walk knows (no ``r``, lower case, ``$``, prefixes,
row 0, beyond the limits, broken tags, too many cells).
"""

from __future__ import annotations

import random

import pytest

from xl_kik.excel import intake

ODD_CELLS = ['<c r="a1"/>', '<c r="$B$2"/>', "<c/>", '<c t="s"/>', '<x:c r="C3"/>', '<c r="A0"/>',
             '<c r="ZZ5"/>', '<c r="XFD1048576"/>', '<c r="B99999"/>', "<c r='D4'/>", '<c  r="E5"/>',
             '<c r="F6" broken>', '<c s="1" r="G7"/>', '<c r="H8" t="s"><v>1</v></c>']
ODD_ROWS = ['<row>', '<row r="0">', '<row r="10001">', '<row r="x">', '<row spans="1:2" r="3">', "<row r='4'>"]
DIMENSIONS = ['<dimension ref="A1:H52"/>', '<dimension ref="A1"/>', '<dimension ref="A1:ZZ9"/>',
              '<dimension ref="A1:B2:C3"/>', '<dimension ref=""/>', '<x:dimension ref="A1:B2"/>']


def _part(rng: random.Random, odd: float) -> bytes:
    out = ["<worksheet>"]
    if rng.random() < 0.7:
        out.append(rng.choice(DIMENSIONS) if rng.random() < odd else '<dimension ref="A1:H40"/>')
    out.append("<sheetData>")
    for r in range(1, rng.randint(1, 40)):
        out.append(rng.choice(ODD_ROWS) if rng.random() < odd else f'<row r="{r}" spans="1:8">')
        for c in range(1, rng.randint(1, 9)):
            if rng.random() < odd:
                out.append(rng.choice(ODD_CELLS))
            else:
                out.append(f'<c r="{chr(64 + c)}{r}" s="{rng.randint(0, 9)}" t="s"><v>{c}</v></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out).encode()


@pytest.mark.parametrize("odd", [0.0, 0.01, 0.05, 0.3])
def test_quick_path_answers_like_the_walk(monkeypatch, odd):
    rng = random.Random(int(odd * 1000) + 14)
    parts = [_part(rng, odd) for _ in range(300)]
    quick = [intake.grid_problem("f.xlsx", "Ark", p) for p in parts]
    monkeypatch.setattr(intake, "_grid_surely_fine", lambda data: False)
    walked = [intake.grid_problem("f.xlsx", "Ark", p) for p in parts]
    assert [(q.type.code, q.params) if q else None for q in quick] == \
           [(w.type.code, w.params) if w else None for w in walked]
    if odd == 0.0:
        assert all(q is None for q in quick)


def test_quick_path_vouches_for_common_parts_only():
    common = b'<dimension ref="A1:B2"/><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"/></row>'
    assert intake._grid_surely_fine(common)
    for odd in (b'<row><c r="A1"/></row>', b'<row r="1"><c/></row>', b'<row r="1"><c r="DY1"/></row>',
                b'<row r="10001"/>', b'<dimension ref="A1:A10001"/>', b'<row r="1"><c r="A1" x>'):
        assert not intake._grid_surely_fine(odd), odd


# ---------------------------------------------------------------- formula cells (issue 14)
FORMULA_SHEETS = {
    # part -> the formula cells a reader must find ({cell: has a cached result}), written by hand
    b'<row r="4"><c r="B4" s="10"><f>COUNT(E8:E34)</f></c></row>': {"B4": False},
    b'<row r="4"><c r="B4" s="10"><f>A1</f><v>3</v></c><c r="C4" t="str">\n <f>B4</f><v>x</v></c></row>': {
        "B4": True, "C4": True},
    b'<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">B1</f><v>1</v></c>'
    b'<c r="A2"><f t="shared" si="0"/><v>2</v></c></row>': {"A1": True, "A2": True},
    # <f> after <v>: a formula cell without a cached result (calamine shows the cell empty)
    b'<row r="1"><c r="A1"><v>1</v><f>B1</f></c></row>': {"A1": False},
    b'<row r="1"><c r="A1"><v>1</v><f>B1</f><v>4</v></c><c r="B1" x="<f>"><v>1</v></c></row>': {"A1": True},
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is><f>B1</f></c><c r="B1"/><c r="C1"><f>1</f></c></row>': {
        "A1": False, "C1": False},
    b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><conditionalFormatting><cfRule><formula>A1</formula>'
    b'</cfRule></conditionalFormatting><dataValidations><dataValidation><formula1>5</formula1>'
    b'</dataValidation></dataValidations>': {},
    b'<x:row r="1"><x:c r="A1"><x:f>B1</x:f><x:v>2</x:v></x:c></x:row>': {"A1": True},
    b'<row r="1"><c r="A1"><x:f>B1</x:f><v>2</v></c><c r="B1"><f>A1</f></c></row>': {"A1": True, "B1": False},
    b'<row r="1"><c r="A1" s="1"><f>B1</f></c><c r="B1" a="x&lt;y"><f>C1</f><v>0</v></c></row>': {
        "A1": False, "B1": True},
}


@pytest.mark.parametrize("plain", [True, False])
def test_formula_cells_found_by_a_literal_start_like_the_full_scan(plain):
    # plain: the part marked as the grid check marks it (only a part in the common form is
    # scanned from a literal start); not plain: every part scanned cell by cell
    for body, expected in FORMULA_SHEETS.items():
        part = b"<worksheet><sheetData>" + body + b"</sheetData></worksheet>"
        marked = plain and intake._grid_surely_fine(part)
        raw = intake.RawWorkbook(path=None, size=0, sha256="", members=[], sheets=[],
                                 _parts={"xl/worksheets/sheet1.xml": part}, _sheet_parts={"Ark": "xl/worksheets/sheet1.xml"},
                                 _plain=frozenset({"xl/worksheets/sheet1.xml"}) if marked else frozenset())
        assert raw.formula_cells("Ark") == expected, body


def test_a_prefixed_formula_keeps_a_part_out_of_the_common_form():
    # the literal scan looks for "<f": a part whose formula elements have a prefix is walked
    part = b'<worksheet><sheetData><row r="1"><c r="A1"><x:f>B1</x:f><v>2</v></c></row></sheetData></worksheet>'
    assert not intake._grid_surely_fine(part)
    problem, plain = intake._bounds("f.xlsx", {"xl/worksheets/sheet1.xml": part})
    assert problem is None and plain == frozenset()
    raw = intake.RawWorkbook(path=None, size=0, sha256="", members=[], sheets=[],
                             _parts={"xl/worksheets/sheet1.xml": part}, _sheet_parts={"Ark": "xl/worksheets/sheet1.xml"},
                             _plain=plain)
    assert raw.formula_cells("Ark") == {"A1": True}


def test_parts_in_the_common_form_are_marked_plain():
    common = b'<worksheet><sheetData><row r="1"><c r="A1"><f>B1</f></c></row></sheetData></worksheet>'
    odd = b'<worksheet><sheetData><row><c r="A1"><f>B1</f></c></row></sheetData></worksheet>'
    problem, plain = intake._bounds("f.xlsx", {"xl/worksheets/sheet1.xml": common, "xl/worksheets/sheet2.xml": odd})
    assert problem is None and plain == {"xl/worksheets/sheet1.xml"}
