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


def reference_quartile(sorted_vals, p):
    """QUARTILE.INC as Excel documents it, in exact fractions: rank (n-1)p, interpolate."""
    h = Fraction(len(sorted_vals) - 1) * p
    k = math.floor(h)
    below = sorted_vals[k]
    above = sorted_vals[min(k + 1, len(sorted_vals) - 1)]
    return below + (h - k) * (above - below)


def expected(values, scale, threshold, rule="iqr"):
    """Independent reference: plain statistics module, exact fractions for the comparisons."""
    vals = [v for v in values if v is not None]
    if not vals:
        return dict(n=0, mean=None, median=None, min=None, max=None, std=None, spread=None, flag=False, dist={})
    spread = max(vals) - min(vals)
    dist = {}
    for v in sorted(vals):
        dist[v] = dist.get(v, 0) + 1
    measure = Fraction(spread)
    if rule == "iqr" and len(vals) >= 4:
        v = sorted(vals)
        measure = reference_quartile(v, Fraction(3, 4)) - reference_quartile(v, Fraction(1, 4))
    return dict(
        n=len(vals), mean=statistics.mean(vals), median=statistics.median(vals), min=min(vals), max=max(vals),
        std=statistics.stdev(vals) if len(vals) >= 2 else None, spread=spread,
        flag=measure / (scale.max - scale.min) >= Fraction(threshold).limit_denominator(1000), dist=dist)


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
    for rule in ("iqr", "range"):
        qs = question_stats(CAT, S100, threshold, points, rule)
        assert list(qs) == list(CAT.question_ids)
        for j, qid in enumerate(CAT.question_ids):
            check(qs[qid], expected([row[j] for row in table], S100, threshold, rule), len(table))


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


# ---------------------------------------------------------------- the disagreement rule by group size
def _simulated_share_flagged(n, draw, rule, seed, questions=400, threshold=0.25):
    """Share of ``questions`` simulated questions flagged when ``n`` people answer ``draw(rng)``."""
    import random

    rng = random.Random(seed)
    flagged = 0
    for _ in range(questions):
        points = {f"D{i}": {"1.1": max(0, min(100, round(draw(rng, i, n))))} for i in range(n)}
        flagged += question_stats(CAT, S100, threshold, points, rule)["1.1"].disagreement
    return flagged / questions


def _ordinary(rng, i, n):
    return rng.gauss(50, 12)


def _split(rng, i, n):
    return rng.gauss(30, 5) if i < n // 2 else rng.gauss(80, 5)


@pytest.mark.parametrize("n", [5, 15, 50, 300])
def test_iqr_rule_means_the_same_for_5_and_300_people(n):
    """Ordinary spread (normal, sd 12 on 0-100) flags at most 10 % of the questions at every group
    size; a group split in two camps (half near 30, half near 80) is flagged every time."""
    questions = 400 if n < 300 else 100
    assert _simulated_share_flagged(n, _ordinary, "iqr", seed=n, questions=questions) <= 0.10
    assert _simulated_share_flagged(n, _split, "iqr", seed=n + 1, questions=questions) == 1.0


def test_range_rule_grows_with_the_group():
    """Why "range" is not the default: with many people ordinary spread is flagged everywhere."""
    small = _simulated_share_flagged(5, _ordinary, "range", seed=1, threshold=0.35)
    large = _simulated_share_flagged(50, _ordinary, "range", seed=2, questions=100, threshold=0.35)
    assert small < 0.5 and large > 0.9, (small, large)


def test_rule_texts_name_the_threshold_in_points():
    da = disagreement_rule(S100, 0.25, "da")
    assert "midterste halvdel" in da and "25 point" in da and "færre end 4 svar" in da
    assert "highest and lowest" in disagreement_rule(S100, 0.35, "en", rule="range")
    with pytest.raises(ValueError):
        question_stats(CAT, S100, 0.25, {}, rule="median")


def test_the_rule_is_a_setting_of_the_round(tmp_path):
    """Opsætning holds the rule in words; the classic rule can be chosen there, and a typo is named."""
    from xl_kik.core.errors import SetupError
    from xl_kik.core.round import Participant
    from xl_kik.excel import master
    from xl_kik.excel.masterfile import MasterFile, find_sheet

    people = [Participant("D01", "Ida", "ida@x.dk"), Participant("D02", "Bo", "bo@x.dk")]
    master.create_round(tmp_path, unit="U", participants=people, catalogue=CAT, scale=S100)
    setup, _ = master.load_round(tmp_path)
    assert setup.disagreement_rule == "iqr"

    def set_rule(text):
        with MasterFile.edit(tmp_path, "da") as wb:
            ws = find_sheet(wb, "setup")
            row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "disagreement_rule")
            ws.cell(row, 3).value = text
        return row

    set_rule("Højeste minus laveste")
    assert master.load_round(tmp_path)[0].disagreement_rule == "range"
    row = set_rule("gennemsnit")
    with pytest.raises(SetupError) as err:
        master.load_round(tmp_path)
    [problem] = [p for p in err.value.problems if p.code == "S131"]
    assert problem.cell == f"C{row}" and "gennemsnit" in problem.message("da")


def test_sqrt_of_fraction_is_correctly_rounded():
    """The root of n/m is the float nearest to the exact root (60 significant digits by decimal),
    for small and huge numbers and perfect squares; no private part of statistics is used."""
    import random
    from decimal import Decimal, localcontext

    from xl_kik.core.stats import sqrt_of_fraction

    rng = random.Random(3)
    cases = [(0, 1), (1, 1), (4, 1), (1, 4), (2, 1), (10**40, 3), (3, 10**40), (144, 25)]
    cases += [(rng.randint(0, 10 ** rng.randint(1, 60)), rng.randint(1, 10 ** rng.randint(1, 60))) for _ in range(3000)]
    with localcontext() as ctx:
        ctx.prec = 60
        for n, m in cases:
            assert sqrt_of_fraction(n, m) == float((Decimal(n) / Decimal(m)).sqrt()), (n, m)
    from pathlib import Path

    import xl_kik.core.stats as module
    assert "statistics._" not in Path(module.__file__).read_text("utf-8")


def test_sample_stdev_is_statistics_stdev_to_the_last_bit():
    """The integer shortcut gives the very float statistics.stdev gives (issue 14), for any whole
    numbers; other values go to statistics.stdev itself."""
    import random
    import statistics

    from xl_kik.core.stats import sample_stdev

    rng = random.Random(14)
    for _ in range(5000):
        top = rng.choice([1, 3, 100, 10**9])
        values = [rng.randint(-top, top) for _ in range(rng.randint(2, 80))]
        assert sample_stdev(values) == statistics.stdev(values), values
    for values in ([5, 5], [0, 100], [0, 100, 100], [42] * 1000, [0.5, 1.5, 4.0], [1, 2.5]):
        assert sample_stdev(values) == statistics.stdev(values), values
