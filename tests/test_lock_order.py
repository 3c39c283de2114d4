"""Every writing step takes the round lock *before* it reads the master's setup: a second writer
(a button, another terminal) cannot change the setup between the reading and the writing.

The master's reader is wrapped to record whether this thread holds the round lock at each read.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import openpyxl
import pytest

from xl_kik.core import catalogue
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.demo import simulate
from xl_kik.excel import atomic, master
from xl_kik.steps import generate, merge, plan


@pytest.fixture(scope="module")
def returned_round(tmp_path_factory) -> Path:
    """A round where one of three participants has returned, merged once (so plan has a Konsensus)."""
    root = tmp_path_factory.mktemp("lock") / "runde"
    people = [Participant("", n, f"p{i}@example.dk") for i, n in enumerate(["Anna", "Bo", "Carl"])]
    master.create_round(root, unit="Solsikken", participants=people, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"))
    anna = generate.generate_round(root)[0][1]
    layout = simulate.read_layout(openpyxl.load_workbook(anna))
    simulate.fill_workbook(anna, RoundPaths(root).returns / anna.name,
                           simulate.random_answers(layout, random.Random(4), blank_share=0))
    merge.merge_round(root)
    return root


@pytest.fixture()
def reads(monkeypatch):
    """(folder, holds the lock) of every read of a master, in order."""
    seen: list[tuple[str, bool]] = []
    real = master.read_master

    def recording(root_or_master, *args, **kwargs):
        p = Path(root_or_master)
        folder = p.parent if p.suffix.lower() == ".xlsm" else p
        seen.append((folder.name, atomic.holds_lock(folder)))
        return real(root_or_master, *args, **kwargs)

    monkeypatch.setattr(master, "read_master", recording)
    monkeypatch.setattr(merge, "read_master", recording)
    return seen


def _copy(src: Path, tmp_path: Path, name: str = "runde") -> Path:
    shutil.copytree(src, tmp_path / name)
    return tmp_path / name


STEPS = {
    "merge": lambda root: merge.merge_round(root),
    "plan": lambda root: plan.build_plan(root),
    "generate": lambda root: generate.generate_round(root),
    "generate --resend": lambda root: generate.resend(root, "D01"),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_writing_steps_read_the_setup_under_the_lock(returned_round, tmp_path, reads, step):
    root = _copy(returned_round, tmp_path)
    STEPS[step](root)
    mine = [held for folder, held in reads if folder == root.name]
    assert mine and all(mine), reads


def test_init_previous_reads_the_new_rounds_setup_under_its_lock(returned_round, tmp_path, reads):
    """init --previous: the old round is only read; the new round's setup is read under its lock."""
    from xl_kik.steps import init

    old = _copy(returned_round, tmp_path, "gammel")
    new = tmp_path / "ny"
    init.init_round(new, unit="Solsikken", participants=[Participant("", "Anna")], catalogue=catalogue.builtin("kik"),
                    scale=catalogue.scale("0-100"), previous_root=old)
    mine = [held for folder, held in reads if folder == "ny"]
    assert mine and all(mine), reads
