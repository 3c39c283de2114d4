"""A returned scoring workbook's *content*: identity, layout, answers and validation.

Plain logic, no file format library: :mod:`xl_kik.excel.reader` opens the file (after
:mod:`xl_kik.excel.intake` has checked it as a file) and hands its cells over as a
:class:`CellSource`; :func:`validate` turns them into a :class:`Response` (or None) plus the
problems, naming file, sheet and cell, in three chained checks:

* **identity** (:func:`check_identity`) from the ``_kik`` metadata sheet (found by name, any
  visibility), with the custom document properties ``xl_kik_<key>`` as fallback. Identity
  errors (another round, unknown participant, wrong token, other catalogue or scale, damaged
  metadata, other format version, tampered layout, missing evaluation sheet) reject the file.
* **layout** (:func:`check_layout`): the header row and the visible question numbers must
  agree with the metadata's column letters and the hidden question ids. A moved column is
  re-mapped by its header text, rows whose visible columns were sorted apart from the hidden
  id column are re-mapped by the visible numbers (when the question texts agree), both with
  a warning naming the sheet; anything ambiguous refuses the file naming sheet and cell.
  Never an answer on the wrong question or in the wrong field.
* **answers** (:func:`read_answers`): a bad value never discards the file's other answers: the
  bad points cell is ignored (error), everything else is kept. ``"60"`` stored as text is
  accepted with a warning; a formula's cached result is used with a warning (no cached result:
  error); a percent-formatted cell is reported as the participant saw it ("60 %").
  Text is kept as typed (control characters removed), at most 5,000 characters;
  formula-looking text stays text and gets an info note. Nothing is ever evaluated.

:func:`assemble` builds the :class:`Collection` of a folder: the newest file per participant
wins (both reported), participants without a file are listed as ``missing``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import math
import operator
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

from xl_kik.core import contract
from xl_kik.core.cellref import column_letter, column_number, split_cell
from xl_kik.core.catalogue import clean_text
from xl_kik.core.problems import ERROR, INFO, WARNING, Problem, Report, define
from xl_kik.core.round import Participant, RoundSetup

META_SHEET = contract.META_SHEET
PROP_PREFIX = contract.CUSTOM_PROPERTY_PREFIX
FORMAT = contract.SCORING_FORMAT  # "xl_kik.scoring/1"
FORMAT_NAME, _, _version = FORMAT.partition("/")
FORMAT_VERSION = int(_version)
MAX_TEXT = contract.MAX_TEXT_CHARS  # 5,000: what the questionnaire allows (R030 above it)
MAX_READ_TEXT = contract.MAX_CELL_CHARS  # 32,767: what a cell can hold, read whole
TEXT_FIELDS = ("strengths", "improvements", "ideas")
LAYOUT_KEYS = ("sheet", "header_row", "col_qid", "col_points", "col_strengths", "col_improvements",
               "col_ideas", "questions")
#: First line of each column header the generator writes (both languages), casefolded; a
#: test keeps them equal to ``xl_kik.excel.scoring``'s header texts.
HEADER_FIRST_LINES: dict[str, tuple[str, ...]] = {
    "qid": ("qid",),
    "nr": ("nr.", "no."),
    "points": ("point", "points"),
    "strengths": ("styrker", "strengths"),
    "improvements": ("forbedringsområder", "areas for improvement"),
    "ideas": ("forbedringsidéer", "improvement ideas"),
}
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                          "#BUSY!", "#UNKNOWN!", "#PYTHON!"})


def is_excel_error(value: Any) -> bool:
    return isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS


# ---------------------------------------------------------------- problem types
# Identity: the whole file is rejected.
R_NOT_XLKIK = define(
    "R001", ERROR, ("Ikke en udsendt xl_kik-fil", "Not an xl_kik scoring file"),
    ("Filen {file} er en Excel-fil, men ikke et af de udsendte spørgeskemaer (arket '_kik' og "
     "filens egenskaber mangler). Bed deltageren udfylde og sende det spørgeskema, deltageren fik tilsendt.",
     "The file {file} is an Excel file but not one of the scoring files that were sent out (the '_kik' "
     "sheet and the file properties are missing). Ask the participant to fill in and send the file "
     "they received."))
R_WRONG_KIND = define(
    "R002", ERROR, ("Forkert slags xl_kik-fil", "Wrong kind of xl_kik file"),
    ("Filen {file} er ikke et spørgeskema fra en deltager, men en anden xl_kik-fil ({kind}). "
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
     "{expected}). Send et nyt spørgeskema til deltageren.",
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
     "flettet; send et nyt spørgeskema.",
     "The file {file} was made for the question catalogue {found}, but the round uses {expected}. It "
     "was not merged; send a new scoring file."))
R_CATALOGUE_CHANGED = define(
    "R009", ERROR, ("Spørgsmålene er ændret siden udsendelsen", "Questions changed since sending"),
    ("Filen {file} er lavet med en anden udgave af spørgsmålene end rundens (kataloget {catalogue} er "
     "ændret efter udsendelsen). Svarene kan ikke kobles sikkert til spørgsmålene; send et nyt "
     "spørgeskema.",
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
     "ugyldig (celle {cell}). Filen er ikke flettet; send et nyt spørgeskema.",
     "The hidden sheet {sheet} in the file {file} was changed or damaged: '{key}' is missing or invalid "
     "(cell {cell}). The file was not merged; send a new scoring file."))
R_PROPS_BROKEN = define(
    "R028", ERROR, ("Filens egenskaber er beskadigede", "File properties damaged"),
    ("Filen {file} har intet '_kik'-ark, og filens egenskaber er ændret eller beskadigede: '{key}' "
     "mangler eller er ugyldig. Filen er ikke flettet; send et nyt spørgeskema.",
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
     "helt tal fra {min} til {max} eller 'ved ikke'. Pointet er ikke talt med; resten af filen er læst.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds {value!r}; points must be a "
     "whole number from {min} to {max} or 'do not know'. The points were ignored; the rest of the file "
     "was read."))
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
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) er teksten {length} tegn, mere end de "
     "{limit}, spørgeskemaet giver plads til. Hele teksten er læst: arket Svarrapport i masterfilen viser "
     "begyndelsen, og svarrapporten (xl-kik report) har hele teksten.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) the text is {length} characters, more "
     "than the {limit} the questionnaire allows. The whole text was read: the master's Answers sheet shows "
     "its beginning, and the answer report (xl-kik report) has the whole text."))
R_FORMULA_TEXT = define(
    "R031", INFO, ("Tekst der ligner en formel", "Text that looks like a formula"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) begynder teksten med {start!r}, som "
     "en formel. Den er læst som almindelig tekst og bliver aldrig beregnet.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) the text starts with {start!r}, "
     "like a formula. It was read as plain text and is never calculated."))
R_EMPTY = define(
    "R032", WARNING, ("Tomt spørgeskema", "Empty questionnaire"),
    ("Filen {file} (deltager {name}) er et tomt spørgeskema: intet spørgsmål på arket {sheet} er besvaret. "
     "Måske er det sendt uden at være udfyldt eller gemt. Det tæller ikke som afleveret; deltageren står "
     "som manglende og får en påmindelse. Eventuel tekst i filen er ikke flettet.",
     "The file {file} (participant {name}) is an empty questionnaire: no question on the sheet {sheet} is "
     "answered. Perhaps it was sent without being filled in or saved. It does not count as returned; the "
     "participant is listed as missing and gets a reminder. Any text in the file was not merged."))
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

# Layout (the reader verifies what the generator wrote) and formulas/percent in points.
R_PERCENT = define(
    "R033", ERROR, ("Point som procent", "Points as a percentage"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står {value} (cellen er formateret som "
     "procent); point skal være et helt tal fra {min} til {max} uden %. Pointet er ikke talt med; skriv fx "
     "{suggestion} i en celle uden procentformat.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds {value} (the cell is formatted as a "
     "percentage); points must be a whole number from {min} to {max} without %. The points were ignored; type "
     "e.g. {suggestion} in a cell without percent format."))
R_FORMULA_CACHED = define(
    "R034", WARNING, ("Formel i pointfeltet", "Formula in the points cell"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står en formel; dens gemte resultat "
     "({value}) er læst som pointet. Tjek at det er det tal, deltageren mente.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds a formula; its saved result "
     "({value}) was read as the points. Check that it is the number the participant meant."))
R_FORMULA_NO_VALUE = define(
    "R035", ERROR, ("Formel uden resultat i pointfeltet", "Formula without a result in the points cell"),
    ("I filen {file}, ark {sheet}, celle {cell} (spørgsmål {qid}) står en formel uden gemt resultat (filen "
     "er ikke gemt efter en beregning). Pointet er ikke talt med; bed deltageren skrive tallet direkte i cellen.",
     "In the file {file}, sheet {sheet}, cell {cell} (question {qid}) holds a formula without a saved result "
     "(the file was not saved after a calculation). The points were ignored; ask the participant to type the "
     "number into the cell."))
R_COLUMNS_MOVED = define(
    "R036", WARNING, ("Kolonner er flyttet", "Columns moved"),
    ("I filen {file}, ark {sheet}, er kolonner flyttet (fx indsat eller slettet): {moves}. Svarene er læst "
     "efter kolonneoverskrifterne i række {row}.",
     "In the file {file}, sheet {sheet}, columns were moved (e.g. inserted or deleted): {moves}. The answers "
     "were read by the column headers in row {row}."))
R_HEADER_MISSING = define(
    "R037", ERROR, ("Kolonneoverskrift mangler", "Column header missing"),
    ("I filen {file}, ark {sheet}, celle {cell} skulle overskriften {expected!r} stå, men der står {found!r}, "
     "og den findes {count} gange i række {row}. Svarene kan ikke kobles sikkert til felterne; filen er ikke "
     "flettet. Bed deltageren sende den udsendte fil med svarene.",
     "In the file {file}, sheet {sheet}, cell {cell} should hold the header {expected!r} but holds {found!r}, "
     "and it occurs {count} times in row {row}. The answers cannot be matched safely to the fields; the file "
     "was not merged. Ask the participant to send the file that was sent out with the answers."))
R_VISIBLE_SORTED = define(
    "R038", WARNING, ("De synlige kolonner er sorteret", "The visible columns were sorted"),
    ("I filen {file}, ark {sheet}, passer de synlige spørgsmålsnumre (kolonne {nr_col}) ikke med de skjulte "
     "spørgsmåls-id'er (kolonne {qid_col}), fx i række {row}; måske er kun de synlige kolonner sorteret. "
     "Svarene er læst efter de synlige numre og spørgsmålstekster, som deltageren så dem.",
     "In the file {file}, sheet {sheet}, the visible question numbers (column {nr_col}) do not match the "
     "hidden question ids (column {qid_col}), e.g. in row {row}; perhaps only the visible columns were sorted. "
     "The answers were read by the visible numbers and question texts, as the participant saw them."))
R_ROW_MISMATCH = define(
    "R039", ERROR, ("Spørgsmål og svar passer ikke sammen", "Questions and answers do not match"),
    ("I filen {file}, ark {sheet}, celle {cell} står spørgsmål {visible!r}, men rækken hører til spørgsmål "
     "{hidden!r} (den skjulte kolonne {qid_col}), og det kan ikke afgøres sikkert, hvilket spørgsmål svarene "
     "hører til. Filen er ikke flettet; bed deltageren sende den udsendte fil med svarene.",
     "In the file {file}, sheet {sheet}, cell {cell} shows question {visible!r}, but the row belongs to "
     "question {hidden!r} (the hidden column {qid_col}), and it cannot be decided safely which question the "
     "answers belong to. The file was not merged; ask the participant to send the file that was sent out with "
     "the answers."))
R_HIDDEN_IDS_CLEARED = define(
    "R044", WARNING, ("Skjulte spørgsmåls-id'er mangler", "Hidden question ids missing"),
    ("I filen {file}, ark {sheet}, mangler de skjulte spørgsmåls-id'er (kolonne {qid_col}) i "
     "{n} af rækkerne, fx række {row}. De rækker er læst efter de synlige spørgsmålsnumre og -tekster.",
     "In the file {file}, sheet {sheet}, the hidden question ids (column {qid_col}) are missing in "
     "{n} of the rows, e.g. row {row}. Those rows were read by the visible question numbers and texts."))

_INT_RE = re.compile(r"^[+-]?[0-9]{1,15}$")        # ASCII digits only: "٣" is text
_DEC_RE = re.compile(r"^([+-]?[0-9]{1,15})[.,]([0-9]+)$")
_FORMULA_RE = re.compile(
    r"^\s*(?:[=@]|[+\-](?=[A-Za-z_$][\w.$]*\s*\(|\d+(?:[.,]\d+)?\s*[+\-*/^&]|[A-Za-z_]\w*\|))")
_FORMULA_START = frozenset("=@+-")
_COL_RE = re.compile(r"^[A-Z]{1,3}$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: what clean_text (CONTROL_RE) or _NOT_XML would remove: text without any is only stripped
_UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


# ---------------------------------------------------------------- results
@dataclass(frozen=True, init=False)
class Answer:
    qid: str
    points: int | None
    strengths: str
    improvements: str
    ideas: str
    dont_know: bool = False  # the participant chose "ved ikke": answered, but in no average

    def __init__(self, qid: str, points: int | None, strengths: str, improvements: str, ideas: str,
                 dont_know: bool = False) -> None:
        # the fields in one step, not one frozen-dataclass setattr each (0.5 us instead of 1.3 us;
        # ~20 answers per returned file, made once when read and once more when a reading helper
        # sends them, excel/pool.read_shared); tests/test_reading_pool compares it with the fields
        self.__dict__.update(qid=qid, points=points, strengths=strengths, improvements=improvements, ideas=ideas,
                             dont_know=dont_know)

    @property
    def answered(self) -> bool:
        """Points, or a deliberate "ved ikke"; blank is "not answered yet"."""
        return self.points is not None or self.dont_know

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # a reading helper sends ~20 per file: as the arguments, not a dict per object (a third
        # less time to unpickle, in the process that reads too; excel/pool.read_shared)
        return Answer, _answer_fields(self)


_answer_fields = operator.attrgetter(*(f.name for f in fields(Answer)))  # every field, in order


#: what a participant may type (or pick) in a points cell for "ved ikke" (case, spaces and the kind of
#: apostrophe ignored): the list item ("do not know" in English, core.vocabulary) and the usual
#: spellings, also those of earlier questionnaires ("don't know")
DONT_KNOW_WORDS = frozenset({"ved ikke", "vedikke", "ved ikke.", "do not know", "don't know", "dont know"})
#: apostrophes as typed: LibreOffice's AutoCorrect makes ' a ’ (or ‘), a Danish keyboard's accent
#: key (beside Backspace) gives ´, others ` or the modifier letter ʼ: each is the same ' here
_APOSTROPHES = str.maketrans({ch: "'" for ch in "’‘´`ʼ′"})


def is_dont_know(value: Any) -> bool:
    """True for a points cell holding "ved ikke" (or the English "do not know", "don't know" with
    any apostrophe)."""
    return isinstance(value, str) and " ".join(value.split()).casefold().translate(_APOSTROPHES) in DONT_KNOW_WORDS


@dataclass
class Response:
    pid: str
    name: str
    file: Path
    modified: float          # file mtime (seconds since the epoch)
    sha256: str
    answers: dict[str, Answer]
    answered: int            # answers with points or a deliberate "ved ikke"
    saved_by: str            # "Microsoft Excel" / "LibreOffice" / ... (docProps/app.xml)
    saved_at: str = ""       # docProps/core.xml modified (ISO text), "" if absent
    round_id: str = ""

    @property
    def empty(self) -> bool:
        """A "tomt spørgeskema": not one question answered. It counts nowhere as an answer: the
        participant stays missing (and is reminded)."""
        return self.answered == 0

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
    """Order of returns from one participant: a return with answers always beats an empty
    one (an untouched copy of the outgoing file must never replace real answers), then the
    workbook's own save time, then the file time, then the name."""
    r = res.response
    assert r is not None
    return (not r.empty, r.has_content, r.saved_time, r.modified, res.path.name)


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
    #: the participant's best return when every return is a "tomt spørgeskema" (the
    #: participant is in ``missing``, never in ``responses``)
    empty: list[ReturnResult] = field(default_factory=list)

    def empty_return(self, pid: str) -> ReturnResult | None:
        """The empty questionnaire a missing participant returned, if any."""
        return next((r for r in self.empty if r.response is not None and r.response.pid == pid), None)

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.results for p in r.report.problems]


