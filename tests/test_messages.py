"""Issue 13, requirement 3: every user-facing text of the package keeps to the one vocabulary.

The scan imports every module of ``xl_kik``, collects every :class:`Msg` (module globals,
inside dicts, lists, tuples and counted nouns) and every problem template, and fails on

* bracket plurals: "fil(er)", "bemærkning(er)", "række(r)", "spørgsmål(e)";
* English words in Danish texts (deadline, file, folder, merge, button ...);
* words of the "ikke" column of docs/ordliste.md (deltagerfil, masterfil, skema ...);
* a button named in quotes that is not one of the master's captions.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import xl_kik
from xl_kik.core import problems, vocabulary
from xl_kik.core.i18n import Msg

# "status" is left out on purpose: Status is a Danish sheet name.
ENGLISH = ("deadline", "file", "files", "folder", "merge", "merged", "button", "workbook", "sheet", "click",
           "participant", "round", "remarks", "error", "warning", "missing", "report", "output", "upload",
           "download", "template", "score", "scores", "the", "and", "not", "please")
#: the "ikke" column of docs/ordliste.md that can be told apart by a word match
NOT_OURS = ("deltagerfil", "deltagerfiler", "deltagerfilen", "deltagerfilerne", "skema", "skemaet", "skemaer",
            "evalueringsfil", "master-projektmappe", "masterfil", "masterfilens", "master-filen",
            "indbakke", "retur-folder", "koordinator", "koordinatoren", "respondent", "respondenter",
            "actionplan", "indsatsplan", "rådata", "svaroversigt", "scoreskala", "spørgeramme")
BRACKET_PLURAL = re.compile(r"\w\((?:e|er|r|erne|ne|s)\)", re.IGNORECASE)
BUTTON_QUOTED = re.compile(r"(?:knappen|knap|knapperne)\s+['‘’\"“”]([^'‘’\"“”]+)['‘’\"“”]"
                           r"|['‘’\"“”]([^'‘’\"“”]+)['‘’\"“”]-knappen", re.IGNORECASE)
BUTTON_QUOTED_EN = re.compile(r"(?:the\s+)?['‘’\"“”]([^'‘’\"“”]+)['‘’\"“”]\s+button", re.IGNORECASE)


def _modules():
    names = ["xl_kik"]
    for info in pkgutil.walk_packages(xl_kik.__path__, "xl_kik."):
        names.append(info.name)
    out = []
    for name in names:
        out.append(importlib.import_module(name))
    return out


def _walk(value, where, seen, out):
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, Msg):
        out.append((where, value))
    elif isinstance(value, vocabulary.Count):
        _walk(value.one, where, seen, out)
        _walk(value.many, where, seen, out)
    elif isinstance(value, problems.ProblemType):
        _walk(value.title, f"{where} ({value.code} title)", seen, out)
        _walk(value.template, f"{where} ({value.code})", seen, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk(v, f"{where}[{k!r}]", seen, out)
    elif isinstance(value, (list, tuple, frozenset, set)):
        for i, v in enumerate(value):
            _walk(v, f"{where}[{i}]", seen, out)


def all_texts() -> list[tuple[str, Msg]]:
    out: list[tuple[str, Msg]] = []
    seen: set[int] = set()
    for module in _modules():
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            if getattr(value, "__module__", module.__name__) != module.__name__ and not isinstance(
                    value, (Msg, vocabulary.Count, problems.ProblemType, dict, list, tuple)):
                continue
            _walk(value, f"{module.__name__}.{name}", seen, out)
    for code, ptype in problems.all_types().items():
        _walk(ptype, f"problem {code}", seen, out)
    return out


def inline_texts() -> list[tuple[str, Msg]]:
    """``Msg("...", "...")`` written inside functions (not reachable from module globals)."""
    import ast
    from pathlib import Path

    out = []
    for path in sorted(Path(xl_kik.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Msg" and len(node.args) == 2
                    and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)):
                out.append((f"{path.name}:{node.lineno}", Msg(node.args[0].value, node.args[1].value)))
    return out


TEXTS = all_texts() + inline_texts()


def _danish(msg: Msg) -> str:
    """The Danish text without its placeholders ({file}) and quoted literals (file names, keys)."""
    text = re.sub(r"\{[^{}]*\}", " ", msg.da)
    return text


def test_the_scan_finds_the_package_texts():
    """The scan itself works: it sees texts of every layer, counted nouns and problem templates."""
    wheres = " ".join(w for w, _ in TEXTS)
    assert len(TEXTS) > 500
    for needle in ("xl_kik.steps.merge.T", "xl_kik.excel.sheets.status.SUMMARY", "(R032)",
                   "xl_kik.core.vocabulary.FILES", "xl_kik.cli.", "round.py:"):
        assert needle in wheres, needle


@pytest.mark.parametrize("sample, bad", [("1 fil(er) kunne ikke bruges", True), ("bemærkning(er)", True),
                                         ("spørgsmål(ene)", False), ("3 filer", False), ("Evaluering (A7)", False)])
def test_the_bracket_rule_catches_what_it_should(sample, bad):
    assert bool(BRACKET_PLURAL.search(sample)) is bad


def test_no_bracket_plurals():
    bad = [f"{w}: {m.da!r}" for w, m in TEXTS if BRACKET_PLURAL.search(m.da)]
    bad += [f"{w}: {m.en!r}" for w, m in TEXTS if BRACKET_PLURAL.search(m.en)]
    assert not bad, "\n".join(bad)


def test_no_english_words_in_danish_texts():
    words = re.compile(r"(?<![\w.'/_-])(" + "|".join(ENGLISH) + r")(?![\w.'/_-])", re.IGNORECASE)
    bad = []
    for where, msg in TEXTS:
        if msg.da == msg.en and not re.search(r"[æøåÆØÅ]", msg.da):
            continue  # a code, a name or a number format: the same in both languages
        text = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`|xl-kik [\w-]+(?: --?[\w-]+)*|--?[\w-]+|\S+\.\w{3,4}\b", " ",
                      _danish(msg))
        found = words.findall(text)
        if found:
            bad.append(f"{where}: {found} in {msg.da!r}")
    assert not bad, "\n".join(bad)


#: the endings of a Danish noun (the definite, the plural, the genitive): "master-projektmappen"
#: and "skemaerne" are words of the "ikke" column too; not for "masterfil", whose definite form
#: is the term itself ("masterfilen"; the ones not ours are listed)
INFLECTED = r"(?:n|en|et|ne|er|erne|ene|s|ns|ens|ets|ers|ernes)?"
NOT_INFLECTED = ("masterfil",)


def test_only_the_vocabulary_words():
    stems = "|".join(re.escape(w) for w in NOT_OURS if w not in NOT_INFLECTED)
    exact = "|".join(re.escape(w) for w in NOT_INFLECTED)
    words = re.compile(rf"(?<![\w-])((?:{stems}){INFLECTED}|{exact})(?![\w-])", re.IGNORECASE)
    bad = [f"{w}: {words.findall(m.da)} in {m.da!r}" for w, m in TEXTS if words.search(_danish(m))]
    assert not bad, "\n".join(bad)


def test_english_texts_name_the_english_sheets():
    """An English round's sheets have English names (Answers, Consensus ...): English texts do
    not name the Danish ones."""
    danish = re.compile(r"\b(Svarrapport|Konsensus|Deltagere|Opsætning|Spørgsmål|Handleplan|Dagsorden|Opfølgning|"
                        r"Vejledning|Evaluering|Prioritering|Forrige)\b")
    bad = [f"{w}: {m.en!r}" for w, m in TEXTS if danish.search(m.en)]
    assert not bad, "\n".join(bad)


def test_english_texts_say_answer_report():
    """One English name for the svarrapport: the vocabulary's ("answer report"), not "answers report"."""
    assert vocabulary.TERMS["answer_report"].en == "answer report"
    bad = [f"{w}: {m.en!r}" for w, m in TEXTS if re.search(r"answers\s+report", m.en, re.IGNORECASE)]
    assert not bad, "\n".join(bad)


