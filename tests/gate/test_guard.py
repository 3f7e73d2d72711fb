"""The run-time guard: capabilities reached through routes the static scan cannot see are denied
at the plugin's own file and line, and the guarded child has no network."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.gate.conftest import copy_plugin
from tests.support.cli import mixpeek

# Each attempt is wrapped so that the plugin carries on after a denial (as hostile code would);
# the guard records every one. Names come from a data file, so no literal reaches the scanner.
EVASIVE = '''

import json as _json
import pathlib as _pathlib

_CFG = _json.loads((_pathlib.Path(__file__).parent / "settings.json").read_text())


def _attempt(step):
    try:
        step()
    except Exception:
        pass


def _shell():  # os.system through a module attribute of pathlib, names from data
    getattr(getattr(_pathlib, _CFG["a"]), _CFG["b"])(_CFG["c"])


def _network():  # a socket through an innocent library (http.client), port from data
    client = __builtins__["__imp" + "ort__"](_CFG["d"], fromlist=["x"]) if isinstance(__builtins__, dict) else getattr(__builtins__, "__imp" + "ort__")(_CFG["d"], fromlist=["x"])
    client.HTTPConnection("127.0.0.1", _CFG["port"], timeout=2).request("GET", "/")


def _helper():  # a standard-library helper that spawns a process under an innocent name
    getattr(_pathlib, _CFG["a"]).__dict__[_CFG["e"]](_CFG["f"]).read()


def _code():  # code built from data and executed
    getattr(__builtins__ if not isinstance(__builtins__, dict) else _json, "x", None)
    (__builtins__["ex" + "ec"] if isinstance(__builtins__, dict) else getattr(__builtins__, "ex" + "ec"))(_CFG["g"])


for _step in (_shell, _network, _helper, _code):
    _attempt(_step)
'''


# Helpers of installed packages that reach a capability under an innocent name, outside the
# scanner's computed (standard-library) catalog: pre-commit's command runner spawns a process,
# pandas opens a socket to read a CSV from a URL.
HELPERS = """

import pandas as _pd
from pre_commit.util import cmd_output as _cmd_output

try:
    _cmd_output("touch", {marker!r})
except Exception:
    pass
try:
    _pd.read_csv("http://127.0.0.1:9/rows.csv")
except Exception:
    pass
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


class _Server:
    """A loopback TCP server in the test process that counts connections."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self.accepted = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


def test_plugin_run_guard_denies_each_route_at_the_plugins_line(tmp_path: Path) -> None:
    plugin = copy_plugin(tmp_path)
    marker = tmp_path / "MARKER"
    core = plugin / "processors" / "core.py"
    core.write_text(core.read_text() + EVASIVE)
    server = _Server()
    (plugin / "processors" / "settings.json").write_text(json.dumps({
        "a": "os", "b": "system", "c": f"touch {marker}", "d": "http.client",
        "port": server.port, "e": "popen", "f": f"touch {marker}",
        "g": f"open({str(marker)!r}, 'w').write('ran')",
    }))  # fmt: skip
    rows = tmp_path / "in.jsonl"
    rows.write_text('{"text": "hello"}\n')
    try:
        result = mixpeek("plugin", "run", "--path", str(plugin), "-i", str(rows),
                         "-o", str(tmp_path / "out.jsonl"), "--guard")  # fmt: skip
    finally:
        server.close()
    text = core.read_text()
    expected = {
        ("os.system", _line(text, "getattr(getattr(_pathlib")),
        ("socket", _line(text, "client.HTTPConnection")),
        ("os.posix_spawn", _line(text, "__dict__[_CFG")),
        ("compile", _line(text, "\"ex\" + \"ec\"")),
    }
    found = {
        (m.group(2), int(m.group(1)))
        for m in __import__("re").finditer(
            r"gate_plugin/processors/core.py:(\d+): error MP430: the run-time guard denied (\S+)",
            result.stderr,
        )
    }
    assert result.returncode == 1, result.stdout + result.stderr
    # os.popen spawns through subprocess.Popen or posix_spawn depending on the platform
    # socket creation or connection, whichever comes first
    found = {("os.posix_spawn", line) if event == "subprocess.Popen" else
             ("socket", line) if event.startswith("socket.") else (event, line)
             for event, line in found}  # fmt: skip
    assert expected <= found, result.stderr
    assert not marker.exists(), "a denied capability still ran"
    assert server.accepted == 0


@pytest.mark.skipif(os.geteuid() != 0 or not sys.platform.startswith("linux"),
                    reason="a network namespace needs root on Linux")  # fmt: skip
def test_the_guarded_child_has_no_network_even_for_the_kits_own_code(tmp_path: Path) -> None:
    """Not the hook (no plugin frame here): the child's network namespace has no interface."""
    server = _Server()
    code = (
        "import socket, sys\n"
        "from pathlib import Path\n"
        "from mixpeek_tools.guard.child import prepare\n"
        f"print(prepare([Path({str(tmp_path)!r})], None))\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {server.port}), timeout=2)\n"
        "    print('connected')\n"
        "except OSError as err:\n"
        "    print('refused', err.errno)\n"
    )
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=120)  # fmt: skip
    finally:
        server.close()
    assert result.stdout.split()[0] == "namespace", result.stdout + result.stderr
    assert "refused" in result.stdout and server.accepted == 0