# ---------------------------------------------------------------- helpers
def layout_fingerprint(meta: Mapping[str, str]) -> str:
    """The layout fingerprint the generator would write for these metadata values."""
    return _layout_fingerprint(meta.get("questions", ""), meta.get("col_qid", ""), meta.get("col_points", ""),
                               meta.get("col_strengths", ""), meta.get("col_improvements", ""),
                               meta.get("col_ideas", ""), meta.get("format", ""))


@functools.lru_cache(maxsize=16)  # a hostile file's values may be long: a few kept only
def _layout_fingerprint(questions: str, col_qid: str, col_points: str, col_strengths: str, col_improvements: str,
                        col_ideas: str, fmt: str) -> str:
    """:func:`contract.layout_fingerprint` of these values, worked out once (the returns of a
    round share them: a hash of the question list per file otherwise)."""
    return contract.layout_fingerprint(questions.split(","), col_qid, col_points, col_strengths, col_improvements,
                                       col_ideas, fmt=fmt)


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
    if type(value) is str:
        if value.isalnum():  # fast path: most ids and keys
            return value
        if value.isprintable():  # no control characters: clean_text would only strip
            return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def _broken(file: str, sheet: str, cell: str, key: str, lang: str) -> Problem:
    """Damaged metadata: on the ``_kik`` sheet (cell of the value, column A if the key is gone)
    or in the custom properties."""
    if sheet:
        return R_META_BROKEN(file=file, sheet=sheet, cell=cell or "A", key=key)
    return R_PROPS_BROKEN(file=file, key=key)


