"""An evaluation round: its setup, its participants and its folder.

Plain data only; the master workbook adapter (:mod:`xl_kik.excel.master`) stores and reads it.
Everything downstream of ``xl-kik init`` reads the round from the master workbook, so a
coordinator can edit the participants table in Excel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from xl_kik.core.i18n import Msg
from xl_kik.core.catalogue import Catalogue, Scale
from xl_kik.core.values import clean_text, is_blank, to_date
from xl_kik.core.errors import ParticipantsError, SetupError
from xl_kik.core.problems import ERROR, WARNING, Problem, Report, define

MASTER_NAME = "kik_master.xlsm"
OUTGOING_DIR = "udsendt"
RETURNS_DIR = "retur"
BACKUP_DIR = "backup"
LOG_NAME = "xl_kik.log"

DEFAULT_THRESHOLD = 0.25  # share of the scale the disagreement rule compares with (core.stats)

ROLES = ("leder", "medarbejder", "")

P_NO_NAME = define(
    "P001", ERROR, ("Navn mangler", "Name missing"),
    ("Række {row} har intet navn.", "Row {row} has no name."))
P_DUPLICATE_EMAIL = define(
    "P002", ERROR, ("E-mail findes to gange", "Duplicate e-mail"),
    ("E-mailadressen {email} står både i række {first_row} og række {row}.",
     "The e-mail address {email} is in both row {first_row} and row {row}."))
P_BAD_EMAIL = define(
    "P003", WARNING, ("Mærkelig e-mailadresse", "Odd e-mail address"),
    ("E-mailadressen {email!r} i række {row} ser forkert ud.",
     "The e-mail address {email!r} in row {row} looks wrong."))
P_NO_PARTICIPANTS = define(
    "P004", ERROR, ("Ingen deltagere", "No participants"),
    ("Deltagerlisten er tom.", "The participants list is empty."))
P_MISSING_COLUMN = define(
    "P005", ERROR, ("Kolonne mangler", "Missing column"),
    ("Deltagerlisten skal have en kolonne 'Navn' i første række (eller kun navne, ét pr. linje).",
     "The participants list needs a 'Name' column in its first row (or only names, one per line)."))
P_BAD_FILE = define(
    "P006", ERROR, ("Deltagerlisten kan ikke læses", "Participants list cannot be read"),
    ("Filen kan ikke læses: {reason}", "The file cannot be read: {reason}"))
P_DUPLICATE_ID = define(
    "P007", ERROR, ("Deltager-id findes to gange", "Duplicate participant id"),
    ("Deltager-id {pid} står både i række {first_row} og række {row}.",
     "Participant id {pid} is in both row {first_row} and row {row}."))
P_DUPLICATE_NAME = define(
    "P008", WARNING, ("Samme navn to gange", "Same name twice"),
    ("Navnet {name!r} står {n} gange ({who}). Så ingen forveksles, vises de med e-mail eller id i alle "
     "lister, og filnavnene får et nummer. Ret navnet, hvis det er en fejl.",
     "The name {name!r} occurs {n} times ({who}). So nobody is mistaken for another, they are shown "
     "with e-mail or id in every list, and the file names get a number. Correct the name if it is a mistake."))
P_BAD_CSV = define(
    "P010", ERROR, ("CSV-filen kan ikke læses", "CSV file cannot be read"),
    ("{file} kan ikke læses som en CSV-fil: den er ikke tekst (UTF-8 eller Windows-tegnsæt), eller den "
     "indeholder tegn, der ikke er tekst; er det en anden slags fil med endelsen .csv? Gem deltagerlisten "
     "igen fra Excel som \"CSV UTF-8\" eller som .xlsx: én deltager pr. linje, navnet i første kolonne.",
     "{file} cannot be read as a CSV file: it is not text (UTF-8 or Windows encoding), or it holds "
     "characters that are not text; is it another kind of file named .csv? Save the participants list "
     "again from Excel as \"CSV UTF-8\" or as .xlsx: one participant per line, the name in the first column."))
P_SINGLE = define(
    "P009", WARNING, ("Kun én deltager", "Only one participant"),
    ("Der er kun én deltager; en selvevaluering giver mest værdi med 5-15 deltagere.",
     "There is only one participant; a self-evaluation works best with 5-15 participants."))

S_BAD_DATE = define(
    "S001", ERROR, ("Ugyldig dato", "Invalid date"),
    ("{value!r} er ikke en dato; skriv ÅÅÅÅ-MM-DD, fx 2026-12-01.",
     "{value!r} is not a date; write YYYY-MM-DD, e.g. 2026-12-01."))
S_NO_UNIT = define(
    "S002", ERROR, ("Enhed mangler", "Unit missing"),
    ("Skriv enhedens navn (fx 'Børnehuset Solsikken').", "Write the unit's name (e.g. 'Sunflower kindergarten')."))
S_BAD_THRESHOLD = define(
    "S003", ERROR, ("Ugyldig grænse for uenighed", "Invalid disagreement threshold"),
    ("Grænsen for uenighed skal være en andel mellem 0 og 1 (fx 0,35), ikke {value!r}.",
     "The disagreement threshold must be a share between 0 and 1 (e.g. 0.35), not {value!r}."))

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

PARTICIPANT_COLUMNS: dict[str, tuple[str, ...]] = {
    "pid": ("id", "deltager-id", "deltagerid", "participant id"),
    "name": ("navn", "name", "deltager", "participant"),
    "email": ("e-mail", "email", "mail", "e-mailadresse"),
    "role": ("rolle", "role", "funktion"),
    "group": ("gruppe", "group", "team", "afdeling"),
    "themes": ("temaer", "themes", "temaer (dokumentation)", "themes (documentation)", "dokumentation"),
    "resend": ("send igen med svar", "resend with answers", "send igen", "resend"),
}


@dataclass(frozen=True)
class Participant:
    pid: str
    name: str
    email: str = ""
    role: str = ""
    group: str = ""
    themes: str = ""  # the themes whose documentation this person reads ("1, 4"; core.coverage)
    resend: str = ""  # "Ja": generate makes this person's questionnaire with their last answers kept

    def as_row(self) -> list[str]:
        return [self.pid, self.name, self.email, self.role, self.group, self.themes, self.resend]


@dataclass(frozen=True)
class RoundPaths:
    root: Path

    @property
    def master(self) -> Path:
        return self.root / MASTER_NAME

    @property
    def outgoing(self) -> Path:
        return self.root / OUTGOING_DIR

    @property
    def returns(self) -> Path:
        return self.root / RETURNS_DIR

    @property
    def backups(self) -> Path:
        return self.root / BACKUP_DIR

    @property
    def log(self) -> Path:
        return self.root / LOG_NAME

    def create(self) -> None:
        for p in (self.root, self.outgoing, self.returns, self.backups):
            p.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class RoundSetup:
    """What the master's setup sheet holds."""

    round_id: str
    unit: str
    catalogue: Catalogue  # only the themes of this round
    scale: Scale
    lang: str = "da"
    deadline: dt.date | None = None
    created: dt.date = field(default_factory=dt.date.today)
    threshold: float = DEFAULT_THRESHOLD
    disagreement_rule: str = "iqr"  # core.stats.RULES: "iqr" or "range"
    anonymise: bool = True
    min_group: int = 3  # core.anonymity: below this many answers an anonymised distribution is withheld
    seminar_hours: float = 7.4  # core.agenda: the consensus seminar's length (one working day)
    secret: str = ""
    previous_round: str = ""
    coordinator: str = ""        # the coordinator's name, shown to participants (Vejledning, invitation)
    coordinator_email: str = ""  # where participants send the questionnaire back

    def token(self, pid: str) -> str:
        """Per-participant integrity token: proves a file was issued for this participant."""
        return hmac.new(self.secret.encode(), f"{self.round_id}:{pid}".encode(), hashlib.sha256).hexdigest()[:12]

    @property
    def question_ids(self) -> tuple[str, ...]:
        return self.catalogue.question_ids


