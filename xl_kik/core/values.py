"""Cell values as KIK understands them: one implementation each, used by every layer.

* :func:`clean_text` — a value as stripped text without control characters;
* :func:`is_blank`; :func:`to_number` (a number from a cell, decimal comma too);
* yes/no: :func:`parse_yes_no` (strict, for settings) and :func:`is_yes` (lenient, for sheets);
* dates: :func:`to_date` (one parser), :func:`fmt_date` (``dd-mm-yyyy``);
* levels: :func:`level` / :func:`effect_level` / :func:`feasibility_level` / :func:`decision_level`
  (language-free ids from Danish or English words and a few aliases);
* :func:`is_quick_win` — high effect and easy to carry out.

Pure Python on plain values (str, numbers, dates, ``None``): what a cell reader gives.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Mapping

# ---------------------------------------------------------------- text
#: Control characters removed from every text xl_kik reads (tab, line feed and carriage
#: return are kept): C0 controls except \t \n \r, and DEL.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text: str) -> str:
    """``text`` without the control characters of :data:`CONTROL_RE` (nothing else changed)."""
    return CONTROL_RE.sub("", text)


def clean_text(value: Any) -> str:
    """Text as a str without control characters (tabs/newlines kept), stripped.

    ``None`` is ``""``; a whole float (what a spreadsheet gives for ``7``) is written ``7``.
    """
    if value.__class__ is str:  # the common case first: the same result, fewer steps
        # a printable text has no control character (every one is Unicode's "Other"): 70 ns, not 230
        return (value if value.isprintable() else CONTROL_RE.sub("", value)).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return CONTROL_RE.sub("", str(value)).strip()


def fold(value: Any) -> str:
    """:func:`clean_text`, case folded, runs of white space as one space (for matching words)."""
    return re.sub(r"\s+", " ", clean_text(value).casefold())


def is_blank(value: Any) -> bool:
    """``None`` or a text of only white space (``0`` and ``False`` are values)."""
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------- numbers
def to_number(value: Any) -> int | float | None:
    """A number from a cell value: an ``int`` when whole, else a ``float``; text with a decimal
    comma or point (``"2,5"``) too. ``None`` for blanks, booleans, text that is no number, NaN and
    infinities."""
    if value.__class__ is float:  # what calamine gives for every number: the same result, fewer steps
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, bool) or is_blank(value):
        return None
    if isinstance(value, (int, float)):
        f = float(value)
    else:
        try:
            f = float(clean_text(value).replace(",", "."))
        except ValueError:
            return None
    if not math.isfinite(f):
        return None
    if isinstance(value, int):
        return value
    return int(f) if f.is_integer() else f


# ---------------------------------------------------------------- yes / no
#: Words read as yes / no (after :func:`fold`), Danish and English.
YES_WORDS = frozenset({"ja", "j", "yes", "y", "true", "sand", "1", "x"})
NO_WORDS = frozenset({"nej", "n", "no", "false", "falsk", "0"})
#: How xl_kik writes yes and no.
YES_NO_TEXT = {"da": ("Ja", "Nej"), "en": ("Yes", "No")}


def parse_yes_no(value: Any) -> bool | None:
    """``True`` / ``False`` for a yes or no word, a bool, or the numbers 1 / 0; ``None`` if blank.

    Raises :class:`ValueError` for anything else (the caller names the cell).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value == 1:
            return True
        if value == 0:
            return False
        raise ValueError(f"not yes or no: {value!r}")
    text = fold(value)
    if not text:
        return None
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise ValueError(f"not yes or no: {value!r}")


def is_yes(value: Any) -> bool:
    """True only for a clear yes (:func:`parse_yes_no`); blank, no and anything else are not yes."""
    try:
        return parse_yes_no(value) is True
    except ValueError:
        return False


