"""The Danish coordinator guide covers what a coordinator needs and names only real commands."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from xl_kik import cli

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "vejledning-tovholder.md"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser("da")
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_guide_covers_install_round_trust_click_failures_libreoffice_mac():
    text = GUIDE.read_text("utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == ["1. Installer (én gang pr. computer)", "2. Opret en runde", "3. Stol på filen (makroer)",
                        "4. Klik", "5. Når noget går galt", "6. LibreOffice", "7. Mac", "8. Mapper og stier"]
    for needed in ("installer.cmd", "%LOCALAPPDATA%\\xl_kik\\venv", "py -m pip install --user xl_kik-",
                   "ikke** (endnu) på det offentlige pakkeindeks", "Fjern blokering", "Aktivér indhold",
                   "Python blev ikke fundet", "xl_kik.log", "xl-kik doctor --fix",
                   "xlwings runpython install", "efter hver opgradering af xlwings", "~/Library/Python/3.X/bin",
                   "export PATH=", "python3 -m xl_kik", "stien til `kik_master.xlsm`"):
        assert needed in text, needed
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "(docs/vejledning-tovholder.md)" in readme


def test_guide_names_only_commands_and_options_that_exist():
    subs = _subcommands()
    text = GUIDE.read_text("utf-8")
    used = re.findall(r"xl-kik ([a-z][a-z-]+)((?: [^`\n|]*)?)", text)
    assert {name for name, _rest in used} >= {"init", "generate", "merge", "plan", "doctor", "refresh-vba", "report"}
    for name, rest in used:
        assert name in subs, name
        options = {o for a in subs[name]._actions for o in a.option_strings}
        for opt in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest):
            assert opt in options, (name, opt)
    # the buttons by their exact captions
    for caption in ("1. Lav spørgeskemaer", "2. Åbn returmappen", "3. Flet besvarelser", "4. Lav handleplan",
                    "Tjek opsætningen"):
        assert f"**{caption}**" in text, caption


def test_the_start_sheet_guide_matches_the_coordinators_guide(tmp_path):
    """The short guide on Start names the steps and buttons of docs/vejledning-tovholder.md and
    points to it."""
    from python_calamine import CalamineWorkbook

    from xl_kik.core import catalogue, vocabulary
    from xl_kik.core.round import Participant
    from xl_kik.excel import master

    guide = (Path(__file__).resolve().parents[1] / "docs" / "vejledning-tovholder.md").read_text("utf-8")
    master.create_round(tmp_path, unit="U", participants=[Participant("D01", "Ida", "ida@x.dk")],
                        catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"))
    start = CalamineWorkbook.from_path(str(tmp_path / "kik_master.xlsm")).get_sheet_by_name("Start").to_python()
    text = "\n".join(str(c) for row in start for c in row if c)
    assert "Vejledning for tovholdere" in text and "Vejledning for tovholdere" in guide
    for macro, caption in vocabulary.BUTTONS.items():
        assert caption("da") in guide, caption("da")  # every button is explained in the guide
        if macro != "KikOpenReturns":
            assert f"'{caption('da')}'" in text, caption("da")  # and named on Start
    assert "masterfilen" in text and "projektmappen" not in text
