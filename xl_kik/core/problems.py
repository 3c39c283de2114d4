"""Problems and reports: every validation collects *all* problems lazily (pandera style).

A :class:`ProblemType` has a stable code, a severity, a title and a message template in
Danish and English. Modules define the types they raise next to their code with
:func:`define`; :func:`all_types` lists every type (used by docs and a test that keeps
codes unique and stable).

A :class:`Problem` is one occurrence: the type plus where (file, sheet, cell) and the
template parameters. Messages are written for spreadsheet users (pyxform style): they
name the file, the sheet and the cell.

Code prefixes: ``C`` catalogue, ``P`` participants, ``S`` setup/master, ``F`` a returned
file as a file, ``R`` a returned file's content, ``A`` action plan, ``M`` mail.
"""

from __future__ import annotations

import functools
import importlib
import string
from dataclasses import dataclass, field
from typing import Any, Iterable

from xl_kik.core.i18n import Msg

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

_REGISTRY: dict[str, "ProblemType"] = {}

# Modules that define problem types; all_types() imports them so the registry is complete
# (tests/test_problems.py checks this list against every ``define("...")`` in the sources).
# Imported by name, at call time: this core module does not depend on the layers above it.
DEFINING_MODULES = (
    "xl_kik.core.catalogue",
    "xl_kik.core.round",
    "xl_kik.core.coverage",
    "xl_kik.excel.master",
    "xl_kik.excel.intake",
    "xl_kik.core.returns",
    "xl_kik.core.actionplan",
    "xl_kik.core.rollup",
    "xl_kik.excel.reports",
    "xl_kik.excel.sheets.konsensus_previous",
    "xl_kik.steps.invite",
)


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: str
    title: Msg
    template: Msg

    def __call__(self, file: str = "", sheet: str = "", cell: str = "", **params: Any) -> "Problem":
        return Problem(self, file=file, sheet=sheet, cell=cell, params=params)


def define(code: str, severity: str, title: tuple[str, str], template: tuple[str, str]) -> ProblemType:
    """Define (register) a problem type. ``title``/``template`` are ``(danish, english)``."""
    if severity not in SEVERITIES:
        raise ValueError(f"bad severity {severity!r}")
    existing = _REGISTRY.get(code)
    ptype = ProblemType(code, severity, Msg(*title), Msg(*template))
    if existing is not None and existing != ptype:
        raise ValueError(f"problem code {code} defined twice with different content")
    _REGISTRY[code] = ptype
    return ptype


def all_types() -> dict[str, ProblemType]:
    """Every defined problem type, by code (imports every module of :data:`DEFINING_MODULES`;
    a missing one raises :class:`ModuleNotFoundError`)."""
    for name in DEFINING_MODULES:
        importlib.import_module(name)
    return dict(sorted(_REGISTRY.items()))


_WHERE = {
    "da": ("fil", "ark", "celle"),
    "en": ("file", "sheet", "cell"),
}


@dataclass(frozen=True)
class Problem:
    type: ProblemType
    file: str = ""
    sheet: str = ""
    cell: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.type.code

    @property
    def severity(self) -> str:
        return self.type.severity

    @property
    def is_error(self) -> bool:
        return self.type.severity == ERROR

    def title(self, lang: str = "da") -> str:
        return self.type.title(lang)

    def message(self, lang: str = "da") -> str:
        return self._message(lang)[0]

    def _message(self, lang: str) -> tuple[str, frozenset[str]]:
        """The message, and which of file, sheet and cell it names itself (its template's
        placeholders; none when a parameter is missing and the template is shown as written)."""
        params = {"file": self.file, "sheet": self.sheet, "cell": self.cell, **self.params}
        try:
            return self.type.template(lang, **params), _located(self.type.template.text(lang))
        except (KeyError, IndexError):  # a missing parameter must never crash reporting
            return self.type.template.text(lang), frozenset()

    def where(self, lang: str = "da", named: frozenset[str] = frozenset()) -> str:
        """``fil x.xlsx, ark Evaluering, celle E7``, without what ``named`` says the message names."""
        names = _WHERE.get(lang, _WHERE["da"])
        parts = [f"{n} {v}" for n, key, v in zip(names, _LOCATION, (self.file, self.sheet, self.cell))
                 if v and key not in named]
        return ", ".join(parts)

    def describe(self, lang: str = "da") -> str:
        """One line: ``[C001] message (fil k.xlsx, ark Spørgsmål, celle A3)``; what the message
        names itself (``I filen {file}, ark {sheet}, celle {cell} ...``) is not said again."""
        message, named = self._message(lang)
        where = self.where(lang, named)
        return f"[{self.code}] {message}" + (f" ({where})" if where else "")

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title(lang),
            "message": self.message(lang),
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
        }


_LOCATION = ("file", "sheet", "cell")


@functools.lru_cache(maxsize=None)
def _located(template: str) -> frozenset[str]:
    """Which of file, sheet and cell a template has placeholders for."""
    return frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f in _LOCATION)


@dataclass
class Report:
    """All problems found in one input (a file, a catalogue, a participants list)."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> Problem:
        self.problems.append(problem)
        return problem

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def describe(self, lang: str = "da") -> str:
        return "\n".join(p.describe(lang) for p in self.problems)
