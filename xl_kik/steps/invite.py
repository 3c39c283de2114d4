"""Invitations and reminders as ready-to-send e-mails, optional sending through SMTP.

``write_invitations`` writes one ``.eml`` per participant into ``ROUND/mails/``. Each file
carries ``X-Unsent: 1``, so Outlook opens it as a draft the coordinator only has to check
and send; the participant's scoring workbook (from ``ROUND/udsendt/``) is attached. Which
workbook belongs to whom is read from the workbook's own metadata sheet (``_kik``:
``participant_id`` and ``round_id``), never guessed from its file name.

``send`` delivers the same messages through SMTP when the master's setup sheet has
``smtp_host`` (keys in column A of ``Opsætning``, values in column C). The password is
never stored in a workbook: it is read from an environment variable (setup key
``smtp_password_env``, default ``XL_KIK_SMTP_PASSWORD``).

The ``M0xx``/``M1xx`` problem types (mail, collecting from mail) are defined here; the
overview's ``M2xx`` live in :mod:`xl_kik.core.rollup`, the reports' ``M3xx`` in
:mod:`xl_kik.excel.reports`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import re
import smtplib
import ssl
import zipfile
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any, Callable, Iterable

from python_calamine import CalamineWorkbook

from xl_kik.core.catalogue import clean_text
from xl_kik.excel import atomic
from xl_kik.core.i18n import Msg, format_date
from xl_kik.core.vocabulary import Count, button
from xl_kik.core.errors import KikFileError
from xl_kik.core.filenames import unique_names
from xl_kik.core.problems import ERROR, INFO, WARNING, Problem, define
from xl_kik.core.round import MASTER_NAME, Participant, RoundPaths, RoundSetup
from xl_kik.excel import master
from xl_kik.steps.status import read_returns

Progress = Callable[[int, int], None]

MAILS_DIR = "mails"
XLSX_MIME = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
XLSM_MIME = ("application", "vnd.ms-excel.sheet.macroEnabled.12")
DEFAULT_PASSWORD_ENV = "XL_KIK_SMTP_PASSWORD"
SMTP_TIMEOUT = 30.0
EML_POLICY = policy.default.clone(linesep="\r\n")

# ---------------------------------------------------------------- problem types (M0xx, M1xx)
# M0xx invitations and sending
M_NO_EMAIL = define(
    "M001", WARNING, ("E-mailadresse mangler", "E-mail address missing"),
    ("{name} har ingen e-mailadresse i deltagerlisten. Mailen er gemt uden modtager; "
     "skriv adressen i mailen, før den sendes, eller tilføj den i arket Deltagere.",
     "{name} has no e-mail address in the participants list. The e-mail was saved without a "
     "recipient; type the address into it before sending, or add it in the Participants sheet."))
M_NO_WORKBOOK = define(
    "M002", ERROR, ("Spørgeskema mangler", "Questionnaire missing"),
    ("Der er intet spørgeskema til {name} i mappen {folder}. Lav spørgeskemaerne først "
     f"(knappen {button('KikGenerate', 'da')} eller xl-kik generate). Der er ikke lavet nogen mail til {{name}}.",
     "There is no questionnaire for {name} in the folder {folder}. Make the questionnaires "
     f"first (the {button('KikGenerate', 'en')} button or xl-kik generate). No e-mail was made for {{name}}."))
M_SMTP_SETTINGS = define(
    "M003", ERROR, ("Mailserver ikke sat op", "Mail server not set up"),
    ("Mailene kan ikke sendes: {reason} Udfyld smtp-felterne i arket Opsætning. "
     "Mailene ligger klar i {folder} og kan åbnes og sendes fra Outlook.",
     "The e-mails cannot be sent: {reason} Fill in the smtp fields in the Setup sheet. "
     "The e-mails are ready in {folder} and can be opened and sent from Outlook."))
M_NO_PASSWORD = define(
    "M004", ERROR, ("Adgangskode mangler", "Password missing"),
    ("Adgangskoden til mailserveren skal stå i miljøvariablen {env}; den er ikke sat. Intet er sendt.",
     "The mail server password must be in the environment variable {env}; it is not set. Nothing was sent."))
M_SMTP_FAILED = define(
    "M005", ERROR, ("Mailserveren svarer ikke", "Mail server failed"),
    ("Der kunne ikke sendes via {host}:{port}: {reason}. Intet er sendt; mailene ligger i {folder}.",
     "Could not send through {host}:{port}: {reason}. Nothing was sent; the e-mails are in {folder}."))
M_SEND_FAILED = define(
    "M006", ERROR, ("Mail ikke sendt", "E-mail not sent"),
    ("Mailen til {to} blev ikke sendt: {reason}.", "The e-mail to {to} was not sent: {reason}."))
M_NOTHING_MISSING = define(
    "M007", INFO, ("Alle har svaret", "Everyone has replied"),
    ("Alle deltagere har sendt deres fil; der er ingen påmindelser at sende.",
     "Every participant has returned their file; there are no reminders to send."))

# M1xx collecting returned files from saved e-mails
M_BAD_MAIL = define(
    "M101", ERROR, ("Mailen kan ikke læses", "E-mail cannot be read"),
    ("{file} kan ikke læses som en gemt mail: {reason}", "{file} cannot be read as a saved e-mail: {reason}"))
M_TOO_LARGE = define(
    "M102", WARNING, ("Vedhæftning for stor", "Attachment too large"),
    ("Vedhæftningen {name} i {file} er {size_mb} MB; grænsen er {limit_mb} MB. Den er ikke gemt.",
     "The attachment {name} in {file} is {size_mb} MB; the limit is {limit_mb} MB. It was not saved."))
M_DUPLICATE = define(
    "M103", INFO, ("Fil findes allerede", "File already there"),
    ("Vedhæftningen {name} i {file} er magen til {existing}, som allerede ligger i returmappen. Den er ikke gemt igen.",
     "The attachment {name} in {file} is identical to {existing}, which is already in the returns folder. "
     "It was not saved again."))
M_NESTED_TOO_DEEP = define(
    "M104", WARNING, ("Mail i mail i mail", "Message nested too deep"),
    ("{file} indeholder en videresendt mail i en videresendt mail; kun ét niveau læses. "
     "Gem den inderste mail for sig og prøv igen.",
     "{file} contains a forwarded message inside a forwarded message; only one level is read. "
     "Save the innermost message on its own and try again."))
M_NO_SPREADSHEET = define(
    "M105", WARNING, ("Ingen regneark i mailen", "No spreadsheet in the e-mail"),
    ("Mailen {file} (fra {sender}) har intet regneark vedhæftet.",
     "The e-mail {file} (from {sender}) has no spreadsheet attached."))
M_FOLDER_MISSING = define(
    "M106", ERROR, ("Mappen findes ikke", "Folder not found"),
    ("Mappen {folder} findes ikke.", "The folder {folder} does not exist."))
M_MAIL_TOO_LARGE = define(
    "M107", WARNING, ("Mailfil for stor", "E-mail file too large"),
    ("{file} er {size_mb} MB og springes over; grænsen er {limit_mb} MB.",
     "{file} is {size_mb} MB and is skipped; the limit is {limit_mb} MB."))
M_NO_MAILS = define(
    "M108", WARNING, ("Ingen mails fundet", "No e-mails found"),
    ("Der er ingen gemte mails (.eml eller .msg) i {folder}. Træk mailene fra Outlook over i mappen.",
     "There are no saved e-mails (.eml or .msg) in {folder}. Drag the e-mails from Outlook into the folder."))

class MailError(KikFileError):
    """Mails cannot be written or sent at all (round folder, master)."""


# ---------------------------------------------------------------- texts
SUBJECT = Msg("Selvevaluering med KIK i {unit}: dit spørgeskema", "Self-evaluation with KIK in {unit}: your questionnaire")
SUBJECT_DEADLINE = Msg("Selvevaluering med KIK i {unit}: dit spørgeskema (svar senest {deadline})",
                       "Self-evaluation with KIK in {unit}: your questionnaire (reply by {deadline})")
SUBJECT_REMINDER = Msg("Påmindelse: selvevaluering med KIK i {unit}", "Reminder: self-evaluation with KIK in {unit}")
SUBJECT_REMINDER_DEADLINE = Msg("Påmindelse: selvevaluering med KIK i {unit} (svar senest {deadline})",
                                "Reminder: self-evaluation with KIK in {unit} (reply by {deadline})")
GREETING = Msg("Kære {name}", "Dear {name}")
INTRO = Msg(
    "Du er med i selvevalueringen i {unit} med Den Kommunale Kvalitetsmodel (KIK). "
    "Dit eget spørgeskema er vedhæftet denne mail: {file}.",
    "You are taking part in the self-evaluation in {unit} with the municipal quality model KIK. "
    "Your own form is attached to this e-mail: {file}.")
INTRO_REMINDER = Msg(
    "Vi mangler stadig dit spørgeskema til selvevalueringen i {unit}. Spørgeskemaet er vedhæftet igen: {file}.",
    "We are still missing your questionnaire for the self-evaluation in {unit}. The questionnaire is attached again: {file}.")
DEADLINE_LINE = Msg("Svar senest {deadline}.", "Please reply by {deadline}.")
HOWTO_TITLE = Msg("Sådan gør du:", "How to do it:")
STEPS = (
    Msg("Gem den vedhæftede fil på din computer og åbn den i Excel. Klik 'Aktivér redigering', hvis Excel spørger.",
        "Save the attached file on your computer and open it in Excel. Click 'Enable Editing' if Excel asks."),
    Msg("Skriv for hvert spørgsmål styrker og forbedringsområder, og giv point. Teksten er det vigtigste; "
        "pointene er dit bedste bud. Vælg 'ved ikke' i pointfeltet, hvis du ikke ved det.",
        "For each question, write strengths and areas for improvement, and give points. The text matters "
        "most; the points are your best guess. Pick 'do not know' in the points cell if you don't know."),
    Msg("Gem filen. Behold filnavnet, og lav ikke en kopi.",
        "Save the file. Keep the file name and don't make a copy."),
    Msg("Svar på denne mail med den udfyldte fil vedhæftet.",
        "Reply to this e-mail with the completed file attached."),
)
ANONYMOUS = Msg(
    "Før konsensusseminaret får alle deltagere en svarrapport med alle svar, uden navne (Deltager 1, 2, ...). "
    "Jeg kan som tovholder se, hvem der har svaret hvad.",
    "Before the consensus seminar every participant receives an answer report with all answers, "
    "without names (Participant 1, 2, ...). As the coordinator, I can see who answered what.")
NAMED = Msg(
    "Før konsensusseminaret får alle deltagere en svarrapport med alle svar.",
    "Before the consensus seminar every participant receives an answer report with all answers.")
SIGNOFF = Msg("Venlig hilsen", "Kind regards")
SIGNATURE_DEFAULT = Msg("Tovholderen for selvevalueringen", "The coordinator of the self-evaluation")

WRITTEN = Count(Msg("{n} mail er gemt i {folder}. Åbn den i Outlook, tjek den og klik Send.",
                    "{n} e-mail was saved in {folder}. Open it in Outlook, check it and click Send."),
                Msg("{n} mails er gemt i {folder}. Åbn dem i Outlook, tjek dem og klik Send.",
                    "{n} e-mails were saved in {folder}. Open them in Outlook, check them and click Send."))
WRITTEN_REMINDERS = Count(Msg("{n} påmindelse er gemt i {folder} (til den, der ikke har svaret endnu).",
                              "{n} reminder was saved in {folder} (to the one who has not replied yet)."),
                          Msg("{n} påmindelser er gemt i {folder} (til dem, der ikke har svaret endnu).",
                              "{n} reminders were saved in {folder} (to those who have not replied yet)."))
SENT = Msg("{sent} af {total} mails er sendt via {host}.", "{sent} of {total} e-mails were sent through {host}.")
REMINDER_SUFFIX = Msg(" - påmindelse", " - reminder")


# ---------------------------------------------------------------- round access
def load_round(root: str | Path) -> tuple[RoundSetup, list[Participant]]:
    """The round's setup and participants from its master (``master.load_round``)."""
    return master.load_round(Path(root))  # RoundNotFoundError with the one Danish message


