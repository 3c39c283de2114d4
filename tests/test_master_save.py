"""How ``MasterFile.edit`` saves (issue 14, a click's cost): openpyxl's package written in
memory, repaired uncompressed and compressed once.

``masterfile.package_bytes`` replaces openpyxl's temporary file per worksheet with a
``BytesIO``; it must write exactly the parts ``Workbook.save`` writes (its steps are copied
from openpyxl's ``ExcelWriter.write_worksheet``, so a change there shows here).
"""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _every_kind_of_cell(unusual: bool) -> openpyxl.Workbook:
    """A workbook with the cells a save writes: texts (spaces around, XML's special characters,
    an ``_xHHHH_`` escape, beyond U+FFFF), numbers, booleans, NaN, formulas, dates, times,
    durations, an error, styles on empty cells and rows, a comment, a hyperlink, merged cells;
    with ``unusual`` also rich text and an array formula (openpyxl's own cell writer)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    texts = ["plain", " lead", "trail ", "a & b < c > d \" ' \n e", "_x0041_ x", "   ", "", "æøå ✓ 𝔘", "=x"]
    for col, text in enumerate(texts, 1):
        ws.cell(1, col).value = text
    ws.cell(1, 9).data_type = "s"  # '=x' as text
    for col, number in enumerate([1, 2.5, 1e20, float("nan"), True, False, -0.1, 10**17 + 1], 1):
        ws.cell(2, col).value = number
    for col, formula in enumerate(["=SUM(A2:B2)", "=", '=IF(A1="x","<",">")'], 1):
        ws.cell(3, col).value = formula
    for col, when in enumerate([datetime.date(2026, 12, 2), datetime.datetime(2026, 12, 2, 13, 5),
                                datetime.time(8, 30), datetime.timedelta(hours=3)], 1):
        ws.cell(4, col).value = when
    ws["A5"].font = Font(bold=True)
    ws["B5"] = 3
    ws["B5"].alignment = Alignment(wrap_text=True)
    ws["A6"] = "komment"
    ws["A6"].comment = Comment("en note", "mig")
    ws["B6"] = "link"
    ws["B6"].hyperlink = "https://example.dk/?a=1&b=2"
    ws.row_dimensions[10].height = 30
    ws.row_dimensions[11].hidden = True
    ws.row_dimensions[12].font = Font(italic=True)
    ws.merge_cells("A8:C9")
    ws["A8"] = "merged"
    ws["H1"].value = "#N/A"
    ws["H1"].data_type = "e"
    other = wb.create_sheet("to")
    other["A1"] = "x"
    if unusual:
        other["B1"] = CellRichText(["a", TextBlock(InlineFont(b=True), "b")])
        other["C1"] = ArrayFormula("C1:C2", "=A1:A2")
    wb.create_sheet("tom")
    return wb


@pytest.mark.parametrize("unusual", [False, True])
@pytest.mark.parametrize("iso_dates", [False, True])
def test_the_cells_are_written_as_openpyxl_writes_them(unusual, iso_dates, monkeypatch):
    """``package_bytes`` writes a sheet's cells as one string (``masterfile._sheet_data_xml``):
    byte for byte what openpyxl's ``Workbook.save`` writes, and openpyxl's own writer for a
    sheet with a cell it does not write."""
    from xl_kik.excel import masterfile

    built = []
    fast = masterfile._sheet_data_xml

    def counted(ws):
        built.append(ws.title)
        return fast(ws)

    monkeypatch.setattr(masterfile, "_sheet_data_xml", counted)
    ours_wb, theirs_wb = _every_kind_of_cell(unusual), _every_kind_of_cell(unusual)
    for wb in (ours_wb, theirs_wb):
        wb.iso_dates = iso_dates
        wb.properties.modified = None
    ours = parts(package_bytes(ours_wb))
    out = io.BytesIO()
    theirs_wb.save(out)
    theirs = parts(out.getvalue())
    assert built == ["Sheet", "to", "tom"]
    assert sorted(ours) == sorted(theirs)
    assert "xl/comments/comment1.xml" in ours and b"example.dk" in ours["xl/worksheets/_rels/sheet1.xml.rels"]
    for name in ours:
        if name != "docProps/core.xml":
            assert ours[name] == theirs[name], name
    sheet = ours["xl/worksheets/sheet1.xml"]
    assert b'<t xml:space="preserve"> lead</t>' in sheet and b"a &amp; b &lt; c &gt; d" in sheet
    assert b"_x005F_x0041_ x" in sheet and b"<f>SUM(A2:B2)</f>" in sheet


def _merged_ranges() -> openpyxl.Workbook:
    """Merged ranges with and without borders on the top-left cell, locked and unlocked."""
    wb = openpyxl.Workbook()
    ws = wb.active
    thin, thick = Side(style="thin", color="FF0000"), Side(style="thick")
    for n, (border, locked) in enumerate([(None, True), (Border(left=thin, top=thick), True),
                                          (Border(left=thin, right=thin, top=thin, bottom=thick), False)]):
        row = 1 + 4 * n
        ws.cell(row, 1).value = f"range {n}"
        if border is not None:
            ws.cell(row, 1).border = border
        ws.cell(row, 1).protection = Protection(locked=locked)
        ws.cell(row + 2, 4).border = Border(right=thick, bottom=thin)  # the bottom-right cell's own sides
        ws.cell(row + 1, 2).value = "hidden under the merge"
        ws.merge_cells(start_row=row, start_column=1, end_row=row + 2, end_column=4)
    ws.merge_cells("F1:F30")
    return wb


def test_merged_ranges_get_the_styles_openpyxl_gives_them(demo_round, tmp_path, monkeypatch):
    """``masterfile._format_merged_range`` (a merged range's edge borders and protection, each
    style looked up once) gives every cell the style ids openpyxl's own ``format`` gives: the
    packages are the same, for ranges made in memory and for the demo master loaded and saved."""
    from openpyxl.worksheet.merge import MergedCellRange

    from xl_kik.excel import masterfile

    def saved(make) -> dict[str, bytes]:
        wb = make()
        wb.properties.modified = None
        return parts(package_bytes(wb))

    demo = lambda: openpyxl.load_workbook(demo_round / MASTER_NAME, keep_vba=True, keep_links=True)  # noqa: E731
    ours = [saved(_merged_ranges), saved(demo)]
    monkeypatch.setattr(MergedCellRange, "format", masterfile._openpyxl_format_merged_range)
    theirs = [saved(_merged_ranges), saved(demo)]
    assert sum(v.count(b"<mergeCell ") for k, v in ours[1].items() if k.startswith("xl/worksheets/sheet")) > 10
    for mine, openpyxls in zip(ours, theirs):
        assert sorted(mine) == sorted(openpyxls)
        for name in mine:
            if name != "docProps/core.xml":
                assert mine[name] == openpyxls[name], name
    styles = ours[0]["xl/styles.xml"]
    assert b'<left style="thin">' in styles and b'<bottom style="thick"' in styles and b'locked="0"' in styles


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

    def level_1(blob):  # zlib's fastest level (repair.MASTER_ZIP_LEVEL): 7 ms instead of 26 for 1,000 returns
        c = zlib.compressobj(1, zlib.DEFLATED, -15)
        return len(c.compress(blob) + c.flush())

    with zipfile.ZipFile(io.BytesIO(packed)) as zf:
        assert all(i.compress_size == level_1(zf.read(i)) for i in zf.infolist())
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
    """The collector runs rarely while a command runs (steps.COMMAND_GC_THRESHOLD): nothing may
    be left for the interpreter's exit to finalise, e.g. openpyxl's open VBA archive."""
    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    proc = subprocess.run([sys.executable, "-m", "xl_kik", command, str(root), "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""


def test_promote_survivors_moves_what_exists_to_the_oldest_generation():
    """``steps.promote_survivors``: the objects alive now go to the collector's oldest generation
    (nothing stays frozen); a caller's own frozen objects stay frozen."""
    import gc

    from xl_kik import steps

    assert gc.get_freeze_count() == 0  # pytest freezes nothing
    alive = [[] for _ in range(3)]
    assert any(o is alive for o in gc.get_objects(0))
    steps.promote_survivors()
    assert any(o is alive for o in gc.get_objects(2)) and not any(o is alive for o in gc.get_objects(0))
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        late = [[]]
        steps.promote_survivors()
        assert gc.get_freeze_count() == frozen and any(o is late for o in gc.get_objects(0))
    finally:
        gc.unfreeze()


