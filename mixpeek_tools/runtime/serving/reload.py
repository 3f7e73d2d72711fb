"""``serve --reload``: run the server in a child process and restart it when plugin files change.

uvicorn's own reloader needs an import string for the app; a plugin is loaded from a folder,
so the kit supervises a whole ``mixpeek plugin serve`` child instead and watches the plugin
folder with watchfiles (inotify/FSEvents, no polling). A child that fails to start (a syntax
error mid-edit) is reported and restarted on the next change; Ctrl-C stops the child and
propagates, so the command exits 130.
"""

from __future__ import annotations

import signal
import subprocess  # nosec B404 - the child is the kit's own `mixpeek plugin serve`
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mixpeek_tools.errors import EnvironmentFailure

IGNORED_DIRS = (".mixpeek", ".ruff_cache", "build", "dist")
DEBOUNCE_MS = 300
STOP_TIMEOUT_S = 10.0


def _watch_filter() -> object:
    from watchfiles import DefaultFilter

    return DefaultFilter(ignore_dirs=(*DefaultFilter.ignore_dirs, *IGNORED_DIRS))


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _changed(changes: Iterable[tuple[object, str]], root: Path) -> str:
    names = sorted({Path(p).resolve().relative_to(root).as_posix() for _, p in changes
                    if Path(p).exists() and Path(p).resolve().is_relative_to(root)})  # fmt: skip
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return shown or "files"


def supervise(command: list[str], folder: Path, say: Callable[[str], None]) -> None:
    """Run ``command``; restart it after every batch of changes under ``folder``, until Ctrl-C."""
    try:
        from watchfiles import watch
    except ImportError:
        raise EnvironmentFailure(
            "--reload needs the watchfiles package, which is not installed",
            hint="pip install watchfiles (it comes with mixpeek-tools[dev])",
        ) from None
    root = folder.resolve()
    stopped_by: list[int] = []
    previous = _on_sigterm(stopped_by)
    child = subprocess.Popen(command)  # nosec B603 - fixed argv of the kit's own CLI
    try:
        for changes in watch(root, watch_filter=_watch_filter(), debounce=DEBOUNCE_MS,  # type: ignore[arg-type]
                             raise_interrupt=True):  # fmt: skip
            say(f"Changed: {_changed(changes, root)}; restarting the server.")
            _stop(child)
            child = subprocess.Popen(command)  # nosec B603
    except KeyboardInterrupt:
        if stopped_by:  # watchfiles reports any signal as KeyboardInterrupt
            raise SystemExit(128 + stopped_by[0]) from None
        raise
    finally:
        _stop(child)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm(stopped_by: list[int]) -> Any:
    """Make SIGTERM stop the child too (the default action would orphan it)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: object) -> None:
        stopped_by.append(signum)
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)
