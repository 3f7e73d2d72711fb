"""Turning what a Ray run raised into the kit's own one-paragraph errors."""

from __future__ import annotations

from typing import Any

from mixpeek_tools.errors import EnvironmentFailure
from mixpeek_tools.runtime.engines.ray.actors import StepFailed


def _detached(error: BaseException) -> BaseException:
    """``error`` without the traceback and context it was caught with.

    Those lead to the frames of Ray Data's executor, whose operators hold the actor pools'
    handles; a Ray actor lives while a handle to it does, so a caller that keeps the error
    (a test, a notebook, a long-lived service) would keep a failed run's actors, and their CPUs,
    and the next run would wait for CPUs that never free.
    """
    error.__context__ = None
    error.__cause__ = None
    return error.with_traceback(None)


def _arrow_failure(error: BaseException) -> BaseException:
    """Ray Data could not store or join a step's output as Arrow, named with Ray's own reason:
    the plugin works on the local engine, but the platform runs its steps on Ray Data too."""
    from mixpeek_tools.errors import BadInput

    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    marker = "Failed to unify"
    if marker in text:
        return BadInput(
            f"Ray Data could not join the steps' output batches: {text[text.find(marker) :]}",
            where="--engine ray (a step's output column)",
            hint="Give a column the same kind of value in every row it reaches on Ray: numpy "
            "arrays in all of them (fill rows a step skips with an array, e.g. in a later "
            "step), or lists instead of arrays",
        )
    return BadInput(
        f"Ray Data could not store a step's output as Arrow: {text or type(error).__name__}",
        where="--engine ray (a step's output column)",
        hint="Return columns of plain values (numbers, strings, lists, dicts, numpy arrays, "
        "bytes) or objects that can be pickled",
    )


def _unwrap(exc: BaseException, plan: Any = None) -> BaseException:
    """The kit's own error inside a Ray task error (e.g. a service that cannot run here), or
    the plugin's own exception (a ``prepare`` function that raised in a worker), named with
    the plugin's file and line."""
    from mixpeek_tools.errors import KitError
    from mixpeek_tools.runtime.executor import RowsFailed

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KitError):
            return current
        if isinstance(current, StepFailed):
            return RowsFailed(current.failures)
        if type(current).__name__ == "ArrowConversionError":
            return _arrow_failure(current)
        seen.add(id(current))
        current = getattr(current, "cause", None) or current.__cause__
    from mixpeek_tools.runtime.failures import original_error, plugin_error, plugin_location

    inner = original_error(exc)
    package = getattr(getattr(plan, "plugin", None), "package_name", None)
    if inner is not exc or not type(exc).__module__.startswith("ray"):
        if plugin_location(inner, package) or plugin_location(exc, package):
            return plugin_error(exc, package, "prepare")
        if not type(inner).__module__.startswith("ray") and inner is not exc:
            return plugin_error(exc, package, "a Ray worker")
    if type(exc).__module__.startswith("ray"):
        return EnvironmentFailure(
            f"the Ray run failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            where="--engine ray",
            hint="Run again with --verbose for Ray's full report",
        )
    return exc
