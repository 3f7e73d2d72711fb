"""The PEP 578 audit hook that denies forbidden capabilities to plugin code while it runs.

The static scan reasons about source; this hook sees what actually happens. CPython raises an
audit event for every process creation, socket, native library load, compilation and import,
whatever route the code took to get there (a ``getattr`` chain built from a data file, a helper
in the standard library, a module object smuggled through a container). The hook denies the
event by raising :class:`GuardDenied` and records a finding at the plugin's own file and line:
the innermost frame whose code lies inside a plugin root.

Whose call is it? The kit and the libraries it loads (pytest, pandas, pyarrow, Ray) legitimately
spawn processes, load native libraries and generate code, so a denial needs plugin code to be
responsible. The rules, per family:

* process creation, sockets, ``ctypes`` calls into foreign memory: denied when **any** frame on
  the stack is plugin code. This catches a plugin reaching a capability through a library
  helper with an innocent name (``platform``, ``webbrowser``, ``ctypes.util`` spawn processes).
  A library that spawns a process or opens a socket on the plugin's behalf is therefore denied
  too: the guard is for untrusted code, which may not do that.
* loading a native library (``ctypes.dlopen``/``dlsym``): as above, except while a module that
  is not the plugin's own is being imported (numpy, torch and pyarrow load their libraries at
  import time); the import itself is judged by the import rule.
* ``compile``/``exec``: denied when the plugin itself is the caller (the frame that called
  ``compile``/``exec``/``eval``) and the code is not a file of the plugin on disk. Code
  generation inside libraries (``dataclasses``, ``namedtuple``, pydantic) on behalf of a plugin
  class is allowed.
* sockets: creating an ``AF_UNIX`` socket is allowed (every asyncio event loop makes a
  ``socketpair``); connecting or binding any socket is denied.
* imports: a forbidden module (``subprocess``, ``socket``, ``ctypes``, ``cffi``, ``pty``...)
  imported by a plugin frame is denied. The event fires only for a module not loaded yet, so a
  module the kit already imported is caught when used (its capability events), not at import.

The hook is installed once per process and cannot be removed (PEP 578); a denial is written to
the report file descriptor at once, so even a plugin that catches the exception or calls
``os._exit`` leaves its finding behind.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

RULE_ID = "MP430"
HINT = (
    "Remove the call: plugins may not start processes, open sockets, load native code, "
    "compile code from data or import these modules; the run-time guard refused it"
)

FORBIDDEN_MODULES = frozenset(
    {
        "subprocess", "_posixsubprocess", "pty", "socket", "_socket", "ctypes", "_ctypes",
        "cffi", "_cffi_backend", "multiprocessing", "_multiprocessing", "telnetlib",
    }
)  # fmt: skip
PROCESS_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
     "os.forkpty", "os.startfile", "pty.spawn"}
)  # fmt: skip
SOCKET_EVENTS = frozenset(
    {"socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
)
NATIVE_CALL_EVENTS = frozenset(
    {"ctypes.call_function", "ctypes.PyObj_FromPtr", "ctypes.string_at", "ctypes.wstring_at",
     "ctypes.cdata", "ctypes.cdata/buffer", "ctypes.set_errno", "ctypes.get_errno"}
)  # fmt: skip
NATIVE_LOAD_EVENTS = frozenset({"ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle"})
CODE_EVENTS = frozenset({"compile", "exec"})
CATEGORY = {
    **dict.fromkeys(PROCESS_EVENTS, "command_execution"),
    **dict.fromkeys(SOCKET_EVENTS, "network_socket"),
    **dict.fromkeys(NATIVE_CALL_EVENTS | NATIVE_LOAD_EVENTS, "native_memory"),
    **dict.fromkeys(CODE_EVENTS, "dynamic_code"),
    "import": "dynamic_import",
}
_WATCHED = frozenset(CATEGORY)
AF_UNIX = 1  # creating a Unix socket is allowed (asyncio's self-pipe); connecting one is not
_IMPORT_MACHINERY = ("<frozen importlib.", os.path.join("importlib", "__init__.py"))


class GuardDenied(PermissionError):
    """Raised into plugin code when the run-time guard refuses a capability."""


@dataclass(frozen=True)
class Denial:
    """One refused capability, located at the plugin's own frame."""

    event: str
    category: str
    detail: str
    path: str | None
    line: int | None

    def finding(self) -> dict[str, Any]:
        """The denial as a finding dictionary (``Finding.to_dict`` shape)."""
        return {
            "rule": RULE_ID,
            "message": f"the run-time guard denied {self.event} ({self.detail})",
            "severity": "error",
            "path": self.path,
            "line": self.line,
            "column": None,
            "hint": HINT,
            "check": "guard",
            "category": self.category,
        }


