"""A returned file as a file: type sniffing, bombs, encryption, and never a crash."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bad_returns import BILLION_LAUGHS, filled, minimal_encrypted_cfb, rezip, standard_answers, zip_with_raw_names
from scoring_fixtures import kik_setup, participants as make_participants
from xl_kik.excel import intake
from xl_kik.excel import scoring
from xl_kik.excel.vba.cfb import write_cfb
from xl_kik.excel.intake import RawWorkbook, open_workbook
from xl_kik.excel.reader import read_return
from xl_kik.core.problems import Problem


@pytest.fixture(scope="module")
def setup():
    return kik_setup()


@pytest.fixture(scope="module")
def fresh(setup):
    return scoring.ScoringTemplate(setup).render(make_participants(1)[0])


@pytest.fixture(scope="module")
def good(fresh, setup):
    return filled(fresh, standard_answers(setup))


_FUZZ_SETUP = kik_setup()


def setup_for_fuzz():
    """The round the fuzzed file was made for (the same as the ``setup`` fixture's)."""
    return _FUZZ_SETUP


def _open(tmp_path: Path, data: bytes, name: str = "svar.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return open_workbook(path)


def codes(result) -> list[str]:
    assert isinstance(result, list), result
    assert all(isinstance(p, Problem) for p in result)
    return [p.code for p in result]


def test_generated_workbook_opens(tmp_path, fresh):
    raw = _open(tmp_path, fresh)
    assert isinstance(raw, RawWorkbook)
    assert raw.problems == []
    assert raw.sheet_names == ["Vejledning", "Evaluering", "_kik", "_kik_lists"]  # _kik_lists: the points list
    assert [s.visibility for s in raw.sheets] == ["visible", "visible", "veryhidden", "veryhidden"]
    assert raw.find_sheet("_KIK").name == "_kik"
    assert raw.custom_properties["xl_kik_format"] == scoring.FORMAT
    assert raw.custom_properties["xl_kik_participant_id"] == "D01"
    assert raw.custom_property_has("D01") and not raw.custom_property_has("D02")
    assert "xl/workbook.xml" in raw.members and "docProps/custom.xml" in raw.members
    assert raw.application == "Microsoft Excel"
    assert raw.size == len(fresh) and len(raw.sha256) == 64
    grid = raw.rows("_kik")
    assert grid[0][:2] == ["format", scoring.FORMAT]
    ev = raw.rows("Evaluering")
    assert ev[scoring.HEADER_ROW - 1][0] == "qid"  # row 0 = row 1, column 0 = column A
    assert raw.error_cells("Evaluering") == {} and not raw.has_error_cells
    assert not raw.has_macros
    raw.close()


def test_hidden_sheet_and_error_cells(tmp_path, fresh, setup):
    lay = scoring.make_layout(setup)

    def edit(wb, l):
        l["meta_ws"].sheet_state = "hidden"
        cell = l["ws"][f"{lay.col_points}{lay.rows['1.1']}"]
        cell.value = "#N/A"
        cell.data_type = "e"

    raw = _open(tmp_path, filled(fresh, {}, edit))
    assert raw.sheet("_kik").visibility == "hidden"
    assert raw.has_error_cells
    assert raw.error_cells("Evaluering") == {f"{lay.col_points}{lay.rows['1.1']}": "#N/A"}
    assert raw.rows("Evaluering")[lay.rows["1.1"] - 1][4] == ""  # calamine shows errors as ""


@pytest.mark.parametrize("data,code", [
    (b"", "F001"),
    (b"%PDF-1.7\n", "F006"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "F008"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "F008"),
    (b"GIF89a" + b"\x00" * 10, "F008"),
    ("Navn;Point\nIda;60\n".encode("utf-8-sig"), "F005"),
    ("<html><body><table><tr><td>60</td></tr></table></body></html>".encode(), "F005"),
    (b"{\\rtf1\\ansi hej}", "F007"),
    (b"Rar!\x1a\x07\x00" + b"\x00" * 10, "F018"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 10, "F018"),
    (b"\x00\x00\x00\x01\x02\x03\xfe\xff" * 64, "F018"),
])
def test_sniffing_not_extension(tmp_path, data, code):
    assert codes(_open(tmp_path, data, "besvarelse.xlsx")) == [code]


@pytest.mark.parametrize("raw", ["KIK Børnehuset - Søren Østergaard.xlsx".encode("utf-8"),
                                 "KIK Børnehuset - Søren Østergaard.xlsx".encode("cp850")])
def test_a_zipped_answer_is_named_and_the_way_out_said(tmp_path, raw):
    """A participant's workbook sent inside a zip (a compressed folder): refused with what to do,
    the workbook named as its maker wrote the name (UTF-8 or, from Windows, code page 850)."""
    got = _open(tmp_path, zip_with_raw_names({raw: b"the workbook: refused by its name, never opened"}), "Søren.zip")
    assert codes(got) == ["F030"]
    text = got[0].describe("da")
    assert "KIK Børnehuset - Søren Østergaard.xlsx" in text and "Udpak alle" in text, text
    assert "'retur'" in got[0].describe("en") and "Extract All" in got[0].describe("en")
    # an office document of another kind with a sheet embedded is no compressed folder
    other = zip_with_raw_names({b"[Content_Types].xml": b"<Types/>", b"visio/embeddings/ark.xlsx": b"PK"})
    assert codes(_open(tmp_path, other, "tegning.vsdx")) == ["F014"]
    # a zip with another archive but no workbook in it stays the nested-archive refusal
    assert codes(_open(tmp_path, zip_with_raw_names({"indre æ.zip".encode("utf-8"): b"PK"}), "b.zip")) == ["F014"]
    nested = _open(tmp_path, zip_with_raw_names({"indre æ.zip".encode("utf-8"): b"PK"}), "b.zip")[0]
    assert "indre æ.zip" in nested.describe("da")


def test_ole_kinds(tmp_path):
    assert codes(_open(tmp_path, minimal_encrypted_cfb())) == ["F009"]
    assert codes(_open(tmp_path, write_cfb({"Workbook": b"\x09\x08" + b"\x00" * 200}), "a.xls")) == ["F003"]
    assert codes(_open(tmp_path, write_cfb({"Book": b"\x09\x08" + b"\x00" * 200}), "a.xls")) == ["F003"]
    assert codes(_open(tmp_path, write_cfb({"WordDocument": b"\x00" * 600}), "a.doc")) == ["F007"]
    assert codes(_open(tmp_path, write_cfb({"__properties_version1.0": b"\x00" * 64}), "a.msg")) == ["F018"]
    # a damaged compound file never crashes
    assert codes(_open(tmp_path, intake.OLE_MAGIC + b"\x00" * 100)) == ["F018"]


def test_ole_stream_scan_needs_a_real_directory_entry():
    name = "EncryptionInfo".encode("utf-16-le") + b"\x00\x00"
    assert intake._ole_streams(b"\x00" * 3 + name + b"\x00" * 200, ("EncryptionInfo",)) == set()
    cfb = write_cfb({"EncryptionInfo": b"x", "Other": b"y"})
    assert intake._ole_streams(cfb, ("EncryptionInfo", "EncryptedPackage", "Other")) == {"EncryptionInfo", "Other"}


def test_macro_warning_keeps_values(tmp_path, good):
    raw = _open(tmp_path, rezip(good, add={"xl/vbaProject.bin": write_cfb({"VBA/dir": b"x"})}), "a.xlsm")
    assert isinstance(raw, RawWorkbook)
    assert [p.code for p in raw.problems] == ["F016"] and raw.has_macros
    assert raw.rows("_kik")[0][0] == "format"


def test_extension_warning(tmp_path, good):
    raw = _open(tmp_path, good, "svar.pdf")
    assert [p.code for p in raw.problems] == ["F020"]
    assert "'.pdf'" in raw.problems[0].message()


def test_limits_are_configurable(tmp_path, good, monkeypatch):
    path = tmp_path / "a.xlsx"
    path.write_bytes(good)
    monkeypatch.setattr(intake, "MAX_FILE_BYTES", len(good) - 1)
    assert codes(open_workbook(path)) == ["F002"]
    monkeypatch.setattr(intake, "MAX_FILE_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr(intake, "MAX_MEMBERS", 5)
    assert codes(open_workbook(path)) == ["F013"]
    monkeypatch.setattr(intake, "MAX_MEMBERS", 1000)
    monkeypatch.setattr(intake, "MAX_TOTAL_UNCOMPRESSED", 1000)
    assert codes(open_workbook(path)) == ["F011"]


def test_ratio_rule_ignores_small_members(tmp_path, good):
    # 100 KB of one byte compresses ~1000:1 but is far too small to be a bomb
    raw = _open(tmp_path, rezip(good, add={"xl/media/pad.xml": b" " * 100_000}))
    assert isinstance(raw, RawWorkbook)


def test_zip_level_encryption_and_odd_compression(tmp_path, good):
    data = bytearray(good)
    pos = data.find(b"PK\x01\x02")
    data[pos + 8] |= 1  # central directory: "encrypted" flag
    assert codes(_open(tmp_path, bytes(data))) == ["F009"]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    assert codes(_open(tmp_path, out.getvalue())) == ["F010"]


def test_dtd_detection():
    assert intake._has_dtd(BILLION_LAUGHS)
    assert intake._has_dtd(b'<?xml version="1.0"?><!doctype x><x/>')
    assert intake._has_dtd(b"<a/><!ENTITY x 'y'>")
    assert intake._has_dtd("<?xml?><!DOCTYPE x><x/>".encode("utf-16"))
    assert not intake._has_dtd(b"<x><![CDATA[<b>hej!</b>]]></x>")
    assert not intake._has_dtd(b"<x>Hej! Vi er gode</x>")


def test_duplicate_member_names(tmp_path, good):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dst.writestr("xl/workbook.xml", b"<workbook/>")
    assert codes(_open(tmp_path, out.getvalue())) == ["F010"]


def test_unexpected_exception_becomes_f099(tmp_path, good, monkeypatch):
    def boom(*a, **k):
        raise KeyError("x")

    monkeypatch.setattr(intake, "_open_zip", boom)
    result = _open(tmp_path, good)
    assert codes(result) == ["F099"]
    assert "KeyError" in result[0].message() and "svar.xlsx" in result[0].message()


def test_missing_and_unreadable(tmp_path):
    assert codes(open_workbook(tmp_path / "ingen.xlsx")) == ["F019"]
    assert codes(open_workbook(tmp_path)) in (["F019"], ["F026"])  # a folder: cannot open / not a regular file


def test_stored_copy_is_what_calamine_reads(good):
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    stored = intake._stored_zip(parts)
    with zipfile.ZipFile(io.BytesIO(stored)) as zf:
        assert zf.testzip() is None
        assert {n: zf.read(n) for n in zf.namelist()} == parts
    assert intake._stored_zip({"æø/å.xml": b"<a/>"})  # non-ASCII names (UTF-8 flag)


# ---------------------------------------------------------------- fuzzing: never a crash
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048))
def test_random_bytes_never_crash(tmp_path, data):
    result = _open(tmp_path, data)
    assert isinstance(result, (list, RawWorkbook))
    if isinstance(result, list):
        assert result and all(p.is_error for p in result)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 20), cut=st.booleans())
def test_damaged_workbooks_never_crash(tmp_path, fresh, seed, flips, cut):
    rng = random.Random(seed)
    data = bytearray(fresh)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if cut:
        data = data[: rng.randrange(len(data))]
    result = _open(tmp_path, bytes(data))
    if isinstance(result, RawWorkbook):
        pass  # still a readable zip: the reader below must cope with what is inside
    else:
        assert result and all(p.is_error for p in result)
    # What the merge does with the file: never an exception, and either an answer (the damage
    # missed what matters) or a report with at least one error naming the file.
    people = make_participants(1)
    res = read_return(tmp_path / "svar.xlsx", setup_for_fuzz(), people)
    assert res.response is not None or res.report.errors
    if res.response is None:
        assert all(p.file == "svar.xlsx" for p in res.report.errors)
