"""Abstract values the resolver computes for expressions.

The scanner does not run code; it over-approximates what each expression can be. Only a few
kinds of value matter for security: references to modules and their attributes (``Ref``),
constants that may be folded into attribute names (``Const``), namespaces that can be indexed
by a name (``Namespace``), and the few callables that turn strings into attributes
(``AttrGetter``, ``MethodCaller``, ``BoundGetattribute``). Local functions and classes are kept
so that values returned or stored through them are still followed. Everything else is
``UNKNOWN``. A set of values stands for "any of these"; sets are capped so that pathological
code cannot blow up the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from mixpeek_tools.scanner.scopes import Scope

MAX_VALUES = 24


@dataclass(frozen=True, slots=True)
class Ref:
    """A module or an attribute reached from one, by dotted qualified name (``os.system``)."""

    qname: str

    def attr(self, name: str) -> Ref:
        return Ref(f"{self.qname}.{name}")


@dataclass(frozen=True, slots=True)
class Const:
    """A constant the scanner could fold: ``str``, ``bytes``, ``int`` or a tuple of those."""

    value: Any


@dataclass(frozen=True, slots=True)
class Seq:
    """A literal list/tuple/set whose items are known (each item is a set of values)."""

    items: tuple[frozenset[Value], ...]
    exact: bool = True  # False: the items are a summary of an unknown number of elements


@dataclass(frozen=True, slots=True)
class DictLit:
    """A literal dict: folded keys mapped to their value sets, plus every value for unknown keys."""

    entries: tuple[tuple[Any, frozenset[Value]], ...]


@dataclass(frozen=True, slots=True)
class Namespace:
    """A mapping from names to objects: ``vars(os)``, ``os.__dict__``, ``globals()``, ``sys.modules``.

    ``owner`` is the module's Ref for module dictionaries, ``scope`` the scope for
    ``globals()``/``locals()``, and ``sys_modules`` marks ``sys.modules`` (keys are module names).
    """

    owner: Ref | None = None
    scope: Scope | None = None
    sys_modules: bool = False
    copied: bool = False  # ``globals().copy()``: lookups still work, updates change nothing


@dataclass(frozen=True, slots=True)
class AttrGetter:
    """``operator.attrgetter(name)``: calling it on an object reads the (dotted) attribute."""

    names: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class MethodCaller:
    """``operator.methodcaller(name)``: calling it on an object calls that method."""

    name: str | None


@dataclass(frozen=True, slots=True)
class BoundGetattribute:
    """``obj.__getattribute__`` (or ``obj.__getattr__``): calling it with a name reads that attribute."""

    target: frozenset[Value]


@dataclass(frozen=True, slots=True)
class NamespaceMethod:
    """``ns.get``/``ns.__getitem__``/``ns.pop`` of a namespace: calling it looks a name up."""

    namespace: Namespace


@dataclass(frozen=True, slots=True, eq=False)
class FunctionValue:
    """A function or lambda defined in the file; calling it yields its return values."""

    scope: Scope


@dataclass(frozen=True, slots=True, eq=False)
class ClassValue:
    """A class defined in the file; attribute reads look in its body's bindings."""

    scope: Scope


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """An instance of a class defined in the file (``C()`` or ``self`` inside its methods)."""

    cls: ClassValue


@dataclass(frozen=True, slots=True)
class StrShape:
    """A string known only in part: a fixed prefix and suffix, and perhaps its letter case.

    ``'handle_' + kind`` is ``StrShape('handle_')``; ``name.upper()`` is ``StrShape(case='upper')``.
    A lookup with such a name can only reach members that fit, which is what keeps provably
    limited reflection (``getattr(self, 'on_' + event)``) from failing closed.
    """

    prefix: str = ""
    suffix: str = ""
    case: str | None = None  # "upper" or "lower"

    def fits(self, name: str) -> bool:
        if len(name) < len(self.prefix) + len(self.suffix):
            return False
        if not (name.startswith(self.prefix) and name.endswith(self.suffix)):
            return False
        if self.case == "upper":
            return name == name.upper()
        if self.case == "lower":
            return name == name.lower()
        return True

    @property
    def informative(self) -> bool:
        return bool(self.prefix or self.suffix or self.case)


@dataclass(frozen=True, slots=True)
class CodeObj:
    """A code object (``f.__code__``): altering or rebuilding it is dynamic code."""


@dataclass(frozen=True, slots=True)
class Unknown:
    """Anything the scanner does not follow (call results, parameters, I/O...)."""


UNKNOWN = Unknown()
UNKNOWN_SET: frozenset[Value] = frozenset({UNKNOWN})
EMPTY: frozenset[Value] = frozenset()

Value = Union[  # noqa: UP007 - a runtime alias; X | Y of forward references fails on 3.10
    Ref,
    Const,
    Seq,
    DictLit,
    Namespace,
    AttrGetter,
    MethodCaller,
    BoundGetattribute,
    NamespaceMethod,
    FunctionValue,
    ClassValue,
    Instance,
    StrShape,
    CodeObj,
    Unknown,
]


def capped(values: set[Value] | frozenset[Value]) -> frozenset[Value]:
    """The set itself, or a smaller one with ``UNKNOWN`` when it grew past :data:`MAX_VALUES`.

    References are kept first: dropping a reference could hide a forbidden name.
    """
    if len(values) <= MAX_VALUES:
        return frozenset(values)
    keep = [v for v in values if isinstance(v, (Ref, Namespace, AttrGetter, MethodCaller))]
    return frozenset([*keep[: MAX_VALUES * 4], UNKNOWN])
