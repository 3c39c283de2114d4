"""The user cache of built bytes (xl_kik/excel/cache.py): a round's scoring template is built once
per version of the code, and what comes out of the cache is byte for byte what building gives."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xl_kik.core import catalogue
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.excel import cache, master, scoring
from xl_kik.excel.masterfile import MasterFile

PEOPLE = ["Anna Ærø", "Bo Bøg", "Carl Cé"]
# generate in a new interpreter, then say whether it loaded XlsxWriter (it builds templates only)
GENERATE = ("import sys; from xl_kik.cli import main; rc = main(sys.argv[1:]); "
            "print('xlsxwriter' in sys.modules); sys.exit(rc)")


def make_round(root: Path, unit: str = "Solsikken") -> RoundPaths:
    ps = [Participant("", n, f"p{i}@x.dk") for i, n in enumerate(PEOPLE)]
    return master.create_round(root, unit=unit, participants=ps, catalogue=catalogue.builtin("kik"),
                               scale=catalogue.scale("0-100"))


def generate(root: Path, cache_dir: str | Path) -> tuple[dict[str, bytes], bool]:
    """``xl-kik generate`` in a new process: the files it wrote (then moved away) and whether it
    imported XlsxWriter."""
    env = dict(os.environ, XL_KIK_CACHE_DIR=str(cache_dir))
    done = subprocess.run([sys.executable, "-c", GENERATE, "generate", str(root), "-q"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = RoundPaths(root).outgoing
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    for p in out.iterdir():
        p.unlink()
    return files, done.stdout.strip().splitlines()[-1] == "True"


def kept(folder: Path) -> list[Path]:
    return sorted((folder / "scoring").glob("*.bin"))


def test_the_installed_code_can_be_stamped():
    # without a stamp the cache is silently off: this install must have one, or nothing below is tested
    assert cache.code_stamp() is not None


def test_generate_gives_the_same_bytes_built_and_from_the_cache(tmp_path):
    paths = make_round(tmp_path / "runde")
    built, loaded_built = generate(paths.root, "off")
    cold, loaded_cold = generate(paths.root, tmp_path / "cache")
    assert len(kept(tmp_path / "cache")) == 1
    warm, loaded_warm = generate(paths.root, tmp_path / "cache")
    assert len(built) == len(PEOPLE)
    assert cold == built and warm == built
    assert loaded_built and loaded_cold  # both built the template
    assert not loaded_warm  # the cache was used: XlsxWriter never loaded


def test_a_kept_template_holds_no_participant_and_no_secret(tmp_path):
    # the cache folder is the user's own, but a laptop's disk outlives a round: only placeholders
    paths = make_round(tmp_path / "runde")
    generate(paths.root, tmp_path / "cache")
    [path] = kept(tmp_path / "cache")
    data = master.read_master(paths.root)
    setup = data.setup
    with zipfile.ZipFile(io.BytesIO(path.read_bytes()[:-32])) as zf:
        text = b"".join(zf.read(n) for n in zf.namelist())
    assert "Solsikken".encode() in text  # the unit is in it: the parts were read
    for secret in [*PEOPLE, setup.secret, *(setup.token(p.pid) for p in data.participants)]:
        assert secret.encode() not in text, secret


def test_a_changed_setup_never_meets_the_bytes_of_the_one_before(tmp_path):
    paths = make_round(tmp_path / "runde", unit="Solsikken")
    first, _ = generate(paths.root, tmp_path / "cache")
    with MasterFile.edit(paths) as wb:  # the coordinator renames the unit in Opsætning
        ws = MasterFile.sheet_by_codename(wb, "shSetup")
        cells = [row[2] for row in ws.iter_rows(min_col=1, max_col=3) if row[0].value == "unit"]
        assert len(cells) == 1
        cells[0].value = "Mælkebøtten"
    second, loaded = generate(paths.root, tmp_path / "cache")
    assert loaded  # a new setup: built, not taken from the cache
    assert len(kept(tmp_path / "cache")) == 2
    for name, data in second.items():
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            strings = zf.read("xl/sharedStrings.xml").decode()
        assert "Mælkebøtten" in strings and "Solsikken" not in strings, name
    assert len(first) == len(second) == len(PEOPLE)


@pytest.mark.parametrize("damage", ["cut short", "one byte changed", "empty"])
def test_a_damaged_cache_file_is_not_used(tmp_path, damage):
    paths = make_round(tmp_path / "runde")
    built, _ = generate(paths.root, "off")
    generate(paths.root, tmp_path / "cache")
    [path] = kept(tmp_path / "cache")
    raw = path.read_bytes()
    path.write_bytes({"cut short": raw[: len(raw) // 2], "one byte changed": raw[:100] + bytes([raw[100] ^ 1]) + raw[101:],
                      "empty": b""}[damage])
    again, loaded = generate(paths.root, tmp_path / "cache")
    assert loaded and again == built
    assert path.read_bytes() == raw  # kept anew


def test_a_cache_folder_that_cannot_be_made_changes_nothing(tmp_path):
    paths = make_round(tmp_path / "runde")
    built, _ = generate(paths.root, "off")
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    again, loaded = generate(paths.root, blocker / "cache")
    assert loaded and again == built
    assert blocker.read_text() == "not a folder"


def test_in_process_template_uses_the_cache(tmp_path, monkeypatch):
    from scoring_fixtures import fixed_setup

    monkeypatch.setenv(cache.ENV, str(tmp_path / "c"))
    setup = fixed_setup()
    first = scoring.ScoringTemplate(setup)
    [path] = kept(tmp_path / "c")
    assert path.read_bytes()[:-32] == first.template_bytes
    monkeypatch.setenv(cache.ENV, "off")
    assert scoring.ScoringTemplate(setup).template_bytes == first.template_bytes
    monkeypatch.setenv(cache.ENV, str(tmp_path / "c"))
    other = scoring.ScoringTemplate(fixed_setup(lang="en"))
    assert other.template_bytes != first.template_bytes
    assert len(kept(tmp_path / "c")) == 2


def test_the_stamp_follows_every_file_but_not_the_compiled_ones(tmp_path):
    tree = tmp_path / "pkg"
    (tree / "sub" / "__pycache__").mkdir(parents=True)
    (tree / "a.py").write_text("x = 1\n")
    (tree / "sub" / "b.json").write_text("{}")

    def stamp() -> str:
        h = hashlib.sha256()
        cache.tree_stamp(tree, h)
        return h.hexdigest()

    before = stamp()
    (tree / "sub" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"compiled")
    assert stamp() == before
    (tree / "a.py").write_text("x = 22\n")  # one byte longer
    changed = stamp()
    assert changed != before
    st = (tree / "sub" / "b.json").stat()
    os.utime(tree / "sub" / "b.json", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # same size, touched
    assert stamp() != changed
    (tree / "c.py").write_text("")
    assert stamp() != changed


def test_only_the_most_recently_used_files_are_kept(tmp_path):
    folder = tmp_path / "kind"
    keys = [f"{i:040x}" for i in range(cache.KEEP + 5)]
    folder.mkdir()
    for i, key in enumerate(keys):  # kept by earlier runs, the first longest ago
        data = b"data %d" % i
        (folder / f"{key}.bin").write_bytes(data + hashlib.sha256(data).digest())
        os.utime(folder / f"{key}.bin", (1_000_000 + i, 1_000_000 + i))
    assert cache.load(folder, keys[0]) == b"data 0"  # used now: the newest
    cache.store(folder, "f" * 40, b"one more")
    names = {p.stem for p in folder.glob("*.bin")}
    assert len(names) == cache.KEEP
    assert keys[0] in names and "f" * 40 in names
    assert not names & set(keys[1:7])  # the six least recently used went


def test_where_the_cache_lives(monkeypatch, tmp_path):
    for value in ("off", "0", "false", "", " OFF "):
        monkeypatch.setenv(cache.ENV, value)
        assert cache.cache_dir() is None
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    assert cache.cache_dir() == tmp_path
    monkeypatch.delenv(cache.ENV)
    if os.name != "nt" and sys.platform != "darwin":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert cache.cache_dir() == tmp_path / "xdg" / "xl_kik"
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/not/used")
        assert cache.cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "xl_kik"


def test_two_runs_at_once_build_the_same_template_into_one_cache(tmp_path):
    # two coordinators' rounds made from one master (the same setup) generated at the same moment
    first = make_round(tmp_path / "a")
    second = tmp_path / "b"
    second.mkdir()
    (second / first.master.name).write_bytes(first.master.read_bytes())
    built, _ = generate(first.root, "off")
    env = dict(os.environ, XL_KIK_CACHE_DIR=str(tmp_path / "cache"))
    procs = [subprocess.Popen([sys.executable, "-c", GENERATE, "generate", str(root), "-q"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for root in (first.root, second)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    for root in (first.root, second):
        files = {p.name: p.read_bytes() for p in sorted(RoundPaths(root).outgoing.iterdir())}
        assert files == built
    [path] = kept(tmp_path / "cache")
    assert cache.load(path.parent, path.stem) is not None  # whole, its digest matches
    assert not list(path.parent.glob(".~*"))


def test_a_store_that_fails_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "kind"
    (folder / ("a" * 40 + ".bin")).mkdir(parents=True)  # the name is taken by a folder: the rename fails
    assert cache.store(folder, "a" * 40, b"data") is False
    assert cache.load(folder, "a" * 40) is None
    assert sorted(p.name for p in folder.iterdir()) == ["a" * 40 + ".bin"]


def test_temporary_files_of_a_killed_run_go_after_an_hour(tmp_path):
    folder = tmp_path / "kind"
    folder.mkdir()
    old, fresh = folder / ".~x.k2j4m9.bin", folder / ".~y.q8w1z3.bin"  # as atomic.write_bytes names them
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(old, (1_000_000, 1_000_000))
    assert cache.store(folder, "b" * 40, b"data")
    assert not old.exists() and fresh.exists()  # a run writing right now keeps its file
