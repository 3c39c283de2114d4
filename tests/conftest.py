"""Shared pytest fixtures. Keep each owner's fixtures in their own delimited block."""

# === BEGIN libreoffice harness block (owner: tests/lo_harness.py) =======================
# Session-scoped fixture `libreoffice`: one real LibreOffice (tests/lo_harness.py) for the
# whole test session. Without soffice/uno the tests are skipped, unless env CI is set
# (non-empty, not "0"/"false") or XL_KIK_REQUIRE_LO=1: then they fail loudly.
import os as _lo_os

import pytest as _lo_pytest


from needs import required as _lo_required  # noqa: E402 (one rule for CI, tests/needs.py)


def pytest_configure(config):
    # The marker is also declared in pyproject.toml; registering it here keeps
    # `--strict-markers` happy when pytest is run with another config file.
    # (Only one pytest_configure may live in this file: extend this one if needed.)
    config.addinivalue_line(
        "markers", "libreoffice: end-to-end tests that drive a real LibreOffice")


@_lo_pytest.fixture(scope="session")
def libreoffice():
    """A started ``lo_harness.LibreOfficeSession`` shared by the whole test session."""
    import lo_harness

    reason = lo_harness.unavailable_reason()
    if reason:
        if _lo_required():
            _lo_pytest.fail(f"LibreOffice is required here (CI / XL_KIK_REQUIRE_LO=1) but "
                            f"unavailable: {reason}", pytrace=False)
        _lo_pytest.skip(f"LibreOffice unavailable: {reason}")
    session = lo_harness.LibreOfficeSession()
    try:
        session.start()
    except lo_harness.LibreOfficeError as exc:
        if _lo_required():
            _lo_pytest.fail(f"LibreOffice could not be started: {exc}", pytrace=False)
        _lo_pytest.skip(f"LibreOffice could not be started: {exc}")
    try:
        yield session
    finally:
        session.stop()
        leftovers = session.leftover_pids()
        if leftovers:
            raise RuntimeError(f"LibreOffice processes left running: {leftovers}")
# === END libreoffice harness block =======================================================

# === BEGIN cache block (owner: tests/test_cache.py) ======================================
# The suite's cache of built templates (xl_kik/excel/cache.py) is a new folder per session, set
# in the environment so the CLI processes tests start use it too: never the user's own, never
# one left by an earlier run. Tests about the cache set their own folder.
import atexit as _cache_atexit
import shutil as _cache_shutil
import tempfile as _cache_tempfile

_cache_dir = _cache_tempfile.mkdtemp(prefix="xl_kik-test-cache-")
_lo_os.environ["XL_KIK_CACHE_DIR"] = _cache_dir
_cache_atexit.register(_cache_shutil.rmtree, _cache_dir, True)
# === END cache block =====================================================================
