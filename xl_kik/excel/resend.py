"""A participant's scoring workbook filled with the answers of their last usable return
(``xl-kik generate DIR --resend ID``): fixing a bad return no longer means retyping.

The workbook is first written as a normal scoring workbook of the round
(:func:`xl_kik.excel.scoring.write_scoring_workbooks`); :func:`prefill` then writes the answers
into its answer cells (found through the workbook's own ``_kik`` metadata, like every reader)
and marks the cells the return had problems with: a red fill and a comment with the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from xl_kik.core.vocabulary import TERMS
from xl_kik.excel import cells

cells.openpyxl_reads_and_writes_xstrings()  # the questionnaire's texts as Excel shows them

PROBLEM_FILL = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
COLUMNS = {"points": "col_points", "strengths": "col_strengths", "improvements": "col_improvements",
           "ideas": "col_ideas"}


def _meta(wb: Any) -> dict[str, str]:
    ws = next(ws for ws in wb.worksheets if ws.title.lower() == "_kik")
    return {str(r[0]): "" if r[1] is None else str(r[1])
            for r in ws.iter_rows(min_col=1, max_col=2, values_only=True) if r[0]}


def prefill(path: Path, answers: Mapping[str, Any], problems: Iterable[Any], lang: str = "da") -> int:
    """Write ``answers`` (``{qid: returns.Answer}``) into the scoring workbook at ``path`` and mark
    the cells of ``problems`` (those naming a cell of the questions sheet). Returns the number of
    cells marked."""
    wb = openpyxl.load_workbook(path)
    meta = _meta(wb)
    ws = wb[meta["sheet"]]
    wanted = set(meta["questions"].split(","))
    rows = {c.value: c.row for c in ws[meta["col_qid"]] if isinstance(c.value, str) and c.value in wanted}
    for qid, answer in answers.items():
        r = rows.get(qid)
        if r is None:
            continue
        for key, col in COLUMNS.items():
            value = getattr(answer, key, None)
            if key == "points" and value is None:
                if getattr(answer, "dont_know", False):  # a deliberate "ved ikke" stays one
                    cells.write_cell(ws[f"{meta[col]}{r}"], TERMS["dont_know"]("en" if lang == "en" else "da"))
                continue
            if value not in (None, ""):
                cells.write_cell(ws[f"{meta[col]}{r}"], value)
    marked = 0
    for p in problems:
        cell = getattr(p, "cell", "")
        if not cell or getattr(p, "sheet", meta["sheet"]) not in ("", meta["sheet"]):
            continue
        target = ws[cell]
        target.fill = PROBLEM_FILL
        target.comment = Comment(p.message(lang), "xl_kik", width=300, height=120)
        marked += 1
    wb.save(path)
    return marked


__all__ = ["prefill"]
