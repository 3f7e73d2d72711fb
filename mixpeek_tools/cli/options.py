"""Option decorators shared by every command, so all commands spell the conventions alike.

- :func:`verbosity_options` adds ``-v/--verbose`` and ``-q/--quiet``. Their values go into the
  running :class:`~mixpeek_tools.cli.context.CliSettings` (read them with ``settings().verbose``
  / ``settings().quiet``), not into the command's arguments. :class:`~mixpeek_tools.cli.lazy.
  LazyGroup` adds them to every command it hands out (:func:`add_conventions`), so a command
  file needs no change to accept them.
- :func:`output_format_option` adds ``--format`` (default ``text``) and ``--json`` as an alias
  of ``--format json``; the command receives one ``output_format`` argument.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from mixpeek_tools.cli.context import ensure_settings

F = TypeVar("F", bound=Callable[..., Any])

VERBOSE_FLAGS = ("--verbose", "-v")
QUIET_FLAGS = ("--quiet", "-q")
_CONVENTIONS_ADDED = "_mixpeek_conventions"  # attribute set on a command once it has -v/-q


def _set_flag(attr: str, other: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if not value:
            return
        current = ensure_settings(ctx)
        if getattr(current, other):
            raise click.UsageError("--verbose and --quiet cannot be used together", ctx=ctx)
        setattr(current, attr, True)

    return callback


def _flag_kwargs(attr: str, other: str, help_text: str) -> dict[str, Any]:
    return {"is_flag": True, "expose_value": False, "is_eager": True,
            "callback": _set_flag(attr, other), "help": help_text}  # fmt: skip


# (settings attribute it sets, the one it excludes, help text) of -v and of -q
_VERBOSE_SPEC = ("verbose", "quiet", "Show details, and tracebacks on errors.")
_QUIET_SPEC = ("quiet", "verbose", "Print only results and errors.")


def verbosity_options(func: F) -> F:
    """``-v/--verbose`` and ``-q/--quiet`` for a command defined outside a LazyGroup."""
    func = click.option(*VERBOSE_FLAGS, **_flag_kwargs(*_VERBOSE_SPEC))(func)
    return click.option(*QUIET_FLAGS, **_flag_kwargs(*_QUIET_SPEC))(func)


def add_conventions(command: click.Command) -> click.Command:
    """Give ``command`` the ``-v``/``-q`` options it lacks (idempotent).

    A command that already has its own ``-v`` (e.g. ``test``) keeps it; the error funnel also
    looks for ``-v`` on the command line, so tracebacks follow either one.
    """
    if getattr(command, _CONVENTIONS_ADDED, False):
        return command
    taken = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for flags, spec in ((VERBOSE_FLAGS, _VERBOSE_SPEC), (QUIET_FLAGS, _QUIET_SPEC)):
        if not taken.intersection(flags):
            command.params.append(click.Option(list(flags), **_flag_kwargs(*spec)))
    setattr(command, _CONVENTIONS_ADDED, True)
    return command


def output_format_option(
    *formats: str,
    default: str = "text",
    param: str = "output_format",
    help: str | None = None,
    open_choice: bool = False,
) -> Callable[[F], F]:
    """``--format FORMAT`` (one of ``formats``, default ``text,json``) and ``--json``.

    ``--json`` means ``--format json``; giving it with another ``--format`` is a usage error.
    The chosen format is passed as ``param`` and stored as ``settings().output_format``.
    ``open_choice`` takes any name (the command checks it), for formats that plugins can add.
    """
    choices = list(formats or ("text", "json"))

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            ctx = click.get_current_context()
            if kwargs.pop("json_alias", False):
                given = ctx.get_parameter_source(param) == ParameterSource.COMMANDLINE
                if given and kwargs[param] != "json":
                    raise click.UsageError(
                        f"--json and --format {kwargs[param]} disagree; give one of them", ctx=ctx
                    )
                kwargs[param] = "json"
            ensure_settings(ctx).output_format = kwargs[param]
            return func(*args, **kwargs)

        wrapper = click.option("--json", "json_alias", is_flag=True,
                               help="Same as --format json.")(wrapper)  # fmt: skip
        wrapper = click.option(
            "--format", param, default=default, show_default=True,
            type=click.STRING if open_choice else click.Choice(choices),
            metavar="FORMAT" if open_choice else None,
            help=help or "Output format (json is machine-readable and stable).",
        )(wrapper)  # fmt: skip
        return wrapper  # type: ignore[return-value]

    return decorator
