"""Step: build the action plan (``xl-kik plan``, the button "Lav handleplan"), follow it up, carry it over.

Opens the master, reads the Konsensus inputs and the plan table, merges them with the pure
logic of :mod:`xl_kik.core.actionplan` and renders the plan, its state and the overview sheets
with :mod:`xl_kik.excel.sheets.handleplan`. Both doors call this module: the CLI through
:func:`build_plan` (edits the saved master), the buttons through :func:`plan_into` (renders
into a scratch copy of the live workbook).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from xl_kik.core.actionplan import (
    A_BAD_DATE,
    A_BAD_STATUS,
    A_DELETED_KEPT_OUT,
    A_DUPLICATE_ID,
    A_HEADER_RENAMED,
    A_NOTHING_PLANNED,
    COLUMN_BY_KEY,
    DATE_FORMAT,
    SOURCE_CARRIED,
    STATUS_VALUES,
    FollowUpItem,
    Formula,
    PlanMerge,
    PlanState,
    PreviousScores,
    filter_items,
    format_follow_up,
    follow_up_items,
    generate_rows,
    is_blank,
    plan_merge,
    points_value,
    priority_matrix,
    row_is_blank,
    status_key,
    status_text,
    theme_means,
    to_date,
    value_hash,
)
from xl_kik.core.values import clean_text
from xl_kik.core import konsensus
from xl_kik.core.i18n import Msg
from xl_kik.core.vocabulary import ROWS, Count, button
from xl_kik.core.problems import Report
from xl_kik.core.round import RoundPaths
from xl_kik.excel import master
from xl_kik.excel.masterfile import MasterFile
from xl_kik.excel.sheets import handleplan as sheets_plan
from xl_kik.steps import step_command


@dataclass
class PlanResult:
    path: Path
    rows: int
    added: list[str]
    marked_removed: list[str]
    new_manual: list[str]
    kept_out: list[str]
    open: int
    overdue: int
    due_soon: int
    report: Report
    lang: str = "da"
    merged: bool = True  # Konsensus has questions (a merge has run)

    def summary(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        problems = self.report.problems
        if not self.merged and not self.rows:  # before any merge: say what to do, not "0 rows"
            text = PLAN_NOT_MERGED(lang, file=self.path.name)
            problems = [p for p in problems if p.code != "A003"]
        elif not self.rows and any(p.code == "A003" for p in problems):  # merged, but no "Ja" yet
            text = PLAN_NOTHING_MARKED(lang, file=self.path.name)
            problems = [p for p in problems if p.code != "A003"]
        else:
            text = PLAN_DONE(lang, file=self.path.name, rows=ROWS(lang, n=self.rows),
                             added=NEW_ROWS(lang, n=len(self.added)), removed=len(self.marked_removed),
                             open=OPEN_ACTIONS(lang, n=self.open), overdue=self.overdue)
        if problems:
            text += "\n" + "\n".join(p.describe(lang) for p in problems)
        return text

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        lang = lang or self.lang
        return {"master": str(self.path), "rows": self.rows, "added": list(self.added),
                "marked_removed": list(self.marked_removed), "new_manual": list(self.new_manual),
                "kept_out": list(self.kept_out), "open": self.open, "overdue": self.overdue,
                "due_soon": self.due_soon, "problems": [p.as_dict(lang) for p in self.report.problems]}


#: codeNames of the only sheets whose cells the plan reads or writes; the others are carried
#: through unparsed, except a sheet with a table (the Handleplan table is looked for everywhere)
USED_BY_PLAN = tuple(master.CODE_NAMES[key] for key in ("consensus", "plan", "priority", "follow_up", "plan_state",
                                                        "previous"))

PLAN_DONE = Msg(
    "Handleplanen i {file} er lavet: {rows} ({added}, {removed} med 'kilde fjernet'); "
    "{open}, overskredne: {overdue}.",
    "The action plan in {file} is built: {rows} ({added}, {removed} marked 'source removed'); "
    "{open}, overdue: {overdue}.")
NEW_ROWS = Count(Msg("{n} ny", "{n} new"), Msg("{n} nye", "{n} new"))
OPEN_ACTIONS = Count(Msg("{n} åben handling", "{n} open action"), Msg("{n} åbne handlinger", "{n} open actions"))
PLAN_NOT_MERGED = Msg(
    f"Der er ingen handleplan at lave endnu: Konsensus i {{file}} har ingen besvarelser. Flet først "
    f"(knappen {button('KikMerge', 'da')} eller xl-kik merge). Skriv efter konsensusseminaret 'Ja' i "
    f"'Med i handleplan' ud for de spørgsmål, hvis forbedringsområder skal med, og lav så handleplanen "
    f"(knappen {button('KikPlan', 'da')} eller xl-kik plan).",
    f"There is no action plan to build yet: Consensus in {{file}} has no answers. Merge first "
    f"(the {button('KikMerge', 'en')} button or xl-kik merge). After the consensus seminar, type 'Yes' in "
    f"'In action plan' beside the questions whose improvement areas should be in it, then build the plan "
    f"(the {button('KikPlan', 'en')} button or xl-kik plan).")
PLAN_NOTHING_MARKED = Msg(
    f"Handleplanen i {{file}} er tom: intet spørgsmål på Konsensus har 'Ja' i 'Med i handleplan' endnu. "
    f"Skriv 'Ja' ud for de spørgsmål, hvis forbedringsområder skal med, og lav handleplanen igen "
    f"(knappen {button('KikPlan', 'da')} eller xl-kik plan).",
    f"The action plan in {{file}} is empty: no question on Consensus has 'Yes' in 'In action plan' yet. "
    f"Type 'Yes' beside the questions whose improvement areas should be in it and build the plan again "
    f"(the {button('KikPlan', 'en')} button or xl-kik plan).")


def round_paths(root: str | Path | RoundPaths) -> RoundPaths:
    """A round folder (or its :class:`RoundPaths`) as :class:`RoundPaths`."""
    return root if hasattr(root, "master") else RoundPaths(Path(root))


def load_setup(paths: RoundPaths):
    """The round's setup and participants, read from its saved master."""
    setup, _participants = master.load_round(paths.root)
    return setup, _participants


