"""Collect returned workbooks from saved e-mails into ``ROUND/retur/``.

A coordinator drags the participants' replies from Outlook into a folder (Outlook saves
``.msg``; other mail programs save ``.eml``). :func:`collect_from_mail` reads every saved
e-mail there and copies the attachments that look like spreadsheets into the round's
returns folder, where the merge judges them. E-mail is untrusted input:

* attachment names are sanitised (no folders, ``..``, drive letters, NUL, reserved device
  names; :func:`xl_kik.core.filenames.safe_stem`), and the final path must lie in ``retur/``;
* nothing is overwritten: a taken name gets `` (2)``, `` (3)`` ...; files are created
  exclusively;
* an attachment whose content (sha256) is already in ``retur/`` is not saved again;
* attachments over 20 MB and saved e-mails over 100 MB are skipped;
* a forwarded message (``message/rfc822``, an attached ``.eml`` or an embedded Outlook
  message) is opened one level deep;
* a zip attachment (a compressed folder: some mail programs hold back ``.xlsx``) is opened one
  level deep too: the spreadsheets in it are saved as if attached (by content, read through a
  bounded stream, together at most 20 MB and :data:`MAX_ZIPPED` files); a zip in the zip is not
  opened.

``.eml`` is parsed with the standard library (``policy.default``); ``.msg`` (MS-OXMSG, a
compound file) with olefile: attachments are the storages ``__attach_version1.0_#XXXXXXXX``
with the data in ``__substg1.0_37010102`` and the long file name in ``__substg1.0_3707001F``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, parsedate_to_datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Callable, Iterator

from xl_kik.core.i18n import Msg
from xl_kik.core.vocabulary import button
from xl_kik.core.errors import KikFileError
from xl_kik.core.filenames import SPREADSHEET_SUFFIXES, safe_stem
from xl_kik.excel.zipparts import member_name
from xl_kik.steps.invite import (
    M_BAD_MAIL,
    M_DUPLICATE,
    M_FOLDER_MISSING,
    M_MAIL_TOO_LARGE,
    M_NESTED_TOO_DEEP,
    M_NO_MAILS,
    M_NO_SPREADSHEET,
    M_TOO_LARGE,
)
from xl_kik.core.problems import Problem
from xl_kik.core.round import RETURNS_DIR

Progress = Callable[[int, int], None]

MAX_ATTACHMENT = 20 * 1024 * 1024
MAX_MAIL_FILE = 100 * 1024 * 1024
MAIL_SUFFIXES = (".eml", ".msg")
SPREADSHEET_MIME = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel.sheet.binary.macroenabled.12": ".xlsb",
    "application/vnd.ms-excel": ".xls",
    "application/msexcel": ".xls",
    "application/x-msexcel": ".xls",
    "application/x-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
#: spreadsheets taken from one zip attachment at most (together at most MAX_ATTACHMENT bytes),
#: and the members a zip may have to be looked at
MAX_ZIPPED, MAX_ZIP_MEMBERS = 20, 1000

# outcome of one attachment
SAVED, DUPLICATE, TOO_LARGE, IGNORED, NESTED_TOO_DEEP = "saved", "duplicate", "too_large", "ignored", "nested_too_deep"
UNZIPPED = "unzipped"  # a zip attachment whose spreadsheets follow it (their ``via``: its name)

STATUS_TEXT = {
    SAVED: Msg("gemt som {saved_as}", "saved as {saved_as}"),
    DUPLICATE: Msg("findes allerede ({existing})", "already there ({existing})"),
    TOO_LARGE: Msg("for stor ({size_mb} MB)", "too large ({size_mb} MB)"),
    IGNORED: Msg("ikke et regneark", "not a spreadsheet"),
    NESTED_TOO_DEEP: Msg("videresendt for mange gange", "forwarded too many times"),
    UNZIPPED: Msg("komprimeret mappe (zip), pakket ud", "compressed folder (zip), extracted"),
}
RENAMED = Msg(" (navnet er gjort sikkert)", " (the name was made safe)")
SUMMARY = Msg("{mails} mails læst: {saved} regneark gemt i {folder}, {duplicates} fandtes allerede, {skipped} sprunget over.",
              "{mails} e-mails read: {saved} spreadsheets saved in {folder}, {duplicates} already there, {skipped} skipped.")
MAIL_LINE = Msg("{file}: fra {sender}, emne {subject!r}, {date}", "{file}: from {sender}, subject {subject!r}, {date}")
NO_DATE = Msg("uden dato", "no date")
NEXT = Msg(f"Næste skridt: flet besvarelserne (knappen {button('KikMerge', 'da')} eller xl-kik merge).",
           f"Next: merge the returns (the {button('KikMerge', 'en')} button or xl-kik merge).")


class CollectError(KikFileError):
    """The folder with saved e-mails cannot be read at all."""


# ---------------------------------------------------------------- report
@dataclass
class AttachmentOutcome:
    name: str  # as the e-mail names it
    status: str  # saved / duplicate / too_large / ignored / nested_too_deep / unzipped
    size: int = 0
    saved_as: str = ""  # file name in retur/
    existing: str = ""  # for duplicates: the file already there
    sha256: str = ""
    renamed: bool = False  # the saved name differs from the given name (made safe or numbered)
    via: str = ""  # the forwarded message it came from, if any

    def describe(self, lang: str = "da") -> str:
        text = STATUS_TEXT[self.status](lang, saved_as=self.saved_as, existing=self.existing,
                                        size_mb=_mb(self.size))
        if self.status == SAVED and self.renamed:
            text += RENAMED(lang)
        return f"{self.name or '?'}: {text}"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "size": self.size, "saved_as": self.saved_as,
                "existing": self.existing, "sha256": self.sha256, "renamed": self.renamed, "via": self.via}


@dataclass
class MailEntry:
    file: str
    sender: str = ""
    subject: str = ""
    date: str = ""  # ISO 8601 if known
    attachments: list[AttachmentOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def saved(self) -> list[AttachmentOutcome]:
        return [a for a in self.attachments if a.status == SAVED]

    def describe(self, lang: str = "da") -> str:
        lines = [MAIL_LINE(lang, file=self.file, sender=self.sender or "?", subject=self.subject,
                           date=self.date or NO_DATE(lang))]
        lines += ["  - " + a.describe(lang) for a in self.attachments if a.status != IGNORED]
        ignored = [a.name for a in self.attachments if a.status == IGNORED]
        if ignored:
            lines.append("  - " + Msg("ignoreret (ikke regneark): {names}",
                                      "ignored (not spreadsheets): {names}")(lang, names=", ".join(ignored)))
        lines += ["  " + p.describe(lang) for p in self.problems]
        return "\n".join(lines)

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {"file": self.file, "sender": self.sender, "subject": self.subject, "date": self.date,
                "attachments": [a.as_dict() for a in self.attachments],
                "problems": [p.as_dict(lang) for p in self.problems]}


@dataclass
class CollectReport:
    folder: Path
    returns_dir: Path
    mails: list[MailEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # folder-level problems

    @property
    def saved(self) -> list[Path]:
        return [self.returns_dir / a.saved_as for m in self.mails for a in m.saved]

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for m in self.mails for p in m.problems]

    def _count(self, status: str) -> int:
        return sum(1 for m in self.mails for a in m.attachments if a.status == status)

    def summary(self, lang: str = "da") -> str:
        skipped = self._count(TOO_LARGE) + self._count(NESTED_TOO_DEEP)
        lines = [SUMMARY(lang, mails=len(self.mails), saved=self._count(SAVED), folder=self.returns_dir,
                         duplicates=self._count(DUPLICATE), skipped=skipped)]
        lines += [m.describe(lang) for m in self.mails]
        lines += [p.describe(lang) for p in self.problems]
        if self._count(SAVED):
            lines.append(NEXT(lang))
        return "\n".join(lines)

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {"folder": str(self.folder), "returns_dir": str(self.returns_dir),
                "saved": [str(p) for p in self.saved],
                "counts": {s: self._count(s)
                           for s in (SAVED, DUPLICATE, TOO_LARGE, IGNORED, NESTED_TOO_DEEP, UNZIPPED)},
                "mails": [m.as_dict(lang) for m in self.mails],
                "problems": [p.as_dict(lang) for p in self.all_problems]}


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


# ---------------------------------------------------------------- raw attachments
@dataclass
class _Attachment:
    name: str
    mime: str
    size: int
    data: Callable[[], bytes]  # read lazily: only when the size is acceptable
    via: str = ""


@dataclass
class _Mail:
    sender: str = ""
    subject: str = ""
    date: str = ""
    attachments: list[_Attachment] = field(default_factory=list)
    nested: list[tuple[str, "_Mail | None"]] = field(default_factory=list)  # (name, parsed or None if too deep)


def _is_mail_name(name: str, mime: str = "") -> bool:
    return name.lower().endswith(MAIL_SUFFIXES) or mime.lower() in ("message/rfc822", "application/vnd.ms-outlook")


# -- .eml
def _parse_eml(data: bytes, depth: int) -> _Mail:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    return _from_email(msg, depth)


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
        return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""
    except Exception:  # noqa: BLE001 - a malformed header never stops the collection
        raw = msg.get_all(name, failobj=[""])  # type: ignore[arg-type]
        return re.sub(r"\s+", " ", str(raw[0] if raw else "")).strip()


def _eml_date(msg: Message) -> str:
    raw = _header(msg, "Date")
    if not raw:
        return ""
    try:
        return parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError, IndexError):
        return raw


def _leaves(msg: Message) -> Iterator[Message]:
    """The non-multipart parts of ``msg``; a ``message/rfc822`` part is one leaf (not entered)."""
    if msg.get_content_type() == "message/rfc822" or not msg.is_multipart():
        yield msg
        return
    payload = msg.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            yield from _leaves(sub)


def _from_email(msg: Message, depth: int) -> _Mail:
    mail = _Mail(sender=_header(msg, "From"), subject=_header(msg, "Subject"), date=_eml_date(msg))
    parts = list(_leaves(msg)) if msg.is_multipart() else []
    for part in parts:
        ctype = part.get_content_type()
        filename = _part_filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            name = filename or (_header(inner_msg, "Subject") if inner_msg is not None else "") or "message.eml"
            _add_nested(mail, name, depth,
                        lambda m=inner_msg: _from_email(m, depth + 1) if m is not None else _Mail())
            continue
        if part.get_content_maintype() == "text" and not filename and disposition != "attachment":
            continue  # the body
        if not filename and disposition != "attachment" and ctype not in SPREADSHEET_MIME:
            continue  # inline images without a name etc.
        payload_size = _encoded_size(part)
        if _is_mail_name(filename, ctype):
            if payload_size > MAX_MAIL_FILE:
                mail.attachments.append(_Attachment(filename, ctype, payload_size, lambda: b""))
                continue
            data = _decoded(part)
            _add_nested(mail, filename, depth, lambda d=data: _parse_any(d, depth + 1))
            continue
        mail.attachments.append(_Attachment(filename, ctype, payload_size, lambda p=part: _decoded(p)))
    return mail


def _part_filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001 - broken RFC 2231 parameters
        name = ""
    if not name:
        try:
            name = part.get_param("name") or ""  # type: ignore[assignment]
            if isinstance(name, tuple):  # RFC 2231 (charset, lang, value)
                name = collapse_rfc2231_value(name)
        except Exception:  # noqa: BLE001
            name = ""
    return str(name).strip()


def _encoded_size(part: Message) -> int:
    """Decoded size estimate without decoding (base64: 3/4 of the encoded length)."""
    raw = part.get_payload(decode=False)
    if not isinstance(raw, str):
        return 0
    cte = str(part.get("Content-Transfer-Encoding", "")).lower()
    if "base64" in cte:
        return len(re.sub(r"\s", "", raw)) * 3 // 4
    return len(raw)


def _decoded(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _add_nested(mail: _Mail, name: str, depth: int, parse: Callable[[], _Mail]) -> None:
    if depth >= 1:
        mail.nested.append((name, None))
        return
    try:
        mail.nested.append((name, parse()))
    except Exception:  # noqa: BLE001 - an unreadable forwarded message is reported as too deep/unreadable
        mail.nested.append((name, _Mail(subject=name)))


def _parse_any(data: bytes, depth: int) -> _Mail:
    if data.startswith(OLE_MAGIC):
        return _parse_msg(data, depth)
    return _parse_eml(data, depth)


# -- .msg (MS-OXMSG)
_ATTACH_RE = re.compile(r"^__attach_version1\.0_#[0-9A-Fa-f]{8}$")
_PT_UNICODE, _PT_STRING8, _PT_BINARY, _PT_SYSTIME = 0x001F, 0x001E, 0x0102, 0x0040


def _parse_msg(data: bytes, depth: int) -> _Mail:
    import olefile  # lazy: only Outlook .msg files need it (an optional dependency)

    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        return _msg_from_storage(ole, [], depth, top=True)
    finally:
        ole.close()


def _ole_string(ole: Any, base: list[str], prop: str) -> str:
    for typ, enc in (("001F", "utf-16-le"), ("001E", "cp1252")):
        path = base + [f"__substg1.0_{prop}{typ}"]
        if ole.exists("/".join(path)):
            size = ole.get_size("/".join(path))
            if size > 1_000_000:
                return ""
            raw = ole.openstream(path).read()
            return raw.decode(enc, "replace").rstrip("\x00").strip()
    return ""


def _msg_time(ole: Any, base: list[str], top: bool) -> str:
    path = base + ["__properties_version1.0"]
    if not ole.exists("/".join(path)):
        return ""
    raw = ole.openstream(path).read(1_000_000)
    header = 32 if top else 24
    found: dict[int, int] = {}
    for off in range(header, len(raw) - 15, 16):
        tag, _flags, value = struct.unpack_from("<IIQ", raw, off)
        if tag & 0xFFFF == _PT_SYSTIME:
            found[tag >> 16] = value
    for prop_id in (0x0E06, 0x0039, 0x3007):  # delivery time, client submit time, creation time
        value = found.get(prop_id)
        if value:
            try:
                stamp = dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=value // 10)
                return stamp.isoformat()
            except OverflowError:
                continue
    return ""


def _msg_from_storage(ole: Any, base: list[str], depth: int, top: bool = False) -> _Mail:
    name = _ole_string(ole, base, "0C1A")  # sender name
    address = _ole_string(ole, base, "5D01") or _ole_string(ole, base, "0C1F") or _ole_string(ole, base, "0065")
    sender = f"{name} <{address}>" if name and address and name != address else (address or name)
    mail = _Mail(sender=sender, subject=_ole_string(ole, base, "0037"), date=_msg_time(ole, base, top))
    storages = set()
    for entry in ole.listdir(streams=True, storages=True):
        if entry[: len(base)] == base and len(entry) > len(base) and _ATTACH_RE.match(entry[len(base)]):
            storages.add(entry[len(base)])
    for storage in sorted(storages):
        apath = base + [storage]
        aname = (_ole_string(ole, apath, "3707") or _ole_string(ole, apath, "3704")
                 or _ole_string(ole, apath, "3001"))
        mime = _ole_string(ole, apath, "370E").lower()
        embedded = apath + ["__substg1.0_3701000D"]
        if ole.exists("/".join(embedded)):
            title = aname or _ole_string(ole, embedded, "0037") or "message.msg"
            _add_nested(mail, title, depth, lambda e=embedded: _msg_from_storage(ole, e, depth + 1))
            continue
        dpath = "/".join(apath + ["__substg1.0_37010102"])
        if not ole.exists(dpath):
            continue
        size = ole.get_size(dpath)
        if _is_mail_name(aname, mime):
            if size > MAX_MAIL_FILE:
                mail.attachments.append(_Attachment(aname, mime, size, lambda: b""))
                continue
            raw = ole.openstream(dpath).read()
            _add_nested(mail, aname, depth, lambda d=raw: _parse_any(d, depth + 1))
            continue
        mail.attachments.append(_Attachment(aname, mime, size, lambda p=dpath: ole.openstream(p).read()))
    return mail


# ---------------------------------------------------------------- deciding and saving
def _sniff_suffix(data: bytes) -> str:
    """A spreadsheet suffix from the content, or "" when it does not look like one."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "xl/workbook.xml" in names:
                    return ".xlsx"
                if "xl/workbook.bin" in names:
                    return ".xlsb"
                if "mimetype" in names and zf.getinfo("mimetype").file_size < 200 and \
                        zf.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet":
                    return ".ods"
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
            return ""
    if data.startswith(OLE_MAGIC):
        try:
            import olefile  # lazy: only Outlook .msg files need it (an optional dependency)

            with olefile.OleFileIO(io.BytesIO(data)) as ole:
                if ole.exists("Workbook") or ole.exists("Book"):
                    return ".xls"
        except Exception:  # noqa: BLE001 - not a readable compound file
            return ""
    return ""


