"""``mixpeek plugin list / show / delete / deploy``: manage published plugins.

``show``, ``delete`` and ``deploy`` take a plugin id (``plg_...``) or ``name@version``; a bare
``name`` works when only one version of it exists. Names are resolved through the list endpoint,
so they work against any server that speaks the plugin API.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from mixpeek_tools.cli.context import namespace_option, settings
from mixpeek_tools.errors import BadInput

if TYPE_CHECKING:
    from mixpeek_tools.publishing.client import PluginApi

SOURCES = ("all", "builtin", "custom", "community")
TABLE_COLUMNS = ("plugin_id", "name", "version", "source", "status", "category")


def _api(namespace: str | None) -> PluginApi:
    from mixpeek_tools.publishing.client import connect

    opts = settings()
    return connect(
        opts.base_url, opts.api_key, namespace, notify=lambda text: click.echo(text, err=True)
    )


def resolve(api: PluginApi, ref: str) -> str:
    """The plugin id for ``ref`` (an id, ``name@version`` or a unique ``name``)."""
    if ref.startswith(("plg_", "builtin_")):
        return ref
    name, _, version = ref.partition("@")
    matches = [
        p
        for p in api.list_plugins("all")
        if p.get("name") == name and (not version or p.get("version") == version)
    ]
    if len(matches) == 1:
        return str(matches[0]["plugin_id"])
    if not matches:
        raise BadInput(
            f"no plugin {ref!r} in namespace {api.namespace}",
            where="PLUGIN",
            hint="Give a plugin id or name@version as `mixpeek plugin list` shows them",
        )
    versions = ", ".join(f"{name}@{p.get('version')}" for p in matches)
    raise BadInput(
        f"{ref!r} matches several plugins ({versions})",
        where="PLUGIN",
        hint="Say which one with name@version or its plugin id",
    )


def table(rows: list[dict[str, Any]], columns: tuple[str, ...] = TABLE_COLUMNS) -> str:
    """A plain, aligned text table (no colour, so it pipes cleanly)."""
    cells = [[str(r.get(c) if r.get(c) is not None else "-") for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _plugin_argument(func: Any) -> Any:
    return click.argument("plugin", metavar="PLUGIN")(func)


@click.command(name="list")
@namespace_option
@click.option("--source", "-s", type=click.Choice(SOURCES), default="all", show_default=True,
              help="Which plugins: built-in, your custom ones, community ones, or all.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
def list_command(namespace: str | None, source: str, as_json: bool) -> None:
    """List the plugins available in a namespace."""
    api = _api(namespace)
    try:
        plugins = api.list_plugins(source)
    finally:
        api.close()
    if as_json:
        click.echo(json.dumps({"plugins": plugins}, indent=2))
    elif plugins:
        click.echo(table(plugins))
    else:
        click.echo(f"No {'' if source == 'all' else source + ' '}plugins in {api.namespace}.")


@click.command(name="show")
@namespace_option
@_plugin_argument
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
def show_command(namespace: str | None, plugin: str, as_json: bool) -> None:
    """Show one plugin: status, digests and any violations."""
    api = _api(namespace)
    try:
        data = api.get_plugin(resolve(api, plugin))
    finally:
        api.close()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if isinstance(value, list):
            click.echo(f"{key}: {len(value)}")
            for item in value:
                click.echo(f"  - {_describe(item)}")
        else:
            click.echo(f"{key}: {'-' if value is None else value}")


def _describe(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    where = item.get("path") or ""
    if item.get("line"):
        where += f":{item['line']}"
    return f"{where + ' ' if where else ''}{item.get('rule', '')}: {item.get('message', '')}"


@click.command(name="delete")
@namespace_option
@_plugin_argument
@click.option("--yes", "-y", is_flag=True, help="Delete without asking for confirmation.")
def delete_command(namespace: str | None, plugin: str, yes: bool) -> None:
    """Delete one published plugin (its name and version become free again)."""
    api = _api(namespace)
    try:
        plugin_id = resolve(api, plugin)
        if not yes and settings().may_prompt:
            click.confirm(f"Delete plugin {plugin_id} in namespace {api.namespace}?", abort=True)
        api.delete_plugin(plugin_id)
    finally:
        api.close()
    click.echo(f"Deleted {plugin_id} from {api.namespace}.")


@click.command(name="deploy")
@namespace_option
@_plugin_argument
def deploy_command(namespace: str | None, plugin: str) -> None:
    """Deploy one published plugin so collections can use it."""
    api = _api(namespace)
    try:
        data = api.deploy_plugin(resolve(api, plugin))
    finally:
        api.close()
    click.echo(
        f"{data.get('plugin_id')}: {data.get('status')}. {data.get('message') or ''}".rstrip()
    )
