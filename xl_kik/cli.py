"""The ``xl-kik`` command line: every button also works headless.

A door: each command parses its arguments, calls one step of :mod:`xl_kik.steps` (the
same the Excel buttons call) and reports the step's result. Errors a user can fix exit
with code 2, file errors with 3, unexpected errors with 1 (full traceback in the round's log file and with ``--debug``).
"""

from __future__ import annotations

import argparse
import inspect
import contextlib
import gc
import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn, Sequence

from xl_kik._version import __version__
from xl_kik.core.errors import KikError, KikFileError, KikInputError
from xl_kik.core.i18n import Msg
from xl_kik.core.vocabulary import LIST_LIMIT
from xl_kik.steps import Step, few_collections, round_lang

# Each step module is imported on its first use: a command loads only the libraries its own
# step needs (merge never imports e-mail, reports or pandas), which is most of a click's time.
catalogue, collect, demo, doctor, generate, init, invite, merge, plan, refresh_vba, report, rollup, status = (
    Step(name) for name in ("catalogue", "collect", "demo", "doctor", "generate", "init", "invite", "merge",
                            "plan", "refresh_vba", "report", "rollup", "status"))

log = logging.getLogger("xl_kik")

NEXT_GENERATE = Msg("Næste skridt: xl-kik generate {dir}", "Next: xl-kik generate {dir}")
UNEXPECTED = Msg(
    "Uventet fejl: {error}. Intet er ændret. Detaljer står i {log}.",
    "Unexpected error: {error}. Nothing was changed. Details are in {log}.",
)


class Output:
    """Prints for people (Danish/English) or collects JSON for scripts."""

    def __init__(self, lang: str, as_json: bool, quiet: bool = False, verbose: bool = False):
        self.lang = lang
        self.as_json = as_json
        self.quiet = quiet
        self.verbose = verbose
        self.data: dict[str, Any] = {}

    def say(self, text: str) -> None:
        if not self.as_json and not self.quiet:
            print(text)

    def msg(self, m: Msg, **params: Any) -> None:
        self.say(m(self.lang, **params))

    def result(self, **data: Any) -> None:
        self.data.update(data)

    def progress(self, label: str) -> Callable[[int, int], None]:
        """A progress callback ``cb(done, total)`` drawing a bar on stderr for long runs."""
        if self.as_json or self.quiet or not sys.stderr.isatty():
            return lambda done, total: None

        def cb(done: int, total: int) -> None:
            width = 30
            filled = int(width * done / total) if total else width
            sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

        return cb

    def finish(self) -> None:
        if self.as_json:
            print(json.dumps(self.data, ensure_ascii=False, indent=2, default=str))


# ---------------------------------------------------------------- commands
def _root(args: argparse.Namespace) -> Path:
    return Path(args.dir).expanduser().resolve()


def _report(result: Any, out: Output) -> None:
    """Every step returns a result that can describe itself for people and for scripts. Long
    lists are cut at the first 10 ("og N til") unless -v; --json always has all of them."""
    if "limit" in inspect.signature(result.summary).parameters:
        out.say(result.summary(out.lang, limit=None if out.verbose else LIST_LIMIT))
    else:
        out.say(result.summary(out.lang))
    out.result(**result.as_dict(out.lang))


def cmd_init(args: argparse.Namespace, out: Output) -> int:
    result = init.init_from_options(
        _root(args), unit=args.unit, participants=args.participants, catalogue=args.catalogue, themes=args.themes,
        scale=args.scale, deadline=args.deadline, lang=args.lang or "da", threshold=args.threshold,
        previous=args.previous)
    _report(result, out)
    out.msg(NEXT_GENERATE, dir=result.paths.root)
    return 0


def cmd_generate(args: argparse.Namespace, out: Output) -> int:
    if getattr(args, "resend", None):
        _report(generate.resend(_root(args), args.resend, lang=args.lang), out)
    else:
        _report(generate.generate_round(_root(args), lang=args.lang), out)
    return 0


def cmd_invite(args: argparse.Namespace, out: Output) -> int:
    _report(invite.write_invitations(_root(args), lang=args.lang, reminder=args.reminder, send=args.send,
                                     progress=out.progress("E-mails")), out)
    return 0


def cmd_status(args: argparse.Namespace, out: Output) -> int:
    """Who has returned, who is missing, which files cannot be used; the master is only read."""
    _report(status.round_status(_root(args), lang=out.lang), out)
    return 0


