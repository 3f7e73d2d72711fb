"""The ``local`` engine: the pipeline streamed in-process (threads for API steps, optional worker
processes for pure-Python CPU steps), batch after batch through :func:`~..core.apply_step`."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput
from mixpeek_tools.runtime.core import (
    PROCESSED_ATTR,
    ProcessedFlags,
    StepOutcome,
    apply_step,
    check_resources,
    instantiate,
)
from mixpeek_tools.runtime.plan import (
    PipelinePlan,
    PlanFactory,
    RowsFailed,
    RunOptions,
    RunResult,
    RunStats,
    StepStats,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import PipelineStep

# =========================================================================== streaming


@dataclass
class Chunk:
    """A batch in flight and its per-row 'some step processed this row' flags."""

    frame: pd.DataFrame
    processed: np.ndarray


def _rechunk(chunks: Iterator[Chunk], size: int) -> Iterator[Chunk]:
    """Regroup chunks into exactly ``size`` rows (the last may be short), flags alongside."""
    import numpy as np
    import pandas as pd

    frames: list[pd.DataFrame] = []
    flags: list[np.ndarray] = []
    held = 0
    for chunk in chunks:
        if not frames and len(chunk.frame) == size:
            yield chunk
            continue
        if len(chunk.frame) == 0:
            continue
        frames.append(chunk.frame)
        flags.append(chunk.processed)
        held += len(chunk.frame)
        while held >= size:
            frame = pd.concat(frames) if len(frames) > 1 else frames[0]
            flag = np.concatenate(flags) if len(flags) > 1 else flags[0]
            yield Chunk(frame.iloc[:size], flag[:size])
            frames = [frame.iloc[size:]] if held > size else []
            flags = [flag[size:]] if held > size else []
            held -= size
    if held:
        frame = pd.concat(frames) if len(frames) > 1 else frames[0]
        yield Chunk(frame, np.concatenate(flags) if len(flags) > 1 else flags[0])


def _workers(step: PipelineStep, options: RunOptions) -> int:
    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import ResourceType

    if step.resource_type is ResourceType.API:
        return max(1, min(step.concurrency, options.max_api_threads))
    return max(1, min(step.concurrency, options.cpu_threads))


def uses_processes(step: PipelineStep, plan: PipelinePlan, options: RunOptions) -> bool:
    """CPU steps go to worker processes when asked (``cpu_processes`` > 1) and the plan can be
    rebuilt in another process (it came from a plugin folder)."""
    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import ResourceType

    return (
        options.cpu_processes > 1
        and step.resource_type is ResourceType.CPU
        and plan.factory is not None
    )


# Worker-process state: the plan rebuilt from its factory and each step's service, created once
# per process (like one Ray actor per worker).
_WORKER: dict[str, Any] = {}


def _init_process_worker(factory: PlanFactory, placeholders: bool) -> None:
    if placeholders:
        os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"
    _WORKER["plan"] = factory()
    _WORKER["services"] = {}


def _process_work(
    index: int, frame: pd.DataFrame, processed: np.ndarray
) -> tuple[StepOutcome, float]:
    """Run step ``index`` on one batch inside a worker process (failures returned, not raised)."""
    t0 = time.perf_counter()
    step = _WORKER["plan"].steps[index]
    services = _WORKER["services"]
    if index not in services:
        services[index] = instantiate(step)
    outcome = apply_step(step, services[index], frame, processed, on_error="continue")
    return outcome, time.perf_counter() - t0


def _ordered(
    chunks: Iterator[Chunk],
    submit: Callable[[Chunk], Future[tuple[StepOutcome, float]]],
    window: int,
) -> Iterator[tuple[Chunk, StepOutcome, float]]:
    """Keep up to ``window`` batches in flight and hand results back in input order."""
    pending: deque[tuple[Chunk, Future[tuple[StepOutcome, float]]]] = deque()
    for chunk in chunks:
        pending.append((chunk, submit(chunk)))
        if len(pending) >= window:
            done, fut = pending.popleft()
            yield (done, *fut.result())
    while pending:
        done, fut = pending.popleft()
        yield (done, *fut.result())


def _outcomes(
    index: int,
    step: PipelineStep,
    service: Any,
    chunks: Iterator[Chunk],
    plan: PipelinePlan,
    options: RunOptions,
) -> Iterator[tuple[Chunk, StepOutcome, float]]:
    """Every batch's outcome, in order: inline, in threads or in worker processes."""

    def work(chunk: Chunk) -> tuple[StepOutcome, float]:
        t0 = time.perf_counter()
        outcome = apply_step(step, service, chunk.frame, chunk.processed, on_error=options.on_error)
        return outcome, time.perf_counter() - t0

    if uses_processes(step, plan, options):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        factory = plan.factory
        assert factory is not None
        with ProcessPoolExecutor(
            max_workers=options.cpu_processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_process_worker,
            initargs=(factory, options.placeholder_services),
        ) as procs:
            for chunk, outcome, seconds in _ordered(
                chunks,
                lambda c: procs.submit(_process_work, index, c.frame, c.processed),
                options.cpu_processes * 2,
            ):
                if outcome.failures and options.on_error == "stop":
                    raise RowsFailed(outcome.failures)
                yield chunk, outcome, seconds
        return
    workers = _workers(step, options)
    if workers == 1:
        for chunk in chunks:
            yield (chunk, *work(chunk))
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"step-{step.name}") as pool:
        yield from _ordered(chunks, lambda c: pool.submit(work, c), workers * 2)


