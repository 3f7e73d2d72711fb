"""The ``ray`` engine: a plugin's pipeline as Ray Data ``map_batches`` stages over actor pools.

This is how the platform runs extractors, so a run here shows what batching, actor resources
and GPU steps do before publishing. One Ray actor class (:class:`StepActor`) serves every step:
each actor builds its step's service once and then applies it batch after batch with the local
executor's own ``apply_step`` (row-condition selection, pass-through, per-row failure capture),
which is what makes ``ray`` and ``local`` give identical output for the same input.

Actors receive only plain data (the plugin path, the parameters, the step index) and rebuild the
plan themselves: plugin classes live in a package imported straight from its folder, which a Ray
worker could not unpickle by reference.

Session: ``RAY_ADDRESS`` joins an existing cluster (whose nodes must see the plugin's path);
otherwise a local Ray starts with ``num_cpus`` CPUs, no dashboard and quiet logs, and is shut
down when the run ends. Rows keep their input order (``preserve_order``).
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

from mixpeek_tools.errors import EnvironmentFailure

QUIET_LOGGERS = ("ray", "ray.data", "ray.serve", "ray.train", "ray.tune")


def _quiet() -> None:
    """Keep Ray's own chatter (progress bars, execution plans, deprecations) off the terminal."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"ray(\.|$)")
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")


def init_ray(num_cpus: int | None = None, *, verbose: bool = False) -> bool:
    """Join ``RAY_ADDRESS`` or start a local Ray; True when this call started the session."""
    try:
        import ray
    except ImportError as exc:
        raise EnvironmentFailure(
            "the ray engine needs Ray, which is not installed",
            hint="pip install 'mixpeek-tools[ray]' (or use --engine local)",
        ) from exc
    if ray.is_initialized():
        return False
    if not verbose:
        _quiet()
    level = logging.INFO if verbose else logging.ERROR
    address = os.environ.get("RAY_ADDRESS") or None
    try:
        if address:
            ray.init(address=address, logging_level=level, include_dashboard=False)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, logging_level=level)
    except Exception as exc:  # ConnectionError, RuntimeError, ... all mean: no usable cluster
        where = f"RAY_ADDRESS={address}" if address else "local Ray"
        raise EnvironmentFailure(
            f"could not start or join Ray: {type(exc).__name__}: {exc}",
            where=where,
            hint="check that the cluster at RAY_ADDRESS is up, or unset RAY_ADDRESS to start a "
            "local one",
        ) from exc
    if not verbose:
        _quiet()
    return True
