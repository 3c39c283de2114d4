"""``xl-kik catalogue``: show a catalogue (built-in or a file), optionally export it for editing.

Not a step of a round: a coordinator uses it before ``init`` to adapt the questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xl_kik.core.catalogue import Catalogue
from xl_kik.core.i18n import Msg
from xl_kik.excel import catalogue_io

SAVED = Msg("Kataloget er gemt i {path}", "The catalogue was saved to {path}")
SHOWN = Msg("Katalog {id} version {v}: {t} temaer, {q} spørgsmål, fingeraftryk {fp}",
            "Catalogue {id} version {v}: {t} themes, {q} questions, fingerprint {fp}")


@dataclass
class CatalogueResult:
    catalogue: Catalogue
    exported: Path | None = None

    def summary(self, lang: str = "da") -> str:
        c = self.catalogue
        lines = [SAVED(lang, path=self.exported)] if self.exported else []
        lines.append(SHOWN(lang, id=c.id, v=c.version, t=len(c.themes), q=len(c.questions), fp=c.fingerprint))
        return "\n".join(lines)

    def as_dict(self, lang: str = "da") -> dict[str, object]:
        c = self.catalogue
        return {"id": c.id, "version": c.version, "themes": len(c.themes), "questions": len(c.questions),
                "fingerprint": c.fingerprint}


def load_catalogue(source: str | Path = "kik", lang: str | None = None) -> Catalogue:
    """A catalogue: ``kik``, ``caf2020``, a ``.json`` or an edited ``.xlsx`` export
    (``lang``: the round's language, whose question texts an ``.xlsx`` catalogue must have)."""
    return catalogue_io.resolve(source, lang=lang)


def show_catalogue(source: str | Path = "kik", export: str | Path | None = None,
                   lang: str | None = None) -> CatalogueResult:
    """The catalogue ``source`` (``kik``, ``caf2020``, a .json or .xlsx file); with ``export``
    also written as an editable workbook."""
    c = catalogue_io.resolve(source, lang=lang)
    if export:
        catalogue_io.export_xlsx(c, export)
    return CatalogueResult(c, Path(export) if export else None)


__all__ = ["CatalogueResult", "load_catalogue", "show_catalogue"]