def _stage(
    index: int,
    plan: PipelinePlan,
    service: Any,
    chunks: Iterator[Chunk],
    options: RunOptions,
    stats: RunStats,
) -> Iterator[Chunk]:
    """One step over the stream, re-chunked to its batch size; order always kept."""
    step = plan.steps[index]
    step_stats = stats.steps[index]
    size = options.batch_size or step.batch_size
    for chunk, outcome, seconds in _outcomes(
        index, step, service, _rechunk(chunks, size), plan, options
    ):
        step_stats.rows_seen += len(chunk.frame)
        step_stats.rows_processed += outcome.selected - len(outcome.failures)
        step_stats.rows_failed += len(outcome.failures)
        step_stats.batches += 1
        step_stats.seconds += seconds
        stats.failures.extend(outcome.failures)
        yield Chunk(outcome.frame, outcome.processed)


def _input_chunks(
    plan: PipelinePlan, batches: Iterable[pd.DataFrame], stats: RunStats
) -> Iterator[Chunk]:
    import numpy as np

    from mixpeek_tools.runtime.dataset import LocalDataset

    def counted() -> Iterator[pd.DataFrame]:
        for df in batches:
            stats.rows_in += len(df)
            yield df

    frames: Iterable[pd.DataFrame] = counted()
    if plan.prepare is not None:
        prepared = plan.prepare(LocalDataset(lambda: frames.__iter__()))
        if not isinstance(prepared, LocalDataset):
            raise BadInput(
                f"prepare returned {type(prepared).__name__}, not the dataset it was given",
                where="pipeline.py: prepare",
                hint="prepare must return the dataset, e.g. lambda ds: ds.filter(...)",
            )
        frames = _named_errors(iter(prepared), plan)
    for df in frames:
        yield Chunk(df, np.zeros(len(df), dtype=bool))


def _named_errors(frames: Iterator[pd.DataFrame], plan: PipelinePlan) -> Iterator[pd.DataFrame]:
    """``prepare``'s batches; an exception its functions raise becomes the plugin's own error
    (type, message, file and line), not a traceback through the kit."""
    from mixpeek_tools.errors import KitError
    from mixpeek_tools.runtime.failures import plugin_error

    package = plan.plugin.package_name if plan.plugin is not None else None
    while True:
        try:
            df = next(frames)
        except StopIteration:
            return
        except KitError:
            raise
        except Exception as exc:
            raise plugin_error(exc, package, "prepare") from exc
        yield df


def run_chunks(
    plan: PipelinePlan,
    batches: Iterable[pd.DataFrame],
    options: RunOptions | None = None,
    stats: RunStats | None = None,
) -> Iterator[Chunk]:
    """Stream ``batches`` through ``prepare`` and every step; yields output chunks in order."""
    options = options or RunOptions()
    stats = stats if stats is not None else RunStats()
    _apply_placeholder_option(options)
    services = start_services(plan, options, stats)
    chunks: Iterator[Chunk] = _input_chunks(plan, batches, stats)
    for index, service in enumerate(services):
        chunks = _stage(index, plan, service, chunks, options, stats)
    try:
        for chunk in chunks:
            stats.rows_out += len(chunk.frame)
            if options.on_progress is not None:
                options.on_progress(len(chunk.frame))
            yield chunk
    finally:
        stats.finished = time.perf_counter()


def start_services(
    plan: PipelinePlan, options: RunOptions | None = None, stats: RunStats | None = None
) -> list[Any]:
    """Check every step's resources, then create each service once, in step order, before any
    row is read (a GPU or constructor problem surfaces before the input is touched)."""
    options = options or RunOptions()
    notes = [check_resources(step, options) for step in plan.steps]
    if stats is not None:
        stats.notes.extend(n for n in notes if n)
    services = [
        None if uses_processes(step, plan, options) else instantiate(step) for step in plan.steps
    ]
    if stats is not None:
        stats.steps = [StepStats(step.name) for step in plan.steps]
    return services


def _apply_placeholder_option(options: RunOptions) -> None:
    """Placeholder outputs are switched on through MIXPEEK_PLACEHOLDER_SERVICES=1 (read by the
    built-in services, and inherited by worker processes)."""
    if options.placeholder_services:
        os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"


def run_batches(
    plan: PipelinePlan,
    batches: Iterable[pd.DataFrame],
    options: RunOptions | None = None,
    stats: RunStats | None = None,
) -> Iterator[pd.DataFrame]:
    """Like :func:`run_chunks` but yields DataFrames; each carries its processed flags in
    ``df.attrs["mixpeek_processed"]`` (read them with :func:`mixpeek_tools.runtime.core.processed_flags`)."""
    for chunk in run_chunks(plan, batches, options, stats):
        chunk.frame.attrs[PROCESSED_ATTR] = ProcessedFlags(chunk.processed)
        yield chunk.frame



def run_frame(plan: PipelinePlan, df: pd.DataFrame, options: RunOptions | None = None) -> RunResult:
    """Run the whole pipeline over one in-memory frame."""
    import numpy as np
    import pandas as pd

    stats = RunStats()
    chunks = list(run_chunks(plan, [df], options, stats))
    if chunks:
        frame = pd.concat([c.frame for c in chunks]) if len(chunks) > 1 else chunks[0].frame
        processed = np.concatenate([c.processed for c in chunks])
    else:
        frame, processed = df.iloc[:0], np.zeros(0, dtype=bool)
    return RunResult(frame, stats, processed)


class LocalEngine:
    """In-process engine: streams batches through :func:`run_batches` (threads for API steps)."""

    name = "local"

    def __init__(self) -> None:
        self.stats = RunStats()

    def run(
        self, plan: PipelinePlan, batches: Iterable[pd.DataFrame], options: RunOptions
    ) -> Iterator[pd.DataFrame]:
        self.stats = RunStats()
        return run_batches(plan, batches, options, self.stats)

    def close(self) -> None:
        """Nothing to release."""
