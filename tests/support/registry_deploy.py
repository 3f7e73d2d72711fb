"""Deploying through a running registry: the deploy route, the CLI's JSON answers, and what a
deployment serves (its service processes, its route, the Serve proxy).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import requests

from mixpeek_tools.registry.launch import RunningRegistry
from tests.support.cli import mixpeek
from tests.support.plugin_api_schemas import assert_matches
from tests.support.procs import processes_with
from tests.support.registry_api import auth, plugins_url, status

PROXY_LINE = re.compile(r"Ray Serve \(HTTP proxy: (http://[0-9.:]+)\)")


def deploy(registry: RunningRegistry, plugin_id: str) -> dict[str, Any]:
    done = requests.post(f"{plugins_url(registry)}/{plugin_id}/deploy", headers=auth(registry),
                         timeout=60)  # fmt: skip
    assert done.status_code == 200, done.text
    answer = dict(done.json())
    if answer.get("deployment_type") == "batch_only":
        assert_matches("deploy_batch", answer)
    elif answer["status"] == "queued":
        assert_matches("deploy_realtime", answer)
    else:  # deploying a live deployment again (the sheet has no shape for it): its state
        assert answer["status"] in ("in_progress", "deployed"), answer
        assert answer["route_prefix"].startswith("/inference/custom_plugin_")
    return answer


def service_pids(plugin_id: str) -> list[int]:
    """Processes of the realtime service the registry runs for ``plugin_id``."""
    return processes_with(f"/{plugin_id}/code")


def serve_proxy(registry: RunningRegistry) -> str:
    found = PROXY_LINE.search(registry.log.read_text(errors="replace"))
    assert found, registry.log.read_text(errors="replace")
    return found.group(1)


def run_json(registry: RunningRegistry, *args: str) -> dict[str, Any]:
    done = mixpeek(*args, "--json", env=registry.env())
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def cli_publish(registry: RunningRegistry, plugin: Path) -> str:
    published = run_json(registry, "plugin", "publish", "-p", str(plugin), "-y")
    assert published["validation_status"] == "passed"
    return str(published["plugin_id"])


def answers(registry: RunningRegistry, plugin_id: str, text: str) -> str:
    """POST and GET on the route the status names, through the registry; returns the route."""
    final = status(registry, plugin_id)
    route = str(final["route_prefix"])
    assert route == f"/inference/custom_plugin_{plugin_id}" and final["error"] is None
    url = registry.base_url + route
    reply = requests.post(f"{url}/predict", json={"inputs": {"text": text}},
                          headers=auth(registry), timeout=60)  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"result": f"Processed: {text}", "confidence": 0.95}
    bad = requests.post(f"{url}/predict", json={"inputs": {"text": 1}},
                        headers=auth(registry), timeout=60)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "inputs", "text"]
    assert requests.get(f"{url}/health", timeout=30).status_code == 401, "the key is checked"
    return route
