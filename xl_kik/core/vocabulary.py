"""The one vocabulary of every user-facing text (docs/ordliste.md explains each term).

* :data:`TERMS`: the nouns a coordinator, participant or leader reads, one word per concept
  ("spørgeskema", never "deltagerfil" or "skema"; "frist", never "deadline").
* :data:`BUTTONS`: the captions of the master's buttons, exactly as they stand on the Start
  sheet; a message that tells the coordinator to click one quotes it with :func:`button`.
* :class:`Count`: a counted noun with correct singular and plural ("1 fil", "2 filer"),
  never "fil(er)".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from xl_kik.core.i18n import DEFAULT_LANG, Msg


@dataclass(frozen=True)
class Count:
    """``{n}`` and a noun in the right number: ``Count(Msg("{n} fil", ...), Msg("{n} filer", ...))``."""

    one: Msg
    many: Msg

    def __call__(self, lang: str = DEFAULT_LANG, /, n: int = 0, **params: object) -> str:
        return (self.one if n == 1 else self.many)(lang, n=_number(n, lang), **params)

    def word(self, n: int, lang: str = DEFAULT_LANG) -> str:
        """The noun alone, in the number that goes with ``n``."""
        return (self.one if n == 1 else self.many)(lang, n="").strip()


def _number(n: int, lang: str) -> str:
    """Thousands separated as the language writes them: 1.000 (da), 1,000 (en)."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "da" else text


def seconds(value: float, lang: str = DEFAULT_LANG) -> str:
    """A duration as people read it: one decimal with the language's decimal mark ("1,3 s",
    "1.3 s"), and "under 0,1 s" for less (never "0,0 s")."""
    if value < 0.05:
        return "under 0,1 s" if lang == "da" else "under 0.1 s"
    text = f"{value:,.1f}"
    return (text.replace(",", "\x00").replace(".", ",").replace("\x00", ".") if lang == "da" else text) + " s"


def count(n: int, one: tuple[str, str], many: tuple[str, str], lang: str = DEFAULT_LANG) -> str:
    """A one-off counted phrase: ``count(3, ("{n} fil", "{n} file"), ("{n} filer", "{n} files"))``."""
    return Count(Msg(*one), Msg(*many))(lang, n=n)


#: The counted nouns used in messages.
FILES = Count(Msg("{n} fil", "{n} file"), Msg("{n} filer", "{n} files"))
QUESTIONNAIRES = Count(Msg("{n} spørgeskema", "{n} questionnaire"), Msg("{n} spørgeskemaer", "{n} questionnaires"))
PARTICIPANTS = Count(Msg("{n} deltager", "{n} participant"), Msg("{n} deltagere", "{n} participants"))
QUESTIONS = Count(Msg("{n} spørgsmål", "{n} question"), Msg("{n} spørgsmål", "{n} questions"))
REMARKS = Count(Msg("{n} bemærkning", "{n} remark"), Msg("{n} bemærkninger", "{n} remarks"))
ERRORS = Count(Msg("{n} fejl", "{n} error"), Msg("{n} fejl", "{n} errors"))
WARNINGS = Count(Msg("{n} advarsel", "{n} warning"), Msg("{n} advarsler", "{n} warnings"))
REPORTS = Count(Msg("{n} rapport", "{n} report"), Msg("{n} rapporter", "{n} reports"))
IMPROVEMENT_AREAS = Count(Msg("{n} forbedringsområde", "{n} improvement area"),
                          Msg("{n} forbedringsområder", "{n} improvement areas"))
ACTIONS = Count(Msg("{n} handling", "{n} action"), Msg("{n} handlinger", "{n} actions"))
ROWS = Count(Msg("{n} række", "{n} row"), Msg("{n} rækker", "{n} rows"))
MAILS = Count(Msg("{n} mail", "{n} e-mail"), Msg("{n} mails", "{n} e-mails"))
UNITS = Count(Msg("{n} enhed", "{n} unit"), Msg("{n} enheder", "{n} units"))
MINUTES = Count(Msg("{n} minut", "{n} minute"), Msg("{n} minutter", "{n} minutes"))

