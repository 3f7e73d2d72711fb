"""Helpers for the validator tests: the CLI as a real process, sample files, fixture paths."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.cli import mixpeek

REPO = Path(__file__).resolve().parents[2]
DOCS_PLUGIN = REPO / "tests" / "fixtures" / "docs_plugin" / "my_extractor"


def run_mixpeek(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``mixpeek ARGS`` as a real process, outside GitHub Actions (which adds annotations)."""
    full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    full_env.update(env or {})
    return mixpeek(*args, cwd=cwd, env=full_env, timeout=600)


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path
