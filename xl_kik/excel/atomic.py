"""Atomic writes with a backup: a master is never left half-written.

Write to a temporary file in the same folder, fsync, keep a timestamped copy of the
previous file in ``backup/``, then ``os.replace``. If the target is locked (open in Excel
on Windows) the temporary file is removed and :class:`MasterLockedError` says so.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from xl_kik.core.i18n import Msg
from xl_kik.core.errors import KikFileError, MasterLockedError

LOCKED = Msg(
    "Filen {file} kan ikke gemmes, fordi den er åben i et andet program (fx Excel). "
    "Luk den og prøv igen. Intet er ændret.",
    "The file {file} cannot be saved because it is open in another program (e.g. Excel). "
    "Close it and try again. Nothing was changed.",
)
WRITE_FAILED = Msg("Filen {file} kunne ikke gemmes: {reason}. Intet er ændret.",
                   "The file {file} could not be saved: {reason}. Nothing was changed.")
KEEP_BACKUPS = 30


def _umask_mode() -> int:
    """File mode an ordinary ``open()`` would give (mkstemp creates 0600 files)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def backup(path: Path, backup_dir: Path | None, keep: int = KEEP_BACKUPS) -> Path | None:
    """Copy ``path`` to ``backup_dir/<stem>_<timestamp><suffix>``; prune old copies."""
    if backup_dir is None or not path.exists():
        return None
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"{path.stem}_{stamp}{path.suffix}"
    shutil.copy2(path, target)
    olds = sorted(backup_dir.glob(f"{path.stem}_*{path.suffix}"))
    for old in olds[:-keep] if keep else []:
        try:
            old.unlink()
        except OSError:
            pass
    return target


@contextmanager
def atomic_path(path: str | Path, backup_dir: Path | None = None, lang: str = "da") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".~{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, _umask_mode())
        except OSError:
            pass
        backup(path, backup_dir)
        try:
            os.replace(tmp, path)
        except PermissionError as exc:
            raise MasterLockedError(LOCKED(lang, file=path.name)) from exc
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def write_bytes(path: str | Path, data: bytes, backup_dir: Path | None = None, lang: str = "da") -> Path:
    path = Path(path)
    try:
        with atomic_path(path, backup_dir, lang) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        if isinstance(exc, PermissionError):
            raise MasterLockedError(LOCKED(lang, file=path.name)) from exc
        raise KikFileError(WRITE_FAILED(lang, file=path.name, reason=exc.strerror or exc)) from exc
    return path


def write_with(path: str | Path, writer: Callable[[Path], None], backup_dir: Path | None = None,
               lang: str = "da") -> Path:
    """Call ``writer(tmp_path)`` and move the result into place atomically."""
    path = Path(path)
    with atomic_path(path, backup_dir, lang) as tmp:
        writer(tmp)
    return path
