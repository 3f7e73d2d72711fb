"""``--engine ray`` on a joined cluster (``RAY_ADDRESS``): Serve belongs to the cluster, so its
applications outlive a killed registry; the next start removes what the plugin rows no longer
name and deploys again what they do.

The cluster is one ``ray start --head`` node of this test's own (stopped by its process group and
session, never ``ray stop``, which would stop every Ray on the machine).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from mixpeek_tools.registry.launch import RunningRegistry, running_registry
from mixpeek_tools.registry.server import DB_NAME
from mixpeek_tools.registry.store import Store
from tests.support.net import free_port
from tests.support.ray_cluster import cluster_env, ray_start, stop_node, wait_for_nodes
from tests.support.registry_api import poll_until_settled, status
from tests.support.registry_deploy import answers, cli_publish, run_json, serve_proxy

pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture
def joined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """RAY_ADDRESS of a one-node cluster with 2 CPUs, set for the registries this test starts."""
    pytest.importorskip("ray.serve", reason="the Ray engine needs ray[serve]")
    env = cluster_env(tmp_path)
    port = free_port()
    address = f"127.0.0.1:{port}"
    head = ray_start(["--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
                       "--node-ip-address=127.0.0.1",
                       f"--dashboard-agent-listen-port={free_port()}"], env)  # fmt: skip
    try:
        wait_for_nodes(address, env, 1)
        for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_USAGE_STATS_ENABLED", "PYTHONPATH"):
            monkeypatch.setenv(name, env[name])
        monkeypatch.delenv("RAY_AUTH_TOKEN_PATH", raising=False)
        monkeypatch.setenv("RAY_ADDRESS", address)
        yield address
    finally:
        stop_node(head)
        current = Path("/tmp/ray/ray_current_cluster")  # `ray start` records the head here
        if current.is_file() and current.read_text().strip().endswith(f":{port}"):
            current.unlink()


@contextlib.contextmanager
def registry_on(data: Path) -> Iterator[RunningRegistry]:
    with running_registry(data, extra_args=["--engine", "ray"], startup_timeout=240) as running:
        yield running


def health_on_serve(registry: RunningRegistry, plugin_id: str) -> int:
    url = (f"{serve_proxy(registry)}/{registry.namespace}/inference/custom_plugin_{plugin_id}"
           "/health")  # fmt: skip
    return requests.get(url, timeout=30).status_code


def test_a_killed_registry_leaves_apps_the_next_start_cleans_up_and_redeploys(
    joined: str, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with registry_on(data) as first:
        kept_id = cli_publish(first, make_plugin("joined_kept"))
        dropped_id = cli_publish(first, make_plugin("joined_dropped"))
        for plugin_id in (kept_id, dropped_id):
            done = run_json(first, "plugin", "deploy", plugin_id, "--wait",
                            "--interval", "0.2", "--timeout", "240")  # fmt: skip
            assert done["state"] == "deployed", done
        route = answers(first, kept_id, "one")
        first.process.kill()  # no shutdown: its Serve applications stay on the cluster
        first.process.wait()
    assert health_on_serve(first, kept_id) == 200 and health_on_serve(first, dropped_id) == 200
    # While it was down, the row of one plugin came to say "not deployed" (as an undeploy the
    # killed registry never finished would leave it).
    Store(data / DB_NAME).set_deployment(first.namespace, dropped_id, "not_deployed", None)

    with registry_on(data) as second:
        assert serve_proxy(second) == serve_proxy(first), "the cluster's Serve keeps its proxy"
        assert health_on_serve(second, dropped_id) == 404, "the leftover application is gone"
        seen = poll_until_settled(second, kept_id, timeout=240)
        assert seen[-1]["status"] == "deployed", seen[-1]
        assert answers(second, kept_id, "two") == route
        assert status(second, dropped_id)["status"] == "not_deployed"
        run_json(second, "plugin", "undeploy", kept_id)
        assert health_on_serve(second, kept_id) == 404
    assert second.process.returncode == 0, second.log.read_text(errors="replace")
