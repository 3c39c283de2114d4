"""The action plan (handleplan): rows keyed by stable ids, rebuilt without losing anything.

Phase 4 of KIK: the consensus improvement areas that the leader puts in the plan become one
row each in the Excel table ``Handleplan`` of the master. People then type actions, owners,
dates and statuses into that table, add rows and columns, sort and filter it. Rebuilding
the plan after the Konsensus sheet changed must never lose any of that.

The core is pure Python on plain rows (``dict`` column key -> value):

* :func:`generate_rows` turns the Konsensus inputs into generated rows;
* :func:`plan_merge` / :func:`merge_plan` merge them with the rows read from the master;
* :func:`follow_up_items`, :func:`follow_up_summary`, :func:`format_follow_up` are the
  follow-up view; :func:`priority_matrix` is the effect x feasibility overview.

The workbook side lives in :mod:`xl_kik.excel.sheets.handleplan`; the step that opens the master
is :mod:`xl_kik.steps.plan` (:func:`~xl_kik.steps.plan.build_plan`, ``follow_up``, ``carry_over``,
``previous_scores``, ``previous_scores_from_master``); the demo's filling is
:func:`xl_kik.demo.plan.demo_fill_plan`.

Behaviour (the contract the tests keep):

* **Source rows.** Every line of ``agreed_improvements`` of a question whose ``to_plan`` is
  *Ja* and whose ``decision`` is not *Afvist*. *Vedtaget* gives Kilde ``aktiv``; *Afventer*
  or no decision yet gives Kilde ``afventer beslutning`` (the row is in the plan, marked).
* **Ids.** ``HP-<qid>-<sha1(normalised line)[:6]>``; normalising = Unicode NFC, leading
  bullets/dashes removed, white space collapsed, case folded, trailing full stops removed.
  Rewording an area therefore gives a new row; the old row stays, marked ``kilde fjernet``.
  Rows a person added without an id get ``M-<n>`` (never reused) and Kilde ``manuel``.
  A second row with an id already used (a copied row) also gets an ``M-<n>`` id.
* **Columns.** ``key`` (Id), ``system`` (Tema, Spørgsmål, Forbedringsområde, Hurtig gevinst,
  Kilde) and ``person`` (all others, plus every extra column a leader added). Person cells are
  never written after a row was created (Status and Prioritet are only *seeded* when a row is
  created). System cells are refreshed from the source *unless a person changed them*: the
  plan remembers a hash of the value it last generated for every system cell (hidden sheet
  ``_plan``); a cell whose current value differs from that is a person's value and is kept.
  A system cell a person emptied is filled again, and one where a person typed exactly the
  value last generated follows the source again (the two cannot be told apart).
* **Deletion sticks.** A row a person deletes from the table is remembered as deleted (in
  ``_plan``) and is not generated again; ``plan_merge(..., restore_deleted=True)`` brings
  such rows back. Deleted manual rows are simply gone.
* **Order.** Existing rows keep their order (a leader's sorting survives); new rows are
  appended in catalogue order. Completely empty rows are dropped.
* **Carried-over rows** (Kilde ``overført fra <runde>``) keep that Kilde for good.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from xl_kik.core.cellref import column_letter
from xl_kik.core.formula import Formula  # noqa: F401 - the one Formula class (re-exported)
from xl_kik.core.i18n import Msg
from xl_kik.core.vocabulary import button
from xl_kik.core.catalogue import Catalogue
from xl_kik.core.values import (  # noqa: F401 (the value helpers are also importable from here)
    DATE_FORMAT,
    EFFECT_LEVELS,
    FEASIBILITY_LEVELS,
    clean_text,
    decision_level,
    effect_level,
    feasibility_level,
    fmt_date,
    fold as _fold,
    is_blank,
    is_yes,
    marked_quick_win as is_quick_win,
    to_date,
    to_number,
    YES_NO_TEXT,
)
from xl_kik.core.problems import ERROR, INFO, WARNING, Report, define
from xl_kik.core.contract import KONSENSUS_CHOICES, PERSON, PLAN_COLUMNS, PLAN_KEYS, SYSTEM, TABLE_PLAN

# ---------------------------------------------------------------- problem types
A_BAD_STATUS = define(
    "A001", WARNING, ("Ukendt status", "Unknown status"),
    ("Status {value!r} i række {row} er ikke en af {known}; handlingen tælles som åben.",
     "Status {value!r} in row {row} is not one of {known}; the action counts as open."))
A_BAD_DATE = define(
    "A002", WARNING, ("Dato kan ikke læses", "Date cannot be read"),
    ("{column} {value!r} i række {row} er ikke en dato; skriv fx 01-03-2026. "
     "Handlingen kan ikke vises som overskredet.",
     "{column} {value!r} in row {row} is not a date; write e.g. 01-03-2026. "
     "The action cannot be shown as overdue."))
A_NOTHING_PLANNED = define(
    "A003", INFO, ("Intet markeret til handleplanen", "Nothing marked for the action plan"),
    ("Ingen spørgsmål i Konsensus-arket har 'Ja' i 'Med i handleplan' og forbedringsområder. "
     "Handleplanen har kun de rækker, der allerede stod der.",
     "No question in the Consensus sheet has 'Yes' in 'In action plan' and improvement areas. "
     "The action plan only has the rows that were already there."))
A_DELETED_KEPT_OUT = define(
    "A004", INFO, ("Slettede rækker ikke genskabt", "Deleted rows not recreated"),
    ("Rækker, som er slettet fra handleplanen, er ikke lavet igen (antal: {count}; {ids}). "
     "Kør 'xl-kik plan' med --restore-deleted for at få dem tilbage.",
     "Rows deleted from the action plan were not recreated (count: {count}; {ids}). "
     "Run 'xl-kik plan' with --restore-deleted to get them back."))
A_DUPLICATE_ID = define(
    "A005", WARNING, ("Id findes to gange", "Duplicate id"),
    ("Id {id} står i både række {first_row} og række {row}; rækken i række {row} har fået id {new_id}.",
     "Id {id} is in both row {first_row} and row {row}; the row in row {row} got id {new_id}."))
A_NO_AREAS = define(
    "A006", WARNING, ("Ingen forbedringsområder", "No improvement areas"),
    ("Spørgsmål {qid} har 'Ja' i 'Med i handleplan', men ingen aftalte forbedringsområder; "
     "skriv ét forbedringsområde pr. linje.",
     "Question {qid} has 'Yes' in 'In action plan' but no agreed improvement areas; "
     "write one improvement area per line."))
A_NO_PLAN = define(
    "A007", ERROR, ("Ingen handleplan", "No action plan"),
    (f"Der er ingen handleplan i {{file}}; lav den først med knappen {button('KikPlan', 'da')}.",
     f"There is no action plan in {{file}}; build it first with the {button('KikPlan', 'en')} button."))
A_HEADER_RENAMED = define(
    "A008", WARNING, ("Kolonne mangler", "Column missing"),
    ("Kolonnen {column!r} manglede i handleplanen og er sat ind igen (tom).",
     "The column {column!r} was missing from the action plan and has been added again (empty)."))

# ---------------------------------------------------------------- columns
COLUMNS = PLAN_COLUMNS
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
SYSTEM_KEYS = tuple(c.key for c in COLUMNS if c.kind == SYSTEM)
PERSON_KEYS = tuple(c.key for c in COLUMNS if c.kind == PERSON)
DATE_KEYS = tuple(c.key for c in COLUMNS if c.is_date)
SEED_KEYS = ("status", "priority")  # person columns filled once, when a row is created
EXTRA_PREFIX = "x:"  # row key of an extra column a leader added: "x:" + its header
TABLE_NAME = TABLE_PLAN


def extra_key(header: str) -> str:
    return EXTRA_PREFIX + header


def is_extra(key: str) -> bool:
    return key.startswith(EXTRA_PREFIX)


def _norm_header(text: Any) -> str:
    return _norm_header_text(text) if isinstance(text, str) else _norm_header_text(clean_text(text))


@lru_cache(maxsize=4096)
def _norm_header_text(text: str) -> str:
    """A header text folded for lookup (once per distinct text: every master repeats the same headers)."""
    s = unicodedata.normalize("NFC", clean_text(text)).casefold()
    s = _SLASH_RE.sub("/", s)
    return _SPACES_RE.sub(" ", s)


_SLASH_RE = re.compile(r"\s*/\s*")
_SPACES_RE = re.compile(r"\s+")


_HEADER_LOOKUP: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.da, _c.en, *_c.aliases):
        _HEADER_LOOKUP.setdefault(_norm_header(_name), _c.key)


def column_key(header: Any) -> str | None:
    """The canonical key of a header text (Danish, English or an alias), else None."""
    return _HEADER_LOOKUP.get(_norm_header(header))


# ---------------------------------------------------------------- the table's header row (one scanner)
#: Rows searched for the plan's header row when the table ``Handleplan`` is gone.
HEADER_SCAN_ROWS = 40
#: A header row names the Id column and at least this many plan columns in all (distinct).
HEADER_MIN_KNOWN = 3
NEW_COLUMN = Msg("Kolonne {letter}", "Column {letter}")  # header of a column a person typed without one


def find_header(rows: Sequence[Sequence[Any]], limit: int = HEADER_SCAN_ROWS) -> tuple[int, int] | None:
    """(row index, first column index), 0-based, of the plan's header row, or None.

    The first of the first ``limit`` rows whose *text* cells name the Id column and at least
    :data:`HEADER_MIN_KNOWN` distinct plan columns in all (Danish, English or an alias; case,
    spacing and ``/`` spacing do not matter). Numbers and dates are never headers. The table
    starts at the leftmost column with a known header.
    """
    for r, row in enumerate(rows[:limit]):
        known: dict[str, int] = {}
        for c, v in enumerate(row):
            key = column_key(v) if isinstance(v, str) else None
            if key is not None:
                known.setdefault(key, c)
        if "id" in known and len(known) >= HEADER_MIN_KNOWN:
            return r, min(known.values())
    return None


def map_headers(texts: Sequence[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """(column, header text) -> (column, row key, header text); the first match of a canonical
    column wins, every other header is an extra column keyed by its text."""
    used: set[str] = set()
    out = []
    for col, text in texts:
        key = column_key(text)
        if key is None or key in used:
            key = extra_key(text)
            n = 2
            while key in used:
                key = extra_key(f"{text} ({n})")
                n += 1
        used.add(key)
        out.append((col, key, text))
    return out


@dataclass
class PlanValues:
    """The plan read from plain rows: 0-based header row and first column, the mapped
    columns ``(column, key, header)``, the non-empty rows by key and their 1-based row numbers."""

    header_index: int
    first_col: int
    columns: list[tuple[int, str, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)


def plan_from_rows(rows: Sequence[Sequence[Any]], lang: str = "da") -> PlanValues | None:
    """The plan in plain rows (calamine, xlwings): found by :func:`find_header`; a column
    without a header but with data is kept as ``Kolonne X``; empty cells are ``None``."""
    found = find_header(rows)
    if found is None:
        return None
    hr, hc = found
    header = rows[hr]
    width = max((len(r) for r in rows), default=0)
    texts = []
    for c in range(hc, width):
        head = clean_text(header[c]) if c < len(header) else ""
        if not head:
            if not any(c < len(r) and not is_blank(r[c]) for r in rows[hr + 1:]):
                continue
            head = NEW_COLUMN(lang, letter=column_letter(c + 1))
        texts.append((c, head))
    table = PlanValues(hr, hc, map_headers(texts))
    columns = [(c, k) for c, k, _h in table.columns]
    for r, raw in enumerate(rows[hr + 1:], start=hr + 2):
        n = len(raw)
        row = {k: (None if (v := raw[c] if c < n else None) == "" else v) for c, k in columns}
        if all(is_blank(v) for v in row.values()):
            continue
        table.rows.append(row)
        table.row_numbers.append(r)
    return table


# ---------------------------------------------------------------- vocabularies
STATUS_VALUES = {
    "da": ("ikke startet", "i gang", "afsluttet", "sat i bero"),
    "en": ("not started", "in progress", "completed", "on hold"),
}
STATUS_KEYS = ("not_started", "in_progress", "done", "on_hold")
_STATUS_ALIASES = {
    "not_started": ("ikke startet", "ikke påbegyndt", "not started", "ny", "new", "todo"),
    "in_progress": ("i gang", "igang", "påbegyndt", "in progress", "started", "ongoing"),
    "done": ("afsluttet", "færdig", "gennemført", "lukket", "completed", "done", "finished", "closed"),
    "on_hold": ("sat i bero", "i bero", "pause", "on hold", "paused"),
}
PRIORITY_VALUES = {
    "da": ("1 - høj", "2 - middel", "3 - lav"),
    "en": ("1 - high", "2 - medium", "3 - low"),
}
YES = {lang: yes for lang, (yes, _no) in YES_NO_TEXT.items()}

SOURCE_ACTIVE = Msg("aktiv", "active")
SOURCE_PENDING = Msg("afventer beslutning", "awaiting decision")
SOURCE_REMOVED = Msg("kilde fjernet", "source removed")
#: the date a row lost its source is kept in the plan's hidden state (``removed_on``), not in
#: Kilde (which holds only the documented values) and not in a person's column
REMOVED_ON = "removed_on"
SOURCE_MANUAL = Msg("manuel", "manual")
SOURCE_CARRIED = Msg("overført fra forrige runde", "carried over from the previous round")  # the round id: Kommentar
_REMOVED_PREFIXES = ("kilde fjernet", "source removed")
_CARRIED_PREFIXES = ("overført fra", "carried over from")
_MANUAL_WORDS = ("manuel", "manual")
DUE_SOON_DAYS = 14


def status_key(value: Any) -> str | None:
    """``not_started`` / ``in_progress`` / ``done`` / ``on_hold``; ``not_started`` if blank;
    None if the text is not a known status."""
    if value.__class__ is str:  # a plan holds a few distinct status texts: each folded once
        return _status_of_text(value)
    return _status_of(_fold(value))


@lru_cache(maxsize=256)
def _status_of_text(value: str) -> str | None:
    return _status_of(_fold(value))


def _status_of(text: str) -> str | None:
    if not text:
        return "not_started"
    for key, aliases in _STATUS_ALIASES.items():
        if text in aliases:
            return key
    return None


def status_text(key: str, lang: str = "da") -> str:
    return STATUS_VALUES["en" if lang == "en" else "da"][STATUS_KEYS.index(key)]


#: How a level is written, by language (the Konsensus sheet's choices, in level order).
LEVEL_TEXT = {kind: KONSENSUS_CHOICES[kind] for kind in ("effect", "feasibility")}


# ---------------------------------------------------------------- values


def _canon(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Formula):
        return "=f:" + str(value)
    return "" if value is None else str(value).strip()


def value_hash(value: Any) -> str:
    return hashlib.sha1(_canon(value).encode("utf-8")).hexdigest()[:10]


# ---------------------------------------------------------------- ids
_BULLET_RE = re.compile(r"^\s*(?:[-–—•*·▪◦]+|\d{1,2}[.)])\s+")


def area_text(line: Any) -> str:
    """One improvement area as shown: control characters and a leading bullet removed."""
    text = unicodedata.normalize("NFC", clean_text(line))
    text = _BULLET_RE.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def normalise_area(line: Any) -> str:
    """The text an id is computed from: case, white space, bullets and final dots ignored."""
    text = area_text(line).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.rstrip(". ").strip()


def action_id(qid: str, line: Any) -> str:
    digest = hashlib.sha1(normalise_area(line).encode("utf-8")).hexdigest()[:6]
    return f"HP-{clean_text(qid)}-{digest}"


def split_areas(text: Any) -> list[str]:
    """The improvement areas of an ``agreed_improvements`` cell: one per non-empty line."""
    out = []
    for line in clean_text(text).splitlines():
        shown = area_text(line)
        if normalise_area(shown):
            out.append(shown)
    return out


_M_RE = re.compile(r"^M-(\d+)$")


# ---------------------------------------------------------------- generated rows
def _question_labels(catalogue: Catalogue | None, qid: str, lang: str) -> tuple[str, str]:
    if catalogue is None:
        return "", qid
    try:
        q = catalogue.question(qid)
    except KeyError:
        return "", qid
    try:
        theme = catalogue.theme(q.theme).label(lang)
    except KeyError:
        theme = q.theme
    text = q.text.get(lang) or q.text.get("da") or ""
    return theme, f"{qid} {text}".strip()


def generate_rows(inputs: Mapping[str, Mapping[str, Any]], catalogue: Catalogue | None = None,
                  lang: str = "da", report: Report | None = None) -> list[dict[str, Any]]:
    """Generated plan rows from the Konsensus inputs (``sheets_konsensus.read_inputs``).

    Rows hold the system columns plus the seeds (``status``, ``priority``) used only when a
    row is created. Order: catalogue order, then the order of the lines.
    """
    order = list(catalogue.question_ids) if catalogue is not None else []
    order += [q for q in inputs if q not in order]
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for qid in order:
        inp = inputs.get(qid)
        if not inp or not is_yes(inp.get("to_plan")):
            continue
        decision = decision_level(inp.get("decision"))
        if decision == "rejected":
            continue
        areas = split_areas(inp.get("agreed_improvements"))
        if not areas and report is not None:
            report.add(A_NO_AREAS(qid=qid))
        theme, question = _question_labels(catalogue, qid, lang)
        effect = effect_level(inp.get("effect"))
        priority = ""
        if effect is not None:
            priority = PRIORITY_VALUES["en" if lang == "en" else "da"][EFFECT_LEVELS.index(effect)]
        source = (SOURCE_ACTIVE if decision == "adopted" else SOURCE_PENDING)(lang)
        for line in areas:
            rid = action_id(qid, line)
            if rid in seen:
                continue
            seen.add(rid)
            rows.append({
                "id": rid, "theme": theme, "question": question, "area": line,
                "quick_win": YES["en" if lang == "en" else "da"] if is_quick_win(inp) else "",
                "source": source, "status": status_text("not_started", lang), "priority": priority,
            })
    return rows


# ---------------------------------------------------------------- merge
@dataclass
class PlanState:
    """What the plan remembers between builds (hidden sheet ``_plan``).

    ``written``: id -> {system column key: hash of the value last generated for it};
    ``deleted``: ids of rows a person deleted from the table.
    """

    written: dict[str, dict[str, str]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)

    def copy(self) -> "PlanState":
        return PlanState({k: dict(v) for k, v in self.written.items()}, set(self.deleted))

    def to_rows(self) -> list[list[str]]:
        rows = [[rid, "written", json.dumps(h, sort_keys=True)] for rid, h in self.written.items()]
        rows += [[rid, "deleted", ""] for rid in sorted(self.deleted)]
        return rows

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> "PlanState":
        state = cls()
        for row in rows:
            row = list(row) + ["", "", ""]
            rid, kind, blob = clean_text(row[0]), clean_text(row[1]), clean_text(row[2])
            if not rid or rid == "id":
                continue
            if kind == "deleted":
                state.deleted.add(rid)
            elif kind == "written":
                try:
                    hashes = json.loads(blob) if blob else {}
                except ValueError:
                    hashes = {}
                state.written[rid] = {str(k): str(v) for k, v in hashes.items()} if isinstance(hashes, dict) else {}
        return state


@dataclass
class PlanMerge:
    rows: list[dict[str, Any]]
    state: PlanState
    added: list[str] = field(default_factory=list)          # new generated rows
    marked_removed: list[str] = field(default_factory=list)  # newly marked "kilde fjernet"
    new_manual: list[str] = field(default_factory=list)      # hand-added rows that got an M- id
    kept_out: list[str] = field(default_factory=list)        # generated, but deleted by a person
    newly_deleted: list[str] = field(default_factory=list)   # rows that disappeared since last build
    renumbered: list[tuple[str, str, int, int]] = field(default_factory=list)  # (old id, new id, index, first index)


META_PREFIX = "_"  # row keys that are not cells (e.g. ``_fmt``: number formats a person gave cells)


def row_is_blank(row: Mapping[str, Any]) -> bool:
    return all(is_blank(v) for k, v in row.items() if not k.startswith(META_PREFIX))


def _starts(value: Any, prefixes: Iterable[str]) -> bool:
    text = _fold(value)
    return any(text.startswith(p) for p in prefixes)


def is_carried(row: Mapping[str, Any]) -> bool:
    return _starts(row.get("source"), _CARRIED_PREFIXES)


def _refresh(row: dict[str, Any], key: str, new: Any, old_hash: str | None) -> None:
    """Set a system cell to ``new`` unless a person changed it since it was last generated."""
    cur = row.get(key)
    if is_blank(cur) or (old_hash is not None and value_hash(cur) == old_hash) or _canon(cur) == _canon(new):
        row[key] = new


def plan_merge(existing: Sequence[Mapping[str, Any]], generated: Sequence[Mapping[str, Any]],
               today: dt.date | None = None, state: PlanState | None = None, lang: str = "da",
               restore_deleted: bool = False) -> PlanMerge:
    """Merge the rows read from the plan with freshly generated rows. Pure; inputs untouched.

    ``state`` is what the previous build remembered (None: nothing; then deletions cannot be
    recognised and system cells that differ from the source are kept as they are).
    """
    today = today or dt.date.today()
    old = state.copy() if state is not None else PlanState()
    new_state = PlanState(deleted=set() if restore_deleted else set(old.deleted))
    gen = {}
    for g in generated:
        gen.setdefault(clean_text(g["id"]), g)
    out = PlanMerge(rows=[], state=new_state)

    # 1. existing rows: drop empty ones, give ids to rows without one, resolve duplicates
    rows = [dict(r) for r in existing if not row_is_blank(r)]
    for r in rows:
        r["id"] = clean_text(r.get("id"))
    numbers = [int(m.group(1)) for rid in [*(r["id"] for r in rows), *old.written, *old.deleted]
               if (m := _M_RE.match(rid))]
    next_m = max(numbers, default=0) + 1
    first_index: dict[str, int] = {}
    for i, r in enumerate(rows):
        rid = r["id"]
        if rid and rid not in first_index:
            first_index[rid] = i
            continue
        new_id = f"M-{next_m}"
        next_m += 1
        if rid:
            out.renumbered.append((rid, new_id, i, first_index[rid]))
        r["id"] = new_id
        out.new_manual.append(new_id)
        if is_blank(r.get("source")) or (rid and rid in gen):
            r["source"] = SOURCE_MANUAL(lang)
    present = {r["id"] for r in rows}

    # 2. rows that were written before and are gone now: a person deleted them
    for rid in old.written:
        if rid not in present:
            new_state.deleted.add(rid)
            out.newly_deleted.append(rid)
    new_state.deleted -= present  # a row pasted back is alive again

    # 3. refresh existing rows
    for r in rows:
        rid = r["id"]
        hashes = dict(old.written.get(rid, {}))
        g = gen.get(rid)
        if g is not None:
            hashes.pop(REMOVED_ON, None)  # the source is back
            for key in SYSTEM_KEYS:
                if key == "source" and is_carried(r):
                    continue
                _refresh(r, key, g.get(key, ""), hashes.get(key))
                hashes[key] = value_hash(g.get(key, ""))
            if is_carried(r):
                hashes["source"] = value_hash(r.get("source"))
        elif rid.startswith("HP-") and not is_carried(r) and not _starts(r.get("source"), _MANUAL_WORDS):
            if not _starts(r.get("source"), _REMOVED_PREFIXES):
                before = r.get("source")
                removed = SOURCE_REMOVED(lang)
                _refresh(r, "source", removed, hashes.get("source"))
                if r.get("source") != before:
                    out.marked_removed.append(rid)
                    hashes[REMOVED_ON] = today.isoformat()
                hashes["source"] = value_hash(removed)
            else:
                hashes["source"] = value_hash(r.get("source"))
        elif is_blank(r.get("source")):
            r["source"] = SOURCE_MANUAL(lang)
            hashes["source"] = value_hash(r["source"])
        new_state.written[rid] = hashes
        out.rows.append(r)

    # 4. new generated rows
    for rid, g in gen.items():
        if rid in present:
            continue
        if rid in new_state.deleted:
            out.kept_out.append(rid)
            continue
        row = {k: g.get(k, "") for k in (*PLAN_KEYS,)}
        row["id"] = rid
        for key in SEED_KEYS:
            row[key] = g.get(key, "")
        out.rows.append(row)
        out.added.append(rid)
        new_state.written[rid] = {key: value_hash(g.get(key, "")) for key in SYSTEM_KEYS}
    return out


def merge_plan(existing_rows: list[dict], generated: list[dict], today: dt.date | None = None,
               state: PlanState | None = None, lang: str = "da") -> list[dict]:
    """The merged rows (see :func:`plan_merge` for the full result with the new state)."""
    return plan_merge(existing_rows, generated, today, state, lang).rows


# ---------------------------------------------------------------- prioritising overview
@dataclass
class MatrixCell:
    effect: str
    feasibility: str
    questions: list[str] = field(default_factory=list)
    areas: int = 0
    planned: list[str] = field(default_factory=list)  # question ids with to_plan = Ja


@dataclass
class PriorityMatrix:
    cells: dict[tuple[str, str], MatrixCell]
    unrated: list[str]  # questions with improvement areas but no effect/feasibility

    def cell(self, effect: str, feasibility: str) -> MatrixCell:
        return self.cells[(effect, feasibility)]


def priority_matrix(inputs: Mapping[str, Mapping[str, Any]], order: Sequence[str] = ()) -> PriorityMatrix:
    """Effect x feasibility: which questions (with their improvement areas) fall where."""
    cells = {(e, f): MatrixCell(e, f) for e in EFFECT_LEVELS for f in FEASIBILITY_LEVELS}
    unrated = []
    qids = [q for q in order if q in inputs] + [q for q in inputs if q not in order]
    for qid in qids:
        inp = inputs[qid]
        areas = split_areas(inp.get("agreed_improvements"))
        e, f = effect_level(inp.get("effect")), feasibility_level(inp.get("feasibility"))
        if e is None or f is None:
            if areas or is_yes(inp.get("to_plan")):
                unrated.append(qid)
            continue
        c = cells[(e, f)]
        c.questions.append(qid)
        c.areas += len(areas)
        if is_yes(inp.get("to_plan")) and decision_level(inp.get("decision")) != "rejected":
            c.planned.append(qid)
    return PriorityMatrix(cells, unrated)


# ---------------------------------------------------------------- follow-up
@dataclass
class FollowUpItem:
    id: str
    theme: str
    area: str
    action: str
    owner: str
    deadline: dt.date | None
    deadline_text: str
    status: str
    status_key: str  # not_started / in_progress / done / on_hold / unknown
    overdue: bool
    due_soon: bool
    days_left: int | None
    last_follow_up: str = ""
    row: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def open(self) -> bool:
        return self.status_key != "done"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output (``--json``)."""
        return {"id": self.id, "theme": self.theme, "area": self.area, "action": self.action,
                "owner": self.owner, "deadline": self.deadline.isoformat() if self.deadline else self.deadline_text,
                "status": self.status, "overdue": self.overdue, "due_soon": self.due_soon,
                "days_left": self.days_left, "last_follow_up": self.last_follow_up}


