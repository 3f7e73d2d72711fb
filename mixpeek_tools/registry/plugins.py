"""Read and manage plugins: list, show, delete, deploy, status, undeploy, enable, disable.

Answers are plain dicts in the shapes of :mod:`schemas`; the routes only authorise and call
these. Realtime deployments go through ``registry.deployer`` (see :mod:`deployments_api`);
batch-only plugins are deployed on the spot, as the platform does.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from mixpeek_tools.registry.api_errors import ApiFailure, not_found
from mixpeek_tools.registry.context import Registry
from mixpeek_tools.registry.deployments_api import DeploymentState, DeployTarget, NotDeployable
from mixpeek_tools.registry.naming import feature_uri
from mixpeek_tools.registry.persistence import restore_one
from mixpeek_tools.registry.presign import presign_get
from mixpeek_tools.registry.uploads import s3_url_of

DOWNLOAD_EXPIRES_SECONDS = 3600


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()


def find(registry: Registry, ns: str, pid: str) -> dict[str, Any]:
    plugin = registry.store.plugin(ns, pid)
    if plugin is None:
        raise not_found("plugin", pid, ns)
    return plugin


def target(registry: Registry, plugin: dict[str, Any]) -> DeployTarget:
    return DeployTarget(
        namespace_id=plugin["namespace_id"], plugin_id=plugin["plugin_id"], name=plugin["name"],
        version=plugin["version"], realtime=plugin["realtime"], sha256=plugin["code_hash"],
        archive_path=registry.archive_path(plugin["namespace_id"], plugin["plugin_id"],
                                           plugin["archive_format"]),
    )  # fmt: skip


def sync(registry: Registry, plugin: dict[str, Any]) -> dict[str, Any]:
    """A realtime plugin's deployment fields refreshed from the deployer."""
    if not plugin["realtime"] or plugin["deployment_status"] == "not_deployed":
        return plugin
    state = registry.deployer.state(target(registry, plugin))
    status = "deployed" if state.status == "deployed" else _stored(state)
    if status != plugin["deployment_status"] or state.deployed_at != plugin["deployed_at"]:
        registry.store.set_deployment(
            plugin["namespace_id"], plugin["plugin_id"], status, state.deployed_at
        )
        plugin = {**plugin, "deployment_status": status, "deployed_at": state.deployed_at}
    return {**plugin, "_state": state}


def _stored(state: DeploymentState) -> str:
    return {"failed": "failed", "not_deployed": "not_deployed"}.get(state.status, "pending")


# -- listing -------------------------------------------------------------------------------------


def list_answer(registry: Registry, ns: str) -> dict[str, Any]:
    items = [_item(sync(registry, p)) for p in registry.store.plugins(ns)]
    return {"success": True, "plugins": items, "total": len(items), "namespace_id": ns}


def _item(p: dict[str, Any]) -> dict[str, Any]:
    return {"plugin_id": p["plugin_id"], "name": p["name"], "version": p["version"],
            "description": p["description"], "deployed": p["deployment_status"] == "deployed",
            "validation_status": p["validation_status"],
            "feature_uri": feature_uri(p["name"], p["version"]),
            "created_at": iso(p["created_at"]), "updated_at": iso(p["updated_at"])}  # fmt: skip


def available_answer(registry: Registry, ns: str) -> dict[str, Any]:
    enabled = registry.store.enabled(ns)
    items = [
        {"plugin_id": p["plugin_id"], "name": p["name"], "version": p["version"],
         "description": p["description"], "feature_uri": feature_uri(p["name"], p["version"]),
         "validation_status": p["validation_status"],
         "enabled_in_namespace": p["namespace_id"] == ns
         or (p["namespace_id"], p["plugin_id"]) in enabled,
         "created_at": iso(p["created_at"])}
        for p in registry.store.passed_plugins()
    ]  # fmt: skip
    return {"success": True, "plugins": items, "total": len(items),
            "organization_id": registry.organization_id, "namespace_id": ns}  # fmt: skip


