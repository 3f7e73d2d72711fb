"""Fixtures of the engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.engine_plugin import write_plugin


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """The engine probe plugin (tests/support/engine_plugin.py), written fresh for each test."""
    return write_plugin(tmp_path / "plugins")
