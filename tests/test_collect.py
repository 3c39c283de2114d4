"""Collecting returned workbooks from saved e-mails (.eml and Outlook .msg) into retur/."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import string
import struct
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from bad_returns import zip_with_raw_names
from xl_kik.steps import collect
from xl_kik.excel.vba.cfb import write_cfb

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def workbook_bytes(text: str = "svar") -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})  # same text -> same bytes
    wb.add_worksheet("Evaluering").write(0, 0, text)
    wb.close()
    return buf.getvalue()


def eml(path: Path, attachments=(), *, sender="Åse Ørnø <aase@x.dk>", subject="SV: Selvevaluering",
        nested: EmailMessage | None = None, date=dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc)) -> Path:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "kik@kommune.dk"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg.set_content("Hej, her er mit skema.\n")
    for name, data, mime in attachments:
        maintype, subtype = mime
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if nested is not None:
        msg.add_attachment(nested)  # message/rfc822
    path.write_bytes(bytes(msg))
    return path


def inner_message(attachments, subject="Mit skema") -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Bo <bo@x.dk>"
    m["Subject"] = subject
    m.set_content("videresendt")
    for name, data, mime in attachments:
        m.add_attachment(data, maintype=mime[0], subtype=mime[1], filename=name)
    return m


# ---------------------------------------------------------------- a minimal .msg writer (test only)
def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\x00\x00"


def _props(header_len: int, times: dict[int, dt.datetime] | None = None) -> bytes:
    out = b"\x00" * header_len
    for prop_id, when in (times or {}).items():
        filetime = int((when - dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)).total_seconds() * 10_000_000)
        out += struct.pack("<IIQ", (prop_id << 16) | 0x0040, 6, filetime)
    return out


def msg_bytes(*, subject: str, sender_name: str, sender_addr: str, attachments=(), embedded=None,
              when=dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.timezone.utc)) -> bytes:
    """An Outlook .msg: ``attachments`` = [(long name, data)], ``embedded`` = (subject, [(name, data)])."""
    streams: dict[str, bytes] = {
        "__properties_version1.0": _props(32, {0x0E06: when}),
        "__substg1.0_0037001F": _utf16(subject),
        "__substg1.0_0C1A001F": _utf16(sender_name),
        "__substg1.0_5D01001F": _utf16(sender_addr),
    }
    items = list(attachments)
    for i, (name, data) in enumerate(items):
        base = f"__attach_version1.0_#{i:08X}"
        streams[f"{base}/__properties_version1.0"] = _props(8)
        streams[f"{base}/__substg1.0_3707001F"] = _utf16(name)
        streams[f"{base}/__substg1.0_3704001F"] = _utf16(name[:8])
        streams[f"{base}/__substg1.0_37010102"] = data
    if embedded is not None:
        sub_subject, sub_atts = embedded
        base = f"__attach_version1.0_#{len(items):08X}"
        streams[f"{base}/__properties_version1.0"] = _props(8)
        streams[f"{base}/__substg1.0_3001001F"] = _utf16(sub_subject)
        inner = f"{base}/__substg1.0_3701000D"
        streams[f"{inner}/__properties_version1.0"] = _props(24)
        streams[f"{inner}/__substg1.0_0037001F"] = _utf16(sub_subject)
        for j, (name, data) in enumerate(sub_atts):
            ib = f"{inner}/__attach_version1.0_#{j:08X}"
            streams[f"{ib}/__properties_version1.0"] = _props(8)
            streams[f"{ib}/__substg1.0_3707001F"] = _utf16(name)
            streams[f"{ib}/__substg1.0_37010102"] = data
    return write_cfb(streams)


# ---------------------------------------------------------------- tests
@pytest.fixture
def dirs(tmp_path):
    root, inbox = tmp_path / "runde", tmp_path / "indbakke"
    root.mkdir()
    inbox.mkdir()
    return root, inbox


def test_eml_with_workbook_and_signature_image(dirs):
    root, inbox = dirs
    wb = workbook_bytes()
    eml(inbox / "svar1.eml", [("KIK Solsikken - Åse Ørnø.xlsx", wb, XLSX),
                              ("image001.png", b"\x89PNG\r\n\x1a\n....", ("image", "png"))])
    progress = []
    report = collect.collect_from_mail(root, inbox, progress=lambda d, t: progress.append((d, t)))
    assert progress == [(1, 1)]
    saved = root / "retur" / "KIK Solsikken - Åse Ørnø.xlsx"
    assert report.saved == [saved] and saved.read_bytes() == wb
    entry = report.mails[0]
    assert entry.sender == "Åse Ørnø <aase@x.dk>" and entry.subject == "SV: Selvevaluering"
    assert entry.date.startswith("2026-11-20T09:30")
    assert [a.status for a in entry.attachments] == ["saved", "ignored"]
    text = report.summary("da")
    assert "1 mails læst: 1 regneark gemt" in text and "fra Åse Ørnø" in text and "image001.png" in text
    d = report.as_dict()
    assert d["counts"]["saved"] == 1 and d["mails"][0]["attachments"][0]["saved_as"] == saved.name
    assert "e-mails read" in report.summary("en")


@pytest.mark.parametrize("evil,expected", [
    ("../../evil.xlsx", "evil.xlsx"),
    ("..\\..\\Windows\\evil.xlsm", "evil.xlsm"),
    ("C:\\Users\\x\\Desktop\\skema.xlsx", "skema.xlsx"),
    ("/etc/cron.d/skema.xlsx", "skema.xlsx"),
    ("CON.xlsx", "_CON.xlsx"),
    ("a\x00b.xlsx", "ab.xlsx"),
    ("   .xlsx", "retur.xlsx"),
    ("skema.XLSX", "skema.xlsx"),
    ("svar:1|2.xlsx", "svar_1_2.xlsx"),
])
def test_attachment_names_are_made_safe(dirs, evil, expected):
    root, inbox = dirs
    eml(inbox / "m.eml", [(evil, workbook_bytes(evil), XLSX)])
    report = collect.collect_from_mail(root, inbox)
    assert [p.name for p in report.saved] == [expected]
    assert sorted(p.name for p in (root / "retur").iterdir()) == [expected]
    assert not list(root.parent.glob("evil*")) and not (root.parent.parent / "evil.xlsx").exists()


def test_never_overwrite_and_duplicates_skipped(dirs):
    root, inbox = dirs
    (root / "retur").mkdir()
    (root / "retur" / "skema.xlsx").write_bytes(workbook_bytes("first"))
    eml(inbox / "a.eml", [("skema.xlsx", workbook_bytes("second"), XLSX)])
    eml(inbox / "b.eml", [("skema.xlsx", workbook_bytes("third"), XLSX)])
    eml(inbox / "c.eml", [("andet navn.xlsx", workbook_bytes("first"), XLSX)])  # same content as the old file
    eml(inbox / "d.eml", [("skema.xlsx", workbook_bytes("second"), XLSX)])  # same as a.eml's
    report = collect.collect_from_mail(root, inbox)
    names = sorted(p.name for p in (root / "retur").iterdir())
    assert names == ["skema (2).xlsx", "skema (3).xlsx", "skema.xlsx"]
    assert (root / "retur" / "skema.xlsx").read_bytes() == workbook_bytes("first")
    statuses = [(m.file, m.attachments[0].status, m.attachments[0].existing) for m in report.mails]
    assert statuses == [("a.eml", "saved", ""), ("b.eml", "saved", ""), ("c.eml", "duplicate", "skema.xlsx"),
                        ("d.eml", "duplicate", "skema (2).xlsx")]
    assert [p.code for p in report.all_problems] == ["M103", "M103"]
    assert report.mails[0].attachments[0].renamed
    # running again saves nothing new
    again = collect.collect_from_mail(root, inbox)
    assert again.saved == [] and len(list((root / "retur").iterdir())) == 3


def test_size_limit(dirs, monkeypatch):
    root, inbox = dirs
    monkeypatch.setattr(collect, "MAX_ATTACHMENT", 9000)
    eml(inbox / "big.eml", [("stor.xlsx", workbook_bytes("x" * 20) + b"\x00" * 9000, XLSX),
                            ("lille.xlsx", workbook_bytes("ok"), XLSX)])
    report = collect.collect_from_mail(root, inbox)
    assert [a.status for a in report.mails[0].attachments] == ["too_large", "saved"]
    assert [p.code for p in report.all_problems] == ["M102"]
    assert "stor.xlsx" in report.all_problems[0].message("da")


def test_real_limit_is_20_mb():
    assert collect.MAX_ATTACHMENT == 20 * 1024 * 1024


def test_forwarded_message_one_level(dirs):
    root, inbox = dirs
    inner = inner_message([("Bo.xlsx", workbook_bytes("bo"), XLSX)])
    eml(inbox / "fwd.eml", [], subject="VS: Mit skema", nested=inner)
    deeper = inner_message([], subject="VS: VS")
    deeper.add_attachment(inner_message([("Dybt.xlsx", workbook_bytes("deep"), XLSX)]))
    eml(inbox / "fwd2.eml", [], subject="VS: VS: VS", nested=deeper)
    report = collect.collect_from_mail(root, inbox)
    by_file = {m.file: m for m in report.mails}
    assert [a.saved_as for a in by_file["fwd.eml"].saved] == ["Bo.xlsx"]
    assert by_file["fwd.eml"].saved[0].via == "Mit skema"
    assert [a.status for a in by_file["fwd2.eml"].attachments] == ["nested_too_deep"]
    assert "M104" in [p.code for p in by_file["fwd2.eml"].problems]
    assert not (root / "retur" / "Dybt.xlsx").exists()


def test_attached_eml_file_and_unnamed_workbook(dirs):
    root, inbox = dirs
    inner = inner_message([("Ida.xlsx", workbook_bytes("ida"), XLSX)])
    eml(inbox / "x.eml", [("videresendt.eml", bytes(inner), ("application", "octet-stream")),
                          ("svar", workbook_bytes("sniffed"), ("application", "octet-stream")),
                          ("notat.docx", b"PK\x03\x04notreally", ("application", "octet-stream"))])
    report = collect.collect_from_mail(root, inbox)
    saved = sorted(p.name for p in report.saved)
    assert saved == ["Ida.xlsx", "svar.xlsx"]


def test_outlook_msg(dirs):
    root, inbox = dirs
    wb1, wb2 = workbook_bytes("åse"), workbook_bytes("bo")
    (inbox / "SV Selvevaluering.msg").write_bytes(msg_bytes(
        subject="SV: Selvevaluering – skema", sender_name="Åse Ørnø", sender_addr="aase@x.dk",
        attachments=[("KIK Solsikken - Åse Ørnø.xlsx", wb1), ("image001.png", b"\x89PNG....")],
        embedded=("Bos skema", [("KIK Solsikken - Bo.xlsx", wb2)])))
    (inbox / "ødelagt.msg").write_bytes(b"not a compound file at all")
    report = collect.collect_from_mail(root, inbox)
    by_file = {m.file: m for m in report.mails}
    good = by_file["SV Selvevaluering.msg"]
    assert good.subject == "SV: Selvevaluering – skema"
    assert good.sender == "Åse Ørnø <aase@x.dk>"
    assert good.date.startswith("2026-11-21T08:00")
    assert sorted(a.saved_as for a in good.saved) == ["KIK Solsikken - Bo.xlsx", "KIK Solsikken - Åse Ørnø.xlsx"]
    assert (root / "retur" / "KIK Solsikken - Åse Ørnø.xlsx").read_bytes() == wb1
    assert (root / "retur" / "KIK Solsikken - Bo.xlsx").read_bytes() == wb2
    bad = by_file["ødelagt.msg"]
    assert [p.code for p in bad.problems] == ["M101"] and "ødelagt.msg" in bad.problems[0].message("da")


def test_mail_without_spreadsheet_and_empty_folder(dirs):
    root, inbox = dirs
    report = collect.collect_from_mail(root, inbox)
    assert [p.code for p in report.problems] == ["M108"]
    eml(inbox / "tak.eml", [])
    report = collect.collect_from_mail(root, inbox)
    assert [p.code for p in report.all_problems] == ["M105"]
    with pytest.raises(collect.CollectError) as err:
        collect.collect_from_mail(root, inbox / "findes ikke")
    assert err.value.problems[0].code == "M106"


def test_single_file_and_all_spreadsheet_kinds(dirs):
    root, inbox = dirs
    path = eml(inbox / "one.eml", [("a.xls", b"\xd0\xcf\x11\xe0fake", ("application", "vnd.ms-excel")),
                                   ("b.ods", b"PK\x03\x04ods", ("application", "vnd.oasis.opendocument.spreadsheet")),
                                   ("c.xlsm", b"PK\x03\x04xlsm", ("application", "vnd.ms-excel.sheet.macroEnabled.12")),
                                   ("d.pdf", b"%PDF-1.4", ("application", "pdf"))])
    report = collect.collect_from_mail(root, path)
    assert sorted(p.name for p in report.saved) == ["a.xls", "b.ods", "c.xlsm"]


def test_collected_reply_is_accepted_by_the_merge_reader(tmp_path):
    """End to end: the participant's reply mail -> retur/ -> returns.collect_returns."""
    from xl_kik.excel import reader as returns
    import openpyxl

    from xl_kik.core import catalogue as cat
    from xl_kik.excel import master
    from xl_kik.demo import simulate
    from xl_kik.core.round import Participant
    from xl_kik.steps.generate import generate_round

    root = tmp_path / "runde"
    master.create_round(root, unit="Solsikken", participants=[Participant("", "Åse Ørnø", "aase@x.dk"),
                                                              Participant("", "Bo", "bo@x.dk")],
                        catalogue=cat.builtin("kik"), scale=cat.scale("0-100"))
    files = generate_round(root)
    (participant, sent), _ = files
    filled = tmp_path / sent.name
    layout = simulate.read_layout(openpyxl.load_workbook(sent))
    simulate.fill_workbook(sent, filled, {q: {"points": 60, "strengths": "Godt"} for q in layout.rows})
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    eml(inbox / "svar.eml", [(sent.name, filled.read_bytes(), XLSX)])
    report = collect.collect_from_mail(root, inbox)
    assert [p.name for p in report.saved] == [sent.name]
    setup, people = master.load_round(root)
    collection = returns.collect_returns(root / "retur", setup, people, "da")
    assert participant.pid in collection.responses
    assert [p.name for p in collection.missing] == ["Bo"]
    digest = hashlib.sha256(filled.read_bytes()).hexdigest()
    assert report.mails[0].attachments[0].sha256 == digest


