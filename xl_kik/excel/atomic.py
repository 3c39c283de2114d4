"""Atomic writes with a backup, and the one round lock: a master is never left half-written
and never written by two runs at once.

* :func:`atomic_path` / :func:`write_with` / :func:`write_bytes`: write to a temporary file in
  the same folder, fsync, keep a timestamped copy of the previous file in ``backup/`` (itself
  written to a temporary name and renamed, so a full disk never leaves a damaged file under a
  backup name), then ``os.replace``. A read-only target is refused, never replaced. Every
  ``OSError`` (no permission, disk full, ...) becomes a :class:`KikFileError` with a Danish
  message saying what to do; nothing is changed. If the target is open in another program
  (Windows refuses the replace) :class:`MasterLockedError` says so.
* :func:`round_lock`: every writer of a round's master holds ``<round>/.xl_kik.lock``
  (an OS lock on that file: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows, released
  by the OS when a process dies). A second writer waits up to ``XL_KIK_LOCK_WAIT`` seconds
  (default 5), then stops with :class:`MasterLockedError` and changes nothing. The holder's
  pid, host, command and start time are written into the file and cleared on release, so
  finding them on acquiring means the previous run was killed: that is logged as a warning
  and its temporary files are removed. The lock is re-entrant within one process.
  :meth:`xl_kik.excel.masterfile.MasterFile.edit`, every atomic write of the master and the
  buttons take it; reading commands do not.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from xl_kik.core.errors import KikFileError, MasterLockedError

if os.name == "nt":  # pragma: no cover - Windows: byte-range locks
    import msvcrt
else:  # POSIX: whole-file advisory locks
    import fcntl
from xl_kik.core.i18n import Msg
from xl_kik.core.round import BACKUP_DIR, MASTER_NAME, OUTGOING_DIR

log = logging.getLogger("xl_kik.atomic")

LOCKED = Msg(
    "Filen {file} kan ikke gemmes, fordi den er åben i et andet program (fx Excel). "
    "Luk den og prøv igen. Intet er ændret.",
    "The file {file} cannot be saved because it is open in another program (e.g. Excel). "
    "Close it and try again. Nothing was changed.",
)
WRITE_FAILED = Msg("Filen {file} kunne ikke gemmes: {reason}. Intet er ændret.",
                   "The file {file} could not be saved: {reason}. Nothing was changed.")
READ_ONLY_MASTER = Msg(
    "Masterfilen er skrivebeskyttet ({file}), så den er ikke ændret. Fjern skrivebeskyttelsen (højreklik > "
    "Egenskaber > fjern 'Skrivebeskyttet') og prøv igen. Intet er ændret.",
    "The master file is read-only ({file}), so it was not changed. Remove the read-only flag (right-click > "
    "Properties > clear 'Read-only') and try again. Nothing was changed.")
READ_ONLY_FILE = Msg(
    "Filen {file} er skrivebeskyttet, så den er ikke ændret. Fjern skrivebeskyttelsen og prøv igen. Intet er ændret.",
    "The file {file} is read-only, so it was not changed. Remove the read-only flag and try again. Nothing was "
    "changed.")
NO_PERMISSION = Msg(
    "Der er ikke adgang til at skrive i mappen {dir} ({file}). Giv dig selv skriveadgang til mappen (eller kopiér "
    "runden til en mappe, du kan skrive i) og prøv igen. Intet er ændret.",
    "There is no permission to write in the folder {dir} ({file}). Give yourself write access to the folder (or "
    "copy the round to a folder you can write in) and try again. Nothing was changed.")
DISK_FULL = Msg(
    "Der er ikke plads på disken til at gemme {file} i {dir}. Frigør plads (fx slet gamle filer i mappen backup) "
    "og prøv igen. Intet er ændret.",
    "There is no space left on the disk to save {file} in {dir}. Free some space (e.g. delete old files in the "
    "backup folder) and try again. Nothing was changed.")
BUSY = Msg(
    "En anden kørsel af xl-kik ({command}, startet {since} på {host}, proces {pid}) skriver i runden {dir} lige nu. "
    "Vent til den er færdig, og prøv igen. Intet er ændret.",
    "Another run of xl-kik ({command}, started {since} on {host}, process {pid}) is writing to the round {dir} "
    "right now. Wait until it has finished and try again. Nothing was changed.")
RECOVERED = Msg(
    "En tidligere kørsel af xl-kik ({command}, startet {since} på {host}, proces {pid}) blev afbrudt uden at blive "
    "færdig; dens lås på runden er frigivet, og dens midlertidige filer er fjernet. Masterfilen er den, der "
    "var gemt før den kørsel.",
    "An earlier run of xl-kik ({command}, started {since} on {host}, process {pid}) was interrupted before it "
    "finished; its lock on the round was released and its temporary files were removed. The master file is the "
    "one saved before that run.")
KEEP_BACKUPS = 30
LOCK_NAME = ".xl_kik.lock"
TMP_PREFIX = ".~"
_BACKUP_TMP = ".~backup."
#: a scoring workbook while it is written (``excel/scoring``): ``udsendt/.~kik-<pid>-<hex>-<n>.tmp``,
#: renamed to its name when whole
OUTGOING_TMP_PREFIX, OUTGOING_TMP_SUFFIX = ".~kik-", ".tmp"
_LOCK_OFFSET = 1 << 30  # msvcrt locks a byte range: lock one far past the holder's text
_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _umask_mode() -> int:
    """File mode an ordinary ``open()`` would give (mkstemp creates 0600 files)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def file_error(exc: OSError, path: Path, lang: str = "da") -> KikFileError:
    """A file problem as the user should read it: what happened, what to do, nothing changed."""
    path = Path(path)
    code = getattr(exc, "errno", None)
    if code in _FULL:
        return KikFileError(DISK_FULL(lang, file=path.name, dir=path.parent), lang=lang)
    if isinstance(exc, PermissionError) or code in _DENIED:
        return KikFileError(NO_PERMISSION(lang, file=path.name, dir=path.parent), lang=lang)
    return KikFileError(WRITE_FAILED(lang, file=path.name, reason=exc.strerror or type(exc).__name__), lang=lang)


