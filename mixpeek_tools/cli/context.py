"""Settings shared by every command: API key, base URL, namespace, verbosity, prompting.

The ``mixpeek`` group resolves them once (flag > environment > profile > default, see
:mod:`mixpeek_tools.config.effective`) into a :class:`CliSettings` that every command reads with
:func:`settings`; ``-v``/``-q`` given after any subcommand land in the same object.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

import click

from mixpeek_tools.config.effective import effective_settings
from mixpeek_tools.config.profiles import (
    DEFAULT_BASE_URL,
    Config,
    Profile,
    Setting,
    run_key_command,
)

__all__ = ["DEFAULT_BASE_URL", "CliSettings", "namespace_option", "settings"]


class CliSettings:
    """What every command may read: ``api_key``, ``base_url``, ``namespace``, ``verbose``,
    ``quiet``, ``may_prompt``; ``sources`` says where each API setting came from.

    A profile's ``api_key_command`` runs only when ``api_key`` is first read, so commands that
    never talk to the API never run it.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        verbose: bool = False,
        quiet: bool = False,
        namespace: str | None = None,
        *,
        sources: dict[str, Setting] | None = None,
        profile: Profile | None = None,
        config: Config | None = None,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.verbose = verbose
        self.quiet = quiet
        self.namespace = namespace
        self.profile = profile
        self.config = config
        self.output_format: str | None = None
        self.sources: dict[str, Setting] = dict(sources or {})

    @classmethod
    def resolved(
        cls,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        profile: Setting | None = None,
        environ: Mapping[str, str] | None = None,
        verbose: bool = False,
    ) -> CliSettings:
        """Settings from flags (None when not given), the environment and the config file."""
        found = effective_settings(api_key=api_key, base_url=base_url, profile=profile,
                                   environ=environ)  # fmt: skip
        return cls(
            api_key=found.api_key,
            base_url=found.base_url,
            namespace=found.namespace,
            verbose=verbose,
            sources=dict(found.sources),
            profile=found.profile,
            config=found.config,
        )

    def adopt(self, other: CliSettings) -> None:
        """Take ``other``'s API settings, keeping the verbosity already set on this object."""
        verbose, quiet = self.verbose or other.verbose, self.quiet or other.quiet
        self.__dict__.update(other.__dict__)
        self.verbose, self.quiet = verbose, quiet

    @property
    def api_key(self) -> str | None:
        if self._api_key is None and self.profile is not None and self.profile.api_key_command:
            self._api_key = run_key_command(self.profile)
        return self._api_key

    @api_key.setter
    def api_key(self, value: str | None) -> None:
        self._api_key = value

    @property
    def may_prompt(self) -> bool:
        """Never prompt in CI or without a terminal: a hung job is worse than a clear error."""
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            return False
        return sys.stdin.isatty() and sys.stdout.isatty()

    def say(self, text: str) -> None:
        """A progress or info line on stderr, silenced by ``-q``."""
        if not self.quiet:
            click.echo(text, err=True)


def settings(ctx: click.Context | None = None) -> CliSettings:
    """The settings of the running command (resolved from env and config outside the CLI)."""
    ctx = ctx or click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, CliSettings):
            return ctx.obj
        ctx = ctx.parent
    return CliSettings.resolved()


def ensure_settings(ctx: click.Context) -> CliSettings:
    """The context's settings, created (and attached) when a command runs outside ``mixpeek``."""
    found = ctx.find_object(CliSettings)
    if found is None:
        found = CliSettings.resolved()
        if ctx.obj is None:
            ctx.obj = found
    return found


def _namespace_from_profile(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A flag or $MIXPEEK_NAMESPACE wins; without either the profile's namespace is used."""
    current = ensure_settings(ctx)
    if value:
        source = ctx.get_parameter_source(param.name or "namespace")
        by_env = source is not None and source.name == "ENVIRONMENT"
        current.namespace = value
        current.sources["namespace"] = (
            Setting(value, "env", "MIXPEEK_NAMESPACE") if by_env else Setting(value, "flag", "--namespace")
        )
        return value
    return current.namespace


def namespace_option(func: click.decorators.FC) -> click.decorators.FC:
    """``--namespace/-n``: flag, else ``$MIXPEEK_NAMESPACE``, else the profile's namespace."""
    return click.option(
        "--namespace",
        "-n",
        envvar="MIXPEEK_NAMESPACE",
        callback=_namespace_from_profile,
        help="Namespace id (default: $MIXPEEK_NAMESPACE, then the profile's namespace).",
    )(func)