def read_setup_keys(master_path: str | Path, workbook: Any = None) -> dict[str, Any]:
    """Key/value pairs of the master's setup sheet (key column A, value column C), via calamine;
    the sheet found as every master sheet is (codeName, then name: ``master.find_sheet_info``)."""
    with zipfile.ZipFile(master_path) as zf:
        infos, _ = master.workbook_sheets(zf)
    info = master.find_sheet_info(infos, "setup")
    if info is None:
        return {}
    wb = workbook or CalamineWorkbook.from_path(str(master_path))
    out: dict[str, Any] = {}
    for row in wb.get_sheet_by_name(info.name).to_python(skip_empty_area=False):
        if row and isinstance(row[0], str) and row[0].strip():
            out[row[0].strip()] = row[2] if len(row) > 2 else ""
    return out


# ---------------------------------------------------------------- scoring workbooks
def _workbook_identity(path: Path) -> dict[str, str]:
    """``participant_id`` / ``round_id`` of a generated scoring workbook (metadata sheet, else custom properties)."""
    meta: dict[str, str] = {}
    try:
        wb = CalamineWorkbook.from_path(str(path))
        if "_kik" in wb.sheet_names:
            for row in wb.get_sheet_by_name("_kik").to_python():
                if len(row) >= 2 and isinstance(row[0], str):
                    meta[row[0].strip()] = str(row[1]).strip()
    except Exception:  # noqa: BLE001 - an odd file in udsendt/ is simply not used
        pass
    if "participant_id" not in meta:
        try:
            with zipfile.ZipFile(path) as zf:
                xml = zf.read("docProps/custom.xml").decode("utf-8", "replace")
            for key in ("participant_id", "round_id"):
                m = re.search(rf'name="xl_kik_{key}"[^>]*>\s*<vt:lpwstr>([^<]*)<', xml)
                if m:
                    meta[key] = html.unescape(m.group(1))
        except (OSError, KeyError, zipfile.BadZipFile):
            pass
    return meta


