"""Compute the catalog of helper functions that wrap a forbidden capability (issue class 1).

A hand-written list of dangerous helpers (``pty.spawn``, ``platform._syscmd_ver``,
``uuid._get_command_stdout``...) is never complete, so the kit computes it: this script runs
the scanner's own resolver over every module of the standard library (and, with ``--package``,
installed packages such as torch or transformers), records each function or method whose body
reaches a forbidden name, and then closes the set over the call graph (a function that calls a
dangerous function is dangerous) until nothing changes. The result is written to
``mixpeek_tools/scanner/computed_catalog.py``, which the scanner loads as ordinary forbidden
names; ``tests/scanner/test_computed_catalog.py`` fails when it is stale (the hash of the inputs,
the rule table and this script's version no longer match).

Usage: python scripts/compute_catalog.py [--package NAME ...] [--check] [--jobs N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import sysconfig
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRIPT_VERSION = "1"
OUTPUT = ROOT / "mixpeek_tools" / "scanner" / "computed_catalog.py"

# Parts of the standard library that are not importable on a worker or only hold tests/demos.
SKIP_PARTS = frozenset(
    {"test", "tests", "idlelib", "tkinter", "turtledemo", "lib2to3", "ensurepip", "site-packages", "dist-packages", "__phello__", "venv", "pydoc_data"}
)
# HTTP clients are approved for network requests (docs/scanner.md): the computation stops there.
# Modules whose dangerous parts the hand-written rules already name precisely (multiprocessing
# pools and asyncio event loops are allowed; their process and socket starters are not).
# Windows- and macOS-only helpers do not run on the platform's Linux workers.
APPROVED_MODULES = (
    "urllib", "http.cookiejar", "email", "asyncio", "multiprocessing", "concurrent", "ast",
    "ntpath", "nturl2path", "_osx_support", "_aix_support", "mimetypes.MimeTypes.read_windows_registry",
)  # fmt: skip
# Standard-library functions reviewed as harmless on the platform's Linux workers although a
# branch of them reaches a command (``platform.uname`` runs ``ver`` only on Windows).
REVIEWED_SAFE = frozenset(
    {
        "platform.uname",
        "platform.system",
        "platform.node",
        "platform.release",
        "platform.version",
        "platform.machine",
        "platform.platform",
        "platform.python_version",
        "platform.python_version_tuple",
        "platform.python_implementation",
        "platform.win32_ver",
        "platform.mac_ver",
        "platform.java_ver",
        "platform.system_alias",
        "platform.uname_result.processor",
        "platform._uname_result.processor",
        "platform.freedesktop_os_release",
    }
)


def stdlib_files() -> Iterator[tuple[str, Path]]:
    """``(module name, path)`` for every standard-library source file the platform could import."""
    base = Path(sysconfig.get_paths()["stdlib"])
    yield from _tree_files(base, "")


def package_files(name: str) -> Iterator[tuple[str, Path]]:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} is not installed in this Python")
    for location in spec.submodule_search_locations:
        yield from _tree_files(Path(location), name)


def _tree_files(base: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(base)
        if any(part in SKIP_PARTS for part in rel.parts[:-1]):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if not parts and not prefix:
            continue
        name = ".".join([prefix, *parts] if prefix else parts)
        if all(p.isidentifier() for p in name.split(".")):
            yield name, path


def inputs_digest(files: list[tuple[str, Path]]) -> str:
    """sha256 over the sources, the rule table and this script's version."""
    from mixpeek_tools.scanner.catalog import base_forbidden

    digest = hashlib.sha256(f"{SCRIPT_VERSION}\0{sys.version_info[:2]}\0".encode())
    for qname, category in sorted(base_forbidden().items()):
        digest.update(f"{qname}={category}\n".encode())
    for name, path in files:
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def analyse(item: tuple[str, str]) -> tuple[str, dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    """One module: direct categories per function, call edges, and import aliases."""
    from mixpeek_tools.scanner.callgraph import module_facts

    name, path = item
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return name, {}, {}, {}
    return (name, *module_facts(name, text, is_package=Path(path).name == "__init__.py"))


def compute(files: list[tuple[str, Path]], jobs: int) -> dict[str, tuple[str, str]]:
    from mixpeek_tools.scanner.callgraph import close_over_calls

    direct: dict[str, set[str]] = {}
    edges: dict[str, set[str]] = {}
    aliases: dict[str, str] = {}
    items = [(name, str(path)) for name, path in files]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for _, d, e, a in pool.map(analyse, items, chunksize=8):
            direct.update(d)
            edges.update(e)
            aliases.update(a)
    return close_over_calls(direct, edges, aliases, APPROVED_MODULES, REVIEWED_SAFE)


def render(entries: dict[str, tuple[str, str]], digest: str) -> str:
    lines = [
        '"""Generated by scripts/compute_catalog.py: do not edit (re-run the script instead).',
        "",
        "Functions of the standard library (and of packages given to the script) that reach a forbidden",
        "capability directly or through the functions they call: qualified name -> (category, via).",
        '"""',
        "",
        f"SCRIPT_VERSION = {SCRIPT_VERSION!r}",
        f"PYTHON = {'.'.join(map(str, sys.version_info[:2]))!r}",
        f"INPUTS_SHA256 = {digest!r}",
        "",
        "ENTRIES: dict[str, tuple[str, str]] = {",
    ]
    for qname in sorted(entries):
        category, via = entries[qname]
        lines.append(f"    {qname!r}: ({category!r}, {via!r}),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", action="append", default=[], help="also analyse an installed package")
    parser.add_argument("--check", action="store_true", help="exit 1 when the shipped catalog is stale")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    files = list(stdlib_files())
    for package in args.package:
        files.extend(package_files(package))
    digest = inputs_digest(files)
    if args.check:
        from mixpeek_tools.scanner import computed_catalog

        stale = digest != computed_catalog.INPUTS_SHA256
        print("stale" if stale else "up to date")
        return 1 if stale else 0
    entries = compute(files, args.jobs)
    args.output.write_text(render(entries, digest), encoding="utf-8")
    print(f"{len(entries)} entries from {len(files)} modules -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