@step_command
def build_plan(root: str | Path, lang: str | None = None, today: dt.date | None = None,
               restore_deleted: bool = False) -> PlanResult:
    """Build (or rebuild) the action plan in the master from the Konsensus sheet (CLI door).

    Also refreshes the sheets ``Prioritering`` (effect x feasibility) and ``Opfølgning``.
    Nothing anybody typed in the plan is lost (see the module docstring).
    """
    paths = round_paths(root)
    with MasterFile.lock(paths, lang or "da"):  # first the lock, then the setup it writes on
        setup, _ = load_setup(paths)
        lang = lang or getattr(setup, "lang", "da") or "da"
        with MasterFile.edit(paths, lang, uses=USED_BY_PLAN, tables_anywhere=True) as wb:
            result = render_plan(wb, setup, lang, today, restore_deleted, file=paths.master.name)
    result.path = paths.master
    return result


def plan_into(wb: Any, root: str | Path, data: Any = None, lang: str = "da", today: dt.date | None = None,
              restore_deleted: bool = False) -> PlanResult:
    """The button door: render the plan into ``wb`` (a scratch copy of the live workbook).

    ``data`` is the button's :class:`xl_kik.excel.master.MasterData` (its ``setup`` is used).
    """
    paths = round_paths(root)
    setup = data.setup if data is not None else load_setup(paths)[0]
    result = render_plan(wb, setup, lang, today, restore_deleted, file=paths.master.name)
    result.path = paths.master
    return result


def render_plan(wb: Any, setup: Any, lang: str = "da", today: dt.date | None = None,
                restore_deleted: bool = False, file: str = "kik_master.xlsm") -> PlanResult:
    """Read Konsensus and the plan from an openpyxl workbook, merge, and write the plan, the
    state and the overview sheets back into it. Used by both doors."""

    today = today or dt.date.today()
    catalogue = getattr(setup, "catalogue", None)
    report = Report(file)
    ws_k = sheets_plan.consensus_sheet(wb)
    inputs = konsensus.read_inputs(ws_k) if ws_k is not None else {}
    generated = generate_rows(inputs, catalogue, lang, report)
    if not generated:
        report.add(A_NOTHING_PLANNED(file=file, sheet=ws_k.title if ws_k is not None else ""))
    table = sheets_plan.read_plan(wb, lang)
    state = sheets_plan.read_state(wb) if table.found else None
    merged = plan_merge(table.rows, generated, today, state, lang, restore_deleted)
    _report_merge(report, merged, table, file)
    layout = sheets_plan.write_plan(wb, merged.rows, table, lang)
    for header in layout.restored:
        report.add(A_HEADER_RENAMED(file=file, sheet=table.sheet, column=header))
    sheets_plan.write_state(wb, merged.state)
    order = list(catalogue.question_ids) if catalogue is not None else []
    sheets_plan.write_priority(wb, priority_matrix(inputs, order), lang, today)
    items = follow_up_items(merged.rows, today)
    _check_rows(report, merged.rows, layout, file, lang)
    sheets_plan.write_follow_up(wb, items, lang, today)
    return PlanResult(Path(file), len(merged.rows), merged.added, merged.marked_removed, merged.new_manual,
                      merged.kept_out, sum(i.open for i in items), sum(i.overdue for i in items),
                      sum(i.due_soon for i in items), report, lang, merged=bool(inputs))