def find_scoring_workbooks(outgoing: str | Path, round_id: str = "") -> dict[str, Path]:
    """Participant id -> the newest scoring workbook for this round in ``outgoing``."""
    outgoing = Path(outgoing)
    found: dict[str, Path] = {}
    if not outgoing.is_dir():
        return found
    for path in sorted(outgoing.iterdir()):
        if path.suffix.lower() not in (".xlsx", ".xlsm") or path.name.startswith(("~$", ".~")):
            continue
        meta = _workbook_identity(path)
        pid = meta.get("participant_id", "")
        if not pid or (round_id and meta.get("round_id", round_id) != round_id):
            continue
        if pid not in found or path.stat().st_mtime > found[pid].stat().st_mtime:
            found[pid] = path
    return found


# ---------------------------------------------------------------- messages
def _mime_of(path: Path) -> tuple[str, str]:
    return XLSM_MIME if path.suffix.lower() == ".xlsm" else XLSX_MIME


def build_message(setup: RoundSetup, participant: Participant, attachment: Path, *, lang: str = "da",
                  reminder: bool = False, sender: str = "", signature: str = "") -> EmailMessage:
    """One draft e-mail: plain text + HTML body, the scoring workbook attached."""
    deadline = format_date(setup.deadline, lang)
    params = {"unit": setup.unit, "deadline": deadline}
    if reminder:
        subject = (SUBJECT_REMINDER_DEADLINE if deadline else SUBJECT_REMINDER)(lang, **params)
    else:
        subject = (SUBJECT_DEADLINE if deadline else SUBJECT)(lang, **params)
    intro = (INTRO_REMINDER if reminder else INTRO)(lang, unit=setup.unit, file=attachment.name)
    paragraphs = [GREETING(lang, name=participant.name), intro]
    if deadline:
        paragraphs.append(DEADLINE_LINE(lang, deadline=deadline))
    steps = [s(lang) for s in STEPS]
    outro = (ANONYMOUS if setup.anonymise else NAMED)(lang)
    coordinator = " ".join(x for x in (setup.coordinator, f"({setup.coordinator_email})" if setup.coordinator_email
                                       else "") if x)
    sign = [SIGNOFF(lang), signature or coordinator or SIGNATURE_DEFAULT(lang)]

    text = "\n\n".join(paragraphs) + "\n\n" + HOWTO_TITLE(lang) + "\n"
    text += "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
    text += "\n\n" + outro + "\n\n" + "\n".join(sign) + "\n"
    e = html.escape
    body = "".join(f"<p>{e(p)}</p>\n" for p in paragraphs)
    body += f"<p><b>{e(HOWTO_TITLE(lang))}</b></p>\n<ol>\n"
    body += "".join(f"  <li>{e(s)}</li>\n" for s in steps) + "</ol>\n"
    body += f"<p>{e(outro)}</p>\n<p>{e(sign[0])}<br>\n{e(sign[1])}</p>\n"
    page = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"></head>\n'
            f'<body style="font-family: Calibri, Arial, sans-serif; font-size: 11pt">\n{body}</body></html>\n')

    msg = EmailMessage(policy=EML_POLICY)
    msg["Subject"] = subject
    if sender:
        msg["From"] = sender
    if participant.email:
        msg["To"] = formataddr((participant.name, participant.email))
    msg["X-Unsent"] = "1"  # Outlook opens the .eml as a draft ready to send
    msg["X-Mailer"] = "xl_kik"
    msg["X-KIK-Round"] = setup.round_id
    msg["X-KIK-Participant"] = participant.pid
    msg.set_content(text)
    msg.add_alternative(page, subtype="html")
    maintype, subtype = _mime_of(attachment)
    msg.add_attachment(attachment.read_bytes(), maintype=maintype, subtype=subtype, filename=attachment.name)
    # The file name goes into Content-Disposition as RFC 2231 (filename*=utf-8''...). No
    # Content-Type name= parameter: the stdlib would re-fold the long MIME type into
    # encoded words, which breaks it.
    return msg


