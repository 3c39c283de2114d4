"""What KIK is, on plain data: no Excel library, no file format.

Importing this package (every ``import xl_kik...`` does, before any other module of ours) makes
the dataclasses of xl_kik compile their generated methods on first use
(:func:`_lazy_dataclass_methods`).
"""

from __future__ import annotations

import dataclasses as _dataclasses
import threading as _threading
from typing import Any

_OURS = "xl_kik."
_state = _threading.local()  # .pending: the methods made for the class being processed


def _lazy_dataclass_methods() -> None:
    """``@dataclass`` on a class of xl_kik compiles the generated ``__repr__``, ``__eq__`` (and
    ``__lt__`` ...) and a frozen class's ``__setattr__``, ``__delattr__`` and ``__hash__`` when
    each is first called instead of when the class is made; ``__init__`` at once (so the class's
    signature and the ``__doc__`` dataclasses writes from it stay as they are).

    Python 3.11's ``dataclasses`` compiles every method from source text (``_create_fn``, an
    ``exec`` each): about 300 for the ~70 dataclasses a click imports, 25-30 ms of its start,
    while a merge calls little more than their ``__init__``. Here ``_create_fn`` returns a
    stand-in that compiles the very same method (same text, globals and locals) on its first
    call and puts it on the class in its own place, so later calls go straight to it. The
    classes are otherwise what ``dataclasses`` makes (fields, ``replace``, ``asdict``, pickling,
    ``FrozenInstanceError``). Classes outside xl_kik, and a Python without ``_create_fn`` (3.13
    builds the methods differently), are left to ``dataclasses`` as they are
    (``tests/test_dataclasses_lazy.py``)."""
    create = getattr(_dataclasses, "_create_fn", None)
    process = getattr(_dataclasses, "_process_class", None)
    if create is None or process is None or getattr(process, "_xl_kik", False):
        return

    def create_fn(name: str, args: Any, body: Any, **kwargs: Any) -> Any:
        pending = getattr(_state, "pending", None)
        if pending is None or name == "__init__":  # __init__ at once: the class's signature and doc
            return create(name, args, body, **kwargs)
        real = None
        owner = None

        def method(*a: Any, **k: Any) -> Any:
            nonlocal real
            if real is None:
                real = create(name, args, body, **kwargs)
                real.__qualname__ = method.__qualname__
            if owner is not None and owner.__dict__.get(name) is method:
                setattr(owner, name, real)  # from now on the class calls the method itself
            return real(*a, **k)

        def bind(cls: type) -> None:
            nonlocal owner
            owner = cls

        method.__name__ = method.__qualname__ = name
        pending.append(bind)
        return method

    def process_class(cls: type, *args: Any, **kwargs: Any) -> Any:
        if not getattr(cls, "__module__", "").startswith(_OURS) or getattr(_state, "pending", None) is not None:
            return process(cls, *args, **kwargs)
        _state.pending = []
        try:
            made = process(cls, *args, **kwargs)
        finally:
            pending, _state.pending = _state.pending, None
        for bind in pending:
            bind(made)
        return made

    process_class._xl_kik = True  # type: ignore[attr-defined]
    _dataclasses._create_fn = create_fn
    _dataclasses._process_class = process_class


_lazy_dataclass_methods()