def new_round_id(unit: str, today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return f"KIK-{today:%Y%m%d}-{secrets.token_hex(3)}"


def new_secret() -> str:
    return secrets.token_hex(16)


def parse_date(value: Any, report: Report | None = None, **where: str) -> dt.date | None:
    """A setting's date (:func:`xl_kik.core.values.to_date`); None if blank.

    Not a date: the problem goes to ``report`` (and None is returned) or, without a report,
    :class:`SetupError` is raised.
    """
    if is_blank(value):
        return None
    found = to_date(value)
    if found is not None:
        return found
    text = clean_text(value)
    if report is not None:
        report.add(S_BAD_DATE(value=text, **where))
        return None
    raise SetupError(S_BAD_DATE.template("da", value=text), [S_BAD_DATE(value=text, **where)])


def parse_threshold(value: Any) -> float:
    text = clean_text(value).replace(",", ".").rstrip("%").strip()
    try:
        share = float(text)
    except ValueError:
        raise SetupError(S_BAD_THRESHOLD.template("da", value=value), [S_BAD_THRESHOLD(value=value)]) from None
    if clean_text(value).endswith("%") or share > 1:
        share /= 100
    if not 0 < share <= 1:
        raise SetupError(S_BAD_THRESHOLD.template("da", value=value), [S_BAD_THRESHOLD(value=value)])
    return share


# ---------------------------------------------------------------- participants
PARTICIPANTS_INVALID = Msg("Deltagerlisten {source} har fejl:", "The participants list {source} has errors:")


def participants_from_rows(rows: Sequence[Sequence[Any]], source: str, sheet: str = "") -> list[Participant]:
    """Validate and build participants from tabular rows (first row = headers).

    Rows without an id get the next free id ``D01``, ``D02``, ... Raises ParticipantsError
    with every problem found.
    """
    report = Report(source)
    if not rows:
        report.add(P_NO_PARTICIPANTS(file=source, sheet=sheet))
        raise ParticipantsError(PARTICIPANTS_INVALID("da", source=source), report.problems)
    header = [clean_text(h).lower() for h in rows[0]]
    cols = {}
    for key, aliases in PARTICIPANT_COLUMNS.items():
        for i, h in enumerate(header):
            if h in aliases:
                cols[key] = i
                break
    first = 1  # index of the first participant row
    if not cols and not any(clean_text(v) for row in rows for v in row[1:]):
        cols, first = {"name": 0}, 0  # only names, one per line, no header
    if "name" not in cols:
        report.add(P_MISSING_COLUMN(file=source, sheet=sheet, cell="A1"))
        raise ParticipantsError(PARTICIPANTS_INVALID("da", source=source), report.problems)

    def get(row: Sequence[Any], key: str) -> str:
        i = cols.get(key)
        return clean_text(row[i]) if i is not None and i < len(row) else ""

    entries = []
    seen_email: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    for r, row in enumerate(rows[first:], start=first + 1):
        if not any(clean_text(v) for v in row):
            continue
        name, email, pid = get(row, "name"), get(row, "email"), get(row, "pid")
        if not name:
            report.add(P_NO_NAME(file=source, sheet=sheet, cell=f"A{r}", row=r))
            continue
        if email:
            key = email.lower()
            if key in seen_email:
                report.add(P_DUPLICATE_EMAIL(file=source, sheet=sheet, row=r, first_row=seen_email[key], email=email))
            seen_email.setdefault(key, r)
            if not _EMAIL_RE.match(email):
                report.add(P_BAD_EMAIL(file=source, sheet=sheet, row=r, email=email))
        if pid:
            if pid in seen_id:
                report.add(P_DUPLICATE_ID(file=source, sheet=sheet, row=r, first_row=seen_id[pid], pid=pid))
            seen_id.setdefault(pid, r)
        entries.append((pid, name, email, get(row, "role"), get(row, "group"), get(row, "themes"),
                        get(row, "resend")))
    if not entries and not report.errors:
        report.add(P_NO_PARTICIPANTS(file=source, sheet=sheet))
    if report.errors:
        raise ParticipantsError(PARTICIPANTS_INVALID("da", source=source), report.problems)
    if len(entries) == 1:
        report.add(P_SINGLE(file=source))
    used = {e[0] for e in entries if e[0]}
    counter = 1
    out = []
    for pid, name, email, role, group, themes, resend in entries:
        if not pid:
            while f"D{counter:02d}" in used:
                counter += 1
            pid = f"D{counter:02d}"
            used.add(pid)
        out.append(Participant(pid, name, email, role, group, themes, resend))
    for problem in duplicate_names(out, source):
        report.add(problem)
    participants_from_rows.last_report = report  # type: ignore[attr-defined]
    return out


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def duplicate_names(participants: Sequence[Participant], source: str = "") -> list[Problem]:
    """One warning per name shared by two or more participants (case and spacing ignored)."""
    groups: dict[str, list[Participant]] = {}
    for p in participants:
        groups.setdefault(_name_key(p.name), []).append(p)
    return [P_DUPLICATE_NAME(file=source, name=group[0].name, n=len(group),
                             who=", ".join(p.email or p.pid for p in group))
            for group in groups.values() if len(group) > 1]


def name_labels(participants: Iterable[Participant]) -> dict[str, str]:
    """How every list names each participant: the name, and when two share it, the name with
    the e-mail (else the id) so nobody looks like somebody else: ``Lise Møller (lise@x.dk)``."""
    plist = list(participants)
    count: dict[str, int] = {}
    for p in plist:
        count[_name_key(p.name)] = count.get(_name_key(p.name), 0) + 1
    return {p.pid: (f"{p.name} ({p.email or p.pid})" if count[_name_key(p.name)] > 1 else p.name) for p in plist}


def label(participant: Participant, labels: dict[str, str] | None) -> str:
    """The participant's name as :func:`name_labels` shows it (the bare name without labels)."""
    return (labels or {}).get(participant.pid, participant.name)


def with_ids(participants: Iterable[Participant]) -> list[Participant]:
    """Give participants without an id the next free ``Dnn`` id (stable for the others)."""
    plist = list(participants)
    used = {p.pid for p in plist if p.pid}
    counter = 1
    out = []
    for p in plist:
        if not p.pid:
            while f"D{counter:02d}" in used:
                counter += 1
            p = replace(p, pid=f"D{counter:02d}")
            used.add(p.pid)
        out.append(p)
    return out
