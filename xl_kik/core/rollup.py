"""The overview across many units' rounds, on plain data: theme scores and the gathering.

What a unit's master says is read by :func:`xl_kik.excel.rollup.read_unit`; the overview
workbook is written by :func:`xl_kik.excel.rollup.write_overview`; the step that reads many
masters and calls both is :mod:`xl_kik.steps.rollup`.

A theme score is the separately agreed theme score, else the mean of the agreed question
points, else — when nothing is agreed yet — the mean of the questions' medians of the
individual scores (basis ``median``; the writer marks such cells ``*``).

**Change, not ranking** (issue 13): the overview colours a unit's theme score by its change
against *that unit's own previous round* (:func:`trend`), never by its value across units.
The previous theme score is what the unit's master shows beside its theme score (Konsensus,
"Forrige runde": the previous round's separately agreed theme score, else the mean of its
agreed points; stored in the master by ``init --previous`` or ``merge --previous``).
A change counts when it is at least :data:`CHANGE_SHARE` of the scale's range
(:func:`change_points`: 10 points on 0-100, half of one of its 20-point bands; 0.5 on 0-5,
half a step), compared on the values as shown (one decimal). Smaller changes are "about the
same"; no previous score, or a score on the ``median`` basis (nothing agreed yet, so not
comparable with an agreed score), is not compared and gets no colour.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from xl_kik.core.i18n import Msg, pick
from xl_kik.core.problems import ERROR, WARNING, Problem, define
from xl_kik.core.round import RoundSetup
from xl_kik.core.values import to_number
from xl_kik.core.vocabulary import UNITS, seconds

M_MASTER_UNREADABLE = define(
    "M201", ERROR, ("Masterfilen kan ikke læses", "The master file cannot be read"),
    ("{file} kan ikke læses og er udeladt af overblikket: {reason}",
     "{file} cannot be read and is left out of the overview: {reason}"))
M_NO_SCORES = define(
    "M202", WARNING, ("Ingen point endnu", "No scores yet"),
    ("{unit} ({file}) har hverken aftalte point eller flettede besvarelser; enheden står uden point.",
     "{unit} ({file}) has neither agreed scores nor merged answers; the unit is shown without scores."))
M_DUPLICATE_MASTER = define(
    "M203", WARNING, ("Samme runde to gange", "Same round twice"),
    ("{file} er samme runde ({round_id}) som {first}; den er kun taget med én gang.",
     "{file} is the same round ({round_id}) as {first}; it is included only once."))

# basis of a theme score
THEME_AGREED, AGREED, MEDIAN, NONE = "theme_agreed", "agreed", "median", ""
# change against the unit's own previous round (:func:`trend`); "" = not compared
UP, DOWN, SAME = "up", "down", "same"
#: A theme score that moved by at least this share of the scale's range since the unit's own
#: previous round counts as changed (10 points on 0-100, 0.5 on 0-5).
CHANGE_SHARE = 0.1

SUMMARY = Msg("Overblikket over {units} er gemt i {out} ({duration}).",
              "The overview of {units} was saved to {out} ({duration}).")
SUMMARY_BAD = Msg("Masterfilerne fra {n} enheder kunne ikke læses:", "{n} master files could not be read:")
SUMMARY_BAD_ONE = Msg("Masterfilen fra 1 enhed kunne ikke læses:", "1 master file could not be read:")


# ---------------------------------------------------------------- data
@dataclass
class ThemeScore:
    theme: str
    label: str
    side: str
    score: float | None
    basis: str  # theme_agreed / agreed / median / ""
    n_agreed: int
    n_questions: int
    previous: float | None = None  # the unit's own previous round (Konsensus "Forrige runde")
    trend: str = ""  # up / down / same against ``previous`` (:func:`trend`); "" = not compared

    @property
    def change(self) -> float | None:
        """Score minus the previous round's, on the values as shown (one decimal); None when not compared."""
        if not self.trend or self.score is None or self.previous is None:
            return None
        return round(round(self.score, 1) - round(self.previous, 1), 1)


