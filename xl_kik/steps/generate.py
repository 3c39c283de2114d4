"""``xl-kik generate`` and the *Generate* button: one scoring workbook per participant.

The one implementation both doors call. Rows the coordinator added to the participants
table without an id get one, and it is written back into the master, so the participant
keeps it (returned files are matched by id) even if rows are later inserted above. A
questionnaire made again with the answers kept sets *Send igen med svar* back to "Nej" and
notes the date beside the table (:func:`xl_kik.excel.master.resend_done`). The CLI writes
these cells into the master on disk; a button passes ``write_cells`` to write them into the
live workbook instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from xl_kik.core import coverage
from xl_kik.core.i18n import Msg
from xl_kik.core.round import Participant, RoundPaths, name_labels
from xl_kik.core.vocabulary import LIST_LIMIT, Count
from xl_kik.excel import master
from xl_kik.excel import scoring
from xl_kik.core.errors import SetupError
from xl_kik.core.values import is_yes
from xl_kik.excel.master import SHEET_NAMES, MasterData
from xl_kik.excel.resend import prefill
from xl_kik.steps.status import read_returns
from xl_kik.excel.masterfile import MasterFile, write_text
from xl_kik.steps import step_command

#: ``(sheet, cell, text)`` to write on Deltagere: an id given to a row without one, a resend done
CellWrites = Sequence[tuple[str, str, str]]

GENERATED = Msg("{n} spørgeskemaer er lavet i mappen {dir}.", "{n} questionnaires were made in the folder {dir}.")
GENERATED_ONE = Msg("1 spørgeskema er lavet i mappen {dir}.", "1 questionnaire was made in the folder {dir}.")
MORE = Msg("  ... og {n} til (alle med -v eller --json)", "  ... and {n} more (all with -v or --json)")
NEW_IDS = Msg(" {k} nye deltagere har fået et id.", " {k} new participants got an id.")
NEW_ID = Msg(" 1 ny deltager har fået et id.", " 1 new participant got an id.")


class GenerateResult(list):
    """``[(participant, path), ...]`` of the written workbooks, plus the ids given to new rows."""

    def __init__(self, written: Iterable[tuple[Participant, Path]] = (), *, folder: Path,
                 new_ids: CellWrites = ()):
        super().__init__(written)
        self.folder = folder
        self.new_ids = list(new_ids)
        self.warnings: list = []  # under-covered themes (core.coverage)
        self.resent = ""  # generate --resend: what was carried over

    def summary(self, lang: str = "da", limit: int | None = LIST_LIMIT) -> str:
        labels = name_labels(p for p, _ in self)
        shown = list(self) if limit is None else list(self)[:limit]
        lines = [f"  {labels.get(p.pid, p.name)}: {f.name}" for p, f in shown]
        if len(self) > len(shown):
            lines.append(MORE(lang, n=len(self) - len(shown)))
        text = (GENERATED_ONE(lang, dir=self.folder) if len(self) == 1
                else GENERATED(lang, n=len(self), dir=self.folder))
        if self.new_ids:
            text += NEW_ID(lang) if len(self.new_ids) == 1 else NEW_IDS(lang, k=len(self.new_ids))
        return "\n".join(lines + [text] + ([self.resent] if self.resent else [])
                         + [p.describe(lang) for p in self.warnings])

    def as_dict(self, lang: str = "da") -> dict[str, object]:
        return {"folder": str(self.folder),
                "files": [{"participant": p.pid, "name": p.name, "file": str(f)} for p, f in self],
                "new_ids": [{"sheet": s, "cell": c, "id": pid} for s, c, pid in self.new_ids],
                "warnings": [p.as_dict(lang) for p in self.warnings]}


#: codeNames of the only sheets whose cells generate writes (ids, resends done: all on Deltagere);
#: the others are carried through unparsed (``MasterFile.edit(uses=...)``)
USED_BY_GENERATE = (master.CODE_NAMES["participants"],)


def _write_to_master(paths: RoundPaths, lang: str) -> Callable[[CellWrites], None]:
    def write(cells: CellWrites) -> None:
        with MasterFile.edit(paths, lang, uses=USED_BY_GENERATE) as wb:
            for sheet, cell, text in cells:
                write_text(wb[sheet], cell, text)  # by name: the name read_master found (find_sheet_info)
    return write


@step_command
def generate_round(root: str | Path, lang: str | None = None, *, data: MasterData | None = None,
                   write_cells: Callable[[CellWrites], None] | None = None) -> GenerateResult:
    """Write one scoring workbook per participant listed in the master.

    ``data``: the master as read (by the button, from the live workbook); read from
    ``root`` when omitted. ``write_cells``: where the new ids and the done resends go; the
    master on disk when omitted.
    """
    paths = RoundPaths(Path(root))
    if data is None:  # the master on disk: first the lock, then the setup the ids are written on
        with MasterFile.lock(paths, lang or "da"):
            return _generate(paths, lang, master.read_master(paths.root), write_cells)
    return _generate(paths, lang, data, write_cells)


def _generate(paths: RoundPaths, lang: str | None, data: MasterData,
              write_cells: Callable[[CellWrites], None] | None) -> GenerateResult:
    written = scoring.write_scoring_workbooks(data.setup, data.participants, paths.outgoing)
    result = GenerateResult(written, folder=paths.outgoing, new_ids=data.new_ids)
    cells = list(data.new_ids)
    flagged = [p for p in data.participants if is_yes(p.resend)]  # Deltagere: "Send igen med svar" = Ja
    if flagged:
        collection = read_returns(paths.root, data.setup, data.participants, lang or data.setup.lang)
        path_of = {p.pid: path for p, path in written}
        result.resent = "\n".join(_prefill(who, path_of[who.pid], collection, lang or data.setup.lang)
                                  for who in flagged if who.pid in path_of)
        for who in flagged:  # done: the flag back to "Nej", the date noted (not for who has returned nothing)
            if who.pid in path_of and collection.responses.get(who.pid) is not None:
                cells += master.resend_done(data, who.pid, dt.date.today())
    if cells:
        (write_cells or _write_to_master(paths, lang or data.setup.lang))(cells)
    result.warnings = coverage.warnings(data.participants, data.setup.catalogue.themes, lang or data.setup.lang,
                                        source=paths.master.name, sheet=SHEET_NAMES["da"]["participants"])
    return result


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
    _write_to_master(paths, lang)(master.resend_done(data, who.pid, dt.date.today()))
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


__all__ = ["GenerateResult", "generate_round", "resend"]