def _open_overdue(key: str, deadline: dt.date | None, today: dt.date) -> tuple[bool, bool]:
    """The follow-up's rule: an action is open until its status is *afsluttet*, overdue when
    open past its deadline."""
    open_ = key != "done"
    return open_, bool(open_ and deadline and deadline < today)


def action_flags(row: Mapping[str, Any], today: dt.date) -> tuple[bool, bool] | None:
    """(open, overdue) of one plan row as :func:`follow_up_items` sees it; None for a blank row
    (which the follow-up leaves out). For a reader of many plans (the rollup) that needs only these."""
    if row_is_blank(row):
        return None
    return _open_overdue(status_key(row.get("status")) or "unknown", to_date(row.get("deadline")), today)


def follow_up_items(rows: Iterable[Mapping[str, Any]], today: dt.date | None = None) -> list[FollowUpItem]:
    today = today or dt.date.today()
    items = []
    for r in rows:
        if row_is_blank(r):
            continue
        key = status_key(r.get("status")) or "unknown"
        deadline = to_date(r.get("deadline"))
        open_, overdue = _open_overdue(key, deadline, today)
        days = (deadline - today).days if deadline else None
        items.append(FollowUpItem(
            id=clean_text(r.get("id")), theme=clean_text(r.get("theme")), area=clean_text(r.get("area")),
            action=clean_text(r.get("action")), owner=clean_text(r.get("owner")), deadline=deadline,
            deadline_text=fmt_date(r.get("deadline")), status=clean_text(r.get("status")), status_key=key,
            overdue=overdue,
            due_soon=bool(open_ and deadline and 0 <= (deadline - today).days <= DUE_SOON_DAYS),
            days_left=days, last_follow_up=fmt_date(r.get("last_follow_up")), row=dict(r)))
    return items


