"""Request bounds over real HTTP: bodies refused before they are read, malformed JSON of any
shape a 400, names and versions matched in full."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from mixpeek_tools.registry.launch import RunningRegistry
from mixpeek_tools.registry.limits import DEFAULT_BODY_LIMIT
from tests.support.registry_api import auth, plugins_url

pytestmark = pytest.mark.slow


def raw_request(registry: RunningRegistry, head: str, body: bytes = b"") -> bytes:
    """Send ``head`` (and ``body``) over a socket; the answer's bytes, or what came in 10 s."""
    host, port = registry.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while chunk := sock.recv(65536):  # the registry closes after a 413
            answer += chunk
        return answer


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    registry: RunningRegistry,
) -> None:
    path = f"/v1/namespaces/{registry.namespace}/plugins/uploads"
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {registry.api_key}\r\n"
            "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n")  # fmt: skip
    answer = raw_request(registry, head)  # not a byte of the 10 GB body is ever sent
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"payload_too_large" in answer


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(registry: RunningRegistry) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):  # 4 MiB offered in 64 KiB chunks, with no Content-Length
            yield b" " * 65536

    reply = requests.post(f"{plugins_url(registry)}/uploads", data=chunks(), headers=auth(registry),
                          timeout=30)  # fmt: skip
    assert "content-length" not in {k.lower() for k in reply.request.headers}
    assert reply.status_code == 413 and reply.json()["error"]["type"] == "payload_too_large"
    assert reply.json()["error"]["details"]["max_body_bytes"] == DEFAULT_BODY_LIMIT


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, b"\xff\xfe{",
     b'{"name": "x"', b"", b"1e999999", b"[1]", b'"' + b"\\" * 3 + b'"'],
    ids=["deep-array", "deep-object", "not-utf8", "truncated", "empty", "huge-number",
         "array", "bad-escape"],
)  # fmt: skip
def test_malformed_json_of_any_depth_is_a_400(registry: RunningRegistry, body: bytes) -> None:
    """Malformed (or too deep) is 400 in the platform's shape; well-formed JSON that is not the
    request object (an array, no body at all) breaks the schema: FastAPI's 422. A number past
    the float range is refused as malformed (no answer could echo it as JSON: it was a 500)."""
    headers = {**auth(registry), "Content-Type": "application/json"}
    url = f"{plugins_url(registry)}/uploads"
    reply = requests.post(url, data=body, headers=headers, timeout=30)
    if body in (b"[1]", b""):
        assert reply.status_code == 422, reply.text
        assert reply.json()["detail"][0]["loc"][0] == "body"
        return
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["type"] == "invalid_json"
    assert reply.json()["success"] is False and reply.json()["status"] == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "good_name\n"), ("version", "1.0.0\n"), ("name", "\ngood_name")],
)
def test_names_and_versions_must_match_in_full(
    registry: RunningRegistry, field: str, value: str
) -> None:
    body = {"name": "good_name", "version": "1.0.0", "file_size_bytes": 10, field: value}
    reply = requests.post(f"{plugins_url(registry)}/uploads", json=body, headers=auth(registry),
                          timeout=30)  # fmt: skip
    assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["body", field]


def test_a_namespace_with_a_trailing_newline_gets_no_key(
    registry: RunningRegistry, cli: object
) -> None:
    from mixpeek_tools.errors import BadInput
    from mixpeek_tools.registry.server import add_key

    with pytest.raises(BadInput):
        add_key(registry.data_dir, "ns_ok\n")


def test_the_direct_upload_route_takes_archives_over_the_json_limit(
    registry: RunningRegistry,
) -> None:
    """The multipart route's bound is the archive limit plus form overhead, not 1 MiB: a 3 MB
    part reaches the gate (and fails there, being no archive), it is not a 413."""
    junk = b"\x1f\x8b" + b"\0" * (3 * DEFAULT_BODY_LIMIT)
    reply = requests.post(plugins_url(registry), headers=auth(registry), timeout=60,
                          data={"name": "big_direct", "version": "1.0.0"},
                          files={"file": ("big.tar.gz", junk, "application/gzip")})  # fmt: skip
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["type"] == "validation_failed"


def test_the_proxied_plugin_routes_are_not_in_the_registry_document(
    registry: RunningRegistry,
) -> None:
    paths = requests.get(f"{registry.base_url}/openapi.json", timeout=30).json()["paths"]
    assert paths and not [p for p in paths if p.startswith("/inference")]
