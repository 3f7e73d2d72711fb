"""``mixpeek config path / list``: where the config file is, and the profiles it defines.

The file's format is in docs/cli.md; editing it is left to the user's editor on purpose.
"""

from __future__ import annotations

import json

import click

from mixpeek_tools.cli.context import settings
from mixpeek_tools.cli.options import output_format_option


@click.command(name="path")
def path_command() -> None:
    """Print the path of the config file ($MIXPEEK_CONFIG or the platform's config folder)."""
    from mixpeek_tools.config.profiles import config_path

    click.echo(str(config_path()))


@click.command(name="list")
@output_format_option("text", "json")
def list_command(output_format: str) -> None:
    """List the profiles of the config file (keys redacted); * marks the one in effect."""
    from mixpeek_tools.config.listing import list_profiles

    opts = settings()
    listing = list_profiles(opts.config, opts.profile.name if opts.profile else None)
    rows = [row.as_json() for row in listing.rows]
    if output_format == "json":
        click.echo(json.dumps({"path": str(listing.path), "exists": listing.exists,
                               "profiles": rows}, indent=2, ensure_ascii=False))  # fmt: skip
        return
    if not rows:
        found = "has no profiles" if listing.exists else "does not exist"
        click.echo(f"{listing.path} {found}; docs/cli.md shows the format.")
        return
    click.echo(f"Profiles in {listing.path}:")
    for row in rows:
        mark = "*" if row["in_effect"] else " "
        click.echo(f"{mark} {row['name']}: base_url={row['base_url'] or '-'} "
                   f"namespace={row['namespace'] or '-'} api_key={row['api_key']}")  # fmt: skip
