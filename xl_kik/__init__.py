"""xl_kik: self-evaluation with Den Kommunale Kvalitetsmodel (KIK/CAF) in Excel."""

from xl_kik._version import __version__
from xl_kik.core.catalogue import Band, Catalogue, Question, Scale, Theme
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

__all__ = [
    "__version__",
    "Band",
    "Catalogue",
    "CatalogueError",
    "KikError",
    "KikFileError",
    "KikInputError",
    "MasterFormatError",
    "MasterLockedError",
    "Participant",
    "ParticipantsError",
    "Problem",
    "ProblemType",
    "Report",
    "RoundNotFoundError",
    "RoundPaths",
    "RoundSetup",
    "Question",
    "Scale",
    "SetupError",
    "Theme",
]
