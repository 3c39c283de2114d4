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
                done: Callable[[int], None] | None = None, meanwhile: Callable[[], None] | None = None) -> list[R]:
    """``read_chunk`` of every item, read by this process and ``helpers`` helper processes
    together, in the items' order.

    The helpers take chunks from the last item backwards and this process reads from the first
    one forwards, until the two meet. Each helper holds one chunk to read and one ready
    (:data:`CHUNKS_PER_HELPER`); this process sends the next one whenever it has read a few items
    itself. A chunk is a share of the items nobody has taken yet (:func:`chunk_size`): at most
    about 1/20 of a helper's part while much is left, down to one item where the two meet, so
    neither waits long for the other at the end. Nobody waits for a helper that starts late or
    runs slowly on a busy machine: a chunk no helper has started yet is cancelled and read here,
    and a helper is sent only its chunk (what every chunk needs goes once, to ``initializer``
    when the helper starts; a process pool pickles ``read_chunk`` by name). ``pool``: the
    executor class (default ``ProcessPoolExecutor``; a test may use threads). ``done(n)``: called
    with the number of items read so far, after each chunk this process reads and each helper's
    chunk collected. A chunk whose helper fails (a helper killed, a result it cannot send) is
    read by this process, and without a process pool (``ProcessPoolExecutor`` cannot start)
    this process reads everything. ``meanwhile()``: other work for this process while the
    helpers read (merge loads the master then), called once, when the helpers have their first
    chunks and one more each (to read while no new one is sent) and before this process reads;
    what it raises is raised once the helpers have stopped (the chunks they had not started are
    dropped)."""
    here = here or read_chunk
    n = len(items)
    largest = max(4, n // (20 * (helpers + 1)))  # ~25 of 1,000: what a slow helper may hold at the end
    parts: dict[int, list[R]] = {}  # first item of a chunk -> its results
    front, back, count = 0, n, 0  # this process has taken items[:front], the helpers items[back:]

    def read_here(start: int, end: int) -> None:
        nonlocal count
        parts[start] = here(list(items[start:end]))
        count += end - start
        if done:
            done(count)

    try:
        executor = (pool or concurrent.futures.ProcessPoolExecutor)(max_workers=helpers, initializer=initializer,
                                                                    initargs=initargs)
    except (OSError, ImportError, NotImplementedError):  # no process pool here (e.g. no semaphores)
        while front < n:
            start, front = front, min(n, front + largest)
            read_here(start, front)
        return [result for start in sorted(parts) for result in parts[start]]
    sent: dict[Any, tuple[int, int]] = {}  # future -> (first item, end), in the order sent
    accepting = True

    def send(per_helper: int = CHUNKS_PER_HELPER) -> None:
        nonlocal back, accepting
        while accepting and len(sent) < per_helper * helpers and back > front:
            start = back - chunk_size(back - front, helpers, largest)
            try:
                future = executor.submit(read_chunk, list(items[start:back]))
            except Exception:  # noqa: BLE001 - a broken pool (a helper died) takes no more chunks
                accepting = False
                return
            sent[future] = (start, back)
            back = start

    def collect(future: Any) -> None:
        nonlocal count
        start, end = sent.pop(future)
        try:
            parts[start] = future.result()
        except Exception:  # noqa: BLE001 - a helper that died (or a result it could not send)
            read_here(start, end)  # this process reads the chunk: the result one process gives
            return
        count += end - start
        if done:
            done(count)

    try:
        send(CHUNKS_PER_HELPER + (meanwhile is not None))
        if meanwhile is not None:
            meanwhile()
        while back > front:
            start, front = front, front + min(HERE_AT_A_TIME, chunk_size(back - front, helpers, largest))
            read_here(start, front)
            for future in [f for f in sent if f.done()]:
                collect(future)
            send()
        for future in reversed(list(sent)):  # the last sent are the likeliest not started
            if future.cancel():
                read_here(*sent.pop(future))
        for future in list(sent):
            collect(future)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return [result for start in sorted(parts) for result in parts[start]]


#: chunks a helper holds at a time: the one it reads and the next, ready when it is done
CHUNKS_PER_HELPER = 2
#: items this process reads at most before it looks whether a helper needs its next chunk
HERE_AT_A_TIME = 4


def chunk_size(left: int, helpers: int, largest: int) -> int:
    """Items in the next chunk when ``left`` items are not taken yet: a share small enough that
    the chunks every process still holds when the items run out take little time (guided
    scheduling), at most ``largest``, at least one."""
    return min(largest, max(1, left // (CHUNKS_PER_HELPER * (helpers + 1))))


__all__ = ["read_shared", "workers"]
