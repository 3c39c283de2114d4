"""The file contracts as data: where things are in the files xl_kik writes and reads.

No file format library here: these are the names, keys, rows and columns that the writers
(``xl_kik.excel``) put into the files and that the readers and the core check against.
See "File contracts" in ``docs/DESIGN.md``.

* the participant's **scoring workbook** (``SCORING_*``, ``META_*``, ``CUSTOM_PROPERTY_*``,
  :class:`Layout`, :func:`make_layout`, :func:`layout_fingerprint`);
* the coordinator's **master workbook** (``MASTER_*``: sheet keys, codeNames, sheet names per
  language, setup and SMTP keys, table and defined names);
* the **Konsensus** sheet's columns (``KONSENSUS_*``) and the **action plan** table's columns
  (:data:`PLAN_COLUMNS`): keys and labels, in one place.

The old names stay importable from their old modules (``xl_kik.excel.scoring``,
``xl_kik.excel.master``, ``xl_kik.excel.sheets.konsensus``, ``xl_kik.core.actionplan``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from xl_kik.core.i18n import Msg, check_lang

if TYPE_CHECKING:  # a type only; core.round is not needed at run time here
    from xl_kik.core.round import RoundSetup

# ================================================================ the scoring workbook
SCORING_FORMAT = "xl_kik.scoring/1"
#: The very hidden metadata sheet of a scoring workbook (also the master's metadata sheet name).
META_SHEET = "_kik"
#: very hidden sheet of a scoring workbook with the points cells' dropdown items ("ved ikke", 0 ... 100)
LISTS_SHEET = "_kik_lists"
#: Most characters the questionnaire lets a participant type into one text answer (its validation).
MAX_TEXT_CHARS = 5000
#: Most characters of one cell (Excel's limit): a returned text is read whole up to this, even
#: when it is longer than MAX_TEXT_CHARS (pasted past the validation). Nothing typed is lost: the
#: master's Svarrapport shows the beginning, the svarrapport report the whole text.
MAX_CELL_CHARS = 32767
SCORING_SUFFIX = ".xlsx"

SCORING_SHEET_NAMES: dict[str, dict[str, str]] = {
    "da": {"instructions": "Vejledning", "evaluation": "Evaluering"},
    "en": {"instructions": "Instructions", "evaluation": "Evaluation"},
}

#: Keys of the ``_kik`` sheet, in sheet order (DESIGN.md).
META_KEYS = (
    "format", "round_id", "unit", "participant_id", "participant_name", "participant_token",
    "catalogue_id", "catalogue_version", "catalogue_fingerprint", "scale", "scale_min", "scale_max",
    "lang", "generator", "created", "sheet", "header_row", "col_qid", "col_points", "col_strengths",
    "col_improvements", "col_ideas", "questions", "layout_fingerprint",
)
#: Keys that are also custom document properties, named ``xl_kik_<key>``.
CUSTOM_PROPERTY_KEYS = (
    "format", "round_id", "participant_id", "participant_token", "catalogue_id",
    "catalogue_version", "catalogue_fingerprint", "scale", "generator",
)
CUSTOM_PROPERTY_PREFIX = "xl_kik_"

#: Column letters of the evaluation sheet.
SCORING_COLUMNS: dict[str, str] = {
    "qid": "A", "nr": "B", "question": "C", "examples": "D",
    "points": "E", "strengths": "F", "improvements": "G", "ideas": "H",
}
SCORING_HEADER_ROW = 6  # 1-based row of the column headers on the evaluation sheet


def layout_fingerprint(question_ids: Sequence[str], col_qid: str, col_points: str, col_strengths: str,
                       col_improvements: str, col_ideas: str, fmt: str = SCORING_FORMAT) -> str:
    """sha256[:16] of format + question ids (sheet order) + column letters.

    Canonical text: ``format|qid,qid,...|col_qid|col_points|col_strengths|col_improvements|col_ideas``.
    A reader recomputes it from the ``_kik`` values to detect an edited layout.
    """
    blob = "|".join([fmt, ",".join(question_ids), col_qid, col_points, col_strengths,
                     col_improvements, col_ideas])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Layout:
    """Where things are on the evaluation sheet (rows are 1-based)."""

    sheet: str
    header_row: int
    col_qid: str
    col_points: str
    col_strengths: str
    col_improvements: str
    col_ideas: str
    rows: dict[str, int]  # question id -> 1-based row

    @property
    def questions(self) -> tuple[str, ...]:
        return tuple(sorted(self.rows, key=self.rows.__getitem__))

    @property
    def input_columns(self) -> tuple[str, ...]:
        return (self.col_points, self.col_strengths, self.col_improvements, self.col_ideas)

    @property
    def fingerprint(self) -> str:
        return layout_fingerprint(self.questions, self.col_qid, self.col_points, self.col_strengths,
                                  self.col_improvements, self.col_ideas)

    @property
    def first_row(self) -> int:
        return min(self.rows.values())

    @property
    def last_row(self) -> int:
        return max(self.rows.values())


def make_layout(setup: "RoundSetup") -> Layout:
    """Rows of the evaluation sheet: after the header, per theme one theme row + its questions."""
    lang = check_lang(setup.lang)
    rows: dict[str, int] = {}
    row = SCORING_HEADER_ROW
    for theme in setup.catalogue.themes:
        questions = setup.catalogue.questions_of(theme.id)
        if not questions:
            continue
        row += 1  # theme header row
        for q in questions:
            row += 1
            rows[q.id] = row
    c = SCORING_COLUMNS
    return Layout(SCORING_SHEET_NAMES[lang]["evaluation"], SCORING_HEADER_ROW, c["qid"], c["points"],
                  c["strengths"], c["improvements"], c["ideas"], rows)


# ================================================================ the master workbook
MASTER_FORMAT = "xl_kik.master/1"
#: Tab order: the visible sheets in working order, then the hidden helpers.
MASTER_SHEET_KEYS = ("start", "setup", "participants", "questions", "status", "answers", "consensus", "agenda",
                     "priority",
                     "plan", "follow_up", "previous", "plan_state", "conf", "meta")
MASTER_SHEET_NAMES: dict[str, dict[str, str]] = {
    "da": {"start": "Start", "setup": "Opsætning", "participants": "Deltagere", "questions": "Spørgsmål",
           "status": "Status", "answers": "Svarrapport", "consensus": "Konsensus", "agenda": "Dagsorden",
           "priority": "Prioritering",
           "plan": "Handleplan", "follow_up": "Opfølgning", "previous": "Forrige", "plan_state": "_plan",
           "conf": "xlwings.conf", "meta": META_SHEET},
    "en": {"start": "Start", "setup": "Setup", "participants": "Participants", "questions": "Questions",
           "status": "Status", "answers": "Answers", "consensus": "Consensus", "agenda": "Agenda",
           "priority": "Priorities",
           "plan": "Action plan", "follow_up": "Follow-up", "previous": "Previous", "plan_state": "_plan",
           "conf": "xlwings.conf", "meta": META_SHEET},
}
#: VBA codeNames of the master's sheets (the macros and ``find_sheet`` rely on them).
MASTER_CODE_NAMES: dict[str, str] = {
    "start": "shStart", "setup": "shSetup", "participants": "shParticipants", "questions": "shQuestions",
    "status": "shStatus", "answers": "shAnswers", "consensus": "shConsensus", "agenda": "shAgenda",
    "priority": "shPriority",
    "plan": "shPlan", "follow_up": "shFollowUp", "previous": "shPrevious", "plan_state": "shPlanState",
    "conf": "shXlwingsConf", "meta": "shMeta",
}
#: Sheets the action plan renders (``xl_kik.excel.sheets.handleplan``): the plan, its overviews and its state.
PLAN_SHEET_KEYS = ("priority", "plan", "follow_up", "plan_state")
WORKBOOK_CODE_NAME = "ThisWorkbook"
#: Excel table names (same in both languages, so code never depends on the language).
TABLE_PARTICIPANTS = "Deltagere"
TABLE_CATALOGUE = "Katalog"
TABLE_PLAN = "Handleplan"
#: Defined name of the "last run" cell on Start (buttons and the CLI write a summary there).
NAME_LAST_RUN = "KIK_LAST_RUN"
NAME_SETUP = "KIK_SETUP"

#: Keys of the setup sheet, in row order from :data:`SETUP_FIRST_ROW`.
SETUP_KEYS = ("round_id", "unit", "catalogue_id", "catalogue_version", "scale", "themes", "lang", "deadline",
              "created", "threshold", "disagreement_rule", "anonymise", "min_group", "seminar_hours", "previous_round", "coordinator",
              "coordinator_email")
#: Keys a master made before they existed may lack (their defaults apply).
OPTIONAL_SETUP_KEYS = ("catalogue_version", "created", "previous_round", "disagreement_rule", "min_group", "seminar_hours", "coordinator",
                       "coordinator_email")
SETUP_FIRST_ROW = 4  # 1-based row of the first key on the setup sheet
#: Optional e-mail settings (read by :mod:`xl_kik.steps.invite`), below the round's settings after one
#: blank row and a section heading. ``load_round`` does not read them.
SMTP_KEYS = ("smtp_host", "smtp_port", "smtp_tls", "smtp_user", "smtp_sender", "smtp_password_env")
SMTP_TLS_VALUES = {"da": ("starttls", "ssl", "ingen"), "en": ("starttls", "ssl", "none")}
DEFAULT_PASSWORD_ENV = "XL_KIK_SMTP_PASSWORD"


def smtp_first_row() -> int:
    """1-based row of the first SMTP key on the setup sheet (after a blank row and a heading)."""
    return SETUP_FIRST_ROW + len(SETUP_KEYS) + 2


PARTICIPANT_HEADERS = {"da": ["Id", "Navn", "E-mail", "Rolle", "Gruppe", "Temaer", "Send igen med svar"],
                       "en": ["Id", "Name", "E-mail", "Role", "Group", "Themes", "Resend with answers"]}

# ================================================================ the Konsensus sheet
#: Column keys, left to right (column = index + 1); row KONSENSUS_KEY_ROW holds them as text.
KONSENSUS_KEYS = ("qid", "nr", "theme", "question", "n", "suggested", "min", "max", "spread", "flag",
                  "distribution", "previous", "agreed_points", "difference", "agreed_strengths", "agreed_improvements",
                  "to_plan", "effect", "feasibility", "quick_win", "decision")
#: The columns people type in at the seminar (read back by ``core.konsensus``).
KONSENSUS_INPUT_KEYS = ("agreed_points", "agreed_strengths", "agreed_improvements", "to_plan", "effect",
                        "feasibility", "decision")
KONSENSUS_THEME_INPUT_KEYS = ("theme_agreed",)  # on theme-score rows, in the agreed_points column
KONSENSUS_KEY_ROW = 3
KONSENSUS_HEADER_ROW = 4
KONSENSUS_FIRST_ROW = 5
KONSENSUS_THEME_KEY = "theme:"  # row key prefix of a theme-score row
KONSENSUS_REMOVED_KEY = "removed:"  # row key prefix of a question no longer in the round
#: 1-based columns of the theme-score rows that show the previous round's theme score and the
#: change since then (merge writes them, ``excel/sheets/konsensus_previous.py``; rollup reads them).
KONSENSUS_THEME_PREVIOUS_COL, KONSENSUS_THEME_CHANGE_COL = 11, 12

#: Column labels (the header row), one place for both languages.
KONSENSUS_HEADERS: dict[str, Msg] = {
    "qid": Msg("Id", "Id"), "nr": Msg("Nr", "No"), "theme": Msg("Tema", "Theme"),
    "question": Msg("Spørgsmål", "Question"), "n": Msg("Med point (n af N)", "With points (n of N)"),
    "suggested": Msg("Forslag (median)", "Suggested (median)"), "min": Msg("Min", "Min"), "max": Msg("Maks", "Max"),
    "spread": Msg("Spredning", "Spread"), "flag": Msg("Uenighed", "Disagreement"),
    "distribution": Msg("Fordeling (point: antal)", "Distribution (points: count)"),
    "previous": Msg("Forrige runde", "Previous round"), "agreed_points": Msg("Aftalte point", "Agreed points"),
    "difference": Msg("Forskel (aftalt − forslag)", "Difference (agreed − suggested)"),
    "agreed_strengths": Msg("Aftalte styrker", "Agreed strengths"),
    "agreed_improvements": Msg("Aftalte forbedringsområder (ét pr. linje)", "Agreed improvement areas (one per line)"),
    "to_plan": Msg("Med i handleplan (Ja/Nej)", "In action plan (Yes/No)"),
    "effect": Msg("Effekt (Høj/Middel/Lav)", "Effect (High/Medium/Low)"),
    "feasibility": Msg("Gennemførlighed (Let/Middel/Svær)", "Feasibility (Easy/Medium/Hard)"),
    "quick_win": Msg("Hurtig gevinst", "Quick win"),
    "decision": Msg("Ledelsens beslutning (Vedtaget/Afventer/Afvist)", "Management decision (Adopted/Pending/Rejected)"),
}
#: Short labels of the same columns (reports, overviews): the concept without the sheet's typing hints.
KONSENSUS_LABELS: dict[str, Msg] = {
    "qid": Msg("Id", "Id"), "nr": Msg("Nr", "No"), "theme": Msg("Tema", "Theme"),
    "question": Msg("Spørgsmål", "Question"), "n": Msg("Med point", "With points"),
    "suggested": Msg("Forslag (median)", "Suggested (median)"), "min": Msg("Min", "Min"), "max": Msg("Maks", "Max"),
    "spread": Msg("Spredning", "Spread"), "flag": Msg("Uenighed", "Disagreement"),
    "distribution": Msg("Fordeling", "Distribution"), "previous": Msg("Forrige runde", "Previous round"),
    "agreed_points": Msg("Aftalte point", "Agreed points"), "difference": Msg("Forskel", "Difference"),
    "agreed_strengths": Msg("Aftalte styrker", "Agreed strengths"),
    "agreed_improvements": Msg("Aftalte forbedringsområder", "Agreed improvement areas"),
    "to_plan": Msg("Med i handleplan", "In action plan"), "effect": Msg("Effekt", "Effect"),
    "feasibility": Msg("Gennemførlighed", "Feasibility"), "quick_win": Msg("Hurtig gevinst", "Quick win"),
    "decision": Msg("Beslutning", "Decision"),
}
#: Choice lists by language; index 0..n-1 are the same choice in both languages.
KONSENSUS_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "to_plan": {"da": ("Ja", "Nej"), "en": ("Yes", "No")},
    "effect": {"da": ("Høj", "Middel", "Lav"), "en": ("High", "Medium", "Low")},
    "feasibility": {"da": ("Let", "Middel", "Svær"), "en": ("Easy", "Medium", "Hard")},
    "decision": {"da": ("Vedtaget", "Afventer", "Afvist"), "en": ("Adopted", "Pending", "Rejected")},
}
#: Language-free ids of the choices, index for index with :data:`KONSENSUS_CHOICES`.
KONSENSUS_CHOICE_IDS = {"to_plan": ("yes", "no"), "effect": ("high", "medium", "low"),
                        "feasibility": ("easy", "medium", "hard"), "decision": ("adopted", "pending", "rejected")}

# ================================================================ the action plan table
KEY, SYSTEM, PERSON = "key", "system", "person"  # who fills a plan column


@dataclass(frozen=True)
class Column:
    """One column of the action plan table: key, labels, who fills it, width, aliases."""

    key: str
    da: str
    en: str
    kind: str
    width: float
    is_date: bool = False
    aliases: tuple[str, ...] = ()

    def header(self, lang: str = "da") -> str:
        return self.en if lang == "en" else self.da

    @property
    def label(self) -> Msg:
        """The header as a :class:`~xl_kik.core.i18n.Msg` (for overviews that show the column)."""
        return Msg(self.da, self.en)


PLAN_COLUMNS: tuple[Column, ...] = (
    Column("id", "Id", "Id", KEY, 17, aliases=("action id", "handlings-id", "nr.")),
    Column("theme", "Tema", "Theme", SYSTEM, 20),
    Column("question", "Spørgsmål", "Question", SYSTEM, 34),
    Column("area", "Forbedringsområde", "Improvement area", SYSTEM, 40, aliases=("forbedringsomraade",)),
    Column("action", "Handling", "Action", PERSON, 40, aliases=("handlinger", "tiltag")),
    Column("goal", "Mål/indikator", "Goal/indicator", PERSON, 28, aliases=("mål", "indikator", "mål og indikator")),
    Column("owner", "Ansvarlig", "Owner", PERSON, 18, aliases=("ansvarlige", "responsible")),
    Column("start", "Start", "Start", PERSON, 12, True, aliases=("startdato", "start date")),
    Column("deadline", "Frist", "Deadline", PERSON, 12, True, aliases=("slutdato", "due date", "sidste frist")),
    Column("resources", "Ressourcer", "Resources", PERSON, 18, aliases=("ressourcer (timer, kr.)",)),
    Column("priority", "Prioritet", "Priority", PERSON, 13),
    Column("quick_win", "Hurtig gevinst", "Quick win", SYSTEM, 10, aliases=("quick win",)),
    Column("status", "Status", "Status", PERSON, 14),
    Column("last_follow_up", "Seneste opfølgning", "Last follow-up", PERSON, 14, True,
           aliases=("sidste opfølgning", "opfølgning")),
    Column("comment", "Kommentar", "Comment", PERSON, 40, aliases=("kommentarer", "bemærkning", "bemærkninger")),
    Column("source", "Kilde", "Source", SYSTEM, 24),
)
PLAN_KEYS = tuple(c.key for c in PLAN_COLUMNS)
PLAN_COLUMN_BY_KEY = {c.key: c for c in PLAN_COLUMNS}