def test_a_merge_hands_what_it_read_to_the_oldest_generation(demo_round, tmp_path, monkeypatch):
    """merge_round promotes the returns it read and the loaded master before it renders
    (steps.promote_survivors): the collections while it writes do not walk them again."""
    import gc

    from xl_kik.steps import merge

    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    seen = {}
    real = merge.merge_into

    def rendering(wb, *args, **kwargs):
        answers = next(iter(kwargs["collection"].responses.values())).answers
        oldest = gc.get_objects(2)
        seen["returns"] = any(o is answers for o in oldest)
        seen["master"] = any(o is wb for o in oldest)
        return real(wb, *args, **kwargs)

    monkeypatch.setattr(merge, "merge_into", rendering)
    merge_round(root)
    assert seen == {"returns": True, "master": True}


# ---------------------------------------------------------------- cells carried through unparsed
def _edit_without_carrying(monkeypatch) -> None:
    """``MasterFile.edit`` parsing every sheet (``uses`` ignored), as before the carrying."""
    import contextlib

    edit = MasterFile.__dict__["edit"].__func__.__wrapped__

    def parsing_all(cls, paths, lang="da", skip_cells_of=(), uses=None, tables_anywhere=False):
        return edit(cls, paths, lang, skip_cells_of, None, False)

    monkeypatch.setattr(MasterFile, "edit", classmethod(contextlib.contextmanager(parsing_all)))