@dataclass
class UnitResult:
    file: Path
    unit: str
    round_id: str
    catalogue_id: str
    catalogue_version: str
    catalogue_name: str
    scale: str
    scale_min: int
    scale_max: int
    created: dt.date | None
    deadline: dt.date | None
    participants: int
    returned: int | None  # None = not merged yet
    themes: list[ThemeScore] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)  # qid, theme, text, agreed, suggested
    actions: list[dict[str, Any]] = field(default_factory=list)  # action-plan rows by key (+ overdue)
    open_actions: int = 0
    overdue_actions: int = 0
    all_themes: list[tuple[str, str, str]] = field(default_factory=list)  # full catalogue: (id, label, side)

    @property
    def group(self) -> tuple[str, str]:
        return (self.catalogue_id, self.scale)

    @property
    def response_rate(self) -> float | None:
        if self.returned is None or not self.participants:
            return None
        return self.returned / self.participants

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file), "unit": self.unit, "round_id": self.round_id, "catalogue": self.catalogue_id,
            "catalogue_version": self.catalogue_version, "scale": self.scale,
            "created": self.created.isoformat() if self.created else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "participants": self.participants, "returned": self.returned, "response_rate": self.response_rate,
            "open_actions": self.open_actions, "overdue_actions": self.overdue_actions,
            "themes": {t.theme: {"score": t.score, "basis": t.basis, "agreed": t.n_agreed, "questions": t.n_questions,
                                 "previous": t.previous, "trend": t.trend, "change": t.change}
                       for t in self.themes},
        }


