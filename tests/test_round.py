"""Participants lists and setup values: every problem collected, Danish messages."""

import datetime as dt

import pytest

from xl_kik.core.errors import ParticipantsError, SetupError
from xl_kik.core.round import RoundSetup, parse_date, parse_threshold, participants_from_rows, with_ids
from xl_kik.excel.participants_io import read_participants
from xl_kik.core import catalogue as cat


def test_participants_get_stable_ids_and_keep_given_ones():
    rows = [["Navn", "E-mail", "Rolle", "Id"], ["Ida", "ida@x.dk", "Leder", ""], ["Bo", "bo@x.dk", "", "D01"],
            ["", "", "", ""], ["Åse Ørn", "", "medarbejder", ""]]
    ps = participants_from_rows(rows, "deltagere.xlsx")
    assert [(p.pid, p.name) for p in ps] == [("D02", "Ida"), ("D01", "Bo"), ("D03", "Åse Ørn")]
    assert ps[0].role == "Leder"  # kept as typed (issue 13: Rolle keeps its capitalisation)


def test_participant_problems_all_reported():
    rows = [["Navn", "E-mail", "Id"], ["Ida", "ida@x.dk", "A"], ["", "bo@x.dk", ""], ["Bo", "IDA@x.dk", "A"]]
    with pytest.raises(ParticipantsError) as err:
        participants_from_rows(rows, "liste.csv")
    codes = sorted(p.code for p in err.value.problems)
    assert codes == ["P001", "P002", "P007"]
    assert all(p.file == "liste.csv" for p in err.value.problems)


def test_missing_name_column():
    with pytest.raises(ParticipantsError) as err:
        participants_from_rows([["Fornavn", "E-mail"], ["Ida", "ida@x.dk"]], "x.csv")
    assert err.value.problems[0].code == "P005"


@pytest.mark.parametrize("content", ["Ida Hansen\nBo\n\nÅse Ørn\n", "Navn\nIda Hansen\nBo\nÅse Ørn", "Ida Hansen\r\nBo\r\nÅse Ørn\r\n"])
def test_csv_with_only_names(tmp_path, content):
    """Just names, one per line, with or without the header 'Navn' (no delimiter to guess)."""
    path = tmp_path / "navne.csv"
    path.write_bytes(content.encode("utf-8"))
    assert [(p.pid, p.name) for p in read_participants(path)] == [("D01", "Ida Hansen"), ("D02", "Bo"),
                                                                  ("D03", "Åse Ørn")]


def test_names_only_rows_from_a_workbook():
    assert [p.name for p in participants_from_rows([["Ida"], ["Bo", None, ""]], "navne.xlsx")] == ["Ida", "Bo"]
    with pytest.raises(ParticipantsError) as err:  # the header of another column is a header, not a name
        participants_from_rows([["E-mail"], ["ida@x.dk"]], "navne.xlsx")
    assert err.value.problems[0].code == "P005"


@pytest.mark.parametrize("raw", [b"Navn;E-mail\nIda;\x00\x00\x01ida@x.dk\n", b"\x81\x8d\x8f\x90\x9d" * 20])
def test_unreadable_csv_says_so_in_danish_naming_the_file(tmp_path, raw):
    path = tmp_path / "deltagere.csv"
    path.write_bytes(raw)
    with pytest.raises(ParticipantsError) as err:
        read_participants(path)
    [problem] = err.value.problems
    assert problem.code == "P010" and problem.file == "deltagere.csv"
    text = problem.message("da")
    assert "deltagere.csv" in text and "CSV" in text and "Error" not in text and "delimiter" not in text


@pytest.mark.parametrize("content,encoding", [
    ("Navn;E-mail\nÅse;aase@x.dk\nBørge;b@x.dk\n", "utf-8-sig"),
    ("Navn;E-mail\nÅse;aase@x.dk\nBørge;b@x.dk\n", "cp1252"),
    ("name,email\nÅse,aase@x.dk\nBørge,b@x.dk\n", "utf-8"),
])
def test_csv_encodings_and_delimiters(tmp_path, content, encoding):
    path = tmp_path / "deltagere.csv"
    path.write_bytes(content.encode(encoding))
    ps = read_participants(path)
    assert [p.name for p in ps] == ["Åse", "Børge"]


def test_unreadable_participants_file(tmp_path):
    path = tmp_path / "deltagere.xlsx"
    path.write_bytes(b"PK\x03\x04broken")
    with pytest.raises(ParticipantsError) as err:
        read_participants(path)
    assert err.value.problems[0].code == "P006"


def test_with_ids_fills_gaps():
    from xl_kik.core.round import Participant

    ps = with_ids([Participant("D02", "A"), Participant("", "B"), Participant("", "C")])
    assert [p.pid for p in ps] == ["D02", "D01", "D03"]


def test_dates_and_thresholds():
    assert parse_date("2026-12-01") == dt.date(2026, 12, 1)
    assert parse_date("01.12.2026") == dt.date(2026, 12, 1)
    assert parse_date(46000) == dt.date(2025, 12, 9)
    assert parse_date("") is None
    with pytest.raises(SetupError) as err:
        parse_date("næste fredag")
    assert err.value.problems[0].code == "S001"
    assert parse_threshold("35%") == pytest.approx(0.35)
    assert parse_threshold("0,4") == pytest.approx(0.4)
    assert parse_threshold(30) == pytest.approx(0.3)
    with pytest.raises(SetupError):
        parse_threshold("meget")


def test_tokens_differ_per_participant_and_secret():
    k = cat.builtin("kik")
    s1 = RoundSetup("R1", "Enhed", k, cat.scale("0-100"), secret="a")
    s2 = RoundSetup("R1", "Enhed", k, cat.scale("0-100"), secret="b")
    assert s1.token("D01") != s1.token("D02")
    assert s1.token("D01") != s2.token("D01")
    assert len(s1.token("D01")) == 12