def cmd_collect(args: argparse.Namespace, out: Output) -> int:
    _report(collect.collect_from_mail(_root(args), Path(args.source).expanduser(), lang=args.lang,
                                      progress=out.progress("E-mails")), out)
    return 0


def cmd_merge(args: argparse.Namespace, out: Output) -> int:
    previous = Path(args.previous).expanduser().resolve() if getattr(args, "previous", None) else None
    _report(merge.merge_round(_root(args), lang=args.lang, previous=previous), out)
    return 0


def cmd_plan(args: argparse.Namespace, out: Output) -> int:
    if args.owner or args.overdue or args.list:
        _report(plan.follow_up_report(_root(args), owner=args.owner, overdue_only=args.overdue), out)
    else:
        _report(plan.build_plan(_root(args), lang=args.lang, restore_deleted=args.restore_deleted), out)
    return 0


def cmd_report(args: argparse.Namespace, out: Output) -> int:
    which = (args.only,) if args.only else report.KINDS
    _report(report.make_reports(_root(args), which=which, pdf=args.pdf, lang=args.lang,
                                progress=out.progress("PDF") if args.pdf else None), out)
    return 0


def cmd_rollup(args: argparse.Namespace, out: Output) -> int:
    _report(rollup.build_rollup([Path(m).expanduser() for m in args.masters], Path(args.output).expanduser(),
                                lang=out.lang, progress=out.progress("Masterfiler")), out)
    return 0


def cmd_refresh_vba(args: argparse.Namespace, out: Output) -> int:
    _report(refresh_vba.refresh_vba(_root(args), lang=out.lang), out)
    return 0


def cmd_doctor(args: argparse.Namespace, out: Output) -> int:
    if getattr(args, "fix", False):
        fixed = doctor.fix(_root(args), lang=out.lang)
        for line in fixed.lines(out.lang):
            out.say(line)
        out.result(fixed=[m(out.lang) for m in fixed.changed],
                   remaining=[f.as_dict(out.lang) for f in fixed.remaining])
        return 1 if fixed.remaining else 0
    findings = doctor.check(_root(args), lang=out.lang)
    for f in findings:
        out.say(f.describe(out.lang))
    out.result(findings=[f.as_dict(out.lang) for f in findings])
    return 1 if any(f.severity == "error" for f in findings) else 0


def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    out.result(**demo.demo_round(_root(args), lang=args.lang, participants=args.participants, say=out.say))
    return 0


def cmd_catalogue(args: argparse.Namespace, out: Output) -> int:
    _report(catalogue.show_catalogue(args.source, export=args.export), out)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Output], int]] = {
    "invite": cmd_invite,
    "collect": cmd_collect,
    "rollup": cmd_rollup,
    "report": cmd_report,
    "init": cmd_init,
    "generate": cmd_generate,
    "merge": cmd_merge,
    "status": cmd_status,
    "plan": cmd_plan,
    "demo": cmd_demo,
    "doctor": cmd_doctor,
    "refresh-vba": cmd_refresh_vba,
    "catalogue": cmd_catalogue,
}


# ---------------------------------------------------------------- the parser, in Danish
# argparse's own strings (Python 3.11-3.13), translated. argparse looks them up through its
# module-level ``_``/``ngettext`` when it builds a parser, formats help and reports an error;
# KikArgumentParser swaps in these translations for exactly those calls.
ARGPARSE_DA: dict[str, str] = {
    "usage: ": "brug: ",
    "positional arguments": "argumenter",
    "options": "tilvalg",
    "optional arguments": "tilvalg",
    "show this help message and exit": "vis denne hjælp og afslut",
    "show program's version number and exit": "vis programmets version og afslut",
    "subcommands": "kommandoer",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fejl: %(message)s\n",
    "the following arguments are required: %s": "disse argumenter mangler: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ugyldigt valg: %(value)r (vælg mellem %(choices)s)",
    "unrecognized arguments: %s": "ukendte argumenter: %s",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "expected one argument": "skal have én værdi",
    "expected at least one argument": "skal have mindst én værdi",
    "expected at most one argument": "må højst have én værdi",
    "expected %s argument": "skal have %s værdi",
    "expected %s arguments": "skal have %s værdier",
    "invalid %(type)s value: %(value)r": "ugyldig værdi (%(type)s): %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydigt tilvalg: %(option)s kan være %(matches)s",
    "not allowed with argument %s": "kan ikke bruges sammen med %s",
    "ignored explicit argument %r": "overflødig værdi ignoreret: %r",
    "one of the arguments %s is required": "et af argumenterne %s skal angives",
    "unexpected option string: %s": "uventet tilvalg: %s",
    "can't open '%(filename)s': %(error)s": "kan ikke åbne '%(filename)s': %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "ukendt kommando %(parser_name)r (vælg mellem %(choices)s)",
}