@dataclass
class Invitation:
    participant: Participant
    message: EmailMessage
    path: Path


class InviteResult(list):
    """The written ``.eml`` paths (a list), plus what happened."""

    def __init__(self, paths: Iterable[Path] = (), *, folder: Path, reminder: bool = False):
        super().__init__(paths)
        self.folder = folder
        self.reminder = reminder
        self.invitations: list[Invitation] = []
        self.problems: list[Problem] = []
        self.sent: SendResult | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [i.message for i in self.invitations]

    def summary(self, lang: str = "da") -> str:
        m = WRITTEN_REMINDERS if self.reminder else WRITTEN
        lines = [m(lang, n=len(self), folder=self.folder)]
        if self.sent is not None:
            lines.append(self.sent.summary(lang))
        lines += [p.describe(lang) for p in self.problems]
        return "\n".join(lines)

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "reminder": self.reminder,
            "mails": [{"participant": i.participant.pid, "name": i.participant.name,
                       "to": i.participant.email, "file": str(i.path),
                       "subject": str(i.message["Subject"])} for i in self.invitations],
            "sent": self.sent.as_dict(lang) if self.sent is not None else None,
            "problems": [p.as_dict(lang) for p in self.problems],
        }


def write_invitations(root: str | Path, lang: str | None = None, reminder: bool = False, *,
                      send: bool = False, progress: Progress | None = None) -> InviteResult:
    """Write one draft e-mail per participant (reminders: only to those who have not returned).

    Returns the written ``.eml`` paths (an :class:`InviteResult`, which is a list). With
    ``send=True`` the messages are also sent through the SMTP server set up in the master;
    without SMTP settings a problem says so and the ``.eml`` files are still there.
    """
    root = Path(root)
    setup, participants = load_round(root)
    lang = lang or setup.lang or "da"
    paths = RoundPaths(root)
    folder = root / MAILS_DIR
    result = InviteResult(folder=folder, reminder=reminder)
    settings = None
    settings_error: MailError | None = None
    try:
        settings = smtp_settings(root, lang)
    except MailError as exc:  # wrong smtp fields: the drafts are still written
        settings_error = exc
    if reminder:
        collection = read_returns(root, setup, participants, lang)
        missing = {p.pid for p in collection.missing}
        participants = [p for p in participants if p.pid in missing]
        if not participants:
            result.problems.append(M_NOTHING_MISSING())
    workbooks = find_scoring_workbooks(paths.outgoing, setup.round_id)
    suffix = REMINDER_SUFFIX(lang) if reminder else ""
    names = unique_names([p.name + suffix for p in participants], ".eml")
    folder.mkdir(parents=True, exist_ok=True)
    total = len(participants)
    for i, (participant, name) in enumerate(zip(participants, names), 1):
        workbook = workbooks.get(participant.pid)
        if workbook is None:
            result.problems.append(M_NO_WORKBOOK(name=participant.name, folder=paths.outgoing,
                                                 file=participant.name))
        else:
            if not participant.email:
                result.problems.append(M_NO_EMAIL(name=participant.name, file=name))
            msg = build_message(setup, participant, workbook, lang=lang, reminder=reminder,
                                sender=settings.sender if settings else "")
            target = folder / name
            atomic.write_bytes(target, msg.as_bytes(policy=EML_POLICY), lang=lang)
            result.append(target)
            result.invitations.append(Invitation(participant, msg, target))
        if progress:
            progress(i, total)
    if send:
        if settings_error is not None:
            result.problems.extend(settings_error.problems)
        elif settings is None:
            result.problems.append(M_SMTP_SETTINGS(reason=_NO_HOST(lang), folder=folder))
        else:
            result.sent = send_messages(result.messages, settings, lang=lang, folder=folder)
            result.problems.extend(result.sent.problems)
    return result


