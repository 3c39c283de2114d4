"""Merge's CPU work in instructions, against its floor's: a ratio this VM's phases do not move.

    python benchmarks/bench_instructions.py              # 100 returns (about 2 minutes)
    python benchmarks/bench_instructions.py --n 300 --work /tmp/kik-bench

Wall-clock ratios on a shared VM move with its phases: on 3 December 2026 the same code measured
``merge in-process`` at 2.0x at 11:11 and 2.5x at 14:33, and a pure-Python loop took 3.6 s to
5.0 s from one minute to the next. Valgrind's callgrind counts the instructions a process
executes, the same in every phase, so a change to the code shows here even when the wall clock
cannot tell it from noise. Each side runs twice, with and without the work, and the difference
is the work alone (interpreter start, imports, reading the master and the exit cancel out):

* ``read``   the returns read and validated in one process (``read_returns``, ``XL_KIK_WORKERS=1``)
             vs python-calamine reading the same two sheets (``_kik``, ``Evaluering``) of the files;
* ``merge``  ``merge_round`` in one process (reading, the sheets, the save) vs the same floor.

Instructions are not time: python-calamine's Rust does more per cycle than the interpreter, so
the wall-clock ratios (``bench_process.py``) stay the goal; this says how much work there is.
Needs ``valgrind`` (Debian package ``valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_process  # noqa: E402 - the rounds are built as that benchmark builds them

FLOOR = r"""
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
files = sorted(Path(sys.argv[1]).glob("*.xls*"))
if sys.argv[2] == "1":
    for p in files:
        wb = CalamineWorkbook.from_path(str(p))
        for name in ("_kik", "Evaluering"):
            if name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()
"""

OURS = r"""
import os, shutil, sys
from pathlib import Path
os.environ["XL_KIK_WORKERS"] = "1"
from xl_kik.excel.master import read_master
from xl_kik.steps.merge import merge_round
from xl_kik.steps.status import read_returns
root, pristine, what, work = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
shutil.copy2(pristine, root / "kik_master.xlsm")
data = read_master(root)
if work and what == "read":
    read_returns(root, data.setup, data.participants, "da")
elif work:
    merge_round(root)
"""

COLLECTED = re.compile(r"Collected\s*:\s*([0-9]+)")


def instructions(script: str, *args: str) -> int:
    """The instructions one Python process running ``script`` executes (callgrind)."""
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                           "-c", script, *args], capture_output=True, text=True, cwd=tempfile.gettempdir(),
                          env={**os.environ, "PYTHONPATH": str(bench_process.ROOT)})
    found = COLLECTED.search(proc.stderr)
    if proc.returncode or not found:
        raise SystemExit(f"valgrind failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="returned files (default 100)")
    ap.add_argument("--work", type=Path, help="keep the round here (default: a temporary folder)")
    args = ap.parse_args(argv)
    if not shutil.which("valgrind"):
        print("valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="xl-kik-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    root = bench_process.build_round(work, f"merge_{args.n}", args.n)
    pristine = work / f"merge_{args.n}_pristine.xlsm"
    if not pristine.exists():
        shutil.copy2(root / "kik_master.xlsm", pristine)
    returns = str(root / "retur")
    floor = instructions(FLOOR, returns, "1") - instructions(FLOOR, returns, "0")
    print(f"Python {sys.version.split()[0]}, {args.n} returns, instructions (callgrind)\n")
    print(f"{'benchmark':10} {'floor':>14} {'xl_kik':>14} {'ratio':>7}")
    for what in ("read", "merge"):
        ours = (instructions(OURS, str(root), str(pristine), what, "1")
                - instructions(OURS, str(root), str(pristine), what, "0"))
        print(f"{what:10} {floor:>14,} {ours:>14,} {ours / floor:>6.2f}x")
    shutil.copy2(pristine, root / "kik_master.xlsm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