def test_a_zip_attachment_is_opened_one_level(dirs):
    """A participant who zipped the workbook (a compressed folder): its spreadsheets are saved as
    if attached, named as the zip's maker wrote the names; what is not a spreadsheet by content,
    and a zip in the zip, are not taken."""
    root, inbox = dirs
    wb, other = workbook_bytes("Åse"), workbook_bytes("Bo")
    inner_zip = zip_with_raw_names({b"bo.xlsx": other})
    archive = zip_with_raw_names({"KIK Solsikken - Åse Ørnø.xlsx".encode("utf-8"): wb,
                       "noter.txt".encode(): b"hej",
                       "falsk.xlsx".encode(): b"not a workbook",
                       "mere.zip".encode(): inner_zip,
                       "Bø.xlsx".encode("cp850"): other})
    eml(inbox / "zip.eml", [("Mit skema.zip", archive, ("application", "zip"))])
    report = collect.collect_from_mail(root, inbox)
    retur = root / "retur"
    assert sorted(p.name for p in retur.iterdir()) == ["Bø.xlsx", "KIK Solsikken - Åse Ørnø.xlsx"]
    assert (retur / "KIK Solsikken - Åse Ørnø.xlsx").read_bytes() == wb and (retur / "Bø.xlsx").read_bytes() == other
    attachments = report.mails[0].attachments
    assert [(a.name, a.status, a.via) for a in attachments] == [
        ("Mit skema.zip", "unzipped", ""), ("KIK Solsikken - Åse Ørnø.xlsx", "saved", "Mit skema.zip"),
        ("Bø.xlsx", "saved", "Mit skema.zip")]
    text = report.summary("da")
    assert "2 regneark gemt" in text and "Mit skema.zip: komprimeret mappe (zip), pakket ud" in text, text
    assert report.as_dict()["counts"]["unzipped"] == 1
    assert "compressed folder (zip), extracted" in report.summary("en")
    # an office document is no folder: a Word file's embedded sheet is not taken from it
    docx = zip_with_raw_names({b"[Content_Types].xml": b"<Types/>", b"word/document.xml": b"<w:document/>",
                               b"word/embeddings/Microsoft_Excel_Worksheet.xlsx": wb})
    assert collect._zipped_spreadsheets(docx) == []
    # the same zip again: its workbooks are there already
    eml(inbox / "zip.eml", [("Mit skema.zip", archive, ("application", "zip"))])
    again = collect.collect_from_mail(root, inbox)
    assert [a.status for a in again.mails[0].attachments] == ["unzipped", "duplicate", "duplicate"]


