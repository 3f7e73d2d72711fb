"""Speaking to a running local registry over HTTP the way the platform's clients do.

``Api`` checks every answer's status and its schema from the sheet (``plugin_api_schemas``);
``start_upload``/``confirm``/``publish`` are the official CLI's publish in steps, for tests that
need to stop between them; ``tar_gz``/``zip_archive`` pack a plugin folder the way other clients
pack theirs.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mixpeek_tools.registry.launch import RunningRegistry
from mixpeek_tools.registry.server import DB_NAME
from mixpeek_tools.registry.store import Store
from tests.support.plugin_api_schemas import assert_matches

_namespaces = itertools.count(1)


@dataclass
class Api:
    """One namespace of a running registry, spoken to over HTTP as the platform's clients do."""

    base_url: str
    namespace: str
    key: str

    @classmethod
    def of(cls, registry: RunningRegistry) -> Api:
        """The namespace the registry was started with, under its own key."""
        return cls(registry.base_url, registry.namespace, registry.api_key)

    @property
    def plugins(self) -> str:
        return f"{self.base_url}/v1/namespaces/{self.namespace}/plugins"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def call(self, method: str, path: str, *, expect: int = 200, schema: str | None = None,
             **kwargs: Any) -> Any:  # fmt: skip
        """One request to ``plugins`` + ``path``; checks the status and the sheet's schema."""
        url = path if path.startswith("http") else self.plugins + path
        headers = {**self.auth, **kwargs.pop("headers", {})}
        answer = requests.request(method, url, headers=headers, timeout=120, **kwargs)
        assert answer.status_code == expect, (answer.status_code, answer.text)
        body = answer.json()
        if schema is None:
            schema = "validation_error" if expect == 422 else "error" if expect >= 400 else None
        if schema:
            assert_matches(schema, body)
        return body


def new_namespace(registry: RunningRegistry, prefix: str = "ns_t") -> Api:
    namespace = f"{prefix}{next(_namespaces)}"
    key = Store(registry.data_dir / DB_NAME).add_key(namespace)
    return Api(registry.base_url, namespace, key)


def plugins_url(registry: RunningRegistry) -> str:
    return Api.of(registry).plugins


def auth(registry: RunningRegistry) -> dict[str, str]:
    return Api.of(registry).auth


def official_version(version: str) -> str:
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
    body = {"name": name, "version": official_version(version), "file_size_bytes": len(data)}
    upload = Api.of(registry).call("POST", "/uploads", schema="create_upload", json=body)
    sent = requests.put(upload["presigned_url"], data=data,
                        headers={"Content-Type": "application/gzip"}, timeout=60)  # fmt: skip
    assert sent.status_code in (200, 201, 204), sent.text
    return Upload(upload, len(data), hashlib.sha256(data).hexdigest())


def confirm(registry: RunningRegistry, up: Upload, timeout: float = 300) -> requests.Response:
    """The raw answer: tests of refusals and races read its status themselves."""
    return requests.post(
        f"{plugins_url(registry)}/uploads/{up.upload['upload_id']}/confirm",
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
    """Where the registry keeps a published plugin's archive on disk."""
    return registry.data_dir / "archives" / registry.namespace / f"{plugin_id}.{fmt}"


def status(registry: RunningRegistry, plugin_id: str) -> dict[str, Any]:
    got = requests.get(f"{plugins_url(registry)}/{plugin_id}/status", headers=auth(registry),
                       timeout=30)  # fmt: skip
    assert got.status_code == 200, got.text
    assert_matches("status", got.json())
    return dict(got.json())


def poll_until_settled(
    registry: RunningRegistry, plugin_id: str, timeout: float = 120
) -> list[dict[str, Any]]:
    """Every status record seen until it is deployed or failed (at most ``timeout`` s)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(status(registry, plugin_id))
        if seen[-1]["status"] in ("deployed", "failed"):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"still {seen[-1]['status']} after {timeout} s")


def tar_gz(plugin: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(plugin, arcname=plugin.name, filter=lambda i: None if "/tests" in i.name else i)
    return dest


def zip_archive(plugin: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(plugin.rglob("*")):
            rel = path.relative_to(plugin.parent)
            if path.is_file() and "tests" not in rel.parts:
                zf.write(path, rel.as_posix())
    return dest
