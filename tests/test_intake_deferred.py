"""Deferred worksheet parts (issue 14): ``intake.open_workbook(read_sheets=...)`` inflates and
checks only the worksheet parts of the sheets the reader reads; any other sheet's part is
checked (inflated, nesting, DTD, grid) the first time it is read after all, and an unsafe one is
refused then with the problem the check at open gives (``intake.Refused``). Calamine never sees
a part that was not checked before it parses it."""

from __future__ import annotations

import io
import zipfile

import pytest

from bad_returns import filled, rezip, set_meta
from hostile.generator import patch_sheet, sheet_member
from scoring_fixtures import kik_setup, participants as make_participants
from xl_kik.excel import intake, reader, scoring

READ = ("_kik", "Evaluering")
FAR = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'


@pytest.fixture(scope="module")
def fresh():
    return scoring.ScoringTemplate(kik_setup()).render(make_participants(1)[0])


def _far_on(blob: bytes, sheet: str) -> bytes:
    return patch_sheet(blob, sheet, lambda xml: xml.replace(b"</sheetData>", FAR + b"</sheetData>"))


def _counting(monkeypatch) -> list[str]:
    inflated: list[str] = []
    real = intake._inflate_compressed
    monkeypatch.setattr(intake, "_inflate_compressed",
                        lambda comp, info: inflated.append(info.filename) or real(comp, info))
    intake._CHECKED.clear()  # every part inflated anew: what is counted is what was taken
    return inflated


def test_the_reader_reads_the_metadata_and_the_questions_sheet():
    setup = kik_setup()
    assert reader._sheets_read(setup) == (scoring.META_SHEET, scoring.make_layout(setup).sheet)


def test_a_sheet_not_read_is_neither_inflated_nor_checked(tmp_path, fresh, monkeypatch):
    path = tmp_path / "svar.xlsx"
    path.write_bytes(_far_on(fresh, "Vejledning"))
    assert [p.code for p in intake.open_workbook(path)] == ["F022"]  # every sheet checked: refused
    inflated = _counting(monkeypatch)
    raw = intake.open_workbook(path, read_sheets=READ)
    assert isinstance(raw, intake.RawWorkbook), raw
    guide = sheet_member(fresh, "Vejledning")
    assert guide not in inflated and guide in raw._deferred and guide not in raw._parts
    assert sheet_member(fresh, "Evaluering") in inflated
    assert raw.rows("Evaluering") and raw.rows("_kik")  # the sheets read are read as always


@pytest.mark.parametrize("read", [lambda raw: raw.rows("Vejledning"), lambda raw: raw.error_cells("Vejledning"),
                                  lambda raw: raw.formula_cells("Vejledning"), lambda raw: raw.has_error_cells])
def test_an_unsafe_sheet_read_after_all_is_refused_naming_it(tmp_path, fresh, read):
    path = tmp_path / "svar.xlsx"
    path.write_bytes(_far_on(fresh, "Vejledning"))
    raw = intake.open_workbook(path, read_sheets=READ)
    with pytest.raises(intake.Refused) as caught:
        read(raw)
    assert caught.value.problem.code == "F022" and "Vejledning" in caught.value.problem.message("da")


@pytest.mark.parametrize("xml, code", [
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>', "F015"),
    (b"PK\x03\x04" + b"\x00" * 60, "F014")])
def test_a_deferred_part_gets_the_checks_of_every_part(tmp_path, fresh, xml, code):
    member = sheet_member(fresh, "Vejledning")
    path = tmp_path / "svar.xlsx"
    path.write_bytes(rezip(fresh, replace_parts={member: xml}))
    assert [p.code for p in intake.open_workbook(path)] == [code]  # at open, when every part is checked
    raw = intake.open_workbook(path, read_sheets=READ)
    assert isinstance(raw, intake.RawWorkbook), raw
    with pytest.raises(intake.Refused) as caught:
        raw.rows("Vejledning")
    assert caught.value.problem.code == code


def test_a_damaged_deferred_part_is_refused_when_read(tmp_path, fresh):
    member = sheet_member(fresh, "Vejledning")
    data = bytearray(fresh)
    info = zipfile.ZipFile(io.BytesIO(fresh)).getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # a flipped byte in the stored bytes
    path = tmp_path / "svar.xlsx"
    path.write_bytes(bytes(data))
    raw = intake.open_workbook(path, read_sheets=READ)
    assert isinstance(raw, intake.RawWorkbook), raw
    with pytest.raises(intake.Refused) as caught:
        raw.rows("Vejledning")
    assert caught.value.problem.code == "F010"


def test_a_deferred_sheet_read_after_all_reads_as_one_checked_at_open(tmp_path, fresh):
    path = tmp_path / "svar.xlsx"
    path.write_bytes(fresh)
    eager = intake.open_workbook(path)
    late = intake.open_workbook(path, read_sheets=("_kik",))  # the questions sheet deferred too
    member = sheet_member(fresh, "Evaluering")
    assert member in late._deferred
    assert late.formula_cells("Evaluering") == eager.formula_cells("Evaluering")
    assert late.rows("Evaluering") == eager.rows("Evaluering")
    assert late.error_cells("Evaluering") == eager.error_cells("Evaluering")
    assert late.percent_cells("Evaluering") == eager.percent_cells("Evaluering")
    assert late._parts[member] == eager._parts[member] and member in late._plain and not late._deferred.get(member)


def test_a_return_whose_metadata_names_an_unsafe_sheet_is_refused_not_crashed(tmp_path, fresh, monkeypatch):
    """What ``read_return`` says of a deferred part that proves unsafe: one problem, no answers."""
    setup = kik_setup()
    person = make_participants(1)[0]
    path = tmp_path / "svar.xlsx"
    # the metadata names the instructions sheet as the questions sheet (layout keys unchanged)
    blob = filled(fresh, {}, lambda wb, lay: set_meta(wb, lay, "sheet", "Vejledning"))
    path.write_bytes(_far_on(blob, "Vejledning"))
    inflated = _counting(monkeypatch)
    result = reader.read_return(path, setup, [person])
    assert result.response is None
    assert [p.code for p in result.report.problems] == ["F022"], result.report.problems
    assert "Vejledning" in result.report.problems[0].message("da")
    assert sheet_member(blob, "Vejledning") in inflated  # deferred at open, checked when it was read
