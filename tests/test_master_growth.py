"""The master grows gently (issue 14): merging and planning again does not add cell formats.

openpyxl wrote the master's duplicate cell formats again on every save, and every merge added
new duplicates (+16 per merge of the demo round): after a season of button clicks Excel's
limit of 64,000 formats, and a slower load on every click. ``MasterFile.edit`` keeps each
format its cells use, once (``masterfile.used_cell_styles_only``).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_kik.core.round import MASTER_NAME
from xl_kik.demo import round as demo
from xl_kik.excel.masterfile import MasterFile
from xl_kik.steps.merge import merge_round
from xl_kik.steps.plan import build_plan


def cell_formats(master: Path) -> int:
    styles = zipfile.ZipFile(master).read("xl/styles.xml").decode("utf-8")
    return int(re.search(r'<cellXfs count="(\d+)"', styles).group(1))


def looks(master: Path) -> dict:
    """What every cell looks like (font, fill, number format, alignment, border)."""
    wb = openpyxl.load_workbook(master, keep_vba=True)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                out[(ws.title, c.coordinate)] = (
                    c.font.b, c.font.i, c.font.color.rgb if c.font.color is not None else None, c.fill.fill_type,
                    c.fill.fgColor.rgb, c.number_format, c.alignment.wrap_text, c.alignment.vertical,
                    c.alignment.horizontal, c.border.left.style, c.border.bottom.style, c.protection.locked)
    return out


@pytest.fixture(scope="module")
def demo_round(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("growth") / "demo"
    demo.run_demo(root, say=lambda _text: None)
    return root


def test_merging_and_planning_again_adds_no_cell_formats(demo_round, tmp_path):
    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    merge_round(root)
    build_plan(root)
    merge_round(root)
    settled = cell_formats(root / MASTER_NAME)
    for _ in range(3):
        merge_round(root)
        build_plan(root)
    assert cell_formats(root / MASTER_NAME) <= settled


def test_saving_only_the_used_formats_changes_no_cell(demo_round, tmp_path):
    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    for _ in range(2):
        merge_round(root)
    before = looks(root / MASTER_NAME)
    with MasterFile.edit(root):
        pass  # load, save with the formats the cells use
    assert looks(root / MASTER_NAME) == before
    styles = zipfile.ZipFile(root / MASTER_NAME).read("xl/styles.xml").decode("utf-8")
    xfs = re.findall(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.search(r"<cellXfs.*?</cellXfs>", styles, re.S).group(0), re.S)
    assert len(xfs) == len(set(xfs))  # no format twice
