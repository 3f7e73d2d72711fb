"""The publish flow: check, scan, archive, request an upload, stream it, confirm.

It speaks the platform's plugin API (OpenAPI 0.81): create-upload gets exactly ``name``,
``version`` (``vN`` sent as ``N.0.0``), ``description`` and ``file_size_bytes``; the archive is
PUT to ``presigned_url``; confirm gets the ETag and size. An upload that expired before confirm
(a 400 saying so, or storage refusing an expired URL) is redone once with a new upload.

Order matters. Everything that can fail locally (metadata, links, checks, the security scan,
the archive size) runs before the first network call, so a refused plugin never leaves an
upload behind. The upload is confirmed only after S3 accepted every byte, and confirm is
idempotent on the server, so retrying it after a lost answer cannot publish twice.

The client-side scan is a courtesy that saves a round trip; the registry re-validates and
re-scans what it receives, and that is the gate.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import BadInput, ChecksFailed, EnvironmentFailure, KitError
from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.publishing.api_errors import (
    ApiError,
    ApiRejected,
    ApiUnavailable,
    ServerChecksFailed,
    UploadExpired,
)
from mixpeek_tools.publishing.archive import ArchiveInfo, collect_entries
from mixpeek_tools.publishing.archive_format import ArchiveFormat, write
from mixpeek_tools.publishing.client import PluginApi
from mixpeek_tools.publishing.manifest import (
    PluginMetadata,
    api_description,
    api_version,
    read_metadata,
)
from mixpeek_tools.publishing.upload import StorageUrlExpired, UploadTarget, upload_archive

Say = Callable[[str], None]


class AlreadyPublished(BadInput):
    """Create-upload answered 409: this name and version exist in the namespace already.

    Nothing was uploaded. ``publish --skip-existing`` turns it into a success (as twine's
    ``--skip-existing`` does), so a CI job that publishes on every push can be re-run.
    """

    def __init__(self, message: str, *, name: str, version: str, namespace: str,
                 where: str | None = None, hint: str | None = None) -> None:  # fmt: skip
        super().__init__(message, where=where, hint=hint)
        self.name, self.version, self.namespace = name, version, namespace

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_already, (self.message, self.name, self.version, self.namespace,
                                   self.where, self.hint))  # fmt: skip


def _rebuild_already(message: str, name: str, version: str, namespace: str, where: str | None,
                     hint: str | None) -> AlreadyPublished:  # fmt: skip
    return AlreadyPublished(message, name=name, version=version, namespace=namespace,
                            where=where, hint=hint)  # fmt: skip


@dataclass
class Prepared:
    """A plugin ready to upload: its metadata, the version the API gets, the archive, warnings."""

    root: Path
    metadata: PluginMetadata
    archive: ArchiveInfo
    warnings: list[Finding] = field(default_factory=list)
    api_version: str = ""
    archive_format: ArchiveFormat = ArchiveFormat.TAR_GZ

    @property
    def version_note(self) -> str:
        """``manifest version v1 published as 1.0.0`` when the two differ, else ``1.2.0``."""
        meta = self.metadata
        if meta.version == self.api_version:
            return self.api_version
        return f"manifest version {meta.version} published as {self.api_version}"


@dataclass
class Published:
    """What confirm answered, in the API's own field names."""

    plugin_id: str
    validation_status: str
    deployment_status: str
    message: str
    response: dict[str, Any]
    upload_id: str = ""
    feature_uri: str = ""
    s3_archive_url: str = ""
    validation_errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """One word for the summary line: the deployment status, else the validation one."""
        return self.deployment_status or self.validation_status

    @classmethod
    def from_answer(cls, answer: dict[str, Any], upload_id: str) -> Published:
        errors = answer.get("validation_errors")
        return cls(
            plugin_id=str(answer.get("plugin_id") or ""),
            validation_status=str(answer.get("validation_status") or ""),
            deployment_status=str(answer.get("deployment_status") or answer.get("status") or ""),
            message=str(answer.get("message") or ""),
            response=answer,
            upload_id=str(answer.get("upload_id") or upload_id),
            feature_uri=str(answer.get("feature_uri") or ""),
            s3_archive_url=str(answer.get("s3_archive_url") or ""),
            validation_errors=[str(e) for e in errors] if isinstance(errors, list) else [],
        )


def archive_path(
    root: Path, meta: PluginMetadata, fmt: ArchiveFormat = ArchiveFormat.TAR_GZ
) -> Path:
    """Archives live in the plugin's own ``.mixpeek/dist`` (always left out of archives)."""
    return root / ".mixpeek" / "dist" / f"{meta.name}-{meta.version}{fmt.suffix}"


