"""Merge benchmark: 1,000 returned files -> statistics -> master sheets.

    python benchmarks/bench_merge.py            # 1,000 returns (built once, cached in benchmarks/out/)
    python benchmarks/bench_merge.py --n 200 --repeat 5
    python benchmarks/bench_merge.py --fresh    # rebuild the cached round

Pipelines measured side by side on the same files and the same master:

* ``calamine``: :func:`xl_kik.steps.merge.merge_round` as shipped — intake checks on the raw zip,
  python-calamine for the cells, validation, statistics, Status/Svarrapport/Konsensus
  rendered with openpyxl into the master, atomic save with backup.
* ``openpyxl-ro``: the same pipeline, but every returned file is read with
  ``openpyxl.load_workbook(read_only=True, data_only=True)`` (metadata sheet + answer
  cells, points parsed as whole numbers) instead of the calamine reader; the statistics
  and the master writing are the same code (:func:`xl_kik.steps.merge.merge_into`).

Phases are timed separately (read / stats+render / load+save master). "first merge" starts
from the pristine master; "re-merge" merges again into the already filled master (the
realistic case: the master then already holds the previous Svarrapport).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xl_kik.core import catalogue
from xl_kik.steps import merge
from xl_kik.steps.status import read_returns
from xl_kik.demo import simulate
from xl_kik.excel.masterfile import MasterFile  # noqa: E402
from xl_kik.core.round import Participant, RoundPaths  # noqa: E402

OUT = HERE / "out"


def _fill(args: tuple[str, str, int]) -> None:
    src, dest, seed = args
    import openpyxl

    rng = random.Random(seed)
    layout = simulate.read_layout(openpyxl.load_workbook(src))
    levels = {q: 30 + (i * 7) % 50 for i, q in enumerate(layout.rows)}
    simulate.fill_workbook(Path(src), Path(dest), simulate.random_answers(layout, rng, levels))


def build_round(n: int, fresh: bool = False) -> Path:
    """A round with ``n`` participants who all returned (cached)."""
    from xl_kik.excel import master
    from xl_kik.steps.generate import generate_round

    root = OUT / f"round_{n}"
    pristine = root / "master_pristine.xlsm"
    if pristine.exists() and not fresh and len(list((root / "retur").glob("*.xlsx"))) >= n:
        return root
    if root.exists():
        shutil.rmtree(root)
    t0 = time.perf_counter()
    people = [Participant(f"D{i:04d}", f"Deltager {i:04d}", f"d{i}@example.dk") for i in range(1, n + 1)]
    master.create_round(root, unit="Benchmarkenheden", participants=people, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"))
    files = generate_round(root)
    jobs = [(str(path), str(root / "retur" / path.name), i) for i, (_, path) in enumerate(files)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(_fill, jobs, chunksize=16))
    shutil.copy2(RoundPaths(root).master, pristine)
    print(f"built {n} returns in {time.perf_counter() - t0:.1f} s -> {root}")
    return root


# ---------------------------------------------------------------- the openpyxl read-only reader
def _read_openpyxl(path: Path, setup, people) -> object:
    """A returned file read with openpyxl read-only into the same Response/ReturnResult types."""
    import hashlib

    import openpyxl
    from xl_kik.core.problems import Report
    from xl_kik.core.returns import Answer, Response, ReturnResult, parse_points

    data = path.read_bytes()
    report = Report(path.name)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        meta_ws = next(ws for ws in wb.worksheets if ws.title == "_kik")
        meta = {str(r[0]): "" if r[1] is None else str(r[1])
                for r in meta_ws.iter_rows(min_col=1, max_col=2, values_only=True) if r and r[0]}
        if meta.get("round_id") != setup.round_id or meta.get("participant_id") not in people:
            return ReturnResult(path, None, report)
        ws = wb[meta["sheet"]]
        from openpyxl.utils import column_index_from_string as ci

        cq, cp, cs, cim, cid = (ci(meta[k]) for k in ("col_qid", "col_points", "col_strengths", "col_improvements",
                                                       "col_ideas"))
        answers = {}
        wanted = set(meta["questions"].split(","))
        lo, hi = setup.scale.min, setup.scale.max
        for row in ws.iter_rows(min_row=int(meta["header_row"]) + 1, values_only=True):
            if len(row) < cq or row[cq - 1] not in wanted:
                continue
            qid = row[cq - 1]
            got = parse_points(row[cp - 1], lo, hi)
            points = got[0] if isinstance(got, tuple) else got
            points = points if isinstance(points, int) else None
            answers[qid] = Answer(qid, points, str(row[cs - 1] or ""), str(row[cim - 1] or ""), str(row[cid - 1] or ""))
    finally:
        wb.close()
    pid = meta["participant_id"]
    resp = Response(pid=pid, name=people[pid].name, file=path, modified=path.stat().st_mtime,
                    sha256=hashlib.sha256(data).hexdigest(), answers=answers,
                    answered=sum(a.points is not None for a in answers.values()), saved_by="")
    return ReturnResult(path, resp, report)


def collect_openpyxl(root: Path, setup, participants):
    from xl_kik.core.returns import Collection

    people = {p.pid: p for p in participants}
    results = [_read_openpyxl(p, setup, people) for p in sorted((root / "retur").glob("*.xlsx"))]
    responses = {r.response.pid: r.response for r in results if r.response is not None}
    missing = [p for p in participants if p.pid not in responses]
    return Collection(results=results, responses=responses, missing=missing, superseded=[])


# ---------------------------------------------------------------- timing
def run_once(root: Path, reader: str, fresh_master: bool) -> dict[str, float]:
    from xl_kik.excel.masterfile import MasterFile
    from xl_kik.excel.master import read_master

    if fresh_master:
        shutil.copy2(root / "master_pristine.xlsm", RoundPaths(root).master)
    t0 = time.perf_counter()
    data = read_master(root)
    if reader == "calamine":
        collection = read_returns(root, data.setup, data.participants, "da")
    else:
        collection = collect_openpyxl(root, data.setup, data.participants)
    t1 = time.perf_counter()
    times = {}
    with MasterFile.edit(RoundPaths(root), "da", skip_cells_of=merge.GENERATED_BY_MERGE) as wb:
        t2 = time.perf_counter()
        result = merge.merge_into(wb, root, data, lang="da", collection=collection)
        t3 = time.perf_counter()
    t4 = time.perf_counter()
    assert result.returned == len(data.participants), (result.returned, result.summary())
    times.update(read=t1 - t0, load_master=t2 - t1, stats_render=t3 - t2, save_master=t4 - t3, total=t4 - t0)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fresh", action="store_true", help="rebuild the cached returns")
    ap.add_argument("--skip-openpyxl", action="store_true")
    args = ap.parse_args(argv)
    root = build_round(args.n, args.fresh)
    print(f"{args.n} returned files, cpu_count={os.cpu_count()}, python {sys.version.split()[0]}")
    summary = {}
    readers = ["calamine"] + ([] if args.skip_openpyxl else ["openpyxl-ro"])
    for reader in readers:
        for label, fresh in (("first merge", True), ("re-merge", False)):
            runs = [run_once(root, reader, fresh) for _ in range(args.repeat if reader == "calamine" else 1)]
            best = min(runs, key=lambda t: t["total"])
            med = statistics.median(t["total"] for t in runs)
            summary[(reader, label)] = best["total"]
            print(f"{reader:12s} {label:12s} total best {best['total']:.2f} s (median {med:.2f}) | "
                  + " ".join(f"{k} {v:.2f}" for k, v in best.items() if k != "total"))
    if not args.skip_openpyxl:
        for label in ("first merge", "re-merge"):
            ratio = summary[("openpyxl-ro", label)] / summary[("calamine", label)]
            print(f"speed-up calamine vs openpyxl read-only ({label}): {ratio:.1f}x")
    # also the shipped entry point end to end (includes reading the master twice)
    shutil.copy2(root / "master_pristine.xlsm", RoundPaths(root).master)
    t0 = time.perf_counter()
    merge.merge_round(root)
    print(f"merge_round() end to end: {time.perf_counter() - t0:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
