"""Local stand-ins for the platform's ``engine.*`` and ``shared.*`` modules, and the import hook.

Plugins import ``engine.plugins.extractors.pipeline`` and friends, which exist only on the
platform. The kit serves them from a table (:mod:`.layout`): importing this package makes every
documented path importable as ``mixpeek_tools.local_platform.<path>``, and :func:`install` adds an
import hook that serves any ``engine.X`` / ``shared.X`` name from
``mixpeek_tools.local_platform.engine.X`` / ``...shared.X`` when the table has it.

Two rules keep it from getting in anybody's way:

* the top-level hook sits at the END of ``sys.meta_path``, so a real ``engine`` or ``shared``
  package importable from ``sys.path`` is found first and wins;
* the aliased name is bound to the *same module object* (no copy), so classes keep their home
  in ``mixpeek_tools.local_platform...``: ``isinstance`` works across both names and pickles
  (Ray) refer to a module that any process importing the kit can import.

Submodules of an aliased package are served by a second hook at the FRONT of ``sys.meta_path``
that only acts once ``sys.modules["engine"]`` (or ``shared``) *is* our stand-in; without it the
path finder would look for ``engine.X`` elsewhere and could load a second copy.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

from mixpeek_tools.local_platform.layout import AliasLoader, NameFinder, install_layout

ALIASED_ROOTS = ("engine", "shared")
_PREFIX = __name__  # "mixpeek_tools.local_platform"

install_layout()  # mixpeek_tools.local_platform.engine.* exists in every process that imports us


def target_name(fullname: str) -> str | None:
    """The kit module that stands in for ``fullname``, or None when it is not ours to serve."""
    if fullname.split(".", 1)[0] not in ALIASED_ROOTS:
        return None
    return f"{_PREFIX}.{fullname}"


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


class _AliasLoader(AliasLoader):
    """Hands back the already-importable kit module instead of creating a new one."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self.alias(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (the target ran when imported)."""
        self.restore_spec(module)


def _alias_spec(fullname: str) -> importlib.machinery.ModuleSpec | None:
    target = target_name(fullname)
    if target is None or not _exists(target):
        return None
    module = importlib.import_module(target)
    is_package = hasattr(module, "__path__")
    spec = importlib.machinery.ModuleSpec(fullname, _AliasLoader(target), is_package=is_package)
    if is_package:
        spec.submodule_search_locations = list(module.__path__)
    return spec


class _TopLevelFinder(NameFinder):
    """Last-resort finder for ``engine`` and ``shared`` themselves (appended at the end)."""

    def spec_for(self, fullname: str) -> importlib.machinery.ModuleSpec | None:
        if fullname not in ALIASED_ROOTS:
            return None
        return _alias_spec(fullname)


class _SubmoduleFinder(NameFinder):
    """Serves ``engine.X.Y`` only when ``engine`` resolved to our stand-in (inserted first)."""

    def spec_for(self, fullname: str) -> importlib.machinery.ModuleSpec | None:
        root, dot, _rest = fullname.partition(".")
        if not dot or root not in ALIASED_ROOTS:
            return None
        loaded_root = sys.modules.get(root)
        if loaded_root is None or loaded_root is not sys.modules.get(f"{_PREFIX}.{root}"):
            return None
        return _alias_spec(fullname)


_TOP = _TopLevelFinder()
_SUB = _SubmoduleFinder()


def install() -> None:
    """Make ``engine.*`` / ``shared.*`` importable (idempotent; real packages still win)."""
    if not any(isinstance(f, _SubmoduleFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SUB)
    if not any(isinstance(f, _TopLevelFinder) for f in sys.meta_path):
        sys.meta_path.append(_TOP)
    elif not isinstance(sys.meta_path[-1], _TopLevelFinder):
        # Something appended after us (e.g. a later finder); keep our promise of being last.
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _TopLevelFinder)]
        sys.meta_path.append(_TOP)


def uninstall() -> None:
    """Remove the hooks and forget aliased modules (tests use this to start clean)."""
    sys.meta_path[:] = [
        f for f in sys.meta_path if not isinstance(f, (_TopLevelFinder, _SubmoduleFinder))
    ]
    for name in list(sys.modules):
        if name.split(".", 1)[0] in ALIASED_ROOTS and target_name(name):
            mod = sys.modules[name]
            if getattr(mod, "__name__", "").startswith(_PREFIX + "."):
                del sys.modules[name]


def is_installed() -> bool:
    return any(isinstance(f, _TopLevelFinder) for f in sys.meta_path)


__all__ = ["install", "is_installed", "target_name", "uninstall"]