def _report_merge(report: Report, merged: PlanMerge, table, file: str) -> None:
    if merged.kept_out:
        ids = ", ".join(merged.kept_out[:5]) + (" ..." if len(merged.kept_out) > 5 else "")
        report.add(A_DELETED_KEPT_OUT(file=file, sheet=table.sheet, count=len(merged.kept_out), ids=ids))
    for old_id, new_id, index, first in merged.renumbered:
        row, first_row = table.sheet_row(index), table.sheet_row(first)
        report.add(A_DUPLICATE_ID(file=file, sheet=table.sheet, cell=f"{table.id_letter}{row}",
                                  id=old_id, row=row, first_row=first_row, new_id=new_id))


def _check_rows(report: Report, rows, layout, file: str, lang: str) -> None:
    known = " / ".join(STATUS_VALUES["en" if lang == "en" else "da"])
    for i, r in enumerate(rows):
        row = layout.first_data_row + i
        if status_key(r.get("status")) is None and not isinstance(r.get("status"), Formula):
            report.add(A_BAD_STATUS(file=file, sheet=layout.sheet, cell=f"{layout.letter('status')}{row}",
                                    value=clean_text(r.get("status")), row=row, known=known))
        for key in ("deadline",):
            v = r.get(key)
            if not is_blank(v) and not isinstance(v, Formula) and to_date(v) is None:
                report.add(A_BAD_DATE(file=file, sheet=layout.sheet, cell=f"{layout.letter(key)}{row}",
                                      value=clean_text(v), row=row,
                                      column=COLUMN_BY_KEY[key].header(lang)))


def read_plan_rows(root: str | Path) -> list[dict[str, Any]]:
    """The plan's rows as they are saved in the master (read-only; works while Excel has it open)."""

    paths = round_paths(root)
    return sheets_plan.read_plan_values(paths.master).rows


def follow_up(root: str | Path, owner: str | None = None, overdue_only: bool = False,
              today: dt.date | None = None, include_done: bool = False) -> list[FollowUpItem]:
    """The plan's open actions (``include_done``: also completed ones), overdue first, then
    by deadline, as saved in the master (read-only: works while Excel has it open).

    ``owner`` matches case-insensitively at a word start (``ida`` finds ``Ida Holm``).
    """
    items = follow_up_items(read_plan_rows(root), today)
    if not include_done:
        items = [i for i in items if i.open]
    return filter_items(items, owner, overdue_only)


@dataclass
class FollowUpResult:
    """The follow-up of a plan (``xl-kik plan --list/--owner/--overdue``): the actions shown."""

    items: list[FollowUpItem]
    owner: str | None = None
    overdue_only: bool = False

    def summary(self, lang: str = "da") -> str:
        return format_follow_up(self.items, lang, owner=self.owner, overdue_only=self.overdue_only)

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {"actions": [i.as_dict() for i in self.items]}


def follow_up_report(root: str | Path, owner: str | None = None, overdue_only: bool = False,
                     today: dt.date | None = None) -> FollowUpResult:
    """:func:`follow_up` as a result the doors can show."""
    return FollowUpResult(follow_up(root, owner, overdue_only, today), owner, overdue_only)


CARRY_COMMENT = Msg("[{date}] Overført fra runde {round} (status: {status}).",
                    "[{date}] Carried over from round {round} (status: {status}).")


@dataclass
class CarryResult:
    carried: list[str]
    skipped_done: int
    already_there: list[str]
    previous: PreviousScores
    old_round_id: str


def _round_id_of(paths) -> str:
    try:
        setup, _ = load_setup(paths)
        return setup.round_id
    except Exception:  # an old master from another version: the folder name is a fine label
        return paths.root.name


