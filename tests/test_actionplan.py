"""The action plan's pure core: ids, generated rows, merge (nothing typed is lost), follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_kik.core import actionplan as ap
from xl_kik.core.actionplan import (
    PERSON_KEYS, SYSTEM_KEYS, PlanState, action_id, follow_up_items, follow_up_summary, format_follow_up,
    generate_rows, is_blank, merge_plan, normalise_area, plan_merge, priority_matrix,
)
from xl_kik.core.catalogue import builtin

TODAY = dt.date(2026, 3, 2)


def inputs(**by_q):
    """{qid: (lines, to_plan, decision, effect, feasibility)} -> read_inputs-like dict."""
    out = {}
    for qid, (lines, to_plan, decision, *rest) in by_q.items():
        effect, feas = (rest + [None, None])[:2]
        out[qid.lstrip("_").replace("_", ".")] = {"agreed_improvements": "\n".join(lines), "to_plan": to_plan,
                                      "decision": decision, "effect": effect, "feasibility": feas}
    return out


# ---------------------------------------------------------------- ids and generated rows
@pytest.mark.parametrize("qid,line,expected", [
    # expected = "HP-<qid>-" + sha1(normalised line, UTF-8).hexdigest()[:6], computed by hand from the
    # documented recipe. Every plan row in the field carries such an id: if one changes, the rows
    # people filled in are orphaned (marked 'kilde fjernet') and new empty rows appear.
    ("1.2", "Bedre  introduktion af nye medarbejdere.", "HP-1.2-2d35cd"),
    ("3.1", "- Mere dialog med forældrene", "HP-3.1-79d4a2"),
    ("10.4", "2) e\u0301t fælles værdigrundlag...", "HP-10.4-561a84"),  # decomposed é, numbered bullet
])
def test_action_id_is_pinned(qid, line, expected):
    assert action_id(qid, line) == expected


def test_action_id_is_stable_and_ignores_cosmetics():
    a = action_id("1.2", "Bedre  introduktion af nye medarbejdere.")
    assert a == action_id("1.2", "- bedre introduktion af nye medarbejdere")
    assert a == action_id("1.2", "• Bedre introduktion af nye\tmedarbejdere ")
    assert a != action_id("1.3", "Bedre introduktion af nye medarbejdere")
    assert a != action_id("1.2", "Bedre introduktion af alle medarbejdere")
    assert a.startswith("HP-1.2-") and len(a) == len("HP-1.2-") + 6
    assert normalise_area("  Æble.. ") == "æble"


def test_generate_rows_rules():
    cat = builtin("kik")
    rows = generate_rows(inputs(
        _1_1=(["Mål for året", "", "- Mål for året", "Værdier i praksis"], "Ja", "Vedtaget", "Høj", "Let"),
        _1_2=(["Opfølgning på politiske mål"], "Ja", "Afventer", "Middel"),
        _1_3=(["Inddragelse"], "Ja", "", "Lav"),
        _2_1=(["Budgetoverblik"], "Ja", "Afvist"),
        _2_2=(["Partnerskaber"], "Nej", "Vedtaget"),
    ), cat)
    by_q = [r["id"].split("-")[1] for r in rows]
    assert by_q == ["1.1", "1.1", "1.2", "1.3"]  # duplicate line once; Afvist and Nej left out
    assert rows[0]["area"] == "Mål for året" and rows[1]["area"] == "Værdier i praksis"
    assert rows[0]["source"] == "aktiv" and rows[0]["quick_win"] == "Ja" and rows[0]["priority"] == "1 - høj"
    assert rows[2]["source"] == "afventer beslutning" and rows[2]["quick_win"] == ""
    assert rows[3]["source"] == "afventer beslutning"  # no decision yet: in the plan, marked
    assert rows[0]["theme"].startswith("1.") and rows[0]["question"].startswith("1.1 ")
    assert all(r["status"] == "ikke startet" for r in rows)
    en = generate_rows(inputs(_1_1=(["x"], "yes", "adopted", "high", "easy")), cat, "en")
    assert en[0]["source"] == "active" and en[0]["quick_win"] == "Yes" and en[0]["status"] == "not started"


def test_to_plan_without_areas_is_reported():
    report = ap.Report("m")
    assert generate_rows(inputs(_1_1=([], "Ja", "Vedtaget")), None, "da", report) == []
    assert report.codes() == ["A006"]


# ---------------------------------------------------------------- merge: examples
def gen(*pairs, source="aktiv"):
    return [{"id": action_id(q, t), "theme": "T", "question": q, "area": t, "quick_win": "", "source": source,
             "status": "ikke startet", "priority": ""} for q, t in pairs]


def test_first_build_then_typed_values_survive_and_new_rows_append():
    g1 = gen(("1.1", "a"), ("1.2", "b"))
    m1 = plan_merge([], g1, TODAY)
    rows = m1.rows
    assert [r["id"] for r in rows] == [g["id"] for g in g1]
    assert rows[0]["status"] == "ikke startet"
    rows[0].update(action="Workshop", owner="Ida", deadline=dt.date(2026, 4, 1), status="i gang")
    rows[1]["x:Budget"] = 5000
    m2 = plan_merge(rows, gen(("1.1", "a"), ("1.2", "b"), ("2.1", "c")), TODAY, m1.state)
    assert [r["id"] for r in m2.rows][:2] == [g["id"] for g in g1]
    assert m2.rows[0]["action"] == "Workshop" and m2.rows[0]["status"] == "i gang"
    assert m2.rows[1]["x:Budget"] == 5000
    assert m2.added == [action_id("2.1", "c")]


def test_source_removed_then_back():
    m1 = plan_merge([], gen(("1.1", "a"), ("1.2", "b")), TODAY)
    rows = m1.rows
    rows[1]["action"] = "noget"
    m2 = plan_merge(rows, gen(("1.1", "a")), TODAY, m1.state)
    # Kilde holds exactly the documented value; the date of the notice is in Kommentar (issue 13)
    assert m2.rows[1]["source"] == "kilde fjernet" and m2.rows[1]["action"] == "noget"
    assert m2.state.written[action_id("1.2", "b")]["removed_on"] == "2026-03-02"  # the date: in the plan's state
    assert m2.marked_removed == [action_id("1.2", "b")]
    m3 = plan_merge(m2.rows, gen(("1.1", "a")), TODAY + dt.timedelta(days=5), m2.state)
    assert m3.rows[1]["source"] == "kilde fjernet"
    assert m3.state.written[action_id("1.2", "b")]["removed_on"] == "2026-03-02"  # date of first notice kept
    m4 = plan_merge(m3.rows, gen(("1.1", "a"), ("1.2", "b")), TODAY, m3.state)
    assert m4.rows[1]["source"] == "aktiv" and m4.added == []
    assert "removed_on" not in m4.state.written[action_id("1.2", "b")]  # back: no removal date


def test_system_cells_refresh_unless_a_person_changed_them():
    m1 = plan_merge([], gen(("1.1", "a"), ("1.2", "b"), source="afventer beslutning"), TODAY)
    rows = m1.rows
    rows[0]["area"] = "a, præciseret af lederen"
    rows[1]["source"] = "min egen note"
    m2 = plan_merge(rows, gen(("1.1", "a"), ("1.2", "b"), source="aktiv"), TODAY, m1.state)
    assert m2.rows[0]["area"] == "a, præciseret af lederen"
    assert m2.rows[0]["source"] == "aktiv"  # not touched by the person: follows the source
    assert m2.rows[1]["source"] == "min egen note"
    m2.rows[0]["theme"] = ""  # emptied system cell is filled again
    m3 = plan_merge(m2.rows, gen(("1.1", "a"), ("1.2", "b")), TODAY, m2.state)
    assert m3.rows[0]["theme"] == "T" and m3.rows[0]["area"] == "a, præciseret af lederen"


def test_without_state_nothing_differing_is_overwritten():
    rows = [{"id": action_id("1.1", "a"), "area": "typed", "source": "aktiv", "theme": "", "status": "afsluttet"}]
    m = plan_merge(rows, gen(("1.1", "a"), source="afventer beslutning"), TODAY, None)
    assert m.rows[0]["area"] == "typed" and m.rows[0]["source"] == "aktiv" and m.rows[0]["theme"] == "T"
    assert m.rows[0]["status"] == "afsluttet"


def test_deleted_rows_stay_deleted_until_restored():
    m1 = plan_merge([], gen(("1.1", "a"), ("1.2", "b")), TODAY)
    rows = [m1.rows[1]]  # the leader deleted the first row
    m2 = plan_merge(rows, gen(("1.1", "a"), ("1.2", "b")), TODAY, m1.state)
    assert [r["id"] for r in m2.rows] == [action_id("1.2", "b")]
    assert m2.kept_out == [action_id("1.1", "a")] and m2.newly_deleted == [action_id("1.1", "a")]
    m3 = plan_merge(m2.rows, gen(("1.1", "a"), ("1.2", "b")), TODAY, m2.state)
    assert len(m3.rows) == 1 and action_id("1.1", "a") in m3.state.deleted
    m4 = ap.plan_merge(m3.rows, gen(("1.1", "a"), ("1.2", "b")), TODAY, m3.state, restore_deleted=True)
    assert [r["id"] for r in m4.rows] == [action_id("1.2", "b"), action_id("1.1", "a")]


def test_manual_rows_get_ids_never_reused_and_duplicates_are_split():
    m1 = plan_merge([], gen(("1.1", "a")), TODAY)
    rows = m1.rows + [{"action": "Egen idé"}, {"id": "", "owner": "Bo"}, {"id": None, "comment": None}]
    m2 = plan_merge(rows, gen(("1.1", "a")), TODAY, m1.state)
    assert [r["id"] for r in m2.rows] == [action_id("1.1", "a"), "M-1", "M-2"]  # empty row dropped
    assert m2.rows[1]["source"] == "manuel"
    m3 = plan_merge([m2.rows[0], m2.rows[1]], gen(("1.1", "a")), TODAY, m2.state)  # M-2 deleted
    copy = dict(m3.rows[0], action="kopi")
    m4 = plan_merge(m3.rows + [copy, {"action": "ny"}], gen(("1.1", "a")), TODAY, m3.state)
    ids = [r["id"] for r in m4.rows]
    assert ids == [action_id("1.1", "a"), "M-1", "M-3", "M-4"]  # M-2 is not reused
    assert m4.rows[2]["action"] == "kopi" and m4.rows[2]["source"] == "manuel"
    assert m4.renumbered == [(action_id("1.1", "a"), "M-3", 2, 0)]


def test_carried_rows_keep_their_source():
    rid = action_id("1.1", "a")
    rows = [{"id": rid, "area": "a", "source": "overført fra KIK-1", "status": "i gang"},
            {"id": action_id("9.9", "z"), "area": "z", "source": "overført fra KIK-1"}]
    state = PlanState({rid: {"source": ap.value_hash("overført fra KIK-1")}})
    m = plan_merge(rows, gen(("1.1", "a")), TODAY, state)
    assert [r["source"] for r in m.rows] == ["overført fra KIK-1", "overført fra KIK-1"]
    assert m.rows[0]["theme"] == "T" and m.rows[0]["status"] == "i gang"


def test_merge_plan_wrapper_and_inputs_untouched():
    existing = [{"id": "", "action": "x"}]
    out = merge_plan(existing, [], TODAY)
    assert existing == [{"id": "", "action": "x"}] and out[0]["id"] == "M-1"


def test_state_round_trip():
    s = PlanState({"HP-1-abc": {"area": "123"}, "M-1": {}}, {"HP-2-def"})
    assert PlanState.from_rows([["id", "kind", "generated"], *s.to_rows()]) == s


# ---------------------------------------------------------------- merge: property
TEXTS = st.one_of(st.text(alphabet="abcæøå =+-1.\n", min_size=1, max_size=8),
                  st.sampled_from(["=1+1", "+45 1234", "Ida", "i gang", "afsluttet", " "]))
LINES_TYPED = ["Plan", "Mål", "min formulering"]
REALISTIC = ["i gang", "afsluttet", "ikke startet", "1 - høj", "3 - lav", "Ja", "aktiv", "manuel",
             "kilde fjernet (01-01-2026)", "overført fra KIK-1", "Plan", "Ida"]
VALUES = st.one_of(st.sampled_from(REALISTIC), TEXTS, st.integers(-5, 10 ** 6),
                   st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), st.just(""), st.just(None))
POOLS = {"status": ["i gang", "afsluttet", "ikke startet", "sat i bero"], "priority": ["1 - høj", "3 - lav"],
         "source": ["aktiv", "manuel", "kilde fjernet (01-01-2026)", "overført fra KIK-1", "afventer beslutning"],
         "quick_win": ["Ja", "Nej"], "area": LINES_TYPED, "theme": ["T"]}
QIDS = ["1.1", "1.2", "2.1"]
LINES = ["Plan", "Mål", "Dialog", "Budget", "Kompetencer"]
EXTRA = ["x:Budget", "x:Team", "x:Note"]
COLS = [k for k in PERSON_KEYS + SYSTEM_KEYS] + EXTRA


def source_rows(source):
    data = {q: {"agreed_improvements": "\n".join(v["lines"]), "to_plan": "Ja" if v["plan"] else "Nej",
                "decision": v["decision"]} for q, v in source.items()}
    return generate_rows(data, None, "da")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_property_rebuilds_never_lose_typed_values(data):
    source = {q: {"lines": ["Plan"], "plan": True, "decision": "Vedtaget"} for q in QIDS}
    sheet: list[dict] = []
    typed: list[dict] = []  # parallel to sheet: what a person typed, by column
    state = None
    deleted: set[str] = set()
    ever: set[str] = set()
    ops = data.draw(st.lists(st.sampled_from(["edit", "edit", "edit", "add", "delete", "source", "source",
                                              "rebuild", "rebuild"]), min_size=2, max_size=25), label="ops")
    rebuilds = 0
    for op in ["rebuild"] + ops + ["rebuild"]:
        if op == "edit" and sheet:
            i = data.draw(st.integers(0, len(sheet) - 1))
            col = data.draw(st.sampled_from(COLS))
            value = data.draw(st.one_of(st.sampled_from(POOLS.get(col, REALISTIC)), VALUES))
            sheet[i][col] = value
            last = (state.written.get(sheet[i].get("id") or "", {}) if state is not None else {}).get(col)
            if col in SYSTEM_KEYS and last is not None and ap.value_hash(value) == last:
                typed[i].pop(col, None)  # re-typing the generated value = following the source again
            else:
                typed[i][col] = value
        elif op == "add":
            values = data.draw(st.dictionaries(st.sampled_from(PERSON_KEYS + tuple(EXTRA)), TEXTS, min_size=1))
            sheet.append(dict(values))
            typed.append(dict(values))
        elif op == "delete" and sheet:
            i = data.draw(st.integers(0, len(sheet) - 1))
            if sheet[i].get("id") and state is not None and sheet[i]["id"] in state.written:
                deleted.add(sheet[i]["id"])
            del sheet[i], typed[i]
        elif op == "source":
            q = data.draw(st.sampled_from(QIDS))
            change = data.draw(st.sampled_from(["add", "remove", "plan", "decision"]))
            s = source[q]
            if change == "add":
                s["lines"].append(data.draw(st.sampled_from(LINES)))
            elif change == "remove" and s["lines"]:
                s["lines"].pop(data.draw(st.integers(0, len(s["lines"]) - 1)))
            elif change == "plan":
                s["plan"] = not s["plan"]
            else:
                s["decision"] = data.draw(st.sampled_from(["Vedtaget", "Afventer", "Afvist", ""]))
        elif op == "rebuild":
            rebuilds += 1
            generated = source_rows(source)
            before = [(r, t) for r, t in zip(sheet, typed) if not ap.row_is_blank(r)]
            m = plan_merge(sheet, generated, TODAY, state)
            rows = m.rows
            ids = [r["id"] for r in rows]
            assert len(ids) == len(set(ids)), "ids are unique"
            assert all(ids), "every row has an id"
            # existing rows keep their order and every typed value
            for k, (old, t) in enumerate(before):
                new = rows[k]
                if old.get("id"):
                    assert new["id"] == old["id"]
                for col, v in t.items():
                    if col in SYSTEM_KEYS and is_blank(v):
                        continue  # an emptied system cell is filled again
                    assert new.get(col) == v, (col, v, new)
            # new M- ids are never reused
            for rid in m.new_manual:
                assert rid not in ever
            # deleted rows do not come back; every other generated row is there once
            for g in generated:
                if g["id"] in deleted:
                    assert g["id"] not in ids
                else:
                    assert ids.count(g["id"]) == 1
            gen_ids = {g["id"] for g in generated}
            by_id = {g["id"]: g for g in generated}
            for k, r in enumerate(rows):
                typed_source = k < len(before) and not is_blank(before[k][1].get("source"))
                if typed_source:
                    continue
                if r["id"] in gen_ids:
                    assert r["source"] == by_id[r["id"]]["source"]
                elif r["id"].startswith("HP-"):
                    assert r["source"].startswith("kilde fjernet")
            ever |= set(ids)
            typed = [t for _r, t in before] + [{} for _ in rows[len(before):]]
            sheet = [dict(r) for r in rows]
            state = m.state


# ---------------------------------------------------------------- follow-up and overview
def plan_rows():
    d = TODAY
    return [
        {"id": "HP-1", "area": "A", "action": "Gør x", "owner": "Ida Holm", "deadline": d - dt.timedelta(days=3),
         "status": "i gang"},
        {"id": "HP-2", "area": "B", "owner": "ida holm / Bo", "deadline": d + dt.timedelta(days=10),
         "status": "ikke startet"},
        {"id": "HP-3", "area": "C", "owner": "Bo", "deadline": d - dt.timedelta(days=30), "status": "afsluttet"},
        {"id": "HP-4", "area": "D", "owner": "", "deadline": "uge 12", "status": ""},
        {"id": "HP-5", "area": "E", "owner": "Frida", "deadline": dt.datetime(2026, 3, 2), "status": "Sat i bero"},
        {"id": "HP-6", "area": "F", "owner": "Bo", "deadline": "20-03-2026", "status": "måske"},
    ]


def test_follow_up_items_flags():
    items = {i.id: i for i in follow_up_items(plan_rows(), TODAY)}
    assert items["HP-1"].overdue and not items["HP-1"].due_soon and items["HP-1"].days_left == -3
    assert items["HP-2"].due_soon and not items["HP-2"].overdue
    assert not items["HP-3"].overdue and not items["HP-3"].open
    assert items["HP-4"].deadline is None and items["HP-4"].open and items["HP-4"].status_key == "not_started"
    assert items["HP-5"].due_soon and items["HP-5"].days_left == 0 and items["HP-5"].status_key == "on_hold"
    assert items["HP-6"].deadline == dt.date(2026, 3, 20) and items["HP-6"].status_key == "unknown"


def test_action_flags_are_the_follow_ups_open_and_overdue():
    """The rollup's per-row flags (open, overdue), written out by hand; a blank row has none."""
    rows = plan_rows() + [{"id": None, "area": " ", "status": None}]
    expected = {"HP-1": (True, True), "HP-2": (True, False), "HP-3": (False, False), "HP-4": (True, False),
                "HP-5": (True, False), "HP-6": (True, False)}
    assert {r["id"]: ap.action_flags(r, TODAY) for r in rows[:-1]} == expected
    assert ap.action_flags(rows[-1], TODAY) is None
    late = {"id": "HP-7", "deadline": "01-01-2026", "status": "måske"}  # an unknown status stays open
    assert ap.action_flags(late, TODAY) == (True, True)
    assert {i.id: (i.open, i.overdue) for i in follow_up_items(rows + [late], TODAY)} == {**expected, "HP-7": (True, True)}


