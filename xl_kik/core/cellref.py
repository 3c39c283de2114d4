"""Excel's column letters and cell references: the one implementation every layer uses.

Excel numbers columns from 1 (``A``) to 16,384 (``XFD``) and spells them in bijective base 26
(``Z`` is 26, ``AA`` 27, ``ZZ`` 702, ``AAA`` 703). Call sites that count from 0 add 1.
Numbers beyond ``XFD`` are spelled the same way (a hostile file's ``ZZZ1`` is reported as it
stands); what is allowed is the caller's decision.
"""

from __future__ import annotations

import re

#: Excel's last column, ``XFD``.
MAX_COLUMN = 16384

_LETTERS_RE = re.compile(r"[A-Za-z]+")
_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_letter(number: int) -> str:
    """Excel's letters of a 1-based column number: 1 -> ``A``, 27 -> ``AA``, 16384 -> ``XFD``."""
    out = _LETTERS.get(number) if type(number) is int else None
    if out is not None:
        return out
    if number < 1:
        raise ValueError(f"column numbers start at 1: {number!r}")
    n, out = number, ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    if len(_LETTERS) < _KEPT and type(number) is int:
        _LETTERS[number] = out
    return out


def column_number(letters: str | bytes) -> int:
    """The 1-based column number of Excel's letters (any case): ``A`` -> 1, ``XFD`` -> 16384."""
    n = _NUMBERS.get(letters) if type(letters) is str else None
    if n is not None:
        return n
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    if not _LETTERS_RE.fullmatch(letters):
        raise ValueError(f"not column letters: {letters!r}")
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    if len(_NUMBERS) < _KEPT and type(letters) is str:
        _NUMBERS[letters] = n
    return n


#: columns worked out before, by number and by letters: a merge asks for the same few columns of
#: every returned file and every row of a sheet it writes (the first :data:`_KEPT` are kept)
_LETTERS: dict[int, str] = {}
_NUMBERS: dict[str, int] = {}
_KEPT = 4096


def cell_ref(row: int, col: int) -> str:
    """``(3, 2)`` -> ``"B3"`` (1-based row and column)."""
    return f"{column_letter(col)}{row}"


def split_cell(cell: str) -> tuple[int, int]:
    """``"B3"`` or ``"$B$3"`` -> (row 3, column 2), 1-based."""
    m = _CELL_RE.match(cell.strip())
    if not m:
        raise ValueError(f"not a cell reference: {cell!r}")
    return int(m.group(2)), column_number(m.group(1))
