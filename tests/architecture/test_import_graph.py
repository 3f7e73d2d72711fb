"""Layering: the CLI only parses and calls the library, so nothing below ``cli/`` imports it.

Every module under ``mixpeek_tools/`` is parsed with :mod:`ast` and every import is read,
including the ones inside functions and ``if TYPE_CHECKING`` blocks; relative imports are
resolved against the module's package. Only ``mixpeek_tools/__main__.py`` (``python -m
mixpeek_tools``) and modules inside ``cli/`` may import ``mixpeek_tools.cli``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mixpeek_tools"
CLI = "mixpeek_tools.cli"
ALLOWED_IMPORTERS = {"mixpeek_tools.__main__"}

# Known layering faults still to fix (none today): an entry here must name the module pair and why.
KNOWN_TO_FIX: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Dotted names a module file imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> set[str]:
    """Dotted names imported anywhere in ``source`` (``from X import Y`` yields X and X.Y)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _is_cli(name: str) -> bool:
    return name == CLI or name.startswith(CLI + ".")


def cli_imports() -> set[tuple[str, str]]:
    """(importer, imported) for every import of the CLI from outside it."""
    edges = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        if _is_cli(importer) or importer in ALLOWED_IMPORTERS:
            continue
        for imported in imported_modules(path):
            if _is_cli(imported):
                edges.add((importer, imported))
    return edges


def _minimal(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Drop ``(a, mixpeek_tools.cli)`` when ``(a, mixpeek_tools.cli.x)`` says the same."""
    return {(a, b) for a, b in edges
            if not any(a == a2 and b2.startswith(b + ".") for a2, b2 in edges)}


def test_nothing_below_the_cli_imports_it() -> None:
    edges = _minimal(cli_imports())
    offenders = sorted(edges - KNOWN_TO_FIX)
    assert not offenders, ("modules below cli/ import the CLI (move the code they need out of "
                           "cli/, or the entry point into it):\n  "
                           + "\n  ".join(f"{a} imports {b}" for a, b in offenders))


def test_known_faults_are_still_real() -> None:
    """An entry in KNOWN_TO_FIX that no longer happens must go, so the test guards it again."""
    stale = sorted(KNOWN_TO_FIX - _minimal(cli_imports()))
    assert not stale, f"KNOWN_TO_FIX entries no longer needed (remove them): {stale}"


def test_the_walk_sees_function_level_and_relative_imports() -> None:
    """The walker itself: an import inside a function and a relative one are both found."""
    source = "def f():\n    from ..cli import main\n    import mixpeek_tools.cli.guarded\n"
    names = imports_in(source, "mixpeek_tools.guard")
    assert {"mixpeek_tools.cli", "mixpeek_tools.cli.main", "mixpeek_tools.cli.guarded"} <= names
    assert ("mixpeek_tools.guard.fake", "mixpeek_tools.cli.main") in _minimal(
        {("mixpeek_tools.guard.fake", n) for n in names if _is_cli(n)})
