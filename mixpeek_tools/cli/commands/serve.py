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

    require_plugin(path)
    verbose = settings().verbose
    if reload:
        _serve_with_reload(path, host, port, engine, verbose)
        return
    if engine == "ray":
        from mixpeek_tools.runtime.serving.ray_serve import serve_with_ray

        serve_with_ray(path, host, port, verbose=verbose, announce=_announce)
        return
    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint
    from mixpeek_tools.runtime.serving.http_app import check_port_free, serve_local

    endpoint = RealtimeEndpoint.from_path(path)
    check_port_free(host, port)
    _announce(endpoint.name, endpoint.version, host, port, "local")
    serve_local(endpoint, host, port, verbose=verbose)


def _serve_with_reload(path: str, host: str, port: int, engine: str, verbose: bool) -> None:
    """Check the plugin and port here (clear errors, right exit codes), then supervise a child."""
    import sys
    from pathlib import Path

    from mixpeek_tools.errors import BadInput
    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint
    from mixpeek_tools.runtime.serving.http_app import check_port_free
    from mixpeek_tools.runtime.serving.reload import supervise

    if engine != "local":
        raise BadInput("--reload works with the local engine only", where="--engine ray",
                       hint="Drop --reload, or serve with --engine local while editing")  # fmt: skip
    endpoint = RealtimeEndpoint.from_path(path)
    check_port_free(host, port)
    command = [sys.executable, "-m", "mixpeek_tools", *(["-v"] if verbose else []), "plugin",
               "serve", "--path", path, "--host", host, "--port", str(port)]  # fmt: skip
    quiet = ["-q"] if settings().quiet else []
    settings().say(f"Watching {endpoint.plugin.root} for changes (--reload).")
    supervise([*command, *quiet], Path(endpoint.plugin.root), say=settings().say)


def _announce(name: str, version: str, host: str, port: int, engine: str) -> None:
    base = f"http://{host}:{port}"
    settings().say(
        f"Serving {name} {version} ({engine} engine) at {base}\n"
        f"  POST {base}/predict   GET {base}/health   docs: {base}/docs\n"
        "Press Ctrl+C to stop."
    )
