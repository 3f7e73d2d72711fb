"""One plugin's realtime service as a supervised child process of the registry.

The child is the kit's own ``mixpeek plugin serve`` (local engine: the same Starlette app, the
same validation and error bodies as ``mixpeek plugin serve`` gives a developer) on a free
loopback port, started through :mod:`guarded` so that it

- runs in its own process group (stopping it stops everything it started),
- dies with the registry, even when the registry is SIGKILLed,
- gets a minimal environment: none of the registry's credentials or S3 settings.

:meth:`ServiceProcess.start` returns once ``GET /health`` answers, or raises
:class:`ServiceFailed` with the child's own last lines of output (a plugin that crashes at
import or in its service's ``__init__`` says why there).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess  # nosec B404  # starts our own CLI with a fixed argv
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from mixpeek_tools.registry.guarded import guarded_argv

START_TIMEOUT = 120.0
STOP_GRACE = 5.0
LOG_TAIL_LINES = 15


class ServiceFailed(RuntimeError):
    """The service did not come up, or went down; the message is the reason for ``error``."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(home: Path) -> dict[str, str]:
    """What the service may see of the registry's environment: nothing secret."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "LANG": "C.UTF-8",
    }
    if "PYTHONPATH" in os.environ:  # the kit itself may be importable only through it
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


class ServiceProcess:
    """Start, watch and stop the realtime service of the plugin in ``plugin_dir``."""

    def __init__(self, plugin_dir: Path, work_dir: Path) -> None:
        self.plugin_dir = plugin_dir
        self.work_dir = work_dir
        self.log_path = work_dir / "service.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Spawn the child and wait until it answers ``/health``; raise :class:`ServiceFailed`."""
        home = self.work_dir / "home"
        home.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        args = ["plugin", "serve", "--path", str(self.plugin_dir),
                "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # nosec B603  # fixed argv, our own CLI
                guarded_argv("mixpeek_tools", args),
                cwd=self.work_dir,
                env=child_env(home),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_healthy(timeout)

    def _wait_healthy(self, timeout: float) -> None:
        assert self.process is not None  # nosec B101  # start() set it
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                raise ServiceFailed("the deployment was stopped while it started")
            code = self.process.poll()
            if code is not None:
                raise ServiceFailed(self.exit_reason(code, "at start"))
            with contextlib.suppress(urllib.error.URLError, OSError):
                url = self.base_url + "/health"
                with urllib.request.urlopen(url, timeout=1) as answer:  # nosec B310  # loopback
                    if answer.status == 200:
                        return
            time.sleep(0.2)
        self.stop()
        raise ServiceFailed(
            f"the realtime service did not answer /health within {timeout:.0f} s; "
            f"its last output: {log_tail(self.log_path) or '(none)'}"
        )

    def exit_reason(self, code: int, when: str) -> str:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        tail = log_tail(self.log_path)
        return f"the realtime service {how} {when}" + (f": {tail}" if tail else "")

    def watch(self, on_exit: Callable[[str], None]) -> None:
        """Call ``on_exit(reason)`` from a thread if the child ends without :meth:`stop`."""

        def wait() -> None:
            assert self.process is not None  # nosec B101
            code = self.process.wait()
            if not self._stopping.is_set():
                on_exit(self.exit_reason(code, "while deployed"))

        threading.Thread(target=wait, daemon=True, name=f"watch-{self.port}").start()

    def stop(self) -> None:
        """SIGTERM to the child's group, SIGKILL after :data:`STOP_GRACE` seconds."""
        self._stopping.set()
        proc = self.process
        if proc is None:
            return
        if proc.poll() is not None:  # the leader is gone; anything left in its group goes too
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            return
        for sig, grace in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, STOP_GRACE)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue
