"""The source compiles without a warning: an invalid escape such as ``"\\s"`` in a plain string is a
DeprecationWarning on Python 3.11 and a SyntaxWarning from 3.12, which a coordinator on a newer
Python would see when the module is first imported."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for folder in ("xl_kik", "tests", "benchmarks", "scripts") for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiles_without_a_warning(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
