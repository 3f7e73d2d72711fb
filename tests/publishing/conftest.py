"""Fixtures: the strict stand-in platform, fault-injecting proxies in front of it, plugin copies.

``platform_server`` is what the protocol tests run against: anything with ``base_url``,
``api_key``, ``namespace`` and ``env()``. It is parametrized: the strict stand-in here, and the
kit's own local registry (a real ``mixpeek registry serve`` process, a fresh namespace per test,
with an organisation plugin ``org_shared`` published from another namespace, as the stand-in
has). So the client and the registry are held to the same sheet. Tests that turn the stand-in's
knobs (quota, expiry, failures) or read its request log ask for ``strict_platform`` instead.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import strict_platform as strict
from faultproxy import FaultProxy, start

from mixpeek_tools.registry.launch import RunningRegistry, running_registry
from mixpeek_tools.registry.server import DB_NAME
from mixpeek_tools.registry.store import Store
from tests.support.cli import mixpeek
from tests.support.net import free_port
from tests.support.plugins import copy_docs_plugin

_namespaces = itertools.count(1)


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
def strict_server() -> Iterator[strict.StrictPlatform]:
    with strict.running() as platform:
        yield platform


@pytest.fixture
def strict_platform(strict_server: strict.StrictPlatform) -> strict.StrictPlatform:
    """The stand-in, emptied and with its knobs back to the defaults."""
    strict_server.reset()
    return strict_server


def copy_plugin(dest_root: Path, name: str, version: str = "v1", realtime: bool = True) -> Path:
    """A copy of the docs fixture plugin named ``name`` (folder and metadata), at ``version``."""
    return copy_docs_plugin(dest_root / name, name=name, version=version, realtime=realtime)


def in_namespace(registry: RunningRegistry, namespace: str) -> RunningRegistry:
    """The same registry, spoken to with a new key of ``namespace``."""
    key = Store(registry.data_dir / DB_NAME).add_key(namespace)
    return dataclasses.replace(registry, namespace=namespace, api_key=key)


@pytest.fixture(scope="module")
def registry_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    """The kit's local registry, with ``org_shared`` published in namespace ``ns_org``."""
    root = tmp_path_factory.mktemp("registry")
    with running_registry(root / "data", namespace="ns_publishing") as running:
        org = in_namespace(running, "ns_org")
        plugin = copy_plugin(root, "org_shared", realtime=False)
        done = mixpeek("plugin", "publish", "-p", str(plugin), "-y", env=org.env())
        assert done.returncode == 0, done.stderr
        yield running


@pytest.fixture(params=["strict", "registry"])
def platform_server(request: pytest.FixtureRequest) -> strict.StrictPlatform | RunningRegistry:
    """The stand-in (emptied) or the registry (a fresh namespace): one sheet, two servers."""
    if request.param == "strict":
        platform: strict.StrictPlatform = request.getfixturevalue("strict_platform")
        return platform
    registry: RunningRegistry = request.getfixturevalue("registry_server")
    return in_namespace(registry, f"ns_pub{next(_namespaces)}")


@pytest.fixture(scope="module")
def faulty_platform(
    proxies: tuple[FaultProxy, FaultProxy],
) -> Iterator[tuple[strict.StrictPlatform, FaultProxy, FaultProxy]]:
    """A stand-in platform whose API and presigned S3 URLs are reached through the proxies."""
    api_proxy, s3_proxy = proxies
    with strict.running() as platform:
        api_proxy.upstream = platform.base_url
        s3_proxy.upstream = platform.s3_url
        yield platform, api_proxy, s3_proxy


@pytest.fixture
def plugin_copy(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the docs fixture plugin named ``name`` (folder and metadata), at ``version``."""

    def make(name: str, version: str = "v1", realtime: bool = True) -> Path:
        return copy_plugin(tmp_path, name, version, realtime)

    return make
