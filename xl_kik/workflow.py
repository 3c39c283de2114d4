"""Round-level workflows shared by the CLI and the Excel buttons (one core, two doors)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from .catalogue import Catalogue, Scale
from .round import DEFAULT_THRESHOLD, Participant, RoundPaths


def init_round(root: Path, *, unit: str, participants: Sequence[Participant], catalogue: Catalogue,
               scale: Scale, themes: Sequence[str] | None = None, deadline: dt.date | None = None,
               lang: str = "da", threshold: float | None = None, previous_root: Path | None = None) -> RoundPaths:
    """Create a round; with ``previous_root`` carry open actions and agreed scores over."""
    from . import master

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
        from . import actionplan

        actionplan.carry_over(previous_root, root)
    return paths


def generate_round(root: Path, lang: str | None = None) -> list[tuple[Participant, Path]]:
    """Write one scoring workbook per participant listed in the master."""
    from . import master, scoring

    setup, participants = master.load_round(root)
    paths = RoundPaths(Path(root))
    return scoring.write_scoring_workbooks(setup, participants, paths.outgoing)