def detail_answer(registry: Registry, ns: str, pid: str, presigned: bool) -> dict[str, Any]:
    p = sync(registry, find(registry, ns, pid))
    deployed = p["deployment_status"] == "deployed"
    t = target(registry, p)
    info = None
    if deployed:
        info = {"ray_cluster_url": None, "ray_deployment_name": t.deployment_name if p["realtime"]
                else None, "feature_uri": feature_uri(p["name"], p["version"]),
                "deployed_at": iso(p["deployed_at"])}  # fmt: skip
    plugin = {
        "plugin_id": p["plugin_id"], "namespace_id": ns, "organization_id": registry.organization_id,
        "name": p["name"], "version": p["version"], "description": p["description"],
        "s3_archive_url": s3_url_of(registry, p), "code_hash": p["code_hash"],
        "validation_status": p["validation_status"], "validation_errors": p["validation_errors"],
        "security_scan_passed": p["security_scan_passed"], "deployed": deployed,
        "deployment_info": info, "manifest": p["manifest"], "created_at": iso(p["created_at"]),
        "updated_at": iso(p["updated_at"]), "deployed_at": iso(p["deployed_at"]),
        "resolved_inference_name": t.deployment_name if p["realtime"] else None,
    }  # fmt: skip
    url = download_url(registry, p) if presigned else None
    return {"success": True, "plugin": plugin, "presigned_download_url": url}


def download_url(registry: Registry, p: dict[str, Any]) -> str | None:
    """A presigned GET of the archive, put back into S3 from the kept copy first if S3 lost it
    (the same :func:`persistence.restore_one` the registry runs for every plugin at start)."""
    if p["validation_status"] != "passed":
        return None
    if restore_one(registry.storage, registry.data_dir, p) == "missing":
        return None
    return presign_get(registry.storage, p["object_key"], DOWNLOAD_EXPIRES_SECONDS)


# -- delete, deploy, status, undeploy ------------------------------------------------------------


def delete_answer(registry: Registry, ns: str, pid: str) -> dict[str, Any]:
    p = sync(registry, find(registry, ns, pid))
    removed = _undeploy(registry, p)
    registry.store.delete_plugin(ns, pid)
    target(registry, p).archive_path.unlink(missing_ok=True)
    registry.storage.delete(p["object_key"])
    return {"success": True, "plugin_id": pid, "deployment_removed": removed,
            "message": f"{p['name']} {p['version']} deleted."}  # fmt: skip


def _undeploy(registry: Registry, p: dict[str, Any]) -> bool:
    was = p["deployment_status"] != "not_deployed"
    if p["realtime"]:
        was = registry.deployer.stop(target(registry, p)) or was
    registry.store.set_deployment(p["namespace_id"], p["plugin_id"], "not_deployed", None)
    return was


def deploy_answer(registry: Registry, ns: str, pid: str) -> dict[str, Any]:
    p = find(registry, ns, pid)
    if p["validation_status"] != "passed":
        raise ApiFailure(400, "not_validated", f"{pid} did not pass validation and cannot be "
                         "deployed; fix it and publish again.",
                         {"validation_errors": p["validation_errors"]})  # fmt: skip
    if not p["realtime"]:
        if p["deployment_status"] != "deployed":
            registry.store.set_deployment(ns, pid, "deployed", time.time())
        return {"status": "deployed", "deployment_type": "batch_only",
                "message": f"{p['name']} {p['version']} runs in batch pipelines; it has no "
                "realtime.py, so there is no service to start."}  # fmt: skip
    t = target(registry, p)
    if not registry.realtime_available:
        return {"status": "batch_only", "realtime_available": False, "deployment_type":
                "batch_only", "message": "Realtime serving is off for this registry; the "
                "plugin runs in batch pipelines only."}  # fmt: skip
    try:
        state = registry.deployer.start(t)
    except NotDeployable as err:
        raise ApiFailure(400, "not_deployable", f"{pid} cannot be served: {err}.") from None
    registry.store.set_deployment(ns, pid, "deployed" if state.status == "deployed"
                                  else _stored(state), state.deployed_at)  # fmt: skip
    return {"status": state.status, "message": state.message,
            "deployment_name": t.deployment_name, "route_prefix": t.route_prefix,
            "estimated_completion_seconds": state.estimated_completion_seconds,
            "queue_position": state.queue_position,
            "status_endpoint": f"/v1/namespaces/{ns}/plugins/{pid}/status"}  # fmt: skip