@dataclass
class RollupResult:
    out: Path
    units: list[UnitResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    read_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def groups(self) -> dict[tuple[str, str], list[UnitResult]]:
        out: dict[tuple[str, str], list[UnitResult]] = {}
        for u in self.units:
            out.setdefault(u.group, []).append(u)
        return out

    @property
    def failed(self) -> list[Problem]:
        return [p for p in self.problems if p.code == M_MASTER_UNREADABLE.code]

    def summary(self, lang: str = "da") -> str:
        n = len(self.units)
        lines = [SUMMARY(lang, units=UNITS(lang, n=n), out=self.out, duration=seconds(self.seconds, lang))]
        if self.failed:
            bad = len(self.failed)
            lines.append(SUMMARY_BAD_ONE(lang) if bad == 1 else SUMMARY_BAD(lang, n=bad))
        lines += ["  " + p.describe(lang) for p in self.problems]
        return "\n".join(lines)

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {"out": str(self.out), "units": [u.as_dict() for u in self.units],
                "groups": {f"{c} {s}": len(us) for (c, s), us in self.groups.items()},
                "problems": [p.as_dict(lang) for p in self.problems],
                "seconds": round(self.seconds, 3), "read_seconds": round(self.read_seconds, 3),
                "write_seconds": round(self.write_seconds, 3)}


# ---------------------------------------------------------------- aggregation
def number(value: Any) -> float | None:
    """A number from a cell value (``"2,5"`` too) as a float; None for blanks, booleans and text
    (:func:`xl_kik.core.values.to_number`)."""
    found = to_number(value)
    return None if found is None else float(found)


def change_points(scale_min: float, scale_max: float, share: float = CHANGE_SHARE) -> float:
    """The smallest change of a theme score that counts (:data:`CHANGE_SHARE` of the range)."""
    return round(share * (scale_max - scale_min), 6)


def trend(score: float | None, previous: float | None, basis: str, scale_min: float, scale_max: float,
          share: float = CHANGE_SHARE) -> str:
    """:data:`UP`, :data:`DOWN` or :data:`SAME` for a theme score against the unit's own previous
    round's; ``""`` when there is nothing to compare (no score, no previous score, or the score
    is on the ``median`` basis). Compared on the values as shown, rounded to one decimal."""
    if score is None or previous is None or basis in (MEDIAN, NONE):
        return ""
    diff = round(round(score, 1) - round(previous, 1), 1)
    step = change_points(scale_min, scale_max, share)
    if diff >= step - 1e-9:
        return UP
    if diff <= -step + 1e-9:
        return DOWN
    return SAME


def previous_theme_scores(setup: RoundSetup, themes: Mapping[str, Any], questions: Mapping[str, Any]) -> dict[str, float]:
    """The previous round's theme scores as the unit's master shows them: ``themes``
    ``{theme id: score}`` where given, else the mean of the previous points ``questions``
    ``{qid: points}`` of the theme's questions (as merge computes them for the Konsensus sheet)."""
    out = {t: v for t, raw in themes.items() if (v := number(raw)) is not None}
    if not questions:
        return out
    for t in setup.catalogue.themes:
        if t.id not in out:
            values = [v for q in setup.catalogue.questions_of(t.id) if (v := number(questions.get(q.id))) is not None]
            if values:
                out[t.id] = statistics.fmean(values)
    return out


def theme_scores(setup: RoundSetup, agreed_points: Mapping[str, Any], theme_agreed: Mapping[str, Any],
                 suggested: Mapping[str, Any], previous: Mapping[str, float] | None = None
                 ) -> tuple[list[ThemeScore], list[dict[str, Any]]]:
    """The theme scores of one round and its questions' agreed and suggested points.

    ``agreed_points`` ``{qid: value}`` and ``theme_agreed`` ``{theme id: value}`` as typed on
    Konsensus (values off the scale do not count), ``suggested`` ``{qid: median}``,
    ``previous`` ``{theme id: score}`` of the unit's own previous round
    (:func:`previous_theme_scores`; each theme's :func:`trend` is set against it)."""
    lang = setup.lang
    lo, hi = setup.scale.min, setup.scale.max
    previous = previous or {}

    def valid(v: Any) -> float | None:
        n = number(v) if not isinstance(v, str) else None
        return n if n is not None and lo <= n <= hi else None

    sugg = {q: v for q, raw in suggested.items() if (v := number(raw)) is not None}
    themes, questions = [], []
    cat = setup.catalogue
    for t in cat.themes:
        theme_questions = cat.questions_of(t.id)
        qids = [q.id for q in theme_questions]
        agreed = {q: valid(agreed_points.get(q)) for q in qids}
        agreed_values = [v for v in agreed.values() if v is not None]
        medians = [sugg[q] for q in qids if q in sugg]
        separate = valid(theme_agreed.get(t.id))
        if separate is not None:
            score, basis = separate, THEME_AGREED
        elif agreed_values:
            score, basis = statistics.fmean(agreed_values), AGREED
        elif medians:
            score, basis = statistics.fmean(medians), MEDIAN
        else:
            score, basis = None, NONE
        before = previous.get(t.id)
        themes.append(ThemeScore(t.id, t.label(lang), t.side, score, basis, len(agreed_values), len(qids),
                                 previous=before, trend=trend(score, before, basis, lo, hi)))
        label = t.label(lang)
        for q in theme_questions:
            questions.append({"qid": q.id, "theme": label, "text": pick(q.text, lang),
                              "agreed": agreed[q.id], "suggested": sugg.get(q.id)})
    return themes, questions


def gather(out: Path, read: Iterable[UnitResult | Problem]) -> RollupResult:
    """The overview's content from what was read of each master (a unit, or the problem
    that kept it out): a round given twice counts once; units sorted by catalogue, scale,
    unit name and date."""
    result = RollupResult(out=out)
    seen: dict[str, Path] = {}
    for item in read:
        if isinstance(item, Problem):
            result.problems.append(item)
            continue
        if item.round_id in seen:
            result.problems.append(M_DUPLICATE_MASTER(file=str(item.file), round_id=item.round_id,
                                                      first=str(seen[item.round_id])))
            continue
        seen[item.round_id] = item.file
        if all(t.score is None for t in item.themes):
            result.problems.append(M_NO_SCORES(file=str(item.file), unit=item.unit))
        result.units.append(item)
    result.units.sort(key=lambda u: (u.catalogue_id, u.scale, u.unit.casefold(), u.created or dt.date.min))
    return result


def group_themes(units: Sequence[UnitResult]) -> list[tuple[str, str, str]]:
    """Themes of a group in catalogue order (the union; a round may cover only some themes)."""
    order: list[tuple[str, str, str]] = []
    seen = set()
    for u in units:
        for t in u.all_themes or [(x.theme, x.label, x.side) for x in u.themes]:
            if t[0] not in seen:
                seen.add(t[0])
                order.append(t)
    used = {t.theme for u in units for t in u.themes}
    return [t for t in order if t[0] in used]


__all__ = ["AGREED", "CHANGE_SHARE", "DOWN", "MEDIAN", "NONE", "SAME", "THEME_AGREED", "UP", "RollupResult",
           "ThemeScore", "UnitResult", "change_points", "gather", "group_themes", "number", "previous_theme_scores",
           "theme_scores", "trend"]
