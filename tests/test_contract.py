"""core/contract: the file contracts as data are complete and agree with themselves.

Expected values are written out here (the contract is what shipped files contain: a change
to one of these is a change of the file format and needs a migration, not a test update).
"""

from __future__ import annotations

import re

from xl_kik.core import contract as c
from xl_kik.core.catalogue import builtin, scale
from xl_kik.core.round import RoundSetup


def test_konsensus_columns_have_headers_and_labels_in_both_languages():
    assert set(c.KONSENSUS_HEADERS) == set(c.KONSENSUS_KEYS) == set(c.KONSENSUS_LABELS)
    for key in c.KONSENSUS_KEYS:
        for table in (c.KONSENSUS_HEADERS, c.KONSENSUS_LABELS):
            assert table[key]("da") and table[key]("en"), key
    assert set(c.KONSENSUS_INPUT_KEYS) <= set(c.KONSENSUS_KEYS)
    assert c.KONSENSUS_KEYS[0] == "qid"  # the key column is column A (readers look for it there)


def test_konsensus_choices_match_their_ids():
    assert set(c.KONSENSUS_CHOICES) == set(c.KONSENSUS_CHOICE_IDS) == {"to_plan", "effect", "feasibility", "decision"}
    for key, ids in c.KONSENSUS_CHOICE_IDS.items():
        assert len(c.KONSENSUS_CHOICES[key]["da"]) == len(c.KONSENSUS_CHOICES[key]["en"]) == len(ids), key
    assert c.KONSENSUS_CHOICES["effect"]["da"] == ("Høj", "Middel", "Lav")
    assert c.KONSENSUS_CHOICE_IDS["feasibility"] == ("easy", "medium", "hard")


def test_master_sheets_names_and_codenames():
    keys = set(c.MASTER_SHEET_KEYS)
    assert len(c.MASTER_SHEET_KEYS) == len(keys) == 15
    assert set(c.MASTER_SHEET_NAMES["da"]) == set(c.MASTER_SHEET_NAMES["en"]) == set(c.MASTER_CODE_NAMES) == keys
    codes = list(c.MASTER_CODE_NAMES.values())
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", n) for n in codes)  # VBA identifiers
    for lang in ("da", "en"):
        names = list(c.MASTER_SHEET_NAMES[lang].values())
        assert len({n.casefold() for n in names}) == len(names)  # Excel: sheet names are case-insensitive
        assert all(len(n) <= 31 and not re.search(r"[\\/?*\[\]:]", n) for n in names)
    assert set(c.PLAN_SHEET_KEYS) <= keys
    assert c.MASTER_SHEET_NAMES["da"]["consensus"] == "Konsensus" and c.MASTER_CODE_NAMES["plan"] == "shPlan"


def test_setup_rows():
    assert c.SETUP_FIRST_ROW == 4 and len(c.SETUP_KEYS) == 17  # + coordinator, coordinator_email (issue 13), disagreement_rule
    assert c.smtp_first_row() == 23  # 4 + 17 keys + a blank row + the heading
    assert set(c.OPTIONAL_SETUP_KEYS) <= set(c.SETUP_KEYS)
    assert not set(c.SETUP_KEYS) & set(c.SMTP_KEYS)


def test_scoring_metadata_keys():
    assert len(c.META_KEYS) == len(set(c.META_KEYS)) == 24
    assert set(c.CUSTOM_PROPERTY_KEYS) <= set(c.META_KEYS)
    assert c.SCORING_COLUMNS["points"] == "E" and c.SCORING_HEADER_ROW == 6


def test_layout_fingerprint_is_pinned():
    """sha256 of 'xl_kik.scoring/1|1.1,1.2,2.1|A|E|F|G|H', first 16 hex digits. Every scoring file
    sent out carries this value: if it changes, no returned file is recognised any more."""
    assert c.layout_fingerprint(["1.1", "1.2", "2.1"], "A", "E", "F", "G", "H") == "6315f06070300275"


def test_make_layout_rows_follow_themes():
    cat = builtin("kik")
    setup = RoundSetup("R1", "U", cat, scale("0-100"), "da")
    lay = c.make_layout(setup)
    first_theme = cat.themes[0]
    first_q = cat.questions_of(first_theme.id)[0]
    assert lay.rows[first_q.id] == 8  # header row 6, theme row 7, first question row 8
    assert lay.sheet == "Evaluering" and lay.questions == cat.question_ids


def test_plan_columns():
    keys = [col.key for col in c.PLAN_COLUMNS]
    assert keys[0] == "id" and keys[-1] == "source" and len(keys) == len(set(keys)) == 16
    assert c.PLAN_COLUMN_BY_KEY["area"].header("da") == "Forbedringsområde"
    assert c.PLAN_COLUMN_BY_KEY["area"].label("en") == "Improvement area"
    assert {col.key for col in c.PLAN_COLUMNS if col.is_date} == {"start", "deadline", "last_follow_up"}


def test_choice_ids_are_the_value_levels_in_order():
    """The Konsensus choices, the plan's level texts and core.values' levels are one list."""
    from xl_kik.core import actionplan, values

    assert c.KONSENSUS_CHOICE_IDS["effect"] == values.EFFECT_LEVELS == ("high", "medium", "low")
    assert c.KONSENSUS_CHOICE_IDS["feasibility"] == values.FEASIBILITY_LEVELS == ("easy", "medium", "hard")
    assert c.KONSENSUS_CHOICE_IDS["decision"] == values.DECISION_LEVELS == ("adopted", "pending", "rejected")
    assert actionplan.LEVEL_TEXT["feasibility"]["en"] == ("Easy", "Medium", "Hard")
