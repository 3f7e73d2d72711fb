"""A click group that imports a subcommand's module only when that subcommand runs.

``mixpeek --help`` and ``mixpeek --version`` must start fast, so command modules (which may pull
in copier, boto3, pandas or ray) are named here by import path and loaded on demand.

The group is also where the CLI's conventions reach every command without any command file
opting in: each command it hands out gets ``-v/--verbose`` and ``-q/--quiet``
(:func:`~mixpeek_tools.cli.options.add_conventions`), and an unknown command name is a usage
error (exit 2) that suggests the closest names.
"""

from __future__ import annotations

import importlib

import click

from mixpeek_tools.cli.options import add_conventions


class LazyGroup(click.Group):
    """Group whose commands are ``{"name": ("package.module:attr", "summary")}`` entries.

    The module is imported only when the command runs; ``summary`` is what ``--help`` shows.
    """

    def __init__(
        self,
        *args: object,
        lazy_commands: dict[str, tuple[str, str]] | None = None,
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            target = self.lazy_commands[cmd_name][0]
            module_name, attr = target.split(":")
            command = getattr(importlib.import_module(module_name), attr)
            if not isinstance(command, click.Command):
                raise TypeError(f"{target} is not a click command")
            return add_conventions(command)
        command = super().get_command(ctx, cmd_name)
        return add_conventions(command) if command is not None else None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Like click's, but an unknown name suggests the closest commands (``Did you mean``)."""
        name = click.utils.make_str(args[0]) if args else ""
        if args and self.get_command(ctx, name) is None and not name.startswith("-"):
            import difflib  # only for a mistyped name: every command line resolves through here

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands with their short help without importing their modules."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands:
                rows.append((name, self.lazy_commands[name][1]))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str()))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
