"""``mixpeek plugin list / show / status / deploy / undeploy / enable / disable / delete``.

Each command parses its options, calls :mod:`mixpeek_tools.publishing` and prints: a short
text for people, or with ``--json`` one JSON document on stdout. ``show``, ``status``,
``deploy``, ``undeploy`` and ``delete`` take a plugin id (``my_plugin_1_0_0``), ``name@version``
(``v1`` also finds ``1.0.0``) or a name only one version has; ``enable``/``disable`` take the id
of an organisation plugin as ``plugin list --available`` shows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mixpeek_tools.cli.commands.api_output import (
    api_session,
    emit_json,
    json_option,
    say,
    show_fields,
    spinner,
    table,
)
from mixpeek_tools.cli.context import namespace_option, settings

SOURCES = ("all", "builtin", "custom", "community")
BASE_COLUMNS = ("plugin_id", "name", "version")
OPTIONAL_COLUMNS = (
    "source",
    "status",
    "validation_status",
    "deployed",
    "enabled_in_namespace",
    "category",
    "feature_uri",
)


def _plugin_argument(func: Any) -> Any:
    return click.argument("plugin", metavar="PLUGIN")(func)


def columns_for(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """The id, name and version, then whichever status columns the server filled in."""
    present = {key for row in rows for key, value in row.items() if value is not None}
    return BASE_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if c in present)


@click.command(name="list")
@namespace_option
@click.option("--available", is_flag=True,
              help="List the organisation's plugins (enabled in this namespace or not).")  # fmt: skip
@click.option("--source", "-s", type=click.Choice(SOURCES), default="all", show_default=True,
              help="Local registry only: built-in, custom, community ones, or all.")  # fmt: skip
@json_option
def list_command(namespace: str | None, available: bool, source: str, as_json: bool) -> None:
    """List the plugins of a namespace (GET .../plugins) or of the organisation (--available)."""
    from mixpeek_tools.publishing.operations import list_plugins

    with api_session(namespace) as api:
        listing = list_plugins(api, available=available, source=source)
    plugins = listing.plugins
    if as_json:
        emit_json(
            {
                "plugins": plugins,
                "total": len(plugins),
                "namespace_id": listing.namespace,
                "available": available,
            }
        )
    elif plugins:
        click.echo(table(plugins, columns_for(plugins)))
    else:
        which = "organisation" if available else ("" if source == "all" else source)
        click.echo(f"No {which + ' ' if which else ''}plugins in {listing.namespace}.")


@click.command(name="show")
@namespace_option
@_plugin_argument
@click.option("--download", "download", type=click.Path(dir_okay=False, path_type=Path),
              help="Also fetch the archive to FILE (written atomically) and print its sha256.")  # fmt: skip
@json_option
def show_command(namespace: str | None, plugin: str, download: Path | None, as_json: bool) -> None:
    """Show one plugin: validation, deployment, manifest; optionally download its archive."""
    from mixpeek_tools.publishing.operations import show_plugin

    with api_session(namespace) as api:
        shown = show_plugin(api, plugin, download=download)
    fetched = shown.downloaded
    if as_json:
        doc = dict(shown.answer)
        if fetched is not None:
            doc["download"] = {
                "path": str(fetched.path),
                "size": fetched.size,
                "sha256": fetched.sha256,
            }
        emit_json(doc)
        return
    show_fields(shown.details)
    if fetched is not None:
        click.echo(f"Downloaded: {fetched.path} ({fetched.size:,} bytes)")
        click.echo(f"SHA256:     {fetched.sha256}")


@click.command(name="status")
@namespace_option
@_plugin_argument
@json_option
def status_command(namespace: str | None, plugin: str, as_json: bool) -> None:
    """Show a plugin's deployment status (GET .../plugins/{id}/status)."""
    from mixpeek_tools.publishing.operations import plugin_status

    with api_session(namespace) as api:
        answer = plugin_status(api, plugin).answer
    if as_json:
        emit_json(answer)
    else:
        show_fields(answer)


@click.command(name="deploy")
@namespace_option
@_plugin_argument
@click.option("--wait", is_flag=True, help="Poll a queued deployment until it is final.")
@click.option("--timeout", type=click.FloatRange(min=0.0), default=600.0, show_default=True,
              help="With --wait: give up after this many seconds (exit 3).")  # fmt: skip
@click.option("--interval", type=click.FloatRange(min=0.0, min_open=True), default=10.0,
              show_default=True, help="With --wait: seconds between status polls.")  # fmt: skip
