"""The reading pool (issue 14, goal 4): used from 200 returned files on 2 cores or more with
1.5 of them free, where ``benchmarks/bench_process.py`` measured it faster (on a busy machine it
was not); the pool gives the same collection as one process."""

from __future__ import annotations

import os
import shutil

import pytest

from xl_kik.demo import round as demo
from xl_kik.excel import master, pool
from xl_kik.excel.reader import PARALLEL_MIN_FILES, collect_returns
from xl_kik.steps import status


def test_the_reading_pool_is_used_on_two_cores_for_many_files(monkeypatch):
    monkeypatch.delenv("XL_KIK_WORKERS", raising=False)
    monkeypatch.setattr(status.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    monkeypatch.setattr(status.os, "cpu_count", lambda: 2)
    assert status._workers(1000) == 2 and status._workers(199) is None
    monkeypatch.setattr(status.os, "cpu_count", lambda: 1)
    assert status._workers(1000) is None


def run_queue(tmp_path, monkeypatch, text: str) -> None:
    """What /proc/loadavg says right now (``pool.RUN_QUEUE`` read from a file of ours)."""
    path = tmp_path / "loadavg"
    path.write_text(text)
    monkeypatch.setattr(pool, "RUN_QUEUE", str(path))


def test_no_reading_pool_on_a_busy_machine(monkeypatch, tmp_path):
    monkeypatch.delenv("XL_KIK_WORKERS", raising=False)
    run_queue(tmp_path, monkeypatch, "4.30 4.00 3.00 8/120 4242\n")  # 7 others running now too
    monkeypatch.setattr(status.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(status.os, "getloadavg", lambda: (4.3, 4.0, 3.0))  # 2 cores, 7 busy helpers
    assert status._workers(1000) is None
    monkeypatch.setattr(status.os, "cpu_count", lambda: 8)
    assert status._workers(1000) == 4  # 3.7 cores free
    monkeypatch.setenv("XL_KIK_WORKERS", "2")
    monkeypatch.setattr(status.os, "cpu_count", lambda: 2)
    assert status._workers(1000) == 2  # asked for


def test_the_tasks_running_now_decide_when_the_average_says_busy(monkeypatch, tmp_path):
    """The 1-minute average still counts a command that ended seconds ago; the run queue shows
    whether anything else wants a core now. Only this process running: the pool."""
    monkeypatch.delenv("XL_KIK_WORKERS", raising=False)
    monkeypatch.setattr(status.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(status.os, "getloadavg", lambda: (1.4, 0.9, 0.4))
    run_queue(tmp_path, monkeypatch, "1.40 0.90 0.40 1/77 5837\n")
    assert status._workers(1000) == 2
    run_queue(tmp_path, monkeypatch, "1.40 0.90 0.40 2/77 5837\n")  # one other task on a core
    assert status._workers(1000) is None
    monkeypatch.setattr(pool, "RUN_QUEUE", str(tmp_path / "missing"))  # macOS: the average decides
    assert status._workers(1000) is None
    run_queue(tmp_path, monkeypatch, "garbage\n")
    assert status._workers(1000) is None


def test_the_run_queue_of_this_machine_is_read():
    if not os.path.exists("/proc/loadavg"):
        assert pool.others_running() is None
    else:
        assert isinstance(pool.others_running(), int) and pool.others_running() >= 0


def test_no_load_average_counts_as_idle(monkeypatch):  # Windows
    monkeypatch.delenv("XL_KIK_WORKERS", raising=False)
    monkeypatch.setattr(status.os, "cpu_count", lambda: 4)
    monkeypatch.delattr(status.os, "getloadavg")
    assert status._workers(1000) == 4
    monkeypatch.setenv("XL_KIK_WORKERS", "1")
    monkeypatch.setattr(status.os, "cpu_count", lambda: 8)
    assert status._workers(1000) is None


def test_the_pool_reads_like_one_process(tmp_path):
    root = tmp_path / "demo"
    demo.run_demo(root, say=lambda _text: None)
    files = sorted((root / "retur").glob("*.xlsx"))
    for i in range(PARALLEL_MIN_FILES):  # copies under new names: many files, a few contents
        shutil.copy2(files[i % len(files)], root / "retur" / f"kopi_{i:03d}.xlsx")
    setup, people = master.load_round(root)
    one = collect_returns(root / "retur", setup, people)
    pool = collect_returns(root / "retur", setup, people, workers=2)
    assert len(one.results) >= PARALLEL_MIN_FILES
    assert [(r.path.name, r.accepted, [p.type.code for p in r.report.problems]) for r in one.results] == \
           [(r.path.name, r.accepted, [p.type.code for p in r.report.problems]) for r in pool.results]


def _many_returns(tmp_path, n):
    root = tmp_path / "demo"
    demo.run_demo(root, say=lambda _text: None)
    files = sorted((root / "retur").glob("*.xlsx"))
    for i in range(n):
        shutil.copy2(files[i % len(files)], root / "retur" / f"kopi_{i:03d}.xlsx")
    return root


def _summary(col):
    return [(r.path.name, r.accepted, [p.type.code for p in r.report.problems],
             r.response and {q: (a.points, a.strengths) for q, a in r.response.answers.items()}) for r in col.results]


def _round_read_by_one_process(tmp_path):
    """A round with enough returns for the pool, its setup and people, the collection one
    process reads, and the reader's own per-file function (before a test wraps it)."""
    from xl_kik.excel import reader

    root = _many_returns(tmp_path, PARALLEL_MIN_FILES)
    setup, people = master.load_round(root)
    return root, setup, people, collect_returns(root / "retur", setup, people), reader._read_path


def test_this_process_reads_what_no_helper_has_taken(tmp_path, monkeypatch):
    """The reading is shared (issue 14): a helper that starts late leaves its chunks to this
    process, which never waits for it; the collection is the same as one process's."""
    import concurrent.futures
    import threading
    import time

    from xl_kik.excel import reader

    root, setup, people, one, real_read = _round_read_by_one_process(tmp_path)
    here = threading.get_ident()
    read_here = []
    monkeypatch.setattr(reader, "_read_path", lambda path, *a: (read_here.append(path) if threading.get_ident() == here
                                                                else None) or real_read(path, *a))
    started = threading.Event()

    def slow_start(*args):
        time.sleep(1.0)  # e.g. a process started by spawn on Windows, or no free core
        reader._start_reader(*args)
        started.set()

    class LateHelpers(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, max_workers, initializer, initargs):
            super().__init__(max_workers=max_workers, initializer=slow_start, initargs=initargs)

    monkeypatch.setattr(reader, "_POOL", LateHelpers)
    shared = collect_returns(root / "retur", setup, people, workers=2)
    assert _summary(shared) == _summary(one)
    assert started.is_set()
    assert sorted(read_here) == sorted(r.path for r in one.results)  # the helper came too late for any chunk


def test_helpers_read_from_the_end_and_the_order_is_kept(tmp_path, monkeypatch):
    import concurrent.futures
    import threading

    from xl_kik.excel import reader

    root, setup, people, one, real_read = _round_read_by_one_process(tmp_path)
    here = threading.get_ident()
    by_helper = []
    gate = threading.Event()

    def read(path, *a):
        if threading.get_ident() != here:
            gate.wait(10)  # the helper has taken its first chunk and waits until this process has read a file
            by_helper.append(path)
        else:
            gate.set()
        return real_read(path, *a)

    monkeypatch.setattr(reader, "_read_path", read)

    monkeypatch.setattr(reader, "_POOL", concurrent.futures.ThreadPoolExecutor)
    shared = collect_returns(root / "retur", setup, people, workers=2)
    assert _summary(shared) == _summary(one)
    names = [r.path.name for r in one.results]
    assert by_helper and names[-1] in {p.name for p in by_helper}  # the helper started at the end ...
    assert sorted(p.name for p in by_helper) == sorted(names[-len(by_helper):])  # ... and went backwards
    assert len(by_helper) < len(names)  # while this process read from the front


_PARENT = os.getpid()


def _square_here_only(chunk):
    """A chunk's squares in the test's own process; a helper process dies (os._exit) instead."""
    if os.getpid() != _PARENT:
        os._exit(3)
    return [x * x for x in chunk]


# Python 3.11's pool thread, when the pool breaks, sets an error on the futures this process
# cancelled (it read those chunks) and raises InvalidStateError in that thread: not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_helper_that_dies_leaves_its_chunks_to_this_process():
    from xl_kik.excel import pool

    import time

    def slowly(chunk):  # this process's reading takes long enough for the helper to take chunks
        time.sleep(0.02)
        return _square_here_only(chunk)

    seen = []
    got = pool.read_shared(list(range(100)), _square_here_only, 1, here=slowly, done=seen.append)
    assert got == [x * x for x in range(100)]
    assert seen[-1] == 100 and seen == sorted(seen)


def test_without_a_process_pool_this_process_reads_everything():
    from xl_kik.excel import pool

    def no_pool(**_kw):
        raise OSError("no semaphores")  # e.g. a sandbox without /dev/shm

    calls = []
    assert pool.read_shared(list(range(30)), _square_here_only, 1, pool=no_pool,
                            meanwhile=lambda: calls.append(1)) == [x * x for x in range(30)]
    assert calls == []  # no helper reads: the caller does its other work after


def _gated_pool_run(meanwhile):
    """pool.read_shared with one helper thread that holds its first chunk until ``gate`` is set;
    returns (results, whether the helper had to give up waiting)."""
    import concurrent.futures
    import threading

    from xl_kik.excel import pool

    gate = threading.Event()
    gave_up = []

    def helper(chunk):
        if not gate.wait(5):
            gave_up.append(chunk)
        return [x * x for x in chunk]

    got = pool.read_shared(list(range(100)), helper, 1, here=lambda chunk: [x * x for x in chunk],
                           pool=concurrent.futures.ThreadPoolExecutor, meanwhile=lambda: meanwhile(gate))
    return got, gave_up


def test_meanwhile_is_called_once_while_a_helper_reads():
    calls = []
    got, gave_up = _gated_pool_run(lambda gate: (calls.append(1), gate.set()))
    assert got == [x * x for x in range(100)]
    assert calls == [1] and not gave_up  # called while the helper held its chunk: the helper went on


def test_what_meanwhile_raises_is_raised_once_the_helpers_stopped():
    def fails(gate):
        gate.set()
        raise ValueError("the master is open in Excel")

    with pytest.raises(ValueError):
        _gated_pool_run(fails)


def test_a_helper_that_never_starts_leaves_everything_to_this_process():
    import concurrent.futures

    from xl_kik.excel import pool

    class NoHelper(concurrent.futures.ThreadPoolExecutor):  # a helper that never takes a chunk
        def submit(self, fn, *args):
            future = concurrent.futures.Future()
            return future

    calls = []
    got = pool.read_shared(list(range(40)), lambda c: [x * x for x in c], 1, pool=NoHelper,
                           meanwhile=lambda: calls.append(1))
    assert got == [x * x for x in range(40)] and calls == [1]


def _timed_pool_run(n, per_item, pause=None):
    """pool.read_shared of ``n`` items with one helper thread, each item taking ``per_item`` s
    on either side, and ``meanwhile`` taking ``pause`` s (None: no ``meanwhile``); returns
    (results, the chunks sent to the helper in order, items the helper read, items read here,
    how many items were read here when ``meanwhile`` started)."""
    import concurrent.futures
    import threading
    import time

    from xl_kik.excel import pool

    sent, by_helper, read_here, when = [], [], [], []
    this = threading.get_ident()

    class Recording(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn, chunk):
            sent.append(list(chunk))
            return super().submit(fn, chunk)

    def slow(chunk):
        (read_here if threading.get_ident() == this else by_helper).extend(chunk)
        time.sleep(per_item * len(chunk))
        return [x * x for x in chunk]

    def meanwhile():
        when.append(len(read_here))
        time.sleep(pause)

    got = pool.read_shared(list(range(n)), slow, 1, pool=Recording, meanwhile=None if pause is None else meanwhile)
    assert got == [x * x for x in range(n)]
    assert sorted(by_helper + read_here) == list(range(n))  # each item read once
    return sent, by_helper, read_here, when


def test_the_chunks_shrink_where_this_process_and_the_helper_meet():
    """Guided chunks (issue 14): what the helper still holds when this process has read the
    last item untaken is a few items, not 1/40 of them (~150 ms of 1,000 returns on 2 cores)."""
    sent, by_helper, read_here, _ = _timed_pool_run(400, 0.001)
    assert by_helper and read_here
    assert len(sent[0]) == 10  # 1/40 of the items while much is left
    assert [len(c) for c in sent] == sorted((len(c) for c in sent), reverse=True)
    assert len(sent[-1]) <= 2 and len(sent[-2]) <= 2  # the helper's last two chunks, where the two met
    assert all(chunk == list(range(chunk[0], chunk[0] + len(chunk))) for chunk in sent)
    assert [c[0] for c in sent] == sorted((c[0] for c in sent), reverse=True)  # from the end backwards
    assert sorted(by_helper) == list(range(400 - len(by_helper), 400))


def test_the_helper_reads_while_this_process_does_its_other_work():
    """``meanwhile`` is called when the helper has its first chunks and one more, before this
    process reads: the helper reads on meanwhile, and this process reads fewer items (merge: the
    master is loaded while the returns are read, not after this process's share)."""
    sent, by_helper, read_here, when = _timed_pool_run(400, 0.001, pause=0.03)
    assert when == [0]  # before this process read anything
    assert [len(c) for c in sent[:3]] == [10, 10, 10]  # 30 ms of reading for the helper
    assert len(by_helper) > len(read_here) + 10  # the helper read ~30 items more


def test_the_chunk_size_is_a_share_of_what_is_left():
    from xl_kik.excel.pool import chunk_size

    assert chunk_size(1000, 1, 25) == 25 and chunk_size(60, 1, 25) == 15 and chunk_size(3, 1, 25) == 1
    assert chunk_size(1000, 3, 12) == 12 and chunk_size(64, 3, 12) == 8
    assert all(1 <= chunk_size(left, 1, 25) <= max(1, left) for left in range(0, 2000))


def test_merge_loads_the_master_while_a_helper_reads_and_writes_what_one_process_writes(tmp_path, monkeypatch):
    """merge_round with a reading helper opens the master for its edit while the helper reads
    (issue 14: the two share the time); the master it writes holds the cells a merge by one
    process writes."""
    import concurrent.futures
    import threading

    import openpyxl

    from xl_kik.excel import masterfile, reader
    from xl_kik.steps.merge import merge_round

    root = _many_returns(tmp_path / "a", PARALLEL_MIN_FILES)
    other = tmp_path / "b" / "demo"
    shutil.copytree(root, other)
    monkeypatch.setenv("XL_KIK_WORKERS", "1")
    merge_round(other)

    loaded = threading.Event()
    waited_in_vain = []
    real_edit, real_chunk = masterfile.MasterFile.edit, reader._read_paths

    def edit(*args, **kwargs):
        loaded.set()
        return real_edit(*args, **kwargs)

    def chunk(paths):
        if not loaded.wait(10):
            waited_in_vain.append(paths)
        return real_chunk(paths)

    monkeypatch.setattr(masterfile.MasterFile, "edit", edit)
    monkeypatch.setattr(reader, "_read_paths", chunk)
    monkeypatch.setattr(reader, "_POOL", concurrent.futures.ThreadPoolExecutor)
    monkeypatch.setattr(status, "_workers", lambda n: 2)
    merge_round(root)
    assert not waited_in_vain  # the master was opened while the helper held its chunk

    def cells(path):
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}

    assert cells(root / "kik_master.xlsm") == cells(other / "kik_master.xlsm")


def test_a_helpers_answers_arrive_whole():
    """What a helper sends back is pickled (``Answer`` compactly, as its fields in order):
    every field arrives, in its place, and the copy is equal."""
    import dataclasses
    import pickle

    from xl_kik.core.returns import Answer

    values = {"qid": "1.2", "points": 70, "strengths": "Stærk", "improvements": "Bedre", "ideas": "Idé",
              "dont_know": True}
    assert [f.name for f in dataclasses.fields(Answer)] == list(values)  # a new field: add it here
    answer = Answer(**values)
    assert vars(answer) == values  # Answer.__init__ sets every field, each from its own argument
    assert vars(Answer(*values.values())) == values
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(answer, protocol=protocol))
        assert copy == answer and dataclasses.asdict(copy) == values
    assert pickle.loads(pickle.dumps(Answer("2.1", None, "", "", ""))).dont_know is False
