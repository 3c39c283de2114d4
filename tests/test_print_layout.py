"""Row heights and print setup of the master's sheets: wrapped text is never clipped.

LibreOffice does not fit row heights when it loads an .xlsx, so the writers store estimated
heights (``xl_kik.excel.layout``). Checked here on a demo master (with a long improvement area
typed on Konsensus): every row whose wrapped text is longer than its column is at least as
tall as the plain estimate, and — with a real LibreOffice — the long text is complete in
the PDF (LibreOffice clips text that does not fit its row; clipped words are not in the PDF).
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from needs import required as _lo_required

from xl_kik.excel import layout as _layout
from xl_kik.excel.layout import fit_rows, line_count, row_height

LONG_AREA = ("Kvartalsvis gennemgang af handleplanen på personalemødet med tydelige ansvarlige "
             "milepæle og opfølgning hvor lederen samler status fra hvert team og deler resultaterne "
             "med forældrebestyrelsen inden sommerferien så alle kender fremdriften og de næste skridt "
             "zebrafinke slutord")
LONG_QID = "1.3"
SHEETS = ("Start", "Status", "Svarrapport", "Konsensus", "Prioritering", "Handleplan", "Opfølgning")



@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    """A demo round; then a long improvement area typed on Konsensus and merged again."""
    from xl_kik.demo import round as demo
    from xl_kik.steps import merge
    from xl_kik.excel.sheets import konsensus as K
    from xl_kik.excel.masterfile import MasterFile
    from xl_kik.excel.master import CODE_NAMES

    root = tmp_path_factory.mktemp("print") / "runde"
    demo.run_demo(root, participants=8, say=lambda _: None)
    with MasterFile.edit(root, "da") as wb:
        ws = MasterFile.sheet_by_codename(wb, CODE_NAMES["consensus"])
        r, cols = K._question_rows(ws)[LONG_QID]
        ws.cell(r, cols["agreed_improvements"]).value = LONG_AREA
    merge.merge_round(root, lang="da")
    return root / "kik_master.xlsm"


def _widths(ws) -> dict[int, float]:
    return _layout.column_widths(ws)


def _too_short_rows(ws) -> list[str]:
    """Rows with wrapped text longer than its column that are lower than the plain estimate."""
    widths = _widths(ws)
    default = ws.sheet_format.defaultColWidth or _layout.DEFAULT_COLUMN_WIDTH
    merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    bad = []
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or cell.data_type == "f" or not cell.alignment.wrap_text:
                continue
            r, c = cell.row, cell.column
            if ws.row_dimensions[r].hidden:
                continue
            m = merged.get((r, c))
            if m is not None and m.max_row > m.min_row:
                continue
            cols = range(c, (m.max_col if m is not None else c) + 1)
            width = sum(widths.get(i, default) for i in cols)
            if width <= 0 or len(cell.value) <= width and "\n" not in cell.value:
                continue
            size = float(cell.font.sz or 11)
            want = min(_layout.MAX_ROW_HEIGHT, row_height(line_count(cell.value, width, size), size))
            got = ws.row_dimensions[r].height or _layout.DEFAULT_ROW_HEIGHT
            if got < want:
                bad.append(f"{ws.title}!{cell.coordinate}: height {got} < {want} for {cell.value[:40]!r}")
    return bad


def test_wrapped_rows_are_tall_enough(master):
    wb = openpyxl.load_workbook(master)
    checked = 0
    for name in SHEETS:
        ws = wb[name]
        assert _too_short_rows(ws) == [], name
        checked += sum(1 for d in ws.row_dimensions.values() if d.height)
    assert checked > 50
    # the long text made its row taller than the plain estimate for it
    ws = wb["Konsensus"]
    r = next(c.row for c in ws["A"] if c.value == LONG_QID)
    from openpyxl.utils import get_column_letter
    from xl_kik.excel.sheets.konsensus import COL

    c = COL["agreed_improvements"]
    width = ws.column_dimensions[get_column_letter(c)].width
    assert ws.cell(r, c).value == LONG_AREA
    assert ws.row_dimensions[r].height >= row_height(line_count(LONG_AREA, width)) > 45


def test_print_setup(master):
    """The one print rule (core.printing) on the demo master: the sheets that are readable one
    page wide are fitted to it, the wide tables print landscape at a fixed readable scale with
    their titles repeated; every visible sheet is A4 and names itself in the footer."""
    wb = openpyxl.load_workbook(master)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert str(ws.page_setup.paperSize) == "9", ws.title
        assert "&A" in (ws.oddFooter.left.text or ""), ws.title
    for name in ("Opsætning", "Deltagere", "Spørgsmål", "Status", "Dagsorden", "Prioritering", "Opfølgning"):
        ws = wb[name]
        ps = ws.page_setup
        assert (ps.orientation, ps.fitToWidth in (None, 1), ps.fitToHeight) == ("landscape", True, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
    # too wide for one readable page: landscape, fixed scale >= 8/11 (>= 8/9 on the 9 pt Handleplan)
    for name, least, cols in (("Svarrapport", 73, "$B:$D"), ("Konsensus", 73, "$B:$D"), ("Handleplan", 89, "$A:$A")):
        ws = wb[name]
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.orientation == "landscape" and least <= ws.page_setup.scale <= 100, name
        assert ws.print_title_cols == cols, name
    for name, rows in (("Status", "$6:$6"), ("Svarrapport", "$5:$5"), ("Konsensus", "$4:$4"), ("Handleplan", "$1:$1")):
        assert wb[name].print_title_rows == rows, name
    plan = wb["Handleplan"]
    assert plan.cell(2, 5).font.sz == 9 and plan.cell(1, 5).alignment.wrap_text
    start = wb["Start"]
    assert start.page_setup.orientation == "portrait" and start.sheet_properties.pageSetUpPr.fitToPage
    assert start.page_setup.fitToWidth in (None, 1)
    guide = [str(m) for m in start.merged_cells.ranges]
    assert len(guide) >= 8 and all(re.fullmatch(r"B\d+:D\d+", g) for g in guide)


def test_fit_rows_heights_are_estimates(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 20
    ws["A1"] = "kort"
    ws["A2"] = "ord " * 40
    ws["A2"].alignment = openpyxl.styles.Alignment(wrap_text=True)
    ws["A3"] = "ord " * 40  # not wrapped: one line
    ws["A4"] = "ord " * 40
    ws["A4"].alignment = openpyxl.styles.Alignment(wrap_text=True)
    ws.row_dimensions[4].hidden = True
    ws["B5"] = "Titel"
    ws["B5"].font = openpyxl.styles.Font(size=16)
    ws.row_dimensions[6].height = 99  # a stale height in the range goes back to default
    heights = fit_rows(ws, 1, 6)
    assert heights[1] is None and heights[3] is None and heights[6] is None
    assert heights[2] >= row_height(line_count("ord " * 40, 20)) > 15
    assert heights[5] >= row_height(1, 16)
    assert ws.row_dimensions[4].hidden
    assert fit_rows(ws, 1, 1, minimum=45)[1] == 45  # a fixed header height is kept as the least
    path = tmp_path / "f.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    row2 = re.search(r'<row r="2"[^>]*>', xml).group(0)
    assert 'ht="' in row2 and "customHeight" not in row2  # auto-height: grows when someone types
    assert openpyxl.load_workbook(path).active.row_dimensions[2].height == heights[2]


def _in_order(words: list[str], text: str) -> list[str]:
    """The words not found in order in ``text`` (empty = all there, in order)."""
    pos, missing = 0, []
    for w in words:
        i = text.find(w, pos)
        if i < 0:
            missing.append(w)
        else:
            pos = i + len(w)
    return missing


@pytest.mark.libreoffice
def test_long_improvement_area_is_not_clipped_in_pdf(master, tmp_path):
    from xl_kik.excel import office as _office

    _tools_or_fail()
    src = tmp_path / master.name
    shutil.copy(master, src)
    pdf = _office.convert([src], "pdf", tmp_path / "pdf")[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=120,
                          text=True).stdout
    pages = text.split("\f")
    konsensus = [p for p in pages if "Aftalte forbedringsområder" in p]
    assert konsensus, "no Konsensus page in the PDF"
    body = "\n".join(konsensus)
    assert _in_order(LONG_AREA.split(), body) == []


# ---------------------------------------------------------------- measured on paper (LibreOffice PDF)
#: The readable floor (core.printing.MIN_FONT is the rule; this test measures, it does not import it),
#: less 1 % for the word boxes' rounding in pdftotext.
FLOOR_PT = 8.0 * 0.99
WORD_RE = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
FOOTER_PT = 45  # the bottom of a page: the footer (sheet name, page number), not the sheet's text


def _tools_or_fail() -> None:
    from xl_kik.excel import office as _office

    missing = [n for n, ok in (("soffice", _office.find_soffice()), ("pdftotext", shutil.which("pdftotext")))
               if not ok]
    if missing:
        if _lo_required():
            pytest.fail(f"required for the PDF test but missing: {missing}", pytrace=False)
        pytest.skip(f"missing: {missing}")


def _pages(pdf: Path) -> list[dict]:
    """Per page: its height, the words of the sheet (above the footer) with their box heights
    (points), and the footer's first word (the master's and the rollup's footers name the sheet)."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True,
                          timeout=120, text=True).stdout
    out = []
    for raw in html.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', raw).group(1))
        words = [(float(y1) - float(y0), float(y0), float(x0), w)
                 for x0, y0, _x1, y1, w in WORD_RE.findall(raw)]
        body = [(h, w) for h, y0, _x0, w in words if y0 < height - FOOTER_PT]
        foot = sorted((x0, w) for _h, y0, x0, w in words if y0 >= height - FOOTER_PT)
        out.append({"body": body, "sheet": foot[0][1] if foot else "", "height": height})
    return out


