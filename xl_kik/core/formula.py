"""The one marker for a formula (plain data, no file format).

Every ``str`` we write into a cell is stored as *text*; only a :class:`Formula` is stored as
a formula: one we wrote ourselves (``"=AVERAGE(M6:M8)"``) or one a person typed into a sheet
we read back (the Handleplan keeps it). There is exactly one such class, so an
``isinstance`` test means the same everywhere (``xl_kik.excel.cells`` writes it).
"""

from __future__ import annotations


class Formula(str):
    """A cell formula (``=...``): written as a formula, never as text."""
