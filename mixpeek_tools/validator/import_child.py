"""A cold ``plugin validate`` imports pydantic while the static gate runs, in a forked child.

The import checks (schemas, pipeline) must import the plugin, and a plugin's ``manifest.py``
imports pydantic: about 300M instructions, a third of a cold validate, which the kit's process
used to spend after the security scan, one thing after the other. So at the start of a run
that would import the plugin, the process forks: the child imports pydantic (a library, never
plugin code) and waits. Once the scan has passed, the parent tells it to go on; the child then
runs the import checks exactly as the plugin's pytest child does (:func:`.shared_import.run_here`)
and sends their results back as JSON, while the parent runs the remaining static checks. When
the scan fails, the child is told to stop and never imports the plugin.

Only where it is safe and useful: Linux (``fork`` without ``exec`` is unsafe on macOS and
missing on Windows), a single-threaded process, no tests check in the run (the plugin's pytest
child already runs these checks), and import checks that the check cache does not answer. Any
failure in the child leaves the report empty and the parent runs the checks itself, as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixpeek_tools.validator.check_cache import CheckCache
    from mixpeek_tools.validator.model import Check, CheckContext

GO, STOP = b"g", b"s"
WARM_MODULES = (
    "mixpeek_tools.plugin.loader",
    "mixpeek_tools.validator.checks.schemas",
    "mixpeek_tools.validator.checks.pipeline",
    "mixpeek_tools.runtime.plan",
    "engine.plugins.extractors.pipeline",
    "shared.collection.features.extractors.models",
)


class ImportChild:
    """The forked child of one run: told to go on or stop, then read once."""

    def __init__(self, pid: int, signal_fd: int, results_fd: int, names: tuple[str, ...]) -> None:
        self.pid = pid
        self.names = names
        self._signal_fd: int | None = signal_fd
        self._results_fd = results_fd
        self._results: dict[str, Any] | None = None
        self._read = False

    def go(self, ctx: CheckContext) -> None:
        """The gate passed: the child imports the plugin; its checks' results come from it."""
        if self._send(GO):
            ctx.shared_checks = self.names
            ctx.shared_results = self.results

    def stop(self) -> None:
        """No plugin import (the gate failed, or the run ended): end the child, reap it."""
        self._send(STOP)
        self.results()

    def results(self) -> dict[str, Any] | None:
        """The child's report (waiting for it), or None when it sent none."""
        if not self._read:
            self._read = True
            self._results = _report(_read_all(self._results_fd))
            os.waitpid(self.pid, 0)
        return self._results

    def _send(self, signal: bytes) -> bool:
        if self._signal_fd is None:
            return False
        fd, self._signal_fd = self._signal_fd, None
        try:
            os.write(fd, signal)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)


def start(ordered: Iterable[tuple[Check, str]], ctx: CheckContext,
          cache: CheckCache | None) -> ImportChild | None:  # fmt: skip
    """Fork the child when this run would import the plugin for shareable checks; else None."""
    from mixpeek_tools.validator.runner import TESTS
    from mixpeek_tools.validator.shared_import import shareable

    selected = list(ordered)
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return None
    if any(check.name == TESTS and not reason for check, reason in selected):
        return None  # the plugin's pytest child runs these checks
    names = shareable(selected, cache)
    if not names:
        return None
    signal_read, signal_write = os.pipe()
    results_read, results_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(signal_write)
        os.close(results_read)
        _child(signal_read, results_write, names, ctx.root)
    os.close(signal_read)
    os.close(results_write)
    return ImportChild(pid, signal_write, results_read, names)


def _child(signal_fd: int, results_fd: int, names: tuple[str, ...], root: Path) -> None:
    """Import pydantic, wait for the parent's word, run the checks, send their results."""
    import atexit

    code = 0
    try:
        atexit._clear()  # the parent's exit handlers (its temporary folders) are not ours
        _warm()
        if os.read(signal_fd, 1) == GO:
            from mixpeek_tools.validator.shared_import import run_here

            payload = json.dumps(run_here(list(names), root)).encode()
            view = memoryview(payload)
            while view:
                view = view[os.write(results_fd, view) :]
    except BaseException:  # the parent runs the checks itself
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()  # the child's own: its staged copy of the plugin
        finally:
            os._exit(code)


def _warm() -> None:
    """What importing any plugin costs before its own code runs, paid while the gate runs:
    pydantic's models (the first model class sets most of pydantic up), the kit's modules that
    load and check a plugin, and the platform paths the docs and the template import. Only
    libraries and the kit's own modules: nothing the plugin names is imported here."""
    with contextlib.suppress(Exception):
        from pydantic import BaseModel, Field

        class _First(BaseModel):  # pydantic's one-time set-up happens at the first model
            value: int = Field(default=0)

        _First.model_json_schema()
    with contextlib.suppress(Exception):
        import importlib

        from mixpeek_tools import local_platform

        local_platform.install()
        for name in WARM_MODULES:
            importlib.import_module(name)


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _report(data: bytes) -> dict[str, Any] | None:
    try:
        report = json.loads(data) if data else None
    except ValueError:
        return None
    return report if isinstance(report, dict) and isinstance(report.get("results"), dict) else None


__all__ = ["ImportChild", "start"]
