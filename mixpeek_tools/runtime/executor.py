"""One import for the runtime's public names (the plan, the per-step core, the local engine).

The code lives along its seams: :mod:`.plan` (types and planning), :mod:`.core` (what both
engines do to one batch: resources, services, :func:`apply_step`), :mod:`.engines.local`
(in-process streaming) and :mod:`.run` (:func:`run_file`, what ``mixpeek plugin run`` calls).
"""

from __future__ import annotations

from mixpeek_tools.runtime.core import (
    PROCESSED_ATTR,
    ProcessedFlags,
    StepOutcome,
    apply_step,
    check_resources,
    instantiate,
    processed_flags,
)
from mixpeek_tools.runtime.engines.local import (
    Chunk,
    run_batches,
    run_chunks,
    run_frame,
    start_services,
    uses_processes,
)
from mixpeek_tools.runtime.plan import (
    MAX_REPORTED_FAILURES,
    ExtractorConfig,
    ExtractorRequest,
    PipelinePlan,
    PlanFactory,
    RowFailure,
    RowsFailed,
    RunOptions,
    RunResult,
    RunStats,
    StepStats,
    plan_for_path,
    plan_pipeline,
    validate_params,
)

__all__ = [
    "MAX_REPORTED_FAILURES",
    "PROCESSED_ATTR",
    "Chunk",
    "ExtractorConfig",
    "ExtractorRequest",
    "PipelinePlan",
    "PlanFactory",
    "ProcessedFlags",
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
    "start_services",
    "uses_processes",
    "validate_params",
]
