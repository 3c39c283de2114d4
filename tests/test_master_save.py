"""How ``MasterFile.edit`` saves (issue 14, a click's cost): openpyxl's package written in
memory, repaired uncompressed and compressed once.

``masterfile.package_bytes`` replaces openpyxl's temporary file per worksheet with a
``BytesIO``; it must write exactly the parts ``Workbook.save`` writes (its steps are copied
from openpyxl's ``ExcelWriter.write_worksheet``, so a change there shows here).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.workbook.defined_name import DefinedName
import pytest

from xl_kik.core.round import MASTER_NAME
from xl_kik.demo import round as demo
from xl_kik.excel import repair
from xl_kik.excel.masterfile import MasterFile, package_bytes
from xl_kik.steps.merge import merge_round


@pytest.fixture(scope="module")
def demo_round(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("save") / "demo"
    demo.run_demo(root, say=lambda _text: None)
    return root


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_the_in_memory_writer_writes_what_openpyxl_writes(demo_round, tmp_path):
    wb = openpyxl.load_workbook(demo_round / MASTER_NAME, keep_vba=True, keep_links=True)
    wb.properties.modified = None
    ours = parts(package_bytes(wb))
    wb = openpyxl.load_workbook(demo_round / MASTER_NAME, keep_vba=True, keep_links=True)
    wb.save(tmp_path / "theirs.xlsm")
    theirs = parts((tmp_path / "theirs.xlsm").read_bytes())
    assert sorted(ours) == sorted(theirs)
    assert any(name.startswith("xl/worksheets/sheet") for name in ours)
    for name in ours:
        if name == "docProps/core.xml":  # the modified time
            continue
        assert ours[name] == theirs[name], name


def test_the_package_is_stored_in_memory_and_deflated_once(demo_round):
    wb = openpyxl.load_workbook(demo_round / MASTER_NAME, keep_vba=True, keep_links=True)
    data = package_bytes(wb)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
    packed = repair.deflated(data)
    with zipfile.ZipFile(io.BytesIO(packed)) as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
        assert zf.testzip() is None
    assert len(packed) < len(data) / 2
    assert [i.filename for i in zipfile.ZipFile(io.BytesIO(packed)).infolist()] == \
        [i.filename for i in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    assert parts(packed) == parts(data)


def test_an_edit_writes_no_temporary_files(demo_round, tmp_path, monkeypatch):
    """openpyxl's own save creates (and deletes) one temporary file per worksheet."""
    import openpyxl.worksheet._writer as sheet_writer

    def no_temporary_file(*_args, **_kwargs):
        raise AssertionError("a temporary file was created")

    monkeypatch.setattr(sheet_writer, "create_temporary_file", no_temporary_file)
    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    merge_round(root)
    with zipfile.ZipFile(root / MASTER_NAME) as zf:
        assert zf.testzip() is None
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}


def test_the_saved_master_is_repaired_once_compressed(demo_round, tmp_path):
    """A repair that rewrites a part (an extra defined name LibreOffice adds) is still done."""
    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    with MasterFile.edit(root) as wb:
        wb.defined_names["_xlnm.Print_Titles_0"] = DefinedName("_xlnm.Print_Titles_0", attr_text="Start!$1:$1")
    xml = zipfile.ZipFile(root / MASTER_NAME).read("xl/workbook.xml")
    assert b"_xlnm.Print_Titles_0" not in xml
    assert repair.repair_file(root / MASTER_NAME) == []


@pytest.mark.parametrize("command", ["merge", "plan"])
def test_a_click_process_ends_without_a_word_on_stderr(demo_round, tmp_path, command):
    """The collector runs rarely while a command runs (cli.COMMAND_GC_THRESHOLD): nothing may
    be left for the interpreter's exit to finalise, e.g. openpyxl's open VBA archive."""
    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    proc = subprocess.run([sys.executable, "-m", "xl_kik", command, str(root), "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
