"""Publishing straight over the registry's HTTP API (no CLI), for tests that drive the routes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mixpeek_tools.registry.launch import RunningRegistry


def api(registry: RunningRegistry) -> str:
    return f"{registry.base_url}/v1/namespaces/{registry.namespace}/plugins"


def auth(registry: RunningRegistry) -> dict[str, str]:
    return {"Authorization": f"Bearer {registry.api_key}"}


@dataclass
class Upload:
    upload: dict[str, Any]
    size: int
    sha256: str


def start_upload(registry: RunningRegistry, archive: Path, name: str, version: str) -> Upload:
    """Create an upload for ``archive`` and send its bytes to S3 (not yet confirmed)."""
    import hashlib

    data = archive.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    body = {"name": name, "version": version, "category": "text",
            "file_size_bytes": len(data), "sha256": sha}  # fmt: skip
    created = requests.post(
        f"{api(registry)}/uploads", json=body, headers=auth(registry), timeout=30
    )
    assert created.status_code == 201, created.text
    upload = created.json()
    sent = requests.post(
        upload["upload_url"], data=upload["fields"], files={"file": data}, timeout=60
    )
    assert sent.status_code in (200, 201, 204), sent.text
    return Upload(upload, len(data), sha)


def confirm(registry: RunningRegistry, up: Upload, timeout: float = 300) -> requests.Response:
    return requests.post(
        f"{api(registry)}/uploads/{up.upload['upload_id']}/confirm",
        json={"file_size_bytes": up.size, "sha256": up.sha256},
        headers=auth(registry),
        timeout=timeout,
    )


def publish(registry: RunningRegistry, archive: Path, name: str, version: str) -> tuple[str, str]:
    """Upload and confirm; returns ``(plugin_id, sha256)`` of a plugin that must be ready."""
    up = start_upload(registry, archive, name, version)
    done = confirm(registry, up)
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    return done.json()["plugin_id"], up.sha256