# ---------------------------------------------------------------- dates
DATE_FORMAT = "%d-%m-%Y"  # how xl_kik writes a date as text
#: Text forms read as a date, tried in order (day first: Danish usage; ISO is unambiguous).
DATE_INPUT_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%y", "%d.%m.%y", "%d/%m/%y",
                      "%Y-%m-%d %H:%M:%S")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 (Excel's 1900 date system, after the 1900 leap bug)
#: Numbers taken as Excel date serials: 20000 (1954-10-03) up to 80000 (2119-01-10), exclusive.
#: A smaller or larger number in a date column is a mistake, not a date.
SERIAL_RANGE = (20000, 80000)


def to_date(value: Any) -> dt.date | None:
    """A date from a cell value (date, datetime, Excel serial, or a text like ``01-03-2026``);
    ``None`` if blank or not a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or is_blank(value):
        return None
    if isinstance(value, (int, float)):
        lo, hi = SERIAL_RANGE
        return EXCEL_EPOCH + dt.timedelta(days=int(value)) if lo < value < hi else None
    text = clean_text(value)
    for fmt in DATE_INPUT_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def fmt_date(value: Any) -> str:
    """``dd-mm-yyyy`` for a date value; anything else as its clean text."""
    d = to_date(value)
    return d.strftime(DATE_FORMAT) if d else clean_text(value)


# ---------------------------------------------------------------- levels
#: Words (after :func:`fold`) for each level id, per kind. The Konsensus sheet's choices
#: (:data:`xl_kik.core.contract.KONSENSUS_CHOICES`) are among them.
LEVEL_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "effect": {"high": ("høj", "hoej", "high", "h", "stor"), "medium": ("middel", "medium", "mellem", "m"),
               "low": ("lav", "low", "l", "lille")},
    "feasibility": {"easy": ("let", "easy", "nem"), "medium": ("middel", "medium", "mellem", "m"),
                    "hard": ("svær", "svaer", "hard", "difficult", "vanskelig")},
    "decision": {"adopted": ("vedtaget", "godkendt", "ja", "adopted", "approved", "yes"),
                 "pending": ("afventer", "pending", "venter", "on hold"),
                 "rejected": ("afvist", "nej", "rejected", "no")},
}
EFFECT_LEVELS = tuple(LEVEL_WORDS["effect"])
FEASIBILITY_LEVELS = tuple(LEVEL_WORDS["feasibility"])
DECISION_LEVELS = tuple(LEVEL_WORDS["decision"])


def level(kind: str, value: Any) -> str | None:
    """The level id (``high``, ``easy``, ``adopted`` ...) of ``value`` for ``kind``
    (``effect``, ``feasibility``, ``decision``); ``None`` if blank or not a known word."""
    text = fold(value)
    for key, words in LEVEL_WORDS[kind].items():
        if text in words:
            return key
    return None


def effect_level(value: Any) -> str | None:
    return level("effect", value)


def feasibility_level(value: Any) -> str | None:
    return level("feasibility", value)


def decision_level(value: Any) -> str | None:
    return level("decision", value)


def choice_level(key: str, value: Any) -> str | None:
    """The level id of a Konsensus choice column (``to_plan`` gives ``yes``/``no``)."""
    if key == "to_plan":
        try:
            answer = parse_yes_no(value)
        except ValueError:
            return None
        return None if answer is None else ("yes" if answer else "no")
    return level(key, value) if key in LEVEL_WORDS else None


# ---------------------------------------------------------------- quick win
def is_quick_win(effect: Any, feasibility: Any) -> bool:
    """A quick win: high effect and easy to carry out."""
    return effect_level(effect) == "high" and feasibility_level(feasibility) == "easy"


def marked_quick_win(inputs: Mapping[str, Any]) -> bool:
    """Quick win by effect and feasibility, or because the row says so (``quick_win`` yes)."""
    return is_quick_win(inputs.get("effect"), inputs.get("feasibility")) or is_yes(inputs.get("quick_win"))
