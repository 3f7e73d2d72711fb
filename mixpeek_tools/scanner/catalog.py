"""Lookup tables built from the rule modules: which qualified names are forbidden, and why.

A qualified name is forbidden when it, or one of its dotted prefixes, is listed by a rule
(``subprocess`` forbids ``subprocess.run``; ``os.system`` forbids only that attribute). The
``Catalog`` also knows the "sensitive" modules on which a ``getattr`` with a name that cannot be
folded must fail closed, and the trigger words the pre-filter looks for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from mixpeek_tools.errors import BadInput
from mixpeek_tools.scanner.capabilities import SENSITIVE_MODULES
from mixpeek_tools.scanner.rules import BY_CATEGORY, CAPABILITY_RULES, CATEGORIES

# Modules that are the same object under another name.
MODULE_ALIASES = {"posix": "os", "nt": "os", "_pickle": "pickle", "cPickle": "pickle"}

# Attributes of any module that hold these modules (``tempfile._os``, ``shutil.os``) are
# followed to the module itself: a module's globals are reachable as its attributes.
HOP_MODULES = frozenset(
    {
        "os",
        "sys",
        "subprocess",
        "socket",
        "_socket",
        "ctypes",
        "_ctypes",
        "builtins",
        "importlib",
        "pty",
        "socketserver",
        "runpy",
        "marshal",
        "posix",
        "nt",
        "cffi",
        "_posixsubprocess",
        "zipimport",
        "imp",
        "_imp",
        "_winapi",
    }
)

# Calls whose result (for the analyzer, and for the pre-filter: their parts are evidence) is a known kind of object.
RETURNS: dict[str, str] = {
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.SelectorEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.ProactorEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.BaseEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.base_events.BaseEventLoop": "asyncio.AbstractEventLoop",
    "uvloop.new_event_loop": "asyncio.AbstractEventLoop",
    "uvloop.Loop": "asyncio.AbstractEventLoop",
    "multiprocessing.get_context": "multiprocessing",
    "builtins.object": "builtins.object",
    "builtins.get_ipython": "IPython.core.interactiveshell.InteractiveShell",
    "IPython.get_ipython": "IPython.core.interactiveshell.InteractiveShell",
    "IPython.core.getipython.get_ipython": "IPython.core.interactiveshell.InteractiveShell",
}

# Method names that only event loops have: flagged on any receiver.
LOOP_ONLY_METHODS: dict[str, str] = {
    "subprocess_exec": "command_execution",
    "subprocess_shell": "command_execution",
    "create_datagram_endpoint": "network_socket",
    "sock_connect": "network_socket",
    "sock_accept": "network_socket",
    "create_unix_connection": "network_socket",
    "create_unix_server": "network_socket",
    "connect_accepted_socket": "network_socket",
}
# Common method names flagged only when the receiver is named like an event loop.
LOOP_NAMED_METHODS = {"create_connection": "network_socket", "create_server": "network_socket"}
LOADER_METHODS = {"load_module", "exec_module"}

# Attributes the analyzer follows to a module without the module's name being written
# (``print.__self__`` is the builtins module); evidence for the pre-filter.
MODULE_REACHED_BY: dict[str, tuple[str, ...]] = {"builtins": ("__self__", "__builtins__")}

# Identifiers the pre-filter needs besides the last part of every forbidden name: every route
# from a string, a namespace or an object graph to an attribute goes through one of them.
GATEWAY_WORDS = (
    "getattr",
    "getattr_static",
    "vars",
    "globals",
    "locals",
    "__dict__",
    "__getattribute__",
    "__getattr__",
    "attrgetter",
    "methodcaller",
    "getmembers",
    "getmembers_static",
    "modules",
    "__builtins__",
    "builtins",
    "__subclasses__",
    "__globals__",
    "__code__",
    "f_locals",
    "func_globals",
    "f_globals",
    "f_builtins",
    "__loader__",
    "__spec__",
    "load_module",
    "exec_module",
    "breakpoint",
    "import_module",
    "__import__",
    "get_ipython",
    "pickle",
    "_pickle",
    "cPickle",
    "dill",
    "cloudpickle",
    "jsonpickle",
    "timeit",
    "create_connection",
    "create_server",
)
# Sensitive module names: a file that only imports them is harmless unless the module object
# itself escapes (see prefilter.module_escapes and flows.check_sinks).
FLOW_MODULE_WORDS = frozenset(m for m in SENSITIVE_MODULES if "." not in m)
# Last parts that are only reachable through another trigger word (``__spec__.loader``).
_IMPLIED_WORDS = frozenset({"loader"})


def canonical(qname: str) -> str:
    """``posix.system`` -> ``os.system``; other names unchanged."""
    head, _, rest = qname.partition(".")
    alias = MODULE_ALIASES.get(head)
    if alias is None:
        return qname
    return f"{alias}.{rest}" if rest else alias


@dataclass(frozen=True)
class Catalog:
    """Forbidden qualified names (with their category) and the tables derived from them."""

    forbidden: Mapping[str, str]
    reasons: Mapping[str, str] = field(default_factory=dict)

    def match(self, qname: str) -> tuple[str, str] | None:
        """``(entry, category)`` when ``qname`` or a dotted prefix of it is forbidden."""
        forbidden = self.forbidden
        if qname in forbidden:
            return qname, forbidden[qname]
        idx = qname.find(".")
        while idx != -1:
            prefix = qname[:idx]
            if prefix in forbidden:
                return prefix, forbidden[prefix]
            idx = qname.find(".", idx + 1)
        return None

    def trigger_words(self) -> frozenset[str]:
        return _trigger_words(tuple(sorted(self.forbidden)))

    def has_members(self, qname: str) -> bool:
        """Whether some forbidden name lies below ``qname`` (a class with a dangerous method)."""
        return qname in _prefixes(tuple(sorted(self.forbidden)))

    def evidence_only_words(self) -> Mapping[str, frozenset[str]]:
        """Last parts of computed-catalog names that matter, even as bare names, only with evidence.

        A bare ``read`` can only be ``http.client.HTTPResponse.read`` through an import that
        writes its module (``from http.client import ...``) or a star import of it, so the
        pre-filter needs the module's name too before sending the file to the analyzer.
        """
        return _evidence_only(tuple(sorted(self.forbidden)))

    def attribute_evidence(self) -> Mapping[str, frozenset[str]]:
        """Trigger words that are harmless as a bare attribute unless certain names also occur.

        ``re.compile`` is not ``builtins.compile`` and ``json.load`` is not ``marshal.load``:
        the analyzer can only resolve ``<expr>.load`` to ``marshal.load`` when ``<expr>`` is the
        ``marshal`` module, which the file cannot get without writing ``marshal`` (or an alias,
        a hop such as ``tempfile._os``, a call in :data:`RETURNS`, or a gateway word). So a word
        maps to the names (canonical, see :func:`canonical`) that must occur for its attribute
        use to matter. Words absent from the mapping matter wherever they occur: gateway words,
        module names (any ``x.subprocess`` may hop to the module), and method names the analyzer
        flags on any receiver.
        """
        return _attribute_evidence(tuple(sorted(self.forbidden)))


@lru_cache(maxsize=8)
def _trigger_words(entries: tuple[str, ...]) -> frozenset[str]:
    """The identifiers a forbidden capability cannot be reached without.

    A Python file reaches a forbidden name either by writing its last part (``system`` in
    ``os.system``, ``subprocess`` in ``import subprocess``, ``eval``), or through a gateway word
    (``getattr``, ``__dict__``, ``modules``, ``__builtins__``...). The pre-filter compares them
    with the file's whole ``\\w+`` tokens (exact word boundaries: a set lookup per token, where
    one regex alternating all the words costs milliseconds to compile on every start); the text
    is NFKC-normalised first when it is not ASCII, as Python does with identifiers.
    """
    words: set[str] = set(GATEWAY_WORDS) | set(FLOW_MODULE_WORDS)
    for entry in entries:
        last = entry.rsplit(".", 1)[-1]
        if last not in _IMPLIED_WORDS:
            words.add(last)
    return frozenset(words)


@lru_cache(maxsize=8)
def _prefixes(entries: tuple[str, ...]) -> frozenset[str]:
    return frozenset(entry[:i] for entry in entries for i in range(len(entry)) if entry[i] == ".")


@lru_cache(maxsize=8)
def _evidence_only(entries: tuple[str, ...]) -> dict[str, frozenset[str]]:
    ruled = set(GATEWAY_WORDS) | set(FLOW_MODULE_WORDS) | {e.rsplit(".", 1)[-1] for e in _RULE_FORBIDDEN}
    out: dict[str, set[str]] = {}
    for entry in entries:
        if entry in _RULE_FORBIDDEN:
            continue
        parts = entry.split(".")
        if parts[-1] not in ruled:
            out.setdefault(parts[-1], set()).update(parts[:-1])
    return {word: frozenset(names) for word, names in out.items()}


@lru_cache(maxsize=8)
def _attribute_evidence(entries: tuple[str, ...]) -> dict[str, frozenset[str]]:
    always = (
        set(GATEWAY_WORDS) | set(LOOP_ONLY_METHODS) | set(LOOP_NAMED_METHODS) | LOADER_METHODS
        | set(HOP_MODULES) | set(MODULE_ALIASES)
    )  # fmt: skip
    evidence: dict[str, set[str]] = {}
    for entry in entries:
        parts = canonical(entry).split(".")
        last = parts[-1]
        if len(parts) == 1:
            always.add(last)
            continue
        names = evidence.setdefault(last, set())
        names.update(parts[:-1])
        for source, target in RETURNS.items():
            if entry.startswith(target + "."):
                names.update(source.split("."))
        names.update(MODULE_REACHED_BY.get(parts[0], ()))
    return {word: frozenset(names) for word, names in evidence.items() if word not in always}


def _base_table() -> tuple[dict[str, str], dict[str, str]]:
    forbidden: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for rule in CAPABILITY_RULES:
        for qname, reason in rule.FORBIDDEN.items():
            forbidden[qname] = rule.category
            reasons[qname] = reason
    return forbidden, reasons


_RULE_FORBIDDEN, _RULE_REASONS = _base_table()
_RULE_CATALOG = Catalog(_RULE_FORBIDDEN, _RULE_REASONS)


def base_forbidden() -> dict[str, str]:
    """The hand-written rules alone: the input of the computed catalog."""
    return dict(_RULE_FORBIDDEN)


def base_catalog() -> Catalog:
    """The catalog without computed entries (what scripts/compute_catalog.py resolves with)."""
    return _RULE_CATALOG


def _with_computed() -> tuple[dict[str, str], dict[str, str]]:
    """Rules plus the computed catalog of helpers that wrap a forbidden capability."""
    from mixpeek_tools.scanner.computed_catalog import ENTRIES

    forbidden = dict(_RULE_FORBIDDEN)
    reasons = dict(_RULE_REASONS)
    for qname, (category, via) in ENTRIES.items():
        if qname.rsplit(".", 1)[-1].startswith("__"):
            continue  # ``X.__init__``: the class entry ``X`` covers construction
        if _RULE_CATALOG.match(qname) is None:  # a rule that already covers it names it better
            forbidden[qname] = category
            reasons[qname] = "reaches a forbidden capability " + ("directly" if via == "direct" else f"through `{via}`") + " (computed catalog)"
    return forbidden, reasons


_BASE_FORBIDDEN, _BASE_REASONS = _with_computed()
DEFAULT_CATALOG = Catalog(_BASE_FORBIDDEN, _BASE_REASONS)

ExtraForbidden = Iterable[str] | Mapping[str, str] | None


def build_catalog(extra: ExtraForbidden = None) -> Catalog:
    """The default catalog plus ``extra`` forbidden names.

    ``extra`` is a mapping ``qualified name -> category`` or an iterable of ``"name"`` or
    ``"name=category"`` strings; a name without a category gets ``dynamic_code``.
    """
    if not extra:
        return DEFAULT_CATALOG
    forbidden = dict(_BASE_FORBIDDEN)
    reasons = dict(_BASE_REASONS)
    items = extra.items() if isinstance(extra, Mapping) else (_split(e) for e in extra)
    for qname, category in items:
        qname = qname.strip()
        if not qname or not all(part.isidentifier() for part in qname.split(".")):
            raise BadInput(
                f"extra forbidden name {qname!r} is not a dotted Python name",
                where="extra_forbidden",
                hint="Give qualified names such as `yaml.load` or `mylib.run=command_execution`",
            )
        if category not in BY_CATEGORY:
            raise BadInput(
                f"extra forbidden name {qname!r} has unknown category {category!r}",
                where="extra_forbidden",
                hint=f"Use one of: {', '.join(CATEGORIES)}",
            )
        forbidden[canonical(qname)] = category
        reasons.setdefault(canonical(qname), "forbidden by this project's configuration")
    return Catalog(forbidden, reasons)


def _split(entry: str) -> tuple[str, str]:
    name, sep, category = entry.partition("=")
    return name, (category.strip() if sep else "dynamic_code")
