"""A strict stand-in for the platform's plugin API, on a real port, with a real S3 behind it.

It answers ONLY in the shapes of ``/work/shared/reference/platform-plugin-api.md`` and checks
every request body against the rules there (``strict_rules``): anything a client gets wrong
about the API fails here the way it would fail on the platform. Its ``presigned_url`` is a real
presigned PUT into moto's S3 server on loopback; confirm reads the object back, compares ETag
and size, and checks the archive's structure and Content-Type.

Knobs a test may turn (all reset by :meth:`StrictPlatform.reset`): ``quota``, ``max_upload``
(bytes; above it create-upload answers 413), ``expire_confirms`` (how many confirms answer 400
"upload expired"), ``reject_confirms`` (validation errors the next confirm reports),
``fail_deploys`` (plugin ids whose deployment fails), ``realtime_allowed``, ``offer_post``
(answer a presigned POST instead of a PUT).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from strict_rules import ArchiveReport, Invalid, Refused, inspect_archive

BUCKET = "strict-plugins"
ORG = "org_strict"
ORG_ONLY = "org_shared_1_0_0"  # an organisation plugin not published in the namespace
DEPLOY_STEPS = ("queued", "in_progress", "deployed")


def now_iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts or time.time(), timezone.utc).isoformat()


@dataclass
class StrictPlatform:
    """State, knobs and the S3 client of one stand-in platform."""

    s3_url: str
    api_key: str = "sk_strict_test_key_0123456789"
    namespace: str = "ns_strict"
    base_url: str = ""
    public_s3_url: str | None = None  # hand out presigned URLs via this address (a proxy)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    enabled: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    quota: int = 10
    max_upload: int = 104_857_600
    expire_confirms: int = 0
    reject_confirms: list[str] = field(default_factory=list)
    fail_deploys: set[str] = field(default_factory=set)
    realtime_allowed: bool = True
    offer_post: bool = False

    def __post_init__(self) -> None:
        import boto3
        from botocore.config import Config

        self.s3 = boto3.client(
            "s3", endpoint_url=self.s3_url, region_name="us-east-1",
            aws_access_key_id="strict", aws_secret_access_key="strict",  # nosec B106
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )  # fmt: skip
        self.s3.create_bucket(Bucket=BUCKET)

    def reset(self) -> None:
        with self.lock:
            self.uploads.clear()
            self.plugins.clear()
            self.enabled.clear()
            self.requests.clear()
            self.reject_confirms.clear()
            self.fail_deploys.clear()
        self.quota, self.max_upload, self.expire_confirms = 10, 104_857_600, 0
        self.realtime_allowed, self.offer_post, self.public_s3_url = True, False, None

    def env(self) -> dict[str, str]:
        return {**os.environ, "MIXPEEK_BASE_URL": self.base_url,
                "MIXPEEK_API_KEY": self.api_key, "MIXPEEK_NAMESPACE": self.namespace}  # fmt: skip

    def calls(self, method: str, suffix: str) -> list[Any]:
        """Bodies of the requests whose path ends with ``suffix``."""
        return [b for m, p, b, _ in self.requests if m == method and p.endswith(suffix)]

    def public(self, url: str) -> str:
        if self.public_s3_url and url.startswith(self.s3_url):
            return self.public_s3_url + url[len(self.s3_url):]
        return url

    # -- uploads ------------------------------------------------------------------------------

    def create_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        name, version = body["name"], body["version"]
        if any(p["name"] == name and p["version"] == version for p in self.plugins.values()):
            raise Refused(409, f"Plugin {name} version {version} already exists", "ConflictError")
        if len(self.plugins) >= self.quota:
            raise Refused(403, f"Plugin quota exceeded: this namespace may hold {self.quota} "
                          "plugins", "QuotaExceededError", {"quota": self.quota})  # fmt: skip
        size = body.get("file_size_bytes")
        if size is not None and size > self.max_upload:
            raise Refused(413, f"Archive too large: {size} bytes, at most {self.max_upload}",
                          "PayloadTooLargeError")  # fmt: skip
        upload_id = "upl_" + uuid.uuid4().hex[:16]
        key = f"plugins/{self.namespace}/{name}/{version}/{upload_id}"
        ttl = int(body.get("presigned_url_expiration") or 3600)
        self.uploads[upload_id] = {**body, "s3_key": key, "expires": time.time() + ttl,
                                   "answer": None}  # fmt: skip
        answer = {"upload_id": upload_id, "s3_key": key, "expires_at": now_iso(time.time() + ttl),
                  "namespace_id": self.namespace, "name": name, "version": version}  # fmt: skip
        if self.offer_post:
            post = self.s3.generate_presigned_post(
                BUCKET, key, Fields={"Content-Type": "application/gzip"},
                Conditions=[{"Content-Type": "application/gzip"}], ExpiresIn=ttl,
            )  # fmt: skip
            return {**answer, "upload_url": self.public(post["url"]), "fields": post["fields"]}
        url = self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=ttl
        )
        return {**answer, "presigned_url": self.public(url)}

    def confirm(self, upload_id: str, body: dict[str, Any]) -> dict[str, Any]:
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise Refused(404, f"Upload {upload_id} not found", "NotFoundError")
        if upload["answer"] is not None:
            return upload["answer"]  # confirming twice returns the same plugin
        if self.expire_confirms > 0 or time.time() > upload["expires"]:
            self.expire_confirms = max(self.expire_confirms - 1, 0)
            raise Refused(400, f"Upload {upload_id} has expired; create a new upload",
                          "UploadExpiredError")  # fmt: skip
        data, head = self._object(upload)
        self._check_claims(upload, head, body)
        report = inspect_archive(data, upload["name"])
        errors = list(report.errors) + self._content_type_errors(report, head)
        if self.reject_confirms:
            errors += self.reject_confirms
            self.reject_confirms = []
        if errors:
            raise Refused(400, "Plugin validation failed", "ValidationError",
                          {"validation_errors": errors})  # fmt: skip
        upload["answer"] = self._record(upload_id, upload, report)
        return upload["answer"]

    def _object(self, upload: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
        from botocore.exceptions import ClientError

        try:
            got = self.s3.get_object(Bucket=BUCKET, Key=upload["s3_key"])
        except ClientError:
            raise Refused(404, "The uploaded object was not found in storage",
                          "NotFoundError") from None  # fmt: skip
        return got["Body"].read(), got

    def _check_claims(self, upload: dict[str, Any], head: dict[str, Any], body: dict[str, Any]) -> None:
        etag = str(head.get("ETag", "")).strip('"')
        if body.get("etag") is not None and body["etag"] != etag:
            raise Refused(400, f"ETag {body['etag']} does not match the object ({etag})",
                          "BadRequestError")  # fmt: skip
        size = int(head["ContentLength"])
        for claimed in (body.get("file_size_bytes"), upload.get("file_size_bytes")):
            if claimed is not None and claimed != size:
                raise Refused(400, f"file_size_bytes {claimed} does not match the object "
                              f"({size} bytes)", "BadRequestError")  # fmt: skip

    def _content_type_errors(self, report: ArchiveReport, head: dict[str, Any]) -> list[str]:
        expected = {"tar.gz": "application/gzip", "zip": "application/zip"}.get(report.fmt)
        got = head.get("ContentType")
        if expected and got != expected:
            return [f"a .{report.fmt} archive must be uploaded as {expected}, not {got}"]
        return []

    def _record(self, upload_id: str, upload: dict[str, Any], report: ArchiveReport) -> dict[str, Any]:
        name, version = upload["name"], upload["version"]
        plugin_id = f"{name}_{version.replace('.', '_')}"
        stamp = now_iso()
        self.plugins[plugin_id] = {
            "plugin_id": plugin_id, "namespace_id": self.namespace, "organization_id": ORG,
            "name": name, "version": version, "description": upload.get("description"),
            "s3_key": upload["s3_key"], "s3_archive_url": f"s3://{BUCKET}/{upload['s3_key']}",
            "feature_uri": f"mixpeek://{name}@{version}", "realtime": report.realtime,
            "validation_status": "passed", "deployed": False, "state": "not_deployed",
            "steps": [], "created_at": stamp, "updated_at": stamp, "deployed_at": None,
        }  # fmt: skip
        return {
            "success": True, "upload_id": upload_id, "plugin_id": plugin_id,
            "validation_status": "passed", "deployment_status": "not_deployed",
            "validation_errors": [], "feature_uri": f"mixpeek://{name}@{version}",
            "s3_archive_url": f"s3://{BUCKET}/{upload['s3_key']}",
            "message": f"Plugin {name} {version} uploaded and validated",
        }  # fmt: skip

    # -- plugins ------------------------------------------------------------------------------

    def plugin(self, plugin_id: str) -> dict[str, Any]:
        found = self.plugins.get(plugin_id)
        if found is None:
            raise Refused(404, f"Plugin {plugin_id} not found", "NotFoundError")
        return found

    def item(self, p: dict[str, Any]) -> dict[str, Any]:
        keys = ("plugin_id", "name", "version", "description", "deployed", "validation_status",
                "feature_uri", "created_at", "updated_at")  # fmt: skip
        return {k: p[k] for k in keys}

    def detail(self, p: dict[str, Any]) -> dict[str, Any]:
        info = None
        if p["deployed"]:
            info = {"ray_cluster_url": None, "ray_deployment_name": f"custom_plugin_{p['plugin_id']}",
                    "feature_uri": p["feature_uri"], "deployed_at": p["deployed_at"]}  # fmt: skip
        return {
            **self.item(p), "namespace_id": p["namespace_id"], "organization_id": ORG,
            "s3_archive_url": p["s3_archive_url"], "code_hash": None, "validation_errors": [],
            "security_scan_passed": True, "deployment_info": info, "deployed_at": p["deployed_at"],
            "manifest": {"feature_extractor_name": p["name"], "version": p["version"],
                         "description": p["description"], "input_schema": None,
                         "output_schema": None, "parameter_schema": None,
                         "required_vector_indexes": [], "features": [], "dependencies": [],
                         "feature_uri": p["feature_uri"]},
            "resolved_inference_name": None,
        }  # fmt: skip

    def deploy(self, plugin_id: str) -> dict[str, Any]:
        p = self.plugin(plugin_id)
        if p["validation_status"] != "passed":
            raise Refused(400, f"Plugin {plugin_id} is not validated", "BadRequestError")
        if not p["realtime"]:
            p.update(deployed=True, state="deployed", deployed_at=now_iso())
            return {"status": "deployed", "deployment_type": "batch_only",
                    "message": "Batch-only plugin: available to collections now"}  # fmt: skip
        if not self.realtime_allowed:
            return {"status": "batch_only", "realtime_available": False,
                    "message": "Realtime inference is not enabled for this namespace"}  # fmt: skip
        last = "failed" if plugin_id in self.fail_deploys else "deployed"
        p.update(state="queued", steps=["in_progress", last], queued_at=now_iso())
        route = f"/inference/custom_plugin_{plugin_id}"
        return {"status": "queued", "deployment_name": f"custom_plugin_{plugin_id}",
                "route_prefix": route, "estimated_completion_seconds": 240, "queue_position": 1,
                "status_endpoint": f"/v1/namespaces/{self.namespace}/plugins/{plugin_id}/status"}  # fmt: skip

    def status(self, plugin_id: str) -> dict[str, Any]:
        p = self.plugin(plugin_id)
        answer = self._status_answer(p)
        if p["steps"]:  # each poll moves a queued deployment one step on
            p["state"] = p["steps"].pop(0)
            if p["state"] == "deployed":
                p.update(deployed=True, deployed_at=now_iso())
        return answer

    def _status_answer(self, p: dict[str, Any]) -> dict[str, Any]:
        failed = p["state"] == "failed"
        return {
            "plugin_id": p["plugin_id"], "namespace_id": self.namespace, "status": p["state"],
            "name": p["name"], "version": p["version"], "realtime_enabled": p["realtime"],
            "message": f"Deployment {p['state']}", "queued_at": p.get("queued_at"),
            "estimated_completion_seconds": 240 if p["state"] in ("queued", "in_progress") else None,
            "deployed": p["deployed"], "feature_uri": p["feature_uri"],
            "route_prefix": f"/inference/custom_plugin_{p['plugin_id']}" if p["realtime"] else None,
            "deployed_at": p["deployed_at"],
            "error": "Ray Serve replica failed its health check" if failed else None,
        }  # fmt: skip


@contextmanager
def running() -> Iterator[StrictPlatform]:
    """moto's S3 and the stand-in API, each on a free loopback port, for one ``with`` block."""
    import uvicorn

    from mixpeek_tools.registry.storage import LocalS3

    moto = LocalS3()
    platform = StrictPlatform(moto.start())
    from strict_routes import create_app

    config = uvicorn.Config(create_app(platform), host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    platform.base_url = f"http://127.0.0.1:{port}"
    try:
        yield platform
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        moto.stop()


def load_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise Invalid([{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]) from None