def status_answer(registry: Registry, ns: str, pid: str) -> dict[str, Any]:
    p = sync(registry, find(registry, ns, pid))
    state: DeploymentState | None = p.get("_state")
    t = target(registry, p)
    status = state.status if state else p["deployment_status"]
    if status == "pending" and state is None:
        status = "not_deployed"
    deployed = status == "deployed"
    return {"plugin_id": pid, "namespace_id": ns, "status": status, "name": p["name"],
            "version": p["version"], "realtime_enabled": p["realtime"],
            "message": state.message if state else _status_message(status),
            "queued_at": iso(state.queued_at) if state else None,
            "estimated_completion_seconds": state.estimated_completion_seconds if state else None,
            "deployed": deployed, "route_prefix": t.route_prefix if p["realtime"] else None,
            "feature_uri": feature_uri(p["name"], p["version"]),
            "deployed_at": iso(p["deployed_at"]) if deployed else None,
            "error": state.error if state else None}  # fmt: skip


def _status_message(status: str) -> str:
    return "Deployed (batch pipelines)." if status == "deployed" else "Not deployed."


def undeploy_answer(registry: Registry, ns: str, pid: str) -> dict[str, Any]:
    p = sync(registry, find(registry, ns, pid))
    removed = _undeploy(registry, p)
    return {"success": True, "plugin_id": pid, "status": "not_deployed",
            "deployment_removed": removed,
            "message": f"{p['name']} {p['version']} undeployed." if removed
            else f"{p['name']} {p['version']} was not deployed."}  # fmt: skip


# -- organisation plugins ------------------------------------------------------------------------


def find_in_org(registry: Registry, ns: str, pid: str) -> dict[str, Any]:
    """The organisation's validated plugin ``pid``, preferring the caller's own namespace."""
    matches = [p for p in registry.store.passed_plugins() if p["plugin_id"] == pid]
    matches.sort(key=lambda p: (p["namespace_id"] != ns, p["created_at"]))
    if not matches:
        raise ApiFailure(404, "not_found",
                         f"No validated plugin {pid!r} in organization {registry.organization_id!r}.")  # fmt: skip
    return matches[0]


def enable_answer(
    registry: Registry, ns: str, pid: str, params: dict[str, Any] | None, deploy: bool
) -> dict[str, Any]:
    p = find_in_org(registry, ns, pid)
    registry.store.enable(ns, p, params or {})
    status = sync(registry, p)["deployment_status"]
    if deploy:
        status = deploy_answer(registry, p["namespace_id"], pid)["status"]
    return {"success": True, "plugin_id": pid, "namespace_id": ns,
            "feature_uri": feature_uri(p["name"], p["version"]),
            "message": f"{p['name']} {p['version']} enabled in {ns}.",
            "deployment_status": status}  # fmt: skip


def disable_answer(registry: Registry, ns: str, pid: str) -> dict[str, Any]:
    p = find_in_org(registry, ns, pid)
    was = registry.store.disable(ns, p)
    return {"success": True, "plugin_id": pid, "namespace_id": ns,
            "message": f"{p['name']} {p['version']} disabled in {ns}." if was
            else f"{p['name']} {p['version']} was not enabled in {ns}."}  # fmt: skip
