"""One vocabulary: counted nouns in the right number, button captions quoted exactly."""

import zipfile

import pytest

from xl_kik.core import vocabulary
from xl_kik.core.vocabulary import FILES, IMPROVEMENT_AREAS, QUESTIONS, Count, button


@pytest.mark.parametrize("n, da, en", [(0, "0 filer", "0 files"), (1, "1 fil", "1 file"), (2, "2 filer", "2 files"),
                                       (1000, "1.000 filer", "1,000 files")])
def test_counted_nouns(n, da, en):
    assert FILES("da", n=n) == da and FILES("en", n=n) == en


def test_singular_and_plural_forms_differ_where_danish_does():
    assert IMPROVEMENT_AREAS("da", n=1) == "1 forbedringsområde"
    assert IMPROVEMENT_AREAS("da", n=3) == "3 forbedringsområder"
    assert QUESTIONS("da", n=1) == "1 spørgsmål" and QUESTIONS("en", n=1) == "1 question"
    assert IMPROVEMENT_AREAS.word(1, "en") == "improvement area"


def test_no_bracket_plurals_in_the_vocabulary():
    for name in dir(vocabulary):
        value = getattr(vocabulary, name)
        if isinstance(value, Count):
            for msg in (value.one, value.many):
                assert "(" not in msg.da and "(" not in msg.en, name


def test_master_buttons_have_the_vocabulary_captions(tmp_path):
    """The captions a message quotes are the ones on the Start sheet (read from the VML part)."""
    from xl_kik.core import catalogue
    from xl_kik.core.round import Participant
    from xl_kik.excel import master

    for lang in ("da", "en"):
        root = tmp_path / lang
        master.create_round(root, unit="Enheden", participants=[Participant("D01", "Ida", "ida@x.dk")],
                            catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"), lang=lang)
        with zipfile.ZipFile(root / "kik_master.xlsm") as zf:
            bound = {macro.split("!")[-1].split(".")[-1]: caption for _, caption, macro in master.button_bindings(zf)}
        assert bound == {macro: msg(lang) for macro, msg in vocabulary.BUTTONS.items()}
        assert button("KikMerge", lang) == f"'{bound['KikMerge']}'"


@pytest.mark.parametrize("value, da, en", [(0.0, "under 0,1 s", "under 0.1 s"), (0.049, "under 0,1 s", "under 0.1 s"),
                                           (0.05, "0,1 s", "0.1 s"), (1.26, "1,3 s", "1.3 s"),
                                           (1234.5, "1.234,5 s", "1,234.5 s")])
def test_seconds_read_as_the_language_writes_them(value, da, en):
    assert vocabulary.seconds(value, "da") == da and vocabulary.seconds(value, "en") == en


def test_the_rollup_summary_counts_its_units_and_never_says_zero_seconds(tmp_path):
    """``xl-kik rollup`` of a small set printed "(0.0 s)" and "1 enheder"-style plurals were
    a message apart (issue 14's closing note)."""
    from xl_kik.core.rollup import RollupResult

    one = RollupResult(out=tmp_path / "o.xlsx", units=[object()], seconds=0.004)  # type: ignore[list-item]
    assert one.summary("da") == f"Overblikket over 1 enhed er gemt i {tmp_path / 'o.xlsx'} (under 0,1 s)."
    many = RollupResult(out=tmp_path / "o.xlsx", units=[object()] * 1200, seconds=2.26)  # type: ignore[list-item]
    assert many.summary("en") == f"The overview of 1,200 units was saved to {tmp_path / 'o.xlsx'} (2.3 s)."