class CellSource(Protocol):
    """What :func:`validate` needs of an opened workbook (``xl_kik.excel.intake.RawWorkbook``)."""

    sha256: str
    members: list[str]
    application: str
    modified: str

    def find_sheet(self, name: str) -> Any: ...          # an object with ``.name`` or None
    def sheet(self, name: str) -> Any: ...
    def rows(self, name: str) -> list[list[Any]]: ...    # row 0 = sheet row 1, column 0 = A
    def error_cells(self, name: str) -> dict[str, str]: ...   # {"E12": "#DIV/0!"}
    def formula_cells(self, name: str) -> dict[str, bool]: ...  # {"E12": has a cached value}
    def percent_cells(self, name: str) -> set[str]: ...  # cells with a percent number format
    @property
    def custom_properties(self) -> dict[str, str]: ...
    def custom_property_has(self, value: str) -> bool: ...


def _props(raw: CellSource) -> dict[str, str]:
    """The ``xl_kik_<key>`` custom document properties as ``{key: value}``."""
    return {k[len(PROP_PREFIX):]: clean_text(v) for k, v in raw.custom_properties.items()
            if k.startswith(PROP_PREFIX)}


def _read_meta_sheet(raw: CellSource, sheet: str) -> tuple[dict[str, str], dict[str, str]]:
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
        layout = contract.make_layout(setup)
    except Exception:  # noqa: BLE001 - e.g. an unsupported language: no fallback layout
        return None
    out = {"format": FORMAT, "sheet": layout.sheet, "header_row": str(layout.header_row),
           "col_qid": layout.col_qid, "col_points": layout.col_points, "col_strengths": layout.col_strengths,
           "col_improvements": layout.col_improvements, "col_ideas": layout.col_ideas,
           "questions": ",".join(layout.questions)}
    out["layout_fingerprint"] = layout.fingerprint
    return out