def test_owner_filter_and_order():
    items = follow_up_items(plan_rows(), TODAY)
    ida = ap.filter_items(items, owner="ida")
    assert [i.id for i in ida] == ["HP-1", "HP-2"]  # "Frida" does not match "ida"
    assert [i.id for i in ap.filter_items(items, overdue_only=True)] == ["HP-1"]
    assert [i.id for i in ap.filter_items(items)][0] == "HP-1"


def test_summary_per_owner():
    summary = {s.owner: s for s in follow_up_summary(follow_up_items(plan_rows(), TODAY))}
    assert summary["Bo"].done == 1 and summary["Bo"].open == 1 and summary["Bo"].total == 2
    assert summary["Ida Holm"].overdue == 1
    assert "(ingen ansvarlig)" in summary


def test_format_follow_up_da_en():
    items = ap.filter_items(follow_up_items(plan_rows(), TODAY))
    text = format_follow_up(items, "da", TODAY, owner="Ida")
    assert "OVERSKREDET 3 dage" in text and "Ansvarlig: Ida" in text and "[HP-1] Gør x" in text
    assert "frist om 10 dage" in text and "frist i dag" in text
    en = format_follow_up(items, "en", TODAY)
    assert "OVERDUE 3 days" in en and "actions:" in en
    assert "Ingen handlinger" in format_follow_up([], "da", TODAY)


