"""Planning and running a plugin's pipeline in-process, the way the platform runs it.

Planning (:func:`plan_pipeline`): the user's parameters are checked against the plugin's
``parameter_schema`` and handed to ``build_steps`` inside a request object whose
``extractor_config.parameters`` is the user's dict, exactly as the platform calls it. The
returned steps are resolved (batch size, concurrency, resources) and kept with ``prepare``.

Running (:func:`run_batches`, :func:`run_frame`): each step's service class is instantiated
ONCE with its config and fed pandas batches of the rows its ``RowCondition`` selects; other rows
pass through unchanged and row order is kept. A batch that raises is re-run row by row so the
failing rows can be named (input row number, step, error); ``on_error`` decides whether the run
stops there or drops those rows and goes on. :func:`apply_step` is the one place a step touches
a batch: the Ray engine calls it inside its actors so both engines give identical results.
"""

from __future__ import annotations

import inspect
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput, ChecksFailed, EnvironmentFailure, KitError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import PipelineStep
    from mixpeek_tools.plugin.loader import LoadedPlugin

PROCESSED_ATTR = "mixpeek_processed"
MAX_REPORTED_FAILURES = 20


# =========================================================================== data types


@dataclass
class ExtractorConfig:
    """``extractor_request.extractor_config`` as ``build_steps`` sees it."""

    parameters: dict[str, Any]
    feature_extractor_name: str | None = None
    version: str | None = None


@dataclass
class ExtractorRequest:
    """The request object the platform passes to ``build_steps``."""

    extractor_config: ExtractorConfig
    feature_extractor_name: str | None = None
    version: str | None = None


@dataclass
class PlanFactory:
    """Picklable recipe to rebuild a plan in another process (Ray workers, process pools)."""

    root: str
    params: dict[str, Any]
    dataset_size: int | None = None

    def __call__(self) -> PipelinePlan:
        from mixpeek_tools.plugin.loader import load_plugin

        return plan_pipeline(load_plugin(self.root), self.params, self.dataset_size)


@dataclass
class PipelinePlan:
    """What runs: resolved steps in order, the optional ``prepare`` and the inputs used to plan."""

    steps: list[PipelineStep]
    prepare: Callable[[Any], Any] | None
    params: dict[str, Any]
    dataset_size: int | None = None
    plugin: LoadedPlugin | None = None

    @property
    def step_definitions(self) -> list[PipelineStep]:
        return self.steps

    @property
    def factory(self) -> PlanFactory | None:
        """How to rebuild this plan elsewhere (None when it was not built from a plugin folder)."""
        if self.plugin is None:
            return None
        return PlanFactory(str(self.plugin.root), dict(self.params), self.dataset_size)


@dataclass
class RowFailure:
    """One input row a step could not process."""

    row: int  # 1-based input row number
    step: str
    error: str

    def __str__(self) -> str:
        return f"row {self.row} in step '{self.step}': {self.error}"


@dataclass
class StepStats:
    name: str
    rows_seen: int = 0
    rows_processed: int = 0
    rows_failed: int = 0
    batches: int = 0
    seconds: float = 0.0


@dataclass
class RunStats:
    """Counts an engine fills while it runs (read them after the output iterator is exhausted)."""

    rows_in: int = 0
    rows_out: int = 0
    steps: list[StepStats] = field(default_factory=list)
    failures: list[RowFailure] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    def step(self, name: str) -> StepStats | None:
        """The stats of the first step called ``name`` (None when there is none)."""
        return next((s for s in self.steps if s.name == name), None)


@dataclass
class RunOptions:
    """How to run.

    ``batch_size`` overrides every step's batch size. API steps always run ``concurrency``
    batches at a time in threads. ``cpu_threads`` > 1 runs CPU/GPU steps in that many threads
    (helps when the processor releases the GIL: NumPy, Pillow, native models);
    ``cpu_processes`` > 1 runs CPU steps in that many worker processes instead (pure-Python
    processors; each process rebuilds the plan and creates its own service once).
    """

    on_error: str = "stop"  # stop | continue
    batch_size: int | None = None
    cpu_threads: int = 1
    cpu_processes: int = 0
    max_api_threads: int = 32
    placeholder_services: bool = False
    on_progress: Callable[[int], None] | None = None

    def __post_init__(self) -> None:
        if self.on_error not in ("stop", "continue"):
            raise BadInput(
                f"on_error must be 'stop' or 'continue', got {self.on_error!r}",
                where="--on-error",
            )


@dataclass
class RunResult:
    frame: pd.DataFrame
    stats: RunStats
    processed: np.ndarray

    @property
    def failures(self) -> list[RowFailure]:
        return self.stats.failures


