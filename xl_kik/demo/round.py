"""``xl-kik demo DIR``: a whole round from invitation to action plan, with simulated people.

1. the coordinator's participants list and ``init`` (master workbook with buttons),
2. ``generate`` (one scoring workbook per participant),
3. simulated participants fill in and return their files (one does not return, one types
   ``ca. 60`` into a points cell, one sends a second, newer version; only two can judge the
   last question, so its distribution is withheld for anonymity),
4. ``merge`` (status, svarrapport, konsensus),
5. the consensus seminar: agreed points (the suggested medians, but on some questions flagged
   for disagreement the discussion moves the score), strengths, improvement areas and
   priorities are typed into the Konsensus sheet; the konsensusrapport lists where the group
   moved far from the median,
6. ``plan`` (the action plan), with owners, deadlines and statuses filled in.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from pathlib import Path
from typing import Any, Callable

import openpyxl

from xl_kik.core import catalogue
from xl_kik.core.anonymity import guard, min_group, withheld_note
from xl_kik.core.errors import SetupError
from xl_kik.core.i18n import Msg
from xl_kik.core.round import RoundPaths
from xl_kik.core.vocabulary import QUESTIONS, TERMS
from xl_kik.demo import simulate
from xl_kik.demo.plan import demo_fill_plan
from xl_kik.excel import master
from xl_kik.excel.participants_io import read_participants
from xl_kik.excel.reports import consensus_content, consensus_moves, read_consensus
from xl_kik.excel.sheets import konsensus as sheets_konsensus
from xl_kik.steps import merge
from xl_kik.steps import plan as actionplan
from xl_kik.steps.report import export_consensus_report
from xl_kik.steps.generate import generate_round, resend
from xl_kik.steps.init import init_round
from xl_kik.excel import cells

DEMO_UNIT = "Børnehuset Solsikken"
DEMO_PEOPLE = [
    ("Mette Jørgensen", "leder"), ("Søren Østergaard", "medarbejder"), ("Aisha Khan", "medarbejder"),
    ("Lars Bæk", "medarbejder"), ("Birgitte Ærø", "medarbejder"), ("Jens Hansen/Holm", "medarbejder"),
    ("Ida Møller", "medarbejder"), ("Peter Nielsen", "leder"), ("Fatima Ali", "medarbejder"),
    ("Ole Sørensen", "medarbejder"), ("Karen Dahl", "medarbejder"), ("Mads Winther", "medarbejder"),
]

STEP = Msg("[{n}/6] {text}", "[{n}/6] {text}")
AGENDA = Msg("Arket Dagsorden foreslår seminarets rækkefølge og minutter; først: {qids}",
             "The Agenda sheet suggests the seminar's order and minutes; first: {qids}")
MOVED = Msg("Gruppen flyttede sig langt fra medianen ved {count}; se konsensusrapporten {file}",
            "The group moved far from the median on {count}; see the consensus report {file}")
#: how the participant who sent an early version named it (in the round's language)
FIRST_VERSION = Msg("første udgave", "first version")
NOT_EMPTY = Msg("Mappen {dir} indeholder allerede en runde; vælg en tom mappe til demoen.",
                "The folder {dir} already contains a round; choose an empty folder for the demo.")


#: the participants list of the demo in the round's language: its headers, the two roles and the groups
_LIST = {
    "da": {"file": "deltagere.xlsx", "sheet": "Deltagere",
           "headers": ["Navn", "E-mail", "Rolle", "Gruppe", "Temaer"],
           "leder": "leder", "medarbejder": "medarbejder", "management": "Ledelse", "group": "Stue {n}"},
    "en": {"file": "participants.xlsx", "sheet": "Participants",
           "headers": ["Name", "E-mail", "Role", "Group", "Themes"],
           "leder": "leader", "medarbejder": "staff", "management": "Management", "group": "Room {n}"},
}


def _participants_file(root: Path, count: int, lang: str = "da") -> Path:
    words = _LIST["en" if lang == "en" else "da"]
    path = root / words["file"]
    wb = cells.xlsx_workbook(path)
    ws = wb.add_worksheet(words["sheet"])
    ws.write_row(0, 0, words["headers"])
    people = (DEMO_PEOPLE * (count // len(DEMO_PEOPLE) + 1))[:count]
    for i, (name, role) in enumerate(people, start=1):
        login = name.split()[0].lower().replace("ø", "oe").replace("æ", "ae").replace("å", "aa")
        ws.write_row(i, 0, [name if i <= len(DEMO_PEOPLE) else f"{name} {i}", f"{login}{i}@solsikken.example.dk",
                            words[role], words["management"] if role == "leder" else words["group"].format(n=1 + i % 3),
                            # documentation responsibility: two themes each; theme 8 is left to nobody
                            f"{1 + (i - 1) % 7}, {1 + i % 7}"])
    ws.set_column(0, 1, 30)
    wb.close()
    return path


def _simulate_returns(root: Path, files: list[tuple[Any, Path]], seed: int, lang: str) -> dict[str, int]:
    rng = random.Random(seed)
    paths = RoundPaths(root)
    levels: dict[str, int] = {}
    counts = {"returned": 0, "not_returned": 0, "with_problem": 0, "resent": 0}
    for i, (participant, path) in enumerate(files):
        if i == len(files) - 1 and len(files) > 2:
            counts["not_returned"] += 1  # one person never answers
            continue
        layout = simulate.read_layout(openpyxl.load_workbook(path, read_only=False))
        if not levels:
            levels = {q: rng.randint(layout.scale_min + 2, layout.scale_max - 2) for q in layout.rows}
            first = next(iter(layout.rows))
            # A question the group disagrees on, so the consensus seminar has work to do.
            levels[first] = (layout.scale_min + layout.scale_max) // 2
        answers = simulate.random_answers(layout, rng, levels, lang=lang)
        # The group is split in two camps on the first question (real disagreement: the middle
        # half of the answers spans most of the scale), so the seminar has work to do.
        span = layout.scale_max - layout.scale_min
        camp_high, camp_low = layout.scale_max - span // 6, layout.scale_min + span // 6
        answers[next(iter(layout.rows))]["points"] = camp_high if i % 2 == 0 else camp_low
        if i >= 2:  # the last question only two people can judge: the others pick "ved ikke"
            answers[list(layout.rows)[-1]]["points"] = TERMS["dont_know"](lang)
        dest = paths.returns / path.name
        if i == 2:
            # An early version sent in a hurry, then a corrected one later.
            early = dict(answers)
            first_version = paths.returns / f"{path.stem} ({FIRST_VERSION(lang)}).xlsx"
            simulate.fill_workbook(path, first_version,
                                   {q: {"points": a["points"]} for q, a in list(early.items())[:5]})
            old = time.time() - 3600
            os.utime(first_version, (old, old))
            counts["resent"] += 1
        if i == 3:
            qid = list(layout.rows)[4]
            answers[qid]["points"] = "ca. 60" if layout.scale_max > 5 else "ca. 3"
            counts["with_problem"] += 1
        simulate.fill_workbook(path, dest, answers)
        counts["returned"] += 1
    return counts


def _seminar(root: Path, seed: int) -> int:
    """Type what a consensus seminar agrees into the Konsensus sheet."""
    rng = random.Random(seed + 1)
    return sheets_konsensus.demo_seminar(root, rng)


def run_demo(root: Path, lang: str | None = None, participants: int = 8, seed: int = 2026,
             say: Callable[[str], None] = print) -> dict[str, Any]:
    lang = lang or "da"
    root = Path(root)
    if RoundPaths(root).master.exists():
        raise SetupError(NOT_EMPTY(lang, dir=root))
    root.mkdir(parents=True, exist_ok=True)
    people = read_participants(_participants_file(root, max(3, participants), lang))

    say(STEP(lang, n=1, text=Msg("Opretter runden og masterfilen", "Creating the round and the master file")(lang)))
    paths = init_round(root, unit=DEMO_UNIT, participants=people, catalogue=catalogue.builtin("kik"),
                       scale=catalogue.scale("0-100"), deadline=dt.date.today() + dt.timedelta(days=14), lang=lang)
    say(STEP(lang, n=2, text=Msg("Laver spørgeskemaer", "Making questionnaires")(lang)))
    files = generate_round(root)
    for problem in files.warnings:  # documentation responsibility (core.coverage)
        say("    " + problem.describe(lang))
    say(STEP(lang, n=3, text=Msg("Deltagerne udfylder og sender tilbage", "Participants fill in and return")(lang)))
    counts = _simulate_returns(root, files, seed, lang)
    say(STEP(lang, n=4, text=Msg("Fletter besvarelserne", "Merging the returns")(lang)))
    merged = merge.merge_round(root, lang=lang)
    say("    " + merged.summary(lang).replace("\n", "\n    "))
    setup = master.load_round(root)[0]
    _, withheld = guard(merged.stats, setup.anonymise, min_group(setup))
    if withheld:
        say("    " + withheld_note(withheld, min_group(setup), lang))
    say("    " + AGENDA(lang, qids=", ".join(merged.agenda[:3])))
    if len(files) > 3 and files[3][0].pid in merged.collection.responses:  # who typed "ca. 60" gets the
        # questionnaire back with the answers kept (--resend)
        say("    " + resend(root, files[3][0].pid, lang).resent)
    say(STEP(lang, n=5, text=Msg("Konsensusseminar: aftalte point og forbedringsområder",
                                "Consensus seminar: agreed points and improvement areas")(lang)))
    agreed = _seminar(root, seed)
    report = export_consensus_report(root, lang=lang)
    setup, rows = read_consensus(root)
    moved = consensus_moves(setup, consensus_content(setup, rows, lang)[0])
    say("    " + MOVED(lang, count=QUESTIONS(lang, n=len(moved)), file=report))
    say(STEP(lang, n=6, text=Msg("Bygger handleplanen", "Building the action plan")(lang)))
    plan = actionplan.build_plan(root, lang=lang)
    say("    " + plan.summary(lang).replace("\n", "\n    "))
    demo_fill_plan(root)  # the leaders fill in actions, owners, deadlines, statuses ...
    plan = actionplan.build_plan(root, lang=lang)  # ... and a rebuild keeps all of it
    say("    " + Msg("Ledelsen har udfyldt handleplanen; genopbygget uden tab: ",
                    "The leaders filled in the plan; rebuilt without loss: ")(lang) + plan.summary(lang).split("\n")[0])
    say(Msg("Færdig. Åbn {master}", "Done. Open {master}")(lang, master=paths.master))
    return {"master": str(paths.master), "participants": len(people), **counts,
            "agreed_questions": agreed, "actions": plan.as_dict().get("rows", None)}
