"""Constant folding for the resolver: literals, string building and calls on constants.

Each function takes the :class:`~mixpeek_tools.scanner.resolve.Evaluator` whose memo and scopes
it uses; the evaluator's handler table points node types here. Strings that cannot be folded
completely keep what is known of them (a prefix, a suffix, their letter case) as a
:class:`~mixpeek_tools.scanner.values.StrShape`, so a lookup with them is judged by what it
could reach (see :mod:`mixpeek_tools.scanner.capabilities`).
"""

from __future__ import annotations

import ast
import itertools
from typing import TYPE_CHECKING, Any

import libcst as cst

from mixpeek_tools.scanner import folding
from mixpeek_tools.scanner.scopes import Scope, ident
from mixpeek_tools.scanner.values import UNKNOWN, UNKNOWN_SET, Const, Ref, Seq, StrShape, Value

if TYPE_CHECKING:
    from mixpeek_tools.scanner.resolve import Evaluator

NOFOLD = object()
MAX_OPTIONS = 16


def literal(evaluator: Evaluator, node: cst.SimpleString | cst.Integer | cst.Float, scope: Scope) -> frozenset[Value]:
    try:
        value = ast.literal_eval(node.value)
    except (ValueError, SyntaxError, MemoryError):
        return UNKNOWN_SET
    return frozenset({Const(value)}) if folding.ok(value) else UNKNOWN_SET


def concat(evaluator: Evaluator, node: cst.ConcatenatedString, scope: Scope) -> frozenset[Value]:
    return fold_binop(evaluator, "Add", evaluator.values_of(node.left, scope), evaluator.values_of(node.right, scope))


def fstring(evaluator: Evaluator, node: cst.FormattedString, scope: Scope) -> frozenset[Value]:
    raw = "r" in node.prefix.lower()
    pieces: list[str] = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            text = part.value
            if "\\" in text and not raw:
                try:
                    text = ast.literal_eval(f'"""{text}"""')
                except (ValueError, SyntaxError):
                    return UNKNOWN_SET
            pieces.append(text.replace("{{", "{").replace("}}", "}"))
        elif isinstance(part, cst.FormattedStringExpression):
            piece = fstring_expression(evaluator, part, scope)
            if piece is None:
                return _fstring_shape(node, "".join(pieces))
            pieces.append(piece)
    text = "".join(pieces)
    return frozenset({Const(text)}) if folding.ok(text) else UNKNOWN_SET


def fstring_expression(evaluator: Evaluator, part: cst.FormattedStringExpression, scope: Scope) -> str | None:
    value = evaluator.single_const(evaluator.values_of(part.expression, scope))
    if value is NOFOLD:
        return None
    spec = ""
    for item in part.format_spec or ():
        if not isinstance(item, cst.FormattedStringText):
            return None
        spec += item.value
    try:
        if part.conversion == "r":
            value = repr(value)
        elif part.conversion == "s":
            value = str(value)
        elif part.conversion == "a":
            value = ascii(value)
        return format(value, spec)
    except (ValueError, TypeError):
        return None


def binop(evaluator: Evaluator, node: cst.BinaryOperation, scope: Scope) -> frozenset[Value]:
    return fold_binop(evaluator, type(node.operator).__name__, evaluator.values_of(node.left, scope), evaluator.values_of(node.right, scope))


def fold_binop(evaluator: Evaluator, op: str, left: frozenset[Value], right: frozenset[Value]) -> frozenset[Value]:
    lefts = evaluator.const_options(left)
    rights = evaluator.const_options(right)
    if lefts is None or rights is None:
        if op == "Add":
            return shape_concat(_shape(lefts, left), _shape(rights, right))
        if op == "Modulo" and lefts is not None and len(lefts) == 1 and isinstance(lefts[0], str):
            return frozenset({StrShape(prefix=lefts[0].split("%", 1)[0])})
        return UNKNOWN_SET
    out: set[Value] = set()
    for a, b in itertools.islice(itertools.product(lefts, rights), MAX_OPTIONS):
        folded = folding.binop(op, a, b)
        out.add(UNKNOWN if folded is None else Const(folded))
    return frozenset(out)


def unop(evaluator: Evaluator, node: cst.UnaryOperation, scope: Scope) -> frozenset[Value]:
    options = evaluator.const_options(evaluator.values_of(node.expression, scope))
    if options is None:
        return UNKNOWN_SET
    op = type(node.operator).__name__
    out: set[Value] = set()
    for value in options:
        folded = folding.unop(op, value)
        out.add(UNKNOWN if folded is None else Const(folded))
    return frozenset(out)


def comprehension(evaluator: Evaluator, node: cst.GeneratorExp | cst.ListComp | cst.SetComp, scope: Scope) -> frozenset[Value]:
    inner = evaluator.binder.scope_of.get(id(node), scope)
    folded = fold_comprehension(evaluator, node, inner)
    if folded is not None:
        return frozenset({Seq(tuple(frozenset({Const(v)}) for v in folded))})
    return frozenset({Seq((evaluator.values_of(node.elt, inner),), exact=False)})


