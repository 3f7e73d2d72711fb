"""Publishing straight over the registry's HTTP API (no CLI), for tests that drive the routes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mixpeek_tools.registry.launch import RunningRegistry


def api(registry: RunningRegistry) -> str:
    return f"{registry.base_url}/v1/namespaces/{registry.namespace}/plugins"


def auth(registry: RunningRegistry) -> dict[str, str]:
    return {"Authorization": f"Bearer {registry.api_key}"}


def semver(version: str) -> str:
    """A manifest's ``vN`` as the API's ``N.0.0`` (what the official CLI sends)."""
    found = re.fullmatch(r"v(\d+)", version)
    return f"{found.group(1)}.0.0" if found else version


@dataclass
class Upload:
    upload: dict[str, Any]
    size: int
    sha256: str


def start_upload(registry: RunningRegistry, archive: Path, name: str, version: str) -> Upload:
    """Create an upload for ``archive`` and PUT its bytes to S3 (not yet confirmed)."""
    data = archive.read_bytes()
    body = {"name": name, "version": semver(version), "file_size_bytes": len(data)}
    created = requests.post(
        f"{api(registry)}/uploads", json=body, headers=auth(registry), timeout=30
    )
    assert created.status_code == 200, created.text
    upload = created.json()
    sent = requests.put(upload["presigned_url"], data=data,
                        headers={"Content-Type": "application/gzip"}, timeout=60)  # fmt: skip
    assert sent.status_code in (200, 201, 204), sent.text
    return Upload(upload, len(data), hashlib.sha256(data).hexdigest())


def confirm(registry: RunningRegistry, up: Upload, timeout: float = 300) -> requests.Response:
    return requests.post(
        f"{api(registry)}/uploads/{up.upload['upload_id']}/confirm",
        json={"file_size_bytes": up.size},
        headers=auth(registry),
        timeout=timeout,
    )


def publish(registry: RunningRegistry, archive: Path, name: str, version: str) -> tuple[str, str]:
    """Upload and confirm; returns ``(plugin_id, sha256)`` of a plugin that must have passed."""
    up = start_upload(registry, archive, name, version)
    done = confirm(registry, up)
    assert done.status_code == 200 and done.json()["validation_status"] == "passed", done.text
    return done.json()["plugin_id"], up.sha256


def kept_archive(registry: RunningRegistry, plugin_id: str, fmt: str = "tar.gz") -> Path:
    return registry.data_dir / "archives" / registry.namespace / f"{plugin_id}.{fmt}"
