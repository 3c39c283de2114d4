"""The participant scoring workbook (``xl-kik generate``).

One workbook per participant: an instructions sheet, an evaluation sheet (one row per
question, grouped by theme, input cells unlocked, validations, progress line) and a very
hidden ``_kik`` metadata sheet, plus custom document properties (see "Scoring workbook
contract" in ``docs/DESIGN.md``).

Speed: :class:`ScoringTemplate` builds the workbook ONCE per round with XlsxWriter, with
unique placeholder strings where the participant's name, id and token go. Per participant
:meth:`ScoringTemplate.render` copies the zip and puts the escaped values into the parts
that hold placeholders. The template's zip parts are split at the placeholders and every
static segment is deflate-compressed once (each segment ends on a byte boundary with a
``Z_SYNC_FLUSH`` and starts with a fresh dictionary, so compressed segments can be
concatenated); per participant only the (tiny) values are added as stored deflate blocks,
and the CRC is computed over the values alone, carried across each static segment by tables
made once for its length (:func:`_crc_shift`). Rendering a file costs about 60 us.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import hashlib
import io
import itertools
import os
import re
import secrets
import struct
import textwrap
import time
import unicodedata
import zipfile

from defusedxml import ElementTree as ET
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from xl_kik.core.i18n import Msg, check_lang, format_date, pick
from xl_kik.excel import atomic, cache, cells
from xl_kik.excel.layout import (cell_height as _cell_height, chars_per_line as _chars_per_line,
                                 line_count as _line_count, pieces_on_one_line as _pieces_on_one_line,
                                 row_height as _row_height)
from xl_kik._version import GENERATOR
from xl_kik.core.catalogue import SIDE_NAMES
from xl_kik.core.cellref import column_letter, column_number
from xl_kik.core.coverage import parse_themes
from xl_kik.core.filenames import safe_stem, unique_names
from xl_kik.core.printing import Margins
from xl_kik.core.round import Participant, RoundSetup
from xl_kik.core.vocabulary import MINUTES, QUESTIONS, TERMS, Count
from xl_kik.core.contract import (  # the file contract; names kept importable from here
    CUSTOM_PROPERTY_KEYS, CUSTOM_PROPERTY_PREFIX, LISTS_SHEET, MAX_TEXT_CHARS, META_KEYS, META_SHEET, SCORING_COLUMNS,
    SCORING_FORMAT, SCORING_HEADER_ROW, SCORING_SHEET_NAMES, SCORING_SUFFIX, Layout, layout_fingerprint,
    make_layout,
)

FORMAT = SCORING_FORMAT
SUFFIX = SCORING_SUFFIX
SHEET_NAMES = SCORING_SHEET_NAMES
COLUMNS = SCORING_COLUMNS
HEADER_ROW = SCORING_HEADER_ROW

# Column widths (characters). The panes are frozen after the examples, so Nr., Spørgsmål and
# Eksempler stay in view; those three plus the widest answer column must fit a 1366 px wide
# window: LibreOffice draws about 10 px per character (Excel about 7), and its grid is 1266 px
# wide there, so 6 + 36 + 34 + 40 = 116 characters leave room (tests/test_e2e_panes.py measures it).
_WIDTHS = {"qid": 8, "nr": 6, "question": 36, "examples": 34, "points": 11,
           "strengths": 40, "improvements": 40, "ideas": 34}
#: Threads writing files in :func:`write_scoring_workbooks` when the folder makes writes wait.
#: On a network folder (a share on a file server) every create, write and rename waits for the
#: server, and a few threads overlap those waits. On a local disk creating a file costs CPU in
#: the kernel and threads only add contention on the folder and the GIL: 1,000 workbooks on
#: ext4, 2 cores (2 December 2026) took 1.1 s system time with one thread, 2.3 s with four,
#: and no less wall time. So the first :data:`PROBE_FILES` files are written by one thread,
#: and the rest by :data:`WRITE_THREADS` only if those waited (:func:`_write_threads`).
WRITE_THREADS = 4
PROBE_FILES = 8
#: average waiting (wall time not spent on the CPU) per probe file that means "slow folder":
#: a local file costs 0.1-0.7 ms, on a busy machine as much again in waiting for a core; a
#: file on a share costs a few round trips to the server
WAIT_PER_FILE = 0.002  # seconds
MIN_QUESTION_ROW_HEIGHT = 60  # points: room to write before the row grows


# ---------------------------------------------------------------- metadata
def _metadata(setup: RoundSetup, pid: str, name: str, token: str, layout: Layout) -> dict[str, str]:
    cat = setup.catalogue
    meta = {
        "format": FORMAT,
        "round_id": setup.round_id,
        "unit": setup.unit,
        "participant_id": pid,
        "participant_name": name,
        "participant_token": token,
        "catalogue_id": cat.id,
        "catalogue_version": cat.version,
        "catalogue_fingerprint": cat.fingerprint,
        "scale": setup.scale.id,
        "scale_min": str(setup.scale.min),
        "scale_max": str(setup.scale.max),
        "lang": setup.lang,
        "generator": GENERATOR,
        "created": setup.created.isoformat(),
        "sheet": layout.sheet,
        "header_row": str(layout.header_row),
        "col_qid": layout.col_qid,
        "col_points": layout.col_points,
        "col_strengths": layout.col_strengths,
        "col_improvements": layout.col_improvements,
        "col_ideas": layout.col_ideas,
        "questions": ",".join(layout.questions),
        "layout_fingerprint": layout.fingerprint,
    }
    assert tuple(meta) == META_KEYS
    return meta


def metadata_for(setup: RoundSetup, participant: Participant, layout: Layout) -> dict[str, str]:
    """The ``_kik`` key/values of ``participant``'s workbook (all strings, sheet order)."""
    return _metadata(setup, participant.pid, display_name(participant), setup.token(participant.pid), layout)


def custom_properties_for(setup: RoundSetup, participant: Participant, layout: Layout) -> dict[str, str]:
    """The custom document properties (``xl_kik_<key>``) of ``participant``'s workbook."""
    meta = metadata_for(setup, participant, layout)
    return {CUSTOM_PROPERTY_PREFIX + k: meta[k] for k in CUSTOM_PROPERTY_KEYS}


# ---------------------------------------------------------------- text helpers
_WS_RE = re.compile(r"\s+")
MAX_HEADER_NAME = 60


def display_name(participant: Participant) -> str:
    """The participant's name as shown in the workbook: one line, no control characters."""
    name = cells.xml_text(unicodedata.normalize("NFC", participant.name or ""))
    name = _WS_RE.sub(" ", name).strip()
    return name or participant.pid


YOUR_THEMES = Msg(" · Dokumentation, du læser (markeret med grønt): {themes}",
                  " · Documentation you read (marked in green): {themes}")


def themes_text(setup: RoundSetup, participant: Participant) -> str:
    """The participant's documentation themes (Deltagere, *Temaer*; :mod:`xl_kik.core.coverage`) as
    they stand after the name in their workbook; empty when they have none in this round."""
    labels = {t.id: t.label(setup.lang) for t in setup.catalogue.themes}
    mine = [labels[t] for t in parse_themes(getattr(participant, "themes", "")) if t in labels]
    return YOUR_THEMES(setup.lang, themes="; ".join(mine)) if mine else ""


def theme_ids_text(setup: RoundSetup, participant: Participant) -> str:
    """``",1,4,"``: the ids of the participant's documentation themes in this round, for the
    conditional format that marks those themes on the evaluation sheet (hidden cell A1)."""
    ids = {t.id for t in setup.catalogue.themes}
    mine = [t for t in parse_themes(getattr(participant, "themes", "")) if t in ids]
    return "," + ",".join(mine) + "," if mine else ""



