"""Faults around the master: the round lock, concurrent runs, kill -9, leftovers, read-only
files, no permission, a full disk. Real processes, real files, real file systems."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_kik.core.catalogue import builtin, scale
from xl_kik.core.errors import KikFileError, MasterLockedError
from xl_kik.core.round import MASTER_NAME, Participant, RoundPaths
from xl_kik.excel import atomic
from xl_kik.excel.masterfile import MasterFile

PEOPLE = [Participant("", "Ida Holm", "ida@x.dk", "leder"), Participant("", "Bo Berg", "bo@x.dk", "medarbejder"),
          Participant("", "Eva Lund", "eva@x.dk", "medarbejder")]
REPO = Path(__file__).resolve().parents[2]
POSIX = pytest.mark.skipif(os.name == "nt", reason="uses fcntl, setpriv and RLIMIT_FSIZE (POSIX)")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(REPO), "XL_KIK_LOCK_WAIT": "60"})
    env.update(extra)
    return env


def cli(*args, env: dict | None = None, timeout: float = 300, pre: list[str] | None = None
        ) -> subprocess.CompletedProcess:
    return subprocess.run([*(pre or []), sys.executable, "-m", "xl_kik.cli", *map(str, args)],
                          capture_output=True, text=True, env=env or _env(), timeout=timeout)


def cli_start(*args, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xl_kik.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or _env())


def set_konsensus(paths: RoundPaths) -> None:
    """Agreed improvement areas on Konsensus, so that ``plan`` adds rows to Handleplan."""
    from xl_kik.excel.sheets import konsensus as sk

    wb = openpyxl.load_workbook(paths.master, keep_vba=True)
    ws = next(w for w in wb.worksheets if w.sheet_properties.codeName == "shConsensus")
    ws._cells.clear()
    for c, k in enumerate(sk.KEYS, start=1):
        ws.cell(sk.KEY_ROW, c, k)
    cat = builtin("kik")
    r = sk.FIRST_ROW
    n = 0
    for t in cat.themes:
        ws.cell(r, 1, f"#theme:{t.id}")
        r += 1
        for q in cat.questions_of(t.id):
            ws.cell(r, 1, q.id)
            if n < 6:
                ws.cell(r, sk.COL["agreed_improvements"], f"Forbedring {q.id} A\nForbedring {q.id} B")
                ws.cell(r, sk.COL["to_plan"], "Ja")
                ws.cell(r, sk.COL["agreed_points"], 40)
            n += 1
            r += 1
    wb.save(paths.master)


@pytest.fixture(scope="module")
def round_template(tmp_path_factory):
    """A round with two filled returns and typed Konsensus areas (not yet planned)."""
    import random as rnd

    from xl_kik.demo import simulate
    from xl_kik.excel import master
    from xl_kik.excel.scoring import write_scoring_workbooks

    root = tmp_path_factory.mktemp("faults") / "runde"
    paths = master.create_round(root, unit="Børnehuset Solsikken", participants=list(PEOPLE),
                                catalogue=builtin("kik"), scale=scale("0-100"))
    set_konsensus(paths)
    data = master.read_master(root)
    for _p, src in write_scoring_workbooks(data.setup, data.participants[:2], paths.outgoing):
        layout = simulate.read_layout(openpyxl.load_workbook(src))
        simulate.fill_workbook(src, paths.returns / src.name, simulate.random_answers(layout, rnd.Random(3)))
    return root


@pytest.fixture()
def rnd_round(round_template, tmp_path):
    root = tmp_path / "runde"
    shutil.copytree(round_template, root)
    return root


def plan_rows(root: Path) -> int:
    from xl_kik.excel.sheets import handleplan

    table = handleplan.read_plan_values(root / MASTER_NAME)
    return len([r for r in table.rows if any("Forbedring" in str(v) for v in r.values())])


def status_lists_returns(root: Path) -> bool:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(root / MASTER_NAME))
    names = [p.name for p in (root / "retur").iterdir()]
    for sheet in wb.sheet_names:
        rows = wb.get_sheet_by_name(sheet).to_python()
        text = " ".join(str(v) for row in rows for v in row)
        if sheet.lower().startswith("status"):
            return all(n in text for n in names)
    return False


def opens(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            if zf.testzip() is not None:
                return False
        openpyxl.load_workbook(path, keep_vba=True).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "does not open"
        return False


# ---------------------------------------------------------------- the lock itself
HOLD = """
import sys, time
from xl_kik.excel import atomic
with atomic.round_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(folder: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), str(seconds)], stdout=subprocess.PIPE,
                            text=True, env=_env())
    assert proc.stdout.readline().strip() == "held"
    return proc