#: One word per concept (docs/ordliste.md). Keys are what the code calls the thing.
TERMS: dict[str, Msg] = {
    "round": Msg("runde", "round"),
    "master": Msg("masterfilen", "the master file"),
    "questionnaire": Msg("spørgeskema", "questionnaire"),
    "questionnaires": Msg("spørgeskemaer", "questionnaires"),
    "outgoing_folder": Msg("mappen 'udsendt'", "the folder 'udsendt'"),
    "returns_folder": Msg("returmappen ('retur')", "the returns folder ('retur')"),
    "deadline": Msg("frist", "deadline"),
    "coordinator": Msg("tovholder", "coordinator"),
    "participant": Msg("deltager", "participant"),
    "leaders": Msg("ledelsen", "management"),
    "strengths": Msg("styrker", "strengths"),
    "improvement_area": Msg("forbedringsområde", "improvement area"),
    "improvement_ideas": Msg("forbedringsidéer", "improvement ideas"),
    "points": Msg("point", "points"),
    # the points list's item, so typed as well as picked: English without an apostrophe, which
    # LibreOffice's AutoCorrect would turn into ’ as it is typed (and the list refuse the text)
    "dont_know": Msg("ved ikke", "do not know"),
    # a question left blank in a returned questionnaire (no points, and not "ved ikke")
    "not_answered": Msg("ikke besvaret", "not answered"),
    "answer_report": Msg("svarrapport", "answer report"),
    "consensus_seminar": Msg("konsensusseminar", "consensus seminar"),
    "consensus_report": Msg("konsensusrapport", "consensus report"),
    "action_plan": Msg("handleplan", "action plan"),
    "catalogue": Msg("spørgsmålskatalog", "question catalogue"),
    "theme": Msg("tema", "theme"),
    "scale": Msg("pointskala", "points scale"),
    "disagreement": Msg("uenighed", "disagreement"),
    "empty_questionnaire": Msg("tomt spørgeskema", "empty questionnaire"),
}

#: Caption of every button on the master's Start sheet, keyed by the macro it runs.
BUTTONS: dict[str, Msg] = {
    "KikGenerate": Msg("1. Lav spørgeskemaer", "1. Make questionnaires"),
    "KikOpenReturns": Msg("2. Åbn returmappen", "2. Open the returns folder"),
    "KikMerge": Msg("3. Flet besvarelser", "3. Merge answers"),
    "KikPlan": Msg("4. Lav handleplan", "4. Build action plan"),
    "KikDoctor": Msg("Tjek opsætningen", "Check the setup"),
}

#: The command line that does the same as each button.
COMMANDS: dict[str, str] = {
    "KikGenerate": "xl-kik generate",
    "KikOpenReturns": "",
    "KikMerge": "xl-kik merge",
    "KikPlan": "xl-kik plan",
    "KikDoctor": "xl-kik doctor",
}


#: how many items a list printed for people shows before "og N til" (all of them with --json / -v)
LIST_LIMIT = 10
AND_MORE = Msg("og {n} til", "and {n} more")


def listing(items: Iterable[str], lang: str = DEFAULT_LANG, limit: int | None = LIST_LIMIT) -> str:
    """Items joined by commas; beyond ``limit`` the first ones and "og N til" (``None``: all)."""
    items = [str(i) for i in items]
    if limit is None or len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + " " + AND_MORE(lang, n=_number(len(items) - limit, lang))


def button(macro: str, lang: str = DEFAULT_LANG) -> str:
    """A button's caption as a message quotes it: ``'3. Flet besvarelser'``."""
    return f"'{BUTTONS[macro](lang)}'"


def term(key: str, lang: str = DEFAULT_LANG) -> str:
    return TERMS[key](lang)


__all__ = ["BUTTONS", "COMMANDS", "Count", "TERMS", "button", "count", "seconds", "term",
           "listing", "LIST_LIMIT", "FILES", "QUESTIONNAIRES",
           "PARTICIPANTS", "QUESTIONS", "REMARKS", "ERRORS", "WARNINGS", "REPORTS", "IMPROVEMENT_AREAS",
           "ACTIONS", "ROWS", "MAILS", "UNITS", "MINUTES"]