def prepare(
    root: Path,
    *,
    say: Say = lambda _: None,
    run_checks: bool = True,
    archive_format: ArchiveFormat = ArchiveFormat.TAR_GZ,
) -> Prepared:
    """Every local step of publishing: nothing here touches the network."""
    root = root.resolve()
    if not root.is_dir():
        raise BadInput("the plugin folder does not exist", where=str(root), hint="Check --path")
    meta = read_metadata(root)
    version = api_version(meta)
    api_description(meta)
    entries = collect_entries(root, meta.name)
    warnings: list[Finding] = []
    if run_checks:
        say("Validating (static checks)...")
        warnings += validate_static(root)
        say("Security scan...")
        # Exactly the files the archive will hold, every type: a .so, .pth or notebook is as
        # much a part of the upload as the .py files (data files are only sniffed, not read).
        warnings += scan_files([e.source for e in entries], root)
    say("Building the archive...")
    archive = write(entries, archive_path(root, meta, archive_format), archive_format)
    return Prepared(root, meta, archive, warnings, version, archive_format)


def validate_static(root: Path) -> list[Finding]:
    """The static gate on a plugin folder: errors raise ChecksFailed, warnings are returned."""
    from mixpeek_tools.validator import run_checks

    # The client never imports the plugin for publish: only the static gate runs here.
    report = run_checks(root, static_only=True, for_publish=True, no_import=True)
    if report.failed:
        raise ChecksFailed(
            "the plugin failed validation, so it was not published:\n"
            + _list_findings(f for f in report.findings if f.is_error),
            where=str(root),
            hint="Fix these and run `mixpeek plugin validate` until it passes",
        )
    return [f for f in report.findings if not f.is_error]


def scan_files(paths: list[Path], root: Path) -> list[Finding]:
    """The security scan on exactly these files: blocking findings raise ChecksFailed."""
    from mixpeek_tools.scanner import scan_paths

    if not paths:
        return []
    result = scan_paths(paths)
    blocking = [f for f in result.findings if f.severity is not Severity.INFO]
    if blocking:
        raise ChecksFailed(
            "the security scan found forbidden code, so the plugin was not published:\n"
            + _list_findings(blocking),
            where=str(root),
            hint="Remove the forbidden calls (see `mixpeek plugin scan`); the registry runs the "
            "same scan on what it receives",
        )
    return list(result.findings)


def _list_findings(findings: Any, limit: int = 20) -> str:
    lines = []
    for i, f in enumerate(findings):
        if i == limit:
            lines.append("  ...")
            break
        where = f.location()
        lines.append(f"  {where + ': ' if where else ''}{f.rule}: {f.message}")
    return "\n".join(lines)


def upload_request(prepared: Prepared) -> dict[str, Any]:
    """The create-upload body: exactly the API's fields, as the official CLI sends them."""
    meta = prepared.metadata
    return {
        "name": meta.name,
        "version": prepared.api_version,
        "description": api_description(meta) or None,
        "file_size_bytes": prepared.archive.size,
    }


def publish(
    prepared: Prepared, api: PluginApi, *, say: Say = lambda _: None, progress: bool | None = None
) -> Published:
    """Create an upload, stream the archive, confirm; an expired upload is redone once."""
    for attempt in (1, 2):
        try:
            return _publish_once(prepared, api, say, progress)
        except (UploadExpired, StorageUrlExpired) as err:
            if attempt == 2:
                raise
            say(f"{err.message}; creating a new upload and trying once more...")
    raise AssertionError("unreachable")  # pragma: no cover


def _publish_once(prepared: Prepared, api: PluginApi, say: Say, progress: bool | None) -> Published:
    meta, archive = prepared.metadata, prepared.archive
    say(f"Requesting an upload for {meta.name} ({prepared.version_note})...")
    upload = _create_upload(api, upload_request(prepared), prepared)
    target = UploadTarget.from_answer(upload, prepared.archive_format.content_type)
    if target is None:
        _required(upload, "presigned_url")
    assert target is not None  # _required raised otherwise
    _check_content_type(upload, prepared)
    say(f"Uploading {archive.size:,} bytes ({target.method} {target.content_type})...")
    started = time.perf_counter()
    etag = upload_archive(
        api.session, target, archive, policy=api.policy, progress=progress, notify=api.notify
    )
    took = max(time.perf_counter() - started, 1e-9)
    say(f"Uploaded {archive.size:,} bytes in {took:.2f} s ({archive.size / took / 1e6:.1f} MB/s).")
    say("Confirming...")
    upload_id = _required(upload, "upload_id")
    result = Published.from_answer(_confirm(api, upload_id, archive, etag), upload_id)
    if result.response.get("success") is False or result.validation_status == "failed":
        raise _refused(prepared, api, result.validation_errors, result.message)
    return result


