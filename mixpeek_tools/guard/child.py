"""Set up a guarded child process, in this order, before any plugin code is imported.

1. **Die with the parent**: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` through ``ctypes`` (Linux), so a
   killed registry or CLI never leaves a plugin running; ``ctypes`` is used before the hook that
   forbids it goes in. Where prctl is missing the parent's process-group kill still applies.
2. **No network**: as root, ``unshare(CLONE_NEWNET)`` moves the process into a fresh network
   namespace with no interface up (not even loopback). Elsewhere the audit hook alone denies
   sockets.
3. **Resource limits**: CPU, memory, written file size and open files
   (:func:`mixpeek_tools.guard.limits.apply_limits`).
4. **The audit hook** (:mod:`mixpeek_tools.guard.hook`).

``python -m mixpeek_tools.cli.guarded_main SPEC.json`` calls :func:`prepare_from_spec` and then
runs one ``mixpeek`` command line in that process (``plugin test``/``run`` with ``--guard``); the
registry's worker calls :func:`prepare` itself. The entry point lives in ``cli/`` because nothing
below the CLI may import it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000
PARENT_ENV = "MIXPEEK_GUARD_PARENT"
EXTRA_ROOT_ENV = "MIXPEEK_GUARD_EXTRA_ROOT"
SPEC_ENV = "MIXPEEK_GUARD_SPEC"  # set in a guarded child so its own children guard themselves


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    expected = os.environ.get(PARENT_ENV)
    if expected and str(os.getppid()) != expected:  # the parent died before prctl took effect
        os._exit(137)
    os.environ[PARENT_ENV] = str(os.getpid())  # what this process's own children will check
    return True


def isolate_network() -> str:
    """``namespace`` when a new, empty network namespace is in place, else ``hook``."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "hook"
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return "namespace" if libc.unshare(CLONE_NEWNET) == 0 else "hook"


def prepare(roots: list[Path], report: Path | None) -> str:
    """Steps 1-4 above; returns how the network is cut (``namespace`` or ``hook``)."""
    from mixpeek_tools.guard.hook import install
    from mixpeek_tools.guard.limits import apply_limits

    die_with_parent()
    network = isolate_network()
    apply_limits()
    install(roots, report)
    return network


def prepare_from_spec(spec_path: Path) -> dict[str, object]:
    """:func:`prepare` with the roots and report of a spec file; returns the spec."""
    spec: dict[str, object] = json.loads(spec_path.read_text(encoding="utf-8"))
    roots = [Path(str(r)) for r in spec.get("roots") or []]  # type: ignore[attr-defined]
    if os.environ.get(EXTRA_ROOT_ENV):  # e.g. the staged copy the tests check runs pytest in
        roots.append(Path(os.environ[EXTRA_ROOT_ENV]))
    prepare(roots, Path(str(spec["report"])))
    os.environ[SPEC_ENV] = str(spec_path)
    return spec

