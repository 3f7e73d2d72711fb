"""The plugin API as an ASGI app (Starlette): the same paths and shapes as the platform.

Every error is ``{"error": {"message", "type", "details"}}`` with a meaningful status. A key
only ever sees its own namespace (another namespace answers 403). Two properties make the
client's retries safe:

- create-upload with an ``Idempotency-Key`` header returns the upload first created with that
  key instead of a second one;
- confirm of an upload that was already confirmed returns the plugin it produced, so a lost
  confirm answer never publishes twice. Confirms of one upload are serialised by a lock.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mixpeek_tools.publishing.archive import MAX_ARCHIVE_BYTES
from mixpeek_tools.publishing.manifest import CATEGORIES, MAX_DESCRIPTION, NAME_RULE, VERSION_RULE
from mixpeek_tools.registry import deploy_routes
from mixpeek_tools.registry.builtin import builtin_plugin, builtin_plugins
from mixpeek_tools.registry.deployments import Deployer, NotDeployable
from mixpeek_tools.registry.limits import (
    REGISTRY_OVERRIDES,
    BodyLimit,
    MalformedJson,
    parse_json,
)
from mixpeek_tools.registry.persistence import download_url, keep_archive
from mixpeek_tools.registry.storage import Storage
from mixpeek_tools.registry.store import Store, new_id
from mixpeek_tools.registry.verify import (
    IntegrityError,
    fetch_checked,
    inspect_archive,
    scratch_dir,
)

UPLOAD_EXPIRES_SECONDS = 3600
SOURCES = ("all", "builtin", "custom", "community")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ApiFailure(Exception):
    """Raised by handlers; turned into the platform's error body."""

    def __init__(self, status: int, error_type: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.details = details if details is not None else {}


@dataclass
class Registry:
    """Everything the handlers share."""

    store: Store
    storage: Storage
    data_dir: Path
    max_size: int = MAX_ARCHIVE_BYTES
    deployer: Deployer | None = None
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    def upload_lock(self, upload_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(upload_id, threading.Lock())

    @property
    def archives(self) -> Path:
        return self.data_dir / "archives"


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()


# -- request helpers ---------------------------------------------------------------------------


def authorize(request: Request) -> str:
    """The namespace in the path, once the bearer key is known and belongs to it."""
    owner = authorize_key(request)
    namespace = request.path_params["ns"]
    if owner != namespace:
        raise ApiFailure(
            403,
            "permission_denied",
            f"This API key has no access to namespace {namespace!r}.",
            {"namespace_id": namespace},
        )
    return namespace


def authorize_key(request: Request) -> str:
    """The namespace of the bearer key (routes without a namespace in their path)."""
    registry: Registry = request.app.state.registry
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiFailure(
            401, "authentication_error", "Missing API key: send 'Authorization: Bearer <key>'."
        )
    owner = registry.store.namespace_of(key.strip())
    if owner is None:
        raise ApiFailure(401, "authentication_error", "Invalid API key.")
    return owner


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = parse_json(await request.body())
    except MalformedJson as err:
        raise ApiFailure(
            400, "invalid_request", f"The request body must be a JSON object: {err}."
        ) from None
    if not isinstance(body, dict):
        raise ApiFailure(400, "invalid_request", "The request body must be a JSON object.")
    return body


def invalid(field_name: str, message: str) -> ApiFailure:
    return ApiFailure(422, "validation_error", f"{field_name}: {message}", {"field": field_name})


def public_plugin(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "plugin_id": p["plugin_id"],
        "name": p["name"],
        "version": p["version"],
        "source": "custom",
        "status": p["status"],
        "category": p["category"],
        "description": p["description"],
        "created_at": iso(p["created_at"]),
        "deployed_at": iso(p["deployed_at"]),
        "sha256": p["sha256"],
        "file_size_bytes": p["file_size_bytes"],
        "security_scan_passed": p["security_scan_passed"],
        "manifest_valid": p["manifest_valid"],
        "security_violations": p["violations"],
        "validation_errors": p["validation_errors"],
        "message": p["message"],
    }


def confirm_answer(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "success": p["status"] == "ready",
        "plugin_id": p["plugin_id"],
        "status": p["status"],
        "security_scan_passed": p["security_scan_passed"],
        "security_violations": p["violations"],
        "validation_errors": p["validation_errors"],
        "manifest_valid": p["manifest_valid"],
        "message": p["message"],
    }


# -- create upload -----------------------------------------------------------------------------


def check_upload_request(body: dict[str, Any], max_size: int) -> dict[str, Any]:
    name, version = body.get("name"), body.get("version")
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        raise invalid("name", "3-64 characters: a letter, then letters, digits or underscores")
    if not isinstance(version, str) or not VERSION_RULE.fullmatch(version):
        raise invalid("version", "a short version such as 'v1' or '1.0.0'")
    description = body.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise invalid("description", f"a string of at most {MAX_DESCRIPTION} characters")
    category = body.get("category") or "text"
    if category not in CATEGORIES:
        raise invalid("category", f"one of {', '.join(CATEGORIES)}")
    size = body.get("file_size_bytes")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise invalid("file_size_bytes", "a positive integer")
    if size > max_size:
        raise ApiFailure(
            413, "payload_too_large", f"The archive is {size} bytes; the limit is {max_size}.",
            {"max_size_bytes": max_size},
        )  # fmt: skip
    sha256 = body.get("sha256")
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise invalid("sha256", "the archive's sha256 as 64 lowercase hex digits")
    return {"name": name, "version": version, "description": description, "category": category,
            "file_size_bytes": size, "sha256": sha256}  # fmt: skip


def create_upload(
    registry: Registry, ns: str, body: dict[str, Any], idem: str | None
) -> dict[str, Any]:
    req = check_upload_request(body, registry.max_size)
    fingerprint = hashlib.sha256(json.dumps(req, sort_keys=True).encode()).hexdigest()
    if idem:
        earlier = registry.store.upload_by_idempotency(ns, idem)
        if earlier is not None:
            if earlier["request_sha256"] != fingerprint:
                raise ApiFailure(
                    422, "idempotency_conflict", "This Idempotency-Key was used for a different "
                    "request; use a new key for a new upload.",
                )  # fmt: skip
            return dict(json.loads(earlier["response"]))
    existing = registry.store.plugin_by_name(ns, req["name"], req["version"])
    if existing is not None and existing["status"] != "failed":
        raise exists(req["name"], req["version"], existing)
    upload_id = new_id("upl")
    key = f"{ns}/{req['name']}/{req['version']}/{upload_id}.tar.gz"
    url, fields = registry.storage.presign_post(key, req["file_size_bytes"], UPLOAD_EXPIRES_SECONDS)
    now = time.time()
    answer = {
        "upload_id": upload_id,
        "upload_url": url,
        "fields": fields,
        "method": "POST",
        "object_key": key,
        "content_type": "application/gzip",
        "expires_at": iso(now + UPLOAD_EXPIRES_SECONDS),
        "max_size_bytes": registry.max_size,
        "name": req["name"],
        "version": req["version"],
    }
    registry.store.add_upload(
        {
            "upload_id": upload_id,
            "namespace_id": ns,
            "idempotency_key": idem,
            "request_sha256": fingerprint,
            **req,
            "object_key": key,
            "response": json.dumps(answer),
            "plugin_id": None,
            "created_at": now,
            "expires_at": now + UPLOAD_EXPIRES_SECONDS,
        }
    )
    return answer


def exists(name: str, version: str, plugin: dict[str, Any]) -> ApiFailure:
    return ApiFailure(
        409,
        "conflict",
        f"{name} version {version} already exists (plugin {plugin['plugin_id']}, status "
        f"{plugin['status']}). Bump the version in manifest.py, or delete that plugin first.",
        {
            "plugin_id": plugin["plugin_id"],
            "name": name,
            "version": version,
            "sha256": plugin["sha256"],
        },
    )


# -- confirm -----------------------------------------------------------------------------------


def confirm_upload(
    registry: Registry, ns: str, upload_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    with registry.upload_lock(upload_id):
        row = registry.store.upload(ns, upload_id)
        if row is None:
            raise ApiFailure(404, "not_found", f"No upload {upload_id!r} in namespace {ns!r}.")
        upload = dict(row)
        if upload["plugin_id"]:
            done = registry.store.plugin(ns, upload["plugin_id"])
            if done is None:
                raise ApiFailure(
                    409, "conflict", "This upload's plugin was deleted; start a new upload."
                )
            return confirm_answer(done)
        _check_claims(upload, body)
        existing = registry.store.plugin_by_name(ns, upload["name"], upload["version"])
        if existing is not None and existing["status"] != "failed":
            raise exists(upload["name"], upload["version"], existing)
        plugin = _verify_and_record(registry, ns, upload, body)
        return confirm_answer(plugin)


def _check_claims(upload: dict[str, Any], body: dict[str, Any]) -> None:
    size, sha = body.get("file_size_bytes"), body.get("sha256")
    if size is not None and size != upload["file_size_bytes"]:
        raise invalid(
            "file_size_bytes",
            f"{size} differs from the {upload['file_size_bytes']} declared at upload",
        )
    if sha is not None and sha != upload["sha256"]:
        raise invalid("sha256", "differs from the sha256 declared at upload")


def _verify_and_record(
    registry: Registry, ns: str, upload: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    with scratch_dir(registry.data_dir) as tmp:
        work = Path(tmp)
        archive = work / "upload.tar.gz"
        try:
            fetch_checked(registry.storage, upload, body, archive, registry.max_size)
        except IntegrityError as err:
            raise ApiFailure(err.status, err.error_type, str(err), err.details) from None
        verdict = inspect_archive(archive, upload, work)
        plugin_id = new_id("plg")
        plugin = {
            "plugin_id": plugin_id, "namespace_id": ns, "name": upload["name"],
            "version": upload["version"], "description": upload["description"],
            "category": upload["category"], "status": verdict.status, "sha256": upload["sha256"],
            "file_size_bytes": upload["file_size_bytes"], "object_key": upload["object_key"],
            "upload_id": upload["upload_id"], "security_scan_passed": verdict.security_scan_passed,
            "manifest_valid": verdict.manifest_valid, "violations": verdict.violations,
            "validation_errors": verdict.validation_errors, "message": verdict.message(),
            "created_at": time.time(), "deployed_at": None,
        }  # fmt: skip
        if verdict.status == "ready":
            keep_archive(archive, registry.data_dir, plugin_id)
        try:
            registry.store.record_plugin(plugin)
        except sqlite3.IntegrityError:
            (registry.archives / f"{plugin_id}.tar.gz").unlink(missing_ok=True)
            raise ApiFailure(
                409, "conflict", f"{upload['name']} version {upload['version']} already exists."
            ) from None
    if verdict.status != "ready":
        registry.storage.delete(upload["object_key"])
    return plugin


# -- handlers ----------------------------------------------------------------------------------


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def post_upload(request: Request) -> JSONResponse:
    ns = authorize(request)
    body = await json_body(request)
    registry: Registry = request.app.state.registry
    idem = request.headers.get("idempotency-key")
    answer = await run_in_threadpool(create_upload, registry, ns, body, idem)
    return JSONResponse(answer, status_code=201)


async def post_confirm(request: Request) -> JSONResponse:
    ns = authorize(request)
    body = await json_body(request)
    registry: Registry = request.app.state.registry
    answer = await run_in_threadpool(
        confirm_upload, registry, ns, request.path_params["upload_id"], body
    )
    return JSONResponse(answer)


async def list_plugins(request: Request) -> JSONResponse:
    ns = authorize(request)
    source = request.query_params.get("source", "all")
    if source not in SOURCES:
        raise invalid("source", f"one of {', '.join(SOURCES)}")
    registry: Registry = request.app.state.registry
    plugins: list[dict[str, Any]] = []
    if source in ("all", "builtin"):
        plugins += builtin_plugins()
    if source in ("all", "custom"):
        plugins += [public_plugin(p) for p in await run_in_threadpool(registry.store.plugins, ns)]
    return JSONResponse({"plugins": plugins, "total": len(plugins)})


def _find(registry: Registry, ns: str, plugin_id: str) -> dict[str, Any]:
    plugin = registry.store.plugin(ns, plugin_id)
    if plugin is None:
        raise ApiFailure(404, "not_found", f"No plugin {plugin_id!r} in namespace {ns!r}.")
    return plugin


async def get_plugin(request: Request) -> JSONResponse:
    ns = authorize(request)
    plugin_id = request.path_params["plugin_id"]
    builtin = builtin_plugin(plugin_id)
    if builtin is not None:
        return JSONResponse(builtin)
    registry: Registry = request.app.state.registry
    plugin = _find(registry, ns, plugin_id)
    answer = public_plugin(plugin)
    if request.query_params.get("return_presigned_urls", "").lower() in ("1", "true", "yes"):
        answer["presigned_download_url"] = download_url(registry.storage, plugin)
    return JSONResponse(answer)


async def delete_plugin(request: Request) -> JSONResponse:
    ns = authorize(request)
    plugin_id = request.path_params["plugin_id"]
    if builtin_plugin(plugin_id) is not None:
        raise ApiFailure(403, "permission_denied", "Built-in plugins cannot be deleted.")
    registry: Registry = request.app.state.registry
    plugin = _find(registry, ns, plugin_id)
    if registry.deployer is not None:
        await run_in_threadpool(registry.deployer.stop, plugin_id)
    registry.store.delete_plugin(ns, plugin_id)
    (registry.archives / f"{plugin_id}.tar.gz").unlink(missing_ok=True)
    await run_in_threadpool(registry.storage.delete, plugin["object_key"])
    return JSONResponse(
        {
            "deleted": True,
            "plugin_id": plugin_id,
            "name": plugin["name"],
            "version": plugin["version"],
        }
    )


async def deploy_plugin(request: Request) -> JSONResponse:
    ns = authorize(request)
    plugin_id = request.path_params["plugin_id"]
    if builtin_plugin(plugin_id) is not None:
        raise ApiFailure(409, "conflict", "Built-in plugins are always deployed.")
    registry: Registry = request.app.state.registry
    plugin = _find(registry, ns, plugin_id)
    if plugin["status"] == "failed":
        raise ApiFailure(
            409, "conflict", "This plugin failed validation and cannot be deployed; fix it and "
            "publish a new version.", {"security_violations": plugin["violations"]},
        )  # fmt: skip
    if registry.deployer is not None:
        try:
            answer = await run_in_threadpool(registry.deployer.deploy, registry.data_dir, plugin)
        except NotDeployable as err:
            raise ApiFailure(400, "invalid_request", str(err)) from None
        return JSONResponse(answer)
    registry.store.set_status(plugin_id, "deployed", deployed=True)
    return JSONResponse({"plugin_id": plugin_id, "status": "deployed",
                         "message": f"{plugin['name']} {plugin['version']} is deployed."})  # fmt: skip


async def on_failure(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiFailure)  # nosec B101  # registered for ApiFailure only
    return error_response(exc.status, exc.error_type, exc.message, exc.details)


async def on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)  # nosec B101  # registered for HTTPException only
    kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, kind, str(exc.detail), {})


async def on_crash(request: Request, exc: Exception) -> JSONResponse:
    """A bug in the registry still answers in the API's error shape, without internals."""
    import logging

    logging.getLogger(__name__).exception(
        "unhandled error on %s %s", request.method, request.url.path
    )
    return error_response(500, "internal_error", "The registry failed; see its log.", {})


def error_response(status: int, kind: str, message: str, details: Any) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "details": details}}, status_code=status
    )


