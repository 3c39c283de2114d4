"""The command line's own texts: usage, help and argparse's errors in Danish (English on request)."""

from __future__ import annotations

import argparse
import gettext

import pytest

from xl_kik import cli

# argparse's English words that must not appear in the Danish help
ENGLISH = ("usage", "positional arguments", "optional arguments", "options:", "show this help",
           "show program", "the following", "required", "invalid choice", "error:")
ROUND_ORDER = ["init", "generate", "invite", "status", "collect", "merge", "report", "plan"]
TOOLS = {"doctor", "refresh-vba", "rollup", "catalogue", "demo"}


def _subparsers(parser):
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_danish_help_of_every_subcommand_has_no_english_argparse_words():
    parser = cli.build_parser("da")
    texts = {"xl-kik": parser.format_help()}
    texts.update({name: sub.format_help() for name, sub in _subparsers(parser).items()})
    assert set(texts) == {"xl-kik", *ROUND_ORDER, *TOOLS}
    for name, text in texts.items():
        assert text.startswith("brug: xl-kik"), (name, text)
        assert "tilvalg" in text, name
        low = text.lower()
        for word in ENGLISH:
            assert word not in low, (name, word, text)
    assert "argumenter:" in texts["merge"] and "vis denne hjælp og afslut" in texts["merge"]


def test_every_option_and_argument_is_documented_in_both_languages():
    for lang in ("da", "en"):
        parser = cli.build_parser(lang)
        for name, sub in _subparsers(parser).items():
            for action in sub._actions:
                assert action.help and action.help.strip(), (lang, name, action.dest)
    da = {n: " ".join(s.format_help().split()) for n, s in _subparsers(cli.build_parser("da")).items()}
    assert "skriv kun fejl" in da["merge"]  # -q
    assert "pointskala" in da["init"]  # --scale
    assert "kun denne rapport" in da["report"]  # --only
    assert "masterfilen selv kan også angives" in da["generate"]  # dir


def test_subcommands_are_listed_in_the_order_of_a_round():
    parser = cli.build_parser("da")
    names = list(_subparsers(parser))
    assert names[: len(ROUND_ORDER)] == ROUND_ORDER
    assert set(names[len(ROUND_ORDER):]) == TOOLS
    help_text = parser.format_help()
    positions = [help_text.index(f"    {n} ") for n in ROUND_ORDER]
    assert positions == sorted(positions)


def test_argparse_errors_are_danish(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["init"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("brug: xl-kik init")
    assert "xl-kik init: fejl: disse argumenter mangler: MAPPE, --unit, --participants" in err
    with pytest.raises(SystemExit):
        cli.main(["report", "runde", "--only", "alt"])
    err = capsys.readouterr().err
    assert "fejl: argument --only: ugyldigt valg: 'alt' (vælg mellem 'svarrapport', 'konsensus')" in err
    with pytest.raises(SystemExit):
        cli.main(["merge", "a", "b"])
    assert "fejl: ukendte argumenter: b" in capsys.readouterr().err
    # an option the command does not have: told with the command's own usage (its options)
    with pytest.raises(SystemExit) as exc:
        cli.main(["plan", "runde", "--status"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith("brug: xl-kik plan") and "--overdue" in err, err
    assert "xl-kik plan: fejl: ukendte argumenter: --status" in err
    with pytest.raises(SystemExit):
        cli.main(["demo", "d", "--participants", "mange"])
    assert "ugyldig værdi (int): 'mange'" in capsys.readouterr().err


def test_english_with_lang_en_or_an_english_locale(capsys, monkeypatch):
    with pytest.raises(SystemExit):
        cli.main(["init", "--lang", "en"])
    err = capsys.readouterr().err
    assert err.startswith("usage: xl-kik init")
    assert "error: the following arguments are required: DIR, --unit, --participants" in err
    assert cli.argparse_lang(["merge", "--lang=en", "x"], {}) == "en"
    assert cli.argparse_lang(["merge", "x"], {"LANG": "en_GB.UTF-8"}) == "en"
    assert cli.argparse_lang(["merge", "x"], {"LANG": "da_DK.UTF-8"}) == "da"
    assert cli.argparse_lang(["merge", "x"], {"LANG": "C.UTF-8"}) == "da"
    assert cli.argparse_lang(["merge", "--lang", "da"], {"LC_ALL": "en_US.UTF-8"}) == "da"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    with pytest.raises(SystemExit):
        cli.main(["merge", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: xl-kik merge") and "show this help message and exit" in out
    assert "the round's folder" in out


def test_translation_is_undone_after_each_call():
    cli.build_parser("da").format_help()
    assert argparse._ is gettext.gettext  # argparse left as it was for other programs
    assert argparse.ArgumentParser(prog="x").format_usage().startswith("usage: x")