def _box_per_point(tmp: Path) -> float:
    """How tall pdftotext's word box is per point of font size for the font LibreOffice prints
    Calibri with here (DejaVu Sans or Carlito), measured in the same run: 8, 11 and 14 pt text at 100 %."""
    from xl_kik.excel import office as _office

    wb = openpyxl.Workbook()
    ws = wb.active
    for r, size in enumerate((8, 11, 14), start=1):
        ws.cell(r, 1, "Kalibrering Øg").font = openpyxl.styles.Font(size=size)
        ws.cell(r, 2, "Kalibrering Øg").font = openpyxl.styles.Font(size=size, bold=True)
    ws.column_dimensions["A"].width = ws.column_dimensions["B"].width = 30
    path = tmp / "kalibrering.xlsx"
    wb.save(path)
    pdf = _office.convert([path], "pdf", tmp / "cal")[0]
    heights = sorted({round(h, 2) for h, _w in _pages(pdf)[0]["body"]})
    ratios = [h / s for h, s in zip(heights, (8, 11, 14))]
    assert len(heights) == 3 and max(ratios) - min(ratios) < 0.02, heights
    return sum(ratios) / 3


def _header_texts(path: Path) -> tuple[list[str], set[str]]:
    """The header cells of every visible sheet that print (bold, wrapped, short texts in visible
    rows and columns inside the print area) and every word written anywhere in the file."""
    from openpyxl.utils.cell import range_boundaries

    wb = openpyxl.load_workbook(path)
    heads, words = [], set()
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        areas = [range_boundaries(a.rsplit("!", 1)[-1].replace("$", "")) for a in (ws.print_area or "").split(",") if a]
        hidden_cols = {k for k, d in ws.column_dimensions.items() if d.hidden}
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) or c.data_type == "f":
                    continue
                words.update(_clean(w) for w in c.value.split())
                printed = not areas or any(a <= c.column <= b2 and b <= c.row <= d for a, b, b2, d in areas)
                if (c.font.b and c.alignment.wrap_text and len(c.value) <= 60 and c.column_letter not in hidden_cols
                        and not ws.row_dimensions[c.row].hidden and printed):
                    heads.append(c.value)
    return heads, words


def _clean(word: str) -> str:
    return word.strip("()[],.;:!?'\"–-/*")


@pytest.fixture(scope="module")
def printed(master, tmp_path_factory) -> dict[str, list[dict]]:
    """The demo master, a participant's questionnaire, both reports and a rollup overview, each
    rendered to PDF by LibreOffice (one soffice call)."""
    _tools_or_fail()
    from xl_kik.excel import office as _office
    from xl_kik.steps import report
    from xl_kik.steps.rollup import build_rollup

    tmp = tmp_path_factory.mktemp("pdf")
    root = master.parent
    files = {"master": tmp / "master.xlsm"}
    shutil.copy(master, files["master"])
    files["scoring"] = tmp / "scoring.xlsx"
    shutil.copy(sorted((root / "udsendt").glob("*.xlsx"))[0], files["scoring"])
    files["answers"] = report.export_answer_report(root, tmp / "svarrapport.xlsx")
    files["consensus"] = report.export_consensus_report(root, tmp / "konsensusrapport.xlsx")
    files["rollup"] = build_rollup([master], tmp / "overblik.xlsx").out
    pdfs = _office.convert(list(files.values()), "pdf", tmp / "out")
    ratio = _box_per_point(tmp)
    out = {}
    for (name, src), pdf in zip(files.items(), pdfs):
        pages = _pages(pdf)
        for p in pages:
            p["min_pt"] = min((h / ratio for h, _w in p["body"]), default=None)
        out[name] = {"pages": pages, "src": src, "pdf": pdf}
    return out