def test_merge_and_plan_write_the_carried_sheets_as_a_full_parse_does(demo_round, tmp_path, monkeypatch):
    """Merge and plan parse only the sheets they use (``USED_BY_MERGE``, ``USED_BY_PLAN``); the
    others are written back as the file had them: the same package as parsing every sheet,
    except that a row height the layout estimated stays without ``customHeight`` (openpyxl
    adds it to every row it reads)."""
    from xl_kik.steps.plan import build_plan

    def run(root):
        shutil.copytree(demo_round, root)
        merge_round(root)
        build_plan(root)
        merge_round(root)
        return parts((root / MASTER_NAME).read_bytes())

    carried = []
    from xl_kik.excel import masterfile

    real = masterfile._carried_sheet_data
    monkeypatch.setattr(masterfile, "_carried_sheet_data", lambda ws, sheet: carried.append(ws.title) or real(ws, sheet))
    ours = run(tmp_path / "carried")
    assert {"Start", "Opsætning", "Spørgsmål", "Handleplan", "_kik"} <= set(carried)  # by merge
    assert {"Svarrapport", "Status", "Dagsorden"} <= set(carried)  # by the plan
    _edit_without_carrying(monkeypatch)
    full = run(tmp_path / "parsed")
    assert sorted(ours) == sorted(full)
    unmarked = lambda xml: xml.replace(b' customHeight="1"', b"")  # noqa: E731
    for name in ours:
        if name != "docProps/core.xml":
            assert unmarked(ours[name]) == unmarked(full[name]), name


def test_a_change_to_a_carried_sheet_is_refused_and_nothing_is_written(demo_round, tmp_path):
    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    before = (root / MASTER_NAME).read_bytes()
    with pytest.raises(RuntimeError, match="Opsætning"):
        with MasterFile.edit(root, uses=("shConsensus",)) as wb:
            wb["Opsætning"]["B30"] = "typed"
    with pytest.raises(RuntimeError, match="Deltagere"):
        with MasterFile.edit(root, uses=("shConsensus",)) as wb:
            wb["Deltagere"].row_dimensions[3].height = 40
    assert (root / MASTER_NAME).read_bytes() == before
    with MasterFile.edit(root, uses=("shConsensus", "shSetup")) as wb:  # named: parsed and saved
        wb["Opsætning"]["B30"] = "typed"
    assert openpyxl.load_workbook(root / MASTER_NAME)["Opsætning"]["B30"].value == "typed"