def _zipped_spreadsheets(data: bytes) -> list[tuple[str, bytes]]:
    """The spreadsheets in a zip archive that is no spreadsheet itself, as (name as its maker
    wrote it, bytes), in the zip's order: members with a spreadsheet name whose content is one
    (:func:`_sniff_suffix`), read through streams stopped at what is left of MAX_ATTACHMENT (a
    bomb's declared sizes are not trusted: all of them together are at most one attachment),
    at most MAX_ZIPPED; [] for anything unreadable."""
    if not data.startswith(b"PK\x03\x04"):
        return []
    out: list[tuple[str, bytes]] = []
    left = MAX_ATTACHMENT
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS or any(i.filename in ("[Content_Types].xml", "mimetype") for i in infos):
                return []  # an office document (a Word file's embedded sheets are no returns), not a folder
            for info in infos:
                if info.is_dir() or _bare_name(member_name(info))[1] not in SPREADSHEET_SUFFIXES or \
                        info.file_size > left:
                    continue
                with zf.open(info) as fh:
                    blob = fh.read(left + 1)
                if len(blob) > left:
                    continue  # more than it declared: not taken (its check fails at the end anyway)
                if _sniff_suffix(blob):
                    out.append((member_name(info), blob))
                    left -= len(blob)
                    if len(out) == MAX_ZIPPED:
                        break
    except Exception:  # noqa: BLE001 - a damaged or encrypted zip, a bad member: nothing taken from it
        return []
    return out


