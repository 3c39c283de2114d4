"""The live-Excel path: xlwings calls per button on the demo round (issue 14, goal 6).

    python benchmarks/bench_live.py

Every xlwings call is a COM round trip into Excel (milliseconds each). No Excel runs here, so
the buttons run against the recording double of ``tests/test_live_calls.py`` (the real
``XlwingsSheetWriter`` writing into a double that records every attribute set and method
call, fonts included) and the calls are counted per button and per kind. The budget
(``BUDGET``) is kept by ``tests/test_live_calls.py``.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_live_calls import BUDGET, BUTTONS, count_button, kind  # noqa: E402
from xl_kik.demo import round as demo  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="xl_kik_live_") as tmp:
        work = Path(tmp)
        demo.run_demo(work / "demo", say=lambda _text: None)
        totals = {}
        for name in BUTTONS:
            log, skipped = count_button(work / "demo", work, name)
            totals[name] = len(log)
            kinds = Counter(kind(e) for e in log)
            print(f"{name}: {len(log)} xlwings calls" + (f" ({len(skipped)} skipped features)" if skipped else ""))
            print("    " + ", ".join(f"{k} {v}" for k, v in kinds.most_common(12)))
    print(f"\n{'button':12s} {'calls':>6s} {'budget':>7s}")
    for name, n in totals.items():
        print(f"{name:12s} {n:6d} {BUDGET:7d} {'ok' if n <= BUDGET else 'OVER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
