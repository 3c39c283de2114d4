"""The seminar agenda: in which order the group should take the questions, and for how long (pure).

Order (KL's coordinator guide: spend the seminar where the group is not yet agreed):

1. questions flagged for **disagreement** (largest :attr:`~xl_kik.core.stats.QuestionStats.measure_share`
   first),
2. then **unanswered** ones: at least half of those who returned said "ved ikke" (or nobody answered),
3. then **text-heavy** ones: at least :data:`TEXT_HEAVY_FACTOR` times the round's median number of
   texts per question (and at least 2),
4. then the rest, in catalogue order.

Themes are kept together where possible: a theme is taken as a block, the themes ordered by their
most urgent question (then catalogue order), the questions inside a theme by the order above.

Minutes: the seminar's length (Opsætning, default :data:`DEFAULT_HOURS`, one working day) is shared
out by weight -- 1 for every question, +2 for disagreement plus the measure share, +1 when
unanswered, +1 when text-heavy -- whole minutes (largest remainders) that add up to the length,
at least one minute each.
"""

from __future__ import annotations

import math
import operator
import statistics
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from xl_kik.core.stats import QuestionStats

DEFAULT_HOURS = 7.4  # one working day (37 hours a week)
TEXT_HEAVY_FACTOR = 1.5
REASONS = ("disagreement", "unanswered", "texts")


@dataclass(frozen=True)
class Item:
    qid: str
    theme: str
    reasons: tuple[str, ...]  # a subset of REASONS, in that order
    weight: float
    minutes: int


def _blank_share(s: QuestionStats) -> float:
    return 1.0 if s.N == 0 else (s.N - s.n) / s.N


def reasons_of(s: QuestionStats, texts: int, heavy_from: float) -> tuple[str, ...]:
    out = []
    if s.disagreement:
        out.append("disagreement")
    if s.n == 0 or _blank_share(s) >= 0.5:
        out.append("unanswered")
    if texts >= heavy_from:
        out.append("texts")
    return tuple(out)


def _tier(reasons: Sequence[str]) -> int:
    return next((i for i, r in enumerate(REASONS) if r in reasons), len(REASONS))


def heavy_threshold(texts: Mapping[str, int]) -> float:
    """From how many texts a question counts as text-heavy."""
    counts = [c for c in texts.values()]
    base = statistics.median(counts) if counts else 0
    return max(2.0, TEXT_HEAVY_FACTOR * base)


def share_minutes(weights: Sequence[float], total: int) -> list[int]:
    """Whole minutes proportional to ``weights`` that add up to ``total`` (at least 1 each when
    ``total`` allows; largest remainders get the spare minutes, ties in the given order)."""
    n = len(weights)
    if n == 0:
        return []
    if total < n:
        return [1] * n
    spare = total - n  # one minute each first
    wsum = sum(weights) or n
    raw = [spare * w / wsum for w in weights]
    base = [math.floor(x) for x in raw]
    left = spare - sum(base)
    order = sorted(range(n), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:left]:
        base[i] += 1
    return [b + 1 for b in base]


def text_counts(responses: Mapping[str, Any], qids: Any) -> dict[str, int]:
    """Number of texts (strengths, improvement areas, ideas) per question over the returns."""
    out = {q: 0 for q in qids}
    for resp in responses.values():
        for q, a in (getattr(resp, "answers", {}) or {}).items():
            if q in out:
                try:
                    texts = _TEXTS(a)  # one call for the three fields (26,000 answers in a merge of 1,000)
                except AttributeError:
                    texts = tuple(getattr(a, k, "") for k in _TEXT_NAMES)
                n = 0
                for text in texts:
                    # white space only is no text (isspace: no stripped copy of every text)
                    if text and (not text.isspace() if type(text) is str else str(text).strip()):
                        n += 1
                if n:
                    out[q] += n
    return out


_TEXT_NAMES = ("strengths", "improvements", "ideas")  # an answer's texts (core/returns.Answer)
_TEXTS = operator.attrgetter(*_TEXT_NAMES)


def build(questions: Mapping[str, QuestionStats], theme_order: Sequence[str], texts: Mapping[str, int],
          total_minutes: int) -> list[Item]:
    """The agenda for ``questions`` (catalogue order), ``texts`` = number of texts per question."""
    heavy_from = heavy_threshold({q: texts.get(q, 0) for q in questions})
    position = {q: i for i, q in enumerate(questions)}
    info = {}
    for q, s in questions.items():
        reasons = reasons_of(s, texts.get(q, 0), heavy_from)
        measure = s.measure_share or 0.0
        weight = 1.0 + (2.0 + measure if "disagreement" in reasons else 0.0) + ("unanswered" in reasons) + \
            ("texts" in reasons)
        key = (_tier(reasons), -measure if "disagreement" in reasons else 0.0, -_blank_share(s), -texts.get(q, 0),
               position[q])
        info[q] = (reasons, weight, key)
    themes: dict[str, list[str]] = {}
    for q, s in questions.items():
        themes.setdefault(s.theme, []).append(q)
    theme_pos = {t: i for i, t in enumerate(theme_order)}
    for t in themes:
        themes[t].sort(key=lambda q: info[q][2])
    ordered_themes = sorted(themes, key=lambda t: (info[themes[t][0]][2][:2], theme_pos.get(t, len(theme_pos))))
    order = [q for t in ordered_themes for q in themes[t]]
    minutes = share_minutes([info[q][1] for q in order], total_minutes)
    return [Item(qid=q, theme=questions[q].theme, reasons=info[q][0], weight=info[q][1], minutes=m)
            for q, m in zip(order, minutes)]


def parse_hours(value: Any) -> float:
    """The seminar's length in hours: ``7,4``, ``"7.5"``, ``6``; ``ValueError`` unless 0.5-24."""
    if isinstance(value, bool):
        raise ValueError(value)
    text = str(value).strip().replace(",", ".")
    hours = float(text)
    if not math.isfinite(hours) or not 0.5 <= hours <= 24:
        raise ValueError(value)
    return hours


__all__ = ["DEFAULT_HOURS", "Item", "REASONS", "TEXT_HEAVY_FACTOR", "build", "heavy_threshold", "parse_hours",
           "reasons_of", "share_minutes", "text_counts"]
