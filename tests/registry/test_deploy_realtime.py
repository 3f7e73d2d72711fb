"""Deploy as the platform does, for real: a realtime plugin's service runs as a supervised child of
the registry and answers under its route prefix; batch-only plugins deploy at once."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from mixpeek_tools.publishing.archive import build_archive
from mixpeek_tools.registry.launch import RunningRegistry
from tests.support.plugins import CRASHING_SERVICE
from tests.support.procs import alive, wait_gone
from tests.support.registry_api import (
    auth,
    kept_archive,
    plugins_url,
    poll_until_settled,
    publish,
    status,
)
from tests.support.registry_deploy import deploy, service_pids

pytestmark = pytest.mark.slow


def published(registry: RunningRegistry, plugin: Path, name: str, tmp: Path) -> str:
    archive = build_archive(plugin, name, tmp / f"{name}.tar.gz")
    return publish(registry, archive.path, name, "v1")[0]


def test_a_realtime_plugin_is_queued_started_served_and_undeployed(
    registry: RunningRegistry, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    plugin_id = published(registry, make_plugin("live_plugin"), "live_plugin", tmp_path)
    answer = deploy(registry, plugin_id)
    assert answer["status"] == "queued" and answer["queue_position"] == 0
    assert answer["deployment_name"] == f"custom_plugin_{plugin_id}"
    assert answer["route_prefix"] == f"/inference/custom_plugin_{plugin_id}"
    assert answer["status_endpoint"].endswith(f"/plugins/{plugin_id}/status")
    assert answer["estimated_completion_seconds"] > 0

    seen = poll_until_settled(registry, plugin_id)
    states = [s["status"] for s in seen]
    assert states[-1] == "deployed", seen[-1]
    assert set(states) <= {"queued", "in_progress", "deployed"} and "in_progress" in states
    assert states.index("in_progress") < states.index("deployed")
    final = seen[-1]
    assert final["deployed"] is True and final["realtime_enabled"] is True
    assert final["route_prefix"] == answer["route_prefix"] and final["deployed_at"]
    assert final["error"] is None and final["queued_at"]

    url = registry.base_url + answer["route_prefix"]
    reply = requests.post(f"{url}/predict", json={"inputs": {"text": "hello"}},
                          headers=auth(registry), timeout=60)  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert reply.json()["result"].startswith("Processed: hello")
    invalid = requests.post(
        f"{url}/predict", json={"inputs": {}}, headers=auth(registry), timeout=60
    )
    assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"][-1] == "text"
    assert requests.post(f"{url}/predict", json={}, timeout=30).status_code == 401
    again = deploy(registry, plugin_id)
    assert again["status"] == "deployed", "deploying a running plugin answers its state"

    pids = service_pids(plugin_id)
    assert len(pids) == 1
    gone = requests.post(
        f"{plugins_url(registry)}/{plugin_id}/undeploy", headers=auth(registry), timeout=60
    )
    assert gone.status_code == 200 and gone.json()["deployment_removed"] is True
    assert wait_gone(pids) == [], "undeploy stops the service process"
    assert status(registry, plugin_id)["status"] == "not_deployed"
    after = requests.post(f"{url}/predict", json={"inputs": {"text": "x"}}, headers=auth(registry),
                          timeout=30)  # fmt: skip
    assert after.status_code == 404


def test_a_service_that_crashes_at_start_ends_failed_with_its_error(
    registry: RunningRegistry, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    plugin = make_plugin("crash_plugin")
    realtime = plugin / "realtime.py"
    realtime.write_text(realtime.read_text() + CRASHING_SERVICE)
    plugin_id = published(registry, plugin, "crash_plugin", tmp_path)
    assert deploy(registry, plugin_id)["status"] == "queued"
    final = poll_until_settled(registry, plugin_id)[-1]
    assert final["status"] == "failed" and final["deployed"] is False
    assert "model weights are missing from the archive" in final["error"]
    assert "exited with code" in final["error"]
    assert service_pids(plugin_id) == []


def test_a_service_that_dies_while_deployed_is_detected_as_failed(
    registry: RunningRegistry, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    plugin_id = published(registry, make_plugin("dying_plugin"), "dying_plugin", tmp_path)
    deploy(registry, plugin_id)
    assert poll_until_settled(registry, plugin_id)[-1]["status"] == "deployed"
    (pid,) = service_pids(plugin_id)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while status(registry, plugin_id)["status"] != "failed" and time.monotonic() < deadline:
        time.sleep(0.1)
    final = status(registry, plugin_id)
    assert final["status"] == "failed" and "killed by signal 9" in final["error"]
    assert not alive(pid)


def test_a_batch_only_plugin_deploys_at_once_and_delete_stops_a_service(
    registry: RunningRegistry, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    batch = make_plugin("batch_plugin")
    (batch / "realtime.py").unlink()
    batch_id = published(registry, batch, "batch_plugin", tmp_path)
    answer = deploy(registry, batch_id)
    assert answer["status"] == "deployed" and answer["deployment_type"] == "batch_only"
    assert answer["message"]
    assert status(registry, batch_id)["realtime_enabled"] is False

    live_id = published(registry, make_plugin("deleted_live"), "deleted_live", tmp_path)
    deploy(registry, live_id)
    assert poll_until_settled(registry, live_id)[-1]["status"] == "deployed"
    pids = service_pids(live_id)
    assert pids
    deleted = requests.delete(f"{plugins_url(registry)}/{live_id}", headers=auth(registry),
                              timeout=60)  # fmt: skip
    assert deleted.status_code == 200
    assert wait_gone(pids) == []


def test_only_the_scanned_archive_is_ever_served(
    registry: RunningRegistry, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    """A kept archive changed on disk after its scan is refused at deploy, not served."""
    plugin_id = published(registry, make_plugin("swapped_plugin"), "swapped_plugin", tmp_path)
    kept = kept_archive(registry, plugin_id)
    evil = make_plugin("swapped_plugin_2", extra_code="import os\nos.system('id')\n")
    kept.write_bytes(
        build_archive(evil, "swapped_plugin", tmp_path / "evil.tar.gz").path.read_bytes()
    )
    done = requests.post(f"{plugins_url(registry)}/{plugin_id}/deploy", headers=auth(registry),
                         timeout=60)  # fmt: skip
    assert done.status_code == 400 and "differs from what was scanned" in done.text
    assert status(registry, plugin_id)["status"] == "not_deployed"
    assert service_pids(plugin_id) == []
