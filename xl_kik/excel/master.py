"""The coordinator's master workbook (``kik_master.xlsm``): build, read, verify, refresh.

* :func:`create_round` makes a round folder and writes a new master with XlsxWriter: every
  sheet of the contract in ``docs/DESIGN.md`` with its codeName, the VBA project (our
  ``KikButtons`` module + the installed xlwings' standalone module), form-control buttons
  on ``Start``, the setup rows, the participants and catalogue tables, the very hidden
  ``_kik`` metadata sheet and xlwings' ``xlwings.conf`` sheet.
* :func:`read_master` / :func:`load_round` read a master fast with python-calamine (sheets
  are found by codeName, so a renamed sheet still works); :func:`parse_master` does the
  same on rows that came from anywhere (the xlwings button adapter reads the *live*
  workbook and hands its rows here).
* :func:`verify_master` checks the package statically: bound macros exist, content types,
  relationships, codeNames vs VBA document modules, xlwings version.
* :func:`xl_kik.excel.masterfile.refresh_vba` rebuilds ``xl/vbaProject.bin`` after an xlwings upgrade, replacing
  only that zip part.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import posixpath
import re
import sys
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence
from xml.etree import ElementTree as ET

from defusedxml.ElementTree import fromstring
from python_calamine import CalamineWorkbook

from xl_kik.excel import atomic, cells, vba, zipparts
from xl_kik.core import catalogue as catmod
from xl_kik.core import vocabulary
from xl_kik.core.cellref import cell_ref
from xl_kik.core.i18n import Msg, check_lang
from xl_kik.core.vocabulary import button
from xl_kik.excel.layout import line_count, row_height
from xl_kik._version import __version__
from xl_kik.core.catalogue import Catalogue, CatalogueError, Scale, clean_text
from xl_kik.core.errors import MasterFormatError, RoundNotFoundError, SetupError
from xl_kik.core.problems import ERROR, WARNING, Problem, Report, define
from xl_kik.core.agenda import DEFAULT_HOURS, parse_hours
from xl_kik.core.anonymity import DEFAULT_MIN_GROUP, parse_min_group
from xl_kik.core.stats import DEFAULT_RULE, RULE_TEXTS, parse_rule
from xl_kik.core.values import YES_NO_TEXT, fmt_date, is_blank, is_yes, parse_yes_no
from xl_kik.core.contract import (  # the file contract; names kept importable from here
    DEFAULT_PASSWORD_ENV, MASTER_CODE_NAMES, MASTER_FORMAT, MASTER_SHEET_KEYS, MASTER_SHEET_NAMES, NAME_LAST_RUN,
    NAME_SETUP, OPTIONAL_SETUP_KEYS, PARTICIPANT_HEADERS, PLAN_SHEET_KEYS, SETUP_FIRST_ROW, SETUP_KEYS, SMTP_KEYS, SMTP_TLS_VALUES,
    TABLE_CATALOGUE, TABLE_PARTICIPANTS, TABLE_PLAN, WORKBOOK_CODE_NAME, smtp_first_row,
)
from xl_kik.core.round import (
    DEFAULT_THRESHOLD,
    PARTICIPANT_COLUMNS,
    with_ids,
    MASTER_NAME,
    S_BAD_THRESHOLD,
    S_NO_UNIT,
    Participant,
    RoundPaths,
    RoundSetup,
    new_round_id,
    new_secret,
    parse_date,
    parse_threshold,
    participants_from_rows,
)

FORMAT = MASTER_FORMAT
GENERATOR = f"xl_kik {__version__}"

# ---------------------------------------------------------------- the contract (xl_kik.core.contract)
SHEET_KEYS = MASTER_SHEET_KEYS
SHEET_NAMES = MASTER_SHEET_NAMES
CODE_NAMES = MASTER_CODE_NAMES
#: Column widths of the Start sheet (the guide runs across B:D).
START_WIDTHS = {"B": 32, "D": 58, "B:D": 32 + 2 + 58}  # A4 portrait at 11 pt (core.printing)
YES_NO = YES_NO_TEXT

SETUP_LABELS: dict[str, Msg] = {
    "round_id": Msg("Runde-id (må ikke ændres)", "Round id (do not change)"),
    "unit": Msg("Enhed", "Unit"),
    "catalogue_id": Msg("Spørgsmålskatalog", "Question catalogue"),
    "catalogue_version": Msg("Katalogversion", "Catalogue version"),
    "scale": Msg("Pointskala", "Points scale"),
    "themes": Msg("Temaer i denne runde", "Themes in this round"),
    "lang": Msg("Sprog i spørgeskemaerne", "Language of the questionnaires"),
    "deadline": Msg("Svarfrist", "Deadline"),
    "created": Msg("Oprettet", "Created"),
    "threshold": Msg("Grænse for uenighed", "Disagreement threshold"),
    "disagreement_rule": Msg("Regel for uenighed", "Disagreement rule"),
    "anonymise": Msg("Anonym svarrapport", "Anonymous answer report"),
    "min_group": Msg("Mindste gruppe for fordeling", "Smallest group for a distribution"),
    "seminar_hours": Msg("Konsensusseminarets længde (timer)", "Length of the consensus seminar (hours)"),
    "previous_round": Msg("Forrige runde", "Previous round"),
    "coordinator": Msg("Tovholder (navn)", "Coordinator (name)"),
    "coordinator_email": Msg("Tovholderens e-mail", "Coordinator's e-mail"),
}
SETUP_HELP: dict[str, Msg] = {
    "round_id": Msg("Skrives af xl_kik. Returnerede filer genkendes på dette id.",
                    "Written by xl_kik. Returned files are recognised by this id."),
    "unit": Msg("Enhedens navn, som det skal stå i rapporterne.", "The unit's name as shown in the reports."),
    "catalogue_id": Msg("Spørgsmålene står på arket Spørgsmål og kan tilpasses, før spørgeskemaerne sendes ud.",
                        "The questions are on the Questions sheet and can be adapted before sending out."),
    "catalogue_version": Msg("", ""),
    "scale": Msg("0-100 (CAF's klassiske trin) eller 0-5.", "0-100 (CAF's classical bands) or 0-5."),
    "themes": Msg("Temanumre adskilt af komma, fx 1,2,3,4. Tom = alle temaer.",
                  "Theme numbers separated by commas, e.g. 1,2,3,4. Empty = all themes."),
    "lang": Msg("da = dansk, en = engelsk.", "da = Danish, en = English."),
    "deadline": Msg("Dato, fx 2026-12-01. Står i spørgeskemaerne.", "A date, e.g. 2026-12-01. Shown in the questionnaires."),
    "created": Msg("", ""),
    "threshold": Msg("Et spørgsmål markeres som uenighed, når spredningen (se reglen nedenfor) er mindst denne andel "
                     "af skalaen. Standard 25 %.",
                     "A question is flagged as disagreement when its spread (see the rule below) is at least this "
                     "share of the scale. Default 25 %."),
    "disagreement_rule": Msg("'midterste halvdel': hvor langt den midterste halvdel af svarene spænder (betyder det "
                             "samme for 5 og 300 deltagere). 'højeste minus laveste': den klassiske regel; med mange "
                             "deltagere bliver næsten alt markeret.",
                             "'middle half': how far the middle half of the answers spans (means the same for 5 and "
                             "300 participants). 'highest minus lowest': the classic rule; with many participants "
                             "almost everything is flagged."),
    "anonymise": Msg("Ja: svarrapporten viser 'Deltager 1, 2, ...' i stedet for navne.",
                     "Yes: the answer report shows 'Participant 1, 2, ...' instead of names."),
    "min_group": Msg("Med anonym svarrapport: et spørgsmål med færre svar end dette tal viser ikke de enkeltes "
                     "point, laveste, højeste og spredning (ellers kan man se, hvem der svarede hvad). Standard 3.",
                     "With an anonymous answer report: a question with fewer answers than this does not show the "
                     "individual points, lowest, highest and spread (else one could tell who answered what). "
                     "Default 3."),
    "seminar_hours": Msg("Bruges af arket Dagsorden til minutter pr. spørgsmål. Standard 7,4 (en arbejdsdag).",
                         "Used by the Agenda sheet for the minutes per question. Default 7.4 (one working day)."),
    "previous_round": Msg("Mappen med forrige runde (til sammenligning og handleplan).",
                          "The previous round's folder (for comparison and the action plan)."),
    "coordinator": Msg(f"Dit navn, som deltagerne ser det i vejledningen og i mailen. Udfyld før "
                       f"{button('KikGenerate', 'da')}.",
                       f"Your name as the participants see it in the instructions and the e-mail. Fill in "
                       f"before {button('KikGenerate', 'en')}."),
    "coordinator_email": Msg("Hvor deltagerne sender spørgeskemaet tilbage og kan stille spørgsmål.",
                             "Where the participants send the questionnaire back and can ask questions."),
}

SMTP_TITLE = Msg("E-mail (valgfrit): send invitationer direkte fra xl_kik",
                 "E-mail (optional): send the invitations directly from xl_kik")
SMTP_LABELS: dict[str, Msg] = {
    "smtp_host": Msg("Mailserver (SMTP)", "Mail server (SMTP)"),
    "smtp_port": Msg("Port", "Port"),
    "smtp_tls": Msg("Kryptering", "Encryption"),
    "smtp_user": Msg("Brugernavn", "User name"),
    "smtp_sender": Msg("Afsender (e-mailadresse)", "Sender (e-mail address)"),
    "smtp_password_env": Msg("Miljøvariabel med adgangskoden", "Environment variable with the password"),
}
SMTP_HELP: dict[str, Msg] = {
    "smtp_host": Msg("Fx smtp.kommune.dk. Tom = xl_kik laver kun mailkladder (.eml), som du selv sender.",
                     "E.g. smtp.example.org. Empty = xl_kik only makes e-mail drafts (.eml) that you send yourself."),
    "smtp_port": Msg("Tom = 587 (starttls), 465 (ssl) eller 25 (ingen).",
                     "Empty = 587 (starttls), 465 (ssl) or 25 (none)."),
    "smtp_tls": Msg("starttls, ssl eller ingen. Tom = efter porten.", "starttls, ssl or none. Empty = by the port."),
    "smtp_user": Msg("Tom = serveren kræver ikke login.", "Empty = the server needs no login."),
    "smtp_sender": Msg("Adressen, mailene sendes fra, fx kik@kommune.dk.",
                       "The address the e-mails are sent from, e.g. kik@example.org."),
    "smtp_password_env": Msg(
        "Adgangskoden gemmes aldrig i denne fil. xl_kik læser den fra miljøvariablen med dette navn "
        "(tom = " + DEFAULT_PASSWORD_ENV + ").",
        "The password is never stored in this file. xl_kik reads it from the environment variable of this name "
        "(empty = " + DEFAULT_PASSWORD_ENV + ")."),
}

BUTTONS: tuple[tuple[str, Msg, Msg], ...] = (
    ("KikGenerate", vocabulary.BUTTONS["KikGenerate"],
     Msg("Laver én Excel-fil pr. deltager i mappen 'udsendt'. Send hver fil til sin deltager.",
         "Makes one Excel file per participant in the folder 'udsendt'. Send each file to its participant.")),
    ("KikOpenReturns", vocabulary.BUTTONS["KikOpenReturns"],
     Msg("Læg de returnerede filer i mappen 'retur'.", "Put the returned files into the folder 'retur'.")),
    ("KikMerge", vocabulary.BUTTONS["KikMerge"],
     Msg("Læser filerne i 'retur' og skriver Status, Svarrapport og Konsensus.",
         "Reads the files in 'retur' and writes Status, Answers and Consensus.")),
    ("KikPlan", vocabulary.BUTTONS["KikPlan"],
     Msg("Laver handleplanen ud fra de aftalte forbedringsområder på Konsensus.",
         "Builds the action plan from the agreed improvement areas on Consensus.")),
    ("KikDoctor", vocabulary.BUTTONS["KikDoctor"],
     Msg("Tjekker Python, xlwings og runden, hvis en knap ikke virker.",
         "Checks Python, xlwings and the round if a button does not work.")),
)

PLACEHOLDERS: dict[str, Msg] = {
    "status": Msg(f"Her kommer status over besvarelserne. Klik {button('KikMerge', 'da')} på fanen Start, "
                  "når deltagerne har sendt deres filer retur.",
                  f"The status of the answers appears here. Click {button('KikMerge', 'en')} on the Start sheet "
                  "when the participants have returned their files."),
    "answers": Msg(f"Her kommer svarrapporten (alle besvarelser pr. spørgsmål). Klik {button('KikMerge', 'da')} på fanen Start.",
                   f"The answer report (all answers per question) appears here. Click {button('KikMerge', 'en')} on the Start sheet."),
    "consensus": Msg(f"Her kommer konsensusarket til seminaret. Klik {button('KikMerge', 'da')} på fanen Start.",
                     f"The consensus sheet for the seminar appears here. Click {button('KikMerge', 'en')} on the Start sheet."),
    "agenda": Msg(f"Her kommer dagsordenen til konsensusseminaret. Klik {button('KikMerge', 'da')} på fanen Start.",
                  f"The agenda for the consensus seminar appears here. Click {button('KikMerge', 'en')} on the Start "
                  "sheet."),
    "plan": Msg(f"Her kommer handleplanen. Klik {button('KikPlan', 'da')} på fanen Start efter konsensusseminaret.",
                f"The action plan appears here. Click {button('KikPlan', 'en')} on the Start sheet after the consensus seminar."),
    "priority": Msg(f"Her kommer overblikket over effekt og gennemførlighed. Klik {button('KikPlan', 'da')} på fanen Start.",
                    f"The overview of effect and feasibility appears here. Click {button('KikPlan', 'en')} on the Start sheet."),
    "follow_up": Msg("Her kommer opfølgningen på handleplanen (pr. ansvarlig, overskredne frister). "
                     f"Klik {button('KikPlan', 'da')} på fanen Start.",
                     "The action plan follow-up (per owner, overdue deadlines) appears here. "
                     f"Click {button('KikPlan', 'en')} on the Start sheet."),
}

# ---------------------------------------------------------------- problems
S_MISSING_SHEET = define(
    "S101", ERROR, ("Ark mangler", "Sheet missing"),
    ("Arket {missing} mangler i masterfilen {file}. Brug en sikkerhedskopi fra mappen 'backup'.",
     "The sheet {missing} is missing from the master file {file}. Use a copy from the 'backup' folder."))
S_MISSING_KEY = define(
    "S102", ERROR, ("Indstilling mangler", "Setting missing"),
    ("Indstillingen {key!r} mangler i kolonne A på arket {sheet}.",
     "The setting {key!r} is missing from column A of the sheet {sheet}."))
S_UNKNOWN_SCALE = define(
    "S103", ERROR, ("Ukendt pointskala", "Unknown points scale"),
    ("Pointskalaen {value!r} findes ikke; vælg en af {known}.",
     "The points scale {value!r} does not exist; choose one of {known}."))
S_BAD_LANG = define(
    "S104", ERROR, ("Ukendt sprog", "Unknown language"),
    ("Sproget {value!r} kendes ikke; skriv da (dansk) eller en (engelsk).",
     "The language {value!r} is unknown; write da (Danish) or en (English)."))
S_BAD_YES_NO = define(
    "S105", ERROR, ("Skriv Ja eller Nej", "Write Yes or No"),
    ("{value!r} er hverken Ja eller Nej.", "{value!r} is neither Yes nor No."))
S_BAD_RULE = define(
    "S131", ERROR, ("Ukendt regel for uenighed", "Unknown disagreement rule"),
    ("Regel for uenighed skal være 'midterste halvdel' eller 'højeste minus laveste', ikke {value!r}.",
     "The disagreement rule must be 'middle half' or 'highest minus lowest', not {value!r}."))
S_BAD_MIN_GROUP = define(
    "S110", ERROR, ("Ugyldig mindste gruppe", "Invalid smallest group"),
    ("Mindste gruppe for fordeling skal være et helt tal fra 1 og op, ikke {value!r}, fx 3.",
     "The smallest group for a distribution must be a whole number from 1 up, not {value!r}, e.g. 3."))
S_BAD_HOURS = define(
    "S111", ERROR, ("Ugyldig længde af seminaret", "Invalid seminar length"),
    ("Konsensusseminarets længde skal være et antal timer fra 0,5 til 24, ikke {value!r}, fx 7,4.",
     "The consensus seminar's length must be a number of hours from 0.5 to 24, not {value!r}, e.g. 7.4."))
S_UNKNOWN_THEME = define(
    "S106", ERROR, ("Ukendt tema", "Unknown theme"),
    ("Temaet {theme!r} findes ikke på arket med spørgsmål. Mulige temaer: {known}.",
     "The theme {theme!r} is not on the questions sheet. Known themes: {known}."))
S_NOT_MASTER = define(
    "S107", ERROR, ("Ikke en xl_kik-master", "Not an xl_kik master"),
    ("{file} er ikke masterfilen til en xl_kik-runde, eller den er beskadiget ({reason}).",
     "{file} is not an xl_kik master file, or it is damaged ({reason})."))
S_ROUND_ID_CHANGED = define(
    "S108", ERROR, ("Runde-id er ændret", "Round id changed"),
    ("Runde-id'et er ændret til {value!r}; det skal være {expected!r}, ellers genkendes de returnerede filer ikke.",
     "The round id was changed to {value!r}; it must be {expected!r}, or the returned files are not recognised."))
S_CATALOGUE_EDITED = define(
    "S109", WARNING, ("Spørgsmålene er ændret", "Questions changed"),
    ("Spørgsmålene på arket {sheet} er ændret, siden runden blev oprettet. Det er fint, før spørgeskemaerne sendes ud; "
     "spørgeskemaer, der allerede er sendt ud, passer ikke længere.",
     "The questions on the sheet {sheet} were changed after the round was created. That is fine before sending "
     "the questionnaires; questionnaires already sent out no longer match."))
# static verification (verify_master)
S_MACRO_MISSING = define(
    "S120", ERROR, ("Knap uden makro", "Button without macro"),
    ("Knappen {caption!r} på arket {sheet} kalder makroen {macro}, som ikke findes i VBA-projektet.",
     "The button {caption!r} on the sheet {sheet} calls the macro {macro}, which is not in the VBA project."))
S_CONTENT_TYPE = define(
    "S121", ERROR, ("Forkert filtype i pakken", "Wrong content type"),
    ("{file} mangler indholdstypen {content_type} (filen er ikke en makroaktiveret projektmappe).",
     "{file} lacks the content type {content_type} (the file is not a macro-enabled workbook)."))
S_BROKEN_REL = define(
    "S122", ERROR, ("Brudt henvisning i pakken", "Broken package relationship"),
    ("Delen {source} henviser til {target}, som ikke findes i {file}.",
     "The part {source} refers to {target}, which does not exist in {file}."))
S_CODENAME_NO_MODULE = define(
    "S123", ERROR, ("Ark uden VBA-modul", "Sheet without VBA module"),
    ("Arket {sheet} har kodenavnet {codename}, men VBA-projektet har intet dokumentmodul med det navn.",
     "The sheet {sheet} has the codeName {codename}, but the VBA project has no document module of that name."))
S_MODULE_NO_SHEET = define(
    "S124", ERROR, ("VBA-modul uden ark", "VBA module without sheet"),
    ("VBA-projektet har dokumentmodulet {module}, men intet ark har det som kodenavn.",
     "The VBA project has the document module {module}, but no sheet has it as its codeName."))
S_XLWINGS_VERSION = define(
    "S125", ERROR, ("Forkert xlwings-version", "Wrong xlwings version"),
    ("VBA-koden i masterfilen er lavet til xlwings {vba}, men xlwings {installed} er installeret. "
     "Kør 'xl-kik refresh-vba' på mappen.",
     "The VBA code in the master file was made for xlwings {vba}, but xlwings {installed} is installed. "
     "Run 'xl-kik refresh-vba' on the folder."))
S_NO_VBA = define(
    "S126", ERROR, ("Intet VBA-projekt", "No VBA project"),
    ("{file} har intet læsbart VBA-projekt ({reason}); knapperne virker ikke.",
     "{file} has no readable VBA project ({reason}); the buttons do not work."))
S_NO_CODENAME = define(
    "S127", WARNING, ("Ark uden kodenavn", "Sheet without codeName"),
    ("Arket {sheet} har intet kodenavn.", "The sheet {sheet} has no codeName."))

ROUND_NOT_FOUND = Msg(
    "Mappen {dir} er ikke en KIK-runde: der er ingen {master}. Opret runden med 'xl-kik init' først.",
    "The folder {dir} is not a KIK round: there is no {master}. Create the round with 'xl-kik init' first.")
ROUND_DIR_MISSING = Msg(
    "Mappen {dir} findes ikke. Skriv stien til rundens mappe (den med {master}).",
    "The folder {dir} does not exist. Give the path of the round's folder (the one with {master}).")


def round_paths(paths: RoundPaths | str | Path) -> RoundPaths:
    """A round folder, its master file or its :class:`RoundPaths` as :class:`RoundPaths`."""
    if isinstance(paths, RoundPaths):
        return paths
    p = Path(paths)
    return RoundPaths(p.parent if p.suffix.lower() == ".xlsm" else p)


@contextmanager
def locked_round(paths: RoundPaths | str | Path, lang: str = "da") -> Iterator[RoundPaths]:
    """``with locked_round(root):`` hold the round's write lock (re-entrant) for a step that
    reads the master and then writes it: take it *before* reading, so the setup read is the one
    written on. RoundNotFoundError (no lock file left behind) when the folder holds no master.
    (``MasterFile.lock`` is this; a step that may write nothing into the master, generate, takes
    it here without loading openpyxl.)"""
    paths = round_paths(paths)
    if not paths.master.exists():
        missing = ROUND_NOT_FOUND if paths.root.is_dir() else ROUND_DIR_MISSING
        raise RoundNotFoundError(missing(lang, dir=paths.root, master=MASTER_NAME), lang=lang)
    with atomic.round_lock(paths.root, lang):
        yield paths


MASTER_EXISTS = Msg(
    "Der findes allerede en runde i mappen {dir} ({master}). Den bliver ikke overskrevet; vælg en ny mappe.",
    "There already is a round in the folder {dir} ({master}). It is not overwritten; choose a new folder.")
SETUP_INVALID = Msg("Opsætningen i {file} har fejl:", "The setup in {file} has errors:")
NOT_MASTER = Msg("{file} er ikke masterfilen til en xl_kik-runde.", "{file} is not an xl_kik master file.")


# ---------------------------------------------------------------- xlwings.conf
def interpreter_config(executable: str | None = None, platform: str | None = None) -> list[tuple[str, str]]:
    """Rows of the ``xlwings.conf`` sheet for the Python running now.

    xlwings' VBA (``GetConfigFromSheet``) reads keys from A1 downwards until the first empty
    cell, upper-cases them and takes the value from column B; ``RunPython`` asks for
    ``INTERPRETER_WIN`` / ``INTERPRETER_MAC`` (then the legacy ``INTERPRETER``, default
    ``python``). Only the current platform's interpreter is written: an empty entry would
    hide an interpreter configured in the user's own ``xlwings.conf`` file.

    On Windows ``python.exe`` is used even when running under ``pythonw.exe``: RunPython
    starts it through a hidden ``cmd.exe`` window and shows Python's stderr (redirected to a
    log) when it fails, which ``pythonw.exe`` has not got.
    ``ADD_WORKBOOK_TO_PYTHONPATH`` is false: xl_kik is installed, and no file in a round
    folder should be importable as Python code.
    """
    exe = executable or sys.executable
    plat = platform or sys.platform
    rows: list[tuple[str, str]] = []
    if plat.startswith("win"):
        p = Path(exe)
        if p.name.lower() == "pythonw.exe" and p.with_name("python.exe").exists():
            exe = str(p.with_name("python.exe"))
        rows.append(("Interpreter_Win", exe))
    elif plat == "darwin":
        rows.append(("Interpreter_Mac", exe))
    rows.append(("ADD_WORKBOOK_TO_PYTHONPATH", "false"))
    return rows


# ---------------------------------------------------------------- building
@dataclass(frozen=True)
class BuildOptions:
    """Knobs for :func:`write_master` (templates and tests; defaults are right for ``init``)."""

    vba_modules: Sequence[Any] | None = None  # list[VbaModule]; default: _vba.project_modules(...)
    conf_rows: Sequence[tuple[str, str]] | None = None  # default: interpreter_config()
    timestamp: dt.datetime | None = None  # document "created" property; fixed for reproducible templates


def document_module_names() -> list[str]:
    return [WORKBOOK_CODE_NAME] + [CODE_NAMES[k] for k in SHEET_KEYS]


def default_vba_modules() -> list[Any]:
    return vba.project_modules(document_modules=tuple(document_module_names()))


def _print_wide(ws: Any, repeat_row: int, title_cols: tuple[int, int] | None = None, last_col: int | None = None) -> None:
    """A table's page setup by the one print rule (``core.printing``: one page wide only
    while the text stays readable), the header row repeated, the sheet and page in the footer."""
    ws.print_layout(11, title_rows=(repeat_row, repeat_row), title_cols=title_cols, last_col=last_col)
    ws.set_footer("&L&A&R&P / &N")


def _setup_values(setup: RoundSetup, full: Catalogue) -> dict[str, Any]:
    themes = "" if [t.id for t in setup.catalogue.themes] == [t.id for t in full.themes] else \
        ",".join(t.id for t in setup.catalogue.themes)
    return {
        "round_id": setup.round_id,
        "unit": setup.unit,
        "catalogue_id": full.id,
        "catalogue_version": full.version,
        "scale": setup.scale.id,
        "themes": themes,
        "lang": setup.lang,
        "deadline": setup.deadline,
        "created": setup.created,
        "threshold": setup.threshold,
        "disagreement_rule": RULE_TEXTS[setup.disagreement_rule](setup.lang),
        "anonymise": YES_NO[setup.lang][0 if setup.anonymise else 1],
        "min_group": setup.min_group,
        "seminar_hours": setup.seminar_hours,
        "previous_round": setup.previous_round,
        "coordinator": setup.coordinator,
        "coordinator_email": setup.coordinator_email,
    }


def meta_rows(setup: RoundSetup, full: Catalogue, lang: str) -> list[tuple[str, str]]:
    rows = [
        ("format", FORMAT),
        ("round_id", setup.round_id),
        ("secret", setup.secret),
        ("catalogue_id", full.id),
        ("catalogue_version", full.version),
        ("catalogue_fingerprint", full.fingerprint),
        ("lang", lang),
        ("generator", GENERATOR),
        ("xlwings", vba.installed_xlwings_version()),
        ("created", setup.created.isoformat()),
    ]
    rows += [(f"sheet_{k}", SHEET_NAMES[lang][k]) for k in SHEET_KEYS]
    return rows


def _start_columns(ws: Any) -> None:
    ws.set_column("A:A", 2)
    ws.set_column("B:B", START_WIDTHS["B"])
    ws.set_column("C:C", 2)
    ws.set_column("D:D", START_WIDTHS["D"])


def _start_buttons(ws: Any, lang: str, f_wrap: Any = None) -> int:
    """The Start sheet's form buttons (XlsxWriter worksheet), each in its row with the
    description in column D when ``f_wrap`` is given; returns the next free row."""
    row = 3
    for macro, caption, description in BUTTONS:
        ws.set_row(row, max(30, row_height(line_count(description(lang), START_WIDTHS["D"]))))
        ws.insert_button(row, 1, {"macro": macro, "caption": caption(lang), "width": 220, "height": 32,
                                  "x_offset": 2, "y_offset": 4})
        if f_wrap is not None:
            ws.write_string(row, 3, description(lang), f_wrap)
        row += 2
    return row


def start_buttons_vml(lang: str) -> bytes:
    """The VML part of the Start sheet's buttons exactly as :func:`write_master` writes it
    (XlsxWriter's form buttons, bound as ``[0]!Macro``): used to re-create buttons another
    program removed or rebound (:mod:`xl_kik.excel.repair`)."""
    buf = io.BytesIO()
    wb = cells.xlsx_workbook(buf)
    ws = wb.add_worksheet("Start")
    _start_columns(ws)
    _start_buttons(ws, check_lang(lang))
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        return zf.read("xl/drawings/vmlDrawing1.vml")


def write_master(path: str | Path, setup: RoundSetup, participants: Sequence[Participant], full_catalogue: Catalogue,
                 options: BuildOptions | None = None) -> Path:
    """Write a master workbook to ``path`` (plain write; :func:`create_round` wraps it atomically)."""
    opts = options or BuildOptions()
    lang = check_lang(setup.lang)
    names = SHEET_NAMES[lang]
    modules = list(opts.vba_modules) if opts.vba_modules is not None else default_vba_modules()
    vba_blob = vba.build_vba_project(modules)

    wb = cells.xlsx_workbook(path)
    created = opts.timestamp or dt.datetime.combine(setup.created, dt.time(12, 0))
    wb.set_properties({
        "title": Msg("KIK-selvevaluering – {unit}", "KIK self-evaluation – {unit}")(lang, unit=setup.unit),
        "subject": setup.round_id, "author": "xl_kik", "comments": GENERATOR, "created": created,
    })
    wb.set_custom_property("xl_kik_format", FORMAT)
    wb.set_custom_property("xl_kik_round_id", setup.round_id)
    wb.set_custom_property("xl_kik_generator", GENERATOR)
    wb.set_vba_name(WORKBOOK_CODE_NAME)
    wb.add_vba_project(io.BytesIO(vba_blob), is_stream=True)

    f = _master_formats(wb)
    sheets = {}
    for key in SHEET_KEYS:
        ws = wb.add_worksheet(names[key])
        ws.set_vba_name(CODE_NAMES[key])
        sheets[key] = ws
    _write_start(wb, sheets["start"], setup, lang, f)
    _write_setup(wb, sheets["setup"], setup, full_catalogue, lang, f)
    _write_participants(sheets["participants"], participants, lang, f)
    _write_questions(sheets["questions"], full_catalogue, f, lang)
    # -- generated sheets: placeholders
    for key in ("status", "answers", "consensus", "agenda", "priority", "plan", "follow_up"):
        ws = sheets[key]
        ws.set_column("A:A", 100)
        ws.write_string("A1", PLACEHOLDERS[key](lang), f["sub"])
        _print_wide(ws, repeat_row=0)

    # -- action-plan helpers (xl_kik.excel.sheets.handleplan fills them): previous round's scores, plan state
    sheets["previous"].hide()
    sheets["plan_state"].very_hidden()

    _write_conf(sheets["conf"], opts)
    _write_meta(sheets["meta"], setup, full_catalogue, lang)
    wb.close()
    return Path(path)


def _master_formats(wb: Any) -> dict[str, Any]:
    """The cell formats of the master's sheets by name (``title``, ``input`` ...)."""
    return {
        "title": wb.add_format({"bold": True, "font_size": 16}),
        "sub": wb.add_format({"italic": True, "font_color": "#595959"}),
        "bold": wb.add_format({"bold": True}),
        "head": wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "text": wb.add_format({"num_format": "@", "valign": "top"}),
        "input": wb.add_format({"num_format": "@", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}),
        "input_date": wb.add_format({"num_format": "yyyy-mm-dd", "bg_color": "#FFF2CC", "border": 1,
                              "border_color": "#BFBFBF", "align": "left"}),
        "input_pct": wb.add_format({"num_format": "0%", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF",
                             "align": "left"}),
        "fixed": wb.add_format({"num_format": "@", "font_color": "#595959", "border": 1, "border_color": "#BFBFBF"}),
        "fixed_date": wb.add_format({"num_format": "yyyy-mm-dd", "font_color": "#595959", "border": 1,
                              "border_color": "#BFBFBF", "align": "left"}),
        "help": wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
    }


def _write_start(wb: Any, ws: Any, setup: RoundSetup, lang: str, f: Mapping[str, Any]) -> None:
    """Start: title, the buttons, the guide and the last-run cell (a defined name)."""
    ws.hide_gridlines(2)
    _start_columns(ws)
    ws.write_string("B1", Msg("KIK-selvevaluering", "KIK self-evaluation")(lang), f["title"])
    ws.write_string("B2", setup.unit, f["bold"])
    ws.write_string("D2", Msg("Runde {rid}", "Round {rid}")(lang, rid=setup.round_id), f["sub"])
    row = _start_buttons(ws, lang, f["wrap"])
    guide = [
        Msg("Sådan gør du", "How to"),
        Msg("1. Tjek arkene Opsætning, Deltagere og Spørgsmål, og gem masterfilen.",
            "1. Check the sheets Setup, Participants and Questions, and save the master file."),
        Msg(f"2. Klik {button('KikGenerate', 'da')} og send hver fil i mappen 'udsendt' til sin deltager.",
            f"2. Click {button('KikGenerate', 'en')} and send each file in the folder 'udsendt' to its participant."),
        Msg("3. Læg de returnerede filer i mappen 'retur' (filnavnet er ligegyldigt).",
            "3. Put the returned files into the folder 'retur' (the file name does not matter)."),
        Msg(f"4. Klik {button('KikMerge', 'da')}. Læs Status: den siger, hvis en fil mangler eller har fejl.",
            f"4. Click {button('KikMerge', 'en')}. Read Status: it tells you when a file is missing or has errors."),
        Msg("5. Brug Svarrapport og Konsensus på seminaret, og skriv de aftalte point og tekster på Konsensus.",
            "5. Use Answers and Consensus at the seminar, and write the agreed points and texts on Consensus."),
        Msg(f"6. Klik {button('KikPlan', 'da')}. Det, I skriver i handleplanen, bliver aldrig overskrevet.",
            f"6. Click {button('KikPlan', 'en')}. What you type in the action plan is never overwritten."),
        Msg("Knapperne kræver, at makroer er slået til for denne fil, og at xl_kik er installeret på computeren.",
            "The buttons need macros enabled for this file and xl_kik installed on the computer."),
        Msg(f"Går noget galt, siger en besked, hvad du skal gøre, og intet er ændret. Klik {button('KikDoctor', 'da')}. "
            "Alt står i 'Vejledning for tovholdere' (vejledning-tovholder.md i xl_kik-pakken).",
            f"If something goes wrong, a message says what to do, and nothing is changed. Click "
            f"{button('KikDoctor', 'en')}. Everything is in the coordinator's guide (vejledning-tovholder.md in "
            "the xl_kik bundle)."),
    ]
    row += 1
    # each guide line across B:D, wrapped (a line in B alone runs over the empty cells on screen
    # but is cut at the page edge in print); heights estimated: LibreOffice does not fit them
    f_guide = wb.add_format({"text_wrap": True, "valign": "top"})
    f_guide_head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for i, m in enumerate(guide):
        ws.merge_range(row + i, 1, row + i, 3, m(lang), f_guide_head if i == 0 else f_guide)
        ws.set_row(row + i, row_height(line_count(m(lang), START_WIDTHS["B:D"] - 2)))
    row += len(guide) + 1
    ws.write_string(row, 1, Msg("Seneste kørsel", "Last run")(lang), f["bold"])
    ws.write_string(row, 3, "–", wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True,
                                                 "valign": "top"}))
    wb.define_name(NAME_LAST_RUN, f"='{ws.name}'!$D${row + 1}")
    ws.print_area(0, 0, row, 3)
    ws.print_layout(11, prefer="portrait", last_col=3)
    ws.set_footer("&L&A&R&P / &N")
    ws.activate()


