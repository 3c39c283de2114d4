"""Shared helpers to make round setups and scoring workbooks in tests.

Other test modules may import these to get a real scoring workbook::

    from scoring_fixtures import kik_setup, make_scoring_workbook
    path = make_scoring_workbook(tmp_path)             # KIK catalogue, 0-100, participant D01
    path = make_scoring_workbook(tmp_path, participant=Participant("D02", "Bo"))

``fixed_setup()`` uses a small inline catalogue and scale so its output never changes when
the shipped catalogue data is edited (the golden-file test depends on it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from xl_kik.core import catalogue
from xl_kik.core.catalogue import Band, Scale
from xl_kik.core.round import Participant, RoundSetup

FIXED_DATE = dt.date(2026, 3, 2)
FIXED_DEADLINE = dt.date(2026, 4, 15)
FIXED_SECRET = "00112233445566778899aabbccddeeff"
FIXED_ROUND = "KIK-20260302-abc123"

FIXED_CATALOGUE_DATA = {
    "id": "test-kik",
    "version": "1",
    "name": {"da": "Testkatalog", "en": "Test catalogue"},
    "themes": [
        {"id": "1", "side": "indsats", "name": {"da": "Ledelse", "en": "Leadership"}},
        {"id": "5", "side": "resultat", "name": {"da": "Brugerresultater", "en": "User results"}},
    ],
    "questions": [
        {"id": "1.1", "theme": "1",
         "text": {"da": "Hvordan sætter ledelsen retning, mål og værdier?",
                  "en": "How does management set direction, goals and values?"},
         "examples": {"da": ["Mål er kendt af alle", "Værdier bruges i hverdagen"],
                      "en": ["Goals are known by everyone", "Values are used every day"]}},
        {"id": "1.2", "theme": "1",
         "text": {"da": "Hvordan bliver politiske mål til planer & opfølgning?",
                  "en": "How are political goals turned into plans & follow-up?"},
         "examples": {"da": ["Handleplaner <med> ansvarlige"]}},
        {"id": "5.1", "theme": "5",
         "text": {"da": "Hvad viser brugernes egne vurderinger?", "en": "What do users' own assessments show?"},
         "examples": {}},
    ],
}


def fixed_scale() -> Scale:
    """A 0-100 scale with the CAF classical bands (independent of ``scales.json``)."""
    rows = [
        (0, 10, 0, "Intet er planlagt eller gjort", "Der måles ingen resultater"),
        (11, 30, 1, "Det er planlagt", "Målene nås ikke, eller udviklingen er negativ"),
        (31, 50, 2, "Planlagt og gennemført", "Nogle mål nås, eller udviklingen er flad"),
        (51, 70, 3, "…og fulgt op", "De fleste mål nås"),
        (71, 90, 4, "…og forbedret på den baggrund", "Alle mål nås"),
        (91, 100, 5, "Systematisk og løbende forbedring", "Fremragende, bedre end andre"),
    ]
    bands = tuple(Band(lo, hi, lvl, {"da": i, "en": "enabler " + i}, {"da": r, "en": "result " + r})
                  for lo, hi, lvl, i, r in rows)
    return Scale("0-100", 0, 100, {"da": "0-100 point", "en": "0-100 points"}, bands)


def fixed_setup(lang: str = "da", **changes) -> RoundSetup:
    """A fully deterministic setup (inline catalogue and scale, fixed dates and secret)."""
    kw = dict(round_id=FIXED_ROUND, unit="Børnehuset Solsikken & Co", catalogue=catalogue.from_data(FIXED_CATALOGUE_DATA),
              scale=fixed_scale(), lang=lang, deadline=FIXED_DEADLINE, created=FIXED_DATE, secret=FIXED_SECRET)
    kw.update(changes)
    return RoundSetup(**kw)


def kik_setup(scale_id: str = "0-100", lang: str = "da", themes: Sequence[str] | None = None, **changes) -> RoundSetup:
    """A setup with the shipped KIK catalogue and scale (fixed dates and secret)."""
    kw = dict(round_id=FIXED_ROUND, unit="Ældreplejen Nord", catalogue=catalogue.builtin("kik").subset(themes),
              scale=catalogue.scale(scale_id), lang=lang, deadline=FIXED_DEADLINE, created=FIXED_DATE,
              secret=FIXED_SECRET)
    kw.update(changes)
    return RoundSetup(**kw)


def participants(n: int = 3) -> list[Participant]:
    names = ["Ida Ørsted", "Bo Ærø", "Åse Nielsen", "Mads Jensen", "Fatima Ali"]
    return [Participant(f"D{i + 1:02d}", names[i % len(names)] + ("" if i < len(names) else f" {i}"),
                        f"p{i + 1}@example.dk") for i in range(n)]


def make_scoring_workbook(folder: Path, setup: RoundSetup | None = None,
                          participant: Participant | None = None) -> Path:
    """Write one participant's scoring workbook into ``folder`` and return its path."""
    from xl_kik.excel.scoring import write_scoring_workbooks

    setup = setup or kik_setup()
    participant = participant or Participant("D01", "Ida Ørsted", "ida@example.dk")
    [(_, path)] = write_scoring_workbooks(setup, [participant], Path(folder))
    return path
