"""The steps on the **live** workbook: what a button runs while Excel has the master open.

Excel holds the file: replacing it fails on Windows (locked) and on a Mac Excel would later
save its own copy over ours. So a button never writes the master file. Instead:

1. read what the step needs from the live workbook through a
   :class:`~xl_kik.excel.masterfile.SheetWriter` (xlwings in Excel, so unsaved edits by the
   coordinator count), and parse it with the same code as the CLI
   (:func:`xl_kik.excel.master.parse_master`);
2. run the step: it writes files in the round folder (questionnaires) or renders sheets
   into a scratch in-memory openpyxl workbook built from the live values (:func:`render_live`);
3. write the results into the live workbook (every text with Excel's text prefix, so
   nothing becomes a formula), inside a transaction that puts the previous contents back
   if anything fails (:func:`run_live`);
4. the door asks Excel to save the workbook: Excel writes its own file, VBA intact.

Everything here takes a SheetWriter, so it is tested with
:class:`~xl_kik.excel.masterfile.OpenpyxlSheetWriter` on a real master.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from xl_kik.core.round import MASTER_NAME, RoundPaths
from xl_kik.excel import atomic
from xl_kik.excel.master import (CODE_NAMES, NAME_LAST_RUN, PLAN_SHEET_KEYS, MasterData, SheetInfo, find_sheet_info,
                                 parse_master, sheet_names_by_key)
from xl_kik.excel.masterfile import SheetWriter, XlwingsSheetWriter, scratch_workbook, sheet_values, transfer_sheets
from xl_kik.steps.generate import generate_round
from xl_kik.steps.merge import merge_into
from xl_kik.steps.plan import plan_into


@dataclass
class ButtonContext:
    """What a button's body gets: the round folder and a writer on the live workbook."""

    root: Path
    writer: SheetWriter
    lang: str = "da"
    sheet_names: dict[str, str] = field(default_factory=dict)

    @property
    def paths(self) -> RoundPaths:
        return RoundPaths(self.root)

    def master_data(self) -> MasterData:
        rows = {key: self.writer.read_rows(self.sheet_names[key])
                for key in ("meta", "setup", "participants", "questions") if key in self.sheet_names}
        return parse_master(rows, self.sheet_names, self.root / MASTER_NAME)


def live_sheet_names(writer: SheetWriter, codenames: dict[str, str] | None = None) -> dict[str, str]:
    """Sheet key -> name in the live workbook, by the rule of every master reader
    (:func:`~xl_kik.excel.master.sheet_names_by_key`): by codeName when the platform tells it
    (``codenames``: codeName -> name), then by the ``sheet_<key>`` entries of ``_kik``, then by
    the contract's names."""
    code_of = {name: code for code, name in (codenames or {}).items()}
    infos = [SheetInfo(name, "", code_of.get(name, ""), "") for name in writer.sheet_names()]
    recorded: dict[str, str] = {}
    meta = find_sheet_info(infos, "meta")
    if meta is not None:
        for row in writer.read_rows(meta.name):
            if row and isinstance(row[0], str) and row[0].startswith("sheet_") and len(row) > 1:
                key = row[0][len("sheet_"):]
                if key in CODE_NAMES and isinstance(row[1], str):
                    recorded.setdefault(key, row[1])
    return sheet_names_by_key(infos, recorded)


def live_lang(writer: SheetWriter, names: dict[str, str]) -> str:
    """The round's language as the live workbook's ``_kik`` sheet says (else Danish)."""
    try:
        for row in writer.read_rows(names["meta"]):
            if row and row[0] == "lang" and len(row) > 1 and row[1] in ("da", "en"):
                return row[1]
    except Exception:  # noqa: BLE001 - a damaged meta sheet: Danish, and the step reports the rest
        pass
    return "da"


def xlwings_writer(book: Any) -> SheetWriter:
    """The writer on an xlwings book (the live workbook in Excel)."""
    return XlwingsSheetWriter(book)


def open_live(root: Path, writer: SheetWriter) -> ButtonContext:
    """The context of a button run: the round folder, the live sheets by key, the language."""
    codenames = writer.codenames() if hasattr(writer, "codenames") else None
    names = live_sheet_names(writer, codenames)
    return ButtonContext(root=root, writer=writer, lang=live_lang(writer, names), sheet_names=names)


def run_live(ctx: ButtonContext, action: str, body: Callable[[ButtonContext], str], save: bool,
             save_book: Callable[[], None]) -> str:
    """Run ``body`` on the live workbook: holding the round lock when it changes the master
    (like every CLI writer), inside the writer's transaction (restores the touched sheets on
    failure), then the last-run note and ``save_book``."""
    transaction = getattr(ctx.writer, "transaction", None)
    with (atomic.round_lock(ctx.root, ctx.lang) if save else contextlib.nullcontext()):
        with (transaction() if transaction is not None else contextlib.nullcontext()):
            summary = body(ctx)
            if save:
                write_last_run(ctx.writer, action, summary)
        if save:
            save_book()
    return summary


def write_last_run(writer: SheetWriter, action: str, summary: str) -> None:
    """The *Start* sheet's last-run note (a defined name)."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    first = summary.splitlines()[0] if summary else ""
    try:
        writer.set_name_value(NAME_LAST_RUN, f"{stamp} {action}: {first}")
    except KeyError:  # the name was deleted by the user: not worth failing for
        pass


def render_live(ctx: ButtonContext, fn: Callable[..., Any], keys: Sequence[str]) -> str:
    """Run a step's renderer ``fn(wb, root, data, lang=...) -> result`` on a scratch copy of
    the live sheets it needs, then transfer the sheets it rendered."""
    data = ctx.master_data()
    skip = {ctx.sheet_names.get("conf"), ctx.sheet_names.get("start")}
    wanted = [n for n in ctx.writer.sheet_names() if n not in skip]
    wb = scratch_workbook(ctx.writer, wanted)
    for key, name in ctx.sheet_names.items():  # the steps find their sheets by codeName (renamed ones too)
        if key in CODE_NAMES and name in wb.sheetnames:
            wb[name].sheet_properties.codeName = CODE_NAMES[key]
    before = {ws.title: sheet_values(ws) for ws in wb.worksheets}
    result = fn(wb, ctx.root, data, lang=ctx.lang)
    # the step's own sheets, plus every sheet it added or changed (e.g. the plan's helpers)
    targets = [ctx.sheet_names[k] for k in keys if k in ctx.sheet_names]
    targets += [ws.title for ws in wb.worksheets
                if ws.title not in targets and (ws.title not in before or sheet_values(ws) != before[ws.title])]
    transfer_sheets(wb, ctx.writer, targets)
    summary = getattr(result, "summary", None)
    return summary(ctx.lang) if callable(summary) else str(result or "")


# ---------------------------------------------------------------- the steps, live
def generate_live(ctx: ButtonContext) -> str:
    """Generate from the live workbook's participants; new ids and done resends go into the live workbook."""
    def write_cells(cells: Sequence[tuple[str, str, str]]) -> None:
        for sheet, cell, text in cells:  # ids given to rows the coordinator added, resends done
            ctx.writer.write_rows(sheet, cell, [[text]])

    return generate_round(ctx.root, lang=ctx.lang, data=ctx.master_data(), write_cells=write_cells).summary(ctx.lang)


def merge_live(ctx: ButtonContext) -> str:
    """Merge into the live workbook's Status, Svarrapport and Konsensus."""
    return render_live(ctx, merge_into, ("status", "answers", "consensus", "agenda"))


def plan_live(ctx: ButtonContext) -> str:
    """Build the plan in the live workbook: every sheet the plan renders, the overviews and the
    hidden state (ids written and deleted), so a deleted row stays deleted and the live book
    ends like the CLI's master."""
    return render_live(ctx, plan_into, PLAN_SHEET_KEYS)


__all__ = ["ButtonContext", "SheetWriter", "generate_live", "live_lang", "live_sheet_names", "merge_live",
           "open_live", "plan_live", "render_live", "run_live", "write_last_run", "xlwings_writer"]
