"""What a test needs from the machine: in CI a missing program is a failure, elsewhere a skip.

CI (env ``CI`` set, not "0"/"false") or ``XL_KIK_REQUIRE_LO=1`` make every such test required,
so a missing LibreOffice, pdftoppm or validator can never hide behind a skip there.
"""

from __future__ import annotations

import os

import pytest


def required() -> bool:
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or os.environ.get("XL_KIK_REQUIRE_LO", "").strip() == "1"


def require(what: str, reason: str) -> None:
    """``what`` is missing (``reason``): fail in CI / with XL_KIK_REQUIRE_LO=1, else skip."""
    if required():
        pytest.fail(f"{what} is required here (CI / XL_KIK_REQUIRE_LO=1) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"{what} unavailable: {reason}")
