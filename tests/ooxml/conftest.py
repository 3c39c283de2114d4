"""Fixtures of the OOXML checks: the SDK validator, and the master in every state.

``states`` builds each state of a round once per session (LibreOffice saves included) and
keeps a copy of the master after each step, so the validator tests, the repair tests and
doctor all read the same files instead of driving LibreOffice again.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sdk  # noqa: E402  (tests/ooxml/sdk.py)

from xl_kik.core import catalogue  # noqa: E402
from xl_kik.core.round import Participant, RoundPaths  # noqa: E402
from xl_kik.demo import simulate  # noqa: E402
from xl_kik.demo.plan import demo_fill_plan  # noqa: E402
from xl_kik.excel.sheets.konsensus import FIRST_ROW, L  # noqa: E402
from xl_kik.steps import merge  # noqa: E402
from xl_kik.steps.plan import build_plan  # noqa: E402
from xl_kik.steps.generate import generate_round  # noqa: E402
from xl_kik.steps.init import init_round  # noqa: E402

VBA_XLSM = "Calc MS Excel 2007 VBA XML"


def _required() -> bool:
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or os.environ.get("XL_KIK_REQUIRE_LO", "").strip() == "1"


@pytest.fixture(scope="session")
def validator():
    """The SDK validator module (tests/ooxml/sdk.py) once its program is there: missing, the
    tests fail in CI (CI / XL_KIK_REQUIRE_LO=1) and are skipped elsewhere."""
    reason = sdk.unavailable_reason()
    if reason:
        if _required():
            pytest.fail(f"The Open XML SDK validator is required here: {reason}", pytrace=False)
        pytest.skip(reason)
    return sdk


def _keep(states: dict, key: str, root: Path, store: Path) -> Path:
    dest = store / f"{key}.xlsm"
    shutil.copy2(RoundPaths(root).master, dest)
    states[key] = dest
    return dest


def _copy_round(src: Path, dest: Path, master: Path | None = None) -> Path:
    shutil.copytree(src, dest)
    if master is not None:
        shutil.copy2(master, RoundPaths(dest).master)
    return dest


def _type_konsensus(doc, master: Path) -> None:
    """The coordinator types agreed points and two improvement areas on Konsensus."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(master)).get_sheet_by_name("Konsensus").to_python(skip_empty_area=False)
    qrows = [i + 1 for i, r in enumerate(rows) if i + 1 >= FIRST_ROW and r and isinstance(r[0], str)
             and r[0][:1].isdigit()]
    entries = [(f"{L['agreed_points']}{qrows[0]}", "60"),
               (f"{L['agreed_improvements']}{qrows[0]}", "Bedre overlevering\nFaste møder"),
               (f"{L['to_plan']}{qrows[0]}", "Ja"),
               (f"{L['agreed_points']}{qrows[1]}", "75")]
    doc.type_cells("Konsensus", entries)


@pytest.fixture(scope="session")
def states(libreoffice, tmp_path_factory):
    """key -> copy of the master after that step (and "_root_*" round folders, "return_lo")."""
    base = tmp_path_factory.mktemp("ooxml_states")
    store = base / "masters"
    store.mkdir()
    states: dict[str, Path] = {}
    root = base / "runde"
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Anna Ærø", "Bo Bøg", "Carl Cé"])]
    init_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
               scale=catalogue.scale("0-100"))
    _keep(states, "init", root, store)
    rng = random.Random(7)
    generated = generate_round(root)
    _keep(states, "generate", root, store)
    for _participant, path in generated:
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        simulate.fill_workbook(path, RoundPaths(root).returns / path.name, simulate.random_answers(layout, rng))
    merge.merge_round(root)
    merged = _keep(states, "merge", root, store)
    states["_root_merged"] = root

    # the path without LibreOffice: seminar typed (as Excel would keep it), plan, filled, rebuilt
    plain = _copy_round(root, base / "plain")
    from xl_kik.excel.sheets import konsensus as sheets_konsensus

    sheets_konsensus.demo_seminar(plain, random.Random(3))
    _keep(states, "seminar", plain, store)
    build_plan(plain)
    _keep(states, "plan", plain, store)
    demo_fill_plan(plain)
    _keep(states, "plan_filled", plain, store)
    build_plan(plain)
    _keep(states, "plan_rebuilt", plain, store)
    states["_root_plain"] = plain

    # LibreOffice: the seminar typed in Calc and saved (1st save) ...
    lo = _copy_round(root, base / "lo", merged)
    with libreoffice.open(RoundPaths(lo).master) as doc:
        _type_konsensus(doc, RoundPaths(lo).master)
        doc.save_as(RoundPaths(lo).master, VBA_XLSM)
    lo1 = shutil.copy2(RoundPaths(lo).master, store / "lo_saved_once.xlsm")
    states["lo_saved_once"] = Path(lo1)
    # ... then merge, plan, the plan typed in Calc (2nd save), plan again
    merge.merge_round(lo)
    _keep(states, "lo1_merge", lo, store)
    build_plan(lo)
    _keep(states, "lo1_plan", lo, store)
    with libreoffice.open(RoundPaths(lo).master) as doc:
        doc.save_as(RoundPaths(lo).master, VBA_XLSM)
    states["lo1_plan_lo_saved"] = Path(shutil.copy2(RoundPaths(lo).master, store / "lo1_plan_lo_saved.xlsm"))
    build_plan(lo)
    _keep(states, "lo1_plan_rebuilt", lo, store)
    states["_root_lo"] = lo

    # two LibreOffice saves in a row, then the next merge
    lo2 = _copy_round(root, base / "lo2", states["lo_saved_once"])
    with libreoffice.open(RoundPaths(lo2).master) as doc:
        doc.save_as(RoundPaths(lo2).master, VBA_XLSM)
    states["lo_saved_twice"] = Path(shutil.copy2(RoundPaths(lo2).master, store / "lo_saved_twice.xlsm"))
    merge.merge_round(lo2)
    _keep(states, "lo2_merge", lo2, store)
    states["_root_lo2"] = lo2

    # a participant's return saved by LibreOffice
    sent = generated[0][1]
    with libreoffice.open(sent) as doc:
        states["return_lo"] = doc.save_as_xlsx(base / "return_lo.xlsx")
    return states
