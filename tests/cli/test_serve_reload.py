"""``mixpeek plugin serve --reload``: an edit to the plugin shows in the next HTTP answer."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import requests
from cli_helpers import clean_env, copy_plugin, free_port, mixpeek, start_mixpeek, wait_http

pytestmark = pytest.mark.slow


def _predict(url: str) -> str | None:
    try:
        reply = requests.post(f"{url}/predict", json={"inputs": {"text": "hi"}}, timeout=2)
    except requests.RequestException:
        return None  # the server is restarting
    return str(reply.json().get("result")) if reply.status_code == 200 else None


def _wait_for(url: str, expected: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        seen = _predict(url)
        if seen == expected:
            return
        time.sleep(0.2)
    raise AssertionError(f"the server still answers {seen!r}, not {expected!r}")


def test_an_edited_processor_is_served_after_the_reload(tmp_path: Path) -> None:
    plugin, port = copy_plugin(tmp_path), free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_mixpeek("plugin", "serve", "--reload", "-p", str(plugin), "--port", str(port),
                         env=clean_env(tmp_path))  # fmt: skip
    try:
        wait_http(f"{url}/health", proc)
        assert _predict(url) == "Processed: hi"
        core = plugin / "processors" / "core.py"
        core.write_text(core.read_text().replace('f"Processed: ', 'f"Changed: '))
        _wait_for(url, "Changed: hi")
        # A syntax error mid-edit does not end the watcher; fixing it serves again.
        core.write_text(core.read_text() + "\ndef broken(:\n")
        time.sleep(1.5)
        core.write_text(core.read_text().replace("\ndef broken(:\n", "").replace(
            'f"Changed: ', 'f"Again: '))  # fmt: skip
        _wait_for(url, "Again: hi")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "restarting the server" in err and "processors/core.py" in err
    assert "Traceback" not in err.split("def broken")[-1]
    with pytest.raises(requests.RequestException):
        requests.get(f"{url}/health", timeout=1)  # the child server stopped with the watcher


def test_sigterm_stops_the_child_server_too(tmp_path: Path) -> None:
    plugin, port = copy_plugin(tmp_path), free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_mixpeek("plugin", "serve", "--reload", "-p", str(plugin), "--port", str(port),
                         env=clean_env(tmp_path))  # fmt: skip
    try:
        wait_http(f"{url}/health", proc)
        proc.terminate()
        proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 143
    with pytest.raises(requests.RequestException):
        requests.get(f"{url}/health", timeout=1)


def test_reload_without_realtime_py_fails_at_once(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path)
    (plugin / "realtime.py").unlink()
    result = mixpeek("plugin", "serve", "--reload", "-p", str(plugin), "--port", str(free_port()),
                     env=clean_env(tmp_path), timeout=30)  # fmt: skip
    assert result.returncode == 2
    assert "realtime.py" in result.stderr
