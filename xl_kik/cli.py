"""The ``xl-kik`` command line: every button also works headless.

Each command is a thin wrapper around one core function (the same the Excel buttons
call). Errors a user can fix exit with code 2, file errors with 3, unexpected errors
with 1 (full traceback in the round's log file and with ``--debug``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Sequence

from xl_kik._version import __version__
from xl_kik.core.i18n import Msg
from xl_kik.core.errors import KikError, KikFileError, KikInputError

log = logging.getLogger("xl_kik")

UNEXPECTED = Msg(
    "Uventet fejl: {error}. Intet er ændret. Detaljer står i {log}.",
    "Unexpected error: {error}. Nothing was changed. Details are in {log}.",
)


class Output:
    """Prints for people (Danish/English) or collects JSON for scripts."""

    def __init__(self, lang: str, as_json: bool, quiet: bool = False):
        self.lang = lang
        self.as_json = as_json
        self.quiet = quiet
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


def cmd_init(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.core import catalogue as cat
    from xl_kik.core.round import parse_date, parse_threshold, read_participants
    from xl_kik.steps.init import init_round

    catalogue = cat.resolve(args.catalogue)
    themes = [t for t in (args.themes or "").replace(";", ",").split(",") if t.strip()] or None
    if args.themes in ("indsats", "resultat"):
        themes = [t.id for t in catalogue.themes if t.side == args.themes]
    participants = read_participants(args.participants)
    paths = init_round(
        _root(args),
        unit=args.unit,
        participants=participants,
        catalogue=catalogue,
        scale=cat.scale(args.scale),
        themes=themes,
        deadline=parse_date(args.deadline),
        lang=args.lang or "da",
        threshold=parse_threshold(args.threshold) if args.threshold else None,
        previous_root=Path(args.previous).resolve() if args.previous else None,
    )
    out.msg(Msg("Runden er oprettet: {path}", "The round was created: {path}"), path=paths.master)
    out.msg(Msg("Næste skridt: xl-kik generate {dir}", "Next: xl-kik generate {dir}"), dir=args.dir)
    out.result(master=str(paths.master), participants=len(participants))
    return 0


def cmd_generate(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.steps.init import generate_round

    result = generate_round(_root(args), lang=args.lang)
    for participant, path in result:
        out.say(f"  {participant.name}: {path.name}")
    out.msg(Msg("{n} deltagerfiler er skrevet i {dir}", "{n} participant files written to {dir}"),
            n=len(result), dir=(_root(args) / "udsendt"))
    out.result(files=[{"participant": p.pid, "name": p.name, "file": str(f)} for p, f in result])
    return 0


def cmd_merge(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.steps import merge

    previous = Path(args.previous).expanduser().resolve() if getattr(args, "previous", None) else None
    result = merge.merge_round(_root(args), lang=args.lang, previous=previous)
    out.say(result.summary(out.lang))
    out.result(**result.as_dict(out.lang))
    return 0


STATUS_LINE = Msg("{returned} af {total} har afleveret; {missing} mangler.",
                  "{returned} of {total} have returned; {missing} missing.")
STATUS_MISSING = Msg("Mangler: {names}", "Missing: {names}")
STATUS_PROBLEMS = Msg("Filer med fejl (ikke brugt):", "Files with errors (not used):")


def cmd_status(args: argparse.Namespace, out: Output) -> int:
    """Who has returned, who is missing, which files cannot be used; the master is only read."""
    from xl_kik.excel import master
    from xl_kik.core import returns
    from xl_kik.core.round import RoundPaths

    root = _root(args)
    setup, participants = master.load_round(root)
    col = returns.collect_returns(RoundPaths(root).returns, setup, participants, lang=out.lang)
    out.msg(STATUS_LINE, returned=len(col.responses), total=len(participants), missing=len(col.missing))
    for pid, resp in col.responses.items():
        out.say(f"  {resp.name}: {resp.file.name} ({resp.answered}/{len(setup.question_ids)})")
    if col.missing:
        out.msg(STATUS_MISSING, names=", ".join(p.name for p in col.missing))
    bad = [r for r in col.results if not r.accepted and r.report.errors]
    if bad:
        out.msg(STATUS_PROBLEMS)
        for r in bad:
            out.say(f"  {r.path.name}: {r.report.errors[0].describe(out.lang)}")
    out.result(returned=[{"id": pid, "name": r.name, "file": r.file.name, "answered": r.answered}
                         for pid, r in col.responses.items()],
               missing=[{"id": p.pid, "name": p.name, "email": p.email} for p in col.missing],
               unusable=[{"file": r.path.name, "problems": [p.as_dict(out.lang) for p in r.report.errors]}
                         for r in bad])
    return 0


def cmd_plan(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.core import actionplan

    root = _root(args)
    if not (args.owner or args.overdue or args.list):
        result = actionplan.build_plan(root, lang=args.lang, restore_deleted=args.restore_deleted)
        out.say(result.summary(out.lang))
        out.result(**result.as_dict())
        return 0
    rows = actionplan.follow_up(root, owner=args.owner, overdue_only=args.overdue)
    out.say(actionplan.format_follow_up(rows, out.lang, owner=args.owner, overdue_only=args.overdue))
    out.result(actions=[r.as_dict() for r in rows])
    return 0


def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.demo import round as demo

    summary = demo.run_demo(_root(args), lang=args.lang, participants=args.participants, say=out.say)
    out.result(**summary)
    return 0


def cmd_doctor(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.steps import doctor

    findings = doctor.check(_root(args), lang=out.lang)
    worst = 0
    for f in findings:
        out.say(f.describe(out.lang))
        worst = max(worst, {"ok": 0, "warning": 0, "error": 1}.get(f.severity, 0))
    out.result(findings=[f.as_dict(out.lang) for f in findings])
    return worst


def cmd_refresh_vba(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.excel import master

    version = master.refresh_vba(_root(args))
    out.msg(Msg("VBA-projektet er genopbygget til xlwings {v}.", "The VBA project was rebuilt for xlwings {v}."),
            v=version)
    out.result(xlwings=version)
    return 0


def cmd_catalogue(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.core import catalogue as cat

    c = cat.resolve(args.source)
    if args.export:
        cat.export_xlsx(c, args.export)
        out.msg(Msg("Kataloget er gemt i {path}", "The catalogue was saved to {path}"), path=args.export)
    out.msg(Msg("Katalog {id} version {v}: {t} temaer, {q} spørgsmål, fingeraftryk {fp}",
                "Catalogue {id} version {v}: {t} themes, {q} questions, fingerprint {fp}"),
            id=c.id, v=c.version, t=len(c.themes), q=len(c.questions), fp=c.fingerprint)
    out.result(id=c.id, version=c.version, themes=len(c.themes), questions=len(c.questions), fingerprint=c.fingerprint)
    return 0


def _print_result(result: Any, out: Output) -> None:
    out.say(result.summary(out.lang))
    out.result(**result.as_dict(out.lang))


def cmd_invite(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.steps import invite as mail

    result = mail.write_invitations(_root(args), lang=args.lang, reminder=args.reminder, send=args.send,
                                    progress=out.progress("E-mails"))
    _print_result(result, out)
    return 0


def cmd_collect(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.steps import collect

    result = collect.collect_from_mail(_root(args), Path(args.source).expanduser(), lang=args.lang,
                                       progress=out.progress("E-mails"))
    _print_result(result, out)
    return 0


def cmd_rollup(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.steps import rollup

    result = rollup.build_rollup([Path(m).expanduser() for m in args.masters], Path(args.output).expanduser(),
                                 lang=out.lang, progress=out.progress("Masterfiler"))
    _print_result(result, out)
    return 0


def cmd_report(args: argparse.Namespace, out: Output) -> int:
    from xl_kik.excel import reports

    which = (args.only,) if args.only else reports.KINDS
    if args.pdf:
        result = reports.export_pdf(_root(args), which=which, lang=args.lang, progress=out.progress("PDF"))
    else:
        result = reports.export_reports(_root(args), which=which, lang=args.lang)
    _print_result(result, out)
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


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("da", "en"), default=None,
                        help="sprog for beskeder / language of messages (default: the round's, else da)")
    common.add_argument("--json", action="store_true", help="maskinlæsbart output / JSON output for scripts")
    common.add_argument("--debug", action="store_true", help="vis fuld fejlsporing / show full tracebacks")
    common.add_argument("-q", "--quiet", action="store_true")

    p = argparse.ArgumentParser(prog="xl-kik", description="KIK-selvevaluering i Excel / KIK self-evaluation in Excel")
    p.add_argument("--version", action="version", version=f"xl_kik {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    s = sub.add_parser("init", parents=[common], help="opret en runde / create a round")
    s.add_argument("dir")
    s.add_argument("--unit", required=True, help="enhedens navn / the unit's name")
    s.add_argument("--participants", required=True, help="deltagerliste .xlsx eller .csv")
    s.add_argument("--catalogue", default="kik", help="kik, caf2020 eller en .xlsx-fil")
    s.add_argument("--themes", default="", help="fx 1,2,3,4 eller indsats / resultat")
    s.add_argument("--scale", default="0-100", choices=("0-100", "0-5"))
    s.add_argument("--deadline", default=None, help="ÅÅÅÅ-MM-DD")
    s.add_argument("--threshold", default=None, help="grænse for uenighed, fx 35%% / 0,35")
    s.add_argument("--previous", default=None, help="forrige rundes mappe (handleplan og point føres videre)")

    s = sub.add_parser("merge", parents=[common], help="flet besvarelser / merge returns")
    s.add_argument("dir")
    s.add_argument("--previous", default=None, help="forrige rundes mappe: vis de aftalte point ved siden af")

    for name, helptext in (("generate", "lav deltagerfiler / make participant files"),
                           ("status", "hvem har afleveret (ændrer intet) / who has returned (changes nothing)"),
                           ("doctor", "tjek opsætningen / check the set-up"),
                           ("refresh-vba", "genopbyg VBA efter xlwings-opgradering / rebuild VBA")):
        s = sub.add_parser(name, parents=[common], help=helptext)
        s.add_argument("dir")

    s = sub.add_parser("plan", parents=[common], help="byg handleplan eller vis opfølgning / build action plan")
    s.add_argument("dir")
    s.add_argument("--owner", default=None, help="kun handlinger for denne ansvarlige")
    s.add_argument("--overdue", action="store_true", help="kun overskredne handlinger")
    s.add_argument("--list", action="store_true", help="vis alle åbne handlinger")
    s.add_argument("--restore-deleted", action="store_true",
                   help="hent rækker tilbage, som nogen har slettet fra handleplanen")

    s = sub.add_parser("demo", parents=[common], help="kør en hel demo-runde / run a whole demo round")
    s.add_argument("dir")
    s.add_argument("--participants", type=int, default=8)

    s = sub.add_parser("invite", parents=[common], help="skriv invitationer som e-mails / write invitation e-mails")
    s.add_argument("dir")
    s.add_argument("--reminder", action="store_true", help="kun påmindelser til dem, der ikke har svaret")
    s.add_argument("--send", action="store_true", help="send via SMTP-opsætningen i masterfilen")

    s = sub.add_parser("collect", parents=[common], help="hent vedhæftede filer fra gemte e-mails / collect attachments")
    s.add_argument("dir")
    s.add_argument("--from", dest="source", required=True, help="mappe med .eml/.msg-filer")

    s = sub.add_parser("rollup", parents=[common], help="overblik på tværs af enheder / overview across units")
    s.add_argument("masters", nargs="+", help="masterfiler eller rundemapper")
    s.add_argument("-o", "--output", required=True, help="overblikkets .xlsx-fil")

    s = sub.add_parser("report", parents=[common], help="svarrapport og konsensusrapport / reports to hand out")
    s.add_argument("dir")
    s.add_argument("--pdf", action="store_true", help="også som PDF (kræver LibreOffice)")
    s.add_argument("--only", choices=("svarrapport", "konsensus"), default=None)

    s = sub.add_parser("catalogue", parents=[common], help="vis eller eksporter et katalog / show or export a catalogue")
    s.add_argument("source", nargs="?", default="kik")
    s.add_argument("--export", default=None, help="gem som .xlsx til redigering")
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
    from xl_kik.core.round import MASTER_NAME

    if not (Path(d) / MASTER_NAME).is_file():
        return None
    try:
        from xl_kik.excel.master import load_round

        return load_round(Path(d))[0].lang
    except Exception:  # a broken master is reported by the command itself
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang or _round_lang(args) or "da"
    out = Output(lang, args.json, args.quiet)
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
