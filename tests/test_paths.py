"""Round folders where coordinators really keep them: spaces, æøå, a OneDrive-like prefix,
long paths; the master file where the folder is asked for; pasteable paths in messages;
the button door's error handling around the caller and its path."""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path

import openpyxl
import pytest

from xl_kik import buttons, cli
from xl_kik.core.i18n import Msg, quote_path
from xl_kik.core.round import MASTER_NAME, RoundPaths
from xl_kik.excel.masterfile import OpenpyxlSheetWriter


def awkward_roots(tmp_path: Path) -> dict[str, Path]:
    onedrive = tmp_path / "OneDrive - Århus Kommune" / "Dokumenter"
    long_root = onedrive
    while len(str(long_root)) < 270:  # past Windows' old MAX_PATH of 260
        long_root = long_root / "Kvalitetsarbejde på tværs af forvaltningerne"
    return {
        "spaces and æøå": tmp_path / "KIK runder" / "Børnehuset Æblegården 2026 forår",
        "onedrive": onedrive / "KIK" / "Ældre & Sundhed (2026)",
        "long": long_root / "KIK 2026",
    }


def participants_csv(tmp_path: Path) -> Path:
    f = tmp_path / "deltagere med mellemrum.csv"
    f.write_text("Navn;E-mail\nIda Hansen;ida@example.dk\nØjvind Ærø;oejvind@example.dk\n", encoding="utf-8")
    return f


