"""Invitations as .eml drafts, reminders, and sending through a real (local) SMTP server."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import socketserver
import ssl
import subprocess
import threading
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from xl_kik.core import catalogue as cat
from xl_kik.steps import invite as mail
from xl_kik.core.errors import RoundNotFoundError
from xl_kik.core.round import Participant, RoundPaths

PEOPLE = [
    Participant("", "Åse Ørnø", "aase@solsikken.example.dk", "leder"),
    Participant("", "Bo Bæk", ""),  # no e-mail
    Participant("", "Jens Hansen/Holm", "jens@solsikken.example.dk"),
    Participant("", "Refuse Me", "refuse@solsikken.example.dk"),
]
UNIT = "Børnehuset Solsikken"


# ---------------------------------------------------------------- a tiny SMTP server
class _Handler(socketserver.StreamRequestHandler):
    timeout = 10  # a stuck client never blocks the test run

    def send(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self) -> None:  # noqa: C901 - a small protocol state machine
        srv: SmtpServer = self.server  # type: ignore[assignment]
        self.send("220 localhost test SMTP")
        envelope: dict = {"from": None, "to": []}
        authed = not srv.credentials
        tls = False
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                caps = ["250-localhost", "250-8BITMIME", "250-SMTPUTF8"]
                if srv.certfile and not tls:
                    caps.append("250-STARTTLS")
                if srv.credentials:
                    caps.append("250-AUTH PLAIN LOGIN")
                caps.append("250 SIZE 52428800")
                self.send("\r\n".join(caps))
            elif verb == "STARTTLS" and srv.certfile and not tls:
                self.send("220 go ahead")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(srv.certfile, srv.keyfile)
                self.connection = ctx.wrap_socket(self.connection, server_side=True)
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb")
                tls = True
                srv.tls_used = True
            elif verb == "AUTH":
                mech, _, rest = arg.partition(" ")
                if mech.upper() == "PLAIN":
                    if not rest:
                        self.send("334 ")
                        rest = self.rfile.readline().decode().strip()
                    _, user, password = base64.b64decode(rest).decode().split("\x00")
                elif mech.upper() == "LOGIN":
                    if rest:
                        user = base64.b64decode(rest).decode()
                    else:
                        self.send("334 VXNlcm5hbWU6")
                        user = base64.b64decode(self.rfile.readline().strip()).decode()
                    self.send("334 UGFzc3dvcmQ6")
                    password = base64.b64decode(self.rfile.readline().strip()).decode()
                else:
                    self.send("504 unknown mechanism")
                    continue
                if (user, password) == srv.credentials:
                    authed = True
                    self.send("235 ok")
                else:
                    self.send("535 authentication failed")
            elif verb == "MAIL":
                if not authed:
                    self.send("530 authentication required")
                    continue
                envelope = {"from": arg.split(":", 1)[1].strip().strip("<>").split(">")[0], "to": []}
                self.send("250 ok")
            elif verb == "RCPT":
                addr = arg.split(":", 1)[1].strip().strip("<>").split(">")[0]
                if addr.startswith("refuse"):
                    self.send("550 no such user")
                else:
                    envelope["to"].append(addr)
                    self.send("250 ok")
            elif verb == "DATA":
                if not envelope["to"]:
                    self.send("554 no valid recipients")
                    continue
                self.send("354 end with .")
                chunks = []
                while True:
                    raw = self.rfile.readline()
                    if raw in (b".\r\n", b".\n", b""):
                        break
                    chunks.append(raw[1:] if raw.startswith(b"..") else raw)
                srv.received.append({**envelope, "data": b"".join(chunks)})
                self.send("250 queued")
            elif verb == "RSET":
                envelope = {"from": None, "to": []}
                self.send("250 ok")
            elif verb == "NOOP":
                self.send("250 ok")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, credentials=None, certfile=None, keyfile=None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.credentials = credentials
        self.certfile, self.keyfile = certfile, keyfile
        self.received: list[dict] = []
        self.tls_used = False

    @property
    def port(self) -> int:
        return self.server_address[1]


@pytest.fixture
def smtp_server():
    servers = []

    def start(**kwargs) -> SmtpServer:
        srv = SmtpServer(**kwargs)
        thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        watchdog = threading.Timer(60, srv.shutdown)  # self-stopping even if the test hangs
        watchdog.daemon = True
        watchdog.start()
        servers.append((srv, thread, watchdog))
        return srv

    yield start
    for srv, thread, watchdog in servers:
        watchdog.cancel()
        srv.shutdown()
        srv.server_close()
        thread.join(5)


# ---------------------------------------------------------------- a round
@pytest.fixture
def round_dir(tmp_path):
    from xl_kik.excel import master
    from xl_kik.steps.generate import generate_round

    root = tmp_path / "runde"
    master.create_round(root, unit=UNIT, participants=list(PEOPLE), catalogue=cat.builtin("kik"),
                        scale=cat.scale("0-100"), deadline=dt.date(2026, 12, 1))
    generate_round(root)
    return root


def _set_setup_values(root: Path, values: dict[str, object]) -> None:
    """Add/replace key rows on the setup sheet (key A, value C) like a coordinator would."""
    import openpyxl

    path = RoundPaths(root).master
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Opsætning"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    nxt = ws.max_row + 1
    for key, value in values.items():
        r = rows.get(key)
        if r is None:
            r, nxt = nxt, nxt + 1
            ws.cell(r, 1, key)
            ws.cell(r, 2, key)
        ws.cell(r, 3, value)
    wb.save(path)


def _parse(path: Path):
    with open(path, "rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


# ---------------------------------------------------------------- tests
def test_invitation_drafts(round_dir):
    progress = []
    result = mail.write_invitations(round_dir, progress=lambda d, t: progress.append((d, t)))
    assert isinstance(result, list) and len(result) == 4
    assert progress[-1] == (4, 4)
    names = sorted(p.name for p in result)
    assert names == ["Bo Bæk.eml", "Jens Hansen_Holm.eml", "Refuse Me.eml", "Åse Ørnø.eml"]
    assert all(p.parent == round_dir / "mails" for p in result)

    msg = _parse(round_dir / "mails" / "Åse Ørnø.eml")
    assert msg["X-Unsent"] == "1"
    assert msg["To"].addresses[0].addr_spec == "aase@solsikken.example.dk"
    assert msg["To"].addresses[0].display_name == "Åse Ørnø"
    assert UNIT in msg["Subject"] and "1. december 2026" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    assert "Kære Åse Ørnø" in text and UNIT in text and "1. december 2026" in text
    assert "Svar på denne mail" in text and "Behold filnavnet" in text
    html_body = msg.get_body(("html",)).get_content()
    assert "<ol>" in html_body and "Kære Åse Ørnø" in html_body
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    att = attachments[0]
    assert att.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert att.get_filename() == "KIK Børnehuset Solsikken - Åse Ørnø.xlsx"
    raw = (round_dir / "mails" / "Åse Ørnø.eml").read_bytes()
    assert b"filename*" in raw and b"utf-8''" in raw  # RFC 2231
    assert raw.isascii() and b"\r\n" in raw
    sent_file = round_dir / "udsendt" / att.get_filename()
    assert att.get_content() == sent_file.read_bytes()

    # the participant without an e-mail: a problem, and a draft without recipient
    assert [p.code for p in result.problems] == ["M001"]
    assert "Bo Bæk" in result.problems[0].message("da")
    assert _parse(round_dir / "mails" / "Bo Bæk.eml")["To"] is None
    summary = result.summary("da")
    assert "4 mails er gemt" in summary and "[M001]" in summary
    d = result.as_dict()
    assert len(d["mails"]) == 4 and d["problems"][0]["code"] == "M001"


def test_english_invitation(round_dir):
    result = mail.write_invitations(round_dir, lang="en")
    msg = _parse(round_dir / "mails" / "Åse Ørnø.eml")
    assert msg["Subject"].startswith("Self-evaluation with KIK")
    assert "Dear Åse Ørnø" in msg.get_body(("plain",)).get_content()
    assert "e-mails were saved" in result.summary("en")


def test_missing_workbook_is_a_problem(round_dir):
    for f in (round_dir / "udsendt").glob("*Jens*"):
        f.unlink()
    result = mail.write_invitations(round_dir)
    assert len(result) == 3
    assert "M002" in [p.code for p in result.problems]


def test_not_a_round(tmp_path):
    with pytest.raises(RoundNotFoundError):
        mail.write_invitations(tmp_path)


def test_reminders_only_to_missing(round_dir):
    from xl_kik.demo import simulate

    import openpyxl

    outgoing = sorted((round_dir / "udsendt").glob("*.xlsx"))
    returned = next(p for p in outgoing if "Åse" in p.name)
    layout = simulate.read_layout(openpyxl.load_workbook(returned))
    answers = {q: {"points": 50, "strengths": "Godt", "improvements": "Mere"} for q in layout.rows}
    simulate.fill_workbook(returned, round_dir / "retur" / returned.name, answers)
    result = mail.write_invitations(round_dir, reminder=True)
    names = sorted(p.name for p in result)
    assert names == ["Bo Bæk - påmindelse.eml", "Jens Hansen_Holm - påmindelse.eml", "Refuse Me - påmindelse.eml"]
    msg = _parse(result[0])
    assert msg["Subject"].startswith("Påmindelse")
    assert "mangler stadig" in msg.get_body(("plain",)).get_content()
    assert "påmindelser" in result.summary("da")


def test_settings_from_setup_sheet(round_dir, monkeypatch):
    assert mail.smtp_settings(round_dir) is None  # not set up: .eml only
    _set_setup_values(round_dir, {"smtp_host": "mail.kommune.dk", "smtp_port": 465, "smtp_sender": "kik@kommune.dk",
                                  "smtp_user": "kik"})
    s = mail.smtp_settings(round_dir)
    assert (s.host, s.port, s.tls, s.user, s.sender) == ("mail.kommune.dk", 465, "ssl", "kik", "kik@kommune.dk")
    assert mail.settings_from_keys({"smtp_host": "h", "smtp_sender": "a@b.dk"}).port == 587
    assert mail.settings_from_keys({"smtp_host": "h", "smtp_sender": "a@b.dk", "smtp_tls": "nej",
                                    "smtp_port": "25"}).tls == "none"
    with pytest.raises(mail.MailError) as err:
        mail.settings_from_keys({"smtp_host": "h", "smtp_port": "femhundrede", "smtp_tls": "måske"})
    text = str(err.value)
    assert "smtp_sender" in text and "femhundrede" in text and "måske" in text
    assert err.value.problems[0].code == "M003"


def test_send_without_settings_writes_eml_only(round_dir):
    result = mail.write_invitations(round_dir, send=True)
    assert len(result) == 4 and "M003" in [p.code for p in result.problems]
    assert mail.send(result.messages, None).problems[0].code == "M003"


def test_send_through_local_smtp_server(round_dir, smtp_server, monkeypatch):
    srv = smtp_server(credentials=("kik", "hemmeligt æøå"))
    monkeypatch.setenv("KIK_TEST_PW", "hemmeligt æøå")
    _set_setup_values(round_dir, {"smtp_host": "127.0.0.1", "smtp_port": srv.port, "smtp_tls": "ingen",
                                  "smtp_user": "kik", "smtp_sender": "Tovholder <kik@kommune.example.dk>",
                                  "smtp_password_env": "KIK_TEST_PW"})
    progress = []
    result = mail.write_invitations(round_dir, send=True, progress=lambda d, t: progress.append(d))
    sent = result.sent
    assert sent is not None and sent.total == 4
    assert len(sent.sent) == 2  # Åse and Jens; Bo has no address, the server refuses "refuse@"
    codes = sorted(p.code for p in result.problems)
    assert codes == ["M001", "M006", "M006"]
    assert any("550" in p.message("da") for p in sent.problems)
    assert len(srv.received) == 2
    got = {r["to"][0]: BytesParser(policy=policy.default).parsebytes(r["data"]) for r in srv.received}
    m = got["aase@solsikken.example.dk"]
    assert m["X-Unsent"] is None and m["Message-ID"] and m["Date"]
    assert m["From"].addresses[0].addr_spec == "kik@kommune.example.dk"
    assert next(m.iter_attachments()).get_filename() == "KIK Børnehuset Solsikken - Åse Ørnø.xlsx"
    assert srv.received[0]["from"] == "kik@kommune.example.dk"
    assert "2 af 4 mails er sendt" in result.summary("da")
    # the drafts on disk are untouched
    assert _parse(round_dir / "mails" / "Åse Ørnø.eml")["X-Unsent"] == "1"


def test_send_eml_paths_and_wrong_password(round_dir, smtp_server, monkeypatch):
    srv = smtp_server(credentials=("kik", "rigtigt"))
    result = mail.write_invitations(round_dir)
    settings = mail.SmtpSettings(host="127.0.0.1", port=srv.port, tls="none", user="kik",
                                 sender="kik@kommune.example.dk", password_env="KIK_TEST_PW2")
    monkeypatch.delenv("KIK_TEST_PW2", raising=False)
    res = mail.send(list(result), settings)
    assert [p.code for p in res.problems] == ["M004"] and not srv.received
    monkeypatch.setenv("KIK_TEST_PW2", "forkert")
    res = mail.send(list(result), settings)
    assert [p.code for p in res.problems] == ["M005"] and "535" in res.problems[0].message("da")
    assert not srv.received


def test_connection_refused_is_a_problem(round_dir):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    settings = mail.SmtpSettings(host="127.0.0.1", port=port, tls="none", sender="kik@x.dk")
    res = mail.send(mail.write_invitations(round_dir).messages, settings, timeout=5)
    assert [p.code for p in res.problems] == ["M005"] and not res.sent


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI needed for a test certificate")
def test_send_with_starttls(round_dir, smtp_server, tmp_path, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert),
                    "-days", "1"], check=True, capture_output=True, timeout=60)
    srv = smtp_server(credentials=("kik", "pw"), certfile=str(cert), keyfile=str(key))
    monkeypatch.setenv("XL_KIK_SMTP_PASSWORD", "pw")
    settings = mail.SmtpSettings(host="localhost", port=srv.port, tls="starttls", user="kik",
                                 sender="kik@kommune.example.dk")
    messages = mail.write_invitations(round_dir).messages
    # the system CAs do not know the test certificate: refused, nothing sent
    res = mail.send(messages, settings, timeout=10)
    assert [p.code for p in res.problems] == ["M005"] and not srv.received
    ctx = ssl.create_default_context(cafile=str(cert))
    t0 = time.monotonic()
    res = mail.send(messages, settings, context=ctx, timeout=10)
    assert srv.tls_used and len(res.sent) == 2 and len(srv.received) == 2
    assert time.monotonic() - t0 < 30


def test_wrong_smtp_fields_with_send_still_write_drafts(round_dir):
    _set_setup_values(round_dir, {"smtp_host": "mail.kommune.dk", "smtp_port": "x"})
    result = mail.write_invitations(round_dir, send=True)
    assert len(result) == 4 and result.sent is None
    problem = next(p for p in result.problems if p.code == "M003")
    assert "smtp_port" in problem.message("da") and "smtp_sender" in problem.message("da")
