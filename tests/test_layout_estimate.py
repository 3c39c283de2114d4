"""layout.wrapped_lines counts what textwrap.wrap would give (the standard library is the oracle)."""

from __future__ import annotations

import random
import textwrap

import pytest

from xl_kik.excel.layout import line_count, wrapped_lines

WORDS = ["a", "ok", "Ja", "Microsoft", "Excel", "2026-12-02", "22:13", "KIK", "Deltager", "Lise", "Møller",
         "forbedringsområderne", "x" * 17, "y" * 40, "Solsikken.xlsx", "æøå", "et-ord", "—", "a.b,c",
         "a-b-c", "--", "x--y", "-ab", "ab-", "12-ab", "ab-12", "Ærø-Øst", "-", "_-_", "é-è"]


@pytest.mark.parametrize("seed", range(40))
def test_wrapped_lines_is_textwraps_count(seed):
    rng = random.Random(seed)
    for _ in range(200):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 12))]
        seps = [rng.choice([" ", " ", " ", "  ", "\t", " - "]) if rng.random() < 0.2 else " " for _ in words]
        text = "".join(w + s for w, s in zip(words, seps)).rstrip() if rng.random() < 0.8 else " ".join(words)
        width = rng.randint(4, 45)
        assert wrapped_lines(text, width) == len(textwrap.wrap(text, width)), (text, width)


@pytest.mark.parametrize("text, width, lines", [
    ("Microsoft Excel", 10, 2), ("2026-12-02 22:13", 12, 2), ("ab cdefghijklmnop", 10, 2),
    ("abcdefghij klm", 10, 2), ("abcdefghijklmnopqrstuvwxy", 10, 3), ("", 10, 0), ("   ", 10, 0),
])
def test_wrapped_lines_by_hand(text, width, lines):
    assert wrapped_lines(text, width) == lines == len(textwrap.wrap(text, width))


def test_line_count_counts_paragraphs():
    assert line_count("Microsoft Excel\n\nJa", 10) == 4  # 2 + an empty line + 1
