"""The Konsensus sheet as data: what people typed at the seminar, read from plain rows.

The sheet's layout (column keys, key row, row keys, choices, labels) is
:mod:`xl_kik.core.contract` (``KONSENSUS_*``); the writer is :mod:`xl_kik.excel.sheets.konsensus`.
Every reader of the seminar's inputs (merge, plan, rollup, reports) uses this module.

Rows are lists of cell values, top row first, column A first: python-calamine's
``to_python()``, xlwings values, or an openpyxl worksheet (anything with
``iter_rows(values_only=True)``).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

from xl_kik.core.catalogue import ID_RE
from xl_kik.core.contract import (
    KONSENSUS_CHOICE_IDS,
    KONSENSUS_INPUT_KEYS,
    KONSENSUS_KEYS,
    KONSENSUS_REMOVED_KEY,
    KONSENSUS_THEME_KEY,
    KONSENSUS_THEME_PREVIOUS_COL,
)
from xl_kik.core.stats import point_value
from xl_kik.core.values import choice_level, clean_text, is_blank, is_quick_win

KEY_COLUMN = "qid"  # the key row is the row whose column A holds this key


def rows_of(ws_or_rows: Any) -> list[list[Any]]:
    """The values as a list of row lists (a worksheet is read with ``iter_rows(values_only=True)``)."""
    if hasattr(ws_or_rows, "iter_rows"):
        return [list(r) for r in ws_or_rows.iter_rows(values_only=True)]
    if isinstance(ws_or_rows, list) and all(type(r) is list for r in ws_or_rows):
        return ws_or_rows  # already rows (calamine's to_python): the readers here do not change them
    return [list(r) for r in ws_or_rows]


def row_key(value: Any) -> str:
    """The key in a cell of the key column or key row (stripped text, ``""`` when empty)."""
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def column_map(rows: Sequence[Sequence[Any]]) -> tuple[int, dict[str, int]]:
    """(index of the key row, key -> 0-based column); the contract's order when the key row is missing."""
    for i, row in enumerate(rows):
        if row and row_key(row[0]) == KEY_COLUMN:
            cols: dict[str, int] = {}
            for j, v in enumerate(row):
                k = row_key(v)
                if k and k not in cols:
                    cols[k] = j
            return i, cols
    return -1, {k: i for i, k in enumerate(KONSENSUS_KEYS)}


def clean_input(key: str, value: Any) -> Any:
    """An input cell's value: ``agreed_points`` an ``int`` when whole (else the text typed, or
    ``None``); every other input its clean text (``""`` when empty)."""
    if key == "agreed_points":
        if isinstance(value, str):
            text = value.strip()
            if re.fullmatch(r"-?\d+", text):
                return int(text)
            return text or None
        pv = point_value(value)
        if pv is not None:
            return pv
        return value if value not in ("",) else None
    return clean_text(value)


def choice_id(key: str, value: Any) -> str:
    """Language-neutral id of a choice (``"Høj"``/``"High"`` -> ``"high"``); ``""`` if not a choice."""
    found = choice_level(key, value)
    return found if found in KONSENSUS_CHOICE_IDS.get(key, ()) else ""


def read_inputs(ws_or_rows: Any, include_removed: bool = False,
                keys: Sequence[str] = KONSENSUS_INPUT_KEYS,
                mapped: tuple[int, dict[str, int]] | None = None) -> dict[str, dict[str, Any]]:
    """What people typed on the Konsensus sheet: ``{qid: {key: value}}`` in sheet order.

    Keys: :data:`~xl_kik.core.contract.KONSENSUS_INPUT_KEYS` (or only ``keys``, e.g. the
    rollup's ``("agreed_points",)``) plus ``quick_win`` when effect and feasibility are read
    (``True`` when effect is high and feasibility easy, computed here — cached formula results
    are not trusted). Values as :func:`clean_input`; use :func:`choice_id` for language-neutral
    choices. Rows of removed questions are only included with ``include_removed`` (keyed by
    their question id, with ``removed=True``). ``mapped``: the rows' :func:`column_map`, when
    the caller has it (a reader of several of the sheet's parts, the rollup).
    """
    rows = rows_of(ws_or_rows)
    key_row, cols = mapped or column_map(rows)
    quick_win = "effect" in keys and "feasibility" in keys
    out: dict[str, dict[str, Any]] = {}
    for row in rows[key_row + 1:]:
        if not row:
            continue
        key = row_key(row[0])
        removed = key.startswith(KONSENSUS_REMOVED_KEY)
        qid = key[len(KONSENSUS_REMOVED_KEY):] if removed else key
        if not qid or not ID_RE.match(qid) or qid == KEY_COLUMN or (removed and not include_removed):
            continue
        values = {}
        for k in keys:
            j = cols.get(k)
            values[k] = clean_input(k, row[j] if j is not None and j < len(row) else None)
        if quick_win:
            values["quick_win"] = is_quick_win(values["effect"], values["feasibility"])
        if include_removed:
            values["removed"] = removed
        if qid not in out or not removed:
            out[qid] = values
    return out


def read_theme_inputs(ws_or_rows: Any, mapped: tuple[int, dict[str, int]] | None = None) -> dict[str, Any]:
    """Separately agreed theme scores: ``{theme id: int|str}`` (only filled ones); ``mapped`` as
    in :func:`read_inputs`."""
    rows = rows_of(ws_or_rows)
    key_row, cols = mapped or column_map(rows)
    j = cols.get("agreed_points", KONSENSUS_KEYS.index("agreed_points"))
    out = {}
    for row in rows[key_row + 1:]:
        key = row_key(row[0]) if row else ""
        if key.startswith(KONSENSUS_THEME_KEY) and j < len(row):
            v = clean_input("agreed_points", row[j])
            if v is not None:
                out[key[len(KONSENSUS_THEME_KEY):]] = v
    return out


def read_previous(ws_or_rows: Any, mapped: tuple[int, dict[str, int]] | None = None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the sheet shows of the previous round: ``({qid: points}, {theme id: theme score})``
    from the *Forrige runde* column of the question rows and the previous column of the
    theme-score rows (:data:`~xl_kik.core.contract.KONSENSUS_THEME_PREVIOUS_COL`); only filled
    cells, values as typed or written (numbers; see :func:`xl_kik.core.values.to_number`);
    ``mapped`` as in :func:`read_inputs`."""
    rows = rows_of(ws_or_rows)
    key_row, cols = mapped or column_map(rows)
    q_col = cols.get("previous", KONSENSUS_KEYS.index("previous"))
    t_col = KONSENSUS_THEME_PREVIOUS_COL - 1
    questions: dict[str, Any] = {}
    themes: dict[str, Any] = {}
    for row in rows[key_row + 1:]:
        key = row_key(row[0]) if row else ""
        if key.startswith(KONSENSUS_THEME_KEY):
            if t_col < len(row) and not is_blank(row[t_col]):
                themes[key[len(KONSENSUS_THEME_KEY):]] = row[t_col]
        elif key and ID_RE.match(key) and q_col < len(row) and not is_blank(row[q_col]):
            questions.setdefault(key, row[q_col])
    return questions, themes


def has_input(values: Iterable[Any]) -> bool:
    """Whether any of the values is filled in."""
    return any(not is_blank(v) for v in values)
