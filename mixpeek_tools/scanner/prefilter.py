"""The sound pre-filter: proves, without libcst, that a file cannot reach a forbidden name.

The libcst analysis is the expensive part of a scan, and importing libcst alone costs more than
a whole ``bandit`` run on a small plugin. Most files are plainly harmless, so two cheap stages
decide first whether the analysis is needed at all; either stage may only say "harmless" when
the analyzer could not report anything either.

1. The source text's ``\\w+`` tokens are looked up among the *trigger words* (see
   :meth:`~mixpeek_tools.scanner.catalog.Catalog.trigger_words`): the last part of every
   forbidden name and every gateway word. No trigger word anywhere, no analysis.
2. Otherwise the stdlib ``ast`` tree (parsed anyway, for the syntax check) tells where the words
   are. A word in a string or a comment is inert: a string only becomes an attribute or a module
   through a gateway, and gateway words are triggers in their own right. A word used as a bare
   attribute (``re.compile``, ``json.load``, ``proc.run``) only matters when the names its
   forbidden owner needs also occur in the code (``builtins``, ``marshal``, ``cProfile``...);
   see :meth:`~mixpeek_tools.scanner.catalog.Catalog.attribute_evidence`. Anywhere else (a bare
   name, an import, a definition) it goes to the analyzer.

Identifiers come from the parser, which applies the NFKC normalisation Python applies, so a
full-width ``eval`` is plain ``eval`` here too. A file that does not parse goes to the analyzer,
which reports the syntax error in its own words.
"""

from __future__ import annotations

import ast
import re
import unicodedata
import warnings

from mixpeek_tools.scanner.catalog import (
    FLOW_MODULE_WORDS,
    GATEWAY_WORDS,
    HOP_MODULES,
    Catalog,
    canonical,
)

_WORD = re.compile(r"\w+")  # a token; a trigger word counts only as a whole one
# ast fields that hold text but are not identifiers.
_NOT_IDENTIFIERS = frozenset({"kind", "type_comment"})


def may_reach_forbidden(text: str, catalog: Catalog, tree: ast.AST | None = None) -> bool:
    """``False`` only when no route the analyzer knows leads from ``text`` to a forbidden name.

    ``tree`` is the ``ast`` module of ``text`` when the caller already has it; without it the
    text is parsed here (and a syntax error means ``True``).
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    words = set(catalog.trigger_words().intersection(_WORD.findall(text)))
    if not words:
        return False
    if "__code__" in words and "setattr" in text:
        return True  # ``setattr(f, "__code__", c)``: the one gateway that writes rather than reads
    if tree is None:
        tree = parse_quietly(text)
        if tree is None:
            return True
    attributes, others = identifiers(tree)
    modules = words & FLOW_ONLY
    if modules:
        words = words - FLOW_ONLY
        if module_escapes(tree, modules):
            return True
    bare = words & others
    if bare:
        evidence_only = catalog.evidence_only_words()
        present_all = _normalised(attributes | others)
        for word in bare:
            needed = evidence_only.get(word)
            if needed is None or needed & present_all:
                return True
    used_as_attribute = words & attributes
    if not used_as_attribute:
        return False
    evidence = catalog.attribute_evidence()
    present: set[str] | None = None
    for word in used_as_attribute:
        needed = evidence.get(word)
        if needed is None:
            return True
        if present is None:
            present = _normalised(attributes | others)
        if needed & present:
            return True
    return False


# Module names that are trigger words only because the module object may escape; one that is
# also the last part of a forbidden name or a gateway word (``subprocess``, ``builtins``) keeps
# its ordinary meaning.
FLOW_ONLY = frozenset(FLOW_MODULE_WORDS - set(GATEWAY_WORDS) - {"subprocess", "socket", "pty", "ctypes", "marshal", "code", "codeop", "runpy", "webbrowser", "_posixsubprocess", "_socket", "_ctypes", "zipimport", "imp", "_imp", "importlib", "timeit"})
_BENIGN_FIRST_ARG = frozenset({"getattr", "hasattr", "setattr", "delattr", "isinstance", "print", "repr", "str", "id", "dir", "type", "vars"})


def module_escapes(tree: ast.AST, modules: set[str]) -> bool:
    """Whether a sensitive module imported here is used other than as ``module.attribute``.

    Mirrors the analyzer's flow rule (:func:`mixpeek_tools.scanner.flows.check_sinks`): a module
    object passed, stored, returned or put in a container must be analysed; one only read from
    (``os.path.join``, ``getattr(os, "cpu_count")``) cannot escape.
    """
    aliases: set[str] = set()
    receivers: set[int] = set()
    names: list[ast.Name] = []
    hops: list[ast.Attribute] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name.split(".")[-1] in modules or alias.name.split(".")[0] in modules:
                    aliases.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Attribute):
            receivers.add(id(node.value))
            if node.attr.lstrip("_") in HOP_MODULES:
                hops.append(node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _BENIGN_FIRST_ARG and node.args:
            receivers.add(id(node.args[0]))
        elif isinstance(node, ast.Name):
            names.append(node)
    if any(id(h) not in receivers for h in hops):
        return True  # ``fn(shutil.os)``: a module held by another module escapes
    return any(n.id in aliases and id(n) not in receivers for n in names)


def parse_quietly(text: str) -> ast.Module | None:
    """The ``ast`` module of ``text``, or ``None`` when it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def identifiers(tree: ast.AST) -> tuple[set[str], set[str]]:
    """``(attribute names, every other identifier)`` written in the code of ``tree``.

    Attribute names are ``x.<name>`` and class-pattern keywords (``case C(<name>=v)``, which
    reads an attribute). Every other identifier-holding field counts as "other", whatever the
    node type, so node types added by later Pythons are covered without a change here; dotted
    module names (``import a.b``) are split into their parts. String constants are not
    identifiers.
    """
    attributes: set[str] = set()
    others: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            attributes.add(node.attr)
            continue
        if isinstance(node, ast.Name):
            others.add(node.id)
            continue
        if isinstance(node, ast.Constant):
            continue
        if isinstance(node, ast.MatchClass):
            attributes.update(node.kwd_attrs)
            continue
        for name, value in ast.iter_fields(node):
            if isinstance(value, str) and name not in _NOT_IDENTIFIERS:
                others.update(value.split("."))
            elif isinstance(value, list) and value and isinstance(value[0], str):
                for item in value:
                    others.update(item.split("."))
    return attributes, others


def _normalised(names: set[str]) -> set[str]:
    """``names`` plus the module each one stands for: ``posix`` is ``os``, ``_os`` hops to it."""
    out = set(names)
    for name in names:
        out.add(canonical(name))
        stripped = name.lstrip("_")
        if stripped != name and stripped in HOP_MODULES:
            out.add(canonical(stripped))
    return out
