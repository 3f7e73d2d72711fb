"""Fixtures: a real ``mixpeek registry serve`` process and copies of the docs fixture plugin."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mixpeek_tools.registry.launch import RunningRegistry, running_registry

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "docs_plugin" / "my_extractor"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    with running_registry(tmp_path_factory.mktemp("registry"), namespace="ns_test") as running:
        yield running


@pytest.fixture
def make_plugin(tmp_path: Path) -> Callable[..., Path]:
    """Copy the docs fixture plugin under a new name and version (and optional extra code)."""

    def make(name: str, version: str = "v1", extra_code: str = "") -> Path:
        dest = tmp_path / name
        shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__"))
        manifest = dest / "manifest.py"
        text = re.sub(r'"name": "[^"]+"', f'"name": "{name}"', manifest.read_text())
        manifest.write_text(re.sub(r'"version": "[^"]+"', f'"version": "{version}"', text))
        if extra_code:
            core = dest / "processors" / "core.py"
            core.write_text(core.read_text() + "\n" + extra_code)
        return dest

    return make


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
