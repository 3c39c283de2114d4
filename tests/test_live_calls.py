"""The buttons' round trips into Excel (issue 14): every xlwings call is a COM round trip.

Counted with the recording double of xlwings (``tests/test_master.py``), here also recording
font settings: every attribute set and every method call on a sheet, range, window or page
setup is one call (the attribute reads on the way there are not counted). The writer groups
styles per style over multi-area addresses, row heights and column widths per value, and
validations per rule, so a button stays within :data:`BUDGET` calls on the demo round.
``benchmarks/bench_live.py`` prints the same counts per button and kind.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from tests.test_master import FakeBook, FakeRange, FakeSheet, FakeSheets, Rec
from xl_kik import buttons
from xl_kik.core.round import MASTER_NAME
from xl_kik.demo import round as demo
from xl_kik.excel.masterfile import (MAX_ADDRESS, OpenpyxlSheetWriter, Style, XlwingsSheetWriter, join_areas,
                                     line_areas, merge_runs, split_cell, style_areas)

#: xlwings calls a button may make on the demo round (issue 14)
BUDGET = 300
BUTTONS = ("do_generate", "do_merge", "do_plan")


class _Range(FakeRange):
    def __init__(self, sheet, ref):
        super().__init__(sheet, ref)
        object.__setattr__(self, "font", Rec(sheet.book.log, f"{sheet.name}!{ref}.font"))


class _Sheet(FakeSheet):
    def __init__(self, book, name):
        super().__init__(book, name)
        self.cells = _Range(self, "cells")

    def range(self, ref, *_):
        return _Range(self, ref)


class _Sheets(FakeSheets):
    def __missing__(self, name):
        self[name] = _Sheet(self.book, name)
        return self[name]


class CountingBook(FakeBook):
    """The recording double, with font settings recorded too."""

    def __init__(self):
        super().__init__()
        self.sheets = _Sheets(self)
        self.sheets["Konsensus"]


class LiveBook(XlwingsSheetWriter):
    """Reads the master through openpyxl (the double holds no cells), writes through the real
    XlwingsSheetWriter into the double."""

    def __init__(self, wb, book):
        super().__init__(book)
        self._reader = OpenpyxlSheetWriter(wb)

    def sheet_names(self):
        return self._reader.sheet_names()

    def read_rows(self, sheet):
        return self._reader.read_rows(sheet)


def kind(entry) -> str:
    """``font.bold``, ``column_width``, ``Validation.ErrorTitle``, ``set_list`` ... of a log entry."""
    if entry[0] in ("call", "set"):
        path = entry[1].split("!", 1)[-1]
        parts = [p for p in path.replace("()", "").split(".")[1:] if p not in ("api",)]
        return ".".join(parts[-2:]) if parts and parts[0] in ("font", "Validation") else (parts[-1] if parts else path)
    return entry[0]


def count_button(demo_root: Path, work: Path, name: str) -> tuple[list, list[str]]:
    """Run button ``name`` on a copy of the demo round against the double: (log, skipped)."""
    root = work / name
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(demo_root, root)
    book = CountingBook()
    writer = LiveBook(openpyxl.load_workbook(root / MASTER_NAME, keep_vba=True), book)
    ctx = buttons.ButtonContext(root=root, writer=writer, lang="da", sheet_names=buttons.live_sheet_names(writer))
    assert getattr(buttons, name)(ctx)
    return book.log, writer.skipped


@pytest.fixture(scope="module")
def demo_round(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("live") / "demo"
    demo.run_demo(root, say=lambda _text: None)
    return root


@pytest.mark.parametrize("name", BUTTONS)
def test_a_button_stays_within_its_excel_call_budget(demo_round, tmp_path, name):
    log, skipped = count_button(demo_round, tmp_path, name)
    assert skipped == []
    assert len(log) <= BUDGET, Counter(kind(e) for e in log).most_common(10)


def test_merge_styles_its_sheets_per_style_not_per_row(demo_round, tmp_path):
    log, _ = count_button(demo_round, tmp_path, "do_merge")
    rows = [e for e in log if e[0] == "row_height"]
    assert rows and len({(e[1], e[3]) for e in rows}) == len(rows)  # one call per sheet and height
    bold = [e for e in log if e[0] == "set" and e[1].endswith(".font.bold")]
    assert bold and len(bold) <= 3 * 12  # a few styles per sheet


# ---------------------------------------------------------------- the grouping helpers
def _cells(address: str) -> set[tuple[int, int]]:
    out = set()
    for area in address.split(","):
        a, _, b = area.partition(":")
        (r0, c0), (r1, c1) = split_cell(a), split_cell(b or a)
        out |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    return out


def test_style_areas_style_exactly_the_same_cells():
    rng = random.Random(14)
    styles = [Style(), Style(bold=True), Style(fill="#FF0000", wrap=True), Style(number_format="0.0")]
    for _ in range(200):
        grid = {(r, c): rng.choice(styles) for r in range(1, rng.randint(2, 60)) for c in range(1, rng.randint(2, 12))
                if rng.random() < 0.8}
        runs = []  # horizontal runs, as content_from_worksheet makes them
        for (r, c), st in sorted(grid.items()):
            if runs and runs[-1][0] == r and runs[-1][2] == c - 1 and runs[-1][3] == st:
                runs[-1][2] = c
            else:
                runs.append([r, c, c, st])
        refs = [(f"{_ref(r, c0)}:{_ref(r, c1)}" if c1 > c0 else _ref(r, c0), st) for r, c0, c1, st in runs]
        got: dict[tuple[int, int], Style] = {}
        for address, st in style_areas(refs):
            assert len(address) <= MAX_ADDRESS
            for cell in _cells(address):
                assert cell not in got
                got[cell] = st
        assert got == grid
        assert len(style_areas(refs)) <= len(refs)


def _ref(r: int, c: int) -> str:
    return f"{chr(64 + c)}{r}"


def test_line_areas_and_join_areas():
    assert line_areas([5, 6, 7, 9, 3], str) == ["3:3,5:7,9:9"]
    assert line_areas([1, 2, 26, 27], lambda c: {1: "A", 2: "B", 26: "Z", 27: "AA"}[c]) == ["A:B,Z:AA"]
    many = join_areas([f"A{i}:B{i}" for i in range(1, 200, 2)])
    assert len(many) > 1 and all(len(a) <= MAX_ADDRESS for a in many)
    assert ",".join(many).split(",") == [f"A{i}:B{i}" for i in range(1, 200, 2)]


def test_merge_runs_merge_the_same_areas():
    refs = ["B36:C36", "B37:C37", "B38:C38", "B2:U2", "A5:B9", "B40:C40", "D36:E36", "D37:E37"]
    single, across = merge_runs(refs)
    areas = set(single)
    for ref in across:  # merged row by row
        a, b = ref.split(":")
        (r0, c0), (r1, c1) = split_cell(a), split_cell(b)
        areas |= {f"{_ref(r, c0)}:{_ref(r, c1)}" for r in range(r0, r1 + 1)}
    assert areas == set(refs) and len(single) + len(across) == 5


def test_the_live_writer_merges_rows_across_in_one_call(demo_round, tmp_path):
    log, _ = count_button(demo_round, tmp_path, "do_merge")
    across = [e for e in log if e[0] == "call" and e[1].endswith(".merge") and e[2] == (True,)]
    # the themes block on Konsensus and the notes above the Svarrapport table (one merge per row)
    assert {e[1].split("!")[0] for e in across} == {"Konsensus", "Svarrapport"}