def carry_over(old_root: str | Path, new_root: str | Path, today: dt.date | None = None,
               lang: str | None = None) -> CarryResult:
    """Copy the open actions of the old round's plan into the new round's plan.

    Open = status is not *afsluttet*. Each row keeps its id and every value (extra columns
    too); Kilde becomes ``overført fra <old round id>`` and a dated line is added to the
    Kommentar (the earlier comments stay). Rows already in the new plan (same id) are left as
    they are, so running it twice changes nothing. The old round's agreed scores are stored
    in the new master (hidden sheet ``Forrige``) for :func:`previous_scores_from_master`.
    """
    today = today or dt.date.today()
    old_paths, new_paths = round_paths(old_root), round_paths(new_root)
    with MasterFile.lock(new_paths, lang or "da"):  # the old round is only read: no lock there
        return _carry_over(old_paths, new_paths, today, lang)


def _carry_over(old_paths: RoundPaths, new_paths: RoundPaths, today: dt.date, lang: str | None) -> CarryResult:
    old_id = _round_id_of(old_paths)
    new_setup, _ = load_setup(new_paths)
    lang = lang or getattr(new_setup, "lang", "da") or "da"
    old_table = sheets_plan.read_plan_values(old_paths.master)
    prev = previous_scores(old_paths)
    carried, already, skipped = [], [], 0
    with MasterFile.edit(new_paths, lang) as wb:
        table = sheets_plan.read_plan(wb, lang)
        state = sheets_plan.read_state(wb) if table.found else PlanState()
        present = {clean_text(r.get("id")) for r in table.rows}
        rows = [dict(r) for r in table.rows if not row_is_blank(r)]
        for r in old_table.rows:
            if row_is_blank(r):
                continue
            if status_key(r.get("status")) == "done":
                skipped += 1
                continue
            rid = clean_text(r.get("id"))
            if rid in present:
                already.append(rid)
                continue
            row = {k: v for k, v in r.items()}
            if not rid:
                rid = f"{old_id}-{len(carried) + 1}"
            row["id"] = rid
            note = CARRY_COMMENT(lang, date=today.strftime(DATE_FORMAT), round=old_id,
                                 status=clean_text(r.get("status")) or status_text("not_started", lang))
            old_comment = clean_text(r.get("comment"))
            row["comment"] = f"{old_comment}\n{note}" if old_comment else note
            row["source"] = SOURCE_CARRIED(lang)
            rows.append(row)
            carried.append(rid)
            state.written[rid] = {"source": value_hash(row["source"])}
            present.add(rid)
        layout = table.with_extra_headers(old_table.headers)
        sheets_plan.write_plan(wb, rows, layout, lang)
        sheets_plan.write_state(wb, state)
        sheets_plan.write_previous(wb, prev, lang)
        sheets_plan.write_follow_up(wb, follow_up_items(rows, today), lang, today)
    return CarryResult(carried, skipped, already, prev, old_id)


def previous_scores(old_root: str | Path) -> PreviousScores:
    """The old round's agreed points per question (``.themes``: the separately agreed theme
    score where one was typed, else the mean of the theme's agreed points)."""

    paths = round_paths(old_root)
    try:
        setup, _ = load_setup(paths)
        catalogue, round_id = setup.catalogue, setup.round_id
    except Exception:
        catalogue, round_id = None, paths.root.name
    wb = openpyxl.load_workbook(paths.master, data_only=True, keep_vba=False)
    try:
        ws = sheets_plan.consensus_sheet(wb)
        inputs = konsensus.read_inputs(ws) if ws is not None else {}
        theme_inputs = konsensus.read_theme_inputs(ws) if ws is not None else {}
    finally:
        wb.close()
    points = {qid: p for qid, inp in inputs.items() if (p := points_value(inp.get("agreed_points"))) is not None}
    themes = theme_means(points, catalogue)
    # a separately agreed theme score (theme-score block of Konsensus) is the theme's score
    themes.update({t: p for t, raw in theme_inputs.items() if (p := points_value(raw)) is not None})
    return PreviousScores(points, themes, round_id)


def previous_scores_from_master(root_or_wb: Any) -> PreviousScores:
    """Previous agreed scores stored in a master by :func:`carry_over` (empty if none).

    Accepts a round folder / ``RoundPaths`` (read with calamine) or an open openpyxl workbook
    (e.g. inside ``MasterFile.edit``).
    """

    if hasattr(root_or_wb, "sheetnames"):
        return sheets_plan.read_previous(root_or_wb)
    return sheets_plan.read_previous_values(round_paths(root_or_wb).master)
