"""``mixpeek plugin serve --engine ray``: the same endpoint through a real Ray Serve deployment."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.support.net import free_port

pytestmark = [pytest.mark.slow, pytest.mark.ray]


def test_ray_serve_answers_like_the_local_server_and_stops_cleanly(plugin: Path) -> None:
    pytest.importorskip("ray.serve")
    port = free_port()
    cmd = [sys.executable, "-m", "mixpeek_tools", "plugin", "serve", "--path", str(plugin),
           "--port", str(port), "--engine", "ray"]  # fmt: skip
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        health = _wait_for(f"{base}/health", proc)
        assert health.json() == {"status": "ok", "plugin": "my_extractor", "version": "v1"}
        ok = requests.post(f"{base}/predict", json={"inputs": {"text": "ray"}}, timeout=30)
        assert ok.status_code == 200
        assert ok.json() == {"result": "Processed: ray", "confidence": 0.95}
        bad = requests.post(f"{base}/predict", json={"inputs": {"text": 1}}, timeout=30)
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "inputs", "text"]
        doc = requests.get(f"{base}/openapi.json", timeout=30).json()
        assert "MyExtractorInput" in doc["components"]["schemas"]
        deadline = time.monotonic() + 60
        while not any("Press Ctrl+C" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        reader.join(timeout=10)
    err = "".join(lines)
    # Ray's core worker installs a C-level SIGTERM handler that can abort the driver (exit 134)
    # when the signal comes within seconds of start-up; either way the server must be gone.
    assert proc.returncode in (0, -6, 134), err
    assert "(ray engine)" in err
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/health", timeout=5)


def test_serve_config_disabled_is_refused_before_ray_starts(plugin: Path) -> None:
    realtime = plugin / "realtime.py"
    realtime.write_text(realtime.read_text().replace("enabled=True", "enabled=False"))
    proc = subprocess.run(
        [sys.executable, "-m", "mixpeek_tools", "plugin", "serve", "--path", str(plugin),
         "--engine", "ray", "--port", str(free_port())],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "enabled=False" in proc.stderr


def test_deployment_options_follow_the_serve_config() -> None:
    from mixpeek_tools.local_platform.shared.plugins.inference.serve import ServeDeploymentConfig
    from mixpeek_tools.runtime.serving.ray_serve import deployment_options

    config = ServeDeploymentConfig(num_replicas=2, max_ongoing_requests=3,
                                   ray_actor_options={"num_cpus": 0.5})  # fmt: skip
    assert deployment_options(config) == {
        "num_replicas": 2, "max_ongoing_requests": 3, "ray_actor_options": {"num_cpus": 0.5}}
    assert deployment_options(None) == {"num_replicas": 1}


def _wait_for(url: str, proc: subprocess.Popen, timeout: float = 180) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited early: {proc.stderr.read() if proc.stderr else ''}")
        try:
            reply = requests.get(url, timeout=5)
            if reply.status_code == 200:
                return reply
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("Ray Serve did not come up in time")
        time.sleep(0.5)
