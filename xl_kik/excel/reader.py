"""Reading returned files from disk: the ``retur/`` listing, one file, a whole folder.

:func:`read_return` reads one file: :func:`xl_kik.excel.intake.open_workbook` checks it as a
file (type, bombs, grid bounds) and opens it with calamine; :func:`xl_kik.core.returns.validate`
checks its content. :func:`collect_returns` reads a round's ``retur/`` folder: one result per
entry, duplicates (same bytes) reported once, the newest file per participant wins.

The listing (:func:`listing`) never opens anything that is not a regular file inside the
round: FIFOs, devices and sockets, dangling links and links that lead out of the round get a
problem of their own (a line on Status and in ``xl-kik status``), never silently skipped.
``~$...`` and dot files are Excel's / LibreOffice's / macOS's lock and metadata files when they
are tiny and not zips (skipped); a real workbook under such a name is read. File names are
decoded safely for display (an undecodable byte becomes U+FFFD).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Callable, Sequence

from xl_kik.core.problems import Problem, Report
from xl_kik.core.returns import (META_SHEET, R_DUPLICATE_FILE, R_NOT_TOP_LEVEL, Collection, ReturnResult,
                                 assemble, expected_layout, validate)
from xl_kik.core.round import Participant, RoundSetup
from xl_kik.excel import intake, pool

PARALLEL_MIN_FILES = 64  # below this a process pool costs more than it saves
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
LOCK_FILE_MAX = 4096  # Excel's owner file "~$name.xlsx" is 165 bytes; a workbook is > 4 KB


def display_name(path: Path | str) -> str:
    """The file name as text that can be shown and written anywhere (no lone surrogates)."""
    name = path.name if isinstance(path, PurePath) else Path(path).name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode(
            "utf-8", "replace").decode("utf-8")


@dataclass
class Entry:
    """One entry of the returns folder: a file to read, a folder, or something never read."""

    path: Path
    kind: str                  # "file", "folder", "problem"
    problem: Problem | None = None


def _is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) in intake.ZIP_MAGICS
    except OSError:
        return False


def _inside(path: Path, root: Path) -> bool:
    try:
        return os.path.commonpath([os.path.realpath(path), os.path.realpath(root)]) == os.path.realpath(root)
    except ValueError:  # another drive on Windows
        return False


def listing(returns_dir: Path, round_root: Path | None = None) -> list[Entry]:
    """The entries of ``returns_dir`` in name order (see the module docs)."""
    returns_dir = Path(returns_dir)
    round_root = Path(round_root) if round_root is not None else returns_dir.parent
    try:
        entries = list(os.scandir(returns_dir))
    except OSError:
        return []
    out: list[Entry] = []
    for entry in entries:
        n = entry.name
        if n.lower() in IGNORED_NAMES:
            continue
        try:
            # a regular file (no link) by the directory entry's own type: no stat per file (a
            # returns folder of 1,000 took 11 ms, 7 December 2026); reading checks it again
            regular = not n.startswith(("~$", ".")) and entry.is_file(follow_symlinks=False)
        except OSError:
            regular = False
        if regular:
            out.append(Entry(Path(entry.path), "file"))
            continue
        path = Path(entry.path)
        shown = display_name(path)
        try:
            st = os.lstat(path)
        except OSError as exc:
            out.append(Entry(path, "problem", intake.F_CANNOT_OPEN(file=shown, reason=exc.strerror or "?")))
            continue
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(path)
            if not os.path.exists(target):
                out.append(Entry(path, "problem", intake.F_DANGLING_LINK(file=shown)))
                continue
            if not _inside(path, round_root):
                out.append(Entry(path, "problem", intake.F_LINK_OUTSIDE(file=shown)))
                continue
            try:
                st = os.stat(path)
            except OSError as exc:
                out.append(Entry(path, "problem", intake.F_CANNOT_OPEN(file=shown, reason=exc.strerror or "?")))
                continue
        if stat.S_ISDIR(st.st_mode):
            if not n.startswith((".", "~$")):
                out.append(Entry(path, "folder"))
            continue
        if not stat.S_ISREG(st.st_mode):
            out.append(Entry(path, "problem", intake.F_NOT_REGULAR(file=shown, kind=_kind(st.st_mode))))
            continue
        if n.startswith(("~$", ".")) and (st.st_size <= LOCK_FILE_MAX or not _is_zip(path)):
            continue  # Excel's owner file, LibreOffice's .~lock, macOS ._ files: not returns
        out.append(Entry(path, "file"))
    out.sort(key=lambda e: (e.path.name.casefold(), e.path.name))
    return out


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "enhed/device"
    return "?"


# ---------------------------------------------------------------- one file
def read_return(path: str | Path, setup: RoundSetup, participants: Sequence[Participant],
                lang: str = "da") -> ReturnResult:
    """Read and validate one returned file. Never raises."""
    path = Path(path)
    return _read_safely(path, None, setup, {p.pid: p for p in participants}, lang)


def _read_safely(path: Path, data: bytes | None, setup: RoundSetup, people: dict[str, Participant],
                 lang: str, mtime: float | None = None, sha256: str | None = None) -> ReturnResult:
    name = display_name(path)
    report = Report(name)
    try:
        response = _read(path, name, data, setup, people, lang, report, mtime, sha256)
    except intake.Refused as exc:  # a sheet's part, checked when it was first read, is unsafe
        report.add(exc.problem)
        response = None
    except MemoryError:
        report.add(intake.F_UNEXPECTED(file=name, error="MemoryError"))
        response = None
    except Exception as exc:  # noqa: BLE001 - the contract: never crash on a returned file
        if type(exc).__module__.startswith("python_calamine"):  # a sheet calamine cannot parse
            report.add(intake.F_CORRUPT(file=name, reason=type(exc).__name__))
        else:
            report.add(intake.F_UNEXPECTED(file=name, error=type(exc).__name__))
        response = None
    return ReturnResult(path, response, report)


def _read(path: Path, name: str, data: bytes | None, setup: RoundSetup, people: dict[str, Participant],
          lang: str, report: Report, mtime: float | None, sha256: str | None = None):
    raw = intake.open_workbook(path, lang, data, sha256, name=name, read_sheets=_sheets_read(setup))
    if isinstance(raw, list):
        report.extend(raw)
        return None
    try:
        report.extend(raw.problems)
        if mtime is None:
            try:
                mtime = path.stat().st_mtime
            except OSError:
                mtime = 0.0
        return validate(name, path, raw, setup, people, lang, report, mtime)
    finally:
        raw.close()


_SHEETS_READ: tuple[Any, tuple[str, ...]] = (None, ())  # the last round asked and its answer


def _sheets_read(setup: RoundSetup) -> tuple[str, ...]:
    """The sheets :func:`~xl_kik.core.returns.validate` reads of a return of this round: the
    metadata sheet and the questions sheet the generator made (the parts of the others are
    deferred, ``intake.open_workbook(read_sheets=...)``: a sheet the metadata names instead is
    checked when it is read)."""
    global _SHEETS_READ
    if _SHEETS_READ[0] is not setup:
        layout = expected_layout(setup)
        _SHEETS_READ = (setup, (META_SHEET,) + ((layout["sheet"],) if layout else ()))
    return _SHEETS_READ[1]


#: what a reading process was started with (_start_reader): the round, its people, the language
_ROUND: tuple[RoundSetup, dict[str, Participant], str] | None = None


def _start_reader(setup: RoundSetup, people: dict[str, Participant], lang: str) -> None:
    global _ROUND
    _ROUND = (setup, people, lang)


def _read_paths(paths: list[Path]) -> list[tuple[ReturnResult, str]]:
    """A chunk of files, read in a reading process (the round from :func:`_start_reader`)."""
    assert _ROUND is not None
    return [_read_path(path, *_ROUND) for path in paths]


def _read_path(path: Path, setup: RoundSetup, people: dict[str, Participant], lang: str) -> tuple[ReturnResult, str]:
    got = intake.read_file(path, name=display_name(path))
    if isinstance(got, Problem):
        return ReturnResult(path, None, Report(display_name(path), [got])), ""
    data, mtime = got
    sha = hashlib.sha256(data).hexdigest()
    return _read_safely(path, data, setup, people, lang, mtime, sha), sha


# ---------------------------------------------------------------- a folder
#: the helpers' pool; None: concurrent.futures.ProcessPoolExecutor, looked up only when a pool starts
#: (it loads multiprocessing). A test may use threads.
_POOL: Any = None


def _read_shared(files: list[Path], helpers: int, setup: RoundSetup, people: dict[str, Participant],
                 lang: str, meanwhile: Callable[[], None] | None = None) -> list[tuple[ReturnResult, str]]:
    """Every file read by this process and ``helpers`` reading processes together, in order
    (:func:`xl_kik.excel.pool.read_shared`: this process from the first file forwards, the
    helpers from the last backwards; a helper gets the round once, when it starts)."""
    def here(chunk: list[Path]) -> list[tuple[ReturnResult, str]]:
        return [_read_path(path, setup, people, lang) for path in chunk]

    return pool.read_shared(files, _read_paths, helpers, here=here, initializer=_start_reader,
                            initargs=(setup, people, lang), pool=_POOL, meanwhile=meanwhile)


def collect_returns(returns_dir: str | Path, setup: RoundSetup, participants: Sequence[Participant],
                    lang: str = "da", workers: int | None = None, meanwhile: Callable[[], None] | None = None
                    ) -> Collection:
    """Read every returned file at the top level of ``returns_dir``.

    Sub-folders are reported (info) and not read; entries that are never read (FIFOs,
    devices, dangling links, links out of the round) are reported as unusable. Results come
    in file-name order. ``workers`` > 1 reads with this process and ``workers - 1`` helper
    processes (:func:`_read_shared`; from PARALLEL_MIN_FILES files). ``meanwhile()``: work for this
    process while the helpers read, called once when they have their first files
    (:func:`xl_kik.excel.pool.read_shared`); never without helpers.
    """
    returns_dir = Path(returns_dir)
    entries = listing(returns_dir)
    files = [e.path for e in entries if e.kind == "file"]
    people = {p.pid: p for p in participants}
    results: list[ReturnResult] = []
    duplicates: list[ReturnResult] = []
    seen: dict[str, str] = {}
    done: dict[Path, tuple[ReturnResult, str]] | None = None
    if workers and workers > 1 and len(files) >= PARALLEL_MIN_FILES:
        # Duplicates are read twice here and reported the same way below.
        done = dict(zip(files, _read_shared(files, workers - 1, setup, people, lang, meanwhile)))
    for entry in entries:
        path, name = entry.path, display_name(entry.path)
        if entry.kind == "problem":
            results.append(ReturnResult(path, None, Report(name, [entry.problem])))
            continue
        if entry.kind == "folder":
            continue
        if done is None:
            # Dedupe before parsing: hash first, parse only new content.
            got = intake.read_file(path, name=name)
            if isinstance(got, Problem):
                results.append(ReturnResult(path, None, Report(name, [got])))
                continue
            data, mtime = got
            sha = hashlib.sha256(data).hexdigest()
            if sha in seen:
                dup = ReturnResult(path, None, Report(name, [R_DUPLICATE_FILE(file=name, other=seen[sha])]))
                results.append(dup)
                duplicates.append(dup)
                continue
            seen[sha] = name
            results.append(_read_safely(path, data, setup, people, lang, mtime, sha))
            del got, data
        else:
            result, sha = done[path]
            if sha and sha in seen:
                dup = ReturnResult(path, None, Report(name, [R_DUPLICATE_FILE(file=name, other=seen[sha])]))
                results.append(dup)
                duplicates.append(dup)
                continue
            if sha:
                seen[sha] = name
            results.append(result)
    for entry in entries:
        if entry.kind == "folder":
            name = display_name(entry.path)
            results.append(ReturnResult(entry.path, None, Report(name, [R_NOT_TOP_LEVEL(file=name)])))
    return assemble(results, duplicates, participants)


__all__ = ["read_return", "collect_returns", "listing", "display_name", "Entry", "PARALLEL_MIN_FILES"]
