"""Per-question statistics and disagreement (pure: plain data in, plain data out).

Input is a points table: for every participant who *returned* a usable file, the points
given per question id (``int`` or ``None`` = blank = "ved ikke"). Blanks are ignored by
every statistic; ``n`` says how many answered and ``N`` how many returned.

Definitions (also shown to users in the sheets):

* ``mean``, ``median``, ``min``, ``max`` over the answered values; ``None`` when ``n == 0``.
* ``std``: the *sample* standard deviation (divisor ``n - 1``, like Excel's ``STDEV.S``);
  ``None`` when ``n < 2`` because one answer has no spread to estimate.
* ``spread = max - min`` (``None`` when ``n == 0``; ``0`` for one answer) and
  ``spread_share = spread / (scale.max - scale.min)``.
* ``iqr``: the interquartile range, the width of the middle half of the answers (Q3 - Q1 with
  Excel's QUARTILE.INC, i.e. linear interpolation between order statistics); ``None`` when
  ``n < 4``, where a middle half is not defined.
* ``disagreement`` depends on the round's rule (:data:`RULES`), both against the round's
  threshold (a share of the scale):
  - ``"iqr"`` (default): the middle half of the answers spans at least ``threshold`` of the
    scale; with fewer than 4 answers, the difference between highest and lowest. This means
    the same for 5 and for 300 people: ordinary spread does not grow into disagreement with
    the group size, while a group split in two camps is flagged at every size
    (tests/test_stats.py simulates both).
  - ``"range"``: highest minus lowest is at least ``threshold`` of the scale (the classic
    rule; with many participants one outlier is enough, so almost everything is flagged).
* ``measure`` / ``measure_share``: what the rule compares with the threshold (the IQR, or
  highest minus lowest); the sheets' "Spredning (kvartilafstand)" columns show it, so the
  column and the flag always agree.
* ``distribution``: value -> count, ascending by value.
* ``suggested``: the median rounded half up to a whole number (points are whole numbers);
  ``band`` is the scale band of ``suggested``.

Theme scores are the mean of the theme's question values: the agreed points from the
consensus seminar when given (``source="agreed"``), otherwise the question medians
(``source="median"``); blanks are ignored and ``n of N`` says how many questions counted.
"""

from __future__ import annotations

import math
import statistics
import sys
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

if TYPE_CHECKING:
    import pandas as pd

from xl_kik.core.i18n import Msg
from xl_kik.core.catalogue import Band, Catalogue, Scale

# A tiny tolerance so that e.g. 35 / 100 >= 0.35 regardless of float rounding.
_EPS = 1e-9
RULES = ("iqr", "range")
DEFAULT_RULE = "iqr"
IQR_MIN_ANSWERS = 4  # below this the rule "iqr" uses highest minus lowest
#: How a rule is written on the setup sheet (the first of each is what xl_kik writes).
RULE_TEXTS: dict[str, Msg] = {
    "iqr": Msg("midterste halvdel", "middle half"),
    "range": Msg("højeste minus laveste", "highest minus lowest"),
}
#: What each rule measures, named in the header of the column that shows it (Svarrapport,
#: Konsensus): the column shows the number the flag is decided on (:attr:`QuestionStats.measure`).
MEASURE_NAMES: dict[str, Msg] = {
    "iqr": Msg("kvartilafstand", "interquartile range"),
    "range": Msg("højeste − laveste", "highest − lowest"),
}
SPREAD_HEADER = Msg("Spredning ({measure})", "Spread ({measure})")
_RULE_ALIASES = {"iqr": "iqr", "kvartilafstand": "iqr", "interquartile range": "iqr",
                 "range": "range", "max-min": "range", "max - min": "range", "maks-min": "range"}


