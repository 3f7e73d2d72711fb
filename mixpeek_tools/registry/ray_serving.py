"""The registry's Ray engine (``mixpeek registry serve --engine ray``): one Ray Serve application
per realtime deployment.

The registry joins ``RAY_ADDRESS`` or starts a Ray of its own (the kit's :func:`init_ray`, as
``plugin serve --engine ray`` and ``plugin run --engine ray`` do) and starts Serve with its HTTP
proxy on a free loopback port. A deployment then

1. ships the verified copy of the plugin (the unpacked, scanned archive) as exactly the file set
   ``publish`` ships (:mod:`mixpeek_tools.runtime.shipping`), uploaded once into Ray's object
   store and named in the deployment's ``runtime_env`` ``py_modules``, so replicas import it on
   any node;
2. reads the service's ``serve_config`` in a Ray task (plugin code never runs in the registry's
   own process) and refuses ``enabled=False`` as the platform would;
3. runs the application under ``/<namespace>/inference/custom_plugin_<id>`` on Serve's proxy
   (route prefixes are unique per Serve instance, plugin ids only per namespace) and waits until
   Serve says ``RUNNING``, or ends ``failed`` with Serve's own message.

Clients call the route the status names on the registry (``/inference/custom_plugin_<id>``,
with their key); the registry's proxy forwards it to Serve's. Undeploy and delete remove the
application (``serve.delete``). Serve restarts a crashed replica itself; the deployment turns
``failed`` only when Serve gives the application up (``DEPLOY_FAILED``) or it disappears.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import EnvironmentFailure
from mixpeek_tools.registry.deployments_api import DeployTarget
from mixpeek_tools.registry.realtime_supervisor import ServiceFailed, free_port

log = logging.getLogger(__name__)
START_TIMEOUT = 300.0
POLL_SECONDS = 0.5
WATCH_SECONDS = 2.0
CONSTRUCTOR_RETRIES = 2  # Serve's default (20) makes a crashing plugin take minutes to fail
MESSAGE_LINES = 15
APP_MARK = "__custom_plugin_"  # the registry's application names: <ns>__custom_plugin_<id>


def inspect_shipped(package_name: str) -> dict[str, Any]:
    """Run in a Ray task with the deployment's ``runtime_env``: the ``serve.deployment`` options
    of the shipped plugin's service, or ``{"error": paragraph}``."""
    from mixpeek_tools.errors import KitError
    from mixpeek_tools.plugin.loader import load_plugin
    from mixpeek_tools.runtime.serving.endpoint import NoRealtimeService, find_service_class
    from mixpeek_tools.runtime.serving.ray_serve import check_enabled, deployment_options
    from mixpeek_tools.runtime.shipping import staged_root

    root = staged_root(package_name)
    if root is None:
        return {"error": f"the shipped plugin package {package_name} is not importable on Ray"}
    try:
        plugin = load_plugin(root)
        if plugin.realtime is None:
            raise NoRealtimeService("the plugin has no realtime.py", where=str(root))
        service = find_service_class(plugin.realtime, "realtime.py")
        config = getattr(service, "serve_config", None)
        check_enabled(config, service.__name__)
        return {"options": deployment_options(config)}
    except KitError as err:
        return {"error": err.paragraph()}


def ship(code: Path, package_name: str) -> dict[str, Any]:
    """Stage ``code`` as ``package_name`` and upload it; the ``runtime_env`` that names it.

    Ray uploads local ``py_modules`` folders only for a job's own ``runtime_env``; a deployment's
    must name a package already in the cluster, so the registry uploads it here (the same
    content-addressed upload ``ray.init`` does).
    """
    from ray._private.runtime_env.py_modules import upload_py_modules_if_needed

    from mixpeek_tools.runtime.shipping import remove_stage, stage_package

    stage = stage_package(code, package_name)
    try:
        with tempfile.TemporaryDirectory(prefix="mixpeek-ray-upload-") as scratch:
            env = upload_py_modules_if_needed(
                {"py_modules": [str(stage)]}, include_gitignore=False, scratch_dir=scratch
            )
    finally:
        remove_stage(stage)
    return {"py_modules": list(env["py_modules"])}


def package_name(code: Path) -> str:
    """The import name the shipped copy gets: the plugin folder's, unless the registry's own
    Python already has a module of that name (a library or the stdlib would shadow it)."""
    from mixpeek_tools.plugin.loader import package_name_for

    name = package_name_for(code)
    with contextlib.suppress(ImportError, ValueError):
        if importlib.util.find_spec(name) is not None:
            return f"mixpeek_plugin_{name}"
    return name


