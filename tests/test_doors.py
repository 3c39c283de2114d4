"""The doors only parse, call one step and report (issue 9).

Read from the sources (AST): every ``cmd_*`` of ``xl_kik/cli.py`` and every ``do_*`` of
``xl_kik/buttons.py`` calls functions of exactly one step module of ``xl_kik.steps`` (the
plan command calls the plan step's build or its follow-up; doctor its check or its fix).
That the doors import nothing of ``xl_kik.excel`` or ``xl_kik.demo`` is ``tests/test_layers.py``.
"""

from __future__ import annotations

import ast
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


def test_the_commands_table_uses_these_functions():
    from xl_kik import cli

    assert {f.__name__ for f in cli.COMMANDS.values()} == {n for n, _ in CLI}