def parse_rule(value: Any) -> str:
    """The rule from what the setup sheet holds (blank: the default); ValueError otherwise."""
    text = " ".join(str(value or "").split()).lower()
    if not text:
        return DEFAULT_RULE
    for rule, msg in RULE_TEXTS.items():
        if text in (msg.da.lower(), msg.en.lower()):
            return rule
    if text in _RULE_ALIASES:
        return _RULE_ALIASES[text]
    raise ValueError(text)

N_OF_N = Msg("{n} af {N}", "{n} of {N}")
THEME_FORMULA = {
    "agreed": Msg("Temascore = gennemsnit af aftalte point for spørgsmål {qids} (tomme tæller ikke med)",
                  "Theme score = mean of the agreed points of questions {qids} (blanks are ignored)"),
    "median": Msg("Temascore = gennemsnit af medianerne for spørgsmål {qids} (tomme tæller ikke med)",
                  "Theme score = mean of the medians of questions {qids} (blanks are ignored)"),
}


def round_half_up(x: float | None) -> int | None:
    """Whole number, halves rounded up (45.5 -> 46); Python's round() would give banker's rounding."""
    if x is None:
        return None
    return int(math.floor(x + 0.5))


def point_value(value: Any) -> int | None:
    """A point value as int, or None for blank / not a whole number (already validated upstream)."""
    if type(value) is int:  # the common case (a bool is no int here: its type is bool)
        return value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        value = float(value)
        return int(value) if math.isfinite(value) and value.is_integer() else None
    return None


@dataclass(frozen=True)
class QuestionStats:
    qid: str
    theme: str
    side: str
    n: int  # answered (not blank)
    N: int  # participants who returned a usable file
    mean: float | None
    median: float | None
    min: int | None
    max: int | None
    std: float | None  # sample standard deviation (n - 1); None when n < 2
    spread: int | None
    spread_share: float | None
    disagreement: bool
    distribution: dict[int, int] = field(default_factory=dict)
    suggested: int | None = None  # median rounded half up
    band: Band | None = None  # band of ``suggested``
    iqr: float | None = None  # interquartile range; None when n < 4
    iqr_share: float | None = None  # iqr / (scale.max - scale.min)
    rule: str = DEFAULT_RULE

    @property
    def measure(self) -> float | None:
        """The spread in points that the disagreement rule uses: the interquartile range for
        ``"iqr"`` (highest minus lowest with fewer than :data:`IQR_MIN_ANSWERS` answers),
        highest minus lowest for ``"range"``; ``None`` without answers."""
        if self.rule == "iqr" and self.iqr is not None:
            return self.iqr
        return self.spread

    @property
    def measure_share(self) -> float | None:
        """The share of the scale that the disagreement rule compares with the threshold."""
        if self.rule == "iqr" and self.iqr_share is not None:
            return self.iqr_share
        return self.spread_share

    def n_of_N(self, lang: str = "da") -> str:
        return N_OF_N(lang, n=self.n, N=self.N)

    def distribution_text(self) -> str:
        """``"40: 2, 60: 1"`` (value: count)."""
        return ", ".join(f"{v}: {c}" for v, c in self.distribution.items())


@dataclass(frozen=True)
class ThemeStats:
    theme: str
    side: str
    label: str
    qids: tuple[str, ...]
    n: int  # questions with a value
    N: int  # questions in the theme
    score: float | None
    source: str  # "agreed" or "median"
    formula: str

    def n_of_N(self, lang: str = "da") -> str:
        return N_OF_N(lang, n=self.n, N=self.N)