def test_a_zip_member_is_read_no_further_than_the_limit(dirs, monkeypatch):
    """A member larger than an attachment may be (declared, or when inflated) is not taken; a
    member whose declared size lies is read no further than it declares, and the zip then gives
    nothing (its check fails): whatever the zip says, no more than the limit is ever read."""
    root, inbox = dirs
    monkeypatch.setattr(collect, "MAX_ATTACHMENT", 20000)
    big = workbook_bytes("x" * 20) + b"\x00" * 30000  # ~36 KB inflated, ~6 KB in the zip
    archive = zip_with_raw_names({b"stor.xlsx": big, b"lille.xlsx": workbook_bytes("ok")})
    assert len(archive) < 20000
    eml(inbox / "zip.eml", [("svar.zip", archive, ("application", "zip"))])
    report = collect.collect_from_mail(root, inbox)
    assert [(a.name, a.status) for a in report.mails[0].attachments] == [("svar.zip", "unzipped"),
                                                                          ("lille.xlsx", "saved")]
    lying = bytearray(archive)
    at = lying.find(b"PK\x01\x02")
    while lying[at + 46:at + 46 + struct.unpack_from("<H", lying, at + 28)[0]] != b"stor.xlsx":
        at = lying.find(b"PK\x01\x02", at + 1)
    struct.pack_into("<L", lying, at + 24, 1000)  # the central directory says 1,000 bytes
    assert zipfile.ZipFile(io.BytesIO(bytes(lying))).getinfo("stor.xlsx").file_size == 1000
    assert collect._zipped_spreadsheets(bytes(lying)) == []
    # together no more than one attachment: of two workbooks of ~12 KB, the second is left
    rng = random.Random(1)
    a, b = (workbook_bytes("".join(rng.choices(string.ascii_letters, k=11000))) for _ in range(2))
    assert 10000 < len(a) < 20000 and 10000 < len(b) < 20000
    two = zip_with_raw_names({b"a.xlsx": a, b"b.xlsx": b})
    assert [name for name, _ in collect._zipped_spreadsheets(two)] == ["a.xlsx"]
