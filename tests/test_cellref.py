"""core/cellref: Excel's own spelling of column letters, and no second implementation anywhere.

The expected letters are Excel's (its column headers; XFD is the last of 16,384 columns),
written out by hand, not computed with the code under test.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

from xl_kik.core import cellref

EXCEL = [(1, "A"), (2, "B"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"), (702, "ZZ"),
         (703, "AAA"), (16384, "XFD")]


@pytest.mark.parametrize("number,letters", EXCEL)
def test_column_letter_is_excels_spelling(number, letters):
    assert cellref.column_letter(number) == letters


@pytest.mark.parametrize("number,letters", EXCEL)
def test_column_number_reads_excels_spelling(number, letters):
    assert cellref.column_number(letters) == number
    assert cellref.column_number(letters.lower()) == number
    assert cellref.column_number(letters.encode()) == number


def test_last_column():
    assert cellref.MAX_COLUMN == 16384 and cellref.column_letter(cellref.MAX_COLUMN) == "XFD"


@pytest.mark.parametrize("bad", [0, -1])
def test_column_letter_refuses_non_columns(bad):
    with pytest.raises(ValueError):
        cellref.column_letter(bad)


@pytest.mark.parametrize("bad", ["", "A1", "Æ", "1"])
def test_column_number_refuses_non_letters(bad):
    with pytest.raises(ValueError):
        cellref.column_number(bad)


@pytest.mark.parametrize("ref,pos", [("A1", (1, 1)), ("$B$3", (3, 2)), ("xfd1048576", (1048576, 16384)),
                                     ("AZ10", (10, 52))])
def test_split_cell(ref, pos):
    assert cellref.split_cell(ref) == pos


def test_cell_ref():
    assert cellref.cell_ref(3, 2) == "B3" and cellref.cell_ref(1, 703) == "AAA1"


ROOT = pathlib.Path(__file__).resolve().parents[1]


def _sources():
    for path in sorted((ROOT / "xl_kik").rglob("*.py")):
        if path.name != "cellref.py":
            yield path


def _spells_columns(tree: ast.AST) -> list[str]:
    """Places that spell or parse column letters themselves: ``divmod(x, 26)``, ``chr(65 + ...)``,
    ``* 26 + ... - 64`` and openpyxl's column helpers."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "divmod" and len(node.args) == 2:
            if isinstance(node.args[1], ast.Constant) and node.args[1].value == 26:
                found.append(f"divmod(..., 26) line {node.lineno}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            if isinstance(node.right, ast.Constant) and node.right.value == 26:
                found.append(f"* 26 line {node.lineno}")
        if isinstance(node, ast.ImportFrom) and node.module == "openpyxl.utils":
            names = {a.name for a in node.names} & {"get_column_letter", "column_index_from_string"}
            if names:
                found.append(f"openpyxl.utils {sorted(names)} line {node.lineno}")
        if isinstance(node, ast.Attribute) and node.attr in {"get_column_letter", "column_index_from_string"}:
            found.append(f"{node.attr} line {node.lineno}")
    return found


def test_one_column_letter_implementation():
    """Every module spells column letters through core/cellref (the AST check can fail: see below)."""
    offenders = {str(p.relative_to(ROOT)): hits for p in _sources()
                 if (hits := _spells_columns(ast.parse(p.read_text(encoding="utf-8"))))}
    assert offenders == {}


def test_the_check_finds_a_second_implementation():
    src = "def f(n):\n    n, r = divmod(n - 1, 26)\n    return chr(65 + r)\nfrom openpyxl.utils import get_column_letter\n"
    assert len(_spells_columns(ast.parse(src))) == 2
