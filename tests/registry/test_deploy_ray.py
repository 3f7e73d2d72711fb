"""``mixpeek registry serve --engine ray``: a realtime deploy runs as a real Ray Serve application.

Ray's start-up is the slow part (about a minute on two cores), so one test walks the whole life:
deploy, answer, a plugin that fails, a restart that deploys again, undeploy.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from mixpeek_tools.registry.launch import RunningRegistry, running_registry
from tests.support.plugins import CRASHING_SERVICE
from tests.support.procs import processes_with, wait_gone
from tests.support.registry_api import auth, plugins_url, poll_until_settled, status
from tests.support.registry_deploy import answers, cli_publish, run_json, serve_proxy

pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture
def ray_env(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ray.serve", reason="the Ray engine needs ray[serve] (pip install "
                        "'mixpeek-tools[ray]')")  # fmt: skip
    monkeypatch.delenv("RAY_ADDRESS", raising=False)  # a Ray of the registry's own
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")


@contextlib.contextmanager
def ray_registry(data: Path) -> Iterator[RunningRegistry]:
    """A registry on Ray over ``data``; on leaving, it must stop by itself (Serve and Ray with
    it), not be killed after the grace period."""
    with running_registry(data, extra_args=["--engine", "ray"], startup_timeout=240) as running:
        yield running
    assert running.process.returncode == 0, running.log.read_text(errors="replace")
    assert not processes_with(str(data)), "nothing of the registry is left running"


def test_ray_serve_deploys_serves_fails_restarts_and_undeploys(
    ray_env: None, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    """Two registry runs over one data folder, each with its own local Ray."""
    data = tmp_path / "data"
    data.mkdir()
    with ray_registry(data) as first:
        live_id = cli_publish(first, make_plugin("ray_live"))
        crash = make_plugin("ray_crash")
        (crash / "realtime.py").write_text((crash / "realtime.py").read_text() + CRASHING_SERVICE)
        crash_id = cli_publish(first, crash)
        deployed = run_json(first, "plugin", "deploy", live_id, "--wait",
                            "--interval", "0.2", "--timeout", "240")  # fmt: skip
        assert deployed["deploy"]["status"] == "queued", deployed
        assert deployed["state"] == "deployed" and deployed["status"]["deployed"] is True
        route = answers(first, live_id, "first")
        assert replicas(first, live_id), "the plugin runs in a Serve replica"
        assert_crash_fails(first, crash_id)
    assert not replicas(first, live_id), "stopping the registry stopped its Ray and Serve"

    with ray_registry(data) as second:  # the row says deployed: it is deployed again
        seen = poll_until_settled(second, live_id, timeout=240)
        assert seen[-1]["status"] == "deployed", seen[-1]
        assert {s["status"] for s in seen} <= {"queued", "in_progress", "deployed"}, seen
        assert answers(second, live_id, "second") == route
        on_serve = f"{serve_proxy(second)}/{second.namespace}{route}/health"
        assert requests.get(on_serve, timeout=30).status_code == 200, "Serve's own proxy has it"
        assert not status(second, crash_id)["deployed"], "a failed deploy is not retried"
        crashed_on_serve = f"{serve_proxy(second)}/{second.namespace}/inference/custom_plugin_"
        assert requests.get(f"{crashed_on_serve}{crash_id}/health", timeout=30).status_code == 404

        undeployed = run_json(second, "plugin", "undeploy", live_id)
        assert undeployed["plugin_id"] == live_id
        assert status(second, live_id)["status"] == "not_deployed"
        after = requests.post(f"{second.base_url}{route}/predict", json={"inputs": {"text": "x"}},
                              headers=auth(second), timeout=30)  # fmt: skip
        assert after.status_code == 404
        assert _gone_from_serve(on_serve), "undeploy deletes the Serve application"
        assert wait_gone(replicas(second, live_id), timeout=60) == [], "its replica ends"


def assert_crash_fails(registry: RunningRegistry, plugin_id: str) -> None:
    done = requests.post(f"{plugins_url(registry)}/{plugin_id}/deploy", headers=auth(registry),
                         timeout=60)  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "queued", done.text
    seen = poll_until_settled(registry, plugin_id, timeout=240)
    assert {s["status"] for s in seen} <= {"queued", "in_progress", "failed"}, seen
    final = seen[-1]
    assert final["status"] == "failed" and final["deployed"] is False, final
    assert "Ray Serve could not deploy" in final["error"]
    assert "RuntimeError: model weights are missing from the archive" in final["error"]
    assert "py_modules_files" in final["error"], "the replica ran the copy shipped to Ray"
    assert len(final["error"]) < 5000, "Serve's message is cut to its last lines"


def replicas(registry: RunningRegistry, plugin_id: str) -> list[int]:
    """Processes of the plugin's Serve replicas (Ray names them after the application)."""
    return processes_with(f"{registry.namespace}__custom_plugin_{plugin_id}")


def _gone_from_serve(url: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(url, timeout=10).status_code == 404:
            return True
        time.sleep(0.5)
    return False
