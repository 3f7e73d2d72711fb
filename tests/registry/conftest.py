"""Fixtures: a real ``mixpeek registry serve`` process, fresh namespaces, plugin archives."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``tests.support`` must import however pytest was started
    sys.path.insert(0, str(ROOT))

from mixpeek_tools.registry.launch import RunningRegistry, running_registry  # noqa: E402
from mixpeek_tools.registry.server import DB_NAME  # noqa: E402
from mixpeek_tools.registry.store import Store  # noqa: E402
from tests.support.plugin_api_schemas import assert_matches  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "docs_plugin" / "my_extractor"
_namespaces = itertools.count(1)
_copies = itertools.count(1)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    with running_registry(tmp_path_factory.mktemp("registry"), namespace="ns_test") as running:
        yield running


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


@pytest.fixture
def api(registry: RunningRegistry) -> Api:
    """A fresh namespace per test, so quotas and names never collide between tests."""
    return new_namespace(registry)


@pytest.fixture
def make_plugin(tmp_path: Path) -> Callable[..., Path]:
    """Copy the docs fixture plugin under a new name and version (and optional extra code)."""

    def make(name: str, version: str = "v1", extra_code: str = "", realtime: bool = True) -> Path:
        dest = tmp_path / f"src{next(_copies)}" / name
        shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__"))
        manifest = dest / "manifest.py"
        text = re.sub(r'"name": "[^"]+"', f'"name": "{name}"', manifest.read_text())
        manifest.write_text(re.sub(r'"version": "[^"]+"', f'"version": "{version}"', text))
        if extra_code:
            core = dest / "processors" / "core.py"
            core.write_text(core.read_text() + "\n" + extra_code)
        if not realtime:
            (dest / "realtime.py").unlink()
        return dest

    return make


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


def mixpeek(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "mixpeek_tools", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return mixpeek
