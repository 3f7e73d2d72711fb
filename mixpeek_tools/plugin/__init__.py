"""Locating and importing a plugin directory as a package (see :mod:`.loader`)."""

from mixpeek_tools.plugin.loader import LoadedPlugin, PluginLoadError, load_plugin

__all__ = ["LoadedPlugin", "PluginLoadError", "load_plugin"]
