"""``mixpeek plugin serve``: run a plugin's realtime endpoint as a real HTTP server."""

from __future__ import annotations

import click

from mixpeek_tools.cli.context import settings


@click.command(name="serve")
@click.option("--path", "-p", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Plugin directory.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: one uvicorn process; ray: Ray Serve with the service's serve_config.")
@click.option("--reload", is_flag=True,
              help="Restart the server whenever a file of the plugin changes (local engine).")
def serve_command(path: str, host: str, port: int, engine: str, reload: bool) -> None:  # fmt: skip
    """Serve the plugin's realtime.py over HTTP.

    Endpoints: GET /health, POST /predict with {"inputs": {...}, "parameters": {...}}
    (validated against the plugin's schemas; 422 with field errors on bad input),
    GET /openapi.json and a GET /docs page. Stop with Ctrl+C (exit code 130).
    """
    from mixpeek_tools.plugin.folder import require_plugin
    from mixpeek_tools.runtime.serving.launch import serve_plugin, serve_reloading

    require_plugin(path)
    opts = settings()
    if reload:
        serve_reloading(path, host, port, engine=engine,
                        child_command=_child_command(path, host, port, opts.verbose, opts.quiet),
                        say=opts.say)  # fmt: skip
        return
    serve_plugin(path, host, port, engine=engine, verbose=opts.verbose, announce=_announce)


def _child_command(path: str, host: str, port: int, verbose: bool, quiet: bool) -> list[str]:
    """This serve command line without --reload: what the supervisor restarts on changes."""
    import sys

    return [sys.executable, "-m", "mixpeek_tools", *(["-v"] if verbose else []), "plugin",
            "serve", "--path", path, "--host", host, "--port", str(port),
            *(["-q"] if quiet else [])]  # fmt: skip


def _announce(name: str, version: str, host: str, port: int, engine: str) -> None:
    base = f"http://{host}:{port}"
    settings().say(
        f"Serving {name} {version} ({engine} engine) at {base}\n"
        f"  POST {base}/predict   GET {base}/health   docs: {base}/docs\n"
        "Press Ctrl+C to stop."
    )
