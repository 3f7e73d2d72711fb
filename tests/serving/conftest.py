"""Fixtures of the realtime-server tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.plugins import copy_plugin


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """A fresh, editable copy of the docs-style fixture plugin."""
    return copy_plugin(tmp_path)
