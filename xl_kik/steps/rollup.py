"""``xl-kik rollup``: one overview across many units' rounds (for a direktion / forvaltning).

Reads many masters (files, round folders, or folders of round folders) with
:func:`xl_kik.excel.rollup.read_unit` (many masters with a core free: this process and a
helper process together, :func:`xl_kik.excel.pool.read_shared`), gathers them with
:func:`xl_kik.core.rollup.gather` (one bad master never stops the overview; a round given
twice counts once) and writes the workbook with :func:`xl_kik.excel.rollup.write_overview`.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from xl_kik.core.errors import KikError
from xl_kik.core.i18n import Msg
from xl_kik.core.problems import Problem
from xl_kik.core.rollup import M_MASTER_UNREADABLE, RollupResult, ThemeScore, UnitResult, gather
from xl_kik.core.round import MASTER_NAME
from xl_kik.excel import pool
from xl_kik.excel.rollup import read_unit, write_overview
from xl_kik.steps import step_command

Progress = Callable[[int, int], None]


NO_MASTERS = Msg("Angiv mindst én rundemappe eller masterfilen i den (kik_master.xlsm).", "Give at least one master file or round folder.")


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


#: From this many masters ``build_rollup`` may read with helper processes (``excel/pool``) ...
#: Measured (2 December 2026, 2 cores, load 0.7, ``xl-kik rollup`` with ``XL_KIK_WORKERS`` 2 and 1
#: alternating, median of 9): the helper costs this process's CPU and ~35-45 ms more; the wall clock
#: 20 masters 0.232 s both, 30 0.264 s against 0.277 s, 40 0.283 s against 0.325 s, 60 0.352 s
#: against 0.414 s, 80 0.407 s against 0.508 s: from 40 it pays clearly (13 % faster for 12 % more
#: CPU), at 30 barely (5 % for 13 %), at 20 not at all.
PARALLEL_MIN_MASTERS = 40
#: ... when this many cores are free by the load average. 150 masters on 2 cores, one helper
#: against one process (``XL_KIK_WORKERS`` 2 and 1 alternating, 2 December 2026, issue 14): at a
#: load of 1-1.5 1.12 s against 1.44 s (median of 7), at 1.7-1.8 1.11 s against 1.22 s, at
#: 2.2-2.9 2.80 s against 2.51 s (median of 5). This process never waits for a helper that
#: gets no core (it reads every chunk no helper has taken), so a lower bar than merge's 1.5.
ROLLUP_MIN_FREE_CORES = 0.5


def _workers(n_masters: int) -> int | None:
    """How many processes read the masters (this one counted): the reading pool's rule
    (:func:`xl_kik.excel.pool.workers`) from :data:`PARALLEL_MIN_MASTERS` masters with
    :data:`ROLLUP_MIN_FREE_CORES` cores free; ``XL_KIK_WORKERS`` overrides."""
    return pool.workers(n_masters, PARALLEL_MIN_MASTERS, ROLLUP_MIN_FREE_CORES)


def _read_chunk(today: dt.date | None, paths: list[Path]) -> list[UnitResult | Problem]:
    """Some masters, read in a helper process (or this one) by :func:`_read_safely`."""
    return [_read_safely(p, today) for p in paths]


def _read_safely(path: Path, today: dt.date | None) -> UnitResult | Problem:
    try:
        return read_unit(path, today)
    except Exception as exc:  # noqa: BLE001 - one bad master never stops the overview
        return M_MASTER_UNREADABLE(file=str(path), reason=_reason(exc))


# ---------------------------------------------------------------- the overview
@step_command
def build_rollup(masters: Sequence[str | Path], out: str | Path, lang: str = "da", progress: Progress | None = None,
                 *, today: dt.date | None = None, workers: int | None = None) -> RollupResult:
    """Read every master (files, round folders or folders of round folders) and write the overview to ``out``.

    ``workers``: how many processes read the masters (this one counted; more than one: this
    process from the first master forwards, helpers from the last backwards, ``excel/pool``);
    None: :func:`_workers` decides (one from fewer than :data:`PARALLEL_MIN_MASTERS`, or on a
    busy machine)."""
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
                              "Give at least one master file or round folder.")(lang), lang=lang)
    total = len(paths)
    helpers = (workers if workers is not None else _workers(total)) or 1
    if helpers > 1:  # this process and helper processes (multiprocessing is loaded only here)
        done = (lambda n: progress(n, total)) if progress else None
        read = pool.read_shared(paths, functools.partial(_read_chunk, today), helpers - 1, done=done)
    else:
        read = []
        for i, p in enumerate(paths):
            read.append(_read_safely(p, today))
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
