"""Round-level workflows shared by the CLI and the Excel buttons (one core, two doors)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from xl_kik.core.catalogue import Catalogue, Scale
from xl_kik.core.round import DEFAULT_THRESHOLD, Participant, RoundPaths


def init_round(root: Path, *, unit: str, participants: Sequence[Participant], catalogue: Catalogue,
               scale: Scale, themes: Sequence[str] | None = None, deadline: dt.date | None = None,
               lang: str = "da", threshold: float | None = None, previous_root: Path | None = None) -> RoundPaths:
    """Create a round; with ``previous_root`` carry open actions and agreed scores over."""
    from xl_kik.excel import master

    previous_id = ""
    if previous_root is not None:
        previous_setup, _ = master.load_round(previous_root)
        previous_id = previous_setup.round_id
    paths = master.create_round(
        root, unit=unit, participants=list(participants), catalogue=catalogue, scale=scale, themes=themes,
        deadline=deadline, lang=lang, threshold=threshold if threshold is not None else DEFAULT_THRESHOLD,
        previous_round=previous_id,
    )
    if previous_root is not None:
        from xl_kik.steps import plan as actionplan

        actionplan.carry_over(previous_root, root)
    return paths


def generate_round(root: Path, lang: str | None = None) -> list[tuple[Participant, Path]]:
    """Write one scoring workbook per participant listed in the master.

    Rows the coordinator added to the participants table without an id get one, and it is
    written back into the master, so the participant keeps it (returned files are matched
    by id) even if rows are later inserted above.
    """
    from xl_kik.excel import master
    from xl_kik.excel import scoring
    from xl_kik.excel.masterfile import MasterFile, write_text

    data = master.read_master(root)
    paths = RoundPaths(Path(root))
    written = scoring.write_scoring_workbooks(data.setup, data.participants, paths.outgoing)
    if data.new_ids:
        with MasterFile.edit(paths, lang or data.setup.lang) as wb:
            for sheet, cell, pid in data.new_ids:
                write_text(wb[sheet], cell, pid)
    return written
