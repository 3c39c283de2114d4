"""Tiny bilingual text helper: user-facing text is Danish by default, English selectable.

Every module keeps its own texts next to the code that uses them::

    HELLO = Msg("Hej {name}", "Hello {name}")
    HELLO("da", name="Ida")  # -> "Hej Ida"
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import sys
from dataclasses import dataclass

LANGS = ("da", "en")
DEFAULT_LANG = "da"


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise ValueError (programming error)."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; use one of {LANGS}")
    return lang


@dataclass(frozen=True)
class Msg:
    """A text in Danish and English, with ``str.format`` placeholders."""

    da: str
    en: str

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return self.en if lang == "en" else self.da

    def __call__(self, lang: str = DEFAULT_LANG, /, **params: object) -> str:
        """The text with ``params`` filled in; a path (``os.PathLike``) is quoted by
        :func:`quote_path`, so it can be pasted back into a command line."""
        template = self.text(lang)
        if not params:
            return template
        return template.format(**{k: quote_path(v) if isinstance(v, os.PathLike) else v for k, v in params.items()})


_WINDOWS_SAFE = re.compile(r"[\w@%+=:,./\\-]+", re.ASCII)


def quote_path(path: str | os.PathLike[str], platform: str | None = None) -> str:
    """A path as it is typed in a shell: ``shlex.quote`` on POSIX (``'/KIK/2026 forår'``),
    double quotes on Windows (``"C:\\KIK\\2026 forår"``); a plain path stays as it is."""
    text = os.fspath(path)
    if (platform or sys.platform).startswith("win"):
        return text if text and _WINDOWS_SAFE.fullmatch(text) else '"' + text.replace('"', '') + '"'
    return shlex.quote(text)


def pick(texts: dict[str, str], lang: str = DEFAULT_LANG) -> str:
    """Pick a language from a ``{"da": ..., "en": ...}`` dict, falling back to Danish."""
    return texts.get(lang) or texts.get(DEFAULT_LANG) or next(iter(texts.values()), "")


MONTHS = {
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


def format_date(day: dt.date | None, lang: str = DEFAULT_LANG) -> str:
    """A date in running text: ``1. december 2026`` / ``1 December 2026`` (no locale needed)."""
    if day is None:
        return ""
    if lang == "en":
        return f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"
    return f"{day.day}. {MONTHS['da'][day.month - 1]} {day.year}"
