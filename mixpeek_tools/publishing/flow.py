"""The publish flow: check, scan, archive, request an upload, stream it, confirm.

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

from mixpeek_tools.errors import BadInput, ChecksFailed, EnvironmentFailure
from mixpeek_tools.findings import Finding, Severity
from mixpeek_tools.publishing.archive import ArchiveInfo, collect_entries, write_archive
from mixpeek_tools.publishing.client import ApiRejected, ApiUnavailable, PluginApi
from mixpeek_tools.publishing.manifest import PluginMetadata, read_metadata
from mixpeek_tools.publishing.upload import UploadTarget, upload_archive

Say = Callable[[str], None]


@dataclass
class Prepared:
    """A plugin ready to upload: its metadata, its archive and the warnings met on the way."""

    root: Path
    metadata: PluginMetadata
    archive: ArchiveInfo
    warnings: list[Finding] = field(default_factory=list)


@dataclass
class Published:
    """What confirm answered."""

    plugin_id: str
    status: str
    message: str
    response: dict[str, Any]


def archive_path(root: Path, meta: PluginMetadata) -> Path:
    """Archives live in the plugin's own ``.mixpeek/dist`` (always left out of archives)."""
    return root / ".mixpeek" / "dist" / f"{meta.name}-{meta.version}.tar.gz"


def prepare(root: Path, *, say: Say = lambda _: None, run_checks: bool = True) -> Prepared:
    """Every local step of publishing: nothing here touches the network."""
    root = root.resolve()
    if not root.is_dir():
        raise BadInput("the plugin folder does not exist", where=str(root), hint="Check --path")
    meta = read_metadata(root)
    entries = collect_entries(root, meta.name)
    warnings: list[Finding] = []
    if run_checks:
        say("Validating (static checks)...")
        warnings += _validate(root)
        say("Security scan...")
        # Exactly the files the archive will hold, every type: a .so, .pth or notebook is as
        # much a part of the upload as the .py files (data files are only sniffed, not read).
        warnings += _scan([e.source for e in entries], root)
    say("Building the archive...")
    archive = write_archive(entries, archive_path(root, meta))
    return Prepared(root, meta, archive, warnings)


def _validate(root: Path) -> list[Finding]:
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


def _scan(paths: list[Path], root: Path) -> list[Finding]:
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


def publish(
    prepared: Prepared, api: PluginApi, *, say: Say = lambda _: None, progress: bool | None = None
) -> Published:
    """Request an upload, stream the archive, confirm it; raise on anything but ``ready``."""
    meta, archive = prepared.metadata, prepared.archive
    request = {**meta.as_request(), "file_size_bytes": archive.size, "sha256": archive.sha256}
    say(f"Requesting an upload for {meta.name} {meta.version}...")
    upload = _create_upload(api, request, meta)
    target = UploadTarget(
        url=_required(upload, "upload_url"),
        method=str(upload.get("method") or "POST"),
        fields=upload.get("fields"),
    )
    say(f"Uploading {archive.size:,} bytes...")
    started = time.perf_counter()
    etag = upload_archive(
        api.session, target, archive, policy=api.policy, progress=progress, notify=api.notify
    )
    took = max(time.perf_counter() - started, 1e-9)
    say(f"Uploaded {archive.size:,} bytes in {took:.2f} s ({archive.size / took / 1e6:.1f} MB/s).")
    say("Confirming...")
    confirmed = _confirm(api, _required(upload, "upload_id"), archive, etag)
    result = Published(
        plugin_id=str(confirmed.get("plugin_id") or ""),
        status=str(confirmed.get("status") or ""),
        message=str(confirmed.get("message") or ""),
        response=confirmed,
    )
    refused = (
        confirmed.get("security_scan_passed") is False or confirmed.get("manifest_valid") is False
    )
    if result.status == "failed" or refused:
        raise ChecksFailed(
            f"the registry refused {meta.name} {meta.version} after checking it server-side "
            f"(plugin {result.plugin_id}, status {result.status}):\n"
            + _list_violations(
                list(confirmed.get("security_violations") or [])
                + list(confirmed.get("validation_errors") or [])
            ),
            where=api.base_url,
            hint="Fix these, bump the version in manifest.py and publish again",
        )
    return result


def _create_upload(api: PluginApi, request: dict[str, Any], meta: PluginMetadata) -> dict[str, Any]:
    try:
        return api.create_upload(request, idempotency_key=uuid.uuid4().hex)
    except ApiRejected as err:
        if err.status == 409:
            raise BadInput(
                f"{meta.name} version {meta.version} is already published in namespace "
                f"{api.namespace}",
                where=f"{meta.manifest}:{meta.line} (metadata.version)",
                hint=f"Bump the version (for example {_next_version(meta.version)!r}) and publish "
                "again, or delete the published one first with `mixpeek plugin delete`",
            ) from None
        raise


def _confirm(
    api: PluginApi, upload_id: str, archive: ArchiveInfo, etag: str | None
) -> dict[str, Any]:
    body = {"etag": etag, "file_size_bytes": archive.size, "sha256": archive.sha256}
    try:
        return api.confirm_upload(upload_id, body)
    except ApiUnavailable as err:
        raise EnvironmentFailure(
            f"the archive was uploaded but confirming it failed: {err.message}",
            where=err.where,
            hint="Run `mixpeek plugin list` to see whether it was published; if not, run publish "
            "again (a confirmed upload is never published twice)",
        ) from None


def _required(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise EnvironmentFailure(
            f"the create-upload answer has no {key!r}",
            hint="Check that MIXPEEK_BASE_URL points at the plugin API",
        )
    return value


def _list_violations(violations: list[Any]) -> str:
    lines = []
    for v in violations[:20]:
        if isinstance(v, dict):
            where = v.get("path") or ""
            if v.get("line"):
                where += f":{v['line']}"
            lines.append(
                f"  {where + ': ' if where else ''}{v.get('rule', '')}: {v.get('message', '')}"
            )
        else:
            lines.append(f"  {v}")
    return "\n".join(lines) or "  (no details given)"


def _next_version(version: str) -> str:
    """``v1`` -> ``v2``, ``1.0.0`` -> ``1.0.1``: the smallest bump that keeps the style."""
    head = version.rstrip("0123456789")
    tail = version[len(head) :]
    return f"{head}{int(tail) + 1}" if tail else f"{version}.1"