def test_english_texts_say_master_file():
    """The English word is the vocabulary's ("the master file", ``TERMS['master']``), not "master workbook"."""
    assert vocabulary.TERMS["master"].en == "the master file"
    bad = [f"{w}: {m.en!r}" for w, m in TEXTS if re.search(r"master\s+workbooks?", m.en, re.IGNORECASE)]
    assert not bad, "\n".join(bad)


#: button names used before the captions were fixed; a quoted one must be the caption itself
#: Excel's own buttons a participant is told to click
EXCEL_BUTTONS = ("Aktivér redigering", "Enable Editing", "Aktivér indhold", "Enable Content", "Gem som", "Save As",
                 "Filer", "File")
OLD_BUTTON_NAMES = ("byg handleplan", "lav deltagerfiler", "flet", "generate", "merge", "build action plan", "plan")
QUOTED = re.compile(r"(klik|click|af|by|med|with)?\s*['‘’\"“”]([^'‘’\"“”{}]+)['‘’\"“”]", re.IGNORECASE)


def _caption_tail(caption: str) -> str:
    return re.sub(r"^\d+\.\s*", "", caption).casefold()


def test_quoted_button_names_are_exact_captions():
    """'Flet besvarelser' without its number, or an old name ('Byg handleplan'), is not a caption."""
    for lang in ("da", "en"):
        captions = {m.text(lang) for m in vocabulary.BUTTONS.values()}
        tails = {_caption_tail(c) for c in captions} | set(OLD_BUTTON_NAMES)
        bad = []
        for where, msg in TEXTS:
            for verb, name in QUOTED.findall(msg.text(lang)):
                looks_like_button = name.casefold() in tails or (verb.casefold() in ("klik", "click"))
                if looks_like_button and name not in captions and name not in EXCEL_BUTTONS:
                    bad.append(f"{where}: {name!r} in {msg.text(lang)!r}")
        assert not bad, "\n".join(bad)


