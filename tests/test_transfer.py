"""The buttons' transfer of generated sheets: scratch sheet -> SheetContent -> live workbook.

Real tests (openpyxl): the six generated sheets of a whole demo round (Status, Svarrapport,
Konsensus, Prioritering, Handleplan, Opfølgning) are taken as the scratch sheets, turned into
:class:`SheetContent`, written into a fresh workbook with :class:`OpenpyxlSheetWriter`, saved,
reloaded and compared feature by feature with the original, read straight from openpyxl's
objects (not through ``content_from_worksheet``): data validations, conditional formats,
merged cells, frozen panes, hidden rows/columns, tables, AutoFilter, print setup and the
chart's series. The merge button's own path (render into a scratch copy, transfer into the
open book) is compared the same way with the CLI's ``merge``.

The xlwings path (:class:`XlwingsSheetWriter`) is verified only against a recording double
of xlwings (``tests/test_master.py``), because Excel cannot run here: those tests show which
calls a button merge issues and with which arguments, not that Excel renders them. The
one-time check in real Excel is in README.md, section 5.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from xl_kik.core.cellref import column_number
from xl_kik.excel.masterfile import (
    protection_of,
    ChartSpec,
    OpenpyxlSheetWriter,
    SheetContent,
    TableSpec,
    XlwingsSheetWriter,
    apply_content,
    content_from_worksheet,
    write_text,
)
from xl_kik.core.round import MASTER_NAME

GENERATED = ("Status", "Svarrapport", "Konsensus", "Prioritering", "Handleplan", "Opfølgning")


@pytest.fixture(scope="module")
def demo_round(tmp_path_factory) -> Path:
    from xl_kik.demo import round as demo

    root = tmp_path_factory.mktemp("transfer") / "demo"
    demo.run_demo(root, say=lambda _text: None)
    return root


# ---------------------------------------------------------------- raw openpyxl features
def _rgb(color) -> str | None:
    value = getattr(color, "rgb", None)
    return value[-6:].upper() if isinstance(value, str) and getattr(color, "type", "rgb") == "rgb" else None


def _text(title) -> str | None:
    if title is None or title.tx is None or title.tx.rich is None:
        return None
    return "".join(r.t for p in title.tx.rich.p for r in (p.r or []))


def features(ws) -> dict:
    """Everything the transfer must keep, read from openpyxl's own objects."""
    dvs = sorted(((tuple(sorted(str(r) for r in dv.sqref.ranges)), dv.type,
                   dv.operator if dv.type not in ("list", "custom") else None, dv.formula1, dv.formula2,
                   bool(dv.allow_blank), bool(dv.showDropDown), dv.promptTitle, dv.prompt, dv.errorTitle, dv.error,
                   bool(dv.showInputMessage), bool(dv.showErrorMessage), dv.errorStyle or "stop")
                  for dv in ws.data_validations.dataValidation), key=repr)
    cfs = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            fill = font = None
            if rule.dxf is not None and rule.dxf.fill is not None:
                bg, fg = _rgb(rule.dxf.fill.bgColor), _rgb(rule.dxf.fill.fgColor)
                fill = bg if bg not in (None, "000000") else fg
            if rule.dxf is not None and rule.dxf.font is not None:
                font = (_rgb(rule.dxf.font.color) if rule.dxf.font.color is not None else None, bool(rule.dxf.font.b))
            scale = None
            if rule.colorScale is not None:
                scale = [(o.type, float(o.val)) for o in rule.colorScale.cfvo], [_rgb(c) for c in rule.colorScale.color]
            cfs.append((rule.priority, tuple(sorted(str(r) for r in cf.sqref.ranges)), rule.type, rule.operator,
                        list(rule.formula), fill, font, bool(rule.stopIfTrue), scale))
    charts = []
    for ch in ws._charts:
        anchor = ch.anchor
        charts.append({
            "type": (type(ch).__name__, ch.type, ch.grouping), "title": _text(ch.title),
            "anchor": (anchor._from.row, anchor._from.col), "size": (anchor.ext.width, anchor.ext.height),
            "series": [((s.tx.strRef.f if s.tx.strRef else s.tx.v) if s.tx else None, s.val.numRef.f,
                        (s.cat.numRef or s.cat.strRef).f if s.cat else None) for s in ch.series],
            "y": (_text(ch.y_axis.title), ch.y_axis.scaling.min, ch.y_axis.scaling.max, ch.y_axis.majorUnit,
                  ch.y_axis.numFmt.formatCode if ch.y_axis.numFmt else None),
            "legend": ch.legend.position if ch.legend else None})
    ps, props = ws.page_setup, ws.sheet_properties.pageSetUpPr
    return {
        # priority order counts, not the numbers (a rebuilt sheet numbers its rules from 1)
        "validations": dvs, "conditional_formats": [t[1:] for t in sorted(cfs, key=lambda t: t[0])],
        "merged": sorted(str(r) for r in ws.merged_cells.ranges), "freeze": ws.freeze_panes,
        "hidden_rows": sorted(r for r, d in ws.row_dimensions.items() if d.hidden),
        "hidden_columns": sorted(k for k, d in ws.column_dimensions.items() if d.hidden),
        "tables": {t.displayName: (t.ref, t.tableStyleInfo.name if t.tableStyleInfo else None, t.headerRowCount)
                   for t in ws.tables.values()},
        "autofilter": ws.auto_filter.ref,
        "print": (ps.orientation, ps.paperSize, ps.fitToWidth, ps.fitToHeight, bool(props and props.fitToPage),
                  ps.scale if not (props and props.fitToPage) else None,
                  ws.print_title_rows, ws.print_title_cols, (ws.print_area or "").split("!")[-1] or None),
        "charts": charts,
        "protection": protection_of(ws),
    }