# ---------------------------------------------------------------- one file
@dataclass
class Identity:
    """What :func:`check_identity` established: the metadata and the participant."""

    meta: dict[str, str]
    cells: dict[str, str]      # key -> cell of the value on the metadata sheet
    meta_sheet: str            # "" when read from the document properties
    person: Participant
    round_id: str


@dataclass
class LayoutMap:
    """Where the answers are, as verified by :func:`check_layout` (0-based indices)."""

    sheet: str
    header: int                # 1-based header row
    columns: dict[str, int]    # "points", "strengths", "improvements", "ideas", "qid", "nr"
    rows: dict[str, int]       # qid -> 0-based row index
    grid: list[list[Any]]


def validate(file: str, path: Path, raw: CellSource, setup: RoundSetup, people: Mapping[str, Participant],
             lang: str, report: Report, mtime: float = 0.0) -> Response | None:
    """Validate an opened returned workbook: identity, then layout, then answers.

    ``file`` is the name used in messages (decoded safely for display)."""
    ident = check_identity(file, raw, setup, people, lang, report)
    if ident is None:
        return None
    lay = check_layout(file, raw, setup, ident, lang, report)
    if lay is None:
        return None
    return read_answers(file, path, raw, setup, ident, lay, lang, report, mtime)


def check_identity(name: str, raw: CellSource, setup: RoundSetup, people: Mapping[str, Participant],
                   lang: str, report: Report) -> Identity | None:
    """Format, round, participant and token, catalogue and scale. None = rejected."""
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
    fmt = meta.get("format", "")
    if not fmt:
        report.add(R_NOT_XLKIK(file=name))
        return None

    def cell(key: str) -> str:
        return cells.get(key, "")

    fmt_name, fmt_version = _format_version(fmt)
    if fmt_name != FORMAT_NAME:
        kind = "hovedfil/master" if fmt_name == "xl_kik.excel.master" else fmt
        report.add(R_WRONG_KIND(file=name, kind=kind[:60]))
        return None
    if fmt_version is None or fmt_version != FORMAT_VERSION:
        ptype = R_FORMAT_NEWER if (fmt_version or 0) > FORMAT_VERSION else R_FORMAT_OLDER
        if fmt_version is None:
            report.add(_broken(name, meta_sheet, cell("format"), "format", lang))
            return None
        report.add(ptype(file=name, found=fmt[:60], expected=FORMAT))
        return None
    if meta_sheet and "docProps/custom.xml" in raw.members:
        # The sheet wins; a differing property is worth a warning (e.g. a copied sheet).
        # Fast path: the values are in custom.xml verbatim; parse only when not.
        keys = ("round_id", "participant_id", "participant_token")
        if not all(raw.custom_property_has(meta.get(k, "")) for k in keys):
            props = _props(raw)
            for key in keys:
                if props.get(key) and meta.get(key) and props[key] != meta[key]:
                    report.add(R_IDENTITY_CONFLICT(file=name, sheet=meta_sheet, cell=cell(key), key=key,
                                                   sheet_value=meta[key][:60], prop_value=props[key][:60]))
    round_id = meta.get("round_id", "")
    if round_id != setup.round_id:
        if not round_id:
            report.add(_broken(name, meta_sheet, cell("round_id"), "round_id", lang))
        else:
            report.add(R_OTHER_ROUND(file=name, found=round_id[:60],
                                     unit=(meta.get("unit") or "?")[:80], expected=setup.round_id))
        return None
    pid = meta.get("participant_id", "")
    token = meta.get("participant_token", "")
    if not pid:
        report.add(_broken(name, meta_sheet, cell("participant_id"), "participant_id", lang))
        return None
    if not hmac.compare_digest(token.encode(), setup.token(pid).encode()):
        report.add(R_TOKEN(file=name, pid=pid[:40]))
        return None
    person = people.get(pid)
    if person is None:
        report.add(R_UNKNOWN_PARTICIPANT(file=name, pid=pid, name=(meta.get("participant_name") or "?")[:80]))
        return None
    cat = setup.catalogue
    found_cat = (meta.get("catalogue_id", ""), meta.get("catalogue_version", ""))
    if found_cat != (cat.id, cat.version):
        report.add(R_OTHER_CATALOGUE(file=name, found=f"{found_cat[0][:40] or '?'} version {found_cat[1][:20] or '?'}",
                                     expected=f"{cat.id} version {cat.version}"))
        return None
    if meta.get("catalogue_fingerprint", "") != _fingerprint(cat):
        report.add(R_CATALOGUE_CHANGED(file=name, catalogue=cat.id))
        return None
    scale = setup.scale
    found_scale = meta.get("scale", "")
    lo_hi = (meta.get("scale_min"), meta.get("scale_max"))
    if found_scale != scale.id or (meta_sheet and lo_hi != (str(scale.min), str(scale.max))):
        report.add(R_OTHER_SCALE(file=name, found=found_scale[:40] or "?", expected=scale.id))
        return None
    return Identity(meta, cells, meta_sheet, person, round_id)