def test_buttons_are_quoted_by_their_captions():
    captions_da = {m.da for m in vocabulary.BUTTONS.values()}
    captions_en = {m.en for m in vocabulary.BUTTONS.values()}
    bad = []
    for where, msg in TEXTS:
        for groups in BUTTON_QUOTED.findall(msg.da):
            name = next(g for g in groups if g)
            if name not in captions_da and "{" not in name:
                bad.append(f"{where}: {name!r} in {msg.da!r}")
        for name in BUTTON_QUOTED_EN.findall(msg.en):
            if name not in captions_en and "{" not in name:
                bad.append(f"{where}: {name!r} in {msg.en!r}")
    assert not bad, "\n".join(bad)


# ---------------------------------------------------------------- the "ved ikke" label
#: a phrase in quotes or brackets; an apostrophe between letters (don't) belongs to the phrase
QUOTED_PHRASE = re.compile(r"(?<!\w)['‘\"“(]((?:[^'‘’\"“”()\n]|(?<=\w)['’](?=\w))+?)['’\"”)](?!\w)")


def _label_spellings(text: str) -> list[str]:
    """The quoted or bracketed phrases of ``text`` (and ``text`` itself) that the reader takes
    for the "ved ikke" label."""
    from xl_kik.core.returns import is_dont_know

    return [p for p in [text, *QUOTED_PHRASE.findall(text)] if is_dont_know(p)]


@pytest.mark.parametrize("sample, found", [
    ("Pick 'do not know' from the list", ["do not know"]),
    ("Blank answers (don't know) are ignored", ["don't know"]),
    ("If you don't know, pick 'x' from the list", []),
    ("mange 'ved ikke'", ["ved ikke"]),
    ("Du ved det ikke.", []),
    ("ved ikke", ["ved ikke"]),
])
def test_the_label_scan_finds_quoted_spellings(sample, found):
    assert _label_spellings(sample) == found


def test_texts_quote_the_dont_know_label_as_the_list_has_it():
    """A text that names the points list's "ved ikke" item spells it as the item is
    (``TERMS["dont_know"]``): an English text saying "don't know" would send a participant to
    type what the list refuses in a new workbook."""
    label = vocabulary.TERMS["dont_know"]
    bad = []
    for where, msg in TEXTS:
        for lang, text in (("da", msg.da), ("en", msg.en)):
            bad += [f"{where} ({lang}): {p!r} in {text!r}" for p in _label_spellings(text) if p != label(lang)]
    assert not bad, "\n".join(bad)