class RowsFailed(ChecksFailed):
    """A processor raised on some rows and the run was told to stop (exit code 1)."""

    def __init__(self, failures: list[RowFailure]) -> None:
        shown = "; ".join(str(f) for f in failures[:MAX_REPORTED_FAILURES])
        more = len(failures) - MAX_REPORTED_FAILURES
        steps = sorted({f.step for f in failures})
        super().__init__(
            f"{len(failures)} row(s) failed: {shown}" + (f"; and {more} more" if more > 0 else ""),
            where=f"step {', '.join(repr(s) for s in steps)}",
            hint="Fix the processor for those rows, or rerun with --on-error continue to skip "
            "them and keep going",
        )
        self.failures = failures


# =========================================================================== planning


def _schema_fields(schema: Any) -> list[str]:
    return list((getattr(schema, "model_fields", None) or {}).keys())


def validate_params(plugin: LoadedPlugin, params: dict[str, Any] | None) -> dict[str, Any]:
    """Check ``params`` against ``parameter_schema``; BadInput names the field and the fix."""
    given = dict(params or {})
    schema = plugin.parameter_schema
    if schema is None or not hasattr(schema, "model_validate"):
        return given
    known = _schema_fields(schema)
    extra_allowed = (getattr(schema, "model_config", {}) or {}).get("extra") == "allow"
    unknown = [k for k in given if k not in known]
    if unknown and not extra_allowed:
        raise BadInput(
            f"unknown parameter '{unknown[0]}'",
            where=f"parameters.{unknown[0]}",
            hint=f"Valid parameters of {plugin.name}: {', '.join(known) or '(none)'}",
        )
    from pydantic import ValidationError

    try:
        schema.model_validate(given)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ())) or "parameters"
        raise BadInput(
            f"invalid value {err.get('input')!r}: {err.get('msg')}",
            where=f"parameters.{loc}",
            hint=f"See {type(schema).__name__ if not isinstance(schema, type) else schema.__name__}"
            " in manifest.py for the allowed values",
        ) from None
    return given


def _as_step(item: Any, index: int, dataset_size: int | None) -> PipelineStep:
    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import (
        PipelineStep,
        StepDefinition,
        resolve_step,
    )

    if isinstance(item, PipelineStep):
        return item
    if isinstance(item, StepDefinition):
        return resolve_step(item, dataset_size)
    raise BadInput(
        f"step {index + 1} returned by build_steps is a {type(item).__name__}, not a step",
        where="pipeline.py: build_steps",
        hint="Return {'steps': build_pipeline_steps(PipelineDefinition(...)), 'prepare': fn}",
    )


def _call_build_steps(
    plugin: LoadedPlugin,
    request: ExtractorRequest,
    base_steps: list[Any] | None,
    dataset_size: int | None,
    content_flags: dict[str, Any] | None,
) -> Any:
    from mixpeek_tools.plugin.loader import _location

    build = plugin.build_steps
    if build is None or not callable(build):
        raise BadInput(
            "pipeline.py defines no callable build_steps",
            where=str(plugin.root / "pipeline.py"),
            hint="Define def build_steps(extractor_request, container=None, base_steps=None, "
            "dataset_size=None, content_flags=None)",
        )
    try:
        return build(
            request,
            container=None,
            base_steps=base_steps,
            dataset_size=dataset_size,
            content_flags=content_flags,
        )
    except BadInput:
        raise
    except Exception as exc:
        path, line, _col = _location(exc, plugin.root)
        where = f"{path}:{line}" if path and line else str(plugin.root / "pipeline.py")
        error = BadInput(
            f"build_steps failed: {type(exc).__name__}: {exc}",
            where=where,
            hint="Fix build_steps; run with --verbose for the traceback",
        )
        # Keep the plugin's frames on the traceback: callers (the validator) locate the line.
        raise error.with_traceback(exc.__traceback__) from exc