def _write_setup(wb: Any, ws: Any, setup: RoundSetup, full_catalogue: Catalogue, lang: str, f: Mapping[str, Any]) -> None:
    """Opsætning: hidden keys, labels, the coordinator's values with validations, then the e-mail keys."""
    ws.set_column("A:A", 18, None, {"hidden": True})
    ws.set_column("B:B", 34)
    ws.set_column("C:C", 40)
    ws.set_column("D:D", 70)
    ws.write_string("B1", Msg("Opsætning af runden", "Round setup")(lang), f["title"])
    ws.write_string("B2", Msg("Ret de gule felter. Kolonne A bruges af xl_kik og må ikke ændres.",
                              "Edit the yellow cells. Column A is used by xl_kik and must not be changed.")(lang), f["sub"])
    ws.write_string("A3", "key", f["head"])
    ws.write_string("B3", Msg("Indstilling", "Setting")(lang), f["head"])
    ws.write_string("C3", Msg("Værdi", "Value")(lang), f["head"])
    ws.write_string("D3", Msg("Forklaring", "Explanation")(lang), f["head"])
    values = _setup_values(setup, full_catalogue)
    try:
        scale_ids = list(catmod.scales())
    except Exception:  # scales.json missing or broken: offer the round's scale only
        scale_ids = []
    if setup.scale.id not in scale_ids:
        scale_ids.append(setup.scale.id)
    for i, key in enumerate(SETUP_KEYS):
        r = SETUP_FIRST_ROW - 1 + i
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, SETUP_LABELS[key](lang), f["bold"])
        ws.write_string(r, 3, SETUP_HELP[key](lang), f["help"])
        ws.set_row(r, max(row_height(line_count(SETUP_HELP[key](lang), 70)),
                          row_height(line_count(SETUP_LABELS[key](lang), 34))))
        value = values[key]
        fixed = key in ("round_id", "catalogue_id", "catalogue_version", "created")
        if key in ("deadline", "created"):
            if value is None:
                ws.write_blank(r, 2, None, f["fixed_date"] if fixed else f["input_date"])
            else:
                ws.write_datetime(r, 2, dt.datetime.combine(value, dt.time()), f["fixed_date"] if fixed else f["input_date"])
        elif key == "threshold":
            ws.write_number(r, 2, float(value), f["input_pct"])
        elif key == "min_group":
            ws.write_number(r, 2, int(value), f["input"])
        elif key == "seminar_hours":
            ws.write_number(r, 2, float(value), f["input"])
        else:
            ws.write_string(r, 2, str(value or ""), f["fixed"] if fixed else f["input"])
        cell = (r, 2)
        if key == "scale":
            ws.data_validation(*cell, *cell, {"validate": "list", "source": scale_ids,
                                              "error_title": SETUP_LABELS[key](lang),
                                              "error_message": SETUP_HELP[key](lang)})
        elif key == "lang":
            ws.data_validation(*cell, *cell, {"validate": "list", "source": ["da", "en"],
                                              "error_message": SETUP_HELP[key](lang)})
        elif key == "anonymise":
            ws.data_validation(*cell, *cell, {"validate": "list", "source": list(YES_NO[lang])})
        elif key == "disagreement_rule":
            ws.data_validation(*cell, *cell, {"validate": "list", "source": [t(lang) for t in RULE_TEXTS.values()],
                                              "error_message": SETUP_HELP[key](lang)})
        elif key == "min_group":
            ws.data_validation(*cell, *cell, {
                "validate": "integer", "criteria": "between", "minimum": 1, "maximum": 1000,
                "error_message": Msg("Skriv et helt tal fra 1 og op, fx 3.",
                                     "Write a whole number from 1 up, e.g. 3.")(lang)})
        elif key == "threshold":
            ws.data_validation(*cell, *cell, {
                "validate": "decimal", "criteria": "between", "minimum": 0.01, "maximum": 1,
                "input_title": SETUP_LABELS[key](lang),
                "input_message": Msg("Fx 25 %", "E.g. 25 %")(lang),
                "error_message": Msg("Skriv en procent mellem 1 % og 100 %.",
                                     "Write a percentage between 1 % and 100 %.")(lang)})
        elif key == "deadline":
            ws.data_validation(*cell, *cell, {
                "validate": "date", "criteria": "between", "minimum": dt.date(2000, 1, 1),
                "maximum": dt.date(2100, 12, 31), "ignore_blank": True,
                "error_message": SETUP_HELP[key](lang)})
    last = SETUP_FIRST_ROW + len(SETUP_KEYS) - 1
    wb.define_name(NAME_SETUP, f"='{ws.name}'!$A${SETUP_FIRST_ROW}:$C${last}")
    # optional e-mail settings (xl_kik.steps.invite): empty values, never a password
    r = smtp_first_row() - 2  # 0-based row of the heading
    ws.write_string(r, 1, SMTP_TITLE(lang), f["bold"])
    for i, key in enumerate(SMTP_KEYS, start=1):
        ws.write_string(r + i, 0, key)
        ws.write_string(r + i, 1, SMTP_LABELS[key](lang), f["bold"])
        ws.write_string(r + i, 2, "", f["input"])
        ws.write_string(r + i, 3, SMTP_HELP[key](lang), f["help"])
        ws.set_row(r + i, row_height(line_count(SMTP_HELP[key](lang), 70)))
        if key == "smtp_tls":
            ws.data_validation(r + i, 2, r + i, 2, {"validate": "list", "source": list(SMTP_TLS_VALUES[lang]),
                                                    "error_message": SMTP_HELP[key](lang)})
        elif key == "smtp_port":
            ws.data_validation(r + i, 2, r + i, 2, {"validate": "integer", "criteria": "between", "minimum": 1,
                                                    "maximum": 65535, "ignore_blank": True,
                                                    "error_message": SMTP_HELP[key](lang)})
    ws.freeze_panes(3, 0)
    _print_wide(ws, repeat_row=2)