@pytest.mark.libreoffice
def test_every_printed_page_is_readable(printed):
    """The smallest text on every page of every sheet, measured from the PDF's word boxes
    (calibrated in the same run), is at least 8 pt — the Svarrapport and Spørgsmål printed at
    3-4 pt when every sheet was squeezed onto one page wide."""
    smallest: dict[str, float] = {}
    for name, doc in printed.items():
        assert doc["pages"], name
        for i, page in enumerate(doc["pages"], start=1):
            if page["min_pt"] is None:
                continue  # a page with only a chart or nothing above the footer
            key = f"{name}:{page['sheet']}"
            smallest[key] = min(smallest.get(key, 99.0), page["min_pt"])
    print("smallest printed text (pt):", {k: round(v, 1) for k, v in sorted(smallest.items())})
    too_small = {k: round(v, 2) for k, v in smallest.items() if v < FLOOR_PT}
    assert too_small == {}
    # every sheet of the master printed (the footer names it) and the big ones run several pages
    sheets = {p["sheet"] for p in printed["master"]["pages"]}
    assert {"Start", "Deltagere", "Spørgsmål", "Status", "Svarrapport", "Konsensus", "Dagsorden", "Handleplan"} <= sheets
    assert sum(p["sheet"] == "Svarrapport" for p in printed["master"]["pages"]) > 2
    assert {"Overblik", "Handleplaner", "Point"} <= {p["sheet"] for p in printed["rollup"]["pages"]}


@pytest.mark.libreoffice
def test_svarrapport_prints_on_few_pages(printed):
    """The master's Svarrapport (20 questions, 8 participants) on at most 30 pages: it printed on
    55 when every row was as tall as its longest text in a 60-wide column with a blank line
    between statements (2 questions per page, 5-6 pages across). 30 is 6 pages down at 5 across:
    at least 4 questions on a page of the table."""
    pages = [p for p in printed["master"]["pages"] if p["sheet"] == "Svarrapport"]
    print("Svarrapport pages:", len(pages))
    assert 2 < len(pages) <= 30


