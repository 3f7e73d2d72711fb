"""Import a plugin directory as a Python package and hand back its parts.

A plugin is imported under its own directory name (``my_extractor/`` becomes package
``my_extractor``) so its relative imports (``from .manifest import ...``) and absolute
self-imports (``from my_extractor.processors.core import ...``) both work exactly as on the
platform. The package is created straight from the directory (no ``sys.path`` entry is needed,
so nothing else in the parent folder can shadow a library). Earlier imports of the same package
are purged first so a reload sees fresh code. A directory name that is not a valid identifier
(``my-extractor``) is imported under its mapped name (``my_extractor``).

The modules come from a staged copy of exactly the files ``publish`` would ship (see
:mod:`mixpeek_tools.plugin.staging`), compiled from source only and under their original file
names: a module the archive leaves out, bytecode and native extensions cannot be imported.

Syntax errors and failing imports become :class:`PluginLoadError` pointing at the plugin file and
line where things went wrong, instead of a traceback through the kit.
"""

from __future__ import annotations

import importlib
import importlib.util
import keyword
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput

if TYPE_CHECKING:
    from mixpeek_tools.plugin.files import FileSet

_ROOT_MARK = "__mixpeek_plugin_root__"


class PluginLoadError(BadInput):
    """The plugin could not be imported; ``path``/``line``/``column`` locate the cause."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = None
        if path:
            where = path + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        super().__init__(message, where=where, hint=hint)
        self.path = path
        self.line = line
        self.column = column


@dataclass
class LoadedPlugin:
    """An imported plugin: its modules and the schemas its manifest declares."""

    root: Path
    package_name: str
    package: ModuleType
    manifest: ModuleType
    pipeline: ModuleType | None
    realtime: ModuleType | None
    metadata: dict[str, Any]
    input_schema: Any
    output_schema: Any
    parameter_schema: Any
    staged_root: Path | None = None  # the copy of the published files the modules come from

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.package_name)

    @property
    def build_steps(self) -> Any:
        return getattr(self.pipeline, "build_steps", None)

    @property
    def extractor_definition(self) -> Any:
        return getattr(self.pipeline, "extractor_definition", None)


def package_name_for(root: Path) -> str:
    """The import name of a plugin directory: its name, with hyphens/dots mapped to underscores."""
    name = re.sub(r"[^0-9a-zA-Z_]", "_", root.name)
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"plugin_{name}"
    return name


def _is_ours(module: ModuleType, root: Path) -> bool:
    marked = getattr(module, _ROOT_MARK, None)
    if marked is not None:
        return True
    file = getattr(module, "__file__", None)
    if file:
        try:
            Path(file).resolve().relative_to(root)
            return True
        except ValueError:
            return False
    paths = list(getattr(module, "__path__", []) or [])
    return any(Path(p).resolve() == root for p in paths)


def purge(package_name: str) -> None:
    """Forget ``package_name`` and its submodules so the next import re-reads the files."""
    for name in [n for n in sys.modules if n == package_name or n.startswith(package_name + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _choose_name(root: Path) -> str:
    """The directory's mapped name, unless a foreign module (stdlib, a library) already owns it."""
    name = package_name_for(root)
    existing = sys.modules.get(name)
    if existing is None or _is_ours(existing, root):
        return name
    if getattr(existing, _ROOT_MARK, None) is not None:  # another plugin of the same name
        return name
    return f"mixpeek_plugin_{name}"


