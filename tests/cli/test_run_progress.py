"""`plugin run` on a terminal draws row progress with the total, a percentage and the time left."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from cli_helpers import clean_env, copy_plugin


def _run_on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` with stderr on a pseudo-terminal; return (exit code, what the terminal got)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=follower, env=env)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return proc.wait(timeout=240), seen.decode(errors="replace")


def test_run_draws_total_percentage_and_eta_on_a_terminal(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path)
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(20_000)))
    env = {k: v for k, v in clean_env(tmp_path).items() if k != "CI"}
    argv = [sys.executable, "-m", "mixpeek_tools", "plugin", "run", "-p", str(plugin),
            "-i", str(rows), "-o", str(tmp_path / "out.jsonl")]  # fmt: skip
    code, terminal = _run_on_a_terminal(argv, env)
    assert code == 0, terminal
    assert "/20000" in terminal.replace(",", ""), terminal
    assert "%" in terminal and "ETA" in terminal, terminal


def test_run_draws_nothing_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "mixpeek_tools", "plugin", "run", "-p", str(plugin), "-i",
         str(plugin / "samples" / "sample.json"), "-o", str(tmp_path / "out.jsonl")],
        capture_output=True, text=True, env=clean_env(tmp_path), timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ETA" not in done.stderr and "\r" not in done.stderr