def plan_pipeline(
    plugin: LoadedPlugin,
    params: dict[str, Any] | None = None,
    dataset_size: int | None = None,
    base_steps: list[Any] | None = None,
    content_flags: dict[str, Any] | None = None,
) -> PipelinePlan:
    """Validate ``params`` and call ``build_steps`` as the platform does; return the plan."""
    given = validate_params(plugin, params)
    request = ExtractorRequest(
        extractor_config=ExtractorConfig(
            parameters=given,
            feature_extractor_name=plugin.name,
            version=str(plugin.metadata.get("version") or "v1"),
        ),
        feature_extractor_name=plugin.name,
        version=str(plugin.metadata.get("version") or "v1"),
    )
    result = _call_build_steps(plugin, request, base_steps, dataset_size, content_flags)
    if not isinstance(result, dict) or "steps" not in result:
        raise BadInput(
            f"build_steps returned {type(result).__name__}, not a dict with 'steps'",
            where=str(plugin.root / "pipeline.py"),
            hint="Return {'steps': [...], 'prepare': lambda ds: ds}",
        )
    raw = result.get("steps") or []
    if not isinstance(raw, (list, tuple)):
        raise BadInput(
            f"build_steps returned 'steps' as {type(raw).__name__}, not a list",
            where=str(plugin.root / "pipeline.py"),
        )
    prepare = result.get("prepare")
    if prepare is not None and not callable(prepare):
        raise BadInput(
            "build_steps returned a 'prepare' that is not callable",
            where=str(plugin.root / "pipeline.py"),
            hint="Use 'prepare': lambda ds: ds or leave it out",
        )
    steps = [_as_step(item, i, dataset_size) for i, item in enumerate(raw)]
    return PipelinePlan(steps, prepare, given, dataset_size, plugin)


# =========================================================================== services