def test_only_cells_that_survive_unparsed_are_carried(demo_round):
    """A shared-string cell left as such, hyperlinks and comments (bound to cells), other programs' markup, a
    table for the plan, or a workbook without codeNames: the sheet is parsed."""
    from xl_kik.excel.masterfile import _prepared

    data = (demo_round / MASTER_NAME).read_bytes()
    src = parts(data)
    _, carried = _prepared(data, uses=("shConsensus",))
    assert {"Opsætning", "Deltagere", "_kik"} <= set(carried) and "Konsensus" not in carried
    _, for_plan = _prepared(data, uses=("shConsensus",), tables_anywhere=True)
    assert "Opsætning" in for_plan and "Deltagere" not in for_plan  # Deltagere holds a table

    def changed(part, old, new):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zw:
            for name, content in src.items():
                zw.writestr(name, content.replace(old, new, 1) if name == part else content)
        return out.getvalue()

    setup = "xl/worksheets/sheet2.xml"
    assert b't="inlineStr"' in src[setup]
    for old, new in [(b't="inlineStr"><is><t>', b't="s"><v>0</v><is><t>'),
                     (b"<row ", b'<row x14ac:dyDescent="0.25" '),
                     (b"<row ", b"<!-- a note --><row "),
                     (b"</worksheet>", b'<hyperlinks><hyperlink ref="A1" display="x" /></hyperlinks></worksheet>')]:
        _, carried = _prepared(changed(setup, old, new), uses=("shConsensus",))
        assert "Opsætning" not in carried and "Deltagere" in carried, new
    _, carried = _prepared(changed(setup, b'codeName="shSetup"', b""), uses=("shConsensus",))
    assert carried == {}


def test_a_sheet_whose_texts_are_in_the_string_table_is_carried_with_the_same_texts(demo_round):
    """A master as XlsxWriter writes it (generate) holds its texts in the shared string table:
    such a sheet is carried too, each shared-string cell as the inline-string cell openpyxl's
    save would write; a cell whose index is not in the table keeps the sheet parsed."""
    import re

    from xl_kik.excel.masterfile import _prepared

    data = (demo_round / MASTER_NAME).read_bytes()
    src = parts(data)
    setup = "xl/worksheets/sheet2.xml"
    items: list[bytes] = []

    def to_shared(m):
        items.append(m.group(1))
        return b't="s"><v>' + str(len(items) - 1).encode() + b"</v></c>"

    shared_setup = re.sub(rb't="inlineStr"><is>(.*?)</is></c>', to_shared, src[setup])
    assert len(items) > 3 and b"inlineStr" not in shared_setup
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + \
        b"".join(b"<si>" + i + b"</si>" for i in items) + b"</sst>"

    def package(sheet, table):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zw:
            for name, content in {**src, setup: sheet, "xl/sharedStrings.xml": table}.items():
                zw.writestr(name, content)
        return out.getvalue()

    _, inline = _prepared(data, uses=("shConsensus",))
    _, carried = _prepared(package(shared_setup, sst), uses=("shConsensus",))
    assert carried["Opsætning"].sheet_data == inline["Opsætning"].sheet_data
    short = sst.replace(b"<si>" + items[-1] + b"</si></sst>", b"</sst>")
    _, carried = _prepared(package(shared_setup, short), uses=("shConsensus",))
    assert "Opsætning" not in carried and "Deltagere" in carried


