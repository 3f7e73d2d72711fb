"""Local stand-in for ``engine.plugins.extractors.pipeline``: the declarative pipeline vocabulary.

Plugins describe *what* runs (a service class, its config, which rows it sees, what it needs);
:func:`build_pipeline_steps` decides *how* it runs (batch size, concurrency, CPUs/GPUs per
worker) from the step's :class:`ResourceType` and the dataset size. Both the local engine and the
Ray engine read the resolved :class:`PipelineStep` objects, so they batch and scale the same way.

The sizing rule (documented in ``docs/runtime.md``):

* batch size: an explicit ``StepDefinition.batch_size`` wins; else CPU 1024, GPU 64, API 32 rows;
  never more rows than the dataset has (when its size is known).
* concurrency (workers per step): an explicit ``concurrency`` wins; else one worker per
  ``4 * batch_size`` rows of data, at least 1 and at most the type's ceiling: CPU = CPU cores,
  GPU = 1 per GPU (1 when none are visible), API = 8 (calls wait on the network, not the CPU).
  An unknown dataset size gets the ceiling.
* resources per worker: CPU 1 CPU; GPU 1 CPU + 1 GPU; API 0.25 CPU. Explicit ``num_cpus`` /
  ``num_gpus`` win.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ResourceType(str, Enum):
    """What a step's service mainly waits on; decides batch size, concurrency and resources."""

    CPU = "cpu"
    GPU = "gpu"
    API = "api"


class RowCondition(str, Enum):
    """Which rows a step sees; other rows pass through the step unchanged.

    A row's content type is decided by :mod:`mixpeek_tools.runtime.content` (explicit
    ``mime_type``/``content_type`` column, then the magic number of ``*_bytes`` columns, then the
    extension of ``*_path``/``url`` fields, then a non-empty text column).
    """

    IS_TEXT = "is_text"
    IS_IMAGE = "is_image"
    IS_VIDEO = "is_video"
    IS_AUDIO = "is_audio"
    IS_PDF = "is_pdf"
    IS_VIDEO_OR_AUDIO = "is_video_or_audio"
    ALWAYS = "always"


DEFAULT_BATCH_SIZE: dict[ResourceType, int] = {
    ResourceType.CPU: 1024,
    ResourceType.GPU: 64,
    ResourceType.API: 32,
}
DEFAULT_NUM_CPUS: dict[ResourceType, float] = {
    ResourceType.CPU: 1.0,
    ResourceType.GPU: 1.0,
    ResourceType.API: 0.25,
}
API_MAX_CONCURRENCY = 8
ROWS_PER_WORKER_BATCHES = 4


@dataclass
class StepDefinition:
    """One step as a plugin declares it.

    ``service_class`` is called as ``service_class(config)`` (or with ``progress_actor=None``),
    once per worker, and then as ``service(batch_df) -> batch_df``. ``allow_cpu_fallback`` lets a
    GPU step run on CPU when no GPU is present instead of failing.
    """

    service_class: Any
    resource_type: ResourceType = ResourceType.CPU
    config: Any = None
    condition: RowCondition = RowCondition.ALWAYS
    name: str | None = None
    batch_size: int | None = None
    concurrency: int | None = None
    num_cpus: float | None = None
    num_gpus: float | None = None
    allow_cpu_fallback: bool = False

    def __post_init__(self) -> None:
        self.resource_type = ResourceType(self.resource_type)
        self.condition = RowCondition(self.condition)
        if self.batch_size is not None and int(self.batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.concurrency is not None and int(self.concurrency) < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")

    @property
    def step_name(self) -> str:
        """The explicit name, else the service class's name."""
        return str(self.name or getattr(self.service_class, "__name__", self.service_class))


@dataclass
class PipelineDefinition:
    """A named, versioned list of steps, applied in order."""

    name: str
    version: str = "v1"
    steps: list[StepDefinition] = field(default_factory=list)
    description: str | None = None


@dataclass
class PipelineStep:
    """A step with every runtime decision made: what engines actually execute."""

    name: str
    service_class: Any
    config: Any
    condition: RowCondition
    resource_type: ResourceType
    batch_size: int
    concurrency: int
    num_cpus: float
    num_gpus: float
    allow_cpu_fallback: bool = False
    pipeline: str | None = None

    @property
    def step_name(self) -> str:
        return self.name


def visible_gpus() -> int:
    """GPUs this process may use, from ``CUDA_VISIBLE_DEVICES`` or a torch probe when imported."""
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return len([d for d in env.split(",") if d.strip() and d.strip() != "-1"])
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            return int(torch.cuda.device_count())
        except Exception:
            return 0
    return 0


def _max_concurrency(resource: ResourceType) -> int:
    if resource is ResourceType.API:
        return API_MAX_CONCURRENCY
    if resource is ResourceType.GPU:
        return max(1, visible_gpus())
    return max(1, os.cpu_count() or 1)


def resolve_step(
    step: StepDefinition, dataset_size: int | None = None, pipeline: str | None = None
) -> PipelineStep:
    """Apply the sizing rule (module docstring) to one declared step."""
    resource = ResourceType(step.resource_type)
    batch = int(step.batch_size or DEFAULT_BATCH_SIZE[resource])
    if dataset_size is not None and dataset_size > 0 and step.batch_size is None:
        batch = max(1, min(batch, int(dataset_size)))
    if step.concurrency is not None:
        workers = int(step.concurrency)
    elif dataset_size is None:
        workers = _max_concurrency(resource)
    else:
        wanted = math.ceil(max(0, int(dataset_size)) / (batch * ROWS_PER_WORKER_BATCHES))
        workers = max(1, min(_max_concurrency(resource), wanted))
    num_cpus = step.num_cpus if step.num_cpus is not None else DEFAULT_NUM_CPUS[resource]
    if step.num_gpus is not None:
        num_gpus = float(step.num_gpus)
    else:
        num_gpus = 1.0 if resource is ResourceType.GPU else 0.0
    return PipelineStep(
        name=step.step_name,
        service_class=step.service_class,
        config=step.config,
        condition=RowCondition(step.condition),
        resource_type=resource,
        batch_size=batch,
        concurrency=workers,
        num_cpus=float(num_cpus),
        num_gpus=num_gpus,
        allow_cpu_fallback=step.allow_cpu_fallback,
        pipeline=pipeline,
    )


def build_pipeline_steps(
    pipeline: PipelineDefinition, dataset_size: int | None = None
) -> list[PipelineStep]:
    """Resolve every step of ``pipeline`` for a dataset of ``dataset_size`` rows (None: unknown)."""
    if not isinstance(pipeline, PipelineDefinition):
        raise TypeError(
            f"build_pipeline_steps expects a PipelineDefinition, got {type(pipeline).__name__}"
        )
    return [resolve_step(s, dataset_size, pipeline.name) for s in pipeline.steps]


__all__ = [
    "PipelineDefinition",
    "PipelineStep",
    "ResourceType",
    "RowCondition",
    "StepDefinition",
    "build_pipeline_steps",
    "resolve_step",
]
