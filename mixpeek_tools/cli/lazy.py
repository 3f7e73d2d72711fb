"""A click group that imports a subcommand's module only when that subcommand runs.

``mixpeek --help`` and ``mixpeek --version`` must start fast, so command modules (which may pull
in copier, boto3, pandas or ray) are named here by import path and loaded on demand.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """Group whose commands are ``{"name": "package.module:attr"}`` entries, imported on use."""

    def __init__(self, *args: object, lazy_commands: dict[str, str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attr = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands with their short help without importing their modules."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands:
                rows.append((name, COMMAND_SUMMARIES.get(name, "")))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str()))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


# One-line summaries shown by --help; kept here so help never imports a command module.
COMMAND_SUMMARIES: dict[str, str] = {
    "init": "Create a new plugin from the Copier template.",
    "update": "Pull template fixes into an existing plugin (copier update).",
    "test": "Run every check: structure, schemas, pipeline, security, pytest, sample data.",
    "validate": "Run the static checks only (no pytest, no sample data).",
    "scan": "Security-scan files or folders for forbidden capabilities.",
    "run": "Run a plugin's pipeline over a dataset, locally or on Ray.",
    "serve": "Serve a plugin's realtime endpoint over HTTP.",
    "publish": "Validate, scan, archive and upload a plugin to a namespace.",
    "list": "List the plugins available in a namespace.",
    "show": "Show one published plugin.",
    "delete": "Delete one published plugin.",
    "deploy": "Deploy one published plugin.",
    "serve-registry": "Run the local plugin registry.",
    "add-key": "Create an API key for a namespace of the local registry.",
}