@POSIX
def test_second_writer_waits_then_stops_with_danish_message_and_changes_nothing(rnd_round, monkeypatch):
    before = (rnd_round / MASTER_NAME).read_bytes()
    holder = _holder(rnd_round, 30)
    try:
        monkeypatch.setenv("XL_KIK_LOCK_WAIT", "1")
        start = time.monotonic()
        with pytest.raises(MasterLockedError) as err:
            with MasterFile.edit(RoundPaths(rnd_round)) as wb:
                wb.active["A1"] = "must not be saved"
        waited = time.monotonic() - start
        assert 0.9 <= waited < 10
        assert "skriver i runden" in str(err.value) and "Intet er ændret" in str(err.value)
        assert f"proces {holder.pid}" in str(err.value)
        # the CLI: exit 3 (a file problem), the same message, the master untouched
        res = cli("merge", rnd_round, env=_env(XL_KIK_LOCK_WAIT="1"))
        assert res.returncode == 3, res.stdout + res.stderr
        assert "skriver i runden" in res.stdout
    finally:
        holder.kill()
        holder.wait()
    assert (rnd_round / MASTER_NAME).read_bytes() == before


@POSIX
def test_a_waiting_writer_gets_the_lock_when_the_first_finishes(rnd_round, monkeypatch):
    holder = _holder(rnd_round, 1.0)
    monkeypatch.setenv("XL_KIK_LOCK_WAIT", "20")
    with atomic.round_lock(rnd_round):
        assert holder.poll() is not None or holder.wait(5) == 0
    holder.wait()
    assert not (rnd_round / atomic.LOCK_NAME).exists()


@POSIX
def test_lock_of_a_killed_process_is_recovered_with_a_message(rnd_round, caplog):
    holder = _holder(rnd_round, 60)
    leftover = rnd_round / ".~kik_master.abc123.xlsm"
    leftover.write_bytes(b"half a master")
    (rnd_round / "backup").mkdir(exist_ok=True)
    half_backup = rnd_round / "backup" / ".~backup.xyz.tmp"
    half_backup.write_bytes(b"half a backup")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    caplog.set_level("INFO", logger="xl_kik")
    with atomic.round_lock(rnd_round, wait=2):
        pass
    text = caplog.text
    assert "blev afbrudt" in text and f"proces {holder.pid}" in text
    assert not leftover.exists() and not half_backup.exists()


STALL_AT_RENAME = r"""
import os, sys, time
real = os.replace
def stall(src, dst):  # the moment between a questionnaire written whole and its rename
    if str(src).endswith(".tmp"):
        print("written", flush=True)
        time.sleep(60)
    return real(src, dst)
os.replace = stall
from xl_kik.steps.generate import generate_round
generate_round(sys.argv[1])
"""


@POSIX
def test_a_killed_generate_leaves_no_half_questionnaire(rnd_round):
    """kill -9 of a real generate while a questionnaire is written: udsendt/ holds its temporary
    file, never a workbook under a participant's name; the next run holding the lock removes the
    temporary file (on Windows a dot name is not hidden) and writes every questionnaire."""
    outgoing = RoundPaths(rnd_round).outgoing
    shutil.rmtree(outgoing, ignore_errors=True)
    proc = subprocess.Popen([sys.executable, "-c", STALL_AT_RENAME, str(rnd_round)], stdout=subprocess.PIPE,
                            text=True, env=_env())
    assert proc.stdout.readline().strip() == "written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = sorted(p.name for p in outgoing.iterdir())
    assert len(left) == 1 and left[0].startswith(atomic.OUTGOING_TMP_PREFIX) and left[0].endswith(".tmp")
    from xl_kik.steps.generate import generate_round

    written = generate_round(rnd_round)
    assert sorted(p.name for p in outgoing.iterdir()) == sorted(f.name for _, f in written)
    assert len(written) == len(PEOPLE)
    for _, f in written:
        with zipfile.ZipFile(f) as zf:
            assert zf.testzip() is None


