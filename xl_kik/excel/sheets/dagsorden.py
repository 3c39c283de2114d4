"""The master's *Dagsorden* sheet: the consensus seminar's agenda, rebuilt at every merge.

The order and the suggested minutes come from :mod:`xl_kik.core.agenda` (disagreement first,
then unanswered and text-heavy questions, themes kept together; the seminar's length from
Opsætning). What the coordinator types is kept across merges, **keyed by the question id in
the hidden column A** (like Konsensus): *Jeres rækkefølge* (a number: the question moves to
that place), *Jeres minutter* and *Noter*. Printable on one A4 page.

Column A keys: a question id on question rows, ``qid`` on the hidden key row, ``#...`` on rows
xl_kik writes (title, help, header, total).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


from xl_kik.core.cellref import column_letter
from xl_kik.core import agenda
from xl_kik.core.catalogue import ID_RE
from xl_kik.core.i18n import Msg, pick
from xl_kik.core.konsensus import row_key
from xl_kik.core.stats import RoundStats, point_value
from xl_kik.core.values import is_blank
from xl_kik.excel.layout import fit_rows, widen_for_words
from xl_kik.excel.masterfile import print_sheet
from xl_kik.excel.sheets.status import Formula, Look, put, put_row, reset_sheet, set_widths

KEYS = ("qid", "place", "theme", "question", "why", "suggested", "order", "minutes", "note")
INPUT_KEYS = ("order", "minutes", "note")
COL = {k: i + 1 for i, k in enumerate(KEYS)}
L = {k: column_letter(c) for k, c in COL.items()}
KEY_ROW, HEADER_ROW, FIRST_ROW = 3, 4, 5
WIDTHS = {1: 6, 2: 5, 3: 18, 4: 40, 5: 20, 6: 9, 7: 10, 8: 9, 9: 26}  # one A4 page wide at 11 pt

HEADERS = {
    "qid": Msg("Id", "Id"), "place": Msg("Nr.", "No."), "theme": Msg("Tema", "Theme"),
    "question": Msg("Spørgsmål", "Question"), "why": Msg("Hvorfor her", "Why here"),
    "suggested": Msg("Forslag (min.)", "Suggested (min.)"), "order": Msg("Jeres rækkefølge", "Your order"),
    "minutes": Msg("Jeres minutter", "Your minutes"), "note": Msg("Noter", "Notes"),
}
REASON = {"disagreement": Msg("uenighed", "disagreement"), "unanswered": Msg("mange 'ved ikke'", "many 'do not know'"),
          "texts": Msg("mange tekster", "many texts")}
T = {
    "title": Msg("Dagsorden til konsensusseminaret – {unit}", "Agenda for the consensus seminar – {unit}"),
    "help": Msg("Rækkefølgen: spørgsmål med uenighed først, så dem med mange 'ved ikke' og mange tekster; temaer "
                "holdes samlet. Minutterne deler seminarets længde ({hours} timer, arket Opsætning) efter, hvor "
                "meget der er at drøfte. Skriv et nummer i 'Jeres rækkefølge' for at flytte et spørgsmål, og ret "
                "minutterne, hvis I vil; det, I skriver, bevares ved næste fletning.",
                "The order: questions with disagreement first, then those with many 'do not know' answers and many "
                "texts; themes are kept together. The minutes share the seminar's length ({hours} hours, Setup "
                "sheet) by how much there is to discuss. Type a number in 'Your order' to move a question and "
                "change the minutes if you like; what you type is kept at the next merge."),
    "total": Msg("I alt (minutter)", "Total (minutes)"),
}


@dataclass
class Captured:
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # qid -> input key -> value


def capture(ws: Any) -> Captured:
    """What the coordinator typed, keyed by question id (before the sheet is rebuilt)."""
    cap = Captured()
    rows: dict[int, dict[int, Any]] = {}
    for (r, c), cell in ws._cells.items():
        if not is_blank(cell.value):
            rows.setdefault(r, {})[c] = cell.value
    key_r = next((r for r in sorted(rows) if row_key(rows[r].get(1)) == "qid"), None)
    if key_r is None:
        return cap
    cols = {row_key(v): c for c, v in rows[key_r].items() if row_key(v)}
    for r in sorted(rows):
        key = row_key(rows[r].get(1)) if r > key_r else ""
        if not key or key.startswith("#") or not ID_RE.match(key):
            continue
        values = {k: rows[r].get(cols[k]) for k in INPUT_KEYS if k in cols}
        if any(not is_blank(v) for v in values.values()):
            cap.inputs[key] = values
    return cap


def seminar_minutes(setup: Any) -> int:
    return int(round(60 * float(getattr(setup, "seminar_hours", None) or agenda.DEFAULT_HOURS)))


def _hours_text(setup: Any, lang: str) -> str:
    text = f"{float(getattr(setup, 'seminar_hours', None) or agenda.DEFAULT_HOURS):g}"
    return text if lang == "en" else text.replace(".", ",")


def render_agenda(ws: Any, setup: Any, stats: RoundStats, responses: Mapping[str, Any], lang: str = "da",
                  captured: Captured | None = None) -> list[str]:
    """Rebuild the Dagsorden sheet; returns the question ids in the order shown."""
    cap = captured if captured is not None else capture(ws)
    cat = setup.catalogue
    items = agenda.build(stats.questions, [t.id for t in cat.themes], agenda.text_counts(responses, stats.questions),
                         seminar_minutes(setup))
    # the coordinator's own order: a typed number moves the question to that place
    position = {it.qid: i + 1 for i, it in enumerate(items)}

    def typed(qid: str) -> int | None:
        return point_value(cap.inputs.get(qid, {}).get("order"))

    items.sort(key=lambda it: (typed(it.qid) if typed(it.qid) is not None else position[it.qid],
                               typed(it.qid) is None, position[it.qid]))
    reset_sheet(ws)
    title = Look(ws, bold=True, size=14)
    note = Look(ws, italic=True, color="595959", wrap=True)
    head = Look(ws, bold=True, fill="DDEBF7", wrap=True, border=True, valign="bottom")
    body = Look(ws, wrap=True, border=True)
    num = Look(ws, border=True, number_format="0", halign="center")
    inp = Look(ws, fill="FFF2CC", border=True, unlocked=True, halign="center")
    inp_text = Look(ws, fill="FFF2CC", border=True, unlocked=True, wrap=True)
    bold = Look(ws, bold=True, border=True, number_format="0", halign="center")
    put(ws, 1, 1, "#title")
    put(ws, 1, 2, T["title"](lang, unit=setup.unit), title)
    put(ws, 2, 1, "#help")
    put(ws, 2, 2, T["help"](lang, hours=_hours_text(setup, lang)), note)
    put_row(ws, KEY_ROW, list(KEYS), Look(ws, color="808080", size=8))
    ws.row_dimensions[KEY_ROW].hidden = True
    put(ws, HEADER_ROW, 1, "#header", head)
    put_row(ws, HEADER_ROW, [HEADERS[k](lang) for k in KEYS[1:]], head, first_col=2)
    r = HEADER_ROW
    for place, it in enumerate(items, start=1):
        r += 1
        q = cat.question(it.qid)
        put(ws, r, 1, it.qid)
        put(ws, r, COL["place"], place, num)
        put(ws, r, COL["theme"], cat.theme(it.theme).label(lang), body)
        put(ws, r, COL["question"], f"{it.qid} {pick(q.text, lang)}", body)
        put(ws, r, COL["why"], ", ".join(REASON[x](lang) for x in it.reasons), body)
        put(ws, r, COL["suggested"], it.minutes, num)
        typed_in = cap.inputs.get(it.qid, {})
        put(ws, r, COL["order"], typed_in.get("order"), inp)
        put(ws, r, COL["minutes"], typed_in.get("minutes"), inp)
        put(ws, r, COL["note"], typed_in.get("note"), inp_text)
    last = r
    r += 1
    put(ws, r, 1, "#total")
    put(ws, r, COL["why"], T["total"](lang), Look(ws, bold=True, border=True))
    if last >= FIRST_ROW:
        s, m = f"{L['suggested']}{FIRST_ROW}:{L['suggested']}{last}", f"{L['minutes']}{FIRST_ROW}:{L['minutes']}{last}"
        put(ws, r, COL["suggested"], Formula(f"=SUM({s})"), bold)
        put(ws, r, COL["minutes"], Formula(f'=SUM({m})+SUMIF({m},"",{s})'), bold)
    ws.column_dimensions["A"].hidden = True
    set_widths(ws, WIDTHS)
    widen_for_words(ws, [HEADER_ROW])
    fit_rows(ws, 1, r)
    ws.freeze_panes = f"B{FIRST_ROW}"
    # the seminar's plan on the wall: one A4 page while it stays readable (core.printing), else one page wide
    ws.print_area = f"B1:{column_letter(len(KEYS))}{r}"
    print_sheet(ws, 11, prefer="portrait", title_rows=(HEADER_ROW, HEADER_ROW), first_col=2, last_col=len(KEYS),
                one_page=True, notes=(2,))
    return [it.qid for it in items]


__all__ = ["COL", "Captured", "HEADERS", "INPUT_KEYS", "KEYS", "capture", "render_agenda", "seminar_minutes"]
