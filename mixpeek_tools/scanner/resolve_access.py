"""Pass two, access: attributes (module members, namespaces, object graphs) and subscripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import libcst as cst

from mixpeek_tools.scanner import flows, folding
from mixpeek_tools.scanner.catalog import (
    canonical,
)
from mixpeek_tools.scanner.project import Project
from mixpeek_tools.scanner.resolve_common import (
    _NOFOLD,
    CLASS_WALK,
    FRAME_GLOBALS,
    GADGET_BASES,
    NAMESPACE_METHODS,
    _as_namespace,
    _is_spec,
    _own_module_key,
    attribute_qname,
)
from mixpeek_tools.scanner.scopes import Binding, Scope, ident
from mixpeek_tools.scanner.values import (
    UNKNOWN,
    UNKNOWN_SET,
    BoundGetattribute,
    ClassValue,
    CodeObj,
    Const,
    DictLit,
    FunctionValue,
    Instance,
    Namespace,
    NamespaceMethod,
    Ref,
    Seq,
    StrShape,
    Value,
)

if TYPE_CHECKING:
    from mixpeek_tools.scanner.resolve import Evaluator


class AccessResolution:
    """Part of :class:`~mixpeek_tools.scanner.resolve.Evaluator`, which mixes it in."""

    if TYPE_CHECKING:  # provided by Evaluator and its other parts
        project: Project | None
        def _sensitive(self, value: Value) -> bool: ...
        def binding_values(self, bindings: list[Binding]) -> frozenset[Value]: ...
        def const_options(self, values: frozenset[Value]) -> list[Any] | None: ...
        def values_of(self, node: cst.CSTNode, scope: Scope) -> frozenset[Value]: ...
        def fail_closed(self, node: cst.CSTNode, target: Value, how: str, shapes: list[str | StrShape] | None = None) -> None: ...
        def lookup(self, name: str, scope: Scope, node: cst.CSTNode | None = None) -> frozenset[Value]: ...
        def report(self, node: cst.CSTNode, category: str, message: str, qname: str | None = None) -> None: ...
        def siblings(self, values: frozenset[Value]) -> frozenset[Value]: ...
        def single_const(self, values: frozenset[Value]) -> Any: ...

    # -- attributes --------------------------------------------------------------------------

    def _attribute(self, node: cst.Attribute, scope: Scope) -> frozenset[Value]:
        attr = ident(node.attr.value)
        base = self.values_of(node.value, scope)
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
        if isinstance(value, (Instance, ClassValue)):
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
        if isinstance(value, FunctionValue) and attr == "__class__":
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
        shapes = flows.name_shapes(cast("Evaluator", self), names) if options is None else None
        for name in options or ():
            if isinstance(name, str):
                flows.check_reflection_name(cast("Evaluator", self), node, name)
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
        base = self.values_of(node.value, scope)
        if len(node.slice) != 1:
            return UNKNOWN_SET
        element = node.slice[0].slice
        if isinstance(element, cst.Index):
            if (
                _own_module_key(element.value)
                and any(isinstance(_as_namespace(b), Namespace) for b in base)
                and self.const_options(self.values_of(element.value, scope)) is None
            ):
                return UNKNOWN_SET
            keys = self.values_of(element.value, scope)
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
            value = self.single_const(self.values_of(part, scope))
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
