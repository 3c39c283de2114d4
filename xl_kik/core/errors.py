"""Exception tree (modelled on XlsxWriter's): input errors a user can fix vs file errors.

``KikError``
    ``KikInputError`` — the content is wrong: catalogue, participants list, master setup,
    command-line arguments. Carries the full list of problems when there are several.
        ``CatalogueError``, ``ParticipantsError``, ``SetupError``
    ``KikFileError`` — a file cannot be found, read or written (locked by Excel, missing
    round directory, not a master workbook).
        ``RoundNotFoundError``, ``MasterLockedError``, ``MasterFormatError``

Each error's ``str()`` is the user-facing message in the language it was raised with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from xl_kik.core.problems import Problem


class KikError(Exception):
    """Base class of every error xl_kik raises on purpose."""

    def __init__(self, message: "str | Callable[[str], str]", problems: "Sequence[Problem]" = (),
                 lang: str = "da"):
        """``message``: the text, or a function of the language (``lambda lang: MSG(lang, ...)``)
        so the door can show it in the language the coordinator chose."""
        self.localized = message if callable(message) else None
        text = message(lang) if callable(message) else message
        super().__init__(text)
        self.message = text
        self.problems = list(problems)
        self.lang = lang

    def details(self, lang: str | None = None) -> str:
        """The message followed by one line per problem (both in ``lang`` if given)."""
        lines = [self.localized(lang) if self.localized is not None and lang else self.message]
        lines += ["  - " + p.describe(lang or self.lang) for p in self.problems]
        return "\n".join(lines)


class KikInputError(KikError):
    """Input a person can correct (catalogue, participants, setup, arguments)."""


class CatalogueError(KikInputError):
    """The question catalogue is invalid."""


class ParticipantsError(KikInputError):
    """The participants list is invalid."""


class SetupError(KikInputError):
    """The master workbook's setup or arguments are invalid."""


class KikFileError(KikError):
    """A file or folder cannot be found, read or written."""


class RoundNotFoundError(KikFileError):
    """The folder is not an xl_kik round (no master workbook)."""


class MasterLockedError(KikFileError):
    """The master workbook is open in another program and cannot be replaced."""


class MasterFormatError(KikFileError):
    """The master workbook is not one xl_kik made or it is damaged."""