def short(message: str, lines: int = MESSAGE_LINES) -> str:
    """The last lines of Serve's message (its tracebacks run long; the cause is at the end)."""
    return "\n".join(message.strip().splitlines()[-lines:])


# Serve registers modules for pickle by value and removes them again, process-wide, whenever it
# builds a deployment's config, and every RequestRouterConfig it parses (serve.status too) does
# the same: two such calls at once in the registry's threads (a deploy and a status poll) make
# one removal fail ("... is not registered for pickle by value"). One Serve call at a time.
SERVE_CALLS = threading.Lock()


class RayServe:
    """The registry's Ray session and Serve instance; makes one :class:`RayServeApp` per
    deployment (the :class:`deployments.Deployer`'s service factory)."""

    def __init__(self, *, verbose: bool = False) -> None:
        from mixpeek_tools.runtime.engines.ray.session import init_ray

        joined = bool(os.environ.get("RAY_ADDRESS"))  # what init_ray joins when it is set
        self.connected = init_ray(verbose=verbose)  # this process called ray.init
        self.own_cluster = self.connected and not joined  # a Ray that lives and dies with us
        self.closed = False
        self.apps: set[RayServeApp] = set()
        self._lock = threading.Lock()
        from ray import serve

        logs = {"log_level": "INFO" if verbose else "WARNING", "enable_access_log": verbose}
        try:
            serve.start(http_options={"host": "127.0.0.1", "port": free_port()},
                        logging_config=logs)  # fmt: skip
        except Exception as err:  # a cluster without room for Serve's controller, ...
            if self.connected:
                import ray

                ray.shutdown()
            raise EnvironmentFailure(
                f"Ray Serve did not start: {type(err).__name__}: {short(str(err))}",
                where="--engine ray",
                hint="Check the Ray cluster (RAY_ADDRESS), or use --engine local",
            ) from None
        if not verbose:
            _quiet()  # serve.start configures Serve's loggers anew
        self.logging_config = logs
        self.http_base = proxy_base()
        if not self.own_cluster:
            remove_leftovers()

    def service(self, code: Path, work_dir: Path, target: DeployTarget) -> RayServeApp:
        app = RayServeApp(self, code, target)
        with self._lock:
            self.apps.add(app)
        return app

    def forget(self, app: RayServeApp) -> None:
        with self._lock:
            self.apps.discard(app)

    def close(self) -> None:
        """Stop every application at once: shut down Serve and Ray when the registry started
        them, else delete its own applications and leave the joined cluster's Serve running."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            apps = list(self.apps)
        for app in apps:
            app.stopping.set()
        import ray
        from ray import serve

        if not self.own_cluster:
            for app in apps:
                app.delete()
            if self.connected:
                ray.shutdown()  # disconnects; the cluster and its Serve stay
            return

        with contextlib.suppress(Exception):  # shutting down: report nothing, stop the rest
            serve.shutdown()
        ray.shutdown()


def _quiet() -> None:
    from mixpeek_tools.runtime.engines.ray.session import QUIET_LOGGERS

    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def remove_leftovers() -> None:
    """On a joined cluster: delete the applications a previous run of a registry left (it was
    killed before it could). The deployments the plugin rows still name are started again, from
    their verified archives, by ``server.resume_deployments``."""
    from ray import serve

    with SERVE_CALLS:
        names = list(serve.status().applications)
    for name in names:
        if APP_MARK in name:
            log.info("removing the leftover Ray Serve application %s", name)
            with contextlib.suppress(Exception), SERVE_CALLS:
                serve.delete(name)


def proxy_base() -> str:
    """Where Serve's HTTP proxy answers on this machine (a Serve that was already running on
    the joined cluster keeps its own port)."""
    from ray.serve.context import _get_global_client

    client = _get_global_client()
    if client is None:
        raise ServiceFailed("Ray Serve is not running")
    config = client.http_config
    host = "127.0.0.1" if config.host in ("0.0.0.0", "::", "", None) else config.host  # nosec B104
    return f"http://{host}:{config.port}"


class RayServeApp:
    """One plugin as a Ray Serve application; the same interface as
    :class:`realtime_supervisor.ServiceProcess` (``start``, ``watch``, ``stop``, ``base_url``)."""

    def __init__(self, engine: RayServe, code: Path, target: DeployTarget) -> None:
        self.engine = engine
        self.code = code
        self.target = target
        self.app_name = f"{target.namespace_id}__{target.deployment_name}"
        self.serve_prefix = f"/{target.namespace_id}{target.route_prefix}"
        self.stopping = threading.Event()

    @property
    def base_url(self) -> str:
        return self.engine.http_base + self.serve_prefix

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Ship, inspect, run; return once Serve says ``RUNNING``, else raise ServiceFailed."""
        from mixpeek_tools.runtime.serving.ray_serve import build_application

        try:
            name = package_name(self.code)
            env = ship(self.code, name)
            options = self._options(env, name)
            with SERVE_CALLS:
                app = build_application(str(self.code), self.target.deployment_name, None,
                                        options=options, package_name=name)  # fmt: skip
                self._run(app)
        except ServiceFailed:
            raise
        except Exception as err:  # Ray's own failures (cluster gone, upload refused, ...)
            raise ServiceFailed(
                f"Ray Serve could not start the application: {short(str(err))}"
            ) from None
        self._wait_running(timeout)

    def _options(self, env: dict[str, Any], name: str) -> dict[str, Any]:
        import ray

        task = ray.remote(num_cpus=0, max_retries=0, runtime_env=env)(inspect_shipped)
        found = ray.get(task.remote(name), timeout=START_TIMEOUT)
        if "error" in found:
            raise ServiceFailed(f"the realtime service cannot be deployed: {found['error']}")
        options = dict(found["options"])
        actor = dict(options.get("ray_actor_options") or {})
        own_env = dict(actor.get("runtime_env") or {})
        own_env["py_modules"] = [*own_env.get("py_modules", []), *env["py_modules"]]
        actor["runtime_env"] = own_env
        options["ray_actor_options"] = actor
        from ray import serve

        if "max_constructor_retry_count" in inspect.signature(serve.deployment).parameters:
            options.setdefault("max_constructor_retry_count", CONSTRUCTOR_RETRIES)
        return options

    def _run(self, app: Any) -> None:
        from ray import serve

        run: Callable[..., Any] | None = getattr(serve, "_run", None)  # returns without waiting
        kwargs: dict[str, Any] = {"name": self.app_name, "route_prefix": self.serve_prefix,
                  "logging_config": self.engine.logging_config}  # fmt: skip
        if run is not None:
            run(app, _blocking=False, **kwargs)
        else:
            serve.run(app, **kwargs)

    def _wait_running(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stopping.is_set():
                self.delete()  # undeployed while Serve was still starting it
                raise ServiceFailed("the deployment was stopped while it started")
            status, message = self.app_status()
            if status == "RUNNING":
                return
            if status in ("DEPLOY_FAILED", None):
                self.stop()
                raise ServiceFailed(
                    f"Ray Serve could not deploy the realtime service: {short(message)}"
                    if status else "the Ray Serve application disappeared while it started"
                )  # fmt: skip
            time.sleep(POLL_SECONDS)
        self.stop()
        raise ServiceFailed(f"the Ray Serve application was not RUNNING within {timeout:.0f} s")

    def app_status(self) -> tuple[str | None, str]:
        """Serve's status of this application (``None`` when it is not there) and message."""
        from ray import serve

        with SERVE_CALLS:
            app = serve.status().applications.get(self.app_name)
        if app is None:
            return None, ""
        # The application's message only names its failed deployments; theirs hold the cause.
        details = [str(d.message) for d in (app.deployments or {}).values() if d.message]
        message = "\n".join([str(app.message or ""), *details]).strip()
        return str(getattr(app.status, "value", app.status)), message

    def watch(self, on_exit: Callable[[str], None]) -> None:
        """Call ``on_exit(reason)`` when Serve gives the application up without :meth:`stop`."""

        def poll() -> None:
            while not self.stopping.wait(WATCH_SECONDS):
                try:
                    status, message = self.app_status()
                except Exception as err:  # the cluster itself went away
                    status, message = "UNREACHABLE", str(err)
                if self.stopping.is_set():
                    return
                if status in (None, "DEPLOY_FAILED", "UNREACHABLE"):
                    what = "was removed" if status is None else f"is {status}"
                    on_exit(f"the Ray Serve application {what} while deployed"
                            + (f": {short(message)}" if message else ""))  # fmt: skip
                    return

        threading.Thread(target=poll, daemon=True, name=f"watch-{self.app_name}").start()

    def stop(self) -> None:
        """Delete the application from Serve (waits until it is gone); nothing to do once the
        engine is closed (it stopped every application)."""
        self.stopping.set()
        self.engine.forget(self)
        if not self.engine.closed:
            self.delete()

    def delete(self) -> None:
        from ray import serve

        try:
            with SERVE_CALLS:
                serve.delete(self.app_name)
        except Exception as err:  # already gone, or Ray is shutting down
            log.debug("serve.delete(%s): %s", self.app_name, err)