def _write_participants(ws: Any, participants: Sequence[Participant], lang: str, f: Mapping[str, Any]) -> None:
    """Deltagere: the participants table."""
    headers = PARTICIPANT_HEADERS[lang]
    n = max(len(participants), 1)
    ws.add_table(0, 0, n, len(headers) - 1, {"name": TABLE_PARTICIPANTS, "style": "Table Style Medium 2",
                                              "columns": [{"header": h} for h in headers]})
    for r, p in enumerate(participants, start=1):
        for c, v in enumerate(p.as_row()):
            ws.write_string(r, c, v, f["text"])
    for c, w in enumerate([8, 30, 34, 16, 20, 14, 14]):
        ws.set_column(c, c, w, f["text"])
    ws.data_validation(1, 3, 1000, 3, {"validate": "list", "source": [r for r in ("leder", "medarbejder")],
                                       "ignore_blank": True, "error_type": "warning"})
    ws.data_validation(1, 6, 1000, 6, {"validate": "list", "source": list(YES_NO[lang]), "ignore_blank": True})
    ws.write_string(0, 7, Msg("Tilføj en deltager i første tomme række under tabellen. Id udfyldes af xl_kik. "
                              "Temaer: de temaer, hvis dokumentation personen læser, fx 1, 4 (mindst to læsere pr. "
                              "tema, ikke kun én rolle). Send igen med svar = Ja: næste klik på "
                              f"{button('KikGenerate', 'da')} giver personen et spørgeskema med svarene fra sidste "
                              "brugbare besvarelse.",
                              "Add a participant in the first empty row below the table. xl_kik fills in the id. "
                              "Themes: the themes whose documentation the person reads, e.g. 1, 4 (at least two "
                              "readers per theme, not only one role). Resend with answers = Yes: the next click on "
                              f"{button('KikGenerate', 'en')} gives the person a questionnaire with the answers of "
                              "their last usable return.")(lang),
                    f["sub"])
    ws.freeze_panes(1, 0)
    # the note in H is for the screen: the table's columns print, down to the rows the validations cover
    # (LibreOffice prints text running over empty columns; whole columns "$A:$G" do not survive openpyxl)
    ws.print_area(0, 0, 999, len(headers) - 1)
    _print_wide(ws, repeat_row=0, last_col=len(headers) - 1)


