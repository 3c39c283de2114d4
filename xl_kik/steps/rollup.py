"""``xl-kik rollup``: one overview across many units' rounds (for a direktion / forvaltning).

Reads many masters (files, round folders, or folders of round folders) with
:func:`xl_kik.excel.rollup.read_unit`, gathers them with :func:`xl_kik.core.rollup.gather`
(one bad master never stops the overview; a round given twice counts once) and writes the
workbook with :func:`xl_kik.excel.rollup.write_overview`.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Iterable, Sequence

from xl_kik.core.errors import KikError
from xl_kik.core.i18n import Msg
from xl_kik.core.problems import Problem
from xl_kik.core.rollup import M_MASTER_UNREADABLE, RollupResult, ThemeScore, UnitResult, gather
from xl_kik.core.round import MASTER_NAME
from xl_kik.excel.rollup import read_unit, write_overview

Progress = Callable[[int, int], None]


NO_MASTERS = Msg("Angiv mindst én rundemappe eller masterfilen i den (kik_master.xlsm).", "Give at least one master workbook or round folder.")


class RollupError(KikError):
    """No master to read, or the overview cannot be written."""


def expand_masters(paths: Iterable[str | Path]) -> list[Path]:
    """Master files from arguments: a master file, a round folder, or a folder of round folders."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            if (p / MASTER_NAME).is_file():
                out.append(p / MASTER_NAME)
            else:
                found = sorted(p.glob(f"*/{MASTER_NAME}")) or sorted(p.glob(f"*/*/{MASTER_NAME}"))
                out.extend(found or [p / MASTER_NAME])  # a folder without masters -> reported as unreadable
        else:
            out.append(p)
    return out


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KikError):
        lines = [exc.message] + [p.message("da") for p in exc.problems[:3]]
        return " ".join(lines)
    if isinstance(exc, FileNotFoundError):
        return Msg("filen findes ikke", "the file does not exist")("da")
    return f"{type(exc).__name__}: {exc}"


def _read_safely(path: Path, today: dt.date | None) -> UnitResult | Problem:
    try:
        return read_unit(path, today)
    except Exception as exc:  # noqa: BLE001 - one bad master never stops the overview
        return M_MASTER_UNREADABLE(file=str(path), reason=_reason(exc))


# ---------------------------------------------------------------- the overview
def build_rollup(masters: Sequence[str | Path], out: str | Path, lang: str = "da", progress: Progress | None = None,
                 *, today: dt.date | None = None, workers: int | None = None) -> RollupResult:
    """Read every master (files, round folders or folders of round folders) and write the overview to ``out``."""
    t0 = time.perf_counter()
    out = Path(out)
    paths, seen_paths = [], set()
    for p in expand_masters(masters):  # the same file given twice (folder and file): read once
        key = str(p.resolve()) if p.exists() else str(p)
        if key not in seen_paths:
            seen_paths.add(key)
            paths.append(p)
    if not paths:
        raise RollupError(Msg("Angiv mindst én rundemappe eller masterfilen i den (kik_master.xlsm).",
                              "Give at least one master workbook or round folder.")(lang), lang=lang)
    total = len(paths)
    read: list[UnitResult | Problem] = [None] * total  # type: ignore[list-item]
    # Serial by default: calamine holds the GIL (threads measured no faster), and a process
    # pool of 2 measured no faster on the shared 2-core machine (benchmarks/bench_process.py).
    workers = workers if workers is not None else 1
    done = 0
    if workers > 1 and total > 4:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_read_safely, p, today): i for i, p in enumerate(paths)}
            for fut in as_completed(futures):
                read[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, total)
    else:
        for i, p in enumerate(paths):
            read[i] = _read_safely(p, today)
            if progress:
                progress(i + 1, total)
    result = gather(out, read)
    result.read_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    write_overview(result, out, lang, today=today)
    result.write_seconds = time.perf_counter() - t1
    result.seconds = time.perf_counter() - t0
    return result


__all__ = ["RollupError", "RollupResult", "ThemeScore", "UnitResult", "build_rollup", "expand_masters", "read_unit"]
