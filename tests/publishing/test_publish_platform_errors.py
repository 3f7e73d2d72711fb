"""Each refusal the plugin API can answer becomes one clear message and the documented exit code.

The strict stand-in's knobs cause each status for real: an expired upload (redone once), a
server-side validation failure, the plugin quota, a name+version that exists, an archive over
the size limit, a 422 on a request field, a deployment that fails or does not finish in time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mixpeek_tools.publishing.api_errors import ApiRejected
from mixpeek_tools.publishing.client import PluginApi
from tests.support.cli import mixpeek

pytestmark = pytest.mark.slow

PluginCopy = Callable[..., Path]


def publish(server: Any, plugin: Path, *extra: str) -> Any:
    return mixpeek("plugin", "publish", "-p", str(plugin), "-y", *extra, env=server.env())


def test_an_expired_upload_is_redone_once_and_then_published(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    strict_platform.expire_confirms = 1
    done = publish(strict_platform, plugin_copy("late_plugin"))
    assert done.returncode == 0, done.stderr
    assert "expired" in done.stderr and "creating a new upload" in done.stderr
    assert len(strict_platform.calls("POST", "/uploads")) == 2
    assert len(strict_platform.calls("POST", "/confirm")) == 2
    assert list(strict_platform.plugins) == ["late_plugin_1_0_0"]


def test_an_upload_that_expires_twice_is_not_retried_a_third_time(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    strict_platform.expire_confirms = 5
    done = publish(strict_platform, plugin_copy("later_plugin"))
    assert done.returncode == 2, done.stderr
    assert "HTTP 400" in done.stderr and "expired" in done.stderr
    assert len(strict_platform.calls("POST", "/uploads")) == 2, "retried once, not more"
    assert strict_platform.plugins == {}


def test_server_side_validation_failure_is_exit_1_listing_its_errors(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    strict_platform.reject_confirms = ["pipeline.py:3: forbidden import 'socket'",
                                       "manifest.py: output_schema is missing"]  # fmt: skip
    done = publish(strict_platform, plugin_copy("refused_plugin"), "--json")
    assert done.returncode == 1, done.stderr
    assert "forbidden import 'socket'" in done.stderr and "output_schema is missing" in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr


def test_a_used_up_quota_is_exit_2_saying_so(strict_platform: Any, plugin_copy: PluginCopy) -> None:
    strict_platform.quota = 0
    done = publish(strict_platform, plugin_copy("quota_plugin"))
    assert done.returncode == 2
    assert "HTTP 403" in done.stderr and "quota" in done.stderr and "plugin delete" in done.stderr


def test_publishing_an_existing_version_is_409_with_the_manifest_line_and_a_bump(
    platform_server: Any, plugin_copy: PluginCopy
) -> None:
    plugin = plugin_copy("twice_plugin", "v3")
    assert publish(platform_server, plugin).returncode == 0
    again = publish(platform_server, plugin)
    assert again.returncode == 2
    assert "409" in again.stderr and "already published" in again.stderr
    assert "manifest.py:" in again.stderr and "metadata.version" in again.stderr
    assert "'v4'" in again.stderr


def test_an_archive_over_the_api_limit_is_413_exit_2(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    strict_platform.max_upload = 100
    done = publish(strict_platform, plugin_copy("big_plugin"))
    assert done.returncode == 2
    assert "HTTP 413" in done.stderr and ".mixpeekignore" in done.stderr


def test_unknown_plugins_are_404_exit_2(platform_server: Any) -> None:
    for command in ("status", "deploy", "undeploy", "show", "delete"):
        done = mixpeek("plugin", command, "nope_9_9_9", "--yes" if command == "delete" else "--json",
                       env=platform_server.env())  # fmt: skip
        assert done.returncode == 2, (command, done.stderr)
        assert "404" in done.stderr and "plugin list" in done.stderr


def test_a_wrong_key_is_401_exit_2_without_echoing_it(platform_server: Any) -> None:
    env = {**platform_server.env(), "MIXPEEK_API_KEY": "sk_wrong_key_abcdef"}
    done = mixpeek("plugin", "list", env=env)
    assert done.returncode == 2 and "401" in done.stderr and "MIXPEEK_API_KEY" in done.stderr
    assert "sk_wrong_key_abcdef" not in done.stderr


def test_a_422_names_each_field_and_its_fix(strict_platform: Any) -> None:
    api = PluginApi(strict_platform.base_url, strict_platform.api_key, strict_platform.namespace)
    with pytest.raises(ApiRejected) as err:
        api.create_upload({"name": "ab", "version": "1", "file_size_bytes": 0})
    text = err.value.paragraph()
    assert err.value.status == 422 and err.value.exit_code == 2
    assert "body.name" in text and "body.version" in text and "body.file_size_bytes" in text
    assert "MAJOR.MINOR.PATCH" in text and "metadata.name" in text
    with pytest.raises(ApiRejected) as missing:
        api.create_upload({"version": "1.0.0"})
    assert "body.name: Field required" in missing.value.paragraph()
    api.close()


def test_a_failed_deployment_is_exit_1_with_the_platform_error(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    assert publish(strict_platform, plugin_copy("crash_plugin")).returncode == 0
    strict_platform.fail_deploys.add("crash_plugin_1_0_0")
    done = mixpeek("plugin", "deploy", "crash_plugin_1_0_0", "--wait", "--interval", "0.05",
                   env=strict_platform.env())  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "ended failed" in done.stderr and "health check" in done.stderr


def test_a_deployment_that_does_not_finish_in_time_is_exit_3(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    assert publish(strict_platform, plugin_copy("slow_plugin")).returncode == 0
    strict_platform.plugins["slow_plugin_1_0_0"]["realtime"] = True
    done = mixpeek("plugin", "deploy", "slow_plugin_1_0_0", "--wait", "--interval", "0.2",
                   "--timeout", "0.1", env=strict_platform.env())  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "still" in done.stderr and "mixpeek plugin status slow_plugin_1_0_0" in done.stderr


def test_without_wait_a_queued_deployment_is_reported_and_left_queued(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    assert publish(strict_platform, plugin_copy("queue_plugin")).returncode == 0
    done = mixpeek("plugin", "deploy", "queue_plugin_1_0_0", "--json", env=strict_platform.env())
    assert done.returncode == 0 and json.loads(done.stdout)["state"] == "queued"
    assert strict_platform.calls("GET", "/status") == []


def test_realtime_not_allowed_answers_batch_only(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    assert publish(strict_platform, plugin_copy("rt_plugin")).returncode == 0
    strict_platform.realtime_allowed = False
    done = mixpeek("plugin", "deploy", "rt_plugin_1_0_0", "--wait", env=strict_platform.env())
    assert done.returncode == 0 and "batch_only" in done.stdout and "not enabled" in done.stdout


def test_a_server_offering_a_presigned_post_still_gets_the_archive(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    strict_platform.offer_post = True
    done = publish(strict_platform, plugin_copy("post_plugin"))
    assert done.returncode == 0, done.stderr
    assert "POST" in done.stderr and list(strict_platform.plugins) == ["post_plugin_1_0_0"]


def test_a_server_that_names_another_content_type_gets_a_clear_exit_2(
    strict_platform: Any, plugin_copy: PluginCopy
) -> None:
    strict_platform.offer_post = True  # its form fixes Content-Type: application/gzip
    done = publish(strict_platform, plugin_copy("fmt_plugin"), "--archive-format", "zip")
    assert done.returncode == 2, done.stderr
    assert "application/gzip" in done.stderr and "--archive-format tar.gz" in done.stderr
    assert strict_platform.calls("POST", "/confirm") == []
