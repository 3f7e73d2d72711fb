"""Start ``mixpeek registry serve`` as a child process and wait until it answers.

Used by the test suite, the benchmark and anyone scripting against a throwaway registry: the
registry is exercised exactly as users run it (a real process, a real port, its own S3
endpoint), never as an in-process shortcut.
"""

from __future__ import annotations

import os
import socket
import subprocess  # nosec B404  # starts our own CLI with a fixed argv
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mixpeek_tools.errors import EnvironmentFailure
from mixpeek_tools.extras import require_extra


@dataclass(frozen=True)
class RunningRegistry:
    """A registry child process: where it listens and a key for ``namespace``."""

    base_url: str
    namespace: str
    api_key: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def env(self) -> dict[str, str]:
        """``os.environ`` plus the three variables the CLI reads."""
        return {
            **os.environ,
            "MIXPEEK_BASE_URL": self.base_url,
            "MIXPEEK_API_KEY": self.api_key,
            "MIXPEEK_NAMESPACE": self.namespace,
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "mixpeek_tools", *args]


def add_key(data_dir: Path, namespace: str) -> str:
    done = subprocess.run(  # nosec B603
        _cli("registry", "add-key", "--namespace", namespace, "--data-dir", str(data_dir)),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise EnvironmentFailure(f"add-key failed: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def running_registry(
    data_dir: Path,
    *,
    namespace: str = "ns_test",
    extra_args: Sequence[str] = (),
    startup_timeout: float = 60.0,
) -> Iterator[RunningRegistry]:
    """A registry on a free loopback port for the duration of the ``with`` block."""
    require_extra("boto3", "registry", "mixpeek registry serve")
    if "--s3-endpoint-url" not in extra_args:  # without it the registry starts moto's S3 server
        require_extra("moto.server", "registry", "mixpeek registry serve")
    key = add_key(data_dir, namespace)
    port = free_port()
    log = data_dir / "registry.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(  # nosec B603
            _cli(
                "registry", "serve", "--port", str(port), "--data-dir", str(data_dir), *extra_args
            ),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base_url, proc, log, startup_timeout)
            yield RunningRegistry(base_url, namespace, key, data_dir, proc, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_healthy(base_url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EnvironmentFailure(
                f"the registry exited at start: {log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=1):  # nosec B310  # loopback URL we built
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise EnvironmentFailure(f"the registry did not answer within {timeout} s", where=base_url)