@dataclass(frozen=True)
class RoundStats:
    questions: dict[str, QuestionStats]  # catalogue order
    themes: dict[str, ThemeStats]  # catalogue order
    N: int
    threshold: float
    scale: Scale

    def by_disagreement(self) -> list[QuestionStats]:
        """Questions with the largest spread first (ties and unanswered keep catalogue order)."""
        order = {q: i for i, q in enumerate(self.questions)}

        def key(s: QuestionStats) -> tuple:
            m = s.measure_share
            return (-(m if m is not None else -1), -(s.spread_share if s.spread_share is not None else -1),
                    order[s.qid])

        return sorted(self.questions.values(), key=key)

    @property
    def flagged(self) -> list[str]:
        return [q for q, s in self.questions.items() if s.disagreement]

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd  # lazy: pandas only for exports, never on the path of a merge

        rows = []
        for s in self.questions.values():
            rows.append({"qid": s.qid, "theme": s.theme, "side": s.side, "n": s.n, "N": s.N, "mean": s.mean,
                         "median": s.median, "min": s.min, "max": s.max, "std": s.std, "spread": s.spread,
                         "spread_share": s.spread_share, "disagreement": s.disagreement,
                         "suggested": s.suggested})
        return pd.DataFrame(rows).set_index("qid") if rows else pd.DataFrame()


# ---------------------------------------------------------------- tables
def points_columns(points: Mapping[str, Mapping[str, Any]], qids: Sequence[str]) -> dict[str, list[int]]:
    """``{qid: [points of the participants who answered]}``; blanks and anything that is not a
    whole number are left out."""
    columns: dict[str, list[int]] = {q: [] for q in qids}
    for answers in points.values():
        for q, v in answers.items():
            col = columns.get(q)
            if col is not None:
                pv = point_value(v)
                if pv is not None:
                    col.append(pv)
    return columns


def points_matrix(points: Mapping[str, Mapping[str, Any]], qids: Sequence[str]) -> "pd.DataFrame":
    """participants x questions as float with NaN for blanks (and for anything not a whole number)."""
    import pandas as pd  # lazy: pandas only for exports, never on the path of a merge

    rows = [[float(pv) if (pv := point_value(answers.get(q))) is not None else float("nan") for q in qids]
            for answers in points.values()]
    return pd.DataFrame(rows, index=list(points.keys()), columns=list(qids), dtype=float)


def points_from_responses(responses: Mapping[str, Any]) -> dict[str, dict[str, int | None]]:
    """``{pid: {qid: points}}`` from ``returns.Response`` objects (``answers[qid].points``)."""
    out: dict[str, dict[str, int | None]] = {}
    for pid, resp in responses.items():
        answers = getattr(resp, "answers", resp)
        out[pid] = {q: getattr(a, "points", a) for q, a in answers.items()}
    return out


def band_of(scale: Scale, value: float | None) -> Band | None:
    if value is None:
        return None
    v = round_half_up(value)
    for b in scale.bands:
        if b.low <= v <= b.high:
            return b
    return scale.bands[-1] if v > scale.max else scale.bands[0]


# ---------------------------------------------------------------- statistics
#: bits of the integer square root taken before the one rounding to a float: two float mantissas
#: and 3 guard bits, so the round-to-odd integer rounds to the nearest float like the exact root
_SQRT_BITS = 2 * sys.float_info.mant_dig + 3


def sqrt_of_fraction(n: int, m: int) -> float:
    """The square root of ``n / m`` (whole numbers, ``n >= 0``, ``m > 0``) correctly rounded to a
    float, as ``statistics.stdev`` ends: an integer square root of enough bits, rounded to odd
    (its last bit set when inexact), then one division that rounds to the nearest float."""
    q = (n.bit_length() - m.bit_length() - _SQRT_BITS) // 2
    if q >= 0:
        return float(_isqrt_to_odd(n, m << 2 * q) << q)
    return _isqrt_to_odd(n << -2 * q, m) / (1 << -q)