def test_a_killed_parent_takes_the_guarded_child_with_it(tmp_path: Path) -> None:
    """PR_SET_PDEATHSIG: the child dies when the process that started it is SIGKILLed."""
    pid_file = tmp_path / "child.pid"
    child_script = tmp_path / "child.py"
    child_script.write_text(
        "import os, time\n"
        "from mixpeek_tools.guard.child import die_with_parent\n"
        "die_with_parent()\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(120)\n"
    )
    parent = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, {str(child_script)!r}])\n"
        "time.sleep(120)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent])
    try:
        for _ in range(200):
            if pid_file.is_file() and pid_file.read_text():
                break
            __import__("time").sleep(0.05)
        child = int(pid_file.read_text())
    finally:
        proc.kill()
        proc.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        __import__("time").sleep(0.05)
    # a zombie reparented to init still answers kill(0); check its state
    state = Path(f"/proc/{child}/stat").read_text().split()[2] if Path(f"/proc/{child}").exists() else "X"
    assert state in ("Z", "X"), f"the guarded child {child} outlived its parent (state {state})"


def test_the_registry_turns_a_denial_into_a_security_violation(tmp_path: Path) -> None:
    """A route the scan cannot see, at import time: the registry's guarded child denies it."""
    from mixpeek_tools.publishing.archive import build_archive
    from mixpeek_tools.registry.verify import inspect_archive
    from mixpeek_tools.scanner import scan_paths

    plugin = copy_plugin(tmp_path)
    marker = tmp_path / "MARKER"
    core = plugin / "processors" / "core.py"
    core.write_text(core.read_text() + HELPERS.format(marker=str(marker)))
    assert scan_paths([plugin]).findings == [], "these helper routes are invisible to the scan"
    archive = build_archive(plugin, plugin.name, tmp_path / "up.tar.gz")
    work = tmp_path / "work"
    work.mkdir()
    verdict = inspect_archive(archive.path, {"name": plugin.name, "version": "v1"}, work)
    assert verdict.status == "failed"
    rules = {(v["rule"], v["path"], v["line"]) for v in verdict.violations}
    text = core.read_text()
    assert ("MP430", "gate_plugin/processors/core.py", _line(text, "_cmd_output(\"touch\"")) in rules
    assert ("MP430", "gate_plugin/processors/core.py", _line(text, "read_csv")) in rules
    assert not marker.exists()


def test_plugin_test_guard_passes_a_clean_plugin_and_guards_its_pytest_child(tmp_path: Path) -> None:
    """No false alarm on the docs plugin (pydantic, pandas, asyncio, pytest); a spawning test is denied."""
    plugin = copy_plugin(tmp_path, "my_extractor")  # its tests import it by that name

    def plugin_test() -> subprocess.CompletedProcess[str]:
        return mixpeek("plugin", "test", "--path", str(plugin), "--guard")

    clean = plugin_test()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "MP430" not in clean.stderr
    marker = tmp_path / "MARKER"
    (plugin / "tests" / "test_sneaky.py").write_text(
        "from pre_commit.util import cmd_output\n\n\ndef test_sneaky():\n"
        f"    cmd_output('touch', {str(marker)!r})\n"
    )
    sneaky = plugin_test()
    assert sneaky.returncode == 1
    assert "my_extractor/tests/test_sneaky.py:5: error MP430: the run-time guard denied" in sneaky.stderr, sneaky.stderr
    assert not marker.exists()