@POSIX
def test_generate_from_given_master_data_waits_for_the_round_lock(rnd_round, monkeypatch):
    """A program calling generate_round with the master already read (as the button does) takes
    the round lock too: while another process writes in the round it waits, then stops with the
    Danish message, and udsendt/ is as it was (a concurrent command's cleanup could otherwise
    remove the questionnaires it is writing)."""
    from xl_kik.excel.master import read_master
    from xl_kik.steps.generate import generate_round

    outgoing = RoundPaths(rnd_round).outgoing
    shutil.rmtree(outgoing, ignore_errors=True)
    outgoing.mkdir()
    data = read_master(rnd_round)
    holder = _holder(rnd_round, 30)
    try:
        monkeypatch.setenv("XL_KIK_LOCK_WAIT", "1")
        with pytest.raises(MasterLockedError) as err:
            generate_round(rnd_round, data=data)
        assert "skriver i runden" in str(err.value)
        assert list(outgoing.iterdir()) == []
    finally:
        holder.kill()
        holder.wait()
    written = generate_round(rnd_round, data=data)  # the lock is free again: every questionnaire
    assert len(written) == len(PEOPLE)
    assert not atomic.holds_lock(rnd_round)


def test_lock_is_reentrant_and_released(tmp_path):
    with atomic.round_lock(tmp_path):
        with atomic.round_lock(tmp_path):
            assert atomic.holds_lock(tmp_path)
        assert atomic.holds_lock(tmp_path)
    assert not atomic.holds_lock(tmp_path)
    assert not (tmp_path / atomic.LOCK_NAME).exists()


def test_every_master_write_takes_the_lock(rnd_round, monkeypatch):
    """MasterFile.edit and an atomic write of the master (init, refresh-vba) hold the lock."""
    seen = []
    real = atomic._acquire

    def spy(folder, lang, wait):
        seen.append(Path(folder).resolve())
        return real(folder, lang, wait)

    monkeypatch.setattr(atomic, "_acquire", spy)
    with MasterFile.edit(RoundPaths(rnd_round)):
        assert atomic.holds_lock(rnd_round)
    atomic.write_bytes(rnd_round / MASTER_NAME, (rnd_round / MASTER_NAME).read_bytes())
    atomic.write_bytes(rnd_round / "rapport.xlsx", b"x")  # not the master: no lock
    assert seen == [rnd_round.resolve(), rnd_round.resolve()]


# ---------------------------------------------------------------- concurrent runs
@POSIX
def test_plan_and_merge_at_once_lose_nothing(rnd_round, tmp_path):
    control = tmp_path / "control"
    shutil.copytree(rnd_round, control)
    assert cli("merge", control).returncode == 0
    assert cli("plan", control).returncode == 0
    expected_rows = plan_rows(control)
    assert expected_rows >= 6
    for trial in range(3):
        root = tmp_path / f"trial{trial}"
        shutil.copytree(rnd_round, root)
        a = cli_start("plan", root)
        time.sleep(random.Random(trial).uniform(0, 0.3))
        b = cli_start("merge", root)
        out_a, err_a = a.communicate(timeout=300)
        out_b, err_b = b.communicate(timeout=300)
        assert a.returncode == 0, out_a + err_a
        assert b.returncode == 0, out_b + err_b
        assert plan_rows(root) == expected_rows, f"trial {trial}: the plan's rows were lost"
        assert status_lists_returns(root), f"trial {trial}: the merge was lost"
        assert opens(root / MASTER_NAME)