def owner_matches(owner_cell: str, name: str) -> bool:
    """Case-insensitive: ``name`` is a word-start match in the owner cell (``ida`` ~ ``Ida Holm / Bo``)."""
    name = _fold(name)
    if not name:
        return True
    return re.search(r"(?<!\w)" + re.escape(name), _fold(owner_cell)) is not None


def filter_items(items: Iterable[FollowUpItem], owner: str | None = None,
                 overdue_only: bool = False) -> list[FollowUpItem]:
    out = [i for i in items if (owner is None or owner_matches(i.owner, owner)) and (i.overdue or not overdue_only)]
    far = dt.date.max
    out.sort(key=lambda i: (not i.overdue, not i.open, i.deadline or far, i.id))
    return out


NO_OWNER = Msg("(ingen ansvarlig)", "(no owner)")


@dataclass
class OwnerSummary:
    owner: str
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    done: int = 0
    total: int = 0


def follow_up_summary(items: Iterable[FollowUpItem], lang: str = "da") -> list[OwnerSummary]:
    by_owner: dict[str, OwnerSummary] = {}
    for i in items:
        name = i.owner or NO_OWNER(lang)
        s = by_owner.setdefault(name.casefold(), OwnerSummary(name))
        s.total += 1
        s.open += i.open
        s.overdue += i.overdue
        s.due_soon += i.due_soon
        s.done += not i.open
    return sorted(by_owner.values(), key=lambda s: (-s.overdue, -s.open, s.owner.casefold()))


