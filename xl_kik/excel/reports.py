"""Reports to hand out: the svarrapport and the konsensusrapport, as .xlsx and PDF.

* **Svarrapport** — every individual answer per question, anonymised ("Deltager 1..n")
  unless the round's setup says otherwise; written by :func:`xl_kik.steps.merge.export_answer_report`.
* **Konsensusrapport** — what the consensus seminar agreed (points, strengths, improvement
  areas, decisions) and the theme scores, read from the master's Konsensus sheet with
  python-calamine and laid out for printing (A4 landscape, one page wide, header row
  repeated) with XlsxWriter.

Both land in ``ROUND/rapporter/``; :func:`export_pdf` converts them to PDF with LibreOffice
(:func:`xl_kik.excel.office.convert`). Without LibreOffice the .xlsx files are still written and
the error says how to make the PDF from Excel instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from xl_kik.core.catalogue import clean_text
from xl_kik.core.i18n import Msg, pick
from xl_kik.core.errors import KikFileError
from xl_kik.core.filenames import safe_stem
from xl_kik.steps.invite import M_CONVERT_FAILED, M_NO_OFFICE, M_NOT_MERGED, format_date
from xl_kik.core.problems import Problem
from xl_kik.core.round import MASTER_NAME

Progress = Callable[[int, int], None]

REPORTS_DIR = "rapporter"
KINDS = ("svarrapport", "konsensus")
NAMES = {"svarrapport": Msg("Svarrapport", "Answer report"), "konsensus": Msg("Konsensusrapport", "Consensus report")}

T = {
    "title": Msg("Konsensusrapport – {unit}", "Consensus report – {unit}"),
    "sub": Msg("Selvevaluering med KIK. Runde {round_id}, oprettet {created}. Pointskala {scale}. Udskrevet {today}.",
               "Self-evaluation with KIK. Round {round_id}, created {created}. Points scale {scale}. Printed {today}."),
    "intro": Msg("Her står, hvad gruppen blev enige om på konsensusseminaret: point, styrker og "
                 "forbedringsområder for hvert spørgsmål, og ledelsens beslutning. Forslag (median) og spredning er "
                 "fra deltagernes individuelle svar.",
                 "This is what the group agreed at the consensus seminar: points, strengths and improvement areas "
                 "for each question, and the management decision. Suggested (median) and spread come from the "
                 "participants' individual answers."),
    "nr": Msg("Nr", "No"), "question": Msg("Spørgsmål", "Question"), "n": Msg("Besvaret", "Answered"),
    "suggested": Msg("Forslag (median)", "Suggested (median)"), "spread": Msg("Spredning", "Spread"),
    "agreed": Msg("Aftalt point", "Agreed points"), "strengths": Msg("Aftalte styrker", "Agreed strengths"),
    "improvements": Msg("Aftalte forbedringsområder", "Agreed improvement areas"),
    "to_plan": Msg("Med i handleplan", "In action plan"), "decision": Msg("Beslutning", "Decision"),
    "themes": Msg("Temascorer", "Theme scores"), "theme": Msg("Tema", "Theme"),
    "n_agreed": Msg("Aftalt (n af N)", "Agreed (n of N)"), "score": Msg("Temascore", "Theme score"),
    "basis": Msg("Grundlag", "Basis"),
    "basis_theme_agreed": Msg("aftalt for temaet", "agreed for the theme"),
    "basis_agreed": Msg("gennemsnit af de aftalte point", "mean of the agreed points"),
    "basis_median": Msg("intet aftalt: gennemsnit af medianerne", "nothing agreed: mean of the medians"),
    "basis_": Msg("", ""),
    "of": Msg("{n} af {N}", "{n} of {N}"),
    "footer": Msg("Side &P af &N", "Page &P of &N"),
    "written": Msg("{n} rapport(er) er gemt i {folder}:", "{n} report(s) saved in {folder}:"),
}


class ReportError(KikFileError):
    """A report cannot be made (round not merged, LibreOffice missing, conversion failed)."""


class ReportResult(list):
    """The written files (PDFs with ``pdf=True``, else the .xlsx files), plus what happened."""

    def __init__(self, paths: Iterable[Path] = (), *, folder: Path):
        super().__init__(paths)
        self.folder = folder
        self.xlsx: list[Path] = []
        self.problems: list[Problem] = []

    def summary(self, lang: str = "da") -> str:
        lines = [T["written"](lang, n=len(self), folder=self.folder)] + [f"  {p.name}" for p in self]
        return "\n".join(lines + [p.describe(lang) for p in self.problems])

    def as_dict(self, lang: str = "da") -> dict[str, Any]:
        return {"folder": str(self.folder), "files": [str(p) for p in self], "xlsx": [str(p) for p in self.xlsx],
                "problems": [p.as_dict(lang) for p in self.problems]}


# ---------------------------------------------------------------- konsensusrapport
@dataclass
class _Question:
    qid: str
    theme: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)


def _read_consensus(root: Path) -> tuple[Any, list[list[Any]]]:
    """The round's setup and the Konsensus sheet's rows (calamine)."""
    import io
    import zipfile

    from python_calamine import CalamineWorkbook

    from xl_kik.excel import master

    data = master.read_master(root)
    path = data.path
    raw = path.read_bytes()
    names = dict(data.sheet_names)
    if "consensus" not in names:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos, _ = master.workbook_sheets(zf)
        names.update({k: i.name for i in infos for k, c in master.CODE_NAMES.items() if c == i.codename})
    wb = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    name = names.get("consensus")
    if name not in wb.sheet_names:
        name = next((n for n in (master.SHEET_NAMES["da"]["consensus"], master.SHEET_NAMES["en"]["consensus"])
                     if n in wb.sheet_names), None)
    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False) if name else []
    return data.setup, rows


def consensus_content(setup: Any, rows: Sequence[Sequence[Any]], lang: str) -> tuple[list[_Question], list[Any]]:
    """Questions with their merged statistics and agreed inputs, and the theme scores."""
    from xl_kik.steps.rollup import _consensus
    from xl_kik.core.konsensus import read_inputs

    cols: dict[str, int] = {}
    by_qid: dict[str, list[Any]] = {}
    for i, row in enumerate(rows):
        if row and clean_text(row[0]) == "qid":
            cols = {clean_text(v): j for j, v in enumerate(row) if clean_text(v)}
            for r in rows[i + 1:]:
                if r and clean_text(r[0]):
                    by_qid.setdefault(clean_text(r[0]), list(r))
            break
    inputs = read_inputs(rows) if rows else {}
    questions = []
    for q in setup.catalogue.questions:
        row = by_qid.get(q.id)
        if row is None:
            continue
        values = {k: row[j] if j < len(row) else None for k, j in cols.items()}
        values.update(inputs.get(q.id, {}))
        questions.append(_Question(q.id, q.theme, pick(q.text, lang), values))
    themes, _ = _consensus(list(rows), setup)
    return questions, themes


def export_consensus_report(root: str | Path, path: str | Path | None = None, lang: str | None = None) -> Path:
    """Write the konsensusrapport (.xlsx, print-ready) from the master's Konsensus sheet."""
    from xl_kik.excel.atomic import write_with

    root = Path(root)
    setup, rows = _read_consensus(root)
    lang = lang or setup.lang or "da"
    questions, themes = consensus_content(setup, rows, lang)
    merged = any(clean_text(q.values.get("n")) for q in questions)
    if not merged:
        problem = M_NOT_MERGED(file=MASTER_NAME)
        raise ReportError(problem.message(lang), [problem], lang)
    if path is None:
        path = root / REPORTS_DIR / f"{safe_stem(NAMES['konsensus'](lang) + ' ' + setup.unit)}.xlsx"
    path = Path(path)
    return write_with(path, lambda tmp: _write_consensus(tmp, setup, questions, themes, lang), lang=lang)