def test_priority_matrix():
    m = priority_matrix(inputs(
        _1_1=(["a", "b"], "Ja", "Vedtaget", "Høj", "Let"),
        _1_2=(["c"], "Nej", "", "Høj", "Let"),
        _2_1=(["d"], "Ja", "Afvist", "Lav", "Svær"),
        _3_1=(["e"], "Ja", "", "", "Let"),
    ), order=["1.1", "1.2", "2.1", "3.1"])
    qw = m.cell("high", "easy")
    assert qw.questions == ["1.1", "1.2"] and qw.areas == 3 and qw.planned == ["1.1"]
    assert m.cell("low", "hard").questions == ["2.1"] and m.cell("low", "hard").planned == []
    assert m.unrated == ["3.1"]


@pytest.mark.parametrize("value,expected", [
    ("01-03-2026", dt.date(2026, 3, 1)), ("2026-03-01", dt.date(2026, 3, 1)), ("1.3.2026", dt.date(2026, 3, 1)),
    (46082, dt.date(2026, 3, 1)), ("uge 12", None), ("", None), (None, None), (True, None),
])
def test_to_date(value, expected):
    assert ap.to_date(value) == expected


def test_status_vocabulary():
    assert ap.status_key("Afsluttet") == "done" and ap.status_key("completed") == "done"
    assert ap.status_key("") == "not_started" and ap.status_key("hmm") is None


