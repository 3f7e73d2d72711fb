"""The run's :class:`~.actors.Hub`, kept for the next run of the same Ray session.

A hub is an actor, and an actor is a worker process of its own: starting one costs about a
second of CPU, and on a small machine it takes one of the few process-start slots the first
step's actors wait for. A run that ends normally hands its hub back here, emptied; the next run
in the same session (a notebook, a test suite, ``run_plugin`` in a loop) takes it instead of
starting another. A run that stopped early kills its hub: its queue may still hold blocks.
Hubs are owned by the driver, so they end with its Ray session and never outlive it.
"""

from __future__ import annotations

import threading
from typing import Any

from mixpeek_tools.runtime.engines.ray.actors import Hub

RESET_TIMEOUT_SECONDS = 10.0
_IDLE: dict[str, list[Any]] = {}
_LOCK = threading.Lock()


def _session() -> str:
    """This Ray session: the node and job ids (a new local Ray has a new node id)."""
    import ray

    context = ray.get_runtime_context()
    return f"{context.get_node_id()}/{context.get_job_id()}"


def acquire_hub(depth: int) -> Any:
    """An idle hub of this session, or a new one (holding no CPU)."""
    import ray

    session = _session()
    with _LOCK:
        for stale in [key for key in _IDLE if key != session]:
            del _IDLE[stale]  # handles of a session that has ended
        idle = _IDLE.setdefault(session, [])
        hub = idle.pop() if idle else None
    if hub is not None:
        return hub
    return ray.remote(num_cpus=0)(Hub).remote(depth)


def release_hub(hub: Any, reusable: bool) -> None:
    """Empty ``hub`` and keep it for the next run, or kill it when the run stopped early."""
    import ray

    if reusable:
        try:
            ray.get(hub.reset.remote(), timeout=RESET_TIMEOUT_SECONDS)
        except Exception:  # gone or stuck: a new run starts a new one
            reusable = False
    if not reusable:
        ray.kill(hub)
        return
    session = _session()
    with _LOCK:
        _IDLE.setdefault(session, []).append(hub)


def forget_hubs() -> None:
    """Drop every kept hub (before this process shuts its Ray down)."""
    with _LOCK:
        _IDLE.clear()


__all__ = ["acquire_hub", "forget_hubs", "release_hub"]
