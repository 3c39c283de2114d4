"""``xl-kik refresh-vba``: rebuild the master's VBA project for the installed xlwings.

After an xlwings upgrade (the VBA module names the DLL by version) or after LibreOffice
saved the master (codeNames lost): :func:`xl_kik.excel.masterfile.refresh_vba` restores the
codeNames and replaces only ``xl/vbaProject.bin``, atomically, with a backup; then the Start
buttons and defined names are repaired as at every write (:mod:`xl_kik.excel.repair`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xl_kik.core.i18n import Msg
from xl_kik.excel import atomic, master, masterfile, repair
from xl_kik.core.round import RoundPaths

REFRESHED = Msg("VBA-projektet er genopbygget til xlwings {v}.", "The VBA project was rebuilt for xlwings {v}.")


@dataclass
class RefreshResult:
    master: Path
    xlwings: str

    def summary(self, lang: str = "da") -> str:
        return REFRESHED(lang, v=self.xlwings)

    def as_dict(self, lang: str = "da") -> dict[str, str]:
        return {"master": str(self.master), "xlwings": self.xlwings}


def refresh_vba(root: str | Path, lang: str = "da") -> RefreshResult:
    """Rebuild the VBA project of the round's master in ``root``."""
    path = master._master_path(root)
    # read-modify-write of the master bytes: one writer at a time for the whole sequence
    with atomic.round_lock(path.parent, lang):
        version = masterfile.refresh_vba(Path(root), lang=lang)
        # the Start buttons and defined names another program broke come back too (as at every write)
        data, changes = repair.repair_bytes(path.read_bytes())
        if changes:
            atomic.write_bytes(path, data, backup_dir=RoundPaths(path.parent).backups, lang=lang)
    return RefreshResult(path, version)


__all__ = ["RefreshResult", "refresh_vba"]
