"""Helpers for the validator tests: the CLI as a real process, sample files, fixture paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DOCS_PLUGIN = REPO / "tests" / "fixtures" / "docs_plugin" / "my_extractor"


def run_mixpeek(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``mixpeek ARGS`` as a real process, the way a user runs it."""
    full_env = dict(os.environ)
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mixpeek_tools", *args],
        capture_output=True, text=True, cwd=cwd, env=full_env, timeout=600,
    )


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path