# ---------------------------------------------------------------- the one header scanner
@pytest.mark.parametrize("rows,expected", [
    ([["Handleplan"], [], ["", "Id", "Tema", "Handling", "Ansvarlig"]], (2, 1)),
    ([["ID", "improvement area", "Handlinger"]], (0, 0)),                      # case, English, alias
    ([["Noter"], ["Id", "Mål / indikator", "Status"], ["Id", "Tema", "Handling"]], (1, 0)),  # the first one
    ([["x", "y", "Deadline", "Id", "Kilde", "zz"]], (0, 2)),                   # starts at the leftmost known
])
def test_find_header(rows, expected):
    assert ap.find_header(rows) == expected


@pytest.mark.parametrize("rows", [
    [["Tema", "Spørgsmål", "Handling", "Ansvarlig"]],   # no Id column
    [["Id", "Handling"]],                               # too few plan columns
    [["Id", "ID", "Nr."]],                              # three cells, one column (Nr. is an alias of Id)
    [[1, 2, 3], ["HP-1.1-abc", "Tema 1", "Gør noget"]],  # data, not headers
    [[]] * 40 + [["Id", "Tema", "Handling"]],           # below the rows searched
    [],
])
def test_find_header_finds_nothing(rows):
    assert ap.find_header(rows) is None


