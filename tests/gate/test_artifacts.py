"""Bytecode, native extensions and .pth files are refused everywhere, and none of them runs.

Each plugin below imports its hostile file the way Python would find it (a sourceless module,
a cache entry that Python trusts without checking, an extension that shadows a source module, a
.pth line). The payload writes a marker file: the tests prove it never ran in scan, validate,
publish --dry-run or the registry's verify.
"""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

import pytest

from mixpeek_tools.registry.verify import inspect_archive
from tests.gate.conftest import ARTIFACTS, copy_plugin, plant
from tests.support.cli import mixpeek


@pytest.mark.parametrize("kind", ARTIFACTS)
def test_the_client_refuses_it_and_never_runs_it(tmp_path: Path, kind: str) -> None:
    plugin = copy_plugin(tmp_path)
    marker = tmp_path / "MARKER"
    rel = plant(plugin, kind, marker)
    scan = mixpeek("plugin", "scan", str(plugin))
    assert scan.returncode == 1 and rel in scan.stdout, scan.stdout + scan.stderr
    validate = mixpeek("plugin", "validate", "--path", str(plugin))
    assert validate.returncode == 1, validate.stdout + validate.stderr
    assert rel in validate.stdout
    assert "not run: the security scan has findings" in validate.stdout  # import checks did not run
    publish = mixpeek("plugin", "publish", "--path", str(plugin), "--dry-run")
    assert publish.returncode == 1, publish.stdout + publish.stderr
    assert rel in publish.stderr
    assert not marker.exists(), f"the {kind} payload ran"


def _tar(plugin: Path, dest: Path) -> Path:
    """An upload holding every file of the folder (the way a hostile client would pack it)."""
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(plugin, arcname=plugin.name)
    return dest


@pytest.mark.parametrize("kind", ARTIFACTS)
def test_the_registry_refuses_it_and_never_runs_it(tmp_path: Path, kind: str) -> None:
    plugin = copy_plugin(tmp_path)
    marker = tmp_path / "MARKER"
    rel = plant(plugin, kind, marker)
    work = tmp_path / "work"
    work.mkdir()
    verdict = inspect_archive(_tar(plugin, tmp_path / "up.tar.gz"),
                              {"name": plugin.name, "version": "v1"}, work)  # fmt: skip
    assert verdict.status == "failed"
    assert any(str(v.get("path", "")).endswith(rel) for v in verdict.violations), verdict.violations
    assert not marker.exists(), f"the {kind} payload ran on the registry"


def test_the_registry_refuses_even_a_genuine_looking_timestamp_cache(tmp_path: Path) -> None:
    """Untrusted mode skips nothing: any bytecode in an upload is a violation."""
    from tests.gate.conftest import pyc

    plugin = copy_plugin(tmp_path)
    cache = plugin / "processors" / "__pycache__" / f"core.{sys.implementation.cache_tag}.pyc"
    cache.parent.mkdir()
    cache.write_bytes(pyc("X = 1\n", 0))
    work = tmp_path / "work"
    work.mkdir()
    verdict = inspect_archive(_tar(plugin, tmp_path / "up.tar.gz"),
                              {"name": plugin.name, "version": "v1"}, work)  # fmt: skip
    assert verdict.status == "failed"
    assert any("__pycache__" in str(v.get("path", "")) for v in verdict.violations)