def create_app(registry: Registry) -> Starlette:
    base = "/v1/namespaces/{ns}/plugins"
    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route(f"{base}/uploads", post_upload, methods=["POST"]),
            Route(f"{base}/uploads/{{upload_id}}/confirm", post_confirm, methods=["POST"]),
            Route(base, list_plugins, methods=["GET"]),
            Route(f"{base}/{{plugin_id}}", get_plugin, methods=["GET"]),
            Route(f"{base}/{{plugin_id}}", delete_plugin, methods=["DELETE"]),
            Route(f"{base}/{{plugin_id}}/deploy", deploy_plugin, methods=["POST"]),
            Route(f"{base}/{{plugin_id}}/status", deploy_routes.get_status, methods=["GET"]),
            Route(f"{base}/{{plugin_id}}/undeploy", deploy_routes.post_undeploy, methods=["POST"]),
            Route(
                "/inference/custom_plugin_{plugin_id}/{path:path}",
                deploy_routes.inference,
                methods=["GET", "POST"],
            ),
        ],
        exception_handlers={ApiFailure: on_failure, HTTPException: on_http, Exception: on_crash},
        middleware=[Middleware(BodyLimit, overrides=REGISTRY_OVERRIDES)],
        lifespan=deploy_routes.lifespan,
    )
    app.state.registry = registry
    return app
