"""``xl-kik generate`` and the *Generate* button: one scoring workbook per participant.

The one implementation both doors call. Rows the coordinator added to the participants
table without an id get one, and it is written back into the master, so the participant
keeps it (returned files are matched by id) even if rows are later inserted above. A
questionnaire made again with the answers kept sets *Send igen med svar* back to "Nej" and
notes the date beside the table (:func:`xl_kik.excel.master.resend_done`). The CLI writes
these cells into the master on disk; a button passes ``write_cells`` to write them into the
live workbook instead.

Writing the questionnaires needs no openpyxl: the write-back into the master and the resends
(:mod:`xl_kik.steps.resend`, which load openpyxl and the returns reader) are loaded only when a
run has cells to write or participants to resend to (``generate`` of 1,000 with nothing to
write back: ~0.1 s of imports less, issue 14).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

from xl_kik.core import coverage
from xl_kik.core.i18n import Msg
from xl_kik.core.round import Participant, RoundPaths, name_labels
from xl_kik.core.vocabulary import LIST_LIMIT
from xl_kik.excel import atomic, master
from xl_kik.excel import scoring
from xl_kik.core.values import is_yes
from xl_kik.excel.master import SHEET_NAMES, MasterData
from xl_kik.steps import Step, step_command

#: the write-back and the resends, loaded on first use
_RESEND = Step("resend")

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
        with master.locked_round(paths, lang or "da"):
            return _generate(paths, lang, master.read_master(paths.root), write_cells)
    # the master as given (the button holds the lock already: it is re-entrant); a program
    # calling with ``data`` gets it too, so a concurrent command's cleanup of leftovers
    # (atomic.remove_leftovers) never removes a questionnaire being written
    with atomic.round_lock(paths.root, lang or "da"):
        return _generate(paths, lang, data, write_cells)


def _generate(paths: RoundPaths, lang: str | None, data: MasterData,
              write_cells: Callable[[CellWrites], None] | None) -> GenerateResult:
    written = scoring.write_scoring_workbooks(data.setup, data.participants, paths.outgoing)
    result = GenerateResult(written, folder=paths.outgoing, new_ids=data.new_ids)
    cells = list(data.new_ids)
    flagged = [p for p in data.participants if is_yes(p.resend)]  # Deltagere: "Send igen med svar" = Ja
    if flagged:
        result.resent, done = _RESEND.resend_flagged(paths, data, flagged, written, lang or data.setup.lang)
        cells += done
    if cells:
        (write_cells or _RESEND.write_to_master(paths, lang or data.setup.lang))(cells)
    # the warnings point at the master's own participants sheet (Participants in an English round)
    participants_sheet = data.sheet_names.get("participants", SHEET_NAMES["da"]["participants"])
    result.warnings = coverage.warnings(data.participants, data.setup.catalogue.themes, lang or data.setup.lang,
                                        source=paths.master.name, sheet=participants_sheet)
    return result


def resend(root: str | Path, pid: str, lang: str | None = None) -> GenerateResult:
    """``generate --resend ID``: :func:`xl_kik.steps.resend.resend`."""
    return _RESEND.resend(root, pid, lang)


__all__ = ["GenerateResult", "generate_round", "resend"]
