"""``xl-kik demo``: a whole simulated round (the one step that runs :mod:`xl_kik.demo`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from xl_kik.demo.round import run_demo


def demo_round(root: str | Path, lang: str | None = None, participants: int = 8,
               say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the demo round in ``root`` (a new folder), telling each step through ``say``."""
    return run_demo(Path(root), lang=lang, participants=participants, say=say)


__all__ = ["demo_round"]
