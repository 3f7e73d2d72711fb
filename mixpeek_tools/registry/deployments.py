"""The registry's real deployer: each realtime plugin's service runs as a supervised child.

It implements the :class:`deployments_api.Deployer` protocol the routes call. A deployment is
queued; one worker thread takes deployments in order, marks each ``in_progress``, starts its
service (:mod:`realtime_supervisor`, the kit's own ``plugin serve`` under the registry's guards)
and marks it ``deployed`` once the service answers ``/health``, or ``failed`` with the service's
own error. A deployed service that dies is noticed and its deployment turns ``failed`` with the
exit reason (it is not restarted: the author's code crashed, and a restart loop would hide that).

The code served is always :func:`verified_copy`: the plugin's kept archive, re-checked against
the sha256 that was scanned, unpacked afresh by the bounded unpacker. Code whose scan failed is
never served. Deployments are keyed by namespace and plugin id (plugin ids are ``name_version``
and may repeat across namespaces). What was deployed before a restart is read back from the
plugin rows by :func:`server.start_deployer`, which calls :meth:`Deployer.start` again.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from mixpeek_tools.archives.unpack import UnsafeArchive, safe_unpack
from mixpeek_tools.registry.deployments_api import (
    NOT_DEPLOYED,
    DeploymentState,
    DeployTarget,
    NotDeployable,
)
from mixpeek_tools.registry.persistence import sha256_of
from mixpeek_tools.registry.realtime_supervisor import ServiceFailed, ServiceProcess

log = logging.getLogger(__name__)
# The wait a deploy answer promises per service ahead in the queue: generous, so that a client
# polling on it rarely finds the service still starting.
ESTIMATE_SECONDS = 15
_LIVE = ("queued", "in_progress", "deployed")

__all__ = ["Deployer", "NotDeployable", "Service", "verified_copy"]


class Service(Protocol):
    """One running realtime service: a supervised child (:class:`ServiceProcess`, the default)
    or a Ray Serve application (:class:`ray_serving.RayServeApp`)."""

    @property
    def base_url(self) -> str: ...

    def start(self) -> None: ...

    def watch(self, on_exit: Callable[[str], None]) -> None: ...

    def stop(self) -> None: ...


ServiceFactory = Callable[[Path, Path, DeployTarget], Service]


def child_process(code: Path, work_dir: Path, target: DeployTarget) -> Service:
    """The default service: the kit's ``plugin serve`` as a supervised child process."""
    return ServiceProcess(code, work_dir)


def verified_copy(target: DeployTarget, dest: Path) -> Path:
    """Unpack the target's kept archive into ``dest`` (emptied first); returns the plugin root.

    Refuses an archive that is missing or whose sha256 is not the one that was scanned.
    """
    archive = target.archive_path
    if not archive.is_file() or sha256_of(archive) != target.sha256:
        raise NotDeployable("the plugin's kept archive is missing or differs from what was scanned")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    try:
        root = safe_unpack(archive, dest).root
    except UnsafeArchive as err:
        raise NotDeployable(f"the kept archive no longer unpacks: {err}") from None
    if not (root / "realtime.py").is_file():
        raise NotDeployable("the plugin has no realtime.py; it deploys as batch-only")
    return root


@dataclass
class Deployment:
    target: DeployTarget
    code: Path
    state: DeploymentState
    service: Service | None = field(default=None, repr=False)


