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
from xl_kik.core.round import P_BAD_FILE, PARTICIPANTS_INVALID, Participant, participants_from_rows

#: Encodings tried for a ``.csv``, in order (Excel on Danish Windows saves cp1252).
CSV_ENCODINGS = ("utf-8-sig", "cp1252")


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for enc in CSV_ENCODINGS:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("not UTF-8 or cp1252 text")
    dialect = csv.Sniffer().sniff(text[:2048], delimiters=";,\t") if text.strip() else csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


NOT_FOUND = Msg("Deltagerlisten {path} findes ikke. Tjek stien, eller læg filen der.",
                "The participants list {path} does not exist. Check the path, or put the file there.")


def read_participants(path: str | Path) -> list[Participant]:
    """Read a participants list from ``.xlsx`` or ``.csv`` (UTF-8, UTF-8 BOM or cp1252; ``;`` or ``,``)."""
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
