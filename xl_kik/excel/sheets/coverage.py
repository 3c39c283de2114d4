"""The documentation-responsibility block on the Status sheet (:mod:`xl_kik.core.coverage`):
readers per theme, their roles, and a warning where a theme has fewer than two readers or
only one role reads it. Written below what :func:`xl_kik.excel.sheets.status.render_status`
wrote; nothing when no participant has themes."""

from __future__ import annotations

from typing import Any, Sequence

from xl_kik.core import coverage
from xl_kik.excel.layout import fit_rows
from xl_kik.core.i18n import Msg
from xl_kik.excel.sheets.status import Look, put

T = {
    "title": coverage.COVERAGE_TITLE,
    "intro": Msg("Hvem læser dokumentationen til hvert tema (kolonnen Temaer på arket Deltagere). Mindst {k} pr. "
                 "tema, og ikke kun én rolle.",
                 "Who reads the documentation of each theme (the Themes column on the Participants sheet). At least "
                 "{k} per theme, and not only one role."),
    "theme": Msg("Tema", "Theme"), "readers": Msg("Læsere", "Readers"), "names": Msg("Hvem", "Who"),
    "roles": Msg("Roller", "Roles"), "remark": Msg("Bemærkning", "Remark"),
    "few": Msg("For få læsere", "Too few readers"), "one_role": Msg("Kun rollen {role}", "Only the role {role}"),
}


#: Columns of the block on the Status sheet (theme, readers, names, roles, remark).
COLUMNS = (2, 3, 4, 5, 8)


def render_coverage(ws: Any, setup: Any, participants: Sequence[Any], lang: str = "da") -> int:
    """Append the block to the Status sheet; returns the number of under-covered themes."""
    if not coverage.in_use(participants):
        return 0
    themes = setup.catalogue.themes
    cov = coverage.coverage(participants, [t.id for t in themes])
    name = {p.pid: p.name for p in participants}
    head = Look(ws, bold=True, fill="DDEBF7", wrap=True, border=True, valign="bottom")
    body = Look(ws, wrap=True, border=True)
    warn = Look(ws, wrap=True, border=True, bold=True, fill="FCE4D6")
    num = Look(ws, border=True, halign="center")
    r = ws.max_row + 2
    put(ws, r, 1, T["title"](lang), Look(ws, bold=True, size=12))
    r += 1
    put(ws, r, 1, T["intro"](lang, k=coverage.MIN_READERS), Look(ws, italic=True, color="595959"))
    r += 1
    # the Status sheet's columns: B theme (22), C count (10), D names (34), E roles (13), H remark (36)
    first = r
    for col, key in zip(COLUMNS, ("theme", "readers", "names", "roles", "remark")):
        put(ws, r, col, T[key](lang), head)
    under = 0
    for t in themes:
        c = cov[t.id]
        r += 1
        remark = ""
        if len(c.readers) < coverage.MIN_READERS:
            remark = T["few"](lang)
        elif coverage.narrow_role(c, participants):
            remark = T["one_role"](lang, role=c.one_role)
        under += bool(remark)
        c_theme, c_count, c_names, c_roles, c_remark = COLUMNS
        put(ws, r, c_theme, t.label(lang), body)
        put(ws, r, c_count, len(c.readers), num)
        put(ws, r, c_names, ", ".join(name[p] for p in c.readers), body)
        put(ws, r, c_roles, ", ".join(sorted({x for x in c.roles if x}, key=str.casefold)), body)
        put(ws, r, c_remark, remark, warn if remark else body)
    fit_rows(ws, first, r)  # LibreOffice does not fit wrapped rows on load
    return under


__all__ = ["render_coverage"]
