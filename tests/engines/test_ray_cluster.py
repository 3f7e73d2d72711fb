"""The plugin's code travels with the job: a real two-node Ray cluster whose worker node cannot
see the plugin's folder runs ``plugin run --engine ray`` exactly like the local engine.

The head starts with no CPUs (it runs no tasks); the worker node runs in its own process, in a
private mount namespace where an empty tmpfs covers the plugin's parent folder, so every step
actor and every ``prepare`` task imports the plugin from what the job shipped (``py_modules``).
Needs root and ``unshare``; skipped with the reason otherwise. Both nodes are stopped at
teardown by killing their process groups.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import mixpeek
from tests.support.net import free_port
from tests.support.ray_cluster import cluster_env, ray_start, stop_node, wait_for_nodes

pytestmark = [pytest.mark.ray, pytest.mark.slow]


MANIFEST = """
from pydantic import BaseModel

class Input(BaseModel):
    text: str | None = None

class Output(BaseModel):
    label: str
    length: int

class Params(BaseModel):
    min_length: int = 3

metadata = {"name": "cluster_probe", "version": "v1", "description": "cluster test",
            "category": "text", "author": "tests"}
input_schema = Input
output_schema = Output
parameter_schema = Params
"""

HELPERS = """
def long_enough(row, minimum=3):
    return len(row["text"]) >= minimum

def add_length(batch):
    batch["length"] = batch["text"].str.len()
    return batch
"""

PROCESSORS = """
from cluster_probe.helpers import long_enough  # the plugin's own name, absolute

class Labeler:
    def __init__(self, config=None, progress_actor=None):
        self.config = config

    def __call__(self, batch):
        assert all(long_enough({"text": t}) for t in batch["text"])
        batch["label"] = [t.upper() for t in batch["text"]]
        return batch
"""

PIPELINE = """
import functools

from engine.plugins.extractors.pipeline import (
    PipelineDefinition, ResourceType, RowCondition, StepDefinition, build_pipeline_steps,
)
from .helpers import add_length, long_enough
from .manifest import Params
from .processors import Labeler

def build_steps(extractor_request, container=None, base_steps=None, dataset_size=None,
                content_flags=None):
    p = Params(**(extractor_request.extractor_config.parameters or {}))
    steps = [StepDefinition(service_class=Labeler, resource_type=ResourceType.CPU,
                            condition=RowCondition.IS_TEXT, batch_size=4)]
    keep = functools.partial(long_enough, minimum=p.min_length)
    return {"steps": build_pipeline_steps(PipelineDefinition(name="c", version="v1", steps=steps),
                                          dataset_size=dataset_size),
            "prepare": lambda ds: ds.filter(keep).map_batches(add_length, batch_format="pandas")}
"""


def _write_plugin(parent: Path) -> Path:
    folder = parent / "cluster-probe"  # imported as cluster_probe (the loader's mapped name)
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    for name, text in (("manifest", MANIFEST), ("helpers", HELPERS),
                       ("processors", PROCESSORS), ("pipeline", PIPELINE)):  # fmt: skip
        (folder / f"{name}.py").write_text(textwrap.dedent(text))
    return folder


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """(RAY_ADDRESS, hidden plugin folder, env): a head with 0 CPUs, a worker node with 2 CPUs
    that sees an empty folder where the plugin lives."""
    pytest.importorskip("ray")
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("needs root and unshare(1) to hide the plugin folder from the worker node")
    check = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                           capture_output=True, text=True)  # fmt: skip
    if check.returncode != 0:
        pytest.skip(f"cannot create a private mount namespace here: {check.stderr.strip()}")
    hidden = tmp_path / "hidden"
    plugin = _write_plugin(hidden)
    env = cluster_env(tmp_path)
    port = free_port()
    address = f"127.0.0.1:{port}"
    head = worker = None
    try:
        head = ray_start([
            "--head", f"--port={port}", "--num-cpus=0", "--include-dashboard=false",
            "--node-ip-address=127.0.0.1",  # every node talks over loopback only
            f"--dashboard-agent-listen-port={free_port()}",
        ], env)  # fmt: skip
        mount = f"mount -t tmpfs tmpfs {hidden} && ls -A {hidden} | wc -l > {tmp_path}/seen && exec"
        worker = ray_start([
            f"--address={address}", "--num-cpus=2", "--node-ip-address=127.0.0.1",
            f"--dashboard-agent-listen-port={free_port()}",
        ], env, wrap=["unshare", "-m", "--propagation", "private", "sh", "-c", mount])  # fmt: skip
        wait_for_nodes(address, env, 2)
        assert (tmp_path / "seen").read_text().strip() == "0", "the worker node sees the plugin"
        yield address, plugin, env
    finally:
        stop_node(worker)
        stop_node(head)
        current = Path("/tmp/ray/ray_current_cluster")  # `ray start` records the head here
        if current.is_file() and current.read_text().strip().endswith(f":{port}"):
            current.unlink()


def _run(plugin: Path, source: Path, target: Path, env: dict[str, str], *extra: str) -> Any:
    return mixpeek("plugin", "run", "-p", str(plugin), "-i", str(source), "-o", str(target),
                   *extra, env=env)  # fmt: skip


def test_a_worker_node_without_the_plugin_folder_runs_prepare_and_steps(
    cluster: tuple[str, Path, dict[str, str]], tmp_path: Path
) -> None:
    address, plugin, env = cluster
    texts = ["a", "alpha", "be", "gamma ray", "delta", "x", "epsilon", "zeta eta", "io", "theta"]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    local = _run(plugin, source, tmp_path / "local.jsonl", env)
    assert local.returncode == 0, local.stderr[-2000:]
    ray_env = dict(env, RAY_ADDRESS=address)
    ray_run = _run(plugin, source, tmp_path / "ray.jsonl", ray_env, "--engine", "ray")
    assert ray_run.returncode == 0, ray_run.stderr[-3000:]
    local_rows = (tmp_path / "local.jsonl").read_text()
    assert local_rows == (tmp_path / "ray.jsonl").read_text()
    rows = [json.loads(line) for line in local_rows.splitlines()]
    assert [r["text"] for r in rows] == [t for t in texts if len(t) >= 3]
    assert all(r["label"] == r["text"].upper() and r["length"] == len(r["text"]) for r in rows)