def argparse_lang(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> str:
    """The language of the command line's own texts: ``--lang`` if given, else English
    for an English locale (``LC_ALL``/``LC_MESSAGES``/``LANG`` = en*), else Danish."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args) and args[i + 1] in ("da", "en"):
            return args[i + 1]
        if a.startswith("--lang=") and a[7:] in ("da", "en"):
            return a[7:]
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "en" if value.lower().startswith("en") else "da"
    return "da"


@contextlib.contextmanager
def _argparse_texts(lang: str) -> Iterator[None]:
    if lang != "da":
        yield
        return
    old_, old_n = argparse._, argparse.ngettext  # type: ignore[attr-defined]

    def _(text: str) -> str:
        return ARGPARSE_DA.get(text, text)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return _(singular if n == 1 else plural)

    argparse._, argparse.ngettext = _, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = old_, old_n  # type: ignore[attr-defined]


class KikHelpFormatter(argparse.HelpFormatter):
    """Keeps the description's line breaks and widens the option column a little."""

    def __init__(self, prog: str, **kw: Any) -> None:
        kw.setdefault("max_help_position", 32)
        super().__init__(prog, **kw)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(super(KikHelpFormatter, self)._fill_text(par, width, indent) if par.strip() else ""
                         for par in text.split("\n"))


class KikArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose own texts (usage, headings, errors) are Danish or English."""

    def __init__(self, *a: Any, lang: str = "da", **kw: Any) -> None:
        self.lang = lang
        kw.setdefault("formatter_class", KikHelpFormatter)
        with _argparse_texts(lang):
            super().__init__(*a, **kw)

    def add_subparsers(self, **kw: Any) -> Any:
        with _argparse_texts(self.lang):
            action = super().add_subparsers(**kw)
        lang = self.lang
        parser_class = action._parser_class

        def make(**pkw: Any) -> argparse.ArgumentParser:
            return parser_class(lang=lang, **pkw)

        action._parser_class = make
        return action

    def parse_known_args(self, *a: Any, **kw: Any) -> Any:
        with _argparse_texts(self.lang):
            return super().parse_known_args(*a, **kw)

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        """argparse's ``parse_args``, except that arguments no parser knows are reported by the
        command's own parser (``brug: xl-kik plan ...``: the options of that command), not by
        the top-level one, whose usage line lists only the commands."""
        with _argparse_texts(self.lang):
            parsed, extras = super().parse_known_args(args, namespace)
            if extras:
                (self._command_parser(parsed) or self).error(
                    argparse._("unrecognized arguments: %s") % " ".join(extras))  # type: ignore[attr-defined]
            return parsed

    def _command_parser(self, parsed: Any) -> argparse.ArgumentParser | None:
        """The parser of the command ``parsed`` chose (None without commands)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action.choices.get(getattr(parsed, action.dest, None) or "")
        return None

    def format_usage(self) -> str:
        with _argparse_texts(self.lang):
            return super().format_usage()

    def format_help(self) -> str:
        with _argparse_texts(self.lang):
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with _argparse_texts(self.lang):
            self.print_usage(sys.stderr)
            self.exit(2, argparse._("%(prog)s: error: %(message)s\n")  # type: ignore[attr-defined]
                      % {"prog": self.prog, "message": message})


def _h(da: str, en: str) -> Msg:
    return Msg(da, en)


DIR_HELP = _h("rundens mappe (den med kik_master.xlsm); masterfilen selv kan også angives",
              "the round's folder (the one with kik_master.xlsm); the master file itself is accepted too")
# (name, help) in the order of a round; then the tools.
SUBCOMMANDS: tuple[tuple[str, Msg], ...] = (
    ("init", _h("1. opret en runde: rundens mappe og masterfilen", "1. create a round: folder and master file")),
    ("generate", _h("2. lav et spørgeskema til hver deltager (i udsendt/)",
                    "2. make one questionnaire per participant (in udsendt/)")),
    ("invite", _h("3. skriv invitationer som e-mails (eller send dem)", "3. write invitation e-mails (or send them)")),
    ("status", _h("4. hvem har afleveret, hvem mangler (ændrer intet)",
                  "4. who has returned, who is missing (changes nothing)")),
    ("collect", _h("5. gem vedhæftede spørgeskemaer fra gemte e-mails i retur/",
                   "5. save questionnaires attached to saved e-mails into retur/")),
    ("merge", _h("6. flet besvarelserne: Status, Svarrapport og Konsensus",
                 "6. merge the returns: Status, Answers and Consensus")),
    ("report", _h("7. svarrapport og konsensusrapport til uddeling", "7. reports to hand out")),
    ("plan", _h("8. byg handleplanen, eller vis opfølgningen", "8. build the action plan, or show the follow-up")),
    ("doctor", _h("tjek opsætningen (Python, xlwings, makroer, blokeret fil)",
                  "check the set-up (Python, xlwings, macros, blocked file)")),
    ("refresh-vba", _h("genopbyg makroerne i masterfilen efter en opgradering af xlwings",
                       "rebuild the master's macros after an xlwings upgrade")),
    ("rollup", _h("overblik på tværs af flere enheders runder", "overview across several units' rounds")),
    ("catalogue", _h("vis eller eksporter et spørgsmålskatalog", "show or export a question catalogue")),
    ("demo", _h("kør en hel simuleret runde", "run a whole simulated round")),
)


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; its texts in ``lang`` (default: :func:`argparse_lang`)."""
    lang = lang or argparse_lang()

    def t(da: str, en: str) -> str:
        return en if lang == "en" else da

    def P(**kw: Any) -> KikArgumentParser:
        return KikArgumentParser(lang=lang, **kw)

    common = P(add_help=False)
    g = common.add_argument_group(t("fælles tilvalg", "common options"))
    g.add_argument("--lang", choices=("da", "en"), default=None,
                   help=t("sprog for beskeder (standard: rundens sprog, ellers da)",
                          "language of messages (default: the round's, else da)"))
    g.add_argument("--json", action="store_true", help=t("maskinlæsbart output (JSON) til scripts",
                                                         "machine-readable output (JSON) for scripts"))
    g.add_argument("--debug", action="store_true", help=t("vis hele fejlsporingen ved fejl",
                                                          "show the full traceback on errors"))
    g.add_argument("-q", "--quiet", action="store_true", help=t("skriv kun fejl, ingen beskeder",
                                                                "print errors only, no messages"))
    g.add_argument("-v", "--verbose", action="store_true",
                   help=t("vis lange lister helt (ellers de første 10 og 'og N til')",
                          "show long lists in full (else the first 10 and 'and N more')"))

    p = P(prog="xl-kik", description=t(
        "KIK-selvevaluering i Excel. Kommandoerne står i den rækkefølge, en runde går.\n"
        "Hjælp til én kommando: xl-kik KOMMANDO --help",
        "KIK self-evaluation in Excel. The commands are listed in the order of a round.\n"
        "Help on one command: xl-kik COMMAND --help"))
    p.add_argument("--version", action="version", version=f"xl_kik {__version__}",
                   help=t("vis programmets version og afslut", "show the program's version and exit"))
    meta = t("KOMMANDO", "COMMAND")
    sub = p.add_subparsers(dest="command", required=True, metavar=meta, title=t("kommandoer", "commands"))
    helps = {name: m(lang) for name, m in SUBCOMMANDS}
    parsers: dict[str, argparse.ArgumentParser] = {}
    for name, _m in SUBCOMMANDS:
        parsers[name] = sub.add_parser(name, parents=[common], help=helps[name], description=helps[name])

    def dir_arg(s: argparse.ArgumentParser) -> None:
        s.add_argument("dir", metavar=t("MAPPE", "DIR"), help=DIR_HELP(lang))

    s = parsers["init"]
    s.add_argument("dir", metavar=t("MAPPE", "DIR"), help=t("den nye rundes mappe (må ikke indeholde en runde)",
                                                            "the new round's folder (must not hold a round)"))
    s.add_argument("--unit", required=True, metavar=t("ENHED", "UNIT"), help=t("enhedens navn, fx \"Børnehuset Solsikken\"",
                                                   "the unit's name, e.g. \"Børnehuset Solsikken\""))
    s.add_argument("--participants", required=True, metavar=t("FIL", "FILE"),
                   help=t("deltagerliste (.xlsx eller .csv) med mindst kolonnen Navn",
                          "participants list (.xlsx or .csv) with at least a Navn column"))
    s.add_argument("--catalogue", default="kik", metavar=t("kik|caf2020|FIL.xlsx", "kik|caf2020|FILE.xlsx"),
                   help=t("spørgsmålskatalog: kik (standard), caf2020 eller en .xlsx-fil",
                          "question catalogue: kik (default), caf2020 or an .xlsx file"))
    s.add_argument("--themes", default="", metavar=t("TEMAER", "THEMES"), help=t("kun disse temaer, fx 1,2,3,4, eller indsats / resultat",
                                                  "only these themes, e.g. 1,2,3,4, or indsats / resultat"))
    s.add_argument("--scale", default="0-100", choices=("0-100", "0-5"),
                   help=t("pointskala (standard: 0-100)", "points scale (default: 0-100)"))
    s.add_argument("--deadline", default=None, metavar=t("ÅÅÅÅ-MM-DD", "YYYY-MM-DD"),
                   help=t("frist for spørgeskemaerne", "the questionnaires' due date"))
    s.add_argument("--threshold", default=None, metavar=t("GRÆNSE", "LIMIT"),
                   help=t("grænse for uenighed, fx 25%% eller 0,25 (standard: 25 %%)", "disagreement limit, e.g. 25%% or 0.25 (default: 25 %%)"))
    s.add_argument("--previous", default=None, metavar=t("MAPPE", "DIR"),
                   help=t("forrige rundes mappe: åbne handlinger og point føres videre",
                          "the previous round's folder: open actions and points are carried over"))

    for name in ("generate", "status", "doctor", "refresh-vba"):
        dir_arg(parsers[name])
    parsers["doctor"].add_argument(
        "--fix", action="store_true",
        help=t("ret det, der kan rettes uden at røre data: Python-stien i xlwings.conf, VBA-projektet, "
               "kodenavne og knapperne (med filen lukket)",
               "repair what can be repaired without touching data: the Python path in xlwings.conf, the VBA "
               "project, codeNames and the buttons (with the file closed)"))
    parsers["generate"].add_argument(
        "--resend", default=None, metavar="ID",
        help=t("lav spørgeskemaet igen til én deltager med svarene fra den seneste brugbare besvarelse; "
               "felter med problemer markeres",
               "make one participant's questionnaire again with the answers of their latest usable return; "
               "cells with problems are marked"))

    s = parsers["merge"]
    dir_arg(s)
    s.add_argument("--previous", default=None, metavar=t("MAPPE", "DIR"),
                   help=t("forrige rundes mappe: vis de aftalte point ved siden af",
                          "the previous round's folder: show its agreed points alongside"))

    s = parsers["plan"]
    dir_arg(s)
    s.add_argument("--owner", default=None, metavar=t("NAVN", "NAME"),
                   help=t("vis kun handlinger for denne ansvarlige", "show only this owner's actions"))
    s.add_argument("--overdue", action="store_true", help=t("vis kun overskredne handlinger",
                                                            "show only overdue actions"))
    s.add_argument("--list", action="store_true", help=t("vis alle åbne handlinger", "show every open action"))
    s.add_argument("--restore-deleted", action="store_true",
                   help=t("hent rækker tilbage, som nogen har slettet fra handleplanen",
                          "bring back rows someone deleted from the action plan"))

    s = parsers["demo"]
    s.add_argument("dir", metavar=t("MAPPE", "DIR"), help=t("en ny mappe til demo-runden",
                                                            "a new folder for the demo round"))
    s.add_argument("--participants", type=int, default=8, metavar=t("ANTAL", "N"),
                   help=t("antal simulerede deltagere (standard: 8)", "number of simulated participants (default: 8)"))

    s = parsers["invite"]
    dir_arg(s)
    s.add_argument("--reminder", action="store_true", help=t("kun påmindelser til dem, der ikke har svaret",
                                                             "reminders only, to those who have not returned"))
    s.add_argument("--send", action="store_true", help=t("send via SMTP-opsætningen i masterfilen",
                                                         "send through the master's SMTP settings"))

    s = parsers["collect"]
    dir_arg(s)
    s.add_argument("--from", dest="source", required=True, metavar=t("MAILMAPPE", "MAILFOLDER"),
                   help=t("mappe med gemte e-mails (.eml/.msg)", "folder of saved e-mails (.eml/.msg)"))

    s = parsers["rollup"]
    s.add_argument("masters", nargs="+", metavar=t("RUNDE", "ROUND"),
                   help=t("rundernes mapper eller deres masterfiler", "the rounds' folders or their master files"))
    s.add_argument("-o", "--output", required=True, metavar=t("FIL", "FILE"),
                   help=t("overblikkets .xlsx-fil", "the overview's .xlsx file"))

    s = parsers["report"]
    dir_arg(s)
    s.add_argument("--pdf", action="store_true", help=t("også som PDF (kræver LibreOffice)",
                                                        "also as PDF (needs LibreOffice)"))
    s.add_argument("--only", choices=("svarrapport", "konsensus"), default=None,
                   help=t("kun denne rapport", "only this report"))

    s = parsers["catalogue"]
    s.add_argument("source", nargs="?", default="kik", metavar=t("KATALOG", "CATALOGUE"),
                   help=t("kik (standard), caf2020 eller en .xlsx-fil", "kik (default), caf2020 or an .xlsx file"))
    s.add_argument("--export", default=None, metavar=t("FIL", "FILE"),
                   help=t("gem kataloget som .xlsx til redigering i Excel",
                          "save the catalogue as .xlsx to edit in Excel"))
    return p


def _log_file(args: argparse.Namespace) -> Path | None:
    d = getattr(args, "dir", None)
    if not d:
        return None
    root = Path(d)
    return root / "xl_kik.log" if root.is_dir() else None


def _round_lang(args: argparse.Namespace) -> str | None:
    """The language of the round in ``args.dir`` (so an English round answers in English)."""
    d = getattr(args, "dir", None)
    if not d or args.command in ("init", "demo"):
        return None
    return round_lang(d)


def round_dir(given: str) -> str:
    """The round folder for what was typed where a round folder is asked for: the folder
    itself, or the master file (or any workbook) inside it."""
    p = Path(given).expanduser()
    if p.suffix.lower() in (".xlsm", ".xlsx") and not p.is_dir():
        p = p.parent
    return str(p)


def main(argv: Sequence[str] | None = None) -> int:
    """``xl-kik``: run the command in ``argv`` (default: the program's own command line).

    Without ``argv`` (``xl-kik``, ``python -m xl_kik``: the process ends when the command has)
    every object left is handed to ``gc.freeze()`` at the end, so the interpreter's exit does
    not walk them all again for garbage cycles: about 40 ms of a 15-person merge or plan
    (issue 14). Open files are still closed and flushed at the exit; a caller passing ``argv``
    (tests, a Python program running several commands) keeps the collector as it was."""
    with few_collections():  # the command's collector (xl_kik.steps.COMMAND_GC_THRESHOLD)
        try:
            return _main(argv)
        finally:
            if argv is None:
                gc.freeze()


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(argparse_lang(argv))
    args = parser.parse_args(argv)
    if getattr(args, "dir", None) and args.command not in ("init", "demo"):
        args.dir = round_dir(args.dir)
    lang = args.lang or _round_lang(args) or "da"
    out = Output(lang, args.json, args.quiet, getattr(args, "verbose", False))
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(message)s")
    try:
        code = COMMANDS[args.command](args, out)
    except KikError as exc:
        out.say(exc.details(lang))
        out.result(error=exc.message, problems=[p.as_dict(lang) for p in exc.problems])
        out.finish()
        if args.debug:
            traceback.print_exc()
        return 2 if isinstance(exc, KikInputError) else 3 if isinstance(exc, KikFileError) else 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a bare crash for a coordinator
        logfile = _log_file(args)
        text = traceback.format_exc()
        if logfile is not None:
            try:
                with open(logfile, "a", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError:
                logfile = None
        out.say(UNEXPECTED(lang, error=f"{type(exc).__name__}: {exc}", log=logfile or "terminalen"))
        out.result(error=f"{type(exc).__name__}: {exc}")
        out.finish()
        if args.debug or logfile is None:
            sys.stderr.write(text)
        return 1
    out.finish()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