def fold_comprehension(evaluator: Evaluator, node: cst.GeneratorExp | cst.ListComp | cst.SetComp, scope: Scope) -> tuple[Any, ...] | None:
    comp = node.for_in
    if comp.inner_for_in is not None or comp.ifs or not isinstance(comp.target, cst.Name):
        return None
    iterable = evaluator.single_const(evaluator.values_of(comp.iter, scope))
    if iterable is NOFOLD:
        seq_values = evaluator.values_of(comp.iter, scope)
        options = evaluator.const_options(seq_values)
        if options is None or len(options) != 1:
            return None
        iterable = options[0]
    if not isinstance(iterable, (tuple, str, bytes)) or len(iterable) > 256:
        return None
    name = ident(comp.target.value)
    out = []
    for item in iterable:
        value = concrete(evaluator, node.elt, {name: item}, scope)
        if value is NOFOLD:
            return None
        out.append(value)
    return tuple(out)


def concrete(evaluator: Evaluator, node: cst.CSTNode, env: dict[str, Any], scope: Scope) -> Any:
    """Evaluate a constant expression with some names bound to concrete values."""
    if isinstance(node, cst.Name) and ident(node.value) in env:
        return env[ident(node.value)]
    if isinstance(node, cst.BinaryOperation):
        left = concrete(evaluator, node.left, env, scope)
        right = concrete(evaluator, node.right, env, scope)
        if left is NOFOLD or right is NOFOLD:
            return NOFOLD
        folded = folding.binop(type(node.operator).__name__, left, right)
        return NOFOLD if folded is None else folded
    if isinstance(node, cst.Call) and not any(arg.keyword or arg.star for arg in node.args):
        args = [concrete(evaluator, arg.value, env, scope) for arg in node.args]
        if any(a is NOFOLD for a in args):
            return NOFOLD
        if isinstance(node.func, cst.Attribute):
            receiver = concrete(evaluator, node.func.value, env, scope)
            if receiver is not NOFOLD and isinstance(receiver, (str, bytes)):
                folded = folding.method(receiver, ident(node.func.attr.value), args, {})
                return NOFOLD if folded is None else folded
        for value in evaluator.values_of(node.func, scope):
            if isinstance(value, Ref):
                folded = folding.call(value.qname, args)
                if folded is not None:
                    return folded
        return NOFOLD
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        base = concrete(evaluator, node.value, env, scope)
        key = concrete(evaluator, node.slice[0].slice.value, env, scope)
        if base is NOFOLD or key is NOFOLD:
            return NOFOLD
        folded = folding.subscript(base, key)
        return NOFOLD if folded is None else folded
    if mentions(node, env):
        return NOFOLD
    return evaluator.single_const(evaluator.values_of(node, scope))


def mentions(node: cst.CSTNode, env: dict[str, Any]) -> bool:
    if isinstance(node, cst.Name):
        return ident(node.value) in env
    return not isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString))


def fold_call(evaluator: Evaluator, qname: str, args: list[frozenset[Value]]) -> frozenset[Value] | None:
    option_lists = [evaluator.const_options(a) for a in args]
    if any(o is None for o in option_lists):
        if qname in ("builtins.list", "builtins.tuple", "builtins.reversed") and len(args) == 1:
            seqs = [v for v in args[0] if isinstance(v, Seq)]
            if seqs:
                if qname == "builtins.reversed":
                    return frozenset(Seq(tuple(reversed(s.items)), s.exact) for s in seqs)
                return frozenset(seqs)
        return None
    out: set[Value] = set()
    for combo in itertools.islice(itertools.product(*option_lists), MAX_OPTIONS):  # type: ignore[arg-type]
        folded = folding.call(qname, list(combo))
        out.add(UNKNOWN if folded is None else Const(folded))
    return frozenset(out)


def _shape(options: list[Any] | None, values: frozenset[Value]) -> str | StrShape | None:
    """A side of a concatenation: a known string, a partly known one, or ``None`` (unknown)."""
    if options is not None:
        return options[0] if len(options) == 1 and isinstance(options[0], str) else None
    shapes = [v for v in values if isinstance(v, StrShape)]
    return shapes[0] if len(shapes) == 1 and len(values) == 1 else None


def shape_concat(left: str | StrShape | None, right: str | StrShape | None) -> frozenset[Value]:
    """What ``left + right`` is known to be when one side is not fully known."""
    prefix = left if isinstance(left, str) else left.prefix if isinstance(left, StrShape) else ""
    if isinstance(left, StrShape) or left is None:
        prefix = left.prefix if isinstance(left, StrShape) else ""
        suffix = right if isinstance(right, str) else right.suffix if isinstance(right, StrShape) else ""
        if isinstance(left, StrShape) and isinstance(right, str):
            suffix = left.suffix + right
    else:
        suffix = right.suffix if isinstance(right, StrShape) else ""
        if isinstance(right, StrShape):
            prefix = left + right.prefix
    shape = StrShape(prefix=prefix, suffix=suffix)
    return frozenset({shape}) if shape.informative else UNKNOWN_SET


def _fstring_shape(node: cst.FormattedString, prefix: str) -> frozenset[Value]:
    """An f-string with an unknown part: its literal text before and after the unknown parts."""
    suffix = ""
    for part in reversed(node.parts):
        if not isinstance(part, cst.FormattedStringText) or "\\" in part.value:
            break
        suffix = part.value.replace("{{", "{").replace("}}", "}") + suffix
    shape = StrShape(prefix=prefix, suffix=suffix)
    return frozenset({shape}) if shape.informative else UNKNOWN_SET
