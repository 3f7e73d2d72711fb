"""How many CPUs and GPUs each step's Ray actors ask for, so that the run cannot stall.

Every step is an actor pool with at least one actor, and a stream of steps only moves when
every pool has an actor: a downstream step's actor waits for input that only an upstream
actor makes. When the steps together ask for more than the cluster has (four 1-CPU steps on a
2-CPU laptop), Ray places the actors it can in an order of its own choosing; if a downstream
actor takes a CPU that an upstream step needed, no actor can ever finish, and Ray Data gives up
only after its no-progress timeout (30 minutes). This happens for real whenever CPUs are busy
when the run starts, e.g. a previous run's actors still shutting down.

So each resource is shared out the way Ray itself shares a node: when the first actor of every
step does not fit, every step's request is scaled by the same factor (Ray accepts fractional
CPUs and GPUs). Steps keep their proportions; a cluster large enough for the pipeline, like
the platform's, runs the requests exactly as declared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Shares are whole ten-thousandths of a CPU or GPU: Ray rejects requests past four decimals.
SHARE_STEPS = 10_000
MIN_SHARE = 1 / SHARE_STEPS


@dataclass(frozen=True)
class Shares:
    """What each step's actors ask Ray for, and a line for the run summary when it differs."""

    cpus: list[float]
    gpus: list[float]
    note: str | None = None


def fit_to_cluster(
    cpus: Sequence[float], gpus: Sequence[float], cluster: dict[str, float]
) -> Shares:
    """Each step's CPUs and GPUs (one entry per step, in order), scaled to fit ``cluster``."""
    fitted_cpus, cpu_note = _fit(cpus, float(cluster.get("CPU", 0)), "CPU")
    fitted_gpus, gpu_note = _fit(gpus, float(cluster.get("GPU", 0)), "GPU")
    notes = [n for n in (cpu_note, gpu_note) if n]
    return Shares(fitted_cpus, fitted_gpus, " ".join(notes) if notes else None)


def _fit(requests: Sequence[float], capacity: float, kind: str) -> tuple[list[float], str | None]:
    wanted = sum(r for r in requests if r > 0)
    if wanted <= capacity or capacity <= 0:
        return [float(r) for r in requests], None
    factor = capacity / wanted
    fitted = [max(MIN_SHARE, _round_down(r * factor)) if r > 0 else float(r) for r in requests]
    note = (
        f"the steps ask for {wanted:g} {kind}s at once and the Ray cluster has {capacity:g}, so "
        f"each step's actors take {factor:.2g}x the {kind}s they declare here (one actor of "
        "every step must run at the same time for the stream to move)"
    )
    return fitted, note


def _round_down(value: float) -> float:
    """Four decimals, rounded down so that the scaled requests never add up past the cluster."""
    return math.floor(value * SHARE_STEPS) / SHARE_STEPS


def first_pool_size(shares: Shares, wanted: int, cluster: dict[str, float]) -> int:
    """How many actors the first step's pool may start with: ``wanted`` where the cluster holds
    them on top of one actor of every other step, fewer where it does not (at least one), so a
    pool started whole never takes what a later step's first actor needs."""
    extra = max(0, wanted - 1)
    for kind, requests in (("CPU", shares.cpus), ("GPU", shares.gpus)):
        if not requests or requests[0] <= 0:
            continue
        room = float(cluster.get(kind, 0)) - sum(r for r in requests if r > 0)
        extra = min(extra, max(0, math.floor(room / requests[0] + 1e-9)))
    return 1 + extra