# ---------------------------------------------------------------- SMTP
_NO_HOST = Msg("Feltet smtp_host er tomt.", "The smtp_host field is empty.")
_NO_SENDER = Msg("Feltet smtp_sender (afsenderens e-mailadresse) er tomt.",
                 "The smtp_sender field (the sender's e-mail address) is empty.")
_BAD_PORT = Msg("smtp_port skal være et tal (fx 587), ikke {value!r}.", "smtp_port must be a number (e.g. 587), not {value!r}.")
_BAD_TLS = Msg("smtp_tls skal være starttls, ssl eller ingen, ikke {value!r}.",
               "smtp_tls must be starttls, ssl or none, not {value!r}.")
_NO_RECIPIENT = Msg("mailen har ingen modtager", "the e-mail has no recipient")

_TLS_WORDS = {"starttls": "starttls", "ja": "starttls", "yes": "starttls", "true": "starttls", "1": "starttls",
              "tls": "starttls", "ssl": "ssl", "smtps": "ssl", "ingen": "none", "nej": "none", "no": "none",
              "none": "none", "false": "none", "0": "none"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 587
    user: str = ""
    tls: str = "starttls"  # starttls | ssl | none
    password_env: str = DEFAULT_PASSWORD_ENV

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.user else ""


def settings_from_keys(keys: dict[str, Any], lang: str = "da") -> SmtpSettings | None:
    """SMTP settings from setup keys; ``None`` when ``smtp_host`` is blank. Raises MailError when wrong."""
    host = clean_text(keys.get("smtp_host"))
    if not host:
        return None
    reasons = []
    sender = clean_text(keys.get("smtp_sender"))
    if not sender:
        reasons.append(_NO_SENDER(lang))
    port_text = clean_text(keys.get("smtp_port"))
    tls_text = clean_text(keys.get("smtp_tls")).lower()
    tls = _TLS_WORDS.get(tls_text) if tls_text else None
    if tls_text and tls is None:
        reasons.append(_BAD_TLS(lang, value=tls_text))
    port = 0
    if port_text:
        try:
            port = int(port_text)
        except ValueError:
            reasons.append(_BAD_PORT(lang, value=port_text))
    tls = tls or ("ssl" if port == 465 else "none" if port == 25 else "starttls")
    port = port or {"ssl": 465, "starttls": 587}.get(tls, 25)
    if reasons:
        problem = M_SMTP_SETTINGS(reason=" ".join(reasons), folder=MAILS_DIR, file=MASTER_NAME)
        raise MailError(problem.message(lang), [problem], lang)
    return SmtpSettings(host=host, sender=sender, port=port, user=clean_text(keys.get("smtp_user")), tls=tls,
                        password_env=clean_text(keys.get("smtp_password_env")) or DEFAULT_PASSWORD_ENV)


def smtp_settings(root: str | Path, lang: str = "da") -> SmtpSettings | None:
    """The round's SMTP settings from the master's setup sheet, or ``None`` (write ``.eml`` only)."""
    return settings_from_keys(read_setup_keys(Path(root) / MASTER_NAME), lang)


@dataclass
class SendResult:
    host: str
    total: int = 0
    sent: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def summary(self, lang: str = "da") -> str:
        lines = [SENT(lang, sent=len(self.sent), total=self.total, host=self.host)]
        return "\n".join(lines + [p.describe(lang) for p in self.problems])

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {"host": self.host, "total": self.total, "sent": list(self.sent),
                "problems": [p.as_dict(lang) for p in self.problems]}


def _as_message(item: EmailMessage | str | Path) -> EmailMessage:
    if isinstance(item, EmailMessage):
        return item
    with open(item, "rb") as fh:
        return BytesParser(policy=EML_POLICY).parse(fh)  # type: ignore[return-value]


def send_messages(messages: Iterable[EmailMessage | str | Path], settings: SmtpSettings, *, lang: str = "da",
                  folder: str | Path = MAILS_DIR, context: ssl.SSLContext | None = None,
                  progress: Progress | None = None, timeout: float = SMTP_TIMEOUT) -> SendResult:
    """Send draft messages (objects or ``.eml`` paths) through one SMTP connection.

    ``X-Unsent`` is removed, ``From``, ``Date`` and ``Message-ID`` are set. A message that the
    server refuses is a problem for that recipient only; a failed connection or login stops
    everything before anything was sent.
    """
    items = [_as_message(m) for m in messages]
    result = SendResult(settings.host, total=len(items))
    password = settings.password()
    if password is None:
        result.problems.append(M_NO_PASSWORD(env=settings.password_env))
        return result
    context = context or ssl.create_default_context()
    where = {"host": settings.host, "port": settings.port, "folder": folder}
    try:
        if settings.tls == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        result.problems.append(M_SMTP_FAILED(reason=_reason(exc), **where))
        return result
    try:
        try:
            server.ehlo()
            if settings.tls == "starttls":
                server.starttls(context=context)
                server.ehlo()
            if settings.user:
                _login(server, settings.user, password or "")
        except (OSError, smtplib.SMTPException, UnicodeError) as exc:
            result.problems.append(M_SMTP_FAILED(reason=_reason(exc), **where))
            return result
        for i, msg in enumerate(items, 1):
            to = str(msg.get("To", "") or "")
            if not to.strip():
                result.problems.append(M_SEND_FAILED(to=str(msg.get("Subject", "?")), reason=_NO_RECIPIENT(lang)))
            else:
                out = _prepare_for_sending(msg, settings.sender)
                try:
                    refused = server.send_message(out)
                except smtplib.SMTPServerDisconnected as exc:
                    result.problems.append(M_SMTP_FAILED(reason=_reason(exc), **where))
                    break
                except (OSError, smtplib.SMTPException) as exc:
                    result.problems.append(M_SEND_FAILED(to=to, reason=_reason(exc)))
                else:
                    if refused:
                        result.problems.append(M_SEND_FAILED(to=to, reason=_reason(refused)))
                    else:
                        result.sent.append(to)
            if progress:
                progress(i, len(items))
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return result


def send(messages: Iterable[EmailMessage | str | Path], settings: SmtpSettings | None, **kwargs: Any) -> SendResult:
    """Send messages with ``settings``; without settings nothing is sent and a problem says why."""
    if settings is None:
        lang = kwargs.get("lang", "da")
        result = SendResult("", total=len(list(messages)))
        result.problems.append(M_SMTP_SETTINGS(reason=_NO_HOST(lang), folder=kwargs.get("folder", MAILS_DIR)))
        return result
    return send_messages(messages, settings, **kwargs)


def _login(server: smtplib.SMTP, user: str, password: str) -> None:
    """``SMTP.login``; for non-ASCII credentials (æøå in a password) AUTH PLAIN in UTF-8 (RFC 4616),
    which smtplib cannot do itself."""
    if (user + password).isascii():
        server.login(user, password)
        return
    if not server.has_extn("auth") or "PLAIN" not in server.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPException("the server does not offer AUTH PLAIN for a non-ASCII password")
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, resp = server.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, resp)


