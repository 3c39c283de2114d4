"""File names of scoring workbooks: safe on Windows for every participant name."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scoring_fixtures import kik_setup
from xl_kik.core import filenames
from xl_kik.core.filenames import MAX_STEM, safe_stem, unique_names
from xl_kik.core.round import Participant
from xl_kik.excel.scoring import SUFFIX, file_stem, plan_file_names

WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def assert_windows_safe(name: str) -> None:
    stem = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name
    assert stem, name
    assert not WINDOWS_FORBIDDEN.search(name), name
    assert not stem.endswith((".", " ")) and not stem.startswith(" "), name
    assert stem.split(".")[0].strip().upper() not in RESERVED, name
    assert len(name) <= 255
    assert unicodedata.is_normalized("NFC", name)


@pytest.mark.parametrize("text, expected", [
    ("Ida Ørsted", "Ida Ørsted"),
    ("Åse Æblegård", "Åse Æblegård"),
    ("Hans/Grete", "Hans_Grete"),
    ("a\\b", "a_b"),
    ('Bo "Bette" <b>?*|:', "Bo _Bette_ _b_"),
    ("CON", "_CON"),
    ("con", "_con"),
    ("com1.txt", "_com1.txt"),
    ("LPT9", "_LPT9"),
    ("Karen...", "Karen"),
    ("Karen. . .", "Karen"),
    ("  Jens  Jensen  ", "Jens Jensen"),
    ("Tab\tand\nnewline", "Tab_and_newline"),
    ("???", "fil"),
    ("...", "fil"),
    ("", "fil"),
])
def test_safe_stem(text, expected):
    assert safe_stem(text) == expected
    assert_windows_safe(safe_stem(text) + SUFFIX)


def test_safe_stem_composes_nfd():
    nfd = unicodedata.normalize("NFD", "Søren Åberg")
    assert nfd != "Søren Åberg"
    assert safe_stem(nfd) == "Søren Åberg"


def test_safe_stem_long_names():
    stem = safe_stem("Å" * 500)
    assert len(stem) == MAX_STEM
    stem = safe_stem("x" * (MAX_STEM - 1) + ". y")  # cut right after a dot: no trailing dot
    assert not stem.endswith(".")


def test_unique_names_case_insensitive_duplicates():
    assert unique_names(["Ida", "ida", "IDA", "Bo", "Ida"], ".xlsx") == [
        "Ida.xlsx", "ida (2).xlsx", "IDA (3).xlsx", "Bo.xlsx", "Ida (4).xlsx"]


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_any_text_gives_a_windows_safe_stem(text):
    stem = safe_stem(text)
    # the reserved-name prefix may add one character to a stem cut at MAX_STEM
    assert 0 < len(stem) <= MAX_STEM + 1
    assert_windows_safe(stem + SUFFIX)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("Cc OoNnPRrUXxLT1¹ .._\t/:?Åå\u00a0\u0301a"), max_size=90)
       | st.text(max_size=120), st.sampled_from(["fil", "", "KIK - p1", "CON", "a/b"]))
@example("CON." + "x" * 90, "fil")  # "_" + a stem cut at MAX_STEM: cut again by the next call
@example("???", "a/b")  # the fallback, as given
def test_safe_stem_cached_answers_as_made(text, fallback):
    # safe_stem keeps what it made, and enters a made stem as its own stem: both answers must
    # be what the uncached rule gives, also for a text asked for twice
    filenames._STEMS.clear()
    stem = safe_stem(text, fallback)
    assert stem == filenames._safe_stem(text, fallback)
    assert safe_stem(stem, fallback) == filenames._safe_stem(stem, fallback)
    assert safe_stem(stem) == filenames._safe_stem(stem, "fil")
    assert safe_stem(text, fallback) == stem


def test_safe_stem_cache_is_bounded():
    filenames._STEMS.clear()
    for i in range(filenames._STEMS_MAX + 10):
        safe_stem(f"Deltager {i}")
    assert len(filenames._STEMS) <= filenames._STEMS_MAX + 1
    assert safe_stem("Deltager 7") == "Deltager 7"


# ---------------------------------------------------------------- scoring workbook names
SETUP = kik_setup()


@pytest.mark.parametrize("name, expected", [
    ("Ida Ørsted", "KIK Ældreplejen Nord - Ida Ørsted"),
    ("Hans/Grete Ærø", "KIK Ældreplejen Nord - Hans_Grete Ærø"),
    ("CON", "KIK Ældreplejen Nord - CON"),
    ("Karen...", "KIK Ældreplejen Nord - Karen"),
    ("?!.,;", "KIK Ældreplejen Nord - D04"),
    ("- _ -", "KIK Ældreplejen Nord - D04"),
    ("...", "KIK Ældreplejen Nord - D04"),
    ("\x00\x01", "KIK Ældreplejen Nord - D04"),
    ("<script>&\"'", "KIK Ældreplejen Nord - _script_&_'"),
])
def test_file_stem(name, expected):
    stem = file_stem(SETUP, Participant("D04", name))
    assert stem == expected
    assert_windows_safe(stem + SUFFIX)


def test_file_stem_long_unit_and_name_keeps_the_name_visible():
    setup = kik_setup(unit="Center for Socialpsykiatri, Misbrug og Hjemløshed – Afdeling Nord/Syd")
    stem = file_stem(setup, Participant("D01", "Marie-Louise Christensen-Bønnelykke " * 4))
    assert len(stem) <= MAX_STEM
    assert "Marie-Louise" in stem and "/" not in stem
    assert_windows_safe(stem + SUFFIX)


def test_file_stem_reserved_unit():
    stem = file_stem(kik_setup(unit="NUL"), Participant("D01", "Bo"))
    assert stem == "KIK NUL - Bo"


def test_plan_file_names_matches_unique_names_on_an_empty_folder(tmp_path):
    ps = [Participant("D01", "Ida"), Participant("D02", "IDA"), Participant("D03", "ida"),
          Participant("D04", "???"), Participant("D05", "Bo/Bo")]
    got = plan_file_names(SETUP, ps, tmp_path)
    assert got == unique_names([file_stem(SETUP, p) for p in ps], SUFFIX)
    assert got == ["KIK Ældreplejen Nord - Ida.xlsx", "KIK Ældreplejen Nord - IDA (2).xlsx",
                   "KIK Ældreplejen Nord - ida (3).xlsx", "KIK Ældreplejen Nord - D04.xlsx",
                   "KIK Ældreplejen Nord - Bo_Bo.xlsx"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=8))
def test_any_participant_names_give_distinct_safe_files(names):
    ps = [Participant(f"D{i:02d}", n) for i, n in enumerate(names, start=1)]
    files = plan_file_names(SETUP, ps, Path("/nonexistent-xl-kik"))
    assert len({f.lower() for f in files}) == len(files)
    for f in files:
        assert f.endswith(SUFFIX)
        assert_windows_safe(f)


def test_names_can_be_created_on_disk(tmp_path):
    names = ["Ida Ørsted", "CON", "a/b", "x" * 400, "...", "Åse", "åse", "tab\there", "emoji 😀"]
    ps = [Participant(f"D{i}", n) for i, n in enumerate(names)]
    for f in plan_file_names(SETUP, ps, tmp_path):
        (tmp_path / f).write_bytes(b"")
    assert len(list(tmp_path.iterdir())) == len(names)
