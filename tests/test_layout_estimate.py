"""layout.wrapped_lines counts what textwrap.wrap would give (the standard library is the oracle)."""

from __future__ import annotations

import copy
import random
import textwrap

import openpyxl
import pytest

from xl_kik.excel.layout import _fitted_row_class, line_count, wrapped_lines

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


def test_pieces_on_one_line_is_the_one_line_rule_of_the_whole_text():
    """The generator's per-participant shortcut (``pieces_on_one_line``) says what
    ``cell_height``'s one-line rule says of the text it would build."""
    from xl_kik.excel import layout

    per_line = layout.chars_per_line(40, 12, bold=True)
    for fixed in (0, 10, per_line - 5, per_line):
        for pieces in (("Anne",), ("Anne", "1. Ledelse"), ("A\nB",), ("", "x\ty"), ("x" * 5, "y" * 5)):
            whole = "f" * fixed + "".join(pieces)
            assert layout.pieces_on_one_line(fixed, pieces, per_line) == layout._one_line(whole, per_line), (fixed, pieces)
            if layout.pieces_on_one_line(fixed, pieces, per_line):
                assert layout.cell_height(whole, 40, 12, bold=True) == layout.cell_height("x", 40, 12, bold=True)


def test_a_fitted_row_is_the_row_openpyxl_would_make():
    # fit_rows makes its rows without openpyxl's descriptor checks: the same row, written the same
    ws = openpyxl.Workbook().active
    cls = _fitted_row_class()
    for ht in (None, 30.0, 45, 409.0):
        made, fitted = cls(ws, index=7, ht=ht), cls.fitted(ws, 7, ht)
        assert dict(fitted) == dict(made) and fitted.__dict__ == made.__dict__
        assert (fitted.parent, fitted._style) == (made.parent, made._style)
        assert dict(copy.copy(fitted)) == dict(made)
    fitted.hidden = True
    assert dict(fitted)["hidden"] == "1" and not fitted.customHeight
