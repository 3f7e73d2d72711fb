"""The per-step core both engines share: checking a step's resources, creating its service once,
and :func:`apply_step`, the one place a step touches a batch.

Each step's service class is instantiated ONCE with its config and fed pandas batches of the rows
its ``RowCondition`` selects; other rows pass through unchanged and row order is kept. A batch
that raises is re-run row by row so the failing rows can be named (input row number, step,
error); ``on_error`` decides whether the run stops there or drops those rows and goes on. The Ray
engine calls :func:`apply_step` inside its actors so both engines give identical results.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mixpeek_tools.errors import BadInput, EnvironmentFailure, KitError
from mixpeek_tools.runtime.plan import RowFailure, RowsFailed, RunOptions

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import PipelineStep

PROCESSED_ATTR = "mixpeek_processed"

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


CPU_FALLBACK_ENV = "MIXPEEK_CPU_FALLBACK"  # set by --cpu-fallback (read by `plugin test` too)


def cpu_fallback_enabled(options: RunOptions | None = None) -> bool:
    """Whether the user asked GPU steps to run on CPU where there is no GPU."""
    if options is not None and options.cpu_fallback:
        return True
    return os.environ.get(CPU_FALLBACK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def is_placeholder_service(step: PipelineStep) -> bool:
    """Whether ``--placeholder-services`` would replace this step: a built-in service that
    cannot run on this machine. A plugin's own processor never is (its rows are real)."""
    from mixpeek_tools.local_platform.engine.inference.base import BuiltinService

    cls = step.service_class
    if not (isinstance(cls, type) and issubclass(cls, BuiltinService)):
        return False
    try:
        return instantiate(step).unavailable_reason() is not None
    except Exception:  # a bad config surfaces when the run creates the service
        return False


def gpu_decision(
    step: PipelineStep, options: RunOptions | None, gpus_here: float, where: str
) -> str | None:
    """What a GPU step does where ``gpus_here`` GPUs are visible: None (it gets its GPU), a note
    (it runs on CPU, or a built-in service writes placeholders), or an error naming the step."""
    if step.num_gpus <= 0 or gpus_here >= step.num_gpus:
        return None
    if step.allow_cpu_fallback or cpu_fallback_enabled(options):
        return f"step '{step.name}' asked for a GPU; {where} has none, so it runs on CPU"
    if options is not None and options.placeholder_services and is_placeholder_service(step):
        return (
            f"step '{step.name}' asked for a GPU; {where} has none, and its built-in service "
            "writes placeholder outputs"
        )
    raise EnvironmentFailure(
        f"step '{step.name}' needs a GPU (num_gpus={step.num_gpus:g}) but {where} has none",
        where=f"step '{step.name}'",
        hint="Rerun with --cpu-fallback to run GPU steps on CPU (slower; results as on a GPU for "
        "most models), run on a machine or Ray cluster with a GPU, or declare the step with "
        "allow_cpu_fallback=True (or resource_type=ResourceType.CPU) if it always may",
    )


def check_resources(step: PipelineStep, options: RunOptions | None = None) -> str | None:
    """The local engine's :func:`gpu_decision` against the GPUs this machine has."""
    from mixpeek_tools.local_platform.engine.plugins.extractors.pipeline import visible_gpus

    if step.num_gpus <= 0:
        return None
    return gpu_decision(step, options, float(visible_gpus()), "this machine")


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


def _failure(row: pd.DataFrame, step: PipelineStep, exc: BaseException) -> RowFailure:
    """One failed row: the plugin's own error, where in the plugin it was raised, the input."""
    from mixpeek_tools.runtime.failures import plugin_location, row_values

    package = str(getattr(step.service_class, "__module__", "")).split(".")[0] or None
    return RowFailure(
        _row_number(row.index[0]),
        step.name,
        _describe(exc),
        plugin_location(exc, package),
        row_values(row),
    )


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
            return batch.iloc[:0], [_failure(batch, step, batch_exc)]
    outs: list[pd.DataFrame] = []
    failures: list[RowFailure] = []
    for i in range(len(batch)):
        row = batch.iloc[i : i + 1]
        try:
            outs.append(_call_service(service, step, row))
        except Exception as exc:
            failures.append(_failure(row, step, exc))
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
    combined = pd.concat([_nullable_integers(out, rest), rest])
    flags = np.concatenate([np.ones(len(out), dtype=bool), before[~mask]])
    order = _stable_order(combined.index)
    return StepOutcome(combined.iloc[order], flags[order], selected, failures)


def _nullable_integers(out: pd.DataFrame, rest: pd.DataFrame) -> pd.DataFrame:
    """``out`` with its new integer columns as nullable ``Int64``: the rows the step did not
    select have no value there, and a plain concat would turn the integers into floats."""
    new = [
        c
        for c in out.columns
        if c not in rest.columns and getattr(out[c].dtype, "kind", "") in "iu"
    ]
    if not new:
        return out
    out = out.copy(deep=False)
    for column in new:
        out[column] = out[column].astype("UInt64" if out[column].dtype.kind == "u" else "Int64")
    return out


def _stable_order(index: pd.Index) -> np.ndarray:
    import numpy as np

    try:
        return np.argsort(index.to_numpy(), kind="stable")
    except TypeError:  # non-comparable labels: keep the concatenated order
        return np.arange(len(index))


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


def processed_flags(df: pd.DataFrame) -> np.ndarray | None:
    """Which rows of an output batch some step processed (None when the engine did not say)."""
    import numpy as np

    flags = df.attrs.get(PROCESSED_ATTR)
    if isinstance(flags, ProcessedFlags):
        flags = flags.values
    if flags is None or len(flags) != len(df):
        return None
    return np.asarray(flags, dtype=bool)
