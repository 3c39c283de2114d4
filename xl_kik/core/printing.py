"""How a sheet prints: one rule for every sheet xl_kik writes (pure; no Excel library).

Text on paper must stay readable: at least :data:`MIN_FONT` points after the page is scaled.
:func:`page_layout` takes what decides it — the printed columns' widths (Excel's character
units), the smallest font size on the sheet, the paper and the orientation the sheet prefers —
and returns the page setup every writer applies (openpyxl through
``excel.masterfile.PrintSetup``, XlsxWriter through ``excel.cells.XlsxSheet.apply_layout``, the live
xlwings writer through the same ``PrintSetup``):

* **one page wide** (fit to 1 page wide, as many tall as needed) only when the text keeps
  :data:`MIN_FONT` points at the scale that takes: in the preferred orientation, else in
  landscape;
* otherwise **landscape at a fixed scale** — the largest scale (at most 100 %) that needs no
  more pages across than the smallest readable scale does — several pages wide and tall, the
  title rows repeated on every page and the title columns (``Nr``/``Spørgsmål``) on every page
  across when they leave room for the rest (at most :data:`MAX_TITLE_SHARE` of the page);
* a sheet that asks for **one page** (``one_page=True``, given its row heights) gets it only when
  that keeps the text readable too.

The width of a character is the widest renderer's: LibreOffice lays columns out with the
digit width of the font it has for Calibri (DejaVu Sans where Carlito is missing: 7.0 pt per
unit, measured from its PDF; Excel's Calibri 11 is 5.25 pt), and its fit-to-width leaves a few
per cent (:data:`FIT_SLACK`). So a sheet fitted to one page wide is at least as large in Excel,
and a fixed scale is exactly that scale everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

MIN_FONT = 8.0  # points on paper
CHAR_PT = 7.0  # points per column-width unit at 100 % (LibreOffice, DejaVu Sans for Calibri)
FIT_SLACK = 0.95  # LibreOffice's fit-to-width scale is up to ~5 % below width/page
MAX_TITLE_SHARE = 0.5  # repeated title columns take at most this share of a page's width
DEFAULT_ROW_PT = 15.0


@dataclass(frozen=True)
class Paper:
    name: str
    excel_size: int  # Excel's / openpyxl's paper size number
    width_pt: float  # portrait
    height_pt: float


A4 = Paper("A4", 9, 595.3, 841.9)


@dataclass(frozen=True)
class Margins:
    """Page margins in inches (Excel's unit)."""

    left: float = 0.4
    right: float = 0.4
    top: float = 0.5
    bottom: float = 0.5
    header: float = 0.3
    footer: float = 0.3


MARGINS = Margins()


@dataclass(frozen=True)
class PageLayout:
    """The page setup of one sheet (what the writers apply).

    ``fit_width``/``fit_height``: fit to that many pages (0 = as many as needed) when
    ``scale`` is None; ``scale``: a fixed percentage otherwise. Title rows/columns are
    1-based inclusive (first, last) or None. ``pages_wide`` and ``font_pt`` are the estimate
    for the widest renderer (:data:`CHAR_PT`): pages across, and the smallest printed font.
    """

    orientation: str
    paper: Paper
    margins: Margins
    fit_width: int | None
    fit_height: int | None
    scale: int | None
    title_rows: tuple[int, int] | None
    title_cols: tuple[int, int] | None
    pages_wide: int
    font_pt: float

    @property
    def fit_to_page(self) -> bool:
        return self.scale is None


def _printable(paper: Paper, orientation: str, margins: Margins) -> tuple[float, float]:
    w, h = (paper.height_pt, paper.width_pt) if orientation == "landscape" else (paper.width_pt, paper.height_pt)
    return w - 72 * (margins.left + margins.right), h - 72 * (margins.top + margins.bottom + 0.1)


def pages_across(widths_pt: Sequence[float], page_pt: float, titles: tuple[int, int] | None = None) -> int:
    """Pages needed across for columns ``widths_pt`` (points, already scaled) on pages
    ``page_pt`` wide, columns never split, the title columns (0-based, inclusive, at the
    start) repeated on every page after the first."""
    title_pt = sum(widths_pt[titles[0]:titles[1] + 1]) if titles else 0.0
    pages, used = 1, 0.0
    for i, w in enumerate(widths_pt):
        if used > 0 and used + w > page_pt + 1e-6:
            pages += 1
            used = title_pt if titles and i > titles[1] else 0.0
        used += w
    return pages


def page_layout(widths: Sequence[float], font_size: float, *, prefer: str = "landscape",
                paper: Paper = A4, margins: Margins = MARGINS, title_rows: tuple[int, int] | None = None,
                title_cols: tuple[int, int] | None = None, first_col: int = 1, one_page: bool = False,
                heights: Sequence[float] | None = None, min_font: float = MIN_FONT) -> PageLayout:
    """The page setup for a sheet whose printed columns (from ``first_col``, hidden ones 0)
    are ``widths`` character units wide and whose smallest text is ``font_size`` points.

    ``prefer``: the orientation when the sheet fits one page wide in both (``portrait`` for
    guides and forms, ``landscape`` for tables). ``title_rows``/``title_cols``: 1-based
    sheet rows/columns to repeat. ``one_page`` with the row ``heights`` (points): one page
    when that stays readable (an agenda); otherwise as without it.
    """
    if prefer not in ("portrait", "landscape"):
        raise ValueError(f"prefer must be 'portrait' or 'landscape', not {prefer!r}")
    cols_pt = [max(0.0, float(w)) * CHAR_PT for w in widths]
    total = sum(cols_pt) or CHAR_PT
    tall = sum(heights) if heights else 0.0
    least = min(1.0, min_font / font_size) if font_size > 0 else 1.0  # the smallest readable scale
    orientations = (prefer,) if prefer == "landscape" else ("portrait", "landscape")

    def layout(orientation: str, fit_w: int | None, fit_h: int | None, scale: int | None, pages: int,
               font: float, cols: tuple[int, int] | None) -> PageLayout:
        return PageLayout(orientation, paper, margins, fit_w, fit_h, scale, title_rows, cols, pages,
                          round(font, 2))

    if one_page and tall:
        for orientation in orientations:
            page_w, page_h = _printable(paper, orientation, margins)
            s = min(1.0, page_w / total * FIT_SLACK, page_h / tall * FIT_SLACK)
            if s >= least:
                return layout(orientation, 1, 1, None, 1, font_size * s, None)
    for orientation in orientations:
        page_w, _ = _printable(paper, orientation, margins)
        s = min(1.0, page_w / total * FIT_SLACK)
        if s >= least:
            return layout(orientation, 1, 0, None, 1, font_size * s, None)
    # several pages across: landscape at a fixed scale
    page_w, _ = _printable(paper, "landscape", margins)
    titles = None
    if title_cols:
        a, b = title_cols[0] - first_col, title_cols[1] - first_col
        if 0 <= a <= b < len(cols_pt) and sum(cols_pt[a:b + 1]) * least <= MAX_TITLE_SHARE * page_w:
            titles = (a, b)
    lowest = math.ceil(least * 100)

    def pages_at(pct: int) -> int:
        return pages_across([w * pct / 100 for w in cols_pt], page_w, titles)

    need = pages_at(lowest)
    scale = next(p for p in range(100, lowest - 1, -1) if pages_at(p) <= need)
    cols = (titles[0] + first_col, titles[1] + first_col) if titles and need > 1 else None
    return layout("landscape", None, None, scale, pages_at(scale), font_size * scale / 100, cols)


def first_page_columns(widths: Sequence[float], layout: PageLayout) -> int:
    """How many of the printed columns ``widths`` (character units, from the layout's first
    column) the first page across holds under ``layout``: all of them when the sheet prints
    one page wide, else as many as fit at its scale (at least one). A note above the table
    wraps within these columns, so that no line of it runs off the first page."""
    if layout.scale is None or layout.pages_wide <= 1:
        return len(widths)
    page_w, _ = _printable(layout.paper, layout.orientation, layout.margins)
    used, n = 0.0, 0
    for w in widths:
        w_pt = max(0.0, float(w)) * CHAR_PT * layout.scale / 100
        if used > 0 and used + w_pt > page_w + 1e-6:
            break
        used += w_pt
        n += 1
    return max(n, 1)


#: Widths of bold characters in column-width units (a unit is the regular digit's width) in the
#: widest renderer, DejaVu Sans Bold (measured in LibreOffice's PDF: "Brugerresultater" is 14.9
#: units); a regular character is about 0.92 of its bold width.
_NARROW, _SEMI, _WIDE = set("ijl.,:;!|'"), set("rtfI()[]-/ "), set("mwæœMWÆŒ")


def _char_units(ch: str) -> float:
    if ch in _NARROW:
        return 0.55
    if ch in _SEMI:
        return 0.8
    if ch in _WIDE:
        return 1.65
    return 1.3 if ch.isupper() else 1.1


def word_width(text: str, font_size: float = 11, bold: bool = True) -> float:
    """Column width (Excel's character units) that holds the longest word of ``text`` on one
    line at ``font_size``, with room for the cell's margins: a header never wraps inside a word."""
    longest = max((sum(_char_units(ch) for ch in w) for w in text.split()), default=0.0)
    return round(longest * (1.0 if bold else 0.92) * font_size / 11 + 1.0, 1)


def axis_major_unit(lo: float, hi: float) -> float:
    """A round step for a chart's value axis from ``lo`` to ``hi``: at most 6 steps of 1, 2 or
    5 × 10^k (0-100: 20; 0-10: 2; 0-5: 1; 1-4: 0.5), so the labels stay legible on paper."""
    span = (hi - lo) or 1
    step = 10 ** math.floor(math.log10(span / 5))
    return next(m * step for m in (1, 2, 5, 10, 20) if span / (m * step) <= 6)
