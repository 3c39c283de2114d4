"""A returned scoring workbook's *content*: identity, answers and validation.

:func:`read_return` reads one file (after :mod:`xl_kik.excel.intake` has checked it as a file)
and gives a :class:`ReturnResult`: the :class:`Response` when the file is accepted, plus a
:class:`~xl_kik.core.problems.Report` naming file, sheet and cell of every problem.

* Identity comes from the ``_kik`` metadata sheet (found by name, any visibility), with
  the custom document properties ``xl_kik_<key>`` as fallback. Identity errors (another
  round, unknown participant, wrong token, other catalogue or scale, damaged metadata,
  other format version, tampered layout, missing evaluation sheet) reject the whole file:
  ``response is None``.
* Question rows are located by the hidden question-id column, never by position.
* A bad value never discards the file's other answers: the bad points cell is ignored
  (error), everything else is kept. ``"60"`` stored as text is accepted with a warning.
* Text is kept as typed (control characters removed), at most 5,000 characters;
  formula-looking text stays text and gets an info note. Nothing is ever evaluated.

:func:`collect_returns` reads a round's ``retur/`` folder: one result per file, duplicates
(same bytes) reported once, the newest file per participant wins (both reported),
participants without a file listed as ``missing``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from xl_kik.excel import intake
from xl_kik.excel import scoring
from xl_kik.core.catalogue import clean_text
from xl_kik.core.problems import ERROR, INFO, WARNING, Problem, Report, define
from xl_kik.core.round import Participant, RoundSetup

META_SHEET = scoring.META_SHEET
PROP_PREFIX = scoring.CUSTOM_PROPERTY_PREFIX
FORMAT = scoring.FORMAT  # "xl_kik.scoring/1"
FORMAT_NAME, _, _version = FORMAT.partition("/")
FORMAT_VERSION = int(_version)
MAX_TEXT = scoring.MAX_TEXT_CHARS  # 5,000
TEXT_FIELDS = ("strengths", "improvements", "ideas")
LAYOUT_KEYS = ("sheet", "header_row", "col_qid", "col_points", "col_strengths", "col_improvements",
               "col_ideas", "questions")
PARALLEL_MIN_FILES = 64  # below this a process pool costs more than it saves
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})

# ---------------------------------------------------------------- problem types
# Identity: the whole file is rejected.
R_NOT_XLKIK = define(
    "R001", ERROR, ("Ikke en udsendt xl_kik-fil", "Not an xl_kik scoring file"),
    ("Filen {file} er en Excel-fil, men ikke en af de udsendte evalueringsfiler (arket '_kik' og "
     "filens egenskaber mangler). Bed deltageren udfylde og sende den fil, de fik tilsendt.",
     "The file {file} is an Excel file but not one of the scoring files that were sent out (the '_kik' "
     "sheet and the file properties are missing). Ask the participant to fill in and send the file "
     "they received."))
R_WRONG_KIND = define(
    "R002", ERROR, ("Forkert slags xl_kik-fil", "Wrong kind of xl_kik file"),
    ("Filen {file} er ikke en evalueringsfil fra en deltager, men en anden xl_kik-fil ({kind}). "
     "Den er ikke læst som en besvarelse.",
     "The file {file} is not a participant's scoring file but another xl_kik file ({kind}). It was "
     "not read as a response."))
R_FORMAT_NEWER = define(
    "R003", ERROR, ("Filen er lavet af en nyere xl_kik", "File made by a newer xl_kik"),
    ("Filen {file} er lavet med en nyere version af xl_kik (format {found}; denne version læser "
     "{expected}). Opdater xl_kik og flet igen.",
     "The file {file} was made by a newer version of xl_kik (format {found}; this version reads "
     "{expected}). Update xl_kik and merge again."))
R_FORMAT_OLDER = define(
    "R004", ERROR, ("Filen er lavet af en ældre xl_kik", "File made by an older xl_kik"),
    ("Filen {file} er lavet med en ældre version af xl_kik (format {found}; denne version læser "
     "{expected}). Send en ny evalueringsfil til deltageren.",
     "The file {file} was made by an older version of xl_kik (format {found}; this version reads "
     "{expected}). Send the participant a new scoring file."))
R_OTHER_ROUND = define(
    "R005", ERROR, ("Filen hører til en anden runde", "File belongs to another round"),
    ("Filen {file} hører til runden {found} ({unit}), ikke til denne runde {expected}. Måske er det "
     "en fil fra en tidligere evaluering. Den er ikke flettet.",
     "The file {file} belongs to round {found} ({unit}), not to this round {expected}. Perhaps it is a "
     "file from an earlier evaluation. It was not merged."))
R_UNKNOWN_PARTICIPANT = define(
    "R006", ERROR, ("Ukendt deltager", "Unknown participant"),
    ("Filen {file} er udsendt til deltager {pid} ({name}), som ikke længere står på deltagerlisten. "
     "Tilføj deltageren igen på arket Deltagere, hvis svarene skal med.",
     "The file {file} was sent to participant {pid} ({name}), who is no longer on the participants "
     "list. Add the participant again on the Participants sheet if the answers should count."))
R_TOKEN = define(
    "R007", ERROR, ("Filens identitet er ændret", "The file's identity was changed"),
    ("Filen {file} siger, at den tilhører deltager {pid}, men dens kontrolkode passer ikke. Identiteten "
     "er ændret efter udsendelsen (fx kopieret fra en anden deltagers fil); filen er ikke flettet.",
     "The file {file} says it belongs to participant {pid}, but its check code does not match. Its "
     "identity was changed after it was sent (e.g. copied from another participant's file); it was not "
     "merged."))
R_OTHER_CATALOGUE = define(
    "R008", ERROR, ("Andet spørgsmålskatalog", "Other question catalogue"),
    ("Filen {file} er lavet til spørgsmålskataloget {found}, men runden bruger {expected}. Den er ikke "
     "flettet; send en ny evalueringsfil.",
     "The file {file} was made for the question catalogue {found}, but the round uses {expected}. It "
     "was not merged; send a new scoring file."))
R_CATALOGUE_CHANGED = define(
    "R009", ERROR, ("Spørgsmålene er ændret siden udsendelsen", "Questions changed since sending"),
    ("Filen {file} er lavet med en anden udgave af spørgsmålene end rundens (kataloget {catalogue} er "
     "ændret efter udsendelsen). Svarene kan ikke kobles sikkert til spørgsmålene; send en ny "
     "evalueringsfil.",
     "The file {file} was made with another edition of the questions than the round's (catalogue "
     "{catalogue} was changed after sending). The answers cannot be matched safely; send a new "
     "scoring file."))
R_OTHER_SCALE = define(
    "R010", ERROR, ("Anden pointskala", "Other points scale"),
    ("Filen {file} bruger pointskalaen {found}, men runden bruger {expected}. Den er ikke flettet.",
     "The file {file} uses the points scale {found}, but the round uses {expected}. It was not merged."))
R_META_FROM_PROPS = define(
    "R011", WARNING, ("Metadata-arket mangler", "Metadata sheet missing"),
    ("Det skjulte ark '_kik' mangler i filen {file}; identiteten er læst fra filens egenskaber og "
     "svarene fra arket {sheet} efter den udsendte opbygning.",
     "The hidden sheet '_kik' is missing from the file {file}; the identity was read from the file's "
     "properties and the answers from the sheet {sheet} using the layout that was sent out."))
R_META_BROKEN = define(
    "R012", ERROR, ("Metadata er beskadiget", "Metadata damaged"),
    ("Det skjulte ark {sheet} i filen {file} er ændret eller beskadiget: '{key}' mangler eller er "
     "ugyldig (celle {cell}). Filen er ikke flettet; send en ny evalueringsfil.",
     "The hidden sheet {sheet} in the file {file} was changed or damaged: '{key}' is missing or invalid "
     "(cell {cell}). The file was not merged; send a new scoring file."))
R_PROPS_BROKEN = define(
    "R028", ERROR, ("Filens egenskaber er beskadigede", "File properties damaged"),
    ("Filen {file} har intet '_kik'-ark, og filens egenskaber er ændret eller beskadigede: '{key}' "
     "mangler eller er ugyldig. Filen er ikke flettet; send en ny evalueringsfil.",
     "The file {file} has no '_kik' sheet, and its properties were changed or damaged: '{key}' is "
     "missing or invalid. The file was not merged; send a new scoring file."))
R_NO_SHEET = define(
    "R013", ERROR, ("Evalueringsarket mangler", "Evaluation sheet missing"),
    ("Filen {file} har intet ark med navnet {sheet}. Måske er arket omdøbt eller slettet. Omdøb det "
     "tilbage til {sheet}, eller bed deltageren sende den udsendte fil.",
     "The file {file} has no sheet named {sheet}. Perhaps the sheet was renamed or deleted. Rename it "
     "back to {sheet}, or ask the participant to send the file that was sent out."))
R_LAYOUT = define(
    "R014", ERROR, ("Filens opbygning er ændret", "The file's layout was changed"),
    ("Opbygningen af filen {file} er ændret: kontrolsummen i det skjulte ark {sheet}, celle {cell}, "
     "passer ikke med kolonnerne og spørgsmålene. Svarene kan ikke læses sikkert; filen er ikke flettet.",
     "The layout of the file {file} was changed: the checksum in the hidden sheet {sheet}, cell {cell}, "
     "does not match the columns and questions. The answers cannot be read safely; the file was not "
     "merged."))
R_QUESTIONS_CHANGED = define(
    "R027", ERROR, ("Spørgsmålslisten er ændret", "Question list changed"),
    ("Listen over spørgsmål i filen {file} (ark {sheet}, celle {cell}) er ikke rundens spørgsmål. "
     "Svarene kan ikke kobles sikkert; filen er ikke flettet.",
     "The list of questions in the file {file} (sheet {sheet}, cell {cell}) is not the round's. The "
     "answers cannot be matched safely; the file was not merged."))
R_QID_MISSING = define(
    "R015", ERROR, ("Spørgsmål mangler", "Questions missing"),
    ("I filen {file}, ark {sheet}, blev spørgsmål {qids} ikke fundet (den skjulte kolonne {cell} "
     "med spørgsmålsnumre). Måske er rækker slettet. De øvrige svar er læst.",
     "In the file {file}, sheet {sheet}, the questions {qids} were not found (the hidden column {cell} "
     "holding question ids). Perhaps rows were deleted. The other answers were read."))
R_QID_UNKNOWN = define(
    "R016", WARNING, ("Ukendt spørgsmåls-id", "Unknown question id"),
    ("I filen {file}, ark {sheet}, celle {cell} står spørgsmåls-id {qid!r}, som ikke findes i runden. "
     "Rækken er ikke læst.",
     "In the file {file}, sheet {sheet}, cell {cell} holds the question id {qid!r}, which is not in "
     "the round. The row was not read."))
R_QID_DUPLICATE = define(
    "R017", ERROR, ("Spørgsmål findes to gange", "Question occurs twice"),
    ("I filen {file}, ark {sheet}, står spørgsmål {qid} både i række {first_row} og i celle {cell}. "
     "Måske er en række kopieret. Kun række {first_row} er læst.",
     "In the file {file}, sheet {sheet}, question {qid} is in row {first_row} and again in cell {cell}. "
     "Perhaps a row was copied. Only row {first_row} was read."))
R_ORDER = define(
    "R018", WARNING, ("Rækkefølgen er ændret", "Order changed"),
    ("I filen {file}, ark {sheet}, er spørgsmålenes rækkefølge ændret (fx sorteret). Svarene er læst "
     "efter spørgsmåls-id i den skjulte kolonne {cell}; tjek at spørgsmålsteksterne stadig står ud for "
     "de rigtige svar.",
     "In the file {file}, sheet {sheet}, the order of the questions was changed (e.g. sorted). The "
     "answers were read by the question ids in the hidden column {cell}; check that the question "
     "texts are still next to the right answers."))
R_IDENTITY_CONFLICT = define(
    "R019", WARNING, ("Modstridende identitet", "Conflicting identity"),
    ("I filen {file} siger det skjulte ark {sheet}, celle {cell}, '{key}' = {sheet_value!r}, men filens "
     "egenskaber siger {prop_value!r}. Arket er brugt.",
     "In the file {file} the hidden sheet {sheet}, cell {cell}, says '{key}' = {sheet_value!r}, but the "
     "file's properties say {prop_value!r}. The sheet was used."))
# Values: the cell is ignored (errors) or kept with a note; the rest of the file is kept.
R_RANGE = define(
    "R020", ERROR, ("Point uden for skalaen", "Points out of range"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står {value}; point skal være et "
     "helt tal fra {min} til {max}. Pointet er ikke talt med; resten af filen er læst.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds {value}; points must be a "
     "whole number from {min} to {max}. The points were ignored; the rest of the file was read."))
R_DECIMAL = define(
    "R021", ERROR, ("Point med decimaler", "Points with decimals"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står {value}; point skal være et "
     "helt tal (fx {suggestion}). Pointet er ikke talt med; resten af filen er læst.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds {value}; points must be a "
     "whole number (e.g. {suggestion}). The points were ignored; the rest of the file was read."))
R_TEXT_NUMBER = define(
    "R022", WARNING, ("Point skrevet som tekst", "Points stored as text"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) er pointet {value!r} gemt som tekst. "
     "Det er læst som tallet {points}.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) the points {value!r} are stored "
     "as text. They were read as the number {points}."))
R_TEXT_POINTS = define(
    "R023", ERROR, ("Tekst i pointfeltet", "Text in the points cell"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står {value!r}; point skal være et "
     "helt tal fra {min} til {max} eller tomt (= ved ikke). Pointet er ikke talt med; resten af filen "
     "er læst.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds {value!r}; points must be a "
     "whole number from {min} to {max} or blank (= don't know). The points were ignored; the rest of "
     "the file was read."))
R_BOOL_POINTS = define(
    "R024", ERROR, ("Sand/falsk i pointfeltet", "True/false in the points cell"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står en sandhedsværdi ({value}); "
     "point skal være et helt tal fra {min} til {max}. Pointet er ikke talt med.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds a logical value ({value}); "
     "points must be a whole number from {min} to {max}. The points were ignored."))
R_DATE_POINTS = define(
    "R025", ERROR, ("Dato i pointfeltet", "Date in the points cell"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står en dato eller et klokkeslæt "
     "({value}); point skal være et helt tal fra {min} til {max}. Pointet er ikke talt med.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds a date or time ({value}); "
     "points must be a whole number from {min} to {max}. The points were ignored."))
R_ERROR_POINTS = define(
    "R026", ERROR, ("Fejlværdi i pointfeltet", "Error value in the points cell"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står fejlværdien {value} (fx fra en "
     "formel); point skal være et helt tal fra {min} til {max}. Pointet er ikke talt med.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds the error value {value} "
     "(e.g. from a formula); points must be a whole number from {min} to {max}. The points were "
     "ignored."))
R_TEXT_TOO_LONG = define(
    "R030", WARNING, ("For lang tekst", "Text too long"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) er teksten {length} tegn; de første "
     "{limit} er læst. Resten står stadig i filen.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) the text is {length} characters; "
     "the first {limit} were read. The rest is still in the file."))
R_FORMULA_TEXT = define(
    "R031", INFO, ("Tekst der ligner en formel", "Text that looks like a formula"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) begynder teksten med {start!r}, som "
     "en formel. Den er læst som almindelig tekst og bliver aldrig beregnet.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) the text starts with {start!r}, "
     "like a formula. It was read as plain text and is never calculated."))
R_EMPTY = define(
    "R032", WARNING, ("Tom besvarelse", "Empty response"),
    ("Filen {file} (deltager {name}) indeholder ingen point og ingen tekst på arket {sheet}. Måske er "
     "den sendt uden at være udfyldt eller gemt. Den tæller som afleveret uden svar.",
     "The file {file} (participant {name}) contains no points and no text on the sheet {sheet}. "
     "Perhaps it was sent without being filled in or saved. It counts as returned without answers."))
# Collection of a folder.
R_DUPLICATE_FILE = define(
    "R040", WARNING, ("Samme fil to gange", "Same file twice"),
    ("Filen {file} er en nøjagtig kopi af {other}; kun {other} er læst.",
     "The file {file} is an exact copy of {other}; only {other} was read."))
R_SUPERSEDED = define(
    "R041", WARNING, ("Ældre besvarelse ikke brugt", "Older response not used"),
    ("Deltager {name} har afleveret flere filer: {file} og {newer}. Den nyeste, {newer}, er brugt; "
     "{file} er ikke flettet.",
     "Participant {name} returned more than one file: {file} and {newer}. The newest, {newer}, was "
     "used; {file} was not merged."))
R_SUPERSEDES = define(
    "R042", INFO, ("Nyeste besvarelse brugt", "Newest response used"),
    ("Deltager {name} har afleveret flere filer; {file} er den nyeste og er brugt i stedet for {older}.",
     "Participant {name} returned more than one file; {file} is the newest and was used instead of "
     "{older}."))
R_NOT_TOP_LEVEL = define(
    "R043", INFO, ("Mappe i returmappen", "Folder in the returns folder"),
    ("Mappen {file} i returmappen er ikke læst; læg besvarelserne direkte i returmappen.",
     "The folder {file} in the returns folder was not read; put the returned files directly in the "
     "returns folder."))

_INT_RE = re.compile(r"^[+-]?[0-9]{1,15}$")        # ASCII digits only: "٣" is text
_DEC_RE = re.compile(r"^([+-]?[0-9]{1,15})[.,]([0-9]+)$")
_FORMULA_RE = re.compile(
    r"^\s*(?:[=@]|[+\-](?=[A-Za-z_$][\w.$]*\s*\(|\d+(?:[.,]\d+)?\s*[+\-*/^&]|[A-Za-z_]\w*\|))")
_FORMULA_START = frozenset("=@+-")
_COL_RE = re.compile(r"^[A-Z]{1,3}$")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class Answer:
    qid: str
    points: int | None
    strengths: str
    improvements: str
    ideas: str


@dataclass
class Response:
    pid: str
    name: str
    file: Path
    modified: float          # file mtime (seconds since the epoch)
    sha256: str
    answers: dict[str, Answer]
    answered: int            # answers whose points are not None
    saved_by: str            # "Microsoft Excel" / "LibreOffice" / ... (docProps/app.xml)
    saved_at: str = ""       # docProps/core.xml modified (ISO text), "" if absent
    round_id: str = ""

    @property
    def has_content(self) -> bool:
        """True when the participant wrote anything: points or text."""
        return self.answered > 0 or any(a.strengths or a.improvements or a.ideas for a in self.answers.values())

    @property
    def saved_time(self) -> float:
        """When the participant's program last saved the workbook (core properties), else the
        file's mtime. The mtime says when an attachment was stored, not when it was filled in,
        so it is only the fallback."""
        text = (self.saved_at or "").strip()
        if text:
            try:
                stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if stamp.tzinfo is None:
                    stamp = stamp.replace(tzinfo=dt.timezone.utc)
                return stamp.timestamp()
            except ValueError:
                pass
        return self.modified


def _recency(res: "ReturnResult") -> tuple:
    """Order of returns from one participant: a return with content always beats an empty
    one (an untouched copy of the outgoing file must never replace real answers), then the
    workbook's own save time, then the file time, then the name."""
    r = res.response
    assert r is not None
    return (r.has_content, r.saved_time, r.modified, res.path.name)