def _accepts(cls: Any) -> tuple[bool, int]:
    """(accepts progress_actor, number of positional parameters) of a service constructor."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return False, 1
    params = list(sig.parameters.values())
    progress = any(p.name == "progress_actor" or p.kind is p.VAR_KEYWORD for p in params)
    positional = sum(
        1
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    )
    return progress, positional


def check_resources(step: PipelineStep, options: RunOptions | None = None) -> str | None:
    """Refuse a GPU step without a GPU unless it allows CPU fallback; return a note if it falls back."""
    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import visible_gpus

    if step.num_gpus <= 0 or visible_gpus() > 0:
        return None
    if step.allow_cpu_fallback:
        return f"step '{step.name}' asked for a GPU; none is visible, so it runs on CPU"
    if options is not None and options.placeholder_services:
        return f"step '{step.name}' asked for a GPU; none is visible (placeholder outputs)"
    raise EnvironmentFailure(
        f"step '{step.name}' needs a GPU (num_gpus={step.num_gpus}) but none is visible",
        where=f"step '{step.name}'",
        hint="Run on a machine with a GPU, or declare the step with allow_cpu_fallback=True "
        "(or resource_type=ResourceType.CPU) if it can run on CPU",
    )


def instantiate(step: PipelineStep) -> Any:
    """Create the step's service once: ``cls(config, progress_actor=None)``, ``cls(config)``
    or ``cls()``, whichever the constructor accepts."""
    cls = step.service_class
    progress, positional = _accepts(cls)
    try:
        if progress:
            return cls(step.config, progress_actor=None)
        if positional >= 1:
            return cls(step.config)
        return cls()
    except KitError:
        raise
    except Exception as exc:
        error = BadInput(
            f"creating the service of step '{step.name}' failed: {type(exc).__name__}: {exc}",
            where=f"step '{step.name}' ({getattr(cls, '__module__', '?')}."
            f"{getattr(cls, '__qualname__', cls)})",
            hint="Fix the service's __init__ or the config passed in build_steps",
        )
        raise error.with_traceback(exc.__traceback__) from exc


# =========================================================================== one step, one batch


@dataclass
class StepOutcome:
    """What :func:`apply_step` returns: the new batch, which of its rows any step has processed
    so far, how many rows this step selected, and the rows that failed."""

    frame: pd.DataFrame
    processed: np.ndarray
    selected: int
    failures: list[RowFailure]


def _row_number(label: Any) -> int:
    try:
        return int(label) + 1
    except (TypeError, ValueError):
        return -1


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _call_service(service: Any, step: PipelineStep, batch: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    out = service(batch.copy(deep=False))
    if not isinstance(out, pd.DataFrame):
        raise TypeError(
            f"the service returned {type(out).__name__}; it must return the pandas batch"
        )
    if len(out) == len(batch) and not out.index.equals(batch.index):
        out.index = batch.index
    return out


def _call_isolating(
    service: Any, step: PipelineStep, batch: pd.DataFrame
) -> tuple[pd.DataFrame, list[RowFailure]]:
    """Run the batch; if it raises, re-run row by row to find exactly which rows fail.

    A :class:`KitError` (e.g. a built-in service that cannot run on this machine) is not a row
    failure: it stops the run with its own message and exit code.
    """
    import pandas as pd

    try:
        return _call_service(service, step, batch), []
    except KitError:
        raise  # the kit's own services explain themselves (e.g. a model that cannot run here)
    except Exception as batch_exc:
        if len(batch) == 1:
            return batch.iloc[:0], [
                RowFailure(_row_number(batch.index[0]), step.name, _describe(batch_exc))
            ]
    outs: list[pd.DataFrame] = []
    failures: list[RowFailure] = []
    for i in range(len(batch)):
        row = batch.iloc[i : i + 1]
        try:
            outs.append(_call_service(service, step, row))
        except Exception as exc:
            failures.append(RowFailure(_row_number(row.index[0]), step.name, _describe(exc)))
    if not failures:  # the batch failed as a whole only (e.g. a batch-level assumption)
        failures = [
            RowFailure(
                _row_number(batch.index[0]),
                step.name,
                "the batch failed but every row passed alone",
            )
        ]
        return batch.iloc[:0], failures
    frame = pd.concat(outs) if outs else batch.iloc[:0]
    return frame, failures


def apply_step(
    step: PipelineStep,
    service: Any,
    df: pd.DataFrame,
    processed: np.ndarray | None = None,
    *,
    on_error: str = "stop",
) -> StepOutcome:
    """Run one step over one batch: selected rows through the service, others unchanged.

    The result keeps the input order (index labels are input row positions). With
    ``on_error="stop"`` failing rows raise :class:`RowsFailed`; with ``"continue"`` they are
    left out of the batch and returned in ``failures``.
    """
    import numpy as np
    import pandas as pd

    from mixpeek_tools.runtime.content import condition_mask

    before = np.zeros(len(df), dtype=bool) if processed is None else np.asarray(processed, bool)
    mask = condition_mask(df, step.condition)
    selected = int(mask.sum())
    if selected == 0:
        return StepOutcome(df, before, 0, [])
    whole = selected == len(df)
    out, failures = _call_isolating(service, step, df if whole else df[mask])
    if failures and on_error == "stop":
        raise RowsFailed(failures)
    if whole:
        return StepOutcome(out, np.ones(len(out), dtype=bool), selected, failures)
    rest = df[~mask]
    combined = pd.concat([out, rest])
    flags = np.concatenate([np.ones(len(out), dtype=bool), before[~mask]])
    order = _stable_order(combined.index)
    return StepOutcome(combined.iloc[order], flags[order], selected, failures)


def _stable_order(index: pd.Index) -> np.ndarray:
    import numpy as np

    try:
        return np.argsort(index.to_numpy(), kind="stable")
    except TypeError:  # non-comparable labels: keep the concatenated order
        return np.arange(len(index))


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
        frames = iter(prepared)
    for df in frames:
        yield Chunk(df, np.zeros(len(df), dtype=bool))


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


class ProcessedFlags:
    """Per-row flags kept in ``DataFrame.attrs``: compares as a bool and is never deep-copied,
    so pandas operations on the frame (``concat``, copies) stay cheap and do not fail."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __eq__(self, other: object) -> bool:
        import numpy as np

        return isinstance(other, ProcessedFlags) and bool(np.array_equal(self.values, other.values))

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict[int, Any]) -> ProcessedFlags:
        return self


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
    ``df.attrs["mixpeek_processed"]`` (read them with :func:`processed_flags`)."""
    for chunk in run_chunks(plan, batches, options, stats):
        chunk.frame.attrs[PROCESSED_ATTR] = ProcessedFlags(chunk.processed)
        yield chunk.frame


def processed_flags(df: pd.DataFrame) -> np.ndarray | None:
    """Which rows of an output batch some step processed (None when the engine did not say)."""
    import numpy as np

    flags = df.attrs.get(PROCESSED_ATTR)
    if isinstance(flags, ProcessedFlags):
        flags = flags.values
    if flags is None or len(flags) != len(df):
        return None
    return np.asarray(flags, dtype=bool)


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


def plan_for_path(
    path: str | Path,
    params: dict[str, Any] | None = None,
    dataset_size: int | None = None,
) -> PipelinePlan:
    """Load the plugin at ``path`` and plan it (convenience for commands and helpers)."""
    from mixpeek_tools.plugin.loader import load_plugin

    return plan_pipeline(load_plugin(path), params, dataset_size)


__all__ = [
    "Chunk",
    "ExtractorConfig",
    "ExtractorRequest",
    "PipelinePlan",
    "PlanFactory",
    "RowFailure",
    "RowsFailed",
    "RunOptions",
    "RunResult",
    "RunStats",
    "StepOutcome",
    "StepStats",
    "apply_step",
    "check_resources",
    "instantiate",
    "plan_for_path",
    "plan_pipeline",
    "processed_flags",
    "run_batches",
    "run_chunks",
    "run_frame",
    "validate_params",
]
