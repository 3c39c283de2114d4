"""Whole-process benchmarks: every xl_kik command against the floor it cannot beat.

    python benchmarks/bench_process.py                 # all, default sizes
    python benchmarks/bench_process.py --only merge --n 1000 --repeat 3
    python benchmarks/bench_process.py --only click    # the 15-person round (merge, plan)

Each benchmark measures its floor in the same run, on the same files, as a separate Python
process, and prints ``xl_kik / floor``:

* ``merge``    ``xl-kik merge`` of N filled returns  vs  a bare python-calamine process that
               reads the same cells (the metadata sheet and the evaluation sheet) of the same files;
               ``merge in-process``: ``merge_round`` alone (imports done) vs the same calamine
               reading alone, both timed inside one process; ``merge 1 process``: the whole
               process with ``XL_KIK_WORKERS=1`` (no reading pool), ``merge pool of 2`` with
               ``XL_KIK_WORKERS=2``, against the same floor (``merge`` itself uses the pool only
               when cores are free, ``steps/status._workers``).
* ``click``    ``xl-kik merge`` and ``xl-kik plan`` on a 15-person round  vs  ``python -c pass``;
               also prints the ten slowest imports of ``python -X importtime`` and the
               libraries each command loads.
* ``rollup``   ``xl-kik rollup`` of M masters  vs  a bare python-calamine process reading the
               sheets the rollup reads (_kik, Opsætning, Deltagere, Spørgsmål, Status, Konsensus,
               Handleplan: :data:`ROLLUP_SHEETS`) of the same masters; ``rollup (4 sheets)``: the
               same run against the earlier floor of four sheets (Opsætning, Status, Konsensus,
               Handleplan), which leaves out the three sheets ``parse_master`` needs;
               ``rollup 1 process`` / ``rollup pool of 2``: ``XL_KIK_WORKERS=1`` / ``2`` (``rollup``
               itself reads with a helper from 40 masters when half a core is free,
               ``steps/rollup._workers``).
* ``generate`` ``xl-kik generate`` of N workbooks  vs  a process that writes N byte copies of one
               finished scoring workbook, both into a new folder (no file deleted while they are
               measured: on this VM's ext4 a new file costs up to 25 times as much for a minute
               or more after files were deleted, :func:`quiet_inodes`); the two run back to back (in
               turns first), and the row is the round with the median ratio;
               ``generate (minima)``: the least time of each; ``generate, 1,000 files after the first
               15``: the time of 1,000 more files, from the same runs on a 15-person round (what is
               left when the start, interpreter, imports, master and template, is taken away).
* ``grid``     the master side of a merge of 3,000 returns: Status and Svarrapport written with
               openpyxl into the loaded master  vs  openpyxl writing the same cells plain (in-process,
               ``benchmarks/bench_grid.py``; its goal is absolute: <= 0.5 s).

Times are the minimum of ``--repeat`` runs (wall clock of the whole process; generate: see
above). Only the command line is used, so the numbers mean what a coordinator waits for. Rounds are built once per run
in a temporary folder (or ``--work DIR`` to keep them).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLI = [sys.executable, "-c", "import sys; from xl_kik.cli import main; sys.exit(main())"]
GOALS = {"merge": 2.5, "merge in-process": 2.0, "merge 1 process": 2.5, "merge pool of 2": 2.5, "click merge": 15.0, "click plan": 15.0,
         "rollup": 2.0, "rollup (4 sheets)": 2.0, "rollup 1 process": 2.0, "rollup pool of 2": 2.0, "generate": 3.0,
         "generate, first": 3.0}
#: What ``excel/rollup.read_unit`` reads of a master (docs/DESIGN.md, "Rollup"): parse_master's
#: four sheets and the three with the scores, the returns and the actions. (The hidden Forrige is
#: read only for a round with a previous one not merged since; these masters have none.)
ROLLUP_SHEETS = "_kik,Opsætning,Deltagere,Spørgsmål,Status,Konsensus,Handleplan"
GOAL_SECONDS = {"grid": 0.5}  # issue 14, goal 5: Status and Svarrapport for 3,000 returns

CALAMINE_FLOOR = r"""
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
n = 0
for p in sorted(Path(sys.argv[1]).glob("*.xls*")):
    wb = CalamineWorkbook.from_path(str(p))
    for name in sys.argv[2].split(","):
        if name in wb.sheet_names:
            n += len(wb.get_sheet_by_name(name).to_python())
        elif name == "*":
            for s in wb.sheet_names:
                n += len(wb.get_sheet_by_name(s).to_python())