def _first_line(value: Any) -> str:
    if value is None or value == "":
        return ""
    return str(value).split("\n", 1)[0].strip().casefold()


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def check_layout(name: str, raw: CellSource, setup: RoundSetup, ident: Identity, lang: str,
                 report: Report) -> LayoutMap | None:
    """The metadata's layout keys, then the sheet as it really is: headers and visible numbers."""
    meta, meta_sheet = ident.meta, ident.meta_sheet
    from_props = not meta_sheet

    def cell(key: str) -> str:
        return ident.cells.get(key, "")

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
        report.add(R_QUESTIONS_CHANGED(file=name, sheet=meta_sheet or META_SHEET, cell=cell("questions") or "A"))
        return None
    info = raw.sheet(sheet_name)
    if info is None:
        report.add(R_NO_SHEET(file=name, sheet=sheet_name))
        return None
    grid = raw.rows(sheet_name)
    header = int(meta["header_row"])

    # -- columns: the header row must agree with the metadata's letters (or move unambiguously)
    letters = {"qid": meta["col_qid"], "nr": contract.SCORING_COLUMNS["nr"], "points": meta["col_points"]}
    letters.update({f: meta[f"col_{f}"] for f in TEXT_FIELDS})
    columns = {key: column_number(letter) - 1 for key, letter in letters.items()}  # 0-based
    head = grid[header - 1] if 0 < header <= len(grid) else []
    moves = []
    for key in ("qid", "nr", "points", "strengths", "improvements", "ideas"):
        want = HEADER_FIRST_LINES[key]
        at = columns[key]
        if at < len(head) and _first_line(head[at]) in want:
            continue
        found = [i for i, v in enumerate(head) if _first_line(v) in want]
        if len(found) == 1:
            moves.append(f"{key} {column_letter(at + 1)} -> {column_letter(found[0] + 1)}")
            columns[key] = found[0]
            continue
        shown = head[at] if at < len(head) else ""
        report.add(R_HEADER_MISSING(file=name, sheet=sheet_name, cell=f"{column_letter(at + 1)}{header}",
                                    expected=want[0], found=str(shown or "")[:40], count=len(found), row=header))
        return None
    if moves:
        report.add(R_COLUMNS_MOVED(file=name, sheet=sheet_name, moves=", ".join(moves), row=header))

    # -- rows: located by the hidden id; the visible number must agree
    c_qid, c_nr = columns["qid"], columns["nr"]
    qid_letter, nr_letter = column_letter(c_qid + 1), column_letter(c_nr + 1)
    wanted = set(setup.question_ids)
    texts: dict[str, str] = {}  # the question texts, normalised: needed only when rows were moved
    c_text = c_nr + column_number(contract.SCORING_COLUMNS["question"]) - column_number(contract.SCORING_COLUMNS["nr"])
    by_hidden: dict[str, int] = {}
    by_visible: dict[str, int] = {}
    mismatch: list[tuple[int, str, str]] = []  # (row index, hidden, visible)
    cleared: list[int] = []
    visible_dupes = False
    for r in range(header, len(grid)):
        row = grid[r]
        hidden = _cell_text(row[c_qid]) if c_qid < len(row) else ""
        visible = _cell_text(row[c_nr]) if c_nr < len(row) else ""
        if visible in wanted:
            if visible in by_visible:
                visible_dupes = True
            else:
                by_visible[visible] = r
        if not hidden:
            if visible in wanted:
                cleared.append(r)
            continue
        if hidden not in wanted:
            report.add(R_QID_UNKNOWN(file=name, sheet=sheet_name, cell=f"{qid_letter}{r + 1}", qid=hidden[:40]))
            continue
        if hidden in by_hidden:
            report.add(R_QID_DUPLICATE(file=name, sheet=sheet_name, cell=f"{qid_letter}{r + 1}", qid=hidden,
                                       first_row=by_hidden[hidden] + 1))
            continue
        by_hidden[hidden] = r
        if visible != hidden:
            mismatch.append((r, hidden, visible))

    def text_agrees(qid: str, r: int) -> bool:
        row = grid[r]
        shown = _norm(row[c_text]) if c_text < len(row) else ""
        if shown and not texts:
            texts.update({q.id: _norm(_pick(q.text, setup.lang)) for q in setup.catalogue.questions if q.id in wanted})
        return not shown or shown == texts.get(qid, shown)

    rows = dict(by_hidden)
    if mismatch:
        first = mismatch[0]
        consistent = (not visible_dupes and all(v in wanted for _, _, v in mismatch)
                      and all(text_agrees(q, r) for q, r in by_visible.items()))
        if not consistent:
            r, hidden, visible = next(((r, h, v) for r, h, v in mismatch if v not in wanted or
                                       not text_agrees(v, r)), first)
            report.add(R_ROW_MISMATCH(file=name, sheet=sheet_name, cell=f"{nr_letter}{r + 1}",
                                      visible=visible[:40], hidden=hidden, qid_col=qid_letter))
            return None
        rows = dict(by_visible)
        report.add(R_VISIBLE_SORTED(file=name, sheet=sheet_name, nr_col=nr_letter, qid_col=qid_letter,
                                    row=first[0] + 1))
    elif cleared:
        usable = [r for r in cleared if _cell_text(grid[r][c_nr]) not in rows and text_agrees(
            _cell_text(grid[r][c_nr]), r)]
        for r in usable:
            rows[_cell_text(grid[r][c_nr])] = r
        if usable:
            report.add(R_HIDDEN_IDS_CLEARED(file=name, sheet=sheet_name, qid_col=qid_letter, n=len(usable),
                                            row=usable[0] + 1))
    missing = [q for q in setup.question_ids if q not in rows]
    if missing:
        report.add(R_QID_MISSING(file=name, sheet=sheet_name, cell=qid_letter, qids=", ".join(missing)))
    order = [q for q in listed if q in rows]
    if not mismatch and sorted(order, key=rows.__getitem__) != order:
        report.add(R_ORDER(file=name, sheet=sheet_name, cell=qid_letter))
    return LayoutMap(sheet_name, header, columns, rows, grid)


