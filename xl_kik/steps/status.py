"""``xl-kik status``: who has returned, who is missing, which files cannot be used.

The master is only read. :func:`read_returns` is the one reader of the ``retur/`` folder
that merge and the reports use too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from xl_kik.core.i18n import Msg
from xl_kik.core.returns import Collection, ReturnResult
from xl_kik.excel.reader import collect_returns
from xl_kik.core.round import Participant, RoundPaths, RoundSetup
from xl_kik.core.vocabulary import LIST_LIMIT
from xl_kik.excel import master, pool
from xl_kik.excel.sheets.status import overview_lines, status_rows, superseded_items

RETURNED = Msg("Afleveret:", "Returned:")
RETURNED_LINE = Msg("  {name}: {file} ({answered} af {total} besvaret)", "  {name}: {file} ({answered} of {total} answered)")
MORE = Msg("  ... og {n} til (alle med -v eller --json)", "  ... and {n} more (all with -v or --json)")


def _workers(n_files: int) -> int | None:
    """How many processes read the returns (this one and helpers, ``excel/reader._read_shared``):
    the reading pool's rule (:func:`xl_kik.excel.pool.workers`) from 200 files."""
    return pool.workers(n_files, 200)


def read_returns(root: str | Path, setup: RoundSetup, participants: Sequence[Participant], lang: str,
                 meanwhile: Callable[[], None] | None = None) -> Collection:
    """Every returned file in the round's ``retur/`` folder, read and validated. ``meanwhile()``: work
    for this process while reading helpers read (``excel/reader.collect_returns``)."""
    paths = RoundPaths(Path(root))
    try:
        n_files = sum(1 for _ in os.scandir(paths.returns))
    except OSError:
        n_files = 0
    return collect_returns(paths.returns, setup, participants, lang=lang, workers=_workers(n_files),
                           meanwhile=meanwhile)


@dataclass
class StatusResult:
    setup: RoundSetup
    participants: list[Participant]
    collection: Collection
    unusable: list[ReturnResult] = field(default_factory=list)

    def data(self, lang: str = "da") -> dict[str, Any]:
        """What the Status sheet would show after a merge (:func:`sheets.status.status_rows`)."""
        return status_rows(self.setup, self.participants, self.collection, lang)

    def summary(self, lang: str = "da", limit: int | None = LIST_LIMIT) -> str:
        """Everything the merge would use and ignore: who returned, who is missing (an empty
        questionnaire said so), unusable files, older versions and copies."""
        data = self.data(lang)
        col = self.collection
        labels = data["labels"]
        nq = len(self.setup.question_ids)
        returned = [RETURNED_LINE(lang, name=labels.get(pid, r.name), file=r.file.name, answered=r.answered, total=nq)
                    for pid, r in col.responses.items()]
        lines = overview_lines(data, lang, limit)[:1]
        if returned:
            lines.append(RETURNED(lang))
            lines += returned if limit is None else returned[:limit]
            if limit is not None and len(returned) > limit:
                lines.append(MORE(lang, n=len(returned) - limit))
        lines += overview_lines(data, lang, limit)[1:]
        return "\n".join(lines)

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        col = self.collection
        return {
            "returned": [{"id": pid, "name": r.name, "file": r.file.name, "answered": r.answered}
                         for pid, r in col.responses.items()],
            "missing": [{"id": p.pid, "name": p.name, "email": p.email,
                         **({"empty_file": e.path.name} if (e := col.empty_return(p.pid)) else {})}
                        for p in col.missing],
            "superseded": [{"file": old, "used_instead": used} for old, used in superseded_items(col)],
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
