"""The platform's module paths as a table, served from a handful of kit modules.

Plugins import ``engine.plugins.extractors.pipeline``, ``shared.inference.<vendor>.<model>
.models`` and so on. Instead of a folder per path, :func:`documented_modules` maps each such path
to what it holds, and :class:`LayoutFinder` (installed when this package is imported) makes
``mixpeek_tools.local_platform.<path>`` importable from that table:

* a path served by a real module (the pipeline vocabulary, the serve base class, the two
  services that really run) is that very module object, so its classes keep one identity;
* a built-in service's two modules are made on the fly from its row in :mod:`.catalog`;
* every folder on the way (``engine``, ``engine.inference``, ``engine.inference.openai``, ...)
  is an empty package made on the fly, whose attributes import its children on first access.

:func:`mixpeek_tools.local_platform.install` then aliases ``engine.*`` / ``shared.*`` to these.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any

PREFIX = "mixpeek_tools.local_platform"

#: Paths served by a real module of this package (platform path -> kit module).
REAL_MODULES: dict[str, str] = {
    "engine.plugins.extractors.pipeline": f"{PREFIX}.pipeline",
    "shared.collection.features.extractors.models": f"{PREFIX}.extractors",
    "shared.plugins.inference.serve": f"{PREFIX}.serve",
    # Not platform paths: the kit's own names for the services' common ground, kept importable.
    "engine.inference.base": f"{PREFIX}.service_base",
    "engine.inference.kinds": f"{PREFIX}.service_kinds",
    "shared.inference.base": f"{PREFIX}.configs",
}


@functools.cache
def documented_modules() -> dict[str, str]:
    """Every module path served (``engine.…`` / ``shared.…``) -> how: ``real``, ``services``, ``models``."""
    from mixpeek_tools.local_platform import catalog

    table = {path: "real" for path in REAL_MODULES}
    for row in catalog.BUILTINS:
        table[row.services_path] = "services"
        table[row.models_path] = "models"
    return table


def _folders_above(paths: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for path in paths:
        parts = path.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(found)


class NameFinder(importlib.abc.MetaPathFinder):
    """A finder that answers from the module name alone (``path`` and ``target`` do not matter)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        return self.spec_for(fullname)

    def spec_for(self, fullname: str) -> importlib.machinery.ModuleSpec | None:
        raise NotImplementedError


class AliasLoader(importlib.abc.Loader):
    """Loads a name as an already importable module: the same object, with its own spec back.

    The import system sets the alias's spec on the module it gets from ``create_module``;
    ``exec_module`` undoes that, so the module keeps one identity under both names.
    """

    def alias(self, target: str) -> ModuleType:
        module = importlib.import_module(target)
        self._own_spec = module.__spec__
        return module

    def restore_spec(self, module: ModuleType) -> None:
        module.__spec__ = self._own_spec


@functools.cache
def packages() -> frozenset[str]:
    """Every folder above a served module (``engine``, ``engine.inference``, ...)."""
    return _folders_above(documented_modules())


# The real modules and the folders above them are served without building the catalog (which
# imports pydantic's model machinery and makes the built-ins' config models): importing
# ``engine.plugins.extractors.pipeline`` costs what that module costs, nothing more.
_REAL_PACKAGES = _folders_above(REAL_MODULES)


def _builtin_key(path: str) -> str:
    """``engine.inference.openai.whisper_api.services`` -> ``openai.whisper_api``."""
    return ".".join(path.split(".")[2:-1])


class _LayoutLoader(AliasLoader):
    """Loads one path of the table: a real module (aliased), a service module or a package."""

    def __init__(self, path: str, *, is_package: bool = False) -> None:
        self.path = path
        self.is_package = is_package

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        real = self._real_target()
        if real is None:
            return None  # a fresh module, filled by exec_module
        return self.alias(real)

    def exec_module(self, module: ModuleType) -> None:
        if self._real_target():
            self.restore_spec(module)
            return
        if self.is_package:
            _fill_package(module, self.path)
        else:
            _fill_builtin(module, self.path, documented_modules()[self.path])

    def _real_target(self) -> str | None:
        if self.path in REAL_MODULES:
            return REAL_MODULES[self.path]
        if self.is_package:
            return None
        from mixpeek_tools.local_platform import catalog

        if documented_modules().get(self.path) == "services":
            return catalog.BY_KEY[_builtin_key(self.path)].implementation
        return None


def _fill_builtin(module: ModuleType, path: str, how: str) -> None:
    from mixpeek_tools.local_platform import catalog

    row = catalog.BY_KEY[_builtin_key(path)]
    if how == "models":
        module.__doc__ = f"Config model of ``{row.service_name}``: {row.summary}."
        module.InferenceConfigs = catalog.build_config(row.key)  # type: ignore[attr-defined]
        module.__all__ = ["InferenceConfigs"]  # type: ignore[attr-defined]
        return
    service = catalog.build_service(row.key)
    module.__doc__ = f"``{row.service_name}``: {row.summary} (placeholders locally)."
    setattr(module, row.service_name, service)
    module.InferenceConfigs = service.config_class  # type: ignore[attr-defined]
    module.__all__ = [row.service_name, "InferenceConfigs"]  # type: ignore[attr-defined]


def _children(path: str) -> set[str]:
    """The names directly inside package ``path`` (builds the catalog)."""
    return {
        p[len(path) + 1 :].split(".", 1)[0]
        for p in documented_modules()
        if p.startswith(path + ".")
    }


def _fill_package(module: ModuleType, path: str) -> None:
    module.__doc__ = f"Local stand-in for the platform's ``{path}`` package (made on the fly)."

    def __getattr__(name: str) -> Any:  # the module-level hook of PEP 562
        child = f"{path}.{name}"
        if child in REAL_MODULES or child in _REAL_PACKAGES or name in _children(path):
            return importlib.import_module(f"{module.__name__}.{name}")
        raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(module.__dict__) | _children(path))

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]


class LayoutFinder(NameFinder):
    """Finds ``mixpeek_tools.local_platform.<path>`` for every path of the table (and no other)."""

    def spec_for(self, fullname: str) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(PREFIX + "."):
            return None
        rel = fullname[len(PREFIX) + 1 :]
        if rel.split(".", 1)[0] not in ("engine", "shared"):
            return None  # the kit's real modules (and a check that imports nothing heavy)
        if rel in REAL_MODULES:
            return importlib.machinery.ModuleSpec(fullname, _LayoutLoader(rel))
        if rel in _REAL_PACKAGES or rel in packages():
            loader = _LayoutLoader(rel, is_package=True)
            spec = importlib.machinery.ModuleSpec(fullname, loader, is_package=True)
            spec.submodule_search_locations = []
            return spec
        if rel in documented_modules():
            return importlib.machinery.ModuleSpec(fullname, _LayoutLoader(rel))
        return None


def install_layout() -> None:
    """Put the finder first on ``sys.meta_path`` (idempotent); it answers only its own names."""
    if not any(isinstance(f, LayoutFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, LayoutFinder())


__all__ = [
    "PREFIX",
    "REAL_MODULES",
    "AliasLoader",
    "LayoutFinder",
    "NameFinder",
    "documented_modules",
    "install_layout",
    "packages",
]
