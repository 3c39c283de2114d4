"""The steps of a round, one module each, used by both doors (``xl_kik.cli`` and ``xl_kik.buttons``).

In the order a coordinator works:

``init``         create the round folder and its master (``--previous``: carry a round over)
``generate``     one scoring workbook per participant (``udsendt/``)
``resend``       ``generate --resend`` and generate's write-back into the master (loaded when needed)
``invite``       invitation and reminder e-mails (``mails/``), optionally sent by SMTP
``status``       who has returned, who is missing (reads ``retur/``, changes nothing)
``collect``      attachments of saved e-mails into ``retur/``
``merge``        returned files -> Status, Svarrapport, Konsensus in the master
``plan``         Konsensus -> Handleplan, Prioritering, Opfølgning; the follow-up
``report``       svarrapport and konsensusrapport (``rapporter/``, .xlsx and PDF)
``rollup``       one overview across many units' masters
``refresh_vba``  rebuild the master's VBA project after an xlwings upgrade
``doctor``       why does a button not work?

``catalogue`` (show or export a catalogue) is a tool outside the round. :func:`round_lang`
(the language of a round folder, read from its master) is here, not in a step, so that the
doors learn it without loading the status step's returns reader. Steps import
:mod:`xl_kik.core` and :mod:`xl_kik.excel`; never the doors.
"""

import contextlib
import functools
import gc
import importlib
from types import ModuleType
from typing import Any, Callable, Iterator, TypeVar

import xl_kik.excel  # noqa: F401 - first, so that every step's openpyxl loads without numpy (excel/__init__)
from xl_kik.excel.master import round_lang  # the doors answer in the round's language, before any step loads


class Step:
    """A step module that is imported on its first use (``Step("merge").merge_round(...)``).

    The doors name every step but run one per process: importing only that one keeps a click
    from paying for the libraries of the others (e-mail, reports, pandas, XlsxWriter)."""

    __slots__ = ("name", "_module")

    def __init__(self, name: str):
        self.name = f"{__name__}.{name}"
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self.name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<step {self.name} ({'loaded' if self._module is not None else 'not loaded'})>"


F = TypeVar("F", bound=Callable[..., Any])

#: The cyclic garbage collector's first threshold while a command or a step runs (Python's
#: default: 700). A step allocates objects that live until it ends (modules, openpyxl's cells,
#: 1,000 returns' answers); the collections walked them again and again: about 90 collections
#: and 35-50 ms of a 15-person merge, ~140 collections and ~50 ms of a merge of 1,000
#: (gc.callbacks). Garbage cycles are still collected, every 100,000 allocations.
COMMAND_GC_THRESHOLD = 100_000


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Run the body with the collector's first threshold at :data:`COMMAND_GC_THRESHOLD` (not
    lowered where a caller set it higher), restored afterwards: the doors (``cli.main``,
    ``buttons.run_button``) and the steps a program may call directly (:func:`step_command`)."""
    thresholds = gc.get_threshold()
    if thresholds[0] >= COMMAND_GC_THRESHOLD:
        yield
        return
    gc.set_threshold(COMMAND_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)  # a caller in the same process keeps its own


def promote_survivors() -> None:
    """Move every object that exists now to the collector's oldest generation (``gc.freeze()``,
    then ``gc.unfreeze()``: two list moves, nothing walked). A step calls it when its inputs are
    read (merge: 1,000 returns' answers and the loaded master), since they live until the step
    ends: the young-generation collections while it writes then walk only what it writes, not
    all of that again (a merge of 1,000: one collection of ~100,000 objects, 14-22 ms, became one
    of ~2 ms; issue 14). The master's workbook, which becomes a garbage cycle when the step ends,
    is then left to the next full collection (``xl-kik`` ends its process: :func:`xl_kik.cli.main`).
    Nothing is moved where the caller has frozen objects itself (unfreezing would hand them back)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def step_command(fn: F) -> F:
    """A step's entry point that runs under :func:`few_collections` (merge, plan, generate, rollup)."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with few_collections():
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]


__all__ = ["COMMAND_GC_THRESHOLD", "Step", "few_collections", "promote_survivors", "round_lang", "step_command"]
