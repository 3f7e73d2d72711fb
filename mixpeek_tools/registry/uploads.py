"""Create an upload, confirm it, or upload directly: every way a plugin enters the registry.

Whatever the client did, confirm re-checks everything (:mod:`verify`): the object must exist,
match the ETag and size the client claims, unpack safely, agree with its manifest, pass the
security scan and the validator. Retries are safe: create-upload honours ``Idempotency-Key``,
and confirming an upload twice answers the plugin it produced. Confirms of one upload run one
at a time. A plugin that fails is recorded as ``failed`` (so ``GET`` shows why) and answered
400; a failed version never blocks a corrected upload of the same version.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any, BinaryIO

from mixpeek_tools.archives.formats import sniff
from mixpeek_tools.registry.api_errors import ApiFailure, not_found
from mixpeek_tools.registry.context import Registry
from mixpeek_tools.registry.naming import feature_uri, plugin_id
from mixpeek_tools.registry.persistence import keep_archive
from mixpeek_tools.registry.presign import presign_post_form, presign_put, s3_url
from mixpeek_tools.registry.schemas import ConfirmRequest, CreateUploadRequest
from mixpeek_tools.registry.scratch import scratch_dir
from mixpeek_tools.registry.verify import inspect_archive

_CHUNK = 1024 * 1024


def _iso(ts: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()


# -- admission -----------------------------------------------------------------------------------


def admit(registry: Registry, ns: str, name: str, version: str) -> None:
    """409 when name+version is taken by a plugin that did not fail; 403 past the quota."""
    existing = registry.store.plugin_by_name(ns, name, version)
    if existing is not None and existing["validation_status"] != "failed":
        raise ApiFailure(
            409, "conflict", f"{name} version {version} already exists (plugin "
            f"{existing['plugin_id']}). Bump the version, or delete that plugin first.",
            {"plugin_id": existing["plugin_id"], "name": name, "version": version},
        )  # fmt: skip
    count = registry.store.count_passed(ns)
    if count >= registry.plugin_quota:
        raise ApiFailure(
            403, "quota_exceeded", f"Namespace {ns!r} holds {count} plugins, its quota is "
            f"{registry.plugin_quota}. Delete a plugin before publishing another.",
            {"quota": registry.plugin_quota, "used": count},
        )  # fmt: skip


# -- create upload -------------------------------------------------------------------------------


def create_upload(
    registry: Registry, ns: str, req: CreateUploadRequest, idem: str | None
) -> dict[str, Any]:
    fingerprint = hashlib.sha256(req.model_dump_json().encode()).hexdigest()
    idem = (idem or "").strip() or None  # an empty header is no key (found by the fuzzer)
    if idem:
        earlier = registry.store.upload_by_idempotency(ns, idem)
        if earlier is not None:
            if earlier["request_sha256"] != fingerprint:
                raise ApiFailure(
                    400, "idempotency_conflict", "This Idempotency-Key was used for a different "
                    "request; use a new key for a new upload.",
                )  # fmt: skip
            return dict(json.loads(earlier["response"]))
    admit(registry, ns, req.name, req.version)
    upload_id = "upl_" + secrets.token_hex(12)
    key = f"plugins/{ns}/{req.name}/{req.version}/{upload_id}"
    now = time.time()
    answer: dict[str, Any] = {
        "upload_id": upload_id,
        "presigned_url": presign_put(
            registry.storage, key, req.presigned_url_expiration, req.file_size_bytes
        ),
        "s3_key": key,
        "expires_at": _iso(now + req.presigned_url_expiration),
        "namespace_id": ns,
        "name": req.name,
        "version": req.version,
    }
    if req.upload_method == "POST":
        url, fields = presign_post_form(registry.storage, key, req.file_size_bytes,
                                        registry.max_size, req.presigned_url_expiration)  # fmt: skip
        answer["presigned_post"] = {"url": url, "fields": fields}
    registry.store.add_upload(
        {"upload_id": upload_id, "namespace_id": ns, "idempotency_key": idem,
         "request_sha256": fingerprint, "name": req.name, "version": req.version,
         "description": req.description, "file_size_bytes": req.file_size_bytes,
         "object_key": key, "response": json.dumps(answer), "plugin_id": None,
         "created_at": now, "expires_at": now + req.presigned_url_expiration}
    )  # fmt: skip
    return answer


# -- confirm -------------------------------------------------------------------------------------


def confirm_upload(
    registry: Registry, ns: str, upload_id: str, body: ConfirmRequest | None
) -> dict[str, Any]:
    claims = body or ConfirmRequest()
    with registry.upload_lock(upload_id):
        row = registry.store.upload(ns, upload_id)
        if row is None:
            raise not_found("upload", upload_id, ns)
        upload = dict(row)
        if upload["plugin_id"]:
            return _confirmed_before(registry, ns, upload)
        if time.time() > upload["expires_at"]:
            raise ApiFailure(400, "upload_expired", "This upload expired; create a new one.",
                             {"expires_at": _iso(upload["expires_at"])})  # fmt: skip
        existing = registry.store.plugin_by_name(ns, upload["name"], upload["version"])
        if existing is not None and existing["validation_status"] != "failed":
            raise ApiFailure(409, "conflict", f"{upload['name']} version {upload['version']} "
                             "already exists.", {"plugin_id": existing["plugin_id"]})  # fmt: skip
        with scratch_dir(registry.data_dir) as tmp:
            work = Path(tmp)
            code_hash = _fetch(registry, upload, claims, work / "archive")
            plugin = check_and_record(registry, ns, upload, work / "archive", code_hash, work)
    return finish(confirm_answer(registry, plugin, upload_id))


def _confirmed_before(registry: Registry, ns: str, upload: dict[str, Any]) -> dict[str, Any]:
    plugin = registry.store.plugin(ns, upload["plugin_id"])
    if plugin is None or plugin["upload_id"] != upload["upload_id"]:
        raise ApiFailure(400, "upload_consumed", "This upload's plugin was deleted or replaced; "
                         "create a new upload.")  # fmt: skip
    return finish(confirm_answer(registry, plugin, upload["upload_id"]))


def _fetch(registry: Registry, upload: dict[str, Any], claims: ConfirmRequest, dest: Path) -> str:
    """Download the object after checking it against the claims; its sha256."""
    head = registry.storage.head(upload["object_key"])
    if head is None:
        raise ApiFailure(404, "object_not_found", "Nothing was uploaded for this upload yet: PUT "
                         "the archive to presigned_url first, then confirm.")  # fmt: skip
    size, etag = head
    sent = (claims.etag or "").strip().strip('"')
    if sent and etag and sent != etag:
        raise ApiFailure(400, "integrity_error", "The ETag sent does not match the stored object.",
                         {"etag_sent": sent, "etag_stored": etag})  # fmt: skip
    _check_size(registry, upload, size, claims.file_size_bytes)
    with dest.open("wb") as out:
        return registry.storage.download(upload["object_key"], out, registry.max_size).sha256


def _check_size(registry: Registry, upload: dict[str, Any], size: int, claimed: int | None) -> None:
    """The stored size against the size declared at create (the presigned PUT is bound to it
    only where storage checks signatures), the one claimed at confirm and the limit. An object
    of another size than declared at create, or over the limit, is deleted: it is not what the
    upload was granted for (the upload stays open; PUT the right file again and confirm)."""
    declared = upload["file_size_bytes"]
    if (declared is not None and size != declared) or size > registry.max_size:
        registry.storage.delete(upload["object_key"])
        if size > registry.max_size:
            raise ApiFailure(400, "integrity_error", f"The stored object has {size} bytes; the "
                             f"limit is {registry.max_size}. It was deleted.")  # fmt: skip
        raise ApiFailure(400, "integrity_error", f"The stored object has {size} bytes, "
                         f"{declared} were declared at create-upload; it was deleted. Upload "
                         "the declared file again, then confirm.",
                         {"stored_size": size, "declared_size": declared})  # fmt: skip
    if claimed is not None and size != claimed:
        raise ApiFailure(400, "integrity_error", f"The stored object has {size} bytes, "
                         f"{claimed} were declared. Upload the file again.",
                         {"stored_size": size, "declared_size": claimed})  # fmt: skip


# -- direct upload -------------------------------------------------------------------------------


def direct_upload(
    registry: Registry, ns: str, fields: dict[str, Any], source: BinaryIO
) -> dict[str, Any]:
    admit(registry, ns, fields["name"], fields["version"])
    with scratch_dir(registry.data_dir) as tmp:
        work = Path(tmp)
        archive = work / "archive"
        sha, size = hashlib.sha256(), 0
        with archive.open("wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > registry.max_size:
                    raise ApiFailure(413, "payload_too_large", f"The archive is over "
                                     f"{registry.max_size} bytes; use a presigned upload.")  # fmt: skip
                sha.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ApiFailure(400, "bad_request", "The file part is empty.")
        key = f"plugins/{ns}/{fields['name']}/{fields['version']}/direct_{secrets.token_hex(12)}"
        registry.storage.client.upload_file(str(archive), registry.storage.bucket, key)
        upload = {**fields, "upload_id": None, "object_key": key, "file_size_bytes": size}
        plugin = check_and_record(registry, ns, upload, archive, sha.hexdigest(), work)
    answer = confirm_answer(registry, plugin, None)
    return finish({k: answer[k] for k in ("success", "plugin_id", "validation_status",
                   "validation_errors", "deployment_status", "feature_uri", "s3_archive_url",
                   "message")})  # fmt: skip


# -- the shared gate -----------------------------------------------------------------------------


def check_and_record(
    registry: Registry, ns: str, upload: dict[str, Any], archive: Path, code_hash: str, work: Path
) -> dict[str, Any]:
    """Run the server-side gate on a local copy of the archive and record the plugin."""
    fmt = sniff(archive)
    verdict = inspect_archive(archive, upload, work)
    passed = verdict.status == "ready"
    name, version = upload["name"], upload["version"]
    pid = plugin_id(name, version)
    now = time.time()
    plugin = {
        "namespace_id": ns, "plugin_id": pid, "name": name, "version": version,
        "description": upload.get("description"),
        "validation_status": "passed" if passed else "failed",
        "validation_errors": [_line(v) for v in verdict.violations + verdict.validation_errors],
        "violations": verdict.violations, "security_scan_passed": verdict.security_scan_passed,
        "code_hash": code_hash, "file_size_bytes": upload["file_size_bytes"],
        "object_key": upload["object_key"], "archive_format": fmt if fmt != "unknown" else "bin",
        "upload_id": upload["upload_id"],
        "realtime": (work / "unpacked" / name / "realtime.py").is_file(),
        "manifest": {**verdict.manifest, **_manifest(name, version, upload.get("description"))},
        "deployment_status": "not_deployed", "deployed_at": None,
        "created_at": now, "updated_at": now, "message": verdict.message(),
    }  # fmt: skip
    kept = registry.archive_path(ns, pid, plugin["archive_format"])
    if passed:
        keep_archive(archive, kept)
    try:
        registry.store.record_plugin(plugin)
    except sqlite3.IntegrityError:
        if passed:
            kept.unlink(missing_ok=True)
        raise ApiFailure(409, "conflict", f"{name} version {version} already exists.") from None
    if not passed:
        registry.storage.delete(upload["object_key"])
    return plugin


def _line(violation: dict[str, Any]) -> str:
    where = ":".join(str(p) for p in (violation.get("path"), violation.get("line")) if p)
    rule = violation.get("rule") or violation.get("category") or "error"
    return f"{where + ': ' if where else ''}{rule}: {violation.get('message', '')}"


def _manifest(name: str, version: str, description: str | None) -> dict[str, Any]:
    return {"feature_extractor_name": name, "version": version, "description": description,
            "feature_uri": feature_uri(name, version)}  # fmt: skip


def confirm_answer(
    registry: Registry, plugin: dict[str, Any], upload_id: str | None
) -> dict[str, Any]:
    passed = plugin["validation_status"] == "passed"
    return {
        "success": passed,
        "upload_id": upload_id,
        "validation_status": plugin["validation_status"],
        "deployment_status": plugin["deployment_status"] if passed else "not_deployed",
        "plugin_id": plugin["plugin_id"],
        "validation_errors": plugin["validation_errors"],
        "feature_uri": feature_uri(plugin["name"], plugin["version"]),
        "s3_archive_url": s3_url_of(registry, plugin),
        "message": plugin.get("message") or _message(plugin),
        "security_scan_passed": plugin["security_scan_passed"],
        "security_violations": plugin["violations"],
    }


def s3_url_of(registry: Registry, plugin: dict[str, Any]) -> str | None:
    if plugin["validation_status"] != "passed":
        return None
    return s3_url(registry.storage, plugin["object_key"])


def _message(plugin: dict[str, Any]) -> str:
    if plugin["validation_status"] == "passed":
        return "Plugin validated, scanned and ready to deploy."
    return f"Plugin refused: {len(plugin['validation_errors'])} error(s)."


def finish(answer: dict[str, Any]) -> dict[str, Any]:
    """A failed plugin is answered 400, its whole answer in ``error.details``."""
    if answer["validation_status"] == "failed":
        raise ApiFailure(400, "validation_failed", answer["message"] or "Validation failed.",
                         answer)  # fmt: skip
    return answer