@POSIX
def test_concurrent_writer_without_patience_refuses_and_the_other_wins(rnd_round):
    env = _env(XL_KIK_LOCK_WAIT="0")
    a = cli_start("merge", rnd_round, env=_env())
    time.sleep(0.05)
    deadline = time.monotonic() + 60
    while not (rnd_round / atomic.LOCK_NAME).exists() and a.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    b = cli("plan", rnd_round, env=env)
    out_a, err_a = a.communicate(timeout=300)
    assert a.returncode == 0, out_a + err_a
    if b.returncode != 0:  # the merge still held the lock
        assert b.returncode == 3 and "skriver i runden" in b.stdout, b.stdout + b.stderr
        assert plan_rows(rnd_round) == 0
    assert status_lists_returns(rnd_round)
    assert opens(rnd_round / MASTER_NAME)


# ---------------------------------------------------------------- kill -9
@POSIX
def test_kill_9_at_random_moments_never_damages_the_master(rnd_round):
    rng = random.Random(20261202)
    master = rnd_round / MASTER_NAME
    start = time.monotonic()
    probe = cli("merge", rnd_round)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    duration = time.monotonic() - start
    versions = {master.read_bytes()}
    for trial in range(20):
        proc = cli_start("plan" if trial % 3 == 2 else "merge", rnd_round)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        assert opens(master), f"trial {trial}: the master does not open after kill -9"
        for b in (rnd_round / "backup").glob("*.xlsm"):
            assert opens(b), f"trial {trial}: damaged backup {b.name}"
        versions.add(master.read_bytes())
    # the next run cleans up whatever the killed runs left
    res = cli("merge", rnd_round)
    assert res.returncode == 0, res.stdout + res.stderr
    leftovers = [p.name for p in rnd_round.rglob(".~*") if not p.name.startswith(".~lock")]
    assert leftovers == []
    assert not (rnd_round / atomic.LOCK_NAME).exists()
    assert opens(master) and status_lists_returns(rnd_round)
    assert time.monotonic() - start < 600


# ---------------------------------------------------------------- read-only, permissions, full disk
def test_read_only_master_is_not_replaced(rnd_round):
    master = rnd_round / MASTER_NAME
    before = master.read_bytes()
    os.chmod(master, 0o444)
    try:
        res = cli("merge", rnd_round)
        assert res.returncode == 3, res.stdout + res.stderr
        assert "Masterfilen er skrivebeskyttet" in res.stdout and "Intet er ændret" in res.stdout
        assert "Uventet" not in res.stdout
        assert master.read_bytes() == before
        assert not (master.stat().st_mode & 0o222), "the master came back writable"
        with pytest.raises(KikFileError, match="skrivebeskyttet"):
            atomic.write_bytes(master, b"x")
    finally:
        os.chmod(master, 0o644)


def _unprivileged() -> list[str]:
    """Run as root without the capabilities that bypass file permissions (so chmod counts)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


@POSIX
@pytest.mark.parametrize("where", ["round", "backup"])
def test_no_write_permission_is_a_file_problem_exit_3(rnd_round, where):
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.fail("root without setpriv cannot test permissions")
    master = rnd_round / MASTER_NAME
    before = master.read_bytes()
    folder = rnd_round if where == "round" else rnd_round / "backup"
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o555)
    try:
        res = cli("merge", rnd_round, pre=_unprivileged())
    finally:
        os.chmod(folder, 0o755)
    assert res.returncode == 3, res.stdout + res.stderr
    assert "Der er ikke adgang til at skrive i mappen" in res.stdout, res.stdout
    assert "Uventet" not in res.stdout and "PermissionError" not in res.stdout
    assert master.read_bytes() == before
    assert [p.name for p in rnd_round.rglob(".~*")] == []


FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # writes past the limit fail with EFBIG
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from xl_kik.cli import main
sys.exit(main(["merge", sys.argv[2]]))
"""


