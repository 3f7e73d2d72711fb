"""End to end over HTTP: a real registry process, its own S3 endpoint, and the real CLI.

Every test publishes its own plugin name so the tests do not depend on each other's order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from mixpeek_tools.publishing.archive import build_archive
from mixpeek_tools.registry.builtin import BUILTIN_SERVICES
from mixpeek_tools.registry.launch import RunningRegistry, add_key

pytestmark = pytest.mark.slow

Cli = Callable[..., Any]
FORBIDDEN = "import subprocess\n\n\ndef sneaky():\n    return subprocess.run(['id'])\n"


def published_id(stdout: str) -> str:
    return next(w.rstrip(",.") for w in stdout.split() if w.startswith("plg_"))


def test_publish_list_show_deploy_delete_a_plugin(
    registry: RunningRegistry, make_plugin: Callable[..., Path], cli: Cli
) -> None:
    plugin = make_plugin("e2e_plugin")
    env = registry.env()
    done = cli("plugin", "publish", "--path", str(plugin), "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert "status ready" in done.stdout
    plugin_id = published_id(done.stdout)

    listed = cli("plugin", "list", "--source", "custom", env=env)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split()[:3] == ["PLUGIN_ID", "NAME", "VERSION"]
    assert any(plugin_id in r and "e2e_plugin" in r and "ready" in r for r in rows)

    as_json = json.loads(cli("plugin", "list", "-s", "custom", "--json", env=env).stdout)
    mine = [p for p in as_json["plugins"] if p["plugin_id"] == plugin_id]
    assert mine and mine[0]["source"] == "custom" and mine[0]["version"] == "v1"

    shown = cli("plugin", "show", "e2e_plugin@v1", env=env)
    assert shown.returncode == 0, shown.stderr
    assert f"plugin_id: {plugin_id}" in shown.stdout and "status: ready" in shown.stdout

    deployed = cli("plugin", "deploy", plugin_id, env=env)
    assert deployed.returncode == 0 and "queued" in deployed.stdout  # it has realtime.py
    deadline = time.monotonic() + 120  # the registry starts its realtime service
    while "status: deployed" not in cli("plugin", "show", plugin_id, env=env).stdout:
        assert time.monotonic() < deadline, "the realtime service never came up"
        time.sleep(0.5)

    deleted = cli("plugin", "delete", plugin_id, "--yes", env=env)
    assert deleted.returncode == 0, deleted.stderr
    gone = cli("plugin", "show", plugin_id, env=env)
    assert gone.returncode == 2 and "404" in gone.stderr
    assert plugin_id not in cli("plugin", "list", "-s", "custom", env=env).stdout
    for out in (done, listed, shown, deployed, deleted, gone):
        assert registry.api_key not in out.stdout + out.stderr


def test_publishing_the_same_version_again_gets_409_and_how_to_bump(
    registry: RunningRegistry, make_plugin: Callable[..., Path], cli: Cli
) -> None:
    plugin = make_plugin("twice_plugin", "v3")
    assert cli("plugin", "publish", "-p", str(plugin), "-y", env=registry.env()).returncode == 0
    again = cli("plugin", "publish", "-p", str(plugin), "-y", env=registry.env())
    assert again.returncode == 2
    assert (
        "already published" in again.stderr
        and "'v4'" in again.stderr
        and "manifest.py" in again.stderr
    )
    rows = [
        r
        for r in cli("plugin", "list", "-s", "custom", env=registry.env()).stdout.splitlines()
        if "twice_plugin" in r
    ]
    assert len(rows) == 1


def test_a_wrong_key_is_refused_and_never_echoed(registry: RunningRegistry, cli: Cli) -> None:
    env = {**registry.env(), "MIXPEEK_API_KEY": "sk_wrong_key_do_not_print_0123456789"}
    done = cli("-v", "plugin", "list", env=env)
    assert done.returncode == 2
    assert "401" in done.stderr and "API key was rejected" in done.stderr
    assert "sk_wrong_key_do_not_print" not in done.stdout + done.stderr


def test_a_key_of_another_namespace_sees_nothing_here(registry: RunningRegistry, cli: Cli) -> None:
    other_key = add_key(registry.data_dir, "ns_other")
    env = {**registry.env(), "MIXPEEK_API_KEY": other_key}
    done = cli("plugin", "list", "--namespace", "ns_test", env=env)
    assert done.returncode == 2 and "403" in done.stderr and "ns_test" in done.stderr
    own = cli("plugin", "list", "--namespace", "ns_other", "--source", "custom", "--json", env=env)
    assert own.returncode == 0 and json.loads(own.stdout)["plugins"] == []


def test_builtin_source_lists_the_documented_services(registry: RunningRegistry, cli: Cli) -> None:
    data = json.loads(
        cli("plugin", "list", "--source", "builtin", "--json", env=registry.env()).stdout
    )
    assert sorted(p["name"] for p in data["plugins"]) == sorted(s[0] for s in BUILTIN_SERVICES)
    assert {p["source"] for p in data["plugins"]} == {"builtin"}


def test_dry_run_prints_the_archive_and_with_verbose_every_file_and_uploads_nothing(
    registry: RunningRegistry, make_plugin: Callable[..., Path], cli: Cli
) -> None:
    plugin = make_plugin("dry_plugin")
    (plugin / ".env").write_text("TOKEN=secret")
    done = cli("-v", "plugin", "publish", "-p", str(plugin), "--dry-run", env=registry.env())
    assert done.returncode == 0, done.stderr
    assert "Archive:" in done.stdout and "SHA256:" in done.stdout
    assert (
        "dry_plugin/manifest.py" in done.stdout and "dry_plugin/processors/core.py" in done.stdout
    )
    assert ".env" not in done.stdout
    assert (plugin / ".mixpeek" / "dist" / "dry_plugin-v1.tar.gz").is_file()
    assert "dry_plugin" not in cli("plugin", "list", "-s", "custom", env=registry.env()).stdout


def test_forbidden_code_stops_publish_before_any_upload(
    registry: RunningRegistry, make_plugin: Callable[..., Path], cli: Cli
) -> None:
    plugin = make_plugin("evil_client_plugin", extra_code=FORBIDDEN)
    done = cli("plugin", "publish", "-p", str(plugin), "-y", env=registry.env())
    assert done.returncode == 1
    assert "subprocess" in done.stderr and "core.py" in done.stderr
    assert (
        "evil_client_plugin" not in cli("plugin", "list", "-s", "custom", env=registry.env()).stdout
    )


def test_a_forbidden_archive_sent_straight_to_the_api_ends_failed_with_violations(
    registry: RunningRegistry, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    """The client's scan is a courtesy: the registry's own scan is the gate."""
    plugin = make_plugin("evil_raw_plugin", extra_code=FORBIDDEN)
    archive = build_archive(plugin, "evil_raw_plugin", tmp_path / "evil.tar.gz")
    api = f"{registry.base_url}/v1/namespaces/{registry.namespace}/plugins"
    auth = {"Authorization": f"Bearer {registry.api_key}"}
    body = {"name": "evil_raw_plugin", "version": "v1", "category": "text",
            "file_size_bytes": archive.size, "sha256": archive.sha256}  # fmt: skip
    upload = requests.post(f"{api}/uploads", json=body, headers=auth, timeout=30).json()
    with archive.path.open("rb") as fh:
        s3 = requests.post(
            upload["upload_url"], data=upload["fields"], files={"file": fh}, timeout=30
        )
    assert s3.status_code in (200, 201, 204)
    confirm = {"file_size_bytes": archive.size, "sha256": archive.sha256}
    first = requests.post(
        f"{api}/uploads/{upload['upload_id']}/confirm", json=confirm, headers=auth, timeout=120
    )
    assert first.status_code == 200, first.text
    result = first.json()
    assert result["status"] == "failed" and result["security_scan_passed"] is False
    assert any(
        "subprocess" in v["message"] or "command" in str(v.get("category"))
        for v in result["security_violations"]
    )
    again = requests.post(
        f"{api}/uploads/{upload['upload_id']}/confirm", json=confirm, headers=auth, timeout=120
    )
    assert again.json()["plugin_id"] == result["plugin_id"], (
        "confirming twice never makes a second plugin"
    )
    shown = requests.get(f"{api}/{result['plugin_id']}", headers=auth, timeout=30).json()
    assert shown["status"] == "failed" and shown["security_violations"]
    deploy = requests.post(f"{api}/{result['plugin_id']}/deploy", headers=auth, timeout=30)
    assert deploy.status_code == 409 and deploy.json()["error"]["type"] == "conflict"


def test_tampered_uploads_are_refused_and_left_open(
    registry: RunningRegistry, make_plugin: Callable[..., Path], tmp_path: Path
) -> None:
    plugin = make_plugin("tamper_plugin")
    archive = build_archive(plugin, "tamper_plugin", tmp_path / "t.tar.gz")
    api = f"{registry.base_url}/v1/namespaces/{registry.namespace}/plugins"
    auth = {"Authorization": f"Bearer {registry.api_key}"}
    body = {
        "name": "tamper_plugin",
        "version": "v1",
        "file_size_bytes": archive.size,
        "sha256": "0" * 64,
    }
    upload = requests.post(f"{api}/uploads", json=body, headers=auth, timeout=30).json()
    url = f"{api}/uploads/{upload['upload_id']}/confirm"
    early = requests.post(url, json={}, headers=auth, timeout=30)
    assert early.status_code == 409 and early.json()["error"]["type"] == "upload_incomplete"
    with archive.path.open("rb") as fh:
        requests.post(upload["upload_url"], data=upload["fields"], files={"file": fh}, timeout=30)
    bad_etag = requests.post(url, json={"etag": "0" * 32}, headers=auth, timeout=60)
    assert bad_etag.status_code == 422 and "ETag" in bad_etag.json()["error"]["message"]
    wrong = requests.post(url, json={}, headers=auth, timeout=60)
    assert wrong.status_code == 422 and "sha256" in wrong.json()["error"]["message"]
    too_big = requests.post(
        f"{api}/uploads", json={**body, "file_size_bytes": 524_288_001}, headers=auth, timeout=30
    )
    assert too_big.status_code == 413
    bad_name = requests.post(
        f"{api}/uploads", json={**body, "name": "bad-name"}, headers=auth, timeout=30
    )
    assert bad_name.status_code == 422 and bad_name.json()["error"]["details"]["field"] == "name"


def test_a_plugin_rendered_by_plugin_init_publishes_and_lists(
    registry: RunningRegistry, tmp_path: Path, cli: Cli
) -> None:
    rendered = cli(
        "plugin",
        "init",
        "rendered_plugin",
        "--category",
        "image",
        "--author",
        "Tester",
        "-o",
        str(tmp_path),
    )
    assert rendered.returncode == 0, rendered.stderr
    plugin = tmp_path / "rendered_plugin"
    done = cli("plugin", "publish", "-p", str(plugin), "-y", env=registry.env())
    assert done.returncode == 0, done.stderr
    listed = json.loads(cli("plugin", "list", "-s", "custom", "--json", env=registry.env()).stdout)
    mine = [p for p in listed["plugins"] if p["name"] == "rendered_plugin"]
    assert [(p["status"], p["category"]) for p in mine] == [("ready", "image")]
