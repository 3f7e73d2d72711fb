"""``mixpeek plugin serve --engine ray``: the realtime endpoint as a Ray Serve application.

Each replica loads the plugin from its path and runs the very same Starlette app as the local
engine (``http_app.build_app``), through Ray Serve's late-bound ASGI ingress; so routes,
validation and error bodies are identical. Replica count, ``max_ongoing_requests``, actor
resources and autoscaling come from the service's ``serve_config`` (``ServeDeploymentConfig``).

The plugin is loaded once in the driver first, so a broken plugin fails fast with the usual
one-paragraph error before any Ray process starts. Replicas read the plugin from the same path:
with ``RAY_ADDRESS`` pointing at a remote cluster, that path must exist on its nodes too.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

from mixpeek_tools.errors import BadInput


class RealtimeIngress:
    """Ray Serve deployment body: builds the plugin's ASGI app inside the replica.

    With ``package_name`` the replica prefers the copy shipped through the deployment's
    ``runtime_env`` ``py_modules`` (:mod:`mixpeek_tools.runtime.shipping`), imported by that
    name; ``plugin_path`` is then only a fallback for workers that see the driver's disk.
    """

    def __init__(self, plugin_path: str, package_name: str | None = None) -> None:
        self.plugin_path = plugin_path
        self.package_name = package_name

    def __serve_build_asgi_app__(self) -> Any:
        from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint
        from mixpeek_tools.runtime.serving.http_app import build_app
        from mixpeek_tools.runtime.shipping import staged_root

        shipped = staged_root(self.package_name) if self.package_name else None
        path = str(shipped) if shipped is not None else self.plugin_path
        return build_app(RealtimeEndpoint.from_path(path))


def deployment_options(serve_config: Any) -> dict[str, Any]:
    """``serve.deployment`` keyword arguments from a ``ServeDeploymentConfig`` (or defaults)."""
    if serve_config is None:
        return {"num_replicas": 1}
    if hasattr(serve_config, "deployment_options"):
        return dict(serve_config.deployment_options())
    options: dict[str, Any] = {"num_replicas": getattr(serve_config, "num_replicas", 1) or 1}
    for key in ("max_ongoing_requests", "ray_actor_options", "autoscaling_config"):
        value = getattr(serve_config, key, None)
        if value:
            options[key] = value
    return options


def build_application(
    plugin_root: str, name: str, serve_config: Any, *,
    options: dict[str, Any] | None = None, package_name: str | None = None,
) -> Any:  # fmt: skip
    """The bound Ray Serve application for the plugin at ``plugin_root``; ``options`` (already
    made by :func:`deployment_options`) win over ``serve_config``."""
    from ray import serve

    ingress = serve.ingress()(RealtimeIngress)
    chosen = deployment_options(serve_config) if options is None else options
    deployment: Any = serve.deployment(ingress, name=f"{name}_realtime", **chosen)
    return deployment.bind(plugin_root, package_name)


def check_enabled(serve_config: Any, service_name: str) -> None:
    if serve_config is not None and getattr(serve_config, "enabled", True) is False:
        raise BadInput(
            f"{service_name}.serve_config has enabled=False, so the platform would not deploy it",
            where="realtime.py serve_config",
            hint="Set ServeDeploymentConfig(enabled=True, ...) to serve it, or use --engine local",
        )


def serve_with_ray(
    path: str, host: str, port: int, *, verbose: bool = False,
    announce: Callable[[str, str, str, int, str], None] | None = None,
    wait: bool = True,
) -> None:  # fmt: skip
    """Deploy the plugin on Ray Serve at ``host:port`` and block until Ctrl+C (or SIGTERM)."""
    from mixpeek_tools.runtime.engines.ray_engine import init_ray
    from mixpeek_tools.runtime.serving.endpoint import RealtimeEndpoint
    from mixpeek_tools.runtime.serving.http_app import check_port_free

    endpoint = RealtimeEndpoint.from_path(path)
    check_enabled(endpoint.serve_config, endpoint.service_class.__name__)
    check_port_free(host, port)
    started = init_ray(verbose=verbose)
    import ray
    from ray import serve

    try:
        logs = {"log_level": "INFO" if verbose else "WARNING", "enable_access_log": verbose}
        serve.start(http_options={"host": host, "port": port}, logging_config=logs)
        app = build_application(str(endpoint.plugin.root), endpoint.name, endpoint.serve_config)
        serve.run(app, name=endpoint.name, route_prefix="/", blocking=False, logging_config=logs)
        if announce is not None:
            announce(endpoint.name, endpoint.version, host, port, "ray")
        if wait:
            _block_until_stopped()
    finally:
        if wait:
            serve.shutdown()
            if started:
                ray.shutdown()


def _block_until_stopped() -> None:
    """Sleep until Ctrl+C; SIGTERM is turned into the same clean shutdown."""

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            time.sleep(0.5)
            # Ray's core worker may install its own C-level SIGTERM handler (which aborts the
            # process) after start-up; taking the signal back each tick keeps shutdown clean.
            signal.signal(signal.SIGTERM, stop)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
