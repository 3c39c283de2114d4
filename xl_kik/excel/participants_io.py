"""A participants list as a file: ``.xlsx`` (calamine, first sheet) or ``.csv``.

The rows are parsed and checked by :func:`xl_kik.core.round.participants_from_rows`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from python_calamine import CalamineWorkbook

from xl_kik.core.errors import KikFileError, ParticipantsError
from xl_kik.core.i18n import Msg
from xl_kik.core.round import P_BAD_CSV, P_BAD_FILE, PARTICIPANTS_INVALID, Participant, participants_from_rows

#: Encodings tried for a ``.csv``, in order (Excel on Danish Windows saves cp1252).
CSV_ENCODINGS = ("utf-8-sig", "cp1252")


#: Column delimiters a participants CSV may use (Excel: ";" on Danish Windows, "," in English).
CSV_DELIMITERS = ";,\t"


def _csv_rows(path: Path) -> list[list[str]]:
    """The rows of a participants CSV; ParticipantsError (P010) when it is not readable text."""
    raw = path.read_bytes()
    for enc in CSV_ENCODINGS:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = None
    if text is None or "\x00" in text:
        problem = P_BAD_CSV(file=path.name)
        raise ParticipantsError(PARTICIPANTS_INVALID("da", source=path.name), [problem])
    return list(csv.reader(io.StringIO(text), _dialect(text)))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """The CSV dialect of ``text``: guessed from its start; without a delimiter on the first line
    (a list of names, one per line) one that does not occur in the text, so each line is one cell."""
    if not text.strip():
        return csv.excel
    first_line = text.strip().splitlines()[0]
    if not any(d in first_line for d in CSV_DELIMITERS):
        unused = next((d for d in "\t;," if d not in text), "\t")
        return type("NamesOnly", (csv.excel,), {"delimiter": unused})
    try:
        return csv.Sniffer().sniff(text[:2048], delimiters=CSV_DELIMITERS)
    except csv.Error:  # the sniffer gives up on short or irregular lists: the first line's delimiter
        return type("FirstLine", (csv.excel,), {"delimiter": max(CSV_DELIMITERS, key=first_line.count)})


NOT_FOUND = Msg("Deltagerlisten {path} findes ikke. Tjek stien, eller læg filen der.",
                "The participants list {path} does not exist. Check the path, or put the file there.")


def read_participants(path: str | Path) -> list[Participant]:
    """Read a participants list from ``.xlsx`` or ``.csv`` (UTF-8, UTF-8 BOM or cp1252; ``;``, ``,``
    or tab; or just names, one per line)."""
    path = Path(path)
    if not path.is_file():
        raise KikFileError(lambda lang: NOT_FOUND(lang, path=path))
    try:
        if path.suffix.lower() == ".csv":
            rows = _csv_rows(path)
            sheet = ""
        else:
            wb = CalamineWorkbook.from_path(str(path))
            sheet = wb.sheet_names[0]
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except ParticipantsError:
        raise
    except Exception as exc:
        problem = P_BAD_FILE(file=path.name, reason=f"{type(exc).__name__}: {exc}")
        raise ParticipantsError(PARTICIPANTS_INVALID("da", source=path.name), [problem]) from exc
    return participants_from_rows(rows, source=path.name, sheet=sheet)
