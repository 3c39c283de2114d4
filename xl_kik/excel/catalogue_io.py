"""A catalogue as a workbook: read a coordinator's ``.xlsx`` (calamine), write an editable one (XlsxWriter).

The rows are parsed and checked by :func:`xl_kik.core.catalogue.from_rows`; this module only
moves them between the file and plain lists (see :data:`xl_kik.core.catalogue.XLSX_COLUMNS`).
"""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineWorkbook

from xl_kik.core.catalogue import (
    ABOUT_KEYS,
    BUILTIN_CATALOGUES,
    C_BAD_FILE,
    CATALOGUE_INVALID,
    Catalogue,
    builtin,
    clean_text,
    from_json,
    from_rows,
    to_rows,
)
from xl_kik.core.errors import CatalogueError
from xl_kik.core.i18n import pick
from xl_kik.excel import cells

#: Sheet names (lower case) taken as the questions sheet, else the first sheet.
QUESTION_SHEETS = ("spørgsmål", "questions", "katalog")
#: Sheet names (lower case) of the optional sheet with id, version and name.
ABOUT_SHEETS = ("om", "about", "info")


def resolve(spec: str | Path, lang: str | None = None) -> Catalogue:
    """``kik``, ``caf2020``, a ``.json`` or an ``.xlsx`` file (``lang``: the round's language,
    whose question texts an ``.xlsx`` catalogue must have)."""
    text = str(spec)
    if text in BUILTIN_CATALOGUES:
        return builtin(text)
    path = Path(text)
    if path.suffix.lower() == ".json":
        return from_json(path)
    return from_xlsx(path, lang=lang)


def from_xlsx(path: str | Path, lang: str | None = None) -> Catalogue:
    """Read a coordinator's catalogue workbook (first sheet, or a sheet named 'Spørgsmål').

    A workbook exported from a shipped catalogue names it on its 'Om' sheet; it is then checked
    against that catalogue (its themes and their names)."""
    path = Path(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        sheet = next((n for n in names if n.lower() in QUESTION_SHEETS), names[0])
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        meta: dict[str, str] = {}
        for n in names:
            if n.lower() in ABOUT_SHEETS:
                for row in wb.get_sheet_by_name(n).to_python():
                    if len(row) >= 2 and clean_text(row[0]).lower() in ABOUT_KEYS:
                        meta[ABOUT_KEYS[clean_text(row[0]).lower()]] = clean_text(row[1])
    except CatalogueError:
        raise
    except Exception as exc:  # calamine raises various errors for non-workbooks
        raise CatalogueError(CATALOGUE_INVALID("da", source=path.name),
                             [C_BAD_FILE(file=path.name, reason=f"{type(exc).__name__}: {exc}")]) from exc
    base = builtin(meta["id"]) if meta.get("id") in BUILTIN_CATALOGUES else None
    return from_rows(rows, source=path.name, sheet=sheet, meta=meta, base=base, lang=lang, strict=True)


def export_xlsx(cat: Catalogue, path: str | Path) -> Path:
    """Write a catalogue as an editable workbook a coordinator can adapt and bring back."""
    path = Path(path)
    wb = cells.xlsx_workbook(path)
    ws = wb.add_worksheet("Spørgsmål")
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    rows = to_rows(cat)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write_string(r, c, v, wrap)
    ws.add_table(0, 0, len(rows) - 1, len(rows[0]) - 1,
                 {"name": "Katalog", "columns": [{"header": h} for h in rows[0]], "style": "Table Style Light 9"})
    for c, w in enumerate([7, 6, 22, 10, 60, 60, 22, 60, 60]):
        ws.set_column(c, c, w, wrap)
    ws.freeze_panes(1, 0)
    about = wb.add_worksheet("Om")
    for r, (k, v) in enumerate([("Katalog", cat.id), ("Version", cat.version), ("Navn", pick(cat.name))]):
        about.write_string(r, 0, k)
        about.write_string(r, 1, v)
    about.set_column(0, 1, 30)
    wb.close()
    return path
