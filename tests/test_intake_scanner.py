"""The grid check's one-search scanner (issue 14): ``intake._grid_surely_fine`` vouches for a
worksheet part only when the tag-by-tag walk finds nothing, and the limits spelled in its
pattern (``intake._at_most``) are exactly the numeric limits.

``tests/test_intake_grid.py`` compares the quick path with the walk on generated parts; here the
hostile forms a single search could be fooled by: references just beyond the limits, leading
zeros, other whitespace, quotes and attribute orders, prefixes, grid tags inside attribute
values, changed limits, and whole returned files with such a sheet.
"""

from __future__ import annotations

import re

import pytest

from xl_kik.core.cellref import column_letter
from bad_returns import rezip
from hostile.generator import patch_sheet
from scoring_fixtures import kik_setup, participants as make_participants
from xl_kik.excel import intake, scoring


@pytest.mark.parametrize("top", ["1", "9", "10", "99", "100", "509", "10000", "65536"])
def test_at_most_numbers_is_exactly_one_to_top(top):
    pattern = re.compile(intake._at_most(top, intake._DIGITS, intake._DIGITS[1:]))
    limit = int(top)
    for n in range(0, max(3 * limit, 200)):
        assert bool(pattern.fullmatch(str(n))) == (1 <= n <= limit), n
    for text in ("0" + top, "00", "01", "-1", "+1", " 1", "1 ", ""):
        assert not pattern.fullmatch(text), text


@pytest.mark.parametrize("top", [1, 26, 27, 52, 128, 702, 703, 16384])
def test_at_most_columns_is_exactly_a_to_top(top):
    pattern = re.compile(intake._at_most(column_letter(top), intake._LETTERS, intake._LETTERS))
    for c in range(1, 16385):
        assert bool(pattern.fullmatch(column_letter(c))) == (c <= top), column_letter(c)
    for text in ("a", "A1", "", "@", "[", "AAAA"):
        assert not pattern.fullmatch(text), text


def _sheet(body: str) -> bytes:
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{body}</sheetData></worksheet>").encode()


FINE = [
    '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>x</t></is></c><c r="B1" /></row>',
    f'<dimension ref="A1:{column_letter(intake.MAX_COL)}{intake.MAX_ROW}"/>'
    f'<row r="{intake.MAX_ROW}" spans="1:8" x14ac:dyDescent="0.25">'
    f'<c r="{column_letter(intake.MAX_COL)}{intake.MAX_ROW}"><v>1</v></c></row>',
    '<cols><col min="1" max="2" width="9"/></cols><row r="2"><c r="B2" t="s"><v>0</v></c></row>',
]

#: parts the scanner must not vouch for; what the walk then says is compared below
ODD = [
    f'<row r="1"><c r="{column_letter(intake.MAX_COL + 1)}1"/></row>',
    f'<row r="1"><c r="A{intake.MAX_ROW + 1}"/></row>',
    f'<row r="{intake.MAX_ROW + 1}"><c r="A1"/></row>',
    f'<dimension ref="A1:A{intake.MAX_ROW + 1}"/>',
    f'<dimension ref="A1:{column_letter(intake.MAX_COL + 1)}1"/>',
    '<row r="1"><c r="XFD1048576"/></row>',
    '<row r="1"><c r="A01"/></row>',            # a leading zero: the walk decides
    '<row r="01"><c r="A1"/></row>',
    '<row r="0"><c r="A1"/></row>',
    '<row r="1"><c r="A0"/></row>',
    '<row r="1"><c\tr="XFD1"/></row>',          # other whitespace before the reference
    '<row r="1"><c\x0cr="XFD1"/></row>',
    '<row r="1"><c  r="XFD1"/></row>',
    "<row r='1'><c r='XFD1'/></row>",           # single quotes
    '<row r="1"><c r="A1" t=\'s\'/></row>',
    '<row r="1"><c s="1" r="XFD1"/></row>',     # the reference not first
    '<row r="1"><c r="A1" r="XFD1"/></row>',    # twice: calamine takes the last one
    '<row r="1"><c r="A1" r="B1"/></row>',
    '<row r="1" r="20000"><c/></row>',
    '<dimension ref="A1" ref="A1:XFD1"/>',
    '<row r="1"><c ref="A1" r="XFD1"/></row>',  # calamine reads r wherever it stands
    '<row r="1"><c t="s" r="XFD1"/></row>',
    '<row r="1"><c t=" r=\'A1\'"/><c t=" r=\'A1\'"/></row>',  # no reference, one inside a value
    '<row r="1"><x:c r="XFD1"/></row>',         # a namespace prefix
    '<x:row r="20000"><c r="A1"/></x:row>',
    '<row r="1"><c r="A1" broken></row>',
    '<row r="1"><c r="A1" x="1"y="2"/></row>',
    '<row r="1"><c/></row>',
    '<row><c r="A1"/></row>',
    '<row r="1"><c r="A1" x=\'<c r="XFD1"/>\'/></row>',   # a grid tag inside an attribute value
    '<row r="1" x="<c r=&quot;A1&quot;>"><c r="A1"/><c r="XFD1"/></row>',
    '<row r="1"><c r="$A$1"/></row>',
    '<row r="1"><c r="a1"/></row>',
]


