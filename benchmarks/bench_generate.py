"""Benchmark `xl-kik generate`: template + placeholder patching vs building every file.

    python benchmarks/bench_generate.py                 # 1,000 participants, KIK catalogue
    python benchmarks/bench_generate.py --n 5000 --openpyxl-n 50 --xlsxwriter-n 100

Measures, side by side, for the same workbook content (KIK catalogue, 20 questions):

* ``template + patch``: :func:`xl_kik.excel.scoring.write_scoring_workbooks` (XlsxWriter template
  built once, then per participant: copy the zip, fill the placeholders, write the file
  atomically). Measured on all ``--n`` files.
* ``XlsxWriter per file``: the same builder run once per participant (no template).
* ``openpyxl per file``: an openpyxl builder of the same content (sheets, styles,
  validations, conditional format, protection, print setup, very hidden metadata sheet,
  custom properties) saved per participant.

The per-file builders are measured on a smaller number of files and extrapolated linearly
to ``--n`` (stated in the table). All variants write real files to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from xl_kik.excel import scoring
from xl_kik.core.round import Participant  # noqa: E402


def make_setup():
    from scoring_fixtures import kik_setup

    return kik_setup()


def make_participants(n: int) -> list[Participant]:
    first = ["Ida", "Bo", "Åse", "Søren", "Mette", "Jens", "Fatima", "Ægir", "Karen", "Ole"]
    last = ["Ørsted", "Nielsen", "Jensen", "Hansen", "Æbelø", "Pedersen", "Andersen", "Ali"]
    return [Participant(f"D{i:04d}", f"{first[i % len(first)]} {last[(i // 10) % len(last)]} {i}",
                        f"p{i}@example.dk") for i in range(1, n + 1)]


# ---------------------------------------------------------------- XlsxWriter without template
def xlsxwriter_per_file(setup, participants, outdir: Path) -> None:
    layout = scoring.make_layout(setup)
    for p in participants:
        ph = {"NAME": scoring.display_name(p), "PID": p.pid, "TOKEN": setup.token(p.pid),
              "HNAME": scoring.display_name(p).replace("&", "&&")[:60]}
        data = scoring._build_workbook(setup, layout, ph)
        (outdir / f"{p.pid}.xlsx").write_bytes(data)


# ---------------------------------------------------------------- openpyxl per file
def openpyxl_per_file(setup, participants, outdir: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    from xl_kik.core.i18n import pick
    from xl_kik.excel.scoring import INSTRUCTIONS, SHEET_NAMES, T

    lang = setup.lang
    scale = setup.scale
    layout = scoring.make_layout(setup)
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    grey = PatternFill("solid", fgColor="F2F2F2")
    blue = PatternFill("solid", fgColor="DDEBF7")
    dark = PatternFill("solid", fgColor="1F4E78")
    unlocked = Protection(locked=False)
    params = {"min": scale.min, "max": scale.max, "sheet": SHEET_NAMES[lang]["instructions"]}

    for p in participants:
        name = scoring.display_name(p)
        wb = Workbook()
        ins = wb.active
        ins.title = SHEET_NAMES[lang]["instructions"]
        ev = wb.create_sheet(SHEET_NAMES[lang]["evaluation"])
        md = wb.create_sheet(scoring.META_SHEET)

        # instructions
        r = 1
        ins.cell(r, 2, T["title"](lang, unit=setup.unit)).font = Font(bold=True, size=16)
        r += 1
        ins.cell(r, 2, T["for"](lang, name=name)).font = Font(bold=True, size=12)
        r += 2
        for key in ("what", "scale_intro"):
            ins.cell(r, 2, INSTRUCTIONS[key](lang))
            r += 1
        for msg in INSTRUCTIONS["how"] + INSTRUCTIONS["return"]:
            ins.cell(r, 2, msg(lang, limit="5.000", **params))
            r += 1
        for band in scale.bands:
            for c, v in ((2, band.label), (3, band.text("indsats", lang)), (4, band.text("resultat", lang))):
                cell = ins.cell(r, c, v)
                cell.alignment = wrap_top
                cell.border = border
            r += 1
        ins.protection.sheet = True
        ins.page_setup.paperSize = 9
        ins.page_setup.fitToWidth, ins.page_setup.fitToHeight = 1, 0
        ins.sheet_properties.pageSetUpPr.fitToPage = True
        ins.oddHeader.left.text = setup.unit.replace("&", "&&")
        ins.oddHeader.right.text = name.replace("&", "&&")[:60]

        # evaluation
        ev.column_dimensions["A"].hidden = True
        for col, width in zip("BCDEFGH", (6, 42, 44, 11, 44, 44, 36)):
            ev.column_dimensions[col].width = width
        ev["B1"] = T["title"](lang, unit=setup.unit)
        ev["B2"] = T["participant"](lang, name=name)
        ev["B3"] = T["deadline_scale"](lang, deadline=scoring.format_date(setup.deadline, lang), **params)
        ev["B4"] = (f'=COUNT(E{layout.first_row}:E{layout.last_row})&"{T["progress_of"](lang)}"&'
                    f'{len(layout.rows)}&"{T["progress_answered"](lang)}"')
        ev["B5"] = T["hint"](lang, **params)
        heads = ["qid", T["h_nr"](lang), T["h_question"](lang), T["h_examples"](lang),
                 T["h_points"](lang, **params), T["h_strengths"](lang), T["h_improvements"](lang),
                 T["h_ideas"](lang)]
        for c, h in enumerate(heads, start=1):
            cell = ev.cell(layout.header_row, c, h)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = dark
            cell.alignment = wrap_top
        dv_points = DataValidation(type="whole", operator="between", formula1=str(scale.min),
                                   formula2=str(scale.max), allow_blank=True, showErrorMessage=True,
                                   showInputMessage=True, errorStyle="stop",
                                   promptTitle=T["pts_input_title"](lang, **params),
                                   prompt=T["pts_input_indsats"](lang, **params)[:255],
                                   errorTitle=T["pts_error_title"](lang),
                                   error=T["pts_error"](lang, example=50, **params)[:255])
        dv_text = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="5000",
                                 allow_blank=True, showErrorMessage=True, errorStyle="stop",
                                 errorTitle=T["txt_error_title"](lang), error=T["txt_error"](lang, limit="5.000"))
        ev.add_data_validation(dv_points)
        ev.add_data_validation(dv_text)
        cat = setup.catalogue
        for theme in cat.themes:
            qs = cat.questions_of(theme.id)
            trow = layout.rows[qs[0].id] - 1
            side = T["side_" + theme.side](lang)
            ev.cell(trow, 2, T["theme_row"](lang, label=theme.label(lang), side=side)).font = Font(bold=True)
            for c in range(2, 9):
                ev.cell(trow, c).fill = blue
            for q in qs:
                row = layout.rows[q.id]
                ev.cell(row, 1, q.id)
                ev.cell(row, 2, q.id).fill = grey
                qc = ev.cell(row, 3, pick(q.text, lang))
                qc.alignment, qc.fill, qc.border = wrap_top, grey, border
                ex = ev.cell(row, 4, "\n".join(f"• {e}" for e in q.examples_for(lang)))
                ex.alignment, ex.fill, ex.border = wrap_top, grey, border
                for c in range(5, 9):
                    cell = ev.cell(row, c)
                    cell.protection = unlocked
                    cell.alignment = wrap_top
                    cell.border = border
                dv_points.add(f"E{row}")
                dv_text.add(f"F{row}:H{row}")
                ev.conditional_formatting.add(f"E{row}", FormulaRule(
                    formula=[f"LEN(TRIM(E{row}))=0"], fill=PatternFill("solid", bgColor="FFF2CC")))
        ev.protection.sheet = True
        ev.protection.formatRows = False
        ev.freeze_panes = f"A{layout.header_row + 1}"
        ev.page_setup.orientation = "landscape"
        ev.page_setup.paperSize = 9
        ev.page_setup.fitToWidth, ev.page_setup.fitToHeight = 1, 0
        ev.sheet_properties.pageSetUpPr.fitToPage = True
        ev.print_title_rows = f"{layout.header_row}:{layout.header_row}"
        ev.oddHeader.left.text = setup.unit.replace("&", "&&")
        ev.oddHeader.right.text = name.replace("&", "&&")[:60]

        # metadata
        meta = scoring.metadata_for(setup, p, layout)
        for i, (k, v) in enumerate(meta.items(), start=1):
            md.cell(i, 1, k).data_type = "s"
            md.cell(i, 2, v).data_type = "s"
        md.protection.sheet = True
        md.sheet_state = "veryHidden"
        for key in scoring.CUSTOM_PROPERTY_KEYS:
            wb.custom_doc_props.append(StringProperty(name=scoring.CUSTOM_PROPERTY_PREFIX + key, value=meta[key]))
        wb.save(outdir / f"{p.pid}.xlsx")


# ---------------------------------------------------------------- runner
def timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="participants (default 1000)")
    ap.add_argument("--xlsxwriter-n", type=int, default=100, help="files built from scratch with XlsxWriter")
    ap.add_argument("--openpyxl-n", type=int, default=50, help="files built from scratch with openpyxl")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs for the template variant")
    ap.add_argument("--dir", default=None, help="folder for the output files (default: system temp)")
    args = ap.parse_args(argv)

    setup = make_setup()
    people = make_participants(args.n)
    work = Path(tempfile.mkdtemp(prefix="xl_kik_bench_", dir=args.dir))
    rows = []
    try:
        t_build = timed(scoring.ScoringTemplate, setup)
        tpl = scoring.ScoringTemplate(setup)
        t0 = time.perf_counter()
        for p in people:
            tpl.render(p)
        t_render = time.perf_counter() - t0

        best = float("inf")
        for i in range(args.repeat):
            out = work / f"template{i}"
            best = min(best, timed(scoring.write_scoring_workbooks, setup, people, out))
        n_files = len(list((work / "template0").glob("*.xlsx")))
        assert n_files == args.n, n_files
        rows.append(("template + patch (write_scoring_workbooks)", args.n, best, best))

        out = work / "xlsxwriter"
        out.mkdir()
        t = timed(xlsxwriter_per_file, setup, people[: args.xlsxwriter_n], out)
        rows.append(("XlsxWriter, every file from scratch", args.xlsxwriter_n, t, t * args.n / args.xlsxwriter_n))

        out = work / "openpyxl"
        out.mkdir()
        t = timed(openpyxl_per_file, setup, people[: args.openpyxl_n], out)
        rows.append(("openpyxl, every file from scratch", args.openpyxl_n, t, t * args.n / args.openpyxl_n))
        size = os.path.getsize(next((work / "template0").glob("*.xlsx")))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"output folder: {work.parent}  (writer threads: {scoring.WRITE_THREADS})")
    print(f"xl-kik generate benchmark: {args.n} participants, {len(setup.question_ids)} questions "
          f"(catalogue {setup.catalogue.id}), {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")
    print(f"template build (once): {t_build * 1000:.1f} ms;  render only (in memory): "
          f"{t_render / args.n * 1000:.3f} ms/file;  file size {size / 1024:.1f} KiB")
    print()
    head = f"{'variant':<46} {'files measured':>14} {'measured s':>11} {'ms/file':>8} {f's for {args.n}':>11} {'vs template':>11}"
    print(head)
    print("-" * len(head))
    base = rows[0][3]
    for name, n, t, total in rows:
        note = "" if n == args.n else " (extrapolated)"
        print(f"{name:<46} {n:>14} {t:>11.3f} {t / n * 1000:>8.2f} {total:>11.2f} {total / base:>10.1f}x{note}")
    print()
    print(f"target: {args.n} files <= 1.5 s on 2 cores and >= 10x faster than openpyxl -> "
          f"{'OK' if rows[0][3] <= 1.5 * args.n / 1000 and rows[2][3] / base >= 10 else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
