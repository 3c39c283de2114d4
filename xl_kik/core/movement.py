"""From individual to consensus: how far the agreed points lie from the participants' answers.

Pure: plain numbers in, plain data out (no Excel library). Used by the Konsensus sheet
(its "Forskel" column and highlight) and by the konsensusrapport (the difference beside the
suggestion and the range, and the list of questions where the group moved far).

Definitions (also shown to users in the konsensusrapport):

* ``difference = agreed - suggested``, where *suggested* is the median of the answers rounded
  half up (the "Forslag (median)" column); ``None`` when either is missing.
* A question *moved far* when ``|difference|`` is at least :data:`FAR_SHARE` of the scale
  (20 points on 0-100, 1 point on 1-5 -- one step of the scale), or when the agreed points lie
  outside the range of the individual answers (below the lowest or above the highest).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

from xl_kik.core.i18n import Msg
from xl_kik.core.stats import point_value

#: A difference of at least this share of the scale counts as "far from the median".
FAR_SHARE = 0.2

RULE = Msg("Langt fra medianen = de aftalte point ligger mindst {pts} point fra forslaget (medianen; {pct} % af "
           "skalaen {lo}-{hi}) eller uden for deltagernes spænd (under laveste eller over højeste svar).",
           "Far from the median = the agreed points lie at least {pts} points from the suggestion (the median; "
           "{pct} % of the {lo}-{hi} scale) or outside the participants' range (below the lowest or above the "
           "highest answer).")


@dataclass(frozen=True)
class Movement:
    qid: str
    agreed: int
    suggested: int
    lowest: int | None
    highest: int | None
    difference: int
    outside: bool  # agreed below the lowest or above the highest individual answer
    far: bool


def far_points(scale_min: float, scale_max: float, share: float = FAR_SHARE) -> int:
    """The smallest whole difference that counts as far (at least one point)."""
    return max(1, math.ceil(share * (scale_max - scale_min) - 1e-9))


def difference(agreed: Any, suggested: Any) -> int | None:
    a, s = point_value(agreed), point_value(suggested)
    return None if a is None or s is None else a - s


def movement(qid: str, agreed: Any, suggested: Any, lowest: Any, highest: Any, scale_min: float,
             scale_max: float, share: float = FAR_SHARE) -> Movement | None:
    """The movement of one question, or ``None`` when nothing (whole) was agreed or nobody answered."""
    d = difference(agreed, suggested)
    if d is None:
        return None
    a = point_value(agreed)
    lo, hi = point_value(lowest), point_value(highest)
    outside = (lo is not None and a < lo) or (hi is not None and a > hi)
    return Movement(qid=qid, agreed=a, suggested=point_value(suggested), lowest=lo, highest=hi, difference=d,
                    outside=outside, far=outside or abs(d) >= far_points(scale_min, scale_max, share))


def far_moves(rows: Iterable[tuple[str, Any, Any, Any, Any]], scale_min: float, scale_max: float,
              share: float = FAR_SHARE) -> list[Movement]:
    """The questions that moved far, largest difference first (ties keep the given order).

    ``rows``: ``(qid, agreed, suggested, lowest, highest)`` per question."""
    moves = [m for qid, *v in rows if (m := movement(qid, *v, scale_min, scale_max, share)) is not None]
    return sorted((m for m in moves if m.far), key=lambda m: -abs(m.difference))


def rule_text(scale_min: float, scale_max: float, lang: str = "da", share: float = FAR_SHARE) -> str:
    pct = f"{share * 100:g}"
    return RULE(lang, pts=far_points(scale_min, scale_max, share), pct=pct, lo=f"{scale_min:g}", hi=f"{scale_max:g}")


__all__ = ["FAR_SHARE", "Movement", "difference", "far_moves", "far_points", "movement", "rule_text"]
