"""Benchmark: the overview across 150 unit masters, in-process, against its floor.

    python benchmarks/bench_rollup.py            # build the masters once (cached), then time
    python benchmarks/bench_rollup.py --rebuild  # build the masters again

The floor is python-calamine reading the sheets ``read_unit`` reads (``ROLLUP_SHEETS`` of
``bench_process.py``) of the same masters in the same process; runs are interleaved and the
minimum of ``--repeat`` is printed with the ratio (goal 2x, issue 14). The whole process is
``bench_process.py --only rollup``. The absolute limit of 5 seconds stays as a sanity check.

The masters are real ones: one demo round (merged, consensus typed, action plan filled)
and one CAF 2020 round on the 0-5 scale (merged, nothing agreed), copied into 150 unit
folders with their own unit name, round id and agreed points (some units without agreed
points, so the median fallback shows). One master is damaged on purpose: it must be
listed as a problem while the others continue. Everything lives in
``benchmarks/out/rollup/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import io
import random
import re
import shutil
import statistics
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xl_kik.core import catalogue
from xl_kik.excel import master
from xl_kik.steps import rollup

OUT = HERE / "out" / "rollup"
UNITS = OUT / "units"
N_UNITS = 150
N_CAF = 10
LIMIT_SECONDS = 5.0
CACHE_VERSION = "4"


def build_base_kik(root: Path) -> Path:
    from xl_kik.demo import round as demo

    if not (root / master.MASTER_NAME).exists():
        demo.run_demo(root, participants=10, say=lambda _: None)
    return root / master.MASTER_NAME


def build_base_caf(root: Path) -> Path:
    import openpyxl

    from xl_kik.steps import merge
    from xl_kik.demo import simulate
    from xl_kik.core.round import Participant
    from xl_kik.steps.generate import generate_round

    if (root / master.MASTER_NAME).exists():
        return root / master.MASTER_NAME
    people = [Participant("", f"Deltager {i}", f"d{i}@kommune.example.dk") for i in range(1, 7)]
    master.create_round(root, unit="Jobcenter Syd", participants=people, catalogue=catalogue.builtin("caf2020"),
                        scale=catalogue.scale("0-5"))
    rng = random.Random(7)
    for _, path in generate_round(root):
        layout = simulate.read_layout(openpyxl.load_workbook(path))
        simulate.fill_workbook(path, root / "retur" / path.name, simulate.random_answers(layout, rng))
    merge.merge_round(root)
    return root / master.MASTER_NAME


def vary_master(src: Path, dest: Path, unit: str, round_id: str, rng: random.Random, agreed: bool,
                lo: int, hi: int) -> None:
    """Copy a master with another unit name and round id and new (or no) agreed points."""
    data = src.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos, _ = master.workbook_sheets(zf)
        consensus = next(i.part for i in infos if i.codename == master.CODE_NAMES["consensus"])
        meta = dict((k, v) for k, v in _meta(zf, infos))
        old_id, old_unit = meta["round_id"], meta["unit"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for item in zf.infolist():
                raw = zf.read(item)
                if item.filename.endswith((".xml", ".rels")):  # shared or inline strings, properties
                    raw = raw.replace(old_id.encode(), round_id.encode()).replace(
                        _xml(old_unit).encode(), _xml(unit).encode())
                if item.filename == consensus:
                    col = "M"  # agreed_points

                    def repl(m: re.Match) -> str:
                        if not agreed:
                            return m.group(1)  # <c ...></c>: an empty cell
                        return f"{m.group(1)}<v>{rng.randint(lo, hi)}</v>"

                    text = raw.decode("utf-8")
                    text = re.sub(rf'(<c r="{col}\d+"(?: [^>]*)?>)<v>[0-9.]+</v>', repl, text)
                    raw = text.encode("utf-8")
                out.writestr(item, raw)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buf.getvalue())


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _meta(zf: zipfile.ZipFile, infos) -> list[tuple[str, str]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(zf.fp.getvalue()))  # type: ignore[union-attr]
    setup = next(i.name for i in infos if i.codename == master.CODE_NAMES["setup"])
    rows = wb.get_sheet_by_name(setup).to_python()
    return [(str(r[0]), str(r[2])) for r in rows if r and isinstance(r[0], str) and len(r) > 2]


def build_units(rebuild: bool = False) -> list[Path]:
    marker = UNITS / f".built-{CACHE_VERSION}"
    if marker.exists() and not rebuild:
        return sorted(p for p in UNITS.iterdir() if p.is_dir())
    shutil.rmtree(UNITS, ignore_errors=True)
    t0 = time.perf_counter()
    kik = build_base_kik(OUT / "base_kik")
    caf = build_base_caf(OUT / "base_caf")
    rng = random.Random(2026)
    kinds = ["Børnehus", "Skole", "Plejecenter", "Jobcenter", "Bibliotek", "Borgerservice", "Dagpleje", "Park og Vej"]
    for i in range(1, N_UNITS + 1):
        folder = UNITS / f"enhed_{i:03d}"
        is_caf = i > N_UNITS - N_CAF
        unit = f"{kinds[i % len(kinds)]} {'Øst' if i % 2 else 'Vest'} {i:03d}"
        if i == 77:  # a damaged master: listed as a problem, the rest continue
            folder.mkdir(parents=True)
            (folder / master.MASTER_NAME).write_bytes(kik.read_bytes()[:5000])
            continue
        src, (lo, hi) = (caf, (0, 5)) if is_caf else (kik, (10, 95))
        vary_master(src, folder / master.MASTER_NAME, unit, f"KIK-20261101-{i:06x}", rng,
                    agreed=(i % 7 != 0) and not is_caf, lo=lo, hi=hi)
    marker.write_text("ok")
    print(f"built {N_UNITS} unit masters in {time.perf_counter() - t0:.1f} s")
    return sorted(p for p in UNITS.iterdir() if p.is_dir())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    folders = build_units(args.rebuild)
    out = OUT / "overblik.xlsx"
    from bench_process import ROLLUP_SHEETS
    from python_calamine import CalamineWorkbook

    sheets = ROLLUP_SHEETS.split(",")
    files = [f / master.MASTER_NAME for f in folders]

    def floor_run() -> float:
        t0 = time.perf_counter()
        for p in files:
            try:
                wb = CalamineWorkbook.from_path(str(p))
            except Exception:  # noqa: BLE001 - the damaged master
                continue
            for name in sheets:
                if name in wb.sheet_names:
                    wb.get_sheet_by_name(name).to_python()
        return time.perf_counter() - t0

    times, reads, writes, floors = [], [], [], []
    result = None
    for _ in range(args.repeat):
        floors.append(floor_run())
        t0 = time.perf_counter()
        result = rollup.build_rollup(folders, out, workers=args.workers)
        times.append(time.perf_counter() - t0)
        reads.append(result.read_seconds)
        writes.append(result.write_seconds)
    assert result is not None
    n = len(folders)
    best = min(times)
    print(f"masters: {n} ({len(result.units)} read, {len(result.failed)} unreadable), "
          f"groups: {', '.join(f'{c} {s}: {len(u)}' for (c, s), u in result.groups.items())}")
    print(f"actions in the overview: {sum(len(u.actions) for u in result.units)}")
    print(f"rollup time: best {best:.2f} s, median {statistics.median(times):.2f} s over {len(times)} runs "
          f"(read {min(reads):.2f} s = {1000 * min(reads) / n:.1f} ms/master, write {min(writes):.2f} s)")
    print(f"floor (calamine reading {', '.join(sheets)}): {min(floors):.3f} s; "
          f"rollup {best:.3f} s; ratio {best / min(floors):.1f}x (goal 2x)")
    print(f"output: {out} ({out.stat().st_size // 1024} KB)")
    ok = best <= LIMIT_SECONDS
    print(("OK" if ok else "TOO SLOW") + f": limit {LIMIT_SECONDS:.0f} s for {N_UNITS} masters")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
