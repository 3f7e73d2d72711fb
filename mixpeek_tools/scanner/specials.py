"""Calls the resolver models specially: a dispatch table from qualified name to handler.

``getattr``, ``vars``, ``globals``, ``__import__``, ``attrgetter``... turn strings into
attributes or expose namespaces; ``map``, ``zip``, ``next``... carry values through. Each handler
takes the evaluator, the call node, the evaluated positional and keyword arguments and the
scope, and returns the call's values (``None``: fall back to the generic call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import libcst as cst

from mixpeek_tools.scanner import folding
from mixpeek_tools.scanner.catalog import canonical
from mixpeek_tools.scanner.scopes import Scope
from mixpeek_tools.scanner.values import (
    UNKNOWN,
    UNKNOWN_SET,
    AttrGetter,
    CodeObj,
    Const,
    DictLit,
    FunctionValue,
    MethodCaller,
    Namespace,
    Ref,
    Seq,
    Value,
)

if TYPE_CHECKING:
    from mixpeek_tools.scanner.resolve import Evaluator

Args = list[frozenset[Value]]
Kwargs = dict[str, frozenset[Value]]
Special = Callable[["Evaluator", cst.Call, Args, Kwargs, Scope], "frozenset[Value] | None"]


def call_getattr(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if len(args) < 2:
        return UNKNOWN_SET
    result = evaluator.read(node, args[0], args[1], "getattr")
    if len(args) > 2:
        result = result | args[2]
    return result


def call_vars(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if not args:
        return frozenset({Namespace(scope=scope)})
    out: set[Value] = set()
    for value in args[0]:
        out.add(Namespace(owner=value) if isinstance(value, Ref) else UNKNOWN)
    return frozenset(out)


def call_globals(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    return frozenset({Namespace(scope=evaluator.module_scope)})


def call_locals(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    return frozenset({Namespace(scope=scope)})


def call_dunder_import(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if not args:
        return UNKNOWN_SET
    names = evaluator.const_options(args[0])
    if names is None:
        return UNKNOWN_SET
    fromlist = args[3] if len(args) > 3 else kwargs.get("fromlist")
    out: set[Value] = set()
    for name in names:
        if not isinstance(name, str) or not name:
            out.add(UNKNOWN)
            continue
        full = canonical(name)
        out.add(Ref(full))
        if not fromlist:
            out.add(Ref(canonical(name.split(".")[0])))
        evaluator._check_qname(node, full)
    return frozenset(out)


def call_import_module(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    names = evaluator.const_options(args[0]) if args else None
    if names is None:
        return UNKNOWN_SET
    out: set[Value] = set()
    for name in names:
        if isinstance(name, str) and name and not name.startswith("."):
            out.add(Ref(canonical(name)))
        else:
            out.add(UNKNOWN)
    return frozenset(out)


def call_attrgetter(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    names: list[str] = []
    for values in args:
        options = evaluator.const_options(values)
        if options is None or not all(isinstance(o, str) for o in options):
            return frozenset({AttrGetter(None)})
        names.extend(options)
    return frozenset({AttrGetter(tuple(names))})


def call_methodcaller(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    options = evaluator.const_options(args[0]) if args else None
    if options is None:
        return frozenset({MethodCaller(None)})
    return frozenset(MethodCaller(o) if isinstance(o, str) else MethodCaller(None) for o in options)


def call_getmembers(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    for value in args[0] if args else ():
        if evaluator._sensitive(value):
            evaluator.fail_closed(node, value, "inspect.getmembers")
    return UNKNOWN_SET


def call_dict(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if len(args) == 1:
        namespaces = {v for v in args[0] if isinstance(v, (Namespace, DictLit))}
        if namespaces:
            return frozenset(namespaces)
    return None


def call_type(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if len(args) == 1 and any(isinstance(v, FunctionValue) for v in args[0]):
        return frozenset({Ref("types.FunctionType"), UNKNOWN})
    if len(args) == 1 and any(isinstance(v, CodeObj) for v in args[0]):
        return frozenset({Ref("types.CodeType"), UNKNOWN})
    if len(args) == 1 and any(isinstance(v, Ref) for v in args[0]):
        return frozenset({Ref("builtins.object"), UNKNOWN})
    return None


def call_map(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if len(args) != 2:
        return None
    funcs = [v for v in args[0] if isinstance(v, Ref)]
    items = evaluator.const_options(args[1])
    if len(funcs) == 1 and items is not None and len(items) == 1:
        iterable = items[0]
        if isinstance(iterable, (str, bytes, tuple)):
            folded = folding.map_call(funcs[0].qname, tuple(iterable))
            if folded is not None:
                return frozenset({Seq(tuple(frozenset({Const(v)}) for v in folded))})
    return None


def call_next(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if not args:
        return None
    return evaluator.elements(args[0])


def call_enumerate(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if not args:
        return None
    pair = Seq((UNKNOWN_SET, evaluator.elements(args[0])))
    return frozenset({Seq((frozenset({pair}),), exact=False)})


def call_zip(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    if not args:
        return None
    row = Seq(tuple(evaluator.elements(a) for a in args))
    return frozenset({Seq((frozenset({row}),), exact=False)})


def call_first_arg(evaluator: Evaluator, node: cst.Call, args: Args, kwargs: Kwargs, scope: Scope) -> frozenset[Value] | None:
    return args[0] if len(args) == 1 else None


SPECIALS: dict[str, Special] = {
    "builtins.getattr": call_getattr,
    "inspect.getattr_static": call_getattr,
    "builtins.vars": call_vars,
    "builtins.globals": call_globals,
    "builtins.locals": call_locals,
    "builtins.__import__": call_dunder_import,
    "importlib.import_module": call_import_module,
    "operator.attrgetter": call_attrgetter,
    "_operator.attrgetter": call_attrgetter,
    "operator.methodcaller": call_methodcaller,
    "_operator.methodcaller": call_methodcaller,
    "inspect.getmembers": call_getmembers,
    "inspect.getmembers_static": call_getmembers,
    "builtins.dict": call_dict,
    "builtins.type": call_type,
    "builtins.map": call_map,
    "builtins.next": call_next,
    "builtins.iter": call_first_arg,
    "contextlib.nullcontext": call_first_arg,
    "builtins.enumerate": call_enumerate,
    "builtins.zip": call_zip,
    "builtins.staticmethod": call_first_arg,
    "builtins.classmethod": call_first_arg,
}
