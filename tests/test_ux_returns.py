"""Issue 13, requirement 1: what a coordinator sees about the returned files.

* an untouched (or 0-answer) questionnaire is a "tomt spørgeskema": missing with that note,
  reminded, counted nowhere as an answer (merge summary, Status, Svarrapport n);
* ``xl-kik status`` shows everything the merge would (ignored copies, older versions, empty
  files, with the reason);
* two participants with the same name: a warning at init, and every list tells them apart.

Real master, real questionnaires, files filled as a person would; nothing mocked.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from xl_kik.core import catalogue
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.demo import simulate
from xl_kik.excel import master
from xl_kik.excel.masterfile import MasterFile
from xl_kik.steps import init, invite, merge, status
from xl_kik.steps.generate import generate_round

PEOPLE = [("Anna Ærø", "anna@x.dk"), ("Lise Møller", "lise1@x.dk"), ("Lise Møller", "lise2@x.dk"),
          ("Bo Bøg", "bo@x.dk")]


def _answers(path: Path, points: bool = True, text: str = "") -> dict:
    layout = simulate.read_layout(openpyxl.load_workbook(path))
    return {q: {"points": (20 + 5 * j) % 101 if points else None, "strengths": text, "improvements": "",
                "ideas": ""} for j, q in enumerate(layout.rows)}


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    """Anna returns twice (older + newer) and a byte copy; Lise (1) returns the untouched file;
    Lise (2) returns text but not one point; Bo returns nothing."""
    root = tmp_path_factory.mktemp("ux") / "Runde 1"
    ps = [Participant("", n, e) for n, e in PEOPLE]
    master.create_round(root, unit="Solsikken", participants=ps, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"), lang="da")
    files = generate_round(root)
    ret = RoundPaths(root).returns
    (anna, a_path), (lise1, l1_path), (lise2, l2_path), (bo, _) = files
    older = simulate.fill_workbook(a_path, ret / "anna_første.xlsx", _answers(a_path, text="først"))
    newer = simulate.fill_workbook(a_path, ret / "anna_rettet.xlsx", _answers(a_path, text="rettet"))
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_800_000_000, 1_800_000_000))
    shutil.copyfile(newer, ret / "zz_anna_kopi.xlsx")
    shutil.copyfile(l1_path, ret / "lise_uændret.xlsx")  # never opened: the invitation's attachment
    simulate.fill_workbook(l2_path, ret / "lise_kun_tekst.xlsx", _answers(l2_path, points=False, text="Godt"))
    result = merge.merge_round(root)
    return root, files, result


def test_empty_questionnaires_count_nowhere_as_answers(round_):
    root, files, result = round_
    (anna, _), (lise1, _), (lise2, _), (bo, _) = files
    col = result.collection
    assert list(col.responses) == [anna.pid]
    assert [p.pid for p in col.missing] == [lise1.pid, lise2.pid, bo.pid]
    assert sorted(r.path.name for r in col.empty) == ["lise_kun_tekst.xlsx", "lise_uændret.xlsx"]
    assert result.returned == 1 and result.total == 4
    # Svarrapport n: only Anna's answers
    assert {s.n for s in result.stats.questions.values()} == {1}
    text = result.summary("da")
    assert text.splitlines()[0].startswith("1 af 4 deltagere har afleveret. 3 mangler. 2 tomme spørgeskemaer")
    assert "Lise Møller (lise1@x.dk) (tomt spørgeskema)" in text
    assert "Lise Møller (lise2@x.dk) (tomt spørgeskema)" in text
    assert "Bo Bøg." in text or "Bo Bøg," in text
    assert "(er)" not in text


def test_status_sheet_lists_empty_questionnaire_as_missing_with_note(round_):
    root, files, _ = round_
    wb = openpyxl.load_workbook(RoundPaths(root).master, keep_vba=True)
    ws = MasterFile.sheet_by_codename(wb, "shStatus")
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[2][0].startswith("1 af 4 deltagere har afleveret.")
    assert "Alle har afleveret." not in [r[0] for r in rows]
    first = next(r for r in rows if r[1] == "Lise Møller (lise1@x.dk)")  # the participants table
    assert first[2] == "Nej" and first[3] == "lise_uændret.xlsx"
    assert any("Tomt spørgeskema (lise_uændret.xlsx)" in str(v) for v in first if v)
    missing_at = next(i for i, r in enumerate(rows) if r[0] == "Mangler at aflevere")
    missing = [r for r in rows[missing_at + 2:missing_at + 5]]
    assert [r[1] for r in missing] == ["Lise Møller (lise1@x.dk)", "Lise Møller (lise2@x.dk)", "Bo Bøg"]
    assert "tomt spørgeskema" in str(missing[1][7]).lower() and not missing[2][7]


def test_reminder_goes_to_empty_questionnaires_too(round_):
    root, files, _ = round_
    sent = invite.write_invitations(root, reminder=True)
    assert sorted(i.participant.pid for i in sent.invitations) == sorted(p.pid for p, _ in files[1:])


def test_status_shows_everything_the_merge_ignores(round_):
    root, files, result = round_
    st = status.round_status(root)
    text = st.summary("da")
    # the same overview the merge printed, line for line
    merged = result.summary("da").splitlines()
    for line in st.summary("da", limit=None).splitlines():
        if not line.startswith(("Afleveret:", "  ")):
            assert line in merged, line
    assert "anna_første.xlsx (brugt i stedet: anna_rettet.xlsx)" in text  # older version
    assert "zz_anna_kopi.xlsx (brugt i stedet: anna_rettet.xlsx)" in text  # byte copy
    assert "(tomt spørgeskema)" in text
    assert "Anna Ærø: anna_rettet.xlsx" in text
    data = st.as_dict("da")
    assert {m["empty_file"] for m in data["missing"] if "empty_file" in m} == {"lise_uændret.xlsx",
                                                                                "lise_kun_tekst.xlsx"}
    assert {s["file"] for s in data["superseded"]} == {"anna_første.xlsx", "zz_anna_kopi.xlsx"}


def test_duplicate_names_warned_at_init(tmp_path):
    people = tmp_path / "deltagere.csv"
    people.write_text("Navn;E-mail\nLise Møller;lise1@x.dk\nlise  møller;lise2@x.dk\nBo Bøg;bo@x.dk\n", "utf-8")
    result = init.init_from_options(tmp_path / "r", unit="Solsikken", participants=people)
    assert [p.code for p in result.warnings] == ["P008"]
    text = result.summary("da")
    assert "'Lise Møller' står 2 gange (lise1@x.dk, lise2@x.dk)" in text
    unique = tmp_path / "unikke.csv"
    unique.write_text("Navn;E-mail\nLise Møller;lise1@x.dk\nBo Bøg;bo@x.dk\n", "utf-8")
    assert init.init_from_options(tmp_path / "r2", unit="Solsikken", participants=unique).warnings == []


def test_long_lists_are_summarised(tmp_path):
    root = tmp_path / "stor"
    ps = [Participant("", f"Person {i:02d}", f"p{i}@x.dk") for i in range(14)]
    master.create_round(root, unit="Solsikken", participants=ps, catalogue=catalogue.builtin("kik"),
                        scale=catalogue.scale("0-100"), lang="da")
    result = status.round_status(root)
    text = result.summary("da")
    assert "Mangler: Person 00, Person 01" in text and "Person 09 og 4 til." in text
    assert "Person 10" not in text
    assert "Person 13" in result.summary("da", limit=None)
