"""The registry speaks the platform's plugin API (OpenAPI 0.81), over real HTTP and a real S3.

A real ``mixpeek registry serve`` process with its own moto S3 endpoint on loopback; every test
gets a fresh namespace; every answer is checked against the sheet's JSON Schemas
(``tests/support/plugin_api_schemas.py``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from mixpeek_tools.registry.builtin import BUILTIN_SERVICES
from mixpeek_tools.registry.launch import RunningRegistry, running_registry
from tests.support.plugin_api_schemas import assert_matches
from tests.support.registry_api import Api, new_namespace, tar_gz, zip_archive

pytestmark = pytest.mark.slow

Make = Callable[..., Path]
FORBIDDEN = "import subprocess\n\n\ndef sneaky():\n    return subprocess.run(['id'])\n"


def publish(api: Api, archive: Path, name: str, version: str = "1.0.0", *, expect: int = 200,
            content_type: str = "application/gzip") -> dict[str, Any]:  # fmt: skip
    """The official CLI's publish, step by step, as the sheet describes it."""
    data = archive.read_bytes()
    upload = api.call("POST", "/uploads", schema="create_upload", json={
        "name": name, "version": version, "description": f"{name} for tests",
        "file_size_bytes": len(data)})  # fmt: skip
    put = requests.put(upload["presigned_url"], data=data,
                       headers={"Content-Type": content_type}, timeout=60)  # fmt: skip
    assert put.status_code in (200, 201, 204), put.text
    etag = put.headers["ETag"].strip('"')
    return api.call("POST", f"/uploads/{upload['upload_id']}/confirm", expect=expect,
                    schema="confirm" if expect == 200 else "error",
                    json={"etag": etag, "file_size_bytes": len(data)})  # fmt: skip


