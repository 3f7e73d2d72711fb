"""Speaking to a running local registry over HTTP the way the platform's clients do.

``Api`` checks every answer's status and its schema from the sheet (``plugin_api_schemas``);
``tar_gz``/``zip_archive`` pack a plugin folder the way other clients pack theirs.
"""

from __future__ import annotations

import itertools
import tarfile
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