@pytest.mark.parametrize("body", FINE)
def test_common_parts_are_vouched_for(body):
    assert intake._grid_surely_fine(_sheet(body))
    assert intake.grid_problem("f.xlsx", "Ark", _sheet(body)) is None


@pytest.mark.parametrize("body", ODD)
def test_odd_parts_go_to_the_walk_and_get_its_answer(monkeypatch, body):
    part = _sheet(body)
    assert not intake._grid_surely_fine(part), body
    quick = intake.grid_problem("f.xlsx", "Ark", part)
    monkeypatch.setattr(intake, "_grid_surely_fine", lambda data: False)
    walked = intake.grid_problem("f.xlsx", "Ark", part)
    assert (quick and (quick.type.code, quick.params)) == (walked and (walked.type.code, walked.params))


def test_far_cells_are_still_refused_with_the_danish_message():
    for body, cell in [('<row r="1"><c r="XFD1048576"/></row>', "XFD1048576"),
                       (f'<row r="1"><c r="A{intake.MAX_ROW + 1}"/></row>', f"A{intake.MAX_ROW + 1}"),
                       ('<row r="1"><c r="A1" x=\'<c r="XFD1"/>\'/></row>', "XFD1")]:
        problem = intake.grid_problem("f.xlsx", "Evaluering", _sheet(body))
        assert problem is not None and problem.type.code == "F022", body
        assert cell in problem.message("da") and "langt uden for" in problem.message("da")


def test_the_limits_are_read_when_checking(monkeypatch):
    """A changed limit changes what the scanner vouches for (its pattern is made per limit)."""
    part = _sheet('<dimension ref="A1:C30"/><row r="30"><c r="C30"/></row>')
    assert intake._grid_surely_fine(part)
    monkeypatch.setattr(intake, "MAX_ROW", 29)
    assert not intake._grid_surely_fine(part)
    assert intake.grid_problem("f.xlsx", "Ark", part).type.code == "F022"
    monkeypatch.setattr(intake, "MAX_ROW", 30)
    monkeypatch.setattr(intake, "MAX_COL", 2)
    assert not intake._grid_surely_fine(part)
    assert intake.grid_problem("f.xlsx", "Ark", part).type.code == "F022"


def test_too_many_cells_in_a_large_part_go_to_the_walk(monkeypatch):
    monkeypatch.setattr(intake, "MAX_CELLS", 10)
    part = _sheet('<row r="1">' + "".join(f'<c r="A{i}"/>' for i in range(1, 12)) + "</row>")
    assert len(part) > 4 * intake.MAX_CELLS
    assert not intake._grid_surely_fine(part)
    assert intake.grid_problem("f.xlsx", "Ark", part).type.code == "F023"


@pytest.fixture(scope="module")
def fresh():
    return scoring.ScoringTemplate(kik_setup()).render(make_participants(1)[0])


def _with_row(blob: bytes, row_xml: str) -> bytes:
    return patch_sheet(blob, "Evaluering", lambda xml: xml.replace(b"</sheetData>", row_xml.encode() + b"</sheetData>"))


@pytest.mark.parametrize("row", ['<row r="60"><c r="A60" x=\'<c r="XFD1048576"/>\'/></row>',
                                 '<row r="60"><c\tr="XFD1048576"/></row>',
                                 '<row r="60"><c ref="A60" r="XFD1048576"/></row>',
                                 '<row r="60"><c r="A60" r="XFD1048576"/></row>',
                                 '<row r="1048576"><c r="A1"/></row>'])
def test_a_returned_file_with_such_a_sheet_is_not_opened(tmp_path, fresh, row):
    path = tmp_path / "svar.xlsx"
    path.write_bytes(_with_row(fresh, row))
    got = intake.open_workbook(path)
    assert isinstance(got, list) and [p.code for p in got] in (["F022"], ["F010"]), got
    assert "Evaluering" in got[0].message("da")
    if "r=\"A60\" r=" in row:  # a reference twice is not XML
        assert got[0].code == "F010" and "ulæselig XML" in got[0].message("da")


def test_a_returned_file_in_the_common_form_opens_with_its_sheets_plain(tmp_path, fresh):
    path = tmp_path / "svar.xlsx"
    path.write_bytes(fresh)
    got = intake.open_workbook(path)
    assert not isinstance(got, list), got
    sheets = intake.sheet_parts(got._parts)
    assert got._plain == {sheets[name] for name in got.sheet_names}


