"""The committed example masters in workbook_templates/ are up to date and valid.

Compared part by part (decompressed), not as raw bytes: zlib versions may compress the
same content differently. If this fails after a change to the master layout, the KIK
catalogue or the xlwings version, rebuild them: ``python scripts/build_templates.py``."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from xl_kik.excel import master

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_templates", ROOT / "scripts" / "build_templates.py")
build_templates = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_templates)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.mark.parametrize("lang", ["da", "en"])
def test_template_up_to_date(lang, tmp_path):
    committed = ROOT / "workbook_templates" / build_templates.template_name(lang)
    assert committed.exists(), "run: python scripts/build_templates.py"
    fresh = build_templates.build(lang, tmp_path / committed.name)
    old, new = parts(committed), parts(fresh)
    assert list(old) == list(new), "run: python scripts/build_templates.py"
    stale = [n for n in old if old[n] != new[n]]
    assert stale == [], f"out of date parts {stale}; run: python scripts/build_templates.py"


def test_build_is_reproducible(tmp_path):
    a = build_templates.build("da", tmp_path / "a.xlsm").read_bytes()
    b = build_templates.build("da", tmp_path / "b.xlsm").read_bytes()
    assert a == b


@pytest.mark.parametrize("lang", ["da", "en"])
def test_template_is_a_valid_master(lang):
    path = ROOT / "workbook_templates" / build_templates.template_name(lang)
    assert master.verify_master(path) == []
    data = master.read_master(path)
    assert data.setup.lang == lang and len(data.participants) == 5
    assert data.sheet_names["setup"] == master.SHEET_NAMES[lang]["setup"]
