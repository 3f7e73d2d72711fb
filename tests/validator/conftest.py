"""Fixtures for the validator tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from mixpeek_tools.validator.examples import write_tree

MakePlugin = Callable[..., Path]


@pytest.fixture
def make_plugin(tmp_path: Path) -> MakePlugin:
    """Write the baseline example plugin plus overrides under tmp_path; returns its root."""
    counter = iter(range(1000))

    def make(overrides: Mapping[str, str | None] | None = None, directory: str | None = None) -> Path:
        parent = tmp_path / f"p{next(counter)}"
        return write_tree(parent, overrides or {}, name=directory or "example_plugin")

    return make