def _write_questions(ws: Any, full_catalogue: Catalogue, f: Mapping[str, Any], lang: str = "da") -> None:
    """Spørgsmål: the catalogue table with estimated row heights. Only the round's language is
    shown and printed: the other language's text columns stay in the table, hidden."""
    rows = catmod.to_rows(full_catalogue, lang)
    ws.add_table(0, 0, len(rows) - 1, len(rows[0]) - 1, {"name": TABLE_CATALOGUE, "style": "Table Style Light 9",
                                                          "columns": [{"header": h} for h in rows[0]]})
    question_widths = [7, 6, 18, 10, 52, 50, 22, 52, 50]  # one A4 landscape page wide at 11 pt
    for r, values_row in enumerate(rows[1:], start=1):
        for c, v in enumerate(values_row):
            ws.write_string(r, c, v, f["wrap"])
        # LibreOffice does not fit row heights on load: give wrapped rows their estimated height
        ws.set_row(r, max(row_height(line_count(v, w)) for v, w in zip(values_row, question_widths)))
    keys = catmod.TABLE_KEYS
    english = {c for c, k in enumerate(keys) if k.endswith("_en")}
    danish = {c for c, k in enumerate(keys) if f"{k}_en" in keys}
    hidden = english if lang != "en" else danish
    for c, w in enumerate(question_widths):
        ws.set_column(c, c, w, f["wrap"], {"hidden": True} if c in hidden else None)
    ws.freeze_panes(1, 0)
    _print_wide(ws, repeat_row=0, title_cols=(0, 0))


