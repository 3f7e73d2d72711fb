"""``mixpeek registry serve`` and ``add-key`` as a user runs them."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import requests

from mixpeek_tools.registry.launch import free_port

pytestmark = pytest.mark.slow


def serve(data_dir: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mixpeek_tools",
            "registry",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(port: int) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("registry never became healthy")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    return out


def test_first_start_creates_a_default_key_and_says_how_to_use_it_and_a_restart_keeps_plugins(
    tmp_path: Path,
) -> None:
    port = free_port()
    proc = serve(tmp_path / "data", port)
    try:
        wait_healthy(port)
    finally:
        first = stop(proc)
    assert f"export MIXPEEK_BASE_URL=http://127.0.0.1:{port}" in first
    assert "export MIXPEEK_NAMESPACE=ns_default" in first
    key = re.search(r"export MIXPEEK_API_KEY=(sk_\S+)", first).group(1)  # type: ignore[union-attr]
    assert (tmp_path / "data" / "registry.sqlite3").is_file()

    proc = serve(tmp_path / "data", port)
    try:
        wait_healthy(port)
        answer = requests.get(
            f"http://127.0.0.1:{port}/v1/namespaces/ns_default/plugins",
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
    finally:
        second = stop(proc)
    assert answer.status_code == 200, "the first key still works after a restart"
    assert "First start" not in second and key not in second


def test_add_key_prints_the_key_alone_on_its_last_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mixpeek_tools",
            "registry",
            "add-key",
            "--namespace",
            "ns_team",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"sk_[A-Za-z0-9_-]{40,}", done.stdout.strip().splitlines()[-1])


def test_add_key_refuses_an_unusable_namespace(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mixpeek_tools",
            "registry",
            "add-key",
            "-n",
            "bad namespace!",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "--namespace" in done.stderr and "Traceback" not in done.stderr


def test_a_taken_port_is_an_environment_error_not_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "mixpeek_tools",
                "registry",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 3
    assert "--port" in done.stderr and "Traceback" not in done.stderr