FU_TITLE = Msg("Handleplan – opfølgning pr. {date}", "Action plan – follow-up as of {date}")
FU_FILTER_OWNER = Msg("Ansvarlig: {owner}", "Owner: {owner}")
FU_FILTER_OVERDUE = Msg("kun overskredne", "overdue only")
FU_NONE = Msg("Ingen handlinger matcher.", "No actions match.")
FU_OVERDUE = Msg("OVERSKREDET {days} dage", "OVERDUE {days} days")
FU_DUE_SOON = Msg("frist om {days} dage", "due in {days} days")
FU_DUE_TODAY = Msg("frist i dag", "due today")
FU_NO_DEADLINE = Msg("ingen frist", "no deadline")
FU_TOTALS = Msg("{n} handlinger: {open} åbne, {overdue} overskredne, {soon} med frist inden for 14 dage.",
                "{n} actions: {open} open, {overdue} overdue, {soon} due within 14 days.")
FU_NO_ACTION = Msg("(ingen handling skrevet)", "(no action written)")


def format_follow_up(rows: Sequence[FollowUpItem], lang: str = "da", today: dt.date | None = None,
                     owner: str | None = None, overdue_only: bool = False) -> str:
    """Plain text for the terminal: one block per action, overdue first."""
    today = today or dt.date.today()
    head = FU_TITLE(lang, date=today.strftime(DATE_FORMAT))
    filters = ([FU_FILTER_OWNER(lang, owner=owner)] if owner else []) + ([FU_FILTER_OVERDUE(lang)] if overdue_only else [])
    lines = [head + (f" ({', '.join(filters)})" if filters else ""), ""]
    if not rows:
        lines.append(FU_NONE(lang))
        return "\n".join(lines)
    for i in rows:
        if i.overdue:
            flag = FU_OVERDUE(lang, days=-(i.days_left or 0))
        elif i.due_soon:
            flag = FU_DUE_TODAY(lang) if i.days_left == 0 else FU_DUE_SOON(lang, days=i.days_left)
        elif i.deadline is None and i.open:
            flag = FU_NO_DEADLINE(lang)
        else:
            flag = ""
        what = i.action or i.area or FU_NO_ACTION(lang)
        first = f"{'!' if i.overdue else '-'} [{i.id}] {what}"
        detail = " | ".join(x for x in (
            i.owner or NO_OWNER(lang), i.deadline_text or "", i.status or status_text("not_started", lang), flag) if x)
        lines.append(first)
        if i.action and i.area:
            lines.append(f"    {i.area}")
        lines.append(f"    {detail}")
    n_open = sum(i.open for i in rows)
    lines += ["", FU_TOTALS(lang, n=len(rows), open=n_open, overdue=sum(i.overdue for i in rows),
                            soon=sum(i.due_soon for i in rows))]
    return "\n".join(lines)


