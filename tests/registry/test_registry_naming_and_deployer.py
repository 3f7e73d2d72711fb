"""Version mapping, platform names, and the deployer's refusal of an archive not scanned."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixpeek_tools.registry.deployments import Deployer
from mixpeek_tools.registry.deployments_api import NOT_DEPLOYED, DeployTarget, NotDeployable
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


def test_the_deployer_serves_only_the_scanned_archive(tmp_path: Path) -> None:
    """The real deployer refuses, before starting anything, a kept archive whose sha256 is not
    the scanned one, or a missing one; nothing is left deployed."""
    archive = tmp_path / "p_1_0_0.tar.gz"
    archive.write_bytes(b"\x1f\x8b not the scanned bytes")
    deployer = Deployer(tmp_path / "deployments")
    target = DeployTarget("ns", "p_1_0_0", "p", "1.0.0", archive, realtime=True, sha256="0" * 64)
    assert target.route_prefix == "/inference/custom_plugin_p_1_0_0"
    with pytest.raises(NotDeployable, match="differs from what was scanned"):
        deployer.start(target)
    missing = DeployTarget("ns", "q_1_0_0", "q", "1.0.0", tmp_path / "gone.tar.gz",
                           realtime=True, sha256="0" * 64)  # fmt: skip
    with pytest.raises(NotDeployable):
        deployer.start(missing)
    assert deployer.state(target) is NOT_DEPLOYED and deployer.stop(target) is False
    assert deployer.endpoint("ns", "p_1_0_0") is None
    deployer.stop_all()
