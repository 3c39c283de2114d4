"""Golden files: the generated scoring workbook, part by part, against committed XML.

The comparison follows XlsxWriter's own test helper (``_compare_xlsx_files``): unzip both,
compare the list of parts, then each XML part as a list of elements (split at ``><``)
after removing volatile bits (dates in ``docProps/core.xml``, the xl_kik version) and
sorting the attributes of every element and the entries of ``.rels``/content types.

The golden parts live in ``tests/golden/<case>/`` as normalised text (one element per
line), so a change shows as a readable diff. After an intended change regenerate them::

    XL_KIK_UPDATE_GOLDEN=1 pytest tests/test_golden.py

How a change to a golden file is reviewed:

1. Regenerate only after the failing comparison has been read: its message is the diff.
2. ``git diff tests/golden/`` must show only lines the code change explains (one element per
   line makes every changed text, attribute or part visible); anything else is a regression
   to fix, not to regenerate.
3. Commit the golden files together with the code that changed them, and say in the commit
   message which parts changed and why (e.g. "sharedStrings: the Vejledning names the new-line
   keys of Excel, Mac and LibreOffice"). A reviewer of that commit checks the two against
   each other; a golden change without such a line is sent back.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import zipfile
from pathlib import Path

import pytest

from scoring_fixtures import fixed_setup
from xl_kik.core import contract
from xl_kik.excel import cache, scoring
from xl_kik._version import GENERATOR
from xl_kik.core.round import Participant
from xl_kik.excel.scoring import ScoringTemplate

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("XL_KIK_UPDATE_GOLDEN", "") not in ("", "0")
MANIFEST = "_parts.txt"

CASES = {
    "scoring_da": (dict(lang="da"), Participant("D01", "Ida Ørsted & <Co>")),
    "scoring_en": (dict(lang="en", deadline=None, anonymise=False), Participant("D02", "Bo Ærø")),
}

_ATTR_RE = re.compile(r'([\w:.-]+)="([^"]*)"')
_TAG_RE = re.compile(r"^(</?[\w:.-]+)(.*?)(/?>)$", re.S)


def _sort_attributes(element: str) -> str:
    m = _TAG_RE.match(element)
    if not m or element.startswith("<?"):
        return element
    head, rest, tail = m.groups()
    attrs = _ATTR_RE.findall(rest)
    if not attrs:
        return element
    leftover = _ATTR_RE.sub("", rest).strip()
    body = " ".join(f'{k}="{v}"' for k, v in sorted(attrs))
    return f"{head} {body}{(' ' + leftover) if leftover else ''}{tail}"


def normalise_part(name: str, data: bytes) -> list[str]:
    """A zip part as a list of normalised XML elements (text stays with its element)."""
    text = data.decode("utf-8").replace("\r", "")
    text = text.replace(GENERATOR, "xl_kik <version>")
    if name == "docProps/core.xml":
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "", text)
    if name == "docProps/app.xml":
        text = re.sub(r"<AppVersion>[^<]*</AppVersion>", "<AppVersion/>", text)
    elements = re.split(r">\s*<", text.strip())
    out = []
    for i, el in enumerate(elements):
        if i > 0:
            el = "<" + el
        if i < len(elements) - 1:
            el = el + ">"
        # sort the attributes of the element's start tag (text after it is kept as is)
        m = re.match(r"(<[^<>]*>)(.*)$", el, re.S)
        if m:
            el = _sort_attributes(m.group(1)) + m.group(2)
        out.append(el.replace("\\", "\\\\").replace("\n", "\\n"))  # one element per line
    if name == "[Content_Types].xml" or name.endswith(".rels"):
        out = out[:2] + sorted(out[2:-1]) + out[-1:]
    return out


def normalise(xlsx: bytes) -> dict[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        return {n: normalise_part(n, zf.read(n)) for n in sorted(zf.namelist())}


def build(case: str) -> bytes:
    changes, participant = CASES[case]
    return ScoringTemplate(fixed_setup(**changes)).render(participant)


def write_golden(case: str, parts: dict[str, list[str]]) -> None:
    root = GOLDEN / case
    for old in sorted(root.rglob("*"), reverse=True) if root.exists() else []:
        if old.is_file():
            old.unlink()
    for name, lines in parts.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / MANIFEST).write_text("\n".join(parts) + "\n", encoding="utf-8")


def read_golden(case: str) -> dict[str, list[str]]:
    root = GOLDEN / case
    names = (root / MANIFEST).read_text("utf-8").split()
    return {n: (root / n).read_text("utf-8").rstrip("\n").split("\n") for n in names}


def compare(got: dict[str, list[str]], exp: dict[str, list[str]]) -> str:
    """'' if equal, else a unified diff of every differing part (first 60 lines each)."""
    if list(got) != list(exp):
        return f"parts differ:\n got: {list(got)}\n exp: {list(exp)}"
    out = []
    for name in exp:
        if got[name] != exp[name]:
            diff = difflib.unified_diff(exp[name], got[name], f"golden/{name}", f"generated/{name}",
                                        lineterm="", n=2)
            out.append("\n".join(list(diff)[:60]))
    return "\n".join(out)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case):
    got = normalise(build(case))
    if UPDATE:
        write_golden(case, got)
    if not (GOLDEN / case / MANIFEST).exists():
        pytest.fail(f"no golden files for {case}; run XL_KIK_UPDATE_GOLDEN=1 pytest tests/test_golden.py")
    problem = compare(got, read_golden(case))
    assert not problem, problem + "\n\nIf the change is intended: XL_KIK_UPDATE_GOLDEN=1 pytest tests/test_golden.py"


def test_normalise_sorts_attributes_and_drops_dates():
    a = normalise_part("docProps/core.xml", b'<a y="1" x="2"><b>2026-01-02T03:04:05Z</b></a>')
    b = normalise_part("docProps/core.xml", b'<a x="2" y="1"><b>2027-11-12T13:14:15Z</b></a>')
    assert a == b == ['<a x="2" y="1">', "<b>", "</b>", "</a>"]
    assert normalise_part("x.xml", b"<t>two\nlines</t>") == ["<t>two\\nlines</t>"]


# The golden comparison must notice the things that protect a participant's answers.
def _mutated(monkeypatch, attr, value) -> str:
    monkeypatch.setattr(scoring, attr, value)
    monkeypatch.setenv(cache.ENV, "off")  # built by the changed code: the stamp sees files, not patches
    return compare(normalise(build("scoring_da")), read_golden("scoring_da"))


def test_golden_catches_a_protection_change(monkeypatch):
    def weaker(ws):
        ws.protect("", {"format_rows": True, "format_columns": True, "insert_rows": True})

    problem = _mutated(monkeypatch, "_protect", weaker)
    assert "sheetProtection" in problem


def test_golden_catches_a_validation_change(monkeypatch):
    problem = _mutated(monkeypatch, "MAX_TEXT_CHARS", 4000)
    assert "generated/xl/worksheets/sheet2.xml" in problem and "<formula1>4000</formula1>" in problem


def test_golden_catches_an_unlocked_cell(monkeypatch):
    real = scoring._formats

    def formats(wb):
        fmt = real(wb)
        fmt["locked"] = wb.add_format({"locked": False, "text_wrap": True})  # question text unlocked
        return fmt

    problem = _mutated(monkeypatch, "_formats", formats)
    assert "generated/xl/styles.xml" in problem


def test_golden_catches_a_layout_change(monkeypatch):
    # the layout is data in the contract; the writer follows it
    monkeypatch.setattr(contract, "SCORING_HEADER_ROW", 7)
    monkeypatch.setenv(cache.ENV, "off")  # as in _mutated
    problem = compare(normalise(build("scoring_da")), read_golden("scoring_da"))
    assert problem
