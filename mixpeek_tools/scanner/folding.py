"""Constant folding of the string tricks used to hide attribute and module names.

Attackers build names at run time: ``"sys" + "tem"``, ``"metsys"[::-1]``, ``"".join(map(chr,
[...]))``, f-strings, ``%``/``format``, ``bytes.decode``, ``codecs.decode(..., "rot13")``,
base64 and hex. These helpers compute such values on plain Python constants, so the resolver can
treat the result like a literal. Every helper returns ``None`` when it cannot fold (never
raises), and results are size-capped: folding is a static computation, not an interpreter.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import operator
from collections.abc import Callable
from typing import Any, NamedTuple

MAX_LEN = 4096
_FOLDABLE = (str, bytes, int, bool, float, tuple, type(None))


def ok(value: Any) -> bool:
    """Whether ``value`` is a constant the scanner keeps (small str/bytes/int/tuple)."""
    if isinstance(value, (str, bytes)):
        return len(value) <= MAX_LEN
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return True
    if isinstance(value, int):
        return value.bit_length() <= 4096
    if isinstance(value, tuple):
        return len(value) <= 256 and all(ok(v) for v in value)
    return False


def guard(value: Any) -> Any:
    return value if ok(value) else None


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "Add": operator.add,
    "Subtract": operator.sub,
    "Multiply": operator.mul,
    "FloorDivide": operator.floordiv,
    "Modulo": operator.mod,
    "BitXor": operator.xor,
    "BitOr": operator.or_,
    "BitAnd": operator.and_,
    "LeftShift": operator.lshift,
    "RightShift": operator.rshift,
    "Power": operator.pow,
}


def _too_long(left: Any, right: Any) -> bool:
    """Whether a sequence repetition would exceed :data:`MAX_LEN`."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, tuple)) and isinstance(times, int) and times * len(seq) > MAX_LEN:
            return True
    return False


def binop(op: str, left: Any, right: Any) -> Any:
    """``left <op> right`` for the operator's libcst class name, or ``None``."""
    fn = _BINOPS.get(op)
    if fn is None:
        return None
    try:
        if op == "Multiply" and _too_long(left, right):
            return None
        if op in ("Power", "LeftShift") and isinstance(right, int) and right > 4096:
            return None
        if op == "Modulo" and isinstance(left, str) and isinstance(right, list):
            right = tuple(right)
        return guard(fn(left, right))
    except Exception:
        return None


def unop(op: str, value: Any) -> Any:
    try:
        if op == "Minus":
            return guard(-value)
        if op == "Plus":
            return guard(+value)
        if op == "BitInvert":
            return guard(~value)
        if op == "Not":
            return not value
    except Exception:
        return None
    return None


class SliceKey(NamedTuple):
    """A folded ``a:b:c`` (``slice`` itself is unhashable before Python 3.12)."""

    start: int | None
    stop: int | None
    step: int | None


def subscript(value: Any, index: Any) -> Any:
    """``value[index]`` where index is an int or a :class:`SliceKey`."""
    if isinstance(index, SliceKey):
        index = slice(index.start, index.stop, index.step)
    elif not isinstance(index, int):
        return None
    try:
        if isinstance(value, (str, bytes, tuple)):
            return guard(value[index])
    except Exception:
        return None
    return None


_SAFE_CODECS = {
    "rot13",
    "rot_13",
    "hex",
    "hex_codec",
    "base64",
    "base64_codec",
    "utf-8",
    "utf8",
    "ascii",
    "latin-1",
    "latin1",
    "unicode_escape",
    "raw_unicode_escape",
    "utf-16",
    "utf-32",
    "idna",
    "punycode",
}


def _codec(name: Any) -> str | None:
    if isinstance(name, str) and name.lower().replace(" ", "") in _SAFE_CODECS:
        return name.lower()
    return None


_STR_METHODS = {
    "lower",
    "upper",
    "strip",
    "lstrip",
    "rstrip",
    "replace",
    "swapcase",
    "title",
    "capitalize",
    "casefold",
    "join",
    "format",
    "removeprefix",
    "removesuffix",
    "zfill",
    "center",
    "ljust",
    "rjust",
    "split",
    "rsplit",
    "partition",
    "rpartition",
    "translate",
    "encode",
    "decode",
    "hex",
    "expandtabs",
    "splitlines",
}