class _Guard:
    def __init__(self, roots: list[Path], report_fd: int | None) -> None:
        self.roots = tuple(str(r.resolve()) + os.sep for r in roots)
        self.report_fd = report_fd
        self.denials: list[Denial] = []

    # -- frames ----------------------------------------------------------------------------

    def _in_plugin(self, filename: str) -> bool:
        return filename.startswith(self.roots)

    def _plugin_frame(self, frame: FrameType | None) -> FrameType | None:
        while frame is not None:
            if self._in_plugin(frame.f_code.co_filename):
                return frame
            frame = frame.f_back
        return None

    def _importing_library(self, frame: FrameType | None) -> bool:
        """Whether a non-plugin module's top level runs below the innermost plugin frame."""
        while frame is not None and not self._in_plugin(frame.f_code.co_filename):
            if frame.f_code.co_name == "<module>":
                return True
            frame = frame.f_back
        return False

    @staticmethod
    def _importer(frame: FrameType | None) -> FrameType | None:
        while frame is not None and frame.f_code.co_filename.startswith(_IMPORT_MACHINERY):
            frame = frame.f_back
        return frame

    def _on_disk_in_plugin(self, filename: object) -> bool:
        return isinstance(filename, str) and self._in_plugin(filename) and os.path.isfile(filename)

    # -- the hook --------------------------------------------------------------------------

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in _WATCHED and not event.startswith(("os.exec", "os.spawn")):
            return
        caller = sys._getframe(1)
        culprit = self._responsible(event, args, caller)
        if culprit is not None:
            self._deny(event, args, culprit)

    def _responsible(self, event: str, args: tuple[Any, ...], caller: FrameType) -> FrameType | None:
        if event == "import":
            importer = self._importer(caller)
            top = str(args[0]).split(".", 1)[0] if args else ""
            if importer is not None and self._in_plugin(importer.f_code.co_filename) and (
                top in FORBIDDEN_MODULES or str(args[0]) in FORBIDDEN_MODULES
            ):
                return importer
            return None
        if event in CODE_EVENTS:
            if not self._in_plugin(caller.f_code.co_filename):
                return None
            target = args[1] if event == "compile" and len(args) > 1 else getattr(
                args[0] if args else None, "co_filename", None
            )
            return None if self._on_disk_in_plugin(target) else caller
        if event in NATIVE_LOAD_EVENTS and self._importing_library(caller):
            return None
        if event == "socket.__new__" and len(args) > 1 and args[1] == AF_UNIX:
            return None  # socketpair() of asyncio's event loop; connect/bind stay denied
        return self._plugin_frame(caller)

    def _deny(self, event: str, args: tuple[Any, ...], frame: FrameType) -> None:
        filename = frame.f_code.co_filename
        path = filename
        for root in self.roots:
            if filename.startswith(root):
                path = os.path.basename(root.rstrip(os.sep)) + "/" + filename[len(root):]
        detail = _describe(event, args)
        denial = Denial(event, CATEGORY.get(event, "command_execution"), detail, path, frame.f_lineno)
        self.denials.append(denial)
        if self.report_fd is not None:
            os.write(self.report_fd, (json.dumps(asdict(denial)) + "\n").encode())
        raise GuardDenied(f"mixpeek run-time guard: {event} is not allowed in plugin code")


def _describe(event: str, args: tuple[Any, ...]) -> str:
    if event == "compile":
        return f"code compiled from {args[1]!r}" if len(args) > 1 else "code compiled at run time"
    if event == "exec":
        return f"code object from {getattr(args[0], 'co_filename', '?')!r}"
    if event == "import":
        return f"import of {args[0]}"
    shown = ", ".join(repr(a)[:60] for a in args[:2])
    return shown or event


_INSTALLED: _Guard | None = None


def install(roots: list[Path], report: Path | None = None) -> _Guard:
    """Install the guard for plugin code under ``roots`` (once per process); returns it."""
    global _INSTALLED
    if _INSTALLED is not None:
        return _INSTALLED
    fd = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if report else None
    guard = _Guard(roots, fd)
    sys.addaudithook(guard)
    _INSTALLED = guard
    return guard


def read_report(report: Path) -> list[Denial]:
    """The denials a guarded child wrote to ``report`` (one JSON object a line)."""
    if not report.is_file():
        return []
    out = []
    for line in report.read_text(encoding="utf-8").splitlines():
        try:
            out.append(Denial(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return out
