"""core/values: the one implementation of text, yes/no, dates, levels and quick win.

Every expected value is written out by hand (a calendar, the Danish words), not computed
with the code under test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xl_kik.core import values as v


# ---------------------------------------------------------------- text
@pytest.mark.parametrize("raw,expected", [
    (None, ""), ("  Ida  ", "Ida"), (7.0, "7"), (7.5, "7.5"), (3, "3"), (True, "True"),
    ("a\x00b\x07c\x1fd\x7fe", "abcde"),              # C0 controls and DEL go
    ("linje 1\nlinje 2\tfane", "linje 1\nlinje 2\tfane"),  # line feed and tab stay
    ("\x0bx\x0c", "x"),
    (type("Sub", (str,), {})(" sub\x01 "), "sub"), (-0.0, "0"), (1e20, str(10 ** 20)),
])
def test_clean_text(raw, expected):
    assert v.clean_text(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("æøå \u00a0Ida\u2028", "æøå \u00a0Ida"),  # not printable but no control character: nothing removed
    ("\u200bx\x85y", "\u200bx\x85y"),  # a format character, a C1 control (NEL): kept, only C0 and DEL go
    ("Ida\x00", "Ida"), ("\ttab\x01\n", "tab"), ("", ""), (" ", ""),
])
def test_clean_text_of_texts_printable_or_not(raw, expected):
    assert v.clean_text(raw) == expected


def test_strip_control_keeps_white_space():
    assert v.strip_control("  a\x01 \r\n") == "  a \r\n"


@pytest.mark.parametrize("raw,expected", [
    (None, True), ("", True), ("   ", True), ("\n", True), (0, False), (False, False), ("0", False), ("x", False),
])
def test_is_blank(raw, expected):
    assert v.is_blank(raw) is expected


def test_catalogue_clean_text_is_the_same_function():
    from xl_kik.core import catalogue

    assert catalogue.clean_text is v.clean_text


# ---------------------------------------------------------------- yes / no
@pytest.mark.parametrize("raw", ["Ja", "ja", " JA ", "j", "Yes", "y", "x", "X", "true", "Sand", "1", 1, 1.0, True])
def test_yes(raw):
    assert v.parse_yes_no(raw) is True and v.is_yes(raw) is True


@pytest.mark.parametrize("raw", ["Nej", "nej", "n", "No", "false", "Falsk", "0", 0, 0.0, False])
def test_no(raw):
    assert v.parse_yes_no(raw) is False and v.is_yes(raw) is False


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_blank_is_neither(raw):
    assert v.parse_yes_no(raw) is None and v.is_yes(raw) is False


@pytest.mark.parametrize("raw", ["måske", "jo", "yess", 2, 0.5, "ja tak"])
def test_unknown_yes_no_raises_but_is_not_yes(raw):
    with pytest.raises(ValueError):
        v.parse_yes_no(raw)
    assert v.is_yes(raw) is False


def test_master_setup_reads_anonymise_with_the_same_words():
    """The master's setting 'anonymise' and the sheets agree on yes/no (one implementation)."""
    from xl_kik.excel import master

    assert master.parse_yes_no is v.parse_yes_no


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize("raw,expected", [
    ("01-03-2026", dt.date(2026, 3, 1)), ("1-3-2026", dt.date(2026, 3, 1)), ("2026-03-01", dt.date(2026, 3, 1)),
    ("01.03.2026", dt.date(2026, 3, 1)), ("1.3.2026", dt.date(2026, 3, 1)), ("01/03/2026", dt.date(2026, 3, 1)),
    ("01-03-26", dt.date(2026, 3, 1)), ("2026-03-01 00:00:00", dt.date(2026, 3, 1)),
    (" 24-12-2025 ", dt.date(2025, 12, 24)),
    # Excel serials: 1 = 1900-01-01 in Excel's (leap-bugged) system; 45658 = 2025-01-01,
    # 46082 = 2026-03-01 (counted: 2025 has 365 days, Jan+Feb 2026 = 59 days -> 45658+365+59)
    (45658, dt.date(2025, 1, 1)), (46082, dt.date(2026, 3, 1)), (46082.75, dt.date(2026, 3, 1)),
    (dt.datetime(2026, 3, 1, 14, 30), dt.date(2026, 3, 1)), (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
])
def test_to_date(raw, expected):
    assert v.to_date(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "uge 12", "31-02-2026", "2026-13-01", True, False, 5, 3.0, 100000,
                                 "næste fredag"])
def test_not_a_date(raw):
    assert v.to_date(raw) is None


def test_fmt_date():
    assert v.fmt_date(dt.date(2026, 3, 1)) == "01-03-2026"
    assert v.fmt_date("2026-12-24") == "24-12-2026"
    assert v.fmt_date("snart") == "snart" and v.fmt_date(None) == ""


def test_setup_dates_use_the_same_parser():
    from xl_kik.core.errors import SetupError
    from xl_kik.core.round import parse_date

    assert parse_date("01-03-26") == dt.date(2026, 3, 1)  # the plan's forms are accepted in the setup too
    assert parse_date("   ") is None
    with pytest.raises(SetupError):
        parse_date(5)  # a number that is no plausible date serial


