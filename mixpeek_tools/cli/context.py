"""Settings shared by every command: API key, base URL, verbosity, whether prompting is allowed."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click

DEFAULT_BASE_URL = "https://api.mixpeek.com"


@dataclass
class CliSettings:
    api_key: str | None = None
    base_url: str = DEFAULT_BASE_URL
    verbose: bool = False

    @property
    def may_prompt(self) -> bool:
        """Never prompt in CI or without a terminal: a hung job is worse than a clear error."""
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            return False
        return sys.stdin.isatty() and sys.stdout.isatty()


def settings(ctx: click.Context | None = None) -> CliSettings:
    """The settings of the running command (defaults when called outside the CLI)."""
    ctx = ctx or click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, CliSettings):
            return ctx.obj
        ctx = ctx.parent
    return CliSettings(
        api_key=os.environ.get("MIXPEEK_API_KEY"),
        base_url=os.environ.get("MIXPEEK_BASE_URL", DEFAULT_BASE_URL),
    )


def namespace_option(func: click.decorators.FC) -> click.decorators.FC:
    """``--namespace/-n`` defaulting to ``MIXPEEK_NAMESPACE``, shared by every command that needs one."""
    return click.option(
        "--namespace",
        "-n",
        envvar="MIXPEEK_NAMESPACE",
        help="Namespace id (default: $MIXPEEK_NAMESPACE).",
    )(func)
