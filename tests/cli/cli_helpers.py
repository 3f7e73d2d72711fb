"""Helpers of the CLI tests: the real ``mixpeek`` in a subprocess, plugin copies, a tiny API."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "docs_plugin" / "my_extractor"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_plugin(tmp_path: Path, name: str = "my_extractor") -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without MIXPEEK_* settings, a config file path under tmp_path,
    and PYTHONPATH kept so the subprocess imports this worktree's kit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIXPEEK_")}
    env["MIXPEEK_CONFIG"] = str(tmp_path / "no-config.toml")
    env.update(extra)
    return env


def _default_sigint() -> None:
    # A child of a background shell inherits SIGINT ignored; Ctrl-C tests need the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def mixpeek(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run([sys.executable, "-m", "mixpeek_tools", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=timeout)  # fmt: skip


def start_mixpeek(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mixpeek_tools", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_default_sigint)  # fmt: skip


def wait_http(url: str, proc: subprocess.Popen[str] | None = None, timeout: float = 30) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}: {proc.communicate()}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


class FakeApi:
    """A real loopback HTTP server answering the plugin list route; records what it was sent."""

    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.status = status
        self.body = {"success": True, "plugins": [], "total": 0} if body is None else body
        self.requests: list[dict[str, Any]] = []


@contextmanager
def fake_api(status: int = 200, body: Any = None) -> Iterator[tuple[str, FakeApi]]:
    api = FakeApi(status, body)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            api.requests.append({"path": self.path, "headers": dict(self.headers)})
            data = json.dumps(api.body).encode()
            self.send_response(api.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", api
    finally:
        server.shutdown()
        server.server_close()