def _xml_text(value: str) -> str:
    """Text for an XML text node (shared strings, custom properties): escaped, no forbidden chars."""
    value = cells.xml_text(value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sst_text(value: str) -> str:
    """Shared-string text: XML-escaped, and a literal ``_xHHHH_`` protected like Excel does."""
    return _xml_text(cells.xstring(cells.xml_text(value)))


def _header_text(value: str) -> str:
    """Text inside a header/footer string (an ST_Xstring like shared strings): ``&`` doubled
    (Excel header codes), shortened, ``_xHHHH_`` protected, XML-escaped."""
    return _xml_text(cells.xstring(cells.header_footer_text(value, MAX_HEADER_NAME)))


# ---------------------------------------------------------------- user-facing texts
T = {
    "title": Msg("Selvevaluering med KIK – {unit}", "Self-evaluation with KIK – {unit}"),
    "for": Msg("Spørgeskemaet er til: {name}", "This form is for: {name}"),
    "participant": Msg("Deltager: {name}", "Participant: {name}"),
    "deadline_scale": Msg("Svarfrist: {deadline}   ·   Point: hele tal fra {min} til {max} eller 'ved ikke'   ·   "
                          "Det tager ca. {minutes}",
                          "Deadline: {deadline}   ·   Points: whole numbers {min}-{max} or 'do not know'   ·   "
                          "It takes about {minutes}"),
    "no_deadline": Msg("se e-mailen fra tovholderen", "see the coordinator's e-mail"),
    "hint": Msg("Skriv i de hvide felter. Gule pointfelter er ikke besvaret endnu: skriv et tal, eller vælg "
                "'ved ikke' på feltets liste (pilen ved feltet). Læs fanen '{sheet}' først.",
                "Write in the white cells. Yellow points cells are not answered yet: type a number, or pick "
                "'do not know' from the cell's list (the arrow beside the cell). Read the '{sheet}' tab first."),
    "progress_of": Msg(" af ", " of "),
    "progress_answered": Msg(" besvaret", " answered"),
    "h_qid": Msg("qid", "qid"),
    "h_nr": Msg("Nr.", "No."),
    "h_question": Msg("Spørgsmål", "Question"),
    "h_examples": Msg("Eksempler (til inspiration)", "Examples (for inspiration)"),
    # one line per part: the column is narrow, and "'ved ikke'" must not break inside
    "h_points": Msg("Point\n{min}-{max}\neller\n'ved ikke'", "Points\n{min}-{max}\nor\n'do not know'"),
    "h_strengths": Msg("Styrker\n(hvad gør vi godt?)", "Strengths\n(what do we do well?)"),
    "h_improvements": Msg("Forbedringsområder\n(hvad kan blive bedre?)", "Areas for improvement\n(what could be better?)"),
    "h_ideas": Msg("Forbedringsidéer\n(valgfrit)", "Improvement ideas\n(optional)"),
    "theme_row": Msg("Tema {label}   ·   {side}", "Theme {label}   ·   {side}"),
    "side_indsats": Msg("indsats (det vi gør)", "enabler (what we do)"),
    "side_resultat": Msg("resultat (det vi opnår)", "result (what we achieve)"),
    "pts_input_title": Msg("Point {min}-{max}", "Points {min}-{max}"),
    "pts_input_head": Msg("Helt tal {min}-{max}, eller vælg 'ved ikke'.", "Whole number {min}-{max}, or pick "
                          "'do not know'."),
    "bands_row": Msg("Point: {bands}", "Points: {bands}"),
    "pts_error_title": Msg("Ugyldigt pointtal", "Invalid points"),
    "pts_error": Msg(
        "Skriv et helt tal fra {min} til {max} – kun cifre, fx {example} (ikke 'ca. {example}' eller "
        "decimaltal). Ved du det ikke, så vælg 'ved ikke' på listen.",
        "Type a whole number from {min} to {max} – digits only, e.g. {example} (not 'about {example}' "
        "or decimals). If you don't know, pick 'do not know' from the list."),
    "txt_error_title": Msg("For lang tekst", "Text too long"),
    "txt_error": Msg(
        "Der er plads til højst {limit} tegn i ét felt. Forkort teksten, eller skriv det vigtigste.",
        "A cell can hold at most {limit} characters. Shorten the text or write the most important points."),
    "doc_title": Msg("KIK-selvevaluering – {unit}", "KIK self-evaluation – {unit}"),
    "doc_subject": Msg("Spørgeskema til individuel selvevaluering", "Individual self-evaluation form"),
    "footer_page": Msg("Side &P af &N", "Page &P of &N"),
}

INSTRUCTIONS = {
    "h_what": Msg("Hvad er KIK?", "What is KIK?"),
    "what": Msg(
        "KIK – Den Kommunale Kvalitetsmodel – er en model til selvevaluering, som KL har udviklet sammen med "
        "en række kommuner. I ser på jeres egen enhed ud fra en række temaer. Nogle temaer handler om "
        "indsatser (det, vi gør), andre om resultater (det, vi opnår). Først svarer hver deltager alene i sit "
        "eget spørgeskema – det er dette spørgeskema. Bagefter mødes I til et konsensusseminar, hvor I sammen bliver enige "
        "om styrker, forbedringsområder og point. Til sidst beslutter ledelsen, hvilke forbedringer I går i "
        "gang med.",
        "KIK – the Danish municipal quality model – is a self-evaluation model developed by KL (Local "
        "Government Denmark) with a number of municipalities. You look at your own unit through a number of "
        "themes. Some themes are about enablers (what we do), others about results (what we achieve). First "
        "each participant answers alone in their own form – this form. Then you meet at a consensus seminar "
        "and agree on strengths, areas for improvement and points. Finally, management decides which "
        "improvements to start."),
    "round": Msg("I denne runde: {themes} og {questions}. Regn med ca. {minutes} til at udfylde spørgeskemaet; "
                 "du kan gemme og fortsætte senere.",
                 "In this round: {themes} and {questions}. Allow about {minutes} to fill in the questionnaire; "
                 "you can save and continue later."),
    "h_how": Msg("Sådan udfylder du spørgeskemaet", "How to fill in the form"),
    "how": (
        Msg("Gå til fanen '{sheet}'. Læs hvert spørgsmål og eksemplerne. Eksemplerne er til inspiration – "
            "de er ikke en tjekliste.",
            "Go to the '{sheet}' tab. Read each question and its examples. The examples are for "
            "inspiration – they are not a checklist."),
        Msg("Skriv styrker (hvad gør vi allerede godt?) og forbedringsområder (hvad kan blive bedre?). "
            "Har du en idé til en forbedring, så skriv den i den sidste kolonne.",
            "Write strengths (what do we already do well?) and areas for improvement (what could be "
            "better?). If you have an idea for an improvement, write it in the last column."),
        Msg("Giv point som et helt tal fra {min} til {max} (se skalaen nedenfor). Pointene er dit bedste "
            "bud. Teksten er det vigtigste: den arbejder I videre med på seminaret.",
            "Give points as a whole number from {min} to {max} (see the scale below). The points are your "
            "best guess. The text matters most: it is what you work with at the seminar."),
        Msg("Ved du det ikke, så vælg 'ved ikke' på listen i pointfeltet (klik på pilen ved feltet), eller skriv "
            "det – det er helt i orden og tæller som besvaret, "
            "men ikke med i gennemsnittet. Et tomt pointfelt betyder, at du ikke har svaret endnu; det er gult.",
            "If you don't know, pick 'do not know' from the list in the points cell (click the arrow beside the "
            "cell), or type it – that is fine and counts as answered, "
            "but not in the average. An empty points cell means you have not answered yet; it is yellow."),
        Msg("Svar ud fra din egen viden og oplevelse. Du skal ikke tale med de andre først.",
            "Answer from your own knowledge and experience. You don't need to talk to the others first."),
        Msg("Du kan kun skrive i de hvide felter og pointfelterne. Øverst på fanen '{sheet}' kan du se, "
            "hvor mange spørgsmål du har besvaret (med point eller 'ved ikke').",
            "You can only type in the white cells and the points cells. At the top of the '{sheet}' tab "
            "you can see how many questions you have answered (with points or 'do not know')."),
        Msg("Lange tekster er fine (højst {limit} tegn pr. felt). Ny linje i et felt: Alt+Enter i Excel "
            "(Mac: Ctrl+Option+Enter), Ctrl+Enter i LibreOffice. Bliver rækken ikke højere af sig selv, så dobbeltklik på "
            "stregen under rækkenummeret.",
            "Long texts are fine (at most {limit} characters per cell). New line in a cell: Alt+Enter in "
            "Excel (Mac: Ctrl+Option+Enter), Ctrl+Enter in LibreOffice. If the row does not grow by itself, double-click the "
            "line below the row number."),
    ),
    "h_scale": Msg("Pointskala: {scale}", "Points scale: {scale}"),
    "scale_intro": Msg(
        "Indsatser vurderes efter, hvor langt I er: planlagt, gennemført, fulgt op og forbedret. "
        "Resultater vurderes efter målinger, mål og udvikling.",
        "Enablers are scored by how far you have come: planned, done, checked and improved. Results are "
        "scored by measurements, targets and trends."),
    "band_points": Msg("Point", "Points"),
    "band_indsats": Msg("Indsatser (det vi gør)", "Enablers (what we do)"),
    "band_resultat": Msg("Resultater (det vi opnår)", "Results (what we achieve)"),
    "band_blank": TERMS["dont_know"],
    "band_blank_text": Msg("Du ved det ikke. Tæller som besvaret, men ikke med i gennemsnittet. (Et tomt felt "
                           "er ikke besvaret endnu.)",
                           "You don't know. Counts as answered, but not in the average. (An empty cell is not "
                           "answered yet.)"),
    "h_deadline": Msg("Svarfrist", "Deadline"),
    "deadline": Msg("Send spørgeskemaet tilbage senest {deadline}.", "Send the form back by {deadline}."),
    "no_deadline": Msg("Tovholderen fortæller dig, hvornår spørgeskemaet skal sendes tilbage.",
                       "The coordinator will tell you when to send the form back."),
    "h_return": Msg("Sådan sender du spørgeskemaet tilbage", "How to send the form back"),
    "return": (
        Msg("Har du åbnet filen direkte fra e-mailen, så gem den først på din computer med 'Gem som' "
            "(Filer > Gem som); ellers kan dine svar gå tabt. Gem derefter undervejs (Ctrl+S). Behold "
            "filtypen .xlsx (Excel-projektmappe) – også i Excel på Mac og LibreOffice.",
            "If you opened the file straight from the e-mail, first save it on your computer with 'Save As' "
            "(File > Save As); otherwise your answers may be lost. Then save as you go (Ctrl+S). Keep the "
            "file type .xlsx (Excel workbook) – also in Excel on a Mac and LibreOffice."),
        Msg("Send filen som vedhæftet fil i en e-mail til tovholderen, {coordinator}.",
            "Send the file as an attachment in an e-mail to the coordinator, {coordinator}."),
        Msg("Giv ikke filen et nyt navn, og kopier ikke dine svar over i en anden fil. Filen indeholder "
            "skjulte oplysninger, som viser, at svarene er dine.",
            "Do not rename the file, and do not copy your answers into another file. The file contains "
            "hidden information that shows the answers are yours."),
        Msg("Vil du rette noget, efter du har sendt filen, så ret i den samme fil og send den igen.",
            "If you want to change something after sending the file, change the same file and send it "
            "again."),
    ),
    "h_privacy": Msg("Hvem ser dine svar?", "Who sees your answers?"),
    "h_contact": Msg("Spørgsmål?", "Questions?"),
    "contact": Msg("Kontakt tovholderen, {coordinator}.", "Contact the coordinator, {coordinator}."),
    "coordinator_unknown": Msg("den person, der sendte dig spørgeskemaet", "the person who sent you the questionnaire"),
    "anonymous": Msg(
        "Tovholderen, der samler filerne, kan se, hvem der har svaret hvad. Alle deltageres svar samles i "
        "en svarrapport, som deltagerne får før seminaret; i den står der 'Deltager 1', 'Deltager 2' osv. i "
        "stedet for navne. Det, du skriver, kan dog afsløre, hvem du er, og på seminaret taler I sammen om "
        "svarene.",
        "The coordinator who collects the files can see who answered what. All participants' answers are "
        "collected in an answer report that the participants receive before the seminar; it says "
        "'Participant 1', 'Participant 2' etc. instead of names. What you write may still show who you are, "
        "and at the seminar you talk about the answers together."),
    "named": Msg(
        "Tovholderen, der samler filerne, kan se, hvem der har svaret hvad. Alle deltageres svar samles i "
        "en svarrapport, som deltagerne får før seminaret, og dit navn står ved dine svar.",
        "The coordinator who collects the files can see who answered what. All participants' answers are "
        "collected in an answer report that the participants receive before the seminar, and your name is "
        "shown with your answers."),
}

_WRAP = 88  # characters per instruction line (across B:D)
GUIDE_TEXT_WIDTH = 41  # columns C and D of the guide


# ---------------------------------------------------------------- placeholders
_PH_KEYS = ("NAME", "PID", "TOKEN", "HNAME", "THEMES", "THEMEIDS", "GUIDEH", "EVALH")
#: The row under the title of both sheets names the participant and their documentation themes,
#: bold 12 pt, wrapped within B:D (a longer line is cut at the printed page's edge). Its height
#: depends on that text, so the row's ``ht`` is a placeholder too (GUIDEH, EVALH), filled with
#: the estimate for the participant's text and the width of B:D (:func:`subtitle_height`).
SUBTITLE_ROW = 2
SUBTITLE_WIDTHS = {"GUIDEH": 12 + 2 * GUIDE_TEXT_WIDTH,
                   "EVALH": _WIDTHS["nr"] + _WIDTHS["question"] + _WIDTHS["examples"]}
SUBTITLE_FONT_SIZE = 12
HEADER_ROW_HEIGHT = 64  # the evaluation sheet's column headers: four lines (Point / 0-100 / eller / 'ved ikke')


def _placeholders(setup: RoundSetup) -> dict[str, str]:
    """Unique ASCII placeholder strings; salted if the round's own text happens to contain one."""
    texts = [setup.unit, setup.round_id]
    for q in setup.catalogue.questions:
        texts += list(q.text.values()) + [e for ex in q.examples.values() for e in ex]
    for t in setup.catalogue.themes:
        texts += list(t.name.values())
    for b in setup.scale.bands:
        texts += list(b.indsats.values()) + list(b.resultat.values())
    blob = "\n".join(texts).upper()
    salt = ""
    while f"XLKIK{salt}" in blob:
        salt = hashlib.sha256((salt + "x").encode()).hexdigest()[:6].upper().replace("X", "Y")
    return {k: f"XLKIK{salt}{k}PH" for k in _PH_KEYS}


# ---------------------------------------------------------------- zip writing
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_DOS_TIME = 0
_FINAL_BLOCK = b"\x03\x00"  # empty final deflate block (fixed Huffman)


def _deflate_segment(data: bytes, level: int = 6) -> bytes:
    """Raw deflate of ``data`` ending on a byte boundary, not final: segments can be concatenated."""
    if not data:
        return b""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)


def _stored_blocks(data: bytes) -> bytes:
    """``data`` as non-final stored deflate blocks (valid after a byte-aligned segment)."""
    if 0 < len(data) <= 0xFFFF:  # one block: every value of a participant (an empty one: none)
        return b"\x00" + _STORED_LEN.pack(len(data), len(data) ^ 0xFFFF) + data
    out = []
    for i in range(0, len(data), 0xFFFF):
        chunk = data[i:i + 0xFFFF]
        out.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(out)


@dataclass
class _Part:
    name: bytes
    segments: list  # bytes (raw static text) or str (placeholder key)
    compressed: list  # per segment: compressed static bytes or None for placeholders
    static_blob: bytes | None = None  # complete local entry for fully static parts (without offset)
    crc: int = 0
    usize: int = 0
    csize: int = 0
    central: bytes = b""  # fully static parts: the central directory entry up to its offset field
    #: per segment: ``(key, None, None, None, None, None)`` for a placeholder, else
    #: ``(compressed, crc, *shift)``: the static text's CRC from 0 and :func:`_crc_shift`'s four
    #: tables for its length (four None for a leading segment, whose running CRC is 0)
    plan: list = None  # type: ignore[assignment]
    static_size: int = 0  # the static segments' bytes
    static_csize: int = 0  # their compressed bytes and the final block's
    local_tail: bytes = b""  # its local header after the CRC and sizes (:func:`_local_tail`)
    central_tail: bytes = b""  # its central directory entry after them (:func:`_central_tail`)
    key: str = ""  # the name as ``fill``'s values are keyed


def _crc_shift(n: int) -> tuple[list[int], list[int], list[int], list[int]]:
    """Tables for ``crc32(data, c) == crc32(data) ^ shift(c)`` with ``len(data) == n``.

    CRC-32 is affine in its start value, and the part that depends on the start value depends
    only on the length of the data: ``shift(c) = crc32(n zeros, c) ^ crc32(n zeros, 0)``, linear
    in ``c``. One table per byte of ``c`` (from the 32 single bits) lets :meth:`_ZipTemplate.fill`
    continue a CRC over a long static segment in four look-ups instead of reading its bytes."""
    zeros = bytes(n)
    base = zlib.crc32(zeros)
    bits = [zlib.crc32(zeros, 1 << i) ^ base for i in range(32)]
    tables = []
    for k in range(4):
        table = [0]
        for bit in bits[8 * k:8 * k + 8]:  # table[b | 1 << i] = table[b] ^ shift(1 << i)
            table += [t ^ bit for t in table]
        tables.append(table)
    return tables[0], tables[1], tables[2], tables[3]


# A local entry's header is _LOCAL_HEAD + CRC and sizes + _local_tail(name) (30 bytes and the
# name), a central directory entry's _CENTRAL_HEAD + CRC and sizes + _central_tail(name) + its
# local entry's offset + name: the same for every part but the CRC and the sizes, which
# _ZipTemplate.fill packs once per part of each participant
_LOCAL_HEAD = struct.pack("<IHHHHH", 0x04034B50, 20, 0, 8, _DOS_TIME, _DOS_DATE)
_CENTRAL_HEAD = struct.pack("<IHHHHHH", 0x02014B50, 20, 20, 0, 8, _DOS_TIME, _DOS_DATE)
_SIZES = struct.Struct("<III")  # CRC-32, compressed size, uncompressed size
_OFFSET = struct.Struct("<I")
_STORED_LEN = struct.Struct("<HH")


def _local_tail(name: bytes) -> bytes:
    """A local header after its CRC and sizes: the name's length, no extra field, the name."""
    return struct.pack("<HH", len(name), 0) + name


def _central_tail(name: bytes) -> bytes:
    """A central directory entry after its CRC and sizes, up to its offset: the name's length,
    no extra field, comment, disk number or attributes."""
    return struct.pack("<HHHHHI", len(name), 0, 0, 0, 0, 0)


def _local_header(name: bytes, crc: int, csize: int, usize: int) -> bytes:
    return _LOCAL_HEAD + _SIZES.pack(crc, csize, usize) + _local_tail(name)


def _central_head(name: bytes, crc: int, csize: int, usize: int) -> bytes:
    """A central directory entry up to (without) its local header offset and name."""
    return _CENTRAL_HEAD + _SIZES.pack(crc, csize, usize) + _central_tail(name)


class _ZipTemplate:
    """A zip whose parts contain placeholders; ``fill(values)`` gives a new zip quickly."""

    def __init__(self, raw: bytes, placeholders: dict[str, str]):
        self.placeholders = placeholders
        pattern = re.compile("|".join(re.escape(v) for v in placeholders.values()).encode())
        key_of = {v.encode(): k for k, v in placeholders.items()}
        self.parts: list[_Part] = []
        self.found: dict[str, dict[str, int]] = {}  # part name -> placeholder key -> count
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            for info in zf.infolist():
                data = zf.read(info)
                name = info.filename.encode("utf-8")
                segments: list = []
                pos = 0
                for m in pattern.finditer(data):
                    if m.start() > pos:
                        segments.append(data[pos:m.start()])
                    key = key_of[m.group()]
                    segments.append(key)
                    self.found.setdefault(info.filename, {}).setdefault(key, 0)
                    self.found[info.filename][key] += 1
                    pos = m.end()
                if pos < len(data):
                    segments.append(data[pos:])
                part = _Part(name, segments, [])
                if all(isinstance(s, bytes) for s in segments):
                    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
                    body = comp.compress(data) + comp.flush()
                    part.crc, part.usize, part.csize = zlib.crc32(data), len(data), len(body)
                    part.static_blob = _local_header(name, part.crc, part.csize, part.usize) + body
                    part.central = _central_head(name, part.crc, part.csize, part.usize)
                else:
                    part.compressed = [_deflate_segment(s) if isinstance(s, bytes) else None for s in segments]
                    part.plan = [(s, None, None, None, None, None) if c is None
                                 else (c, zlib.crc32(s), *(_crc_shift(len(s)) if i else (None,) * 4))
                                 for i, (s, c) in enumerate(zip(segments, part.compressed))]
                    part.static_size = sum(len(s) for s in segments if isinstance(s, bytes))
                    part.static_csize = sum(len(c) for c in part.compressed if c is not None) + len(_FINAL_BLOCK)
                    part.local_tail, part.central_tail = _local_tail(name), _central_tail(name)
                self.parts.append(part)
        self._lay_out()

    def _lay_out(self) -> None:
        """Put the parts without placeholders first (``[Content_Types].xml`` stays the first
        entry: file-type sniffers look for it there): their local entries and central directory
        entries then stand at the same offsets in every participant's file, made once."""
        static = [p for p in self.parts if p.static_blob is not None]
        self.filled = [p for p in self.parts if p.static_blob is None]
        self.parts = static + self.filled
        head, central, offset = [], [], 0
        for part in static:
            head.append(part.static_blob)
            central += (part.central, _OFFSET.pack(offset), part.name)
            offset += len(part.static_blob)
        self.head, self.head_central = b"".join(head), b"".join(central)
        for part in self.filled:
            part.key = part.name.decode()

    def fill(self, values: dict[str, dict[str, bytes]]) -> bytes:
        """``values[part_name][key]`` = replacement bytes (already escaped for that part).

        Only the values are read per participant: the static segments' deflate output and
        CRCs were made once (:func:`_crc_shift` continues the CRC across a static segment), the
        parts without placeholders are one block (:meth:`_lay_out`), and a part's headers are
        its fixed bytes around the one packing of its CRC and sizes."""
        out: list[bytes] = [self.head]
        central: list[bytes] = [self.head_central]
        offset = len(self.head)
        crc32, stored_len, sizes, pack_offset = zlib.crc32, _STORED_LEN.pack, _SIZES.pack, _OFFSET.pack
        for part in self.filled:
            vals = values[part.key]
            crc = 0
            usize, csize = part.static_size, part.static_csize
            body: list[bytes] = []
            for seg, seg_crc, t0, t1, t2, t3 in part.plan:
                if seg_crc is None:  # a placeholder: its value as a stored block
                    value = vals[seg]
                    n = len(value)
                    block = (b"\x00" + stored_len(n, n ^ 0xFFFF) + value) if 0 < n <= 0xFFFF \
                        else _stored_blocks(value)
                    body.append(block)
                    csize += len(block)
                    usize += n
                    crc = crc32(value, crc)
                elif t0 is None:  # the leading static segment: its CRC from 0
                    body.append(seg)
                    crc = seg_crc
                else:
                    body.append(seg)
                    crc = seg_crc ^ t0[crc & 0xFF] ^ t1[(crc >> 8) & 0xFF] ^ t2[(crc >> 16) & 0xFF] ^ t3[crc >> 24]
            body.append(_FINAL_BLOCK)
            crc_sizes = sizes(crc, csize, usize)
            out.append(_LOCAL_HEAD + crc_sizes + part.local_tail)
            out += body
            central.append(_CENTRAL_HEAD + crc_sizes + part.central_tail + pack_offset(offset) + part.name)
            offset += len(_LOCAL_HEAD) + len(crc_sizes) + len(part.local_tail) + csize
        cd = b"".join(central)
        eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.parts), len(self.parts), len(cd), offset, 0)
        return b"".join(out) + cd + eocd


# ---------------------------------------------------------------- the template
class ScoringTemplate:
    """A round's scoring workbook, built once; :meth:`render` makes one participant's file."""

    def __init__(self, setup: RoundSetup):
        self.setup = setup
        self.lang = check_lang(setup.lang)
        self.layout = make_layout(setup)
        if not self.layout.rows:
            raise ValueError("the round's catalogue has no questions")
        self.placeholders = _placeholders(setup)
        # the same round's template is built once per version of the code (excel/cache.py)
        self.template_bytes = cache.built("scoring", repr(setup),
                                          lambda: _build_workbook(setup, self.layout, self.placeholders))
        self._zip = _ZipTemplate(self.template_bytes, self.placeholders)
        self._check_placeholders()
        # per subtitle row: its text's length without the name, the characters of one line and the
        # height of one line (most participants' subtitle is one line: no wrapping per participant)
        self._subtitles = {key: (msg, len(T[msg](self.lang, name="")),
                                 _chars_per_line(SUBTITLE_WIDTHS[key], SUBTITLE_FONT_SIZE, True),
                                 b"%g" % subtitle_height("", key))
                           for key, msg in (("GUIDEH", "for"), ("EVALH", "participant"))}

    def _check_placeholders(self) -> None:
        found = self._zip.found
        sst = found.get("xl/sharedStrings.xml", {})
        custom = found.get("docProps/custom.xml", {})
        problems = []
        for key in ("NAME", "PID", "TOKEN", "THEMES", "THEMEIDS"):
            if not sst.get(key):
                problems.append(f"{key} missing in sharedStrings")
        for key in ("PID", "TOKEN"):
            if custom.get(key) != 1:
                problems.append(f"{key} not exactly once in custom.xml")
        for key, part in (("GUIDEH", "xl/worksheets/sheet1.xml"), ("EVALH", "xl/worksheets/sheet2.xml")):
            if found.get(part, {}).get(key) != 1:
                problems.append(f"{key} not exactly once in {part}")
        for part, keys in found.items():
            allowed = {"xl/sharedStrings.xml": {"NAME", "PID", "TOKEN", "THEMES", "THEMEIDS"},
                       "docProps/custom.xml": {"PID", "TOKEN"}}.get(part)
            if allowed is None:
                allowed = {"HNAME", "GUIDEH", "EVALH"} if part.startswith("xl/worksheets/sheet") else set()
            if set(keys) - allowed:
                problems.append(f"unexpected placeholders {sorted(set(keys) - allowed)} in {part}")
        if problems:  # a programming error: the template would leak placeholders
            raise RuntimeError("scoring template placeholders: " + "; ".join(problems))

    def values_for(self, participant: Participant) -> dict[str, dict[str, bytes]]:
        if not participant.pid:
            raise ValueError("participant without id")
        name = display_name(participant)
        token = self.setup.token(participant.pid)
        themes = ids = ""
        if getattr(participant, "themes", ""):
            themes, ids = themes_text(self.setup, participant), theme_ids_text(self.setup, participant)
        text = {"NAME": _sst_text(name).encode(), "PID": _sst_text(participant.pid).encode(),
                "TOKEN": _sst_text(token).encode(), "THEMES": _sst_text(themes).encode(),
                "THEMEIDS": _sst_text(ids).encode()}
        plain = {"PID": _xml_text(participant.pid).encode(), "TOKEN": _xml_text(token).encode()}
        # the sheets' parts: the page header's name and the height of each sheet's subtitle row
        header = {"HNAME": _header_text(name).encode(), "GUIDEH": self._subtitle_height("GUIDEH", name, themes),
                  "EVALH": self._subtitle_height("EVALH", name, themes)}
        # one dict per kind of part, shared by the parts of that kind (fill only reads them)
        return {part: text if part == "xl/sharedStrings.xml" else plain if part == "docProps/custom.xml" else header
                for part in self._zip.found}

    def _subtitle_height(self, key: str, name: str, themes: str) -> bytes:
        """The ``ht`` of a sheet's subtitle row for this name and these themes (:func:`subtitle_height`)."""
        msg, fixed, per_line, one_line = self._subtitles[key]
        if _pieces_on_one_line(fixed, (name, themes), per_line):
            return one_line  # what subtitle_height gives a text that fits on one line
        return b"%g" % subtitle_height(T[msg](self.lang, name=name) + themes, key)

    def render(self, participant: Participant) -> bytes:
        """The participant's workbook as .xlsx bytes."""
        return self._zip.fill(self.values_for(participant))

    def metadata_for(self, participant: Participant) -> dict[str, str]:
        return metadata_for(self.setup, participant, self.layout)


def _build_workbook(setup: RoundSetup, layout: Layout, ph: dict[str, str]) -> bytes:
    lang = setup.lang
    sheets = SHEET_NAMES[lang]
    buf = io.BytesIO()
    wb = cells.xlsx_workbook(buf)
    created = dt.datetime.combine(setup.created, dt.time(0, 0))
    wb.set_properties({
        "title": T["doc_title"](lang, unit=setup.unit),
        "subject": T["doc_subject"](lang),
        "author": GENERATOR,
        "company": setup.unit,
        "keywords": "KIK, selvevaluering" if lang == "da" else "KIK, self-evaluation",
        "comments": setup.round_id,
        "created": created,
    })
    meta = _metadata(setup, ph["PID"], ph["NAME"], ph["TOKEN"], layout)
    for key in CUSTOM_PROPERTY_KEYS:
        wb.set_custom_property(CUSTOM_PROPERTY_PREFIX + key, meta[key], "text")

    fmt = _formats(wb)
    unit_hf = cells.header_footer_text(setup.unit, 80)  # cut before "&" is doubled: never inside "&&"
    header = f"&L{unit_hf}&R{ph['HNAME']}"
    footer = f"&L{setup.round_id.replace('&', '&&')}&R{T['footer_page'](lang)}"

    ins = wb.add_worksheet(sheets["instructions"])
    ev = wb.add_worksheet(sheets["evaluation"])
    md = wb.add_worksheet(META_SHEET)
    ins_auto = _write_instructions(ins, setup, layout, ph, fmt, header, footer)
    ev_auto = _write_evaluation(ev, setup, layout, ph, fmt, header, footer)

    md.set_column(0, 0, 24)
    md.set_column(1, 1, 60)
    for r, (k, v) in enumerate(meta.items()):
        md.write_string(r, 0, k)
        md.write_string(r, 1, v)
    md.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    md.very_hidden()
    lists = wb.add_worksheet(LISTS_SHEET)  # the points cells' dropdown items (see points_source)
    for r, item in enumerate(points_choices(setup.scale, lang)):
        lists.write(r, 0, item)
    lists.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    lists.very_hidden()
    ins.activate()
    wb.close()
    return _patch_parts(buf.getvalue(), {
        "xl/worksheets/sheet1.xml": lambda x: _height_placeholder(_auto_heights(x, ins_auto), ph["GUIDEH"]),
        "xl/worksheets/sheet2.xml": lambda x: _height_placeholder(_auto_heights(x, ev_auto), ph["EVALH"]),
    })


