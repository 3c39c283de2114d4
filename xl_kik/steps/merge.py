"""``xl-kik merge`` and the *Merge* button: returned files -> Status, Svarrapport, Konsensus.

One core, two doors: :func:`merge_round` (CLI; edits the master on disk with openpyxl,
atomically, with a backup) and :func:`merge_into` (renders into any openpyxl workbook;
the buttons call it on a scratch copy of the live workbook). Both:

1. read the round (setup + participants) from the master,
2. read every file in ``retur/`` (:func:`xl_kik.steps.status.read_returns`),
3. compute the statistics (:mod:`xl_kik.core.stats`, in Python — never cached formula results),
4. re-render the Status, Svarrapport and Konsensus sheets. Konsensus keeps everything
   people typed, keyed by question id (:mod:`xl_kik.excel.sheets.konsensus`).

Merging is idempotent: the same files give the same sheet values (no timestamps are
written into the sheets).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from xl_kik.core import stats
from xl_kik.core.actionplan import PreviousScores, points_value, theme_means
from xl_kik.core.i18n import Msg
from xl_kik.core.problems import Problem
from xl_kik.core.round import RoundPaths
from xl_kik.core.vocabulary import LIST_LIMIT, QUESTIONS, Count, listing
from xl_kik.excel import masterfile
from xl_kik.excel.master import CODE_NAMES, SHEET_NAMES, MasterData, read_master
from xl_kik.excel.masterfile import MasterFile, find_sheet
from xl_kik.excel.sheets import coverage as sheets_coverage
from xl_kik.excel.sheets import dagsorden as sheets_agenda
from xl_kik.excel.sheets import handleplan as sheets_plan
from xl_kik.excel.sheets import konsensus as sheets_konsensus
from xl_kik.excel.sheets import status as sheets_status
from xl_kik.excel.sheets import svarrapport as sheets_answers
from xl_kik.excel.sheets.konsensus_previous import check_agreed_points, read_previous, render_previous_themes
from xl_kik.excel.sheets.status import sort_problems
from xl_kik.steps.status import read_returns
from xl_kik.steps import promote_survivors, step_command

#: codeNames of the sheets merge renders from scratch: their cells need not be parsed
GENERATED_BY_MERGE = ("shStatus", "shAnswers")
#: codeNames of the only sheets whose cells merge reads or writes (Forrige: the previous round's
#: scores); the others are carried through unparsed (``MasterFile.edit(uses=...)``)
USED_BY_MERGE = tuple(CODE_NAMES[key] for key in ("status", "answers", "consensus", "agenda", "previous"))

T = {
    "warnings": Count(Msg("{n} bemærkning til brugte filer (se arket Status).",
                          "{n} remark on files used (see the Status sheet)."),
                      Msg("{n} bemærkninger til brugte filer (se arket Status).",
                          "{n} remarks on files used (see the Status sheet).")),
    "flagged": Msg("Uenighed på {questions}: {qids}.", "Disagreement on {questions}: {qids}."),
    "no_flagged": Msg("Ingen spørgsmål med stor uenighed.", "No questions with large disagreement."),
    "removed": Msg("Input til {questions}, der ikke længere er i runden, er bevaret nederst på Konsensus: {qids}.",
                   "Inputs of {questions} no longer in the round are kept at the bottom of Consensus: {qids}."),
    "written": Msg("Status, Svarrapport og Konsensus er opdateret i {file}.",
                   "Status, Answers and Consensus have been updated in {file}."),
}


@dataclass
class MergeResult:
    master: Path
    total: int  # participants
    returned: int
    missing: list[Any]  # Participant
    unusable: list[tuple[str, list[Problem]]]  # (file name, problems, errors first)
    superseded: list[str]  # older files skipped
    remarks: list[tuple[str, Problem]]  # warnings/info on files that were used
    flagged: list[str]  # question ids with disagreement
    removed_questions: list[str]  # Konsensus rows kept for questions no longer in the round
    stats: Any = None  # stats.RoundStats
    collection: Any = None  # returns.Collection
    notes_kept: int = 0
    consensus_problems: list[Problem] = field(default_factory=list)  # what people typed on Konsensus
    status_data: dict[str, Any] | None = None  # sheets.status.status_rows: what the Status sheet shows
    agenda: list[str] = field(default_factory=list)  # question ids in the Dagsorden sheet's order
    agenda_created: bool = False  # the Dagsorden sheet was added (a master made before it existed)

    @property
    def problems(self) -> list[Problem]:
        out = [p for _, probs in self.unusable for p in probs] + [p for _, p in self.remarks]
        return sort_problems(out + self.consensus_problems)

    def summary(self, lang: str = "da", limit: int | None = LIST_LIMIT) -> str:
        """For people: the same overview as ``xl-kik status`` (lists cut at ``limit``), then what
        the merge found and wrote."""
        lines = []
        if self.status_data is not None:
            lines += sheets_status.overview_lines(self.status_data, lang, limit)
        if self.remarks:
            lines.append(T["warnings"](lang, n=len(self.remarks)))
        if self.flagged:
            lines.append(T["flagged"](lang, questions=QUESTIONS(lang, n=len(self.flagged)),
                                      qids=listing(self.flagged, lang, limit)))
        elif self.returned:
            lines.append(T["no_flagged"](lang))
        if self.removed_questions:
            lines.append(T["removed"](lang, questions=QUESTIONS(lang, n=len(self.removed_questions)),
                                      qids=listing(self.removed_questions, lang, limit)))
        lines += [p.describe(lang) for p in self.consensus_problems]
        lines.append(T["written"](lang, file=self.master.name))
        return "\n".join(lines)

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {
            "master": str(self.master),
            "participants": self.total,
            "returned": self.returned,
            "missing": [{"id": p.pid, "name": p.name} for p in self.missing],
            "unusable": [{"file": name, "problems": [p.as_dict(lang) for p in probs]} for name, probs in self.unusable],
            "superseded": list(self.superseded),
            "remarks": [{"file": name, **p.as_dict(lang)} for name, p in self.remarks],
            "flagged": list(self.flagged),
            "removed_questions": list(self.removed_questions),
            "consensus_problems": [p.as_dict(lang) for p in self.consensus_problems],
            "questions": {q: {"n": s.n, "N": s.N, "mean": s.mean, "median": s.median, "min": s.min, "max": s.max,
                              "std": s.std, "spread": s.spread, "iqr": s.iqr,
                              "measure": s.measure,  # what the disagreement rule compares (the sheets' Spredning)
                              "disagreement": s.disagreement}
                          for q, s in (self.stats.questions.items() if self.stats is not None else [])},
        }


# ---------------------------------------------------------------- helpers
def _sheet(wb: Any, key: str, names: Mapping[str, str] | None = None) -> Any:
    """The master sheet merge renders (:func:`~xl_kik.excel.masterfile.find_sheet`); a scratch
    workbook without it gets it, under the contract's Danish name."""
    ws = find_sheet(wb, key, names)
    return ws if ws is not None else wb.create_sheet(SHEET_NAMES["da"][key])


