"""A registry that goes down takes its children with it, and its next start cleans up after it:
no verify worker or realtime service outlives a SIGKILLed registry, its scratch is emptied,
and what was deployed is deployed again."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from mixpeek_tools.publishing.archive import build_archive
from mixpeek_tools.registry.launch import running_registry
from tests.support.procs import processes_with, wait_gone
from tests.support.registry_api import (
    auth,
    confirm,
    plugins_url,
    poll_until_settled,
    publish,
    start_upload,
)
from tests.support.registry_deploy import deploy, service_pids

pytestmark = pytest.mark.slow
SLOW_IMPORT = "import time\n\ntime.sleep(120)\n"


def wait_for(find: Callable[[], list[int]], timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := find():
            return found
        time.sleep(0.1)
    raise AssertionError("the process never appeared")


def test_a_sigkilled_registry_leaves_no_verify_worker_and_its_scratch_is_cleaned(
    tmp_path: Path, make_plugin: Callable[..., Path]
) -> None:
    data = tmp_path / "data"
    plugin = make_plugin("slow_plugin", extra_code=SLOW_IMPORT)  # the checks import it: 120 s
    archive = build_archive(plugin, "slow_plugin", tmp_path / "slow.tar.gz")
    with running_registry(data) as first:
        up = start_upload(first, archive.path, "slow_plugin", "v1")
        pending = threading.Thread(target=lambda: _ignore_errors(lambda: confirm(first, up)))
        pending.start()
        workers = wait_for(lambda: processes_with(f"verify_worker {data}"))
        assert list((data / "tmp").iterdir()), "the confirm works in a scratch folder"
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=30)
        assert wait_gone(workers, timeout=5) == [], "the verify worker died with the registry"
        pending.join(timeout=30)
    assert list((data / "tmp").iterdir()), "a killed registry could not clean its scratch"
    with running_registry(data):
        assert list((data / "tmp").iterdir()) == []


def _ignore_errors(call: Callable[[], object]) -> None:
    with contextlib.suppress(requests.RequestException):  # killed under it, on purpose
        call()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_realtime_services_end_with_the_registry_and_come_back_with_it(
    tmp_path: Path, make_plugin: Callable[..., Path], sig: int
) -> None:
    data = tmp_path / "data"
    archive = build_archive(make_plugin("back_plugin"), "back_plugin", tmp_path / "b.tar.gz")
    with running_registry(data) as first:
        plugin_id, _ = publish(first, archive.path, "back_plugin", "v1")
        deploy(first, plugin_id)
        assert poll_until_settled(first, plugin_id)[-1]["status"] == "deployed"
        pids = service_pids(plugin_id)
        assert len(pids) == 1
        first.process.send_signal(sig)
        first.process.wait(timeout=30)
        assert wait_gone(pids, timeout=10) == [], "the service ended with its registry"
    with running_registry(data) as second:
        assert poll_until_settled(second, plugin_id)[-1]["status"] == "deployed"
        url = f"{second.base_url}/inference/custom_plugin_{plugin_id}/predict"
        reply = requests.post(url, json={"inputs": {"text": "again"}}, headers=auth(second),
                              timeout=60)  # fmt: skip
        assert reply.status_code == 200, reply.text
        shown = requests.get(f"{plugins_url(second)}/{plugin_id}", headers=auth(second), timeout=30)
        assert shown.json()["plugin"]["deployed"] is True
