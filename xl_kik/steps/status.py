"""``xl-kik status``: who has returned, who is missing, which files cannot be used.

The master is only read. :func:`read_returns` is the one reader of the ``retur/`` folder
that merge and the reports use too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from xl_kik.core.i18n import Msg
from xl_kik.core.returns import Collection, ReturnResult
from xl_kik.excel.reader import collect_returns
from xl_kik.core.round import Participant, RoundPaths, RoundSetup
from xl_kik.excel import master

STATUS_LINE = Msg("{returned} af {total} har afleveret; {missing} mangler.",
                  "{returned} of {total} have returned; {missing} missing.")
STATUS_MISSING = Msg("Mangler: {names}", "Missing: {names}")
STATUS_PROBLEMS = Msg("Filer med fejl (ikke brugt):", "Files with errors (not used):")


def _workers(n_files: int) -> int | None:
    """Process pool for reading only with many files *and* at least 4 cores: measured on
    2 cores, a pool of 2 was not faster than one process (see benchmarks/bench_merge.py).
    ``XL_KIK_WORKERS`` overrides."""
    env = os.environ.get("XL_KIK_WORKERS", "").strip()
    if env.isdigit():
        return int(env) if int(env) > 1 else None
    cores = os.cpu_count() or 1
    if n_files < 200 or cores < 4:
        return None
    return min(4, cores)


def read_returns(root: str | Path, setup: RoundSetup, participants: Sequence[Participant], lang: str) -> Collection:
    """Every returned file in the round's ``retur/`` folder, read and validated."""
    paths = RoundPaths(Path(root))
    try:
        n_files = sum(1 for _ in os.scandir(paths.returns))
    except OSError:
        n_files = 0
    return collect_returns(paths.returns, setup, participants, lang=lang, workers=_workers(n_files))


@dataclass
class StatusResult:
    setup: RoundSetup
    participants: list[Participant]
    collection: Collection
    unusable: list[ReturnResult] = field(default_factory=list)

    def summary(self, lang: str = "da") -> str:
        col = self.collection
        lines = [STATUS_LINE(lang, returned=len(col.responses), total=len(self.participants),
                             missing=len(col.missing))]
        for resp in col.responses.values():
            lines.append(f"  {resp.name}: {resp.file.name} ({resp.answered}/{len(self.setup.question_ids)})")
        if col.missing:
            lines.append(STATUS_MISSING(lang, names=", ".join(p.name for p in col.missing)))
        if self.unusable:
            lines.append(STATUS_PROBLEMS(lang))
            lines += [f"  {r.path.name}: {r.report.errors[0].describe(lang)}" for r in self.unusable]
        return "\n".join(lines)

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        col = self.collection
        return {
            "returned": [{"id": pid, "name": r.name, "file": r.file.name, "answered": r.answered}
                         for pid, r in col.responses.items()],
            "missing": [{"id": p.pid, "name": p.name, "email": p.email} for p in col.missing],
            "unusable": [{"file": r.path.name, "problems": [p.as_dict(lang) for p in r.report.errors]}
                         for r in self.unusable],
        }


def round_status(root: str | Path, lang: str = "da") -> StatusResult:
    """Read the master and the returned files; change nothing."""
    setup, participants = master.load_round(Path(root))
    col = read_returns(root, setup, participants, lang)
    bad = [r for r in col.results if not r.accepted and r.report.errors]
    return StatusResult(setup, list(participants), col, bad)


__all__ = ["StatusResult", "read_returns", "round_status"]
