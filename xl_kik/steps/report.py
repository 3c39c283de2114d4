"""``xl-kik report``: the svarrapport and the konsensusrapport to hand out, as .xlsx and PDF.

* **Svarrapport** — every individual answer per question, anonymised ("Deltager 1..n")
  unless the round's setup says otherwise; the returned files are read again, so the report
  shows exactly what merge would show.
* **Konsensusrapport** — what the consensus seminar agreed, read from the master's
  Konsensus sheet (:mod:`xl_kik.excel.reports`).

Both land in ``ROUND/rapporter/``; :func:`export_pdf` converts them to PDF with LibreOffice
(:func:`xl_kik.excel.office.convert`). Without LibreOffice the .xlsx files are still written
and the error says how to make the PDF from Excel instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from xl_kik.core import stats
from xl_kik.core.i18n import Msg
from xl_kik.core.problems import Problem
from xl_kik.core.round import MASTER_NAME
from xl_kik.excel import master, office
from xl_kik.excel.atomic import write_with
from xl_kik.excel.reports import (KINDS, M_CONVERT_FAILED, M_NO_OFFICE, M_NOT_MERGED, REPORTS_DIR, ReportError,
                                  consensus_content, is_merged, read_consensus, report_path, write_consensus_report)
from xl_kik.excel.sheets.svarrapport import write_answer_report
from xl_kik.steps.status import read_returns

Progress = Callable[[int, int], None]

WRITTEN = Msg("{n} rapporter er gemt i {folder}:", "{n} reports saved in {folder}:")
WRITTEN_ONE = Msg("1 rapport er gemt i {folder}:", "1 report saved in {folder}:")


class ReportResult(list):
    """The written files (PDFs with ``pdf=True``, else the .xlsx files), plus what happened."""

    def __init__(self, paths: Iterable[Path] = (), *, folder: Path):
        super().__init__(paths)
        self.folder = folder
        self.xlsx: list[Path] = []
        self.problems: list[Problem] = []

    def summary(self, lang: str = "da") -> str:
        head = WRITTEN_ONE(lang, folder=self.folder) if len(self) == 1 else WRITTEN(lang, n=len(self),
                                                                                   folder=self.folder)
        return "\n".join([head] + [f"  {p.name}" for p in self] + [p.describe(lang) for p in self.problems])

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {"folder": str(self.folder), "files": [str(p) for p in self], "xlsx": [str(p) for p in self.xlsx],
                "problems": [p.as_dict(lang) for p in self.problems]}


def export_answer_report(root: str | Path, path: str | Path | None = None, lang: str | None = None,
                         anonymise: bool | None = None) -> Path:
    """Write the svarrapport (.xlsx); anonymised unless ``anonymise`` or the round's setup says otherwise."""
    root = Path(root)
    data = master.read_master(root)
    lang = lang or data.meta.get("lang") or data.setup.lang or "da"
    if anonymise is None:
        anonymise = data.setup.anonymise
    path = Path(path) if path is not None else report_path(root, "svarrapport", data.setup.unit, lang)
    collection = read_returns(root, data.setup, data.participants, lang)
    rs = stats.compute(data.setup, stats.points_from_responses(collection.responses), lang=lang)
    return write_with(path, lambda tmp: write_answer_report(tmp, data.setup, data.participants,
                                                            collection.responses, rs, anonymise, lang), lang=lang)


def export_consensus_report(root: str | Path, path: str | Path | None = None, lang: str | None = None) -> Path:
    """Write the konsensusrapport (.xlsx, print-ready) from the master's Konsensus sheet."""
    root = Path(root)
    setup, rows = read_consensus(root)
    lang = lang or setup.lang or "da"
    questions, themes = consensus_content(setup, rows, lang)
    if not is_merged(questions):
        problem = M_NOT_MERGED(file=MASTER_NAME)
        raise ReportError(problem.message(lang), [problem], lang)
    path = Path(path) if path is not None else report_path(root, "konsensus", setup.unit, lang)
    return write_with(path, lambda tmp: write_consensus_report(tmp, setup, questions, themes, lang), lang=lang)


def export_reports(root: str | Path, which: Sequence[str] = KINDS, lang: str | None = None,
                   anonymise: bool | None = None, progress: Progress | None = None) -> ReportResult:
    """Write the chosen reports as .xlsx into ``ROUND/rapporter/``."""
    root = Path(root)
    result = ReportResult(folder=root / REPORTS_DIR)
    unknown = [w for w in which if w not in KINDS]
    if unknown:
        raise ValueError(f"unknown report(s) {unknown}; choose from {KINDS}")
    wanted = [w for w in KINDS if w in which]
    for i, kind in enumerate(wanted, 1):
        if kind == "svarrapport":
            result.xlsx.append(export_answer_report(root, lang=lang, anonymise=anonymise))
        else:
            result.xlsx.append(export_consensus_report(root, lang=lang))
        if progress:
            progress(i, len(wanted))
    result.extend(result.xlsx)
    return result


def export_pdf(root: str | Path, which: Sequence[str] = KINDS, lang: str | None = None, *,
               anonymise: bool | None = None, timeout: float = 300.0,
               progress: Progress | None = None) -> ReportResult:
    """The reports as PDF (via .xlsx and LibreOffice) in ``ROUND/rapporter/``; returns the PDF paths.

    Raises :class:`~xl_kik.excel.reports.ReportError` (a :class:`~xl_kik.core.errors.KikFileError`)
    when LibreOffice is not installed or the conversion fails; the .xlsx files are written in any case.
    """
    root = Path(root)
    steps = len([w for w in KINDS if w in which]) + 1
    done = [0]

    def step(_: int = 0, __: int = 0) -> None:
        done[0] += 1
        if progress:
            progress(done[0], steps)

    xlsx = export_reports(root, which, lang, anonymise, progress=step)
    lang = lang or master.load_round(root)[0].lang or "da"
    files = ", ".join(p.name for p in xlsx.xlsx)
    if office.find_soffice() is None:
        problem = M_NO_OFFICE(file=files)
        raise ReportError(problem.message(lang), [problem], lang)
    try:
        pdfs = office.convert(xlsx.xlsx, "pdf", xlsx.folder, timeout)
    except office.OfficeNotFound as exc:
        problem = M_NO_OFFICE(file=files)
        raise ReportError(problem.message(lang), [problem], lang) from exc
    except (office.OfficeError, OSError) as exc:
        problem = M_CONVERT_FAILED(file=files, reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise ReportError(problem.message(lang), [problem], lang) from exc
    step()
    result = ReportResult(pdfs, folder=xlsx.folder)
    result.xlsx = xlsx.xlsx
    return result


def make_reports(root: str | Path, which: Sequence[str] = KINDS, *, pdf: bool = False, lang: str | None = None,
                 progress: Progress | None = None) -> ReportResult:
    """What ``xl-kik report`` does: the chosen reports as .xlsx, or as PDF with ``pdf``."""
    if pdf:
        return export_pdf(root, which=which, lang=lang, progress=progress)
    return export_reports(root, which=which, lang=lang)


__all__ = ["KINDS", "ReportError", "ReportResult", "export_answer_report", "export_consensus_report", "export_pdf",
           "export_reports", "make_reports"]
