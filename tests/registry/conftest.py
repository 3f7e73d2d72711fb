"""Fixtures: a real ``mixpeek registry serve`` process, fresh namespaces, plugin archives."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mixpeek_tools.registry.launch import RunningRegistry, running_registry
from tests.support.cli import mixpeek
from tests.support.plugins import copy_docs_plugin
from tests.support.registry_api import Api, new_namespace, tar_gz, zip_archive

__all__ = ["Api", "new_namespace", "tar_gz", "zip_archive"]  # the tests import them from here too

ROOT = Path(__file__).resolve().parents[2]
_copies = itertools.count(1)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    with running_registry(tmp_path_factory.mktemp("registry"), namespace="ns_test") as running:
        yield running


@pytest.fixture
def api(registry: RunningRegistry) -> Api:
    """A fresh namespace per test, so quotas and names never collide between tests."""
    return new_namespace(registry)


@pytest.fixture
def make_plugin(tmp_path: Path) -> Callable[..., Path]:
    """Copy the docs fixture plugin under a new name and version (and optional extra code)."""

    def make(name: str, version: str = "v1", extra_code: str = "", realtime: bool = True) -> Path:
        dest = copy_docs_plugin(tmp_path / f"src{next(_copies)}" / name, name=name,
                                version=version, realtime=realtime)  # fmt: skip
        if extra_code:
            core = dest / "processors" / "core.py"
            core.write_text(core.read_text() + "\n" + extra_code)
        return dest

    return make


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return mixpeek
