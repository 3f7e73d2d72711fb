"""``mixpeek config path / list``: where the config file is, and the profiles it defines.

The file's format is in docs/cli.md; editing it is left to the user's editor on purpose.
"""

from __future__ import annotations

import json
from typing import Any

import click

from mixpeek_tools.cli.context import settings
from mixpeek_tools.cli.options import output_format_option


@click.command(name="path")
def path_command() -> None:
    """Print the path of the config file ($MIXPEEK_CONFIG or the platform's config folder)."""
    from mixpeek_tools.config.profiles import config_path

    click.echo(str(config_path()))


def _row(profile: Any, in_effect: str | None) -> dict[str, Any]:
    from mixpeek_tools.config.profiles import redact

    key = "(command)" if profile.api_key_command else redact(profile.api_key)
    return {"name": profile.name, "in_effect": profile.name == in_effect,
            "base_url": profile.base_url, "namespace": profile.namespace, "api_key": key}  # fmt: skip


@click.command(name="list")
@output_format_option("text", "json")
def list_command(output_format: str) -> None:
    """List the profiles of the config file (keys redacted); * marks the one in effect."""
    from mixpeek_tools.config.profiles import config_path, load_config

    opts = settings()
    config = opts.config or load_config(config_path())
    in_effect = opts.profile.name if opts.profile else None
    rows = [_row(p, in_effect) for _, p in sorted(config.profiles.items())]
    if output_format == "json":
        click.echo(json.dumps({"path": str(config.path), "exists": config.exists,
                               "profiles": rows}, indent=2, ensure_ascii=False))  # fmt: skip
        return
    if not rows:
        found = "has no profiles" if config.exists else "does not exist"
        click.echo(f"{config.path} {found}; docs/cli.md shows the format.")
        return
    click.echo(f"Profiles in {config.path}:")
    for row in rows:
        mark = "*" if row["in_effect"] else " "
        click.echo(f"{mark} {row['name']}: base_url={row['base_url'] or '-'} "
                   f"namespace={row['namespace'] or '-'} api_key={row['api_key']}")  # fmt: skip
