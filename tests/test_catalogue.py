"""Catalogues are data: shipped ones load, bad ones give every problem with a stable code."""

import copy

import pytest

from xl_kik.core import catalogue as cat
from xl_kik.excel import catalogue_io
from xl_kik.core.errors import CatalogueError


def test_kik_catalogue_shape():
    k = cat.builtin("kik")
    assert [t.side for t in k.themes] == ["indsats"] * 4 + ["resultat"] * 4
    assert len(k.questions) == 20
    assert [len(k.questions_of(t.id)) for t in k.themes] == [3, 3, 3, 3, 2, 2, 2, 2]
    for q in k.questions:
        assert q.text["da"] and q.text["en"]
        assert 2 <= len(q.examples["da"]) <= 5
        assert len(q.examples["da"]) == len(q.examples["en"])


def test_caf2020_catalogue_shape():
    c = cat.builtin("caf2020")
    assert len(c.themes) == 9 and len(c.questions) == 28
    assert [t.side for t in c.themes] == ["indsats"] * 5 + ["resultat"] * 4


def test_scales_and_bands():
    s = cat.scale("0-100")
    assert [(b.low, b.high) for b in s.bands] == [(0, 10), (11, 30), (31, 50), (51, 70), (71, 90), (91, 100)]
    assert s.band_for(55).level == 3 and s.band_for(0).level == 0 and s.band_for(100).level == 5
    assert s.bands[2].text("indsats") != s.bands[2].text("resultat")
    five = cat.scale("0-5")
    assert (five.min, five.max) == (0, 5) and [b.level for b in five.bands] == list(range(6))
    with pytest.raises(CatalogueError):
        cat.scale("1-10")


def test_fingerprint_tracks_questions_not_descriptions():
    k = cat.builtin("kik")
    data = k.content()
    same = copy.deepcopy(data)
    same["themes"][0]["description"]["da"] = "Ny beskrivelse"
    assert cat.from_data(same).fingerprint == k.fingerprint
    changed = copy.deepcopy(data)
    changed["questions"][3]["text"]["da"] += " (ændret)"
    assert cat.from_data(changed).fingerprint != k.fingerprint
    fewer = copy.deepcopy(data)
    del fewer["questions"][-1]
    assert cat.from_data(fewer).fingerprint != k.fingerprint


def test_subset_keeps_order_and_rejects_unknown_theme():
    k = cat.builtin("kik")
    half = k.subset(["5", "6", "7", "8"])
    assert {t.side for t in half.themes} == {"resultat"} and len(half.questions) == 8
    with pytest.raises(CatalogueError) as err:
        k.subset(["1", "42"])
    assert [p.code for p in err.value.problems] == ["C012"]


def test_xlsx_roundtrip_keeps_fingerprint(tmp_path):
    k = cat.builtin("caf2020")
    path = catalogue_io.export_xlsx(k, tmp_path / "mit katalog.xlsx")
    back = catalogue_io.from_xlsx(path)
    assert back.fingerprint == k.fingerprint
    assert (back.id, back.version) == (k.id, k.version)


def _write_rows(tmp_path, rows, name="eget.xlsx"):
    import xlsxwriter

    path = tmp_path / name
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Spørgsmål")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.close()
    return path


def test_bad_catalogue_collects_every_problem(tmp_path):
    rows = [
        ["Id", "Tema", "Temanavn", "Side", "Spørgsmål", "Eksempler"],
        ["1.1", "1", "Ledelse", "indsats", "Godt spørgsmål?", "a\nb"],
        ["1.1", "1", "Ledelse", "indsats", "Samme id igen", ""],
        ["2.1", "2", "Ressourcer", "indsatser", "Forkert side", ""],
        ["3.1", "3", "Medarbejdere", "indsats", "", ""],
        ["9 9", "3", "Medarbejdere", "indsats", "Mellemrum i id", ""],
    ]
    path = _write_rows(tmp_path, rows)
    with pytest.raises(CatalogueError) as err:
        catalogue_io.from_xlsx(path)
    codes = sorted(p.code for p in err.value.problems)
    assert codes == ["C001", "C003", "C004", "C005"]
    dup = next(p for p in err.value.problems if p.code == "C001")
    assert dup.file == "eget.xlsx" and dup.sheet == "Spørgsmål" and dup.cell == "A3"
    assert "1.1" in dup.message("da") and "række 2" in dup.message("da")


def test_missing_columns_named(tmp_path):
    path = _write_rows(tmp_path, [["Id", "Spørgsmål"], ["1", "x"]])
    with pytest.raises(CatalogueError) as err:
        catalogue_io.from_xlsx(path)
    assert sorted(p.params["column"] for p in err.value.problems) == ["Side", "Tema"]


