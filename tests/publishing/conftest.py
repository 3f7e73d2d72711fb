"""Fixtures: the strict stand-in platform, fault-injecting proxies in front of it, plugin copies.

``platform_server`` is what the protocol tests run against: anything with ``base_url``,
``api_key``, ``namespace`` and ``env()`` (the strict stand-in here; the local registry's
``RunningRegistry`` has the same four, so it can be added as a parameter). Tests that turn the
stand-in's knobs (quota, expiry, failures) ask for ``strict_platform`` instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import strict_platform as strict
from faultproxy import FaultProxy, free_port, start

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
def strict_server() -> Iterator[strict.StrictPlatform]:
    with strict.running() as platform:
        yield platform


@pytest.fixture
def strict_platform(strict_server: strict.StrictPlatform) -> strict.StrictPlatform:
    """The stand-in, emptied and with its knobs back to the defaults."""
    strict_server.reset()
    return strict_server


@pytest.fixture
def platform_server(strict_platform: strict.StrictPlatform) -> strict.StrictPlatform:
    return strict_platform


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
        dest = tmp_path / name
        shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__", ".mixpeek"))
        manifest = dest / "manifest.py"
        text = re.sub(r'"name": "[^"]+"', f'"name": "{name}"', manifest.read_text())
        manifest.write_text(re.sub(r'"version": "[^"]+"', f'"version": "{version}"', text))
        if not realtime:
            (dest / "realtime.py").unlink()
        return dest

    return make


def mixpeek(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process, as a user runs it (the worktree stays first on the path)."""
    return subprocess.run(
        [sys.executable, "-m", "mixpeek_tools", *args],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=300,
        check=False,
    )