def test_plan_from_rows_maps_columns_extras_and_skips_empty_rows():
    rows = [
        ["Handleplan"],
        ["Id", "Forbedringsområde", "Handling", "Budget", "Handling", "", "Status"],
        ["HP-1", "Mere dialog", "Møde", 1000, "andet", "", "I gang"],
        ["", "", "", "", "", "", ""],
        ["M-1", "", "", "", "", "note", ""],
    ]
    t = ap.plan_from_rows(rows)
    assert (t.header_index, t.first_col) == (1, 0)
    assert [(c, k, h) for c, k, h in t.columns] == [
        (0, "id", "Id"), (1, "area", "Forbedringsområde"), (2, "action", "Handling"), (3, "x:Budget", "Budget"),
        (4, "x:Handling", "Handling"), (5, "x:Kolonne F", "Kolonne F"), (6, "status", "Status")]
    assert t.row_numbers == [3, 5]
    assert t.rows[0] == {"id": "HP-1", "area": "Mere dialog", "action": "Møde", "x:Budget": 1000,
                         "x:Handling": "andet", "x:Kolonne F": None, "status": "I gang"}
    assert t.rows[1]["id"] == "M-1" and t.rows[1]["x:Kolonne F"] == "note" and t.rows[1]["area"] is None
    assert ap.plan_from_rows(rows, "en").columns[5][2] == "Column F"


