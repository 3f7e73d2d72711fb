"""The real CLI against a server that speaks the platform's plugin API exactly (``platform_server``).

Every command a user has runs here as a child process: publish (tar.gz and zip), deploy --wait
over a queued realtime deployment, status, show --download, list, list --available,
enable/disable, undeploy and delete, each with --json where the answer is checked.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import mixpeek

pytestmark = pytest.mark.slow

PluginCopy = Callable[..., Path]


def run_json(server: Any, *args: str) -> dict[str, Any]:
    done = mixpeek(*args, "--json", env=server.env())
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    assert server.api_key not in done.stdout + done.stderr
    return doc


def test_publish_sends_the_api_fields_and_puts_a_gzip(
    platform_server: Any, plugin_copy: PluginCopy
) -> None:
    plugin = plugin_copy("flow_plugin")
    done = mixpeek("plugin", "publish", "-p", str(plugin), "-y", env=platform_server.env())
    assert done.returncode == 0, done.stderr
    assert "manifest version v1 published as 1.0.0" in done.stdout
    assert "plugin flow_plugin_1_0_0" in done.stdout and "validation passed" in done.stdout
    assert "mixpeek://flow_plugin@1.0.0" in done.stdout
    if hasattr(platform_server, "calls"):
        (create,) = platform_server.calls("POST", "/uploads")
        assert set(create) == {"name", "version", "description", "file_size_bytes"}
        assert create["version"] == "1.0.0"
        (confirm,) = platform_server.calls("POST", "/confirm")
        archive = plugin / ".mixpeek" / "dist" / "flow_plugin-v1.tar.gz"
        assert confirm == {"etag": hashlib.md5(archive.read_bytes()).hexdigest(),
                           "file_size_bytes": archive.stat().st_size}  # fmt: skip
    with tarfile.open(plugin / ".mixpeek" / "dist" / "flow_plugin-v1.tar.gz") as tar:
        tops = {m.name.split("/")[0] for m in tar.getmembers()}
    assert tops == {"flow_plugin"}


def test_publish_deploy_wait_show_download_undeploy_list_delete(
    platform_server: Any, plugin_copy: PluginCopy, tmp_path: Path
) -> None:
    plugin = plugin_copy("life_plugin")
    published = run_json(platform_server, "plugin", "publish", "-p", str(plugin), "-y")
    assert (published["manifest_version"], published["version"]) == ("v1", "1.0.0")
    assert published["validation_status"] == "passed" and published["validation_errors"] == []
    plugin_id = published["plugin_id"]

    deployed = run_json(platform_server, "plugin", "deploy", plugin_id, "--wait",
                        "--interval", "0.05", "--timeout", "30")  # fmt: skip
    assert deployed["deploy"]["status"] == "queued"
    assert deployed["state"] == "deployed" and deployed["status"]["deployed"] is True
    if hasattr(platform_server, "calls"):
        polls = platform_server.calls("GET", f"/{plugin_id}/status")
        assert len(polls) >= 3, "queued -> in_progress -> deployed took several polls"
    status = run_json(platform_server, "plugin", "status", plugin_id)
    assert status["status"] == "deployed" and status["route_prefix"]

    target = tmp_path / "out" / "copy.tar.gz"
    shown = run_json(platform_server, "plugin", "show", "life_plugin@v1", "--download", str(target))
    assert shown["plugin"]["plugin_id"] == plugin_id and shown["plugin"]["deployed"] is True
    assert shown["download"]["sha256"] == published["archive"]["sha256"]
    assert hashlib.sha256(target.read_bytes()).hexdigest() == published["archive"]["sha256"]
    assert not list(target.parent.glob("*.partial"))

    undeployed = run_json(platform_server, "plugin", "undeploy", plugin_id)
    assert undeployed["plugin_id"] == plugin_id
    assert run_json(platform_server, "plugin", "status", plugin_id)["deployed"] is False

    listed = run_json(platform_server, "plugin", "list")
    assert [p["plugin_id"] for p in listed["plugins"]] == [plugin_id]
    table = mixpeek("plugin", "list", env=platform_server.env()).stdout.splitlines()
    assert table[0].split()[:3] == ["PLUGIN_ID", "NAME", "VERSION"] and plugin_id in table[1]

    deleted = run_json(platform_server, "plugin", "delete", plugin_id, "--yes")
    assert deleted["plugin_id"] == plugin_id
    assert run_json(platform_server, "plugin", "list")["plugins"] == []
    gone = mixpeek("plugin", "show", plugin_id, env=platform_server.env())
    assert gone.returncode == 2 and "404" in gone.stderr and "plugin list" in gone.stderr


def test_list_available_enable_and_disable_an_organisation_plugin(platform_server: Any) -> None:
    available = run_json(platform_server, "plugin", "list", "--available")
    (shared,) = [p for p in available["plugins"] if p["name"] == "org_shared"]
    assert shared["enabled_in_namespace"] is False
    enabled = run_json(platform_server, "plugin", "enable", shared["plugin_id"],
                       "--params", '{"threshold": 0.7}', "--no-deploy")  # fmt: skip
    assert enabled["deployment_status"] == "not_deployed"
    if hasattr(platform_server, "calls"):
        body = platform_server.calls("POST", "/enable")[-1]
        assert body == {"params": {"threshold": 0.7}, "deploy": False}
    again = run_json(platform_server, "plugin", "list", "--available")
    assert [p["enabled_in_namespace"] for p in again["plugins"] if p["name"] == "org_shared"] == [True]
    text = mixpeek("plugin", "disable", shared["plugin_id"], env=platform_server.env())
    assert text.returncode == 0 and "Disabled" in text.stdout
    bad = mixpeek("plugin", "enable", shared["plugin_id"], "--params", "[1]",
                  env=platform_server.env())  # fmt: skip
    assert bad.returncode == 2 and "JSON object" in bad.stderr


def test_zip_format_is_put_as_application_zip(
    platform_server: Any, plugin_copy: PluginCopy
) -> None:
    plugin = plugin_copy("zip_plugin", "2.1.0")
    doc = run_json(platform_server, "plugin", "publish", "-p", str(plugin), "-y",
                   "--archive-format", "zip")  # fmt: skip
    assert doc["archive"]["format"] == "zip" and doc["archive"]["path"].endswith(".zip")
    assert (doc["manifest_version"], doc["version"]) == ("2.1.0", "2.1.0")
    assert doc["plugin_id"] == "zip_plugin_2_1_0" and doc["validation_status"] == "passed"


def test_a_batch_only_plugin_is_deployed_at_once(
    platform_server: Any, plugin_copy: PluginCopy
) -> None:
    plugin = plugin_copy("batch_plugin", realtime=False)
    plugin_id = run_json(platform_server, "plugin", "publish", "-p", str(plugin), "-y")["plugin_id"]
    done = mixpeek("plugin", "deploy", plugin_id, "--wait", env=platform_server.env())
    assert done.returncode == 0, done.stderr
    assert "deployed (batch_only)" in done.stdout


def test_dry_run_json_names_both_versions_and_sends_nothing(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    plugin = plugin_copy("dry_plugin", "v7")
    doc = run_json(strict_platform, "plugin", "publish", "-p", str(plugin), "--dry-run")
    assert doc["dry_run"] is True and (doc["manifest_version"], doc["version"]) == ("v7", "7.0.0")
    assert strict_platform.requests == []


@pytest.mark.parametrize("version", ["v1.2", "1.0", "release-3", "1.0.0-beta"])
def test_a_version_the_api_cannot_take_is_exit_2_naming_the_manifest_field(
    strict_platform: Any, plugin_copy: PluginCopy, version: str
) -> None:
    plugin = plugin_copy("badver_plugin", version)
    done = mixpeek("plugin", "publish", "-p", str(plugin), "-y", env=strict_platform.env())
    assert done.returncode == 2, done.stderr
    assert "manifest.py" in done.stderr and "metadata.version" in done.stderr
    assert "1.0.0" in done.stderr and "Traceback" not in done.stderr
    assert strict_platform.requests == []
