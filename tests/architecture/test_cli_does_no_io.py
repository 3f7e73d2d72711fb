"""The CLI only parses, calls the library and prints: it touches no files and sets no environment.

Reading a parameters file, looking for ``manifest.py``, writing a report, switching the
placeholder services on: all of that is work a library user needs too, so it lives below
``cli/``, returns a result and raises :class:`~mixpeek_tools.errors.KitError`. Every module under
``mixpeek_tools/cli/`` is parsed with :mod:`ast`; a call of a file-system method (``read_text``,
``mkdir``, ``glob``, ``open`` ...), the builtin ``open``, a change to ``os.environ``
(assignment, ``del``, ``pop``/``update``/``setdefault``/``clear``, ``os.putenv``) or an import of
``shutil``, ``subprocess``, ``tempfile`` or ``glob`` is an offender, named as ``file:line what``.
Terminal output (click, rich) and reading the environment are what the CLI is for, so they pass.
"""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "mixpeek_tools" / "cli"

FILE_METHODS = frozenset({
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "mkdir", "rmdir", "unlink",
    "touch", "rename", "symlink_to", "glob", "rglob", "iterdir", "exists", "is_file", "is_dir",
})  # fmt: skip
ENV_CHANGES = frozenset({"pop", "update", "setdefault", "clear", "popitem"})
IO_MODULES = frozenset({"shutil", "subprocess", "tempfile", "glob"})


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` (or a bare ``environ`` imported from os)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _call_offence(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name) and func.id == "open":
        return "open() of a file"
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr in ENV_CHANGES and _is_environ(func.value):
        return f"os.environ.{func.attr}()"
    if func.attr == "putenv":
        return "os.putenv()"
    if func.attr in FILE_METHODS:
        return f".{func.attr}() on the file system"
    return None


def _target_offence(node: ast.AST) -> str | None:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    for target in targets:
        if isinstance(target, ast.Subscript) and _is_environ(target.value):
            return "a change to os.environ[...]"
    return None


def _import_offence(node: ast.AST) -> str | None:
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and not node.level:
        names = [node.module or ""]
    hit = sorted(n for n in names if n.split(".")[0] in IO_MODULES)
    return f"import of {hit[0]}" if hit else None


def offences_in(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, what) of every file or environment operation in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        what = (_call_offence(node) if isinstance(node, ast.Call) else None) or _target_offence(
            node
        ) or _import_offence(node)
        if what:
            found.append((getattr(node, "lineno", 0), what))
    return sorted(found)


def test_cli_modules_touch_no_files_and_set_no_environment() -> None:
    offenders = []
    for path in sorted(CLI.rglob("*.py")):
        rel = path.relative_to(CLI.parents[1]).as_posix()
        for line, what in offences_in(path.read_text(encoding="utf-8"), rel):
            offenders.append(f"{rel}:{line} {what}")
    assert not offenders, (
        "cli/ does file or environment work; move it into the library (a function that takes "
        "plain arguments and returns a result the CLI prints):\n  " + "\n  ".join(offenders)
    )


def test_the_detector_sees_each_kind_of_offence() -> None:
    """The detector itself: each forbidden form is found, terminal output and env reads are not."""
    source = (
        "import os, subprocess\n"
        "from pathlib import Path\n"
        "def f(p: Path) -> None:\n"
        "    p.write_text('x')\n"
        "    open('f')\n"
        "    os.environ['A'] = '1'\n"
        "    os.environ.pop('A', None)\n"
        "    del os.environ['B']\n"
        "    list(p.glob('*'))\n"
        "    print(os.environ.get('CI'))\n"
        "    click.echo('ok')\n"
    )
    lines = [line for line, _ in offences_in(source)]
    assert lines == [1, 4, 5, 6, 7, 8, 9]
