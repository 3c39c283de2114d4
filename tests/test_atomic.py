"""Atomic writes keep a backup and never leave a half-written file."""

import pytest

from xl_kik.excel import atomic


def test_write_replaces_and_backs_up(tmp_path):
    target = tmp_path / "m.xlsm"
    target.write_bytes(b"old")
    atomic.write_bytes(target, b"new", backup_dir=tmp_path / "backup")
    assert target.read_bytes() == b"new"
    backups = list((tmp_path / "backup").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == b"old"


def test_failed_writer_leaves_file_and_no_temp(tmp_path):
    target = tmp_path / "m.xlsm"
    target.write_bytes(b"old")

    def boom(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic.write_with(target, boom, backup_dir=tmp_path / "backup")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.xlsm"]


def test_backups_are_pruned(tmp_path):
    target = tmp_path / "m.xlsm"
    for i in range(5):
        atomic.write_bytes(target, str(i).encode(), backup_dir=tmp_path / "b")
    atomic.backup(target, tmp_path / "b", keep=2)
    assert len(list((tmp_path / "b").iterdir())) == 2


def test_remove_removes_a_file_and_ignores_what_is_missing(tmp_path):
    """The one 'unlink, ignore missing' of the module (temporary files, old backups, the lock)."""
    from xl_kik.excel.atomic import _remove

    f = tmp_path / "x.tmp"
    f.write_bytes(b"1")
    assert _remove(f) is True and not f.exists()
    assert _remove(f) is False  # already gone: no error
    (tmp_path / "d").mkdir()
    assert _remove(tmp_path / "d") is False and (tmp_path / "d").is_dir()  # not a file: left alone