def is_read_only(path: Path) -> bool:
    """True if ``path`` exists without its owner-write bit (the Windows read-only attribute, chmod a-w).

    Checked by the mode, not ``os.access``: an administrator may write anyway, but a file a
    person marked read-only must not be replaced behind their back."""
    try:
        return not (path.stat().st_mode & stat.S_IWUSR)
    except OSError:
        return False


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def backup(path: Path, backup_dir: Path | None, keep: int = KEEP_BACKUPS) -> Path | None:
    """Copy ``path`` to ``backup_dir/<stem>_<timestamp><suffix>`` atomically; prune old copies.

    The copy is written to a temporary name, fsynced and renamed: a failure (full disk) leaves
    no file under a backup name and raises."""
    if backup_dir is None or not path.exists():
        return None
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"{path.stem}_{stamp}{path.suffix}"
    fd, tmp_name = tempfile.mkstemp(prefix=_BACKUP_TMP, suffix=".tmp", dir=backup_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as dst, open(path, "rb") as src:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        try:
            shutil.copystat(path, tmp)
            os.chmod(tmp, _umask_mode())
        except OSError:
            pass
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    olds = sorted(backup_dir.glob(f"{path.stem}_*{path.suffix}"))
    for old in olds[:-keep] if keep else []:
        _remove(old)
    return target


@contextmanager
def atomic_path(path: str | Path, backup_dir: Path | None = None, lang: str = "da") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` atomically.

    The round's master is written under :func:`round_lock`. A read-only target is refused
    (:class:`KikFileError`); an ``OSError`` while writing becomes a :class:`KikFileError`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise file_error(exc, path, lang) from exc
    guard = round_lock(path.parent, lang) if path.name == MASTER_NAME else _no_lock()
    with guard:
        if is_read_only(path):
            msg = READ_ONLY_MASTER if path.name == MASTER_NAME else READ_ONLY_FILE
            raise KikFileError(msg(lang, file=path), lang=lang)
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{path.stem}.", suffix=path.suffix, dir=path.parent)
            os.close(fd)
        except OSError as exc:
            raise file_error(exc, path, lang) from exc
        tmp = Path(tmp_name)
        try:
            yield tmp
            try:
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                try:
                    os.chmod(tmp, _umask_mode())
                except OSError:
                    pass
                backup(path, backup_dir)
            except OSError as exc:
                raise file_error(exc, path, lang) from exc
            try:
                os.replace(tmp, path)
            except PermissionError as exc:
                if os.name == "nt":  # Windows: the target is open in another program
                    raise MasterLockedError(LOCKED(lang, file=path.name), lang=lang) from exc
                raise file_error(exc, path, lang) from exc
            except OSError as exc:
                raise file_error(exc, path, lang) from exc
            _fsync_dir(path.parent)
        except BaseException:
            _remove(tmp)
            raise


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


def write_bytes(path: str | Path, data: bytes, backup_dir: Path | None = None, lang: str = "da") -> Path:
    path = Path(path)
    try:
        with atomic_path(path, backup_dir, lang) as tmp:
            tmp.write_bytes(data)
    except KikFileError:
        raise
    except OSError as exc:
        raise file_error(exc, path, lang) from exc
    return path


def write_with(path: str | Path, writer: Callable[[Path], None], backup_dir: Path | None = None,
               lang: str = "da") -> Path:
    """Call ``writer(tmp_path)`` and move the result into place atomically.

    An ``OSError`` raised by ``writer`` (disk full while saving) is a file problem, too."""
    path = Path(path)
    try:
        with atomic_path(path, backup_dir, lang) as tmp:
            writer(tmp)
    except KikFileError:
        raise
    except OSError as exc:
        raise file_error(exc, path, lang) from exc
    return path


# ---------------------------------------------------------------- the round lock
_held: dict[tuple[str, int], list] = {}  # (folder, thread) -> [fd, depth]
_held_guard = threading.Lock()


def lock_wait() -> float:
    """Seconds a second writer waits for the lock (``XL_KIK_LOCK_WAIT``, default 5)."""
    try:
        return max(0.0, float(os.environ.get("XL_KIK_LOCK_WAIT", "5")))
    except ValueError:
        return 5.0


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover - Windows
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def _same_file(fd: int, path: Path) -> bool:
    """The locked file is still the one at ``path`` (a releasing holder may have removed it)."""
    if os.name == "nt":  # pragma: no cover - an open file cannot be removed on Windows
        return True
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _read_holder(fd_or_path: int | Path) -> dict:
    try:
        if isinstance(fd_or_path, int):
            os.lseek(fd_or_path, 0, os.SEEK_SET)
            text = os.read(fd_or_path, 4096)
        else:
            with open(fd_or_path, "rb") as fh:
                text = fh.read(4096)
        data = json.loads(text.decode("utf-8", "replace")) if text.strip() else {}
        return data if isinstance(data, dict) else {"command": "?"}
    except (OSError, ValueError):
        return {}


def _holder_params(holder: dict, folder: Path) -> dict:
    return {"command": str(holder.get("command") or "?")[:80], "since": str(holder.get("since") or "?")[:40],
            "host": str(holder.get("host") or "?")[:80], "pid": holder.get("pid", "?"), "dir": folder}


def _host() -> str:
    """This computer's name, for the lock's holder: what ``socket.gethostname`` gives, without
    loading the socket module into every command (``uname`` on POSIX, ``COMPUTERNAME`` on Windows)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    return os.environ.get("COMPUTERNAME", "")


def _command() -> str:
    args = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"] + sys.argv[1:2]
    return " ".join(a for a in args if a)[:80]


def _remove(path: str | os.PathLike) -> bool:
    """Remove a file if it is there: True when removed, False when missing or not removable."""
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def remove_leftovers(folder: Path) -> list[Path]:
    """Temporary files of killed runs: ``.~kik_master.*.xlsm`` in the round folder,
    ``.~backup.*.tmp`` in ``backup/`` and ``.~kik-*.tmp`` in ``udsendt/`` (a questionnaire not
    written whole; on Windows a name starting with a dot is not hidden). Only call while holding
    the round lock (generate writes its temporary files holding it)."""
    stem, suffix = Path(MASTER_NAME).stem, Path(MASTER_NAME).suffix
    found = (list(folder.glob(f"{TMP_PREFIX}{stem}.*{suffix}")) + list((folder / BACKUP_DIR).glob(f"{_BACKUP_TMP}*.tmp"))
             + list((folder / OUTGOING_DIR).glob(f"{OUTGOING_TMP_PREFIX}*{OUTGOING_TMP_SUFFIX}")))
    removed = [p for p in found if _remove(p)]
    if removed:
        log.info("removed temporary files of an interrupted run: %s", ", ".join(p.name for p in removed))
    return removed


def _acquire(folder: Path, lang: str, wait: float) -> int:
    path = folder / LOCK_NAME
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise file_error(exc, path, lang) from exc
        try:
            locked = _try_lock(fd)
        except OSError:  # a file system without locks: treat as free
            locked = True
        if locked and _same_file(fd, path):
            previous = _read_holder(fd)
            try:
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                me = {"pid": os.getpid(), "host": _host(), "command": _command(),
                      "since": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
                os.write(fd, json.dumps(me).encode("utf-8"))
            except OSError as exc:
                _release(fd, path)
                raise file_error(exc, path, lang) from exc
            if previous:
                log.warning(RECOVERED(lang, **_holder_params(previous, folder)))
            return fd
        if locked:
            _unlock(fd)
        holder = _read_holder(fd)
        os.close(fd)
        if time.monotonic() >= deadline:
            raise MasterLockedError(BUSY(lang, **_holder_params(holder, folder)), lang=lang)
        time.sleep(0.05)


def _release(fd: int, path: Path) -> None:
    try:
        os.ftruncate(fd, 0)  # an empty lock file: the run finished
    except OSError:
        pass
    removed = os.name != "nt" and _remove(path)  # while still locked: a waiter re-checks the inode
    try:
        _unlock(fd)
    except OSError:
        pass
    os.close(fd)
    if not removed:
        _remove(path)


@contextmanager
def round_lock(folder: str | Path, lang: str = "da", wait: float | None = None) -> Iterator[None]:
    """Hold the round's write lock (re-entrant in one thread). See the module docs."""
    folder = Path(folder)
    key = (os.path.realpath(folder), threading.get_ident())
    with _held_guard:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
    if entry is not None:
        try:
            yield
        finally:
            entry[1] -= 1
        return
    fd = _acquire(folder, lang, lock_wait() if wait is None else wait)
    with _held_guard:
        _held[key] = [fd, 1]
    try:
        remove_leftovers(folder)
        yield
    finally:
        with _held_guard:
            _held.pop(key, None)
        _release(fd, folder / LOCK_NAME)


def holds_lock(folder: str | Path) -> bool:
    """Whether this thread holds the round lock of ``folder``."""
    return (os.path.realpath(folder), threading.get_ident()) in _held
