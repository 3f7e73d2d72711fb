"""Ending a one-shot command's process without the interpreter's teardown.

Once ``mixpeek plugin run`` has written its output and printed its summary, what is left is
CPython's shutdown: a last garbage collection and the teardown of every module and object of
pandas, pyarrow and pydantic, about 50-70M instructions (10-15 ms) a run, 2-3% of
``benchmarks/bench_run_process.py``'s. A command whose work is complete calls :func:`allow`;
:func:`run_and_leave` then does what a normal exit does that anyone can observe (the ``atexit``
handlers: logging's flush, removal of staged plugin copies and temporary folders; stdout and
stderr flushed) and ends the process with ``os._exit`` and the same exit code.

It exits the ordinary way when another non-daemon thread is still running (the interpreter
would wait for it) or when no command allowed it, so every other command is unchanged.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable

_ALLOWED: list[bool] = []


def allow() -> None:
    """Let :func:`run_and_leave` skip the interpreter's teardown: this process's work is done."""
    _ALLOWED.append(True)


def _others_running() -> bool:
    main = threading.main_thread()
    return any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate())


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            pass


def run_and_leave(command: Callable[[], int]) -> None:
    """Run the process's one command line, then end the process with its exit code: quickly
    when the command allowed it (during this call) and it is safe, else by ``sys.exit``."""
    _ALLOWED.clear()  # only the command run here decides (in-process callers may have run others)
    code = command()
    if not _ALLOWED or _others_running():
        sys.exit(code)
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


__all__ = ["allow", "run_and_leave"]