print(n)
"""

#: the floor and merge_round inside one process, imports done: prints "floor_s merge_s"
IN_PROCESS = r"""
import shutil, sys, time
from pathlib import Path
from python_calamine import CalamineWorkbook
from xl_kik.steps.merge import merge_round
root, pristine, repeat = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
files = sorted((root / "retur").glob("*.xls*"))
floor = ours = float("inf")
for _ in range(repeat):
    t0 = time.perf_counter()
    for p in files:
        wb = CalamineWorkbook.from_path(str(p))
        for name in ("_kik", "Evaluering"):
            if name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()
    floor = min(floor, time.perf_counter() - t0)
    shutil.copy2(pristine, root / "kik_master.xlsm")
    t0 = time.perf_counter()
    merge_round(root)
    ours = min(ours, time.perf_counter() - t0)
print(floor, ours)
"""

#: a new file in a folder of its own, in this VM's fast phase: ~0.03 ms (see :func:`quiet_inodes`)
QUIET_PER_FILE = 0.0001  # seconds
#: the small round of :func:`bench_generate`: what generate costs before its files (the start)
SMALL_GENERATE = 15


def quiet_inodes(out: Path, aside: Path, data: bytes, files: int, patience: float = 480.0) -> None:
    """Wait until creating files costs what it does with no inode freed nearby of late.

    This VM's ext4 has no journal, and without one ext4 does not hand out an inode freed in the
    last 60 seconds, or 360 while its inode table block is not yet written out
    (``recently_deleted`` in ``fs/ext4/ialloc.c``): each new file then walks past every inode
    freed before it, so for some minutes after 1,000 files were deleted the next 1,000 cost
    0.1-0.8 ms each instead of ~0.03 ms, the floor's copies as much as generate's files. Probes
    as the runs will write: ``files`` copies of ``data`` into a new ``out``, moved into ``aside``
    after (not deleted: that would start it again), every 20 s, at most ``patience`` seconds,
    and says how long it waited."""
    t0 = time.perf_counter()
    while True:
        out.mkdir()
        t = time.perf_counter()
        for i in range(files):
            (out / f"p{i}.xlsx").write_bytes(data)
        per_file = (time.perf_counter() - t) / files
        out.rename(aside / f"probe_{time.time_ns()}")
        waited = time.perf_counter() - t0
        if per_file <= QUIET_PER_FILE or waited > patience:
            print(f"  file system: a new file {per_file * 1000:.3f} ms after waiting {waited:.0f} s"
                  + ("" if per_file <= QUIET_PER_FILE else " (still slow: the rows below are not comparable)"))
            return
        os.sync()
        time.sleep(20)


COPY_FLOOR = r"""
import sys
from pathlib import Path
src, out, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
data = src.read_bytes()
out.mkdir(parents=True, exist_ok=True)
for i in range(n):
    (out / f"copy_{i:05d}.xlsx").write_bytes(data)
"""

#: the floor as generate must write (a questionnaire never stands half-written under its name):
#: each copy to a temporary name in the folder, then renamed into place
COPY_FLOOR_RENAMED = r"""
import os, sys
from pathlib import Path
src, out, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
data = src.read_bytes()
out.mkdir(parents=True, exist_ok=True)
for i in range(n):
    tmp = out / f".copy_{i:05d}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, out / f"copy_{i:05d}.xlsx")