# ---------------------------------------------------------------- levels
@pytest.mark.parametrize("kind,raw,expected", [
    ("effect", "Høj", "high"), ("effect", "HIGH", "high"), ("effect", " stor ", "high"), ("effect", "h", "high"),
    ("effect", "Middel", "medium"), ("effect", "mellem", "medium"), ("effect", "Lav", "low"), ("effect", "lille", "low"),
    ("feasibility", "Let", "easy"), ("feasibility", "nem", "easy"), ("feasibility", "Middel", "medium"),
    ("feasibility", "Svær", "hard"), ("feasibility", "svaer", "hard"), ("feasibility", "Difficult", "hard"),
    ("decision", "Vedtaget", "adopted"), ("decision", "godkendt", "adopted"), ("decision", "Afventer", "pending"),
    ("decision", "on  hold", "pending"), ("decision", "Afvist", "rejected"), ("decision", "Rejected", "rejected"),
])
def test_levels(kind, raw, expected):
    assert v.level(kind, raw) == expected
    assert {"effect": v.effect_level, "feasibility": v.feasibility_level,
            "decision": v.decision_level}[kind](raw) == expected


@pytest.mark.parametrize("kind,raw", [("effect", ""), ("effect", None), ("effect", "Let"), ("feasibility", "Høj"),
                                      ("decision", "måske"), ("effect", "højest")])
def test_not_a_level(kind, raw):
    assert v.level(kind, raw) is None


def test_every_konsensus_choice_is_a_level_in_both_languages():
    """The Konsensus sheet's drop-down choices (the contract, written out here) read as their ids."""
    choices = {
        "effect": [("Høj", "High", "high"), ("Middel", "Medium", "medium"), ("Lav", "Low", "low")],
        "feasibility": [("Let", "Easy", "easy"), ("Middel", "Medium", "medium"), ("Svær", "Hard", "hard")],
        "decision": [("Vedtaget", "Adopted", "adopted"), ("Afventer", "Pending", "pending"),
                     ("Afvist", "Rejected", "rejected")],
        "to_plan": [("Ja", "Yes", "yes"), ("Nej", "No", "no")],
    }
    for kind, rows in choices.items():
        for da, en, key in rows:
            assert v.choice_level(kind, da) == key == v.choice_level(kind, en), (kind, da, en)


# ---------------------------------------------------------------- quick win
@pytest.mark.parametrize("effect,feasibility,expected", [
    ("Høj", "Let", True), ("High", "Easy", True), ("høj", "nem", True), (" HØJ ", "let", True),
    ("Høj", "Middel", False), ("Høj", "Svær", False), ("Middel", "Let", False), ("Lav", "Let", False),
    ("", "Let", False), ("Høj", "", False), (None, None, False), ("Let", "Høj", False),
])
def test_quick_win(effect, feasibility, expected):
    assert v.is_quick_win(effect, feasibility) is expected


def test_marked_quick_win_also_counts_the_mark():
    assert v.marked_quick_win({"effect": "Lav", "feasibility": "Svær", "quick_win": "Ja"}) is True
    assert v.marked_quick_win({"effect": "Høj", "feasibility": "Let"}) is True
    assert v.marked_quick_win({"effect": "Høj", "feasibility": "Svær", "quick_win": ""}) is False


def test_konsensus_reader_and_plan_decide_quick_win_the_same_way():
    """One rule: what the Konsensus reader computes from plain rows is what the plan marks."""
    from xl_kik.core import actionplan, konsensus
    from xl_kik.core.contract import KONSENSUS_KEYS

    pairs = [("Høj", "Let", True), ("High", "Easy", True), ("h", "nem", True), ("Høj", "Svær", False),
             ("Middel", "Let", False), ("", "Let", False)]
    rows = [["title"], [], list(KONSENSUS_KEYS)]
    for i, (e, f, _expected) in enumerate(pairs, start=1):
        row = [""] * len(KONSENSUS_KEYS)
        row[0], row[KONSENSUS_KEYS.index("effect")], row[KONSENSUS_KEYS.index("feasibility")] = f"1.{i}", e, f
        rows.append(row)
    got = konsensus.read_inputs(rows)
    for i, (e, f, expected) in enumerate(pairs, start=1):
        assert got[f"1.{i}"]["quick_win"] is expected, (e, f)
        assert actionplan.is_quick_win({"effect": e, "feasibility": f}) is expected, (e, f)


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize("raw,expected", [
    (3, 3), (3.0, 3), (2.5, 2.5), ("55", 55), (" 55 ", 55), ("2,5", 2.5), ("2.5", 2.5), ("-4", -4), ("1e2", 100),
    (None, None), ("", None), ("  ", None), (True, None), (False, None), ("ca. 60", None), ("5 point", None),
    (float("nan"), None), (float("inf"), None), ("nan", None), ("-inf", None),
    (-0.0, 0), (-3.0, -3), (1e20, 10 ** 20), (-2.25, -2.25), (float("-inf"), None),
])
def test_to_number(raw, expected):
    got = v.to_number(raw)
    assert got == expected and type(got) is type(expected)


def test_plan_and_rollup_read_numbers_the_same_way():
    from xl_kik.core import actionplan, rollup

    for raw, expected in [("2,5", 2.5), (7, 7), ("x", None), (float("nan"), None)]:
        assert actionplan.points_value(raw) == expected
        assert rollup.number(raw) == (None if expected is None else float(expected))
