"""How a ``mixpeek plugin run`` process ends: quickly, without the interpreter's teardown, yet
with everything a normal exit does that can be observed.

The CLI ends a finished local run with ``os._exit`` after the ``atexit`` handlers and a flush
(:mod:`mixpeek_tools.cli.quick_exit`): CPython's teardown of pandas, pyarrow and pydantic
costs about 70M instructions a run. These tests run the real entry point in fresh processes: a
local run allows the quick exit, atexit handlers and the staged plugin's cleanup still run, the
output and the summary are complete, exit code 1 survives, a thread the plugin left running is
waited for as before; and :func:`~mixpeek_tools.cli.quick_exit.run_and_leave` itself skips the
teardown only when allowed and no other thread runs (an object's finaliser shows which way the
process ended).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.runtime.conftest import PROCESSORS, SIMPLE_PIPELINE, write_plugin

WATCHERS = """
import atexit, os, threading, time

_MARKS = os.environ["EXIT_MARKS"]

def _mark(name):
    with open(os.path.join(_MARKS, name), "w") as fh:
        fh.write(name)

atexit.register(_mark, "atexit")

if os.environ.get("EXIT_THREAD"):
    def _late():
        time.sleep(0.5)
        _mark("thread")
    threading.Thread(target=_late, name="plugin-late-writer").start()  # not a daemon
"""


def _run(
    tmp_path: Path, *extra: str, thread: bool = False, **frame: list[str]
) -> tuple[subprocess.CompletedProcess[str], Path]:
    plugin = write_plugin(tmp_path, "exiter", SIMPLE_PIPELINE, processors=PROCESSORS + WATCHERS)
    source = tmp_path / "in.parquet"
    pd.DataFrame(frame or {"text": ["a", "b", "c"]}).to_parquet(source)
    marks = tmp_path / "marks"
    marks.mkdir()
    scratch = tmp_path / "tmp"  # the child's own temporary folder: staged copies go there
    scratch.mkdir()
    env = dict(os.environ, EXIT_MARKS=str(marks), MIXPEEK_CONFIG=str(tmp_path / "none.toml"),
               TMPDIR=str(scratch))  # fmt: skip
    if thread:
        env["EXIT_THREAD"] = "1"
    command = [sys.executable, "-m", "mixpeek_tools.cli.main", "plugin", "run", "--path",
               str(plugin), "--input", str(source), "--output", str(tmp_path / "out.parquet"),
               *extra]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
    return result, marks


def _marks(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_a_finished_run_skips_the_teardown_but_runs_atexit(tmp_path: Path) -> None:
    result, marks = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert _marks(marks) == {"atexit"}  # the plugin's atexit handler ran
    assert result.stdout.rstrip().endswith("Wrote out.parquet (3 rows).".replace(
        "out.parquet", str(tmp_path / "out.parquet")))  # fmt: skip
    assert pd.read_parquet(tmp_path / "out.parquet")["label"].tolist() == ["a!", "b!", "c!"]
    assert not list(tmp_path.glob(".out.parquet*"))  # no temporary file or spool folder left


def test_the_staged_plugin_copy_is_removed_at_exit(tmp_path: Path) -> None:
    result, _ = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "tmp").iterdir()) == []  # the atexit cleanup removed it


def test_failed_rows_still_exit_1_with_the_whole_summary(tmp_path: Path) -> None:
    result, marks = _run(
        tmp_path, "--on-error", "continue", "--params", '{"fail_on": "b"}',
        text=["a", "b", "c"],
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "failed: row 2" in result.stdout
    assert "1 row(s) failed" in result.stderr
    assert _marks(marks) == {"atexit"}
    assert pd.read_parquet(tmp_path / "out.parquet")["label"].tolist() == ["a!", "c!"]


def test_a_thread_the_plugin_left_running_is_waited_for(tmp_path: Path) -> None:
    result, marks = _run(tmp_path, thread=True)
    assert result.returncode == 0, result.stderr
    assert _marks(marks) == {"atexit", "thread"}  # the ordinary exit joined the thread


def test_a_local_run_allows_the_quick_exit(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path, "exiter", SIMPLE_PIPELINE)
    source = tmp_path / "in.parquet"
    pd.DataFrame({"text": ["a"]}).to_parquet(source)
    argv = ["plugin", "run", "--path", str(plugin), "--input", str(source),
            "--output", str(tmp_path / "out.parquet")]  # fmt: skip
    probe = (
        "from mixpeek_tools.cli import quick_exit\n"
        "from mixpeek_tools.cli.main import cli, run_cli\n"
        f"code = run_cli(cli, {argv!r})\n"
        "print(code, bool(quick_exit._ALLOWED))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=dict(os.environ, MIXPEEK_CONFIG=str(tmp_path / "none.toml")),
    )
    assert result.stdout.split()[-2:] == ["0", "True"], result.stderr


LEAVER = """
import os, sys, threading, time
from mixpeek_tools.cli import quick_exit

class Finaliser:  # runs when the interpreter tears the module down
    def __del__(self, _open=open, _path=os.path.join(sys.argv[1], "teardown")):
        with _open(_path, "w") as fh:
            fh.write("teardown")

KEEP = Finaliser()

def command():
    if "allow" in sys.argv:
        quick_exit.allow()
    if "thread" in sys.argv:
        threading.Thread(target=time.sleep, args=(0.3,)).start()
    print("done", end="")  # left in the buffer: the exit must flush it
    return 3

quick_exit.run_and_leave(command)
"""


def _leave(tmp_path: Path, *flags: str) -> tuple[subprocess.CompletedProcess[str], bool]:
    marks = tmp_path / "-".join(flags or ("plain",))
    marks.mkdir()
    result = subprocess.run([sys.executable, "-c", LEAVER, str(marks), *flags],
                            capture_output=True, text=True)  # fmt: skip
    return result, (marks / "teardown").exists()


def test_run_and_leave_skips_the_teardown_only_when_allowed_and_alone(tmp_path: Path) -> None:
    quick, torn_down = _leave(tmp_path, "allow")
    assert (quick.returncode, quick.stdout, torn_down) == (3, "done", False), quick.stderr
    ordinary, torn_down = _leave(tmp_path)
    assert (ordinary.returncode, ordinary.stdout, torn_down) == (3, "done", True)
    threaded, torn_down = _leave(tmp_path, "allow", "thread")
    assert (threaded.returncode, threaded.stdout, torn_down) == (3, "done", True)