def _patch_parts(raw: bytes, patches: dict) -> bytes:
    """Rewrite some parts of a zip (used once per template, not per participant)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in patches:
                data = patches[info.filename](data)
            dst.writestr(info, data)
    return out.getvalue()


def _auto_heights(xml: bytes, rows: set[int]) -> bytes:
    """Drop ``customHeight`` from ``rows`` (1-based): the height written is our estimate and
    Excel/LibreOffice still treat the row as auto-height, so it grows when someone types."""
    def fix(m: re.Match) -> bytes:
        tag = m.group(0)
        r = int(re.search(rb' r="(\d+)"', tag).group(1))
        return tag.replace(b' customHeight="1"', b"") if r in rows else tag

    return re.sub(rb"<row [^>]*>", fix, xml)


def _height_placeholder(xml: bytes, placeholder: str, row: int = SUBTITLE_ROW) -> bytes:
    """The height of row ``row`` (1-based) replaced by ``placeholder``: filled in per participant."""
    tag = re.compile(rb'(<row r="%d"[^>]*? ht=")[0-9.]+(")' % row)
    out, n = tag.subn(lambda m: m.group(1) + placeholder.encode() + m.group(2), xml, count=1)
    if n != 1:  # a programming error: the template's row has no height to fill in
        raise RuntimeError(f"scoring template: row {row} has no height")
    return out


def subtitle_height(text: str, key: str) -> float:
    """The height (points) of the subtitle row (:data:`SUBTITLE_ROW`) showing ``text`` on the sheet
    of ``key`` (GUIDEH: the guide, EVALH: the evaluation sheet): bold, wrapped within B:D."""
    return max(_row_height(1, SUBTITLE_FONT_SIZE),
               _cell_height(text, SUBTITLE_WIDTHS[key], SUBTITLE_FONT_SIZE, bold=True))


def _formats(wb) -> dict:
    base = {"font_name": "Calibri", "font_size": 11}
    border = {"border": 1, "border_color": "#BFBFBF"}

    def f(**kw):
        return wb.add_format({**base, **kw})

    return {
        "title": f(bold=True, font_size=16, font_color="#1F4E78"),
        "subtitle_wrap": f(bold=True, font_size=12, text_wrap=True, valign="top"),
        "text": f(),
        "heading": f(bold=True, font_size=13, font_color="#1F4E78"),
        "progress": f(bold=True, font_size=12, font_color="#375623"),
        "hint": f(italic=True, font_color="#595959", text_wrap=True, valign="top"),
        "colhead": f(bold=True, text_wrap=True, valign="top", font_color="#FFFFFF", bg_color="#1F4E78",
                     **border),
        "theme": f(bold=True, font_size=12, bg_color="#DDEBF7", valign="vcenter", **border),
        # wrapped inside Styrker: text running on under the next columns showed as a fragment
        # ("-50 Det er planlagt og…") once Styrker had scrolled out of view
        "theme_bands": f(italic=True, font_size=9, bg_color="#DDEBF7", valign="vcenter", text_wrap=True,
                         **border),
        "locked": f(text_wrap=True, valign="top", bg_color="#F2F2F2", **border),
        "nr": f(bold=True, valign="top", align="left", bg_color="#F2F2F2", **border),
        "examples": f(text_wrap=True, valign="top", bg_color="#F2F2F2", font_size=10, font_color="#404040",
                      **border),
        "points": f(locked=False, bold=True, align="center", valign="top", num_format="0", font_size=12,
                    **border),
        # "@" (text): what the participant types stays as typed ("12,5 %" is not turned into 0.125)
        "input": f(locked=False, text_wrap=True, valign="top", num_format="@", **border),
        "blank_cf": wb.add_format({"bg_color": "#FFF2CC"}),
        "mine_cf": wb.add_format({"bg_color": "#C6E0B4", "bold": True}),
        "qid": f(font_color="#808080"),
        "band_head": f(bold=True, text_wrap=True, valign="top", bg_color="#DDEBF7", **border),
        "band": f(text_wrap=True, valign="top", **border),
        "band_label": f(bold=True, valign="top", **border),
        "band_blank": f(text_wrap=True, valign="top", bg_color="#FFF2CC", **border),
    }


#: the scoring workbook's margins (inches): room for its header and footer
PRINT_MARGINS = Margins(left=0.5, right=0.5, top=0.75, bottom=0.75)


def _print_setup(ws, header: str, footer: str, font_size: float, prefer: str, first_col: int, last_col: int,
                 repeat_row: int | None = None, title_cols: tuple[int, int] | None = None) -> None:
    """The one print rule (``core.printing``) for a sheet of columns ``first_col``..``last_col``
    (0-based) whose smallest printed text is ``font_size`` points."""
    ws.print_layout(font_size, prefer=prefer, first_col=first_col, last_col=last_col, margins=PRINT_MARGINS,
                    title_rows=(repeat_row, repeat_row) if repeat_row is not None else None, title_cols=title_cols)
    ws.set_header(header, {"margin": 0.3})
    ws.set_footer(footer, {"margin": 0.3})


def _protect(ws) -> None:
    """Protection without password: guard-rails only (DESIGN: re-validate every returned value)."""
    ws.protect("", {"format_rows": True, "select_locked_cells": True, "select_unlocked_cells": True})


def _write_instructions(ws, setup: RoundSetup, layout: Layout, ph, fmt, header, footer) -> set[int]:
    """Write the instructions; returns the 1-based rows whose height is an auto-height estimate."""
    lang = setup.lang
    scale = setup.scale
    sheet = layout.sheet
    ws.set_column(0, 0, 2)  # one A4 portrait page wide at 11 pt (core.printing)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 3, GUIDE_TEXT_WIDTH)
    ws.hide_gridlines(2)
    row = 0

    def line(text: str, style: str = "text") -> None:
        nonlocal row
        ws.write_string(row, 1, text, fmt[style])
        row += 1

    def para(text: str, indent: str = "", first: str = "") -> None:
        for ln in textwrap.wrap(text, _WRAP, initial_indent=first, subsequent_indent=indent) or [""]:
            line(ln)

    def gap() -> None:
        nonlocal row
        row += 1

    line(T["title"](lang, unit=setup.unit), "title")
    # who it is for and the themes they read, wrapped within B:D: a longer line would widen the
    # printed page (LibreOffice prints text that runs over empty columns); the row's height is
    # filled in per participant (SUBTITLE_ROW)
    if row != SUBTITLE_ROW - 1:  # a programming error: the height placeholder goes on SUBTITLE_ROW
        raise RuntimeError(f"scoring template: the subtitle is on row {row + 1}, not {SUBTITLE_ROW}")
    ws.merge_range(row, 1, row, 3, T["for"](lang, name=ph["NAME"]) + ph["THEMES"], fmt["subtitle_wrap"])
    ws.set_row(row, _row_height(2, SUBTITLE_FONT_SIZE))
    row += 1
    gap()
    line(INSTRUCTIONS["h_what"](lang), "heading")
    para(INSTRUCTIONS["what"](lang))
    para(INSTRUCTIONS["round"](lang, themes=THEMES(lang, n=len(setup.catalogue.themes)),
                               questions=QUESTIONS(lang, n=len(layout.rows)), minutes=estimated_time(len(layout.rows), lang)))
    gap()
    line(INSTRUCTIONS["h_how"](lang), "heading")
    params = {"sheet": sheet, "min": scale.min, "max": scale.max, "limit": _thousands(MAX_TEXT_CHARS, lang)}
    for i, msg in enumerate(INSTRUCTIONS["how"], start=1):
        para(msg(lang, **params), indent="    ", first=f"{i}.  ")
    gap()
    line(INSTRUCTIONS["h_scale"](lang, scale=pick(scale.name, lang) or scale.id), "heading")  # "Pointskala: 0-100 point (...)"
    para(INSTRUCTIONS["scale_intro"](lang))
    ws.write_string(row, 1, INSTRUCTIONS["band_points"](lang), fmt["band_head"])
    ws.write_string(row, 2, INSTRUCTIONS["band_indsats"](lang), fmt["band_head"])
    ws.write_string(row, 3, INSTRUCTIONS["band_resultat"](lang), fmt["band_head"])
    row += 1
    auto: set[int] = set()
    for band in scale.bands:
        ws.write_string(row, 1, band.label, fmt["band_label"])
        ws.write_string(row, 2, band.text("indsats", lang), fmt["band"])
        ws.write_string(row, 3, band.text("resultat", lang), fmt["band"])
        lines = max(_line_count(band.text(side, lang), GUIDE_TEXT_WIDTH) for side in ("indsats", "resultat"))
        ws.set_row(row, _row_height(lines))
        auto.add(row + 1)
        row += 1
    blank = INSTRUCTIONS["band_blank_text"](lang)
    ws.write_string(row, 1, INSTRUCTIONS["band_blank"](lang), fmt["band_blank"])
    ws.write_string(row, 2, blank, fmt["band_blank"])
    ws.write_string(row, 3, blank, fmt["band_blank"])
    ws.set_row(row, _row_height(_line_count(blank, GUIDE_TEXT_WIDTH)))  # wrapped as the bands above it
    auto.add(row + 1)
    row += 1
    gap()
    line(INSTRUCTIONS["h_deadline"](lang), "heading")
    if setup.deadline:
        para(INSTRUCTIONS["deadline"](lang, deadline=format_date(setup.deadline, lang)))
    else:
        para(INSTRUCTIONS["no_deadline"](lang))
    gap()
    line(INSTRUCTIONS["h_return"](lang), "heading")
    who = coordinator_text(setup, lang)
    for i, msg in enumerate(INSTRUCTIONS["return"], start=1):
        para(msg(lang, coordinator=who), indent="    ", first=f"{i}.  ")
    gap()
    line(INSTRUCTIONS["h_privacy"](lang), "heading")
    para((INSTRUCTIONS["anonymous"] if setup.anonymise else INSTRUCTIONS["named"])(lang))
    gap()
    line(INSTRUCTIONS["h_contact"](lang), "heading")
    para(INSTRUCTIONS["contact"](lang, coordinator=who))
    _print_setup(ws, header, footer, 11, "portrait", 0, 3)
    _protect(ws)
    return auto


DONT_KNOW = TERMS["dont_know"]  # the list item; English without an apostrophe (see core.vocabulary)


def points_choices(scale, lang: str) -> list:
    """The items of the points cell's dropdown, in order: "ved ikke", then every whole number of
    the scale (0-100: 102 items; 0-5: 7), as numbers so that a typed 55 matches the item 55 (Excel
    and LibreOffice compare a typed number with the list's numbers; a number stored as text would
    not match)."""
    return [DONT_KNOW(lang), *range(scale.min, scale.max + 1)]


def points_source(scale, lang: str) -> str:
    """The points cells' list validation source: the dropdown items on the very hidden lists sheet."""
    return f"='{LISTS_SHEET}'!$A$1:$A${len(points_choices(scale, lang))}"
THEMES = Count(Msg("{n} tema", "{n} theme"), Msg("{n} temaer", "{n} themes"))
MAX_INPUT_MESSAGE = 255  # Excel's limit for a data validation's input message


def coordinator_text(setup: RoundSetup, lang: str) -> str:
    """The coordinator as participants read it: "Lise Holm (lise@x.dk)"; without the Opsætning
    keys filled in, "the person who sent you the questionnaire"."""
    name, email = getattr(setup, "coordinator", ""), getattr(setup, "coordinator_email", "")
    if name and email:
        return f"{name} ({email})"
    return name or email or INSTRUCTIONS["coordinator_unknown"](lang)