def _prepare_for_sending(msg: EmailMessage, sender: str) -> EmailMessage:
    out = BytesParser(policy=EML_POLICY).parsebytes(msg.as_bytes(policy=EML_POLICY))
    del out["X-Unsent"]
    if sender:
        del out["From"]
        out["From"] = sender
    if "Date" not in out:
        out["Date"] = format_datetime(dt.datetime.now().astimezone())
    if "Message-ID" not in out:
        domain = sender.rpartition("@")[2] or None
        out["Message-ID"] = make_msgid("xl_kik", domain=domain)
    return out  # type: ignore[return-value]


def _reason(exc: Any) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, dict):  # refused recipients
        return "; ".join(f"{k}: {v[0]} {v[1].decode('utf-8', 'replace') if isinstance(v[1], bytes) else v[1]}"
                         for k, v in exc.items())
    if isinstance(exc, BaseException):
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return str(exc)


def read_eml(path: str | Path) -> EmailMessage:
    """Parse a saved ``.eml`` (used by tests and by ``send`` for paths)."""
    return _as_message(Path(path))


__all__ = [
    "InviteResult", "Invitation", "MailError", "SendResult", "SmtpSettings", "build_message",
    "find_scoring_workbooks", "format_date", "load_round", "read_setup_keys", "send", "send_messages",
    "settings_from_keys", "smtp_settings", "write_invitations",
]

