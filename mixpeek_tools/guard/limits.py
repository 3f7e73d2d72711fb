"""Resource limits for a process about to run plugin code nobody vouches for: CPU seconds,
address space, written file size and open files (the registry's check worker and every guarded
child set them on themselves, before the plugin's first import)."""

from __future__ import annotations

import os

WORKER_CPU_SECONDS = 120
WORKER_MEMORY_BYTES = 8 * 1024**3
WORKER_FILE_BYTES = 256 * 1024**2
WORKER_OPEN_FILES = 512


def apply_limits() -> None:
    """Bound CPU, memory, written file size and open files before any plugin code is imported.

    Set here rather than in a ``preexec_fn``: the registry is multi-threaded, and forking with a
    Python callback in a threaded process can deadlock.
    """
    if os.name != "posix":
        return
    import resource

    for limit, value in (
        (resource.RLIMIT_CPU, WORKER_CPU_SECONDS),
        (resource.RLIMIT_AS, WORKER_MEMORY_BYTES),
        (resource.RLIMIT_FSIZE, WORKER_FILE_BYTES),
        (resource.RLIMIT_NOFILE, WORKER_OPEN_FILES),
    ):
        _, hard = resource.getrlimit(limit)
        capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (capped, capped))