@POSIX
def test_full_disk_while_writing_the_backup_or_the_master(rnd_round):
    master = rnd_round / MASTER_NAME
    before = master.read_bytes()
    for limit in (len(before) // 3, len(before) - 10):
        res = subprocess.run([sys.executable, "-c", FULL_DISK, str(limit), str(rnd_round)], capture_output=True,
                             text=True, env=_env(), timeout=300)
        assert res.returncode == 3, res.stdout + res.stderr
        assert "ikke plads på disken" in res.stdout and "Intet er ændret" in res.stdout
        assert master.read_bytes() == before
        for b in (rnd_round / "backup").iterdir():
            assert not b.name.startswith(".~"), b.name
            assert opens(b), f"a damaged backup under a backup name: {b.name}"
        assert [p.name for p in rnd_round.glob(".~*")] == []


@POSIX
def test_real_full_disk_on_a_small_tmpfs(round_template, tmp_path):
    """ENOSPC from a real file system (tmpfs in a private mount namespace)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    can_mount = os.geteuid() == 0 and shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-m", "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
        capture_output=True).returncode == 0
    if not can_mount:  # a full disk is still tested by RLIMIT_FSIZE above
        pytest.skip("mounting a tmpfs needs root with CAP_SYS_ADMIN (unshare -m)")
    size = sum(p.stat().st_size for p in round_template.rglob("*") if p.is_file())
    mnt = tmp_path / "small"
    mnt.mkdir()
    script = f"""
set -e
mount -t tmpfs -o size={size + 64 * 1024} tmpfs {mnt}
cp -a {round_template} {mnt}/runde
sha256sum {mnt}/runde/{MASTER_NAME} > {tmp_path}/before.txt
set +e
{sys.executable} -m xl_kik.cli merge {mnt}/runde > {tmp_path}/out.txt 2>&1
echo $? > {tmp_path}/rc.txt
sha256sum {mnt}/runde/{MASTER_NAME} > {tmp_path}/after.txt
ls -a {mnt}/runde {mnt}/runde/backup > {tmp_path}/ls.txt
umount {mnt}
"""
    res = subprocess.run(["unshare", "-m", "bash", "-c", script], capture_output=True, text=True, env=_env(),
                         timeout=300)
    assert res.returncode == 0, res.stderr
    out = (tmp_path / "out.txt").read_text()
    assert (tmp_path / "rc.txt").read_text().strip() == "3", out
    assert "ikke plads på disken" in out
    assert (tmp_path / "before.txt").read_text().split()[0] == (tmp_path / "after.txt").read_text().split()[0]
    assert ".~" not in (tmp_path / "ls.txt").read_text()


# ---------------------------------------------------------------- the listing on Status and in status
@POSIX
def test_fifo_and_links_get_a_line_in_status_and_on_the_status_sheet(rnd_round, tmp_path):
    retur = rnd_round / "retur"
    os.mkfifo(retur / "ventende.xlsx")
    os.symlink(retur / "findes-ikke.xlsx", retur / "død genvej.xlsx")
    outside = tmp_path / "udenfor.xlsx"
    shutil.copy(next(p for p in retur.iterdir() if p.suffix == ".xlsx" and p.is_file() and not p.is_symlink()
                     and p.stat().st_size > 0 and p.name != "ventende.xlsx"), outside)
    os.symlink(outside, retur / "genvej ud.xlsx")
    res = cli("status", rnd_round, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    for name, code in (("ventende.xlsx", "F026"), ("død genvej.xlsx", "F027"), ("genvej ud.xlsx", "F028")):
        line = next((ln for ln in res.stdout.splitlines() if name in ln), "")
        assert code in line, (name, res.stdout)
    res = cli("merge", rnd_round, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(rnd_round / MASTER_NAME))
    status = next(n for n in wb.sheet_names if n.lower().startswith("status"))
    text = " ".join(str(v) for row in wb.get_sheet_by_name(status).to_python() for v in row)
    for name in ("ventende.xlsx", "død genvej.xlsx", "genvej ud.xlsx"):
        assert name in text, name
