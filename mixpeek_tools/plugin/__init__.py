"""Locating and importing a plugin directory as a package (see :mod:`.loader`).

The loader's names are exported lazily: :mod:`.files` (what the pre-commit hook needs on every
commit) imports this package first, and should not pay for the loader's imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixpeek_tools.plugin.loader import LoadedPlugin, PluginLoadError, load_plugin

__all__ = ["LoadedPlugin", "PluginLoadError", "load_plugin"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mixpeek_tools.plugin import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
