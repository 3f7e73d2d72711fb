"""Pass two: what each expression can be, and which of them reach a forbidden capability.

The :class:`Evaluator` computes, lazily and once per node, the set of abstract values an
expression can take (see :mod:`mixpeek_tools.scanner.values`), following names through the
scopes built by :mod:`mixpeek_tools.scanner.scopes`. Whenever an expression can be a forbidden
qualified name it reports it, at that expression: so an alias (``e = eval``), a value passed as
a callback (``map(os.system, ...)``), a default argument or a container entry is caught where
the forbidden thing is touched, and again wherever an alias of it is used. String-to-attribute
gateways (``getattr``, ``vars``, ``__dict__``, ``attrgetter``, ``sys.modules``, ``globals()``)
are followed through folded constants, and fail closed on a sensitive module when the name
cannot be folded.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import libcst as cst

from mixpeek_tools.scanner import constfold, flows, folding
from mixpeek_tools.scanner.catalog import (
    HOP_MODULES,
    LOADER_METHODS,
    LOOP_NAMED_METHODS,
    LOOP_ONLY_METHODS,
    RETURNS,
    Catalog,
    canonical,
)
from mixpeek_tools.scanner.project import Project, sibling_values
from mixpeek_tools.scanner.scopes import Binder, Binding, Scope, ident
from mixpeek_tools.scanner.specials import SPECIALS
from mixpeek_tools.scanner.values import (
    EMPTY,
    UNKNOWN,
    UNKNOWN_SET,
    AttrGetter,
    BoundGetattribute,
    ClassV,
    CodeObj,
    Const,
    DictLit,
    Func,
    Instance,
    MethodCaller,
    Namespace,
    NamespaceMethod,
    Ref,
    Seq,
    StrShape,
    Value,
    capped,
)

_NOFOLD = constfold.NOFOLD
_MAX_OPTIONS = constfold.MAX_OPTIONS

# Types that are harmless to name (isinstance checks) and dangerous only when called.
CALL_ONLY = frozenset({"types.FunctionType", "types.LambdaType", "types.CodeType"})
FRAME_GLOBALS = {"__globals__", "func_globals", "f_globals", "f_builtins", "f_locals"}
CLASS_WALK = frozenset({"__base__", "__bases__", "__mro__"})
GADGET_BASES = {"__class__", "__base__", "__bases__", "__mro__"}
PICKLE_LOADS = {
    "pickle.loads",
    "pickle._loads",
    "dill.loads",
    "cloudpickle.loads",
    "jsonpickle.decode",
}
TIMEIT = {"timeit.timeit", "timeit.repeat", "timeit.Timer"}
GETATTR_LIKE = {"builtins.getattr", "inspect.getattr_static"}
NAMESPACE_METHODS = {"get", "__getitem__", "pop", "setdefault"}


def attribute_qname(base: str, attr: str) -> str:
    """The qualified name of ``base.attr``, following module attributes that hold modules.

    ``tempfile._os`` is the ``os`` module, so ``tempfile._os.system`` is ``os.system``.
    """
    if base != "builtins" and not base.startswith("."):
        if attr in HOP_MODULES:
            return canonical(attr)
        stripped = attr.lstrip("_")
        if stripped != attr and stripped in HOP_MODULES:
            return canonical(stripped)
    return canonical(f"{base}.{attr}")


@dataclass
class Report:
    """A raw finding: the node it is at, its category and what to say."""

    node: cst.CSTNode
    category: str
    qname: str | None
    message: str


class Evaluator:
    """Computes values of expressions (memoised per node) and collects reports."""

    def __init__(self, binder: Binder, catalog: Catalog, project: Project | None = None, module: str | None = None) -> None:
        self.binder = binder
        self.catalog = catalog
        self.project = project
        self.module = module
        self.module_scope = binder.module_scope
        self.memo: dict[int, frozenset[Value]] = {}
        self.reports: dict[tuple[int, str, str], Report] = {}
        self._active: set[int] = set()
        self._bind_active: set[int] = set()
        self._handlers: dict[type, Callable[[Any, Scope], frozenset[Value]]] = {
            cst.Name: self._name,
            cst.Attribute: self._attribute,
            cst.Call: self._call,
            cst.Subscript: self._subscript,
            cst.SimpleString: partial(constfold.literal, self),
            cst.Integer: partial(constfold.literal, self),
            cst.Float: partial(constfold.literal, self),
            cst.ConcatenatedString: partial(constfold.concat, self),
            cst.FormattedString: partial(constfold.fstring, self),
            cst.BinaryOperation: partial(constfold.binop, self),
            cst.UnaryOperation: partial(constfold.unop, self),
            cst.BooleanOperation: self._boolop,
            cst.IfExp: self._ifexp,
            cst.Tuple: self._sequence,
            cst.List: self._sequence,
            cst.Set: self._sequence,
            cst.Dict: self._dict,
            cst.NamedExpr: self._walrus,
            cst.Lambda: self._lambda,
            cst.GeneratorExp: partial(constfold.comprehension, self),
            cst.ListComp: partial(constfold.comprehension, self),
            cst.SetComp: partial(constfold.comprehension, self),
        }

    # -- entry points ----------------------------------------------------------------------

    def run(self) -> list[Report]:
        for node, scope in self.binder.roots:
            self.ev(node, scope)
        for use in self.binder.imports:
            self._check_qname(use.node, use.qname)
        flows.check_sinks(self)
        flows.check_code_writes(self)
        return list(self.reports.values())

    def ev(self, node: cst.CSTNode, scope: Scope) -> frozenset[Value]:
        key = id(node)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        handler = self._handlers.get(type(node))
        if handler is None:
            return UNKNOWN_SET
        if key in self._active:
            return UNKNOWN_SET
        self._active.add(key)
        try:
            values = capped(handler(node, scope))
        finally:
            self._active.discard(key)
        self.memo[key] = values
        if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            self._check(node, values)
        return values

    # -- reporting -------------------------------------------------------------------------

    def report(self, node: cst.CSTNode, category: str, message: str, qname: str | None = None) -> None:
        key = (id(node), category, qname or message)
        if key not in self.reports:
            self.reports[key] = Report(node, category, qname, message)

    def _check(self, node: cst.CSTNode, values: frozenset[Value]) -> None:
        for value in values:
            if isinstance(value, Ref):
                self._check_qname(node, value.qname)

    def _check_qname(self, node: cst.CSTNode, qname: str, called: bool = False) -> None:
        if qname.startswith("builtins.") and qname.endswith(".__subclasses__"):
            self.report(node, "dynamic_code", "`__subclasses__` of a built-in class lists loaded classes, a known route to os/subprocess internals", "attr:__subclasses__")
            return
        hit = self.catalog.match(qname)
        if hit is not None:
            entry, category = hit
            if entry in CALL_ONLY and not called:
                return
            if entry == "types.CodeType" and qname != entry:
                return
            reason = self.catalog.reasons.get(entry, "forbidden")
            shown = _display(qname)
            written = _written(node)
            prefix = f"`{written}` is `{shown}`, which" if written and written not in (shown, qname) else f"`{shown}`"
            self.report(node, category, f"{prefix} is forbidden: {reason}", qname)

    def fail_closed(self, node: cst.CSTNode, target: Value, how: str, shapes: list[str | StrShape] | None = None) -> None:
        flows.fail_closed(self, node, target, how, shapes)

    def _sensitive(self, value: Value) -> bool:
        if isinstance(value, Namespace) and value.scope is not None:
            return True
        return flows.reach_of(self, value) is not None

    # -- names and bindings ----------------------------------------------------------------

    def _name(self, node: cst.Name, scope: Scope) -> frozenset[Value]:
        name = ident(node.value)
        values = self.lookup(name, scope, node)
        stores = self.binder.stores.get(name)
        if stores:
            values = values | self.binding_values(stores)
        return values

    def lookup(self, name: str, scope: Scope, node: cst.CSTNode | None = None) -> frozenset[Value]:
        start = scope
        current: Scope | None = scope
        if name in scope.global_names:
            current = self.module_scope
        elif name in scope.nonlocal_names and scope.parent is not None:
            current = scope.parent
        found: set[Value] = set()
        while current is not None:
            if current.kind == "class" and current is not start:
                current = current.parent
                continue
            bindings = current.bindings.get(name)
            if bindings is not None:
                found |= self.binding_values(bindings)
                if current.kind == "module":
                    if self._may_be_unbound(name, current, node):
                        found |= self.fallback(name)
                    return frozenset(found)
                if current.kind != "class":
                    return frozenset(found)
            current = current.parent
        return frozenset(found | self.fallback(name))

    def _may_be_unbound(self, name: str, module: Scope, node: cst.CSTNode | None) -> bool:
        """Whether a module-level name can still be the builtin (or star import) at this use.

        True for a top-level use before the first binding (or in the same simple statement,
        where the right-hand side runs first), and for a use after a binding that happens
        only under ``if``/``for``/``while``. Uses inside functions see the module's bindings.
        """
        top = self.binder.tops.get(id(node)) if node is not None else None
        first = module.first_top.get(name)
        if top is not None and first is not None:
            if first > top:
                return True
            if first == top:
                kind = self.binder.top_kinds[top] if top < len(self.binder.top_kinds) else None
                return kind is cst.SimpleStatementLine
            return name in module.conditional
        return False

    def fallback(self, name: str) -> frozenset[Value]:
        """What an unbound name is: a star-imported attribute or a builtin."""
        if name == "__builtins__":
            return frozenset({Ref("builtins")})
        if name == "True":
            return frozenset({Const(True)})
        if name == "False":
            return frozenset({Const(False)})
        if name == "None":
            return frozenset({Const(None)})
        values: set[Value] = {Ref(f"builtins.{name}")}
        for module in self.module_scope.stars:
            values.add(Ref(attribute_qname(module, name)))
        return frozenset(values)

    def binding_values(self, bindings: list[Binding]) -> frozenset[Value]:
        out: set[Value] = set()
        for binding in bindings:
            out |= self._binding(binding)
        return frozenset(out)

    def _binding(self, binding: Binding) -> frozenset[Value]:
        kind = binding[0]
        if kind == "v":
            fixed: frozenset[Value] = binding[1]
            return self.siblings(fixed) if self.project is not None else fixed
        key = id(binding)
        if key in self._bind_active:
            return UNKNOWN_SET
        self._bind_active.add(key)
        try:
            if kind == "e":
                return self.ev(binding[1], binding[2])
            if kind == "it":
                return self.elements(self.ev(binding[1], binding[2]))
            if kind == "un":
                return self._unpack(self.ev(binding[1], binding[2]), binding[3])
            if kind == "ann":
                return frozenset(v for v in self.ev(binding[1], binding[2]) if isinstance(v, Ref)) | UNKNOWN_SET
            if kind == "p":
                return self._param(binding[1], binding[2])
            if kind == "itun":
                return self._unpack(self.elements(self.ev(binding[1], binding[2])), binding[3])
            if kind == "star":
                return frozenset({Seq((self.elements(self._binding(binding[1])),), exact=False)})
            if kind == "putb":
                return frozenset({Seq((self._binding(binding[1]),), exact=False)})
            if kind == "put":
                values = self.ev(binding[1], binding[2])
                return frozenset({Seq((values | self.elements(values),), exact=False)})
        finally:
            self._bind_active.discard(key)
        return UNKNOWN_SET

    def siblings(self, values: frozenset[Value]) -> frozenset[Value]:
        """Names imported from the plugin's own modules, replaced by what those modules define."""
        out: set[Value] = set()
        for value in values:
            export = sibling_values(self.project, self.module, value.qname) if isinstance(value, Ref) else None
            if export is None:
                out.add(value)
            elif export[0] == "const":
                out.add(Const(export[1]))
            else:
                out.add(Ref(canonical(export[1])))
        return frozenset(out)

    def _param(self, scope: Scope, name: str) -> frozenset[Value]:
        """A parameter: unknown, its default, its annotation's type, and call-site arguments."""
        out: set[Value] = {UNKNOWN}
        if scope.self_name == name and scope.cls is not None:
            out.add(Instance(scope.cls))
        param = scope.params.get(name)
        parent = scope.parent or self.module_scope
        if param is not None:
            if param.default is not None:
                out |= self.ev(param.default, parent)
            if param.annotation is not None:
                out |= {v for v in self.ev(param.annotation.annotation, parent) if isinstance(v, Ref)}
        if param is None:
            return frozenset(out)
        star = param.star if isinstance(param.star, str) else ""
        index = scope.param_index.get(name, -1) - (1 if scope.self_name is not None else 0)
        for call, call_scope in self._call_sites(scope):
            if star == "**":
                out.add(self._keyword_arguments(call, call_scope))
            elif star == "*":
                out.add(self._positional_rest(call, call_scope, index))
            else:
                out |= self._argument(call, call_scope, name, index)
        return frozenset(out)

    def _call_sites(self, scope: Scope) -> list[tuple[cst.Call, Scope]]:
        """Calls that may reach this function, by name (a class name for ``__init__``)."""
        func_name = _function_name(scope)
        if func_name is None:
            return []
        sites = list(self.binder.calls.get(func_name, [])[:32])
        if func_name in ("__init__", "__new__") and scope.cls is not None:
            class_node = scope.cls.scope.node
            if isinstance(class_node, cst.ClassDef):
                sites.extend(self.binder.calls.get(ident(class_node.name.value), [])[:32])
        return sites

    def _keyword_arguments(self, call: cst.Call, scope: Scope) -> Value:
        entries = tuple(
            (ident(arg.keyword.value), self.ev(arg.value, scope)) for arg in call.args if arg.keyword is not None
        )
        return DictLit(entries)

    def _positional_rest(self, call: cst.Call, scope: Scope, index: int) -> Value:
        values: set[Value] = set()
        position = 0
        for arg in call.args:
            if arg.keyword is not None:
                continue
            if position >= index or arg.star:
                values |= self.ev(arg.value, scope) if not arg.star else self.elements(self.ev(arg.value, scope))
            position += 1
        return Seq((frozenset(values) or UNKNOWN_SET,), exact=False)

    def _argument(self, call: cst.Call, scope: Scope, name: str, index: int) -> frozenset[Value]:
        position = 0
        for arg in call.args:
            if arg.keyword is not None:
                if ident(arg.keyword.value) == name:
                    return self.ev(arg.value, scope)
                continue
            if arg.star:
                return EMPTY
            if position == index:
                return self.ev(arg.value, scope)
            position += 1
        return EMPTY

    def elements(self, values: frozenset[Value]) -> frozenset[Value]:
        """What iterating over ``values`` yields."""
        out: set[Value] = set()
        for value in values:
            if isinstance(value, Seq):
                for item in value.items:
                    out |= item
            elif isinstance(value, Const) and isinstance(value.value, (str, bytes, tuple)):
                items = value.value[:64]
                out |= {Const(c) for c in items}
            elif isinstance(value, DictLit):
                out |= {Const(k) for k, _ in value.entries if k is not _NOFOLD}
                out.add(UNKNOWN)
            else:
                out.add(UNKNOWN)
        return frozenset(out) or UNKNOWN_SET

    def _unpack(self, values: frozenset[Value], path: tuple[int, ...]) -> frozenset[Value]:
        current = values
        for index in path:
            nxt: set[Value] = set()
            for value in current:
                if isinstance(value, Seq) and value.exact and index < len(value.items):
                    nxt |= value.items[index]
                elif isinstance(value, Seq):
                    for item in value.items:
                        nxt |= item
                    nxt.add(UNKNOWN)
                elif isinstance(value, Const) and isinstance(value.value, (tuple, str, bytes)):
                    try:
                        nxt.add(Const(value.value[index]))
                    except IndexError:
                        nxt.add(UNKNOWN)
                else:
                    nxt.add(UNKNOWN)
            current = frozenset(nxt)
        return current

    # -- attributes --------------------------------------------------------------------------

    def _attribute(self, node: cst.Attribute, scope: Scope) -> frozenset[Value]:
        attr = ident(node.attr.value)
        base = self.ev(node.value, scope)
        if attr in FRAME_GLOBALS:
            self.report(
                node,
                "dynamic_code",
                f"`.{attr}` reads another function's or frame's globals, a route to eval/exec "
                "and to any module",
                f"attr:{attr}",
            )
        elif attr == "__subclasses__" and self._gadget_receiver(node.value, base):
            self.report(
                node,
                "dynamic_code",
                "`__subclasses__()` on a built-in base class lists every loaded class, a known "
                "route to os/subprocess internals",
                "attr:__subclasses__",
            )
        elif attr == "__loader__" or (attr == "loader" and _is_spec(node.value)):
            self.report(
                node,
                "dynamic_import",
                f"`.{attr}` is a module loader, which can load and execute code",
                f"attr:{attr}",
            )
        out: set[Value] = set()
        for value in base:
            out |= self.attr_of(value, attr)
        return frozenset(out)

    @staticmethod
    def _gadget_receiver(node: cst.BaseExpression, values: frozenset[Value]) -> bool:
        if any(isinstance(v, Ref) and v.qname.startswith("builtins.") for v in values):
            return True
        while isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
            if isinstance(node, cst.Attribute) and node.attr.value in GADGET_BASES:
                return True
            node = node.func if isinstance(node, cst.Call) else node.value
        return False

    def attr_of(self, value: Value, attr: str) -> frozenset[Value]:
        if attr == "__builtins__":
            return frozenset({Ref("builtins")})
        special = self._object_graph(value, attr)
        if special is not None:
            return special
        if isinstance(value, Ref):
            if attr in ("__getattribute__", "__getattr__"):
                return frozenset({BoundGetattribute(frozenset({value})), Ref(f"{value.qname}.{attr}")})
            if attr == "__dict__":
                return frozenset({Namespace(owner=value)})
            if value.qname == "sys" and attr == "modules":
                return frozenset({Namespace(sys_modules=True)})
            if attr == "__self__" and value.qname.startswith("builtins."):
                return frozenset({Ref("builtins")})
            hopped: frozenset[Value] = frozenset({Ref(attribute_qname(value.qname, attr))})
            return self.siblings(hopped) if self.project is not None else hopped
        if isinstance(value, Namespace) and attr in NAMESPACE_METHODS:
            return frozenset({NamespaceMethod(value)})
        if isinstance(value, (Instance, ClassV)):
            cls = value.cls if isinstance(value, Instance) else value
            found: set[Value] = set()
            bindings = cls.scope.bindings.get(attr)
            if bindings:
                found |= self.binding_values(bindings)
            self_bindings = cls.scope.self_attrs.get(attr)
            if self_bindings:
                found |= self.binding_values(self_bindings)
            if attr in ("__getattribute__", "__getattr__"):
                found.add(BoundGetattribute(frozenset({value})))
            return frozenset(found) or UNKNOWN_SET
        if isinstance(value, Namespace) and attr in ("__getitem__", "get"):
            return UNKNOWN_SET
        return UNKNOWN_SET

    @staticmethod
    def _object_graph(value: Value, attr: str) -> frozenset[Value] | None:
        """Attributes every object has that lead elsewhere in the object graph.

        ``__base__``/``__bases__``/``__mro__`` of anything reach ``object`` (whose
        ``__subclasses__`` list every loaded class); ``__code__`` is a code object (its
        ``replace`` and its type rebuild code); a function's class is ``types.FunctionType``;
        ``f.__module__`` of a module attribute names the module (``sys.modules[...]`` key).
        """
        if attr in CLASS_WALK:
            obj = Ref("builtins.object")
            return frozenset({obj, Seq((frozenset({obj}),), exact=False), UNKNOWN})
        if attr == "__code__":
            return frozenset({CodeObj(), UNKNOWN})
        if isinstance(value, CodeObj):
            return frozenset({Ref("types.CodeType")}) if attr in ("replace", "__class__", "__new__") else UNKNOWN_SET
        if isinstance(value, Func) and attr == "__class__":
            return frozenset({Ref("types.FunctionType")})
        if isinstance(value, Const) and attr == "__class__":
            return frozenset({Ref(f"builtins.{type(value.value).__name__}")})
        if isinstance(value, Ref) and attr == "__module__" and "." in value.qname:
            return frozenset({Const(value.qname.rsplit(".", 1)[0])})
        return None

    def read(self, node: cst.CSTNode, targets: frozenset[Value], names: frozenset[Value], how: str) -> frozenset[Value]:
        """``getattr(target, name)`` for every combination; fail closed on unknown names."""
        out: set[Value] = set()
        options = self.const_options(names)
        shapes = flows.name_shapes(self, names) if options is None else None
        for name in options or ():
            if isinstance(name, str):
                flows.check_reflection_name(self, node, name)
        for target in targets:
            if options is None:
                if self._sensitive(target):
                    self.fail_closed(node, target, how, shapes)
                out.add(UNKNOWN)
                continue
            for name in options:
                if isinstance(name, str):
                    for part_values in [self.attr_chain(target, name)]:
                        out |= part_values
                else:
                    out.add(UNKNOWN)
        return frozenset(out) or UNKNOWN_SET

    def attr_chain(self, target: Value, dotted_name: str) -> frozenset[Value]:
        current: frozenset[Value] = frozenset({target})
        for part in dotted_name.split("."):
            nxt: set[Value] = set()
            for value in current:
                nxt |= self.attr_of(value, part)
            current = frozenset(nxt)
        return current

    # -- subscripts --------------------------------------------------------------------------

    def _subscript(self, node: cst.Subscript, scope: Scope) -> frozenset[Value]:
        base = self.ev(node.value, scope)
        if len(node.slice) != 1:
            return UNKNOWN_SET
        element = node.slice[0].slice
        if isinstance(element, cst.Index):
            if (
                _own_module_key(element.value)
                and any(isinstance(_as_namespace(b), Namespace) for b in base)
                and self.const_options(self.ev(element.value, scope)) is None
            ):
                return UNKNOWN_SET
            keys = self.ev(element.value, scope)
        elif isinstance(element, cst.Slice):
            keys = self._slice(element, scope)
        else:
            return UNKNOWN_SET
        return self.index(node, base, keys)

    def _slice(self, element: cst.Slice, scope: Scope) -> frozenset[Value]:
        parts: list[int | None] = []
        for part in (element.lower, element.upper, element.step):
            if part is None:
                parts.append(None)
                continue
            value = self.single_const(self.ev(part, scope))
            if value is _NOFOLD or not (value is None or isinstance(value, int)):
                return UNKNOWN_SET
            parts.append(value)
        return frozenset({Const(folding.SliceKey(*parts))})

    def index(self, node: cst.CSTNode, bases: frozenset[Value], keys: frozenset[Value]) -> frozenset[Value]:
        out: set[Value] = set()
        options = self.const_options(keys)
        for base in map(_as_namespace, bases):
            if isinstance(base, Namespace):
                out |= self.namespace_get(node, base, options)
            elif isinstance(base, Ref) and base.qname == "builtins":
                if options is None:
                    self.fail_closed(node, base, "a subscript")
                    out.add(UNKNOWN)
                else:
                    out |= {Ref(f"builtins.{k}") if isinstance(k, str) else UNKNOWN for k in options}
            elif isinstance(base, Const):
                if options is None:
                    out.add(UNKNOWN)
                else:
                    for key in options:
                        folded = folding.subscript(base.value, key)
                        out.add(UNKNOWN if folded is None else Const(folded))
            elif isinstance(base, Seq):
                out |= self._seq_index(base, options)
            elif isinstance(base, DictLit):
                out |= self._dict_get(base, options)
            else:
                out.add(UNKNOWN)
        return frozenset(out) or UNKNOWN_SET

    @staticmethod
    def _seq_index(base: Seq, options: list[Any] | None) -> set[Value]:
        out: set[Value] = set()
        if options is not None and base.exact and all(isinstance(k, int) and not isinstance(k, bool) for k in options):
            for key in options:
                try:
                    out |= base.items[key]
                except IndexError:
                    out.add(UNKNOWN)
            return out
        for item in base.items:
            out |= item
        out.add(UNKNOWN)
        return out

    @staticmethod
    def _dict_get(base: DictLit, options: list[Any] | None) -> set[Value]:
        out: set[Value] = set()
        if options is not None:
            matched = False
            for key in options:
                for entry_key, entry_values in base.entries:
                    if entry_key is _NOFOLD or entry_key == key:
                        out |= entry_values
                        matched = matched or entry_key == key
            if matched:
                return out
        for _, entry_values in base.entries:
            out |= entry_values
        if not base.entries or any(key is _NOFOLD for key, _ in base.entries):
            out.add(UNKNOWN)  # a literal with every key known yields one of its values (an allowlist)
        return out

    def namespace_get(self, node: cst.CSTNode, ns: Namespace, options: list[Any] | None) -> set[Value]:
        if options is None:
            if self._sensitive(ns):
                self.fail_closed(node, ns, "a namespace lookup")
            return {UNKNOWN}
        out: set[Value] = set()
        for key in options:
            if not isinstance(key, str):
                out.add(UNKNOWN)
            elif ns.sys_modules:
                out.add(Ref(canonical(key)))
            elif ns.scope is not None:
                out |= self.lookup(key, ns.scope)
            elif ns.owner is not None:
                out |= self.attr_of(ns.owner, key)
        return out

    # -- constants ---------------------------------------------------------------------------








    def _boolop(self, node: cst.BooleanOperation, scope: Scope) -> frozenset[Value]:
        return self.ev(node.left, scope) | self.ev(node.right, scope)

    def _ifexp(self, node: cst.IfExp, scope: Scope) -> frozenset[Value]:
        self.ev(node.test, scope)
        return self.ev(node.body, scope) | self.ev(node.orelse, scope)

    def _walrus(self, node: cst.NamedExpr, scope: Scope) -> frozenset[Value]:
        return self.ev(node.value, scope)

    def _lambda(self, node: cst.Lambda, scope: Scope) -> frozenset[Value]:
        inner = self.binder.scope_of.get(id(node))
        return frozenset({Func(inner)}) if inner is not None else UNKNOWN_SET

    def _sequence(self, node: cst.Tuple | cst.List | cst.Set, scope: Scope) -> frozenset[Value]:
        items: list[frozenset[Value]] = []
        exact = not isinstance(node, cst.Set)
        for element in node.elements:
            values = self.ev(element.value, scope)
            if isinstance(element, cst.StarredElement):
                exact = False
                items.append(self.elements(values))
            else:
                items.append(values)
        return frozenset({Seq(tuple(items[:256]), exact and len(items) <= 256)})

    def _dict(self, node: cst.Dict, scope: Scope) -> frozenset[Value]:
        entries: list[tuple[Any, frozenset[Value]]] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = self.single_const(self.ev(element.key, scope))
                entries.append((key, self.ev(element.value, scope)))
            else:
                entries.append((_NOFOLD, self.elements(self.ev(element.value, scope))))
        return frozenset({DictLit(tuple(entries[:256]))})





    def single_const(self, values: frozenset[Value]) -> Any:
        options = self.const_options(values)
        if options is None or len(options) != 1:
            return _NOFOLD
        return options[0]

    def const_options(self, values: frozenset[Value]) -> list[Any] | None:
        """Every constant ``values`` may be (tuples for literal sequences), or ``None``."""
        out: list[Any] = []
        for value in values:
            if isinstance(value, Const):
                out.append(value.value)
            elif isinstance(value, Seq) and value.exact:
                combos: list[tuple[Any, ...]] = [()]
                for item in value.items:
                    item_options = self.const_options(item)
                    if item_options is None:
                        return None
                    combos = [(*c, o) for c in combos for o in item_options][:_MAX_OPTIONS]
                out.extend(combos)
            else:
                return None
            if len(out) > _MAX_OPTIONS:
                return None
        return out or None

    # -- calls -------------------------------------------------------------------------------

    def _call(self, node: cst.Call, scope: Scope) -> frozenset[Value]:
        funcs = self.ev(node.func, scope)
        args: list[frozenset[Value]] = []
        kwargs: dict[str, frozenset[Value]] = {}
        starred = False
        for arg in node.args:
            values = self.ev(arg.value, scope)
            if arg.keyword is not None:
                kwargs[ident(arg.keyword.value)] = values
            elif arg.star:
                starred = True
                if arg.star == "*":
                    args.extend(self._spread(values))
            else:
                args.append(values)
        out: set[Value] = set()
        for func in funcs:
            if isinstance(func, Ref) and func.qname in CALL_ONLY:
                self._check_qname(node, func.qname, called=True)
        self._call_checks(node, funcs, args, kwargs, scope)
        for func in funcs:
            out |= self.apply(node, func, args, kwargs, scope, starred)
        method = self._method_fold(node, scope, args, kwargs)
        if method is not None:
            out.discard(UNKNOWN)
            out |= method
        return frozenset(out) or UNKNOWN_SET

    def _spread(self, values: frozenset[Value]) -> list[frozenset[Value]]:
        for value in values:
            if isinstance(value, Seq) and value.exact and len(values) == 1:
                return list(value.items)
        return [self.elements(values)]

    def apply(
        self,
        node: cst.Call,
        func: Value,
        args: list[frozenset[Value]],
        kwargs: dict[str, frozenset[Value]],
        scope: Scope,
        starred: bool,
    ) -> frozenset[Value]:
        if isinstance(func, Ref):
            return self._call_ref(node, func.qname, args, kwargs, scope)
        if isinstance(func, Func):
            out: set[Value] = set()
            for ret in func.scope.returns:
                out |= self.ev(ret, func.scope)
            return frozenset(out) or UNKNOWN_SET
        if isinstance(func, ClassV):
            return frozenset({Instance(func)})
        if isinstance(func, AttrGetter) and args:
            if func.names is None:
                for target in args[0]:
                    if self._sensitive(target):
                        self.fail_closed(node, target, "operator.attrgetter")
                return UNKNOWN_SET
            out = set()
            for target in args[0]:
                for name in func.names:
                    out |= self.attr_chain(target, name)
            return frozenset(out)
        if isinstance(func, MethodCaller) and args:
            if func.name is None:
                for target in args[0]:
                    if self._sensitive(target):
                        self.fail_closed(node, target, "operator.methodcaller")
                return UNKNOWN_SET
            method: set[Value] = set()
            for target in args[0]:
                method |= self.attr_of(target, func.name)
            self._check(node, frozenset(method))
            return UNKNOWN_SET
        if isinstance(func, BoundGetattribute) and args:
            return self.read(node, func.target, args[0], "__getattribute__")
        if isinstance(func, NamespaceMethod) and args:
            if _own_module_key(node.args[0].value):
                return UNKNOWN_SET
            return frozenset(self.namespace_get(node, func.namespace, self.const_options(args[0])))
        return UNKNOWN_SET

    def _call_ref(
        self,
        node: cst.Call,
        qname: str,
        args: list[frozenset[Value]],
        kwargs: dict[str, frozenset[Value]],
        scope: Scope,
    ) -> frozenset[Value]:
        special = SPECIALS.get(qname)
        if special is not None:
            result = special(self, node, args, kwargs, scope)
            if result is not None:
                return result
        if qname.endswith((".__getattribute__", ".__getattr__")) and len(args) >= 2:
            return self.read(node, args[0], args[1], "__getattribute__")
        if qname in folding.FUNCTIONS and args and not kwargs:
            folded = constfold.fold_call(self, qname, args)
            if folded is not None:
                return folded
        target = RETURNS.get(qname)
        if target is not None:
            return frozenset({Ref(target)})
        if qname[:1].isalpha() and qname.rsplit(".", 1)[-1][:1].isupper() and self.catalog.has_members(qname):
            return frozenset({Ref(qname), UNKNOWN})  # an instance of a class with a dangerous method
        return UNKNOWN_SET


    def _method_fold(
        self,
        node: cst.Call,
        scope: Scope,
        args: list[frozenset[Value]],
        kwargs: dict[str, frozenset[Value]],
    ) -> frozenset[Value] | None:
        """Methods on constants (``"x".join``), namespaces (``vars(os).get``) and dict literals."""
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        name = ident(func.attr.value)
        receivers = self.ev(func.value, scope)
        out: set[Value] = set()
        if name in ("upper", "lower") and not args and not any(isinstance(r, Const) for r in receivers):
            out.add(StrShape(case=name))
        for receiver in map(_as_namespace, receivers):
            if isinstance(receiver, Const):
                out |= self._const_method(receiver, name, args, kwargs)
            elif isinstance(receiver, Namespace):
                if name in NAMESPACE_METHODS and args:
                    if _own_module_key(node.args[0].value):
                        out.add(UNKNOWN)
                    else:
                        out |= self.namespace_get(node, receiver, self.const_options(args[0]))
                elif name == "update" and receiver.scope is not None and not receiver.copied and args and not all(
                    isinstance(v, DictLit) for v in args[0]
                ):
                    self.report(
                        node,
                        "dynamic_code",
                        "`globals()/locals().update(...)` with a computed mapping injects names "
                        "(possibly a module's members) into the namespace",
                        "call:namespace-update",
                    )
                elif name in ("items", "values") and (receiver.owner is not None or receiver.sys_modules) and self._sensitive(receiver):
                    self.fail_closed(node, receiver, f"`.{name}()`")
                elif name == "copy":
                    out.add(Namespace(receiver.owner, receiver.scope, receiver.sys_modules, copied=True))
            elif isinstance(receiver, DictLit) and name in NAMESPACE_METHODS and args:
                out |= self._dict_get(receiver, self.const_options(args[0]))
            elif isinstance(receiver, DictLit) and name == "items":
                pairs = frozenset(Seq((frozenset({Const(k)}) if k is not _NOFOLD else UNKNOWN_SET, v)) for k, v in receiver.entries)
                out.add(Seq((pairs or UNKNOWN_SET,), exact=False))
            elif isinstance(receiver, DictLit) and name == "values":
                out.add(Seq(tuple(v for _, v in receiver.entries), exact=False))
        return frozenset(out) if out else None

    def _const_method(
        self, receiver: Const, name: str, args: list[frozenset[Value]], kwargs: dict[str, frozenset[Value]]
    ) -> set[Value]:
        """``receiver.name(*args, **kwargs)`` folded over every constant option of the arguments."""
        option_lists = [self.const_options(a) for a in args]
        kw_options = {k: self.single_const(v) for k, v in kwargs.items()}
        if any(o is None for o in option_lists) or any(v is _NOFOLD for v in kw_options.values()):
            if name == "format" and isinstance(receiver.value, str):
                return set(constfold.shape_concat(receiver.value.split("{", 1)[0], None))
            return {UNKNOWN}
        out: set[Value] = set()
        for combo in itertools.islice(itertools.product(*option_lists), _MAX_OPTIONS):  # type: ignore[arg-type]
            folded = folding.method(receiver.value, name, list(combo), kw_options)
            out.add(UNKNOWN if folded is None else Const(folded))
        return out

    def _call_checks(
        self,
        node: cst.Call,
        funcs: frozenset[Value],
        args: list[frozenset[Value]],
        kwargs: dict[str, frozenset[Value]],
        scope: Scope,
    ) -> None:
        """Checks that depend on the call as a whole rather than on a name."""
        func = node.func
        if isinstance(func, cst.Attribute):
            name = ident(func.attr.value)
            receivers = self.ev(func.value, scope)
            local = bool(receivers) and all(isinstance(v, (Instance, ClassV, Func)) for v in receivers)
            if name in LOADER_METHODS and not local:
                self.report(node, "dynamic_import", f"`.{name}()` loads and executes a module through its loader", f"call:{name}")
            elif name in LOOP_ONLY_METHODS and not local:
                self.report(node, LOOP_ONLY_METHODS[name], f"`.{name}()` is an event-loop method that {'starts a program' if 'subprocess' in name else 'opens a raw socket'}", f"call:{name}")
            elif name in LOOP_NAMED_METHODS and not local and "loop" in _receiver_text(func.value).lower():
                self.report(node, LOOP_NAMED_METHODS[name], f"`.{name}()` on an event loop opens a raw socket", f"call:{name}")
        qnames = {f.qname for f in funcs if isinstance(f, Ref)}
        if "builtins.setattr" in qnames and len(args) > 1 and any(isinstance(v, Const) and v.value == "__code__" for v in args[1]):
            self.report(node, "dynamic_code", "setting `__code__` replaces a function's code with other code", "attr:__code__=")
        if qnames & PICKLE_LOADS and node.args and self._literal_derived(node.args[0].value, scope):
            self.report(node, "dynamic_code", "unpickling data written in the source runs whatever callables the pickle names", "call:pickle")
        if qnames & TIMEIT:
            for index, key in ((0, "stmt"), (1, "setup")):
                values = args[index] if index < len(args) else kwargs.get(key)
                if values and any(isinstance(v, Const) and isinstance(v.value, str) for v in values):
                    self.report(node, "dynamic_code", f"`timeit` executes its `{key}` string as Python", "call:timeit")
        flat = [v for values in (*args, *kwargs.values()) for v in self._flatten(values)]
        if any(isinstance(v, Ref) and v.qname in GETATTR_LIKE | {"builtins.vars", "operator.attrgetter", "operator.methodcaller"} for v in flat):
            for value in flat:
                if self._sensitive(value):
                    self.fail_closed(node, value, "a lookup function passed as a value")

    def _flatten(self, values: frozenset[Value]) -> Iterator[Value]:
        for value in values:
            yield value
            if isinstance(value, Seq):
                for item in value.items:
                    yield from item

    def _literal_derived(self, node: cst.BaseExpression, scope: Scope) -> bool:
        values = self.ev(node, scope)
        if any(isinstance(v, Const) and isinstance(v.value, (str, bytes)) for v in values):
            return True
        if isinstance(node, cst.Call):
            return any(self._literal_derived(arg.value, scope) for arg in node.args) or (
                isinstance(node.func, cst.Attribute) and self._literal_derived(node.func.value, scope)
            )
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            return self._literal_derived(node.value, scope)
        return False


















