"""Tiny bilingual text helper: user-facing text is Danish by default, English selectable.

Every module keeps its own texts next to the code that uses them::

    HELLO = Msg("Hej {name}", "Hello {name}")
    HELLO("da", name="Ida")  # -> "Hej Ida"
"""

from __future__ import annotations

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
        template = self.text(lang)
        return template.format(**params) if params else template


def pick(texts: dict[str, str], lang: str = DEFAULT_LANG) -> str:
    """Pick a language from a ``{"da": ..., "en": ...}`` dict, falling back to Danish."""
    return texts.get(lang) or texts.get(DEFAULT_LANG) or next(iter(texts.values()), "")