def test_a_fresh_master_is_loaded_without_its_string_table_and_reads_the_same(tmp_path):
    """A master as XlsxWriter writes it (``init``, before the first merge) holds its texts in the
    shared string table. Every shared-string cell of a sheet openpyxl parses is made the inline
    cell openpyxl's save writes too, so openpyxl is given an empty table instead of reading
    thousands of strings (issue 14: ~40 ms of a first merge of 1,000); what it reads is the same.
    A shared-string cell in another form keeps the table."""
    from xl_kik.core import catalogue
    from xl_kik.core.round import Participant
    from xl_kik.excel import master
    from xl_kik.excel.masterfile import _prepared
    from xl_kik.steps.merge import GENERATED_BY_MERGE, USED_BY_MERGE

    people = [Participant(f"D{i:03d}", f"Deltager {i} & <Co>", f"d{i}@example.dk") for i in range(1, 41)]
    paths = master.create_round(tmp_path / "r", unit="Enhed _x0041_ \u00e6\u00f8\u00e5", participants=people,
                                catalogue=catalogue.builtin("kik"), scale=catalogue.scale("0-100"))
    data = paths.master.read_bytes()
    src = parts(data)
    assert src["xl/sharedStrings.xml"].count(b"<si>") > 100

    def cells(book):
        wb = openpyxl.load_workbook(io.BytesIO(book))
        return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
                for ws in wb.worksheets}

    prepared, carried = _prepared(data, GENERATED_BY_MERGE, USED_BY_MERGE)
    assert b"<si" not in parts(prepared)["xl/sharedStrings.xml"]
    assert not any(b't="s"' in content for name, content in parts(prepared).items() if name.startswith("xl/worksheets/"))
    full, loaded = cells(data), cells(prepared)
    kept = [name for name in full if name not in carried and loaded[name]]
    assert "Konsensus" in kept, kept
    for name in kept:
        assert loaded[name] == full[name], name

    # one shared-string cell in a form the rewrite leaves alone: the table stays for openpyxl
    sheet = next(n for n, c in src.items() if n.startswith("xl/worksheets/sheet") and b't="s"><v>' in c)
    odd = src[sheet].replace(b't="s"><v>', b't="s"> <v>', 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zw:
        for name, content in {**src, sheet: odd}.items():
            zw.writestr(name, content)
    prepared, _ = _prepared(out.getvalue(), GENERATED_BY_MERGE, USED_BY_MERGE)
    assert parts(prepared)["xl/sharedStrings.xml"] == src["xl/sharedStrings.xml"]


# the patterns _sheet_data_span and _not_carried stand for, searched the slow way
_SHEET_DATA_PATTERN = rb"<((?:\w+:)?)sheetData\b[^>]*?(?:/>|>.*?</\1sheetData>)"
_NOT_CARRIED_PATTERN = rb't="s"|<\w+:|\s(?!xml:)[\w.-]+:[\w.-]+\s*=|\s[cv]m\s*=|<!'
_PIECES = [b"<sheetData>", b"</sheetData>", b"<sheetData/>", b"<sheetData />", b"<x:sheetData>", b"</x:sheetData>",
           b"<sheetDatax>", b'<sheetData a="/">', b'<sheetData a="b"/>', b"<row>", b"<c r=\"A1\" t=\"s\">", b' t="s"',
           b"<x:c>", b" x14ac:dyDescent=\"1\"", b" xml:space=\"preserve\"", b" cm=\"1\"", b"\tvm =", b"<!-- -->",
           b"<![CDATA[", b" a:b:c=", b" a.b-c:d=", b":", b"=", b" ", b"\n", b"<", b">", b"/", b"x", b"m", b"c", b"xml:"]


@given(st.lists(st.sampled_from(_PIECES), max_size=14))
@settings(max_examples=600, deadline=None)
def test_the_sheet_data_and_its_markup_are_found_as_the_patterns_find_them(pieces):
    import re

    from xl_kik.excel.masterfile import _not_carried, _sheet_data_span

    content = b"".join(pieces)
    m = re.search(_SHEET_DATA_PATTERN, content, re.S)
    assert _sheet_data_span(content) == (None if m is None else (m.start(), m.end(), m.group(1)))
    assert _not_carried(content) == (re.search(_NOT_CARRIED_PATTERN, content) is not None)