def _write_conf(ws: Any, opts: BuildOptions) -> None:
    """xlwings.conf (hidden; xlwings reads it with the workbook's VBA)."""
    conf = list(opts.conf_rows) if opts.conf_rows is not None else interpreter_config()
    for r, (k, v) in enumerate(conf):
        ws.write_string(r, 0, k)
        ws.write_string(r, 1, v)
    ws.set_column("A:A", 30)
    ws.set_column("B:B", 80)
    ws.hide()


def _write_meta(ws: Any, setup: RoundSetup, full_catalogue: Catalogue, lang: str) -> None:
    """_kik (very hidden): the master's identity."""
    for r, (k, v) in enumerate(meta_rows(setup, full_catalogue, lang)):
        ws.write_string(r, 0, k)
        ws.write_string(r, 1, v)
    ws.very_hidden()


def create_round(root: str | Path, *, unit: str, participants: list[Participant], catalogue: Catalogue,
                 scale: Scale, themes: Sequence[str] | None = None, deadline: dt.date | None = None,
                 lang: str = "da", threshold: float = DEFAULT_THRESHOLD, previous_round: str = "",
                 anonymise: bool = True, options: BuildOptions | None = None, coordinator: str = "",
                 coordinator_email: str = "") -> RoundPaths:
    """Create the round folder and its master workbook; refuses to overwrite a master."""
    check_lang(lang)
    paths = RoundPaths(Path(root))
    if paths.master.exists():
        raise SetupError(MASTER_EXISTS(lang, dir=paths.root, master=MASTER_NAME), lang=lang)
    unit = clean_text(unit)
    if not unit:
        raise SetupError(S_NO_UNIT.template(lang), [S_NO_UNIT()], lang=lang)
    if not 0 < float(threshold) <= 1:
        raise SetupError(S_BAD_THRESHOLD.template(lang, value=threshold), [S_BAD_THRESHOLD(value=threshold)], lang=lang)
    participants = with_ids(participants)
    subset = catalogue.subset(themes)
    today = dt.date.today()
    setup = RoundSetup(round_id=new_round_id(unit, today), unit=unit, catalogue=subset, scale=scale, lang=lang,
                       deadline=deadline, created=today, threshold=float(threshold), anonymise=anonymise,
                       coordinator=clean_text(coordinator), coordinator_email=clean_text(coordinator_email),
                       secret=new_secret(), previous_round=previous_round or "")
    paths.create()
    if paths.master.exists():  # created meanwhile
        raise SetupError(MASTER_EXISTS(lang, dir=paths.root, master=MASTER_NAME), lang=lang)
    atomic.write_with(paths.master, lambda tmp: write_master(tmp, setup, participants, catalogue, options), lang=lang)
    return paths


# ---------------------------------------------------------------- reading
@dataclass
class MasterData:
    """Everything a master holds, as read by :func:`read_master`."""

    path: Path
    setup: RoundSetup
    participants: list[Participant]
    full_catalogue: Catalogue  # the whole Spørgsmål sheet (setup.catalogue is the round's subset)
    sheet_names: dict[str, str]  # sheet key -> the sheet's current name
    #: ids xl_kik gave rows the coordinator added without one: (sheet, cell, pid). ``generate``
    #: writes them back, so a participant keeps the id.
    new_ids: list[tuple[str, str, str]] = field(default_factory=list)
    #: pid -> 1-based row of the participant on Deltagere; column key -> 1-based column there
    participant_rows: dict[str, int] = field(default_factory=dict)
    participant_columns: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def catalogue_changed(self) -> bool:
        fp = self.meta.get("catalogue_fingerprint", "")
        return bool(fp) and fp != self.full_catalogue.fingerprint


def _master_path(root_or_master: str | Path) -> Path:
    p = Path(root_or_master)
    if p.is_dir():
        master = p / MASTER_NAME
        if not master.exists():
            raise RoundNotFoundError(ROUND_NOT_FOUND("da", dir=p, master=MASTER_NAME))
        return master
    if not p.exists():
        if p.suffix.lower() not in (".xlsm", ".xlsx"):
            raise RoundNotFoundError(ROUND_DIR_MISSING("da", dir=p, master=MASTER_NAME))
        raise RoundNotFoundError(ROUND_NOT_FOUND("da", dir=p.parent, master=p.name))
    return p


_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
}
_R_ID = "{%s}id" % _NS["r"]


def _xml(zf: zipfile.ZipFile, name: str) -> ET.Element:
    return fromstring(zf.read(name))


def _rels_name(part: str) -> str:
    d, b = posixpath.split(part)
    return posixpath.join(d, "_rels", b + ".rels")


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str, str]]:
    """rId -> (type, resolved target part, target mode) of a part's relationships."""
    name = _rels_name(part)
    if name not in zf.namelist():
        return {}
    out = {}
    base = posixpath.dirname(part)
    for rel in _xml(zf, name).findall("rel:Relationship", _NS):
        target, mode = rel.get("Target", ""), rel.get("TargetMode", "")
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), resolved, mode)
    return out


@dataclass(frozen=True)
class SheetInfo:
    name: str
    part: str  # e.g. xl/worksheets/sheet1.xml
    codename: str
    state: str  # visible / hidden / veryHidden


def find_sheet_info(infos: Sequence[SheetInfo], key: str, names: Mapping[str, str] | None = None) -> SheetInfo | None:
    """A master sheet among :func:`workbook_sheets` by its contract key, by the same rule as
    :func:`xl_kik.excel.masterfile.find_sheet`: codeName first, then the exact recorded or
    contract name; None when missing."""
    code = CODE_NAMES[key]
    for info in infos:
        if info.codename == code:
            return info
    candidates = [names[key]] if names and names.get(key) else []
    candidates += [SHEET_NAMES["da"][key], SHEET_NAMES["en"][key]]
    by_name = {i.name: i for i in infos}
    return next((by_name[n] for n in candidates if n in by_name), None)


