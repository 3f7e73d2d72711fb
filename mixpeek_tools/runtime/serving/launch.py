"""``plugin serve`` as one library call: pick the engine, check the plugin and port, serve.

:func:`serve_plugin` serves in this process (uvicorn, or Ray Serve with the service's
``serve_config``); :func:`serve_reloading` checks the plugin and the port here, so the user gets
a clear error and the right exit code, then restarts ``child_command`` (the CLI's own serve
command line) whenever a file of the plugin changes. The banner text is the caller's
(``announce``), so this module prints nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mixpeek_tools.errors import BadInput

Announce = Callable[[str, str, str, int, str], None]  # name, version, host, port, engine


def serve_plugin(
    path: str, host: str, port: int, *, engine: str = "local", verbose: bool = False,
    announce: Announce | None = None,
) -> None:  # fmt: skip
    """Serve the plugin at ``path`` until Ctrl+C; ``announce`` runs once the port is known free."""
    if engine == "ray":
        from mixpeek_tools.runtime.serving.ray_serve import serve_with_ray

        serve_with_ray(path, host, port, verbose=verbose, announce=announce)
        return
    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint
    from mixpeek_tools.runtime.serving.http_app import check_port_free, serve_local

    endpoint = RealtimeEndpoint.from_path(path)
    check_port_free(host, port)
    if announce is not None:
        announce(endpoint.name, endpoint.version, host, port, "local")
    serve_local(endpoint, host, port, verbose=verbose)


def serve_reloading(
    path: str, host: str, port: int, *, engine: str, child_command: list[str],
    say: Callable[[str], None],
) -> None:  # fmt: skip
    """Check the plugin and port here, then run ``child_command``, restarting it on changes."""
    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint
    from mixpeek_tools.runtime.serving.http_app import check_port_free
    from mixpeek_tools.runtime.serving.reload import supervise

    if engine != "local":
        raise BadInput("--reload works with the local engine only", where="--engine ray",
                       hint="Drop --reload, or serve with --engine local while editing")  # fmt: skip
    endpoint = RealtimeEndpoint.from_path(path)
    check_port_free(host, port)
    say(f"Watching {endpoint.plugin.root} for changes (--reload).")
    supervise(child_command, Path(endpoint.plugin.root), say=say)