def _agenda_sheet(wb: Any, names: Mapping[str, str] | None, after: Any, round_lang: str = "da") -> tuple[Any, bool]:
    """The Dagsorden sheet, created right after Konsensus in a master made before it was in the
    contract (with its codeName and its name in the round's language, ``round_lang``;
    :func:`merge_round` then rebuilds the VBA project so the sheet has its document module).
    Returns ``(sheet, created)``."""
    ws = find_sheet(wb, "agenda", names)
    if ws is not None:
        return ws, False
    index = wb.worksheets.index(after) + 1 if after in wb.worksheets else None
    ws = wb.create_sheet(SHEET_NAMES.get(round_lang, SHEET_NAMES["da"])["agenda"], index)
    ws.sheet_properties.codeName = CODE_NAMES["agenda"]
    return ws, True


def _numbers(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, raw in values.items() if (v := points_value(raw)) is not None}


def previous_for_merge(wb: Any, captured: Any, previous: str | Path | Mapping[str, Any] | None,
                       catalogue: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """What the Konsensus sheet shows of the previous round: (``{qid: points}`` for the
    *Forrige runde* column, or None to keep what the column holds; ``{theme id: score}``).

    * ``previous`` given (``--previous``): its scores;
    * else, when the column is empty: the scores ``xl-kik init --previous`` stored in the
      master (hidden sheet ``Forrige``, :func:`xl_kik.excel.sheets.handleplan.read_previous`);
    * else the column is kept; the theme scores are the stored ones when they belong to the
      same question scores, else the means of the column per theme.
    """
    if previous is not None:
        prev = previous if isinstance(previous, Mapping) else read_previous(previous)
        questions = _numbers(prev)
        themes = dict(getattr(prev, "themes", None) or {}) or theme_means(questions, catalogue)
        return dict(prev), themes
    try:
        stored = sheets_plan.read_previous(wb)
    except Exception:  # noqa: BLE001 - an unreadable helper sheet must not stop a merge
        stored = PreviousScores()
    if not captured.previous:
        if not stored:
            return None, {}
        return dict(stored), dict(stored.themes) or theme_means(_numbers(stored), catalogue)
    kept = _numbers(captured.previous)
    same = bool(stored) and all(_numbers(stored).get(q) == v for q, v in kept.items())
    return None, (dict(stored.themes) if same and stored.themes else theme_means(kept, catalogue))


# ---------------------------------------------------------------- the two doors
def merge_into(wb: Any, root: str | Path, data: MasterData | None = None, lang: str | None = None,
               previous: str | Path | Mapping[str, Any] | None = None, collection: Any = None) -> MergeResult:
    """Render Status, Svarrapport and Konsensus into the openpyxl workbook ``wb``.

    ``data``: :class:`xl_kik.excel.master.MasterData` (read from ``root`` when omitted).
    ``previous``: a previous round (folder/master) or ``{qid: points}`` for the
    *Forrige runde* column; ``None`` keeps what the column already holds, or, when it is
    empty, uses the scores stored in the master at ``init --previous`` (see
    :func:`previous_for_merge`). The previous theme scores and the change since then are
    shown beside the new theme scores.
    """
    root = Path(root)
    if data is None:
        data = read_master(root)
    setup, participants = data.setup, data.participants
    lang = lang or (data.meta.get("lang") if getattr(data, "meta", None) else None) or setup.lang or "da"
    if collection is None:
        collection = read_returns(root, setup, participants, lang)
    rs = stats.compute(setup, stats.points_from_responses(collection.responses), lang=lang)
    names = getattr(data, "sheet_names", None)
    ws_k = _sheet(wb, "consensus", names)
    captured = sheets_konsensus.capture(ws_k)
    prev, prev_themes = previous_for_merge(wb, captured, previous, setup.catalogue)

    ws_status = _sheet(wb, "status", names)
    status_data = sheets_status.render_status(ws_status, setup, participants, collection, lang)
    sheets_coverage.render_coverage(ws_status, setup, participants, lang)
    sheets_answers.render_answers(_sheet(wb, "answers", names), setup, participants, collection.responses, rs, lang)
    info = sheets_konsensus.render_konsensus(ws_k, setup, rs, prev, lang, captured=captured)
    ws_a, agenda_created = _agenda_sheet(wb, names, ws_k, setup.lang or "da")
    agenda = sheets_agenda.render_agenda(ws_a, setup, rs, collection.responses, lang)
    render_previous_themes(ws_k, info, prev_themes, lang)
    try:
        wb.calculation.fullCalcOnLoad = True  # openpyxl writes no cached formula results
    except AttributeError:  # pragma: no cover
        pass

    unusable = []
    for r in sheets_status.unusable_results(collection):
        unusable.append((Path(str(r.path)).name, sort_problems(r.report.problems)))
    remarks = []
    for resp in collection.responses.values():
        res = sheets_status.result_of(collection, resp)
        if res is not None:
            remarks += [(Path(str(res.path)).name, p) for p in sort_problems(res.report.problems)]
    master_path = getattr(data, "path", None) or RoundPaths(root).master
    return MergeResult(
        master=Path(master_path), total=status_data["total"], returned=status_data["returned"],
        missing=list(status_data["missing"]), unusable=unusable,
        superseded=[old for old, _ in status_data["superseded"]], remarks=remarks, flagged=rs.flagged,
        removed_questions=info.removed, stats=rs, collection=collection, notes_kept=info.notes,
        consensus_problems=check_agreed_points(ws_k, setup, Path(master_path).name),
        status_data=status_data, agenda=agenda, agenda_created=agenda_created)


@step_command
def merge_round(root: str | Path, lang: str | None = None,
                previous: str | Path | Mapping[str, Any] | None = None) -> MergeResult:
    """Merge the returned files into the round's master on disk (atomic save + backup).

    The round lock is taken first, so the setup read is the one the merge writes on; the
    returned files are read *before* anything is written into the master, so a slow folder never
    holds the master half-edited. With reading helpers, the master is loaded while they read
    (``meanwhile`` of :func:`~xl_kik.excel.pool.read_shared`; this process then reads fewer
    files); an error while reading leaves it untouched (``MasterFile.edit``)."""
    root = Path(root)
    with MasterFile.lock(root, lang or "da"):
        data = read_master(root)
        lang = lang or data.meta.get("lang") or data.setup.lang or "da"
        with contextlib.ExitStack() as stack:
            loaded: list[Any] = []

            def load_master() -> None:
                loaded.append(stack.enter_context(MasterFile.edit(
                    RoundPaths(root), lang, skip_cells_of=GENERATED_BY_MERGE, uses=USED_BY_MERGE)))

            collection = read_returns(root, data.setup, data.participants, lang, meanwhile=load_master)
            if not loaded:
                load_master()
            promote_survivors()  # the returns and the master live until the merge ends
            result = merge_into(loaded[0], root, data, lang=lang, previous=previous, collection=collection)
        if result.agenda_created:  # the new sheet's VBA document module (masters made before Dagsorden)
            masterfile.refresh_vba(root, lang=lang)
    return result


__all__ = ["GENERATED_BY_MERGE", "USED_BY_MERGE", "MergeResult", "merge_into", "merge_round", "previous_for_merge"]
