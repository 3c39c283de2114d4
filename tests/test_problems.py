"""Problem codes are stable and unique; messages never crash."""

import re

from xl_kik.core import problems


def test_codes_unique_well_formed_and_bilingual():
    types = problems.all_types()
    assert len(types) >= 20
    for code, t in types.items():
        assert re.fullmatch(r"[CPSFRAM]\d{3}", code), code
        assert t.title("da") and t.title("en") and t.template("da") and t.template("en")
        assert t.severity in problems.SEVERITIES


def test_problem_describe_names_where():
    t = problems.all_types()["C001"]
    p = t(file="k.xlsx", sheet="Spørgsmål", cell="A3", qid="1.1", first_row=2)
    text = p.describe("da")
    assert text.startswith("[C001]") and "fil k.xlsx" in text and "ark Spørgsmål" in text and "celle A3" in text
    assert "file k.xlsx" in p.describe("en")


def test_missing_parameter_does_not_crash():
    t = problems.all_types()["C001"]
    assert "{" in t(file="x").message("da") or t(file="x").message("da")
