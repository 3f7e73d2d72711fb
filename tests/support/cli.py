"""The real ``mixpeek`` command in a child process, as a user runs it: one helper for every area."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's), with this process's PYTHONPATH kept.

    A test that builds its own environment must still import the kit under test (a worktree or
    a checkout first on the path), not whatever copy the interpreter would find by itself.
    """
    result = dict(os.environ if env is None else env)
    if "PYTHONPATH" not in result and os.environ.get("PYTHONPATH"):
        result["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return result


def mixpeek(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run ``python -m mixpeek_tools ARGS``; capture text output; never raise on exit codes."""
    return subprocess.run(
        [sys.executable, "-m", "mixpeek_tools", *args],
        capture_output=True,
        text=True,
        env=child_env(env),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def _default_sigint() -> None:
    # A child of a background shell inherits SIGINT ignored; Ctrl-C tests need the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_mixpeek(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m mixpeek_tools ARGS`` (a server, a long run) with piped text output."""
    return subprocess.Popen(
        [sys.executable, "-m", "mixpeek_tools", *args],
        env=child_env(env),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )
