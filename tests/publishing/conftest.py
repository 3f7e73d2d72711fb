"""Fixtures: fault-injecting proxies, and a registry whose API and S3 traffic pass through them."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from faultproxy import FaultProxy, start

from mixpeek_tools.registry.launch import RunningRegistry, free_port, running_registry

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "docs_plugin" / "my_extractor"


@pytest.fixture(scope="module")
def proxies() -> Iterator[tuple[FaultProxy, FaultProxy]]:
    """Two proxies: one in front of the plugin API, one in front of the S3 endpoint."""
    pair = (FaultProxy(free_port()), FaultProxy(free_port()))
    servers = [start(p) for p in pair]
    yield pair
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def faulty_registry(
    tmp_path_factory: pytest.TempPathFactory, proxies: tuple[FaultProxy, FaultProxy]
) -> Iterator[tuple[RunningRegistry, FaultProxy, FaultProxy]]:
    """A real registry whose API and presigned S3 URLs are reached through the proxies."""
    api_proxy, s3_proxy = proxies
    data = tmp_path_factory.mktemp("faulty-registry")
    with running_registry(
        data, namespace="ns_faults", extra_args=["--s3-public-url", s3_proxy.url]
    ) as reg:
        api_proxy.upstream = reg.base_url
        match = re.search(r"S3: (http://127\.0\.0\.1:\d+)", reg.log.read_text())
        assert match, reg.log.read_text()
        s3_proxy.upstream = match.group(1)
        yield reg, api_proxy, s3_proxy


@pytest.fixture
def plugin_copy(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__"))
        manifest = dest / "manifest.py"
        manifest.write_text(re.sub(r'"name": "[^"]+"', f'"name": "{name}"', manifest.read_text()))
        return dest

    return make