def estimated_time(n_questions: int, lang: str) -> str:
    """About 1.5 minutes per question, rounded up to 5 minutes: "35 minutter"."""
    minutes = max(5, -(-int(n_questions * 1.5) // 5) * 5)
    return MINUTES(lang, n=minutes)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:max(1, limit - 1)].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _band_texts(scale, side: str, lang: str) -> list[tuple[str, str]]:
    """(label, text) per band; a text that repeats the previous band's opening words shows only
    what is new ("… og gennemført"), so short messages still tell the bands apart."""
    out, previous = [], []
    for b in scale.bands:
        words = b.text("resultat" if side == "resultat" else "indsats", lang).split()
        same = 0
        while same < min(len(words), len(previous)) and words[same].strip(",") == previous[same].strip(","):
            same += 1
        text = " ".join(words) if same < 3 else "… " + " ".join(words[same:])
        out.append((b.label, text))
        previous = words
    return out


def band_message(scale, side: str, lang: str, limit: int = MAX_INPUT_MESSAGE) -> str:
    """The points cell's input message: how to answer, then every band of the scale for this
    side ("0-10: Intet er planlagt eller gjort"), the longest texts shortened so the whole stays
    within Excel's 255 characters."""
    head = T["pts_input_head"](lang, min=scale.min, max=scale.max)
    bands = _band_texts(scale, side, lang)
    room = limit - len(head) - sum(len(label) + 3 for label, _ in bands)  # "\n" + label + ": "
    # water-filling: short texts keep their length, the long ones share what is left
    caps: dict[int, int] = {}
    order = sorted(range(len(bands)), key=lambda i: len(bands[i][1]))
    left = room
    for k, i in enumerate(order):
        share = left // (len(order) - k)
        caps[i] = min(len(bands[i][1]), share)
        left -= caps[i]
    text = head + "".join(f"\n{label}: {_shorten(t, caps[i])}" for i, (label, t) in enumerate(bands))
    return text[:limit]


def band_summary(scale, side: str, lang: str, words: int = 4) -> str:
    """The bands in one line for the theme rows: "0-10 Intet er planlagt eller · 11-30 Det er planlagt …"."""
    parts = []
    for b in scale.bands:
        text = b.text("resultat" if side == "resultat" else "indsats", lang).split()
        parts.append(f"{b.label} " + " ".join(text[:words]) + ("…" if len(text) > words else ""))
    return " · ".join(parts)


def _thousands(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "." if lang == "da" else ",")


def _write_evaluation(ws, setup: RoundSetup, layout: Layout, ph, fmt, header, footer) -> set[int]:
    """Write the evaluation sheet; returns the 1-based rows with an auto-height estimate."""
    lang = setup.lang
    scale = setup.scale
    cat = setup.catalogue
    c = {k: column_number(v) - 1 for k, v in COLUMNS.items()}  # 0-based, as XlsxWriter counts
    for key, col in c.items():
        if key == "qid":
            ws.set_column(col, col, _WIDTHS[key], fmt["qid"], {"hidden": True})
        else:
            ws.set_column(col, col, _WIDTHS[key])
    params = {"min": scale.min, "max": scale.max, "sheet": SHEET_NAMES[lang]["instructions"]}

    # header block (rows 1-5)
    ws.write_string(0, c["nr"], T["title"](lang, unit=setup.unit), fmt["title"])
    # wrapped within the frozen columns (Nr. to Eksempler), as the hint below: the themes make it
    # longer than a printed page is wide (the height is filled in per participant, SUBTITLE_ROW)
    ws.merge_range(SUBTITLE_ROW - 1, c["nr"], SUBTITLE_ROW - 1, c["examples"],
                   T["participant"](lang, name=ph["NAME"]) + ph["THEMES"], fmt["subtitle_wrap"])
    ws.set_row(SUBTITLE_ROW - 1, _row_height(2, SUBTITLE_FONT_SIZE))
    deadline = format_date(setup.deadline, lang) if setup.deadline else T["no_deadline"](lang)
    ws.write_string(2, c["nr"], T["deadline_scale"](lang, deadline=deadline, minutes=estimated_time(len(layout.rows), lang),
                                                     **params), fmt["text"])
    pts = layout.col_points
    n = len(layout.rows)
    span = f"{pts}{layout.first_row}:{pts}{layout.last_row}"
    dont_know = DONT_KNOW(lang)
    formula = (f'=(COUNT({span})+COUNTIF({span},"{dont_know}"))'
               f'&"{T["progress_of"](lang)}"&{n}&"{T["progress_answered"](lang)}"')
    # value="" makes LibreOffice compute the formula on load; Excel recalculates anyway.
    ws.write_formula(3, c["nr"], formula, fmt["progress"], "")
    # the hint wraps inside the frozen columns (Nr. to Eksempler): a one-line text would run under
    # the answer columns and be cut off at the frozen edge
    ws.merge_range(4, c["nr"], 4, c["examples"], T["hint"](lang, **params), fmt["hint"])
    ws.set_row(4, 30)

    # column headers
    hr = layout.header_row - 1
    heads = {
        "qid": T["h_qid"](lang), "nr": T["h_nr"](lang), "question": T["h_question"](lang),
        "examples": T["h_examples"](lang), "points": T["h_points"](lang, **params),
        "strengths": T["h_strengths"](lang), "improvements": T["h_improvements"](lang),
        "ideas": T["h_ideas"](lang),
    }
    for key, text in heads.items():
        ws.write_string(hr, c[key], text, fmt["colhead"])
    # four lines at least; more where a language's header wraps further ("'do not know'" in 11 columns)
    ws.set_row(hr, max([HEADER_ROW_HEIGHT] + [_cell_height(text, _WIDTHS[key], bold=True)
                                              for key, text in heads.items() if key != "qid"]))

    auto: set[int] = set()
    ranges: dict[str, list[str]] = {"indsats": [], "resultat": []}
    all_points: list[str] = []
    text_ranges: list[str] = []
    mine_rows: dict[str, tuple[int, int]] = {}
    for theme in cat.themes:
        qs = [q for q in cat.questions_of(theme.id) if q.id in layout.rows]
        if not qs:
            continue
        trow = layout.rows[qs[0].id] - 2  # 0-based index of the theme header row
        side = T["side_" + theme.side](lang) if theme.side in SIDE_NAMES else theme.side
        ws.write_string(trow, c["nr"], T["theme_row"](lang, label=theme.label(lang), side=side), fmt["theme"])
        for key in ("question", "examples", "points", "improvements", "ideas"):
            ws.write_blank(trow, c[key], None, fmt["theme"])
        # the scale's bands beside the questions they are for
        bands = T["bands_row"](lang, bands=band_summary(scale, theme.side, lang))
        ws.write_string(trow, c["strengths"], bands, fmt["theme_bands"])
        ws.set_row(trow, max(22, _row_height(_line_count(bands, _WIDTHS["strengths"], 9), 9)))
        for q in qs:
            r = layout.rows[q.id] - 1
            text = pick(q.text, lang)
            ws.write_string(r, c["qid"], q.id, fmt["qid"])
            ws.write_string(r, c["nr"], q.id, fmt["nr"])
            ws.write_string(r, c["question"], text, fmt["locked"])
            examples = "\n".join(f"• {e}" for e in q.examples_for(lang))
            height = max(_row_height(_line_count(text, _WIDTHS["question"]), minimum=MIN_QUESTION_ROW_HEIGHT),
                         _row_height(_line_count(examples, _WIDTHS["examples"], 10), 10) if examples else 0)
            ws.set_row(r, height)
            auto.add(r + 1)
            if examples:
                ws.write_string(r, c["examples"], examples, fmt["examples"])
            else:
                ws.write_blank(r, c["examples"], None, fmt["examples"])
            ws.write_blank(r, c["points"], None, fmt["points"])
            for key in ("strengths", "improvements", "ideas"):
                ws.write_blank(r, c[key], None, fmt["input"])
        first, last = layout.rows[qs[0].id], layout.rows[qs[-1].id]
        mine_rows[theme.id] = (trow + 1, last)  # 1-based: the theme row, then its questions' rows
        ranges.setdefault(theme.side, []).append(f"{pts}{first}:{pts}{last}")
        all_points.append(f"{pts}{first}:{pts}{last}")
        text_ranges.append(f"{layout.col_strengths}{first}:{layout.col_ideas}{last}")

    example = (scale.min + scale.max + 1) // 2 if scale.max - scale.min > 10 else scale.max - 1
    error_msg = T["pts_error"](lang, example=example, **params)
    for side, rngs in ranges.items():
        if not rngs:
            continue
        msg = band_message(scale, side, lang)
        ws.data_validation(rngs[0], {
            # a list, not a formula: "ved ikke" can be picked (Excel and LibreOffice show a dropdown
            # only for a list) and still typed, any case; a typed number must be one of the list's
            # whole numbers, so 150, -1, 55,5 and "ca. 60" get the error message as before
            "validate": "list", "source": points_source(scale, lang),
            "ignore_blank": True,
            "input_title": T["pts_input_title"](lang, **params), "input_message": msg,
            "error_type": "stop", "error_title": T["pts_error_title"](lang), "error_message": error_msg,
            "multi_range": " ".join(rngs),
        })
    ws.data_validation(text_ranges[0], {
        "validate": "length", "criteria": "<=", "value": MAX_TEXT_CHARS, "ignore_blank": True,
        "error_type": "stop", "error_title": T["txt_error_title"](lang),
        "error_message": T["txt_error"](lang, limit=_thousands(MAX_TEXT_CHARS, lang)),
        "multi_range": " ".join(text_ranges),
    })
    ws.conditional_format(all_points[0], {"type": "blanks", "format": fmt["blank_cf"],
                                          "multi_range": " ".join(all_points)})
    # the themes whose documentation this participant reads are marked (green, bold): their ids
    # stand in the hidden cell A1 (a placeholder, patched per participant, ",1,4," or empty)
    ws.write_string(0, c["qid"], ph["THEMEIDS"], fmt["qid"])
    for tid, (trow_1, last) in mine_rows.items():
        nr = column_letter(c["nr"] + 1)
        ws.conditional_format(f"{nr}{trow_1}", {
            "type": "formula", "criteria": f'=ISNUMBER(SEARCH(",{tid},",${layout.col_qid}$1))',
            "format": fmt["mine_cf"], "multi_range": f"{nr}{trow_1} {nr}{trow_1 + 1}:{nr}{last}"})

    # the number and the question stay in view while typing in any answer column
    ws.freeze_panes(layout.header_row, c["points"])
    # the smallest text is the scale's bands beside a theme (9 pt); Nr and Spørgsmål repeat across pages
    _print_setup(ws, header, footer, 9, "landscape", c["nr"], c["ideas"], repeat_row=hr,
                 title_cols=(c["nr"], c["question"]))
    ws.print_area(0, c["nr"], layout.last_row - 1, c["ideas"])
    first_input = f"{pts}{layout.first_row}"
    ws.set_selection(first_input)
    _protect(ws)
    return auto


# ---------------------------------------------------------------- files
def file_stem(setup: RoundSetup, participant: Participant) -> str:
    """``KIK <unit> - <name>`` (unit shortened so the name survives; the id if the name is unusable)."""
    unit = _file_unit(setup.unit)
    name = display_name(participant)
    if not any(ch.isalnum() for ch in safe_stem(name, fallback="")):  # only punctuation
        name = participant.pid
    stem = f"KIK {unit} - {name}" if unit else f"KIK - {name}"
    return safe_stem(stem, fallback=f"KIK - {participant.pid}")


@functools.lru_cache(maxsize=8)
def _file_unit(unit: str) -> str:
    """The unit as it starts a file name (shortened), or "" when nothing usable is left of it
    (once per round, not per participant)."""
    unit = _WS_RE.sub(" ", unit).strip()[:30]
    return unit if safe_stem(unit, fallback="").strip("_. -") else ""


def read_owner(path: Path) -> tuple[str, str] | None:
    """``(round_id, participant_id)`` of an existing scoring workbook, or None if it is not one."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/custom.xml")
            if info.file_size > 1_000_000:
                return None
            data = zf.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return None
    props = parse_custom_properties(data)
    rid = props.get(CUSTOM_PROPERTY_PREFIX + "round_id")
    pid = props.get(CUSTOM_PROPERTY_PREFIX + "participant_id")
    if rid is None or pid is None:
        return None
    return rid, pid


def parse_custom_properties(data: bytes) -> dict[str, str]:
    """Custom document properties (``docProps/custom.xml``) as name -> text."""

    try:
        root = ET.fromstring(data)
    except Exception:  # defusedxml / expat errors
        return {}
    out = {}
    for prop in root:
        name = prop.get("name")
        if name is None:
            continue
        out[name] = "".join(child.text or "" for child in prop)
    return out


def plan_file_names(setup: RoundSetup, participants: Sequence[Participant], outdir: Path) -> list[str]:
    """File names in ``outdir`` for ``participants``.

    Starts from :func:`xl_kik.core.filenames.unique_names`; a name already used on disk by a file
    that is not this participant's workbook of this round is never taken (the next
    ``(n)`` is used). A participant's own existing file keeps its name.
    """
    stems = [file_stem(setup, p) for p in participants]
    proposed = unique_names(stems, SUFFIX)
    on_disk: dict[str, Path] = {}
    by_base: dict[str, list[str]] = {}  # lower-case base stem -> lower-case names on disk
    numbered = re.compile(r"^(.*?)(?: \(\d+\))?" + re.escape(SUFFIX) + "$")
    if outdir.is_dir():
        for entry in outdir.iterdir():
            lname = entry.name.lower()
            on_disk[lname] = entry
            m = numbered.match(lname)
            if m and entry.is_file():
                by_base.setdefault(m.group(1), []).append(lname)
    owners: dict[str, tuple[str, str] | None] = {}

    def owner(lname: str) -> tuple[str, str] | None:
        if lname not in owners:
            owners[lname] = read_owner(on_disk[lname])
        return owners[lname]

    taken: set[str] = set()
    out: list[str] = []
    for p, stem, name in zip(participants, stems, proposed):
        me = (setup.round_id, p.pid)
        base = safe_stem(stem)
        # 1. this participant's existing file with a matching name keeps its name
        mine = [n for n in by_base.get(base.lower(), ()) if n not in taken and owner(n) == me]
        if mine:
            chosen = on_disk[min(mine, key=lambda n: (len(n), n))].name
        else:
            candidates = itertools.chain([name], (f"{base} ({i}){SUFFIX}" for i in itertools.count(2)))
            chosen = next(c for c in candidates
                          if c.lower() not in taken and (c.lower() not in on_disk or owner(c.lower()) == me))
        taken.add(chosen.lower())
        out.append(chosen)
    return out


def write_scoring_workbooks(setup: RoundSetup, participants: Sequence[Participant], outdir: Path,
                            template: ScoringTemplate | None = None) -> list[tuple[Participant, Path]]:
    """Write one scoring workbook per participant into ``outdir``.

    Each file is written to a temporary file in ``outdir`` and moved into place with
    ``os.replace``. A file that belongs to another participant (or is not one of ours) is
    never overwritten; regenerating for the same participant of the same round replaces it.
    The first few files are written by this thread; the rest by a few threads only when those
    waited for the folder (a network folder: the file-system calls then overlap), see
    :data:`WRITE_THREADS`.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    pids = [p.pid for p in participants]
    if len(set(pids)) != len(pids) or not all(pids):
        raise ValueError("every participant needs a unique id")
    template = template or ScoringTemplate(setup)
    targets = [outdir / name for name in plan_file_names(setup, participants, outdir)]

    # plain os calls on str paths: per file, a Path join, a random token and a buffered file
    # object cost about as much as creating the file does on a fast local disk (issue 14)
    tmp_prefix = os.path.join(str(outdir), f"{atomic.OUTGOING_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)

    def write(index: int) -> Path:
        target = targets[index]
        data = memoryview(template.render(participants[index]))
        tmp = f"{tmp_prefix}{index}{atomic.OUTGOING_TMP_SUFFIX}"
        try:
            fd = os.open(tmp, flags, 0o644)
            try:
                while data:  # os.write may write less than asked (a full disk, a signal)
                    done = os.write(fd, data)
                    if not done:
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), tmp)
                    data = data[done:]
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return target

    n = len(participants)
    probe = min(PROBE_FILES, n)
    wall, cpu = time.perf_counter(), time.thread_time()
    paths = [write(i) for i in range(probe)]
    workers = _write_threads(time.perf_counter() - wall, time.thread_time() - cpu, probe, n - probe)
    if workers == 1:
        paths += [write(i) for i in range(probe, n)]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            paths += pool.map(write, range(probe, n))
    return list(zip(participants, paths))


def _write_threads(wall: float, cpu: float, probed: int, left: int) -> int:
    """Threads for the ``left`` files still to write, after ``probed`` files took ``wall``
    seconds, ``cpu`` of them on this thread's CPU: :data:`WRITE_THREADS` when the files
    waited for the folder (:data:`WAIT_PER_FILE` on average), else 1."""
    if left <= 1 or probed == 0 or (wall - cpu) / probed < WAIT_PER_FILE:
        return 1
    return max(1, min(WRITE_THREADS, left))