# ---------------------------------------------------------------- parts checked before (issue 14)
def test_a_part_checked_before_is_not_inflated_again_and_gives_the_same_workbook(tmp_path, fresh, monkeypatch):
    intake._CHECKED.clear()
    path = tmp_path / "svar.xlsx"
    path.write_bytes(fresh)
    first = intake.open_workbook(path)
    inflated = []
    real = intake._inflate_compressed
    monkeypatch.setattr(intake, "_inflate_compressed", lambda comp, info: inflated.append(info.filename) or real(comp, info))
    second = intake.open_workbook(path)
    assert inflated == []  # every part came from the parts checked before
    assert second._parts == first._parts and second._plain == first._plain
    assert second.rows("Evaluering") == first.rows("Evaluering")
    assert [p.code for p in second.problems] == [p.code for p in first.problems]


@pytest.mark.parametrize("row", ['<row r="60"><c r="XFD1048576"/></row>', '<row r="60"><c ref="A60" r="XFD60"/></row>'])
def test_a_hostile_sheet_beside_parts_checked_before_is_still_refused(tmp_path, fresh, row):
    intake._CHECKED.clear()
    (tmp_path / "good.xlsx").write_bytes(fresh)
    assert not isinstance(intake.open_workbook(tmp_path / "good.xlsx"), list)
    assert intake._CHECKED  # the good file's parts are remembered
    (tmp_path / "bad.xlsx").write_bytes(_with_row(fresh, row))
    got = intake.open_workbook(tmp_path / "bad.xlsx")
    assert isinstance(got, list) and [p.code for p in got] == ["F022"]


def test_parts_checked_before_are_bounded(tmp_path, fresh, monkeypatch):
    intake._CHECKED.clear()
    monkeypatch.setattr(intake, "_checked_bytes", 0)
    monkeypatch.setattr(intake, "_CHECKED_BYTES", len(fresh) * 20)
    path = tmp_path / "svar.xlsx"
    for i in range(200):  # other bytes each time: a new custom property value
        path.write_bytes(rezip(fresh, add={f"docProps/extra{i}.xml": b"<x>" + b"y" * (i + 500) + b"</x>"}))
        assert not isinstance(intake.open_workbook(path), list)
        held = sum(len(blob) + len(key[1]) for key, (blob, _) in intake._CHECKED.items())
        assert held <= intake._CHECKED_BYTES
    intake._CHECKED.clear()


def test_the_dtd_check_finds_what_the_pattern_finds_anywhere():
    """``_has_dtd`` looks at each "!" instead of searching the whole part for the pattern."""
    import random

    rng = random.Random(14)
    pieces = [b"<", b"!", b" ", b"\n", b"DOCTYPE", b"doctype", b"ENTITY", b"Entity", b"x", b"<!", b"<!--", b"!>"]
    for _ in range(20_000):
        text = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert intake._has_dtd(text) == bool(intake._DTD_RE.search(text)), text
    for text in (b"!<!DOCTYPE w>", b"<?xml?>\n<! ENTITY x>", b"!" * 5000 + b"<!doctype", b"<x>Tak!</x><!--!-->"):
        assert intake._has_dtd(text) == bool(intake._DTD_RE.search(text)), text[:40]


@pytest.mark.parametrize("limits,code", [
    ({"MAX_ROW": 5}, "F022"), ({"MAX_COL": 3}, "F022"), ({"MAX_CELLS": 10}, "F023"),
    ({"MAX_SHARED_STRINGS": 5}, "F025"), ({"MAX_PART_BYTES": 2000}, "F024"), ({"MAX_MEMBERS": 3}, "F013"),
    ({"MAX_FILE_BYTES": 1000}, "F002"), ({"MAX_TOTAL_UNCOMPRESSED": 1000}, "F011"),
    ({"RATIO_MIN_BYTES": 100, "MAX_RATIO": 1}, "F012"),
])
def test_a_verdict_remembered_under_other_limits_is_not_taken(tmp_path, fresh, monkeypatch, limits, code):
    """A long-running host (Excel's buttons) keeps _CHECKED between merges: a lower limit set
    after a file passed refuses it the next time, and the old limits back open it again."""
    intake._CHECKED.clear()
    path = tmp_path / "svar.xlsx"
    path.write_bytes(fresh)
    assert not isinstance(intake.open_workbook(path), list)
    assert intake._CHECKED
    old = {name: getattr(intake, name) for name in limits}
    for name, value in limits.items():
        monkeypatch.setattr(intake, name, value)
    got = intake.open_workbook(path)
    assert isinstance(got, list) and [p.code for p in got] == [code], got
    for name, value in old.items():
        monkeypatch.setattr(intake, name, value)
    assert not isinstance(intake.open_workbook(path), list)
