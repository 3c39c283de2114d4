"""Documentation responsibility: who reads the documentation of which theme (pure).

KL's coordinator guide: each participant reads the documentation of one or two themes, and
every theme is covered seriously by at least :data:`MIN_READERS` people -- not only by one kind
of "expert" (theme 2 not only by finance staff, theme 1 not only by managers). The Deltagere
column *Temaer* lists a participant's themes ("1, 4"); :func:`coverage` counts the readers per
theme and :func:`warnings` says which themes are under-covered.

A round where nobody has themes has not used the feature: no warnings then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from xl_kik.core.i18n import Msg
from xl_kik.core.problems import WARNING, Problem, define
from xl_kik.core.vocabulary import PARTICIPANTS

MIN_READERS = 2

P_FEW_READERS = define(
    "P020", WARNING, ("Tema med for få læsere", "Theme with too few readers"),
    ("Temaet {theme} har {readers} til dokumentationen; mindst {k} bør læse den (kolonnen Temaer på arket "
     "Deltagere).",
     "The theme {theme} has {readers} for its documentation; at least {k} should read it (the Themes column "
     "on the Participants sheet)."))
P_ONE_ROLE = define(
    "P021", WARNING, ("Tema læses kun af én rolle", "Theme read by one role only"),
    ("Temaet {theme} læses kun af deltagere med rollen {role!r}; lad også en med en anden rolle læse "
     "dokumentationen.",
     "The theme {theme} is read only by participants with the role {role!r}; let someone with another role "
     "read the documentation too."))
P_UNKNOWN_THEME = define(
    "P022", WARNING, ("Ukendt tema hos en deltager", "Unknown theme for a participant"),
    ("{name} har temaet {theme!r}, som ikke er i runden; kendte temaer: {known}.",
     "{name} has the theme {theme!r}, which is not in the round; known themes: {known}."))

READERS = PARTICIPANTS


@dataclass
class ThemeCoverage:
    theme: str
    readers: list[str] = field(default_factory=list)  # participant ids
    roles: list[str] = field(default_factory=list)  # their roles (as typed), one per reader

    @property
    def one_role(self) -> str | None:
        """The single role every reader has, when they all have the same (non-empty) one."""
        kinds = {r.strip().casefold() for r in self.roles}
        return self.roles[0] if len(kinds) == 1 and self.roles and self.roles[0].strip() else None


def parse_themes(text: Any) -> list[str]:
    """``"1, 4"``, ``"1;4"``, ``"1 og 4"``, ``"tema 2"`` -> ``["1", "4"]`` (theme ids as typed, in order)."""
    out: list[str] = []
    for part in re.split(r"[,;/+]|\bog\b|\band\b", str(text or ""), flags=re.I):
        token = re.sub(r"^\s*(tema|theme)\s*", "", part.strip(), flags=re.I).strip().rstrip(".")
        if token and token not in out:
            out.append(token)
    return out


def coverage(participants: Sequence[Any], theme_ids: Sequence[str]) -> dict[str, ThemeCoverage]:
    """Readers per theme of the round (catalogue order); unknown themes are left out."""
    out = {t: ThemeCoverage(t) for t in theme_ids}
    for p in participants:
        for t in parse_themes(getattr(p, "themes", "")):
            if t in out and p.pid not in out[t].readers:
                out[t].readers.append(p.pid)
                out[t].roles.append(getattr(p, "role", "") or "")
    return out


def narrow_role(cov: ThemeCoverage, participants: Sequence[Any]) -> str | None:
    """The role a theme's readers all share, when it is a narrow one: at most half of the round
    has it (KL's guide: not only the managers, not only the finance staff). A theme read only by
    the employees of a unit, who are most of its participants, is not narrow."""
    role = cov.one_role
    if role is None:
        return None
    roles = [(getattr(p, "role", "") or "").strip().casefold() for p in participants]
    if len(set(roles) - {""}) < 2:
        return None  # a round with one role only says nothing about roles
    return role if 2 * roles.count(role.strip().casefold()) <= len(roles) else None


def in_use(participants: Sequence[Any]) -> bool:
    return any(parse_themes(getattr(p, "themes", "")) for p in participants)


def warnings(participants: Sequence[Any], themes: Sequence[Any], lang: str = "da", source: str = "",
             sheet: str = "") -> list[Problem]:
    """Under-covered themes (fewer than two readers; one role only) and unknown themes typed.
    ``themes``: the round's themes (``.id`` and ``.label(lang)``)."""
    if not in_use(participants):
        return []
    ids = [t.id for t in themes]
    label = {t.id: t.label(lang) for t in themes}
    problems = []
    for p in participants:
        for t in parse_themes(getattr(p, "themes", "")):
            if t not in label:
                problems.append(P_UNKNOWN_THEME(file=source, sheet=sheet, name=p.name, theme=t, known=", ".join(ids)))
    for t, cov in coverage(participants, ids).items():
        if len(cov.readers) < MIN_READERS:
            problems.append(P_FEW_READERS(file=source, sheet=sheet, theme=label[t], k=MIN_READERS,
                                          readers=READERS(lang, n=len(cov.readers))))
        elif narrow_role(cov, participants):
            problems.append(P_ONE_ROLE(file=source, sheet=sheet, theme=label[t], role=cov.one_role))
    return problems


COVERAGE_TITLE = Msg("Dokumentationsansvar pr. tema", "Documentation responsibility per theme")

__all__ = ["narrow_role", "COVERAGE_TITLE", "MIN_READERS", "P_FEW_READERS", "P_ONE_ROLE", "P_UNKNOWN_THEME", "ThemeCoverage",
           "coverage", "in_use", "parse_themes", "warnings"]