def test_the_official_cli_publish_replayed_exactly_passes_and_lists_as_an_extractor(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    plugin = make_plugin("cli_replay", "v1")
    # the official CLI sends the manifest's "v1" as "1.0.0"
    done = publish(api, tar_gz(plugin, tmp_path / "p.tar.gz"), "cli_replay", "1.0.0")
    assert done["success"] is True and done["validation_status"] == "passed"
    assert done["plugin_id"] == "cli_replay_1_0_0"
    assert done["feature_uri"] == "mixpeek://cli_replay@1.0.0"
    assert done["s3_archive_url"].startswith("s3://")
    listed = requests.get(f"{api.base_url}/v1/collections/features/extractors",
                          headers={**api.auth, "X-Namespace": api.namespace}, timeout=30)  # fmt: skip
    assert listed.status_code == 200
    mine = [e for e in listed.json()["extractors"] if e["source"] == "custom"]
    assert [(e["extractor_id"], e["feature_extractor_name"], e["version"]) for e in mine] == [
        ("cli_replay_1_0_0", "cli_replay", "1.0.0")
    ]
    builtin = {e["feature_extractor_name"] for e in listed.json()["extractors"]} - {"cli_replay"}
    assert builtin == {s[0] for s in BUILTIN_SERVICES}


def test_list_detail_download_delete(api: Api, make_plugin: Make, tmp_path: Path) -> None:
    archive = tar_gz(make_plugin("lister", "v2"), tmp_path / "p.tar.gz")
    publish(api, archive, "lister", "2.0.0")
    listed = api.call("GET", "", schema="plugin_list")
    assert listed["namespace_id"] == api.namespace and listed["total"] == 1
    assert listed["plugins"][0]["plugin_id"] == "lister_2_0_0"
    assert listed["plugins"][0]["deployed"] is False
    plain = api.call("GET", "/lister_2_0_0", schema="plugin")
    assert plain["presigned_download_url"] is None
    shown = api.call("GET", "/lister_2_0_0", params={"return_presigned_urls": "true"},
                     schema="plugin")  # fmt: skip
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert shown["plugin"]["code_hash"] == sha and shown["plugin"]["validation_status"] == "passed"
    manifest = shown["plugin"]["manifest"]
    assert manifest["feature_extractor_name"] == "lister" and manifest["version"] == "2.0.0"
    assert set(manifest["input_schema"]["properties"]) == {"text"}
    assert "threshold" in manifest["parameter_schema"]["properties"]
    got = requests.get(shown["presigned_download_url"], timeout=30)
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha
    gone = api.call("DELETE", "/lister_2_0_0", schema="delete")
    assert gone["plugin_id"] == "lister_2_0_0" and gone["deployment_removed"] is False
    assert api.call("GET", "", schema="plugin_list")["plugins"] == []
    missing = api.call("GET", "/lister_2_0_0", expect=404)
    assert missing["status"] == 404 and missing["error"]["type"] == "not_found"


def test_a_zip_archive_is_accepted_by_its_bytes(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    archive = zip_archive(make_plugin("zipped", "v1"), tmp_path / "p.tar.gz")  # the name lies
    done = publish(api, archive, "zipped", content_type="application/zip")
    assert done["validation_status"] == "passed", done
    detail = api.call("GET", "/zipped_1_0_0", params={"return_presigned_urls": True},
                      schema="plugin")  # fmt: skip
    got = requests.get(detail["presigned_download_url"], timeout=30).content
    assert got[:2] == b"PK" and got == archive.read_bytes()


def test_direct_multipart_upload(api: Api, make_plugin: Make, tmp_path: Path) -> None:
    archive = tar_gz(make_plugin("direct_one", "v3"), tmp_path / "p.tar.gz")
    with archive.open("rb") as fh:
        done = api.call("POST", "", schema="direct_upload", files={"file": fh},
                        data={"name": "direct_one", "version": "3.0.0", "description": "d"})  # fmt: skip
    assert done["success"] and done["plugin_id"] == "direct_one_3_0_0"
    again = api.call("POST", "", expect=409, files={"file": archive.read_bytes()},
                     data={"name": "direct_one", "version": "3.0.0"})  # fmt: skip
    assert again["error"]["type"] == "conflict"
    bad = api.call("POST", "", expect=422, files={"file": b"x"},
                   data={"name": "direct_one", "version": "v3"})  # fmt: skip
    assert ["body", "version"] in [d["loc"] for d in bad["detail"]]


def test_request_rules_answer_422_naming_the_field(api: Api) -> None:
    good = {"name": "rules_plugin", "version": "1.0.0", "file_size_bytes": 10}
    for field, value in [("name", "bad-name"), ("name", "ab"), ("version", "v1"),
                         ("version", "1.0"), ("version", "1.0.0-beta"),
                         ("description", "x" * 501), ("file_size_bytes", 0),
                         ("file_size_bytes", 104_857_601), ("presigned_url_expiration", 59),
                         ("presigned_url_expiration", 86_401)]:  # fmt: skip
        body = api.call("POST", "/uploads", expect=422, json={**good, field: value})
        assert ["body", field] in [d["loc"] for d in body["detail"]], (field, value, body)
    edge = {**good, "description": "x" * 500, "file_size_bytes": 104_857_600,
            "presigned_url_expiration": 60}  # fmt: skip
    api.call("POST", "/uploads", schema="create_upload", json=edge)
    missing = api.call("POST", "/uploads", expect=422, json={"name": "rules_plugin"})
    assert ["body", "version"] in [d["loc"] for d in missing["detail"]]


def test_auth_and_namespace_isolation_use_the_platform_error_body(
    api: Api, registry: RunningRegistry
) -> None:
    no_key = requests.get(api.plugins, timeout=30)
    assert no_key.status_code == 401
    assert_matches("error", no_key.json())
    wrong = requests.get(api.plugins, headers={"Authorization": "Bearer sk_wrong"}, timeout=30)
    assert wrong.status_code == 401 and wrong.json()["status"] == 401
    other = new_namespace(registry)
    foreign = other.call("GET", api.plugins, expect=403)
    assert foreign["success"] is False and api.namespace in foreign["error"]["message"]
    unknown_route = api.call("GET", f"{api.base_url}/v1/nothing", expect=404)
    assert unknown_route["error"]["type"] == "not_found"


def test_an_existing_version_is_409_and_unknown_upload_or_object_404(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    archive = tar_gz(make_plugin("twice", "v1"), tmp_path / "p.tar.gz")
    publish(api, archive, "twice")
    again = api.call("POST", "/uploads", expect=409, json={"name": "twice", "version": "1.0.0"})
    assert again["status"] == 409 and again["error"]["details"]["plugin_id"] == "twice_1_0_0"
    api.call("POST", "/uploads/upl_nope/confirm", expect=404, json={})
    upload = api.call("POST", "/uploads", schema="create_upload",
                      json={"name": "early", "version": "1.0.0"})  # fmt: skip
    early = api.call("POST", f"/uploads/{upload['upload_id']}/confirm", expect=404, json=None)
    assert early["error"]["type"] == "object_not_found"


def test_confirm_checks_etag_and_size_and_takes_a_null_body(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    data = tar_gz(make_plugin("checked", "v1"), tmp_path / "p.tar.gz").read_bytes()
    upload = api.call("POST", "/uploads", schema="create_upload",
                      json={"name": "checked", "version": "1.0.0", "file_size_bytes": len(data)})  # fmt: skip
    requests.put(upload["presigned_url"], data=data, timeout=30).raise_for_status()
    url = f"/uploads/{upload['upload_id']}/confirm"
    bad_etag = api.call("POST", url, expect=400, json={"etag": "0" * 32})
    assert "ETag" in bad_etag["error"]["message"]
    bad_size = api.call("POST", url, expect=400, json={"file_size_bytes": len(data) + 1})
    assert bad_size["error"]["details"]["stored_size"] == len(data)
    done = requests.post(api.plugins + url, headers={**api.auth, "Content-Type": "application/json"},
                         data="null", timeout=120)  # fmt: skip
    assert done.status_code == 200, done.text
    assert_matches("confirm", done.json())
    twice = api.call("POST", url, schema="confirm")
    assert twice["plugin_id"] == done.json()["plugin_id"], "a second confirm makes no second plugin"


def test_a_put_of_another_size_than_declared_is_refused_and_deleted(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    """The presigned PUT is signed over the declared length; moto checks no signatures, so the
    body of another size lands, and confirm refuses it, deletes it and lets the right one in."""
    data = tar_gz(make_plugin("sized", "v1"), tmp_path / "p.tar.gz").read_bytes()
    upload = api.call("POST", "/uploads", schema="create_upload",
                      json={"name": "sized", "version": "1.0.0", "file_size_bytes": len(data)})  # fmt: skip
    query = parse_qs(urlsplit(upload["presigned_url"]).query)
    assert "content-length" in query["X-Amz-SignedHeaders"][0].split(";")
    longer = data + b"\0" * 512
    requests.put(upload["presigned_url"], data=longer, timeout=30).raise_for_status()
    url = f"/uploads/{upload['upload_id']}/confirm"
    refused = api.call("POST", url, expect=400, json={"file_size_bytes": len(data)})
    assert refused["error"]["type"] == "integrity_error"
    assert refused["error"]["details"] == {"stored_size": len(longer), "declared_size": len(data)}
    assert "deleted" in refused["error"]["message"]
    gone = api.call("POST", url, expect=404, json=None)
    assert gone["error"]["type"] == "object_not_found", "the wrong object was deleted"
    requests.put(upload["presigned_url"], data=data, timeout=30).raise_for_status()
    done = api.call("POST", url, schema="confirm", json={"file_size_bytes": len(data)})
    assert done["validation_status"] == "passed"

    unsized = api.call("POST", "/uploads", schema="create_upload",
                       json={"name": "unsized", "version": "1.0.0"})  # fmt: skip
    assert "content-length" not in unsized["presigned_url"].lower()


def test_a_forbidden_archive_fails_validation_with_400_and_stays_visible(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    """The client's scan is a courtesy: the registry's own scan is the gate."""
    archive = tar_gz(make_plugin("evil_raw", extra_code=FORBIDDEN), tmp_path / "p.tar.gz")
    failed = publish(api, archive, "evil_raw", expect=400)
    details = failed["error"]["details"]
    assert_matches("confirm", details)
    assert details["success"] is False and details["validation_status"] == "failed"
    assert any("subprocess" in e for e in details["validation_errors"])
    shown = api.call("GET", "/evil_raw_1_0_0", schema="plugin")["plugin"]
    assert shown["validation_status"] == "failed" and shown["security_scan_passed"] is False
    refused = api.call("POST", "/evil_raw_1_0_0/deploy", expect=400)
    assert refused["error"]["type"] == "not_validated"
    fixed = tar_gz(make_plugin("evil_raw", "v1"), tmp_path / "fixed.tar.gz")
    assert publish(api, fixed, "evil_raw")["validation_status"] == "passed"


def test_a_manifest_version_that_differs_beyond_vN_fails(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    archive = tar_gz(make_plugin("wrong_ver", "v2"), tmp_path / "p.tar.gz")
    failed = publish(api, archive, "wrong_ver", "1.0.0", expect=400)
    assert any("manifest.mismatch" in e for e in failed["error"]["details"]["validation_errors"])


def test_deploy_batch_only_and_realtime_then_undeploy(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    publish(api, tar_gz(make_plugin("batchy", realtime=False), tmp_path / "b.tar.gz"), "batchy")
    batch = api.call("POST", "/batchy_1_0_0/deploy", schema="deploy_batch")
    assert batch["status"] == "deployed"
    status = api.call("GET", "/batchy_1_0_0/status", schema="status")
    assert status["deployed"] is True and status["realtime_enabled"] is False

    publish(api, tar_gz(make_plugin("live"), tmp_path / "r.tar.gz"), "live")
    queued = api.call("POST", "/live_1_0_0/deploy", schema="deploy_realtime")
    assert queued["deployment_name"] == "custom_plugin_live_1_0_0"
    seen = []
    for _ in range(60):
        state = api.call("GET", "/live_1_0_0/status", schema="status")
        seen.append(state["status"])
        if state["status"] == "deployed":
            break
        time.sleep(0.1)
    assert seen[-1] == "deployed" and seen[0] in ("queued", "in_progress"), seen
    assert state["route_prefix"] == "/inference/custom_plugin_live_1_0_0"
    listed = {
        p["plugin_id"]: p["deployed"] for p in api.call("GET", "", schema="plugin_list")["plugins"]
    }
    assert listed == {"batchy_1_0_0": True, "live_1_0_0": True}
    info = api.call("GET", "/live_1_0_0", schema="plugin")["plugin"]["deployment_info"]
    assert info["ray_deployment_name"] == "custom_plugin_live_1_0_0"
    undone = api.call("POST", "/live_1_0_0/undeploy", schema="undeploy")
    assert undone["deployment_removed"] is True
    assert api.call("GET", "/live_1_0_0/status", schema="status")["status"] == "not_deployed"
    removed = api.call("DELETE", "/batchy_1_0_0", schema="delete")
    assert removed["deployment_removed"] is True


def test_organisation_plugins_enable_and_disable_in_another_namespace(
    api: Api, registry: RunningRegistry, make_plugin: Make, tmp_path: Path
) -> None:
    publish(api, tar_gz(make_plugin("shared_one", realtime=False), tmp_path / "s.tar.gz"),
            "shared_one")  # fmt: skip
    other = new_namespace(registry)
    available = other.call("GET", "/available", schema="available")
    mine = [p for p in available["plugins"] if p["plugin_id"] == "shared_one_1_0_0"]
    assert mine and mine[0]["enabled_in_namespace"] is False
    enabled = other.call("POST", "/org/shared_one_1_0_0/enable", schema="enable",
                         json={"params": {"threshold": 0.3}})  # fmt: skip
    assert enabled["deployment_status"] == "deployed" and enabled["namespace_id"] == other.namespace
    now = other.call("GET", "/available", schema="available")["plugins"]
    assert [p["enabled_in_namespace"] for p in now if p["plugin_id"] == "shared_one_1_0_0"] == [
        True
    ]
    extractors = other.call("GET", f"{other.base_url}/v1/namespaces/{other.namespace}/extractors")
    assert "shared_one_1_0_0" in {e["extractor_id"] for e in extractors["extractors"]}
    one = other.call(
        "GET", f"{other.base_url}/v1/namespaces/{other.namespace}/extractors/shared_one_1_0_0"
    )
    assert one["extractor"]["source"] == "custom"
    other.call("POST", "/org/shared_one_1_0_0/disable", schema="disable")
    now = other.call("GET", "/available", schema="available")["plugins"]
    assert [p["enabled_in_namespace"] for p in now if p["plugin_id"] == "shared_one_1_0_0"] == [
        False
    ]
    other.call("POST", "/org/nothing_1_0_0/enable", expect=404, json={})


def test_create_upload_is_idempotent_and_can_also_give_a_presigned_post(
    api: Api, make_plugin: Make, tmp_path: Path
) -> None:
    data = tar_gz(make_plugin("posted"), tmp_path / "p.tar.gz").read_bytes()
    body = {"name": "posted", "version": "1.0.0", "file_size_bytes": len(data),
            "upload_method": "POST"}  # fmt: skip
    key = {"Idempotency-Key": "idem-1"}
    first = api.call("POST", "/uploads", schema="create_upload", json=body, headers=key)
    second = api.call("POST", "/uploads", schema="create_upload", json=body, headers=key)
    assert first == second
    api.call("POST", "/uploads", expect=400, json={**body, "description": "other"}, headers=key)
    blank = {"Idempotency-Key": ""}
    one = api.call("POST", "/uploads", schema="create_upload", json=body, headers=blank)
    two = api.call("POST", "/uploads", schema="create_upload", json=body, headers=blank)
    assert one["upload_id"] != two["upload_id"], "an empty key is no key"
    form = first["presigned_post"]
    s3 = requests.post(form["url"], data=form["fields"], files={"file": data}, timeout=30)
    assert s3.status_code in (200, 201, 204), s3.text
    done = api.call("POST", f"/uploads/{first['upload_id']}/confirm", schema="confirm", json={})
    assert done["validation_status"] == "passed"


def test_the_plugin_quota_answers_403_and_realtime_can_be_switched_off(
    tmp_path: Path, make_plugin: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXPEEK_REGISTRY_PLUGIN_QUOTA", "1")
    monkeypatch.setenv("MIXPEEK_REGISTRY_REALTIME", "off")
    with running_registry(tmp_path / "quota", namespace="ns_quota") as small:
        api = Api.of(small)
        publish(api, tar_gz(make_plugin("first_one"), tmp_path / "a.tar.gz"),
                "first_one")  # fmt: skip
        full = api.call("POST", "/uploads", expect=403, json={"name": "second", "version": "1.0.0"})
        assert full["error"]["type"] == "quota_exceeded" and full["error"]["details"]["quota"] == 1
        off = api.call("POST", "/first_one_1_0_0/deploy")
        assert off["status"] == "batch_only" and off["realtime_available"] is False


def test_openapi_and_offline_docs(registry: RunningRegistry) -> None:
    doc = requests.get(f"{registry.base_url}/openapi.json", timeout=30).json()
    assert doc["openapi"].startswith("3.") and doc["info"]["version"] == "0.81"
    create = doc["components"]["schemas"]["CreateUploadRequest"]["properties"]
    assert create["version"]["pattern"] == r"^\d+\.\d+\.\d+$"
    assert create["name"]["pattern"] == r"^[a-zA-Z][a-zA-Z0-9_]{2,63}$"
    page = requests.get(f"{registry.base_url}/docs", timeout=30)
    assert page.status_code == 200 and "/v1/namespaces/{namespace_id}/plugins/uploads" in page.text
    assert "<script" not in page.text and "cdn" not in page.text.lower()


def test_an_expired_upload_is_400(api: Api, registry: RunningRegistry) -> None:
    import sqlite3

    upload = api.call("POST", "/uploads", schema="create_upload",
                      json={"name": "late_one", "version": "1.0.0"})  # fmt: skip
    with sqlite3.connect(registry.data_dir / "registry.sqlite3") as db:  # an hour passes
        db.execute("UPDATE uploads SET expires_at = 0 WHERE upload_id = ?", (upload["upload_id"],))
    late = api.call("POST", f"/uploads/{upload['upload_id']}/confirm", expect=400, json={})
    assert late["error"]["type"] == "upload_expired"


def test_a_restart_keeps_plugins_and_their_downloads(make_plugin: Make, tmp_path: Path) -> None:
    """The built-in S3 keeps objects in memory: the kept archive is put back for downloads."""
    archive = tar_gz(make_plugin("kept_one", realtime=False), tmp_path / "k.tar.gz")
    data_dir = tmp_path / "data"
    with running_registry(data_dir, namespace="ns_keep") as first:
        publish(Api.of(first), archive, "kept_one")
        key = first.api_key
    with running_registry(data_dir, namespace="ns_keep") as second:
        api = Api(second.base_url, second.namespace, key)
        detail = api.call("GET", "/kept_one_1_0_0", params={"return_presigned_urls": True},
                          schema="plugin")  # fmt: skip
        got = requests.get(detail["presigned_download_url"], timeout=30)
        assert got.status_code == 200 and got.content == archive.read_bytes()