def _reload(wb, path: Path):
    wb.save(path)
    return openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")


# ---------------------------------------------------------------- real round trips
def test_every_generated_sheet_survives_the_transfer(demo_round, tmp_path):
    source = openpyxl.load_workbook(demo_round / MASTER_NAME, keep_vba=True)
    target = openpyxl.Workbook()
    target.remove(target.active)
    for name in GENERATED:
        target.create_sheet(name)
    writer = OpenpyxlSheetWriter(target)
    for name in GENERATED:
        apply_content(writer, name, content_from_worksheet(source[name]))
    again = _reload(target, tmp_path / "transferred.xlsx")
    for name in GENERATED:
        want, got = features(source[name]), features(again[name])
        for key in want:
            assert got[key] == want[key], (name, key)
        assert [[c.value for c in row] for row in again[name].iter_rows()] == \
               [[c.value for c in row] for row in source[name].iter_rows()], name

    konsensus = features(again["Konsensus"])
    # the features the coordinator sees, named (so a renderer change cannot empty the test)
    assert any(v[1] == "list" and v[3] == '"Ja,Nej"' for v in konsensus["validations"])
    assert any(v[1] == "whole" and v[4] is not None for v in konsensus["validations"])
    assert [c[1] for c in konsensus["conditional_formats"]][:2] == ["colorScale", "cellIs"]
    assert konsensus["merged"] and konsensus["freeze"] and konsensus["hidden_rows"]
    [chart] = konsensus["charts"]
    assert chart["type"] == ("BarChart", "col", "clustered") and len(chart["series"]) == 2
    assert all(val.startswith("'Konsensus'!$") and title for title, val, _cat in chart["series"])
    plan = features(again["Handleplan"])
    assert plan["tables"]["Handleplan"][1] == "TableStyleLight9"
    assert [c[1] for c in plan["conditional_formats"]] == ["expression", "expression"]
    # list and date rules, and an input message only (no type) naming the new-line keys
    assert {v[1] for v in plan["validations"]} == {"list", "date", None}
    [help_dv] = [v for v in plan["validations"] if v[1] is None]
    assert all(k in help_dv[8] for k in ("Alt+Enter", "Ctrl+Option+Enter", "Ctrl+Enter i LibreOffice"))
    assert features(again["Status"])["autofilter"] and features(again["Svarrapport"])["print"][7] == "$B:$D"
    # the plan's snapshot sheets are protected by the CLI, and stay so after a transfer
    assert features(again["Prioritering"])["protection"] is not None
    assert features(again["Opfølgning"])["protection"] is not None
    assert features(again["Handleplan"])["protection"] is None


