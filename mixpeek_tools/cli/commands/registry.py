"""``mixpeek registry serve / add-key``: run the local registry and hand out API keys."""

from __future__ import annotations

from pathlib import Path

import click

from mixpeek_tools.cli.context import settings

DATA_DIR_HELP = "Registry data folder (default: $MIXPEEK_REGISTRY_DIR or ~/.mixpeek/registry)."


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), help=DATA_DIR_HELP)
@click.option("--s3-endpoint-url", envvar="MIXPEEK_S3_ENDPOINT_URL",
              help="Use this S3-compatible endpoint (MinIO, real S3) instead of starting one on loopback.")  # fmt: skip
@click.option(
    "--s3-public-url",
    help="The storage address clients use, when it differs from the registry's (a proxy).",
)
@click.option(
    "--bucket", default="mixpeek-plugins", show_default=True, help="Bucket for uploaded archives."
)
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Realtime deployments: local: each a supervised `plugin serve` child; ray: each "
              "a Ray Serve application (joins $RAY_ADDRESS, else starts a local Ray).")  # fmt: skip
def serve_command(
    host: str,
    port: int,
    data_dir: Path | None,
    s3_endpoint_url: str | None,
    s3_public_url: str | None,
    bucket: str,
    engine: str,
) -> None:
    """Run a local registry that speaks the Mixpeek plugin API.

    Metadata goes to SQLite in the data folder; archives go to S3 through presigned POSTs: by
    default to an S3 endpoint the registry starts itself on loopback. The first start with an
    empty data folder creates namespace ns_default and prints a key for it. Deploying a plugin
    with realtime.py starts its service (--engine picks how) under /inference/custom_plugin_<id>.
    """
    from mixpeek_tools.registry.server import ServeOptions, serve

    options = ServeOptions(
        host=host,
        port=port,
        data_dir=data_dir,
        s3_endpoint_url=s3_endpoint_url,
        s3_public_url=s3_public_url,
        bucket=bucket,
        engine=engine,
        verbose=settings().verbose,
    )
    serve(options, say=settings().say)


@click.command(name="add-key")
@click.option(
    "--namespace", "-n", required=True, help="Namespace id (created if new), e.g. ns_team."
)
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), help=DATA_DIR_HELP)
def add_key_command(namespace: str, data_dir: Path | None) -> None:
    """Create an API key for a namespace; the key is printed alone on the last line."""
    from mixpeek_tools.registry.keys import create_key

    made = create_key(namespace, data_dir)
    settings().say(
        f"New API key for namespace {namespace} (registry data: {made.data_dir}); it is shown "
        "only once:"
    )
    click.echo(made.key)
