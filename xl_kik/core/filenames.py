"""File names that are safe on Windows, macOS and Linux for any participant name."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
             *(f"COM{c}" for c in "¹²³"), *(f"LPT{c}" for c in "¹²³")}
_BAD_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")
_UNDERSCORES = re.compile(r"_+")
MAX_STEM = 80
#: the names of spreadsheet files (what ``xl-kik collect`` saves from an e-mail or a zip, and what
#: a zip sent in as a return may hold instead of being one)
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".xltx", ".xltm", ".fods")
DEFAULT_FALLBACK = "fil"  # the stem of a text with nothing usable in it


def safe_stem(text: str, fallback: str = DEFAULT_FALLBACK) -> str:
    """A file-name stem: keeps æøå and spaces, replaces what Windows forbids.

    Composes Unicode to NFC (macOS hands out NFD names), removes control characters and
    ``<>:"/\\|?*``, collapses white space, strips trailing dots and spaces, avoids reserved
    device names (``CON``, ``com1.txt`` ...), and keeps at most 80 characters.
    """
    key = (str(text), fallback)
    stem = _STEMS.get(key)
    if stem is None:
        stem = _safe_stem(*key)
        if len(_STEMS) >= _STEMS_MAX:
            _STEMS.clear()
        _STEMS[key] = stem
        # a made stem is its own, whatever the fallback (a test says so): not a fallback (taken
        # as given), nor a reserved name's "_" + a stem cut at MAX_STEM (cut again next time)
        if stem != fallback and len(stem) <= MAX_STEM:
            _STEMS[(stem, fallback)] = _STEMS[(stem, DEFAULT_FALLBACK)] = stem
    return stem


#: ``(text, fallback) -> stem``: naming a round's files asks again for stems it made (generate of
#: 1,000: 4,000 calls; unique_names and plan_file_names take any stem), so a made stem is
#: entered as its own stem too
_STEMS: dict[tuple[str, str], str] = {}
_STEMS_MAX = 20_000


def _safe_stem(text: str, fallback: str) -> str:
    s = unicodedata.normalize("NFC", text)
    s = _BAD_CHARS.sub("_", s)
    s = _SPACES.sub(" ", s).strip()
    if "__" in s:
        s = _UNDERSCORES.sub("_", s)
    s = s[:MAX_STEM].rstrip(" .")
    s = s.lstrip(" ")
    if not s.strip("_. "):
        s = fallback
    if s.split(".")[0].upper().rstrip(" ") in _RESERVED:
        s = "_" + s
    return s


def unique_names(stems: Iterable[str], suffix: str) -> list[str]:
    """File names for ``stems`` that are unique case-insensitively (``Ida.xlsx``, ``Ida (2).xlsx``)."""
    out: list[str] = []
    taken: set[str] = set()
    for stem in stems:
        base = safe_stem(stem)
        name = f"{base}{suffix}"
        n = 2
        while name.lower() in taken:
            name = f"{base} ({n}){suffix}"
            n += 1
        taken.add(name.lower())
        out.append(name)
    return out
