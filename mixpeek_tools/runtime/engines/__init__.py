"""Engines run a planned pipeline over a stream of pandas batches.

The interface every engine implements (``local`` here, ``ray`` in
``mixpeek_tools.runtime.engines.ray_engine:RayEngine``)::

    class Engine(Protocol):
        name: str
        stats: RunStats  # filled while run() is consumed; complete once the iterator is exhausted

        def run(self, plan: PipelinePlan, batches: Iterable[pd.DataFrame],
                options: RunOptions) -> Iterator[pd.DataFrame]:
            ...  # output batches, input order kept; each may carry its per-row "processed"
                 # flags in df.attrs["mixpeek_processed"] (see executor.processed_flags)

        def close(self) -> None: ...

Rules both engines follow so their outputs are identical: ``prepare`` first, then each step in
order through :func:`mixpeek_tools.runtime.executor.apply_step` (row selection by RowCondition,
pass-through of other rows, failure isolation), batch sizes from the resolved step (or
``options.batch_size``), and input row positions as the frame index. A process-based engine
rebuilds the plan in its workers from ``plan.factory`` (a picklable PlanFactory).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from mixpeek_tools.errors import BadInput

if TYPE_CHECKING:
    import pandas as pd

    from mixpeek_tools.runtime.executor import PipelinePlan, RunOptions, RunStats

ENGINES = ("local", "ray")


class Engine(Protocol):
    name: str
    stats: RunStats

    def run(
        self, plan: PipelinePlan, batches: Iterable[pd.DataFrame], options: RunOptions
    ) -> Iterator[pd.DataFrame]: ...

    def close(self) -> None: ...


class LocalEngine:
    """In-process engine: streams batches through the executor (threads for API steps)."""

    name = "local"

    def __init__(self) -> None:
        from mixpeek_tools.runtime.executor import RunStats

        self.stats = RunStats()

    def run(
        self, plan: PipelinePlan, batches: Iterable[pd.DataFrame], options: RunOptions
    ) -> Iterator[pd.DataFrame]:
        from mixpeek_tools.runtime.executor import RunStats, run_batches

        self.stats = RunStats()
        return run_batches(plan, batches, options, self.stats)

    def close(self) -> None:
        """Nothing to release."""


def get_engine(name: str, **kwargs: Any) -> Engine:
    """The engine called ``name`` (``local`` or ``ray``); Ray is imported only when asked for."""
    key = (name or "local").lower()
    if key == "local":
        return LocalEngine()
    if key == "ray":
        try:
            from mixpeek_tools.runtime.engines.ray_engine import (  # type: ignore[attr-defined,unused-ignore]
                RayEngine,
            )
        except ImportError as exc:
            raise BadInput(
                f"the ray engine is not available: {exc}",
                where="--engine ray",
                hint="Install the extra: pip install 'mixpeek-tools[ray]'",
            ) from exc
        engine: Engine = RayEngine(**kwargs)
        return engine
    raise BadInput(
        f"unknown engine '{name}'", where="--engine", hint=f"Choose one of: {', '.join(ENGINES)}"
    )


__all__ = ["ENGINES", "Engine", "LocalEngine", "get_engine"]
