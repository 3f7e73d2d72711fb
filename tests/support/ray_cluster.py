"""A real multi-node Ray cluster on 127.0.0.1 for tests: nodes started with ``ray start`` in
process groups of their own and stopped by killing them (never ``ray stop``, which would stop
every Ray on the machine)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def cluster_env(tmp: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    # `ray start` turns on token authentication; every process of this cluster shares a token
    # of its own (not ~/.ray/auth_token, which other clusters on the machine may use).
    env["RAY_AUTH_MODE"] = "token"
    env["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    env.pop("RAY_AUTH_TOKEN_PATH", None)
    env.pop("RAY_ADDRESS", None)
    return env


def ray_start(args: list[str], env: dict[str, str], wrap: list[str] | None = None) -> Any:
    ray_bin = str(Path(sys.executable).with_name("ray"))
    command = [ray_bin, "start", "--block", "--disable-usage-stats", *args]
    if wrap:  # the last item of ``wrap`` is a shell script ending in "exec"
        command = [*wrap[:-1], wrap[-1] + " " + " ".join(command)]
    return subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for_nodes(address: str, env: dict[str, str], count: int) -> None:
    probe = (
        "import ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR');"
        "print(sum(1 for n in ray.nodes() if n['Alive']), ray.cluster_resources().get('CPU', 0))"
    )
    deadline = time.time() + 120
    last = ""
    while time.time() < deadline:
        proc = subprocess.run([sys.executable, "-c", probe, address], env=env,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        last = proc.stdout.strip() or proc.stderr[-500:]
        parts = proc.stdout.split()
        if len(parts) == 2 and int(parts[0]) >= count and float(parts[1]) > 0:
            return
        time.sleep(2)
    raise AssertionError(f"the Ray cluster did not come up: {last}")


def session_members(sid: int) -> list[int]:
    """Processes of the session ``sid`` (a node's GCS, raylet and workers started by it)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # field 6 of stat: the session id
            members.append(int(entry.name))
    return members


def stop_node(proc: Any) -> None:
    """Stop one node: its process group, then anything left in its session (never `ray stop`,
    which would stop every Ray on the machine)."""
    if proc is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=20)
            break
        except subprocess.TimeoutExpired:
            continue
    for pid in session_members(proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
