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