OWN_MODULE_NAMES = frozenset({"__name__", "__module__", "__package__", "__qualname__"})


def _own_module_key(node: cst.BaseExpression) -> bool:
    """``sys.modules[__name__]``-style keys: the plugin's own modules, not a hidden import."""
    while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
        if isinstance(node, cst.Attribute) and node.attr.value in OWN_MODULE_NAMES:
            return True
        node = node.func if isinstance(node, cst.Call) else node.value
    return isinstance(node, cst.Name) and node.value in OWN_MODULE_NAMES


def _as_namespace(value: Value) -> Value:
    """``sys.modules`` reached as a name (``from sys import modules``) is the same mapping."""
    if isinstance(value, Ref) and value.qname == "sys.modules":
        return Namespace(sys_modules=True)
    if isinstance(value, Ref) and value.qname.endswith(".__dict__"):
        return Namespace(owner=Ref(value.qname.removesuffix(".__dict__")))
    return value


def _function_name(scope: Scope) -> str | None:
    node = scope.node
    if isinstance(node, cst.FunctionDef):
        return ident(node.name.value)
    return None


def _is_spec(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Name) and node.value == "__spec__") or (
        isinstance(node, cst.Attribute) and node.attr.value == "__spec__"
    )


def _receiver_text(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Call):
        return _receiver_text(node.func)
    return ""


def _written(node: cst.CSTNode) -> str | None:
    """The dotted name as written at ``node`` (``sh``, ``o.system``), if it is one."""
    if isinstance(node, cst.Name):
        return ident(node.value)
    if isinstance(node, cst.Attribute):
        base = _written(node.value)
        return f"{base}.{ident(node.attr.value)}" if base else None
    if isinstance(node, cst.ImportAlias):
        return _written(node.name)
    return None


def _display(qname: str) -> str:
    return qname.removeprefix("builtins.") if qname.count(".") == 1 and qname.startswith("builtins.") else qname
