"""Problem codes are stable and unique; messages never crash."""

import re
from pathlib import Path

import pytest

import xl_kik
from xl_kik.core import problems

PACKAGE = Path(xl_kik.__file__).parent
DEFINE_RE = re.compile(r"""\bdefine\(\s*["']([A-Z]\d{3})["']""")


def _defined_in_sources() -> dict[str, str]:
    """Every ``define("X000", ...)`` in the package's sources, read as text: code -> module."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for code in DEFINE_RE.findall(path.read_text("utf-8")):
            assert code not in found, f"{code} defined in {found[code]} and {module}"
            found[code] = module
    return found


def test_the_source_scan_finds_codes():
    """The independent scan works (so the comparison below cannot pass on two empty sets)."""
    found = _defined_in_sources()
    for code, module in {"C001": "xl_kik.core.catalogue", "P001": "xl_kik.core.round",
                         "A001": "xl_kik.core.actionplan", "M001": "xl_kik.steps.invite"}.items():
        assert found.get(code) == module, code


def test_all_types_has_every_code_defined_in_the_sources():
    found = _defined_in_sources()
    assert sorted(problems.all_types()) == sorted(found)


def test_defining_modules_are_exactly_the_modules_that_define():
    found = _defined_in_sources()
    assert sorted(problems.DEFINING_MODULES) == sorted(set(found.values()))


def test_all_types_fails_on_a_missing_module(monkeypatch):
    monkeypatch.setattr(problems, "DEFINING_MODULES", problems.DEFINING_MODULES + ("xl_kik.no_such_module",))
    with pytest.raises(ModuleNotFoundError):
        problems.all_types()


def test_codes_unique_well_formed_and_bilingual():
    types = problems.all_types()
    for code, t in types.items():
        assert re.fullmatch(r"[CPSFRAM]\d{3}", code), code
        assert t.code == code
        assert t.title("da") and t.title("en") and t.template("da") and t.template("en")
        assert t.severity in problems.SEVERITIES


def test_problem_describe_names_where():
    t = problems.all_types()["C001"]
    p = t(file="k.xlsx", sheet="Spørgsmål", cell="A3", qid="1.1", first_row=2)
    assert p.describe("da") == ("[C001] Spørgsmåls-id 1.1 findes mere end én gang (også i række 2). "
                                "(fil k.xlsx, ark Spørgsmål, celle A3)")
    assert p.describe("en") == ("[C001] Question id 1.1 occurs more than once (also in row 2). "
                                "(file k.xlsx, sheet Spørgsmål, cell A3)")


def test_describe_does_not_repeat_what_the_message_names():
    """A message that names its file, sheet and cell itself gets no "(fil ..., ark ..., celle ...)"
    after it; one that names only the file still gets the sheet and the cell."""
    r030 = problems.all_types()["R030"]  # "I filen {file}, ark {sheet}, celle {cell} ..."
    p = r030(file="Ida.xlsx", sheet="Evaluering", cell="E7", qid="1.1", length=40000, limit=32767)
    assert p.describe("da") == "[R030] " + p.message("da")
    assert p.describe("da").count("Ida.xlsx") == 1 and p.describe("en").count("E7") == 1
    m202 = problems.all_types()["M202"]  # "{unit} ({file}) har ..."
    q = m202(file="a/kik_master.xlsm", sheet="Konsensus", cell="C5", unit="Solsikken")
    assert q.describe("da") == f"[M202] {q.message('da')} (ark Konsensus, celle C5)"
    assert q.describe("en") == f"[M202] {q.message('en')} (sheet Konsensus, cell C5)"
    assert q.describe("da").count("a/kik_master.xlsm") == 1


def test_describe_names_where_when_a_parameter_is_missing():
    """The template shown as written ("{file}" visible) is no naming: the location follows it."""
    p = problems.all_types()["R030"](file="Ida.xlsx", sheet="Evaluering", cell="E7")
    assert "{file}" in p.message("da")
    assert p.describe("da").endswith("(fil Ida.xlsx, ark Evaluering, celle E7)")


def test_missing_parameter_does_not_crash():
    """A missing parameter gives the template as written (placeholders visible), not an exception."""
    t = problems.all_types()["C001"]
    assert t(file="x", qid="1.1").message("da") == \
        "Spørgsmåls-id {qid} findes mere end én gang (også i række {first_row})."
    assert t(file="x", qid="1.1").message("en") == "Question id {qid} occurs more than once (also in row {first_row})."
