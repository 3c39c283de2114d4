"""Reading returned scoring workbooks: the bad-file corpus, collection of a folder, fuzzing."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bad_returns import DDE, Case, filled, make_corpus, standard_answers
from scoring_fixtures import kik_setup, participants as make_participants
from xl_kik.core import problems
from xl_kik.core import returns
from xl_kik.excel import scoring
from xl_kik.core.returns import Answer, parse_points
from xl_kik.excel.reader import collect_returns, read_return
from xl_kik.core.round import Participant

CASE_NAMES = [
    "good", "renamed", "wrong_extension", "fresh_from_generator", "meta_hidden_not_very", "meta_visible",
    "meta_sheet_deleted", "rows_sorted", "qid_values_shuffled", "points_text_60", "points_ca_60",
    "points_60_point", "points_x", "points_decimal", "points_decimal_text", "points_too_high",
    "points_negative", "points_bool", "points_date", "points_error_value", "points_blank", "partly_bad",
    "dde_formula_text", "long_text", "participant_swapped", "identity_conflict", "other_round",
    "unknown_participant", "other_catalogue", "catalogue_changed", "other_scale", "format_newer",
    "format_older", "master_file", "meta_header_row_broken", "layout_tampered", "question_list_edited",
    "evaluation_sheet_renamed", "qid_missing", "qid_and_number_missing", "qid_duplicated", "qid_unknown", "macros_xlsm", "not_xlkik",
    "empty", "too_large", "old_xls", "encrypted_real", "encrypted_minimal", "ods", "ods_named_xlsx", "csv",
    "pdf", "pdf_named_xlsx", "docx", "png", "truncated_zip", "random_bytes", "xlsb", "zip_without_workbook",
    "zipped_answers", "zip_2000_members", "zip_declared_1gb", "zip_ratio_bomb", "zip_size_lie", "nested_archive",
    "billion_laughs", "dtd_utf16", "xxe_custom_props",
]


@pytest.fixture(scope="module")
def setup():
    return kik_setup()


@pytest.fixture(scope="module")
def people():
    return make_participants(3)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, setup, people) -> dict[str, Case]:
    cases = make_corpus(tmp_path_factory.mktemp("corpus"), setup, people)
    return {c.name: c for c in cases}


@pytest.fixture(scope="module")
def results(corpus, setup, people):
    return {name: read_return(case.path, setup, people) for name, case in corpus.items()}


def test_corpus_is_complete(corpus):
    assert len(corpus) >= 30
    assert set(corpus) == set(CASE_NAMES)  # msoffcrypto-tool is a test dependency: encrypted_real too


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_codes(name, corpus, results):
    case, result = corpus[name], results[name]
    assert tuple(sorted(result.report.codes())) == case.expected_codes, result.report.describe()
    assert result.accepted == case.accepted
    assert result.path == case.path
    if case.accepted:
        assert result.response.pid == case.pid
    for code, cell in case.cells.items():
        assert [p.cell for p in result.report.problems if p.code == code] == [cell]


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("name", CASE_NAMES)
def test_messages_name_file_sheet_and_cell(name, lang, corpus, results):
    for p in results[name].report.problems:
        msg = p.message(lang)
        assert msg != p.type.template.text(lang), msg  # formatted (not the missing-parameter fallback)
        assert not re.search(r"\{(file|sheet|cell|qid|value|min|max)\b", msg), msg
        assert p.file == corpus[name].path.name
        assert p.file in msg, msg
        if p.sheet:
            assert p.sheet in msg, msg
        if p.cell:
            assert re.search(rf"\b{re.escape(p.cell)}\b", msg), msg
        if p.code.startswith("R02") and p.code not in ("R027", "R028"):  # value problems point at a cell
            assert re.fullmatch(r"[A-Z]{1,3}\d+", p.cell), p
        assert p.describe(lang).startswith(f"[{p.code}] ")


@pytest.mark.parametrize("name", CASE_NAMES)
def test_good_answers_survive(name, corpus, results, setup):
    case, result = corpus[name], results[name]
    if not case.accepted or name == "fresh_from_generator":
        return
    expected = standard_answers(setup)
    resp = result.response
    for qid, want in expected.items():
        if qid in case.bad_qids:
            continue
        got = resp.answers[qid]
        assert got == Answer(qid, want["points"] if name != "points_text_60" or qid != setup.question_ids[1] else 60,
                             want["strengths"], want["improvements"], want["ideas"]), (name, qid)
    assert resp.answered == sum(1 for a in resp.answers.values() if a.points is not None)


def test_specific_values(results, setup):
    q = setup.question_ids
    assert results["points_text_60"].response.answers[q[1]].points == 60
    for name in ("points_ca_60", "points_x", "points_decimal", "points_bool", "points_date",
                 "points_error_value", "points_too_high", "points_blank"):
        answer = results[name].response.answers[q[1]]
        assert answer.points is None, name
        assert answer.strengths == standard_answers(setup)[q[1]]["strengths"]  # the row's text is kept
    assert results["dde_formula_text"].response.answers[q[1]].strengths == DDE  # text, never evaluated
    long = results["long_text"].response.answers[q[1]].strengths
    assert long == "æ" * 6000  # more than the questionnaire allows (R030), still read whole: nothing typed is lost
    partly = results["partly_bad"].response
    assert [partly.answers[x].points for x in q[1:4]] == [None, None, None]
    assert partly.answered == len(q) - 3
    # hidden ids scrambled without moving the rows: the visible numbers and texts win (R038 warns)
    swapped = results["qid_values_shuffled"].response.answers
    std = standard_answers(setup)
    assert swapped[q[0]].points == std[q[0]]["points"] and swapped[q[1]].points == std[q[1]]["points"]
    # a cleared hidden id: the row is read by its visible number (R044)
    assert results["qid_missing"].response.answers[q[1]].points == std[q[1]]["points"]
    assert results["fresh_from_generator"].response.answered == 0
    assert results["good"].response.answered == len(q)
    assert results["good"].response.saved_by == "openpyxl"
    assert results["fresh_from_generator"].response.saved_by == "Microsoft Excel"  # what XlsxWriter writes
    assert returns.normalise_app("LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40") == "LibreOffice"
    assert results["meta_sheet_deleted"].response.answered == len(q)


def test_identity_errors_reject_whole_file(results):
    for name in ("participant_swapped", "other_round", "unknown_participant", "other_catalogue",
                 "catalogue_changed", "other_scale", "format_newer", "master_file", "layout_tampered"):
        assert results[name].response is None
        assert not results[name].report.ok


def test_problem_codes_are_stable_and_complete():
    types = problems.all_types()
    mine = {c: t for c, t in types.items() if c[0] in "FR"}
    assert len(mine) >= 40
    for code, ptype in mine.items():
        assert re.fullmatch(r"[FR]\d{3}", code)
        assert "{file}" in ptype.template.da and "{file}" in ptype.template.en, code
        assert ptype.title.da and ptype.title.en
    # a few codes other helpers and the docs rely on
    assert mine["F009"].severity == problems.ERROR
    assert mine["F016"].severity == problems.WARNING
    assert mine["R022"].severity == problems.WARNING
    assert mine["R031"].severity == problems.INFO
    assert mine["R032"].severity == problems.WARNING


def test_read_return_never_raises(tmp_path, setup, people, monkeypatch):
    def boom(*a, **k):
        raise ZeroDivisionError("kaput")

    good = make_corpus_one(tmp_path, setup, people)
    from xl_kik.excel import reader

    monkeypatch.setattr(reader, "validate", boom)
    res = read_return(good, setup, people)
    assert res.report.codes() == ["F099"] and res.response is None
    assert "ZeroDivisionError" in res.report.problems[0].message()
    res = read_return(tmp_path / "findes_ikke.xlsx", setup, people)
    assert res.report.codes() == ["F019"]


def make_corpus_one(folder: Path, setup, people, participant: Participant | None = None, answers=None) -> Path:
    who = participant or people[0]
    blob = filled(scoring.ScoringTemplate(setup).render(who), answers or standard_answers(setup))
    path = folder / f"{who.pid}.xlsx"
    path.write_bytes(blob)
    return path


def test_english_setup_reads_english_workbook(tmp_path, people):
    setup = kik_setup(lang="en")
    path = make_corpus_one(tmp_path, setup, people)
    res = read_return(path, setup, people, lang="en")
    assert res.report.codes() == [] and res.response.answered == len(setup.question_ids)


# ---------------------------------------------------------------- collect_returns
def _touch(path: Path, when: float) -> None:
    os.utime(path, (when, when))


def test_collect_returns(tmp_path, setup, people):
    folder = tmp_path / "retur"
    folder.mkdir()
    std = standard_answers(setup)
    q0 = setup.question_ids[0]
    a = make_corpus_one(folder, setup, people, people[0])
    old = folder / "D01 første udgave.xlsx"
    # The first version was saved by the participant's program a day before the real one (the
    # newest return is decided by the workbook's own save time first, then the file time):
    # without this both stamps fall in the same second or not, and the test would depend on it.
    old.write_bytes(_set_saved_at(filled(scoring.ScoringTemplate(setup).render(people[0]),
                                         {**std, q0: {**std[q0], "points": 1}}), "2020-01-01T00:00:00Z"))
    _touch(old, 1_700_000_000)
    _touch(a, 1_800_000_000)
    b = make_corpus_one(folder, setup, people, people[1])
    shutil.copy(b, folder / "D02 kopi.xlsx")  # same bytes twice
    (folder / "~$D01.xlsx").write_bytes(b"lock")
    (folder / ".skjult.xlsx").write_bytes(b"hidden")
    (folder / "Thumbs.db").write_bytes(b"x")
    (folder / "noter.txt").write_text("Husk at rykke Åse", encoding="utf-8")
    (folder / "gammel runde").mkdir()

    col = collect_returns(folder, setup, people)
    names = [r.path.name for r in col.results]
    assert names == ["D01 første udgave.xlsx", "D01.xlsx", "D02 kopi.xlsx", "D02.xlsx", "noter.txt",
                     "gammel runde"]
    by = {r.path.name: r for r in col.results}
    assert list(col.responses) == ["D01", "D02"]
    assert col.responses["D01"].file == a  # newest mtime wins
    assert col.responses["D01"].answers[q0].points == std[q0]["points"]
    assert [r.path for r in col.superseded] == [old]
    assert by["D01 første udgave.xlsx"].report.codes() == ["R041"]
    assert by["D01.xlsx"].report.codes() == ["R042"]
    for p in (*by["D01 første udgave.xlsx"].report.problems, *by["D01.xlsx"].report.problems):
        assert "D01 første udgave.xlsx" in p.message() and "D01.xlsx" in p.message()
    dup = by["D02.xlsx"]  # the copy sorts first, so the original is the duplicate
    assert dup.report.codes() == ["R040"] and dup.response is None
    assert "D02 kopi.xlsx" in dup.report.problems[0].message()
    assert [d.path.name for d in col.duplicates] == ["D02.xlsx"]
    assert by["noter.txt"].report.codes() == ["F005"]
    assert by["gammel runde"].report.codes() == ["R043"]
    assert [p.pid for p in col.missing] == ["D03"]
    assert col.responses["D02"].file.name == "D02 kopi.xlsx"
    # deterministic
    again = collect_returns(folder, setup, people)
    assert [(r.path.name, r.report.codes()) for r in again.results] == \
        [(r.path.name, r.report.codes()) for r in col.results]


def test_collect_same_mtime_uses_saved_time_then_name(tmp_path, setup, people):
    folder = tmp_path / "retur"
    folder.mkdir()
    std = standard_answers(setup)
    x = folder / "b.xlsx"
    y = folder / "a.xlsx"
    x.write_bytes(filled(scoring.ScoringTemplate(setup).render(people[0]), std))
    y.write_bytes(filled(scoring.ScoringTemplate(setup).render(people[0]),
                         {**std, setup.question_ids[0]: {**std[setup.question_ids[0]], "points": 2}}))
    _touch(x, 1_800_000_000)
    _touch(y, 1_800_000_000)
    col = collect_returns(folder, setup, people)
    assert col.responses["D01"].file.name in ("a.xlsx", "b.xlsx")
    assert len(col.superseded) == 1
    assert collect_returns(folder, setup, people).responses["D01"].file == col.responses["D01"].file


def test_collect_empty_and_missing_folder(tmp_path, setup, people):
    col = collect_returns(tmp_path / "nope", setup, people)
    assert col.results == [] and [p.pid for p in col.missing] == ["D01", "D02", "D03"]


def test_collect_parallel_matches_sequential(tmp_path, setup, people, monkeypatch):
    folder = tmp_path / "retur"
    folder.mkdir()
    for p in people:
        make_corpus_one(folder, setup, people, p)
    shutil.copy(folder / "D01.xlsx", folder / "D01 igen.xlsx")
    (folder / "x.pdf").write_bytes(b"%PDF-1.4\n")
    from xl_kik.excel import reader

    monkeypatch.setattr(reader, "PARALLEL_MIN_FILES", 1)
    par = collect_returns(folder, setup, people, workers=2)
    seq = collect_returns(folder, setup, people)
    assert [(r.path.name, r.report.codes(), r.accepted) for r in par.results] == \
        [(r.path.name, r.report.codes(), r.accepted) for r in seq.results]
    assert {k: v.answers for k, v in par.responses.items()} == {k: v.answers for k, v in seq.responses.items()}


# ---------------------------------------------------------------- points: property tests
ERRORS = ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
# Every error value Excel 365 can show (support.microsoft.com "error values"), case-insensitive.
EXCEL_ERROR_VALUES = {*ERRORS, "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                      "#BUSY!", "#UNKNOWN!", "#PYTHON!"}
points_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.times(),
    st.sampled_from(ERRORS + ["60", " 60 ", "60,0", "55,5", "55.5", "ca. 60", "60 point", "x", "", "  ", "+7",
                              "-3", "1e3", "½", "٣"]),
    st.text(max_size=30),
)


def oracle(value, lo, hi):
    """The classification rules written independently of the implementation."""
    if isinstance(value, str):
        text = value.replace("\u00a0", " ").strip()
        text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text).strip()
        if not text:
            return None, None
        if text.upper() in EXCEL_ERROR_VALUES:
            return None, "R026"
        if re.fullmatch(r"[+-]?[0-9]{1,15}", text):
            n = int(text)
            return (n, "R022") if lo <= n <= hi else (None, "R020")
        m = re.fullmatch(r"([+-]?[0-9]{1,15})[.,]([0-9]+)", text)
        if m:
            if set(m.group(2)) == {"0"}:
                n = int(m.group(1))
                return (n, "R022") if lo <= n <= hi else (None, "R020")
            return None, "R021"
        return None, "R023"
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, "R024"
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return None, "R025"
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None, "R023"
    if float(value) != int(value):
        return None, "R021"
    n = int(value)
    return (n, None) if lo <= n <= hi else (None, "R020")


@settings(max_examples=600, deadline=None)
@given(value=points_values, scale=st.sampled_from([(0, 100), (0, 5)]))
def test_parse_points_classifies(value, scale):
    lo, hi = scale
    points, problem = parse_points(value, lo, hi)
    code = problem[0].code if problem else None
    assert (points, code) == oracle(value, lo, hi), value
    if problem is not None:  # every problem can be rendered
        ptype, params = problem
        msg = ptype(file="f.xlsx", sheet="Evaluering", cell="E8", qid="1.1", min=lo, max=hi, **params).message()
        assert "f.xlsx" in msg and "E8" in msg and msg != ptype.template.da  # formatted, not the fallback


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-1000, max_value=1000),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(ERRORS + ["60", "ca. 60", "55,5", DDE, "=1+1", "@SUM(A1)"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), max_size=40),
)


@pytest.fixture(scope="module")
def fresh_blob(setup, people):
    return scoring.ScoringTemplate(setup).render(people[0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(values=st.lists(cell_values, min_size=4, max_size=4))
def test_random_points_cells_in_real_files(values, fresh_blob, setup, people, tmp_path):
    """Random values typed into real points cells: never a crash, each cell classified, the rest kept."""
    import openpyxl

    q = setup.question_ids
    std = standard_answers(setup)
    lay = scoring.make_layout(setup)

    def edit(wb, l):
        for qid, value in zip(q, values):
            cell = l["ws"][f"{lay.col_points}{lay.rows[qid]}"]
            if isinstance(value, str) and value in ERRORS and len(value) % 2:
                cell.value = value  # some error strings as real error cells (t="e")
                cell.data_type = "e"
            elif isinstance(value, str):
                cell.value = value
                cell.data_type = "s"
            else:
                cell.value = value

    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(filled(fresh_blob, std, edit))
    res = read_return(path, setup, people)
    assert res.accepted, res.report.describe()
    by_cell = {p.cell: p.code for p in res.report.problems}
    for qid, value in zip(q, values):
        ref = f"{lay.col_points}{lay.rows[qid]}"
        got = res.response.answers[qid].points
        if isinstance(value, dt.datetime):
            assert got is None and by_cell.get(ref) == "R025"
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        want, code = oracle(value, setup.scale.min, setup.scale.max)
        assert got == want, (value, got)
        assert by_cell.get(ref) == code, (value, res.report.describe())
    for qid in q[4:]:
        assert res.response.answers[qid].points == std[qid]["points"]
    assert openpyxl  # imported for the edit


def test_sheet_calamine_cannot_parse_is_a_damaged_file(tmp_path, setup, people, monkeypatch):
    import python_calamine

    from xl_kik.excel import intake

    path = make_corpus_one(tmp_path, setup, people)

    def broken(self, name, nrows=None):
        raise python_calamine.XmlError("bad xml")

    monkeypatch.setattr(intake.RawWorkbook, "rows", broken)
    res = read_return(path, setup, people)
    assert res.report.codes() == ["F010"] and res.response is None


def _set_saved_at(data: bytes, stamp: str) -> bytes:
    """The workbook as if its program had saved it at ``stamp`` (docProps/core.xml modified)."""
    import io
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                part = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp.encode() + rb"\g<2>", part)
            dst.writestr(info, part)
    return out.getvalue()


def test_blank_copy_stored_later_never_replaces_real_answers(tmp_path, setup, people):
    """An untouched copy of the outgoing file (e.g. the invitation's attachment saved into the
    returns folder afterwards) has the newest file time but must not win over the answers."""
    folder = tmp_path / "retur"
    folder.mkdir()
    template = scoring.ScoringTemplate(setup)
    answered = folder / "svar.xlsx"
    answered.write_bytes(filled(template.render(people[0]), standard_answers(setup)))
    blank = folder / "original.xlsx"
    blank.write_bytes(template.render(people[0]))
    _touch(answered, 1_700_000_000)
    _touch(blank, 1_800_000_000)
    col = collect_returns(folder, setup, people)
    assert col.responses["D01"].file == answered
    assert col.responses["D01"].answered > 0
    assert [r.path for r in col.superseded] == [blank]


def test_workbook_save_time_beats_file_time(tmp_path, setup, people):
    """The attachment stored last is not necessarily the version saved last by the participant."""
    folder = tmp_path / "retur"
    folder.mkdir()
    template = scoring.ScoringTemplate(setup)
    q0 = setup.question_ids[0]
    std = standard_answers(setup)
    late = folder / "rettet.xlsx"
    late.write_bytes(_set_saved_at(filled(template.render(people[0]), {**std, q0: {**std[q0], "points": 3}}),
                                   "2026-11-20T10:00:00Z"))
    early = folder / "første.xlsx"
    early.write_bytes(_set_saved_at(filled(template.render(people[0]), {**std, q0: {**std[q0], "points": 1}}),
                                    "2026-11-19T10:00:00Z"))
    _touch(late, 1_700_000_000)   # stored first ...
    _touch(early, 1_800_000_000)  # ... the older version stored afterwards
    col = collect_returns(folder, setup, people)
    assert col.responses["D01"].file == late
    assert col.responses["D01"].answers[q0].points == 3


# ---------------------------------------------------------------- plain text: one rule
def test_parse_text_takes_the_plain_text_rule_read_answers_takes(monkeypatch):
    """read_answers' whole-row fast path (_plain_texts) and parse_text share one rule: whatever it
    calls plain, parse_text returns without looking further (so the two cannot drift apart)."""
    seen = []

    def rule(row, width, cols):
        seen.append(list(row))
        return ["RULE"] * len(cols)

    monkeypatch.setattr(returns, "_plain_texts", rule)
    assert returns.parse_text("  Godt samarbejde  ") == ("RULE", [])
    assert returns.parse_text("=HYPERLINK(1)") == ("RULE", [])
    assert seen == [["  Godt samarbejde  "], ["=HYPERLINK(1)"]]
    assert returns.parse_text("x", error_value="#N/A") == ("#N/A", [])  # an error value comes first


_TEXT_PIECES = st.sampled_from(["a", "ø", " ", "\u00a0", "\n", "\t", "\x01", "=", "+", "-", "@", "1", "_x0041_",
                                "\u202e", "\ufffe", "SUM(", "|"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(_TEXT_PIECES, max_size=8).map("".join),
                 st.integers(0, 10).map(lambda n: "x" * (returns.MAX_TEXT - 5 + n)),
                 st.none(), st.floats(allow_nan=True), st.booleans(), st.integers()))
def test_a_row_the_fast_path_reads_is_read_alike_by_parse_text(value):
    cols = [("strengths", "F", 0), ("improvements", "G", 1), ("ideas", "H", 5)]  # H beyond the row: empty
    row = [value, "", "ok"]
    fast = returns._plain_texts(row, len(row), cols)
    slow = [returns.parse_text(v) for v in (value, "", None)]
    if fast is not None:
        assert fast == [slow[0][0], "", ""] and slow[0][1] == [] and slow[1:] == [("", []), ("", [])]
    if isinstance(value, str) and value.isprintable() and len(value.strip()) <= returns.MAX_TEXT and \
            not value.strip().startswith(("=", "+", "-", "@")):
        assert fast == [value.strip(), "", ""]  # plain text: read by the fast path, stripped


# ---------------------------------------------------------------- "ved ikke" typed in English
@pytest.mark.parametrize("typed", ["do not know", "Do not know", "don't know", "Don\u2019t know", "don\u2018t know",
                                   "don\u00b4t know", "don`t know", "don\u02bct know", "DON\u2019T  KNOW", "dont know"])
def test_a_typed_dont_know_with_any_apostrophe_is_the_same_answer(typed):
    """LibreOffice's AutoCorrect types ’ for ', a Danish keyboard's accent key ´; a pasted value
    passes no validation: each is the deliberate "ved ikke" (answered, no points)."""
    assert returns.is_dont_know(typed)


@pytest.mark.parametrize("typed", ["don t know", "know", "ved", "do not know it", "'", "don''t know"])
def test_other_texts_are_not_dont_know(typed):
    assert not returns.is_dont_know(typed)


def test_a_pasted_dont_know_with_a_typographic_apostrophe_is_read_as_dont_know(tmp_path, people):
    setup = kik_setup(lang="en")
    std = standard_answers(setup)
    q1, q2, q3 = setup.question_ids[:3]
    answers = {**std, q1: {**std[q1], "points": "Don\u2019t know"}, q2: {**std[q2], "points": "don\u00b4t know"},
               q3: {**std[q3], "points": "do not know"}}
    res = read_return(make_corpus_one(tmp_path, setup, people, answers=answers), setup, people, lang="en")
    assert res.report.codes() == []
    got = res.response.answers
    assert all(got[q].dont_know and got[q].answered and got[q].points is None for q in (q1, q2, q3))
    assert res.response.answered == len(setup.question_ids)
