"""Small-group anonymity: what an anonymised output may show of one question (pure).

With anonymisation on (Opsætning "Anonym svarrapport"), a question answered by fewer than the
round's minimum group size (Opsætning "Mindste gruppe for fordeling", default
:data:`DEFAULT_MIN_GROUP`) has its *individual distribution* withheld in every output that
shows one: the points per participant (Svarrapport sheet and report), the distribution text,
lowest/highest, spread and standard deviation (Svarrapport, Konsensus, konsensusrapport). With
two answers and the median known, each of these gives away who answered what. The median
(the seminar's suggestion), the mean, the count and the disagreement flag stay.

This module is the one place that decides it: :func:`guard` returns the statistics every
anonymised renderer uses and the ids of the questions whose distribution is withheld; the
renderers say why on the sheet (:func:`withheld_note`) and state how "Deltager k" works
(:data:`LABELS_LINKED`). The rollup shows no individual answers (theme scores per unit only).

"Deltager k" is one person throughout a report: the number follows a keyed hash of the
participant id, so one person's texts can be read together across questions (needed to
understand a line of argument) -- said on the sheet, so nobody assumes the opposite.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from xl_kik.core.i18n import Msg
from xl_kik.core.stats import QuestionStats, RoundStats
from xl_kik.core.vocabulary import QUESTIONS

DEFAULT_MIN_GROUP = 3

WITHHELD = Msg("skjult (færre end {k} svar)", "hidden (fewer than {k} answers)")
NOTE = Msg("Anonymitet: fordelingen (point pr. deltager, laveste, højeste, spredning) vises ikke for {count} med "
           "færre end {k} svar, fordi man ellers kan se, hvem der svarede hvad: {qids}.",
           "Anonymity: the distribution (points per participant, lowest, highest, spread) is not shown for {count} "
           "with fewer than {k} answers, because otherwise one could tell who answered what: {qids}.")
LABELS_LINKED = Msg("'Deltager k' er den samme person i alle spørgsmål i denne rapport: én persons tekster kan "
                    "læses samlet på tværs af spørgsmål. Numrene følger ikke deltagerlisten.",
                    "'Participant k' is the same person in every question of this report: one person's texts can "
                    "be read together across questions. The numbers do not follow the participants list.")


def parse_min_group(value: Any) -> int:
    """A whole number >= 1 (``3``, ``"3"``, ``3.0``); ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ValueError(value)
    return int(text)


def min_group(setup: Any) -> int:
    value = getattr(setup, "min_group", DEFAULT_MIN_GROUP)
    return DEFAULT_MIN_GROUP if value is None else int(value)


def withholds(s: QuestionStats, anonymise: bool, k: int) -> bool:
    """Whether this question's individual distribution must not be shown."""
    return bool(anonymise) and 0 < s.n < k


def masked(s: QuestionStats) -> QuestionStats:
    """The statistics that may be shown: no distribution, lowest, highest, spread or deviation."""
    return dataclasses.replace(s, min=None, max=None, std=None, spread=None, spread_share=None, distribution={},
                               iqr=None, iqr_share=None)


def guard(stats: RoundStats, anonymise: bool, k: int) -> tuple[RoundStats, frozenset[str]]:
    """``(statistics to render, ids of the questions whose distribution is withheld)``."""
    hidden = frozenset(q for q, s in stats.questions.items() if withholds(s, anonymise, k))
    if not hidden:
        return stats, hidden
    questions = {q: masked(s) if q in hidden else s for q, s in stats.questions.items()}
    return dataclasses.replace(stats, questions=questions), hidden


def withheld_note(hidden: Any, k: int, lang: str = "da") -> str:
    """The sentence that says why (empty when nothing is withheld)."""
    qids = sorted(hidden, key=lambda q: [int(p) if p.isdigit() else p for p in q.split(".")])
    if not qids:
        return ""
    return NOTE(lang, count=QUESTIONS(lang, n=len(qids)), k=k, qids=", ".join(qids))


__all__ = ["DEFAULT_MIN_GROUP", "LABELS_LINKED", "WITHHELD", "guard", "masked", "min_group", "parse_min_group", "withheld_note",
           "withholds"]
