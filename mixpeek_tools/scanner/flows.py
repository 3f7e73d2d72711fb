"""Capability flows: sensitive module objects that escape, fail-closed lookups, reflection roots.

* **Module objects are capabilities** (issue class 2). The resolver follows a module through
  local names, but not into arbitrary calls, containers, attributes of other objects, return
  values, exceptions or ``match`` subjects. Any such flow of a sensitive module (see
  :data:`~mixpeek_tools.scanner.capabilities.SENSITIVE_MODULES`) is a finding, named after what
  the module can reach; an attribute access with a written name, ``getattr`` with a folded
  name and the few builtins in :data:`BENIGN_CALLS` are the only uses that do not fail closed.
* **Fail closed with the right capability** (classes 6 and 7). A lookup whose name cannot be
  folded reports the categories of the members it could reach; a name known in part
  (:class:`~mixpeek_tools.scanner.values.StrShape`) reports only the members that fit, and
  nothing when none does.
* **Reflection roots** (classes 3 and 4): attributes that open another object's globals or
  frame are findings on any receiver, whether written or folded into a ``getattr``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from mixpeek_tools.scanner.capabilities import SENSITIVE_MODULES, Reach, categories_for, reach
from mixpeek_tools.scanner.scopes import ident
from mixpeek_tools.scanner.values import Const, Namespace, Ref, StrShape, Value

if TYPE_CHECKING:
    from mixpeek_tools.scanner.resolve import Evaluator

# Calls that may receive a module without handing it on (or whose lookups are modelled).
BENIGN_CALLS = frozenset(
    {
        "builtins.getattr",
        "builtins.hasattr",
        "builtins.setattr",
        "builtins.delattr",
        "builtins.isinstance",
        "builtins.issubclass",
        "builtins.id",
        "builtins.print",
        "builtins.repr",
        "builtins.str",
        "builtins.type",
        "builtins.dir",
        "builtins.vars",
        "builtins.hash",
        "builtins.bool",
        "builtins.callable",
        "inspect.getattr_static",
        "inspect.getmembers",
        "inspect.getmembers_static",
        "inspect.ismodule",
    }
)
# Method names that patch a module's attribute in tests (``monkeypatch.setattr(os, "getcwd", f)``).
PATCH_METHODS = frozenset({"setattr", "delattr", "object"})

# Attributes that open another object's globals, locals or builtins, on any receiver.
REFLECTION_ATTRS = {
    "__globals__": "dynamic_code",
    "func_globals": "dynamic_code",
    "f_globals": "dynamic_code",
    "f_builtins": "dynamic_code",
    "f_locals": "dynamic_code",
}


def reach_of(evaluator: Evaluator, value: Value) -> tuple[str, Reach] | None:
    """``(qualified name, reach)`` when ``value`` is a sensitive module or its namespace."""
    if isinstance(value, Namespace):
        if value.sys_modules:
            return "sys.modules", Reach({}, "dynamic_import")
        if value.owner is not None:
            return reach_of(evaluator, value.owner)
        return None
    if isinstance(value, Ref):
        found = reach(value.qname, evaluator.catalog.forbidden)
        return (value.qname, found) if found is not None else None
    return None


def name_shapes(evaluator: Evaluator, names: frozenset[Value]) -> list[str | StrShape] | None:
    """What the looked-up names are known to be, or ``None`` when any of them is wholly unknown."""
    out: list[str | StrShape] = []
    for value in names:
        if isinstance(value, Const) and isinstance(value.value, str):
            out.append(value.value)
        elif isinstance(value, StrShape) and value.informative:
            out.append(value)
        else:
            return None
    return out or None


def fail_closed(
    evaluator: Evaluator,
    node: cst.CSTNode,
    target: Value,
    how: str,
    shapes: list[str | StrShape] | None = None,
) -> None:
    """Report a lookup on ``target`` whose name is not (fully) known, by reachable capability."""
    if isinstance(target, Namespace) and target.scope is not None and not target.sys_modules:
        evaluator.report(
            node,
            "dynamic_code",
            f"{how} on `globals()` with a name that cannot be determined statically; it could "
            "reach any builtin or imported module (the scan fails closed)",
            "globals():dynamic",
        )
        return
    found = reach_of(evaluator, target)
    if found is None:
        return
    qname, reach_ = found
    partial = [s for s in shapes if isinstance(s, StrShape)] if shapes else []
    if partial:
        names = [m for m in reach_.members if any(s.fits(m) for s in partial)]
        if not names:
            return
        by_category = categories_for(reach_, names)
    else:
        by_category = categories_for(reach_)
    for category, examples in sorted(by_category.items()):
        shown = ", ".join(f"`{qname}.{n}`" for n in examples[:4])
        via = f" (for example {shown})" if shown else ""
        evaluator.report(
            node,
            category,
            f"{how} on `{_display(qname)}` with a name that cannot be determined statically could "
            f"reach {category.replace('_', ' ')}{via}; the scan fails closed",
            f"{qname}:dynamic:{category}",
        )


def check_sinks(evaluator: Evaluator) -> None:
    """Report every sensitive module that flows where the resolver does not follow it."""
    for expr, scope, how, call in evaluator.binder.sinks:
        values = evaluator.values_of(expr, scope)
        for value in values:
            if not isinstance(value, (Ref, Namespace)):
                continue
            if isinstance(value, Ref) and (value.qname not in SENSITIVE_MODULES or evaluator.catalog.match(value.qname)):
                continue
            if isinstance(value, Namespace) and not (value.sys_modules or value.owner is not None):
                continue
            if call is not None and call.args and call.args[0].value is expr and _benign_call(evaluator, call, scope):
                continue
            _report_flow(evaluator, expr, value, how)


def _benign_call(evaluator: Evaluator, call: cst.Call, scope: object) -> bool:
    func = call.func
    if isinstance(func, cst.Attribute) and ident(func.attr.value) in PATCH_METHODS:
        return True
    funcs = evaluator.memo.get(id(func))
    if not funcs:
        return False
    return all(isinstance(f, Ref) and f.qname in BENIGN_CALLS for f in funcs)


def _report_flow(evaluator: Evaluator, node: cst.CSTNode, value: Value, how: str) -> None:
    found = reach_of(evaluator, value)
    if found is None:
        return
    qname, reach_ = found
    for category, examples in sorted(categories_for(reach_).items()):
        shown = ", ".join(f"`{qname}.{n}`" for n in examples[:3])
        via = f", which reaches {shown}" if shown else ""
        evaluator.report(
            node,
            category,
            f"the module object `{_display(qname)}`{via}, is {how}; a sensitive module is a "
            "capability and the scanner cannot follow it there (the scan fails closed)",
            f"{qname}:flow:{category}",
        )


def check_reflection_name(evaluator: Evaluator, node: cst.CSTNode, name: str) -> None:
    """``getattr(x, '__globals__')`` and friends: a reflection root reached by a folded name."""
    category = REFLECTION_ATTRS.get(name)
    if category is not None:
        evaluator.report(
            node,
            category,
            f"`{name}` reads another function's or frame's namespace, a route to eval/exec and to any module",
            f"attr:{name}",
        )


def check_code_writes(evaluator: Evaluator) -> None:
    for node in evaluator.binder.code_writes:
        evaluator.report(node, "dynamic_code", "assigning `__code__` replaces a function's code with other code", "attr:__code__=")


def _display(qname: str) -> str:
    return qname.removeprefix("builtins.") if qname.startswith("builtins.") and qname.count(".") == 1 else qname