def _refused(
    prepared: Prepared, api: PluginApi, errors: list[str], message: str
) -> ServerChecksFailed:
    meta = prepared.metadata
    listed = "\n".join(f"  {e}" for e in errors[:20]) or f"  {message or '(no details given)'}"
    return ServerChecksFailed(
        f"the platform refused {meta.name} {prepared.api_version} after checking it "
        f"server-side:\n{listed}",
        errors=errors,
        where=api.base_url,
        hint="Fix these and publish again (`mixpeek plugin validate` and `mixpeek plugin scan` "
        "run the same kinds of checks locally)",
    )


def _create_upload(api: PluginApi, request: dict[str, Any], prepared: Prepared) -> dict[str, Any]:
    meta = prepared.metadata
    try:
        return api.create_upload(request, idempotency_key=uuid.uuid4().hex)
    except ApiRejected as err:
        if err.status == 409:
            raise AlreadyPublished(
                f"{meta.name} version {prepared.api_version} is already published in namespace "
                f"{api.namespace} (HTTP 409)",
                name=meta.name, version=prepared.api_version, namespace=str(api.namespace),
                where=f"{meta.manifest}:{meta.line} (metadata.version)",
                hint=f"Bump the version (for example {_next_version(meta.version)!r}) and publish "
                "again, delete the published one first with `mixpeek plugin delete`, or pass "
                "--skip-existing to treat it as done",
            ) from None
        raise


def _confirm(
    api: PluginApi, upload_id: str, archive: ArchiveInfo, etag: str | None
) -> dict[str, Any]:
    body = {"etag": etag, "file_size_bytes": archive.size}
    try:
        return api.confirm_upload(upload_id, body)
    except ApiRejected as err:
        raise _confirm_refusal(err) from None
    except ApiUnavailable as err:
        raise EnvironmentFailure(
            f"the archive was uploaded but confirming it failed: {err.message}",
            where=err.where,
            hint="Run `mixpeek plugin list` to see whether it was published; if not, run publish "
            "again",
        ) from None


def _confirm_refusal(err: ApiRejected) -> KitError:
    """A 400 on confirm: an expired upload, a failed validation, or some other refusal."""
    if err.status == 404:
        err.hint = (
            "The platform cannot find the upload or the uploaded object; nothing was "
            "published. Run publish again"
        )
    if err.status != 400:
        return err
    parsed = ApiError(err.message, err.error_type, err.details)
    if "expire" in parsed.text():
        return UploadExpired(
            err.message, status=400, error_type=err.error_type, details=err.details, where=err.where
        )
    errors = parsed.listed_errors()
    if not errors and "valid" not in parsed.text():
        return err
    return ServerChecksFailed(
        "the platform refused the plugin after checking it server-side:\n"
        + ("\n".join(f"  {e}" for e in errors[:20]) or f"  {err.message}"),
        errors=errors,
        where=err.where,
        hint="Fix these and publish again (`mixpeek plugin validate` and `mixpeek plugin scan` "
        "run the same kinds of checks locally)",
    )


def _check_content_type(upload: dict[str, Any], prepared: Prepared) -> None:
    """A server that names the content type it wants must get an archive of that format."""
    form = upload.get("fields")
    fields: dict[str, Any] = form if isinstance(form, dict) else {}
    wanted = upload.get("content_type") or fields.get("Content-Type")
    ours = prepared.archive_format.content_type
    if not isinstance(wanted, str) or wanted == ours:
        return
    other = {f.content_type: f.value for f in ArchiveFormat}.get(wanted)
    raise BadInput(
        f"the server wants the archive as {wanted}, but this publish built a "
        f".{prepared.archive_format.value} ({ours}); nothing was uploaded",
        where="--archive-format",
        hint=f"Publish again with --archive-format {other}"
        if other
        else "This server expects an archive format the kit does not write",
    )


def _required(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise EnvironmentFailure(
            f"the create-upload answer has no {key!r}",
            hint="Check that MIXPEEK_BASE_URL points at the plugin API",
        )
    return value


def _next_version(version: str) -> str:
    """``v1`` -> ``v2``, ``1.0.0`` -> ``1.0.1``: the smallest bump that keeps the style."""
    head = version.rstrip("0123456789")
    tail = version[len(head) :]
    return f"{head}{int(tail) + 1}" if tail else f"{version}.1"