"""


def run(cmd: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t0
    if proc.returncode not in (0,):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return dt


def best(cmd: list[str], repeat: int, before=None, env: dict | None = None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        times.append(run(cmd, env=env))
    return min(times)


def best_interleaved(runs: dict[str, tuple[list[str], dict | None, Any]], repeat: int) -> dict[str, float]:
    """The least time of each of ``runs`` (name -> command, environment, what to do before),
    run in turns: one round runs each once, so a slow minute of the machine falls on all of
    them alike (run one after the other, rows of the same command differed by up to 25 % here)."""
    out = {name: float("inf") for name in runs}
    for _ in range(repeat):
        for name, (cmd, env, before) in runs.items():
            if before:
                before()
            out[name] = min(out[name], run(cmd, env=env))
    return out


def xl(*args: str) -> list[str]:
    return CLI + [str(a) for a in args]


# ---------------------------------------------------------------- building rounds
def participants_csv(path: Path, n: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Navn", "E-mail", "Rolle", "Gruppe"])
        for i in range(1, n + 1):
            w.writerow([f"Deltager {i:04d}", f"d{i}@example.dk", "medarbejder", f"Gruppe {i % 3}"])
    return path


def build_round(work: Path, name: str, n: int, fill: bool = True) -> Path:
    root = work / name
    if (root / "kik_master.xlsm").exists():
        return root
    people = participants_csv(work / f"{name}.csv", n)
    run(xl("init", root, "--unit", f"Enhed {name}", "--participants", people, "-q"))
    run(xl("generate", root, "-q"))
    if fill:
        fill_returns(root)
    return root


def fill_returns(root: Path, seed: int = 7) -> None:
    """Every participant returns a filled workbook (xl_kik.demo.simulate types the answers)."""
    import openpyxl

    from xl_kik.demo import simulate

    rng = random.Random(seed)
    out = root / "retur"
    out.mkdir(exist_ok=True)
    levels = None
    for path in sorted((root / "udsendt").glob("*.xlsx")):
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        if levels is None:
            levels = {q: rng.randint(20, 80) for q in layout.rows}
        simulate.fill_workbook(path, out / path.name, simulate.random_answers(layout, rng, levels))


def clone(src: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)
    return dest


# ---------------------------------------------------------------- benchmarks
def bench_merge(work: Path, n: int, repeat: int) -> list[tuple[str, float, float]]:
    root = build_round(work, f"merge_{n}", n)
    pristine = work / f"merge_{n}_pristine.xlsm"
    if not pristine.exists():
        shutil.copy2(root / "kik_master.xlsm", pristine)
    reset = lambda: shutil.copy2(pristine, root / "kik_master.xlsm")  # noqa: E731
    got = best_interleaved({
        "floor": ([sys.executable, "-c", CALAMINE_FLOOR, str(root / "retur"), "_kik,Evaluering"], None, None),
        "ours": (xl("merge", root, "-q"), None, reset),
        "one": (xl("merge", root, "-q"), {**os.environ, "XL_KIK_WORKERS": "1"}, reset),
        "two": (xl("merge", root, "-q"), {**os.environ, "XL_KIK_WORKERS": "2"}, reset)}, repeat)
    floor, ours, one, two = got["floor"], got["ours"], got["one"], got["two"]
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS, str(root), str(pristine), str(repeat)],
                          capture_output=True, text=True, check=True)
    floor_in, ours_in = map(float, proc.stdout.split())
    return [("merge", floor, ours), ("merge 1 process", floor, one), ("merge pool of 2", floor, two),
            ("merge in-process", floor_in, ours_in)]


def bench_click(work: Path, repeat: int) -> list[tuple[str, float, float]]:
    root = build_round(work, "click_15", 15)
    run(xl("merge", root, "-q"))
    floor = best([sys.executable, "-c", "pass"], max(repeat, 5))
    merge_t = best(xl("merge", root, "-q"), repeat)
    plan_t = best(xl("plan", root, "-q"), repeat)
    for command in ("merge", "plan"):
        print_imports(command, root)
    return [("click merge", floor, merge_t), ("click plan", floor, plan_t)]


def print_imports(command: str, root: Path) -> None:
    """The ten slowest imports of one ``xl-kik COMMAND`` (python -X importtime, cumulative)
    and every third-party library it loads."""
    proc = subprocess.run([sys.executable, "-X", "importtime"] + CLI[1:] + [command, str(root), "-q"],
                          capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    total = sum(us for us, name in rows if len(name) - len(name.lstrip()) == 1)  # top-level imports
    # what stays imported (importtime also lists optional imports that failed, e.g. PIL)
    listing = ("import atexit, sys; atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sys.modules)))"
               "; from xl_kik.cli import main; sys.exit(main())")
    err = subprocess.run([sys.executable, "-c", listing, command, str(root), "-q"], capture_output=True,
                         text=True).stderr
    loaded = err.rsplit("MODULES ", 1)[-1].split()
    libraries = sorted({m.split(".")[0] for m in loaded} - set(sys.stdlib_module_names) - {"xl_kik"})
    libraries = [lib for lib in libraries if not lib.startswith("_") and lib != "sitecustomize"]
    rows.sort(reverse=True)
    print(f"  `xl-kik {command}`: imports {total / 1e6:.3f} s; third-party libraries loaded: {', '.join(libraries)}")
    print("  slowest imports (cumulative us, python -X importtime):")
    for us, name in rows[:10]:
        print(f"    {us:>9,d}  {name.strip()}")


def bench_rollup(work: Path, m: int, repeat: int) -> list[tuple[str, float, float]]:
    base = work / "rollup_demo"  # a whole round: merged, agreed points typed, an action plan
    if not (base / "kik_master.xlsm").exists():
        run(xl("demo", base, "--participants", "12", "-q"))
    units = work / f"rollup_{m}_units"
    if not units.exists():  # one master per unit: its own unit name, round id and agreed points, so the
        # overview has M rows (byte copies would be one round given M times: read M times, written once)
        from bench_rollup import vary_master

        units.mkdir()
        rng = random.Random(14)
        for i in range(m):
            vary_master(base / "kik_master.xlsm", units / f"unit_{i:03d}.xlsm", f"Enhed {i:03d}",
                        f"KIK-20261101-{i:06x}", rng, agreed=True, lo=10, hi=95)
    masters = sorted(units.glob("*.xlsm"))
    out = work / "rollup_out.xlsx"
    floor = floor4 = ours = one = two = float("inf")
    cpu = {"floor": float("inf"), "ours": float("inf"), "one": float("inf"), "two": float("inf")}
    for _ in range(repeat):  # interleaved, so a busy moment of the shared machine hits them all
        floor = min(floor, run_cpu([sys.executable, "-c", CALAMINE_FLOOR, str(units), ROLLUP_SHEETS], cpu, "floor"))
        floor4 = min(floor4, run([sys.executable, "-c", CALAMINE_FLOOR, str(units),
                                  "Opsætning,Status,Konsensus,Handleplan"]))
        ours = min(ours, run_cpu(xl("rollup", *masters, "-o", out, "-q"), cpu, "ours"))
        # the reading pool forced off and on (``rollup`` itself uses it only when a core is free)
        one = min(one, run_cpu(xl("rollup", *masters, "-o", out, "-q"), cpu, "one",
                               env={**os.environ, "XL_KIK_WORKERS": "1"}))
        two = min(two, run_cpu(xl("rollup", *masters, "-o", out, "-q"), cpu, "two",
                               env={**os.environ, "XL_KIK_WORKERS": "2"}))
    print(f"  rollup, CPU time (user + sys, min of {repeat}): floor {cpu['floor']:.3f} s, xl_kik {cpu['ours']:.3f} s, "
          f"ratio {cpu['ours'] / cpu['floor']:.1f}x (less sensitive to a busy machine than the wall clock); "
          f"in one process {cpu['one']:.3f} s, with a helper {cpu['two']:.3f} s")
    return [("rollup", floor, ours), ("rollup (4 sheets)", floor4, ours), ("rollup 1 process", floor, one),
            ("rollup pool of 2", floor, two)]


def run_cpu(cmd: list[str], best_cpu: dict[str, float], key: str, env: dict | None = None) -> float:
    """:func:`run`, also keeping the least CPU time (user + sys) of the child (and its helper
    processes) in ``best_cpu[key]``."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run(cmd, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    best_cpu[key] = min(best_cpu[key], used)
    return wall