def _pick(texts: Any, lang: str) -> str:
    if isinstance(texts, Mapping):
        return texts.get(lang) or texts.get("da") or next(iter(texts.values()), "")
    return str(texts or "")


def read_answers(name: str, path: Path, raw: CellSource, setup: RoundSetup, ident: Identity, lay: LayoutMap,
                 lang: str, report: Report, mtime: float = 0.0) -> Response:
    """Points and texts of every located question row."""
    sheet_name, grid = lay.sheet, lay.grid
    c_pts = lay.columns["points"]
    pts_letter = column_letter(c_pts + 1)
    cols = [(f, column_letter(lay.columns[f] + 1), lay.columns[f]) for f in TEXT_FIELDS]
    errors = raw.error_cells(sheet_name)
    formulas = raw.formula_cells(sheet_name)
    percents = raw.percent_cells(sheet_name)
    special = bool(errors or formulas or percents)
    # rows (0-based) with an error, formula or percent cell: only there a value needs a closer look
    special_rows = {split_cell(ref)[0] - 1 for refs in (errors, formulas, percents) for ref in refs}
    lo, hi = setup.scale.min, setup.scale.max
    answers: dict[str, Answer] = {}
    for qid in setup.question_ids:
        r = lay.rows.get(qid)
        if r is None:
            continue
        row = grid[r]
        width = len(row)
        value = row[c_pts] if c_pts < width else None
        kind = type(value)
        # the common answer: whole points within the scale (what parse_points accepts without a
        # problem) and plain texts, in a row without error, formula or percent cells
        whole = r not in special_rows and ((kind is float and value.is_integer()) or kind is int) and lo <= value <= hi
        if whole:
            texts = _plain_texts(row, width, cols)
            if texts is not None:
                answers[qid] = Answer(qid, int(value), texts[0], texts[1], texts[2], False)
                continue
        ref = f"{pts_letter}{r + 1}"
        dont_know = is_dont_know(value)
        if (value == "" and not special) or dont_know:
            points = None
        elif whole:
            points = int(value)
        else:
            points, problem = parse_points(value, lo, hi, error_value=errors.get(ref),
                                           percent=ref in percents, formula=formulas.get(ref))
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
            if value == "" and tref not in errors:
                texts.append("")
                continue
            # shown as the participant saw it: in the round's language (decimal comma in Danish)
            text, notes = parse_text(value, setup.lang or lang, error_value=errors.get(tref), percent=tref in percents)
            for ptype, params in notes:
                report.add(ptype(file=name, sheet=sheet_name, cell=tref, qid=qid, **params))
            texts.append(text)
        answers[qid] = Answer(qid, points, texts[0], texts[1], texts[2], dont_know)
    answered = sum(1 for a in answers.values() if a.answered)
    person = ident.person
    if not answered:
        report.add(R_EMPTY(file=name, sheet=sheet_name, name=person.name))
    return Response(pid=person.pid, name=person.name, file=path, modified=mtime, sha256=raw.sha256, answers=answers,
                    answered=answered, saved_by=normalise_app(raw.application), saved_at=raw.modified,
                    round_id=ident.round_id)


