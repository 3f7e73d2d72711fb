"""``mixpeek plugin serve`` (local engine): the realtime endpoint over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from serving_helpers import running_server

from tests.support.net import free_port


def test_health_answers_ok_with_the_plugin_name(plugin: Path) -> None:
    with running_server(plugin) as url:
        reply = requests.get(f"{url}/health", timeout=5)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "plugin": "my_extractor", "version": "v1"}


def test_predict_answers_the_output_object(plugin: Path) -> None:
    with running_server(plugin) as url:
        reply = requests.post(f"{url}/predict", json={"inputs": {"text": "hello"}}, timeout=5)
    assert reply.status_code == 200
    assert reply.json() == {"result": "Processed: hello", "confidence": 0.95}


def test_parameters_are_validated_against_the_parameter_schema(plugin: Path) -> None:
    with running_server(plugin) as url:
        good = requests.post(f"{url}/predict", timeout=5,
                             json={"inputs": {"text": "x"}, "parameters": {"threshold": 0.7}})
        bad = requests.post(f"{url}/predict", timeout=5,
                            json={"inputs": {"text": "x"}, "parameters": {"threshold": 7}})
    assert good.status_code == 200
    assert bad.status_code == 422
    [error] = bad.json()["detail"]
    assert error["loc"] == ["body", "parameters", "threshold"]
    assert "less than or equal to 1" in error["msg"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"inputs": {}}, ["body", "inputs", "text"]),                   # required field missing
        ({"inputs": {"text": 3}}, ["body", "inputs", "text"]),          # wrong type
        ({"parameters": {}}, ["body", "inputs"]),                       # no inputs at all
        ({"inputs": {"text": "x"}, "extra": 1}, ["body", "extra"]),     # unknown top-level key
        ([1, 2], ["body"]),                                             # not an object
    ],
)  # fmt: skip
def test_bad_requests_get_422_with_field_errors(plugin: Path, body: object, loc: list) -> None:
    with running_server(plugin) as url:
        reply = requests.post(f"{url}/predict", json=body, timeout=5)
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == loc


def test_a_body_that_is_not_json_gets_422(plugin: Path) -> None:
    with running_server(plugin) as url:
        reply = requests.post(f"{url}/predict", data=b"{not json", timeout=5,
                              headers={"content-type": "application/json"})  # fmt: skip
    assert reply.status_code == 422
    assert "not valid JSON" in reply.json()["detail"][0]["msg"]


def test_output_that_breaks_the_output_schema_is_a_500_naming_the_field(plugin: Path) -> None:
    realtime = plugin / "realtime.py"
    realtime.write_text(realtime.read_text().replace(
        'return {"result": result, "confidence": confidence}',
        'return {"result": result, "confidence": 5.0}'))  # fmt: skip
    with running_server(plugin) as url:
        reply = requests.post(f"{url}/predict", json={"inputs": {"text": "x"}}, timeout=5)
    assert reply.status_code == 500
    body = reply.json()
    assert body["error"] == "invalid_output"
    assert "MyExtractorOutput" in body["message"]
    assert body["detail"][0]["loc"] == ["output", "confidence"]


def test_a_service_that_raises_is_a_500_with_the_error(plugin: Path) -> None:
    realtime = plugin / "realtime.py"
    realtime.write_text(realtime.read_text().replace(
        'text = inputs.get("text", "")', 'raise RuntimeError("model exploded")'))  # fmt: skip
    with running_server(plugin) as url:
        reply = requests.post(f"{url}/predict", json={"inputs": {"text": "x"}}, timeout=5)
        health = requests.get(f"{url}/health", timeout=5)
    assert reply.status_code == 500
    assert reply.json() == {"error": "predict_failed",
                            "message": "the realtime service raised RuntimeError: model exploded"}
    assert health.status_code == 200, "one failing request does not take the server down"


def test_openapi_is_generated_from_the_plugin_schemas(plugin: Path) -> None:
    with running_server(plugin) as url:
        doc = requests.get(f"{url}/openapi.json", timeout=5).json()
        page = requests.get(f"{url}/docs", timeout=5)
    schemas = doc["components"]["schemas"]
    assert doc["openapi"].startswith("3.")
    assert schemas["MyExtractorInput"]["required"] == ["text"]
    assert schemas["MyExtractorOutput"]["properties"]["confidence"]["maximum"] == 1.0
    assert schemas["PredictRequest"]["properties"]["parameters"] == {
        "$ref": "#/components/schemas/MyExtractorParams"}
    assert set(doc["paths"]) == {"/health", "/predict"}
    assert set(doc["paths"]["/predict"]["post"]["responses"]) == {"200", "422", "500"}
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "my_extractor realtime endpoint" in page.text and "MyExtractorParams" in page.text
    assert "https://" not in page.text, "the docs page loads nothing from the network"


def test_unknown_paths_and_wrong_methods_are_refused(plugin: Path) -> None:
    with running_server(plugin) as url:
        assert requests.get(f"{url}/nope", timeout=5).status_code == 404
        assert requests.get(f"{url}/predict", timeout=5).status_code == 405


def _cli(*args: str, cwd: Path | None = None) -> list[str]:
    return [sys.executable, "-m", "mixpeek_tools", *args]


def test_the_serve_command_refuses_a_plugin_without_realtime_py(plugin: Path) -> None:
    (plugin / "realtime.py").unlink()
    proc = subprocess.run(_cli("plugin", "serve", "--path", str(plugin)), capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2
    assert "realtime.py is missing" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_serve_command_refuses_a_realtime_py_without_a_service_class(plugin: Path) -> None:
    (plugin / "realtime.py").write_text("VALUE = 1\n")
    proc = subprocess.run(_cli("plugin", "serve", "--path", str(plugin)), capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2
    assert "defines no realtime service class" in proc.stderr


def test_the_serve_command_runs_a_real_server_until_stopped(plugin: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(_cli("plugin", "serve", "--path", str(plugin), "--port", str(port)),
                            stderr=subprocess.PIPE, text=True, env={**os.environ})  # fmt: skip
    try:
        reply = _wait_for(f"http://127.0.0.1:{port}/health")
        assert reply.json()["plugin"] == "my_extractor"
        answer = requests.post(f"http://127.0.0.1:{port}/predict",
                               json={"inputs": {"text": "cli"}}, timeout=5)  # fmt: skip
        assert answer.json()["result"] == "Processed: cli"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert f"at http://127.0.0.1:{port}" in err


def test_a_port_in_use_is_a_clear_environment_error(plugin: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(_cli("plugin", "serve", "--path", str(plugin), "--port", str(port)),
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 3
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr


def _wait_for(url: str, timeout: float = 30) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