@dataclass
class ReturnResult:
    path: Path
    response: Response | None   # None = rejected (not merged)
    report: Report

    @property
    def accepted(self) -> bool:
        return self.response is not None

    @property
    def name(self) -> str:
        return self.path.name

    def codes(self) -> list[str]:
        return self.report.codes()


@dataclass
class Collection:
    results: list[ReturnResult]
    responses: dict[str, Response]       # accepted, the newest per participant
    missing: list[Participant]
    superseded: list[ReturnResult]
    duplicates: list[ReturnResult] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.results for p in r.report.problems]


# ---------------------------------------------------------------- helpers
def col_index(letters: str) -> int:
    """0-based index of a column letter (``A`` -> 0)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def layout_fingerprint(meta: Mapping[str, str]) -> str:
    """The layout fingerprint the generator would write for these metadata values."""
    questions = [q for q in meta.get("questions", "").split(",")]
    return scoring.layout_fingerprint(questions, meta.get("col_qid", ""), meta.get("col_points", ""),
                                      meta.get("col_strengths", ""), meta.get("col_improvements", ""),
                                      meta.get("col_ideas", ""), fmt=meta.get("format", ""))


def normalise_app(application: str) -> str:
    """The program that saved the file, from docProps/app.xml ``Application``.

    ``LibreOffice/7.4.7.2$Linux...`` -> ``LibreOffice``; ``Microsoft Excel Compatible /
    Openpyxl 3.1.5`` -> ``openpyxl``; ``Microsoft Excel`` unchanged (XlsxWriter, and so a
    generated file never saved by a person, also says ``Microsoft Excel``).
    """
    text = (application or "").strip()
    if not text:
        return ""
    low = text.lower()
    for known, shown in (("openpyxl", "openpyxl"), ("libreoffice", "LibreOffice"), ("openoffice", "OpenOffice"),
                         ("numbers", "Numbers"), ("google", "Google Sheets"), ("wps", "WPS Office")):
        if known in low:
            return shown
    return text.split("/", 1)[0].strip()[:60]


def _cell_text(value: Any) -> str:
    """A metadata cell as a string (LibreOffice may turn ``"100"`` into a number)."""
    if value is None or value == "":
        return ""
    if type(value) is str and value.isalnum():  # fast path: most ids and keys
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return clean_text(value)


def _broken(file: str, sheet: str, cell: str, key: str, lang: str) -> Problem:
    """Damaged metadata: on the ``_kik`` sheet (cell of the value, column A if the key is gone)
    or in the custom properties."""
    if sheet:
        return R_META_BROKEN(file=file, sheet=sheet, cell=cell or "A", key=key)
    return R_PROPS_BROKEN(file=file, key=key)


def _props(raw: intake.RawWorkbook) -> dict[str, str]:
    """The ``xl_kik_<key>`` custom document properties as ``{key: value}``."""
    return {k[len(PROP_PREFIX):]: clean_text(v) for k, v in raw.custom_properties.items()
            if k.startswith(PROP_PREFIX)}


def _read_meta_sheet(raw: intake.RawWorkbook, sheet: str) -> tuple[dict[str, str], dict[str, str]]:
    """``{key: value}`` and ``{key: cell of the value}`` of the ``_kik`` sheet."""
    meta: dict[str, str] = {}
    cells: dict[str, str] = {}
    for r, row in enumerate(raw.rows(sheet)):
        if not row:
            continue
        key = _cell_text(row[0])
        if key and key not in meta:
            meta[key] = _cell_text(row[1]) if len(row) > 1 else ""
            cells[key] = f"B{r + 1}"
    return meta, cells


def _format_version(fmt: str) -> tuple[str, int | None]:
    name, _, version = fmt.partition("/")
    try:
        return name, int(version)
    except ValueError:
        return name, None


_FP_CACHE: dict[int, tuple[Any, str]] = {}


def _fingerprint(cat: Any) -> str:
    """``cat.fingerprint`` cached per catalogue object (it hashes the whole catalogue)."""
    hit = _FP_CACHE.get(id(cat))
    if hit is None or hit[0] is not cat:
        if len(_FP_CACHE) > 64:
            _FP_CACHE.clear()
        hit = _FP_CACHE[id(cat)] = (cat, cat.fingerprint)
    return hit[1]


# ---------------------------------------------------------------- the expected layout
def expected_layout(setup: RoundSetup) -> dict[str, str] | None:
    """The layout keys of the metadata the generator writes for this round (or None).

    Used when a returned file lost its ``_kik`` sheet (some tools drop hidden sheets):
    the answers are then read where the generator put them.
    """
    try:
        layout = scoring.make_layout(setup)
    except Exception:  # noqa: BLE001 - e.g. an unsupported language: no fallback layout
        return None
    out = {"format": scoring.FORMAT, "sheet": layout.sheet, "header_row": str(layout.header_row),
           "col_qid": layout.col_qid, "col_points": layout.col_points, "col_strengths": layout.col_strengths,
           "col_improvements": layout.col_improvements, "col_ideas": layout.col_ideas,
           "questions": ",".join(layout.questions)}
    out["layout_fingerprint"] = layout.fingerprint
    return out


# ---------------------------------------------------------------- one file
def read_return(path: str | Path, setup: RoundSetup, participants: Sequence[Participant],
                lang: str = "da") -> ReturnResult:
    """Read and validate one returned file. Never raises."""
    path = Path(path)
    return _read_safely(path, None, setup, {p.pid: p for p in participants}, lang)


def _read_safely(path: Path, data: bytes | None, setup: RoundSetup, people: Mapping[str, Participant],
                 lang: str, mtime: float | None = None, sha256: str | None = None) -> ReturnResult:
    report = Report(path.name)
    try:
        response = _read(path, data, setup, people, lang, report, mtime, sha256)
    except Exception as exc:  # noqa: BLE001 - the contract: never crash on a returned file
        if type(exc).__module__.startswith("python_calamine"):  # a sheet calamine cannot parse
            report.add(intake.F_CORRUPT(file=path.name, reason=type(exc).__name__))
        else:
            report.add(intake.F_UNEXPECTED(file=path.name, error=type(exc).__name__))
        response = None
    return ReturnResult(path, response, report)


def _read(path: Path, data: bytes | None, setup: RoundSetup, people: Mapping[str, Participant],
          lang: str, report: Report, mtime: float | None, sha256: str | None = None) -> Response | None:
    raw = intake.open_workbook(path, lang, data, sha256)
    if isinstance(raw, list):
        report.extend(raw)
        return None
    try:
        report.extend(raw.problems)
        return _read_content(path, raw, setup, people, lang, report, mtime)
    finally:
        raw.close()


def _read_content(path: Path, raw: intake.RawWorkbook, setup: RoundSetup, people: Mapping[str, Participant],
                  lang: str, report: Report, mtime: float | None) -> Response | None:
    name = path.name
    # -- metadata: the sheet, else the custom properties
    meta_info = raw.find_sheet(META_SHEET)
    props: dict[str, str] | None = None
    if meta_info is not None:
        meta_sheet = meta_info.name
        meta, cells = _read_meta_sheet(raw, meta_sheet)
        if not meta.get("format"):
            props = _props(raw)
            if props.get("format"):
                meta, cells, meta_sheet = dict(props), {}, ""
    else:
        props = _props(raw)
        meta, cells, meta_sheet = dict(props), {}, ""
    from_props = not meta_sheet
    fmt = meta.get("format", "")
    if not fmt:
        report.add(R_NOT_XLKIK(file=name))
        return None

    def cell(key: str) -> str:
        return cells.get(key, "")

    fmt_name, fmt_version = _format_version(fmt)
    if fmt_name != FORMAT_NAME:
        kind = "hovedfil/master" if fmt_name == "xl_kik.excel.master" else fmt
        report.add(R_WRONG_KIND(file=name, kind=kind))
        return None
    if fmt_version is None or fmt_version != FORMAT_VERSION:
        ptype = R_FORMAT_NEWER if (fmt_version or 0) > FORMAT_VERSION else R_FORMAT_OLDER
        if fmt_version is None:
            report.add(_broken(name, meta_sheet, cell("format"), "format", lang))
            return None
        report.add(ptype(file=name, found=fmt, expected=FORMAT))
        return None

    # -- identity
    if meta_sheet and "docProps/custom.xml" in raw.members:
        # The sheet wins; a differing property is worth a warning (e.g. a copied sheet).
        # Fast path: the values are in custom.xml verbatim; parse only when not.
        keys = ("round_id", "participant_id", "participant_token")
        if not all(raw.custom_property_has(meta.get(k, "")) for k in keys):
            props = _props(raw)
            for key in keys:
                if props.get(key) and meta.get(key) and props[key] != meta[key]:
                    report.add(R_IDENTITY_CONFLICT(file=name, sheet=meta_sheet, cell=cell(key), key=key,
                                                   sheet_value=meta[key], prop_value=props[key]))
    round_id = meta.get("round_id", "")
    if round_id != setup.round_id:
        if not round_id:
            report.add(_broken(name, meta_sheet, cell("round_id"), "round_id", lang))
        else:
            report.add(R_OTHER_ROUND(file=name, found=round_id,
                                     unit=meta.get("unit") or "?", expected=setup.round_id))
        return None
    pid = meta.get("participant_id", "")
    token = meta.get("participant_token", "")
    if not pid:
        report.add(_broken(name, meta_sheet, cell("participant_id"), "participant_id", lang))
        return None
    if not hmac.compare_digest(token.encode(), setup.token(pid).encode()):
        report.add(R_TOKEN(file=name, pid=pid))
        return None
    person = people.get(pid)
    if person is None:
        report.add(R_UNKNOWN_PARTICIPANT(file=name, pid=pid,
                                         name=meta.get("participant_name") or "?"))
        return None
    cat = setup.catalogue
    found_cat = (meta.get("catalogue_id", ""), meta.get("catalogue_version", ""))
    if found_cat != (cat.id, cat.version):
        report.add(R_OTHER_CATALOGUE(file=name, found=f"{found_cat[0] or '?'} version {found_cat[1] or '?'}",
                                     expected=f"{cat.id} version {cat.version}"))
        return None
    if meta.get("catalogue_fingerprint", "") != _fingerprint(cat):
        report.add(R_CATALOGUE_CHANGED(file=name, catalogue=cat.id))
        return None
    scale = setup.scale
    found_scale = meta.get("scale", "")
    lo_hi = (meta.get("scale_min"), meta.get("scale_max"))
    if found_scale != scale.id or (not from_props and lo_hi != (str(scale.min), str(scale.max))):
        report.add(R_OTHER_SCALE(file=name, found=found_scale or "?",
                                 expected=scale.id))
        return None

    # -- layout
    if from_props:
        layout = expected_layout(setup)
        if layout is None:
            report.add(R_NOT_XLKIK(file=name))
            return None
        meta.update(layout)
        report.add(R_META_FROM_PROPS(file=name, sheet=layout.get("sheet", "")))
    for key in LAYOUT_KEYS:
        value = meta.get(key, "")
        bad = not value
        if key.startswith("col_"):
            bad = not _COL_RE.match(value)
        elif key == "header_row":
            bad = not value.isdigit() or not 0 < int(value) < 100000
        if bad:
            report.add(_broken(name, meta_sheet, cell(key), key, lang))
            return None
    listed = [q.strip() for q in meta["questions"].split(",") if q.strip()]
    sheet_name = meta["sheet"]
    if not from_props:
        stored = meta.get("layout_fingerprint", "")
        if stored != layout_fingerprint(meta):
            report.add(R_LAYOUT(file=name, sheet=meta_sheet, cell=cell("layout_fingerprint") or "A"))
            return None
    if listed != list(setup.question_ids) and sorted(listed) != sorted(setup.question_ids):
        report.add(R_QUESTIONS_CHANGED(file=name, sheet=meta_sheet or scoring.META_SHEET,
                                       cell=cell("questions") or "A"))
        return None
    info = raw.sheet(sheet_name)
    if info is None:
        report.add(R_NO_SHEET(file=name, sheet=sheet_name))
        return None

    # -- answers, located by the hidden question-id column
    qid_letter = meta["col_qid"]
    c_qid = col_index(qid_letter)
    cols = [(f, meta[f"col_{f}"], col_index(meta[f"col_{f}"])) for f in TEXT_FIELDS]
    pts_letter = meta["col_points"]
    c_pts = col_index(pts_letter)
    header = int(meta["header_row"])
    grid = raw.rows(sheet_name)
    qids = setup.question_ids
    wanted = set(qids)
    rows: dict[str, int] = {}
    for r in range(header, len(grid)):
        row = grid[r]
        if c_qid >= len(row):
            continue
        value = row[c_qid]
        if value is None or value == "":
            continue
        qid = value if value in wanted else _cell_text(value)
        if not qid:
            continue
        if qid not in wanted:
            report.add(R_QID_UNKNOWN(file=name, sheet=sheet_name, cell=f"{qid_letter}{r + 1}", qid=qid[:40]))
        elif qid in rows:
            report.add(R_QID_DUPLICATE(file=name, sheet=sheet_name, cell=f"{qid_letter}{r + 1}", qid=qid,
                                       first_row=rows[qid] + 1))
        else:
            rows[qid] = r
    missing = [q for q in qids if q not in rows]
    if missing:
        report.add(R_QID_MISSING(file=name, sheet=sheet_name, cell=qid_letter, qids=", ".join(missing)))
    order = [q for q in listed if q in rows]
    if sorted(order, key=rows.__getitem__) != order:
        report.add(R_ORDER(file=name, sheet=sheet_name, cell=qid_letter))
    errors = raw.error_cells(sheet_name) if raw.has_error_cells else {}
    lo, hi = setup.scale.min, setup.scale.max
    answers: dict[str, Answer] = {}
    has_text = False
    for qid in qids:
        r = rows.get(qid)
        if r is None:
            continue
        row = grid[r]
        width = len(row)
        value = row[c_pts] if c_pts < width else None
        ref = f"{pts_letter}{r + 1}"
        if value == "" and not errors:
            points = None
        else:
            points, problem = parse_points(value, lo, hi, error_value=errors.get(ref))
            if problem is not None:
                ptype, params = problem
                report.add(ptype(file=name, sheet=sheet_name, cell=ref, qid=qid, min=lo, max=hi, **params))
        texts = []
        for f, letter, c in cols:
            value = row[c] if c < width else None
            if value == "" and not errors:
                texts.append("")
                continue
            tref = f"{letter}{r + 1}"
            text, notes = parse_text(value, lang, error_value=errors.get(tref))
            for ptype, params in notes:
                report.add(ptype(file=name, sheet=sheet_name, cell=tref, qid=qid, **params))
            texts.append(text)
            if text:
                has_text = True
        answers[qid] = Answer(qid, points, texts[0], texts[1], texts[2])
    answered = sum(1 for a in answers.values() if a.points is not None)
    if not answered and not has_text:
        report.add(R_EMPTY(file=name, sheet=sheet_name, name=person.name))
    if mtime is None:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = 0.0
    return Response(pid=pid, name=person.name, file=path, modified=mtime, sha256=raw.sha256, answers=answers,
                    answered=answered, saved_by=normalise_app(raw.application), saved_at=raw.modified,
                    round_id=round_id)


# ---------------------------------------------------------------- values
def parse_points(value: Any, lo: int, hi: int, error_value: str | None = None
                 ) -> tuple[int | None, tuple[Any, dict[str, Any]] | None]:
    """Classify a points cell: ``(points or None, (problem type, params) or None)``.

    Blank = None without a problem ("ved ikke"). A problem of severity error means the
    value was ignored (points None); a warning means it was accepted.
    """
    if error_value:
        return None, (R_ERROR_POINTS, {"value": error_value})
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, (R_BOOL_POINTS, {"value": "SAND" if value else "FALSK"})
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return None, (R_DATE_POINTS, {"value": shown})
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return None, (R_TEXT_POINTS, {"value": str(value)})
        if not number.is_integer():
            return None, (R_DECIMAL, {"value": _show_number(number), "suggestion": _suggest(number, lo, hi)})
        points = int(number)
        if not lo <= points <= hi:
            return None, (R_RANGE, {"value": points})
        return points, None
    if isinstance(value, str):
        text = clean_text(value.translate(_SPACES))
        if not text:
            return None, None
        if intake.is_excel_error(text):
            return None, (R_ERROR_POINTS, {"value": text.upper()})
        if _INT_RE.match(text):
            points = int(text)
            if not lo <= points <= hi:
                return None, (R_RANGE, {"value": text})
            return points, (R_TEXT_NUMBER, {"value": text, "points": points})
        m = _DEC_RE.match(text)
        if m:
            if set(m.group(2)) == {"0"}:  # "60,0"
                points = int(m.group(1))
                if not lo <= points <= hi:
                    return None, (R_RANGE, {"value": text})
                return points, (R_TEXT_NUMBER, {"value": text, "points": points})
            number = float(f"{m.group(1)}.{m.group(2)}")
            return None, (R_DECIMAL, {"value": text, "suggestion": _suggest(number, lo, hi)})
        return None, (R_TEXT_POINTS, {"value": text[:60]})
    return None, (R_TEXT_POINTS, {"value": str(value)[:60]})


def _show_number(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def _suggest(number: float, lo: int, hi: int) -> int:
    return int(min(max(math.floor(number + 0.5), lo), hi))


_BOOL_TEXT = {"da": ("SAND", "FALSK"), "en": ("TRUE", "FALSE")}


def parse_text(value: Any, lang: str = "da", error_value: str | None = None
               ) -> tuple[str, list[tuple[Any, dict[str, Any]]]]:
    """A free-text cell as text (never evaluated) plus notes (too long, formula-like)."""
    notes: list[tuple[Any, dict[str, Any]]] = []
    if error_value:
        return error_value, notes
    if value is None:
        return "", notes
    if isinstance(value, bool):
        yes, no = _BOOL_TEXT.get(lang, _BOOL_TEXT["da"])
        return (yes if value else no), notes
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(), notes
    if type(value) is str and value.isprintable():  # fast path: no control characters
        text = value.strip()
    else:
        text = clean_text(value)
    if len(text) > MAX_TEXT:
        notes.append((R_TEXT_TOO_LONG, {"length": len(text), "limit": MAX_TEXT}))
        text = text[:MAX_TEXT]
    if text and text[0] in _FORMULA_START and _FORMULA_RE.match(text):
        notes.append((R_FORMULA_TEXT, {"start": text.lstrip()[:12]}))
    return text, notes


# ---------------------------------------------------------------- a folder
def _listing(returns_dir: Path) -> tuple[list[Path], list[Path]]:
    files: list[Path] = []
    folders: list[Path] = []
    try:
        entries = list(os.scandir(returns_dir))
    except OSError:
        return [], []
    for entry in entries:
        n = entry.name
        if n.startswith(("~$", ".")) or n.lower() in IGNORED_NAMES:
            continue
        try:
            if entry.is_dir():
                folders.append(Path(entry.path))
            elif entry.is_file():
                files.append(Path(entry.path))
        except OSError:
            files.append(Path(entry.path))
    key = lambda p: (p.name.casefold(), p.name)  # noqa: E731
    return sorted(files, key=key), sorted(folders, key=key)


def _read_one(args: tuple[Path, RoundSetup, dict[str, Participant], str]) -> tuple[ReturnResult, str]:
    """Read one file of a folder: (result, sha256 of its bytes or "")."""
    path, setup, people, lang = args
    got = intake.read_bytes(path)
    if isinstance(got, Problem):
        return ReturnResult(path, None, Report(path.name, [got])), ""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    sha = hashlib.sha256(got).hexdigest()
    return _read_safely(path, got, setup, people, lang, mtime, sha), sha


def collect_returns(returns_dir: str | Path, setup: RoundSetup, participants: Sequence[Participant],
                    lang: str = "da", workers: int | None = None) -> Collection:
    """Read every returned file at the top level of ``returns_dir``.

    Excel lock files (``~$...``) and hidden files are skipped; sub-folders are reported
    (info) and not read. Results come in file-name order. ``workers`` > 1 reads with a
    process pool (only worth it for thousands of files; see the module docs).
    """
    returns_dir = Path(returns_dir)
    files, folders = _listing(returns_dir)
    people = {p.pid: p for p in participants}
    results: list[ReturnResult] = []
    duplicates: list[ReturnResult] = []
    seen: dict[str, Path] = {}
    jobs = [(p, setup, people, lang) for p in files]
    if workers and workers > 1 and len(files) >= PARALLEL_MIN_FILES:
        # Duplicates are read twice here and reported the same way below.
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(_read_one, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    else:
        done = None
    for i, job in enumerate(jobs):
        path = job[0]
        if done is None:
            # Dedupe before parsing: hash first, parse only new content.
            got = intake.read_bytes(path)
            if isinstance(got, Problem):
                results.append(ReturnResult(path, None, Report(path.name, [got])))
                continue
            sha = hashlib.sha256(got).hexdigest()
            if sha in seen:
                dup = ReturnResult(path, None, Report(path.name, [R_DUPLICATE_FILE(file=path.name,
                                                                                   other=seen[sha].name)]))
                results.append(dup)
                duplicates.append(dup)
                continue
            seen[sha] = path
            try:
                mtime = path.stat().st_mtime
            except OSError:
                mtime = 0.0
            results.append(_read_safely(path, got, setup, people, lang, mtime, sha))
        else:
            result, sha = done[i]
            if sha and sha in seen:
                dup = ReturnResult(path, None, Report(path.name, [R_DUPLICATE_FILE(file=path.name,
                                                                                   other=seen[sha].name)]))
                results.append(dup)
                duplicates.append(dup)
                continue
            if sha:
                seen[sha] = path
            results.append(result)
    for folder in folders:
        results.append(ReturnResult(folder, None, Report(folder.name, [R_NOT_TOP_LEVEL(file=folder.name)])))

    # newest file per participant wins
    by_pid: dict[str, list[ReturnResult]] = {}
    for res in results:
        if res.response is not None:
            by_pid.setdefault(res.response.pid, []).append(res)
    responses: dict[str, Response] = {}
    superseded: list[ReturnResult] = []
    for pid, group in by_pid.items():
        group.sort(key=_recency)
        newest = group[-1]
        responses[pid] = newest.response
        older = group[:-1]
        for old in older:
            old.report.add(R_SUPERSEDED(file=old.path.name, newer=newest.path.name, name=newest.response.name))
            superseded.append(old)
        if older:
            newest.report.add(R_SUPERSEDES(file=newest.path.name, name=newest.response.name,
                                           older=", ".join(o.path.name for o in older)))
    responses = {p.pid: responses[p.pid] for p in participants if p.pid in responses}
    missing = [p for p in participants if p.pid not in responses]
    superseded.sort(key=lambda res: (res.path.name.casefold(), res.path.name))
    return Collection(results=results, responses=responses, missing=missing, superseded=superseded,
                      duplicates=duplicates)


__all__ = [
    "Answer", "Response", "ReturnResult", "Collection", "read_return", "collect_returns",
    "parse_points", "parse_text", "layout_fingerprint", "expected_layout", "FORMAT", "MAX_TEXT",
]
