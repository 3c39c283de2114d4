"""The master's *Status* sheet (written by merge) and the cell helpers all ``sheets_*`` share.

Everything written here comes from returned files, i.e. from untrusted people: every
string goes through :func:`put`, which stores it as a *text* cell (openpyxl data type
``s``), so ``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``+``, ``-``, ``@`` or ``#N/A``
payloads stay inert strings. Formulas are only written when the renderer wraps its own
text in :class:`Formula`.

Layout (one sheet, top to bottom): title, summary line, then the participants table
(one row per participant: returned or not, file, answered n of N, saved by, problems),
the list of missing participants, and the files that could not be used (one row per
problem, errors first).
"""

from __future__ import annotations

import datetime as dt
import os
from copy import copy
from typing import Any, Iterable, Mapping, Sequence

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray

from xl_kik.core.cellref import column_letter
from xl_kik.core.formula import Formula  # noqa: F401 - the renderers' formulas (re-exported)
from xl_kik.core.i18n import Msg
from xl_kik.excel import cells
from xl_kik.excel.masterfile import clear_sheet, print_sheet
from xl_kik.excel.layout import fit_rows
from xl_kik.core.problems import ERROR, INFO, WARNING, Problem
from xl_kik.core.round import name_labels
from xl_kik.core.vocabulary import LIST_LIMIT, Count, listing

MAX_CELL_CHARS = cells.MAX_CELL_TEXT
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384  # Excel's sheet size
TEXT_GUARD_PREFIXES = cells.TEXT_GUARD_PREFIXES
clean_cell_text = cells.cell_text  # forbidden characters removed, Excel's cell limit


# ---------------------------------------------------------------- cell helpers (shared by sheets/*)
def put(ws: Any, row: int, col: int, value: Any, look: "Look | None" = None) -> Cell:
    """Write one cell through :func:`xl_kik.excel.cells.write_cell`: ``Formula`` as formula,
    other ``str`` ALWAYS as text, numbers as numbers.

    Dates and datetimes are written as ISO text (no locale surprises)."""
    cell = ws._cells.get((row, col))
    if cell is None and 0 < row <= MAX_ROW and 0 < col <= MAX_COLUMN:
        # a new cell born with its look: what ws.cell does, without a default style that is
        # replaced at once (a Status has 20,000 cells)
        cell = new_cell(ws, row, col, None if look is None else look.array)
        ws._cells[(row, col)] = cell  # what ws._add_cell does
        if row > ws._current_row:
            ws._current_row = row
    else:
        cell = ws.cell(row=row, column=col)
        if look is not None:
            cell._style = copy(look.array)
    if type(value) is not str:
        if isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, dt.date):
            value = value.isoformat()
    return cells.write_cell(cell, value)


_bare_cell = Cell.__new__


def new_cell(ws: Any, row: int, col: int, style_array: Any = None) -> Cell:
    """``Cell(ws, row=row, column=col, style_array=style_array)``, the slots set directly (half
    the time: no keyword parsing, no value setter for a value that is None; tests/test_sheets
    compares every slot with openpyxl's own); the cell has its own copy of ``style_array``."""
    cell = _bare_cell(Cell)
    cell.parent = ws
    cell._style = None if style_array is None else StyleArray(style_array)
    cell.row, cell.column = row, col
    cell._value = cell._hyperlink = cell._comment = None
    cell.data_type = "n"
    return cell


def put_row(ws: Any, row: int, values: Sequence[Any], look: "Look | None" = None, first_col: int = 1) -> None:
    for i, v in enumerate(values):
        put(ws, row, first_col + i, v, look)


class Look:
    """A cell style built once and copied onto many cells (much faster than per-cell styling)."""

    def __init__(self, ws: Any, *, bold: bool = False, italic: bool = False, size: float | None = None,
                 color: str | None = None, fill: str | None = None, wrap: bool = False,
                 valign: str = "top", halign: str | None = None, number_format: str | None = None,
                 border: bool = False, unlocked: bool = False):
        cell = Cell(ws)
        if bold or italic or size or color:
            # name and size always: a font without them is the application's default
            # (LibreOffice: a serif face), not the workbook's Calibri 11
            cell.font = Font(name="Calibri", bold=bold, italic=italic, size=size or 11, color=color)
        if fill:
            cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        cell.alignment = Alignment(wrap_text=wrap, vertical=valign, horizontal=halign)
        if number_format:
            cell.number_format = number_format
        if border:
            thin = Side(style="thin", color="BFBFBF")
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        if unlocked:
            cell.protection = Protection(locked=False)
        self.array = cell._style


