"""Statistics against an independent computation with the ``statistics`` module."""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from xl_kik.core import catalogue
from xl_kik.core.round import RoundSetup
from xl_kik.core.stats import (band_of, compute, disagreement_rule, points_from_responses, question_stats,
                          round_half_up, theme_stats)

CAT = catalogue.builtin("kik")
S100 = catalogue.scale("0-100")
S5 = catalogue.scale("0-5")


def setup_for(scale=S100, threshold=0.35, cat=CAT):
    return RoundSetup(round_id="R", unit="U", catalogue=cat, scale=scale, threshold=threshold)


def expected(values, scale, threshold):
    """Independent reference: plain statistics module, exact fractions for the comparisons."""
    vals = [v for v in values if v is not None]
    if not vals:
        return dict(n=0, mean=None, median=None, min=None, max=None, std=None, spread=None, flag=False, dist={})
    spread = max(vals) - min(vals)
    dist = {}
    for v in sorted(vals):
        dist[v] = dist.get(v, 0) + 1
    return dict(
        n=len(vals), mean=statistics.mean(vals), median=statistics.median(vals), min=min(vals), max=max(vals),
        std=statistics.stdev(vals) if len(vals) >= 2 else None, spread=spread,
        flag=Fraction(spread, scale.max - scale.min) >= Fraction(threshold).limit_denominator(1000), dist=dist)


def check(stat, exp, N):
    assert stat.n == exp["n"] and stat.N == N
    for key in ("mean", "median", "std"):
        got, want = getattr(stat, key), exp[key]
        if want is None:
            assert got is None, key
        else:
            assert got == pytest.approx(float(want), rel=1e-9, abs=1e-9), key
    assert stat.min == exp["min"] and stat.max == exp["max"] and stat.spread == exp["spread"]
    assert stat.disagreement == exp["flag"]
    assert stat.distribution == exp["dist"]
    assert list(stat.distribution) == sorted(stat.distribution)


answers = st.one_of(st.none(), st.integers(0, 100))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(answers, min_size=20, max_size=20), min_size=0, max_size=25),
       st.sampled_from([0.3, 0.35, 0.4, 0.5, 0.01, 1.0]))
def test_question_stats_match_reference(table, threshold):
    points = {f"D{i:02d}": dict(zip(CAT.question_ids, row)) for i, row in enumerate(table)}
    qs = question_stats(CAT, S100, threshold, points)
    assert list(qs) == list(CAT.question_ids)
    for j, qid in enumerate(CAT.question_ids):
        check(qs[qid], expected([row[j] for row in table], S100, threshold), len(table))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=1, max_size=30))
def test_small_scale_and_ties(values):
    points = {f"D{i}": {"1.1": v} for i, v in enumerate(values)}
    qs = question_stats(CAT, S5, 0.4, points)
    check(qs["1.1"], expected(values, S5, 0.4), len(values))
    if qs["1.1"].median is not None:
        assert qs["1.1"].suggested == math.floor(statistics.median([v for v in values if v is not None]) + 0.5)
        assert qs["1.1"].band.level == qs["1.1"].suggested  # 0-5 scale: one band per value


def test_all_blank():
    points = {"D1": {q: None for q in CAT.question_ids}, "D2": {}}
    s = question_stats(CAT, S100, 0.35, points)["1.1"]
    assert (s.n, s.N, s.mean, s.median, s.min, s.max, s.std, s.spread, s.spread_share) == (
        0, 2, None, None, None, None, None, None, None)
    assert s.disagreement is False and s.distribution == {} and s.suggested is None and s.band is None
    assert s.n_of_N() == "0 af 2" and s.n_of_N("en") == "0 of 2"


def test_no_returns():
    s = question_stats(CAT, S100, 0.35, {})["2.1"]
    assert s.n == 0 and s.N == 0 and s.mean is None


def test_one_answer_has_no_std_and_no_spread():
    s = question_stats(CAT, S100, 0.35, {"D1": {"1.1": 70}, "D2": {"1.1": None}})["1.1"]
    assert s.n == 1 and s.N == 2 and s.mean == 70 and s.median == 70 and s.std is None
    assert s.spread == 0 and s.spread_share == 0 and not s.disagreement and s.distribution == {70: 1}


def test_threshold_boundary_is_inclusive():
    pts = {"a": {"1.1": 40}, "b": {"1.1": 75}}
    assert question_stats(CAT, S100, 0.35, pts)["1.1"].disagreement  # 35 >= 35 % of 100
    assert not question_stats(CAT, S100, 0.36, pts)["1.1"].disagreement


def test_median_half_rounds_up_and_band():
    s = question_stats(CAT, S100, 0.35, {"a": {"1.1": 30}, "b": {"1.1": 31}})["1.1"]
    assert s.median == 30.5 and s.suggested == 31 and s.band.label == "31-50"
    assert round_half_up(10.5) == 11 and round_half_up(2.5) == 3 and round_half_up(None) is None
    assert band_of(S100, 10.4).label == "0-10" and band_of(S100, 100).label == "91-100"


def test_non_numbers_are_ignored():
    s = question_stats(CAT, S100, 0.35, {"a": {"1.1": "ca. 60"}, "b": {"1.1": 50.0}, "c": {"1.1": True}})["1.1"]
    assert s.n == 1 and s.mean == 50


def test_theme_scores_from_medians_and_agreed():
    pts = {"a": {"1.1": 40, "1.2": 60, "1.3": None}, "b": {"1.1": 60, "1.2": 80, "1.3": None}}
    qs = question_stats(CAT, S100, 0.35, pts)
    by_median = theme_stats(CAT, qs)["1"]
    assert by_median.score == pytest.approx((50 + 70) / 2) and (by_median.n, by_median.N) == (2, 3)
    assert by_median.source == "median" and "1.1, 1.2, 1.3" in by_median.formula
    agreed = theme_stats(CAT, qs, {"1.1": 50, "1.2": None, "1.3": 71}, lang="en")["1"]
    assert agreed.score == pytest.approx(60.5) and agreed.n_of_N("en") == "2 of 3"
    assert agreed.formula.startswith("Theme score = mean of the agreed points")
    empty = theme_stats(CAT, qs, {})["5"]
    assert empty.score is None and empty.n == 0 and empty.N == 2


def test_compute_and_ordering():
    pts = {"a": {"1.1": 0, "2.1": 50, "3.1": 10}, "b": {"1.1": 100, "2.1": 50, "3.1": 60}}
    rs = compute(setup_for(), pts)
    order = [s.qid for s in rs.by_disagreement()]
    assert order[:3] == ["1.1", "3.1", "2.1"] and rs.flagged == ["1.1", "3.1"] and rs.N == 2
    frame = rs.to_frame()
    assert frame.loc["1.1", "spread"] == 100 and list(frame.index) == list(CAT.question_ids)


def test_points_from_responses_accepts_objects():
    class A:
        def __init__(self, p):
            self.points = p

    class R:
        answers = {"1.1": A(5), "1.2": A(None)}

    assert points_from_responses({"D1": R()}) == {"D1": {"1.1": 5, "1.2": None}}


def test_rule_text():
    assert "35 %" in disagreement_rule(S100, 0.35) and "35 point" in disagreement_rule(S100, 0.35)
    assert "1,75 point" in disagreement_rule(S5, 0.35)
