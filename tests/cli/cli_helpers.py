"""Helpers of the CLI tests: the real ``mixpeek`` in a subprocess, plugin copies, a tiny API."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Re-exported: the CLI tests import them from here with the helpers below.
from tests.support.cli import mixpeek as mixpeek
from tests.support.cli import start_mixpeek as start_mixpeek
from tests.support.net import free_port as free_port
from tests.support.plugins import copy_plugin as copy_plugin


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without MIXPEEK_* settings, a config file path under tmp_path,
    and PYTHONPATH kept so the subprocess imports this worktree's kit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIXPEEK_")}
    env["MIXPEEK_CONFIG"] = str(tmp_path / "no-config.toml")
    env.update(extra)
    return env


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