# ---------------------------------------------------------------- previous round
class PreviousScores(dict):
    """question id -> agreed points of the previous round; ``.themes``: theme id -> theme score
    (the separately agreed one, else the mean of the agreed points)."""

    def __init__(self, questions: Mapping[str, float] | None = None, themes: Mapping[str, float] | None = None,
                 round_id: str = ""):
        super().__init__(questions or {})
        self.themes: dict[str, float] = dict(themes or {})
        self.round_id = round_id


def previous_from_rows(rows: Iterable[Sequence[Any]]) -> PreviousScores:
    """The previous round's scores from the rows of the master's hidden *Forrige* sheet below its
    two header rows (``kind`` question/theme, ``key``, ``points``, ``round id``; what
    ``init --previous`` stores there)."""
    prev = PreviousScores()
    for row in rows:
        row = list(row) + [None] * 4
        kind, key, pts, rid = clean_text(row[0]), clean_text(row[1]), points_value(row[2]), clean_text(row[3])
        if kind not in ("question", "theme") or not key or pts is None:
            continue
        (prev if kind == "question" else prev.themes)[key] = pts
        prev.round_id = prev.round_id or rid
    return prev


def points_value(value: Any) -> float | int | None:
    """Agreed points as a number (:func:`xl_kik.core.values.to_number`), else None."""
    return to_number(value)


def theme_means(points: Mapping[str, Any], catalogue: Catalogue | None) -> dict[str, float]:
    if catalogue is None:
        return {}
    out = {}
    for t in catalogue.themes:
        vals = [points[q.id] for q in catalogue.questions_of(t.id) if points.get(q.id) is not None]
        if vals:
            out[t.id] = round(sum(vals) / len(vals), 1)
    return out
