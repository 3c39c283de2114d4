"""The seminar agenda (core.agenda): order, themes kept together, minutes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from xl_kik.core import agenda
from xl_kik.core.returns import Answer
from xl_kik.core.stats import QuestionStats


def q(qid, theme, n=5, N=5, flagged=False, measure=None):
    return QuestionStats(qid=qid, theme=theme, side="indsats", n=n, N=N, mean=None, median=None, min=None, max=None,
                         std=None, spread=None, spread_share=measure, disagreement=flagged)


def test_share_minutes_adds_up_and_follows_weights():
    assert agenda.share_minutes([1, 1, 2], 40) == [10, 10, 20]
    got = agenda.share_minutes([1, 3, 1, 1], 444)
    assert sum(got) == 444 and got == [75, 221, 74, 74]  # 440 spare: 73.3 + 1 each, the first gets the spare
    assert agenda.share_minutes([5, 1], 2) == [1, 1]  # at least one minute each
    assert agenda.share_minutes([1, 1, 1], 10) == [4, 3, 3]  # spare minute to the first on a tie
    assert agenda.share_minutes([], 60) == []


def test_order_disagreement_then_unanswered_then_texts_themes_together():
    questions = {
        "1.1": q("1.1", "1"),                                          # nothing special
        "1.2": q("1.2", "1", n=2),                                     # 3 of 5 "ved ikke"
        "2.1": q("2.1", "2"),                                          # many texts
        "2.2": q("2.2", "2", flagged=True, measure=0.4),               # disagreement
        "3.1": q("3.1", "3", flagged=True, measure=0.6),               # bigger disagreement
        "3.2": q("3.2", "3"),
        "4.1": q("4.1", "4"),
    }
    texts = {"1.1": 2, "1.2": 1, "2.1": 9, "2.2": 2, "3.1": 2, "3.2": 2, "4.1": 2}
    items = agenda.build(questions, ["1", "2", "3", "4"], texts, 120)
    assert [i.qid for i in items] == ["3.1", "3.2", "2.2", "2.1", "1.2", "1.1", "4.1"]
    why = {i.qid: i.reasons for i in items}
    assert why["3.1"] == ("disagreement",) and why["1.2"] == ("unanswered",) and why["2.1"] == ("texts",)
    assert why["4.1"] == () and why["3.2"] == ()
    minutes = {i.qid: i.minutes for i in items}
    assert sum(minutes.values()) == 120
    assert minutes["3.1"] > minutes["2.2"] > minutes["1.2"] > minutes["4.1"]
    assert minutes["1.2"] == minutes["2.1"]  # one reason each, same weight


def test_text_heavy_needs_at_least_two_texts():
    assert agenda.heavy_threshold({"a": 0, "b": 0, "c": 1}) == 2
    assert agenda.heavy_threshold({"a": 4, "b": 6, "c": 8}) == 9


def test_parse_hours():
    assert agenda.parse_hours("7,4") == 7.4 and agenda.parse_hours(6) == 6.0
    for bad in ("hele dagen", "0", 30, True, ""):
        with pytest.raises(ValueError):
            agenda.parse_hours(bad)


def test_text_counts_count_every_written_text_per_question():
    """Strengths, improvement areas and ideas each count once when they hold more than white space;
    a question outside the list is not counted, a listed one nobody wrote about is 0."""
    first = SimpleNamespace(answers={"1.1": Answer("1.1", 50, "Godt", " \n\t", "Idé"),
                                     "1.2": Answer("1.2", None, "", "Bedre", ""),
                                     "9.9": Answer("9.9", 10, "Uden for listen", "", "")})
    second = SimpleNamespace(answers={"1.1": Answer("1.1", 70, "Også godt", "Mere tid", "\u00a0")})
    counts = agenda.text_counts({"a": first, "b": second}, ["1.1", "1.2", "2.1"])
    assert counts == {"1.1": 4, "1.2": 1, "2.1": 0}
