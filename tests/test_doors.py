"""The doors only parse, call one step and report (issue 9).

Read from the sources (AST): every ``cmd_*`` of ``xl_kik/cli.py`` and every ``do_*`` of
``xl_kik/buttons.py`` calls functions of exactly one step module of ``xl_kik.steps`` (the
plan command calls the plan step's build or its follow-up; doctor its check or its fix).
That the doors import nothing of ``xl_kik.excel`` or ``xl_kik.demo`` is ``tests/test_layers.py``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import xl_kik

PACKAGE = Path(xl_kik.__file__).parent
#: buttons that are not a step of a round: they only open a folder in the file manager
NOT_A_STEP = {"do_open_returns"}


def _step_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the steps module it comes from (``from xl_kik.steps import merge`` and
    ``from xl_kik.steps.merge import merge_into``)."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
            # ``a, b = (Step(name) for name in ("a", "b"))``: the lazily loaded steps of cli
            gen = node.value
            if (isinstance(gen, ast.GeneratorExp) and isinstance(gen.elt, ast.Call)
                    and isinstance(gen.elt.func, ast.Name) and gen.elt.func.id == "Step"):
                locals_ = [t.id for t in node.targets[0].elts]
                loaded = [c.value for c in gen.generators[0].iter.elts]
                assert locals_ == loaded, "each lazily loaded step is bound to its own name"
                names.update({local: f"xl_kik.steps.{local}" for local in locals_})
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module == "xl_kik.steps":
                    names[local] = f"xl_kik.steps.{alias.name}"
                elif node.module.startswith("xl_kik.steps."):
                    names[local] = node.module
    return names


def _steps_called(fn: ast.FunctionDef, steps: dict[str, str]) -> set[str]:
    out = set()
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in steps:
            out.add(steps[f.value.id])
        elif isinstance(f, ast.Name) and f.id in steps:
            out.add(steps[f.id])
    return out


def _door_functions(module: str, prefix: str) -> list[tuple[str, set[str]]]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text("utf-8"))
    steps = _step_names(tree)
    return [(node.name, _steps_called(node, steps)) for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith(prefix)]


CLI = _door_functions("cli", "cmd_")
BUTTONS = _door_functions("buttons", "do_")


def test_every_command_and_button_is_found():
    assert {n for n, _ in CLI} >= {"cmd_init", "cmd_generate", "cmd_invite", "cmd_status", "cmd_collect",
                                    "cmd_merge", "cmd_plan", "cmd_report", "cmd_rollup", "cmd_refresh_vba",
                                    "cmd_doctor", "cmd_demo", "cmd_catalogue"}
    assert {n for n, _ in BUTTONS} == {"do_generate", "do_merge", "do_plan", "do_open_returns", "do_doctor"}


@pytest.mark.parametrize("name,called", CLI + BUTTONS, ids=[n for n, _ in CLI + BUTTONS])
def test_a_door_calls_one_step(name, called):
    if name in NOT_A_STEP:
        assert called == set()
    else:
        assert len(called) == 1, f"{name} calls {sorted(called) or 'no step'}"


def test_the_parse_finds_a_step_call():
    tree = ast.parse("from xl_kik.steps import merge\nfrom xl_kik.steps.plan import plan_into\n"
                     "def cmd_x(a):\n    merge.merge_round(a)\n    plan_into(a)\n")
    steps = _step_names(tree)
    fn = tree.body[-1]
    assert _steps_called(fn, steps) == {"xl_kik.steps.merge", "xl_kik.steps.plan"}


def test_the_parse_finds_a_lazily_loaded_step_call():
    tree = ast.parse("from xl_kik.steps import Step\nmerge, plan = (Step(n) for n in ('merge', 'plan'))\n"
                     "def cmd_x(a):\n    plan.build_plan(a)\n")
    assert _steps_called(tree.body[-1], _step_names(tree)) == {"xl_kik.steps.plan"}


def test_a_command_loads_only_its_own_step():
    """``xl-kik merge`` never imports the e-mail, report or rollup steps (nor pandas)."""

    code = ("import json, sys; from xl_kik import cli; cli.merge.merge_round; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('xl_kik.steps.', 'pandas')))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert "xl_kik.steps.merge" in loaded
    assert not {"xl_kik.steps.invite", "xl_kik.steps.collect", "xl_kik.steps.report", "xl_kik.steps.rollup",
                "xl_kik.steps.demo", "xl_kik.steps.generate", "xl_kik.steps.init", "pandas"} & loaded


def test_the_commands_table_uses_these_functions():
    from xl_kik import cli

    assert {f.__name__ for f in cli.COMMANDS.values()} == {n for n, _ in CLI}


@pytest.mark.parametrize("command", ["merge", "plan"])
def test_a_click_loads_no_library_it_does_not_use(command):
    """A button's merge or plan never imports pandas, numpy (openpyxl loads without it,
    excel/__init__), XlsxWriter or the e-mail, report and rollup steps; numpy still imports
    afterwards, and openpyxl still writes numbers."""
    code = (f"import json, sys; from xl_kik import cli; cli.{command}.__name__; "
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', 'xlsxwriter') "
            "or m in ('xl_kik.steps.invite', 'xl_kik.steps.report', 'xl_kik.steps.rollup', 'xl_kik.steps.collect')); "
            "import numpy, openpyxl; ws = openpyxl.Workbook().active; ws['A1'] = 1.5; ws['A2'] = 3; "
            "print(json.dumps([loaded, ws['A1'].value + ws['A2'].value]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded, total = json.loads(out)
    assert loaded == [] and total == 4.5



def test_plan_loads_no_returns_reader_and_merge_no_process_pool(tmp_path):
    """The doors learn a round's language from ``xl_kik.steps.round_lang`` (the master, read
    with calamine), not from the status step: ``xl-kik plan`` never imports the reader of
    returned files; a merge loads multiprocessing only when it starts a reading pool, and not
    the plan step (one step per command)."""
    code = ("import json, sys; from xl_kik import cli; cli.round_lang(sys.argv[1]); cli.{step}.__name__; "
            "print(json.dumps(sorted(m for m in sys.modules if m in ('xl_kik.excel.reader', 'xl_kik.excel.intake', "
            "'xl_kik.steps.status', 'xl_kik.steps.plan', 'multiprocessing', 'concurrent.futures.process'))))")
    loaded = {step: json.loads(subprocess.run([sys.executable, "-c", code.format(step=step), str(tmp_path)],
                                              capture_output=True, text=True, check=True).stdout)
              for step in ("plan", "merge")}
    assert loaded["plan"] == ["xl_kik.steps.plan"]
    assert loaded["merge"] == ["xl_kik.excel.intake", "xl_kik.excel.reader", "xl_kik.steps.status"]  # no plan step


def test_generate_loads_no_openpyxl_when_it_writes_nothing_back(tmp_path):
    """Writing the questionnaires needs no openpyxl (issue 14, goal 7: ~0.1 s of a generate): the
    write-back into the master and the resends (``steps/resend``) load only when there is a cell
    to write (``tests/test_resend.py`` writes them). Nor does it load the VBA project writer
    (``excel/vba`` loads its modules on first use)."""
    from xl_kik.core import catalogue
    from xl_kik.core.round import Participant
    from xl_kik.excel import master

    people = [Participant("D01", "Ida", "ida@example.dk"), Participant("D02", "Bo", "bo@example.dk")]
    paths = master.create_round(tmp_path / "r", unit="Enhed", participants=people,
                                catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"))
    code = ("import json, sys; from xl_kik import cli; written = cli.generate.generate_round(sys.argv[1]); "
            "print(json.dumps([len(written), sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl' "
            "or m in ('xl_kik.excel.masterfile', 'xl_kik.steps.resend', 'xl_kik.steps.status', "
            "'xl_kik.excel.vba.project', 'xl_kik.excel.vba.ovba'))[:3]]))")
    run = lambda: json.loads(subprocess.run([sys.executable, "-c", code, str(paths.root)], capture_output=True,  # noqa: E731
                                            text=True, check=True).stdout)
    assert run() == [2, []]
    assert len(list(paths.outgoing.glob("*.xlsx"))) == 2
