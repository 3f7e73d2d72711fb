"""Version mapping, platform names, and the stand-in deployer's walk to ``deployed``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixpeek_tools.registry.deployments_api import DeployTarget, InProcessDeployer
from mixpeek_tools.registry.naming import feature_uri, plugin_id, same_version, semantic_version


@pytest.mark.parametrize(
    ("manifest", "upload", "same"),
    [("v1", "1.0.0", True), ("v12", "12.0.0", True), ("1.0.0", "1.0.0", True),
     ("v1", "1.0.1", False), ("v1.2", "1.2.0", False), ("v2", "1.0.0", False)],
)  # fmt: skip
def test_vN_is_N_0_0_and_nothing_else_is_mapped(manifest: str, upload: str, same: bool) -> None:
    assert same_version(manifest, upload) is same


def test_platform_names() -> None:
    assert semantic_version("v3") == "3.0.0"
    assert plugin_id("my_plugin", "1.0.0") == "my_plugin_1_0_0"
    assert feature_uri("my_plugin", "1.0.0") == "mixpeek://my_plugin@1.0.0"


def test_the_in_process_deployer_walks_queued_in_progress_deployed_and_stops() -> None:
    now = [100.0]
    deployer = InProcessDeployer(queued_seconds=1, in_progress_seconds=2, clock=lambda: now[0])
    target = DeployTarget("ns", "p_1_0_0", "p", "1.0.0", Path("/nowhere"), realtime=True)
    assert deployer.state(target).status == "not_deployed"
    assert deployer.start(target).status == "queued"
    now[0] = 101.5
    assert deployer.state(target).status == "in_progress"
    now[0] = 103.0
    done = deployer.state(target)
    assert done.status == "deployed" and done.deployed_at == 103.0
    assert target.route_prefix == "/inference/custom_plugin_p_1_0_0"
    assert deployer.stop(target) is True and deployer.stop(target) is False
    assert deployer.state(target).status == "not_deployed"
