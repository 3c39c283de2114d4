"""The one print rule (``xl_kik.core.printing``), on hand-computed cases.

A4 landscape with 0.4" side margins is 841.9 - 57.6 = 784.3 pt wide; a column-width unit is
7.0 pt (LibreOffice with DejaVu Sans for Calibri, measured); fit-to-width leaves 5 %.
"""

from __future__ import annotations

import pytest

from xl_kik.core.printing import page_layout, pages_across


def test_fits_one_page_wide_while_readable():
    lay = page_layout([100], 11)  # 700 pt: fits at 100 %
    assert (lay.orientation, lay.fit_width, lay.fit_height, lay.scale) == ("landscape", 1, 0, None)
    assert lay.font_pt == 11
    lay = page_layout([140], 11)  # 980 pt: 784.3 / 980 * 0.95 = 0.76 -> 8.4 pt, still readable
    assert lay.fit_width == 1 and 8.3 < lay.font_pt < 8.5


def test_portrait_when_preferred_and_readable_else_landscape():
    assert page_layout([70], 11, prefer="portrait").orientation == "portrait"  # 490 pt on 537.7
    lay = page_layout([120], 11, prefer="portrait")  # portrait would be 0.61 -> 6.7 pt
    assert (lay.orientation, lay.fit_width) == ("landscape", 1)


def test_too_wide_prints_landscape_at_a_readable_fixed_scale():
    # ten columns of 140 pt; at the least readable 73 % seven fit a page: 2 pages across;
    # 100 % (five a page) needs 2 pages too, so 100 % is chosen
    lay = page_layout([20] * 10, 11, title_rows=(4, 4))
    assert (lay.orientation, lay.fit_width, lay.scale, lay.pages_wide) == ("landscape", None, 100, 2)
    assert lay.title_rows == (4, 4) and lay.title_cols is None and lay.font_pt == 11
    # the first column repeated: at 94 % (131.6 pt) a page holds 5, then title + 4, then 1 = 3 pages;
    # at 93 % (130.2 pt) 6, then title + 4 = 2 pages
    lay = page_layout([20] * 10, 11, title_cols=(1, 1))
    assert (lay.scale, lay.pages_wide, lay.title_cols) == (93, 2, (1, 1))
    assert lay.font_pt >= 8


def test_title_columns_only_when_they_leave_room():
    # 60 units = 420 pt at 100 %, 307 pt at 73 %: more than half of 784.3 pt? no -> kept
    assert page_layout([60] + [20] * 10, 11, title_cols=(1, 1)).title_cols == (1, 1)
    # 120 units: 613 pt at 73 % -> not repeated
    assert page_layout([120] + [20] * 10, 11, title_cols=(1, 1)).title_cols is None


def test_small_text_is_never_scaled_below_8_pt():
    lay = page_layout([30] * 10, 9)  # 9 pt: at least 89 %
    assert lay.scale >= 89 and lay.font_pt >= 8
    lay = page_layout([30] * 10, 7)  # already below 8 pt: not scaled down at all
    assert lay.scale == 100


def test_one_page_only_when_readable():
    rows = [15.0] * 30  # 450 pt tall: fits a portrait page (841.9 - 79.2 = 762.7) at 100 %
    lay = page_layout([60], 11, prefer="portrait", one_page=True, heights=rows)
    assert (lay.orientation, lay.fit_width, lay.fit_height) == ("portrait", 1, 1)
    lay = page_layout([60], 11, prefer="portrait", one_page=True, heights=[15.0] * 120)  # 1800 pt tall
    assert (lay.fit_width, lay.fit_height) == (1, 0)


def test_pages_across():
    assert pages_across([100, 100, 100], 250) == 2
    assert pages_across([100] * 4, 250) == 2
    assert pages_across([100] * 4, 250, titles=(0, 0)) == 3  # pages 2 and 3: the title + one column
    assert pages_across([], 250) == 1
    with pytest.raises(ValueError):
        page_layout([10], 11, prefer="sideways")


def test_first_page_columns_counts_what_the_first_page_across_holds():
    from xl_kik.core.printing import A4, MARGINS, PageLayout, first_page_columns

    # A4 landscape: 841.9 pt less 0.4 + 0.4 inch margins = 784.3 pt; a 10-unit column is 70 pt at 100 %
    fixed = PageLayout("landscape", A4, MARGINS, None, None, 100, (4, 4), None, 2, 11.0)
    assert first_page_columns([10] * 20, fixed) == 11  # 11 x 70 = 770 <= 784.3 < 12 x 70
    half = PageLayout("landscape", A4, MARGINS, None, None, 50, (4, 4), None, 2, 5.5)
    assert first_page_columns([10] * 30, half) == 22  # 35 pt a column
    assert first_page_columns([0, 200, 10], fixed) == 2  # a hidden column takes no room; a too-wide one stands alone
    fitted = PageLayout("landscape", A4, MARGINS, 1, 0, None, (4, 4), None, 1, 9.0)
    assert first_page_columns([10] * 20, fitted) == 20  # one page wide: every column is on it
