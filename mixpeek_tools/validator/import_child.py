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
missing on Windows), a CPU free this instant, a single-threaded process, no tests check in the run (the plugin's pytest
child already runs these checks), and import checks that the check cache does not answer. Any
failure in the child leaves the report empty and the parent runs the checks itself, as before.

The child is forked as early as possible, since the time it takes to import pydantic is the
critical path of a cold validate: ``mixpeek plugin validate`` forks a *spare* child before the CLI
imports anything (:func:`prefork`, called by :mod:`mixpeek_tools.cli.entry`), and
:func:`start` adopts it when the run needs one. The child is told which checks and which plugin
only when the gate has passed (:meth:`ImportChild.go`), so a spare is the same for every run. A
spare that no run adopts, or a child that was never told to go on, only ever imported libraries:
it is killed and reaped at once, never left waiting.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixpeek_tools.validator.check_cache import CheckCache
    from mixpeek_tools.validator.model import Check, CheckContext

GO, STOP = b"g", b"s"
# "off": never fork; "on": fork even with no CPU free (tests, measurements); "auto" (default).
SWITCH_ENV = "MIXPEEK_IMPORT_CHILD"
WARM_MODULES = (
    "mixpeek_tools.plugin.loader",
    "mixpeek_tools.validator.shared_import",
    "mixpeek_tools.validator.check_run",
    "mixpeek_tools.validator.checks.schemas",
    "mixpeek_tools.validator.checks.pipeline",
    "mixpeek_tools.runtime.plan",
    "engine.plugins.extractors.pipeline",
    "shared.collection.features.extractors.models",
)


class ImportChild:
    """The forked child of one run: told to go on or stop, then read once."""

    def __init__(self, pid: int, signal_fd: int, results_fd: int) -> None:
        self.pid = pid
        self.names: tuple[str, ...] = ()
        self._signal_fd: int | None = signal_fd
        self._results_fd = results_fd
        self._results: dict[str, Any] | None = None
        self._read = False
        self._gone = False
        self._reaped = False

    def go(self, ctx: CheckContext) -> None:
        """The gate passed: the child imports the plugin; its checks' results come from it."""
        import json

        # The file set the gate scanned: the child stages and imports exactly those files.
        job = {"names": list(self.names), "root": str(ctx.root), "files": ctx.files().to_dict()}
        if self._send(GO + json.dumps(job).encode()):
            self._gone = True
            ctx.shared_checks = self.names
            ctx.shared_results = self.results

    def stop(self) -> None:
        """The run is over: reap the child. One never told to go on has imported nothing of the
        plugin and holds nothing to clean up, so it is killed rather than waited for."""
        if not self._gone and not self._read:
            import signal

            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            self._send(STOP)
        self.results()
        if not self._reaped:
            self._reaped = True
            os.waitpid(self.pid, 0)

    def results(self) -> dict[str, Any] | None:
        """The child's report (waiting for it), or None when it sent none. The child closes
        its end once it has written, so this returns before the child has exited."""
        if not self._read:
            self._read = True
            self._results = _report(_read_all(self._results_fd))
        return self._results

    def _send(self, message: bytes) -> bool:
        if self._signal_fd is None:
            return False
        fd, self._signal_fd = self._signal_fd, None
        try:
            view = memoryview(message)
            while view:
                view = view[os.write(fd, view) :]
            return True
        except OSError:
            return False
        finally:
            os.close(fd)


_spare: list[ImportChild] = []  # the child :func:`prefork` made, until a run adopts it


def prefork() -> None:
    """Fork a spare child now, before the command's own imports, for :func:`start` to adopt.

    For ``mixpeek plugin validate`` only (the caller decides); a no-op where forking is unsafe.
    The process's exit kills the spare if no run adopted it."""
    if _spare or not _can_fork():
        return
    import atexit

    child = _fork()
    if child is not None:
        _spare.append(child)
        atexit.register(_discard_spare)


def _discard_spare() -> None:
    while _spare:
        _spare.pop().stop()