def test_plan_button_unprotects_then_protects_snapshot_sheets(demo_round, tmp_path):
    """Recording double of xlwings: a sheet the CLI protected is unprotected before it is
    cleared (Excel refuses to clear a protected sheet) and protected again at the end."""
    from tests.test_master import FakeBook
    from xl_kik import buttons

    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    book = FakeBook()
    wb = openpyxl.load_workbook(root / MASTER_NAME, keep_vba=True)
    writer = _LiveBook(wb, book)
    ctx = buttons.ButtonContext(root=root, writer=writer, lang="da", sheet_names=buttons.live_sheet_names(writer))
    assert buttons.do_plan(ctx)
    log = book.log
    for sheet in ("Prioritering", "Opfølgning"):
        calls = [e[1] for e in log if e[0] == "call" and e[1].startswith(sheet)]
        unprotect = calls.index(f"{sheet}.api.Unprotect")
        clear = next(i for i, c in enumerate(calls) if c.endswith(".clear"))
        protect = [i for i, c in enumerate(calls) if c == f"{sheet}.api.Protect"]
        assert unprotect < clear and protect and protect[-1] > clear, calls
    assert writer.skipped == []


def test_merge_button_gives_the_konsensus_of_the_cli(demo_round, tmp_path):
    """Flet besvarelser in the open book (scratch render + transfer) ends with the same
    validations, colours, merged cells, print setup and chart as ``xl-kik merge``."""
    from xl_kik import buttons
    from xl_kik.steps import merge

    cli_root, live_root = tmp_path / "cli", tmp_path / "live"
    shutil.copytree(demo_round, cli_root)
    shutil.copytree(demo_round, live_root)
    merge.merge_round(cli_root)
    cli = openpyxl.load_workbook(cli_root / MASTER_NAME, keep_vba=True)

    live = openpyxl.load_workbook(live_root / MASTER_NAME, keep_vba=True)  # stands in for the open book
    writer = OpenpyxlSheetWriter(live)
    names = buttons.live_sheet_names(writer)
    ctx = buttons.ButtonContext(root=live_root, writer=writer, lang=buttons.live_lang(writer, names), sheet_names=names)
    assert buttons.do_merge(ctx)
    live = _reload(live, tmp_path / "live.xlsm")
    for name in ("Status", "Svarrapport", "Konsensus"):
        want, got = features(cli[name]), features(live[name])
        for key in want:
            assert got[key] == want[key], (name, key)
    assert features(live["Konsensus"])["charts"]


def test_table_name_taken_falls_back_to_autofilter(tmp_path, caplog):
    wb = openpyxl.Workbook()
    wb.active.title = "Andet"
    wb.create_sheet("Ny")
    for ws in wb.worksheets:
        for r, row in enumerate([["Id", "Navn"], ["1", "a"]], start=1):
            for c, v in enumerate(row, start=1):
                write_text(ws, (r, c), v)
    writer = OpenpyxlSheetWriter(wb)
    writer.set_table("Andet", "Plan", "A1:B2", ("Id", "Navn"))
    content = content_from_worksheet(wb["Ny"])
    content.tables.append(TableSpec("Plan", "A1:B2", ("Id", "Navn"), style="TableStyleLight9"))
    apply_content(writer, "Ny", content)
    again = _reload(wb, tmp_path / "t.xlsx")
    assert not again["Ny"].tables and again["Ny"].auto_filter.ref == "A1:B2"
    assert "AutoFilter instead" in caplog.text


def test_content_from_worksheet_describes_the_chart(demo_round):
    ws = openpyxl.load_workbook(demo_round / MASTER_NAME, keep_vba=True)["Konsensus"]
    [chart] = content_from_worksheet(ws).charts
    assert isinstance(chart, ChartSpec) and (chart.kind, chart.grouping) == ("col", "clustered")
    # the series are named literally (the legend reads "Indsatser"/"Resultater", not a helper column's header)
    assert [(s.title, s.title_ref) for s in chart.series] == [("Indsatser", None), ("Resultater", None)]
    assert chart.categories.startswith("'Konsensus'!$B$") and chart.width_cm > 0 and chart.height_cm > 0
    assert (chart.y_min, chart.y_max, chart.y_major, chart.y_number_format) == (0, 100, 20, "0")


