"""The scanner's scope model: :class:`Scope`, binding records and the syntax helpers both passes use.

:mod:`mixpeek_tools.scanner.scopes` builds these while it walks a module (pass one); the
resolver (:mod:`mixpeek_tools.scanner.resolve`) reads them (pass two).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from typing import Any

import libcst as cst

from mixpeek_tools.scanner.values import ClassValue

# A binding is a small tuple; its first item, one of these tags, says how to compute its values
# (plain strings: the resolver compares them on every name lookup).
FIXED = "fixed"  # (FIXED, frozenset): fixed values
EXPRESSION = "expression"  # (EXPRESSION, expr, scope): the value of an expression
ELEMENT = "element"  # (ELEMENT, expr, scope): an element of an iterable expression
UNPACKED = "unpacked"  # (UNPACKED, expr, scope, path): an element of a tuple-unpacked expression
ANNOTATED = "annotated"  # (ANNOTATED, expr, scope): instances of an annotation
PARAMETER = "parameter"  # (PARAMETER, func_scope, name): default, annotation, call-site arguments
ELEMENT_UNPACKED = "element_unpacked"  # (ELEMENT_UNPACKED, expr, scope, path): element, then unpacked
STARRED_REST = "starred_rest"  # (STARRED_REST, binding): the starred rest of an unpacking (a list)
STORED = "stored"  # (STORED, expr, scope): a value stored into a container
STORED_BINDING = "stored_binding"  # (STORED_BINDING, binding): a binding's values stored into a container
Binding = tuple[Any, ...]

_SKIP_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "colon",
        "equal",
        "dot",
        "operator",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "newline",
        "asynchronous",
        "arrow",
        "star",
        "star_tok",
        "whitespace_before_colon",
        "default_comma",
        "default_equal",
        "equal_token",
        "walrus",
        "at",
        "first_line",
        "prefix",
        "value_whitespace",
    }
)
_FIELDS: dict[type, tuple[str, ...]] = {}
CONTAINER_PUTS = frozenset({"append", "appendleft", "add", "insert", "extend", "update", "setdefault", "push"})


def child_fields(tp: type) -> tuple[str, ...]:
    """Names of the fields of a libcst node type that can hold code (not whitespace/tokens)."""
    fields = _FIELDS.get(tp)
    if fields is None:
        fields = tuple(
            f.name
            for f in dataclasses.fields(tp)
            if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS[tp] = fields
    return fields


def ident(name: str) -> str:
    """An identifier as Python sees it: NFKC-normalised (fullwidth letters become ASCII ones)."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain (as in import statements), else ``None``."""
    if isinstance(node, cst.Name):
        return ident(node.value)
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{ident(node.attr.value)}"
    return None


class Scope:
    """One Python scope and what is bound in it."""

    __slots__ = (
        "binding_conditionally",
        "bindings",
        "cls",
        "conditional",
        "first_statement",
        "global_names",
        "kind",
        "node",
        "nonlocal_names",
        "param_index",
        "params",
        "parent",
        "returns",
        "self_attrs",
        "self_name",
        "stars",
    )

    def __init__(self, kind: str, parent: Scope | None, node: cst.CSTNode | None = None) -> None:
        self.kind = kind  # module | function | lambda | class | comprehension
        self.parent = parent
        self.node = node
        self.bindings: dict[str, list[Binding]] = {}
        self.first_statement: dict[str, int] = {}  # name -> top-level statement binding it first
        self.conditional: set[str] = set()  # names bound under a top-level if/for/while
        self.binding_conditionally = False  # whether that statement is being walked
        self.global_names: set[str] = set()
        self.nonlocal_names: set[str] = set()
        self.stars: list[str] = []
        self.returns: list[cst.BaseExpression] = []
        self.params: dict[str, cst.Param] = {}
        self.param_index: dict[str, int] = {}
        self.self_attrs: dict[str, list[Binding]] = {}
        self.self_name: str | None = None
        self.cls: ClassValue | None = None

    def bind(self, name: str, binding: Binding, statement: int | None = None) -> None:
        self.bindings.setdefault(name, []).append(binding)
        if self.binding_conditionally:
            self.conditional.add(name)
        if statement is not None and name not in self.first_statement:
            self.first_statement[name] = statement

    def function_scope(self) -> Scope:
        """The scope a walrus binds in: the nearest one that is not a comprehension."""
        scope: Scope = self
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        return scope


@dataclasses.dataclass
class ImportUse:
    """One name an import statement brings in, to be checked against the catalog."""

    node: cst.CSTNode
    qname: str
    star: bool = False
