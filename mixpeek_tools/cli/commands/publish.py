"""``mixpeek plugin publish``: check, scan, archive, upload and confirm one plugin."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mixpeek_tools.cli.commands.api_output import connect_api, emit_json, json_option, say
from mixpeek_tools.cli.context import namespace_option, settings

if TYPE_CHECKING:
    from mixpeek_tools.publishing.client import PluginApi
    from mixpeek_tools.publishing.flow import Prepared, Published
    from mixpeek_tools.publishing.publish_or_skip import Skipped

FORMATS = ("tar.gz", "zip")


@click.command(name="publish")
@click.option("--path", "-p", "path", default=".", show_default=True, type=click.Path(path_type=Path),
              help="Plugin folder (the one holding manifest.py).")  # fmt: skip
@namespace_option
@click.option("--archive-format", type=click.Choice(FORMATS), default="tar.gz", show_default=True,
              help="Archive container: tar.gz (as the official CLI) or zip.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Check and build the archive, upload nothing.")
@click.option("--yes", "-y", is_flag=True, help="Publish without asking for confirmation.")
@click.option("--skip-existing", is_flag=True,
              help="If this name and version are already published, say so and exit 0.")
@click.option("--archive", "archive_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Publish this prebuilt .tar.gz/.zip as it is (checked and scanned first; "
              "--path and --archive-format are not used).")  # fmt: skip
@json_option
def publish_command(
    path: Path,
    namespace: str | None,
    archive_format: str,
    dry_run: bool,
    yes: bool,
    skip_existing: bool,
    archive_file: Path | None,
    as_json: bool,
) -> None:
    """Check, archive and upload a plugin to a namespace.

    Runs the static checks and the security scan, builds a reproducible archive (secrets, caches
    and anything in .gitignore/.mixpeekignore left out), PUTs it to the presigned upload URL and
    confirms it. A manifest version vN is published as N.0.0. --dry-run stops before the network
    and prints the archive's path, size and sha256 (and, with `mixpeek -v`, every file in it).
    --json prints one JSON document and never asks (as --yes). --skip-existing makes an
    already published name and version (HTTP 409) a success, like twine's. --archive FILE
    publishes a prebuilt archive unchanged, after the same local checks on its contents.
    Exit 1 checks failed (here or on the server), 2 bad input or refused, 3 network or server.
    """
    from mixpeek_tools.plugin.folder import require_plugin
    from mixpeek_tools.publishing.publish_or_skip import prepare_source

    opts = settings()
    if archive_file is None:
        require_plugin(path)
    api = None if dry_run else connect_api(namespace)
    prepared = prepare_source(path, archive_file, archive_format, say=say)
    for finding in prepared.warnings:
        say(f"warning: {finding.location()} {finding.rule}: {finding.message}")
    if not as_json:
        _print_archive(prepared, opts.verbose)
    if api is None:
        _print_dry_run(prepared, as_json)
        return
    if not yes and opts.may_prompt and not as_json:
        click.confirm(
            f"Publish {prepared.metadata.name} ({prepared.version_note}) to {api.namespace} at "
            f"{api.base_url}?",
            abort=True,
        )
    _upload(prepared, api, skip_existing=skip_existing, as_json=as_json)


def _print_dry_run(prepared: Prepared, as_json: bool) -> None:
    """--dry-run: the archive is ready and nothing went over the network."""
    if as_json:
        emit_json({"dry_run": True, **_prepared_json(prepared)})
    else:
        click.echo(
            f"Dry run: {prepared.metadata.name} ({prepared.version_note}) is ready to publish; "
            "nothing was uploaded."
        )


def _upload(prepared: Prepared, api: PluginApi, *, skip_existing: bool, as_json: bool) -> None:
    """Upload and confirm, then print the outcome; --skip-existing turns a 409 into a success."""
    from mixpeek_tools.publishing.publish_or_skip import Skipped, publish_or_skip

    try:
        result = publish_or_skip(prepared, api, skip_existing=skip_existing, say=say)
    finally:
        api.close()
    if isinstance(result, Skipped):
        _print_skipped(prepared, result, as_json)
    elif as_json:
        emit_json({"dry_run": False, **_prepared_json(prepared), **_published_json(result)})
    else:
        _print_result(prepared, result, api.namespace)


def _print_skipped(prepared: Prepared, skipped: Skipped, as_json: bool) -> None:
    """--skip-existing: the 409 became a success; say whether the published code may differ."""
    note = (f"{skipped.name} {skipped.version} is already published in {skipped.namespace}; "
            "skipped (--skip-existing), nothing was uploaded.")  # fmt: skip
    if skipped.code_may_differ:
        note += (f" The published one reports code hash {skipped.code_hash}, which is not this "
                 f"archive's sha256 {prepared.archive.sha256}: its code may differ.")  # fmt: skip
    if as_json:
        emit_json({"dry_run": False, "skipped": True, "already_published": True,
                   "plugin_id": skipped.plugin_id or None, "code_hash": skipped.code_hash,
                   "code_may_differ": skipped.code_may_differ, **_prepared_json(prepared)})  # fmt: skip
    else:
        click.echo(note)


def _print_result(prepared: Prepared, result: Published, namespace: str) -> None:
    click.echo(
        f"Published {prepared.metadata.name} ({prepared.version_note}) to {namespace}: plugin "
        f"{result.plugin_id}, validation {result.validation_status or '-'}, deployment "
        f"{result.deployment_status or '-'}, status {result.status}."
    )
    if result.feature_uri:
        click.echo(f"Feature URI: {result.feature_uri}")
    if result.message:
        click.echo(result.message)


def _print_archive(prepared: Prepared, verbose: bool) -> None:
    archive = prepared.archive
    click.echo(f"Archive: {archive.path}")
    click.echo(f"Size:    {archive.size:,} bytes ({len(archive.entries)} files)")
    click.echo(f"SHA256:  {archive.sha256}")
    if verbose:
        for entry in archive.entries:
            click.echo(f"  {entry.size:>12,}  {entry.name}")


def _prepared_json(prepared: Prepared) -> dict[str, Any]:
    archive = prepared.archive
    return {
        "name": prepared.metadata.name,
        "manifest_version": prepared.metadata.version,
        "version": prepared.api_version,
        "archive": {
            "path": str(archive.path),
            "format": prepared.archive_format.value,
            "size": archive.size,
            "sha256": archive.sha256,
            "files": len(archive.entries),
        },
        "warnings": [
            {"rule": f.rule, "location": f.location(), "message": f.message}
            for f in prepared.warnings
        ],
    }


def _published_json(result: Published) -> dict[str, Any]:
    return {
        "plugin_id": result.plugin_id,
        "upload_id": result.upload_id,
        "validation_status": result.validation_status,
        "deployment_status": result.deployment_status,
        "validation_errors": result.validation_errors,
        "feature_uri": result.feature_uri,
        "s3_archive_url": result.s3_archive_url,
        "message": result.message,
    }