class Deployer:
    """All realtime deployments of one registry. Thread-safe; every public method returns at
    once (the service starts in the worker thread). ``service_factory`` makes each deployment's
    service (default: a child process); ``on_close`` runs first in :meth:`stop_all`, so an engine
    can stop all of its services at once."""

    def __init__(
        self, work_dir: Path, service_factory: ServiceFactory = child_process,
        on_close: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        self.work_dir = work_dir
        self._make_service = service_factory
        self._on_close = on_close
        self._deployments: dict[tuple[str, str], Deployment] = {}
        self._lock = threading.Lock()
        self._deploy_lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, daemon=True, name="deployer")
        self._worker.start()

    def folder(self, target: DeployTarget) -> Path:
        """The deployment's own folder: ``code/`` (verified copy), ``home/``, ``service.log``."""
        return self.work_dir / target.namespace_id / target.plugin_id

    # -- the Deployer protocol -------------------------------------------------------------------
    def start(self, target: DeployTarget) -> DeploymentState:
        """Queue ``target``; a deployment already queued, starting or running is answered as it
        stands. Raises :class:`NotDeployable` when the kept archive is not the scanned one."""
        key = _key(target)
        with self._deploy_lock:  # two deploys of one plugin must not unpack into one folder
            with self._lock:
                current = self._deployments.get(key)
                if current is not None and current.state.status in _LIVE:
                    return self._with_position(current)
            code = verified_copy(target, self.folder(target) / "code")
            state = DeploymentState("queued", "Queued for deployment of its realtime service.",
                                    queued_at=time.time())  # fmt: skip
            dep = Deployment(target, code, state)
            with self._lock:
                self._deployments[key] = dep
                self._queue.put(key)
                return self._with_position(dep)

    def stop(self, target: DeployTarget) -> bool:
        """Undeploy: stop the service if any; False when nothing was deployed."""
        with self._lock:
            dep = self._deployments.pop(_key(target), None)
        if dep is None:
            return False
        if dep.service is not None:
            dep.service.stop()
        shutil.rmtree(self.folder(target), ignore_errors=True)
        return True

    def state(self, target: DeployTarget) -> DeploymentState:
        with self._lock:
            dep = self._deployments.get(_key(target))
            return NOT_DEPLOYED if dep is None else self._with_position(dep)

    # -- beyond the protocol: the proxy and shutdown ---------------------------------------------
    def endpoint(self, namespace_id: str, plugin_id: str) -> str | None:
        """The base URL of a deployed realtime service, for the inference proxy."""
        with self._lock:
            dep = self._deployments.get((namespace_id, plugin_id))
            if dep is None or dep.state.status != "deployed" or dep.service is None:
                return None
            return dep.service.base_url

    def stop_all(self) -> None:
        """Stop every service (the registry is shutting down); the plugin rows keep what was
        deployed, so the next start deploys it again."""
        self._queue.put(None)
        if self._on_close is not None:  # first: an engine may stop all its services at once
            self._on_close()
        with self._lock:
            services = [d.service for d in self._deployments.values() if d.service is not None]
        for service in services:
            service.stop()

    # -- internals -------------------------------------------------------------------------------
    def _with_position(self, dep: Deployment) -> DeploymentState:
        if dep.state.status != "queued":
            return dep.state
        waiting = list(self._queue.queue)
        position = waiting.index(_key(dep.target)) if _key(dep.target) in waiting else 0
        return replace(dep.state, queue_position=position,
                       estimated_completion_seconds=ESTIMATE_SECONDS * (position + 1))  # fmt: skip

    def _set(self, dep: Deployment, **changes: object) -> None:
        dep.state = replace(dep.state, **changes)  # type: ignore[arg-type]

    def _work(self) -> None:
        while (key := self._queue.get()) is not None:
            try:
                self._bring_up(key)
            except Exception:  # the worker must outlive any one deployment
                log.exception("deployment of %s failed unexpectedly", key)

    def _bring_up(self, key: tuple[str, str]) -> None:
        with self._lock:
            dep = self._deployments.get(key)
            if dep is None or dep.state.status != "queued":
                return  # undeployed while it waited
            self._set(dep, status="in_progress", message="Starting the realtime service.",
                      estimated_completion_seconds=ESTIMATE_SECONDS)  # fmt: skip
            service = dep.service = self._make_service(dep.code, self.folder(dep.target),
                                                       dep.target)  # fmt: skip
        try:
            service.start()
        except (ServiceFailed, OSError) as err:
            self._fail(dep, str(err))
            return
        with self._lock:
            if self._deployments.get(key) is not dep:
                service.stop()
                return
            t = dep.target
            self._set(dep, status="deployed", deployed_at=time.time(),
                      estimated_completion_seconds=0,
                      message=f"{t.name} {t.version} is deployed; realtime service at "
                      f"{t.route_prefix}.")  # fmt: skip
        service.watch(lambda reason: self._fail(dep, reason))

    def _fail(self, dep: Deployment, reason: str) -> None:
        with self._lock:
            if self._deployments.get(_key(dep.target)) is not dep:
                return
            self._set(dep, status="failed", error=reason, estimated_completion_seconds=None,
                      message="The realtime service could not be kept running.")  # fmt: skip
        log.warning("deployment of %s failed: %s", dep.target.plugin_id, reason)


def _key(target: DeployTarget) -> tuple[str, str]:
    return target.namespace_id, target.plugin_id
