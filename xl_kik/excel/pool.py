"""Reading many files with this process and helper processes together: merge's returned files
(``excel/reader``) and the rollup's masters (``steps/rollup``).

:func:`workers` decides how many processes read (this one counted); :func:`read_shared` shares
the work. Importing this module is cheap: the process pool's module (``multiprocessing``) is
loaded only when a pool starts.
"""

from __future__ import annotations

import concurrent.futures
import os
import time
from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


#: Linux: the 4th field of this file is "runnable tasks/all tasks" right now (this process's
#: reading thread among them); where it is missing (macOS) the 1-minute average alone decides
RUN_QUEUE = "/proc/loadavg"
RUN_QUEUE_SAMPLES = 3  # read this many times, 1 ms apart: the busiest one counts


def others_running() -> int | None:
    """Tasks other than this one that want a core right now (the busiest of
    :data:`RUN_QUEUE_SAMPLES` looks at :data:`RUN_QUEUE`), None where the system does not say."""
    busiest = 0
    for i in range(RUN_QUEUE_SAMPLES):
        if i:
            time.sleep(0.001)
        try:
            with open(RUN_QUEUE, "rb") as fh:
                running = int(fh.read(200).split()[3].split(b"/")[0])
        except (OSError, IndexError, ValueError):
            return None
        busiest = max(busiest, running - 1)
    return busiest


def workers(n_files: int, min_files: int = 200, min_free: float = 1.5) -> int | None:
    """How many processes read ``n_files`` files (this one and helpers, :func:`read_shared`):
    more than one only from ``min_files`` files, on at least 2 cores with at least ``min_free``
    of them free. Free is what the 1-minute load average leaves, or, when that says busy, what
    the tasks running right now leave (:func:`others_running`): the average still counts the
    coordinator's previous command for a minute after it ended (``xl-kik generate`` or a merge
    just before), while a machine busy with other work shows those tasks running now too.
    ``XL_KIK_WORKERS`` overrides (the number counts this process; 1 or 0: no helpers).

    On 2 cores ``xl-kik merge`` of 1,000 returns once took 6.7 s with a pool of 2 against 8.9 s
    without; on the same machine at a steady load of 4 (2 December 2026, issue 14) the pool
    measured no faster (best of 5: 3.25 s against 3.05 s): its processes only compete for cores
    that are busy anyway. Since this process reads too (:func:`read_shared`), at a load of
    1.5-2 on 2 cores (2 December 2026, 11 runs) one helper made it between 26 % faster and 20 %
    slower: the threshold stays (``benchmarks/bench_process.py`` prints both, "merge" and
    "merge 1 process")."""
    env = os.environ.get("XL_KIK_WORKERS", "").strip()
    if env.isdigit():
        return int(env) if int(env) > 1 else None
    cores = os.cpu_count() or 1
    if n_files < min_files or cores < 2:
        return None
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has no load average
        load = 0.0
    if cores - load < min_free:
        now = others_running()
        if now is None or cores - now < min_free:
            return None
    return min(4, cores)


def read_shared(items: Sequence[T], read_chunk: Callable[[list[T]], list[R]], helpers: int, *,
                here: Callable[[list[T]], list[R]] | None = None, initializer: Callable[..., Any] | None = None,
                initargs: tuple = (), pool: Any = None,
                done: Callable[[int], None] | None = None, idle: Callable[[], None] | None = None) -> list[R]:
    """``read_chunk`` of every item, read by this process and ``helpers`` helper processes
    together, in the items' order.

    The items go in chunks to the pool from the last one backwards, and this process reads
    from the first one forwards every chunk no helper has taken yet (``here``, default
    ``read_chunk``; a queued chunk can be cancelled until a helper takes it): nobody waits for
    a helper that starts late or runs slowly on a busy machine, and a helper is sent only its
    chunk (what every chunk needs goes once, to ``initializer`` when the helper starts; a
    process pool pickles ``read_chunk`` by name). At most a couple of chunks are taken ahead
    by the helpers. ``pool``: the executor class (default ``ProcessPoolExecutor``; a test may
    use threads). ``done(n)``: called with the number of items read so far, after each chunk
    this process reads and each helper's chunk collected. A chunk whose helper fails (a helper
    killed, a result it cannot send) is read by this process, and without a process pool
    (``ProcessPoolExecutor`` cannot start) this process reads everything. ``idle()``: called once,
    when this process has read every chunk left to it while a helper's chunk is still being read
    (other work for the time it would wait: merge loads the master then); what it raises is
    raised once the helpers have stopped."""
    here = here or read_chunk
    size = max(4, len(items) // (20 * (helpers + 1)))  # ~25 of 1,000: little to wait for at the end
    chunks = [list(items[i:i + size]) for i in range(0, len(items), size)]
    out: list[list[R] | None] = [None] * len(chunks)
    count = 0

    def read_here(i: int) -> None:
        nonlocal count
        out[i] = here(chunks[i])
        count += len(chunks[i])
        if done:
            done(count)

    try:
        executor = (pool or concurrent.futures.ProcessPoolExecutor)(max_workers=helpers, initializer=initializer,
                                                                    initargs=initargs)
    except (OSError, ImportError, NotImplementedError):  # no process pool here (e.g. no semaphores)
        for i in range(len(chunks)):
            read_here(i)
        return [result for chunk_results in out for result in chunk_results or ()]
    with executor:
        futures = {i: executor.submit(read_chunk, chunks[i]) for i in reversed(range(len(chunks)))}
        for i in range(len(chunks)):
            if not futures[i].cancel():
                break  # taken by a helper: so are all after it
            read_here(i)
        if idle is not None and any(out[i] is None and not f.done() for i, f in futures.items()):
            idle()
        for i, future in futures.items():
            if out[i] is None:
                try:
                    out[i] = future.result()
                except Exception:  # noqa: BLE001 - a helper that died (or a result it could not send)
                    read_here(i)  # this process reads the chunk: the result one process gives
                    continue
                count += len(chunks[i])
                if done:
                    done(count)
    return [result for chunk_results in out for result in chunk_results or ()]


__all__ = ["read_shared", "workers"]