@pytest.mark.libreoffice
def test_no_header_word_is_broken_across_lines(printed):
    """Every word of every header prints whole: no line holds only the start of a header word
    (LibreOffice breaks a word that is wider than its column: 'temasco' / 're'), and each
    header word is in the PDF as a word."""
    for name, doc in printed.items():
        heads, known = _header_texts(doc["src"])
        assert heads, name
        tokens = {_clean(t) for page in doc["pages"] for _h, w in page["body"] for t in re.split(r"[–/]+", w)}
        broken, missing = set(), set()
        for head in heads:
            for word in {_clean(w) for w in re.split(r"[\s–/]+", head)}:  # a line may break after – or /
                if len(word) < 4:
                    continue
                if word not in tokens:
                    missing.add(word)
                for cut in range(3, len(word) - 1):
                    start = word[:cut]
                    if start in tokens and start not in known:
                        broken.add(f"{start}|{word[cut:]}")
        assert broken == set(), name
        assert missing == set(), name


@pytest.mark.libreoffice
def test_konsensus_prints_its_questions_and_the_report_its_theme_profile(printed):
    """The question header is repeated on every Konsensus page, so only rows it describes print
    there; the theme scores and their chart print on the konsensusrapport's own sheet."""
    text = lambda pages: " ".join(w for p in pages for _h, w in p["body"])
    konsensus = [p for p in printed["master"]["pages"] if p["sheet"] == "Konsensus"]
    assert "Temascorer" not in text(konsensus) and "Aftalte" in text(konsensus)
    report = text(printed["consensus"]["pages"])
    assert "Temascorer" in report and "Temaprofil:" in report and "(indsats)" in report


@pytest.mark.libreoffice
def test_the_notes_above_a_table_print_whole_on_its_first_page(printed):
    """The title and the notes above a sheet's table (the rows above its repeated header row)
    print whole on the sheet's first page: the Konsensus help and the Svarrapport's rule ran
    past the right edge of the page, their ends on no page at all."""
    checked = []
    for name in ("master", "answers", "consensus", "rollup"):
        checked += [f"{name}:{t}" for t in _notes_on_first_pages(printed[name])]
    print(sorted(set(checked)))
    assert {"master:Konsensus", "master:Svarrapport", "master:Status", "answers:Oversigt", "rollup:Overblik"} <= set(checked)


def _notes_on_first_pages(doc: dict) -> list[str]:
    wb = openpyxl.load_workbook(doc["src"])
    first_page: dict[str, set[str]] = {}
    for page in doc["pages"]:
        first_page.setdefault(page["sheet"], {_clean(html.unescape(w)) for _h, w in page["body"]})
    checked = []
    for ws in wb.worksheets:
        titles = ws.print_title_rows
        if ws.sheet_state != "visible" or not titles or ws.title not in first_page:
            continue
        header = int(titles.split(":")[0].lstrip("$"))
        hidden = {k for k, d in ws.column_dimensions.items() if d.hidden}
        for r in range(1, header):
            if ws.row_dimensions[r].hidden:
                continue
            for c in ws[r]:
                if isinstance(c.value, str) and c.value and c.column_letter not in hidden:
                    words = {_clean(w) for w in c.value.split()} - {""}
                    assert words <= first_page[ws.title], (ws.title, c.coordinate, sorted(words - first_page[ws.title]))
                    checked.append(ws.title)
    return checked


# ---------------------------------------------------------------- the questionnaire's subtitle row
#: a participant whose subtitle row (name and documentation themes) is longer than a printed page is wide
LONG_NAMED = ("D09", "Margrethe Kristine Vestergaard-Østergaard", "1; 5; 7")


def _long_named_questionnaire(folder: Path) -> Path:
    from scoring_fixtures import kik_setup

    from xl_kik.core.round import Participant
    from xl_kik.excel.scoring import ScoringTemplate

    pid, name, themes = LONG_NAMED
    path = folder / "spørgeskema.xlsx"
    path.write_bytes(ScoringTemplate(kik_setup()).render(Participant(pid, name, themes=themes)))
    return path