def _plain_texts(row: Sequence[Any], width: int, cols: Sequence[tuple[str, str, int]]) -> list[str] | None:
    """The text cells ``row[c]`` of a question row when each is empty or plain text, stripped;
    None otherwise. Plain: a printable ``str`` (nothing to clean), within MAX_TEXT, not starting
    like a formula. The one rule of :func:`parse_text`'s common case (it asks this for its one
    cell, so a text is plain in both or in neither), taken for a whole row at once by
    ``read_answers`` for a row without error, formula or percent cells."""
    out = []
    for _, _, c in cols:
        value = row[c] if c < width else None
        if value == "" or value is None:
            out.append("")
        elif type(value) is str and value.isprintable():
            text = value.strip()
            if len(text) > MAX_TEXT or (text and text[0] in _FORMULA_START):
                return None
            out.append(text)
        else:
            return None
    return out


# ---------------------------------------------------------------- values
def parse_points(value: Any, lo: int, hi: int, error_value: str | None = None, percent: bool = False,
                 formula: bool | None = None) -> tuple[int | None, tuple[Any, dict[str, Any]] | None]:
    """Classify a points cell: ``(points or None, (problem type, params) or None)``.

    Blank = None without a problem ("ved ikke"). A problem of severity error means the
    value was ignored (points None); a warning means it was accepted. ``percent``: the cell
    has a percent number format (0.6 is shown as "60 %"). ``formula``: None = no formula,
    True = a formula with a cached result (``value``), False = a formula without one.
    """
    if error_value:
        return None, (R_ERROR_POINTS, {"value": error_value[:40]})
    if formula is False:
        return None, (R_FORMULA_NO_VALUE, {})
    if percent and isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = _show_number(float(value) * 100) + " %"
        return None, (R_PERCENT, {"value": shown, "suggestion": _suggest(float(value) * 100, lo, hi)})
    if formula:
        points, problem = parse_points(value, lo, hi)
        if problem is None or problem[0].severity != ERROR:
            shown = "tom" if points is None and value in (None, "") else (str(points) if points is not None
                                                                           else str(value)[:40])
            return points, (R_FORMULA_CACHED, {"value": shown})
        return points, problem
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
        if is_excel_error(text):
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


