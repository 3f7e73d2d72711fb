"""``run_file``: one whole run, dataset in to dataset out, as ``mixpeek plugin run`` does it.

The CLI, the benchmarks and :mod:`mixpeek_tools.testing` call this one function, so a run
started from any of them reads, plans, streams, validates and writes the same way. Input and
output may be local paths or ``s3://`` URIs (see :mod:`.storage`); the output appears only once
the run finished. Nothing here prints: the caller formats :class:`RunReport`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput

if TYPE_CHECKING:
    from mixpeek_tools.runtime.outputs import OutputReport
    from mixpeek_tools.runtime.plan import PipelinePlan, RunStats
    from mixpeek_tools.runtime.storage import StorageOptions


@dataclass
class RunRequest:
    """Everything one run needs; defaults match ``mixpeek plugin run``'s."""

    plugin: str | Path
    input: str | Path
    output: str | Path
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
    from mixpeek_tools.plugin.loader import load_plugin
    from mixpeek_tools.runtime.core import processed_flags
    from mixpeek_tools.runtime.engines import get_engine
    from mixpeek_tools.runtime.outputs import OutputReport, validate_output_rows
    from mixpeek_tools.runtime.plan import plan_pipeline
    from mixpeek_tools.runtime.sources import open_source
    from mixpeek_tools.runtime.storage import StorageOptions
    from mixpeek_tools.runtime.writers import FrameWriter

    storage = StorageOptions.from_env(request.s3_endpoint_url)
    source_uri, target_uri = str(request.input), str(request.output)
    _check_locations(source_uri, target_uri)
    source = open_source(source_uri, storage, limit=request.limit)
    options = _options(request)
    plugin = load_plugin(request.plugin)
    size = source.rows()
    if request.on_size is not None:
        request.on_size(size)
    plan = plan_pipeline(plugin, request.params, dataset_size=size)
    if request.freeze_heap:
        import gc

        gc.freeze()
    read_size = request.batch_size or (plan.steps[0].batch_size if plan.steps else 1024)
    kwargs: dict[str, Any] = {}
    if request.engine == "ray":
        kwargs = {"verbose": request.verbose, "num_cpus": request.num_cpus, "storage": storage}
    runner = get_engine(request.engine, **kwargs)
    report = OutputReport()
    try:
        with FrameWriter(target_uri, storage=storage) as writer:
            for df in _engine_stream(runner, plan, source, read_size, options):
                report.merge(validate_output_rows(df, plugin.output_schema, processed_flags(df)))
                writer.write(df)
    finally:
        runner.close()
    return RunReport(plan, request.engine, runner.stats, report, target_uri)


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
