"""MP15x names: names that can never resolve, found statically with pyflakes (no import).

A plugin that forgets ``import io`` imports fine and fails on the first row, on the platform,
hours later. pyflakes (a well-kept checker that never executes code) finds names that are used
but defined nowhere; this check adds what pyflakes cannot see across files: ``from .sibling
import name`` (or ``from <plugin>.sibling import name``) where the plugin's own module defines
no such name. Runs in ``validate``, the pre-commit hook and the registry, before any plugin code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator.model import Check, CheckContext, Example, Rule

_MISSING_IO = (
    "import pandas as pd\n\n\n"
    "def decode(batch: pd.DataFrame) -> pd.DataFrame:\n"
    "    batch['size'] = [len(io.BytesIO(b).getvalue()) for b in batch['bytes']]\n"
    "    return batch\n"
)


class UndefinedName(Rule):
    """A name is used that is defined nowhere (a missing import, a typo).

    Catches: what pyflakes reports as an undefined name, an undefined name in ``__all__`` or a
    local used before assignment, e.g. ``io.BytesIO(...)`` without ``import io``. Why: the module
    imports without error, so the plugin is published, and the first batch fails on the
    platform with a ``NameError``. Fix: add the import or correct the spelling at the line named.
    """

    id = "MP151"
    name = "undefined-name"
    check = "names"
    VALID = [Example({}, "the baseline defines every name it uses")]
    INVALID = [Example({"processors/helpers.py": _MISSING_IO}, "io used without import io")]


class MissingSiblingName(Rule):
    """``from .module import name`` names something the plugin's own module does not define.

    Catches: relative imports (and absolute imports through the plugin's package name) of a
    name that the sibling module neither defines, imports nor exports, and that is not a
    submodule. Why: the import fails when the plugin is loaded on the platform. Fix: define the
    name in that module, import it from the right module, or correct the spelling.
    """

    id = "MP152"
    name = "missing-sibling-name"
    check = "names"
    VALID = [Example({}, "pipeline.py imports names processors/core.py defines")]
    INVALID = [
        Example(
            {"processors/helpers.py": "from .core import NoSuchProcessor\n\nX = NoSuchProcessor\n"},
            "NoSuchProcessor is not defined in processors/core.py",
        )
    ]


RULES: tuple[type[Rule], ...] = (UndefinedName, MissingSiblingName)
_PYFLAKES_UNDEFINED = ("UndefinedName", "UndefinedExport", "UndefinedLocal")


def parse_source(source: bytes, relpath: str = "<unknown>") -> ast.Module | None:
    """The ``ast`` module of ``source``, or None when it does not parse (MP104 reports that)."""
    try:
        return ast.parse(source, filename=relpath)
    except (SyntaxError, ValueError):
        return None


def undefined_names(source: bytes, relpath: str) -> list[Finding]:
    """MP151 findings of one file (cacheable by content: depends on the bytes only)."""
    tree = parse_source(source, relpath)
    return tree_undefined_names(tree, source, relpath) if tree is not None else []


def tree_undefined_names(tree: ast.Module, source: bytes, relpath: str) -> list[Finding]:
    """MP151 findings of one file already parsed (pyflakes reads the tree, never the bytes)."""
    from pyflakes import checker, messages

    wanted = tuple(getattr(messages, n) for n in _PYFLAKES_UNDEFINED)
    lines = source.decode("utf-8", errors="replace").splitlines()
    out = []
    for message in checker.Checker(tree, filename=relpath).messages:
        if not isinstance(message, wanted):
            continue
        line = message.lineno
        out.append(
            UndefinedName.finding(
                f"{message.message % message.message_args}: the module imports, then fails "
                "with NameError when this line runs",
                path=relpath,
                line=line,
                column=message.col + 1,
                source_line=lines[line - 1].strip() if 0 < line <= len(lines) else None,
                hint="Add the missing import (e.g. `import io`) or correct the name",
            )
        )
    return out


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _facts(tree: ast.Module) -> tuple[list[ast.ImportFrom], set[str] | None]:
    """One walk of a module: its ``from ... import`` statements (in ``ast.walk`` order), and the
    top-level names it binds, None when they cannot be known (``*``, ``__getattr__``).

    Names bound anywhere inside a top-level statement count (a name set in a function body too:
    generous, so no false alarm), and so do ``global`` statements, walrus targets and the like.
    """
    imports: list[ast.ImportFrom] = []
    names: set[str] = set()
    known = True
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imports.append(node)
            known = known and not any(a.name == "*" for a in node.names)
        elif isinstance(node, _DEFINITIONS):
            names.add(node.name)
            known = known and not (node.name == "__getattr__" and id(node) in top)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global):
            names.update(node.names)
    return imports, (names if known else None)


class _Modules:
    """The plugin's own modules by dotted path relative to its package ('' is the package)."""

    def __init__(self, ctx: CheckContext, parsed: dict[Path, ast.Module | None] | None = None) -> None:
        self.ctx = ctx
        self.parsed = {} if parsed is None else parsed  # path -> tree, shared with the caller
        self.files: dict[str, Path] = {}
        for path in ctx.python_files():
            rel = Path(ctx.relpath(path))
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            self.files[".".join(parts)] = path
        self._facts: dict[Path, tuple[list[ast.ImportFrom], set[str] | None]] = {}

    def tree(self, path: Path) -> ast.Module | None:
        """The parsed module at ``path`` (each file is parsed once per run)."""
        if path not in self.parsed:
            self.parsed[path] = parse_source(path.read_bytes())
        return self.parsed[path]

    def facts(self, path: Path) -> tuple[list[ast.ImportFrom], set[str] | None]:
        """:func:`_facts` of the module at ``path`` (one walk per file; unparsable: unknown)."""
        if path not in self._facts:
            tree = self.tree(path)
            self._facts[path] = _facts(tree) if tree is not None else ([], None)
        return self._facts[path]

    def names(self, module: str) -> set[str] | None:
        path = self.files.get(module)
        return self.facts(path)[1] if path is not None else None

    def is_package(self, module: str) -> bool:
        path = self.files.get(module)
        return path is not None and path.name == "__init__.py"


def _target(node: ast.ImportFrom, here: str, is_package: bool, package: str) -> str | None:
    """The imported module's dotted path inside the plugin, or None if it is not the plugin."""
    if node.level == 0:
        name = node.module or ""
        if name != package and not name.startswith(package + "."):
            return None
        return name[len(package) + 1 :] if name != package else ""
    base = here.split(".") if here else []
    if not is_package:
        base = base[:-1]
    drop = node.level - 1
    if drop > len(base):
        return None
    base = base[: len(base) - drop] if drop else base
    return ".".join([*base, *(node.module.split(".") if node.module else [])])


def sibling_findings(
    ctx: CheckContext, parsed: dict[Path, ast.Module | None] | None = None
) -> Iterator[Finding]:
    """MP152: ``from .x import y`` where the plugin's module ``x`` has no ``y``."""
    modules = _Modules(ctx, parsed)
    package = ctx.package_name
    for here, path in sorted(modules.files.items()):
        for node in modules.facts(path)[0]:
            target = _target(node, here, modules.is_package(here), package)
            if target is None or target not in modules.files:
                continue
            defined = modules.names(target)
            if defined is None:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                if alias.name in defined or sub in modules.files:
                    continue
                shown = modules.files[target]
                yield MissingSiblingName.finding(
                    f"cannot import name {alias.name!r}: {ctx.relpath(shown)} defines no such name",
                    path=ctx.relpath(path),
                    line=node.lineno,
                    column=node.col_offset + 1,
                    hint=f"Define {alias.name} in {ctx.relpath(shown)}, or import it from the "
                    "module that defines it",
                )


def run(ctx: CheckContext) -> Iterator[Finding]:
    """Undefined names in every Python file of the plugin, then cross-module imports."""
    parsed: dict[Path, ast.Module | None] = {}  # one parse of each file serves both parts
    for path in ctx.python_files():
        source, rel = path.read_bytes(), ctx.relpath(path)
        tree = parsed[path] = parse_source(source, rel)
        if tree is not None:
            yield from tree_undefined_names(tree, source, rel)
    yield from sibling_findings(ctx, parsed)


CHECK = Check(
    name="names",
    run=run,
    description="No name that can never resolve (pyflakes; imports of the plugin's own modules).",
    order=150,
    rules=RULES,
)
