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

The evaluator is one class in four modules: this one (entry points, reporting, literals and
calls), :mod:`~mixpeek_tools.scanner.resolve_names` (names, bindings, parameters),
:mod:`~mixpeek_tools.scanner.resolve_access` (attributes and subscripts) and
:mod:`~mixpeek_tools.scanner.resolve_common` (the tables and helpers they share).
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
    LOADER_METHODS,
    LOOP_NAMED_METHODS,
    LOOP_ONLY_METHODS,
    RETURNS,
    Catalog,
)
from mixpeek_tools.scanner.project import Project
from mixpeek_tools.scanner.resolve_access import AccessResolution
from mixpeek_tools.scanner.resolve_common import (
    _MAX_OPTIONS,
    _NOFOLD,
    CALL_ONLY,
    GETATTR_LIKE,
    NAMESPACE_METHODS,
    PICKLE_LOADS,
    TIMEIT,
    _as_namespace,
    _display,
    _own_module_key,
    _receiver_text,
    _written,
)
from mixpeek_tools.scanner.resolve_common import attribute_qname as attribute_qname
from mixpeek_tools.scanner.resolve_names import NameResolution
from mixpeek_tools.scanner.scopes import Binder, Scope, ident
from mixpeek_tools.scanner.specials import SPECIALS
from mixpeek_tools.scanner.values import (
    UNKNOWN,
    UNKNOWN_SET,
    AttrGetter,
    BoundGetattribute,
    ClassValue,
    Const,
    DictLit,
    FunctionValue,
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


@dataclass
class Report:
    """A raw finding: the node it is at, its category and what to say."""

    node: cst.CSTNode
    category: str
    qname: str | None
    message: str


class Evaluator(NameResolution, AccessResolution):
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
            self.values_of(node, scope)
        for use in self.binder.imports:
            self._check_qname(use.node, use.qname)
        flows.check_sinks(self)
        flows.check_code_writes(self)
        return list(self.reports.values())

    def values_of(self, node: cst.CSTNode, scope: Scope) -> frozenset[Value]:
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

    # -- constants ---------------------------------------------------------------------------

    def _boolop(self, node: cst.BooleanOperation, scope: Scope) -> frozenset[Value]:
        return self.values_of(node.left, scope) | self.values_of(node.right, scope)

    def _ifexp(self, node: cst.IfExp, scope: Scope) -> frozenset[Value]:
        self.values_of(node.test, scope)
        return self.values_of(node.body, scope) | self.values_of(node.orelse, scope)

    def _walrus(self, node: cst.NamedExpr, scope: Scope) -> frozenset[Value]:
        return self.values_of(node.value, scope)

    def _lambda(self, node: cst.Lambda, scope: Scope) -> frozenset[Value]:
        inner = self.binder.scope_of.get(id(node))
        return frozenset({FunctionValue(inner)}) if inner is not None else UNKNOWN_SET

    def _sequence(self, node: cst.Tuple | cst.List | cst.Set, scope: Scope) -> frozenset[Value]:
        items: list[frozenset[Value]] = []
        exact = not isinstance(node, cst.Set)
        for element in node.elements:
            values = self.values_of(element.value, scope)
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
                key = self.single_const(self.values_of(element.key, scope))
                entries.append((key, self.values_of(element.value, scope)))
            else:
                entries.append((_NOFOLD, self.elements(self.values_of(element.value, scope))))
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
        funcs = self.values_of(node.func, scope)
        args: list[frozenset[Value]] = []
        kwargs: dict[str, frozenset[Value]] = {}
        starred = False
        for arg in node.args:
            values = self.values_of(arg.value, scope)
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
        if isinstance(func, FunctionValue):
            out: set[Value] = set()
            for ret in func.scope.returns:
                out |= self.values_of(ret, func.scope)
            return frozenset(out) or UNKNOWN_SET
        if isinstance(func, ClassValue):
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
        receivers = self.values_of(func.value, scope)
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
            receivers = self.values_of(func.value, scope)
            local = bool(receivers) and all(isinstance(v, (Instance, ClassValue, FunctionValue)) for v in receivers)
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
        values = self.values_of(node, scope)
        if any(isinstance(v, Const) and isinstance(v.value, (str, bytes)) for v in values):
            return True
        if isinstance(node, cst.Call):
            return any(self._literal_derived(arg.value, scope) for arg in node.args) or (
                isinstance(node.func, cst.Attribute) and self._literal_derived(node.func.value, scope)
            )
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            return self._literal_derived(node.value, scope)
        return False
