"""Deploy as the platform does: batch-only plugins at once, realtime plugins through a queue.

A plugin without ``realtime.py`` is deployed on the spot (its batch pipeline needs no running
service): ``{status: "deployed", deployment_type: "batch_only", message}``. A plugin with
``realtime.py`` is queued; one worker thread takes deployments in order, marks each
``in_progress``, starts its service (:mod:`realtime_supervisor`) and marks it ``deployed`` once
the service answers, or ``failed`` with the service's own error. A deployed service that dies is
noticed and its deployment turns ``failed`` with the exit reason (it is not restarted: the
author's code crashed, and a restart loop would hide that).

The code served is always :func:`verified_copy`: the plugin's kept archive, checked against the
sha256 that was scanned, unpacked afresh by ``unpack``. Code whose scan failed is never served.

Wanted deployments are written to ``deployments.json`` so a restarted registry brings them back
(:meth:`Deployer.resume`).
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mixpeek_tools.registry.persistence import kept_archive, sha256_of
from mixpeek_tools.registry.realtime_supervisor import ServiceFailed, ServiceProcess
from mixpeek_tools.registry.unpack import UnsafeArchive, safe_unpack

log = logging.getLogger(__name__)
ESTIMATE_SECONDS = 15  # measured: the fixture plugin's service answers in 2-6 s on 2 cores
STATE_FILE = "deployments.json"


class NotDeployable(ValueError):
    """The plugin may not be served (failed its checks, or its kept archive is not intact)."""


def deployment_name(plugin_id: str) -> str:
    return f"custom_plugin_{plugin_id}"


def route_prefix(plugin_id: str) -> str:
    return f"/inference/{deployment_name(plugin_id)}"


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()


def verified_copy(data_dir: Path, plugin: dict[str, Any], dest: Path) -> Path:
    """Unpack the plugin's kept archive into ``dest`` (emptied first); returns the plugin root.

    Refuses a plugin that failed its scan or checks, and an archive whose sha256 is not the one
    that was scanned.
    """
    if plugin.get("status") == "failed" or not plugin.get("security_scan_passed"):
        raise NotDeployable("this plugin failed its security scan or checks; it cannot be served")
    archive = kept_archive(data_dir, plugin["plugin_id"])
    if not archive.is_file() or sha256_of(archive) != plugin["sha256"]:
        raise NotDeployable("the plugin's kept archive is missing or differs from what was scanned")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    try:
        return safe_unpack(archive, dest).root
    except UnsafeArchive as err:
        raise NotDeployable(f"the kept archive no longer unpacks: {err}") from None


@dataclass
class Deployment:
    plugin_id: str
    namespace_id: str
    name: str
    version: str
    plugin_dir: str
    realtime: bool
    feature_uri: str | None = None
    status: str = "queued"
    message: str = ""
    queued_at: float = field(default_factory=time.time)
    deployed_at: float | None = None
    error: str | None = None
    service: ServiceProcess | None = field(default=None, repr=False, compare=False)

    def record(self) -> dict[str, Any]:
        """The fields of the platform's ``GET .../status``."""
        deployed = self.status == "deployed"
        return {
            "plugin_id": self.plugin_id, "namespace_id": self.namespace_id, "status": self.status,
            "name": self.name, "version": self.version, "realtime_enabled": self.realtime,
            "message": self.message, "queued_at": _iso(self.queued_at),
            "estimated_completion_seconds": ESTIMATE_SECONDS if self.realtime else 0,
            "deployed": deployed, "route_prefix": route_prefix(self.plugin_id) if self.realtime
            else None, "feature_uri": self.feature_uri,
            "deployed_at": _iso(self.deployed_at), "error": self.error,
        }  # fmt: skip

    def wanted(self) -> dict[str, Any]:
        """What :meth:`Deployer.resume` needs to deploy this again after a restart."""
        keep = ("plugin_id", "namespace_id", "name", "version", "plugin_dir", "realtime",
                "feature_uri")  # fmt: skip
        return {k: getattr(self, k) for k in keep}


StatusHook = Callable[[str, str], None]


