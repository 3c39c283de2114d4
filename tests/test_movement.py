"""From individual to consensus: the difference and "moved far from the median" (core.movement)."""

from __future__ import annotations

from xl_kik.core import movement


def test_far_points_is_one_step_of_the_scale():
    assert movement.far_points(0, 100) == 20
    assert movement.far_points(1, 5) == 1
    assert movement.far_points(0, 10) == 2


def test_difference_only_for_whole_points():
    assert movement.difference(60, 45) == 15
    assert movement.difference(30, 45) == -15
    assert movement.difference("ca. 60", 45) is None
    assert movement.difference(None, 45) is None
    assert movement.difference(60, None) is None


def test_far_moves_by_distance_or_outside_the_range():
    rows = [
        ("1.1", 50, 50, 20, 80),   # agreed = suggestion
        ("1.2", 69, 50, 20, 80),   # 19 points: not far
        ("1.3", 70, 50, 20, 80),   # 20 points: far
        ("1.4", 10, 50, 20, 80),   # 40 points below and below the lowest answer
        ("1.5", 55, 50, 40, 52),   # 5 points, but above the highest answer
        ("1.6", None, 50, 20, 80),  # nothing agreed yet
        ("1.7", 60, None, None, None),  # nobody answered
    ]
    moves = movement.far_moves(rows, 0, 100)
    assert [m.qid for m in moves] == ["1.4", "1.3", "1.5"]
    by = {m.qid: m for m in moves}
    assert by["1.4"].difference == -40 and by["1.4"].outside
    assert by["1.3"].difference == 20 and not by["1.3"].outside
    assert by["1.5"].difference == 5 and by["1.5"].outside


def test_rule_text_danish_and_english():
    da = movement.rule_text(0, 100, "da")
    assert "20 point" in da and "20 % af skalaen 0-100" in da
    assert "20 points" in movement.rule_text(0, 100, "en")
