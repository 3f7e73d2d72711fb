"""The plugin-management commands as library calls: each takes a client and plain arguments and
returns what happened, so the CLI only formats it.

``list``, ``show``, ``status``, ``undeploy`` and ``delete`` live here; ``deploy`` (with its
waiting) and the reference resolution are in :mod:`mixpeek_tools.publishing.manage`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixpeek_tools.publishing.client import PluginApi
from mixpeek_tools.publishing.manage import Downloaded, download_archive, resolve


@dataclass
class Listing:
    """The plugins of a namespace (or, with ``available``, of the organisation)."""

    plugins: list[dict[str, Any]]
    namespace: str
    available: bool
    source: str


@dataclass
class Answered:
    """The plugin id a reference resolved to and the server's answer about it."""

    plugin_id: str
    answer: dict[str, Any]


@dataclass
class Shown(Answered):
    """``show``: the answer, the plugin's own fields within it, and the download (if asked)."""

    details: dict[str, Any]
    downloaded: Downloaded | None = None


def plugin_details(answer: dict[str, Any]) -> dict[str, Any]:
    """The plugin's fields: the answer's ``plugin`` object when it nests one, else the answer."""
    inner = answer.get("plugin")
    return inner if isinstance(inner, dict) else answer


def list_plugins(api: PluginApi, *, available: bool = False, source: str = "all") -> Listing:
    """GET .../plugins (``source``: all, builtin, custom, community) or the organisation's list."""
    plugins = api.list_available() if available else api.list_plugins(source)
    return Listing(plugins, api.namespace, available, source)


def show_plugin(api: PluginApi, ref: str, *, download: Path | None = None) -> Shown:
    """One plugin's answer; with ``download``, its archive written there (atomically)."""
    plugin_id = resolve(api, ref)
    answer = api.get_plugin(plugin_id, presigned=download is not None)
    fetched = download_archive(api, answer, download) if download is not None else None
    return Shown(plugin_id, answer, plugin_details(answer), fetched)


def plugin_status(api: PluginApi, ref: str) -> Answered:
    """GET .../plugins/{id}/status for the plugin ``ref`` names."""
    plugin_id = resolve(api, ref)
    return Answered(plugin_id, api.deployment_status(plugin_id))


def undeploy_plugin(api: PluginApi, ref: str) -> Answered:
    """Remove the deployment of the plugin ``ref`` names (the published plugin stays)."""
    plugin_id = resolve(api, ref)
    return Answered(plugin_id, api.undeploy_plugin(plugin_id))


def delete_plugin(
    api: PluginApi, ref: str, *, confirm: Callable[[str], None] | None = None
) -> Answered:
    """Delete the plugin ``ref`` names; ``confirm(plugin_id)`` runs first and may raise to stop."""
    plugin_id = resolve(api, ref)
    if confirm is not None:
        confirm(plugin_id)
    return Answered(plugin_id, api.delete_plugin(plugin_id))