def test_questionnaire_subtitle_wraps_within_the_frozen_columns(tmp_path):
    """Both sheets' subtitle (row 2) is merged over B:D and wrapped, its row at least as tall as the
    plain estimate for its text over the three columns (as :func:`_too_short_rows` measures)."""
    wb = openpyxl.load_workbook(_long_named_questionnaire(tmp_path))
    for sheet in ("Vejledning", "Evaluering"):
        ws = wb[sheet]
        cell = ws["B2"]
        assert "B2:D2" in {str(m) for m in ws.merged_cells.ranges}, sheet
        assert cell.alignment.wrap_text and LONG_NAMED[1] in cell.value, sheet
        width = sum(_widths(ws)[c] for c in (2, 3, 4))
        size = float(cell.font.sz)
        lines = line_count(cell.value, width, size)
        assert lines >= 2, (sheet, width)  # the case this test is for: longer than B:D is wide
        assert ws.row_dimensions[2].height >= row_height(lines, size), sheet
    # and every wrapped text of the guide (the scale's 'ved ikke' row was one line high: cut off)
    assert _too_short_rows(wb["Vejledning"]) == []


@pytest.mark.libreoffice
def test_questionnaire_subtitle_is_printed_whole(tmp_path):
    """In LibreOffice's PDF of the evaluation sheet every word of the subtitle stands left of the
    points column and above the next row's text: a line longer than the page is cut at the page's
    edge, and a row too low clips its last line (pdftotext still reports the words of both, with
    their boxes where they would be)."""
    from xl_kik.excel import office as _office

    _tools_or_fail()
    pdf = _office.convert([_long_named_questionnaire(tmp_path)], "pdf", tmp_path / "pdf")[0]
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=120,
                         text=True).stdout
    wb = openpyxl.load_workbook(tmp_path / "spørgeskema.xlsx")
    expected = [_clean(w) for w in wb["Evaluering"]["B2"].value.split()]
    expected = [w for w in expected if w]
    for raw in out.split("<page ")[1:]:
        words = [(float(x0), float(y0), float(x1), float(y1), html.unescape(w)) for x0, y0, x1, y1, w in WORD_RE.findall(raw)]
        texts = [_clean(w[4]) for w in words]
        if "Deltager" not in texts or "Point" not in texts:
            continue
        start = texts.index("Deltager")
        subtitle = [w for w in words[start:] if _clean(w[4])][:len(expected)]
        assert [_clean(w[4]) for w in subtitle] == expected
        points = next(w for w in words if w[4] == "Point")
        below = next(w for w in words if _clean(w[4]) == "Svarfrist")
        assert max(w[2] for w in subtitle) < points[0], "the subtitle runs into the points column"
        assert max(w[3] for w in subtitle) <= below[1], "the subtitle's last line is lower than its row"
        return
    pytest.fail("no page with the evaluation sheet's subtitle and the points column")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_questionnaire_column_headers_fit_their_row(tmp_path, lang):
    """The evaluation sheet's header row is as tall as the plain estimate of every visible header
    (the English points header, "Points / 0-100 / or / 'do not know'", wraps to five lines)."""
    from scoring_fixtures import kik_setup

    from xl_kik.core.round import Participant
    from xl_kik.excel.scoring import ScoringTemplate

    ws = openpyxl.load_workbook(io.BytesIO(ScoringTemplate(kik_setup(lang=lang)).render(Participant("D01", "Bo")))
                                ).worksheets[1]
    widths = _widths(ws)
    header = 6
    for cell in ws[header]:
        if isinstance(cell.value, str) and widths.get(cell.column, 1) > 0:
            want = row_height(line_count(cell.value, widths[cell.column], 11), 11)
            assert ws.row_dimensions[header].height >= want, (cell.coordinate, cell.value)
