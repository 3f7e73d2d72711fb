"""``mixpeek plugin publish``: check, scan, archive, upload and confirm one plugin."""

from __future__ import annotations

from pathlib import Path

import click

from mixpeek_tools.cli.context import namespace_option, settings


def _say(text: str) -> None:
    click.echo(text, err=True)


@click.command(name="publish")
@click.option("--path", "-p", "path", default=".", show_default=True, type=click.Path(path_type=Path),
              help="Plugin folder (the one holding manifest.py).")  # fmt: skip
@namespace_option
@click.option("--dry-run", is_flag=True, help="Check and build the archive, upload nothing.")
@click.option("--yes", "-y", is_flag=True, help="Publish without asking for confirmation.")
def publish_command(path: Path, namespace: str | None, dry_run: bool, yes: bool) -> None:
    """Check, archive and upload a plugin to a namespace.

    Runs the static checks and the security scan, builds a reproducible .tar.gz (secrets, caches
    and anything in .gitignore/.mixpeekignore left out), streams it to the presigned upload URL
    and confirms it. --dry-run stops before the network and prints the archive's path, size and
    sha256 (and, with `mixpeek -v`, every file in it).
    """
    from mixpeek_tools.publishing.client import connect
    from mixpeek_tools.publishing.flow import prepare, publish

    opts = settings()
    api = None if dry_run else connect(opts.base_url, opts.api_key, namespace, notify=_say)
    prepared = prepare(path, say=_say)
    for finding in prepared.warnings:
        _say(f"warning: {finding.location()} {finding.rule}: {finding.message}")
    archive, meta = prepared.archive, prepared.metadata
    click.echo(f"Archive: {archive.path}")
    click.echo(f"Size:    {archive.size:,} bytes ({len(archive.entries)} files)")
    click.echo(f"SHA256:  {archive.sha256}")
    if opts.verbose:
        for entry in archive.entries:
            click.echo(f"  {entry.size:>12,}  {entry.name}")
    if api is None:
        click.echo(
            f"Dry run: {meta.name} {meta.version} is ready to publish; nothing was uploaded."
        )
        return
    if not yes and opts.may_prompt:
        click.confirm(
            f"Publish {meta.name} {meta.version} to {api.namespace} at {api.base_url}?", abort=True
        )
    try:
        result = publish(prepared, api, say=_say)
    finally:
        api.close()
    click.echo(
        f"Published {meta.name} {meta.version} to {api.namespace}: plugin {result.plugin_id}, status {result.status}."
    )
    if result.message:
        click.echo(result.message)
