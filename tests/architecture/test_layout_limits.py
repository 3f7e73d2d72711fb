"""Size limits of the developers' guide: no module over 500 lines, no function over 50.

Measured with :mod:`ast`: a module's length is its physical line count; a function's is
``end_lineno - lineno + 1`` of its ``def`` (decorators excluded), nested functions counted on
their own too. The assertion message lists every offender as ``file:line name (N lines)``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mixpeek_tools"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 50

# Known offenders (none today), keyed "path relative to mixpeek_tools/::function name" and
# "path" for modules. Each entry is a debt with its reason; remove it once it is split.
KNOWN_LONG_FUNCTIONS: dict[str, str] = {}
KNOWN_LONG_MODULES: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def long_functions() -> list[tuple[str, int, str, int]]:
    """(relative path, line, name, length) of every function over the limit."""
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append((_rel(path), node.lineno, node.name, length))
    return found


def long_modules() -> list[tuple[str, int]]:
    """(relative path, physical lines) of every module over the limit."""
    found = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append((_rel(path), lines))
    return found


def test_no_function_over_the_limit() -> None:
    offenders = [f"mixpeek_tools/{rel}:{line} {name} ({length} lines)"
                 for rel, line, name, length in long_functions()
                 if f"{rel}::{name}" not in KNOWN_LONG_FUNCTIONS]
    assert not offenders, (f"functions over {MAX_FUNCTION_LINES} lines (split them):\n  "
                           + "\n  ".join(offenders))


def test_no_module_over_the_limit() -> None:
    offenders = [f"mixpeek_tools/{rel}:1 ({lines} lines)" for rel, lines in long_modules()
                 if rel not in KNOWN_LONG_MODULES]
    assert not offenders, (f"modules over {MAX_MODULE_LINES} lines (split them):\n  "
                           + "\n  ".join(offenders))


def test_allowlists_hold_only_real_offenders() -> None:
    """An entry whose function or module is now short must go, so the limit guards it again."""
    functions = {f"{rel}::{name}" for rel, _line, name, _length in long_functions()}
    modules = {rel for rel, _lines in long_modules()}
    stale = sorted(set(KNOWN_LONG_FUNCTIONS) - functions) + sorted(set(KNOWN_LONG_MODULES) - modules)
    assert not stale, "allowlisted but no longer over the limit (remove): " + ", ".join(stale)