def shown_number(number: float, lang: str = "da", percent: bool = False) -> str:
    """A number as the participant saw it: ``12,5`` (da) / ``12.5`` (en); with a percent number
    format ``12,5 %`` / ``12.5%`` (the cell holds 0.125)."""
    if percent:
        number = number * 100
    text = f"{round(number, 10):.10g}"
    if "e" in text:  # very large or small: no exponent in a text answer
        text = f"{number:f}".rstrip("0").rstrip(".")
    if lang != "en":
        text = text.replace(".", ",")
    return text + ((" %" if lang != "en" else "%") if percent else "")


def shown_date(value: Any, lang: str = "da") -> str:
    """A date or time as Excel shows it by default: ``15-03-2026`` (da), ``2026-03-15`` (en);
    a time of day is added when there is one."""
    if isinstance(value, dt.datetime):
        day = shown_date(value.date(), lang)
        return day if value.time() == dt.time() else f"{day} {value:%H:%M}"
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y") if lang != "en" else value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


_ONE_CELL = (("", "", 0),)  # _plain_texts' columns for parse_text's one value


def parse_text(value: Any, lang: str = "da", error_value: str | None = None, percent: bool = False
               ) -> tuple[str, list[tuple[Any, dict[str, Any]]]]:
    """A free-text cell as text (never evaluated) plus notes (too long, formula-like).

    A number, percentage or date typed into a text cell (which a spreadsheet stores as a
    number) comes back as it was displayed: ``12,5 %``, not ``0.125``."""
    notes: list[tuple[Any, dict[str, Any]]] = []
    if error_value:
        return error_value, notes
    plain = _plain_texts((value,), 1, _ONE_CELL)
    if plain is not None:  # the common case, by the rule read_answers takes for a whole row
        return plain[0], notes
    if isinstance(value, bool):
        yes, no = _BOOL_TEXT.get(lang, _BOOL_TEXT["da"])
        return (yes if value else no), notes
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return shown_date(value, lang), notes
    if isinstance(value, (int, float)) and not (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return shown_number(float(value), lang, percent), notes
    if type(value) is str and (value.isprintable() or _UNCLEAN.search(value) is None):  # fast path
        text = value.strip()
    else:
        text = _NOT_XML.sub("", clean_text(value))  # no character XML 1.0 cannot store
    if len(text) > MAX_TEXT:  # pasted past the validation: read whole (a cell holds no more than MAX_READ_TEXT)
        notes.append((R_TEXT_TOO_LONG, {"length": len(text), "limit": MAX_TEXT}))
        text = text[:MAX_READ_TEXT]
    if text and text[0] in _FORMULA_START and _FORMULA_RE.match(text):
        notes.append((R_FORMULA_TEXT, {"start": text.lstrip()[:12]}))
    return text, notes


# ---------------------------------------------------------------- a folder
def assemble(results: list[ReturnResult], duplicates: list[ReturnResult],
             participants: Sequence[Participant]) -> Collection:
    """The collection of a folder's results: the newest accepted file per participant wins."""
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
            old.report.add(R_SUPERSEDED(file=old.report.source, newer=newest.report.source,
                                        name=newest.response.name))
            superseded.append(old)
        if older:
            newest.report.add(R_SUPERSEDES(file=newest.report.source, name=newest.response.name,
                                           older=", ".join(o.report.source for o in older)))
    # a "tomt spørgeskema" counts nowhere as an answer: the participant stays missing
    empty = [by_pid[pid][-1] for pid in list(responses) if responses[pid].empty]
    for res in empty:
        del responses[res.response.pid]
    responses = {p.pid: responses[p.pid] for p in participants if p.pid in responses}
    missing = [p for p in participants if p.pid not in responses]
    superseded.sort(key=lambda res: (res.path.name.casefold(), res.path.name))
    return Collection(results=results, responses=responses, missing=missing, superseded=superseded,
                      duplicates=duplicates, empty=empty)


__all__ = [
    "Answer", "Response", "ReturnResult", "Collection", "CellSource", "Identity", "LayoutMap", "validate",
    "check_identity", "check_layout", "read_answers", "assemble", "parse_points", "parse_text",
    "layout_fingerprint", "expected_layout", "is_excel_error", "FORMAT", "MAX_TEXT", "MAX_READ_TEXT", "HEADER_FIRST_LINES",
]
