"""Pass two, names: lookups through scopes, bindings, parameters and call-site arguments, unpacking."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from mixpeek_tools.scanner.catalog import (
    canonical,
)
from mixpeek_tools.scanner.project import Project, sibling_values
from mixpeek_tools.scanner.resolve_common import (
    _NOFOLD,
    _function_name,
    attribute_qname,
)
from mixpeek_tools.scanner.scope_model import (
    ANNOTATED,
    ELEMENT,
    ELEMENT_UNPACKED,
    EXPRESSION,
    FIXED,
    PARAMETER,
    STARRED_REST,
    STORED,
    STORED_BINDING,
    UNPACKED,
)
from mixpeek_tools.scanner.scopes import Binder, Binding, Scope, ident
from mixpeek_tools.scanner.values import (
    EMPTY,
    UNKNOWN,
    UNKNOWN_SET,
    Const,
    DictLit,
    Instance,
    Ref,
    Seq,
    Value,
)


class NameResolution:
    """Part of :class:`~mixpeek_tools.scanner.resolve.Evaluator`, which mixes it in."""

    if TYPE_CHECKING:  # provided by Evaluator and its other parts
        _bind_active: set[int]
        binder: Binder
        module: str | None
        module_scope: Scope
        project: Project | None
        def values_of(self, node: cst.CSTNode, scope: Scope) -> frozenset[Value]: ...

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
        use = self.binder.statement_of.get(id(node)) if node is not None else None
        first = module.first_statement.get(name)
        if use is not None and first is not None:
            if first > use:
                return True
            if first == use:
                kind = self.binder.statement_types[use] if use < len(self.binder.statement_types) else None
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
        if kind == FIXED:
            fixed: frozenset[Value] = binding[1]
            return self.siblings(fixed) if self.project is not None else fixed
        key = id(binding)
        if key in self._bind_active:
            return UNKNOWN_SET
        self._bind_active.add(key)
        try:
            if kind == EXPRESSION:
                return self.values_of(binding[1], binding[2])
            if kind == ELEMENT:
                return self.elements(self.values_of(binding[1], binding[2]))
            if kind == UNPACKED:
                return self._unpack(self.values_of(binding[1], binding[2]), binding[3])
            if kind == ANNOTATED:
                return frozenset(v for v in self.values_of(binding[1], binding[2]) if isinstance(v, Ref)) | UNKNOWN_SET
            if kind == PARAMETER:
                return self._param(binding[1], binding[2])
            if kind == ELEMENT_UNPACKED:
                return self._unpack(self.elements(self.values_of(binding[1], binding[2])), binding[3])
            if kind == STARRED_REST:
                return frozenset({Seq((self.elements(self._binding(binding[1])),), exact=False)})
            if kind == STORED_BINDING:
                return frozenset({Seq((self._binding(binding[1]),), exact=False)})
            if kind == STORED:
                values = self.values_of(binding[1], binding[2])
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
                out |= self.values_of(param.default, parent)
            if param.annotation is not None:
                out |= {v for v in self.values_of(param.annotation.annotation, parent) if isinstance(v, Ref)}
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
            (ident(arg.keyword.value), self.values_of(arg.value, scope)) for arg in call.args if arg.keyword is not None
        )
        return DictLit(entries)

    def _positional_rest(self, call: cst.Call, scope: Scope, index: int) -> Value:
        values: set[Value] = set()
        position = 0
        for arg in call.args:
            if arg.keyword is not None:
                continue
            if position >= index or arg.star:
                values |= self.values_of(arg.value, scope) if not arg.star else self.elements(self.values_of(arg.value, scope))
            position += 1
        return Seq((frozenset(values) or UNKNOWN_SET,), exact=False)

    def _argument(self, call: cst.Call, scope: Scope, name: str, index: int) -> frozenset[Value]:
        position = 0
        for arg in call.args:
            if arg.keyword is not None:
                if ident(arg.keyword.value) == name:
                    return self.values_of(arg.value, scope)
                continue
            if arg.star:
                return EMPTY
            if position == index:
                return self.values_of(arg.value, scope)
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
