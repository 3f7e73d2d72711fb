"""Start a guarded child with a private HOME and kill its whole process group when it is done.

The child runs in its own session (``start_new_session``), so on timeout, or when the parent is
interrupted, ``killpg`` reaches everything the plugin may have started; the child also asked
the kernel to die with its parent (:func:`mixpeek_tools.guard.child.die_with_parent`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess  # nosec B404  # runs our own modules, never a shell
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mixpeek_tools.guard.child import PARENT_ENV
from mixpeek_tools.guard.hook import Denial, read_report

KEEP_ENV = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "TERM", "MIXPEEK_BASE_URL", "MIXPEEK_NAMESPACE",
            "VIRTUAL_ENV", "TMPDIR")  # fmt: skip


@dataclass
class ChildResult:
    """How a guarded child ended: its exit code (None on timeout), output and denials."""

    returncode: int | None
    stdout: str
    stderr: str
    denials: list[Denial] = field(default_factory=list)


def child_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no credentials, a private HOME, no user site-packages."""
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    env.update({"HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
                PARENT_ENV: str(os.getpid())})  # fmt: skip
    env.setdefault("LANG", "C.UTF-8")
    env.update(extra or {})
    return env


def run_child(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float,
              capture: bool = True) -> tuple[int | None, str, str]:
    """Run ``argv`` in a new session; on timeout kill the whole group and return ``None``."""
    pipe = subprocess.PIPE if capture else None
    proc = subprocess.Popen(  # nosec B603  # fixed argv, our own module
        list(argv), cwd=cwd, env=dict(env), stdout=pipe, stderr=pipe, text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out or "", err or ""
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        return None, out or "", err or ""
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        _kill_group(proc)  # whatever the plugin left running in its group


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_cli_guarded(argv: Sequence[str], roots: Sequence[Path], *, entry: str,
                    timeout: float = 3600, capture: bool = False) -> ChildResult:
    """Run ``mixpeek ARGV`` in a guarded child; plugin code under ``roots`` is watched.

    ``entry`` is the module run with ``python -m ENTRY SPEC.json`` (the CLI passes its own
    :mod:`mixpeek_tools.cli.guarded_main`, so this package never imports the CLI).
    """
    with tempfile.TemporaryDirectory(prefix="mixpeek-guard-") as scratch:
        work = Path(scratch)
        home = work / "home"
        home.mkdir()
        report = work / "denials.jsonl"
        spec = work / "spec.json"
        spec.write_text(json.dumps({"roots": [str(Path(r).resolve()) for r in roots],
                                    "report": str(report), "argv": list(argv)}))  # fmt: skip
        code, out, err = run_child(
            [sys.executable, "-m", entry, str(spec)],
            env=child_env(home), cwd=Path.cwd(), timeout=timeout, capture=capture,
        )
        return ChildResult(code, out, err, read_report(report))
