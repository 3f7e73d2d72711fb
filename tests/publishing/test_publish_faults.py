"""Publishing through real network faults ends published exactly once, or cleanly not at all.

The client runs in-process (so the retry policy can use short waits) against the strict
stand-in platform, whose API and presigned PUT URLs are reached through the fault-injecting
proxies from ``conftest``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from faultproxy import Fault, FaultProxy
from strict_platform import BUCKET, StrictPlatform

from mixpeek_tools.errors import EnvironmentFailure, KitError
from mixpeek_tools.publishing.client import PluginApi
from mixpeek_tools.publishing.flow import prepare, publish
from mixpeek_tools.publishing.retry import RetryPolicy

pytestmark = pytest.mark.slow

Setup = tuple[StrictPlatform, FaultProxy, FaultProxy]
UPLOADS = r"/plugins/uploads$"
CONFIRM = r"/uploads/upl_[0-9a-f]+/confirm$"
S3_PUT = rf"^/{BUCKET}/"


@pytest.fixture
def setup(faulty_platform: Setup) -> Iterator[Setup]:
    platform, api_proxy, s3_proxy = faulty_platform
    platform.reset()
    platform.public_s3_url = s3_proxy.url
    api_proxy.reset()
    s3_proxy.reset()
    yield faulty_platform


def client(reg: StrictPlatform, api_proxy: FaultProxy, **kwargs: object) -> PluginApi:
    return PluginApi(
        base_url=api_proxy.url,
        api_key=reg.api_key,
        namespace=reg.namespace,
        policy=RetryPolicy(base_delay=0.05, max_attempts=4),
        **kwargs,  # type: ignore[arg-type]
    )


def uploads_and_plugins(reg: StrictPlatform, name: str) -> tuple[int, list[tuple[str, str]]]:
    """What the platform recorded for ``name``: uploads, and (plugin_id, validation) pairs."""
    uploads = sum(1 for u in reg.uploads.values() if u["name"] == name)
    plugins = [(p["plugin_id"], p["validation_status"]) for p in reg.plugins.values()
               if p["name"] == name]  # fmt: skip
    return uploads, plugins


def run_publish(reg: StrictPlatform, api_proxy: FaultProxy, plugin: Path, **kwargs: object) -> str:
    api = client(reg, api_proxy, **kwargs)
    try:
        return publish(prepare(plugin), api, progress=False).plugin_id
    finally:
        api.close()


def test_503_answers_are_retried_until_the_upload_is_created(
    setup: Setup, plugin_copy: Callable[[str], Path]
) -> None:
    reg, api_proxy, _ = setup
    api_proxy.faults.append(Fault("POST", UPLOADS, "503", times=2))
    plugin_id = run_publish(reg, api_proxy, plugin_copy("retry_503"))
    assert api_proxy.count("POST", UPLOADS, "503") == 2
    assert uploads_and_plugins(reg, "retry_503") == (1, [(plugin_id, "passed")])


def test_a_lost_create_upload_answer_still_publishes_once(
    setup: Setup, plugin_copy: Callable[[str], Path]
) -> None:
    reg, api_proxy, _ = setup
    api_proxy.faults.append(Fault("POST", UPLOADS, "lose_response"))
    plugin_id = run_publish(reg, api_proxy, plugin_copy("lost_create"))
    assert api_proxy.count("POST", UPLOADS) == 2, "the platform saw the request twice"
    uploads, plugins = uploads_and_plugins(reg, "lost_create")
    # The platform documents no idempotency key: the first upload is orphaned, never confirmed.
    assert uploads == 2 and plugins == [(plugin_id, "passed")]


def test_a_connection_dropped_mid_upload_is_retried_and_published_once(
    setup: Setup, plugin_copy: Callable[[str], Path]
) -> None:
    reg, api_proxy, s3_proxy = setup
    s3_proxy.faults.append(Fault("PUT", S3_PUT, "drop_mid_body"))
    plugin_id = run_publish(reg, api_proxy, plugin_copy("dropped_upload"))
    assert s3_proxy.count("PUT", S3_PUT, "dropped") == 1
    assert s3_proxy.count("PUT", S3_PUT, "200") == 1
    assert uploads_and_plugins(reg, "dropped_upload") == (1, [(plugin_id, "passed")])


def test_a_lost_confirm_answer_is_retried_and_returns_the_same_plugin(
    setup: Setup, plugin_copy: Callable[[str], Path]
) -> None:
    reg, api_proxy, _ = setup
    api_proxy.faults.append(Fault("POST", CONFIRM, "lose_response"))
    plugin_id = run_publish(reg, api_proxy, plugin_copy("lost_confirm"))
    assert (
        api_proxy.count("POST", CONFIRM, "lost") == 1
        and api_proxy.count("POST", CONFIRM, "200") == 1
    )
    assert uploads_and_plugins(reg, "lost_confirm") == (1, [(plugin_id, "passed")])


def test_a_confirm_that_times_out_is_retried_without_publishing_twice(
    setup: Setup, plugin_copy: Callable[[str], Path]
) -> None:
    reg, api_proxy, _ = setup
    api_proxy.faults.append(Fault("POST", CONFIRM, "slow_response", delay=8.0))
    plugin_id = run_publish(reg, api_proxy, plugin_copy("slow_confirm"), confirm_timeout=(5.0, 6.0))
    assert api_proxy.count("POST", CONFIRM, "lost") == 1, "the first answer never arrived in time"
    assert api_proxy.count("POST", CONFIRM, "200") == 1
    assert uploads_and_plugins(reg, "slow_confirm") == (1, [(plugin_id, "passed")])


def test_storage_that_keeps_failing_leaves_nothing_published(
    setup: Setup, plugin_copy: Callable[[str], Path]
) -> None:
    reg, api_proxy, s3_proxy = setup
    s3_proxy.faults.append(Fault("PUT", S3_PUT, "500", times=10))
    with pytest.raises(EnvironmentFailure) as err:
        run_publish(reg, api_proxy, plugin_copy("s3_down"))
    assert "Nothing was published" in err.value.paragraph()
    assert s3_proxy.count("PUT", S3_PUT, "500") == 4, "max_attempts tries, then it gives up"
    assert api_proxy.count("POST", CONFIRM) == 0, "a failed upload is never confirmed"
    assert uploads_and_plugins(reg, "s3_down") == (1, [])
    assert reg.api_key not in err.value.paragraph()


def test_an_api_that_keeps_failing_gives_a_clean_error_without_the_key(
    setup: Setup, plugin_copy: Callable[[str], Path]
) -> None:
    reg, api_proxy, s3_proxy = setup
    api_proxy.faults.append(Fault("POST", UPLOADS, "502", times=10))
    with pytest.raises(KitError) as err:
        run_publish(reg, api_proxy, plugin_copy("api_down"))
    text = err.value.paragraph()
    assert "HTTP 502" in text and reg.api_key not in text
    assert s3_proxy.count("PUT", S3_PUT) == 0
    assert uploads_and_plugins(reg, "api_down") == (0, [])


def test_a_presigned_url_that_storage_calls_expired_is_replaced_once(
    setup: Setup, plugin_copy: Callable[[str], Path]
) -> None:
    reg, api_proxy, s3_proxy = setup
    s3_proxy.faults.append(Fault("PUT", S3_PUT, "s3_expired"))
    plugin_id = run_publish(reg, api_proxy, plugin_copy("stale_url"))
    assert s3_proxy.count("PUT", S3_PUT, "expired") == 1
    assert api_proxy.count("POST", UPLOADS) == 2, "a fresh upload was created once"
    assert uploads_and_plugins(reg, "stale_url") == (2, [(plugin_id, "passed")])
