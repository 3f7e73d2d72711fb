"""What a module object can reach: the model behind fail-closed findings (issue classes 2, 6, 7).

A sensitive module object is a capability: whoever holds ``os`` can call ``os.system``. The
scanner therefore needs, for a module, (a) whether it is sensitive at all, (b) which member names
lead to a forbidden capability (so that a lookup whose name is only partly known, ``'handle_' +
kind`` or ``name.upper()``, is flagged only when one of those names fits), and (c) which
categories a lookup with an unknown name could reach, so a fail-closed finding names the
capability (``getattr(os, <unknown>)`` is ``command_execution``, not a generic category).

Members come from the catalog (hand-written rules plus the computed catalog of standard-library
helpers, :mod:`mixpeek_tools.scanner.computed`), and from modules a module holds as attributes
(``shutil.os``): a lookup on ``shutil`` may return ``os``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

# Modules whose object is a capability in itself: a flow of one of them into anything the
# scanner does not follow is a finding, and so is a lookup on it with an unknown name.
SENSITIVE_MODULES: dict[str, str] = {
    "os": "command_execution",
    "sys": "dynamic_import",
    "builtins": "dynamic_code",
    "asyncio": "command_execution",
    "multiprocessing": "command_execution",
    "importlib": "dynamic_import",
    "inspect": "dynamic_code",
    "types": "dynamic_code",
    "gc": "dynamic_code",
    "subprocess": "command_execution",
    "socket": "network_socket",
    "_socket": "network_socket",
    "ctypes": "native_memory",
    "_ctypes": "native_memory",
    "pty": "command_execution",
    "marshal": "dynamic_code",
    "code": "dynamic_code",
    "codeop": "dynamic_code",
    "pdb": "dynamic_code",
    "bdb": "dynamic_code",
    "runpy": "dynamic_import",
    "pkgutil": "dynamic_import",
    "site": "dynamic_import",
    "pydoc": "command_execution",
    "timeit": "dynamic_code",
    "cProfile": "dynamic_code",
    "profile": "dynamic_code",
    "doctest": "dynamic_code",
    "platform": "command_execution",
    "shutil": "command_execution",
    "tempfile": "command_execution",
    "uuid": "command_execution",
    "webbrowser": "command_execution",
    "_posixsubprocess": "command_execution",
    "zipimport": "dynamic_import",
    "imp": "dynamic_import",
    "_imp": "dynamic_import",
    "asyncio.AbstractEventLoop": "network_socket",
}

# Members of ``builtins`` and ``sys`` that are not forbidden themselves but lead straight to a
# forbidden capability (a namespace, a frame, the import machinery).
EXTRA_MEMBERS: dict[str, dict[str, str]] = {
    "builtins": {
        "getattr": "dynamic_code",
        "vars": "dynamic_code",
        "globals": "dynamic_code",
        "locals": "dynamic_code",
        "__builtins__": "dynamic_code",
        "__dict__": "dynamic_code",
    },
    "sys": {
        "modules": "dynamic_import",
        "_getframe": "dynamic_code",
        "meta_path": "dynamic_import",
        "path_hooks": "dynamic_import",
        "settrace": "dynamic_code",
        "setprofile": "dynamic_code",
        "__dict__": "dynamic_import",
    },
    "inspect": {
        "currentframe": "dynamic_code",
        "stack": "dynamic_code",
        "trace": "dynamic_code",
        "getouterframes": "dynamic_code",
        "getinnerframes": "dynamic_code",
        "getmodule": "dynamic_import",
        "getmembers": "dynamic_code",
        "getattr_static": "dynamic_code",
    },
}

# Attribute names under which modules commonly hold the sensitive modules (``shutil.os``,
# ``tempfile._os``); a lookup on a standard-library module may return them.
HELD_NAMES = frozenset(
    {"os", "sys", "builtins", "subprocess", "socket", "ctypes", "importlib", "inspect", "types", "gc", "asyncio"}
)


def is_stdlib(qname: str) -> bool:
    head = qname.split(".", 1)[0]
    return head in sys.stdlib_module_names


@dataclass(frozen=True)
class Reach:
    """What a lookup on one module with a not-fully-known name could return that matters."""

    members: Mapping[str, str]  # member name -> category
    default: str  # the category to name when nothing more precise is known


@lru_cache(maxsize=4096)
def _members(qname: str, forbidden_key: tuple[str, ...], categories: tuple[str, ...]) -> dict[str, str]:
    members: dict[str, str] = {}
    prefix = qname + "."
    for entry, category in zip(forbidden_key, categories, strict=True):
        if entry.startswith(prefix):
            name = entry[len(prefix) :].split(".", 1)[0]
            members.setdefault(name, category)
    members.update(EXTRA_MEMBERS.get(qname, {}))
    if qname in SENSITIVE_MODULES:
        for held in HELD_NAMES:
            if held != qname and held in SENSITIVE_MODULES:
                members.setdefault(held, SENSITIVE_MODULES[held])
                members.setdefault("_" + held, SENSITIVE_MODULES[held])
    return members


def reach(qname: str, forbidden: Mapping[str, str]) -> Reach | None:
    """The dangerous members of module ``qname``, or ``None`` when a lookup on it is harmless.

    Third-party modules (``numpy``, ``torch``) are only sensitive through their catalogued
    members, and never fail closed on a wholly unknown name: ``getattr(torch, dtype_name)`` is
    everyday code (see docs/scanner.md).
    """
    keys = tuple(forbidden)
    members = _members(qname, keys, tuple(forbidden[k] for k in keys)) if qname in SENSITIVE_MODULES or is_stdlib(qname) else {}
    default = SENSITIVE_MODULES.get(qname)
    if default is None and not members:
        return None
    if default is None:
        if not is_stdlib(qname):
            return None
        default = sorted(members.values())[0]
    return Reach(members, default)


def categories_for(reach_: Reach, names: list[str] | None = None) -> dict[str, list[str]]:
    """Categories (with example member names) a lookup restricted to ``names`` could reach."""
    out: dict[str, list[str]] = {}
    if names is None:
        own = {n: c for n, c in reach_.members.items() if n.lstrip("_") not in HELD_NAMES}
        pool = own or dict(reach_.members)
    else:
        pool = {n: reach_.members[n] for n in names if n in reach_.members}
    for name, category in sorted(pool.items(), key=lambda item: (item[0].startswith("_"), item[0])):
        out.setdefault(category, []).append(name)
    if names is None and not out:
        out[reach_.default] = []
    return out
