"""The dataclasses of xl_kik compile their generated methods on first use (issue 14, a click's
start: ``xl_kik/core/__init__.py``, ``_lazy_dataclass_methods``), and behave exactly as
``dataclasses`` makes them."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import subprocess
import sys
import types
from dataclasses import FrozenInstanceError, dataclass

import pytest

import xl_kik.core  # noqa: F401  (installs the hook, as every import of xl_kik does)

SOURCE = '''
from __future__ import annotations
from dataclasses import KW_ONLY, dataclass, field

@dataclass(frozen=True)
class Point:
    """A frozen class with a docstring."""
    x: int
    y: int = 0
    tags: tuple = ()

@dataclass
class Bag:
    """A mutable one with factories, a keyword-only field and __post_init__."""
    name: str
    items: list = field(default_factory=list)
    _: KW_ONLY
    size: int = 3
    seen: int = field(default=0, repr=False, compare=False)

    def __post_init__(self):
        self.seen += 1

@dataclass(frozen=True, order=True)
class Ordered:
    a: int
    b: str = "b"

@dataclass(eq=False)
class NoEq:
    """Identity equality."""
    v: int = 1
'''


def make(module_name: str) -> types.ModuleType:
    """The classes of SOURCE defined in a module of that name (lazy under ``xl_kik.``)."""
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    exec(compile(SOURCE, f"<{module_name}>", "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def ours_and_plain():
    ours, plain = make("xl_kik._lazy_probe"), make("lazy_probe_plain")
    yield ours, plain
    del sys.modules["xl_kik._lazy_probe"], sys.modules["lazy_probe_plain"]


def compiled(cls: type, name: str) -> bool:
    """True when the class holds the method dataclasses compiled (not the stand-in)."""
    fn = cls.__dict__[name]
    fn = getattr(fn, "__wrapped__", fn)  # __repr__ is wrapped against recursion
    return fn.__code__.co_name == name


#: Python 3.11 and 3.12 compile each method with ``dataclasses._create_fn``; 3.13 builds them
#: its own way, and the hook stands aside (the classes are then made as usual)
LAZY = hasattr(dataclasses, "_create_fn")


def test_methods_are_compiled_when_first_called(ours_and_plain):
    ours, plain = ours_and_plain
    if not LAZY:
        assert compiled(ours.Point, "__eq__") and compiled(ours.Point, "__hash__")
        return
    assert compiled(ours.Point, "__init__")  # at once: the signature is the class's
    assert not compiled(ours.Point, "__eq__") and not compiled(ours.Point, "__repr__")
    assert not compiled(ours.Point, "__hash__") and not compiled(ours.Point, "__setattr__")
    assert not compiled(ours.Ordered, "__lt__")
    assert compiled(plain.Point, "__eq__") and compiled(plain.Point, "__hash__")
    p = ours.Point(1, 2)
    assert not compiled(ours.Point, "__eq__")
    assert p == ours.Point(1, 2)
    assert compiled(ours.Point, "__eq__") and not compiled(ours.Point, "__hash__")
    hash(p)
    assert compiled(ours.Point, "__hash__")
    with pytest.raises(FrozenInstanceError):
        p.x = 3
    assert compiled(ours.Point, "__setattr__")
    assert ours.Point.__eq__.__qualname__ == "Point.__eq__" == plain.Point.__eq__.__qualname__


def test_the_signature_and_docstring_are_the_same(ours_and_plain):
    ours, plain = ours_and_plain
    assert ours.Ordered.__doc__ == plain.Ordered.__doc__ == "Ordered(a: 'int', b: 'str' = 'b') -> None".replace(" -> None", "")
    assert str(inspect.signature(ours.Bag)) == str(inspect.signature(plain.Bag))


def test_the_classes_behave_as_dataclasses_makes_them(ours_and_plain):
    for module in ours_and_plain:
        Point, Bag, Ordered, NoEq = module.Point, module.Bag, module.Ordered, module.NoEq
        p = Point(1)
        assert (p.x, p.y, p.tags) == (1, 0, ())
        assert repr(p) == "Point(x=1, y=0, tags=())"
        assert p == Point(1, 0) and p != Point(2) and p != (1, 0, ())
        assert hash(p) == hash(Point(1)) and len({p, Point(1), Point(2)}) == 2
        with pytest.raises(FrozenInstanceError):
            p.x = 5
        with pytest.raises(FrozenInstanceError):
            del p.y
        with pytest.raises(TypeError):
            Point()
        assert dataclasses.replace(p, y=7) == Point(1, 7)
        assert dataclasses.asdict(p) == {"x": 1, "y": 0, "tags": ()}
        b, c = Bag("a"), Bag("b", size=5)
        assert b.items == [] and b.items is not c.items and c.size == 5 and b.seen == 1
        assert repr(c) == "Bag(name='b', items=[], size=5)"
        assert Bag("a") == Bag("a", seen=9)  # compare=False
        with pytest.raises(TypeError):
            Bag("a", [], 4)  # size is keyword-only
        assert Bag.__hash__ is None  # eq without frozen: unhashable, as dataclasses makes it
        assert sorted([Ordered(2), Ordered(1, "z"), Ordered(1, "a")]) == [Ordered(1, "a"), Ordered(1, "z"), Ordered(2)]
        n = NoEq()
        assert n != NoEq() and n == n
        assert copy.deepcopy(c) == c
        assert [f.name for f in dataclasses.fields(Bag)] == ["name", "items", "size", "seen"]


def test_pickling_and_copying_a_class_of_ours():
    from xl_kik.core.problems import Problem  # a class without a docstring: __init__ at once
    from xl_kik.excel.masterfile import Style  # frozen, with a docstring

    s = Style(bold=True, fill="#FFFFFF")
    assert pickle.loads(pickle.dumps(s)) == s and copy.copy(s) == s and hash(copy.deepcopy(s)) == hash(s)
    assert Problem.__doc__ == "Problem" + str(inspect.signature(Problem)).replace(" -> None", "")


def test_classes_outside_xl_kik_are_made_as_usual():
    @dataclass(frozen=True)
    class Local:
        a: int = 1

    assert compiled(Local, "__eq__") and compiled(Local, "__init__") and compiled(Local, "__hash__")


def test_a_fresh_process_compiles_only_what_it_calls():
    """In a new process, importing the click's modules compiles no __eq__ of ours."""
    code = ("import sys, xl_kik.cli, xl_kik.steps.merge, dataclasses\n"
            "n = [c for m in list(sys.modules.values()) if m.__name__.startswith('xl_kik')"
            " for c in vars(m).values() if isinstance(c, type) and dataclasses.is_dataclass(c)"
            " and c.__module__ == m.__name__]\n"
            "eq = [c for c in n if c.__dict__['__eq__'].__code__.co_name == '__eq__']\n"
            "print(len(n), len(eq))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    classes, with_eq = map(int, out)
    assert classes > 50 and with_eq == (0 if LAZY else classes)