@pytest.mark.parametrize("kind", ["spaces and æøå", "onedrive", "long"])
def test_cli_round_in_an_awkward_folder_and_next_step_can_be_pasted(tmp_path, capsys, kind):
    root = awkward_roots(tmp_path)[kind]
    assert cli.main(["init", str(root), "--unit", "Ældreplejen Øst", "--participants",
                     str(participants_csv(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert (root / MASTER_NAME).is_file()
    next_line = next(line for line in out.splitlines() if line.startswith("Næste skridt: "))
    command = shlex.split(next_line[len("Næste skridt: "):])
    assert command == ["xl-kik", "generate", str(root)]  # the quoted path pastes back as one argument
    assert cli.main(command[1:]) == 0
    out = capsys.readouterr().out
    assert len(list((root / "udsendt").glob("*.xlsx"))) == 2
    assert shlex.quote(str(root / "udsendt")) in out
    # the master file is accepted where the round folder is asked for
    assert cli.main(["status", str(root / MASTER_NAME)]) == 0
    status = capsys.readouterr().out
    assert status.startswith("0 af 2 ") and "Ida Hansen" in status
    assert cli.main(["merge", str(root / MASTER_NAME)]) == 0


def test_missing_round_message_quotes_the_path(tmp_path, capsys):
    missing = tmp_path / "ikke her" / "runde æøå"
    assert cli.main(["status", str(missing)]) != 0
    out = capsys.readouterr().out
    assert shlex.quote(str(missing)) in out, out


def test_quote_path_on_each_platform():
    assert quote_path("/home/ida/KIK", "linux") == "/home/ida/KIK"
    assert quote_path("/home/ida/KIK 2026 forår", "linux") == "'/home/ida/KIK 2026 forår'"
    assert shlex.split(quote_path("/a/it's here", "darwin")) == ["/a/it's here"]
    assert quote_path(r"C:\KIK\runde1", "win32") == r"C:\KIK\runde1"
    assert quote_path(r"C:\Users\ida\OneDrive - Århus Kommune\KIK", "win32") == \
        r'"C:\Users\ida\OneDrive - Århus Kommune\KIK"'
    assert quote_path(r"C:\KIK\A&B", "win32") == r'"C:\KIK\A&B"'
    m = Msg("Mappen {dir} findes ikke.", "The folder {dir} does not exist.")
    assert m("da", dir=Path("/tmp/a b")) == "Mappen '/tmp/a b' findes ikke."
    assert m("en", dir="/tmp/a b") == "The folder /tmp/a b does not exist."  # plain text stays as given


# ---------------------------------------------------------------- the buttons' Python side
class FakeApp:
    def __init__(self):
        self.alerts = []

    def alert(self, prompt, title=None, mode=None, **_):
        self.alerts.append((prompt, title, mode))


def _round_at(root: Path, tmp_path: Path) -> RoundPaths:
    assert cli.main(["init", str(root), "--unit", "Enhed", "--participants", str(participants_csv(tmp_path)),
                     "-q"]) == 0
    return RoundPaths(root)


@pytest.mark.parametrize("kind", ["spaces and æøå", "onedrive", "long"])
def test_button_generate_in_an_awkward_folder(tmp_path, kind):
    paths = _round_at(awkward_roots(tmp_path)[kind], tmp_path)
    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    app, saved = FakeApp(), []
    book = buttons._WriterBook(OpenpyxlSheetWriter(wb), str(paths.master), app, on_save=lambda: saved.append(1))
    summary = buttons.run_button("generate", buttons.do_generate, book=book)
    assert summary is not None, app.alerts
    assert len(list(paths.outgoing.glob("*.xlsx"))) == 2
    assert quote_path(paths.outgoing) in summary and saved == [1]
    assert "button generate done" in (paths.root / "xl_kik.log").read_text("utf-8")


@pytest.fixture()
def user_logs(tmp_path, monkeypatch):
    folder = tmp_path / "LocalAppData"
    monkeypatch.setenv("LOCALAPPDATA", str(folder))
    return folder / "xl_kik" / "xl_kik.log"


def test_no_caller_is_a_message_and_a_logged_traceback_not_a_crash(user_logs):
    # outside Excel (here: Linux) xlwings' Book.caller() raises: that is inside the handling now
    ran = []
    assert buttons.run_button("merge", lambda ctx: ran.append(ctx) or "x") is None
    assert ran == []
    text = user_logs.read_text("utf-8")
    assert "button merge crashed" in text and "Traceback" in text and "Book.caller" in text


class UnmappableBook:
    """What xlwings gives for a workbook opened from OneDrive/SharePoint whose local folder
    it cannot find: ``fullname`` raises."""

    name = MASTER_NAME

    def __init__(self):
        self.app = FakeApp()
        self.saved = False

    @property
    def fullname(self):
        raise RuntimeError("Couldn't find your local OneDrive file, see: xlwings.org/error")

    def save(self):
        self.saved = True


def test_unmappable_onedrive_path_gives_the_danish_not_local_message(user_logs):
    book = UnmappableBook()
    ran = []
    assert buttons.run_button("generate", lambda ctx: ran.append(1) or "x", book=book) is None
    assert ran == [] and not book.saved
    (text, title, mode), = book.app.alerts
    assert text.startswith("Projektmappen ligger ikke i en almindelig mappe på computeren (kik_master.xlsm)")
    assert title == "KIK-selvevaluering" and mode == "critical"
    log_text = user_logs.read_text("utf-8")
    assert "Couldn't find your local OneDrive file" in log_text and "Traceback" in log_text


def test_a_writer_that_fails_on_the_live_book_is_handled(tmp_path, user_logs):
    paths = _round_at(tmp_path / "runde", tmp_path)

    class BrokenLiveBook:  # e.g. the workbook was closed between the click and the call
        fullname = str(paths.master)
        app = FakeApp()

        @property
        def sheets(self):
            raise OSError("the workbook is closed")

        def save(self):
            raise AssertionError("must not save")

    book = BrokenLiveBook()
    assert buttons.run_button("merge", buttons.do_merge, book=book) is None
    (text, _title, mode), = book.app.alerts
    assert "uventet fejl" in text and mode == "critical"
    assert str(paths.root / "xl_kik.log") in text
    assert "the workbook is closed" in (paths.root / "xl_kik.log").read_text("utf-8")
    logging.getLogger("xl_kik").handlers.clear()
