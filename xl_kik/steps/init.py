"""``xl-kik init``: create a round folder and its master (optionally carrying a previous round over).

:func:`init_round` takes the objects (the Python API); :func:`init_from_options` takes what a
coordinator types (a participants file, ``"1,2,3"`` or ``"indsats"`` for the themes, ``"35%"``
for the threshold) and is what ``xl-kik init`` calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from xl_kik.core import catalogue as cat
from xl_kik.core import coverage
from xl_kik.core.catalogue import Catalogue, Scale
from xl_kik.core.i18n import Msg
from xl_kik.core.problems import Problem
from xl_kik.core.round import (DEFAULT_THRESHOLD, Participant, RoundPaths, duplicate_names, parse_date,
                                  parse_threshold)
from xl_kik.excel import master
from xl_kik.excel.catalogue_io import resolve
from xl_kik.excel.participants_io import read_participants
from xl_kik.steps.plan import carry_over

CREATED = Msg("Runden er oprettet: {path}", "The round was created: {path}")


def init_round(root: Path, *, unit: str, participants: Sequence[Participant], catalogue: Catalogue,
               scale: Scale, themes: Sequence[str] | None = None, deadline: dt.date | None = None,
               lang: str = "da", threshold: float | None = None, previous_root: Path | None = None) -> RoundPaths:
    """Create a round; with ``previous_root`` carry open actions and agreed scores over."""
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
        carry_over(previous_root, root)
    return paths


@dataclass
class InitResult:
    paths: RoundPaths
    participants: int
    warnings: list[Problem] = field(default_factory=list)  # e.g. two participants with the same name

    def summary(self, lang: str = "da") -> str:
        return "\n".join([CREATED(lang, path=self.paths.master)] + [p.describe(lang) for p in self.warnings])

    def as_dict(self, lang: str = "da") -> dict[str, object]:
        return {"master": str(self.paths.master), "participants": self.participants,
                "warnings": [p.as_dict(lang) for p in self.warnings]}


def select_themes(catalogue: Catalogue, themes: str | None) -> list[str] | None:
    """Theme ids from ``"1,2,3"`` / ``"1;2"``, or every theme of a side (``indsats`` / ``resultat``);
    None (all themes) when blank."""
    if themes in ("indsats", "resultat"):
        return [t.id for t in catalogue.themes if t.side == themes]
    return [t.strip() for t in (themes or "").replace(";", ",").split(",") if t.strip()] or None


def init_from_options(root: str | Path, *, unit: str, participants: str | Path, catalogue: str | Path = "kik",
                      themes: str | None = None, scale: str = "0-100", deadline: str | None = None,
                      lang: str = "da", threshold: str | None = None,
                      previous: str | Path | None = None) -> InitResult:
    """Create a round from the texts a coordinator gives (``xl-kik init``)."""
    chosen = resolve(catalogue, lang=lang or "da")
    people = read_participants(participants)
    paths = init_round(
        Path(root), unit=unit, participants=people, catalogue=chosen, scale=cat.scale(scale),
        themes=select_themes(chosen, themes), deadline=parse_date(deadline), lang=lang or "da",
        threshold=parse_threshold(threshold) if threshold else None,
        previous_root=Path(previous).expanduser().resolve() if previous else None,
    )
    picked = select_themes(chosen, themes)
    round_themes = [t for t in chosen.themes if not picked or t.id in picked]
    return InitResult(paths, len(people), duplicate_names(people, str(participants))
                      + coverage.warnings(people, round_themes, lang or "da", source=str(participants)))


__all__ = ["InitResult", "init_from_options", "init_round", "select_themes"]