def test_kilde_holds_exactly_the_documented_values():
    """Issue 13, req 9: Kilde is one of the values docs/DESIGN.md lists, never with a date."""
    import re
    from pathlib import Path

    design = (Path(__file__).resolve().parents[1] / "docs" / "DESIGN.md").read_text("utf-8")
    listed = re.search(r"Kilde\s*\(status of the source: ([^)]*)\)", design).group(1)
    documented = {v.strip() for v in listed.split(";")[0].split("/")}
    m1 = plan_merge([], gen(("1.1", "a"), ("1.2", "b")), TODAY)
    m2 = plan_merge(m1.rows + [{"id": "", "area": "egen", "action": "x"}], gen(("1.1", "a")), TODAY, m1.state)
    values = {r["source"] for r in m1.rows + m2.rows}
    assert values <= documented, values - documented
    assert {"aktiv", "kilde fjernet", "manuel"} <= values
    assert ap.SOURCE_CARRIED("da") in documented


def test_the_deadline_column_is_frist_and_older_plans_still_read():
    """The Danish header is the vocabulary's 'Frist' (docs/ordliste.md); a plan made before,
    headed 'Deadline', and the English one are read as the same column."""
    from xl_kik.core.contract import PLAN_COLUMN_BY_KEY

    assert PLAN_COLUMN_BY_KEY["deadline"].header("da") == "Frist"
    assert PLAN_COLUMN_BY_KEY["deadline"].header("en") == "Deadline"
    assert {ap.column_key(h) for h in ("Frist", "frist", "Deadline", "DEADLINE", "Due date")} == {"deadline"}