def _write_consensus(path: Path, setup: Any, questions: list[_Question], themes: list[Any], lang: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    wb.set_properties({"title": T["title"](lang, unit=setup.unit)})
    f = {
        "title": wb.add_format({"bold": True, "font_size": 16}),
        "sub": wb.add_format({"italic": True, "font_color": "#404040"}),
        "intro": wb.add_format({"text_wrap": True, "valign": "top"}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "bottom"}),
        "theme": wb.add_format({"bold": True, "font_size": 12, "bg_color": "#D9E1F2", "border": 1}),
        "text": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "num": wb.add_format({"valign": "top", "border": 1, "align": "center", "num_format": "0"}),
        "agreed": wb.add_format({"valign": "top", "border": 1, "align": "center", "num_format": "0", "bold": True,
                                 "bg_color": "#FFF2CC"}),
        "score": wb.add_format({"border": 1, "align": "center", "num_format": "0.0", "bold": True}),
        "section": wb.add_format({"bold": True, "font_size": 12}),
    }
    ws = wb.add_worksheet(NAMES["konsensus"](lang)[:31])
    cols = [("nr", 6), ("question", 42), ("n", 10), ("suggested", 10), ("spread", 10), ("agreed", 10),
            ("strengths", 38), ("improvements", 38), ("to_plan", 10), ("decision", 12)]
    last = len(cols) - 1
    for c, (_, w) in enumerate(cols):
        ws.set_column(c, c, w)
    ws.write_string(0, 0, T["title"](lang, unit=setup.unit), f["title"])
    ws.write_string(1, 0, T["sub"](lang, round_id=setup.round_id, created=format_date(setup.created, lang),
                                   scale=setup.scale.id, today=format_date(dt.date.today(), lang)), f["sub"])
    ws.merge_range(2, 0, 2, last, T["intro"](lang), f["intro"])
    ws.set_row(2, 32)
    header = 4
    for c, (key, _) in enumerate(cols):
        ws.write_string(header, c, T[key](lang), f["head"])
    r = header
    by_theme: dict[str, list[_Question]] = {}
    for q in questions:
        by_theme.setdefault(q.theme, []).append(q)
    for t in setup.catalogue.themes:
        if t.id not in by_theme:
            continue
        r += 1
        ws.merge_range(r, 0, r, last, t.label(lang), f["theme"])
        for q in by_theme[t.id]:
            r += 1
            v = q.values
            ws.write_string(r, 0, q.qid, f["text"])
            ws.write_string(r, 1, q.text, f["text"])
            ws.write_string(r, 2, clean_text(v.get("n")), f["num"])
            _num_or_text(ws, r, 3, v.get("suggested"), f["num"])
            _num_or_text(ws, r, 4, v.get("spread"), f["num"])
            _num_or_text(ws, r, 5, v.get("agreed_points"), f["agreed"])
            for c, key in ((6, "agreed_strengths"), (7, "agreed_improvements"), (8, "to_plan"), (9, "decision")):
                ws.write_string(r, c, clean_text(v.get(key)), f["text"])
            lines = max(_lines(q.text, 42), _lines(clean_text(v.get("agreed_strengths")), 38),
                        _lines(clean_text(v.get("agreed_improvements")), 38))
            ws.set_row(r, min(15 * lines + 3, 400))
    r += 2
    ws.write_string(r, 0, T["themes"](lang), f["section"])
    r += 1
    ws.merge_range(r, 0, r, 1, T["theme"](lang), f["head"])
    ws.write_string(r, 2, T["n_agreed"](lang), f["head"])
    ws.write_string(r, 3, T["score"](lang), f["head"])
    ws.merge_range(r, 5, r, 7, T["basis"](lang), f["head"])
    for t in themes:
        r += 1
        ws.merge_range(r, 0, r, 1, t.label, f["text"])
        ws.write_string(r, 2, T["of"](lang, n=t.n_agreed, N=t.n_questions), f["num"])
        if t.score is None:
            ws.write_blank(r, 3, None, f["score"])
        else:
            ws.write_number(r, 3, round(t.score, 1), f["score"])
        ws.merge_range(r, 5, r, 7, T[f"basis_{t.basis}"](lang), f["text"])
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.repeat_rows(header)
    ws.set_footer(f"&L{_hf(setup.unit)}&R{T['footer'](lang)}")
    ws.freeze_panes(header + 1, 0)
    wb.close()


