"""Question catalogues and scales are data.

A catalogue has themes (each on the *indsats* or *resultat* side) and questions. Shipped
catalogues live in ``xl_kik/data/catalogues/*.json``; a coordinator can bring their own
as an ``.xlsx`` with one row per question (see :data:`XLSX_COLUMNS`; the file is read and written by
:mod:`xl_kik.excel.catalogue_io`, this module parses its rows). Every catalogue has
an id, a version and a content fingerprint; the fingerprint is written into every
scoring workbook so a returned file from another catalogue version is recognised.

Validation collects every problem before raising :class:`~xl_kik.core.errors.CatalogueError`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

from xl_kik.core.cellref import column_letter
from xl_kik.core.i18n import Msg, pick
from xl_kik.core.values import clean_text  # noqa: F401 (also importable from here)
from xl_kik.core.errors import CatalogueError
from xl_kik.core.problems import ERROR, WARNING, Report, define

SIDES = ("indsats", "resultat")
BUILTIN_CATALOGUES = ("kik", "caf2020")
ID_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,15}$")
MAX_QUESTION_CHARS = 1000
MAX_EXAMPLE_CHARS = 500

SIDE_NAMES = {
    "indsats": {"da": "Indsatser", "en": "Enablers"},
    "resultat": {"da": "Resultater", "en": "Results"},
}
#: A theme's side in a catalogue table: the key, or its English name (an English master writes
#: "Enablers"/"Results", :func:`to_rows`); compared in lower case
SIDE_WORDS = {word.lower(): side for side, names in SIDE_NAMES.items() for word in (side, names["en"])}

# ---------------------------------------------------------------- problem types
C_DUPLICATE_QUESTION = define(
    "C001", ERROR, ("Spørgsmåls-id findes to gange", "Duplicate question id"),
    ("Spørgsmåls-id {qid} findes mere end én gang (også i række {first_row}).",
     "Question id {qid} occurs more than once (also in row {first_row})."))
C_UNKNOWN_THEME = define(
    "C002", ERROR, ("Ukendt tema", "Unknown theme"),
    ("Spørgsmål {qid} hører til tema {theme}, som ikke findes.",
     "Question {qid} belongs to theme {theme}, which does not exist."))
C_EMPTY_TEXT = define(
    "C003", ERROR, ("Tom spørgsmålstekst", "Empty question text"),
    ("Spørgsmål {qid} har ingen tekst.", "Question {qid} has no text."))
C_BAD_SIDE = define(
    "C004", ERROR, ("Ugyldig side", "Invalid side"),
    ("Tema {theme} har siden {side!r}; skriv 'indsats' eller 'resultat'.",
     "Theme {theme} has side {side!r}; write 'Enablers' or 'Results' (or 'indsats' or 'resultat')."))
C_BAD_ID = define(
    "C005", ERROR, ("Ugyldigt id", "Invalid id"),
    ("Id'et {value!r} kan ikke bruges; brug tal, bogstaver og punktum (fx 1.2), højst 16 tegn.",
     "The id {value!r} cannot be used; use digits, letters and dots (e.g. 1.2), at most 16 characters."))
C_DUPLICATE_THEME = define(
    "C006", ERROR, ("Tema findes to gange", "Duplicate theme"),
    ("Tema {theme} er defineret mere end én gang med forskelligt navn eller side.",
     "Theme {theme} is defined more than once with a different name or side."))
C_EMPTY_THEME = define(
    "C007", WARNING, ("Tema uden spørgsmål", "Theme without questions"),
    ("Tema {theme} har ingen spørgsmål og bliver udeladt.",
     "Theme {theme} has no questions and is left out."))
C_NO_QUESTIONS = define(
    "C008", ERROR, ("Ingen spørgsmål", "No questions"),
    ("Kataloget indeholder ingen spørgsmål.", "The catalogue contains no questions."))
C_TOO_LONG = define(
    "C009", ERROR, ("For lang tekst", "Text too long"),
    ("Teksten i spørgsmål {qid} er {length} tegn; højst {limit} er tilladt.",
     "The text of question {qid} is {length} characters; at most {limit} are allowed."))
C_MISSING_COLUMN = define(
    "C010", ERROR, ("Kolonne mangler", "Missing column"),
    ("Kolonnen {column!r} mangler i overskriftsrækken (række 1).",
     "The column {column!r} is missing from the header row (row 1)."))
C_BAD_FILE = define(
    "C011", ERROR, ("Kataloget kan ikke læses", "Catalogue cannot be read"),
    ("Filen kan ikke læses som et spørgsmålskatalog: {reason}",
     "The file cannot be read as a question catalogue: {reason}"))
C_UNKNOWN_THEME_SELECTED = define(
    "C012", ERROR, ("Ukendt tema valgt", "Unknown theme selected"),
    ("Temaet {theme} findes ikke i kataloget {catalogue}. Mulige temaer: {known}.",
     "Theme {theme} is not in catalogue {catalogue}. Known themes: {known}."))
C_BAD_THEME_ID = define(
    "C014", ERROR, ("Ugyldigt tema", "Invalid theme"),
    ("Temaet {theme!r} kan ikke bruges: et tema er et tal fra 1 til 99 (fx 3).",
     "The theme {theme!r} cannot be used: a theme is a number from 1 to 99 (e.g. 3)."))
C_BAD_QUESTION_ID = define(
    "C015", ERROR, ("Ugyldigt spørgsmåls-id", "Invalid question id"),
    ("Spørgsmåls-id'et {qid!r} skal have formen tema.nummer med temaets nummer først, fx {example}.",
     "The question id {qid!r} must have the form theme.number with the theme's number first, e.g. {example}."))
C_NOT_IN_BASE = define(
    "C016", ERROR, ("Temaet findes ikke i kataloget", "Theme not in the catalogue"),
    ("Tema {theme} findes ikke i {base} (temaer: {known}). Et nyt tema kræver et eget katalog: skriv et "
     "andet katalognavn på arket 'Om'.",
     "Theme {theme} is not in {base} (themes: {known}). A new theme needs a catalogue of your own: write "
     "another catalogue name on the 'Om' sheet."))
C_THEME_NAME_DIFFERS = define(
    "C017", ERROR, ("Temanavnet passer ikke", "Theme name does not match"),
    ("Tema {theme} hedder {name!r} her, men {expected!r} {where}. Skriv det samme navn, eller lad cellen stå tom.",
     "Theme {theme} is called {name!r} here but {expected!r} {where}. Write the same name, or leave the cell empty."))
C_MISSING_LANG_TEXT = define(
    "C018", ERROR, ("Spørgsmålstekst mangler på rundens sprog", "Question text missing in the round's language"),
    ("Spørgsmål {qid} har ingen tekst på {language} (kolonnen {column!r}), og runden er på {language}.",
     "Question {qid} has no text in {language} (the column {column!r}), and the round is in {language}."))
THEME_ID_RE = re.compile(r"^[1-9][0-9]?$")
QUESTION_ID_RE = re.compile(r"^([1-9][0-9]?)\.([1-9][0-9]?)$")
LANGUAGE_NAMES = {"da": Msg("dansk", "Danish"), "en": Msg("engelsk", "English")}
C_CONTROL_CHARS = define(
    "C013", WARNING, ("Usynlige tegn fjernet", "Invisible characters removed"),
    ("Usynlige kontroltegn er fjernet fra teksten i spørgsmål {qid}.",
     "Invisible control characters were removed from the text of question {qid}."))

# ---------------------------------------------------------------- model
@dataclass(frozen=True)
class Theme:
    id: str
    side: str
    name: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str = "da") -> str:
        return f"{self.id}. {pick(self.name, lang)}"


@dataclass(frozen=True)
class Question:
    id: str
    theme: str
    text: dict[str, str]
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def examples_for(self, lang: str = "da") -> tuple[str, ...]:
        return self.examples.get(lang) or self.examples.get("da") or ()


@dataclass(frozen=True)
class Catalogue:
    id: str
    version: str
    name: dict[str, str]
    themes: tuple[Theme, ...]
    questions: tuple[Question, ...]
    description: dict[str, str] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    # -- lookups
    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    @cached_property  # the catalogue is frozen; a merge asks a few times per returned file
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def questions_of(self, theme_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.theme == theme_id)

    def side_of(self, qid: str) -> str:
        return self.theme(self.question(qid).theme).side

    @property
    def languages(self) -> tuple[str, ...]:
        langs = {"da"}
        for q in self.questions:
            langs.update(k for k, v in q.text.items() if v)
        return tuple(sorted(langs))

    # -- identity
    def content(self) -> dict[str, Any]:
        """Canonical plain-data form (also the JSON file format)."""
        return {
            "schema": 1,
            "id": self.id,
            "version": self.version,
            "name": dict(self.name),
            "description": dict(self.description),
            "source": dict(self.source),
            "themes": [
                {"id": t.id, "side": t.side, "name": dict(t.name), "description": dict(t.description)}
                for t in self.themes
            ],
            "questions": [
                {"id": q.id, "theme": q.theme, "text": dict(q.text),
                 "examples": {k: list(v) for k, v in q.examples.items()}}
                for q in self.questions
            ],
        }

    @cached_property
    def fingerprint(self) -> str:
        """Content fingerprint over what a participant answers: themes and questions.

        Independent of descriptions and of the catalogue's name, so fixing a typo in a
        description does not invalidate returned files, but changing, adding, removing or
        moving a question does. Computed once per (frozen) catalogue.
        """
        core = [
            [[t.id, t.side, t.name.get("da", "")] for t in self.themes],
            [[q.id, q.theme, q.text.get("da", ""), q.text.get("en", "")] for q in self.questions],
        ]
        blob = json.dumps(core, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    def subset(self, theme_ids: Iterable[str] | None) -> "Catalogue":
        """Only the given themes (in catalogue order); ``None`` or empty = all themes."""
        wanted = [str(t).strip() for t in (theme_ids or []) if str(t).strip()]
        if not wanted:
            return self
        known = [t.id for t in self.themes]
        report = Report(self.id)
        for t in wanted:
            if t not in known:
                report.add(C_UNKNOWN_THEME_SELECTED(theme=t, catalogue=self.id, known=", ".join(known)))
        _raise_if_errors(report, self.id)
        keep = set(wanted)
        return replace(
            self,
            themes=tuple(t for t in self.themes if t.id in keep),
            questions=tuple(q for q in self.questions if q.theme in keep),
        )


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    level: int
    indsats: dict[str, str]
    resultat: dict[str, str]

    def text(self, side: str, lang: str = "da") -> str:
        return pick(self.indsats if side == "indsats" else self.resultat, lang)

    @property
    def label(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class Scale:
    id: str
    min: int
    max: int
    name: dict[str, str]
    bands: tuple[Band, ...]

    @property
    def span(self) -> int:
        return self.max - self.min

    def band_for(self, value: float) -> Band:
        for b in self.bands:
            if b.low <= value <= b.high:
                return b
        return self.bands[-1] if value > self.max else self.bands[0]

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


# ---------------------------------------------------------------- loading
def _texts(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): clean_text(v) for k, v in value.items() if clean_text(v)}
    text = clean_text(value)
    return {"da": text} if text else {}


def from_data(data: dict[str, Any], source: str = "", sheet: str = "", report: Report | None = None) -> Catalogue:
    """Build and validate a catalogue from its JSON form. Raises CatalogueError with every
    problem found (``report``: problems already found by the caller, raised together)."""
    report = report if report is not None else Report(source or str(data.get("id", "")))
    themes: list[Theme] = []
    seen_themes: set[str] = set()
    for t in data.get("themes", []):
        tid = clean_text(t.get("id"))
        side = clean_text(t.get("side")).lower()
        if not ID_RE.match(tid):
            report.add(C_BAD_ID(file=source, value=tid))
            continue
        if side not in SIDES:
            report.add(C_BAD_SIDE(file=source, theme=tid, side=side))
        if tid in seen_themes:
            report.add(C_DUPLICATE_THEME(file=source, theme=tid))
            continue
        seen_themes.add(tid)
        themes.append(Theme(tid, side, _texts(t.get("name")) or {"da": tid}, _texts(t.get("description"))))
    questions: list[Question] = []
    first: dict[str, int] = {}
    for i, q in enumerate(data.get("questions", []), start=1):
        qid = clean_text(q.get("id"))
        row = q.get("_row", i)
        cell = q.get("_cell", "")
        if not ID_RE.match(qid):
            report.add(C_BAD_ID(file=source, sheet=sheet, cell=cell, value=qid))
            continue
        if qid in first:
            report.add(C_DUPLICATE_QUESTION(file=source, sheet=sheet, cell=cell, qid=qid, first_row=first[qid]))
            continue
        first[qid] = row
        theme = clean_text(q.get("theme"))
        if theme not in seen_themes:
            report.add(C_UNKNOWN_THEME(file=source, sheet=sheet, cell=cell, qid=qid, theme=theme))
        text = _texts(q.get("text"))
        if not text.get("da") and not text.get("en"):
            report.add(C_EMPTY_TEXT(file=source, sheet=sheet, cell=cell, qid=qid))
        for lang_text in text.values():
            if len(lang_text) > MAX_QUESTION_CHARS:
                report.add(C_TOO_LONG(file=source, sheet=sheet, cell=cell, qid=qid, length=len(lang_text), limit=MAX_QUESTION_CHARS))
        examples_raw = q.get("examples") or {}
        if not isinstance(examples_raw, dict):
            examples_raw = {"da": examples_raw}
        examples = {}
        for lang, items in examples_raw.items():
            if isinstance(items, str):
                items = items.splitlines()
            cleaned = tuple(e for e in (clean_text(x).lstrip("•-* ").strip() for x in items or []) if e)
            cleaned = tuple(e[:MAX_EXAMPLE_CHARS] for e in cleaned)
            if cleaned:
                examples[str(lang)] = cleaned
        questions.append(Question(qid, theme, text, examples))
    if not questions and not report.errors:
        report.add(C_NO_QUESTIONS(file=source))
    used = {q.theme for q in questions}
    for t in themes:
        if t.id not in used and questions:
            report.add(C_EMPTY_THEME(file=source, theme=t.id))
    _raise_if_errors(report, source)
    themes = [t for t in themes if t.id in used]
    order = {t.id: i for i, t in enumerate(themes)}
    questions.sort(key=lambda q: order.get(q.theme, 0))  # stable: keeps order within a theme
    return Catalogue(
        id=clean_text(data.get("id")) or "custom",
        version=clean_text(data.get("version")) or "1",
        name=_texts(data.get("name")) or {"da": clean_text(data.get("id")) or "Eget katalog"},
        themes=tuple(themes),
        questions=tuple(questions),
        description=_texts(data.get("description")),
        source=_texts(data.get("source")),
    )


CATALOGUE_INVALID = Msg(
    "Spørgsmålskataloget {source} har fejl, og intet er lavet:",
    "The question catalogue {source} has errors; nothing was created:",
)


def _raise_if_errors(report: Report, source: str) -> None:
    if report.errors:
        raise CatalogueError(CATALOGUE_INVALID("da", source=source or "?"), report.problems)


@lru_cache(maxsize=None)
def builtin(catalogue_id: str) -> Catalogue:
    """A shipped catalogue: ``kik`` or ``caf2020``."""
    if catalogue_id not in BUILTIN_CATALOGUES:
        raise CatalogueError(
            Msg("Ukendt katalog {c!r}; vælg {known} eller en .xlsx-fil.",
                "Unknown catalogue {c!r}; choose {known} or an .xlsx file.")("da", c=catalogue_id,
                                                                             known=", ".join(BUILTIN_CATALOGUES)))
    raw = resources.files("xl_kik").joinpath("data", "catalogues", f"{catalogue_id}.json").read_text("utf-8")
    return from_data(json.loads(raw), source=f"{catalogue_id}.json")


def from_json(path: str | Path) -> Catalogue:
    """A catalogue from a ``.json`` file in the shipped format."""
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogueError(CATALOGUE_INVALID("da", source=path.name),
                             [C_BAD_FILE(file=path.name, reason=str(exc))]) from exc
    return from_data(data, source=path.name)


@lru_cache(maxsize=None)
def scales() -> dict[str, Scale]:
    raw = json.loads(resources.files("xl_kik").joinpath("data", "scales.json").read_text("utf-8"))
    out = {}
    for s in raw["scales"]:
        bands = tuple(
            Band(int(b["low"]), int(b["high"]), int(b["level"]), dict(b["indsats"]), dict(b["resultat"]))
            for b in s["bands"]
        )
        out[s["id"]] = Scale(s["id"], int(s["min"]), int(s["max"]), dict(s["name"]), bands)
    return out


def scale(scale_id: str) -> Scale:
    try:
        return scales()[scale_id]
    except KeyError:
        raise CatalogueError(
            Msg("Ukendt skala {s!r}; vælg {known}.", "Unknown scale {s!r}; choose {known}.")(
                "da", s=scale_id, known=", ".join(scales()))) from None


# ---------------------------------------------------------------- tabular form (the .xlsx file: xl_kik.excel.catalogue_io)
#: Columns of a catalogue spreadsheet (header row 1, one row per question). Danish
#: headers; English aliases accepted. Optional columns may be left out.
_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "nr", "nummer", "spørgsmål nr", "question id"),
    "theme": ("tema", "tema nr", "theme", "theme id"),
    "theme_name": ("temanavn", "tema navn", "theme name"),
    "side": ("side", "type", "del"),
    "text": ("spørgsmål", "spørgsmålstekst", "question", "text"),
    "examples": ("eksempler", "examples"),
    "text_en": ("spørgsmål (en)", "question (en)", "text (en)", "text_en"),
    "examples_en": ("eksempler (en)", "examples (en)", "examples_en"),
    "theme_name_en": ("temanavn (en)", "theme name (en)", "theme_name_en"),
}

#: The columns of :func:`to_rows`, by their :data:`XLSX_COLUMNS` keys; the Danish texts are
#: ``theme_name``, ``text`` and ``examples``, the English ones end in ``_en``.
TABLE_KEYS = ("id", "theme", "theme_name", "side", "text", "examples", "theme_name_en", "text_en", "examples_en")
#: Their headers in a Danish and in an English master (each read back: :data:`XLSX_COLUMNS`);
#: the English master names both languages' text columns by their language, since a plain
#: "Question" is read as the Danish text
TABLE_HEADERS = {
    "da": ("Id", "Tema", "Temanavn", "Side", "Spørgsmål", "Eksempler", "Temanavn (en)", "Spørgsmål (en)",
           "Eksempler (en)"),
    "en": ("Id", "Theme", "Theme name (da)", "Side", "Question (da)", "Examples (da)", "Theme name (en)",
           "Question (en)", "Examples (en)"),
}
#: the aliases and every header :func:`to_rows` writes, so a table made in either language is read
XLSX_COLUMNS: dict[str, tuple[str, ...]] = {
    key: tuple(dict.fromkeys((*aliases, *(headers[TABLE_KEYS.index(key)].lower()
                                          for headers in TABLE_HEADERS.values()))))
    for key, aliases in _COLUMN_ALIASES.items()}
_REQUIRED = ("id", "theme", "side", "text")
#: Row labels of the optional "Om"/"About" sheet of a catalogue workbook -> catalogue key.
ABOUT_KEYS = {"katalog": "id", "catalogue": "id", "version": "version", "navn": "name", "name": "name"}


def from_rows(rows: Sequence[Sequence[Any]], source: str, sheet: str = "", meta: dict[str, str] | None = None,
              base: "Catalogue | None" = None, lang: str | None = None, strict: bool = False) -> Catalogue:
    """Parse tabular catalogue rows (first row = headers); every problem is reported in one run.

    The importer's rules (``strict``: a coordinator's file; the master's own Spørgsmål sheet is
    read without them), each naming sheet and cell: a theme is a number 1-99; a question id is
    ``theme.number`` with its own theme first (``1.2b`` and ``3.1`` under theme 2 are refused); all
    rows of a theme give it the same name; with ``base`` (the shipped catalogue an exported file
    came from, named on its 'Om' sheet) every theme must exist there under the same name; with
    ``lang`` every question needs a text in that language (no English text in a Danish round)."""
    report = Report(source)
    if not rows:
        report.add(C_NO_QUESTIONS(file=source, sheet=sheet))
        _raise_if_errors(report, source)
    header = [clean_text(h).lower() for h in rows[0]]
    cols: dict[str, int] = {}
    for key, aliases in XLSX_COLUMNS.items():
        for i, h in enumerate(header):
            if h in aliases:
                cols[key] = i
                break
    for key in _REQUIRED:
        if key not in cols:
            report.add(C_MISSING_COLUMN(file=source, sheet=sheet, cell="1", column=XLSX_COLUMNS[key][0].capitalize()))
    _raise_if_errors(report, source)

    def get(row: Sequence[Any], key: str) -> Any:
        i = cols.get(key)
        return row[i] if i is not None and i < len(row) else None

    def cell(key: str, r: int) -> str:
        return f"{column_letter(cols[key] + 1)}{r}" if key in cols else str(r)

    base_themes = {t.id: t for t in base.themes} if base is not None else None
    themes: dict[str, dict[str, Any]] = {}
    questions = []
    for r, row in enumerate(rows[1:], start=2):
        if not any(clean_text(v) for v in row):
            continue
        tid = clean_text(get(row, "theme"))
        side = clean_text(get(row, "side")).lower()
        side = SIDE_WORDS.get(side, side)
        qid = clean_text(get(row, "id"))
        good_theme = bool(THEME_ID_RE.match(tid)) or not strict
        if not good_theme:
            report.add(C_BAD_THEME_ID(file=source, sheet=sheet, cell=cell("theme", r), theme=tid))
        elif base_themes is not None and tid not in base_themes:
            report.add(C_NOT_IN_BASE(file=source, sheet=sheet, cell=cell("theme", r), theme=tid,
                                     base=pick(base.name), known=", ".join(base_themes)))
        if strict and ID_RE.match(qid) and good_theme:
            m = QUESTION_ID_RE.match(qid)
            if not m or m.group(1) != tid:
                report.add(C_BAD_QUESTION_ID(file=source, sheet=sheet, cell=cell("id", r), qid=qid,
                                             example=f"{tid}.{m.group(2) if m else 1}"))
        name = {"da": clean_text(get(row, "theme_name"))}
        if clean_text(get(row, "theme_name_en")):
            name["en"] = clean_text(get(row, "theme_name_en"))
        for lg, key in (("da", "theme_name"), ("en", "theme_name_en")):
            given = name.get(lg, "")
            if not given:
                continue
            if tid in themes and themes[tid]["name"].get(lg) and themes[tid]["name"][lg] != given:
                report.add(C_THEME_NAME_DIFFERS(file=source, sheet=sheet, cell=cell(key, r), theme=tid, name=given,
                                                expected=themes[tid]["name"][lg],
                                                where=_WHERE_ROW("da", row=themes[tid]["_row"])))
            elif base_themes is not None and tid in base_themes and base_themes[tid].name.get(lg) \
                    and base_themes[tid].name[lg] != given:
                report.add(C_THEME_NAME_DIFFERS(file=source, sheet=sheet, cell=cell(key, r), theme=tid, name=given,
                                                expected=base_themes[tid].name[lg],
                                                where=_WHERE_BASE("da", base=pick(base.name))))
        if tid not in themes:
            themes[tid] = {"id": tid, "side": side, "name": {k: v for k, v in name.items() if v}, "_row": r}
        else:
            for lg, v in name.items():
                if v:
                    themes[tid]["name"].setdefault(lg, v)
            if themes[tid]["side"] != side:
                report.add(C_BAD_SIDE(file=source, sheet=sheet, cell=cell("side", r), theme=tid, side=side))
        text = {"da": clean_text(get(row, "text"))}
        if clean_text(get(row, "text_en")):
            text["en"] = clean_text(get(row, "text_en"))
        if lang and not text.get(lang) and any(text.values()):
            column = "text" if lang == "da" else "text_en"
            report.add(C_MISSING_LANG_TEXT(file=source, sheet=sheet, cell=cell(column, r), qid=qid,
                                           language=LANGUAGE_NAMES.get(lang, Msg(lang, lang))("da"),
                                           column=XLSX_COLUMNS[column][0].capitalize()
                                           if column == "text" else XLSX_COLUMNS[column][0]))
        examples = {"da": clean_text(get(row, "examples")).splitlines()}
        if clean_text(get(row, "examples_en")):
            examples["en"] = clean_text(get(row, "examples_en")).splitlines()
        questions.append({"id": get(row, "id"), "theme": tid, "text": text, "examples": examples,
                          "_row": r, "_cell": cell("id", r)})
    for t in themes.values():
        t["name"] = t["name"] or {"da": t["id"]}
    meta = meta or {}
    stem = Path(source).stem
    data = {"id": meta.get("id") or stem, "version": meta.get("version") or "1",
            "name": {"da": meta.get("name") or stem}, "themes": list(themes.values()), "questions": questions}
    return from_data(data, source=source, sheet=sheet, report=report)


_WHERE_ROW = Msg("i række {row}", "in row {row}")
_WHERE_BASE = Msg("i {base}", "in {base}")


def to_rows(cat: Catalogue, lang: str = "da") -> list[list[str]]:
    """Tabular form (header + one row per question), the inverse of :func:`from_rows`; the
    headers in ``lang`` (:data:`TABLE_HEADERS`)."""
    rows: list[list[str]] = [list(TABLE_HEADERS.get(lang, TABLE_HEADERS["da"]))]
    for q in cat.questions:
        t = cat.theme(q.theme)
        side = t.side if lang != "en" else SIDE_NAMES.get(t.side, {}).get("en", t.side)
        rows.append([q.id, t.id, t.name.get("da", ""), side, q.text.get("da", ""),
                     "\n".join(q.examples.get("da", ())), t.name.get("en", ""), q.text.get("en", ""),
                     "\n".join(q.examples.get("en", ()))])
    return rows