def test_not_a_workbook_is_a_clear_error(tmp_path):
    path = tmp_path / "katalog.xlsx"
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(CatalogueError) as err:
        catalogue_io.from_xlsx(path)
    assert err.value.problems[0].code == "C011"
    assert "katalog.xlsx" in err.value.details()


def test_control_characters_are_removed():
    data = cat.builtin("kik").content()
    data["questions"][0]["text"]["da"] = "Hvad\x07 nu?\x00"
    assert cat.from_data(data).questions[0].text["da"] == "Hvad nu?"


def _edited_kik(tmp_path, edit):
    """Export the shipped KIK catalogue, let ``edit`` change its rows as a coordinator would,
    write it back with the same 'Om' sheet."""
    import openpyxl

    path = catalogue_io.export_xlsx(cat.builtin("kik"), tmp_path / "kik_rettet.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Spørgsmål"]
    edit(ws)
    wb.save(path)
    return path


def _problems(path, lang="da"):
    with pytest.raises(CatalogueError) as err:
        catalogue_io.from_xlsx(path, lang=lang)
    return {(p.code, p.cell) for p in err.value.problems}, err.value.problems


def test_edited_export_reports_every_problem_in_one_run(tmp_path):
    # Columns of the export: A Id, B Tema, C Temanavn, D Side, E Spørgsmål, F Eksempler, G-I English.
    def edit(ws):
        ws["B2"] = "9"          # 1.1 moved to a theme KIK does not have
        ws["A2"] = "9.1"
        ws["B3"] = "tre"        # a theme written as a word
        ws["A5"] = "1.2b"       # rows 2-4 are 1.1-1.3; row 5 is 2.1 (theme 2)
        ws["E6"] = None         # the Danish text of 2.2 deleted (the English one is still there)
        ws["C7"] = "Ressourcer og økonomi"  # 2.3 renames theme 2 on one row only

    found, problems = _problems(_edited_kik(tmp_path, edit))
    assert ("C016", "B2") in found  # theme 9 is not in KIK
    assert ("C014", "B3") in found  # "tre" is not a theme number
    assert ("C015", "A5") in found  # 1.2b under theme 2
    assert ("C018", "E6") in found  # no Danish text in a Danish round
    assert ("C017", "C7") in found  # the theme name differs from theme 2's
    assert all(p.sheet == "Spørgsmål" and p.file == "kik_rettet.xlsx" for p in problems)
    by_code = {p.code: p for p in problems}
    assert "Om" in by_code["C016"].message("da") and "1, 2, 3, 4, 5, 6, 7, 8" in by_code["C016"].message("da")
    assert "2.1" in by_code["C015"].message("da")  # the suggested id uses the row's theme
    assert "dansk" in by_code["C018"].message("da")


def test_english_round_needs_the_english_text(tmp_path):
    def edit(ws):
        ws["H3"] = None  # "Spørgsmål (en)" of question 1.2

    path = _edited_kik(tmp_path, edit)
    assert catalogue_io.from_xlsx(path, lang="da").question_ids == cat.builtin("kik").question_ids
    found, _ = _problems(path, lang="en")
    assert found == {("C018", "H3")}


def test_unedited_export_of_every_shipped_catalogue_passes_in_both_languages(tmp_path):
    for cid in cat.BUILTIN_CATALOGUES:
        original = cat.builtin(cid)
        path = catalogue_io.export_xlsx(original, tmp_path / f"{cid}.xlsx")
        for lang in ("da", "en"):
            assert catalogue_io.from_xlsx(path, lang=lang).fingerprint == original.fingerprint


def test_own_catalogue_may_add_themes_but_with_numbers(tmp_path):
    rows = [["Id", "Tema", "Temanavn", "Side", "Spørgsmål"],
            ["1.1", "1", "Ledelse", "indsats", "Første?"],
            ["10.1", "10", "Vores eget tema", "resultat", "Andet?"],
            ["10.2", "10", "", "resultat", "Tredje?"]]
    own = catalogue_io.from_xlsx(_write_rows(tmp_path, rows, "eget.xlsx"), lang="da")
    assert [t.id for t in own.themes] == ["1", "10"] and own.themes[1].name["da"] == "Vores eget tema"
    rows[3][0] = "1.2"  # a theme-1 id under theme 10
    found, _ = _problems(_write_rows(tmp_path, rows, "eget2.xlsx"))
    assert found == {("C015", "A4")}
