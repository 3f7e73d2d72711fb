"""Nothing is lost on restart: a registry stopped by SIGTERM or SIGKILL and started again on the
same data folder hands out the very same archive bytes; unclaimed uploads are swept."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import requests

from mixpeek_tools.publishing.archive import build_archive
from mixpeek_tools.registry.launch import RunningRegistry, running_registry
from mixpeek_tools.registry.storage import LOCAL_CREDENTIALS, LocalS3
from tests.support.registry_api import auth, plugins_url, publish, start_upload

pytestmark = pytest.mark.slow


def stop(registry: RunningRegistry, sig: int) -> None:
    os.kill(registry.process.pid, sig)
    registry.process.wait(timeout=30)


def download_sha(registry: RunningRegistry, plugin_id: str) -> str:
    shown = requests.get(
        f"{plugins_url(registry)}/{plugin_id}?return_presigned_urls=true",
        headers=auth(registry),
        timeout=30,
    )
    assert shown.status_code == 200, shown.text
    got = requests.get(shown.json()["presigned_download_url"], timeout=60)
    assert got.status_code == 200, got.text
    return hashlib.sha256(got.content).hexdigest()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_every_published_archive_downloads_the_same_after_a_restart(
    tmp_path: Path, make_plugin: Callable[..., Path], sig: int
) -> None:
    data = tmp_path / "data"
    archive = build_archive(make_plugin("kept_plugin"), "kept_plugin", tmp_path / "k.tar.gz")
    with running_registry(data) as first:
        plugin_id, sha = publish(first, archive.path, "kept_plugin", "v1")
        assert download_sha(first, plugin_id) == sha
        stop(first, sig)
    with running_registry(data) as second:
        assert download_sha(second, plugin_id) == sha
        assert "Restored 1 archive(s)" in second.log.read_text()


@pytest.fixture
def external_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An S3 endpoint that outlives the registry, as MinIO or AWS would."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3 = LocalS3()
    endpoint = s3.start()
    try:
        yield endpoint
    finally:
        s3.stop()


def keys(endpoint: str) -> set[str]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **LOCAL_CREDENTIALS)
    listed = client.list_objects_v2(Bucket="mixpeek-plugins").get("Contents", [])
    return {o["Key"] for o in listed}


def test_expired_and_superseded_uploads_are_swept_at_start(
    tmp_path: Path, make_plugin: Callable[..., Path], external_s3: str
) -> None:
    data = tmp_path / "data"
    args = ("--s3-endpoint-url", external_s3)
    archive = build_archive(make_plugin("swept_plugin"), "swept_plugin", tmp_path / "s.tar.gz")
    with running_registry(data, extra_args=args) as first:
        abandoned = start_upload(first, archive.path, "swept_plugin", "v1")
        rival = start_upload(first, archive.path, "swept_plugin", "v1")
        plugin_id, _ = publish(first, archive.path, "swept_plugin", "v1")
        stop(first, signal.SIGKILL)
    before = keys(external_s3)
    assert {abandoned.upload["s3_key"], rival.upload["s3_key"]} <= before
    with sqlite3.connect(data / "registry.sqlite3") as db:  # let the first upload expire
        db.execute("UPDATE uploads SET expires_at = 0 WHERE upload_id = ?",
                   (abandoned.upload["upload_id"],))  # fmt: skip
    orphan = data / "archives" / first.namespace / "gone_1_0_0.tar.gz"
    orphan.write_bytes(b"left by a killed confirm")
    (data / "tmp" / "confirm-leftover").mkdir(parents=True)
    with running_registry(data, extra_args=args) as second:
        after = keys(external_s3)
        assert abandoned.upload["s3_key"] not in after, "expired upload's object is deleted"
        assert rival.upload["s3_key"] not in after, "a superseded upload's object is deleted"
        assert len(after) == 1 and download_sha(second, plugin_id) == archive.sha256
        assert not orphan.exists()
        assert list((data / "tmp").iterdir()) == []
        with sqlite3.connect(data / "registry.sqlite3") as db:
            left = db.execute("SELECT upload_id FROM uploads WHERE plugin_id IS NULL").fetchall()
        assert left == [(rival.upload["upload_id"],)]