# ---------------------------------------------------------------- against the recording double
class _LiveBook(XlwingsSheetWriter):
    """Reads the master through openpyxl (the double holds no cells) and writes through the
    real XlwingsSheetWriter into the recording double."""

    def __init__(self, wb, book):
        super().__init__(book)
        self._reader = OpenpyxlSheetWriter(wb)

    def sheet_names(self):
        return self._reader.sheet_names()

    def read_rows(self, sheet):
        return self._reader.read_rows(sheet)


def _calls(log, suffix):
    return [e for e in log if e[0] == "call" and e[1].endswith(suffix)]


def _sets(log, suffix):
    return [e for e in log if e[0] == "set" and e[1].endswith(suffix)]


def test_merge_button_issues_the_excel_calls(demo_round, tmp_path):
    """Verified against a recording double of xlwings, not Excel (none can run here)."""
    from tests.test_master import FakeBook
    from xl_kik import buttons

    root = tmp_path / "r"
    shutil.copytree(demo_round, root)
    book = FakeBook()
    wb = openpyxl.load_workbook(root / MASTER_NAME, keep_vba=True)
    writer = _LiveBook(wb, book)
    names = buttons.live_sheet_names(writer)
    ctx = buttons.ButtonContext(root=root, writer=writer, lang="da", sheet_names=names)
    assert buttons.do_merge(ctx)
    log = book.log
    # the sheet is emptied of what Cells.Clear leaves: merged cells, validations, rules
    for what in ("cells.unmerge", "cells.data_validation.delete", "cells.conditional_formats.clear"):
        assert _calls(log, f"Konsensus!{what}"), what

    # dropdowns: "Med i handleplan" is a list validation with the source Ja, Nej; messages via COM
    # (column Q since the agreed-minus-suggested column N came in; one call per rule over all its areas)
    lists = [e for e in _calls(log, ".data_validation.set_list") if e[1].startswith("Konsensus!Q")]
    assert lists and all(e[2] == (["Ja", "Nej"],) and e[3] == {"in_cell_dropdown": True} for e in lists)
    # the title is Excel's at most 32 characters (the column header "Med i handleplan (Ja/Nej)" is not used)
    [q_areas] = [e[1].split("!")[1].split(".")[0] for e in lists]
    assert q_areas.startswith("Q6:Q8,Q10:Q12,") and len(q_areas) <= 255
    assert ("set", f"Konsensus!{q_areas}.api.Validation.ErrorTitle", "Med i handleplan") in log
    assert ("set", f"Konsensus!{q_areas}.api.Validation.ShowError", True) in log
    whole = [e for e in _calls(log, ".data_validation.set_whole_number") if e[1].startswith("Konsensus!M6:M8")]
    assert [(e[2], e[3]) for e in whole] == [(("between", "=0", "=100"), {})]

    # colours: the spread column gets the colour scale, the flag column its fill; the
    # expression rule is translated into Excel's UI language and evaluated from its top-left cell
    scales = _calls(log, "Konsensus!I5:I32.conditional_formats.add_color_scale")
    assert scales == [("call", "Konsensus!I5:I32.conditional_formats.add_color_scale",  # green at 0, red at the default threshold: 25 % of 0-100
                       (["#C6EFCE", "#FFEB9C", "#F8CBAD"],), {"thresholds": [0.0, 12.5, 25.0], "threshold_type": "number"})]
    [flag] = _calls(log, "Konsensus!J5:J32.conditional_formats.add_cell_value")
    assert flag[2][:2] == ("equal_to", '="Ja"') and flag[3]["fill_color"] == "#F8CBAD" and flag[3]["font_bold"]
    [grey] = _calls(log, "Konsensus!I36:J43.conditional_formats.add_custom")
    assert grey[2] == ("=ER.FEJL(I36)",) and grey[3]["font_color"] == "#BFBFBF"
    assert _calls(log, "Konsensus!I36.select")
    added = [e[1].split("!")[1].split(".")[0] for e in log if e[0] == "call" and e[1].startswith("Konsensus!")
             and ".conditional_formats.add_" in e[1]]
    # lowest priority first (each add goes on top): chart helpers, quick win (T), far moves (N), flag, spread
    assert added == ["I36:J43", "T5:T69", "N5:N32", "J5:J32", "I5:I32"]  # T: down to the notes below the 24-row chart

    # one column chart with the two theme series, placed at the anchor cell
    adds = _calls(log, "Konsensus.charts.add")
    assert len(adds) == 1 and adds[0][2][2:] == pytest.approx((24 * 72 / 2.54, 12 * 72 / 2.54))  # 24 x 12 cm
    assert repr(adds[0][2][0]) == "<Konsensus!B45.left>"
    [source] = _calls(log, "Konsensus.charts.add().set_source_data")
    assert repr(source[2][0]) == "<Range Konsensus!$I$36:$I$43,$J$36:$J$43>" and source[3] == {"plot_by": "columns"}
    assert ("set", "Konsensus.charts.add().chart_type", "column_clustered") in log
    [cats] = _calls(log, "Konsensus.charts.add().set_x_axis_values")
    assert repr(cats[2][0]) == "<Range Konsensus!$B$36:$B$43>"
    wb_k = wb["Konsensus"]
    assert ("set", "Konsensus.charts.add().series[0].name", "Indsatser") in log
    assert ("set", "Konsensus.charts.add().series[1].name", "Resultater") in log
    assert ("set", "Konsensus.charts.add().value_axis.maximum_scale", 100.0) in log
    assert ("set", "Konsensus.charts.add().value_axis.major_unit", 20.0) in log
    assert ("set", "Konsensus.charts.add().value_axis.number_format", "0") in log

    # merged title, frozen panes (COM window), print setup (COM), AutoFilter (COM)
    # the help merged over the columns the first printed page holds (not all 21: it would run off the page)
    help_merges = [e[1] for e in log if e[0] == "call" and e[1].startswith("Konsensus!B2:") and e[1].endswith(".merge")]
    assert len(help_merges) == 1 and help_merges[0].split(".")[0] in {f"Konsensus!{m.coord}" for m in wb_k.merged_cells.ranges}
    last = column_number(help_merges[0].split(":")[1].split(".")[0].rstrip("0123456789"))
    assert column_number("F") < last < column_number("U")
    assert ("set", "app.api.ActiveWindow.SplitRow", 4) in log and ("set", "app.api.ActiveWindow.SplitColumn", 4) in log
    assert ("set", "app.api.ActiveWindow.FreezePanes", True) in log
    assert ("set", "Konsensus.page_setup.api.Orientation", 2) in log  # xlLandscape
    assert ("set", "Konsensus.page_setup.api.PrintTitleRows", "$4:$4") in log
    # the questions only: the theme block prints in the konsensusrapport; a fixed readable scale
    assert ("set", "Konsensus.page_setup.print_area", "$B$1:$U$32") in log
    assert ("set", "Konsensus.page_setup.api.PrintTitleColumns", "$B:$D") in log
    [zoom] = [e[2] for e in log if e[:2] == ("set", "Konsensus.page_setup.api.Zoom")]
    assert 73 <= zoom <= 100
    assert _calls(log, "Status!A6:H14.api.AutoFilter")
    assert writer.skipped == []


def test_xlwings_writer_logs_a_missing_feature_and_goes_on(caplog):
    """A platform without a feature (a Mac's appscript .api) is logged, the rest still happens."""
    from tests.test_master import FakeBook

    book = FakeBook()
    writer = XlwingsSheetWriter(book)

    class Broken:
        def __getattr__(self, name):
            raise AttributeError(f"appscript has no {name}")

        def __setattr__(self, name, value):
            raise AttributeError(f"appscript has no {name}")

    sheet = book.sheets["Konsensus"]
    object.__setattr__(sheet, "page_setup", Broken())
    content = SheetContent()
    content.put("A1", "x")
    from xl_kik.excel.masterfile import PrintSetup

    content.print_setup = PrintSetup(orientation="landscape", print_area="$A$1:$B$2")
    content.merged.append("A1:B1")
    apply_content(writer, "Konsensus", content)
    assert any("page setup" in s for s in writer.skipped) and any("print area" in s for s in writer.skipped)
    assert "Excel feature skipped" in caplog.text
    assert _calls(book.log, "Konsensus!A1:B1.merge")