def bench_generate(work: Path, n: int, repeat: int) -> list[tuple[str, float, float]]:
    """Both write N new files into a new, empty ``udsendt/``: the floor's copies too.

    No file is deleted while the two are measured: the folder of the run before is moved aside
    (a rename), and all of them are deleted after the last run; before the first, the inodes
    freed earlier are waited for (:func:`quiet_inodes`: the "file-system phases" that made this
    row 1.5x-3.6x until 7 December). Each round runs the floor, generate with the round's
    template in the cache (as every generate of a round after its first: ``excel/cache.py``)
    and generate with a new, empty cache folder (a round's first generate: the template built),
    and the floor's copies each written to a temporary name and renamed into place (what
    generate must do: :data:`COPY_FLOOR_RENAMED`), in turns. The goal's floor is the renamed
    copies (decided 7 December 2026: the rename is the job's, not xl_kik's overhead); the plain
    copies' ratios are printed beside. ``generate`` is the round with the median ratio,
    ``generate (minima)`` the least time of each. CPU time printed as well, and the user time
    alone."""
    import resource

    from xl_kik.excel import master, scoring  # the harness fills the cache (no file into udsendt/)

    one = work / "one_scoring_workbook.xlsx"  # kept apart: udsendt/ is moved aside before each run
    small = SMALL_GENERATE
    roots = {size: build_round(work, f"generate_{size}", size, fill=False) for size in (n, small)}
    aside = work / "generate_aside"  # the folders of earlier runs, deleted after the last run
    shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir()
    for size, root in roots.items():
        if not (root / "udsendt").is_dir():  # an earlier run stopped while its folder was moved aside
            run(xl("generate", root, "-q"))
        if size == n:
            shutil.copyfile(next((root / "udsendt").glob("*.xlsx")), one)
        (root / "udsendt").rename(aside / f"built_{size}")
        scoring.ScoringTemplate(master.read_master(root).setup)  # kept in XL_KIK_CACHE_DIR (main)
    # the inodes freed before (the merge benchmark's copies, an earlier run)
    quiet_inodes(roots[n] / "udsendt", aside, one.read_bytes(), n)
    keys = ("floor", "ours", "first", "renamed")
    wall = {key: float("inf") for key in keys}
    cpu, user = dict(wall), dict(wall)
    pairs = {n: [], small: []}  # per size: the keys' wall times of one round, run back to back
    for i in range(max(repeat, 2)):
        for size, root in roots.items():
            out = root / "udsendt"  # the same path for all, a new folder before each run of any
            cmds = {"floor": ([sys.executable, "-c", COPY_FLOOR, str(one), str(out), str(size)], None),
                    "renamed": ([sys.executable, "-c", COPY_FLOOR_RENAMED, str(one), str(out), str(size)], None),
                    "ours": (xl("generate", root, "-q"), None),
                    "first": (xl("generate", root, "-q"),
                              {**os.environ, "XL_KIK_CACHE_DIR": str(aside / f"cache_{i}_{size}")})}
            pair = {}
            for key in keys[i % len(keys):] + keys[:i % len(keys)]:  # each first in turn
                os.sync()  # the run before's 20 MB written out now, not by the kernel during this run
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                pair[key] = run(*cmds[key])
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if size == n:
                    wall[key] = min(wall[key], pair[key])
                    u = after.ru_utime - before.ru_utime
                    user[key] = min(user[key], u)
                    cpu[key] = min(cpu[key], u + after.ru_stime - before.ru_stime)
                if len(list(out.iterdir())) != size:
                    raise SystemExit(f"{key} wrote {len(list(out.iterdir()))} files, not {size}")
                out.rename(aside / f"{i}_{size}_{key}")
            pairs[size].append(tuple(pair[key] for key in keys))
    for size, root in roots.items():
        (aside / f"built_{size}").rename(root / "udsendt")  # the round as it was built (a rename)
    shutil.rmtree(aside)
    print(f"  generate, CPU time (user + sys, min of {len(pairs[n])}): floor {cpu['floor']:.3f} s, xl_kik {cpu['ours']:.3f} s, "
          f"ratio {cpu['ours'] / cpu['floor']:.1f}x, a round's first {cpu['first']:.3f} s, "
          f"{cpu['first'] / cpu['floor']:.1f}x; user time alone: floor {user['floor']:.3f} s, "
          f"xl_kik {user['ours']:.3f} s, first {user['first']:.3f} s; the copies renamed into place: "
          f"CPU {cpu['renamed']:.3f} s, xl_kik {cpu['ours'] / cpu['renamed']:.1f}x")
    medians = {}
    for size in (n, small):
        for col, label in ((1, "xl_kik"), (2, "a round's first generate")):  # against the plain copies
            by_ratio = sorted(pairs[size], key=lambda p: p[col] / p[0])
            print(f"  generate {size}, wall time of each round's back-to-back runs (floor / {label} = ratio): "
                  + ", ".join(f"{p[0]:.3f} / {p[col]:.3f} = {p[col] / p[0]:.1f}x" for p in by_ratio))
            medians[size, col] = by_ratio[(len(by_ratio) - 1) // 2]  # the lower median: a round that ran
        for col, label, slot in ((1, "xl_kik", 3), (2, "a round's first generate", 4)):  # the goal's floor
            by_ratio = sorted(pairs[size], key=lambda p: p[col] / p[3])
            print(f"  generate {size} against the copies renamed into place (renamed / {label} = ratio): "
                  + ", ".join(f"{p[3]:.3f} / {p[col]:.3f} = {p[col] / p[3]:.1f}x" for p in by_ratio))
            medians[size, slot] = by_ratio[(len(by_ratio) - 1) // 2]
    # the start and the files after it from the least times (noise only adds to a time)
    least = {size: [min(p[k] for p in pairs[size]) for k in range(len(keys))] for size in (n, small)}
    (floor_n, ours_n, _, _), (floor_s, ours_s, first_s, _) = least[n], least[small]
    per_floor, per_ours = (floor_n - floor_s) / (n - small), (ours_n - ours_s) / (n - small)
    print(f"  generate, least times: {small} workbooks (the start: interpreter, imports, master, template) "
          f"floor {floor_s:.3f} s, xl_kik {ours_s:.3f} s (a round's first {first_s:.3f} s); each of the other "
          f"{n - small}: floor {per_floor * 1000:.3f} ms, xl_kik {per_ours * 1000:.3f} ms")
    med, first, renamed, first_renamed = (medians[n, k] for k in (1, 2, 3, 4))
    return [("generate", renamed[3], renamed[1]), ("generate (minima)", wall["renamed"], wall["ours"]),
            ("generate, first", first_renamed[3], first_renamed[2]),
            ("generate, first (minima)", wall["renamed"], wall["first"]),
            ("generate vs plain copies", med[0], med[1]), ("generate vs plain (minima)", wall["floor"], wall["ours"]),
            ("generate, first vs plain", first[0], first[2]),
            ("generate, first vs plain (minima)", wall["floor"], wall["first"]),
            (f"generate, 1,000 files after the first {small}", per_floor * 1000, per_ours * 1000)]


def bench_grid(work: Path, repeat: int) -> list[tuple[str, float, float]]:
    sys.path.insert(0, str(HERE))
    import bench_grid as grid  # benchmarks/bench_grid.py

    got = grid.measure(grid.GOAL_N, repeat, work)
    return [("grid", got["floor"], got["total"])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=("merge", "click", "rollup", "generate", "grid"), action="append")
    ap.add_argument("--n", type=int, default=1000, help="returns for merge / workbooks for generate")
    ap.add_argument("--masters", type=int, default=150)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", default=None, help="keep the built rounds in this folder")
    args = ap.parse_args(argv)
    which = args.only or ["click", "merge", "rollup", "generate", "grid"]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="xl_kik_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, cpu_count={os.cpu_count()}, work folder {work}")
    # An installed wheel has its bytecode (pip compiles it); a source checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module on every start instead.
    import xl_kik

    # the cache of built templates (excel/cache.py) in the work folder, not the user's own
    os.environ["XL_KIK_CACHE_DIR"] = str(work / "cache")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(xl_kik.__file__).parent)], check=True)
    results: list[tuple[str, float, float]] = []
    try:
        if "click" in which:
            results += bench_click(work, args.repeat)
        if "merge" in which:
            results += bench_merge(work, args.n, args.repeat)
        if "rollup" in which:
            results += bench_rollup(work, args.masters, args.repeat)
        if "generate" in which:
            results += bench_generate(work, args.n, args.repeat)
        if "grid" in which:
            results += bench_grid(work, args.repeat)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'benchmark':18s} {'floor s':>9s} {'xl_kik s':>9s} {'ratio':>7s} {'goal':>6s}")
    for name, floor, ours in results:
        if name in GOAL_SECONDS:
            goal_s = GOAL_SECONDS[name]
            print(f"{name:18s} {floor:9.3f} {ours:9.3f} {ours / floor:6.1f}x {goal_s:5.1f}s "
                  f"{'ok' if ours <= goal_s else 'OVER'}")
            continue
        goal = GOALS.get(name)
        ok = "" if goal is None else ("ok" if ours / floor <= goal else "OVER")
        shown = "     -" if goal is None else f"{goal:5.1f}x"
        print(f"{name:18s} {floor:9.3f} {ours:9.3f} {ours / floor:6.1f}x {shown} {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