def _hf(text: str) -> str:
    return text.replace("&", "&&")[:100]


def _lines(text: str, width: int) -> int:
    return sum(max(1, -(-len(line) // max(width - 4, 1))) for line in (text or "").splitlines() or [""])


def _num_or_text(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if isinstance(value, bool) or value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, clean_text(value), fmt)


# ---------------------------------------------------------------- svarrapport and PDF
def export_answer_report(root: str | Path, path: str | Path | None = None, lang: str | None = None,
                         anonymise: bool | None = None) -> Path:
    """The svarrapport (.xlsx) via merge; anonymised unless the round's setup says otherwise."""
    from xl_kik.steps import merge
    from xl_kik.excel.master import load_round

    root = Path(root)
    setup, _ = load_round(root)
    lang = lang or setup.lang or "da"
    if anonymise is None:
        anonymise = setup.anonymise
    if path is None:
        path = root / REPORTS_DIR / f"{safe_stem(NAMES['svarrapport'](lang) + ' ' + setup.unit)}.xlsx"
    return merge.export_answer_report(root, path, anonymise=anonymise, lang=lang)


def export_reports(root: str | Path, which: Sequence[str] = KINDS, lang: str | None = None,
                   anonymise: bool | None = None, progress: Progress | None = None) -> ReportResult:
    """Write the chosen reports as .xlsx into ``ROUND/rapporter/``."""
    root = Path(root)
    result = ReportResult(folder=root / REPORTS_DIR)
    wanted = [w for w in KINDS if w in which]
    unknown = [w for w in which if w not in KINDS]
    if unknown:
        raise ValueError(f"unknown report(s) {unknown}; choose from {KINDS}")
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

    Raises :class:`ReportError` (a :class:`~xl_kik.core.errors.KikFileError`) when LibreOffice is not
    installed or the conversion fails; the .xlsx files are written in any case.
    """
    from xl_kik.excel import office as _office

    root = Path(root)
    steps = len([w for w in KINDS if w in which]) + 1
    done = [0]

    def step(_: int = 0, __: int = 0) -> None:
        done[0] += 1
        if progress:
            progress(done[0], steps)

    xlsx = export_reports(root, which, lang, anonymise, progress=step)
    if lang is None:
        from xl_kik.excel.master import load_round

        lang = load_round(root)[0].lang or "da"
    files = ", ".join(p.name for p in xlsx.xlsx)
    if _office.find_soffice() is None:
        problem = M_NO_OFFICE(file=files)
        raise ReportError(problem.message(lang), [problem], lang)
    try:
        pdfs = _office.convert(xlsx.xlsx, "pdf", xlsx.folder, timeout)
    except _office.OfficeNotFound as exc:
        problem = M_NO_OFFICE(file=files)
        raise ReportError(problem.message(lang), [problem], lang) from exc
    except (_office.OfficeError, OSError) as exc:
        problem = M_CONVERT_FAILED(file=files, reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise ReportError(problem.message(lang), [problem], lang) from exc
    step()
    result = ReportResult(pdfs, folder=xlsx.folder)
    result.xlsx = xlsx.xlsx
    return result


__all__ = ["KINDS", "REPORTS_DIR", "ReportError", "ReportResult", "consensus_content", "export_answer_report",
           "export_consensus_report", "export_pdf", "export_reports"]
