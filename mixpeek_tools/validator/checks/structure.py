"""MP1xx structure: the files the platform expects, packages that import, code that parses.

Everything here reads the file system only (no plugin import), so it is fast enough for the
``mixpeek-check`` pre-commit hook; :func:`syntax_findings` works on one file so the hook can
cache it by content hash.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.validator.examples import SYNTAX_ERROR
from mixpeek_tools.validator.model import Check, CheckContext, Example, Rule

if TYPE_CHECKING:
    from mixpeek_tools.plugin.files import FileSet

# What the platform's docs require; everything else of the usual layout is optional.
REQUIRED_FILES = ("manifest.py", "pipeline.py")
# Root modules that are part of the usual layout; any other root module is processing code.
LAYOUT_MODULES = {"__init__.py", "manifest.py", "pipeline.py", "realtime.py", "conftest.py"}
# Folders whose Python files are not part of the plugin package (tests are collected by pytest).
NOT_PACKAGES = {"tests", "test", "__pycache__", "samples", "sample_data", "docs", "scripts"}


class MissingRequiredFile(Rule):
    """A file every plugin must have is missing.

    Catches: a plugin directory without ``manifest.py`` or ``pipeline.py`` (the two files the
    platform's docs require). Why: the platform reads metadata and schemas from ``manifest.py``
    and calls ``build_steps`` from ``pipeline.py``; without them the upload is rejected. Fix:
    create the file (``mixpeek plugin init`` writes all of them) or point ``--path`` at the
    plugin directory itself rather than its parent.
    """

    id = "MP101"
    name = "missing-required-file"
    check = "structure"
    VALID = [Example({}, "the baseline has manifest.py and pipeline.py")]
    INVALID = [
        Example({"manifest.py": None}, "manifest.py deleted"),
        Example({"pipeline.py": None}, "pipeline.py deleted"),
    ]


_SERVICES_ONLY_PIPELINE = "def build_steps(extractor_request, **kwargs):\n    return {}\n"


class MissingProcessors(Rule):
    """An optional part of the usual layout is missing (a warning, never an error).

    Catches: a plugin without a package ``__init__.py``, or one that keeps processing modules at
    its root while it has no ``processors/`` package. A plugin that only composes built-in
    services (``manifest.py`` and ``pipeline.py``, nothing else) has no finding. Why: the docs
    require only ``manifest.py`` and ``pipeline.py``; the scaffold, its tests and the docs keep
    processing code in ``processors/`` and export it from ``__init__.py``, which keeps relative
    imports predictable. Fix: add an ``__init__.py`` and move processing classes into
    ``processors/core.py``, or leave it as it is.
    """

    id = "MP102"
    name = "missing-optional-part"
    check = "structure"
    severity = Severity.WARNING
    VALID = [
        Example({}, "processors/core.py exists"),
        Example(
            {"processors/__init__.py": None, "processors/core.py": None,
             "pipeline.py": _SERVICES_ONLY_PIPELINE},
            "services only: no processors/ and no processing code",
        ),
    ]  # fmt: skip
    INVALID = [
        Example(
            {"processors/__init__.py": None, "processors/core.py": None,
             "pipeline.py": _SERVICES_ONLY_PIPELINE, "helpers.py": "X = 1\n"},
            "processing code at the root and no processors/ folder",
        ),
        Example({"__init__.py": None}, "__init__.py deleted"),
    ]  # fmt: skip


class PackageWithoutInit(Rule):
    """A folder holding plugin code has no ``__init__.py``.

    Catches: e.g. ``processors/`` without ``processors/__init__.py`` (``tests/`` and other
    non-package folders are exempt). Why: without it the folder is a namespace package, which the
    platform's importer does not resolve the same way, and relative imports break. Fix: add an
    empty ``__init__.py`` to the folder named.
    """

    id = "MP103"
    name = "package-without-init"
    check = "structure"
    VALID = [Example({}, "processors/__init__.py exists")]
    INVALID = [Example({"processors/__init__.py": None}, "processors/__init__.py deleted")]


class SyntaxErrorRule(Rule):
    """A Python file of the plugin does not parse.

    Catches: syntax errors in any ``.py`` file, with the file, line and column. Why: the file
    cannot be imported locally or on the platform. Fix: correct the code at the position named.
    """

    id = "MP104"
    name = "syntax-error"
    check = "structure"
    VALID = [Example({}, "every file parses")]
    INVALID = [Example(SYNTAX_ERROR, "pipeline.py has an extra parenthesis")]


class DirectoryNotImportable(Rule):
    """The plugin's directory name is not a valid Python package name.

    Catches: directory names with hyphens, spaces, leading digits or Python keywords. Why: the
    platform imports the plugin as a package named after its directory. Fix: rename the directory
    (``my-extractor`` becomes ``my_extractor``) and use the same name in ``metadata["name"]``.
    """

    id = "MP105"
    name = "directory-not-importable"
    check = "structure"
    VALID = [Example({}, "example_plugin is a valid package name")]
    INVALID = [Example({}, "a hyphen in the directory name", directory="example-plugin")]


RULES: tuple[type[Rule], ...] = (
    MissingRequiredFile,
    MissingProcessors,
    PackageWithoutInit,
    SyntaxErrorRule,
    DirectoryNotImportable,
)


def syntax_findings(source: bytes, relpath: str) -> list[Finding]:
    """MP104 findings for one file's content (cacheable: depends on the bytes only)."""
    try:
        compile(source, relpath, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno
        column = exc.offset
        text = (exc.text or "").rstrip("\n") or None
        return [
            SyntaxErrorRule.finding(
                f"syntax error: {exc.msg}",
                path=relpath,
                line=line,
                column=column,
                source_line=text,
                hint="Correct the code at this position; the file cannot be imported as it is",
            )
        ]
    except ValueError as exc:  # e.g. null bytes in the source
        return [SyntaxErrorRule.finding(f"file cannot be compiled: {exc}", path=relpath)]
    return []


def layout_findings(root: Path, files: FileSet | None = None) -> Iterator[Finding]:
    """MP101/MP102/MP103/MP105: what the directory tree itself gets wrong (``files``: the
    plugin's file set when the caller has read it)."""
    name = root.name
    if not name.isidentifier() or keyword.iskeyword(name):
        suggestion = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
        if suggestion[:1].isdigit():
            suggestion = "p_" + suggestion
        yield DirectoryNotImportable.finding(
            f"directory name '{name}' is not a valid Python package name",
            path=".",
            hint=f"Rename the directory, e.g. to '{suggestion}', and use that name in metadata",
        )
    for required in REQUIRED_FILES:
        if not (root / required).is_file():
            yield MissingRequiredFile.finding(
                f"required file {required} is missing",
                path=required,
                hint=f"Create {required} in the plugin directory (mixpeek plugin init writes it)",
            )
    yield from _optional_parts(root)
    yield from _packages_without_init(root, files)


def _optional_parts(root: Path) -> Iterator[Finding]:
    if not (root / "__init__.py").is_file():
        yield MissingProcessors.finding(
            "the plugin has no __init__.py (optional, but the usual layout has one)",
            path="__init__.py",
            hint="Create an __init__.py that exports the plugin's parts "
            "(mixpeek plugin init writes one); the plugin imports without it",
        )
    extra = sorted(p.name for p in root.glob("*.py") if p.name not in LAYOUT_MODULES)
    if extra and not (root / "processors").is_dir():
        yield MissingProcessors.finding(
            f"processing code sits at the plugin's root ({', '.join(extra)}) and there is no "
            "processors/ package",
            path="processors/",
            hint="Move processing classes into processors/core.py (with a "
            "processors/__init__.py), or leave them where they are",
        )


def _packages_without_init(root: Path, files: FileSet | None) -> Iterator[Finding]:
    """Folders of the plugin's file set that hold ``.py`` files but no ``__init__.py``."""
    from mixpeek_tools.plugin.files import plugin_files

    rels = set((files if files is not None else plugin_files(root)).rels())
    folders = sorted({r.rsplit("/", 1)[0] for r in rels if "/" in r and r.endswith(".py")})
    for rel in folders:
        if any(part in NOT_PACKAGES or part.startswith(".") for part in rel.split("/")):
            continue
        if f"{rel}/__init__.py" not in rels:
            yield PackageWithoutInit.finding(
                f"folder {rel}/ holds Python code but has no __init__.py",
                path=f"{rel}/__init__.py",
                hint=f"Create an empty {rel}/__init__.py",
            )


def run(ctx: CheckContext) -> Iterator[Finding]:
    """The structure check: layout, then every file's syntax."""
    yield from layout_findings(ctx.root, ctx.files())
    for path in ctx.python_files():
        yield from syntax_findings(path.read_bytes(), ctx.relpath(path))


CHECK = Check(
    name="structure",
    run=run,
    description="Required files exist, packages have __init__.py, every file parses.",
    order=100,
    rules=RULES,
)