def _claimed_suffix(name: str, mime: str) -> str:
    suffix = _bare_name(name)[1]
    if suffix in SPREADSHEET_SUFFIXES:
        return suffix
    return SPREADSHEET_MIME.get(mime.lower().split(";")[0].strip(), "")


def _bare_name(name: str) -> tuple[str, str]:
    """(stem, lower-case suffix) of an attachment name with every folder part removed."""
    text = (name or "").replace("\x00", "")
    text = PureWindowsPath(text).name  # strips C:\..., \\server\..., and both slash kinds
    text = PurePosixPath(text.replace("\\", "/")).name
    text = text.strip()
    if "." in text:
        stem, _, ext = text.rpartition(".")
        return stem.strip(" ."), "." + ext.strip().lower()
    return text.strip(" ."), ""


def safe_attachment_name(name: str, suffix: str) -> str:
    """A safe file name for an attachment: no folders, no reserved names, a spreadsheet suffix."""
    stem, own = _bare_name(name)
    if own != suffix and own not in SPREADSHEET_SUFFIXES:
        stem = f"{stem}.{own.lstrip('.')}" if own else stem
    stem = safe_stem(stem, fallback="retur")
    return f"{stem}{suffix}"


def _free_path(folder: Path, name: str) -> Path:
    stem, suffix = name[: -len(Path(name).suffix) or None], Path(name).suffix
    taken = {p.name.lower() for p in folder.iterdir()}
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate = f"{stem} ({n}){suffix}"
        n += 1
    return folder / candidate


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Create a new file (never overwrite), numbering the name when it is taken."""
    for _ in range(1000):
        target = _free_path(folder, name)
        if target.resolve().parent != folder.resolve():  # belt and braces: never outside retur/
            raise ValueError(f"unsafe attachment path {target}")
        try:
            with open(target, "xb") as fh:
                fh.write(data)
            return target
        except FileExistsError:  # created meanwhile: try the next number
            continue
    raise OSError(f"no free file name for {name} in {folder}")


class _Store:
    """``retur/`` with the sha256 of every file already there."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.hashes: dict[str, str] = {}
        for p in sorted(folder.iterdir()):
            if p.is_file() and not p.name.startswith(("~$", ".~")):
                try:
                    if p.stat().st_size <= 4 * MAX_ATTACHMENT:
                        self.hashes.setdefault(hashlib.sha256(p.read_bytes()).hexdigest(), p.name)
                except OSError:
                    continue

    def put(self, att: _Attachment, file: str, entry: MailEntry, *, unzip: bool = True) -> None:
        """Save one attachment into retur/ (or say why not); a zip attachment's spreadsheets
        are saved after it when ``unzip`` (:func:`_zipped_spreadsheets`)."""
        out = AttachmentOutcome(name=att.name, status=IGNORED, size=att.size, via=att.via)
        entry.attachments.append(out)
        claimed = _claimed_suffix(att.name, att.mime)
        if att.size > MAX_ATTACHMENT:
            if claimed or not att.name:
                out.status = TOO_LARGE
                entry.problems.append(M_TOO_LARGE(file=file, name=att.name or "?", size_mb=_mb(att.size),
                                                  limit_mb=MAX_ATTACHMENT // 1024 // 1024))
            return
        data = att.data()
        out.size = len(data)
        if len(data) > MAX_ATTACHMENT:
            out.status = TOO_LARGE
            entry.problems.append(M_TOO_LARGE(file=file, name=att.name or "?", size_mb=_mb(len(data)),
                                              limit_mb=MAX_ATTACHMENT // 1024 // 1024))
            return
        suffix = claimed or _sniff_suffix(data)
        if not suffix:
            zipped = _zipped_spreadsheets(data) if unzip else []
            if zipped:
                out.status = UNZIPPED
                for name, blob in zipped:  # a zip in the zip is not opened
                    self.put(_Attachment(name, "", len(blob), lambda b=blob: b, via=att.name or "?"), file, entry,
                             unzip=False)
            return
        digest = hashlib.sha256(data).hexdigest()
        out.sha256 = digest
        if digest in self.hashes:
            out.status, out.existing = DUPLICATE, self.hashes[digest]
            entry.problems.append(M_DUPLICATE(file=file, name=att.name or "?", existing=out.existing))
            return
        wanted = safe_attachment_name(att.name or "retur", suffix)
        target = _write_new(self.folder, wanted, data)
        self.hashes[digest] = target.name
        out.status, out.saved_as = SAVED, target.name
        out.renamed = target.name != att.name


def _flatten(mail: _Mail, file: str, entry: MailEntry) -> list[_Attachment]:
    atts = list(mail.attachments)
    for name, inner in mail.nested:
        if inner is None:
            entry.attachments.append(AttachmentOutcome(name=name, status=NESTED_TOO_DEEP))
            entry.problems.append(M_NESTED_TOO_DEEP(file=file))
            continue
        for att in inner.attachments:
            att.via = name
            atts.append(att)
        for inner_name, _ in inner.nested:  # a third level is never opened
            entry.attachments.append(AttachmentOutcome(name=inner_name, status=NESTED_TOO_DEEP, via=name))
            entry.problems.append(M_NESTED_TOO_DEEP(file=file))
    return atts


def _mail_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in MAIL_SUFFIXES),
                  key=lambda p: p.name.lower())


def collect_from_mail(root: str | Path, folder: str | Path, lang: str | None = None, *,
                      progress: Progress | None = None) -> CollectReport:
    """Copy spreadsheet attachments of the saved e-mails in ``folder`` into ``root/retur/``.

    ``folder`` may also be a single ``.eml`` / ``.msg`` file. Nothing in ``retur/`` is ever
    overwritten; the report says, per e-mail, what was saved, skipped and why.
    """
    root, folder = Path(root), Path(folder)
    lang = lang or "da"
    report = CollectReport(folder=folder, returns_dir=root / RETURNS_DIR)
    if not folder.exists():
        problem = M_FOLDER_MISSING(folder=folder)
        raise CollectError(problem.message(lang), [problem], lang)
    files = _mail_files(folder)
    if not files:
        report.problems.append(M_NO_MAILS(folder=folder))
        return report
    store = _Store(report.returns_dir)
    for i, path in enumerate(files, 1):
        entry = MailEntry(file=path.name)
        report.mails.append(entry)
        try:
            size = path.stat().st_size
            if size > MAX_MAIL_FILE:
                entry.problems.append(M_MAIL_TOO_LARGE(file=path.name, size_mb=_mb(size),
                                                       limit_mb=MAX_MAIL_FILE // 1024 // 1024))
                continue
            data = path.read_bytes()
            if path.suffix.lower() == ".msg" and not data.startswith(OLE_MAGIC):
                raise ValueError(Msg("ikke en Outlook-mail (.msg)", "not an Outlook message (.msg)")(lang))
            mail = _parse_any(data, 0)
            entry.sender, entry.subject, entry.date = mail.sender, mail.subject, mail.date
            for att in _flatten(mail, path.name, entry):
                store.put(att, path.name, entry)
            if not any(a.status != IGNORED for a in entry.attachments):
                entry.problems.append(M_NO_SPREADSHEET(file=path.name, sender=entry.sender or "?"))
        except Exception as exc:  # noqa: BLE001 - one bad e-mail never stops the others
            entry.problems.append(M_BAD_MAIL(file=path.name, reason=f"{type(exc).__name__}: {exc}"))
        finally:
            if progress:
                progress(i, len(files))
    return report


def iter_attachment_names(path: str | Path) -> Iterator[str]:
    """Names of all attachments of one saved e-mail (diagnostics; one nesting level)."""
    mail = _parse_any(Path(path).read_bytes(), 0)
    for att in mail.attachments:
        yield att.name
    for _, inner in mail.nested:
        if inner is not None:
            yield from (a.name for a in inner.attachments)


__all__ = ["AttachmentOutcome", "CollectError", "CollectReport", "MailEntry", "collect_from_mail",
           "safe_attachment_name", "MAX_ATTACHMENT"]
