"""The files: reading returns, writing scoring workbooks and the master.

Importing this package makes openpyxl load without numpy (see :class:`_OpenpyxlWithoutNumpy`).
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder
from typing import Any


class _OpenpyxlWithoutNumpy(MetaPathFinder):
    """openpyxl imports numpy (when installed, as pandas brings it) only to accept numpy
    numbers as cell values: about 40 % of openpyxl's import time, paid by every click. xl_kik
    never gives openpyxl a numpy value (core/stats makes plain floats; pandas is only for
    exports), so while ``openpyxl.compat.numbers`` runs its ``import numpy``, numpy is
    reported missing. Everything else imports numpy as usual, also after openpyxl."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "numpy" and "numpy" not in sys.modules:
            numbers = sys.modules.get("openpyxl.compat.numbers")
            if numbers is not None and not hasattr(numbers, "NUMPY"):  # that module is running
                raise ImportError("numpy is not used through openpyxl by xl_kik", name=name)
        return None


if not any(isinstance(f, _OpenpyxlWithoutNumpy) for f in sys.meta_path):
    sys.meta_path.insert(0, _OpenpyxlWithoutNumpy())