def sheet_names_by_key(infos: Sequence[SheetInfo], names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Sheet key -> current name of every master sheet :func:`find_sheet_info` finds (the
    readers' map: calamine, the rollup, the reports and the live workbook)."""
    return {key: info.name for key in CODE_NAMES if (info := find_sheet_info(infos, key, names)) is not None}


#: runs of plain characters matched at once and never given back (``[^>"']++``, possessive: a
#: plain ``+`` inside ``*`` backtracks exponentially on an unclosed tag): the same tags in about
#: half the time of one step per character on a master's workbook.xml
_TAG_RE = re.compile(r"""<(?:[\w.-]+:)?(sheet|workbookPr|Relationship)\b((?:[^>"']++|"[^"]*"|'[^']*')*)>""")
_ATTR_RE = re.compile(r"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_CODE_NAME_RE = re.compile(r'<(?:\w+:)?sheetPr\b[^>]*\bcodeName="([^"]*)"')


def _elements(xml: bytes, tags: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """(tag, attributes) of the elements named ``tags`` in a small package part, without an
    XML tree: a scan of the start tags (comments skipped, entities unescaped, never expanded
    from a DTD). Attribute names keep their prefix (``r:id``). Used for ``xl/workbook.xml`` and
    its relationships, which :func:`workbook_sheets` reads for every master a command opens."""
    text = _COMMENT_RE.sub("", xml.decode("utf-8", "replace"))
    out = []
    for m in _TAG_RE.finditer(text):
        if m.group(1) in tags:
            attrs = {}
            for k, a, b in _ATTR_RE.findall(m.group(2)):
                value = a or b  # the double- or the single-quoted form
                attrs[k] = html.unescape(value) if "&" in value else value
            out.append((m.group(1), attrs))
    return out


def _prefix_of(xml: bytes, namespace: str, default: str) -> str:
    m = re.search(rb'xmlns:([\w.-]+)\s*=\s*["\']' + re.escape(namespace.encode()) + rb'["\']', xml)
    return m.group(1).decode() if m else default




def _member(zf: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes:
    """A zip member's bytes (``limit``: at most its first ``limit`` bytes), read from the zip's
    file with one seek and one inflate: ``ZipFile.read`` / ``open`` cost about 35 µs a member in
    Python, and a reader of many masters (the rollup) looks at ten parts of each. Anything
    unusual (encryption, another compression, a local header that does not match) goes
    through ``zipfile``, which checks it and raises as usual; a whole member's CRC is checked."""
    info = zf.getinfo(name)
    fp = zf.fp
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED) or fp is None:
        return _member_by_zipfile(zf, name, limit)
    fp.seek(info.header_offset)
    head = fp.read(zipparts.LOCAL_HEADER.size)
    if len(head) < zipparts.LOCAL_HEADER.size:
        return _member_by_zipfile(zf, name, limit)
    local = zipparts.LOCAL_HEADER.unpack(head)
    if local[0] != zipparts.LOCAL_SIGNATURE:
        return _member_by_zipfile(zf, name, limit)
    fp.seek(zipparts.data_offset(info.header_offset, local))
    size = info.compress_size if limit is None else min(info.compress_size, 2 * limit + 1024)
    raw = fp.read(size)
    if limit is None:  # the whole member, checked against its size and CRC (zipparts.inflate)
        data = zipparts.inflate(raw, info)
        return _member_by_zipfile(zf, name, limit) if isinstance(data, str) else data
    if info.compress_type == zipfile.ZIP_STORED:
        return raw[:limit]
    try:
        return zlib.decompressobj(-15).decompress(raw, limit)
    except zlib.error:
        return _member_by_zipfile(zf, name, limit)


def _member_by_zipfile(zf: zipfile.ZipFile, name: str, limit: int | None) -> bytes:
    if limit is None:
        return zf.read(name)
    with zf.open(name) as stream:
        return stream.read(limit)


class BytesZip:
    """A zip in memory whose directory is in the plain form (:func:`zipparts.plain_members`),
    for the sheet lookups (:func:`sheet_names_for`, :func:`workbook_sheets`): ``NameToInfo``,
    ``getinfo`` and ``fp`` as ``zipfile.ZipFile`` has them, without its per-member objects;
    ``read`` / ``open`` (a member :func:`_member` leaves to zipfile) by a ``zipfile.ZipFile``
    made when first asked."""

    def __init__(self, data: bytes, members: Sequence[zipparts.Member]) -> None:
        self.fp = io.BytesIO(data)
        self.NameToInfo = {m.filename: m for m in members}  # the last of a repeated name, as zipfile
        self._data = data
        self._zf: zipfile.ZipFile | None = None

    def getinfo(self, name: str) -> zipparts.Member:
        info = self.NameToInfo.get(name)
        if info is None:
            raise KeyError(f"There is no item named {name!r} in the archive")  # zipfile's words
        return info

    def _zipfile(self) -> zipfile.ZipFile:
        if self._zf is None:
            self._zf = zipfile.ZipFile(io.BytesIO(self._data))
        return self._zf

    def read(self, name: str) -> bytes:
        return self._zipfile().read(name)

    def open(self, name: str) -> Any:
        return self._zipfile().open(name)


def open_zip(path: str | Path) -> BytesZip | zipfile.ZipFile:
    """A master's zip for the sheet lookups, its bytes read at once: a :class:`BytesZip` when
    its directory is in the plain form, else ``zipfile.ZipFile`` (which also says why a damaged
    zip is damaged). A reader of many masters (the rollup) looks up seven sheets of each: the
    plain directory and the parts from memory take about half the time of ``zipfile``'s."""
    with open(path, "rb") as fh:
        data = fh.read()
    members = zipparts.plain_members(data)
    return zipfile.ZipFile(io.BytesIO(data)) if members is None else BytesZip(data, members)


#: (name, part, state) of the sheets and the workbook codeName by the bytes of ``xl/workbook.xml``
#: and its relationships: a reader of many masters (the rollup) parses each distinct pair once
_ENTRIES: dict[tuple[bytes, bytes], tuple[tuple[tuple[str, str, str], ...], str]] = {}
_ENTRIES_MAX = 64


def _sheet_entries(zf: zipfile.ZipFile) -> tuple[list[tuple[str, str, str]], str, set[str]]:
    """(name, part, state) of every sheet in workbook order, the workbook codeName, the part names."""
    wb_xml = _member(zf, "xl/workbook.xml")
    rels_name = _rels_name("xl/workbook.xml")
    present = set(zf.NameToInfo)
    rels_xml = _member(zf, rels_name) if rels_name in present else b""
    found = _ENTRIES.get((wb_xml, rels_xml))
    if found is None:
        found = _parse_entries(wb_xml, rels_xml)
        if len(_ENTRIES) >= _ENTRIES_MAX:
            _ENTRIES.clear()
        _ENTRIES[(wb_xml, rels_xml)] = found
    return list(found[0]), found[1], present


def _parse_entries(wb_xml: bytes, rels_xml: bytes) -> tuple[tuple[tuple[str, str, str], ...], str]:
    rels: dict[str, str] = {}
    for _, a in _elements(rels_xml, ("Relationship",)) if rels_xml else ():
        target = a.get("Target", "")
        rels[a.get("Id", "")] = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join("xl", target))
    rid = _prefix_of(wb_xml, _NS["r"], "r") + ":id"
    wb_code, out = "", []
    for tag, a in _elements(wb_xml, ("workbookPr", "sheet")):
        if tag == "workbookPr":
            wb_code = wb_code or a.get("codeName", "")
        else:
            out.append((a.get("name", ""), rels.get(a.get(rid, ""), ""), a.get("state", "visible")))
    return tuple(out), wb_code


#: how much of a worksheet part is inflated first for its codeName (sheetPr follows the root tag)
CODE_NAME_HEAD = 1024


def _code_name(zf: zipfile.ZipFile, part: str, present: set[str]) -> str:
    """A worksheet part's codeName: sheetPr comes first, so only the part's head is inflated."""
    if part not in present:
        return ""
    head = _member(zf, part, CODE_NAME_HEAD).decode("utf-8", "replace")
    m = _CODE_NAME_RE.search(head)
    if m is None or head.find(">", m.end()) < 0:
        # the tag not whole in the short head: the longer head decides (a match whose tag ends
        # in the short head is the one the longer head gives: [^>]* cannot pass that '>')
        m = _CODE_NAME_RE.search(_member(zf, part, 4096).decode("utf-8", "replace"))
    return m.group(1) if m else ""


def workbook_sheets(zf: zipfile.ZipFile) -> tuple[list[SheetInfo], str]:
    """The sheets (name, part, codeName, state) of an xlsx/xlsm zip and the workbook codeName."""
    entries, wb_code, present = _sheet_entries(zf)
    return [SheetInfo(name, part, _code_name(zf, part, present), state) for name, part, state in entries], wb_code


def sheet_names_for(zf: zipfile.ZipFile, keys: Sequence[str]) -> dict[str, str]:
    """``sheet_names_by_key(workbook_sheets(zf))`` for ``keys`` only, inflating fewer sheet heads:
    the sheet with a key's contract name is looked at first, and when it carries the key's
    codeName it is the sheet (a workbook's codeNames are unique); otherwise every sheet's
    codeName is read and :func:`find_sheet_info`'s rule decides. (A reader of many masters,
    the rollup, reads 7 of the master's 15 heads.)"""
    entries, _, present = _sheet_entries(zf)
    part_of = {name: part for name, part, _ in entries}
    out: dict[str, str] = {}
    infos: list[SheetInfo] | None = None
    for key in keys:
        name = next((n for n in (SHEET_NAMES["da"][key], SHEET_NAMES["en"][key]) if n in part_of), None)
        if name is not None and _code_name(zf, part_of[name], present) == CODE_NAMES[key]:
            out[key] = name
            continue
        if infos is None:
            infos = [SheetInfo(n, p, _code_name(zf, p, present), st) for n, p, st in entries]
        info = find_sheet_info(infos, key)
        if info is not None:
            out[key] = info.name
    return out


#: the last master :func:`read_sheets` parsed, by the hash of its bytes: a click reads the
#: master twice in one process (the door for the round's language, then the step)
_last_read: dict[bytes, tuple[dict[str, list[list[Any]]], dict[str, str]]] = {}


def read_sheets(path: Path) -> tuple[dict[str, list[list[Any]]], dict[str, str]]:
    """Rows of the master's sheets by key (calamine) and the sheet key -> name map (by codeName).

    The same bytes are parsed once per process; each caller gets its own lists."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = S_NOT_MASTER(file=path.name, reason=f"{type(exc).__name__}: {exc}")
        raise MasterFormatError(NOT_MASTER("da", file=path.name), [problem]) from exc
    key = hashlib.blake2b(data, digest_size=20).digest()
    if key not in _last_read:
        parsed = _parse_sheets(data, path.name)
        _last_read.clear()
        _last_read[key] = parsed
    rows, names = _last_read[key]
    return {k: [list(r) for r in v] for k, v in rows.items()}, dict(names)


def _parse_sheets(data: bytes, file: str) -> tuple[dict[str, list[list[Any]]], dict[str, str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos, _ = workbook_sheets(zf)
    except (zipfile.BadZipFile, KeyError, OSError, ET.ParseError) as exc:
        problem = S_NOT_MASTER(file=file, reason=f"{type(exc).__name__}: {exc}")
        raise MasterFormatError(NOT_MASTER("da", file=file), [problem]) from exc
    names = sheet_names_by_key(infos)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = {key: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for key, name in names.items() if key in ("setup", "participants", "questions", "meta")}
    except Exception as exc:  # calamine raises its own error types for damaged files
        problem = S_NOT_MASTER(file=file, reason=f"{type(exc).__name__}: {exc}")
        raise MasterFormatError(NOT_MASTER("da", file=file), [problem]) from exc
    return rows, names


def read_master(root_or_master: str | Path) -> MasterData:
    """Read a master workbook from disk (fast, python-calamine)."""
    path = _master_path(root_or_master)
    rows, names = read_sheets(path)
    return parse_master(rows, names, path)


def load_round(root_or_master: str | Path) -> tuple[RoundSetup, list[Participant]]:
    """The round's setup and participants, as the coordinator left them in the master."""
    data = read_master(root_or_master)
    return data.setup, data.participants


def round_lang(root: str | Path) -> str | None:
    """The language of the round in ``root`` (so an English round answers in English); None
    when there is no readable master there (the command itself then says what is wrong).

    Only the setup's language is parsed, not the participants or the catalogue: the step the
    door runs next reads the master itself (under the round lock when it writes), and the
    sheets' cells are parsed once (:func:`read_sheets`). A setup with other errors still
    gives its language, so the step reports them in it."""
    if not (Path(root) / MASTER_NAME).is_file():
        return None
    try:
        rows, _ = read_sheets(_master_path(root))
        meta = {k: clean_text(v) for k, (v, _) in _kv(rows["meta"]).items()}
        if meta.get("format") != FORMAT:
            return None
        return _setup_lang(_setup_cells(rows["setup"]), meta)[0]
    except Exception:  # noqa: BLE001 - a broken master is reported by the command itself
        return None


def _setup_cells(rows: Sequence[Sequence[Any]]) -> dict[str, tuple[Any, str]]:
    """The setup sheet's ``key -> (value, cell)``: key in column A, value in column C (the first row)."""
    found: dict[str, tuple[Any, str]] = {}
    for r, row in enumerate(rows, start=1):
        if row and isinstance(row[0], str) and row[0].strip() in SETUP_KEYS:
            found.setdefault(row[0].strip(), (row[2] if len(row) > 2 else None, f"C{r}"))
    return found


def _setup_lang(found: Mapping[str, tuple[Any, str]], meta: Mapping[str, str]) -> tuple[str, str | None]:
    """The round's language from the setup (the metadata's when the cell is blank): ``(lang, bad)``
    with ``bad`` the cell's text when it names no language we have (the language is then "da")."""
    raw = clean_text(found.get("lang", (None, ""))[0])
    lang = raw.lower() or meta.get("lang", "da")
    if lang in ("dansk", "danish"):
        lang = "da"
    elif lang in ("engelsk", "english"):
        lang = "en"
    if lang not in ("da", "en"):
        return "da", raw
    return lang, None


def _kv(rows: Sequence[Sequence[Any]]) -> dict[str, tuple[Any, int]]:
    out = {}
    for r, row in enumerate(rows, start=1):
        if row and isinstance(row[0], str) and row[0].strip():
            out.setdefault(row[0].strip(), (row[1] if len(row) > 1 else None, r))
    return out


def parse_master(rows: Mapping[str, Sequence[Sequence[Any]]], sheet_names: Mapping[str, str],
                 path: str | Path) -> MasterData:
    """Build :class:`MasterData` from the rows of the sheets ``meta``, ``setup``,
    ``participants`` and ``questions`` (values as calamine or xlwings give them)."""
    path = Path(path)
    file = path.name
    names = dict(sheet_names)
    for key in ("meta", "setup", "participants", "questions"):
        if key not in rows:
            missing = SHEET_NAMES["da"][key]
            problem = S_MISSING_SHEET(file=file, missing=missing)
            raise MasterFormatError(problem.message("da"), [problem])
    meta_raw = {k: clean_text(v) for k, (v, _) in _kv(rows["meta"]).items()}
    if meta_raw.get("format") != FORMAT:
        problem = S_NOT_MASTER(file=file, sheet=names.get("meta", "_kik"),
                               reason=f"format={meta_raw.get('format', '')!r}")
        raise MasterFormatError(NOT_MASTER("da", file=file), [problem])

    report = Report(file)
    setup_sheet = names.get("setup", SHEET_NAMES["da"]["setup"])
    found = _setup_cells(rows["setup"])
    for key in SETUP_KEYS:
        if key not in found and key not in OPTIONAL_SETUP_KEYS:
            report.add(S_MISSING_KEY(file=file, sheet=setup_sheet, key=key))

    def val(key: str) -> Any:
        return found.get(key, (None, ""))[0]

    def where(key: str) -> dict[str, str]:
        return {"file": file, "sheet": setup_sheet, "cell": found.get(key, (None, ""))[1]}

    round_id = meta_raw.get("round_id", "")
    shown_id = clean_text(val("round_id"))
    if "round_id" in found and shown_id != round_id:
        report.add(S_ROUND_ID_CHANGED(**where("round_id"), value=shown_id, expected=round_id))
    unit = clean_text(val("unit"))
    if "unit" in found and not unit:
        report.add(S_NO_UNIT(**where("unit")))
    lang, bad_lang = _setup_lang(found, meta_raw)
    if bad_lang is not None:
        report.add(S_BAD_LANG(**where("lang"), value=bad_lang))
    scale_obj: Scale | None = None
    scale_id = clean_text(val("scale")).replace(" ", "")
    if "scale" in found:
        try:
            scale_obj = catmod.scale(scale_id)
        except CatalogueError:
            try:
                known = ", ".join(catmod.scales())
            except Exception:
                known = "0-100, 0-5"
            report.add(S_UNKNOWN_SCALE(**where("scale"), value=scale_id, known=known))
    deadline = parse_date(val("deadline"), report, **where("deadline"))
    created = parse_date(val("created"), report, **where("created")) or \
        parse_date(meta_raw.get("created") or None, report) or dt.date.today()
    threshold = DEFAULT_THRESHOLD
    if "threshold" in found:
        raw = val("threshold")
        try:
            threshold = parse_threshold(raw)
        except SetupError:
            report.add(S_BAD_THRESHOLD(**where("threshold"), value=clean_text(raw)))
    anonymise = True
    if "anonymise" in found:
        try:
            flag = parse_yes_no(val("anonymise"))
            anonymise = True if flag is None else flag  # blank = the safe default
        except ValueError:
            report.add(S_BAD_YES_NO(**where("anonymise"), value=clean_text(val("anonymise"))))
    rule = DEFAULT_RULE
    if not is_blank(val("disagreement_rule")):
        try:
            rule = parse_rule(val("disagreement_rule"))
        except ValueError:
            report.add(S_BAD_RULE(**where("disagreement_rule"), value=clean_text(val("disagreement_rule"))))
    min_group = DEFAULT_MIN_GROUP
    if not is_blank(val("min_group")):
        try:
            min_group = parse_min_group(val("min_group"))
        except ValueError:
            report.add(S_BAD_MIN_GROUP(**where("min_group"), value=clean_text(val("min_group"))))
    seminar_hours = DEFAULT_HOURS
    if not is_blank(val("seminar_hours")):
        try:
            seminar_hours = parse_hours(val("seminar_hours"))
        except ValueError:
            report.add(S_BAD_HOURS(**where("seminar_hours"), value=clean_text(val("seminar_hours"))))

    # catalogue: the Spørgsmål sheet (raises CatalogueError naming sheet and cell)
    q_sheet = names.get("questions", SHEET_NAMES["da"]["questions"])
    q_rows = _trim(rows["questions"])
    full = _catalogue_of(q_rows, file, q_sheet, meta_raw.get("catalogue_id", ""),
                         meta_raw.get("catalogue_version", ""))
    theme_text = clean_text(val("themes")).replace(";", ",")
    wanted = [t.strip() for t in theme_text.split(",") if t.strip()]
    known_ids = [t.id for t in full.themes]
    bad = [t for t in wanted if t not in known_ids]
    for t in bad:
        report.add(S_UNKNOWN_THEME(**where("themes"), theme=t, known=", ".join(known_ids)))
    subset = full.subset([t for t in wanted if t in known_ids]) if wanted and not bad else full
    if report.errors:
        raise SetupError(SETUP_INVALID("da", file=file), report.problems)

    setup = RoundSetup(round_id=round_id, unit=unit, catalogue=subset, scale=scale_obj,  # type: ignore[arg-type]
                       lang=lang, deadline=deadline, created=created, threshold=threshold,
                       disagreement_rule=rule, anonymise=anonymise, min_group=min_group, seminar_hours=seminar_hours,
                       secret=meta_raw.get("secret", ""),
                       previous_round=clean_text(val("previous_round")),
                       coordinator=clean_text(val("coordinator")), coordinator_email=clean_text(val("coordinator_email")))

    # participants: the table on Deltagere (headers in the first row that has a name column)
    p_sheet = names.get("participants", SHEET_NAMES["da"]["participants"])
    p_rows = _participant_rows(rows["participants"])
    participants = participants_from_rows(p_rows, source=file, sheet=p_sheet)
    warnings = list(getattr(participants_from_rows, "last_report", Report(file)).problems)
    data = MasterData(path=path, setup=setup, participants=participants, full_catalogue=full, sheet_names=names,
                      warnings=warnings + [p for p in report.problems if not p.is_error], meta=meta_raw)
    data.participant_columns = _participant_columns(p_rows)
    data.participant_rows = _participant_positions(p_rows, participants, data.participant_columns)
    id_col = data.participant_columns.get("pid")
    data.new_ids = [(p_sheet, cell_ref(r, id_col), p.pid) for p in participants
                    if id_col and (r := data.participant_rows.get(p.pid)) and not clean_text(p_rows[r - 1][id_col - 1])]
    if data.catalogue_changed:
        data.warnings.append(S_CATALOGUE_EDITED(file=file, sheet=q_sheet))
    return data


#: Catalogues parsed from Spørgsmål sheets in this process, by (id, version, the sheet's cells):
#: reading many masters of the same catalogue (``rollup``) parses it once. Only good parses are
#: kept (an error is raised again, naming the file, every time); bounded by :data:`_CATALOGUE_CACHE_SIZE`.
_CATALOGUE_CACHE: dict[tuple[Any, ...], Catalogue] = {}
_CATALOGUE_CACHE_SIZE = 32


def _catalogue_of(q_rows: list[list[Any]], file: str, sheet: str, cat_id: str, version: str) -> Catalogue:
    """The catalogue on a master's Spørgsmål sheet (``catalogue.from_rows``), parsed once per
    content. The name falls back to the file's stem as ``from_rows`` does, so a hit is renamed."""
    try:
        key: tuple[Any, ...] | None = (cat_id, version, tuple(map(tuple, q_rows)))
        hash(key)
    except TypeError:  # an unhashable cell value: parse without the cache
        key = None
    stem = Path(file).stem
    hit = _CATALOGUE_CACHE.get(key) if key is not None else None
    if hit is not None:
        if hit.name == {"da": stem}:
            return hit
        renamed = replace(hit, name={"da": stem})
        renamed.__dict__["fingerprint"] = hit.fingerprint  # independent of the name (Catalogue.fingerprint)
        return renamed
    full = catmod.from_rows(q_rows, source=file, sheet=sheet, meta={"id": cat_id, "version": version})
    if key is not None:
        if len(_CATALOGUE_CACHE) >= _CATALOGUE_CACHE_SIZE:
            _CATALOGUE_CACHE.pop(next(iter(_CATALOGUE_CACHE)))
        _CATALOGUE_CACHE[key] = full
    return full


def _trim(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Rows without trailing empty columns (everything right of the header's last cell)."""
    rows = [list(r) for r in rows]
    if not rows:
        return rows
    width = max((i + 1 for i, v in enumerate(rows[0]) if clean_text(v)), default=0)
    return [r[:width] for r in rows]


def _participant_rows(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    rows = [list(r) for r in rows]
    # the table starts at A1; only its header columns count (the hint in column G does not)
    header = [clean_text(h).lower() for h in rows[0]] if rows else []
    aliases = {a for al in PARTICIPANT_COLUMNS.values() for a in al}
    width = max((i + 1 for i, h in enumerate(header) if h in aliases), default=len(header))
    return [r[:width] + [None] * (width - len(r[:width])) for r in rows]


def _participant_columns(rows: Sequence[Sequence[Any]]) -> dict[str, int]:
    """Column key -> 1-based column of the participants table (first header that names it);
    ``note``: the first column right of the table (the sheet's hint stands in its first row)."""
    header = [clean_text(h).lower() for h in rows[0]] if rows else []
    cols = {}
    for key, aliases in PARTICIPANT_COLUMNS.items():
        i = next((i for i, h in enumerate(header) if h in aliases), None)
        if i is not None:
            cols[key] = i + 1
    cols["note"] = len(header) + 1
    return cols


def _participant_positions(rows: Sequence[Sequence[Any]], participants: Sequence[Participant],
                           cols: Mapping[str, int]) -> dict[str, int]:
    """pid -> 1-based sheet row, in the order :func:`participants_from_rows` read them (a row
    with a name is a participant; empty rows and rows without a name are not)."""
    if "name" not in cols:
        return {}
    out: dict[str, int] = {}
    it = iter(participants)
    for r, row in enumerate(rows[1:], start=2):
        if not any(clean_text(v) for v in row) or not clean_text(row[cols["name"] - 1]):
            continue
        p = next(it, None)
        if p is None:
            break
        out[p.pid] = r
    return out


RESENT_NOTE = Msg("Sendt igen med svar {date}", "Resent with answers {date}")


def resend_done(data: MasterData, pid: str, when: dt.date) -> list[tuple[str, str, str]]:
    """The cells to write on Deltagere once ``pid``'s questionnaire was made again with their
    answers: *Send igen med svar* back to "Nej" (when it said yes) and the date in the note
    column right of the table (column H, under the sheet's hint): (sheet, cell, text)."""
    row = data.participant_rows.get(pid)
    if row is None:
        return []
    lang = data.setup.lang
    sheet = data.sheet_names.get("participants", SHEET_NAMES["da"]["participants"])
    out = [(sheet, cell_ref(row, data.participant_columns["note"]), RESENT_NOTE(lang, date=fmt_date(when)))]
    who = next((p for p in data.participants if p.pid == pid), None)
    if who is not None and is_yes(who.resend) and "resend" in data.participant_columns:
        out.insert(0, (sheet, cell_ref(row, data.participant_columns["resend"]), YES_NO[lang][1]))
    return out


# ---------------------------------------------------------------- static verification
CT_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_MACRO_RE = re.compile(r"<x:FmlaMacro>\s*(.*?)\s*</x:FmlaMacro>", re.S | re.I)
_CAPTION_RE = re.compile(r"<v:textbox\b.*?</v:textbox>", re.S | re.I)
_SUB_RE = re.compile(r"^[ \t]*(?:Public[ \t]+)?Sub[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(", re.M | re.I)


def vba_document_modules(vba_bin: bytes) -> set[str]:
    """Names of the document modules (ThisWorkbook + one per sheet) of a vbaProject.bin."""
    full = vba.read_modules(vba_bin, strip_attributes=False)
    out = set()
    for name, text in full.items():
        m = re.search(r'Attribute\s+VB_Base\s*=\s*"0\{(0002081[9]|00020820)-', text, re.I)
        if m:
            out.add(name)
    return out


def vba_public_subs(vba_bin: bytes) -> dict[str, set[str]]:
    """Module -> public Subs (callable from a form button) of a vbaProject.bin."""
    return {name: {m.group(1) for m in _SUB_RE.finditer(src)} for name, src in vba.read_modules(vba_bin).items()}


def button_bindings(zf: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(sheet name, caption, macro) of every form-control button bound in a VML part."""
    infos, _ = workbook_sheets(zf)
    out = []
    for info in infos:
        for _rid, (typ, target, _mode) in _rels(zf, info.part).items():
            if not typ.endswith("/vmlDrawing") or target not in zf.namelist():
                continue
            vml = zf.read(target).decode("utf-8", "replace")
            for shape in re.findall(r"<v:shape\b.*?</v:shape>", vml, re.S | re.I):
                m = _MACRO_RE.search(shape)
                if not m:
                    continue
                caption = re.sub(r"<[^>]+>", "", (_CAPTION_RE.search(shape) or re.match("", "")).group(0)).strip()
                out.append((info.name, caption, m.group(1)))
    return out


def _macro_name(binding: str) -> tuple[str, str]:
    """``[0]!Module.Sub`` / ``[0]!Sub`` / ``'file.xlsm'!Sub`` -> (module or "", sub)."""
    ref = binding.split("!", 1)[-1].strip().strip("'")
    if "." in ref:
        module, sub = ref.rsplit(".", 1)
        return module, sub
    return "", ref


def verify_zip(data: bytes, file: str = MASTER_NAME) -> list[Problem]:
    """:func:`verify_master` on the bytes of a master."""
    problems: list[Problem] = []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
        ct = _xml(zf, "[Content_Types].xml")
    except Exception as exc:
        return [S_NOT_MASTER(file=file, reason=f"{type(exc).__name__}: {exc}")]
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "") for d in ct.findall("ct:Default", _NS)}
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "") for o in ct.findall("ct:Override", _NS)}
    if overrides.get("xl/workbook.xml") != CT_MACRO_MAIN:
        problems.append(S_CONTENT_TYPE(file=file, content_type=CT_MACRO_MAIN))
    if overrides.get("xl/vbaProject.bin", defaults.get("bin")) != CT_VBA:
        problems.append(S_CONTENT_TYPE(file=file, content_type=CT_VBA))
    # relationships resolve
    for rels_part in sorted(n for n in names if n.endswith(".rels")):
        d = posixpath.dirname(posixpath.dirname(rels_part))
        source = posixpath.join(d, posixpath.basename(rels_part)[: -len(".rels")])
        try:
            rels = _rels(zf, source) if rels_part != "_rels/.rels" else _rels(zf, "")
        except Exception as exc:
            problems.append(S_NOT_MASTER(file=file, reason=f"{rels_part}: {exc}"))
            continue
        for _rid, (_typ, target, mode) in rels.items():
            if mode.lower() == "external":
                continue
            if target not in names:
                problems.append(S_BROKEN_REL(file=file, source=source or "/", target=target))
    try:
        wb_rels = _rels(zf, "xl/workbook.xml")
        vba_part = next((t for typ, t, _m in wb_rels.values() if typ == REL_VBA), None)
        infos, wb_code = workbook_sheets(zf)
    except Exception as exc:
        return problems + [S_NOT_MASTER(file=file, reason=f"{type(exc).__name__}: {exc}")]
    if vba_part is None or vba_part not in names:
        return problems + [S_NO_VBA(file=file, reason="xl/vbaProject.bin")]
    vba_bin = zf.read(vba_part)
    try:
        subs = vba_public_subs(vba_bin)
        documents = vba_document_modules(vba_bin)
        vba_version = vba.vba_xlwings_version(vba_bin)
    except Exception as exc:
        return problems + [S_NO_VBA(file=file, reason=f"{type(exc).__name__}: {exc}")]
    # every bound macro exists as a Sub
    for sheet, caption, binding in button_bindings(zf):
        module, sub = _macro_name(binding)
        candidates = [subs.get(module, set())] if module else list(subs.values())
        if not any(sub in s for s in candidates):
            problems.append(S_MACRO_MISSING(file=file, sheet=sheet, caption=caption, macro=binding))
    # codeNames vs document modules
    codes = {}
    if wb_code:
        codes[wb_code] = "(workbook)"
    for info in infos:
        if info.codename:
            codes[info.codename] = info.name
        else:
            problems.append(S_NO_CODENAME(file=file, sheet=info.name))
    for code, sheet in codes.items():
        if code not in documents:
            problems.append(S_CODENAME_NO_MODULE(file=file, sheet=sheet, codename=code))
    for module in sorted(documents - set(codes)):
        problems.append(S_MODULE_NO_SHEET(file=file, module=module))
    installed = vba.installed_xlwings_version()
    if vba_version != installed:
        problems.append(S_XLWINGS_VERSION(file=file, vba=vba_version or "?", installed=installed))
    return problems


def verify_master(path: str | Path) -> list[Problem]:
    """Static checks of a master's package; an empty list means the buttons are wired right."""
    path = _master_path(path)
    return verify_zip(path.read_bytes(), path.name)


# ---------------------------------------------------------------- refresh the VBA project
OUR_STANDARD_MODULES_EXTRA = ("xlwings", "Dictionary")


def rebuilt_vba(data: bytes) -> bytes:
    """A new vbaProject.bin for the master ``data``: our modules and the installed xlwings,
    a document module for the workbook and every sheet codeName; document-module code and
    modules the coordinator added themselves are kept."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    infos, wb_code = workbook_sheets(zf)
    docs = [wb_code or WORKBOOK_CODE_NAME] + [i.codename for i in infos if i.codename]
    fresh = vba.project_modules(document_modules=tuple(docs))
    ours = {m.name.lower() for m in fresh}
    old: dict[str, str] = {}
    old_kinds: dict[str, str] = {}
    try:
        rels = _rels(zf, "xl/workbook.xml")
        part = next((t for typ, t, _m in rels.values() if typ == REL_VBA), None)
        if part and part in zf.namelist():
            blob = zf.read(part)
            old = vba.read_modules(blob)
            documents = vba_document_modules(blob)
            full = vba.read_modules(blob, strip_attributes=False)
            for name in old:
                old_kinds[name] = ("document" if name in documents else
                                   "class" if re.search(r"Attribute\s+VB_Base", full[name], re.I) else "standard")
    except Exception:  # an unreadable old project: start from ours only
        old, old_kinds = {}, {}
    modules = []
    for m in fresh:
        if m.kind == "document" and old.get(m.name, "").strip():
            m = vba.VbaModule(m.name, "document", old[m.name])
        modules.append(m)
    for name, src in old.items():
        if name.lower() not in ours and old_kinds.get(name) != "document":
            modules.append(vba.VbaModule(name, old_kinds.get(name, "standard"), src))
    return vba.build_vba_project(modules)


def replace_zip_part(data: bytes, part: str, content: bytes) -> bytes:
    """The zip ``data`` with one part's content replaced; every other entry copied as is
    (same order, names, dates, compression and content)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.compress_type = info.compress_type
            new.external_attr = info.external_attr
            new.create_system = info.create_system
            new.comment = info.comment
            new.extra = info.extra
            dst.writestr(new, content if info.filename == part else src.read(info.filename))
    return out.getvalue()


__all__ = [
    "BUTTONS", "BuildOptions", "CODE_NAMES", "FORMAT", "MasterData", "NAME_LAST_RUN", "PLAN_SHEET_KEYS", "SETUP_KEYS",
    "SHEET_KEYS", "SMTP_KEYS",
    "SHEET_NAMES", "TABLE_CATALOGUE", "TABLE_PARTICIPANTS", "TABLE_PLAN", "button_bindings", "create_round",
    "interpreter_config", "load_round", "locked_round", "parse_master", "read_master", "round_paths",
    "verify_master", "write_master",
]
