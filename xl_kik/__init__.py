"""xl_kik: self-evaluation with Den Kommunale Kvalitetsmodel (KIK/CAF) in Excel.

Run a round from Python, step by step (the same steps as ``xl-kik`` and the buttons)::

    import datetime as dt
    import xl_kik

    people = [xl_kik.Participant("", "Ida Holm", "ida@example.dk"), ...]
    xl_kik.init_round(root, unit="Børnehuset Solsikken", participants=people,
                      catalogue=xl_kik.load_catalogue("kik"), scale=xl_kik.scale("0-100"),
                      deadline=dt.date(2026, 12, 18))
    xl_kik.generate_round(root)          # udsendt/: one workbook per participant
    ...                                  # the returned files go into retur/
    xl_kik.merge_round(root)             # Status, Svarrapport, Konsensus
    xl_kik.build_plan(root)              # after the consensus seminar: Handleplan
    xl_kik.export_reports(root)          # rapporter/: svarrapport and konsensusrapport
    xl_kik.build_rollup([root, ...], "overblik.xlsx")

Errors a user can fix are :class:`KikInputError`, file problems :class:`KikFileError`;
``str(err)`` is the Danish (or English) message and ``err.problems`` lists the details.
Everything not listed in ``__all__`` is internal.
"""

import importlib
from typing import Any

from xl_kik._version import __version__
from xl_kik.core.catalogue import Band, Catalogue, Question, Scale, Theme, scale
from xl_kik.core.errors import (
    CatalogueError,
    KikError,
    KikFileError,
    KikInputError,
    MasterFormatError,
    MasterLockedError,
    ParticipantsError,
    RoundNotFoundError,
    SetupError,
)
from xl_kik.core.problems import Problem, ProblemType, Report
from xl_kik.core.round import Participant, RoundPaths, RoundSetup

#: The steps (and their errors) load on first use: ``import xl_kik`` stays light, because every
#: ``import xl_kik.<module>`` (a button's interpreter check, a reader process) runs this file.
_LAZY = {
    "load_catalogue": "xl_kik.steps.catalogue",
    "init_round": "xl_kik.steps.init",
    "generate_round": "xl_kik.steps.generate",
    "merge_round": "xl_kik.steps.merge",
    "build_plan": "xl_kik.steps.plan",
    "export_reports": "xl_kik.steps.report",
    "ReportError": "xl_kik.steps.report",
    "build_rollup": "xl_kik.steps.rollup",
    "RollupError": "xl_kik.steps.rollup",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xl_kik' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    # the types
    "Band",
    "Catalogue",
    "Participant",
    "Problem",
    "ProblemType",
    "Question",
    "Report",
    "RoundPaths",
    "RoundSetup",
    "Scale",
    "Theme",
    # the errors
    "CatalogueError",
    "KikError",
    "KikFileError",
    "KikInputError",
    "MasterFormatError",
    "MasterLockedError",
    "ParticipantsError",
    "ReportError",
    "RollupError",
    "RoundNotFoundError",
    "SetupError",
    # the steps of a round, in order
    "load_catalogue",
    "scale",
    "init_round",
    "generate_round",
    "merge_round",
    "build_plan",
    "export_reports",
    "build_rollup",
]