@json_option
def deploy_command(
    namespace: str | None, plugin: str, wait: bool, timeout: float, interval: float, as_json: bool
) -> None:
    """Deploy one published plugin; batch-only plugins are ready at once, realtime ones queue.

    Exit 0 deployed (or queued without --wait), 1 the deployment failed, 3 --timeout passed.
    """
    from mixpeek_tools.publishing.manage import deploy, resolve

    with api_session(namespace) as api:
        plugin_id = resolve(api, plugin)
        with spinner(f"Deploying {plugin_id}...") as update:
            outcome = deploy(
                api,
                plugin_id,
                wait=wait,
                timeout=timeout,
                interval=interval,
                on_status=lambda s: update(f"Deploying {plugin_id}: {s.get('status')}..."),
            )
    if as_json:
        emit_json({"plugin_id": plugin_id, **outcome.as_json()})
        return
    click.echo(_deploy_line(plugin_id, outcome.deploy, outcome.status))


def _deploy_line(plugin_id: str, answer: dict[str, Any], status: dict[str, Any] | None) -> str:
    if status is not None:
        where = status.get("route_prefix") or status.get("feature_uri") or ""
        return f"{plugin_id}: deployed{' at ' + where if where else ''}."
    kind = answer.get("deployment_type") or ""
    text = f"{plugin_id}: {answer.get('status')}{' (' + kind + ')' if kind else ''}."
    if answer.get("status") == "queued":
        text += f" Follow it with `mixpeek plugin status {plugin_id}` or deploy --wait."
    message = answer.get("message")
    return f"{text} {message}" if message else text


@click.command(name="undeploy")
@namespace_option
@_plugin_argument
@json_option
def undeploy_command(namespace: str | None, plugin: str, as_json: bool) -> None:
    """Remove a plugin's deployment (the published plugin stays)."""
    from mixpeek_tools.publishing.operations import undeploy_plugin

    with api_session(namespace) as api:
        done = undeploy_plugin(api, plugin)
    if as_json:
        emit_json({"plugin_id": done.plugin_id, **done.answer})
    else:
        message = done.answer.get("message")
        click.echo(f"Undeployed {done.plugin_id}.{' ' + str(message) if message else ''}")


@click.command(name="enable")
@namespace_option
@_plugin_argument
@click.option("--params", "params", help="Parameters for the plugin, as a JSON object.")
@click.option("--no-deploy", is_flag=True, help="Enable without deploying.")
@json_option
def enable_command(
    namespace: str | None, plugin: str, params: str | None, no_deploy: bool, as_json: bool
) -> None:
    """Enable an organisation plugin in this namespace (and deploy it unless --no-deploy)."""
    from mixpeek_tools.plugin.params_input import parse_params

    values = parse_params(params, None)
    with api_session(namespace) as api:
        answer = api.enable_plugin(plugin, values, deploy=not no_deploy)
    if as_json:
        emit_json(answer)
        return
    state = answer.get("deployment_status")
    click.echo(
        f"Enabled {answer.get('plugin_id') or plugin} in {api.namespace}"
        f"{', deployment ' + str(state) if state else ''}."
    )


@click.command(name="disable")
@namespace_option
@_plugin_argument
@json_option
def disable_command(namespace: str | None, plugin: str, as_json: bool) -> None:
    """Disable an organisation plugin in this namespace."""
    with api_session(namespace) as api:
        answer = api.disable_plugin(plugin)
    if as_json:
        emit_json(answer)
    else:
        click.echo(f"Disabled {plugin} in {api.namespace}.")


@click.command(name="delete")
@namespace_option
@_plugin_argument
@click.option("--yes", "-y", is_flag=True, help="Delete without asking for confirmation.")
@json_option
def delete_command(namespace: str | None, plugin: str, yes: bool, as_json: bool) -> None:
    """Delete one published plugin (and its deployment); its name and version become free."""
    from mixpeek_tools.publishing.operations import delete_plugin

    def confirm(plugin_id: str) -> None:
        click.confirm(f"Delete plugin {plugin_id} in namespace {api.namespace}?", abort=True)

    with api_session(namespace) as api:
        asks = not yes and settings().may_prompt
        done = delete_plugin(api, plugin, confirm=confirm if asks else None)
    plugin_id, answer = done.plugin_id, done.answer
    if as_json:
        emit_json({"plugin_id": plugin_id, **answer})
        return
    removed = " (its deployment was removed too)" if answer.get("deployment_removed") else ""
    click.echo(f"Deleted {plugin_id} from {api.namespace}{removed}.")
    if settings().verbose and answer.get("message"):
        say(str(answer["message"]))