def start(ordered: Iterable[tuple[Check, str]], ctx: CheckContext,
          cache: CheckCache | None) -> ImportChild | None:  # fmt: skip
    """A child (the spare, else a fresh fork) when this run would import the plugin for
    shareable checks; else None, and the spare is discarded."""
    from mixpeek_tools.validator.runner import TESTS
    from mixpeek_tools.validator.shared_import import shareable

    selected = list(ordered)
    names: tuple[str, ...] = ()
    if not any(check.name == TESTS and not reason for check, reason in selected):
        names = shareable(selected, cache)  # the plugin's pytest child runs these when it runs
    if not names:
        _discard_spare()
        return None
    child = _spare.pop() if _spare else (_fork() if _can_fork() else None)
    if child is not None:
        child.names = names
    return child


def _can_fork() -> bool:
    """Linux; a CPU free for the child right now (where none is, it could only take turns with
    the parent and would add its own imports to the run); and one thread in this process
    (counted by the kernel: a thread a C library started counts too), so the child cannot
    inherit a lock another thread held."""
    choice = os.environ.get(SWITCH_ENV, "auto")
    if choice == "off" or not sys.platform.startswith("linux"):
        return False
    try:
        if choice != "on":
            with open("/proc/loadavg", encoding="ascii") as handle:
                if not cpu_free(len(os.sched_getaffinity(0)), handle.read()):
                    return False
        return len(os.listdir("/proc/self/task")) == 1
    except (OSError, ValueError, IndexError):
        return False


def cpu_free(cpus: int, loadavg: str) -> bool:
    """Whether another task can run beside this one: fewer tasks runnable this instant (the
    fourth field of ``/proc/loadavg``, this process included) than usable CPUs, or a load over
    the last minute that leaves half a CPU spare (a task runnable for an instant, the kernel's
    own work or a process just ending, is not a load)."""
    fields = loadavg.split()
    runnable, minute = int(fields[3].split("/")[0]), float(fields[0])
    return cpus >= 2 and (runnable < cpus or minute < cpus - 0.5)


def _fork() -> ImportChild | None:
    try:
        signal_read, signal_write = os.pipe()
        results_read, results_write = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: never returns
        os.close(signal_write)
        os.close(results_read)
        _child(signal_read, results_write)
    os.close(signal_read)
    os.close(results_write)
    return ImportChild(pid, signal_write, results_read)


def _child(signal_fd: int, results_fd: int) -> None:
    """Import pydantic, wait for the parent's word, run the checks, send their results."""
    import atexit

    code = 0
    try:
        atexit._clear()  # the parent's exit handlers (its temporary folders) are not ours
        _spare.clear()  # the parent's spare is not this process's child
        # One burst of imports and two checks, then os._exit: automatic collections would only
        # re-walk objects that live until then (the collector stays off to the end).
        gc.disable()
        _warm()
        _run_job(_read_all(signal_fd), results_fd)
    except BaseException:  # the parent runs the checks itself
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()  # the child's own: its staged copy of the plugin
        finally:
            os._exit(code)


def _run_job(message: bytes, results_fd: int) -> None:
    """Run the checks the parent named at "go" and write their results to the parent."""
    if message[:1] != GO:
        return
    import json

    from mixpeek_tools.plugin.files import FileSet
    from mixpeek_tools.validator.shared_import import run_here

    job = json.loads(message[1:])
    files = FileSet.from_dict(job["files"])
    payload = json.dumps(run_here(list(job["names"]), Path(job["root"]), files)).encode()
    view = memoryview(payload)
    while view:
        view = view[os.write(results_fd, view) :]
    os.close(results_fd)  # the parent reads on now, while this process cleans up and exits


def _warm() -> None:
    """What importing any plugin costs before its own code runs, paid while the gate runs:
    pydantic's models (the first model class sets most of pydantic up), the kit's modules that
    load and check a plugin, and the platform paths the docs and the template import. Only
    libraries and the kit's own modules: nothing the plugin names is imported here."""
    with contextlib.suppress(Exception):
        from mixpeek_tools.entry_points import skip_pydantic_plugin_search

        skip_pydantic_plugin_search()  # when no distribution declares a pydantic plugin
        from pydantic import BaseModel, Field

        class _First(BaseModel):  # pydantic's one-time set-up happens at the first model
            value: int = Field(default=0)

        _First.model_validate(_First().model_dump())  # what the schemas check then calls
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
    import json

    try:
        report = json.loads(data) if data else None
    except ValueError:
        return None
    return report if isinstance(report, dict) and isinstance(report.get("results"), dict) else None


__all__ = ["ImportChild", "start"]