def method(obj: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """A pure method of a str/bytes constant, e.g. ``"metsys"[::-1].replace(...)``."""
    if not isinstance(obj, (str, bytes)) or name not in _STR_METHODS:
        return None
    try:
        if name in ("encode", "decode"):
            enc = args[0] if args else kwargs.get("encoding", "utf-8")
            if _codec(enc) is None:
                return None
            if isinstance(obj, str) and name == "encode":
                return guard(codecs.encode(obj, enc))
            if isinstance(obj, bytes) and name == "decode":
                return guard(codecs.decode(obj, enc))
            return None
        if name == "join":
            items = args[0] if args else None
            if not isinstance(items, tuple):
                return None
            return guard(obj.join(items))
        if name == "format" and isinstance(obj, str):
            return guard(obj.format(*args, **kwargs))
        if name == "translate":
            return None
        result = getattr(obj, name)(*args, **kwargs)
        if isinstance(result, list):
            result = tuple(result)
        return guard(result)
    except Exception:
        return None


def _b64(fn: Callable[[Any], bytes]) -> Callable[[list[Any]], Any]:
    def run(args: list[Any]) -> Any:
        return guard(fn(args[0]))

    return run


def _decode_call(args: list[Any]) -> Any:
    enc = args[1] if len(args) > 1 else "utf-8"
    if _codec(enc) is None:
        return None
    return guard(codecs.decode(args[0], enc))


def _encode_call(args: list[Any]) -> Any:
    enc = args[1] if len(args) > 1 else "utf-8"
    if _codec(enc) is None:
        return None
    return guard(codecs.encode(args[0], enc))


def _seq(args: list[Any]) -> Any:
    if not args:
        return ()
    value = args[0]
    if isinstance(value, str):
        return tuple(value)
    if isinstance(value, (bytes, tuple)):
        return tuple(value)
    return None


def _bytes(args: list[Any]) -> Any:
    if not args:
        return b""
    value = args[0]
    if isinstance(value, str) and len(args) > 1 and _codec(args[1]):
        return guard(value.encode(args[1]))
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return guard(bytes(value))
    if isinstance(value, bytes):
        return value
    return None


def _str(args: list[Any]) -> Any:
    if not args:
        return ""
    if len(args) > 1 and isinstance(args[0], bytes) and _codec(args[1]):
        return guard(args[0].decode(args[1]))
    if isinstance(args[0], (str, int, float, bool)) or args[0] is None:
        return guard(str(args[0]))
    return None


FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "builtins.chr": lambda a: chr(a[0]),
    "builtins.ord": lambda a: ord(a[0]),
    "builtins.str": _str,
    "builtins.repr": lambda a: guard(repr(a[0])) if isinstance(a[0], (str, int)) else None,
    "builtins.bytes": _bytes,
    "builtins.bytearray": _bytes,
    "builtins.int": lambda a: int(*a) if isinstance(a[0], (str, int)) else None,
    "builtins.reversed": lambda a: tuple(reversed(_seq(a) or ())) if _seq(a) is not None else None,
    "builtins.list": _seq,
    "builtins.tuple": _seq,
    "builtins.sorted": lambda a: tuple(sorted(_seq(a) or ())) if _seq(a) is not None else None,
    "builtins.format": lambda a: guard(format(*a)),
    "builtins.hex": lambda a: hex(a[0]),
    "builtins.abs": lambda a: abs(a[0]),
    "builtins.sum": lambda a: guard(sum(a[0])) if isinstance(a[0], tuple) else None,
    "codecs.decode": _decode_call,
    "codecs.encode": _encode_call,
    "base64.b64decode": _b64(base64.b64decode),
    "base64.standard_b64decode": _b64(base64.standard_b64decode),
    "base64.urlsafe_b64decode": _b64(base64.urlsafe_b64decode),
    "base64.b32decode": _b64(base64.b32decode),
    "base64.b16decode": _b64(base64.b16decode),
    "base64.b85decode": _b64(base64.b85decode),
    "base64.a85decode": _b64(base64.a85decode),
    "base64.decodebytes": _b64(base64.decodebytes),
    "base64.b64encode": _b64(base64.b64encode),
    "binascii.unhexlify": _b64(binascii.unhexlify),
    "binascii.a2b_hex": _b64(binascii.a2b_hex),
    "binascii.a2b_base64": _b64(binascii.a2b_base64),
    "bytes.fromhex": lambda a: guard(bytes.fromhex(a[0])),
    "builtins.bytes.fromhex": lambda a: guard(bytes.fromhex(a[0])),
    "operator.add": lambda a: binop("Add", a[0], a[1]),
    "operator.concat": lambda a: binop("Add", a[0], a[1]),
    "builtins.str.join": lambda a: method(a[0], "join", a[1:], {}),
    "builtins.str.lower": lambda a: method(a[0], "lower", a[1:], {}),
    "builtins.str.upper": lambda a: method(a[0], "upper", a[1:], {}),
    "builtins.str.format": lambda a: method(a[0], "format", a[1:], {}),
    "builtins.str.replace": lambda a: method(a[0], "replace", a[1:], {}),
    "builtins.bytes.decode": lambda a: method(a[0], "decode", a[1:], {}),
}


def call(qname: str, args: list[Any]) -> Any:
    """Fold a call of a known pure function on constant arguments, or ``None``."""
    fn = FUNCTIONS.get(qname)
    if fn is None:
        return None
    try:
        return guard(fn(args))
    except Exception:
        return None


def map_call(func_qname: str, items: tuple[Any, ...]) -> Any:
    """``map(f, items)`` for a foldable ``f`` (``chr``, ``str.lower``...), as a tuple."""
    out = []
    for item in items:
        value = call(func_qname, [item])
        if value is None:
            return None
        out.append(value)
    return tuple(out)
