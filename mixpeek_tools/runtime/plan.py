"""The plan and its types: what ``build_steps`` returned, checked and resolved, plus the options,
counts and failures every engine fills in.

Planning (:func:`plan_pipeline`): the user's parameters are checked against the plugin's
``parameter_schema`` and handed to ``build_steps`` inside a request object whose
``extractor_config.parameters`` is the user's dict, exactly as the platform calls it. The
returned steps are resolved (batch size, concurrency, resources) and kept with ``prepare``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput, ChecksFailed

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import PipelineStep
    from mixpeek_tools.plugin.loader import LoadedPlugin

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
    """Picklable recipe to rebuild a plan in another process (Ray workers, process pools).

    A Ray worker prefers the plugin copy shipped with the job (``py_modules``, imported as
    ``package_name``) when ``shipped`` says the run shipped it; otherwise the folder, and a
    copy of that name only where the folder does not exist on the worker's node (shipped by
    whoever started Ray). A package of the same name that merely is on the worker's path (the
    driver's script folder is) must not stand in for the plugin.
    """

    root: str
    params: dict[str, Any]
    dataset_size: int | None = None
    package_name: str | None = None
    shipped: bool = False

    def __call__(self) -> PipelinePlan:
        from mixpeek_tools.plugin.loader import load_plugin
        from mixpeek_tools.runtime.shipping import staged_root

        copy = None
        if self.package_name and (self.shipped or not Path(self.root).is_dir()):
            copy = staged_root(self.package_name)
        root = str(copy) if copy is not None else self.root
        return plan_pipeline(load_plugin(root), self.params, self.dataset_size)


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
        return PlanFactory(
            str(self.plugin.root), dict(self.params), self.dataset_size, self.plugin.package_name
        )


@dataclass
class RowFailure:
    """One input row a step could not process."""

    row: int  # 1-based input row number
    step: str
    error: str  # "<Type>: <message>" as the plugin raised it
    location: str | None = None  # the plugin's file and line that raised ("processors/x.py:12")
    values: str | None = None  # a short rendering of the input row

    def __str__(self) -> str:
        at = f" at {self.location}" if self.location else ""
        given = f" (input: {self.values})" if self.values else ""
        return f"row {self.row} in step '{self.step}': {self.error}{at}{given}"


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
    ``cpu_fallback`` lets every GPU step run on CPU where there is no GPU (``--cpu-fallback``;
    the step's own ``allow_cpu_fallback=True`` does the same for one step).
    """

    on_error: str = "stop"  # stop | continue
    batch_size: int | None = None
    cpu_threads: int = 1
    cpu_processes: int = 0
    max_api_threads: int = 32
    placeholder_services: bool = False
    cpu_fallback: bool = False  # --cpu-fallback: GPU steps run on CPU where no GPU is visible
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
    """Check ``params`` against ``parameter_schema``; one BadInput names every bad field."""
    given = dict(params or {})
    schema = plugin.parameter_schema
    if schema is None or not hasattr(schema, "model_validate"):
        return given
    known = _schema_fields(schema)
    extra_allowed = (getattr(schema, "model_config", {}) or {}).get("extra") == "allow"
    problems = [
        (f"parameters.{k}", "unknown parameter")
        for k in given
        if k not in known and not extra_allowed
    ]
    from pydantic import ValidationError

    try:
        schema.model_validate(given)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ())) or "parameters"
            if err.get("type") == "extra_forbidden" and any(
                where == f"parameters.{loc}" for where, _ in problems
            ):
                continue  # already named as unknown
            problems.append(
                (f"parameters.{loc}", f"invalid value {err.get('input')!r}: {err.get('msg')}")
            )
    if not problems:
        return given
    name = schema.__name__ if isinstance(schema, type) else type(schema).__name__
    raise BadInput(
        f"{len(problems)} invalid parameter(s): "
        + "; ".join(f"{where}: {what}" for where, what in problems),
        where=", ".join(where for where, _ in problems),
        hint=f"Valid parameters of {plugin.name}: {', '.join(known) or '(none)'}; see {name} in "
        "manifest.py for the allowed values",
    )


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


def plan_for_path(
    path: str | Path,
    params: dict[str, Any] | None = None,
    dataset_size: int | None = None,
) -> PipelinePlan:
    """Load the plugin at ``path`` and plan it (convenience for commands and helpers)."""
    from mixpeek_tools.plugin.loader import load_plugin

    return plan_pipeline(load_plugin(path), params, dataset_size)
