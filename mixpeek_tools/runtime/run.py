"""``run_file``: one whole run, dataset in to dataset out, as ``mixpeek plugin run`` does it.

The CLI, the benchmarks and :mod:`mixpeek_tools.testing` call this one function, so a run
started from any of them reads, plans, streams, validates and writes the same way. Input and
output may be local paths or ``s3://`` URIs (see :mod:`.storage`); the output appears only once
the run finished. Nothing here prints: the caller formats :class:`RunReport`.

:mod:`mixpeek_tools.testing` runs rows it holds in memory: ``input`` may be a pandas frame and
``output`` ``None``, and the output frame then comes back in :attr:`RunReport.frame` instead of
a file (same planning, engine, validation and failures as a file run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.collector import collector_paused
from mixpeek_tools.entry_points import pydantic_plugin_search_skipped
from mixpeek_tools.errors import BadInput

if TYPE_CHECKING:
    import pandas as pd

    from mixpeek_tools.plugin.loader import LoadedPlugin
    from mixpeek_tools.runtime.outputs import OutputReport
    from mixpeek_tools.runtime.plan import PipelinePlan, RunStats
    from mixpeek_tools.runtime.storage import StorageOptions


@dataclass
class RunRequest:
    """Everything one run needs; defaults match ``mixpeek plugin run``'s."""

    plugin: str | Path | LoadedPlugin
    input: str | Path | pd.DataFrame  # a frame: rows in memory (index: 0-based row positions)
    output: str | Path | None  # None: no file, the output frame is kept (RunReport.frame)
    engine: str = "local"
    params: dict[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    limit: int | None = None
    on_error: str = "stop"
    placeholder_services: bool = False
    cpu_fallback: bool = False
    cpu_threads: int = 1
    cpu_processes: int = 0
    s3_endpoint_url: str | None = None
    verbose: bool = False
    num_cpus: int | None = None  # a local Ray's CPUs (None: all)
    on_progress: Callable[[int], None] | None = None
    on_size: Callable[[int | None], None] | None = None  # told the row count once known
    # A one-shot process (the CLI) leaves what is alive once the run is planned (modules, the
    # plugin) out of later garbage collections: gc.freeze, so the collector does not walk
    # pandas', pyarrow's and pydantic's objects again for every full pass and at exit.
    freeze_heap: bool = False


@dataclass
class RunReport:
    """What a finished run did: the plan, the engine's counts and the output check."""

    plan: PipelinePlan
    engine: str
    stats: RunStats
    outputs: OutputReport
    output: str
    frame: pd.DataFrame | None = None  # the output rows, when the request had no output file

    @property
    def ok(self) -> bool:
        return not self.stats.failures and not self.outputs.errors


def _check_locations(source: str, target: str) -> None:
    from mixpeek_tools.runtime.storage import is_remote, same_location

    if not is_remote(target):
        from mixpeek_tools.runtime.io import format_of

        format_of(target)
    if same_location(source, target):
        raise BadInput("--output is the input file", where=target, hint="Write to another file")


def run_file(request: RunRequest) -> RunReport:
    """Run the plugin over ``request.input`` and write ``request.output``; returns the report.

    Raises :class:`~mixpeek_tools.runtime.plan.RowsFailed` when rows fail under
    ``on_error="stop"`` (nothing is written then), and the kit's other errors for bad input.
    """
    from mixpeek_tools.runtime.core import processed_flags
    from mixpeek_tools.runtime.engines import get_engine
    from mixpeek_tools.runtime.outputs import OutputReport, validate_output_rows
    from mixpeek_tools.runtime.plan import plan_pipeline
    from mixpeek_tools.runtime.storage import StorageOptions

    storage = StorageOptions.from_env(request.s3_endpoint_url)
    # The set-up imports pyarrow, pandas and the plugin (pydantic, its first models).
    with collector_paused(), pydantic_plugin_search_skipped():
        source = _source(request, storage)
        options = _options(request)
        plugin = _plugin(request.plugin)
        size = source.rows()
        if request.on_size is not None:
            request.on_size(size)
        plan = plan_pipeline(plugin, request.params, dataset_size=size)
        _import_frames()
        if request.freeze_heap:
            import gc

            gc.freeze()
    read_size = request.batch_size or (plan.steps[0].batch_size if plan.steps else 1024)
    kwargs: dict[str, Any] = {}
    if request.engine == "ray":
        kwargs = {"verbose": request.verbose, "num_cpus": request.num_cpus, "storage": storage}
    runner = get_engine(request.engine, **kwargs)
    report = OutputReport()
    sink = _sink(request, storage)
    try:
        with sink as writer:
            for df in _engine_stream(runner, plan, source, read_size, options):
                report.merge(validate_output_rows(df, plugin.output_schema, processed_flags(df)))
                writer.write(df)
    finally:
        runner.close()
    frame = sink.frame() if isinstance(sink, FrameCollector) else None
    target = "" if request.output is None else str(request.output)
    return RunReport(plan, request.engine, runner.stats, report, target, frame)


def _import_frames() -> None:
    """Import pandas with the set-up, under its paused collector: every engine hands the
    plugin's steps pandas frames, so the first batch would import it anyway."""
    import pandas  # noqa: F401


def _plugin(plugin: Any) -> Any:
    from mixpeek_tools.plugin.loader import LoadedPlugin, load_plugin

    return plugin if isinstance(plugin, LoadedPlugin) else load_plugin(plugin)


def _source(request: RunRequest, storage: StorageOptions) -> Any:
    """The run's input: the named file, object or folder, or the rows the request holds."""
    from mixpeek_tools.runtime.sources import frame_source, open_source

    if hasattr(request.input, "columns"):  # a pandas frame
        return frame_source(request.input, limit=request.limit)
    source_uri = str(request.input)
    if request.output is not None:
        _check_locations(source_uri, str(request.output))
    return open_source(source_uri, storage, limit=request.limit)


def _sink(request: RunRequest, storage: StorageOptions) -> Any:
    """Where output batches go: the output file's writer, or memory when there is none."""
    if request.output is None:
        return FrameCollector()
    from mixpeek_tools.runtime.writers import FrameWriter

    return FrameWriter(str(request.output), storage=storage)


class FrameCollector:
    """Keeps output batches in memory (a request without an output file), like a writer."""

    def __init__(self) -> None:
        self.frames: list[Any] = []

    def __enter__(self) -> FrameCollector:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def write(self, df: Any) -> None:
        self.frames.append(df)

    def frame(self) -> Any:
        """The batches as one frame with their processed flags (None when no row came out)."""
        import numpy as np
        import pandas as pd

        from mixpeek_tools.runtime.core import PROCESSED_ATTR, ProcessedFlags, processed_flags

        if not self.frames:
            return None
        if len(self.frames) == 1:
            return self.frames[0]
        flags = [processed_flags(df) for df in self.frames]
        joined = pd.concat(self.frames)
        known = [f for f in flags if f is not None]
        if len(known) == len(flags):
            joined.attrs[PROCESSED_ATTR] = ProcessedFlags(np.concatenate(known))
        return joined


def _options(request: RunRequest) -> Any:
    """The engines' run options from the request (placeholders also switch on for built-ins)."""
    from mixpeek_tools.runtime.plan import RunOptions

    if request.placeholder_services:
        import os

        os.environ["MIXPEEK_PLACEHOLDER_SERVICES"] = "1"
    return RunOptions(
        on_error=request.on_error,
        batch_size=request.batch_size,
        cpu_threads=request.cpu_threads,
        cpu_processes=request.cpu_processes,
        placeholder_services=request.placeholder_services,
        cpu_fallback=request.cpu_fallback,
        on_progress=request.on_progress,
    )


def _engine_stream(runner: Any, plan: Any, source: Any, read_size: int, options: Any) -> Any:
    """The engine's output batches: the Ray engine may read splittable inputs in its own tasks
    (``run_source``); every engine can take the driver's batches."""
    run_source = getattr(runner, "run_source", None)
    if run_source is not None:
        return run_source(plan, source, read_size, options)
    return runner.run(plan, source.batches(read_size), options)


__all__ = ["RunReport", "RunRequest", "StorageOptions", "run_file"]
