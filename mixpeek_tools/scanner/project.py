"""A plugin's modules analysed together: names imported from a sibling resolve to its definitions.

``from .util import RUN; getattr(os, RUN)`` hides the attribute name in another file of the same
plugin (issue class 5). A :class:`Project` knows the plugin's Python files by module name and
reads each one's top-level *exports* on demand with the stdlib ``ast`` (cheap, cached): folded
string constants (literals, ``+``, f-strings without fields, ``''.join([...])``, names of earlier
constants) and module references (``CMD = os``, ``from os import system as RUN``). The resolver
then sees ``RUN`` as the constant ``"system"`` and ``CMD`` as the ``os`` module; the pre-filter
sends a file to the analyzer when it imports an export that could matter.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixpeek_tools.scanner.catalog import Catalog

Export = tuple[str, Any]  # ("const", value) or ("ref", qualified name)

# Lines that may bind names: assignment targets (``A =``, ``A, B =``, ``A: T =``) and imports;
# parenthesised import lists span lines.
_BINDING_LINE = re.compile(r"(?m)^(?:(?:from|import)\b[^\n]*|[\w, \t]+=(?!=)|\w+[ \t]*:)")
_IMPORT_GROUP = re.compile(r"\bimport[ \t]*\(([^)]*)\)")
_WORD = re.compile(r"[A-Za-z_]\w*")


def module_name(path: Path) -> str:
    """The dotted name a file is imported under: its package chain (``__init__.py``) and stem."""
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


@dataclass
class Project:
    """The Python files of one scan, by module name, with their exports read lazily."""

    paths: dict[str, Path]
    packages: set[str] = field(default_factory=set)
    _exports: dict[str, dict[str, Export]] = field(default_factory=dict, repr=False)
    _binders: dict[str, set[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_paths(cls, files: list[Path]) -> Project:
        paths: dict[str, Path] = {}
        packages: set[str] = set()
        for path in files:
            if path.suffix != ".py":
                continue
            name = module_name(path.resolve())
            if name:
                paths.setdefault(name, path)
                if path.stem == "__init__":
                    packages.add(name)
        return cls(paths, packages)

    def absolute(self, qname: str, current: str | None) -> str:
        """``.util.RUN`` seen from ``pkg.main`` is ``pkg.util.RUN``."""
        if not qname.startswith(".") or current is None:
            return qname
        dots = len(qname) - len(qname.lstrip("."))
        base = current.split(".") if current in self.packages else current.split(".")[:-1]
        if dots > 1:
            base = base[: len(base) - (dots - 1)]
        rest = qname[dots:]
        return ".".join([*base, rest] if rest else base)

    def lookup(self, qname: str, current: str | None, depth: int = 0) -> Export | None:
        """What a (possibly relative) name imported from a sibling module is, when it is known."""
        full = self.absolute(qname, current)
        module, _, name = full.rpartition(".")
        if not module or module not in self.paths or depth > 8:
            return None
        if module not in self._exports and not self._may_define(module, name):
            return None
        export = self.exports(module).get(name)
        if export is not None and export[0] == "ref":
            deeper = self.lookup(export[1], module, depth + 1)
            if deeper is not None:
                return deeper
            return ("ref", self.absolute(export[1], module))
        return export

    def _may_define(self, module: str, name: str) -> bool:
        """A cheap textual test before parsing: can ``module`` bind ``name`` other than by def/class?

        Exports are top-level assignments and imports; a name that occurs in neither kind of line
        (most imported names are functions and classes) needs no parse of the sibling. The names
        are gathered once per module with two regular expressions.
        """
        names = self._binders.get(module)
        if names is None:
            try:
                text = self.paths[module].read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            names = set()
            for chunk in _BINDING_LINE.findall(text):
                names.update(_WORD.findall(chunk))
            for chunk in _IMPORT_GROUP.findall(text):
                names.update(_WORD.findall(chunk))
            self._binders[module] = names
        return name in names

    def exports(self, module: str) -> dict[str, Export]:
        found = self._exports.get(module)
        if found is None:
            found = self._exports[module] = _read_exports(self.paths[module])
        return found

    def is_module(self, qname: str, current: str | None) -> bool:
        return self.absolute(qname, current) in self.paths

    def heads(self) -> frozenset[str]:
        heads = self.__dict__.get("_heads")
        if heads is None:
            heads = self.__dict__["_heads"] = frozenset(n.split(".", 1)[0] for n in self.paths)
        return heads

    def module_of(self, path: str | None) -> str | None:
        if path is None:
            return None
        name = module_name(Path(path).resolve())
        return name if name in self.paths else None


def _read_exports(path: Path) -> dict[str, Export]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    exports: dict[str, Export] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    exports[alias.asname] = ("ref", alias.name)
                else:
                    head = alias.name.split(".")[0]
                    exports[head] = ("ref", head)
        elif isinstance(stmt, ast.ImportFrom):
            base = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                if alias.name != "*":
                    joined = f"{base}.{alias.name}" if not base.endswith(".") else base + alias.name
                    exports[alias.asname or alias.name] = ("ref", joined)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = _fold(stmt.value, exports)
            for target in targets:
                if isinstance(target, ast.Name):
                    if value is None:
                        exports.pop(target.id, None)
                    else:
                        exports[target.id] = value
    return exports


def _fold(node: ast.expr, known: dict[str, Export]) -> Export | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes, int)):
        return ("const", node.value)
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _fold(node.value, known)
        if base is not None and base[0] == "ref":
            return ("ref", f"{base[1]}.{node.attr}")
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold(node.left, known), _fold(node.right, known)
        if left and right and left[0] == right[0] == "const" and type(left[1]) is type(right[1]):
            return ("const", left[1] + right[1])
        return None
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return ("const", "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant)))
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_fold(e, known) for e in node.elts]
        if all(i is not None and i[0] == "const" for i in items):
            return ("const", tuple(i[1] for i in items if i is not None))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
        and len(node.args) == 1
    ):
        inner = _fold(node.args[0], known)
        if inner is not None and inner[0] == "const" and isinstance(inner[1], tuple) and all(isinstance(x, str) for x in inner[1]):
            return ("const", node.func.value.value.join(inner[1]))
    return None


def sibling_values(project: Project | None, current: str | None, qname: str) -> Export | None:
    """The export behind ``qname`` when it names something defined in a sibling module."""
    if project is None or not project.paths:
        return None
    if not qname.startswith(".") and qname.split(".", 1)[0] not in project.heads():
        return None
    return project.lookup(qname, current)


def imports_capability(tree: ast.AST, project: Project, current: str | None, catalog: Catalog) -> bool:
    """Whether ``tree`` imports, from a sibling module, a module object or name that matters."""
    from mixpeek_tools.scanner.capabilities import SENSITIVE_MODULES
    from mixpeek_tools.scanner.catalog import canonical

    def matters(export: Export | None) -> bool:
        if export is None or export[0] != "ref":
            return False
        qname = canonical(project.absolute(export[1], current))
        return qname in SENSITIVE_MODULES or catalog.match(qname) is not None

    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = "." * node.level + (node.module or "")
        if not node.level and base.split(".", 1)[0] not in project.heads():
            continue
        for alias in node.names:
            joined = f"{base}.{alias.name}" if not base.endswith(".") else base + alias.name
            if alias.name == "*" or project.is_module(joined, current):
                module = project.absolute(base if alias.name == "*" else joined, current)
                if module in project.paths and any(matters(e) for e in project.exports(module).values()):
                    return True
            elif matters(project.lookup(joined, current)):
                return True
    return False
