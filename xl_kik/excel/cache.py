"""Bytes built once and kept between runs, in the user's cache folder: a round's scoring template.

Building a round's scoring template with XlsxWriter costs more than writing a thousand
questionnaires from it (importing XlsxWriter alone ~30 ms, issue 14), and every generate, resend
and *1. Lav spørgeskemaer* click of the same round builds the same bytes again. :func:`built` keeps
them in a file named by a digest of

* what the caller says the bytes are made of (the round's setup, as its ``repr``), and
* the code that makes them: the name, size and modification time of every file of the
  ``xl_kik`` package and of XlsxWriter (:func:`code_stamp`), so an upgrade, a patch or an edit
  in a working copy never meets bytes made by the code before.

A kept template holds placeholders where a participant's name, id and token go: no one's
answers or name, and not the round's secret (``tests/test_cache.py``).
A kept file ends with the SHA-256 of its bytes; a file that does not match (cut short, damaged)
is not used, and the bytes are built again and kept anew. The cache is an optimisation only:
a folder that cannot be made or written (no permission, full disk, read-only profile) means
the bytes are built each time, silently, and nothing else changes.

Where: ``XL_KIK_CACHE_DIR`` if set (``off``, ``0`` or ``false``: no cache), else the platform's
cache folder for the user (``%LOCALAPPDATA%\\xl_kik\\Cache`` on Windows, ``~/Library/Caches/xl_kik``
on a Mac, ``$XDG_CACHE_HOME/xl_kik`` or ``~/.cache/xl_kik`` elsewhere). At most
:data:`KEEP` files are kept per kind, the least recently used go first.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import time
from pathlib import Path
from typing import Callable

from xl_kik.core.errors import KikFileError
from xl_kik.excel import atomic

ENV = "XL_KIK_CACHE_DIR"
OFF = {"", "0", "off", "false", "no"}
KEEP = 32  # files per kind: a coordinator's rounds of a season, each in a few versions
_DIGEST = 32  # the SHA-256 at a kept file's end
_SUFFIX = ".bin"
_STALE_TMP = 3600.0  # seconds: a temporary file this old was left by a run that was killed


def cache_dir() -> Path | None:
    """The cache folder (not created here), or None when the cache is switched off."""
    value = os.environ.get(ENV)
    if value is not None:
        return None if value.strip().lower() in OFF else Path(value)
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "xl_kik" / "Cache" if base else None
    home = Path(os.path.expanduser("~"))
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "xl_kik"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache") / "xl_kik"


def tree_stamp(root: str | os.PathLike, digest: "hashlib._Hash") -> None:
    """Feed ``digest`` the relative path, size and modification time of every file under ``root``
    (``__pycache__`` left out: compiling changes no behaviour), in a fixed order."""
    root = os.fspath(root)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel = os.path.relpath(folder, root)
        for name in sorted(files):
            st = os.stat(os.path.join(folder, name))
            digest.update(f"{rel}/{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())


def _package_dir(name: str) -> str | None:
    """The folder of an installed top-level package, found without importing it."""
    for entry in sys.path:
        candidate = os.path.join(entry or os.curdir, name)
        if os.path.isfile(os.path.join(candidate, "__init__.py")):
            return candidate
    return None


@functools.lru_cache(maxsize=None)
def code_stamp() -> str | None:
    """A digest of the code that builds cached bytes (``xl_kik`` and XlsxWriter); None when
    either cannot be found as plain files (a zipped or frozen install: no cache then)."""
    digest = hashlib.sha256()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the xl_kik package
    xlsxwriter_dir = _package_dir("xlsxwriter")
    if xlsxwriter_dir is None or not os.path.isfile(os.path.join(here, "__init__.py")):
        return None
    try:
        for root in (here, xlsxwriter_dir):
            digest.update(f"{os.path.basename(root)}\n".encode())
            tree_stamp(root, digest)
    except OSError:
        return None
    return digest.hexdigest()


def key_for(kind: str, made_of: str) -> str | None:
    stamp = code_stamp()
    if stamp is None:
        return None
    return hashlib.sha256(f"{kind}\0{stamp}\0{made_of}".encode()).hexdigest()[:40]


def load(folder: Path, key: str) -> bytes | None:
    """The bytes kept under ``key``, or None (none kept, unreadable, or not what was kept)."""
    path = folder / f"{key}{_SUFFIX}"
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    body, tail = raw[:-_DIGEST], raw[-_DIGEST:]
    if len(raw) <= _DIGEST or hashlib.sha256(body).digest() != tail:
        return None
    try:
        os.utime(path)  # recently used: kept when older ones go (:func:`_prune`)
    except OSError:
        pass
    return body


def store(folder: Path, key: str, data: bytes) -> bool:
    """Keep ``data`` under ``key`` (:func:`xl_kik.excel.atomic.write_bytes`: a temporary name of
    its own, then a rename); False if it could not be."""
    try:
        atomic.write_bytes(folder / f"{key}{_SUFFIX}", data + hashlib.sha256(data).digest())
    except KikFileError:
        return False
    _prune(folder)
    return True


def _prune(folder: Path, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` most recently used files, and old temporary files."""
    try:
        entries = [(e.stat().st_mtime, e.path, e.name) for e in os.scandir(folder) if e.is_file()]
    except OSError:
        return
    temporary = [e for e in entries if e[2].startswith(atomic.TMP_PREFIX)]  # atomic.write_bytes's
    kept = sorted((e for e in entries if e[2].endswith(_SUFFIX) and e not in temporary), reverse=True)
    now = time.time()
    old = kept[keep:] + [e for e in temporary if now - e[0] > _STALE_TMP]
    for _, path, _ in old:
        try:
            os.unlink(path)
        except OSError:
            pass


def built(kind: str, made_of: str, build: Callable[[], bytes]) -> bytes:
    """The bytes ``build()`` makes from ``made_of``: kept ones if this code made them before."""
    root = cache_dir()
    key = key_for(kind, made_of) if root is not None else None
    if key is None:
        return build()
    folder = root / kind
    data = load(folder, key)
    if data is None:
        data = build()
        store(folder, key, data)
    return data


__all__ = ["ENV", "KEEP", "built", "cache_dir", "code_stamp", "key_for", "load", "store", "tree_stamp"]