def reset_sheet(ws: Any, keep_columns_from: int | None = None) -> None:
    """Empty a sheet *in place* (:func:`xl_kik.excel.masterfile.clear_sheet`)."""
    clear_sheet(ws, keep_columns_from=keep_columns_from)


def set_widths(ws: Any, widths: Mapping[int, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[column_letter(col)].width = width


def print_setup(ws: Any, title_row: int | None = None, *, font_size: float = 11,
                title_cols: tuple[int, int] | None = None, first_col: int = 1, last_col: int | None = None,
                prefer: str = "landscape", notes: Iterable[int] = ()) -> Any:
    """The sheet's page setup by the one print rule (:func:`xl_kik.excel.masterfile.print_sheet`):
    A4, one page wide only while the text stays readable, the header row (and, when the sheet
    runs several pages across, ``title_cols``) repeated, no gridlines, sheet and page in the footer;
    the ``notes`` rows above the table wrap within the first page."""
    ws.print_options.gridLines = False
    return print_sheet(ws, font_size, prefer=prefer, title_rows=(title_row, title_row) if title_row else None,
                       title_cols=title_cols, first_col=first_col, last_col=last_col, notes=notes)


SEVERITY_LABEL = {ERROR: Msg("Fejl", "Error"), WARNING: Msg("Advarsel", "Warning"), INFO: Msg("Info", "Info")}
_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Errors first, then warnings, then info (stable within a severity)."""
    return sorted(problems, key=lambda p: _SEVERITY_ORDER.get(p.severity, 3))


# ---------------------------------------------------------------- Status texts
T = {
    "title": Msg("Status for besvarelser – {unit}", "Status of the answers – {unit}"),
    "round": Msg("Runde {round_id}. Dette ark skrives af xl_kik, hver gang der flettes; skriv ikke i det.",
                 "Round {round_id}. This sheet is written by xl_kik at every merge; do not type in it."),
    "summary_missing": Msg(" {n} mangler.", " {n} missing."),
    "participants": Msg("Deltagere", "Participants"),
    "h_id": Msg("Id", "Id"), "h_name": Msg("Navn", "Name"), "h_returned": Msg("Afleveret", "Returned"),
    "h_file": Msg("Fil", "File"), "h_modified": Msg("Ændret", "Modified"),
    "h_answered": Msg("Besvaret (point, n af N)", "Answered (points, n of N)"),
    "h_saved_by": Msg("Gemt af", "Saved by"), "h_problems": Msg("Bemærkninger", "Remarks"),
    "yes": Msg("Ja", "Yes"), "no": Msg("Nej", "No"),
    "missing": Msg("Mangler at aflevere", "Not returned yet"),
    "none_missing": Msg("Alle har afleveret.", "Everybody has returned."),
    "h_email": Msg("E-mail", "E-mail"),
    "bad_files": Msg("Filer, der ikke kunne bruges", "Files that could not be used"),
    "none_bad": Msg("Ingen.", "None."),
    "h_code": Msg("Kode", "Code"), "h_severity": Msg("Alvor", "Severity"), "h_message": Msg("Besked", "Message"),
    "h_sheet": Msg("Ark", "Sheet"), "h_cell": Msg("Celle", "Cell"),
    "superseded": Msg("Ikke brugt: ældre versioner og kopier (der er en nyere eller identisk fil fra samme deltager)",
                      "Not used: older versions and copies (there is a newer or identical file from the same "
                      "participant)"),
    "h_used_instead": Msg("Brugt i stedet", "Used instead"),
    "h_note": Msg("Bemærkning", "Note"),
    "empty_note": Msg("Tomt spørgeskema ({file}): intet spørgsmål er besvaret, så det tæller ikke som afleveret.",
                      "Empty questionnaire ({file}): no question is answered, so it does not count as returned."),
}


#: counted summary phrases (correct singular and plural)
SUMMARY = Count(Msg("{returned} af {n} deltager har afleveret.", "{returned} of {n} participant has returned."),
                Msg("{returned} af {n} deltagere har afleveret.", "{returned} of {n} participants have returned."))
SUMMARY_EMPTY = Count(Msg(" {n} tomt spørgeskema tæller ikke som afleveret.",
                          " {n} empty questionnaire does not count as returned."),
                      Msg(" {n} tomme spørgeskemaer tæller ikke som afleveret.",
                          " {n} empty questionnaires do not count as returned."))
SUMMARY_BAD = Count(Msg(" {n} fil kunne ikke bruges.", " {n} file could not be used."),
                    Msg(" {n} filer kunne ikke bruges.", " {n} files could not be used."))
SUMMARY_OLD = Count(Msg(" {n} ældre version eller kopi er sprunget over.", " {n} older version or copy skipped."),
                    Msg(" {n} ældre versioner eller kopier er sprunget over.", " {n} older versions or copies skipped."))


def _fmt_time(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _name(path: Any) -> str:
    if path is None:
        return ""
    return cells.display_name(os.path.basename(str(path)))  # undecodable bytes of a file name: U+FFFD


def _answered(resp: Any, n_questions: int) -> int:
    answered = getattr(resp, "answered", None)
    if isinstance(answered, int) and not isinstance(answered, bool):
        return answered
    answers = getattr(resp, "answers", {}) or {}
    return sum(1 for a in answers.values() if getattr(a, "points", None) is not None)


def result_of(collection: Any, resp: Any) -> Any:
    """The ReturnResult a response came from (by identity, else by file name)."""
    index = _result_index(collection)
    return index[0].get(id(resp)) or index[1].get(_name(getattr(resp, "file", "")) or "\0")


def _result_index(collection: Any) -> tuple[dict[int, Any], dict[str, Any]]:
    results = getattr(collection, "results", []) or []
    cached = getattr(collection, "_xl_kik_result_index", None)
    if cached is not None and cached[0] == len(results):
        return cached[1]
    by_id = {id(r.response): r for r in results if getattr(r, "response", None) is not None}
    by_name: dict[str, Any] = {}
    for r in results:
        by_name.setdefault(_name(getattr(r, "path", "")), r)
    index = (by_id, by_name)
    try:
        collection._xl_kik_result_index = (len(results), index)
    except AttributeError:  # slotted / frozen: no cache
        pass
    return index


def unusable_results(collection: Any) -> list[Any]:
    """Files that gave no usable response (their report has the reason)."""
    out = []
    skip = {id(s) for s in getattr(collection, "superseded", []) or []}
    skip |= {id(s) for s in getattr(collection, "duplicates", []) or []}
    for r in getattr(collection, "results", []) or []:
        if getattr(r, "response", None) is None and id(r) not in skip:
            out.append(r)
    return out


def superseded_items(collection: Any) -> list[tuple[str, str]]:
    """(older file, file used instead) for every superseded file."""
    out = []
    responses = getattr(collection, "responses", {}) or {}
    for s in getattr(collection, "superseded", []) or []:
        path = getattr(s, "path", s)
        resp = getattr(s, "response", None)
        used = ""
        if resp is not None and getattr(resp, "pid", None) in responses:
            used = _name(getattr(responses[resp.pid], "file", ""))
        out.append((_name(path), used))
    for d in getattr(collection, "duplicates", []) or []:  # byte-identical copies of another file
        problems = getattr(getattr(d, "report", None), "problems", []) or []
        other = next((str(p.params.get("other", "")) for p in problems if "other" in p.params), "")
        out.append((_name(getattr(d, "path", d)), other))
    return out


def status_rows(setup: Any, participants: Sequence[Any], collection: Any, lang: str = "da") -> dict[str, Any]:
    """Plain data of the Status sheet (also used by tests and the CLI)."""
    responses = getattr(collection, "responses", {}) or {}
    nq = len(setup.catalogue.question_ids)
    labels = name_labels(participants)
    empty = {r.response.pid: r for r in getattr(collection, "empty", []) or [] if r.response is not None}
    rows = []
    empty_files: dict[str, str] = {}  # pid -> the "tomt spørgeskema" a missing participant sent
    for p in participants:
        resp = responses.get(p.pid)
        if resp is None:
            res = empty.get(p.pid)
            if res is None:
                rows.append([p.pid, labels[p.pid], T["no"](lang), "", "", "", "", ""])
            else:
                empty_files[p.pid] = _name(res.path)
                rows.append([p.pid, labels[p.pid], T["no"](lang), _name(res.path),
                             _fmt_time(getattr(res.response, "modified", "")), f"0 / {nq}",
                             str(getattr(res.response, "saved_by", "") or ""),
                             T["empty_note"](lang, file=_name(res.path))])
            continue
        res = result_of(collection, resp)
        problems = sort_problems(getattr(getattr(res, "report", None), "problems", []) or [])
        rows.append([p.pid, labels[p.pid], T["yes"](lang), _name(getattr(resp, "file", "")) or _name(getattr(res, "path", "")),
                     _fmt_time(getattr(resp, "modified", "")), f"{_answered(resp, nq)} / {nq}",
                     str(getattr(resp, "saved_by", "") or ""), "\n".join(pr.describe(lang) for pr in problems)])
    known = {p.pid for p in participants}
    for pid, resp in responses.items():  # a response for someone no longer in the list
        if pid not in known:
            rows.append([pid, str(getattr(resp, "name", "")), T["yes"](lang), _name(getattr(resp, "file", "")),
                         _fmt_time(getattr(resp, "modified", "")), f"{_answered(resp, nq)} / {nq}",
                         str(getattr(resp, "saved_by", "") or ""), ""])
    missing = list(getattr(collection, "missing", []) or [p for p in participants if p.pid not in responses])
    bad = []
    for r in unusable_results(collection):
        problems = sort_problems(getattr(getattr(r, "report", None), "problems", []) or [])
        for pr in problems or [None]:
            if pr is None:
                bad.append([_name(r.path), "", "", "", "", ""])
            else:
                bad.append([_name(r.path), pr.code, SEVERITY_LABEL.get(pr.severity, T["h_severity"])(lang),
                            pr.message(lang), pr.sheet, pr.cell])
    return {"participants": rows, "missing": missing, "bad": bad, "superseded": superseded_items(collection),
            "returned": sum(1 for p in participants if p.pid in responses), "total": len(participants),
            "n_bad_files": len(unusable_results(collection)), "labels": labels, "empty_files": empty_files,
            "n_empty": len(empty_files), "n_files": len(getattr(collection, "results", []) or []),
            "first_problem": {_name(r.path): sort_problems(r.report.problems)[0]
                                                           for r in unusable_results(collection) if r.report.problems}}


def summary_line(data: Mapping[str, Any], lang: str = "da") -> str:
    text = SUMMARY(lang, n=data["total"], returned=data["returned"])
    if data["missing"]:
        text += T["summary_missing"](lang, n=len(data["missing"]))
    if data.get("n_empty"):
        text += SUMMARY_EMPTY(lang, n=data["n_empty"])
    if data["n_bad_files"]:
        text += SUMMARY_BAD(lang, n=data["n_bad_files"])
    if data["superseded"]:
        text += SUMMARY_OLD(lang, n=len(data["superseded"]))
    return text


LINES = {
    "no_files": Msg("Returmappen ('retur') er tom: der er ingen besvarelser at flette endnu. Læg de returnerede "
                    "spørgeskemaer i den, og flet igen.",
                    "The returns folder ('retur') is empty: there are no answers to merge yet. Put the returned "
                    "questionnaires into it and merge again."),
    "missing": Msg("Mangler: {names}.", "Missing: {names}."),
    "empty": Msg("tomt spørgeskema", "empty questionnaire"),
    "bad": Msg("Filer, der ikke kunne bruges (se arket Status):", "Files that could not be used (see the Status sheet):"),
    "old": Msg("Ikke brugt (ældre versioner og kopier): {items}.", "Not used (older versions and copies): {items}."),
    "old_item": Msg("{old} (brugt i stedet: {used})", "{old} (used instead: {used})"),
    "more": Msg("  ... og {n} til", "  ... and {n} more"),
}


def overview_lines(data: Mapping[str, Any], lang: str = "da", limit: int | None = LIST_LIMIT) -> list[str]:
    """What the merge would use and ignore, for people: the summary line, who is missing (an
    empty questionnaire said so), the files that cannot be used with their first problem, and
    the older versions and copies skipped. Long lists show ``limit`` items and "og N til"
    (``None``: all). ``xl-kik status`` and ``xl-kik merge`` print the same lines."""
    lines = [summary_line(data, lang)]
    if not data.get("n_files", 1):
        lines.append(LINES["no_files"](lang))
    labels, empty = data.get("labels", {}), data.get("empty_files", {})
    if data["missing"]:
        names = [labels.get(p.pid, p.name) + (f" ({LINES['empty'](lang)})" if p.pid in empty else "")
                 for p in data["missing"]]
        lines.append(LINES["missing"](lang, names=listing(names, lang, limit)))
    first = data.get("first_problem", {})
    if first:
        lines.append(LINES["bad"](lang))
        files = list(first)
        shown = files if limit is None else files[:limit]
        lines += [f"  - {name}: {first[name].describe(lang)}" for name in shown]
        if len(files) > len(shown):
            lines.append(LINES["more"](lang, n=len(files) - len(shown)))
    if data["superseded"]:
        items = [LINES["old_item"](lang, old=old, used=used) if used else old for old, used in data["superseded"]]
        lines.append(LINES["old"](lang, items=listing(items, lang, limit)))
    return lines


def render_status(ws: Any, setup: Any, participants: Sequence[Any], collection: Any, lang: str = "da") -> dict[str, Any]:
    """Write the Status sheet; returns the plain data written."""
    data = status_rows(setup, participants, collection, lang)
    reset_sheet(ws)
    title = Look(ws, bold=True, size=14)
    bold = Look(ws, bold=True, size=12)
    head = Look(ws, bold=True, fill="DDEBF7", wrap=True, border=True)
    body = Look(ws, wrap=True, border=True)
    red = Look(ws, wrap=True, border=True, fill="FCE4D6")
    note = Look(ws, italic=True, color="595959")
    put(ws, 1, 1, T["title"](lang, unit=setup.unit), title)
    put(ws, 2, 1, T["round"](lang, round_id=setup.round_id), note)
    put(ws, 3, 1, summary_line(data, lang), bold)
    r = 5
    put(ws, r, 1, T["participants"](lang), bold)
    r += 1
    header_row = r
    put_row(ws, r, [T[k](lang) for k in ("h_id", "h_name", "h_returned", "h_file", "h_modified", "h_answered",
                                          "h_saved_by", "h_problems")], head)
    for row in data["participants"]:
        r += 1
        look = body if row[2] == T["yes"](lang) else red
        for c, v in enumerate(row, start=1):  # empty ones too: the table's grid is whole
            put(ws, r, c, v, look)
    if data["participants"]:
        ws.auto_filter.ref = f"A{header_row}:H{r}"
    r += 2
    put(ws, r, 1, T["missing"](lang), bold)
    if data["missing"]:
        r += 1
        put_row(ws, r, [T["h_id"](lang), T["h_name"](lang), "", T["h_email"](lang), "", "", "", T["h_note"](lang)],
                head)
        for p in data["missing"]:
            r += 1
            put_row(ws, r, [p.pid, data["labels"].get(p.pid, p.name), "", getattr(p, "email", ""), "", "", "",
                            T["empty_note"](lang, file=data["empty_files"][p.pid])
                            if p.pid in data["empty_files"] else ""], body)
    else:
        r += 1
        put(ws, r, 1, T["none_missing"](lang), note)
    r += 2
    put(ws, r, 1, T["bad_files"](lang), bold)
    if data["bad"]:
        r += 1
        # aligned with the participants table: the file in the wide "Fil" column, the message in the widest
        put_row(ws, r, [T[k](lang) for k in ("h_code", "h_severity", "h_sheet", "h_file", "h_cell")]
                + ["", "", T["h_message"](lang)], head)
        for file, code, severity, message, sheet, cell in data["bad"]:
            r += 1
            put_row(ws, r, [code, severity, sheet, file, cell, "", "", message],
                    red if severity == SEVERITY_LABEL[ERROR](lang) else body)
    else:
        r += 1
        put(ws, r, 1, T["none_bad"](lang), note)
    if data["superseded"]:
        r += 2
        put(ws, r, 1, T["superseded"](lang), bold)
        r += 1
        put_row(ws, r, ["", "", "", T["h_file"](lang), "", "", "", T["h_used_instead"](lang)], head)
        for old, used in data["superseded"]:
            r += 1
            put_row(ws, r, ["", "", "", old, "", "", "", used], body)
    set_widths(ws, {1: 8, 2: 22, 3: 10, 4: 34, 5: 13, 6: 11, 7: 11, 8: 36})  # one A4 landscape page wide at 11 pt
    fit_rows(ws, 1, r)
    ws.freeze_panes = f"A{header_row + 1}"
    print_setup(ws, header_row)
    return data
