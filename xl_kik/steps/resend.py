"""``xl-kik generate --resend ID`` and what generate writes back into the master.

:func:`xl_kik.steps.generate.generate_round` loads this module only when a run has cells to
write into the master (ids given to new rows, resends done) or participants marked *Send igen
med svar*: it brings openpyxl (``MasterFile.edit``, :func:`xl_kik.excel.resend.prefill`) and the
reader of returned files, which writing the questionnaires does not need.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Sequence

from xl_kik.core.errors import SetupError
from xl_kik.core.i18n import Msg
from xl_kik.core.round import Participant, RoundPaths
from xl_kik.core.vocabulary import Count
from xl_kik.excel import master, scoring
from xl_kik.excel.master import MasterData
from xl_kik.excel.masterfile import MasterFile, write_text
from xl_kik.excel.resend import prefill
from xl_kik.steps.generate import CellWrites, GenerateResult
from xl_kik.steps.status import read_returns

#: codeNames of the only sheets whose cells generate writes (ids, resends done: all on Deltagere);
#: the others are carried through unparsed (``MasterFile.edit(uses=...)``)
USED_BY_GENERATE = (master.CODE_NAMES["participants"],)


def write_to_master(paths: RoundPaths, lang: str) -> Callable[[CellWrites], None]:
    """Where generate's cells go when no button gives its own ``write_cells``: the master on disk."""
    def write(cells: CellWrites) -> None:
        with MasterFile.edit(paths, lang, uses=USED_BY_GENERATE) as wb:
            for sheet, cell, text in cells:
                write_text(wb[sheet], cell, text)  # by name: the name read_master found (find_sheet_info)
    return write


def resend_flagged(paths: RoundPaths, data: MasterData, flagged: Sequence[Participant],
                   written: Sequence[tuple[Participant, Path]], lang: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The freshly written workbooks of the ``flagged`` participants filled with their newest usable
    return: what happened (one line each) and the cells that mark each resend done (the flag back
    to "Nej", the date noted; not for who has returned nothing)."""
    collection = read_returns(paths.root, data.setup, data.participants, lang)
    path_of = {p.pid: path for p, path in written}
    resent = "\n".join(_prefill(who, path_of[who.pid], collection, lang) for who in flagged if who.pid in path_of)
    cells: list[tuple[str, str, str]] = []
    for who in flagged:
        if who.pid in path_of and collection.responses.get(who.pid) is not None:
            cells += master.resend_done(data, who.pid, dt.date.today())
    return resent, cells


def resend(root: str | Path, pid: str, lang: str | None = None) -> GenerateResult:
    """``generate --resend ID``: a new scoring workbook for one participant that already holds the
    answers of their last usable return, the cells that had problems marked with the message
    (:func:`xl_kik.excel.resend.prefill`). It is a normal scoring workbook of the round: when it
    comes back, the newest usable return wins as always."""
    paths = RoundPaths(Path(root))
    with MasterFile.lock(paths, lang or "da"):  # first the lock, then the setup it writes on
        return _resend(paths, master.read_master(paths.root), pid, lang)


def _resend(paths: RoundPaths, data: MasterData, pid: str, lang: str | None) -> GenerateResult:
    lang = lang or data.setup.lang or "da"
    who = next((p for p in data.participants if p.pid.casefold() == str(pid).strip().casefold()), None)
    if who is None:
        raise SetupError(NO_SUCH(lang, pid=pid, known=", ".join(p.pid for p in data.participants)))
    collection = read_returns(paths.root, data.setup, data.participants, lang)
    if collection.responses.get(who.pid) is None:
        raise SetupError(NO_RETURN(lang, name=who.name, pid=who.pid))
    written = scoring.write_scoring_workbooks(data.setup, [who], paths.outgoing)
    result = GenerateResult(written, folder=paths.outgoing)
    result.resent = _prefill(who, written[0][1], collection, lang)
    write_to_master(paths, lang)(master.resend_done(data, who.pid, dt.date.today()))
    return result


def _prefill(who: Participant, path: Path, collection: Any, lang: str) -> str:
    """Fill ``who``'s freshly written workbook with their newest usable return; what happened."""
    response = collection.responses.get(who.pid)
    if response is None:
        return NO_RETURN_YET(lang, name=who.name, pid=who.pid)
    result_of = next((r for r in collection.results if r.response is response), None)
    problems = list(result_of.report.problems) if result_of is not None else []
    marked = prefill(path, response.answers, problems, lang)
    return RESENT(lang, name=who.name, file=Path(str(response.file)).name, marked=CELLS(lang, n=marked))


NO_SUCH = Msg("Der er ingen deltager med id {pid!r} på arket Deltagere (ids: {known}).",
              "There is no participant with the id {pid!r} on the Participants sheet (ids: {known}).")
NO_RETURN = Msg("{name} ({pid}) har ikke afleveret et brugbart spørgeskema endnu; lav et almindeligt med "
                "'xl-kik generate'.",
                "{name} ({pid}) has not returned a usable questionnaire yet; make an ordinary one with "
                "'xl-kik generate'.")
NO_RETURN_YET = Msg("{name} ({pid}) har ikke afleveret et brugbart spørgeskema endnu: spørgeskemaet er lavet uden svar.",
                    "{name} ({pid}) has not returned a usable questionnaire yet: the questionnaire was made without "
                    "answers.")
RESENT = Msg("Spørgeskemaet til {name} er lavet igen med svarene fra {file}. Felter med problemer, markeret med "
             "beskeden ved siden af: {marked}.",
             "The questionnaire for {name} was made again with the answers from {file}. Cells with problems, "
             "marked with the message beside them: {marked}.")
CELLS = Count(Msg("{n} felt", "{n} cell"), Msg("{n} felter", "{n} cells"))


__all__ = ["USED_BY_GENERATE", "resend", "resend_flagged", "write_to_master"]
