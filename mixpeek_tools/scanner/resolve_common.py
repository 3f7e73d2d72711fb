"""Names and helpers the parts of pass two share (:mod:`mixpeek_tools.scanner.resolve`)."""

from __future__ import annotations

import libcst as cst

from mixpeek_tools.scanner import constfold
from mixpeek_tools.scanner.catalog import HOP_MODULES, canonical
from mixpeek_tools.scanner.scopes import Scope, ident
from mixpeek_tools.scanner.values import (
    Namespace,
    Ref,
    Value,
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



OWN_MODULE_NAMES = frozenset({"__name__", "__module__", "__package__", "__qualname__"})


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
