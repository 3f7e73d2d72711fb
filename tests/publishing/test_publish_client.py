"""The API client's error handling, secret hygiene and the streaming PUT upload."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
import requests

from mixpeek_tools.errors import BadInput
from mixpeek_tools.publishing.archive import build_archive
from mixpeek_tools.publishing.client import ApiRejected, PluginApi, connect, parse_error, redact
from mixpeek_tools.publishing.upload import Progress, UploadTarget, upload_archive


def response(status: int, body: object) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return r


def test_both_error_shapes_and_plain_text_are_understood() -> None:
    new = parse_error(
        response(409, {"error": {"message": "exists", "type": "conflict", "details": {"a": 1}}})
    )
    old = parse_error(
        response(
            429,
            {"detail": {"error": {"message": "slow down", "details": {"retry_after_seconds": 3}}}},
        )
    )
    text = parse_error(response(502, b"<html>Bad Gateway</html>"))
    assert (new.message, new.type, new.details_map) == ("exists", "conflict", {"a": 1})
    assert old.details_map["retry_after_seconds"] == 3
    assert "Bad Gateway" in text.message


def test_each_refusal_status_gets_its_own_hint_and_the_key_is_redacted() -> None:
    key = "sk_live_supersecret_value"
    api = PluginApi(base_url="http://x", api_key=key, namespace="ns_a")
    hints = {}
    for status in (401, 403, 404, 413, 422):
        err = api.to_error(
            status, parse_error(response(status, {"error": {"message": f"echo {key}"}})), "http://x"
        )
        assert isinstance(err, ApiRejected) and err.exit_code == 2
        assert key not in err.paragraph() and "sk_***" in err.paragraph()
        hints[status] = err.hint
    assert len(set(hints.values())) == 5
    assert "MIXPEEK_API_KEY" in str(hints[401]) and "ns_a" in str(hints[403])
    assert api.to_error(503, parse_error(response(503, {})), "u").exit_code == 3
    assert redact("no secret here", None) == "no secret here"


def test_missing_key_or_namespace_is_bad_input_naming_the_variable() -> None:
    with pytest.raises(BadInput, match="MIXPEEK_API_KEY"):
        connect("http://x", None, "ns_a")
    with pytest.raises(BadInput, match="MIXPEEK_NAMESPACE"):
        connect("http://x", "sk_1", "")


def test_an_archive_streams_to_a_presigned_put_url(tmp_path: Path, strict_platform: Any) -> None:
    from strict_platform import BUCKET

    plugin = tmp_path / "p"
    plugin.mkdir()
    (plugin / "blob.bin").write_bytes(os.urandom(3_000_000))
    archive = build_archive(plugin, "put_plugin", tmp_path / "a.tar.gz")
    s3 = strict_platform.s3
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": BUCKET, "Key": "k.tar.gz", "ContentType": "application/gzip"},
    )
    with requests.Session() as session:
        etag = upload_archive(session, UploadTarget(url, "PUT", None), archive, progress=False)
    got = s3.get_object(Bucket=BUCKET, Key="k.tar.gz")
    body = got["Body"].read()
    assert got["ContentType"] == "application/gzip"
    assert len(body) == archive.size and etag == got["ETag"].strip('"') == archive.md5
    assert hashlib.sha256(body).hexdigest() == archive.sha256


def test_the_progress_bar_draws_on_stderr_only_when_enabled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bar = Progress(1000, enabled=True)
    bar.update(1000)
    bar.finish()
    assert "100%" in capsys.readouterr().err
    quiet = Progress(1000, enabled=False)
    quiet.update(1000)
    quiet.finish()
    assert capsys.readouterr().err == ""


def test_an_unreachable_api_is_retried_three_times_then_named_without_the_key() -> None:
    from mixpeek_tools.errors import EnvironmentFailure
    from mixpeek_tools.publishing.retry import RetryPolicy
    from tests.support.net import free_port

    waits: list[float] = []
    notes: list[str] = []
    api = PluginApi(
        base_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        api_key="sk_never_shown_123456",
        namespace="ns_a",
        policy=RetryPolicy(jitter=0.0, sleep=waits.append),
        notify=notes.append,
    )
    with pytest.raises(EnvironmentFailure) as err:
        api.list_plugins()
    assert waits == [2.0, 4.0, 8.0], "network errors get a short budget, not the 180 s one"
    assert len(notes) == 3 and all("retrying" in n for n in notes)
    assert "could not connect" in err.value.paragraph()
    assert "sk_never_shown" not in err.value.paragraph() + "".join(notes)


def test_the_sheet_error_shape_and_the_fastapi_422_shape_are_both_read() -> None:
    sheet = parse_error(response(400, {"success": False, "status": 400, "error": {
        "message": "Plugin validation failed", "type": "ValidationError",
        "details": {"validation_errors": ["pipeline.py is missing"]}}}))  # fmt: skip
    assert sheet.listed_errors() == ["pipeline.py is missing"] and sheet.type == "ValidationError"
    fastapi = parse_error(response(422, {"detail": [
        {"loc": ["body", "version"], "msg": "String should match pattern", "type": "x"},
        {"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]}))  # fmt: skip
    assert [f.field for f in fastapi.fields] == ["version", "name"]
    assert "body.version: String should match pattern" in fastapi.message
    api = PluginApi(base_url="http://x", api_key="sk_a_key_1234", namespace="ns_a")
    err = api.to_error(422, fastapi, "http://x")
    assert "field version, name" in err.message and "MAJOR.MINOR.PATCH" in str(err.hint)


def test_the_create_upload_answer_picks_put_or_post() -> None:
    put = UploadTarget.from_answer({"presigned_url": "http://s3/k?sig"}, "application/zip")
    assert put is not None and (put.method, put.content_type) == ("PUT", "application/zip")
    post = UploadTarget.from_answer({"upload_url": "http://s3/", "fields": {"key": "k"}}, "x")
    assert post is not None and post.method == "POST" and post.fields == {"key": "k"}
    assert UploadTarget.from_answer({"upload_id": "u"}, "application/gzip") is None


def test_the_rich_bar_is_used_on_a_terminal_and_draws_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mixpeek_tools.publishing.upload import RichProgress, progress_bar

    bar = progress_bar(2_000_000, enabled=True)
    assert isinstance(bar, RichProgress)
    bar.update(2_000_000)
    bar.finish()
    captured = capsys.readouterr()
    assert "Uploading" in captured.err and captured.out == ""
    assert not isinstance(progress_bar(10, enabled=False), RichProgress)
