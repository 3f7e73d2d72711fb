"""Engines run a planned pipeline over a stream of pandas batches.

The interface every engine implements (``local`` here, ``ray`` in
``mixpeek_tools.runtime.engines.ray:RayEngine``)::

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

from mixpeek_tools.errors import BadInput, EnvironmentFailure

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


RAY_INSTALL = "pip install 'mixpeek-tools[ray]'"


def require_ray() -> None:
    """Ray is an optional extra: without it the ray engine is an environment problem (exit 3)
    with the install command, found before any work starts."""
    try:
        import ray  # noqa: F401
    except ImportError:
        raise EnvironmentFailure(
            "the ray engine needs Ray, which is not installed in this environment",
            where="--engine ray",
            hint=f"Install it with: {RAY_INSTALL} (or run with --engine local)",
        ) from None


def get_engine(name: str, **kwargs: Any) -> Engine:
    """The engine called ``name`` (``local`` or ``ray``); Ray is imported only when asked for."""
    key = (name or "local").lower()
    if key == "local":
        from mixpeek_tools.runtime.engines.local import LocalEngine

        return LocalEngine()
    if key == "ray":
        require_ray()
        from mixpeek_tools.runtime.engines.ray import RayEngine

        engine: Engine = RayEngine(**kwargs)
        return engine
    raise BadInput(
        f"unknown engine '{name}'", where="--engine", hint=f"Choose one of: {', '.join(ENGINES)}"
    )


def __getattr__(name: str) -> Any:
    """``LocalEngine``, imported on first use so importing this package stays light."""
    if name == "LocalEngine":
        from mixpeek_tools.runtime.engines.local import LocalEngine

        return LocalEngine
    raise AttributeError(name)


__all__ = ["ENGINES", "RAY_INSTALL", "Engine", "LocalEngine", "get_engine", "require_ray"]
