"""Run a module as a child that dies with the registry: ``python -m ...guarded <pid> <module> ...``.

The registry's children (the verify worker, realtime services) run in their own process group so
they can be stopped as a group. That also means a SIGKILLed registry would leave them running.
Two guards make them follow their parent down:

- Linux ``PR_SET_PDEATHSIG``: the kernel sends SIGKILL when the parent goes away;
- a watchdog thread that checks every half second that the parent is still ``<pid>`` (for other
  systems, and for the race where the parent died before the first guard was set).

Both are set before the target module is imported, so no plugin code runs unguarded.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import signal
import sys
import threading
import time
from collections.abc import Sequence

_PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def guarded_argv(module: str, args: Sequence[str], parent_pid: int | None = None) -> list[str]:
    """The argv that runs ``python -m module *args`` under these guards."""
    pid = os.getpid() if parent_pid is None else parent_pid
    return [sys.executable, "-m", __name__, str(pid), module, *args]


def die_with_parent(parent_pid: int) -> None:
    """Arrange for this process (and its group) to end when ``parent_pid`` is gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        _end_group()
    threading.Thread(target=_watch, args=(parent_pid,), daemon=True, name="parent-watch").start()


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent_pid:
            _end_group()


def _end_group() -> None:
    """Kill this process's group when it leads one (it does: it was started in a new session)."""
    with contextlib.suppress(OSError):
        if os.getpgid(0) == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(137)


def main(argv: list[str]) -> None:
    parent, module, *rest = argv
    die_with_parent(int(parent))
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