def _location(exc: BaseException, root: Path) -> tuple[str | None, int | None, int | None]:
    """The innermost traceback frame inside the plugin (file, line, column)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return exc.filename, exc.lineno, exc.offset
    best: tuple[str | None, int | None, int | None] = (None, None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            Path(frame.filename).resolve().relative_to(root)
        except (ValueError, OSError):
            continue
        col = getattr(frame, "colno", None)
        best = (frame.filename, frame.lineno, (col + 1) if col is not None else None)
    return best


def _relative(path: str | None, root: Path) -> str | None:
    if not path:
        return None
    try:
        return str(Path(path).resolve().relative_to(root.parent))
    except ValueError:
        return path


def _load_error(exc: BaseException, root: Path, what: str) -> PluginLoadError:
    path, line, col = _location(exc, root)
    shown = _relative(path, root) or str(root / what)
    if isinstance(exc, SyntaxError):
        return PluginLoadError(
            f"syntax error: {exc.msg}",
            path=shown,
            line=line,
            column=col,
            hint="Fix the Python syntax at that position",
        )
    if (
        isinstance(exc, ModuleNotFoundError)
        and exc.name
        and not exc.name.startswith(("engine", "shared"))
    ):
        hint = (
            f"Install the package that provides '{exc.name}' in this environment, "
            "or fix the import if it is a typo"
        )
    else:
        hint = "Fix the error at that line; run with --verbose for the full traceback"
    return PluginLoadError(
        f"importing the plugin failed: {type(exc).__name__}: {exc}",
        path=shown,
        line=line,
        column=col,
        hint=hint,
    )


def _import_package(root: Path, name: str, files: FileSet | None) -> tuple[ModuleType, Path]:
    """Stage the plugin's file set and import its top-level package from the copy."""
    from mixpeek_tools.plugin.staging import find_root_spec, stage_plugin

    staged = stage_plugin(root, name, files)
    spec = find_root_spec(staged)
    if spec is None:
        raise PluginLoadError("cannot build an import spec", path=str(root))
    module = importlib.util.module_from_spec(spec)
    setattr(module, _ROOT_MARK, str(root))
    sys.modules[name] = module
    try:
        if spec.loader is not None:
            spec.loader.exec_module(module)
    except BaseException:
        purge(name)
        raise
    return module, staged.staged


def _import_part(name: str, part: str, root: Path, staged: Path) -> ModuleType | None:
    if not (staged / f"{part}.py").is_file() and not (staged / part / "__init__.py").is_file():
        return None
    try:
        return importlib.import_module(f"{name}.{part}")
    except Exception as exc:
        raise _load_error(exc, root, f"{part}.py") from exc


def _check_root(path: str | Path) -> Path:
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise PluginLoadError(
            "plugin directory not found",
            path=str(path),
            hint="Pass --path pointing at the folder that holds manifest.py",
        )
    if not (root / "manifest.py").is_file():
        raise PluginLoadError(
            "not a plugin directory: manifest.py is missing",
            path=str(root),
            hint="Run the command inside the plugin folder or pass --path to it "
            "(create one with `mixpeek plugin init`)",
        )
    return root


def load_plugin(path: str | Path, *, files: FileSet | None = None) -> LoadedPlugin:
    """Import the plugin at ``path`` (fresh) and return its modules and schemas; ``files`` is
    its file set when the caller has read it already (staged as it is, not read again)."""
    from mixpeek_tools.local_platform import install

    install()
    root = _check_root(path)
    name = _choose_name(root)
    purge(name)
    try:
        package, staged = _import_package(root, name, files)
    except Exception as exc:
        raise _load_error(exc, root, "__init__.py") from exc
    manifest = _import_part(name, "manifest", root, staged)
    if manifest is None:
        raise PluginLoadError(
            "manifest.py is not among the files the plugin would publish",
            path=str(root / "manifest.py"),
            hint="Remove it from .gitignore/.mixpeekignore: the archive must contain it",
        )
    pipeline = _import_part(name, "pipeline", root, staged)
    realtime = _import_part(name, "realtime", root, staged)
    metadata = getattr(manifest, "metadata", None)
    return LoadedPlugin(
        root=root,
        package_name=name,
        package=package,
        manifest=manifest,
        pipeline=pipeline,
        realtime=realtime,
        metadata=dict(metadata) if isinstance(metadata, dict) else {},
        input_schema=getattr(manifest, "input_schema", None),
        output_schema=getattr(manifest, "output_schema", None),
        parameter_schema=getattr(manifest, "parameter_schema", None),
        staged_root=staged,
    )


__all__ = ["LoadedPlugin", "PluginLoadError", "load_plugin", "package_name_for", "purge"]
