"""Ctrl-C: exit code 130, one line, no traceback, for a real SIGINT and for a prompt."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import click
import pytest
from cli_helpers import clean_env, copy_plugin, free_port, start_mixpeek, wait_http

from mixpeek_tools.cli.main import run_cli


@pytest.mark.slow
@pytest.mark.parametrize("quiet", [False, True])
def test_sigint_to_a_running_server_exits_130_without_traceback(tmp_path: Path, quiet: bool) -> None:
    plugin, port = copy_plugin(tmp_path), free_port()
    proc = start_mixpeek("plugin", "serve", "-p", str(plugin), "--port", str(port),
                         *(["-q"] if quiet else []), env=clean_env(tmp_path))  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Interrupted." in err
    assert ("Serving my_extractor" in err) is not quiet  # -q leaves only results and errors


def _slow_plugin(tmp_path: Path) -> Path:
    plugin = copy_plugin(tmp_path)
    core = plugin / "processors" / "core.py"
    core.write_text(core.read_text().replace(
        "        self._load_model()\n", "        self._load_model()\n        import time\n        time.sleep(0.05)\n"))  # fmt: skip
    return plugin


@pytest.mark.slow
def test_sigint_to_a_running_pipeline_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    plugin = _slow_plugin(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    source = data / "in.jsonl"
    source.write_text("".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(3000)))
    proc = start_mixpeek("plugin", "run", "-p", str(plugin), "-i", str(source),
                         "-o", str(data / "out.jsonl"), "--batch-size", "10",
                         env=clean_env(tmp_path))  # fmt: skip
    try:
        time.sleep(4)  # start-up plus a few batches of the 300 (0.05 s each)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert sorted(p.name for p in data.iterdir()) == ["in.jsonl"]  # no output, no temporary file


def _command(action: str) -> click.Command:
    @click.command()
    def interrupted() -> None:
        if action == "prompt":
            click.prompt("Name")
        elif action == "confirm":
            click.confirm("Go on?", abort=True)
        else:
            raise KeyboardInterrupt

    return interrupted


def _ctrl_c(*args: object, **kwargs: object) -> str:
    raise KeyboardInterrupt  # what the terminal delivers when Ctrl-C is pressed at a prompt


@pytest.mark.parametrize("action", ["prompt", "confirm", "raise"])
def test_ctrl_c_anywhere_is_130(
    action: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(click.termui, "visible_prompt_func", _ctrl_c)
    assert run_cli(_command(action), []) == 130
    err = capsys.readouterr().err
    assert "Interrupted." in err and "Traceback" not in err


def test_declining_a_confirmation_is_still_aborted_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(click.termui, "visible_prompt_func", lambda *a, **k: "n")
    assert run_cli(_command("confirm"), []) == 2
    assert "Aborted." in capsys.readouterr().err