class Deployer:
    """All deployments of one registry. Thread-safe; every public method returns at once."""

    def __init__(self, work_dir: Path, *, on_change: StatusHook | None = None) -> None:
        self.work_dir = work_dir
        self.on_change = on_change or (lambda plugin_id, status: None)
        self._deployments: dict[str, Deployment] = {}
        self._lock = threading.Lock()
        self._deploy_lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, daemon=True, name="deployer")
        self._worker.start()

    def code_dir(self, plugin_id: str) -> Path:
        """Where :func:`verified_copy` should unpack this plugin's code for serving."""
        return self.work_dir / plugin_id / "code"

    # -- public ----------------------------------------------------------------------------------
    def deploy(
        self, data_dir: Path, plugin: dict[str, Any], *, feature_uri: str | None = None
    ) -> dict[str, Any]:
        """The one call a deploy route makes: serve ``plugin`` (a store row) from its verified
        code. A deployment already queued, starting or running is answered as it stands.
        Raises :class:`NotDeployable`."""
        with self._deploy_lock:  # two deploys of one plugin must not unpack into one folder
            with self._lock:
                current = self._deployments.get(plugin["plugin_id"])
                if current is not None and current.status in ("queued", "in_progress", "deployed"):
                    return self._answer(current)
            code = verified_copy(data_dir, plugin, self.code_dir(plugin["plugin_id"]))
            return self.start(plugin["plugin_id"], code, namespace_id=plugin["namespace_id"],
                          name=plugin["name"], version=plugin["version"],
                          feature_uri=feature_uri)  # fmt: skip

    def start(
        self, plugin_id: str, plugin_dir: Path, *, namespace_id: str, name: str, version: str,
        feature_uri: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Deploy; returns the platform's deploy answer (batch-only or queued)."""
        realtime = (plugin_dir / "realtime.py").is_file()
        with self._lock:
            current = self._deployments.get(plugin_id)
            if current is not None and current.status in ("queued", "in_progress", "deployed"):
                return self._answer(current)
            dep = Deployment(plugin_id, namespace_id, name, version, str(plugin_dir), realtime,
                             feature_uri)  # fmt: skip
            self._deployments[plugin_id] = dep
            if not realtime:
                self._set(dep, "deployed", f"{name} {version} is deployed (batch only).")
            else:
                dep.message = "Queued for deployment of its realtime service."
                self._queue.put(plugin_id)
            self._save()
        if not realtime:
            self.on_change(plugin_id, "deployed")
        return self._answer(dep)

    def stop(self, plugin_id: str) -> bool:
        """Undeploy: stop the service if any; False when nothing was deployed."""
        with self._lock:
            dep = self._deployments.pop(plugin_id, None)
            self._save()
        if dep is None:
            return False
        if dep.service is not None:
            dep.service.stop()
        shutil.rmtree(self.work_dir / plugin_id, ignore_errors=True)
        self.on_change(plugin_id, "not_deployed")
        return True

    def status(self, plugin_id: str) -> dict[str, Any] | None:
        """The status record, or None when the plugin is not deployed (see :func:`idle_status`)."""
        with self._lock:
            dep = self._deployments.get(plugin_id)
            return None if dep is None else dep.record()

    def target(self, plugin_id: str) -> tuple[str, str] | None:
        """``(namespace_id, base URL)`` of a deployed realtime service, for the proxy."""
        with self._lock:
            dep = self._deployments.get(plugin_id)
            if dep is None or dep.status != "deployed" or dep.service is None:
                return None
            return dep.namespace_id, dep.service.base_url

    def pid(self, plugin_id: str) -> int | None:
        with self._lock:
            dep = self._deployments.get(plugin_id)
            return None if dep is None or dep.service is None else dep.service.pid

    def stop_all(self) -> None:
        """Stop every service (the registry is shutting down); the wanted list is kept."""
        self._queue.put(None)
        with self._lock:
            services = [d.service for d in self._deployments.values() if d.service is not None]
        for service in services:
            service.stop()

    def resume(self, prepare: Callable[[dict[str, Any]], Path | None]) -> int:
        """Deploy again what was deployed before a restart; ``prepare(wanted)`` gives fresh
        verified code (or None when the plugin is gone). Returns how many were resumed."""
        path = self.work_dir / STATE_FILE
        try:
            wanted = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0
        count = 0
        for item in wanted:
            code = prepare(item)
            if code is not None:
                self.start(item["plugin_id"], code, namespace_id=item["namespace_id"],
                           name=item["name"], version=item["version"],
                           feature_uri=item.get("feature_uri"))  # fmt: skip
                count += 1
        return count

    # -- internals -------------------------------------------------------------------------------
    def _answer(self, dep: Deployment) -> dict[str, Any]:
        if not dep.realtime:
            return {"status": "deployed", "deployment_type": "batch_only", "message": dep.message,
                    "plugin_id": dep.plugin_id}  # fmt: skip
        position = list(self._queue.queue).index(dep.plugin_id) if dep.status == "queued" and \
            dep.plugin_id in self._queue.queue else 0  # fmt: skip
        return {
            "status": dep.status, "plugin_id": dep.plugin_id,
            "deployment_name": deployment_name(dep.plugin_id),
            "route_prefix": route_prefix(dep.plugin_id),
            "estimated_completion_seconds": ESTIMATE_SECONDS * (position + 1),
            "queue_position": position, "message": dep.message,
            "status_endpoint": f"/v1/namespaces/{dep.namespace_id}/plugins/{dep.plugin_id}/status",
        }  # fmt: skip

    def _set(self, dep: Deployment, status: str, message: str, error: str | None = None) -> None:
        dep.status, dep.message, dep.error = status, message, error
        if status == "deployed":
            dep.deployed_at = time.time()

    def _save(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        path = self.work_dir / STATE_FILE
        part = path.with_suffix(".part")
        part.write_text(json.dumps([d.wanted() for d in self._deployments.values()]), "utf-8")
        part.replace(path)

    def _work(self) -> None:
        while (plugin_id := self._queue.get()) is not None:
            try:
                self._bring_up(plugin_id)
            except Exception:  # the worker must outlive any one deployment
                log.exception("deployment of %s failed unexpectedly", plugin_id)

    def _bring_up(self, plugin_id: str) -> None:
        with self._lock:
            dep = self._deployments.get(plugin_id)
            if dep is None or dep.status != "queued":
                return  # undeployed while it waited
            self._set(dep, "in_progress", "Starting the realtime service.")
            service = dep.service = ServiceProcess(Path(dep.plugin_dir),
                                                   self.work_dir / plugin_id)  # fmt: skip
        try:
            service.start()
        except (ServiceFailed, OSError) as err:
            self._fail(dep, str(err))
            return
        with self._lock:
            if self._deployments.get(plugin_id) is not dep:
                service.stop()
                return
            self._set(dep, "deployed", f"{dep.name} {dep.version} is deployed; realtime "
                      f"service at {route_prefix(plugin_id)}.")  # fmt: skip
        service.watch(lambda reason: self._fail(dep, reason))
        self.on_change(plugin_id, "deployed")

    def _fail(self, dep: Deployment, reason: str) -> None:
        with self._lock:
            if self._deployments.get(dep.plugin_id) is not dep:
                return
            self._set(dep, "failed", "The realtime service could not be kept running.", reason)
        log.warning("deployment of %s failed: %s", dep.plugin_id, reason)
        self.on_change(dep.plugin_id, "failed")


def idle_status(plugin: dict[str, Any]) -> dict[str, Any]:
    """The status record of a plugin that is not deployed."""
    return {
        "plugin_id": plugin["plugin_id"], "namespace_id": plugin["namespace_id"],
        "status": "not_deployed", "name": plugin["name"], "version": plugin["version"],
        "realtime_enabled": False, "message": "Not deployed.", "queued_at": None,
        "estimated_completion_seconds": None, "deployed": False, "route_prefix": None,
        "feature_uri": plugin.get("feature_uri"), "deployed_at": None, "error": None,
    }  # fmt: skip
