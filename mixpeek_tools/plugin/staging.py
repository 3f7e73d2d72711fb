"""Import a plugin from a staged copy of exactly the files its archive would hold.

``validate``, ``test``, ``run`` and ``serve`` must import what ``publish`` ships, not whatever
lies in the developer's folder: a module listed in ``.gitignore``, a ``.pyc`` the archive leaves
out or a data file under ``.mixpeekignore`` would work locally and fail on the platform. So the
loader copies the plugin's file set (:mod:`mixpeek_tools.plugin.files`) into a private temporary
folder and imports from there.

The import is done by :class:`StagedFinder`, first on ``sys.meta_path`` for the plugin's package
name only, which loads **source only**: a submodule is a ``.py`` file or a package folder of the
staged copy, compiled straight from its text (no bytecode cache is read or written). A ``.pyc``,
``.so`` or ``.pth`` is never loaded, even when it is staged, and a name that has no source in
the copy is a plain ``ModuleNotFoundError``. The code is compiled under the *original* file
name, so tracebacks, findings and the run-time guard point at the developer's files.
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.machinery
import importlib.util
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from mixpeek_tools.plugin.files import FileSet, plugin_files, stage


@dataclass(frozen=True)
class Staged:
    """One staged plugin: the original folder, its copy, and the package name it imports as."""

    original: Path
    staged: Path
    name: str


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles the staged file under its original path; never touches a bytecode cache."""

    def __init__(self, fullname: str, path: str, original: str) -> None:
        super().__init__(fullname, path)
        self.original = original

    def get_code(self, fullname: str) -> CodeType:
        source = self.get_data(self.path)
        return compile(source, self.original, "exec", dont_inherit=True)


class StagedFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of staged plugins (by package name) from their source only."""

    def __init__(self) -> None:
        self.plugins: dict[str, Staged] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        top = fullname.split(".", 1)[0]
        plugin = self.plugins.get(top)
        if plugin is None:
            return None
        parts = fullname.split(".")[1:]
        here = plugin.staged.joinpath(*parts)
        origin = plugin.original.joinpath(*parts)
        if (here / "__init__.py").is_file():
            return self._spec(fullname, here / "__init__.py", origin / "__init__.py", here)
        if parts and here.with_name(here.name + ".py").is_file():
            return self._spec(
                fullname, here.with_name(here.name + ".py"), origin.with_name(origin.name + ".py")
            )
        if here.is_dir():  # a folder without __init__.py is a namespace package, as in Python
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = [str(here)]
            return spec
        # Nothing else may answer for a plugin module: no bytecode, no native extension.
        raise ModuleNotFoundError(
            f"No module named {fullname!r} (the plugin's published files have no source for it)",
            name=fullname,
        )

    @staticmethod
    def _spec(
        fullname: str, file: Path, original: Path, package: Path | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        loader = _SourceOnlyLoader(fullname, str(file), str(original))
        locations = [str(package)] if package is not None else None
        return importlib.util.spec_from_file_location(
            fullname, file, loader=loader, submodule_search_locations=locations
        )


_FINDER = StagedFinder()
_STAGES: dict[Path, Path] = {}


def _install() -> None:
    import sys

    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def stage_plugin(root: Path, name: str, files: FileSet | None = None) -> Staged:
    """Copy ``root``'s file set to a fresh temporary folder and route ``name`` imports to it.

    ``files``: the file set the caller already read for ``root`` (the one its checks saw),
    so the folder is walked once; read here when missing or taken of another folder."""
    _install()
    previous = _STAGES.pop(root, None)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    holder = Path(tempfile.mkdtemp(prefix="mixpeek-stage-"))
    _STAGES[root] = holder
    if files is None or files.root != root.resolve():
        files = plugin_files(root)
    staged = stage(files, holder)
    plugin = Staged(original=root, staged=staged, name=name)
    _FINDER.plugins[name] = plugin
    return plugin


def find_root_spec(plugin: Staged) -> Any:
    """The spec of the plugin's top-level package (``__init__.py`` or a namespace package)."""
    return _FINDER.find_spec(plugin.name, None)


@atexit.register
def _cleanup() -> None:
    for holder in list(_STAGES.values()):
        shutil.rmtree(holder, ignore_errors=True)
    _STAGES.clear()


__all__ = ["Staged", "StagedFinder", "find_root_spec", "stage_plugin"]
