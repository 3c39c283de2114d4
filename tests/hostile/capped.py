"""Run Python code in a subprocess under an address-space cap above its own baseline.

``run_capped(code, extra_mb)`` starts a fresh interpreter, imports xl_kik's readers, measures
its virtual size (``VmSize``), sets ``RLIMIT_AS`` to that plus ``extra_mb`` and then runs
``code``. A Rust allocation beyond the cap aborts the process (exit 134), a Python one raises
MemoryError: either way the caller sees a non-zero exit. POSIX only (resource, /proc).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PRELUDE = """
import resource, sys
sys.path.insert(0, {tests!r})
import xl_kik.excel.intake, xl_kik.core.returns, python_calamine, defusedxml.ElementTree
{imports}
def _vm():
    for line in open('/proc/self/status'):
        if line.startswith('VmSize:'):
            return int(line.split()[1]) * 1024
base = _vm()
cap = base + {extra} * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
"""


def run_capped(code: str, extra_mb: int, imports: str = "", timeout: float = 300) -> subprocess.CompletedProcess:
    tests = str(Path(__file__).resolve().parents[1])
    script = PRELUDE.format(tests=tests, imports=imports, extra=extra_mb) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