def _isqrt_to_odd(n: int, m: int) -> int:
    """``isqrt(n // m)`` with its last bit set when ``sqrt(n / m)`` is not that whole number."""
    a = math.isqrt(n // m)
    return a | (a * a * m != n)


def sample_stdev(values: Sequence[int]) -> float:
    """``statistics.stdev`` of whole numbers, the same float: the sample variance worked out exactly
    in integers, (n * sum of squares - sum**2) / (n * (n - 1)), and its square root correctly rounded
    (:func:`sqrt_of_fraction`), instead of one exact fraction per value (about 0.4 ms per question
    of 1,000 answers). Anything but ints: ``statistics.stdev``."""
    n = len(values)
    if n < 2 or any(type(v) is not int for v in values):
        return statistics.stdev(values)
    total = sum(values)
    num = n * sum(v * v for v in values) - total * total
    den = n * (n - 1)
    g = math.gcd(num, den)
    return sqrt_of_fraction(num // g, den // g)


def quartile(sorted_values: Sequence[int], p: float) -> float:
    """Excel's QUARTILE.INC / PERCENTILE.INC: linear interpolation between order statistics."""
    h = (len(sorted_values) - 1) * p
    lo = int(math.floor(h))
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def interquartile_range(values: Sequence[int]) -> float | None:
    """Q3 - Q1 (QUARTILE.INC); ``None`` with fewer than :data:`IQR_MIN_ANSWERS` values."""
    if len(values) < IQR_MIN_ANSWERS:
        return None
    v = sorted(values)
    return quartile(v, 0.75) - quartile(v, 0.25)


def check_rule(rule: str) -> str:
    if rule not in RULES:
        raise ValueError(f"unknown disagreement rule {rule!r}; one of {', '.join(RULES)}")
    return rule


def question_stats(catalogue: Catalogue, scale: Scale, threshold: float,
                   points: Mapping[str, Mapping[str, Any]], rule: str = DEFAULT_RULE) -> dict[str, QuestionStats]:
    """Statistics for every question of ``catalogue`` (in catalogue order)."""
    check_rule(rule)
    columns = points_columns(points, list(catalogue.question_ids))
    N = len(points)
    span = scale.span or 1
    side_of = {t.id: t.side for t in catalogue.themes}
    out: dict[str, QuestionStats] = {}
    for q in catalogue.questions:
        values = columns[q.id]
        nq = len(values)
        lo, hi = (min(values), max(values)) if nq else (None, None)
        spread = hi - lo if nq else None
        share = spread / span if spread is not None else None
        iqr = interquartile_range(values)
        iqr_share = iqr / span if iqr is not None else None
        measure = iqr_share if rule == "iqr" and iqr_share is not None else share
        med = float(statistics.median(values)) if nq else None
        sugg = round_half_up(med)
        distribution: dict[int, int] = {}
        for v in sorted(values):
            distribution[v] = distribution.get(v, 0) + 1
        out[q.id] = QuestionStats(
            qid=q.id, theme=q.theme, side=side_of.get(q.theme, ""), n=nq, N=N,
            mean=math.fsum(values) / nq if nq else None, median=med,
            min=lo, max=hi,
            std=sample_stdev(values) if nq >= 2 else None,
            spread=spread, spread_share=share,
            disagreement=measure is not None and measure + _EPS >= threshold,
            distribution=distribution,
            suggested=sugg, band=band_of(scale, sugg),
            iqr=iqr, iqr_share=iqr_share, rule=rule,
        )
    return out


def theme_formula(qids: Iterable[str], source: str = "agreed", lang: str = "da") -> str:
    return THEME_FORMULA[source](lang, qids=", ".join(qids))


def theme_stats(catalogue: Catalogue, qstats: Mapping[str, QuestionStats],
                agreed: Mapping[str, Any] | None = None, lang: str = "da") -> dict[str, ThemeStats]:
    """Theme scores: mean of agreed points when ``agreed`` is given, else of the medians."""
    source = "agreed" if agreed is not None else "median"
    out: dict[str, ThemeStats] = {}
    for t in catalogue.themes:
        qids = tuple(q.id for q in catalogue.questions_of(t.id))
        if agreed is not None:
            vals = [point_value(agreed.get(q)) for q in qids]
        else:
            vals = [qstats[q].median if q in qstats else None for q in qids]
        vals = [float(v) for v in vals if v is not None]
        score = sum(vals) / len(vals) if vals else None
        out[t.id] = ThemeStats(theme=t.id, side=t.side, label=t.label(lang), qids=qids, n=len(vals),
                               N=len(qids), score=score, source=source,
                               formula=theme_formula(qids, source, lang))
    return out


def compute(setup: Any, points: Mapping[str, Mapping[str, Any]], agreed: Mapping[str, Any] | None = None,
            lang: str | None = None) -> RoundStats:
    """All statistics of a round. ``setup`` is a :class:`~xl_kik.core.round.RoundSetup` (catalogue, scale,
    threshold, lang); ``points`` is ``{pid: {qid: points|None}}`` of the participants who returned."""
    lang = lang or getattr(setup, "lang", "da")
    rule = getattr(setup, "disagreement_rule", None) or DEFAULT_RULE
    qs = question_stats(setup.catalogue, setup.scale, setup.threshold, points, rule)
    ts = theme_stats(setup.catalogue, qs, agreed, lang)
    return RoundStats(questions=qs, themes=ts, N=len(points), threshold=setup.threshold, scale=setup.scale)


def spread_header(rule: str = DEFAULT_RULE, lang: str = "da") -> str:
    """The header of a column showing :attr:`QuestionStats.measure`: "Spredning (kvartilafstand)"."""
    return SPREAD_HEADER(lang, measure=MEASURE_NAMES[check_rule(rule)](lang))


def disagreement_rule(scale: Scale, threshold: float, lang: str = "da", rule: str = DEFAULT_RULE) -> str:
    """User-facing description of the disagreement rule with the threshold in points."""
    pts = threshold * scale.span
    pts_text = f"{pts:g}" if lang == "en" else f"{pts:g}".replace(".", ",")
    pct = f"{threshold * 100:g}" if lang == "en" else f"{threshold * 100:g}".replace(".", ",")
    if check_rule(rule) == "range":
        return Msg("Uenighed markeres, når forskellen mellem højeste og laveste point er mindst {pct} % af "
                   "skalaen ({pts} point på skalaen {lo}-{hi}). Tomme svar (ved ikke) tæller ikke med.",
                   "Disagreement is flagged when the difference between the highest and lowest score is at "
                   "least {pct} % of the scale ({pts} points on the {lo}-{hi} scale). Blank answers (do not "
                   "know) are ignored.")(lang, pct=pct, pts=pts_text, lo=scale.min, hi=scale.max)
    return Msg("Uenighed markeres, når den midterste halvdel af svarene spænder over mindst {pct} % af "
               "skalaen ({pts} point på skalaen {lo}-{hi}; kvartilafstanden). Med færre end {k} svar bruges "
               "forskellen mellem højeste og laveste point. Sådan betyder uenighed det samme for 5 og for "
               "300 deltagere. Svar uden point (ved ikke eller ikke besvaret) tæller ikke med.",
               "Disagreement is flagged when the middle half of the answers spans at least {pct} % of the "
               "scale ({pts} points on the {lo}-{hi} scale; the interquartile range). With fewer than {k} "
               "answers, the difference between the highest and lowest score is used. So disagreement "
               "means the same for 5 and for 300 participants. Answers without points (do not know or not "
               "answered) are ignored."
               )(lang, pct=pct, pts=pts_text, lo=scale.min, hi=scale.max, k=IQR_MIN_ANSWERS)


__all__ = ["QuestionStats", "ThemeStats", "RoundStats", "compute", "question_stats", "theme_stats",
           "points_matrix", "points_columns", "points_from_responses", "round_half_up", "band_of", "theme_formula",
           "disagreement_rule", "point_value", "quartile", "interquartile_range",
           "RULES", "DEFAULT_RULE", "IQR_MIN_ANSWERS", "RULE_TEXTS", "parse_rule", "MEASURE_NAMES", "SPREAD_HEADER",
           "spread_header"]
