"""Estimated row heights for wrapped text (shared by the workbook writers).

Neither openpyxl nor XlsxWriter can measure text, and LibreOffice does not fit row heights
when it loads an ``.xlsx`` (Excel does not either, for rows it did not lay out itself): a
row without a height shows one line of a wrapped cell, and printed output clips or overlaps
the rest. So the writers store an *estimated* height: the number of lines the text needs in
its column (words wrapped like :func:`textwrap.wrap`, at about one character per unit of
column width for an 11 pt font) times the line height of the font.

* :func:`line_count` / :func:`row_height`: the estimate (``xl_kik.excel.scoring`` uses them for the
  participant workbook, where column widths and texts are known when it writes).
* :func:`fit_rows`: the estimate for rows of an openpyxl worksheet (the master's generated
  sheets), from the cells' text, font size, boldness, wrap setting, merged ranges and the
  column widths. Heights are written without ``customHeight`` (like the scoring workbook),
  so Excel and LibreOffice still treat the row as auto-height and grow it when someone
  types more; an openpyxl round trip of the file marks them custom again, which is why
  the writers fit their rows again at every rebuild.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Iterable, Mapping, Sequence

from functools import lru_cache

from xl_kik.core.cellref import column_letter, column_number
from xl_kik.core.printing import word_width
from xl_kik.excel import cells

DEFAULT_FONT_SIZE = 11.0
DEFAULT_ROW_HEIGHT = 15.0  # Excel's and LibreOffice's row height for Calibri 11
DEFAULT_COLUMN_WIDTH = cells.DEFAULT_COLUMN_WIDTH
MAX_ROW_HEIGHT = cells.MAX_ROW_HEIGHT  # Excel's largest row height (points)
#: Excel's column width unit is the width of a digit; running text averages about 1.2
#: characters per unit (Calibri in Excel, and DejaVu Sans where LibreOffice replaces Calibri
#: and sizes columns by its digits). The estimate counts on one character per unit (words
#: wrap whole, capitals are wide), less the cell margins, less again for bold text: a
#: little too tall rather than clipped.
TEXT_FACTOR = 1.0
BOLD_FACTOR = 0.9
CELL_PADDING = 0.5  # width units lost to the cell margins


def line_count(text: str, width_chars: float, font_size: float = 11) -> int:
    """Estimated number of lines of wrapped ``text`` in a column ``width_chars`` characters wide."""
    per_line = max(4, int(width_chars * 11 / font_size))
    if "\n" not in text:  # one paragraph (most cells): no list, no generator
        return max(1, wrapped_lines(text, per_line))
    return sum(max(1, wrapped_lines(par, per_line)) for par in text.split("\n"))


#: A paragraph of words separated by single spaces, with no other whitespace and no hyphen
#: where textwrap may break a word (before a letter, or a run of hyphens; "2026-12-02" is one
#: word): :func:`wrapped_lines` counts its lines without textwrap.
_PLAIN_WORD = r"(?:[^\s-]|-(?![^\W\d]|-))+"
_PLAIN_PARAGRAPH_RE = re.compile(_PLAIN_WORD + "(?: " + _PLAIN_WORD + ")*\\Z")


def wrapped_lines(par: str, width: int) -> int:
    """``len(textwrap.wrap(par, width))``, counted without building the lines for a plain
    paragraph (a big Status has thousands of short cells that wrap once): greedy words, a word
    longer than a line filling the rest of the line and then whole lines, as textwrap does."""
    if len(par) <= width and "\t" not in par:
        return 1 if par.strip() else 0
    if not _PLAIN_PARAGRAPH_RE.match(par):
        return len(textwrap.wrap(par, width))
    lines = cur = 0
    started = False
    for word in par.split(" "):
        n = len(word)
        if started:
            if cur + 1 + n <= width:
                cur += 1 + n
                continue
            if n > width and cur + 1 < width:  # textwrap puts the start of a long word on this line
                n -= width - cur - 1
            lines += 1
        while n > width:
            lines += 1
            n -= width
        cur, started = n, True
    return lines + started


def row_height(lines: int, font_size: float = 11, minimum: float = 15) -> float:
    """Height in points of a row showing ``lines`` lines of ``font_size`` text (at most Excel's 409)."""
    return cells.row_height(max(minimum, round(lines * font_size * 15 / 11 + 3, 1)))


@lru_cache(maxsize=None)
def _fitted_row_class() -> type:
    """openpyxl's RowDimension, written without ``customHeight`` (imported lazily: the
    scoring workbook writer uses this module without openpyxl)."""
    from openpyxl.worksheet.dimensions import RowDimension  # lazy: the scoring writer uses this module without openpyxl

    class FittedRow(RowDimension):
        """A row whose height is an estimate: Excel and LibreOffice keep it auto-height."""

        @property
        def customHeight(self) -> bool:  # noqa: N802 - openpyxl's attribute name
            return False

        @classmethod
        def fitted(cls, ws: Any, index: int, ht: float | None) -> Any:
            """``cls(ws, index=index, ht=ht)`` with openpyxl's defaults, without its descriptors'
            checks of values that are known to be right (a big Status has a thousand rows)."""
            row = cls.__new__(cls)
            row.__dict__.update(ht=None if ht is None else float(ht), thickBot=False, thickTop=False,
                                index=int(index), hidden=False, outlineLevel=0, collapsed=False)
            row.parent, row._style = ws, None
            return row

    return FittedRow


def column_widths(ws: Any, widths: Mapping[str, float] | None = None) -> dict[int, float]:
    """Width of every column with a dimension (1-based index -> width; hidden columns 0),
    ``widths`` (column letter -> width) overriding the sheet's."""
    out: dict[int, float] = {}
    for key, dim in ws.column_dimensions.items():
        try:
            lo = dim.min or column_number(key)
        except ValueError:
            continue
        hi = max(dim.max or lo, lo)
        for idx in range(lo, hi + 1):
            out[idx] = 0.0 if dim.hidden else float(dim.width or _default_width(ws))
    for letter, width in (widths or {}).items():
        out[column_number(letter)] = float(width)
    return out


def _default_width(ws: Any) -> float:
    fmt = getattr(ws, "sheet_format", None)
    width = getattr(fmt, "defaultColWidth", None)
    return float(width) if width else DEFAULT_COLUMN_WIDTH


def _chars_per_line(width: float, font_size: float, bold: bool) -> tuple[float, int]:
    """(characters of the column by the estimate, characters per wrapped line)."""
    chars = max(1.0, (width - CELL_PADDING) * TEXT_FACTOR * (BOLD_FACTOR if bold else 1.0))
    return chars, max(4, int(chars * 11 / font_size))


def chars_per_line(width: float, font_size: float = DEFAULT_FONT_SIZE, bold: bool = False) -> int:
    """Characters per wrapped line of a column ``width`` wide by the estimate: a text of at most
    this many characters, without a line break or tab, is one line (:func:`cell_height`)."""
    return _chars_per_line(width, font_size, bold)[1]


def _one_line(text: str, per_line: int) -> bool:
    """True when ``text`` surely fits on one line (what textwrap would say, without wrapping)."""
    return len(text) <= per_line and "\n" not in text and "\t" not in text


def pieces_on_one_line(fixed: int, pieces: Sequence[str], per_line: int) -> bool:
    """:func:`_one_line` of a text made of ``fixed`` characters without a line break or tab and
    ``pieces`` (a name, a list), without building it: the generator asks it per participant."""
    return fixed + sum(map(len, pieces)) <= per_line and not any("\n" in p or "\t" in p for p in pieces)


def cell_height(text: str, width: float, font_size: float = DEFAULT_FONT_SIZE, bold: bool = False,
                wrap: bool = True) -> float:
    """Estimated height (points) a cell needs; DEFAULT_ROW_HEIGHT for one line of <= 11 pt."""
    if not wrap or not text:
        lines = 1
    else:
        chars, per_line = _chars_per_line(width, font_size, bold)
        if _one_line(text, per_line):
            lines = 1
        elif round(len(text) // (per_line + 1) * font_size * 15 / 11 + 3, 1) >= MAX_ROW_HEIGHT:  # row_height's sum
            return MAX_ROW_HEIGHT  # surely taller than a row can be: skip wrapping a long text
        else:
            lines = line_count(text, chars, font_size)
    if lines == 1 and font_size <= DEFAULT_FONT_SIZE:
        return DEFAULT_ROW_HEIGHT
    return row_height(lines, font_size, 0)


def estimate_heights(ws: Any, first_row: int, last_row: int,
                     widths: Mapping[str, float] | None = None) -> dict[int, float]:
    """Estimated height of every row in ``first_row..last_row`` that has text
    (DEFAULT_ROW_HEIGHT where one line of normal text is enough).

    Font and wrapping are looked up once per style and width, not per cell (a big Status has
    thousands of cells in a few styles); a text that fits on one line is not wrapped at all."""
    cols = column_widths(ws, widths)
    default = _default_width(ws)
    merged: dict[tuple[int, int], tuple[int, int]] = {}  # top-left -> (last column, rows spanned)
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        if rng.max_row < first_row or rng.min_row > last_row:
            continue
        merged[(rng.min_row, rng.min_col)] = (rng.max_col, rng.max_row - rng.min_row + 1)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
    heights: dict[int, float] = {}
    #: (width, fontId, alignmentId) -> (size, bold, wrap, characters per line, height of one line)
    looks: dict[tuple[float, int, int], tuple[float, bool, bool, int, float]] = {}
    for (r, c), cell in ws._cells.items():
        if r < first_row or r > last_row or (covered and (r, c) in covered):
            continue
        v = cell._value  # what cell.value returns (a merged range's other cells: None)
        if v is None or v == "" or cell.data_type == "f":  # empty, or a formula (its result is not known here)
            continue
        width = cols.get(c, default)
        if merged:
            last_col, span_rows = merged.get((r, c), (c, 1))
            if last_col > c:
                width = sum(cols.get(i, default) for i in range(c, last_col + 1))
        else:
            span_rows = 1
        if width <= 0:  # a hidden column
            continue
        style = cell._style
        # the style array's fontId and alignmentId (indexed: its named fields are Python descriptors)
        key = (width, style[0], style[5]) if style is not None else None
        look = looks.get(key) if key is not None else None
        if look is None:
            font, alignment = cell.font, cell.alignment
            size = float(font.sz) if font is not None and font.sz else DEFAULT_FONT_SIZE
            bold = bool(font is not None and font.b)
            look = (size, bold, bool(alignment is not None and alignment.wrap_text),
                    _chars_per_line(width, size, bold)[1], cell_height("x", width, size, bold, False))
            if key is not None:
                looks[key] = look
        size, bold, wrap, per_line, one = look
        if not isinstance(v, str):  # numbers and dates never wrap
            h = one
        elif not wrap or _one_line(v, per_line):
            h = one
        else:
            h = cell_height(v, width, size, bold, True)
        if span_rows != 1:
            h /= span_rows
        if h > heights.get(r, 0.0):
            heights[r] = h
    return heights


def fit_rows(ws: Any, first_row: int, last_row: int, widths: Mapping[str, float] | None = None,
             minimum: float = 15, maximum: float = MAX_ROW_HEIGHT) -> dict[int, float | None]:
    """Give rows ``first_row..last_row`` of an openpyxl worksheet their estimated heights.

    A row's height is the largest estimate of its cells (wrapped text by the column width —
    the sum of the widths for a merged range — font size and boldness; other cells one line
    of their font), at least ``minimum`` and at most ``maximum``. A row where one line of
    normal text is enough (and ``minimum`` is not above the default) gets no height: it
    stays at the default. ``widths`` (column letter -> width) override the sheet's column
    widths (for a writer that sets the widths later). Hidden rows stay hidden. Returns the
    heights set (None = default)."""
    est = estimate_heights(ws, first_row, last_row, widths)
    fitted = _fitted_row_class().fitted
    out: dict[int, float | None] = {}
    for r in range(first_row, last_row + 1):
        h = max(est.get(r, DEFAULT_ROW_HEIGHT), minimum)
        height = None if h <= DEFAULT_ROW_HEIGHT and minimum <= DEFAULT_ROW_HEIGHT else min(maximum, round(h, 1))
        old = ws.row_dimensions.get(r) if hasattr(ws.row_dimensions, "get") else None
        if old is None and height is None:
            out[r] = None
            continue
        row = fitted(ws, r, height)
        if old is not None:
            row.hidden = old.hidden
            row.outlineLevel = old.outlineLevel
            row.collapsed = old.collapsed
            row.thickBot, row.thickTop = old.thickBot, old.thickTop
            row._style = old._style
        ws.row_dimensions[r] = row
        out[r] = height
    return out


def widen_for_words(ws: Any, rows: Iterable[int]) -> dict[int, float]:
    """Widen the columns of an openpyxl worksheet so that no text in ``rows`` (the header rows)
    wraps inside a word: each column at least :func:`xl_kik.core.printing.word_width` of the
    text of its (one-column) header cells, at their font size and boldness. Returns the columns
    widened (1-based index -> new width)."""
    widths = column_widths(ws)
    single = {(m.min_row, m.min_col) for m in ws.merged_cells.ranges if m.max_col == m.min_col}
    spans = {(r, c) for m in ws.merged_cells.ranges if m.max_col > m.min_col
             for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
    out: dict[int, float] = {}
    for r in rows:
        for cell in ws[r]:
            if not isinstance(cell.value, str) or cell.data_type == "f" or ((r, cell.column) in spans
                                                                             and (r, cell.column) not in single):
                continue
            if not widths.get(cell.column, 1.0):
                continue  # a hidden column
            need = word_width(cell.value, float(cell.font.sz or DEFAULT_FONT_SIZE), bool(cell.font.b))
            have = out.get(cell.column, widths.get(cell.column, _default_width(ws)))
            if need > have:
                out[cell.column] = need
    for c, w in out.items():
        ws.column_dimensions[column_letter(c)].width = w
    return out


__all__ = ["line_count", "wrapped_lines", "row_height", "fit_rows", "estimate_heights", "cell_height", "chars_per_line",
           "pieces_on_one_line", "column_widths", "widen_for_words"]
