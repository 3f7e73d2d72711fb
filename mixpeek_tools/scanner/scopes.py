"""Pass one over a libcst tree: scopes, bindings and the expressions worth evaluating.

libcst's ScopeProvider/QualifiedNameProvider are precise but cost many times a parse, so the
scanner keeps a lighter model: every function, lambda, class, comprehension and the module get a
:class:`Scope`; each binding of a name (assignment, import, ``for``/``with``/``except`` target,
walrus, parameter, ``def``/``class``) is recorded lazily as the expression it came from. Lookups
are flow-insensitive (a name can be any of its bindings) except that a module-level use before
every binding of the name also sees the builtin or star import, as Python does at run time. The
walk is a hand-written field walk: libcst's visitor dispatch costs more than the work per node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from mixpeek_tools.scanner.catalog import canonical
from mixpeek_tools.scanner.patterns import bind_pattern_names
from mixpeek_tools.scanner.scope_model import (
    ANNOTATED,
    CONTAINER_PUTS,
    ELEMENT,
    ELEMENT_UNPACKED,
    EXPRESSION,
    FIXED,
    PARAMETER,
    STARRED_REST,
    STORED,
    STORED_BINDING,
    UNPACKED,
    Binding,
    ImportUse,
    Scope,
    child_fields,
    dotted,
    ident,
)
from mixpeek_tools.scanner.values import UNKNOWN_SET, ClassValue, FunctionValue, Ref, Value


class Binder:
    """Walks a module once, building scopes and collecting the expressions to evaluate."""

    def __init__(self) -> None:
        self.module_scope = Scope("module", None)
        self.scope = self.module_scope
        self.statement: int | None = None  # index of the top-level statement being walked
        self.statement_of: dict[int, int] = {}  # id(name node) -> its top-level statement
        self.statement_types: list[type] = []  # the node type of each top-level statement
        self.roots: list[tuple[cst.BaseExpression, Scope]] = []
        self.imports: list[ImportUse] = []
        self.scope_of: dict[int, Scope] = {}
        self.calls: dict[str, list[tuple[cst.Call, Scope]]] = {}
        # Values put into a container named N (``N[k] = v``, ``N.append(v)``...), by name.
        self.stores: dict[str, list[Binding]] = {}
        # Values escaping where the resolver does not follow: a sensitive module there is a finding.
        self.sinks: list[tuple[cst.BaseExpression, Scope, str, cst.Call | None]] = []
        # Writes of ``__code__`` (``f.__code__ = ...``): swapping a function's code.
        self.code_writes: list[cst.CSTNode] = []
        self._dispatch = self._handlers()

    def _handlers(self) -> dict[type, Callable[[Any], None]]:
        """The method that binds each node type; types missing here are walked through."""
        return {
            cst.Module: self._module,
            cst.FunctionDef: self._function,
            cst.ClassDef: self._class,
            cst.Lambda: self._lambda,
            cst.Name: self._name,
            cst.Attribute: self._attribute,
            cst.Call: self._call,
            cst.Subscript: self._subscript,
            cst.Assign: self._assign,
            cst.AnnAssign: self._ann_assign,
            cst.AugAssign: self._aug_assign,
            cst.For: self._for,
            cst.With: self._with,
            cst.NamedExpr: self._named_expr,
            cst.ExceptHandler: self._except,
            cst.ExceptStarHandler: self._except,
            cst.Import: self._import,
            cst.ImportFrom: self._import_from,
            cst.Global: self._global,
            cst.Nonlocal: self._nonlocal,
            cst.Return: self._return,
            cst.ListComp: self._comprehension,
            cst.SetComp: self._comprehension,
            cst.GeneratorExp: self._comprehension,
            cst.DictComp: self._comprehension,
            cst.Arg: self._arg,
            cst.Del: self._del,
            cst.Match: self._match,
            cst.List: self._container,
            cst.Tuple: self._container,
            cst.Set: self._container,
            cst.Dict: self._container,
            cst.Yield: self._escaping,
            cst.Await: self._escaping,
            cst.Raise: self._raise,
            cst.AsName: self._skip,
            cst.ImportAlias: self._skip,
            cst.SimpleString: self._skip,
            cst.Integer: self._skip,
            cst.Float: self._skip,
            cst.Comment: self._skip,
            cst.Param: self._skip,
            cst.Parameters: self._skip,
        }

    # -- walking -------------------------------------------------------------------------

    def walk(self, node: cst.CSTNode) -> None:
        handler = self._dispatch.get(type(node))
        if handler is not None:
            handler(node)
        else:
            self.walk_children(node)

    def walk_children(self, node: cst.CSTNode) -> None:
        walk = self.walk
        for name in child_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                walk(value)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, cst.CSTNode):
                        walk(item)

    def _skip(self, node: cst.CSTNode) -> None:
        return None

    def _module(self, node: cst.Module) -> None:
        """Top-level statements in order; bindings under if/for/while may not happen."""
        for index, stmt in enumerate(node.body):
            self.statement = index
            self.statement_types.append(type(stmt))
            self.module_scope.binding_conditionally = isinstance(stmt, (cst.If, cst.For, cst.While))
            self.walk(stmt)
        self.module_scope.binding_conditionally = False
        self.statement = None

    def _body(self, scope: Scope, nodes: list[cst.CSTNode], deferred: bool) -> None:
        saved_scope, saved_statement = self.scope, self.statement
        self.scope = scope
        if deferred:
            self.statement = None
        for node in nodes:
            self.walk(node)
        self.scope, self.statement = saved_scope, saved_statement

    # -- scopes --------------------------------------------------------------------------

    def _params(self, params: cst.Parameters, scope: Scope) -> None:
        """Defaults and annotations run in the enclosing scope; names bind in ``scope``."""
        all_params = [
            *params.posonly_params,
            *params.params,
            *([params.star_arg] if isinstance(params.star_arg, cst.Param) else []),
            *params.kwonly_params,
            *([params.star_kwarg] if params.star_kwarg is not None else []),
        ]
        for index, param in enumerate(all_params):
            if param.default is not None:
                self.walk(param.default)
                self.sink(param.default, "a default argument")
            if param.annotation is not None:
                self.walk(param.annotation.annotation)
            name = ident(param.name.value)
            scope.params[name] = param
            scope.param_index[name] = index
            scope.bind(name, (PARAMETER, scope, name))

    def _function(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            self.walk(decorator.decorator)
        if node.returns is not None:
            self.walk(node.returns.annotation)
        scope = Scope("function", self.scope, node)
        self.scope_of[id(node)] = scope
        self._params(node.params, scope)
        enclosing = self.scope
        if enclosing.kind == "class" and enclosing.cls is not None:
            first = [*node.params.posonly_params, *node.params.params]
            if first and not any(
                isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
                for d in node.decorators
            ):
                scope.self_name = ident(first[0].name.value)
                scope.cls = enclosing.cls
        self.scope.bind(ident(node.name.value), (FIXED, frozenset({FunctionValue(scope)})), self.statement)
        self._body(scope, list(node.body.body), deferred=True)

    def _lambda(self, node: cst.Lambda) -> None:
        scope = Scope("lambda", self.scope, node)
        self.scope_of[id(node)] = scope
        self._params(node.params, scope)
        scope.returns.append(node.body)
        self._body(scope, [node.body], deferred=True)
        self.sinks.append((node.body, scope, "returned from a lambda", None))

    def _class(self, node: cst.ClassDef) -> None:
        for decorator in node.decorators:
            self.walk(decorator.decorator)
        for arg in (*node.bases, *node.keywords):
            self.walk(arg.value)
        scope = Scope("class", self.scope, node)
        scope.cls = ClassValue(scope)
        self.scope_of[id(node)] = scope
        self.scope.bind(ident(node.name.value), (FIXED, frozenset({scope.cls})), self.statement)
        body = node.body.body
        self._body(scope, list(body), deferred=False)

    def _comprehension(self, node: cst.CSTNode) -> None:
        scope = Scope("comprehension", self.scope, node)
        self.scope_of[id(node)] = scope
        saved = self.scope
        self.scope = scope
        comp: cst.CompFor | None = node.for_in  # type: ignore[attr-defined]
        while comp is not None:
            self.walk(comp.iter)
            self.bind_target(comp.target, (ELEMENT, comp.iter, scope))
            for cond in comp.ifs:
                self.walk(cond.test)
            comp = comp.inner_for_in
        for name in ("elt", "key", "value"):
            part = getattr(node, name, None)
            if isinstance(part, cst.CSTNode):
                self.walk(part)
                if isinstance(part, cst.BaseExpression):
                    self.sink(part, "collected by a comprehension")
        self.scope = saved

    # -- expressions ---------------------------------------------------------------------

    def _root(self, node: cst.BaseExpression) -> None:
        self.roots.append((node, self.scope))

    def _name(self, node: cst.Name) -> None:
        if self.statement is not None:
            self.statement_of[id(node)] = self.statement
        self._root(node)

    def _attribute(self, node: cst.Attribute) -> None:
        self._root(node)
        self.walk(node.value)

    def _subscript(self, node: cst.Subscript) -> None:
        self._root(node)
        self.walk(node.value)
        for element in node.slice:
            self.walk(element.slice)

    def _call(self, node: cst.Call) -> None:
        self._root(node)
        self.walk(node.func)
        for arg in node.args:
            self.walk(arg.value)
            self.sinks.append((arg.value, self.scope, "passed to a call", node))
        func = node.func
        name = None
        if isinstance(func, cst.Name):
            name = ident(func.value)
        elif isinstance(func, cst.Attribute):
            name = ident(func.attr.value)
        if name is not None:
            self.calls.setdefault(name, []).append((node, self.scope))
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and ident(func.attr.value) in CONTAINER_PUTS
        ):
            for arg in node.args:
                self.stores.setdefault(ident(func.value.value), []).append((STORED, arg.value, self.scope))

    def sink(self, node: cst.BaseExpression, how: str) -> None:
        self.sinks.append((node, self.scope, how, None))

    def _container(self, node: cst.List | cst.Tuple | cst.Set | cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self.sink(element.key, "used as a dict key")
            self.sink(element.value, "put into a container")
        self.walk_children(node)

    def _escaping(self, node: cst.Yield | cst.Await) -> None:
        value = node.value if isinstance(node, cst.Yield) else node.expression
        inner = value.item if isinstance(value, cst.From) else value
        if inner is not None:
            self.sink(inner, "yielded or awaited")
        self.walk_children(node)

    def _raise(self, node: cst.Raise) -> None:
        for part in (node.exc, node.cause.item if node.cause is not None else None):
            if part is not None:
                self.sink(part, "raised as an exception")
        self.walk_children(node)

    def _arg(self, node: cst.Arg) -> None:
        self.walk(node.value)

    def _named_expr(self, node: cst.NamedExpr) -> None:
        self.walk(node.value)
        if isinstance(node.target, cst.Name):
            scope = self.scope.function_scope()
            scope.bind(ident(node.target.value), (EXPRESSION, node.value, self.scope), self.statement)

    # -- statements that bind ------------------------------------------------------------

    def bind_target(self, target: cst.BaseExpression, binding: Binding, path: tuple[int, ...] = ()) -> None:
        if isinstance(target, cst.Name):
            name = ident(target.value)
            scope = self.scope
            if name in scope.global_names:
                scope = self.module_scope
            scope.bind(name, self._unpacked(binding, path), self.statement)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for index, element in enumerate(target.elements):
                inner = element.value
                if isinstance(element, cst.StarredElement):
                    rest: Binding = (STARRED_REST, binding) if binding[0] in (EXPRESSION, ELEMENT) and not path else (FIXED, UNKNOWN_SET)
                    self.bind_target(inner, rest)
                else:
                    self.bind_target(inner, binding, (*path, index))
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, (FIXED, UNKNOWN_SET))
        elif isinstance(target, cst.Attribute):
            self.walk(target.value)
            self._bind_self_attr(target, self._unpacked(binding, path))
        elif isinstance(target, cst.Subscript):
            self.walk(target.value)
            if isinstance(target.value, cst.Name):
                self.stores.setdefault(ident(target.value.value), []).append((STORED_BINDING, self._unpacked(binding, path)))
            for item in target.slice:
                self.walk(item.slice)
        else:
            self.walk(target)

    @staticmethod
    def _unpacked(binding: Binding, path: tuple[int, ...]) -> Binding:
        if not path:
            return binding
        if binding[0] == EXPRESSION:
            return (UNPACKED, binding[1], binding[2], path)
        if binding[0] == ELEMENT:
            return (ELEMENT_UNPACKED, binding[1], binding[2], path)
        return (FIXED, UNKNOWN_SET)

    def _bind_self_attr(self, target: cst.Attribute, binding: Binding) -> None:
        """``self.x = value`` inside a method records ``x`` as an attribute of the class."""
        scope = self.scope
        while scope.kind in ("comprehension", "lambda") and scope.parent is not None:
            scope = scope.parent
        if (
            scope.cls is not None
            and scope.self_name is not None
            and isinstance(target.value, cst.Name)
            and ident(target.value.value) == scope.self_name
        ):
            scope.cls.scope.self_attrs.setdefault(ident(target.attr.value), []).append(binding)

    def _assign(self, node: cst.Assign) -> None:
        self.walk(node.value)
        self._sink_target_kinds([t.target for t in node.targets], node.value)
        for target in node.targets:
            self.bind_target(target.target, (EXPRESSION, node.value, self.scope))

    def _sink_target_kinds(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        """A value stored anywhere but a plain local name escapes the resolver's tracking."""
        for target in targets:
            if isinstance(target, cst.Attribute) and ident(target.attr.value) == "__code__":
                self.code_writes.append(target)
            if isinstance(target, (cst.Attribute, cst.Subscript)):
                self.sink(value, "stored in an attribute or an item")
            elif isinstance(target, cst.Name) and self.scope.kind != "module" and (
                ident(target.value) in self.scope.global_names or ident(target.value) in self.scope.nonlocal_names
            ):
                self.sink(value, "stored in a global or nonlocal name")

    def _ann_assign(self, node: cst.AnnAssign) -> None:
        self.walk(node.annotation.annotation)
        if node.value is not None:
            self.walk(node.value)
            self._sink_target_kinds([node.target], node.value)
            self.bind_target(node.target, (EXPRESSION, node.value, self.scope))
        if isinstance(node.target, cst.Name):
            self.bind_target(node.target, (ANNOTATED, node.annotation.annotation, self.scope))
        elif node.value is None:
            self.bind_target(node.target, (FIXED, UNKNOWN_SET))

    def _aug_assign(self, node: cst.AugAssign) -> None:
        self.walk(node.value)
        self.sink(node.value, "combined into another value")
        if isinstance(node.target, cst.Name):
            self._name(node.target)
        self.bind_target(node.target, (FIXED, UNKNOWN_SET))

    def _for(self, node: cst.For) -> None:
        self.walk(node.iter)
        self.bind_target(node.target, (ELEMENT, node.iter, self.scope))
        self.walk(node.body)
        if node.orelse is not None:
            self.walk(node.orelse)

    def _with(self, node: cst.With) -> None:
        for item in node.items:
            self.walk(item.item)
            if item.asname is not None:
                self.bind_target(item.asname.name, (EXPRESSION, item.item, self.scope))
                self.bind_target(item.asname.name, (FIXED, UNKNOWN_SET))
        self.walk(node.body)

    def _except(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        if node.type is not None:
            self.walk(node.type)
        if node.name is not None:
            self.bind_target(node.name.name, (FIXED, UNKNOWN_SET))
        self.walk(node.body)

    def _return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.walk(node.value)
            self.scope.function_scope().returns.append(node.value)
            self.sink(node.value, "returned from a function")

    def _global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.global_names.add(ident(item.name.value))

    def _nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.scope.nonlocal_names.add(ident(item.name.value))

    def _del(self, node: cst.Del) -> None:
        return None

    def _match(self, node: cst.Match) -> None:
        self.walk(node.subject)
        self.sink(node.subject, "matched by a `match` statement")
        for case in node.cases:
            pattern = case.pattern
            if isinstance(pattern, cst.MatchAs) and pattern.pattern is None and pattern.name is not None:
                self.bind_target(pattern.name, (EXPRESSION, node.subject, self.scope))  # case x: binds the subject
            bind_pattern_names(self, pattern)
            if case.guard is not None:
                self.walk(case.guard)
            self.walk(case.body)

    # -- imports -------------------------------------------------------------------------

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            full = canonical(full)
            self.imports.append(ImportUse(alias, full))
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind_target(alias.asname.name, (FIXED, frozenset({Ref(full)})))
            else:
                written = dotted(alias.name) or full
                head = written.split(".")[0]
                self.bind_target(
                    cst.Name(head), (FIXED, frozenset({Ref(canonical(head))}))
                )

    def _import_from(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else ""
        if module is None:
            return
        dots = "." * len(node.relative)
        base = canonical(dots + module) if not dots else dots + module
        if isinstance(node.names, cst.ImportStar):
            self.imports.append(ImportUse(node, base, star=True))
            if not dots:
                self.module_scope.stars.append(base)
            return
        from mixpeek_tools.scanner.resolve_common import attribute_qname

        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            qname = attribute_qname(base, name) if not dots else (base + name if base.endswith(".") else f"{base}.{name}")
            self.imports.append(ImportUse(alias, qname))
            target = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(target, cst.Name):
                self.bind_target(target, (FIXED, frozenset({Ref(qname)})))


def bind_module(module: cst.Module) -> Binder:
    """Run pass one over ``module``."""
    binder = Binder()
    binder.walk(module)
    return binder


__all__ = ["Binder", "Binding", "ImportUse", "Scope", "Value", "bind_module", "dotted", "ident"]
