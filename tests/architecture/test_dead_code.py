"""No dead code: vulture, configured in pyproject.toml, finds nothing outside its whitelist."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def vulture(*extra: str) -> subprocess.CompletedProcess[str]:
    """``python -m vulture`` with the project's [tool.vulture] settings, plus ``extra`` paths."""
    return subprocess.run(
        [sys.executable, "-m", "vulture", *extra], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )


def test_the_kit_has_no_dead_code() -> None:
    done = vulture()
    assert done.returncode == 0 and not done.stdout, (
        "vulture found unused code: delete it, or add the name to "
        "tests/architecture/vulture_whitelist.py with the reason it is used\n"
        + done.stdout + done.stderr
    )


def test_a_dead_function_is_reported(tmp_path: Path) -> None:
    module = tmp_path / "leftover.py"
    module.write_text("def old_helper() -> int:\n    return 1\n")
    # Paths on the command line replace the configured ones: scan the kit plus the new module.
    done = vulture("mixpeek_tools", "scripts", "benchmarks",
                   "tests/architecture/vulture_whitelist.py", str(module))
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"{module}:1: unused function 'old_helper'" in done.stdout
    assert done.stdout.count("\n") == 1, done.stdout  # nothing else
