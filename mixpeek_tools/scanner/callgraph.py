"""Call-graph facts for the computed catalog (scripts/compute_catalog.py), from the kit's resolver.

For one module, :func:`module_facts` runs the same binder and evaluator as a scan, then reads
off (a) the categories each function reaches directly (a resolved forbidden name reported in
its body), (b) the qualified names each function calls (resolved by the evaluator, so aliases,
``self.method`` and local helpers count), and (c) the module's import aliases (``from .util
import spawnv_passfds`` makes ``pkg.mod.spawnv_passfds`` the same function).
:func:`close_over_calls` then computes the fixpoint: a function calling a dangerous one is
dangerous.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from mixpeek_tools.scanner.scope_model import FIXED
from mixpeek_tools.scanner.scopes import Scope, ident
from mixpeek_tools.scanner.values import ClassValue, FunctionValue, Ref


def _qualname(scope: Scope, module: str) -> str | None:
    parts: list[str] = []
    current: Scope | None = scope
    while current is not None and current.kind != "module":
        node = current.node
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            parts.append(ident(node.name.value))
        else:
            return None
        if current.kind == "function" and current.parent is not None and current.parent.kind == "function":
            parts.append("<locals>")
        current = current.parent
    return ".".join([module, *reversed(parts)]) if parts else None


def _function_scope(scope: Scope) -> Scope | None:
    current: Scope | None = scope
    while current is not None and current.kind not in ("function", "module"):
        current = current.parent
    return current if current is not None and current.kind == "function" else None


def _absolute(qname: str, module: str, is_package: bool) -> str:
    if not qname.startswith("."):
        return qname
    dots = len(qname) - len(qname.lstrip("."))
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (dots - 1)] if dots > 1 else package
    rest = qname[dots:]
    return ".".join([*base, rest] if rest else base)


# Dynamic code and imports are everyday machinery inside the standard library (``namedtuple``
# and ``dataclass`` build code they generate); a function wraps the capability only when its own
# parameter is what gets run or imported. Process, socket and native-memory reach counts always.
ARGUMENT_SENSITIVE = frozenset({"dynamic_code", "dynamic_import"})


def _param_fed(node: cst.CSTNode, binder: object, function: Scope | None) -> bool:
    """Whether the call at ``node`` (or around it) gets one of ``function``'s parameters directly."""
    if function is None:
        return False
    params = set(function.params)
    calls = getattr(binder, "calls", {})
    for sites in calls.values():
        for call, _ in sites:
            if call.func is node or call is node:
                first = call.args[0].value if call.args else None
                return isinstance(first, cst.Name) and ident(first.value) in params
    return False


def module_facts(module: str, text: str, *, is_package: bool = False) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    """``(direct categories, call edges, import aliases)`` of one module's functions."""
    from mixpeek_tools.scanner.analyzer import parse
    from mixpeek_tools.scanner.catalog import base_catalog
    from mixpeek_tools.scanner.resolve import Evaluator
    from mixpeek_tools.scanner.scopes import bind_module

    try:
        tree = parse(text)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return {}, {}, {}
    binder = bind_module(tree)
    evaluator = Evaluator(binder, base_catalog())
    try:
        reports = evaluator.run()
    except RecursionError:
        return {}, {}, {}
    where = {id(node): scope for node, scope in binder.roots}
    direct: dict[str, set[str]] = {}
    for report in reports:
        if not report.qname or ":" in report.qname:
            continue  # only resolved forbidden names, not fail-closed or flow findings
        scope = where.get(id(report.node))
        function = _function_scope(scope) if scope is not None else None
        name = _qualname(function, module) if function is not None else None
        if report.category in ARGUMENT_SENSITIVE and not _param_fed(report.node, binder, function):
            continue
        if name is not None:
            direct.setdefault(name, set()).add(report.category)
    edges: dict[str, set[str]] = {}
    for node, scope in binder.roots:
        if not isinstance(node, cst.Call):
            continue
        function = _function_scope(scope)
        caller = _qualname(function, module) if function is not None else None
        if caller is None:
            continue
        for value in evaluator.memo.get(id(node.func), ()):
            if isinstance(value, Ref):
                edges.setdefault(caller, set()).add(_absolute(value.qname, module, is_package))
            elif isinstance(value, (FunctionValue, ClassValue)):
                callee = _qualname(value.scope, module)
                if callee is not None:
                    edges.setdefault(caller, set()).add(callee if isinstance(value, FunctionValue) else callee + ".__init__")
    return direct, edges, _import_aliases(binder.module_scope, module, is_package)


def _import_aliases(module_scope: Scope, module: str, is_package: bool) -> dict[str, str]:
    """``module.name`` -> the absolute name it was imported as (``module.*`` for star imports)."""
    aliases: dict[str, str] = {}
    for name, bindings in module_scope.bindings.items():
        for binding in bindings:
            if binding[0] == FIXED:
                for value in binding[1]:
                    if isinstance(value, Ref):
                        aliases[f"{module}.{name}"] = _absolute(value.qname, module, is_package)
    for star in module_scope.stars:
        aliases[f"{module}.*"] = _absolute(star, module, is_package)
    return aliases


def close_over_calls(
    direct: dict[str, set[str]],
    edges: dict[str, set[str]],
    aliases: dict[str, str],
    approved: Iterable[str],
    reviewed_safe: frozenset[str],
) -> dict[str, tuple[str, str]]:
    """The fixpoint: every function reaching a forbidden capability, with one callee as the reason."""
    approved = tuple(approved)

    def skipped(qname: str) -> bool:
        return qname in reviewed_safe or any(qname == a or qname.startswith(a + ".") for a in approved)

    def resolve(qname: str) -> str:
        seen = 0
        while qname in aliases and seen < 8:
            qname = aliases[qname]
            seen += 1
        return qname

    found: dict[str, tuple[str, str]] = {}
    for name, categories in direct.items():
        if not skipped(name) and "<locals>" not in name:
            found[name] = (_primary(categories), "direct")
    inner = {n: (_primary(c), "direct") for n, c in direct.items() if "<locals>" in n}
    changed = True
    while changed:
        changed = False
        for caller, callees in edges.items():
            if caller in found or caller in inner or skipped(caller):
                continue
            for callee in callees:
                target = resolve(callee)
                hit = found.get(target) or inner.get(target)
                if hit is not None and not (hit[1] == "direct" and hit[0] in ARGUMENT_SENSITIVE):
                    entry = (hit[0], target)
                    (inner if "<locals>" in caller else found)[caller] = entry
                    changed = True
                    break
    for name in list(found):
        owner, _, method = name.rpartition(".")
        if method == "__init__" and owner not in found:
            found[owner] = (found[name][0], name)
    return {k: v for k, v in found.items() if "<locals>" not in k}


def _primary(categories: set[str]) -> str:
    """The category to propagate: one that holds whatever the arguments are, when there is one."""
    firm = sorted(categories - ARGUMENT_SENSITIVE)
    return firm[0] if firm else sorted(categories)[0]
