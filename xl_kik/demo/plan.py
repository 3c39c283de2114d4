"""The demo's leaders at work: they fill the action plan (``xl-kik demo`` only)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from xl_kik.core.actionplan import STATUS_VALUES, follow_up_items, is_blank, row_is_blank, status_key
from xl_kik.excel.masterfile import MasterFile
from xl_kik.excel.sheets import handleplan as sheets_plan
from xl_kik.steps.plan import load_setup, round_paths


_DEMO_ACTIONS = {
    "da": ["Afhold temamøde i personalegruppen og aftal næste skridt",
           "Beskriv arbejdsgangen på én side og del den på intranettet",
           "Indfør fast punkt på teammødet hver måned",
           "Lav en kort spørgeskemaundersøgelse blandt brugerne",
           "Udarbejd plan for kompetenceudvikling med MED-udvalget",
           "Aftal målepunkter og følg op i ledergruppen hvert kvartal"],
    "en": ["Hold a theme meeting with staff and agree on next steps",
           "Describe the workflow on one page and share it on the intranet",
           "Add a standing item to the monthly team meeting",
           "Run a short survey among users",
           "Draft a competence development plan with the works council",
           "Agree on measures and follow up in the management team each quarter"],
}
_DEMO_GOALS = {
    "da": ["80 % af medarbejderne kender den nye arbejdsgang", "Tilfredshed over 4 af 5 i næste måling",
           "Plan godkendt i MED", "Sygefravær under 5 %"],
    "en": ["80% of staff know the new workflow", "Satisfaction above 4 of 5 in the next survey",
           "Plan approved by the works council", "Absence below 5%"],
}


def demo_fill_plan(root: str | Path, today: dt.date | None = None, seed: int = 7) -> int:
    """Fill realistic owners, actions, dates and statuses into empty cells (demo only).

    Only empty cells are filled; returns how many rows were touched. Some actions end up
    overdue, some due soon, some done, so the follow-up sheet has something to show.
    """
    today = today or dt.date.today()
    paths = round_paths(root)
    setup, participants = load_setup(paths)
    lang = getattr(setup, "lang", "da") or "da"
    owners = [p.name for p in participants if getattr(p, "role", "") in ("leder", "leader")] \
        or [p.name for p in participants]
    owners = owners[:4] or ["Leder"]
    rnd = random.Random(seed)
    statuses = STATUS_VALUES["en" if lang == "en" else "da"]
    plans = [  # (start offset, deadline offset, status index)
        (-60, -10, 1), (-30, 5, 1), (-20, 40, 0), (-90, -30, 2), (-10, 90, 0), (-45, -3, 0), (0, 12, 1),
        (-120, -60, 2), (-15, 150, 3),
    ]
    touched = 0
    with MasterFile.edit(paths, lang) as wb:
        table = sheets_plan.read_plan(wb, lang)
        rows = [dict(r) for r in table.rows if not row_is_blank(r)]
        for i, r in enumerate(rows):
            start, due, st = plans[i % len(plans)]
            fills = {
                "action": rnd.choice(_DEMO_ACTIONS[lang if lang == "en" else "da"]),
                "goal": rnd.choice(_DEMO_GOALS[lang if lang == "en" else "da"]),
                "owner": owners[i % len(owners)],
                "start": today + dt.timedelta(days=start),
                "deadline": today + dt.timedelta(days=due),
                "resources": f"{rnd.choice([4, 8, 16, 24, 40])} timer" if lang != "en" else f"{rnd.choice([4, 8, 16])} hours",
                "last_follow_up": today - dt.timedelta(days=rnd.choice([3, 10, 20])) if st else None,
            }
            changed = False
            for key, value in fills.items():
                if value is not None and is_blank(r.get(key)):
                    r[key] = value
                    changed = True
            if status_key(r.get("status")) == "not_started" and st:
                r["status"] = statuses[st]
                changed = True
            touched += changed
        sheets_plan.write_plan(wb, rows, table, lang)
        sheets_plan.write_follow_up(wb, follow_up_items(rows, today), lang, today)
    return touched
