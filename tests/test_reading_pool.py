"""The reading pool (issue 14, goal 4): used from 200 returned files on 2 cores or more with
1.5 of them free, where ``benchmarks/bench_process.py`` measured it faster (on a busy machine it
was not); the pool gives the same collection as one process."""

from __future__ import annotations

import shutil

from xl_kik.demo import round as demo
from xl_kik.excel import master
from xl_kik.excel.reader import PARALLEL_MIN_FILES, collect_returns
from xl_kik.steps import status


def test_the_reading_pool_is_used_on_two_cores_for_many_files(monkeypatch):
    monkeypatch.delenv("XL_KIK_WORKERS", raising=False)
    monkeypatch.setattr(status.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    monkeypatch.setattr(status.os, "cpu_count", lambda: 2)
    assert status._workers(1000) == 2 and status._workers(199) is None
    monkeypatch.setattr(status.os, "cpu_count", lambda: 1)
    assert status._workers(1000) is None


def test_no_reading_pool_on_a_busy_machine(monkeypatch):
    monkeypatch.delenv("XL_KIK_WORKERS", raising=False)
    monkeypatch.setattr(status.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(status.os, "getloadavg", lambda: (4.3, 4.0, 3.0))  # 2 cores, 7 busy helpers
    assert status._workers(1000) is None
    monkeypatch.setattr(status.os, "cpu_count", lambda: 8)
    assert status._workers(1000) == 4  # 3.7 cores free
    monkeypatch.setenv("XL_KIK_WORKERS", "2")
    monkeypatch.setattr(status.os, "cpu_count", lambda: 2)
    assert status._workers(1000) == 2  # asked for


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
