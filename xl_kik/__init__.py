"""xl_kik: self-evaluation with Den Kommunale Kvalitetsmodel (KIK/CAF) in Excel."""

from ._version import __version__
from .catalogue import Band, Catalogue, Question, Scale, Theme
from .errors import (
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
from .problems import Problem, ProblemType, Report
from .round import Participant, RoundPaths, RoundSetup

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
